//! SyncML sessions driven through [`Session`] the way a server drives them, from hand-made
//! device transcripts.
//!
//! Every device message here was written by hand from MS-MDM 2.2 and the OMA DM 1.2
//! representation / protocol specifications (element order of the DTD, the alert and status
//! codes of MS-MDM 2.2.7 / OMA DM Protocol 1.2 §10), with Windows' habits taken from the
//! project's research notes (`windows.md` §2.3–2.9: CmdIDs from 2 with the 1201 alert first, the
//! LoginStatus 1224 alert, `./DevInfo/*` in a Replace with `Source` items, `Type`/`Format` with
//! `xmlns="syncml:metinf"` on each element). None of it is copied from a capture: the corpus
//! test covers the real captures.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(feature = "windows")]

use std::process::{Command as Process, Stdio};

use mdmkit::DecodeErrorKind as K;
use mdmkit::windows::csp::{self, DeviceEvent, Value, alert_type, dev_detail, dev_info};
use mdmkit::windows::syncml::auth::{self, DigestSecret, Verdict};
use mdmkit::windows::syncml::large::{Chunk, LargeObjectError, Reassembler, split_item};
use mdmkit::windows::syncml::session::{AtomicOutcome, Session, atomic_codes};
use mdmkit::windows::syncml::{
    Alert, AlertCode, Attribute, CmdId, Command, Container, Data, Fragment, Item, Location,
    MSFT_NAMESPACE, Meta, Operation, RawXml, Status, StatusCode, SyncBody, SyncHdr, SyncMl,
};

const SERVER: &str = "https://mdm.example.com/ManagementServer/MDM.svc";
const DEVICE: &str = "7F3A2B1C9D8E4F60A1B2C3D4E5F60718";

// ---- hand-made device messages ----

/// A device message: the header Windows writes (VerDTD, VerProto, SessionID, MsgID, Target =
/// the server URL, Source = the DeviceID, then an optional `Cred` and the header `Meta`), the
/// body commands, and `Final` when `is_final`.
fn device_xml(session: &str, msg_id: &str, cred: &str, body: &str, is_final: bool) -> String {
    let fin = if is_final { "<Final/>" } else { "" };
    format!(
        r#"<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>{session}</SessionID>
    <MsgID>{msg_id}</MsgID>
    <Target><LocURI>{SERVER}</LocURI></Target>
    <Source><LocURI>{DEVICE}</LocURI></Source>{cred}
    <Meta><MaxMsgSize xmlns="syncml:metinf">524288</MaxMsgSize></Meta>
  </SyncHdr>
  <SyncBody>
{body}
    {fin}
  </SyncBody>
</SyncML>"#
    )
}

fn decode(xml: &str) -> SyncMl {
    SyncMl::from_xml(xml.as_bytes()).unwrap_or_else(|e| panic!("{e:?}\n{xml}"))
}

/// Encodes and decodes again: what the peer would read.
fn wire(m: &SyncMl) -> SyncMl {
    let xml = m.to_xml().unwrap();
    let back = SyncMl::from_xml(xml.as_bytes()).unwrap_or_else(|e| panic!("{e:?}\n{xml}"));
    assert_eq!(&back, m, "encode → decode");
    assert_eq!(back.to_xml().unwrap(), xml, "encode is stable");
    back
}

/// The first package of an enrollment-time session: 1201, the LoginStatus client event and
/// the five `./DevInfo` nodes (MS-MDM 3.1.5.1 lists them as the first package's content).
fn first_package_body() -> String {
    let devinfo = [
        (dev_info::DEV_ID, DEVICE),
        (dev_info::MAN, "Contoso Ltd."),
        (dev_info::MOD, "Surface Laptop 5"),
        (dev_info::DM_V, "1.3"),
        (dev_info::LANG, "en-US"),
    ]
    .iter()
    .map(|(uri, v)| {
        format!("      <Item><Source><LocURI>{uri}</LocURI></Source><Data>{v}</Data></Item>\n")
    })
    .collect::<String>();
    format!(
        r#"    <Alert><CmdID>2</CmdID><Data>1201</Data></Alert>
    <Alert>
      <CmdID>3</CmdID>
      <Data>1224</Data>
      <Item>
        <Meta><Type xmlns="syncml:metinf">com.microsoft/MDM/LoginStatus</Type></Meta>
        <Data>user</Data>
      </Item>
    </Alert>
    <Replace>
      <CmdID>4</CmdID>
{devinfo}    </Replace>"#
    )
}

fn status(c: &Command) -> &Status {
    match c {
        Command::Status(s) => s,
        other => panic!("expected a Status, got {other:?}"),
    }
}

