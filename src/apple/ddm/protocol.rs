//! The DDM synchronisation protocol: the endpoints of the `DeclarativeManagement` check-in
//! message, the documents the server answers with, the declarations token, and the
//! `DeclarativeManagement` command.
//!
//! A sync runs like this: the server sends the command (with the current [`SyncTokens`]), or the
//! device checks in by itself; the device asks for `tokens` ([`TokensResponse`]), and when the
//! `DeclarationsToken` differs from the one it holds, for `declaration-items`
//! ([`DeclarationItemsResponse`]: `Identifier` and `ServerToken` of every declaration, by
//! category); it fetches each declaration it lacks from `declaration/<category>/<identifier>`
//! and sends `status` reports ([`StatusReport`]).
//!
//! ```
//! use mdmkit::apple::ddm::{self, Declaration, DeclarationItemsResponse, Endpoint, Category};
//! use mdmkit::apple::ddm::ActivationSimple;
//!
//! let decls = vec![Declaration::new("act", "1", ActivationSimple::new(vec!["passcode".into()]))];
//! let items = DeclarationItemsResponse::from_declarations(&decls);
//! assert_eq!(items.declarations.activations[0].identifier, "act");
//! assert_eq!(items.declarations_token, ddm::declarations_token(&decls));
//! assert_eq!(
//!     Endpoint::parse("declaration/activation/act"),
//!     Endpoint::Declaration { category: Category::Activation, identifier: "act".into() },
//! );
//! ```

use super::{Category, Declaration, StatusReport, json_document};
use crate::apple::checkin;
use crate::apple::command::DeclarativeManagement;
use crate::{DecodeError, DecodeErrorKind, EncodeError};
use sha2::Digest as _;
use std::fmt::{self, Write as _};

pub use crate::apple::generated::declarative::{
    DeclarationItem, DeclarationItemsResponse, DeclarationItemsResponseDeclarations,
    SynchronizationTokens, TokensResponse,
};

/// The `SyncTokens` object (`DeclarationsToken`, `Timestamp`), the schema's
/// `SynchronizationTokens`.
pub type SyncTokens = SynchronizationTokens;

json_document!(TokensResponse, DeclarationItemsResponse);

/// What a `DeclarativeManagement` check-in asks for: its `Endpoint`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `tokens`: answer with a [`TokensResponse`].
    Tokens,
    /// `declaration-items`: answer with a [`DeclarationItemsResponse`].
    DeclarationItems,
    /// `status`: the message's `Data` is a [`StatusReport`]; answer with an empty body.
    Status,
    /// `declaration/<category>/<identifier>`: answer with that declaration.
    Declaration {
        /// The category segment.
        category: Category,
        /// The declaration's `Identifier` (everything after the category segment).
        identifier: String,
    },
    /// Any other endpoint, as sent.
    Unknown(String),
}

impl Endpoint {
    /// Parses an `Endpoint` value. Never fails: an endpoint this version does not know (or a
    /// `declaration/…` path with an unknown category or no identifier) is [`Endpoint::Unknown`].
    #[must_use]
    pub fn parse(endpoint: &str) -> Endpoint {
        match endpoint {
            "tokens" => Endpoint::Tokens,
            "declaration-items" => Endpoint::DeclarationItems,
            "status" => Endpoint::Status,
            other => other
                .strip_prefix("declaration/")
                .and_then(|rest| rest.split_once('/'))
                .and_then(|(cat, id)| {
                    let category = Category::from_segment(cat)?;
                    (!id.is_empty()).then(|| Endpoint::Declaration {
                        category,
                        identifier: id.to_owned(),
                    })
                })
                .unwrap_or_else(|| Endpoint::Unknown(other.to_owned())),
        }
    }

    /// The endpoint of a `DeclarativeManagement` check-in message.
    #[must_use]
    pub fn of(message: &checkin::DeclarativeManagement) -> Endpoint {
        Endpoint::parse(&message.endpoint)
    }

    /// The endpoint for fetching `declaration`.
    ///
    /// Its category comes from its `Type`; `None` for a type outside `com.apple.<category>.…`.
    #[must_use]
    pub fn for_declaration(declaration: &Declaration) -> Option<Endpoint> {
        Some(Endpoint::Declaration {
            category: declaration.category()?,
            identifier: declaration.identifier.clone(),
        })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tokens => f.write_str("tokens"),
            Endpoint::DeclarationItems => f.write_str("declaration-items"),
            Endpoint::Status => f.write_str("status"),
            Endpoint::Declaration {
                category,
                identifier,
            } => write!(f, "declaration/{}/{identifier}", category.as_str()),
            Endpoint::Unknown(s) => f.write_str(s),
        }
    }
}

