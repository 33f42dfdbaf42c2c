//! Declarative Device Management: the server's declaration set (stored in SQLite, managed
//! through the API), the `DeclarativeManagement` check-in, and the devices' status reports.
//!
//! * The set: `PUT /v1/declarations` stores one declaration (Apple's JSON, validated by
//!   mdmkit's typed decoder; a type mdmkit does not know is accepted as long as it is a
//!   `com.apple.<category>.…` type, since the device fetches it by category). The server sets
//!   the `ServerToken`: the SHA-256 of the declaration with an empty `ServerToken`, so it
//!   changes exactly when the content does. `GET /v1/declarations` lists the set with its
//!   `DeclarationsToken`; `DELETE /v1/declarations/{identifier}` removes one.
//! * The check-in: `tokens`, `declaration-items`, `declaration/<category>/<identifier>` and
//!   `status`, routed with mdmkit's `Endpoint`. The `Timestamp` of the tokens is the time the
//!   set last changed.
//! * `GET /v1/devices/{id}/ddm-status`: the device's last status report.
//! * `POST /v1/declarations/sync`: one `DeclarativeManagement` command with the current
//!   `SyncTokens` for every enrolled device.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mdmkit::apple::checkin;
use mdmkit::apple::command::{Command, DeclarativeManagement};
use mdmkit::apple::ddm::{
    Category, Declaration, DeclarationItemsResponse, Endpoint, StatusReport, SyncTokens,
    TokensResponse,
};
use mdmkit::apple::plist::{Date, Dictionary};

use crate::api::authorize;
use crate::db::{Db, DeclarationRow};
use crate::{App, HttpError};

/// Now, as RFC 3339 (`2024-05-01T12:00:00Z`).
fn now_rfc3339() -> String {
    Date::from(std::time::SystemTime::now()).to_xml_string()
}

