//! APNs pushes that wake an MDM device: the HTTP/2 request, the push certificate's topic, and
//! the typed reading of APNs' answer.
//!
//! An MDM server never sends commands through APNs. It sends a push whose payload is
//! `{"mdm":"<PushMagic>"}` to the device token the device reported in `TokenUpdate`, and the
//! device then connects to the server URL and asks for its next command. Everything here is
//! sans-IO: [`PushRequest`] gives the method, path, headers and body to send over HTTP/2 with
//! the push certificate as the TLS client identity; [`PushResponse`] reads the status, headers
//! and body that came back and says what to do next ([`Action`]). The caller supplies the
//! clock and any `apns-id`.
//!
//! ```
//! use mdmkit::apple::push::{Action, Priority, PushRequest, PushResponse};
//!
//! let token = [0xab_u8; 32]; // TokenUpdate's `Token`
//! let req = PushRequest::mdm(&token, "com.apple.mgmt.External.6a4c6f3e", "5F0A3C1E-PUSHMAGIC")?
//!     .with_priority(Priority::Immediate);
//! assert_eq!(req.method(), "POST");
//! assert_eq!(req.path(), format!("/3/device/{}", "ab".repeat(32)));
//! assert_eq!(req.body().as_ref(), br#"{"mdm":"5F0A3C1E-PUSHMAGIC"}"#);
//! assert_eq!(
//!     req.headers(),
//!     [
//!         ("apns-push-type", "mdm".to_owned()),
//!         ("apns-topic", "com.apple.mgmt.External.6a4c6f3e".to_owned()),
//!         ("apns-priority", "10".to_owned()),
//!     ]
//! );
//!
//! // APNs answered 410 with a JSON body: the token is dead.
//! let body = br#"{"reason":"Unregistered","timestamp":1767225600000}"#;
//! let resp = PushResponse::from_parts(410, [("apns-id", "e0bd1eac-0000-4000-8000-000000000001")], body)?;
//! assert_eq!(resp.action(), Action::DropToken);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Apple's references: <https://developer.apple.com/documentation/usernotifications/sending-notification-requests-to-apns>,
//! <https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns>
//! and, for the MDM payload, <https://developer.apple.com/documentation/devicemanagement/sending-mdm-commands-to-a-device>.
//!
//! MDM push certificates issued by the Apple Push Certificates Portal are production
//! certificates: MDM servers talk to [`PRODUCTION_HOST`].

use super::checkin::TokenUpdate;
use crate::{BuildError, DecodeError, DecodeErrorKind, Limit, Sensitive};
use bytes::Bytes;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The production APNs host.
pub const PRODUCTION_HOST: &str = "api.push.apple.com";

/// The development (sandbox) APNs host.
pub const SANDBOX_HOST: &str = "api.sandbox.push.apple.com";

/// The APNs port.
pub const PORT: u16 = 443;

/// The alternative APNs port, for networks that block outgoing 443.
pub const ALTERNATIVE_PORT: u16 = 2197;

/// The HTTP method of every push request.
pub const METHOD: &str = "POST";

/// The path prefix of a push request; the device token in lowercase hex follows.
pub const PATH_PREFIX: &str = "/3/device/";

/// The `apns-push-type` value of an MDM push.
pub const PUSH_TYPE_MDM: &str = "mdm";

/// The prefix of every MDM push topic (the topic itself is the push certificate's UID, for
/// example `com.apple.mgmt.External.6a4c6f3e-…`).
pub const MDM_TOPIC_PREFIX: &str = "com.apple.mgmt.";

/// The largest payload APNs accepts for a notification: 4096 bytes.
pub const MAX_PAYLOAD_BYTES: usize = 4096;

/// The largest response body [`PushResponse::from_parts`] reads: 4 KiB. APNs error bodies are a
/// few dozen bytes.
pub const MAX_RESPONSE_BODY_BYTES: usize = 4096;

/// The longest device token [`PushRequest::mdm`] accepts: 256 bytes. Apple gives device tokens
/// no fixed length (today they are 32 bytes); the bound keeps the request path small.
pub const MAX_DEVICE_TOKEN_BYTES: usize = 256;

/// The longest topic [`PushRequest::mdm`] accepts: 255 bytes.
pub const MAX_TOPIC_BYTES: usize = 255;

/// The longest `apns-id` / `apns-unique-id` response header value kept: 128 bytes (a UUID is
/// 36).
pub const MAX_RESPONSE_ID_BYTES: usize = 128;

/// How long Apple asks providers to wait before retrying after a `5xx` status: 15 minutes.
pub const RETRY_AFTER_SERVER_ERROR: Duration = Duration::from_secs(15 * 60);

/// The first delay mdmkit suggests after `429 TooManyRequests`: 60 seconds (Apple documents no
/// value; double it on each further 429 for the same token).
pub const RETRY_AFTER_TOO_MANY_REQUESTS: Duration = Duration::from_secs(60);

