//! CMS signing and verification with a throwaway PKI made at test time (the `openssl` crate):
//! interop both ways with the `openssl` command-line tool, every refusal as its exact
//! [`VerifyError`] / [`SignError`] case, `Mdm-Signature` and forwarded-certificate helpers.
//!
//! The `openssl` CLI is required: a test that needs it fails (does not skip) when it is missing.
//! Certificates are valid around a fixed `NOW` (2030-01-01); the CLI is told that time with
//! `-attime`, so nothing depends on the machine's clock.

#![cfg(all(feature = "cms", feature = "apple"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine as _;
use mdmkit::apple::transport::{
    MAX_MDM_SIGNATURE_HEADER_BYTES, certificate_from_forwarded_header, verify_mdm_signature,
};
use mdmkit::cms::{
    self, Certificate, CmsLimit, CmsLimits, DigestAlgorithm, Policy, SignError, Signer,
    TrustAnchors, VerifyError,
};
use mdmkit::{DecodeErrorKind, Limit};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// 2030-01-01T00:00:00Z.
const NOW_UNIX: i64 = 1_893_456_000;
const DAY: i64 = 86_400;
const YEAR: i64 = 365 * DAY;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_UNIX as u64)
}

// ---------------------------------------------------------------------------------------------
// Throwaway PKI

struct Id {
    cert: X509,
    key: PKey<Private>,
}

impl Id {
    fn cert_pem(&self) -> Vec<u8> {
        self.cert.to_pem().unwrap()
    }
    fn key_pem(&self) -> Vec<u8> {
        self.key.private_key_to_pem_pkcs8().unwrap()
    }
    fn certificate(&self) -> Certificate {
        Certificate::from_der(&self.cert.to_der().unwrap()).unwrap()
    }
    fn signer(&self) -> Signer {
        Signer::from_pem(&self.cert_pem(), &self.key_pem()).unwrap()
    }
}

struct Pki {
    root: Id,
    inter: Id,
    rsa: Id,
    p256: Id,
    p384: Id,
    expired: Id,
    future: Id,
    device: Id,
    other_root: Id,
    other_leaf: Id,
}

fn rsa_key() -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
}

fn ec_key(nid: Nid) -> PKey<Private> {
    PKey::from_ec_key(EcKey::generate(&EcGroup::from_curve_name(nid).unwrap()).unwrap()).unwrap()
}

static SERIAL: AtomicU32 = AtomicU32::new(0x1000);

fn make_cert(
    cn: Option<&str>,
    key: &PKey<Private>,
    issuer: Option<&Id>,
    ca: bool,
    not_before: i64,
    not_after: i64,
) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    if let Some(cn) = cn {
        name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "mdmkit tests")
            .unwrap();
        name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    }
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let serial = BigNum::from_u32(SERIAL.fetch_add(1, Ordering::Relaxed))
        .unwrap()
        .to_asn1_integer()
        .unwrap();
    b.set_serial_number(&serial).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&name, |i| i.cert.subject_name()))
        .unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(not_before).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(not_after).unwrap())
        .unwrap();
    if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .digital_signature()
                .build()
                .unwrap(),
        )
        .unwrap();
    } else {
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .build()
                .unwrap(),
        )
        .unwrap();
    }
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None))
        .unwrap();
    b.append_extension(ski).unwrap();
    if issuer.is_some() {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None))
            .unwrap();
        b.append_extension(aki).unwrap();
    }
    let signing_key = issuer.map_or(key, |i| &i.key);
    b.sign(signing_key, MessageDigest::sha256()).unwrap();
    b.build()
}

fn id(
    cn: Option<&str>,
    key: PKey<Private>,
    issuer: Option<&Id>,
    ca: bool,
    not_before: i64,
    not_after: i64,
) -> Id {
    let cert = make_cert(cn, &key, issuer, ca, not_before, not_after);
    Id { cert, key }
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let (nb, na) = (NOW_UNIX - YEAR, NOW_UNIX + YEAR);
        let root = id(
            Some("Test Root CA"),
            rsa_key(),
            None,
            true,
            NOW_UNIX - 10 * YEAR,
            NOW_UNIX + 10 * YEAR,
        );
        let inter = id(
            Some("Test Intermediate CA"),
            ec_key(Nid::SECP384R1),
            Some(&root),
            true,
            NOW_UNIX - 5 * YEAR,
            NOW_UNIX + 5 * YEAR,
        );
        let rsa = id(Some("rsa leaf"), rsa_key(), Some(&inter), false, nb, na);
        let p256 = id(
            Some("p256 leaf"),
            ec_key(Nid::X9_62_PRIME256V1),
            Some(&inter),
            false,
            nb,
            na,
        );
        let p384 = id(
            Some("p384 leaf"),
            ec_key(Nid::SECP384R1),
            Some(&inter),
            false,
            nb,
            na,
        );
        let expired = id(
            Some("expired leaf"),
            ec_key(Nid::X9_62_PRIME256V1),
            Some(&inter),
            false,
            NOW_UNIX - YEAR,
            NOW_UNIX - DAY,
        );
        let future = id(
            Some("future leaf"),
            ec_key(Nid::X9_62_PRIME256V1),
            Some(&inter),
            false,
            NOW_UNIX + DAY,
            NOW_UNIX + YEAR,
        );
        // Like an Apple device identity: RSA 2048, empty subject, issued by the root.
        let device = id(None, rsa_key(), Some(&root), false, nb, na);
        let other_root = id(
            Some("Unrelated Root CA"),
            ec_key(Nid::X9_62_PRIME256V1),
            None,
            true,
            NOW_UNIX - 10 * YEAR,
            NOW_UNIX + 10 * YEAR,
        );
        let other_leaf = id(
            Some("unrelated leaf"),
            ec_key(Nid::X9_62_PRIME256V1),
            Some(&other_root),
            false,
            nb,
            na,
        );
        Pki {
            root,
            inter,
            rsa,
            p256,
            p384,
            expired,
            future,
            device,
            other_root,
            other_leaf,
        }
    })
}

fn chained(leaf: &Id) -> Signer {
    leaf.signer().with_chain(vec![pki().inter.certificate()])
}

fn trust_root() -> Policy {
    Policy::trust(TrustAnchors::new().with(pki().root.certificate()), now())
}

const PROFILE: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict><key>PayloadType</key><string>Configuration</string></dict></plist>\n";

// ---------------------------------------------------------------------------------------------
// The openssl CLI

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mdmkit-cms-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            name
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_owned()
    }
    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }
    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.0.join(name)).unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `openssl` with `args`; panics (fails the test) when the tool is missing or fails.
fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command-line tool is required by this test (install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Signs `content` with the CLI as `leaf` with the intermediate; `extra` adds options.
fn cli_sign(dir: &TempDir, leaf: &Id, content: &[u8], extra: &[&str]) -> Vec<u8> {
    let input = dir.write("content.bin", content);
    let cert = dir.write("signer.pem", &leaf.cert_pem());
    let key = dir.write("signer.key", &leaf.key_pem());
    let inter = dir.write("inter.pem", &pki().inter.cert_pem());
    let out = dir.path("sig.der");
    let mut args = vec![
        "cms",
        "-sign",
        "-binary",
        "-outform",
        "DER",
        "-in",
        &input,
        "-signer",
        &cert,
        "-inkey",
        &key,
        "-certfile",
        &inter,
        "-out",
        &out,
    ];
    args.extend_from_slice(extra);
    openssl(&args);
    dir.read("sig.der")
}

#[test]
fn ours_attached_verifies_with_openssl_cli() {
    let p = pki();
    for leaf in [&p.rsa, &p.p256, &p.p384] {
        let dir = TempDir::new("ours-attached");
        let signed = cms::sign_attached(PROFILE, &chained(leaf), now()).unwrap();
        let sig = dir.write("sig.der", &signed);
        let root = dir.write("root.pem", &p.root.cert_pem());
        let out = dir.path("out.bin");
        let attime = NOW_UNIX.to_string();
        openssl(&[
            "cms", "-verify", "-binary", "-inform", "DER", "-in", &sig, "-CAfile", &root,
            "-attime", &attime, "-out", &out,
        ]);
        assert_eq!(dir.read("out.bin"), PROFILE);
        // And the structure is what we document: SHA-256, three signed attributes.
        let printed = String::from_utf8(openssl(&[
            "cms", "-cmsout", "-print", "-inform", "DER", "-in", &sig,
        ]))
        .unwrap();
        assert!(printed.contains("sha256"), "{printed}");
        for attr in ["contentType", "signingTime", "messageDigest"] {
            assert!(printed.contains(attr), "{attr} missing: {printed}");
        }
        assert!(printed.contains("d.issuerAndSerialNumber"));
    }
}

#[test]
fn ours_detached_verifies_with_openssl_cli() {
    let p = pki();
    let dir = TempDir::new("ours-detached");
    let signed = cms::sign_detached(PROFILE, &chained(&p.p256), now()).unwrap();
    let sig = dir.write("sig.der", &signed);
    let content = dir.write("content.bin", PROFILE);
    let root = dir.write("root.pem", &p.root.cert_pem());
    let attime = NOW_UNIX.to_string();
    openssl(&[
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        &sig,
        "-content",
        &content,
        "-CAfile",
        &root,
        "-attime",
        &attime,
        "-out",
        "/dev/null",
    ]);
}

#[test]
fn openssl_cli_attached_verifies_with_us() {
    let p = pki();
    for (leaf, cn) in [
        (&p.rsa, "rsa leaf"),
        (&p.p256, "p256 leaf"),
        (&p.p384, "p384 leaf"),
    ] {
        let dir = TempDir::new("cli-attached");
        let der = cli_sign(&dir, leaf, PROFILE, &["-nodetach", "-md", "sha256"]);
        let v = cms::verify_attached(&der, &trust_root()).unwrap();
        assert_eq!(v.content().as_ref(), PROFILE);
        assert_eq!(v.signer().subject(), format!("CN={cn},O=mdmkit tests"));
        assert_eq!(v.digest_algorithm(), DigestAlgorithm::Sha256);
        assert!(v.is_trusted());
        let chain: Vec<String> = v.chain().iter().map(Certificate::subject).collect();
        assert_eq!(
            chain,
            [
                format!("CN={cn},O=mdmkit tests"),
                "CN=Test Intermediate CA,O=mdmkit tests".to_owned(),
                "CN=Test Root CA,O=mdmkit tests".to_owned(),
            ]
        );
        assert!(v.signing_time().is_some());
        assert_eq!(v.content_type(), "1.2.840.113549.1.7.1");
    }
}

#[test]
fn openssl_cli_detached_verifies_with_us() {
    let p = pki();
    for leaf in [&p.rsa, &p.p256] {
        let dir = TempDir::new("cli-detached");
        let der = cli_sign(&dir, leaf, PROFILE, &[]);
        let v = cms::verify_detached(&der, PROFILE, &trust_root()).unwrap();
        assert_eq!(v.signer(), &leaf.certificate());
        assert_eq!(v.content().as_ref(), PROFILE);
    }
}

#[test]
fn openssl_cli_streamed_ber_verifies_with_us() {
    // `-stream` makes indefinite lengths and a constructed OCTET STRING: BER, as devices send.
    let p = pki();
    let dir = TempDir::new("cli-ber");
    let content: Vec<u8> = PROFILE.iter().copied().cycle().take(5000).collect();
    let der = cli_sign(&dir, &p.rsa, &content, &["-nodetach", "-stream"]);
    assert_eq!(&der[..2], &[0x30, 0x80], "expected indefinite-length BER");
    let v = cms::verify_attached(&der, &trust_root()).unwrap();
    assert_eq!(v.content().as_ref(), content.as_slice());
    // The CLI always embeds the content when streaming DER; cut it out for a detached BER
    // signature.
    let detached = strip_ber_econtent(&der);
    assert!(matches!(
        cms::verify_attached(&detached, &trust_root()),
        Err(VerifyError::ContentMissing)
    ));
    cms::verify_detached(&detached, &content, &trust_root()).unwrap();
}

/// Removes the `[0] (indefinite) { OCTET STRING (constructed, indefinite) { chunks } }`
/// eContent that `openssl cms -stream -outform DER` writes.
fn strip_ber_econtent(ber: &[u8]) -> Vec<u8> {
    let start = find(ber, &[0xa0, 0x80, 0x24, 0x80]);
    let mut pos = start + 4;
    while ber[pos] == 0x04 {
        let (h, t) = read_tlv(&ber[pos..]);
        assert!(h >= 2);
        pos += t;
    }
    assert_eq!(&ber[pos..pos + 4], &[0, 0, 0, 0]);
    [&ber[..start], &ber[pos + 4..]].concat()
}

#[test]
fn openssl_cli_subject_key_identifier_signer() {
    let p = pki();
    let dir = TempDir::new("cli-keyid");
    let der = cli_sign(&dir, &p.p256, PROFILE, &["-nodetach", "-keyid"]);
    let v = cms::verify_attached(&der, &trust_root()).unwrap();
    assert_eq!(v.signer(), &p.p256.certificate());
}

#[test]
fn sha1_refused_by_default_and_accepted_on_opt_in() {
    let p = pki();
    let dir = TempDir::new("cli-sha1");
    let der = cli_sign(&dir, &p.rsa, PROFILE, &["-nodetach", "-md", "sha1"]);
    assert!(matches!(
        cms::verify_attached(&der, &trust_root()),
        Err(VerifyError::WeakDigest { algorithm: "sha1" })
    ));
    let v = cms::verify_attached(&der, &trust_root().allow_sha1(true)).unwrap();
    assert_eq!(v.digest_algorithm(), DigestAlgorithm::Sha1);

    // `openssl smime`, detached, without signed attributes (like a device's Mdm-Signature).
    let input = dir.write("content.bin", PROFILE);
    let cert = dir.write("signer.pem", &p.device.cert_pem());
    let key = dir.write("signer.key", &p.device.key_pem());
    let out = dir.path("smime.der");
    openssl(&[
        "smime", "-sign", "-binary", "-noattr", "-md", "sha1", "-outform", "DER", "-in", &input,
        "-signer", &cert, "-inkey", &key, "-out", &out,
    ]);
    let der = dir.read("smime.der");
    assert!(matches!(
        cms::verify_detached(&der, PROFILE, &Policy::signature_only()),
        Err(VerifyError::WeakDigest { algorithm: "sha1" })
    ));
    let v =
        cms::verify_detached(&der, PROFILE, &Policy::signature_only().allow_sha1(true)).unwrap();
    assert_eq!(v.signing_time(), None);
    assert_eq!(v.signer(), &p.device.certificate());
}

#[test]
fn md5_always_refused() {
    let p = pki();
    let dir = TempDir::new("cli-md5");
    let der = cli_sign(&dir, &p.rsa, PROFILE, &["-nodetach", "-md", "md5"]);
    for policy in [trust_root(), Policy::signature_only().allow_sha1(true)] {
        assert!(matches!(
            cms::verify_attached(&der, &policy),
            Err(VerifyError::WeakDigest { algorithm: "md5" })
        ));
    }
}

#[test]
fn rsa_pss_is_unsupported() {
    let p = pki();
    let dir = TempDir::new("cli-pss");
    let der = cli_sign(
        &dir,
        &p.rsa,
        PROFILE,
        &["-nodetach", "-keyopt", "rsa_padding_mode:pss"],
    );
    assert!(matches!(
        cms::verify_attached(&der, &trust_root()),
        Err(VerifyError::UnsupportedAlgorithm { oid }) if oid == "1.2.840.113549.1.1.10"
    ));
}

#[test]
fn signer_certificate_missing_when_not_included() {
    let p = pki();
    let dir = TempDir::new("cli-nocerts");
    let der = cli_sign(&dir, &p.p256, PROFILE, &["-nodetach", "-nocerts"]);
    assert!(matches!(
        cms::verify_attached(&der, &trust_root()),
        Err(VerifyError::SignerCertificateMissing)
    ));
    // Same with our own signature stripped of its certificates.
    let ours = cms::sign_attached(PROFILE, &chained(&p.p256), now()).unwrap();
    let mut parts = Parts::split(&ours);
    parts.remove_certificates();
    assert!(matches!(
        cms::verify_attached(&parts.join(), &trust_root()),
        Err(VerifyError::SignerCertificateMissing)
    ));
    // Or with only the intermediate left.
    let mut parts = Parts::split(&ours);
    parts.set_certificates(vec![p.inter.cert.to_der().unwrap()]);
    assert!(matches!(
        cms::verify_attached(&parts.join(), &trust_root()),
        Err(VerifyError::SignerCertificateMissing)
    ));
}

#[test]
fn fingerprint_matches_openssl_cli() {
    let p = pki();
    let dir = TempDir::new("fingerprint");
    let cert = dir.write("device.pem", &p.device.cert_pem());
    let out = String::from_utf8(openssl(&[
        "x509",
        "-in",
        &cert,
        "-noout",
        "-fingerprint",
        "-sha256",
    ]))
    .unwrap();
    let hex: String = out
        .trim()
        .rsplit('=')
        .next()
        .unwrap()
        .replace(':', "")
        .to_lowercase();
    let ours: String = p
        .device
        .certificate()
        .sha256_fingerprint()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(ours, hex);
    let serial = String::from_utf8(openssl(&["x509", "-in", &cert, "-noout", "-serial"])).unwrap();
    assert_eq!(
        serial.trim().trim_start_matches("serial=").to_lowercase(),
        p.device.certificate().serial_hex()
    );
}

// ---------------------------------------------------------------------------------------------
// Round trips through our own signer

#[test]
fn round_trip_every_key_type() {
    let p = pki();
    for leaf in [&p.rsa, &p.p256, &p.p384] {
        let signer = chained(leaf);
        let signed = cms::sign_attached(PROFILE, &signer, now()).unwrap();
        let v = cms::verify_attached(&signed, &trust_root()).unwrap();
        assert_eq!(v.content().as_ref(), PROFILE);
        assert_eq!(v.signing_time(), Some(now()));
        assert_eq!(v.chain().len(), 3);
        assert_eq!(v.certificates().len(), 2);
        let opened = cms::open_attached(&signed).unwrap();
        assert!(!opened.is_trusted());
        assert_eq!(opened.chain(), std::slice::from_ref(opened.signer()));

        let detached = cms::sign_detached(PROFILE, &signer, now()).unwrap();
        cms::verify_detached(&detached, PROFILE, &trust_root()).unwrap();
    }
}

#[test]
fn intermediate_as_anchor_and_signer_as_anchor() {
    let p = pki();
    let signed = cms::sign_attached(PROFILE, &chained(&p.rsa), now()).unwrap();
    let by_inter = Policy::trust(TrustAnchors::new().with(p.inter.certificate()), now());
    let v = cms::verify_attached(&signed, &by_inter).unwrap();
    assert_eq!(v.chain().len(), 2);
    // Without the intermediate included, the root alone cannot build the chain.
    let alone = cms::sign_attached(PROFILE, &p.rsa.signer(), now()).unwrap();
    assert!(matches!(
        cms::verify_attached(&alone, &trust_root()),
        Err(VerifyError::UntrustedChain { .. })
    ));
    // Unless the caller adds it to the anchors.
    let both = Policy::trust(
        [p.root.certificate(), p.inter.certificate()]
            .into_iter()
            .collect(),
        now(),
    );
    cms::verify_attached(&alone, &both).unwrap();
}

#[test]
fn signing_time_encodings() {
    let p256 = pki().p256.signer();
    // Before 2050: UTCTime; from 2050: GeneralizedTime. Sub-seconds are dropped.
    for secs in [0u64, 1_000_000_000, 2_524_608_000, 4_102_444_800] {
        let t = UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(250);
        let signed = cms::sign_attached(b"x", &p256, t).unwrap();
        let v = cms::open_attached(&signed).unwrap();
        assert_eq!(
            v.signing_time(),
            Some(UNIX_EPOCH + Duration::from_secs(secs))
        );
    }
    assert!(matches!(
        cms::sign_attached(b"x", &p256, UNIX_EPOCH - Duration::from_secs(1)),
        Err(SignError::SigningTimeOutOfRange)
    ));
}

#[test]
fn empty_and_large_content() {
    let p = pki();
    let signer = p.p256.signer();
    let signed = cms::sign_attached(b"", &signer, now()).unwrap();
    assert_eq!(cms::open_attached(&signed).unwrap().content().len(), 0);
    let big = vec![0x5a; 1 << 20];
    let signed = cms::sign_attached(&big, &signer, now()).unwrap();
    assert_eq!(
        cms::open_attached(&signed).unwrap().content().len(),
        1 << 20
    );
}

// ---------------------------------------------------------------------------------------------
// DER surgery for the negative tests

fn read_tlv(d: &[u8]) -> (usize, usize) {
    // (header length, total length); DER only.
    let l = d[1] as usize;
    if l < 0x80 {
        (2, 2 + l)
    } else {
        let n = l & 0x7f;
        let mut len = 0usize;
        for b in &d[2..2 + n] {
            len = (len << 8) | *b as usize;
        }
        (2 + n, 2 + n + len)
    }
}

fn children(content: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let (_, total) = read_tlv(rest);
        out.push(rest[..total].to_vec());
        rest = &rest[total..];
    }
    out
}

