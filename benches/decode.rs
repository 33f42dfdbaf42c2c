//! Decode throughput: mdmkit's typed decoders against the plist crate (serde into equivalent
//! structs, and its untyped `plist::Value`) and a bare quick-xml event scan, which is the floor
//! any XML-based decoder pays.
//!
//! The three inputs are generated at start-up, deterministically, in Apple's XML layout (standard
//! prolog, tab indentation, one element per line):
//!
//! * `authenticate`: an `Authenticate` check-in with 12 keys (~1 KB);
//! * `token_update`: a `TokenUpdate` with a 32-byte `Token` and a 1,300-byte `UnlockToken`;
//! * `installed_apps`: an `InstalledApplicationList` command report with 1,000 apps of 8 keys
//!   each (~500 KB).
//!
//! ```text
//! cargo bench --bench decode -- --warm-up-time 1 --measurement-time 3
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

use base64::Engine as _;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mdmkit::apple::checkin::CheckinMessage;
use mdmkit::apple::plist::Value;
use mdmkit::apple::report::{CommandReport, Status};
use serde::Deserialize;

// ---- inputs ----

const PROLOG: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" ",
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n",
    "<plist version=\"1.0\">\n",
);

/// Builds a document in Apple's layout.
struct Doc {
    out: String,
    depth: usize,
}

impl Doc {
    fn new() -> Self {
        Doc {
            out: PROLOG.to_owned(),
            depth: 0,
        }
    }
    fn line(&mut self, s: &str) {
        for _ in 0..self.depth {
            self.out.push('\t');
        }
        self.out.push_str(s);
        self.out.push('\n');
    }
    fn open(&mut self, tag: &str) {
        self.line(&format!("<{tag}>"));
        self.depth += 1;
    }
    fn close(&mut self, tag: &str) {
        self.depth -= 1;
        self.line(&format!("</{tag}>"));
    }
    fn key(&mut self, k: &str) {
        self.line(&format!("<key>{k}</key>"));
    }
    fn string(&mut self, k: &str, v: &str) {
        self.key(k);
        self.line(&format!("<string>{v}</string>"));
    }
    fn integer(&mut self, k: &str, v: u64) {
        self.key(k);
        self.line(&format!("<integer>{v}</integer>"));
    }
    fn boolean(&mut self, k: &str, v: bool) {
        self.key(k);
        self.line(if v { "<true/>" } else { "<false/>" });
    }
    fn data(&mut self, k: &str, bytes: &[u8]) {
        self.key(k);
        self.line("<data>");
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        for chunk in b64.as_bytes().chunks(68) {
            self.line(std::str::from_utf8(chunk).unwrap());
        }
        self.line("</data>");
    }
    fn finish(mut self) -> Vec<u8> {
        self.out.push_str("</plist>\n");
        self.out.into_bytes()
    }
}

const TOPIC: &str = "com.apple.mgmt.External.7d3c0f2e-91ab-4c55-9e1d-2b6f80a4c1de";
const UDID: &str = "00008030-001A2B3C4D5E6F70";

fn authenticate() -> Vec<u8> {
    let mut d = Doc::new();
    d.open("dict");
    d.string("BuildVersion", "22A380");
    d.string("DeviceName", "Bench iPhone");
    d.string("IMEI", "35 000000 000000 0");
    d.string("MEID", "35000000000000");
    d.string("MessageType", "Authenticate");
    d.string("Model", "iPhone15,2");
    d.string("ModelName", "iPhone");
    d.string("OSVersion", "17.1");
    d.string("ProductName", "iPhone15,2");
    d.string("SerialNumber", "F00000BENCH0");
    d.string("Topic", TOPIC);
    d.string("UDID", UDID);
    d.close("dict");
    d.finish()
}

/// A deterministic byte pattern (xorshift), so data does not compress to a repeated motif.
fn pattern(len: usize, mut seed: u32) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed.to_le_bytes()[0]
        })
        .collect()
}

fn token_update() -> Vec<u8> {
    let mut d = Doc::new();
    d.open("dict");
    d.boolean("AwaitingConfiguration", false);
    d.string("MessageType", "TokenUpdate");
    d.string("PushMagic", "5A1E7C02-33D1-4F0B-9B5E-0C7D2E41A9F3");
    d.data("Token", &pattern(32, 0x1234_5678));
    d.string("Topic", TOPIC);
    d.string("UDID", UDID);
    d.data("UnlockToken", &pattern(1300, 0x9abc_def1));
    d.close("dict");
    d.finish()
}

const APPS: usize = 1000;

