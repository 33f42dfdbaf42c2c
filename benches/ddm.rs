//! DDM status report decode: mdmkit's typed `StatusReport::from_json` (a limit-counting JSON
//! token stream straight into the generated types, no intermediate tree) against
//! `serde_json::from_slice::<serde_json::Value>` (untyped, no limits), the usual baseline.
//!
//! Two inputs, generated at start-up, deterministically:
//!
//! * `small`: a first report after enrollment (device identity, OS, client capabilities, four
//!   declarations; ~2.3 KB);
//! * `large`: the same with 500 configurations, each with a reason (~280 KB).
//!
//! ```text
//! cargo bench --bench ddm -- --warm-up-time 1 --measurement-time 3
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mdmkit::apple::ddm::StatusReport;
use serde_json::json;

fn declaration(i: usize, reason: bool) -> serde_json::Value {
    let mut d = json!({
        "identifier": format!("com.example.configuration.{i:04}"),
        "server-token": format!("{:016x}", i * 7919),
        "active": !i.is_multiple_of(3),
        "valid": if i.is_multiple_of(5) { "invalid" } else { "valid" },
    });
    if reason {
        d["reasons"] = json!([{
            "code": "Info.NotReferencedByActivation",
            "description": format!("Configuration {i} is not referenced by an activation."),
            "details": {"Identifier": format!("com.example.configuration.{i:04}"), "ServerToken": "x"},
        }]);
    }
    d
}

fn report(configurations: usize) -> Vec<u8> {
    let configs: Vec<_> = (0..configurations)
        .map(|i| declaration(i, configurations > 10))
        .collect();
    serde_json::to_vec_pretty(&json!({
        "StatusItems": {
            "device": {
                "identifier": {"serial-number": "SERIAL000001", "udid": "00008030-000A1B2C3D4E5F60"},
                "model": {"family": "iPhone", "identifier": "iPhone15,2", "marketing-name": "iPhone 14 Pro"},
                "operating-system": {"build-version": "21E219", "family": "iOS", "marketing-name": "iOS 17",
                    "version": "17.4"},
            },
            "management": {
                "client-capabilities": {
                    "supported-versions": ["1.0.0"],
                    "supported-features": {},
                    "supported-payloads": {
                        "status-items": ["device.identifier.serial-number", "device.identifier.udid",
                            "device.model.family", "device.operating-system.version",
                            "management.declarations", "passcode.is-compliant"],
                        "declarations": {
                            "activations": ["com.apple.activation.simple"],
                            "configurations": ["com.apple.configuration.passcode.settings",
                                "com.apple.configuration.account.mail"],
                            "assets": ["com.apple.asset.data"],
                            "management": ["com.apple.management.properties"],
                        },
                    },
                },
                "declarations": {
                    "activations": [declaration(9999, false)],
                    "configurations": configs,
                    "assets": [],
                    "management": [],
                },
            },
            "passcode": {"is-compliant": true, "is-present": true},
        },
        "Errors": [],
    }))
    .unwrap()
}

fn bench(c: &mut Criterion) {
    for (name, input) in [("small", report(3)), ("large", report(500))] {
        let typed = StatusReport::from_json(&input).unwrap();
        assert!(typed.declarations().count() > 3);
        let mut g = c.benchmark_group(format!("ddm_status/{name}"));
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_function("mdmkit_typed", |b| {
            b.iter(|| StatusReport::from_json(black_box(&input)).unwrap());
        });
        g.bench_function("serde_json_value", |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&input)).unwrap());
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
