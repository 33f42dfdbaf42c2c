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
    let (mut messages, mut fragments, mut refused) = (0usize, 0usize, 0usize);
    let (mut ddm_status, mut ddm_declarations) = (0usize, 0usize);
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
            #[cfg(feature = "windows")]
            "syncml" => match syncml(&row.file, &bytes(), &row.facts) {
                "message" => messages += 1,
                "fragment" => fragments += 1,
                _ => refused += 1,
            },
            #[cfg(feature = "apple-ddm")]
            "ddm" => match ddm::check(&row.file, &bytes(), &row.facts) {
                ddm::Kind::Status => ddm_status += 1,
                ddm::Kind::Declaration => ddm_declarations += 1,
            },
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
    println!(
        "corpus: SyncML {messages} messages, {fragments} fragments, {refused} malformed rows refused"
    );
    if cfg!(feature = "windows") {
        assert_eq!(
            messages + fragments + refused,
            rows.iter().filter(|r| r.kind == "syncml").count(),
            "every syncml row handled"
        );
        assert!(
            messages >= 7 && fragments >= 5 && refused >= 5,
            "SyncML rows shrank: {messages}/{fragments}/{refused}"
        );
    }
    println!("corpus: DDM {ddm_status} status reports, {ddm_declarations} declarations");
    if cfg!(feature = "apple-ddm") {
        assert_eq!(
            ddm_status + ddm_declarations,
            rows.iter().filter(|r| r.kind == "ddm").count(),
            "every ddm row handled"
        );
        assert!(
            ddm_status >= 4 && ddm_declarations >= 2,
            "DDM rows shrank: {ddm_status}/{ddm_declarations}"
        );
    }
    assert!(typed >= 15, "typed response bodies: {typed}");
    assert!(
        checkins >= 7 && reports >= 18 && edges >= 10 && profiles >= 5,
        "manifest shrank: {checkins}/{reports}/{edges}/{profiles}"
    );
}

// ---- SyncML (Windows MDM) ----

/// One entry of a manifest `N commands: …` list: `Alert#2 1201`, `Replace#4 (5 items)`,
/// `Status#1(SyncHdr ref 0 =200)`, `Atomic#301{Add#302 (1 item), …}`, or `Final`.
#[cfg(feature = "windows")]
#[derive(Debug)]
struct CmdFact {
    name: String,
    cmd_id: String,
    /// `Status`: (Cmd, CmdRef, code).
    status: Option<(String, String, u16)>,
    /// `Alert`: the code.
    alert: Option<u16>,
    items: Option<usize>,
    children: Vec<CmdFact>,
}

