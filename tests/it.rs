//! Behavioural tests over hand-written fixtures (`tests/fixtures`, see its README): every
//! check-in type decodes to the right variant and values, secrets stay out of `Debug`,
//! `Inbound` classifies bodies, reports keep their status and error chain, report bodies decode
//! into user types, the writer produces Apple's layout byte for byte, binary plists decode like
//! XML, the whitespace quirks hold, and the schema's availability facts are reachable.

#![cfg(feature = "apple")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::Bytes;
use mdmkit::apple::Inbound;
use mdmkit::apple::availability::{Platform, Version};
use mdmkit::apple::checkin::{
    Authenticate, CheckinMessage, GetBootstrapToken, GetBootstrapTokenResponse, GetToken,
    GetTokenResponse, GetTokenTokenServiceType, TokenUpdate,
};
use mdmkit::apple::plist::{Decoder, Dictionary, FromPlist, Token, Value};
use mdmkit::apple::report::{CommandReport, ErrorChainItem, Status};
use mdmkit::{DecodeError, DecodeErrorKind, Limits};

const AUTHENTICATE: &[u8] = include_bytes!("fixtures/checkin-authenticate.plist");
const TOKEN_UPDATE: &[u8] = include_bytes!("fixtures/checkin-tokenupdate.plist");
const CHECK_OUT: &[u8] = include_bytes!("fixtures/checkin-checkout.plist");
const USER_AUTHENTICATE: &[u8] = include_bytes!("fixtures/checkin-userauthenticate.plist");
const SET_BOOTSTRAP_TOKEN: &[u8] = include_bytes!("fixtures/checkin-setbootstraptoken.plist");
const GET_BOOTSTRAP_TOKEN: &[u8] = include_bytes!("fixtures/checkin-getbootstraptoken.plist");
const DECLARATIVE_MANAGEMENT: &[u8] =
    include_bytes!("fixtures/checkin-declarativemanagement.plist");
const GET_TOKEN: &[u8] = include_bytes!("fixtures/checkin-gettoken.plist");
const REPORT_IDLE: &[u8] = include_bytes!("fixtures/report-idle.plist");
const REPORT_ACKNOWLEDGED: &[u8] = include_bytes!("fixtures/report-acknowledged.plist");
const REPORT_ERROR: &[u8] = include_bytes!("fixtures/report-error.plist");
const REPORT_NOT_NOW: &[u8] = include_bytes!("fixtures/report-notnow.plist");
const REPORT_UNKNOWN_STATUS: &[u8] = include_bytes!("fixtures/report-unknown-status.plist");
const WHITESPACE_QUIRKS: &[u8] = include_bytes!("fixtures/whitespace-quirks.plist");
const NEITHER_KEY: &[u8] = include_bytes!("fixtures/neither-key.plist");

const TOPIC: &str = "com.apple.mgmt.External.4a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b";
const IPAD_UDID: &str = "00008101-000A1B2C3D4E001E";
const MAC_UDID: &str = "564D0000-1111-2222-3333-444455556666";

