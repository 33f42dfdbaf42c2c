//! Object identifiers and the algorithms mdmkit implements.

use super::{DigestAlgorithm, VerifyError};
use openssl::hash::MessageDigest;
use x509_cert::der::oid::ObjectIdentifier as Oid;

pub(crate) const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
pub(crate) const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
pub(crate) const ID_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
pub(crate) const ID_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
pub(crate) const ID_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");

pub(crate) const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
pub(crate) const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(crate) const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
pub(crate) const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
const MD2: Oid = Oid::new_unwrap("1.2.840.113549.2.2");
const MD4: Oid = Oid::new_unwrap("1.2.840.113549.2.4");
const MD5: Oid = Oid::new_unwrap("1.2.840.113549.2.5");

pub(crate) const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const MD2_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.2");
const MD4_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.3");
const MD5_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.4");
const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
pub(crate) const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const ECDSA_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
pub(crate) const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
pub(crate) const P521: Oid = Oid::new_unwrap("1.3.132.0.35");
pub(crate) const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");

impl DigestAlgorithm {
    pub(crate) fn message_digest(self) -> MessageDigest {
        match self {
            DigestAlgorithm::Sha1 => MessageDigest::sha1(),
            DigestAlgorithm::Sha256 => MessageDigest::sha256(),
            DigestAlgorithm::Sha384 => MessageDigest::sha384(),
            DigestAlgorithm::Sha512 => MessageDigest::sha512(),
        }
    }

    pub(crate) fn oid(self) -> Oid {
        match self {
            DigestAlgorithm::Sha1 => SHA1,
            DigestAlgorithm::Sha256 => SHA256,
            DigestAlgorithm::Sha384 => SHA384,
            DigestAlgorithm::Sha512 => SHA512,
        }
    }
}

/// Maps a digest OID. MD2/MD4/MD5 are refused as weak; SHA-1 only when `allow_sha1`.
pub(crate) fn digest(oid: &Oid, allow_sha1: bool) -> Result<DigestAlgorithm, VerifyError> {
    let alg = match *oid {
        SHA1 => DigestAlgorithm::Sha1,
        SHA256 => DigestAlgorithm::Sha256,
        SHA384 => DigestAlgorithm::Sha384,
        SHA512 => DigestAlgorithm::Sha512,
        MD5 => return Err(VerifyError::WeakDigest { algorithm: "md5" }),
        MD4 => return Err(VerifyError::WeakDigest { algorithm: "md4" }),
        MD2 => return Err(VerifyError::WeakDigest { algorithm: "md2" }),
        _ => return Err(VerifyError::unsupported(oid)),
    };
    check_sha1(alg, allow_sha1)?;
    Ok(alg)
}

fn check_sha1(alg: DigestAlgorithm, allow_sha1: bool) -> Result<(), VerifyError> {
    if alg == DigestAlgorithm::Sha1 && !allow_sha1 {
        return Err(VerifyError::WeakDigest { algorithm: "sha1" });
    }
    Ok(())
}

/// The public-key family a signature algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyFamily {
    Rsa,
    Ec,
}

/// Maps a `SignerInfo.signatureAlgorithm` OID to its key family. An OID that names a hash
/// (`sha256WithRSAEncryption`, `ecdsa-with-SHA384`) must name the signer's digest algorithm.
pub(crate) fn signature(
    oid: &Oid,
    digest: DigestAlgorithm,
    allow_sha1: bool,
) -> Result<KeyFamily, VerifyError> {
    use DigestAlgorithm as D;
    let (family, hash) = match *oid {
        RSA_ENCRYPTION => (KeyFamily::Rsa, None),
        EC_PUBLIC_KEY => (KeyFamily::Ec, None),
        SHA1_WITH_RSA => (KeyFamily::Rsa, Some(D::Sha1)),
        SHA256_WITH_RSA => (KeyFamily::Rsa, Some(D::Sha256)),
        SHA384_WITH_RSA => (KeyFamily::Rsa, Some(D::Sha384)),
        SHA512_WITH_RSA => (KeyFamily::Rsa, Some(D::Sha512)),
        ECDSA_WITH_SHA1 => (KeyFamily::Ec, Some(D::Sha1)),
        ECDSA_WITH_SHA256 => (KeyFamily::Ec, Some(D::Sha256)),
        ECDSA_WITH_SHA384 => (KeyFamily::Ec, Some(D::Sha384)),
        ECDSA_WITH_SHA512 => (KeyFamily::Ec, Some(D::Sha512)),
        MD5_WITH_RSA => return Err(VerifyError::WeakDigest { algorithm: "md5" }),
        MD4_WITH_RSA => return Err(VerifyError::WeakDigest { algorithm: "md4" }),
        MD2_WITH_RSA => return Err(VerifyError::WeakDigest { algorithm: "md2" }),
        _ => return Err(VerifyError::unsupported(oid)),
    };
    if let Some(hash) = hash {
        check_sha1(hash, allow_sha1)?;
        if hash != digest {
            return Err(VerifyError::unsupported(oid));
        }
    }
    Ok(family)
}
