//! Windows MDM: OMA DM / SyncML 1.2 ([`syncml`]) and the Windows helpers over it ([`csp`]).
//!
//! Feature `windows`. The XML layer (`windows::xml`, crate-private) is hardened the same way
//! as the plist reader: input size first, then depth, element and string limits on the event
//! stream; namespaces resolved; no DOCTYPE but SyncML's standard ones; no entities but XML's
//! five.

pub(crate) mod xml;

#[doc(alias = "OMA DM")]
#[doc(alias = "MS-MDM")]
pub mod syncml;

pub mod csp;

#[cfg(feature = "wbxml")]
pub mod wbxml;

#[doc(alias = "MS-MDE2")]
pub mod enroll;