/// Splits at `", "` outside braces and parentheses.
#[cfg(feature = "windows")]
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' | b'(' => depth += 1,
            b'}' | b')' => depth -= 1,
            b',' if depth == 0 && b.get(i + 1) == Some(&b' ') => {
                out.push(&s[start..i]);
                start = i + 2;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&s[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .collect()
}

#[cfg(feature = "windows")]
fn parse_cmd_fact(file: &str, s: &str) -> CmdFact {
    let (head, rest) = s.split_once('#').unwrap_or_else(|| panic!("{file}: {s:?}"));
    let mut f = CmdFact {
        name: head.to_owned(),
        cmd_id: String::new(),
        status: None,
        alert: None,
        items: None,
        children: Vec::new(),
    };
    // The CmdID runs to the first of `(`, `{`, ` `.
    let id_end = rest.find(['(', '{', ' ']).unwrap_or(rest.len());
    f.cmd_id = rest[..id_end].to_owned();
    let mut rest = &rest[id_end..];
    if let Some(inner) = rest.strip_prefix('(').filter(|_| head == "Status") {
        let close = inner.find(')').unwrap();
        // `SyncHdr ref 0 =200`
        let body = &inner[..close];
        let (cmd, tail) = body.split_once(" ref ").unwrap();
        let (cmd_ref, code) = tail.split_once(" =").unwrap();
        f.status = Some((cmd.to_owned(), cmd_ref.to_owned(), code.parse().unwrap()));
        rest = &inner[close + 1..];
    }
    if let Some(inner) = rest.strip_prefix('{') {
        let close = inner.rfind('}').unwrap();
        f.children = split_top(&inner[..close])
            .into_iter()
            .map(|c| parse_cmd_fact(file, c))
            .collect();
        rest = &inner[close + 1..];
    }
    let rest = rest.trim();
    let (code, items) = match rest.split_once('(') {
        Some((c, i)) => (c.trim(), Some(i)),
        None => (rest, None),
    };
    if !code.is_empty() {
        f.alert = Some(code.parse().unwrap_or_else(|_| panic!("{file}: {s:?}")));
    }
    if let Some(i) = items {
        f.items = Some(
            i.split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{file}: {s:?}")),
        );
    }
    f
}

#[cfg(feature = "windows")]
fn check_commands(file: &str, cmds: &[mdmkit::windows::syncml::Command], facts: &[CmdFact]) {
    use mdmkit::windows::syncml::Command;
    assert_eq!(
        cmds.iter().map(Command::name).collect::<Vec<_>>(),
        facts.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        "{file}: command names in order"
    );
    for (c, f) in cmds.iter().zip(facts) {
        let what = format!("{file}: {}#{}", f.name, f.cmd_id);
        assert_eq!(
            c.cmd_id().map(|i| i.as_str()),
            Some(f.cmd_id.as_str()),
            "{what}"
        );
        if let Some(n) = f.items {
            assert_eq!(c.items().len(), n, "{what}: items");
        }
        if let Some(code) = f.alert {
            let Command::Alert(a) = c else {
                panic!("{what}")
            };
            assert_eq!(a.code.map(|c| c.0), Some(code), "{what}: alert code");
        }
        if let Some((cmd, cmd_ref, code)) = &f.status {
            let Command::Status(s) = c else {
                panic!("{what}")
            };
            assert_eq!(&s.cmd, cmd, "{what}: Cmd");
            assert_eq!(s.cmd_ref.as_str(), cmd_ref, "{what}: CmdRef");
            assert_eq!(s.code.0, *code, "{what}: Data");
        }
        assert_eq!(c.children().len(), f.children.len(), "{what}: children");
        check_commands(file, c.children(), &f.children);
    }
}

/// The manifest's facts of a SyncML row: `VerDTD=…`, `SessionID=…`, `Target=…`,
/// `N commands: …`; `root=…` and `SyncHdr has Cred` are checked too. Returns whether `Final`
/// was listed.
#[cfg(feature = "windows")]
fn check_syncml_facts(
    file: &str,
    hdr: Option<&mdmkit::windows::syncml::SyncHdr>,
    cmds: &[mdmkit::windows::syncml::Command],
    is_final: bool,
    facts: &[String],
) {
    let mut saw_commands = false;
    for fact in facts {
        let h = || hdr.unwrap_or_else(|| panic!("{file}: {fact} without a header"));
        if let Some(v) = fact.strip_prefix("VerDTD=") {
            assert_eq!(h().ver_dtd, v, "{file}");
        } else if let Some(v) = fact.strip_prefix("VerProto=") {
            assert_eq!(h().ver_proto, v, "{file}");
        } else if let Some(v) = fact.strip_prefix("SessionID=") {
            assert_eq!(h().session_id, v, "{file}");
        } else if let Some(v) = fact.strip_prefix("MsgID=") {
            assert_eq!(h().msg_id, v, "{file}");
        } else if let Some(v) = fact.strip_prefix("Target=") {
            assert_eq!(h().target.loc_uri, v, "{file}");
        } else if let Some(v) = fact.strip_prefix("Source=") {
            assert_eq!(h().source.loc_uri, v, "{file}");
        } else if fact == "SyncHdr has Cred" {
            assert!(h().cred.is_some(), "{file}");
        } else if fact.starts_with("root=") {
            // The root and its namespace: checked by which API decodes the row.
        } else if let Some((n, list)) = fact.split_once(" commands: ") {
            saw_commands = true;
            let mut entries = split_top(list);
            let listed_final = entries.last() == Some(&"Final");
            if listed_final {
                entries.pop();
            }
            assert_eq!(is_final, listed_final, "{file}: Final");
            let facts: Vec<CmdFact> = entries
                .into_iter()
                .map(|e| parse_cmd_fact(file, e))
                .collect();
            assert_eq!(facts.len(), n.parse::<usize>().unwrap(), "{file}: {fact}");
            check_commands(file, cmds, &facts);
        } else {
            panic!("{file}: unknown SyncML fact form {fact:?}");
        }
    }
    assert!(saw_commands, "{file}: no command facts");
}

#[cfg(feature = "windows")]
fn item_data(item: &mdmkit::windows::syncml::Item) -> String {
    item.data
        .as_ref()
        .map(|d| d.to_text().into_owned())
        .unwrap_or_default()
}

/// A SyncML row. Whole messages decode with `SyncMl::from_xml`, the fragments with
/// `Fragment::from_xml`; the malformed ones give the typed error asserted here. Every decoded
/// row re-encodes and decodes back equal.
#[cfg(feature = "windows")]
fn syncml(file: &str, bytes: &[u8], facts: &[String]) -> &'static str {
    use mdmkit::windows::csp::{self, DeviceEvent};
    use mdmkit::windows::syncml::{Command, Fragment, SyncMl};
    let malformed: Option<(DecodeErrorKind, &str)> = match file {
        // `<A:Format>` with the prefix `A` declared nowhere.
        "fleet-poc-atomic-install-msi.xml" => Some((DecodeErrorKind::Syntax, "")),
        // Not well-formed: `xmlns=&#39;…&#39;` (an unquoted attribute value) in the root tag.
        "msdocs-syncml-unenroll-1226.xml" => Some((DecodeErrorKind::Syntax, "")),
        // `<InsertUniqueIDHere>` placeholder inside LocURI.
        "msdocs-syncml-clientcert-atomic.xml" => Some((
            DecodeErrorKind::WrongType {
                expected: "text",
                found: "element",
            },
            "SyncBody.Atomic[0].Add[0].Item[0].Target.LocURI",
        )),
        // `// Header Starts here` text between SyncML's children.
        "msdocs-syncml-healthattestation-2.xml" => Some((
            DecodeErrorKind::WrongType {
                expected: "element",
                found: "text",
            },
            "",
        )),
        // `…` text inside SyncHdr.
        "msdocs-syncml-securitypolicy-get.xml" => Some((
            DecodeErrorKind::WrongType {
                expected: "element",
                found: "text",
            },
            "SyncHdr",
        )),
        _ => None,
    };
    if let Some((kind, path)) = malformed {
        // The fragment reader sees what is wrong inside; the message reader too, except for
        // the command fragment, whose root is not `SyncML`.
        let f = Fragment::from_xml(bytes).expect_err(file);
        assert_eq!(f.kind(), &kind, "{file} as a fragment: {f:?}");
        let e = SyncMl::from_xml(bytes).expect_err(file);
        if file == "fleet-poc-atomic-install-msi.xml" {
            assert_eq!(
                e.kind(),
                &DecodeErrorKind::WrongType {
                    expected: "SyncML element",
                    found: "another element"
                },
                "{file}"
            );
            // (The fragment path names no command, `[0].Exec[1].Item[0].Meta`, where a
            // message path says `Atomic[0]`: reported to the lead.)
            assert!(f.path().ends_with("Exec[1].Item[0].Meta"), "{file}: {f:?}");
        } else {
            assert_eq!(e.kind(), &kind, "{file}: {e:?}");
            assert_eq!(e.path(), path, "{file}: {e:?}");
        }
        println!("{file}: refused, {f}");
        return "refused";
    }
    let fragment = matches!(
        file,
        "fleet-dump-parsed-cmd-fragments.xml"
            | "msdocs-syncml-eam-results-fragment.xml"
            | "msdocs-syncml-hdr-body-fragment.xml"
            | "msdocs-syncml-wifi-atomic.xml"
            | "msdocs-syncml-diagnose-replace.xml"
    );
    if fragment {
        let f = Fragment::from_xml(bytes).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        // Not a whole message.
        assert!(SyncMl::from_xml(bytes).is_err(), "{file}: not a message");
        // Lossless: every command re-encodes and decodes back equal.
        for c in &f.commands {
            let xml = c.to_xml().unwrap();
            assert_eq!(
                &Command::from_xml(xml.as_bytes()).unwrap(),
                c,
                "{file}: {xml}"
            );
        }
        let no_facts = facts.is_empty()
            || facts.iter().all(|f| f.starts_with("python rejects"))
            || facts.iter().any(|f| f.starts_with("\"python rejects"));
        match file {
            "fleet-dump-parsed-cmd-fragments.xml" => {
                let names: Vec<&str> = f.commands.iter().map(Command::name).collect();
                assert_eq!(names, ["Alert", "Alert", "Alert", "Replace"], "{file}");
                let Command::Alert(a) = &f.commands[2] else {
                    panic!()
                };
                assert_eq!(
                    csp::device_events(a)[0].event,
                    DeviceEvent::Unenrollment,
                    "{file}: Meta xmlns=\"\" still types the event"
                );
                let Command::Alert(a) = &f.commands[1] else {
                    panic!()
                };
                assert_eq!(
                    csp::device_events(a)[0].event,
                    DeviceEvent::LoginStatus("user".to_owned())
                );
                assert_eq!(f.commands[3].items().len(), 5);
                assert_eq!(item_data(&f.commands[3].items()[1]), "VMware, Inc.");
                // Target/Source directly under Alert and Replace are not in the DTD: kept.
                let Command::Replace(r) = &f.commands[3] else {
                    panic!()
                };
                assert_eq!(r.other.len(), 2, "{file}: Target and Source kept verbatim");
                assert!(f.hdr.is_none() && !f.is_final);
            }
            "msdocs-syncml-hdr-body-fragment.xml" => {
                let h = f.hdr.as_ref().expect("SyncHdr");
                assert_eq!(h.msg_id, "1");
                assert_eq!(h.target.loc_uri, "{unique device ID}");
                assert!(f.is_final);
                let it = &f.commands[0].items()[0];
                let m = it.meta.as_ref().unwrap();
                assert_eq!(m.format.as_deref(), Some("int"));
                assert_eq!(m.r#type.as_deref(), Some("text/plain"));
                assert_eq!(item_data(it), "6");
            }
            _ => {
                assert!(!no_facts, "{file}: facts expected");
            }
        }
        if !no_facts {
            check_syncml_facts(file, f.hdr.as_ref(), &f.commands, f.is_final, facts);
        }
        match file {
            "msdocs-syncml-wifi-atomic.xml" => {
                let it = &f.commands[0].children()[0].items()[0];
                assert_eq!(it.meta.as_ref().unwrap().format.as_deref(), Some("chr"));
                assert!(item_data(it).starts_with("<?xml version=\"1.0\"?><WLANProfile"));
                assert!(
                    it.data.as_ref().unwrap().as_xml().starts_with("&lt;?xml"),
                    "{file}: kept escaped"
                );
            }
            "msdocs-syncml-diagnose-replace.xml" => {
                let it = &f.commands[0].items()[0];
                assert_eq!(it.meta.as_ref().unwrap().format.as_deref(), Some("bool"));
                assert_eq!(item_data(it), "true");
            }
            "msdocs-syncml-eam-results-fragment.xml" => {
                let Command::Results(r) = &f.commands[0] else {
                    panic!()
                };
                assert_eq!(r.msg_ref_or_default(), "1");
                assert_eq!(r.cmd_ref, "2");
                // Pretty-printed LocURIs are trimmed.
                assert_eq!(
                    r.items[0].source.as_ref().unwrap().loc_uri,
                    "./Vendor/MSFT/EnterpriseAppManagement/4000000001/EnterpriseApps/Inventory"
                );
                assert_eq!(
                    r.items[0].meta.as_ref().unwrap().format.as_deref(),
                    Some("node")
                );
                assert_eq!(item_data(&r.items[4]), "Sample1");
            }
            _ => {}
        }
        println!(
            "{file}: fragment, {} commands{}",
            f.commands.len(),
            if f.hdr.is_some() { " with header" } else { "" }
        );
        return "fragment";
    }

    let m = SyncMl::from_xml(bytes).unwrap_or_else(|e| panic!("{file}: {e:?}"));
    let xml = m.to_xml().unwrap();
    let back = SyncMl::from_xml(xml.as_bytes()).unwrap_or_else(|e| panic!("{file}: {e:?}"));
    assert_eq!(back, m, "{file}: round trip");
    assert_eq!(back.to_xml().unwrap(), xml, "{file}: stable encoding");
    assert!(
        xml.starts_with("<SyncML xmlns=\"SYNCML:SYNCML1.2\">"),
        "{file}"
    );
    // A fragment decode of a whole message agrees.
    let f = Fragment::from_xml(bytes).unwrap();
    assert_eq!(f.hdr.as_ref(), Some(&m.hdr), "{file}");
    assert_eq!(f.commands, m.body.commands, "{file}");
    check_syncml_facts(file, Some(&m.hdr), &m.body.commands, m.body.is_final, facts);
    let alert = |i: usize| match &m.body.commands[i] {
        Command::Alert(a) => a,
        other => panic!("{file}: {other:?}"),
    };
    match file {
        "fleet-dump-syncml-s1-client.xml" | "fleet-dump-syncml-s2-client-unenroll.xml" => {
            assert_eq!(
                csp::device_events(alert(1))[0].event,
                DeviceEvent::LoginStatus("user".to_owned()),
                "{file}"
            );
            let replace = m.body.commands.last().unwrap();
            let devinfo: Vec<(String, String)> = replace
                .items()
                .iter()
                .map(|i| (i.source.as_ref().unwrap().loc_uri.clone(), item_data(i)))
                .collect();
            let want = [
                ("./DevInfo/DevId", "B5B954E81FBCB94EB79BD08BE625F4EE"),
                ("./DevInfo/Man", "VMware, Inc."),
                ("./DevInfo/Mod", "VMware7,1"),
                ("./DevInfo/DmV", "1.3"),
                ("./DevInfo/Lang", "en-US"),
            ];
            assert_eq!(
                devinfo,
                want.map(|(a, b)| (a.to_owned(), b.to_owned())),
                "{file}"
            );
            if file.contains("unenroll") {
                let ev = csp::device_events(alert(2));
                assert_eq!(ev[0].event, DeviceEvent::Unenrollment, "{file}");
                let meta = ev[0].item.meta.as_ref().unwrap();
                assert_eq!(meta.format.as_deref(), Some("int"));
                assert_eq!(item_data(ev[0].item), "1");
            }
            // Answer it as a server would: header status, then one per command, in order.
            let mut s = mdmkit::windows::syncml::session::Session::new();
            let reply = s
                .respond(&m, mdmkit::windows::syncml::StatusCode::OK)
                .finish();
            assert_eq!(reply.body.commands.len(), m.body.commands.len() + 1);
        }
        "libwbxml-syncml-dm11-add.xml" => {
            // Pretty-printed LocURI trimmed; `<Data/>` kept as empty data.
            let it = &m.body.commands[0].items()[0];
            assert_eq!(
                it.target.as_ref().unwrap().loc_uri,
                "./SyncML/DMAcc/UltimateManagement"
            );
            assert_eq!(it.data.as_ref().map(|d| d.as_xml()), Some(""));
        }
        "libwbxml-syncml-ds11-results.xml" => {
            let cred = m.hdr.cred.as_ref().unwrap();
            assert_eq!(
                cred.meta.as_ref().unwrap().r#type.as_deref(),
                Some("syncml:auth-basic")
            );
            let Command::Status(s) = &m.body.commands[1] else {
                panic!()
            };
            assert_eq!(s.target_refs, ["./contacts/james_bond"]);
            assert_eq!(s.source_refs, ["./dev-contacts"]);
            // Nested DevInf markup in Results Data, kept verbatim.
            let d = m.body.commands[3].items()[0].data.as_ref().unwrap();
            assert!(d.as_xml().contains("<DevInf xmlns='syncml:devinf'>"));
            // Meta/Anchor (MetInf, not typed) kept verbatim.
            let meta = m.body.commands[4].items()[0].meta.as_ref().unwrap();
            assert_eq!(meta.other.len(), 1);
            assert!(xml.contains("<Anchor xmlns='syncml:metinf'>"));
        }
        _ => {}
    }
    println!(
        "{file}: SyncML {} session {} msg {}, {} commands{}",
        m.hdr.ver_dtd,
        m.hdr.session_id,
        m.hdr.msg_id,
        m.commands_flat().count(),
        if m.body.is_final { ", final" } else { "" }
    );
    "message"
}

// ---- Declarative Device Management (JSON) ----

#[cfg(feature = "apple-ddm")]
mod ddm {
    use mdmkit::apple::ddm::{Category, Declaration, StatusReport};
    use serde_json::Value as Json;

    pub enum Kind {
        Status,
        Declaration,
    }

    /// The value at a dotted path of a JSON object (`device.model.family`).
    fn at<'a>(v: &'a Json, path: &str) -> Option<&'a Json> {
        path.split('.').try_fold(v, |v, k| v.get(k))
    }

    /// `'1.0.0'` / `['1.0.0']` / `Mac` as JSON.
    fn fact_value(text: &str) -> Json {
        if let Some(list) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            return Json::Array(
                list.split(", ")
                    .filter(|s| !s.is_empty())
                    .map(|s| Json::String(s.trim_matches('\'').to_owned()))
                    .collect(),
            );
        }
        match text {
            "true" => Json::Bool(true),
            "false" => Json::Bool(false),
            t => Json::String(t.to_owned()),
        }
    }

    /// Decodes a DDM row, checks every fact, and checks that the typed value re-encodes to the
    /// same JSON (key order aside) and decodes back equal.
    pub fn check(file: &str, bytes: &[u8], facts: &[String]) -> Kind {
        let original: Json = serde_json::from_slice(bytes).unwrap();
        let (kind, reencoded) = if original.get("StatusItems").is_some() {
            let r = StatusReport::from_json(bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
            let out = r.to_json().unwrap();
            assert_eq!(
                StatusReport::from_json(&out).unwrap(),
                r,
                "{file}: round trip"
            );
            status_facts(file, &r);
            (Kind::Status, out)
        } else {
            let d = if file == "kmfddm-decl-mail.json" {
                // A peer-written example missing keys the schema requires
                // (`IncomingServer.ServerType`, `HostName`, …): the typed decode says so with the
                // key path; the untyped decode keeps it for relaying.
                let e = Declaration::from_json(bytes).unwrap_err();
                assert_eq!(e.kind(), &mdmkit::DecodeErrorKind::MissingKey, "{file}");
                assert_eq!(e.path(), "Payload.IncomingServer.ServerType", "{file}");
                let d = Declaration::from_json_untyped(bytes, &mdmkit::Limits::DEFAULT).unwrap();
                let out = d.to_json().unwrap();
                let back = Declaration::from_json_untyped(&out, &mdmkit::Limits::DEFAULT);
                assert_eq!(back.unwrap(), d, "{file}: round trip");
                d
            } else {
                let d = Declaration::from_json(bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
                let out = d.to_json().unwrap();
                assert_eq!(
                    Declaration::from_json(&out).unwrap(),
                    d,
                    "{file}: round trip"
                );
                assert!(
                    d.payload.declaration_type().is_some(),
                    "{file}: {} decoded as a typed payload",
                    d.r#type
                );
                d
            };
            if file == "kmfddm-decl-activation.json" {
                let mdmkit::apple::ddm::DeclarationPayload::ActivationSimple(a) = &d.payload else {
                    panic!("{file}: {:?}", d.payload)
                };
                assert_eq!(a.standard_configurations.len(), 3, "{file}");
                assert_eq!(d.category(), Some(Category::Activation));
            }
            (Kind::Declaration, d.to_json().unwrap())
        };
        let reencoded: Json = serde_json::from_slice(&reencoded).unwrap();
        assert_eq!(reencoded, original, "{file}: nothing lost or changed");
        let items = original.get("StatusItems");
        for fact in facts {
            if let Some(keys) = fact.strip_prefix("top-level keys: ") {
                let mut want: Vec<&str> = keys.split(", ").collect();
                let mut got: Vec<&str> = original
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(String::as_str)
                    .collect();
                want.sort_unstable();
                got.sort_unstable();
                assert_eq!(got, want, "{file}: {fact}");
            } else if let Some(counts) = fact.strip_prefix("declarations: ") {
                let r = StatusReport::from_json(bytes).unwrap();
                for c in counts.split(", ") {
                    let (name, n) = c.split_once('=').unwrap();
                    let category = Category::ALL
                        .into_iter()
                        .find(|c| c.manifest_key().eq_ignore_ascii_case(name))
                        .unwrap_or_else(|| panic!("{file}: category {name}"));
                    let got = r.declarations().filter(|(c, _)| *c == category).count();
                    assert_eq!(got.to_string(), n, "{file}: {c}");
                }
            } else if let Some(n) = fact.strip_prefix("Errors: ") {
                let r = StatusReport::from_json(bytes).unwrap();
                assert_eq!(r.errors.unwrap_or_default().len().to_string(), n, "{file}");
            } else if fact.contains('=') {
                // `a.b=v` (a status item path) or `Type=… Identifier=…` (envelope keys).
                for part in fact.split(' ').filter(|p| p.contains('=')) {
                    let (path, want) = part.split_once('=').unwrap();
                    let got = match items {
                        Some(items) => {
                            let path = if path.starts_with("client-capabilities.") {
                                format!("management.{path}")
                            } else {
                                path.to_owned()
                            };
                            at(items, &path)
                        }
                        None => at(&original, path),
                    };
                    assert_eq!(got, Some(&fact_value(want)), "{file}: {fact}");
                }
            } else {
                panic!("{file}: fact form not checked: {fact:?}");
            }
        }
        kind
    }

    /// Typed checks of the status reports' facts (the generic checks above read the JSON).
    fn status_facts(file: &str, r: &StatusReport) {
        let items = r.status_items.as_ref().unwrap();
        let caps = items
            .management
            .as_ref()
            .and_then(|m| m.client_capabilities.as_ref());
        if file != "kmfddm-status-d0-error.json" {
            let caps = caps.unwrap_or_else(|| panic!("{file}: client capabilities"));
            assert_eq!(
                caps.supported_versions.as_deref(),
                Some(&["1.0.0".to_owned()][..])
            );
        }
        match file {
            "zentral-ddm-status-report.json" | "kmfddm-status-first.json" => {
                let model = items
                    .device
                    .as_ref()
                    .and_then(|d| d.model.as_ref())
                    .unwrap();
                assert_eq!(model.family.as_deref(), Some("Mac"), "{file}");
                let os = items
                    .device
                    .as_ref()
                    .and_then(|d| d.operating_system.as_ref())
                    .unwrap();
                assert_eq!(os.build_version.as_deref(), Some("22E261"), "{file}");
            }
            "kmfddm-status-iphone.json" => {
                let model = items
                    .device
                    .as_ref()
                    .and_then(|d| d.model.as_ref())
                    .unwrap();
                assert_eq!(model.family.as_deref(), Some("iPhone"), "{file}");
                let payloads = caps.and_then(|c| c.supported_payloads.as_ref()).unwrap();
                assert!(
                    payloads
                        .status_items
                        .as_ref()
                        .unwrap()
                        .iter()
                        .any(|s| s == "device.operating-system.family"),
                    "{file}: supported status items"
                );
                assert_eq!(r.declarations().count(), 5, "{file}");
                let failed = r
                    .declarations()
                    .filter(|(c, d)| {
                        *c == Category::Configuration
                            && d.valid.as_ref().map(|v| v.as_str()) == Some("invalid")
                            && d.reasons.iter().flatten().any(|x| {
                                x.code.as_deref() == Some("Error.ConfigurationCannotBeApplied")
                            })
                    })
                    .count();
                assert_eq!(failed, 2, "{file}: configurations invalid");
            }
            "kmfddm-status-d0-error.json" => {
                let (c, d) = r.declarations().next().unwrap();
                assert_eq!(c, Category::Configuration);
                assert_eq!(d.identifier.as_deref(), Some("com.example.test"));
                assert_eq!(d.active, Some(false));
                assert_eq!(d.valid.as_ref().map(|v| v.as_str()), Some("unknown"));
                let reason = &d.reasons.as_ref().unwrap()[0];
                assert_eq!(
                    reason.code.as_deref(),
                    Some("Info.NotReferencedByActivation")
                );
            }
            _ => {}
        }
    }
}
