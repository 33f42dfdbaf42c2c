//! CMS verification on arbitrary bytes (DER or BER; the BER normaliser runs first on every
//! input): `verify_attached`, `verify_detached` (over the body the seeds sign) and `inspect`,
//! with a signature-only policy that accepts SHA-1 and with a trust policy. Never a panic, and:
//! whatever the trust policy accepts, the signature-only policy accepts too, with the same
//! signer and content; an accepted signature's signer is one of its included certificates and
//! what `inspect` names; the chain starts at the signer.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mdmkit::cms::{self, Certificate, CmsLimits, Policy, TrustAnchors, Verified};
use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

/// The body `make_cms_seeds.py` signs detached.
const BODY: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict><key>Status</key><string>Idle</string></dict></plist>\n";

fn trust() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let root = Certificate::from_pem(include_bytes!("../fixtures/cms_root.pem"))
            .expect("fixtures/cms_root.pem");
        // 2030-01-01, inside the seeds' validity.
        let now = UNIX_EPOCH + Duration::from_secs(1_893_456_000);
        Policy::trust(TrustAnchors::new().with(root), now)
    })
}

fn check(data: &[u8], v: &Verified, lenient: &Result<Verified, cms::VerifyError>) {
    assert!(v.certificates().contains(v.signer()));
    assert_eq!(v.chain().first(), Some(v.signer()));
    let info =
        cms::inspect(data, &CmsLimits::default()).expect("inspect accepts what verify accepts");
    assert_eq!(info.signer(), Some(v.signer()));
    if let Ok(l) = lenient {
        assert_eq!(l.signer(), v.signer());
        assert_eq!(l.content(), v.content());
    }
}

fuzz_target!(|data: &[u8]| {
    let lenient = Policy::signature_only().allow_sha1(true);
    let trusting = trust().clone().allow_sha1(true);

    let attached = cms::verify_attached(data, &lenient);
    if let Ok(v) = &attached {
        check(data, v, &Ok(v.clone()));
        assert!(!v.is_trusted());
    }
    if let Ok(v) = cms::verify_attached(data, &trusting) {
        assert!(attached.is_ok(), "trusted but not signature-only");
        assert!(v.is_trusted());
        check(data, &v, &attached);
    }

    let detached = cms::verify_detached(data, BODY, &lenient);
    if let Ok(v) = &detached {
        assert_eq!(v.content().as_ref(), BODY);
        check(data, v, &Ok(v.clone()));
    }
    if let Ok(v) = cms::verify_detached(data, BODY, &trusting) {
        assert!(detached.is_ok(), "trusted but not signature-only");
        check(data, &v, &detached);
    }
    // A default policy (no SHA-1) never accepts what the lenient one refuses.
    if cms::verify_detached(data, BODY, trust()).is_ok() {
        assert!(detached.is_ok());
    }
    let _ = cms::inspect(data, &CmsLimits::default());
});
