//! A small APNs client over HTTP/2 + TLS (hyper 1, tokio-openssl), with the push certificate as
//! the TLS client identity. It moves the bytes that `mdmkit::apple::push` describes; all the
//! protocol rules are mdmkit's.
//!
//! Include it with `#[path = "support/apns_client.rs"] mod apns_client;`.

#![allow(dead_code)] // each example uses part of this module

use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use mdmkit::apple::push::{self, PushRequest, PushResponse};
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

/// How long connecting (TCP + TLS + HTTP/2 handshake) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one push (request and response) may take.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// The TLS client identity: the MDM push certificate and its private key.
pub struct Identity {
    /// The push certificate.
    pub certificate: X509,
    /// Intermediate certificates sent after it.
    pub chain: Vec<X509>,
    /// Its private key.
    pub key: PKey<Private>,
}

impl Identity {
    /// From PEM: the certificate file (the first certificate is the push certificate, any
    /// others are its chain) and the key file.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Identity, ClientError> {
        let mut certs = X509::stack_from_pem(cert_pem)
            .map_err(|e| ClientError::Identity(format!("certificate PEM: {e}")))?
            .into_iter();
        let certificate = certs
            .next()
            .ok_or_else(|| ClientError::Identity("no certificate in the PEM file".into()))?;
        let key = PKey::private_key_from_pem(key_pem)
            .map_err(|e| ClientError::Identity(format!("private key PEM: {e}")))?;
        Ok(Identity {
            certificate,
            chain: certs.collect(),
            key,
        })
    }

    /// From a PKCS#12 file and its password.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Identity, ClientError> {
        let parsed = Pkcs12::from_der(der)
            .and_then(|p| p.parse2(password))
            .map_err(|e| ClientError::Identity(format!("PKCS#12: {e}")))?;
        let certificate = parsed
            .cert
            .ok_or_else(|| ClientError::Identity("PKCS#12 holds no certificate".into()))?;
        let key = parsed
            .pkey
            .ok_or_else(|| ClientError::Identity("PKCS#12 holds no private key".into()))?;
        let chain = parsed
            .ca
            .map(|s| s.into_iter().collect())
            .unwrap_or_default();
        Ok(Identity {
            certificate,
            chain,
            key,
        })
    }

    /// The certificate as DER (for `mdmkit::cms::Certificate::from_der`).
    pub fn certificate_der(&self) -> Result<Vec<u8>, ClientError> {
        self.certificate
            .to_der()
            .map_err(|e| ClientError::Identity(format!("certificate: {e}")))
    }
}

/// Where to connect and whom to trust.
pub struct ClientConfig {
    /// The host name (or IP address) of the APNs server; also the name its certificate is
    /// checked against.
    pub host: String,
    /// The port.
    pub port: u16,
    /// The push certificate and key.
    pub identity: Identity,
    /// PEM certificates to trust in addition to the system's roots (for a local mock).
    pub extra_roots_pem: Option<Vec<u8>>,
}

impl ClientConfig {
    /// Apple's production service on port 443 (or the sandbox).
    pub fn apple(identity: Identity, sandbox: bool) -> ClientConfig {
        let host = if sandbox {
            push::SANDBOX_HOST
        } else {
            push::PRODUCTION_HOST
        };
        ClientConfig {
            host: host.to_owned(),
            port: push::PORT,
            identity,
            extra_roots_pem: None,
        }
    }
}

