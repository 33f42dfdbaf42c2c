//! The JSON API (bearer API key): queue OMA DM commands for a device, read a command's outcome,
//! list devices.
//!
//! A command is `{"verb": "Get" | "Replace" | "Add" | "Delete" | "Exec", "target": LocURI,
//! "format": "chr" | "int" | "bool" | "b64" | "xml" | …, "type": MIME type, "data": text}`
//! (`format`, `type` and `data` optional), or `{"verb": "Atomic", "commands": [...]}`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mdmkit::windows::csp;
use mdmkit::windows::syncml::{CmdId, Command, Data, Exec, Item, Meta, Operation};
use serde::{Deserialize, Serialize};

use crate::App;
use crate::secrets::ct_eq;
use crate::store::NewCommand;

/// Most commands in one request, and in one Atomic.
const MAX_COMMANDS: usize = 100;
/// Longest `target`.
const MAX_TARGET: usize = 1024;
/// Longest `data`.
const MAX_DATA: usize = 256 * 1024;
/// Longest `format` and `type`.
const MAX_META: usize = 256;

/// The verbs the API queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verb {
    Get,
    Replace,
    Add,
    Delete,
    Exec,
    Atomic,
}

impl Verb {
    fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "Get",
            Verb::Replace => "Replace",
            Verb::Add => "Add",
            Verb::Delete => "Delete",
            Verb::Exec => "Exec",
            Verb::Atomic => "Atomic",
        }
    }
}

/// One command as the API receives it (and as the queue stores it).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    pub verb: Verb,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<CommandSpec>,
}

fn printable(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

impl CommandSpec {
    /// Checks the rules; `nested` inside an Atomic (where Windows refuses `Get` and `Atomic`).
    pub fn validate(&self, nested: bool) -> Result<(), String> {
        let verb = self.verb.as_str();
        if self.verb == Verb::Atomic {
            if nested {
                return Err("an Atomic cannot contain an Atomic".to_owned());
            }
            if self.target.is_some() || self.data.is_some() || self.format.is_some() {
                return Err("an Atomic has commands, not target, format or data".to_owned());
            }
            if self.commands.is_empty() || self.commands.len() > MAX_COMMANDS {
                return Err(format!("an Atomic holds 1 to {MAX_COMMANDS} commands"));
            }
            for c in &self.commands {
                c.validate(true)?;
            }
            return Ok(());
        }
        if nested && self.verb == Verb::Get {
            return Err("an Atomic cannot contain a Get".to_owned());
        }
        if !self.commands.is_empty() {
            return Err(format!("{verb} has no nested commands"));
        }
        let target = self
            .target
            .as_deref()
            .ok_or_else(|| format!("{verb} needs a target"))?;
        if target.is_empty() || target.len() > MAX_TARGET || !printable(target) {
            return Err(format!(
                "target must be 1 to {MAX_TARGET} bytes without control characters"
            ));
        }
        if matches!(self.verb, Verb::Get | Verb::Delete) && self.data.is_some() {
            return Err(format!("{verb} carries no data"));
        }
        if self.data.as_ref().is_some_and(|d| d.len() > MAX_DATA) {
            return Err(format!("data is longer than {MAX_DATA} bytes"));
        }
        for m in [&self.format, &self.mime_type].into_iter().flatten() {
            if m.is_empty() || m.len() > MAX_META || !printable(m) {
                return Err(format!(
                    "format and type must be 1 to {MAX_META} bytes without control characters"
                ));
            }
        }
        Ok(())
    }

    /// The SyncML command (`CmdID`s left empty for the session to allocate).
    pub fn build(&self) -> Command {
        if self.verb == Verb::Atomic {
            return csp::atomic(self.commands.iter().map(CommandSpec::build).collect());
        }
        let mut item = Item::target(self.target.clone().unwrap_or_default());
        if self.format.is_some() || self.mime_type.is_some() {
            let mut meta = Meta::default();
            meta.format.clone_from(&self.format);
            meta.r#type.clone_from(&self.mime_type);
            item = item.with_meta(meta);
        }
        if let Some(d) = &self.data {
            item = item.with_data(Data::text(d));
        }
        let op = |item| Operation::new(CmdId::default(), vec![item]);
        match self.verb {
            Verb::Get => Command::Get(op(item)),
            Verb::Replace => Command::Replace(op(item)),
            Verb::Add => Command::Add(op(item)),
            Verb::Delete => Command::Delete(op(item)),
            Verb::Exec | Verb::Atomic => Command::Exec(Exec::new(CmdId::default(), item)),
        }
    }
}

/// Rebuilds a queued command from its stored JSON.
pub fn build_from_spec(spec: &str) -> Result<Command, String> {
    let spec: CommandSpec = serde_json::from_str(spec).map_err(|e| e.to_string())?;
    spec.validate(false)?;
    Ok(spec.build())
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// `Authorization: Bearer <api key>`, compared in constant time.
fn authorized(app: &App, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if ct_eq(given.trim().as_bytes(), app.api_key.as_bytes()) {
        Ok(())
    } else {
        let mut r = error(
            StatusCode::UNAUTHORIZED,
            "a valid bearer API key is required",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        Err(Box::new(r))
    }
}

fn internal(e: &rusqlite::Error) -> Response {
    eprintln!("api: database: {e}");
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

fn to_new(spec: &CommandSpec) -> Result<NewCommand, String> {
    Ok(NewCommand {
        verb: spec.verb.as_str().to_owned(),
        target: spec.target.clone(),
        spec: serde_json::to_string(spec).map_err(|e| e.to_string())?,
        children: spec.commands.iter().map(to_new).collect::<Result<_, _>>()?,
    })
}

/// `POST /v1/windows/devices/{device_id}/commands` with a JSON list of commands → their ids.
pub async fn queue_commands(
    State(app): State<Arc<App>>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = authorized(&app, &headers) {
        return *r;
    }
    let specs: Vec<CommandSpec> = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("bad JSON: {e}")),
    };
    if specs.is_empty() || specs.len() > MAX_COMMANDS {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("send 1 to {MAX_COMMANDS} commands"),
        );
    }
    let mut new = Vec::with_capacity(specs.len());
    for (i, s) in specs.iter().enumerate() {
        if let Err(e) = s
            .validate(false)
            .and_then(|()| to_new(s).map(|n| new.push(n)))
        {
            return error(StatusCode::BAD_REQUEST, &format!("command {i}: {e}"));
        }
    }
    let mut store = app.store();
    match store.device_status(&device_id) {
        Ok(Some(s)) if s == "enrolled" => {}
        Ok(Some(_)) => return error(StatusCode::CONFLICT, "the device is not enrolled"),
        Ok(None) => return error(StatusCode::NOT_FOUND, "no such device"),
        Err(e) => return internal(&e),
    }
    match store.queue(&device_id, &new) {
        Ok(ids) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "command_ids": ids })),
        )
            .into_response(),
        Err(e) => internal(&e),
    }
}

/// `GET /v1/windows/commands/{id}`: state, status code, results (and an Atomic's children).
pub async fn command(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorized(&app, &headers) {
        return *r;
    }
    match app.store().command(id) {
        Ok(Some(view)) => Json(view).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such command"),
        Err(e) => internal(&e),
    }
}

/// `GET /v1/windows/devices`.
pub async fn devices(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(r) = authorized(&app, &headers) {
        return *r;
    }
    match app.store().devices() {
        Ok(list) => Json(list).into_response(),
        Err(e) => internal(&e),
    }
}