fn content(raw: &[u8]) -> &[u8] {
    let (h, t) = read_tlv(raw);
    &raw[h..t]
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A `ContentInfo { SignedData }` split into the SignedData's elements.
struct Parts {
    content_type: Vec<u8>,
    sd: Vec<Vec<u8>>,
}

impl Parts {
    fn split(der: &[u8]) -> Parts {
        let ci = children(content(der));
        let sd = children(content(content(&ci[1])));
        Parts {
            content_type: ci[0].clone(),
            sd,
        }
    }
    fn join(&self) -> Vec<u8> {
        let sd = tlv(0x30, &self.sd.concat());
        tlv(0x30, &[self.content_type.clone(), tlv(0xa0, &sd)].concat())
    }
    fn cert_index(&self) -> Option<usize> {
        self.sd.iter().position(|e| e[0] == 0xa0)
    }
    fn remove_certificates(&mut self) {
        if let Some(i) = self.cert_index() {
            self.sd.remove(i);
        }
    }
    fn set_certificates(&mut self, certs: Vec<Vec<u8>>) {
        let set = tlv(0xa0, &certs.concat());
        match self.cert_index() {
            Some(i) => self.sd[i] = set,
            None => self.sd.insert(3, set),
        }
    }
    fn certificates(&self) -> Vec<Vec<u8>> {
        self.cert_index()
            .map(|i| children(content(&self.sd[i])))
            .unwrap_or_default()
    }
    fn signer_infos(&self) -> Vec<Vec<u8>> {
        children(content(self.sd.last().unwrap()))
    }
    fn set_signer_infos(&mut self, infos: Vec<Vec<u8>>) {
        *self.sd.last_mut().unwrap() = tlv(0x31, &infos.concat());
    }
    fn encap(&self) -> Vec<Vec<u8>> {
        children(content(&self.sd[2]))
    }
    fn set_encap(&mut self, elements: Vec<Vec<u8>>) {
        self.sd[2] = tlv(0x30, &elements.concat());
    }
}

/// Re-signs the single signer's attributes after `edit` changed them.
fn resign(der: &[u8], key: &PKey<Private>, edit: impl FnOnce(&mut Vec<Vec<u8>>)) -> Vec<u8> {
    let mut parts = Parts::split(der);
    let mut si = children(content(&parts.signer_infos()[0]));
    // version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature
    assert_eq!(si[3][0], 0xa0);
    let mut attrs = children(content(&si[3]));
    edit(&mut attrs);
    attrs.sort();
    let set = tlv(0x31, &attrs.concat());
    let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), key).unwrap();
    signer.update(&set).unwrap();
    let sig = signer.sign_to_vec().unwrap();
    si[3] = tlv(0xa0, &attrs.concat());
    si[5] = tlv(0x04, &sig);
    parts.set_signer_infos(vec![tlv(0x30, &si.concat())]);
    parts.join()
}

