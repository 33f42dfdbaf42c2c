//! Issuing the device's client certificate.

use super::error::IssueError;
use super::renewal::RenewalRequest;
use super::request::{CertificateRequest, DEVICE_ID, KeyAlgorithm};
use crate::cms::ber::DerReader;
use crate::cms::{Certificate, Signer};
use bytes::Bytes;
use openssl::hash::MessageDigest;
use openssl::pkey::Id;
use std::fmt;
use std::time::{Duration, SystemTime};
use x509_cert::der::Encode as _;
use x509_cert::der::asn1::{GeneralizedTime, UtcTime};

/// Appends a DER length.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = len.leading_zeros() as usize / 8;
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

/// One DER element from its tag and the concatenation of `parts`.
fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(len + 6);
    out.push(tag);
    push_len(&mut out, len);
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

// DER of the object identifiers written here (tag, length, content).
const OID_SHA256_WITH_RSA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
];
const OID_ECDSA_WITH_SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const OID_COMMON_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
const OID_ORGANIZATIONAL_UNIT: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x0b];
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x13];
const OID_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x0f];
const OID_EXT_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x25];
const OID_SUBJECT_KEY_ID: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x0e];
const OID_AUTHORITY_KEY_ID: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x23];
/// `id-kp-clientAuth`, 1.3.6.1.5.5.7.3.2.
const OID_CLIENT_AUTH: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];

/// SHA-1 of a certificate's DER in uppercase hex: the "thumbprint" Windows names certificates
/// by, and the node name under `CertificateStore/Root/System/…` and `…/My/User/…` in the
/// provisioning document. Works for any certificate, the CA's included.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let (ca_pem, _) = mdmkit::cms::doc_support::ca()?;
/// use mdmkit::cms::Certificate;
/// use mdmkit::windows::enroll::certificate::thumbprint;
///
/// let ca = Certificate::from_pem(ca_pem.as_bytes())?;
/// let t = thumbprint(&ca);
/// assert_eq!(t.len(), 40);
/// assert!(t.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));
/// # Ok(()) }
/// ```
#[must_use]
pub fn thumbprint(certificate: &Certificate) -> String {
    use fmt::Write as _;
    openssl::sha::sha1(certificate.der())
        .iter()
        .fold(String::with_capacity(40), |mut s, b| {
            let _ = write!(s, "{b:02X}");
            s
        })
}

/// Whether the issued certificate carries the MS-MDE2 DeviceID extension
/// (`1.3.6.1.4.1.311.66.1.0`, non-critical).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DeviceIdExtension {
    /// Copy the request's DeviceID extension value unchanged when it asks for one; leave it
    /// out otherwise. The default.
    #[default]
    FromRequest,
    /// Never include it.
    Omit,
    /// Include this value (the content of `extnValue`; Windows' own form is the DeviceID's
    /// ASCII followed by one NUL byte).
    Value(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Subject {
    Names {
        common_name: String,
        organizational_unit: Option<String>,
    },
    /// A `Name` copied verbatim (renewal: the current certificate's subject).
    Der(Bytes),
}

/// What goes into an issued certificate besides the request's key.
///
/// Everything that depends on the clock or on randomness is given by the caller (sans-IO):
///
/// * `now` becomes NotBefore **exactly** (truncated to whole seconds): no backdating, which
///   would shorten the certificate's life and open Windows' renewal window early (research
///   lesson L7);
/// * NotAfter is `now + validity`; take `validity` from the policy's
///   `validityPeriodSeconds`;
/// * `serial_random` are 16 bytes from a CSPRNG; the serial is those bytes with the top bit
///   cleared and the next one set: always positive, always 16 bytes, 126 random bits
///   (RFC 5280 allows 20 bytes at most).
///
/// The subject is `OU=<organizational unit>` (optional), then `CN=<common name>`, as
/// UTF8Strings; MS-MDE2 servers use the DeviceID as CN and their provider ID as OU.
///
/// ```
/// use mdmkit::windows::enroll::certificate::{DeviceIdExtension, IssueParams};
/// use std::time::{Duration, SystemTime};
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// let params = IssueParams::new("B5B954E81FBCB94EB79BD08BE625F4EE", now, Duration::from_secs(365 * 86_400), [7; 16])
///     .organizational_unit("DEMO MDM")
///     .device_id(DeviceIdExtension::FromRequest);
/// assert_eq!(params.not_before(), now);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueParams {
    subject: Subject,
    now: SystemTime,
    validity: Duration,
    serial_random: [u8; 16],
    device_id: DeviceIdExtension,
}

