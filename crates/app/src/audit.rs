//! The audit log, for administrators at the server: verify its hash chain (against signed
//! checkpoints kept outside the database), write checkpoints, export it.
//!
//! The chain in the database is plain SHA-256: anyone who can write the database can change
//! an entry and recompute every later hash and the head, and the chain alone still verifies.
//! What anchors it is a checkpoint: the head's sequence number and hash, signed with the
//! instance's ed25519 key (derived from a master secret kept outside the database, `keys`),
//! written to a file that is kept elsewhere, and recorded in `audit_checkpoints`. A checkpoint
//! file also lists the first 8 bytes of the hash of every entry since the checkpoint before it
//! (`tags`, covered by the signature through their sha256), so verification names the first
//! rewritten entry, not only the checkpoint that no longer matches.

pub mod keys;

use crate::{App, AppError};
use chancery_store::audit::GENESIS;
pub use chancery_store::{AuditEntry, ChainBreak};
use chancery_store::{ChainChecker, CheckpointRow};
pub use keys::{AuditKeys, KeyError, KeyOrigin, PublicKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Walks the hash chain: the number of entries when it is intact, or the first broken one.
/// Without checkpoints this detects only edits that left the chain inconsistent.
pub async fn verify(app: &App) -> Result<Result<u64, ChainBreak>, AppError> {
    Ok(app.store.audit_verify().await?)
}

/// The format a checkpoint file declares.
pub const CHECKPOINT_FORMAT: &str = "chancery-audit-checkpoint-1";
/// Hex digits of each entry hash a checkpoint lists (8 bytes).
const TAG_LEN: usize = 16;

/// A signed checkpoint as its file holds it (`checkpoint-<seq>.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub format: String,
    /// The entry signed: the head at the time.
    pub seq: i64,
    /// That entry's hash (it covers every entry before it).
    pub head_hash: String,
    /// When it was signed (RFC 3339, UTC).
    pub at: String,
    /// The id of the public key that verifies it.
    pub key_id: String,
    /// The public key itself, for information: verification uses the key it is given.
    pub public_key: String,
    /// The checkpoint before this one (0 and the genesis hash: none).
    pub prev_seq: i64,
    pub prev_hash: String,
    /// The first 16 hex digits of the hash of each entry `prev_seq+1..=seq`, concatenated.
    pub tags: String,
    /// ed25519 over [`Checkpoint::message`], hex.
    pub signature: String,
}

impl Checkpoint {
    /// The bytes signed: every field but the public key and the signature, the tags through
    /// their sha256.
    pub fn message(&self) -> Vec<u8> {
        message(&self.row())
    }

    /// Its file name.
    pub fn file_name(seq: i64) -> String {
        format!("checkpoint-{seq:012}.json")
    }

    /// Whether `key` signed it (and the fields are well formed).
    pub fn check(&self, key: &PublicKey) -> Result<(), String> {
        if self.format != CHECKPOINT_FORMAT {
            return Err(format!("unknown format {:?}", self.format));
        }
        if self.key_id != key.key_id() {
            return Err(format!(
                "signed by key {}, not by the given key {}",
                self.key_id,
                key.key_id()
            ));
        }
        let n = self.seq - self.prev_seq;
        if n < 0 || self.tags.len() as i64 != n * TAG_LEN as i64 {
            return Err("its list of entry hashes does not cover its entries".into());
        }
        if !key.verifies(&self.message(), &self.signature) {
            return Err("its signature does not verify: the file was changed".into());
        }
        Ok(())
    }

    /// The short hash it lists for entry `seq`, if it covers it.
    fn tag(&self, seq: i64) -> Option<&str> {
        if seq <= self.prev_seq || seq > self.seq {
            return None;
        }
        let i = (seq - self.prev_seq - 1) as usize * TAG_LEN;
        self.tags.get(i..i + TAG_LEN)
    }

