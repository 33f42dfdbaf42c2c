//! The device's certificate request (PKCS#10, RFC 2986), read leniently where Windows needs it.

use super::error::{CsrError, CsrLimit};
use crate::cms::BackendError;
use crate::cms::ber::{BerErrorKind, DerReader, Tlv};
use base64::Engine as _;
use bytes::Bytes;
use openssl::pkey::{Id, PKey, Public};
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use x509_cert::der::oid::ObjectIdentifier as Oid;

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const CTX0: u8 = 0xa0;

const UTF8_STRING: u8 = 0x0c;
const PRINTABLE_STRING: u8 = 0x13;
const TELETEX_STRING: u8 = 0x14;
const IA5_STRING: u8 = 0x16;
const UNIVERSAL_STRING: u8 = 0x1c;
const BMP_STRING: u8 = 0x1e;

const COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
const EXTENSION_REQUEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.14");
/// `szOID_CERT_EXTENSIONS`: the attribute older Microsoft clients request extensions with.
const MS_CERT_EXTENSIONS: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.2.1.14");

/// The MS-MDE2 DeviceID extension, `1.3.6.1.4.1.311.66.1.0`.
pub const DEVICE_ID_EXTENSION_OID: &str = "1.3.6.1.4.1.311.66.1.0";
pub(super) const DEVICE_ID: Oid = Oid::new_unwrap(DEVICE_ID_EXTENSION_OID);

const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
const P384: Oid = Oid::new_unwrap("1.3.132.0.34");

const MD2_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.2");
const MD4_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.3");
const MD5_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.4");
const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
/// The OIW `sha1WithRSASignature`: what Windows 10 signs its enrollment request with.
const SHA1_WITH_RSA_OIW: Oid = Oid::new_unwrap("1.3.14.3.2.29");
const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");

/// Bounds on what [`CertificateRequest::from_der_with_limits`] accepts. Checked on element
/// headers before anything is decoded; hitting one is [`CsrError::LimitExceeded`].
///
/// ```
/// use mdmkit::windows::enroll::certificate::CsrLimits;
/// let limits = CsrLimits::default().with_max_input_bytes(8 * 1024);
/// assert_eq!(limits.max_items, CsrLimits::DEFAULT.max_items);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsrLimits {
    /// Largest accepted request in DER bytes. Default 64 KiB; a Windows request with a
    /// 2048-bit RSA key is about 720 bytes, one with a 16384-bit key under 5 KiB.
    pub max_input_bytes: usize,
    /// Most subject attributes, request attributes, and requested extensions, each counted
    /// separately. Default 64; Windows sends one of each.
    pub max_items: usize,
}

impl CsrLimits {
    /// The defaults, usable in `const` context.
    pub const DEFAULT: CsrLimits = CsrLimits {
        max_input_bytes: 64 * 1024,
        max_items: 64,
    };

    /// Sets [`max_input_bytes`](Self::max_input_bytes).
    #[must_use]
    pub const fn with_max_input_bytes(mut self, n: usize) -> Self {
        self.max_input_bytes = n;
        self
    }

    /// Sets [`max_items`](Self::max_items).
    #[must_use]
    pub const fn with_max_items(mut self, n: usize) -> Self {
        self.max_items = n;
        self
    }
}

impl Default for CsrLimits {
    fn default() -> Self {
        CsrLimits::DEFAULT
    }
}

/// A request's signature algorithm.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-1: `sha1WithRSAEncryption` (`1.2.840.113549.1.1.5`) or the
    /// OIW `sha1WithRSASignature` (`1.3.14.3.2.29`) that Windows 10 uses.
    RsaSha1,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaSha256,
    /// RSA PKCS#1 v1.5 with SHA-384.
    RsaSha384,
    /// RSA PKCS#1 v1.5 with SHA-512.
    RsaSha512,
    /// ECDSA with SHA-256.
    EcdsaSha256,
    /// ECDSA with SHA-384.
    EcdsaSha384,
    /// ECDSA with SHA-512.
    EcdsaSha512,
    /// Anything else (RSA-PSS, EdDSA, MD5, …): the request parses, but
    /// [`verify_signature`](CertificateRequest::verify_signature) refuses it.
    Unsupported {
        /// The OID in dotted form.
        oid: String,
    },
}

