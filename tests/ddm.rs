//! Declarative Device Management: every declaration type round-trips through JSON with nothing
//! lost, unknown keys and types survive, hostile JSON gets typed errors, and a whole sync
//! (tokens → declaration items → each declaration → status) runs against the protocol helpers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine as _;
use mdmkit::apple::checkin::CheckinMessage;
use mdmkit::apple::command::{AnyRequest, Command, DeclarativeManagement};
use mdmkit::apple::ddm::{
    self, ALL_DECLARATIONS, ActivationSimple, AssetData, Category, ConfigurationPasscodeSettings,
    Declaration, DeclarationItemsResponse, DeclarationKind, DeclarationPayload,
    DeclarationTypeInfo, Endpoint, ManagementProperties, StatusReport, SyncTokens, TokensResponse,
};
use mdmkit::apple::plist::{Dictionary, Value};
use mdmkit::{DecodeErrorKind, Limit, Limits};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value as Json;

#[path = "support/schema_values.rs"]
mod schema_values;

/// Payloads: five levels, sometimes a key the schema does not define.
const GEN: schema_values::Gen = schema_values::Gen {
    max_depth: 5,
    unknown_key: Some("XUnknownKey"),
};

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    })
}

fn json(bytes: &[u8]) -> Json {
    serde_json::from_slice(bytes).unwrap()
}

fn envelope(ty: &str, payload: &Dictionary) -> Vec<u8> {
    let payload: Json = serde_json::to_value(Value::Dictionary(payload.clone())).unwrap();
    serde_json::to_vec(&serde_json::json!({
        "Type": ty,
        "Identifier": "A1B2C3D4-0000-4000-8000-000000000001",
        "ServerToken": "token-1",
        "Payload": payload,
    }))
    .unwrap()
}

fn check_declaration(
    info: &'static DeclarationTypeInfo,
    payload: Dictionary,
) -> Result<(), TestCaseError> {
    let wire = envelope(info.declaration_type, &payload);
    let d = Declaration::from_json(&wire).map_err(|e| {
        TestCaseError::fail(format!(
            "{}: {e} in {}",
            info.declaration_type,
            String::from_utf8_lossy(&wire)
        ))
    })?;
    prop_assert_eq!(d.payload.declaration_type(), Some(info.declaration_type));
    prop_assert_eq!(
        d.payload.info().map(|i| i.declaration_type),
        Some(info.declaration_type)
    );
    prop_assert_eq!(d.category(), Some(info.category));
    // Nothing lost: the typed value writes back the same JSON (key order aside).
    let out = d.to_json().unwrap();
    prop_assert_eq!(json(&out), json(&wire), "{}", info.declaration_type);
    prop_assert_eq!(&Declaration::from_json(&out).unwrap(), &d);
    // The untyped decode keeps the same payload.
    let raw = Declaration::from_json_untyped(&wire, &Limits::DEFAULT).unwrap();
    prop_assert_eq!(json(&raw.to_json().unwrap()), json(&wire));
    Ok(())
}

#[test]
fn every_declaration_type_round_trips() {
    assert_eq!(
        ALL_DECLARATIONS.len(),
        38,
        "the schema snapshot has 38 declaration types"
    );
    for info in ALL_DECLARATIONS {
        assert_eq!(
            Category::of_type(info.declaration_type),
            Some(info.category)
        );
        assert_eq!(
            DeclarationTypeInfo::find(info.declaration_type).map(|i| i.declaration_type),
            Some(info.declaration_type)
        );
        runner()
            .run(&schema_values::dict_for(GEN, info.keys, 0), |d| {
                check_declaration(info, d)
            })
            .unwrap_or_else(|e| panic!("{}: {e}", info.declaration_type));
    }
    let per_category = |c| ALL_DECLARATIONS.iter().filter(|i| i.category == c).count();
    assert_eq!(per_category(Category::Activation), 1);
    assert_eq!(per_category(Category::Asset), 7);
    assert_eq!(per_category(Category::Configuration), 27);
    assert_eq!(per_category(Category::Management), 3);
}

