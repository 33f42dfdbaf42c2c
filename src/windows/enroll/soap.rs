//! The SOAP 1.2 envelope of every MS-MDE2 message: the WS-Addressing and WS-Security header
//! ([`Header`]), the typed body ([`Envelope`]`<B>`), SOAP faults ([`Fault`]) and the credentials
//! each [`AuthPolicy`] puts in the header ([`Header::credentials`]).
//!
//! Decoding goes straight from the hardened event stream to typed values (no tree): namespaces
//! are resolved (elements are matched by namespace URI and local name, whatever their prefix),
//! there is no DOCTYPE and no entity beyond XML's five, and [`Limits`] are checked first. Header
//! blocks mdmkit does not model (an `ds:Signature`, vendor blocks) are kept verbatim as
//! [`RawXml`] and written back.
//!
//! ```
//! use mdmkit::windows::enroll::discovery::{DiscoverRequest, DiscoverResponse};
//! use mdmkit::windows::enroll::soap::{AuthPolicy, Envelope};
//!
//! let body = br#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"
//!     xmlns:a="http://www.w3.org/2005/08/addressing">
//!   <s:Header>
//!     <a:Action s:mustUnderstand="1">http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/Discover</a:Action>
//!     <a:MessageID>urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478</a:MessageID>
//!   </s:Header>
//!   <s:Body>
//!     <Discover xmlns="http://schemas.microsoft.com/windows/management/2012/01/enrollment">
//!       <request><EmailAddress>user@example.com</EmailAddress>
//!         <AuthPolicies><AuthPolicy>OnPremise</AuthPolicy></AuthPolicies></request>
//!     </Discover>
//!   </s:Body>
//! </s:Envelope>"#;
//! let request = Envelope::<DiscoverRequest>::from_xml(body)?;
//! assert!(request.body.supports(&AuthPolicy::OnPremise));
//!
//! let answer = DiscoverResponse::new(
//!     AuthPolicy::OnPremise,
//!     "https://mdm.example.com/EnrollmentServer/Enrollment.svc",
//! );
//! let reply = Envelope::reply(&request.header, answer);
//! let xml = reply.to_xml()?;
//! assert!(xml.contains("<a:RelatesTo>urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478</a:RelatesTo>"));
//! # Ok::<(), mdmkit::Error>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;

use super::ns;
use crate::error::{DecodeError, DecodeErrorKind as K, EncodeError, Limit};
use crate::limits::Limits;
use crate::sensitive::Sensitive;
use crate::windows::syncml::RawXml;
use crate::windows::xml::{Ev, NS_NONE, NS_OTHER, NsCode, Reader, Start, Writer, is_xml_char};
pub(crate) use crate::windows::xml::{required, set_once};

// ---------------------------------------------------------------------------------------------
// Open string enums
// ---------------------------------------------------------------------------------------------

/// The wire text of a value an open enum does not name (the hidden `Other` variants).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OtherText(String);

