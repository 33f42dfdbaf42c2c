//! Error types.
//!
//! Errors are grouped by who is to blame:
//!
//! * [`DecodeError`]: the peer sent something mdmkit refuses (answer it with HTTP 400). It carries
//!   a [`DecodeErrorKind`], the key path inside the document (`ErrorChain[0].ErrorCode`) and the
//!   byte offset when the reader knows it. It never echoes input values: device data and tokens
//!   are sensitive.
//! * [`EncodeError`]: a value the caller built cannot be written (a string holding a character XML
//!   cannot carry).
//! * With the `cms` feature, `cms::VerifyError` (a signature is not acceptable) and
//!   `cms::SignError` (a message could not be signed).
//! * [`Error`]: the sum of the above, for callers who want one type.
//!
//! `Display` texts are lowercase, have no trailing period and are not part of the API.

use std::fmt;
use std::sync::Arc;

/// The limit that an input exceeded. See [`Limits`](crate::Limits) for the defaults.
#[allow(clippy::exhaustive_enums)] // closed set: one variant per field of `Limits`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// [`Limits::max_input_bytes`](crate::Limits::max_input_bytes).
    InputBytes,
    /// [`Limits::max_depth`](crate::Limits::max_depth).
    Depth,
    /// [`Limits::max_items`](crate::Limits::max_items).
    Items,
    /// [`Limits::max_string_bytes`](crate::Limits::max_string_bytes).
    StringBytes,
    /// [`Limits::max_data_bytes`](crate::Limits::max_data_bytes).
    DataBytes,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::InputBytes => "input size",
            Limit::Depth => "nesting depth",
            Limit::Items => "item count",
            Limit::StringBytes => "string size",
            Limit::DataBytes => "data size",
        })
    }
}

/// What was wrong with the input. Part of [`DecodeError`].
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The bytes are not well-formed XML, or not a well-formed property list.
    Syntax,
    /// The input ended before the document was complete.
    UnexpectedEof,
    /// The input is not valid UTF-8.
    InvalidUtf8,
    /// The XML declaration names an encoding other than UTF-8.
    UnsupportedEncoding,
    /// A `DOCTYPE` other than the one allowed for this format (plist: Apple's standard line).
    DoctypeForbidden,
    /// An entity reference other than the five predefined ones and character references.
    EntityForbidden,
    /// The input exceeds one of the configured [`Limits`](crate::Limits).
    LimitExceeded(Limit),
    /// A dictionary holds the same key twice.
    DuplicateKey,
    /// A required key is missing. The error's path names the key.
    MissingKey,
    /// A value has another type than the schema gives for its key.
    WrongType {
        /// The type the schema expects (`string`, `integer`, `dictionary`, …).
        expected: &'static str,
        /// The type found in the input.
        found: &'static str,
    },
    /// An integer does not fit the range a plist integer (or the target field) allows.
    IntegerOutOfRange,
    /// A value of the right type whose content is invalid (bad date, bad base64, bad number).
    InvalidValue(&'static str),
    /// Something other than whitespace or comments follows the document.
    TrailingData,
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeErrorKind::Syntax => f.write_str("malformed document"),
            DecodeErrorKind::UnexpectedEof => f.write_str("unexpected end of input"),
            DecodeErrorKind::InvalidUtf8 => f.write_str("input is not valid utf-8"),
            DecodeErrorKind::UnsupportedEncoding => f.write_str("unsupported encoding"),
            DecodeErrorKind::DoctypeForbidden => f.write_str("document type declaration refused"),
            DecodeErrorKind::EntityForbidden => f.write_str("entity reference refused"),
            DecodeErrorKind::LimitExceeded(l) => write!(f, "{l} limit exceeded"),
            DecodeErrorKind::DuplicateKey => f.write_str("duplicate key"),
            DecodeErrorKind::MissingKey => f.write_str("missing required key"),
            DecodeErrorKind::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            DecodeErrorKind::IntegerOutOfRange => f.write_str("integer out of range"),
            DecodeErrorKind::InvalidValue(what) => write!(f, "invalid {what}"),
            DecodeErrorKind::TrailingData => f.write_str("trailing data after the document"),
        }
    }
}

