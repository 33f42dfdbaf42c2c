//! SyncML throughput: `SyncMl::from_xml` against bare quick-xml event scans of the same bytes
//! (the plain `Reader`, and the namespace-resolving `NsReader`, which is the fairer floor since
//! the SyncML decoder resolves namespaces), and `SyncMl::to_xml`.
//!
//! The two inputs are generated at start-up, deterministically, in the compact layout Windows
//! clients send (no indentation, one line):
//!
//! * `client_message`: a Windows client message of about 3 KB: `SyncHdr` with `Cred` (MD5) and
//!   `Meta` (`MaxMsgSize`), `Alert` 1201, `Alert` 1224 (`LoginStatus`), `Replace` with 5 DevInfo
//!   items, 6 `Status`es for the previous server message, `Results` with 4 items, `Final`;
//! * `results_400`: a `Results` message with 400 items, each `Source/LocURI`, `Meta` with
//!   `Format` and `Type` in `xmlns="syncml:metinf"`, and `Data`.
//!
//! ```text
//! cargo bench --bench syncml -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Results and how to read them: `benches/README.md`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mdmkit::windows::syncml::{Command, SyncMl};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

// ---- inputs ----

const SERVER: &str = "https://mdm.example.test/ManagementServer/MDM.svc";
const DEVICE: &str = "4C0FFEE0A1B2C3D4E5F60718293A4B5C";

fn header(out: &mut String, msg_id: u32, cred: bool) {
    write!(
        out,
        "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>\
         <SessionID>3F</SessionID><MsgID>{msg_id}</MsgID><Target><LocURI>{SERVER}</LocURI></Target>\
         <Source><LocURI>{DEVICE}</LocURI></Source>"
    )
    .unwrap();
    if cred {
        out.push_str(
            "<Cred><Meta><Format xmlns=\"syncml:metinf\">b64</Format>\
             <Type xmlns=\"syncml:metinf\">syncml:auth-md5</Type></Meta>\
             <Data>dGhpcyBpcyBub3QgYSByZWFsIGRpZ2VzdA==</Data></Cred>",
        );
    }
    out.push_str(
        "<Meta><MaxMsgSize xmlns=\"syncml:metinf\">512000</MaxMsgSize></Meta></SyncHdr><SyncBody>",
    );
}

fn status(out: &mut String, cmd_id: u32, cmd_ref: u32, cmd: &str, code: u16) {
    write!(
        out,
        "<Status><CmdID>{cmd_id}</CmdID><MsgRef>1</MsgRef><CmdRef>{cmd_ref}</CmdRef>\
         <Cmd>{cmd}</Cmd><Data>{code}</Data></Status>"
    )
    .unwrap();
}

fn result_item(out: &mut String, uri: &str, format: &str, data: &str) {
    write!(
        out,
        "<Item><Source><LocURI>{uri}</LocURI></Source><Meta>\
         <Format xmlns=\"syncml:metinf\">{format}</Format>\
         <Type xmlns=\"syncml:metinf\">text/plain</Type></Meta><Data>{data}</Data></Item>"
    )
    .unwrap();
}

fn client_message() -> Vec<u8> {
    let mut s = String::new();
    header(&mut s, 2, true);
    s.push_str("<Alert><CmdID>1</CmdID><Data>1201</Data></Alert>");
    s.push_str(
        "<Alert><CmdID>2</CmdID><Data>1224</Data><Item><Meta>\
         <Type xmlns=\"syncml:metinf\">com.microsoft/MDM/LoginStatus</Type></Meta>\
         <Data>user</Data></Item></Alert>",
    );
    s.push_str("<Replace><CmdID>3</CmdID>");
    for (node, value) in [
        ("DevId", DEVICE),
        ("Man", "Example Devices Ltd"),
        ("Mod", "Example Laptop 13"),
        ("DmV", "1.3"),
        ("Lang", "en-US"),
    ] {
        write!(
            s,
            "<Item><Source><LocURI>./DevInfo/{node}</LocURI></Source><Data>{value}</Data></Item>"
        )
        .unwrap();
    }
    s.push_str("</Replace>");
    status(&mut s, 4, 0, "SyncHdr", 200);
    status(&mut s, 5, 2, "Get", 200);
    status(&mut s, 6, 3, "Replace", 200);
    status(&mut s, 7, 4, "Add", 418);
    status(&mut s, 8, 5, "Exec", 202);
    status(&mut s, 9, 6, "Atomic", 200);
    s.push_str("<Results><CmdID>10</CmdID><MsgRef>1</MsgRef><CmdRef>2</CmdRef>");
    result_item(&mut s, "./DevDetail/SwV", "chr", "10.0.22631.4460");
    result_item(
        &mut s,
        "./DevDetail/Ext/Microsoft/OSPlatform",
        "chr",
        "Windows 11 Enterprise",
    );
    result_item(&mut s, "./Vendor/MSFT/DeviceStatus/OS/Edition", "int", "4");
    result_item(
        &mut s,
        "./Vendor/MSFT/NodeCache/MDMSyncML/Nodes/1/ExpectedValue",
        "chr",
        "&lt;Policy&gt;enabled&lt;/Policy&gt;",
    );
    s.push_str("</Results><Final/></SyncBody></SyncML>");
    s.into_bytes()
}

