//! Enrollment (MS-WSTEP as profiled by MS-MDE2): the client's `RequestSecurityToken` carrying
//! its certificate request and device facts, and the server's
//! `RequestSecurityTokenResponseCollection` carrying the provisioning document.
//!
//! `AdditionalContext` is an ordered list, not a map: names repeat (one `MAC` per network
//! adapter), and its namespace is `http://schemas.xmlsoap.org/ws/2006/12/authorization`
//! whatever prefix the client uses (research L2).
//!
//! ```
//! use mdmkit::windows::enroll::soap::Envelope;
//! use mdmkit::windows::enroll::token::{
//!     RequestSecurityToken, RequestSecurityTokenResponseCollection, RequestType,
//! };
//!
//! let body = br#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"
//!   xmlns:a="http://www.w3.org/2005/08/addressing"
//!   xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512"
//!   xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
//!   xmlns:ac="http://schemas.xmlsoap.org/ws/2006/12/authorization">
//! <s:Header><a:MessageID>urn:uuid:0002</a:MessageID></s:Header><s:Body>
//! <wst:RequestSecurityToken>
//!   <wst:TokenType>http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken</wst:TokenType>
//!   <wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType>
//!   <wsse:BinarySecurityToken ValueType="http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS10"
//!     EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary">MIIC</wsse:BinarySecurityToken>
//!   <ac:AdditionalContext>
//!     <ac:ContextItem Name="MAC"><ac:Value>00-0C-29-51-60-9D</ac:Value></ac:ContextItem>
//!     <ac:ContextItem Name="MAC"><ac:Value>00-0C-29-51-60-A7</ac:Value></ac:ContextItem>
//!     <ac:ContextItem Name="DeviceID"><ac:Value>B5B954E81FBCB94EB79BD08BE625F4EE</ac:Value></ac:ContextItem>
//!     <ac:ContextItem Name="EnrollmentType"><ac:Value>Full</ac:Value></ac:ContextItem>
//!   </ac:AdditionalContext>
//! </wst:RequestSecurityToken></s:Body></s:Envelope>"#;
//! let request = Envelope::<RequestSecurityToken>::from_xml(body)?;
//! let rst = &request.body;
//! assert_eq!(rst.request_type, RequestType::Issue);
//! assert!(rst.binary_security_token.value_type.is_pkcs10());
//! assert_eq!(rst.binary_security_token.data, [0x30, 0x82, 0x02]);
//! assert_eq!(rst.device_id(), Some("B5B954E81FBCB94EB79BD08BE625F4EE"));
//! assert_eq!(rst.macs().collect::<Vec<_>>(), ["00-0C-29-51-60-9D", "00-0C-29-51-60-A7"]);
//!
//! // The provisioning document comes from `enroll::provisioning`; any bytes here.
//! let answer = RequestSecurityTokenResponseCollection::new("<wap-provisioningdoc/>");
//! let xml = Envelope::reply(&request.header, answer).to_xml()?;
//! let back = Envelope::<RequestSecurityTokenResponseCollection>::from_xml(xml.as_bytes())?;
//! assert_eq!(back.header.relates_to.as_deref(), Some("urn:uuid:0002"));
//! assert_eq!(back.body.provisioning_document(), Some(&b"<wap-provisioningdoc/>"[..]));
//! # Ok::<(), mdmkit::Error>(())
//! ```

use super::ns;
use super::soap::{
    BodyReader, BodyWriter, NS_AC, NS_ENROLLMENT, NS_WSSE, NS_WST, R, Res, at, attr, base64_text,
    children, encode_base64, leaf, open_enum, raws, required, sealed, set_once, trimmed,
};
use crate::error::{DecodeError, EncodeError};
use crate::sensitive::Sensitive;
use crate::windows::syncml::RawXml;
use crate::windows::xml::Writer;

open_enum! {
    /// `wst:RequestType`: a first enrollment or a renewal.
    RequestType {
        /// `…/ws-trust/200512/Issue`: a new certificate (PKCS#10 request).
        Issue => ns::REQUEST_ISSUE,
        /// `…/ws-trust/200512/Renew`: renewal (a PKCS#7 signed with the current certificate
        /// around the new request; research L6).
        Renew => ns::REQUEST_RENEW,
    }
}