impl SignatureAlgorithm {
    fn from_oid(oid: &Oid) -> SignatureAlgorithm {
        match *oid {
            SHA1_WITH_RSA | SHA1_WITH_RSA_OIW => SignatureAlgorithm::RsaSha1,
            SHA256_WITH_RSA => SignatureAlgorithm::RsaSha256,
            SHA384_WITH_RSA => SignatureAlgorithm::RsaSha384,
            SHA512_WITH_RSA => SignatureAlgorithm::RsaSha512,
            ECDSA_WITH_SHA256 => SignatureAlgorithm::EcdsaSha256,
            ECDSA_WITH_SHA384 => SignatureAlgorithm::EcdsaSha384,
            ECDSA_WITH_SHA512 => SignatureAlgorithm::EcdsaSha512,
            _ => SignatureAlgorithm::Unsupported {
                oid: oid.to_string(),
            },
        }
    }

    /// The digest and key type, for the supported algorithms.
    fn parts(&self) -> Option<(openssl::hash::MessageDigest, Id)> {
        use openssl::hash::MessageDigest as M;
        Some(match self {
            SignatureAlgorithm::RsaSha1 => (M::sha1(), Id::RSA),
            SignatureAlgorithm::RsaSha256 => (M::sha256(), Id::RSA),
            SignatureAlgorithm::RsaSha384 => (M::sha384(), Id::RSA),
            SignatureAlgorithm::RsaSha512 => (M::sha512(), Id::RSA),
            SignatureAlgorithm::EcdsaSha256 => (M::sha256(), Id::EC),
            SignatureAlgorithm::EcdsaSha384 => (M::sha384(), Id::EC),
            SignatureAlgorithm::EcdsaSha512 => (M::sha512(), Id::EC),
            SignatureAlgorithm::Unsupported { .. } => return None,
        })
    }
}

/// A request's public key algorithm.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// The modulus length in bits.
        bits: u32,
    },
    /// ECDSA on P-256.
    EcP256,
    /// ECDSA on P-384.
    EcP384,
    /// Anything else: the request parses, but its signature cannot be verified and no
    /// certificate is issued for it.
    Unsupported {
        /// The key algorithm's OID in dotted form, or for an EC key on another curve the
        /// curve's OID.
        oid: String,
    },
}

/// An extension the request asks for (PKCS#9 `extensionRequest`, or Microsoft's
/// `1.3.6.1.4.1.311.2.1.14`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RequestedExtension {
    oid: Oid,
    critical: bool,
    value: Bytes,
}

impl RequestedExtension {
    /// The extension's OID in dotted form.
    #[must_use]
    pub fn oid(&self) -> String {
        self.oid.to_string()
    }

    /// Whether the request marks it critical.
    #[must_use]
    pub fn is_critical(&self) -> bool {
        self.critical
    }

    /// The content of `extnValue` (the bytes inside the OCTET STRING), as sent.
    #[must_use]
    pub fn value(&self) -> &[u8] {
        &self.value
    }
}

impl fmt::Debug for RequestedExtension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestedExtension")
            .field("oid", &self.oid.to_string())
            .field("critical", &self.critical)
            .field("len", &self.value.len())
            .finish()
    }
}

/// A PKCS#10 certificate request (RFC 2986), as an MS-MDE2 device sends it in the
/// `BinarySecurityToken` of a `RequestSecurityToken` (`ValueType …#PKCS10`).
///
/// # Leniency, and what is still checked
///
/// Windows puts characters a `PrintableString` may not hold into the subject's common name:
/// `<truncated GUID>!<DeviceID>` followed by a NUL byte (research lesson L1; Go's parser
/// panicked on it). mdmkit therefore walks the DER itself instead of decoding the subject
/// with a strict string type:
///
/// * the DER structure is strict (definite shortest-form lengths, the RFC 2986 shape, no
///   trailing bytes, version 1 only);
/// * a `PrintableString` or `IA5String` common name may hold **any ASCII byte**
///   (0x00–0x7F), `!` and NUL included; a byte at or above 0x80 is no character of those
///   types in any reading, and such a request is refused ([`CsrError::Malformed`]).
///   `UTF8String` must be UTF-8, `BMPString` UTF-16, `UniversalString` UTF-32;
/// * other subject attributes are not decoded, only kept in [`subject_der`](Self::subject_der);
/// * the signature is checked over the **exact bytes sent** of `certificationRequestInfo`,
///   never a re-encoding ([`verify_signature`](Self::verify_signature)).
///
/// Cloning is cheap (the request is shared).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use mdmkit::windows::enroll::certificate::{CertificateRequest, KeyAlgorithm};
/// use openssl::{ec::{EcGroup, EcKey}, hash::MessageDigest, nid::Nid, pkey::PKey};
/// use openssl::x509::{X509NameBuilder, X509ReqBuilder};
///
/// // What the device does: a key pair and a request signed with it.
/// let p256 = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
/// let key = PKey::from_ec_key(EcKey::generate(&p256)?)?;
/// let mut name = X509NameBuilder::new()?;
/// name.append_entry_by_nid(Nid::COMMONNAME, "B5B954E81FBCB94EB79BD08BE625F4EE")?;
/// let mut req = X509ReqBuilder::new()?;
/// req.set_subject_name(&name.build())?;
/// req.set_pubkey(&key)?;
/// req.sign(&key, MessageDigest::sha256())?;
/// let der = req.build().to_der()?;
///
/// // What the server does.
/// let csr = CertificateRequest::from_der(&der)?;
/// csr.verify_signature()?;
/// assert_eq!(csr.common_name().as_deref(), Some("B5B954E81FBCB94EB79BD08BE625F4EE"));
/// assert_eq!(csr.key_algorithm(), &KeyAlgorithm::EcP256);
/// assert!(csr.device_id().is_none()); // no DeviceID extension requested
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CertificateRequest {
    inner: Arc<Inner>,
}

