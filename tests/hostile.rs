//! The hostile-input catalogue: every input a hostile peer may send gets the exact typed
//! [`DecodeError`] (kind, and key path where one is meaningful) while the decoder's memory stays
//! within a budget.
//!
//! Memory is measured with the `cap` allocator wrapping the system allocator for this test
//! binary. Every case runs sequentially inside ONE `#[test]` (so no other test thread allocates
//! at the same time): the input is built first, then the allocator's limit is set to what is
//! allocated now plus the case's budget, the decoder runs, and the limit is lifted again. An
//! allocation over the limit aborts the process, which fails the test; run with `--nocapture` to
//! see which case was running. After the result is dropped, the allocated total must be back
//! where it was.

#![cfg(feature = "apple")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mdmkit::apple::checkin::CheckinMessage;
use mdmkit::apple::plist::Value;
use mdmkit::apple::report::CommandReport;
use mdmkit::{DecodeError, DecodeErrorKind as K, Limit, Limits};
use std::fmt::Write as _;

#[global_allocator]
static ALLOC: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

const MIB: usize = 1 << 20;
/// The default budget of one decode: far above what a well-behaved decoder needs for these
/// inputs, far below what an unbounded one would take.
const BUDGET: usize = 64 * MIB;
/// What may stay allocated after a case (lazily initialised runtime state, test harness).
const SLACK: usize = 64 * 1024;

/// Runs `decode` with the allocator capped at `budget` bytes above what is allocated now, hands
/// the result to `check`, drops it and checks that the memory came back.
fn bounded<T>(name: &str, budget: usize, decode: impl FnOnce() -> T, check: impl FnOnce(&T)) {
    eprintln!("hostile case: {name}");
    let start = ALLOC.allocated();
    ALLOC
        .set_limit(start.saturating_add(budget))
        .expect("set the allocation limit");
    let out = decode();
    ALLOC
        .set_limit(usize::MAX)
        .expect("lift the allocation limit");
    check(&out);
    drop(out);
    let end = ALLOC.allocated();
    assert!(
        end <= start + SLACK,
        "{name}: {} bytes still allocated after the result was dropped",
        end.saturating_sub(start)
    );
}

/// Asserts that `r` is an error of `kind` with key path `path`.
#[track_caller]
fn expect_err<T: std::fmt::Debug>(
    name: &str,
    r: &Result<T, DecodeError>,
    kind: &K,
    path: &str,
) -> DecodeError {
    match r {
        Ok(v) => panic!("{name}: expected {kind:?} at `{path}`, decoded {v:?}"),
        Err(e) => {
            assert_eq!(e.kind(), kind, "{name}: kind ({})", short(e));
            assert!(e.path() == path, "{name}: path ({})", short(e));
            e.clone()
        }
    }
}

/// Asserts that `r` is an error of `kind` (path not checked).
#[track_caller]
fn expect_kind<T: std::fmt::Debug>(name: &str, r: &Result<T, DecodeError>, kind: &K) {
    match r {
        Ok(v) => panic!("{name}: expected {kind:?}, decoded {v:?}"),
        Err(e) => assert_eq!(e.kind(), kind, "{name}: kind ({})", short(e)),
    }
}

/// An error's debug form, with a long path cut (deep-nesting paths run to 300 KB).
fn short(e: &DecodeError) -> String {
    let path: String = e.path().chars().take(120).collect();
    format!(
        "kind {:?}, path {path:?} ({} bytes), offset {:?}",
        e.kind(),
        e.path().len(),
        e.offset()
    )
}

const PROLOG: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" ",
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n",
);

/// A plist document around `body`.
fn doc(body: &str) -> Vec<u8> {
    format!("{PROLOG}<plist version=\"1.0\">\n{body}\n</plist>\n").into_bytes()
}

/// A check-in dictionary of `message_type` with a `Topic`, then `rest`.
fn checkin(message_type: &str, rest: &str) -> Vec<u8> {
    doc(&format!(
        "<dict><key>MessageType</key><string>{message_type}</string>\
         <key>Topic</key><string>com.apple.mgmt.External.0</string>{rest}</dict>"
    ))
}

/// A command report dictionary with `Status` `Idle`, then `rest`.
fn report(rest: &str) -> Vec<u8> {
    doc(&format!(
        "<dict><key>Status</key><string>Idle</string><key>UDID</key><string>U</string>{rest}</dict>"
    ))
}

/// A valid TokenUpdate (the base of the truncation and secret cases).
const TOKEN_UPDATE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>AwaitingConfiguration</key>
	<false/>
	<key>MessageType</key>
	<string>TokenUpdate</string>
	<key>PushMagic</key>
	<string>7F1B2C3D-0000-4A27-8742-E930EA116B0A</string>
	<key>Token</key>
	<data>
	3q2+7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0u
	LzAxMjM=
	</data>
	<key>Topic</key>
	<string>com.apple.mgmt.External.e0bd1eac-2a54-4f74-9d7f-bd0c2f1f7d8c</string>
	<key>UDID</key>
	<string>663b07bb783e9ade1dae4fbb92ea12afc0ce5b69</string>
</dict>
</plist>
"#;

