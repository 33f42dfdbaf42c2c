//! Generates typed Rust from Apple's device-management YAML schema.
//!
//! Input: `--spec DIR` (Apple's `apple/device-management` checkout). Output: one Rust file per
//! YAML file under `src/apple/generated/<group>/`, a `<group>.rs` with the module list and the
//! dispatch enum, and `src/apple/generated.rs`. Output is deterministic (sorted input, no
//! timestamps) and formatted with rustfmt. `--check` compares instead of writing and also fails
//! on orphaned files.

mod emit;
mod fixups;
mod names;
mod schema;
mod status;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A group of YAML files that becomes one module of `generated`.
pub struct Group {
    /// Module name under `apple::generated`.
    pub module: &'static str,
    /// Directory under the spec root.
    pub dir: &'static str,
    /// The top-level key naming each file's type (`requesttype`, `payloadtype`, …).
    pub kind: GroupKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// Check-in messages: discriminated by `MessageType`.
    Checkin,
    /// Commands (discriminated by `RequestType`) and their responses.
    Commands,
    /// Enrollment error documents: discriminated by `code`.
    Errors,
    /// Configuration profile payloads: discriminated by `PayloadType`. Files sharing a payload
    /// type are merged; `CommonPayloadKeys.yaml` is folded into every payload and `TopLevel.yaml`
    /// becomes the profile's key table.
    Profiles,
    /// DDM declarations (JSON): one type per `declarationtype`, under every subdirectory.
    Declarations,
    /// DDM protocol documents (JSON): tokens, declaration items and the status report, whose
    /// `StatusItems` is built from the status item files (`declarative/status`).
    Declarative,
}

const GROUPS: &[Group] = &[
    Group {
        module: "checkin",
        dir: "mdm/checkin",
        kind: GroupKind::Checkin,
    },
    Group {
        module: "commands",
        dir: "mdm/commands",
        kind: GroupKind::Commands,
    },
    Group {
        module: "errors",
        dir: "mdm/errors",
        kind: GroupKind::Errors,
    },
    Group {
        module: "profiles",
        dir: "mdm/profiles",
        kind: GroupKind::Profiles,
    },
    Group {
        module: "declarations",
        dir: "declarative/declarations",
        kind: GroupKind::Declarations,
    },
    Group {
        module: "declarative",
        dir: "declarative/protocol",
        kind: GroupKind::Declarative,
    },
];

/// Where the DDM status item files are, under the spec root.
const STATUS_DIR: &str = "declarative/status";

pub fn run(root: &Path, spec: &Path, check: bool) -> Result<(), String> {
    let snapshot = snapshot_id(spec);
    let mut files: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut fixups = fixups::Tracker::default();
    let mut top = String::from(
        "//! Types generated from Apple's device-management schema. See each module.\n\n",
    );
    for g in GROUPS {
        let mut docs = load(spec, g.dir, g.kind == GroupKind::Declarations, &mut fixups)?;
        if g.kind == GroupKind::Declarative {
            let status = load(spec, STATUS_DIR, false, &mut fixups)?;
            status::attach(&mut docs, &status)?;
        }
        let group_files = emit::group(g, &docs, &snapshot)?;
        for (name, code) in group_files {
            files.insert(PathBuf::from("src/apple/generated").join(name), code);
        }
        match g.kind {
            GroupKind::Profiles => top.push_str("#[cfg(feature = \"apple-profiles\")]\n"),
            GroupKind::Declarations | GroupKind::Declarative => {
                top.push_str("#[cfg(feature = \"apple-ddm\")]\n");
            }
            _ => {}
        }
        top.push_str(&format!("pub mod {m};\n", m = g.module));
    }
    fixups.finish()?;
    files.insert(
        PathBuf::from("src/apple/generated.rs"),
        emit::header("the schema directory", &snapshot) + &top,
    );

    // Format.
    let mut formatted = BTreeMap::new();
    for (path, code) in files {
        formatted.insert(
            path.clone(),
            rustfmt(&code).map_err(|e| format!("{}: {e}", path.display()))?,
        );
    }

    let gen_dir = root.join("src/apple/generated");
    if check {
        let mut bad = Vec::new();
        for (path, code) in &formatted {
            match std::fs::read_to_string(root.join(path)) {
                Ok(on_disk) if &on_disk == code => {}
                Ok(_) => bad.push(format!("differs: {}", path.display())),
                Err(_) => bad.push(format!("missing: {}", path.display())),
            }
        }
        for existing in walk(&gen_dir) {
            let rel = existing
                .strip_prefix(root)
                .unwrap_or(&existing)
                .to_path_buf();
            if !formatted.contains_key(&rel) {
                bad.push(format!("orphaned: {}", rel.display()));
            }
        }
        if bad.is_empty() {
            println!("codegen --check: {} files up to date", formatted.len());
            Ok(())
        } else {
            Err(format!(
                "generated code is stale (run `cargo xtask codegen`):\n  {}",
                bad.join("\n  ")
            ))
        }
    } else {
        if gen_dir.exists() {
            std::fs::remove_dir_all(&gen_dir).map_err(|e| e.to_string())?;
        }
        for (path, code) in &formatted {
            let full = root.join(path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            std::fs::write(&full, code).map_err(|e| format!("{}: {e}", full.display()))?;
        }
        println!("codegen: wrote {} files", formatted.len());
        Ok(())
    }
}

/// Reads and fixes up the YAML files of `dir` (and its subdirectories when `recursive`), in
/// path order, each with its path relative to the spec root.
fn load(
    spec: &Path,
    dir: &str,
    recursive: bool,
    fixups: &mut fixups::Tracker,
) -> Result<Vec<(String, schema::Doc)>, String> {
    let full = spec.join(dir);
    let mut yamls: Vec<PathBuf> = if recursive {
        walk(&full)
    } else {
        std::fs::read_dir(&full)
            .map_err(|e| format!("reading {}: {e}", full.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect()
    };
    yamls.retain(|p| p.extension().is_some_and(|x| x == "yaml"));
    yamls.sort();
    if yamls.is_empty() {
        return Err(format!("{}: no YAML files", full.display()));
    }
    let mut docs = Vec::new();
    for y in &yamls {
        let text = std::fs::read_to_string(y).map_err(|e| format!("{}: {e}", y.display()))?;
        let rel = y
            .strip_prefix(spec)
            .map_err(|e| e.to_string())?
            .components()
            .filter_map(|c| c.as_os_str().to_str())
            .collect::<Vec<_>>()
            .join("/");
        let text = fixups.apply_text(&rel, text);
        let mut doc: schema::Doc =
            serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", y.display()))?;
        fixups.apply(&rel, &mut doc);
        docs.push((rel, doc));
    }
    Ok(docs)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The upstream commit named in the spec's SOURCE.txt, if any.
fn snapshot_id(spec: &Path) -> String {
    let text = std::fs::read_to_string(spec.join("SOURCE.txt")).unwrap_or_default();
    text.split_whitespace()
        .skip_while(|w| *w != "commit")
        .nth(1)
        .map(|c| format!("apple/device-management@{}", &c[..c.len().min(12)]))
        .unwrap_or_else(|| "apple/device-management (unknown snapshot)".to_owned())
}

fn rustfmt(code: &str) -> Result<String, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running rustfmt: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(code.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "rustfmt failed: {}\n--- code ---\n{code}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}
