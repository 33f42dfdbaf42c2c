//! SQLite storage (WAL journal): devices and their credentials, the command queue, what devices
//! sent back (statuses, results, every other command), and the node values they reported.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};

/// Storage errors are SQLite errors.
pub type Result<T> = rusqlite::Result<T>;

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS devices (
    device_id        TEXT PRIMARY KEY,
    status           TEXT NOT NULL,           -- enrolled | unenrolled
    enrolled_by      TEXT NOT NULL,           -- the OnPremise user name
    enrollment_type  TEXT,
    device_name      TEXT,
    os_version       TEXT,
    hw_dev_id        TEXT,
    cert_thumbprint  TEXT NOT NULL,
    cert_der         BLOB NOT NULL,
    digest_name      TEXT NOT NULL,           -- APPSRV AAUTHNAME
    digest_secret    TEXT NOT NULL,           -- APPSRV AAUTHSECRET
    server_secret    TEXT NOT NULL,           -- CLIENT AAUTHSECRET
    nonce            BLOB NOT NULL,           -- the nonce the device must hash next
    enrolled_at      INTEGER NOT NULL,
    unenrolled_at    INTEGER,
    last_seen        INTEGER
);
CREATE TABLE IF NOT EXISTS commands (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id    TEXT NOT NULL,
    parent_id    INTEGER,                     -- the Atomic a child belongs to
    position     INTEGER NOT NULL DEFAULT 0,  -- order inside the Atomic
    verb         TEXT NOT NULL,
    target       TEXT,
    spec         TEXT NOT NULL,               -- the JSON the API received
    state        TEXT NOT NULL,               -- queued | sent | answered
    status_code  INTEGER,
    sent_session TEXT,
    sent_msg_id  TEXT,
    sent_cmd_id  TEXT,
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER,
    answered_at  INTEGER
);
CREATE INDEX IF NOT EXISTS commands_queue ON commands(device_id, state, parent_id);
CREATE INDEX IF NOT EXISTS commands_sent ON commands(device_id, sent_session, sent_msg_id, sent_cmd_id);
CREATE TABLE IF NOT EXISTS results (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    command_id  INTEGER NOT NULL,
    loc_uri     TEXT,
    format      TEXT,
    type        TEXT,
    data        TEXT,
    received_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
    device_id   TEXT NOT NULL,
    loc_uri     TEXT NOT NULL,
    format      TEXT,
    data        TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (device_id, loc_uri)
);
CREATE TABLE IF NOT EXISTS device_commands (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id   TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    msg_id      TEXT NOT NULL,
    name        TEXT NOT NULL,
    command_id  INTEGER,                      -- the queued command it answers, if any
    xml         TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
";

/// A device row, as the management endpoint needs it.
pub struct DeviceAuth {
    pub digest_name: String,
    pub digest_secret: String,
    pub nonce: Vec<u8>,
}

/// What enrollment stores.
pub struct NewDevice<'a> {
    pub device_id: &'a str,
    pub enrolled_by: &'a str,
    pub enrollment_type: Option<&'a str>,
    pub device_name: Option<&'a str>,
    pub os_version: Option<&'a str>,
    pub hw_dev_id: Option<&'a str>,
    pub cert_thumbprint: &'a str,
    pub cert_der: &'a [u8],
    pub digest_name: &'a str,
    pub digest_secret: &'a str,
    pub server_secret: &'a str,
    pub nonce: &'a [u8],
}

/// A command the API queues: `spec` is its JSON; an Atomic lists its children.
pub struct NewCommand {
    pub verb: String,
    pub target: Option<String>,
    pub spec: String,
    pub children: Vec<NewCommand>,
}

/// A queued command to send.
pub struct Queued {
    pub id: i64,
    pub spec: String,
}

/// A stored result item.
#[derive(serde::Serialize)]
pub struct ResultItem {
    pub loc_uri: Option<String>,
    pub format: Option<String>,
    pub r#type: Option<String>,
    pub data: Option<String>,
}

