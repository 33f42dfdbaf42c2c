//! X.509 certificates and trust anchors.

use super::pem;
use crate::{DecodeError, DecodeErrorKind, Limit};
use bytes::Bytes;
use openssl::x509::X509;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;
use x509_cert::der::Decode as _;

/// The largest certificate [`Certificate::from_der`] accepts: 1 MiB.
pub const MAX_CERTIFICATE_BYTES: usize = 1024 * 1024;

/// The largest PEM text [`Certificate::from_pem`], [`Certificate::all_from_pem`] and
/// [`TrustAnchors::from_pem`] accept: 16 MiB.
pub const MAX_PEM_BYTES: usize = 16 * 1024 * 1024;

/// An X.509 certificate: its DER bytes, validated by a strict DER parser.
///
/// Cloning is cheap (the certificate is shared). Two certificates are equal when their DER
/// bytes are.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let (pem, _) = mdmkit::cms::doc_support::identity()?;
/// use mdmkit::cms::Certificate;
///
/// let cert = Certificate::from_pem(pem.as_bytes())?;
/// assert_eq!(cert.subject(), "CN=mdmkit doc example");
/// assert_eq!(Certificate::from_der(cert.der())?, cert);
/// println!("{} serial {}", cert.issuer(), cert.serial_hex());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Certificate {
    inner: Arc<Inner>,
}

struct Inner {
    der: Bytes,
    parsed: x509_cert::Certificate,
    /// OpenSSL's view, made when first needed (chain building, key checks).
    x509: OnceLock<Option<X509>>,
}

fn decode_error(kind: DecodeErrorKind) -> DecodeError {
    DecodeError::new(kind)
}

impl Certificate {
    /// Parses a DER certificate (RFC 5280 `Certificate`; trailing bytes are refused).
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::LimitExceeded`] over [`MAX_CERTIFICATE_BYTES`];
    /// [`DecodeErrorKind::InvalidValue`]`("certificate")` when the bytes are not a DER
    /// certificate (the decoder's error is the `source()`, its byte offset the `offset()`).
    pub fn from_der(der: &[u8]) -> Result<Certificate, DecodeError> {
        if der.len() > MAX_CERTIFICATE_BYTES {
            return Err(decode_error(DecodeErrorKind::LimitExceeded(
                Limit::InputBytes,
            )));
        }
        Certificate::from_bytes(Bytes::copy_from_slice(der))
    }

    pub(crate) fn from_bytes(der: Bytes) -> Result<Certificate, DecodeError> {
        let parsed = x509_cert::Certificate::from_der(&der).map_err(|e| {
            DecodeError::at(
                DecodeErrorKind::InvalidValue("certificate"),
                e.position().map(|p| u64::from(u32::from(p))),
            )
            .with_source(e)
        })?;
        Ok(Certificate::from_parts(der, parsed))
    }

    pub(crate) fn from_parts(der: Bytes, parsed: x509_cert::Certificate) -> Certificate {
        Certificate {
            inner: Arc::new(Inner {
                der,
                parsed,
                x509: OnceLock::new(),
            }),
        }
    }

    /// Parses the first `CERTIFICATE` block of a PEM text; other blocks before it (a key, for
    /// example) are skipped.
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::LimitExceeded`] over [`MAX_PEM_BYTES`];
    /// [`DecodeErrorKind::InvalidUtf8`]; [`DecodeErrorKind::InvalidValue`]`("pem")` for a
    /// broken PEM block or no `CERTIFICATE` block; the errors of [`from_der`](Self::from_der).
    pub fn from_pem(pem: &[u8]) -> Result<Certificate, DecodeError> {
        let text = pem_text(pem)?;
        for block in pem::blocks(text) {
            let block = block.map_err(|_| decode_error(DecodeErrorKind::InvalidValue("pem")))?;
            if block.label == "CERTIFICATE" {
                return Certificate::from_der(&block.der);
            }
        }
        Err(decode_error(DecodeErrorKind::InvalidValue("pem")))
    }

    /// Parses every `CERTIFICATE` block of a PEM text, in order (a `fullchain.pem`, a CA
    /// bundle). Other blocks are skipped.
    ///
    /// # Errors
    ///
    /// As [`from_pem`](Self::from_pem); a text without any certificate is
    /// [`DecodeErrorKind::InvalidValue`]`("pem")`.
    pub fn all_from_pem(pem: &[u8]) -> Result<Vec<Certificate>, DecodeError> {
        let text = pem_text(pem)?;
        let mut out = Vec::new();
        for block in pem::blocks(text) {
            let block = block.map_err(|_| decode_error(DecodeErrorKind::InvalidValue("pem")))?;
            if block.label == "CERTIFICATE" {
                out.push(Certificate::from_der(&block.der)?);
            }
        }
        if out.is_empty() {
            return Err(decode_error(DecodeErrorKind::InvalidValue("pem")));
        }
        Ok(out)
    }

    /// The DER bytes.
    #[must_use]
    pub fn der(&self) -> &Bytes {
        &self.inner.der
    }

    /// The certificate as PEM (`-----BEGIN CERTIFICATE-----`, 64-character lines).
    #[must_use]
    pub fn to_pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.inner.der)
    }

    /// SHA-256 of the DER bytes: the fingerprint a server stores to bind a device identity
    /// certificate to an enrollment.
    #[must_use]
    pub fn sha256_fingerprint(&self) -> [u8; 32] {
        openssl::sha::sha256(&self.inner.der)
    }

    /// The subject distinguished name as an RFC 4514 string (most specific first:
    /// `CN=device,O=Example,C=US`). Attributes without a well-known short name or with a
    /// non-string value appear as `OID=#hex`. Empty for an empty subject (common on device
    /// identity certificates).
    #[must_use]
    pub fn subject(&self) -> String {
        self.inner.parsed.tbs_certificate.subject.to_string()
    }

    /// The issuer distinguished name, formatted like [`subject`](Self::subject).
    #[must_use]
    pub fn issuer(&self) -> String {
        self.inner.parsed.tbs_certificate.issuer.to_string()
    }

    /// The serial number in lowercase hex, as encoded (two's complement, without the leading
    /// `00` sign octet DER adds to positive numbers whose high bit is set).
    #[must_use]
    pub fn serial_hex(&self) -> String {
        let bytes = self.inner.parsed.tbs_certificate.serial_number.as_bytes();
        let bytes = match bytes {
            [0, rest @ ..] if rest.first().is_some_and(|b| b & 0x80 != 0) => rest,
            b => b,
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Start of the validity period.
    #[must_use]
    pub fn not_before(&self) -> SystemTime {
        self.inner
            .parsed
            .tbs_certificate
            .validity
            .not_before
            .to_system_time()
    }

    /// End of the validity period.
    #[must_use]
    pub fn not_after(&self) -> SystemTime {
        self.inner
            .parsed
            .tbs_certificate
            .validity
            .not_after
            .to_system_time()
    }

    pub(crate) fn parsed(&self) -> &x509_cert::Certificate {
        &self.inner.parsed
    }

    /// OpenSSL's parse of the certificate, cached; `None` when OpenSSL refuses it.
    pub(crate) fn x509(&self) -> Option<&X509> {
        self.inner
            .x509
            .get_or_init(|| X509::from_der(&self.inner.der).ok())
            .as_ref()
    }

    /// The subject key identifier extension's value, if present and well formed.
    pub(crate) fn subject_key_identifier(&self) -> Option<Vec<u8>> {
        use x509_cert::ext::pkix::SubjectKeyIdentifier;
        match self
            .inner
            .parsed
            .tbs_certificate
            .get::<SubjectKeyIdentifier>()
        {
            Ok(Some((_, ski))) => Some(ski.0.as_bytes().to_vec()),
            _ => None,
        }
    }
}

fn pem_text(pem: &[u8]) -> Result<&str, DecodeError> {
    if pem.len() > MAX_PEM_BYTES {
        return Err(decode_error(DecodeErrorKind::LimitExceeded(
            Limit::InputBytes,
        )));
    }
    std::str::from_utf8(pem).map_err(|_| decode_error(DecodeErrorKind::InvalidUtf8))
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.inner.der == other.inner.der
    }
}

