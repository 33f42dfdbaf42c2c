//! Corpus test: every Apple check-in message, command report and (unsigned) configuration profile
//! captured from real devices and peers (`../shared/fixtures`, listed in `MANIFEST.tsv`) decodes
//! with the facts the manifest expects, re-encodes without loss, and the deliberately malformed
//! plist files get typed errors.
//!
//! Run with `MDMKIT_CORPUS=../shared/fixtures cargo test --test corpus`. Without the variable
//! the test says it was skipped (the fixtures are other projects' data and are not committed).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mdmkit::DecodeErrorKind;
use mdmkit::apple::Inbound;
use mdmkit::apple::checkin::CheckinMessage;
use mdmkit::apple::plist::{Dictionary, Value};
use mdmkit::apple::profile::{CONFIGURATION, Payload, PayloadTypeInfo, Profile};
use mdmkit::apple::report::CommandReport;
use std::path::{Path, PathBuf};

struct Row {
    file: String,
    kind: String,
    note: String,
    facts: Vec<String>,
}

fn unquote(field: &str) -> String {
    let f = field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .map_or_else(|| field.to_owned(), |inner| inner.replace("\"\"", "\""));
    f.replace("\\n", "\n")
}

fn manifest(dir: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert!(
                cols.len() >= 7,
                "manifest row has {} columns: {line}",
                cols.len()
            );
            let expected = unquote(cols[6]);
            let ours = expected.split(" || ").next().unwrap_or("").to_owned();
            Row {
                file: cols[0].to_owned(),
                kind: cols[1].to_owned(),
                note: expected.clone(),
                facts: ours
                    .split("; ")
                    .map(|f| f.trim_matches(|c: char| c == ' ').to_owned())
                    .filter(|f| !f.is_empty())
                    .collect(),
            }
        })
        .collect()
}

fn corpus_dir() -> Option<PathBuf> {
    std::env::var_os("MDMKIT_CORPUS").map(PathBuf::from)
}

/// Checks one `Key=Value`, `Key: N entries`, `Key: N keys (e.g. a, b)` or `Key keys: a, b` fact
/// against a dictionary. Returns false if the fact has a form this test does not know.
fn check_fact(file: &str, dict: &Dictionary, fact: &str) -> bool {
    if let Some((key, want)) = fact.split_once('=') {
        let key = key.trim();
        let got = dict
            .get(key)
            .unwrap_or_else(|| panic!("{file}: no key {key} for fact {fact:?}"));
        let want = want.trim();
        match got {
            Value::String(s) => assert_eq!(s.trim(), want, "{file}: {key}"),
            Value::Boolean(b) => {
                assert_eq!(b.to_string(), want.to_ascii_lowercase(), "{file}: {key}")
            }
            Value::Data(d) => {
                let n: usize = want
                    .strip_prefix("<data ")
                    .and_then(|w| w.strip_suffix(" bytes>"))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("{file}: data fact {fact:?}"));
                assert_eq!(d.len(), n, "{file}: {key} length");
            }
            Value::Integer(i) => assert_eq!(i.to_string(), want, "{file}: {key}"),
            other => panic!("{file}: {key} is {}", other.type_name()),
        }
        return true;
    }
    if let Some((key, rest)) = fact.split_once(" keys: ") {
        let d = dict
            .get(key)
            .and_then(Value::as_dictionary)
            .unwrap_or_else(|| panic!("{file}: {key}"));
        for k in rest.split(", ") {
            assert!(d.contains_key(k.trim()), "{file}: {key} lacks {k}");
        }
        return true;
    }
    if let Some((key, rest)) = fact.split_once(": ") {
        let v = dict
            .get(key)
            .unwrap_or_else(|| panic!("{file}: no key {key}"));
        let n: usize = rest
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{file}: {fact}"));
        let len = match v {
            Value::Array(a) => a.len(),
            Value::Dictionary(d) => d.len(),
            other => panic!("{file}: {key} is {}", other.type_name()),
        };
        assert_eq!(len, n, "{file}: {key} count");
        if let Some(eg) = rest
            .split_once("(e.g. ")
            .map(|(_, e)| e.trim_end_matches(')'))
        {
            let d = v.as_dictionary().unwrap();
            for k in eg.split(", ") {
                assert!(d.contains_key(k.trim()), "{file}: {key} lacks {k}");
            }
        }
        return true;
    }
    false
}

