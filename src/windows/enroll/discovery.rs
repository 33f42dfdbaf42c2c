//! Discovery (MS-MDE2 §3.1): the client's `Discover` request and the server's
//! `DiscoverResponse`, which names the auth policy and the policy and enrollment URLs.
//!
//! Windows reaches the discovery URL with a `GET` first, and some clients (behind some proxies,
//! and during Autopilot OOBE) send `POST`s with an empty body (research L4). Decode with
//! [`DiscoverRequest::from_http_body`], which returns `Ok(None)` for an empty body: answer it
//! like the `GET`, with HTTP 200 and an empty body, and answer a body that does not decode
//! ([`DecodeError`]) with HTTP 400, never 5xx.
//!
//! ```
//! use mdmkit::windows::enroll::discovery::{DiscoverRequest, DiscoverResponse};
//! use mdmkit::windows::enroll::soap::{AuthPolicy, Envelope};
//!
//! assert!(DiscoverRequest::from_http_body(b"")?.is_none()); // answer 200, empty body
//!
//! let body = br#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"
//!     xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header>
//!   <a:MessageID>urn:uuid:0001</a:MessageID></s:Header><s:Body>
//!   <Discover xmlns="http://schemas.microsoft.com/windows/management/2012/01/enrollment">
//!     <request><RequestVersion>5.0</RequestVersion><AuthPolicies>
//!       <AuthPolicy>OnPremise</AuthPolicy><AuthPolicy>Federated</AuthPolicy>
//!     </AuthPolicies></request></Discover></s:Body></s:Envelope>"#;
//! let request = DiscoverRequest::from_http_body(body)?.expect("a request");
//! let policy = request.body.choose(&[AuthPolicy::Federated, AuthPolicy::OnPremise]);
//! assert_eq!(policy, Some(AuthPolicy::Federated));
//!
//! let mut answer = DiscoverResponse::new(AuthPolicy::Federated, "https://mdm.example/enroll");
//! answer.enrollment_version = request.body.request_version.clone();
//! answer.enrollment_policy_service_url = Some("https://mdm.example/policy".into());
//! answer.authentication_service_url = Some("https://mdm.example/auth".into());
//! let xml = Envelope::reply(&request.header, answer).to_xml()?;
//! assert!(xml.contains("<a:RelatesTo>urn:uuid:0001</a:RelatesTo>"));
//! # Ok::<(), mdmkit::Error>(())
//! ```

use super::ns;
use super::soap::{
    AuthPolicy, BodyReader, BodyWriter, Envelope, NS_DISCOVERY, R, Res, at, children, leaf,
    opt_leaf, raws, required, sealed, set_once, trimmed,
};
use crate::error::{DecodeError, DecodeErrorKind as K, EncodeError};
use crate::limits::Limits;
use crate::windows::syncml::RawXml;
use crate::windows::xml::Writer;

/// The body of a `Discover` request (`Discover/request`). Every field is optional (the client
/// may leave `EmailAddress` empty, and a lenient server answers what it can); children come in
/// any order (`xsd:all`); unknown ones are kept.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoverRequest {
    /// `EmailAddress` (empty for programmatic and Entra enrollment).
    pub email_address: Option<String>,
    /// `RequestVersion` (`4.0`, `5.0`, `6.0`, …).
    pub request_version: Option<String>,
    /// `DeviceType` (`CIMClient_Windows`).
    pub device_type: Option<String>,
    /// `ApplicationVersion` (the OS build, a dotted quad).
    pub application_version: Option<String>,
    /// `OSEdition` (the product type number).
    pub os_edition: Option<String>,
    /// `AuthPolicies/AuthPolicy`, in order.
    pub auth_policies: Vec<AuthPolicy>,
    /// Unknown children of `request`, verbatim.
    pub other: Vec<RawXml>,
    /// Unknown children of `Discover` besides `request`, verbatim.
    pub discover_other: Vec<RawXml>,
}

impl DiscoverRequest {
    /// Whether the client offers `policy`.
    #[must_use]
    pub fn supports(&self, policy: &AuthPolicy) -> bool {
        self.auth_policies.contains(policy)
    }

    /// The first of the server's `preference` the client offers.
    #[must_use]
    pub fn choose(&self, preference: &[AuthPolicy]) -> Option<AuthPolicy> {
        preference.iter().find(|p| self.supports(p)).cloned()
    }

    /// Decodes the body of an HTTP request to the discovery endpoint under the default
    /// [`Limits`]: `Ok(None)` when the body is empty or only whitespace (research L4: answer
    /// HTTP 200 with an empty body, as to the initial `GET`).
    ///
    /// # Errors
    /// As [`Envelope::from_xml`]: answer with HTTP 400.
    pub fn from_http_body(body: &[u8]) -> Result<Option<Envelope<DiscoverRequest>>, DecodeError> {
        Self::from_http_body_with_limits(body, &Limits::DEFAULT)
    }

