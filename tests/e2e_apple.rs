//! End to end over 127.0.0.1: the real `apple_mdm_server` binary, and the test as the device
//! (from the protocol: the profile, its PKCS#12 identity, signed check-ins and reports) and as
//! the API user. Negatives: unsigned, mis-signed, foreign-certificate and unknown-device
//! requests get 401; the API without its key gets 401; hostile bodies get a 4xx and the server
//! stays up.
#![cfg(all(feature = "apple", feature = "apple-profiles", feature = "cms"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/apple_server.rs"]
mod apple_server;
#[path = "../examples/load/device.rs"]
mod device;
#[allow(dead_code)]
#[path = "support/schema_values.rs"]
mod schema_values;

use apple_server::{Server, TempDir};
use bytes::Bytes;
use device::{Answer, Device, Http, command_of};
use mdmkit::apple::availability::KeyInfo;
use mdmkit::apple::checkin::{
    CheckOut, CheckinMessage, DeclarativeManagement, GetBootstrapToken, SetBootstrapToken,
    UserAuthenticate,
};
use mdmkit::apple::command::{ALL_REQUEST_TYPES, AnyRequest};
use mdmkit::apple::ddm::{
    self, Declaration, DeclarationItemsResponse, DeclarationPayload, Endpoint, TokensResponse,
};
use mdmkit::apple::plist::{Date, Dictionary, Value};
use mdmkit::apple::profile::{Payload, Profile};
use mdmkit::apple::report::Status;
use mdmkit::apple::transport::{CONTENT_TYPE_CHECKIN, CONTENT_TYPE_PLIST};
use mdmkit::cms::{Certificate, Policy, Signer};
use serde_json::{Value as Json, json};

struct Env {
    server: Server,
    http: Http,
    key: String,
    _dir: TempDir,
}

fn start(tag: &str, extra: &[&str]) -> Env {
    let dir = TempDir::new(tag);
    let server = Server::start(dir.path(), extra);
    let http = Http::new(&server.url);
    let key = server
        .api_key
        .clone()
        .expect("first start prints the API key");
    Env {
        server,
        http,
        key,
        _dir: dir,
    }
}

impl Env {
    fn enrolled(&self, udid: &str) -> Device {
        let (dev, _) = Device::enroll(&self.http, udid).unwrap();
        dev.enroll_checkins(&self.http).unwrap();
        dev
    }
    fn api_get(&self, path: &str) -> Json {
        let a = self.http.get(path, Some(&self.key)).unwrap();
        assert_eq!(
            a.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&a.body)
        );
        serde_json::from_slice(&a.body).unwrap()
    }
    fn enqueue(&self, udid: &str, command: Json) -> String {
        let a = self
            .http
            .post_json(
                "/v1/commands",
                Some(&self.key),
                &json!({ "targets": [udid], "command": command }),
            )
            .unwrap();
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        let v: Json = serde_json::from_slice(&a.body).unwrap();
        v["command_uuid"].as_str().unwrap().to_owned()
    }
    fn target(&self, uuid: &str) -> Json {
        let v = self.api_get(&format!("/v1/commands/{uuid}"));
        v["targets"][0].clone()
    }
    fn alive(&mut self) {
        assert!(self.server.is_running());
        let _ = self.api_get("/v1/devices");
    }
}

fn device_info() -> Json {
    json!({ "RequestType": "DeviceInformation", "Queries": ["DeviceName", "OSVersion", "UDID"] })
}

fn openssl(args: &[&str]) -> std::process::Output {
    std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl CLI")
}