struct Inner {
    der: Bytes,
    info: Range<usize>,
    subject: Range<usize>,
    spki: Range<usize>,
    common_name: Option<(u8, Range<usize>)>,
    key: KeyAlgorithm,
    signature_algorithm: SignatureAlgorithm,
    signature_oid: Oid,
    signature: Range<usize>,
    extensions: Vec<RequestedExtension>,
    verified: OnceLock<Result<(), CsrError>>,
}

fn range(whole: &[u8], part: &[u8]) -> Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

fn ber(e: crate::cms::ber::BerError) -> CsrError {
    CsrError::malformed(
        match e.kind {
            BerErrorKind::Truncated => "truncated input",
            BerErrorKind::NotDer => "length not in der form",
            BerErrorKind::LengthOverflow => "length overflow",
            BerErrorKind::BadTag => "malformed tag",
            _ => "malformed der",
        },
        e.offset,
    )
}

fn expect<'a>(r: &mut DerReader<'a>, tag: u8, what: &'static str) -> Result<Tlv<'a>, CsrError> {
    let offset = r.offset();
    match r.read() {
        Ok(t) if t.tag == tag => Ok(t),
        Ok(_) => Err(CsrError::malformed(what, offset)),
        Err(e) => Err(ber(e)),
    }
}

fn end(r: &DerReader<'_>, what: &'static str) -> Result<(), CsrError> {
    if r.is_empty() {
        Ok(())
    } else {
        Err(CsrError::malformed(what, r.offset()))
    }
}

fn oid(t: &Tlv<'_>, what: &'static str) -> Result<Oid, CsrError> {
    Oid::from_bytes(t.content).map_err(|_| CsrError::malformed(what, t.offset))
}

/// Counts a container's elements before they are decoded.
fn items<'a>(t: &Tlv<'a>, limits: &CsrLimits) -> Result<Vec<Tlv<'a>>, CsrError> {
    let mut r = t.reader();
    let mut out = Vec::new();
    while !r.is_empty() {
        if out.len() >= limits.max_items {
            return Err(CsrError::LimitExceeded(CsrLimit::Items));
        }
        out.push(r.read().map_err(ber)?);
    }
    Ok(out)
}

/// `AlgorithmIdentifier`: the OID and the raw parameters, if any.
fn algorithm<'a>(t: &Tlv<'a>, what: &'static str) -> Result<(Oid, Option<Tlv<'a>>), CsrError> {
    let mut r = t.reader();
    let o = oid(&expect(&mut r, OID, what)?, what)?;
    let params = if r.is_empty() {
        None
    } else {
        Some(r.read().map_err(ber)?)
    };
    end(&r, what)?;
    Ok((o, params))
}

/// The content of a BIT STRING without unused bits.
fn bit_string<'a>(t: &Tlv<'a>, what: &'static str) -> Result<&'a [u8], CsrError> {
    match t.content.split_first() {
        Some((0, rest)) => Ok(rest),
        _ => Err(CsrError::malformed(what, t.offset)),
    }
}