fn statuses(m: &SyncMl) -> Vec<&Status> {
    m.body
        .commands
        .iter()
        .filter_map(|c| match c {
            Command::Status(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// (CmdRef, Cmd, code) of every status of `m`, header status included.
fn status_triples(m: &SyncMl) -> Vec<(String, String, u16)> {
    statuses(m)
        .iter()
        .map(|s| (s.cmd_ref.to_string(), s.cmd.clone(), s.code.0))
        .collect()
}

fn triples(v: &[(&str, &str, u16)]) -> Vec<(String, String, u16)> {
    v.iter()
        .map(|(r, c, n)| ((*r).to_owned(), (*c).to_owned(), *n))
        .collect()
}

fn alerts(m: &SyncMl) -> Vec<&Alert> {
    m.body
        .commands
        .iter()
        .filter_map(|c| match c {
            Command::Alert(a) => Some(a),
            _ => None,
        })
        .collect()
}

// ---- 1. enrollment-time first session ----

#[test]
fn first_session_reply_acks_header_then_each_command_in_order() {
    let msg = decode(&device_xml("1", "1", "", &first_package_body(), true));
    assert_eq!(msg.body.commands.len(), 3);
    let Command::Replace(r) = &msg.body.commands[2] else {
        panic!()
    };
    assert_eq!(r.items.len(), 5);
    assert_eq!(r.items[1].source.as_ref().unwrap().loc_uri, dev_info::MAN);
    assert_eq!(r.items[1].data.as_ref().unwrap().to_text(), "Contoso Ltd.");

    let mut session = Session::new();
    let reply = session.respond(&msg, StatusCode::OK).finish();
    assert_eq!(session.device_max_msg_size(), Some(524_288));

    // Header: the session echoed, Target/Source swapped, the server's own MsgID 1.
    assert_eq!(reply.hdr.session_id, "1");
    assert_eq!(reply.hdr.msg_id, "1");
    assert_eq!(reply.hdr.ver_dtd, "1.2");
    assert_eq!(reply.hdr.ver_proto, "DM/1.2");
    assert_eq!(reply.hdr.target.loc_uri, DEVICE);
    assert_eq!(reply.hdr.source.loc_uri, SERVER);
    assert!(reply.body.is_final);

    // The header status first: CmdID 1, MsgRef = the device's MsgID, CmdRef 0, Cmd SyncHdr.
    let h = status(&reply.body.commands[0]);
    assert_eq!(h.cmd_id, "1");
    assert_eq!(h.msg_ref, "1");
    assert_eq!(h.cmd_ref, "0");
    assert_eq!(h.cmd, "SyncHdr");
    assert!(h.is_header_status());
    assert_eq!(h.code, StatusCode::OK);

    // Then one status per command, in document order, and nothing else.
    assert_eq!(reply.body.commands.len(), 4);
    assert_eq!(
        status_triples(&reply),
        triples(&[
            ("0", "SyncHdr", 200),
            ("2", "Alert", 200),
            ("3", "Alert", 200),
            ("4", "Replace", 200)
        ])
    );
    let ids: Vec<&str> = statuses(&reply).iter().map(|s| s.cmd_id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4"]);
    assert!(statuses(&reply).iter().all(|s| s.msg_ref == "1"));

    // What goes on the wire reads back equal.
    let xml = reply.to_xml().unwrap();
    assert!(xml.starts_with("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr>"));
    wire(&reply);
    // The device message itself re-encodes without loss.
    wire(&msg);
}

#[test]
fn second_device_message_gets_the_next_server_msg_id_and_a_non_2xx_header_stops_processing() {
    let mut session = Session::new();
    let first = decode(&device_xml("5", "1", "", &first_package_body(), true));
    let r1 = session.respond(&first, StatusCode::OK).finish();
    let second = decode(&device_xml(
        "5",
        "2",
        "",
        "<Alert><CmdID>2</CmdID><Data>1201</Data></Alert>",
        true,
    ));
    let r2 = session.respond(&second, StatusCode::OK).finish();
    assert_eq!(r1.hdr.msg_id, "1");
    assert_eq!(r2.hdr.msg_id, "2");
    assert_eq!(status(&r2.body.commands[0]).msg_ref, "2");

    // A refused header: only the header status, the commands are not answered.
    let r3 = session
        .respond(&first, StatusCode::INVALID_CREDENTIALS)
        .finish();
    assert_eq!(status_triples(&r3), triples(&[("0", "SyncHdr", 401)]));
}

// ---- 2. Get → Results ----

#[test]
fn results_correlate_with_the_get_that_asked() {
    let mut session = Session::new();
    let first = decode(&device_xml("9", "1", "", &first_package_body(), true));
    let mut reply = session.respond(&first, StatusCode::OK);
    let get_id = reply.push(csp::get(dev_detail::SWV));
    let out = reply.finish();
    assert_eq!(get_id, "5", "after the four statuses");
    let Command::Get(g) = out.body.commands.last().unwrap() else {
        panic!()
    };
    assert_eq!(g.cmd_id, get_id);
    assert_eq!(g.items[0].target.as_ref().unwrap().loc_uri, dev_detail::SWV);
    let sent = session.sent("1", "5").unwrap();
    assert_eq!(sent.cmd, "Get");
    assert_eq!(sent.targets, [dev_detail::SWV]);
    wire(&out);

    // The device answers in its next message: Status(Get, 200) and the Results, once with
    // MsgRef and once without (absent means 1), and a Results for a Get nobody sent.
    let body = format!(
        r#"    <Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>
    <Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>{get_id}</CmdRef><Cmd>Get</Cmd><Data>200</Data></Status>
    <Results>
      <CmdID>3</CmdID><MsgRef>1</MsgRef><CmdRef>{get_id}</CmdRef>
      <Item>
        <Source><LocURI>./DevDetail/SwV</LocURI></Source>
        <Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta>
        <Data>10.0.22631.4169</Data>
      </Item>
    </Results>
    <Results>
      <CmdID>4</CmdID><CmdRef>{get_id}</CmdRef>
      <Item><Source><LocURI>./DevDetail/SwV</LocURI></Source><Data>10.0.22631.4169</Data></Item>
    </Results>
    <Results>
      <CmdID>5</CmdID><MsgRef>1</MsgRef><CmdRef>77</CmdRef>
      <Item><Source><LocURI>./DevDetail/FwV</LocURI></Source><Data>1.0</Data></Item>
    </Results>"#
    );
    let answer = decode(&device_xml("9", "2", "", &body, true));
    let answers = session.correlate(&answer);
    assert_eq!(answers.len(), 5);
    // The device's header status answers our header (CmdRef 0), which we never "sent".
    assert!(answers[0].status().unwrap().is_header_status());
    assert!(answers[0].sent.is_none());
    assert_eq!(answers[1].status().unwrap().code, StatusCode::OK);
    assert_eq!(answers[1].sent.unwrap().cmd, "Get");
    for a in &answers[2..4] {
        let r = a.results().unwrap();
        assert_eq!(r.msg_ref_or_default(), "1");
        let sent = a.sent.expect("matched to the Get");
        assert_eq!(sent.cmd, "Get");
        assert_eq!(sent.targets, [dev_detail::SWV]);
        assert_eq!(
            r.items[0].data.as_ref().unwrap().to_text(),
            "10.0.22631.4169"
        );
    }
    assert!(answers[3].results().unwrap().msg_ref.is_none());
    assert!(answers[4].results().is_some());
    assert!(answers[4].sent.is_none(), "a Results for an unknown CmdRef");

    // A Get sent in server message 2: a Results without MsgRef means message 1, so it does
    // not match it.
    let mut reply = session.respond(&answer, StatusCode::OK);
    let get2 = reply.push(csp::get(dev_detail::FWV));
    let _ = reply.finish();
    assert!(session.sent("2", get2.as_str()).is_some());
    assert!(session.sent("1", get2.as_str()).is_none());
    let late = decode(&device_xml(
        "9",
        "3",
        "",
        &format!(
            "<Results><CmdID>2</CmdID><CmdRef>{get2}</CmdRef><Item><Data>x</Data></Item></Results>\
             <Results><CmdID>3</CmdID><MsgRef>2</MsgRef><CmdRef>{get2}</CmdRef><Item><Data>x</Data></Item></Results>"
        ),
        true,
    ));
    let a = session.correlate(&late);
    assert!(a[0].sent.is_none());
    assert_eq!(a[1].sent.unwrap().targets, [dev_detail::FWV]);
}

// ---- 3. Atomic ----

/// The server's Atomic of two Replaces and an Add, in a reply to a first package; returns the
/// session, the Atomic's CmdID and its children's.
fn server_atomic() -> (Session, CmdId, Vec<CmdId>) {
    let mut session = Session::new();
    let first = decode(&device_xml("3", "1", "", &first_package_body(), true));
    let mut reply = session.respond(&first, StatusCode::OK);
    let id = reply.push(csp::atomic(vec![
        csp::replace(
            "./Vendor/MSFT/Policy/Config/Camera/AllowCamera",
            Value::Int(0),
        ),
        csp::replace(
            "./Vendor/MSFT/Policy/Config/Bluetooth/AllowDiscoverableMode",
            Value::Int(0),
        ),
        csp::add(
            "./Vendor/MSFT/WiFi/Profile/Corp/WlanXml",
            Value::Xml("<WLANProfile><name>Corp</name></WLANProfile>".to_owned()),
        ),
    ]));
    let out = reply.finish();
    let Command::Atomic(a) = out.body.commands.last().unwrap() else {
        panic!()
    };
    let kids: Vec<CmdId> = a
        .commands
        .iter()
        .map(|c| c.cmd_id().unwrap().clone())
        .collect();
    assert_eq!(session.sent("1", id.as_str()).unwrap().children, kids);
    for k in &kids {
        assert_eq!(
            session.sent("1", k.as_str()).unwrap().parent.as_ref(),
            Some(&id)
        );
    }
    wire(&out);
    (session, id, kids)
}

/// A device message answering the Atomic `id` and its children with `codes` (None: no status).
fn atomic_answer(id: &CmdId, top: Option<u16>, kids: &[CmdId], codes: &[u16]) -> SyncMl {
    let mut body = String::from(
        "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>\n",
    );
    let mut n = 2;
    if let Some(top) = top {
        body.push_str(&format!(
            "<Status><CmdID>{n}</CmdID><MsgRef>1</MsgRef><CmdRef>{id}</CmdRef><Cmd>Atomic</Cmd><Data>{top}</Data></Status>\n"
        ));
        n += 1;
    }
    for (k, c) in kids.iter().zip(codes) {
        let cmd = if n == 5 { "Add" } else { "Replace" };
        body.push_str(&format!(
            "<Status><CmdID>{n}</CmdID><MsgRef>1</MsgRef><CmdRef>{k}</CmdRef><Cmd>{cmd}</Cmd><Data>{c}</Data></Status>\n"
        ));
        n += 1;
    }
    decode(&device_xml("3", "2", "", &body, true))
}

#[test]
fn atomic_outcomes_as_windows_reports_them() {
    let (session, id, kids) = server_atomic();
    let s = |c: u16| Some(StatusCode(c));

    // Windows: Atomic 507, the failed child 500, the rolled-back siblings 216 (research L10).
    let m = atomic_answer(&id, Some(507), &kids, &[216, 500, 216]);
    assert_eq!(
        session.atomic_outcome(&m, "1", id.as_str()),
        AtomicOutcome::RolledBack {
            code: StatusCode::ATOMIC_FAILED,
            children: vec![
                (kids[0].clone(), s(216)),
                (kids[1].clone(), s(500)),
                (kids[2].clone(), s(216)),
            ],
        }
    );

    let m = atomic_answer(&id, Some(200), &kids, &[200, 200, 200]);
    assert_eq!(
        session.atomic_outcome(&m, "1", id.as_str()),
        AtomicOutcome::Committed
    );

    let m = atomic_answer(&id, Some(516), &kids, &[500, 216, 216]);
    assert_eq!(
        session.atomic_outcome(&m, "1", id.as_str()),
        AtomicOutcome::RollbackFailed {
            children: vec![
                (kids[0].clone(), s(500)),
                (kids[1].clone(), s(216)),
                (kids[2].clone(), s(216)),
            ],
        }
    );

    // A 200 on the Atomic with a failed child is not a commit.
    let m = atomic_answer(&id, Some(200), &kids, &[200, 500, 200]);
    assert!(matches!(
        session.atomic_outcome(&m, "1", id.as_str()),
        AtomicOutcome::RolledBack {
            code: StatusCode::OK,
            ..
        }
    ));

    // No status for the Atomic yet; an Atomic this session never sent; the wrong message.
    let m = atomic_answer(&id, None, &kids, &[]);
    assert_eq!(
        session.atomic_outcome(&m, "1", id.as_str()),
        AtomicOutcome::Pending
    );
    assert_eq!(
        session.atomic_outcome(&m, "1", "no-such-id"),
        AtomicOutcome::Unknown
    );
    assert_eq!(
        session.atomic_outcome(&m, "2", id.as_str()),
        AtomicOutcome::Unknown
    );
}

#[test]
fn atomic_codes_rule() {
    use StatusCode as S;
    assert_eq!(
        atomic_codes(&[S::OK, S::ACCEPTED, S::OK]),
        (S::OK, vec![S::OK, S::ACCEPTED, S::OK])
    );
    assert_eq!(
        atomic_codes(&[S::OK, S::COMMAND_FAILED, S::OK]),
        (
            S::ATOMIC_FAILED,
            vec![
                S::ATOMIC_ROLLBACK_OK,
                S::COMMAND_FAILED,
                S::ATOMIC_ROLLBACK_OK
            ]
        )
    );
    assert_eq!(
        atomic_codes(&[S::NOT_FOUND, S::COMMAND_FAILED]),
        (S::ATOMIC_FAILED, vec![S::NOT_FOUND, S::COMMAND_FAILED])
    );
    assert_eq!(atomic_codes(&[]), (S::OK, vec![]));
}

/// A device that sends an Atomic (the server applies it): children by CmdID.
fn device_atomic_body() -> &'static str {
    r#"<Atomic>
      <CmdID>5</CmdID>
      <Replace><CmdID>6</CmdID><Item><Target><LocURI>./a</LocURI></Target><Data>1</Data></Item></Replace>
      <Add><CmdID>7</CmdID><Item><Target><LocURI>./b</LocURI></Target><Data>2</Data></Item></Add>
      <Delete><CmdID>8</CmdID><Item><Target><LocURI>./c</LocURI></Target></Item></Delete>
    </Atomic>
    <Sequence>
      <CmdID>9</CmdID>
      <Replace><CmdID>10</CmdID><Item><Target><LocURI>./d</LocURI></Target><Data>3</Data></Item></Replace>
    </Sequence>"#
}

#[test]
fn a_device_atomic_is_answered_with_the_rollback_rule() {
    let msg = decode(&device_xml("3", "1", "", device_atomic_body(), true));
    let mut session = Session::new();
    let mut asked = Vec::new();
    let reply = session
        .respond_with(&msg, StatusCode::OK, &mut |c| {
            asked.push(c.cmd_id().unwrap().to_string());
            if c.cmd_id().unwrap() == "7" {
                StatusCode::COMMAND_FAILED
            } else {
                StatusCode::OK
            }
        })
        .finish();
    assert_eq!(
        status_triples(&reply),
        triples(&[
            ("0", "SyncHdr", 200),
            ("5", "Atomic", 507),
            ("6", "Replace", 216),
            ("7", "Add", 500),
            ("8", "Delete", 216),
            ("9", "Sequence", 200),
            ("10", "Replace", 200),
        ])
    );
    // The policy saw every command once.
    asked.sort();
    let mut want = ["5", "6", "7", "8", "9", "10"].map(str::to_owned).to_vec();
    want.sort();
    assert_eq!(asked, want);
    wire(&reply);

    // All children fine: 200 everywhere.
    let reply = session.respond(&msg, StatusCode::OK).finish();
    assert!(statuses(&reply).iter().all(|s| s.code == StatusCode::OK));
    assert_eq!(statuses(&reply).len(), 7);

    // The policy refuses the Atomic itself: its code wins, the children keep theirs.
    let reply = session
        .respond_with(&msg, StatusCode::OK, &mut |c| {
            if matches!(c, Command::Atomic(_)) {
                StatusCode::COMMAND_NOT_ALLOWED
            } else {
                StatusCode::OK
            }
        })
        .finish();
    assert_eq!(statuses(&reply)[1].code, StatusCode::COMMAND_NOT_ALLOWED);
}

// ---- 4. device alerts ----

#[test]
fn device_alerts_are_typed() {
    let body = r#"<Alert><CmdID>2</CmdID><Data>1201</Data></Alert>
    <Alert>
      <CmdID>3</CmdID><Data>1224</Data>
      <Item><Meta><Type xmlns="syncml:metinf">com.microsoft/MDM/LoginStatus</Type></Meta><Data>others</Data></Item>
      <Item><Meta><Type xmlns="syncml:metinf">com.microsoft.mdm.synctype</Type></Meta><Data> device </Data></Item>
    </Alert>
    <Alert>
      <CmdID>4</CmdID><Data>1226</Data>
      <Item>
        <Meta><Type xmlns="syncml:metinf">com.microsoft:mdm.unenrollment.userrequest</Type><Format xmlns="syncml:metinf">int</Format></Meta>
        <Data>1</Data>
      </Item>
    </Alert>
    <Alert>
      <CmdID>5</CmdID><Data>1226</Data>
      <Item>
        <Source><LocURI>./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/%7B90413BF7-7D99-482E-A7FB-C6616CC871FC%7D/DownloadInstall</LocURI></Source>
        <Meta><Type xmlns="syncml:metinf">Reversed-Domain-Name:com.microsoft.mdm.win32csp_install</Type><Format xmlns="syncml:metinf">int</Format><Mark xmlns="syncml:metinf">informational</Mark></Meta>
        <Data>0</Data>
      </Item>
      <Item><Meta><Type xmlns="syncml:metinf">com.example.future-event</Type></Meta><Data>x</Data></Item>
      <Item><Data>no meta</Data></Item>
    </Alert>"#;
    let msg = decode(&device_xml("2", "1", "", body, true));
    let a = alerts(&msg);
    assert_eq!(a.len(), 4);
    assert_eq!(a[0].code, Some(AlertCode::CLIENT_INITIATED));
    assert!(
        csp::device_events(a[0]).is_empty(),
        "1201 carries no events"
    );

    let ev: Vec<DeviceEvent> = csp::device_events(a[1])
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        ev,
        [
            DeviceEvent::LoginStatus("others".to_owned()),
            DeviceEvent::SyncType("device".to_owned())
        ]
    );

    let ev = csp::device_events(a[2]);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].event, DeviceEvent::Unenrollment);
    assert_eq!(
        ev[0].item.meta.as_ref().unwrap().r#type.as_deref(),
        Some(alert_type::UNENROLLMENT)
    );
    assert_eq!(
        ev[0].item.meta.as_ref().unwrap().format.as_deref(),
        Some("int")
    );

    let ev = csp::device_events(a[3]);
    assert_eq!(ev.len(), 3);
    assert_eq!(
        ev[0].event,
        DeviceEvent::Win32CspInstall {
            node: "./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/%7B90413BF7-7D99-482E-A7FB-C6616CC871FC%7D/DownloadInstall".to_owned(),
            result: "0".to_owned(),
        }
    );
    assert_eq!(ev[0].mark, Some("informational"));
    assert_eq!(
        ev[1].event,
        DeviceEvent::Other(Some("com.example.future-event".to_owned()))
    );
    assert_eq!(ev[2].event, DeviceEvent::Other(None));

    // The helper that builds the unenrollment alert writes what the device writes.
    let built = csp::unenrollment_alert("4");
    let Command::Alert(b) = &built else { panic!() };
    assert_eq!(b, a[2]);

    // The unenrollment session: the server answers with the header status (and the statuses).
    let mut session = Session::new();
    let reply = session.respond(&msg, StatusCode::OK).finish();
    assert_eq!(reply.body.commands.len(), 5);
    assert!(
        reply
            .body
            .commands
            .iter()
            .all(|c| matches!(c, Command::Status(_))),
        "statuses only"
    );
    wire(&msg);
}

// ---- 5. large objects ----

/// About 2.5 KB of text with markup characters and multi-byte characters, so that chunk
/// boundaries fall on escaped and non-ASCII text.
fn large_text() -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < 2500 {
        s.push_str(&format!("<Rule id=\"{i}\">a&b ü€😀</Rule>\n"));
        i += 1;
    }
    s
}