#[test]
fn enroll_checkin_command_result() {
    let mut env = start("flow", &[]);
    // The profile, verified by the openssl CLI against the CA the profile itself installs.
    let (dev, der) = Device::enroll(&env.http, "E2E-FLOW-1").unwrap();
    let (profile, verified) = Profile::from_signed(&der, &Policy::signature_only()).unwrap();
    let root = profile
        .payload_content
        .iter()
        .find_map(|p| match p {
            Payload::SecurityRoot(r) => Some(r.payload_content.clone()),
            _ => None,
        })
        .unwrap();
    let ca = Certificate::from_der(&root).unwrap();
    assert_ne!(
        verified.signer(),
        &ca,
        "the CA signs the signer, not the profile"
    );
    let dir = TempDir::new("flow-openssl");
    let (p, ca_pem, out) = (
        dir.path().join("enroll.mobileconfig"),
        dir.path().join("ca.pem"),
        dir.path().join("content.plist"),
    );
    std::fs::write(&p, &der).unwrap();
    std::fs::write(&ca_pem, ca.to_pem()).unwrap();
    let o = openssl(&[
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        p.to_str().unwrap(),
        "-CAfile",
        ca_pem.to_str().unwrap(),
        "-out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        Profile::from_slice(&std::fs::read(&out).unwrap()).unwrap(),
        profile
    );
    // The identity is issued by that CA.
    assert_eq!(dev.signer.certificate().issuer(), ca.subject());
    let Some(Payload::Mdm(mdm)) = profile
        .payload_content
        .iter()
        .find(|p| matches!(p, Payload::Mdm(_)))
    else {
        panic!("no MDM payload")
    };
    assert_eq!(mdm.sign_message, Some(true));
    assert!(mdm.server_url.ends_with("/mdm/connect"));

    dev.enroll_checkins(&env.http).unwrap();
    let devices = env.api_get("/v1/devices");
    let d = &devices["devices"][0];
    assert_eq!(d["id"], "E2E-FLOW-1");
    assert_eq!(d["enrolled"], true);
    assert_eq!(d["push_token"], true);
    assert_eq!(d["topic"], dev.topic.as_str());

    // The push the server would send.
    let push = env
        .http
        .post_json("/v1/push/E2E-FLOW-1", Some(&env.key), &json!({}))
        .unwrap();
    assert_eq!(push.status, 200);
    let push: Json = serde_json::from_slice(&push.body).unwrap();
    assert_eq!(push["udid"], "E2E-FLOW-1");
    assert_eq!(push["sent"], false);
    assert!(
        push["request"]["path"]
            .as_str()
            .unwrap()
            .starts_with("/3/device/")
    );
    assert_eq!(push["request"]["method"], "POST");
    assert_eq!(push["request"]["headers"]["apns-push-type"], "mdm");
    assert_eq!(push["request"]["headers"]["apns-priority"], "10");
    assert_eq!(push["request"]["headers"]["apns-topic"], dev.topic.as_str());
    assert_eq!(
        push["request"]["body"]["mdm"],
        "5A6E9C57-0A0B-4E4C-9C3F-000000000001"
    );

    let uuid = env.enqueue("E2E-FLOW-1", device_info());
    assert_eq!(env.target(&uuid)["status"], "queued");
    let cmd = command_of(
        &dev.report(&env.http, &dev.new_report(Status::Idle, None))
            .unwrap(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(cmd.command_uuid, uuid);
    let AnyRequest::DeviceInformation(di) = &cmd.request else {
        panic!("{cmd:?}")
    };
    assert_eq!(di.queries, ["DeviceName", "OSVersion", "UDID"]);
    assert_eq!(env.target(&uuid)["status"], "sent");
    let answer = dev.report(&env.http, &dev.acknowledge(&cmd)).unwrap();
    assert!(command_of(&answer).unwrap().is_none());

    let t = env.target(&uuid);
    assert_eq!(t["status"], "acknowledged");
    assert_eq!(t["deliveries"], 1);
    let qr = &t["result"]["response"]["query_responses"];
    assert_eq!(qr["os_version"], "17.5", "{t}");
    assert_eq!(qr["udid"], "E2E-FLOW-1", "{t}");
    assert_eq!(qr["device_name"], "Simulated E2E-FLOW-1", "{t}");
    // Never delivered again.
    let idle = dev
        .report(&env.http, &dev.new_report(Status::Idle, None))
        .unwrap();
    assert!(command_of(&idle).unwrap().is_none());
    env.alive();
}

#[test]
fn not_now_and_lost_answers() {
    let env = start("notnow", &[]);
    let dev = env.enrolled("E2E-NOTNOW");
    let a = env.enqueue("E2E-NOTNOW", device_info());
    let b = env.enqueue(
        "E2E-NOTNOW",
        json!({ "RequestType": "ProfileList", "ManagedOnly": true }),
    );
    let idle = || {
        dev.report(&env.http, &dev.new_report(Status::Idle, None))
            .unwrap()
    };
    let first = command_of(&idle()).unwrap().unwrap();
    assert_eq!(first.command_uuid, a);
    // NotNow: the next answer skips `a` and gives `b`.
    let next = dev
        .report(&env.http, &dev.new_report(Status::NotNow, Some(&a)))
        .unwrap();
    let second = command_of(&next).unwrap().unwrap();
    assert_eq!(second.command_uuid, b);
    assert_eq!(second.request_type(), "ProfileList");
    assert_eq!(env.target(&a)["status"], "queued");
    let done = dev.report(&env.http, &dev.acknowledge(&second)).unwrap();
    assert!(
        command_of(&done).unwrap().is_none(),
        "a NotNow command waits for Idle"
    );
    // The device can work again: Idle gets `a` once more.
    let again = command_of(&idle()).unwrap().unwrap();
    assert_eq!(again.command_uuid, a);
    // No answer (the device restarted): the next Idle re-sends it.
    let resent = command_of(&idle()).unwrap().unwrap();
    assert_eq!(resent.command_uuid, a);
    let done = dev.report(&env.http, &dev.acknowledge(&resent)).unwrap();
    assert!(command_of(&done).unwrap().is_none());
    assert!(command_of(&idle()).unwrap().is_none());
    let t = env.target(&a);
    assert_eq!(t["status"], "acknowledged");
    assert_eq!(t["deliveries"], 3);
    // A repeated report after the final one changes nothing.
    let dup = dev.report(&env.http, &dev.acknowledge(&resent)).unwrap();
    assert_eq!(dup.status, 200);
    assert_eq!(env.target(&a)["deliveries"], 3);

    // An error report is stored with its chain.
    let c = env.enqueue("E2E-NOTNOW", json!({ "RequestType": "RestartDevice" }));
    let cmd = command_of(&idle()).unwrap().unwrap();
    assert_eq!(cmd.command_uuid, c);
    let mut err = dev.new_report(Status::Error, Some(&c));
    err.error_chain
        .push(mdmkit::apple::report::ErrorChainItem::new(
            12021,
            "MCMDMErrorDomain",
        ));
    assert!(
        command_of(&dev.report(&env.http, &err).unwrap())
            .unwrap()
            .is_none()
    );
    let t = env.target(&c);
    assert_eq!(t["status"], "error");
    assert_eq!(t["result"]["error_chain"][0]["error_code"], 12021, "{t}");
}

#[test]
fn checkin_messages() {
    let env = start("checkin", &[]);
    let dev = env.enrolled("E2E-CHECKIN");
    let with_udid = |mut keys: Dictionary| {
        keys.insert("UDID", "E2E-CHECKIN");
        keys
    };

    // UserAuthenticate is declined the standard way: 410.
    let ua = CheckinMessage::UserAuthenticate(UserAuthenticate::new("E2E-CHECKIN", "USER-1"));
    assert_eq!(dev.checkin(&env.http, &ua).unwrap().status, 410);

    // Bootstrap token: none escrowed, then set, then returned.
    let mut get = GetBootstrapToken::new();
    get.unknown_keys = with_udid(Dictionary::new());
    let get = CheckinMessage::GetBootstrapToken(get);
    let token_of = |a: Answer| {
        assert_eq!(a.status, 200);
        let v = Value::from_xml(&a.body).unwrap();
        v.as_dictionary()
            .unwrap()
            .get("BootstrapToken")
            .and_then(Value::as_data)
            .cloned()
    };
    assert_eq!(token_of(dev.checkin(&env.http, &get).unwrap()), None);
    let mut set = SetBootstrapToken::new();
    set.bootstrap_token = Some(mdmkit::Sensitive::new(Bytes::from_static(
        b"bootstrap secret",
    )));
    set.unknown_keys = with_udid(Dictionary::new());
    let set = CheckinMessage::SetBootstrapToken(set);
    assert_eq!(dev.checkin(&env.http, &set).unwrap().status, 200);
    assert_eq!(
        token_of(dev.checkin(&env.http, &get).unwrap()).as_deref(),
        Some(&b"bootstrap secret"[..])
    );
    assert_eq!(
        env.api_get("/v1/devices")["devices"][0]["bootstrap_token"],
        true
    );

    // CheckOut: the device is no longer enrolled, its record stays.
    let mut out = CheckOut::new(dev.topic.clone());
    out.udid = Some("E2E-CHECKIN".into());
    assert_eq!(
        dev.checkin(&env.http, &CheckinMessage::CheckOut(out))
            .unwrap()
            .status,
        200
    );
    let d = &env.api_get("/v1/devices")["devices"][0];
    assert_eq!(d["enrolled"], false);
    let push = env
        .http
        .post_json("/v1/push/E2E-CHECKIN", Some(&env.key), &json!({}))
        .unwrap();
    assert_eq!(push.status, 404);
}

/// An API request with the bearer key and a method `Http` has no helper for.
fn api_send(env: &Env, method: &str, path: &str, body: Option<&[u8]>) -> (u16, Json) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("{}{path}", env.server.url);
    let auth = format!("Bearer {}", env.key);
    let resp = match (method, body) {
        ("PUT", Some(b)) => agent
            .put(&url)
            .header("Authorization", &auth)
            .content_type("application/json")
            .send(b),
        ("DELETE", None) => agent.delete(&url).header("Authorization", &auth).call(),
        _ => panic!("api_send: {method}"),
    };
    let mut resp = resp.unwrap();
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_vec().unwrap();
    let v = if body.is_empty() {
        Json::Null
    } else {
        serde_json::from_slice(&body).unwrap()
    };
    (status, v)
}

/// A `DeclarativeManagement` check-in from `dev` (UDID `udid`).
fn ddm_checkin(env: &Env, dev: &Device, udid: &str, endpoint: &str, data: Option<&[u8]>) -> Answer {
    let mut dm = DeclarativeManagement::new(endpoint);
    dm.udid = Some(udid.into());
    dm.data = data.map(Bytes::copy_from_slice);
    dev.checkin(&env.http, &CheckinMessage::DeclarativeManagement(dm))
        .unwrap()
}

const DDM_CONFIG: &str = r#"{"Type": "com.apple.configuration.management.test",
  "Identifier": "e2e-test-config", "ServerToken": "from-the-client",
  "Payload": {"Echo": "hello"}}"#;
const DDM_ACTIVATION: &str = r#"{"Type": "com.apple.activation.simple",
  "Identifier": "e2e-activation", "ServerToken": "ignored",
  "Payload": {"StandardConfigurations": ["e2e-test-config"]}}"#;

