//! Oracles for the SyncML (OMA DM, Windows MDM) codec: `syncml_xml` and `syncml_roundtrip`.
//!
//! The promises checked: the decoders never panic; a decoded message encodes, unless a typed
//! string holds a character XML cannot carry (the decoder accepts such characters from
//! character references and literal control characters; the encoder refuses them); what the
//! encoder writes decodes to an equal message; encoding that again gives the same bytes. The
//! same holds for each command of a [`Fragment`] through [`Command::to_xml`] /
//! [`Command::from_xml`].
//!
//! The six defects these oracles found are fixed; their inputs are regression tests in
//! `tests/regressions.rs` (`syncml_regressions`).

use mdmkit::EncodeError;
use mdmkit::Limits;
use mdmkit::windows::syncml::Command;
use mdmkit::windows::syncml::auth::{self, DigestSecret};
use mdmkit::windows::syncml::large::Reassembler;
use mdmkit::windows::syncml::session::Session;
use mdmkit::windows::syncml::{
    Cred, Data, Fragment, Item, Location, Meta, StatusCode, SyncBody, SyncHdr, SyncMl,
};

use crate::xml_char;

/// Tight limits for hostile input: small enough that a 64 KiB input cannot make a run slow,
/// large enough for every seed.
pub const FUZZ_LIMITS: Limits = Limits::DEFAULT
    .with_max_input_bytes(256 * 1024)
    .with_max_depth(24)
    .with_max_items(20_000)
    .with_max_string_bytes(64 * 1024)
    .with_max_data_bytes(128 * 1024);

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---- non-XML characters in typed strings ----

fn bad(s: &str) -> bool {
    !s.chars().all(xml_char)
}

fn location_bad(l: &Location) -> bool {
    bad(&l.loc_uri) || l.loc_name.as_deref().is_some_and(bad)
}