fn attr(oid: &[u8], value: &[u8]) -> Vec<u8> {
    tlv(0x30, &[tlv(0x06, oid), tlv(0x31, value)].concat())
}

const OID_CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
const OID_MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

fn signed_p256() -> Vec<u8> {
    cms::sign_attached(PROFILE, &chained(&pki().p256), now()).unwrap()
}

fn err(der: &[u8]) -> VerifyError {
    cms::verify_attached(der, &trust_root()).unwrap_err()
}

// ---------------------------------------------------------------------------------------------
// Refusals, each with its exact case

#[test]
fn tampered_content_is_digest_mismatch() {
    let mut der = signed_p256();
    let at = find(&der, b"Configuration");
    der[at] ^= 0x20;
    assert!(matches!(err(&der), VerifyError::DigestMismatch));
    // Detached: a different body.
    let detached = cms::sign_detached(PROFILE, &chained(&pki().p256), now()).unwrap();
    assert!(matches!(
        cms::verify_detached(&detached, b"another body", &trust_root()),
        Err(VerifyError::DigestMismatch)
    ));
}

#[test]
fn tampered_signed_attributes_is_bad_signature() {
    let der = signed_p256();
    // The signingTime value "300101000000Z" sits inside the signed attributes.
    let mut tampered = der.clone();
    let at = find(&tampered, b"300101000000Z");
    tampered[at + 11] = b'1';
    assert!(matches!(err(&tampered), VerifyError::BadSignature { .. }));
    // The signature itself.
    let mut tampered = cms::sign_attached(PROFILE, &chained(&pki().rsa), now()).unwrap();
    let n = tampered.len();
    tampered[n - 10] ^= 1;
    assert!(matches!(err(&tampered), VerifyError::BadSignature { .. }));
}

