//! `windows::wbxml`: byte-for-byte agreement with libwbxml's `xml2wbxml`, cross-decoding with
//! `wbxml2xml`, round trips, the differences from libwbxml, and hostile input.
//!
//! The libwbxml tools (Debian `libwbxml2-utils`) are optional: without them the cross tests
//! print a skip line, unless `MDMKIT_REQUIRE_WBXML_TOOLS=1` is set (CI), which makes them fail.

#![cfg(feature = "wbxml")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mdmkit::windows::wbxml::{
    PublicId, public_id, wbxml_to_xml, wbxml_to_xml_with_limits, xml_to_wbxml,
    xml_to_wbxml_with_limits,
};
use mdmkit::{DecodeError, DecodeErrorKind as K, Error, Limit, Limits};
use proptest::prelude::*;
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/wbxml");

/// The fixtures without attributes: `xml2wbxml` writes exactly our bytes for them.
const IDENTICAL: [&str; 3] = ["device_message.xml", "server_message.xml", "devinf.xml"];
/// Every fixture.
const ALL: [&str; 4] = [
    "device_message.xml",
    "server_message.xml",
    "devinf.xml",
    "device_message_msft.xml",
];

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).unwrap()
}

fn decode_err(e: Error) -> DecodeError {
    match e {
        Error::Decode(d) => d,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The libwbxml tools

/// Whether `xml2wbxml` and `wbxml2xml` can run; prints a skip line (or panics when CI requires
/// them) if not.
fn tools_available(test: &str) -> bool {
    let ok = ["xml2wbxml", "wbxml2xml"]
        .iter()
        .all(|t| Command::new(t).arg("-h").output().is_ok());
    if !ok {
        if std::env::var("MDMKIT_REQUIRE_WBXML_TOOLS").as_deref() == Ok("1") {
            panic!("{test}: xml2wbxml / wbxml2xml not found and MDMKIT_REQUIRE_WBXML_TOOLS=1");
        }
        println!("{test}: skipped (install libwbxml2-utils for xml2wbxml / wbxml2xml)");
    }
    ok
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("mdmkit-wbxml-{}-{name}", std::process::id()))
}

/// Runs `tool -o out [args] in` on `input`, returns the output file's bytes.
fn run_tool(tool: &str, args: &[&str], input: &[u8], name: &str) -> Vec<u8> {
    let inp = temp_path(&format!("{name}.in"));
    let out = temp_path(&format!("{name}.out"));
    std::fs::write(&inp, input).unwrap();
    let _ = std::fs::remove_file(&out);
    let res = Command::new(tool)
        .args(args)
        .arg("-o")
        .arg(&out)
        .arg(&inp)
        .output()
        .unwrap();
    assert!(
        res.status.success(),
        "{tool} failed on {name}: {}",
        String::from_utf8_lossy(&res.stderr)
    );
    let bytes = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&inp);
    let _ = std::fs::remove_file(&out);
    bytes
}

fn xml2wbxml(xml: &[u8], name: &str) -> Vec<u8> {
    run_tool("xml2wbxml", &[], xml, name)
}

fn wbxml2xml(wbxml: &[u8], name: &str) -> Vec<u8> {
    run_tool("wbxml2xml", &["-m", "0"], wbxml, name)
}

// ---------------------------------------------------------------------------------------------
// Element structure, namespace-resolved

/// The document as a list of lines: `<{ns}local` for an element start (followed by
/// `@{ns}name=value` attribute lines when `attrs`, namespace declarations excluded), `text:…`
/// for a run of text and CDATA (whitespace-only runs skipped), `>` for an end.
fn structure(xml: &[u8], attrs: bool) -> Vec<String> {
    let text = std::str::from_utf8(xml).unwrap();
    let mut reader = NsReader::from_str(text);
    let mut out = Vec::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut Vec<String>| {
        if !run.trim().is_empty() {
            out.push(format!("text:{run}"));
        }
        run.clear();
    };
    let ns_str = |r: ResolveResult<'_>| match r {
        ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref().as_ref()).into_owned(),
        ResolveResult::Unbound => String::new(),
        ResolveResult::Unknown(p) => panic!("unbound prefix {p}"),
    };
    loop {
        let (res, ev) = reader.read_resolved_event().unwrap();
        let ns = ns_str(res);
        let empty = matches!(ev, Event::Empty(_));
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                flush(&mut run, &mut out);
                let local = e.local_name();
                out.push(format!(
                    "<{{{ns}}}{}",
                    String::from_utf8_lossy(local.as_ref().as_ref())
                ));
                if attrs {
                    let mut list = Vec::new();
                    for a in e.attributes() {
                        let a = a.unwrap();
                        if a.key.as_namespace_binding().is_some() {
                            continue;
                        }
                        let (r, l) = reader.resolver().resolve_attribute(a.key);
                        let value = a
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap();
                        list.push(format!(
                            "@{{{}}}{}={value}",
                            ns_str(r),
                            String::from_utf8_lossy(l.as_ref().as_ref())
                        ));
                    }
                    list.sort();
                    out.extend(list);
                }
                if empty {
                    out.push(">".into());
                }
            }
            Event::End(_) => {
                flush(&mut run, &mut out);
                out.push(">".into());
            }
            Event::Text(t) => run.push_str(&t.xml10_content()),
            Event::CData(c) => run.push_str(&c.xml10_content()),
            Event::GeneralRef(r) => match r.resolve_char_ref().unwrap() {
                Some(c) => run.push(c),
                None => run.push_str(match &*r {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "apos" => "'",
                    "quot" => "\"",
                    other => panic!("entity {other}"),
                }),
            },
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Against libwbxml