impl Eq for Certificate {}

impl std::hash::Hash for Certificate {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.inner.der.hash(state);
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject())
            .field("issuer", &self.issuer())
            .field("serial", &self.serial_hex())
            .finish()
    }
}

/// The certificates a [`Policy::trust`](super::Policy::trust) accepts as roots of a chain.
///
/// Every certificate here is trusted as it is: it does not need to be self-signed (an
/// intermediate or the signer certificate itself may be an anchor), and its own validity
/// period is still checked.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let (bundle, _) = mdmkit::cms::doc_support::identity()?;
/// use mdmkit::cms::TrustAnchors;
///
/// let anchors = TrustAnchors::from_pem(bundle.as_bytes())?;
/// assert_eq!(anchors.len(), 1);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustAnchors {
    certs: Vec<Certificate>,
}

impl TrustAnchors {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        TrustAnchors::default()
    }

    /// Every `CERTIFICATE` block of a PEM bundle.
    ///
    /// # Errors
    ///
    /// As [`Certificate::all_from_pem`].
    pub fn from_pem(pem: &[u8]) -> Result<Self, DecodeError> {
        Ok(TrustAnchors {
            certs: Certificate::all_from_pem(pem)?,
        })
    }

    /// Adds an anchor.
    pub fn push(&mut self, cert: Certificate) {
        self.certs.push(cert);
    }

    /// Adds an anchor (builder style).
    #[must_use]
    pub fn with(mut self, cert: Certificate) -> Self {
        self.certs.push(cert);
        self
    }

    /// The anchors, in the order they were added.
    #[must_use]
    pub fn certificates(&self) -> &[Certificate] {
        &self.certs
    }

    /// Number of anchors.
    #[must_use]
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// Whether there is no anchor (then nothing is trusted).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}

impl FromIterator<Certificate> for TrustAnchors {
    fn from_iter<I: IntoIterator<Item = Certificate>>(iter: I) -> Self {
        TrustAnchors {
            certs: iter.into_iter().collect(),
        }
    }
}

impl Extend<Certificate> for TrustAnchors {
    fn extend<I: IntoIterator<Item = Certificate>>(&mut self, iter: I) {
        self.certs.extend(iter);
    }
}
