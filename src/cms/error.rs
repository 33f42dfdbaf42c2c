//! Errors of the CMS layer.

use std::fmt;
use std::sync::Arc;

/// The limit of [`CmsLimits`](super::CmsLimits) that an input exceeded.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmsLimit {
    /// [`CmsLimits::max_input_bytes`](super::CmsLimits::max_input_bytes) (for an `Mdm-Signature`
    /// header also the fixed header cap).
    InputBytes,
    /// [`CmsLimits::max_certificates`](super::CmsLimits::max_certificates).
    Certificates,
    /// [`CmsLimits::max_signed_attributes`](super::CmsLimits::max_signed_attributes).
    SignedAttributes,
    /// [`CmsLimits::max_depth`](super::CmsLimits::max_depth).
    Depth,
}

impl fmt::Display for CmsLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CmsLimit::InputBytes => "input size",
            CmsLimit::Certificates => "certificate count",
            CmsLimit::SignedAttributes => "signed attribute count",
            CmsLimit::Depth => "nesting depth",
        })
    }
}

/// An error reported by a dependency (OpenSSL, the DER decoder), kept opaque.
///
/// It is only ever exposed as the [`source()`](std::error::Error::source) of a [`VerifyError`]
/// or [`SignError`]; its text is meant for logs and is not part of the API.
#[derive(Clone)]
pub struct BackendError(Arc<dyn std::error::Error + Send + Sync + 'static>);

impl BackendError {
    pub(crate) fn new(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        BackendError(Arc::new(e))
    }
}

impl fmt::Debug for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl std::error::Error for BackendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl From<openssl::error::ErrorStack> for BackendError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        BackendError::new(e)
    }
}

impl From<x509_cert::der::Error> for BackendError {
    fn from(e: x509_cert::der::Error) -> Self {
        BackendError::new(e)
    }
}