impl IssueParams {
    /// A certificate for `CN=common_name`, valid from `now` for `validity`.
    #[must_use]
    pub fn new(
        common_name: impl Into<String>,
        now: SystemTime,
        validity: Duration,
        serial_random: [u8; 16],
    ) -> Self {
        IssueParams {
            subject: Subject::Names {
                common_name: common_name.into(),
                organizational_unit: None,
            },
            now,
            validity,
            serial_random,
            device_id: DeviceIdExtension::FromRequest,
        }
    }

    /// The parameters of a renewal: the subject is the current certificate's, copied
    /// verbatim; the DeviceID extension is taken from the new request (the default).
    #[must_use]
    pub fn for_renewal(
        renewal: &RenewalRequest,
        now: SystemTime,
        validity: Duration,
        serial_random: [u8; 16],
    ) -> Self {
        IssueParams {
            subject: Subject::Der(renewal.current_subject_der()),
            now,
            validity,
            serial_random,
            device_id: DeviceIdExtension::FromRequest,
        }
    }

    /// Adds `OU=organizational_unit` before the common name. Ignored by
    /// [`for_renewal`](Self::for_renewal) parameters, whose subject is fixed.
    #[must_use]
    pub fn organizational_unit(mut self, organizational_unit: impl Into<String>) -> Self {
        if let Subject::Names {
            organizational_unit: ou,
            ..
        } = &mut self.subject
        {
            *ou = Some(organizational_unit.into());
        }
        self
    }

    /// Sets the DeviceID extension policy (default [`DeviceIdExtension::FromRequest`]).
    #[must_use]
    pub fn device_id(mut self, device_id: DeviceIdExtension) -> Self {
        self.device_id = device_id;
        self
    }

    /// NotBefore as it will be written: `now` truncated to whole seconds.
    #[must_use]
    pub fn not_before(&self) -> SystemTime {
        truncate(self.now)
    }

    fn subject_der(&self) -> Result<Vec<u8>, IssueError> {
        match &self.subject {
            Subject::Der(der) => Ok(der.to_vec()),
            Subject::Names {
                common_name,
                organizational_unit,
            } => {
                let rdn = |oid: &[u8], value: &str| -> Result<Vec<u8>, IssueError> {
                    check_name(value)?;
                    Ok(tlv(
                        0x31,
                        &[&tlv(0x30, &[oid, &tlv(0x0c, &[value.as_bytes()])])],
                    ))
                };
                let mut rdns = Vec::new();
                if let Some(ou) = organizational_unit {
                    rdns.push(rdn(OID_ORGANIZATIONAL_UNIT, ou)?);
                }
                rdns.push(rdn(OID_COMMON_NAME, common_name)?);
                let parts: Vec<&[u8]> = rdns.iter().map(Vec::as_slice).collect();
                Ok(tlv(0x30, &parts))
            }
        }
    }
}

/// RFC 5280's upper bounds for CN and OU are both 64 characters.
fn check_name(value: &str) -> Result<(), IssueError> {
    if value.is_empty() {
        return Err(IssueError::InvalidSubject { reason: "empty" });
    }
    if value.chars().count() > 64 {
        return Err(IssueError::InvalidSubject {
            reason: "longer than 64 characters",
        });
    }
    if value.chars().any(char::is_control) {
        return Err(IssueError::InvalidSubject {
            reason: "control character",
        });
    }
    Ok(())
}

fn truncate(t: SystemTime) -> SystemTime {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => SystemTime::UNIX_EPOCH + Duration::from_secs(d.as_secs()),
        Err(_) => t,
    }
}

/// RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
fn time_der(t: SystemTime) -> Result<Vec<u8>, IssueError> {
    let invalid = |_| IssueError::InvalidValidity {
        reason: "time before 1970 or after 9999",
    };
    let dt = x509_cert::der::DateTime::from_system_time(t).map_err(invalid)?;
    if dt.year() < 2050 {
        UtcTime::from_date_time(dt)
            .and_then(|u| u.to_der())
            .map_err(invalid)
    } else {
        GeneralizedTime::from_date_time(dt)
            .to_der()
            .map_err(invalid)
    }
}

/// A certificate issued by [`Issuer::issue`] or [`Issuer::renew`], and its thumbprint.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    certificate: Certificate,
    thumbprint: String,
}

impl IssuedCertificate {
    /// The certificate.
    #[must_use]
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// Its DER bytes (base64 them for the provisioning document's `EncodedCertificate`).
    #[must_use]
    pub fn der(&self) -> &Bytes {
        self.certificate.der()
    }