#[test]
fn declarative_management_full_sync() {
    let env = start("ddm", &[]);
    let udid = "E2E-DDM";
    let dev = env.enrolled(udid);

    // The empty set: tokens and an empty manifest with the same token.
    let a = ddm_checkin(&env, &dev, udid, "tokens", None);
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let empty = TokensResponse::from_json(&a.body).unwrap().sync_tokens;
    assert!(empty.timestamp.ends_with('Z'), "{}", empty.timestamp);
    assert_eq!(empty.declarations_token, ddm::declarations_token(&[]));
    let a = ddm_checkin(&env, &dev, udid, "declaration-items", None);
    let items = DeclarationItemsResponse::from_json(&a.body).unwrap();
    assert_eq!(items.items().count(), 0);
    assert_eq!(items.declarations_token, empty.declarations_token);

    // The API puts two declarations; the server sets their ServerTokens.
    let (st, put_config) = api_send(&env, "PUT", "/v1/declarations", Some(DDM_CONFIG.as_bytes()));
    assert_eq!(st, 200, "{put_config}");
    assert_eq!(put_config["changed"], true);
    let config_token = put_config["server_token"].as_str().unwrap().to_owned();
    assert_ne!(config_token, "from-the-client");
    let (st, put_act) = api_send(
        &env,
        "PUT",
        "/v1/declarations",
        Some(DDM_ACTIVATION.as_bytes()),
    );
    assert_eq!(st, 200, "{put_act}");
    // The same content again: nothing changes.
    let (st, again) = api_send(&env, "PUT", "/v1/declarations", Some(DDM_CONFIG.as_bytes()));
    assert_eq!(st, 200);
    assert_eq!(
        (&again["changed"], &again["server_token"]),
        (&json!(false), &json!(config_token))
    );
    let listed = env.api_get("/v1/declarations");
    assert_eq!(listed["declarations"].as_array().unwrap().len(), 2);
    assert_eq!(listed["declarations_token"], put_act["declarations_token"]);

    // Tokens → declaration items → each declaration.
    let a = ddm_checkin(&env, &dev, udid, "tokens", None);
    let tokens = TokensResponse::from_json(&a.body).unwrap().sync_tokens;
    assert_ne!(tokens.declarations_token, empty.declarations_token);
    assert_eq!(
        tokens.declarations_token,
        put_act["declarations_token"].as_str().unwrap()
    );
    let a = ddm_checkin(&env, &dev, udid, "declaration-items", None);
    assert_eq!(a.status, 200);
    let items = DeclarationItemsResponse::from_json(&a.body).unwrap();
    assert_eq!(items.declarations_token, tokens.declarations_token);
    assert_eq!(items.declarations.activations.len(), 1);
    assert_eq!(items.declarations.configurations.len(), 1);
    assert_eq!(items.items().count(), 2);
    let mut fetched = Vec::new();
    for (category, item) in items.items() {
        let endpoint = Endpoint::Declaration {
            category,
            identifier: item.identifier.clone(),
        };
        let a = ddm_checkin(&env, &dev, udid, &endpoint.to_string(), None);
        assert_eq!(a.status, 200, "{endpoint}");
        let d = Declaration::from_json(&a.body).unwrap();
        assert_eq!(d.identifier, item.identifier);
        assert_eq!(d.server_token, item.server_token);
        assert_eq!(Endpoint::for_declaration(&d), Some(endpoint));
        fetched.push(d);
    }
    assert_eq!(ddm::declarations_token(&fetched), tokens.declarations_token);
    let config = fetched
        .iter()
        .find(|d| d.identifier == "e2e-test-config")
        .unwrap();
    assert_eq!(config.server_token, config_token);
    let DeclarationPayload::ConfigurationManagementTest(p) = &config.payload else {
        panic!("not a management test configuration: {config:?}")
    };
    assert_eq!(p.echo, "hello");
    let act = fetched
        .iter()
        .find(|d| d.identifier == "e2e-activation")
        .unwrap();
    let DeclarationPayload::ActivationSimple(p) = &act.payload else {
        panic!("not a simple activation: {act:?}")
    };
    assert_eq!(
        p.standard_configurations,
        vec!["e2e-test-config".to_owned()]
    );
    // Unknown declarations, or a known one under another category: 404.
    for endpoint in [
        "declaration/configuration/nope",
        "declaration/asset/e2e-test-config",
    ] {
        assert_eq!(
            ddm_checkin(&env, &dev, udid, endpoint, None).status,
            404,
            "{endpoint}"
        );
    }

    // No status report yet; then one in Apple's shape.
    let a = env
        .http
        .get("/v1/devices/E2E-DDM/ddm-status", Some(&env.key))
        .unwrap();
    assert_eq!(a.status, 404);
    let report = json!({
        "StatusItems": {
            "device": {"operating-system": {"family": "iOS", "version": "17.4", "build-version": "21E219"}},
            "management": {
                "client-capabilities": {"supported-versions": ["1.0.0"]},
                "declarations": {
                    "activations": [{"identifier": "e2e-activation",
                        "server-token": act.server_token, "active": true, "valid": "valid"}],
                    "configurations": [{"identifier": "e2e-test-config",
                        "server-token": config.server_token, "active": false, "valid": "invalid",
                        "reasons": [{"code": "Error.ConfigurationCannotBeApplied",
                            "description": "e2e"}]}],
                    "assets": [],
                    "management": []
                }
            }
        },
        "Errors": []
    });
    let report = serde_json::to_vec(&report).unwrap();
    let a = ddm_checkin(&env, &dev, udid, "status", Some(&report));
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let shown = env.api_get("/v1/devices/E2E-DDM/ddm-status");
    assert_eq!(shown["device"], udid);
    assert!(shown["received_at"].as_i64().unwrap() > 0);
    assert_eq!(
        shown["report"]["StatusItems"]["device"]["operating-system"]["version"],
        "17.4"
    );
    let decls = shown["declarations"].as_array().unwrap();
    assert_eq!(decls.len(), 2, "{shown}");
    assert_eq!(
        (
            &decls[0]["category"],
            &decls[0]["identifier"],
            &decls[0]["active"],
            &decls[0]["valid"]
        ),
        (
            &json!("activation"),
            &json!("e2e-activation"),
            &json!(true),
            &json!("valid")
        )
    );
    assert_eq!(
        (
            &decls[1]["identifier"],
            &decls[1]["server_token"],
            &decls[1]["active"],
            &decls[1]["valid"]
        ),
        (
            &json!("e2e-test-config"),
            &json!(config_token),
            &json!(false),
            &json!("invalid")
        )
    );
    // A malformed status report (a known key of the wrong type; not JSON; no Data): 400, and
    // the stored report stays.
    for bad in [
        Some(&br#"{"StatusItems": {"management": {"declarations": {"activations": 5}}}}"#[..]),
        Some(&b"not json"[..]),
        None,
    ] {
        let a = ddm_checkin(&env, &dev, udid, "status", bad);
        assert_eq!(a.status, 400, "{}", String::from_utf8_lossy(&a.body));
    }
    assert_eq!(
        env.api_get("/v1/devices/E2E-DDM/ddm-status")["declarations"],
        shown["declarations"]
    );

    // Changing a declaration changes its ServerToken and the DeclarationsToken.
    let changed = DDM_CONFIG.replace("hello", "hello again");
    let (st, put) = api_send(&env, "PUT", "/v1/declarations", Some(changed.as_bytes()));
    assert_eq!(st, 200, "{put}");
    assert_eq!(put["changed"], true);
    assert_ne!(put["server_token"], json!(config_token));
    let a = ddm_checkin(&env, &dev, udid, "tokens", None);
    let tokens2 = TokensResponse::from_json(&a.body).unwrap().sync_tokens;
    assert_ne!(tokens2.declarations_token, tokens.declarations_token);
    assert_eq!(
        tokens2.declarations_token,
        put["declarations_token"].as_str().unwrap()
    );
    let a = ddm_checkin(
        &env,
        &dev,
        udid,
        "declaration/configuration/e2e-test-config",
        None,
    );
    let d = Declaration::from_json(&a.body).unwrap();
    assert_eq!(json!(d.server_token), put["server_token"]);

    // The sync route queues a DeclarativeManagement command carrying the current tokens.
    let a = env
        .http
        .post_json("/v1/declarations/sync", Some(&env.key), &json!({}))
        .unwrap();
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let sync: Json = serde_json::from_slice(&a.body).unwrap();
    let commands = sync["commands"].as_array().unwrap();
    assert_eq!(commands.len(), 1, "{sync}");
    assert_eq!(commands[0]["device"], udid);
    let uuid = commands[0]["command_uuid"].as_str().unwrap();
    let a = dev
        .report(&env.http, &dev.new_report(Status::Idle, None))
        .unwrap();
    let cmd = command_of(&a)
        .unwrap()
        .expect("the DeclarativeManagement command");
    assert_eq!(cmd.command_uuid, uuid);
    let AnyRequest::DeclarativeManagement(dm) = &cmd.request else {
        panic!("not DeclarativeManagement: {:?}", cmd.request)
    };
    let pushed = dm.sync_tokens().unwrap().unwrap();
    assert_eq!(pushed, tokens2);
    let a = dev.report(&env.http, &dev.acknowledge(&cmd)).unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(env.target(uuid)["status"], "acknowledged");

    // Bad declarations: 400 with mdmkit's error text, and the set is unchanged.
    for (bad, needle) in [
        (
            r#"{"Type": "com.apple.activation.simple", "Identifier": "x", "ServerToken": "t", "Payload": {}}"#,
            "StandardConfigurations",
        ),
        (
            r#"{"Type": "com.apple.configuration.management.test", "Identifier": "x", "ServerToken": "t", "Payload": {"Echo": 5}}"#,
            "Echo",
        ),
        (
            r#"{"Type": "com.example.thing", "Identifier": "x", "ServerToken": "t", "Payload": {}}"#,
            "com.example.thing",
        ),
        (r#"{"Identifier": "x""#, "declaration"),
    ] {
        let (st, v) = api_send(&env, "PUT", "/v1/declarations", Some(bad.as_bytes()));
        assert_eq!(st, 400, "{bad}: {v}");
        assert!(v["error"].as_str().unwrap().contains(needle), "{bad}: {v}");
    }
    assert_eq!(
        env.api_get("/v1/declarations")["declarations_token"],
        json!(tokens2.declarations_token)
    );
    // A type mdmkit does not know, in a known category, is accepted (kept as Unknown).
    let future = r#"{"Type": "com.apple.configuration.future.thing", "Identifier": "future",
        "ServerToken": "t", "Payload": {"Anything": [1, 2]}}"#;
    let (st, v) = api_send(&env, "PUT", "/v1/declarations", Some(future.as_bytes()));
    assert_eq!(st, 200, "{v}");
    let a = ddm_checkin(&env, &dev, udid, "declaration/configuration/future", None);
    assert_eq!(a.status, 200);
    let d = Declaration::from_json(&a.body).unwrap();
    assert!(matches!(d.payload, DeclarationPayload::Unknown(_)), "{d:?}");

    // DELETE: the declaration is gone, the token changes; a second DELETE is 404.
    let (st, v) = api_send(&env, "DELETE", "/v1/declarations/future", None);
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["declarations_token"], json!(tokens2.declarations_token));
    assert_eq!(
        ddm_checkin(&env, &dev, udid, "declaration/configuration/future", None).status,
        404
    );
    let (st, _) = api_send(&env, "DELETE", "/v1/declarations/future", None);
    assert_eq!(st, 404);

    // The API routes need the key; DDM check-ins need the device's signature.
    let a = env.http.get("/v1/declarations", None).unwrap();
    assert_eq!(a.status, 401);
    let a = env
        .http
        .post_json("/v1/declarations/sync", None, &json!({}))
        .unwrap();
    assert_eq!(a.status, 401);
    let a = env
        .http
        .get("/v1/devices/E2E-DDM/ddm-status", None)
        .unwrap();
    assert_eq!(a.status, 401);
    let mut dm = DeclarativeManagement::new("tokens");
    dm.udid = Some(udid.into());
    let body = CheckinMessage::DeclarativeManagement(dm).to_xml().unwrap();
    let a = env
        .http
        .put(&dev.checkin_path, CONTENT_TYPE_CHECKIN, None, &body)
        .unwrap();
    assert_eq!(a.status, 401);
    let a = env
        .http
        .put(&dev.checkin_path, CONTENT_TYPE_CHECKIN, Some("AAAA"), &body)
        .unwrap();
    assert_eq!(a.status, 401);
    assert!(TokensResponse::from_json(&a.body).is_err());
}

