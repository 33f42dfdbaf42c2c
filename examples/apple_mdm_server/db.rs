//! Embedded storage: one SQLite database (WAL mode) in the data directory.
//!
//! Every function runs in one transaction and returns only after it committed, so a handler
//! that answers after calling it never answers about state a crash could lose. WAL with
//! `synchronous = NORMAL` keeps every committed transaction across a crash of this process
//! (`kill -9`); only a power loss can take back the last transactions.
//!
//! # Command state machine
//!
//! A queue row (one command for one device) moves through:
//!
//! * `queued`: accepted by the API, not yet delivered.
//! * `sent`: delivered in an answer, awaiting the device's report.
//! * `acknowledged`, `error`, `command-format-error`: final; the report and its typed result
//!   are stored. A final row is never delivered again.
//! * A `NotNow` report puts the row back to `queued` with `not_now` set: it is skipped while
//!   answering the device's further reports in the same run of work, and offered again on the
//!   device's next `Idle` report (the device sends `Idle` when it can work again).
//! * An `Idle` report also re-offers rows left in `sent`: the device says it has nothing to
//!   report, so a command it was given and never answered was lost (the device restarted, or
//!   the answer carrying it never arrived).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};

use crate::BoxError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS identities (
    fingerprint TEXT PRIMARY KEY,
    serial TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    device_id TEXT
);
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY,
    udid TEXT,
    enrollment_id TEXT,
    fingerprint TEXT NOT NULL,
    topic TEXT NOT NULL,
    push_token BLOB,
    push_magic TEXT,
    unlock_token BLOB,
    bootstrap_token BLOB,
    authenticate TEXT,
    enrolled INTEGER NOT NULL DEFAULT 0,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS commands (
    uuid TEXT PRIMARY KEY,
    request_type TEXT NOT NULL,
    xml BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    command_uuid TEXT NOT NULL REFERENCES commands(uuid),
    device_id TEXT NOT NULL REFERENCES devices(id),
    status TEXT NOT NULL,
    not_now INTEGER NOT NULL DEFAULT 0,
    deliveries INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    report BLOB,
    result TEXT,
    UNIQUE (command_uuid, device_id)
);
CREATE INDEX IF NOT EXISTS queue_device ON queue (device_id, status, seq);
CREATE TABLE IF NOT EXISTS checkins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT,
    message_type TEXT NOT NULL,
    at INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    command_uuid TEXT,
    status TEXT NOT NULL,
    at INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS declarations (
    identifier TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    server_token TEXT NOT NULL,
    json BLOB NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ddm_status (
    device_id TEXT PRIMARY KEY REFERENCES devices(id),
    report BLOB NOT NULL,
    received_at INTEGER NOT NULL
);
";

/// The settings key of the time (RFC 3339) the declaration set last changed.
const DDM_TIMESTAMP: &str = "ddm_timestamp";

/// A stored declaration: `Type`, `Identifier`, `ServerToken` and the JSON served to devices.
pub(crate) struct DeclarationRow {
    pub r#type: String,
    pub identifier: String,
    pub server_token: String,
    pub json: Vec<u8>,
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The database.
pub(crate) struct Db {
    conn: Connection,
}

/// A device as the API lists it.
#[derive(serde::Serialize)]
pub(crate) struct DeviceRow {
    pub id: String,
    pub udid: Option<String>,
    pub enrollment_id: Option<String>,
    pub topic: String,
    pub enrolled: bool,
    pub push_token: bool,
    pub bootstrap_token: bool,
    pub identity_fingerprint: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub pending_commands: i64,
}

/// What the push route needs.
pub(crate) struct PushTarget {
    pub token: Vec<u8>,
    pub topic: String,
    pub push_magic: String,
}

/// One target of a command, for the API.
#[derive(serde::Serialize)]
pub(crate) struct TargetRow {
    pub device: String,
    pub status: String,
    pub deliveries: i64,
    pub updated_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
}

/// The outcome of storing a report.
pub(crate) enum ReportOutcome {
    /// The row moved to this final or queued status.
    Stored,
    /// The row was already final: a repeated report, ignored.
    AlreadyFinal,
    /// No such command for this device.
    Unknown,
}

impl Db {
    /// Opens (creating) `dir/mdmkit.sqlite3` in WAL mode.
    pub(crate) fn open(dir: &Path) -> Result<Db, BoxError> {
        let conn = Connection::open(dir.join("mdmkit.sqlite3"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Db { conn })
    }

    /// A setting, or `None`.
    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>, BoxError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Stores a setting.
    pub(crate) fn set_setting(&self, key: &str, value: &str) -> Result<(), BoxError> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// Records an identity issued in an enrollment profile.
    pub(crate) fn record_identity(&self, fingerprint: &str, serial: &str) -> Result<(), BoxError> {
        self.conn.execute(
            "INSERT INTO identities (fingerprint, serial, issued_at) VALUES (?1, ?2, ?3)",
            params![fingerprint, serial, now()],
        )?;
        Ok(())
    }

    /// Binds an issued identity to a device on `Authenticate`. Fails (returns `false`) when the
    /// identity was not issued here or is already bound to another device.
    pub(crate) fn authenticate(
        &mut self,
        device_id: &str,
        udid: Option<&str>,
        enrollment_id: Option<&str>,
        fingerprint: &str,
        topic: &str,
        message_json: &str,
    ) -> Result<bool, BoxError> {
        let tx = self.conn.transaction()?;
        let bound: Option<Option<String>> = tx
            .query_row(
                "SELECT device_id FROM identities WHERE fingerprint = ?1",
                [fingerprint],
                |r| r.get(0),
            )
            .optional()?;
        match bound {
            None => return Ok(false),
            Some(Some(other)) if other != device_id => return Ok(false),
            Some(_) => {}
        }
        tx.execute(
            "UPDATE identities SET device_id = ?1 WHERE fingerprint = ?2",
            [device_id, fingerprint],
        )?;
        let t = now();
        // A new enrollment: the identity, topic and Authenticate facts are replaced; tokens
        // come again with the TokenUpdate that follows.
        tx.execute(
            "INSERT INTO devices (id, udid, enrollment_id, fingerprint, topic, authenticate,
                                  enrolled, first_seen, last_seen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?7)
             ON CONFLICT (id) DO UPDATE SET
                udid = excluded.udid, enrollment_id = excluded.enrollment_id,
                fingerprint = excluded.fingerprint, topic = excluded.topic,
                authenticate = excluded.authenticate, enrolled = 0,
                push_token = NULL, push_magic = NULL, unlock_token = NULL,
                last_seen = excluded.last_seen",
            params![
                device_id,
                udid,
                enrollment_id,
                fingerprint,
                topic,
                message_json,
                t
            ],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// The identity fingerprint bound to `device_id`, and updates `last_seen`.
    pub(crate) fn device_fingerprint(&self, device_id: &str) -> Result<Option<String>, BoxError> {
        let fp: Option<String> = self
            .conn
            .query_row(
                "SELECT fingerprint FROM devices WHERE id = ?1",
                [device_id],
                |r| r.get(0),
            )
            .optional()?;
        if fp.is_some() {
            self.conn.execute(
                "UPDATE devices SET last_seen = ?1 WHERE id = ?2",
                params![now(), device_id],
            )?;
        }
        Ok(fp)
    }

    /// Stores a `TokenUpdate`.
    pub(crate) fn token_update(
        &self,
        device_id: &str,
        topic: &str,
        token: &[u8],
        push_magic: &str,
        unlock_token: Option<&[u8]>,
    ) -> Result<(), BoxError> {
        self.conn.execute(
            "UPDATE devices SET topic = ?2, push_token = ?3, push_magic = ?4,
                unlock_token = COALESCE(?5, unlock_token), enrolled = 1, last_seen = ?6
             WHERE id = ?1",
            params![device_id, topic, token, push_magic, unlock_token, now()],
        )?;
        Ok(())
    }

    /// Marks a device checked out (the record and its history are kept).
    pub(crate) fn check_out(&self, device_id: &str) -> Result<(), BoxError> {
        self.conn.execute(
            "UPDATE devices SET enrolled = 0, last_seen = ?2 WHERE id = ?1",
            params![device_id, now()],
        )?;
        Ok(())
    }

    /// Stores (or, with `None`, clears) the bootstrap token.
    pub(crate) fn set_bootstrap_token(
        &self,
        device_id: &str,
        token: Option<&[u8]>,
    ) -> Result<(), BoxError> {
        self.conn.execute(
            "UPDATE devices SET bootstrap_token = ?2 WHERE id = ?1",
            params![device_id, token],
        )?;
        Ok(())
    }

    /// The stored bootstrap token.
    pub(crate) fn bootstrap_token(&self, device_id: &str) -> Result<Option<Vec<u8>>, BoxError> {
        Ok(self
            .conn
            .query_row(
                "SELECT bootstrap_token FROM devices WHERE id = ?1",
                [device_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// Appends to the check-in log.
    pub(crate) fn log_checkin(
        &self,
        device_id: Option<&str>,
        message_type: &str,
        body: &[u8],
    ) -> Result<(), BoxError> {
        self.conn.execute(
            "INSERT INTO checkins (device_id, message_type, at, body) VALUES (?1, ?2, ?3, ?4)",
            params![device_id, message_type, now(), body],
        )?;
        Ok(())
    }

    /// Whether every target exists.
    pub(crate) fn unknown_devices(&self, targets: &[String]) -> Result<Vec<String>, BoxError> {
        let mut missing = Vec::new();
        let mut st = self
            .conn
            .prepare_cached("SELECT 1 FROM devices WHERE id = ?1")?;
        for t in targets {
            if !st.exists([t])? {
                missing.push(t.clone());
            }
        }
        Ok(missing)
    }

    /// Stores a command and queues it for every target, in one transaction.
    pub(crate) fn enqueue(
        &mut self,
        uuid: &str,
        request_type: &str,
        xml: &[u8],
        targets: &[String],
    ) -> Result<(), BoxError> {
        let tx = self.conn.transaction()?;
        let t = now();
        tx.execute(
            "INSERT INTO commands (uuid, request_type, xml, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![uuid, request_type, xml, t],
        )?;
        for target in targets {
            tx.execute(
                "INSERT OR IGNORE INTO queue (command_uuid, device_id, status, updated_at)
                 VALUES (?1, ?2, 'queued', ?3)",
                params![uuid, target, t],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores a report about `command_uuid` and moves its row (see the module docs).
    /// `final_status` is `None` for `NotNow`.
    pub(crate) fn store_report(
        &mut self,
        device_id: &str,
        command_uuid: &str,
        status: &str,
        final_status: Option<&str>,
        body: &[u8],
        result: impl FnOnce(&str) -> serde_json::Value,
    ) -> Result<ReportOutcome, BoxError> {
        let tx = self.conn.transaction()?;
        let t = now();
        tx.execute(
            "INSERT INTO reports (device_id, command_uuid, status, at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![device_id, command_uuid, status, t, body],
        )?;
        let row: Option<(String, String)> = tx
            .query_row(
                "SELECT q.status, c.request_type FROM queue q JOIN commands c ON c.uuid = q.command_uuid
                 WHERE q.command_uuid = ?1 AND q.device_id = ?2",
                [command_uuid, device_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let outcome = match row {
            None => ReportOutcome::Unknown,
            Some((current, _)) if !matches!(current.as_str(), "queued" | "sent") => {
                ReportOutcome::AlreadyFinal
            }
            Some((_, request_type)) => {
                match final_status {
                    Some(fin) => {
                        let json = result(&request_type).to_string();
                        tx.execute(
                            "UPDATE queue SET status = ?3, not_now = 0, updated_at = ?4, report = ?5,
                                result = ?6
                             WHERE command_uuid = ?1 AND device_id = ?2",
                            params![command_uuid, device_id, fin, t, body, json],
                        )?;
                    }
                    None => {
                        tx.execute(
                            "UPDATE queue SET status = 'queued', not_now = 1, updated_at = ?3
                             WHERE command_uuid = ?1 AND device_id = ?2",
                            params![command_uuid, device_id, t],
                        )?;
                    }
                }
                ReportOutcome::Stored
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// The next command for `device_id` (see the module docs for `idle`), marked `sent`;
    /// its UUID and XML.
    pub(crate) fn next_command(
        &mut self,
        device_id: &str,
        idle: bool,
    ) -> Result<Option<(String, Vec<u8>)>, BoxError> {
        let tx = self.conn.transaction()?;
        if idle {
            tx.execute(
                "UPDATE queue SET not_now = 0 WHERE device_id = ?1 AND not_now = 1",
                [device_id],
            )?;
        }
        let next: Option<(i64, String, Vec<u8>)> = tx
            .query_row(
                "SELECT q.seq, q.command_uuid, c.xml FROM queue q JOIN commands c ON c.uuid = q.command_uuid
                 WHERE q.device_id = ?1
                   AND ((q.status = 'queued' AND q.not_now = 0) OR (?2 AND q.status = 'sent'))
                 ORDER BY q.seq LIMIT 1",
                params![device_id, idle],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((seq, _, _)) = &next {
            tx.execute(
                "UPDATE queue SET status = 'sent', deliveries = deliveries + 1, updated_at = ?2
                 WHERE seq = ?1",
                params![seq, now()],
            )?;
        }
        tx.commit()?;
        Ok(next.map(|(_, uuid, xml)| (uuid, xml)))
    }

    /// A command's request type, creation time and targets.
    pub(crate) fn command(
        &self,
        uuid: &str,
    ) -> Result<Option<(String, i64, Vec<TargetRow>)>, BoxError> {
        let head: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT request_type, created_at FROM commands WHERE uuid = ?1",
                [uuid],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((request_type, created_at)) = head else {
            return Ok(None);
        };
        let mut st = self.conn.prepare_cached(
            "SELECT device_id, status, deliveries, updated_at, result FROM queue
             WHERE command_uuid = ?1 ORDER BY seq",
        )?;
        let rows = st.query_map([uuid], |r| {
            let result: Option<String> = r.get(4)?;
            Ok(TargetRow {
                device: r.get(0)?,
                status: r.get(1)?,
                deliveries: r.get(2)?,
                updated_at: r.get(3)?,
                result: result.and_then(|s| serde_json::from_str(&s).ok()),
            })
        })?;
        let targets = rows.collect::<Result<Vec<_>, _>>()?;
        Ok(Some((request_type, created_at, targets)))
    }

    /// Every device.
    pub(crate) fn devices(&self) -> Result<Vec<DeviceRow>, BoxError> {
        let mut st = self.conn.prepare_cached(
            "SELECT d.id, d.udid, d.enrollment_id, d.topic, d.enrolled, d.push_token IS NOT NULL,
                    d.bootstrap_token IS NOT NULL, d.fingerprint, d.first_seen, d.last_seen,
                    (SELECT COUNT(*) FROM queue q WHERE q.device_id = d.id AND q.status IN ('queued', 'sent'))
             FROM devices d ORDER BY d.first_seen, d.id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(DeviceRow {
                id: r.get(0)?,
                udid: r.get(1)?,
                enrollment_id: r.get(2)?,
                topic: r.get(3)?,
                enrolled: r.get(4)?,
                push_token: r.get(5)?,
                bootstrap_token: r.get(6)?,
                identity_fingerprint: r.get(7)?,
                first_seen: r.get(8)?,
                last_seen: r.get(9)?,
                pending_commands: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Push token, topic and PushMagic of an enrolled device.
    pub(crate) fn push_target(&self, device_id: &str) -> Result<Option<PushTarget>, BoxError> {
        let row: Option<(Option<Vec<u8>>, String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT push_token, topic, push_magic FROM devices WHERE id = ?1 AND enrolled = 1",
                [device_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(match row {
            Some((Some(token), topic, Some(push_magic))) => Some(PushTarget {
                token,
                topic,
                push_magic,
            }),
            _ => None,
        })
    }

    /// Every stored declaration, by identifier.
    pub(crate) fn declarations(&self) -> Result<Vec<DeclarationRow>, BoxError> {
        let mut st = self.conn.prepare_cached(
            "SELECT type, identifier, server_token, json FROM declarations ORDER BY identifier",
        )?;
        let rows = st.query_map([], |r| {
            Ok(DeclarationRow {
                r#type: r.get(0)?,
                identifier: r.get(1)?,
                server_token: r.get(2)?,
                json: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// One stored declaration.
    pub(crate) fn declaration(&self, identifier: &str) -> Result<Option<DeclarationRow>, BoxError> {
        Ok(self
            .conn
            .query_row(
                "SELECT type, identifier, server_token, json FROM declarations WHERE identifier = ?1",
                [identifier],
                |r| {
                    Ok(DeclarationRow {
                        r#type: r.get(0)?,
                        identifier: r.get(1)?,
                        server_token: r.get(2)?,
                        json: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Stores (inserts or replaces) a declaration; when its content changed, the set's
    /// timestamp becomes `timestamp`. Whether anything changed.
    pub(crate) fn put_declaration(
        &mut self,
        row: &DeclarationRow,
        timestamp: &str,
    ) -> Result<bool, BoxError> {
        let tx = self.conn.transaction()?;
        let current: Option<(String, String)> = tx
            .query_row(
                "SELECT type, server_token FROM declarations WHERE identifier = ?1",
                [&row.identifier],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let changed = current
            .as_ref()
            .is_none_or(|(ty, token)| *ty != row.r#type || *token != row.server_token);
        if changed {
            tx.execute(
                "INSERT INTO declarations (identifier, type, server_token, json, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (identifier) DO UPDATE SET type = excluded.type,
                    server_token = excluded.server_token, json = excluded.json,
                    updated_at = excluded.updated_at",
                params![
                    row.identifier,
                    row.r#type,
                    row.server_token,
                    row.json,
                    now()
                ],
            )?;
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [DDM_TIMESTAMP, timestamp],
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Deletes a declaration; whether it existed. The set's timestamp becomes `timestamp`.
    pub(crate) fn delete_declaration(
        &mut self,
        identifier: &str,
        timestamp: &str,
    ) -> Result<bool, BoxError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "DELETE FROM declarations WHERE identifier = ?1",
            [identifier],
        )?;
        if n > 0 {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [DDM_TIMESTAMP, timestamp],
            )?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    /// The time the declaration set last changed; `default` (stored) if it never did.
    pub(crate) fn ddm_timestamp(&self, default: &str) -> Result<String, BoxError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)",
            [DDM_TIMESTAMP, default],
        )?;
        self.setting(DDM_TIMESTAMP)?
            .ok_or_else(|| "the DDM timestamp was not stored".into())
    }

    /// Stores a device's latest status report (the JSON as sent).
    pub(crate) fn store_ddm_status(&self, device_id: &str, report: &[u8]) -> Result<(), BoxError> {
        self.conn.execute(
            "INSERT INTO ddm_status (device_id, report, received_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (device_id) DO UPDATE SET report = excluded.report,
                received_at = excluded.received_at",
            params![device_id, report, now()],
        )?;
        Ok(())
    }

    /// A device's latest status report and when it came.
    pub(crate) fn ddm_status(&self, device_id: &str) -> Result<Option<(Vec<u8>, i64)>, BoxError> {
        Ok(self
            .conn
            .query_row(
                "SELECT report, received_at FROM ddm_status WHERE device_id = ?1",
                [device_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// The ids of the enrolled devices.
    pub(crate) fn enrolled_devices(&self) -> Result<Vec<String>, BoxError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id FROM devices WHERE enrolled = 1 ORDER BY first_seen, id")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Stores one command per device (`(uuid, device, xml)`) and queues each for its device,
    /// in one transaction.
    pub(crate) fn enqueue_each(
        &mut self,
        request_type: &str,
        commands: &[(String, String, Vec<u8>)],
    ) -> Result<(), BoxError> {
        let tx = self.conn.transaction()?;
        let t = now();
        for (uuid, device, xml) in commands {
            tx.execute(
                "INSERT INTO commands (uuid, request_type, xml, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![uuid, request_type, xml, t],
            )?;
            tx.execute(
                "INSERT INTO queue (command_uuid, device_id, status, updated_at)
                 VALUES (?1, ?2, 'queued', ?3)",
                params![uuid, device, t],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
