//! MS-MDE2 certificate issuance: PKCS#10 requests (made by the `openssl` CLI, by the committed
//! Windows-style fixture, built byte by byte here, and — with `MDMKIT_CORPUS` — the real
//! Windows requests of the shared corpus), issuance checked with `openssl verify` and
//! `openssl x509`, ROBO renewal both with mdmkit's own CMS signer and with `openssl cms`, and
//! every refusal as its typed error.
//!
//! The `openssl` CLI is required: a test that needs it fails (does not skip) when it is
//! missing. Times are fixed (`T1`, `T2`) and given to the CLI with `-attime`, so nothing
//! depends on the machine's clock.

#![cfg(all(feature = "windows", feature = "cms"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine as _;
use mdmkit::cms::{self, Certificate, Policy, Signer, TrustAnchors, VerifyError};
use mdmkit::windows::enroll::certificate::{
    CertificateRequest, CsrError, CsrLimit, CsrLimits, DEVICE_ID_EXTENSION_OID, DeviceIdExtension,
    IssueError, IssueParams, IssuedCertificate, Issuer, KeyAlgorithm, RenewalError, RenewalRequest,
    SignatureAlgorithm, thumbprint,
};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// 2027-01-15T08:00:00Z plus 0.75 s (NotBefore keeps the whole seconds).
fn t1() -> SystemTime {
    UNIX_EPOCH + Duration::new(1_800_000_000, 750_000_000)
}
/// 300 days later: inside the first certificate's validity, the renewal window.
fn t2() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000 + 300 * 86_400)
}
const YEAR: Duration = Duration::from_secs(365 * 86_400);
const DEVICE_ID: &str = "B5B954E81FBCB94EB79BD08BE625F4EE";

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

// ---------------------------------------------------------------------------------------------
// Helpers: temp dirs, the CLI, CAs

