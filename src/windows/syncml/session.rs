//! The server side of an OMA DM management session, sans-IO.
//!
//! [`Session`] holds what a server must remember between the messages of one session: its own
//! `MsgID` counter, the device's `MaxMsgSize`, and the commands it sent (to correlate `Results`
//! and `Status` by (`MsgRef`, `CmdRef`)). [`Session::respond`] starts a [`Reply`] that already
//! holds the header status (first, `CmdRef` 0) and one status per command received, nested
//! `Atomic`/`Sequence` children included, in document order. Push commands to it; `CmdID`s are
//! allocated; [`Reply::finish`] sets `Final`, or [`Reply::finish_more`] leaves it off when more
//! messages follow. A device message without `Final` gets an `Alert 1222` ("next message")
//! added to the reply.
//!
//! ```
//! use mdmkit::windows::syncml::{session::Session, *};
//!
//! let device = |msg_id: &str, body: &str| {
//!     SyncMl::from_xml(format!(r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD>
//!       <VerProto>DM/1.2</VerProto><SessionID>7</SessionID><MsgID>{msg_id}</MsgID>
//!       <Target><LocURI>https://mdm.example/manage</LocURI></Target>
//!       <Source><LocURI>DEV1</LocURI></Source></SyncHdr><SyncBody>{body}<Final/></SyncBody></SyncML>"#)
//!       .as_bytes())
//! };
//! let mut s = Session::new();
//! let first = device("1", "<Alert><CmdID>2</CmdID><Data>1201</Data></Alert>")?;
//! let mut reply = s.respond(&first, StatusCode::OK);
//! let get_id = reply.push(Command::Get(Operation::new("", vec![Item::target("./DevDetail/SwV")])));
//! let out = reply.finish();
//! assert_eq!(out.body.commands.len(), 3); // header status, status for the Alert, the Get
//!
//! let second = device("2", &format!(
//!     "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>{get_id}</CmdRef><Cmd>Get</Cmd><Data>200</Data></Status>
//!      <Results><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>{get_id}</CmdRef>
//!      <Item><Source><LocURI>./DevDetail/SwV</LocURI></Source><Data>10.0.19043.2364</Data></Item></Results>"))?;
//! let answers = s.correlate(&second);
//! assert_eq!(answers.len(), 2);
//! let results = answers.iter().find_map(|a| a.results()).unwrap();
//! assert_eq!(results.items[0].data.as_ref().unwrap().to_text(), "10.0.19043.2364");
//! # Ok::<(), mdmkit::Error>(())
//! ```

use std::collections::{HashMap, HashSet};

use super::model::*;
use super::{AlertCode, StatusCode, ser};
use crate::windows::xml::Writer;

/// A command the server sent, remembered for correlation.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCommand {
    /// The element name (`Get`, `Replace`, `Atomic`, …).
    pub cmd: String,
    /// The `Target/LocURI` of each item.
    pub targets: Vec<String>,
    /// For a command inside an `Atomic` or `Sequence`: the container's `CmdID`.
    pub parent: Option<CmdId>,
    /// For an `Atomic` or `Sequence`: the children's `CmdID`s.
    pub children: Vec<CmdId>,
}

/// State of one management session (server side).
#[derive(Debug, Clone, Default)]
pub struct Session {
    next_msg_id: u64,
    session_id: Option<SessionId>,
    device_max_msg_size: Option<u64>,
    device_max_obj_size: Option<u64>,
    sent: HashMap<(MsgId, CmdId), SentCommand>,
}

/// The statuses mdmkit answers a received command with, decided by the caller.
pub type StatusPolicy<'a> = &'a mut dyn FnMut(&Command) -> StatusCode;

impl Session {
    /// A new session; the server's `MsgID`s count from 1.
    #[must_use]
    pub fn new() -> Self {
        Session {
            next_msg_id: 1,
            ..Session::default()
        }
    }

    /// The `MaxMsgSize` the device advertised (from its last header that had one).
    #[must_use]
    pub fn device_max_msg_size(&self) -> Option<u64> {
        self.device_max_msg_size
    }

    /// The `MaxObjSize` the device advertised.
    #[must_use]
    pub fn device_max_obj_size(&self) -> Option<u64> {
        self.device_max_obj_size
    }