impl OtherText {
    pub(crate) fn new(s: &str) -> Self {
        OtherText(s.to_owned())
    }
    /// The wire text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for OtherText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// An open set of wire strings: named variants, plus a hidden `Other` that keeps the text.
/// Matching ignores surrounding whitespace (pretty-printed samples wrap values in newlines).
macro_rules! open_enum {
    (
        $(#[$m:meta])*
        $name:ident { $( $(#[$vm:meta])* $var:ident => $s:expr ),* $(,)? }
    ) => {
        $(#[$m])*
        #[non_exhaustive]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vm])* $var, )*
            #[doc(hidden)]
            Other($crate::windows::enroll::soap::OtherText),
        }

        impl $name {
            /// The wire text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$var => $s, )*
                    $name::Other(o) => o.as_str(),
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s.trim_matches(|c: char| c.is_ascii_whitespace()) {
                    $( x if x == $s => $name::$var, )*
                    x => $name::Other($crate::windows::enroll::soap::OtherText::new(x)),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use open_enum;

open_enum! {
    /// An authentication policy: what the client offers in `Discover/AuthPolicies` and what the
    /// server picks in `DiscoverResponse/AuthPolicy`. It decides what the client puts in the
    /// header of `GetPolicies` and `RequestSecurityToken` (see [`Header::credentials`]).
    AuthPolicy {
        /// Username and password (`wsse:UsernameToken`, plaintext password).
        OnPremise => "OnPremise",
        /// A token from the federation service (`wsse:BinarySecurityToken`
        /// `DeviceEnrollmentUserToken`, or an Entra ID JWT).
        Federated => "Federated",
        /// An X.509 client certificate (`wsse:BinarySecurityToken` with an XML signature).
        Certificate => "Certificate",
    }
}

// ---------------------------------------------------------------------------------------------
// Namespaces and decoding helpers shared by the MS-MDE2 modules
// ---------------------------------------------------------------------------------------------

pub(crate) const NS_SOAP: NsCode = 1;
pub(crate) const NS_ADDR: NsCode = 2;
pub(crate) const NS_WSSE: NsCode = 3;
pub(crate) const NS_WSU: NsCode = 4;
pub(crate) const NS_WST: NsCode = 5;
pub(crate) const NS_AC: NsCode = 6;
pub(crate) const NS_DISCOVERY: NsCode = 7;
pub(crate) const NS_XCEP: NsCode = 8;
pub(crate) const NS_ENROLLMENT: NsCode = 9;
pub(crate) const NS_XSI: NsCode = 10;
pub(crate) const NS_DIAG: NsCode = 11;

/// Maps a namespace URI to its class. Quirk: Microsoft's on-premise sample declares the
/// discovery namespace with a trailing `/`; it is accepted as the same namespace.
pub(crate) fn classify(uri: &[u8]) -> NsCode {
    let known: [(&str, NsCode); 11] = [
        (ns::SOAP, NS_SOAP),
        (ns::ADDRESSING, NS_ADDR),
        (ns::WSSE, NS_WSSE),
        (ns::WSU, NS_WSU),
        (ns::WST, NS_WST),
        (ns::AC, NS_AC),
        (ns::DISCOVERY, NS_DISCOVERY),
        (ns::XCEP, NS_XCEP),
        (ns::ENROLLMENT, NS_ENROLLMENT),
        (ns::XSI, NS_XSI),
        (ns::DIAGNOSTICS, NS_DIAG),
    ];
    for (u, code) in known {
        if uri == u.as_bytes() {
            return code;
        }
    }
    if uri.strip_suffix(b"/") == Some(ns::DISCOVERY.as_bytes()) {
        return NS_DISCOVERY;
    }
    NS_OTHER
}

pub(crate) type R<'a> = Reader<'a>;
pub(crate) type Res<T> = Result<T, DecodeError>;

/// Reads the children of the element just started; `f` handles each child and returns `true`
/// when it consumed it, `false` to keep it verbatim in `other`. Errors inside a child get the
/// child's name prefixed to their path.
pub(crate) fn children<'a>(
    r: &mut R<'a>,
    other: &mut Vec<RawXml>,
    mut f: impl FnMut(&mut R<'a>, &Start<'a>) -> Res<bool>,
) -> Res<()> {
    loop {
        match r.next()? {
            Ev::Start(s) => {
                let name = s.local;
                if !f(r, &s).map_err(|e| e.in_key(name))? {
                    let raw = r.raw_element_standalone(&s).map_err(|e| e.in_key(name))?;
                    other.push(RawXml::from_checked(raw));
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

/// Text with surrounding ASCII whitespace removed (identifiers, URIs, numbers: samples wrap them
/// in newlines and indentation).
pub(crate) fn trimmed(r: &mut R<'_>) -> Res<String> {
    let t = r.text()?;
    checked(
        r,
        t.trim_matches(|c: char| c.is_ascii_whitespace()).to_owned(),
    )
}

/// Refuses characters XML 1.0 cannot carry (raw control characters): the document is not
/// well-formed, and the value could not be written back.
pub(crate) fn checked(r: &R<'_>, s: String) -> Res<String> {
    if s.chars().all(is_xml_char) {
        Ok(s)
    } else {
        Err(r.err(K::Syntax))
    }
}

/// Text exactly as written (after entity resolution).
pub(crate) fn exact(r: &mut R<'_>) -> Res<String> {
    let t = r.text().map(Cow::into_owned)?;
    checked(r, t)
}

/// Whether `s` carries `xsi:nil="true"` (or `1`).
pub(crate) fn is_nil<'a>(r: &R<'a>, s: &Start<'a>) -> Res<bool> {
    Ok(r.attributes(s)?.iter().any(|a| {
        a.ns.as_deref() == Some(ns::XSI)
            && a.local == "nil"
            && matches!(a.value.trim(), "true" | "1")
    }))
}

/// A nillable element: `None` when nil (its content must then be empty), else `f`'s value.
pub(crate) fn nillable<'a, T>(
    r: &mut R<'a>,
    s: &Start<'a>,
    f: impl FnOnce(&mut R<'a>) -> Res<T>,
) -> Res<Option<T>> {
    if is_nil(r, s)? {
        r.empty()?;
        return Ok(None);
    }
    f(r).map(Some)
}

/// A number (`xs:int`, `xs:unsignedInt`, `xs:unsignedLong`).
pub(crate) fn number<T: std::str::FromStr>(r: &mut R<'_>) -> Res<T> {
    let t = r.text()?;
    let t = t.trim_matches(|c: char| c.is_ascii_whitespace());
    t.parse::<T>().map_err(|_| {
        let digits = t.strip_prefix('-').unwrap_or(t);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            r.err(K::IntegerOutOfRange)
        } else {
            r.err(K::InvalidValue("integer"))
        }
    })
}

/// An `xs:boolean`.
pub(crate) fn boolean(r: &mut R<'_>) -> Res<bool> {
    let t = r.text()?;
    match t.trim_matches(|c: char| c.is_ascii_whitespace()) {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(r.err(K::InvalidValue("boolean"))),
    }
}

/// Base64 text (whitespace anywhere ignored), decoded under the data limit.
pub(crate) fn base64_text(r: &mut R<'_>) -> Res<Vec<u8>> {
    let t = r.text()?;
    decode_base64(&t, r.limits()).map_err(|k| r.err(k))
}

pub(crate) fn decode_base64(text: &str, limits: &Limits) -> Result<Vec<u8>, K> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if compact.len() / 4 * 3 > limits.max_data_bytes {
        return Err(K::LimitExceeded(Limit::DataBytes));
    }
    let out = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|_| K::InvalidValue("base64"))?;
    if out.len() > limits.max_data_bytes {
        return Err(K::LimitExceeded(Limit::DataBytes));
    }
    Ok(out)
}

pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The value of the unqualified attribute `name` (or of `name` in one of `also`).
pub(crate) fn attr<'a>(r: &R<'a>, s: &Start<'a>, name: &str, also: &[&str]) -> Res<Option<String>> {
    r.attributes(s)?
        .into_iter()
        .find(|a| {
            a.local == name
                && match a.ns.as_deref() {
                    None => true,
                    Some(n) => also.contains(&n),
                }
        })
        .map(|a| checked(r, a.value))
        .transpose()
}

fn must_understand<'a>(r: &R<'a>, s: &Start<'a>) -> Res<bool> {
    Ok(r.attributes(s)?.iter().any(|a| {
        a.ns.as_deref() == Some(ns::SOAP)
            && a.local == "mustUnderstand"
            && matches!(a.value.trim(), "1" | "true")
    }))
}

// Encoding helpers.

pub(crate) type WRes = Result<(), EncodeError>;

pub(crate) fn at(path: &str) -> impl Fn(EncodeError) -> EncodeError + '_ {
    move |e| e.in_key(path)
}

pub(crate) fn leaf(w: &mut Writer, name: &str, text: &str) -> WRes {
    w.leaf(name, text).map_err(at(name))
}

pub(crate) fn nil(w: &mut Writer, name: &str) {
    w.open_start(name);
    w.out.push_str(" xsi:nil=\"true\"/>");
}

pub(crate) fn opt_leaf(w: &mut Writer, name: &str, v: Option<&str>) -> WRes {
    match v {
        Some(v) => leaf(w, name, v),
        None => {
            nil(w, name);
            Ok(())
        }
    }
}

pub(crate) fn raws(w: &mut Writer, other: &[RawXml]) {
    for o in other {
        w.raw(o.as_xml());
    }
}

// ---------------------------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------------------------

/// The SOAP header: WS-Addressing, WS-Security and the diagnostics `ActivityId`.
///
/// Every field is optional on input (a lenient server answers what it can); blocks mdmkit does
/// not model are kept in [`other`](Self::other), in order.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// `a:Action`: the operation (see the `ACTION_*` constants of [`ns`]).
    pub action: Option<String>,
    /// Whether `a:Action` carries `s:mustUnderstand="1"` (responses always do).
    pub action_must_understand: bool,
    /// `a:MessageID` of a request (a `urn:uuid:` string, kept exactly as sent apart from
    /// surrounding whitespace).
    pub message_id: Option<String>,
    /// `a:ReplyTo/a:Address` (the anonymous address in practice).
    pub reply_to: Option<String>,
    /// `a:To`: the URL the client posted to.
    pub to: Option<String>,
    /// Whether `a:To` carries `s:mustUnderstand="1"`.
    pub to_must_understand: bool,
    /// `a:RelatesTo` of a response: the request's `MessageID`.
    pub relates_to: Option<String>,
    /// `ActivityId` (ServiceModel diagnostics), with its `CorrelationId`.
    pub activity_id: Option<ActivityId>,
    /// `wsse:Security`.
    pub security: Option<Security>,
    /// Header blocks mdmkit does not model, verbatim.
    pub other: Vec<RawXml>,
}

/// The `ActivityId` header block (ServiceModel diagnostics).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityId {
    /// The element's text.
    pub id: String,
    /// The `CorrelationId` attribute.
    pub correlation_id: Option<String>,
}

impl ActivityId {
    /// An activity id with the same `CorrelationId`, as Microsoft's servers send.
    pub fn new(id: impl Into<String>) -> Self {
        let id = id.into();
        ActivityId {
            correlation_id: Some(id.clone()),
            id,
        }
    }
}

/// The `wsse:Security` header block.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Security {
    /// Whether it carries `s:mustUnderstand="1"`.
    pub must_understand: bool,
    /// `u:Timestamp`.
    pub timestamp: Option<Timestamp>,
    /// `wsse:UsernameToken` (AuthPolicy `OnPremise`).
    pub username_token: Option<UsernameToken>,
    /// `wsse:BinarySecurityToken` (AuthPolicy `Federated` or `Certificate`).
    pub binary_security_token: Option<BinarySecurityToken>,
    /// Other blocks (an XML-DSig `ds:Signature`), verbatim. mdmkit does not verify signatures.
    pub other: Vec<RawXml>,
}

/// `u:Timestamp`. The times are kept as the `xs:dateTime` text (mdmkit never reads the clock).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timestamp {
    /// `u:Id`.
    pub id: Option<String>,
    /// `u:Created`.
    pub created: Option<String>,
    /// `u:Expires`.
    pub expires: Option<String>,
}

impl Timestamp {
    /// A timestamp with `u:Id="_0"`, as Microsoft's servers send.
    pub fn new(created: impl Into<String>, expires: impl Into<String>) -> Self {
        Timestamp {
            id: Some("_0".to_owned()),
            created: Some(created.into()),
            expires: Some(expires.into()),
        }
    }
}

/// `wsse:UsernameToken`: what the client sends under AuthPolicy `OnPremise` (research L5).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsernameToken {
    /// `u:Id`.
    pub id: Option<String>,
    /// `wsse:Username` (surrounding whitespace removed).
    pub username: String,
    /// `wsse:Password`.
    pub password: Option<Password>,
    /// Other children, verbatim.
    pub other: Vec<RawXml>,
}

impl UsernameToken {
    /// A token with a `PasswordText` password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        UsernameToken {
            id: None,
            username: username.into(),
            password: Some(Password {
                value: Sensitive::new(password.into()),
                r#type: Some(ns::PASSWORD_TEXT.to_owned()),
            }),
            other: Vec::new(),
        }
    }
}

