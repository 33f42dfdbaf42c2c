//! Property tests: whatever SyncML mdmkit writes, it reads back unchanged.
//!
//! Arbitrary [`SyncMl`] values (every command kind, `Atomic`/`Sequence` nested to depth 3,
//! items with every `Meta` field, `Data` as escaped text, CDATA or markup with attributes,
//! verbatim unknown elements) satisfy `decode(encode(m)) == m` and
//! `encode(decode(encode(m))) == encode(m)`.
//!
//! What the generator respects, from `src/windows/syncml/de.rs`:
//! * the decoder trims identifiers, URIs, codes and the `Meta` strings (`CmdID`, `MsgRef`,
//!   `CmdRef`, `Cmd`, `TargetRef`, `SourceRef`, `LocURI`, `VerDTD`, `VerProto`, `SessionID`,
//!   `MsgID`, `RespURI`, `Correlator`, `Format`, `Type`, `Mark`, `Version`, `NextNonce`, and
//!   the `Cred` data): those are generated without surrounding whitespace; `LocName` and
//!   `Data` are kept as they are and get any XML character;
//! * verbatim unknown elements come from a small set of well-formed snippets, placed where the
//!   decoder keeps them as unknown (a SyncML-namespace element inside `Atomic` is a command, so
//!   a container's own unknown elements are in a foreign namespace).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(feature = "windows")]

use mdmkit::EncodeError;
use mdmkit::windows::syncml::{
    Alert, AlertCode, Attribute, Chal, CmdId, Command, Container, Cred, Data, Exec, Item, Location,
    MSFT_NAMESPACE, Map, MapItem, Meta, Operation, RawXml, Results, Status, StatusCode, SyncBody,
    SyncHdr, SyncMl,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

// ---- scalars ----

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Any XML-legal character, markup characters, line ends and non-ASCII favoured.
fn xml_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>().prop_filter("XML 1.0 character", |&c| is_xml_char(c)),
        3 => proptest::char::range('a', 'z'),
        2 => prop::sample::select(vec![
            '&', '<', '>', '"', '\'', ']', ';', '#', '\n', '\t', '\r', ' ', 'é', 'ß', '€', 'ü',
            '中', '😀', '\u{85}', '\u{A0}', '\u{2028}', '\u{FFFD}', '\u{E000}', '\u{10FFFF}',
        ]),
    ]
}

/// Text kept as is (LocName, Data text).
fn any_text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => vec(xml_char(), 0..24).prop_map(|cs| cs.into_iter().collect::<String>()),
        1 => prop::sample::select(vec![
            "]]>", "a]]>b", "&amp;", "&lt;x&gt;", "<![CDATA[", "  padded  ", "\r\n", "&#13;",
            "x]]]]><![CDATA[>y",
        ])
        .prop_map(str::to_owned),
    ]
    .boxed()
}

/// Text the decoder trims: no surrounding (Unicode) whitespace.
fn trimmed() -> BoxedStrategy<String> {
    any_text().prop_map(|s| s.trim().to_owned()).boxed()
}

fn id() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (1u32..500).prop_map(|n| n.to_string()),
        1 => Just(String::new()),
        1 => Just("0".to_owned()),
        1 => "[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}",
        1 => trimmed(),
    ]
    .boxed()
}

fn cmd_id() -> BoxedStrategy<CmdId> {
    id().prop_map(CmdId::new).boxed()
}

fn location() -> BoxedStrategy<Location> {
    (trimmed(), option::of(any_text()))
        .prop_map(|(uri, name)| {
            let mut l = Location::new(uri);
            l.loc_name = name;
            l
        })
        .boxed()
}

// ---- verbatim snippets ----

/// Unknown elements in the SyncML namespace (when written unprefixed in a SyncML document).
const SYNCML_SNIPPETS: &[&str] = &[
    "<Foo/>",
    "<Foo></Foo>",
    "<Bar a=\"1\" b='2'>text &amp; more</Bar>",
    "<Nested><A><B>x</B></A><C/></Nested>",
    "<Lang>en-US</Lang>",
    "<Archive/>",
    "<WithCdata><![CDATA[<not markup>]]></WithCdata>",
    "<WithComment><!-- c --></WithComment>",
    "<Uni>日本語 😀</Uni>",
];

