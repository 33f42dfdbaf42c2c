//! Command reports: what a device `PUT`s to the server URL after a command (or when idle).
//!
//! The envelope (who, which command, status, errors) decodes into [`CommandReport`]; the rest of
//! the body is kept as a [`Dictionary`] and decoded on demand with
//! [`decode_body`](CommandReport::decode_body), because only the server knows which command the
//! report answers.
//!
//! Apple's reference: <https://developer.apple.com/documentation/devicemanagement/commands-and-queries>.

use super::plist::{Decoder, Dictionary, FromPlist, ToPlist, Token, UnknownKeys, Writer};
use crate::{DecodeError, EncodeError, Limits};
use serde::{Deserialize, Serialize};

/// The `Status` of a command report.
///
/// An open set: values mdmkit does not know are kept as text (read them with
/// [`as_str`](Self::as_str)); a future mdmkit may give them a named variant, so do not rely on
/// the catch-all.
///
/// Quirk: surrounding XML whitespace is ignored when matching (some captures pretty-print
/// `<string>` contents); an unknown value keeps its exact text.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    /// The device has no result to report and asks for the next command.
    Idle,
    /// The command succeeded.
    Acknowledged,
    /// The command failed; see the `ErrorChain`.
    Error,
    /// The device could not parse the command.
    CommandFormatError,
    /// The device cannot process the command now (e.g. it is locked); send it again later.
    NotNow,
    #[doc(hidden)]
    Other(super::OtherValue),
}

impl Status {
    /// The wire value.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Status::Idle => "Idle",
            Status::Acknowledged => "Acknowledged",
            Status::Error => "Error",
            Status::CommandFormatError => "CommandFormatError",
            Status::NotNow => "NotNow",
            Status::Other(s) => s.as_str(),
        }
    }

    /// Whether this is [`Status::Idle`].
    #[must_use]
    pub fn is_idle(&self) -> bool {
        *self == Status::Idle
    }
}

impl From<&str> for Status {
    fn from(s: &str) -> Self {
        match s.trim_matches(|c: char| c.is_ascii_whitespace()) {
            "Idle" => Status::Idle,
            "Acknowledged" => Status::Acknowledged,
            "Error" => Status::Error,
            "CommandFormatError" => Status::CommandFormatError,
            "NotNow" => Status::NotNow,
            _ => Status::Other(super::OtherValue::new(s)),
        }
    }
}

impl FromPlist for Status {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        String::from_plist(first, de).map(|s| Status::from(s.as_str()))
    }
}

impl ToPlist for Status {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.string(self.as_str())
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Status::from(&*s))
    }
}

/// One entry of a report's `ErrorChain`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorChainItem {
    /// `ErrorCode` (integer, required).
    pub error_code: i64,
    /// `ErrorDomain` (string, required).
    pub error_domain: String,
    /// `LocalizedDescription` (string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localized_description: Option<String>,
    /// `USEnglishDescription` (string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub us_english_description: Option<String>,
    /// Keys mdmkit does not know, in input order; written back after the known keys.
    #[serde(default, skip_serializing_if = "Dictionary::is_empty")]
    pub unknown_keys: Dictionary,
}

impl ErrorChainItem {
    /// An entry with the required keys.
    #[must_use]
    pub fn new(error_code: i64, error_domain: impl Into<String>) -> Self {
        ErrorChainItem {
            error_code,
            error_domain: error_domain.into(),
            localized_description: None,
            us_english_description: None,
            unknown_keys: Dictionary::new(),
        }
    }
}