/// `wsse:Password`: the plaintext password, exactly as sent (whitespace included).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Password {
    /// The password.
    pub value: Sensitive<String>,
    /// The `Type` attribute ([`ns::PASSWORD_TEXT`]); Windows writes it `wsse:Type`.
    pub r#type: Option<String>,
}

/// A `wsse:BinarySecurityToken` of the header: a federation token or the client certificate.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BinarySecurityToken {
    /// `ValueType` ([`ns::VALUE_USER_TOKEN`], `urn:ietf:params:oauth:token-type:jwt`, …).
    pub value_type: String,
    /// `EncodingType` ([`ns::BASE64_BINARY`]).
    pub encoding_type: Option<String>,
    /// `u:Id`.
    pub id: Option<String>,
    /// The content, surrounding whitespace removed, not decoded.
    pub value: Sensitive<String>,
}

/// The `ValueType` of an Entra ID (Azure AD) token.
pub const VALUE_JWT: &str = "urn:ietf:params:oauth:token-type:jwt";

impl BinarySecurityToken {
    /// A token of `value_type` whose content is `value` (already encoded as the encoding type
    /// says), with the `base64binary` encoding type.
    pub fn new(value_type: impl Into<String>, value: impl Into<String>) -> Self {
        BinarySecurityToken {
            value_type: value_type.into(),
            encoding_type: Some(ns::BASE64_BINARY.to_owned()),
            id: None,
            value: Sensitive::new(value.into()),
        }
    }

    /// Whether the token is a federation token: `DeviceEnrollmentUserToken` or an Entra JWT.
    #[must_use]
    pub fn is_user_token(&self) -> bool {
        self.value_type == ns::VALUE_USER_TOKEN || self.value_type == VALUE_JWT
    }

    /// Whether the `EncodingType` is `base64binary` (an absent one counts as base64, the
    /// WS-Security default).
    #[must_use]
    pub fn is_base64(&self) -> bool {
        self.encoding_type
            .as_deref()
            .is_none_or(|e| e == ns::BASE64_BINARY || e.ends_with("#Base64Binary"))
    }

    /// The content decoded from base64, under the default [`Limits`].
    ///
    /// # Errors
    /// `InvalidValue("base64")` when the content is not base64; `LimitExceeded(DataBytes)`
    /// over the data limit.
    pub fn decode(&self) -> Result<Sensitive<Vec<u8>>, DecodeError> {
        decode_base64(self.value.expose(), &Limits::DEFAULT)
            .map(Sensitive::new)
            .map_err(|k| DecodeError::new(k).in_key("BinarySecurityToken"))
    }
}

impl Header {
    /// The header of a response to `request`: `a:Action` (with `s:mustUnderstand="1"`) and
    /// `a:RelatesTo` echoing the request's `a:MessageID`.
    pub fn reply(request: &Header, action: impl Into<String>) -> Self {
        Header {
            action: Some(action.into()),
            action_must_understand: true,
            relates_to: request.message_id.clone(),
            ..Header::default()
        }
    }

    /// Adds an `ActivityId` (with the same `CorrelationId`).
    #[must_use]
    pub fn with_activity_id(mut self, id: impl Into<String>) -> Self {
        self.activity_id = Some(ActivityId::new(id));
        self
    }

    /// Adds `o:Security/u:Timestamp` (with `s:mustUnderstand="1"`), as Fleet sends with the
    /// enrollment response.
    #[must_use]
    pub fn with_timestamp(
        mut self,
        created: impl Into<String>,
        expires: impl Into<String>,
    ) -> Self {
        let sec = self.security.get_or_insert_with(Security::default);
        sec.must_understand = true;
        sec.timestamp = Some(Timestamp::new(created, expires));
        self
    }

    /// The credentials the header carries for `policy` (research L5: each policy has its own
    /// header shape).
    ///
    /// * `OnPremise`: the `wsse:UsernameToken` username and plaintext password.
    /// * `Federated`: the `wsse:BinarySecurityToken` whose `ValueType` is
    ///   `DeviceEnrollmentUserToken` or `urn:ietf:params:oauth:token-type:jwt`. The token is
    ///   returned as sent: validating it is the caller's job.
    /// * `Certificate`: the `wsse:BinarySecurityToken` (the client certificate). **The XML
    ///   signature over the header (`ds:Signature`, kept in [`Security::other`]) is not
    ///   verified by mdmkit**: the caller must verify it, or rely on TLS client authentication.
    ///
    /// ```
    /// use mdmkit::windows::enroll::soap::{AuthPolicy, Credentials, CredentialsError, Header,
    ///     Security, UsernameToken};
    ///
    /// let mut header = Header::default();
    /// let mut security = Security::default();
    /// security.username_token = Some(UsernameToken::new("user@example.com", "secret"));
    /// header.security = Some(security);
    /// match header.credentials(&AuthPolicy::OnPremise)? {
    ///     Credentials::UsernamePassword { username, password } => {
    ///         assert_eq!(username, "user@example.com");
    ///         assert_eq!(password.expose(), "secret");
    ///     }
    ///     _ => unreachable!(),
    /// }
    /// // A UsernameToken where a federation token is needed.
    /// assert_eq!(
    ///     header.credentials(&AuthPolicy::Federated).unwrap_err(),
    ///     CredentialsError::MissingBinaryToken { found_username_token: true },
    /// );
    /// # Ok::<(), CredentialsError>(())
    /// ```
    ///
    /// # Errors
    /// A [`CredentialsError`] when the header lacks what `policy` needs (answer it with a
    /// fault: [`CredentialsError::fault`]).
    pub fn credentials(&self, policy: &AuthPolicy) -> Result<Credentials<'_>, CredentialsError> {
        let sec = self
            .security
            .as_ref()
            .ok_or(CredentialsError::NoSecurityHeader)?;
        match policy {
            AuthPolicy::OnPremise => {
                let t =
                    sec.username_token
                        .as_ref()
                        .ok_or(CredentialsError::MissingUsernameToken {
                            found_binary_token: sec.binary_security_token.is_some(),
                        })?;
                let p = t
                    .password
                    .as_ref()
                    .ok_or(CredentialsError::MissingPassword)?;
                Ok(Credentials::UsernamePassword {
                    username: &t.username,
                    password: &p.value,
                })
            }
            AuthPolicy::Federated => {
                let t = sec.binary_security_token.as_ref().ok_or(
                    CredentialsError::MissingBinaryToken {
                        found_username_token: sec.username_token.is_some(),
                    },
                )?;
                if !t.is_user_token() {
                    return Err(CredentialsError::UnexpectedValueType {
                        value_type: t.value_type.clone(),
                    });
                }
                Ok(Credentials::FederatedToken(t))
            }
            AuthPolicy::Certificate => {
                let t = sec.binary_security_token.as_ref().ok_or(
                    CredentialsError::MissingBinaryToken {
                        found_username_token: sec.username_token.is_some(),
                    },
                )?;
                Ok(Credentials::Certificate(t))
            }
            AuthPolicy::Other(_) => Err(CredentialsError::UnsupportedPolicy),
        }
    }
}

