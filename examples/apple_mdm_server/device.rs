//! The device endpoints: enrollment profile, check-in, and the command channel.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mdmkit::Sensitive;
use mdmkit::apple::Inbound;
use mdmkit::apple::checkin::{CheckinMessage, GetBootstrapTokenResponse};
use mdmkit::apple::enroll::{EnrollmentProfileBuilder, access_rights};
use mdmkit::apple::plist::{Dictionary, Value};
use mdmkit::apple::profile::{
    Mdm, MdmServerCapabilitiesItems, PayloadScope, SecurityPkcs12, SecurityRoot,
};
use mdmkit::apple::report::{CommandReport, Status};
use mdmkit::apple::transport::{
    CONTENT_TYPE_PLIST, CONTENT_TYPE_PROFILE, MDM_SIGNATURE_HEADER, verify_mdm_signature,
};

use crate::pki::{hex, new_uuid};
use crate::{App, HttpError};

/// Identifier prefix of the enrollment profile and its payloads.
const PROFILE_ID: &str = "local.mdmkit.example.enroll";

/// An empty 200: "nothing to say" for check-ins, "no command queued" on the server URL.
fn empty() -> Response {
    StatusCode::OK.into_response()
}

fn plist(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE_PLIST)], body).into_response()
}

/// `GET /mdm/enroll`: a signed enrollment profile with a device identity issued for this
/// download (recorded, so that `Authenticate` can bind it to the device).
pub(crate) async fn enroll(State(app): State<Arc<App>>) -> Result<Response, HttpError> {
    let identity = app.pki.issue_device_identity()?;
    app.db()?
        .record_identity(&hex(&identity.fingerprint), &identity.serial)?;
    let (p12_uuid, mdm_uuid, root_uuid, profile_uuid) =
        (new_uuid()?, new_uuid()?, new_uuid()?, new_uuid()?);
    let mut p12 = SecurityPkcs12::new(
        format!("{PROFILE_ID}.identity"),
        p12_uuid.clone(),
        Bytes::from(identity.pkcs12),
    );
    p12.password = Some(Sensitive::new(identity.password));
    p12.payload_display_name = Some("Device identity".into());
    let mut mdm = Mdm::new(
        format!("{PROFILE_ID}.mdm"),
        mdm_uuid,
        p12_uuid,
        app.topic.clone(),
        format!("{}/mdm/connect", app.public_url),
    );
    mdm.check_in_url = Some(format!("{}/mdm/checkin", app.public_url));
    mdm.sign_message = Some(true);
    mdm.access_rights = Some(access_rights::ALL);
    mdm.check_out_when_removed = Some(true);
    mdm.server_capabilities = Some(vec![
        MdmServerCapabilitiesItems::PerUserConnections,
        MdmServerCapabilitiesItems::Bootstraptoken,
    ]);
    let mut root = SecurityRoot::new(
        format!("{PROFILE_ID}.ca"),
        root_uuid,
        app.pki.ca.der().clone(),
    );
    root.payload_display_name = Some("mdmkit example device CA".into());
    let profile = EnrollmentProfileBuilder::new(PROFILE_ID, profile_uuid, mdm)
        .identity(p12)
        .trust_anchor(root)
        .display_name("mdmkit example MDM")
        .organization("mdmkit example server")
        .scope(PayloadScope::System)
        .build()
        .map_err(|e| HttpError::internal(format!("enrollment profile: {e}")))?;
    let signed = profile
        .sign(&app.pki.profile_signer, SystemTime::now())
        .map_err(|e| HttpError::internal(format!("signing the profile: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, CONTENT_TYPE_PROFILE),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"enroll.mobileconfig\"",
            ),
        ],
        signed,
    )
        .into_response())
}

/// Verifies the request's `Mdm-Signature` against the CA; the signer's fingerprint (hex).
fn signer(app: &App, headers: &HeaderMap, body: &[u8]) -> Result<String, HttpError> {
    let value = headers
        .get(MDM_SIGNATURE_HEADER)
        .ok_or_else(|| HttpError::unauthorized("no Mdm-Signature header"))?
        .to_str()
        .map_err(|_| HttpError::unauthorized("Mdm-Signature is not text"))?;
    let sig = verify_mdm_signature(value, body, &app.pki.device_policy())
        .map_err(|e| HttpError::unauthorized(format!("Mdm-Signature refused: {e}")))?;
    Ok(hex(&sig.fingerprint()))
}

