//! Configuration profiles: the top-level [`Profile`] and every payload type in Apple's schema.
//!
//! * One generated struct per `PayloadType` ([`WifiManaged`], [`SecurityScep`], [`Mdm`],
//!   [`ApplicationaccessNew`], …): the common payload keys (`PayloadIdentifier`,
//!   `PayloadUUID`, `PayloadVersion`, …) plus the type's own keys, typed, with `new(required…)`
//!   and unknown keys kept in order. [`PayloadKind`] links each to its schema facts.
//! * [`Payload`]: dispatch on `PayloadType` over all of them, with [`Payload::Unknown`] keeping a
//!   payload type mdmkit does not know; [`ALL_PAYLOAD_TYPES`] lists them with their facts.
//! * [`Profile`]: the `Configuration` envelope, decoded from XML or binary plists, and built with
//!   [`ProfileBuilder`], whose [`build`](ProfileBuilder::build) checks the rules a device enforces
//!   ([`BuildError`]).
//!
//! ```
//! use mdmkit::apple::profile::{Profile, PayloadScope, WebClipManaged};
//!
//! let clip = WebClipManaged::new(
//!     "com.example.office.webclip",
//!     "9C6D0F4E-7B61-4B8B-8B9B-2F1D3C1A0001",
//!     "https://intranet.example.com",
//!     "Intranet",
//! );
//! let profile = Profile::builder("com.example.office", "9C6D0F4E-7B61-4B8B-8B9B-2F1D3C1A0000")
//!     .display_name("Office")
//!     .scope(PayloadScope::User) // macOS installs web clips per user only
//!     .payload(clip)
//!     .build()?;
//! let xml = profile.to_xml()?;
//! assert_eq!(Profile::from_slice(&xml)?, profile);
//! # Ok::<(), mdmkit::Error>(())
//! ```
//!
//! Apple's reference: <https://developer.apple.com/documentation/devicemanagement/toplevel>.

pub use super::generated::profiles::*;

use super::availability::{Availability, KeyInfo, Platform};
use super::plist::{
    self, Date, Decoder, Dictionary, FromPlist, Map, ToPlist, Token, UnknownKeys, Value, Writer,
};
use crate::{BuildError, DecodeError, EncodeError, Limits};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The `PayloadType` of a profile's top level.
pub const CONFIGURATION: &str = "Configuration";

/// What every generated payload type provides. Implemented by generated code only.
pub trait PayloadKind: FromPlist + ToPlist + Into<Payload> {
    /// The wire `PayloadType`.
    const PAYLOAD_TYPE: &'static str;
    /// `supportedOS` of the payload type.
    const AVAILABILITY: Availability;
    /// Facts about every key (common payload keys first), in schema order.
    const KEYS: &'static [KeyInfo];
    /// `PayloadIdentifier`.
    fn identifier(&self) -> &str;
    /// `PayloadUUID`.
    fn uuid(&self) -> &str;
}

/// Schema facts about one payload type (an entry of [`ALL_PAYLOAD_TYPES`]).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadTypeInfo {
    /// The wire `PayloadType`.
    pub payload_type: &'static str,
    /// `supportedOS` of the payload type.
    pub availability: Availability,
    /// The payload's keys, common payload keys first.
    pub keys: &'static [KeyInfo],
}

impl PayloadTypeInfo {
    /// Used by generated code.
    #[must_use]
    pub const fn new(
        payload_type: &'static str,
        availability: Availability,
        keys: &'static [KeyInfo],
    ) -> Self {
        PayloadTypeInfo {
            payload_type,
            availability,
            keys,
        }
    }

    /// The entry for `payload_type`.
    #[must_use]
    pub fn find(payload_type: &str) -> Option<&'static PayloadTypeInfo> {
        ALL_PAYLOAD_TYPES
            .iter()
            .find(|i| i.payload_type == payload_type)
    }
}

