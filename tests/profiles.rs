//! Configuration profiles, driven by the generated tables: for every one of Apple's 120 payload
//! types, random schema-conforming payloads decode into their typed variant and survive plist,
//! JSON and profile round trips with nothing lost; the tables cover every `payloadtype` of the
//! schema; the builder's rules give the exact [`BuildError`] (and `Profile::validate` agrees on
//! a decoded profile); hostile profile documents get typed [`DecodeError`]s.

#![cfg(feature = "apple-profiles")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::Bytes;
use mdmkit::apple::availability::{KeyInfo, Platform};
use mdmkit::apple::plist::{self as mdplist, Date, Dictionary, Value};
use mdmkit::apple::profile::{
    ALL_PAYLOAD_TYPES, Applicationaccess, ApplicationaccessNew, ApplicationaccessNewWhiteListItem,
    CONFIGURATION, Homescreenlayout, HomescreenlayoutIconItem, HomescreenlayoutType, Mdm,
    PROFILE_KEYS, Payload, PayloadScope, PayloadTypeInfo, Profile, ProfileBuilder, SecurityScep,
    SecurityScepPayloadContent, WebClipManaged, WifiManaged,
};
use mdmkit::{BuildError, DecodeError, DecodeErrorKind as K, EncodeError, Limit, Limits};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::Cell;
use std::collections::BTreeSet;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Schema-driven generators (the approach of tests/commands.rs, plus unknown keys).

#[path = "support/schema_values.rs"]
mod schema_values;
use schema_values::{Gen, allowed_value};

/// Payload dictionaries: four levels, and sometimes an unknown key.
const GEN: Gen = Gen {
    max_depth: 4,
    unknown_key: Some(UNKNOWN_KEY),
};

/// A key no payload type of the schema defines: written into generated dictionaries sometimes.
const UNKNOWN_KEY: &str = "XMdmkitTestUnknownKey";

/// The wire identity of payload number `n` (unique identifiers, as a profile requires).
fn payload_identity(d: &mut Dictionary, info: &PayloadTypeInfo, n: usize) {
    d.insert("PayloadType", info.payload_type);
    d.insert("PayloadIdentifier", format!("com.example.payload.{n}"));
    d.insert("PayloadUUID", format!("6E0F3C2A-1111-4000-8000-{n:012}"));
}

/// A random schema-conforming payload dictionary of `info`'s type.
fn payload_dict(info: &'static PayloadTypeInfo, n: usize) -> BoxedStrategy<Dictionary> {
    schema_values::dict_for(GEN, info.keys, 0)
        .prop_map(move |mut d| {
            payload_identity(&mut d, info, n);
            d
        })
        .boxed()
}

/// The smallest schema-conforming value of a key: deterministic, for the table-wide checks.
fn minimal_value(k: &'static KeyInfo) -> Value {
    if let Some(a) = k.allowed.first() {
        return allowed_value(k, a);
    }
    match k.plist_type {
        "<integer>" => Value::from(1i64),
        "<real>" => Value::from(1.0f64),
        "<boolean>" => Value::from(true),
        "<date>" => Value::from(Date::from_unix_seconds(0)),
        "<data>" => Value::Data(Bytes::from_static(b"\x01")),
        "<array>" => Value::Array(Vec::new()),
        "<dictionary>" => match k.subkeys {
            [any] if any.key.starts_with("ANY") => Value::Dictionary(Dictionary::new()),
            subkeys => Value::Dictionary(minimal_dict(subkeys)),
        },
        _ => Value::from("x"),
    }
}

/// Only the decoder-required keys.
fn minimal_dict(keys: &'static [KeyInfo]) -> Dictionary {
    keys.iter()
        .filter(|k| k.required && !k.key.starts_with("ANY"))
        .map(|k| (k.key, minimal_value(k)))
        .collect()
}

/// The minimal payload of `info`'s type, decoded.
fn minimal_payload(info: &'static PayloadTypeInfo, n: usize) -> Payload {
    let mut d = minimal_dict(info.keys);
    payload_identity(&mut d, info, n);
    let payload: Payload = mdplist::from_value(&Value::Dictionary(d))
        .unwrap_or_else(|e| panic!("{}: minimal payload: {e:?}", info.payload_type));
    assert!(
        !matches!(payload, Payload::Unknown(_)),
        "{}",
        info.payload_type
    );
    payload
}

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

/// `v` as a binary plist, written by the `plist` crate.
fn binary(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    plist::Value::from(v.clone())
        .to_writer_binary(&mut out)
        .unwrap();
    out
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: 32,
        failure_persistence: None,
        ..Config::default()
    })
}

// ---------------------------------------------------------------------------------------------
// Every payload type of the schema.

fn check_payload(info: &'static PayloadTypeInfo, dict: Dictionary) -> Result<(), TestCaseError> {
    let t = info.payload_type;
    let wire = Value::Dictionary(dict);
    let payload: Payload = mdplist::from_value(&wire)
        .map_err(|e| TestCaseError::fail(format!("{t}: {e} (path {}) in {wire:?}", e.path())))?;
    prop_assert!(
        !matches!(payload, Payload::Unknown(_)),
        "{} decoded as Unknown",
        t
    );
    prop_assert_eq!(payload.payload_type(), t);
    prop_assert_eq!(payload.info(), Some(info));
    let d = wire.as_dictionary().unwrap();
    prop_assert_eq!(
        payload.identifier(),
        d.get("PayloadIdentifier").and_then(Value::as_str)
    );
    prop_assert_eq!(payload.uuid(), d.get("PayloadUUID").and_then(Value::as_str));

    // The XML form of the same dictionary decodes to the same payload.
    let from_xml: Payload = mdplist::from_slice(&wire.to_xml().unwrap(), &Limits::DEFAULT)
        .map_err(|e| TestCaseError::fail(format!("{t} from XML: {e} (path {})", e.path())))?;
    prop_assert_eq!(&from_xml, &payload, "{}", t);

    // Nothing lost: the typed payload writes back the same dictionary (keys sorted), unknown
    // keys included.
    let again = Value::from_xml(&mdplist::to_xml(&payload).unwrap()).unwrap();
    prop_assert_eq!(normalize(&again), normalize(&wire), "{}", t);

    // JSON round-trips.
    let json = serde_json::to_string(&payload).unwrap();
    let back: Payload = serde_json::from_str(&json)
        .map_err(|e| TestCaseError::fail(format!("{t}: {e} in {json}")))?;
    prop_assert_eq!(&back, &payload, "{}", json);

    // A schema-conforming payload is a valid profile's content, and the profile survives the
    // XML writer and a binary plist.
    let profile = Profile::builder(
        "com.example.profile",
        "6E0F3C2A-FFFF-4000-8000-000000000000",
    )
    .payload(payload.clone())
    .build()
    .map_err(|e| TestCaseError::fail(format!("{t}: build: {e:?}")))?;
    let xml = profile.to_xml().unwrap();
    let decoded = Profile::from_slice(&xml)
        .map_err(|e| TestCaseError::fail(format!("{t}: profile XML: {e} (path {})", e.path())))?;
    prop_assert_eq!(&decoded, &profile, "{}", t);
    let bin = binary(&Value::from_xml(&xml).unwrap());
    let decoded = Profile::from_slice(&bin).map_err(|e| {
        TestCaseError::fail(format!("{t}: binary profile: {e} (path {})", e.path()))
    })?;
    prop_assert_eq!(&decoded, &profile, "{}", t);
    Ok(())
}

#[test]
fn every_payload_type_round_trips() {
    assert_eq!(
        ALL_PAYLOAD_TYPES.len(),
        120,
        "the schema snapshot has 120 payload types"
    );
    let (cases, with_unknown) = (Cell::new(0usize), Cell::new(0usize));
    for (n, info) in ALL_PAYLOAD_TYPES.iter().enumerate() {
        runner()
            .run(&payload_dict(info, n), |d| {
                cases.set(cases.get() + 1);
                with_unknown.set(with_unknown.get() + usize::from(d.contains_key(UNKNOWN_KEY)));
                check_payload(info, d)
            })
            .unwrap_or_else(|e| panic!("{}: {e}", info.payload_type));
    }
    // The generator did exercise unknown keys (kept, as checked above).
    let (cases, with_unknown) = (cases.get(), with_unknown.get());
    assert!(cases >= 120 * 32, "{cases} cases");
    assert!(
        with_unknown > cases / 10,
        "{with_unknown} of {cases} with an unknown key"
    );
}