/// A command as the API shows it.
#[derive(serde::Serialize)]
pub struct CommandView {
    pub id: i64,
    pub device_id: String,
    pub verb: String,
    pub target: Option<String>,
    pub state: String,
    pub status: Option<i64>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub answered_at: Option<i64>,
    pub results: Vec<ResultItem>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<CommandView>,
}

/// A device as the API shows it.
#[derive(serde::Serialize)]
pub struct DeviceView {
    pub device_id: String,
    pub status: String,
    pub enrolled_by: String,
    pub enrollment_type: Option<String>,
    pub device_name: Option<String>,
    pub os_version: Option<String>,
    pub hw_dev_id: Option<String>,
    pub cert_thumbprint: String,
    pub enrolled_at: i64,
    pub unenrolled_at: Option<i64>,
    pub last_seen: Option<i64>,
    pub nodes: serde_json::Map<String, serde_json::Value>,
}

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (or creates) `dir/windows_mdm.sqlite3` in WAL mode.
    pub fn open(dir: &Path) -> Result<Store> {
        let conn = Connection::open(dir.join("windows_mdm.sqlite3"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store { conn })
    }

    /// Inserts or replaces a device (a re-enrollment replaces the old record and keeps its
    /// history).
    pub fn upsert_device(&self, d: &NewDevice<'_>) -> Result<()> {
        self.conn.execute(
            "INSERT INTO devices (device_id, status, enrolled_by, enrollment_type, device_name,
                os_version, hw_dev_id, cert_thumbprint, cert_der, digest_name, digest_secret,
                server_secret, nonce, enrolled_at, unenrolled_at, last_seen)
             VALUES (?1, 'enrolled', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, NULL, NULL)
             ON CONFLICT(device_id) DO UPDATE SET status = 'enrolled',
                enrolled_by = excluded.enrolled_by, enrollment_type = excluded.enrollment_type,
                device_name = excluded.device_name, os_version = excluded.os_version,
                hw_dev_id = excluded.hw_dev_id, cert_thumbprint = excluded.cert_thumbprint,
                cert_der = excluded.cert_der, digest_name = excluded.digest_name,
                digest_secret = excluded.digest_secret, server_secret = excluded.server_secret,
                nonce = excluded.nonce, enrolled_at = excluded.enrolled_at, unenrolled_at = NULL",
            params![
                d.device_id,
                d.enrolled_by,
                d.enrollment_type,
                d.device_name,
                d.os_version,
                d.hw_dev_id,
                d.cert_thumbprint,
                d.cert_der,
                d.digest_name,
                d.digest_secret,
                d.server_secret,
                d.nonce,
                now_secs(),
            ],
        )?;
        Ok(())
    }

    /// The credentials of an enrolled device (`None`: unknown or unenrolled).
    pub fn device_auth(&self, device_id: &str) -> Result<Option<DeviceAuth>> {
        self.conn
            .query_row(
                "SELECT digest_name, digest_secret, nonce FROM devices
                 WHERE device_id = ?1 AND status = 'enrolled'",
                params![device_id],
                |r| {
                    Ok(DeviceAuth {
                        digest_name: r.get(0)?,
                        digest_secret: r.get(1)?,
                        nonce: r.get(2)?,
                    })
                },
            )
            .optional()
    }

    /// A device's status (`enrolled`, `unenrolled`), `None` when it is unknown.
    pub fn device_status(&self, device_id: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT status FROM devices WHERE device_id = ?1",
                params![device_id],
                |r| r.get(0),
            )
            .optional()
    }

    /// Sets the nonce the device must hash next.
    pub fn set_nonce(&self, device_id: &str, nonce: &[u8]) -> Result<()> {
        self.conn.execute(
            "UPDATE devices SET nonce = ?2 WHERE device_id = ?1",
            params![device_id, nonce],
        )?;
        Ok(())
    }

    pub fn touch(&self, device_id: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE devices SET last_seen = ?2 WHERE device_id = ?1",
            params![device_id, now_secs()],
        )?;
        Ok(())
    }

    pub fn mark_unenrolled(&self, device_id: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE devices SET status = 'unenrolled', unenrolled_at = ?2 WHERE device_id = ?1",
            params![device_id, now_secs()],
        )?;
        Ok(())
    }

    /// Queues commands (an Atomic's children as rows of their own) in one transaction;
    /// returns the top-level ids.
    pub fn queue(&mut self, device_id: &str, commands: &[NewCommand]) -> Result<Vec<i64>> {
        let tx = self.conn.transaction()?;
        let mut ids = Vec::with_capacity(commands.len());
        for c in commands {
            tx.execute(
                "INSERT INTO commands (device_id, verb, target, spec, state, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'queued', ?5)",
                params![device_id, c.verb, c.target, c.spec, now_secs()],
            )?;
            let id = tx.last_insert_rowid();
            for (pos, child) in c.children.iter().enumerate() {
                tx.execute(
                    "INSERT INTO commands (device_id, parent_id, position, verb, target, spec,
                        state, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7)",
                    params![
                        device_id,
                        id,
                        i64::try_from(pos).unwrap_or(i64::MAX),
                        child.verb,
                        child.target,
                        child.spec,
                        now_secs()
                    ],
                )?;
            }
            ids.push(id);
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Top-level commands waiting for delivery, oldest first.
    pub fn queued(&self, device_id: &str, max: usize) -> Result<Vec<Queued>> {
        let mut st = self.conn.prepare(
            "SELECT id, spec FROM commands
             WHERE device_id = ?1 AND state = 'queued' AND parent_id IS NULL
             ORDER BY id LIMIT ?2",
        )?;
        let rows = st.query_map(
            params![device_id, i64::try_from(max).unwrap_or(i64::MAX)],
            |r| {
                Ok(Queued {
                    id: r.get(0)?,
                    spec: r.get(1)?,
                })
            },
        )?;
        rows.collect()
    }

    /// The ids of an Atomic's children, in order.
    pub fn children(&self, parent: i64) -> Result<Vec<i64>> {
        let mut st = self
            .conn
            .prepare("SELECT id FROM commands WHERE parent_id = ?1 ORDER BY position")?;
        let rows = st.query_map(params![parent], |r| r.get(0))?;
        rows.collect()
    }

    /// Records that a command went out as (`session`, `msg_id`, `cmd_id`).
    pub fn mark_sent(&self, id: i64, session: &str, msg_id: &str, cmd_id: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE commands SET state = 'sent', sent_session = ?2, sent_msg_id = ?3,
                sent_cmd_id = ?4, sent_at = ?5 WHERE id = ?1",
            params![id, session, msg_id, cmd_id, now_secs()],
        )?;
        Ok(())
    }

    /// Commands sent in an earlier session that never got a status go back to the queue.
    pub fn requeue_stale(&self, device_id: &str, session: &str) -> Result<usize> {
        self.conn.execute(
            "UPDATE commands SET state = 'queued', sent_session = NULL, sent_msg_id = NULL,
                sent_cmd_id = NULL
             WHERE device_id = ?1 AND state = 'sent' AND sent_session IS NOT ?2",
            params![device_id, session],
        )
    }

    /// The command sent as (`session`, `msg_id`, `cmd_id`) to `device_id`.
    pub fn find_sent(
        &self,
        device_id: &str,
        session: &str,
        msg_id: &str,
        cmd_id: &str,
    ) -> Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT id FROM commands WHERE device_id = ?1 AND sent_session = ?2
                    AND sent_msg_id = ?3 AND sent_cmd_id = ?4",
                params![device_id, session, msg_id, cmd_id],
                |r| r.get(0),
            )
            .optional()
    }

    pub fn set_status(&self, id: i64, code: u16) -> Result<()> {
        self.conn.execute(
            "UPDATE commands SET state = 'answered', status_code = ?2, answered_at = ?3
             WHERE id = ?1",
            params![id, code, now_secs()],
        )?;
        Ok(())
    }

    pub fn add_result(&self, command_id: i64, item: &ResultItem) -> Result<()> {
        self.conn.execute(
            "INSERT INTO results (command_id, loc_uri, format, type, data, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                command_id,
                item.loc_uri,
                item.format,
                item.r#type,
                item.data,
                now_secs()
            ],
        )?;
        Ok(())
    }

    pub fn set_node(
        &self,
        device_id: &str,
        loc_uri: &str,
        format: Option<&str>,
        data: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO nodes (device_id, loc_uri, format, data, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(device_id, loc_uri) DO UPDATE SET format = excluded.format,
                data = excluded.data, updated_at = excluded.updated_at",
            params![device_id, loc_uri, format, data, now_secs()],
        )?;
        Ok(())
    }

    /// Keeps a command the device sent, verbatim.
    pub fn add_device_command(
        &self,
        device_id: &str,
        session: &str,
        msg_id: &str,
        name: &str,
        command_id: Option<i64>,
        xml: &str,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO device_commands (device_id, session_id, msg_id, name, command_id, xml,
                received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                device_id,
                session,
                msg_id,
                name,
                command_id,
                xml,
                now_secs()
            ],
        )?;
        Ok(())
    }

    fn command_row(&self, id: i64) -> Result<Option<CommandView>> {
        self.conn
            .query_row(
                "SELECT id, device_id, verb, target, state, status_code, created_at, sent_at,
                    answered_at FROM commands WHERE id = ?1",
                params![id],
                |r| {
                    Ok(CommandView {
                        id: r.get(0)?,
                        device_id: r.get(1)?,
                        verb: r.get(2)?,
                        target: r.get(3)?,
                        state: r.get(4)?,
                        status: r.get(5)?,
                        created_at: r.get(6)?,
                        sent_at: r.get(7)?,
                        answered_at: r.get(8)?,
                        results: Vec::new(),
                        children: Vec::new(),
                    })
                },
            )
            .optional()
    }

    fn results_of(&self, id: i64) -> Result<Vec<ResultItem>> {
        let mut st = self.conn.prepare(
            "SELECT loc_uri, format, type, data FROM results WHERE command_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map(params![id], |r| {
            Ok(ResultItem {
                loc_uri: r.get(0)?,
                format: r.get(1)?,
                r#type: r.get(2)?,
                data: r.get(3)?,
            })
        })?;
        rows.collect()
    }

    /// A command with its results and children.
    pub fn command(&self, id: i64) -> Result<Option<CommandView>> {
        let Some(mut view) = self.command_row(id)? else {
            return Ok(None);
        };
        view.results = self.results_of(id)?;
        for child in self.children(id)? {
            if let Some(mut c) = self.command_row(child)? {
                c.results = self.results_of(child)?;
                view.children.push(c);
            }
        }
        Ok(Some(view))
    }

    pub fn devices(&self) -> Result<Vec<DeviceView>> {
        let mut st = self.conn.prepare(
            "SELECT device_id, status, enrolled_by, enrollment_type, device_name, os_version,
                hw_dev_id, cert_thumbprint, enrolled_at, unenrolled_at, last_seen
             FROM devices ORDER BY enrolled_at, device_id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(DeviceView {
                device_id: r.get(0)?,
                status: r.get(1)?,
                enrolled_by: r.get(2)?,
                enrollment_type: r.get(3)?,
                device_name: r.get(4)?,
                os_version: r.get(5)?,
                hw_dev_id: r.get(6)?,
                cert_thumbprint: r.get(7)?,
                enrolled_at: r.get(8)?,
                unenrolled_at: r.get(9)?,
                last_seen: r.get(10)?,
                nodes: serde_json::Map::new(),
            })
        })?;
        let mut out: Vec<DeviceView> = rows.collect::<Result<_>>()?;
        let mut st = self
            .conn
            .prepare("SELECT loc_uri, data FROM nodes WHERE device_id = ?1 ORDER BY loc_uri")?;
        for d in &mut out {
            let rows = st.query_map(params![d.device_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })?;
            for row in rows {
                let (uri, data) = row?;
                d.nodes.insert(
                    uri,
                    data.map_or(serde_json::Value::Null, serde_json::Value::String),
                );
            }
        }
        Ok(out)
    }
}
