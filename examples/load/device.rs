//! A simulated Apple device over plain HTTP: takes its identity from an enrollment profile and
//! speaks the check-in and command protocol with `Mdm-Signature` on every request, through
//! mdmkit's public API only. Shared by the `load` example and the end-to-end tests (which
//! include this file), so not every helper is used by each.
#![allow(dead_code)]

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use bytes::Bytes;
use mdmkit::apple::checkin::{Authenticate, CheckinMessage, TokenUpdate};
use mdmkit::apple::command::{AnyRequest, Command};
use mdmkit::apple::plist::{Dictionary, Value};
use mdmkit::apple::profile::{Payload, Profile};
use mdmkit::apple::report::{CommandReport, Status};
use mdmkit::apple::transport::{CONTENT_TYPE_CHECKIN, CONTENT_TYPE_PLIST, MDM_SIGNATURE_HEADER};
use mdmkit::cms::{Policy, Signer, sign_detached};

/// The error type of the simulated device.
pub type DeviceError = Box<dyn std::error::Error + Send + Sync>;

/// The largest response body read: 4 MiB.
const MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;

/// An HTTP client for one server base URL (`http://127.0.0.1:PORT`).
#[derive(Clone)]
pub struct Http {
    agent: ureq::Agent,
    base: String,
}

