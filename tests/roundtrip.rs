//! Property tests: whatever mdmkit writes, it reads back unchanged.
//!
//! * arbitrary [`Value`] trees through the XML writer and reader, through the `plist` crate's
//!   value type, and through the `plist` crate's own XML reader and binary writer;
//! * every check-in message type of the schema (built with its constructor, optional fields and
//!   unknown keys set at random), plus the `GetBootstrapToken` and `GetToken` responses;
//! * command reports with random envelope fields, error chains and bodies;
//! * check-in messages of types mdmkit does not know.

#![cfg(feature = "apple")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::Bytes;
use mdmkit::Limits;
use mdmkit::apple::Inbound;
use mdmkit::apple::availability::KeyInfo;
use mdmkit::apple::checkin::{
    ALL_MESSAGE_TYPES, Authenticate, CheckOut, CheckinMessage, DeclarativeManagement,
    GetBootstrapToken, GetBootstrapTokenResponse, GetToken, GetTokenResponse,
    GetTokenTokenParameters, GetTokenTokenServiceType, SetBootstrapToken, TokenUpdate,
    UserAuthenticate,
};
use mdmkit::apple::plist::{self as mdplist, Date, Dictionary, Integer, Value};
use mdmkit::apple::report::{CommandReport, ErrorChainItem, Status};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union, ValueTree};
use proptest::test_runner::TestRunner;

// ---- scalars ----

/// Whether XML 1.0 can carry `c` (the writer refuses the rest).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Any XML-legal character, with markup characters, line ends and non-ASCII text favoured.
fn xml_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>().prop_filter("XML 1.0 character", |&c| is_xml_char(c)),
        2 => proptest::char::range('a', 'z'),
        2 => prop::sample::select(vec![
            '&', '<', '>', '"', '\'', ']', ';', '#', '\n', '\t', '\r', ' ', 'é', 'ß', '€', 'ü',
            '中', '😀', '\u{85}', '\u{2028}', '\u{FFFD}', '\u{E000}', '\u{10FFFF}',
        ]),
    ]
}

/// Strings of XML-legal characters, including the empty string and `&<>`-heavy ones.
fn xml_string() -> impl Strategy<Value = String> {
    vec(xml_char(), 0..24).prop_map(|cs| cs.into_iter().collect())
}

/// Dictionary keys. The reader trims ASCII whitespace around keys (a documented quirk: some
/// pretty-printers pad them), so keys never start or end with it.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => xml_string()
            .prop_map(|k| k.trim_matches(|c: char| c.is_ascii_whitespace()).to_owned()),
        1 => prop::sample::select(vec!["UDID", "Vendor", "SerialNumber", "CF$UID", ""])
            .prop_map(str::to_owned),
    ]
}

fn integer() -> impl Strategy<Value = Integer> {
    prop_oneof![
        any::<i64>().prop_map(Integer::from),
        any::<u64>().prop_map(Integer::from),
        prop::sample::select(vec![
            Integer::from(i64::MIN),
            Integer::from(i64::MAX),
            Integer::from(u64::MAX),
            Integer::from(i64::MAX as u64 + 1),
            Integer::from(0i64),
            Integer::from(-1i64),
        ]),
    ]
}

/// 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z: the years the four-digit XML form carries.
const FIRST_SECOND: i64 = -62_135_596_800;
const LAST_SECOND: i64 = 253_402_300_799;

fn date() -> impl Strategy<Value = Date> {
    prop_oneof![
        (FIRST_SECOND..=LAST_SECOND).prop_map(Date::from_unix_seconds),
        // Around now, where real messages are.
        (1_500_000_000i64..2_000_000_000).prop_map(Date::from_unix_seconds),
    ]
}

fn real() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |r| r.is_finite()),
        (-1_000_000i32..1_000_000).prop_map(|i| f64::from(i) / 8.0),
        prop::sample::select(vec![
            0.0,
            -0.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            1e-300
        ]),
    ]
}

fn bytes() -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..120).prop_map(Bytes::from)
}

fn opt_string() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(xml_string())
}

// ---- values ----

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Boolean),
        xml_string().prop_map(Value::String),
        integer().prop_map(Value::Integer),
        real().prop_map(Value::Real),
        date().prop_map(Value::Date),
        bytes().prop_map(Value::Data),
    ]
}

