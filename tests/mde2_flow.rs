//! A whole MS-MDE2 enrollment driven through mdmkit's public API, as a server would: decode the
//! device's `RequestSecurityToken`, take the OnPremise credentials, verify and answer its CSR
//! with a certificate from the server's CA, build the provisioning document (CA and client
//! certificate, w7 application with MD5 digest credentials, DMClient provider), wrap it in the
//! `RequestSecurityTokenResponseCollection` reply, and read everything back with mdmkit's own
//! decoders and the `openssl` CLI. With `MDMKIT_CORPUS`, the same for the real Windows 10
//! request captured by fleet.
#![cfg(all(feature = "windows", feature = "cms"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, SystemTime};

use mdmkit::cms::Signer;
use mdmkit::windows::enroll::certificate::{CertificateRequest, IssueParams, Issuer};
use mdmkit::windows::enroll::provisioning::{
    AppAuth, CertStore, DmClientProvider, ProvisioningDoc, W7Application,
};
use mdmkit::windows::enroll::soap::{AuthPolicy, Credentials, Envelope};
use mdmkit::windows::enroll::token::{
    RequestSecurityToken, RequestSecurityTokenResponseCollection,
};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509NameBuilder, X509Req};

const PROVIDER: &str = "MDMKIT-TEST";

/// A device request as Windows writes it (layout of the fleet capture, our own identifiers),
/// around a PKCS#10 made with openssl.
fn device_request(csr_b64: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512" xmlns:ac="http://schemas.xmlsoap.org/ws/2006/12/authorization">
  <s:Header>
    <a:Action s:mustUnderstand="1">http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep</a:Action>
    <a:MessageID>urn:uuid:11111111-2222-3333-4444-555555555555</a:MessageID>
    <a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>
    <a:To s:mustUnderstand="1">https://mdm.example.test/EnrollmentServer/Enrollment.svc</a:To>
    <wsse:Security s:mustUnderstand="1">
      <wsse:UsernameToken u:Id="uuid-1">
        <wsse:Username>alice@example.test</wsse:Username>
        <wsse:Password wsse:Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">pa55</wsse:Password>
      </wsse:UsernameToken>
    </wsse:Security>
  </s:Header>
  <s:Body>
    <wst:RequestSecurityToken>
      <wst:TokenType>http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken</wst:TokenType>
      <wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType>
      <wsse:BinarySecurityToken ValueType="http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS10" EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary">{csr_b64}</wsse:BinarySecurityToken>
      <ac:AdditionalContext xmlns="http://schemas.xmlsoap.org/ws/2006/12/authorization">
        <ac:ContextItem Name="DeviceID"><ac:Value>0123456789ABCDEF0123456789ABCDEF</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="MAC"><ac:Value>00-11-22-33-44-55</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="MAC"><ac:Value>00-11-22-33-44-66</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="EnrollmentType"><ac:Value>Full</ac:Value></ac:ContextItem>
      </ac:AdditionalContext>
    </wst:RequestSecurityToken>
  </s:Body>
</s:Envelope>"#
    )
}

fn openssl_csr() -> String {
    use base64::Engine as _;
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, "device").unwrap();
    let mut req = X509Req::builder().unwrap();
    req.set_subject_name(&name.build()).unwrap();
    req.set_pubkey(&key).unwrap();
    req.sign(&key, MessageDigest::sha256()).unwrap();
    base64::engine::general_purpose::STANDARD.encode(req.build().to_der().unwrap())
}

fn ca() -> Issuer {
    let (cert, key) = mdmkit::cms::doc_support::ca().unwrap();
    Issuer::new(Signer::from_pem(cert.as_bytes(), key.as_bytes()).unwrap()).unwrap()
}