/// `checkin-tokenupdate.plist` as a binary plist. Made at authoring time with Python 3.11:
///
/// ```python
/// import plistlib
/// d = plistlib.load(open("tests/fixtures/checkin-tokenupdate.plist", "rb"))
/// plistlib.dumps(d, fmt=plistlib.FMT_BINARY)
/// ```
const TOKEN_UPDATE_BINARY: [u8; 370] = [
    0x62, 0x70, 0x6c, 0x69, 0x73, 0x74, 0x30, 0x30, 0xd7, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x5f, 0x10, 0x15, 0x41, 0x77, 0x61, 0x69, 0x74, 0x69,
    0x6e, 0x67, 0x43, 0x6f, 0x6e, 0x66, 0x69, 0x67, 0x75, 0x72, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x5b,
    0x4d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x54, 0x79, 0x70, 0x65, 0x59, 0x50, 0x75, 0x73, 0x68,
    0x4d, 0x61, 0x67, 0x69, 0x63, 0x55, 0x54, 0x6f, 0x6b, 0x65, 0x6e, 0x55, 0x54, 0x6f, 0x70, 0x69,
    0x63, 0x54, 0x55, 0x44, 0x49, 0x44, 0x5b, 0x55, 0x6e, 0x6c, 0x6f, 0x63, 0x6b, 0x54, 0x6f, 0x6b,
    0x65, 0x6e, 0x08, 0x5b, 0x54, 0x6f, 0x6b, 0x65, 0x6e, 0x55, 0x70, 0x64, 0x61, 0x74, 0x65, 0x5f,
    0x10, 0x24, 0x35, 0x43, 0x36, 0x46, 0x30, 0x45, 0x31, 0x41, 0x2d, 0x32, 0x42, 0x33, 0x43, 0x2d,
    0x34, 0x44, 0x35, 0x45, 0x2d, 0x38, 0x46, 0x39, 0x30, 0x2d, 0x41, 0x31, 0x42, 0x32, 0x43, 0x33,
    0x44, 0x34, 0x45, 0x35, 0x46, 0x36, 0x4f, 0x10, 0x20, 0x6d, 0x2b, 0x7a, 0x4c, 0x1f, 0x0e, 0x3d,
    0x2c, 0x5b, 0x4a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0, 0x0f, 0x1e, 0x2d,
    0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0x5f, 0x10, 0x3c, 0x63, 0x6f, 0x6d, 0x2e,
    0x61, 0x70, 0x70, 0x6c, 0x65, 0x2e, 0x6d, 0x67, 0x6d, 0x74, 0x2e, 0x45, 0x78, 0x74, 0x65, 0x72,
    0x6e, 0x61, 0x6c, 0x2e, 0x34, 0x61, 0x31, 0x62, 0x32, 0x63, 0x33, 0x64, 0x2d, 0x30, 0x30, 0x30,
    0x30, 0x2d, 0x34, 0x65, 0x35, 0x66, 0x2d, 0x38, 0x61, 0x39, 0x62, 0x2d, 0x30, 0x63, 0x31, 0x64,
    0x32, 0x65, 0x33, 0x66, 0x34, 0x61, 0x35, 0x62, 0x5f, 0x10, 0x19, 0x30, 0x30, 0x30, 0x30, 0x38,
    0x31, 0x30, 0x31, 0x2d, 0x30, 0x30, 0x30, 0x41, 0x31, 0x42, 0x32, 0x43, 0x33, 0x44, 0x34, 0x45,
    0x30, 0x30, 0x31, 0x45, 0x4f, 0x10, 0x1d, 0x75, 0x6e, 0x6c, 0x6f, 0x63, 0x6b, 0x2d, 0x74, 0x6f,
    0x6b, 0x65, 0x6e, 0x2d, 0x62, 0x79, 0x74, 0x65, 0x73, 0x2d, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
    0x36, 0x37, 0x38, 0x39, 0x00, 0x08, 0x00, 0x17, 0x00, 0x2f, 0x00, 0x3b, 0x00, 0x45, 0x00, 0x4b,
    0x00, 0x51, 0x00, 0x56, 0x00, 0x62, 0x00, 0x63, 0x00, 0x6f, 0x00, 0x96, 0x00, 0xb9, 0x00, 0xf8,
    0x01, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x34,
];

/// The `Token` of `checkin-tokenupdate.plist`, decoded.
const TOKEN_BYTES: [u8; 32] = [
    0x6d, 0x2b, 0x7a, 0x4c, 0x1f, 0x0e, 0x3d, 0x2c, 0x5b, 0x4a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4,
    0xc3, 0xd2, 0xe1, 0xf0, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4,
];

fn checkin(input: &[u8]) -> CheckinMessage {
    CheckinMessage::from_xml(input).unwrap()
}

fn report(input: &[u8]) -> CommandReport {
    CommandReport::from_xml(input).unwrap()
}

// ---- check-in types ----

#[test]
fn authenticate_decodes() {
    let CheckinMessage::Authenticate(a) = checkin(AUTHENTICATE) else {
        panic!("not Authenticate")
    };
    assert_eq!(a.topic, TOPIC);
    assert_eq!(a.udid.as_deref(), Some(IPAD_UDID));
    assert_eq!(a.build_version.as_deref(), Some("21G72"));
    assert_eq!(a.device_name.as_deref(), Some("Test iPad"));
    assert_eq!(a.imei.as_deref(), Some("35 000000 000000 0"));
    assert_eq!(a.meid.as_deref(), Some("35000000000000"));
    assert_eq!(a.model.as_deref(), Some("MK2K3LL/A"));
    assert_eq!(a.model_name.as_deref(), Some("iPad"));
    assert_eq!(a.os_version.as_deref(), Some("17.5.1"));
    assert_eq!(a.product_name.as_deref(), Some("iPad13,18"));
    assert_eq!(a.serial_number.as_deref(), Some("F9FXAMPLE0001"));
    assert_eq!(a.enrollment_id, None);
    assert!(a.unknown_keys.is_empty());
    assert_eq!(Authenticate::MESSAGE_TYPE, "Authenticate");
}

