//! Drives simulated Apple devices against `apple_mdm_server` on loopback and reports
//! throughput, latency, and commands lost or delivered twice.
//!
//! ```text
//! cargo run --release --example load -- [--devices 1000] [--cycles 10] [--concurrency 64]
//!     [--url http://127.0.0.1:PORT --api-key KEY] [--journal FILE]
//! ```
//!
//! Without `--url` it starts the `apple_mdm_server` binary built next to it on 127.0.0.1:0 with
//! a fresh data directory, and stops it at the end. Each device enrolls (downloads a profile,
//! takes its PKCS#12 identity, sends `Authenticate` and `TokenUpdate`), then per cycle: the
//! API queues a `DeviceInformation` command for it, the device connects `Idle`, gets the
//! command, answers `Acknowledged`, and gets the empty answer.
//!
//! `--journal FILE` appends one line per event, written as it happens (for crash tests):
//! `device UDID TOPIC CHECKIN_PATH CONNECT_PATH PKCS12_BASE64 PASSWORD` once enrolled,
//! `enqueued UUID UDID` when the API accepted a command, `delivered UUID UDID` when the device
//! got it, `acked UUID UDID` when the server answered its `Acknowledged` report with 200.
//!
//! Exits non-zero when a command was lost (queued, never delivered) or duplicated (delivered
//! more than once), or when a request failed.

mod device;

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use device::{Answer, Device, DeviceError, Http, command_of};
use mdmkit::apple::report::Status;

const MAX_DEVICES: usize = 100_000;
const MAX_CYCLES: usize = 10_000;
const MAX_CONCURRENCY: usize = 1024;
/// Commands one device may be given in a row before the run calls it a loop.
const MAX_COMMANDS_PER_CONNECT: usize = 1000;

struct Opts {
    url: Option<String>,
    api_key: Option<String>,
    devices: usize,
    cycles: usize,
    concurrency: usize,
    journal: Option<PathBuf>,
}

const USAGE: &str = "usage: load [--devices N] [--cycles N] [--concurrency N] \
[--url http://127.0.0.1:PORT --api-key KEY] [--journal FILE]";

fn parse_args() -> Result<Opts, String> {
    let mut o = Opts {
        url: None,
        api_key: None,
        devices: 1000,
        cycles: 10,
        concurrency: 64,
        journal: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let number = |name: &str, v: String, max: usize| -> Result<usize, String> {
            match v.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(format!("{name} must be a number from 1 to {max}")),
            }
        };
        match a.as_str() {
            "--url" => o.url = Some(value("--url")?),
            "--api-key" => o.api_key = Some(value("--api-key")?),
            "--devices" => o.devices = number("--devices", value("--devices")?, MAX_DEVICES)?,
            "--cycles" => o.cycles = number("--cycles", value("--cycles")?, MAX_CYCLES)?,
            "--concurrency" => {
                o.concurrency = number("--concurrency", value("--concurrency")?, MAX_CONCURRENCY)?;
            }
            "--journal" => o.journal = Some(value("--journal")?.into()),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if o.url.is_some() != o.api_key.is_some() {
        return Err("--url and --api-key go together".into());
    }
    Ok(o)
}

/// The server this run started: killed and its data directory removed on drop.
struct OwnServer {
    child: Child,
    data_dir: PathBuf,
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Starts `apple_mdm_server` (next to this binary) on 127.0.0.1:0; its URL and API key.
fn start_server() -> Result<(OwnServer, String, String), DeviceError> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .ok_or("no directory for the current executable")?;
    let bin = dir.join(format!("apple_mdm_server{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        return Err(format!(
            "{} not found: build it first (cargo build --release --example apple_mdm_server) or pass --url",
            bin.display()
        )
        .into());
    }
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let data_dir = std::env::temp_dir().join(format!("mdmkit-load-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&data_dir)?;
    let log = std::fs::File::create(data_dir.join("server.log"))?;
    let child = Command::new(&bin)
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data_dir)
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let mut server = OwnServer { child, data_dir };
    let stdout = server
        .child
        .stdout
        .take()
        .ok_or("no stdout from the server")?;
    let (mut url, mut key) = (None, None);
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if let Some(k) = line
            .strip_prefix("API key")
            .and_then(|r| r.rsplit(": ").next())
        {
            key = Some(k.trim().to_owned());
        }
        if let Some(u) = line.strip_prefix("listening on ") {
            url = Some(u.trim().to_owned());
            break;
        }
    }
    match (url, key) {
        (Some(u), Some(k)) => Ok((server, u, k)),
        _ => Err("the server did not print its address and API key".into()),
    }
}