/// The peer sent something mdmkit refuses.
///
/// ```
/// use mdmkit::apple::plist::Value;
/// use mdmkit::DecodeErrorKind;
///
/// let err = Value::from_xml(b"<plist><dict><key>A</key><integer>x</integer></dict></plist>")
///     .unwrap_err();
/// assert_eq!(err.kind(), &DecodeErrorKind::InvalidValue("integer"));
/// assert_eq!(err.path(), "A");
/// ```
#[derive(Clone)]
pub struct DecodeError {
    kind: DecodeErrorKind,
    path: String,
    offset: Option<u64>,
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl DecodeError {
    /// A new error of `kind` with no path and no offset.
    #[must_use]
    pub fn new(kind: DecodeErrorKind) -> Self {
        DecodeError {
            kind,
            path: String::new(),
            offset: None,
            source: None,
        }
    }

    #[cfg_attr(not(feature = "apple"), allow(dead_code))]
    pub(crate) fn at(kind: DecodeErrorKind, offset: Option<u64>) -> Self {
        DecodeError {
            kind,
            path: String::new(),
            offset,
            source: None,
        }
    }

    #[cfg_attr(not(feature = "apple"), allow(dead_code))]
    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// What was wrong.
    #[must_use]
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }

    /// The key path of the offending value inside the document, e.g. `ErrorChain[0].ErrorCode`;
    /// empty for the document root.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The byte offset in the input where the reader noticed the problem, when known.
    #[must_use]
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }

    /// Prefixes the path with a dictionary key (used while unwinding out of a dictionary).
    #[must_use]
    pub fn in_key(mut self, key: &str) -> Self {
        prefix_key(&mut self.path, key);
        self
    }

    /// Prefixes the path with an array index (used while unwinding out of an array).
    #[must_use]
    pub fn in_index(mut self, index: usize) -> Self {
        prefix_index(&mut self.path, index);
        self
    }
}

/// Prefixes a key path (`a.b[0].c`) with a dictionary key.
fn prefix_key(path: &mut String, key: &str) {
    if !path.is_empty() && !path.starts_with('[') {
        path.insert(0, '.');
    }
    path.insert_str(0, key);
}