/// What [`Header::credentials`] found.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials<'a> {
    /// `OnPremise`: username and plaintext password.
    UsernamePassword {
        /// `wsse:Username`.
        username: &'a str,
        /// `wsse:Password`, exactly as sent.
        password: &'a Sensitive<String>,
    },
    /// `Federated`: the token, not validated.
    FederatedToken(&'a BinarySecurityToken),
    /// `Certificate`: the client certificate token. The header signature is NOT verified.
    Certificate(&'a BinarySecurityToken),
}

/// The header lacks the credentials an [`AuthPolicy`] needs.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// No `wsse:Security` header block.
    #[error("no wsse:Security header")]
    NoSecurityHeader,
    /// `OnPremise` needs a `wsse:UsernameToken`.
    #[error("no wsse:UsernameToken (binary token present: {found_binary_token})")]
    MissingUsernameToken {
        /// Whether a `BinarySecurityToken` was sent instead.
        found_binary_token: bool,
    },
    /// The `wsse:UsernameToken` has no `wsse:Password`.
    #[error("wsse:UsernameToken without wsse:Password")]
    MissingPassword,
    /// `Federated` and `Certificate` need a `wsse:BinarySecurityToken`.
    #[error("no wsse:BinarySecurityToken (username token present: {found_username_token})")]
    MissingBinaryToken {
        /// Whether a `UsernameToken` was sent instead (research L5).
        found_username_token: bool,
    },
    /// `Federated`: the binary token's `ValueType` is not a federation token type.
    #[error("binary security token of unexpected type {value_type:?}")]
    UnexpectedValueType {
        /// The `ValueType` sent.
        value_type: String,
    },
    /// An auth policy mdmkit does not know.
    #[error("unsupported auth policy")]
    UnsupportedPolicy,
}

impl CredentialsError {
    /// The fault to answer with: `s:Sender` with subcode `a:InvalidSecurity` when the header
    /// has the wrong shape, `s:Authentication` for an unknown policy.
    #[must_use]
    pub fn fault(&self) -> Fault {
        let subcode = match self {
            CredentialsError::UnsupportedPolicy => FaultSubcode::Authentication,
            _ => FaultSubcode::InvalidSecurity,
        };
        Fault::new(FaultCode::Sender, subcode, self.to_string())
    }
}

