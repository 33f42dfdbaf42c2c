//! Signature verification.

use super::ber;
use super::parse::{self, SignedParts, ber_error};
use super::{
    BackendError, Certificate, CmsLimit, CmsLimits, DigestAlgorithm, Policy, TrustAnchors,
    VerifyError, alg,
};
use bytes::Bytes;
use cms::signed_data::{SignerIdentifier, SignerInfo};
use openssl::pkey::{Id, PKey, Public};
use openssl::sign::Verifier;
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::{X509VerifyFlags, X509VerifyParam};
use openssl::x509::{X509, X509StoreContext};
use std::time::{SystemTime, UNIX_EPOCH};
use x509_cert::attr::Attribute;
use x509_cert::der::asn1::OctetStringRef;
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::{Decode as _, Encode as _, Tagged as _};

/// A signature that was accepted, and what it covered.
///
/// Returned by [`verify_attached`], [`verify_detached`] and [`open_attached`].
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct Verified {
    content: Bytes,
    content_type: ObjectIdentifier,
    signer: Certificate,
    chain: Vec<Certificate>,
    certificates: Vec<Certificate>,
    digest: DigestAlgorithm,
    signing_time: Option<SystemTime>,
    trusted: bool,
}

impl Verified {
    /// The signed content: the encapsulated content of an attached signature, or a copy of
    /// the content given to [`verify_detached`].
    #[must_use]
    pub fn content(&self) -> &Bytes {
        &self.content
    }

    /// Takes the content out.
    #[must_use]
    pub fn into_content(self) -> Bytes {
        self.content
    }

    /// The encapsulated content type in dotted form; `1.2.840.113549.1.7.1` (`id-data`) for
    /// profiles and `Mdm-Signature`.
    #[must_use]
    pub fn content_type(&self) -> String {
        self.content_type.to_string()
    }

    /// The signer's certificate.
    #[must_use]
    pub fn signer(&self) -> &Certificate {
        &self.signer
    }

    /// The signer first, then, under [`Policy::trust`], each issuer up to and including the
    /// trust anchor. Under [`Policy::signature_only`] just the signer.
    #[must_use]
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// Every certificate the message included, in the order sent.
    #[must_use]
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// The signer's digest algorithm.
    #[must_use]
    pub fn digest_algorithm(&self) -> DigestAlgorithm {
        self.digest
    }

    /// The `signingTime` signed attribute, if the signer included one. It is the signer's
    /// claim, not a trusted timestamp.
    #[must_use]
    pub fn signing_time(&self) -> Option<SystemTime> {
        self.signing_time
    }

    /// Whether a chain to a trust anchor was verified ([`Policy::trust`]).
    #[must_use]
    pub fn is_trusted(&self) -> bool {
        self.trusted
    }
}

/// Verifies a CMS `SignedData` that carries its content (a signed `.mobileconfig`).
///
/// The input may be DER or BER (indefinite lengths, constructed OCTET STRINGs). Exactly one
/// `SignerInfo` is accepted; its certificate is found among the included certificates by
/// issuer and serial number or by subject key identifier. With signed attributes,
/// `contentType` must equal the encapsulated content type and `messageDigest` the digest of
/// the content, and the signature covers the attributes; without them the signature covers
/// the content. Signature algorithms: RSA PKCS#1 v1.5 (`rsaEncryption`,
/// `sha*WithRSAEncryption`) and ECDSA (`ecdsa-with-SHA*`); RSA-PSS is not supported.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let (cert_pem, key_pem) = mdmkit::cms::doc_support::identity()?;
/// use mdmkit::cms::{sign_attached, verify_attached, Certificate, Policy, Signer, TrustAnchors};
///
/// let signer = Signer::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())?;
/// let root = Certificate::from_pem(cert_pem.as_bytes())?;
/// let now = root.not_before() + std::time::Duration::from_secs(86_400);
/// let signed = sign_attached(b"<plist/>", &signer, now)?;
///
/// let policy = Policy::trust(TrustAnchors::new().with(root.clone()), now);
/// let verified = verify_attached(&signed, &policy)?;
/// assert_eq!(verified.content().as_ref(), b"<plist/>");
/// assert_eq!(verified.signer(), &root);
/// assert_eq!(verified.signing_time(), Some(now)); // whole seconds
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// Every way a signature can be unacceptable is its own [`VerifyError`] case; among them
/// [`ContentMissing`](VerifyError::ContentMissing) when the signature is detached.
pub fn verify_attached(der: &[u8], policy: &Policy) -> Result<Verified, VerifyError> {
    verify(der, None, policy)
}

