//! Declarative Device Management (DDM): declarations, the protocol documents and status
//! reports.
//!
//! In DDM the server publishes **declarations** (configurations, assets, activations and
//! management declarations, each a JSON object with `Type`, `Identifier`, `ServerToken` and
//! `Payload`); the device fetches them, applies them by itself and sends **status reports**. The
//! exchange runs over the `DeclarativeManagement` check-in message, whose `Endpoint` names what
//! the device wants ([`Endpoint`]); a `DeclarativeManagement` MDM command carrying the
//! [`SyncTokens`] tells the device to synchronise.
//!
//! The wire format is JSON. Every `from_json` checks the input size first and then counts depth,
//! items and string bytes on the token stream ([`Limits`]), as the property list
//! decoders do; a known key with the wrong type is a [`DecodeError`] with its
//! key path. Unknown keys and unknown declaration types are kept and written back.
//!
//! * [`Declaration`]: the envelope, with a [`DeclarationPayload`] typed for the 38 declaration
//!   types of Apple's schema ([`ALL_DECLARATIONS`]).
//! * [`protocol`]: [`Endpoint`], [`TokensResponse`], [`DeclarationItemsResponse`],
//!   [`declarations_token`], the `DeclarativeManagement` command.
//! * [`status`]: [`StatusReport`] and its typed item tree.
//! * The credential documents a credential asset's `Reference.DataURL` serves:
//!   [`CredentialUsernameandpassword`], [`CredentialIdentity`], [`CredentialScep`],
//!   [`CredentialAcme`] (their secrets are [`Sensitive`](crate::Sensitive)).
//!
//! ```
//! use mdmkit::apple::ddm::{Declaration, DeclarationPayload};
//!
//! let json = br#"{"Type": "com.apple.configuration.passcode.settings",
//!   "Identifier": "passcode", "ServerToken": "1",
//!   "Payload": {"MinimumLength": 6, "RequireAlphanumericPasscode": true}}"#;
//! let d = Declaration::from_json(json)?;
//! let DeclarationPayload::ConfigurationPasscodeSettings(p) = &d.payload else { panic!() };
//! assert_eq!(p.minimum_length, Some(6));
//! assert_eq!(Declaration::from_json(&d.to_json()?)?, d);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Apple's reference:
//! <https://developer.apple.com/documentation/devicemanagement/leveraging-the-declarative-management-data-model-to-scale-devices>.

mod declaration;
pub mod protocol;
pub mod status;

pub use crate::apple::generated::declarations::*;
pub use declaration::Declaration;
pub use protocol::{
    DeclarationItem, DeclarationItemsResponse, Endpoint, SyncTokens, TokensResponse,
    declarations_token,
};
pub use status::StatusReport;

use crate::apple::availability::{Availability, KeyInfo};
use crate::apple::plist::{Decoder, FromPlist};
use crate::{DecodeError, EncodeError, Limits};

/// A declaration payload type: implemented by the 38 generated payload types.
pub trait DeclarationKind: Into<DeclarationPayload> {
    /// The declaration's `Type` (`com.apple.configuration.passcode.settings`).
    const DECLARATION_TYPE: &'static str;
    /// The type's `supportedOS`.
    const AVAILABILITY: Availability;
    /// Facts about every payload key, in schema order.
    const KEYS: &'static [KeyInfo];
}

/// The four kinds of declaration. Each has its own list in the declaration items manifest and
/// its own segment in the `declaration/<kind>/<identifier>` endpoint.
#[allow(clippy::exhaustive_enums)] // the protocol defines exactly these four
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Activations: which configurations apply, under which predicate.
    Activation,
    /// Assets: data a configuration refers to (credentials, identities, files).
    Asset,
    /// Configurations: the settings.
    Configuration,
    /// Management declarations: organisation information, properties, server capabilities.
    Management,
}

impl Category {
    /// Every category, in the order the manifest lists them.
    pub const ALL: [Category; 4] = [
        Category::Activation,
        Category::Asset,
        Category::Configuration,
        Category::Management,
    ];

