//! The audit log: every write, every login and failure, every read of an SBU record. Entries
//! hold ids and hashes, never titles or text. Each entry's hash covers all its columns and the
//! previous entry's hash; `audit_head` holds the last one, so appends are serialised (the head
//! row is updated first in the writing transaction) and a truncated log shows.

use crate::{Store, StoreError, with_pool};
use chancery_domain::UserId;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acts and from where, for the audit entries a call writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCtx {
    pub actor: Option<UserId>,
    /// The client address, as the server saw it.
    pub address: Option<String>,
}

impl AuditCtx {
    pub fn user(actor: UserId, address: Option<String>) -> Self {
        AuditCtx {
            actor: Some(actor),
            address,
        }
    }

    /// Chancery itself (migrations, the command line acting as the system).
    pub fn system() -> Self {
        AuditCtx {
            actor: None,
            address: Some("local".into()),
        }
    }
}

/// What happened, without the content: a record type, id, version and content hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditEvent {
    pub action: String,
    pub record_type: Option<String>,
    pub record_id: Option<i64>,
    pub version: Option<i64>,
    pub content_hash: Option<String>,
    /// A hash of something that must not be stored in clear (an attempted login e-mail).
    pub detail_hash: Option<String>,
}

impl AuditEvent {
    pub fn new(action: &str) -> Self {
        AuditEvent {
            action: action.to_string(),
            ..Default::default()
        }
    }

    pub fn record(
        action: &str,
        record_type: &str,
        id: i64,
        version: i64,
        content_hash: &str,
    ) -> Self {
        AuditEvent {
            action: action.to_string(),
            record_type: Some(record_type.to_string()),
            record_id: Some(id),
            version: Some(version),
            content_hash: Some(content_hash.to_string()),
            detail_hash: None,
        }
    }
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub action: String,
    pub record_type: Option<String>,
    pub record_id: Option<i64>,
    pub version: Option<i64>,
    pub content_hash: Option<String>,
    pub address: Option<String>,
    pub detail_hash: Option<String>,
    pub prev_hash: String,
    pub entry_hash: String,
}

impl AuditEntry {
    /// The entry `seq` for `event` by `ctx` at `at`, chained to `prev_hash`, its hash computed.
    pub(crate) fn chained(
        seq: i64,
        at: String,
        ctx: &AuditCtx,
        event: &AuditEvent,
        prev_hash: String,
    ) -> AuditEntry {
        let mut entry = AuditEntry {
            seq,
            at,
            actor_id: ctx.actor.map(|u| u.0),
            action: event.action.clone(),
            record_type: event.record_type.clone(),
            record_id: event.record_id,
            version: event.version,
            content_hash: event.content_hash.clone(),
            address: ctx.address.clone(),
            detail_hash: event.detail_hash.clone(),
            prev_hash,
            entry_hash: String::new(),
        };
        entry.entry_hash = entry.compute_hash();
        entry
    }

    /// The hash of an entry: sha256 over the previous hash and a JSON array of every column.
    pub fn compute_hash(&self) -> String {
        let canonical = json!([
            self.seq,
            self.at,
            self.actor_id,
            self.action,
            self.record_type,
            self.record_id,
            self.version,
            self.content_hash,
            self.address,
            self.detail_hash,
        ]);
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(b"\n");
        h.update(canonical.to_string().as_bytes());
        hex::encode(h.finalize())
    }
}

/// The first problem `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Filters for listing the log (all optional).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor_id: Option<i64>,
    pub record_type: Option<String>,
    pub record_id: Option<i64>,
    /// Entries with `seq` below this (paging backwards).
    pub before: Option<i64>,
}

/// The current time as the audit stores it: RFC 3339, UTC, microseconds.
pub(crate) fn audit_time() -> String {
    crate::records::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Rows per INSERT statement when appending entries (12 parameters each: 768 per statement,
/// far under either backend's limit). One statement per entry made the group commit's batches
/// cost a round trip to the database each.
pub(crate) const INSERT_CHUNK: usize = 64;

/// The INSERT of `rows` audit entries.
pub(crate) fn insert_entries_sql(rows: usize) -> String {
    let mut s = String::from(
        "INSERT INTO audit_log (seq, at, actor_id, action, record_type, record_id, version,
             content_hash, address, detail_hash, prev_hash, entry_hash) VALUES ",
    );
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        let b = r * 12;
        s.push('(');
        for c in 1..=12 {
            if c > 1 {
                s.push_str(", ");
            }
            s.push_str(&format!("${}", b + c));
        }
        s.push(')');
    }
    s
}