fn header(r: &mut R<'_>) -> Res<Header> {
    let mut h = Header::default();
    let mut action = None;
    let mut message_id = None;
    let mut reply_to = None;
    let mut to = None;
    let mut relates_to = None;
    let mut activity = None;
    let mut security = None;
    let mut kept = Vec::new();
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        match (s.ns, s.local) {
            (NS_ADDR, "Action") => {
                h.action_must_understand = must_understand(r, s)?;
                let v = trimmed(r)?;
                set_once(r, &mut action, v)?;
            }
            (NS_ADDR, "MessageID") => {
                let v = trimmed(r)?;
                set_once(r, &mut message_id, v)?;
            }
            (NS_ADDR, "ReplyTo") => {
                // Only a bare `Address` is modelled; any other shape (reference parameters,
                // attributes) is kept verbatim.
                let raw = r.raw_element_standalone(s)?;
                match reply_to_address(&raw, r.limits()) {
                    Some(a) if reply_to.is_none() => reply_to = Some(a),
                    _ => kept.push(RawXml::from_checked(raw)),
                }
            }
            (NS_ADDR, "To") => {
                h.to_must_understand = must_understand(r, s)?;
                let v = trimmed(r)?;
                set_once(r, &mut to, v)?;
            }
            (NS_ADDR, "RelatesTo") => {
                let v = trimmed(r)?;
                set_once(r, &mut relates_to, v)?;
            }
            (NS_DIAG | NS_NONE, "ActivityId") => {
                let correlation_id = attr(r, s, "CorrelationId", &[])?;
                let id = trimmed(r)?;
                set_once(r, &mut activity, ActivityId { id, correlation_id })?;
            }
            (NS_WSSE, "Security") => {
                let mu = must_understand(r, s)?;
                let v = security_block(r, mu)?;
                set_once(r, &mut security, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    h.action = action;
    h.message_id = message_id;
    h.reply_to = reply_to;
    h.to = to;
    h.relates_to = relates_to;
    h.activity_id = activity;
    h.security = security;
    other.extend(kept);
    h.other = other;
    Ok(h)
}

/// The address of a `ReplyTo` that holds exactly one `Address` and no attributes.
fn reply_to_address(raw: &str, limits: &Limits) -> Option<String> {
    let mut r = Reader::new(raw.as_bytes(), limits, classify).ok()?;
    let Ok(Ev::Start(s)) = r.next() else {
        return None;
    };
    if !r.attributes(&s).ok()?.is_empty() {
        return None;
    }
    let Ok(Ev::Start(a)) = r.next() else {
        return None;
    };
    if a.ns != NS_ADDR || a.local != "Address" || !r.attributes(&a).ok()?.is_empty() {
        return None;
    }
    let v = trimmed(&mut r).ok()?;
    if !matches!(r.next(), Ok(Ev::End)) {
        return None;
    }
    r.finish().ok()?;
    Some(v)
}

fn security_block(r: &mut R<'_>, must_understand: bool) -> Res<Security> {
    let mut sec = Security {
        must_understand,
        ..Security::default()
    };
    let mut timestamp = None;
    let mut username = None;
    let mut bst = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        match (s.ns, s.local) {
            (NS_WSU, "Timestamp") => {
                let v = timestamp_block(r, s)?;
                set_once(r, &mut timestamp, v)?;
            }
            (NS_WSSE, "UsernameToken") => {
                let v = username_token(r, s)?;
                set_once(r, &mut username, v)?;
            }
            (NS_WSSE, "BinarySecurityToken") => {
                let value_type = attr(r, s, "ValueType", &[ns::WSSE])?.unwrap_or_default();
                let encoding_type = attr(r, s, "EncodingType", &[ns::WSSE])?;
                let id = attr_ns(r, s, ns::WSU, "Id")?;
                let value = Sensitive::new(trimmed(r)?);
                set_once(
                    r,
                    &mut bst,
                    BinarySecurityToken {
                        value_type,
                        encoding_type,
                        id,
                        value,
                    },
                )?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    sec.timestamp = timestamp;
    sec.username_token = username;
    sec.binary_security_token = bst;
    sec.other = other;
    Ok(sec)
}

/// The value of attribute `local` in namespace `uri`.
pub(crate) fn attr_ns<'a>(r: &R<'a>, s: &Start<'a>, uri: &str, local: &str) -> Res<Option<String>> {
    r.attributes(s)?
        .into_iter()
        .find(|a| a.local == local && a.ns.as_deref() == Some(uri))
        .map(|a| checked(r, a.value))
        .transpose()
}

fn timestamp_block<'a>(r: &mut R<'a>, s: &Start<'a>) -> Res<Timestamp> {
    let id = attr_ns(r, s, ns::WSU, "Id")?;
    let mut created = None;
    let mut expires = None;
    let mut ignored = Vec::new();
    children(r, &mut ignored, |r, s| {
        match (s.ns, s.local) {
            (NS_WSU, "Created") => {
                let v = trimmed(r)?;
                set_once(r, &mut created, v)?;
            }
            (NS_WSU, "Expires") => {
                let v = trimmed(r)?;
                set_once(r, &mut expires, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if !ignored.is_empty() {
        return Err(r.err(K::WrongType {
            expected: "Created or Expires",
            found: "another element",
        }));
    }
    Ok(Timestamp {
        id,
        created,
        expires,
    })
}

fn username_token<'a>(r: &mut R<'a>, s: &Start<'a>) -> Res<UsernameToken> {
    let id = attr_ns(r, s, ns::WSU, "Id")?;
    let mut username = None;
    let mut password = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        match (s.ns, s.local) {
            (NS_WSSE, "Username") => {
                let v = trimmed(r)?;
                set_once(r, &mut username, v)?;
            }
            (NS_WSSE, "Password") => {
                let ty = attr(r, s, "Type", &[ns::WSSE])?;
                let v = exact(r)?;
                set_once(
                    r,
                    &mut password,
                    Password {
                        value: Sensitive::new(v),
                        r#type: ty,
                    },
                )?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(UsernameToken {
        id,
        username: required(r, username, "Username")?,
        password,
        other,
    })
}

fn write_header(w: &mut Writer, h: &Header) -> WRes {
    w.open("s:Header");
    if let Some(a) = &h.action {
        w.open_start("a:Action");
        if h.action_must_understand {
            w.attr("s:mustUnderstand", "1")?;
        }
        w.close_start();
        w.text(a).map_err(at("Action"))?;
        w.close("a:Action");
    }
    if let Some(a) = &h.activity_id {
        w.open_start("ActivityId");
        if let Some(c) = &a.correlation_id {
            w.attr("CorrelationId", c).map_err(at("ActivityId"))?;
        }
        w.attr("xmlns", ns::DIAGNOSTICS)?;
        w.close_start();
        w.text(&a.id).map_err(at("ActivityId"))?;
        w.close("ActivityId");
    }
    if let Some(m) = &h.message_id {
        leaf(w, "a:MessageID", m)?;
    }
    if let Some(rt) = &h.reply_to {
        w.open("a:ReplyTo");
        leaf(w, "a:Address", rt).map_err(at("ReplyTo"))?;
        w.close("a:ReplyTo");
    }
    if let Some(t) = &h.to {
        w.open_start("a:To");
        if h.to_must_understand {
            w.attr("s:mustUnderstand", "1")?;
        }
        w.close_start();
        w.text(t).map_err(at("To"))?;
        w.close("a:To");
    }
    if let Some(r) = &h.relates_to {
        leaf(w, "a:RelatesTo", r)?;
    }
    if let Some(sec) = &h.security {
        write_security(w, sec).map_err(at("Security"))?;
    }
    raws(w, &h.other);
    w.close("s:Header");
    Ok(())
}

fn write_security(w: &mut Writer, sec: &Security) -> WRes {
    w.open_start("o:Security");
    w.attr("xmlns:o", ns::WSSE)?;
    if sec.must_understand {
        w.attr("s:mustUnderstand", "1")?;
    }
    w.close_start();
    if let Some(t) = &sec.timestamp {
        w.open_start("u:Timestamp");
        if let Some(id) = &t.id {
            w.attr("u:Id", id).map_err(at("Timestamp"))?;
        }
        w.close_start();
        if let Some(c) = &t.created {
            leaf(w, "u:Created", c).map_err(at("Timestamp"))?;
        }
        if let Some(e) = &t.expires {
            leaf(w, "u:Expires", e).map_err(at("Timestamp"))?;
        }
        w.close("u:Timestamp");
    }
    if let Some(u) = &sec.username_token {
        w.open_start("o:UsernameToken");
        if let Some(id) = &u.id {
            w.attr("u:Id", id).map_err(at("UsernameToken"))?;
        }
        w.close_start();
        leaf(w, "o:Username", &u.username).map_err(at("UsernameToken"))?;
        if let Some(p) = &u.password {
            w.open_start("o:Password");
            if let Some(t) = &p.r#type {
                w.attr("o:Type", t).map_err(at("UsernameToken"))?;
            }
            w.close_start();
            w.text(p.value.expose())
                .map_err(at("Password"))
                .map_err(at("UsernameToken"))?;
            w.close("o:Password");
        }
        raws(w, &u.other);
        w.close("o:UsernameToken");
    }
    if let Some(b) = &sec.binary_security_token {
        w.open_start("o:BinarySecurityToken");
        w.attr("ValueType", &b.value_type)
            .map_err(at("BinarySecurityToken"))?;
        if let Some(e) = &b.encoding_type {
            w.attr("EncodingType", e)
                .map_err(at("BinarySecurityToken"))?;
        }
        if let Some(id) = &b.id {
            w.attr("u:Id", id).map_err(at("BinarySecurityToken"))?;
        }
        w.close_start();
        w.text(b.value.expose())
            .map_err(at("BinarySecurityToken"))?;
        w.close("o:BinarySecurityToken");
    }
    raws(w, &sec.other);
    w.close("o:Security");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Envelope and body
// ---------------------------------------------------------------------------------------------

pub(crate) mod sealed {
    use super::{BodyReader, BodyWriter};
    use crate::error::{DecodeError, EncodeError};

    /// What a body type must provide; sealed so the set of bodies stays mdmkit's.
    pub trait Sealed: Sized {
        /// The local name of the body element (`"*"`: any element).
        const NAME: &'static str;
        /// The namespace class of the body element.
        const NS: u8;
        /// The `a:Action` of a message with this body (empty: none).
        const ACTION: &'static str;
        /// Decodes the body element whose start tag was just read.
        fn decode(r: BodyReader<'_, '_>) -> Result<Self, DecodeError>;
        /// Writes the body element.
        fn encode(&self, w: BodyWriter<'_>) -> Result<(), EncodeError>;
    }
}

/// The reader handed to a body decoder (opaque).
#[doc(hidden)]
pub struct BodyReader<'r, 'a> {
    pub(crate) r: &'r mut Reader<'a>,
    pub(crate) start: Start<'a>,
}

/// The writer handed to a body encoder (opaque).
#[doc(hidden)]
pub struct BodyWriter<'w> {
    pub(crate) w: &'w mut Writer,
}

/// A message body mdmkit can decode and encode inside an [`Envelope`]: the MS-MDE2 request and
/// response types, [`Fault`], and [`RawXml`] (any element, verbatim: decode the header first,
/// route on `a:Action`, then decode the body you expect).
pub trait Body: sealed::Sealed {}

impl<T: sealed::Sealed> Body for T {}

/// A SOAP 1.2 envelope: the [`Header`] and one typed body element.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<B> {
    /// The header.
    pub header: Header,
    /// The body's element.
    pub body: B,
}

impl<B> Envelope<B> {
    /// An envelope.
    pub fn new(header: Header, body: B) -> Self {
        Envelope { header, body }
    }
}

impl<B: Body> Envelope<B> {
    /// The response to a request whose header is `request`: `a:Action` is the body type's
    /// response action (with `s:mustUnderstand="1"`), `a:RelatesTo` echoes the request's
    /// `a:MessageID`. Add an `ActivityId` or a timestamp with [`Header::with_activity_id`] and
    /// [`Header::with_timestamp`].
    pub fn reply(request: &Header, body: B) -> Self {
        let mut header = Header::reply(request, B::ACTION);
        if B::ACTION.is_empty() {
            header.action = None;
        }
        Envelope { header, body }
    }

    /// Decodes an envelope under the default [`Limits`].
    ///
    /// # Errors
    /// A [`DecodeError`] when the input is not a SOAP 1.2 envelope with a header (optional) and
    /// a body holding the expected element, within the limits: malformed XML, a DOCTYPE or an
    /// entity, a missing or repeated `Body`, a body of another type (`WrongType`), a missing
    /// required element (`MissingKey`), a bad number, boolean or base64 value. The path names
    /// the element (`Body.RequestSecurityToken.BinarySecurityToken`).
    pub fn from_xml(input: &[u8]) -> Result<Self, DecodeError> {
        Self::from_xml_with_limits(input, &Limits::DEFAULT)
    }

    /// Decodes an envelope under `limits`.
    ///
    /// # Errors
    /// As [`Envelope::from_xml`].
    pub fn from_xml_with_limits(input: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        let mut r = Reader::new(input, limits, classify)?;
        let root = match r.next()? {
            Ev::Start(s) => s,
            Ev::Eof => return Err(r.err(K::UnexpectedEof)),
            Ev::Text | Ev::End => return Err(r.err(K::Syntax)),
        };
        if root.ns != NS_SOAP || root.local != "Envelope" {
            return Err(r.err_at(
                K::WrongType {
                    expected: "SOAP 1.2 Envelope",
                    found: "another element",
                },
                root.pos,
            ));
        }
        let mut header_v = None;
        let mut body_v: Option<B> = None;
        let mut seen_body = false;
        let mut extra = Vec::new();
        children(&mut r, &mut extra, |r, s| {
            if s.ns != NS_SOAP {
                return Ok(false);
            }
            match s.local {
                "Header" => {
                    let v = header(r)?;
                    set_once(r, &mut header_v, v)?;
                }
                "Body" => {
                    if seen_body {
                        return Err(r.err_at(K::DuplicateKey, s.pos));
                    }
                    seen_body = true;
                    body_v = Some(body::<B>(r)?);
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if !extra.is_empty() {
            return Err(r.err(K::WrongType {
                expected: "Header or Body",
                found: "another element",
            }));
        }
        let body_v = required(&r, body_v, "Body")?;
        r.finish()?;
        Ok(Envelope {
            header: header_v.unwrap_or_default(),
            body: body_v,
        })
    }

    /// Encodes the envelope (prefixes `s`, `a`, `u` declared on `s:Envelope`).
    ///
    /// # Errors
    /// An [`EncodeError`] when a string holds a character XML cannot carry; the path names the
    /// element.
    pub fn to_xml(&self) -> Result<String, EncodeError> {
        let mut w = Writer::with_capacity(2048);
        w.open_start("s:Envelope");
        w.attr("xmlns:s", ns::SOAP)?;
        w.attr("xmlns:a", ns::ADDRESSING)?;
        w.attr("xmlns:u", ns::WSU)?;
        w.close_start();
        write_header(&mut w, &self.header).map_err(at("Header"))?;
        w.open("s:Body");
        self.body
            .encode(BodyWriter { w: &mut w })
            .map_err(at("Body"))?;
        w.close("s:Body");
        w.close("s:Envelope");
        Ok(w.out)
    }
}

/// Reads `s:Body` (its start tag read): exactly one element, of the type `B` expects.
fn body<B: Body>(r: &mut R<'_>) -> Res<B> {
    let s = match r.next()? {
        Ev::Start(s) => s,
        Ev::End => return Err(r.err(K::MissingKey).in_key(B::NAME)),
        Ev::Text => {
            return Err(r.err(K::WrongType {
                expected: "element",
                found: "text",
            }));
        }
        Ev::Eof => return Err(r.err(K::UnexpectedEof)),
    };
    let name = s.local;
    if B::NAME != "*" && (s.ns != B::NS || s.local != B::NAME) {
        return Err(r
            .err_at(
                K::WrongType {
                    expected: B::NAME,
                    found: "another element",
                },
                s.pos,
            )
            .in_key(name));
    }
    let v = B::decode(BodyReader { r, start: s }).map_err(|e| e.in_key(name))?;
    match r.next()? {
        Ev::End => Ok(v),
        Ev::Start(s2) => Err(r.err_at(K::DuplicateKey, s2.pos).in_key(s2.local)),
        Ev::Text => Err(r.err(K::WrongType {
            expected: "element",
            found: "text",
        })),
        Ev::Eof => Err(r.err(K::UnexpectedEof)),
    }
}

impl sealed::Sealed for RawXml {
    const NAME: &'static str = "*";
    const NS: u8 = NS_OTHER;
    const ACTION: &'static str = "";
    fn decode(b: BodyReader<'_, '_>) -> Result<Self, DecodeError> {
        let raw = b.r.raw_element_standalone(&b.start)?;
        Ok(RawXml::from_checked(raw))
    }
    fn encode(&self, b: BodyWriter<'_>) -> Result<(), EncodeError> {
        b.w.raw(self.as_xml());
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

/// The SOAP fault code (`s:Code/s:Value`). Matched on the local name of the QName text.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FaultCode {
    /// `s:Receiver`: the server failed.
    Receiver,
    /// `s:Sender`: the request was at fault.
    Sender,
    #[doc(hidden)]
    Other(OtherText),
}

impl FaultCode {
    /// The wire text (a QName in the SOAP namespace).
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            FaultCode::Receiver => "s:Receiver",
            FaultCode::Sender => "s:Sender",
            FaultCode::Other(o) => o.as_str(),
        }
    }
}

impl From<&str> for FaultCode {
    fn from(s: &str) -> Self {
        let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
        let local = t.rsplit(':').next().unwrap_or(t);
        if local.eq_ignore_ascii_case("Receiver") {
            FaultCode::Receiver
        } else if local.eq_ignore_ascii_case("Sender") {
            FaultCode::Sender
        } else {
            FaultCode::Other(OtherText::new(t))
        }
    }
}

/// The MS-MDE2 fault subcode (`s:Code/s:Subcode/s:Value`), matched on the local name of the
/// QName text, ignoring ASCII case (Microsoft's own sample writes `s:authorization`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FaultSubcode {
    /// `s:MessageFormat`: the message format is bad (0x80180001).
    MessageFormat,
    /// `s:Authentication`: the user is not recognised (0x80180002).
    Authentication,
    /// `s:Authorization`: the user may not enroll (0x80180003).
    Authorization,
    /// `s:CertificateRequest`: the certificate could not be issued (0x80180004).
    CertificateRequest,
    /// `s:EnrollmentServer`: a generic server failure (0x80180005).
    EnrollmentServer,
    /// `a:InternalServiceFault`: an unexpected server issue (0x80180006).
    InternalServiceFault,
    /// `a:InvalidSecurity`: the security header cannot be parsed (0x80180007).
    InvalidSecurity,
    #[doc(hidden)]
    Other(OtherText),
}

const SUBCODES: [(FaultSubcode, &str, u32); 7] = [
    (FaultSubcode::MessageFormat, "s:MessageFormat", 0x8018_0001),
    (
        FaultSubcode::Authentication,
        "s:Authentication",
        0x8018_0002,
    ),
    (FaultSubcode::Authorization, "s:Authorization", 0x8018_0003),
    (
        FaultSubcode::CertificateRequest,
        "s:CertificateRequest",
        0x8018_0004,
    ),
    (
        FaultSubcode::EnrollmentServer,
        "s:EnrollmentServer",
        0x8018_0005,
    ),
    (
        FaultSubcode::InternalServiceFault,
        "a:InternalServiceFault",
        0x8018_0006,
    ),
    (
        FaultSubcode::InvalidSecurity,
        "a:InvalidSecurity",
        0x8018_0007,
    ),
];

impl FaultSubcode {
    /// The wire text (a QName).
    #[must_use]
    pub fn as_str(&self) -> &str {
        if let FaultSubcode::Other(o) = self {
            return o.as_str();
        }
        SUBCODES
            .iter()
            .find(|(c, _, _)| c == self)
            .map_or("", |(_, s, _)| s)
    }

    /// The HRESULT the Windows client reports for this subcode (`MENROLL_E_DEVICE_*`).
    #[must_use]
    pub fn hresult(&self) -> Option<u32> {
        SUBCODES
            .iter()
            .find(|(c, _, _)| c == self)
            .map(|(_, _, h)| *h)
    }
}

impl From<&str> for FaultSubcode {
    fn from(s: &str) -> Self {
        let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
        let local = t.rsplit(':').next().unwrap_or(t);
        for (c, q, _) in &SUBCODES {
            let ql = q.rsplit(':').next().unwrap_or(q);
            if local.eq_ignore_ascii_case(ql) {
                return c.clone();
            }
        }
        FaultSubcode::Other(OtherText::new(t))
    }
}

/// `DeviceEnrollmentServiceError/ErrorType`: why the server refused (MS-MDE2 §2.2.10).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// The user has enrolled too many devices (0x80180013).
    DeviceCapReached,
    /// The platform or version is not supported (0x80180014).
    DeviceNotSupported,
    /// Device management is not supported for this account (0x80180015).
    NotSupported,
    /// The server refuses the renewal (0x80180016).
    NotEligibleToRenew,
    /// The account is in maintenance; retry later (0x80180017).
    InMaintenance,
    /// The user's license blocks enrollment (0x80180018).
    UserLicense,
    /// The enrollment data is invalid (0x80180019).
    InvalidEnrollmentData,
    /// A custom server error whose `Message` the client shows (errata 2023; no HRESULT known to
    /// mdmkit).
    CustomServerError,
    #[doc(hidden)]
    Other(OtherText),
}

const ERROR_TYPES: [(ErrorType, &str, Option<u32>); 8] = [
    (
        ErrorType::DeviceCapReached,
        "DeviceCapReached",
        Some(0x8018_0013),
    ),
    (
        ErrorType::DeviceNotSupported,
        "DeviceNotSupported",
        Some(0x8018_0014),
    ),
    (ErrorType::NotSupported, "NotSupported", Some(0x8018_0015)),
    (
        ErrorType::NotEligibleToRenew,
        "NotEligibleToRenew",
        Some(0x8018_0016),
    ),
    (ErrorType::InMaintenance, "InMaintenance", Some(0x8018_0017)),
    (ErrorType::UserLicense, "UserLicense", Some(0x8018_0018)),
    (
        ErrorType::InvalidEnrollmentData,
        "InvalidEnrollmentData",
        Some(0x8018_0019),
    ),
    (ErrorType::CustomServerError, "CustomServerError", None),
];

impl ErrorType {
    /// The wire text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        if let ErrorType::Other(o) = self {
            return o.as_str();
        }
        ERROR_TYPES
            .iter()
            .find(|(c, _, _)| c == self)
            .map_or("", |(_, s, _)| s)
    }

    /// The HRESULT the Windows client reports for this error type (`MENROLL_E_*`).
    #[must_use]
    pub fn hresult(&self) -> Option<u32> {
        ERROR_TYPES
            .iter()
            .find(|(c, _, _)| c == self)
            .and_then(|(_, _, h)| *h)
    }
}

impl From<&str> for ErrorType {
    fn from(s: &str) -> Self {
        let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
        ERROR_TYPES.iter().find(|(_, w, _)| *w == t).map_or_else(
            || ErrorType::Other(OtherText::new(t)),
            |(c, _, _)| c.clone(),
        )
    }
}

/// `s:Detail/DeviceEnrollmentServiceError` (enrollment namespace).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// `ErrorType`.
    pub error_type: ErrorType,
    /// `Message`: shown to the user for [`ErrorType::CustomServerError`].
    pub message: Option<String>,
    /// `TraceId`.
    pub trace_id: Option<String>,
    /// Other children, verbatim.
    pub other: Vec<RawXml>,
}

impl ServiceError {
    /// A detail of `error_type`.
    pub fn new(error_type: ErrorType) -> Self {
        ServiceError {
            error_type,
            message: None,
            trace_id: None,
            other: Vec::new(),
        }
    }
}

/// A SOAP 1.2 fault, the way MS-MDE2 servers decline a message.
///
/// ```
/// use mdmkit::windows::enroll::soap::{Envelope, ErrorType, Fault, FaultCode, FaultSubcode,
///     Header, ServiceError};
///
/// let mut fault = Fault::new(FaultCode::Receiver, FaultSubcode::Authorization,
///     "This user is not allowed to enroll");
/// fault.detail = Some(ServiceError::new(ErrorType::DeviceCapReached));
/// assert_eq!(fault.hresult(), Some(0x8018_0013));
///
/// let mut request = Header::default();
/// request.message_id = Some("urn:uuid:1".into());
/// let xml = Envelope::reply(&request, fault.clone()).to_xml()?;
/// let back = Envelope::<Fault>::from_xml(xml.as_bytes())?;
/// assert_eq!(back.body, fault);
/// # Ok::<(), mdmkit::Error>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// `s:Code/s:Value`.
    pub code: FaultCode,
    /// `s:Code/s:Subcode/s:Value` (the first level; deeper subcodes are not kept).
    pub subcode: Option<FaultSubcode>,
    /// `s:Reason/s:Text` (the first; further translations are not kept).
    pub reason: String,
    /// The `xml:lang` of the reason (`en-US`).
    pub lang: Option<String>,
    /// `s:Detail/DeviceEnrollmentServiceError`.
    pub detail: Option<ServiceError>,
    /// Other `s:Detail` children, verbatim.
    pub other_detail: Vec<RawXml>,
    /// Other children of `s:Fault` (`s:Node`, `s:Role`), verbatim.
    pub other: Vec<RawXml>,
}

impl Fault {
    /// A fault with `xml:lang="en-US"` and no detail.
    pub fn new(code: FaultCode, subcode: FaultSubcode, reason: impl Into<String>) -> Self {
        Fault {
            code,
            subcode: Some(subcode),
            reason: reason.into(),
            lang: Some("en-US".to_owned()),
            detail: None,
            other_detail: Vec::new(),
            other: Vec::new(),
        }
    }

    /// The HRESULT the Windows client reports: the detail's error type's, else the subcode's.
    #[must_use]
    pub fn hresult(&self) -> Option<u32> {
        self.detail
            .as_ref()
            .and_then(|d| d.error_type.hresult())
            .or_else(|| self.subcode.as_ref().and_then(FaultSubcode::hresult))
    }
}

impl sealed::Sealed for Fault {
    const NAME: &'static str = "Fault";
    const NS: u8 = NS_SOAP;
    const ACTION: &'static str = ns::ACTION_FAULT;

    fn decode(b: BodyReader<'_, '_>) -> Result<Self, DecodeError> {
        let r = b.r;
        let mut code = None;
        let mut subcode = None;
        let mut reason = None;
        let mut lang = None;
        let mut detail = None;
        let mut other_detail = Vec::new();
        let mut fault_other = Vec::new();
        children(r, &mut fault_other, |r, s| {
            match (s.ns, s.local) {
                (NS_SOAP, "Code") => {
                    let (c, sc) = fault_code(r)?;
                    set_once(r, &mut code, c)?;
                    subcode = sc;
                }
                (NS_SOAP, "Reason") => {
                    let mut ig = Vec::new();
                    children(r, &mut ig, |r, s| {
                        if s.ns == NS_SOAP && s.local == "Text" {
                            let l = r
                                .attributes(s)?
                                .into_iter()
                                .find(|a| a.local == "lang")
                                .map(|a| checked(r, a.value))
                                .transpose()?;
                            let t = trimmed(r)?;
                            // The first text is the one mdmkit keeps; others are translations.
                            if reason.is_none() {
                                reason = Some(t);
                                lang = l;
                            }
                            return Ok(true);
                        }
                        Ok(false)
                    })?;
                }
                (NS_SOAP, "Detail") => {
                    children(r, &mut other_detail, |r, s| {
                        if s.ns == NS_ENROLLMENT && s.local == "DeviceEnrollmentServiceError" {
                            let v = service_error(r)?;
                            set_once(r, &mut detail, v)?;
                            return Ok(true);
                        }
                        Ok(false)
                    })?;
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(Fault {
            code: required(r, code, "Code")?,
            subcode,
            reason: reason.unwrap_or_default(),
            lang,
            detail,
            other_detail,
            other: fault_other,
        })
    }

    fn encode(&self, b: BodyWriter<'_>) -> Result<(), EncodeError> {
        let w = b.w;
        w.open("s:Fault");
        w.open("s:Code");
        leaf(w, "s:Value", self.code.as_str()).map_err(at("Code"))?;
        if let Some(sc) = &self.subcode {
            w.open("s:Subcode");
            leaf(w, "s:Value", sc.as_str()).map_err(at("Code"))?;
            w.close("s:Subcode");
        }
        w.close("s:Code");
        w.open("s:Reason");
        w.open_start("s:Text");
        if let Some(l) = &self.lang {
            w.attr("xml:lang", l).map_err(at("Reason"))?;
        }
        w.close_start();
        w.text(&self.reason).map_err(at("Reason"))?;
        w.close("s:Text");
        w.close("s:Reason");
        if self.detail.is_some() || !self.other_detail.is_empty() {
            w.open("s:Detail");
            if let Some(d) = &self.detail {
                w.open_start("DeviceEnrollmentServiceError");
                w.attr("xmlns", ns::ENROLLMENT)?;
                w.close_start();
                leaf(w, "ErrorType", d.error_type.as_str()).map_err(at("Detail"))?;
                if let Some(m) = &d.message {
                    leaf(w, "Message", m).map_err(at("Detail"))?;
                }
                if let Some(t) = &d.trace_id {
                    leaf(w, "TraceId", t).map_err(at("Detail"))?;
                }
                raws(w, &d.other);
                w.close("DeviceEnrollmentServiceError");
            }
            raws(w, &self.other_detail);
            w.close("s:Detail");
        }
        raws(w, &self.other);
        w.close("s:Fault");
        Ok(())
    }
}

fn fault_code(r: &mut R<'_>) -> Res<(FaultCode, Option<FaultSubcode>)> {
    let mut value = None;
    let mut sub = None;
    let mut ignored = Vec::new();
    children(r, &mut ignored, |r, s| {
        match (s.ns, s.local) {
            (NS_SOAP, "Value") => {
                let v = trimmed(r)?;
                set_once(r, &mut value, FaultCode::from(v.as_str()))?;
            }
            (NS_SOAP, "Subcode") => {
                // Only the first level is modelled; nested subcodes are skipped.
                let mut v2 = None;
                let mut ig = Vec::new();
                children(r, &mut ig, |r, s| {
                    if s.ns == NS_SOAP && s.local == "Value" {
                        let v = trimmed(r)?;
                        set_once(r, &mut v2, FaultSubcode::from(v.as_str()))?;
                        return Ok(true);
                    }
                    Ok(false)
                })?;
                set_once(r, &mut sub, required(r, v2, "Value")?)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok((required(r, value, "Value")?, sub))
}

fn service_error(r: &mut R<'_>) -> Res<ServiceError> {
    let mut error_type = None;
    let mut message = None;
    let mut trace_id = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if s.ns != NS_ENROLLMENT {
            return Ok(false);
        }
        match s.local {
            "ErrorType" => {
                let v = trimmed(r)?;
                set_once(r, &mut error_type, ErrorType::from(v.as_str()))?;
            }
            "Message" => {
                let v = trimmed(r)?;
                set_once(r, &mut message, v)?;
            }
            "TraceId" => {
                let v = trimmed(r)?;
                set_once(r, &mut trace_id, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(ServiceError {
        error_type: required(r, error_type, "ErrorType")?,
        message,
        trace_id,
        other,
    })
}