fn installed_apps() -> Vec<u8> {
    let mut d = Doc::new();
    d.open("dict");
    d.string("CommandUUID", "0A1B2C3D-0000-4000-8000-00000000BE7C");
    d.key("InstalledApplicationList");
    d.open("array");
    let mut name = String::new();
    for i in 0..APPS {
        let n = i as u64;
        d.open("dict");
        d.integer("BundleSize", 10_000_000 + n * 7_919);
        d.integer("DynamicSize", 100_000 + n * 131);
        d.string(
            "Identifier",
            &format!("com.example.vendor{:03}.application-{i:04}", i % 97),
        );
        d.boolean("Installing", i % 50 == 0);
        d.boolean("IsValidated", i % 3 != 0);
        name.clear();
        write!(name, "Example Application Number {i:04} for Benchmarks").unwrap();
        d.string("Name", &name);
        d.string(
            "ShortVersion",
            &format!("{}.{}.{}", 1 + i % 9, i % 13, i % 7),
        );
        d.string("Version", &format!("{}{:03}", 1 + i % 9, i % 1000));
        d.close("dict");
    }
    d.close("array");
    d.string("Status", "Acknowledged");
    d.string("UDID", UDID);
    d.close("dict");
    d.finish()
}

// ---- serde mirrors for the plist crate ----

#[allow(dead_code)] // decoded to be measured, not read
#[derive(Deserialize)]
struct SerdeAuthenticate {
    #[serde(rename = "MessageType")]
    message_type: String,
    #[serde(rename = "Topic")]
    topic: String,
    #[serde(rename = "UDID")]
    udid: Option<String>,
    #[serde(rename = "BuildVersion")]
    build_version: Option<String>,
    #[serde(rename = "DeviceName")]
    device_name: Option<String>,
    #[serde(rename = "IMEI")]
    imei: Option<String>,
    #[serde(rename = "MEID")]
    meid: Option<String>,
    #[serde(rename = "Model")]
    model: Option<String>,
    #[serde(rename = "ModelName")]
    model_name: Option<String>,
    #[serde(rename = "OSVersion")]
    os_version: Option<String>,
    #[serde(rename = "ProductName")]
    product_name: Option<String>,
    #[serde(rename = "SerialNumber")]
    serial_number: Option<String>,
}

#[allow(dead_code)] // decoded to be measured, not read
#[derive(Deserialize)]
struct SerdeTokenUpdate {
    #[serde(rename = "MessageType")]
    message_type: String,
    #[serde(rename = "Topic")]
    topic: String,
    #[serde(rename = "UDID")]
    udid: Option<String>,
    #[serde(rename = "PushMagic")]
    push_magic: String,
    #[serde(rename = "Token")]
    token: plist::Data,
    #[serde(rename = "UnlockToken")]
    unlock_token: Option<plist::Data>,
    #[serde(rename = "AwaitingConfiguration")]
    awaiting_configuration: Option<bool>,
}

#[allow(dead_code)] // decoded to be measured, not read
#[derive(Deserialize)]
struct SerdeApp {
    #[serde(rename = "Identifier")]
    identifier: String,
    #[serde(rename = "Name")]
    name: Option<String>,
    #[serde(rename = "ShortVersion")]
    short_version: Option<String>,
    #[serde(rename = "Version")]
    version: Option<String>,
    #[serde(rename = "BundleSize")]
    bundle_size: Option<u64>,
    #[serde(rename = "DynamicSize")]
    dynamic_size: Option<u64>,
    #[serde(rename = "Installing")]
    installing: Option<bool>,
    #[serde(rename = "IsValidated")]
    is_validated: Option<bool>,
}

#[allow(dead_code)] // decoded to be measured, not read
#[derive(Deserialize)]
struct SerdeAppListReport {
    #[serde(rename = "Status")]
    status: String,
    #[serde(rename = "UDID")]
    udid: Option<String>,
    #[serde(rename = "CommandUUID")]
    command_uuid: Option<String>,
    #[serde(rename = "InstalledApplicationList")]
    installed_application_list: Vec<SerdeApp>,
}

// ---- the paths ----

/// Every event quick-xml reports, counted: no plist semantics, no allocation per value.
fn quick_xml_scan(input: &[u8]) -> usize {
    let text = std::str::from_utf8(input).unwrap();
    let mut reader = quick_xml::Reader::from_str(text);
    let mut events = 0usize;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Eof => return events,
            _ => events += 1,
        }
    }
}

fn plist_value(input: &[u8]) -> plist::Value {
    plist::Value::from_reader_xml(std::io::Cursor::new(input)).unwrap()
}

