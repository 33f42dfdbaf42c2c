//! `POST /v1/push/{id}` with a push certificate: the server delivers the MDM push over HTTP/2
//! and TLS, presenting the certificate, to an APNs stand-in on 127.0.0.1 (the test's own
//! HTTP/2 server, trusted through `--apns-ca`). Without a reachable endpoint: 502.
#![cfg(all(feature = "apple", feature = "apple-profiles", feature = "cms"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/apple_server.rs"]
mod apple_server;
#[path = "../examples/load/device.rs"]
mod device;

#[path = "support/test_pki.rs"]
mod test_pki;
use test_pki::{cert, key};

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use apple_server::{Server, TempDir};
use device::{Device, Http};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{AlpnError, SslAcceptor, SslMethod, SslVerifyMode};
use openssl::x509::X509;

const TOPIC: &str = "com.apple.mgmt.External.7f5a3a8e-e2e0-4c1f-9a53-1f7e0c6d2b11";

/// What the APNs stand-in received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: serde_json::Value,
    client_uid: Option<String>,
    alpn: Option<Vec<u8>>,
}

/// An HTTP/2 + TLS server on 127.0.0.1:0 that answers every request 200 with an `apns-id`.
fn fake_apns(
    rt: &tokio::runtime::Runtime,
    cert: X509,
    key: PKey<Private>,
) -> (SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let mut acc = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
    acc.set_certificate(&cert).unwrap();
    acc.set_private_key(&key).unwrap();
    acc.set_alpn_select_callback(|_, client| {
        openssl::ssl::select_next_proto(b"\x02h2", client).ok_or(AlpnError::NOACK)
    });
    // Ask for the client certificate and keep it; APNs checks it against the topic.
    acc.set_verify_callback(
        SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT,
        |_, _| true,
    );
    let acceptor = Arc::new(acc.build());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let seen2 = seen.clone();
    rt.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, seen) = (acceptor.clone(), seen2.clone());
            tokio::spawn(async move {
                let ssl = openssl::ssl::Ssl::new(acceptor.context()).unwrap();
                let mut tls = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
                if Pin::new(&mut tls).accept().await.is_err() {
                    return;
                }
                let client_uid = tls.ssl().peer_certificate().and_then(|c| {
                    c.subject_name()
                        .entries_by_nid(Nid::USERID)
                        .next()
                        .map(|e| e.data().to_string().unwrap())
                });
                let alpn = tls.ssl().selected_alpn_protocol().map(<[u8]>::to_vec);
                let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                    let (seen, client_uid, alpn) = (seen.clone(), client_uid.clone(), alpn.clone());
                    async move {
                        let method = req.method().to_string();
                        let path = req.uri().path().to_owned();
                        let headers = req
                            .headers()
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
                            .collect();
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        seen.lock().unwrap().push(Seen {
                            method,
                            path,
                            headers,
                            body: serde_json::from_slice(&body).unwrap(),
                            client_uid,
                            alpn,
                        });
                        Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .header("apns-id", "A7E0A2D4-1111-2222-3333-444455556666")
                                .body(Full::new(bytes::Bytes::new()))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (addr, seen)
}

#[test]
fn push_is_delivered_with_the_push_certificate() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let files = TempDir::new("push-pki");
    let (ca_key, tls_key, push_key) = (key(), key(), key());
    let ca = cert(
        &[(Nid::COMMONNAME, "fake APNs CA")],
        &ca_key,
        None,
        true,
        false,
    );
    let tls = cert(
        &[(Nid::COMMONNAME, "127.0.0.1")],
        &tls_key,
        Some((&ca, &ca_key)),
        false,
        true,
    );
    let push = cert(
        &[(Nid::USERID, TOPIC), (Nid::COMMONNAME, "APSP: test")],
        &push_key,
        None,
        false,
        false,
    );
    let write = |name: &str, pem: Vec<u8>| {
        let p = files.path().join(name);
        std::fs::write(&p, pem).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let ca_pem = write("ca.pem", ca.to_pem().unwrap());
    let push_pem = write("push.pem", push.to_pem().unwrap());
    let push_key_pem = write("push.key", push_key.private_key_to_pem_pkcs8().unwrap());
    let (addr, seen) = fake_apns(&rt, tls, tls_key);

    let data = TempDir::new("push-data");
    let apns_url = format!("https://{addr}");
    let server = Server::start(
        data.path(),
        &[
            "--push-cert",
            &push_pem,
            "--push-key",
            &push_key_pem,
            "--apns-url",
            &apns_url,
            "--apns-ca",
            &ca_pem,
        ],
    );
    let key = server.api_key.clone().unwrap();
    let http = Http::new(&server.url);
    let (dev, _) = Device::enroll(&http, "E2E-PUSH").unwrap();
    assert_eq!(
        dev.topic, TOPIC,
        "the profile's topic is the push certificate's UID"
    );
    dev.enroll_checkins(&http).unwrap();

    let a = http
        .post_json("/v1/push/E2E-PUSH", Some(&key), &serde_json::json!({}))
        .unwrap();
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
    assert_eq!(v["sent"], true, "{v}");
    assert_eq!(v["response"]["status"], 200);
    assert_eq!(v["response"]["action"], "done");
    assert_eq!(v["request"]["headers"]["apns-push-type"], "mdm");
    assert_eq!(v["request"]["headers"]["apns-priority"], "10");
    assert_eq!(
        v["response"]["apns_id"],
        "A7E0A2D4-1111-2222-3333-444455556666"
    );

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let s = &seen[0];
    assert_eq!(s.alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(s.client_uid.as_deref(), Some(TOPIC));
    assert_eq!(s.method, "POST");
    let token: Vec<u8> = "E2E-PUSH"
        .bytes()
        .chain(std::iter::repeat_n(0, 32))
        .take(32)
        .collect();
    let hex: String = token.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(s.path, format!("/3/device/{hex}"));
    let header = |name: &str| {
        s.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("apns-topic"), Some(TOPIC));
    assert_eq!(header("apns-push-type"), Some("mdm"));
    assert_eq!(header("apns-priority"), Some("10"));
    assert_eq!(
        s.body,
        serde_json::json!({ "mdm": "5A6E9C57-0A0B-4E4C-9C3F-000000000001" })
    );
    drop(server);

    // The same server with an endpoint nobody listens on: 502, nothing sent.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("https://{}", closed.local_addr().unwrap());
    drop(closed);
    let server = Server::start(
        data.path(),
        &[
            "--push-cert",
            &push_pem,
            "--push-key",
            &push_key_pem,
            "--apns-url",
            &closed_url,
        ],
    );
    let http = Http::new(&server.url);
    let a = http
        .post_json("/v1/push/E2E-PUSH", Some(&key), &serde_json::json!({}))
        .unwrap();
    assert_eq!(a.status, 502);
    let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
    assert_eq!(v["sent"], false);
    assert!(v["error"].as_str().unwrap().starts_with("APNs"));
}