    /// The command sent in server message `msg_ref` with `CmdID` `cmd_ref`.
    #[must_use]
    pub fn sent(&self, msg_ref: &str, cmd_ref: &str) -> Option<&SentCommand> {
        self.sent.get(&(MsgId::new(msg_ref), CmdId::new(cmd_ref)))
    }

    /// Starts the reply to `incoming`: the header status with `header_code` (200, 212, 401,
    /// 407), then status 200 for every command that needs one (see [`Session::respond_with`]).
    pub fn respond(&mut self, incoming: &SyncMl, header_code: StatusCode) -> Reply<'_> {
        self.respond_with(incoming, header_code, &mut |_| StatusCode::OK)
    }

    /// Starts the reply to `incoming` with the header status, then one status per received
    /// command in document order, the code chosen by `policy`:
    ///
    /// * `Status` and `Results` get none (they are answers themselves);
    /// * a command without `CmdID` gets 400 with an empty `CmdRef` (research L9), without
    ///   asking `policy`;
    /// * the children of `Atomic` and `Sequence` get their own statuses after their container's;
    ///   for an `Atomic`, when any child's code is not 2xx, the rule of [`atomic_codes`] applies
    ///   (`Atomic` 507, failed children as given, the others 216);
    /// * an `Item` with `MoreData` is a chunk: give it 213 from `policy` (see
    ///   [`super::large::Reassembler`]).
    ///
    /// When `header_code` is not 2xx, only the header status is written (the device's commands
    /// are not processed). A device message without `Final` gets `Alert 1222` appended.
    pub fn respond_with(
        &mut self,
        incoming: &SyncMl,
        header_code: StatusCode,
        policy: StatusPolicy<'_>,
    ) -> Reply<'_> {
        let h = &incoming.hdr;
        self.session_id = Some(h.session_id.clone());
        if let Some(m) = &h.meta {
            if m.max_msg_size.is_some() {
                self.device_max_msg_size = m.max_msg_size;
            }
            if m.max_obj_size.is_some() {
                self.device_max_obj_size = m.max_obj_size;
            }
        }
        let msg_id = MsgId::new(self.next_msg_id.to_string());
        self.next_msg_id += 1;
        let hdr = SyncHdr::new(
            h.session_id.clone(),
            msg_id,
            h.source.clone(),
            Location::new(h.target.loc_uri.clone()),
        );
        let mut reply = Reply {
            session: self,
            msg: SyncMl::new(hdr, SyncBody::default()),
            used: HashSet::new(),
            next_cmd_id: 1,
            size: 0,
            envelope: 0,
        };
        reply.envelope = envelope_size(&reply.msg.hdr);
        let header = Status::new("", h.msg_id.clone(), "0", "SyncHdr", header_code);
        reply.push(Command::Status(header));
        if header_code.is_success() {
            let mut statuses = Vec::new();
            status_for(&incoming.body.commands, &h.msg_id, policy, &mut statuses);
            for s in statuses {
                reply.push(Command::Status(s));
            }
            if !incoming.body.is_final {
                // From the server: Target is the device, Source the server.
                let item = Item {
                    target: Some(h.source.clone()),
                    source: Some(h.target.clone()),
                    ..Item::default()
                };
                reply.push(Command::Alert(Alert::new(
                    "",
                    AlertCode::NEXT_MESSAGE,
                    vec![item],
                )));
            }
        }
        reply
    }

    /// Matches the `Status` and `Results` of a device message with the commands this session
    /// sent (by `MsgRef`, absent meaning `1`, and `CmdRef`). Header statuses and statuses for
    /// commands this session did not send are returned with `sent: None`.
    pub fn correlate<'m>(&self, incoming: &'m SyncMl) -> Vec<Answer<'m, '_>> {
        let mut out = Vec::new();
        for c in super::flatten(&incoming.body.commands) {
            match c {
                Command::Status(s) => {
                    let sent = self.sent.get(&(s.msg_ref.clone(), s.cmd_ref.clone()));
                    out.push(Answer {
                        kind: AnswerKind::Status(s),
                        sent,
                    });
                }
                Command::Results(r) => {
                    let key = (MsgId::new(r.msg_ref_or_default()), r.cmd_ref.clone());
                    out.push(Answer {
                        kind: AnswerKind::Results(r),
                        sent: self.sent.get(&key),
                    });
                }
                _ => {}
            }
        }
        out
    }

    /// The outcome of an `Atomic` this session sent in message `msg_ref` as `atomic`, from the
    /// statuses in `incoming`.
    #[must_use]
    pub fn atomic_outcome(&self, incoming: &SyncMl, msg_ref: &str, atomic: &str) -> AtomicOutcome {
        let Some(sent) = self.sent(msg_ref, atomic) else {
            return AtomicOutcome::Unknown;
        };
        let code_of = |id: &str| {
            super::flatten(&incoming.body.commands).find_map(|c| match c {
                Command::Status(s) if s.msg_ref == *msg_ref && s.cmd_ref == *id => Some(s.code),
                _ => None,
            })
        };
        let Some(top) = code_of(atomic) else {
            return AtomicOutcome::Pending;
        };
        let children: Vec<(CmdId, Option<StatusCode>)> = sent
            .children
            .iter()
            .map(|c| (c.clone(), code_of(c.as_str())))
            .collect();
        if top == StatusCode::ATOMIC_ROLLBACK_FAILED {
            return AtomicOutcome::RollbackFailed { children };
        }
        if top.is_success()
            && children
                .iter()
                .all(|(_, c)| c.is_none_or(StatusCode::is_success))
        {
            return AtomicOutcome::Committed;
        }
        AtomicOutcome::RolledBack {
            code: top,
            children,
        }
    }
}