#[test]
fn token_update_decodes() {
    let m = checkin(TOKEN_UPDATE);
    assert_eq!(m.message_type(), "TokenUpdate");
    let CheckinMessage::TokenUpdate(t) = m else {
        panic!("not TokenUpdate")
    };
    assert_eq!(t.topic, TOPIC);
    assert_eq!(t.udid.as_deref(), Some(IPAD_UDID));
    assert_eq!(
        t.push_magic.expose(),
        "5C6F0E1A-2B3C-4D5E-8F90-A1B2C3D4E5F6"
    );
    assert_eq!(t.token.expose().as_ref(), TOKEN_BYTES);
    assert_eq!(
        t.unlock_token.as_ref().map(|u| u.expose().clone()),
        Some(Bytes::from_static(b"unlock-token-bytes-0123456789"))
    );
    assert_eq!(t.awaiting_configuration, Some(false));
    assert_eq!(t.not_on_console, None);
    assert_eq!(t.enrollment_id, None);
    assert!(t.unknown_keys.is_empty());
}

#[test]
fn check_out_decodes_and_keeps_unknown_keys() {
    let CheckinMessage::CheckOut(c) = checkin(CHECK_OUT) else {
        panic!("not CheckOut")
    };
    assert_eq!(c.topic, TOPIC);
    assert_eq!(c.udid.as_deref(), Some(IPAD_UDID));
    assert_eq!(c.enrollment_id, None);
    assert_eq!(c.unknown_keys.len(), 1);
    assert_eq!(
        c.unknown_keys
            .get("VendorExtension")
            .and_then(Value::as_str),
        Some("kept as an unknown key")
    );
    // And writes it back after the known keys.
    let xml = String::from_utf8(CheckinMessage::CheckOut(c).to_xml().unwrap()).unwrap();
    assert!(xml.ends_with(
        "\t<key>VendorExtension</key>\n\t<string>kept as an unknown key</string>\n</dict>\n</plist>\n"
    ));
}

#[test]
fn user_authenticate_decodes() {
    let CheckinMessage::UserAuthenticate(u) = checkin(USER_AUTHENTICATE) else {
        panic!("not UserAuthenticate")
    };
    assert_eq!(u.udid, MAC_UDID);
    assert_eq!(u.user_id, "A1B2C3D4-E5F6-0718-293A-4B5C6D7E8F90");
    assert_eq!(
        u.digest_response.as_ref().unwrap().expose(),
        "digest-response-for-test-only"
    );
    assert!(u.unknown_keys.is_empty());
}

#[test]
fn set_bootstrap_token_decodes() {
    let CheckinMessage::SetBootstrapToken(s) = checkin(SET_BOOTSTRAP_TOKEN) else {
        panic!("not SetBootstrapToken")
    };
    assert_eq!(
        s.bootstrap_token
            .as_ref()
            .map(|t| t.expose().as_ref().to_vec()),
        Some(b"bootstrap-token-0123456789abcdef".to_vec())
    );
    assert_eq!(s.awaiting_configuration, Some(true));
    // UDID is not a key of this message in the schema: kept as an unknown key.
    assert_eq!(
        s.unknown_keys.get("UDID").and_then(Value::as_str),
        Some(MAC_UDID)
    );
}

#[test]
fn get_bootstrap_token_decodes() {
    let m = checkin(GET_BOOTSTRAP_TOKEN);
    let CheckinMessage::GetBootstrapToken(g) = &m else {
        panic!("not GetBootstrapToken")
    };
    assert_eq!(g.awaiting_configuration, Some(false));
    assert_eq!(
        g.unknown_keys.get("UDID").and_then(Value::as_str),
        Some(MAC_UDID)
    );
    assert_eq!(GetBootstrapToken::new().awaiting_configuration, None);
}

#[test]
fn declarative_management_decodes() {
    let CheckinMessage::DeclarativeManagement(d) = checkin(DECLARATIVE_MANAGEMENT) else {
        panic!("not DeclarativeManagement")
    };
    assert_eq!(d.endpoint, "status");
    assert_eq!(d.udid.as_deref(), Some(IPAD_UDID));
    let json: serde_json::Value = serde_json::from_slice(d.json().unwrap()).unwrap();
    assert_eq!(
        json["StatusItems"]["device"]["identifier"]["serial-number"],
        "C02ABC123DEF"
    );
    assert_eq!(json["Errors"], serde_json::json!([]));
}

#[test]
fn get_token_decodes() {
    let CheckinMessage::GetToken(g) = checkin(GET_TOKEN) else {
        panic!("not GetToken")
    };
    assert_eq!(g.token_service_type, GetTokenTokenServiceType::WatchPairing);
    assert_eq!(g.token_service_type.as_str(), "com.apple.watch.pairing");
    assert_eq!(g.udid.as_deref(), Some(IPAD_UDID));
    let p = g.token_parameters.as_ref().unwrap();
    assert_eq!(p.phone_udid.as_deref(), Some(IPAD_UDID));
    assert_eq!(p.watch_udid.as_deref(), Some("00008301-0001A2B3C4D5E6F7"));
    assert_eq!(
        p.security_token.as_ref().map(|s| s.expose().as_str()),
        Some("security-token-for-test-only")
    );
    // An unknown service type keeps its text.
    let other = GetTokenTokenServiceType::from("com.example.future");
    assert_eq!(other.as_str(), "com.example.future");
    assert_ne!(other, GetTokenTokenServiceType::Maid);
}