/// APNs header names (HTTP/2 header names are lowercase).
pub mod header {
    /// `apns-id`: the notification's UUID (request, optional; response, always).
    pub const APNS_ID: &str = "apns-id";
    /// `apns-unique-id`: a response header of the development environment only.
    pub const APNS_UNIQUE_ID: &str = "apns-unique-id";
    /// `apns-topic`: for MDM, the push certificate's topic.
    pub const APNS_TOPIC: &str = "apns-topic";
    /// `apns-push-type`: `mdm` for an MDM push.
    pub const APNS_PUSH_TYPE: &str = "apns-push-type";
    /// `apns-priority`: `10`, `5` or `1`.
    pub const APNS_PRIORITY: &str = "apns-priority";
    /// `apns-expiration`: UNIX time in seconds after which APNs stops trying; `0` for one
    /// attempt only.
    pub const APNS_EXPIRATION: &str = "apns-expiration";
}

/// The `apns-priority` of a push. APNs uses [`Priority::Immediate`] when the header is absent.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priority {
    /// `10`: send immediately.
    Immediate,
    /// `5`: send according to the device's power considerations.
    Normal,
    /// `1`: put the device's power considerations first; do not wake it.
    Low,
}

impl Priority {
    /// The header value (`10`, `5`, `1`).
    #[must_use]
    pub fn as_u8(self) -> u8 {
        match self {
            Priority::Immediate => 10,
            Priority::Normal => 5,
            Priority::Low => 1,
        }
    }
}

/// An `apns-id`: a UUID in canonical form (lowercase hex, 8-4-4-4-12), which APNs echoes in
/// its response. Made by the caller (mdmkit reads no randomness).
///
/// ```
/// use mdmkit::apple::push::ApnsId;
/// let id: ApnsId = "123E4567-E89B-12D3-A456-4266554400A0".parse()?;
/// assert_eq!(id.as_str(), "123e4567-e89b-12d3-a456-4266554400a0");
/// assert!("123e4567".parse::<ApnsId>().is_err());
/// # Ok::<(), mdmkit::BuildError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ApnsId(String);

impl ApnsId {
    /// Parses a UUID in 8-4-4-4-12 form; hex digits of either case (written lowercase).
    ///
    /// # Errors
    /// [`BuildError::Invalid`] (path `apns-id`) for anything else.
    pub fn parse(s: &str) -> Result<ApnsId, BuildError> {
        let ok = s.len() == 36
            && s.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_hexdigit(),
            });
        if ok {
            Ok(ApnsId(s.to_ascii_lowercase()))
        } else {
            Err(invalid(
                header::APNS_ID,
                "must be a UUID (8-4-4-4-12 hex digits)",
            ))
        }
    }

    /// The UUID with these 16 bytes (for example from the caller's random source).
    #[must_use]
    pub fn from_bytes(bytes: [u8; 16]) -> ApnsId {
        let mut s = String::with_capacity(36);
        for (i, b) in bytes.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                s.push('-');
            }
            push_hex(&mut s, *b);
        }
        ApnsId(s)
    }

    /// The canonical text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for ApnsId {
    type Err = BuildError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApnsId::parse(s)
    }
}

impl fmt::Display for ApnsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ApnsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

fn push_hex(s: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for nibble in [b >> 4, b & 0x0f] {
        s.push(char::from(
            HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
        ));
    }
}

fn invalid(path: &str, reason: &'static str) -> BuildError {
    BuildError::Invalid {
        path: path.to_owned(),
        reason,
    }
}

/// An MDM push: the HTTP/2 request to APNs that wakes one device.
///
/// The device token, the path (which holds it) and the body (which holds `PushMagic`) are
/// secrets: `Debug` redacts them.
#[derive(Clone, PartialEq, Eq)]
pub struct PushRequest {
    path: Sensitive<String>,
    topic: String,
    body: Sensitive<Bytes>,
    priority: Option<Priority>,
    expiration: Option<u64>,
    apns_id: Option<ApnsId>,
}

impl fmt::Debug for PushRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushRequest")
            .field("path", &self.path)
            .field("topic", &self.topic)
            .field("body", &self.body)
            .field("priority", &self.priority)
            .field("expiration", &self.expiration)
            .field("apns_id", &self.apns_id)
            .finish()
    }
}

#[derive(serde::Serialize)]
struct MdmPayload<'a> {
    mdm: &'a str,
}

