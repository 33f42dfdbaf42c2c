//! End to end over 127.0.0.1: spawns the real `windows_mdm_server` example and plays a Windows
//! device against it from the protocol alone (MS-MDE2 discovery, policy and enrollment with a
//! CSR made by the `openssl req` CLI, then OMA DM sessions with MD5 digest credentials from
//! the provisioning document), and an administrator through the JSON API.
#![cfg(all(feature = "windows", feature = "cms"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use mdmkit::windows::enroll::discovery::DiscoverResponse;
use mdmkit::windows::enroll::policy::GetPoliciesResponse;
use mdmkit::windows::enroll::provisioning::ProvisioningDoc;
use mdmkit::windows::enroll::soap::{AuthPolicy, Envelope, Fault, FaultSubcode};
use mdmkit::windows::enroll::token::RequestSecurityTokenResponseCollection;
use mdmkit::windows::syncml::auth;
use mdmkit::windows::syncml::{Command, Status, StatusCode, SyncMl};
use serde_json::Value;

const USER: &str = "alice@example.test";
const PASSWORD: &str = "correct horse";
const DEVICE: &str = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
const SYNCML: &str = "application/vnd.syncml.dm+xml";
const SOAP: &str = "application/soap+xml; charset=utf-8";

// ------------------------------------------------------------------------------------------
// The server process
// ------------------------------------------------------------------------------------------

