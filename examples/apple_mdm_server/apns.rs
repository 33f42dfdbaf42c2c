//! Delivers a push request to APNs: HTTP/2 over TLS, authenticated by the MDM push
//! certificate. One connection per push (an MDM server pushes rarely; a busy one would keep
//! the connection open).

use std::pin::Pin;
use std::time::Duration;

use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::rt::{TokioExecutor, TokioIo};
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslConnector, SslMethod};
use openssl::x509::X509;

use mdmkit::apple::push::{self, PushRequest, PushResponse};

use crate::BoxError;

/// Apple's production APNs endpoint.
pub(crate) const APNS_PRODUCTION: &str = "https://api.push.apple.com";

/// Connect, handshake and answer each within this time.
const TIMEOUT: Duration = Duration::from_secs(15);

/// An APNs client for one endpoint.
pub(crate) struct Apns {
    connector: SslConnector,
    host: String,
    port: u16,
    authority: String,
}

impl Apns {
    /// A client presenting `cert`/`key`, for `url` (`https://host[:port]`); `extra_ca` adds
    /// trust anchors (PEM) to the system's, for a test endpoint.
    pub(crate) fn new(
        cert: &X509,
        key: &PKey<Private>,
        url: &str,
        extra_ca: Option<&[u8]>,
    ) -> Result<Apns, BoxError> {
        let authority = url
            .strip_prefix("https://")
            .ok_or("--apns-url must be an https:// URL")?
            .trim_end_matches('/')
            .to_owned();
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.to_owned(),
                p.parse::<u16>().map_err(|_| "--apns-url: bad port")?,
            ),
            None => (authority.clone(), 443),
        };
        let mut b = SslConnector::builder(SslMethod::tls_client())?;
        b.set_certificate(cert)?;
        b.set_private_key(key)?;
        b.check_private_key()?;
        b.set_alpn_protos(b"\x02h2")?;
        if let Some(pem) = extra_ca {
            for c in X509::stack_from_pem(pem)? {
                b.cert_store_mut().add_cert(c)?;
            }
        }
        Ok(Apns {
            connector: b.build(),
            host,
            port,
            authority,
        })
    }

    /// Sends `req` and decodes the answer with mdmkit.
    pub(crate) async fn send(&self, req: &PushRequest) -> Result<PushResponse, BoxError> {
        let tcp = tokio::time::timeout(
            TIMEOUT,
            tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| "APNs: connect timed out")??;
        let ssl = self.connector.configure()?.into_ssl(&self.host)?;
        let mut tls = tokio_openssl::SslStream::new(ssl, tcp)?;
        tokio::time::timeout(TIMEOUT, Pin::new(&mut tls).connect())
            .await
            .map_err(|_| "APNs: TLS handshake timed out")??;
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls)).await?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                eprintln!("APNs connection: {e}");
            }
        });
        let mut builder = hyper::Request::builder().method(req.method()).uri(format!(
            "https://{}{}",
            self.authority,
            req.path()
        ));
        for (name, value) in req.headers() {
            builder = builder.header(name, value);
        }
        let request = builder.body(Full::new(req.body().clone()))?;
        let resp = tokio::time::timeout(TIMEOUT, sender.send_request(request))
            .await
            .map_err(|_| "APNs: no answer in time")??;
        let (parts, body) = resp.into_parts();
        let body = Limited::new(body, push::MAX_RESPONSE_BODY_BYTES)
            .collect()
            .await?
            .to_bytes();
        let headers = parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()));
        Ok(PushResponse::from_parts(
            parts.status.as_u16(),
            headers,
            &body,
        )?)
    }
}