impl PushRequest {
    /// An MDM push to `device_token` (the raw bytes of `TokenUpdate`'s `Token`) on `topic`
    /// (the push certificate's topic, also `TokenUpdate`'s `Topic`), carrying the device's
    /// `PushMagic`. No priority, expiration or `apns-id` is set: APNs then uses priority 10,
    /// stores the push as it sees fit, and makes up an `apns-id`.
    ///
    /// # Errors
    /// [`BuildError::Invalid`] with path `device token` (empty or over
    /// [`MAX_DEVICE_TOKEN_BYTES`]), `apns-topic` (not starting with [`MDM_TOPIC_PREFIX`], over
    /// [`MAX_TOPIC_BYTES`], or holding a character other than visible ASCII) or `PushMagic`
    /// (empty, or a payload over [`MAX_PAYLOAD_BYTES`]).
    pub fn mdm(
        device_token: &[u8],
        topic: &str,
        push_magic: &str,
    ) -> Result<PushRequest, BuildError> {
        if device_token.is_empty() || device_token.len() > MAX_DEVICE_TOKEN_BYTES {
            return Err(invalid("device token", "must be 1 to 256 bytes"));
        }
        if !topic.starts_with(MDM_TOPIC_PREFIX) || topic.len() <= MDM_TOPIC_PREFIX.len() {
            return Err(invalid(
                header::APNS_TOPIC,
                "must be the push certificate's topic (com.apple.mgmt.…)",
            ));
        }
        if topic.len() > MAX_TOPIC_BYTES || !topic.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                header::APNS_TOPIC,
                "must be at most 255 visible ASCII characters",
            ));
        }
        if push_magic.is_empty() {
            return Err(invalid("PushMagic", "must not be empty"));
        }
        let body = serde_json::to_vec(&MdmPayload { mdm: push_magic })
            .map_err(|_| invalid("PushMagic", "cannot be written as JSON"))?;
        if body.len() > MAX_PAYLOAD_BYTES {
            return Err(invalid("PushMagic", "payload over 4096 bytes"));
        }
        let mut path = String::with_capacity(PATH_PREFIX.len() + 2 * device_token.len());
        path.push_str(PATH_PREFIX);
        for b in device_token {
            push_hex(&mut path, *b);
        }
        Ok(PushRequest {
            path: Sensitive::new(path),
            topic: topic.to_owned(),
            body: Sensitive::new(Bytes::from(body)),
            priority: None,
            expiration: None,
            apns_id: None,
        })
    }

    /// The MDM push for the device (or user channel) that sent `update`: its `Token`, `Topic`
    /// and `PushMagic`.
    ///
    /// ```
    /// use mdmkit::apple::{Inbound, checkin::CheckinMessage, push::PushRequest};
    /// let body = br#"<plist><dict>
    ///   <key>MessageType</key><string>TokenUpdate</string>
    ///   <key>Topic</key><string>com.apple.mgmt.External.6a4c6f3e</string>
    ///   <key>UDID</key><string>0000FE00-5A4B3C2D1E0F</string>
    ///   <key>Token</key><data>q83vAQ==</data>
    ///   <key>PushMagic</key><string>7C2B1A09-PUSHMAGIC</string>
    /// </dict></plist>"#;
    /// let Inbound::Checkin(msg) = Inbound::from_xml(body)? else { unreachable!() };
    /// let CheckinMessage::TokenUpdate(update) = *msg else { unreachable!() };
    /// let req = PushRequest::for_token_update(&update)?;
    /// assert_eq!(req.path(), "/3/device/abcdef01");
    /// assert_eq!(req.body().as_ref(), br#"{"mdm":"7C2B1A09-PUSHMAGIC"}"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`mdm`](Self::mdm).
    pub fn for_token_update(update: &TokenUpdate) -> Result<PushRequest, BuildError> {
        PushRequest::mdm(
            update.token.expose(),
            &update.topic,
            update.push_magic.expose(),
        )
    }

    /// Sets `apns-priority`.
    #[must_use]
    pub fn with_priority(mut self, priority: Priority) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Sets `apns-expiration` to `at` (whole seconds since the UNIX epoch): APNs stores the
    /// push and retries until then if the device is offline. A time at or before the epoch
    /// is written as `0` (see [`with_single_attempt`](Self::with_single_attempt)).
    #[must_use]
    pub fn with_expiration(mut self, at: SystemTime) -> Self {
        self.expiration = Some(at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));
        self
    }

    /// Sets `apns-expiration: 0`: APNs tries once and does not store the push.
    #[must_use]
    pub fn with_single_attempt(mut self) -> Self {
        self.expiration = Some(0);
        self
    }

    /// Sets `apns-id`.
    #[must_use]
    pub fn with_apns_id(mut self, id: ApnsId) -> Self {
        self.apns_id = Some(id);
        self
    }

    /// The method: always `POST`.
    #[must_use]
    pub fn method(&self) -> &'static str {
        METHOD
    }

    /// The path: `/3/device/` and the device token in lowercase hex. It holds the token: do not
    /// log it.
    #[must_use]
    pub fn path(&self) -> &str {
        self.path.expose()
    }

    /// The device token in lowercase hex.
    #[must_use]
    pub fn device_token_hex(&self) -> &str {
        self.path
            .expose()
            .get(PATH_PREFIX.len()..)
            .unwrap_or_default()
    }

    /// The `apns-topic`.
    #[must_use]
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The `apns-priority`, if set.
    #[must_use]
    pub fn priority(&self) -> Option<Priority> {
        self.priority
    }

    /// The `apns-expiration` in seconds since the UNIX epoch, if set (`0`: one attempt).
    #[must_use]
    pub fn expiration(&self) -> Option<u64> {
        self.expiration
    }

    /// The `apns-id`, if set.
    #[must_use]
    pub fn apns_id(&self) -> Option<&ApnsId> {
        self.apns_id.as_ref()
    }

    /// The request headers, in this order: `apns-push-type`, `apns-topic`, then
    /// `apns-priority`, `apns-expiration` and `apns-id` when set. HTTP/2 pseudo-headers and
    /// `content-length` are the HTTP layer's.
    #[must_use]
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::with_capacity(5);
        out.push((header::APNS_PUSH_TYPE, PUSH_TYPE_MDM.to_owned()));
        out.push((header::APNS_TOPIC, self.topic.clone()));
        if let Some(p) = self.priority {
            out.push((header::APNS_PRIORITY, p.as_u8().to_string()));
        }
        if let Some(e) = self.expiration {
            out.push((header::APNS_EXPIRATION, e.to_string()));
        }
        if let Some(id) = &self.apns_id {
            out.push((header::APNS_ID, id.as_str().to_owned()));
        }
        out
    }

    /// The body: `{"mdm":"<PushMagic>"}`. It holds `PushMagic`: do not log it.
    #[must_use]
    pub fn body(&self) -> &Bytes {
        self.body.expose()
    }

    /// The request as an [`http::Request`] for `https://<authority><path>` (for example
    /// `api.push.apple.com` or `api.push.apple.com:2197`).
    ///
    /// ```
    /// use mdmkit::apple::push::{PRODUCTION_HOST, PushRequest};
    /// let req = PushRequest::mdm(&[1, 2], "com.apple.mgmt.External.x", "magic")?;
    /// let http = req.to_http(PRODUCTION_HOST)?;
    /// assert_eq!(http.uri(), "https://api.push.apple.com/3/device/0102");
    /// assert_eq!(http.headers()["apns-push-type"], "mdm");
    /// # Ok::<(), mdmkit::BuildError>(())
    /// ```
    ///
    /// # Errors
    /// [`BuildError::Invalid`] (path `authority`) when `authority` is not a URI authority.
    #[cfg(feature = "http")]
    pub fn to_http(&self, authority: &str) -> Result<http::Request<Bytes>, BuildError> {
        let bad_authority = || invalid("authority", "not a valid URI authority");
        let parsed: http::uri::Authority = authority.parse().map_err(|_| bad_authority())?;
        // `Authority` accepts any digits as a port; refuse one that does not fit 16 bits.
        let after_host = match authority.strip_prefix('[') {
            Some(rest) => rest.split_once(']').map_or("", |(_, r)| r),
            None => authority,
        };
        if after_host.contains(':') && parsed.port_u16().is_none() {
            return Err(bad_authority());
        }
        let uri = http::Uri::builder()
            .scheme(http::uri::Scheme::HTTPS)
            .authority(parsed)
            .path_and_query(self.path())
            .build()
            .map_err(|_| bad_authority())?;
        let mut req = http::Request::new(self.body().clone());
        *req.method_mut() = http::Method::POST;
        *req.uri_mut() = uri;
        *req.version_mut() = http::Version::HTTP_2;
        for (name, value) in self.headers() {
            let value = http::HeaderValue::try_from(value)
                .map_err(|_| invalid(name, "not a valid header value"))?;
            req.headers_mut()
                .append(http::HeaderName::from_static(name), value);
        }
        Ok(req)
    }
}

