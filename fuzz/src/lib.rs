//! Oracles shared by the mdmkit fuzz targets.
//!
//! Every check panics (so libFuzzer reports a crash with the input) when mdmkit breaks one of its
//! documented promises: decoders never panic, the writer produces XML the reader accepts, a
//! decode → encode → decode cycle keeps the value, unknown keys are kept in order, and a typed
//! decoder never accepts a document the untyped [`Value`] decoder refuses.

use mdmkit::apple::Inbound;
use mdmkit::apple::checkin::{
    Authenticate, CheckOut, CheckinMessage, DeclarativeManagement, GetBootstrapToken, GetToken,
    GetTokenTokenParameters as TokenParameters, SetBootstrapToken, TokenUpdate, UserAuthenticate,
};
use mdmkit::apple::plist::{Dictionary, Value};
use mdmkit::apple::report::CommandReport;

/// Whether `data` is decoded as a binary plist.
pub fn is_binary(data: &[u8]) -> bool {
    data.starts_with(b"bplist00")
}

/// Whether XML 1.0 can carry `c` in text (the writer's rule, restated independently).
pub fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn str_has_non_xml_char(s: &str) -> bool {
    !s.chars().all(xml_char)
}

/// Whether any string or dictionary key in `v` holds a character XML cannot carry.
pub fn has_non_xml_char(v: &Value) -> bool {
    match v {
        Value::String(s) => str_has_non_xml_char(s),
        Value::Array(a) => a.iter().any(has_non_xml_char),
        Value::Dictionary(d) => dict_has_non_xml_char(d),
        _ => false,
    }
}

/// [`has_non_xml_char`] for a dictionary's keys and values.
pub fn dict_has_non_xml_char(d: &Dictionary) -> bool {
    d.iter()
        .any(|(k, v)| str_has_non_xml_char(k) || has_non_xml_char(v))
}

/// Whether any dictionary key in `v` has leading or trailing ASCII whitespace. The XML reader
/// trims keys, the binary reader does not, and the writer writes them as they are: such a key
/// from a binary plist changes (or collides with another key) when its XML form is read back.
pub fn has_padded_key(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter().any(has_padded_key),
        Value::Dictionary(d) => d.iter().any(|(k, v)| {
            k.trim_matches(|c: char| c.is_ascii_whitespace()).len() != k.len() || has_padded_key(v)
        }),
        _ => false,
    }
}

/// Whether `v` holds a NaN real (NaN is unequal to itself, so `==` cannot be used).
pub fn has_nan(v: &Value) -> bool {
    match v {
        Value::Real(r) => r.is_nan(),
        Value::Array(a) => a.iter().any(has_nan),
        Value::Dictionary(d) => d.iter().any(|(_, v)| has_nan(v)),
        _ => false,
    }
}

/// Whether `v` holds a date with a sub-second part (the XML writer keeps whole seconds).
pub fn has_subsec_date(v: &Value) -> bool {
    match v {
        Value::Date(d) => d.subsec_nanos() != 0,
        Value::Array(a) => a.iter().any(has_subsec_date),
        Value::Dictionary(d) => d.iter().any(|(_, v)| has_subsec_date(v)),
        _ => false,
    }
}

/// First and last second the XML date form (`YYYY-MM-DDTHH:MM:SSZ`, four-digit year) can write.
const XML_DATE_MIN: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
const XML_DATE_MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z

/// Whether `v` holds a date outside years 0000–9999 UTC. The readers accept such dates (an XML
/// date near the ends of the range with a time-zone offset or a leap second, a binary date), but
/// the writer then prints a five-digit or negative year that the reader refuses: a known mdmkit
/// bug (see fuzz/README.md), tolerated here so the targets keep looking for others.
pub fn has_unwritable_date(v: &Value) -> bool {
    match v {
        Value::Date(d) => !(XML_DATE_MIN..=XML_DATE_MAX).contains(&d.unix_seconds()),
        Value::Array(a) => a.iter().any(has_unwritable_date),
        Value::Dictionary(d) => d.iter().any(|(_, v)| has_unwritable_date(v)),
        _ => false,
    }
}

/// Equality as the XML form carries values: a NaN real equals a NaN real, and dates compare at
/// whole seconds (rounded down). Dictionaries compare in order.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Real(x), Value::Real(y)) => (x.is_nan() && y.is_nan()) || x == y,
        (Value::Date(x), Value::Date(y)) => x.unix_seconds() == y.unix_seconds(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Dictionary(x), Value::Dictionary(y)) => same_dict(x, y),
        _ => a == b,
    }
}