/// A configuration profile (`PayloadType` = `Configuration`).
///
/// Keys follow Apple's `TopLevel` schema ([`PROFILE_KEYS`]); keys it does not define are kept
/// in [`unknown_keys`](Self::unknown_keys) and written back. Build one with
/// [`Profile::builder`]; decode one with [`Profile::from_slice`] (XML or binary) or, for a signed
/// profile, `Profile::from_signed` (feature `cms`); sign one with `Profile::sign`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// `PayloadIdentifier`: `<string>`, required. Reverse-DNS; a device replaces an installed
    /// profile with the same identifier.
    pub payload_identifier: String,
    /// `PayloadUUID`: `<string>`, required.
    pub payload_uuid: String,
    /// `PayloadVersion`: `<integer>`, required. Allowed values: `1`.
    pub payload_version: i64,
    /// `PayloadContent`: `<array>` of payloads. Required unless the content is encrypted
    /// ([`encrypted_payload_content`](Self::encrypted_payload_content)); absent then.
    #[serde(default)]
    pub payload_content: Vec<Payload>,
    /// `PayloadDisplayName`: `<string>`, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_display_name: Option<String>,
    /// `PayloadDescription`: `<string>`, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_description: Option<String>,
    /// `PayloadOrganization`: `<string>`, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_organization: Option<String>,
    /// `PayloadScope`: `<string>`, optional (macOS). Allowed values: `System`, `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_scope: Option<PayloadScope>,
    /// `PayloadRemovalDisallowed`: `<boolean>`, optional. Default: `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_removal_disallowed: Option<bool>,
    /// `HasRemovalPasscode`: `<boolean>`, optional. Default: `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_removal_passcode: Option<bool>,
    /// `IsEncrypted`: `<boolean>`, optional. Default: `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_encrypted: Option<bool>,
    /// `EncryptedPayloadContent`: `<data>`, optional: CMS EnvelopedData of the payload array.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "plist::serde_data::opt"
    )]
    pub encrypted_payload_content: Option<Bytes>,
    /// `RemovalDate`: `<date>`, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removal_date: Option<Date>,
    /// `DurationUntilRemoval`: `<real>`, optional (seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_until_removal: Option<f64>,
    /// `PayloadExpirationDate`: `<date>`, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_expiration_date: Option<Date>,
    /// `TargetDeviceType`: `<integer>`, optional. Allowed values: `0` to `6`. Default: `0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_device_type: Option<i64>,
    /// `ConsentText`: `<dictionary>` of language code → text, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_text: Option<Map<String>>,
    /// Keys the schema does not define, in the order they were read; written back after the
    /// known keys.
    #[serde(default, skip_serializing_if = "Dictionary::is_empty")]
    pub unknown_keys: Dictionary,
}

impl Profile {
    /// A builder for a profile with `PayloadIdentifier` = `identifier` and `PayloadUUID` =
    /// `uuid` (any unique string; a UUID is conventional).
    pub fn builder(identifier: impl Into<String>, uuid: impl Into<String>) -> ProfileBuilder {
        ProfileBuilder {
            profile: Profile::new(identifier, uuid),
        }
    }

    /// A profile with the required keys set, no payloads, and every optional key absent. Use
    /// [`Profile::builder`] to have the rules checked.
    #[must_use]
    pub fn new(identifier: impl Into<String>, uuid: impl Into<String>) -> Self {
        Profile {
            payload_identifier: identifier.into(),
            payload_uuid: uuid.into(),
            payload_version: 1,
            payload_content: Vec::new(),
            payload_display_name: None,
            payload_description: None,
            payload_organization: None,
            payload_scope: None,
            payload_removal_disallowed: None,
            has_removal_passcode: None,
            is_encrypted: None,
            encrypted_payload_content: None,
            removal_date: None,
            duration_until_removal: None,
            payload_expiration_date: None,
            target_device_type: None,
            consent_text: None,
            unknown_keys: Dictionary::new(),
        }
    }

    /// Decodes a profile from an XML or binary property list, with [`Limits::DEFAULT`].
    ///
    /// A signed profile (CMS) is not a property list: open it with `Profile::from_signed`
    /// (feature `cms`).
    ///
    /// # Errors
    /// A [`DecodeError`] for malformed input, a limit exceeded, a `PayloadType` other than
    /// `Configuration`, or a payload that does not match its type's schema.
    pub fn from_slice(input: &[u8]) -> Result<Self, DecodeError> {
        Self::from_slice_with_limits(input, &Limits::DEFAULT)
    }