/// Why a signature was not accepted.
///
/// Every case is distinct so that a server can tell a forged message ([`BadSignature`],
/// [`DigestMismatch`]) from a configuration problem ([`UntrustedChain`], [`WeakDigest`]) or
/// garbage ([`Malformed`]). `Display` texts never echo input values.
///
/// [`BadSignature`]: VerifyError::BadSignature
/// [`DigestMismatch`]: VerifyError::DigestMismatch
/// [`UntrustedChain`]: VerifyError::UntrustedChain
/// [`WeakDigest`]: VerifyError::WeakDigest
/// [`Malformed`]: VerifyError::Malformed
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error)]
pub enum VerifyError {
    /// The input is not a well-formed CMS structure (bad BER/DER, truncated, wrong tags,
    /// trailing data, an attribute of the wrong shape, an unparsable certificate).
    #[error("malformed cms: {what}{}", fmt_offset(*.offset))]
    Malformed {
        /// What was being read when the problem was found.
        what: &'static str,
        /// The byte offset in the (normalised) input, when known.
        offset: Option<u64>,
        /// The decoder's error, if any.
        #[source]
        source: Option<BackendError>,
    },
    /// The input exceeds one of the [`CmsLimits`](super::CmsLimits).
    #[error("cms {0} limit exceeded")]
    LimitExceeded(CmsLimit),
    /// The `ContentInfo` holds something other than `SignedData` (for example enveloped data).
    #[error("cms content is not signed-data")]
    NotSignedData,
    /// The `SignedData` has no `SignerInfo`.
    #[error("cms signed-data has no signer")]
    NoSigner,
    /// The `SignedData` has more than one `SignerInfo`; mdmkit accepts exactly one.
    #[error("cms signed-data has more than one signer")]
    MultipleSigners,
    /// No certificate included in the `SignedData` matches the signer identifier.
    #[error("the signer's certificate is not included")]
    SignerCertificateMissing,
    /// A digest or signature algorithm mdmkit does not implement (RSA-PSS, Ed25519, SHA-224,
    /// unknown OIDs), or a signature algorithm whose hash contradicts the digest algorithm.
    #[error("unsupported cms algorithm")]
    UnsupportedAlgorithm {
        /// The algorithm's OID in dotted form.
        oid: String,
    },
    /// The digest is MD5 (always refused) or SHA-1 without
    /// [`Policy::allow_sha1`](super::Policy::allow_sha1).
    #[error("weak digest algorithm {algorithm} refused")]
    WeakDigest {
        /// `"md5"`, `"sha1"`, `"md2"` or `"md4"`.
        algorithm: &'static str,
    },
    /// The `contentType` signed attribute differs from the encapsulated content type.
    #[error("content-type attribute does not match the content")]
    ContentTypeMismatch,
    /// The `messageDigest` signed attribute differs from the digest of the content: the content
    /// was changed after signing.
    #[error("message digest does not match the content")]
    DigestMismatch,
    /// The signature does not verify with the signer certificate's public key.
    #[error("bad signature")]
    BadSignature {
        /// OpenSSL's error, when it reported one.
        #[source]
        source: Option<BackendError>,
    },
    /// The signer certificate does not chain to any of the trust anchors.
    #[error("signer certificate does not chain to a trust anchor")]
    UntrustedChain {
        /// OpenSSL's verification result.
        #[source]
        source: Option<BackendError>,
    },
    /// A certificate of the chain has expired at the policy's `now`.
    #[error("certificate expired")]
    Expired,
    /// A certificate of the chain is not yet valid at the policy's `now`.
    #[error("certificate not yet valid")]
    NotYetValid,
    /// Attached verification, but the `SignedData` carries no content (it is detached).
    #[error("cms signed-data carries no content")]
    ContentMissing,
    /// Detached verification, but the `SignedData` carries content of its own.
    #[error("cms signed-data carries content but was verified as detached")]
    UnexpectedContent,
    /// An unexpected failure inside the cryptographic backend.
    #[error("cryptographic backend failure")]
    Backend(#[source] BackendError),
}

fn fmt_offset(offset: Option<u64>) -> String {
    offset.map_or_else(String::new, |o| format!(" (byte {o})"))
}

impl VerifyError {
    pub(crate) fn malformed(what: &'static str, offset: usize) -> Self {
        VerifyError::Malformed {
            what,
            offset: u64::try_from(offset).ok(),
            source: None,
        }
    }

    pub(crate) fn der(what: &'static str, e: x509_cert::der::Error) -> Self {
        let offset = e.position().map(u32::from).map(u64::from);
        VerifyError::Malformed {
            what,
            offset,
            source: Some(BackendError::from(e)),
        }
    }

    pub(crate) fn unsupported(oid: &x509_cert::der::oid::ObjectIdentifier) -> Self {
        VerifyError::UnsupportedAlgorithm {
            oid: oid.to_string(),
        }
    }
}

impl From<openssl::error::ErrorStack> for VerifyError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        VerifyError::Backend(e.into())
    }
}

/// Why a message could not be signed, or a signing identity not loaded.
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error)]
pub enum SignError {
    /// The private key is neither RSA nor ECDSA on P-256 or P-384.
    #[error("unsupported signing key type")]
    UnsupportedKey,
    /// The private key does not belong to the certificate's public key.
    #[error("private key does not match the certificate")]
    KeyMismatch,
    /// The private key could not be read (bad PEM/DER, encrypted, not a private key).
    #[error("invalid private key")]
    InvalidKey(#[source] Option<BackendError>),
    /// The certificate could not be read.
    #[error("invalid certificate")]
    InvalidCertificate(#[source] Option<BackendError>),
    /// The PKCS#12 file could not be read or decrypted, or lacks a key or certificate.
    #[error("invalid pkcs#12 file or password")]
    Pkcs12(#[source] Option<BackendError>),
    /// The signing time cannot be encoded (before 1970 or after 9999).
    #[error("signing time out of range")]
    SigningTimeOutOfRange,
    /// OpenSSL failed while signing.
    #[error("cryptographic backend failure")]
    Crypto(#[source] BackendError),
}

impl From<openssl::error::ErrorStack> for SignError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        SignError::Crypto(e.into())
    }
}
