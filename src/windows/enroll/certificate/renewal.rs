//! ROBO renewal: a PKCS#7 `SignedData` signed with the current certificate, wrapping the new
//! request.

use super::error::RenewalError;
use super::issue::raw_subject;
use super::request::{CertificateRequest, decode_base64};
use crate::cms::{self, Certificate, Policy};
use bytes::Bytes;

const ID_DATA: &str = "1.2.840.113549.1.7.1";

/// A verified renewal request (`RequestType …/Renew`, `BinarySecurityToken` of `ValueType
/// …#PKCS7`): Windows' automatic "renew on behalf of" (ROBO) renewal, which a server must
/// support once it sets `ROBOSupport` (research lesson L6).
///
/// The device sends a CMS `SignedData` carrying its new PKCS#10 request as `id-data` content,
/// signed with the key of the certificate it holds. [`verify`](Self::verify) checks that
/// signature against the caller's trust anchors (the issuing CA) at the caller's `now`, so the
/// signer is a current certificate of ours, and then checks the inner request's own signature
/// (the device also holds the new key). [`Issuer::renew`](super::Issuer::renew) then issues
/// the new certificate, keeping the subject.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let (ca_pem, ca_key_pem) = mdmkit::cms::doc_support::ca()?;
/// use mdmkit::cms::{self, Certificate, Policy, Signer, TrustAnchors};
/// use mdmkit::windows::enroll::certificate::{CertificateRequest, IssueParams, Issuer, RenewalRequest};
/// use openssl::{ec::{EcGroup, EcKey}, hash::MessageDigest, nid::Nid, pkey::{PKey, Private}};
/// use openssl::x509::{X509NameBuilder, X509ReqBuilder};
/// use std::time::{Duration, SystemTime};
///
/// fn request(key: &PKey<Private>) -> Result<Vec<u8>, openssl::error::ErrorStack> {
///     let mut req = X509ReqBuilder::new()?;
///     req.set_subject_name(&X509NameBuilder::new()?.build())?;
///     req.set_pubkey(key)?;
///     req.sign(key, MessageDigest::sha256())?;
///     req.build().to_der()
/// }
/// let p256 = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
/// let year = Duration::from_secs(365 * 86_400);
/// let issuer = Issuer::new(Signer::from_pem(ca_pem.as_bytes(), ca_key_pem.as_bytes())?)?;
///
/// // Enrollment: the first certificate.
/// let key1 = PKey::from_ec_key(EcKey::generate(&p256)?)?;
/// let t1 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// let csr1 = CertificateRequest::from_der(&request(&key1)?)?;
/// let cert1 = issuer.issue(&csr1, &IssueParams::new("DEVICE-1", t1, year, [1; 16]))?;
///
/// // Ten months later the device signs a new request with its current certificate.
/// let key2 = PKey::from_ec_key(EcKey::generate(&p256)?)?;
/// let t2 = t1 + Duration::from_secs(300 * 86_400);
/// let device = Signer::from_der(cert1.der(), &key1.private_key_to_der()?)?;
/// let pkcs7 = cms::sign_attached(&request(&key2)?, &device, t2)?;
///
/// // The server.
/// let anchors = TrustAnchors::new().with(issuer.certificate().clone());
/// let renewal = RenewalRequest::verify(&pkcs7, &Policy::trust(anchors, t2))?;
/// assert_eq!(renewal.current_certificate(), cert1.certificate());
/// let cert2 = issuer.renew(&renewal, &IssueParams::for_renewal(&renewal, t2, year, [2; 16]))?;
/// assert_eq!(cert2.certificate().subject(), "CN=DEVICE-1");
/// assert_eq!(cert2.certificate().not_before(), t2);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RenewalRequest {
    current: Certificate,
    chain: Vec<Certificate>,
    request: CertificateRequest,
}

impl RenewalRequest {
    /// Verifies a DER (or BER) PKCS#7 renewal request under `policy`, which must be a
    /// [`Policy::trust`] whose anchors are the CA that issued the device certificates and whose
    /// `now` is the caller's clock. The inner request is parsed with the default
    /// [`CsrLimits`](super::CsrLimits) and its signature checked.
    ///
    /// The CMS rules are those of [`cms::verify_attached`]: one signer, its certificate
    /// included, digest and signature checked, the chain built to an anchor and valid at
    /// `now`. As everywhere in mdmkit, a SHA-1 digest is refused unless the policy has
    /// [`Policy::allow_sha1`]; which digest Windows uses for this signature has not been
    /// observed in a capture yet, so a server that sees
    /// [`VerifyError::WeakDigest`](cms::VerifyError::WeakDigest) from real devices turns it on.
    ///
    /// # Errors
    ///
    /// [`RenewalError::NoTrustDecision`] for a signature-only policy;
    /// [`RenewalError::Signature`] when the CMS signature is not acceptable (among them
    /// [`UntrustedChain`](cms::VerifyError::UntrustedChain) for a certificate of another CA);
    /// [`RenewalError::UnexpectedContentType`]; [`RenewalError::Request`] for a malformed or
    /// badly signed inner request.
    pub fn verify(der: &[u8], policy: &Policy) -> Result<RenewalRequest, RenewalError> {
        if !policy.is_trust() {
            return Err(RenewalError::NoTrustDecision);
        }
        let verified = cms::verify_attached(der, policy).map_err(RenewalError::Signature)?;
        let content_type = verified.content_type();
        if content_type != ID_DATA {
            return Err(RenewalError::UnexpectedContentType { oid: content_type });
        }
        let request =
            CertificateRequest::from_der(verified.content()).map_err(RenewalError::Request)?;
        request.verify_signature().map_err(RenewalError::Request)?;
        Ok(RenewalRequest {
            current: verified.signer().clone(),
            chain: verified.chain().to_vec(),
            request,
        })
    }

    /// [`verify`](Self::verify) of the base64 text of the `BinarySecurityToken` (ASCII
    /// whitespace skipped).
    ///
    /// # Errors
    ///
    /// [`RenewalError::Request`]`(`[`Malformed`](super::CsrError::Malformed)`)` for bad
    /// base64, [`LimitExceeded`](super::CsrError::LimitExceeded) over the policy's
    /// `max_input_bytes`; then as [`verify`](Self::verify).
    pub fn verify_base64(text: &str, policy: &Policy) -> Result<RenewalRequest, RenewalError> {
        let der =
            decode_base64(text, policy.limits().max_input_bytes).map_err(RenewalError::Request)?;
        RenewalRequest::verify(&der, policy)
    }

    /// The certificate that signed the renewal: the device's current certificate.
    #[must_use]
    pub fn current_certificate(&self) -> &Certificate {
        &self.current
    }

    /// The verified chain: the current certificate, then each issuer up to the trust anchor.
    #[must_use]
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The new request, its signature verified.
    #[must_use]
    pub fn request(&self) -> &CertificateRequest {
        &self.request
    }

    /// Takes the new request out.
    #[must_use]
    pub fn into_request(self) -> CertificateRequest {
        self.request
    }

    /// The current certificate's raw `subject`.
    pub(super) fn current_subject_der(&self) -> Bytes {
        let der = self.current.der();
        match raw_subject(&self.current) {
            Some(s) => der.slice_ref(s),
            None => Bytes::new(),
        }
    }
}