/// The `reason` of an APNs error response.
///
/// An open set: reasons mdmkit does not know are kept as text (read them with
/// [`as_str`](Self::as_str)); a future mdmkit may give them a named variant, so do not rely on
/// the catch-all. The status each reason comes with is in parentheses.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reason {
    /// (400) The collapse identifier exceeds the maximum allowed size.
    BadCollapseId,
    /// (400) The device token is invalid, or belongs to the other environment.
    BadDeviceToken,
    /// (400) The `apns-expiration` value is invalid.
    BadExpirationDate,
    /// (400) The `apns-id` value is invalid.
    BadMessageId,
    /// (400) The `apns-priority` value is invalid.
    BadPriority,
    /// (400) The `apns-topic` value is invalid.
    BadTopic,
    /// (400) The device token does not match the topic.
    DeviceTokenNotForTopic,
    /// (400) A header was repeated.
    DuplicateHeaders,
    /// (400) The connection was idle too long.
    IdleTimeout,
    /// (400) The `apns-push-type` value is invalid.
    InvalidPushType,
    /// (400) The path has no device token.
    MissingDeviceToken,
    /// (400) The `apns-topic` header is missing and required.
    MissingTopic,
    /// (400) The payload is empty.
    PayloadEmpty,
    /// (400) Pushing to this topic is not allowed.
    TopicDisallowed,
    /// (403) The certificate is invalid.
    BadCertificate,
    /// (403) The client certificate is for the other environment.
    BadCertificateEnvironment,
    /// (403) The provider token is stale.
    ExpiredProviderToken,
    /// (403) The action is not allowed.
    Forbidden,
    /// (403) The provider token is invalid.
    InvalidProviderToken,
    /// (403) No certificate and no provider token.
    MissingProviderToken,
    /// (403) The provider token's key ID is not related to the team.
    UnrelatedKeyIdInToken,
    /// (403) The provider token's environment key is invalid.
    BadEnvironmentKeyInToken,
    /// (404) The `:path` is invalid.
    BadPath,
    /// (405) The `:method` is not `POST`.
    MethodNotAllowed,
    /// (410) The device token has expired.
    ExpiredToken,
    /// (410) The device token is no longer active for the topic.
    Unregistered,
    /// (413) The payload is too large.
    PayloadTooLarge,
    /// (429) The provider token was updated too often.
    TooManyProviderTokenUpdates,
    /// (429) Too many requests for the same device token.
    TooManyRequests,
    /// (500) Internal server error.
    InternalServerError,
    /// (503) The service is unavailable.
    ServiceUnavailable,
    /// (503) The server is shutting down.
    Shutdown,
    #[doc(hidden)]
    Other(super::OtherValue),
}

