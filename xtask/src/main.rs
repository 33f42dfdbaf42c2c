//! Project tasks. `cargo xtask codegen [--check] [--spec DIR]` generates typed Rust from Apple's
//! device-management YAML schema into `src/apple/generated/`.

mod codegen;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    match args.first().map(String::as_str) {
        Some("codegen") => {
            let mut check = false;
            let mut spec = root.join("../shared/spec/apple-device-management");
            let mut it = args.iter().skip(1);
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--check" => check = true,
                    "--spec" => match it.next() {
                        Some(d) => spec = PathBuf::from(d),
                        None => return usage(),
                    },
                    _ => return usage(),
                }
            }
            match codegen::run(&root, &spec, check) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("codegen: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: cargo xtask codegen [--check] [--spec DIR]");
    ExitCode::from(2)
}