/// Every payload type's required keys alone make a payload that decodes typed and builds.
#[test]
fn every_minimal_payload_decodes_typed_and_builds() {
    let mut builder = Profile::builder("com.example.all", "6E0F3C2A-FFFF-4000-8000-000000000001");
    for (n, info) in ALL_PAYLOAD_TYPES.iter().enumerate() {
        let payload = minimal_payload(info, n);
        assert_eq!(payload.payload_type(), info.payload_type);
        assert_eq!(
            PayloadTypeInfo::find(info.payload_type),
            Some(info),
            "find({})",
            info.payload_type
        );
        builder = builder.payload(payload);
    }
    // All 120 in one profile (no PayloadScope, so no channel rule applies).
    let profile = builder.build().unwrap();
    assert_eq!(profile.payload_content.len(), 120);
    let xml = profile.to_xml().unwrap();
    assert_eq!(Profile::from_slice(&xml).unwrap(), profile);
    let types: Vec<&str> = profile
        .payload_content
        .iter()
        .map(Payload::payload_type)
        .collect();
    let expected: Vec<&str> = ALL_PAYLOAD_TYPES.iter().map(|i| i.payload_type).collect();
    assert_eq!(types, expected);
}

/// Fails when Apple's schema grows a payload type mdmkit has no type for (or loses one).
#[test]
fn payload_types_cover_the_spec() {
    let ours: BTreeSet<&str> = ALL_PAYLOAD_TYPES.iter().map(|i| i.payload_type).collect();
    assert_eq!(ALL_PAYLOAD_TYPES.len(), 120);
    assert_eq!(ours.len(), 120, "payload types are distinct");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/apple-device-management");
    if !spec.exists() {
        println!(
            "spec not found at {}: the YAML check was skipped (120 payload types checked only)",
            spec.display()
        );
        return;
    }
    let dir = spec.join("mdm/profiles");
    let mut files = 0;
    let mut from_spec = BTreeSet::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().and_then(|x| x.to_str()) != Some("yaml") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let t = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("payloadtype:"))
            .unwrap_or_else(|| panic!("{}: no payloadtype", path.display()));
        from_spec.insert(t.trim().trim_matches(|c| c == '\'' || c == '"').to_owned());
    }
    assert_eq!(files, 128, "YAML files in {}", dir.display());
    let mut expected: BTreeSet<String> = ours.iter().map(|s| (*s).to_owned()).collect();
    expected.insert("TopLevel".to_owned());
    expected.insert("CommonPayloadKeys".to_owned());
    assert_eq!(from_spec, expected);
}

// ---------------------------------------------------------------------------------------------
// Recursive payload types.

fn app(bundle: &str) -> HomescreenlayoutIconItem {
    let mut i = HomescreenlayoutIconItem::new(HomescreenlayoutType::App);
    i.bundle_id = Some(bundle.to_owned());
    i
}

fn folder(name: &str, pages: Vec<Vec<HomescreenlayoutIconItem>>) -> HomescreenlayoutIconItem {
    let mut f = HomescreenlayoutIconItem::new(HomescreenlayoutType::Folder);
    f.display_name = Some(name.to_owned());
    f.pages = Some(pages);
    f
}

fn sub_app(
    bundle: &str,
    subs: Vec<ApplicationaccessNewWhiteListItem>,
) -> ApplicationaccessNewWhiteListItem {
    let mut i = ApplicationaccessNewWhiteListItem::new(bundle, Bytes::from_static(b"\x01\x02"));
    if !subs.is_empty() {
        i.sub_apps = Some(subs);
    }
    i
}

/// Walks `v` along `steps` (keys, or indices written as `#n`).
fn at<'v>(v: &'v Value, steps: &[&str]) -> &'v Value {
    steps.iter().fold(v, |v, s| match s.strip_prefix('#') {
        Some(i) => &v.as_array().unwrap()[i.parse::<usize>().unwrap()],
        None => v
            .as_dictionary()
            .and_then(|d| d.get(s))
            .unwrap_or_else(|| panic!("no {s} in {v:?}")),
    })
}

#[test]
fn recursive_payloads_round_trip() {
    // A home screen with folders three levels deep, and in the dock.
    let deep = folder("Deep", vec![vec![app("com.example.deep")]]);
    let middle = folder("Middle", vec![vec![app("com.example.b"), deep], vec![]]);
    let mut layout = Homescreenlayout::new(
        "com.example.layout",
        "6E0F3C2A-0000-4000-8000-0000000000A1",
        vec![vec![app("com.example.a"), middle]],
    );
    layout.dock = Some(vec![folder("Dock", vec![vec![app("com.example.d")]])]);
    // A restriction allow-list whose items hold sub-apps, three levels deep.
    let mut access = ApplicationaccessNew::new(
        "com.example.access",
        "6E0F3C2A-0000-4000-8000-0000000000A2",
        true,
    );
    access.white_list = Some(vec![sub_app(
        "com.example.parent",
        vec![sub_app(
            "com.example.child",
            vec![sub_app("com.example.grandchild", vec![])],
        )],
    )]);
    let profile = Profile::builder(
        "com.example.recursive",
        "6E0F3C2A-0000-4000-8000-0000000000A0",
    )
    .payload(layout.clone())
    .payload(access.clone())
    .build()
    .unwrap();
    let xml = profile.to_xml().unwrap();
    let decoded = Profile::from_slice(&xml).unwrap();
    assert_eq!(decoded, profile);
    assert_eq!(
        decoded.payload_content[0],
        Payload::Homescreenlayout(layout)
    );
    assert_eq!(
        decoded.payload_content[1],
        Payload::ApplicationaccessNew(access)
    );
    // The wire form has the nested items where Apple's schema puts them.
    let v = Value::from_xml(&xml).unwrap();
    let deep_app = [
        "PayloadContent",
        "#0",
        "Pages",
        "#0",
        "#1",
        "Pages",
        "#0",
        "#1",
        "Pages",
        "#0",
        "#0",
        "BundleID",
    ];
    assert_eq!(at(&v, &deep_app).as_str(), Some("com.example.deep"));
    let grandchild = [
        "PayloadContent",
        "#1",
        "whiteList",
        "#0",
        "subApps",
        "#0",
        "subApps",
        "#0",
        "bundleID",
    ];
    assert_eq!(at(&v, &grandchild).as_str(), Some("com.example.grandchild"));
    assert_eq!(Profile::from_slice(&binary(&v)).unwrap(), profile);
    let json = serde_json::to_string(&profile).unwrap();
    assert_eq!(serde_json::from_str::<Profile>(&json).unwrap(), profile);

    // A required key missing inside a recursive item is refused with its full path.
    let mut v = v;
    let mut item = &mut v;
    for step in &grandchild[..grandchild.len() - 1] {
        item = match (item, step.strip_prefix('#')) {
            (Value::Array(a), Some(i)) => &mut a[i.parse::<usize>().unwrap()],
            (Value::Dictionary(d), None) => d.get_mut(step).unwrap(),
            (other, _) => panic!("{other:?} at {step}"),
        };
    }
    let Value::Dictionary(d) = item else { panic!() };
    assert!(d.remove("bundleID").is_some());
    let err = Profile::from_slice(&v.to_xml().unwrap()).unwrap_err();
    assert_eq!(err.kind(), &K::MissingKey);
    assert_eq!(
        err.path(),
        "PayloadContent[1].whiteList[0].subApps[0].subApps[0].bundleID"
    );
}

// ---------------------------------------------------------------------------------------------
// Whole profiles.

fn clip(n: u32) -> WebClipManaged {
    WebClipManaged::new(
        format!("com.example.clip{n}"),
        format!("6E0F3C2A-0000-4000-8000-00000000C{n:03}"),
        format!("https://intranet{n}.example.com"),
        format!("Intranet {n}"),
    )
}