/// What became of an `Atomic` (research L10: the `Atomic` gets 507, the failing child 500, the
/// rolled-back siblings 216; 516 when the rollback itself failed).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtomicOutcome {
    /// Every command was applied.
    Committed,
    /// Nothing was applied; each child's status, when the device sent one.
    RolledBack {
        /// The `Atomic`'s own status (usually 507).
        code: StatusCode,
        /// Each child's `CmdID` and status.
        children: Vec<(CmdId, Option<StatusCode>)>,
    },
    /// The rollback failed (516): the device may be in a partial state.
    RollbackFailed {
        /// Each child's `CmdID` and status.
        children: Vec<(CmdId, Option<StatusCode>)>,
    },
    /// No status for the `Atomic` yet.
    Pending,
    /// This session did not send that `Atomic`.
    Unknown,
}

/// The codes for a received `Atomic` and its children given each child's own outcome: all 2xx
/// → (200, unchanged); otherwise the `Atomic` gets 507, failed children keep their code (a
/// success code that was not applied becomes 216).
///
/// ```
/// use mdmkit::windows::syncml::{session::atomic_codes, StatusCode as S};
/// let (top, kids) = atomic_codes(&[S::OK, S::COMMAND_FAILED, S::OK]);
/// assert_eq!(top, S::ATOMIC_FAILED);
/// assert_eq!(kids, vec![S::ATOMIC_ROLLBACK_OK, S::COMMAND_FAILED, S::ATOMIC_ROLLBACK_OK]);
/// ```
#[must_use]
pub fn atomic_codes(children: &[StatusCode]) -> (StatusCode, Vec<StatusCode>) {
    if children.iter().all(|c| c.is_success()) {
        return (StatusCode::OK, children.to_vec());
    }
    let kids = children
        .iter()
        .map(|c| {
            if c.is_success() {
                StatusCode::ATOMIC_ROLLBACK_OK
            } else {
                *c
            }
        })
        .collect();
    (StatusCode::ATOMIC_FAILED, kids)
}

