//! Enrollment error documents: what a server returns in an HTTP 403 body when it refuses an
//! enrollment during Setup Assistant (a required software update, an unrecognized device, …).
//!
//! The body is JSON or an XML plist, named by the `Content-Type` header. Serde writes these
//! types with their wire keys, so `serde_json::to_vec` gives the JSON form and
//! [`ErrorDocument::to_xml`] the plist form.
//!
//! ```
//! use mdmkit::apple::errors::{ErrorDocument, SoftwareUpdateRequired, SoftwareUpdateRequiredDetails};
//! let doc = ErrorDocument::SoftwareUpdateRequired(SoftwareUpdateRequired::new(
//!     SoftwareUpdateRequiredDetails::new("17.4"),
//! ));
//! let xml = doc.to_xml()?;
//! assert_eq!(ErrorDocument::from_xml(&xml)?, doc);
//! assert_eq!(doc.code(), "com.apple.softwareupdate.required");
//! # Ok::<(), mdmkit::Error>(())
//! ```

pub use super::generated::errors::*;

use super::plist;
use crate::{DecodeError, EncodeError, Limits};

impl ErrorDocument {
    /// Writes the document as an XML plist.
    ///
    /// # Errors
    /// [`EncodeError`] if a string cannot be carried by XML.
    pub fn to_xml(&self) -> Result<Vec<u8>, EncodeError> {
        plist::to_xml(self)
    }

    /// Decodes a plist document.
    ///
    /// # Errors
    /// A [`DecodeError`] for anything the input breaks.
    pub fn from_xml(input: &[u8]) -> Result<Self, DecodeError> {
        plist::from_slice(input, &Limits::DEFAULT)
    }
}