#[test]
fn re_enrollment_rebinds_and_unsupported_messages_are_refused() {
    let mut env = start("reenroll", &[]);
    let old = env.enrolled("E2E-REENROLL");
    let uuid = env.enqueue("E2E-REENROLL", device_info());
    // The device installs a new profile: a new identity, a new Authenticate.
    let new = env.enrolled("E2E-REENROLL");
    let idle = |d: &Device| {
        d.report(&env.http, &d.new_report(Status::Idle, None))
            .unwrap()
    };
    assert_eq!(
        idle(&old).status,
        401,
        "the old identity is no longer bound"
    );
    // The queue survives re-enrollment.
    let cmd = command_of(&idle(&new)).unwrap().unwrap();
    assert_eq!(cmd.command_uuid, uuid);
    // A message type the server has no answer for: 400, logged, and the server carries on.
    let mut unknown = Dictionary::new();
    unknown.insert("MessageType", "FutureMessage");
    unknown.insert("UDID", "E2E-REENROLL");
    let a = new
        .checkin(&env.http, &CheckinMessage::Unknown(unknown))
        .unwrap();
    assert_eq!(a.status, 400);
    assert!(String::from_utf8_lossy(&a.body).contains("FutureMessage"));
    // A check-in message on the server URL, and a report on the check-in URL: 400.
    let auth = new.authenticate_message().to_xml().unwrap();
    let a = env
        .http
        .put(
            &new.connect_path,
            CONTENT_TYPE_PLIST,
            Some(&new.sign(&auth).unwrap()),
            &auth,
        )
        .unwrap();
    assert_eq!(a.status, 400);
    let report = new.new_report(Status::Idle, None).to_xml().unwrap();
    let a = env
        .http
        .put(
            &new.checkin_path,
            CONTENT_TYPE_CHECKIN,
            Some(&new.sign(&report).unwrap()),
            &report,
        )
        .unwrap();
    assert_eq!(a.status, 400);
    env.alive();
}

