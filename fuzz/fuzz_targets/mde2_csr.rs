//! MS-MDE2 certificate requests on arbitrary bytes: `CertificateRequest::from_der` (and
//! `from_base64` of the same bytes), `verify_signature`, and issuance of what verifies. Never a
//! panic, and: base64 and DER give the same answer; an accepted request's parts are slices of
//! the input with the right outer tags; the verification result is stable (remembered); a
//! common name is its raw form minus trailing NULs; a request that verifies is issued (unless
//! its RSA key is under 2048 bits) into a certificate that certifies exactly its key and
//! carries its DeviceID extension value.

#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use mdmkit::cms::Signer;
use mdmkit::windows::enroll::certificate::{
    CertificateRequest, CsrError, IssueError, IssueParams, Issuer,
};
use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

fn issuer() -> &'static Issuer {
    static ISSUER: OnceLock<Issuer> = OnceLock::new();
    ISSUER.get_or_init(|| {
        let (cert, key) = mdmkit::cms::doc_support::ca().expect("throwaway CA");
        Issuer::new(Signer::from_pem(cert.as_bytes(), key.as_bytes()).expect("signer"))
            .expect("issuer")
    })
}

fn same(a: &Result<CertificateRequest, CsrError>, b: &Result<CertificateRequest, CsrError>) {
    match (a, b) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(format!("{a}"), format!("{b}")),
        _ => panic!("der and base64 disagree: {a:?} / {b:?}"),
    }
}

fn within(outer: &[u8], inner: &[u8]) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    i >= o && i + inner.len() <= o + outer.len()
}

fuzz_target!(|data: &[u8]| {
    let parsed = CertificateRequest::from_der(data);
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    same(&parsed, &CertificateRequest::from_base64(&b64));
    let Ok(csr) = parsed else { return };

    assert_eq!(csr.der().as_ref(), data);
    assert!(within(csr.der(), csr.subject_der()));
    assert!(within(csr.der(), csr.public_key_info_der()));
    assert_eq!(csr.subject_der().first(), Some(&0x30));
    assert_eq!(csr.public_key_info_der().first(), Some(&0x30));
    if let Some(raw) = csr.common_name_raw() {
        assert_eq!(
            csr.common_name().as_deref(),
            Some(raw.trim_end_matches('\0'))
        );
    } else {
        assert!(csr.common_name().is_none());
    }
    if let Some(id) = csr.device_id_str() {
        assert!(
            csr.device_id()
                .is_some_and(|raw| raw.starts_with(id.as_bytes()))
        );
    }
    let _ = format!("{csr:?}");

    let first = csr.verify_signature();
    assert_eq!(
        format!("{first:?}"),
        format!("{:?}", csr.verify_signature())
    );
    if first.is_err() {
        return;
    }
    let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let params = IssueParams::new("FUZZ", now, Duration::from_secs(86_400), [0xa5; 16]);
    match issuer().issue(&csr, &params) {
        Ok(issued) => {
            assert_eq!(issued.certificate().not_before(), now);
            assert!(
                issued
                    .der()
                    .windows(csr.public_key_info_der().len())
                    .any(|w| w == csr.public_key_info_der())
            );
            if let Some(id) = csr.device_id() {
                assert!(issued.der().windows(id.len()).any(|w| w == id));
            }
        }
        Err(IssueError::WeakKey { .. }) => {}
        Err(e) => panic!("a verified request was not issued: {e:?}"),
    }
});