/// A binary plist whose `X` value is a DAG: 40 nested two-element arrays, both elements
/// referencing the same inner array object, with the string `"x"` at the bottom. Fully expanded
/// it is 2^40 leaves. Made at authoring time with Python 3.11:
///
/// ```python
/// import plistlib
/// a = ["x"]
/// for i in range(40):
///     a = [a, a]
/// plistlib.dumps({"MessageType": "Authenticate", "Topic": "t", "X": a}, fmt=plistlib.FMT_BINARY)
/// ```
///
/// (plistlib writes a list object once however often it is referenced.)
const BINARY_DAG: [u8; 254] = [
    0x62, 0x70, 0x6c, 0x69, 0x73, 0x74, 0x30, 0x30, 0xd3, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x5b,
    0x4d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x54, 0x79, 0x70, 0x65, 0x55, 0x54, 0x6f, 0x70, 0x69,
    0x63, 0x51, 0x58, 0x5c, 0x41, 0x75, 0x74, 0x68, 0x65, 0x6e, 0x74, 0x69, 0x63, 0x61, 0x74, 0x65,
    0x51, 0x74, 0xa2, 0x07, 0x07, 0xa2, 0x08, 0x08, 0xa2, 0x09, 0x09, 0xa2, 0x0a, 0x0a, 0xa2, 0x0b,
    0x0b, 0xa2, 0x0c, 0x0c, 0xa2, 0x0d, 0x0d, 0xa2, 0x0e, 0x0e, 0xa2, 0x0f, 0x0f, 0xa2, 0x10, 0x10,
    0xa2, 0x11, 0x11, 0xa2, 0x12, 0x12, 0xa2, 0x13, 0x13, 0xa2, 0x14, 0x14, 0xa2, 0x15, 0x15, 0xa2,
    0x16, 0x16, 0xa2, 0x17, 0x17, 0xa2, 0x18, 0x18, 0xa2, 0x19, 0x19, 0xa2, 0x1a, 0x1a, 0xa2, 0x1b,
    0x1b, 0xa2, 0x1c, 0x1c, 0xa2, 0x1d, 0x1d, 0xa2, 0x1e, 0x1e, 0xa2, 0x1f, 0x1f, 0xa2, 0x20, 0x20,
    0xa2, 0x21, 0x21, 0xa2, 0x22, 0x22, 0xa2, 0x23, 0x23, 0xa2, 0x24, 0x24, 0xa2, 0x25, 0x25, 0xa2,
    0x26, 0x26, 0xa2, 0x27, 0x27, 0xa2, 0x28, 0x28, 0xa2, 0x29, 0x29, 0xa2, 0x2a, 0x2a, 0xa2, 0x2b,
    0x2b, 0xa2, 0x2c, 0x2c, 0xa2, 0x2d, 0x2d, 0xa2, 0x2e, 0x2e, 0xa1, 0x2f, 0x51, 0x78, 0x08, 0x0f,
    0x1b, 0x21, 0x23, 0x30, 0x32, 0x35, 0x38, 0x3b, 0x3e, 0x41, 0x44, 0x47, 0x4a, 0x4d, 0x50, 0x53,
    0x56, 0x59, 0x5c, 0x5f, 0x62, 0x65, 0x68, 0x6b, 0x6e, 0x71, 0x74, 0x77, 0x7a, 0x7d, 0x80, 0x83,
    0x86, 0x89, 0x8c, 0x8f, 0x92, 0x95, 0x98, 0x9b, 0x9e, 0xa1, 0xa4, 0xa7, 0xaa, 0xac, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xae,
];

/// `"[0]"` repeated `n` times.
fn indices(n: usize) -> String {
    "[0]".repeat(n)
}

