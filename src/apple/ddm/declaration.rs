//! The declaration envelope (`declarationbase.yaml`: `Type`, `Identifier`, `ServerToken`,
//! `Payload`).

use super::{DeclarationKind, DeclarationPayload, decode_json, encode_json};
use crate::apple::plist::{Decoder, Dictionary, FromPlist, Token, UnknownKeys};
use crate::{DecodeError, DecodeErrorKind, EncodeError, Limits};
use serde::ser::SerializeMap as _;

/// A declaration: the JSON document a device fetches from `declaration/<kind>/<identifier>`.
///
/// `payload` is typed by `Type`: a type the schema does not know decodes to
/// [`DeclarationPayload::Unknown`] with the payload kept. Keys beside the four known ones are
/// kept in `unknown_keys` and written back after them.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    /// `Type` (`com.apple.configuration.passcode.settings`). Written as is: keep it in step
    /// with `payload` (the constructors do).
    pub r#type: String,
    /// `Identifier`: unique among the server's declarations (Apple: at most 64 bytes).
    pub identifier: String,
    /// `ServerToken`: changes whenever the declaration changes (Apple: at most 64 bytes).
    pub server_token: String,
    /// `Payload`.
    pub payload: DeclarationPayload,
    /// Keys the envelope does not know, in the order they were read.
    pub unknown_keys: Dictionary,
}

impl Declaration {
    /// A declaration of a schema type; `Type` comes from the payload type.
    #[must_use]
    pub fn new<P: DeclarationKind>(
        identifier: impl Into<String>,
        server_token: impl Into<String>,
        payload: P,
    ) -> Self {
        Declaration {
            r#type: P::DECLARATION_TYPE.to_owned(),
            identifier: identifier.into(),
            server_token: server_token.into(),
            payload: payload.into(),
            unknown_keys: Dictionary::new(),
        }
    }

    /// A declaration of a type this version of mdmkit does not know, with its payload as a
    /// dictionary.
    #[must_use]
    pub fn other(
        r#type: impl Into<String>,
        identifier: impl Into<String>,
        server_token: impl Into<String>,
        payload: Dictionary,
    ) -> Self {
        Declaration {
            r#type: r#type.into(),
            identifier: identifier.into(),
            server_token: server_token.into(),
            payload: DeclarationPayload::Unknown(payload),
            unknown_keys: Dictionary::new(),
        }
    }

    /// The category of `Type` (`None` for a type outside `com.apple.<category>.…`).
    #[must_use]
    pub fn category(&self) -> Option<super::Category> {
        super::Category::of_type(&self.r#type)
    }

    /// Decodes a declaration with the default [`Limits`].
    ///
    /// # Errors
    /// A [`DecodeError`] for malformed JSON or an exceeded limit; `MissingKey` for a missing
    /// `Type`, `Identifier`, `ServerToken` or `Payload`; `WrongType` (with the key path, e.g.
    /// `Payload.MinimumLength`) for a known key of another type; whatever the payload type
    /// refuses.
    pub fn from_json(input: &[u8]) -> Result<Self, DecodeError> {
        decode_json(input, &Limits::DEFAULT)
    }

    /// Decodes a declaration with explicit limits.
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json).
    pub fn from_json_with_limits(input: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        decode_json(input, limits)
    }

    /// Decodes a declaration without typing its payload: `payload` is always
    /// [`DeclarationPayload::Unknown`], whatever the `Type`. For storing or relaying
    /// declarations written elsewhere (a payload that breaks the schema, such as one missing a
    /// required key, still decodes); [`from_json`](Self::from_json) validates.
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json), except for the payload's own errors (the payload must
    /// still be a JSON object within the limits).
    pub fn from_json_untyped(input: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        let mut de = crate::apple::plist::Decoder::from_json(input, limits)?;
        let first = de.next_token()?;
        let d = decode(first, &mut de, false)?;
        de.finish()?;
        Ok(d)
    }

    /// Writes the declaration as compact JSON: `Type`, `Identifier`, `ServerToken`, `Payload`,
    /// then the unknown keys.
    ///
    /// # Errors
    /// [`EncodeError::Json`] if serialisation fails.
    pub fn to_json(&self) -> Result<Vec<u8>, EncodeError> {
        encode_json(self)
    }
}

impl FromPlist for Declaration {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        decode(first, de, true)
    }
}

/// Decodes the envelope; the payload typed by `Type` when `typed`, else kept as a dictionary.
fn decode<'a>(
    first: Token<'a>,
    de: &mut Decoder<'a>,
    typed: bool,
) -> Result<Declaration, DecodeError> {
    {
        // `Type` decides how `Payload` decodes, and may come after it: read ahead to it.
        let found = de.peek_top_level_string(first, &["Type"])?;
        let first = de.next_token()?;
        de.expect_dict(&first)?;
        let ty = match found {
            Some((_, Some(t))) => t.into_owned(),
            Some((_, None)) => {
                return Err(de
                    .error(DecodeErrorKind::WrongType {
                        expected: "string",
                        found: "another type",
                    })
                    .in_key("Type"));
            }
            None => return Err(DecodeError::new(DecodeErrorKind::MissingKey).in_key("Type")),
        };
        let mut seen_type = false;
        let mut identifier: Option<String> = None;
        let mut server_token: Option<String> = None;
        let mut payload: Option<DeclarationPayload> = None;
        let mut unknown = UnknownKeys::new();
        while let Some(key) = de.next_key()? {
            match &*key {
                "Type" => {
                    if seen_type {
                        return Err(de.error(DecodeErrorKind::DuplicateKey).in_key("Type"));
                    }
                    seen_type = true;
                    de.value::<String>().map_err(|e| e.in_key("Type"))?;
                }
                "Identifier" => de.field(&mut identifier, "Identifier")?,
                "ServerToken" => de.field(&mut server_token, "ServerToken")?,
                "Payload" => {
                    if payload.is_some() {
                        return Err(de.error(DecodeErrorKind::DuplicateKey).in_key("Payload"));
                    }
                    let first = de.next_token()?;
                    let p = if typed {
                        DeclarationPayload::decode(&ty, first, de)
                    } else {
                        Dictionary::from_plist(first, de).map(DeclarationPayload::Unknown)
                    };
                    payload = Some(p.map_err(|e| e.in_key("Payload"))?);
                }
                _ => de.unknown(&mut unknown, key)?,
            }
        }
        let missing = |k: &str| DecodeError::new(DecodeErrorKind::MissingKey).in_key(k);
        Ok(Declaration {
            r#type: ty,
            identifier: identifier.ok_or_else(|| missing("Identifier"))?,
            server_token: server_token.ok_or_else(|| missing("ServerToken"))?,
            payload: payload.ok_or_else(|| missing("Payload"))?,
            unknown_keys: unknown.into_dictionary(),
        })
    }
}

impl serde::Serialize for Declaration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4 + self.unknown_keys.len()))?;
        m.serialize_entry("Type", &self.r#type)?;
        m.serialize_entry("Identifier", &self.identifier)?;
        m.serialize_entry("ServerToken", &self.server_token)?;
        m.serialize_entry("Payload", &self.payload)?;
        for (k, v) in self.unknown_keys.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}