/// A dictionary from key/value pairs; a repeated key keeps its first place and last value.
fn dict_of(entries: Vec<(String, Value)>) -> Dictionary {
    entries.into_iter().collect()
}

/// Arbitrary values nested at most `levels` containers deep.
fn value_with_depth(levels: u32) -> impl Strategy<Value = Value> {
    leaf().prop_recursive(levels, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((key(), inner), 0..6).prop_map(|kv| Value::Dictionary(dict_of(kv))),
        ]
    })
}

/// Arbitrary values of depth at most 5 (four container levels around a leaf).
fn value() -> impl Strategy<Value = Value> {
    value_with_depth(4)
}

/// The depth of a value: 1 for a scalar or an empty container.
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Dictionary(d) => 1 + d.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 1,
    }
}

/// Unknown keys for a type whose known keys are `known`: never one of them, never
/// `MessageType`.
fn unknown_keys(known: &'static [KeyInfo]) -> impl Strategy<Value = Dictionary> {
    vec((key(), value_with_depth(2)), 0..4).prop_map(move |kv| {
        dict_of(
            kv.into_iter()
                .filter(|(k, _)| k != "MessageType" && known.iter().all(|info| info.key != k))
                .collect(),
        )
    })
}

/// Takes the next optional field out of a generated list.
fn next<T>(it: &mut impl Iterator<Item = Option<T>>) -> Option<T> {
    it.next().flatten()
}

// ---- check-in messages ----

fn authenticate() -> impl Strategy<Value = CheckinMessage> {
    (
        xml_string(),
        vec(opt_string(), 11),
        unknown_keys(Authenticate::KEYS),
    )
        .prop_map(|(topic, opts, unknown)| {
            let mut o = opts.into_iter();
            let mut m = Authenticate::new(topic);
            m.device_name = next(&mut o);
            m.model_name = next(&mut o);
            m.model = next(&mut o);
            m.udid = next(&mut o);
            m.enrollment_id = next(&mut o);
            m.os_version = next(&mut o);
            m.build_version = next(&mut o);
            m.product_name = next(&mut o);
            m.serial_number = next(&mut o);
            m.imei = next(&mut o);
            m.meid = next(&mut o);
            m.unknown_keys = unknown;
            CheckinMessage::Authenticate(m)
        })
}

fn token_update() -> impl Strategy<Value = CheckinMessage> {
    (
        (xml_string(), bytes(), xml_string()),
        vec(opt_string(), 6),
        (
            proptest::option::of(any::<bool>()),
            proptest::option::of(bytes()),
            proptest::option::of(any::<bool>()),
        ),
        unknown_keys(TokenUpdate::KEYS),
    )
        .prop_map(
            |((topic, token, magic), opts, (not_on_console, unlock, awaiting), unknown)| {
                let mut o = opts.into_iter();
                let mut m = TokenUpdate::new(topic, token, magic);
                m.udid = next(&mut o);
                m.enrollment_id = next(&mut o);
                m.enrollment_user_id = next(&mut o);
                m.user_short_name = next(&mut o);
                m.user_id = next(&mut o);
                m.user_long_name = next(&mut o);
                m.not_on_console = not_on_console;
                m.unlock_token = unlock.map(mdmkit::Sensitive::new);
                m.awaiting_configuration = awaiting;
                m.unknown_keys = unknown;
                CheckinMessage::TokenUpdate(m)
            },
        )
}

fn check_out() -> impl Strategy<Value = CheckinMessage> {
    (
        xml_string(),
        opt_string(),
        opt_string(),
        unknown_keys(CheckOut::KEYS),
    )
        .prop_map(|(topic, udid, enrollment_id, unknown)| {
            let mut m = CheckOut::new(topic);
            m.udid = udid;
            m.enrollment_id = enrollment_id;
            m.unknown_keys = unknown;
            CheckinMessage::CheckOut(m)
        })
}

fn user_authenticate() -> impl Strategy<Value = CheckinMessage> {
    (
        xml_string(),
        xml_string(),
        xml_string(),
        unknown_keys(UserAuthenticate::KEYS),
    )
        .prop_map(|(udid, user_id, digest, unknown)| {
            let mut m = UserAuthenticate::new(udid, user_id);
            m.digest_response = Some(digest.into());
            m.unknown_keys = unknown;
            CheckinMessage::UserAuthenticate(m)
        })
}