open_enum! {
    /// The `ValueType` of the request's `wsse:BinarySecurityToken`.
    TokenValueType {
        /// `…/pki/2009/01/enrollment#PKCS10`.
        Pkcs10 => ns::VALUE_PKCS10,
        /// `…/pki/2009/01/enrollment#PKCS7`.
        Pkcs7 => ns::VALUE_PKCS7,
    }
}

impl TokenValueType {
    /// Whether this is a PKCS#10 request: [`TokenValueType::Pkcs10`], or any URI ending in
    /// `#PKCS10`.
    #[must_use]
    pub fn is_pkcs10(&self) -> bool {
        self.as_str().ends_with("#PKCS10")
    }

    /// Whether this is a PKCS#7 (renewal) request: [`TokenValueType::Pkcs7`], or any URI ending
    /// in `#PKCS7`. Quirk: Microsoft's renewal sample writes the WS-Security namespace
    /// (`…wssecurity-secext-1.0.xsd#PKCS7`); that text is kept as is, and this method accepts it.
    #[must_use]
    pub fn is_pkcs7(&self) -> bool {
        self.as_str().ends_with("#PKCS7")
    }
}

/// The certificate request of a `RequestSecurityToken`, decoded from base64.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryToken {
    /// `ValueType`.
    pub value_type: TokenValueType,
    /// `EncodingType` ([`ns::BASE64_BINARY`]).
    pub encoding_type: Option<String>,
    /// The DER bytes (PKCS#10 or PKCS#7), decoded under [`Limits::max_data_bytes`].
    ///
    /// [`Limits::max_data_bytes`]: crate::Limits::max_data_bytes
    pub data: Vec<u8>,
}

impl BinaryToken {
    /// A token of `value_type` with the `base64binary` encoding.
    pub fn new(value_type: TokenValueType, data: impl Into<Vec<u8>>) -> Self {
        BinaryToken {
            value_type,
            encoding_type: Some(ns::BASE64_BINARY.to_owned()),
            data: data.into(),
        }
    }
}

/// One `ac:ContextItem`: a name and its value (surrounding whitespace removed).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextItem {
    /// The `Name` attribute (`DeviceID`, `HWDevID`, `MAC`, …).
    pub name: String,
    /// `ac:Value`.
    pub value: Option<String>,
    /// Other children, verbatim.
    pub other: Vec<RawXml>,
}

impl ContextItem {
    /// An item.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        ContextItem {
            name: name.into(),
            value: Some(value.into()),
            other: Vec::new(),
        }
    }
}

/// The body of an enrollment request: `wst:RequestSecurityToken`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSecurityToken {
    /// `wst:TokenType` ([`ns::TOKEN_TYPE`]).
    pub token_type: String,
    /// `wst:RequestType`.
    pub request_type: RequestType,
    /// `wsse:BinarySecurityToken`: the certificate request.
    pub binary_security_token: BinaryToken,
    /// `ac:AdditionalContext/ac:ContextItem`, in document order, repeats kept.
    pub additional_context: Vec<ContextItem>,
    /// Unknown children of `ac:AdditionalContext`, verbatim.
    pub context_other: Vec<RawXml>,
    /// Unknown children of `wst:RequestSecurityToken`, verbatim.
    pub other: Vec<RawXml>,
}

impl RequestSecurityToken {
    /// A request with the enrollment token type and no context items.
    pub fn new(request_type: RequestType, binary_security_token: BinaryToken) -> Self {
        RequestSecurityToken {
            token_type: ns::TOKEN_TYPE.to_owned(),
            request_type,
            binary_security_token,
            additional_context: Vec::new(),
            context_other: Vec::new(),
            other: Vec::new(),
        }
    }

    /// The value of the first context item named `name`.
    #[must_use]
    pub fn context(&self, name: &str) -> Option<&str> {
        self.additional_context
            .iter()
            .filter(|c| c.name == name)
            .find_map(|c| c.value.as_deref())
    }