/// Unknown elements in their own namespace.
const FOREIGN_SNIPPETS: &[&str] = &[
    "<x:Ext xmlns:x=\"urn:example:ext\">v</x:Ext>",
    "<Ext xmlns=\"urn:example:ext\"><Inner/></Ext>",
    "<EMI xmlns=\"syncml:metinf\">vendor</EMI>",
    "<y:Flag xmlns:y=\"urn:y\"/>",
];

/// Unknown elements of `Meta` (MetInf elements mdmkit does not type, or foreign ones).
const META_SNIPPETS: &[&str] = &[
    "<EMI xmlns=\"syncml:metinf\">vendor</EMI>",
    "<Mem xmlns=\"syncml:metinf\"><FreeMem>8192</FreeMem><FreeID>10</FreeID></Mem>",
    "<Anchor xmlns=\"syncml:metinf\"><Last>1</Last><Next>2</Next></Anchor>",
    "<x:Ext xmlns:x=\"urn:example:ext\">v</x:Ext>",
];

/// Unknown commands (body and container level: unprefixed, unknown names).
const COMMAND_SNIPPETS: &[&str] = &[
    "<Sync><CmdID>9</CmdID><Target><LocURI>./c</LocURI></Target></Sync>",
    "<Put><CmdID>3</CmdID></Put>",
    "<Search/>",
    "<FooBar a=\"&lt;\">x</FooBar>",
];

/// Markup kept in `Data`.
const DATA_SNIPPETS: &[&str] = &[
    "<Anchor xmlns=\"syncml:metinf\"><Next>276</Next></Anchor>",
    "<DevInf xmlns=\"syncml:devinf\"><Man>M</Man></DevInf>",
    "&lt;WLANProfile&gt;&lt;/WLANProfile&gt;",
    "&amp;lt;Policy&amp;gt;",
    "a<!-- comment -->b",
    "<![CDATA[one]]><![CDATA[two]]>",
    "&#65;&#x1F600;",
    "",
];

fn raw(set: &'static [&'static str]) -> impl Strategy<Value = RawXml> {
    prop::sample::select(set).prop_map(|s| RawXml::from_xml(s).unwrap())
}

fn raws(set: &'static [&'static str]) -> impl Strategy<Value = Vec<RawXml>> {
    vec(raw(set), 0..3)
}

// ---- parts ----

fn meta() -> BoxedStrategy<Meta> {
    (
        (
            option::of(trimmed()),
            option::of(trimmed()),
            option::of(trimmed()),
            option::of(any::<u64>()),
        ),
        (
            option::of(trimmed()),
            option::of(trimmed()),
            option::of(any::<u64>()),
            option::of(any::<u64>()),
        ),
        raws(META_SNIPPETS),
    )
        .prop_map(
            |((format, ty, mark, size), (version, nonce, max_msg, max_obj), other)| {
                let mut m = Meta::default();
                m.format = format;
                m.r#type = ty;
                m.mark = mark;
                m.size = size;
                m.version = version;
                m.next_nonce = nonce;
                m.max_msg_size = max_msg;
                m.max_obj_size = max_obj;
                m.other = other;
                m
            },
        )
        .boxed()
}

fn attribute_set() -> BoxedStrategy<Vec<Attribute>> {
    (
        option::of(any_text()),
        option::of("0x[0-9A-F]{8}"),
        option::of(any_text()),
        option::of(any_text()),
    )
        .prop_map(|(plain, msft, foreign, second)| {
            let mut v = Vec::new();
            if let Some(p) = plain {
                v.push(Attribute::new(None, "a", p));
            }
            if let Some(m) = msft {
                v.push(Attribute::new(Some(MSFT_NAMESPACE), "originalerror", m));
            }
            if let Some(f) = foreign {
                v.push(Attribute::new(Some("urn:example:attr"), "note", f));
            }
            if let Some(s) = second {
                v.push(Attribute::new(None, "b-2", s));
            }
            v
        })
        .boxed()
}

