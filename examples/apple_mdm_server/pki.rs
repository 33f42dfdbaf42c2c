//! The server's keys and certificates: a device CA, a profile-signing identity issued by it,
//! and one device identity (EC P-256, in a PKCS#12) per enrollment profile download.
//!
//! Everything is created at first start and kept as PEM files in the data directory.

use std::path::Path;
use std::time::SystemTime;

use mdmkit::cms::{Certificate, Policy, Signer, TrustAnchors};
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder};

use crate::BoxError;

/// Validity of the CA and of the profile signer: ten years.
const CA_DAYS: u32 = 3650;
/// Validity of a device identity: two years.
const DEVICE_DAYS: u32 = 730;

/// The loaded PKI.
pub(crate) struct Pki {
    ca_cert: X509,
    ca_key: PKey<Private>,
    /// The CA as mdmkit sees it (trust anchor of every `Mdm-Signature`).
    pub ca: Certificate,
    /// Signs enrollment profiles; its certificate is issued by the CA.
    pub profile_signer: Signer,
}

/// A freshly issued device identity.
pub(crate) struct DeviceIdentity {
    /// The PKCS#12 (key + certificate + CA), protected by `password`.
    pub pkcs12: Vec<u8>,
    /// Random password of the PKCS#12, carried in the profile's `Password` key.
    pub password: String,
    /// SHA-256 of the certificate's DER.
    pub fingerprint: [u8; 32],
    /// Serial number, hex.
    pub serial: String,
}

/// `n` random bytes from OpenSSL's generator, lowercase hex.
pub(crate) fn random_hex(n: usize) -> Result<String, BoxError> {
    let mut b = vec![0u8; n];
    openssl::rand::rand_bytes(&mut b)?;
    Ok(hex(&b))
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A random (version 4) UUID, uppercase as Apple writes them.
pub(crate) fn new_uuid() -> Result<String, BoxError> {
    let mut b = [0u8; 16];
    openssl::rand::rand_bytes(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b).to_uppercase();
    let part = |r: std::ops::Range<usize>| h.get(r).unwrap_or_default().to_owned();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    ))
}

fn ec_key() -> Result<PKey<Private>, BoxError> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    Ok(PKey::from_ec_key(EcKey::generate(&group)?)?)
}

/// A certificate for `key` named `cn`, issued by `issuer` (self-signed when `None`).
fn issue(
    cn: &str,
    key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
    ca: bool,
    client_auth: bool,
    days: u32,
) -> Result<X509, BoxError> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "mdmkit example server")?;
    name.append_entry_by_nid(Nid::COMMONNAME, cn)?;
    let name = name.build();
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(issuer.map_or(&*name, |(c, _)| c.subject_name()))?;
    b.set_pubkey(key)?;
    // An hour of slack for clocks that are slightly behind.
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)?
        .as_secs();
    let now = i64::try_from(now)?;
    let not_before = Asn1Time::from_unix(now - 3600)?;
    let not_after = Asn1Time::days_from_now(days)?;
    b.set_not_before(&not_before)?;
    b.set_not_after(&not_after)?;
    if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .digital_signature()
                .build()?,
        )?;
    } else {
        b.append_extension(BasicConstraints::new().critical().build()?)?;
        b.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
        if client_auth {
            b.append_extension(ExtendedKeyUsage::new().client_auth().build()?)?;
        }
    }
    let ski =
        SubjectKeyIdentifier::new().build(&b.x509v3_context(issuer.map(|(c, _)| &**c), None))?;
    b.append_extension(ski)?;
    if issuer.is_some() {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(issuer.map(|(c, _)| &**c), None))?;
        b.append_extension(aki)?;
    }
    b.sign(issuer.map_or(key, |(_, k)| k), MessageDigest::sha256())?;
    Ok(b.build())
}

fn read_pair(dir: &Path, name: &str) -> Result<Option<(X509, PKey<Private>)>, BoxError> {
    let (cert, key) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    if !cert.exists() || !key.exists() {
        return Ok(None);
    }
    let c =
        X509::from_pem(&std::fs::read(&cert)?).map_err(|e| format!("{}: {e}", cert.display()))?;
    let k = PKey::private_key_from_pem(&std::fs::read(&key)?)
        .map_err(|e| format!("{}: {e}", key.display()))?;
    Ok(Some((c, k)))
}

fn write_pair(dir: &Path, name: &str, cert: &X509, key: &PKey<Private>) -> Result<(), BoxError> {
    crate::write_private(
        &dir.join(format!("{name}.key")),
        &key.private_key_to_pem_pkcs8()?,
    )?;
    std::fs::write(dir.join(format!("{name}.pem")), cert.to_pem()?)?;
    Ok(())
}

impl Pki {
    /// Loads the PKI from `dir`, creating what is missing. Returns whether anything was created.
    pub(crate) fn load_or_create(dir: &Path) -> Result<(Pki, bool), BoxError> {
        let mut created = false;
        let (ca_cert, ca_key) = match read_pair(dir, "ca")? {
            Some(p) => p,
            None => {
                let key = ec_key()?;
                let cert = issue("mdmkit example device CA", &key, None, true, false, CA_DAYS)?;
                write_pair(dir, "ca", &cert, &key)?;
                created = true;
                (cert, key)
            }
        };
        let (signer_cert, signer_key) = match read_pair(dir, "profile-signer")? {
            Some(p) => p,
            None => {
                let key = ec_key()?;
                let cert = issue(
                    "mdmkit example profile signer",
                    &key,
                    Some((&ca_cert, &ca_key)),
                    false,
                    false,
                    CA_DAYS,
                )?;
                write_pair(dir, "profile-signer", &cert, &key)?;
                created = true;
                (cert, key)
            }
        };
        let ca = Certificate::from_der(&ca_cert.to_der()?)?;
        let profile_signer =
            Signer::from_der(&signer_cert.to_der()?, &signer_key.private_key_to_der()?)?
                .with_chain(vec![ca.clone()]);
        Ok((
            Pki {
                ca_cert,
                ca_key,
                ca,
                profile_signer,
            },
            created,
        ))
    }

    /// The policy every `Mdm-Signature` is verified under: chain to the CA at the current
    /// time; SHA-1 allowed because devices still sign with it.
    pub(crate) fn device_policy(&self) -> Policy {
        Policy::trust(TrustAnchors::new().with(self.ca.clone()), SystemTime::now()).allow_sha1(true)
    }

    /// Issues a device identity (EC P-256, client authentication) for one profile download.
    pub(crate) fn issue_device_identity(&self) -> Result<DeviceIdentity, BoxError> {
        let key = ec_key()?;
        let cn = format!("mdmkit device {}", new_uuid()?);
        let cert = issue(
            &cn,
            &key,
            Some((&self.ca_cert, &self.ca_key)),
            false,
            true,
            DEVICE_DAYS,
        )?;
        let password = random_hex(16)?;
        let mut ca_stack = openssl::stack::Stack::new()?;
        ca_stack.push(self.ca_cert.clone())?;
        let p12 = Pkcs12::builder()
            .name("mdmkit device identity")
            .pkey(&key)
            .cert(&cert)
            .ca(ca_stack)
            .build2(&password)?;
        let der = cert.to_der()?;
        let fingerprint = Certificate::from_der(&der)?.sha256_fingerprint();
        let serial = hex(&cert.serial_number().to_bn()?.to_vec());
        Ok(DeviceIdentity {
            pkcs12: p12.to_der()?,
            password,
            fingerprint,
            serial,
        })
    }
}