    /// The values of every context item named `name`, in order.
    pub fn context_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.additional_context
            .iter()
            .filter(move |c| c.name == name)
            .filter_map(|c| c.value.as_deref())
    }

    /// `DeviceID`: becomes the SyncML `Source/LocURI` of the device.
    #[must_use]
    pub fn device_id(&self) -> Option<&str> {
        self.context("DeviceID")
    }

    /// `HWDevID`: the hardware id (replace an older enrollment with the same one: research L15).
    #[must_use]
    pub fn hw_dev_id(&self) -> Option<&str> {
        self.context("HWDevID")
    }

    /// `EnrollmentType`: `Full` (user) or `Device`.
    #[must_use]
    pub fn enrollment_type(&self) -> Option<&str> {
        self.context("EnrollmentType")
    }

    /// `DeviceName`.
    #[must_use]
    pub fn device_name(&self) -> Option<&str> {
        self.context("DeviceName")
    }

    /// `OSVersion`.
    #[must_use]
    pub fn os_version(&self) -> Option<&str> {
        self.context("OSVersion")
    }

    /// Every `MAC` value, in order (one per adapter, duplicates kept).
    pub fn macs(&self) -> impl Iterator<Item = &str> {
        self.context_all("MAC")
    }

    /// Whether this is a renewal (`RequestType` Renew).
    #[must_use]
    pub fn is_renewal(&self) -> bool {
        self.request_type == RequestType::Renew
    }
}

impl sealed::Sealed for RequestSecurityToken {
    const NAME: &'static str = "RequestSecurityToken";
    const NS: u8 = NS_WST;
    const ACTION: &'static str = ns::ACTION_RST;

    fn decode(b: BodyReader<'_, '_>) -> Result<Self, DecodeError> {
        let r = b.r;
        let mut token_type = None;
        let mut request_type = None;
        let mut bst = None;
        let mut context: Option<(Vec<ContextItem>, Vec<RawXml>)> = None;
        let mut other = Vec::new();
        children(r, &mut other, |r, s| {
            match (s.ns, s.local) {
                (NS_WST, "TokenType") => {
                    let v = trimmed(r)?;
                    set_once(r, &mut token_type, v)?;
                }
                (NS_WST, "RequestType") => {
                    let v = trimmed(r)?;
                    set_once(r, &mut request_type, RequestType::from(v.as_str()))?;
                }
                (NS_WSSE, "BinarySecurityToken") => {
                    let value_type = attr(r, s, "ValueType", &[ns::WSSE])?.unwrap_or_default();
                    let encoding_type = attr(r, s, "EncodingType", &[ns::WSSE])?;
                    let data = base64_text(r)?;
                    let v = BinaryToken {
                        value_type: TokenValueType::from(value_type.as_str()),
                        encoding_type,
                        data,
                    };
                    set_once(r, &mut bst, v)?;
                }
                (NS_AC, "AdditionalContext") => {
                    let v = additional_context(r)?;
                    set_once(r, &mut context, v)?;
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        let (additional_context, context_other) = context.unwrap_or_default();
        Ok(RequestSecurityToken {
            token_type: required(r, token_type, "TokenType")?,
            request_type: required(r, request_type, "RequestType")?,
            binary_security_token: required(r, bst, "BinarySecurityToken")?,
            additional_context,
            context_other,
            other,
        })
    }

    fn encode(&self, b: BodyWriter<'_>) -> Result<(), EncodeError> {
        let w = b.w;
        w.open_start("wst:RequestSecurityToken");
        w.attr("xmlns:wst", ns::WST)?;
        w.attr("xmlns:wsse", ns::WSSE)?;
        w.attr("xmlns:ac", ns::AC)?;
        w.close_start();
        leaf(w, "wst:TokenType", &self.token_type)?;
        leaf(w, "wst:RequestType", self.request_type.as_str())?;
        let t = &self.binary_security_token;
        w.open_start("wsse:BinarySecurityToken");
        w.attr("ValueType", t.value_type.as_str())
            .map_err(at("BinarySecurityToken"))?;
        if let Some(e) = &t.encoding_type {
            w.attr("EncodingType", e)
                .map_err(at("BinarySecurityToken"))?;
        }
        w.close_start();
        w.raw(&encode_base64(&t.data));
        w.close("wsse:BinarySecurityToken");
        if !self.additional_context.is_empty() || !self.context_other.is_empty() {
            w.open("ac:AdditionalContext");
            for (i, c) in self.additional_context.iter().enumerate() {
                write_item(w, c).map_err(|e| e.in_index(i).in_key("AdditionalContext"))?;
            }
            raws(w, &self.context_other);
            w.close("ac:AdditionalContext");
        }
        raws(w, &self.other);
        w.close("wst:RequestSecurityToken");
        Ok(())
    }
}

fn write_item(w: &mut Writer, c: &ContextItem) -> Result<(), EncodeError> {
    w.open_start("ac:ContextItem");
    w.attr("Name", &c.name)?;
    w.close_start();
    if let Some(v) = &c.value {
        leaf(w, "ac:Value", v)?;
    }
    raws(w, &c.other);
    w.close("ac:ContextItem");
    Ok(())
}

fn additional_context(r: &mut R<'_>) -> Res<(Vec<ContextItem>, Vec<RawXml>)> {
    let mut items = Vec::new();
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if s.ns != NS_AC || s.local != "ContextItem" {
            return Ok(false);
        }
        let i = items.len();
        let name = attr(r, s, "Name", &[ns::AC])?;
        let mut value = None;
        let mut item_other = Vec::new();
        children(r, &mut item_other, |r, s| {
            if s.ns == NS_AC && s.local == "Value" {
                let v = trimmed(r)?;
                set_once(r, &mut value, v)?;
                return Ok(true);
            }
            Ok(false)
        })
        .map_err(|e| e.in_index(i))?;
        let name = required(r, name, "Name").map_err(|e| e.in_index(i))?;
        items.push(ContextItem {
            name,
            value,
            other: item_other,
        });
        Ok(true)
    })?;
    Ok((items, other))
}

/// One `RequestSecurityTokenResponse`: the provisioning document for the device.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSecurityTokenResponse {
    /// `TokenType` ([`ns::TOKEN_TYPE`]).
    pub token_type: String,
    /// `DispositionMessage` (enrollment namespace; empty in practice).
    pub disposition_message: Option<String>,
    /// The `ValueType` of `RequestedSecurityToken/BinarySecurityToken`
    /// ([`ns::VALUE_PROVISION_DOC`]).
    pub value_type: String,
    /// Its `EncodingType` ([`ns::BASE64_BINARY`]).
    pub encoding_type: Option<String>,
    /// The provisioning document (`wap-provisioningdoc`, UTF-8), decoded from base64. It can
    /// hold secrets (the management endpoint's digest credentials).
    pub provisioning_document: Sensitive<Vec<u8>>,
    /// `RequestID` (enrollment namespace; `0` in practice).
    pub request_id: Option<String>,
    /// Unknown children of the response, verbatim.
    pub other: Vec<RawXml>,
}

impl RequestSecurityTokenResponse {
    /// A response carrying `provisioning_document`, with the enrollment token type, an empty
    /// `DispositionMessage` and `RequestID` 0, as Windows expects.
    pub fn new(provisioning_document: impl Into<Vec<u8>>) -> Self {
        RequestSecurityTokenResponse {
            token_type: ns::TOKEN_TYPE.to_owned(),
            disposition_message: Some(String::new()),
            value_type: ns::VALUE_PROVISION_DOC.to_owned(),
            encoding_type: Some(ns::BASE64_BINARY.to_owned()),
            provisioning_document: Sensitive::new(provisioning_document.into()),
            request_id: Some("0".to_owned()),
            other: Vec::new(),
        }
    }
}

/// The body of the enrollment response: `wst:RequestSecurityTokenResponseCollection`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSecurityTokenResponseCollection {
    /// The responses (one in practice).
    pub responses: Vec<RequestSecurityTokenResponse>,
    /// Unknown children, verbatim.
    pub other: Vec<RawXml>,
}