fn key_algorithm(spki: &Tlv<'_>) -> Result<KeyAlgorithm, CsrError> {
    let mut r = spki.reader();
    let alg = expect(&mut r, SEQUENCE, "public key algorithm")?;
    let key = expect(&mut r, BIT_STRING, "public key")?;
    end(&r, "public key info")?;
    let (alg_oid, params) = algorithm(&alg, "public key algorithm")?;
    let key = bit_string(&key, "public key")?;
    Ok(match alg_oid {
        RSA_ENCRYPTION => {
            // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
            let bad = || CsrError::malformed("rsa public key", spki.offset);
            let mut top = DerReader::new(key);
            let seq = top
                .read()
                .ok()
                .filter(|t| t.tag == SEQUENCE)
                .ok_or_else(bad)?;
            let mut inner = seq.reader();
            let n = inner
                .read()
                .ok()
                .filter(|t| t.tag == INTEGER)
                .ok_or_else(bad)?;
            let e = inner
                .read()
                .ok()
                .filter(|t| t.tag == INTEGER)
                .ok_or_else(bad)?;
            if !top.is_empty() || !inner.is_empty() || e.content.is_empty() {
                return Err(bad());
            }
            let modulus = match n.content {
                [0, rest @ ..] => rest,
                [first, ..] if first & 0x80 != 0 => return Err(bad()),
                m => m,
            };
            let bits = match modulus.first() {
                Some(&b) => modulus.len() * 8 - b.leading_zeros() as usize,
                None => return Err(bad()),
            };
            KeyAlgorithm::Rsa {
                bits: u32::try_from(bits).map_err(|_| bad())?,
            }
        }
        EC_PUBLIC_KEY => {
            let curve = params
                .filter(|p| p.tag == OID)
                .ok_or(CsrError::malformed("ec curve", spki.offset))?;
            match oid(&curve, "ec curve")? {
                P256 => KeyAlgorithm::EcP256,
                P384 => KeyAlgorithm::EcP384,
                other => KeyAlgorithm::Unsupported {
                    oid: other.to_string(),
                },
            }
        }
        other => KeyAlgorithm::Unsupported {
            oid: other.to_string(),
        },
    })
}