const PASSCODE: &[u8] = br#"{
  "Type": "com.apple.configuration.passcode.settings",
  "Identifier": "passcode",
  "ServerToken": "1",
  "Payload": {"MinimumLength": 6, "RequireAlphanumericPasscode": true},
  "XEnvelope": {"kept": [1, 2.5, "three", false]}
}"#;

#[test]
fn typed_payload_and_envelope_unknown_keys() {
    let d = Declaration::from_json(PASSCODE).unwrap();
    assert_eq!(d.identifier, "passcode");
    assert_eq!(d.server_token, "1");
    let DeclarationPayload::ConfigurationPasscodeSettings(p) = &d.payload else {
        panic!("{:?}", d.payload)
    };
    assert_eq!(p.minimum_length, Some(6));
    assert_eq!(p.require_alphanumeric_passcode, Some(true));
    assert_eq!(d.unknown_keys.len(), 1);
    assert_eq!(json(&d.to_json().unwrap()), json(PASSCODE));
    // Known keys first, in the envelope's order, unknown keys after.
    let text = String::from_utf8(d.to_json().unwrap()).unwrap();
    assert!(
        text.starts_with(r#"{"Type":"com.apple.configuration.passcode.settings","Identifier""#)
    );
    assert!(
        text.ends_with(r#""XEnvelope":{"kept":[1,2.5,"three",false]}}"#),
        "{text}"
    );
}

#[test]
fn type_after_payload_and_unknown_payload_keys() {
    let input = br#"{"Payload": {"MinimumLength": 4, "XNew": {"a": [true]}}, "ServerToken": "t",
        "Identifier": "i", "Type": "com.apple.configuration.passcode.settings"}"#;
    let d = Declaration::from_json(input).unwrap();
    let DeclarationPayload::ConfigurationPasscodeSettings(p) = &d.payload else {
        panic!("{:?}", d.payload)
    };
    assert_eq!(p.minimum_length, Some(4));
    assert!(p.unknown_keys.get("XNew").is_some());
    assert_eq!(json(&d.to_json().unwrap()), json(input));
}

#[test]
fn unknown_declaration_type_survives() {
    let input = br#"{"Type": "com.apple.configuration.future.thing", "Identifier": "f",
        "ServerToken": "9", "Payload": {"Nested": {"Deep": [1, {"x": "y"}]}, "N": -3}}"#;
    let d = Declaration::from_json(input).unwrap();
    assert!(matches!(d.payload, DeclarationPayload::Unknown(_)));
    assert_eq!(d.payload.declaration_type(), None);
    assert_eq!(d.category(), Some(Category::Configuration));
    assert_eq!(json(&d.to_json().unwrap()), json(input));
    let built = Declaration::other(
        "com.example.custom",
        "c",
        "1",
        Dictionary::from_iter([("K".to_owned(), Value::from("v"))]),
    );
    assert_eq!(built.category(), None);
    assert_eq!(
        Declaration::from_json(&built.to_json().unwrap()).unwrap(),
        built
    );
}

