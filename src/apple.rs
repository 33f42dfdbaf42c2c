//! Apple MDM: property lists, check-in messages, command reports and wire facts.
//!
//! A device talks to two endpoints (both `PUT`, body an XML plist):
//! the **check-in** URL ([`checkin::CheckinMessage`]) and the **server** URL, where it reports the
//! result of the last command and asks for the next ([`report::CommandReport`]). When one URL
//! serves both, [`Inbound::from_xml`] tells them apart.
//!
//! Apple's reference: <https://developer.apple.com/documentation/devicemanagement>.

pub mod availability;
pub mod checkin;
pub mod command;
#[cfg(feature = "apple-ddm")]
pub mod ddm;
#[cfg(feature = "apple-profiles")]
pub mod enroll;
pub mod errors;
pub mod generated;
pub mod plist;
#[cfg(feature = "apple-profiles")]
pub mod profile;
pub mod push;
pub mod report;
pub mod transport;

use crate::{DecodeError, Limits};
use checkin::CheckinMessage;
use plist::{Decoder, FromPlist};
use report::CommandReport;

/// The text of an open-enum value that this version of mdmkit has no name for.
///
/// Held by the hidden catch-all variant of every open string enumeration; read it through the
/// enum's `as_str()`. It cannot be matched on, so that a later release can give the value a
/// named variant without silently changing what your code does.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OtherValue(String);

impl OtherValue {
    pub(crate) fn new(s: &str) -> Self {
        OtherValue(s.to_owned())
    }
    /// The wire text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for OtherValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

/// A request body from a device, classified: a check-in message (it has `MessageType`) or a
/// command report (it has `Status`).
///
/// ```
/// use mdmkit::apple::Inbound;
/// let body = b"<plist><dict><key>Status</key><string>Idle</string><key>UDID</key><string>X</string></dict></plist>";
/// match Inbound::from_xml(body)? {
///     Inbound::Report(r) => assert!(r.status.is_idle()),
///     Inbound::Checkin(_) => unreachable!(),
///     _ => unreachable!(),
/// }
/// # Ok::<(), mdmkit::DecodeError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// A check-in message.
    Checkin(Box<CheckinMessage>),
    /// A command report.
    Report(Box<CommandReport>),
}

impl Inbound {
    /// Classifies and decodes a body with the default [`Limits`].
    ///
    /// # Errors
    /// `MissingKey` (path `MessageType`) if the dictionary has neither `MessageType` nor
    /// `Status`; any error of the message itself.
    pub fn from_xml(input: &[u8]) -> Result<Inbound, DecodeError> {
        Self::from_xml_with_limits(input, &Limits::DEFAULT)
    }

    /// Classifies and decodes a body with explicit limits.
    ///
    /// # Errors
    /// As [`from_xml`](Self::from_xml).
    pub fn from_xml_with_limits(input: &[u8], limits: &Limits) -> Result<Inbound, DecodeError> {
        let mut de = Decoder::new(input, limits)?;
        let first = de.next_token()?;
        let found = de.peek_top_level_string(first, &["MessageType", "Status"])?;
        let first = de.next_token()?;
        let out = match found {
            Some((0, _)) => Inbound::Checkin(Box::new(CheckinMessage::from_plist(first, &mut de)?)),
            Some(_) => Inbound::Report(Box::new(CommandReport::from_plist(first, &mut de)?)),
            None => {
                return Err(
                    DecodeError::new(crate::DecodeErrorKind::MissingKey).in_key("MessageType")
                );
            }
        };
        de.finish()?;
        Ok(out)
    }
}
