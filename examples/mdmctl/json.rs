//! JSON views of the Windows types (the Apple types serialize themselves with serde).
//!
//! Keys are the wire element names. Verbatim parts mdmkit keeps without typing them
//! (`RawXml`) are shown as their XML text, so nothing the message carried is hidden.

use mdmkit::windows::enroll::discovery::{DiscoverRequest, DiscoverResponse};
use mdmkit::windows::enroll::policy::{GetPolicies, GetPoliciesResponse};
use mdmkit::windows::enroll::provisioning::{Node, ProvisioningDoc};
use mdmkit::windows::enroll::soap::{Fault, Header};
use mdmkit::windows::enroll::token::{
    RequestSecurityToken, RequestSecurityTokenResponseCollection,
};
use mdmkit::windows::syncml::{
    Alert, Command, Container, Cred, Exec, Item, Location, Map, Meta, Operation, RawXml, Results,
    Status, SyncHdr, SyncMl,
};
use serde_json::{Map as Object, Value, json};

/// Inserts `key: value` unless the value is `null`, an empty list or an empty object.
fn put(obj: &mut Object<String, Value>, key: &str, value: Value) {
    let empty = match &value {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    if !empty {
        obj.insert(key.to_owned(), value);
    }
}

fn raw(list: &[RawXml]) -> Value {
    Value::Array(list.iter().map(|r| json!(r.as_xml())).collect())
}

fn location(l: &Location) -> Value {
    let mut o = Object::new();
    put(&mut o, "LocURI", json!(l.loc_uri));
    put(&mut o, "LocName", json!(l.loc_name));
    Value::Object(o)
}

fn meta(m: &Option<Meta>) -> Value {
    let Some(m) = m else { return Value::Null };
    let mut o = Object::new();
    put(&mut o, "Format", json!(m.format));
    put(&mut o, "Type", json!(m.r#type));
    put(&mut o, "Mark", json!(m.mark));
    put(&mut o, "Size", json!(m.size));
    put(&mut o, "Version", json!(m.version));
    put(&mut o, "NextNonce", json!(m.next_nonce));
    put(&mut o, "MaxMsgSize", json!(m.max_msg_size));
    put(&mut o, "MaxObjSize", json!(m.max_obj_size));
    put(&mut o, "other", raw(&m.other));
    Value::Object(o)
}

fn cred(c: &Option<Cred>) -> Value {
    let Some(c) = c else { return Value::Null };
    json!({ "Meta": meta(&c.meta), "Data": c.data.expose() })
}

fn item(i: &Item) -> Value {
    let mut o = Object::new();
    put(
        &mut o,
        "Target",
        i.target.as_ref().map_or(Value::Null, location),
    );
    put(
        &mut o,
        "Source",
        i.source.as_ref().map_or(Value::Null, location),
    );
    put(&mut o, "Meta", meta(&i.meta));
    if let Some(d) = &i.data {
        put(&mut o, "Data", json!(d.to_text()));
        put(&mut o, "DataOriginalError", json!(d.original_error()));
    }
    if i.more_data {
        put(&mut o, "MoreData", json!(true));
    }
    put(&mut o, "other", raw(&i.other));
    Value::Object(o)
}

fn items(list: &[Item]) -> Value {
    Value::Array(list.iter().map(item).collect())
}

fn operation(name: &str, op: &Operation) -> Value {
    let mut o = Object::new();
    put(&mut o, "command", json!(name));
    put(&mut o, "CmdID", json!(op.cmd_id.as_str()));
    if op.no_resp {
        put(&mut o, "NoResp", json!(true));
    }
    put(&mut o, "Cred", cred(&op.cred));
    put(&mut o, "Meta", meta(&op.meta));
    put(&mut o, "Items", items(&op.items));
    put(&mut o, "other", raw(&op.other));
    Value::Object(o)
}

fn alert(a: &Alert) -> Value {
    let mut o = Object::new();
    put(&mut o, "command", json!("Alert"));
    put(&mut o, "CmdID", json!(a.cmd_id.as_str()));
    put(&mut o, "Data", json!(a.code.map(|c| c.0)));
    put(&mut o, "Correlator", json!(a.correlator));
    put(&mut o, "Cred", cred(&a.cred));
    put(&mut o, "Items", items(&a.items));
    put(&mut o, "other", raw(&a.other));
    Value::Object(o)
}

fn exec(e: &Exec) -> Value {
    let mut o = Object::new();
    put(&mut o, "command", json!("Exec"));
    put(&mut o, "CmdID", json!(e.cmd_id.as_str()));
    put(&mut o, "Correlator", json!(e.correlator));
    put(&mut o, "Meta", meta(&e.meta));
    put(&mut o, "Items", items(&e.items));
    put(&mut o, "other", raw(&e.other));
    Value::Object(o)
}

fn container(name: &str, c: &Container) -> Value {
    let mut o = Object::new();
    put(&mut o, "command", json!(name));
    put(&mut o, "CmdID", json!(c.cmd_id.as_str()));
    put(&mut o, "Meta", meta(&c.meta));
    put(&mut o, "commands", commands(&c.commands));
    put(&mut o, "other", raw(&c.other));
    Value::Object(o)
}

fn map(m: &Map) -> Value {
    let mut o = Object::new();
    put(&mut o, "command", json!("Map"));
    put(&mut o, "CmdID", json!(m.cmd_id.as_str()));
    put(&mut o, "Target", location(&m.target));
    put(&mut o, "Source", location(&m.source));
    put(
        &mut o,
        "MapItems",
        Value::Array(
            m.map_items
                .iter()
                .map(|mi| json!({ "Target": location(&mi.target), "Source": location(&mi.source) }))
                .collect(),
        ),
    );
    put(&mut o, "other", raw(&m.other));
    Value::Object(o)
}

fn results(r: &Results) -> Value {
    let mut o = Object::new();
    put(&mut o, "command", json!("Results"));
    put(&mut o, "CmdID", json!(r.cmd_id.as_str()));
    put(
        &mut o,
        "MsgRef",
        json!(r.msg_ref.as_ref().map(|m| m.as_str())),
    );
    put(&mut o, "CmdRef", json!(r.cmd_ref.as_str()));
    put(&mut o, "Meta", meta(&r.meta));
    put(&mut o, "TargetRef", json!(r.target_refs));
    put(&mut o, "SourceRef", json!(r.source_refs));
    put(&mut o, "Items", items(&r.items));
    put(&mut o, "other", raw(&r.other));
    Value::Object(o)
}

fn status(s: &Status) -> Value {
    let mut o = Object::new();
    put(&mut o, "command", json!("Status"));
    put(&mut o, "CmdID", json!(s.cmd_id.as_str()));
    put(&mut o, "MsgRef", json!(s.msg_ref.as_str()));
    put(&mut o, "CmdRef", json!(s.cmd_ref.as_str()));
    put(&mut o, "Cmd", json!(s.cmd));
    put(&mut o, "TargetRef", json!(s.target_refs));
    put(&mut o, "SourceRef", json!(s.source_refs));
    put(&mut o, "Cred", cred(&s.cred));
    put(
        &mut o,
        "Chal",
        s.chal
            .as_ref()
            .map_or(Value::Null, |c| meta(&Some(c.meta.clone()))),
    );
    put(&mut o, "Data", json!(s.code.0));
    put(&mut o, "DataOriginalError", json!(s.original_error()));
    put(&mut o, "Items", items(&s.items));
    put(&mut o, "other", raw(&s.other));
    Value::Object(o)
}

/// One SyncML command.
pub fn command(c: &Command) -> Value {
    match c {
        Command::Add(op) => operation("Add", op),
        Command::Copy(op) => operation("Copy", op),
        Command::Delete(op) => operation("Delete", op),
        Command::Get(op) => operation("Get", op),
        Command::Replace(op) => operation("Replace", op),
        Command::Alert(a) => alert(a),
        Command::Exec(e) => exec(e),
        Command::Atomic(c) => container("Atomic", c),
        Command::Sequence(c) => container("Sequence", c),
        Command::Map(m) => map(m),
        Command::Results(r) => results(r),
        Command::Status(s) => status(s),
        Command::Unknown(r) => json!({ "command": r.local_name(), "xml": r.as_xml() }),
        other => json!({ "command": "unsupported by this tool", "debug": format!("{other:?}") }),
    }
}

fn commands(list: &[Command]) -> Value {
    Value::Array(list.iter().map(command).collect())
}

/// A `SyncHdr`.
pub fn sync_hdr(h: &SyncHdr) -> Value {
    let mut o = Object::new();
    put(&mut o, "VerDTD", json!(h.ver_dtd));
    put(&mut o, "VerProto", json!(h.ver_proto));
    put(&mut o, "SessionID", json!(h.session_id.as_str()));
    put(&mut o, "MsgID", json!(h.msg_id.as_str()));
    put(&mut o, "Target", location(&h.target));
    put(&mut o, "Source", location(&h.source));
    put(&mut o, "RespURI", json!(h.resp_uri));
    if h.no_resp {
        put(&mut o, "NoResp", json!(true));
    }
    put(&mut o, "Cred", cred(&h.cred));
    put(&mut o, "Meta", meta(&h.meta));
    put(&mut o, "other", raw(&h.other));
    Value::Object(o)
}

/// A SyncML message.
pub fn syncml(m: &SyncMl) -> Value {
    json!({
        "SyncHdr": sync_hdr(&m.hdr),
        "SyncBody": { "commands": commands(&m.body.commands), "Final": m.body.is_final },
    })
}

/// A SOAP header (WS-Addressing and WS-Security parts).
pub fn soap_header(h: &Header) -> Value {
    let mut o = Object::new();
    put(&mut o, "Action", json!(h.action));
    put(&mut o, "MessageID", json!(h.message_id));
    put(&mut o, "ReplyTo", json!(h.reply_to));
    put(&mut o, "To", json!(h.to));
    put(&mut o, "RelatesTo", json!(h.relates_to));
    if let Some(sec) = &h.security {
        let mut s = Object::new();
        if let Some(u) = &sec.username_token {
            put(&mut s, "Username", json!(u.username));
            put(
                &mut s,
                "Password",
                json!(u.password.is_some().then_some("(present)")),
            );
        }
        if let Some(b) = &sec.binary_security_token {
            put(&mut s, "BinarySecurityToken", json!(format!("{b:?}")));
        }
        put(&mut s, "other", raw(&sec.other));
        put(&mut o, "Security", Value::Object(s));
    }
    put(&mut o, "other", raw(&h.other));
    Value::Object(o)
}

/// `Discover`.
pub fn discover(d: &DiscoverRequest) -> Value {
    let mut o = Object::new();
    put(&mut o, "EmailAddress", json!(d.email_address));
    put(&mut o, "RequestVersion", json!(d.request_version));
    put(&mut o, "DeviceType", json!(d.device_type));
    put(&mut o, "ApplicationVersion", json!(d.application_version));
    put(&mut o, "OSEdition", json!(d.os_edition));
    put(
        &mut o,
        "AuthPolicies",
        Value::Array(d.auth_policies.iter().map(|p| json!(p.as_str())).collect()),
    );
    put(&mut o, "other", raw(&d.other));
    put(&mut o, "discover_other", raw(&d.discover_other));
    Value::Object(o)
}

/// `DiscoverResponse`.
pub fn discover_response(d: &DiscoverResponse) -> Value {
    let mut o = Object::new();
    put(&mut o, "AuthPolicy", json!(d.auth_policy.as_str()));
    put(&mut o, "EnrollmentVersion", json!(d.enrollment_version));
    put(
        &mut o,
        "EnrollmentPolicyServiceUrl",
        json!(d.enrollment_policy_service_url),
    );
    put(
        &mut o,
        "EnrollmentServiceUrl",
        json!(d.enrollment_service_url),
    );
    put(
        &mut o,
        "AuthenticationServiceUrl",
        json!(d.authentication_service_url),
    );
    put(&mut o, "other", raw(&d.other));
    Value::Object(o)
}

/// `GetPolicies`.
pub fn get_policies(p: &GetPolicies) -> Value {
    let mut o = Object::new();
    if let Some(c) = &p.client {
        put(
            &mut o,
            "client",
            json!({ "lastUpdate": c.last_update, "preferredLanguage": c.preferred_language }),
        );
    }
    put(
        &mut o,
        "requestFilter",
        json!(p.request_filter.as_ref().map(RawXml::as_xml)),
    );
    put(&mut o, "other", raw(&p.other));
    Value::Object(o)
}

/// `GetPoliciesResponse`.
pub fn get_policies_response(p: &GetPoliciesResponse) -> Value {
    let mut o = Object::new();
    if let Some(r) = &p.response {
        let policies: Vec<Value> = r
            .policies
            .iter()
            .flatten()
            .map(|pol| {
                json!({
                    "policyOIDReference": pol.policy_oid_reference,
                    "commonName": pol.attributes.common_name,
                    "policySchema": pol.attributes.policy_schema,
                })
            })
            .collect();
        put(
            &mut o,
            "response",
            json!({
                "policyID": r.policy_id,
                "policyFriendlyName": r.policy_friendly_name,
                "nextUpdateHours": r.next_update_hours,
                "policiesNotChanged": r.policies_not_changed,
                "policies": policies,
            }),
        );
    }
    put(&mut o, "oIDs", json!(p.oids.as_ref().map(Vec::len)));
    put(&mut o, "other", raw(&p.other));
    Value::Object(o)
}

/// `RequestSecurityToken`: the CSR is summarised (size), the context items listed.
pub fn request_security_token(t: &RequestSecurityToken) -> Value {
    let mut o = Object::new();
    put(&mut o, "TokenType", json!(t.token_type));
    put(&mut o, "RequestType", json!(t.request_type.as_str()));
    put(
        &mut o,
        "BinarySecurityToken",
        json!({
            "ValueType": t.binary_security_token.value_type.as_str(),
            "bytes": t.binary_security_token.data.len(),
        }),
    );
    put(
        &mut o,
        "AdditionalContext",
        Value::Array(
            t.additional_context
                .iter()
                .map(|c| json!({ "Name": c.name, "Value": c.value }))
                .collect(),
        ),
    );
    put(&mut o, "other", raw(&t.other));
    Value::Object(o)
}

/// `RequestSecurityTokenResponseCollection`, with each provisioning document decoded.
pub fn token_response(c: &RequestSecurityTokenResponseCollection) -> Value {
    let responses: Vec<Value> = c
        .responses
        .iter()
        .map(|r| {
            let doc = ProvisioningDoc::from_base64(r.provisioning_document.expose())
                .map(|d| provisioning(&d))
                .unwrap_or_else(|e| json!({ "error": e.to_string() }));
            json!({
                "TokenType": r.token_type,
                "DispositionMessage": r.disposition_message,
                "RequestID": r.request_id,
                "provisioningDocument": doc,
            })
        })
        .collect();
    json!({ "responses": responses, "other": raw(&c.other) })
}

fn node(n: &Node) -> Value {
    match n {
        Node::Characteristic(c) => json!({
            "characteristic": c.r#type,
            "nodes": c.nodes.iter().map(node).collect::<Vec<_>>(),
        }),
        Node::Parm(p) => json!({ "parm": p.name, "value": p.value, "datatype": p.datatype }),
        Node::Other(r) => json!({ "xml": r.as_xml() }),
        other => json!({ "debug": format!("{other:?}") }),
    }
}

/// A `wap-provisioningdoc`.
pub fn provisioning(d: &ProvisioningDoc) -> Value {
    json!({
        "version": d.version,
        "nodes": d.nodes.iter().map(node).collect::<Vec<_>>(),
    })
}

/// A SOAP fault.
pub fn fault(f: &Fault) -> Value {
    json!({
        "Code": f.code.as_str(),
        "Subcode": f.subcode.as_ref().map(|s| s.as_str().to_owned()),
        "Reason": f.reason,
        "ErrorType": f.detail.as_ref().map(|d| d.error_type.as_str().to_owned()),
        "Message": f.detail.as_ref().and_then(|d| d.message.clone()),
        "TraceId": f.detail.as_ref().and_then(|d| d.trace_id.clone()),
    })
}
