//! The server's persistent secrets: its CA (which issues the device certificates) and the API
//! key. Both are created on first start in the data directory, readable by the owner only.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use mdmkit::cms::Signer;
use mdmkit::windows::enroll::certificate::Issuer;
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509, X509NameBuilder};

const CA_CERT: &str = "ca.pem";
const CA_KEY: &str = "ca.key.pem";
const API_KEY: &str = "api_key";

/// `n` random bytes from OpenSSL's CSPRNG.
pub fn random<const N: usize>() -> Result<[u8; N], openssl::error::ErrorStack> {
    let mut b = [0u8; N];
    openssl::rand::rand_bytes(&mut b)?;
    Ok(b)
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Writes a file only the owner can read (mode 0600 on Unix), refusing to overwrite.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

fn new_ca() -> Result<(Vec<u8>, Vec<u8>), openssl::error::ErrorStack> {
    let key = PKey::from_rsa(Rsa::generate(2048)?)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "mdmkit example")?;
    name.append_entry_by_nid(Nid::COMMONNAME, "mdmkit example Windows MDM CA")?;
    let name = name.build();
    let mut b = X509::builder()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(&name)?;
    b.set_pubkey(&key)?;
    let not_before = Asn1Time::days_from_now(0)?;
    let not_after = Asn1Time::days_from_now(3650)?;
    b.set_not_before(&not_before)?;
    b.set_not_after(&not_after)?;
    b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    b.append_extension(
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()?,
    )?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
    b.append_extension(ski)?;
    b.sign(&key, MessageDigest::sha256())?;
    Ok((b.build().to_pem()?, key.private_key_to_pem_pkcs8()?))
}

/// Loads the CA from `dir`, creating it on first start. Returns the issuer and whether it was
/// created.
pub fn load_or_create_ca(dir: &Path) -> Result<(Issuer, bool), String> {
    let cert_path = dir.join(CA_CERT);
    let key_path = dir.join(CA_KEY);
    let mut created = false;
    if !cert_path.exists() {
        let (cert, key) = new_ca().map_err(|e| format!("creating the CA: {e}"))?;
        write_private(&key_path, &key).map_err(|e| format!("{}: {e}", key_path.display()))?;
        write_private(&cert_path, &cert).map_err(|e| format!("{}: {e}", cert_path.display()))?;
        created = true;
    }
    let cert = fs::read(&cert_path).map_err(|e| format!("{}: {e}", cert_path.display()))?;
    let key = fs::read(&key_path).map_err(|e| format!("{}: {e}", key_path.display()))?;
    let signer = Signer::from_pem(&cert, &key).map_err(|e| format!("loading the CA: {e}"))?;
    let issuer = Issuer::new(signer).map_err(|e| format!("the CA certificate: {e}"))?;
    Ok((issuer, created))
}

/// Loads the API key from `dir`, creating a random one on first start.
pub fn load_or_create_api_key(dir: &Path) -> Result<String, String> {
    let path = dir.join(API_KEY);
    if !path.exists() {
        let key = hex(&random::<32>().map_err(|e| format!("random API key: {e}"))?);
        write_private(&path, key.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let key = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let key = key.trim().to_owned();
    if key.len() < 16 {
        return Err(format!("{}: the API key is too short", path.display()));
    }
    Ok(key)
}

/// Constant-time equality (different lengths: false).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