#[test]
fn user_authenticate_when_enabled() {
    let env = start("userauth", &["--enable-user-auth"]);
    let dev = env.enrolled("E2E-USERAUTH");
    let ua = CheckinMessage::UserAuthenticate(UserAuthenticate::new("E2E-USERAUTH", "USER-1"));
    let a = dev.checkin(&env.http, &ua).unwrap();
    assert_eq!(a.status, 200);
    let v = Value::from_xml(&a.body).unwrap();
    assert_eq!(
        v.as_dictionary()
            .unwrap()
            .get("DigestChallenge")
            .and_then(Value::as_str),
        Some("")
    );
}

/// A self-made CA and a device identity it issued: not the server's CA.
fn foreign_identity() -> Signer {
    use openssl::asn1::Asn1Time;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::PKey;
    use openssl::x509::{X509Builder, X509NameBuilder};
    let key = || {
        let g = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        PKey::from_ec_key(EcKey::generate(&g).unwrap()).unwrap()
    };
    let name = |cn: &str| {
        let mut n = X509NameBuilder::new().unwrap();
        n.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
        n.build()
    };
    let cert = |subject: &str, issuer: &str, key: &PKey<_>, signing: &PKey<_>| {
        let mut b = X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name(subject)).unwrap();
        b.set_issuer_name(&name(issuer)).unwrap();
        b.set_pubkey(key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
            .unwrap();
        b.sign(signing, MessageDigest::sha256()).unwrap();
        b.build()
    };
    let (ca_key, leaf_key) = (key(), key());
    let _ca = cert("foreign CA", "foreign CA", &ca_key, &ca_key);
    let leaf = cert("foreign device", "foreign CA", &leaf_key, &ca_key);
    Signer::from_der(
        &leaf.to_der().unwrap(),
        &leaf_key.private_key_to_der().unwrap(),
    )
    .unwrap()
}