impl RequestSecurityTokenResponseCollection {
    /// A collection of one response carrying `provisioning_document` (the UTF-8 bytes of the
    /// `wap-provisioningdoc`, see [`RequestSecurityTokenResponse::new`]).
    pub fn new(provisioning_document: impl Into<Vec<u8>>) -> Self {
        RequestSecurityTokenResponseCollection {
            responses: vec![RequestSecurityTokenResponse::new(provisioning_document)],
            other: Vec::new(),
        }
    }

    /// The provisioning document of the first response.
    #[must_use]
    pub fn provisioning_document(&self) -> Option<&[u8]> {
        self.responses
            .first()
            .map(|r| r.provisioning_document.expose().as_slice())
    }
}

impl sealed::Sealed for RequestSecurityTokenResponseCollection {
    const NAME: &'static str = "RequestSecurityTokenResponseCollection";
    const NS: u8 = NS_WST;
    const ACTION: &'static str = ns::ACTION_RSTRC;

    fn decode(b: BodyReader<'_, '_>) -> Result<Self, DecodeError> {
        let r = b.r;
        let mut responses = Vec::new();
        let mut other = Vec::new();
        children(r, &mut other, |r, s| {
            if s.ns == NS_WST && s.local == "RequestSecurityTokenResponse" {
                let i = responses.len();
                responses.push(rstr(r).map_err(|e| e.in_index(i))?);
                return Ok(true);
            }
            Ok(false)
        })?;
        if responses.is_empty() {
            return Err(r
                .err(crate::DecodeErrorKind::MissingKey)
                .in_key("RequestSecurityTokenResponse"));
        }
        Ok(RequestSecurityTokenResponseCollection { responses, other })
    }

