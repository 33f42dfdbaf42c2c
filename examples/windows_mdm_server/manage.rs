//! The OMA DM management endpoint: MD5 digest authentication with nonce rotation, one
//! [`Session`] per (device, `SessionID`), statuses and results stored, queued commands sent.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as HttpStatus, header};
use axum::response::{IntoResponse, Response};
use mdmkit::Limits;
use mdmkit::windows::csp::{self, DeviceEvent};
use mdmkit::windows::syncml::auth::{self, DigestSecret, Verdict};
use mdmkit::windows::syncml::session::{AnswerKind, Session};
use mdmkit::windows::syncml::{
    AlertCode, CONTENT_TYPE_WBXML, CONTENT_TYPE_XML, Command, Item, StatusCode, SyncMl,
};

use crate::store::ResultItem;
use crate::{App, MAX_BODY, api, secrets};

/// Sessions kept at most; the least recently used goes first.
const MAX_SESSIONS: usize = 4096;
/// A session idle this long is forgotten (the device then authenticates again).
const SESSION_TTL: Duration = Duration::from_secs(5 * 60);
/// Most queued commands considered for one reply.
const MAX_COMMANDS_PER_REPLY: usize = 200;
/// The reply size used when the device does not advertise `MaxMsgSize`, and the bounds put on
/// what it advertises.
const DEFAULT_MAX_MSG: u64 = 512 * 1024;
const MIN_MAX_MSG: u64 = 4 * 1024;

struct SessionState {
    session: Session,
    /// The nonce the device hashed when it authenticated this session.
    nonce_used: Vec<u8>,
    last_used: Instant,
}

/// Authenticated management sessions, keyed by (DeviceID, `SessionID`).
#[derive(Default)]
pub struct Sessions {
    map: HashMap<(String, String), SessionState>,
}

impl Sessions {
    fn make_room(&mut self, now: Instant) {
        self.map
            .retain(|_, s| now.duration_since(s.last_used) < SESSION_TTL);
        while self.map.len() >= MAX_SESSIONS {
            let oldest = self
                .map
                .iter()
                .min_by_key(|(_, s)| s.last_used)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => {
                    self.map.remove(&k);
                }
                None => break,
            }
        }
    }
}

/// Limits for the SyncML decoder.
fn limits() -> Limits {
    Limits::DEFAULT
        .with_max_input_bytes(MAX_BODY)
        .with_max_items(50_000)
        .with_max_string_bytes(MAX_BODY)
}

