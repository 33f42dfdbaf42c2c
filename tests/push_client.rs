//! End to end: the `apns_push` example against a mock APNs server on 127.0.0.1 (TLS with a
//! throwaway CA made here, client certificate required and checked, ALPN h2, hyper's HTTP/2
//! server). The mock checks each request (method, path, headers, body, the client certificate's
//! UID) and answers per device token: 200, 400 BadDeviceToken, 410 Unregistered, 429
//! TooManyRequests. Each case runs the real example binary and checks its JSON line, its exit
//! status and what the mock received.
#![cfg(all(feature = "apple", feature = "cms", feature = "http"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/test_pki.rs"]
mod test_pki;
use test_pki::{cert, key};

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{self, AlpnError, Ssl, SslAcceptor, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use tokio::net::TcpListener;

const TOPIC: &str = "com.apple.mgmt.External.2a5e5c1f-3c4b-4f0e-9d1a-6b7c8d9e0f10";
const MAGIC: &str = "8E1A4B7C-5D2F-4A3B-9C6D-0E1F2A3B4C5D";
const TOKEN_OK: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
const TOKEN_BAD: &str = "0000000000000000000000000000000000000000000000000000000000000bad";
const TOKEN_GONE: &str = "00000000000000000000000000000000000000000000000000000000000000dd";
const TOKEN_BUSY: &str = "0000000000000000000000000000000000000000000000000000000000000429";
const GONE_AT_MS: u64 = 1_767_225_600_123;
const APNS_ID: &str = "7d0a8a2c-1f3e-4b5c-9d6e-0f1a2b3c4d5e";

/// One request as the mock saw it.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    version: hyper::Version,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    client_subject_uid: Option<String>,
}

