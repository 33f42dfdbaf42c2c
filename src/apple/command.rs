//! Commands: what a server sends a device, and what the device answers.
//!
//! * One generated struct per `RequestType` in Apple's schema ([`DeviceLock`],
//!   [`InstallProfile`], [`DeviceInformation`], [`Settings`] with its item variants, …), built
//!   with `new(required…)` and public optional fields.
//! * One generated `…Response` per command with response keys
//!   ([`DeviceInformationResponse`], [`ProfileListResponse`], …); the [`Request`] trait links
//!   each command to its response type.
//! * [`Command`]: the envelope (`CommandUUID` + the `Command` dictionary) in Apple's layout.
//! * [`AnyRequest`] / [`AnyResponse`]: dispatch over every request type, with `Unknown`/`Other`
//!   keeping what mdmkit does not know; [`ALL_REQUEST_TYPES`] lists them with their facts.
//!
//! ```
//! use mdmkit::apple::command::{Command, DeviceLock, DeviceLockResponse, Request};
//! use mdmkit::apple::report::CommandReport;
//!
//! let mut lock = DeviceLock::new();
//! lock.message = Some("Return to IT".into());
//! let xml = Command::new("0B1C2D3E-0000-4000-8000-000000000001", lock).to_xml()?;
//! assert!(String::from_utf8_lossy(&xml).contains("<string>DeviceLock</string>"));
//!
//! // Later the device reports; the server knows it sent a DeviceLock.
//! let report = CommandReport::from_xml(br#"<plist><dict>
//!   <key>CommandUUID</key><string>0B1C2D3E-0000-4000-8000-000000000001</string>
//!   <key>MessageResult</key><string>Shown</string>
//!   <key>Status</key><string>Acknowledged</string>
//!   <key>UDID</key><string>X</string></dict></plist>"#)?;
//! let answer: DeviceLockResponse = report.response::<DeviceLock>()?;
//! assert_eq!(answer.message_result.as_deref(), Some("Shown"));
//! # Ok::<(), mdmkit::Error>(())
//! ```
//!
//! Apple's reference: <https://developer.apple.com/documentation/devicemanagement/commands-and-queries>.

pub use super::generated::commands::*;

use super::availability::{Availability, KeyInfo};
use super::plist::{self, Decoder, Dictionary, FromPlist, ToPlist, Token, UnknownKeys, Writer};
use crate::{DecodeError, EncodeError, Limits};
use serde::{Deserialize, Serialize};

/// A command payload type: links it to its `RequestType` and its response type.
pub trait Request: FromPlist + ToPlist + Into<AnyRequest> {
    /// The wire `RequestType`.
    const REQUEST_TYPE: &'static str;
    /// What the device answers in its report ([`EmptyResponse`] when the schema lists no
    /// response keys).
    type Response: FromPlist;
    /// The command's `supportedOS`, as data.
    const AVAILABILITY: Availability;
}

/// The response of a command whose schema has no response keys: whatever the report body held
/// beyond the envelope (usually nothing).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmptyResponse {
    /// The body's keys, in order.
    #[serde(default, skip_serializing_if = "Dictionary::is_empty")]
    pub unknown_keys: Dictionary,
}

impl FromPlist for EmptyResponse {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        Dictionary::from_plist(first, de).map(|unknown_keys| EmptyResponse { unknown_keys })
    }
}

impl ToPlist for EmptyResponse {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        self.unknown_keys.write_plist(w)
    }
}

/// Facts about one request type, from the generated [`ALL_REQUEST_TYPES`] table.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTypeInfo {
    /// The wire `RequestType`.
    pub request_type: &'static str,
    /// `supportedOS` of the command.
    pub availability: Availability,
    /// The command's keys.
    pub keys: &'static [KeyInfo],
    /// The response's keys, when the schema lists any.
    pub response_keys: Option<&'static [KeyInfo]>,
}

