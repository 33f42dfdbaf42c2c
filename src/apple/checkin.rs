//! Check-in messages: what a device `PUT`s to the check-in URL.
//!
//! [`CheckinMessage`] dispatches on `MessageType` to one generated struct per type in Apple's
//! schema (`Authenticate`, `TokenUpdate`, `CheckOut`, `UserAuthenticate`, `SetBootstrapToken`,
//! `GetBootstrapToken`, `DeclarativeManagement`, `GetToken`); a type the schema does not know
//! becomes [`CheckinMessage::Unknown`] with the whole dictionary kept.
//!
//! Secrets (`Token`, `PushMagic`, `UnlockToken`, `BootstrapToken`, …) are [`Sensitive`](crate::Sensitive), so
//! `{:?}` of a message never prints them.
//!
//! Apple's reference: <https://developer.apple.com/documentation/devicemanagement/check-in>.
//!
//! ```
//! use mdmkit::apple::checkin::CheckinMessage;
//! let body = br#"<?xml version="1.0" encoding="UTF-8"?>
//! <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
//! <plist version="1.0"><dict>
//!   <key>MessageType</key><string>TokenUpdate</string>
//!   <key>PushMagic</key><string>CEFDF0BD-E342-4A27-8742-E930EA116B0A</string>
//!   <key>Token</key><data>3q2+7w==</data>
//!   <key>Topic</key><string>com.apple.mgmt.External.e0bd1eac</string>
//!   <key>UDID</key><string>663b07bb</string>
//! </dict></plist>"#;
//! let CheckinMessage::TokenUpdate(t) = CheckinMessage::from_xml(body)? else { panic!() };
//! assert_eq!(t.udid.as_deref(), Some("663b07bb"));
//! assert_eq!(t.token.expose().as_ref(), [0xde, 0xad, 0xbe, 0xef]);
//! assert!(!format!("{t:?}").contains("CEFDF0BD"));
//! # Ok::<(), mdmkit::DecodeError>(())
//! ```

pub use super::generated::checkin::*;

use super::plist;
use crate::{DecodeError, EncodeError, Limits};
use bytes::Bytes;

impl CheckinMessage {
    /// Decodes a check-in body with the default [`Limits`].
    ///
    /// # Errors
    /// A [`DecodeError`]: limits, syntax, `MissingKey` (path `MessageType`), wrong types with the
    /// key path, a missing required key of the message type.
    pub fn from_xml(input: &[u8]) -> Result<Self, DecodeError> {
        Self::from_xml_with_limits(input, &Limits::DEFAULT)
    }

    /// Decodes a check-in body with explicit limits.
    ///
    /// # Errors
    /// As [`from_xml`](Self::from_xml).
    pub fn from_xml_with_limits(input: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        plist::from_slice(input, limits)
    }

    /// Writes the message in Apple's layout.
    ///
    /// # Errors
    /// [`EncodeError`] if a string cannot be carried by XML.
    pub fn to_xml(&self) -> Result<Vec<u8>, EncodeError> {
        plist::to_xml(self)
    }
}

/// The server's answer to a `DeclarativeManagement` check-in: the raw body (JSON for the
/// `tokens`, `declaration-items` and `declaration/…` endpoints; empty for `status`).
/// Declarative Device Management types build this body; this type carries it.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclarativeManagementResponse {
    /// The response body, sent as is with HTTP 200.
    pub body: Bytes,
}

impl DeclarativeManagementResponse {
    /// Wraps a response body.
    #[must_use]
    pub fn new(body: impl Into<Bytes>) -> Self {
        DeclarativeManagementResponse { body: body.into() }
    }
}

impl DeclarativeManagement {
    /// The `Data` key decoded from base64: the JSON the device sent (for the `status` endpoint,
    /// a status report), or `None`.
    #[must_use]
    pub fn json(&self) -> Option<&[u8]> {
        self.data.as_deref()
    }
}

impl GetBootstrapTokenResponse {
    /// Writes the answer in Apple's layout (`BootstrapToken` as data; an answer without a token
    /// tells the device none is escrowed).
    ///
    /// # Errors
    /// [`EncodeError`] (never, for this type's contents).
    pub fn to_xml(&self) -> Result<Vec<u8>, EncodeError> {
        plist::to_xml(self)
    }
}

impl GetTokenResponse {
    /// Writes the answer in Apple's layout.
    ///
    /// # Errors
    /// [`EncodeError`] (never, for this type's contents).
    pub fn to_xml(&self) -> Result<Vec<u8>, EncodeError> {
        plist::to_xml(self)
    }
}