fn status_for(cmds: &[Command], msg_ref: &MsgId, policy: StatusPolicy<'_>, out: &mut Vec<Status>) {
    for c in cmds {
        let name = c.name().to_owned();
        let Some(id) = c.cmd_id() else {
            // An unknown command: it has no CmdID we can read; answer 400 with a blank CmdRef.
            out.push(Status::new(
                "",
                msg_ref.clone(),
                "",
                &name,
                StatusCode::BAD_REQUEST,
            ));
            continue;
        };
        match c {
            Command::Status(_) | Command::Results(_) => {}
            _ if id.is_empty() => {
                out.push(Status::new(
                    "",
                    msg_ref.clone(),
                    "",
                    &name,
                    StatusCode::BAD_REQUEST,
                ));
            }
            Command::Atomic(a) => {
                let at = out.len();
                out.push(Status::new(
                    "",
                    msg_ref.clone(),
                    id.clone(),
                    &name,
                    StatusCode::OK,
                ));
                let first_child = out.len();
                status_for(&a.commands, msg_ref, policy, out);
                let own = policy(c);
                let kids: Vec<StatusCode> = out
                    .get(first_child..)
                    .map(|k| k.iter().map(|s| s.code).collect())
                    .unwrap_or_default();
                let (top, kids) = atomic_codes(&kids);
                let top = if own.is_success() { top } else { own };
                if let Some(s) = out.get_mut(at) {
                    s.code = top;
                }
                for (s, k) in out.iter_mut().skip(first_child).zip(kids) {
                    s.code = k;
                }
            }
            Command::Sequence(sq) => {
                let code = policy(c);
                out.push(Status::new("", msg_ref.clone(), id.clone(), &name, code));
                status_for(&sq.commands, msg_ref, policy, out);
            }
            _ => {
                let code = policy(c);
                out.push(Status::new("", msg_ref.clone(), id.clone(), &name, code));
            }
        }
    }
}

/// A device answer matched with what the server sent.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<'m, 's> {
    /// The `Status` or `Results`.
    pub kind: AnswerKind<'m>,
    /// The command it answers, when this session sent it.
    pub sent: Option<&'s SentCommand>,
}

impl<'m> Answer<'m, '_> {
    /// The `Results`, if this answer is one.
    #[must_use]
    pub fn results(&self) -> Option<&'m Results> {
        match self.kind {
            AnswerKind::Results(r) => Some(r),
            AnswerKind::Status(_) => None,
        }
    }

    /// The `Status`, if this answer is one.
    #[must_use]
    pub fn status(&self) -> Option<&'m Status> {
        match self.kind {
            AnswerKind::Status(s) => Some(s),
            AnswerKind::Results(_) => None,
        }
    }
}

/// A `Status` or a `Results`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind<'m> {
    /// A `Status`.
    Status(&'m Status),
    /// A `Results`.
    Results(&'m Results),
}

/// A reply being built; see [`Session::respond`].
#[derive(Debug)]
pub struct Reply<'s> {
    session: &'s mut Session,
    msg: SyncMl,
    used: HashSet<String>,
    next_cmd_id: u64,
    size: usize,
    /// [`envelope_size`] of the current header, computed when the header changes rather than
    /// on every `try_push`.
    envelope: usize,
}

/// Bytes of a reply outside its commands: the envelope, the header and `Final`, rounded up.
fn envelope_size(hdr: &SyncHdr) -> usize {
    let one = SyncMl::new(hdr.clone(), SyncBody::new(Vec::new()));
    // A header that cannot be encoded makes the whole reply fail later; until then the
    // estimate is a generous constant.
    ser::message(&one).map_or(1024, |s| s.len())
}

