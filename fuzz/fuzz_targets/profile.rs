//! `Profile::from_slice` on arbitrary bytes (XML or binary): no panic; a profile it accepts is
//! also a valid untyped plist dictionary; each payload is typed exactly when its `PayloadType` is
//! one of the schema's (an unknown payload keeps its dictionary as read, and the profile's
//! unknown keys are the input's non-schema keys, in order); `validate` and the JSON view never
//! panic; `to_xml` succeeds unless a string holds a character XML cannot carry, writes exactly
//! the input's entries, decodes to an equal profile and is a fixed point.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mdmkit::apple::plist::{Dictionary, Value};
use mdmkit::apple::profile::{PROFILE_KEYS, Payload, PayloadTypeInfo, Profile};
use mdmkit::{EncodeError, Limits};
use mdmkit_fuzz::{
    dict_has_non_xml_char, has_nan, has_padded_key, has_subsec_date, is_binary, same_dict,
    without_keys,
};

/// Equality of two plist values as a typed profile round trip keeps them: dictionaries in any
/// key order (known keys are written sorted), arrays in order, NaN equal to NaN, dates at whole
/// seconds (the XML form), and an integer equal to the real of the same value (a `<real>` field
/// given an `<integer>` is written back as `<real>`).
fn same_loose(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Dictionary(x), Value::Dictionary(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_loose(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_loose(v, w))
        }
        (Value::Real(x), Value::Real(y)) => (x.is_nan() && y.is_nan()) || x == y,
        (Value::Integer(i), Value::Real(r)) | (Value::Real(r), Value::Integer(i)) => {
            i.as_i128() as f64 == *r
        }
        (Value::Date(x), Value::Date(y)) => x.unix_seconds() == y.unix_seconds(),
        _ => a == b,
    }
}

fn untyped(data: &[u8]) -> Dictionary {
    match Value::from_xml(data) {
        Ok(Value::Dictionary(d)) => d,
        Ok(other) => panic!("Profile decoded from a {} root", other.type_name()),
        Err(e) => panic!("Profile decoded but Value::from_xml refused the input: {e:?}"),
    }
}

fn check_payloads(p: &Profile, d: &Dictionary) {
    let items: &[Value] = match d.get("PayloadContent") {
        Some(Value::Array(a)) => a,
        None => {
            assert!(
                p.payload_content.is_empty(),
                "payloads without PayloadContent"
            );
            assert!(
                p.encrypted_payload_content.is_some(),
                "no PayloadContent and nothing encrypted"
            );
            return;
        }
        Some(other) => panic!("PayloadContent decoded from a {}", other.type_name()),
    };
    assert_eq!(items.len(), p.payload_content.len(), "payload count");
    for (payload, item) in p.payload_content.iter().zip(items) {
        let Value::Dictionary(item) = item else {
            panic!("payload decoded from a {}", item.type_name())
        };
        let t = payload.payload_type();
        assert_eq!(
            item.get("PayloadType").and_then(Value::as_str),
            Some(t),
            "payload_type()"
        );
        let info = PayloadTypeInfo::find(t);
        assert_eq!(payload.info(), info, "info({t})");
        match payload {
            Payload::Unknown(u) => {
                assert!(
                    info.is_none(),
                    "{t} is a schema type but decoded as Unknown"
                );
                assert!(same_dict(u, item), "unknown payload not kept as read");
            }
            _ => assert!(info.is_some(), "{t} decoded typed"),
        }
        assert_eq!(
            payload.identifier(),
            item.get("PayloadIdentifier").and_then(Value::as_str),
            "identifier()"
        );
        assert_eq!(
            payload.uuid(),
            item.get("PayloadUUID").and_then(Value::as_str),
            "uuid()"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(p) = Profile::from_slice(data) else {
        return;
    };
    let d = untyped(data);
    let tree = Value::Dictionary(d.clone());
    let _ = format!("{p:?}");
    let _ = p.validate();
    let json = match serde_json::to_string(&p) {
        Ok(j) => j,
        Err(e) => panic!("JSON view failed: {e}"),
    };
    if !has_nan(&tree) && !has_subsec_date(&tree) {
        match serde_json::from_str::<Profile>(&json) {
            Ok(back) => assert!(back == p, "JSON round trip changed the profile"),
            Err(e) => panic!("JSON view does not read back: {e}"),
        }
    }

    assert_eq!(
        d.get("PayloadIdentifier").and_then(Value::as_str),
        Some(p.payload_identifier.as_str())
    );
    assert_eq!(
        d.get("PayloadUUID").and_then(Value::as_str),
        Some(p.payload_uuid.as_str())
    );
    check_payloads(&p, &d);
    let known: Vec<&str> = PROFILE_KEYS.iter().map(|k| k.key).collect();
    assert!(
        same_dict(&p.unknown_keys, &without_keys(&d, &known)),
        "unknown top-level keys not kept in order:\nkept     {:?}\nexpected {:?}",
        p.unknown_keys,
        without_keys(&d, &known)
    );

    let x1 = match p.to_xml() {
        Ok(x) => x,
        Err(EncodeError::InvalidXmlChar { path }) => {
            assert!(
                dict_has_non_xml_char(&d),
                "to_xml refused a character at {path} but the input has none XML cannot carry"
            );
            return;
        }
        Err(e) => panic!("to_xml failed: {e}"),
    };
    assert!(
        !dict_has_non_xml_char(&d),
        "to_xml accepted a character XML cannot carry"
    );
    // Known issue 1 (fuzz/README.md): a binary key with surrounding whitespace changes when its
    // XML form is read. Known issue 3: shared binary objects can expand past the input limit.
    if (is_binary(data) && has_padded_key(&tree)) || x1.len() > Limits::DEFAULT.max_input_bytes {
        return;
    }
    let written = untyped(&x1);
    assert!(
        same_loose(&Value::Dictionary(written), &tree),
        "to_xml does not hold the input's entries"
    );
    let p2 = match Profile::from_slice(&x1) {
        Ok(p2) => p2,
        Err(e) => panic!("re-decoding Profile::to_xml output failed: {e:?}"),
    };
    if has_nan(&tree) {
        assert_eq!(
            format!("{p:?}"),
            format!("{p2:?}"),
            "round trip changed the profile"
        );
    } else if !has_subsec_date(&tree) {
        assert!(p == p2, "round trip changed the profile:\n{p:?}\n{p2:?}");
    }
    let x2 = match p2.to_xml() {
        Ok(x) => x,
        Err(e) => panic!("second to_xml failed: {e}"),
    };
    assert!(x1 == x2, "profile writer is not a fixed point");
});