/// The server's side of the enrollment; returns the reply XML and the issued certificate DER.
fn enroll(request_xml: &[u8], issuer: &Issuer, now: SystemTime) -> (String, Vec<u8>, String) {
    let request = Envelope::<RequestSecurityToken>::from_xml(request_xml).unwrap();
    // OnPremise (username + password), or Federated (a token from the STS) as in the 19045
    // capture.
    match request.header.credentials(&AuthPolicy::OnPremise) {
        Ok(Credentials::UsernamePassword { username, .. }) => assert!(!username.is_empty()),
        Ok(other) => panic!("unexpected {other:?}"),
        Err(_) => assert!(matches!(
            request.header.credentials(&AuthPolicy::Federated),
            Ok(Credentials::FederatedToken(_))
        )),
    }
    let rst = &request.body;
    assert!(rst.binary_security_token.value_type.is_pkcs10());
    let device_id = rst.device_id().unwrap().to_owned();
    let csr = CertificateRequest::from_der(&rst.binary_security_token.data).unwrap();
    csr.verify_signature().unwrap();
    let params = IssueParams::new(
        device_id.clone(),
        now,
        Duration::from_secs(365 * 86_400),
        [0x42; 16],
    );
    let cert = issuer.issue(&csr, &params).unwrap();
    let store = if rst.enrollment_type() == Some("Device") {
        CertStore::System
    } else {
        CertStore::User
    };
    let mut app = W7Application::new(
        PROVIDER,
        "https://mdm.example.test/ManagementServer/MDM.svc",
    );
    app.client_auth = Some(AppAuth::digest("server-secret", "c2VydmVyLW5vbmNl"));
    app.server_auth =
        Some(AppAuth::digest("device-secret", "ZGV2aWNlLW5vbmNl").with_name(device_id.clone()));
    let doc = ProvisioningDoc::builder()
        .root_certificate(issuer.thumbprint(), issuer.certificate().der().to_vec())
        .client_certificate(store, cert.thumbprint(), cert.der().to_vec())
        .application(app)
        .dm_client(DmClientProvider::new(PROVIDER))
        .build()
        .unwrap();
    let reply = Envelope::reply(
        &request.header,
        RequestSecurityTokenResponseCollection::new(doc.to_xml().unwrap().into_bytes()),
    );
    (
        reply.to_xml().unwrap(),
        cert.der().to_vec(),
        cert.thumbprint().to_owned(),
    )
}

fn check_reply(
    reply_xml: &str,
    issuer: &Issuer,
    cert_der: &[u8],
    thumbprint: &str,
    message_id: &str,
) {
    let reply =
        Envelope::<RequestSecurityTokenResponseCollection>::from_xml(reply_xml.as_bytes()).unwrap();
    assert_eq!(reply.header.relates_to.as_deref(), Some(message_id));
    let doc_bytes = reply.body.provisioning_document().unwrap();
    let doc = ProvisioningDoc::from_xml(doc_bytes).unwrap();
    let roots = doc.root_certificates().unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].thumbprint, issuer.thumbprint());
    let client = doc.client_certificate().unwrap().unwrap();
    assert_eq!(client.thumbprint, thumbprint);
    assert_eq!(client.der, cert_der);
    let app = doc.application_w7().unwrap().unwrap();
    assert_eq!(app.provider_id, PROVIDER);
    assert!(doc.dm_client_provider(PROVIDER).unwrap().is_some());
    // The issued certificate verifies against the CA with the openssl CLI.
    let dir = std::env::temp_dir().join(format!("mdmkit-flow-{}-{thumbprint}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = |der: &[u8]| {
        openssl::x509::X509::from_der(der)
            .unwrap()
            .to_pem()
            .unwrap()
    };
    std::fs::write(dir.join("ca.pem"), pem(issuer.certificate().der())).unwrap();
    std::fs::write(dir.join("cert.pem"), pem(cert_der)).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["verify", "-purpose", "sslclient", "-CAfile"])
        .arg(dir.join("ca.pem"))
        .arg(dir.join("cert.pem"))
        .output()
        .expect("the openssl CLI (CI installs it)");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn enrollment_from_request_to_provisioning_document() {
    let issuer = ca();
    let now = SystemTime::now();
    let request = device_request(&openssl_csr());
    let (reply, der, thumb) = enroll(request.as_bytes(), &issuer, now);
    check_reply(
        &reply,
        &issuer,
        &der,
        &thumb,
        "urn:uuid:11111111-2222-3333-4444-555555555555",
    );
}

#[test]
fn real_windows_request_from_the_corpus() {
    let Some(dir) = std::env::var_os("MDMKIT_CORPUS") else {
        println!("MDMKIT_CORPUS not set: real-request enrollment skipped");
        return;
    };
    let dir = std::path::PathBuf::from(dir).join("files");
    let issuer = ca();
    for (file, message_id) in [
        (
            "fleet-dump-rst-req.xml",
            "urn:uuid:0d5a1441-5891-453b-becf-a2e5f6ea3749",
        ),
        (
            "fleet-test-rst-req-19045.xml",
            "urn:uuid:0d5a1441-5891-453b-becf-a2e5f6ea3749",
        ),
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let (reply, der, thumb) = enroll(&bytes, &issuer, SystemTime::now());
        check_reply(&reply, &issuer, &der, &thumb, message_id);
        println!("{file}: enrolled, certificate {thumb}");
    }
}
