//! MS-MDE2 enrollment: discovery, the certificate enrollment policy, and enrollment proper
//! (OnPremise credentials, the device certificate, the provisioning document).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use mdmkit::Limits;
use mdmkit::windows::enroll::certificate::{CertificateRequest, IssueParams};
use mdmkit::windows::enroll::discovery::{DiscoverRequest, DiscoverResponse};
use mdmkit::windows::enroll::policy::{GetPolicies, GetPoliciesResponse};
use mdmkit::windows::enroll::provisioning::{
    AppAuth, CertStore, DmClientProvider, ProvisioningDoc, W7Application,
};
use mdmkit::windows::enroll::soap::{
    AuthPolicy, Body, Credentials, Envelope, Fault, FaultCode, FaultSubcode, Header,
};
use mdmkit::windows::enroll::token::{
    RequestSecurityToken, RequestSecurityTokenResponseCollection,
};

use crate::secrets::{self, ct_eq, hex};
use crate::store::NewDevice;
use crate::{App, ENROLLMENT_PATH, MANAGEMENT_PATH, MAX_BODY, POLICY_PATH, PROVIDER_ID};

/// The content type of every SOAP reply.
const SOAP: &str = "application/soap+xml; charset=utf-8";
/// Validity of the device certificates (the policy's `validityPeriodSeconds`).
const VALIDITY: Duration = Duration::from_secs(365 * 86_400);
/// When Windows starts renewing (the policy's `renewalPeriodSeconds`).
const RENEWAL: Duration = Duration::from_secs(42 * 86_400);

/// Limits for the SOAP decoders: enrollment messages are a few KiB.
fn limits() -> Limits {
    Limits::DEFAULT
        .with_max_input_bytes(MAX_BODY)
        .with_max_items(10_000)
        .with_max_depth(24)
        .with_max_string_bytes(256 * 1024)
}

