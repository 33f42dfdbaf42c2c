//! Sends one MDM push to APNs over HTTP/2 with the push certificate as TLS client identity, and
//! prints APNs' answer, decoded by `mdmkit::apple::push`, as one line of JSON.
//!
//! ```text
//! cargo run --example apns_push --features http -- \
//!     --cert push.pem --key push.key --token <hex device token> --magic <PushMagic>
//! cargo run --example apns_push --features http -- \
//!     --p12 push.p12 --password secret --token <hex> --magic <PushMagic> \
//!     --url https://127.0.0.1:8443 --ca-file mock-ca.pem
//! ```
//!
//! Options: `--topic` (default: the certificate's UID), `--sandbox` (Apple's development
//! service), `--url https://HOST[:PORT]` (another server, e.g. a local mock), `--ca-file PEM`
//! (extra trusted roots), `--priority 10|5|1`, `--expiration UNIX_SECONDS`, `--apns-id UUID`.
//!
//! Exit status: 0 delivered; 2 usage or certificate error; 3 retry later; 4 drop the device
//! token; 5 fix the request; 6 fix the push certificate; 1 connection or protocol error.

#[path = "support/apns_client.rs"]
mod apns_client;

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use apns_client::{ApnsClient, ClientConfig, Identity};
use mdmkit::apple::push::{Action, ApnsId, Priority, PushCertificate, PushRequest, PushResponse};
use serde_json::json;

const EXIT_ERROR: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_RETRY: u8 = 3;
const EXIT_DROP_TOKEN: u8 = 4;
const EXIT_FIX_REQUEST: u8 = 5;
const EXIT_FIX_CREDENTIALS: u8 = 6;

const USAGE: &str = "usage: apns_push (--cert PEM --key PEM | --p12 FILE [--password PW]) \
--token HEX --magic PUSHMAGIC [--topic TOPIC] [--sandbox] [--url https://HOST[:PORT]] \
[--ca-file PEM] [--priority 10|5|1] [--expiration UNIX_SECONDS] [--apns-id UUID]";

#[derive(Default)]
struct Args {
    cert: Option<String>,
    key: Option<String>,
    p12: Option<String>,
    password: String,
    token: Option<String>,
    magic: Option<String>,
    topic: Option<String>,
    sandbox: bool,
    url: Option<String>,
    ca_file: Option<String>,
    priority: Option<Priority>,
    expiration: Option<u64>,
    apns_id: Option<ApnsId>,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args::default();
    while let Some(flag) = it.next() {
        if flag == "--sandbox" {
            a.sandbox = true;
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--cert" => a.cert = Some(value),
            "--key" => a.key = Some(value),
            "--p12" => a.p12 = Some(value),
            "--password" => a.password = value,
            "--token" => a.token = Some(value),
            "--magic" => a.magic = Some(value),
            "--topic" => a.topic = Some(value),
            "--url" => a.url = Some(value),
            "--ca-file" => a.ca_file = Some(value),
            "--priority" => {
                a.priority = Some(match value.as_str() {
                    "10" => Priority::Immediate,
                    "5" => Priority::Normal,
                    "1" => Priority::Low,
                    _ => return Err("--priority must be 10, 5 or 1".into()),
                });
            }
            "--expiration" => {
                a.expiration = Some(
                    value
                        .parse()
                        .map_err(|_| "--expiration must be UNIX seconds".to_owned())?,
                );
            }
            "--apns-id" => {
                a.apns_id = Some(value.parse().map_err(|e| format!("--apns-id: {e}"))?);
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(a)
}

fn decode_hex(s: &str) -> Result<Vec<u8>, String> {
    let s = s.trim();
    if s.is_empty() || !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("--token must be an even number of hex digits".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| "--token must be hex".to_owned())
        })
        .collect()
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

/// Splits `https://host[:port][/]` into host and port.
fn parse_url(url: &str) -> Result<(String, u16), String> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|_| format!("--url {url:?} is not a URL"))?;
    if uri.scheme_str() != Some("https") {
        return Err("--url must be https://HOST[:PORT]".into());
    }
    if uri.path_and_query().is_some_and(|p| p.as_str() != "/") {
        return Err("--url must have no path".into());
    }
    let host = uri
        .host()
        .ok_or_else(|| "--url has no host".to_owned())?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Ok((host, uri.port_u16().unwrap_or(mdmkit::apple::push::PORT)))
}

