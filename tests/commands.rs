//! Commands and responses, driven by the generated tables: for every one of Apple's request
//! types, random schema-conforming commands and responses survive plist and JSON round trips
//! with nothing lost, and the tables cover every YAML file of the schema.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mdmkit::apple::command::{
    ALL_REQUEST_TYPES, AnyRequest, AnyResponse, Command, RequestTypeInfo,
};
use mdmkit::apple::plist::{self, Dictionary, Value};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

#[path = "support/schema_values.rs"]
mod schema_values;

/// Commands and responses: five levels, no unknown keys.
const GEN: schema_values::Gen = schema_values::Gen {
    max_depth: 5,
    unknown_key: None,
};

/// Dictionaries compared without regard to key order (the writer sorts known keys).
fn normalize(v: &Value) -> Value {
    match v {
        Value::Dictionary(d) => {
            let mut entries: Vec<(String, Value)> = d
                .iter()
                .map(|(k, v)| (k.to_owned(), normalize(v)))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Dictionary(entries.into_iter().collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    })
}

fn check_request(info: &'static RequestTypeInfo, dict: Dictionary) -> Result<(), TestCaseError> {
    let mut wire = Dictionary::new();
    wire.insert("RequestType", info.request_type);
    for (k, v) in dict.iter() {
        wire.insert(k, v.clone());
    }
    let wire = Value::Dictionary(wire);
    let request: AnyRequest = plist::from_value(&wire)
        .map_err(|e| TestCaseError::fail(format!("{}: {e} in {wire:?}", info.request_type)))?;
    prop_assert!(
        !matches!(request, AnyRequest::Unknown(_)),
        "{} decoded as Unknown",
        info.request_type
    );
    prop_assert_eq!(request.request_type(), info.request_type);
    // Nothing lost: the typed value writes back the same dictionary (keys sorted).
    let again = Value::from_xml(&plist::to_xml(&request).unwrap()).unwrap();
    prop_assert_eq!(normalize(&again), normalize(&wire), "{}", info.request_type);
    // The envelope round-trips.
    let cmd = Command::new("6E0F3C2A-0000-4000-8000-000000000001", request.clone());
    let xml = cmd.to_xml().unwrap();
    prop_assert_eq!(&Command::from_xml(&xml).unwrap(), &cmd);
    // JSON round-trips.
    let json = serde_json::to_string(&request).unwrap();
    let back: AnyRequest = serde_json::from_str(&json)
        .map_err(|e| TestCaseError::fail(format!("{}: {e} in {json}", info.request_type)))?;
    prop_assert_eq!(&back, &request, "{}", json);
    Ok(())
}

fn check_response(info: &'static RequestTypeInfo, body: Dictionary) -> Result<(), TestCaseError> {
    let response = AnyResponse::from_body(info.request_type, &body).map_err(|e| {
        TestCaseError::fail(format!("{} response: {e} in {body:?}", info.request_type))
    })?;
    prop_assert_eq!(response.request_type(), Some(info.request_type));
    let again = Value::from_xml(&plist::to_xml(&response).unwrap()).unwrap();
    prop_assert_eq!(
        normalize(&again),
        normalize(&Value::Dictionary(body)),
        "{}",
        info.request_type
    );
    let json = serde_json::to_string(&response).unwrap();
    let back: AnyResponse = serde_json::from_str(&json)
        .map_err(|e| TestCaseError::fail(format!("{}: {e} in {json}", info.request_type)))?;
    prop_assert_eq!(&back, &response, "{}", json);
    Ok(())
}

#[test]
fn every_request_type_round_trips() {
    assert_eq!(
        ALL_REQUEST_TYPES.len(),
        66,
        "the schema snapshot has 66 request types"
    );
    for info in ALL_REQUEST_TYPES {
        runner()
            .run(&schema_values::dict_for(GEN, info.keys, 0), |d| {
                check_request(info, d)
            })
            .unwrap_or_else(|e| panic!("{}: {e}", info.request_type));
    }
}

#[test]
fn every_response_round_trips() {
    let with: Vec<_> = ALL_REQUEST_TYPES
        .iter()
        .filter(|i| i.response_keys.is_some())
        .collect();
    assert_eq!(
        with.len(),
        35,
        "the schema snapshot has 35 commands with response keys"
    );
    for info in with {
        let keys = info.response_keys.unwrap();
        runner()
            .run(&schema_values::dict_for(GEN, keys, 0), |d| {
                check_response(info, d)
            })
            .unwrap_or_else(|e| panic!("{} response: {e}", info.request_type));
    }
}

#[test]
fn unknown_request_types_and_keys_survive() {
    let xml = br#"<plist><dict>
      <key>Command</key><dict>
        <key>RequestType</key><string>FutureCommand</string>
        <key>Knob</key><integer>3</integer>
      </dict>
      <key>CommandUUID</key><string>U1</string>
      <key>Extra</key><true/>
    </dict></plist>"#;
    let cmd = Command::from_xml(xml).unwrap();
    assert_eq!(cmd.request_type(), "FutureCommand");
    assert!(matches!(cmd.request, AnyRequest::Unknown(_)));
    assert_eq!(cmd.unknown_keys.get("Extra"), Some(&Value::Boolean(true)));
    assert_eq!(Command::from_xml(&cmd.to_xml().unwrap()).unwrap(), cmd);

    // An unknown key inside a known command is kept and written back.
    let xml = br#"<plist><dict>
      <key>Command</key><dict>
        <key>RequestType</key><string>DeviceLock</string>
        <key>Message</key><string>hi</string>
        <key>FutureKey</key><string>kept</string>
      </dict>
      <key>CommandUUID</key><string>U2</string>
    </dict></plist>"#;
    let cmd = Command::from_xml(xml).unwrap();
    let AnyRequest::DeviceLock(lock) = &cmd.request else {
        panic!("{:?}", cmd.request)
    };
    assert_eq!(lock.message.as_deref(), Some("hi"));
    assert_eq!(
        lock.unknown_keys.get("FutureKey").and_then(Value::as_str),
        Some("kept")
    );
    let out = String::from_utf8(cmd.to_xml().unwrap()).unwrap();
    assert!(out.contains("<key>FutureKey</key>"), "{out}");
}

#[test]
fn json_enqueue_form() {
    let req: AnyRequest =
        serde_json::from_str(r#"{"request_type":"DeviceLock","message":"Call IT"}"#).unwrap();
    let AnyRequest::DeviceLock(lock) = &req else {
        panic!("{req:?}")
    };
    assert_eq!(lock.message.as_deref(), Some("Call IT"));
    let xml = String::from_utf8(Command::new("U", req).to_xml().unwrap()).unwrap();
    assert!(
        xml.contains("<key>Message</key>\n\t\t<string>Call IT</string>"),
        "{xml}"
    );
    assert!(
        xml.contains("<key>RequestType</key>\n\t\t<string>DeviceLock</string>"),
        "{xml}"
    );
}

#[test]
fn settings_items_dispatch_on_item() {
    use mdmkit::apple::command::{Settings, SettingsItem};
    let xml = br#"<plist><dict><key>Command</key><dict>
      <key>RequestType</key><string>Settings</string>
      <key>Settings</key><array>
        <dict><key>Item</key><string>DataRoaming</string><key>Enabled</key><false/></dict>
        <dict><key>Item</key><string>DeviceName</string><key>DeviceName</key><string>Kiosk 7</string></dict>
        <dict><key>Item</key><string>SomethingNew</string><key>Level</key><integer>2</integer></dict>
      </array></dict><key>CommandUUID</key><string>U3</string></dict></plist>"#;
    let cmd = Command::from_xml(xml).unwrap();
    let AnyRequest::Settings(Settings { settings, .. }) = &cmd.request else {
        panic!()
    };
    assert!(matches!(&settings[0], SettingsItem::SettingsDataRoaming(d) if !d.enabled));
    assert!(
        matches!(&settings[1], SettingsItem::SettingsDeviceName(d) if d.device_name == "Kiosk 7")
    );
    assert!(matches!(&settings[2], SettingsItem::Unknown(_)));
    assert_eq!(settings[2].item(), "SomethingNew");
    assert_eq!(Command::from_xml(&cmd.to_xml().unwrap()).unwrap(), cmd);
}

#[test]
fn wrong_types_name_their_path() {
    let xml = br#"<plist><dict><key>Command</key><dict>
      <key>RequestType</key><string>Settings</string>
      <key>Settings</key><array>
        <dict><key>Item</key><string>DataRoaming</string><key>Enabled</key><string>yes</string></dict>
      </array></dict><key>CommandUUID</key><string>U4</string></dict></plist>"#;
    let err = Command::from_xml(xml).unwrap_err();
    assert_eq!(err.path(), "Command.Settings[0].Enabled");
    assert_eq!(
        err.kind(),
        &mdmkit::DecodeErrorKind::WrongType {
            expected: "boolean",
            found: "string"
        }
    );
}

/// Fails when Apple's schema grows a request type mdmkit has no type for.
#[test]
fn every_request_type_in_the_spec_has_a_type() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/spec/apple-device-management/mdm/commands");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("spec not found at {}: skipped", dir.display());
        return;
    };
    let mut from_spec = Vec::new();
    for e in entries.flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let rt = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("requesttype: "))
            .unwrap_or_else(|| panic!("{}: no requesttype", e.path().display()));
        from_spec.push(rt.trim().to_owned());
    }
    from_spec.sort();
    let mut ours: Vec<String> = ALL_REQUEST_TYPES
        .iter()
        .map(|i| i.request_type.to_owned())
        .collect();
    ours.sort();
    assert_eq!(ours, from_spec);
}
