//! `mdmctl decode`: recognise a message by its shape, decode it with mdmkit, show it as JSON.

use mdmkit::apple::Inbound;
use mdmkit::apple::checkin::CheckinMessage;
use mdmkit::apple::command::Command as AppleCommand;
use mdmkit::apple::plist::Value as Plist;
use mdmkit::apple::profile::Profile;
use mdmkit::cms::Certificate;
use mdmkit::windows::enroll::discovery::{DiscoverRequest, DiscoverResponse};
use mdmkit::windows::enroll::policy::{GetPolicies, GetPoliciesResponse};
use mdmkit::windows::enroll::provisioning::ProvisioningDoc;
use mdmkit::windows::enroll::soap::{Envelope, Fault};
use mdmkit::windows::enroll::token::{
    RequestSecurityToken, RequestSecurityTokenResponseCollection,
};
use mdmkit::windows::syncml::{Fragment, SyncMl};
use serde_json::{Value, json};

use crate::json;

/// Why a file could not be shown.
#[derive(Debug)]
pub enum Error {
    /// mdmkit refused the message.
    Decode(mdmkit::Error),
    /// The file is none of the formats this tool knows.
    Unrecognised(&'static str),
    /// A value could not be turned into JSON.
    Json(serde_json::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Decode(e) => write!(f, "{e}"),
            Error::Unrecognised(what) => write!(f, "not a message this tool knows ({what})"),
            Error::Json(e) => write!(f, "JSON: {e}"),
        }
    }
}

impl<E: Into<mdmkit::Error>> From<E> for Error {
    fn from(e: E) -> Self {
        Error::Decode(e.into())
    }
}

fn to_json<T: serde::Serialize>(kind: &str, value: &T) -> Result<Value, Error> {
    let v = serde_json::to_value(value).map_err(Error::Json)?;
    Ok(json!({ "kind": kind, "message": v }))
}

/// The first element's local name, skipping the prolog, comments and a DOCTYPE.
fn root_element(text: &[u8]) -> Option<&str> {
    let mut rest = text;
    loop {
        let lt = rest.iter().position(|&b| b == b'<')?;
        rest = rest.get(lt + 1..)?;
        match rest.first()? {
            b'?' | b'!' => continue,
            _ => {
                let end = rest
                    .iter()
                    .position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/')?;
                let name = std::str::from_utf8(rest.get(..end)?).ok()?;
                return Some(name.rsplit(':').next().unwrap_or(name));
            }
        }
    }
}

/// Decodes `bytes` as whatever message it is.
pub fn decode(bytes: &[u8]) -> Result<Value, Error> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let body = bytes.get(start..).unwrap_or_default();
    match body.first() {
        None => Err(Error::Unrecognised("empty file")),
        Some(0x30) => signed(body),
        Some(b'{') => ddm(body),
        Some(0x01..=0x03) => wbxml(body),
        _ if body.starts_with(b"bplist") => plist(body),
        _ => match root_element(body) {
            Some("plist") => plist(body),
            Some("SyncML") => Ok(json!({
                "kind": "SyncML",
                "message": json::syncml(&SyncMl::from_xml(body)?),
            })),
            Some("SyncHdr" | "SyncBody") => fragment(body),
            Some("Envelope") => soap(body),
            Some("wap-provisioningdoc") => Ok(json!({
                "kind": "wap-provisioningdoc",
                "message": json::provisioning(&ProvisioningDoc::from_xml(body)?),
            })),
            Some(_) => fragment(body),
            None => base64_text(body),
        },
    }
}

fn fragment(body: &[u8]) -> Result<Value, Error> {
    let f = Fragment::from_xml(body)?;
    Ok(json!({
        "kind": "SyncML fragment",
        "SyncHdr": f.hdr.as_ref().map(json::sync_hdr),
        "commands": f.commands.iter().map(json::command).collect::<Vec<_>>(),
        "Final": f.is_final,
    }))
}