const LARGE_NODE: &str = "./Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/App/Policy/P1";

#[test]
fn a_three_chunk_object_is_reassembled_byte_for_byte() {
    let text = large_text();
    let item = Item::target(LARGE_NODE)
        .with_meta(Meta::format_type("chr", "text/plain"))
        .with_data(text.as_str());
    let chunks = split_item(&item, 1000).unwrap();
    assert_eq!(chunks.len(), 3);
    let first_meta = chunks[0].meta.as_ref().unwrap();
    assert_eq!(first_meta.size, Some(text.len() as u64));
    assert_eq!(first_meta.format.as_deref(), Some("chr"));
    assert!(chunks[0].more_data && chunks[1].more_data && !chunks[2].more_data);
    assert!(chunks[1].meta.is_none() && chunks[2].meta.is_none());
    let joined: String = chunks
        .iter()
        .map(|c| c.data.as_ref().unwrap().to_text().into_owned())
        .collect();
    assert_eq!(joined, text);
    for c in &chunks {
        assert!(c.data.as_ref().unwrap().to_text().len() <= 1000);
        assert_eq!(c.target.as_ref().unwrap().loc_uri, LARGE_NODE);
    }

    // The device sends one chunk per message, the first two without Final.
    let mut session = Session::new();
    let mut reasm = Reassembler::new(1 << 20);
    let mut complete = None;
    for (n, chunk) in chunks.iter().enumerate() {
        let is_final = n == 2;
        let mut body = SyncBody::new(vec![Command::Replace(Operation::new(
            "2",
            vec![chunk.clone()],
        ))]);
        body.is_final = is_final;
        let device = SyncMl::new(
            SyncHdr::new(
                "11",
                (n + 1).to_string().as_str(),
                SERVER.into(),
                DEVICE.into(),
            ),
            body,
        );
        // Over the wire, as XML.
        let device = wire(&device);
        assert_eq!(device.body.is_final, is_final);
        let reply = session
            .respond_with(&device, StatusCode::OK, &mut |c| {
                let mut code = StatusCode::OK;
                for it in c.items() {
                    match reasm.push(it) {
                        Ok(ch) => {
                            code = ch.status_code();
                            if let Chunk::Complete(whole) = ch {
                                complete = Some(*whole);
                            }
                        }
                        Err(e) => code = e.status_code(),
                    }
                }
                code
            })
            .finish();
        let want = if is_final { 200 } else { 213 };
        assert_eq!(
            status_triples(&reply),
            triples(&[("0", "SyncHdr", 200), ("2", "Replace", want)]),
            "message {}",
            n + 1
        );
        let a = alerts(&reply);
        if is_final {
            assert!(a.is_empty(), "no 1222 after the final message");
        } else {
            assert_eq!(a.len(), 1, "message {}: Alert 1222", n + 1);
            assert_eq!(a[0].code, Some(AlertCode::NEXT_MESSAGE));
            assert!(!a[0].cmd_id.is_empty());
        }
        assert_eq!(reasm.is_pending(), !is_final);
        wire(&reply);
    }
    let whole = complete.expect("the last chunk completes the object");
    assert_eq!(whole.data.as_ref().unwrap().to_text(), text);
    assert_eq!(
        whole.data.as_ref().unwrap().to_text().as_bytes(),
        text.as_bytes()
    );
    assert_eq!(whole.target.as_ref().unwrap().loc_uri, LARGE_NODE);
    assert!(!whole.more_data);
    assert_eq!(whole.meta.as_ref().unwrap().size, Some(text.len() as u64));
    assert_eq!(reasm.no_end_of_data(), None);
}