/// The journal file, one flushed line per event.
struct Journal(Option<Mutex<std::fs::File>>);

impl Journal {
    fn line(&self, text: &str) -> Result<(), DeviceError> {
        if let Some(f) = &self.0 {
            let mut f = f.lock().map_err(|_| "journal lock poisoned")?;
            f.write_all(format!("{text}\n").as_bytes())?;
            f.flush()?;
        }
        Ok(())
    }
}

/// What one device saw.
#[derive(Default)]
struct Outcome {
    enrolled: bool,
    cycles: usize,
    requests: usize,
    latencies_us: Vec<u64>,
    enqueued: Vec<String>,
    deliveries: HashMap<String, u32>,
    error: Option<String>,
}

impl Outcome {
    fn timed(
        &mut self,
        f: impl FnOnce() -> Result<Answer, DeviceError>,
    ) -> Result<Answer, DeviceError> {
        let start = Instant::now();
        let a = f()?;
        self.requests += 1;
        self.latencies_us
            .push(u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX));
        Ok(a)
    }
}

fn run_device(
    http: &Http,
    key: &str,
    udid: &str,
    cycles: usize,
    journal: &Journal,
    out: &mut Outcome,
) -> Result<(), DeviceError> {
    let answer = out.timed(|| http.get("/mdm/enroll", None))?;
    if answer.status != 200 {
        return Err(format!("GET /mdm/enroll: HTTP {}", answer.status).into());
    }
    let dev = Device::from_profile(udid, &answer.body)?;
    for msg in [dev.authenticate_message(), dev.token_update_message()] {
        let a = out.timed(|| dev.checkin(http, &msg))?;
        if a.status != 200 {
            return Err(format!("{}: HTTP {}", msg.message_type(), a.status).into());
        }
    }
    out.enrolled = true;
    journal.line(&format!(
        "device {} {} {} {} {} {}",
        dev.udid,
        dev.topic,
        dev.checkin_path,
        dev.connect_path,
        base64::engine::general_purpose::STANDARD.encode(&dev.pkcs12),
        dev.password
    ))?;
    let request = serde_json::json!({
        "targets": [udid],
        "command": { "RequestType": "DeviceInformation", "Queries": ["DeviceName", "OSVersion", "UDID"] }
    });
    for _ in 0..cycles {
        let a = out.timed(|| http.post_json("/v1/commands", Some(key), &request))?;
        if a.status != 200 {
            return Err(format!("POST /v1/commands: HTTP {}", a.status).into());
        }
        let v: serde_json::Value = serde_json::from_slice(&a.body)?;
        let uuid = v
            .get("command_uuid")
            .and_then(serde_json::Value::as_str)
            .ok_or("no command_uuid in the API answer")?
            .to_owned();
        out.enqueued.push(uuid.clone());
        journal.line(&format!("enqueued {uuid} {udid}"))?;
        let mut answer = out.timed(|| dev.report(http, &dev.new_report(Status::Idle, None)))?;
        let mut given = 0;
        while let Some(cmd) = command_of(&answer)? {
            given += 1;
            if given > MAX_COMMANDS_PER_CONNECT {
                return Err("the server keeps sending commands".into());
            }
            *out.deliveries.entry(cmd.command_uuid.clone()).or_default() += 1;
            journal.line(&format!("delivered {} {udid}", cmd.command_uuid))?;
            let ack = dev.acknowledge(&cmd);
            answer = out.timed(|| dev.report(http, &ack))?;
            if answer.status == 200 {
                journal.line(&format!("acked {} {udid}", cmd.command_uuid))?;
            }
        }
        out.cycles += 1;
    }
    Ok(())
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let i = rank.clamp(1, sorted.len()) - 1;
    sorted.get(i).copied().unwrap_or(0) as f64 / 1000.0
}

