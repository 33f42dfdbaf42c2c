//! `apple::push`: MDM push requests, every APNs reason and its advice, hostile response bodies
//! and headers, the `http` conversions, and the push certificate helper with certificates made
//! here.
#![cfg(feature = "apple")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mdmkit::apple::push::{
    self, Action, ApnsId, Priority, PushRequest, PushResponse, Reason, Rejected,
};
use mdmkit::{BuildError, DecodeErrorKind, Limit};
use proptest::prelude::*;

const TOPIC: &str = "com.apple.mgmt.External.2a5e5c1f-3c4b-4f0e-9d1a-6b7c8d9e0f10";
const MAGIC: &str = "8E1A4B7C-5D2F-4A3B-9C6D-0E1F2A3B4C5D";
const NO_HEADERS: [(&str, &str); 0] = [];

fn token() -> Vec<u8> {
    (0u8..32).collect()
}

fn token_hex() -> String {
    (0u8..32).map(|b| format!("{b:02x}")).collect()
}

fn invalid_path(e: BuildError) -> String {
    match e {
        BuildError::Invalid { path, .. } => path,
        other => panic!("unexpected {other:?}"),
    }
}

// ---------------------------------------------------------------- requests

#[test]
fn minimal_request() {
    let req = PushRequest::mdm(&token(), TOPIC, MAGIC).unwrap();
    assert_eq!(req.method(), "POST");
    assert_eq!(req.path(), format!("/3/device/{}", token_hex()));
    assert_eq!(req.device_token_hex(), token_hex());
    assert_eq!(req.topic(), TOPIC);
    assert_eq!(
        req.headers(),
        [
            ("apns-push-type", "mdm".to_owned()),
            ("apns-topic", TOPIC.to_owned())
        ]
    );
    assert_eq!(
        req.body().as_ref(),
        format!(r#"{{"mdm":"{MAGIC}"}}"#).as_bytes()
    );
    assert_eq!(req.priority(), None);
    assert_eq!(req.expiration(), None);
    assert_eq!(req.apns_id(), None);
}

#[test]
fn every_option_in_header_order() {
    let id = ApnsId::parse("123e4567-e89b-12d3-a456-4266554400a0").unwrap();
    let req = PushRequest::mdm(&token(), TOPIC, MAGIC)
        .unwrap()
        .with_apns_id(id.clone())
        .with_expiration(UNIX_EPOCH + Duration::from_millis(1_800_000_000_999))
        .with_priority(Priority::Normal);
    assert_eq!(
        req.headers(),
        [
            ("apns-push-type", "mdm".to_owned()),
            ("apns-topic", TOPIC.to_owned()),
            ("apns-priority", "5".to_owned()),
            ("apns-expiration", "1800000000".to_owned()),
            ("apns-id", id.as_str().to_owned()),
        ]
    );
    assert_eq!(req.apns_id(), Some(&id));
    assert_eq!(Priority::Immediate.as_u8(), 10);
    assert_eq!(Priority::Low.as_u8(), 1);
}

#[test]
fn expiration_edges() {
    let req = PushRequest::mdm(&token(), TOPIC, MAGIC).unwrap();
    assert_eq!(req.clone().with_single_attempt().expiration(), Some(0));
    let before_epoch = UNIX_EPOCH - Duration::from_secs(5);
    assert_eq!(req.with_expiration(before_epoch).expiration(), Some(0));
}

#[test]
fn push_magic_is_json_escaped() {
    let magic = "a\"b\\c\n\u{1}é";
    let req = PushRequest::mdm(&[1], TOPIC, magic).unwrap();
    let v: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
    assert_eq!(v, serde_json::json!({ "mdm": magic }));
}

#[test]
fn refused_inputs() {
    let long_token = vec![7u8; push::MAX_DEVICE_TOKEN_BYTES + 1];
    assert!(PushRequest::mdm(&[7u8; push::MAX_DEVICE_TOKEN_BYTES], TOPIC, MAGIC).is_ok());
    let cases: Vec<(&[u8], String, String, &str)> = vec![
        (&[], TOPIC.into(), MAGIC.into(), "device token"),
        (&long_token, TOPIC.into(), MAGIC.into(), "device token"),
        (&[1], "com.example.app".into(), MAGIC.into(), "apns-topic"),
        (&[1], "com.apple.mgmt.".into(), MAGIC.into(), "apns-topic"),
        (
            &[1],
            "com.apple.mgmt.a b".into(),
            MAGIC.into(),
            "apns-topic",
        ),
        (
            &[1],
            "com.apple.mgmt.x\r\nx-evil: 1".into(),
            MAGIC.into(),
            "apns-topic",
        ),
        (
            &[1],
            format!("com.apple.mgmt.{}", "x".repeat(241)),
            MAGIC.into(),
            "apns-topic",
        ),
        (&[1], TOPIC.into(), String::new(), "PushMagic"),
        (
            &[1],
            TOPIC.into(),
            "m".repeat(push::MAX_PAYLOAD_BYTES),
            "PushMagic",
        ),
    ];
    for (token, topic, magic, path) in cases {
        let err = PushRequest::mdm(token, &topic, &magic).unwrap_err();
        assert_eq!(invalid_path(err.clone()), path, "{topic:?}");
        // The error text names the rule, never the value.
        assert!(!err.to_string().contains(&magic) || magic.is_empty());
    }
    // A 240-character topic suffix fits (255 bytes in all).
    assert!(PushRequest::mdm(&[1], &format!("com.apple.mgmt.{}", "x".repeat(240)), MAGIC).is_ok());
}

#[test]
fn debug_redacts_token_and_magic() {
    let req = PushRequest::mdm(&token(), TOPIC, MAGIC).unwrap();
    let dbg = format!("{req:?}");
    assert!(!dbg.contains(&token_hex()), "{dbg}");
    assert!(!dbg.contains(MAGIC), "{dbg}");
    assert!(dbg.contains(TOPIC), "{dbg}");
}

#[test]
fn apns_id_forms() {
    let id: ApnsId = "123E4567-E89B-12D3-A456-4266554400A0".parse().unwrap();
    assert_eq!(id.to_string(), "123e4567-e89b-12d3-a456-4266554400a0");
    for bad in [
        "",
        "123e4567e89b12d3a4564266554400a0",
        "123e4567-e89b-12d3-a456-4266554400a",
        "123e4567-e89b-12d3-a456-4266554400a00",
        "123e4567+e89b-12d3-a456-4266554400a0",
        "123e4567-e89b-12d3-a456-4266554400ag",
        "123e456-7e89b-12d3-a456-4266554400a0",
    ] {
        assert_eq!(
            invalid_path(ApnsId::parse(bad).unwrap_err()),
            "apns-id",
            "{bad}"
        );
    }
    let from = ApnsId::from_bytes([
        0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x55, 0x44, 0x00,
        0xa0,
    ]);
    assert_eq!(from, id);
    assert_eq!(ApnsId::parse(from.as_str()).unwrap(), from);
}

#[cfg(feature = "http")]
#[test]
fn to_http() {
    let req = PushRequest::mdm(&[0xde, 0xad], TOPIC, MAGIC)
        .unwrap()
        .with_priority(Priority::Immediate);
    let http = req.to_http("api.push.apple.com:2197").unwrap();
    assert_eq!(http.method(), http::Method::POST);
    assert_eq!(http.version(), http::Version::HTTP_2);
    assert_eq!(http.uri(), "https://api.push.apple.com:2197/3/device/dead");
    let names: Vec<&str> = http.headers().keys().map(|k| k.as_str()).collect();
    assert_eq!(names, ["apns-push-type", "apns-topic", "apns-priority"]);
    assert_eq!(http.headers()["apns-topic"], TOPIC);
    assert_eq!(http.body(), req.body());
    for good in ["[::1]:2197", "127.0.0.1:8443", "api.sandbox.push.apple.com"] {
        let uri = req.to_http(good).unwrap().uri().clone();
        assert_eq!(uri.authority().unwrap().as_str(), good);
    }
    for bad in ["", "host/path", "a b", "h:99999999", "[::1]:70000", "h:"] {
        assert_eq!(
            invalid_path(req.to_http(bad).unwrap_err()),
            "authority",
            "{bad:?}"
        );
    }
}

#[cfg(feature = "http")]
#[test]
fn from_http() {
    let resp = http::Response::builder()
        .status(410)
        .header("APNS-ID", "x-id")
        .body(br#"{"reason":"ExpiredToken"}"#.to_vec())
        .unwrap();
    let r = PushResponse::from_http(&resp).unwrap();
    assert_eq!(r.status(), 410);
    assert_eq!(r.apns_id(), Some("x-id"));
    assert_eq!(r.action(), Action::DropToken);
}

// ---------------------------------------------------------------- responses

/// Apple's table: each reason with the status it comes with.
const REASON_STATUS: [(&str, u16); 32] = [
    ("BadCollapseId", 400),
    ("BadDeviceToken", 400),
    ("BadExpirationDate", 400),
    ("BadMessageId", 400),
    ("BadPriority", 400),
    ("BadTopic", 400),
    ("DeviceTokenNotForTopic", 400),
    ("DuplicateHeaders", 400),
    ("IdleTimeout", 400),
    ("InvalidPushType", 400),
    ("MissingDeviceToken", 400),
    ("MissingTopic", 400),
    ("PayloadEmpty", 400),
    ("TopicDisallowed", 400),
    ("BadCertificate", 403),
    ("BadCertificateEnvironment", 403),
    ("ExpiredProviderToken", 403),
    ("Forbidden", 403),
    ("InvalidProviderToken", 403),
    ("MissingProviderToken", 403),
    ("UnrelatedKeyIdInToken", 403),
    ("BadEnvironmentKeyInToken", 403),
    ("BadPath", 404),
    ("MethodNotAllowed", 405),
    ("ExpiredToken", 410),
    ("Unregistered", 410),
    ("PayloadTooLarge", 413),
    ("TooManyProviderTokenUpdates", 429),
    ("TooManyRequests", 429),
    ("InternalServerError", 500),
    ("ServiceUnavailable", 503),
    ("Shutdown", 503),
];

/// An `Action` as comparable text (`Retry` cannot be built outside mdmkit).
fn advice(a: Action) -> String {
    match a {
        Action::Done => "done".into(),
        Action::Retry {
            after, reconnect, ..
        } => format!("retry {}s reconnect={reconnect}", after.as_secs()),
        Action::DropToken => "drop".into(),
        Action::FixRequest => "fix request".into(),
        Action::FixCredentials => "fix credentials".into(),
        _ => "other".into(),
    }
}

fn expected_advice(reason: &str, status: u16) -> &'static str {
    match (reason, status) {
        ("BadDeviceToken" | "DeviceTokenNotForTopic", _) | (_, 410) => "drop",
        ("IdleTimeout", _) => "retry 0s reconnect=true",
        (_, 403) => "fix credentials",
        (_, 429) => "retry 60s reconnect=false",
        (_, 500) => "retry 900s reconnect=false",
        (_, 503) => "retry 900s reconnect=true",
        _ => "fix request",
    }
}

fn rejected(r: PushResponse) -> Rejected {
    match r {
        PushResponse::Rejected(r) => r,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn every_documented_reason() {
    assert_eq!(Reason::ALL.len(), REASON_STATUS.len());
    for ((text, status), all) in REASON_STATUS.iter().zip(Reason::ALL) {
        assert_eq!(*text, all);
        let body = format!(r#"{{"reason":"{text}"}}"#);
        let r = rejected(
            PushResponse::from_parts(*status, [("apns-id", "id-1")], body.as_bytes()).unwrap(),
        );
        let reason = r.reason.clone().unwrap();
        assert_eq!(reason.as_str(), *text);
        assert_eq!(reason.to_string(), *text);
        assert_eq!(reason, Reason::from(*text));
        assert_eq!(r.status, *status);
        assert_eq!(r.apns_id.as_deref(), Some("id-1"));
        assert_eq!(r.timestamp, None);
        assert_eq!(
            advice(r.action()),
            expected_advice(text, *status),
            "{text} {status}"
        );
    }
}

#[test]
fn unknown_reason_keeps_text_and_advice_follows_status() {
    let r = rejected(
        PushResponse::from_parts(400, NO_HEADERS, br#"{"reason":"BrandNewReason"}"#).unwrap(),
    );
    assert_eq!(r.reason.as_ref().unwrap().as_str(), "BrandNewReason");
    assert_eq!(r.action(), Action::FixRequest);
    let r = PushResponse::from_parts(502, NO_HEADERS, br#"{"reason":"Gateway"}"#).unwrap();
    assert_eq!(advice(r.action()), "retry 900s reconnect=false");
    // An unexpected 2xx is not a delivery.
    let r = PushResponse::from_parts(204, NO_HEADERS, b"").unwrap();
    assert!(!r.is_delivered());
    assert_eq!(r.action(), Action::FixRequest);
}

#[test]
fn delivered() {
    let r = PushResponse::from_parts(
        200,
        [
            ("Apns-Id", "7d0a8a2c-1f3e-4b5c-9d6e-0f1a2b3c4d5e"),
            ("apns-unique-id", "u-1"),
            ("content-length", "0"),
        ],
        b"",
    )
    .unwrap();
    assert!(r.is_delivered());
    assert_eq!(r.status(), 200);
    assert_eq!(r.action(), Action::Done);
    assert_eq!(r.apns_id(), Some("7d0a8a2c-1f3e-4b5c-9d6e-0f1a2b3c4d5e"));
    let PushResponse::Delivered(d) = r else {
        panic!()
    };
    assert_eq!(d.apns_unique_id.as_deref(), Some("u-1"));
}

#[test]
fn gone_with_timestamp_and_unknown_keys_kept() {
    let body = br#" {"reason":"Unregistered","timestamp":1767225600123,"extra":{"k":[1,2]}} "#;
    let r = rejected(PushResponse::from_parts(410, NO_HEADERS, body).unwrap());
    assert_eq!(r.reason, Some(Reason::Unregistered));
    assert_eq!(
        r.timestamp,
        Some(UNIX_EPOCH + Duration::from_millis(1_767_225_600_123))
    );
    assert_eq!(r.body.as_ref(), body);
    assert_eq!(r.action(), Action::DropToken);
    // A 410 without body still drops the token.
    let r = PushResponse::from_parts(410, NO_HEADERS, b"").unwrap();
    assert_eq!(r.action(), Action::DropToken);
    // The largest timestamp is still a time.
    let body = format!(r#"{{"timestamp":{}}}"#, u64::MAX);
    let r = rejected(PushResponse::from_parts(410, NO_HEADERS, body.as_bytes()).unwrap());
    assert!(r.timestamp.unwrap() > SystemTime::UNIX_EPOCH);
}

#[test]
fn empty_bodies_on_errors() {
    for body in [&b""[..], b"  \r\n\t"] {
        let r = rejected(PushResponse::from_parts(500, NO_HEADERS, body).unwrap());
        assert_eq!(r.reason, None);
        assert_eq!(advice(r.action()), "retry 900s reconnect=false");
    }
}

fn decode_err(status: u16, body: &[u8]) -> mdmkit::DecodeError {
    PushResponse::from_parts(status, NO_HEADERS, body).unwrap_err()
}

#[test]
fn hostile_bodies() {
    // Size first, even on 200.
    let huge = vec![b' '; push::MAX_RESPONSE_BODY_BYTES + 1];
    for status in [200, 400] {
        assert_eq!(
            decode_err(status, &huge).kind(),
            &DecodeErrorKind::LimitExceeded(Limit::InputBytes)
        );
    }
    let mut at_limit = br#"{"reason":"BadTopic"}"#.to_vec();
    at_limit.resize(push::MAX_RESPONSE_BODY_BYTES, b' ');
    assert!(PushResponse::from_parts(400, NO_HEADERS, &at_limit).is_ok());

    let cases: &[(&[u8], DecodeErrorKind, &str)] = &[
        (b"{", DecodeErrorKind::UnexpectedEof, ""),
        (br#"{"reason":"x""#, DecodeErrorKind::UnexpectedEof, ""),
        (b"{reason:1}", DecodeErrorKind::Syntax, ""),
        (b"<html>", DecodeErrorKind::Syntax, ""),
        (b"\xff\xfe", DecodeErrorKind::Syntax, ""),
        (br#"{"reason":"x"} {}"#, DecodeErrorKind::Syntax, ""),
        (br#"{"reason":"\ud800"}"#, DecodeErrorKind::Syntax, ""),
        (b"[1]", wrong("object", "array"), ""),
        (br#""text""#, wrong("object", "string"), ""),
        (b"null", wrong("object", "null"), ""),
        (b"true", wrong("object", "boolean"), ""),
        (b"-3", wrong("object", "number"), ""),
        (br#"{"reason":3}"#, wrong("string", "number"), "reason"),
        (br#"{"reason":null}"#, wrong("string", "null"), "reason"),
        (
            br#"{"reason":["BadTopic"]}"#,
            wrong("string", "array"),
            "reason",
        ),
        (
            br#"{"timestamp":"1767225600000"}"#,
            wrong("integer", "string"),
            "timestamp",
        ),
        (
            br#"{"timestamp":1.5}"#,
            wrong("integer", "number"),
            "timestamp",
        ),
        (
            br#"{"timestamp":1e3}"#,
            wrong("integer", "number"),
            "timestamp",
        ),
        (
            br#"{"timestamp":{}}"#,
            wrong("integer", "object"),
            "timestamp",
        ),
        (
            br#"{"timestamp":-1}"#,
            DecodeErrorKind::IntegerOutOfRange,
            "timestamp",
        ),
        (
            br#"{"reason":"BadTopic","reason":"Unregistered"}"#,
            DecodeErrorKind::DuplicateKey,
            "reason",
        ),
        (
            br#"{"timestamp":1,"timestamp":2}"#,
            DecodeErrorKind::DuplicateKey,
            "timestamp",
        ),
    ];
    for (body, kind, path) in cases {
        let err = decode_err(410, body);
        assert_eq!(err.kind(), kind, "{}", String::from_utf8_lossy(body));
        assert_eq!(err.path(), *path, "{}", String::from_utf8_lossy(body));
    }
    // Nothing of the input is echoed.
    let err = decode_err(400, br#"{"reason":12345678}"#);
    assert!(!err.to_string().contains("12345678"), "{err}");
}

fn wrong(expected: &'static str, found: &'static str) -> DecodeErrorKind {
    DecodeErrorKind::WrongType { expected, found }
}

#[test]
fn deep_nesting_is_refused_without_overflow() {
    let mut body = br#"{"x":"#.to_vec();
    body.extend(std::iter::repeat_n(b'[', 2000));
    body.extend(std::iter::repeat_n(b']', 2000));
    body.push(b'}');
    assert!(body.len() <= push::MAX_RESPONSE_BODY_BYTES);
    assert!(PushResponse::from_parts(400, NO_HEADERS, &body).is_err());
}

#[test]
fn hostile_headers() {
    let e = PushResponse::from_parts(200, [("apns-id", "a"), ("APNS-ID", "b")], b"").unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::DuplicateKey);
    assert_eq!(e.path(), "apns-id");
    let e = PushResponse::from_parts(
        400,
        [("apns-unique-id", &b"\xff"[..])],
        br#"{"reason":"BadTopic"}"#,
    )
    .unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::InvalidValue("header value"));
    assert_eq!(e.path(), "apns-unique-id");
    let long = "x".repeat(push::MAX_RESPONSE_ID_BYTES + 1);
    let e = PushResponse::from_parts(200, [("apns-id", long.as_str())], b"").unwrap_err();
    assert_eq!(e.path(), "apns-id");
    // Other headers are not read at all.
    assert!(PushResponse::from_parts(200, [("x-other", &b"\xff"[..])], b"").is_ok());
}

proptest! {
    #[test]
    fn any_response_decodes_or_errors(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..600), id in proptest::collection::vec(any::<u8>(), 0..40)) {
        if let Ok(r) = PushResponse::from_parts(status, [("apns-id", id.as_slice())], &body) {
            prop_assert_eq!(r.status() == 200, status == 200);
            prop_assert_eq!(r.is_delivered(), r.action() == Action::Done);
        }
    }

    #[test]
    fn reason_and_timestamp_round_trip(reason in "[A-Za-z]{0,40}", ms in any::<u64>()) {
        let body = serde_json::json!({ "reason": reason, "timestamp": ms, "other": true }).to_string();
        let r = rejected(PushResponse::from_parts(400, NO_HEADERS, body.as_bytes()).unwrap());
        prop_assert_eq!(r.reason.as_ref().unwrap().as_str(), reason.as_str());
        prop_assert_eq!(r.timestamp, Some(UNIX_EPOCH + Duration::from_millis(ms)));
        prop_assert_eq!(r.body.as_ref(), body.as_bytes());
    }

    #[test]
    fn any_magic_gives_json_body(magic in "\\PC{1,200}", token in proptest::collection::vec(any::<u8>(), 1..64)) {
        let req = PushRequest::mdm(&token, TOPIC, &magic).unwrap();
        let v: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
        prop_assert_eq!(v, serde_json::json!({ "mdm": magic }));
        prop_assert_eq!(req.device_token_hex().len(), token.len() * 2);
    }
}

// ---------------------------------------------------------------- push certificate

#[cfg(feature = "cms")]
mod certificate {
    use super::TOPIC;
    use mdmkit::apple::push::{PushCertificate, PushCertificateError, mdm_topic};
    use mdmkit::cms::Certificate;
    use openssl::asn1::{Asn1Time, Asn1Type};
    use openssl::bn::BigNum;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::PKey;
    use openssl::x509::{X509, X509NameBuilder};
    use std::time::{Duration, UNIX_EPOCH};

    const NOT_BEFORE: u64 = 1_767_225_600; // 2026-01-01
    const NOT_AFTER: u64 = 1_798_761_600; // 2027-01-01

    fn make(entries: &[(Nid, &str, Asn1Type)]) -> Certificate {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        for (nid, value, ty) in entries {
            name.append_entry_by_nid_with_type(*nid, value, *ty)
                .unwrap();
        }
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_serial_number(
            BigNum::from_u32(1)
                .unwrap()
                .to_asn1_integer()
                .unwrap()
                .as_ref(),
        )
        .unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(Asn1Time::from_unix(NOT_BEFORE as i64).unwrap().as_ref())
            .unwrap();
        b.set_not_after(Asn1Time::from_unix(NOT_AFTER as i64).unwrap().as_ref())
            .unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        Certificate::from_der(&b.build().to_der().unwrap()).unwrap()
    }

    fn at(secs: u64) -> std::time::SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn topic_from_uid() {
        for ty in [
            Asn1Type::UTF8STRING,
            Asn1Type::PRINTABLESTRING,
            Asn1Type::IA5STRING,
        ] {
            let cert = make(&[
                (Nid::USERID, TOPIC, ty),
                (Nid::COMMONNAME, "APSP:2a5e5c1f", Asn1Type::UTF8STRING),
                (Nid::COUNTRYNAME, "US", Asn1Type::PRINTABLESTRING),
            ]);
            assert_eq!(mdm_topic(&cert).unwrap(), TOPIC);
            let push = PushCertificate::new(cert.clone(), at(NOT_BEFORE + 60)).unwrap();
            assert_eq!(push.topic(), TOPIC);
            assert_eq!(push.certificate(), &cert);
        }
    }

    #[test]
    fn validity_is_checked_at_now() {
        let cert = make(&[(Nid::USERID, TOPIC, Asn1Type::UTF8STRING)]);
        assert!(PushCertificate::new(cert.clone(), at(NOT_BEFORE)).is_ok());
        assert!(PushCertificate::new(cert.clone(), at(NOT_AFTER)).is_ok());
        assert_eq!(
            PushCertificate::new(cert.clone(), at(NOT_AFTER + 1)).unwrap_err(),
            PushCertificateError::Expired {
                not_after: at(NOT_AFTER)
            }
        );
        assert_eq!(
            PushCertificate::new(cert, at(NOT_BEFORE - 1)).unwrap_err(),
            PushCertificateError::NotYetValid {
                not_before: at(NOT_BEFORE)
            }
        );
    }

    #[test]
    fn refused_certificates() {
        let now = at(NOT_BEFORE + 60);
        let cases = [
            (
                make(&[(Nid::COMMONNAME, "APSP:x", Asn1Type::UTF8STRING)]),
                PushCertificateError::NoUid,
            ),
            (
                make(&[(Nid::USERID, "com.example.app", Asn1Type::UTF8STRING)]),
                PushCertificateError::NotMdmTopic,
            ),
            (
                make(&[(Nid::USERID, "com.apple.mgmt.", Asn1Type::UTF8STRING)]),
                PushCertificateError::NotMdmTopic,
            ),
            (
                make(&[(Nid::USERID, "com.apple.mgmt.a b", Asn1Type::UTF8STRING)]),
                PushCertificateError::NotMdmTopic,
            ),
            (
                make(&[(Nid::USERID, TOPIC, Asn1Type::BMPSTRING)]),
                PushCertificateError::InvalidUid,
            ),
            (
                make(&[
                    (Nid::USERID, TOPIC, Asn1Type::UTF8STRING),
                    (
                        Nid::USERID,
                        "com.apple.mgmt.External.other",
                        Asn1Type::UTF8STRING,
                    ),
                ]),
                PushCertificateError::MultipleUids,
            ),
        ];
        for (cert, expected) in cases {
            assert_eq!(mdm_topic(&cert).unwrap_err(), expected);
            let err = PushCertificate::new(cert, now).unwrap_err();
            assert_eq!(err, expected);
            assert!(!err.to_string().contains("com.example"), "{err}");
        }
    }
}