    /// As [`from_http_body`](Self::from_http_body), under `limits`.
    ///
    /// # Errors
    /// As [`Envelope::from_xml`].
    pub fn from_http_body_with_limits(
        body: &[u8],
        limits: &Limits,
    ) -> Result<Option<Envelope<DiscoverRequest>>, DecodeError> {
        let blank = body
            .strip_prefix("\u{feff}".as_bytes())
            .unwrap_or(body)
            .iter()
            .all(u8::is_ascii_whitespace);
        if blank {
            return Ok(None);
        }
        Envelope::from_xml_with_limits(body, limits).map(Some)
    }
}

impl sealed::Sealed for DiscoverRequest {
    const NAME: &'static str = "Discover";
    const NS: u8 = NS_DISCOVERY;
    const ACTION: &'static str = ns::ACTION_DISCOVER;

    fn decode(b: BodyReader<'_, '_>) -> Result<Self, DecodeError> {
        let r = b.r;
        let mut out = DiscoverRequest::default();
        let mut seen = false;
        let mut discover_other = Vec::new();
        children(r, &mut discover_other, |r, s| {
            if s.ns == NS_DISCOVERY && s.local == "request" {
                if seen {
                    return Err(r.err(K::DuplicateKey));
                }
                seen = true;
                request(r, &mut out)?;
                return Ok(true);
            }
            Ok(false)
        })?;
        out.discover_other = discover_other;
        Ok(out)
    }

    fn encode(&self, b: BodyWriter<'_>) -> Result<(), EncodeError> {
        let w = b.w;
        w.open_start("Discover");
        w.attr("xmlns", ns::DISCOVERY)?;
        w.close_start();
        w.open_start("request");
        w.attr("xmlns:i", ns::XSI)?;
        w.close_start();
        let fields = [
            ("EmailAddress", &self.email_address),
            ("RequestVersion", &self.request_version),
            ("DeviceType", &self.device_type),
            ("ApplicationVersion", &self.application_version),
            ("OSEdition", &self.os_edition),
        ];
        for (name, v) in fields {
            if let Some(v) = v {
                leaf(w, name, v).map_err(at("request"))?;
            }
        }
        if !self.auth_policies.is_empty() {
            w.open("AuthPolicies");
            for p in &self.auth_policies {
                leaf(w, "AuthPolicy", p.as_str())
                    .map_err(at("AuthPolicies"))
                    .map_err(at("request"))?;
            }
            w.close("AuthPolicies");
        }
        raws(w, &self.other);
        w.close("request");
        raws(w, &self.discover_other);
        w.close("Discover");
        Ok(())
    }
}

fn request(r: &mut R<'_>, out: &mut DiscoverRequest) -> Res<()> {
    let mut email = None;
    let mut version = None;
    let mut device_type = None;
    let mut app_version = None;
    let mut edition = None;
    let mut other = Vec::new();
    let mut policies = Vec::new();
    children(r, &mut other, |r, s| {
        if s.ns != NS_DISCOVERY {
            return Ok(false);
        }
        let slot = match s.local {
            "EmailAddress" => &mut email,
            "RequestVersion" => &mut version,
            "DeviceType" => &mut device_type,
            "ApplicationVersion" => &mut app_version,
            "OSEdition" => &mut edition,
            "AuthPolicies" => {
                // A closed list: anything but `AuthPolicy` is refused.
                let mut extra = Vec::new();
                children(r, &mut extra, |r, s| {
                    if s.ns == NS_DISCOVERY && s.local == "AuthPolicy" {
                        let v = trimmed(r)?;
                        policies.push(AuthPolicy::from(v.as_str()));
                        return Ok(true);
                    }
                    Ok(false)
                })?;
                if !extra.is_empty() {
                    return Err(r.err(K::WrongType {
                        expected: "AuthPolicy",
                        found: "another element",
                    }));
                }
                return Ok(true);
            }
            _ => return Ok(false),
        };
        let v = trimmed(r)?;
        set_once(r, slot, v)?;
        Ok(true)
    })?;
    out.email_address = email;
    out.request_version = version;
    out.device_type = device_type;
    out.application_version = app_version;
    out.os_edition = edition;
    out.auth_policies = policies;
    out.other = other;
    Ok(())
}

