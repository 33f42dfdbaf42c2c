//! A small Windows MDM server built on mdmkit: MS-MDE2 enrollment (discovery, policy,
//! enrollment with OnPremise username and password) and OMA DM management (MD5 digest
//! authentication, a persistent command queue), with a JSON API to queue commands and read
//! their results.
//!
//! ```text
//! cargo run --example windows_mdm_server --features windows,cms -- \
//!     --listen 127.0.0.1:8080 --username alice@example.test --password 'pa55 w0rd'
//! ```
//!
//! Endpoints (the paths Windows uses):
//!
//! | method and path | what |
//! |---|---|
//! | `GET /EnrollmentServer/Discovery.svc` | 200, empty: Windows probes the URL first |
//! | `POST /EnrollmentServer/Discovery.svc` | `DiscoverResponse`: OnPremise, the policy and enrollment URLs |
//! | `POST /EnrollmentServer/Policy.svc` | `GetPoliciesResponse` (the credentials are checked) |
//! | `POST /EnrollmentServer/Enrollment.svc` | the device certificate from this server's CA and the provisioning document |
//! | `POST /ManagementServer/MDM.svc` | OMA DM sessions (`application/vnd.syncml.dm+xml`) |
//! | `POST /v1/windows/devices/{device_id}/commands` | queue commands (JSON; bearer API key) |
//! | `GET /v1/windows/commands/{id}` | a command's state, status code and results |
//! | `GET /v1/windows/devices` | devices, their state and the node values they reported |
//!
//! State lives in the data directory (`--data-dir`, default `./mdmkit-data-windows`): the CA
//! (`ca.pem`, `ca.key.pem`), the API key (`api_key`) and a SQLite database in WAL mode.
//!
//! **This is an example, not a product.** It speaks plain HTTP so that it can run on loopback
//! without certificates; Windows enrolls only over HTTPS, and the OnPremise password, the
//! digest exchange and the API key all need TLS in front of any real use. A management session
//! is identified by the device ID and the `SessionID` the device chose, which a real server
//! binds to the TLS client certificate issued at enrollment. Protocol work (parsing, replies,
//! certificates, the provisioning document, sessions, digest authentication) is done only
//! through mdmkit's public API.

mod api;
mod enroll;
mod manage;
mod secrets;
mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use mdmkit::windows::enroll::certificate::Issuer;

/// The largest request body accepted on any endpoint (real enrollment and management messages
/// are a few KiB; Windows' own `MaxMsgSize` is 512 KiB).
pub const MAX_BODY: usize = 1024 * 1024;

/// The provider ID of the OMA DM account (`PROVIDER-ID` and the DMClient provider).
pub const PROVIDER_ID: &str = "MDMKIT-EXAMPLE";

/// Command-line options.
#[derive(Debug)]
struct Options {
    listen: SocketAddr,
    data_dir: PathBuf,
    username: String,
    password: String,
    public_url: Option<String>,
}

const USAGE: &str = "usage: windows_mdm_server --username NAME --password PASSWORD
    [--listen 127.0.0.1:8080] [--data-dir ./mdmkit-data-windows] [--public-url URL]

  --listen      address to listen on (loopback only; port 0 picks a free port)
  --data-dir    where the CA, the API key and the database live
  --username    the OnPremise user name devices enroll with
  --password    the OnPremise password devices enroll with
  --public-url  the base URL devices reach this server at (default http://<listen address>)";

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut listen = None;
    let mut data_dir = None;
    let mut username = None;
    let mut password = None;
    let mut public_url = None;
    let mut args = args;
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => {
                let v = value()?;
                listen = Some(
                    v.parse::<SocketAddr>()
                        .map_err(|e| format!("--listen {v}: {e}"))?,
                );
            }
            "--data-dir" => data_dir = Some(PathBuf::from(value()?)),
            "--username" => username = Some(value()?),
            "--password" => password = Some(value()?),
            "--public-url" => public_url = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let listen = listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    if !listen.ip().is_loopback() {
        return Err(format!(
            "--listen {listen}: this example serves plain HTTP and binds loopback addresses only"
        ));
    }
    let username = username.ok_or("--username is required")?;
    let password = password.ok_or("--password is required")?;
    if username.is_empty() || password.is_empty() {
        return Err("--username and --password must not be empty".to_owned());
    }
    if let Some(u) = &public_url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        return Err(format!(
            "--public-url {u}: must start with http:// or https://"
        ));
    }
    Ok(Options {
        listen,
        data_dir: data_dir.unwrap_or_else(|| PathBuf::from("./mdmkit-data-windows")),
        username,
        password,
        public_url: public_url.map(|u| u.trim_end_matches('/').to_owned()),
    })
}