/// Every named [`Reason`] with its wire text, in Apple's table order.
const REASONS: &[(Reason, &str)] = &[
    (Reason::BadCollapseId, "BadCollapseId"),
    (Reason::BadDeviceToken, "BadDeviceToken"),
    (Reason::BadExpirationDate, "BadExpirationDate"),
    (Reason::BadMessageId, "BadMessageId"),
    (Reason::BadPriority, "BadPriority"),
    (Reason::BadTopic, "BadTopic"),
    (Reason::DeviceTokenNotForTopic, "DeviceTokenNotForTopic"),
    (Reason::DuplicateHeaders, "DuplicateHeaders"),
    (Reason::IdleTimeout, "IdleTimeout"),
    (Reason::InvalidPushType, "InvalidPushType"),
    (Reason::MissingDeviceToken, "MissingDeviceToken"),
    (Reason::MissingTopic, "MissingTopic"),
    (Reason::PayloadEmpty, "PayloadEmpty"),
    (Reason::TopicDisallowed, "TopicDisallowed"),
    (Reason::BadCertificate, "BadCertificate"),
    (
        Reason::BadCertificateEnvironment,
        "BadCertificateEnvironment",
    ),
    (Reason::ExpiredProviderToken, "ExpiredProviderToken"),
    (Reason::Forbidden, "Forbidden"),
    (Reason::InvalidProviderToken, "InvalidProviderToken"),
    (Reason::MissingProviderToken, "MissingProviderToken"),
    (Reason::UnrelatedKeyIdInToken, "UnrelatedKeyIdInToken"),
    (Reason::BadEnvironmentKeyInToken, "BadEnvironmentKeyInToken"),
    (Reason::BadPath, "BadPath"),
    (Reason::MethodNotAllowed, "MethodNotAllowed"),
    (Reason::ExpiredToken, "ExpiredToken"),
    (Reason::Unregistered, "Unregistered"),
    (Reason::PayloadTooLarge, "PayloadTooLarge"),
    (
        Reason::TooManyProviderTokenUpdates,
        "TooManyProviderTokenUpdates",
    ),
    (Reason::TooManyRequests, "TooManyRequests"),
    (Reason::InternalServerError, "InternalServerError"),
    (Reason::ServiceUnavailable, "ServiceUnavailable"),
    (Reason::Shutdown, "Shutdown"),
];

impl Reason {
    /// Every reason Apple documents, as wire text, in Apple's table order.
    pub const ALL: [&'static str; 32] = [
        "BadCollapseId",
        "BadDeviceToken",
        "BadExpirationDate",
        "BadMessageId",
        "BadPriority",
        "BadTopic",
        "DeviceTokenNotForTopic",
        "DuplicateHeaders",
        "IdleTimeout",
        "InvalidPushType",
        "MissingDeviceToken",
        "MissingTopic",
        "PayloadEmpty",
        "TopicDisallowed",
        "BadCertificate",
        "BadCertificateEnvironment",
        "ExpiredProviderToken",
        "Forbidden",
        "InvalidProviderToken",
        "MissingProviderToken",
        "UnrelatedKeyIdInToken",
        "BadEnvironmentKeyInToken",
        "BadPath",
        "MethodNotAllowed",
        "ExpiredToken",
        "Unregistered",
        "PayloadTooLarge",
        "TooManyProviderTokenUpdates",
        "TooManyRequests",
        "InternalServerError",
        "ServiceUnavailable",
        "Shutdown",
    ];

    /// The wire text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        if let Reason::Other(s) = self {
            return s.as_str();
        }
        REASONS
            .iter()
            .find(|(r, _)| r == self)
            .map_or("", |(_, s)| s)
    }

    /// Whether the device token should no longer be used: `BadDeviceToken`,
    /// `DeviceTokenNotForTopic`, `ExpiredToken`, `Unregistered`.
    #[must_use]
    pub fn token_is_dead(&self) -> bool {
        matches!(
            self,
            Reason::BadDeviceToken
                | Reason::DeviceTokenNotForTopic
                | Reason::ExpiredToken
                | Reason::Unregistered
        )
    }
}

