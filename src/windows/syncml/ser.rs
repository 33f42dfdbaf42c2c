//! XML encoding of the SyncML model, in DTD element order.

use super::data::{Attribute, Data, MSFT_NAMESPACE, RawXml};
use super::model::*;
use super::{METINF_NAMESPACE, SYNCML_NAMESPACE};
use crate::error::EncodeError;
use crate::windows::xml::Writer;

type Res = Result<(), EncodeError>;

/// The `xml:` namespace (`xml:space`, `xml:lang`): bound by definition, never declared.
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

fn at(path: &str) -> impl Fn(EncodeError) -> EncodeError + '_ {
    move |e| e.in_key(path)
}

fn opt_leaf(w: &mut Writer, name: &str, v: Option<&str>) -> Res {
    if let Some(v) = v {
        w.leaf(name, v).map_err(at(name))?;
    }
    Ok(())
}

fn flag(w: &mut Writer, name: &str, on: bool) {
    if on {
        w.empty(name);
    }
}

fn other(w: &mut Writer, other: &[RawXml]) {
    for o in other {
        w.raw(o.as_xml());
    }
}

fn cmd_id(w: &mut Writer, id: &CmdId) -> Res {
    // An empty CmdID was absent on input: keep it absent.
    if !id.is_empty() {
        w.leaf("CmdID", id.as_str()).map_err(at("CmdID"))?;
    }
    Ok(())
}

pub(crate) fn location(w: &mut Writer, name: &str, l: &Location) -> Res {
    w.open(name);
    w.leaf("LocURI", &l.loc_uri).map_err(at("LocURI"))?;
    opt_leaf(w, "LocName", l.loc_name.as_deref())?;
    w.close(name);
    Ok(())
}

fn metinf_leaf(w: &mut Writer, name: &str, v: &str) -> Res {
    w.open_start(name);
    w.attr("xmlns", METINF_NAMESPACE)?;
    w.close_start();
    w.text(v).map_err(at(name))?;
    w.close(name);
    Ok(())
}

pub(crate) fn meta(w: &mut Writer, m: &Meta) -> Res {
    w.open("Meta");
    // MetInf DTD order.
    if let Some(v) = &m.format {
        metinf_leaf(w, "Format", v)?;
    }
    if let Some(v) = &m.r#type {
        metinf_leaf(w, "Type", v)?;
    }
    if let Some(v) = &m.mark {
        metinf_leaf(w, "Mark", v)?;
    }
    if let Some(v) = m.size {
        metinf_leaf(w, "Size", &v.to_string())?;
    }
    if let Some(v) = &m.version {
        metinf_leaf(w, "Version", v)?;
    }
    if let Some(v) = &m.next_nonce {
        metinf_leaf(w, "NextNonce", v)?;
    }
    if let Some(v) = m.max_msg_size {
        metinf_leaf(w, "MaxMsgSize", &v.to_string())?;
    }
    if let Some(v) = m.max_obj_size {
        metinf_leaf(w, "MaxObjSize", &v.to_string())?;
    }
    other(w, &m.other);
    w.close("Meta");
    Ok(())
}

fn opt_meta(w: &mut Writer, m: Option<&Meta>) -> Res {
    if let Some(m) = m {
        meta(w, m).map_err(at("Meta"))?;
    }
    Ok(())
}

fn cred(w: &mut Writer, c: Option<&Cred>) -> Res {
    if let Some(c) = c {
        w.open("Cred");
        opt_meta(w, c.meta.as_ref()).map_err(at("Cred"))?;
        w.leaf("Data", c.data.expose())
            .map_err(|e| e.in_key("Data").in_key("Cred"))?;
        w.close("Cred");
    }
    Ok(())
}

/// `<Data attrs…>` with the namespace declarations the attributes (and `decls`) need.
fn data_start(w: &mut Writer, attrs: &[Attribute], decls: &[(String, String)]) -> Res {
    if attrs.is_empty() && decls.is_empty() {
        w.open("Data");
    } else {
        w.open_start("Data");
        for (p, ns) in decls {
            w.attr(&format!("xmlns:{p}"), ns)?;
        }
        let mut declared_msft = decls
            .iter()
            .any(|(p, ns)| p == "msft" && ns == MSFT_NAMESPACE);
        let mut n = 0usize;
        for a in attrs {
            match a.namespace() {
                None => w.attr(a.name(), a.value())?,
                Some(ns) if ns == MSFT_NAMESPACE => {
                    if !declared_msft {
                        w.attr("xmlns:msft", MSFT_NAMESPACE)?;
                        declared_msft = true;
                    }
                    w.attr(&format!("msft:{}", a.name()), a.value())?;
                }
                Some(XML_NAMESPACE) => {
                    w.attr(&format!("xml:{}", a.name()), a.value())?;
                }
                Some(ns) => {
                    let p = format!("ns{n}");
                    n += 1;
                    w.attr(&format!("xmlns:{p}"), ns)?;
                    w.attr(&format!("{p}:{}", a.name()), a.value())?;
                }
            }
        }
        w.close_start();
    }
    Ok(())
}