#[test]
fn fixtures_encode_byte_identical_to_xml2wbxml() {
    if !tools_available("fixtures_encode_byte_identical_to_xml2wbxml") {
        return;
    }
    for name in IDENTICAL {
        let xml = fixture(name);
        let ours = xml_to_wbxml(&xml).unwrap();
        let tool = xml2wbxml(&xml, name);
        assert_eq!(ours, tool, "{name}: our WBXML differs from xml2wbxml's");
    }
}

/// Small documents that pin libwbxml's choices, each encoded by both and compared byte for byte.
const LIBWBXML_CASES: &[(&str, &str)] = &[
    (
        "lazy page switch after Meta",
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><Cred><Meta><Format xmlns="syncml:metinf">b64</Format><Type xmlns="syncml:metinf">syncml:auth-md5</Type></Meta><Data>abc</Data></Cred><Meta><MaxMsgSize xmlns="syncml:metinf">5</MaxMsgSize></Meta></SyncHdr><SyncBody><Final/></SyncBody></SyncML>"#,
    ),
    (
        "prefixed metinf element (prefix declared on a SyncML default-namespace root is not needed)",
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><Meta><MaxMsgSize xmlns="syncml:metinf">65535</MaxMsgSize></Meta></SyncHdr></SyncML>"#,
    ),
    (
        "wrong-case tag is a literal",
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><final/><Final/></SyncBody></SyncML>"#,
    ),
    (
        "repeated strings and repeated words go to the string table",
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>hello world</VerDTD><VerProto>world peace</VerProto><LocURI>./Vendor/MSFT/X</LocURI><LocName>./Vendor/MSFT/X</LocName><SessionID>abc</SessionID><MsgID>abc</MsgID></SyncHdr></SyncML>"#,
    ),
    (
        "CDATA content counts for the string table but stays opaque",
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>./abc/./abc</VerDTD><VerProto>./abc</VerProto><Data><![CDATA[zzzz]]></Data><Data>zzzz</Data></SyncHdr></SyncML>"#,
    ),
    (
        "literal names join the table and later text refers to them",
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Unknown/><Data>xUnknowny</Data></SyncBody></SyncML>"#,
    ),
    (
        "text, comments and CDATA sections",
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>ab<!-- c -->cd</VerDTD><VerProto>ab<![CDATA[cd]]><![CDATA[ef]]>gh</VerProto></SyncHdr></SyncML>"#,
    ),
    (
        "character references and escaped markup are text",
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Exec><Item><Data>&#x41;&#10;&lt;a&gt;x&lt;/a&gt; &amp; b</Data></Item></Exec></SyncBody></SyncML>"#,
    ),
    (
        "Data in Add / Replace items is opaque",
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Add><CmdID>1</CmdID><Item><Data>a &amp; b</Data></Item></Add><Replace><Item><Data>0</Data></Item></Replace><Get><Item><Data>plain</Data></Item></Get><Results><Item><Data>plain</Data></Item></Results></SyncBody></SyncML>"#,
    ),
    (
        "Data typed text/clear by the command's Meta is opaque",
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Get><Meta><Type xmlns="syncml:metinf">text/clear</Type></Meta><Item><Data>abcdefgh</Data></Item></Get></SyncBody></SyncML>"#,
    ),
    (
        "whitespace-only Data in a Replace item is kept (opaque)",
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Replace><Item><Data>  </Data></Item></Replace></SyncBody></SyncML>"#,
    ),
    (
        "mixed content",
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>ab<Final/>cd</VerDTD></SyncHdr></SyncML>"#,
    ),
    (
        "unknown nested elements are literals",
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><Data><Foo><Bar>z</Bar></Foo></Data></SyncHdr></SyncML>"#,
    ),
    (
        "SyncML 1.1: 1.2-only tags are literals",
        r#"<SyncML xmlns="SYNCML:SYNCML1.1"><SyncHdr><VerDTD>1.1</VerDTD><Correlator>x</Correlator><SourceParent>y</SourceParent></SyncHdr></SyncML>"#,
    ),
    (
        "DM 1.1 without namespaces, by DOCTYPE",
        r#"<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.1//EN" "http://www.syncml.org/docs/syncml_represent_v11_20020213.dtd"><SyncML><SyncHdr><Meta><Type xmlns="syncml:metinf">abc</Type><Format>chr</Format></Meta></SyncHdr></SyncML>"#,
    ),
    (
        "no namespace and no DOCTYPE reads as SyncML 1.2",
        r#"<SyncML><SyncHdr><VerDTD>1.2</VerDTD></SyncHdr></SyncML>"#,
    ),
    (
        "DevInf 1.2 with DOCTYPE",
        r#"<!DOCTYPE DevInf PUBLIC "-//SYNCML//DTD DevInf 1.2//EN" "http://www.openmobilealliance.org/tech/DTD/OMA-SyncML-Device_Information-DTD-1.2.dtd"><DevInf xmlns="syncml:devinf"><VerDTD>1.2</VerDTD><Man>ACME</Man><UTC/></DevInf>"#,
    ),
    (
        "XML declaration, CRLF line ends, pretty-printing",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<SyncML xmlns=\"SYNCML:SYNCML1.2\">\r\n  <SyncBody>\r\n    <Exec><Item><Data><![CDATA[a\r\nb]]></Data></Item></Exec>\r\n    <Final/>\r\n  </SyncBody>\r\n</SyncML>\r\n",
    ),
];

