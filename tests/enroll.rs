//! Enrollment profiles: the builder's cross-checks, each giving its own `BuildError`, and a
//! built profile that decodes back equal with the MDM payload linked to its identity.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::Bytes;
use mdmkit::BuildError;
use mdmkit::apple::enroll::{EnrollmentProfileBuilder, Identity, access_rights};
use mdmkit::apple::profile::{
    Mdm, MdmServerCapabilitiesItems, Payload, PayloadScope, Profile, SecurityAcme,
    SecurityAcmeKeyType, SecurityPem, SecurityPkcs12, SecurityRoot, SecurityScep,
    SecurityScepPayloadContent,
};

const SCEP_UUID: &str = "11111111-0000-4000-8000-000000000001";
const MDM_UUID: &str = "11111111-0000-4000-8000-000000000002";
const PROFILE_UUID: &str = "11111111-0000-4000-8000-000000000003";
const ROOT_UUID: &str = "11111111-0000-4000-8000-000000000004";
const TOPIC: &str = "com.apple.mgmt.External.00000000-1111-2222-3333-444444444444";

fn scep() -> SecurityScep {
    let mut c = SecurityScepPayloadContent::new();
    c.url = Some("https://mdm.example.com/scep".into());
    c.challenge = Some(mdmkit::Sensitive::new("secret".into()));
    c.keysize = Some(2048);
    c.subject = Some(vec![vec![vec!["CN".into(), "device".into()]]]);
    SecurityScep::new("com.example.enroll.scep", SCEP_UUID, c)
}

fn mdm() -> Mdm {
    let mut m = Mdm::new(
        "com.example.enroll.mdm",
        MDM_UUID,
        SCEP_UUID,
        TOPIC,
        "https://mdm.example.com/mdm",
    );
    m.check_in_url = Some("https://mdm.example.com/checkin".into());
    m.sign_message = Some(true);
    m.access_rights = Some(access_rights::ALL);
    m.check_out_when_removed = Some(true);
    m.server_capabilities = Some(vec![
        MdmServerCapabilitiesItems::PerUserConnections,
        MdmServerCapabilitiesItems::Bootstraptoken,
    ]);
    m
}

fn root() -> SecurityRoot {
    SecurityRoot::new(
        "com.example.enroll.root",
        ROOT_UUID,
        Bytes::from_static(b"0\x82\x01\x00 not a real certificate"),
    )
}

fn builder(mdm: Mdm) -> EnrollmentProfileBuilder {
    EnrollmentProfileBuilder::new("com.example.enroll", PROFILE_UUID, mdm)
}

#[test]
fn builds_and_reads_back() {
    let profile = builder(mdm())
        .identity(scep())
        .trust_anchor(root())
        .display_name("Example MDM")
        .organization("Example")
        .scope(PayloadScope::System)
        .build()
        .unwrap();
    let types: Vec<&str> = profile
        .payload_content
        .iter()
        .map(Payload::payload_type)
        .collect();
    assert_eq!(
        types,
        [
            "com.apple.security.root",
            "com.apple.security.scep",
            "com.apple.mdm"
        ]
    );
    let xml = profile.to_xml().unwrap();
    let text = String::from_utf8(xml.clone()).unwrap();
    assert!(text.contains("<key>IdentityCertificateUUID</key>"));
    assert!(text.contains("<key>ServerCapabilities</key>"));
    assert!(text.contains("<string>com.apple.mdm.per-user-connections</string>"));
    assert!(text.contains("<integer>8191</integer>"));
    let back = Profile::from_slice(&xml).unwrap();
    assert_eq!(back, profile);
    let Some(Payload::Mdm(m)) = back.payload_content.last() else {
        panic!("MDM payload last");
    };
    let Some(Payload::SecurityScep(s)) = back.payload_content.get(1) else {
        panic!("SCEP payload second");
    };
    assert_eq!(m.identity_certificate_uuid, s.payload_uuid);
    // The challenge is a secret: never printed.
    assert!(!format!("{back:?}").contains("secret"));
    back.validate().unwrap();
}

#[test]
fn acme_and_pkcs12_identities() {
    let acme = SecurityAcme::new(
        "com.example.enroll.acme",
        SCEP_UUID,
        "https://acme.example.com/directory",
        "client-1",
        384,
        SecurityAcmeKeyType::ECSECPrimeRandom,
        true,
        vec![vec![vec!["CN".into(), "device".into()]]],
    );
    let p = builder(mdm()).identity(acme).build().unwrap();
    assert_eq!(
        p.payload_content[0].payload_type(),
        "com.apple.security.acme"
    );

    let mut p12 = SecurityPkcs12::new(
        "com.example.enroll.p12",
        SCEP_UUID,
        Bytes::from_static(b"pkcs12 bytes"),
    );
    p12.password = Some(mdmkit::Sensitive::new("pw".into()));
    let id = Identity::from(p12);
    assert_eq!(id.uuid(), SCEP_UUID);
    let p = builder(mdm()).identity(id).build().unwrap();
    assert_eq!(
        p.payload_content[0].payload_type(),
        "com.apple.security.pkcs12"
    );
}