fn meta_bad(m: &Meta) -> bool {
    [&m.format, &m.r#type, &m.mark, &m.version, &m.next_nonce]
        .into_iter()
        .any(|s| s.as_deref().is_some_and(bad))
}

fn cred_bad(c: &Cred) -> bool {
    c.meta.as_ref().is_some_and(meta_bad) || bad(c.data.expose())
}

fn data_bad(d: &Data) -> bool {
    // The content is written verbatim; only attribute values are escaped (and checked).
    d.attributes().iter().any(|a| bad(a.value()))
}

fn item_bad(i: &Item) -> bool {
    i.target.as_ref().is_some_and(location_bad)
        || i.source.as_ref().is_some_and(location_bad)
        || i.meta.as_ref().is_some_and(meta_bad)
        || i.data.as_ref().is_some_and(data_bad)
}

fn opt<T>(v: &Option<T>, f: impl Fn(&T) -> bool) -> bool {
    v.as_ref().is_some_and(f)
}

/// Whether a typed string of `c` (recursively) holds a character XML 1.0 cannot carry.
pub fn command_has_non_xml_char(c: &Command) -> bool {
    let items = c.items().iter().any(item_bad);
    let id = c.cmd_id().is_some_and(|id| bad(id.as_str()));
    items
        || id
        || match c {
            Command::Add(o)
            | Command::Copy(o)
            | Command::Delete(o)
            | Command::Get(o)
            | Command::Replace(o) => opt(&o.cred, cred_bad) || opt(&o.meta, meta_bad),
            Command::Alert(a) => opt(&a.cred, cred_bad) || a.correlator.as_deref().is_some_and(bad),
            Command::Exec(e) => {
                opt(&e.cred, cred_bad)
                    || opt(&e.meta, meta_bad)
                    || e.correlator.as_deref().is_some_and(bad)
            }
            Command::Atomic(k) | Command::Sequence(k) => {
                opt(&k.meta, meta_bad) || k.commands.iter().any(command_has_non_xml_char)
            }
            Command::Map(m) => {
                location_bad(&m.target)
                    || location_bad(&m.source)
                    || opt(&m.cred, cred_bad)
                    || opt(&m.meta, meta_bad)
                    || m.map_items
                        .iter()
                        .any(|mi| location_bad(&mi.target) || location_bad(&mi.source))
            }
            Command::Results(r) => {
                r.msg_ref.as_ref().is_some_and(|m| bad(m.as_str()))
                    || bad(r.cmd_ref.as_str())
                    || opt(&r.meta, meta_bad)
                    || r.target_refs.iter().chain(&r.source_refs).any(|s| bad(s))
            }
            Command::Status(s) => {
                bad(s.msg_ref.as_str())
                    || bad(s.cmd_ref.as_str())
                    || bad(&s.cmd)
                    || s.target_refs.iter().chain(&s.source_refs).any(|s| bad(s))
                    || opt(&s.cred, cred_bad)
                    || opt(&s.chal, |c| meta_bad(&c.meta))
            }
            // Written verbatim.
            _ => false,
        }
}

fn hdr_has_non_xml_char(h: &SyncHdr) -> bool {
    bad(&h.ver_dtd)
        || bad(&h.ver_proto)
        || bad(h.session_id.as_str())
        || bad(h.msg_id.as_str())
        || location_bad(&h.target)
        || location_bad(&h.source)
        || h.resp_uri.as_deref().is_some_and(bad)
        || opt(&h.cred, cred_bad)
        || opt(&h.meta, meta_bad)
}

/// Whether a typed string of `m` holds a character XML 1.0 cannot carry.
pub fn has_non_xml_char(m: &SyncMl) -> bool {
    hdr_has_non_xml_char(&m.hdr) || m.body.commands.iter().any(command_has_non_xml_char)
}

// ---- the oracles ----

fn check_encode_error(e: &EncodeError, non_xml: bool, what: &str) {
    assert!(
        matches!(e, EncodeError::InvalidXmlChar { .. }),
        "{what}: to_xml failed with an unexpected error: {e:?}"
    );
    assert!(
        non_xml,
        "{what}: to_xml failed ({e}) but no typed string holds a non-XML character"
    );
}

/// Decode → encode → decode → encode for a message decoded from `input`.
pub fn check_message_roundtrip(input: &[u8], m: &SyncMl) {
    let non_xml = has_non_xml_char(m);
    let x1 = match m.to_xml() {
        Ok(x) => x,
        Err(e) => {
            check_encode_error(&e, non_xml, "SyncMl");
            return;
        }
    };
    assert!(
        !non_xml,
        "to_xml accepted a typed string with a non-XML character"
    );
    let m2 = match SyncMl::from_xml(x1.as_bytes()) {
        Ok(m2) => m2,
        Err(e) => panic!(
            "re-decoding SyncMl::to_xml output failed: {e:?}\ninput  {}\noutput {x1}",
            show(input)
        ),
    };
    assert_eq!(m2, *m, "SyncMl round trip changed the message\noutput {x1}");
    let x2 = match m2.to_xml() {
        Ok(x) => x,
        Err(e) => panic!("second SyncMl::to_xml failed: {e}"),
    };
    assert!(x1 == x2, "SyncMl writer is not a fixed point:\n{x1}\n{x2}");
}

/// The same for one command through `Command::to_xml` / `Command::from_xml`.
pub fn check_command_roundtrip(input: &[u8], c: &Command) {
    let non_xml = command_has_non_xml_char(c);
    let x1 = match c.to_xml() {
        Ok(x) => x,
        Err(e) => {
            check_encode_error(&e, non_xml, "Command");
            return;
        }
    };
    assert!(
        !non_xml,
        "Command::to_xml accepted a typed string with a non-XML character"
    );
    let c2 = match Command::from_xml(x1.as_bytes()) {
        Ok(c2) => c2,
        Err(e) => panic!(
            "re-decoding Command::to_xml output failed: {e:?}\ninput  {}\noutput {x1}",
            show(input)
        ),
    };
    assert_eq!(
        c2, *c,
        "Command round trip changed the command\noutput {x1}"
    );
    let x2 = match c2.to_xml() {
        Ok(x) => x,
        Err(e) => panic!("second Command::to_xml failed: {e}"),
    };
    assert!(x1 == x2, "Command writer is not a fixed point:\n{x1}\n{x2}");
}

/// The round-trip oracle: a message, and each command of a fragment (a fragment with a header
/// is also checked as a whole message).
pub fn check_syncml_roundtrip(data: &[u8]) {
    if let Ok(m) = SyncMl::from_xml_with_limits(data, &FUZZ_LIMITS) {
        check_message_roundtrip(data, &m);
    }
    if let Ok(f) = Fragment::from_xml_with_limits(data, &FUZZ_LIMITS) {
        for c in &f.commands {
            check_command_roundtrip(data, c);
        }
        if let Some(hdr) = f.hdr {
            let mut body = SyncBody::new(f.commands);
            body.is_final = f.is_final;
            check_message_roundtrip(data, &SyncMl::new(hdr, body));
        }
    }
}

/// The no-panic target: both decoders, then the helpers a server runs on a decoded message
/// (views, the session's reply, correlation, large-object reassembly, credential checks).
pub fn exercise_syncml(data: &[u8]) {
    if let Ok(m) = SyncMl::from_xml_with_limits(data, &FUZZ_LIMITS) {
        let _ = format!("{m:?}");
        let flat = m.commands_flat().count();
        assert!(flat >= m.body.commands.len());
        let mut reasm = Reassembler::new(64 * 1024);
        for c in m.commands_flat() {
            let _ = c.name();
            for i in c.items() {
                if let Some(d) = &i.data {
                    let _ = d.to_text();
                    let _ = d.original_error();
                }
                let _ = reasm.push(i);
            }
        }
        let _ = reasm.no_end_of_data();
        let secret = DigestSecret::new("user", "pass");
        let _ = auth::verify(m.hdr.cred.as_ref(), Some(&secret), b"nonce");
        let _ = auth::verify(m.hdr.cred.as_ref(), None, b"");
        let mut session = Session::new();
        let reply = session.respond(&m, StatusCode::OK).finish();
        let _ = reply.to_xml();
        let _ = session.correlate(&m);
        for c in &m.body.commands {
            if let Command::Status(s) = c
                && let Some(chal) = &s.chal
            {
                let _ = auth::decode_nonce(chal);
            }
        }
    }
    if let Ok(f) = Fragment::from_xml_with_limits(data, &FUZZ_LIMITS) {
        let _ = format!("{f:?}");
        for c in &f.commands {
            if let Command::Unknown(r) = c {
                let _ = r.local_name();
            }
        }
    }
    // The default limits as well (only the input size differs for a fuzzer-sized input).
    let _ = Command::from_xml(data);
}
