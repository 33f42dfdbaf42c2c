//! The APNs request that wakes a device, built by mdmkit's sans-IO push types, and its JSON view
//! for the API.

use mdmkit::apple::push::{Action, PushRequest, PushResponse};

/// The MDM push for a device: mdmkit validates the token, topic and PushMagic and gives the
/// request (`POST /3/device/<hex token>`, `apns-topic`, `apns-push-type: mdm`, priority 10,
/// body `{"mdm": PushMagic}`).
pub(crate) fn mdm_push_request(
    token: &[u8],
    topic: &str,
    push_magic: &str,
) -> Result<PushRequest, mdmkit::BuildError> {
    Ok(PushRequest::mdm(token, topic, push_magic)?
        .with_priority(mdmkit::apple::push::Priority::Immediate))
}

/// The request as JSON: method, path, headers in order, body.
pub(crate) fn request_json(request: &PushRequest) -> serde_json::Value {
    let headers: serde_json::Map<String, serde_json::Value> = request
        .headers()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v)))
        .collect();
    let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(request.body()).into())
    });
    serde_json::json!({
        "method": request.method(),
        "path": request.path(),
        "headers": headers,
        "body": body,
    })
}

/// APNs' answer as JSON, with mdmkit's advice (`action`).
pub(crate) fn response_json(response: &PushResponse) -> serde_json::Value {
    let action = match response.action() {
        Action::Done => "done".to_owned(),
        Action::Retry {
            after, reconnect, ..
        } => format!(
            "retry after {} s{}",
            after.as_secs(),
            if reconnect {
                " on a new connection"
            } else {
                ""
            }
        ),
        Action::DropToken => "drop the device token".to_owned(),
        Action::FixRequest => "fix the request".to_owned(),
        Action::FixCredentials => "fix the push certificate".to_owned(),
        other => format!("{other:?}"),
    };
    match response {
        PushResponse::Rejected(r) => serde_json::json!({
            "status": r.status,
            "apns_id": r.apns_id,
            "reason": r.reason.as_ref().map(|r| r.as_str().to_owned()),
            "action": action,
        }),
        other => serde_json::json!({
            "status": other.status(),
            "apns_id": other.apns_id(),
            "action": action,
        }),
    }
}