fn scep(n: u32) -> SecurityScep {
    let mut content = SecurityScepPayloadContent::new();
    content.url = Some("https://scep.example.com/scep".to_owned());
    content.keysize = Some(2048);
    content.subject = Some(vec![vec![vec!["CN".to_owned(), "device".to_owned()]]]);
    SecurityScep::new(
        format!("com.example.scep{n}"),
        format!("6E0F3C2A-0000-4000-8000-00000000S{n:03}"),
        content,
    )
}

fn mdm(identity: &str) -> Mdm {
    Mdm::new(
        "com.example.mdm",
        "6E0F3C2A-0000-4000-8000-0000000000D0",
        identity,
        "com.apple.mgmt.External.7d3c0f2e",
        "https://mdm.example.com/mdm",
    )
}

/// A payload of a type mdmkit does not know, with values of every plist type.
fn custom_payload() -> Dictionary {
    let mut nested = Dictionary::new();
    nested.insert("When", Date::from_unix_seconds(1_700_000_000));
    nested.insert("Ratio", 0.25f64);
    nested.insert("Blob", Bytes::from_static(b"\x00\xffdata"));
    let mut d = Dictionary::new();
    // Not in the writer's order: an unknown payload is kept as read.
    d.insert("Zeta", true);
    d.insert("PayloadType", "com.example.custom");
    d.insert("PayloadUUID", "6E0F3C2A-0000-4000-8000-0000000000E0");
    d.insert("PayloadIdentifier", "com.example.custom");
    d.insert("PayloadVersion", 1i64);
    d.insert(
        "Alpha",
        Value::Array(vec![Value::from(1i64), Value::Dictionary(nested)]),
    );
    d.insert("Big", u64::MAX);
    d
}

/// A profile with every top-level key set, unknown top-level keys, typed and unknown payloads.
fn full_profile() -> Profile {
    let mut wifi = WifiManaged::new("com.example.wifi", "6E0F3C2A-0000-4000-8000-0000000000F0");
    wifi.ssid_str = Some("Office".to_owned());
    wifi.auto_join = Some(true);
    wifi.unknown_keys.insert("VendorExtra", "kept");
    let mut p = Profile::builder("com.example.full", "6E0F3C2A-0000-4000-8000-000000000000")
        .display_name("Full")
        .description("Every top-level key")
        .organization("Example & Co <IT>")
        .removal_disallowed(true)
        .removal_date(Date::from_unix_seconds(1_800_000_000))
        .duration_until_removal(3600.5)
        .expiration_date(Date::from_unix_seconds(1_900_000_000))
        .target_device_type(1)
        .scope(PayloadScope::System)
        .consent_text("default", "Please accept")
        .consent_text("de-CH", "Bitte akzeptieren")
        .payload(scep(1))
        .payload(mdm("6E0F3C2A-0000-4000-8000-00000000S001"))
        .payload(wifi)
        .payload(Payload::Unknown(custom_payload()))
        .unknown_key("ZFutureKey", "later")
        .unknown_key("AFutureKey", Value::Array(vec![Value::from(1i64)]))
        .build()
        .unwrap();
    p.has_removal_passcode = Some(false);
    p.is_encrypted = Some(false);
    p.validate().unwrap();
    p
}

#[test]
fn profile_round_trips_through_xml_binary_and_json() {
    let profile = full_profile();
    let xml = profile.to_xml().unwrap();
    let decoded = Profile::from_slice(&xml).unwrap();
    assert_eq!(decoded, profile);
    decoded.validate().unwrap();
    // The writer's output is a fixed point.
    assert_eq!(decoded.to_xml().unwrap(), xml);

    // The plist crate reads the same document; its binary form decodes to the same profile.
    let v = Value::from_xml(&xml).unwrap();
    let theirs = Value::from(plist::Value::from_reader_xml(&xml[..]).unwrap());
    assert_eq!(theirs, v);
    let bin = binary(&v);
    assert!(bin.starts_with(b"bplist00"));
    assert_eq!(Profile::from_slice(&bin).unwrap(), profile);

    // JSON.
    let json = serde_json::to_string(&profile).unwrap();
    assert_eq!(serde_json::from_str::<Profile>(&json).unwrap(), profile);

    // The unknown payload type survives unchanged, key order included.
    let Payload::Unknown(d) = &decoded.payload_content[3] else {
        panic!("{:?}", decoded.payload_content[3])
    };
    assert_eq!(d, &custom_payload());
    assert_eq!(
        d.keys().collect::<Vec<_>>(),
        [
            "Zeta",
            "PayloadType",
            "PayloadUUID",
            "PayloadIdentifier",
            "PayloadVersion",
            "Alpha",
            "Big"
        ]
    );
    assert_eq!(
        decoded.payload_content[3].payload_type(),
        "com.example.custom"
    );
    assert_eq!(decoded.payload_content[3].info(), None);
    // Unknown top-level keys survive, in order, after the known keys.
    assert_eq!(
        decoded.unknown_keys.keys().collect::<Vec<_>>(),
        ["ZFutureKey", "AFutureKey"]
    );
    let top: Vec<&str> = v.as_dictionary().unwrap().keys().collect();
    assert_eq!(&top[top.len() - 2..], ["ZFutureKey", "AFutureKey"]);
    // Typed payloads keep their unknown keys too.
    let Payload::WifiManaged(w) = &decoded.payload_content[2] else {
        panic!()
    };
    assert_eq!(
        w.unknown_keys.get("VendorExtra").and_then(Value::as_str),
        Some("kept")
    );
    // Every top-level key of the schema was written (PayloadContent and
    // EncryptedPayloadContent exclude each other).
    for k in PROFILE_KEYS {
        assert_eq!(
            top.contains(&k.key),
            k.key != "EncryptedPayloadContent",
            "{}",
            k.key
        );
    }
}