#[test]
fn every_fixture_decodes_to_its_variant() {
    for (input, want) in [
        (AUTHENTICATE, "Authenticate"),
        (TOKEN_UPDATE, "TokenUpdate"),
        (CHECK_OUT, "CheckOut"),
        (USER_AUTHENTICATE, "UserAuthenticate"),
        (SET_BOOTSTRAP_TOKEN, "SetBootstrapToken"),
        (GET_BOOTSTRAP_TOKEN, "GetBootstrapToken"),
        (DECLARATIVE_MANAGEMENT, "DeclarativeManagement"),
        (GET_TOKEN, "GetToken"),
    ] {
        let m = checkin(input);
        assert_eq!(m.message_type(), want);
        assert!(!matches!(m, CheckinMessage::Unknown(_)), "{want}");
        // Each re-encodes to a document that decodes to the same message.
        assert_eq!(checkin(&m.to_xml().unwrap()), m, "{want}");
    }
    let m = CheckinMessage::from_xml(
        b"<plist><dict><key>MessageType</key><string>Enroll</string><key>X</key><integer>1</integer></dict></plist>",
    )
    .unwrap();
    assert_eq!(m.message_type(), "Enroll");
    let CheckinMessage::Unknown(d) = m else {
        panic!("not Unknown")
    };
    assert_eq!(d.len(), 2);
}

// ---- secrets ----

#[test]
fn secrets_are_redacted_in_debug() {
    let cases: [(&[u8], &[&str]); 4] = [
        (
            TOKEN_UPDATE,
            &[
                "5C6F0E1A-2B3C-4D5E-8F90-A1B2C3D4E5F6",
                "unlock-token",
                // `Bytes` debug-prints as a byte string: the token's first bytes are `m+zL`.
                "m+zL",
                "bSt6TB8O",
            ],
        ),
        (USER_AUTHENTICATE, &["digest-response-for-test-only"]),
        (SET_BOOTSTRAP_TOKEN, &["bootstrap-token", "Ym9vdHN0"]),
        (GET_TOKEN, &["security-token-for-test-only"]),
    ];
    for (input, secrets) in cases {
        let m = checkin(input);
        let inbound = Inbound::from_xml(input).unwrap();
        for text in [format!("{m:?}"), format!("{m:#?}"), format!("{inbound:?}")] {
            assert!(text.contains("Sensitive(<redacted>)"), "{text}");
            for s in secrets {
                assert!(
                    !text.contains(s),
                    "{} leaks {s:?}: {text}",
                    m.message_type()
                );
            }
        }
    }
    // Non-secret fields are still shown.
    assert!(format!("{:?}", checkin(TOKEN_UPDATE)).contains(IPAD_UDID));

    // Server answers too.
    let mut r = GetBootstrapTokenResponse::new();
    r.bootstrap_token = Some(mdmkit::Sensitive::new(Bytes::from_static(b"escrowed")));
    let text = format!("{r:?}");
    assert!(
        text.contains("Sensitive(<redacted>)") && !text.contains("escrowed"),
        "{text}"
    );
    let r = GetTokenResponse::new(Bytes::from_static(b"token-data"));
    let text = format!("{r:?}");
    assert!(
        text.contains("Sensitive(<redacted>)") && !text.contains("token-data"),
        "{text}"
    );

    // Serialization (for storage) writes the real values.
    let CheckinMessage::TokenUpdate(t) = checkin(TOKEN_UPDATE) else {
        panic!()
    };
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(json["push_magic"], "5C6F0E1A-2B3C-4D5E-8F90-A1B2C3D4E5F6");
    assert_eq!(
        json["token"],
        "bSt6TB8OPSxbSml4h5altMPS4fAPHi08S1ppeIeWpbQ="
    );
}

// ---- Inbound ----