fn soap_reply<B: Body>(status: StatusCode, envelope: &Envelope<B>) -> Response {
    match envelope.to_xml() {
        Ok(xml) => (status, [(header::CONTENT_TYPE, SOAP)], xml).into_response(),
        Err(e) => {
            eprintln!("enrollment: encoding a reply: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A SOAP fault, with the HTTP status of SOAP 1.2's HTTP binding: 400 for `s:Sender`, 500
/// otherwise.
fn fault(request: &Header, fault: Fault) -> Response {
    let status = if fault.code == FaultCode::Sender {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    soap_reply(status, &Envelope::reply(request, fault))
}

fn sender(request: &Header, subcode: FaultSubcode, reason: &str) -> Response {
    fault(request, Fault::new(FaultCode::Sender, subcode, reason))
}

fn receiver(request: &Header, subcode: FaultSubcode, reason: &str) -> Response {
    fault(request, Fault::new(FaultCode::Receiver, subcode, reason))
}

/// A body that does not decode: logged, answered with a `MessageFormat` fault and HTTP 400.
fn undecodable(what: &str, e: &mdmkit::DecodeError) -> Response {
    eprintln!("{what}: refused: {e}");
    sender(
        &Header::default(),
        FaultSubcode::MessageFormat,
        "The message could not be read",
    )
}

/// Checks the OnPremise user name and password of a policy or enrollment request.
fn check_credentials(app: &App, h: &Header, what: &str) -> Result<String, Box<Response>> {
    match h.credentials(&AuthPolicy::OnPremise) {
        Ok(Credentials::UsernamePassword { username, password }) => {
            // Both comparisons always run, so timing does not tell which one failed.
            let user_ok = ct_eq(username.as_bytes(), app.username.as_bytes());
            let pass_ok = ct_eq(password.expose().as_bytes(), app.password.as_bytes());
            if user_ok & pass_ok {
                Ok(username.to_owned())
            } else {
                eprintln!("{what}: wrong user name or password");
                Err(Box::new(sender(
                    h,
                    FaultSubcode::Authentication,
                    "The user name or password is not correct",
                )))
            }
        }
        Ok(_) => Err(Box::new(sender(
            h,
            FaultSubcode::Authentication,
            "OnPremise credentials are required",
        ))),
        Err(e) => {
            eprintln!("{what}: {e}");
            Err(Box::new(fault(h, e.fault())))
        }
    }
}

/// `GET /EnrollmentServer/Discovery.svc`: Windows checks the URL answers before it posts.
pub async fn discovery_get() -> StatusCode {
    StatusCode::OK
}

/// `POST /EnrollmentServer/Discovery.svc`.
pub async fn discovery_post(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let request = match DiscoverRequest::from_http_body_with_limits(&body, &limits()) {
        // An empty POST (some proxies, Autopilot): answered like the GET.
        Ok(None) => return StatusCode::OK.into_response(),
        Ok(Some(r)) => r,
        Err(e) => return undecodable("discovery", &e),
    };
    if !request.body.auth_policies.is_empty() && !request.body.supports(&AuthPolicy::OnPremise) {
        return sender(
            &request.header,
            FaultSubcode::Authorization,
            "This server offers the OnPremise authentication policy only",
        );
    }
    let mut answer = DiscoverResponse::new(AuthPolicy::OnPremise, app.url(ENROLLMENT_PATH));
    answer.enrollment_version = Some(
        request
            .body
            .request_version
            .clone()
            .unwrap_or_else(|| "4.0".to_owned()),
    );
    answer.enrollment_policy_service_url = Some(app.url(POLICY_PATH));
    soap_reply(StatusCode::OK, &Envelope::reply(&request.header, answer))
}

/// `POST /EnrollmentServer/Policy.svc`.
pub async fn policy(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let request = match Envelope::<GetPolicies>::from_xml_with_limits(&body, &limits()) {
        Ok(r) => r,
        Err(e) => return undecodable("policy", &e),
    };
    if let Err(r) = check_credentials(&app, &request.header, "policy") {
        return *r;
    }
    let answer =
        GetPoliciesResponse::standard("mdmkit example", VALIDITY.as_secs(), RENEWAL.as_secs());
    soap_reply(StatusCode::OK, &Envelope::reply(&request.header, answer))
}

/// A DeviceID this server is willing to store and put in a certificate.
fn valid_device_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.{}".contains(&b))
}

/// `POST /EnrollmentServer/Enrollment.svc`.
pub async fn enrollment(State(app): State<Arc<App>>, body: Bytes) -> Response {
    // RSA signing and SQLite: off the async workers.
    tokio::task::spawn_blocking(move || enroll(&app, &body))
        .await
        .unwrap_or_else(|e| {
            eprintln!("enrollment: handler task: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        })
}

fn enroll(app: &App, body: &[u8]) -> Response {
    let request = match Envelope::<RequestSecurityToken>::from_xml_with_limits(body, &limits()) {
        Ok(r) => r,
        Err(e) => return undecodable("enrollment", &e),
    };
    let h = &request.header;
    let username = match check_credentials(app, h, "enrollment") {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let rst = &request.body;
    if rst.is_renewal() || !rst.binary_security_token.value_type.is_pkcs10() {
        return sender(
            h,
            FaultSubcode::CertificateRequest,
            "This server accepts new enrollments with a PKCS#10 request only",
        );
    }
    let Some(device_id) = rst.device_id().filter(|id| valid_device_id(id)) else {
        eprintln!("enrollment: missing or unusable DeviceID");
        return sender(
            h,
            FaultSubcode::MessageFormat,
            "The DeviceID context item is missing or not usable",
        );
    };
    let csr = match CertificateRequest::from_der(&rst.binary_security_token.data) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("enrollment {device_id}: certificate request: {e}");
            return sender(
                h,
                FaultSubcode::CertificateRequest,
                "The certificate request could not be read",
            );
        }
    };
    let (serial, device_secret, server_secret, nonce, server_nonce) = match (
        secrets::random::<16>(),
        secrets::random::<24>(),
        secrets::random::<24>(),
        secrets::random::<16>(),
        secrets::random::<16>(),
    ) {
        (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)) => (a, hex(&b), hex(&c), d, e),
        _ => {
            eprintln!("enrollment: no randomness");
            return receiver(h, FaultSubcode::EnrollmentServer, "Internal error");
        }
    };
    let params = IssueParams::new(device_id, SystemTime::now(), VALIDITY, serial);
    let cert = match app.issuer.issue(&csr, &params) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("enrollment {device_id}: issuing: {e}");
            return sender(
                h,
                FaultSubcode::CertificateRequest,
                "No certificate can be issued for this request",
            );
        }
    };
    let store = if rst.enrollment_type() == Some("Device") {
        CertStore::System
    } else {
        CertStore::User
    };
    let mut w7 = W7Application::new(PROVIDER_ID, app.url(MANAGEMENT_PATH));
    w7.name = Some("mdmkit example".to_owned());
    // CLIENT: how this server proves itself to the device; APPSRV: how the device proves
    // itself to this server (MD5 digest over the nonce this server sends).
    w7.client_auth = Some(AppAuth::digest(
        server_secret.clone(),
        B64.encode(server_nonce),
    ));
    w7.server_auth =
        Some(AppAuth::digest(device_secret.clone(), B64.encode(nonce)).with_name(device_id));
    let mut provider = DmClientProvider::new(PROVIDER_ID);
    provider.ent_dm_id = Some(device_id.to_owned());
    let mut builder = ProvisioningDoc::builder()
        .root_certificate(
            app.issuer.thumbprint(),
            app.issuer.certificate().der().to_vec(),
        )
        .client_certificate(store, cert.thumbprint(), cert.der().to_vec())
        .application(w7)
        .dm_client(provider);
    if app.public_url.starts_with("http://") {
        builder = builder.danger_allow_http_addr();
    }
    let doc = match builder
        .build()
        .map_err(mdmkit::Error::from)
        .and_then(|d| d.to_xml().map_err(mdmkit::Error::from))
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("enrollment {device_id}: provisioning document: {e}");
            return receiver(h, FaultSubcode::EnrollmentServer, "Internal error");
        }
    };
    let saved = app.store().upsert_device(&NewDevice {
        device_id,
        enrolled_by: &username,
        enrollment_type: rst.enrollment_type(),
        device_name: rst.device_name(),
        os_version: rst.os_version(),
        hw_dev_id: rst.hw_dev_id(),
        cert_thumbprint: cert.thumbprint(),
        cert_der: cert.der(),
        digest_name: device_id,
        digest_secret: &device_secret,
        server_secret: &server_secret,
        nonce: &nonce,
    });
    if let Err(e) = saved {
        eprintln!("enrollment {device_id}: database: {e}");
        return receiver(h, FaultSubcode::EnrollmentServer, "Internal error");
    }
    eprintln!(
        "enrollment: {device_id} enrolled by {username}, certificate {}",
        cert.thumbprint()
    );
    soap_reply(
        StatusCode::OK,
        &Envelope::reply(
            h,
            RequestSecurityTokenResponseCollection::new(doc.into_bytes()),
        ),
    )
}
