//! Separation of duties for accounts: SBU access asked for by one administrator and decided by
//! another (`sbu_grants`), and password links asked for by one administrator and issued by
//! another (`password_resets`, only the sha256 of a link's token stored). Every step is one
//! transaction with its audit entries. The rule that the second person differs from the first
//! is checked here too, in the statement that records the step, whatever the caller checked.

use crate::audit::{AuditCtx, AuditEvent, audit_append};
use crate::records::now;
use crate::users::user_event;
use crate::{BeginWrite, Store, StoreError, with_pool};
use chancery_domain::{FieldError, UserId};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// A request for SBU access waiting for a second administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingGrant {
    pub id: i64,
    pub user_id: UserId,
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
}

/// A password link asked for and not yet used (or cancelled): issued or not yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReset {
    pub id: i64,
    pub user_id: UserId,
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
    pub issued_by: Option<UserId>,
    pub issued_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

fn event(action: &str, record_type: &str, id: i64) -> AuditEvent {
    let mut e = AuditEvent::new(action);
    e.record_type = Some(record_type.into());
    e.record_id = Some(id);
    e
}

fn acting(ctx: &AuditCtx) -> Result<UserId, StoreError> {
    ctx.actor
        .ok_or_else(|| StoreError::Config("this step needs an acting administrator".into()))
}

fn refused(field: &str, reason: &str) -> StoreError {
    StoreError::Invalid(FieldError::new(field, reason).into())
}

const GRANT_COLUMNS: &str = "id, user_id, requested_by, requested_at";
const RESET_COLUMNS: &str =
    "id, user_id, requested_by, requested_at, issued_by, issued_at, expires_at";

fn read_grant<R: Row>(r: &R) -> Result<PendingGrant, StoreError>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(PendingGrant {
        id: r.try_get("id")?,
        user_id: UserId(r.try_get("user_id")?),
        requested_by: UserId(r.try_get("requested_by")?),
        requested_at: r.try_get("requested_at")?,
    })
}

fn read_reset<R: Row>(r: &R) -> Result<OpenReset, StoreError>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<DateTime<Utc>>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(OpenReset {
        id: r.try_get("id")?,
        user_id: UserId(r.try_get("user_id")?),
        requested_by: UserId(r.try_get("requested_by")?),
        requested_at: r.try_get("requested_at")?,
        issued_by: r.try_get::<Option<i64>, _>("issued_by")?.map(UserId),
        issued_at: r.try_get("issued_at")?,
        expires_at: r.try_get("expires_at")?,
    })
}

impl Store {
    /// The SBU requests waiting for a decision, oldest first.
    pub async fn pending_grants(&self) -> Result<Vec<PendingGrant>, StoreError> {
        with_pool!(self, p => {
            let q = format!("SELECT {GRANT_COLUMNS} FROM sbu_grants WHERE status = 'pending' ORDER BY id");
            let rows = sqlx::query(sqlx::AssertSqlSafe(q)).fetch_all(p).await?;
            rows.iter().map(read_grant).collect()
        })
    }

    /// One SBU request by id, if it still waits for a decision.
    pub async fn pending_grant(&self, id: i64) -> Result<Option<PendingGrant>, StoreError> {
        with_pool!(self, p => {
            let q = format!("SELECT {GRANT_COLUMNS} FROM sbu_grants WHERE id = $1 AND status = 'pending'");
            let row = sqlx::query(sqlx::AssertSqlSafe(q)).bind(id).fetch_optional(p).await?;
            row.as_ref().map(read_grant).transpose()
        })
    }

