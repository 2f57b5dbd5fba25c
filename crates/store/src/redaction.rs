//! Redactions: an approved request rewrites one text field in every stored version of a
//! record, in one transaction with the request's own new version and the audit entries. The
//! version rows, their hashes and the chain between them stay as they were.

use crate::audit::{AuditCtx, AuditEvent, audit_append};
use crate::records::{Cell, Filter, RefKey, Reference, Versioned, content_hash, now};
use crate::{BeginWrite, Store, StoreError, with_pool};
use chancery_domain::redaction::{RedactableType, redact_path};
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
        let body = decided.body().to_string();
        let hash = content_hash(&body);
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
                "INSERT INTO redaction_request_versions (record_id, version, body, content_hash, prev_hash, author, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(request_id.get()).bind(version).bind(&body).bind(&hash).bind(&prev).bind(author.0).bind(now)
            .execute(&mut *tx).await?;
            let mut events = vec![AuditEvent::record(
                if approve { "redaction_approve" } else { "redaction_reject" },
                RedactionRequest::RECORD_TYPE,
                request_id.get(),
                version,
                &hash,
            )];
            let mut changed = 0i64;
            if approve {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT version, body FROM {versions} WHERE record_id = $1 ORDER BY version"
                )))
                .bind(target_id)
                .fetch_all(&mut *tx).await?;
                for r in &rows {
                    let v: i64 = r.try_get("version")?;
                    let text: String = r.try_get("body")?;
                    let mut value: Value = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                        table: versions, id: target_id, version: v, reason: e.to_string(),
                    })?;
                    if redact_path(&mut value, &field) {
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "UPDATE {versions} SET body = $1 WHERE record_id = $2 AND version = $3"
                        )))
                        .bind(value.to_string()).bind(target_id).bind(v)
                        .execute(&mut *tx).await?;
                        changed += 1;
                    }
                }
                sqlx::query(
                    "INSERT INTO redactions (request_id, record_type, record_id, field, versions_changed, applied_at, applied_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(request_id.get()).bind(decided.record_type.as_str()).bind(target_id).bind(&field)
                .bind(changed).bind(now).bind(author.0)
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