/// The `DiscoverResponse/DiscoverResult` the server sends back.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoverResponse {
    /// `AuthPolicy`: the policy the server picked.
    pub auth_policy: AuthPolicy,
    /// `EnrollmentVersion` (echo the request's `RequestVersion`, or `4.0`).
    pub enrollment_version: Option<String>,
    /// `EnrollmentPolicyServiceUrl` (the XCEP endpoint); `None` is written `xsi:nil="true"`.
    pub enrollment_policy_service_url: Option<String>,
    /// `EnrollmentServiceUrl` (the WSTEP endpoint).
    pub enrollment_service_url: String,
    /// `AuthenticationServiceUrl`: required with `Federated` (the web sign-in page).
    pub authentication_service_url: Option<String>,
    /// Unknown children of `DiscoverResult`, verbatim.
    pub other: Vec<RawXml>,
}

impl DiscoverResponse {
    /// A response with the required fields.
    pub fn new(auth_policy: AuthPolicy, enrollment_service_url: impl Into<String>) -> Self {
        DiscoverResponse {
            auth_policy,
            enrollment_version: None,
            enrollment_policy_service_url: None,
            enrollment_service_url: enrollment_service_url.into(),
            authentication_service_url: None,
            other: Vec::new(),
        }
    }
}

impl sealed::Sealed for DiscoverResponse {
    const NAME: &'static str = "DiscoverResponse";
    const NS: u8 = NS_DISCOVERY;
    const ACTION: &'static str = ns::ACTION_DISCOVER_RESPONSE;

    fn decode(b: BodyReader<'_, '_>) -> Result<Self, DecodeError> {
        let r = b.r;
        let mut result = None;
        let mut ignored = Vec::new();
        children(r, &mut ignored, |r, s| {
            if s.ns == NS_DISCOVERY && s.local == "DiscoverResult" {
                let v = discover_result(r)?;
                set_once(r, &mut result, v)?;
                return Ok(true);
            }
            Ok(false)
        })?;
        if !ignored.is_empty() {
            return Err(r.err(K::WrongType {
                expected: "DiscoverResult",
                found: "another element",
            }));
        }
        required(r, result, "DiscoverResult")
    }

    fn encode(&self, b: BodyWriter<'_>) -> Result<(), EncodeError> {
        let w = b.w;
        w.open_start("DiscoverResponse");
        w.attr("xmlns", ns::DISCOVERY)?;
        w.attr("xmlns:xsi", ns::XSI)?;
        w.close_start();
        w.open("DiscoverResult");
        write_result(w, self).map_err(at("DiscoverResult"))?;
        w.close("DiscoverResult");
        w.close("DiscoverResponse");
        Ok(())
    }
}

fn write_result(w: &mut Writer, d: &DiscoverResponse) -> Result<(), EncodeError> {
    leaf(w, "AuthPolicy", d.auth_policy.as_str())?;
    if let Some(v) = &d.enrollment_version {
        leaf(w, "EnrollmentVersion", v)?;
    }
    opt_leaf(
        w,
        "EnrollmentPolicyServiceUrl",
        d.enrollment_policy_service_url.as_deref(),
    )?;
    leaf(w, "EnrollmentServiceUrl", &d.enrollment_service_url)?;
    if let Some(v) = &d.authentication_service_url {
        leaf(w, "AuthenticationServiceUrl", v)?;
    }
    raws(w, &d.other);
    Ok(())
}

fn discover_result(r: &mut R<'_>) -> Res<DiscoverResponse> {
    let mut policy = None;
    let mut version = None;
    let mut policy_url: Option<Option<String>> = None;
    let mut enroll_url = None;
    let mut auth_url = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if s.ns != NS_DISCOVERY {
            return Ok(false);
        }
        match s.local {
            "AuthPolicy" => {
                let v = trimmed(r)?;
                set_once(r, &mut policy, AuthPolicy::from(v.as_str()))?;
            }
            "EnrollmentVersion" => {
                let v = trimmed(r)?;
                set_once(r, &mut version, v)?;
            }
            "EnrollmentPolicyServiceUrl" => {
                let v = super::soap::nillable(r, s, trimmed)?;
                set_once(r, &mut policy_url, v)?;
            }
            "EnrollmentServiceUrl" => {
                let v = trimmed(r)?;
                set_once(r, &mut enroll_url, v)?;
            }
            "AuthenticationServiceUrl" => {
                let v = trimmed(r)?;
                set_once(r, &mut auth_url, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(DiscoverResponse {
        auth_policy: required(r, policy, "AuthPolicy")?,
        enrollment_version: version,
        enrollment_policy_service_url: policy_url.flatten(),
        enrollment_service_url: required(r, enroll_url, "EnrollmentServiceUrl")?,
        authentication_service_url: auth_url,
        other,
    })
}