#[test]
fn large_object_failures_have_their_codes() {
    let text = large_text();
    let item = Item::target(LARGE_NODE).with_data(text.as_str());
    let chunks = split_item(&item, 1000).unwrap();
    assert_eq!(chunks.len(), 3);

    // The last chunk never comes: 1225 addressed to the node.
    let mut r = Reassembler::new(1 << 20);
    assert_eq!(r.push(&chunks[0]).unwrap(), Chunk::Partial);
    assert_eq!(r.push(&chunks[1]).unwrap(), Chunk::Partial);
    let alert = r.no_end_of_data().unwrap();
    assert_eq!(alert.code, Some(AlertCode::NO_END_OF_DATA));
    assert_eq!(alert.items.len(), 1);
    assert_eq!(alert.items[0].target.as_ref().unwrap().loc_uri, LARGE_NODE);
    assert!(!r.is_pending());
    assert_eq!(r.no_end_of_data(), None);

    // Announced size larger than what arrives: 424 on the last chunk.
    let mut big = chunks.clone();
    big[0].meta.as_mut().unwrap().size = Some(text.len() as u64 + 10);
    let mut r = Reassembler::new(1 << 20);
    r.push(&big[0]).unwrap();
    r.push(&big[1]).unwrap();
    let e = r.push(&big[2]).unwrap_err();
    assert!(matches!(e, LargeObjectError::SizeMismatch { .. }), "{e:?}");
    assert_eq!(e.status_code(), StatusCode::SIZE_MISMATCH);
    // Smaller: 424 as soon as the data overflows the announced size.
    let mut small = chunks.clone();
    small[0].meta.as_mut().unwrap().size = Some(1500);
    let mut r = Reassembler::new(1 << 20);
    r.push(&small[0]).unwrap();
    let e = r.push(&small[1]).unwrap_err();
    assert_eq!(e.status_code(), StatusCode::SIZE_MISMATCH);
    assert!(!r.is_pending());

    // No Meta/Size on the first chunk: 411.
    let mut nosize = chunks.clone();
    nosize[0].meta = None;
    let e = Reassembler::new(1 << 20).push(&nosize[0]).unwrap_err();
    assert_eq!(e, LargeObjectError::SizeMissing);
    assert_eq!(e.status_code(), StatusCode::SIZE_REQUIRED);

    // Above the cap: 416, whether announced or accumulated.
    let e = Reassembler::new(1000).push(&chunks[0]).unwrap_err();
    assert!(
        matches!(e, LargeObjectError::TooLarge { cap: 1000, .. }),
        "{e:?}"
    );
    assert_eq!(e.status_code(), StatusCode::REQUESTED_SIZE_TOO_BIG);
    let mut lying = chunks.clone();
    lying[0].meta.as_mut().unwrap().size = Some(1000);
    let mut r = Reassembler::new(1500);
    r.push(&lying[0]).unwrap();
    let e = r.push(&lying[1]).unwrap_err();
    assert!(matches!(e, LargeObjectError::TooLarge { .. }), "{e:?}");

    // A chunk for another node while one is pending.
    let mut r = Reassembler::new(1 << 20);
    r.push(&chunks[0]).unwrap();
    let mut other = chunks[1].clone();
    other.target = Some(Location::new("./Vendor/MSFT/Other"));
    let e = r.push(&other).unwrap_err();
    assert_eq!(e, LargeObjectError::Interleaved);
    assert_eq!(e.status_code(), StatusCode::BAD_REQUEST);
    assert!(!r.is_pending());

    // An item that fits is Whole (200); nothing to split.
    let small_item = Item::target("./x").with_data("abc");
    assert_eq!(
        split_item(&small_item, 1000).unwrap(),
        vec![small_item.clone()]
    );
    assert_eq!(
        Reassembler::new(10).push(&small_item).unwrap(),
        Chunk::Whole
    );
    assert_eq!(Chunk::Whole.status_code(), StatusCode::OK);
    assert_eq!(
        split_item(&Item::target("./x"), 10).unwrap_err(),
        LargeObjectError::NothingToSplit
    );
    assert_eq!(
        split_item(&small_item, 0).unwrap_err(),
        LargeObjectError::NothingToSplit
    );
}

// ---- 6. MD5 digest authentication ----

fn with_cred(cred: &mdmkit::windows::syncml::Cred) -> String {
    // The Cred exactly as the device writes it: Meta Type/Format then the digest.
    format!(
        r#"
    <Cred>
      <Meta><Format xmlns="syncml:metinf">b64</Format><Type xmlns="syncml:metinf">syncml:auth-md5</Type></Meta>
      <Data>{}</Data>
    </Cred>"#,
        cred.data.expose()
    )
}

/// Sets the challenge on the reply's header status (the session API has no setter for it).
fn challenge_reply(mut reply: SyncMl, chal: Option<mdmkit::windows::syncml::Chal>) -> SyncMl {
    if let Command::Status(s) = &mut reply.body.commands[0] {
        s.chal = chal;
    }
    reply
}