fn data() -> BoxedStrategy<Data> {
    let content = prop_oneof![
        3 => any_text().prop_map(|t| Data::text(&t)),
        2 => any_text().prop_map(|t| Data::cdata(&t)),
        2 => prop::sample::select(DATA_SNIPPETS).prop_map(|s| Data::from_xml(s).unwrap()),
    ];
    (content, attribute_set())
        .prop_map(|(mut d, attrs)| {
            for a in attrs {
                d = d.with_attribute(a);
            }
            d
        })
        .boxed()
}

fn item() -> BoxedStrategy<Item> {
    (
        option::of(location()),
        option::of(location()),
        option::of(meta()),
        option::of(data()),
        any::<bool>(),
        raws(SYNCML_SNIPPETS),
    )
        .prop_map(|(target, source, meta, data, more, other)| {
            let mut it = Item::default();
            it.target = target;
            it.source = source;
            it.meta = meta;
            it.data = data;
            it.more_data = more;
            it.other = other;
            it
        })
        .boxed()
}

fn items() -> BoxedStrategy<Vec<Item>> {
    vec(item(), 0..3).boxed()
}

fn cred() -> BoxedStrategy<Cred> {
    (
        prop::sample::select(vec!["syncml:auth-md5", "syncml:auth-basic"]),
        "[A-Za-z0-9+/]{0,22}={0,2}",
        option::of(meta()),
    )
        .prop_map(|(ty, d, meta)| {
            let mut c = Cred::new(ty, d);
            if let Some(m) = meta {
                c.meta = Some(m);
            }
            c
        })
        .boxed()
}

fn operation() -> BoxedStrategy<Operation> {
    (
        cmd_id(),
        any::<bool>(),
        option::of(cred()),
        option::of(meta()),
        items(),
        raws(SYNCML_SNIPPETS),
    )
        .prop_map(|(id, no_resp, cred, meta, items, other)| {
            let mut o = Operation::new(id, items);
            o.no_resp = no_resp;
            o.cred = cred;
            o.meta = meta;
            o.other = other;
            o
        })
        .boxed()
}

fn alert() -> BoxedStrategy<Alert> {
    (
        cmd_id(),
        any::<bool>(),
        option::of(cred()),
        option::of(any::<u16>()),
        option::of(trimmed()),
        items(),
        // Meta is not part of Alert in the DTD: it is kept verbatim.
        raws(&[
            "<Meta><Type xmlns=\"syncml:metinf\">x</Type></Meta>",
            "<Foo/>",
            "<Lang>en</Lang>",
        ]),
    )
        .prop_map(|(id, no_resp, cred, code, correlator, items, other)| {
            let mut a = Alert::new(id, AlertCode(0), items);
            a.code = code.map(AlertCode);
            a.no_resp = no_resp;
            a.cred = cred;
            a.correlator = correlator;
            a.other = other;
            a
        })
        .boxed()
}

fn exec() -> BoxedStrategy<Exec> {
    (
        cmd_id(),
        any::<bool>(),
        option::of(cred()),
        option::of(meta()),
        option::of(trimmed()),
        items(),
        raws(SYNCML_SNIPPETS),
    )
        .prop_map(|(id, no_resp, cred, meta, correlator, items, other)| {
            let mut e = Exec::new(id, Item::default());
            e.items = items;
            e.no_resp = no_resp;
            e.cred = cred;
            e.meta = meta;
            e.correlator = correlator;
            e.other = other;
            e
        })
        .boxed()
}

fn map() -> BoxedStrategy<Map> {
    (
        cmd_id(),
        location(),
        location(),
        option::of(cred()),
        option::of(meta()),
        vec((location(), location()), 0..3),
        raws(SYNCML_SNIPPETS),
    )
        .prop_map(|(id, target, source, cred, meta, map_items, other)| {
            let mut m = Map::default();
            m.cmd_id = id;
            m.target = target;
            m.source = source;
            m.cred = cred;
            m.meta = meta;
            m.map_items = map_items
                .into_iter()
                .map(|(t, s)| MapItem::new(t, s))
                .collect();
            m.other = other;
            m
        })
        .boxed()
}

fn refs() -> BoxedStrategy<Vec<String>> {
    vec(trimmed(), 0..3).boxed()
}