struct Server {
    child: Child,
    base: String,
    api_key: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `target/debug/examples/windows_mdm_server`, next to this test's `target/debug/deps/`.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().unwrap().parent().unwrap();
    let bin = debug.join("examples").join(format!(
        "windows_mdm_server{}",
        std::env::consts::EXE_SUFFIX
    ));
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo test --all-features` (or `cargo build --example \
         windows_mdm_server --all-features`)",
        bin.display()
    );
    bin
}

fn start(data_dir: &Path) -> Server {
    start_with(data_dir, USER, PASSWORD, &[])
}

fn start_with(data_dir: &Path, user: &str, password: &str, extra: &[&str]) -> Server {
    let mut child = Process::new(example_binary())
        .args(["--listen", "127.0.0.1:0", "--username", user])
        .args(["--password", password])
        .args(extra)
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawning windows_mdm_server");
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut api_key = None;
    let base = loop {
        let mut line = String::new();
        if lines.read_line(&mut line).unwrap() == 0 {
            let status = child.wait().unwrap();
            panic!("windows_mdm_server exited before listening: {status}");
        }
        if let Some(k) = line.trim().strip_prefix("api key: ") {
            api_key = Some(k.to_owned());
        }
        if let Some(addr) = line.trim().strip_prefix("listening on ") {
            break addr.to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = lines.read_to_end(&mut sink);
    });
    Server {
        child,
        base,
        api_key: api_key.expect("the server prints its API key"),
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mdmkit-e2e-win-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ------------------------------------------------------------------------------------------
// HTTP
// ------------------------------------------------------------------------------------------

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent()
}

fn post(url: &str, content_type: &str, body: &str) -> (u16, String) {
    let mut r = agent()
        .post(url)
        .header("Content-Type", content_type)
        .send(body)
        .unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

fn api_get(url: &str, key: Option<&str>) -> (u16, Value) {
    let mut req = agent().get(url);
    if let Some(k) = key {
        req = req.header("Authorization", format!("Bearer {k}"));
    }
    let mut r = req.call().unwrap();
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn api_post(url: &str, key: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = agent().post(url).header("Content-Type", "application/json");
    if let Some(k) = key {
        req = req.header("Authorization", format!("Bearer {k}"));
    }
    let mut r = req.send(body.to_string()).unwrap();
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

// ------------------------------------------------------------------------------------------
// The device's messages (layouts as Windows writes them; our own identifiers)
// ------------------------------------------------------------------------------------------

fn discover_request(base: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope">
  <s:Header>
    <a:Action s:mustUnderstand="1">http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/Discover</a:Action>
    <a:MessageID>urn:uuid:00000000-0000-0000-0000-000000000001</a:MessageID>
    <a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>
    <a:To s:mustUnderstand="1">{base}/EnrollmentServer/Discovery.svc</a:To>
  </s:Header>
  <s:Body>
    <Discover xmlns="http://schemas.microsoft.com/windows/management/2012/01/enrollment">
      <request xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
        <EmailAddress>{USER}</EmailAddress>
        <RequestVersion>5.0</RequestVersion>
        <DeviceType>CIMClient_Windows</DeviceType>
        <ApplicationVersion>10.0.26100.2605</ApplicationVersion>
        <OSEdition>48</OSEdition>
        <AuthPolicies><AuthPolicy>OnPremise</AuthPolicy><AuthPolicy>Federated</AuthPolicy></AuthPolicies>
      </request>
    </Discover>
  </s:Body>
</s:Envelope>"#
    )
}

fn security(user: &str, password: &str) -> String {
    format!(
        r#"<wsse:Security s:mustUnderstand="1">
      <wsse:UsernameToken u:Id="uuid-1">
        <wsse:Username>{user}</wsse:Username>
        <wsse:Password wsse:Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">{password}</wsse:Password>
      </wsse:UsernameToken>
    </wsse:Security>"#
    )
}

const NS: &str = r#"xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512" xmlns:ac="http://schemas.xmlsoap.org/ws/2006/12/authorization""#;

fn policy_request(base: &str, password: &str) -> String {
    let sec = security(USER, password);
    format!(
        r#"<s:Envelope {NS}>
  <s:Header>
    <a:Action s:mustUnderstand="1">http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPolicies</a:Action>
    <a:MessageID>urn:uuid:00000000-0000-0000-0000-000000000002</a:MessageID>
    <a:To s:mustUnderstand="1">{base}/EnrollmentServer/Policy.svc</a:To>
    {sec}
  </s:Header>
  <s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
    <GetPolicies xmlns="http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy">
      <client><lastUpdate xsi:nil="true"/><preferredLanguage xsi:nil="true"/></client>
      <requestFilter xsi:nil="true"/>
    </GetPolicies>
  </s:Body>
</s:Envelope>"#
    )
}

fn enroll_request(base: &str, password: &str, csr_b64: &str) -> String {
    let sec = security(USER, password);
    format!(
        r#"<s:Envelope {NS}>
  <s:Header>
    <a:Action s:mustUnderstand="1">http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep</a:Action>
    <a:MessageID>urn:uuid:00000000-0000-0000-0000-000000000003</a:MessageID>
    <a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>
    <a:To s:mustUnderstand="1">{base}/EnrollmentServer/Enrollment.svc</a:To>
    {sec}
  </s:Header>
  <s:Body>
    <wst:RequestSecurityToken>
      <wst:TokenType>http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken</wst:TokenType>
      <wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType>
      <wsse:BinarySecurityToken ValueType="http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS10" EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary">{csr_b64}</wsse:BinarySecurityToken>
      <ac:AdditionalContext xmlns="http://schemas.xmlsoap.org/ws/2006/12/authorization">
        <ac:ContextItem Name="DeviceType"><ac:Value>CIMClient_Windows</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="ApplicationVersion"><ac:Value>10.0.26100.2605</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="OSVersion"><ac:Value>10.0.26100.2605</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="DeviceName"><ac:Value>E2E-PC</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="DeviceID"><ac:Value>{DEVICE}</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="HWDevID"><ac:Value>0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3D2E1F0</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="EnrollmentType"><ac:Value>Full</ac:Value></ac:ContextItem>
      </ac:AdditionalContext>
    </wst:RequestSecurityToken>
  </s:Body>
</s:Envelope>"#
    )
}

/// What the provisioning document gave the device for the management endpoint.
struct Account {
    addr: String,
    name: String,
    secret: String,
    nonce: Vec<u8>,
}

fn cred_xml(account: &Account, secret: &str) -> String {
    let digest = auth::md5_digest(&account.name, secret, &account.nonce);
    format!(
        r#"<Cred><Meta><Format xmlns="syncml:metinf">b64</Format><Type xmlns="syncml:metinf">syncml:auth-md5</Type></Meta><Data>{digest}</Data></Cred>"#
    )
}

fn syncml(account: &Account, session: &str, msg: &str, cred: &str, body: &str) -> String {
    format!(
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>{session}</SessionID><MsgID>{msg}</MsgID><Target><LocURI>{addr}</LocURI></Target><Source><LocURI>{DEVICE}</LocURI><LocName>{name}</LocName></Source>{cred}<Meta><MaxMsgSize xmlns="syncml:metinf">524288</MaxMsgSize></Meta></SyncHdr><SyncBody>{body}<Final/></SyncBody></SyncML>"#,
        addr = account.addr,
        name = account.name,
    )
}

/// The first package of a session: client-initiated alert, login status, DevInfo.
const FIRST_PACKAGE: &str = r#"<Alert><CmdID>1</CmdID><Data>1201</Data></Alert><Alert><CmdID>2</CmdID><Data>1224</Data><Item><Meta><Type xmlns="syncml:metinf">com.microsoft/MDM/LoginStatus</Type></Meta><Data>user</Data></Item></Alert><Replace><CmdID>3</CmdID><Item><Source><LocURI>./DevInfo/DevId</LocURI></Source><Data>A1B2C3D4E5F60718293A4B5C6D7E8F90</Data></Item><Item><Source><LocURI>./DevInfo/Man</LocURI></Source><Data>mdmkit test</Data></Item><Item><Source><LocURI>./DevInfo/Mod</LocURI></Source><Data>Virtual &amp; Co</Data></Item><Item><Source><LocURI>./DevInfo/DmV</LocURI></Source><Data>1.3</Data></Item><Item><Source><LocURI>./DevInfo/Lang</LocURI></Source><Data>en-US</Data></Item></Replace>"#;

fn manage(account: &Account, xml: &str) -> SyncMl {
    let (status, body) = post(&account.addr, SYNCML, xml);
    assert_eq!(status, 200, "{body}");
    SyncMl::from_xml(body.as_bytes()).unwrap()
}

fn header_status(reply: &SyncMl) -> &Status {
    match reply.body.commands.first() {
        Some(Command::Status(s)) if s.is_header_status() => s,
        other => panic!("the reply must start with the header status, got {other:?}"),
    }
}

fn next_nonce(status: &Status) -> Vec<u8> {
    auth::decode_nonce(status.chal.as_ref().expect("a challenge")).expect("a base64 NextNonce")
}

// ------------------------------------------------------------------------------------------
// Helpers around the openssl CLI
// ------------------------------------------------------------------------------------------

fn openssl(args: &[&str], dir: &Path) -> std::process::Output {
    let out = Process::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI is needed by this test (install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn pem(der: &[u8]) -> Vec<u8> {
    openssl::x509::X509::from_der(der)
        .unwrap()
        .to_pem()
        .unwrap()
}

// ------------------------------------------------------------------------------------------
// The tests
// ------------------------------------------------------------------------------------------

#[test]
fn discovery_enrollment_management_unenrollment_and_restart() {
    let data = temp_dir("flow");
    let work = data.join("device");
    std::fs::create_dir_all(&work).unwrap();
    let mut server = start(&data.join("server"));
    let base = server.base.clone();
    let key = server.api_key.clone();

    // Discovery: GET first, then the SOAP request.
    let mut r = agent()
        .get(format!("{base}/EnrollmentServer/Discovery.svc"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.body_mut().read_to_string().unwrap().is_empty());
    let (status, body) = post(
        &format!("{base}/EnrollmentServer/Discovery.svc"),
        SOAP,
        &discover_request(&base),
    );
    assert_eq!(status, 200, "{body}");
    let discovered = Envelope::<DiscoverResponse>::from_xml(body.as_bytes()).unwrap();
    assert_eq!(
        discovered.header.relates_to.as_deref(),
        Some("urn:uuid:00000000-0000-0000-0000-000000000001")
    );
    assert_eq!(discovered.body.auth_policy, AuthPolicy::OnPremise);
    let policy_url = discovered
        .body
        .enrollment_policy_service_url
        .clone()
        .unwrap();
    let enroll_url = discovered.body.enrollment_service_url.clone();
    assert_eq!(policy_url, format!("{base}/EnrollmentServer/Policy.svc"));
    assert_eq!(
        enroll_url,
        format!("{base}/EnrollmentServer/Enrollment.svc")
    );

    // Policy.
    let (status, body) = post(&policy_url, SOAP, &policy_request(&base, PASSWORD));
    assert_eq!(status, 200, "{body}");
    let policy = Envelope::<GetPoliciesResponse>::from_xml(body.as_bytes()).unwrap();
    let policies = policy.body.response.unwrap().policies.unwrap();
    assert_eq!(policies.len(), 1);
    assert_eq!(
        policies[0]
            .attributes
            .private_key_attributes
            .minimal_key_length,
        2048
    );

    // Enrollment with a CSR made by `openssl req`.
    openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "device.key",
            "-subj",
            "/CN=E2E-PC",
            "-outform",
            "DER",
            "-out",
            "device.csr",
        ],
        &work,
    );
    let csr = B64.encode(std::fs::read(work.join("device.csr")).unwrap());
    let (status, body) = post(&enroll_url, SOAP, &enroll_request(&base, PASSWORD, &csr));
    assert_eq!(status, 200, "{body}");
    let rstrc =
        Envelope::<RequestSecurityTokenResponseCollection>::from_xml(body.as_bytes()).unwrap();
    assert_eq!(
        rstrc.header.relates_to.as_deref(),
        Some("urn:uuid:00000000-0000-0000-0000-000000000003")
    );
    let doc = ProvisioningDoc::from_xml(rstrc.body.provisioning_document().unwrap()).unwrap();

    // The certificates: the client certificate chains to the root, and certifies our key.
    let roots = doc.root_certificates().unwrap();
    assert_eq!(roots.len(), 1);
    let client = doc.client_certificate().unwrap().unwrap();
    std::fs::write(work.join("ca.pem"), pem(&roots[0].der)).unwrap();
    std::fs::write(work.join("cert.pem"), pem(&client.der)).unwrap();
    openssl(
        &[
            "verify",
            "-purpose",
            "sslclient",
            "-CAfile",
            "ca.pem",
            "cert.pem",
        ],
        &work,
    );
    let issued_key = openssl::x509::X509::from_der(&client.der)
        .unwrap()
        .public_key()
        .unwrap()
        .public_key_to_pem()
        .unwrap();
    let device_key =
        openssl::pkey::PKey::private_key_from_pem(&std::fs::read(work.join("device.key")).unwrap())
            .unwrap()
            .public_key_to_pem()
            .unwrap();
    assert_eq!(issued_key, device_key);

    // The OMA DM account: management URL, DMClient provider, digest credentials.
    let app = doc.application_w7().unwrap().unwrap();
    assert_eq!(app.addr, format!("{base}/ManagementServer/MDM.svc"));
    assert!(doc.dm_client_provider(&app.provider_id).unwrap().is_some());
    let appsrv = app.server_auth.clone().unwrap();
    assert_eq!(appsrv.auth_type, "DIGEST");
    let mut account = Account {
        addr: app.addr.clone(),
        name: appsrv.name.clone().unwrap(),
        secret: appsrv.secret.clone().unwrap().expose().clone(),
        nonce: B64.decode(appsrv.data.clone().unwrap()).unwrap(),
    };
    assert!(app.client_auth.is_some());

    // The API: the device is enrolled; queue a Get and an Atomic.
    let (status, devices) = api_get(&format!("{base}/v1/windows/devices"), Some(&key));
    assert_eq!(status, 200);
    assert_eq!(devices[0]["device_id"], DEVICE);
    assert_eq!(devices[0]["status"], "enrolled");
    assert_eq!(devices[0]["device_name"], "E2E-PC");
    let (status, queued) = api_post(
        &format!("{base}/v1/windows/devices/{DEVICE}/commands"),
        Some(&key),
        &serde_json::json!([
            { "verb": "Get", "target": "./DevDetail/SwV" },
            { "verb": "Atomic", "commands": [
                { "verb": "Replace", "target": "./Vendor/MSFT/Policy/Config/Camera/AllowCamera",
                  "format": "int", "data": "0" },
                { "verb": "Add", "target": "./Vendor/MSFT/Policy/Config/Browser/HomePages",
                  "format": "chr", "type": "text/plain", "data": "<https://example.test>" }
            ]},
            { "verb": "Exec", "target": "./Vendor/MSFT/Reboot/RebootNow" },
            { "verb": "Delete", "target": "./Vendor/MSFT/Policy/Config/Camera/AllowCamera" }
        ]),
    );
    assert_eq!(status, 201, "{queued}");
    let get_id = queued["command_ids"][0].as_i64().unwrap();
    let atomic_id = queued["command_ids"][1].as_i64().unwrap();
    let exec_id = queued["command_ids"][2].as_i64().unwrap();
    let delete_id = queued["command_ids"][3].as_i64().unwrap();
    let (_, pending) = api_get(&format!("{base}/v1/windows/commands/{get_id}"), Some(&key));
    assert_eq!(pending["state"], "queued");

    // A wrong digest: 401 with a challenge, and nothing is sent.
    let wrong = manage(
        &account,
        &syncml(
            &account,
            "1",
            "1",
            &cred_xml(&account, "not the secret"),
            FIRST_PACKAGE,
        ),
    );
    let hs = header_status(&wrong);
    assert_eq!(hs.code, StatusCode::INVALID_CREDENTIALS);
    assert_eq!(hs.msg_ref.as_str(), "1");
    assert_eq!(wrong.body.commands.len(), 1);
    assert_ne!(next_nonce(hs), account.nonce);
    // No credentials at all: 407 with a challenge. The device takes the latest nonce.
    let missing = manage(&account, &syncml(&account, "1", "1", "", FIRST_PACKAGE));
    assert_eq!(
        header_status(&missing).code,
        StatusCode::MISSING_CREDENTIALS
    );
    account.nonce = next_nonce(header_status(&missing));

    // The session, first message: 212, one status per command, then the queued commands.
    let cred = cred_xml(&account, &account.secret.clone());
    let reply = manage(&account, &syncml(&account, "2", "1", &cred, FIRST_PACKAGE));
    assert_eq!(reply.hdr.session_id.as_str(), "2");
    assert_eq!(reply.hdr.target.loc_uri, DEVICE);
    let hs = header_status(&reply);
    assert_eq!(hs.code, StatusCode::AUTHENTICATION_ACCEPTED);
    assert_eq!((hs.msg_ref.as_str(), hs.cmd_ref.as_str()), ("1", "0"));
    let later_nonce = next_nonce(hs);
    let statuses: Vec<(&str, &str, u16)> = reply
        .body
        .commands
        .iter()
        .skip(1)
        .filter_map(|c| match c {
            Command::Status(s) => Some((s.cmd_ref.as_str(), s.cmd.as_str(), s.code.0)),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("1", "Alert", 200),
            ("2", "Alert", 200),
            ("3", "Replace", 200)
        ]
    );
    let get = reply
        .body
        .commands
        .iter()
        .find_map(|c| match c {
            Command::Get(op) => Some(op),
            _ => None,
        })
        .expect("the queued Get");
    assert_eq!(
        get.items[0].target.as_ref().unwrap().loc_uri,
        "./DevDetail/SwV"
    );
    let atomic = reply
        .body
        .commands
        .iter()
        .find_map(|c| match c {
            Command::Atomic(a) => Some(a),
            _ => None,
        })
        .expect("the queued Atomic");
    assert_eq!(atomic.commands.len(), 2);
    let added = &atomic.commands[1].items()[0];
    assert_eq!(
        added.data.as_ref().unwrap().to_text(),
        "<https://example.test>"
    );
    let sent_names: Vec<&str> = reply
        .body
        .commands
        .iter()
        .filter(|c| !matches!(c, Command::Status(_)))
        .map(Command::name)
        .collect();
    assert_eq!(
        sent_names,
        vec!["Get", "Atomic", "Exec", "Delete"],
        "queue order"
    );
    let cmd_id_of = |name: &str| {
        reply
            .body
            .commands
            .iter()
            .find(|c| c.name() == name)
            .and_then(|c| c.cmd_id())
            .unwrap()
            .as_str()
            .to_owned()
    };
    let (exec_cmd, delete_cmd) = (cmd_id_of("Exec"), cmd_id_of("Delete"));
    assert!(reply.body.is_final);
    let server_msg = reply.hdr.msg_id.as_str().to_owned();
    let (_, sent) = api_get(&format!("{base}/v1/windows/commands/{get_id}"), Some(&key));
    assert_eq!(sent["state"], "sent");

    // Second message: statuses and the Results (no credentials: the session is authenticated).
    let status_xml = |cmd_id: &str, cmd_ref: &str, cmd: &str, code: u16| {
        format!(
            "<Status><CmdID>{cmd_id}</CmdID><MsgRef>{server_msg}</MsgRef><CmdRef>{cmd_ref}</CmdRef><Cmd>{cmd}</Cmd><Data>{code}</Data></Status>"
        )
    };
    let mut body = status_xml("1", "0", "SyncHdr", 200);
    body += &status_xml("2", get.cmd_id.as_str(), "Get", 200);
    body += &format!(
        "<Results><CmdID>3</CmdID><MsgRef>{server_msg}</MsgRef><CmdRef>{}</CmdRef><Item><Source><LocURI>./DevDetail/SwV</LocURI></Source><Meta><Format xmlns=\"syncml:metinf\">chr</Format></Meta><Data>10.0.26100.2605</Data></Item></Results>",
        get.cmd_id.as_str()
    );
    body += &status_xml("4", atomic.cmd_id.as_str(), "Atomic", 200);
    body += &status_xml(
        "5",
        atomic.commands[0].cmd_id().unwrap().as_str(),
        "Replace",
        200,
    );
    body += &status_xml(
        "6",
        atomic.commands[1].cmd_id().unwrap().as_str(),
        "Add",
        418,
    );
    body += &status_xml("7", &exec_cmd, "Exec", 202);
    body += &status_xml("8", &delete_cmd, "Delete", 404);
    let reply = manage(&account, &syncml(&account, "2", "2", "", &body));
    assert_eq!(header_status(&reply).code, StatusCode::OK);
    assert_eq!(reply.body.commands.len(), 1, "nothing more to send");
    assert!(reply.body.is_final);
    // That ended the session: continuing it without credentials is refused.
    let ended = manage(&account, &syncml(&account, "2", "3", "", FIRST_PACKAGE));
    let hs = header_status(&ended);
    assert_eq!(hs.code, StatusCode::MISSING_CREDENTIALS);

    // The API shows what the device answered.
    let (status, done) = api_get(&format!("{base}/v1/windows/commands/{get_id}"), Some(&key));
    assert_eq!(status, 200);
    assert_eq!(done["state"], "answered");
    assert_eq!(done["status"], 200);
    assert_eq!(done["results"][0]["loc_uri"], "./DevDetail/SwV");
    assert_eq!(done["results"][0]["format"], "chr");
    assert_eq!(done["results"][0]["data"], "10.0.26100.2605");
    let (_, atomic_view) = api_get(
        &format!("{base}/v1/windows/commands/{atomic_id}"),
        Some(&key),
    );
    assert_eq!(atomic_view["status"], 200);
    assert_eq!(atomic_view["children"][0]["status"], 200);
    assert_eq!(atomic_view["children"][1]["status"], 418);
    let (_, exec_view) = api_get(&format!("{base}/v1/windows/commands/{exec_id}"), Some(&key));
    assert_eq!(exec_view["verb"], "Exec");
    assert_eq!(exec_view["status"], 202);
    let (_, delete_view) = api_get(
        &format!("{base}/v1/windows/commands/{delete_id}"),
        Some(&key),
    );
    assert_eq!(delete_view["status"], 404);
    let (_, devices) = api_get(&format!("{base}/v1/windows/devices"), Some(&key));
    assert_eq!(devices[0]["nodes"]["./DevInfo/Man"], "mdmkit test");
    assert_eq!(devices[0]["nodes"]["./DevInfo/Mod"], "Virtual & Co");
    assert_eq!(devices[0]["nodes"]["./DevDetail/SwV"], "10.0.26100.2605");

    // A later session authenticates with the latest nonce, then unenrolls.
    assert_ne!(next_nonce(hs), later_nonce);
    account.nonce = next_nonce(hs);
    let cred = cred_xml(&account, &account.secret.clone());
    let unenroll = format!(
        "<Alert><CmdID>1</CmdID><Data>1201</Data></Alert>{}",
        r#"<Alert><CmdID>2</CmdID><Data>1226</Data><Item><Meta><Type xmlns="syncml:metinf">com.microsoft:mdm.unenrollment.userrequest</Type><Format xmlns="syncml:metinf">int</Format></Meta><Data>1</Data></Item></Alert>"#
    );
    let reply = manage(&account, &syncml(&account, "3", "1", &cred, &unenroll));
    let hs = header_status(&reply);
    assert_eq!(hs.code, StatusCode::AUTHENTICATION_ACCEPTED);
    account.nonce = next_nonce(hs);
    assert!(
        reply
            .body
            .commands
            .iter()
            .all(|c| matches!(c, Command::Status(_)))
    );
    let (_, devices) = api_get(&format!("{base}/v1/windows/devices"), Some(&key));
    assert_eq!(devices[0]["status"], "unenrolled");
    assert!(devices[0]["unenrolled_at"].is_i64());
    let (status, _) = api_post(
        &format!("{base}/v1/windows/devices/{DEVICE}/commands"),
        Some(&key),
        &serde_json::json!([{ "verb": "Get", "target": "./DevDetail/SwV" }]),
    );
    assert_eq!(status, 409, "nothing is queued for an unenrolled device");
    // An unenrolled device is refused like an unknown one.
    let cred = cred_xml(&account, &account.secret.clone());
    let refused = manage(&account, &syncml(&account, "4", "1", &cred, FIRST_PACKAGE));
    assert_eq!(
        header_status(&refused).code,
        StatusCode::INVALID_CREDENTIALS
    );

    // Restart on the same data directory: same CA, API key and records.
    drop(server);
    server = start(&data.join("server"));
    assert_eq!(server.api_key, key);
    let base = server.base.clone();
    let (_, devices) = api_get(&format!("{base}/v1/windows/devices"), Some(&key));
    assert_eq!(devices[0]["device_id"], DEVICE);
    assert_eq!(devices[0]["status"], "unenrolled");
    let (_, done) = api_get(&format!("{base}/v1/windows/commands/{get_id}"), Some(&key));
    assert_eq!(done["results"][0]["data"], "10.0.26100.2605");
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// Sends raw HTTP and returns the status code of the answer.
fn raw_status(base: &str, request_head: &str, body: Option<Vec<u8>>) -> u16 {
    let addr = base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request_head.as_bytes()).unwrap();
    if let Some(body) = body {
        let mut writer = stream.try_clone().unwrap();
        // The server may answer and close before it has read everything: ignore write errors.
        std::thread::spawn(move || {
            for chunk in body.chunks(64 * 1024) {
                let framed = [
                    format!("{:x}\r\n", chunk.len()).into_bytes(),
                    chunk.to_vec(),
                    b"\r\n".to_vec(),
                ]
                .concat();
                if writer.write_all(&framed).is_err() {
                    return;
                }
            }
            let _ = writer.write_all(b"0\r\n\r\n");
        });
    }
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n") {
        let n = stream.read(&mut byte).unwrap();
        assert_eq!(n, 1, "the server closed without answering");
        head.push(byte[0]);
    }
    let line = String::from_utf8(head).unwrap();
    line.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn refusals_and_hostile_input() {
    let data = temp_dir("neg");
    let server = start(&data);
    let base = server.base.clone();
    let key = server.api_key.clone();

    // Wrong enrollment password: a SOAP fault (Authentication), for policy and enrollment.
    for (url, body) in [
        (
            format!("{base}/EnrollmentServer/Policy.svc"),
            policy_request(&base, "wrong"),
        ),
        (
            format!("{base}/EnrollmentServer/Enrollment.svc"),
            enroll_request(&base, "wrong", "MAA="),
        ),
    ] {
        let (status, body) = post(&url, SOAP, &body);
        assert_eq!(status, 400, "{body}");
        let fault = Envelope::<Fault>::from_xml(body.as_bytes()).unwrap();
        assert_eq!(fault.body.subcode, Some(FaultSubcode::Authentication));
        assert_eq!(fault.body.hresult(), Some(0x8018_0002));
    }
    // The right password with a request that is not a CSR: a CertificateRequest fault.
    let (status, body) = post(
        &format!("{base}/EnrollmentServer/Enrollment.svc"),
        SOAP,
        &enroll_request(&base, PASSWORD, "MAA="),
    );
    assert_eq!(status, 400, "{body}");
    let fault = Envelope::<Fault>::from_xml(body.as_bytes()).unwrap();
    assert_eq!(fault.body.subcode, Some(FaultSubcode::CertificateRequest));

    // The API wants the bearer key.
    let devices = format!("{base}/v1/windows/devices");
    assert_eq!(api_get(&devices, None).0, 401);
    assert_eq!(api_get(&devices, Some("not-the-key")).0, 401);
    let (status, list) = api_get(&devices, Some(&key));
    assert_eq!((status, list), (200, serde_json::json!([])));
    let queue = format!("{base}/v1/windows/devices/{DEVICE}/commands");
    let get = serde_json::json!([{ "verb": "Get", "target": "./DevDetail/SwV" }]);
    assert_eq!(api_post(&queue, None, &get).0, 401);
    assert_eq!(api_post(&queue, Some(&key), &get).0, 404, "unknown device");
    let bad = serde_json::json!([{ "verb": "Atomic", "commands": [
        { "verb": "Get", "target": "./DevDetail/SwV" }]}]);
    assert_eq!(
        api_post(&queue, Some(&key), &bad).0,
        400,
        "Get inside Atomic"
    );
    let bad = serde_json::json!([{ "verb": "Format", "target": "./x" }]);
    assert_eq!(api_post(&queue, Some(&key), &bad).0, 400, "unknown verb");
    assert_eq!(
        api_get(&format!("{base}/v1/windows/commands/1"), Some(&key)).0,
        404
    );

    // An unknown device is challenged exactly like a wrong password.
    let stranger = Account {
        addr: format!("{base}/ManagementServer/MDM.svc"),
        name: DEVICE.to_owned(),
        secret: "guess".to_owned(),
        nonce: vec![0; 16],
    };
    let reply = manage(
        &stranger,
        &syncml(
            &stranger,
            "1",
            "1",
            &cred_xml(&stranger, "guess"),
            FIRST_PACKAGE,
        ),
    );
    let hs = header_status(&reply);
    assert_eq!(hs.code, StatusCode::INVALID_CREDENTIALS);
    assert!(hs.chal.is_some());
    assert_eq!(reply.body.commands.len(), 1);
    // WBXML is not spoken here: the provisioning document asks for XML.
    let (status, _) = post(
        &stranger.addr,
        "application/vnd.syncml.dm+wbxml",
        "\u{2}\u{0}",
    );
    assert_eq!(status, 415);

    // Hostile bodies: an entity declaration, garbage, and bodies over the limit.
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr>&lol2;</SyncHdr></SyncML>"#;
    for path in [
        "/EnrollmentServer/Discovery.svc",
        "/EnrollmentServer/Policy.svc",
        "/EnrollmentServer/Enrollment.svc",
        "/ManagementServer/MDM.svc",
    ] {
        let (status, _) = post(&format!("{base}{path}"), SYNCML, bomb);
        assert_eq!(status, 400, "{path}: DOCTYPE with entities");
        let (status, _) = post(&format!("{base}{path}"), SYNCML, "\u{0}\u{1}garbage");
        assert_eq!(status, 400, "{path}: garbage");
        // A declared length far over the limit is refused before the body is read.
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {SYNCML}\r\nContent-Length: 100000000\r\n\r\n"
        );
        assert_eq!(raw_status(&base, &head, None), 413, "{path}: huge length");
    }
    // A chunked body that grows past the limit.
    let head = format!(
        "POST /ManagementServer/MDM.svc HTTP/1.1\r\nHost: x\r\nContent-Type: {SYNCML}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    assert_eq!(raw_status(&base, &head, Some(vec![b'<'; 3 << 20])), 413);
    let big_json =
        serde_json::json!([{ "verb": "Replace", "target": "./x", "data": "a".repeat(2 << 20) }]);
    // The server may close while the client still writes: then there is no status to check.
    if let Ok(r) = agent()
        .post(&queue)
        .header("Authorization", format!("Bearer {key}"))
        .send(big_json.to_string())
    {
        assert_eq!(r.status().as_u16(), 413);
    }

    // Still alive.
    let r = agent()
        .get(format!("{base}/EnrollmentServer/Discovery.svc"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// The real Windows 10 (19043) messages of the fleet capture, sent to the server: discovery,
/// policy and enrollment as captured (the server runs with the capture's OnPremise
/// credentials), then the two captured management sessions with the MD5 digest credentials the
/// provisioning document gave, added to their headers.
#[test]
fn real_windows_messages_from_the_corpus() {
    let Some(corpus) = std::env::var_os("MDMKIT_CORPUS") else {
        println!("MDMKIT_CORPUS not set: real Windows messages skipped");
        return;
    };
    let files = PathBuf::from(corpus).join("files");
    let read = |name: &str| std::fs::read_to_string(files.join(name)).unwrap();
    let data = temp_dir("corpus");
    let server = start_with(&data, "demio", "demo", &[]);
    let base = server.base.clone();

    let (status, body) = post(
        &format!("{base}/EnrollmentServer/Discovery.svc"),
        SOAP,
        &read("fleet-dump-discover-req.xml"),
    );
    assert_eq!(status, 200, "{body}");
    let discovered = Envelope::<DiscoverResponse>::from_xml(body.as_bytes()).unwrap();
    assert_eq!(discovered.body.enrollment_version.as_deref(), Some("4.0"));
    let (status, body) = post(
        &format!("{base}/EnrollmentServer/Policy.svc"),
        SOAP,
        &read("fleet-dump-getpolicies-req.xml"),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        &format!("{base}/EnrollmentServer/Enrollment.svc"),
        SOAP,
        &read("fleet-dump-rst-req.xml"),
    );
    assert_eq!(status, 200, "{body}");
    let rstrc =
        Envelope::<RequestSecurityTokenResponseCollection>::from_xml(body.as_bytes()).unwrap();
    let doc = ProvisioningDoc::from_xml(rstrc.body.provisioning_document().unwrap()).unwrap();
    let app = doc.application_w7().unwrap().unwrap();
    let appsrv = app.server_auth.unwrap();
    let (name, secret) = (
        appsrv.name.unwrap(),
        appsrv.secret.unwrap().expose().clone(),
    );
    assert_eq!(name, "B5B954E81FBCB94EB79BD08BE625F4EE");
    let mut nonce = B64.decode(appsrv.data.unwrap()).unwrap();

    // The captured sessions, with credentials added and the target set to this server.
    for (file, expect_commands) in [
        ("fleet-dump-syncml-s1-client.xml", 3),
        ("fleet-dump-syncml-s2-client-unenroll.xml", 4),
    ] {
        let mut msg = SyncMl::from_xml(read(file).as_bytes()).unwrap();
        msg.hdr.cred = Some(auth::md5_cred(&name, &secret, &nonce));
        msg.hdr.target.loc_uri.clone_from(&app.addr);
        let (status, body) = post(&app.addr, SYNCML, &msg.to_xml().unwrap());
        assert_eq!(status, 200, "{body}");
        let reply = SyncMl::from_xml(body.as_bytes()).unwrap();
        let hs = header_status(&reply);
        assert_eq!(hs.code, StatusCode::AUTHENTICATION_ACCEPTED, "{file}");
        nonce = next_nonce(hs);
        let statuses = reply
            .body
            .commands
            .iter()
            .filter(|c| matches!(c, Command::Status(s) if !s.is_header_status()))
            .count();
        assert_eq!(statuses, expect_commands, "{file}: one status per command");
    }
    let (_, devices) = api_get(&format!("{base}/v1/windows/devices"), Some(&server.api_key));
    assert_eq!(devices[0]["device_id"], "B5B954E81FBCB94EB79BD08BE625F4EE");
    assert_eq!(devices[0]["device_name"], "DESKTOP-28FGAI6");
    assert_eq!(devices[0]["nodes"]["./DevInfo/Man"], "VMware, Inc.");
    assert_eq!(devices[0]["status"], "unenrolled");
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// `--public-url` is what devices are told: every URL in discovery and the provisioning document
/// uses it (an https one needs no opt-in to plain HTTP).
#[test]
fn public_url_goes_into_every_url() {
    let data = temp_dir("public");
    let public = "https://mdm.example.test";
    let server = start_with(
        &data,
        USER,
        PASSWORD,
        &["--public-url", "https://mdm.example.test/"],
    );
    let base = server.base.clone();
    let (status, body) = post(
        &format!("{base}/EnrollmentServer/Discovery.svc"),
        SOAP,
        &discover_request(&base),
    );
    assert_eq!(status, 200, "{body}");
    let discovered = Envelope::<DiscoverResponse>::from_xml(body.as_bytes()).unwrap();
    assert_eq!(
        discovered.body.enrollment_service_url,
        format!("{public}/EnrollmentServer/Enrollment.svc")
    );
    assert_eq!(
        discovered.body.enrollment_policy_service_url.as_deref(),
        Some(format!("{public}/EnrollmentServer/Policy.svc").as_str())
    );
    let work = data.join("device");
    std::fs::create_dir_all(&work).unwrap();
    openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "device.key",
            "-subj",
            "/CN=E2E-PC",
            "-outform",
            "DER",
            "-out",
            "device.csr",
        ],
        &work,
    );
    let csr = B64.encode(std::fs::read(work.join("device.csr")).unwrap());
    let (status, body) = post(
        &format!("{base}/EnrollmentServer/Enrollment.svc"),
        SOAP,
        &enroll_request(&base, PASSWORD, &csr),
    );
    assert_eq!(status, 200, "{body}");
    let rstrc =
        Envelope::<RequestSecurityTokenResponseCollection>::from_xml(body.as_bytes()).unwrap();
    let doc = ProvisioningDoc::from_xml(rstrc.body.provisioning_document().unwrap()).unwrap();
    assert_eq!(
        doc.application_w7().unwrap().unwrap().addr,
        format!("{public}/ManagementServer/MDM.svc")
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}