#[test]
fn hand_written_profile_decodes_and_loses_nothing() {
    // Keys in no particular order, an unknown payload type, unknown keys at both levels.
    let xml = doc(r#"<dict>
	<key>PayloadVersion</key><integer>1</integer>
	<key>PayloadUUID</key><string>6E0F3C2A-0000-4000-8000-000000000100</string>
	<key>Vendor</key><dict><key>b</key><true/><key>a</key><false/></dict>
	<key>PayloadType</key><string>Configuration</string>
	<key>PayloadScope</key><string>User</string>
	<key>PayloadContent</key><array>
		<dict>
			<key>URL</key><string>https://intranet.example.com</string>
			<key>Label</key><string>Intranet</string>
			<key>PayloadVersion</key><integer>1</integer>
			<key>PayloadUUID</key><string>6E0F3C2A-0000-4000-8000-000000000101</string>
			<key>PayloadType</key><string>com.apple.webClip.managed</string>
			<key>PayloadIdentifier</key><string>com.example.hand.clip</string>
			<key>FutureClipKey</key><integer>7</integer>
		</dict>
		<dict>
			<key>PayloadType</key><string>com.example.thing</string>
			<key>PayloadVersion</key><integer>1</integer>
			<key>PayloadIdentifier</key><string>com.example.hand.thing</string>
			<key>PayloadUUID</key><string>6E0F3C2A-0000-4000-8000-000000000102</string>
			<key>Setting</key><data>AAEC</data>
		</dict>
	</array>
	<key>PayloadIdentifier</key><string>com.example.hand</string>
</dict>"#);
    let p = Profile::from_slice(&xml).unwrap();
    assert_eq!(p.payload_identifier, "com.example.hand");
    assert_eq!(p.payload_scope, Some(PayloadScope::User));
    let Payload::WebClipManaged(c) = &p.payload_content[0] else {
        panic!("{:?}", p.payload_content[0])
    };
    assert_eq!(c.url, "https://intranet.example.com");
    assert_eq!(c.label, "Intranet");
    assert_eq!(
        c.unknown_keys.get("FutureClipKey"),
        Some(&Value::from(7i64))
    );
    assert!(matches!(&p.payload_content[1], Payload::Unknown(_)));
    p.validate().unwrap();
    let out = p.to_xml().unwrap();
    assert_eq!(
        normalize(&Value::from_xml(&out).unwrap()),
        normalize(&Value::from_xml(&xml).unwrap())
    );
    assert_eq!(Profile::from_slice(&out).unwrap(), p);
}

#[test]
fn encrypted_profile_has_no_payload_content() {
    let xml = doc(r#"<dict>
	<key>EncryptedPayloadContent</key><data>MIAGCSqGSIb3DQEHA6CAMIACAQA=</data>
	<key>IsEncrypted</key><true/>
	<key>PayloadIdentifier</key><string>com.example.sealed</string>
	<key>PayloadType</key><string>Configuration</string>
	<key>PayloadUUID</key><string>6E0F3C2A-0000-4000-8000-000000000200</string>
	<key>PayloadVersion</key><integer>1</integer>
</dict>"#);
    let p = Profile::from_slice(&xml).unwrap();
    assert!(p.payload_content.is_empty());
    assert_eq!(p.is_encrypted, Some(true));
    assert_eq!(
        p.encrypted_payload_content.as_deref(),
        Some(
            &b"\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x03\xa0\x80\x30\x80\x02\x01\x00"[..]
        )
    );
    p.validate().unwrap();
    let out = p.to_xml().unwrap();
    let v = Value::from_xml(&out).unwrap();
    assert!(!v.as_dictionary().unwrap().contains_key("PayloadContent"));
    assert_eq!(normalize(&v), normalize(&Value::from_xml(&xml).unwrap()));
    assert_eq!(Profile::from_slice(&out).unwrap(), p);
}

// ---------------------------------------------------------------------------------------------
// Builder rules. Each case is built twice, through the builder and as a plain `Profile` whose
// `validate` must agree; the plain profile is then written and decoded, and the decoded
// profile's `validate` must agree again (or the decoder refuses it, where the case says so).

const PROFILE_ID: &str = "com.example.profile";
const PROFILE_UUID: &str = "6E0F3C2A-0000-4000-8000-000000000000";

struct Case {
    id: String,
    uuid: String,
    scope: Option<PayloadScope>,
    payloads: Vec<Payload>,
}

fn case(payloads: Vec<Payload>) -> Case {
    Case {
        id: PROFILE_ID.to_owned(),
        uuid: PROFILE_UUID.to_owned(),
        scope: None,
        payloads,
    }
}

impl Case {
    fn builder(&self) -> ProfileBuilder {
        let mut b = Profile::builder(self.id.clone(), self.uuid.clone());
        if let Some(s) = &self.scope {
            b = b.scope(s.clone());
        }
        for p in &self.payloads {
            b = b.payload(p.clone());
        }
        b
    }

    fn profile(&self) -> Profile {
        let mut p = Profile::new(self.id.clone(), self.uuid.clone());
        p.payload_scope = self.scope.clone();
        p.payload_content = self.payloads.clone();
        p
    }
}

/// The error the builder gives (`validate` on the same profile agrees), and what decoding the
/// written profile gives (when it decodes, its `validate` agrees as well).
fn refused(c: &Case) -> (BuildError, Result<Profile, DecodeError>) {
    let e = c.builder().build().unwrap_err();
    refused_profile(&c.profile(), &e)
}

fn refused_profile(p: &Profile, e: &BuildError) -> (BuildError, Result<Profile, DecodeError>) {
    let want = format!("{e:?}");
    let got = p.validate().unwrap_err();
    assert_eq!(format!("{got:?}"), want, "validate agrees with build");
    let decoded = Profile::from_slice(&p.to_xml().unwrap());
    if let Ok(d) = &decoded {
        let again = d.validate().unwrap_err();
        assert_eq!(
            format!("{again:?}"),
            want,
            "validate on the decoded profile"
        );
    }
    (e.clone(), decoded)
}

#[test]
fn duplicate_payload_uuid_is_refused() {
    let mut second = clip(2);
    second.payload_uuid = clip(1).payload_uuid;
    let (e, decoded) = refused(&case(vec![clip(1).into(), second.into()]));
    let BuildError::DuplicatePayloadUuid { uuid, path } = e else {
        panic!("{e:?}")
    };
    assert_eq!(uuid, clip(1).payload_uuid);
    assert_eq!(path, "PayloadContent[1].PayloadUUID");
    assert_eq!(decoded.unwrap().payload_content.len(), 2);

    // A payload using the profile's own UUID.
    let mut own = clip(1);
    own.payload_uuid = PROFILE_UUID.to_owned();
    let (e, decoded) = refused(&case(vec![own.into()]));
    let BuildError::DuplicatePayloadUuid { uuid, path } = e else {
        panic!("{e:?}")
    };
    assert_eq!(uuid, PROFILE_UUID);
    assert_eq!(path, "PayloadContent[0].PayloadUUID");
    assert!(decoded.is_ok());
}

#[test]
fn duplicate_payload_identifier_is_refused() {
    let mut second = clip(2);
    second.payload_identifier = clip(1).payload_identifier;
    let (e, decoded) = refused(&case(vec![clip(1).into(), second.into()]));
    let BuildError::DuplicatePayloadIdentifier { identifier, path } = e else {
        panic!("{e:?}")
    };
    assert_eq!(identifier, "com.example.clip1");
    assert_eq!(path, "PayloadContent[1].PayloadIdentifier");
    assert!(decoded.is_ok());

    // A payload using the profile's identifier (an unknown payload type: same rule).
    let mut d = custom_payload();
    d.insert("PayloadIdentifier", PROFILE_ID);
    let (e, _) = refused(&case(vec![clip(1).into(), Payload::Unknown(d)]));
    let BuildError::DuplicatePayloadIdentifier { identifier, path } = e else {
        panic!("{e:?}")
    };
    assert_eq!(identifier, PROFILE_ID);
    assert_eq!(path, "PayloadContent[1].PayloadIdentifier");
}

#[test]
fn empty_identifiers_are_refused() {
    let mut c = case(vec![clip(1).into()]);
    c.id = String::new();
    let (e, _) = refused(&c);
    assert!(
        matches!(&e, BuildError::Empty { path } if path == "PayloadIdentifier"),
        "{e:?}"
    );
    let mut c = case(vec![clip(1).into()]);
    c.uuid = String::new();
    let (e, _) = refused(&c);
    assert!(
        matches!(&e, BuildError::Empty { path } if path == "PayloadUUID"),
        "{e:?}"
    );

    let mut no_id = clip(2);
    no_id.payload_identifier = String::new();
    let (e, decoded) = refused(&case(vec![clip(1).into(), no_id.into()]));
    assert!(
        matches!(&e, BuildError::Empty { path } if path == "PayloadContent[1].PayloadIdentifier"),
        "{e:?}"
    );
    assert!(decoded.is_ok(), "the decoder itself accepts empty strings");
    let mut no_uuid = clip(1);
    no_uuid.payload_uuid = String::new();
    let (e, _) = refused(&case(vec![no_uuid.into()]));
    assert!(
        matches!(&e, BuildError::Empty { path } if path == "PayloadContent[0].PayloadUUID"),
        "{e:?}"
    );
}

#[test]
fn missing_required_keys_are_refused() {
    // A payload of an unknown type must still have the common payload keys.
    let mut d = custom_payload();
    d.remove("PayloadUUID");
    let (e, decoded) = refused(&case(vec![clip(1).into(), Payload::Unknown(d)]));
    assert!(
        matches!(&e, BuildError::MissingKey { path } if path == "PayloadContent[1].PayloadUUID"),
        "{e:?}"
    );
    assert!(matches!(
        &decoded.unwrap().payload_content[1],
        Payload::Unknown(_)
    ));

    // A dictionary of a known type, held untyped: the type's required keys are checked, nested
    // ones too, and the decoder refuses the written profile at the same path.
    let mut identity = Dictionary::new();
    identity.insert("Identifier", "com.example.app");
    identity.insert("IdentifierType", "bundleID");
    identity.insert("Allowed", true);
    let mut services = Dictionary::new();
    services.insert("Camera", Value::Array(vec![Value::Dictionary(identity)]));
    let mut tcc = Dictionary::new();
    tcc.insert("PayloadType", "com.apple.TCC.configuration-profile-policy");
    tcc.insert("PayloadIdentifier", "com.example.tcc");
    tcc.insert("PayloadUUID", "6E0F3C2A-0000-4000-8000-000000000300");
    tcc.insert("PayloadVersion", 1i64);
    tcc.insert("Services", services);
    let (e, decoded) = refused(&case(vec![Payload::Unknown(tcc)]));
    let want = "PayloadContent[0].Services.Camera[0].CodeRequirement";
    assert!(
        matches!(&e, BuildError::MissingKey { path } if path == want),
        "{e:?}"
    );
    let de = decoded.unwrap_err();
    assert_eq!((de.kind(), de.path()), (&K::MissingKey, want));

    // A top-level required key of a known type.
    let mut m = Dictionary::new();
    m.insert("PayloadType", "com.apple.mdm");
    m.insert("PayloadIdentifier", "com.example.mdm");
    m.insert("PayloadUUID", "6E0F3C2A-0000-4000-8000-000000000301");
    m.insert("PayloadVersion", 1i64);
    m.insert(
        "IdentityCertificateUUID",
        "6E0F3C2A-0000-4000-8000-000000000302",
    );
    m.insert("ServerURL", "https://mdm.example.com/mdm");
    let (e, decoded) = refused(&case(vec![Payload::Unknown(m)]));
    assert!(
        matches!(&e, BuildError::MissingKey { path } if path == "PayloadContent[0].Topic"),
        "{e:?}"
    );
    let de = decoded.unwrap_err();
    assert_eq!(
        (de.kind(), de.path()),
        (&K::MissingKey, "PayloadContent[0].Topic")
    );
}

#[track_caller]
fn assert_not_allowed(e: &BuildError, want_path: &str, want_value: &str, want: &[&str]) {
    let BuildError::ValueNotAllowed {
        path,
        value,
        allowed,
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!((path.as_str(), value.as_str()), (want_path, want_value));
    assert_eq!(*allowed, want);
}

#[test]
fn values_outside_a_rangelist_are_refused() {
    // A generated string enum built from an unknown value.
    let mut layout = Homescreenlayout::new(
        "com.example.layout",
        "6E0F3C2A-0000-4000-8000-000000000400",
        vec![vec![app("com.example.a")]],
    );
    layout.dock = Some(vec![HomescreenlayoutIconItem::new(
        HomescreenlayoutType::from("Widget"),
    )]);
    let (e, decoded) = refused(&case(vec![layout.clone().into()]));
    assert_not_allowed(
        &e,
        "PayloadContent[0].Dock[0].Type",
        "Widget",
        &["App", "Folder", "WebClip"],
    );
    // The decoder keeps the unknown value (an open set); validate still refuses it.
    assert_eq!(
        decoded.unwrap().payload_content[0],
        Payload::Homescreenlayout(layout)
    );

    // An integer rangelist, nested.
    let mut s = scep(1);
    s.payload_content.keysize = Some(1000);
    let (e, _) = refused(&case(vec![s.into()]));
    assert_not_allowed(
        &e,
        "PayloadContent[0].PayloadContent.Keysize",
        "1000",
        &["1024", "2048", "4096"],
    );

    // A real rangelist.
    let mut r = Applicationaccess::new(
        "com.example.restrict",
        "6E0F3C2A-0000-4000-8000-000000000401",
    );
    r.safari_accept_cookies = Some(0.5);
    let (e, _) = refused(&case(vec![r.into()]));
    assert_not_allowed(
        &e,
        "PayloadContent[0].safariAcceptCookies",
        "0.5",
        &["0.0", "1.0", "1.5", "2.0"],
    );

    // PayloadVersion 2, in a payload and in the profile.
    let mut v2 = clip(1);
    v2.payload_version = 2;
    let (e, _) = refused(&case(vec![v2.into()]));
    assert_not_allowed(&e, "PayloadContent[0].PayloadVersion", "2", &["1"]);
    let mut p = case(vec![clip(1).into()]).profile();
    p.payload_version = 2;
    let (e, decoded) = refused_profile(&p, &p.validate().unwrap_err());
    assert_not_allowed(&e, "PayloadVersion", "2", &["1"]);
    assert_eq!(decoded.unwrap().payload_version, 2);

    // TargetDeviceType and PayloadScope.
    let e = case(vec![])
        .builder()
        .target_device_type(7)
        .build()
        .unwrap_err();
    assert_not_allowed(
        &e,
        "TargetDeviceType",
        "7",
        &["0", "1", "2", "3", "4", "5", "6"],
    );
    let mut c = case(vec![clip(1).into()]);
    c.scope = Some(PayloadScope::from("Everyone"));
    let (e, decoded) = refused(&c);
    assert_not_allowed(&e, "PayloadScope", "Everyone", &["System", "User"]);
    assert_eq!(decoded.unwrap().payload_scope.unwrap().as_str(), "Everyone");
}

#[test]
fn wrong_types_in_untyped_fields_are_refused() {
    // An unknown payload type's common keys are typed by the rules.
    let mut d = custom_payload();
    d.insert("PayloadVersion", "1");
    let (e, decoded) = refused(&case(vec![Payload::Unknown(d)]));
    let BuildError::WrongType {
        path,
        expected,
        found,
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(
        (path.as_str(), *expected, *found),
        ("PayloadContent[0].PayloadVersion", "<integer>", "string")
    );
    assert!(decoded.is_ok(), "an unknown payload type decodes as it is");

    // A known type held untyped with a wrong value type: the decoder refuses it too.
    let mut d = Dictionary::new();
    d.insert("PayloadType", "com.apple.webClip.managed");
    d.insert("PayloadIdentifier", "com.example.clip");
    d.insert("PayloadUUID", "6E0F3C2A-0000-4000-8000-000000000500");
    d.insert("PayloadVersion", 1i64);
    d.insert("Label", "Intranet");
    d.insert("URL", 5i64);
    let (e, decoded) = refused(&case(vec![Payload::Unknown(d)]));
    let BuildError::WrongType {
        path,
        expected,
        found,
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(
        (path.as_str(), *expected, *found),
        ("PayloadContent[0].URL", "<string>", "integer")
    );
    let de = decoded.unwrap_err();
    assert_eq!(
        de.kind(),
        &K::WrongType {
            expected: "string",
            found: "integer"
        }
    );
    assert_eq!(de.path(), "PayloadContent[0].URL");
}

#[test]
fn wrong_scope_is_refused() {
    // macOS installs web clips on the user channel only.
    let mut c = case(vec![clip(1).into()]);
    c.scope = Some(PayloadScope::System);
    let (e, decoded) = refused(&c);
    let BuildError::WrongScope {
        path,
        payload_type,
        scope,
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(
        (path.as_str(), payload_type.as_str(), scope.as_str()),
        ("PayloadContent[0]", "com.apple.webClip.managed", "System")
    );
    assert!(decoded.is_ok());
    c.scope = Some(PayloadScope::User);
    c.builder().build().unwrap();

    // The MDM payload is device-channel only.
    let mut c = case(vec![
        clip(1).into(),
        mdm("6E0F3C2A-0000-4000-8000-00000000S001").into(),
    ]);
    c.scope = Some(PayloadScope::User);
    let (e, _) = refused(&c);
    let BuildError::WrongScope {
        path,
        payload_type,
        scope,
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(
        (path.as_str(), payload_type.as_str(), scope.as_str()),
        ("PayloadContent[1]", "com.apple.mdm", "User")
    );
}

/// Every payload type against both scopes, as the macOS entry of its `AVAILABILITY` says.
#[test]
fn channel_rules_follow_the_availability_table() {
    let (mut user_only, mut device_only) = (0, 0);
    for (n, info) in ALL_PAYLOAD_TYPES.iter().enumerate() {
        let payload = minimal_payload(info, n);
        let mac = info.availability.platform(Platform::MacOs);
        let refuses_device = mac.is_some_and(|m| m.device_channel == Some(false));
        let refuses_user = mac.is_some_and(|m| m.user_channel == Some(false));
        user_only += usize::from(refuses_device);
        device_only += usize::from(refuses_user);
        for (scope, refused) in [
            (PayloadScope::System, refuses_device),
            (PayloadScope::User, refuses_user),
        ] {
            let mut c = case(vec![payload.clone()]);
            c.scope = Some(scope.clone());
            match c.builder().build() {
                Ok(_) => assert!(!refused, "{} accepted in {scope:?}", info.payload_type),
                Err(BuildError::WrongScope {
                    path,
                    payload_type,
                    scope: s,
                }) => {
                    assert!(refused, "{} refused in {scope:?}", info.payload_type);
                    assert_eq!(path, "PayloadContent[0]");
                    assert_eq!(payload_type, info.payload_type);
                    assert_eq!(s, scope.as_str());
                }
                Err(e) => panic!("{}: {e:?}", info.payload_type),
            }
        }
    }
    assert_eq!(
        (user_only, device_only),
        (12, 33),
        "macOS user-channel-only / device-channel-only payload types in the snapshot"
    );
    assert!(
        WebClipManaged::AVAILABILITY
            .platform(Platform::MacOs)
            .is_some_and(|m| m.device_channel == Some(false))
    );
}

#[test]
fn valid_multi_payload_profile_builds() {
    let profile = Profile::builder("com.example.enroll", "6E0F3C2A-0000-4000-8000-000000000600")
        .display_name("Enrollment")
        .scope(PayloadScope::System)
        .payload(scep(1))
        .payload(mdm("6E0F3C2A-0000-4000-8000-00000000S001"))
        .payload(scep(2))
        .payload(Payload::Unknown(custom_payload()))
        .build()
        .unwrap();
    assert_eq!(profile.payload_content.len(), 4);
    let decoded = Profile::from_slice(&profile.to_xml().unwrap()).unwrap();
    assert_eq!(decoded, profile);
    decoded.validate().unwrap();
}

#[test]
fn unwritable_payloads_are_refused() {
    // A character XML cannot carry.
    let mut c1 = clip(1);
    c1.payload_display_name = Some("bell\u{7}".to_owned());
    let e = case(vec![clip(2).into(), c1.into()])
        .builder()
        .build()
        .unwrap_err();
    let BuildError::Encode { path, source } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(path, "PayloadContent[1]");
    assert_eq!(
        source,
        &EncodeError::InvalidXmlChar {
            path: "PayloadDisplayName".to_owned()
        }
    );
    // An unknown key that repeats a known one: what would be written does not read back.
    let mut c1 = clip(1);
    c1.unknown_keys.insert("URL", "https://other.example.com");
    let (e, decoded) = refused(&case(vec![c1.into()]));
    let BuildError::Unreadable { path, source } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(path, "PayloadContent[0]");
    assert_eq!(source.kind(), &K::DuplicateKey);
    assert_eq!(source.path(), "URL");
    let de = decoded.unwrap_err();
    assert_eq!(
        (de.kind(), de.path()),
        (&K::DuplicateKey, "PayloadContent[0].URL")
    );
    // Nesting deeper than the decoder's limit.
    let mut v = Value::Array(Vec::new());
    for _ in 0..Limits::DEFAULT.max_depth {
        v = Value::Array(vec![v]);
    }
    let mut c1 = clip(1);
    c1.unknown_keys.insert("Deep", v);
    let e = case(vec![c1.into()]).builder().build().unwrap_err();
    let BuildError::Unreadable { path, source } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(path, "PayloadContent[0]");
    assert_eq!(source.kind(), &K::LimitExceeded(Limit::Depth));
}

// ---------------------------------------------------------------------------------------------
// Hostile input.

const PROLOG: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" ",
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n",
);

/// A plist document around `body`.
fn doc(body: &str) -> Vec<u8> {
    format!("{PROLOG}<plist version=\"1.0\">\n{body}\n</plist>\n").into_bytes()
}

/// A profile document holding `payloads` (dictionary elements), then `rest` at the top level.
fn profile_doc(payloads: &str, rest: &str) -> Vec<u8> {
    doc(&format!(
        "<dict><key>PayloadContent</key><array>{payloads}</array>\
         <key>PayloadIdentifier</key><string>com.example.p</string>\
         <key>PayloadType</key><string>Configuration</string>\
         <key>PayloadUUID</key><string>6E0F3C2A-0000-4000-8000-000000000700</string>\
         <key>PayloadVersion</key><integer>1</integer>{rest}</dict>"
    ))
}

/// A web clip payload dictionary with `before` placed before its `PayloadType` key and `after`
/// after its other keys.
fn clip_xml(before: &str, after: &str) -> String {
    format!(
        "<dict>{before}<key>PayloadType</key><string>com.apple.webClip.managed</string>\
         <key>PayloadIdentifier</key><string>com.example.c</string>\
         <key>PayloadUUID</key><string>6E0F3C2A-0000-4000-8000-000000000701</string>\
         <key>PayloadVersion</key><integer>1</integer>\
         <key>URL</key><string>https://example.com</string>\
         <key>Label</key><string>L</string>{after}</dict>"
    )
}

#[track_caller]
fn expect_err(name: &str, r: Result<Profile, DecodeError>, kind: &K, path: &str) -> DecodeError {
    match r {
        Ok(p) => panic!("{name}: expected {kind:?} at `{path}`, decoded {p:?}"),
        Err(e) => {
            assert_eq!(e.kind(), kind, "{name}: {e:?}");
            assert_eq!(e.path(), path, "{name}: {e:?}");
            e
        }
    }
}

#[test]
fn valid_hostile_test_base_decodes() {
    // The documents the hostile cases start from are fine as they are.
    let p = Profile::from_slice(&profile_doc(&clip_xml("", ""), "")).unwrap();
    assert!(matches!(p.payload_content[0], Payload::WebClipManaged(_)));
    p.validate().unwrap();
}

#[test]
fn deep_nesting_inside_a_payload() {
    let max = Limits::DEFAULT.max_depth;
    let opens = "<array>".repeat(10_000);
    let indices = |n: usize| "[0]".repeat(n);
    // The root dictionary is depth 1, PayloadContent 2, the payload 3, its key's value 4: the
    // array at depth `max + 1` is refused.
    let deep = format!("<key>Deep</key>{opens}");
    let r = Profile::from_slice(&profile_doc(&clip_xml("", &deep), ""));
    let want = format!("PayloadContent[0].Deep{}", indices(max - 3));
    let e = expect_err(
        "depth/typed payload",
        r,
        &K::LimitExceeded(Limit::Depth),
        &want,
    );
    assert!(e.offset().is_some());
    // In a payload of an unknown type.
    let unknown =
        format!("<dict><key>PayloadType</key><string>com.example.x</string>{deep}</dict>");
    let r = Profile::from_slice(&profile_doc(&unknown, ""));
    expect_err(
        "depth/unknown payload",
        r,
        &K::LimitExceeded(Limit::Depth),
        &want,
    );
    // Inside a typed nested dictionary (the SCEP payload's PayloadContent): one level deeper.
    let scep = format!(
        "<dict><key>PayloadType</key><string>com.apple.security.scep</string>\
         <key>PayloadContent</key><dict>{deep}</dict></dict>"
    );
    let r = Profile::from_slice(&profile_doc(&scep, ""));
    let want_nested = format!("PayloadContent[0].PayloadContent.Deep{}", indices(max - 4));
    expect_err(
        "depth/nested",
        r,
        &K::LimitExceeded(Limit::Depth),
        &want_nested,
    );
    // Before the payload's PayloadType (read ahead to find the type): the same kind, in the
    // same key.
    let r = Profile::from_slice(&profile_doc(&clip_xml(&deep, ""), ""));
    let e = r.unwrap_err();
    assert_eq!(e.kind(), &K::LimitExceeded(Limit::Depth));
    assert!(e.path().starts_with("PayloadContent[0].Deep"), "{e:?}");
    // At the top level of the profile.
    let r = Profile::from_slice(&profile_doc("", &deep));
    expect_err(
        "depth/top level",
        r,
        &K::LimitExceeded(Limit::Depth),
        &format!("Deep{}", indices(max - 1)),
    );
    // With a raised limit, a closed 100-deep value decodes and is kept.
    let hundred = format!(
        "<key>Deep</key>{}{}",
        "<array>".repeat(100),
        "</array>".repeat(100)
    );
    let input = profile_doc(&clip_xml("", &hundred), "");
    let limits = Limits::default().with_max_depth(200);
    let p = Profile::from_slice_with_limits(&input, &limits).unwrap();
    let Payload::WebClipManaged(c) = &p.payload_content[0] else {
        panic!()
    };
    assert!(c.unknown_keys.contains_key("Deep"));
    expect_err(
        "depth/100 default limits",
        Profile::from_slice(&input),
        &K::LimitExceeded(Limit::Depth),
        &want,
    );
}

#[test]
fn doctype_and_entities_are_refused() {
    let laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE plist [\n <!ENTITY lol \"lol\">\n \
                  <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n \
                  <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n]>\n";
    let body = String::from_utf8(profile_doc(
        &clip_xml("", ""),
        "<key>PayloadDisplayName</key><string>&lol2;</string>",
    ))
    .unwrap();
    let input = format!("{laughs}{}", body.trim_start_matches(PROLOG));
    expect_err(
        "entities",
        Profile::from_slice(input.as_bytes()),
        &K::DoctypeForbidden,
        "",
    );
    let xxe = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE plist [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n{}",
        String::from_utf8(profile_doc(
            &clip_xml("", "<key>Note</key><string>&xxe;</string>"),
            ""
        ))
        .unwrap()
        .trim_start_matches(PROLOG)
    );
    expect_err(
        "xxe",
        Profile::from_slice(xxe.as_bytes()),
        &K::DoctypeForbidden,
        "",
    );
    let system = format!(
        "<!DOCTYPE plist SYSTEM \"file:///etc/passwd\">{}",
        String::from_utf8(profile_doc("", ""))
            .unwrap()
            .trim_start_matches(PROLOG)
    );
    expect_err(
        "system",
        Profile::from_slice(system.as_bytes()),
        &K::DoctypeForbidden,
        "",
    );
    // An entity reference without a DOCTYPE, inside a payload.
    let r = Profile::from_slice(&profile_doc(
        &clip_xml("", "<key>Note</key><string>a&xxe;</string>"),
        "",
    ));
    let e = r.unwrap_err();
    assert_eq!(e.kind(), &K::EntityForbidden, "{e:?}");
    assert_eq!(e.path(), "PayloadContent[0].Note");
}

#[test]
fn invalid_utf8_is_refused() {
    let mut input = profile_doc(
        &clip_xml("", "<key>Note</key><string>caf\u{e9}@@</string>"),
        "",
    );
    let at = input.windows(2).position(|w| w == b"@@").unwrap();
    input[at] = 0xff;
    input[at + 1] = 0xfe;
    let e = expect_err("utf8", Profile::from_slice(&input), &K::InvalidUtf8, "");
    assert_eq!(e.offset(), Some(at as u64));
}

#[test]
fn wrong_types_name_their_key() {
    let wrong =
        |name: &str, input: Vec<u8>, expected: &'static str, found: &'static str, path: &str| {
            expect_err(
                name,
                Profile::from_slice(&input),
                &K::WrongType { expected, found },
                path,
            );
        };
    let payload_uuid = clip_xml("", "").replace(
        "<string>6E0F3C2A-0000-4000-8000-000000000701</string>",
        "<integer>701</integer>",
    );
    wrong(
        "payload uuid",
        profile_doc(&payload_uuid, ""),
        "string",
        "integer",
        "PayloadContent[0].PayloadUUID",
    );
    let nested = "<dict><key>PayloadType</key><string>com.apple.security.scep</string>\
                  <key>PayloadContent</key><dict><key>Keysize</key><string>2048</string></dict></dict>";
    wrong(
        "nested keysize",
        profile_doc(nested, ""),
        "integer",
        "string",
        "PayloadContent[0].PayloadContent.Keysize",
    );
    wrong(
        "payload not a dictionary",
        profile_doc("<string>x</string>", ""),
        "dictionary",
        "string",
        "PayloadContent[0]",
    );
    let top = |k: &str, v: &str| {
        doc(&format!(
            "<dict><key>PayloadContent</key><array/><key>PayloadIdentifier</key><string>i</string>\
             <key>PayloadType</key><string>Configuration</string><key>PayloadUUID</key><string>u</string>\
             <key>PayloadVersion</key><integer>1</integer><key>{k}</key>{v}</dict>"
        ))
    };
    wrong(
        "scope",
        top("PayloadScope", "<integer>1</integer>"),
        "string",
        "integer",
        "PayloadScope",
    );
    wrong(
        "removal date",
        top("RemovalDate", "<string>soon</string>"),
        "date",
        "string",
        "RemovalDate",
    );
    wrong(
        "consent",
        top("ConsentText", "<array/>"),
        "dictionary",
        "array",
        "ConsentText",
    );
    wrong(
        "consent entry",
        top("ConsentText", "<dict><key>en</key><true/></dict>"),
        "string",
        "boolean",
        "ConsentText.en",
    );
    let content_dict = doc(
        "<dict><key>PayloadContent</key><dict/><key>PayloadIdentifier</key><string>i</string>\
         <key>PayloadType</key><string>Configuration</string><key>PayloadUUID</key><string>u</string>\
         <key>PayloadVersion</key><integer>1</integer></dict>",
    );
    wrong(
        "content",
        content_dict,
        "array",
        "dictionary",
        "PayloadContent",
    );
    let version = doc(
        "<dict><key>PayloadContent</key><array/><key>PayloadIdentifier</key><string>i</string>\
         <key>PayloadType</key><string>Configuration</string><key>PayloadUUID</key><string>u</string>\
         <key>PayloadVersion</key><string>1</string></dict>",
    );
    wrong("version", version, "integer", "string", "PayloadVersion");
    wrong("root", doc("<array/>"), "dictionary", "array", "");
    // A payload's PayloadType that is not a string.
    let e = Profile::from_slice(&profile_doc(
        "<dict><key>PayloadType</key><integer>3</integer></dict>",
        "",
    ))
    .unwrap_err();
    assert!(
        matches!(
            e.kind(),
            K::WrongType {
                expected: "string",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.path(), "PayloadContent[0].PayloadType");
}

#[test]
fn envelope_rules_are_enforced() {
    let base = String::from_utf8(profile_doc(&clip_xml("", ""), "")).unwrap();
    // PayloadType other than Configuration.
    let other = base.replace(
        "<string>Configuration</string>",
        "<string>com.apple.webClip.managed</string>",
    );
    expect_err(
        "type",
        Profile::from_slice(other.as_bytes()),
        &K::InvalidValue("message type"),
        "PayloadType",
    );
    // No PayloadType at all.
    let none = base.replace("<key>PayloadType</key><string>Configuration</string>", "");
    expect_err(
        "no type",
        Profile::from_slice(none.as_bytes()),
        &K::MissingKey,
        "PayloadType",
    );
    // No PayloadContent (and nothing encrypted).
    let start = base.find("<key>PayloadContent</key>").unwrap();
    let end = base.find("</array>").unwrap() + "</array>".len();
    let mut missing = base.clone();
    missing.replace_range(start..end, "");
    expect_err(
        "no content",
        Profile::from_slice(missing.as_bytes()),
        &K::MissingKey,
        "PayloadContent",
    );
    // Missing required profile keys.
    for key in ["PayloadIdentifier", "PayloadUUID", "PayloadVersion"] {
        // The last occurrence: the profile's, after its payload's.
        let from = base.rfind(&format!("<key>{key}</key>")).unwrap();
        let to = from + base[from..].find("</key>").unwrap() + 6;
        let to = to + base[to..].find('>').unwrap() + 1;
        let to = to + base[to..].find('>').unwrap() + 1;
        let mut s = base.clone();
        s.replace_range(from..to, "");
        expect_err(key, Profile::from_slice(s.as_bytes()), &K::MissingKey, key);
    }
    // A payload without PayloadType; a payload of a known type without a required key.
    expect_err(
        "payload type",
        Profile::from_slice(&profile_doc(
            "<dict><key>PayloadUUID</key><string>u</string></dict>",
            "",
        )),
        &K::MissingKey,
        "PayloadContent[0].PayloadType",
    );
    let no_label = clip_xml("", "").replace("<key>Label</key><string>L</string>", "");
    expect_err(
        "clip label",
        Profile::from_slice(&profile_doc(&no_label, "")),
        &K::MissingKey,
        "PayloadContent[0].Label",
    );
    // A duplicate key inside a payload, and at the top level.
    let dup = clip_xml(
        "",
        "<key>URL</key><string>https://other.example.com</string>",
    );
    expect_err(
        "dup in payload",
        Profile::from_slice(&profile_doc(&dup, "")),
        &K::DuplicateKey,
        "PayloadContent[0].URL",
    );
    expect_err(
        "dup at top",
        Profile::from_slice(&profile_doc(
            &clip_xml("", ""),
            "<key>PayloadUUID</key><string>x</string>",
        )),
        &K::DuplicateKey,
        "PayloadUUID",
    );
}

/// A binary plist: `objects` (already encoded, references one byte wide), an 8-byte offset
/// table, and a trailer naming object 0 the root.
fn bplist(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"bplist00".to_vec();
    let mut offsets = Vec::new();
    for o in objects {
        offsets.push(out.len() as u64);
        out.extend_from_slice(o);
    }
    let table = out.len() as u64;
    for off in offsets {
        out.extend_from_slice(&off.to_be_bytes());
    }
    out.extend_from_slice(&[0; 6]);
    out.push(8); // offset size
    out.push(1); // reference size
    out.extend_from_slice(&(objects.len() as u64).to_be_bytes());
    out.extend_from_slice(&0u64.to_be_bytes());
    out.extend_from_slice(&table.to_be_bytes());
    out
}

/// An ASCII string object.
fn bstr(s: &str) -> Vec<u8> {
    let n = u8::try_from(s.len()).unwrap();
    let mut o = if n < 15 {
        vec![0x50 | n]
    } else {
        vec![0x5F, 0x10, n]
    };
    o.extend_from_slice(s.as_bytes());
    o
}

/// A profile whose PayloadContent (object 6) is `content`, and `extra` further objects.
fn binary_profile(content: Vec<u8>, extra: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objects = vec![
        // {PayloadType: Configuration, PayloadIdentifier: i, PayloadUUID: u,
        //  PayloadVersion: 1, PayloadContent: <6>}
        vec![0xD5, 1, 3, 4, 5, 7, 2, 8, 8, 9, 6],
        bstr("PayloadType"),
        bstr("Configuration"),
        bstr("PayloadIdentifier"),
        bstr("PayloadUUID"),
        bstr("PayloadVersion"),
        content,
        bstr("PayloadContent"),
        bstr("u"),
        vec![0x10, 1],
    ];
    objects.extend(extra);
    bplist(&objects)
}

#[test]
fn huge_declared_sizes_in_binary_plists() {
    // The base document (empty PayloadContent) decodes.
    let ok = binary_profile(vec![0xA0], vec![]);
    let p = Profile::from_slice(&ok).unwrap();
    assert_eq!(
        (p.payload_identifier.as_str(), p.payload_uuid.as_str()),
        ("u", "u")
    );
    assert!(p.payload_content.is_empty());

    let u64be = |n: u64| n.to_be_bytes().to_vec();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // An array declaring 2^40 elements.
        ("array 2^40", [vec![0xAF, 0x13], u64be(1 << 40)].concat()),
        // A dictionary declaring u64::MAX entries.
        (
            "dict u64::MAX",
            [vec![0xDF, 0x13], u64be(u64::MAX)].concat(),
        ),
        // An ASCII string declaring 2^62 bytes.
        ("string 2^62", [vec![0x5F, 0x13], u64be(1 << 62)].concat()),
        // A UTF-16 string declaring 2^63 code units (2^64 bytes).
        ("utf16 2^63", [vec![0x6F, 0x13], u64be(1 << 63)].concat()),
        // Data declaring 4 GiB.
        (
            "data 4 GiB",
            [vec![0x4F, 0x12], (u32::MAX).to_be_bytes().to_vec()].concat(),
        ),
    ];
    for (name, object) in cases {
        // As the PayloadContent value, and as a value inside a payload.
        let direct = binary_profile(object.clone(), vec![]);
        let e = Profile::from_slice(&direct).unwrap_err();
        assert_eq!(e.kind(), &K::Syntax, "{name}: {e:?}");
        // [ {PayloadType: com.example.x, X: <huge>} ]
        let nested = binary_profile(
            vec![0xA1, 10],
            vec![
                vec![0xD2, 1, 12, 11, 13],
                bstr("com.example.x"),
                bstr("X"),
                object,
            ],
        );
        let e = Profile::from_slice(&nested).unwrap_err();
        assert_eq!(e.kind(), &K::Syntax, "{name} nested: {e:?}");
    }

    // A trailer declaring 2^60 objects.
    let mut lying = binary_profile(vec![0xA0], vec![]);
    let n = lying.len();
    lying[n - 24..n - 16].copy_from_slice(&(1u64 << 60).to_be_bytes());
    let e = Profile::from_slice(&lying).unwrap_err();
    assert_eq!(e.kind(), &K::Syntax, "trailer: {e:?}");

    // Present, not only declared: a 2 MB string inside a payload is over the string limit.
    let mut payload = Dictionary::new();
    payload.insert("PayloadType", "com.example.x");
    payload.insert("Big", "x".repeat(2_000_000));
    let mut top = Dictionary::new();
    top.insert(
        "PayloadContent",
        Value::Array(vec![Value::Dictionary(payload)]),
    );
    let input = binary(&Value::Dictionary(top));
    assert!(input.len() < Limits::DEFAULT.max_input_bytes);
    let e = Profile::from_slice(&input).unwrap_err();
    assert_eq!(e.kind(), &K::LimitExceeded(Limit::StringBytes), "{e:?}");
    assert!(e.path().starts_with("PayloadContent[0]"), "{e:?}");
}

#[test]
fn profile_type_constant() {
    // The envelope's PayloadType, and the schema's rangelist for it, agree.
    assert_eq!(CONFIGURATION, "Configuration");
    let k = PROFILE_KEYS
        .iter()
        .find(|k| k.key == "PayloadType")
        .unwrap();
    assert_eq!(k.allowed, [CONFIGURATION]);
}

/// Regressions found in review: what the builder accepts always reads back.
#[test]
fn built_profiles_always_read_back() {
    // An unknown top-level key that repeats a key the profile defines.
    let e = case(vec![clip(1).into()])
        .builder()
        .unknown_key("PayloadUUID", "other")
        .build()
        .unwrap_err();
    let BuildError::Invalid { path, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(path, "PayloadUUID");

    // A payload value nested so deep that the payload alone reads back, but not inside the
    // profile (two levels further down): every depth that builds must decode.
    let (mut built, mut refused) = (0, 0);
    for depth in 25..=Limits::DEFAULT.max_depth {
        let mut v = Value::Array(Vec::new());
        for _ in 0..depth {
            v = Value::Array(vec![v]);
        }
        let mut c1 = clip(1);
        c1.unknown_keys.insert("Deep", v.clone());
        match case(vec![c1.into()]).builder().build() {
            Ok(p) => {
                let back = Profile::from_slice(&p.to_xml().unwrap()).unwrap();
                assert_eq!(back, p, "depth {depth}");
                built += 1;
            }
            Err(BuildError::Unreadable { path, source }) => {
                assert_eq!(path, "PayloadContent[0]", "depth {depth}");
                assert_eq!(source.kind(), &K::LimitExceeded(Limit::Depth));
                refused += 1;
            }
            Err(e) => panic!("depth {depth}: {e:?}"),
        }
        // The same value as a top-level unknown key.
        match case(vec![clip(1).into()])
            .builder()
            .unknown_key("XDeep", v)
            .build()
        {
            Ok(p) => {
                let back = Profile::from_slice(&p.to_xml().unwrap()).unwrap();
                assert_eq!(back, p, "top-level depth {depth}");
                built += 1;
            }
            Err(BuildError::Unreadable { path, source }) => {
                assert_eq!(path, "", "top-level depth {depth}");
                assert_eq!(source.kind(), &K::LimitExceeded(Limit::Depth));
                assert!(source.path().starts_with("XDeep"), "{}", source.path());
                refused += 1;
            }
            Err(e) => panic!("top-level depth {depth}: {e:?}"),
        }
    }
    // Both sides of the limit were exercised, for payloads and top-level keys.
    assert!(
        built >= 4 && refused >= 4,
        "built {built}, refused {refused}"
    );
}