    /// [`from_slice`](Self::from_slice) with explicit limits.
    ///
    /// # Errors
    /// As [`from_slice`](Self::from_slice).
    pub fn from_slice_with_limits(input: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        plist::from_slice(input, limits)
    }

    /// The profile as an XML property list in Apple's layout.
    ///
    /// # Errors
    /// An [`EncodeError`] when a string holds a character XML cannot carry.
    pub fn to_xml(&self) -> Result<Vec<u8>, EncodeError> {
        plist::to_xml(self)
    }

    /// The profile signed: an attached CMS `SignedData` (DER) over its XML, the form of a
    /// signed `.mobileconfig` (serve it as
    /// [`CONTENT_TYPE_PROFILE`](crate::apple::transport::CONTENT_TYPE_PROFILE)).
    /// `signing_time` goes into the signed attributes.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let (cert_pem, key_pem) = mdmkit::cms::doc_support::identity()?;
    /// use mdmkit::apple::profile::{Profile, WebClipManaged};
    /// use mdmkit::cms::{Policy, Signer, TrustAnchors};
    ///
    /// let signer = Signer::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())?;
    /// let now = signer.certificate().not_before() + std::time::Duration::from_secs(60);
    /// let profile = Profile::builder("com.example.p", "5B0C0D4E-0000-4000-8000-000000000001")
    ///     .payload(WebClipManaged::new(
    ///         "com.example.p.clip",
    ///         "5B0C0D4E-0000-4000-8000-000000000002",
    ///         "https://intranet.example.com",
    ///         "Intranet",
    ///     ))
    ///     .build()?;
    /// let der = profile.sign(&signer, now)?;
    ///
    /// let policy = Policy::trust(TrustAnchors::from_pem(cert_pem.as_bytes())?, now);
    /// let (opened, verified) = Profile::from_signed(&der, &policy)?;
    /// assert_eq!(opened, profile);
    /// assert_eq!(verified.signer(), signer.certificate());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Encode`](crate::Error::Encode) when the profile cannot be written,
    /// [`Error::Sign`](crate::Error::Sign) when signing fails.
    #[cfg(feature = "cms")]
    pub fn sign(
        &self,
        signer: &crate::cms::Signer,
        signing_time: std::time::SystemTime,
    ) -> Result<Vec<u8>, crate::Error> {
        let xml = self.to_xml()?;
        Ok(crate::cms::sign_attached(&xml, signer, signing_time)?)
    }

    /// Opens a signed profile (attached CMS `SignedData`, DER or BER): verifies it under
    /// `policy` ([`Policy::signature_only`](crate::cms::Policy::signature_only) checks the
    /// signature but trusts nobody) and decodes the content (XML or binary) with
    /// [`Limits::DEFAULT`]. Returns the profile and the verification result (signer, chain).
    ///
    /// # Errors
    /// [`Error::Verify`](crate::Error::Verify) when the signature is not acceptable,
    /// [`Error::Decode`](crate::Error::Decode) when the content is not a profile.
    #[cfg(feature = "cms")]
    pub fn from_signed(
        der: &[u8],
        policy: &crate::cms::Policy,
    ) -> Result<(Profile, crate::cms::Verified), crate::Error> {
        let verified = crate::cms::verify_attached(der, policy)?;
        let profile = Profile::from_slice(verified.content())?;
        Ok((profile, verified))
    }

    /// Checks the rules [`ProfileBuilder::build`] checks, for a profile decoded or changed
    /// after building.
    ///
    /// # Errors
    /// The first broken rule, as a [`BuildError`].
    pub fn validate(&self) -> Result<(), BuildError> {
        validate(self)
    }
}