pub(crate) fn data(w: &mut Writer, d: &Data) -> Res {
    data_start(w, d.attributes(), d.namespace_declarations())?;
    // `Data::text` does not check characters; decoded and `from_xml` data are checked.
    if !d.as_xml().chars().all(crate::windows::xml::is_xml_char) {
        return Err(EncodeError::InvalidXmlChar {
            path: String::new(),
        });
    }
    w.raw(d.as_xml());
    w.close("Data");
    Ok(())
}

fn item(w: &mut Writer, i: &Item) -> Res {
    w.open("Item");
    if let Some(t) = &i.target {
        location(w, "Target", t).map_err(at("Target"))?;
    }
    if let Some(s) = &i.source {
        location(w, "Source", s).map_err(at("Source"))?;
    }
    opt_meta(w, i.meta.as_ref())?;
    if let Some(d) = &i.data {
        data(w, d).map_err(at("Data"))?;
    }
    flag(w, "MoreData", i.more_data);
    other(w, &i.other);
    w.close("Item");
    Ok(())
}

fn items(w: &mut Writer, items: &[Item]) -> Res {
    for (n, i) in items.iter().enumerate() {
        item(w, i).map_err(|e| e.in_index(n).in_key("Item"))?;
    }
    Ok(())
}

fn operation(w: &mut Writer, name: &str, o: &Operation) -> Res {
    w.open(name);
    cmd_id(w, &o.cmd_id)?;
    flag(w, "NoResp", o.no_resp);
    cred(w, o.cred.as_ref())?;
    opt_meta(w, o.meta.as_ref())?;
    items(w, &o.items)?;
    other(w, &o.other);
    w.close(name);
    Ok(())
}

fn alert(w: &mut Writer, a: &Alert) -> Res {
    w.open("Alert");
    cmd_id(w, &a.cmd_id)?;
    flag(w, "NoResp", a.no_resp);
    cred(w, a.cred.as_ref())?;
    if let Some(c) = a.code {
        w.leaf("Data", &c.to_string())?;
    }
    opt_leaf(w, "Correlator", a.correlator.as_deref())?;
    items(w, &a.items)?;
    other(w, &a.other);
    w.close("Alert");
    Ok(())
}

fn exec(w: &mut Writer, e: &Exec) -> Res {
    w.open("Exec");
    cmd_id(w, &e.cmd_id)?;
    flag(w, "NoResp", e.no_resp);
    cred(w, e.cred.as_ref())?;
    opt_meta(w, e.meta.as_ref())?;
    opt_leaf(w, "Correlator", e.correlator.as_deref())?;
    items(w, &e.items)?;
    other(w, &e.other);
    w.close("Exec");
    Ok(())
}

fn container(w: &mut Writer, name: &str, c: &Container) -> Res {
    w.open(name);
    cmd_id(w, &c.cmd_id)?;
    flag(w, "NoResp", c.no_resp);
    opt_meta(w, c.meta.as_ref())?;
    commands(w, &c.commands)?;
    other(w, &c.other);
    w.close(name);
    Ok(())
}

fn map(w: &mut Writer, m: &Map) -> Res {
    w.open("Map");
    cmd_id(w, &m.cmd_id)?;
    location(w, "Target", &m.target).map_err(at("Target"))?;
    location(w, "Source", &m.source).map_err(at("Source"))?;
    cred(w, m.cred.as_ref())?;
    opt_meta(w, m.meta.as_ref())?;
    for (n, mi) in m.map_items.iter().enumerate() {
        w.open("MapItem");
        location(w, "Target", &mi.target).map_err(|e| e.in_index(n).in_key("MapItem"))?;
        location(w, "Source", &mi.source).map_err(|e| e.in_index(n).in_key("MapItem"))?;
        w.close("MapItem");
    }
    other(w, &m.other);
    w.close("Map");
    Ok(())
}

fn refs(w: &mut Writer, target: &[String], source: &[String]) -> Res {
    for t in target {
        w.leaf("TargetRef", t).map_err(at("TargetRef"))?;
    }
    for s in source {
        w.leaf("SourceRef", s).map_err(at("SourceRef"))?;
    }
    Ok(())
}

