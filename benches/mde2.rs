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
    // The whole enrollment answer: decode the RST envelope, parse and verify the CSR, issue
    // (P-256 CA), build the provisioning document and encode the RSTRC reply.
    let rst = rst_xml(&token);
    g.bench_function("rst_to_rstrc_p256_ca", |b| {
        b.iter(|| rst_to_rstrc(black_box(rst.as_bytes()), &p256, now, validity));
    });
    g.finish();
}

fn rst_xml(csr_b64: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512" xmlns:ac="http://schemas.xmlsoap.org/ws/2006/12/authorization"><s:Header><a:Action s:mustUnderstand="1">http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep</a:Action><a:MessageID>urn:uuid:11111111-2222-3333-4444-555555555555</a:MessageID><a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">https://mdm.example.test/EnrollmentServer/Enrollment.svc</a:To><wsse:Security s:mustUnderstand="1"><wsse:UsernameToken u:Id="uuid-1"><wsse:Username>alice@example.test</wsse:Username><wsse:Password wsse:Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">pa55</wsse:Password></wsse:UsernameToken></wsse:Security></s:Header><s:Body><wst:RequestSecurityToken><wst:TokenType>http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken</wst:TokenType><wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType><wsse:BinarySecurityToken ValueType="http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS10" EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary">{csr_b64}</wsse:BinarySecurityToken><ac:AdditionalContext xmlns="http://schemas.xmlsoap.org/ws/2006/12/authorization"><ac:ContextItem Name="DeviceID"><ac:Value>0123456789ABCDEF0123456789ABCDEF</ac:Value></ac:ContextItem><ac:ContextItem Name="EnrollmentType"><ac:Value>Full</ac:Value></ac:ContextItem></ac:AdditionalContext></wst:RequestSecurityToken></s:Body></s:Envelope>"#
    )
}

fn rst_to_rstrc(
    xml: &[u8],
    issuer: &Issuer,
    now: std::time::SystemTime,
    validity: Duration,
) -> String {
    use mdmkit::windows::enroll::provisioning::{
        AppAuth, CertStore, DmClientProvider, ProvisioningDoc, W7Application,
    };
    use mdmkit::windows::enroll::soap::Envelope;
    use mdmkit::windows::enroll::token::{
        RequestSecurityToken, RequestSecurityTokenResponseCollection,
    };
    let request = Envelope::<RequestSecurityToken>::from_xml(xml).unwrap();
    let rst = &request.body;
    let device_id = rst.device_id().unwrap();
    let csr = CertificateRequest::from_der(&rst.binary_security_token.data).unwrap();
    let cert = issuer
        .issue(
            &csr,
            &IssueParams::new(device_id, now, validity, [0x5a; 16]),
        )
        .unwrap();
    let mut app = W7Application::new(
        "MDMKIT",
        "https://mdm.example.test/ManagementServer/MDM.svc",
    );
    app.client_auth = Some(AppAuth::digest("server-secret", "bm9uY2U="));
    app.server_auth = Some(AppAuth::digest("device-secret", "bm9uY2U=").with_name(device_id));
    let doc = ProvisioningDoc::builder()
        .root_certificate(issuer.thumbprint(), issuer.certificate().der().to_vec())
        .client_certificate(CertStore::User, cert.thumbprint(), cert.der().to_vec())
        .application(app)
        .dm_client(DmClientProvider::new("MDMKIT"))
        .build()
        .unwrap();
    Envelope::reply(
        &request.header,
        RequestSecurityTokenResponseCollection::new(doc.to_xml().unwrap().into_bytes()),
    )
    .to_xml()
    .unwrap()
}

criterion_group!(benches, bench);
criterion_main!(benches);