fn run(opts: Opts) -> Result<bool, DeviceError> {
    let (server, url, key) = match (&opts.url, &opts.api_key) {
        (Some(u), Some(k)) => (None, u.clone(), k.clone()),
        _ => {
            let (s, u, k) = start_server()?;
            println!(
                "started apple_mdm_server at {u} (data in {})",
                s.data_dir.display()
            );
            (Some(s), u, k)
        }
    };
    let journal = Journal(match &opts.journal {
        Some(p) => Some(Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| format!("{}: {e}", p.display()))?,
        )),
        None => None,
    });
    let http = Http::new(&url);
    let run_id = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() % 1_000_000_000;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Outcome>> = Mutex::new(Vec::with_capacity(opts.devices));
    println!(
        "{} devices x {} cycles, {} at a time, against {url}",
        opts.devices, opts.cycles, opts.concurrency
    );
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..opts.concurrency.min(opts.devices) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= opts.devices {
                        break;
                    }
                    let udid = format!("LOAD-{run_id:09}-{i:06}");
                    let mut out = Outcome::default();
                    if let Err(e) = run_device(&http, &key, &udid, opts.cycles, &journal, &mut out)
                    {
                        out.error = Some(format!("{udid}: {e}"));
                    }
                    if let Ok(mut r) = results.lock() {
                        r.push(out);
                    }
                }
            });
        }
    });
    let elapsed = start.elapsed();
    drop(server);
    let results = results.into_inner().map_err(|_| "results lock poisoned")?;
    let mut latencies: Vec<u64> = Vec::new();
    let (mut requests, mut cycles, mut enrolled, mut enqueued, mut delivered) = (0, 0, 0, 0, 0);
    let (mut lost, mut duplicated) = (0usize, 0usize);
    let mut errors = Vec::new();
    for r in &results {
        requests += r.requests;
        cycles += r.cycles;
        enrolled += usize::from(r.enrolled);
        enqueued += r.enqueued.len();
        delivered += r.deliveries.values().map(|&n| n as usize).sum::<usize>();
        lost += r
            .enqueued
            .iter()
            .filter(|u| !r.deliveries.contains_key(*u))
            .count();
        duplicated += r.deliveries.values().filter(|&&n| n > 1).count();
        latencies.extend_from_slice(&r.latencies_us);
        if let Some(e) = &r.error {
            errors.push(e.clone());
        }
    }
    latencies.sort_unstable();
    let secs = elapsed.as_secs_f64().max(f64::EPSILON);
    println!("elapsed: {secs:.2} s");
    println!("devices enrolled: {enrolled}/{}", opts.devices);
    println!("cycles completed: {cycles}/{}", opts.devices * opts.cycles);
    println!("requests: {requests}");
    println!(
        "throughput: {:.0} requests/s, {:.0} cycles/s",
        requests as f64 / secs,
        cycles as f64 / secs
    );
    println!(
        "latency per request: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 100.0)
    );
    println!("commands: enqueued {enqueued}, delivered {delivered}");
    println!("lost: {lost}");
    println!("duplicated: {duplicated}");
    println!("errors: {}", errors.len());
    for e in errors.iter().take(5) {
        eprintln!("error: {e}");
    }
    Ok(lost == 0 && duplicated == 0 && errors.is_empty())
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(opts) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
