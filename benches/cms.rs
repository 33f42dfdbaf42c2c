//! CMS benchmarks: `verify_mdm_signature` over a ~4 KiB body signed detached (RSA-2048 and
//! P-256 device-like leaves) against a raw OpenSSL baseline doing only the cryptography
//! (SHA-256 of the body + one signature verification of the same signed-attribute bytes with
//! an already-loaded public key), and `sign_attached` of a ~10 KiB profile.
//!
//! `cargo bench --bench cms -- --warm-up-time 1 --measurement-time 3`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine as _;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mdmkit::apple::transport::verify_mdm_signature;
use mdmkit::cms::{self, Policy, Signer};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Rsa;
use openssl::sign::Verifier;
use openssl::x509::{X509Builder, X509NameBuilder};
use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

const NOW: i64 = 1_893_456_000;

fn leaf(key: &PKey<Private>, cn: &str) -> Signer {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(42).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(NOW - 86_400).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(NOW + 86_400).unwrap())
        .unwrap();
    b.sign(key, MessageDigest::sha256()).unwrap();
    let cert = b.build();
    Signer::from_der(&cert.to_der().unwrap(), &key.private_key_to_der().unwrap()).unwrap()
}

/// A plist body of exactly `len` bytes.
fn body(len: usize) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n",
    );
    let mut i = 0;
    while s.len() < len - 40 {
        s.push_str(&format!(
            "\t<key>Key{i:04}</key>\n\t<string>value {i:04}</string>\n"
        ));
        i += 1;
    }
    s.push_str("</dict>\n</plist>\n");
    while s.len() < len {
        s.push('\n');
    }
    s.truncate(len);
    s.into_bytes()
}

// Minimal DER walking, to hand the baseline the very bytes mdmkit verifies.
fn tlv(d: &[u8]) -> (usize, usize) {
    let l = d[1] as usize;
    if l < 0x80 {
        (2, 2 + l)
    } else {
        let n = l & 0x7f;
        let len = d[2..2 + n]
            .iter()
            .fold(0usize, |a, b| (a << 8) | *b as usize);
        (2 + n, 2 + n + len)
    }
}
fn children(mut c: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !c.is_empty() {
        let (_, t) = tlv(c);
        out.push(&c[..t]);
        c = &c[t..];
    }
    out
}
fn content(raw: &[u8]) -> &[u8] {
    let (h, t) = tlv(raw);
    &raw[h..t]
}

/// (signed attributes as SET OF, signature) of a one-signer SignedData.
fn signed_attrs_and_signature(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let ci = children(content(der));
    let sd = children(content(content(ci[1])));
    let si = children(content(sd.last().unwrap()))[0];
    let parts = children(content(si));
    let mut attrs = parts[3].to_vec();
    attrs[0] = 0x31;
    (attrs, content(parts[5]).to_vec())
}

/// A public key from its SubjectPublicKeyInfo, the way mdmkit builds it: RSA from (n, e),
/// EC from the point on a cached group (OpenSSL 3's generic decoder is slower).
fn load_key(spki_der: &[u8]) -> PKey<Public> {
    static P256: std::sync::OnceLock<EcGroup> = std::sync::OnceLock::new();
    let parts = children(content(spki_der));
    let alg = children(content(parts[0]));
    let bits = &content(parts[1])[1..];
    if alg[0]
        == [
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
        ]
    {
        let ne = children(content(bits));
        let n = BigNum::from_slice(content(ne[0])).unwrap();
        let e = BigNum::from_slice(content(ne[1])).unwrap();
        PKey::from_rsa(Rsa::from_public_components(n, e).unwrap()).unwrap()
    } else {
        let group = P256.get_or_init(|| EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap());
        let mut ctx = openssl::bn::BigNumContext::new().unwrap();
        let point = openssl::ec::EcPoint::from_bytes(group, bits, &mut ctx).unwrap();
        PKey::from_ec_key(EcKey::from_public_key(group, &point).unwrap()).unwrap()
    }
}

fn bench_verify(c: &mut Criterion) {
    let body = body(4096);
    let mut group = c.benchmark_group("mdm_signature_4k");
    group.throughput(Throughput::Bytes(body.len() as u64));
    let keys: [(&str, PKey<Private>); 2] = [
        (
            "rsa2048",
            PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap(),
        ),
        (
            "p256",
            PKey::from_ec_key(
                EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap(),
            )
            .unwrap(),
        ),
    ];
    for (name, key) in &keys {
        let signer = leaf(key, "device");
        let signing_time = UNIX_EPOCH + Duration::from_secs(NOW as u64);
        let der = cms::sign_detached(&body, &signer, signing_time).unwrap();
        let header = base64::engine::general_purpose::STANDARD.encode(&der);
        let policy = Policy::signature_only().allow_sha1(true);
        let (attrs, sig) = signed_attrs_and_signature(&der);
        let public: PKey<Public> =
            PKey::public_key_from_der(&key.public_key_to_der().unwrap()).unwrap();
        // Both paths accept before anything is measured.
        verify_mdm_signature(&header, &body, &policy).unwrap();
        let mut v = Verifier::new(MessageDigest::sha256(), &public).unwrap();
        v.update(&attrs).unwrap();
        assert!(v.verify(&sig).unwrap());

        group.bench_with_input(BenchmarkId::new("mdmkit_verify", name), &(), |b, ()| {
            b.iter(|| verify_mdm_signature(black_box(&header), black_box(&body), &policy).unwrap())
        });
        // The same, but loading the public key each time from its DER components (what any
        // verifier pays for a key that arrives in the message).
        let spki_der = key.public_key_to_der().unwrap();
        group.bench_with_input(
            BenchmarkId::new("openssl_raw_key_load", name),
            &(),
            |b, ()| {
                b.iter(|| {
                    let public = load_key(black_box(&spki_der));
                    let digest =
                        openssl::hash::hash(MessageDigest::sha256(), black_box(&body)).unwrap();
                    let mut v = Verifier::new(MessageDigest::sha256(), &public).unwrap();
                    v.update(black_box(&attrs)).unwrap();
                    let ok = v.verify(black_box(&sig)).unwrap();
                    assert!(ok);
                    digest
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("openssl_raw", name), &(), |b, ()| {
            b.iter(|| {
                let digest =
                    openssl::hash::hash(MessageDigest::sha256(), black_box(&body)).unwrap();
                let mut v = Verifier::new(MessageDigest::sha256(), &public).unwrap();
                v.update(black_box(&attrs)).unwrap();
                let ok = v.verify(black_box(&sig)).unwrap();
                assert!(ok);
                digest
            })
        });
    }
    group.finish();
}

fn bench_sign(c: &mut Criterion) {
    let profile = body(10 * 1024);
    let mut group = c.benchmark_group("sign_attached_10k");
    group.throughput(Throughput::Bytes(profile.len() as u64));
    let signing_time = UNIX_EPOCH + Duration::from_secs(NOW as u64);
    let rsa = leaf(
        &PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap(),
        "profile signer",
    );
    let p256 = leaf(
        &PKey::from_ec_key(
            EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap(),
        )
        .unwrap(),
        "profile signer",
    );
    for (name, signer) in [("rsa2048", &rsa), ("p256", &p256)] {
        let signed = cms::sign_attached(&profile, signer, signing_time).unwrap();
        assert_eq!(
            cms::open_attached(&signed).unwrap().content().as_ref(),
            profile
        );
        group.bench_with_input(BenchmarkId::new("mdmkit_sign", name), &(), |b, ()| {
            b.iter(|| cms::sign_attached(black_box(&profile), signer, signing_time).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_verify, bench_sign);
criterion_main!(benches);
