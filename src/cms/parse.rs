//! Walks the outer CMS structure over DER and keeps the exact bytes of its parts.
//!
//! The parts a signature covers (the signed attributes) and the certificates are taken as the
//! bytes that were sent, not re-encoded from a parsed value: a `SET OF` that was not in DER
//! order would otherwise be re-sorted and no longer match its signature. Counts are checked
//! here, on element headers only, before anything is decoded; the pieces are then decoded with
//! the `cms` and `x509-cert` types by the verifier.

use super::ber::{BerError, BerErrorKind, DerReader, Tlv};
use super::{CmsLimit, CmsLimits, VerifyError, alg};
use x509_cert::der::Decode as _;
use x509_cert::der::oid::ObjectIdentifier;

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const OID: u8 = 0x06;
const OCTET_STRING: u8 = 0x04;
const CTX0: u8 = 0xa0;
const CTX1: u8 = 0xa1;

/// The parts of a `ContentInfo { signedData }` the verifier needs, borrowed from the input.
#[derive(Debug)]
pub(crate) struct SignedParts<'a> {
    pub(crate) econtent_type: ObjectIdentifier,
    /// The content of the `eContent` OCTET STRING, when present.
    pub(crate) econtent: Option<&'a [u8]>,
    /// Every `CertificateChoices` that is a plain certificate, as sent.
    pub(crate) certificates: Vec<Tlv<'a>>,
    /// The one `SignerInfo`, as sent.
    pub(crate) signer_info: Tlv<'a>,
    /// The `[0] IMPLICIT SignedAttributes` element of the signer, as sent.
    pub(crate) signed_attrs: Option<Tlv<'a>>,
}

pub(crate) fn ber_error(e: BerError) -> VerifyError {
    match e.kind {
        BerErrorKind::DepthExceeded => VerifyError::LimitExceeded(CmsLimit::Depth),
        kind => VerifyError::malformed(kind.as_str(), e.offset),
    }
}

fn expect<'a>(r: &mut DerReader<'a>, tag: u8, what: &'static str) -> Result<Tlv<'a>, VerifyError> {
    let offset = r.offset();
    match r.read() {
        Ok(t) if t.tag == tag => Ok(t),
        Ok(_) => Err(VerifyError::malformed(what, offset)),
        Err(e) => Err(ber_error(e)),
    }
}

fn optional<'a>(r: &mut DerReader<'a>, tag: u8) -> Result<Option<Tlv<'a>>, VerifyError> {
    r.optional(tag).map_err(ber_error)
}

fn end(r: &DerReader<'_>, what: &'static str) -> Result<(), VerifyError> {
    if r.is_empty() {
        Ok(())
    } else {
        Err(VerifyError::malformed(what, r.offset()))
    }
}

fn oid(t: &Tlv<'_>, what: &'static str) -> Result<ObjectIdentifier, VerifyError> {
    ObjectIdentifier::from_der(t.raw).map_err(|e| VerifyError::der(what, e))
}

/// Counts the elements in `t`'s content, refusing more than `max`.
fn count<'a>(t: &Tlv<'a>, max: usize, limit: CmsLimit) -> Result<Vec<Tlv<'a>>, VerifyError> {
    let mut r = t.reader();
    let mut out = Vec::new();
    while !r.is_empty() {
        if out.len() >= max {
            return Err(VerifyError::LimitExceeded(limit));
        }
        out.push(r.read().map_err(ber_error)?);
    }
    Ok(out)
}

/// Walks `ContentInfo` → `SignedData` over DER.
pub(crate) fn signed_data<'a>(
    der: &'a [u8],
    limits: &CmsLimits,
) -> Result<SignedParts<'a>, VerifyError> {
    let mut top = DerReader::new(der);
    let content_info = expect(&mut top, SEQUENCE, "content info is not a sequence")?;
    end(&top, "trailing data after content info")?;

    let mut ci = content_info.reader();
    let content_type = expect(&mut ci, OID, "content info type")?;
    if content_type.content != alg::ID_SIGNED_DATA.as_bytes() {
        // Still check it is an OID at all: garbage is malformed, not "another type".
        oid(&content_type, "content info type")?;
        return Err(VerifyError::NotSignedData);
    }
    let explicit = expect(&mut ci, CTX0, "content info content")?;
    end(&ci, "trailing data in content info")?;
    let mut explicit = explicit.reader();
    let signed_data = expect(&mut explicit, SEQUENCE, "signed data is not a sequence")?;
    end(&explicit, "trailing data after signed data")?;

    let mut sd = signed_data.reader();
    expect(&mut sd, INTEGER, "signed data version")?;
    expect(&mut sd, SET, "digest algorithms")?;

    let encap = expect(&mut sd, SEQUENCE, "encapsulated content info")?;
    let mut e = encap.reader();
    let econtent_type = oid(
        &expect(&mut e, OID, "encapsulated content type")?,
        "content type",
    )?;
    let econtent = match optional(&mut e, CTX0)? {
        Some(explicit) => {
            let mut inner = explicit.reader();
            let os = expect(
                &mut inner,
                OCTET_STRING,
                "encapsulated content is not an octet string",
            )?;
            end(&inner, "trailing data in encapsulated content")?;
            Some(os.content)
        }
        None => None,
    };
    end(&e, "trailing data in encapsulated content info")?;

    let mut certificates = Vec::new();
    if let Some(set) = optional(&mut sd, CTX0)? {
        for choice in count(&set, limits.max_certificates, CmsLimit::Certificates)? {
            // Other choices (attribute certificates, `other`) are counted but not used.
            if choice.tag == SEQUENCE {
                certificates.push(choice);
            }
        }
    }
    // Revocation information is not used.
    optional(&mut sd, CTX1)?;

    let signer_infos = expect(&mut sd, SET, "signer infos")?;
    end(&sd, "trailing data in signed data")?;
    let mut si = signer_infos.reader();
    if si.is_empty() {
        return Err(VerifyError::NoSigner);
    }
    let signer_info = expect(&mut si, SEQUENCE, "signer info")?;
    if !si.is_empty() {
        return Err(VerifyError::MultipleSigners);
    }

    // Inside the signer info: version, sid, digestAlgorithm, then [0] signedAttrs if any.
    let mut s = signer_info.reader();
    expect(&mut s, INTEGER, "signer info version")?;
    s.read().map_err(ber_error)?;
    expect(&mut s, SEQUENCE, "signer digest algorithm")?;
    let signed_attrs = optional(&mut s, CTX0)?;
    if let Some(attrs) = &signed_attrs {
        count(
            attrs,
            limits.max_signed_attributes,
            CmsLimit::SignedAttributes,
        )?;
    }

    Ok(SignedParts {
        econtent_type,
        econtent,
        certificates,
        signer_info,
        signed_attrs,
    })
}