    /// Approves (the account gains SBU access, its tokens are revoked and its sessions end) or
    /// rejects a pending SBU request. The decider is neither the requester nor the account.
    pub async fn decide_grant(
        &self,
        id: i64,
        approve: bool,
        ctx: &AuditCtx,
    ) -> Result<UserId, StoreError> {
        let decider = acting(ctx)?;
        let now = now();
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query(
                "UPDATE sbu_grants SET status = $1, decided_by = $2, decided_at = $3
                 WHERE id = $4 AND status = 'pending' AND requested_by <> $2 AND user_id <> $2
                 RETURNING user_id",
            )
            .bind(if approve { "approved" } else { "rejected" }).bind(decider.0).bind(now).bind(id)
            .fetch_optional(&mut *tx).await?;
            let Some(row) = row else {
                tx.rollback().await?;
                return Err(refused("decision", "no pending request for SBU access that a second administrator may decide"));
            };
            let user: i64 = row.try_get("user_id")?;
            let mut events = vec![event(if approve { "sbu_grant_approve" } else { "sbu_grant_reject" }, "sbu_grant", id)];
            if approve {
                sqlx::query("UPDATE users SET sbu_access = TRUE, updated_at = $1 WHERE id = $2")
                    .bind(now).bind(user).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
                let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(now).bind(user).execute(&mut *tx).await?.rows_affected();
                if n > 0 {
                    events.push(user_event("tokens_revoke", user));
                }
            }
            audit_append!(tx, ctx, events);
            tx.commit().await?;
            Ok(UserId(user))
        })
    }

    /// Asks for a password link for an account; an earlier open link of the account is
    /// cancelled. Answers the request's id.
    pub async fn request_reset(&self, user: UserId, ctx: &AuditCtx) -> Result<i64, StoreError> {
        let requester = acting(ctx)?;
        let now = now();
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let exists = sqlx::query("SELECT id FROM users WHERE id = $1").bind(user.0)
                .fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            }
            sqlx::query("UPDATE password_resets SET cancelled_at = $1 WHERE user_id = $2 AND used_at IS NULL AND cancelled_at IS NULL")
                .bind(now).bind(user.0).execute(&mut *tx).await?;
            let id: i64 = sqlx::query(
                "INSERT INTO password_resets (user_id, requested_by, requested_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(user.0).bind(requester.0).bind(now)
            .fetch_one(&mut *tx).await?.try_get("id")?;
            audit_append!(tx, ctx, [event("password_reset_request", "password_reset", id)]);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The account's open password link (asked for, not used or cancelled), if any.
    pub async fn open_reset(&self, user: UserId) -> Result<Option<OpenReset>, StoreError> {
        with_pool!(self, p => {
            let q = format!("SELECT {RESET_COLUMNS} FROM password_resets
                 WHERE user_id = $1 AND used_at IS NULL AND cancelled_at IS NULL ORDER BY id DESC");
            let row = sqlx::query(sqlx::AssertSqlSafe(q)).bind(user.0).fetch_optional(p).await?;
            row.as_ref().map(read_reset).transpose()
        })
    }

    /// Every open password link, oldest first.
    pub async fn open_resets(&self) -> Result<Vec<OpenReset>, StoreError> {
        with_pool!(self, p => {
            let q = format!("SELECT {RESET_COLUMNS} FROM password_resets
                 WHERE used_at IS NULL AND cancelled_at IS NULL ORDER BY id");
            let rows = sqlx::query(sqlx::AssertSqlSafe(q)).fetch_all(p).await?;
            rows.iter().map(read_reset).collect()
        })
    }

    /// Issues the account's open password link: stores its token's hash and expiry. The issuer
    /// is not the administrator who asked for it. Issuing again replaces the link.
    pub async fn issue_reset(
        &self,
        user: UserId,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        ctx: &AuditCtx,
    ) -> Result<i64, StoreError> {
        let issuer = acting(ctx)?;
        let now = now();
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query(
                "UPDATE password_resets SET issued_by = $1, issued_at = $2, token_hash = $3, expires_at = $4
                 WHERE id = (SELECT MAX(id) FROM password_resets WHERE user_id = $5 AND used_at IS NULL AND cancelled_at IS NULL)
                   AND requested_by <> $1
                 RETURNING id",
            )
            .bind(issuer.0).bind(now).bind(token_hash).bind(expires_at).bind(user.0)
            .fetch_optional(&mut *tx).await?;
            let Some(row) = row else {
                tx.rollback().await?;
                return Err(refused("reset", "no password link that a second administrator may issue"));
            };
            let id: i64 = row.try_get("id")?;
            audit_append!(tx, ctx, [event("password_reset_issue", "password_reset", id)]);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The account an issued, unused, unexpired link belongs to.
    pub async fn reset_target(
        &self,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<UserId>, StoreError> {
        with_pool!(self, p => {
            let row = sqlx::query(
                "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL
                 AND cancelled_at IS NULL AND expires_at > $2",
            )
            .bind(token_hash).bind(at).fetch_optional(p).await?;
            Ok(match row { Some(r) => Some(UserId(r.try_get("user_id")?)), None => None })
        })
    }

    /// Uses a link (once): sets the password, notes the reset for the notice at the next
    /// sign-in, lifts a lockout, ends the account's sessions and revokes its tokens. The audit
    /// entry names the account itself as the actor. `NotFound` for a link that is unknown,
    /// used, cancelled or expired at `at`.
    pub async fn use_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        at: DateTime<Utc>,
        address: Option<String>,
    ) -> Result<UserId, StoreError> {
        let now = now();
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query(
                "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL
                 AND cancelled_at IS NULL AND expires_at > $3 RETURNING id, user_id",
            )
            .bind(now).bind(token_hash).bind(at)
            .fetch_optional(&mut *tx).await?;
            let Some(row) = row else {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            };
            let (id, user): (i64, i64) = (row.try_get("id")?, row.try_get("user_id")?);
            sqlx::query(
                "UPDATE users SET password_hash = $1, reset_notice_at = $2, locked_until = NULL,
                     lock_reset_at = $2, updated_at = $2 WHERE id = $3",
            )
            .bind(password_hash).bind(now).bind(user).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
            let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(now).bind(user).execute(&mut *tx).await?.rows_affected();
            let mut events = vec![event("password_reset_use", "password_reset", id)];
            if n > 0 {
                events.push(user_event("tokens_revoke", user));
            }
            let ctx = AuditCtx::user(UserId(user), address);
            audit_append!(tx, ctx, events);
            tx.commit().await?;
            Ok(UserId(user))
        })
    }

    /// When the account's password was set through a reset link, until the user saw it.
    pub async fn reset_notice(&self, user: UserId) -> Result<Option<DateTime<Utc>>, StoreError> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT reset_notice_at FROM users WHERE id = $1")
                .bind(user.0).fetch_optional(p).await?;
            Ok(match row { Some(r) => r.try_get("reset_notice_at")?, None => None })
        })
    }

    /// The user has seen the notice of a reset.
    pub async fn clear_reset_notice(&self, user: UserId) -> Result<(), StoreError> {
        with_pool!(self, p => {
            sqlx::query("UPDATE users SET reset_notice_at = NULL WHERE id = $1")
                .bind(user.0).execute(p).await?;
        });
        Ok(())
    }
}