#[test]
fn inbound_classifies_checkins_and_reports() {
    for input in [
        AUTHENTICATE,
        TOKEN_UPDATE,
        CHECK_OUT,
        USER_AUTHENTICATE,
        SET_BOOTSTRAP_TOKEN,
        GET_BOOTSTRAP_TOKEN,
        DECLARATIVE_MANAGEMENT,
        GET_TOKEN,
    ] {
        match Inbound::from_xml(input).unwrap() {
            Inbound::Checkin(m) => assert_eq!(*m, checkin(input)),
            other => panic!("classified as {other:?}"),
        }
    }
    for input in [
        REPORT_IDLE,
        REPORT_ACKNOWLEDGED,
        REPORT_ERROR,
        REPORT_NOT_NOW,
        REPORT_UNKNOWN_STATUS,
        WHITESPACE_QUIRKS,
    ] {
        match Inbound::from_xml(input).unwrap() {
            Inbound::Report(r) => assert_eq!(*r, report(input)),
            other => panic!("classified as {other:?}"),
        }
    }
    // A binary check-in, with explicit limits.
    match Inbound::from_xml_with_limits(&TOKEN_UPDATE_BINARY, &Limits::default()).unwrap() {
        Inbound::Checkin(m) => assert_eq!(*m, checkin(TOKEN_UPDATE)),
        other => panic!("classified as {other:?}"),
    }
}

#[test]
fn inbound_without_message_type_or_status_is_missing_message_type() {
    let e = Inbound::from_xml(NEITHER_KEY).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::MissingKey);
    assert_eq!(e.path(), "MessageType");
    let e = CheckinMessage::from_xml(NEITHER_KEY).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::MissingKey);
    assert_eq!(e.path(), "MessageType");
    let e = CommandReport::from_xml(NEITHER_KEY).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::MissingKey);
    assert_eq!(e.path(), "Status");
    // An empty dictionary too.
    let e = Inbound::from_xml(b"<plist><dict/></plist>").unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::MissingKey);
    assert_eq!(e.path(), "MessageType");
}

// ---- reports ----

#[test]
fn report_statuses() {
    let idle = report(REPORT_IDLE);
    assert_eq!(idle.status, Status::Idle);
    assert!(idle.status.is_idle());
    assert_eq!(idle.command_uuid, None);
    assert_eq!(idle.device_id(), Some(IPAD_UDID));
    assert!(idle.error_chain.is_empty());
    assert!(idle.body.is_empty());

    let ack = report(REPORT_ACKNOWLEDGED);
    assert_eq!(ack.status, Status::Acknowledged);
    assert!(!ack.status.is_idle());
    assert_eq!(
        ack.command_uuid.as_deref(),
        Some("0D3E1A2B-5C6D-4E7F-8091-A2B3C4D5E6F7")
    );
    assert_eq!(ack.body.keys().collect::<Vec<_>>(), ["ProfileList"]);

    let err = report(REPORT_ERROR);
    assert_eq!(err.status, Status::Error);
    assert_eq!(err.status.as_str(), "Error");
    assert_eq!(err.error_chain.len(), 2);
    let first = &err.error_chain[0];
    assert_eq!(first.error_code, 4001);
    assert_eq!(first.error_domain, "MCProfileErrorDomain");
    assert_eq!(
        first.localized_description.as_deref(),
        Some("The profile could not be installed.")
    );
    assert_eq!(
        first.us_english_description.as_deref(),
        Some("The profile could not be installed.")
    );
    let mut second = ErrorChainItem::new(-909, "NSOSStatusErrorDomain");
    assert_eq!(err.error_chain[1], second);
    second.error_code = -910;
    assert_ne!(err.error_chain[1], second);

    let not_now = report(REPORT_NOT_NOW);
    assert_eq!(not_now.status, Status::NotNow);
    assert_eq!(not_now.status.as_str(), "NotNow");
    assert_eq!(not_now.udid, None);
    assert_eq!(
        not_now.device_id(),
        Some("F2E1D0C9-B8A7-4695-8473-6251403F2E1D")
    );
    assert_eq!(
        not_now.command_uuid.as_deref(),
        Some("2B3C4D5E-6F70-4182-93A4-B5C6D7E8F901")
    );

    let unknown = report(REPORT_UNKNOWN_STATUS);
    assert_eq!(unknown.status.as_str(), "Deferred");
    for known in [
        Status::Idle,
        Status::Acknowledged,
        Status::Error,
        Status::CommandFormatError,
        Status::NotNow,
    ] {
        assert_ne!(unknown.status, known);
    }
    assert_eq!(unknown.status, Status::from("Deferred"));
    // Written back as it came.
    let xml = String::from_utf8(unknown.to_xml().unwrap()).unwrap();
    assert!(xml.contains("\t<key>Status</key>\n\t<string>Deferred</string>\n"));
    assert_eq!(
        Status::from("CommandFormatError"),
        Status::CommandFormatError
    );
}

/// A command's response, decoded with the public decoder API.
#[derive(Debug, PartialEq)]
struct ProfileListResponse {
    profiles: Vec<Profile>,
}

#[derive(Debug, PartialEq)]
struct Profile {
    identifier: String,
    uuid: String,
    version: i64,
    has_removal_passcode: bool,
}