impl FromPlist for Profile {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        de.expect_dict(&first)?;
        let mut identifier: Option<String> = None;
        let mut uuid: Option<String> = None;
        let mut version: Option<i64> = None;
        let mut tag: Option<String> = None;
        let mut content: Option<Vec<Payload>> = None;
        let mut p = Profile::new("", "");
        let mut unknown = UnknownKeys::new();
        while let Some(key) = de.next_key()? {
            match &*key {
                "PayloadIdentifier" => de.field(&mut identifier, "PayloadIdentifier")?,
                "PayloadUUID" => de.field(&mut uuid, "PayloadUUID")?,
                "PayloadVersion" => de.field(&mut version, "PayloadVersion")?,
                "PayloadType" => de.field(&mut tag, "PayloadType")?,
                "PayloadContent" => de.field(&mut content, "PayloadContent")?,
                "PayloadDisplayName" => {
                    de.field(&mut p.payload_display_name, "PayloadDisplayName")?;
                }
                "PayloadDescription" => {
                    de.field(&mut p.payload_description, "PayloadDescription")?;
                }
                "PayloadOrganization" => {
                    de.field(&mut p.payload_organization, "PayloadOrganization")?;
                }
                "PayloadScope" => de.field(&mut p.payload_scope, "PayloadScope")?,
                "PayloadRemovalDisallowed" => {
                    de.field(
                        &mut p.payload_removal_disallowed,
                        "PayloadRemovalDisallowed",
                    )?;
                }
                "HasRemovalPasscode" => {
                    de.field(&mut p.has_removal_passcode, "HasRemovalPasscode")?;
                }
                "IsEncrypted" => de.field(&mut p.is_encrypted, "IsEncrypted")?,
                "EncryptedPayloadContent" => {
                    de.field(&mut p.encrypted_payload_content, "EncryptedPayloadContent")?;
                }
                "RemovalDate" => de.field(&mut p.removal_date, "RemovalDate")?,
                "DurationUntilRemoval" => {
                    de.field(&mut p.duration_until_removal, "DurationUntilRemoval")?;
                }
                "PayloadExpirationDate" => {
                    de.field(&mut p.payload_expiration_date, "PayloadExpirationDate")?;
                }
                "TargetDeviceType" => {
                    de.field(&mut p.target_device_type, "TargetDeviceType")?;
                }
                "ConsentText" => de.field(&mut p.consent_text, "ConsentText")?,
                _ => de.unknown(&mut unknown, key)?,
            }
        }
        plist::check_tag(tag.as_deref(), "PayloadType", CONFIGURATION)?;
        p.payload_identifier = plist::required(identifier, "PayloadIdentifier")?;
        p.payload_uuid = plist::required(uuid, "PayloadUUID")?;
        p.payload_version = plist::required(version, "PayloadVersion")?;
        p.payload_content = match content {
            Some(c) => c,
            None if p.encrypted_payload_content.is_some() => Vec::new(),
            None => {
                return Err(
                    DecodeError::new(crate::DecodeErrorKind::MissingKey).in_key("PayloadContent")
                );
            }
        };
        p.unknown_keys = unknown.into_dictionary();
        Ok(p)
    }
}

impl ToPlist for Profile {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.begin_dict();
        if let Some(v) = &self.consent_text {
            w.entry("ConsentText", v)?;
        }
        if let Some(v) = self.duration_until_removal {
            w.entry("DurationUntilRemoval", &v)?;
        }
        if let Some(v) = &self.encrypted_payload_content {
            w.entry("EncryptedPayloadContent", v)?;
        }
        if let Some(v) = self.has_removal_passcode {
            w.entry("HasRemovalPasscode", &v)?;
        }
        if let Some(v) = self.is_encrypted {
            w.entry("IsEncrypted", &v)?;
        }
        if !self.payload_content.is_empty() || self.encrypted_payload_content.is_none() {
            w.entry("PayloadContent", &self.payload_content)?;
        }
        if let Some(v) = &self.payload_description {
            w.entry("PayloadDescription", v)?;
        }
        if let Some(v) = &self.payload_display_name {
            w.entry("PayloadDisplayName", v)?;
        }
        if let Some(v) = &self.payload_expiration_date {
            w.entry("PayloadExpirationDate", v)?;
        }
        w.entry("PayloadIdentifier", &self.payload_identifier)?;
        if let Some(v) = &self.payload_organization {
            w.entry("PayloadOrganization", v)?;
        }
        if let Some(v) = self.payload_removal_disallowed {
            w.entry("PayloadRemovalDisallowed", &v)?;
        }
        if let Some(v) = &self.payload_scope {
            w.entry("PayloadScope", v)?;
        }
        w.entry("PayloadType", CONFIGURATION)?;
        w.entry("PayloadUUID", &self.payload_uuid)?;
        w.entry("PayloadVersion", &self.payload_version)?;
        if let Some(v) = &self.removal_date {
            w.entry("RemovalDate", v)?;
        }
        if let Some(v) = self.target_device_type {
            w.entry("TargetDeviceType", &v)?;
        }
        self.unknown_keys.write_entries(w)?;
        w.end_dict();
        Ok(())
    }
}