#[test]
fn md5_challenge_then_good_then_bad_credentials() {
    let secret = DigestSecret::new("dev-7F3A", "correct horse");
    let body = first_package_body();
    let nonce0 = b"initial-nonce-from-provisioning".to_vec();
    let nonce1: Vec<u8> = (0u8..16).map(|i| i.wrapping_mul(37) ^ 0xA5).collect();
    let nonce2: Vec<u8> = (0u8..16).map(|i| i.wrapping_mul(11) ^ 0x3C).collect();

    // Message 1 has no Cred: 407 with a challenge.
    let m1 = decode(&device_xml("20", "1", "", &body, true));
    let v = auth::verify(m1.hdr.cred.as_ref(), Some(&secret), &nonce0);
    assert_eq!(v, Verdict::Missing);
    let (code, chal) = v.header_status(&nonce1);
    assert_eq!(code, StatusCode::MISSING_CREDENTIALS);
    let mut session = Session::new();
    let reply = challenge_reply(session.respond(&m1, code).finish(), chal);
    assert_eq!(reply.body.commands.len(), 1, "only the header status");
    let reply = wire(&reply);
    let h = status(&reply.body.commands[0]);
    assert_eq!(h.code.0, 407);
    let c = h.chal.as_ref().unwrap();
    assert_eq!(c.meta.r#type.as_deref(), Some("syncml:auth-md5"));
    assert_eq!(c.meta.format.as_deref(), Some("b64"));
    assert!(c.meta.next_nonce.is_some());
    let xml = reply.to_xml().unwrap();
    assert!(xml.contains("<Chal><Meta><Format xmlns=\"syncml:metinf\">b64</Format><Type xmlns=\"syncml:metinf\">syncml:auth-md5</Type><NextNonce xmlns=\"syncml:metinf\">"));

    // The device hashes with the decoded nonce and tries again: 212.
    let nonce = auth::decode_nonce(c).unwrap();
    assert_eq!(nonce, nonce1);
    let cred = auth::md5_cred("dev-7F3A", "correct horse", &nonce);
    let m2 = decode(&device_xml("20", "2", &with_cred(&cred), &body, true));
    assert_eq!(m2.hdr.cred.as_ref(), Some(&cred));
    let v = auth::verify(m2.hdr.cred.as_ref(), Some(&secret), &nonce1);
    assert_eq!(v, Verdict::Accepted);
    let (code, chal) = v.header_status(&nonce2);
    assert_eq!(code, StatusCode::AUTHENTICATION_ACCEPTED);
    assert!(chal.is_none());
    let reply = session.respond(&m2, code).finish();
    assert_eq!(
        status_triples(&reply),
        triples(&[
            ("0", "SyncHdr", 212),
            ("2", "Alert", 200),
            ("3", "Alert", 200),
            ("4", "Replace", 200)
        ])
    );
    // The Cred's data is redacted in Debug.
    assert!(!format!("{m2:?}").contains(cred.data.expose().as_str()));
    // A replay of the same digest against the next nonce fails.
    assert_eq!(
        auth::verify(m2.hdr.cred.as_ref(), Some(&secret), &nonce2),
        Verdict::Invalid
    );

    // Wrong password: 401 with a new challenge.
    let bad = auth::md5_cred("dev-7F3A", "wrong horse", &nonce1);
    let m3 = decode(&device_xml("20", "3", &with_cred(&bad), &body, true));
    let v = auth::verify(m3.hdr.cred.as_ref(), Some(&secret), &nonce1);
    assert_eq!(v, Verdict::Invalid);
    let (code, chal) = v.header_status(&nonce2);
    assert_eq!(code, StatusCode::INVALID_CREDENTIALS);
    assert_eq!(auth::decode_nonce(chal.as_ref().unwrap()).unwrap(), nonce2);

    // An unknown device with the very same message: the same verdict and the same reply, but
    // for the nonce (research L14).
    let v_unknown = auth::verify(m3.hdr.cred.as_ref(), None, &nonce1);
    assert_eq!(v_unknown, Verdict::Invalid);
    let nonce3 = [0xEEu8; 16];
    let (code_u, chal_u) = v_unknown.header_status(&nonce3);
    let known = challenge_reply(Session::new().respond(&m3, code).finish(), chal);
    let unknown = challenge_reply(Session::new().respond(&m3, code_u).finish(), chal_u);
    let norm = |m: &SyncMl| {
        let x = m.to_xml().unwrap();
        let start = x.find("<NextNonce xmlns=\"syncml:metinf\">").unwrap();
        let end = x.find("</NextNonce>").unwrap();
        format!("{}NONCE{}", &x[..start], &x[end..])
    };
    assert_ne!(known.to_xml().unwrap(), unknown.to_xml().unwrap());
    assert_eq!(norm(&known), norm(&unknown));
    // Even a correct digest for an unknown device is refused.
    assert_eq!(
        auth::verify(
            Some(&auth::md5_cred("dev-7F3A", "correct horse", &nonce1)),
            None,
            &nonce1
        ),
        Verdict::Invalid
    );
    // Basic credentials and an unsupported type.
    assert_eq!(
        auth::verify(
            Some(&auth::basic_cred("dev-7F3A", "correct horse")),
            Some(&secret),
            &nonce1
        ),
        Verdict::Accepted
    );
    let mut odd = cred.clone();
    odd.meta.as_mut().unwrap().r#type = Some("syncml:auth-X509".to_owned());
    assert_eq!(
        auth::verify(Some(&odd), Some(&secret), &nonce1),
        Verdict::Invalid
    );
}

/// `openssl md5 -binary | base64` of `input`.
fn openssl_md5_b64(input: &[u8]) -> String {
    use std::io::Write as _;
    let mut md5 = Process::new("openssl")
        .args(["md5", "-binary"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("openssl is installed");
    md5.stdin.take().unwrap().write_all(input).unwrap();
    let digest = md5.wait_with_output().unwrap();
    assert!(digest.status.success());
    assert_eq!(digest.stdout.len(), 16);
    let mut b64 = Process::new("base64")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("base64 is installed");
    b64.stdin.take().unwrap().write_all(&digest.stdout).unwrap();
    let out = b64.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn md5_digest_matches_the_openssl_cli() {
    // A small xorshift so the "random" combinations are reproducible.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet: Vec<char> = "abcXYZ019-_.:@ üé€".chars().collect();
    let word = |n: usize, next: &mut dyn FnMut() -> u64| -> String {
        (0..n)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect()
    };
    let mut combos = vec![("user".to_owned(), "pass".to_owned(), b"nonce".to_vec())];
    for _ in 0..3 {
        let ul = (next() % 12 + 1) as usize;
        let pl = (next() % 20) as usize;
        let user = word(ul, &mut next);
        let pass = word(pl, &mut next);
        let nonce: Vec<u8> = (0..16).map(|_| next() as u8).collect();
        combos.push((user, pass, nonce));
    }
    for (user, pass, nonce) in &combos {
        let inner = openssl_md5_b64(format!("{user}:{pass}").as_bytes());
        let mut outer_in = format!("{inner}:").into_bytes();
        outer_in.extend_from_slice(nonce);
        let want = openssl_md5_b64(&outer_in);
        assert_eq!(
            auth::md5_digest(user, pass, nonce),
            want,
            "{user:?} {pass:?} {nonce:?}"
        );
    }
    assert_eq!(
        auth::md5_digest("user", "pass", b"nonce"),
        "f0OWezbxnJd9kOyQYbkfDQ=="
    );
}

// ---- 7. reply sizing ----

#[test]
fn try_push_respects_the_max_message_size_and_encoded_size_is_exact() {
    let msg = decode(&device_xml("4", "1", "", &first_package_body(), true));
    let big = csp::replace(
        "./Vendor/MSFT/Policy/Config/X",
        Value::Chr("y".repeat(4000)),
    );
    let small = csp::get(dev_detail::SWV);

    let mut session = Session::new();
    let mut reply = session.respond(&msg, StatusCode::OK);
    let base = reply.encoded_size();
    // The device's MaxMsgSize would fit it; a tighter budget does not.
    let max = session_max(&msg);
    assert_eq!(max, 524_288);
    let refused = reply
        .try_push(big.clone(), (base + 1000) as u64)
        .unwrap_err();
    assert_eq!(*refused, big, "given back untouched");
    assert_eq!(reply.encoded_size(), base, "nothing was added");
    // (The refused attempt used up number 5: IDs stay unique, with a gap.)
    let id = reply.try_push(small.clone(), max).unwrap();
    let id2 = reply.try_push(big.clone(), max).unwrap();
    assert_ne!(id, id2);
    assert!(!["1", "2", "3", "4"].contains(&id.as_str()));
    let size = reply.encoded_size();
    let out = reply.finish();
    let xml = out.to_xml().unwrap();
    assert_eq!(
        size,
        xml.len(),
        "encoded_size() is exact for a finished reply"
    );

    // The exact boundary: a budget of exactly the final size fits, one byte less does not.
    let need = {
        let mut s = Session::new();
        let mut r = s.respond(&msg, StatusCode::OK);
        r.try_push(big.clone(), u64::MAX).unwrap();
        r.finish().to_xml().unwrap().len() as u64
    };
    let mut s = Session::new();
    let mut r = s.respond(&msg, StatusCode::OK);
    assert!(r.try_push(big.clone(), need - 1).is_err());
    assert!(r.try_push(big.clone(), need).is_ok());
    assert_eq!(r.finish().to_xml().unwrap().len() as u64, need);

    // Without Final (finish_more) the reply is `<Final/>` shorter than the estimate: an
    // over-estimate by 8 bytes, which is on the safe side of MaxMsgSize.
    let mut s = Session::new();
    let mut r = s.respond(&msg, StatusCode::OK);
    r.push(small);
    let est = r.encoded_size();
    let len = r.finish_more().to_xml().unwrap().len();
    assert!(
        est >= len && est - len <= "<Final/>".len(),
        "{est} vs {len}"
    );
}

fn session_max(msg: &SyncMl) -> u64 {
    let mut s = Session::new();
    let _ = s.respond(msg, StatusCode::OK);
    s.device_max_msg_size().unwrap()
}

// ---- 8. CmdID allocation ----

fn all_ids(m: &SyncMl) -> Vec<String> {
    m.commands_flat()
        .filter_map(|c| c.cmd_id().map(|i| i.to_string()))
        .collect()
}

#[test]
fn cmd_ids_are_allocated_unique_and_user_ids_kept() {
    let msg = decode(&device_xml(
        "6",
        "1",
        "",
        "<Alert><CmdID>2</CmdID><Data>1201</Data></Alert>",
        true,
    ));
    let mut session = Session::new();
    let mut reply = session.respond(&msg, StatusCode::OK);
    // Statuses took 1 and 2. A user ID "4" ahead of the counter is skipped by the allocator.
    let uuid = "0f6a2c1e-3b5d-4e7f-9a1b-2c3d4e5f6a7b";
    let mut own = csp::get(dev_detail::HWV);
    *own.cmd_id_mut().unwrap() = CmdId::new("4");
    assert_eq!(reply.push(own), "4");
    assert_eq!(reply.push(csp::get(dev_detail::SWV)), "3");
    let atomic = reply.push(csp::atomic(vec![
        csp::replace("./a", Value::Bool(true)),
        csp::delete("./b"),
    ]));
    assert_eq!(atomic, "5", "4 is taken");
    let mut with_uuid = csp::exec("./Vendor/MSFT/RemoteWipe/doWipe", None);
    *with_uuid.cmd_id_mut().unwrap() = CmdId::new(uuid);
    assert_eq!(reply.push(with_uuid), uuid);
    // A container with one child named by the caller and one to allocate.
    let mut named = csp::replace("./c", Value::Null);
    *named.cmd_id_mut().unwrap() = CmdId::new("child-uuid");
    let seq = reply.push(csp::sequence(vec![named, csp::add("./d", Value::Node)]));
    let out = reply.finish();
    let ids = all_ids(&out);
    assert_eq!(
        ids,
        [
            "1",
            "2",
            "4",
            "3",
            "5",
            "6",
            "7",
            uuid,
            "8",
            "child-uuid",
            "9"
        ]
    );
    assert_eq!(seq, "8");
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "unique: {ids:?}");
    assert!(session.sent("1", uuid).is_some());
    assert_eq!(
        session
            .sent("1", "child-uuid")
            .unwrap()
            .parent
            .as_ref()
            .map(CmdId::as_str),
        Some("8")
    );
    let xml = out.to_xml().unwrap();
    assert!(xml.contains(&format!("<CmdID>{uuid}</CmdID>")));
    wire(&out);
}

#[test]
fn a_device_command_without_cmd_id_gets_400_with_an_empty_cmd_ref() {
    let body = r#"<Replace><Item><Target><LocURI>./a</LocURI></Target><Data>1</Data></Item></Replace>
    <Get><CmdID>3</CmdID><Item><Target><LocURI>./b</LocURI></Target></Item></Get>
    <Atomic><CmdID>4</CmdID>
      <Add><CmdID>5</CmdID><Item><Target><LocURI>./c</LocURI></Target></Item></Add>
      <Add><Item><Target><LocURI>./d</LocURI></Target></Item></Add>
    </Atomic>
    <Sync><CmdID>6</CmdID></Sync>"#;
    let msg = decode(&device_xml("6", "1", "", body, true));
    let Command::Replace(r) = &msg.body.commands[0] else {
        panic!()
    };
    assert!(r.cmd_id.is_empty());
    let mut policy_calls = 0;
    let reply = Session::new()
        .respond_with(&msg, StatusCode::OK, &mut |_| {
            policy_calls += 1;
            StatusCode::OK
        })
        .finish();
    assert_eq!(
        status_triples(&reply),
        triples(&[
            ("0", "SyncHdr", 200),
            ("", "Replace", 400),
            ("3", "Get", 200),
            ("4", "Atomic", 507),
            ("5", "Add", 216),
            ("", "Add", 400),
            ("", "Sync", 400),
        ])
    );
    // The policy is asked only about commands with a CmdID: Get, Atomic, its first Add.
    assert_eq!(policy_calls, 3);
    let xml = reply.to_xml().unwrap();
    assert!(xml.contains("<CmdRef></CmdRef><Cmd>Replace</Cmd>"));
    let back = wire(&reply);
    assert_eq!(statuses(&back)[1].cmd_ref, "");
}

// ---- 9. identifiers are opaque ----

#[test]
fn session_and_message_ids_are_opaque() {
    let uuid = "6B29FC40-CA47-1067-B31D-00DD010662DA";
    for (session_id, msg_id) in [("0", "1"), ("D", "1"), ("1A2B", uuid), ("0", "0")] {
        let msg = decode(&device_xml(
            session_id,
            msg_id,
            "",
            "<Alert><CmdID>2</CmdID><Data>1201</Data></Alert>",
            true,
        ));
        assert_eq!(msg.hdr.session_id, session_id);
        assert_eq!(msg.hdr.msg_id, msg_id);
        wire(&msg);
        let reply = Session::new().respond(&msg, StatusCode::OK).finish();
        assert_eq!(reply.hdr.session_id, session_id);
        assert!(statuses(&reply).iter().all(|s| s.msg_ref == msg_id));
        let back = wire(&reply);
        assert_eq!(back.hdr.session_id.as_str(), session_id);
    }
    // Whitespace around an ID (pretty-printers) is not part of it.
    let msg = decode(&device_xml("\n   0\n  ", " 7 ", "", "", true));
    assert_eq!(msg.hdr.session_id, "0");
    assert_eq!(msg.hdr.msg_id, "7");
}

// ---- 10. Data fidelity (research L8) ----

#[test]
fn data_is_kept_exactly_as_written() {
    let cases: &[(&str, &str)] = &[
        // Escaped XML (a WLAN profile), as Windows accepts it.
        (
            "&lt;WLANProfile xmlns=&quot;http://www.microsoft.com/networking/WLAN/profile/v1&quot;&gt;&lt;name&gt;Corp&lt;/name&gt;&lt;/WLANProfile&gt;",
            "<WLANProfile xmlns=\"http://www.microsoft.com/networking/WLAN/profile/v1\"><name>Corp</name></WLANProfile>",
        ),
        // CDATA, with markup and an ampersand inside.
        (
            "<![CDATA[<MsiInstallJob id=\"{A}\"><Product Version=\"1.0\"/>&amp;</MsiInstallJob>]]>",
            "<MsiInstallJob id=\"{A}\"><Product Version=\"1.0\"/>&amp;</MsiInstallJob>",
        ),
        // Double escaping, as some Microsoft Exec samples have it.
        (
            "&amp;lt;Policy&amp;gt;1&amp;lt;/Policy&amp;gt;",
            "&lt;Policy&gt;1&lt;/Policy&gt;",
        ),
        // Character references, kept as written.
        ("&#65;&#x42;&#x1F600;", "AB😀"),
        // Nested raw markup (a DS-style Anchor): kept, not interpreted.
        (
            "<Anchor xmlns=\"syncml:metinf\"><Next>276</Next></Anchor>",
            "<Anchor xmlns=\"syncml:metinf\"><Next>276</Next></Anchor>",
        ),
        // Whitespace is data.
        ("\n   padded value \t\n ", "\n   padded value \t\n "),
        // A comment is kept in the source text.
        ("a<!-- note -->b", "a<!-- note -->b"),
        ("", ""),
    ];
    for (raw, text) in cases {
        let body = format!(
            "<Results><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>5</CmdRef>\
             <Item><Source><LocURI>./x</LocURI></Source><Data>{raw}</Data></Item></Results>"
        );
        let msg = decode(&device_xml("1", "2", "", &body, true));
        let d = msg.body.commands[0].items()[0].data.clone().unwrap();
        assert_eq!(d.as_xml(), *raw, "kept verbatim");
        assert_eq!(d.to_text(), *text, "text of {raw:?}");
        let xml = msg.to_xml().unwrap();
        assert!(
            xml.contains(&format!("<Data>{raw}</Data>")),
            "written verbatim: {raw:?}"
        );
        wire(&msg);
    }

    // `msft:originalerror` on an item's Data (prefix declared on SyncBody, as Windows does).
    let xml = device_xml("1", "2", "", "", true).replace(
        "<SyncBody>",
        &format!(
            "<SyncBody xmlns:msft=\"{MSFT_NAMESPACE}\"><Results><CmdID>2</CmdID><CmdRef>3</CmdRef>\
             <Item><Source><LocURI>./x</LocURI></Source>\
             <Data msft:originalerror=\"0x86000002\">fail&amp;detail</Data></Item></Results>"
        ),
    );
    let msg = decode(&xml);
    let d = msg.body.commands[0].items()[0].data.clone().unwrap();
    assert_eq!(d.original_error(), Some("0x86000002"));
    assert_eq!(d.as_xml(), "fail&amp;detail");
    assert_eq!(
        d.attributes(),
        [Attribute::new(
            Some(MSFT_NAMESPACE),
            "originalerror",
            "0x86000002"
        )]
    );
    let out = msg.to_xml().unwrap();
    assert!(out.contains(&format!(
        "<Data xmlns:msft=\"{MSFT_NAMESPACE}\" msft:originalerror=\"0x86000002\">fail&amp;detail</Data>"
    )));
    let back = wire(&msg);
    assert_eq!(
        back.body.commands[0].items()[0]
            .data
            .as_ref()
            .unwrap()
            .original_error(),
        Some("0x86000002")
    );

    // Constructors: text escapes, cdata wraps (and splits `]]>`), from_xml checks.
    let t = Data::text("a<b>&c\"d'\r");
    assert_eq!(t.as_xml(), "a&lt;b&gt;&amp;c\"d'&#13;");
    assert_eq!(t.to_text(), "a<b>&c\"d'\r");
    let c = Data::cdata("x]]>y");
    assert_eq!(c.as_xml(), "<![CDATA[x]]]]><![CDATA[>y]]>");
    assert_eq!(c.to_text(), "x]]>y");
    assert!(Data::from_xml("<a>").is_err());
    assert!(Data::from_xml("&foo;").is_err());
    assert_eq!(Data::from_xml("<a>b</a>").unwrap().as_xml(), "<a>b</a>");
    // Built data travels through the wire unchanged too.
    let item = Item::target("./y").with_data(t.clone());
    let m = SyncMl::new(
        SyncHdr::new("1", "1", DEVICE.into(), SERVER.into()),
        SyncBody::new(vec![
            Command::Replace(Operation::new("2", vec![item])),
            Command::Add(Operation::new("3", vec![Item::target("./z").with_data(c)])),
        ]),
    );
    let back = wire(&m);
    assert_eq!(back.body.commands[0].items()[0].data.as_ref().unwrap(), &t);
}

// ---- 11. namespaces (research L17, L18) ----

fn meta_header_variant(root_attrs: &str, meta: &str) -> SyncMl {
    let xml = format!(
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"{root_attrs}><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>
        <SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>{SERVER}</LocURI></Target>
        <Source><LocURI>{DEVICE}</LocURI></Source><Meta>{meta}</Meta></SyncHdr>
        <SyncBody><Replace><CmdID>2</CmdID><Item><Target><LocURI>./a</LocURI></Target>
        <Meta>{meta}</Meta><Data>1</Data></Item></Replace><Final/></SyncBody></SyncML>"#
    );
    decode(&xml)
}

#[test]
fn namespaces_are_resolved_not_matched_by_prefix() {
    let default_ns = meta_header_variant(
        "",
        r#"<Format xmlns="syncml:metinf">int</Format><Type xmlns="syncml:metinf">text/plain</Type><MaxMsgSize xmlns="syncml:metinf">65536</MaxMsgSize>"#,
    );
    let prefixed = meta_header_variant(
        r#" xmlns:A="syncml:metinf""#,
        "<A:Format>int</A:Format><A:Type>text/plain</A:Type><A:MaxMsgSize>65536</A:MaxMsgSize>",
    );
    let other_prefix = meta_header_variant(
        "",
        r#"<m:Format xmlns:m="syncml:metinf">int</m:Format><m:Type xmlns:m="syncml:metinf">text/plain</m:Type><m:MaxMsgSize xmlns:m="syncml:metinf">65536</m:MaxMsgSize>"#,
    );
    assert_eq!(prefixed, default_ns);
    assert_eq!(other_prefix, default_ns);
    let meta = default_ns.hdr.meta.as_ref().unwrap();
    assert_eq!(meta.format.as_deref(), Some("int"));
    assert_eq!(meta.max_msg_size, Some(65536));

    // A SyncML-prefixed document decodes the same as the default-namespace one.
    let xml = default_ns.to_xml().unwrap();
    let prefixed_syncml = xml
        .replace(
            "<SyncML xmlns=\"SYNCML:SYNCML1.2\">",
            "<s:SyncML xmlns:s=\"SYNCML:SYNCML1.2\">",
        )
        .replace("</SyncML>", "</s:SyncML>");
    let prefixed_syncml = regex_prefix(&prefixed_syncml);
    assert_eq!(decode(&prefixed_syncml), default_ns);

    // SYNCML:SYNCML1.1 on the root is accepted; output is always 1.2.
    let v11 = xml.replace("SYNCML:SYNCML1.2", "SYNCML:SYNCML1.1");
    assert_eq!(decode(&v11), default_ns);
    assert!(xml.starts_with("<SyncML xmlns=\"SYNCML:SYNCML1.2\">"));
    assert!(
        decode(&v11)
            .to_xml()
            .unwrap()
            .starts_with("<SyncML xmlns=\"SYNCML:SYNCML1.2\">")
    );
    // Each Meta child declares the MetInf namespace itself.
    assert!(xml.contains("<Meta><Format xmlns=\"syncml:metinf\">int</Format><Type xmlns=\"syncml:metinf\">text/plain</Type><MaxMsgSize xmlns=\"syncml:metinf\">65536</MaxMsgSize></Meta>"));

    // An undeclared prefix is a typed error.
    let bad = xml.replace(
        "<Format xmlns=\"syncml:metinf\">int</Format>",
        "<A:Format>int</A:Format>",
    );
    let e = SyncMl::from_xml(bad.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), &K::Syntax);

    // An element of a foreign namespace where a SyncML element is expected is not taken for it:
    // a `Replace` in another namespace is an unknown command.
    let foreign = device_xml(
        "1",
        "1",
        "",
        r#"<Replace xmlns="urn:not-syncml"><CmdID>2</CmdID></Replace>"#,
        true,
    );
    let m = decode(&foreign);
    assert!(matches!(&m.body.commands[0], Command::Unknown(r) if r.local_name() == "Replace"));
}

/// Prefixes every unprefixed SyncML tag of `xml` (as written by mdmkit) with `s:`; Meta
/// children keep their own default namespace.
fn regex_prefix(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len() + 512);
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (open, name_start) = if tail.starts_with("</") {
            ("</", 2)
        } else {
            ("<", 1)
        };
        let name_end = tail[name_start..]
            .find(['>', ' ', '/'])
            .map_or(tail.len(), |e| e + name_start);
        let name = &tail[name_start..name_end];
        let metinf = matches!(name, "Format" | "Type" | "MaxMsgSize");
        if name.contains(':') || metinf {
            out.push_str(&tail[..name_end]);
        } else {
            out.push_str(open);
            out.push_str("s:");
            out.push_str(name);
        }
        rest = &tail[name_end..];
    }
    out.push_str(rest);
    out
}

