//! A throwaway identity for the documentation examples, made fresh on each call: no key ships
//! in the crate. Not part of the API; never use it for anything else.

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::{X509, X509NameBuilder};

/// A new self-signed P-256 certificate (`CN=mdmkit doc example`, valid 2026-01-01 to
/// 2126-01-01) and its PKCS#8 private key, both PEM.
///
/// # Errors
/// An OpenSSL error (the examples propagate it with `?`).
pub fn identity() -> Result<(String, String), openssl::error::ErrorStack> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, "mdmkit doc example")?;
    let name = name.build();
    let mut cert = X509::builder()?;
    cert.set_version(2)?;
    cert.set_serial_number(BigNum::from_u32(1)?.to_asn1_integer()?.as_ref())?;
    cert.set_subject_name(&name)?;
    cert.set_issuer_name(&name)?;
    cert.set_pubkey(&key)?;
    // 2026-01-01T00:00:00Z and 2126-01-01T00:00:00Z: fixed, so nothing reads the clock.
    cert.set_not_before(Asn1Time::from_unix(1_767_225_600)?.as_ref())?;
    cert.set_not_after(Asn1Time::from_unix(4_922_899_200)?.as_ref())?;
    cert.sign(&key, MessageDigest::sha256())?;
    let cert_pem = String::from_utf8_lossy(&cert.build().to_pem()?).into_owned();
    let key_pem = String::from_utf8_lossy(&key.private_key_to_pem_pkcs8()?).into_owned();
    Ok((cert_pem, key_pem))
}

/// A new self-signed P-256 certification authority (`CN=mdmkit doc CA`, valid 2026-01-01 to
/// 2126-01-01, basicConstraints `CA:TRUE` and keyUsage `keyCertSign, cRLSign`, both critical,
/// and a subject key identifier) and its PKCS#8 private key, both PEM: the issuer of the
/// certificate-issuance examples.
///
/// # Errors
/// An OpenSSL error (the examples propagate it with `?`).
pub fn ca() -> Result<(String, String), openssl::error::ErrorStack> {
    use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, "mdmkit doc CA")?;
    let name = name.build();
    let mut cert = X509::builder()?;
    cert.set_version(2)?;
    cert.set_serial_number(BigNum::from_u32(1)?.to_asn1_integer()?.as_ref())?;
    cert.set_subject_name(&name)?;
    cert.set_issuer_name(&name)?;
    cert.set_pubkey(&key)?;
    cert.set_not_before(Asn1Time::from_unix(1_767_225_600)?.as_ref())?;
    cert.set_not_after(Asn1Time::from_unix(4_922_899_200)?.as_ref())?;
    cert.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    cert.append_extension(
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()?,
    )?;
    let ski = SubjectKeyIdentifier::new().build(&cert.x509v3_context(None, None))?;
    cert.append_extension(ski)?;
    cert.sign(&key, MessageDigest::sha256())?;
    let cert_pem = String::from_utf8_lossy(&cert.build().to_pem()?).into_owned();
    let key_pem = String::from_utf8_lossy(&key.private_key_to_pem_pkcs8()?).into_owned();
    Ok((cert_pem, key_pem))
}