impl From<&str> for Reason {
    fn from(s: &str) -> Self {
        REASONS.iter().find(|(_, text)| *text == s).map_or_else(
            || Reason::Other(super::OtherValue::new(s)),
            |(r, _)| r.clone(),
        )
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What a server should do after an APNs response.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Delivered to APNs: nothing to do.
    Done,
    /// A transient failure: send the same push again after `after`, on a new connection if
    /// `reconnect`.
    #[non_exhaustive]
    Retry {
        /// The delay before the retry: [`RETRY_AFTER_SERVER_ERROR`] for `5xx` (Apple's
        /// guidance), [`RETRY_AFTER_TOO_MANY_REQUESTS`] for `429`, zero for `IdleTimeout`.
        after: Duration,
        /// Whether the connection is finished (`IdleTimeout`, `503`): open a new one.
        reconnect: bool,
    },
    /// The device token is dead (`410`, `BadDeviceToken`, `DeviceTokenNotForTopic`): stop
    /// pushing to it until the device sends a new `TokenUpdate`. For a `410`, compare the
    /// response's `timestamp` with the time of the last `TokenUpdate`: a token update after
    /// the timestamp revives the token.
    DropToken,
    /// The request is wrong (other `4xx`): do not retry it unchanged.
    FixRequest,
    /// The push certificate (or provider token) is refused (`403`): fix it before sending more.
    FixCredentials,
}

/// A push that APNs accepted (status 200).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The `apns-id` header: the request's, or the one APNs made up.
    pub apns_id: Option<String>,
    /// The `apns-unique-id` header (development environment only).
    pub apns_unique_id: Option<String>,
}

/// A push that APNs refused (any status but 200).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The HTTP status.
    pub status: u16,
    /// The body's `reason`, if any.
    pub reason: Option<Reason>,
    /// The body's `timestamp` (sent with 410: when APNs learnt the token is no longer valid).
    pub timestamp: Option<SystemTime>,
    /// The `apns-id` header.
    pub apns_id: Option<String>,
    /// The `apns-unique-id` header (development environment only).
    pub apns_unique_id: Option<String>,
    /// The body as received (keys mdmkit does not read are kept here).
    pub body: Bytes,
}

impl Rejected {
    /// What to do next; see [`Action`].
    #[must_use]
    pub fn action(&self) -> Action {
        let reason = self.reason.as_ref();
        if self.status == 410 || reason.is_some_and(Reason::token_is_dead) {
            return Action::DropToken;
        }
        if reason == Some(&Reason::IdleTimeout) {
            return Action::Retry {
                after: Duration::ZERO,
                reconnect: true,
            };
        }
        match self.status {
            429 => Action::Retry {
                after: RETRY_AFTER_TOO_MANY_REQUESTS,
                reconnect: false,
            },
            403 => Action::FixCredentials,
            500..=599 => Action::Retry {
                after: RETRY_AFTER_SERVER_ERROR,
                reconnect: self.status == 503 || reason == Some(&Reason::Shutdown),
            },
            _ => Action::FixRequest,
        }
    }
}

/// APNs' answer to one push, decoded.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushResponse {
    /// Status 200.
    Delivered(Delivered),
    /// Any other status.
    Rejected(Rejected),
}

impl PushResponse {
    /// Decodes a response from its status, headers (name, value; names compared without case,
    /// headers other than `apns-id` and `apns-unique-id` are ignored) and body.
    ///
    /// A 200 response's body is not read (APNs sends none). Another status's body may be empty
    /// or a JSON object; `reason` must be a string and `timestamp` a non-negative integer
    /// (milliseconds since the UNIX epoch); other keys are kept in [`Rejected::body`].
    ///
    /// # Errors
    /// A [`DecodeError`]: [`DecodeErrorKind::LimitExceeded`]`(`[`Limit::InputBytes`]`)` for a
    /// body over [`MAX_RESPONSE_BODY_BYTES`]; `Syntax` / `UnexpectedEof` for bad JSON;
    /// `WrongType` for a body that is not an object or a key of the wrong type (path `reason`
    /// or `timestamp`); `DuplicateKey` for a repeated `reason` / `timestamp` key or a repeated
    /// header; `IntegerOutOfRange` for a timestamp that does not fit; `InvalidValue` for an
    /// `apns-id` / `apns-unique-id` header that is not UTF-8 or longer than
    /// [`MAX_RESPONSE_ID_BYTES`].
    pub fn from_parts<I, K, V>(status: u16, headers: I, body: &[u8]) -> Result<Self, DecodeError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<[u8]>,
    {
        if body.len() > MAX_RESPONSE_BODY_BYTES {
            return Err(DecodeError::new(DecodeErrorKind::LimitExceeded(
                Limit::InputBytes,
            )));
        }
        let mut apns_id = None;
        let mut apns_unique_id = None;
        for (name, value) in headers {
            let name = name.as_ref();
            let (slot, which) = if name.eq_ignore_ascii_case(header::APNS_ID) {
                (&mut apns_id, header::APNS_ID)
            } else if name.eq_ignore_ascii_case(header::APNS_UNIQUE_ID) {
                (&mut apns_unique_id, header::APNS_UNIQUE_ID)
            } else {
                continue;
            };
            if slot.is_some() {
                return Err(DecodeError::new(DecodeErrorKind::DuplicateKey).in_key(which));
            }
            let value = value.as_ref();
            let text = std::str::from_utf8(value)
                .ok()
                .filter(|s| s.len() <= MAX_RESPONSE_ID_BYTES)
                .ok_or_else(|| {
                    DecodeError::new(DecodeErrorKind::InvalidValue("header value")).in_key(which)
                })?;
            *slot = Some(text.to_owned());
        }
        if status == 200 {
            return Ok(PushResponse::Delivered(Delivered {
                apns_id,
                apns_unique_id,
            }));
        }
        let (reason, timestamp) = decode_error_body(body)?;
        Ok(PushResponse::Rejected(Rejected {
            status,
            reason,
            timestamp,
            apns_id,
            apns_unique_id,
            body: Bytes::copy_from_slice(body),
        }))
    }