/// The `DeclarationsToken` of a set of declarations: the lowercase hex SHA-256 of every
/// declaration's category, `Identifier` and `ServerToken`, sorted, each field length-prefixed.
///
/// The token does not depend on the order of `declarations`, and changes when a declaration is
/// added, removed, or changes its `ServerToken` (which the server must change whenever the
/// declaration's content changes).
#[must_use]
pub fn declarations_token(declarations: &[Declaration]) -> String {
    let mut entries: Vec<(&str, &str, &str)> = declarations
        .iter()
        .map(|d| {
            let category: &str = match d.category() {
                Some(c) => c.as_str(),
                None => &d.r#type,
            };
            (category, d.identifier.as_str(), d.server_token.as_str())
        })
        .collect();
    entries.sort_unstable();
    let mut h = sha2::Sha256::new();
    for (category, identifier, token) in entries {
        for field in [category, identifier, token] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
    }
    let digest = h.finalize();
    let mut out = String::with_capacity(64);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
}

impl DeclarationItemsResponse {
    /// The manifest of `declarations`: each one's `Identifier` and `ServerToken` in the list of
    /// its category (in the given order), and their [`declarations_token`]. A declaration
    /// whose `Type` has no `com.apple.<category>.` prefix is listed under `Configurations`.
    #[must_use]
    pub fn from_declarations(declarations: &[Declaration]) -> Self {
        let mut lists = DeclarationItemsResponseDeclarations::new(
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        for d in declarations {
            let item = DeclarationItem::new(d.identifier.clone(), d.server_token.clone());
            match d.category().unwrap_or(Category::Configuration) {
                Category::Activation => lists.activations.push(item),
                Category::Asset => lists.assets.push(item),
                Category::Configuration => lists.configurations.push(item),
                Category::Management => lists.management.push(item),
            }
        }
        DeclarationItemsResponse::new(lists, declarations_token(declarations))
    }

    /// Every item with its category, in manifest order.
    pub fn items(&self) -> impl Iterator<Item = (Category, &DeclarationItem)> {
        let d = &self.declarations;
        [
            (Category::Activation, &d.activations),
            (Category::Asset, &d.assets),
            (Category::Configuration, &d.configurations),
            (Category::Management, &d.management),
        ]
        .into_iter()
        .flat_map(|(c, list)| list.iter().map(move |i| (c, i)))
    }
}

impl SynchronizationTokens {
    /// The tokens of `declarations` at `timestamp` (RFC 3339, e.g. `2024-05-01T12:00:00Z`:
    /// mdmkit never reads the clock).
    #[must_use]
    pub fn for_declarations(declarations: &[Declaration], timestamp: impl Into<String>) -> Self {
        SynchronizationTokens::new(declarations_token(declarations), timestamp)
    }
}

impl DeclarativeManagement {
    /// The `DeclarativeManagement` command carrying `tokens` (its `Data` is the JSON
    /// `{"SyncTokens": …}`, as the `tokens` endpoint returns it).
    ///
    /// # Errors
    /// [`EncodeError::Json`] if the tokens cannot be written.
    pub fn with_sync_tokens(tokens: &SyncTokens) -> Result<Self, EncodeError> {
        let body = TokensResponse::new(tokens.clone()).to_json()?;
        let mut cmd = DeclarativeManagement::new();
        cmd.data = Some(bytes::Bytes::from(body));
        Ok(cmd)
    }

    /// The sync tokens in `Data`, if it has any.
    ///
    /// # Errors
    /// A [`DecodeError`] if `Data` is not a tokens document.
    pub fn sync_tokens(&self) -> Result<Option<SyncTokens>, DecodeError> {
        match &self.data {
            None => Ok(None),
            Some(d) => Ok(Some(TokensResponse::from_json(d)?.sync_tokens)),
        }
    }
}

impl checkin::DeclarativeManagement {
    /// The status report in `Data` of a check-in to the `status` endpoint.
    ///
    /// # Errors
    /// `MissingKey` (path `Data`) if the message has no `Data`; any error of the report, with
    /// `Data` prefixed to its path.
    pub fn status_report(&self) -> Result<StatusReport, DecodeError> {
        let data = self
            .data
            .as_ref()
            .ok_or_else(|| DecodeError::new(DecodeErrorKind::MissingKey).in_key("Data"))?;
        StatusReport::from_json(data).map_err(|e| e.in_key("Data"))
    }
}