fn set_bootstrap_token() -> impl Strategy<Value = CheckinMessage> {
    (
        proptest::option::of(bytes()),
        proptest::option::of(any::<bool>()),
        unknown_keys(SetBootstrapToken::KEYS),
    )
        .prop_map(|(token, awaiting, unknown)| {
            let mut m = SetBootstrapToken::new();
            m.bootstrap_token = token.map(mdmkit::Sensitive::new);
            m.awaiting_configuration = awaiting;
            m.unknown_keys = unknown;
            CheckinMessage::SetBootstrapToken(m)
        })
}

fn get_bootstrap_token() -> impl Strategy<Value = CheckinMessage> {
    (
        proptest::option::of(any::<bool>()),
        unknown_keys(GetBootstrapToken::KEYS),
    )
        .prop_map(|(awaiting, unknown)| {
            let mut m = GetBootstrapToken::new();
            m.awaiting_configuration = awaiting;
            m.unknown_keys = unknown;
            CheckinMessage::GetBootstrapToken(m)
        })
}

fn declarative_management() -> impl Strategy<Value = CheckinMessage> {
    (
        prop_oneof![
            prop::sample::select(vec![
                "tokens",
                "declaration-items",
                "status",
                "declaration/configuration/com.example.passcode",
            ])
            .prop_map(str::to_owned),
            xml_string(),
        ],
        proptest::option::of(bytes()),
        vec(opt_string(), 6),
        unknown_keys(DeclarativeManagement::KEYS),
    )
        .prop_map(|(endpoint, data, opts, unknown)| {
            let mut o = opts.into_iter();
            let mut m = DeclarativeManagement::new(endpoint);
            m.data = data;
            m.udid = next(&mut o);
            m.enrollment_id = next(&mut o);
            m.enrollment_user_id = next(&mut o);
            m.user_short_name = next(&mut o);
            m.user_id = next(&mut o);
            m.user_long_name = next(&mut o);
            m.unknown_keys = unknown;
            CheckinMessage::DeclarativeManagement(m)
        })
}

fn token_service_type() -> impl Strategy<Value = GetTokenTokenServiceType> {
    prop_oneof![
        Just(GetTokenTokenServiceType::Maid),
        Just(GetTokenTokenServiceType::WatchPairing),
        xml_string().prop_map(|s| GetTokenTokenServiceType::from(s.as_str())),
    ]
}

fn token_parameters() -> impl Strategy<Value = GetTokenTokenParameters> {
    (
        opt_string(),
        opt_string(),
        opt_string(),
        unknown_keys(GetTokenTokenParameters::KEYS),
    )
        .prop_map(|(security, phone, watch, unknown)| {
            let mut p = GetTokenTokenParameters::new();
            p.security_token = security.map(mdmkit::Sensitive::new);
            p.phone_udid = phone;
            p.watch_udid = watch;
            p.unknown_keys = unknown;
            p
        })
}

fn get_token() -> impl Strategy<Value = CheckinMessage> {
    (
        token_service_type(),
        proptest::option::of(token_parameters()),
        vec(opt_string(), 6),
        unknown_keys(GetToken::KEYS),
    )
        .prop_map(|(service, params, opts, unknown)| {
            let mut o = opts.into_iter();
            let mut m = GetToken::new(service);
            m.token_parameters = params;
            m.udid = next(&mut o);
            m.enrollment_id = next(&mut o);
            m.enrollment_user_id = next(&mut o);
            m.user_short_name = next(&mut o);
            m.user_id = next(&mut o);
            m.user_long_name = next(&mut o);
            m.unknown_keys = unknown;
            CheckinMessage::GetToken(m)
        })
}

/// The generator for check-in messages of `message_type`, if this test has one.
fn checkin_strategy(message_type: &str) -> Option<BoxedStrategy<CheckinMessage>> {
    Some(match message_type {
        "Authenticate" => authenticate().boxed(),
        "CheckOut" => check_out().boxed(),
        "DeclarativeManagement" => declarative_management().boxed(),
        "GetBootstrapToken" => get_bootstrap_token().boxed(),
        "GetToken" => get_token().boxed(),
        "SetBootstrapToken" => set_bootstrap_token().boxed(),
        "TokenUpdate" => token_update().boxed(),
        "UserAuthenticate" => user_authenticate().boxed(),
        _ => return None,
    })
}

