//! An Apple MDM server on loopback, built on mdmkit: enrollment profiles, check-in, the command
//! queue, a JSON API, embedded SQLite storage. Nothing else to install.
//!
//! ```text
//! cargo run --example apple_mdm_server -- [--listen 127.0.0.1:8080] [--data-dir ./mdmkit-data]
//!     [--public-url URL] [--enable-user-auth] [--push-cert PEM --push-key PEM [--apns-url URL] [--apns-ca PEM]]
//! ```
//!
//! First start creates, in the data directory, a device CA, a profile-signing identity, an API
//! key (printed once, kept in `api-key`) and the database, then prints the URLs:
//!
//! * `GET  /mdm/enroll`: a signed enrollment profile with a fresh device identity (PKCS#12).
//! * `PUT  /mdm/checkin`, `PUT /mdm/connect`: the device endpoints. Every request must carry an
//!   `Mdm-Signature` by the identity this server issued and bound to the device.
//! * `POST /v1/commands`, `GET /v1/commands/{uuid}`, `GET /v1/devices`, `POST /v1/push/{id}`:
//!   the JSON API, with `Authorization: Bearer <API key>`.
//! * Declarative Device Management (see `ddm.rs`), same API key: `PUT /v1/declarations` (one
//!   declaration as Apple's JSON; the server sets its `ServerToken`), `GET /v1/declarations`,
//!   `DELETE /v1/declarations/{identifier}`, `POST /v1/declarations/sync` (queues a
//!   `DeclarativeManagement` command with the current sync tokens for every enrolled device),
//!   `GET /v1/devices/{id}/ddm-status` (the last status report). Devices reach the set through
//!   the `DeclarativeManagement` check-in (`tokens`, `declaration-items`,
//!   `declaration/<category>/<identifier>`, `status`).
//!
//! The server speaks plain HTTP. Real devices need HTTPS: put a TLS-terminating proxy in front
//! and pass its address as `--public-url`.
//!
//! Rules this example follows (see `db.rs` for the command state machine):
//!
//! * `Authenticate` binds the identity issued by `/mdm/enroll` to the device's UDID (or
//!   EnrollmentID); a later `Authenticate` with a fresh identity re-binds (re-enrollment). An
//!   identity not issued here, or bound to another device, gets 401, as does any other request
//!   not signed by the identity bound to the device it names.
//! * Every state change an answer depends on is committed before the answer is sent.
//! * `/mdm/enroll` is open to whoever reaches it: protect it at the proxy in production.
//! * The check-in log and the report log keep the bodies as received, secrets included:
//!   the data directory is as sensitive as the CA key it holds.
//! * User-channel `TokenUpdate`s are logged; this example manages the device channel.
//! * `POST /v1/push/{id}` builds the APNs request; with `--push-cert`/`--push-key` it sends it
//!   (a new HTTP/2 connection per push), otherwise it shows what it would send.

mod api;
#[path = "../support/apns_client.rs"]
mod apns_client;
mod db;
mod ddm;
mod device;
mod pki;
mod push;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};

/// The error type of setup code and storage.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The largest request body accepted on any route: 1 MiB (a command report with a long
/// application list is a few hundred KiB). Larger bodies get 413.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Shared state of the handlers.
pub(crate) struct App {
    db: Mutex<db::Db>,
    pki: pki::Pki,
    api_key: String,
    topic: String,
    public_url: String,
    user_auth: bool,
    apns: Option<apns_client::ClientConfig>,
}

impl App {
    /// The database, or a 500 if a handler panicked while holding it.
    fn db(&self) -> Result<MutexGuard<'_, db::Db>, HttpError> {
        self.db
            .lock()
            .map_err(|_| HttpError::internal("database lock poisoned"))
    }
}

/// An error answer: the status and a message (logged, and sent as the body).
#[derive(Debug)]
pub(crate) struct HttpError {
    status: StatusCode,
    message: String,
}

impl HttpError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        HttpError {
            status,
            message: message.into(),
        }
    }
    fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl From<BoxError> for HttpError {
    fn from(e: BoxError) -> Self {
        HttpError::internal(e.to_string())
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        eprintln!("{} {}", self.status.as_u16(), self.message);
        let body = serde_json::json!({ "error": self.message });
        (self.status, axum::Json(body)).into_response()
    }
}