// ---- 12. unknown content survives ----

#[test]
fn unknown_commands_and_elements_survive_a_round_trip() {
    let unknown_cmd = "<Sync><CmdID>9</CmdID><Target><LocURI>./contacts</LocURI></Target><Add><CmdID>10</CmdID></Add></Sync>";
    let foo = "<FooBar/>";
    let in_item = "<SourceParent><LocURI>./parent</LocURI></SourceParent>";
    let in_meta = "<EMI xmlns=\"syncml:metinf\">vendor-ext</EMI>";
    let in_meta2 = "<Mem xmlns=\"syncml:metinf\"><FreeMem>8192</FreeMem></Mem>";
    let in_hdr = "<X-Vendor a=\"1\">v &amp; w</X-Vendor>";
    let in_status = "<Foo xmlns=\"urn:example\"><Bar/></Foo>";
    let xml = format!(
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>
  <SessionID>1</SessionID><MsgID>4</MsgID><Target><LocURI>{SERVER}</LocURI></Target>
  <Source><LocURI>{DEVICE}</LocURI></Source>{in_hdr}</SyncHdr>
  <SyncBody>
    {unknown_cmd}
    <Status><CmdID>2</CmdID><MsgRef>3</MsgRef><CmdRef>4</CmdRef><Cmd>Replace</Cmd><Data>200</Data>
      <SourceRef>./s1</SourceRef><TargetRef>./t1</TargetRef><TargetRef>./t2</TargetRef>{in_status}</Status>
    {foo}
    <Results><CmdID>3</CmdID><MsgRef>3</MsgRef><CmdRef>5</CmdRef><SourceRef>./s</SourceRef><TargetRef>./t</TargetRef>
      <Item><Source><LocURI>./x</LocURI></Source><Meta><Format xmlns="syncml:metinf">chr</Format>{in_meta}{in_meta2}</Meta><Data>v</Data>{in_item}</Item>
    </Results>
    <Final/>
  </SyncBody></SyncML>"#
    );
    let msg = decode(&xml);
    assert_eq!(msg.body.commands.len(), 4);
    let Command::Unknown(raw) = &msg.body.commands[0] else {
        panic!()
    };
    assert_eq!(raw.as_xml(), unknown_cmd);
    assert_eq!(raw.local_name(), "Sync");
    assert_eq!(msg.body.commands[0].name(), "Sync");
    assert!(msg.body.commands[0].cmd_id().is_none());
    let Command::Unknown(raw) = &msg.body.commands[2] else {
        panic!()
    };
    assert_eq!(raw.as_xml(), foo);
    assert_eq!(msg.hdr.other, [RawXml::from_xml(in_hdr).unwrap()]);
    let s = status(&msg.body.commands[1]);
    assert_eq!(s.target_refs, ["./t1", "./t2"]);
    assert_eq!(s.source_refs, ["./s1"]);
    assert_eq!(s.other[0].as_xml(), in_status);
    let Command::Results(r) = &msg.body.commands[3] else {
        panic!()
    };
    assert_eq!(r.target_refs, ["./t"]);
    assert_eq!(r.source_refs, ["./s"]);
    let it = &r.items[0];
    assert_eq!(it.other[0].as_xml(), in_item);
    let meta = it.meta.as_ref().unwrap();
    assert_eq!(meta.format.as_deref(), Some("chr"));
    assert_eq!(
        meta.other.iter().map(RawXml::as_xml).collect::<Vec<_>>(),
        [in_meta, in_meta2]
    );

    let out = msg.to_xml().unwrap();
    for part in [
        unknown_cmd,
        foo,
        in_item,
        in_meta,
        in_meta2,
        in_hdr,
        in_status,
    ] {
        assert!(out.contains(part), "{part} written back verbatim");
    }
    // Status references written in OMA order: TargetRef before SourceRef, before Data.
    assert!(out.contains(
        "<Cmd>Replace</Cmd><TargetRef>./t1</TargetRef><TargetRef>./t2</TargetRef><SourceRef>./s1</SourceRef><Data>200</Data>"
    ));
    wire(&msg);

    // The device's unknown command is answered 400 with a blank CmdRef; FooBar too.
    let reply = Session::new().respond(&msg, StatusCode::OK).finish();
    assert_eq!(
        status_triples(&reply),
        triples(&[
            ("0", "SyncHdr", 200),
            ("", "Sync", 400),
            ("", "FooBar", 400)
        ])
    );

    // Fragments and single commands.
    let f = Fragment::from_xml(format!("{unknown_cmd}{foo}").as_bytes()).unwrap();
    assert_eq!(f.commands.len(), 2);
    assert!(f.hdr.is_none());
    let c = Command::from_xml(
        b"<Get><CmdID>1</CmdID><Item><Target><LocURI>./a</LocURI></Target></Item></Get>",
    )
    .unwrap();
    let again = Command::from_xml(c.to_xml().unwrap().as_bytes()).unwrap();
    assert_eq!(again, c);
    assert!(
        c.to_xml()
            .unwrap()
            .starts_with("<Get xmlns=\"SYNCML:SYNCML1.2\">")
    );
    assert_eq!(
        Command::from_xml(b"<Get><CmdID>1</CmdID></Get><Get><CmdID>2</CmdID></Get>")
            .unwrap_err()
            .kind(),
        &K::TrailingData
    );
}