    /// SHA-1 of the DER in uppercase hex (see [`thumbprint`]).
    #[must_use]
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// Takes the certificate out.
    #[must_use]
    pub fn into_certificate(self) -> Certificate {
        self.certificate
    }
}

/// A certification authority that issues MS-MDE2 client certificates: the CA certificate and
/// its private key, held in a [`Signer`] the caller loaded.
///
/// Issued certificates are X.509 v3 with:
///
/// * the subject of the [`IssueParams`] and the request's public key (copied as sent);
/// * basicConstraints `CA:FALSE` (critical); keyUsage (critical) `digitalSignature,
///   keyEncipherment` for an RSA key, `digitalSignature` for an EC key (an EC key cannot
///   encipher keys); extendedKeyUsage `clientAuth`;
/// * a subject key identifier (SHA-1 of the public key), and an authority key identifier
///   (the CA's subject key identifier, or the SHA-1 of its public key when it has none);
/// * the DeviceID extension per [`DeviceIdExtension`]; no other requested extension is
///   copied (the CA decides, not the device);
/// * signed with SHA-256: `sha256WithRSAEncryption` for an RSA CA key, `ecdsa-with-SHA256`
///   for P-256 / P-384.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let (ca_pem, ca_key_pem) = mdmkit::cms::doc_support::ca()?;
/// use mdmkit::cms::Signer;
/// use mdmkit::windows::enroll::certificate::{CertificateRequest, IssueParams, Issuer};
/// use openssl::{hash::MessageDigest, pkey::PKey, rsa::Rsa, x509::{X509NameBuilder, X509ReqBuilder}};
/// use std::time::{Duration, SystemTime};
///
/// // The device's request (Windows sends this base64 in the RequestSecurityToken).
/// let device_key = PKey::from_rsa(Rsa::generate(2048)?)?;
/// let mut req = X509ReqBuilder::new()?;
/// req.set_subject_name(&X509NameBuilder::new()?.build())?;
/// req.set_pubkey(&device_key)?;
/// req.sign(&device_key, MessageDigest::sha256())?;
/// let csr = CertificateRequest::from_der(&req.build().to_der()?)?;
///
/// // The server: its CA, its clock, its randomness.
/// let issuer = Issuer::new(Signer::from_pem(ca_pem.as_bytes(), ca_key_pem.as_bytes())?)?;
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// let serial: [u8; 16] = rand_bytes();
/// let params = IssueParams::new("B5B954E81FBCB94EB79BD08BE625F4EE", now, Duration::from_secs(365 * 86_400), serial)
///     .organizational_unit("DEMO MDM");
/// let issued = issuer.issue(&csr, &params)?; // checks the request's signature first
///
/// assert_eq!(issued.certificate().subject(), "CN=B5B954E81FBCB94EB79BD08BE625F4EE,OU=DEMO MDM");
/// assert_eq!(issued.certificate().not_before(), now);
/// assert_eq!(issued.thumbprint().len(), 40);
/// println!("Root/System/{}  My/User/{}", issuer.thumbprint(), issued.thumbprint());
/// # fn rand_bytes() -> [u8; 16] { let mut b = [0; 16]; openssl::rand::rand_bytes(&mut b).unwrap(); b }
/// # Ok(()) }
/// ```
pub struct Issuer {
    signer: Signer,
    ca_subject: Vec<u8>,
    ca_key_id: Vec<u8>,
    signature_algorithm: Vec<u8>,
    min_rsa_bits: u32,
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issuer")
            .field("certificate", self.signer.certificate())
            .field("min_rsa_bits", &self.min_rsa_bits)
            .finish_non_exhaustive()
    }
}

/// The raw `issuer` (`field` 2) or `subject` (`field` 4) of a DER certificate.
fn tbs_name(cert: &Certificate, field: usize) -> Option<&[u8]> {
    let mut top = DerReader::new(cert.der());
    let mut cert = top.read().ok()?.reader();
    let mut tbs = cert.read().ok()?.reader();
    tbs.optional(0xa0).ok()?; // version
    for _ in 0..field {
        // serial, signature, issuer, validity
        tbs.read().ok()?;
    }
    Some(tbs.read().ok()?.raw)
}

/// The raw `subject` of a certificate, as sent.
pub(super) fn raw_subject(cert: &Certificate) -> Option<&[u8]> {
    tbs_name(cert, 4)
}