/// Answers 413 at once to a request whose `Content-Length` is over [`MAX_BODY_BYTES`], without
/// reading its body. (Bodies without a length are cut at the limit while they are read.)
async fn refuse_oversized(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let length = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return HttpError::new(StatusCode::PAYLOAD_TOO_LARGE, "request body over 1 MiB")
            .into_response();
    }
    next.run(request).await
}

/// Writes a secret file readable by its owner only.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}

struct Config {
    listen: String,
    data_dir: PathBuf,
    public_url: Option<String>,
    enable_user_auth: bool,
    push_cert: Option<PathBuf>,
    push_key: Option<PathBuf>,
    apns_url: String,
    apns_ca: Option<PathBuf>,
}

const USAGE: &str = "usage: apple_mdm_server [--listen ADDR] [--data-dir DIR] [--public-url URL] \
[--enable-user-auth] [--push-cert PEM --push-key PEM [--apns-url URL] [--apns-ca PEM]]
  --listen ADDR       address to listen on (default 127.0.0.1:8080; port 0 picks one)
  --data-dir DIR      database, CA and keys (default ./mdmkit-data)
  --public-url URL    https:// base URL written in profiles (default https://ADDR)
  --enable-user-auth  accept UserAuthenticate (default: declined with 410)
  --push-cert/--push-key  APNs MDM push certificate and key (PEM); the topic is its UID
  --apns-url URL      APNs endpoint (default https://api.push.apple.com)
  --apns-ca PEM       extra trust anchors for the APNs endpoint (a test server)";

fn parse_args() -> Result<Config, String> {
    let mut c = Config {
        listen: "127.0.0.1:8080".into(),
        data_dir: PathBuf::from("./mdmkit-data"),
        public_url: None,
        enable_user_auth: false,
        push_cert: None,
        push_key: None,
        apns_url: format!("https://{}", mdmkit::apple::push::PRODUCTION_HOST),
        apns_ca: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--listen" => c.listen = value("--listen")?,
            "--data-dir" => c.data_dir = value("--data-dir")?.into(),
            "--public-url" => c.public_url = Some(value("--public-url")?),
            "--enable-user-auth" => c.enable_user_auth = true,
            "--push-cert" => c.push_cert = Some(value("--push-cert")?.into()),
            "--push-key" => c.push_key = Some(value("--push-key")?.into()),
            "--apns-url" => c.apns_url = value("--apns-url")?,
            "--apns-ca" => c.apns_ca = Some(value("--apns-ca")?.into()),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if c.push_cert.is_some() != c.push_key.is_some() {
        return Err("--push-cert and --push-key go together".into());
    }
    Ok(c)
}

/// Loads the APNs certificate and key; the topic is the `UID` of the certificate's subject
/// (read, with the validity period, by `mdmkit::apple::push::PushCertificate`).
fn push_identity(
    cert: &Path,
    key: &Path,
) -> Result<
    (
        String,
        openssl::x509::X509,
        openssl::pkey::PKey<openssl::pkey::Private>,
    ),
    BoxError,
> {
    let pem = std::fs::read(cert).map_err(|e| format!("{}: {e}", cert.display()))?;
    let x509 =
        openssl::x509::X509::from_pem(&pem).map_err(|e| format!("{}: {e}", cert.display()))?;
    let key_pem = std::fs::read(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let pkey = openssl::pkey::PKey::private_key_from_pem(&key_pem)
        .map_err(|e| format!("{}: {e}", key.display()))?;
    if !x509.public_key()?.public_eq(&pkey) {
        return Err("--push-key does not match --push-cert".into());
    }
    // mdmkit reads the topic from the subject's UID and checks the validity period.
    let certificate = mdmkit::cms::Certificate::from_der(&x509.to_der()?)
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    let push_cert =
        mdmkit::apple::push::PushCertificate::new(certificate, std::time::SystemTime::now())
            .map_err(|e| format!("{}: {e}", cert.display()))?;
    let topic = push_cert.topic().to_owned();
    Ok((topic, x509, pkey))
}

/// Where pushes go (`https://host[:port]`), presenting the push certificate; `extra_ca` adds
/// trust anchors (PEM) to the system's, for a test endpoint.
fn apns_config(
    certificate: openssl::x509::X509,
    key: openssl::pkey::PKey<openssl::pkey::Private>,
    url: &str,
    extra_ca: Option<Vec<u8>>,
) -> Result<apns_client::ClientConfig, BoxError> {
    let authority = url
        .strip_prefix("https://")
        .ok_or("--apns-url must be an https:// URL")?
        .trim_end_matches('/');
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| "--apns-url: bad port")?),
        None => (authority, mdmkit::apple::push::PORT),
    };
    Ok(apns_client::ClientConfig {
        host: host.to_owned(),
        port,
        identity: apns_client::Identity {
            certificate,
            chain: Vec::new(),
            key,
        },
        extra_roots_pem: extra_ca,
    })
}

