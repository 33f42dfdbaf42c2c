//! MS-MDE2 certificate issuance: the server's work per `RequestSecurityToken`, from the
//! `BinarySecurityToken` text to the issued certificate and its thumbprint.
//!
//! * `parse`: `CertificateRequest::from_base64` of a Windows-style request (RSA-2048, CN with
//!   `!` and NUL, DeviceID extension, OIW sha1WithRSA; the committed test fixture).
//! * `parse_verify`: the same, then `verify_signature` (the proof of possession).
//! * `openssl_req_verify` (baseline): base64 decode, OpenSSL's `X509Req::from_der`,
//!   `public_key()` and `verify()`: the same work done by OpenSSL alone.
//! * `issue_p256_ca` / `issue_rsa_ca`: parse, verify, `Issuer::issue` (build and sign the
//!   certificate, re-parse it strictly, thumbprint), with a P-256 and an RSA-2048 CA.
//! * `issue_only_p256_ca` / `issue_only_rsa_ca`: `Issuer::issue` of an already verified
//!   request (the verification result is remembered).
//!
//! `cargo bench --bench mde2 -- --warm-up-time 1 --measurement-time 3`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use mdmkit::cms::Signer;
use mdmkit::windows::enroll::certificate::{CertificateRequest, IssueParams, Issuer};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509, X509NameBuilder, X509Req};
use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

fn rsa_ca() -> Issuer {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, "bench CA")
        .unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(1_767_225_600).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(4_922_899_200).unwrap())
        .unwrap();
    b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
        .unwrap();
    b.append_extension(KeyUsage::new().critical().key_cert_sign().build().unwrap())
        .unwrap();
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(ski).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = b.build();
    Issuer::new(
        Signer::from_der(&cert.to_der().unwrap(), &key.private_key_to_der().unwrap()).unwrap(),
    )
    .unwrap()
}

fn p256_ca() -> Issuer {
    let (cert, key) = mdmkit::cms::doc_support::ca().unwrap();
    Issuer::new(Signer::from_pem(cert.as_bytes(), key.as_bytes()).unwrap()).unwrap()
}

fn bench(c: &mut Criterion) {
    let der = include_bytes!("../tests/fixtures/windows-style-csr.der");
    let token = base64::engine::general_purpose::STANDARD.encode(der);
    let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let validity = Duration::from_secs(365 * 86_400);
    let device_id = "0123456789ABCDEF0123456789ABCDEF";

    // Sanity: every path accepts the input.
    CertificateRequest::from_base64(&token)
        .unwrap()
        .verify_signature()
        .unwrap();
    let (rsa, p256) = (rsa_ca(), p256_ca());

    let mut g = c.benchmark_group("mde2_certificate");
    g.bench_function("parse", |b| {
        b.iter(|| CertificateRequest::from_base64(black_box(&token)).unwrap());
    });
    g.bench_function("parse_verify", |b| {
        b.iter(|| {
            let csr = CertificateRequest::from_base64(black_box(&token)).unwrap();
            csr.verify_signature().unwrap();
            csr
        });
    });
    g.bench_function("openssl_req_verify", |b| {
        b.iter(|| {
            let der = base64::engine::general_purpose::STANDARD
                .decode(black_box(&token))
                .unwrap();
            let req = X509Req::from_der(&der).unwrap();
            let key = req.public_key().unwrap();
            assert!(req.verify(&key).unwrap());
            req
        });
    });
    for (name, issuer) in [("issue_p256_ca", &p256), ("issue_rsa_ca", &rsa)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let csr = CertificateRequest::from_base64(black_box(&token)).unwrap();
                let params = IssueParams::new(device_id, now, validity, [0x5a; 16])
                    .organizational_unit("DEMO MDM");
                issuer.issue(&csr, &params).unwrap()
            });
        });
    }
    // Issuance alone: the request was verified once (the result is remembered).
    let verified = CertificateRequest::from_base64(&token).unwrap();
    verified.verify_signature().unwrap();
    for (name, issuer) in [("issue_only_p256_ca", &p256), ("issue_only_rsa_ca", &rsa)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let params = IssueParams::new(device_id, now, validity, [0x5a; 16])
                    .organizational_unit("DEMO MDM");
                issuer.issue(black_box(&verified), &params).unwrap()
            });
        });
    }
    // TODO(mde2 RST → RSTRC): once `windows::enroll::token` (RST decoder) and the RSTRC /
    // provisioning-document encoder land, add `rst_to_rstrc` here: decode the RST XML, take the
    // BinarySecurityToken text, the issue path above, then build and encode the
    // RequestSecurityTokenResponseCollection with the wap-provisioningdoc (thumbprints of the
    // CA and of the issued certificate).
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