/// Prefixes a key path with an array index.
fn prefix_index(path: &mut String, index: usize) {
    if !path.is_empty() && !path.starts_with('[') {
        path.insert(0, '.');
    }
    path.insert_str(0, &format!("[{index}]"));
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("kind", &self.kind)
            .field("path", &self.path)
            .field("offset", &self.offset)
            .finish()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)?;
        if !self.path.is_empty() {
            write!(f, " at `{}`", self.path)?;
        }
        if let Some(offset) = self.offset {
            write!(f, " (byte {offset})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A value built by the caller cannot be written.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A string holds a character that XML 1.0 cannot carry (most C0 control characters).
    #[error("string at `{path}` holds a character xml cannot carry")]
    InvalidXmlChar {
        /// The key path of the string.
        path: String,
    },
    /// A date outside the years 0000–9999, which the XML form cannot carry.
    #[error("date at `{path}` is outside the years 0000-9999")]
    DateOutOfRange {
        /// The key path of the date.
        path: String,
    },
    /// A JSON document (Declarative Device Management) could not be written.
    #[error("json serialisation failed")]
    Json,
}

impl EncodeError {
    fn path_mut(&mut self) -> Option<&mut String> {
        match self {
            EncodeError::InvalidXmlChar { path } | EncodeError::DateOutOfRange { path } => {
                Some(path)
            }
            EncodeError::Json => None,
        }
    }

    /// Prefixes the path with a dictionary key (used while unwinding out of a dictionary).
    #[must_use]
    pub fn in_key(mut self, key: &str) -> Self {
        if let Some(path) = self.path_mut() {
            prefix_key(path, key);
        }
        self
    }

    /// Prefixes the path with an array index (used while unwinding out of an array).
    #[must_use]
    pub fn in_index(mut self, index: usize) -> Self {
        if let Some(path) = self.path_mut() {
            prefix_index(path, index);
        }
        self
    }
}

/// A rule the caller broke while building a message (rustls's "API misuse"): never caused by
/// decoded input. Produced by the profile builder (`apple::profile::ProfileBuilder::build`,
/// `Profile::validate`) and the enrollment profile builder.
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error)]
pub enum BuildError {
    /// A required identifier (`PayloadIdentifier`, `PayloadUUID`) is empty.
    #[error("{path} is empty")]
    Empty {
        /// Where (`PayloadContent[2].PayloadUUID`).
        path: String,
    },
    /// Two payloads (or a payload and the profile) share a `PayloadUUID`.
    #[error("duplicate PayloadUUID {uuid:?} at {path}")]
    DuplicatePayloadUuid {
        /// The UUID.
        uuid: String,
        /// The second use.
        path: String,
    },
    /// Two payloads (or a payload and the profile) share a `PayloadIdentifier`.
    #[error("duplicate PayloadIdentifier {identifier:?} at {path}")]
    DuplicatePayloadIdentifier {
        /// The identifier.
        identifier: String,
        /// The second use.
        path: String,
    },
    /// A key the schema requires is absent.
    #[error("missing required key {path}")]
    MissingKey {
        /// Key path (`PayloadContent[0].PayloadContent.URL`).
        path: String,
    },
    /// A value has another plist type than the schema says.
    #[error("{path}: expected {expected}, found {found}")]
    WrongType {
        /// Key path.
        path: String,
        /// The schema type (`<string>`, …).
        expected: &'static str,
        /// The plist type found.
        found: &'static str,
    },
    /// A value is not one of the schema's allowed values.
    #[error("{path}: value {value:?} is not one of {allowed:?}")]
    ValueNotAllowed {
        /// Key path.
        path: String,
        /// The value, as text.
        value: String,
        /// The schema's `rangelist`.
        allowed: &'static [&'static str],
    },
    /// A payload macOS does not install with the profile's `PayloadScope`.
    #[error("{path}: {payload_type} cannot be installed with PayloadScope {scope}")]
    WrongScope {
        /// Where the payload is.
        path: String,
        /// Its `PayloadType`.
        payload_type: String,
        /// The profile's scope.
        scope: String,
    },
    /// A value breaks a rule of the protocol (an enrollment profile's `ServerURL` that is not
    /// https, a `Topic` that is not a push topic, impossible `AccessRights`).
    #[error("{path}: {reason}")]
    Invalid {
        /// Key path.
        path: String,
        /// The rule.
        reason: &'static str,
    },
    /// A certificate reference (a pinning UUID) names no certificate payload of the profile.
    #[error("{path}: {uuid:?} names no certificate payload in the profile")]
    CertificateNotFound {
        /// Key path of the reference.
        path: String,
        /// The UUID.
        uuid: String,
    },
    /// Enrollment profile: `IdentityCertificateUUID` names no identity payload of the profile.
    #[error("IdentityCertificateUUID {uuid:?} names no identity payload in the profile")]
    IdentityNotFound {
        /// The UUID the MDM payload names.
        uuid: String,
    },
    /// What would be written does not read back with the default limits (nesting deeper than
    /// the depth limit, an unknown key that repeats a known one).
    #[error("{path}: {source}")]
    Unreadable {
        /// Where the payload is (empty for the profile's own keys; the source has the rest).
        path: String,
        /// The cause.
        #[source]
        source: DecodeError,
    },
    /// A payload could not be written (see [`EncodeError`]).
    #[error("{path}: {source}")]
    Encode {
        /// Where the payload is (empty for the profile's own keys; the source has the rest).
        path: String,
        /// The cause.
        #[source]
        source: EncodeError,
    },
}

/// Any mdmkit error.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// See [`DecodeError`].
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// See [`EncodeError`].
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// See [`BuildError`].
    #[error(transparent)]
    Build(#[from] BuildError),
    /// See [`cms::VerifyError`](crate::cms::VerifyError).
    #[cfg(feature = "cms")]
    #[error(transparent)]
    Verify(#[from] crate::cms::VerifyError),
    /// See [`cms::SignError`](crate::cms::SignError).
    #[cfg(feature = "cms")]
    #[error(transparent)]
    Sign(#[from] crate::cms::SignError),
}