#[test]
fn built_messages_use_dtd_order_and_read_back() {
    let mut s = Status::new("1", "1", "0", "SyncHdr", StatusCode::OK);
    s.items.push(Item::target("./t"));
    let m = SyncMl::new(
        SyncHdr::new("S", "1", Location::new(DEVICE), Location::new(SERVER)),
        SyncBody::new(vec![
            Command::Status(s),
            Command::Alert(Alert::new("2", AlertCode::SERVER_INITIATED, vec![])),
            Command::Atomic(Container::new(
                "3",
                vec![csp::replace("./a", Value::B64(vec![0, 1, 2, 255]))],
            )),
        ]),
    );
    let xml = m.to_xml().unwrap();
    assert!(xml.contains("<Data>AAEC/w==</Data>"), "{xml}");
    assert!(xml.contains("<Format xmlns=\"syncml:metinf\">b64</Format>"));
    // The empty CmdID of the Atomic's child is left out.
    assert!(xml.contains("<Atomic><CmdID>3</CmdID><Replace><Item>"));
    wire(&m);
}

// ---- regressions: defects found by review of the first cut (each failed before its fix) ----

mod regressions {
    use mdmkit::windows::syncml::*;
    use mdmkit::{DecodeErrorKind as K, EncodeError, Limit, Limits};