    /// The endpoint segment (`declaration/configuration/…`) and the `Type` segment
    /// (`com.apple.configuration.…`): `activation`, `asset`, `configuration`, `management`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Activation => "activation",
            Category::Asset => "asset",
            Category::Configuration => "configuration",
            Category::Management => "management",
        }
    }

    /// The key of this category's list in the declaration items manifest: `Activations`,
    /// `Assets`, `Configurations`, `Management`.
    #[must_use]
    pub const fn manifest_key(self) -> &'static str {
        match self {
            Category::Activation => "Activations",
            Category::Asset => "Assets",
            Category::Configuration => "Configurations",
            Category::Management => "Management",
        }
    }

    /// The category named by an endpoint segment (`configuration`).
    #[must_use]
    pub fn from_segment(segment: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == segment)
    }

    /// The category of a declaration `Type`: its second segment after `com.apple.`
    /// (`com.apple.asset.data` → `Asset`); `None` for a type outside that pattern.
    #[must_use]
    pub fn of_type(declaration_type: &str) -> Option<Category> {
        let rest = declaration_type.strip_prefix("com.apple.")?;
        let segment = rest.split('.').next()?;
        Category::from_segment(segment)
    }
}

/// The facts of one declaration type: an entry of [`ALL_DECLARATIONS`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub struct DeclarationTypeInfo {
    /// The `Type` (`com.apple.configuration.passcode.settings`).
    pub declaration_type: &'static str,
    /// Its category.
    pub category: Category,
    /// The type's `supportedOS`.
    pub availability: Availability,
    /// Facts about every payload key, in schema order.
    pub keys: &'static [KeyInfo],
}

impl DeclarationTypeInfo {
    /// Used by the generated table.
    #[must_use]
    pub const fn new(
        declaration_type: &'static str,
        category: Category,
        availability: Availability,
        keys: &'static [KeyInfo],
    ) -> Self {
        DeclarationTypeInfo {
            declaration_type,
            category,
            availability,
            keys,
        }
    }

    /// The entry for `declaration_type`, if the schema knows it.
    #[must_use]
    pub fn find(declaration_type: &str) -> Option<&'static DeclarationTypeInfo> {
        ALL_DECLARATIONS
            .iter()
            .find(|i| i.declaration_type == declaration_type)
    }
}

/// Decodes one JSON document as `T` with explicit limits (the shared entry of every
/// `from_json`).
pub(crate) fn decode_json<T: FromPlist>(input: &[u8], limits: &Limits) -> Result<T, DecodeError> {
    let mut de = Decoder::from_json(input, limits)?;
    let v = de.value::<T>()?;
    de.finish()?;
    Ok(v)
}

/// Writes `value` as compact JSON.
pub(crate) fn encode_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, EncodeError> {
    serde_json::to_vec(value).map_err(|_| EncodeError::Json)
}

/// `from_json`, `from_json_with_limits` and `to_json` for a generated protocol document.
macro_rules! json_document {
    ($($t:ty),* $(,)?) => {$(
        impl $t {
            /// Decodes the JSON document with the default [`Limits`](crate::Limits).
            ///
            /// # Errors
            /// A [`DecodeError`](crate::DecodeError) for malformed JSON, an exceeded limit, a
            /// missing required key or a known key with the wrong type (with its key path).
            pub fn from_json(input: &[u8]) -> Result<Self, crate::DecodeError> {
                crate::apple::ddm::decode_json(input, &crate::Limits::DEFAULT)
            }

            /// Decodes the JSON document with explicit limits.
            ///
            /// # Errors
            /// As `from_json`.
            pub fn from_json_with_limits(
                input: &[u8],
                limits: &crate::Limits,
            ) -> Result<Self, crate::DecodeError> {
                crate::apple::ddm::decode_json(input, limits)
            }

            /// Writes the document as compact JSON (unknown keys after the known ones).
            ///
            /// # Errors
            /// [`EncodeError::Json`](crate::EncodeError::Json) if serialisation fails.
            pub fn to_json(&self) -> Result<Vec<u8>, crate::EncodeError> {
                crate::apple::ddm::encode_json(self)
            }
        }
    )*};
}
pub(crate) use json_document;

json_document!(
    CredentialAcme,
    CredentialIdentity,
    CredentialScep,
    CredentialUsernameandpassword,
);