#[test]
fn small_documents_encode_byte_identical_to_xml2wbxml() {
    if !tools_available("small_documents_encode_byte_identical_to_xml2wbxml") {
        return;
    }
    for (i, (what, xml)) in LIBWBXML_CASES.iter().enumerate() {
        let ours = xml_to_wbxml(xml.as_bytes()).unwrap_or_else(|e| panic!("{what}: {e}"));
        let tool = xml2wbxml(xml.as_bytes(), &format!("case{i}"));
        assert_eq!(ours, tool, "{what}");
    }
}

#[test]
fn wbxml2xml_reads_our_output() {
    if !tools_available("wbxml2xml_reads_our_output") {
        return;
    }
    for name in ALL {
        let xml = fixture(name);
        let ours = xml_to_wbxml(&xml).unwrap();
        let back = wbxml2xml(&ours, name);
        // libwbxml drops the attributes it has no table for: compare elements and text.
        assert_eq!(structure(&back, false), structure(&xml, false), "{name}");
    }
}

#[test]
fn we_read_xml2wbxml_output() {
    if !tools_available("we_read_xml2wbxml_output") {
        return;
    }
    for name in ALL {
        let xml = fixture(name);
        let tool = xml2wbxml(&xml, name);
        let back = wbxml_to_xml(&tool).unwrap();
        assert_eq!(
            structure(back.as_bytes(), false),
            structure(&xml, false),
            "{name}"
        );
        assert_eq!(
            public_id(&tool).unwrap(),
            if name == "devinf.xml" {
                PublicId::DevInf12
            } else {
                PublicId::SyncMl12
            }
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Our own round trips

#[test]
fn round_trip_is_byte_stable() {
    for name in ALL {
        let xml = fixture(name);
        let w1 = xml_to_wbxml(&xml).unwrap();
        let x1 = wbxml_to_xml(&w1).unwrap();
        let w2 = xml_to_wbxml(x1.as_bytes()).unwrap();
        assert_eq!(
            w1, w2,
            "{name}: xml -> wbxml -> xml -> wbxml changed the bytes"
        );
        assert_eq!(wbxml_to_xml(&w2).unwrap(), x1, "{name}");
        assert_eq!(
            structure(x1.as_bytes(), true),
            structure(&xml, true),
            "{name}"
        );
    }
    for (what, xml) in LIBWBXML_CASES {
        let w1 = xml_to_wbxml(xml.as_bytes()).unwrap();
        let x1 = wbxml_to_xml(&w1).unwrap();
        assert_eq!(xml_to_wbxml(x1.as_bytes()).unwrap(), w1, "{what}");
    }
}

#[test]
fn attributes_survive_our_round_trip() {
    let xml = fixture("device_message_msft.xml");
    let back = wbxml_to_xml(&xml_to_wbxml(&xml).unwrap()).unwrap();
    assert!(
        back.contains(r#"<SyncBody xmlns:msft="http://schemas.microsoft.com/MobileDevice/MDM">"#)
    );
    assert!(back.contains(r#"<Data msft:originalerror="0x86000002">500</Data>"#));
    assert!(back.contains(r#"<Data msft:originalerror="0x80070057">500</Data>"#));
    let s = structure(back.as_bytes(), true);
    assert!(s.contains(
        &"@{http://schemas.microsoft.com/MobileDevice/MDM}originalerror=0x86000002".to_owned()
    ));
    assert_eq!(s, structure(&xml, true));
    // The prefixed MetInf element comes back unprefixed in its namespace.
    assert!(back.contains(r#"<Meta><MaxMsgSize xmlns="syncml:metinf">65535</MaxMsgSize></Meta>"#));
}

#[test]
fn foreign_namespaces_are_kept() {
    let xml = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Exec><Item><Data><Foo xmlns="urn:x" a="1"><Bar/><LocURI xmlns="SYNCML:SYNCML1.2">./a</LocURI></Foo><x:Baz xmlns:x="urn:y" x:c="&quot;&#9;&#13;"/></Data></Item></Exec><Type>not metinf</Type></SyncBody></SyncML>"#;
    let w = xml_to_wbxml(xml).unwrap();
    let back = wbxml_to_xml(&w).unwrap();
    assert_eq!(structure(back.as_bytes(), true), structure(xml, true));
    assert!(
        back.contains(
            r#"<Foo xmlns="urn:x" a="1"><Bar/><LocURI xmlns="SYNCML:SYNCML1.2">./a</LocURI></Foo>"#
        ),
        "{back}"
    );
    assert!(back.contains(r#"x:c="&quot;&#9;&#13;""#), "{back}");
    // `Type` in the SyncML namespace is not MetInf's Type: a literal.
    assert!(back.contains("<Type>not metinf</Type>"), "{back}");
    assert_eq!(xml_to_wbxml(back.as_bytes()).unwrap(), w);
}

#[test]
fn text_is_kept_exactly() {
    // libwbxml strips, drops, rewrites; we do not.
    let xml = "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncBody><Results><Item><Meta><Type xmlns=\"syncml:metinf\">application/vnd.syncml-devinf+xml</Type></Meta><Data>  padded\u{e9}  </Data></Item></Results><Status><Data> </Data></Status><Replace><Item><Data>a\nb</Data></Item></Replace><Exec><Item><Data>&#13;x]]&gt;y</Data></Item></Exec></SyncBody></SyncML>";
    let back = wbxml_to_xml(&xml_to_wbxml(xml.as_bytes()).unwrap()).unwrap();
    assert!(back.contains(">application/vnd.syncml-devinf+xml<"));
    assert!(back.contains("<Data>  padded\u{e9}  </Data>"));
    assert!(back.contains("<Status><Data> </Data></Status>"));
    assert!(back.contains("<Data><![CDATA[a\nb]]></Data>"));
    assert!(back.contains("<Data>&#13;x]]&gt;y</Data>"));
    assert_eq!(
        structure(back.as_bytes(), true),
        structure(xml.as_bytes(), true)
    );
}

#[test]
fn opaque_is_written_as_cdata_and_splits() {
    // OPAQUE "a]]>b\rc" inside Data.
    let mut w = vec![0x03, 0xA4, 0x01, 0x6A, 0x00, 0x6D, 0x4F, 0xC3, 7];
    w.extend_from_slice(b"a]]>b\rc");
    w.extend_from_slice(&[0x01, 0x01]);
    let x = wbxml_to_xml(&w).unwrap();
    assert!(x.ends_with(
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><Data><![CDATA[a]]]]><![CDATA[>b]]>&#13;<![CDATA[c]]></Data></SyncML>"#
    ));
    assert_eq!(structure(x.as_bytes(), false)[2], "text:a]]>b\rc");
}

#[test]
fn public_id_forms() {
    // String-table public ID.
    let fpi = b"-//SYNCML//DTD SyncML 1.1//EN\0";
    let mut w = vec![0x03, 0x00, 0x00, 0x6A, fpi.len() as u8];
    w.extend_from_slice(fpi);
    w.extend_from_slice(&[0x6D, 0x12, 0x01]);
    assert_eq!(public_id(&w).unwrap(), PublicId::SyncMl11);
    let x = wbxml_to_xml(&w).unwrap();
    assert!(
        x.ends_with(r#"<SyncML xmlns="SYNCML:SYNCML1.1"><Final/></SyncML>"#),
        "{x}"
    );
    // WBXML 1.1, charset unknown (0).
    let x = wbxml_to_xml(&[0x01, 0xA4, 0x01, 0x00, 0x00, 0x2D]).unwrap();
    assert!(x.ends_with(r#"<SyncML xmlns="SYNCML:SYNCML1.2"/>"#), "{x}");
    // DevInf.
    let w = xml_to_wbxml(br#"<DevInf xmlns="syncml:devinf"><Man>x</Man></DevInf>"#).unwrap();
    assert_eq!(&w[..5], &[0x03, 0xA4, 0x03, 0x6A, 0x00]);
    assert_eq!(public_id(&w).unwrap(), PublicId::DevInf12);
}

// ---------------------------------------------------------------------------------------------
// Refused XML

#[test]
fn refused_xml() {
    let cases: &[(&str, K)] = &[
        (
            r#"<Foo xmlns="SYNCML:SYNCML1.2"/>"#,
            K::InvalidValue("document type"),
        ),
        (
            r#"<SyncML xmlns="urn:other"/>"#,
            K::InvalidValue("document type"),
        ),
        (
            r#"<!DOCTYPE SyncML SYSTEM "x.dtd"><SyncML/>"#,
            K::DoctypeForbidden,
        ),
        (
            r#"<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "x" [<!ENTITY e "x">]><SyncML/>"#,
            K::DoctypeForbidden,
        ),
        (
            r#"<!DOCTYPE DevInf PUBLIC "-//SYNCML//DTD DevInf 1.2//EN" "x"><SyncML/>"#,
            K::DoctypeForbidden,
        ),
        (
            r#"<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.1//EN" "x"><SyncML xmlns="SYNCML:SYNCML1.2"/>"#,
            K::InvalidValue("document type"),
        ),
        (
            r#"<SyncML xmlns="SYNCML:SYNCML1.2"><Data>&ent;</Data></SyncML>"#,
            K::EntityForbidden,
        ),
        (
            r#"<SyncML xmlns="SYNCML:SYNCML1.2" a="&ent;"/>"#,
            K::EntityForbidden,
        ),
        (
            r#"<SyncML xmlns="SYNCML:SYNCML1.2"><Data>&#1;</Data></SyncML>"#,
            K::InvalidValue("character reference"),
        ),
        (
            r#"<SyncML xmlns="SYNCML:SYNCML1.2"><p:Data/></SyncML>"#,
            K::Syntax,
        ),
        (
            r#"<SyncML xmlns="SYNCML:SYNCML1.2"><Data p:a="1"/></SyncML>"#,
            K::Syntax,
        ),
        (
            r#"<SyncML xmlns="SYNCML:SYNCML1.2"><Data></Meta></SyncML>"#,
            K::Syntax,
        ),
        (
            r#"<SyncML xmlns="SYNCML:SYNCML1.2"><Data>"#,
            K::UnexpectedEof,
        ),
        (
            r#"<SyncML xmlns="SYNCML:SYNCML1.2"/><SyncML xmlns="SYNCML:SYNCML1.2"/>"#,
            K::TrailingData,
        ),
        (r#"<SyncML xmlns="SYNCML:SYNCML1.2"/>text"#, K::TrailingData),
        (
            r#"<?xml version="1.0" encoding="ISO-8859-1"?><SyncML/>"#,
            K::UnsupportedEncoding,
        ),
        ("", K::UnexpectedEof),
    ];
    for (xml, kind) in cases {
        let e = decode_err(xml_to_wbxml(xml.as_bytes()).unwrap_err());
        assert_eq!(e.kind(), kind, "{xml}");
    }
    let e = decode_err(xml_to_wbxml(b"<SyncML>\xff</SyncML>").unwrap_err());
    assert_eq!(e.kind(), &K::InvalidUtf8);
}

#[test]
fn xml_limits() {
    let deep = format!(
        r#"<SyncML xmlns="SYNCML:SYNCML1.2">{}{}</SyncML>"#,
        "<Item>".repeat(100_000),
        "</Item>".repeat(100_000)
    );
    let e = decode_err(xml_to_wbxml(deep.as_bytes()).unwrap_err());
    assert_eq!(e.kind(), &K::LimitExceeded(Limit::Depth));

    let xml = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><Data>0123456789</Data></SyncML>"#;
    let lim = |l: Limits| {
        decode_err(xml_to_wbxml_with_limits(xml, &l).unwrap_err())
            .kind()
            .clone()
    };
    assert_eq!(
        lim(Limits::default().with_max_input_bytes(10)),
        K::LimitExceeded(Limit::InputBytes)
    );
    assert_eq!(
        lim(Limits::default().with_max_string_bytes(5)),
        K::LimitExceeded(Limit::StringBytes)
    );
    assert_eq!(
        lim(Limits::default().with_max_items(2)),
        K::LimitExceeded(Limit::Items)
    );
    assert!(xml_to_wbxml_with_limits(xml, &Limits::default().with_max_items(3)).is_ok());
}

#[test]
fn large_string_table_search_is_bounded() {
    // Many distinct repeated strings: the search would be quadratic; it is skipped instead.
    let mut xml = String::from(r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>"#);
    for i in 0..20_000 {
        xml.push_str(&format!(
            "<Data>value-{i:06}</Data><Data>value-{i:06}</Data>"
        ));
    }
    xml.push_str("</SyncBody></SyncML>");
    let start = std::time::Instant::now();
    let w = xml_to_wbxml(xml.as_bytes()).unwrap();
    assert!(start.elapsed().as_secs() < 20);
    let back = wbxml_to_xml(&w).unwrap();
    assert_eq!(
        structure(back.as_bytes(), false),
        structure(xml.as_bytes(), false)
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile WBXML

fn wb_err(bytes: &[u8]) -> K {
    wbxml_to_xml(bytes).unwrap_err().kind().clone()
}

/// Header for SyncML 1.2 with the given string table.
fn header(strtbl: &[u8]) -> Vec<u8> {
    let mut w = vec![0x03, 0xA4, 0x01, 0x6A];
    let mut len = Vec::new();
    let mut n = strtbl.len();
    let mut groups = vec![(n & 0x7F) as u8];
    n >>= 7;
    while n > 0 {
        groups.push((n & 0x7F) as u8 | 0x80);
        n >>= 7;
    }
    groups.reverse();
    len.extend(groups);
    w.extend(len);
    w.extend_from_slice(strtbl);
    w
}

#[test]
fn truncated_at_every_offset() {
    for name in ALL {
        let w = xml_to_wbxml(&fixture(name)).unwrap();
        for cut in 0..w.len() {
            let e = wbxml_to_xml(&w[..cut]).unwrap_err();
            assert_eq!(e.kind(), &K::UnexpectedEof, "{name} cut at {cut}");
        }
        assert!(wbxml_to_xml(&w).is_ok());
    }
}

#[test]
fn deep_nesting() {
    let mut w = header(b"");
    w.push(0x6D); // SyncML with content
    w.extend(std::iter::repeat_n(0x54u8, 100_000)); // Item with content
    w.extend(std::iter::repeat_n(0x01u8, 100_001));
    assert_eq!(wb_err(&w), K::LimitExceeded(Limit::Depth));
    let ok = wbxml_to_xml_with_limits(&w, &Limits::default().with_max_depth(200_000));
    assert!(
        ok.is_ok(),
        "no recursion: 100k levels decode with a raised limit"
    );
}

#[test]
fn hostile_lengths() {
    // Opaque claiming 4 GiB.
    let mut w = header(b"");
    w.extend_from_slice(&[0x6D, 0x4F, 0xC3, 0x8F, 0xFF, 0xFF, 0xFF, 0x7F, b'a']);
    assert_eq!(wb_err(&w), K::UnexpectedEof);
    // String table claiming 4 GiB.
    assert_eq!(
        wb_err(&[0x03, 0xA4, 0x01, 0x6A, 0x8F, 0xFF, 0xFF, 0xFF, 0x7F, 0x00]),
        K::UnexpectedEof
    );
    // mb_u_int32 overflow and overlong forms.
    assert_eq!(
        wb_err(&[0x03, 0x90, 0x80, 0x80, 0x80, 0x00]),
        K::IntegerOutOfRange
    );
    assert_eq!(
        wb_err(&[0x03, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
        K::IntegerOutOfRange
    );
    // Opaque above max_data_bytes.
    let mut w = header(b"");
    w.extend_from_slice(&[0x6D, 0x4F, 0xC3, 0x10]);
    w.extend_from_slice(&[b'a'; 16]);
    w.extend_from_slice(&[0x01, 0x01]);
    let e = wbxml_to_xml_with_limits(&w, &Limits::default().with_max_data_bytes(8)).unwrap_err();
    assert_eq!(e.kind(), &K::LimitExceeded(Limit::DataBytes));
    // String above max_string_bytes.
    let mut w = header(b"");
    w.extend_from_slice(&[0x6D, 0x4F, 0x03]);
    w.extend_from_slice(&[b'a'; 16]);
    w.extend_from_slice(&[0x00, 0x01, 0x01]);
    let e = wbxml_to_xml_with_limits(&w, &Limits::default().with_max_string_bytes(8)).unwrap_err();
    assert_eq!(e.kind(), &K::LimitExceeded(Limit::StringBytes));
}

#[test]
fn string_table_amplification_is_capped() {
    // A 64 KiB string referenced by 2000 elements: 128 MB of XML from a ~70 KB input.
    let mut strtbl = vec![b'x'; 64 * 1024];
    strtbl.push(0);
    let mut w = header(&strtbl);
    w.push(0x6D);
    for _ in 0..2000 {
        w.extend_from_slice(&[0x4F, 0x83, 0x00, 0x01]);
    }
    w.push(0x01);
    assert!(w.len() < 80 * 1024);
    let e =
        wbxml_to_xml_with_limits(&w, &Limits::default().with_max_input_bytes(1 << 20)).unwrap_err();
    assert_eq!(e.kind(), &K::LimitExceeded(Limit::InputBytes));
    assert_eq!(wb_err(&w), K::LimitExceeded(Limit::InputBytes));

    // The same references in one text node: the string limit applies to the whole node.
    let mut w = header(&strtbl);
    w.extend_from_slice(&[0x6D, 0x4F]);
    for _ in 0..20 {
        w.extend_from_slice(&[0x83, 0x00]);
    }
    w.extend_from_slice(&[0x01, 0x01]);
    assert_eq!(wb_err(&w), K::LimitExceeded(Limit::StringBytes));
}

#[test]
fn refused_wbxml() {
    let body = |b: &[u8]| {
        let mut w = header(b"ab\0x y\0\xff\0Foo\0msft:e\0xmlns\0xmlns:msft\0");
        w.extend_from_slice(b);
        w
    };
    let cases: Vec<(&str, Vec<u8>, K)> = vec![
        (
            "invalid UTF-8 in STR_I",
            body(&[0x6D, 0x4F, 0x03, 0xC3, 0x28, 0x00, 0x01, 0x01]),
            K::InvalidUtf8,
        ),
        (
            "invalid UTF-8 in STR_T",
            body(&[0x6D, 0x4F, 0x83, 0x07, 0x01, 0x01]),
            K::InvalidUtf8,
        ),
        (
            "control character",
            body(&[0x6D, 0x4F, 0x03, 0x01, 0x00, 0x01, 0x01]),
            K::InvalidValue("xml character"),
        ),
        (
            "invalid UTF-8 in OPAQUE",
            body(&[0x6D, 0x4F, 0xC3, 0x01, 0xFF, 0x01, 0x01]),
            K::InvalidUtf8,
        ),
        (
            "unknown page",
            body(&[0x00, 0x07, 0x6D, 0x01]),
            K::InvalidValue("wbxml code page"),
        ),
        (
            "page 1 switch in DevInf",
            {
                let mut w = vec![0x03, 0xA4, 0x03, 0x6A, 0x00];
                w.extend_from_slice(&[0x00, 0x01, 0x4A, 0x01]);
                w
            },
            K::InvalidValue("wbxml code page"),
        ),
        (
            "EXT_I_0",
            body(&[0x6D, 0x40, 0x61, 0x00, 0x01]),
            K::InvalidValue("wbxml extension token"),
        ),
        (
            "EXT_T_1",
            body(&[0x6D, 0x81, 0x00, 0x01]),
            K::InvalidValue("wbxml extension token"),
        ),
        (
            "EXT_2",
            body(&[0x6D, 0xC2, 0x01]),
            K::InvalidValue("wbxml extension token"),
        ),
        (
            "PI",
            body(&[0x6D, 0x43, 0x04, 0x00, 0x01, 0x01]),
            K::InvalidValue("wbxml processing instruction"),
        ),
        (
            "reserved tag 0x30",
            body(&[0x6D, 0x30, 0x01]),
            K::InvalidValue("wbxml tag token"),
        ),
        (
            "root is not SyncML",
            body(&[0x4F, 0x01]),
            K::InvalidValue("wbxml root element"),
        ),
        (
            "literal root",
            body(&[0x44, 0x0B, 0x01]),
            K::InvalidValue("wbxml root element"),
        ),
        (
            "STR_T past the table",
            body(&[0x6D, 0x4F, 0x83, 0x7F, 0x01, 0x01]),
            K::InvalidValue("wbxml string table reference"),
        ),
        (
            "literal name with a space",
            body(&[0x6D, 0x04, 0x03, 0x01]),
            K::InvalidValue("wbxml literal name"),
        ),
        (
            "text before the root",
            body(&[0x03, 0x61, 0x00, 0x2D]),
            K::Syntax,
        ),
        ("END without element", body(&[0x01]), K::Syntax),
        ("second root", body(&[0x2D, 0x2D]), K::TrailingData),
        (
            "unbound attribute prefix",
            body(&[0xED, 0x04, 0x0D, 0x03, 0x31, 0x00, 0x01, 0x01]),
            K::InvalidValue("wbxml namespace prefix"),
        ),
        (
            "xmlns on a token element",
            body(&[0xED, 0x04, 0x14, 0x03, 0x61, 0x00, 0x01, 0x01]),
            K::InvalidValue("wbxml attribute"),
        ),
        (
            "duplicate attribute",
            body(&[0xED, 0x04, 0x0B, 0x04, 0x0B, 0x01, 0x01]),
            K::DuplicateKey,
        ),
        (
            "attribute token",
            body(&[0xED, 0x05, 0x01, 0x01]),
            K::InvalidValue("wbxml attribute token"),
        ),
        (
            "value before a name",
            body(&[0xED, 0x03, 0x61, 0x00, 0x01, 0x01]),
            K::InvalidValue("wbxml attribute token"),
        ),
        (
            "entity out of range",
            body(&[0x6D, 0x02, 0x84, 0x80, 0x80, 0x00, 0x01]),
            K::InvalidValue("wbxml entity"),
        ),
        (
            "surrogate entity",
            body(&[0x6D, 0x02, 0x83, 0xB0, 0x00, 0x01]),
            K::InvalidValue("wbxml entity"),
        ),
        (
            "unknown public id",
            vec![0x03, 0x05, 0x6A, 0x00, 0x6D, 0x01],
            K::InvalidValue("wbxml public id"),
        ),
        (
            "version 0",
            vec![0x00, 0xA4, 0x01, 0x00, 0x6D, 0x01],
            K::InvalidValue("wbxml version"),
        ),
        (
            "Latin-1",
            vec![0x03, 0xA4, 0x01, 0x04, 0x00, 0x6D, 0x01],
            K::UnsupportedEncoding,
        ),
        ("empty", vec![], K::UnexpectedEof),
        (
            "header only",
            vec![0x03, 0xA4, 0x01, 0x6A, 0x00],
            K::UnexpectedEof,
        ),
    ];
    for (what, w, kind) in cases {
        assert_eq!(wb_err(&w), kind, "{what}");
    }
    // Declared prefix: accepted and namespace-correct.
    let w = body(&[
        0xED, 0x04, 0x1A, 0x03, b'u', 0x00, 0x01, 0xCF, 0x04, 0x0D, 0x03, b'1', 0x00, 0x01, 0x03,
        b'v', 0x00, 0x01, 0x01,
    ]);
    let x = wbxml_to_xml(&w).unwrap();
    assert!(
        x.ends_with(
            r#"<SyncML xmlns="SYNCML:SYNCML1.2" xmlns:msft="u"><Data msft:e="1">v</Data></SyncML>"#
        ),
        "{x}"
    );
    // ENTITY is written as the character.
    let w = body(&[0x6D, 0x4F, 0x02, 0x26, 0x02, 0x81, 0x69, 0x01, 0x01]);
    assert!(
        wbxml_to_xml(&w)
            .unwrap()
            .ends_with("<Data>&amp;\u{e9}</Data></SyncML>")
    );
}

// ---------------------------------------------------------------------------------------------
// Properties

/// A random element tree, written as XML by the test itself.
#[derive(Debug, Clone)]
enum Tree {
    Element {
        name: &'static str,
        attr: Option<String>,
        children: Vec<Tree>,
    },
    Text(String),
    CData(String),
}

const NAMES: &[&str] = &[
    "SyncHdr",
    "SyncBody",
    "Status",
    "Data",
    "Item",
    "Meta",
    "Add",
    "Replace",
    "Exec",
    "Get",
    "Atomic",
    "LocURI",
    "CmdID",
    "final",
    "Unknown",
    "Foo-Bar",
    "MetInf:Type",
    "MetInf:Format",
];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\r', "&#13;")
        .replace('"', "&quot;")
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
}

fn write_tree(t: &Tree, out: &mut String) {
    match t {
        Tree::Element {
            name,
            attr,
            children,
        } => {
            out.push('<');
            out.push_str(name);
            if let Some(a) = attr {
                out.push_str(&format!(r#" msft:originalerror="{}""#, escape(a)));
            }
            if children.is_empty() {
                out.push_str("/>");
            } else {
                out.push('>');
                for c in children {
                    write_tree(c, out);
                }
                out.push_str(&format!("</{name}>"));
            }
        }
        Tree::Text(s) => out.push_str(&escape(s)),
        Tree::CData(s) => out.push_str(&format!(
            "<![CDATA[{}]]>",
            s.replace("]]>", "]]]]><![CDATA[>")
        )),
    }
}

fn tree() -> impl Strategy<Value = Tree> {
    // Every text has a non-whitespace character: whitespace-only text between elements is
    // dropped by design.
    let text =
        "[a-zA-Z0-9&<>\"'\u{e9}\u{1F600}./:-][a-zA-Z0-9 &<>\"'\r\n\t\u{e9}\u{1F600}./:-]{0,11}";
    let leaf = prop_oneof![
        text.prop_map(Tree::Text),
        "[a-z\u{e9}][a-z \n\u{e9}]{0,7}".prop_map(Tree::CData),
        (
            proptest::sample::select(NAMES),
            proptest::option::of("[a-z0-9&<\"]{0,6}")
        )
            .prop_map(|(name, attr)| Tree::Element {
                name,
                attr,
                children: vec![]
            }),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        (
            proptest::sample::select(NAMES),
            proptest::option::of("[a-z0-9]{0,6}"),
            proptest::collection::vec(inner, 0..6),
        )
            .prop_map(|(name, attr, children)| Tree::Element {
                name,
                attr,
                children,
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = wbxml_to_xml(&bytes);
        let _ = xml_to_wbxml(&bytes);
        let mut w = vec![0x03, 0xA4, 0x01, 0x6A, 0x04, b'a', 0, b'b', 0, 0x6D];
        w.extend_from_slice(&bytes);
        if let Ok(x) = wbxml_to_xml(&w) {
            let w2 = xml_to_wbxml(x.as_bytes()).unwrap();
            let x2 = wbxml_to_xml(&w2).unwrap();
            prop_assert_eq!(xml_to_wbxml(x2.as_bytes()).unwrap(), w2);
        }
    }

    #[test]
    fn random_trees_round_trip(children in proptest::collection::vec(tree(), 0..6)) {
        let mut xml = String::from(r#"<SyncML xmlns="SYNCML:SYNCML1.2" xmlns:MetInf="syncml:metinf" xmlns:msft="urn:msft">"#);
        for c in &children {
            write_tree(c, &mut xml);
        }
        xml.push_str("</SyncML>");
        let w1 = xml_to_wbxml(xml.as_bytes()).unwrap();
        let x1 = wbxml_to_xml(&w1).unwrap();
        let w2 = xml_to_wbxml(x1.as_bytes()).unwrap();
        prop_assert_eq!(&w1, &w2);
        prop_assert_eq!(wbxml_to_xml(&w2).unwrap(), x1.clone());
        // Same elements, attributes and text (whitespace-only runs aside).
        prop_assert_eq!(structure(x1.as_bytes(), true), structure(xml.as_bytes(), true));
    }
}

/// The committed `fuzz/seeds/wbxml/` are what our encoder makes of the fixtures. With
/// `MDMKIT_WRITE_FUZZ_SEEDS=1` (set by `python3 fuzz/make_seeds.py`) the seeds are written
/// instead of checked.
#[test]
fn write_fuzz_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/wbxml");
    let write = std::env::var_os("MDMKIT_WRITE_FUZZ_SEEDS").is_some();
    let put = |file: &str, bytes: Vec<u8>| {
        let path = dir.join(file);
        if write {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, bytes).unwrap();
        } else {
            let committed = std::fs::read(&path).unwrap();
            assert_eq!(
                committed, bytes,
                "{file} is stale: run python3 fuzz/make_seeds.py"
            );
        }
    };
    for name in ALL {
        let w = xml_to_wbxml(&fixture(name)).unwrap();
        put(&name.replace(".xml", ".wbxml"), w);
    }
    // String table, literals, mixed content and opaque data in one small document.
    let mut xml = String::from(r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>"#);
    for (_, case) in &LIBWBXML_CASES[3..7] {
        let start = case
            .find("<SyncHdr>")
            .or_else(|| case.find("<SyncBody>"))
            .unwrap();
        let end = case.rfind("</SyncML>").unwrap();
        xml.push_str(&case[start..end]);
    }
    xml.push_str("</SyncBody></SyncML>");
    let w = xml_to_wbxml(xml.as_bytes()).unwrap();
    put("string_table_literals.wbxml", w);
}

#[test]
fn other_differences_from_libwbxml() {
    // Empty CDATA: no content (libwbxml: `4F 01`).
    let w = xml_to_wbxml(br#"<SyncML xmlns="SYNCML:SYNCML1.2"><Data><![CDATA[]]></Data></SyncML>"#)
        .unwrap();
    assert_eq!(&w[5..], &[0x6D, 0x0F, 0x01]);
    // Processing instructions and comments inside the document are skipped.
    let w =
        xml_to_wbxml(br#"<SyncML xmlns="SYNCML:SYNCML1.2"><?pi x?><!-- c --><Final/></SyncML>"#)
            .unwrap();
    assert_eq!(&w[5..], &[0x6D, 0x12, 0x01]);
    // An embedded DevInf stays elements (literals in their namespace), not a nested document.
    let xml = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Results><Item><Data><DevInf xmlns="syncml:devinf"><Man>ACME</Man></DevInf></Data></Item></Results></SyncBody></SyncML>"#;
    let back = wbxml_to_xml(&xml_to_wbxml(xml).unwrap()).unwrap();
    assert!(
        back.contains(r#"<Data><DevInf xmlns="syncml:devinf"><Man>ACME</Man></DevInf></Data>"#),
        "{back}"
    );
    // Opaque text next to a CDATA section: one OPAQUE.
    let xml = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><Replace><Item><Data><![CDATA[a]]>&#13;<![CDATA[b]]></Data></Item></Replace></SyncML>"#;
    let w = xml_to_wbxml(xml).unwrap();
    assert_eq!(
        &w[5..],
        &[
            0x6D, 0x60, 0x54, 0x4F, 0xC3, 0x03, b'a', b'\r', b'b', 0x01, 0x01, 0x01, 0x01
        ]
    );
    assert!(
        wbxml_to_xml(&w)
            .unwrap()
            .contains("<Data><![CDATA[a]]>&#13;<![CDATA[b]]></Data>")
    );
}