    fn msg(root_attrs: &str, body: &str) -> String {
        format!(
            r#"<SyncML xmlns="SYNCML:SYNCML1.2"{root_attrs}><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>s</LocURI></Target><Source><LocURI>d</LocURI></Source></SyncHdr><SyncBody>{body}<Final/></SyncBody></SyncML>"#
        )
    }

    #[test]
    fn status_data_keeps_original_error() {
        let x = msg(
            "",
            r#"<Status xmlns:msft="http://schemas.microsoft.com/MobileDevice/MDM"><CmdID>3</CmdID><MsgRef>1</MsgRef><CmdRef>2</CmdRef><Cmd>Exec</Cmd><Data msft:originalerror="0x86000002">500</Data></Status>"#,
        );
        let m = SyncMl::from_xml(x.as_bytes()).unwrap();
        let Command::Status(s) = &m.body.commands[0] else {
            panic!()
        };
        assert_eq!(s.original_error(), Some("0x86000002"));
        let out = m.to_xml().unwrap();
        assert!(out.contains("originalerror=\"0x86000002\""), "{out}");
        assert_eq!(SyncMl::from_xml(out.as_bytes()).unwrap(), m);
    }

    #[test]
    fn inherited_prefixes_survive_a_round_trip() {
        for (a, b) in [
            (
                r#" xmlns:A="syncml:metinf""#,
                "<Replace><CmdID>2</CmdID><Item><Meta><A:Format>int</A:Format><A:EMI>x</A:EMI></Meta><Data>1</Data></Item></Replace>",
            ),
            (
                r#" xmlns:A="urn:x""#,
                "<Replace><CmdID>2</CmdID><Item><Data><A:Foo/></Data></Item></Replace>",
            ),
            (r#" xmlns:A="urn:x""#, "<A:Foo/>"),
        ] {
            let m = SyncMl::from_xml(msg(a, b).as_bytes()).unwrap();
            assert_eq!(
                SyncMl::from_xml(m.to_xml().unwrap().as_bytes()).unwrap(),
                m,
                "{b}"
            );
        }
    }

    #[test]
    fn characters_xml_cannot_carry_are_refused_both_ways() {
        for d in [Data::text("a\u{1}b"), Data::cdata("a\u{1}b")] {
            let m = SyncMl::new(
                SyncHdr::new("1", "1", Location::new("d"), Location::new("s")),
                SyncBody::new(vec![Command::Replace(Operation::new(
                    "2",
                    vec![Item::target("./a").with_data(d)],
                ))]),
            );
            assert!(matches!(
                m.to_xml(),
                Err(EncodeError::InvalidXmlChar { .. })
            ));
        }
        let err = SyncMl::from_xml(
            msg(
                "",
                "<Replace><CmdID>2</CmdID><Item><Data>a\u{1}b</Data></Item></Replace>",
            )
            .as_bytes(),
        )
        .unwrap_err();
        assert_eq!(err.kind(), &K::InvalidValue("character"));
    }

    #[test]
    fn malformed_attributes_are_refused() {
        for root in [
            "<SyncML xmlns=&#39;urn:other&#39;>",
            "<SyncML xmlns=SYNCML:SYNCML1.2>",
            "<SyncML a b c>",
            "<SyncML xmlns=\u{201d}SYNCML:SYNCML1.2\u{201d}>",
        ] {
            let x = msg("", "").replace("<SyncML xmlns=\"SYNCML:SYNCML1.2\">", root);
            assert_eq!(
                SyncMl::from_xml(x.as_bytes()).unwrap_err().kind(),
                &K::Syntax,
                "{root}"
            );
        }
    }

    #[test]
    fn data_over_the_data_limit_names_it() {
        let x = msg(
            "",
            &format!(
                "<Replace><CmdID>2</CmdID><Item><Data>{}</Data></Item></Replace>",
                "x".repeat(5000)
            ),
        );
        let err = SyncMl::from_xml_with_limits(
            x.as_bytes(),
            &Limits::default().with_max_data_bytes(1000),
        )
        .unwrap_err();
        assert_eq!(err.kind(), &K::LimitExceeded(Limit::DataBytes));
    }

    #[test]
    fn nested_containers_are_capped_whatever_the_depth_limit() {
        let n = 1000;
        let body = format!(
            "{}{}",
            "<Atomic><CmdID>1</CmdID>".repeat(n),
            "</Atomic>".repeat(n)
        );
        let x = msg("", &body);
        let err = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                SyncMl::from_xml_with_limits(
                    x.as_bytes(),
                    &Limits::default().with_max_depth(n + 10),
                )
                .unwrap_err()
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(err.kind(), &K::LimitExceeded(Limit::Depth));
    }

    #[test]
    fn many_tiny_commands_are_bounded_in_memory() {
        // 1.4 M `<Get/>` in 8 MiB: without a charge per decoded structure this allocated
        // 0.6-1 GB before the element limit.
        let x = msg("", &"<Get/>".repeat(1_398_000));
        let err = SyncMl::from_xml(x.as_bytes()).unwrap_err();
        assert_eq!(err.kind(), &K::LimitExceeded(Limit::Items));
    }

    #[test]
    fn cred_errors_name_the_cred() {
        let mut h = SyncHdr::new("1", "1", Location::new("d"), Location::new("s"));
        let mut c = Cred::new("syncml:auth-md5", "x");
        c.data = mdmkit::Sensitive::new("a\u{1}".to_owned());
        h.cred = Some(c);
        assert_eq!(
            SyncMl::new(h, SyncBody::new(vec![])).to_xml().unwrap_err(),
            EncodeError::InvalidXmlChar {
                path: "SyncHdr.Cred.Data".to_owned()
            }
        );
    }

    #[test]
    fn fragment_errors_name_the_top_command() {
        assert_eq!(
            Fragment::from_xml(
                b"<Atomic><CmdID>1</CmdID><Get><CmdID>x</CmdID><CmdID>y</CmdID></Get></Atomic>"
            )
            .unwrap_err()
            .path(),
            "Atomic[0].Get[0].CmdID"
        );
    }

    #[test]
    fn alert_1222_is_addressed_to_the_device() {
        let x = msg("", "<Alert><CmdID>2</CmdID><Data>1201</Data></Alert>").replace("<Final/>", "");
        let m = SyncMl::from_xml(x.as_bytes()).unwrap();
        let mut s = session::Session::new();
        let reply = s.respond(&m, StatusCode::OK).finish();
        let Some(Command::Alert(a)) = reply.body.commands.last() else {
            panic!()
        };
        assert_eq!(a.code, Some(AlertCode::NEXT_MESSAGE));
        assert_eq!(a.items[0].target.as_ref().unwrap().loc_uri, "d");
        assert_eq!(a.items[0].source.as_ref().unwrap().loc_uri, "s");
    }
}