fn checkin(file: &str, bytes: &[u8], facts: &[String]) {
    let msg = CheckinMessage::from_xml(bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
    match Inbound::from_xml(bytes).unwrap() {
        Inbound::Checkin(m) => assert_eq!(*m, msg, "{file}: Inbound and CheckinMessage agree"),
        other => panic!("{file}: classified as {other:?}"),
    }
    // Lossless: re-encoding and decoding again gives the same typed value.
    let xml = msg.to_xml().unwrap();
    assert_eq!(
        CheckinMessage::from_xml(&xml).unwrap(),
        msg,
        "{file}: round trip"
    );
    // The facts are checked on what the typed value re-encodes to: nothing was dropped.
    let dict = Value::from_xml(&xml)
        .unwrap()
        .as_dictionary()
        .unwrap()
        .clone();
    let original = Value::from_xml(bytes).unwrap();
    assert_eq!(
        dict.len(),
        original.as_dictionary().unwrap().len(),
        "{file}: key count kept"
    );
    for fact in facts {
        if let Some(t) = fact.strip_prefix("MessageType=") {
            assert_eq!(msg.message_type(), t, "{file}");
            let known = mdmkit::apple::checkin::ALL_MESSAGE_TYPES.contains(&t);
            assert_eq!(
                matches!(msg, CheckinMessage::Unknown(_)),
                !known,
                "{file}: Unknown iff not in the schema"
            );
        }
        assert!(
            check_fact(file, &dict, fact),
            "{file}: unknown fact form {fact:?}"
        );
    }
    // Typed spot checks on the fields every real device sends.
    match &msg {
        CheckinMessage::Authenticate(a) => {
            assert_eq!(Some(&*a.topic), dict.get("Topic").and_then(Value::as_str))
        }
        CheckinMessage::TokenUpdate(t) => {
            assert_eq!(
                Some(t.push_magic.expose().as_str()),
                dict.get("PushMagic").and_then(Value::as_str)
            );
            assert!(
                !format!("{t:?}").contains(t.push_magic.expose().as_str()),
                "{file}: PushMagic redacted"
            );
        }
        CheckinMessage::GetToken(g) => assert_eq!(
            Some(g.token_service_type.as_str()),
            dict.get("TokenServiceType").and_then(Value::as_str)
        ),
        _ => {}
    }
}

fn report(file: &str, bytes: &[u8], facts: &[String]) {
    let r = CommandReport::from_xml(bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
    match Inbound::from_xml(bytes).unwrap() {
        Inbound::Report(x) => assert_eq!(*x, r, "{file}: Inbound and CommandReport agree"),
        other => panic!("{file}: classified as {other:?}"),
    }
    let xml = r.to_xml().unwrap();
    assert_eq!(
        CommandReport::from_xml(&xml).unwrap(),
        r,
        "{file}: round trip"
    );
    for fact in facts {
        if let Some(s) = fact.strip_prefix("Status=") {
            assert_eq!(r.status.as_str().trim(), s.trim(), "{file}: Status");
        } else if let Some(u) = fact.strip_prefix("UDID=") {
            assert_eq!(
                r.udid.as_deref().map(str::trim),
                Some(u.trim()),
                "{file}: UDID"
            );
        } else if let Some(c) = fact.strip_prefix("CommandUUID=") {
            assert_eq!(
                r.command_uuid.as_deref(),
                Some(c.trim()),
                "{file}: CommandUUID"
            );
        } else if let Some(e) = fact.strip_prefix("ErrorChain: ") {
            let (domain, code) = e.rsplit_once('/').unwrap();
            assert_eq!(r.error_chain[0].error_domain, domain, "{file}");
            assert_eq!(r.error_chain[0].error_code.to_string(), code, "{file}");
        } else {
            assert!(
                check_fact(file, &r.body, fact),
                "{file}: unknown fact form {fact:?}"
            );
        }
    }
    typed_body(file, &r);
    // A known status is never left in the catch-all.
    let s = r.status.as_str().trim();
    if [
        "Idle",
        "Acknowledged",
        "Error",
        "NotNow",
        "CommandFormatError",
    ]
    .contains(&s)
    {
        assert_eq!(r.status, mdmkit::apple::report::Status::from(s), "{file}");
        assert!(
            !format!("{:?}", r.status).starts_with("Other"),
            "{file}: {:?}",
            r.status
        );
    }
}

/// The command a report answers, told by the response key it carries (reports do not name
/// their command; a server knows it from the queued command).
const RESPONSE_KEYS: &[(&str, &str)] = &[
    ("QueryResponses", "DeviceInformation"),
    ("ProfileList", "ProfileList"),
    ("CertificateList", "CertificateList"),
    ("InstalledApplicationList", "InstalledApplicationList"),
    ("SecurityInfo", "SecurityInfo"),
    ("ManagedApplicationList", "ManagedApplicationList"),
    ("Users", "UserList"),
];

/// Reports of known commands decode into their typed response, and the typed response writes
/// back the same body: the schema types fit what real devices send, and nothing is lost.
fn typed_body(file: &str, r: &CommandReport) {
    let Some((key, request_type)) = RESPONSE_KEYS.iter().find(|(k, _)| r.body.contains_key(k))
    else {
        return;
    };
    let typed = r
        .response_for(request_type)
        .unwrap_or_else(|e| panic!("{file}: {request_type} response: {e} (path {})", e.path()));
    assert_eq!(typed.request_type(), Some(*request_type), "{file}");
    let again = Value::from_xml(&mdmkit::apple::plist::to_xml(&typed).unwrap()).unwrap();
    assert_eq!(
        normalize(&again),
        normalize(&Value::Dictionary(r.body.clone())),
        "{file}: typed body loses nothing"
    );
    // JSON of the typed response reads back to the same value.
    let json = serde_json::to_string(&typed).unwrap();
    let back: mdmkit::apple::command::AnyResponse = serde_json::from_str(&json).unwrap();
    assert_eq!(back, typed, "{file}: JSON round trip");
    println!("{file}: typed {request_type} response ({key})");
    TYPED.with(|c| c.set(c.get() + 1));
}

/// A configuration profile (`apple-profile` rows): the manifest's `PayloadType`,
/// `PayloadIdentifier` and `N payloads: type, type` facts hold; payloads of Apple's schema types
/// decode typed, others as `Payload::Unknown`; the profile re-encodes to the same plist and
/// decodes back equal, from XML, from a binary plist and from JSON; and it passes `validate`.
fn profile(file: &str, bytes: &[u8], facts: &[String]) {
    let p = Profile::from_slice(bytes)
        .unwrap_or_else(|e| panic!("{file}: {e} (kind {:?}, path {})", e.kind(), e.path()));
    let original = Value::from_xml(bytes).unwrap();
    let top = original.as_dictionary().unwrap();
    for fact in facts {
        if let Some(t) = fact.strip_prefix("PayloadType=") {
            assert_eq!(
                t.trim(),
                CONFIGURATION,
                "{file}: a profile is a Configuration"
            );
            assert_eq!(
                top.get("PayloadType").and_then(Value::as_str),
                Some(CONFIGURATION),
                "{file}"
            );
        } else if let Some(id) = fact.strip_prefix("PayloadIdentifier=") {
            assert_eq!(p.payload_identifier, id.trim(), "{file}: PayloadIdentifier");
        } else if let Some((n, types)) = fact.split_once(" payloads: ") {
            let n: usize = n
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("{file}: {fact}"));
            assert_eq!(p.payload_content.len(), n, "{file}: payload count");
            let want: Vec<&str> = types.split(", ").map(str::trim).collect();
            let got: Vec<&str> = p
                .payload_content
                .iter()
                .map(Payload::payload_type)
                .collect();
            assert_eq!(got, want, "{file}: payload types");
            for payload in &p.payload_content {
                let t = payload.payload_type();
                let known = PayloadTypeInfo::find(t).is_some();
                assert_eq!(
                    matches!(payload, Payload::Unknown(_)),
                    !known,
                    "{file}: {t} is Unknown iff not in the schema"
                );
                assert_eq!(payload.info().is_some(), known, "{file}: {t}");
            }
        } else {
            panic!("{file}: unknown fact form {fact:?}");
        }
    }
    // Lossless: what the typed profile writes is the original plist (key order aside), and it
    // decodes back to the same profile.
    let xml = p.to_xml().unwrap();
    let written = Value::from_xml(&xml).unwrap();
    assert_eq!(
        normalize(&written),
        normalize(&original),
        "{file}: re-encoded plist differs from the original"
    );
    assert_eq!(Profile::from_slice(&xml).unwrap(), p, "{file}: round trip");
    let mut bin = Vec::new();
    plist::Value::from(original.clone())
        .to_writer_binary(&mut bin)
        .unwrap();
    assert_eq!(Profile::from_slice(&bin).unwrap(), p, "{file}: binary form");
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(
        serde_json::from_str::<Profile>(&json).unwrap(),
        p,
        "{file}: JSON round trip"
    );
    // Real profiles keep the rules the builder checks.
    p.validate()
        .unwrap_or_else(|e| panic!("{file}: validate: {e:?}"));
    println!(
        "{file}: profile, {} payloads, valid",
        p.payload_content.len()
    );
}

thread_local! {
    static TYPED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn normalize(v: &Value) -> Value {
    match v {
        Value::Dictionary(d) => {
            let mut e: Vec<(String, Value)> = d
                .iter()
                .map(|(k, v)| (k.trim().to_owned(), normalize(v)))
                .collect();
            e.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Dictionary(e.into_iter().collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// The plist edge cases from micromdm/plist's plutil-parity vectors: the `-failure` files must
/// fail with a typed error; the others are what `plutil` accepts. mdmkit accepts them too,
/// except two where it is deliberately stricter (each named here with the error it gives).
fn plist_edge(file: &str, bytes: &[u8], note: &str) {
    let result = Value::from_xml(bytes);
    let stricter: &[(&str, DecodeErrorKind)] = &[
        // quick-xml refuses a DOCTYPE with no name as a syntax error.
        ("plist-xml-empty-doctype.plist", DecodeErrorKind::Syntax),
        // Junk after the document is refused rather than ignored.
        ("plist-xml-invalid-end.plist", DecodeErrorKind::TrailingData),
    ];
    if file.contains("-failure") {
        let err = result.expect_err(file);
        assert!(
            matches!(
                err.kind(),
                DecodeErrorKind::Syntax | DecodeErrorKind::UnexpectedEof
            ),
            "{file}: {err:?}"
        );
    } else if let Some((_, kind)) = stricter.iter().find(|(f, _)| *f == file) {
        assert_eq!(result.expect_err(file).kind(), kind, "{file}");
    } else {
        let v = result.unwrap_or_else(|e| panic!("{file} ({note}): {e:?}"));
        assert_eq!(
            v.as_dictionary()
                .and_then(|d| d.get("key"))
                .and_then(Value::as_str),
            Some("val"),
            "{file}"
        );
    }
}

#[test]
fn corpus() {
    let Some(dir) = corpus_dir() else {
        println!("corpus test skipped: set MDMKIT_CORPUS=../shared/fixtures to run it");
        return;
    };
    let rows = manifest(&dir);
    let (mut checkins, mut reports, mut edges, mut profiles) = (0, 0, 0, 0);
    for row in &rows {
        let path = dir.join("files").join(&row.file);
        let bytes = || std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        match row.kind.as_str() {
            "apple-checkin" => {
                checkin(&row.file, &bytes(), &row.facts);
                checkins += 1;
            }
            "apple-report" => {
                report(&row.file, &bytes(), &row.facts);
                reports += 1;
            }
            "apple-profile" => {
                profile(&row.file, &bytes(), &row.facts);
                profiles += 1;
            }
            "other" if row.file.starts_with("plist-xml-") => {
                plist_edge(&row.file, &bytes(), &row.note);
                edges += 1;
            }
            _ => {}
        }
    }
    let typed = TYPED.with(std::cell::Cell::get);
    println!(
        "corpus: {checkins} check-in messages, {reports} command reports ({typed} with typed \
         response bodies), {profiles} configuration profiles, {edges} plist edge cases"
    );
    assert!(typed >= 15, "typed response bodies: {typed}");
    assert!(
        checkins >= 7 && reports >= 18 && edges >= 10 && profiles >= 5,
        "manifest shrank: {checkins}/{reports}/{edges}/{profiles}"
    );
}
