//! XML decoding of the SyncML model, straight from the event stream (no tree).

use std::borrow::Cow;

use super::data::{Attribute, Data, RawXml};
use super::model::*;
use super::{METINF_NAMESPACE, StatusCode};
use crate::error::{DecodeError, DecodeErrorKind as K, Limit};
use crate::limits::Limits;
use crate::sensitive::Sensitive;
use crate::windows::xml::{Ev, NS_NONE, NsCode, Reader, Start, required, set_once};

pub(crate) const NS_SYNCML: NsCode = 1;
pub(crate) const NS_METINF: NsCode = 2;
pub(crate) const NS_DEVINF: NsCode = 3;

/// Maps a namespace URI to its class. The SyncML namespace is matched without regard to ASCII
/// case and whitespace (quirk: Microsoft's samples write `SYNCML: SYNCML1.2`).
pub(crate) fn classify(ns: &[u8]) -> NsCode {
    if ns == b"SYNCML:SYNCML1.2" || ns == b"SYNCML:SYNCML1.1" {
        return NS_SYNCML;
    }
    if ns.eq_ignore_ascii_case(METINF_NAMESPACE.as_bytes()) {
        return NS_METINF;
    }
    if ns.eq_ignore_ascii_case(b"syncml:devinf") {
        return NS_DEVINF;
    }
    let squeezed: Vec<u8> = ns
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .map(u8::to_ascii_uppercase)
        .collect();
    if matches!(
        squeezed.as_slice(),
        b"SYNCML:SYNCML1.0" | b"SYNCML:SYNCML1.1" | b"SYNCML:SYNCML1.2"
    ) {
        return NS_SYNCML;
    }
    crate::windows::xml::NS_OTHER
}

/// A SyncML element: in the SyncML namespace, or in none (DOCTYPE'd 1.1 documents).
fn is_syncml(s: &Start<'_>) -> bool {
    s.ns == NS_SYNCML || s.ns == NS_NONE
}

/// A MetInf element inside `Meta`: in `syncml:metinf`, or (leniently) unqualified.
fn is_metinf(s: &Start<'_>) -> bool {
    s.ns == NS_METINF || s.ns == NS_SYNCML || s.ns == NS_NONE
}

type R<'a> = Reader<'a>;
type Res<T> = Result<T, DecodeError>;

/// Keeps the element just started verbatim. An unprefixed element in a default namespace other
/// than SyncML's gets that namespace declared on it, since it is written back where SyncML is
/// the default. (No namespace and SyncML's are read alike, so those need nothing.)
fn raw<'a>(r: &mut R<'a>, s: &Start<'a>) -> Res<RawXml> {
    if s.ns == NS_SYNCML || s.ns == NS_NONE || s.is_prefixed() || s.declares_default_namespace() {
        return Ok(RawXml::from_checked(r.raw_element(s)?));
    }
    let Some(default) = r.default_namespace() else {
        return Ok(RawXml::from_checked(r.raw_element(s)?));
    };
    let text = r.raw_element(s)?;
    let name_len = 1 + s.local.len();
    let (head, tail) = text.split_at(name_len.min(text.len()));
    let mut decl = String::from(" xmlns=\"");
    crate::windows::xml::escape_into(&mut decl, &default, true).map_err(|_| r.err(K::Syntax))?;
    decl.push('"');
    Ok(RawXml::from_checked(Cow::Owned(format!(
        "{head}{decl}{tail}"
    ))))
}

/// Reads the children of the element just started; `f` handles each child and returns `true`
/// when it consumed it, `false` to keep it verbatim in `other`.
fn children<'a>(
    r: &mut R<'a>,
    other: &mut Vec<RawXml>,
    mut f: impl FnMut(&mut R<'a>, &Start<'a>) -> Res<bool>,
) -> Res<()> {
    loop {
        match r.next()? {
            Ev::Start(s) => {
                let name = s.local;
                if !f(r, &s).map_err(|e| e.in_key(name))? {
                    other.push(raw(r, &s)?);
                }
            }
            Ev::End => return Ok(()),
            Ev::Text => {
                return Err(r.err(K::WrongType {
                    expected: "element",
                    found: "text",
                }));
            }
            Ev::Eof => return Err(r.err(K::UnexpectedEof)),
        }
    }
}

