//! Redactions: an approved request rewrites one text field in every stored version of a
//! record, in one transaction with the request's own new version and the audit entries. The
//! field's salt goes with its text (its commitment stays), so the version rows, their hashes and
//! the chain between them stay as they were and confirm no guess. Builds made before that used
//! the record are rewritten too (a new salt and snapshot hash, recorded in the audit), as are
//! PII confirmations of the text and, for a source's address, its archived copies' provenance.

use crate::audit::{AuditCtx, AuditEvent, audit_append};
use crate::records::{Cell, Filter, RefKey, Reference, Versioned, now, seal};
use crate::{BeginWrite, Store, StoreError, with_pool};
use chancery_domain::commitment::Salts;
use chancery_domain::redaction::{RedactableType, redact_occurrences, redact_path, text_at};
use chancery_domain::{
    FieldError, Marking, RecordId, RedactionRequest, RedactionStatus, ValidationErrors,
};
use serde_json::Value;
use sqlx::Row;

#[derive(Debug, Clone, Default)]
pub struct RedactionFilter {
    pub status: Option<RedactionStatus>,
}

impl Filter for RedactionFilter {
    fn conditions(&self) -> Vec<(&'static str, String)> {
        self.status
            .map(|s| vec![("status", s.as_str().to_string())])
            .unwrap_or_default()
    }
}

impl Versioned for RedactionRequest {
    const RECORD_TYPE: &'static str = "redaction_request";
    const HEAD: &'static str = "redaction_requests";
    const VERSIONS: &'static str = "redaction_request_versions";
    const COLUMNS: &'static [&'static str] = &["record_type", "record_id", "status", "marking"];
    type Filter = RedactionFilter;

    fn head_values(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.record_type.as_str()),
            Cell::Int(self.record_id.get()),
            Cell::text(self.status.as_str()),
            Cell::text(Marking::SBU.as_str()),
        ]
    }

    fn body(&self) -> Value {
        self.to_json()
    }

    fn from_body(body: &Value) -> Result<Self, ValidationErrors> {
        RedactionRequest::from_json(body)
    }

    fn committed_field(path: &str) -> bool {
        RedactableType::RedactionRequest.is_text_field(path)
    }

    fn references(&self) -> Vec<Reference> {
        let target = versions_table(self.record_type).0;
        vec![Reference {
            path: "record_id".into(),
            target,
            what: self.record_type.as_str(),
            key_column: "id",
            key: RefKey::Id(self.record_id.get()),
            index_sql: None,
            extra: None,
        }]
    }
}

/// The head and versions tables of a redactable type.
fn versions_table(t: RedactableType) -> (&'static str, &'static str) {
    match t {
        RedactableType::Case => ("cases", "case_versions"),
        RedactableType::Source => ("sources", "source_versions"),
        RedactableType::RedactionRequest => ("redaction_requests", "redaction_request_versions"),
    }
}

/// A redaction as applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRedaction {
    pub request_id: i64,
    pub record_type: String,
    pub record_id: i64,
    pub field: String,
    pub versions_changed: i64,
    /// Builds made before the redaction whose snapshot (and so every rendering) held the text.
    pub builds_changed: i64,
}