/// Any check-in message of any type in [`ALL_MESSAGE_TYPES`].
fn any_checkin() -> impl Strategy<Value = CheckinMessage> {
    Union::new(
        ALL_MESSAGE_TYPES
            .iter()
            .map(|t| checkin_strategy(t).expect("a generator for every message type")),
    )
}

#[test]
fn every_message_type_in_the_schema_has_a_generator() {
    let mut runner = TestRunner::deterministic();
    for t in ALL_MESSAGE_TYPES {
        let strategy = checkin_strategy(t)
            .unwrap_or_else(|| panic!("no generator for MessageType {t}: the schema grew"));
        for _ in 0..8 {
            let m = strategy.new_tree(&mut runner).unwrap().current();
            assert_eq!(m.message_type(), *t);
            assert!(!matches!(m, CheckinMessage::Unknown(_)));
        }
    }
    assert!(checkin_strategy("NotAType").is_none());
}

// ---- responses ----

fn get_bootstrap_token_response() -> impl Strategy<Value = GetBootstrapTokenResponse> {
    (
        proptest::option::of(bytes()),
        unknown_keys(GetBootstrapTokenResponse::KEYS),
    )
        .prop_map(|(token, unknown)| {
            let mut r = GetBootstrapTokenResponse::new();
            r.bootstrap_token = token.map(mdmkit::Sensitive::new);
            r.unknown_keys = unknown;
            r
        })
}

fn get_token_response() -> impl Strategy<Value = GetTokenResponse> {
    (bytes(), unknown_keys(GetTokenResponse::KEYS)).prop_map(|(data, unknown)| {
        let mut r = GetTokenResponse::new(data);
        r.unknown_keys = unknown;
        r
    })
}

// ---- command reports ----

/// The keys `CommandReport` decodes into its envelope.
const ENVELOPE_KEYS: [&str; 9] = [
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

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Idle),
        Just(Status::Acknowledged),
        Just(Status::Error),
        Just(Status::CommandFormatError),
        Just(Status::NotNow),
        xml_string().prop_map(|s| Status::from(s.as_str())),
    ]
}

fn error_chain_item() -> impl Strategy<Value = ErrorChainItem> {
    (
        any::<i64>(),
        xml_string(),
        opt_string(),
        opt_string(),
        vec((key(), value_with_depth(1)), 0..3),
    )
        .prop_map(|(code, domain, localized, english, extra)| {
            const KNOWN: [&str; 4] = [
                "ErrorCode",
                "ErrorDomain",
                "LocalizedDescription",
                "USEnglishDescription",
            ];
            let mut item = ErrorChainItem::new(code, domain);
            item.localized_description = localized;
            item.us_english_description = english;
            item.unknown_keys = dict_of(
                extra
                    .into_iter()
                    .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
                    .collect(),
            );
            item
        })
}

fn command_report() -> impl Strategy<Value = CommandReport> {
    (
        vec(opt_string(), 7),
        status(),
        vec(error_chain_item(), 0..3),
        vec((key(), value_with_depth(3)), 0..6),
    )
        .prop_map(|(opts, status, chain, body)| {
            let mut o = opts.into_iter();
            let mut r = CommandReport::new(status);
            r.udid = next(&mut o);
            r.enrollment_id = next(&mut o);
            r.enrollment_user_id = next(&mut o);
            r.user_id = next(&mut o);
            r.user_short_name = next(&mut o);
            r.user_long_name = next(&mut o);
            r.command_uuid = next(&mut o);
            r.error_chain = chain;
            r.body = dict_of(
                body.into_iter()
                    .filter(|(k, _)| !ENVELOPE_KEYS.contains(&k.as_str()) && k != "MessageType")
                    .collect(),
            );
            r
        })
}

// ---- unknown check-in types ----

