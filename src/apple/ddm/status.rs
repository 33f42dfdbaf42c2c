//! Status reports: what a device sends to the `status` endpoint.
//!
//! A report's `StatusItems` is a tree split at the dots of the item names
//! (`device.operating-system.version` is `StatusItems.device.operating-system.version`), typed
//! here as [`StatusItems`] for every status item of Apple's schema. Items the schema does not
//! know stay in the `unknown_keys` of the object that holds them; `Errors` lists the items the
//! device could not report.
//!
//! ```
//! use mdmkit::apple::ddm::{Category, StatusReport};
//!
//! let json = br#"{"StatusItems": {
//!     "device": {"operating-system": {"version": "17.4"}},
//!     "management": {"declarations": {"configurations": [
//!         {"identifier": "passcode", "server-token": "1", "active": true, "valid": "valid"}]}}},
//!   "Errors": []}"#;
//! let report = StatusReport::from_json(json)?;
//! let items = report.status_items.as_ref().unwrap();
//! let os = items.device.as_ref().and_then(|d| d.operating_system.as_ref()).unwrap();
//! assert_eq!(os.version.as_deref(), Some("17.4"));
//! let (category, d) = report.declarations().next().unwrap();
//! assert_eq!((category, d.identifier.as_deref()), (Category::Configuration, Some("passcode")));
//! # Ok::<(), mdmkit::DecodeError>(())
//! ```

use super::{Category, json_document};

pub use crate::apple::generated::declarative::statusreport::*;

json_document!(StatusReport);

impl StatusReport {
    /// Every declaration in `StatusItems.management.declarations`, with its category, in the
    /// order activations, assets, configurations, management.
    pub fn declarations(&self) -> impl Iterator<Item = (Category, &StatusDeclaration)> {
        let d = self
            .status_items
            .as_ref()
            .and_then(|s| s.management.as_ref())
            .and_then(|m| m.declarations.as_ref());
        let lists = d.map(|d| {
            [
                (Category::Activation, &d.activations),
                (Category::Asset, &d.assets),
                (Category::Configuration, &d.configurations),
                (Category::Management, &d.management),
            ]
        });
        lists
            .into_iter()
            .flatten()
            .flat_map(|(c, list)| list.iter().flatten().map(move |i| (c, i)))
    }
}