/// Builds a [`Profile`]; [`build`](Self::build) checks the rules.
#[derive(Debug, Clone)]
#[must_use]
pub struct ProfileBuilder {
    profile: Profile,
}

impl ProfileBuilder {
    /// `PayloadDisplayName`.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.profile.payload_display_name = Some(name.into());
        self
    }

    /// `PayloadDescription`.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.profile.payload_description = Some(text.into());
        self
    }

    /// `PayloadOrganization`.
    pub fn organization(mut self, name: impl Into<String>) -> Self {
        self.profile.payload_organization = Some(name.into());
        self
    }

    /// `PayloadScope` (macOS).
    pub fn scope(mut self, scope: PayloadScope) -> Self {
        self.profile.payload_scope = Some(scope);
        self
    }

    /// `PayloadRemovalDisallowed`.
    pub fn removal_disallowed(mut self, yes: bool) -> Self {
        self.profile.payload_removal_disallowed = Some(yes);
        self
    }

    /// `RemovalDate`.
    pub fn removal_date(mut self, date: Date) -> Self {
        self.profile.removal_date = Some(date);
        self
    }

    /// `DurationUntilRemoval`, in seconds.
    pub fn duration_until_removal(mut self, seconds: f64) -> Self {
        self.profile.duration_until_removal = Some(seconds);
        self
    }

    /// `PayloadExpirationDate`.
    pub fn expiration_date(mut self, date: Date) -> Self {
        self.profile.payload_expiration_date = Some(date);
        self
    }

    /// `TargetDeviceType` (`0` any, `1` iPhone/iPad/watch… as Apple's schema lists; `0`–`6`).
    pub fn target_device_type(mut self, kind: i64) -> Self {
        self.profile.target_device_type = Some(kind);
        self
    }

    /// One `ConsentText` entry: `language` (`default`, `en`, `de-CH`, …) → `text`.
    pub fn consent_text(mut self, language: impl Into<String>, text: impl Into<String>) -> Self {
        self.profile
            .consent_text
            .get_or_insert_with(Map::default)
            .insert(language, text.into());
        self
    }

    /// Appends a payload (any generated payload type, or a [`Payload`]).
    pub fn payload(mut self, payload: impl Into<Payload>) -> Self {
        self.profile.payload_content.push(payload.into());
        self
    }

    /// A top-level key the schema does not define, written after the known keys.
    pub fn unknown_key(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.profile.unknown_keys.insert(key, value);
        self
    }

    /// The profile, after checking:
    ///
    /// * `PayloadIdentifier` and `PayloadUUID` are non-empty, of the profile and of every
    ///   payload; no two payloads share a `PayloadUUID` or a `PayloadIdentifier`, and none uses
    ///   the profile's;
    /// * every key the schema requires unconditionally is present (for payload types mdmkit
    ///   does not know: the common payload keys), values have the schema's type, and values
    ///   with a `rangelist` are one of its values;
    /// * with `PayloadScope` = `User`, no payload that macOS refuses on the user channel; with
    ///   `System`, none it refuses on the device channel.
    ///
    /// # Errors
    /// The first broken rule, as a [`BuildError`].
    pub fn build(self) -> Result<Profile, BuildError> {
        validate(&self.profile)?;
        Ok(self.profile)
    }
}