fn results() -> BoxedStrategy<Results> {
    (
        cmd_id(),
        option::of(id()),
        id(),
        option::of(meta()),
        refs(),
        refs(),
        items(),
        raws(SYNCML_SNIPPETS),
    )
        .prop_map(
            |(cmd_id, msg_ref, cmd_ref, meta, target_refs, source_refs, items, other)| {
                let mut r = Results::default();
                r.cmd_id = cmd_id;
                r.msg_ref = msg_ref.map(Into::into);
                r.cmd_ref = CmdId::new(cmd_ref);
                r.meta = meta;
                r.target_refs = target_refs;
                r.source_refs = source_refs;
                r.items = items;
                r.other = other;
                r
            },
        )
        .boxed()
}

fn chal() -> BoxedStrategy<Chal> {
    meta()
        .prop_map(|m| {
            let mut c = Chal::default();
            c.meta = m;
            c
        })
        .boxed()
}

fn status() -> BoxedStrategy<Status> {
    (
        (cmd_id(), id(), id(), trimmed()),
        (refs(), refs(), option::of(cred()), option::of(chal())),
        (any::<u16>(), items(), raws(SYNCML_SNIPPETS)),
    )
        .prop_map(
            |((cmd_id, msg_ref, cmd_ref, cmd), (tr, sr, cred, chal), (code, items, other))| {
                let mut s = Status::new(cmd_id, msg_ref, cmd_ref, &cmd, StatusCode(code));
                s.target_refs = tr;
                s.source_refs = sr;
                s.cred = cred;
                s.chal = chal;
                s.items = items;
                s.other = other;
                s
            },
        )
        .boxed()
}

fn leaf_command() -> BoxedStrategy<Command> {
    prop_oneof![
        operation().prop_map(Command::Add),
        alert().prop_map(Command::Alert),
        operation().prop_map(Command::Copy),
        operation().prop_map(Command::Delete),
        exec().prop_map(Command::Exec),
        operation().prop_map(Command::Get),
        map().prop_map(Command::Map),
        operation().prop_map(Command::Replace),
        results().prop_map(Command::Results),
        status().prop_map(Command::Status),
        raw(COMMAND_SNIPPETS).prop_map(Command::Unknown),
    ]
    .boxed()
}

/// Commands with `Atomic`/`Sequence` nested up to depth 3.
fn command() -> BoxedStrategy<Command> {
    leaf_command()
        .prop_recursive(3, 24, 4, |inner| {
            (
                any::<bool>(),
                cmd_id(),
                any::<bool>(),
                option::of(meta()),
                vec(inner, 0..4),
                raws(FOREIGN_SNIPPETS),
            )
                .prop_map(|(atomic, id, no_resp, meta, commands, other)| {
                    let mut c = Container::new(id, commands);
                    c.no_resp = no_resp;
                    c.meta = meta;
                    c.other = other;
                    if atomic {
                        Command::Atomic(c)
                    } else {
                        Command::Sequence(c)
                    }
                })
        })
        .boxed()
}

fn hdr() -> BoxedStrategy<SyncHdr> {
    (
        (trimmed(), trimmed(), id(), id()),
        (location(), location(), option::of(trimmed()), any::<bool>()),
        (
            option::of(cred()),
            option::of(meta()),
            raws(SYNCML_SNIPPETS),
        ),
    )
        .prop_map(
            |((ver_dtd, ver_proto, session, msg), (t, s, resp, no_resp), (cred, meta, other))| {
                let mut h = SyncHdr::new(session.as_str(), msg.as_str(), t, s);
                h.ver_dtd = ver_dtd;
                h.ver_proto = ver_proto;
                h.resp_uri = resp;
                h.no_resp = no_resp;
                h.cred = cred;
                h.meta = meta;
                h.other = other;
                h
            },
        )
        .boxed()
}