/// Why a push could not be sent or its answer not read.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The certificate or key could not be loaded.
    #[error("identity: {0}")]
    Identity(String),
    /// Setting up TLS failed.
    #[error("tls setup: {0}")]
    Tls(#[from] openssl::error::ErrorStack),
    /// The TLS handshake failed (untrusted server, refused client certificate, …).
    #[error("tls handshake: {0}")]
    Handshake(String),
    /// The server did not agree to HTTP/2 through ALPN.
    #[error("the server did not negotiate HTTP/2 (ALPN h2)")]
    NoHttp2,
    /// A network error.
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    /// An HTTP/2 error.
    #[error("http/2: {0}")]
    Http(#[from] hyper::Error),
    /// Connecting or sending took too long.
    #[error("timed out")]
    Timeout,
    /// The request could not be built.
    #[error("request: {0}")]
    Build(#[from] mdmkit::BuildError),
    /// The HTTP request could not be assembled from the push request's parts.
    #[error("request: {0}")]
    Request(String),
    /// The response was refused by mdmkit's decoder.
    #[error("response: {0}")]
    Decode(#[from] mdmkit::DecodeError),
    /// The response body is larger than APNs ever sends.
    #[error("response body over {} bytes", push::MAX_RESPONSE_BODY_BYTES)]
    ResponseTooLarge,
}

/// One HTTP/2 connection to APNs. Pushes can be sent one after another on it.
pub struct ApnsClient {
    sender: SendRequest<Full<Bytes>>,
    authority: String,
    connection: tokio::task::JoinHandle<()>,
}

impl ApnsClient {
    /// Connects: TCP, TLS with the push certificate as client identity and ALPN `h2`, then the
    /// HTTP/2 handshake.
    pub async fn connect(config: &ClientConfig) -> Result<ApnsClient, ClientError> {
        tokio::time::timeout(CONNECT_TIMEOUT, Self::connect_inner(config))
            .await
            .map_err(|_| ClientError::Timeout)?
    }

    async fn connect_inner(config: &ClientConfig) -> Result<ApnsClient, ClientError> {
        let mut tls = SslConnector::builder(SslMethod::tls_client())?;
        tls.set_verify(SslVerifyMode::PEER);
        tls.set_certificate(&config.identity.certificate)?;
        for c in &config.identity.chain {
            tls.add_extra_chain_cert(c.clone())?;
        }
        tls.set_private_key(&config.identity.key)?;
        tls.check_private_key()
            .map_err(|e| ClientError::Identity(format!("key does not match certificate: {e}")))?;
        tls.set_alpn_protos(b"\x02h2")?;
        if let Some(pem) = &config.extra_roots_pem {
            for root in X509::stack_from_pem(pem)? {
                tls.cert_store_mut().add_cert(root)?;
            }
        }
        let ssl = tls.build().configure()?.into_ssl(&config.host)?;

        let tcp = TcpStream::connect((config.host.as_str(), config.port)).await?;
        tcp.set_nodelay(true)?;
        let mut stream = SslStream::new(ssl, tcp)?;
        Pin::new(&mut stream)
            .connect()
            .await
            .map_err(|e| ClientError::Handshake(e.to_string()))?;
        if stream.ssl().selected_alpn_protocol() != Some(b"h2") {
            return Err(ClientError::NoHttp2);
        }

        let (sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                .await?;
        let connection = tokio::spawn(async move {
            // The connection ends when APNs closes it (GOAWAY) or the client is dropped; a
            // pending `send` then reports the error.
            let _ = connection.await;
        });
        let authority = if config.port == push::PORT {
            config.host.clone()
        } else {
            format!("{}:{}", config.host, config.port)
        };
        Ok(ApnsClient {
            sender,
            authority,
            connection,
        })
    }

    /// Sends one push and decodes APNs' answer.
    pub async fn send(&mut self, request: &PushRequest) -> Result<PushResponse, ClientError> {
        tokio::time::timeout(SEND_TIMEOUT, self.send_inner(request))
            .await
            .map_err(|_| ClientError::Timeout)?
    }

    async fn send_inner(&mut self, request: &PushRequest) -> Result<PushResponse, ClientError> {
        // Built from the sans-IO request's parts, so the client needs no `http` feature.
        let mut http = hyper::Request::builder()
            .method(request.method())
            .uri(format!("https://{}{}", self.authority, request.path()));
        for (name, value) in request.headers() {
            http = http.header(name, value);
        }
        let http = http
            .body(Full::new(request.body().clone()))
            .map_err(|e| ClientError::Request(e.to_string()))?;
        self.sender.ready().await?;
        let response = self.sender.send_request(http).await?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, push::MAX_RESPONSE_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| match e.downcast::<hyper::Error>() {
                Ok(e) => ClientError::Http(*e),
                Err(_) => ClientError::ResponseTooLarge,
            })?
            .to_bytes();
        let headers = parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_bytes()));
        Ok(PushResponse::from_parts(
            parts.status.as_u16(),
            headers,
            &body,
        )?)
    }
}

impl Drop for ApnsClient {
    fn drop(&mut self) {
        self.connection.abort();
    }
}