/// Shared state of the handlers.
struct App {
    store: Mutex<store::Store>,
    sessions: Mutex<manage::Sessions>,
    issuer: Issuer,
    api_key: String,
    username: String,
    password: String,
    public_url: String,
}

impl App {
    /// The store. A handler that panicked while holding the lock leaves SQLite consistent
    /// (every multi-row change is a transaction), so a poisoned lock is taken over.
    fn store(&self) -> MutexGuard<'_, store::Store> {
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }
}

pub const DISCOVERY_PATH: &str = "/EnrollmentServer/Discovery.svc";
pub const POLICY_PATH: &str = "/EnrollmentServer/Policy.svc";
pub const ENROLLMENT_PATH: &str = "/EnrollmentServer/Enrollment.svc";
pub const MANAGEMENT_PATH: &str = "/ManagementServer/MDM.svc";

/// Refuses a declared `Content-Length` over [`MAX_BODY`] before reading any of the body
/// ([`DefaultBodyLimit`] stops a body that grows past it while it is read).
async fn refuse_declared_oversize(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    next.run(request).await
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            DISCOVERY_PATH,
            get(enroll::discovery_get).post(enroll::discovery_post),
        )
        .route(POLICY_PATH, post(enroll::policy))
        .route(ENROLLMENT_PATH, post(enroll::enrollment))
        .route(MANAGEMENT_PATH, post(manage::management))
        .route(
            "/v1/windows/devices/{device_id}/commands",
            post(api::queue_commands),
        )
        .route("/v1/windows/commands/{id}", get(api::command))
        .route("/v1/windows/devices", get(api::devices))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(refuse_declared_oversize))
        .with_state(app)
}

async fn run(opts: Options) -> Result<(), String> {
    std::fs::create_dir_all(&opts.data_dir)
        .map_err(|e| format!("{}: {e}", opts.data_dir.display()))?;
    #[cfg(unix)]
    {
        // The CA key, the API key and the device secrets live here: owner only.
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&opts.data_dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("{}: {e}", opts.data_dir.display()))?;
    }
    let (issuer, created) = secrets::load_or_create_ca(&opts.data_dir)?;
    let api_key = secrets::load_or_create_api_key(&opts.data_dir)?;
    let store = store::Store::open(&opts.data_dir)
        .map_err(|e| format!("{}: database: {e}", opts.data_dir.display()))?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| format!("binding {}: {e}", opts.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("local address: {e}"))?;
    let public_url = opts
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    if created {
        println!("created a CA in {}", opts.data_dir.display());
    }
    println!("CA thumbprint: {}", issuer.thumbprint());
    println!("discovery:   {public_url}{DISCOVERY_PATH}");
    println!("policy:      {public_url}{POLICY_PATH}");
    println!("enrollment:  {public_url}{ENROLLMENT_PATH}");
    println!("management:  {public_url}{MANAGEMENT_PATH}");
    println!("API:         {public_url}/v1/windows/devices (Authorization: Bearer <api key>)");
    println!("api key: {api_key}");
    if public_url.starts_with("http://") {
        println!(
            "warning: plain HTTP. Windows enrolls over HTTPS only: put a TLS proxy in front and \
             pass --public-url https://…"
        );
    }
    println!("listening on http://{addr}");
    let app = Arc::new(App {
        store: Mutex::new(store),
        sessions: Mutex::new(manage::Sessions::default()),
        issuer,
        api_key,
        username: opts.username,
        password: opts.password,
        public_url,
    });
    axum::serve(listener, router(app))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("server: {e}"))
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
