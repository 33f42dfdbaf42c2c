//! Property lists: a limit-enforcing streaming reader, Apple's canonical writer, and a lossless
//! [`Value`] tree.
//!
//! * **Reading** streams quick-xml events (or the plist crate's binary events) through a
//!   [`Decoder`] that counts depth, items, string and data bytes against [`Limits`] *while*
//!   reading. Typed messages implement [`FromPlist`] and decode straight from that stream: no
//!   intermediate tree. Apple's standard `DOCTYPE` line is accepted; any other `DOCTYPE`, and
//!   any entity other than the five predefined ones and character references, is refused.
//! * **Writing** goes through [`Writer`]/[`ToPlist`] and produces Apple's layout (standard
//!   prolog, tab indentation, one element per line).
//! * [`Value`] / [`Dictionary`] keep key order, integers from `i64::MIN` to `u64::MAX`, data as
//!   [`bytes::Bytes`], and convert to and from [`plist::Value`] for interop.
//!
//! ```
//! use mdmkit::apple::plist::{self, Value};
//! let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
//! <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
//! <plist version="1.0"><dict><key>Big</key><integer>18446744073709551615</integer></dict></plist>"#;
//! let v = Value::from_xml(xml)?;
//! assert_eq!(v.as_dictionary().unwrap().get("Big").unwrap().as_u64(), Some(u64::MAX));
//! let again = Value::from_xml(&v.to_xml()?)?;
//! assert_eq!(again, v);
//! # Ok::<(), mdmkit::Error>(())
//! ```

mod de;
mod json;
mod map;
mod ser;
mod serde_impls;
mod value;

pub use de::{Decoder, FromPlist, Token, UnknownKeys, from_slice, from_value};
pub use map::Map;
pub use ser::{ToPlist, Writer, XML_PROLOG, to_xml};
pub use value::{Date, Dictionary, Integer, Value};

/// Serde helpers: `data` values are base64 strings in JSON (used as `#[serde(with = …)]`).
pub mod serde_data {
    pub use super::serde_impls::{AsData, one, opt, opt_vec, vec};
}

/// Decodes `T` from the entries of `body`, as if they formed one dictionary.
///
/// # Errors
/// A [`DecodeError`] when the entries do not have the shape of `T`.
pub fn from_dictionary<T: FromPlist>(body: &Dictionary) -> Result<T, DecodeError> {
    Decoder::from_body(body).value()
}

use crate::{DecodeError, EncodeError, Limits};

impl Value {
    /// Decodes a plist document (XML, or binary if it starts with `bplist00`) with the default
    /// [`Limits`].
    ///
    /// # Errors
    /// A [`DecodeError`] for anything the input breaks.
    pub fn from_xml(input: &[u8]) -> Result<Value, DecodeError> {
        from_slice(input, &Limits::DEFAULT)
    }

    /// Decodes a plist document with explicit limits.
    ///
    /// # Errors
    /// A [`DecodeError`] for anything the input breaks.
    pub fn from_xml_with_limits(input: &[u8], limits: &Limits) -> Result<Value, DecodeError> {
        from_slice(input, limits)
    }

    /// Writes this value as an XML plist document in Apple's layout.
    ///
    /// # Errors
    /// [`EncodeError`] if a string cannot be carried by XML.
    pub fn to_xml(&self) -> Result<Vec<u8>, EncodeError> {
        to_xml(self)
    }
}

/// A required key's value, or `MissingKey` with the key as path (used by generated code).
pub(crate) fn required<T>(slot: Option<T>, key: &str) -> Result<T, DecodeError> {
    slot.ok_or_else(|| DecodeError::new(crate::DecodeErrorKind::MissingKey).in_key(key))
}

/// Checks a discriminant key (`MessageType`) of a generated message (used by generated code).
pub(crate) fn check_tag(found: Option<&str>, key: &str, want: &str) -> Result<(), DecodeError> {
    match found {
        Some(v) if v == want => Ok(()),
        Some(_) => {
            Err(DecodeError::new(crate::DecodeErrorKind::InvalidValue("message type")).in_key(key))
        }
        None => Err(DecodeError::new(crate::DecodeErrorKind::MissingKey).in_key(key)),
    }
}