async fn run(config: Config) -> Result<(), BoxError> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("{}: {e}", config.data_dir.display()))?;
    let (pki, created) = pki::Pki::load_or_create(&config.data_dir)?;
    let db = db::Db::open(&config.data_dir)?;
    let key_path = config.data_dir.join("api-key");
    let api_key = if key_path.exists() {
        std::fs::read_to_string(&key_path)?.trim().to_owned()
    } else {
        let key = pki::random_hex(32)?;
        write_private(&key_path, key.as_bytes())?;
        println!("API key (kept in {}): {key}", key_path.display());
        key
    };
    if api_key.is_empty() {
        return Err(format!("{} is empty", key_path.display()).into());
    }
    let (topic, apns) = match (&config.push_cert, &config.push_key) {
        (Some(c), Some(k)) => {
            let (topic, cert, key) = push_identity(c, k)?;
            let extra_ca = match &config.apns_ca {
                Some(p) => Some(std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?),
                None => None,
            };
            let apns = apns_config(cert, key, &config.apns_url, extra_ca)?;
            (topic, Some(apns))
        }
        _ => {
            let topic = match db.setting("topic")? {
                Some(t) => t,
                None => {
                    let t = format!(
                        "com.apple.mgmt.External.{}",
                        pki::new_uuid()?.to_lowercase()
                    );
                    db.set_setting("topic", &t)?;
                    t
                }
            };
            (topic, None)
        }
    };
    if created {
        println!(
            "created the device CA and the profile signer in {}",
            config.data_dir.display()
        );
    }
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("{}: {e}", config.listen))?;
    let addr: SocketAddr = listener.local_addr()?;
    // Apple requires https:// server URLs in the profile. This server speaks plain HTTP:
    // in front of real devices, a TLS-terminating proxy serves `--public-url`.
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("https://{addr}"))
        .trim_end_matches('/')
        .to_owned();
    if !public_url.starts_with("https://") {
        return Err(
            format!("--public-url {public_url:?}: Apple devices require an https:// URL").into(),
        );
    }
    let app = Arc::new(App {
        db: Mutex::new(db),
        pki,
        api_key,
        topic,
        public_url: public_url.clone(),
        user_auth: config.enable_user_auth,
        apns,
    });
    let router = Router::new()
        .route("/mdm/enroll", get(device::enroll))
        .route("/mdm/checkin", put(device::checkin))
        .route("/mdm/connect", put(device::connect))
        .route("/v1/commands", post(api::post_commands))
        .route("/v1/commands/{uuid}", get(api::get_command))
        .route("/v1/devices", get(api::get_devices))
        .route("/v1/push/{id}", post(api::push))
        .route(
            "/v1/declarations",
            get(ddm::get_declarations).put(ddm::put_declaration),
        )
        .route("/v1/declarations/sync", post(ddm::sync))
        .route(
            "/v1/declarations/{identifier}",
            axum::routing::delete(ddm::delete_declaration),
        )
        .route("/v1/devices/{id}/ddm-status", get(ddm::device_status))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(refuse_oversized))
        .with_state(app.clone());
    println!("topic: {}", app.topic);
    println!("enrollment profile: http://{addr}/mdm/enroll");
    println!("API: http://{addr}/v1/ (Authorization: Bearer <API key>)");
    println!("profiles send devices to {public_url}/mdm/checkin and {public_url}/mdm/connect");
    if config.public_url.is_none() {
        println!(
            "note: this server speaks plain HTTP; real devices need HTTPS: put a TLS proxy in \
             front and pass its address as --public-url"
        );
    }
    println!("listening on http://{addr}");
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