fn validate(p: &Profile) -> Result<(), BuildError> {
    validate_parts(p)?;
    // Whatever the checks above do not attribute to a payload (top-level unknown keys): the
    // whole profile must be writable and read back with the default limits.
    let xml = plist::to_xml(p).map_err(|source| BuildError::Encode {
        path: String::new(),
        source,
    })?;
    plist::from_slice::<Value>(&xml, &OWN_OUTPUT).map_err(|source| BuildError::Unreadable {
        path: String::new(),
        source,
    })?;
    Ok(())
}

fn validate_parts(p: &Profile) -> Result<(), BuildError> {
    if p.payload_identifier.is_empty() {
        return Err(BuildError::Empty {
            path: "PayloadIdentifier".into(),
        });
    }
    if p.payload_uuid.is_empty() {
        return Err(BuildError::Empty {
            path: "PayloadUUID".into(),
        });
    }
    check_value(
        &Value::Integer(p.payload_version.into()),
        "PayloadVersion",
        PROFILE_KEYS,
        "PayloadVersion",
    )?;
    if let Some(t) = p.target_device_type {
        check_value(
            &Value::Integer(t.into()),
            "TargetDeviceType",
            PROFILE_KEYS,
            "TargetDeviceType",
        )?;
    }
    if let Some(s) = &p.payload_scope {
        check_value(
            &Value::String(s.as_str().to_owned()),
            "PayloadScope",
            PROFILE_KEYS,
            "PayloadScope",
        )?;
    }
    for (key, _) in p.unknown_keys.iter() {
        if key == "PayloadType" || PROFILE_KEYS.iter().any(|k| k.key == key) {
            return Err(BuildError::Invalid {
                path: key.to_owned(),
                reason: "an unknown key may not repeat a key the profile defines",
            });
        }
    }
    let mut uuids = BTreeSet::from([p.payload_uuid.as_str()]);
    let mut identifiers = BTreeSet::from([p.payload_identifier.as_str()]);
    for (i, payload) in p.payload_content.iter().enumerate() {
        let path = format!("PayloadContent[{i}]");
        let id = payload.identifier().unwrap_or_default();
        let uuid = payload.uuid().unwrap_or_default();
        let xml = plist::to_xml(payload).map_err(|source| BuildError::Encode {
            path: path.clone(),
            source,
        })?;
        // The payload sits two levels down in the profile (dictionary, `PayloadContent`).
        let limits = OWN_OUTPUT.with_max_depth(OWN_OUTPUT.max_depth.saturating_sub(2));
        let value =
            plist::from_slice::<Value>(&xml, &limits).map_err(|source| BuildError::Unreadable {
                path: path.clone(),
                source,
            })?;
        let Value::Dictionary(dict) = &value else {
            return Err(BuildError::WrongType {
                path,
                expected: "<dictionary>",
                found: value.type_name(),
            });
        };
        match payload.info() {
            Some(info) => check_dict(dict, info.keys, &path)?,
            None => check_dict(dict, UNKNOWN_PAYLOAD_KEYS, &path)?,
        }
        for (what, v) in [("PayloadIdentifier", id), ("PayloadUUID", uuid)] {
            if v.is_empty() {
                return Err(BuildError::Empty {
                    path: format!("{path}.{what}"),
                });
            }
        }
        if !uuids.insert(uuid) {
            return Err(BuildError::DuplicatePayloadUuid {
                uuid: uuid.to_owned(),
                path: format!("{path}.PayloadUUID"),
            });
        }
        if !identifiers.insert(id) {
            return Err(BuildError::DuplicatePayloadIdentifier {
                identifier: id.to_owned(),
                path: format!("{path}.PayloadIdentifier"),
            });
        }
        if let (Some(scope), Some(info)) = (&p.payload_scope, payload.info()) {
            let mac = info.availability.platform(Platform::MacOs);
            let refused = match scope {
                PayloadScope::User => mac.and_then(|m| m.user_channel) == Some(false),
                PayloadScope::System => mac.and_then(|m| m.device_channel) == Some(false),
                PayloadScope::Unrecognized(_) => false,
            };
            if refused {
                return Err(BuildError::WrongScope {
                    path,
                    payload_type: info.payload_type.to_owned(),
                    scope: scope.as_str().to_owned(),
                });
            }
        }
    }
    Ok(())
}