static DIRS: AtomicU32 = AtomicU32::new(0);

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let n = DIRS.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("mdmkit-mde2-cert-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `openssl args…` in `dir`; returns stdout, panics with stderr on failure.
fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command-line tool is required");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `openssl args…` in `dir` and returns whether it succeeded, and its output.
fn openssl_status(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command-line tool is required");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// An RSA-2048 CA made by the CLI, valid 2026-11-01 for 100 years (`-not_before` is not in
/// OpenSSL 3.0's `req`, so the CA starts at the machine's clock; the tests' times are later).
struct CliCa {
    dir: TempDir,
    issuer: Issuer,
}

fn cli_ca(cn: &str) -> CliCa {
    let dir = TempDir::new();
    dir.write(
        "ca.cnf",
        b"[req]\ndistinguished_name=dn\nx509_extensions=v3_ca\n[dn]\n[v3_ca]\n\
          basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
          subjectKeyIdentifier=hash\n",
    );
    openssl(
        &dir.0,
        &[
            "req",
            "-x509",
            "-config",
            "ca.cnf",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "36500",
            "-subj",
            &format!("/CN={cn}"),
        ],
    );
    let issuer = Issuer::new(
        Signer::from_pem(
            &std::fs::read(dir.path("ca.pem")).unwrap(),
            &std::fs::read(dir.path("ca.key")).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    CliCa { dir, issuer }
}

/// The doc examples' P-256 CA (valid 2026-01-01 to 2126-01-01).
fn ec_ca() -> Issuer {
    let (cert, key) = cms::doc_support::ca().unwrap();
    Issuer::new(Signer::from_pem(cert.as_bytes(), key.as_bytes()).unwrap()).unwrap()
}

/// Writes the CA and the certificate as PEM and runs `openssl verify` at `at`.
fn openssl_verify(issuer: &Issuer, cert: &Certificate, at: SystemTime) -> (bool, String) {
    let dir = TempDir::new();
    dir.write("ca.pem", issuer.certificate().to_pem().as_bytes());
    dir.write("cert.pem", cert.to_pem().as_bytes());
    let at = unix(at).to_string();
    openssl_status(
        &dir.0,
        &[
            "verify",
            "-attime",
            &at,
            "-purpose",
            "sslclient",
            "-CAfile",
            "ca.pem",
            "cert.pem",
        ],
    )
}

fn assert_openssl_verifies(issuer: &Issuer, cert: &Certificate, at: SystemTime) {
    let (ok, text) = openssl_verify(issuer, cert, at);
    assert!(
        ok && text.contains("cert.pem: OK"),
        "openssl verify: {text}"
    );
}

fn x509_text(cert: &Certificate, args: &[&str]) -> String {
    let dir = TempDir::new();
    dir.write("cert.pem", cert.to_pem().as_bytes());
    let mut all = vec!["x509", "-in", "cert.pem", "-noout"];
    all.extend_from_slice(args);
    openssl(&dir.0, &all)
}

fn serial_random(n: u8) -> [u8; 16] {
    let mut b = [n; 16];
    b[0] = 0xff; // the top bit is cleared by the issuer
    b
}

/// `YYYY-MM-DD HH:MM:SSZ` of a Unix time (what `openssl x509 -dateopt iso_8601` prints).
fn iso(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The checks every issued certificate must pass, through the CLI.
fn check_issued(issuer: &Issuer, issued: &IssuedCertificate, now: SystemTime, rsa: bool) {
    let cert = issued.certificate();
    assert_openssl_verifies(issuer, cert, now);

    let text = x509_text(cert, &["-text"]);
    assert!(text.contains("TLS Web Client Authentication"), "{text}");
    assert!(text.contains("CA:FALSE"), "{text}");
    assert!(
        text.contains("X509v3 Basic Constraints: critical"),
        "{text}"
    );
    assert!(text.contains("X509v3 Key Usage: critical"), "{text}");
    if rsa {
        assert!(
            text.contains("Digital Signature, Key Encipherment"),
            "{text}"
        );
    } else {
        assert!(text.contains("Digital Signature\n"), "{text}");
    }
    assert!(text.contains("X509v3 Subject Key Identifier"), "{text}");
    assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
    assert!(text.contains("Version: 3 (0x2)"), "{text}");

    // NotBefore is `now` to the second, NotAfter a year later.
    let dates = x509_text(cert, &["-dateopt", "iso_8601", "-startdate", "-enddate"]);
    assert!(
        dates.contains(&format!("notBefore={}", iso(unix(now)))),
        "{dates} vs {}",
        iso(unix(now))
    );
    assert!(
        dates.contains(&format!("notAfter={}", iso(unix(now) + YEAR.as_secs()))),
        "{dates}"
    );
    assert_eq!(unix(cert.not_before()), unix(now));

    // Serial: positive, at most 20 bytes (16 here).
    let serial = x509_text(cert, &["-serial"]);
    let hex = serial.trim().strip_prefix("serial=").unwrap();
    assert!(hex.len() <= 40 && hex.len().is_multiple_of(2), "{hex}");
    assert!(u8::from_str_radix(&hex[..2], 16).unwrap() < 0x80, "{hex}");
    assert_eq!(hex.to_lowercase(), cert.serial_hex());

    // Thumbprints: ours equal the CLI's SHA-1 fingerprints without colons.
    let fp = x509_text(cert, &["-fingerprint", "-sha1"]);
    let fp = fp.trim().split('=').nth(1).unwrap().replace(':', "");
    assert_eq!(issued.thumbprint(), fp);
    assert_eq!(thumbprint(cert), fp);
    let ca_fp = x509_text(issuer.certificate(), &["-fingerprint", "-sha1"]);
    let ca_fp = ca_fp.trim().split('=').nth(1).unwrap().replace(':', "");
    assert_eq!(issuer.thumbprint(), ca_fp);
}

/// A CSR made by the CLI: `openssl req -new -newkey <newkey…> -nodes -subj <subj>`.
fn cli_csr(newkey: &[&str], subj: &str, extra: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let dir = TempDir::new();
    let mut args = vec!["req", "-new", "-newkey"];
    args.extend_from_slice(newkey);
    args.extend_from_slice(&[
        "-nodes", "-keyout", "key.pem", "-outform", "DER", "-out", "csr.der", "-subj", subj,
    ]);
    args.extend_from_slice(extra);
    openssl(&dir.0, &args);
    (
        std::fs::read(dir.path("csr.der")).unwrap(),
        std::fs::read(dir.path("key.pem")).unwrap(),
    )
}

// ---------------------------------------------------------------------------------------------
// DER built by hand: Windows-style requests with any common-name bytes, properly signed

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let b = n.to_be_bytes();
        let skip = b.iter().take_while(|&&x| x == 0).count();
        out.push(0x80 | (b.len() - skip) as u8);
        out.extend_from_slice(&b[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn rsa_key() -> &'static PKey<Private> {
    static KEY: OnceLock<PKey<Private>> = OnceLock::new();
    KEY.get_or_init(|| PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap())
}

const OID_CN: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
const OID_EXT_REQ: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e,
];
const OID_DEVICE_ID: &[u8] = &[
    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x42, 0x01, 0x00,
];
const SHA1_RSA_OIW: &[u8] = &[0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1d];

/// A request with subject `CN` = `cn` under string tag `cn_tag`, the DeviceID extension
/// holding `device_id`, signed with SHA-1 under the OIW OID, like Windows 10.
fn windows_csr(cn_tag: u8, cn: &[u8], device_id: Option<&[u8]>, key: &PKey<Private>) -> Vec<u8> {
    let subject = tlv(
        0x30,
        &tlv(0x31, &tlv(0x30, &cat(&[OID_CN, &tlv(cn_tag, cn)]))),
    );
    let attrs = match device_id {
        Some(id) => tlv(
            0xa0,
            &tlv(
                0x30,
                &cat(&[
                    OID_EXT_REQ,
                    &tlv(
                        0x31,
                        &tlv(0x30, &tlv(0x30, &cat(&[OID_DEVICE_ID, &tlv(0x04, id)]))),
                    ),
                ]),
            ),
        ),
        None => tlv(0xa0, &[]),
    };
    let spki = key.public_key_to_der().unwrap();
    let info = tlv(0x30, &cat(&[&[0x02, 0x01, 0x00], &subject, &spki, &attrs]));
    sign_info(
        &info,
        key,
        MessageDigest::sha1(),
        &cat(&[SHA1_RSA_OIW, &[0x05, 0x00]]),
    )
}

fn sign_info(info: &[u8], key: &PKey<Private>, md: MessageDigest, alg: &[u8]) -> Vec<u8> {
    let mut s = openssl::sign::Signer::new(md, key).unwrap();
    s.update(info).unwrap();
    let sig = s.sign_to_vec().unwrap();
    tlv(
        0x30,
        &cat(&[info, &tlv(0x30, alg), &tlv(0x03, &cat(&[&[0], &sig]))]),
    )
}

fn windows_cn() -> Vec<u8> {
    let mut cn = b"562A7F9A-6CD8-40B0-9E7E-0DBDD8!".to_vec();
    cn.extend_from_slice(DEVICE_ID.as_bytes());
    cn.push(0);
    cn
}

fn device_id_value() -> Vec<u8> {
    let mut v = DEVICE_ID.as_bytes().to_vec();
    v.push(0);
    v
}

// ---------------------------------------------------------------------------------------------
// Requests made by the openssl CLI

#[test]
fn cli_rsa_request_is_issued_and_verified_by_openssl() {
    let ca = cli_ca("mdmkit test CA");
    let (der, _) = cli_csr(&["rsa:2048"], "/O=Contoso/CN=cli-device", &[]);
    let csr = CertificateRequest::from_der(&der).unwrap();
    assert_eq!(csr.common_name().as_deref(), Some("cli-device"));
    assert_eq!(csr.key_algorithm(), &KeyAlgorithm::Rsa { bits: 2048 });
    assert_eq!(csr.signature_algorithm(), &SignatureAlgorithm::RsaSha256);
    assert!(csr.extensions().is_empty());
    assert!(csr.device_id().is_none());
    csr.verify_signature().unwrap();

    let params =
        IssueParams::new(DEVICE_ID, t1(), YEAR, serial_random(1)).organizational_unit("DEMO MDM");
    let issued = ca.issuer.issue(&csr, &params).unwrap();
    assert_eq!(
        issued.certificate().subject(),
        format!("CN={DEVICE_ID},OU=DEMO MDM")
    );
    assert_eq!(
        issued.certificate().issuer(),
        ca.issuer.certificate().subject()
    );
    // The certified key is the request's.
    let text = x509_text(issued.certificate(), &["-pubkey"]);
    let want = PKey::public_key_from_der(csr.public_key_info_der())
        .unwrap()
        .public_key_to_pem()
        .unwrap();
    assert!(text.contains(String::from_utf8_lossy(&want).trim()));
    check_issued(&ca.issuer, &issued, t1(), true);
    drop(ca.dir);
}

#[test]
fn cli_ec_requests_are_issued_by_rsa_and_ec_cas() {
    let cli = cli_ca("mdmkit test CA");
    let ec = ec_ca();
    for (newkey, alg, md) in [
        (
            ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            KeyAlgorithm::EcP256,
            "-sha256",
        ),
        (
            ["ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
            KeyAlgorithm::EcP384,
            "-sha384",
        ),
    ] {
        let (der, _) = cli_csr(&newkey, "/CN=ec-device", &[md]);
        let csr = CertificateRequest::from_der(&der).unwrap();
        assert_eq!(csr.key_algorithm(), &alg);
        csr.verify_signature().unwrap();
        for issuer in [&cli.issuer, &ec] {
            let issued = issuer
                .issue(
                    &csr,
                    &IssueParams::new("ec-device", t1(), YEAR, serial_random(2)),
                )
                .unwrap();
            check_issued(issuer, &issued, t1(), false);
        }
    }
}

#[test]
fn cli_request_in_base64_with_line_breaks() {
    let (der, _) = cli_csr(&["rsa:2048"], "/CN=b64", &[]);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
    let wrapped: String = b64
        .as_bytes()
        .chunks(64)
        .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    let csr = CertificateRequest::from_base64(&wrapped).unwrap();
    assert_eq!(csr.der().as_ref(), der.as_slice());
    assert!(matches!(
        CertificateRequest::from_base64("MIIC*not base64"),
        Err(CsrError::Malformed { what: "base64", .. })
    ));
    let limits = CsrLimits::default().with_max_input_bytes(100);
    assert!(matches!(
        CertificateRequest::from_base64_with_limits(&b64, &limits),
        Err(CsrError::LimitExceeded(CsrLimit::InputBytes))
    ));
}

#[test]
fn requested_extensions_are_read_and_device_id_copied() {
    let ext = format!("{DEVICE_ID_EXTENSION_OID}=DER:{}", hex(&device_id_value()));
    let (der, _) = cli_csr(
        &["rsa:2048"],
        "/CN=ext",
        &[
            "-addext",
            &ext,
            "-addext",
            "keyUsage=critical,digitalSignature",
            "-addext",
            "subjectAltName=DNS:evil.example",
        ],
    );
    let csr = CertificateRequest::from_der(&der).unwrap();
    assert_eq!(csr.extensions().len(), 3);
    assert_eq!(csr.device_id(), Some(device_id_value().as_slice()));
    assert_eq!(csr.device_id_str(), Some(DEVICE_ID));
    let ku = csr.extension("2.5.29.15").unwrap();
    assert!(ku.is_critical());
    assert_eq!(ku.value(), &[0x03, 0x02, 0x07, 0x80]);

    let issuer = ec_ca();
    let base = IssueParams::new(DEVICE_ID, t1(), YEAR, serial_random(3));
    let with = issuer.issue(&csr, &base).unwrap();
    let text = x509_text(with.certificate(), &["-text"]);
    assert!(text.contains(DEVICE_ID_EXTENSION_OID), "{text}");
    assert!(text.contains(&format!("{DEVICE_ID}.")), "{text}"); // the NUL prints as '.'
    // Only the DeviceID is copied: the requested subjectAltName is not.
    assert!(!text.contains("evil.example"), "{text}");
    assert!(!text.contains("Subject Alternative Name"), "{text}");

    let without = issuer
        .issue(&csr, &base.clone().device_id(DeviceIdExtension::Omit))
        .unwrap();
    assert!(!x509_text(without.certificate(), &["-text"]).contains(DEVICE_ID_EXTENSION_OID));

    let given = issuer
        .issue(
            &csr,
            &base.device_id(DeviceIdExtension::Value(b"GIVEN".to_vec())),
        )
        .unwrap();
    assert!(x509_text(given.certificate(), &["-text"]).contains("GIVEN"));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------------
// Windows-style requests (lesson L1)

#[test]
fn committed_windows_style_request() {
    // Made by tests/fixtures/make_windows_csr.py (invented GUID and DeviceID).
    let der = include_bytes!("fixtures/windows-style-csr.der");
    let csr = CertificateRequest::from_der(der).unwrap();
    assert_eq!(
        csr.common_name().as_deref(),
        Some("0F1E2D3C-4B5A-6978-8796-A5B4C3!0123456789ABCDEF0123456789ABCDEF")
    );
    assert!(csr.common_name_raw().unwrap().ends_with("EF\0"));
    assert_eq!(csr.signature_algorithm(), &SignatureAlgorithm::RsaSha1);
    assert_eq!(
        csr.device_id_str(),
        Some("0123456789ABCDEF0123456789ABCDEF")
    );
    csr.verify_signature().unwrap();

    let ca = cli_ca("mdmkit test CA");
    let issued = ca
        .issuer
        .issue(
            &csr,
            &IssueParams::new(
                "0123456789ABCDEF0123456789ABCDEF",
                t1(),
                YEAR,
                serial_random(4),
            ),
        )
        .unwrap();
    check_issued(&ca.issuer, &issued, t1(), true);
}

#[test]
fn windows_common_name_with_bang_and_nul_verifies() {
    let der = windows_csr(0x13, &windows_cn(), Some(&device_id_value()), rsa_key());
    let csr = CertificateRequest::from_der(&der).unwrap();
    assert_eq!(
        csr.common_name().unwrap(),
        format!("562A7F9A-6CD8-40B0-9E7E-0DBDD8!{DEVICE_ID}")
    );
    assert_eq!(
        csr.common_name_raw().unwrap().as_bytes(),
        windows_cn().as_slice()
    );
    csr.verify_signature().unwrap();
    // The subject is kept as sent.
    assert!(
        csr.subject_der()
            .windows(windows_cn().len())
            .any(|w| w == windows_cn().as_slice())
    );
}

#[test]
fn other_ascii_in_printable_string_is_accepted_non_ascii_refused() {
    // Decision: PrintableString / IA5String common names may hold any ASCII byte (the L1
    // leniency generalised); a byte >= 0x80 is no character of those types and is refused.
    for cn in [
        &b"user@example.com"[..],
        b"a*b&c_d",
        b"bell\x07tab\tend",
        b"\0\0",
    ] {
        let der = windows_csr(0x13, cn, None, rsa_key());
        let csr = CertificateRequest::from_der(&der).unwrap();
        csr.verify_signature().unwrap();
        assert_eq!(csr.common_name_raw().unwrap().as_bytes(), cn);
    }
    for (tag, cn) in [
        (0x13u8, &b"caf\xe9"[..]),
        (0x13, b"\x80"),
        (0x16, b"\xff!"),
        (0x0c, b"bad utf8 \xc3"),
        (0x1e, b"\xd8\x00"), // lone surrogate in a BMPString
        (0x1e, b"odd"),
        (0x04, b"octets"), // not a string type at all
    ] {
        let der = windows_csr(tag, cn, None, rsa_key());
        assert!(
            matches!(
                CertificateRequest::from_der(&der),
                Err(CsrError::Malformed {
                    what: "common name",
                    ..
                })
            ),
            "tag {tag:#x} {cn:?}"
        );
    }
    // Other string types decode.
    let der = windows_csr(0x0c, "Gerät".as_bytes(), None, rsa_key());
    assert_eq!(
        CertificateRequest::from_der(&der)
            .unwrap()
            .common_name()
            .as_deref(),
        Some("Gerät")
    );
    let bmp: Vec<u8> = "Gerät".encode_utf16().flat_map(u16::to_be_bytes).collect();
    let der = windows_csr(0x1e, &bmp, None, rsa_key());
    assert_eq!(
        CertificateRequest::from_der(&der)
            .unwrap()
            .common_name()
            .as_deref(),
        Some("Gerät")
    );
}

#[test]
fn signature_is_checked_over_the_bytes_sent() {
    let der = windows_csr(0x13, &windows_cn(), Some(&device_id_value()), rsa_key());
    // A flipped signature byte.
    let mut bad = der.clone();
    *bad.last_mut().unwrap() ^= 0x01;
    let csr = CertificateRequest::from_der(&bad).unwrap();
    assert!(matches!(
        csr.verify_signature(),
        Err(CsrError::BadSignature { .. })
    ));
    // The refusal is remembered and stops issuance.
    assert!(matches!(
        ec_ca().issue(&csr, &IssueParams::new("x", t1(), YEAR, [0; 16])),
        Err(IssueError::Request(CsrError::BadSignature { .. }))
    ));
    // A changed common-name byte (still lenient ASCII): parses, does not verify.
    let mut bad = der.clone();
    let at = bad.windows(4).position(|w| w == b"562A").unwrap();
    bad[at] = b'7';
    let csr = CertificateRequest::from_der(&bad).unwrap();
    assert!(matches!(
        csr.verify_signature(),
        Err(CsrError::BadSignature { .. })
    ));
    // The NUL dropped from the common name: the request no longer matches its signature.
    // (Building it needs a shorter length byte too; a parser that "cleaned" the name before
    // verifying would accept this.)
    let mut cn = windows_cn();
    cn.pop();
    let good_without_nul = windows_csr(0x13, &cn, None, rsa_key());
    let mut spliced = good_without_nul.clone();
    let sig_at = good_without_nul.len() - 256;
    let original_sig = &windows_csr(0x13, &windows_cn(), None, rsa_key());
    spliced[sig_at..].copy_from_slice(&original_sig[original_sig.len() - 256..]);
    assert!(matches!(
        CertificateRequest::from_der(&spliced)
            .unwrap()
            .verify_signature(),
        Err(CsrError::BadSignature { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// The real Windows requests of the corpus

fn corpus_rst(name: &str) -> Option<String> {
    let Some(dir) = std::env::var_os("MDMKIT_CORPUS") else {
        println!("mde2_cert corpus: skipped (set MDMKIT_CORPUS to the shared fixtures directory)");
        return None;
    };
    Some(std::fs::read_to_string(PathBuf::from(dir).join("files").join(name)).unwrap())
}

/// The text of the element whose start tag begins with `start` (first occurrence).
fn text_after<'a>(xml: &'a str, start: &str) -> &'a str {
    let at = xml
        .find(start)
        .unwrap_or_else(|| panic!("{start} not found"))
        + start.len();
    let rest = &xml[at..];
    let rest = &rest[rest.find('>').unwrap() + 1..];
    &rest[..rest.find('<').unwrap()]
}

#[test]
fn corpus_windows_requests() {
    for name in ["fleet-dump-rst-req.xml", "fleet-test-rst-req-19045.xml"] {
        let Some(xml) = corpus_rst(name) else { return };
        let token = text_after(&xml, "#PKCS10\"").replace("&#xD;", "");
        // <ac:ContextItem Name="DeviceID"><ac:Value>…</ac:Value>
        let item = &xml[xml.find("Name=\"DeviceID\"").unwrap()..];
        let device_id = text_after(item, "<ac:Value").trim().to_owned();
        assert_eq!(device_id.len(), 32, "{name}: {device_id:?}");

        let csr = CertificateRequest::from_base64(&token).unwrap();
        // Windows 10 signs with the OIW sha1WithRSASignature (1.3.14.3.2.29).
        assert_eq!(csr.signature_algorithm(), &SignatureAlgorithm::RsaSha1);
        assert_eq!(csr.key_algorithm(), &KeyAlgorithm::Rsa { bits: 2048 });
        csr.verify_signature().unwrap();
        let raw = csr.common_name_raw().unwrap();
        assert!(raw.ends_with('\0'), "{name}: {raw:?}");
        let cn = csr.common_name().unwrap();
        assert!(cn.ends_with(&format!("!{device_id}")), "{name}: {cn}");
        // The DeviceID extension holds the DeviceID context item's value and a NUL.
        let mut want = device_id.as_bytes().to_vec();
        want.push(0);
        assert_eq!(csr.device_id(), Some(want.as_slice()));
        assert_eq!(csr.device_id_str(), Some(device_id.as_str()));
        if name == "fleet-dump-rst-req.xml" {
            assert_eq!(device_id, DEVICE_ID);
        }

        let ca = cli_ca("mdmkit test CA");
        let issued = ca
            .issuer
            .issue(
                &csr,
                &IssueParams::new(device_id.as_str(), t1(), YEAR, serial_random(5)),
            )
            .unwrap();
        check_issued(&ca.issuer, &issued, t1(), true);
        let text = x509_text(issued.certificate(), &["-text"]);
        assert!(text.contains(&format!("{device_id}.")), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Refusals

#[test]
fn truncation_at_every_offset_is_a_typed_error() {
    let der = windows_csr(0x13, &windows_cn(), Some(&device_id_value()), rsa_key());
    for n in 0..der.len() {
        match CertificateRequest::from_der(&der[..n]) {
            Err(CsrError::Malformed { .. }) => {}
            other => panic!("prefix of {n} bytes: {other:?}"),
        }
    }
    let mut longer = der.clone();
    longer.push(0);
    assert!(matches!(
        CertificateRequest::from_der(&longer),
        Err(CsrError::Malformed {
            what: "trailing data",
            ..
        })
    ));
}

#[test]
fn garbage_and_huge_lengths() {
    let cert = ec_ca().certificate().der().to_vec();
    let cases: Vec<Vec<u8>> = vec![
        vec![],
        b"hello".to_vec(),
        vec![0x30],
        vec![0x30, 0x80, 0x00, 0x00], // indefinite length
        vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02], // 4 GiB claimed
        vec![
            0x30, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
        ],
        vec![0x30, 0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        vec![0x30, 0x81, 0x05, 0x02, 0x01, 0x00, 0x30, 0x00], // non-minimal length
        tlv(0x30, &tlv(0x30, &[0x02, 0x84, 0x7f, 0xff, 0xff, 0xff])),
        cert, // a certificate is not a request
        tlv(0x30, &[]),
    ];
    for c in &cases {
        assert!(
            matches!(
                CertificateRequest::from_der(c),
                Err(CsrError::Malformed { .. })
            ),
            "{c:02x?}"
        );
    }
    // Size limit first.
    let big = vec![0x30; CsrLimits::DEFAULT.max_input_bytes + 1];
    assert!(matches!(
        CertificateRequest::from_der(&big),
        Err(CsrError::LimitExceeded(CsrLimit::InputBytes))
    ));
    // Item limit: 65 RDNs.
    let rdn = tlv(0x31, &tlv(0x30, &cat(&[OID_CN, &tlv(0x13, b"x")])));
    let subject = tlv(0x30, &rdn.repeat(65));
    let info = tlv(
        0x30,
        &cat(&[
            &[0x02, 0x01, 0x00],
            &subject,
            &rsa_key().public_key_to_der().unwrap(),
        ]),
    );
    let der = sign_info(
        &info,
        rsa_key(),
        MessageDigest::sha1(),
        &cat(&[SHA1_RSA_OIW, &[0x05, 0x00]]),
    );
    assert!(matches!(
        CertificateRequest::from_der(&der),
        Err(CsrError::LimitExceeded(CsrLimit::Items))
    ));
    let lenient = CsrLimits::default().with_max_items(100);
    CertificateRequest::from_der_with_limits(&der, &lenient)
        .unwrap()
        .verify_signature()
        .unwrap();
}

#[test]
fn structural_refusals() {
    let spki = rsa_key().public_key_to_der().unwrap();
    let subject = tlv(0x30, &[]);
    let alg = cat(&[SHA1_RSA_OIW, &[0x05, 0x00]]);
    let build = |info: Vec<u8>| sign_info(&info, rsa_key(), MessageDigest::sha1(), &alg);
    // Version 2.
    let der = build(tlv(0x30, &cat(&[&[0x02, 0x01, 0x01], &subject, &spki])));
    assert!(matches!(
        CertificateRequest::from_der(&der),
        Err(CsrError::Malformed {
            what: "version",
            ..
        })
    ));
    // A duplicate requested extension.
    let ext = tlv(0x30, &cat(&[OID_DEVICE_ID, &tlv(0x04, b"A")]));
    let attrs = tlv(
        0xa0,
        &tlv(
            0x30,
            &cat(&[OID_EXT_REQ, &tlv(0x31, &tlv(0x30, &cat(&[&ext, &ext])))]),
        ),
    );
    let der = build(tlv(
        0x30,
        &cat(&[&[0x02, 0x01, 0x00], &subject, &spki, &attrs]),
    ));
    assert!(matches!(
        CertificateRequest::from_der(&der),
        Err(CsrError::Malformed {
            what: "duplicate extension",
            ..
        })
    ));
    // No subject CN at all is fine (the server names the certificate).
    let der = build(tlv(0x30, &cat(&[&[0x02, 0x01, 0x00], &subject, &spki])));
    let csr = CertificateRequest::from_der(&der).unwrap();
    assert_eq!(csr.common_name(), None);
    csr.verify_signature().unwrap();
    // Signature algorithm parameters other than NULL.
    let der = sign_info(
        &tlv(0x30, &cat(&[&[0x02, 0x01, 0x00], &subject, &spki])),
        rsa_key(),
        MessageDigest::sha1(),
        &cat(&[SHA1_RSA_OIW, &[0x02, 0x01, 0x00]]),
    );
    assert!(matches!(
        CertificateRequest::from_der(&der),
        Err(CsrError::Malformed {
            what: "signature algorithm parameters",
            ..
        })
    ));
}

#[test]
fn algorithm_refusals() {
    let spki = rsa_key().public_key_to_der().unwrap();
    let info = tlv(0x30, &cat(&[&[0x02, 0x01, 0x00], &tlv(0x30, &[]), &spki]));
    // md5WithRSAEncryption.
    let md5 = &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04, 0x05, 0x00,
    ];
    let der = sign_info(&info, rsa_key(), MessageDigest::sha1(), md5);
    assert!(matches!(
        CertificateRequest::from_der(&der)
            .unwrap()
            .verify_signature(),
        Err(CsrError::WeakAlgorithm { algorithm: "md5" })
    ));
    // RSA-PSS.
    let pss = &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,
    ];
    let der = sign_info(&info, rsa_key(), MessageDigest::sha256(), pss);
    let csr = CertificateRequest::from_der(&der).unwrap();
    assert_eq!(
        csr.signature_algorithm(),
        &SignatureAlgorithm::Unsupported {
            oid: "1.2.840.113549.1.1.10".into()
        }
    );
    assert!(matches!(
        csr.verify_signature(),
        Err(CsrError::UnsupportedAlgorithm { .. })
    ));
    // ECDSA signature algorithm over an RSA key.
    let ecdsa = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    let der = sign_info(&info, rsa_key(), MessageDigest::sha256(), ecdsa);
    assert!(matches!(
        CertificateRequest::from_der(&der)
            .unwrap()
            .verify_signature(),
        Err(CsrError::UnsupportedAlgorithm { .. })
    ));
    // Ed25519 (made by the CLI).
    let (der, _) = cli_csr(&["ed25519"], "/CN=ed", &[]);
    let csr = CertificateRequest::from_der(&der).unwrap();
    assert_eq!(
        csr.key_algorithm(),
        &KeyAlgorithm::Unsupported {
            oid: "1.3.101.112".into()
        }
    );
    assert!(matches!(
        csr.verify_signature(),
        Err(CsrError::UnsupportedAlgorithm { .. })
    ));
    assert!(matches!(
        ec_ca().issue(&csr, &IssueParams::new("ed", t1(), YEAR, [1; 16])),
        Err(IssueError::Request(CsrError::UnsupportedAlgorithm { .. }))
    ));
    // P-521 is not supported.
    let (der, _) = cli_csr(
        &["ec", "-pkeyopt", "ec_paramgen_curve:P-521"],
        "/CN=p521",
        &[],
    );
    let csr = CertificateRequest::from_der(&der).unwrap();
    assert_eq!(
        csr.key_algorithm(),
        &KeyAlgorithm::Unsupported {
            oid: "1.3.132.0.35".into()
        }
    );
    assert!(matches!(
        csr.verify_signature(),
        Err(CsrError::UnsupportedAlgorithm { .. })
    ));
}

#[test]
fn issue_refusals() {
    let issuer = ec_ca();
    let good = CertificateRequest::from_der(&windows_csr(0x13, b"x", None, rsa_key())).unwrap();
    // RSA 1024.
    let weak_key = PKey::from_rsa(Rsa::generate(1024).unwrap()).unwrap();
    let weak = CertificateRequest::from_der(&windows_csr(0x13, b"x", None, &weak_key)).unwrap();
    weak.verify_signature().unwrap();
    let params = IssueParams::new("x", t1(), YEAR, [1; 16]);
    assert!(matches!(
        issuer.issue(&weak, &params),
        Err(IssueError::WeakKey { bits: 1024 })
    ));
    let lax = ec_ca().with_min_rsa_bits(1024);
    lax.issue(&weak, &params).unwrap();
    // Subjects.
    for (cn, reason) in [
        ("", "empty"),
        (&"x".repeat(65)[..], "longer than 64 characters"),
        ("a\0b", "control character"),
    ] {
        let p = IssueParams::new(cn, t1(), YEAR, [1; 16]);
        assert!(
            matches!(issuer.issue(&good, &p), Err(IssueError::InvalidSubject { reason: r }) if r == reason),
            "{cn:?}"
        );
    }
    issuer
        .issue(
            &good,
            &IssueParams::new("x".repeat(64), t1(), YEAR, [1; 16]),
        )
        .unwrap();
    // Validity: empty, before the CA, past the CA.
    for (now, validity) in [
        (t1(), Duration::ZERO),
        (t1(), Duration::from_millis(999)),
        (UNIX_EPOCH + Duration::from_secs(1_700_000_000), YEAR),
        (t1(), YEAR * 200),
    ] {
        assert!(
            matches!(
                issuer.issue(&good, &IssueParams::new("x", now, validity, [1; 16])),
                Err(IssueError::InvalidValidity { .. })
            ),
            "{now:?} {validity:?}"
        );
    }
    // A certificate that is not a CA cannot issue.
    let (cert, key) = cms::doc_support::identity().unwrap();
    assert!(matches!(
        Issuer::new(Signer::from_pem(cert.as_bytes(), key.as_bytes()).unwrap()),
        Err(IssueError::NotACa)
    ));
}

#[test]
fn validity_after_2049_uses_generalized_time_and_serials_are_positive() {
    let issuer = ec_ca();
    let csr = CertificateRequest::from_der(&windows_csr(0x13, b"x", None, rsa_key())).unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(2_524_608_000 - 86_400); // 2049-12-31
    for byte in [0x00, 0x7f, 0x80, 0xff] {
        let issued = issuer
            .issue(&csr, &IssueParams::new("x", now, YEAR, [byte; 16]))
            .unwrap();
        assert_eq!(issued.certificate().not_before(), now);
        assert_eq!(issued.certificate().not_after(), now + YEAR);
        let serial = issued.certificate().serial_hex();
        assert_eq!(serial.len(), 32, "{serial}");
        assert!(u8::from_str_radix(&serial[..2], 16).unwrap() >= 0x40);
        assert_openssl_verifies(&issuer, issued.certificate(), now + YEAR / 2);
    }
}

// ---------------------------------------------------------------------------------------------
// Renewal (lesson L6)

struct Device {
    key: PKey<Private>,
    cert: IssuedCertificate,
}

fn enroll(issuer: &Issuer, device_id: Option<&[u8]>, cn: &str) -> Device {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let csr =
        CertificateRequest::from_der(&windows_csr(0x13, &windows_cn(), device_id, &key)).unwrap();
    let cert = issuer
        .issue(&csr, &IssueParams::new(cn, t1(), YEAR, serial_random(7)))
        .unwrap();
    Device { key, cert }
}

fn device_signer(d: &Device) -> Signer {
    Signer::from_der(d.cert.der(), &d.key.private_key_to_der().unwrap()).unwrap()
}

fn trust(issuer: &Issuer, now: SystemTime) -> Policy {
    Policy::trust(TrustAnchors::new().with(issuer.certificate().clone()), now)
}

#[test]
fn renewal_round_trip_with_mdmkit_signer() {
    let issuer = ec_ca();
    let dev = enroll(&issuer, Some(&device_id_value()), DEVICE_ID);
    let key2 = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let csr2 = windows_csr(0x13, &windows_cn(), Some(&device_id_value()), &key2);
    let pkcs7 = cms::sign_attached(&csr2, &device_signer(&dev), t2()).unwrap();

    let renewal = RenewalRequest::verify(&pkcs7, &trust(&issuer, t2())).unwrap();
    assert_eq!(renewal.current_certificate(), dev.cert.certificate());
    assert_eq!(renewal.chain().len(), 2);
    assert_eq!(renewal.request().der().as_ref(), csr2.as_slice());
    let b64 = base64::engine::general_purpose::STANDARD.encode(&pkcs7);
    RenewalRequest::verify_base64(&b64, &trust(&issuer, t2())).unwrap();

    let params = IssueParams::for_renewal(&renewal, t2(), YEAR, serial_random(8));
    let cert2 = issuer.renew(&renewal, &params).unwrap();
    assert_eq!(
        cert2.certificate().subject(),
        dev.cert.certificate().subject()
    );
    assert_ne!(cert2.thumbprint(), dev.cert.thumbprint());
    check_issued(&issuer, &cert2, t2(), true);
    // The new certificate certifies the new key.
    let text = x509_text(cert2.certificate(), &["-pubkey"]);
    let want = String::from_utf8(key2.public_key_to_pem().unwrap()).unwrap();
    assert!(text.contains(want.trim()));
    // An explicit subject equal to the old one is accepted too.
    issuer
        .renew(
            &renewal,
            &IssueParams::new(DEVICE_ID, t2(), YEAR, serial_random(9)),
        )
        .unwrap();
}

#[test]
fn renewal_round_trip_with_openssl_cms() {
    let ca = cli_ca("mdmkit test CA");
    let dev = enroll(&ca.issuer, Some(&device_id_value()), DEVICE_ID);
    let key2 = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let csr2 = windows_csr(0x13, &windows_cn(), Some(&device_id_value()), &key2);

    let dir = TempDir::new();
    dir.write("csr2.der", &csr2);
    dir.write("dev.pem", dev.cert.certificate().to_pem().as_bytes());
    dir.write("dev.key", &dev.key.private_key_to_pem_pkcs8().unwrap());
    openssl(
        &dir.0,
        &[
            "cms",
            "-sign",
            "-nodetach",
            "-binary",
            "-md",
            "sha256",
            "-in",
            "csr2.der",
            "-signer",
            "dev.pem",
            "-inkey",
            "dev.key",
            "-outform",
            "DER",
            "-out",
            "p7.der",
        ],
    );
    let pkcs7 = std::fs::read(dir.path("p7.der")).unwrap();
    let renewal = RenewalRequest::verify(&pkcs7, &trust(&ca.issuer, t2())).unwrap();
    assert_eq!(renewal.request().der().as_ref(), csr2.as_slice());
    let cert2 = ca
        .issuer
        .renew(
            &renewal,
            &IssueParams::for_renewal(&renewal, t2(), YEAR, serial_random(10)),
        )
        .unwrap();
    check_issued(&ca.issuer, &cert2, t2(), true);
    assert_eq!(cert2.certificate().not_before(), t2());
}

#[test]
fn renewal_refusals() {
    let issuer = ec_ca();
    let other = cli_ca("another CA");
    let dev = enroll(&issuer, Some(&device_id_value()), DEVICE_ID);
    let stranger = enroll(&other.issuer, Some(&device_id_value()), DEVICE_ID);
    let key2 = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let csr2 = windows_csr(0x13, &windows_cn(), Some(&device_id_value()), &key2);

    // Signed by a certificate of another CA.
    let pkcs7 = cms::sign_attached(&csr2, &device_signer(&stranger), t2()).unwrap();
    assert!(matches!(
        RenewalRequest::verify(&pkcs7, &trust(&issuer, t2())),
        Err(RenewalError::Signature(VerifyError::UntrustedChain { .. }))
    ));
    // No trust decision.
    let pkcs7 = cms::sign_attached(&csr2, &device_signer(&dev), t2()).unwrap();
    assert!(matches!(
        RenewalRequest::verify(&pkcs7, &Policy::signature_only()),
        Err(RenewalError::NoTrustDecision)
    ));
    // After the current certificate expired.
    assert!(matches!(
        RenewalRequest::verify(&pkcs7, &trust(&issuer, t1() + YEAR * 2)),
        Err(RenewalError::Signature(VerifyError::Expired))
    ));
    // A malformed inner request.
    let bad = cms::sign_attached(b"not a certificate request", &device_signer(&dev), t2()).unwrap();
    assert!(matches!(
        RenewalRequest::verify(&bad, &trust(&issuer, t2())),
        Err(RenewalError::Request(CsrError::Malformed { .. }))
    ));
    // An inner request whose own signature is broken.
    let mut broken = csr2.clone();
    *broken.last_mut().unwrap() ^= 1;
    let bad = cms::sign_attached(&broken, &device_signer(&dev), t2()).unwrap();
    assert!(matches!(
        RenewalRequest::verify(&bad, &trust(&issuer, t2())),
        Err(RenewalError::Request(CsrError::BadSignature { .. }))
    ));
    // A tampered PKCS#7.
    let mut tampered = pkcs7.clone();
    let at = tampered.windows(8).position(|w| w == b"562A7F9A").unwrap();
    tampered[at] = b'7';
    assert!(matches!(
        RenewalRequest::verify(&tampered, &trust(&issuer, t2())),
        Err(RenewalError::Signature(VerifyError::DigestMismatch))
    ));
    // Garbage, and bad base64.
    assert!(matches!(
        RenewalRequest::verify(b"\x30\x03\x02\x01", &trust(&issuer, t2())),
        Err(RenewalError::Signature(VerifyError::Malformed { .. }))
    ));
    assert!(matches!(
        RenewalRequest::verify_base64("@@@", &trust(&issuer, t2())),
        Err(RenewalError::Request(CsrError::Malformed {
            what: "base64",
            ..
        }))
    ));

    let renewal = RenewalRequest::verify(&pkcs7, &trust(&issuer, t2())).unwrap();
    // Another subject.
    assert!(matches!(
        issuer.renew(
            &renewal,
            &IssueParams::new("SOMEONE-ELSE", t2(), YEAR, [1; 16])
        ),
        Err(IssueError::SubjectMismatch)
    ));
    assert!(matches!(
        issuer.renew(
            &renewal,
            &IssueParams::new(DEVICE_ID, t2(), YEAR, [1; 16]).organizational_unit("X")
        ),
        Err(IssueError::SubjectMismatch)
    ));
    // Another DeviceID.
    let params = IssueParams::for_renewal(&renewal, t2(), YEAR, [1; 16]);
    assert!(matches!(
        issuer.renew(
            &renewal,
            &params
                .clone()
                .device_id(DeviceIdExtension::Value(b"OTHER\0".to_vec()))
        ),
        Err(IssueError::DeviceIdMismatch)
    ));
    let csr_other_id = windows_csr(0x13, &windows_cn(), Some(b"OTHER\0"), &key2);
    let p7 = cms::sign_attached(&csr_other_id, &device_signer(&dev), t2()).unwrap();
    let r = RenewalRequest::verify(&p7, &trust(&issuer, t2())).unwrap();
    assert!(matches!(
        issuer.renew(&r, &IssueParams::for_renewal(&r, t2(), YEAR, [1; 16])),
        Err(IssueError::DeviceIdMismatch)
    ));
    // Trusted by the policy (two anchors), but issued by the other CA: this issuer refuses.
    let both = Policy::trust(
        TrustAnchors::new()
            .with(issuer.certificate().clone())
            .with(other.issuer.certificate().clone()),
        t2(),
    );
    let p7 = cms::sign_attached(&csr2, &device_signer(&stranger), t2()).unwrap();
    let r = RenewalRequest::verify(&p7, &both).unwrap();
    assert!(matches!(
        issuer.renew(&r, &IssueParams::for_renewal(&r, t2(), YEAR, [1; 16])),
        Err(IssueError::NotIssuedHere)
    ));
    other
        .issuer
        .renew(&r, &IssueParams::for_renewal(&r, t2(), YEAR, [1; 16]))
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(csr) = CertificateRequest::from_der(&bytes) {
            let _ = csr.verify_signature();
            let _ = csr.common_name();
        }
        let _ = CertificateRequest::from_base64(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_requests_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)
    ) {
        static DER: OnceLock<Vec<u8>> = OnceLock::new();
        let der = DER.get_or_init(|| include_bytes!("fixtures/windows-style-csr.der").to_vec());
        let mut bytes = der.clone();
        for (i, b) in &edits {
            let i = i.index(bytes.len());
            bytes[i] = *b;
        }
        if let Ok(csr) = CertificateRequest::from_der(&bytes) {
            let _ = csr.verify_signature();
            let _ = (csr.common_name_raw(), csr.device_id_str(), csr.key_algorithm());
        }
    }
}