impl Store {
    /// Decides a pending request. Approval rewrites the field in every stored version of the
    /// target record; rejection only records the decision. Either way the request gains a
    /// version naming the decision, and the audit holds ids and hashes only.
    pub async fn decide_redaction(
        &self,
        request_id: RecordId,
        expected: i64,
        approve: bool,
        ctx: &AuditCtx,
    ) -> Result<AppliedRedaction, StoreError> {
        let author = ctx
            .actor
            .ok_or_else(|| StoreError::Config("a decision needs an acting user".into()))?;
        let current = self
            .get::<RedactionRequest>(request_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if current.version != expected {
            return Err(StoreError::Conflict {
                expected,
                current: current.version,
            });
        }
        if current.data.status != RedactionStatus::Requested {
            return Err(StoreError::Invalid(
                FieldError::new(
                    "status",
                    format!("this request is already {}", current.data.status.as_str()),
                )
                .into(),
            ));
        }
        let mut decided = current.data.clone();
        decided.status = if approve {
            RedactionStatus::Approved
        } else {
            RedactionStatus::Rejected
        };
        let sealed = seal::<RedactionRequest>(&decided.body());
        let hash = sealed.hash.clone();
        let now = now();
        let (_, versions) = versions_table(decided.record_type);
        let target_id = decided.record_id.get();
        let field = decided.field.clone();
        let sqlite = self.backend() == crate::Backend::Sqlite;
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query(
                "UPDATE redaction_requests SET version = version + 1, status = $1, updated_at = $2, updated_by = $3
                 WHERE id = $4 AND version = $5 AND status = 'requested' RETURNING version",
            )
            .bind(decided.status.as_str()).bind(now).bind(author.0).bind(request_id.get()).bind(expected)
            .fetch_optional(&mut *tx).await?;
            let Some(row) = row else {
                tx.rollback().await?;
                return Err(StoreError::Conflict { expected, current: expected + 1 });
            };
            let version: i64 = row.try_get("version")?;
            let prev: String = sqlx::query(
                "SELECT content_hash FROM redaction_request_versions WHERE record_id = $1 AND version = $2",
            )
            .bind(request_id.get()).bind(version - 1)
            .fetch_one(&mut *tx).await?.try_get("content_hash")?;
            sqlx::query(
                "INSERT INTO redaction_request_versions (record_id, version, body, salts, content_hash, prev_hash, author, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(request_id.get()).bind(version).bind(&sealed.body).bind(&sealed.salts).bind(&hash).bind(&prev).bind(author.0).bind(now)
            .execute(&mut *tx).await?;
            let mut events = vec![AuditEvent::record(
                if approve { "redaction_approve" } else { "redaction_reject" },
                RedactionRequest::RECORD_TYPE,
                request_id.get(),
                version,
                &hash,
            )];
            let mut changed = 0i64;
            let mut builds_changed = 0i64;
            if approve {
                // Every version: the text goes, and with it the salt of its commitment.
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT version, body, salts FROM {versions} WHERE record_id = $1 ORDER BY version"
                )))
                .bind(target_id)
                .fetch_all(&mut *tx).await?;
                let mut originals: Vec<String> = Vec::new();
                for r in &rows {
                    let v: i64 = r.try_get("version")?;
                    let text: String = r.try_get("body")?;
                    let corrupt = |reason: String| StoreError::Corrupt { table: versions, id: target_id, version: v, reason };
                    let mut value: Value = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
                    let mut salts = Salts::parse(r.try_get::<Option<String>, _>("salts")?.as_deref()).map_err(corrupt)?;
                    let original = text_at(&value, &field);
                    if redact_path(&mut value, &field) {
                        if let Some(o) = original {
                            salts.redact(&field, &o);
                            if !originals.contains(&o) {
                                originals.push(o);
                            }
                        }
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "UPDATE {versions} SET body = $1, salts = $2 WHERE record_id = $3 AND version = $4"
                        )))
                        .bind(value.to_string()).bind(salts.to_stored()).bind(target_id).bind(v)
                        .execute(&mut *tx).await?;
                        changed += 1;
                    }
                }
                // Builds made before: their snapshots copied the text into titles and tables.
                if matches!(decided.record_type, RedactableType::Case | RedactableType::Source) {
                    let kind = decided.record_type.as_str();
                    let builds = sqlx::query("SELECT id, snapshot FROM report_builds ORDER BY id")
                        .fetch_all(&mut *tx).await?;
                    for b in &builds {
                        let bid: i64 = b.try_get("id")?;
                        let text: String = b.try_get("snapshot")?;
                        let mut snap: Value = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                            table: "report_builds", id: bid, version: 0, reason: e.to_string(),
                        })?;
                        let uses = snap["records"].as_array().is_some_and(|rs| {
                            rs.iter().any(|u| u["kind"] == kind && u["id"] == target_id)
                        });
                        if !uses || !redact_occurrences(&mut snap, &originals) {
                            continue;
                        }
                        let text = snap.to_string();
                        let (salt, new_hash) = crate::reports::commit_snapshot(&text);
                        sqlx::query("UPDATE report_builds SET snapshot = $1, snapshot_salt = $2, snapshot_sha256 = $3 WHERE id = $4")
                            .bind(&text).bind(salt).bind(&new_hash).bind(bid)
                            .execute(&mut *tx).await?;
                        let mut e = AuditEvent::new("redact_build");
                        e.record_type = Some("report_build".into());
                        e.record_id = Some(bid);
                        e.content_hash = Some(new_hash);
                        events.push(e);
                        builds_changed += 1;
                    }
                }
                // A redacted address goes from the archived copies' provenance too.
                if decided.record_type == RedactableType::Source && field == "url" {
                    for o in &originals {
                        sqlx::query("UPDATE source_archives SET original_url = NULL WHERE source_id = $1 AND original_url = $2")
                            .bind(target_id).bind(o).execute(&mut *tx).await?;
                        sqlx::query("UPDATE source_archives SET final_url = NULL WHERE source_id = $1 AND final_url = $2")
                            .bind(target_id).bind(o).execute(&mut *tx).await?;
                    }
                }
                // A confirmation that let the text past the PII check was wrong: it goes too.
                let confirmations = sqlx::query("SELECT id, matched FROM pii_confirmations WHERE matched IS NOT NULL")
                    .fetch_all(&mut *tx).await?;
                for c in &confirmations {
                    let matched: String = c.try_get("matched")?;
                    if !matched.is_empty() && originals.iter().any(|o| o.contains(&matched)) {
                        sqlx::query("DELETE FROM pii_confirmations WHERE id = $1")
                            .bind(c.try_get::<i64, _>("id")?).execute(&mut *tx).await?;
                    }
                }
                sqlx::query(
                    "INSERT INTO redactions (request_id, record_type, record_id, field, versions_changed, builds_changed, applied_at, applied_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(request_id.get()).bind(decided.record_type.as_str()).bind(target_id).bind(&field)
                .bind(changed).bind(builds_changed).bind(now).bind(author.0)
                .execute(&mut *tx).await?;
                // The index holds the current text only: rewrite it from the redacted body, and
                // on SQLite merge the FTS5 segments so the old terms are gone from the file.
                crate::search::reindex!(tx, decided.record_type.as_str(), target_id);
                if sqlite {
                    sqlx::query("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
                        .execute(&mut *tx).await?;
                }
                let mut e = AuditEvent::new("redact");
                e.record_type = Some(decided.record_type.as_str().to_string());
                e.record_id = Some(target_id);
                e.detail_hash = Some(hash.clone());
                events.push(e);
            }
            audit_append!(tx, ctx, events);
            tx.commit().await?;
            Ok(AppliedRedaction {
                request_id: request_id.get(),
                record_type: decided.record_type.as_str().to_string(),
                record_id: target_id,
                field,
                versions_changed: changed,
                builds_changed,
            })
        })
    }

    /// The redactions applied to a record: (field, request id, versions changed).
    pub async fn redactions_of(
        &self,
        record_type: &str,
        record_id: i64,
    ) -> Result<Vec<(String, i64, i64)>, StoreError> {
        with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT field, request_id, versions_changed FROM redactions WHERE record_type = $1 AND record_id = $2 ORDER BY id",
            )
            .bind(record_type).bind(record_id)
            .fetch_all(p).await?;
            rows.iter().map(|r| Ok((r.try_get("field")?, r.try_get("request_id")?, r.try_get("versions_changed")?))).collect()
        })
    }
}