/// A check-in dictionary whose `MessageType` (placed anywhere among the keys) is not a type of
/// the schema.
fn unknown_checkin() -> impl Strategy<Value = Dictionary> {
    (
        prop_oneof![
            xml_string(),
            prop::sample::select(vec![
                "authenticate",
                "TokenUpdate ",
                " CheckOut",
                "Enroll",
                "GetCommand",
                "",
            ])
            .prop_map(str::to_owned),
        ]
        .prop_filter("not a schema type", |t| {
            !ALL_MESSAGE_TYPES.contains(&t.as_str())
        }),
        vec((key(), value_with_depth(3)), 0..6),
        0usize..8,
    )
        .prop_map(|(message_type, entries, position)| {
            let rest = dict_of(
                entries
                    .into_iter()
                    .filter(|(k, _)| k != "MessageType")
                    .collect(),
            );
            let mut entries: Vec<(String, Value)> = rest.into_iter().collect();
            let at = position.min(entries.len());
            entries.insert(at, ("MessageType".to_owned(), Value::String(message_type)));
            dict_of(entries)
        })
}

// 256 cases per property (proptest's default); set PROPTEST_CASES for a longer run.
proptest! {
    #[test]
    fn value_round_trips_through_xml(v in value()) {
        prop_assert!(depth(&v) <= 5);
        let xml = v.to_xml().unwrap();
        let back = Value::from_xml(&xml).unwrap();
        prop_assert_eq!(back, v);
    }

    #[test]
    fn value_round_trips_through_plist_value(v in value()) {
        let p = plist::Value::from(v.clone());
        prop_assert_eq!(Value::from(p), v);
    }

    #[test]
    fn plist_crate_reads_what_mdmkit_writes(v in value()) {
        let xml = v.to_xml().unwrap();
        let p = plist::Value::from_reader_xml(&xml[..]).unwrap();
        prop_assert_eq!(Value::from(p), v);
    }

    #[test]
    fn mdmkit_reads_binary_plists_the_plist_crate_writes(v in value()) {
        let mut binary = Vec::new();
        plist::Value::from(v.clone()).to_writer_binary(&mut binary).unwrap();
        prop_assert_eq!(Value::from_xml(&binary).unwrap(), v);
    }

    #[test]
    fn checkin_messages_round_trip(m in any_checkin()) {
        let xml = m.to_xml().unwrap();
        let back = CheckinMessage::from_xml(&xml).unwrap();
        prop_assert_eq!(&back, &m);
        match Inbound::from_xml(&xml).unwrap() {
            Inbound::Checkin(c) => prop_assert_eq!(*c, m),
            other => prop_assert!(false, "classified as {:?}", other),
        }
    }

    #[test]
    fn checkin_responses_round_trip(
        bootstrap in get_bootstrap_token_response(),
        token in get_token_response(),
    ) {
        let xml = bootstrap.to_xml().unwrap();
        let back: GetBootstrapTokenResponse = mdplist::from_slice(&xml, &Limits::default()).unwrap();
        prop_assert_eq!(back, bootstrap);
        let xml = token.to_xml().unwrap();
        let back: GetTokenResponse = mdplist::from_slice(&xml, &Limits::default()).unwrap();
        prop_assert_eq!(back, token);
    }

    #[test]
    fn command_reports_round_trip(r in command_report()) {
        let xml = r.to_xml().unwrap();
        let back = CommandReport::from_xml(&xml).unwrap();
        prop_assert_eq!(&back, &r);
        prop_assert_eq!(back.decode_body::<Dictionary>().unwrap(), r.body.clone());
        match Inbound::from_xml(&xml).unwrap() {
            Inbound::Report(b) => prop_assert_eq!(*b, r),
            other => prop_assert!(false, "classified as {:?}", other),
        }
    }

    #[test]
    fn unknown_checkin_types_round_trip_unchanged(d in unknown_checkin()) {
        let expected_type = d.get("MessageType").and_then(Value::as_str).unwrap().to_owned();
        let m = CheckinMessage::Unknown(d);
        let xml = m.to_xml().unwrap();
        let back = CheckinMessage::from_xml(&xml).unwrap();
        prop_assert_eq!(back.message_type(), expected_type.as_str());
        prop_assert_eq!(&back, &m);
        // Written back exactly as read.
        prop_assert_eq!(back.to_xml().unwrap(), xml.clone());
        match Inbound::from_xml(&xml).unwrap() {
            Inbound::Checkin(c) => prop_assert_eq!(*c, m),
            other => prop_assert!(false, "classified as {:?}", other),
        }
    }
}