/// Verifies a detached CMS `SignedData` over `content` (an `Mdm-Signature` over a request
/// body). Same rules as [`verify_attached`].
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let (cert_pem, key_pem) = mdmkit::cms::doc_support::identity()?;
/// use mdmkit::cms::{sign_detached, verify_detached, Policy, Signer, VerifyError};
///
/// let signer = Signer::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())?;
/// let sig = sign_detached(b"body", &signer, signer.certificate().not_before())?;
/// let verified = verify_detached(&sig, b"body", &Policy::signature_only())?;
/// assert_eq!(verified.signer(), signer.certificate());
/// assert!(matches!(
///     verify_detached(&sig, b"other body", &Policy::signature_only()),
///     Err(VerifyError::DigestMismatch)
/// ));
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// As [`verify_attached`]; [`UnexpectedContent`](VerifyError::UnexpectedContent) when the
/// signature carries content of its own.
pub fn verify_detached(
    der: &[u8],
    content: &[u8],
    policy: &Policy,
) -> Result<Verified, VerifyError> {
    verify(der, Some(content), policy)
}

/// Opens a signed profile without a trust decision: [`verify_attached`] with
/// [`Policy::signature_only`]. The digest and the signature are still checked, so the content
/// is what the included signer certificate signed; who that signer is, is not judged.
///
/// # Errors
///
/// As [`verify_attached`].
pub fn open_attached(der: &[u8]) -> Result<Verified, VerifyError> {
    verify(der, None, &Policy::signature_only())
}

/// What a CMS `SignedData` claims, read **without verifying anything**. See [`inspect`].
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct Unverified {
    certificates: Vec<Certificate>,
    signer: Option<Certificate>,
    digest: Option<DigestAlgorithm>,
    detached: bool,
}

impl Unverified {
    /// Every certificate included, in the order sent.
    #[must_use]
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// The included certificate the signer identifier names, if any.
    #[must_use]
    pub fn signer(&self) -> Option<&Certificate> {
        self.signer.as_ref()
    }

    /// The signer's digest algorithm, when it is one the verifier knows (SHA-1 included).
    #[must_use]
    pub fn digest_algorithm(&self) -> Option<DigestAlgorithm> {
        self.digest
    }

    /// Whether the signature is detached (carries no content).
    #[must_use]
    pub fn is_detached(&self) -> bool {
        self.detached
    }
}

/// Reads the structure of a CMS `SignedData` (DER or BER) under `limits` and returns what it
/// claims — included certificates, the signer's certificate, digest algorithm — **without
/// checking any digest, signature or chain**. For logging and diagnostics (which device sent
/// this `Mdm-Signature`?), never for a decision: use [`verify_detached`] /
/// [`verify_attached`] for that.
///
/// # Errors
///
/// The structural cases of [`VerifyError`]: [`Malformed`](VerifyError::Malformed),
/// [`LimitExceeded`](VerifyError::LimitExceeded), [`NotSignedData`](VerifyError::NotSignedData),
/// [`NoSigner`](VerifyError::NoSigner), [`MultipleSigners`](VerifyError::MultipleSigners).
pub fn inspect(der: &[u8], limits: &CmsLimits) -> Result<Unverified, VerifyError> {
    if der.len() > limits.max_input_bytes {
        return Err(VerifyError::LimitExceeded(CmsLimit::InputBytes));
    }
    let normalized = ber::normalize(der, limits.max_depth).map_err(ber_error)?;
    let parts = parse::signed_data(&normalized, limits)?;
    let si = decode_signer_info(&parts)?;
    let certificates = decode_certificates(&parts)?;
    let signer = find_signer(&si.sid, &certificates).ok().cloned();
    Ok(Unverified {
        signer,
        certificates,
        digest: alg::digest(&si.digest_alg.oid, true).ok(),
        detached: parts.econtent.is_none(),
    })
}

