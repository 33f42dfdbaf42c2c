//! Errors of certificate issuance.

use crate::cms::{BackendError, VerifyError};
use std::fmt;

/// The bound of [`CsrLimits`](super::CsrLimits) that a request exceeded.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CsrLimit {
    /// [`CsrLimits::max_input_bytes`](super::CsrLimits::max_input_bytes).
    InputBytes,
    /// [`CsrLimits::max_items`](super::CsrLimits::max_items).
    Items,
}

impl fmt::Display for CsrLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CsrLimit::InputBytes => "input size",
            CsrLimit::Items => "item count",
        })
    }
}

/// Why a certificate request (PKCS#10) was refused.
///
/// `Display` texts never echo input values.
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error)]
pub enum CsrError {
    /// The bytes are not a well-formed PKCS#10 `CertificationRequest` (bad base64 or DER,
    /// truncated, wrong tags, trailing data, a version other than v1, a duplicate extension, a
    /// common name that is not text).
    #[error("malformed certificate request: {what}{}", fmt_offset(*.offset))]
    Malformed {
        /// What was being read when the problem was found.
        what: &'static str,
        /// The byte offset in the DER input, when known.
        offset: Option<u64>,
    },
    /// The request exceeds one of the [`CsrLimits`](super::CsrLimits).
    #[error("certificate request {0} limit exceeded")]
    LimitExceeded(CsrLimit),
    /// A signature or public-key algorithm mdmkit does not implement (RSA-PSS, EdDSA, DSA,
    /// an EC curve other than P-256 and P-384, an unknown OID), or a signature algorithm for
    /// another key type than the request's key.
    #[error("unsupported certificate request algorithm")]
    UnsupportedAlgorithm {
        /// The algorithm's (or the curve's) OID in dotted form.
        oid: String,
    },
    /// The request is signed with MD2, MD4 or MD5: always refused.
    #[error("weak signature algorithm {algorithm} refused")]
    WeakAlgorithm {
        /// `"md2"`, `"md4"` or `"md5"`.
        algorithm: &'static str,
    },
    /// The signature does not verify with the request's own public key: the request was
    /// changed after signing, or the sender does not hold the private key.
    #[error("bad certificate request signature")]
    BadSignature {
        /// OpenSSL's error, when it reported one.
        #[source]
        source: Option<BackendError>,
    },
}

pub(super) fn fmt_offset(offset: Option<u64>) -> String {
    offset.map_or_else(String::new, |o| format!(" (byte {o})"))
}

impl CsrError {
    pub(super) fn malformed(what: &'static str, offset: usize) -> Self {
        CsrError::Malformed {
            what,
            offset: u64::try_from(offset).ok(),
        }
    }
}

/// Why a certificate could not be issued. Except for [`Request`](IssueError::Request), every
/// case is a configuration or caller problem, not something the device sent.
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error)]
pub enum IssueError {
    /// The request's signature does not verify, or it uses an algorithm mdmkit does not
    /// implement: the device does not prove it holds the key. Answer with the MS-MDE2
    /// `CertificateRequest` fault.
    #[error("certificate request refused")]
    Request(#[source] CsrError),
    /// The request's key is RSA shorter than [`Issuer::with_min_rsa_bits`](super::Issuer::with_min_rsa_bits)
    /// (default 2048).
    #[error("rsa key of {bits} bits is too short")]
    WeakKey {
        /// The modulus length.
        bits: u32,
    },
    /// The issuer certificate is not a CA: no basicConstraints `CA:TRUE`, or a keyUsage
    /// without `keyCertSign`.
    #[error("issuer certificate is not a certification authority")]
    NotACa,
    /// The subject given by the caller cannot be used (empty, longer than 64 characters, or
    /// holding a control character).
    #[error("invalid subject: {reason}")]
    InvalidSubject {
        /// Which rule.
        reason: &'static str,
    },
    /// The validity is empty, cannot be encoded (before 1950 or after 9999), or lies outside
    /// the issuer certificate's own validity.
    #[error("invalid validity period: {reason}")]
    InvalidValidity {
        /// Which rule.
        reason: &'static str,
    },
    /// Renewal: the new certificate's subject differs from the current certificate's.
    #[error("renewal subject differs from the current certificate's")]
    SubjectMismatch,
    /// Renewal: the new request's DeviceID extension differs from the current certificate's.
    #[error("renewal device id differs from the current certificate's")]
    DeviceIdMismatch,
    /// Renewal: the current certificate was not issued by this issuer's CA.
    #[error("current certificate was not issued by this certification authority")]
    NotIssuedHere,
    /// OpenSSL failed while signing.
    #[error("cryptographic backend failure")]
    Crypto(#[source] BackendError),
}

impl From<openssl::error::ErrorStack> for IssueError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        IssueError::Crypto(e.into())
    }
}

/// Why a renewal request (a PKCS#7 `SignedData` over a new PKCS#10) was refused.
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error)]
pub enum RenewalError {
    /// The CMS signature is not acceptable: malformed, bad signature, or signed by a
    /// certificate that does not chain to the trust anchors (a certificate from another CA),
    /// expired, not yet valid. Answer with the MS-MDE2 `Authentication` fault.
    #[error("renewal signature refused")]
    Signature(#[source] VerifyError),
    /// The [`Policy`](crate::cms::Policy) makes no trust decision
    /// ([`Policy::signature_only`](crate::cms::Policy::signature_only)): a renewal is only as
    /// good as the check that the current certificate is ours.
    #[error("renewal verified without trust anchors")]
    NoTrustDecision,
    /// The signed content is not `id-data`.
    #[error("renewal content is not id-data")]
    UnexpectedContentType {
        /// The content type in dotted form.
        oid: String,
    },
    /// The signed content is not an acceptable PKCS#10 request (malformed, bad signature of
    /// its own, unsupported algorithm).
    #[error("renewal certificate request refused")]
    Request(#[source] CsrError),
}