    fn row(&self) -> CheckpointRow {
        CheckpointRow {
            seq: self.seq,
            head_hash: self.head_hash.clone(),
            at: self.at.clone(),
            key_id: self.key_id.clone(),
            prev_seq: self.prev_seq,
            prev_hash: self.prev_hash.clone(),
            tags_digest: tags_digest(&self.tags),
            signature: self.signature.clone(),
        }
    }
}

/// The bytes a checkpoint's signature covers, from the fields the database keeps too.
fn message(r: &CheckpointRow) -> Vec<u8> {
    format!(
        "{CHECKPOINT_FORMAT}\nseq {}\nhead {}\nat {}\nkey {}\nprev {} {}\ntags {}\n",
        r.seq, r.head_hash, r.at, r.key_id, r.prev_seq, r.prev_hash, r.tags_digest
    )
    .into_bytes()
}

fn tags_digest(tags: &str) -> String {
    hex::encode(Sha256::digest(tags.as_bytes()))
}

/// Why a checkpoint was not written.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The chain since the last checkpoint does not verify: signing it would launder the edit.
    #[error("the audit log is broken at entry {}: {}; not signing it", .0.seq, .0.reason)]
    Broken(ChainBreak),
    #[error("writing the checkpoint file {path}: {err}", path = .0.display(), err = .1)]
    File(PathBuf, #[source] std::io::Error),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<chancery_store::StoreError> for CheckpointError {
    fn from(e: chancery_store::StoreError) -> Self {
        CheckpointError::App(e.into())
    }
}

/// What a checkpoint run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointOutcome {
    /// A new checkpoint signed entry `seq`, written to `path` and to the database.
    Written { seq: i64, path: PathBuf },
    /// No entry since the last checkpoint (entry `seq`): nothing to sign.
    Unchanged { seq: i64 },
    /// Another instance holds the checkpoint lock (scheduled runs only).
    Busy,
}

/// The newest checkpoint in the database whose signature this instance's key verifies (rows
/// it cannot verify are ignored: a row is a hint, the file outside is the anchor).
async fn last_checkpoint(app: &App) -> Result<Option<CheckpointRow>, AppError> {
    let key = app.keys.public_key();
    Ok(app
        .store
        .checkpoints()
        .await?
        .into_iter()
        .find(|r| r.key_id == key.key_id() && key.verifies(&message(r), &r.signature)))
}

/// Signs the head of the chain now, on demand (`chancery audit checkpoint`): checks the
/// entries since the last checkpoint, writes `dir/checkpoint-<seq>.json`, records it.
pub async fn checkpoint(app: &App, dir: &Path) -> Result<CheckpointOutcome, CheckpointError> {
    let (head_seq, head_hash) = app.store.audit_head().await?;
    let (prev_seq, prev_hash) = match last_checkpoint(app).await? {
        Some(r) => (r.seq, r.head_hash),
        None => (0, GENESIS.to_string()),
    };
    if head_seq == prev_seq && head_hash == prev_hash {
        return Ok(CheckpointOutcome::Unchanged { seq: head_seq });
    }
    if head_seq < prev_seq {
        return Err(CheckpointError::Broken(ChainBreak {
            seq: head_seq,
            reason: format!(
                "the head says the log ends at entry {head_seq}, but checkpoint {prev_seq} was signed: entries were removed"
            ),
        }));
    }
    let mut checker = ChainChecker::after(prev_seq, &prev_hash);
    let mut tags = String::with_capacity((head_seq - prev_seq) as usize * TAG_LEN);
    app.store
        .audit_walk_range(prev_seq, head_seq, |e| {
            if checker.check(&e) {
                tags.push_str(&e.entry_hash[..TAG_LEN.min(e.entry_hash.len())]);
            }
            Ok(())
        })
        .await?;
    checker
        .finish((head_seq, head_hash.clone()))
        .map_err(CheckpointError::Broken)?;
    let key = app.keys.public_key();
    let mut cp = Checkpoint {
        format: CHECKPOINT_FORMAT.into(),
        seq: head_seq,
        head_hash,
        at: app
            .clock
            .now()
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        key_id: key.key_id(),
        public_key: key.to_text(),
        prev_seq,
        prev_hash,
        tags,
        signature: String::new(),
    };
    cp.signature = app.keys.sign(&cp.message());
    let path = write_file(dir, &cp)?;
    app.store.insert_checkpoint(&cp.row()).await?;
    Ok(CheckpointOutcome::Written { seq: cp.seq, path })
}

