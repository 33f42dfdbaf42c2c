//! Regression tests for bugs found by review and fuzzing, one named test each.

#![cfg(feature = "apple")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mdmkit::apple::checkin::{CheckinMessage, UserAuthenticate};
use mdmkit::apple::plist::{Date, Dictionary, Value};
use mdmkit::apple::report::CommandReport;
use mdmkit::{DecodeErrorKind, EncodeError, Limit, Limits};

/// A binary plist referencing one 4 KiB data object 60,000 times: each reference would be a
/// copy (240 MB from a small input). The decoded-bytes budget refuses it.
#[test]
fn binary_reference_amplification_is_bounded() {
    let big = plist::Value::Data(vec![7u8; 4096]);
    let mut d = plist::Dictionary::new();
    d.insert("Status".into(), plist::Value::String("Idle".into()));
    d.insert("X".into(), plist::Value::Array(vec![big; 60_000]));
    let mut bin = Vec::new();
    plist::Value::Dictionary(d)
        .to_writer_binary(&mut bin)
        .unwrap();
    assert!(
        bin.len() < 1_000_000,
        "the writer shares the object: {} bytes",
        bin.len()
    );
    let err = CommandReport::from_xml(&bin).unwrap_err();
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::LimitExceeded(Limit::InputBytes)
    );
    let err = Value::from_xml(&bin).unwrap_err();
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::LimitExceeded(Limit::InputBytes)
    );
}

/// Dates an offset or leap second carries outside years 0000–9999 are refused on input, and
/// the writer refuses such a date instead of writing text it cannot read back.
#[test]
fn dates_stay_within_four_digit_years() {
    for text in [
        "9999-12-31T23:59:60Z",
        "9999-12-31T23:30:00-01:00",
        "0000-01-01T00:00:00+01:00",
    ] {
        let xml = format!("<plist><date>{text}</date></plist>");
        let err = Value::from_xml(xml.as_bytes()).unwrap_err();
        assert_eq!(err.kind(), &DecodeErrorKind::InvalidValue("date"), "{text}");
    }
    let mut d = Dictionary::new();
    d.insert(
        "When",
        Date::from_unix_seconds(Date::MAX.unix_seconds() + 1),
    );
    let err = Value::Dictionary(d).to_xml().unwrap_err();
    assert_eq!(
        err,
        EncodeError::DateOutOfRange {
            path: "When".into()
        }
    );
    let ok = Value::Date(Date::MAX);
    assert_eq!(Value::from_xml(&ok.to_xml().unwrap()).unwrap(), ok);
}

/// A key that really starts or ends with whitespace (possible in a binary plist) is written
/// with character references and reads back unchanged; pretty-printing whitespace is still
/// dropped.
#[test]
fn padded_keys_round_trip() {
    let mut d = Dictionary::new();
    d.insert(" UDID", "x");
    d.insert("UDID", "y");
    d.insert("\tboth ", 1i64);
    d.insert("   ", 2i64);
    let v = Value::Dictionary(d);
    let xml = v.to_xml().unwrap();
    assert!(String::from_utf8_lossy(&xml).contains("<key>&#32;UDID</key>"));
    assert_eq!(Value::from_xml(&xml).unwrap(), v);
    let pretty = b"<plist><dict><key>\n  UDID\n  </key><string>y</string></dict></plist>";
    let v = Value::from_xml(pretty).unwrap();
    assert_eq!(
        v.as_dictionary().unwrap().keys().collect::<Vec<_>>(),
        ["UDID"]
    );
}

/// The first UserAuthenticate request carries no DigestResponse (the schema's own text).
#[test]
fn user_authenticate_first_leg_decodes() {
    let xml = b"<plist><dict><key>MessageType</key><string>UserAuthenticate</string>\
        <key>UDID</key><string>D1</string><key>UserID</key><string>U1</string></dict></plist>";
    let CheckinMessage::UserAuthenticate(u) = CheckinMessage::from_xml(xml).unwrap() else {
        panic!()
    };
    assert_eq!(u.digest_response, None);
    assert_eq!(u, UserAuthenticate::new("D1", "U1"));
}