struct Mock {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    dir: PathBuf,
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mdmkit-push-client-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn answer(status: u16, apns_id: &str, body: &str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("apns-id", apns_id)
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap()
}

async fn handle(
    req: Request<hyper::body::Incoming>,
    uid: Option<String>,
    received: Arc<Mutex<Vec<Received>>>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.unwrap().to_bytes().to_vec();
    let headers = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let apns_id = parts
        .headers
        .get("apns-id")
        .map_or("11111111-2222-4333-8444-555555555555", |v| {
            v.to_str().unwrap()
        })
        .to_owned();
    let path = parts.uri.path().to_owned();
    received.lock().unwrap().push(Received {
        method: parts.method.to_string(),
        path: path.clone(),
        version: parts.version,
        headers,
        body,
        client_subject_uid: uid,
    });
    let token = path.strip_prefix("/3/device/").unwrap_or("");
    Ok(match token {
        TOKEN_OK => answer(200, &apns_id, ""),
        TOKEN_BAD => answer(400, &apns_id, r#"{"reason":"BadDeviceToken"}"#),
        TOKEN_GONE => answer(
            410,
            &apns_id,
            &format!(r#"{{"reason":"Unregistered","timestamp":{GONE_AT_MS}}}"#),
        ),
        TOKEN_BUSY => answer(429, &apns_id, r#"{"reason":"TooManyRequests"}"#),
        _ => answer(400, &apns_id, r#"{"reason":"MissingDeviceToken"}"#),
    })
}

struct Pki {
    ca: X509,
    ca_key: PKey<Private>,
    client_cert: X509,
    client_key: PKey<Private>,
}

async fn start_mock(pki: &Pki) -> Mock {
    let server_key = key();
    let server_cert = cert(
        &[(Nid::COMMONNAME, "mock apns")],
        &server_key,
        Some((&pki.ca, &pki.ca_key)),
        false,
        true,
    );
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
    acceptor.set_private_key(&server_key).unwrap();
    acceptor.set_certificate(&server_cert).unwrap();
    acceptor.cert_store_mut().add_cert(pki.ca.clone()).unwrap();
    acceptor.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    acceptor.set_alpn_select_callback(|_, client| {
        ssl::select_next_proto(b"\x02h2", client).ok_or(AlpnError::ALERT_FATAL)
    });
    let acceptor = acceptor.build();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let rec = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let ssl = Ssl::new(acceptor.context()).unwrap();
            let rec = rec.clone();
            tokio::spawn(async move {
                let mut stream = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
                if Pin::new(&mut stream).accept().await.is_err() {
                    return; // the client refused us (untrusted), or presented no certificate
                }
                assert_eq!(stream.ssl().selected_alpn_protocol(), Some(&b"h2"[..]));
                let uid = stream.ssl().peer_certificate().and_then(|c| {
                    c.subject_name()
                        .entries_by_nid(Nid::USERID)
                        .next()
                        .map(|e| e.data().to_string().unwrap())
                });
                let service = service_fn(move |req| handle(req, uid.clone(), rec.clone()));
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Mock {
        port,
        received,
        dir: temp_dir(),
    }
}

fn make_pki() -> Pki {
    let ca_key = key();
    let ca = cert(
        &[(Nid::COMMONNAME, "mock apns CA")],
        &ca_key,
        None,
        true,
        false,
    );
    let client_key = key();
    let client_cert = cert(
        &[
            (Nid::USERID, TOPIC),
            (Nid::COMMONNAME, "APSP:2a5e5c1f-3c4b-4f0e-9d1a-6b7c8d9e0f10"),
        ],
        &client_key,
        Some((&ca, &ca_key)),
        false,
        false,
    );
    Pki {
        ca,
        ca_key,
        client_cert,
        client_key,
    }
}

fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().unwrap().parent().unwrap();
    let bin = debug.join("examples").join("apns_push");
    assert!(bin.exists(), "build the example first: {}", bin.display());
    bin
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p.to_str().unwrap().to_owned()
}

struct Run {
    code: i32,
    json: serde_json::Value,
}

async fn run(args: &[&str]) -> Run {
    let out = tokio::process::Command::new(example_binary())
        .args(args)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout.lines().next().unwrap_or_else(|| {
        panic!(
            "no output; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Run {
        code: out.status.code().unwrap(),
        json: serde_json::from_str(line).unwrap(),
    }
}

struct Setup {
    mock: Mock,
    cert: String,
    key: String,
    p12: String,
    ca: String,
    url: String,
}

async fn setup() -> Setup {
    let pki = make_pki();
    let mock = start_mock(&pki).await;
    let cert = write(&mock.dir, "push.pem", &pki.client_cert.to_pem().unwrap());
    let key = write(
        &mock.dir,
        "push.key",
        &pki.client_key.private_key_to_pem_pkcs8().unwrap(),
    );
    let p12 = Pkcs12::builder()
        .name("push")
        .pkey(&pki.client_key)
        .cert(&pki.client_cert)
        .build2("s3cret")
        .unwrap();
    let p12 = write(&mock.dir, "push.p12", &p12.to_der().unwrap());
    let ca = write(&mock.dir, "ca.pem", &pki.ca.to_pem().unwrap());
    let url = format!("https://127.0.0.1:{}", mock.port);
    Setup {
        mock,
        cert,
        key,
        p12,
        ca,
        url,
    }
}

impl Setup {
    fn pem_args<'a>(&'a self, token: &'a str) -> Vec<&'a str> {
        vec![
            "--cert",
            &self.cert,
            "--key",
            &self.key,
            "--token",
            token,
            "--magic",
            MAGIC,
            "--url",
            &self.url,
            "--ca-file",
            &self.ca,
        ]
    }

    fn received(&self) -> Vec<Received> {
        self.mock.received.lock().unwrap().clone()
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.mock.dir);
    }
}

fn header<'a>(r: &'a Received, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The request the mock received is exactly the MDM push mdmkit describes.
fn check_request(r: &Received, token: &str) {
    assert_eq!(r.method, "POST");
    assert_eq!(r.version, hyper::Version::HTTP_2);
    assert_eq!(r.path, format!("/3/device/{token}"));
    assert_eq!(header(r, "apns-push-type"), Some("mdm"));
    assert_eq!(header(r, "apns-topic"), Some(TOPIC));
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body, serde_json::json!({ "mdm": MAGIC }));
    assert_eq!(r.client_subject_uid.as_deref(), Some(TOPIC));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivered_with_topic_from_certificate() {
    let s = setup().await;
    let mut args = s.pem_args(TOKEN_OK);
    args.extend([
        "--priority",
        "10",
        "--expiration",
        "1800000000",
        "--apns-id",
        APNS_ID,
    ]);
    let r = run(&args).await;
    assert_eq!(r.code, 0, "{}", r.json);
    assert_eq!(r.json["outcome"], "delivered");
    assert_eq!(r.json["status"], 200);
    assert_eq!(r.json["action"], "done");
    assert_eq!(r.json["apns_id"], APNS_ID);
    let rec = s.received();
    assert_eq!(rec.len(), 1);
    check_request(&rec[0], TOKEN_OK);
    assert_eq!(header(&rec[0], "apns-priority"), Some("10"));
    assert_eq!(header(&rec[0], "apns-expiration"), Some("1800000000"));
    assert_eq!(header(&rec[0], "apns-id"), Some(APNS_ID));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivered_with_pkcs12_identity() {
    let s = setup().await;
    let r = run(&[
        "--p12",
        &s.p12,
        "--password",
        "s3cret",
        "--token",
        TOKEN_OK,
        "--magic",
        MAGIC,
        "--url",
        &s.url,
        "--ca-file",
        &s.ca,
    ])
    .await;
    assert_eq!(r.code, 0, "{}", r.json);
    assert_eq!(r.json["outcome"], "delivered");
    // APNs makes up an apns-id when the request has none; the mock does too.
    assert_eq!(r.json["apns_id"], "11111111-2222-4333-8444-555555555555");
    let rec = s.received();
    assert_eq!(rec.len(), 1);
    check_request(&rec[0], TOKEN_OK);
    assert_eq!(header(&rec[0], "apns-priority"), None);
    assert_eq!(header(&rec[0], "apns-id"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_device_token_drops_the_token() {
    let s = setup().await;
    let r = run(&s.pem_args(TOKEN_BAD)).await;
    assert_eq!(r.code, 4, "{}", r.json);
    assert_eq!(r.json["outcome"], "rejected");
    assert_eq!(r.json["status"], 400);
    assert_eq!(r.json["reason"], "BadDeviceToken");
    assert_eq!(r.json["action"], "drop_token");
    check_request(&s.received()[0], TOKEN_BAD);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unregistered_drops_the_token_with_timestamp() {
    let s = setup().await;
    let r = run(&s.pem_args(TOKEN_GONE)).await;
    assert_eq!(r.code, 4, "{}", r.json);
    assert_eq!(r.json["status"], 410);
    assert_eq!(r.json["reason"], "Unregistered");
    assert_eq!(r.json["timestamp_ms"], GONE_AT_MS);
    assert_eq!(r.json["action"], "drop_token");
    check_request(&s.received()[0], TOKEN_GONE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_is_retried_later() {
    let s = setup().await;
    let r = run(&s.pem_args(TOKEN_BUSY)).await;
    assert_eq!(r.code, 3, "{}", r.json);
    assert_eq!(r.json["status"], 429);
    assert_eq!(r.json["reason"], "TooManyRequests");
    assert_eq!(r.json["action"], "retry");
    assert_eq!(r.json["retry_after_secs"], 60);
    assert_eq!(r.json["reconnect"], false);
    check_request(&s.received()[0], TOKEN_BUSY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_server_is_refused() {
    let s = setup().await;
    // Without --ca-file the mock's certificate is not trusted: nothing is sent.
    let r = run(&[
        "--cert", &s.cert, "--key", &s.key, "--token", TOKEN_OK, "--magic", MAGIC, "--url", &s.url,
    ])
    .await;
    assert_eq!(r.code, 1, "{}", r.json);
    assert_eq!(r.json["outcome"], "error");
    assert!(
        r.json["error"].as_str().unwrap().contains("tls handshake"),
        "{}",
        r.json
    );
    assert!(s.received().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_without_connecting() {
    let s = setup().await;
    let r = run(&[
        "--cert",
        &s.cert,
        "--key",
        &s.key,
        "--token",
        "abc",
        "--magic",
        MAGIC,
        "--url",
        &s.url,
        "--ca-file",
        &s.ca,
    ])
    .await;
    assert_eq!(r.code, 2, "{}", r.json);
    assert!(r.json["error"].as_str().unwrap().contains("--token"));
    let r = run(&[
        "--cert",
        &s.cert,
        "--key",
        &s.key,
        "--token",
        TOKEN_OK,
        "--magic",
        MAGIC,
        "--url",
        &s.url,
        "--topic",
        "com.example.not-mdm",
    ])
    .await;
    assert_eq!(r.code, 2, "{}", r.json);
    assert!(r.json["error"].as_str().unwrap().contains("apns-topic"));
    assert!(s.received().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificate_from_another_ca_is_refused_by_the_mock() {
    let s = setup().await;
    // A push certificate with the right UID, but self-signed: the mock requires one from its
    // CA, so the connection fails and no push arrives.
    let stray_key = key();
    let stray = cert(&[(Nid::USERID, TOPIC)], &stray_key, None, false, false);
    let cert_path = write(&s.mock.dir, "stray.pem", &stray.to_pem().unwrap());
    let key_path = write(
        &s.mock.dir,
        "stray.key",
        &stray_key.private_key_to_pem_pkcs8().unwrap(),
    );
    let r = run(&[
        "--cert",
        &cert_path,
        "--key",
        &key_path,
        "--token",
        TOKEN_OK,
        "--magic",
        MAGIC,
        "--url",
        &s.url,
        "--ca-file",
        &s.ca,
    ])
    .await;
    assert_eq!(r.code, 1, "{}", r.json);
    assert_eq!(r.json["outcome"], "error");
    assert!(s.received().is_empty());
}