fn text<'a>(r: &mut R<'a>) -> Res<String> {
    r.text().map(Cow::into_owned)
}

/// Text with surrounding whitespace removed (identifiers, URIs, codes: pretty-printers wrap
/// them in newlines and indentation).
fn trimmed<'a>(r: &mut R<'a>) -> Res<String> {
    let t = r.text()?;
    Ok(t.trim().to_owned())
}

fn number(r: &mut R<'_>, what: &'static str) -> Res<u64> {
    let t = r.text()?;
    t.trim()
        .parse::<u64>()
        .map_err(|_| r.err(K::InvalidValue(what)))
}

pub(crate) fn location(r: &mut R<'_>) -> Res<Location> {
    let mut uri = None;
    let mut name = None;
    let mut ignored = Vec::new();
    children(r, &mut ignored, |r, s| {
        if !is_syncml(s) {
            return Ok(false);
        }
        match s.local {
            "LocURI" => {
                let v = trimmed(r)?;
                set_once(r, &mut uri, v)?;
            }
            "LocName" => {
                let v = text(r)?;
                set_once(r, &mut name, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if !ignored.is_empty() {
        return Err(r.err(K::Syntax));
    }
    Ok(Location {
        loc_uri: required(r, uri, "LocURI")?,
        loc_name: name,
    })
}

pub(crate) fn meta(r: &mut R<'_>) -> Res<Meta> {
    let mut m = Meta::default();
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_metinf(s) {
            return Ok(false);
        }
        match s.local {
            "Format" => {
                let v = trimmed(r)?;
                set_once(r, &mut m.format, v)?;
            }
            "Type" => {
                let v = trimmed(r)?;
                set_once(r, &mut m.r#type, v)?;
            }
            "Mark" => {
                let v = trimmed(r)?;
                set_once(r, &mut m.mark, v)?;
            }
            "Size" => {
                let v = number(r, "Size")?;
                set_once(r, &mut m.size, v)?;
            }
            "Version" => {
                let v = trimmed(r)?;
                set_once(r, &mut m.version, v)?;
            }
            "NextNonce" => {
                let v = trimmed(r)?;
                set_once(r, &mut m.next_nonce, v)?;
            }
            "MaxMsgSize" => {
                let v = number(r, "MaxMsgSize")?;
                set_once(r, &mut m.max_msg_size, v)?;
            }
            "MaxObjSize" => {
                let v = number(r, "MaxObjSize")?;
                set_once(r, &mut m.max_obj_size, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    m.other = other;
    Ok(m)
}

fn cred(r: &mut R<'_>) -> Res<Cred> {
    let mut meta_v = None;
    let mut data = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_syncml(s) {
            return Ok(false);
        }
        match s.local {
            "Meta" => {
                let v = meta(r)?;
                set_once(r, &mut meta_v, v)?;
            }
            "Data" => {
                let v = trimmed(r)?;
                set_once(r, &mut data, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(Cred {
        meta: meta_v,
        data: Sensitive::new(required(r, data, "Data")?),
    })
}

fn chal(r: &mut R<'_>) -> Res<Chal> {
    let mut meta_v = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if is_syncml(s) && s.local == "Meta" {
            let v = meta(r)?;
            set_once(r, &mut meta_v, v)?;
            return Ok(true);
        }
        Ok(false)
    })?;
    Ok(Chal {
        meta: meta_v.unwrap_or_default(),
    })
}

fn data<'a>(r: &mut R<'a>, s: &Start<'a>) -> Res<Data> {
    let attrs = r.attributes(s)?;
    let limit = r.limits().max_data_bytes;
    let (raw, namespaces) = r.raw_content(limit, Limit::DataBytes)?;
    Ok(Data::from_checked(
        raw,
        attrs.into_iter().map(Attribute::from_xml).collect(),
        namespaces,
    ))
}

fn item(r: &mut R<'_>) -> Res<Item> {
    let mut it = Item::default();
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_syncml(s) {
            return Ok(false);
        }
        match s.local {
            "Target" => {
                let v = location(r)?;
                set_once(r, &mut it.target, v)?;
            }
            "Source" => {
                let v = location(r)?;
                set_once(r, &mut it.source, v)?;
            }
            "Meta" => {
                let v = meta(r)?;
                set_once(r, &mut it.meta, v)?;
            }
            "Data" => {
                let v = data(r, s)?;
                set_once(r, &mut it.data, v)?;
            }
            "MoreData" => {
                r.empty()?;
                it.more_data = true;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    it.other = other;
    Ok(it)
}

/// Fields every command may carry: `CmdID`, `NoResp`, `Cred`, `Meta`, `Item`.
#[derive(Default)]
struct Common {
    cmd_id: Option<CmdId>,
    no_resp: bool,
    cred: Option<Cred>,
    meta: Option<Meta>,
    items: Vec<Item>,
}

impl Common {
    fn field(&mut self, r: &mut R<'_>, s: &Start<'_>) -> Res<bool> {
        match s.local {
            "CmdID" => {
                let v = trimmed(r)?;
                set_once(r, &mut self.cmd_id, CmdId::new(v))?;
            }
            "NoResp" => {
                r.empty()?;
                self.no_resp = true;
            }
            "Cred" => {
                let v = cred(r)?;
                set_once(r, &mut self.cred, v)?;
            }
            "Meta" => {
                let v = meta(r)?;
                set_once(r, &mut self.meta, v)?;
            }
            "Item" => {
                let i = self.items.len();
                r.charge(std::mem::size_of::<Item>())?;
                let v = item(r).map_err(|e| e.in_index(i))?;
                self.items.push(v);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn operation(r: &mut R<'_>) -> Res<Operation> {
    let mut c = Common::default();
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_syncml(s) {
            return Ok(false);
        }
        c.field(r, s)
    })?;
    Ok(Operation {
        cmd_id: c.cmd_id.unwrap_or_default(),
        no_resp: c.no_resp,
        cred: c.cred,
        meta: c.meta,
        items: c.items,
        other,
    })
}

fn alert(r: &mut R<'_>) -> Res<Alert> {
    let mut c = Common::default();
    let mut code = None;
    let mut correlator = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_syncml(s) {
            return Ok(false);
        }
        match s.local {
            "Data" => {
                let t = r.text()?;
                let v = t
                    .parse()
                    .map_err(|_| r.err(K::InvalidValue("alert code")))?;
                set_once(r, &mut code, v)?;
                Ok(true)
            }
            "Correlator" => {
                let v = trimmed(r)?;
                set_once(r, &mut correlator, v)?;
                Ok(true)
            }
            // `Meta` is not part of Alert in the DTD: keep it verbatim.
            "Meta" => Ok(false),
            _ => c.field(r, s),
        }
    })?;
    Ok(Alert {
        cmd_id: c.cmd_id.unwrap_or_default(),
        no_resp: c.no_resp,
        cred: c.cred,
        code,
        correlator,
        items: c.items,
        other,
    })
}

fn exec(r: &mut R<'_>) -> Res<Exec> {
    let mut c = Common::default();
    let mut correlator = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_syncml(s) {
            return Ok(false);
        }
        if s.local == "Correlator" {
            let v = trimmed(r)?;
            set_once(r, &mut correlator, v)?;
            return Ok(true);
        }
        c.field(r, s)
    })?;
    Ok(Exec {
        cmd_id: c.cmd_id.unwrap_or_default(),
        no_resp: c.no_resp,
        cred: c.cred,
        meta: c.meta,
        correlator,
        items: c.items,
        other,
    })
}

fn container(r: &mut R<'_>) -> Res<Container> {
    let mut out = Container::default();
    let mut cmd_id = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_syncml(s) {
            return Ok(false);
        }
        match s.local {
            "CmdID" => {
                let v = trimmed(r)?;
                set_once(r, &mut cmd_id, CmdId::new(v))?;
            }
            "NoResp" => {
                r.empty()?;
                out.no_resp = true;
            }
            "Meta" => {
                let v = meta(r)?;
                set_once(r, &mut out.meta, v)?;
            }
            _ => {
                let i = out.commands.len();
                let cmd = r
                    .enter()
                    .and_then(|()| command(r, s))
                    .map_err(|e| e.in_index(i));
                r.leave();
                out.commands.push(cmd?);
            }
        }
        Ok(true)
    })?;
    out.cmd_id = cmd_id.unwrap_or_default();
    out.other = other;
    Ok(out)
}

fn map(r: &mut R<'_>) -> Res<Map> {
    let mut c = Common::default();
    let mut target = None;
    let mut source = None;
    let mut map_items = Vec::new();
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_syncml(s) {
            return Ok(false);
        }
        match s.local {
            "Target" => {
                let v = location(r)?;
                set_once(r, &mut target, v)?;
                Ok(true)
            }
            "Source" => {
                let v = location(r)?;
                set_once(r, &mut source, v)?;
                Ok(true)
            }
            "MapItem" => {
                let i = map_items.len();
                let v = map_item(r).map_err(|e| e.in_index(i))?;
                map_items.push(v);
                Ok(true)
            }
            "Item" => Ok(false),
            _ => c.field(r, s),
        }
    })?;
    Ok(Map {
        cmd_id: c.cmd_id.unwrap_or_default(),
        target: required(r, target, "Target")?,
        source: required(r, source, "Source")?,
        cred: c.cred,
        meta: c.meta,
        map_items,
        other,
    })
}

fn map_item(r: &mut R<'_>) -> Res<MapItem> {
    let mut target = None;
    let mut source = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_syncml(s) {
            return Ok(false);
        }
        match s.local {
            "Target" => {
                let v = location(r)?;
                set_once(r, &mut target, v)?;
            }
            "Source" => {
                let v = location(r)?;
                set_once(r, &mut source, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if !other.is_empty() {
        return Err(r.err(K::Syntax));
    }
    Ok(MapItem {
        target: required(r, target, "Target")?,
        source: required(r, source, "Source")?,
    })
}

fn results(r: &mut R<'_>) -> Res<Results> {
    let mut c = Common::default();
    let mut out = Results::default();
    let mut msg_ref = None;
    let mut cmd_ref = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_syncml(s) {
            return Ok(false);
        }
        match s.local {
            "MsgRef" => {
                let v = trimmed(r)?;
                set_once(r, &mut msg_ref, MsgId::new(v))?;
                Ok(true)
            }
            "CmdRef" => {
                let v = trimmed(r)?;
                set_once(r, &mut cmd_ref, CmdId::new(v))?;
                Ok(true)
            }
            "TargetRef" => {
                out.target_refs.push(trimmed(r)?);
                Ok(true)
            }
            "SourceRef" => {
                out.source_refs.push(trimmed(r)?);
                Ok(true)
            }
            "NoResp" | "Cred" => Ok(false),
            _ => c.field(r, s),
        }
    })?;
    out.cmd_id = c.cmd_id.unwrap_or_default();
    out.msg_ref = msg_ref;
    out.cmd_ref = required(r, cmd_ref, "CmdRef")?;
    out.meta = c.meta;
    out.items = c.items;
    out.other = other;
    Ok(out)
}

fn status(r: &mut R<'_>) -> Res<Status> {
    let mut c = Common::default();
    let mut out = Status::default();
    let mut msg_ref = None;
    let mut cmd_ref = None;
    let mut cmd = None;
    let mut code = None;
    let mut chal_v = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_syncml(s) {
            return Ok(false);
        }
        match s.local {
            "MsgRef" => {
                let v = trimmed(r)?;
                set_once(r, &mut msg_ref, MsgId::new(v))?;
                Ok(true)
            }
            "CmdRef" => {
                let v = trimmed(r)?;
                set_once(r, &mut cmd_ref, CmdId::new(v))?;
                Ok(true)
            }
            "Cmd" => {
                let v = trimmed(r)?;
                set_once(r, &mut cmd, v)?;
                Ok(true)
            }
            // Either order on input (research: TargetRef/SourceRef are seen both ways).
            "TargetRef" => {
                out.target_refs.push(trimmed(r)?);
                Ok(true)
            }
            "SourceRef" => {
                out.source_refs.push(trimmed(r)?);
                Ok(true)
            }
            "Chal" => {
                let v = chal(r)?;
                set_once(r, &mut chal_v, v)?;
                Ok(true)
            }
            "Data" => {
                out.data_attributes = r
                    .attributes(s)?
                    .into_iter()
                    .map(Attribute::from_xml)
                    .collect();
                let t = r.text()?;
                let v: StatusCode = t
                    .parse()
                    .map_err(|_| r.err(K::InvalidValue("status code")))?;
                set_once(r, &mut code, v)?;
                Ok(true)
            }
            "NoResp" | "Meta" => Ok(false),
            _ => c.field(r, s),
        }
    })?;
    out.cmd_id = c.cmd_id.unwrap_or_default();
    out.msg_ref = required(r, msg_ref, "MsgRef")?;
    out.cmd_ref = required(r, cmd_ref, "CmdRef")?;
    out.cmd = required(r, cmd, "Cmd")?;
    out.code = required(r, code, "Data")?;
    out.cred = c.cred;
    out.chal = chal_v;
    out.items = c.items;
    out.other = other;
    Ok(out)
}

/// Decodes the command whose start tag is `s` (any element: unknown ones are kept verbatim).
pub(crate) fn command<'a>(r: &mut R<'a>, s: &Start<'a>) -> Res<Command> {
    r.charge(std::mem::size_of::<Command>())?;
    if !is_syncml(s) {
        return Ok(Command::Unknown(raw(r, s)?));
    }
    let name = s.local;
    let cmd = match name {
        "Add" => Command::Add(operation(r)?),
        "Alert" => Command::Alert(alert(r)?),
        "Atomic" => Command::Atomic(container(r)?),
        "Copy" => Command::Copy(operation(r)?),
        "Delete" => Command::Delete(operation(r)?),
        "Exec" => Command::Exec(exec(r)?),
        "Get" => Command::Get(operation(r)?),
        "Map" => Command::Map(map(r)?),
        "Replace" => Command::Replace(operation(r)?),
        "Results" => Command::Results(results(r)?),
        "Sequence" => Command::Sequence(container(r)?),
        "Status" => Command::Status(status(r)?),
        _ => Command::Unknown(raw(r, s)?),
    };
    Ok(cmd)
}

fn hdr(r: &mut R<'_>) -> Res<SyncHdr> {
    let mut ver_dtd = None;
    let mut ver_proto = None;
    let mut session_id = None;
    let mut msg_id = None;
    let mut target = None;
    let mut source = None;
    let mut resp_uri = None;
    let mut no_resp = false;
    let mut cred_v = None;
    let mut meta_v = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_syncml(s) {
            return Ok(false);
        }
        match s.local {
            "VerDTD" => {
                let v = trimmed(r)?;
                set_once(r, &mut ver_dtd, v)?;
            }
            "VerProto" => {
                let v = trimmed(r)?;
                set_once(r, &mut ver_proto, v)?;
            }
            "SessionID" => {
                let v = trimmed(r)?;
                set_once(r, &mut session_id, SessionId::new(v))?;
            }
            "MsgID" => {
                let v = trimmed(r)?;
                set_once(r, &mut msg_id, MsgId::new(v))?;
            }
            "Target" => {
                let v = location(r)?;
                set_once(r, &mut target, v)?;
            }
            "Source" => {
                let v = location(r)?;
                set_once(r, &mut source, v)?;
            }
            "RespURI" => {
                let v = trimmed(r)?;
                set_once(r, &mut resp_uri, v)?;
            }
            "NoResp" => {
                r.empty()?;
                no_resp = true;
            }
            "Cred" => {
                let v = cred(r)?;
                set_once(r, &mut cred_v, v)?;
            }
            "Meta" => {
                let v = meta(r)?;
                set_once(r, &mut meta_v, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(SyncHdr {
        ver_dtd: required(r, ver_dtd, "VerDTD")?,
        ver_proto: required(r, ver_proto, "VerProto")?,
        session_id: required(r, session_id, "SessionID")?,
        msg_id: required(r, msg_id, "MsgID")?,
        target: required(r, target, "Target")?,
        source: required(r, source, "Source")?,
        resp_uri,
        no_resp,
        cred: cred_v,
        meta: meta_v,
        other,
    })
}

/// Reads a `SyncBody` (its start tag already read).
fn body(r: &mut R<'_>) -> Res<SyncBody> {
    let mut out = SyncBody::default();
    loop {
        match r.next()? {
            Ev::Start(s) => {
                if is_syncml(&s) && s.local == "Final" {
                    r.empty().map_err(|e| e.in_key("Final"))?;
                    out.is_final = true;
                    continue;
                }
                let i = out.commands.len();
                let cmd = command(r, &s).map_err(|e| e.in_index(i).in_key(s.local))?;
                out.commands.push(cmd);
            }
            Ev::End => return Ok(out),
            Ev::Text => {
                return Err(r.err(K::WrongType {
                    expected: "element",
                    found: "text",
                }));
            }
            Ev::Eof => return Err(r.err(K::UnexpectedEof)),
        }
    }
}

/// Reads the children of a `SyncML` element: at most one `SyncHdr` and one `SyncBody`, nothing
/// else.
fn syncml_children(r: &mut R<'_>) -> Res<(Option<SyncHdr>, Option<SyncBody>)> {
    let mut hdr_v = None;
    let mut body_v = None;
    let mut ignored = Vec::new();
    children(r, &mut ignored, |r, s| {
        if !is_syncml(s) {
            return Ok(false);
        }
        match s.local {
            "SyncHdr" => {
                let v = hdr(r)?;
                set_once(r, &mut hdr_v, v)?;
            }
            "SyncBody" => {
                let v = body(r)?;
                set_once(r, &mut body_v, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if !ignored.is_empty() {
        return Err(r.err(K::Syntax));
    }
    Ok((hdr_v, body_v))
}

/// Decodes a whole message.
pub(crate) fn message(input: &[u8], limits: &Limits) -> Res<SyncMl> {
    let mut r = Reader::new(input, limits, classify)?;
    let root = match r.next()? {
        Ev::Start(s) => s,
        Ev::Eof => return Err(r.err(K::UnexpectedEof)),
        _ => return Err(r.err(K::Syntax)),
    };
    if !is_syncml(&root) || root.local != "SyncML" {
        return Err(r.err_at(
            K::WrongType {
                expected: "SyncML element",
                found: "another element",
            },
            root.pos,
        ));
    }
    let (hdr_v, body_v) = syncml_children(&mut r)?;
    let hdr_v = required(&r, hdr_v, "SyncHdr")?;
    let body_v = required(&r, body_v, "SyncBody")?;
    r.finish()?;
    Ok(SyncMl {
        hdr: hdr_v,
        body: body_v,
    })
}

/// Decodes exactly one command element (any name: unknown ones, `SyncHdr` included, are kept
/// verbatim).
pub(crate) fn single_command(input: &[u8], limits: &Limits) -> Res<Command> {
    let mut r = Reader::new(input, limits, classify)?;
    let s = match r.next()? {
        Ev::Start(s) => s,
        Ev::Eof => return Err(r.err(K::UnexpectedEof)),
        _ => return Err(r.err(K::Syntax)),
    };
    let name = s.local;
    let cmd = command(&mut r, &s).map_err(|e| e.in_key(name))?;
    r.finish()?;
    Ok(cmd)
}

/// Decodes a fragment: a `SyncML` element with an optional header, a bare `SyncBody`, or one
/// or more sibling commands.
pub(crate) fn fragment(input: &[u8], limits: &Limits) -> Res<super::Fragment> {
    let mut r = Reader::new(input, limits, classify)?;
    let mut out = super::Fragment::default();
    let mut first = true;
    loop {
        let s = match r.next()? {
            Ev::Start(s) => s,
            Ev::Eof if !first => return Ok(out),
            Ev::Eof => return Err(r.err(K::UnexpectedEof)),
            _ => return Err(r.err(K::Syntax)),
        };
        match (is_syncml(&s), s.local) {
            (true, "SyncML") if first => {
                let (hdr_v, body_v) = syncml_children(&mut r)?;
                out.hdr = hdr_v;
                if let Some(b) = body_v {
                    out.commands = b.commands;
                    out.is_final = b.is_final;
                }
                r.finish()?;
                return Ok(out);
            }
            (true, "SyncHdr") if first => {
                out.hdr = Some(hdr(&mut r).map_err(|e| e.in_key("SyncHdr"))?);
            }
            (true, "SyncBody") => {
                let b = body(&mut r).map_err(|e| e.in_key("SyncBody"))?;
                out.commands.extend(b.commands);
                out.is_final |= b.is_final;
            }
            _ => {
                let i = out.commands.len();
                let cmd = command(&mut r, &s).map_err(|e| e.in_index(i).in_key(s.local))?;
                out.commands.push(cmd);
            }
        }
        first = false;
    }
}