/// The stored set as declarations carrying `Type`, `Identifier` and `ServerToken`: all the
/// manifest and the token need.
fn stored_set(db: &Db) -> Result<Vec<Declaration>, HttpError> {
    Ok(db
        .declarations()?
        .into_iter()
        .map(|r| Declaration::other(r.r#type, r.identifier, r.server_token, Dictionary::new()))
        .collect())
}

/// The current sync tokens.
fn sync_tokens(db: &Db) -> Result<SyncTokens, HttpError> {
    let set = stored_set(db)?;
    let timestamp = db.ddm_timestamp(&now_rfc3339())?;
    Ok(SyncTokens::for_declarations(&set, timestamp))
}

fn json_body(body: Vec<u8>) -> (u16, Vec<u8>) {
    (200, body)
}

/// The HTTP status and JSON body answering the `DeclarativeManagement` check-in `msg` of the
/// device `device_id` (already authenticated). An empty body is sent without a content type.
pub(crate) fn respond(
    app: &App,
    device_id: &str,
    msg: &checkin::DeclarativeManagement,
) -> Result<(u16, Vec<u8>), HttpError> {
    let encode = |e: mdmkit::EncodeError| HttpError::internal(format!("DDM answer: {e}"));
    match Endpoint::of(msg) {
        Endpoint::Tokens => {
            let tokens = sync_tokens(&*app.db()?)?;
            Ok(json_body(
                TokensResponse::new(tokens).to_json().map_err(encode)?,
            ))
        }
        Endpoint::DeclarationItems => {
            let set = stored_set(&*app.db()?)?;
            Ok(json_body(
                DeclarationItemsResponse::from_declarations(&set)
                    .to_json()
                    .map_err(encode)?,
            ))
        }
        Endpoint::Declaration {
            category,
            identifier,
        } => match app.db()?.declaration(&identifier)? {
            Some(row) if Category::of_type(&row.r#type) == Some(category) => {
                Ok(json_body(row.json))
            }
            _ => Ok((404, Vec::new())),
        },
        Endpoint::Status => {
            let report = msg
                .status_report()
                .map_err(|e| HttpError::bad_request(format!("status report: {e}")))?;
            let raw = msg
                .data
                .as_ref()
                .ok_or_else(|| HttpError::bad_request("status report without Data"))?;
            app.db()?.store_ddm_status(device_id, raw)?;
            let n = report.declarations().count();
            eprintln!("{device_id}: DDM status report ({n} declarations)");
            Ok((200, Vec::new()))
        }
        other => Err(HttpError::new(
            StatusCode::NOT_FOUND,
            format!("unknown DDM endpoint {:?}", other.to_string()),
        )),
    }
}

/// The set as the API shows it.
fn set_json(db: &Db) -> Result<serde_json::Value, HttpError> {
    let tokens = sync_tokens(db)?;
    let declarations: Vec<serde_json::Value> = db
        .declarations()?
        .into_iter()
        .map(|r| {
            serde_json::from_slice(&r.json)
                .map_err(|e| HttpError::internal(format!("stored declaration: {e}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(serde_json::json!({
        "declarations_token": tokens.declarations_token,
        "timestamp": tokens.timestamp,
        "declarations": declarations,
    }))
}

/// `PUT /v1/declarations`: one declaration as Apple's JSON. Its `ServerToken` is replaced by
/// the hash of its content.
pub(crate) async fn put_declaration(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    authorize(&app, &headers)?;
    let mut d = Declaration::from_json(&body)
        .map_err(|e| HttpError::bad_request(format!("declaration: {e}")))?;
    if d.identifier.is_empty() {
        return Err(HttpError::bad_request("declaration: empty Identifier"));
    }
    if d.category().is_none() {
        return Err(HttpError::bad_request(format!(
            "declaration: Type {:?} is not com.apple.<activation|asset|configuration|management>.…",
            d.r#type
        )));
    }
    let encode = |e: mdmkit::EncodeError| HttpError::bad_request(format!("declaration: {e}"));
    d.server_token = String::new();
    let content = d.to_json().map_err(encode)?;
    d.server_token = crate::pki::hex(&openssl::sha::sha256(&content));
    let row = DeclarationRow {
        r#type: d.r#type.clone(),
        identifier: d.identifier.clone(),
        server_token: d.server_token.clone(),
        json: d.to_json().map_err(encode)?,
    };
    let mut db = app.db()?;
    let changed = db.put_declaration(&row, &now_rfc3339())?;
    let tokens = sync_tokens(&db)?;
    Ok(Json(serde_json::json!({
        "identifier": row.identifier,
        "type": row.r#type,
        "server_token": row.server_token,
        "changed": changed,
        "declarations_token": tokens.declarations_token,
    }))
    .into_response())
}

/// `GET /v1/declarations`.
pub(crate) async fn get_declarations(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    authorize(&app, &headers)?;
    Ok(Json(set_json(&*app.db()?)?).into_response())
}

/// `DELETE /v1/declarations/{identifier}`.
pub(crate) async fn delete_declaration(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(identifier): Path<String>,
) -> Result<Response, HttpError> {
    authorize(&app, &headers)?;
    let mut db = app.db()?;
    if !db.delete_declaration(&identifier, &now_rfc3339())? {
        return Err(HttpError::new(StatusCode::NOT_FOUND, "unknown declaration"));
    }
    let tokens = sync_tokens(&db)?;
    Ok(Json(serde_json::json!({
        "deleted": identifier,
        "declarations_token": tokens.declarations_token,
    }))
    .into_response())
}

/// `POST /v1/declarations/sync`: a `DeclarativeManagement` command with the current sync
/// tokens, queued for every enrolled device (one command each).
pub(crate) async fn sync(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    authorize(&app, &headers)?;
    let mut db = app.db()?;
    let tokens = sync_tokens(&db)?;
    let request = DeclarativeManagement::with_sync_tokens(&tokens)
        .map_err(|e| HttpError::internal(format!("DeclarativeManagement: {e}")))?;
    let mut commands = Vec::new();
    for device in db.enrolled_devices()? {
        let uuid = crate::pki::new_uuid()?;
        let xml = Command::new(uuid.clone(), request.clone())
            .to_xml()
            .map_err(|e| HttpError::internal(format!("DeclarativeManagement: {e}")))?;
        commands.push((uuid, device, xml));
    }
    db.enqueue_each("DeclarativeManagement", &commands)?;
    let queued: Vec<serde_json::Value> = commands
        .iter()
        .map(|(uuid, device, _)| serde_json::json!({ "device": device, "command_uuid": uuid }))
        .collect();
    Ok(Json(serde_json::json!({
        "sync_tokens": { "DeclarationsToken": tokens.declarations_token, "Timestamp": tokens.timestamp },
        "commands": queued,
    }))
    .into_response())
}

/// `GET /v1/devices/{id}/ddm-status`: the device's last status report, as sent, and the
/// state of each declaration it reports.
pub(crate) async fn device_status(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    authorize(&app, &headers)?;
    let Some((raw, received_at)) = app.db()?.ddm_status(&id)? else {
        return Err(HttpError::new(
            StatusCode::NOT_FOUND,
            "no status report from a device by that id",
        ));
    };
    let report = StatusReport::from_json(&raw)
        .map_err(|e| HttpError::internal(format!("stored status report: {e}")))?;
    let raw_json: serde_json::Value = serde_json::from_slice(&raw)
        .map_err(|e| HttpError::internal(format!("stored status report: {e}")))?;
    let declarations: Vec<serde_json::Value> = report
        .declarations()
        .map(|(category, d)| {
            serde_json::json!({
                "category": category.as_str(),
                "identifier": d.identifier,
                "server_token": d.server_token,
                "active": d.active,
                "valid": d.valid,
                "reasons": d.reasons,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({
        "device": id,
        "received_at": received_at,
        "declarations": declarations,
        "report": raw_json,
    }))
    .into_response())
}