/// Checks that a common name's bytes are text of their string type.
fn check_text(tag: u8, bytes: &[u8], offset: usize) -> Result<(), CsrError> {
    let bad = || CsrError::malformed("common name", offset);
    match tag {
        // Lenient (L1): any ASCII, `!` and NUL included.
        PRINTABLE_STRING | IA5_STRING => bytes.is_ascii().then_some(()).ok_or_else(bad),
        UTF8_STRING => std::str::from_utf8(bytes).map(|_| ()).map_err(|_| bad()),
        // T.61 is read as Latin-1, as OpenSSL and browsers do.
        TELETEX_STRING => Ok(()),
        BMP_STRING => {
            if !bytes.len().is_multiple_of(2) {
                return Err(bad());
            }
            let units = bytes.chunks_exact(2).map(|c| {
                u16::from_be_bytes([
                    c.first().copied().unwrap_or(0),
                    c.get(1).copied().unwrap_or(0),
                ])
            });
            char::decode_utf16(units)
                .try_for_each(|c| c.map(|_| ()))
                .map_err(|_| bad())
        }
        UNIVERSAL_STRING => {
            if !bytes.len().is_multiple_of(4) {
                return Err(bad());
            }
            bytes
                .chunks_exact(4)
                .try_for_each(|c| {
                    let mut b = [0u8; 4];
                    b.copy_from_slice(c);
                    char::from_u32(u32::from_be_bytes(b)).map(|_| ())
                })
                .ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

fn decode_text(tag: u8, bytes: &[u8]) -> String {
    match tag {
        PRINTABLE_STRING | IA5_STRING | UTF8_STRING => String::from_utf8_lossy(bytes).into_owned(),
        TELETEX_STRING => bytes.iter().map(|&b| char::from(b)).collect(),
        BMP_STRING => {
            let units = bytes.chunks_exact(2).map(|c| {
                u16::from_be_bytes([
                    c.first().copied().unwrap_or(0),
                    c.get(1).copied().unwrap_or(0),
                ])
            });
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
        UNIVERSAL_STRING => bytes
            .chunks_exact(4)
            .map(|c| {
                let mut b = [0u8; 4];
                b.copy_from_slice(c);
                char::from_u32(u32::from_be_bytes(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        _ => String::new(),
    }
}

/// The last common name of a `Name` (the most specific, as Go and OpenSSL's tools read it).
fn common_name<'a>(
    subject: &Tlv<'a>,
    limits: &CsrLimits,
) -> Result<Option<(u8, &'a [u8])>, CsrError> {
    let mut found = None;
    let mut count = 0usize;
    for rdn in items(subject, limits)? {
        if rdn.tag != SET {
            return Err(CsrError::malformed("subject", rdn.offset));
        }
        let attrs = items(&rdn, limits)?;
        if attrs.is_empty() {
            return Err(CsrError::malformed("subject", rdn.offset));
        }
        for atv in attrs {
            count += 1;
            if count > limits.max_items {
                return Err(CsrError::LimitExceeded(CsrLimit::Items));
            }
            if atv.tag != SEQUENCE {
                return Err(CsrError::malformed("subject attribute", atv.offset));
            }
            let mut r = atv.reader();
            let kind = oid(
                &expect(&mut r, OID, "subject attribute")?,
                "subject attribute",
            )?;
            let value = r.read().map_err(ber)?;
            end(&r, "subject attribute")?;
            if kind == COMMON_NAME {
                check_text(value.tag, value.content, value.offset)?;
                found = Some((value.tag, value.content));
            }
        }
    }
    Ok(found)
}

fn extensions(
    attributes: Option<Tlv<'_>>,
    der: &Bytes,
    limits: &CsrLimits,
) -> Result<Vec<RequestedExtension>, CsrError> {
    let mut out: Vec<RequestedExtension> = Vec::new();
    let Some(attributes) = attributes else {
        return Ok(out);
    };
    for attr in items(&attributes, limits)? {
        if attr.tag != SEQUENCE {
            return Err(CsrError::malformed("attribute", attr.offset));
        }
        let mut r = attr.reader();
        let kind = oid(&expect(&mut r, OID, "attribute")?, "attribute")?;
        let values = expect(&mut r, SET, "attribute values")?;
        end(&r, "attribute")?;
        if kind != EXTENSION_REQUEST && kind != MS_CERT_EXTENSIONS {
            continue;
        }
        for exts in items(&values, limits)? {
            if exts.tag != SEQUENCE {
                return Err(CsrError::malformed("extension request", exts.offset));
            }
            for ext in items(&exts, limits)? {
                if out.len() >= limits.max_items {
                    return Err(CsrError::LimitExceeded(CsrLimit::Items));
                }
                if ext.tag != SEQUENCE {
                    return Err(CsrError::malformed("extension", ext.offset));
                }
                let mut r = ext.reader();
                let ext_oid = oid(&expect(&mut r, OID, "extension")?, "extension")?;
                let critical = match r.optional(BOOLEAN).map_err(ber)? {
                    None => false,
                    Some(b) => match b.content {
                        [0xff] => true,
                        // DER leaves a FALSE default out; Windows-era encoders sometimes don't.
                        [0x00] => false,
                        _ => return Err(CsrError::malformed("extension critical flag", b.offset)),
                    },
                };
                let value = expect(&mut r, OCTET_STRING, "extension value")?;
                end(&r, "extension")?;
                if out.iter().any(|e| e.oid == ext_oid) {
                    return Err(CsrError::malformed("duplicate extension", ext.offset));
                }
                out.push(RequestedExtension {
                    oid: ext_oid,
                    critical,
                    value: der.slice(range(der, value.content)),
                });
            }
        }
    }
    Ok(out)
}

impl CertificateRequest {
    /// Parses a DER request with the default [`CsrLimits`].
    ///
    /// # Errors
    ///
    /// [`CsrError::LimitExceeded`]; [`CsrError::Malformed`] for anything that is not a DER
    /// PKCS#10 request of the shape described on [`CertificateRequest`]. Algorithms are not
    /// judged here but by [`verify_signature`](Self::verify_signature).
    pub fn from_der(der: &[u8]) -> Result<CertificateRequest, CsrError> {
        CertificateRequest::from_der_with_limits(der, &CsrLimits::DEFAULT)
    }

    /// Parses the base64 text of a `BinarySecurityToken` (standard alphabet, padded; ASCII
    /// whitespace such as the line breaks of an XML text node is skipped) with the default
    /// [`CsrLimits`].
    ///
    /// # Errors
    ///
    /// [`CsrError::Malformed`]`{ what: "base64", .. }` for bad base64; then as
    /// [`from_der`](Self::from_der).
    pub fn from_base64(text: &str) -> Result<CertificateRequest, CsrError> {
        CertificateRequest::from_base64_with_limits(text, &CsrLimits::DEFAULT)
    }

    /// [`from_base64`](Self::from_base64) with explicit limits.
    ///
    /// # Errors
    ///
    /// As [`from_base64`](Self::from_base64).
    pub fn from_base64_with_limits(
        text: &str,
        limits: &CsrLimits,
    ) -> Result<CertificateRequest, CsrError> {
        let der = decode_base64(text, limits.max_input_bytes)?;
        CertificateRequest::from_der_with_limits(&der, limits)
    }

    /// [`from_der`](Self::from_der) with explicit limits.
    ///
    /// # Errors
    ///
    /// As [`from_der`](Self::from_der).
    pub fn from_der_with_limits(
        der: &[u8],
        limits: &CsrLimits,
    ) -> Result<CertificateRequest, CsrError> {
        if der.len() > limits.max_input_bytes {
            return Err(CsrError::LimitExceeded(CsrLimit::InputBytes));
        }
        let der = Bytes::copy_from_slice(der);
        let mut top = DerReader::new(&der);
        let outer = expect(&mut top, SEQUENCE, "certification request")?;
        end(&top, "trailing data")?;

        let mut r = outer.reader();
        let info = expect(&mut r, SEQUENCE, "certification request info")?;
        let sig_alg = expect(&mut r, SEQUENCE, "signature algorithm")?;
        let signature = expect(&mut r, BIT_STRING, "signature")?;
        end(&r, "certification request")?;

        let mut r = info.reader();
        let version = expect(&mut r, INTEGER, "version")?;
        if version.content != [0] {
            return Err(CsrError::malformed("version", version.offset));
        }
        let subject = expect(&mut r, SEQUENCE, "subject")?;
        let spki = expect(&mut r, SEQUENCE, "public key info")?;
        let attributes = r.optional(CTX0).map_err(ber)?;
        end(&r, "certification request info")?;

        let common_name = common_name(&subject, limits)?;
        let key = key_algorithm(&spki)?;
        let extensions = extensions(attributes, &der, limits)?;

        let (signature_oid, params) = algorithm(&sig_alg, "signature algorithm")?;
        if let Some(p) = params
            && (p.tag != NULL || !p.content.is_empty())
        {
            return Err(CsrError::malformed(
                "signature algorithm parameters",
                p.offset,
            ));
        }
        let signature_bits = bit_string(&signature, "signature")?;

        let inner = Inner {
            info: range(&der, info.raw),
            subject: range(&der, subject.raw),
            spki: range(&der, spki.raw),
            common_name: common_name.map(|(tag, bytes)| (tag, range(&der, bytes))),
            key,
            signature_algorithm: SignatureAlgorithm::from_oid(&signature_oid),
            signature_oid,
            signature: range(&der, signature_bits),
            extensions,
            verified: OnceLock::new(),
            der,
        };
        Ok(CertificateRequest {
            inner: Arc::new(inner),
        })
    }

    fn part(&self, r: &Range<usize>) -> &[u8] {
        self.inner.der.get(r.clone()).unwrap_or_default()
    }

    /// The DER bytes, as sent.
    #[must_use]
    pub fn der(&self) -> &Bytes {
        &self.inner.der
    }

    /// The subject `Name`, DER, as sent.
    #[must_use]
    pub fn subject_der(&self) -> &[u8] {
        self.part(&self.inner.subject)
    }

    /// The subject's common name (the last one if there are several) **with trailing NUL
    /// characters removed**: for a Windows request `<truncated GUID>!<DeviceID>`. Other
    /// characters, `!` included, are kept as sent. `None` without a common name.
    ///
    /// The text is the device's claim, read leniently; use it for logs and cross-checks, never
    /// as the issued certificate's subject without validating it.
    #[must_use]
    pub fn common_name(&self) -> Option<String> {
        let mut text = self.common_name_raw()?;
        let kept = text.trim_end_matches('\0').len();
        text.truncate(kept);
        Some(text)
    }

    /// The subject's common name exactly as decoded, trailing NULs included (see
    /// [`common_name`](Self::common_name)).
    #[must_use]
    pub fn common_name_raw(&self) -> Option<String> {
        let (tag, r) = self.inner.common_name.as_ref()?;
        Some(decode_text(*tag, self.part(r)))
    }

    /// The `SubjectPublicKeyInfo`, DER, as sent: the key the issued certificate certifies.
    #[must_use]
    pub fn public_key_info_der(&self) -> &[u8] {
        self.part(&self.inner.spki)
    }

    /// The public key's algorithm (and size or curve).
    #[must_use]
    pub fn key_algorithm(&self) -> &KeyAlgorithm {
        &self.inner.key
    }

    /// The signature algorithm.
    #[must_use]
    pub fn signature_algorithm(&self) -> &SignatureAlgorithm {
        &self.inner.signature_algorithm
    }

    /// The extensions the request asks for, in the order sent.
    #[must_use]
    pub fn extensions(&self) -> &[RequestedExtension] {
        &self.inner.extensions
    }

    /// The requested extension with this OID (dotted form), if any.
    #[must_use]
    pub fn extension(&self, oid: &str) -> Option<&RequestedExtension> {
        let oid = Oid::new(oid).ok()?;
        self.inner.extensions.iter().find(|e| e.oid == oid)
    }

    /// The value of the requested DeviceID extension ([`DEVICE_ID_EXTENSION_OID`]) as sent.
    /// Windows puts the DeviceID's ASCII characters and a NUL byte straight into `extnValue`
    /// (not wrapped in a DER string).
    #[must_use]
    pub fn device_id(&self) -> Option<&[u8]> {
        self.inner
            .extensions
            .iter()
            .find(|e| e.oid == DEVICE_ID)
            .map(|e| e.value.as_ref())
    }

    /// The DeviceID extension's value as text, trailing NULs removed: the 32 hex digits the
    /// `DeviceID` context item of the same request carries. `None` when there is no such
    /// extension or its value is not UTF-8.
    #[must_use]
    pub fn device_id_str(&self) -> Option<&str> {
        let text = std::str::from_utf8(self.device_id()?).ok()?;
        Some(text.trim_end_matches('\0'))
    }

    /// Checks the request's signature with its own public key over the exact bytes sent of
    /// `certificationRequestInfo`: the device's proof that it holds the private key. The result
    /// is remembered, so a second call (for example by [`Issuer::issue`](super::Issuer::issue))
    /// costs nothing.
    ///
    /// Algorithms: RSA PKCS#1 v1.5 with SHA-1, SHA-256, SHA-384 or SHA-512; ECDSA on P-256 or
    /// P-384 with SHA-256, SHA-384 or SHA-512. **SHA-1 is accepted here**, unlike in
    /// [`cms`](crate::cms): Windows 10 signs its enrollment request with the OIW
    /// `sha1WithRSASignature`, and a collision gains nothing in a proof of possession, where
    /// the signer and the party who could prepare a colliding pair are the same. MD2, MD4 and
    /// MD5 are refused.
    ///
    /// # Errors
    ///
    /// [`CsrError::WeakAlgorithm`]; [`CsrError::UnsupportedAlgorithm`] for another
    /// algorithm, key type or curve, or a signature algorithm of another key type than the
    /// key; [`CsrError::Malformed`] for a public key OpenSSL cannot read;
    /// [`CsrError::BadSignature`].
    pub fn verify_signature(&self) -> Result<(), CsrError> {
        self.inner
            .verified
            .get_or_init(|| self.check_signature())
            .clone()
    }

    fn check_signature(&self) -> Result<(), CsrError> {
        let (digest, family) = match self.inner.signature_algorithm.parts() {
            Some(parts) => parts,
            None => {
                return Err(match self.inner.signature_oid {
                    MD5_WITH_RSA => CsrError::WeakAlgorithm { algorithm: "md5" },
                    MD4_WITH_RSA => CsrError::WeakAlgorithm { algorithm: "md4" },
                    MD2_WITH_RSA => CsrError::WeakAlgorithm { algorithm: "md2" },
                    _ => CsrError::UnsupportedAlgorithm {
                        oid: self.inner.signature_oid.to_string(),
                    },
                });
            }
        };
        let key_family = match &self.inner.key {
            KeyAlgorithm::Rsa { .. } => Id::RSA,
            KeyAlgorithm::EcP256 | KeyAlgorithm::EcP384 => Id::EC,
            KeyAlgorithm::Unsupported { oid } => {
                return Err(CsrError::UnsupportedAlgorithm { oid: oid.clone() });
            }
        };
        if key_family != family {
            return Err(CsrError::UnsupportedAlgorithm {
                oid: self.inner.signature_oid.to_string(),
            });
        }
        let key = self.public_key()?;
        let bad = |e: openssl::error::ErrorStack| CsrError::BadSignature {
            source: Some(BackendError::from(e)),
        };
        let mut verifier = openssl::sign::Verifier::new(digest, &key).map_err(bad)?;
        verifier.update(self.part(&self.inner.info)).map_err(bad)?;
        match verifier.verify(self.part(&self.inner.signature)) {
            Ok(true) => Ok(()),
            Ok(false) => Err(CsrError::BadSignature { source: None }),
            Err(e) => Err(bad(e)),
        }
    }

    /// OpenSSL's view of the public key, checked against what the DER walk found. RSA and
    /// P-256 / P-384 keys are built from their components (OpenSSL 3's generic SPKI decoder
    /// costs several times the signature check); anything else goes through the decoder.
    pub(super) fn public_key(&self) -> Result<PKey<Public>, CsrError> {
        let offset = self.inner.spki.start;
        let spki = self.public_key_info_der();
        let fast = DerReader::new(spki).read().ok().and_then(|t| {
            let mut r = t.reader();
            let alg = r.read().ok()?;
            let bits = r.read().ok()?;
            let bits = bits.content.strip_prefix(&[0])?;
            match &self.inner.key {
                KeyAlgorithm::Rsa { .. } => crate::cms::rsa_public_key(bits),
                KeyAlgorithm::EcP256 | KeyAlgorithm::EcP384 => {
                    let mut a = alg.reader();
                    a.read().ok()?;
                    let curve = Oid::from_bytes(a.read().ok()?.content).ok()?;
                    crate::cms::ec_public_key(&curve, bits)
                }
                KeyAlgorithm::Unsupported { .. } => None,
            }
        });
        let key = match fast {
            Some(key) => key,
            None => PKey::public_key_from_der(spki)
                .map_err(|_| CsrError::malformed("public key", offset))?,
        };
        let consistent = match &self.inner.key {
            KeyAlgorithm::Rsa { bits } => key.id() == Id::RSA && key.bits() == *bits,
            KeyAlgorithm::EcP256 | KeyAlgorithm::EcP384 => key.id() == Id::EC,
            KeyAlgorithm::Unsupported { .. } => false,
        };
        if !consistent {
            return Err(CsrError::malformed("public key", offset));
        }
        Ok(key)
    }
}

/// Decodes base64 (whitespace skipped) refusing output over `max` bytes before decoding.
pub(super) fn decode_base64(text: &str, max: usize) -> Result<Vec<u8>, CsrError> {
    let bad = || CsrError::Malformed {
        what: "base64",
        offset: None,
    };
    // Whitespace aside, base64 is 4/3 of the decoded size: refuse far larger text unread.
    if text.len() > max.saturating_mul(2).saturating_add(64) {
        return Err(CsrError::LimitExceeded(CsrLimit::InputBytes));
    }
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if compact.len() / 4 > max / 3 + 1 {
        return Err(CsrError::LimitExceeded(CsrLimit::InputBytes));
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|_| bad())?;
    if der.len() > max {
        return Err(CsrError::LimitExceeded(CsrLimit::InputBytes));
    }
    Ok(der)
}

impl PartialEq for CertificateRequest {
    fn eq(&self, other: &Self) -> bool {
        self.inner.der == other.inner.der
    }
}

impl Eq for CertificateRequest {}

impl fmt::Debug for CertificateRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateRequest")
            .field("common_name", &self.common_name_raw())
            .field("key", &self.inner.key)
            .field("signature_algorithm", &self.inner.signature_algorithm)
            .field("extensions", &self.inner.extensions)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn string_types() {
        assert!(check_text(PRINTABLE_STRING, b"a!b\0", 0).is_ok());
        assert!(check_text(PRINTABLE_STRING, b"\x80", 0).is_err());
        assert!(check_text(IA5_STRING, b"x@y", 0).is_ok());
        assert!(check_text(UTF8_STRING, "é".as_bytes(), 0).is_ok());
        assert!(check_text(UTF8_STRING, b"\xc3", 0).is_err());
        assert!(check_text(BMP_STRING, &[0, b'a', 0xd8, 0x3d, 0xde, 0x00], 0).is_ok());
        assert!(check_text(BMP_STRING, &[0xd8, 0x3d], 0).is_err());
        assert!(check_text(UNIVERSAL_STRING, &[0, 1, 0xf6, 0x00], 0).is_ok());
        assert!(check_text(UNIVERSAL_STRING, &[0, 0x11, 0, 0], 0).is_err());
        assert!(check_text(OCTET_STRING, b"x", 0).is_err());
        assert_eq!(decode_text(TELETEX_STRING, b"\xe9"), "é");
        assert_eq!(
            decode_text(BMP_STRING, &[0, b'a', 0xd8, 0x3d, 0xde, 0x00]),
            "a😀"
        );
        assert_eq!(decode_text(UNIVERSAL_STRING, &[0, 1, 0xf6, 0x00]), "😀");
        assert_eq!(decode_text(PRINTABLE_STRING, b"id!x\0"), "id!x\0");
    }

    #[test]
    fn base64_limits_before_decoding() {
        assert_eq!(decode_base64("AAEC", 3).unwrap(), [0, 1, 2]);
        assert_eq!(decode_base64(" AA\r\nEC\t", 3).unwrap(), [0, 1, 2]);
        assert!(matches!(
            decode_base64("AAECAw==", 3),
            Err(CsrError::LimitExceeded(CsrLimit::InputBytes))
        ));
        assert!(matches!(
            decode_base64(&" ".repeat(1000), 3),
            Err(CsrError::LimitExceeded(CsrLimit::InputBytes))
        ));
        assert!(matches!(
            decode_base64("AA=C", 3),
            Err(CsrError::Malformed { what: "base64", .. })
        ));
    }

    #[test]
    fn signature_algorithm_oids() {
        assert_eq!(
            SignatureAlgorithm::from_oid(&SHA1_WITH_RSA_OIW),
            SignatureAlgorithm::RsaSha1
        );
        assert_eq!(
            SignatureAlgorithm::from_oid(&SHA1_WITH_RSA),
            SignatureAlgorithm::RsaSha1
        );
        assert_eq!(
            SignatureAlgorithm::from_oid(&MD5_WITH_RSA),
            SignatureAlgorithm::Unsupported {
                oid: "1.2.840.113549.1.1.4".into()
            }
        );
    }
}
