//! CMS (RFC 5652) signing and verification: signed configuration profiles and the
//! `Mdm-Signature` header.
//!
//! Untrusted input is parsed by strict, bounded pure-Rust DER decoders (the `cms` and
//! `x509-cert` crates, behind a small BER normaliser of mdmkit's own, see below); the
//! cryptography (digests, RSA and ECDSA signatures, chain building, PKCS#12) is OpenSSL's.
//! None of the dependencies' types appear in this API: certificates are [`Certificate`]s
//! (DER bytes), keys stay inside [`Signer`], and dependency errors are only ever the
//! `source()` of a [`VerifyError`] or [`SignError`].
//!
//! Nothing is trusted implicitly. [`verify_attached`] and [`verify_detached`] take a
//! [`Policy`]: either [`Policy::trust`] with the caller's [`TrustAnchors`] and the caller's
//! `now`, or [`Policy::signature_only`], which checks digest and signature but makes no trust
//! decision. SHA-1 is accepted only with [`Policy::allow_sha1`]; MD5 never.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let (cert_pem, key_pem) = mdmkit::cms::doc_support::identity()?;
//! use mdmkit::cms::{self, Certificate, Policy, Signer, TrustAnchors, VerifyError};
//!
//! let signer = Signer::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())?;
//! let now = signer.certificate().not_before() + std::time::Duration::from_secs(3600);
//!
//! // Sign a profile.
//! let profile = cms::sign_attached(b"<plist/>", &signer, now)?;
//!
//! // Verify it against our own root.
//! let anchors = TrustAnchors::from_pem(cert_pem.as_bytes())?;
//! let verified = cms::verify_attached(&profile, &Policy::trust(anchors, now))?;
//! assert_eq!(verified.content().as_ref(), b"<plist/>");
//!
//! // A different root is not trusted.
//! let err = cms::verify_attached(&profile, &Policy::trust(TrustAnchors::new(), now)).unwrap_err();
//! assert!(matches!(err, VerifyError::UntrustedChain { .. }));
//! # Ok(()) }
//! ```
//!
//! ## Input handling
//!
//! * **BER.** Apple devices encode `Mdm-Signature` in BER (indefinite lengths, constructed
//!   OCTET STRINGs). Input first passes through a normaliser that rewrites exactly those
//!   constructs into DER, under a depth limit, without recursion, allocating at most a small
//!   multiple of the input once; DER input passes through untouched. Everything else that is
//!   not DER is refused by the decoders.
//! * **Limits** ([`CmsLimits`]): input size, certificate count, signed-attribute count and
//!   nesting depth are checked on element headers before the parts are decoded.
//! * **Exact bytes.** The signed attributes and the certificates are used as sent, never
//!   re-encoded from a parsed form.
//! * **One signer.** A `SignedData` with several `SignerInfo`s is refused
//!   ([`VerifyError::MultipleSigners`]): no MDM message has more than one, and accepting "any"
//!   or "all" of several has surprising semantics.
//!
//! ## Algorithms
//!
//! | | verify | sign |
//! |---|---|---|
//! | digest | SHA-256/384/512; SHA-1 with [`Policy::allow_sha1`]; MD2/MD4/MD5 refused | SHA-256 |
//! | signature | RSA PKCS#1 v1.5 (`rsaEncryption`, `sha*WithRSAEncryption`), ECDSA (`ecdsa-with-SHA*`) | RSA PKCS#1 v1.5 (`rsaEncryption`), ECDSA P-256/P-384 (`ecdsa-with-SHA256`) |
//! | not supported | RSA-PSS, EdDSA, SHA-224 ([`VerifyError::UnsupportedAlgorithm`]) | other key types ([`SignError::UnsupportedKey`]) |
//!
//! ECDSA signing draws its nonce from OpenSSL's random generator; RSA PKCS#1 v1.5 signing is
//! deterministic.

mod alg;
pub(crate) mod ber;
mod cert;
#[doc(hidden)]
pub mod doc_support;
mod error;
mod parse;
mod pem;
mod policy;
mod sign;
mod verify;

pub use cert::{Certificate, MAX_CERTIFICATE_BYTES, MAX_PEM_BYTES, TrustAnchors};
pub use error::{BackendError, CmsLimit, SignError, VerifyError};
pub use policy::{CmsLimits, Policy};
pub use sign::{Signer, sign_attached, sign_detached};
pub use verify::{Unverified, Verified, inspect, open_attached, verify_attached, verify_detached};
#[cfg(feature = "windows")]
pub(crate) use verify::{ec_public_key, rsa_public_key};

use std::fmt;

/// A digest algorithm the verifier accepts.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// SHA-1: only with [`Policy::allow_sha1`].
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// The algorithm's usual lowercase name (`sha256`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "sha1",
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