#[test]
fn message_digest_attribute_validly_signed_but_wrong() {
    let p = pki();
    let der = resign(&signed_p256(), &p.p256.key, |attrs| {
        let i = attrs
            .iter()
            .position(|a| a[4..13] == *OID_MESSAGE_DIGEST)
            .unwrap();
        attrs[i] = attr(OID_MESSAGE_DIGEST, &tlv(0x04, &[0u8; 32]));
    });
    assert!(matches!(err(&der), VerifyError::DigestMismatch));
}

#[test]
fn content_type_attribute_mismatch() {
    let p = pki();
    let der = resign(&signed_p256(), &p.p256.key, |attrs| {
        let i = attrs
            .iter()
            .position(|a| a[4..13] == *OID_CONTENT_TYPE)
            .unwrap();
        // id-signedData instead of id-data.
        attrs[i] = attr(
            OID_CONTENT_TYPE,
            &tlv(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02],
            ),
        );
    });
    assert!(matches!(err(&der), VerifyError::ContentTypeMismatch));
    // A validly re-signed copy of the original attributes still verifies (the surgery is sound).
    let same = resign(&signed_p256(), &p.p256.key, |_| {});
    cms::verify_attached(&same, &trust_root()).unwrap();
    // Missing messageDigest: malformed.
    let der = resign(&signed_p256(), &p.p256.key, |attrs| {
        attrs.retain(|a| a[4..13] != *OID_MESSAGE_DIGEST);
    });
    assert!(matches!(err(&der), VerifyError::Malformed { .. }));
}

#[test]
fn chain_to_another_ca_is_untrusted() {
    let p = pki();
    let der = signed_p256();
    let other = Policy::trust(TrustAnchors::new().with(p.other_root.certificate()), now());
    assert!(matches!(
        cms::verify_attached(&der, &other),
        Err(VerifyError::UntrustedChain { source: Some(_) })
    ));
    let unrelated = cms::sign_attached(PROFILE, &p.other_leaf.signer(), now()).unwrap();
    assert!(matches!(
        err(&unrelated),
        VerifyError::UntrustedChain { .. }
    ));
    assert!(matches!(
        cms::verify_attached(&der, &Policy::trust(TrustAnchors::new(), now())),
        Err(VerifyError::UntrustedChain { .. })
    ));
    // Signature-only accepts it: no trust decision.
    cms::verify_attached(&unrelated, &Policy::signature_only()).unwrap();
}

#[test]
fn expired_and_not_yet_valid() {
    let p = pki();
    let expired = cms::sign_attached(PROFILE, &chained(&p.expired), now()).unwrap();
    assert!(matches!(err(&expired), VerifyError::Expired));
    let future = cms::sign_attached(PROFILE, &chained(&p.future), now()).unwrap();
    assert!(matches!(err(&future), VerifyError::NotYetValid));
    // A valid leaf judged two years later / earlier.
    let der = signed_p256();
    let later = Policy::trust(
        TrustAnchors::new().with(p.root.certificate()),
        now() + Duration::from_secs(2 * YEAR as u64),
    );
    assert!(matches!(
        cms::verify_attached(&der, &later),
        Err(VerifyError::Expired)
    ));
    let earlier = Policy::trust(
        TrustAnchors::new().with(p.root.certificate()),
        now() - Duration::from_secs(2 * YEAR as u64),
    );
    assert!(matches!(
        cms::verify_attached(&der, &earlier),
        Err(VerifyError::NotYetValid)
    ));
    // Signature-only does not look at validity.
    cms::verify_attached(&expired, &Policy::signature_only()).unwrap();
}

#[test]
fn truncated_der_every_prefix_is_malformed() {
    let der = cms::sign_attached(b"hi", &pki().p256.signer(), now()).unwrap();
    for n in 0..der.len() {
        match cms::verify_attached(&der[..n], &Policy::signature_only()) {
            Err(VerifyError::Malformed { .. }) => {}
            other => panic!("prefix of {n} bytes: {other:?}"),
        }
    }
    // And trailing bytes.
    let mut long = der.clone();
    long.push(0);
    assert!(matches!(err(&long), VerifyError::Malformed { .. }));
}

#[test]
fn absurd_certificate_count_hits_the_limit() {
    let mut parts = Parts::split(&signed_p256());
    let mut certs = parts.certificates();
    certs.extend(std::iter::repeat_n(vec![0x30, 0x00], 100_000));
    parts.set_certificates(certs);
    assert!(matches!(
        err(&parts.join()),
        VerifyError::LimitExceeded(CmsLimit::Certificates)
    ));
    // A lower limit refuses the ordinary two certificates.
    let limits = CmsLimits::default().with_max_certificates(1);
    assert!(matches!(
        cms::verify_attached(&signed_p256(), &trust_root().with_limits(limits)),
        Err(VerifyError::LimitExceeded(CmsLimit::Certificates))
    ));
    let limits = CmsLimits::default().with_max_signed_attributes(2);
    assert!(matches!(
        cms::verify_attached(&signed_p256(), &trust_root().with_limits(limits)),
        Err(VerifyError::LimitExceeded(CmsLimit::SignedAttributes))
    ));
    let limits = CmsLimits::default().with_max_input_bytes(100);
    assert!(matches!(
        cms::verify_attached(&signed_p256(), &trust_root().with_limits(limits)),
        Err(VerifyError::LimitExceeded(CmsLimit::InputBytes))
    ));
}

#[test]
fn signer_info_count() {
    let der = signed_p256();
    let mut parts = Parts::split(&der);
    let infos = parts.signer_infos();
    parts.set_signer_infos(vec![]);
    assert!(matches!(err(&parts.join()), VerifyError::NoSigner));
    let other = Parts::split(&cms::sign_attached(PROFILE, &chained(&pki().rsa), now()).unwrap())
        .signer_infos();
    parts.set_signer_infos(vec![infos[0].clone(), other[0].clone()]);
    assert!(matches!(err(&parts.join()), VerifyError::MultipleSigners));
}

#[test]
fn detached_attached_mismatches() {
    let p = pki();
    let attached = signed_p256();
    assert!(matches!(
        cms::verify_detached(&attached, PROFILE, &trust_root()),
        Err(VerifyError::UnexpectedContent)
    ));
    let detached = cms::sign_detached(PROFILE, &chained(&p.p256), now()).unwrap();
    assert!(matches!(err(&detached), VerifyError::ContentMissing));
    assert!(matches!(
        cms::open_attached(&detached),
        Err(VerifyError::ContentMissing)
    ));
    // Removing the eContent from an attached signature makes it detached.
    let mut parts = Parts::split(&attached);
    let encap = parts.encap();
    parts.set_encap(vec![encap[0].clone()]);
    assert!(matches!(err(&parts.join()), VerifyError::ContentMissing));
    cms::verify_detached(&parts.join(), PROFILE, &trust_root()).unwrap();
}