/// Writes the file whole (a temporary file renamed into place).
fn write_file(dir: &Path, cp: &Checkpoint) -> Result<PathBuf, CheckpointError> {
    let path = dir.join(Checkpoint::file_name(cp.seq));
    let err = |e| CheckpointError::File(path.clone(), e);
    std::fs::create_dir_all(dir).map_err(err)?;
    let tmp = dir.join(format!(".{}.tmp", Checkpoint::file_name(cp.seq)));
    let body = serde_json::to_vec_pretty(cp).expect("a checkpoint serialises");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp).map_err(err)?;
        f.write_all(&body).map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    std::fs::rename(&tmp, &path).map_err(err)?;
    Ok(path)
}

/// A scheduled checkpoint: written by one instance only, the one that takes the advisory lock
/// (PostgreSQL); the others answer `Busy`. On SQLite one instance writes a database file.
pub async fn scheduled_checkpoint(
    app: &App,
    dir: &Path,
) -> Result<CheckpointOutcome, CheckpointError> {
    let Some(lock) = app.store.try_checkpoint_lock().await? else {
        return Ok(CheckpointOutcome::Busy);
    };
    let outcome = checkpoint(app, dir).await;
    lock.release().await.map_err(AppError::from)?;
    outcome
}

/// Signs the head every `every` (the first after one period) until the task is aborted; a
/// failure is logged and tried again at the next tick.
pub fn spawn_checkpoints(app: &App, dir: PathBuf, every: Duration) -> tokio::task::JoinHandle<()> {
    let app = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            match scheduled_checkpoint(&app, &dir).await {
                Ok(CheckpointOutcome::Written { seq, path }) => {
                    tracing::info!(seq, path = %path.display(), "audit checkpoint written")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "audit checkpoint failed"),
            }
        }
    })
}

/// The checkpoint files of a directory, each checked against `key`.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointsError {
    #[error("reading {path}: {err}", path = .0.display(), err = .1)]
    Io(PathBuf, #[source] std::io::Error),
    #[error("checkpoint file {path}: {msg}", path = .0.display(), msg = .1)]
    Bad(PathBuf, String),
}

/// Reads every `checkpoint-*.json` of `dir` and checks each one's signature with `key`; a file
/// that does not verify is an error (it was changed, or is another key's).
pub fn read_checkpoints(dir: &Path, key: &PublicKey) -> Result<Vec<Checkpoint>, CheckpointsError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| CheckpointsError::Io(p, e)
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !(name.starts_with("checkpoint-") && name.ends_with(".json")) {
            continue;
        }
        let text = std::fs::read(&path).map_err(io(&path))?;
        let cp: Checkpoint = serde_json::from_slice(&text)
            .map_err(|e| CheckpointsError::Bad(path.clone(), e.to_string()))?;
        cp.check(key)
            .map_err(|m| CheckpointsError::Bad(path.clone(), m))?;
        out.push(cp);
    }
    out.sort_by_key(|c| c.seq);
    Ok(out)
}

/// What verification against checkpoints found intact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    pub entries: u64,
    pub checkpoints: usize,
    /// The last entry a checkpoint covers (0: none); later entries are protected by the chain
    /// alone until the next checkpoint.
    pub covered_to: i64,
}