/// `(input, kind, path)`: each must be refused with that kind at that key path.
#[test]
fn hostile_declarations_get_typed_errors() {
    let cases: &[(&[u8], DecodeErrorKind, &str)] = &[
        (
            br#"{"Type":"com.apple.configuration.passcode.settings","Identifier":"i","ServerToken":"t","Payload":{"MinimumLength":"six"}}"#,
            DecodeErrorKind::WrongType { expected: "integer", found: "string" },
            "Payload.MinimumLength",
        ),
        (
            br#"{"Type":"com.apple.activation.simple","Identifier":"i","ServerToken":"t","Payload":{"StandardConfigurations":["a",7]}}"#,
            DecodeErrorKind::WrongType { expected: "string", found: "integer" },
            "Payload.StandardConfigurations[1]",
        ),
        (
            br#"{"Type":"com.apple.activation.simple","Identifier":"i","ServerToken":"t","Payload":{}}"#,
            DecodeErrorKind::MissingKey,
            "Payload.StandardConfigurations",
        ),
        (br#"{"Identifier":"i","ServerToken":"t","Payload":{}}"#, DecodeErrorKind::MissingKey, "Type"),
        (
            br#"{"Type":"com.apple.asset.data","ServerToken":"t","Payload":{"Reference":{"DataURL":"https://x"}}}"#,
            DecodeErrorKind::MissingKey,
            "Identifier",
        ),
        (
            br#"{"Type":7,"Identifier":"i","ServerToken":"t","Payload":{}}"#,
            DecodeErrorKind::WrongType { expected: "string", found: "another type" },
            "Type",
        ),
        (
            br#"{"Type":"x","Identifier":"i","Identifier":"j","ServerToken":"t","Payload":{}}"#,
            DecodeErrorKind::DuplicateKey,
            "Identifier",
        ),
        (
            br#"{"Type":"x","Identifier":"i","ServerToken":"t","Payload":{"a":null}}"#,
            DecodeErrorKind::InvalidValue("value (json null)"),
            "Payload.a",
        ),
        (
            br#"{"Type":"x","Identifier":"i","ServerToken":"t","Payload":[]}"#,
            DecodeErrorKind::WrongType { expected: "dictionary", found: "array" },
            "Payload",
        ),
        (
            br#"{"Type":"x","Identifier":"i","ServerToken":"t","Payload":{}} {}"#,
            DecodeErrorKind::TrailingData,
            "",
        ),
        (br#"{"Type":"x",}"#, DecodeErrorKind::Syntax, ""),
        (br#"{"Type":"\ud800"}"#, DecodeErrorKind::InvalidValue("string escape"), "Type"),
        (br#"{"Type":"\q"}"#, DecodeErrorKind::InvalidValue("string escape"), "Type"),
        (br#"{"Type":"a
b"}"#, DecodeErrorKind::Syntax, "Type"),
        (br#"{"Type":"x","Identifier":"i","ServerToken":"t","Payload":{"n":99999999999999999999}}"#, DecodeErrorKind::IntegerOutOfRange, "Payload.n"),
        (br#"{"Type":"x","Identifier":"i","ServerToken":"t","Payload":{"n":1e999}}"#, DecodeErrorKind::InvalidValue("number"), "Payload.n"),
        (br#"{"Type":"x","Identifier":"i","ServerToken":"t","Payload":{"n":01}}"#, DecodeErrorKind::Syntax, "Payload.n"),
        (b"", DecodeErrorKind::UnexpectedEof, ""),
        (br#"{"Identifier": [1, 2"#, DecodeErrorKind::UnexpectedEof, "Identifier[2]"),
        (b"\"text\"", DecodeErrorKind::WrongType { expected: "dictionary", found: "string" }, ""),
    ];
    for (input, kind, path) in cases {
        let e = Declaration::from_json(input).unwrap_err();
        let shown = String::from_utf8_lossy(input);
        assert_eq!(e.kind(), kind, "{shown}");
        assert_eq!(e.path(), *path, "{shown}");
        assert!(
            e.offset().is_some() || e.kind() == &DecodeErrorKind::MissingKey,
            "{shown}: offset"
        );
    }
    // Error text never echoes the value.
    let e = Declaration::from_json(
        br#"{"Type":"com.apple.configuration.passcode.settings","Identifier":"i","ServerToken":"t","Payload":{"MinimumLength":"s3cr3t"}}"#,
    )
    .unwrap_err();
    assert!(!e.to_string().contains("s3cr3t"), "{e}");
}

#[test]
fn hostile_inputs_hit_limits_first() {
    // Depth: 100 000 nested arrays in an unknown key; refused at the limit, no recursion.
    let mut deep = br#"{"Type":"x","Identifier":"i","ServerToken":"t","Payload":{"a":"#.to_vec();
    deep.extend(std::iter::repeat_n(b'[', 100_000));
    let e = Declaration::from_json(&deep).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::LimitExceeded(Limit::Depth));
    // Size: checked before anything is read.
    let big = vec![b' '; Limits::DEFAULT.max_input_bytes + 1];
    let e = StatusReport::from_json(&big).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::LimitExceeded(Limit::InputBytes));
    assert_eq!(e.offset(), Some(0));
    // Invalid UTF-8, with its offset.
    let e = Declaration::from_json(b"{\"Type\":\"\xff\"}").unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::InvalidUtf8);
    assert_eq!(e.offset(), Some(9));
    // Strings and items.
    let limits = Limits::DEFAULT.with_max_string_bytes(8).with_max_items(50);
    let e = Declaration::from_json_with_limits(br#"{"Type":"0123456789"}"#, &limits).unwrap_err();
    assert_eq!(
        e.kind(),
        &DecodeErrorKind::LimitExceeded(Limit::StringBytes)
    );
    let many = format!(r#"{{"Type":"x","Payload":[{}0]}}"#, "0,".repeat(100));
    let e = Declaration::from_json_with_limits(many.as_bytes(), &limits).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::LimitExceeded(Limit::Items));
    // A byte-order mark is allowed; offsets count it.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(PASSCODE);
    assert_eq!(
        Declaration::from_json(&bom).unwrap(),
        Declaration::from_json(PASSCODE).unwrap()
    );
}

#[test]
fn every_truncation_is_an_error() {
    for n in 0..PASSCODE.len() {
        let cut = &PASSCODE[..n];
        let e = Declaration::from_json(cut).unwrap_err();
        assert_eq!(e.kind(), &DecodeErrorKind::UnexpectedEof, "prefix {n}");
    }
    for n in 0..STATUS.len() {
        let e = StatusReport::from_json(&STATUS[..n]).unwrap_err();
        assert_eq!(
            e.kind(),
            &DecodeErrorKind::UnexpectedEof,
            "status prefix {n}"
        );
    }
}

#[test]
fn escapes_decode() {
    let input = br#"{"Type":"com.example.t","Identifier":"\u00e9\ud83d\ude00\n\"\\\/","ServerToken":"t","Payload":{}}"#;
    let d = Declaration::from_json(input).unwrap();
    assert_eq!(d.identifier, "é😀\n\"\\/");
    assert_eq!(Declaration::from_json(&d.to_json().unwrap()).unwrap(), d);
}

// ---- Status reports ----

const STATUS: &[u8] = br#"{
  "StatusItems": {
    "device": {
      "identifier": {"serial-number": "C02XXXXXXXX", "udid": "0000-1111"},
      "model": {"family": "Mac", "identifier": "Mac14,2", "x-future": 1},
      "operating-system": {"build-version": "23E224", "family": "macOS", "version": "14.4",
        "supplemental": {"build-version": "23E224a", "extra-version": "(a)"}}
    },
    "management": {
      "client-capabilities": {"supported-versions": ["1.0.0"],
        "supported-payloads": {"status-items": ["device.model.family"]}},
      "declarations": {
        "activations": [{"identifier": "act", "server-token": "1", "active": true, "valid": "valid"}],
        "configurations": [{"identifier": "passcode", "server-token": "1", "active": false,
          "valid": "invalid", "reasons": [{"code": "Error.ConfigurationCannotBeApplied",
            "description": "d", "details": {"Error": "e"}}]}],
        "assets": [],
        "management": []
      }
    },
    "passcode": {"is-compliant": true, "is-present": true},
    "softwareupdate": {"install-state": "none", "pending-version": {"os-version": "14.5", "build-version": "23F79"}},
    "vendor": {"thing": {"value": [1, 2]}}
  },
  "Errors": [{"StatusItem": "account.list.mail.incoming", "Reasons": [{"Code": "Error.NotSupported"}]}]
}"#;

#[test]
fn status_report_is_typed_and_lossless() {
    let r = StatusReport::from_json(STATUS).unwrap();
    let items = r.status_items.as_ref().unwrap();
    let device = items.device.as_ref().unwrap();
    assert_eq!(
        device.identifier.as_ref().unwrap().udid.as_deref(),
        Some("0000-1111")
    );
    let model = device.model.as_ref().unwrap();
    assert_eq!(model.family.as_deref(), Some("Mac"));
    assert!(model.unknown_keys.get("x-future").is_some());
    let os = device.operating_system.as_ref().unwrap();
    assert_eq!(os.version.as_deref(), Some("14.4"));
    assert_eq!(
        os.supplemental.as_ref().unwrap().extra_version.as_deref(),
        Some("(a)")
    );
    assert_eq!(items.passcode.as_ref().unwrap().is_compliant, Some(true));
    // An unknown status item tree is kept at its place.
    assert!(items.unknown_keys.get("vendor").is_some());
    let decls: Vec<_> = r.declarations().collect();
    assert_eq!(decls.len(), 2);
    assert_eq!(decls[0].0, Category::Activation);
    let (c, failed) = decls[1];
    assert_eq!(c, Category::Configuration);
    assert_eq!(failed.valid.as_ref().unwrap().as_str(), "invalid");
    assert_eq!(
        failed.reasons.as_ref().unwrap()[0].code.as_deref(),
        Some("Error.ConfigurationCannotBeApplied")
    );
    let errors = r.errors.as_ref().unwrap();
    assert_eq!(
        errors[0].status_item.as_deref(),
        Some("account.list.mail.incoming")
    );
    assert_eq!(
        errors[0].reasons.as_ref().unwrap()[0].code.as_deref(),
        Some("Error.NotSupported")
    );
    // Lossless.
    let out = r.to_json().unwrap();
    assert_eq!(json(&out), json(STATUS));
    assert_eq!(StatusReport::from_json(&out).unwrap(), r);
}

#[test]
fn status_report_wrong_type_has_path() {
    let e = StatusReport::from_json(
        br#"{"StatusItems":{"device":{"model":{"family":7}}},"Errors":[]}"#,
    )
    .unwrap_err();
    assert_eq!(
        e.kind(),
        &DecodeErrorKind::WrongType {
            expected: "string",
            found: "integer"
        }
    );
    assert_eq!(e.path(), "StatusItems.device.model.family");
    let e = StatusReport::from_json(
        br#"{"StatusItems":{"management":{"declarations":{"configurations":[{"active":"yes"}]}}}}"#,
    )
    .unwrap_err();
    assert_eq!(
        e.path(),
        "StatusItems.management.declarations.configurations[0].active"
    );
}

// ---- The sync sequence ----

/// What the server holds: its declarations, and the sync tokens it last published.
struct Server {
    declarations: Vec<Declaration>,
    timestamp: String,
}

impl Server {
    /// Answers a `DeclarativeManagement` check-in body (the plist the device PUTs).
    fn handle(&self, checkin: &[u8]) -> (u16, Vec<u8>) {
        let CheckinMessage::DeclarativeManagement(msg) = CheckinMessage::from_xml(checkin).unwrap()
        else {
            panic!("not a DeclarativeManagement check-in")
        };
        match Endpoint::of(&msg) {
            Endpoint::Tokens => (200, TokensResponse::new(self.tokens()).to_json().unwrap()),
            Endpoint::DeclarationItems => (
                200,
                DeclarationItemsResponse::from_declarations(&self.declarations)
                    .to_json()
                    .unwrap(),
            ),
            Endpoint::Declaration {
                category,
                identifier,
            } => {
                match self
                    .declarations
                    .iter()
                    .find(|d| d.identifier == identifier && d.category() == Some(category))
                {
                    Some(d) => (200, d.to_json().unwrap()),
                    None => (404, Vec::new()),
                }
            }
            Endpoint::Status => {
                let report = msg.status_report().unwrap();
                for (_, d) in report.declarations() {
                    assert_eq!(d.active, Some(true), "{:?}", d.identifier);
                }
                (200, Vec::new())
            }
            other => panic!("unexpected endpoint {other}"),
        }
    }

    fn tokens(&self) -> SyncTokens {
        SyncTokens::for_declarations(&self.declarations, self.timestamp.clone())
    }
}

fn checkin_body(endpoint: &str, data: Option<&[u8]>) -> Vec<u8> {
    let data = data.map_or(String::new(), |d| {
        format!(
            "<key>Data</key><data>{}</data>",
            base64::engine::general_purpose::STANDARD.encode(d)
        )
    });
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\"><dict>\
         <key>MessageType</key><string>DeclarativeManagement</string>\
         <key>Endpoint</key><string>{endpoint}</string>{data}\
         <key>UDID</key><string>0000-1111</string></dict></plist>"
    )
    .into_bytes()
}

fn declarations() -> Vec<Declaration> {
    let mut passcode = ConfigurationPasscodeSettings::new();
    passcode.minimum_length = Some(6);
    let mut props = ManagementProperties::new();
    props.unknown_keys.insert("site", Value::from("north"));
    let asset = AssetData::from_json_fixture();
    vec![
        Declaration::new(
            "act",
            "a1",
            ActivationSimple::new(vec!["passcode".to_owned()]),
        ),
        Declaration::new("passcode", "p1", passcode),
        Declaration::new("props", "m1", props),
        asset,
    ]
}

trait Fixture {
    fn from_json_fixture() -> Declaration;
}

impl Fixture for AssetData {
    /// An asset written as JSON, to also cover the path from text.
    fn from_json_fixture() -> Declaration {
        Declaration::from_json(
            br#"{"Type":"com.apple.asset.data","Identifier":"logo","ServerToken":"d1",
                "Payload":{"Reference":{"DataURL":"https://example.com/logo.png",
                "ContentType":"image/png","Size":1024}}}"#,
        )
        .unwrap()
    }
}

#[test]
fn sync_sequence() {
    let server = Server {
        declarations: declarations(),
        timestamp: "2024-05-01T12:00:00Z".to_owned(),
    };
    // The server pushes the DeclarativeManagement command with its tokens.
    let cmd = DeclarativeManagement::with_sync_tokens(&server.tokens()).unwrap();
    let xml = Command::new("6E0F3C2A-0000-4000-8000-000000000001", cmd)
        .to_xml()
        .unwrap();
    let AnyRequest::DeclarativeManagement(received) = Command::from_xml(&xml).unwrap().request
    else {
        panic!("not a DeclarativeManagement command")
    };
    let pushed = received.sync_tokens().unwrap().unwrap();
    assert_eq!(pushed, server.tokens());
    assert_eq!(pushed.timestamp, "2024-05-01T12:00:00Z");

    // The device: tokens.
    let (status, body) = server.handle(&checkin_body("tokens", None));
    assert_eq!(status, 200);
    let tokens = TokensResponse::from_json(&body).unwrap().sync_tokens;
    assert_eq!(tokens.declarations_token, pushed.declarations_token);

    // Declaration items: the manifest and the same token.
    let (_, body) = server.handle(&checkin_body("declaration-items", None));
    let items = DeclarationItemsResponse::from_json(&body).unwrap();
    assert_eq!(items.declarations_token, tokens.declarations_token);
    assert_eq!(items.items().count(), 4);
    assert_eq!(items.declarations.activations.len(), 1);
    assert_eq!(items.declarations.assets.len(), 1);
    assert_eq!(items.declarations.configurations.len(), 1);
    assert_eq!(items.declarations.management.len(), 1);

    // Each declaration.
    let mut fetched = Vec::new();
    for (category, item) in items.items() {
        let endpoint = Endpoint::Declaration {
            category,
            identifier: item.identifier.clone(),
        };
        assert_eq!(Endpoint::parse(&endpoint.to_string()), endpoint);
        let (status, body) = server.handle(&checkin_body(&endpoint.to_string(), None));
        assert_eq!(status, 200, "{endpoint}");
        let d = Declaration::from_json(&body).unwrap();
        assert_eq!(d.identifier, item.identifier);
        assert_eq!(d.server_token, item.server_token);
        assert_eq!(Endpoint::for_declaration(&d), Some(endpoint));
        fetched.push(d);
    }
    for d in &server.declarations {
        assert!(fetched.contains(d), "{} fetched unchanged", d.identifier);
    }
    assert_eq!(ddm::declarations_token(&fetched), tokens.declarations_token);
    let (status, _) = server.handle(&checkin_body("declaration/configuration/nope", None));
    assert_eq!(status, 404);

    // Status: every declaration active.
    let mut report = serde_json::json!({"StatusItems": {"management": {"declarations": {
        "activations": [], "assets": [], "configurations": [], "management": []}}}, "Errors": []});
    for (category, item) in items.items() {
        let list = category.manifest_key().to_ascii_lowercase();
        report["StatusItems"]["management"]["declarations"][list]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"identifier": item.identifier,
                "server-token": item.server_token, "active": true, "valid": "valid"}));
    }
    let report = serde_json::to_vec(&report).unwrap();
    assert_eq!(
        StatusReport::from_json(&report)
            .unwrap()
            .declarations()
            .count(),
        4
    );
    let (status, body) = server.handle(&checkin_body("status", Some(&report)));
    assert_eq!((status, body.len()), (200, 0));
}

#[test]
fn declarations_token_is_stable() {
    let decls = declarations();
    let token = ddm::declarations_token(&decls);
    assert_eq!(token.len(), 64);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    // Order-independent.
    let mut reversed = decls.clone();
    reversed.reverse();
    assert_eq!(ddm::declarations_token(&reversed), token);
    // Changes with any ServerToken, any identifier, an added or removed declaration.
    for i in 0..decls.len() {
        let mut changed = decls.clone();
        changed[i].server_token.push('x');
        assert_ne!(
            ddm::declarations_token(&changed),
            token,
            "ServerToken of {i}"
        );
        let mut renamed = decls.clone();
        renamed[i].identifier.push('x');
        assert_ne!(
            ddm::declarations_token(&renamed),
            token,
            "Identifier of {i}"
        );
        let mut removed = decls.clone();
        removed.remove(i);
        assert_ne!(ddm::declarations_token(&removed), token, "without {i}");
    }
    // Length prefixes: moving a byte between fields changes the token.
    let a = Declaration::other("com.apple.configuration.x", "ab", "c", Dictionary::new());
    let b = Declaration::other("com.apple.configuration.x", "a", "bc", Dictionary::new());
    assert_ne!(ddm::declarations_token(&[a]), ddm::declarations_token(&[b]));
    assert_ne!(ddm::declarations_token(&[]), token);
}

#[test]
fn endpoints_parse() {
    assert_eq!(Endpoint::parse("tokens"), Endpoint::Tokens);
    assert_eq!(
        Endpoint::parse("declaration-items"),
        Endpoint::DeclarationItems
    );
    assert_eq!(Endpoint::parse("status"), Endpoint::Status);
    assert_eq!(
        Endpoint::parse("declaration/asset/a/b"),
        Endpoint::Declaration {
            category: Category::Asset,
            identifier: "a/b".to_owned()
        }
    );
    for odd in [
        "declaration/widget/x",
        "declaration/asset/",
        "declaration/asset",
        "future",
        "",
    ] {
        assert_eq!(Endpoint::parse(odd), Endpoint::Unknown(odd.to_owned()));
        assert_eq!(Endpoint::parse(odd).to_string(), odd);
    }
}

#[test]
fn kinds_carry_their_facts() {
    assert_eq!(
        <ConfigurationPasscodeSettings as DeclarationKind>::DECLARATION_TYPE,
        "com.apple.configuration.passcode.settings"
    );
    assert!(!<ConfigurationPasscodeSettings as DeclarationKind>::KEYS.is_empty());
    let d = Declaration::new("x", "1", ConfigurationPasscodeSettings::new());
    assert_eq!(d.r#type, "com.apple.configuration.passcode.settings");
    assert_eq!(d.payload.info().unwrap().category, Category::Configuration);
}

/// The committed fuzz seeds are valid documents (a seed that fails to decode explores little).
#[test]
fn fuzz_seeds_decode() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let mut n = 0;
    for entry in std::fs::read_dir(root.join("ddm_declaration")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        match name.as_str() {
            "tokens.json" => {
                TokensResponse::from_json(&bytes).unwrap();
            }
            "declaration_items.json" => {
                DeclarationItemsResponse::from_json(&bytes).unwrap();
            }
            "credential_userpassword.json" => {
                mdmkit::apple::ddm::CredentialUsernameandpassword::from_json(&bytes).unwrap();
            }
            "credential_identity.json" => {
                mdmkit::apple::ddm::CredentialIdentity::from_json(&bytes).unwrap();
            }
            _ => {
                let d = Declaration::from_json(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    d.payload.declaration_type().is_none(),
                    name == "unknown_type.json",
                    "{name}"
                );
            }
        }
        n += 1;
    }
    for entry in std::fs::read_dir(root.join("ddm_status")).unwrap() {
        let path = entry.unwrap().path();
        let r = StatusReport::from_json(&std::fs::read(&path).unwrap());
        r.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        n += 1;
    }
    assert_eq!(n, 15);
}

#[test]
fn credential_documents_round_trip_and_hide_secrets() {
    use mdmkit::apple::ddm::{CredentialIdentity, CredentialUsernameandpassword};
    let input = br#"{"UserName": "jane", "Password": "hunter2", "XExtra": 1}"#;
    let c = CredentialUsernameandpassword::from_json(input).unwrap();
    assert_eq!(c.user_name, "jane");
    assert_eq!(c.password.as_ref().unwrap().expose(), "hunter2");
    assert!(!format!("{c:?}").contains("hunter2"));
    assert_eq!(json(&c.to_json().unwrap()), json(input));
    // `<data>` travels as base64 in JSON.
    let input = br#"{"Identity": "AAECAw==", "Password": "p12-secret"}"#;
    let id = CredentialIdentity::from_json(input).unwrap();
    assert_eq!(&id.identity.expose()[..], &[0, 1, 2, 3]);
    let shown = format!("{id:?}");
    assert_eq!(shown.matches("Sensitive(<redacted>)").count(), 2, "{shown}");
    assert!(!format!("{id:?}").contains("p12-secret"));
    assert_eq!(
        CredentialIdentity::from_json(&id.to_json().unwrap()).unwrap(),
        id
    );
    let e = CredentialIdentity::from_json(br#"{"Identity": "not base64!", "Password": "p"}"#)
        .unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::InvalidValue("base64"));
    assert_eq!(e.path(), "Identity");
}

/// Random JSON trees (no `null`, which has no plist form).
fn json_tree() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Json::from),
        any::<String>().prop_map(Json::String),
        "[\\x00-\\x1f\"\\\\/é😀]{0,6}".prop_map(Json::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            proptest::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(Config { cases: 256, failure_persistence: None, ..Config::default() })]

    /// The JSON token source reads what serde_json writes (compact and pretty) as the same tree.
    #[test]
    fn json_source_agrees_with_serde_json(tree in json_tree(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_vec_pretty(&tree).unwrap()
        } else {
            serde_json::to_vec(&tree).unwrap()
        };
        let mut de = mdmkit::apple::plist::Decoder::from_json(&text, &Limits::DEFAULT).unwrap();
        let value = de.value::<Value>().unwrap();
        de.finish().unwrap();
        prop_assert_eq!(serde_json::to_value(&value).unwrap(), tree);
    }
}