/// `POST /ManagementServer/MDM.svc` (query parameters such as `mode` and `Platform` are
/// ignored).
pub async fn management(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or(CONTENT_TYPE_XML);
    if content_type.starts_with(CONTENT_TYPE_WBXML) {
        // The provisioning document asks for XML (DEFAULTENCODING).
        return (HttpStatus::UNSUPPORTED_MEDIA_TYPE, "WBXML is not supported").into_response();
    }
    let msg = match SyncMl::from_xml_with_limits(&body, &limits()) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("management: refused a message: {e}");
            return (HttpStatus::BAD_REQUEST, "not a SyncML DM message").into_response();
        }
    };
    // SQLite and the session map are behind blocking locks: off the async workers.
    let outcome = tokio::task::spawn_blocking(move || handle(&app, &msg))
        .await
        .unwrap_or_else(|e| Err(format!("handler task: {e}")));
    match outcome {
        Ok(xml) => (
            HttpStatus::OK,
            [(header::CONTENT_TYPE, CONTENT_TYPE_XML)],
            xml,
        )
            .into_response(),
        Err(e) => {
            eprintln!("management: {e}");
            HttpStatus::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn nonce() -> Result<[u8; 16], String> {
    secrets::random::<16>().map_err(|e| format!("randomness: {e}"))
}

fn handle(app: &App, msg: &SyncMl) -> Result<String, String> {
    let device_id = msg.hdr.source.loc_uri.trim();
    let session_id = msg.hdr.session_id.as_str();
    let key = (device_id.to_owned(), session_id.to_owned());
    let now = Instant::now();

    let mut sessions = app
        .sessions
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let store = app.store();
    let db = |e: rusqlite::Error| format!("database: {e}");

    let device = store.device_auth(device_id).map_err(db)?;
    let secret = device
        .as_ref()
        .map(|d| DigestSecret::new(d.digest_name.clone(), d.digest_secret.clone()));
    let current_nonce = device.as_ref().map(|d| d.nonce.clone()).unwrap_or_default();
    let expired = sessions
        .map
        .get(&key)
        .is_some_and(|s| now.duration_since(s.last_used) >= SESSION_TTL);
    if device.is_none() || expired {
        sessions.map.remove(&key);
    }

    // Who is this? A session that authenticated earlier continues without credentials (the
    // 212 it got means "authenticated for the session"); credentials sent again must match the
    // current nonce or the one the session authenticated with.
    let (verdict, fresh) = match (sessions.map.get(&key), msg.hdr.cred.as_ref()) {
        (Some(_), None) => (Verdict::Accepted, false),
        (Some(st), Some(cred)) => {
            let v = auth::verify(Some(cred), secret.as_ref(), &current_nonce);
            if v == Verdict::Accepted {
                (v, true)
            } else {
                (
                    auth::verify(Some(cred), secret.as_ref(), &st.nonce_used),
                    false,
                )
            }
        }
        (None, cred) => (auth::verify(cred, secret.as_ref(), &current_nonce), true),
    };

    if verdict != Verdict::Accepted {
        // 407 (no credentials) or 401 (wrong, or unknown device: answered alike), with a fresh
        // nonce the device must hash next.
        let next = nonce()?;
        if device.is_some() {
            store.set_nonce(device_id, &next).map_err(db)?;
        }
        sessions.map.remove(&key);
        eprintln!("management: {device_id:?} session {session_id:?}: authentication {verdict:?}");
        let (code, chal) = verdict.header_status(&next);
        let mut throwaway = Session::new();
        let mut reply = throwaway.respond(msg, code);
        if let Some(chal) = chal {
            reply.set_header_challenge(chal);
        }
        return reply
            .finish()
            .to_xml()
            .map_err(|e| format!("encoding: {e}"));
    }

    // Authenticated. Fresh credentials: 212 and a new nonce for the next session.
    let mut header_code = StatusCode::OK;
    let mut chal = None;
    if fresh {
        let next = nonce()?;
        store.set_nonce(device_id, &next).map_err(db)?;
        header_code = StatusCode::AUTHENTICATION_ACCEPTED;
        chal = Some(auth::challenge(&next));
    }
    store.touch(device_id).map_err(db)?;
    if !sessions.map.contains_key(&key) {
        sessions.make_room(now);
    }
    let st = sessions
        .map
        .entry(key.clone())
        .or_insert_with(|| SessionState {
            session: Session::new(),
            nonce_used: current_nonce.clone(),
            last_used: now,
        });
    st.last_used = now;
    if fresh {
        st.nonce_used = current_nonce;
    }

    // What the device answered: statuses and results of the commands sent to it.
    for answer in st.session.correlate(msg) {
        match answer.kind {
            AnswerKind::Status(s) if !s.is_header_status() => {
                match store
                    .find_sent(
                        device_id,
                        session_id,
                        s.msg_ref.as_str(),
                        s.cmd_ref.as_str(),
                    )
                    .map_err(db)?
                {
                    Some(id) => store.set_status(id, s.code.0).map_err(db)?,
                    None => eprintln!(
                        "management: {device_id:?}: status {} for a command not sent ({:?}/{:?})",
                        s.code.0,
                        s.msg_ref.as_str(),
                        s.cmd_ref.as_str()
                    ),
                }
            }
            AnswerKind::Results(r) => {
                let id = store
                    .find_sent(
                        device_id,
                        session_id,
                        r.msg_ref_or_default(),
                        r.cmd_ref.as_str(),
                    )
                    .map_err(db)?;
                for item in &r.items {
                    let mut value = result_item(item);
                    if value.format.is_none() {
                        value.format = r.meta.as_ref().and_then(|m| m.format.clone());
                    }
                    if value.r#type.is_none() {
                        value.r#type = r.meta.as_ref().and_then(|m| m.r#type.clone());
                    }
                    if let Some(uri) = &value.loc_uri {
                        store
                            .set_node(
                                device_id,
                                uri,
                                value.format.as_deref(),
                                value.data.as_deref(),
                            )
                            .map_err(db)?;
                    }
                    if let Some(id) = id {
                        store.add_result(id, &value).map_err(db)?;
                    }
                }
            }
            _ => {}
        }
    }

    // Everything the device sent is kept; node values and alerts are acted upon.
    let mut unenrolled = false;
    for c in &msg.body.commands {
        let answered = match c {
            Command::Status(s) => store
                .find_sent(
                    device_id,
                    session_id,
                    s.msg_ref.as_str(),
                    s.cmd_ref.as_str(),
                )
                .map_err(db)?,
            Command::Results(r) => store
                .find_sent(
                    device_id,
                    session_id,
                    r.msg_ref_or_default(),
                    r.cmd_ref.as_str(),
                )
                .map_err(db)?,
            _ => None,
        };
        let xml = c
            .to_xml()
            .map_err(|e| format!("re-encoding a device command: {e}"))?;
        store
            .add_device_command(
                device_id,
                session_id,
                msg.hdr.msg_id.as_str(),
                c.name(),
                answered,
                &xml,
            )
            .map_err(db)?;
        match c {
            Command::Replace(op) | Command::Add(op) => {
                for item in &op.items {
                    let v = result_item(item);
                    if let Some(uri) = &v.loc_uri {
                        store
                            .set_node(device_id, uri, v.format.as_deref(), v.data.as_deref())
                            .map_err(db)?;
                    }
                }
            }
            Command::Alert(a) => {
                if matches!(
                    a.code,
                    Some(AlertCode::CLIENT_INITIATED | AlertCode::SERVER_INITIATED)
                ) {
                    // A new session: what an earlier one sent without an answer goes again.
                    let n = store.requeue_stale(device_id, session_id).map_err(db)?;
                    if n > 0 {
                        eprintln!("management: {device_id:?}: {n} unanswered command(s) requeued");
                    }
                }
                for event in csp::device_events(a) {
                    if event.event == DeviceEvent::Unenrollment {
                        store.mark_unenrolled(device_id).map_err(db)?;
                        unenrolled = true;
                        eprintln!("management: {device_id:?} unenrolled");
                    }
                }
            }
            _ => {}
        }
    }

    // The reply: header status, one status per device command, then queued commands as far as
    // the device's MaxMsgSize allows.
    let max_msg = st
        .session
        .device_max_msg_size()
        .unwrap_or(DEFAULT_MAX_MSG)
        .clamp(MIN_MAX_MSG, MAX_BODY as u64);
    let mut reply = st.session.respond(msg, header_code);
    if let Some(chal) = chal {
        reply.set_header_challenge(chal);
    }
    if !unenrolled {
        let reply_msg_id = reply.message().hdr.msg_id.as_str().to_owned();
        for q in store
            .queued(device_id, MAX_COMMANDS_PER_REPLY)
            .map_err(db)?
        {
            let command = match api::build_from_spec(&q.spec) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("management: queued command {} is not valid: {e}", q.id);
                    store
                        .set_status(q.id, StatusCode::BAD_REQUEST.0)
                        .map_err(db)?;
                    continue;
                }
            };
            let cmd_id = match reply.try_push(command, max_msg) {
                Ok(id) => id,
                // Alone in a reply and still too large for the device: it never fits (large
                // objects are not split by this example).
                Err(_) if !reply.has_commands() => {
                    eprintln!(
                        "management: queued command {} exceeds {max_msg} bytes",
                        q.id
                    );
                    store
                        .set_status(q.id, StatusCode::REQUEST_ENTITY_TOO_LARGE.0)
                        .map_err(db)?;
                    continue;
                }
                // The rest waits for the next message of the session.
                Err(_) => break,
            };
            store
                .mark_sent(q.id, session_id, &reply_msg_id, cmd_id.as_str())
                .map_err(db)?;
            let children: Vec<String> = reply
                .message()
                .body
                .commands
                .last()
                .map(|c| {
                    c.children()
                        .iter()
                        .filter_map(|k| k.cmd_id().map(|i| i.as_str().to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            for (child, child_cmd) in store.children(q.id).map_err(db)?.into_iter().zip(children) {
                store
                    .mark_sent(child, session_id, &reply_msg_id, &child_cmd)
                    .map_err(db)?;
            }
        }
    }
    // Nothing more to send for a final device message: the device ends the session, and so
    // does the server (a later message needs credentials again).
    let ended = unenrolled || (msg.body.is_final && !reply.has_commands());
    let out = reply.finish();
    if ended {
        sessions.map.remove(&key);
    }
    out.to_xml().map_err(|e| format!("encoding: {e}"))
}

/// A node value from an item a device sent (`Source`, else `Target`).
fn result_item(item: &Item) -> ResultItem {
    let loc_uri = item
        .source
        .as_ref()
        .or(item.target.as_ref())
        .map(|l| l.loc_uri.clone());
    ResultItem {
        loc_uri,
        format: item.meta.as_ref().and_then(|m| m.format.clone()),
        r#type: item.meta.as_ref().and_then(|m| m.r#type.clone()),
        data: item.data.as_ref().map(|d| d.to_text().into_owned()),
    }
}