impl FromPlist for ErrorChainItem {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        de.expect_dict(&first)?;
        let (mut code, mut domain, mut localized, mut english) = (None, None, None, None);
        let mut unknown = UnknownKeys::new();
        while let Some(key) = de.next_key()? {
            match &*key {
                "ErrorCode" => de.field(&mut code, "ErrorCode")?,
                "ErrorDomain" => de.field(&mut domain, "ErrorDomain")?,
                "LocalizedDescription" => de.field(&mut localized, "LocalizedDescription")?,
                "USEnglishDescription" => de.field(&mut english, "USEnglishDescription")?,
                _ => de.unknown(&mut unknown, key)?,
            }
        }
        Ok(ErrorChainItem {
            error_code: super::plist::required(code, "ErrorCode")?,
            error_domain: super::plist::required(domain, "ErrorDomain")?,
            localized_description: localized,
            us_english_description: english,
            unknown_keys: unknown.into_dictionary(),
        })
    }
}

impl ToPlist for ErrorChainItem {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.begin_dict();
        w.entry("ErrorCode", &self.error_code)?;
        w.entry("ErrorDomain", &self.error_domain)?;
        if let Some(v) = &self.localized_description {
            w.entry("LocalizedDescription", v)?;
        }
        if let Some(v) = &self.us_english_description {
            w.entry("USEnglishDescription", v)?;
        }
        self.unknown_keys.write_entries(w)?;
        w.end_dict();
        Ok(())
    }
}

/// A command report: the envelope typed, the command-specific body kept for
/// [`decode_body`](Self::decode_body).
///
/// ```
/// use mdmkit::apple::report::{CommandReport, Status};
/// let body = br#"<?xml version="1.0" encoding="UTF-8"?>
/// <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
/// <plist version="1.0"><dict>
///   <key>CommandUUID</key><string>0001</string>
///   <key>ErrorChain</key><array><dict>
///     <key>ErrorCode</key><integer>-909</integer>
///     <key>ErrorDomain</key><string>NSOSStatusErrorDomain</string>
///   </dict></array>
///   <key>Status</key><string>Error</string>
///   <key>UDID</key><string>6362F867</string>
/// </dict></plist>"#;
/// let report = CommandReport::from_xml(body)?;
/// assert_eq!(report.status, Status::Error);
/// assert_eq!(report.error_chain[0].error_code, -909);
/// assert_eq!(report.command_uuid.as_deref(), Some("0001"));
/// # Ok::<(), mdmkit::DecodeError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandReport {
    /// `UDID`: the device (absent on user enrollments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub udid: Option<String>,
    /// `EnrollmentID`: the device on a user enrollment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment_id: Option<String>,
    /// `EnrollmentUserID`: the user on a user enrollment's user channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment_user_id: Option<String>,
    /// `UserID`: the user's GUID on the user channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// `UserShortName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_short_name: Option<String>,
    /// `UserLongName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_long_name: Option<String>,
    /// `CommandUUID`: the command this reports on (absent when `Status` is `Idle`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_uuid: Option<String>,
    /// `Status` (required).
    pub status: Status,
    /// `ErrorChain`: present when `Status` is `Error` or `CommandFormatError`; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_chain: Vec<ErrorChainItem>,
    /// Every other key, in input order: the command-specific response.
    #[serde(default, skip_serializing_if = "Dictionary::is_empty")]
    pub body: Dictionary,
}

impl CommandReport {
    /// A report with `status` and nothing else.
    #[must_use]
    pub fn new(status: Status) -> Self {
        CommandReport {
            udid: None,
            enrollment_id: None,
            enrollment_user_id: None,
            user_id: None,
            user_short_name: None,
            user_long_name: None,
            command_uuid: None,
            status,
            error_chain: Vec::new(),
            body: Dictionary::new(),
        }
    }

    /// Decodes a report with the default [`Limits`].
    ///
    /// # Errors
    /// A [`DecodeError`]: limits, syntax, `MissingKey` for `Status`, wrong types (with the key
    /// path, e.g. `ErrorChain[0].ErrorCode`).
    pub fn from_xml(input: &[u8]) -> Result<Self, DecodeError> {
        Self::from_xml_with_limits(input, &Limits::DEFAULT)
    }

    /// Decodes a report with explicit limits.
    ///
    /// # Errors
    /// As [`from_xml`](Self::from_xml).
    pub fn from_xml_with_limits(input: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        super::plist::from_slice(input, limits)
    }