fn message() -> BoxedStrategy<SyncMl> {
    (hdr(), vec(command(), 0..6), any::<bool>())
        .prop_map(|(h, commands, is_final)| {
            let mut body = SyncBody::new(commands);
            body.is_final = is_final;
            SyncMl::new(h, body)
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn decode_encode_is_identity(m in message()) {
        let xml = m.to_xml().unwrap();
        let back = SyncMl::from_xml(xml.as_bytes())
            .unwrap_or_else(|e| panic!("{e:?}\n{xml}"));
        prop_assert_eq!(&back, &m, "{}", xml);
        let again = back.to_xml().unwrap();
        prop_assert_eq!(again, xml);
    }

    #[test]
    fn single_commands_round_trip(c in command()) {
        let xml = c.to_xml().unwrap();
        let back = Command::from_xml(xml.as_bytes())
            .unwrap_or_else(|e| panic!("{e:?}\n{xml}"));
        prop_assert_eq!(&back, &c, "{}", xml);
        prop_assert_eq!(back.to_xml().unwrap(), xml);
    }

    #[test]
    fn data_text_views(t in any_text()) {
        prop_assert_eq!(Data::text(&t).to_text().into_owned(), t.clone());
        prop_assert_eq!(Data::cdata(&t).to_text().into_owned(), t.clone());
        prop_assert_eq!(Data::from(t.as_str()), Data::text(&t));
    }
}

/// An edit of a message.
type Edit<'a> = Box<dyn Fn(&mut SyncMl) + 'a>;

/// A character XML cannot carry, in each kind of string field, is an `EncodeError` naming the
/// field.
#[test]
fn characters_xml_cannot_carry_are_encode_errors() {
    let base = || {
        SyncMl::new(
            SyncHdr::new("1", "1", Location::new("dev"), Location::new("srv")),
            SyncBody::new(vec![Command::Replace(Operation::new(
                "2",
                vec![Item::target("./a").with_data("ok")],
            ))]),
        )
    };
    assert!(base().to_xml().is_ok());
    for bad in [
        '\u{0}', '\u{1}', '\u{8}', '\u{B}', '\u{1F}', '\u{FFFE}', '\u{FFFF}',
    ] {
        let s = format!("a{bad}b");
        let cases: Vec<(&str, Edit<'_>)> = vec![
            (
                "SyncBody.Replace[0].Item[0].Target.LocURI",
                Box::new(|m: &mut SyncMl| {
                    if let Command::Replace(o) = &mut m.body.commands[0] {
                        o.items[0].target = Some(Location::new(s.clone()));
                    }
                }),
            ),
            (
                "SyncHdr.SessionID",
                Box::new(|m: &mut SyncMl| m.hdr.session_id = s.as_str().into()),
            ),
            (
                "SyncHdr.Source.LocName",
                Box::new(|m: &mut SyncMl| m.hdr.source.loc_name = Some(s.clone())),
            ),
            (
                "SyncBody.Replace[0].CmdID",
                Box::new(|m: &mut SyncMl| {
                    *m.body.commands[0].cmd_id_mut().unwrap() = CmdId::new(s.clone());
                }),
            ),
            (
                "SyncBody.Replace[0].Item[0].Meta.Type",
                Box::new(|m: &mut SyncMl| {
                    if let Command::Replace(o) = &mut m.body.commands[0] {
                        o.items[0].meta = Some(Meta::format_type("chr", &s));
                    }
                }),
            ),
        ];
        for (path, edit) in cases {
            let mut m = base();
            edit(&mut m);
            match m.to_xml() {
                Err(EncodeError::InvalidXmlChar { path: p }) => {
                    assert_eq!(p, path, "{bad:?}");
                }
                other => panic!("{path} with {bad:?}: {other:?}"),
            }
        }
    }
    // A Status inside an Atomic: the path walks the nesting.
    let mut s = Status::new("3", "1", "2", "Get", StatusCode::OK);
    s.target_refs.push("x\u{1}".to_owned());
    let m = SyncMl::new(
        SyncHdr::new("1", "1", Location::new("dev"), Location::new("srv")),
        SyncBody::new(vec![Command::Sequence(Container::new(
            "1",
            vec![Command::Get(Operation::default()), Command::Status(s)],
        ))]),
    );
    match m.to_xml() {
        Err(EncodeError::InvalidXmlChar { path }) => {
            assert_eq!(path, "SyncBody.Sequence[0].Status[1].TargetRef");
        }
        other => panic!("{other:?}"),
    }
    // Command::to_xml refuses the same.
    let c = Command::Get(Operation::new("1", vec![Item::target("\u{0}")]));
    assert!(matches!(
        c.to_xml(),
        Err(EncodeError::InvalidXmlChar { .. })
    ));
}