fn decode_signer_info(parts: &SignedParts<'_>) -> Result<SignerInfo, VerifyError> {
    SignerInfo::from_der(parts.signer_info.raw).map_err(|e| {
        let e = offset_by(e, parts.signer_info.offset);
        VerifyError::der("signer info", e)
    })
}

fn decode_certificates(parts: &SignedParts<'_>) -> Result<Vec<Certificate>, VerifyError> {
    parts
        .certificates
        .iter()
        .map(|t| {
            let parsed = x509_cert::Certificate::from_der(t.raw)
                .map_err(|e| VerifyError::der("certificate", offset_by(e, t.offset)))?;
            Ok(Certificate::from_parts(
                Bytes::copy_from_slice(t.raw),
                parsed,
            ))
        })
        .collect()
}

fn verify(der: &[u8], detached: Option<&[u8]>, policy: &Policy) -> Result<Verified, VerifyError> {
    let limits = &policy.limits;
    if der.len() > limits.max_input_bytes {
        return Err(VerifyError::LimitExceeded(CmsLimit::InputBytes));
    }
    let normalized = ber::normalize(der, limits.max_depth).map_err(ber_error)?;
    let parts = parse::signed_data(&normalized, limits)?;
    let content = match (detached, parts.econtent) {
        (None, Some(c)) => c,
        (None, None) => return Err(VerifyError::ContentMissing),
        (Some(_), Some(_)) => return Err(VerifyError::UnexpectedContent),
        (Some(c), None) => c,
    };

    let si = decode_signer_info(&parts)?;
    check_null_or_absent(&si.digest_alg, "digest algorithm parameters")?;
    let digest = alg::digest(&si.digest_alg.oid, policy.allow_sha1)?;
    let family = alg::signature(&si.signature_algorithm.oid, digest, policy.allow_sha1)?;

    let certificates = parts
        .certificates
        .iter()
        .map(|t| {
            let parsed = x509_cert::Certificate::from_der(t.raw)
                .map_err(|e| VerifyError::der("certificate", offset_by(e, t.offset)))?;
            Ok(Certificate::from_parts(
                Bytes::copy_from_slice(t.raw),
                parsed,
            ))
        })
        .collect::<Result<Vec<_>, VerifyError>>()?;
    let signer = find_signer(&si.sid, &certificates)?.clone();

    let (signed_bytes, signing_time) = match (&si.signed_attrs, &parts.signed_attrs) {
        (Some(attrs), Some(raw)) => {
            let st = check_signed_attributes(attrs, &parts, content, digest)?;
            // The signature covers the DER of the attributes as a SET OF (tag 0x31), not the
            // [0] IMPLICIT tag they are sent with.
            let mut bytes = raw.raw.to_vec();
            if let Some(tag) = bytes.first_mut() {
                *tag = 0x31;
            }
            (Some(bytes), st)
        }
        (None, None) => {
            if parts.econtent_type != alg::ID_DATA {
                return Err(VerifyError::malformed(
                    "signed attributes required for this content type",
                    parts.signer_info.offset,
                ));
            }
            (None, None)
        }
        // The walker and the decoder disagree: cannot happen on one input.
        _ => {
            return Err(VerifyError::malformed(
                "signed attributes",
                parts.signer_info.offset,
            ));
        }
    };

    let key = public_key(&signer, family)?;
    let data: &[u8] = signed_bytes.as_deref().unwrap_or(content);
    check_signature(&key, digest, data, si.signature.as_bytes())?;

    let (chain, trusted) = match &policy.trust {
        Some((anchors, now)) => (build_chain(&signer, &certificates, anchors, *now)?, true),
        None => (vec![signer.clone()], false),
    };

    Ok(Verified {
        content: Bytes::copy_from_slice(content),
        content_type: parts.econtent_type,
        signer,
        chain,
        certificates,
        digest,
        signing_time,
        trusted,
    })
}