/// [`same`] for dictionaries: same keys in the same order, values [`same`].
pub fn same_dict(a: &Dictionary, b: &Dictionary) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
}

/// The entries of `d` whose key is not in `known`, in order.
pub fn without_keys(d: &Dictionary, known: &[&str]) -> Dictionary {
    let mut out = Dictionary::new();
    for (k, v) in d.iter() {
        if !known.contains(&k) {
            out.insert(k, v.clone());
        }
    }
    out
}

/// `d`'s entries sorted by key (the writer puts known keys in alphabetical order).
pub fn sorted(d: &Dictionary) -> Vec<(&str, &Value)> {
    let mut v: Vec<_> = d.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

/// Whether two dictionaries hold the same entries, in any order at every level (values otherwise
/// compared as by [`same`]). Typed structs write their known keys sorted and unknown keys after,
/// so only the entries, not their order, survive a typed round trip.
pub fn same_entries(a: &Dictionary, b: &Dictionary) -> bool {
    let (a, b) = (sorted(a), sorted(b));
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|((ka, va), (kb, vb))| ka == kb && same_unordered(va, vb))
}

fn same_unordered(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Dictionary(x), Value::Dictionary(y)) => same_entries(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_unordered(x, y))
        }
        _ => same(a, b),
    }
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `Value` oracle: decode; encode (must succeed unless a string holds a non-XML character);
/// decode again (must give the same value); encode again (must give the same bytes).
///
/// Returns the decoded value, if any.
pub fn check_value(data: &[u8]) -> Option<Value> {
    let v = Value::from_xml(data).ok()?;
    let _ = format!("{v:?}");
    // The interop conversion is documented as lossless.
    let back = Value::from(plist::Value::from(v.clone()));
    assert!(
        same(&v, &back),
        "plist::Value conversion lost data:\n{v:?}\n{back:?}"
    );
    let x1 = match v.to_xml() {
        Ok(x) => x,
        Err(e) => {
            assert!(
                has_non_xml_char(&v),
                "to_xml failed ({e}) but no string holds a non-XML character: {v:?}"
            );
            return Some(v);
        }
    };
    assert!(
        !has_non_xml_char(&v),
        "to_xml accepted a string with a non-XML character"
    );
    let v2 = match Value::from_xml(&x1) {
        Ok(v2) => v2,
        Err(e) => panic!("re-decoding to_xml output failed: {e:?}\n{}", show(&x1)),
    };
    assert!(
        same(&v, &v2),
        "round trip changed the value:\n{v:?}\n{v2:?}"
    );
    if !has_nan(&v) && !has_subsec_date(&v) {
        assert_eq!(v, v2, "round trip changed the value");
    }
    let x2 = match v2.to_xml() {
        Ok(x) => x,
        Err(e) => panic!("second to_xml failed: {e}"),
    };
    assert!(
        x1 == x2,
        "writer is not a fixed point:\n{}\n{}",
        show(&x1),
        show(&x2)
    );
    Some(v)
}

/// The schema keys of a check-in message type, plus `MessageType`.
fn checkin_known(m: &CheckinMessage) -> Option<Vec<&'static str>> {
    let keys = match m {
        CheckinMessage::Authenticate(_) => Authenticate::KEYS,
        CheckinMessage::CheckOut(_) => CheckOut::KEYS,
        CheckinMessage::DeclarativeManagement(_) => DeclarativeManagement::KEYS,
        CheckinMessage::GetBootstrapToken(_) => GetBootstrapToken::KEYS,
        CheckinMessage::GetToken(_) => GetToken::KEYS,
        CheckinMessage::SetBootstrapToken(_) => SetBootstrapToken::KEYS,
        CheckinMessage::TokenUpdate(_) => TokenUpdate::KEYS,
        CheckinMessage::UserAuthenticate(_) => UserAuthenticate::KEYS,
        _ => return None,
    };
    let mut v: Vec<&'static str> = keys.iter().map(|k| k.key).collect();
    v.push("MessageType");
    Some(v)
}

/// The unknown keys a decoded check-in message kept (for `Unknown`, the whole dictionary).
pub fn checkin_unknown(m: &CheckinMessage) -> Option<&Dictionary> {
    Some(match m {
        CheckinMessage::Authenticate(x) => &x.unknown_keys,
        CheckinMessage::CheckOut(x) => &x.unknown_keys,
        CheckinMessage::DeclarativeManagement(x) => &x.unknown_keys,
        CheckinMessage::GetBootstrapToken(x) => &x.unknown_keys,
        CheckinMessage::GetToken(x) => &x.unknown_keys,
        CheckinMessage::SetBootstrapToken(x) => &x.unknown_keys,
        CheckinMessage::TokenUpdate(x) => &x.unknown_keys,
        CheckinMessage::UserAuthenticate(x) => &x.unknown_keys,
        CheckinMessage::Unknown(d) => d,
        _ => return None,
    })
}