/// The data limit counts decoded bytes, not the line breaks and tabs of the base64 layout.
#[test]
fn data_limit_ignores_base64_layout() {
    let v = Value::Data(bytes::Bytes::from(vec![7u8; 3000]));
    let xml = v.to_xml().unwrap();
    let limits = Limits::default().with_max_data_bytes(3000);
    assert_eq!(Value::from_xml_with_limits(&xml, &limits).unwrap(), v);
    let tight = Limits::default().with_max_data_bytes(2000);
    let err = Value::from_xml_with_limits(&xml, &tight).unwrap_err();
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::LimitExceeded(Limit::DataBytes)
    );
}

/// Offsets count the byte-order mark.
#[test]
fn offsets_include_the_byte_order_mark() {
    let err = Value::from_xml(b"\xEF\xBB\xBF<plist><string>ab\xffcd</string></plist>").unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::InvalidUtf8);
    assert_eq!(err.offset(), Some(20));
}

/// An error met while reading ahead for `MessageType` still names its key.
#[test]
fn read_ahead_errors_keep_their_key() {
    let xml = b"<plist><dict><key>EnrollmentID</key><integer>99999999999999999999999</integer>\
        <key>MessageType</key><string>TokenUpdate</string></dict></plist>";
    let err = CheckinMessage::from_xml(xml).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::IntegerOutOfRange);
    assert_eq!(err.path(), "EnrollmentID");
}

/// Errors never carry input text, not even in their source chain.
#[test]
fn error_sources_do_not_quote_input() {
    let xml = b"<plist><dict><key>PushMagic</key><string>x</SECRETTAG></dict></plist>";
    let err = Value::from_xml(xml).unwrap_err();
    let mut chain = format!("{err} {err:?}");
    let mut src = std::error::Error::source(&err);
    while let Some(s) = src {
        chain.push_str(&s.to_string());
        src = s.source();
    }
    assert!(!chain.contains("SECRETTAG"), "{chain}");
}

/// Encode errors name their path in the same form as decode errors (`a[0].b`).
#[test]
fn encode_error_paths_match_decode_paths() {
    let mut inner = Dictionary::new();
    inner.insert("Bad", "\u{1}");
    let mut outer = Dictionary::new();
    outer.insert("List", Value::Array(vec![Value::Dictionary(inner)]));
    let err = Value::Dictionary(outer).to_xml().unwrap_err();
    assert_eq!(
        err,
        EncodeError::InvalidXmlChar {
            path: "List[0].Bad".into()
        }
    );
}

/// An error met while a dispatching decoder reads ahead for its type key (`MessageType`,
/// `PayloadType`) has the same full path as when the bad value comes after the type key (it
/// used to stop at the top-level key). Found in review of the profile tests.
#[test]
fn read_ahead_errors_keep_their_full_path() {
    let deep = format!(
        "<key>Deep</key><dict><key>A</key><array><string>x</string>{}</array></dict>",
        "<array>".repeat(40)
    );
    let bad_integer = "<key>Bad</key><dict><key>A</key><array><string>x</string><integer>zz</integer></array></dict>";
    for (bad, want_prefix) in [(deep.as_str(), "Deep.A[1]"), (bad_integer, "Bad.A[1]")] {
        let kind = "<key>MessageType</key><string>Authenticate</string>";
        let rest = "<key>Topic</key><string>t</string><key>UDID</key><string>u</string>";
        let before = format!("<plist><dict>{bad}{kind}{rest}</dict></plist>");
        let after = format!("<plist><dict>{kind}{rest}{bad}</dict></plist>");
        let e1 = mdmkit::apple::checkin::CheckinMessage::from_xml(before.as_bytes()).unwrap_err();
        let e2 = mdmkit::apple::checkin::CheckinMessage::from_xml(after.as_bytes()).unwrap_err();
        assert_eq!(e1.kind(), e2.kind());
        assert_eq!(e1.path(), e2.path(), "read-ahead path vs. normal path");
        assert!(e1.path().starts_with(want_prefix), "{}", e1.path());
    }
}

/// SyncML round-trip defects found by the `syncml_roundtrip` fuzz target (each failed before
/// its fix).
#[cfg(feature = "windows")]
mod syncml_regressions {
    use mdmkit::windows::syncml::{Command, SyncMl};
    const HDR: &str = "<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID>\
        <MsgID>1</MsgID><Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr>";

