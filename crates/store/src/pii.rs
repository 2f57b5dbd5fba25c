//! Confirmed PII-check hits: a flagged span an author confirmed is not a private person's name
//! (typically a public official named in their role). Each is a row that can be redacted later;
//! the audit log holds its id and hash.

use crate::audit::{AuditCtx, AuditEvent, audit_append};
use crate::records::now;
use crate::{BeginWrite, Store, StoreError, sha256_hex, with_pool};
use sqlx::Row;

/// One confirmation as the author gave it.
#[derive(Debug, Clone)]
pub struct PiiConfirmation {
    pub record_type: String,
    pub field: String,
    pub kind: String,
    pub span: (usize, usize),
    pub matched: String,
}

impl PiiConfirmation {
    /// What identifies a confirmed text: its kind and the text itself.
    pub fn hash_of(kind: &str, matched: &str) -> String {
        sha256_hex(&format!("{kind}:{matched}"))
    }
}

impl Store {
    /// Records confirmations in one transaction; returns their ids.
    pub async fn confirm_pii(
        &self,
        items: &[PiiConfirmation],
        ctx: &AuditCtx,
    ) -> Result<Vec<i64>, StoreError> {
        let author = ctx
            .actor
            .ok_or_else(|| StoreError::Config("confirming needs an acting user".into()))?;
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let now = now();
        let ids = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let mut ids = Vec::new();
            let mut events = Vec::new();
            for c in items {
                let hash = PiiConfirmation::hash_of(&c.kind, &c.matched);
                let id: i64 = sqlx::query(
                    "INSERT INTO pii_confirmations (record_type, field, kind, span_start, span_end, matched, text_hash, created_at, created_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(&c.record_type).bind(&c.field).bind(&c.kind)
                .bind(c.span.0 as i64).bind(c.span.1 as i64).bind(&c.matched).bind(&hash)
                .bind(now).bind(author.0)
                .fetch_one(&mut *tx).await?
                .try_get("id")?;
                // The id only: a hash of the text would confirm a guess at it after a redaction.
                let mut e = AuditEvent::new("confirm_pii");
                e.record_type = Some("pii_confirmation".into());
                e.record_id = Some(id);
                events.push(e);
                ids.push(id);
            }
            audit_append!(tx, ctx, events);
            tx.commit().await?;
            ids
        });
        Ok(ids)
    }

    /// Whether a text of this kind was confirmed before.
    pub async fn pii_confirmed(&self, kind: &str, matched: &str) -> Result<bool, StoreError> {
        let hash = PiiConfirmation::hash_of(kind, matched);
        with_pool!(self, p => {
            let row = sqlx::query("SELECT 1 AS one FROM pii_confirmations WHERE text_hash = $1")
                .bind(&hash)
                .fetch_optional(p)
                .await?;
            Ok(row.is_some())
        })
    }
}