/// The report envelope keys (everything else goes to `body`).
pub const REPORT_ENVELOPE: &[&str] = &[
    "UDID",
    "EnrollmentID",
    "EnrollmentUserID",
    "UserID",
    "UserShortName",
    "UserLongName",
    "CommandUUID",
    "Status",
    "ErrorChain",
];

const ERROR_CHAIN_KEYS: &[&str] = &[
    "ErrorCode",
    "ErrorDomain",
    "LocalizedDescription",
    "USEnglishDescription",
];

/// The untyped view of an input a typed decoder accepted: a typed decoder reads the same token
/// stream under the same limits, so it must never accept what [`Value`] refuses.
fn untyped_dict(data: &[u8], what: &str) -> Dictionary {
    match Value::from_xml(data) {
        Ok(Value::Dictionary(d)) => d,
        Ok(other) => panic!("{what} decoded from a {} root", other.type_name()),
        Err(e) => panic!("{what} decoded but Value::from_xml refused the input: {e:?}"),
    }
}

/// Oracles for a decoded check-in message against the untyped view of the same input.
pub fn check_checkin_against_value(data: &[u8], m: &CheckinMessage) {
    let d = untyped_dict(data, "CheckinMessage");
    let _ = format!("{m:?}");
    if let Err(e) = serde_json::to_string(m) {
        panic!("JSON view failed: {e}");
    }
    match d.get("MessageType") {
        Some(Value::String(t)) => assert_eq!(t, m.message_type(), "MessageType"),
        other => panic!("decoded without a string MessageType: {other:?}"),
    }
    let Some(unknown) = checkin_unknown(m) else {
        return;
    };
    let expected = match checkin_known(m) {
        Some(known) => without_keys(&d, &known),
        None => d.clone(),
    };
    assert!(
        same_dict(unknown, &expected),
        "unknown keys not kept in order:\nkept     {unknown:?}\nexpected {expected:?}"
    );
    if let CheckinMessage::GetToken(g) = m
        && let Some(p) = &g.token_parameters
    {
        let Some(Value::Dictionary(pd)) = d.get("TokenParameters") else {
            panic!("TokenParameters decoded from a non-dictionary");
        };
        let known: Vec<&str> = TokenParameters::KEYS.iter().map(|k| k.key).collect();
        assert!(
            same_dict(&p.unknown_keys, &without_keys(pd, &known)),
            "TokenParameters unknown keys not kept"
        );
    }
}

/// Oracles for a decoded command report against the untyped view of the same input.
pub fn check_report_against_value(data: &[u8], r: &CommandReport) {
    let d = untyped_dict(data, "CommandReport");
    let _ = format!("{r:?}");
    if let Err(e) = serde_json::to_string(r) {
        panic!("JSON view failed: {e}");
    }
    assert!(
        same_dict(&r.body, &without_keys(&d, REPORT_ENVELOPE)),
        "report body is not the input minus the envelope, in order:\nbody  {:?}\ninput {d:?}",
        r.body
    );
    match d.get("Status") {
        Some(Value::String(s)) => assert!(
            r.status.as_str() == s
                || r.status.as_str() == s.trim_matches(|c: char| c.is_ascii_whitespace()),
            "Status {:?} decoded as {:?}",
            s,
            r.status
        ),
        other => panic!("report decoded without a string Status: {other:?}"),
    }
    let opt = |k: &str| match d.get(k) {
        Some(Value::String(s)) => Some(s.as_str()),
        None => None,
        Some(other) => panic!("{k} decoded from a {}", other.type_name()),
    };
    assert_eq!(r.udid.as_deref(), opt("UDID"));
    assert_eq!(r.enrollment_id.as_deref(), opt("EnrollmentID"));
    assert_eq!(r.enrollment_user_id.as_deref(), opt("EnrollmentUserID"));
    assert_eq!(r.user_id.as_deref(), opt("UserID"));
    assert_eq!(r.user_short_name.as_deref(), opt("UserShortName"));
    assert_eq!(r.user_long_name.as_deref(), opt("UserLongName"));
    assert_eq!(r.command_uuid.as_deref(), opt("CommandUUID"));
    assert_eq!(
        r.device_id(),
        r.udid.as_deref().or(r.enrollment_id.as_deref())
    );
    match d.get("ErrorChain") {
        None => assert!(r.error_chain.is_empty()),
        Some(Value::Array(items)) => {
            assert_eq!(items.len(), r.error_chain.len(), "ErrorChain length");
            for (item, typed) in items.iter().zip(&r.error_chain) {
                let Value::Dictionary(item) = item else {
                    panic!("ErrorChain item decoded from a non-dictionary");
                };
                assert_eq!(
                    item.get("ErrorCode").and_then(Value::as_i64),
                    Some(typed.error_code)
                );
                assert_eq!(
                    item.get("ErrorDomain").and_then(Value::as_str),
                    Some(typed.error_domain.as_str())
                );
                assert!(
                    same_dict(&typed.unknown_keys, &without_keys(item, ERROR_CHAIN_KEYS)),
                    "ErrorChain item unknown keys not kept"
                );
            }
        }
        Some(other) => panic!("ErrorChain decoded from a {}", other.type_name()),
    }
    // `decode_body` as a dictionary gives the body back.
    match r.decode_body::<Dictionary>() {
        Ok(b) => assert!(
            same_dict(&b, &r.body),
            "decode_body::<Dictionary> changed the body"
        ),
        Err(e) => panic!("decode_body::<Dictionary> failed: {e:?}"),
    }
}