#[test]
fn not_signed_data_and_garbage() {
    let mut parts = Parts::split(&signed_p256());
    // id-data instead of id-signedData.
    parts.content_type = tlv(
        0x06,
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
    );
    assert!(matches!(err(&parts.join()), VerifyError::NotSignedData));
    for garbage in [
        &b""[..],
        b"\x00",
        b"hello world",
        b"\x30\x03\x02\x01",
        b"\x30\x00",
        b"\x30\x80\x00\x00",
        b"\x04\x80\x00\x00",
        b"\x31\x03\x06\x01\x00",
        b"\x30\x84\xff\xff\xff\xff",
    ] {
        assert!(
            matches!(err(garbage), VerifyError::Malformed { .. }),
            "{garbage:?}: {:?}",
            err(garbage)
        );
    }
}

#[test]
fn ber_depth_bomb_hits_the_limit() {
    let mut bomb = Vec::new();
    for _ in 0..50_000 {
        bomb.extend([0x30, 0x80]);
    }
    assert!(matches!(
        err(&bomb),
        VerifyError::LimitExceeded(CmsLimit::Depth)
    ));
    // Definite-length nesting as well.
    let mut nested = vec![0x02, 0x01, 0x00];
    for _ in 0..40 {
        nested = tlv(0x30, &nested);
    }
    assert!(matches!(
        err(&nested),
        VerifyError::LimitExceeded(CmsLimit::Depth)
    ));
}

#[test]
fn unsupported_digest_algorithm() {
    // SHA-224 has an OID of the same length as SHA-256: patch the last arc.
    let mut der = signed_p256();
    let sha256 = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    while let Some(at) = der.windows(9).position(|w| w == sha256) {
        der[at + 8] = 0x04;
    }
    assert!(matches!(
        err(&der),
        VerifyError::UnsupportedAlgorithm { oid } if oid == "2.16.840.1.101.3.4.2.4"
    ));
}

#[test]
fn errors_are_distinct_and_silent_about_input() {
    let e = err(b"\x30\x03\x02\x01");
    let text = e.to_string();
    assert!(text.starts_with("malformed cms"), "{text}");
    let any: mdmkit::Error = e.into();
    assert!(matches!(any, mdmkit::Error::Verify(_)));
    let s: mdmkit::Error = SignError::KeyMismatch.into();
    assert!(matches!(s, mdmkit::Error::Sign(SignError::KeyMismatch)));
}

// ---------------------------------------------------------------------------------------------
// Signer loading

#[test]
fn signer_errors() {
    let p = pki();
    assert!(matches!(
        Signer::from_pem(&p.rsa.cert_pem(), &p.p256.key_pem()),
        Err(SignError::KeyMismatch)
    ));
    // Ed25519 and P-521 keys: unsupported.
    let ed = PKey::generate_ed25519().unwrap();
    let mut b = X509Builder::new().unwrap();
    b.set_pubkey(&ed).unwrap();
    b.set_not_before(&Asn1Time::from_unix(NOW_UNIX).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(NOW_UNIX + DAY).unwrap())
        .unwrap();
    b.set_version(2).unwrap();
    b.sign(&ed, MessageDigest::null()).unwrap();
    let ed_cert = b.build();
    assert!(matches!(
        Signer::from_pem(
            &ed_cert.to_pem().unwrap(),
            &ed.private_key_to_pem_pkcs8().unwrap()
        ),
        Err(SignError::UnsupportedKey)
    ));
    let p521 = id(
        Some("p521"),
        ec_key(Nid::SECP521R1),
        None,
        false,
        NOW_UNIX - DAY,
        NOW_UNIX + DAY,
    );
    assert!(matches!(
        Signer::from_pem(&p521.cert_pem(), &p521.key_pem()),
        Err(SignError::UnsupportedKey)
    ));
    assert!(matches!(
        Signer::from_pem(&p.rsa.cert_pem(), b"not a key"),
        Err(SignError::InvalidKey(_))
    ));
    assert!(matches!(
        Signer::from_pem(b"not a cert", &p.rsa.key_pem()),
        Err(SignError::InvalidCertificate(_))
    ));
    let encrypted = p
        .rsa
        .key
        .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), b"pw")
        .unwrap();
    assert!(matches!(
        Signer::from_pem(&p.rsa.cert_pem(), &encrypted),
        Err(SignError::InvalidKey(_))
    ));
    // Traditional PEM and DER forms load.
    let rsa_trad = p.rsa.key.rsa().unwrap().private_key_to_pem().unwrap();
    Signer::from_pem(&p.rsa.cert_pem(), &rsa_trad).unwrap();
    let ec_trad = p.p256.key.ec_key().unwrap().private_key_to_pem().unwrap();
    Signer::from_pem(&p.p256.cert_pem(), &ec_trad).unwrap();
    Signer::from_der(
        &p.p384.cert.to_der().unwrap(),
        &p.p384.key.private_key_to_pkcs8().unwrap(),
    )
    .unwrap();
    Signer::from_der(
        &p.rsa.cert.to_der().unwrap(),
        &p.rsa.key.private_key_to_der().unwrap(),
    )
    .unwrap();
    // Debug never shows the key.
    let dbg = format!("{:?}", p.rsa.signer());
    assert!(dbg.contains("<redacted>"), "{dbg}");
}