/// Limits for re-reading what mdmkit itself wrote: only the depth bound matters.
const OWN_OUTPUT: Limits = Limits::DEFAULT
    .with_max_input_bytes(usize::MAX)
    .with_max_items(usize::MAX)
    .with_max_string_bytes(usize::MAX)
    .with_max_data_bytes(usize::MAX);

/// What a payload of an unknown type must still have: the common payload keys.
const UNKNOWN_PAYLOAD_KEYS: &[KeyInfo] = &[
    KeyInfo::new("PayloadType", "<string>", true, true, Availability(&[])),
    KeyInfo::new(
        "PayloadIdentifier",
        "<string>",
        true,
        true,
        Availability(&[]),
    ),
    KeyInfo::new("PayloadUUID", "<string>", true, true, Availability(&[])),
    KeyInfo::new("PayloadVersion", "<integer>", true, true, Availability(&[])),
];

fn check_dict(dict: &Dictionary, keys: &'static [KeyInfo], path: &str) -> Result<(), BuildError> {
    if let [any] = keys
        && any.key.starts_with("ANY")
    {
        for (k, v) in dict.iter() {
            check_one(v, any, &format!("{path}.{k}"))?;
        }
        return Ok(());
    }
    for info in keys {
        let sub = if path.is_empty() {
            info.key.to_owned()
        } else {
            format!("{path}.{}", info.key)
        };
        match dict.get(info.key) {
            None if info.required => return Err(BuildError::MissingKey { path: sub }),
            None => {}
            Some(v) => check_one(v, info, &sub)?,
        }
    }
    Ok(())
}

fn check_value(
    v: &Value,
    key: &str,
    keys: &'static [KeyInfo],
    path: &str,
) -> Result<(), BuildError> {
    match keys.iter().find(|k| k.key == key) {
        Some(info) => check_one(v, info, path),
        None => Ok(()),
    }
}

fn check_one(v: &Value, info: &'static KeyInfo, path: &str) -> Result<(), BuildError> {
    let type_ok = match info.plist_type {
        "<string>" => matches!(v, Value::String(_)),
        "<integer>" => matches!(v, Value::Integer(_)),
        "<real>" => matches!(v, Value::Real(_) | Value::Integer(_)),
        "<boolean>" => matches!(v, Value::Boolean(_)),
        "<date>" => matches!(v, Value::Date(_)),
        "<data>" => matches!(v, Value::Data(_)),
        "<array>" => matches!(v, Value::Array(_)),
        "<dictionary>" => matches!(v, Value::Dictionary(_)),
        _ => true,
    };
    if !type_ok {
        return Err(BuildError::WrongType {
            path: path.to_owned(),
            expected: info.plist_type,
            found: v.type_name(),
        });
    }
    if !info.allowed.is_empty() && !allowed(v, info.allowed) {
        return Err(BuildError::ValueNotAllowed {
            path: path.to_owned(),
            value: scalar_text(v),
            allowed: info.allowed,
        });
    }
    match v {
        Value::Dictionary(d) if !info.subkeys.is_empty() => check_dict(d, info.subkeys, path),
        Value::Array(items) => match info.subkeys {
            [item] => {
                for (i, x) in items.iter().enumerate() {
                    check_one(x, item, &format!("{path}[{i}]"))?;
                }
                Ok(())
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

fn allowed(v: &Value, list: &[&str]) -> bool {
    match v {
        Value::String(s) => list.contains(&s.as_str()),
        Value::Integer(i) => {
            let text = i.as_i128().to_string();
            list.contains(&text.as_str())
        }
        Value::Real(r) => list.iter().any(|a| a.parse::<f64>().is_ok_and(|x| x == *r)),
        // A rangelist on another type is not checked.
        _ => true,
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.as_i128().to_string(),
        Value::Real(r) => r.to_string(),
        other => other.type_name().to_owned(),
    }
}