/// An HTTP answer: status and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Http {
    /// A client with a 30 s timeout per request; HTTP errors are answers, not errors.
    pub fn new(base: &str) -> Http {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Http {
            agent,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    fn answer(
        resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Answer, DeviceError> {
        let mut resp = resp?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()?;
        Ok(Answer { status, body })
    }

    /// `GET path`, with an optional bearer key.
    pub fn get(&self, path: &str, bearer: Option<&str>) -> Result<Answer, DeviceError> {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        if let Some(key) = bearer {
            req = req.header("Authorization", format!("Bearer {key}"));
        }
        Self::answer(req.call())
    }

    /// `POST path` with a JSON body and an optional bearer key.
    pub fn post_json(
        &self,
        path: &str,
        bearer: Option<&str>,
        body: &serde_json::Value,
    ) -> Result<Answer, DeviceError> {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .content_type("application/json");
        if let Some(key) = bearer {
            req = req.header("Authorization", format!("Bearer {key}"));
        }
        Self::answer(req.send(body.to_string().as_bytes()))
    }

    /// `PUT path` with `body`, its content type, and an optional `Mdm-Signature`.
    pub fn put(
        &self,
        path: &str,
        content_type: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Answer, DeviceError> {
        let mut req = self
            .agent
            .put(format!("{}{path}", self.base))
            .content_type(content_type);
        if let Some(sig) = signature {
            req = req.header(MDM_SIGNATURE_HEADER, sig);
        }
        Self::answer(req.send(body))
    }
}

/// The path of an `https://host/path` URL from the profile (the device reaches the server's
/// listen address directly; a TLS proxy would sit in between in production).
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => rest.get(i..).unwrap_or("/").to_owned(),
        None => "/".to_owned(),
    }
}

/// A simulated device with its enrolled identity.
pub struct Device {
    pub udid: String,
    pub topic: String,
    pub checkin_path: String,
    pub connect_path: String,
    pub signer: Signer,
    /// The PKCS#12 of the identity and its password, as the profile carried them.
    pub pkcs12: Bytes,
    pub password: String,
}

impl Device {
    /// Reads a signed enrollment profile: the MDM payload and the PKCS#12 identity it names.
    pub fn from_profile(udid: &str, signed: &[u8]) -> Result<Device, DeviceError> {
        let (profile, _) = Profile::from_signed(signed, &Policy::signature_only())?;
        let mdm = profile
            .payload_content
            .iter()
            .find_map(|p| match p {
                Payload::Mdm(m) => Some(m.clone()),
                _ => None,
            })
            .ok_or("the profile has no MDM payload")?;
        let p12 = profile
            .payload_content
            .iter()
            .find_map(|p| match p {
                Payload::SecurityPkcs12(s) if s.payload_uuid == mdm.identity_certificate_uuid => {
                    Some(s.clone())
                }
                _ => None,
            })
            .ok_or("the profile has no PKCS#12 payload for the MDM identity")?;
        let password = p12
            .password
            .as_ref()
            .map(|p| p.expose().clone())
            .unwrap_or_default();
        let checkin_url = mdm
            .check_in_url
            .clone()
            .unwrap_or_else(|| mdm.server_url.clone());
        Device::from_identity(
            udid,
            &mdm.topic,
            &url_path(&checkin_url),
            &url_path(&mdm.server_url),
            p12.payload_content,
            &password,
        )
    }

    /// A device from a saved identity.
    pub fn from_identity(
        udid: &str,
        topic: &str,
        checkin_path: &str,
        connect_path: &str,
        pkcs12: Bytes,
        password: &str,
    ) -> Result<Device, DeviceError> {
        let signer = Signer::from_pkcs12(&pkcs12, password)?;
        Ok(Device {
            udid: udid.to_owned(),
            topic: topic.to_owned(),
            checkin_path: checkin_path.to_owned(),
            connect_path: connect_path.to_owned(),
            signer,
            pkcs12,
            password: password.to_owned(),
        })
    }

    /// Downloads a profile from `GET /mdm/enroll` and takes its identity; also returns the
    /// profile as downloaded.
    pub fn enroll(http: &Http, udid: &str) -> Result<(Device, Vec<u8>), DeviceError> {
        let answer = http.get("/mdm/enroll", None)?;
        if answer.status != 200 {
            return Err(format!("GET /mdm/enroll: HTTP {}", answer.status).into());
        }
        Ok((Device::from_profile(udid, &answer.body)?, answer.body))
    }

    /// The `Mdm-Signature` value for `body`: a detached CMS signature by the identity.
    pub fn sign(&self, body: &[u8]) -> Result<String, DeviceError> {
        let der = sign_detached(body, &self.signer, SystemTime::now())?;
        Ok(base64::engine::general_purpose::STANDARD.encode(der))
    }

    /// PUTs a check-in message, signed.
    pub fn checkin(&self, http: &Http, msg: &CheckinMessage) -> Result<Answer, DeviceError> {
        let body = msg.to_xml()?;
        http.put(
            &self.checkin_path,
            CONTENT_TYPE_CHECKIN,
            Some(&self.sign(&body)?),
            &body,
        )
    }

    /// PUTs a command report, signed.
    pub fn report(&self, http: &Http, report: &CommandReport) -> Result<Answer, DeviceError> {
        let body = report.to_xml()?;
        http.put(
            &self.connect_path,
            CONTENT_TYPE_PLIST,
            Some(&self.sign(&body)?),
            &body,
        )
    }

    /// The `Authenticate` message.
    pub fn authenticate_message(&self) -> CheckinMessage {
        let mut a = Authenticate::new(self.topic.clone());
        a.udid = Some(self.udid.clone());
        a.device_name = Some(format!("Simulated {}", self.udid));
        a.model = Some("iPhone15,2".into());
        a.model_name = Some("iPhone".into());
        a.os_version = Some("17.5".into());
        a.build_version = Some("21F79".into());
        a.product_name = Some("iPhone15,2".into());
        a.serial_number = Some(format!("SIM{}", self.udid.len()));
        CheckinMessage::Authenticate(a)
    }

    /// The `TokenUpdate` message (push token derived from the UDID, fixed PushMagic).
    pub fn token_update_message(&self) -> CheckinMessage {
        let token: Vec<u8> = self
            .udid
            .bytes()
            .chain(std::iter::repeat_n(0, 32))
            .take(32)
            .collect();
        let mut t = TokenUpdate::new(
            self.topic.clone(),
            token,
            "5A6E9C57-0A0B-4E4C-9C3F-000000000001",
        );
        t.udid = Some(self.udid.clone());
        CheckinMessage::TokenUpdate(t)
    }

    /// `Authenticate` then `TokenUpdate`; errors on anything but HTTP 200.
    pub fn enroll_checkins(&self, http: &Http) -> Result<(), DeviceError> {
        for msg in [self.authenticate_message(), self.token_update_message()] {
            let a = self.checkin(http, &msg)?;
            if a.status != 200 {
                return Err(format!("{}: HTTP {}", msg.message_type(), a.status).into());
            }
        }
        Ok(())
    }

    /// A report with this device's UDID.
    pub fn new_report(&self, status: Status, command_uuid: Option<&str>) -> CommandReport {
        let mut r = CommandReport::new(status);
        r.udid = Some(self.udid.clone());
        r.command_uuid = command_uuid.map(str::to_owned);
        r
    }

    /// An `Acknowledged` report answering `command` as a device would (for `DeviceInformation`,
    /// the queried values it knows).
    pub fn acknowledge(&self, command: &Command) -> CommandReport {
        let mut r = self.new_report(Status::Acknowledged, Some(&command.command_uuid));
        if let AnyRequest::DeviceInformation(di) = &command.request {
            let mut answers = Dictionary::new();
            for q in &di.queries {
                let v: Option<Value> = match q.as_str() {
                    "UDID" => Some(self.udid.clone().into()),
                    "DeviceName" => Some(format!("Simulated {}", self.udid).into()),
                    "OSVersion" => Some("17.5".into()),
                    "BuildVersion" => Some("21F79".into()),
                    "ModelName" => Some("iPhone".into()),
                    "Model" => Some("MQ9X3LL/A".into()),
                    "ProductName" => Some("iPhone15,2".into()),
                    "SerialNumber" => Some("SIMULATED01".into()),
                    "IsSupervised" => Some(false.into()),
                    "BatteryLevel" => Some(Value::Real(0.87)),
                    "DeviceCapacity" => Some(Value::Real(128.0)),
                    _ => None,
                };
                if let Some(v) = v {
                    answers.insert(q.clone(), v);
                }
            }
            r.body.insert("QueryResponses", Value::Dictionary(answers));
        }
        r
    }
}

/// Decodes a server answer to a report: `None` for the empty "nothing queued" answer.
pub fn command_of(answer: &Answer) -> Result<Option<Command>, DeviceError> {
    if answer.status != 200 {
        return Err(format!("server URL: HTTP {}", answer.status).into());
    }
    if mdmkit::apple::transport::is_empty_response(&answer.body) {
        return Ok(None);
    }
    Ok(Some(Command::from_xml(&answer.body)?))
}