#[test]
fn signer_from_pkcs12() {
    let p = pki();
    let mut ca = openssl::stack::Stack::new().unwrap();
    ca.push(p.inter.cert.clone()).unwrap();
    let p12 = openssl::pkcs12::Pkcs12::builder()
        .name("device")
        .pkey(&p.p256.key)
        .cert(&p.p256.cert)
        .ca(ca)
        .build2("secret")
        .unwrap()
        .to_der()
        .unwrap();
    let signer = Signer::from_pkcs12(&p12, "secret").unwrap();
    assert_eq!(signer.certificate(), &p.p256.certificate());
    assert_eq!(signer.chain(), &[p.inter.certificate()]);
    let signed = cms::sign_attached(PROFILE, &signer, now()).unwrap();
    cms::verify_attached(&signed, &trust_root()).unwrap();
    assert!(matches!(
        Signer::from_pkcs12(&p12, "wrong"),
        Err(SignError::Pkcs12(Some(_)))
    ));
    assert!(matches!(
        Signer::from_pkcs12(&p12, "nul\0inside"),
        Err(SignError::Pkcs12(None))
    ));
    assert!(matches!(
        Signer::from_pkcs12(b"garbage", "secret"),
        Err(SignError::Pkcs12(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Certificates

#[test]
fn certificate_accessors() {
    let p = pki();
    let c = p.rsa.certificate();
    assert_eq!(c.subject(), "CN=rsa leaf,O=mdmkit tests");
    assert_eq!(c.issuer(), "CN=Test Intermediate CA,O=mdmkit tests");
    assert_eq!(
        c.not_before(),
        UNIX_EPOCH + Duration::from_secs((NOW_UNIX - YEAR) as u64)
    );
    assert_eq!(
        c.not_after(),
        UNIX_EPOCH + Duration::from_secs((NOW_UNIX + YEAR) as u64)
    );
    assert_eq!(Certificate::from_pem(c.to_pem().as_bytes()).unwrap(), c);
    assert_eq!(p.device.certificate().subject(), "");
    let bundle = [p.root.cert_pem(), p.inter.cert_pem()].concat();
    assert_eq!(TrustAnchors::from_pem(&bundle).unwrap().len(), 2);
    assert_eq!(Certificate::all_from_pem(&bundle).unwrap().len(), 2);
    let e = Certificate::from_der(b"\x30\x03\x02\x01\x01").unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::InvalidValue("certificate"));
    let e = Certificate::from_pem(b"no pem here").unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::InvalidValue("pem"));
    let e = Certificate::from_der(&vec![0; cms::MAX_CERTIFICATE_BYTES + 1]).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::LimitExceeded(Limit::InputBytes));
}

// ---------------------------------------------------------------------------------------------
// Mdm-Signature

const BODY: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict><key>MessageType</key><string>Authenticate</string></dict></plist>\n";

fn mdm_header(body: &[u8]) -> String {
    let signed = cms::sign_detached(body, &pki().device.signer(), now()).unwrap();
    base64::engine::general_purpose::STANDARD.encode(signed)
}

#[test]
fn mdm_signature_binds_the_device_certificate() {
    let p = pki();
    let header = mdm_header(BODY);
    let policy = Policy::signature_only().allow_sha1(true);
    let sig = verify_mdm_signature(&format!("  {header}\r\n"), BODY, &policy).unwrap();
    let expected: [u8; 32] = p
        .device
        .cert
        .digest(MessageDigest::sha256())
        .unwrap()
        .as_ref()
        .try_into()
        .unwrap();
    assert_eq!(sig.fingerprint(), expected);
    assert_eq!(sig.certificate(), &p.device.certificate());
    assert_eq!(sig.verified().content().as_ref(), BODY);
    // Without padding as well.
    let unpadded = header.trim_end_matches('=');
    verify_mdm_signature(unpadded, BODY, &policy).unwrap();
    // With the device CA as anchor.
    let trusted = Policy::trust(TrustAnchors::new().with(p.root.certificate()), now());
    let sig = verify_mdm_signature(&header, BODY, &trusted).unwrap();
    assert!(sig.verified().is_trusted());
    assert!(matches!(
        verify_mdm_signature(
            &header,
            BODY,
            &Policy::trust(TrustAnchors::new().with(p.other_root.certificate()), now())
        ),
        Err(VerifyError::UntrustedChain { .. })
    ));
}

#[test]
fn mdm_signature_refusals() {
    let header = mdm_header(BODY);
    let policy = Policy::signature_only().allow_sha1(true);
    let mut tampered = BODY.to_vec();
    tampered[60] ^= 1;
    assert!(matches!(
        verify_mdm_signature(&header, &tampered, &policy),
        Err(VerifyError::DigestMismatch)
    ));
    assert!(matches!(
        verify_mdm_signature("not base64!", BODY, &policy),
        Err(VerifyError::Malformed { what: "base64", .. })
    ));
    assert!(matches!(
        verify_mdm_signature(
            &"A".repeat(MAX_MDM_SIGNATURE_HEADER_BYTES + 4),
            BODY,
            &policy
        ),
        Err(VerifyError::LimitExceeded(CmsLimit::InputBytes))
    ));
    assert!(matches!(
        verify_mdm_signature("", BODY, &policy),
        Err(VerifyError::Malformed { .. })
    ));
    // An attached signature is not an Mdm-Signature.
    let attached = base64::engine::general_purpose::STANDARD
        .encode(cms::sign_attached(BODY, &pki().device.signer(), now()).unwrap());
    assert!(matches!(
        verify_mdm_signature(&attached, BODY, &policy),
        Err(VerifyError::UnexpectedContent)
    ));
}

#[test]
fn device_style_ber_sha1_signature_verifies() {
    // What a device sends: BER (openssl -stream), SHA-1, no signed attributes, detached.
    let p = pki();
    let dir = TempDir::new("device-ber");
    let input = dir.write("body.plist", BODY);
    let cert = dir.write("device.pem", &p.device.cert_pem());
    let key = dir.write("device.key", &p.device.key_pem());
    let out = dir.path("sig.der");
    openssl(&[
        "cms", "-sign", "-binary", "-stream", "-noattr", "-md", "sha1", "-outform", "DER", "-in",
        &input, "-signer", &cert, "-inkey", &key, "-out", &out,
    ]);
    let der = strip_ber_econtent(&dir.read("sig.der"));
    assert_eq!(&der[..2], &[0x30, 0x80]);
    let header = base64::engine::general_purpose::STANDARD.encode(&der);
    let sig =
        verify_mdm_signature(&header, BODY, &Policy::signature_only().allow_sha1(true)).unwrap();
    assert_eq!(
        sig.fingerprint(),
        p.device.certificate().sha256_fingerprint()
    );
    assert!(matches!(
        verify_mdm_signature(&header, BODY, &Policy::signature_only()),
        Err(VerifyError::WeakDigest { algorithm: "sha1" })
    ));
}

fn url_escape(s: &[u8]) -> String {
    s.iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn forwarded_client_certificate() {
    let p = pki();
    let pem = p.device.cert_pem();
    // nginx $ssl_client_escaped_cert
    let cert = certificate_from_forwarded_header(&url_escape(&pem)).unwrap();
    assert_eq!(cert, p.device.certificate());
    // Plain PEM, and Traefik's bare base64 DER.
    assert_eq!(
        certificate_from_forwarded_header(std::str::from_utf8(&pem).unwrap()).unwrap(),
        cert
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(p.device.cert.to_der().unwrap());
    assert_eq!(certificate_from_forwarded_header(&b64).unwrap(), cert);
    // The fingerprint from the TLS layer equals the one from Mdm-Signature.
    let sig = verify_mdm_signature(
        &mdm_header(BODY),
        BODY,
        &Policy::signature_only().allow_sha1(true),
    )
    .unwrap();
    assert_eq!(sig.fingerprint(), cert.sha256_fingerprint());

    let bad = certificate_from_forwarded_header("%ZZ").unwrap_err();
    assert_eq!(
        bad.kind(),
        &DecodeErrorKind::InvalidValue("percent-encoding")
    );
    let bad = certificate_from_forwarded_header("!!!").unwrap_err();
    assert_eq!(bad.kind(), &DecodeErrorKind::InvalidValue("base64"));
    let bad = certificate_from_forwarded_header(&"A".repeat(70_000)).unwrap_err();
    assert_eq!(
        bad.kind(),
        &DecodeErrorKind::LimitExceeded(Limit::InputBytes)
    );
    let bad = certificate_from_forwarded_header(&url_escape(
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ))
    .unwrap_err();
    assert_eq!(bad.kind(), &DecodeErrorKind::InvalidValue("certificate"));
}

// ---------------------------------------------------------------------------------------------
// Signed configuration profiles, end to end

/// An enrollment profile from the builders: SCEP identity, trust anchor, MDM payload.
#[cfg(feature = "apple-profiles")]
fn enrollment_profile() -> mdmkit::apple::profile::Profile {
    use mdmkit::apple::enroll::{EnrollmentProfileBuilder, access_rights};
    use mdmkit::apple::profile::{Mdm, SecurityRoot, SecurityScep, SecurityScepPayloadContent};
    let mut scep = SecurityScepPayloadContent::new();
    scep.url = Some("https://mdm.example.com/scep".into());
    scep.challenge = Some(mdmkit::Sensitive::new("challenge".into()));
    scep.keysize = Some(2048);
    let identity = SecurityScep::new(
        "com.example.enroll.scep",
        "7A000000-0000-4000-8000-000000000001",
        scep,
    );
    let root = SecurityRoot::new(
        "com.example.enroll.root",
        "7A000000-0000-4000-8000-000000000002",
        pki().root.cert.to_der().unwrap(),
    );
    let mut mdm = Mdm::new(
        "com.example.enroll.mdm",
        "7A000000-0000-4000-8000-000000000003",
        "7A000000-0000-4000-8000-000000000001",
        "com.apple.mgmt.External.7a000000-0000-4000-8000-000000000000",
        "https://mdm.example.com/mdm",
    );
    mdm.check_in_url = Some("https://mdm.example.com/checkin".into());
    mdm.sign_message = Some(true);
    mdm.access_rights = Some(access_rights::ALL);
    mdm.server_url_pinning_certificate_uuids =
        Some(vec!["7A000000-0000-4000-8000-000000000002".into()]);
    EnrollmentProfileBuilder::new(
        "com.example.enroll",
        "7A000000-0000-4000-8000-000000000004",
        mdm,
    )
    .identity(identity)
    .trust_anchor(root)
    .display_name("Example MDM")
    .build()
    .unwrap()
}

/// The "done when": a profile built with the builder and signed by us verifies with
/// `openssl cms -verify` and parses back equal.
#[cfg(feature = "apple-profiles")]
#[test]
fn built_profile_signed_by_us_verifies_with_openssl_and_parses_back() {
    use mdmkit::apple::profile::Profile;
    let p = pki();
    let profile = enrollment_profile();
    for leaf in [&p.rsa, &p.p256] {
        let dir = TempDir::new("signed-profile");
        let der = profile.sign(&chained(leaf), now()).unwrap();
        let sig = dir.write("enroll.mobileconfig", &der);
        let root = dir.write("root.pem", &p.root.cert_pem());
        let out = dir.path("content.plist");
        let attime = NOW_UNIX.to_string();
        openssl(&[
            "cms", "-verify", "-binary", "-inform", "DER", "-in", &sig, "-CAfile", &root,
            "-attime", &attime, "-out", &out,
        ]);
        let content = dir.read("content.plist");
        assert_eq!(content, profile.to_xml().unwrap());
        assert_eq!(Profile::from_slice(&content).unwrap(), profile);
        // And we open our own signature with the same trust decision.
        let (opened, verified) = Profile::from_signed(&der, &trust_root()).unwrap();
        assert_eq!(opened, profile);
        assert!(verified.is_trusted());
        assert_eq!(verified.signer(), &leaf.certificate());
    }
}

/// A profile signed by `openssl cms -sign` opens with `Profile::from_signed`; tampering and an
/// untrusted signer are refused with their own errors.
#[cfg(feature = "apple-profiles")]
#[test]
fn openssl_signed_profile_opens_with_from_signed() {
    use mdmkit::apple::profile::Profile;
    let p = pki();
    let profile = enrollment_profile();
    let xml = profile.to_xml().unwrap();
    let dir = TempDir::new("cli-profile");
    let der = cli_sign(&dir, &p.p384, &xml, &["-nodetach", "-md", "sha256"]);
    let (opened, verified) = Profile::from_signed(&der, &trust_root()).unwrap();
    assert_eq!(opened, profile);
    assert_eq!(verified.signer(), &p.p384.certificate());
    // Without trust, the signature is still checked.
    let (opened, verified) = Profile::from_signed(&der, &Policy::signature_only()).unwrap();
    assert_eq!(opened, profile);
    assert!(!verified.is_trusted());
    // Another root: untrusted.
    let other = Policy::trust(TrustAnchors::new().with(p.other_root.certificate()), now());
    assert!(matches!(
        Profile::from_signed(&der, &other),
        Err(mdmkit::Error::Verify(VerifyError::UntrustedChain { .. }))
    ));
    // One byte of the content changed: the digest no longer matches.
    let at = der
        .windows(b"Example MDM".len())
        .position(|w| w == b"Example MDM")
        .unwrap();
    let mut tampered = der.clone();
    tampered[at] ^= 0x20;
    assert!(matches!(
        Profile::from_signed(&tampered, &Policy::signature_only()),
        Err(mdmkit::Error::Verify(VerifyError::DigestMismatch))
    ));
    // Signed content that is not a profile: a decode error, after verification.
    let not_profile = cli_sign(
        &dir,
        &p.p384,
        b"<plist><string>x</string></plist>",
        &["-nodetach"],
    );
    assert!(matches!(
        Profile::from_signed(&not_profile, &trust_root()),
        Err(mdmkit::Error::Decode(_))
    ));
}