/// Shifts a decoder error's position (relative to a part) to the whole input.
fn offset_by(e: x509_cert::der::Error, base: usize) -> x509_cert::der::Error {
    match (e.position(), u32::try_from(base)) {
        (Some(p), Ok(base)) => match (u32::from(p)).checked_add(base) {
            Some(abs) => match x509_cert::der::Length::try_from(abs) {
                Ok(len) => e.kind().at(len),
                Err(_) => e,
            },
            None => e,
        },
        _ => e,
    }
}

fn check_null_or_absent(
    alg: &x509_cert::spki::AlgorithmIdentifierOwned,
    what: &'static str,
) -> Result<(), VerifyError> {
    match &alg.parameters {
        None => Ok(()),
        Some(p) if p.tag() == x509_cert::der::Tag::Null && p.value().is_empty() => Ok(()),
        Some(_) => Err(VerifyError::Malformed {
            what,
            offset: None,
            source: None,
        }),
    }
}

fn find_signer<'c>(
    sid: &SignerIdentifier,
    certificates: &'c [Certificate],
) -> Result<&'c Certificate, VerifyError> {
    let found = match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => certificates.iter().find(|c| {
            let tbs = &c.parsed().tbs_certificate;
            tbs.serial_number == ias.serial_number && tbs.issuer == ias.issuer
        }),
        SignerIdentifier::SubjectKeyIdentifier(ski) => certificates
            .iter()
            .find(|c| c.subject_key_identifier().as_deref() == Some(ski.0.as_bytes())),
    };
    found.ok_or(VerifyError::SignerCertificateMissing)
}

/// The single value of the single attribute of type `oid`, if present.
fn single_value<'a>(
    attrs: &'a [Attribute],
    oid: ObjectIdentifier,
    what: &'static str,
) -> Result<Option<&'a x509_cert::der::Any>, VerifyError> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.oid == oid) {
        if found.is_some() || attr.values.len() != 1 {
            return Err(VerifyError::Malformed {
                what,
                offset: None,
                source: None,
            });
        }
        found = attr.values.get(0);
    }
    Ok(found)
}

/// Checks `contentType` and `messageDigest`; returns `signingTime`.
fn check_signed_attributes(
    attrs: &x509_cert::attr::Attributes,
    parts: &SignedParts<'_>,
    content: &[u8],
    digest: DigestAlgorithm,
) -> Result<Option<SystemTime>, VerifyError> {
    let attrs = attrs.as_slice();
    let malformed = |what| VerifyError::Malformed {
        what,
        offset: None,
        source: None,
    };

    let content_type = single_value(attrs, alg::ID_CONTENT_TYPE, "content-type attribute")?
        .ok_or(malformed("content-type attribute missing"))?
        .decode_as::<ObjectIdentifier>()
        .map_err(|e| VerifyError::der("content-type attribute", e))?;
    if content_type != parts.econtent_type {
        return Err(VerifyError::ContentTypeMismatch);
    }

    let expected = single_value(attrs, alg::ID_MESSAGE_DIGEST, "message-digest attribute")?
        .ok_or(malformed("message-digest attribute missing"))?
        .decode_as::<OctetStringRef<'_>>()
        .map_err(|e| VerifyError::der("message-digest attribute", e))?;
    let actual = openssl::hash::hash(digest.message_digest(), content)?;
    if expected.as_bytes() != &*actual {
        return Err(VerifyError::DigestMismatch);
    }

    match single_value(attrs, alg::ID_SIGNING_TIME, "signing-time attribute")? {
        Some(value) => {
            let time = value
                .to_der()
                .and_then(|der| x509_cert::time::Time::from_der(&der))
                .map_err(|e| VerifyError::der("signing-time attribute", e))?;
            Ok(Some(time.to_system_time()))
        }
        None => Ok(None),
    }
}