#[test]
fn identity_must_be_present_and_named() {
    match builder(mdm()).build() {
        Err(BuildError::IdentityNotFound { uuid }) => assert_eq!(uuid, SCEP_UUID),
        other => panic!("{other:?}"),
    }
    let mut other = scep();
    other.payload_uuid = "22222222-0000-4000-8000-000000000009".into();
    match builder(mdm()).identity(other).build() {
        Err(BuildError::IdentityNotFound { uuid }) => assert_eq!(uuid, SCEP_UUID),
        other => panic!("{other:?}"),
    }
}

#[test]
fn scep_identity_needs_a_url() {
    let mut s = scep();
    s.payload_content.url = None;
    match builder(mdm()).trust_anchor(root()).identity(s).build() {
        Err(BuildError::MissingKey { path }) => {
            assert_eq!(path, "PayloadContent[1].PayloadContent.URL");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn urls_must_be_https() {
    let mut m = mdm();
    m.server_url = "http://mdm.example.com/mdm".into();
    match builder(m).identity(scep()).build() {
        Err(BuildError::Invalid { path, .. }) => assert_eq!(path, "PayloadContent[1].ServerURL"),
        other => panic!("{other:?}"),
    }
    let mut m = mdm();
    m.check_in_url = Some("https://".into());
    match builder(m).identity(scep()).build() {
        Err(BuildError::Invalid { path, .. }) => assert_eq!(path, "PayloadContent[1].CheckInURL"),
        other => panic!("{other:?}"),
    }
    // Upper-case scheme is still https.
    let mut m = mdm();
    m.server_url = "HTTPS://mdm.example.com/mdm".into();
    builder(m).identity(scep()).build().unwrap();
}

#[test]
fn topic_must_be_a_push_topic() {
    let mut m = mdm();
    m.topic = "com.example.push".into();
    match builder(m).identity(scep()).build() {
        Err(BuildError::Invalid { path, .. }) => assert_eq!(path, "PayloadContent[1].Topic"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn access_rights_rules() {
    use access_rights as a;
    for bad in [
        0,
        a::ALL + 1,
        -1,
        a::PROFILE_INSTALL_REMOVE,
        a::PROVISIONING_PROFILE_INSTALL_REMOVE | a::PROFILE_INSPECTION,
    ] {
        let mut m = mdm();
        m.access_rights = Some(bad);
        match builder(m).identity(scep()).build() {
            Err(BuildError::Invalid { path, .. }) => {
                assert_eq!(path, "PayloadContent[1].AccessRights", "{bad}");
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    for good in [
        a::PROFILE_INSPECTION,
        a::PROFILE_INSPECTION | a::PROFILE_INSTALL_REMOVE,
        a::PROVISIONING_PROFILE_INSPECTION | a::PROVISIONING_PROFILE_INSTALL_REMOVE,
        a::ALL,
    ] {
        let mut m = mdm();
        m.access_rights = Some(good);
        builder(m).identity(scep()).build().unwrap();
    }
}

#[test]
fn pinning_uuids_name_certificate_payloads() {
    let mut m = mdm();
    m.server_url_pinning_certificate_uuids = Some(vec![ROOT_UUID.into()]);
    builder(m.clone())
        .identity(scep())
        .trust_anchor(root())
        .build()
        .unwrap();

    // A PEM certificate payload passed as another payload counts too.
    let pem_uuid = "11111111-0000-4000-8000-000000000005";
    m.check_in_url_pinning_certificate_uuids = Some(vec![pem_uuid.into()]);
    let pem = SecurityPem::new(
        "com.example.enroll.pem",
        pem_uuid,
        Bytes::from_static(b"-----BEGIN CERTIFICATE-----"),
    );
    builder(m.clone())
        .identity(scep())
        .trust_anchor(root())
        .payload(pem)
        .build()
        .unwrap();

    // Naming the identity (not a certificate payload) or nothing at all is refused.
    m.check_in_url_pinning_certificate_uuids = Some(vec![SCEP_UUID.into()]);
    match builder(m).identity(scep()).trust_anchor(root()).build() {
        Err(BuildError::CertificateNotFound { path, uuid }) => {
            assert_eq!(
                path,
                "PayloadContent[2].CheckInURLPinningCertificateUUIDs[0]"
            );
            assert_eq!(uuid, SCEP_UUID);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn profile_rules_still_apply() {
    // The anchor reuses the identity's PayloadUUID.
    let mut r = root();
    r.payload_uuid = SCEP_UUID.into();
    match builder(mdm()).identity(scep()).trust_anchor(r).build() {
        Err(BuildError::DuplicatePayloadUuid { uuid, path }) => {
            assert_eq!(uuid, SCEP_UUID);
            assert_eq!(path, "PayloadContent[1].PayloadUUID");
        }
        other => panic!("{other:?}"),
    }
    // The MDM payload is device-channel only on macOS: not in a User-scoped profile.
    match builder(mdm())
        .identity(scep())
        .scope(PayloadScope::User)
        .build()
    {
        Err(BuildError::WrongScope { payload_type, .. }) => {
            assert!(payload_type.starts_with("com.apple."), "{payload_type}");
        }
        other => panic!("{other:?}"),
    }
}