fn required<T>(slot: Option<T>, key: &str) -> Result<T, DecodeError> {
    slot.ok_or_else(|| DecodeError::new(DecodeErrorKind::MissingKey).in_key(key))
}

impl FromPlist for Profile {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        de.expect_dict(&first)?;
        let (mut identifier, mut uuid, mut version, mut passcode) = (None, None, None, None);
        while let Some(key) = de.next_key()? {
            match &*key {
                "PayloadIdentifier" => de.field(&mut identifier, "PayloadIdentifier")?,
                "PayloadUUID" => de.field(&mut uuid, "PayloadUUID")?,
                "PayloadVersion" => de.field(&mut version, "PayloadVersion")?,
                "HasRemovalPasscode" => de.field(&mut passcode, "HasRemovalPasscode")?,
                _ => {
                    // Skip anything else, whatever its shape.
                    let _: Value = de.value()?;
                }
            }
        }
        Ok(Profile {
            identifier: required(identifier, "PayloadIdentifier")?,
            uuid: required(uuid, "PayloadUUID")?,
            version: required(version, "PayloadVersion")?,
            has_removal_passcode: passcode.unwrap_or(false),
        })
    }
}

impl FromPlist for ProfileListResponse {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        de.expect_dict(&first)?;
        let mut profiles = None;
        while let Some(key) = de.next_key()? {
            match &*key {
                "ProfileList" => de.field(&mut profiles, "ProfileList")?,
                _ => {
                    let _: Value = de.value()?;
                }
            }
        }
        Ok(ProfileListResponse {
            profiles: required(profiles, "ProfileList")?,
        })
    }
}

/// The second entry of a report's `ProfileList`.
fn second_profile(r: &mut CommandReport) -> &mut Dictionary {
    let Some(Value::Array(list)) = r.body.get_mut("ProfileList") else {
        panic!("no ProfileList")
    };
    let Value::Dictionary(second) = &mut list[1] else {
        panic!("not a dict")
    };
    second
}

#[test]
fn decode_body_into_a_user_type() {
    let r = report(REPORT_ACKNOWLEDGED);
    let body: ProfileListResponse = r.decode_body().unwrap();
    assert_eq!(
        body,
        ProfileListResponse {
            profiles: vec![
                Profile {
                    identifier: "com.example.mdm.enrollment".into(),
                    uuid: "11111111-2222-3333-4444-555555555555".into(),
                    version: 1,
                    has_removal_passcode: false,
                },
                Profile {
                    identifier: "com.example.wifi".into(),
                    uuid: "66666666-7777-8888-9999-000000000000".into(),
                    version: 2,
                    has_removal_passcode: true,
                },
            ],
        }
    );

    // Errors carry the path inside the body.
    let mut bad = r.clone();
    second_profile(&mut bad).insert("PayloadVersion", "2");
    let e = bad.decode_body::<ProfileListResponse>().unwrap_err();
    assert_eq!(
        e.kind(),
        &DecodeErrorKind::WrongType {
            expected: "integer",
            found: "string"
        }
    );
    assert_eq!(e.path(), "ProfileList[1].PayloadVersion");
    second_profile(&mut bad).remove("PayloadUUID");
    second_profile(&mut bad).insert("PayloadVersion", 2i64);
    let e = bad.decode_body::<ProfileListResponse>().unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::MissingKey);
    assert_eq!(e.path(), "ProfileList[1].PayloadUUID");

    // The envelope is not part of the body: an Idle report has no ProfileList.
    let e = report(REPORT_IDLE)
        .decode_body::<ProfileListResponse>()
        .unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::MissingKey);
    assert_eq!(e.path(), "ProfileList");
}

#[test]
fn decode_body_into_a_dictionary() {
    let r = report(REPORT_ACKNOWLEDGED);
    let d: Dictionary = r.decode_body().unwrap();
    assert_eq!(d, r.body);
    assert!(!d.contains_key("Status") && !d.contains_key("UDID") && !d.contains_key("CommandUUID"));
    let list = d.get("ProfileList").and_then(Value::as_array).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[1]
            .as_dictionary()
            .and_then(|p| p.get("PayloadVersion"))
            .and_then(Value::as_i64),
        Some(2)
    );
    let v: Value = r.decode_body().unwrap();
    assert_eq!(v, Value::Dictionary(r.body.clone()));
    let empty: Dictionary = report(REPORT_IDLE).decode_body().unwrap();
    assert!(empty.is_empty());
}

// ---- the writer ----