fn public_key(signer: &Certificate, family: alg::KeyFamily) -> Result<PKey<Public>, VerifyError> {
    let spki = &signer.parsed().tbs_certificate.subject_public_key_info;
    // RSA and named-curve EC keys are built from their components: OpenSSL 3's generic
    // decoder (`d2i_PUBKEY`) costs more than the signature check itself. Anything else goes
    // through the decoder.
    let fast = match spki.algorithm.oid {
        alg::RSA_ENCRYPTION => spki.subject_public_key.as_bytes().and_then(rsa_public_key),
        alg::EC_PUBLIC_KEY => spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
            .zip(spki.subject_public_key.as_bytes())
            .and_then(|(curve, point)| ec_public_key(&curve, point)),
        _ => None,
    };
    let key = match fast {
        Some(key) => key,
        None => {
            let der = spki
                .to_der()
                .map_err(|e| VerifyError::der("signer public key", e))?;
            PKey::public_key_from_der(&der).map_err(|e| VerifyError::Malformed {
                what: "signer public key",
                offset: None,
                source: Some(e.into()),
            })?
        }
    };
    let matches = match family {
        alg::KeyFamily::Rsa => key.id() == Id::RSA,
        alg::KeyFamily::Ec => key.id() == Id::EC,
    };
    if !matches {
        // An RSA signature algorithm with an EC key (or the other way round) cannot verify.
        return Err(VerifyError::BadSignature { source: None });
    }
    Ok(key)
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`, positive integers.
pub(crate) fn rsa_public_key(der: &[u8]) -> Option<PKey<Public>> {
    let mut top = ber::DerReader::new(der);
    let seq = top.read().ok().filter(|t| t.tag == 0x30)?;
    if !top.is_empty() {
        return None;
    }
    let mut r = seq.reader();
    let n = r.read().ok().filter(|t| t.tag == 0x02)?;
    let e = r.read().ok().filter(|t| t.tag == 0x02)?;
    if !r.is_empty() {
        return None;
    }
    let positive = |b: &[u8]| b.first().is_some_and(|f| f & 0x80 == 0);
    if !positive(n.content) || !positive(e.content) {
        return None;
    }
    let n = openssl::bn::BigNum::from_slice(n.content).ok()?;
    let e = openssl::bn::BigNum::from_slice(e.content).ok()?;
    let rsa = openssl::rsa::Rsa::from_public_components(n, e).ok()?;
    PKey::from_rsa(rsa).ok()
}

/// An uncompressed or compressed point on P-256, P-384 or P-521 (checked to be on the curve).
pub(crate) fn ec_public_key(curve: &ObjectIdentifier, point: &[u8]) -> Option<PKey<Public>> {
    use openssl::ec::{EcGroup, EcKey, EcPoint};
    use openssl::nid::Nid;
    use std::sync::OnceLock;
    // Building a group is costly in OpenSSL 3; the three are made once per process.
    static GROUPS: [OnceLock<Option<EcGroup>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let (slot, nid) = match *curve {
        alg::P256 => (0, Nid::X9_62_PRIME256V1),
        alg::P384 => (1, Nid::SECP384R1),
        alg::P521 => (2, Nid::SECP521R1),
        _ => return None,
    };
    let group = GROUPS
        .get(slot)?
        .get_or_init(|| EcGroup::from_curve_name(nid).ok())
        .as_ref()?;
    let mut ctx = openssl::bn::BigNumContext::new().ok()?;
    // Decoding checks the point is on the curve; these curves have cofactor 1, so any point
    // on them but infinity is in the prime-order group.
    let point = EcPoint::from_bytes(group, point, &mut ctx).ok()?;
    if point.is_infinity(group) {
        return None;
    }
    let key = EcKey::from_public_key(group, &point).ok()?;
    PKey::from_ec_key(key).ok()
}

fn check_signature(
    key: &PKey<Public>,
    digest: DigestAlgorithm,
    data: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let bad = |e: openssl::error::ErrorStack| VerifyError::BadSignature {
        source: Some(e.into()),
    };
    let mut verifier = Verifier::new(digest.message_digest(), key).map_err(bad)?;
    verifier.update(data).map_err(bad)?;
    match verifier.verify(signature) {
        Ok(true) => Ok(()),
        Ok(false) => Err(VerifyError::BadSignature { source: None }),
        Err(e) => Err(bad(e)),
    }
}

/// OpenSSL's `X509_V_ERR_CERT_NOT_YET_VALID` and `X509_V_ERR_CERT_HAS_EXPIRED`.
const X509_V_ERR_CERT_NOT_YET_VALID: i32 = 9;
const X509_V_ERR_CERT_HAS_EXPIRED: i32 = 10;

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

fn build_chain(
    signer: &Certificate,
    certificates: &[Certificate],
    anchors: &TrustAnchors,
    now: SystemTime,
) -> Result<Vec<Certificate>, VerifyError> {
    let unparsable = || VerifyError::Malformed {
        what: "certificate refused by openssl",
        offset: None,
        source: None,
    };
    let mut builder = X509StoreBuilder::new()?;
    for anchor in anchors.certificates() {
        if let Some(x) = anchor.x509() {
            builder.add_cert(x.clone())?;
        }
    }
    let mut param = X509VerifyParam::new()?;
    // A time_t that cannot hold `now` (32-bit platforms after 2038) becomes 0: every
    // certificate is then "not yet valid", which fails closed.
    #[allow(clippy::useless_conversion)] // time_t is i64 here, i32 on some targets
    param.set_time(unix_seconds(now).try_into().unwrap_or_default());
    // Anchors are trusted as they are, self-signed or not.
    param.set_flags(X509VerifyFlags::PARTIAL_CHAIN)?;
    builder.set_param(&param)?;
    let store = builder.build();

    let mut untrusted: Stack<X509> = Stack::new()?;
    for cert in certificates {
        if cert != signer {
            untrusted.push(cert.x509().ok_or_else(unparsable)?.clone())?;
        }
    }
    let leaf = signer.x509().ok_or_else(unparsable)?;

    let mut ctx = X509StoreContext::new()?;
    let outcome = ctx.init(&store, leaf, &untrusted, |ctx| {
        if ctx.verify_cert()? {
            let mut ders = Vec::new();
            for x in ctx.chain().into_iter().flatten() {
                ders.push(x.to_der()?);
            }
            Ok(Ok(ders))
        } else {
            Ok(Err(ctx.error()))
        }
    })?;
    let ders = match outcome {
        Ok(ders) => ders,
        Err(result) => {
            return Err(match result.as_raw() {
                X509_V_ERR_CERT_HAS_EXPIRED => VerifyError::Expired,
                X509_V_ERR_CERT_NOT_YET_VALID => VerifyError::NotYetValid,
                _ => VerifyError::UntrustedChain {
                    source: Some(BackendError::new(result)),
                },
            });
        }
    };
    let known = || {
        std::iter::once(signer)
            .chain(certificates)
            .chain(anchors.certificates())
    };
    ders.into_iter()
        .map(
            |der| match known().find(|c| c.der().as_ref() == der.as_slice()) {
                Some(c) => Ok(c.clone()),
                None => Certificate::from_bytes(Bytes::from(der)).map_err(|_| unparsable()),
            },
        )
        .collect()
}