/// A property list: check-in, command report, command, profile, or any other plist.
fn plist(body: &[u8]) -> Result<Value, Error> {
    let value = Plist::from_xml(body)?;
    let dict = value.as_dictionary();
    let get = |key: &str| dict.and_then(|d| d.get(key));
    let has = |key: &str| get(key).is_some();
    if has("MessageType") {
        let Inbound::Checkin(msg) = Inbound::from_xml(body)? else {
            return Err(Error::Unrecognised(
                "MessageType without a check-in message",
            ));
        };
        let msg: &CheckinMessage = &msg;
        to_json("check-in", msg)
    } else if has("Status") && (has("UDID") || has("EnrollmentID") || has("CommandUUID")) {
        match Inbound::from_xml(body)? {
            Inbound::Report(r) => to_json("command report", &r),
            Inbound::Checkin(m) => to_json("check-in", &m),
            _ => Err(Error::Unrecognised("a plist with Status")),
        }
    } else if has("Command") && has("CommandUUID") {
        to_json("command", &AppleCommand::from_xml(body)?)
    } else if get("PayloadType").and_then(Plist::as_str) == Some("Configuration") {
        to_json("configuration profile", &Profile::from_slice(body)?)
    } else {
        to_json("property list", &value)
    }
}

/// CMS SignedData: the signature is checked (SHA-1 allowed: this only shows the file), the
/// signer is not trusted (`mdmctl verify --ca` checks trust). Detached signatures (an
/// `Mdm-Signature` header) are shown with their signer.
fn signed(body: &[u8]) -> Result<Value, Error> {
    let unverified = mdmkit::cms::inspect(body, &mdmkit::cms::CmsLimits::default())?;
    let certificates: Vec<String> = unverified
        .certificates()
        .iter()
        .map(Certificate::subject)
        .collect();
    if unverified.is_detached() {
        return Ok(json!({
            "kind": "CMS detached signature",
            "signer": unverified.signer().map(Certificate::subject),
            "digest": unverified.digest_algorithm().map(|d| format!("{d:?}")),
            "certificates": certificates,
        }));
    }
    let policy = mdmkit::cms::Policy::signature_only().allow_sha1(true);
    let verified = mdmkit::cms::verify_attached(body, &policy)?;
    let inner = decode(verified.content())?;
    Ok(json!({
        "kind": "CMS signed data",
        "signature": "valid, signer not trusted (use `mdmctl verify --ca` for trust)",
        "signer": verified.signer().subject(),
        "digest": format!("{:?}", verified.digest_algorithm()),
        "certificates": certificates,
        "content": inner,
    }))
}

/// Base64 text: an `Mdm-Signature` header value, or any base64-wrapped message.
fn base64_text(body: &[u8]) -> Result<Value, Error> {
    use base64::Engine as _;
    let compact: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|_| Error::Unrecognised("no XML element, plist, JSON, DER or base64"))?;
    Ok(json!({ "kind": "base64", "content": decode(&der)? }))
}

/// WBXML SyncML.
#[cfg(feature = "wbxml")]
fn wbxml(body: &[u8]) -> Result<Value, Error> {
    Ok(json!({ "kind": "SyncML (WBXML)", "message": json::syncml(&SyncMl::from_wbxml(body)?) }))
}

#[cfg(not(feature = "wbxml"))]
fn wbxml(_: &[u8]) -> Result<Value, Error> {
    Err(Error::Unrecognised(
        "WBXML: build with `--features wbxml` to decode it",
    ))
}