/// `Inbound` must agree with the decoder it dispatches to.
pub fn check_inbound(data: &[u8]) {
    let Ok(inbound) = Inbound::from_xml(data) else {
        return;
    };
    let _ = format!("{inbound:?}");
    // NaN reals make `==` fail on equal values; `Debug` output then stands in for equality.
    let nan = Value::from_xml(data).is_ok_and(|v| has_nan(&v));
    match &inbound {
        Inbound::Checkin(m) => match CheckinMessage::from_xml(data) {
            Ok(direct) => assert!(
                direct == **m || (nan && format!("{direct:?}") == format!("{m:?}")),
                "Inbound::Checkin differs from CheckinMessage::from_xml"
            ),
            Err(e) => panic!("Inbound gave a check-in but CheckinMessage::from_xml failed: {e:?}"),
        },
        Inbound::Report(r) => match CommandReport::from_xml(data) {
            Ok(direct) => assert!(
                direct == **r || (nan && format!("{direct:?}") == format!("{r:?}")),
                "Inbound::Report differs from CommandReport::from_xml"
            ),
            Err(e) => panic!("Inbound gave a report but CommandReport::from_xml failed: {e:?}"),
        },
        _ => {}
    }
}

/// Check-in round trip: decode → `to_xml` → decode gives an equal message with the same unknown
/// keys, and the XML holds the same entries as the input.
pub fn check_checkin_roundtrip(data: &[u8]) {
    let Ok(m) = CheckinMessage::from_xml(data) else {
        return;
    };
    let d = untyped_dict(data, "CheckinMessage");
    let x1 = match m.to_xml() {
        Ok(x) => x,
        Err(e) => {
            assert!(
                dict_has_non_xml_char(&d),
                "CheckinMessage::to_xml failed ({e}) without a non-XML character"
            );
            return;
        }
    };
    let tree = Value::Dictionary(d.clone());
    let m2 = match CheckinMessage::from_xml(&x1) {
        Ok(m2) => m2,
        Err(e) => panic!(
            "re-decoding CheckinMessage::to_xml output failed: {e:?}\n{}",
            show(&x1)
        ),
    };
    if !has_nan(&tree) && !has_subsec_date(&tree) {
        assert_eq!(m, m2, "check-in round trip changed the message");
    }
    assert_eq!(m.message_type(), m2.message_type());
    match (checkin_unknown(&m), checkin_unknown(&m2)) {
        (Some(a), Some(b)) => assert!(same_dict(a, b), "unknown keys changed:\n{a:?}\n{b:?}"),
        (None, None) => {}
        _ => panic!("round trip changed the message kind"),
    }
    // What was written holds exactly the input's entries (known keys sorted, unknown after).
    let written = untyped_dict(&x1, "re-encoded CheckinMessage");
    assert!(
        same_entries(&written, &d),
        "to_xml does not hold the input's entries:\nwritten {written:?}\ninput   {d:?}"
    );
    let x2 = match m2.to_xml() {
        Ok(x) => x,
        Err(e) => panic!("second CheckinMessage::to_xml failed: {e}"),
    };
    assert!(x1 == x2, "check-in writer is not a fixed point");
}