const RESULT_ITEMS: usize = 400;

fn results_400() -> Vec<u8> {
    let mut s = String::new();
    header(&mut s, 4, false);
    status(&mut s, 1, 0, "SyncHdr", 200);
    s.push_str("<Results><CmdID>2</CmdID><MsgRef>3</MsgRef><CmdRef>7</CmdRef>");
    let mut uri = String::new();
    let mut data = String::new();
    for i in 0..RESULT_ITEMS {
        uri.clear();
        write!(
            uri,
            "./Vendor/MSFT/Policy/Result/Area{:02}/Setting{i:03}",
            i % 37
        )
        .unwrap();
        data.clear();
        let format = if i % 4 == 0 {
            write!(data, "{}", 1000 + i * 13).unwrap();
            "int"
        } else {
            write!(data, "value of setting {i:03} in area {:02}", i % 37).unwrap();
            "chr"
        };
        result_item(&mut s, &uri, format, &data);
    }
    s.push_str("</Results><Final/></SyncBody></SyncML>");
    s.into_bytes()
}

// ---- the scans ----

/// Every event quick-xml's plain reader reports, counted: no namespaces, no SyncML semantics,
/// no allocation per value (the same scan as `benches/decode.rs`: UTF-8 check, then
/// `Reader::from_str`).
fn quick_xml_scan(input: &[u8]) -> usize {
    let text = std::str::from_utf8(input).unwrap();
    let mut reader = quick_xml::Reader::from_str(text);
    let mut events = 0usize;
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => return events,
            ev => {
                black_box(&ev);
                events += 1;
            }
        }
    }
}

/// The same with namespaces resolved for every element (`NsReader::read_resolved_event`), the
/// floor for a decoder that identifies elements by namespace URI.
fn quick_xml_ns_scan(input: &[u8]) -> usize {
    let text = std::str::from_utf8(input).unwrap();
    let mut reader = quick_xml::NsReader::from_str(text);
    let mut events = 0usize;
    loop {
        match reader.read_resolved_event().unwrap() {
            (_, Event::Eof) => return events,
            (ns, ev) => {
                if let ResolveResult::Bound(n) = ns {
                    black_box(n);
                }
                black_box(&ev);
                events += 1;
            }
        }
    }
}

/// Checks once, before measuring, that every path accepts its input and sees what was built.
fn sanity(client: &[u8], results: &[u8]) {
    let m = SyncMl::from_xml(client).unwrap();
    assert!(m.hdr.cred.is_some());
    assert_eq!(m.body.commands.len(), 10);
    assert!(m.body.is_final);
    assert_eq!(m.body.commands[2].items().len(), 5);
    assert_eq!(
        m.body
            .commands
            .iter()
            .filter(|c| matches!(c, Command::Status(_)))
            .count(),
        6
    );
    assert_eq!(SyncMl::from_xml(m.to_xml().unwrap().as_bytes()).unwrap(), m);

    let r = SyncMl::from_xml(results).unwrap();
    let Command::Results(res) = &r.body.commands[1] else {
        panic!("not a Results");
    };
    assert_eq!(res.items.len(), RESULT_ITEMS);
    let first = &res.items[0];
    assert_eq!(first.meta.as_ref().unwrap().format.as_deref(), Some("int"));
    assert_eq!(first.data.as_ref().unwrap().to_text(), "1000");
    assert_eq!(SyncMl::from_xml(r.to_xml().unwrap().as_bytes()).unwrap(), r);

    for input in [client, results] {
        let n = quick_xml_scan(input);
        assert!(n > 0);
        assert_eq!(quick_xml_ns_scan(input), n);
    }
}

fn bench(c: &mut Criterion) {
    let client = client_message();
    let results = results_400();
    sanity(&client, &results);
    let client_msg = SyncMl::from_xml(&client).unwrap();
    let results_msg = SyncMl::from_xml(&results).unwrap();
    let client_out = client_msg.to_xml().unwrap();
    let results_out = results_msg.to_xml().unwrap();
    eprintln!(
        "input bytes: client_message {}, results_400 {}; to_xml output bytes: {}, {}",
        client.len(),
        results.len(),
        client_out.len(),
        results_out.len()
    );

    for (name, input, msg, out_len) in [
        ("client_message", &client, &client_msg, client_out.len()),
        ("results_400", &results, &results_msg, results_out.len()),
    ] {
        {
            let mut g = c.benchmark_group(name);
            g.throughput(Throughput::Bytes(input.len() as u64));
            g.bench_function("mdmkit_from_xml", |b| {
                b.iter(|| SyncMl::from_xml(black_box(input)).unwrap());
            });
            g.bench_function("quick_xml_scan", |b| {
                b.iter(|| quick_xml_scan(black_box(input)));
            });
            g.bench_function("quick_xml_ns_scan", |b| {
                b.iter(|| quick_xml_ns_scan(black_box(input)));
            });
            g.finish();
        }
        {
            // Throughput in bytes written.
            let mut g = c.benchmark_group(format!("{name}_encode"));
            g.throughput(Throughput::Bytes(out_len as u64));
            g.bench_function("mdmkit_to_xml", |b| {
                b.iter(|| black_box(msg).to_xml().unwrap());
            });
            g.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