/// DDM documents are JSON: a declaration, a status report, a tokens response or a
/// declaration-items manifest, told apart by their top-level keys.
fn ddm(body: &[u8]) -> Result<Value, Error> {
    use mdmkit::apple::ddm::{Declaration, DeclarationItemsResponse, StatusReport, TokensResponse};
    // Only the top-level keys are looked at here; the typed decoders check everything under
    // mdmkit's limits. serde_json has its own recursion limit (128).
    let keys: Vec<String> = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(Value::Object(map)) => map.keys().cloned().collect(),
        Ok(_) => return Err(Error::Unrecognised("JSON that is not an object")),
        Err(e) => return Err(Error::Json(e)),
    };
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("Type") && has("Identifier") && has("ServerToken") {
        let limits = mdmkit::Limits::DEFAULT;
        match Declaration::from_json(body) {
            Ok(d) => to_json("DDM declaration", &d),
            // A declaration that breaks the schema (a required key missing) is still shown,
            // untyped, with the reason.
            Err(e) => {
                let d = Declaration::from_json_untyped(body, &limits)?;
                let mut v = to_json("DDM declaration (untyped)", &d)?;
                if let Value::Object(map) = &mut v {
                    map.insert("schema_error".into(), json!(e.to_string()));
                }
                Ok(v)
            }
        }
    } else if has("StatusItems") || has("Errors") {
        to_json("DDM status report", &StatusReport::from_json(body)?)
    } else if has("SyncTokens") {
        to_json("DDM tokens", &TokensResponse::from_json(body)?)
    } else if has("Declarations") && has("DeclarationsToken") {
        to_json(
            "DDM declaration items",
            &DeclarationItemsResponse::from_json(body)?,
        )
    } else {
        Err(Error::Unrecognised("JSON that is no DDM document"))
    }
}

/// An MS-MDE2 SOAP envelope: the body element says which.
fn soap(body: &[u8]) -> Result<Value, Error> {
    let text =
        std::str::from_utf8(body).map_err(|_| Error::Unrecognised("SOAP that is not UTF-8"))?;
    // The body's first element names the message; the typed decoders then check everything.
    let after_body = text
        .find(":Body")
        .or_else(|| text.find("<Body"))
        .and_then(|i| text.get(i..))
        .and_then(|t| t.find('>').and_then(|j| t.get(j + 1..)))
        .unwrap_or_default();
    let name = root_element(after_body.as_bytes()).unwrap_or_default();
    let (kind, header, message) = match name {
        "Discover" => {
            let e = Envelope::<DiscoverRequest>::from_xml(body)?;
            (
                "Discover",
                json::soap_header(&e.header),
                json::discover(&e.body),
            )
        }
        "DiscoverResponse" => {
            let e = Envelope::<DiscoverResponse>::from_xml(body)?;
            (
                "DiscoverResponse",
                json::soap_header(&e.header),
                json::discover_response(&e.body),
            )
        }
        "GetPolicies" => {
            let e = Envelope::<GetPolicies>::from_xml(body)?;
            (
                "GetPolicies",
                json::soap_header(&e.header),
                json::get_policies(&e.body),
            )
        }
        "GetPoliciesResponse" => {
            let e = Envelope::<GetPoliciesResponse>::from_xml(body)?;
            (
                "GetPoliciesResponse",
                json::soap_header(&e.header),
                json::get_policies_response(&e.body),
            )
        }
        "RequestSecurityToken" => {
            let e = Envelope::<RequestSecurityToken>::from_xml(body)?;
            (
                "RequestSecurityToken",
                json::soap_header(&e.header),
                json::request_security_token(&e.body),
            )
        }
        "RequestSecurityTokenResponseCollection" => {
            let e = Envelope::<RequestSecurityTokenResponseCollection>::from_xml(body)?;
            (
                "RequestSecurityTokenResponseCollection",
                json::soap_header(&e.header),
                json::token_response(&e.body),
            )
        }
        "Fault" => {
            let e = Envelope::<Fault>::from_xml(body)?;
            ("Fault", json::soap_header(&e.header), json::fault(&e.body))
        }
        _ => return Err(Error::Unrecognised("a SOAP body this tool does not know")),
    };
    Ok(json!({ "kind": kind, "header": header, "message": message }))
}
