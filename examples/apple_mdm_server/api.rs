//! The JSON API, behind `Authorization: Bearer <API key>`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mdmkit::apple::command::{AnyRequest, Command, RequestTypeInfo};
use mdmkit::apple::plist::{self, Value};

use crate::{App, HttpError};

/// The most targets one `POST /v1/commands` may name.
const MAX_TARGETS: usize = 10_000;

pub(crate) fn authorize(app: &App, headers: &HeaderMap) -> Result<(), HttpError> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| HttpError::unauthorized("missing bearer API key"))?;
    let ok = given.len() == app.api_key.len()
        && openssl::memcmp::eq(given.as_bytes(), app.api_key.as_bytes());
    if ok {
        Ok(())
    } else {
        Err(HttpError::unauthorized("wrong API key"))
    }
}

/// Decodes the command of a `POST /v1/commands` body: Apple's wire keys as JSON (`<data>` as
/// `{"$data": base64}`, `<date>` as `{"$date": "…Z"}`), through mdmkit's typed request types.
fn decode_command(command: serde_json::Value) -> Result<AnyRequest, HttpError> {
    let value: Value = serde_json::from_value(command)
        .map_err(|e| HttpError::bad_request(format!("command: {e}")))?;
    let request_type = value
        .as_dictionary()
        .ok_or_else(|| HttpError::bad_request("command must be a JSON object"))?
        .get("RequestType")
        .and_then(Value::as_str)
        .ok_or_else(|| HttpError::bad_request("command has no RequestType string"))?;
    if RequestTypeInfo::find(request_type).is_none() {
        return Err(HttpError::bad_request(format!(
            "unknown RequestType {request_type:?}: not one of the request types in Apple's schema"
        )));
    }
    plist::from_value::<AnyRequest>(&value)
        .map_err(|e| HttpError::bad_request(format!("command: {e}")))
}

/// `POST /v1/commands`: `{"targets": [id, …], "command": {"RequestType": …, …}}` → the
/// command's UUID, queued for every target.
pub(crate) async fn post_commands(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    authorize(&app, &headers)?;
    let mut req: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| HttpError::bad_request(format!("body: {e}")))?;
    let targets: Vec<String> = match req.get("targets").and_then(serde_json::Value::as_array) {
        Some(a) if !a.is_empty() && a.len() <= MAX_TARGETS => a
            .iter()
            .map(|t| t.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| HttpError::bad_request("targets must be strings"))?,
        _ => {
            return Err(HttpError::bad_request(format!(
                "targets must be an array of 1 to {MAX_TARGETS} device ids"
            )));
        }
    };
    let command = req
        .get_mut("command")
        .map(serde_json::Value::take)
        .ok_or_else(|| HttpError::bad_request("no command"))?;
    let request = decode_command(command)?;
    let uuid = crate::pki::new_uuid()?;
    let command = Command::new(uuid.clone(), request);
    let xml = command
        .to_xml()
        .map_err(|e| HttpError::bad_request(format!("command: {e}")))?;
    let request_type = command.request_type().to_owned();
    let mut db = app.db()?;
    let unknown = db.unknown_devices(&targets)?;
    if !unknown.is_empty() {
        return Ok((
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({ "error": "unknown devices", "unknown_devices": unknown })),
        )
            .into_response());
    }
    db.enqueue(&uuid, &request_type, &xml, &targets)?;
    Ok(Json(serde_json::json!({
        "command_uuid": uuid,
        "request_type": request_type,
        "targets": targets,
    }))
    .into_response())
}

/// `GET /v1/commands/{uuid}`: per-target status and the typed result.
pub(crate) async fn get_command(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
) -> Result<Response, HttpError> {
    authorize(&app, &headers)?;
    let Some((request_type, created_at, targets)) = app.db()?.command(&uuid)? else {
        return Err(HttpError::new(StatusCode::NOT_FOUND, "unknown command"));
    };
    Ok(Json(serde_json::json!({
        "command_uuid": uuid,
        "request_type": request_type,
        "created_at": created_at,
        "targets": targets,
    }))
    .into_response())
}

/// `GET /v1/devices`.
pub(crate) async fn get_devices(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    authorize(&app, &headers)?;
    let devices = app.db()?.devices()?;
    Ok(Json(serde_json::json!({ "devices": devices })).into_response())
}

/// `POST /v1/push/{id}`: the APNs request that wakes the device.
pub(crate) async fn push(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    authorize(&app, &headers)?;
    let Some(target) = app.db()?.push_target(&id)? else {
        return Err(HttpError::new(
            StatusCode::NOT_FOUND,
            "no enrolled device with a push token by that id",
        ));
    };
    let request = crate::push::mdm_push_request(&target.token, &target.topic, &target.push_magic)
        .map_err(|e| {
        HttpError::new(
            StatusCode::CONFLICT,
            format!("the stored push data cannot make a push: {e}"),
        )
    })?;
    let shown = crate::push::request_json(&request);
    let Some(apns) = &app.apns else {
        return Ok(Json(serde_json::json!({
            "udid": id,
            "sent": false,
            "note": "no push certificate configured: the request is shown, not sent",
            "request": shown,
        }))
        .into_response());
    };
    // One connection per push: an MDM server pushes rarely.
    let sent = async {
        let mut client = crate::apns_client::ApnsClient::connect(apns).await?;
        client.send(&request).await
    };
    match sent.await {
        Ok(answer) => Ok(Json(serde_json::json!({
            "udid": id,
            "sent": answer.is_delivered(),
            "request": shown,
            "response": crate::push::response_json(&answer),
        }))
        .into_response()),
        Err(e) => {
            eprintln!("502 APNs: {e}");
            Ok((
                StatusCode::BAD_GATEWAY,
                Json(serde_json::json!({
                    "udid": id,
                    "sent": false,
                    "error": format!("APNs: {e}"),
                    "request": shown,
                })),
            )
                .into_response())
        }
    }
}