#[test]
fn writer_produces_apples_layout() {
    let token: Vec<u8> = (0u8..60).collect();
    let mut t = TokenUpdate::new("com.apple.mgmt.External.e0bd1eac", token, "MAGIC");
    t.udid = Some("UDID1".into());
    t.awaiting_configuration = Some(false);
    t.unknown_keys.insert("Empty", Dictionary::new());
    t.unknown_keys.insert("List", Value::Array(Vec::new()));
    let mut nested = Dictionary::new();
    nested.insert("A", 1i64);
    nested.insert("B", Bytes::from_static(b"hi"));
    nested.insert("C", Bytes::new());
    nested.insert(
        "D",
        Value::Array(vec![Value::from(true), Value::from(-5i64)]),
    );
    t.unknown_keys.insert("Nested", nested);
    t.unknown_keys.insert("Text", "a&b<c>");
    let xml = CheckinMessage::TokenUpdate(t).to_xml().unwrap();
    let expected = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n",
        "<plist version=\"1.0\">\n",
        "<dict>\n",
        "\t<key>AwaitingConfiguration</key>\n",
        "\t<false/>\n",
        "\t<key>MessageType</key>\n",
        "\t<string>TokenUpdate</string>\n",
        "\t<key>PushMagic</key>\n",
        "\t<string>MAGIC</string>\n",
        "\t<key>Token</key>\n",
        "\t<data>\n",
        "\tAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEy\n",
        "\tMzQ1Njc4OTo7\n",
        "\t</data>\n",
        "\t<key>Topic</key>\n",
        "\t<string>com.apple.mgmt.External.e0bd1eac</string>\n",
        "\t<key>UDID</key>\n",
        "\t<string>UDID1</string>\n",
        "\t<key>Empty</key>\n",
        "\t<dict/>\n",
        "\t<key>List</key>\n",
        "\t<array/>\n",
        "\t<key>Nested</key>\n",
        "\t<dict>\n",
        "\t\t<key>A</key>\n",
        "\t\t<integer>1</integer>\n",
        "\t\t<key>B</key>\n",
        "\t\t<data>\n",
        "\t\taGk=\n",
        "\t\t</data>\n",
        "\t\t<key>C</key>\n",
        "\t\t<data></data>\n",
        "\t\t<key>D</key>\n",
        "\t\t<array>\n",
        "\t\t\t<true/>\n",
        "\t\t\t<integer>-5</integer>\n",
        "\t\t</array>\n",
        "\t</dict>\n",
        "\t<key>Text</key>\n",
        "\t<string>a&amp;b&lt;c&gt;</string>\n",
        "</dict>\n",
        "</plist>\n",
    );
    assert_eq!(String::from_utf8(xml).unwrap(), expected);
}

#[test]
fn writer_empty_and_scalar_documents() {
    let prolog = mdmkit::apple::plist::XML_PROLOG;
    assert_eq!(
        String::from_utf8(GetBootstrapTokenResponse::new().to_xml().unwrap()).unwrap(),
        format!("{prolog}<dict/>\n</plist>\n")
    );
    assert_eq!(
        String::from_utf8(
            CheckinMessage::GetBootstrapToken(GetBootstrapToken::new())
                .to_xml()
                .unwrap()
        )
        .unwrap(),
        format!(
            "{prolog}<dict>\n\t<key>MessageType</key>\n\t<string>GetBootstrapToken</string>\n</dict>\n</plist>\n"
        )
    );
    assert_eq!(
        String::from_utf8(
            GetTokenResponse::new(Bytes::from_static(b"tok"))
                .to_xml()
                .unwrap()
        )
        .unwrap(),
        format!(
            "{prolog}<dict>\n\t<key>TokenData</key>\n\t<data>\n\tdG9r\n\t</data>\n</dict>\n</plist>\n"
        )
    );
    let v = Value::from(vec![
        Value::from(u64::MAX),
        Value::from(i64::MIN),
        Value::from(1.5f64),
        Value::from(mdmkit::apple::plist::Date::from_unix_seconds(978_307_200)),
        Value::from("line\r\nbreak"),
    ]);
    assert_eq!(
        String::from_utf8(v.to_xml().unwrap()).unwrap(),
        format!(
            "{prolog}<array>\n\t<integer>18446744073709551615</integer>\n\
             \t<integer>-9223372036854775808</integer>\n\t<real>1.5</real>\n\
             \t<date>2001-01-01T00:00:00Z</date>\n\t<string>line&#13;\nbreak</string>\n\
             </array>\n</plist>\n"
        )
    );
    // A character XML cannot carry is refused with its path.
    let mut c = GetBootstrapTokenResponse::new();
    c.unknown_keys.insert("Bad", "nul\u{0}");
    let e = c.to_xml().unwrap_err();
    assert_eq!(
        e,
        mdmkit::EncodeError::InvalidXmlChar { path: "Bad".into() }
    );
}

// ---- binary plists ----