/// Report round trip: decode → `to_xml` → decode gives an equal report with the same body.
pub fn check_report_roundtrip(data: &[u8]) {
    let Ok(r) = CommandReport::from_xml(data) else {
        return;
    };
    let d = untyped_dict(data, "CommandReport");
    let x1 = match r.to_xml() {
        Ok(x) => x,
        Err(e) => {
            assert!(
                dict_has_non_xml_char(&d),
                "CommandReport::to_xml failed ({e}) without a non-XML character"
            );
            return;
        }
    };
    let tree = Value::Dictionary(d.clone());
    let r2 = match CommandReport::from_xml(&x1) {
        Ok(r2) => r2,
        Err(e) => panic!(
            "re-decoding CommandReport::to_xml output failed: {e:?}\n{}",
            show(&x1)
        ),
    };
    if !has_nan(&tree) && !has_subsec_date(&tree) {
        assert_eq!(r, r2, "report round trip changed the report");
    }
    assert_eq!(r.status, r2.status);
    assert!(same_dict(&r.body, &r2.body), "report body changed");
    assert_eq!(r.error_chain.len(), r2.error_chain.len());
    for (a, b) in r.error_chain.iter().zip(&r2.error_chain) {
        assert!(same_dict(&a.unknown_keys, &b.unknown_keys));
    }
    let x2 = match r2.to_xml() {
        Ok(x) => x,
        Err(e) => panic!("second CommandReport::to_xml failed: {e}"),
    };
    assert!(x1 == x2, "report writer is not a fixed point");
}

/// Decodes `data` as a command report, then its body as the response of every request type in
/// the generated table: no panic; whatever decodes writes back and decodes to the same value.
pub fn check_responses(data: &[u8]) {
    use mdmkit::apple::command::{ALL_REQUEST_TYPES, AnyResponse};
    let Ok(report) = CommandReport::from_xml(data) else {
        return;
    };
    for info in ALL_REQUEST_TYPES {
        let Ok(resp) = AnyResponse::from_body(info.request_type, &report.body) else {
            continue;
        };
        let Ok(xml) = mdmkit::apple::plist::to_xml(&resp) else {
            continue;
        };
        let body = match Value::from_xml(&xml) {
            Ok(Value::Dictionary(d)) => d,
            other => panic!(
                "{}: response writes unreadable XML: {other:?}",
                info.request_type
            ),
        };
        let again = AnyResponse::from_body(info.request_type, &body).unwrap_or_else(|e| {
            panic!(
                "{}: re-decoding the response failed: {e:?}",
                info.request_type
            )
        });
        // The XML form keeps whole seconds: a binary date with a fraction comes back rounded.
        let tree = Value::Dictionary(body.clone());
        if !has_nan(&tree) && !has_subsec_date(&Value::Dictionary(report.body.clone())) {
            assert_eq!(
                again, resp,
                "{}: response round trip changed the value",
                info.request_type
            );
        }
    }
}

/// WBXML oracle: a document [`wbxml_to_xml`](mdmkit::windows::wbxml::wbxml_to_xml) accepts
/// has a readable header, its XML is accepted by the encoder with the same public ID, and
/// encode → decode → encode gives the same bytes and the same XML.
pub fn check_wbxml(data: &[u8]) {
    use mdmkit::windows::wbxml::{public_id, wbxml_to_xml, xml_to_wbxml};
    let Ok(xml) = wbxml_to_xml(data) else {
        return;
    };
    let id = public_id(data).expect("a decoded document has a readable header");
    let w2 = xml_to_wbxml(xml.as_bytes())
        .unwrap_or_else(|e| panic!("the encoder refuses the decoder's XML: {e}\n{xml}"));
    assert_eq!(public_id(&w2).ok(), Some(id), "public id changed\n{xml}");
    let xml2 = wbxml_to_xml(&w2)
        .unwrap_or_else(|e| panic!("the decoder refuses the encoder's WBXML: {e}\n{xml}"));
    let w3 = xml_to_wbxml(xml2.as_bytes())
        .unwrap_or_else(|e| panic!("the encoder refuses its own round trip: {e}\n{xml2}"));
    assert_eq!(
        w2, w3,
        "encode(decode(encode(xml))) is not a fixed point\n{xml}\n{xml2}"
    );
    assert_eq!(wbxml_to_xml(&w3).ok().as_deref(), Some(xml2.as_str()));
}

pub mod syncml;