/// Why verification against checkpoints could not run.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Checkpoints(#[from] CheckpointsError),
    #[error(transparent)]
    App(#[from] AppError),
}

/// Walks the chain and compares it with the signed checkpoints kept in `dir`: any rewrite of
/// an entry a checkpoint covers, consistent (every later hash and the head recomputed) or not,
/// is found, and the first rewritten entry named. Needs only the public key.
pub async fn verify_with_checkpoints(
    app: &App,
    key: &PublicKey,
    dir: &Path,
) -> Result<Result<Verified, ChainBreak>, VerifyError> {
    let cps = read_checkpoints(dir, key)?;
    let mut checker = ChainChecker::new();
    let mut rewritten: Option<ChainBreak> = None;
    app.store
        .audit_walk(|e| {
            if rewritten.is_some() || !checker.check(&e) {
                return Ok(());
            }
            // The chain holds up to here, so `entry_hash` is the hash recomputed from the
            // columns of every entry up to this one.
            for cp in &cps {
                if let Some(tag) = cp.tag(e.seq)
                    && !e.entry_hash.starts_with(tag)
                {
                    rewritten = Some(ChainBreak {
                        seq: e.seq,
                        reason: format!(
                            "entry {} was rewritten: its hash differs from the one checkpoint {} ({}) signed",
                            e.seq,
                            cp.seq,
                            Checkpoint::file_name(cp.seq)
                        ),
                    });
                    return Ok(());
                }
                let mismatch = (cp.seq == e.seq && e.entry_hash != cp.head_hash)
                    || (cp.prev_seq == e.seq && e.entry_hash != cp.prev_hash);
                if mismatch {
                    rewritten = Some(ChainBreak {
                        seq: e.seq,
                        reason: format!(
                            "an entry at or before {} was rewritten: the chain there differs from what checkpoint {} ({}) signed, and the checkpoint files that would name the entry are not in the directory",
                            e.seq,
                            cp.seq,
                            Checkpoint::file_name(cp.seq)
                        ),
                    });
                    return Ok(());
                }
            }
            Ok(())
        })
        .await
        .map_err(AppError::from)?;
    if let Some(b) = rewritten {
        return Ok(Err(b));
    }
    if let Some(b) = checker.broken() {
        return Ok(Err(b.clone()));
    }
    let (last, _) = checker.last();
    if let Some(cp) = cps.last()
        && cp.seq > last
    {
        return Ok(Err(ChainBreak {
            seq: last + 1,
            reason: format!(
                "entries {} to {} were removed: checkpoint {} ({}) signed them",
                last + 1,
                cp.seq,
                cp.seq,
                Checkpoint::file_name(cp.seq)
            ),
        }));
    }
    let head = app.store.audit_head().await.map_err(AppError::from)?;
    Ok(checker.finish(head).map(|entries| Verified {
        entries,
        checkpoints: cps.len(),
        covered_to: cps.last().map(|c| c.seq).unwrap_or(0),
    }))
}
/// Why an export stopped: the sink failed (writing the file), or the store did.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Sink(#[from] std::io::Error),
    #[error(transparent)]
    App(#[from] AppError),
}

/// Hands every entry, in order, to `each`; returns how many there were. The first error of
/// `each` stops the walk and is returned.
pub async fn export(
    app: &App,
    mut each: impl FnMut(AuditEntry) -> std::io::Result<()>,
) -> Result<u64, ExportError> {
    let mut n = 0u64;
    let mut failed: Option<std::io::Error> = None;
    let walked = app
        .store
        .audit_walk(|e| {
            if let Err(err) = each(e) {
                let msg = err.to_string();
                failed = Some(err);
                return Err(chancery_store::StoreError::Internal(msg));
            }
            n += 1;
            Ok(())
        })
        .await;
    if let Some(err) = failed {
        return Err(ExportError::Sink(err));
    }
    walked.map_err(AppError::from)?;
    Ok(n)
}