    /// Decodes an [`http::Response`]: see [`from_parts`](Self::from_parts).
    ///
    /// # Errors
    /// As [`from_parts`](Self::from_parts).
    #[cfg(feature = "http")]
    pub fn from_http<B: AsRef<[u8]>>(response: &http::Response<B>) -> Result<Self, DecodeError> {
        PushResponse::from_parts(
            response.status().as_u16(),
            response
                .headers()
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_bytes())),
            response.body().as_ref(),
        )
    }

    /// What to do next: [`Action::Done`] when delivered, else [`Rejected::action`].
    #[must_use]
    pub fn action(&self) -> Action {
        match self {
            PushResponse::Delivered(_) => Action::Done,
            PushResponse::Rejected(r) => r.action(),
        }
    }

    /// Whether APNs accepted the push.
    #[must_use]
    pub fn is_delivered(&self) -> bool {
        matches!(self, PushResponse::Delivered(_))
    }

    /// The `apns-id` header, if present.
    #[must_use]
    pub fn apns_id(&self) -> Option<&str> {
        match self {
            PushResponse::Delivered(d) => d.apns_id.as_deref(),
            PushResponse::Rejected(r) => r.apns_id.as_deref(),
        }
    }

    /// The HTTP status (200 when delivered).
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            PushResponse::Delivered(_) => 200,
            PushResponse::Rejected(r) => r.status,
        }
    }
}

/// The entries of a JSON object, in order, duplicates included.
struct Entries(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
                    out.push(entry);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

fn decode_error_body(body: &[u8]) -> Result<(Option<Reason>, Option<SystemTime>), DecodeError> {
    let Some(first) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Ok((None, None));
    };
    let found = match body.get(first) {
        Some(b'{') => None,
        Some(b'[') => Some("array"),
        Some(b'"') => Some("string"),
        Some(b't' | b'f') => Some("boolean"),
        Some(b'n') => Some("null"),
        Some(b'-' | b'0'..=b'9') => Some("number"),
        _ => return Err(DecodeError::at(DecodeErrorKind::Syntax, Some(first as u64))),
    };
    if let Some(found) = found {
        return Err(DecodeError::new(DecodeErrorKind::WrongType {
            expected: "object",
            found,
        }));
    }
    let entries: Entries = serde_json::from_slice(body).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Eof => DecodeErrorKind::UnexpectedEof,
            serde_json::error::Category::Syntax => DecodeErrorKind::Syntax,
            _ => DecodeErrorKind::InvalidValue("json"),
        };
        DecodeError::new(kind).with_source(e)
    })?;
    let mut reason = None;
    let mut timestamp = None;
    for (key, value) in &entries.0 {
        match key.as_str() {
            "reason" => {
                if reason.is_some() {
                    return Err(DecodeError::new(DecodeErrorKind::DuplicateKey).in_key("reason"));
                }
                let serde_json::Value::String(s) = value else {
                    return Err(DecodeError::new(DecodeErrorKind::WrongType {
                        expected: "string",
                        found: json_type(value),
                    })
                    .in_key("reason"));
                };
                reason = Some(Reason::from(s.as_str()));
            }
            "timestamp" => {
                if timestamp.is_some() {
                    return Err(DecodeError::new(DecodeErrorKind::DuplicateKey).in_key("timestamp"));
                }
                let serde_json::Value::Number(n) = value else {
                    return Err(DecodeError::new(DecodeErrorKind::WrongType {
                        expected: "integer",
                        found: json_type(value),
                    })
                    .in_key("timestamp"));
                };
                let ms = if let Some(ms) = n.as_u64() {
                    ms
                } else if n.is_i64() {
                    return Err(
                        DecodeError::new(DecodeErrorKind::IntegerOutOfRange).in_key("timestamp")
                    );
                } else {
                    return Err(DecodeError::new(DecodeErrorKind::WrongType {
                        expected: "integer",
                        found: "number",
                    })
                    .in_key("timestamp"));
                };
                let at = UNIX_EPOCH
                    .checked_add(Duration::from_millis(ms))
                    .ok_or_else(|| {
                        DecodeError::new(DecodeErrorKind::IntegerOutOfRange).in_key("timestamp")
                    })?;
                timestamp = Some(at);
            }
            _ => {}
        }
    }
    Ok((reason, timestamp))
}

#[cfg(feature = "cms")]
pub use certificate::{PushCertificate, PushCertificateError, mdm_topic};

#[cfg(feature = "cms")]
mod certificate {
    use super::MDM_TOPIC_PREFIX;
    use crate::cms::Certificate;
    use std::time::SystemTime;
    use x509_cert::der::Tagged as _;
    use x509_cert::der::asn1::ObjectIdentifier;

    /// `userId` (UID), RFC 4519: 0.9.2342.19200300.100.1.1.
    const UID: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.9.2342.19200300.100.1.1");