#[test]
fn device_requests_must_be_signed_by_the_bound_identity() {
    let mut env = start("auth", &[]);
    let dev = env.enrolled("E2E-AUTH-1");
    let other = env.enrolled("E2E-AUTH-2");
    let body = dev.new_report(Status::Idle, None).to_xml().unwrap();
    let put = |sig: Option<&str>, body: &[u8]| {
        env.http
            .put(&dev.connect_path, CONTENT_TYPE_PLIST, sig, body)
            .unwrap()
            .status
    };
    // Correctly signed: 200.
    assert_eq!(put(Some(&dev.sign(&body).unwrap()), &body), 200);
    // Unsigned.
    assert_eq!(put(None, &body), 401);
    // Not base64, not CMS.
    assert_eq!(put(Some("%%%"), &body), 401);
    assert_eq!(put(Some("AAAA"), &body), 401);
    // Mis-signed: the body changed after signing.
    let sig = dev.sign(&body).unwrap();
    let changed = String::from_utf8(body.clone())
        .unwrap()
        .replace("Idle", "NotNow");
    assert_eq!(put(Some(&sig), changed.as_bytes()), 401);
    // A foreign certificate (its own CA), for an enrolled device.
    let foreign = foreign_identity();
    let fsig = mdmkit::cms::sign_detached(&body, &foreign, std::time::SystemTime::now()).unwrap();
    use base64::Engine as _;
    let fsig = base64::engine::general_purpose::STANDARD.encode(fsig);
    assert_eq!(put(Some(&fsig), &body), 401);
    // Another enrolled device's identity, claiming this UDID: 401.
    assert_eq!(put(Some(&other.sign(&body).unwrap()), &body), 401);
    let tu = dev.token_update_message().to_xml().unwrap();
    let a = env
        .http
        .put(
            &dev.checkin_path,
            CONTENT_TYPE_CHECKIN,
            Some(&other.sign(&tu).unwrap()),
            &tu,
        )
        .unwrap();
    assert_eq!(a.status, 401);
    // A re-Authenticate with an identity already bound to another device: 401.
    let auth = dev.authenticate_message().to_xml().unwrap();
    let a = env
        .http
        .put(
            &dev.checkin_path,
            CONTENT_TYPE_CHECKIN,
            Some(&other.sign(&auth).unwrap()),
            &auth,
        )
        .unwrap();
    assert_eq!(a.status, 401);
    // An unknown device (a valid identity, a UDID never enrolled).
    let (stranger, _) = Device::enroll(&env.http, "E2E-AUTH-UNKNOWN").unwrap();
    let r = stranger
        .report(&env.http, &stranger.new_report(Status::Idle, None))
        .unwrap();
    assert_eq!(r.status, 401);
    let tu = stranger.token_update_message();
    assert_eq!(stranger.checkin(&env.http, &tu).unwrap().status, 401);
    // The devices still work.
    assert_eq!(put(Some(&dev.sign(&body).unwrap()), &body), 200);
    env.alive();
}