/// Takes a (possibly very deep) value apart without recursion, so that dropping it cannot
/// overflow the stack whatever its depth.
fn dismantle(v: Value) {
    let mut pending = vec![v];
    while let Some(v) = pending.pop() {
        match v {
            Value::Array(a) => pending.extend(a),
            Value::Dictionary(d) => pending.extend(d.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

#[test]
fn hostile_inputs_get_typed_errors_in_bounded_memory() {
    depth();
    doctype_and_entities();
    sizes();
    utf8_and_encoding();
    integers();
    wrong_types();
    duplicate_keys();
    truncation();
    trailing_data();
    binary_dag();
    errors_never_echo_secrets();
}

fn depth() {
    const N: usize = 100_000;
    let opens = "<array>".repeat(N);

    // 100 000 unclosed arrays: refused at depth 33 (the root array is depth 1).
    let input = doc(&opens);
    bounded(
        "depth: 100k arrays, Value",
        BUDGET,
        || Value::from_xml(&input),
        |r| {
            let e = expect_err(
                "depth/value",
                r,
                &K::LimitExceeded(Limit::Depth),
                &indices(32),
            );
            assert!(e.offset().is_some());
        },
    );

    // The same nesting under a key of a check-in message and of a command report.
    let input = checkin("Authenticate", &format!("<key>X</key>{opens}"));
    let path = format!("X{}", indices(31));
    bounded(
        "depth: 100k arrays, CheckinMessage",
        BUDGET,
        || CheckinMessage::from_xml(&input),
        |r| {
            expect_err("depth/checkin", r, &K::LimitExceeded(Limit::Depth), &path);
        },
    );
    let input = report(&format!("<key>X</key>{opens}"));
    bounded(
        "depth: 100k arrays, CommandReport",
        BUDGET,
        || CommandReport::from_xml(&input),
        |r| {
            expect_err("depth/report", r, &K::LimitExceeded(Limit::Depth), &path);
        },
    );

    // A raised depth limit and a small input: the decoder is iterative, so it never overflows
    // the stack. Unclosed, the input ends inside the innermost array.
    let deep = Limits::default().with_max_depth(1_000_000);
    let input = format!("<plist>{opens}").into_bytes();
    assert!(input.len() < Limits::DEFAULT.max_input_bytes);
    bounded(
        "depth: 100k unclosed arrays, max_depth 1M",
        BUDGET,
        || Value::from_xml_with_limits(&input, &deep),
        |r| {
            expect_err("depth/raised", r, &K::UnexpectedEof, &indices(N));
        },
    );
    let input = format!(
        "<plist><dict><key>MessageType</key><string>Authenticate</string><key>X</key>{opens}"
    )
    .into_bytes();
    bounded(
        "depth: 100k unclosed arrays in a check-in, max_depth 1M",
        BUDGET,
        || CheckinMessage::from_xml_with_limits(&input, &deep),
        |r| expect_kind("depth/raised/checkin", r, &K::UnexpectedEof),
    );

    // Closed, it decodes. (The result is taken apart iteratively: `Value`'s own drop glue
    // recurses once per level, which a 100 000-deep tree overflows.)
    let input = doc(&format!("{opens}{}", "</array>".repeat(N)));
    bounded(
        "depth: 100k closed arrays, max_depth 1M",
        BUDGET,
        || {
            let r = Value::from_xml_with_limits(&input, &deep);
            let mut depth = 0usize;
            if let Ok(v) = &r {
                let mut cur = v;
                while let Value::Array(a) = cur {
                    depth += 1;
                    match a.first() {
                        Some(inner) => cur = inner,
                        None => break,
                    }
                }
            }
            let ok = r.is_ok();
            if let Ok(v) = r {
                dismantle(v);
            }
            (ok, depth)
        },
        |&(ok, depth)| {
            assert!(ok, "depth/raised/closed: decodes");
            assert_eq!(depth, N);
        },
    );
}

fn doctype_and_entities() {
    // Billion laughs: an internal subset of nested entities.
    let mut laughs = String::from(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n <!ELEMENT lolz (#PCDATA)>\n",
    );
    let _ = writeln!(laughs, " <!ENTITY lol1 \"{}\">", "&lol;".repeat(10));
    for i in 2..=9 {
        let _ = writeln!(
            laughs,
            " <!ENTITY lol{i} \"{}\">",
            format!("&lol{};", i - 1).repeat(10)
        );
    }
    laughs.push_str("]>\n<plist version=\"1.0\"><string>&lol9;</string></plist>\n");
    let input = laughs.into_bytes();
    bounded(
        "billion laughs, Value",
        BUDGET,
        || Value::from_xml(&input),
        |r| {
            expect_err("laughs", r, &K::DoctypeForbidden, "");
        },
    );
    let laughs_checkin = String::from_utf8(input.clone()).unwrap().replace(
        "<string>&lol9;</string>",
        "<dict><key>MessageType</key><string>&lol9;</string></dict>",
    );
    bounded(
        "billion laughs, CheckinMessage",
        BUDGET,
        || CheckinMessage::from_xml(laughs_checkin.as_bytes()),
        |r| {
            expect_err("laughs/checkin", r, &K::DoctypeForbidden, "");
        },
    );

    // External entities, with and without an internal subset.
    let xxe = b"<?xml version=\"1.0\"?>\n<!DOCTYPE plist [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n\
        <plist version=\"1.0\"><dict><key>Status</key><string>&xxe;</string></dict></plist>";
    bounded(
        "external entity, CommandReport",
        BUDGET,
        || CommandReport::from_xml(xxe),
        |r| {
            expect_err("xxe", r, &K::DoctypeForbidden, "");
        },
    );
    let system = b"<!DOCTYPE plist SYSTEM \"file:///etc/passwd\"><plist><string>x</string></plist>";
    bounded(
        "external DTD, Value",
        BUDGET,
        || Value::from_xml(system),
        |r| {
            expect_err("system dtd", r, &K::DoctypeForbidden, "");
        },
    );
    // A second DOCTYPE after the root element.
    let late = doc("<dict/>\n<!DOCTYPE plist>");
    bounded(
        "late DOCTYPE",
        BUDGET,
        || Value::from_xml(&late),
        |r| expect_kind("late doctype", r, &K::TrailingData),
    );

    // An entity reference without any DOCTYPE, in a string, a key and between elements.
    let input = checkin("Authenticate", "<key>UDID</key><string>a&xxe;b</string>");
    bounded(
        "undefined entity in a string",
        BUDGET,
        || CheckinMessage::from_xml(&input),
        |r| expect_kind("entity/string", r, &K::EntityForbidden),
    );
    let input = doc("<dict><key>&xxe;</key><string>v</string></dict>");
    bounded(
        "undefined entity in a key",
        BUDGET,
        || Value::from_xml(&input),
        |r| expect_kind("entity/key", r, &K::EntityForbidden),
    );
    let input = doc("<array>&xxe;</array>");
    bounded(
        "undefined entity between elements",
        BUDGET,
        || Value::from_xml(&input),
        |r| expect_kind("entity/between", r, &K::EntityForbidden),
    );
    // The five predefined entities and character references are fine.
    let input = doc("<string>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;</string>");
    let v = Value::from_xml(&input).unwrap();
    assert_eq!(v.as_str(), Some("<>&'\"AB"));
}

fn sizes() {
    // 50 MB of base64 data: over the default input limit before any parsing.
    let mut input = Vec::with_capacity(50_000_100);
    input.extend_from_slice(b"<plist><data>");
    input.resize(13 + 50_000_000, b'A');
    input.extend_from_slice(b"</data></plist>");
    bounded(
        "50 MB data, default limits",
        BUDGET,
        || Value::from_xml(&input),
        |r| {
            let e = expect_err("50MB/input", r, &K::LimitExceeded(Limit::InputBytes), "");
            assert_eq!(e.offset(), Some(0));
        },
    );
    // With the input limit raised: refused by the data limit, before decoding the base64.
    // (The reader does copy the base64 text once to drop its whitespace; that copy is bounded
    // by the input size, hence the budget in input lengths.)
    let limits = Limits::default().with_max_input_bytes(100 << 20);
    bounded(
        "50 MB data, input limit 100 MiB",
        3 * input.len(),
        || Value::from_xml_with_limits(&input, &limits),
        |r| {
            expect_err("50MB/data", r, &K::LimitExceeded(Limit::DataBytes), "");
        },
    );
    let big_token = {
        let mut s = String::from(
            "<plist><dict><key>MessageType</key><string>TokenUpdate</string><key>Token</key><data>",
        );
        s.push_str(&"AAAA".repeat(3 * MIB));
        s.push_str("</data></dict></plist>");
        s.into_bytes()
    };
    bounded(
        "12 MiB Token data in a TokenUpdate, input limit 100 MiB",
        3 * big_token.len(),
        || CheckinMessage::from_xml_with_limits(&big_token, &limits),
        |r| {
            expect_err(
                "token/data",
                r,
                &K::LimitExceeded(Limit::DataBytes),
                "Token",
            );
        },
    );
    drop(input);

    // A 2 MB string (over the 1 MiB default).
    let big = "x".repeat(2_000_000);
    let input = doc(&format!("<string>{big}</string>"));
    bounded(
        "2 MB string, Value",
        BUDGET,
        || Value::from_xml(&input),
        |r| {
            expect_err("2MB/value", r, &K::LimitExceeded(Limit::StringBytes), "");
        },
    );
    let input = checkin(
        "Authenticate",
        &format!("<key>DeviceName</key><string>{big}</string>"),
    );
    bounded(
        "2 MB string, CheckinMessage",
        BUDGET,
        || CheckinMessage::from_xml(&input),
        |r| expect_kind("2MB/checkin", r, &K::LimitExceeded(Limit::StringBytes)),
    );
    // Split across many pieces by character references: still counted as one string.
    let pieces = "xxxxxxxxxx&#65;".repeat(100_000);
    let input = report(&format!("<key>Body</key><string>{pieces}</string>"));
    bounded(
        "1.1 MB string in pieces, CommandReport",
        BUDGET,
        || CommandReport::from_xml(&input),
        |r| {
            expect_err(
                "pieces/report",
                r,
                &K::LimitExceeded(Limit::StringBytes),
                "Body",
            );
        },
    );
    // A 2 MB key.
    let input = doc(&format!("<dict><key>{big}</key><true/></dict>"));
    bounded(
        "2 MB key, Value",
        BUDGET,
        || Value::from_xml(&input),
        |r| expect_kind("2MB/key", r, &K::LimitExceeded(Limit::StringBytes)),
    );

    // 2 million tiny items, with the input limit raised so that the item limit is what stops
    // them. The tree holds up to a million values before the limit hits: budget in input lengths.
    let items = format!("<array>{}</array>", "<true/>".repeat(2_000_000));
    let input = doc(&items);
    let raised = Limits::default().with_max_input_bytes(64 << 20);
    bounded(
        "2M items, Value",
        8 * input.len(),
        || Value::from_xml_with_limits(&input, &raised),
        |r| {
            expect_err(
                "items/value",
                r,
                &K::LimitExceeded(Limit::Items),
                "[999999]",
            );
        },
    );
    let input = report(&format!("<key>Items</key>{items}"));
    bounded(
        "2M items, CommandReport",
        8 * input.len(),
        || CommandReport::from_xml_with_limits(&input, &raised),
        |r| expect_kind("items/report", r, &K::LimitExceeded(Limit::Items)),
    );
    let input = checkin("CheckOut", &format!("<key>Items</key>{items}"));
    bounded(
        "2M items, CheckinMessage",
        8 * input.len(),
        || CheckinMessage::from_xml_with_limits(&input, &raised),
        |r| expect_kind("items/checkin", r, &K::LimitExceeded(Limit::Items)),
    );
    // Empty containers count as items too.
    let input = doc(&format!("<array>{}</array>", "<dict/>".repeat(2_000_000)));
    bounded(
        "2M empty dicts, Value",
        8 * input.len(),
        || Value::from_xml_with_limits(&input, &raised),
        |r| expect_kind("items/dicts", r, &K::LimitExceeded(Limit::Items)),
    );
}

fn utf8_and_encoding() {
    // Invalid UTF-8: the offset is that of the first bad byte.
    let mut input = doc("<string>caf\u{e9}");
    let bad_at = input.len();
    input.extend_from_slice(b"\xff\xfe</string>");
    input.extend_from_slice(b"\n</plist>\n");
    bounded(
        "invalid UTF-8, Value",
        BUDGET,
        || Value::from_xml(&input),
        |r| {
            let e = expect_err("utf8", r, &K::InvalidUtf8, "");
            assert_eq!(e.offset(), Some(bad_at as u64));
        },
    );
    // A truncated multi-byte sequence at the very end.
    let mut input = checkin("Authenticate", "<key>DeviceName</key><string>x</string>");
    let bad_at = input.len();
    input.push(0xE2);
    input.push(0x82);
    bounded(
        "truncated UTF-8 sequence, CheckinMessage",
        BUDGET,
        || CheckinMessage::from_xml(&input),
        |r| {
            let e = expect_err("utf8/truncated", r, &K::InvalidUtf8, "");
            assert_eq!(e.offset(), Some(bad_at as u64));
        },
    );
    // An overlong encoding of '<' (0xC0 0xBC) right at the start.
    let input = b"\xC0\xBCplist>".to_vec();
    bounded(
        "overlong UTF-8",
        BUDGET,
        || CommandReport::from_xml(&input),
        |r| {
            let e = expect_err("utf8/overlong", r, &K::InvalidUtf8, "");
            assert_eq!(e.offset(), Some(0));
        },
    );

    // A declaration naming another encoding.
    for enc in ["UTF-16", "utf-16le", "ISO-8859-1", "Shift_JIS"] {
        let input = format!(
            "<?xml version=\"1.0\" encoding=\"{enc}\"?>\n<plist version=\"1.0\"><dict>\
             <key>Status</key><string>Idle</string></dict></plist>"
        );
        bounded(
            "encoding declaration",
            BUDGET,
            || CommandReport::from_xml(input.as_bytes()),
            |r| {
                expect_err(enc, r, &K::UnsupportedEncoding, "");
            },
        );
    }
    // UTF-8 under its two spellings is fine.
    for enc in ["UTF-8", "utf8"] {
        let input =
            format!("<?xml version=\"1.0\" encoding=\"{enc}\"?><plist><string>x</string></plist>");
        assert_eq!(
            Value::from_xml(input.as_bytes()).unwrap().as_str(),
            Some("x")
        );
    }
}

fn integers() {
    for (name, text) in [
        ("u64::MAX + 1", "18446744073709551616"),
        ("i64::MIN - 1", "-9223372036854775809"),
        ("100 digits", &*"9".repeat(100)),
        ("hex over u64", "0x10000000000000000"),
    ] {
        let input = doc(&format!(
            "<dict><key>N</key><integer>{text}</integer></dict>"
        ));
        bounded(
            name,
            BUDGET,
            || Value::from_xml(&input),
            |r| {
                expect_err(name, r, &K::IntegerOutOfRange, "N");
            },
        );
    }
    let input = doc("<integer>18446744073709551616</integer>");
    let r = Value::from_xml(&input);
    expect_err("u64::MAX + 1 at the root", &r, &K::IntegerOutOfRange, "");

    // The extremes of the range decode into Value.
    let input = doc("<array><integer>18446744073709551615</integer>\
         <integer>-9223372036854775808</integer></array>");
    let v = Value::from_xml(&input).unwrap();
    let a = v.as_array().unwrap();
    assert_eq!(a[0].as_u64(), Some(u64::MAX));
    assert_eq!(a[0].as_i64(), None);
    assert_eq!(a[1].as_i64(), Some(i64::MIN));
    assert_eq!(a[1].as_u64(), None);

    // A typed i64 field refuses u64::MAX: ErrorChain[0].ErrorCode.
    let input = doc(
        "<dict><key>Status</key><string>Error</string><key>ErrorChain</key><array><dict>\
         <key>ErrorCode</key><integer>18446744073709551615</integer>\
         <key>ErrorDomain</key><string>D</string></dict></array></dict>",
    );
    let r = CommandReport::from_xml(&input);
    expect_err(
        "i64 field",
        &r,
        &K::IntegerOutOfRange,
        "ErrorChain[0].ErrorCode",
    );
}

fn wrong_types() {
    // TokenUpdate whose Token is a string.
    let input = checkin(
        "TokenUpdate",
        "<key>PushMagic</key><string>M</string><key>Token</key><string>dG9rZW4=</string>",
    );
    bounded(
        "Token as string",
        BUDGET,
        || CheckinMessage::from_xml(&input),
        |r| {
            expect_err(
                "token/string",
                r,
                &K::WrongType {
                    expected: "data",
                    found: "string",
                },
                "Token",
            );
        },
    );
    // A report whose ErrorChain[0].ErrorCode is a string.
    let input = doc(
        "<dict><key>CommandUUID</key><string>C</string><key>ErrorChain</key><array><dict>\
         <key>ErrorCode</key><string>-909</string>\
         <key>ErrorDomain</key><string>NSOSStatusErrorDomain</string></dict></array>\
         <key>Status</key><string>Error</string></dict>",
    );
    bounded(
        "ErrorCode as string",
        BUDGET,
        || CommandReport::from_xml(&input),
        |r| {
            expect_err(
                "errorcode/string",
                r,
                &K::WrongType {
                    expected: "integer",
                    found: "string",
                },
                "ErrorChain[0].ErrorCode",
            );
        },
    );
    // The second item of the chain, and ErrorChain itself not an array.
    let input = doc("<dict><key>ErrorChain</key><array>\
         <dict><key>ErrorCode</key><integer>1</integer><key>ErrorDomain</key><string>D</string></dict>\
         <dict><key>ErrorCode</key><integer>2</integer><key>ErrorDomain</key><true/></dict>\
         </array><key>Status</key><string>Error</string></dict>");
    let r = CommandReport::from_xml(&input);
    expect_err(
        "errordomain/bool",
        &r,
        &K::WrongType {
            expected: "string",
            found: "boolean",
        },
        "ErrorChain[1].ErrorDomain",
    );
    let input =
        doc("<dict><key>ErrorChain</key><dict/><key>Status</key><string>Error</string></dict>");
    let r = CommandReport::from_xml(&input);
    expect_err(
        "errorchain/dict",
        &r,
        &K::WrongType {
            expected: "array",
            found: "dictionary",
        },
        "ErrorChain",
    );
    // A nested generated struct: GetToken's TokenParameters.PhoneUDID as an integer.
    let input = doc("<dict><key>MessageType</key><string>GetToken</string>\
         <key>TokenParameters</key><dict><key>PhoneUDID</key><integer>1</integer></dict>\
         <key>TokenServiceType</key><string>com.apple.watch.pairing</string></dict>");
    let r = CheckinMessage::from_xml(&input);
    expect_err(
        "tokenparameters",
        &r,
        &K::WrongType {
            expected: "string",
            found: "integer",
        },
        "TokenParameters.PhoneUDID",
    );
    // A root that is not a dictionary.
    let input = doc("<array/>");
    let r = CheckinMessage::from_xml(&input);
    expect_err(
        "root array",
        &r,
        &K::WrongType {
            expected: "dictionary",
            found: "array",
        },
        "",
    );
    // MessageType that is not a string.
    let input = doc("<dict><key>MessageType</key><integer>1</integer></dict>");
    let r = CheckinMessage::from_xml(&input);
    expect_err(
        "messagetype/int",
        &r,
        &K::WrongType {
            expected: "string",
            found: "another type",
        },
        "MessageType",
    );
    // Missing required keys.
    let input = checkin("TokenUpdate", "<key>PushMagic</key><string>M</string>");
    let r = CheckinMessage::from_xml(&input);
    expect_err("token missing", &r, &K::MissingKey, "Token");
    let input = doc("<dict><key>UDID</key><string>U</string></dict>");
    let r = CommandReport::from_xml(&input);
    expect_err("status missing", &r, &K::MissingKey, "Status");
}

fn duplicate_keys() {
    // Top level, in a Value and in typed messages (known key, MessageType, unknown key).
    let input = doc("<dict><key>A</key><true/><key>B</key><true/><key>A</key><false/></dict>");
    bounded(
        "duplicate, Value top level",
        BUDGET,
        || Value::from_xml(&input),
        |r| {
            expect_err("dup/value", r, &K::DuplicateKey, "A");
        },
    );
    let input = checkin("CheckOut", "<key>Topic</key><string>again</string>");
    let r = CheckinMessage::from_xml(&input);
    expect_err("dup/topic", &r, &K::DuplicateKey, "Topic");
    let input = checkin(
        "CheckOut",
        "<key>MessageType</key><string>CheckOut</string>",
    );
    let r = CheckinMessage::from_xml(&input);
    expect_err("dup/messagetype", &r, &K::DuplicateKey, "MessageType");
    let input = checkin(
        "CheckOut",
        "<key>Vendor</key><string>1</string><key>Vendor</key><string>2</string>",
    );
    let r = CheckinMessage::from_xml(&input);
    expect_err("dup/unknown", &r, &K::DuplicateKey, "Vendor");
    let input = report("<key>Status</key><string>Acknowledged</string>");
    let r = CommandReport::from_xml(&input);
    expect_err("dup/status", &r, &K::DuplicateKey, "Status");

    // Nested: in a dictionary inside an array inside a dictionary.
    let input = report(
        "<key>ProfileList</key><array><dict/><dict><key>PayloadUUID</key><string>1</string>\
         <key>PayloadUUID</key><string>2</string></dict></array>",
    );
    bounded(
        "duplicate, nested in a report body",
        BUDGET,
        || CommandReport::from_xml(&input),
        |r| {
            expect_err(
                "dup/nested",
                r,
                &K::DuplicateKey,
                "ProfileList[1].PayloadUUID",
            );
        },
    );
    let input = doc("<dict><key>Outer</key><dict><key>Inner</key><array><dict>\
         <key>K</key><integer>1</integer><key>K</key><integer>2</integer>\
         </dict></array></dict></dict>");
    let r = Value::from_xml(&input);
    expect_err("dup/value nested", &r, &K::DuplicateKey, "Outer.Inner[0].K");
    let input = doc(
        "<dict><key>ErrorChain</key><array><dict><key>ErrorCode</key><integer>1</integer>\
         <key>ErrorCode</key><integer>1</integer><key>ErrorDomain</key><string>D</string>\
         </dict></array><key>Status</key><string>Error</string></dict>",
    );
    let r = CommandReport::from_xml(&input);
    expect_err(
        "dup/errorchain",
        &r,
        &K::DuplicateKey,
        "ErrorChain[0].ErrorCode",
    );

    // More than 16 keys, so that duplicates are found through the hash index.
    let mut many = String::new();
    for i in 0..40 {
        let _ = write!(many, "<key>Key{i:02}</key><integer>{i}</integer>");
    }
    let input = doc(&format!("<dict>{many}<key>Key07</key><true/></dict>"));
    bounded(
        "duplicate, 41 keys, Value",
        BUDGET,
        || Value::from_xml(&input),
        |r| {
            expect_err("dup/hashed/value", r, &K::DuplicateKey, "Key07");
        },
    );
    let input = doc(&format!(
        "<dict><key>N</key><array><dict>{many}<key>Key39</key><true/></dict></array></dict>"
    ));
    let r = Value::from_xml(&input);
    expect_err("dup/hashed/nested", &r, &K::DuplicateKey, "N[0].Key39");
    let input = checkin("Authenticate", &format!("{many}<key>Key16</key><true/>"));
    bounded(
        "duplicate, 40 unknown keys, CheckinMessage",
        BUDGET,
        || CheckinMessage::from_xml(&input),
        |r| {
            expect_err("dup/hashed/checkin", r, &K::DuplicateKey, "Key16");
        },
    );
    let input = report(&format!("{many}<key>Key00</key><true/>"));
    let r = CommandReport::from_xml(&input);
    expect_err("dup/hashed/report", &r, &K::DuplicateKey, "Key00");
    // The 17th key (the one that builds the index) and the 1st key both still count.
    let input = doc(&format!("<dict>{many}<key>Key16</key><true/></dict>"));
    let r = Value::from_xml(&input);
    expect_err("dup/hashed/17th", &r, &K::DuplicateKey, "Key16");

    // Many distinct keys stay linear: 200 000 keys decode in one go.
    let mut huge = String::from("<dict>");
    for i in 0..200_000 {
        let _ = write!(huge, "<key>k{i}</key><true/>");
    }
    huge.push_str("</dict>");
    let input = doc(&huge);
    bounded(
        "200k distinct keys, Value",
        BUDGET,
        || Value::from_xml(&input).map(|v| v.as_dictionary().map(|d| d.len())),
        |r| assert_eq!(r.as_ref().ok(), Some(&Some(200_000))),
    );
}

fn truncation() {
    let full = TOKEN_UPDATE.as_bytes();
    assert!(matches!(
        CheckinMessage::from_xml(full).unwrap(),
        CheckinMessage::TokenUpdate(_)
    ));
    let mut cut = 0;
    while cut < full.len() {
        let input = &full[..cut];
        for r in [
            CheckinMessage::from_xml(input).map(|_| ()),
            Value::from_xml(input).map(|_| ()),
            mdmkit::apple::Inbound::from_xml(input).map(|_| ()),
        ] {
            match r {
                Err(e) => assert!(
                    matches!(e.kind(), K::UnexpectedEof | K::Syntax),
                    "cut at {cut}: {e:?}"
                ),
                Ok(()) => panic!("cut at {cut}: decoded a truncated document"),
            }
        }
        cut += 7;
    }
    // Cut inside the base64 of Token, and right before `</plist>`.
    let at = TOKEN_UPDATE.find("LzAx").unwrap();
    let r = CheckinMessage::from_xml(&full[..at]);
    expect_kind("cut in data", &r, &K::UnexpectedEof);
    let at = TOKEN_UPDATE.find("</plist>").unwrap();
    let r = CheckinMessage::from_xml(&full[..at]);
    expect_kind("cut before </plist>", &r, &K::UnexpectedEof);
    let r = Value::from_xml(b"");
    expect_kind("empty input", &r, &K::UnexpectedEof);
}

fn trailing_data() {
    let base = TOKEN_UPDATE.trim_end();
    for (name, tail) in [
        ("text", "garbage"),
        ("second plist", "<plist><dict/></plist>"),
        ("element", "<dict/>"),
    ] {
        let input = format!("{base}\n{tail}\n");
        bounded(
            name,
            BUDGET,
            || CheckinMessage::from_xml(input.as_bytes()),
            |r| expect_kind(name, r, &K::TrailingData),
        );
    }
    // A stray end tag after the document is not well-formed XML: the XML reader itself refuses
    // it (an end tag with no open element) before the plist layer sees a trailing event.
    let input = format!("{base}\n</plist>\n");
    let r = CheckinMessage::from_xml(input.as_bytes());
    expect_kind("stray close tag", &r, &K::Syntax);
    // A second root value inside <plist>.
    let input = doc("<dict/><dict/>");
    let r = Value::from_xml(&input);
    expect_kind("second root", &r, &K::TrailingData);
    // Whitespace, comments and processing instructions after the document are fine.
    let input = format!("{base}\n<!-- c -->\n<?pi x?>\n  \n");
    assert!(CheckinMessage::from_xml(input.as_bytes()).is_ok());
}

fn binary_dag() {
    // Default limits: the 40 levels are refused at depth 33 long before the expansion matters.
    bounded(
        "binary DAG, Value, default limits",
        BUDGET,
        || Value::from_xml(&BINARY_DAG),
        |r| {
            expect_err(
                "dag/depth",
                r,
                &K::LimitExceeded(Limit::Depth),
                &format!("X{}", indices(31)),
            );
        },
    );
    bounded(
        "binary DAG, CheckinMessage, default limits",
        BUDGET,
        || CheckinMessage::from_xml(&BINARY_DAG),
        |r| expect_kind("dag/depth/checkin", r, &K::LimitExceeded(Limit::Depth)),
    );
    // Depth allowed: the item limit stops the expansion. Up to a million values are built
    // first (about 200 bytes each here: two-element arrays), so this budget is larger.
    let deep = Limits::default().with_max_depth(64);
    bounded(
        "binary DAG, Value, max_depth 64",
        512 * MIB,
        || Value::from_xml_with_limits(&BINARY_DAG, &deep),
        |r| expect_kind("dag/items", r, &K::LimitExceeded(Limit::Items)),
    );
    bounded(
        "binary DAG, CheckinMessage, max_depth 64",
        512 * MIB,
        || CheckinMessage::from_xml_with_limits(&BINARY_DAG, &deep),
        |r| expect_kind("dag/items/checkin", r, &K::LimitExceeded(Limit::Items)),
    );
    let tight = deep.with_max_items(10_000);
    bounded(
        "binary DAG, Value, max_depth 64, max_items 10k",
        8 * MIB,
        || Value::from_xml_with_limits(&BINARY_DAG, &tight),
        |r| expect_kind("dag/items/tight", r, &K::LimitExceeded(Limit::Items)),
    );
}

/// What an error prints itself: Display and Debug.
fn own_text(e: &DecodeError) -> String {
    format!("{e}\n{e:?}\n{e:#?}")
}

/// The texts of the error's source chain.
fn source_text(e: &DecodeError) -> String {
    let mut s = String::new();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        let _ = write!(s, "\n{inner}\n{inner:?}");
        src = inner.source();
    }
    s
}

fn errors_never_echo_secrets() {
    const MAGIC: &str = "SECRET-PUSHMAGIC-5A0C1E";
    const TOKEN: &str = "SECRETTOKENdGhpcyBpcyBzZWNyZXQ";
    let cases: Vec<(&str, Vec<u8>, K)> = vec![
        (
            "PushMagic as data",
            checkin(
                "TokenUpdate",
                &format!(
                    "<key>PushMagic</key><data>{TOKEN}</data><key>Token</key><data>AA==</data>"
                ),
            ),
            K::WrongType {
                expected: "string",
                found: "data",
            },
        ),
        (
            "Token as string",
            checkin(
                "TokenUpdate",
                &format!(
                    "<key>PushMagic</key><string>{MAGIC}</string><key>Token</key><string>{TOKEN}</string>"
                ),
            ),
            K::WrongType {
                expected: "data",
                found: "string",
            },
        ),
        (
            "PushMagic as a dictionary holding the secret",
            checkin(
                "TokenUpdate",
                &format!(
                    "<key>PushMagic</key><dict><key>{MAGIC}</key><string>{TOKEN}</string></dict>"
                ),
            ),
            K::WrongType {
                expected: "string",
                found: "dictionary",
            },
        ),
        (
            "Topic missing next to a PushMagic",
            doc(&format!(
                "<dict><key>MessageType</key><string>TokenUpdate</string>\
                 <key>PushMagic</key><string>{MAGIC}</string><key>Token</key><data>AA==</data></dict>"
            )),
            K::MissingKey,
        ),
        (
            "bad base64 in UnlockToken",
            checkin(
                "TokenUpdate",
                &format!(
                    "<key>PushMagic</key><string>{MAGIC}</string><key>Token</key><data>AA==</data>\
                     <key>UnlockToken</key><data>{TOKEN}$$$</data>"
                ),
            ),
            K::InvalidValue("base64 data"),
        ),
        (
            "secret as an entity name",
            checkin(
                "TokenUpdate",
                &format!("<key>PushMagic</key><string>&{TOKEN};</string>"),
            ),
            K::EntityForbidden,
        ),
        (
            "secret in a mismatched end tag",
            checkin(
                "TokenUpdate",
                &format!("<key>PushMagic</key><string>{MAGIC}</{TOKEN}>"),
            ),
            K::Syntax,
        ),
        (
            "DigestResponse as an integer",
            doc(
                "<dict><key>MessageType</key><string>UserAuthenticate</string>\
                 <key>UDID</key><string>U</string><key>UserID</key><string>I</string>\
                 <key>DigestResponse</key><integer>918273645546372819</integer></dict>",
            ),
            K::WrongType {
                expected: "string",
                found: "integer",
            },
        ),
        (
            "out-of-range integer",
            report("<key>Secret</key><integer>918273645546372819918273645546372819</integer>"),
            K::IntegerOutOfRange,
        ),
    ];
    for (name, input, kind) in cases {
        let r = if name == "out-of-range integer" {
            CommandReport::from_xml(&input).map(|_| ())
        } else {
            CheckinMessage::from_xml(&input).map(|_| ())
        };
        let e = match r {
            Ok(()) => panic!("{name}: decoded"),
            Err(e) => e,
        };
        assert_eq!(e.kind(), &kind, "{name}: {e:?}");
        let text = own_text(&e);
        // The source chain holds the underlying reader's error; quick-xml's mismatched-end-tag
        // error quotes the tag name it found, which is input text (see the report), so that
        // one case is only held to the error's own Display and Debug.
        let chain = if name == "secret in a mismatched end tag" {
            String::new()
        } else {
            source_text(&e)
        };
        for secret in [MAGIC, TOKEN, "SECRET", "918273645546372819"] {
            assert!(
                !text.contains(secret),
                "{name}: error text leaks {secret:?}: {text}"
            );
            assert!(
                !chain.contains(secret),
                "{name}: source chain leaks {secret:?}: {chain}"
            );
        }
    }
}
