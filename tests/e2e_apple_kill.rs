//! Crash test: `apple_mdm_server` is killed with SIGKILL in the middle of a `load` run, then
//! restarted on the same data directory. Every command whose `Acknowledged` report the server
//! answered with 200 is stored as acknowledged with its result and is never delivered again;
//! every command the API accepted and the device did not see acknowledged is delivered exactly
//! once after the restart.
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

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use apple_server::{Server, TempDir, example};
use base64::Engine as _;
use bytes::Bytes;
use device::{Device, Http, command_of};
use mdmkit::apple::report::Status;

const DEVICES: usize = 20;
/// Acknowledged commands in the journal before the kill.
const ACKED_BEFORE_KILL: usize = 120;

struct Journal {
    devices: Vec<Vec<String>>,
    enqueued: BTreeMap<String, String>,
    acked: BTreeSet<String>,
}

fn read_journal(path: &std::path::Path) -> Journal {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut j = Journal {
        devices: Vec::new(),
        enqueued: BTreeMap::new(),
        acked: BTreeSet::new(),
    };
    // Only complete lines: the last one may be cut short by the reader racing the writer.
    let complete = text.rsplit_once('\n').map_or("", |(done, _)| done);
    for line in complete.lines() {
        let f: Vec<String> = line.split(' ').map(str::to_owned).collect();
        match f[0].as_str() {
            "device" => j.devices.push(f[1..].to_vec()),
            "enqueued" => {
                j.enqueued.insert(f[1].clone(), f[2].clone());
            }
            "acked" => {
                j.acked.insert(f[1].clone());
            }
            "delivered" => {}
            other => panic!("journal line {other:?}"),
        }
    }
    j
}

#[test]
fn sigkill_mid_load_loses_and_repeats_nothing() {
    let data = TempDir::new("kill-data");
    let work = TempDir::new("kill-journal");
    let journal_path = work.path().join("journal.txt");
    let mut server = Server::start(data.path(), &[]);
    let key = server.api_key.clone().unwrap();
    let mut load = Command::new(example("load"))
        .args(["--url", &server.url, "--api-key", &key])
        .args(["--devices", &DEVICES.to_string(), "--cycles", "100"])
        .args(["--concurrency", &DEVICES.to_string(), "--journal"])
        .arg(&journal_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // Kill the server in the middle of the run.
    let deadline = Instant::now() + Duration::from_secs(300);
    while read_journal(&journal_path).acked.len() < ACKED_BEFORE_KILL {
        assert!(Instant::now() < deadline, "the load run made no progress");
        assert!(
            load.try_wait().unwrap().is_none(),
            "the load run ended early"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(server.is_running());
    server.child.kill().unwrap(); // SIGKILL on Unix
    server.child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = load.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the load run did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success(), "the run lost its server: it must fail");
    drop(server);

    let j = read_journal(&journal_path);
    assert!(j.acked.len() >= ACKED_BEFORE_KILL);
    assert!(j.devices.len() <= DEVICES && !j.devices.is_empty());
    for a in &j.acked {
        assert!(j.enqueued.contains_key(a), "acked {a} was never enqueued");
    }

    // Restart on the same data directory (port 0: a new port).
    let server = Server::start(data.path(), &[]);
    assert!(
        server.api_key.is_none(),
        "the API key is kept, not printed again"
    );
    let http = Http::new(&server.url);
    let target = |uuid: &str| {
        let a = http
            .get(&format!("/v1/commands/{uuid}"), Some(&key))
            .unwrap();
        assert_eq!(a.status, 200, "{uuid}");
        let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        v["targets"][0].clone()
    };
    // Acknowledged before the kill: stored with the result.
    for uuid in &j.acked {
        let t = target(uuid);
        assert_eq!(t["status"], "acknowledged", "{uuid}: {t}");
        assert_eq!(
            t["result"]["response"]["query_responses"]["udid"],
            j.enqueued[uuid].as_str(),
            "{t}"
        );
    }

    // Play every device: take all it is given, acknowledge each.
    let mut delivered: BTreeMap<String, u32> = BTreeMap::new();
    for d in &j.devices {
        let p12 = base64::engine::general_purpose::STANDARD
            .decode(&d[4])
            .unwrap();
        let dev =
            Device::from_identity(&d[0], &d[1], &d[2], &d[3], Bytes::from(p12), &d[5]).unwrap();
        let mut answer = dev
            .report(&http, &dev.new_report(Status::Idle, None))
            .unwrap();
        for _ in 0..1000 {
            let Some(cmd) = command_of(&answer).unwrap() else {
                break;
            };
            assert!(
                !j.acked.contains(&cmd.command_uuid),
                "{} was acknowledged before the kill and delivered again",
                cmd.command_uuid
            );
            *delivered.entry(cmd.command_uuid.clone()).or_default() += 1;
            answer = dev.report(&http, &dev.acknowledge(&cmd)).unwrap();
        }
        assert!(command_of(&answer).unwrap().is_none());
    }
    for (uuid, n) in &delivered {
        assert_eq!(*n, 1, "{uuid} delivered {n} times after the restart");
    }
    // Every command the API accepted is now acknowledged. One that was neither acknowledged in
    // the journal nor delivered after the restart was acknowledged by the server in the very
    // request the kill cut off: at most one such request per device.
    let mut in_flight = 0;
    for (uuid, udid) in &j.enqueued {
        let t = target(uuid);
        assert_eq!(t["status"], "acknowledged", "{uuid} of {udid}: {t}");
        if !j.acked.contains(uuid) && !delivered.contains_key(uuid) {
            in_flight += 1;
        }
    }
    assert!(in_flight <= j.devices.len(), "{in_flight}");
    eprintln!(
        "before the kill: {} devices, {} commands accepted, {} acknowledged; after the restart: \
         {} delivered once, {} acknowledged in the request the kill cut off",
        j.devices.len(),
        j.enqueued.len(),
        j.acked.len(),
        delivered.len(),
        in_flight
    );

    // The restarted server works: a new command reaches its device once.
    let d = &j.devices[0];
    let p12 = base64::engine::general_purpose::STANDARD
        .decode(&d[4])
        .unwrap();
    let dev = Device::from_identity(&d[0], &d[1], &d[2], &d[3], Bytes::from(p12), &d[5]).unwrap();
    let a = http
        .post_json(
            "/v1/commands",
            Some(&key),
            &serde_json::json!({ "targets": [d[0]], "command": { "RequestType": "DeviceInformation", "Queries": ["UDID"] } }),
        )
        .unwrap();
    assert_eq!(a.status, 200);
    let uuid = serde_json::from_slice::<serde_json::Value>(&a.body).unwrap()["command_uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let cmd = command_of(
        &dev.report(&http, &dev.new_report(Status::Idle, None))
            .unwrap(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(cmd.command_uuid, uuid);
    let done = dev.report(&http, &dev.acknowledge(&cmd)).unwrap();
    assert!(command_of(&done).unwrap().is_none());
    assert_eq!(target(&uuid)["status"], "acknowledged");
}