    fn round_trip(xml: &str) -> (SyncMl, SyncMl) {
        let m = SyncMl::from_xml(xml.as_bytes()).unwrap();
        let out = m.to_xml().unwrap();
        let again = SyncMl::from_xml(out.as_bytes())
            .unwrap_or_else(|e| panic!("to_xml output does not decode: {e:?}\n{out}"));
        (m, again)
    }

    #[test]
    fn syncml_verbatim_parts_keep_outer_prefixes() {
        let (m, again) = round_trip(&format!(
            r#"<SyncML xmlns="SYNCML:SYNCML1.2" xmlns:m="syncml:metinf" xmlns:x="urn:x">{HDR}<SyncBody>
            <Get><CmdID>2</CmdID><Meta><m:EMI>x</m:EMI></Meta></Get>
            <Replace><CmdID>3</CmdID><Item><Data><x:a/></Data></Item></Replace></SyncBody></SyncML>"#
        ));
        assert_eq!(again, m);
    }

    #[test]
    fn syncml_verbatim_parts_keep_outer_default_namespace() {
        let (m, again) = round_trip(
            r#"<s:SyncML xmlns:s="SYNCML:SYNCML1.2"><s:SyncHdr><s:VerDTD>1.2</s:VerDTD><s:VerProto>DM/1.2</s:VerProto><s:SessionID>1</s:SessionID><s:MsgID>1</s:MsgID><s:Target><s:LocURI>t</s:LocURI></s:Target><s:Source><s:LocURI>s</s:LocURI></s:Source></s:SyncHdr><s:SyncBody><s:Replace><s:CmdID>2</s:CmdID><s:Item xmlns="urn:x"><Data>abc</Data></s:Item></s:Replace></s:SyncBody></s:SyncML>"#,
        );
        assert!(m.body.commands[0].items()[0].data.is_none());
        assert_eq!(again, m);
    }

    #[test]
    fn syncml_data_xml_namespace_attribute_round_trips() {
        let (m, again) = round_trip(&format!(
            r#"<SyncML xmlns="SYNCML:SYNCML1.2">{HDR}<SyncBody><Replace><CmdID>2</CmdID><Item><Data xml:space="preserve">a</Data></Item></Replace></SyncBody></SyncML>"#
        ));
        assert_eq!(again, m);
    }

    #[test]
    fn syncml_attribute_namespace_uri_is_unescaped() {
        let (m, again) = round_trip(&format!(
            r#"<SyncML xmlns="SYNCML:SYNCML1.2">{HDR}<SyncBody><Replace><CmdID>2</CmdID><Item><Data xmlns:p="urn:a&amp;b" p:x="1">v</Data></Item></Replace></SyncBody></SyncML>"#
        ));
        let data = m.body.commands[0].items()[0].data.as_ref().unwrap();
        assert_eq!(data.attributes()[0].namespace(), Some("urn:a&b"));
        assert_eq!(again, m);
    }

    #[test]
    fn syncml_decoded_messages_always_encode() {
        for bad in ["&#1;", "\u{1}", "&#xFFFE;"] {
            let xml = format!(
                r#"<SyncML xmlns="SYNCML:SYNCML1.2">{HDR}<SyncBody><Get><CmdID>{bad}</CmdID></Get></SyncBody></SyncML>"#
            );
            assert!(SyncMl::from_xml(xml.as_bytes()).is_err(), "{bad:?} decodes");
        }
    }

    #[test]
    fn syncml_unknown_structural_command_round_trips() {
        let m = SyncMl::from_xml(
            format!(
                r#"<SyncML xmlns="SYNCML:SYNCML1.2">{HDR}<SyncBody><SyncBody><Get><CmdID>1</CmdID></Get></SyncBody></SyncBody></SyncML>"#
            )
            .as_bytes(),
        )
        .unwrap();
        let c = &m.body.commands[0];
        assert!(matches!(c, Command::Unknown(_)));
        assert_eq!(
            &Command::from_xml(c.to_xml().unwrap().as_bytes()).unwrap(),
            c
        );
    }
}