impl Reply<'_> {
    fn allocate(&mut self) -> CmdId {
        loop {
            let id = self.next_cmd_id.to_string();
            self.next_cmd_id += 1;
            if !self.used.contains(&id) {
                return CmdId::new(id);
            }
        }
    }

    fn assign_ids(&mut self, cmd: &mut Command) {
        if cmd.cmd_id().is_some_and(CmdId::is_empty) {
            let new = self.allocate();
            if let Some(id) = cmd.cmd_id_mut() {
                *id = new;
            }
        }
        if let Some(id) = cmd.cmd_id() {
            self.used.insert(id.as_str().to_owned());
        }
        if let Command::Atomic(c) | Command::Sequence(c) = cmd {
            for child in &mut c.commands {
                self.assign_ids(child);
            }
        }
    }

    fn remember(&mut self, cmd: &Command, parent: Option<&CmdId>) {
        let msg_id = self.msg.hdr.msg_id.clone();
        let Some(id) = cmd.cmd_id() else { return };
        if matches!(cmd, Command::Status(_) | Command::Results(_)) {
            return;
        }
        let targets = cmd
            .items()
            .iter()
            .filter_map(|i| i.target.as_ref().map(|t| t.loc_uri.clone()))
            .collect();
        let children = cmd
            .children()
            .iter()
            .filter_map(|c| c.cmd_id().cloned())
            .collect();
        self.session.sent.insert(
            (msg_id, id.clone()),
            SentCommand {
                cmd: cmd.name().to_owned(),
                targets,
                parent: parent.cloned(),
                children,
            },
        );
        for child in cmd.children() {
            self.remember(child, Some(id));
        }
    }

    /// Adds `cmd` (an empty `CmdID`, its children's included, is allocated) and returns its
    /// `CmdID`. Commands the server sends are remembered for [`Session::correlate`].
    pub fn push(&mut self, mut cmd: Command) -> CmdId {
        self.assign_ids(&mut cmd);
        self.remember(&cmd, None);
        self.size += encoded_len(&cmd);
        let id = cmd.cmd_id().cloned().unwrap_or_default();
        self.msg.body.commands.push(cmd);
        id
    }

    /// Adds `cmd` only if the reply then still fits in `max_bytes` (e.g. the device's
    /// [`Session::device_max_msg_size`]); otherwise gives it back untouched.
    ///
    /// # Errors
    /// The command itself (boxed), when it does not fit.
    pub fn try_push(&mut self, cmd: Command, max_bytes: u64) -> Result<CmdId, Box<Command>> {
        let mut probe = cmd.clone();
        let (counter, used) = (self.next_cmd_id, self.used.clone());
        self.assign_ids(&mut probe);
        let total = self.envelope + self.size + encoded_len(&probe);
        if u64::try_from(total).unwrap_or(u64::MAX) > max_bytes {
            // Give back the IDs the probe took.
            self.next_cmd_id = counter;
            self.used = used;
            return Err(Box::new(cmd));
        }
        self.remember(&probe, None);
        self.size += encoded_len(&probe);
        let id = probe.cmd_id().cloned().unwrap_or_default();
        self.msg.body.commands.push(probe);
        Ok(id)
    }

    /// The encoded size of the reply so far, in bytes: envelope included, as if finished with
    /// [`Reply::finish`] (`finish_more` writes 8 bytes less: no `<Final/>`).
    #[must_use]
    pub fn encoded_size(&self) -> usize {
        self.envelope + self.size
    }

    /// Whether the reply holds anything beyond statuses (commands for the device).
    #[must_use]
    pub fn has_commands(&self) -> bool {
        self.msg
            .body
            .commands
            .iter()
            .any(|c| !matches!(c, Command::Status(_)))
    }

    /// The message built so far.
    #[must_use]
    pub fn message(&self) -> &SyncMl {
        &self.msg
    }

    /// Puts an authentication challenge on the header status (see
    /// [`auth::Verdict::header_status`](super::auth::Verdict::header_status)).
    pub fn set_header_challenge(&mut self, chal: Chal) {
        if let Some(Command::Status(s)) = self.msg.body.commands.first_mut() {
            s.chal = Some(chal);
            self.size = self.msg.body.commands.iter().map(encoded_len).sum();
        }
    }

    /// Sets a header `Meta` (e.g. the server's `MaxMsgSize`).
    pub fn set_header_meta(&mut self, meta: Meta) {
        self.msg.hdr.meta = Some(meta);
        self.envelope = envelope_size(&self.msg.hdr);
    }

    /// Ends the package: the reply carries `Final`.
    #[must_use]
    pub fn finish(mut self) -> SyncMl {
        self.msg.body.is_final = true;
        self.msg
    }

    /// More messages follow in this package: no `Final`; the device answers with statuses and
    /// `Alert 1222` to ask for the next one.
    #[must_use]
    pub fn finish_more(mut self) -> SyncMl {
        self.msg.body.is_final = false;
        self.msg
    }
}

fn encoded_len(cmd: &Command) -> usize {
    let mut w = Writer::default();
    ser::command(&mut w, cmd).map_or(0, |()| w.out.len())
}
