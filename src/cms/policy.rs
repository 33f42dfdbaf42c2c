//! How a signature is judged: trust decision, accepted digests, limits.

use super::TrustAnchors;
use std::time::SystemTime;

/// Bounds on what the CMS verifier accepts. Every bound is checked before the part it guards
/// is decoded, and hitting one is [`VerifyError::LimitExceeded`](super::VerifyError::LimitExceeded).
///
/// ```
/// use mdmkit::cms::{CmsLimits, Policy};
/// let limits = CmsLimits::default().with_max_input_bytes(64 * 1024).with_max_certificates(4);
/// let policy = Policy::signature_only().with_limits(limits);
/// assert_eq!(policy.limits().max_certificates, 4);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CmsLimits {
    /// Largest accepted CMS input in bytes (after base64 decoding for `Mdm-Signature`).
    /// Default 16 MiB: signed profiles can carry large payloads (fonts, certificates, apps'
    /// managed configuration).
    pub max_input_bytes: usize,
    /// Most certificates in the `SignedData`. Default 32.
    pub max_certificates: usize,
    /// Most signed attributes on the signer. Default 64.
    pub max_signed_attributes: usize,
    /// Deepest BER nesting the normaliser enters. Default 32 (a CMS signature with its
    /// certificates nests about 10 deep). The walk never recurses, so any value is safe.
    pub max_depth: usize,
}

impl CmsLimits {
    /// The defaults, usable in `const` context.
    pub const DEFAULT: CmsLimits = CmsLimits {
        max_input_bytes: 16 * 1024 * 1024,
        max_certificates: 32,
        max_signed_attributes: 64,
        max_depth: 32,
    };

    /// Sets [`max_input_bytes`](Self::max_input_bytes).
    #[must_use]
    pub const fn with_max_input_bytes(mut self, n: usize) -> Self {
        self.max_input_bytes = n;
        self
    }

    /// Sets [`max_certificates`](Self::max_certificates).
    #[must_use]
    pub const fn with_max_certificates(mut self, n: usize) -> Self {
        self.max_certificates = n;
        self
    }

    /// Sets [`max_signed_attributes`](Self::max_signed_attributes).
    #[must_use]
    pub const fn with_max_signed_attributes(mut self, n: usize) -> Self {
        self.max_signed_attributes = n;
        self
    }

    /// Sets [`max_depth`](Self::max_depth).
    #[must_use]
    pub const fn with_max_depth(mut self, n: usize) -> Self {
        self.max_depth = n;
        self
    }
}

impl Default for CmsLimits {
    fn default() -> Self {
        CmsLimits::DEFAULT
    }
}

/// How [`verify_attached`](super::verify_attached) and
/// [`verify_detached`](super::verify_detached) decide whether to accept a signature.
///
/// Both kinds of policy check the structure, the digest and the signature. Then:
///
/// * [`Policy::trust`] also builds a chain from the signer certificate, through the
///   certificates included in the message, to one of the caller's [`TrustAnchors`], and checks
///   every certificate of it is valid at the caller's `now` (OpenSSL's chain verification:
///   signatures, validity, CA basic constraints; no key-usage or extended-key-usage purpose
///   check, no revocation check).
/// * [`Policy::signature_only`] makes no trust decision: the signer certificate is whatever
///   the message includes. Use it to open a signed profile without caring who signed it, or for
///   `Mdm-Signature`, where the server binds the device's certificate to an enrollment itself
///   (by fingerprint).
///
/// Digests: SHA-256, SHA-384 and SHA-512 are accepted. SHA-1 is refused
/// ([`VerifyError::WeakDigest`](super::VerifyError::WeakDigest)) unless
/// [`allow_sha1`](Self::allow_sha1) is set; Apple devices still sign `Mdm-Signature` with
/// SHA-1, so an MDM server sets it for that header. MD5 (and MD2, MD4) is always refused.
///
/// ```
/// use mdmkit::cms::{Policy, TrustAnchors};
/// use std::time::SystemTime;
///
/// // Per request: `now` is the caller's clock.
/// let policy = Policy::trust(TrustAnchors::new(), SystemTime::UNIX_EPOCH);
/// assert!(policy.is_trust());
/// let mdm_signature = Policy::signature_only().allow_sha1(true);
/// assert!(!mdm_signature.is_trust());
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) trust: Option<(TrustAnchors, SystemTime)>,
    pub(crate) allow_sha1: bool,
    pub(crate) limits: CmsLimits,
}

impl Policy {
    /// Trust decision against `anchors`, with certificate validity checked at `now`.
    #[must_use]
    pub fn trust(anchors: TrustAnchors, now: SystemTime) -> Self {
        Policy {
            trust: Some((anchors, now)),
            allow_sha1: false,
            limits: CmsLimits::DEFAULT,
        }
    }

    /// Digest and signature checked, no trust decision.
    #[must_use]
    pub fn signature_only() -> Self {
        Policy {
            trust: None,
            allow_sha1: false,
            limits: CmsLimits::DEFAULT,
        }
    }

    /// Whether SHA-1 digests (and SHA-1 signature algorithms) are accepted. Default `false`.
    #[must_use]
    pub fn allow_sha1(mut self, allow: bool) -> Self {
        self.allow_sha1 = allow;
        self
    }

    /// Replaces the [`CmsLimits`].
    #[must_use]
    pub fn with_limits(mut self, limits: CmsLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> &CmsLimits {
        &self.limits
    }

    /// Whether this policy makes a trust decision ([`Policy::trust`]).
    #[must_use]
    pub fn is_trust(&self) -> bool {
        self.trust.is_some()
    }

    /// Whether SHA-1 is accepted.
    #[must_use]
    pub fn sha1_allowed(&self) -> bool {
        self.allow_sha1
    }
}