/// Checks that `device_id` is enrolled with the identity `fingerprint`.
fn bound(app: &App, device_id: &str, fingerprint: &str) -> Result<(), HttpError> {
    match app.db()?.device_fingerprint(device_id)? {
        None => Err(HttpError::unauthorized("unknown device")),
        Some(f) if f == fingerprint => Ok(()),
        Some(_) => Err(HttpError::unauthorized(
            "the signing certificate is not the one bound to this device",
        )),
    }
}

/// `UDID`, else `EnrollmentID`, from keys the generated type keeps as unknown.
fn id_from_keys(keys: &Dictionary) -> Option<String> {
    keys.get("UDID")
        .or_else(|| keys.get("EnrollmentID"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn required_id(id: Option<String>) -> Result<String, HttpError> {
    id.filter(|s| !s.is_empty())
        .ok_or_else(|| HttpError::bad_request("the message has neither UDID nor EnrollmentID"))
}

/// `PUT /mdm/checkin`.
pub(crate) async fn checkin(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    let fingerprint = signer(&app, &headers, &body)?;
    let msg = CheckinMessage::from_xml(&body)
        .map_err(|e| HttpError::bad_request(format!("check-in message: {e}")))?;
    let message_type = msg.message_type().to_owned();
    match msg {
        CheckinMessage::Authenticate(a) => {
            let id = required_id(a.udid.clone().or(a.enrollment_id.clone()))?;
            let json = serde_json::to_string(&a).map_err(|e| HttpError::internal(e.to_string()))?;
            let mut db = app.db()?;
            if !db.authenticate(
                &id,
                a.udid.as_deref(),
                a.enrollment_id.as_deref(),
                &fingerprint,
                &a.topic,
                &json,
            )? {
                return Err(HttpError::unauthorized(
                    "Authenticate signed by an identity not issued here or bound to another device",
                ));
            }
            db.log_checkin(Some(&id), &message_type, &body)?;
            Ok(empty())
        }
        CheckinMessage::TokenUpdate(t) => {
            let id = required_id(t.udid.clone().or(t.enrollment_id.clone()))?;
            bound(&app, &id, &fingerprint)?;
            let db = app.db()?;
            db.log_checkin(Some(&id), &message_type, &body)?;
            // The user channel's tokens are kept in the check-in log only: this example
            // manages the device channel.
            if t.user_id.is_none() && t.enrollment_user_id.is_none() {
                db.token_update(
                    &id,
                    &t.topic,
                    t.token.expose(),
                    t.push_magic.expose(),
                    t.unlock_token.as_ref().map(|u| u.expose().as_ref()),
                )?;
            }
            Ok(empty())
        }
        CheckinMessage::CheckOut(c) => {
            let id = required_id(c.udid.clone().or(c.enrollment_id.clone()))?;
            bound(&app, &id, &fingerprint)?;
            let db = app.db()?;
            db.log_checkin(Some(&id), &message_type, &body)?;
            db.check_out(&id)?;
            Ok(empty())
        }
        CheckinMessage::UserAuthenticate(u) => {
            bound(&app, &u.udid, &fingerprint)?;
            app.db()?.log_checkin(Some(&u.udid), &message_type, &body)?;
            if !app.user_auth {
                // The protocol's way to decline: the device then carries on without a user
                // channel for this user.
                return Ok(StatusCode::GONE.into_response());
            }
            if u.digest_response.is_some() {
                return Ok(empty());
            }
            // An empty challenge: no password asked for.
            let mut d = Dictionary::new();
            d.insert("DigestChallenge", "");
            let xml = Value::Dictionary(d)
                .to_xml()
                .map_err(|e| HttpError::internal(e.to_string()))?;
            Ok(plist(xml))
        }
        CheckinMessage::SetBootstrapToken(b) => {
            let id = required_id(id_from_keys(&b.unknown_keys))?;
            bound(&app, &id, &fingerprint)?;
            let db = app.db()?;
            db.log_checkin(Some(&id), &message_type, &body)?;
            db.set_bootstrap_token(&id, b.bootstrap_token.as_ref().map(|t| t.expose().as_ref()))?;
            Ok(empty())
        }
        CheckinMessage::GetBootstrapToken(g) => {
            let id = required_id(id_from_keys(&g.unknown_keys))?;
            bound(&app, &id, &fingerprint)?;
            let db = app.db()?;
            db.log_checkin(Some(&id), &message_type, &body)?;
            let mut answer = GetBootstrapTokenResponse::new();
            answer.bootstrap_token = db
                .bootstrap_token(&id)?
                .map(|t| Sensitive::new(Bytes::from(t)));
            let xml = answer
                .to_xml()
                .map_err(|e| HttpError::internal(e.to_string()))?;
            Ok(plist(xml))
        }
        CheckinMessage::DeclarativeManagement(d) => {
            let id = required_id(d.udid.clone().or(d.enrollment_id.clone()))?;
            bound(&app, &id, &fingerprint)?;
            app.db()?.log_checkin(Some(&id), &message_type, &body)?;
            let (status, answer) = crate::ddm::respond(&app, &id, &d)?;
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if answer.is_empty() {
                Ok(status.into_response())
            } else {
                Ok((status, [(header::CONTENT_TYPE, "application/json")], answer).into_response())
            }
        }
        other => {
            // GetToken and message types this server has no answer for: logged, then refused.
            let id = match &other {
                CheckinMessage::GetToken(g) => g.udid.clone().or(g.enrollment_id.clone()),
                CheckinMessage::Unknown(d) => id_from_keys(d),
                _ => None,
            };
            let id = required_id(id)?;
            bound(&app, &id, &fingerprint)?;
            app.db()?.log_checkin(Some(&id), &message_type, &body)?;
            Err(HttpError::bad_request(format!(
                "check-in message type {message_type:?} is not supported by this server"
            )))
        }
    }
}

/// The stored result of a report: its status, error chain, the typed response (for
/// `Acknowledged`) and the body as sent.
fn result_json(request_type: &str, report: &CommandReport) -> serde_json::Value {
    let typed = (report.status == Status::Acknowledged).then(|| report.response_for(request_type));
    let (response, response_error) = match typed {
        Some(Ok(r)) => (serde_json::to_value(r).ok(), None),
        Some(Err(e)) => (None, Some(e.to_string())),
        None => (None, None),
    };
    serde_json::json!({
        "status": report.status.as_str(),
        "error_chain": report.error_chain,
        "body": report.body,
        "response": response,
        "response_error": response_error,
    })
}

/// `PUT /mdm/connect`: stores the report, answers with the next command or an empty 200.
pub(crate) async fn connect(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    let fingerprint = signer(&app, &headers, &body)?;
    let report = match Inbound::from_xml(&body) {
        Ok(Inbound::Report(r)) => r,
        Ok(_) => {
            return Err(HttpError::bad_request(
                "a check-in message sent to the server URL",
            ));
        }
        Err(e) => return Err(HttpError::bad_request(format!("command report: {e}"))),
    };
    let id = required_id(report.device_id().map(str::to_owned))?;
    bound(&app, &id, &fingerprint)?;
    let idle = report.status.is_idle();
    let mut db = app.db()?;
    if !idle {
        let uuid = report
            .command_uuid
            .as_deref()
            .ok_or_else(|| HttpError::bad_request("a report without CommandUUID"))?;
        let final_status = match report.status {
            Status::Acknowledged => Some("acknowledged"),
            Status::Error => Some("error"),
            Status::CommandFormatError => Some("command-format-error"),
            Status::NotNow => None,
            _ => {
                return Err(HttpError::bad_request(format!(
                    "unknown report status {:?}",
                    report.status.as_str()
                )));
            }
        };
        let outcome = db.store_report(
            &id,
            uuid,
            report.status.as_str(),
            final_status,
            &body,
            |rt| result_json(rt, &report),
        )?;
        match outcome {
            crate::db::ReportOutcome::Stored => {}
            crate::db::ReportOutcome::AlreadyFinal => {
                eprintln!(
                    "{id}: repeated report for {uuid}, already final; kept in the report log"
                );
            }
            crate::db::ReportOutcome::Unknown => {
                eprintln!("{id}: report for unknown command {uuid}; kept in the report log");
            }
        }
    }
    match db.next_command(&id, idle)? {
        Some((_, xml)) => Ok(plist(xml)),
        None => Ok(empty()),
    }
}
