//! Signing: [`Signer`] identities and attached / detached `SignedData`.

use super::alg::{self, KeyFamily};
use super::{BackendError, Certificate, DigestAlgorithm, SignError, pem};
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{Id, PKey, Private};
use std::fmt;
use std::time::SystemTime;
use x509_cert::der::Encode as _;

/// A signing identity: certificate, private key, and the intermediate certificates to include.
///
/// Keys: RSA (signatures are PKCS#1 v1.5 with SHA-256) and ECDSA on P-256 or P-384
/// (`ecdsa-with-SHA256`). The key stays inside; `Debug` does not show it.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let (cert_pem, key_pem) = mdmkit::cms::doc_support::identity()?;
/// use mdmkit::cms::Signer;
///
/// let signer = Signer::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())?;
/// assert_eq!(signer.certificate().subject(), "CN=mdmkit doc example");
/// # Ok(()) }
/// ```
pub struct Signer {
    certificate: Certificate,
    key: PKey<Private>,
    family: KeyFamily,
    chain: Vec<Certificate>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("certificate", &self.certificate)
            .field("key", &"<redacted>")
            .field("chain", &self.chain)
            .finish()
    }
}

/// The PEM labels of unencrypted private keys.
const KEY_LABELS: [&str; 3] = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"];

impl Signer {
    /// Loads a PEM certificate (the first `CERTIFICATE` block) and an unencrypted PEM private
    /// key (`PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` or `EC PRIVATE KEY`; the first such block).
    /// Encrypted keys are refused (decrypt them first): mdmkit never prompts for a password.
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidCertificate`], [`SignError::InvalidKey`],
    /// [`SignError::UnsupportedKey`], [`SignError::KeyMismatch`].
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Signer, SignError> {
        let certificate = Certificate::from_pem(cert_pem)
            .map_err(|e| SignError::InvalidCertificate(Some(BackendError::new(e))))?;
        let text = std::str::from_utf8(key_pem).map_err(|_| SignError::InvalidKey(None))?;
        let mut der = None;
        for block in pem::blocks(text) {
            let block = block.map_err(|_| SignError::InvalidKey(None))?;
            if KEY_LABELS.contains(&block.label) {
                der = Some(block.der);
                break;
            }
        }
        let der = der.ok_or(SignError::InvalidKey(None))?;
        Signer::new(certificate, private_key_from_der(&der)?)
    }

    /// Loads a DER certificate and an unencrypted DER private key (PKCS#8, or the traditional
    /// RSA / SEC 1 EC forms).
    ///
    /// # Errors
    ///
    /// As [`from_pem`](Self::from_pem).
    pub fn from_der(cert_der: &[u8], key_der: &[u8]) -> Result<Signer, SignError> {
        let certificate = Certificate::from_der(cert_der)
            .map_err(|e| SignError::InvalidCertificate(Some(BackendError::new(e))))?;
        Signer::new(certificate, private_key_from_der(key_der)?)
    }

    /// Loads a PKCS#12 (`.p12`, `.pfx`) file: its key, its certificate, and its other
    /// certificates as the chain.
    ///
    /// Files using legacy encryption (RC2, 3DES-with-SHA1 as older macOS Keychain exports
    /// make) need OpenSSL's legacy provider; without it they are [`SignError::Pkcs12`].
    ///
    /// # Errors
    ///
    /// [`SignError::Pkcs12`] for an unreadable file, a wrong password, or a file without a key
    /// or certificate; then as [`from_pem`](Self::from_pem).
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Signer, SignError> {
        if password.contains('\0') {
            return Err(SignError::Pkcs12(None));
        }
        let p12 = Pkcs12::from_der(der).map_err(|e| SignError::Pkcs12(Some(e.into())))?;
        let parsed = p12
            .parse2(password)
            .map_err(|e| SignError::Pkcs12(Some(e.into())))?;
        let (Some(key), Some(cert)) = (parsed.pkey, parsed.cert) else {
            return Err(SignError::Pkcs12(None));
        };
        let to_cert = |x: &openssl::x509::X509Ref| -> Result<Certificate, SignError> {
            let der = x.to_der()?;
            Certificate::from_der(&der)
                .map_err(|e| SignError::InvalidCertificate(Some(BackendError::new(e))))
        };
        let certificate = to_cert(&cert)?;
        let chain = match parsed.ca {
            Some(stack) => stack.iter().map(to_cert).collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        Ok(Signer::new(certificate, key)?.with_chain(chain))
    }

    fn new(certificate: Certificate, key: PKey<Private>) -> Result<Signer, SignError> {
        let family = match key.id() {
            Id::RSA => KeyFamily::Rsa,
            Id::EC => {
                let curve = key.ec_key().ok().and_then(|ec| ec.group().curve_name());
                match curve {
                    Some(Nid::X9_62_PRIME256V1 | Nid::SECP384R1) => KeyFamily::Ec,
                    _ => return Err(SignError::UnsupportedKey),
                }
            }
            _ => return Err(SignError::UnsupportedKey),
        };
        let cert_key = certificate
            .x509()
            .ok_or(SignError::InvalidCertificate(None))?
            .public_key()
            .map_err(|e| SignError::InvalidCertificate(Some(e.into())))?;
        if !cert_key.public_eq(&key) {
            return Err(SignError::KeyMismatch);
        }
        Ok(Signer {
            certificate,
            key,
            family,
            chain: Vec::new(),
        })
    }

    /// Sets the intermediate certificates included with every signature (the signer's issuer
    /// first is customary; order does not matter to verifiers). The signer certificate is
    /// always included and need not be repeated.
    #[must_use]
    pub fn with_chain(mut self, chain: Vec<Certificate>) -> Self {
        self.chain = chain;
        self
    }

    /// The signer certificate.
    #[must_use]
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The intermediate certificates.
    #[must_use]
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The private key (RSA, or ECDSA on P-256 / P-384), for signers elsewhere in the crate
    /// (certificate issuance).
    #[cfg_attr(not(feature = "windows"), allow(dead_code))]
    pub(crate) fn key(&self) -> &PKey<Private> {
        &self.key
    }
}

fn private_key_from_der(der: &[u8]) -> Result<PKey<Private>, SignError> {
    PKey::private_key_from_der(der)
        .or_else(|_| PKey::private_key_from_pkcs8(der))
        .map_err(|e| SignError::InvalidKey(Some(e.into())))
}

/// Signs `content` as a DER `ContentInfo` holding `SignedData` with the content inside: a
/// signed configuration profile.
///
/// The structure: eContentType `id-data`; digest SHA-256; signed attributes `contentType`,
/// `signingTime` (whole seconds) and `messageDigest`; the signer certificate and the chain
/// included; one `SignerInfo` identified by issuer and serial number; signature algorithm
/// `rsaEncryption` (PKCS#1 v1.5) or `ecdsa-with-SHA256`.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let (cert_pem, key_pem) = mdmkit::cms::doc_support::identity()?;
/// use mdmkit::cms::{open_attached, sign_attached, Signer};
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let signer = Signer::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())?;
/// let signing_time = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// let profile = sign_attached(b"<plist version=\"1.0\"><dict/></plist>", &signer, signing_time)?;
/// assert_eq!(open_attached(&profile)?.signing_time(), Some(signing_time));
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// [`SignError::SigningTimeOutOfRange`] before 1970 or after 9999; [`SignError::Crypto`] when
/// OpenSSL fails.
pub fn sign_attached(
    content: &[u8],
    signer: &Signer,
    signing_time: SystemTime,
) -> Result<Vec<u8>, SignError> {
    sign(content, signer, signing_time, true)
}

/// Signs `content` like [`sign_attached`] but leaves the content out (a detached signature,
/// the shape of an `Mdm-Signature` header).
///
/// # Errors
///
/// As [`sign_attached`].
pub fn sign_detached(
    content: &[u8],
    signer: &Signer,
    signing_time: SystemTime,
) -> Result<Vec<u8>, SignError> {
    sign(content, signer, signing_time, false)
}

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

fn oid(o: &x509_cert::der::oid::ObjectIdentifier) -> Vec<u8> {
    tlv(0x06, &[o.as_bytes()])
}

/// A DER `SET OF`: elements sorted by their encodings.
fn set_of(tag: u8, mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    elements.dedup();
    let parts: Vec<&[u8]> = elements.iter().map(Vec::as_slice).collect();
    tlv(tag, &parts)
}

fn sign(
    content: &[u8],
    signer: &Signer,
    signing_time: SystemTime,
    attached: bool,
) -> Result<Vec<u8>, SignError> {
    let digest = DigestAlgorithm::Sha256;
    let digest_alg = tlv(0x30, &[&oid(&digest.oid())]);
    let message_digest = openssl::hash::hash(digest.message_digest(), content)?;

    let time = x509_cert::time::Time::try_from(signing_time)
        .and_then(|t| {
            // RFC 5652: UTCTime for 1950–2049, GeneralizedTime otherwise.
            match t {
                x509_cert::time::Time::GeneralTime(g) => {
                    let dt = g.to_date_time();
                    if (1950..2050).contains(&dt.year()) {
                        x509_cert::der::asn1::UtcTime::from_date_time(dt)
                            .map(x509_cert::time::Time::UtcTime)
                    } else {
                        Ok(t)
                    }
                }
                other => Ok(other),
            }
        })
        .and_then(|t| t.to_der())
        .map_err(|_| SignError::SigningTimeOutOfRange)?;

    let attribute = |o: &x509_cert::der::oid::ObjectIdentifier, value: &[u8]| {
        tlv(0x30, &[&oid(o), &tlv(0x31, &[value])])
    };
    let attrs = vec![
        attribute(&alg::ID_CONTENT_TYPE, &oid(&alg::ID_DATA)),
        attribute(&alg::ID_SIGNING_TIME, &time),
        attribute(&alg::ID_MESSAGE_DIGEST, &tlv(0x04, &[&message_digest])),
    ];
    let mut signed_attrs = set_of(0x31, attrs);

    let (signature_alg, signature) = {
        let mut s = openssl::sign::Signer::new(digest.message_digest(), &signer.key)?;
        s.update(&signed_attrs)?;
        let sig = s.sign_to_vec()?;
        let alg_id = match signer.family {
            KeyFamily::Rsa => tlv(0x30, &[&oid(&alg::RSA_ENCRYPTION), &[0x05, 0x00]]),
            KeyFamily::Ec => tlv(0x30, &[&oid(&alg::ECDSA_WITH_SHA256)]),
        };
        (alg_id, sig)
    };
    // In the SignerInfo the attributes are [0] IMPLICIT.
    if let Some(tag) = signed_attrs.first_mut() {
        *tag = 0xa0;
    }

    let tbs = &signer.certificate.parsed().tbs_certificate;
    let issuer = tbs
        .issuer
        .to_der()
        .map_err(|e| SignError::Crypto(e.into()))?;
    let serial = tbs
        .serial_number
        .to_der()
        .map_err(|e| SignError::Crypto(e.into()))?;
    let sid = tlv(0x30, &[&issuer, &serial]);
    let version1: &[u8] = &[0x02, 0x01, 0x01];
    let signer_info = tlv(
        0x30,
        &[
            version1,
            &sid,
            &digest_alg,
            &signed_attrs,
            &signature_alg,
            &tlv(0x04, &[&signature]),
        ],
    );

    let encap = if attached {
        tlv(
            0x30,
            &[&oid(&alg::ID_DATA), &tlv(0xa0, &[&tlv(0x04, &[content])])],
        )
    } else {
        tlv(0x30, &[&oid(&alg::ID_DATA)])
    };
    let certificates = set_of(
        0xa0,
        std::iter::once(&signer.certificate)
            .chain(&signer.chain)
            .map(|c| c.der().to_vec())
            .collect(),
    );
    let signed_data = tlv(
        0x30,
        &[
            version1,
            &tlv(0x31, &[&digest_alg]),
            &encap,
            &certificates,
            &tlv(0x31, &[&signer_info]),
        ],
    );
    Ok(tlv(
        0x30,
        &[&oid(&alg::ID_SIGNED_DATA), &tlv(0xa0, &[&signed_data])],
    ))
}