impl RequestTypeInfo {
    /// Used by generated code.
    #[must_use]
    pub const fn new(
        request_type: &'static str,
        availability: Availability,
        keys: &'static [KeyInfo],
        response_keys: Option<&'static [KeyInfo]>,
    ) -> Self {
        RequestTypeInfo {
            request_type,
            availability,
            keys,
            response_keys,
        }
    }

    /// The entry for `request_type`.
    #[must_use]
    pub fn find(request_type: &str) -> Option<&'static RequestTypeInfo> {
        ALL_REQUEST_TYPES
            .iter()
            .find(|i| i.request_type == request_type)
    }
}

/// A command as sent to a device: `{ Command: { RequestType, … }, CommandUUID }`.
///
/// The `CommandUUID` comes from the caller (mdmkit never reads randomness); any unique string
/// works, a UUID is conventional.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Command {
    /// `CommandUUID`: the device echoes it in its report.
    pub command_uuid: String,
    /// The `Command` dictionary.
    pub request: AnyRequest,
    /// Envelope keys mdmkit does not know, kept in order.
    #[serde(default, skip_serializing_if = "Dictionary::is_empty")]
    pub unknown_keys: Dictionary,
}

impl Command {
    /// An envelope for `request` with the caller's `command_uuid`.
    #[must_use]
    pub fn new(command_uuid: impl Into<String>, request: impl Into<AnyRequest>) -> Self {
        Command {
            command_uuid: command_uuid.into(),
            request: request.into(),
            unknown_keys: Dictionary::new(),
        }
    }

    /// The `RequestType`.
    #[must_use]
    pub fn request_type(&self) -> &str {
        self.request.request_type()
    }

    /// Writes the command in Apple's layout, ready to be the body of the answer to the
    /// device's report.
    ///
    /// # Errors
    /// [`EncodeError`] if a string cannot be carried by XML.
    pub fn to_xml(&self) -> Result<Vec<u8>, EncodeError> {
        plist::to_xml(self)
    }

    /// Decodes a command (for servers that store or proxy commands) with the default limits.
    ///
    /// # Errors
    /// A [`DecodeError`]: `MissingKey` for `Command`, `CommandUUID` or `RequestType`; wrong
    /// types with their key path.
    pub fn from_xml(input: &[u8]) -> Result<Self, DecodeError> {
        Self::from_xml_with_limits(input, &Limits::DEFAULT)
    }

    /// Decodes a command with explicit limits.
    ///
    /// # Errors
    /// As [`from_xml`](Self::from_xml).
    pub fn from_xml_with_limits(input: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        plist::from_slice(input, limits)
    }
}

#[cfg(feature = "rand")]
impl Command {
    /// An envelope with a fresh random (version 4) UUID from the operating system's generator.
    ///
    /// # Errors
    /// The OS random source failed.
    pub fn with_random_uuid(request: impl Into<AnyRequest>) -> Result<Self, getrandom::Error> {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b)?;
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|x| format!("{x:02X}")).collect();
        let uuid = format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        );
        Ok(Command::new(uuid, request))
    }
}

impl FromPlist for Command {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        de.expect_dict(&first)?;
        let (mut request, mut uuid) = (None, None);
        let mut unknown = UnknownKeys::new();
        while let Some(key) = de.next_key()? {
            match &*key {
                "Command" => de.field(&mut request, "Command")?,
                "CommandUUID" => de.field(&mut uuid, "CommandUUID")?,
                _ => de.unknown(&mut unknown, key)?,
            }
        }
        Ok(Command {
            command_uuid: plist::required(uuid, "CommandUUID")?,
            request: plist::required(request, "Command")?,
            unknown_keys: unknown.into_dictionary(),
        })
    }
}

impl ToPlist for Command {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.begin_dict();
        w.entry("Command", &self.request)?;
        w.entry("CommandUUID", &self.command_uuid)?;
        self.unknown_keys.write_entries(w)?;
        w.end_dict();
        Ok(())
    }
}