#[test]
fn api_needs_the_key_and_valid_commands() {
    let mut env = start("api", &[]);
    env.enrolled("E2E-API");
    for key in [None, Some("wrong"), Some("")] {
        assert_eq!(env.http.get("/v1/devices", key).unwrap().status, 401);
        let a = env
            .http
            .post_json(
                "/v1/commands",
                key,
                &json!({ "targets": ["E2E-API"], "command": device_info() }),
            )
            .unwrap();
        assert_eq!(a.status, 401);
    }
    let post = |body: Json| {
        env.http
            .post_json("/v1/commands", Some(&env.key), &body)
            .unwrap()
    };
    let a = post(json!({ "targets": ["E2E-API"], "command": { "RequestType": "MakeCoffee" } }));
    assert_eq!(a.status, 400);
    assert!(String::from_utf8_lossy(&a.body).contains("unknown RequestType"));
    // A known key with the wrong type: the decoder's path in the message.
    let a = post(
        json!({ "targets": ["E2E-API"], "command": { "RequestType": "DeviceInformation", "Queries": "all" } }),
    );
    assert_eq!(a.status, 400);
    assert!(
        String::from_utf8_lossy(&a.body).contains("Queries"),
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    assert_eq!(
        post(json!({ "targets": [], "command": device_info() })).status,
        400
    );
    assert_eq!(post(json!({ "targets": ["E2E-API"] })).status, 400);
    assert_eq!(
        post(json!({ "targets": ["NOBODY"], "command": device_info() })).status,
        404
    );
    assert_eq!(
        env.http
            .get(
                "/v1/commands/00000000-0000-0000-0000-000000000000",
                Some(&env.key)
            )
            .unwrap()
            .status,
        404
    );
    env.alive();
}

/// The smallest value of a key's schema type.
fn minimal(k: &'static KeyInfo) -> Value {
    if let Some(a) = k.allowed.first() {
        return schema_values::allowed_value(k, a);
    }
    match k.plist_type {
        "<integer>" => Value::from(1i64),
        "<real>" => Value::Real(1.0),
        "<boolean>" => Value::from(true),
        "<date>" => Value::from(Date::from_unix_seconds(1_700_000_000)),
        "<data>" => Value::Data(Bytes::from_static(b"data")),
        "<dictionary>" => Value::Dictionary(required_keys(k.subkeys)),
        "<array>" => Value::Array(k.subkeys.first().map(minimal).into_iter().collect()),
        _ => Value::from("x"),
    }
}

fn required_keys(keys: &'static [KeyInfo]) -> Dictionary {
    let mut d = Dictionary::new();
    for k in keys
        .iter()
        .filter(|k| k.required && !k.key.starts_with("ANY"))
    {
        d.insert(k.key, minimal(k));
    }
    d
}

#[test]
fn every_request_type_goes_through_the_api_to_the_device() {
    let env = start("alltypes", &[]);
    let dev = env.enrolled("E2E-ALL");
    assert_eq!(ALL_REQUEST_TYPES.len(), 66);
    for info in ALL_REQUEST_TYPES {
        let mut command = required_keys(info.keys);
        command.insert("RequestType", info.request_type);
        let json = serde_json::to_value(Value::Dictionary(command)).unwrap();
        let uuid = env.enqueue("E2E-ALL", json);
        let cmd = command_of(
            &dev.report(&env.http, &dev.new_report(Status::Idle, None))
                .unwrap(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(cmd.command_uuid, uuid);
        assert_eq!(cmd.request_type(), info.request_type);
        assert!(!matches!(cmd.request, AnyRequest::Unknown(_)));
        let done = dev.report(&env.http, &dev.acknowledge(&cmd)).unwrap();
        assert!(command_of(&done).unwrap().is_none());
        assert_eq!(
            env.target(&uuid)["status"],
            "acknowledged",
            "{}",
            info.request_type
        );
    }
}

#[test]
fn hostile_bodies_get_4xx_and_the_server_stays_up() {
    let mut env = start("hostile", &[]);
    let dev = env.enrolled("E2E-HOSTILE");
    let deep = format!(
        "<plist version=\"1.0\"><dict><key>Status</key><string>Idle</string><key>UDID</key><string>E2E-HOSTILE</string><key>X</key>{}{}</dict></plist>",
        "<array>".repeat(20_000),
        "</array>".repeat(20_000)
    );
    let entity = r#"<?xml version="1.0"?>
<!DOCTYPE plist [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<plist version="1.0"><dict><key>Status</key><string>&b;</string><key>UDID</key><string>E2E-HOSTILE</string></dict></plist>"#;
    let not_plist = b"\x00\x01\x02 not a plist".to_vec();
    for (path, ct, body) in [
        (
            &dev.connect_path,
            CONTENT_TYPE_PLIST,
            deep.as_bytes().to_vec(),
        ),
        (
            &dev.connect_path,
            CONTENT_TYPE_PLIST,
            entity.as_bytes().to_vec(),
        ),
        (
            &dev.checkin_path,
            CONTENT_TYPE_CHECKIN,
            entity.as_bytes().to_vec(),
        ),
        (&dev.checkin_path, CONTENT_TYPE_CHECKIN, not_plist.clone()),
    ] {
        // Signed by the enrolled identity, so that the body reaches the decoder.
        let a = env
            .http
            .put(path, ct, Some(&dev.sign(&body).unwrap()), &body)
            .unwrap();
        assert_eq!(a.status, 400, "{}", String::from_utf8_lossy(&a.body));
        // Unsigned: refused before it is parsed.
        assert_eq!(env.http.put(path, ct, None, &body).unwrap().status, 401);
        env.alive();
    }
    // Over the 1 MiB limit: refused from the Content-Length alone, before any of the body is
    // read (sent raw, so that the answer is read without first writing a megabyte).
    let addr = env.server.url.trim_start_matches("http://").to_owned();
    for head in [
        format!(
            "PUT {} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {CONTENT_TYPE_PLIST}\r\nMdm-Signature: AAAA\r\nContent-Length: 2000000\r\n\r\n",
            dev.connect_path
        ),
        format!(
            "POST /v1/commands HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n",
            env.key
        ),
    ] {
        use std::io::{Read as _, Write as _};
        let mut tcp = std::net::TcpStream::connect(&addr).unwrap();
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        tcp.write_all(head.as_bytes()).unwrap();
        let mut status = [0u8; 12];
        tcp.read_exact(&mut status).unwrap();
        assert_eq!(&status, b"HTTP/1.1 413");
    }
    // Deeply nested JSON for the API.
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let body = format!(
        "{{\"targets\":[\"E2E-HOSTILE\"],\"command\":{}}}",
        deep_json
    );
    let a = env
        .http
        .post_json(
            "/v1/commands",
            Some(&env.key),
            &serde_json::from_str::<Json>("null").unwrap(),
        )
        .unwrap();
    assert_eq!(a.status, 400);
    let raw = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
        .post(format!("{}/v1/commands", env.server.url))
        .header("Authorization", format!("Bearer {}", env.key))
        .send(body.as_bytes())
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    // Everything still works.
    let uuid = env.enqueue("E2E-HOSTILE", device_info());
    let cmd = command_of(
        &dev.report(&env.http, &dev.new_report(Status::Idle, None))
            .unwrap(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(cmd.command_uuid, uuid);
    env.alive();
}