/// Checks once, before measuring, that every path accepts its input and sees the same thing.
fn sanity(auth: &[u8], token: &[u8], apps: &[u8]) {
    let CheckinMessage::Authenticate(a) = CheckinMessage::from_xml(auth).unwrap() else {
        panic!("not an Authenticate");
    };
    let sa: SerdeAuthenticate = plist::from_bytes(auth).unwrap();
    assert_eq!(a.topic, sa.topic);
    assert_eq!(a.serial_number, sa.serial_number);
    assert!(a.unknown_keys.is_empty());

    let CheckinMessage::TokenUpdate(t) = CheckinMessage::from_xml(token).unwrap() else {
        panic!("not a TokenUpdate");
    };
    let st: SerdeTokenUpdate = plist::from_bytes(token).unwrap();
    assert_eq!(t.token.expose().len(), 32);
    assert_eq!(t.unlock_token.as_ref().unwrap().expose().len(), 1300);
    assert_eq!(Vec::from(st.token), t.token.expose().to_vec());
    assert!(t.unknown_keys.is_empty());

    let r = CommandReport::from_xml(apps).unwrap();
    assert_eq!(r.status, Status::Acknowledged);
    let list = r.body.get("InstalledApplicationList").unwrap();
    assert_eq!(list.as_array().unwrap().len(), APPS);
    let first = list.as_array().unwrap()[0].as_dictionary().unwrap();
    assert_eq!(first.len(), 8);
    let sr: SerdeAppListReport = plist::from_bytes(apps).unwrap();
    assert_eq!(sr.installed_application_list.len(), APPS);
    assert_eq!(
        sr.installed_application_list[1].bundle_size,
        list.as_array().unwrap()[1]
            .as_dictionary()
            .unwrap()
            .get("BundleSize")
            .and_then(Value::as_u64)
    );
    for input in [auth, token, apps] {
        assert!(quick_xml_scan(input) > 0);
        assert!(plist_value(input).as_dictionary().is_some());
    }
}

fn bench(c: &mut Criterion) {
    let auth = authenticate();
    let token = token_update();
    let apps = installed_apps();
    sanity(&auth, &token, &apps);
    eprintln!(
        "input bytes: authenticate {}, token_update {}, installed_apps {}",
        auth.len(),
        token.len(),
        apps.len()
    );

    {
        let mut g = c.benchmark_group("authenticate");
        g.throughput(Throughput::Bytes(auth.len() as u64));
        g.bench_function("mdmkit_typed", |b| {
            b.iter(|| CheckinMessage::from_xml(black_box(&auth)).unwrap());
        });
        g.bench_function("plist_serde", |b| {
            b.iter(|| plist::from_bytes::<SerdeAuthenticate>(black_box(&auth)).unwrap());
        });
        g.bench_function("plist_value", |b| b.iter(|| plist_value(black_box(&auth))));
        g.bench_function("quick_xml_scan", |b| {
            b.iter(|| quick_xml_scan(black_box(&auth)));
        });
        g.finish();
    }
    {
        let mut g = c.benchmark_group("token_update");
        g.throughput(Throughput::Bytes(token.len() as u64));
        g.bench_function("mdmkit_typed", |b| {
            b.iter(|| CheckinMessage::from_xml(black_box(&token)).unwrap());
        });
        g.bench_function("plist_serde", |b| {
            b.iter(|| plist::from_bytes::<SerdeTokenUpdate>(black_box(&token)).unwrap());
        });
        g.bench_function("plist_value", |b| b.iter(|| plist_value(black_box(&token))));
        g.bench_function("quick_xml_scan", |b| {
            b.iter(|| quick_xml_scan(black_box(&token)));
        });
        g.finish();
    }
    {
        let mut g = c.benchmark_group("installed_apps");
        g.throughput(Throughput::Bytes(apps.len() as u64));
        g.bench_function("mdmkit_typed", |b| {
            b.iter(|| CommandReport::from_xml(black_box(&apps)).unwrap());
        });
        // Envelope and the typed InstalledApplicationListResponse (every app a typed struct).
        g.bench_function("mdmkit_typed_response", |b| {
            b.iter(|| {
                let r = CommandReport::from_xml(black_box(&apps)).unwrap();
                r.response::<mdmkit::apple::command::InstalledApplicationList>()
                    .unwrap()
            });
        });
        g.bench_function("plist_serde", |b| {
            b.iter(|| plist::from_bytes::<SerdeAppListReport>(black_box(&apps)).unwrap());
        });
        g.bench_function("plist_value", |b| b.iter(|| plist_value(black_box(&apps))));
        g.bench_function("quick_xml_scan", |b| {
            b.iter(|| quick_xml_scan(black_box(&apps)));
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
