//! The device's client certificate: reading its request, issuing the certificate, and
//! renewing it (MS-WSTEP as MS-MDE2 uses it; feature `cms`).
//!
//! 1. The `RequestSecurityToken` carries a PKCS#10 request in its `BinarySecurityToken`
//!    (`ValueType …#PKCS10`). [`CertificateRequest::from_base64`] reads it, leniently where
//!    Windows needs it (a common name with `!` and a NUL inside a `PrintableString`), and
//!    [`CertificateRequest::verify_signature`] checks the device holds the key, over the exact
//!    bytes sent.
//! 2. [`Issuer::issue`] makes the client certificate with the caller's CA, clock and random
//!    serial: `clientAuth`, `CA:FALSE`, NotBefore = now (never backdated), the DeviceID
//!    extension copied from the request.
//! 3. [`thumbprint`] names certificates in the `wap-provisioningdoc` (the CA's under
//!    `CertificateStore/Root/System`, the client's under `My/User` or `My/System`).
//! 4. Renewal (`RequestType …/Renew`, `ValueType …#PKCS7`): [`RenewalRequest::verify`] checks
//!    the PKCS#7 is signed by a current certificate of ours and returns the new request;
//!    [`Issuer::renew`] issues its certificate under the same subject.
//!
//! Nothing here reads the clock or draws randomness: `now` and the serial's random bytes are
//! parameters ([`IssueParams`]), the CA's key is a [`Signer`](crate::cms::Signer) the caller
//! loaded, and trust is the caller's [`TrustAnchors`](crate::cms::TrustAnchors).
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let (ca_pem, ca_key_pem) = mdmkit::cms::doc_support::ca()?;
//! # let rst_token = {
//! #     use openssl::{hash::MessageDigest, pkey::PKey, rsa::Rsa, x509::{X509NameBuilder, X509ReqBuilder}};
//! #     use base64::Engine as _;
//! #     let key = PKey::from_rsa(Rsa::generate(2048)?)?;
//! #     let mut req = X509ReqBuilder::new()?;
//! #     req.set_subject_name(&X509NameBuilder::new()?.build())?;
//! #     req.set_pubkey(&key)?;
//! #     req.sign(&key, MessageDigest::sha256())?;
//! #     base64::engine::general_purpose::STANDARD.encode(req.build().to_der()?)
//! # };
//! use mdmkit::cms::Signer;
//! use mdmkit::windows::enroll::certificate::{CertificateRequest, IssueParams, Issuer};
//! use std::time::{Duration, SystemTime};
//!
//! let issuer = Issuer::new(Signer::from_pem(ca_pem.as_bytes(), ca_key_pem.as_bytes())?)?;
//!
//! // Per RequestSecurityToken:
//! let csr = CertificateRequest::from_base64(&rst_token)?;
//! let device_id = "B5B954E81FBCB94EB79BD08BE625F4EE"; // the DeviceID context item
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
//! let validity = Duration::from_secs(31_536_000); // the policy's validityPeriodSeconds
//! let issued = issuer.issue(&csr, &IssueParams::new(device_id, now, validity, [0x5a; 16]))?;
//!
//! // Into the provisioning document:
//! let (root, mine) = (issuer.thumbprint(), issued.thumbprint());
//! assert_ne!(root, mine);
//! # Ok(()) }
//! ```

mod error;
mod issue;
mod renewal;
mod request;

pub use error::{CsrError, CsrLimit, IssueError, RenewalError};
pub use issue::{DeviceIdExtension, IssueParams, IssuedCertificate, Issuer, thumbprint};
pub use renewal::RenewalRequest;
pub use request::{
    CertificateRequest, CsrLimits, DEVICE_ID_EXTENSION_OID, KeyAlgorithm, RequestedExtension,
    SignatureAlgorithm,
};