    fn encode(&self, b: BodyWriter<'_>) -> Result<(), EncodeError> {
        let w = b.w;
        w.open_start("RequestSecurityTokenResponseCollection");
        w.attr("xmlns", ns::WST)?;
        w.close_start();
        for (i, resp) in self.responses.iter().enumerate() {
            write_rstr(w, resp)
                .map_err(|e| e.in_index(i).in_key("RequestSecurityTokenResponse"))?;
        }
        raws(w, &self.other);
        w.close("RequestSecurityTokenResponseCollection");
        Ok(())
    }
}

fn write_rstr(w: &mut Writer, r: &RequestSecurityTokenResponse) -> Result<(), EncodeError> {
    w.open("RequestSecurityTokenResponse");
    leaf(w, "TokenType", &r.token_type)?;
    if let Some(d) = &r.disposition_message {
        w.open_start("DispositionMessage");
        w.attr("xmlns", ns::ENROLLMENT)?;
        w.close_start();
        w.text(d).map_err(at("DispositionMessage"))?;
        w.close("DispositionMessage");
    }
    w.open("RequestedSecurityToken");
    w.open_start("BinarySecurityToken");
    w.attr("xmlns", ns::WSSE)?;
    w.attr("ValueType", &r.value_type)
        .map_err(at("RequestedSecurityToken"))?;
    if let Some(e) = &r.encoding_type {
        w.attr("EncodingType", e)
            .map_err(at("RequestedSecurityToken"))?;
    }
    w.close_start();
    w.raw(&encode_base64(r.provisioning_document.expose()));
    w.close("BinarySecurityToken");
    w.close("RequestedSecurityToken");
    if let Some(id) = &r.request_id {
        w.open_start("RequestID");
        w.attr("xmlns", ns::ENROLLMENT)?;
        w.close_start();
        w.text(id).map_err(at("RequestID"))?;
        w.close("RequestID");
    }
    raws(w, &r.other);
    w.close("RequestSecurityTokenResponse");
    Ok(())
}

fn rstr(r: &mut R<'_>) -> Res<RequestSecurityTokenResponse> {
    let mut token_type = None;
    let mut disposition = None;
    let mut token: Option<(String, Option<String>, Vec<u8>)> = None;
    let mut request_id = None;
    let mut other = Vec::new();
    let mut token_other = Vec::new();
    children(r, &mut other, |r, s| {
        match (s.ns, s.local) {
            (NS_WST, "TokenType") => {
                let v = trimmed(r)?;
                set_once(r, &mut token_type, v)?;
            }
            (NS_ENROLLMENT, "DispositionMessage") => {
                let v = trimmed(r)?;
                set_once(r, &mut disposition, v)?;
            }
            (NS_WST, "RequestedSecurityToken") => {
                children(r, &mut token_other, |r, s| {
                    if s.ns == NS_WSSE && s.local == "BinarySecurityToken" {
                        let vt = attr(r, s, "ValueType", &[ns::WSSE])?.unwrap_or_default();
                        let et = attr(r, s, "EncodingType", &[ns::WSSE])?;
                        let data = base64_text(r)?;
                        set_once(r, &mut token, (vt, et, data))?;
                        return Ok(true);
                    }
                    Ok(false)
                })?;
            }
            (NS_ENROLLMENT, "RequestID") => {
                let v = trimmed(r)?;
                set_once(r, &mut request_id, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if !token_other.is_empty() {
        return Err(r.err(crate::DecodeErrorKind::WrongType {
            expected: "BinarySecurityToken",
            found: "another element",
        }));
    }
    let (value_type, encoding_type, data) = required(r, token, "RequestedSecurityToken")?;
    Ok(RequestSecurityTokenResponse {
        token_type: required(r, token_type, "TokenType")?,
        disposition_message: disposition,
        value_type,
        encoding_type,
        provisioning_document: Sensitive::new(data),
        request_id,
        other,
    })
}