/// Everything the push needs, from the arguments and files.
fn prepare(args: Args) -> Result<(ClientConfig, PushRequest), String> {
    let identity = match (&args.cert, &args.key, &args.p12) {
        (Some(cert), Some(key), None) => Identity::from_pem(&read(cert)?, &read(key)?),
        (None, None, Some(p12)) => Identity::from_pkcs12(&read(p12)?, &args.password),
        _ => return Err("give either --cert and --key, or --p12".into()),
    }
    .map_err(|e| e.to_string())?;

    let topic = match args.topic {
        Some(t) => t,
        None => {
            let der = identity.certificate_der().map_err(|e| e.to_string())?;
            let cert = mdmkit::cms::Certificate::from_der(&der)
                .map_err(|e| format!("push certificate: {e}"))?;
            PushCertificate::new(cert, SystemTime::now())
                .map_err(|e| format!("push certificate: {e}"))?
                .topic()
                .to_owned()
        }
    };
    let token = decode_hex(args.token.as_deref().ok_or("--token is required")?)?;
    let magic = args.magic.ok_or("--magic is required")?;
    let mut request =
        PushRequest::mdm(&token, &topic, &magic).map_err(|e| format!("push request: {e}"))?;
    if let Some(p) = args.priority {
        request = request.with_priority(p);
    }
    if let Some(secs) = args.expiration {
        request = request.with_expiration(UNIX_EPOCH + Duration::from_secs(secs));
    }
    if let Some(id) = args.apns_id {
        request = request.with_apns_id(id);
    }

    let mut config = ClientConfig::apple(identity, args.sandbox);
    if let Some(url) = &args.url {
        (config.host, config.port) = parse_url(url)?;
    }
    if let Some(ca) = &args.ca_file {
        config.extra_roots_pem = Some(read(ca)?);
    }
    Ok((config, request))
}

fn action_name(action: Action) -> (&'static str, u8) {
    match action {
        Action::Done => ("done", 0),
        Action::Retry { .. } => ("retry", EXIT_RETRY),
        Action::DropToken => ("drop_token", EXIT_DROP_TOKEN),
        Action::FixRequest => ("fix_request", EXIT_FIX_REQUEST),
        Action::FixCredentials => ("fix_credentials", EXIT_FIX_CREDENTIALS),
        _ => ("unknown", EXIT_ERROR),
    }
}

fn report(response: &PushResponse) -> (serde_json::Value, u8) {
    let action = response.action();
    let (name, code) = action_name(action);
    let mut out = serde_json::Map::new();
    let outcome = if response.is_delivered() {
        "delivered"
    } else {
        "rejected"
    };
    out.insert("outcome".into(), json!(outcome));
    out.insert("status".into(), json!(response.status()));
    out.insert("apns_id".into(), json!(response.apns_id()));
    out.insert("action".into(), json!(name));
    if let Action::Retry {
        after, reconnect, ..
    } = action
    {
        out.insert("retry_after_secs".into(), json!(after.as_secs()));
        out.insert("reconnect".into(), json!(reconnect));
    }
    if let PushResponse::Rejected(r) = response {
        out.insert(
            "reason".into(),
            json!(r.reason.as_ref().map(|r| r.as_str())),
        );
        if let Some(ts) = r.timestamp {
            let ms = ts
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0);
            out.insert(
                "timestamp_ms".into(),
                json!(u64::try_from(ms).unwrap_or(u64::MAX)),
            );
        }
    }
    (serde_json::Value::Object(out), code)
}

fn fail(code: u8, error: &str) -> ExitCode {
    println!("{}", json!({"outcome": "error", "error": error}));
    eprintln!("apns_push: {error}");
    ExitCode::from(code)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            if e.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("{USAGE}");
            return fail(EXIT_USAGE, &e);
        }
    };
    let (config, request) = match prepare(args) {
        Ok(p) => p,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let mut client = match ApnsClient::connect(&config).await {
        Ok(c) => c,
        Err(e) => return fail(EXIT_ERROR, &format!("connecting to {}: {e}", config.host)),
    };
    match client.send(&request).await {
        Ok(response) => {
            let (line, code) = report(&response);
            println!("{line}");
            ExitCode::from(code)
        }
        Err(e) => fail(EXIT_ERROR, &e.to_string()),
    }
}