impl Issuer {
    /// An issuer signing with `signer`'s key under `signer`'s certificate (RSA, or ECDSA on
    /// P-256 / P-384; see [`Signer`] for loading from PEM, DER or PKCS#12). The certificate
    /// must be a CA: basicConstraints `CA:TRUE`, and keyUsage, if present, with
    /// `keyCertSign`. The signer's chain is not used.
    ///
    /// # Errors
    ///
    /// [`IssueError::NotACa`].
    pub fn new(signer: Signer) -> Result<Issuer, IssueError> {
        use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};
        let cert = signer.certificate();
        let tbs = &cert.parsed().tbs_certificate;
        match tbs.get::<BasicConstraints>() {
            Ok(Some((_, bc))) if bc.ca => {}
            _ => return Err(IssueError::NotACa),
        }
        match tbs.get::<KeyUsage>() {
            Ok(None) => {}
            Ok(Some((_, ku))) if ku.key_cert_sign() => {}
            _ => return Err(IssueError::NotACa),
        }
        let ca_subject = raw_subject(cert).ok_or(IssueError::NotACa)?.to_vec();
        let ca_key_id = match cert.subject_key_identifier() {
            Some(id) => id,
            None => openssl::sha::sha1(tbs.subject_public_key_info.subject_public_key.raw_bytes())
                .to_vec(),
        };
        let signature_algorithm = match signer.key().id() {
            Id::RSA => tlv(0x30, &[OID_SHA256_WITH_RSA, &[0x05, 0x00]]),
            _ => tlv(0x30, &[OID_ECDSA_WITH_SHA256]),
        };
        Ok(Issuer {
            signer,
            ca_subject,
            ca_key_id,
            signature_algorithm,
            min_rsa_bits: 2048,
        })
    }

    /// The shortest RSA key certified (default 2048, the `minimalKeyLength` MS-MDE2 servers
    /// announce in their enrollment policy).
    #[must_use]
    pub fn with_min_rsa_bits(mut self, bits: u32) -> Self {
        self.min_rsa_bits = bits;
        self
    }

    /// The CA certificate.
    #[must_use]
    pub fn certificate(&self) -> &Certificate {
        self.signer.certificate()
    }

    /// The CA certificate's thumbprint (see [`thumbprint`]).
    #[must_use]
    pub fn thumbprint(&self) -> String {
        thumbprint(self.signer.certificate())
    }

    /// Issues a client certificate for `request`'s key. The request's signature is verified
    /// first ([`CertificateRequest::verify_signature`], remembered if already done).
    ///
    /// # Errors
    ///
    /// [`IssueError::Request`] when the request's signature does not verify;
    /// [`IssueError::WeakKey`]; [`IssueError::InvalidSubject`]; [`IssueError::InvalidValidity`]
    /// for an empty validity, or one outside the CA certificate's own;
    /// [`IssueError::Crypto`].
    pub fn issue(
        &self,
        request: &CertificateRequest,
        params: &IssueParams,
    ) -> Result<IssuedCertificate, IssueError> {
        request.verify_signature().map_err(IssueError::Request)?;
        let rsa = match request.key_algorithm() {
            KeyAlgorithm::Rsa { bits } if *bits < self.min_rsa_bits => {
                return Err(IssueError::WeakKey { bits: *bits });
            }
            KeyAlgorithm::Rsa { .. } => true,
            // Verification succeeded, so the key is P-256 or P-384.
            _ => false,
        };

        let subject = params.subject_der()?;
        let not_before = truncate(params.now);
        if params.validity.as_secs() == 0 {
            return Err(IssueError::InvalidValidity { reason: "empty" });
        }
        let not_after = not_before
            .checked_add(Duration::from_secs(params.validity.as_secs()))
            .ok_or(IssueError::InvalidValidity {
                reason: "time before 1970 or after 9999",
            })?;
        let ca = self.signer.certificate();
        if not_before < ca.not_before() || not_after > ca.not_after() {
            return Err(IssueError::InvalidValidity {
                reason: "outside the ca certificate's validity",
            });
        }
        let validity = tlv(0x30, &[&time_der(not_before)?, &time_der(not_after)?]);

        let mut serial = params.serial_random;
        if let Some(first) = serial.first_mut() {
            *first = (*first & 0x7f) | 0x40;
        }

        let spki = request.public_key_info_der();
        let spki_bits = DerReader::new(spki)
            .read()
            .ok()
            .and_then(|t| {
                let mut r = t.reader();
                r.read().ok()?;
                r.read().ok()
            })
            .and_then(|bits| bits.content.get(1..))
            .unwrap_or_default();
        let key_id = openssl::sha::sha1(spki_bits);

        let ext = |oid: &[u8], critical: bool, value: &[u8]| -> Vec<u8> {
            let flag: &[u8] = if critical { &[0x01, 0x01, 0xff] } else { &[] };
            tlv(0x30, &[oid, flag, &tlv(0x04, &[value])])
        };
        // keyUsage: digitalSignature (bit 0) and, for RSA, keyEncipherment (bit 2).
        let key_usage: &[u8] = if rsa {
            &[0x03, 0x02, 0x05, 0xa0]
        } else {
            &[0x03, 0x02, 0x07, 0x80]
        };
        let mut extensions = vec![
            ext(OID_BASIC_CONSTRAINTS, true, &[0x30, 0x00]),
            ext(OID_KEY_USAGE, true, key_usage),
            ext(OID_EXT_KEY_USAGE, false, &tlv(0x30, &[OID_CLIENT_AUTH])),
            ext(OID_SUBJECT_KEY_ID, false, &tlv(0x04, &[&key_id])),
            ext(
                OID_AUTHORITY_KEY_ID,
                false,
                &tlv(0x30, &[&tlv(0x80, &[&self.ca_key_id])]),
            ),
        ];
        let device_id = match &params.device_id {
            DeviceIdExtension::FromRequest => request.device_id().map(<[u8]>::to_vec),
            DeviceIdExtension::Omit => None,
            DeviceIdExtension::Value(v) => Some(v.clone()),
        };
        if let Some(value) = device_id {
            let oid = tlv(0x06, &[DEVICE_ID.as_bytes()]);
            extensions.push(ext(&oid, false, &value));
        }
        let extensions: Vec<&[u8]> = extensions.iter().map(Vec::as_slice).collect();

        let tbs = tlv(
            0x30,
            &[
                &[0xa0, 0x03, 0x02, 0x01, 0x02], // version v3
                &tlv(0x02, &[&serial]),
                &self.signature_algorithm,
                &self.ca_subject,
                &validity,
                &subject,
                spki,
                &tlv(0xa3, &[&tlv(0x30, &extensions)]),
            ],
        );
        let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), self.signer.key())?;
        signer.update(&tbs)?;
        let signature = signer.sign_to_vec()?;
        let der = tlv(
            0x30,
            &[
                &tbs,
                &self.signature_algorithm,
                &tlv(0x03, &[&[0x00], &signature]),
            ],
        );
        let certificate = Certificate::from_der(&der)
            .map_err(|e| IssueError::Crypto(crate::cms::BackendError::new(e)))?;
        Ok(IssuedCertificate {
            thumbprint: thumbprint(&certificate),
            certificate,
        })
    }

    /// Issues the renewed certificate of a verified [`RenewalRequest`] (ROBO renewal,
    /// research lesson L6): a new certificate for the new request's key, NotBefore = the new
    /// `now`.
    ///
    /// A renewal continues an identity, it does not change it:
    ///
    /// * the current certificate must have been issued by this issuer's CA (not only by some
    ///   trust anchor of the verification policy);
    /// * the new subject must be **byte for byte** the current certificate's subject
    ///   (use [`IssueParams::for_renewal`], which copies it);
    /// * when both the current certificate and the new request carry a DeviceID extension,
    ///   the values must be equal.
    ///
    /// # Errors
    ///
    /// [`IssueError::NotIssuedHere`], [`IssueError::SubjectMismatch`],
    /// [`IssueError::DeviceIdMismatch`]; then as [`issue`](Self::issue).
    pub fn renew(
        &self,
        renewal: &RenewalRequest,
        params: &IssueParams,
    ) -> Result<IssuedCertificate, IssueError> {
        let current = renewal.current_certificate();
        let issued_here = renewal.chain().get(1) == Some(self.signer.certificate())
            && tbs_name(current, 2) == Some(self.ca_subject.as_slice());
        if !issued_here {
            return Err(IssueError::NotIssuedHere);
        }
        if params.subject_der()? != renewal.current_subject_der().as_ref() {
            return Err(IssueError::SubjectMismatch);
        }
        let new_id = match &params.device_id {
            DeviceIdExtension::FromRequest => renewal.request().device_id().map(<[u8]>::to_vec),
            DeviceIdExtension::Omit => None,
            DeviceIdExtension::Value(v) => Some(v.clone()),
        };
        if let (Some(old), Some(new)) = (current_device_id(current), new_id)
            && old != new
        {
            return Err(IssueError::DeviceIdMismatch);
        }
        self.issue(renewal.request(), params)
    }
}

/// The DeviceID extension value of a certificate, if it has one.
fn current_device_id(cert: &Certificate) -> Option<Vec<u8>> {
    cert.parsed()
        .tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == DEVICE_ID)
        .map(|e| e.extn_value.as_bytes().to_vec())
}