    /// Why a certificate is not a usable MDM push certificate. `Display` texts never echo
    /// certificate values.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    pub enum PushCertificateError {
        /// The subject has no UID attribute.
        #[error("the certificate subject has no UID (the push topic)")]
        NoUid,
        /// The subject has more than one UID attribute.
        #[error("the certificate subject has more than one UID")]
        MultipleUids,
        /// The UID is not a UTF-8, printable or IA5 string, or not valid text.
        #[error("the certificate subject's UID is not a string")]
        InvalidUid,
        /// The UID is not an MDM topic (`com.apple.mgmt.…`, visible ASCII).
        #[error("the certificate's topic is not an MDM push topic (com.apple.mgmt.…)")]
        NotMdmTopic,
        /// `now` is before the start of the validity period.
        #[error("the push certificate is not valid yet")]
        NotYetValid {
            /// The start of the validity period.
            not_before: SystemTime,
        },
        /// `now` is after the end of the validity period.
        #[error("the push certificate has expired")]
        Expired {
            /// The end of the validity period.
            not_after: SystemTime,
        },
    }

    /// The push topic of an MDM push certificate: its subject's UID, which must start with
    /// [`MDM_TOPIC_PREFIX`]. The validity period is not checked (see [`PushCertificate::new`]).
    ///
    /// # Errors
    /// [`PushCertificateError::NoUid`], [`MultipleUids`](PushCertificateError::MultipleUids),
    /// [`InvalidUid`](PushCertificateError::InvalidUid) or
    /// [`NotMdmTopic`](PushCertificateError::NotMdmTopic).
    pub fn mdm_topic(certificate: &Certificate) -> Result<String, PushCertificateError> {
        use x509_cert::der::Tag;
        let mut found = None;
        for rdn in &certificate.parsed().tbs_certificate.subject.0 {
            for atv in rdn.0.iter() {
                if atv.oid != UID {
                    continue;
                }
                if found.is_some() {
                    return Err(PushCertificateError::MultipleUids);
                }
                if !matches!(
                    atv.value.tag(),
                    Tag::Utf8String | Tag::PrintableString | Tag::Ia5String
                ) {
                    return Err(PushCertificateError::InvalidUid);
                }
                let text = std::str::from_utf8(atv.value.value())
                    .map_err(|_| PushCertificateError::InvalidUid)?;
                found = Some(text.to_owned());
            }
        }
        let topic = found.ok_or(PushCertificateError::NoUid)?;
        if !topic.starts_with(MDM_TOPIC_PREFIX)
            || topic.len() <= MDM_TOPIC_PREFIX.len()
            || topic.len() > super::MAX_TOPIC_BYTES
            || !topic.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(PushCertificateError::NotMdmTopic);
        }
        Ok(topic)
    }

    /// An MDM push certificate checked at a given time, with its topic.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let (pem, _) = mdmkit::cms::doc_support::identity()?;
    /// use mdmkit::apple::push::{PushCertificate, PushCertificateError};
    /// use mdmkit::cms::Certificate;
    ///
    /// let cert = Certificate::from_pem(pem.as_bytes())?;
    /// let now = cert.not_before();
    /// // This certificate's subject is only a CN: it is no push certificate.
    /// let err = PushCertificate::new(cert, now).unwrap_err();
    /// assert_eq!(err, PushCertificateError::NoUid);
    /// # Ok(()) }
    /// ```
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PushCertificate {
        certificate: Certificate,
        topic: String,
    }

    impl PushCertificate {
        /// Reads the topic ([`mdm_topic`]) and checks that `now` is inside the validity period.
        ///
        /// # Errors
        /// The errors of [`mdm_topic`];
        /// [`NotYetValid`](PushCertificateError::NotYetValid) or
        /// [`Expired`](PushCertificateError::Expired) for `now` outside the validity period.
        pub fn new(
            certificate: Certificate,
            now: SystemTime,
        ) -> Result<PushCertificate, PushCertificateError> {
            let topic = mdm_topic(&certificate)?;
            let not_before = certificate.not_before();
            if now < not_before {
                return Err(PushCertificateError::NotYetValid { not_before });
            }
            let not_after = certificate.not_after();
            if now > not_after {
                return Err(PushCertificateError::Expired { not_after });
            }
            Ok(PushCertificate { certificate, topic })
        }

        /// The push topic (`com.apple.mgmt.External.…`): the `apns-topic` of every push.
        #[must_use]
        pub fn topic(&self) -> &str {
            &self.topic
        }

        /// The certificate.
        #[must_use]
        pub fn certificate(&self) -> &Certificate {
            &self.certificate
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn reason_table_matches_all() {
        assert_eq!(REASONS.len(), Reason::ALL.len());
        for ((r, text), all) in REASONS.iter().zip(Reason::ALL) {
            assert_eq!(*text, all);
            assert_eq!(r.as_str(), all);
            assert_eq!(&Reason::from(all), r);
        }
    }

    #[test]
    fn hex_path() {
        let req = PushRequest::mdm(&[0x00, 0x0f, 0xf0, 0xff], "com.apple.mgmt.X", "m").unwrap();
        assert_eq!(req.path(), "/3/device/000ff0ff");
        assert_eq!(req.device_token_hex(), "000ff0ff");
    }
}
