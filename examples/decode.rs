//! Decodes an Apple MDM message file (a check-in message or a command report, XML or binary
//! plist) and prints it as JSON.
//!
//! ```text
//! cargo run --example decode -- path/to/message.plist
//! ```
//!
//! Secrets (push token, PushMagic, UnlockToken…) are printed too: this is your own file. They
//! are only redacted in `Debug` output.

use mdmkit::apple::Inbound;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: cargo run --example decode -- FILE");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = match Inbound::from_xml(&bytes) {
        Ok(Inbound::Checkin(msg)) => serde_json::json!({ "checkin": msg }),
        Ok(Inbound::Report(report)) => serde_json::json!({ "report": report }),
        Ok(other) => serde_json::json!({ "other": format!("{other:?}") }),
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match serde_json::to_string_pretty(&json) {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