    /// Writes the report in Apple's layout (for proxies, storage and tests).
    ///
    /// # Errors
    /// [`EncodeError`] if a string cannot be carried by XML.
    pub fn to_xml(&self) -> Result<Vec<u8>, EncodeError> {
        super::plist::to_xml(self)
    }

    /// The device or enrollment this report comes from: `UDID`, else `EnrollmentID`.
    #[must_use]
    pub fn device_id(&self) -> Option<&str> {
        self.udid.as_deref().or(self.enrollment_id.as_deref())
    }

    /// Decodes the command-specific part of the report as `T` (e.g. a command's response type).
    /// The envelope keys are not part of what `T` sees.
    ///
    /// # Errors
    /// A [`DecodeError`] when the body does not have the shape of `T`.
    pub fn decode_body<T: FromPlist>(&self) -> Result<T, DecodeError> {
        super::plist::from_dictionary(&self.body)
    }

    /// Decodes the body as the response to command `C` (the server knows what it sent).
    ///
    /// # Errors
    /// A [`DecodeError`] when the body does not match `C`'s response schema.
    pub fn response<C: super::command::Request>(&self) -> Result<C::Response, DecodeError> {
        self.decode_body()
    }

    /// Decodes the body as the response to `request_type` (e.g. as stored with the queued
    /// command).
    ///
    /// # Errors
    /// A [`DecodeError`] when the body does not match that response schema.
    pub fn response_for(
        &self,
        request_type: &str,
    ) -> Result<super::command::AnyResponse, DecodeError> {
        super::command::AnyResponse::from_body(request_type, &self.body)
    }
}

impl FromPlist for CommandReport {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        de.expect_dict(&first)?;
        let mut r = CommandReport::new(Status::Idle);
        let mut status = None;
        let mut chain = None;
        let mut body = UnknownKeys::new();
        while let Some(key) = de.next_key()? {
            match &*key {
                "UDID" => de.field(&mut r.udid, "UDID")?,
                "EnrollmentID" => de.field(&mut r.enrollment_id, "EnrollmentID")?,
                "EnrollmentUserID" => de.field(&mut r.enrollment_user_id, "EnrollmentUserID")?,
                "UserID" => de.field(&mut r.user_id, "UserID")?,
                "UserShortName" => de.field(&mut r.user_short_name, "UserShortName")?,
                "UserLongName" => de.field(&mut r.user_long_name, "UserLongName")?,
                "CommandUUID" => de.field(&mut r.command_uuid, "CommandUUID")?,
                "Status" => de.field(&mut status, "Status")?,
                "ErrorChain" => de.field(&mut chain, "ErrorChain")?,
                _ => de.unknown(&mut body, key)?,
            }
        }
        r.status = super::plist::required(status, "Status")?;
        r.error_chain = chain.unwrap_or_default();
        r.body = body.into_dictionary();
        Ok(r)
    }
}

impl ToPlist for CommandReport {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.begin_dict();
        if let Some(v) = &self.command_uuid {
            w.entry("CommandUUID", v)?;
        }
        if let Some(v) = &self.enrollment_id {
            w.entry("EnrollmentID", v)?;
        }
        if let Some(v) = &self.enrollment_user_id {
            w.entry("EnrollmentUserID", v)?;
        }
        if !self.error_chain.is_empty() {
            w.entry("ErrorChain", &self.error_chain)?;
        }
        w.entry("Status", &self.status)?;
        if let Some(v) = &self.udid {
            w.entry("UDID", v)?;
        }
        if let Some(v) = &self.user_id {
            w.entry("UserID", v)?;
        }
        if let Some(v) = &self.user_long_name {
            w.entry("UserLongName", v)?;
        }
        if let Some(v) = &self.user_short_name {
            w.entry("UserShortName", v)?;
        }
        self.body.write_entries(w)?;
        w.end_dict();
        Ok(())
    }
}
