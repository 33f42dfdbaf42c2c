//! Throwaway keys and certificates for the tests that stand up TLS servers (the mock APNs of
//! `push_client.rs` and `e2e_apple_push.rs`): P-256 keys, certificates with any subject, CA
//! or leaf, with a `127.0.0.1` subjectAltName for a loopback server.
#![allow(dead_code, clippy::unwrap_used)]

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
use openssl::x509::{X509, X509NameBuilder};

/// A fresh P-256 key.
pub fn key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// A certificate for `key` with the subject `entries`, valid from now for 30 days, with a random
/// serial, signed by `issuer` (self-signed when `None`); a CA when `ca`, with the subjectAltName
/// IP 127.0.0.1 when `ip_san`.
pub fn cert(
    entries: &[(Nid, &str)],
    key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
    ca: bool,
    ip_san: bool,
) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    for (nid, value) in entries {
        name.append_entry_by_nid(*nid, value).unwrap();
    }
    let name = name.build();
    let mut serial = [0u8; 8];
    openssl::rand::rand_bytes(&mut serial).unwrap();
    let serial =
        BigNum::from_u32(u32::from_be_bytes([serial[0], serial[1], serial[2], serial[3]]) >> 1)
            .unwrap()
            .to_asn1_integer()
            .unwrap();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&serial).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&*name, |(c, _)| c.subject_name()))
        .unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
    }
    if ip_san {
        let san = SubjectAlternativeName::new()
            .ip("127.0.0.1")
            .build(&b.x509v3_context(issuer.map(|(c, _)| &**c), None))
            .unwrap();
        b.append_extension(san).unwrap();
    }
    b.sign(issuer.map_or(key, |(_, k)| k), MessageDigest::sha256())
        .unwrap();
    b.build()
}