fn results(w: &mut Writer, r: &Results) -> Res {
    w.open("Results");
    cmd_id(w, &r.cmd_id)?;
    opt_leaf(w, "MsgRef", r.msg_ref.as_ref().map(MsgId::as_str))?;
    w.leaf("CmdRef", r.cmd_ref.as_str()).map_err(at("CmdRef"))?;
    opt_meta(w, r.meta.as_ref())?;
    refs(w, &r.target_refs, &r.source_refs)?;
    items(w, &r.items)?;
    other(w, &r.other);
    w.close("Results");
    Ok(())
}

fn status(w: &mut Writer, s: &Status) -> Res {
    w.open("Status");
    cmd_id(w, &s.cmd_id)?;
    w.leaf("MsgRef", s.msg_ref.as_str()).map_err(at("MsgRef"))?;
    w.leaf("CmdRef", s.cmd_ref.as_str()).map_err(at("CmdRef"))?;
    w.leaf("Cmd", &s.cmd).map_err(at("Cmd"))?;
    refs(w, &s.target_refs, &s.source_refs)?;
    cred(w, s.cred.as_ref())?;
    if let Some(c) = &s.chal {
        w.open("Chal");
        meta(w, &c.meta).map_err(at("Chal"))?;
        w.close("Chal");
    }
    data_start(w, &s.data_attributes, &[])?;
    w.text(&s.code.to_string())?;
    w.close("Data");
    items(w, &s.items)?;
    other(w, &s.other);
    w.close("Status");
    Ok(())
}

pub(crate) fn command(w: &mut Writer, c: &Command) -> Res {
    match c {
        Command::Add(o) => operation(w, "Add", o),
        Command::Alert(a) => alert(w, a),
        Command::Atomic(c) => container(w, "Atomic", c),
        Command::Copy(o) => operation(w, "Copy", o),
        Command::Delete(o) => operation(w, "Delete", o),
        Command::Exec(e) => exec(w, e),
        Command::Get(o) => operation(w, "Get", o),
        Command::Map(m) => map(w, m),
        Command::Replace(o) => operation(w, "Replace", o),
        Command::Results(r) => results(w, r),
        Command::Sequence(c) => container(w, "Sequence", c),
        Command::Status(s) => status(w, s),
        Command::Unknown(r) => {
            w.raw(r.as_xml());
            Ok(())
        }
    }
}

fn commands(w: &mut Writer, cmds: &[Command]) -> Res {
    for (n, c) in cmds.iter().enumerate() {
        command(w, c).map_err(|e| e.in_index(n).in_key(c.name()))?;
    }
    Ok(())
}

fn hdr(w: &mut Writer, h: &SyncHdr) -> Res {
    w.open("SyncHdr");
    w.leaf("VerDTD", &h.ver_dtd).map_err(at("VerDTD"))?;
    w.leaf("VerProto", &h.ver_proto).map_err(at("VerProto"))?;
    w.leaf("SessionID", h.session_id.as_str())
        .map_err(at("SessionID"))?;
    w.leaf("MsgID", h.msg_id.as_str()).map_err(at("MsgID"))?;
    location(w, "Target", &h.target).map_err(at("Target"))?;
    location(w, "Source", &h.source).map_err(at("Source"))?;
    opt_leaf(w, "RespURI", h.resp_uri.as_deref())?;
    flag(w, "NoResp", h.no_resp);
    cred(w, h.cred.as_ref())?;
    opt_meta(w, h.meta.as_ref())?;
    other(w, &h.other);
    w.close("SyncHdr");
    Ok(())
}

pub(crate) fn message(m: &SyncMl) -> Result<String, EncodeError> {
    let mut w = Writer::with_capacity(1024);
    w.open_start("SyncML");
    w.attr("xmlns", SYNCML_NAMESPACE)?;
    w.close_start();
    hdr(&mut w, &m.hdr).map_err(at("SyncHdr"))?;
    w.open("SyncBody");
    commands(&mut w, &m.body.commands).map_err(at("SyncBody"))?;
    flag(&mut w, "Final", m.body.is_final);
    w.close("SyncBody");
    w.close("SyncML");
    Ok(w.out)
}

/// One command as a standalone element (declares the SyncML namespace on it).
pub(crate) fn standalone_command(c: &Command) -> Result<String, EncodeError> {
    let mut w = Writer::with_capacity(256);
    command(&mut w, c)?;
    let s = w.out;
    // Declare the namespace on the root element of the fragment.
    if let Command::Unknown(_) = c {
        return Ok(s);
    }
    let name = c.name();
    let open = format!("<{name}>");
    Ok(match s.strip_prefix(&open) {
        Some(rest) => format!("<{name} xmlns=\"{SYNCML_NAMESPACE}\">{rest}"),
        None => s,
    })
}