/// Appends the events of one or more callers inside an open transaction `$tx`: moves the head
/// once by their number (which takes the head row, so concurrent appends queue up), chains the
/// entries in memory, inserts them [`INSERT_CHUNK`] rows per statement, and sets the head's
/// hash last. `$groups` is a `Vec<(&AuditCtx, &[AuditEvent])>`.
macro_rules! append_entries {
    ($tx:expr, $groups:expr) => {{
        let groups: Vec<(&$crate::audit::AuditCtx, &[$crate::audit::AuditEvent])> = $groups;
        let n: i64 = groups.iter().map(|(_, e)| e.len() as i64).sum();
        if n > 0 {
            let head = sqlx::query(
                "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, entry_hash",
            )
            .bind(n)
            .fetch_one(&mut *$tx)
            .await?;
            let last: i64 = head.try_get("seq")?;
            let mut prev: String = head.try_get("entry_hash")?;
            let mut seq = last - n;
            let at = $crate::audit::audit_time();
            let mut entries = Vec::with_capacity(n as usize);
            for (ctx, events) in &groups {
                for event in events.iter() {
                    seq += 1;
                    let entry =
                        $crate::audit::AuditEntry::chained(seq, at.clone(), ctx, event, prev);
                    prev = entry.entry_hash.clone();
                    entries.push(entry);
                }
            }
            for chunk in entries.chunks($crate::audit::INSERT_CHUNK) {
                let mut q = sqlx::query(sqlx::AssertSqlSafe($crate::audit::insert_entries_sql(
                    chunk.len(),
                )));
                for e in chunk {
                    q = q
                        .bind(e.seq)
                        .bind(&e.at)
                        .bind(e.actor_id)
                        .bind(&e.action)
                        .bind(&e.record_type)
                        .bind(e.record_id)
                        .bind(e.version)
                        .bind(&e.content_hash)
                        .bind(&e.address)
                        .bind(&e.detail_hash)
                        .bind(&e.prev_hash)
                        .bind(&e.entry_hash);
                }
                q.execute(&mut *$tx).await?;
            }
            sqlx::query("UPDATE audit_head SET entry_hash = $1 WHERE id = 1")
                .bind(&prev)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(crate) use append_entries;

/// Appends one caller's events inside an open transaction `$tx` (with the record writes they
/// describe): see [`append_entries`].
macro_rules! audit_append {
    ($tx:expr, $ctx:expr, $events:expr) => {{
        let ctx: &$crate::audit::AuditCtx =
            std::borrow::Borrow::<$crate::audit::AuditCtx>::borrow(&$ctx);
        let events: Vec<$crate::audit::AuditEvent> = $events.into_iter().collect();
        $crate::audit::append_entries!($tx, vec![(ctx, &events[..])]);
    }};
}
pub(crate) use audit_append;

fn read_entry<R: Row>(r: &R) -> Result<AuditEntry, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(AuditEntry {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor_id: r.try_get("actor_id")?,
        action: r.try_get("action")?,
        record_type: r.try_get("record_type")?,
        record_id: r.try_get("record_id")?,
        version: r.try_get("version")?,
        content_hash: r.try_get("content_hash")?,
        address: r.try_get("address")?,
        detail_hash: r.try_get("detail_hash")?,
        prev_hash: r.try_get("prev_hash")?,
        entry_hash: r.try_get("entry_hash")?,
    })
}

const ENTRY_COLUMNS: &str = "seq, at, actor_id, action, record_type, record_id, version, content_hash, address, \
                             detail_hash, prev_hash, entry_hash";

impl Store {
    /// Entries, newest first, filtered; at most `limit`.
    pub async fn audit_entries(
        &self,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut q = format!("SELECT {ENTRY_COLUMNS} FROM audit_log WHERE 1 = 1");
        let mut n = 0;
        let mut push = |cond: &str| {
            n += 1;
            q.push_str(&format!(" AND {cond} ${n}"));
        };
        if filter.action.is_some() {
            push("action =");
        }
        if filter.actor_id.is_some() {
            push("actor_id =");
        }
        if filter.record_type.is_some() {
            push("record_type =");
        }
        if filter.record_id.is_some() {
            push("record_id =");
        }
        if filter.before.is_some() {
            push("seq <");
        }
        q.push_str(&format!(" ORDER BY seq DESC LIMIT ${}", n + 1));
        with_pool!(self, p => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(q));
            if let Some(v) = &filter.action { query = query.bind(v.clone()); }
            if let Some(v) = filter.actor_id { query = query.bind(v); }
            if let Some(v) = &filter.record_type { query = query.bind(v.clone()); }
            if let Some(v) = filter.record_id { query = query.bind(v); }
            if let Some(v) = filter.before { query = query.bind(v); }
            let rows = query.bind(i64::from(limit)).fetch_all(p).await?;
            Ok(rows.iter().map(read_entry).collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Every entry in order, handed to `each` one at a time (for export and verification).
    pub async fn audit_walk(
        &self,
        each: impl FnMut(AuditEntry) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.audit_walk_range(0, i64::MAX, each).await
    }

    /// Walks the chain: consecutive sequence numbers, each entry's hash recomputed from its
    /// columns, each entry linked to the one before, and the head matching the last entry.
    /// Returns the number of entries, or the first broken one.
    pub async fn audit_verify(&self) -> Result<Result<u64, ChainBreak>, StoreError> {
        let mut checker = ChainChecker::new();
        self.audit_walk(|e| {
            checker.check(&e);
            Ok(())
        })
        .await?;
        let head = self.audit_head().await?;
        Ok(checker.finish(head))
    }
}

/// Checks the chain one entry at a time, in order: consecutive sequence numbers from 1, each
/// entry linked to the one before, each entry's hash recomputed from its columns. Keeps the
/// first break; once broken, later entries are not looked at.
#[derive(Debug, Clone)]
pub struct ChainChecker {
    expected_seq: i64,
    prev: String,
    broken: Option<ChainBreak>,
}

impl Default for ChainChecker {
    fn default() -> Self {
        ChainChecker::new()
    }
}

impl ChainChecker {
    pub fn new() -> Self {
        ChainChecker {
            expected_seq: 1,
            prev: GENESIS.to_string(),
            broken: None,
        }
    }

    /// Starts after entry `seq`, whose hash is `hash` (known good: a signed checkpoint).
    pub fn after(seq: i64, hash: &str) -> Self {
        ChainChecker {
            expected_seq: seq + 1,
            prev: hash.to_string(),
            broken: None,
        }
    }

    /// The first break found so far.
    pub fn broken(&self) -> Option<&ChainBreak> {
        self.broken.as_ref()
    }

    /// Checks the next entry; true while the chain holds. After it holds, `e.entry_hash` is
    /// the hash recomputed from every column of every entry up to `e`.
    pub fn check(&mut self, e: &AuditEntry) -> bool {
        if self.broken.is_some() {
            return false;
        }
        let seq = self.expected_seq;
        let reason = if e.seq != seq {
            Some(format!(
                "expected entry {seq} here, found {}: entries are missing",
                e.seq
            ))
        } else if e.prev_hash != self.prev {
            Some("its previous-hash does not match the entry before it".into())
        } else if e.compute_hash() != e.entry_hash {
            Some("its content does not match its hash: a column was changed".into())
        } else {
            None
        };
        self.prev = e.entry_hash.clone();
        self.expected_seq += 1;
        match reason {
            Some(reason) => {
                self.broken = Some(ChainBreak { seq, reason });
                false
            }
            None => true,
        }
    }

    /// The last entry checked and its hash.
    pub fn last(&self) -> (i64, &str) {
        (self.expected_seq - 1, &self.prev)
    }

    /// The verdict, given the head row: the number of entries checked, or the first break
    /// (including a head that does not name the last entry).
    pub fn finish(self, (head_seq, head_hash): (i64, String)) -> Result<u64, ChainBreak> {
        if let Some(b) = self.broken {
            return Err(b);
        }
        let last = self.expected_seq - 1;
        if head_seq != last || head_hash != self.prev {
            return Err(ChainBreak {
                seq: head_seq,
                reason: format!(
                    "the head says the log ends at entry {head_seq}, but it ends at {last}: entries were removed or the head was changed"
                ),
            });
        }
        Ok(last as u64)
    }
}

/// A signed checkpoint of the chain as the database keeps it (the copy that counts is the
/// file kept outside; see `chancery_app::audit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointRow {
    pub seq: i64,
    pub head_hash: String,
    pub at: String,
    pub key_id: String,
    pub prev_seq: i64,
    pub prev_hash: String,
    pub tags_digest: String,
    pub signature: String,
}

/// The key of the advisory lock under which one instance writes scheduled checkpoints
/// (PostgreSQL; an arbitrary constant: "chancery audit" in ASCII, truncated).
const CHECKPOINT_LOCK_KEY: i64 = 0x6368_616e_6175_6469;

/// Held while an instance writes a scheduled checkpoint. On PostgreSQL it is a transaction
/// holding `pg_try_advisory_xact_lock`, released when it ends; on SQLite there is one writing
/// instance per database file, so it holds nothing.
pub struct CheckpointLock {
    tx: Option<sqlx::Transaction<'static, sqlx::Postgres>>,
}

impl CheckpointLock {
    /// Ends the lock (the transaction wrote nothing).
    pub async fn release(self) -> Result<(), StoreError> {
        if let Some(tx) = self.tx {
            tx.rollback().await?;
        }
        Ok(())
    }
}

impl Store {
    /// The head row: the last entry's sequence number and hash.
    pub async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        Ok(with_pool!(self, p => {
            let r = sqlx::query("SELECT seq, entry_hash FROM audit_head WHERE id = 1").fetch_one(p).await?;
            (r.try_get("seq")?, r.try_get("entry_hash")?)
        }))
    }

    /// Entries with `after < seq <= upto`, in order, handed to `each` one at a time.
    pub async fn audit_walk_range(
        &self,
        after: i64,
        upto: i64,
        mut each: impl FnMut(AuditEntry) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        const PAGE: i64 = 1000;
        let mut after = after;
        loop {
            let rows: Vec<AuditEntry> = with_pool!(self, p => {
                let q = format!("SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3");
                sqlx::query(sqlx::AssertSqlSafe(q))
                    .bind(after)
                    .bind(upto)
                    .bind(PAGE)
                    .fetch_all(p)
                    .await?
                    .iter()
                    .map(read_entry)
                    .collect::<Result<Vec<_>, _>>()?
            });
            let done = (rows.len() as i64) < PAGE;
            for e in rows {
                after = e.seq;
                each(e)?;
            }
            if done {
                return Ok(());
            }
        }
    }

    /// Tries to take the lock under which scheduled checkpoints are written: `None` when
    /// another instance holds it (PostgreSQL). SQLite has a single writing instance per file,
    /// so there it always succeeds.
    pub async fn try_checkpoint_lock(&self) -> Result<Option<CheckpointLock>, StoreError> {
        match &self.pool {
            crate::Pool::Sqlite(_) => Ok(Some(CheckpointLock { tx: None })),
            crate::Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
                    .bind(CHECKPOINT_LOCK_KEY)
                    .fetch_one(&mut *tx)
                    .await?;
                if got {
                    Ok(Some(CheckpointLock { tx: Some(tx) }))
                } else {
                    tx.rollback().await?;
                    Ok(None)
                }
            }
        }
    }

    /// Records a checkpoint; false when one for that entry exists already.
    pub async fn insert_checkpoint(&self, c: &CheckpointRow) -> Result<bool, StoreError> {
        let n = with_pool!(self, p => {
            sqlx::query(
                "INSERT INTO audit_checkpoints (seq, head_hash, at, key_id, prev_seq, prev_hash, tags_digest, signature)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (seq) DO NOTHING",
            )
            .bind(c.seq).bind(&c.head_hash).bind(&c.at).bind(&c.key_id)
            .bind(c.prev_seq).bind(&c.prev_hash).bind(&c.tags_digest).bind(&c.signature)
            .execute(p).await?.rows_affected()
        });
        Ok(n == 1)
    }

    /// The recorded checkpoints, newest first.
    pub async fn checkpoints(&self) -> Result<Vec<CheckpointRow>, StoreError> {
        with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT seq, head_hash, at, key_id, prev_seq, prev_hash, tags_digest, signature
                 FROM audit_checkpoints ORDER BY seq DESC",
            )
            .fetch_all(p).await?;
            rows.iter().map(|r| Ok(CheckpointRow {
                seq: r.try_get("seq")?,
                head_hash: r.try_get("head_hash")?,
                at: r.try_get("at")?,
                key_id: r.try_get("key_id")?,
                prev_seq: r.try_get("prev_seq")?,
                prev_hash: r.try_get("prev_hash")?,
                tags_digest: r.try_get("tags_digest")?,
                signature: r.try_get("signature")?,
            })).collect::<Result<Vec<_>, StoreError>>()
        })
    }
}