#[test]
fn binary_plist_decodes_like_xml() {
    assert!(TOKEN_UPDATE_BINARY.starts_with(b"bplist00"));
    let from_binary = CheckinMessage::from_xml(&TOKEN_UPDATE_BINARY).unwrap();
    assert_eq!(from_binary, checkin(TOKEN_UPDATE));
    assert_eq!(
        Value::from_xml(&TOKEN_UPDATE_BINARY).unwrap(),
        Value::from_xml(TOKEN_UPDATE).unwrap()
    );
    // A binary plist is refused by the input limit like any other.
    let e = CheckinMessage::from_xml_with_limits(
        &TOKEN_UPDATE_BINARY,
        &Limits::default().with_max_input_bytes(100),
    )
    .unwrap_err();
    assert_eq!(
        e.kind(),
        &DecodeErrorKind::LimitExceeded(mdmkit::Limit::InputBytes)
    );
    // Truncated, it is an error.
    let e = CheckinMessage::from_xml(&TOKEN_UPDATE_BINARY[..200]).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            DecodeErrorKind::Syntax | DecodeErrorKind::UnexpectedEof
        ),
        "{e:?}"
    );
}

// ---- whitespace quirks ----

#[test]
fn whitespace_quirks() {
    let r = report(WHITESPACE_QUIRKS);
    assert_eq!(r.status, Status::Acknowledged);
    assert_eq!(
        r.command_uuid.as_deref(),
        Some("4D5E6F70-8192-43A4-B5C6-D7E8F9011223")
    );
    assert_eq!(r.udid.as_deref(), Some(IPAD_UDID));
    assert!(r.body.is_empty());

    let r =
        report(b"<plist><dict><key>Status</key><string>\n Acknowledged \n</string></dict></plist>");
    assert_eq!(r.status, Status::Acknowledged);
    assert_eq!(r.status.as_str(), "Acknowledged");
    // An unknown status keeps its exact text.
    let r = report(b"<plist><dict><key>Status</key><string> Deferred </string></dict></plist>");
    assert_eq!(r.status.as_str(), " Deferred ");

    // Padded keys are trimmed; string values are kept exactly.
    let m = checkin(
        b"<plist><dict><key>\n\tMessageType </key><string>CheckOut</string>\
          <key> Topic</key><string> spaced topic </string>\
          <key>UDID\n</key><string>\tU\n</string></dict></plist>",
    );
    let CheckinMessage::CheckOut(c) = m else {
        panic!("not CheckOut: {m:?}")
    };
    assert_eq!(c.topic, " spaced topic ");
    assert_eq!(c.udid.as_deref(), Some("\tU\n"));
    assert!(c.unknown_keys.is_empty());
    // MessageType's value is not trimmed: a padded type is an unknown type.
    let m =
        checkin(b"<plist><dict><key>MessageType</key><string> CheckOut</string></dict></plist>");
    assert!(matches!(m, CheckinMessage::Unknown(_)));
    assert_eq!(m.message_type(), " CheckOut");
}

// ---- availability ----

#[test]
fn availability_facts() {
    let a = GetToken::AVAILABILITY;
    assert!(a.is_available(Platform::MacOs, Version::new(14, 0, 0)));
    assert!(a.is_available(Platform::MacOs, Version::new(15, 1, 0)));
    assert!(!a.is_available(Platform::MacOs, Version::new(13, 6, 0)));
    assert!(a.is_available(Platform::Ios, Version::new(17, 0, 0)));
    assert!(!a.is_available(Platform::Ios, Version::new(16, 7, 0)));
    assert!(!a.is_available(Platform::TvOs, Version::new(18, 0, 0)));
    assert!(!a.is_available(Platform::WatchOs, Version::new(11, 0, 0)));
    assert_eq!(
        a.platform(Platform::MacOs).map(|s| s.platform),
        Some(Platform::MacOs)
    );
    assert_eq!(Version::parse("14.0"), Some(Version::new(14, 0, 0)));

    let key = |name: &str| {
        TokenUpdate::KEYS
            .iter()
            .find(|k| k.key == name)
            .unwrap_or_else(|| panic!("no key {name}"))
    };
    let udid = key("UDID");
    assert!(udid.schema_required);
    assert!(!udid.required);
    assert_eq!(udid.plist_type, "<string>");
    let token = key("Token");
    assert!(token.required && token.schema_required);
    assert_eq!(token.plist_type, "<data>");
    let unlock = key("UnlockToken");
    assert!(!unlock.required && !unlock.schema_required);
    assert!(
        !unlock
            .availability
            .is_available(Platform::MacOs, Version::new(14, 0, 0))
    );
    assert!(TokenUpdate::KEYS.iter().any(|k| k.key == "MessageType"));
    assert!(TokenUpdate::AVAILABILITY.is_available(Platform::Ios, Version::new(4, 0, 0)));
}
