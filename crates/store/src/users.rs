//! Accounts, login throttling, sessions and API tokens. Passwords and tokens arrive here only
//! as hashes: hashing is the caller's (the web crate's `auth`).

use crate::audit::{AuditCtx, AuditEvent, audit_append};
use crate::records::now;
use crate::{BeginWrite, Pool, Store, StoreError, with_pool};
use chancery_domain::{
    Account, Email, FieldError, NonEmptyText, Placement, PostSlug, Role, UserId,
};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// An account as stored, with what login needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    pub id: UserId,
    pub account: Account,
    pub password_hash: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
    pub lock_reset_at: Option<DateTime<Utc>>,
    pub legacy_ref: Option<String>,
}

/// Throttling limits: failures inside `WINDOW` before a lock or a refusal.
pub const WINDOW_MINUTES: i64 = 15;
pub const ACCOUNT_FAILURES: i64 = 5;
pub const ADDRESS_FAILURES: i64 = 20;

/// The PostgreSQL advisory lock key under which one instance purges expired sessions
/// ("chancery" in ASCII).
pub const SESSION_PURGE_LOCK: i64 = 0x6368_616e_6365_7279;

/// sha256 hex of a text (attempted e-mails, session ids, tokens).
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

const USER_COLUMNS: &str = "id, email, display_name, role, post, sbu_access, active, password_hash, locked_until, \
                            lock_reset_at, legacy_ref";

fn read_user<R: Row>(r: &R) -> Result<StoredUser, StoreError>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<DateTime<Utc>>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let id: i64 = r.try_get("id")?;
    let corrupt = |reason: String| StoreError::Corrupt {
        table: "users",
        id,
        version: 0,
        reason,
    };
    let role = Role::parse(&r.try_get::<String, _>("role")?).map_err(corrupt)?;
    let post = match r.try_get::<Option<String>, _>("post")? {
        Some(p) => Some(PostSlug::parse(&p).map_err(corrupt)?),
        None => None,
    };
    let email: String = r.try_get("email")?;
    Ok(StoredUser {
        id: UserId(id),
        account: Account {
            // Legacy accounts carry `name@legacy.invalid`, which still parses as an address.
            email: Email::parse(&email).map_err(corrupt)?,
            display_name: NonEmptyText::parse(&r.try_get::<String, _>("display_name")?, 500)
                .map_err(corrupt)?,
            placement: Placement::new(role, post).map_err(corrupt)?,
            sbu_access: r.try_get("sbu_access")?,
            active: r.try_get("active")?,
        },
        password_hash: r.try_get("password_hash")?,
        locked_until: r.try_get("locked_until")?,
        lock_reset_at: r.try_get("lock_reset_at")?,
        legacy_ref: r.try_get("legacy_ref")?,
    })
}

/// A counted login attempt ([`Store::login_attempt_begin`]): whether it was refused, and what
/// [`Store::login_attempt_end`] needs to record its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginTicket {
    /// Refused without a password check: a limit was passed or the account is locked.
    pub refused: bool,
    /// This attempt's number in the account's window (None: the e-mail names no account).
    pub account_attempt: Option<i64>,
    account_key: Option<String>,
    address_key: String,
}

/// What a change of an account did besides the change itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserUpdate {
    /// SBU access was asked for and waits for a second administrator's approval.
    pub sbu_pending: bool,
    /// Live API tokens of the account revoked (a change of role, post, SBU access, or a
    /// deactivation).
    pub tokens_revoked: u64,
}

/// How long an API token lives unless its creator says otherwise, and the most it may.
pub const TOKEN_DAYS_DEFAULT: i64 = 90;
pub const TOKEN_DAYS_MAX: i64 = 365;

/// One of an account's API tokens (never the token: only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Creates an account as the operator at the server does (the command line, the demo
    /// loader): with the SBU access and password given. The e-mail must be new.
    pub async fn create_user(
        &self,
        account: &Account,
        password_hash: Option<&str>,
        ctx: &AuditCtx,
    ) -> Result<UserId, StoreError> {
        self.insert_user(account, password_hash, false, ctx).await
    }

    /// Creates an account as an administrator at the pages does: without a password (a
    /// password link is asked for, which a second administrator issues) and without SBU
    /// access (if the account asks for it, a request waits for a second administrator).
    pub async fn request_user(
        &self,
        account: &Account,
        ctx: &AuditCtx,
    ) -> Result<UserId, StoreError> {
        if ctx.actor.is_none() {
            return Err(StoreError::Config(
                "a requested account needs an acting administrator".into(),
            ));
        }
        self.insert_user(account, None, true, ctx).await
    }

    async fn insert_user(
        &self,
        account: &Account,
        password_hash: Option<&str>,
        requested: bool,
        ctx: &AuditCtx,
    ) -> Result<UserId, StoreError> {
        let now = now();
        let sbu_access = account.sbu_access && !requested;
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let taken = sqlx::query("SELECT id FROM users WHERE email = $1")
                .bind(account.email.as_str())
                .fetch_optional(&mut *tx).await?;
            if taken.is_some() {
                tx.rollback().await?;
                return Err(StoreError::Invalid(FieldError::new("email", "an account with this e-mail exists").into()));
            }
            if let Some(post) = account.placement.post() {
                let exists = sqlx::query("SELECT slug FROM posts WHERE slug = $1").bind(post.as_str())
                    .fetch_optional(&mut *tx).await?;
                if exists.is_none() {
                    tx.rollback().await?;
                    return Err(StoreError::Invalid(FieldError::new("post", format!("no post {:?}", post.as_str())).into()));
                }
            }
            let id: i64 = sqlx::query(
                "INSERT INTO users (email, display_name, role, post, sbu_access, password_hash, active, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(account.email.as_str())
            .bind(account.display_name.as_str())
            .bind(account.placement.role().as_str())
            .bind(account.placement.post().map(|p| p.as_str().to_string()))
            .bind(sbu_access)
            .bind(password_hash)
            .bind(account.active)
            .bind(now)
            .fetch_one(&mut *tx).await?
            .try_get("id")?;
            let mut events = vec![user_event("user_create", id)];
            if requested {
                let requester = ctx.actor.map(|u| u.0);
                if account.sbu_access {
                    let g: i64 = sqlx::query(
                        "INSERT INTO sbu_grants (user_id, status, requested_by, requested_at) VALUES ($1, 'pending', $2, $3) RETURNING id",
                    ).bind(id).bind(requester).bind(now).fetch_one(&mut *tx).await?.try_get("id")?;
                    events.push(record_event("sbu_grant_request", "sbu_grant", g));
                }
                let r: i64 = sqlx::query(
                    "INSERT INTO password_resets (user_id, requested_by, requested_at) VALUES ($1, $2, $3) RETURNING id",
                ).bind(id).bind(requester).bind(now).fetch_one(&mut *tx).await?.try_get("id")?;
                events.push(record_event("password_reset_request", "password_reset", r));
            }
            audit_append!(tx, ctx, events);
            tx.commit().await?;
            Ok(UserId(id))
        })
    }

    /// Changes an account's settings (not its password). SBU access is never granted here:
    /// an account that had it keeps it while its role and post stay; otherwise asking for it
    /// leaves a request for a second administrator (`decide_grant`). A change of role or post,
    /// or giving up SBU access, withdraws a pending request. A change of role, post or SBU
    /// access, or a deactivation, revokes the account's API tokens; any change ends its
    /// sessions.
    pub async fn update_user(
        &self,
        id: UserId,
        account: &Account,
        ctx: &AuditCtx,
    ) -> Result<UserUpdate, StoreError> {
        let now = now();
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let Some(old) = sqlx::query("SELECT role, post, sbu_access, active FROM users WHERE id = $1")
                .bind(id.0).fetch_optional(&mut *tx).await? else {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            };
            let old_role: String = old.try_get("role")?;
            let old_post: Option<String> = old.try_get("post")?;
            let old_sbu: bool = old.try_get("sbu_access")?;
            let old_active: bool = old.try_get("active")?;
            let new_post = account.placement.post().map(|p| p.as_str().to_string());
            let moved = old_role != account.placement.role().as_str() || old_post != new_post;
            let sbu = account.sbu_access && old_sbu && !moved;
            let mut events = Vec::new();
            if moved || !account.sbu_access {
                let withdrawn = sqlx::query(
                    "UPDATE sbu_grants SET status = 'withdrawn', decided_by = $1, decided_at = $2
                     WHERE user_id = $3 AND status = 'pending' RETURNING id",
                )
                .bind(ctx.actor.map(|u| u.0)).bind(now).bind(id.0)
                .fetch_all(&mut *tx).await?;
                for w in &withdrawn {
                    events.push(record_event("sbu_grant_withdraw", "sbu_grant", w.try_get("id")?));
                }
            }
            let mut sbu_pending = false;
            if account.sbu_access && !sbu {
                let pending = sqlx::query("SELECT id FROM sbu_grants WHERE user_id = $1 AND status = 'pending'")
                    .bind(id.0).fetch_optional(&mut *tx).await?;
                if pending.is_none() {
                    let Some(requester) = ctx.actor else {
                        tx.rollback().await?;
                        return Err(StoreError::Config("asking for SBU access needs an acting administrator".into()));
                    };
                    let g: i64 = sqlx::query(
                        "INSERT INTO sbu_grants (user_id, status, requested_by, requested_at) VALUES ($1, 'pending', $2, $3) RETURNING id",
                    ).bind(id.0).bind(requester.0).bind(now).fetch_one(&mut *tx).await?.try_get("id")?;
                    events.push(record_event("sbu_grant_request", "sbu_grant", g));
                }
                sbu_pending = true;
            }
            let tokens_revoked = if moved || sbu != old_sbu || (old_active && !account.active) {
                sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(now).bind(id.0).execute(&mut *tx).await?.rows_affected()
            } else {
                0
            };
            let clash = sqlx::query("SELECT id FROM users WHERE email = $1 AND id <> $2")
                .bind(account.email.as_str()).bind(id.0)
                .fetch_optional(&mut *tx).await?;
            if clash.is_some() {
                tx.rollback().await?;
                return Err(StoreError::Invalid(FieldError::new("email", "an account with this e-mail exists").into()));
            }
            let n = sqlx::query(
                "UPDATE users SET email = $1, display_name = $2, role = $3, post = $4, sbu_access = $5, active = $6,
                     updated_at = $7 WHERE id = $8",
            )
            .bind(account.email.as_str())
            .bind(account.display_name.as_str())
            .bind(account.placement.role().as_str())
            .bind(new_post)
            .bind(sbu)
            .bind(account.active)
            .bind(now)
            .bind(id.0)
            .execute(&mut *tx).await?
            .rows_affected();
            if n == 0 {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            }
            // A changed account ends its sessions: they were granted under the old settings.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
            events.insert(0, user_event("user_update", id.0));
            if tokens_revoked > 0 {
                events.push(user_event("tokens_revoke", id.0));
            }
            audit_append!(tx, ctx, events);
            tx.commit().await?;
            Ok(UserUpdate { sbu_pending, tokens_revoked })
        })
    }

    /// Sets a new password hash (the operator at the server), ends the account's sessions,
    /// revokes its API tokens and cancels its open password links.
    pub async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        ctx: &AuditCtx,
    ) -> Result<(), StoreError> {
        let now = now();
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash).bind(now).bind(id.0)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
            sqlx::query("UPDATE password_resets SET cancelled_at = $1 WHERE user_id = $2 AND used_at IS NULL AND cancelled_at IS NULL")
                .bind(now).bind(id.0).execute(&mut *tx).await?;
            let revoked = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(now).bind(id.0).execute(&mut *tx).await?.rows_affected();
            let mut events = vec![user_event("password_set", id.0)];
            if revoked > 0 {
                events.push(user_event("tokens_revoke", id.0));
            }
            audit_append!(tx, ctx, events);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Lifts a lockout: the account may try again at once, and earlier failures stop counting.
    pub async fn unlock_user(&self, id: UserId, ctx: &AuditCtx) -> Result<(), StoreError> {
        let now = now();
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("UPDATE users SET locked_until = NULL, lock_reset_at = $1 WHERE id = $2")
                .bind(now).bind(id.0)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM login_counters WHERE key = $1")
                .bind(format!("account:{}", id.0)).execute(&mut *tx).await?;
            audit_append!(tx, ctx, [user_event("user_unlock", id.0)]);
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn user(&self, id: UserId) -> Result<Option<StoredUser>, StoreError> {
        with_pool!(self, p => {
            let q = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
            let row = sqlx::query(sqlx::AssertSqlSafe(q)).bind(id.0).fetch_optional(p).await?;
            row.as_ref().map(read_user).transpose()
        })
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<StoredUser>, StoreError> {
        with_pool!(self, p => {
            let q = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
            let row = sqlx::query(sqlx::AssertSqlSafe(q)).bind(email.as_str()).fetch_optional(p).await?;
            row.as_ref().map(read_user).transpose()
        })
    }

    pub async fn list_users(&self) -> Result<Vec<StoredUser>, StoreError> {
        with_pool!(self, p => {
            let q = format!("SELECT {USER_COLUMNS} FROM users ORDER BY email");
            let rows = sqlx::query(sqlx::AssertSqlSafe(q)).fetch_all(p).await?;
            rows.iter().map(read_user).collect()
        })
    }

    /// Counts a login attempt, before its password is checked, and answers whether it may be
    /// checked. The count is atomic in the database, so it holds across instances and under
    /// parallel attempts: in one write transaction, one upsert per key (the account, when the
    /// e-mail names one, and the address) adds the attempt to the key's window and returns its
    /// number in it. An attempt numbered past a limit (more than [`ACCOUNT_FAILURES`] for the
    /// account, more than [`ADDRESS_FAILURES`] for the address), or for an account locked
    /// until later, is refused without a check: N parallel attempts get at most the limit of
    /// checks. A refused attempt writes no attempt row and no audit entry of its own: it adds
    /// one to its window's `refused` count, and only the first refusal of a window writes an
    /// audit entry (`login_throttled`), the window's summary.
    pub async fn login_attempt_begin(
        &self,
        user: Option<UserId>,
        email_hash: &str,
        address: &str,
    ) -> Result<LoginTicket, StoreError> {
        let now = now();
        let since = now - Duration::minutes(WINDOW_MINUTES);
        let account_key = user.map(|u| format!("account:{}", u.0));
        let address_key = format!("address:{address}");
        let ctx = AuditCtx {
            actor: user,
            address: Some(address.to_string()),
        };
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let mut count = async |key: &str| -> Result<i64, StoreError> {
                Ok(sqlx::query(
                    "INSERT INTO login_counters (key, window_start, attempts, refused) VALUES ($1, $2, 1, 0)
                     ON CONFLICT (key) DO UPDATE SET
                         attempts = CASE WHEN login_counters.window_start <= $3 THEN 1 ELSE login_counters.attempts + 1 END,
                         refused = CASE WHEN login_counters.window_start <= $3 THEN 0 ELSE login_counters.refused END,
                         window_start = CASE WHEN login_counters.window_start <= $3 THEN $2 ELSE login_counters.window_start END
                     RETURNING attempts",
                )
                .bind(key).bind(now).bind(since)
                .fetch_one(&mut *tx).await?.try_get("attempts")?)
            };
            let account_attempt = match &account_key {
                Some(k) => Some(count(k).await?),
                None => None,
            };
            let address_attempt = count(&address_key).await?;
            let locked = match user {
                Some(u) => {
                    let until: Option<DateTime<Utc>> = sqlx::query("SELECT locked_until FROM users WHERE id = $1")
                        .bind(u.0).fetch_optional(&mut *tx).await?
                        .map(|r| r.try_get("locked_until")).transpose()?.flatten();
                    until.is_some_and(|t| t > now)
                }
                None => false,
            };
            let account_over = locked || account_attempt.is_some_and(|n| n > ACCOUNT_FAILURES);
            let refused = account_over || address_attempt > ADDRESS_FAILURES;
            if refused {
                // The refusal is counted against its cause: the account if it is over its limit
                // (or locked), else the address.
                let key = match (&account_key, account_over) {
                    (Some(k), true) => k.as_str(),
                    _ => address_key.as_str(),
                };
                let refused_in_window: i64 = sqlx::query(
                    "UPDATE login_counters SET refused = refused + 1 WHERE key = $1 RETURNING refused",
                )
                .bind(key).fetch_one(&mut *tx).await?.try_get("refused")?;
                if refused_in_window == 1 {
                    let mut event = AuditEvent::new("login_throttled");
                    event.detail_hash = Some(email_hash.to_string());
                    audit_append!(tx, ctx, [event]);
                }
            }
            tx.commit().await?;
            Ok(LoginTicket { refused, account_attempt, account_key, address_key })
        })
    }

    /// Records the outcome of a checked attempt (its attempt row and audit entry together). A
    /// success gives the attempt back: it clears the account's window and takes one from the
    /// address's (which counts failures). The failure that was the account's last allowed
    /// attempt locks it for the window. Returns whether the account is now locked.
    pub async fn login_attempt_end(
        &self,
        ticket: &LoginTicket,
        email_hash: &str,
        user: Option<UserId>,
        succeeded: bool,
        address: &str,
    ) -> Result<bool, StoreError> {
        let now = now();
        let ctx = AuditCtx {
            actor: user,
            address: Some(address.to_string()),
        };
        let mut event = AuditEvent::new(if succeeded { "login" } else { "login_failed" });
        event.detail_hash = Some(email_hash.to_string());
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO login_attempts (email_hash, user_id, address, succeeded, at) VALUES ($1, $2, $3, $4, $5)")
                .bind(email_hash).bind(user.map(|u| u.0)).bind(address)
                .bind(succeeded).bind(now)
                .execute(&mut *tx).await?;
            let mut locked = false;
            if succeeded {
                if let Some(k) = &ticket.account_key {
                    sqlx::query("DELETE FROM login_counters WHERE key = $1").bind(k).execute(&mut *tx).await?;
                }
                sqlx::query("UPDATE login_counters SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
                    .bind(&ticket.address_key).execute(&mut *tx).await?;
            } else if let (Some(u), Some(n)) = (user, ticket.account_attempt)
                && n >= ACCOUNT_FAILURES
            {
                sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
                    .bind(now + Duration::minutes(WINDOW_MINUTES)).bind(u.0)
                    .execute(&mut *tx).await?;
                locked = true;
            }
            let mut events = vec![event];
            if locked {
                events.push(user_event("user_locked", user.map(|u| u.0).unwrap_or(0)));
            }
            audit_append!(tx, ctx, events);
            tx.commit().await?;
            Ok(locked)
        })
    }

    // ------------------------------------------------------------------ sessions

    pub async fn session_load(
        &self,
        id_hash: &str,
    ) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT data, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2")
                .bind(id_hash).bind(now())
                .fetch_optional(p).await?;
            Ok(match row { Some(r) => Some((r.try_get("data")?, r.try_get("expires_at")?)), None => None })
        })
    }

    /// Inserts or replaces a session; `create_only` refuses an id already taken (returns false).
    pub async fn session_save(
        &self,
        id_hash: &str,
        user: Option<UserId>,
        data: &str,
        expires_at: DateTime<Utc>,
        create_only: bool,
    ) -> Result<bool, StoreError> {
        with_pool!(self, p => {
            let sql = if create_only {
                "INSERT INTO sessions (id_hash, user_id, data, expires_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id_hash) DO NOTHING"
            } else {
                "INSERT INTO sessions (id_hash, user_id, data, expires_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id_hash) DO UPDATE SET user_id = excluded.user_id, data = excluded.data,
                     expires_at = excluded.expires_at"
            };
            let n = sqlx::query(sql).bind(id_hash).bind(user.map(|u| u.0)).bind(data).bind(expires_at)
                .execute(p).await?.rows_affected();
            Ok(n > 0)
        })
    }

    pub async fn session_delete(&self, id_hash: &str) -> Result<(), StoreError> {
        with_pool!(self, p => {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(p).await?;
        });
        Ok(())
    }

    /// Deletes expired sessions, by one instance at a time: answers how many, or `None` when
    /// another instance is purging now. On PostgreSQL the purge runs in a transaction that
    /// first takes the advisory lock [`SESSION_PURGE_LOCK`] with `pg_try_advisory_xact_lock`
    /// (released at commit), so of several instances sharing the database one purges and the
    /// others skip. On SQLite one server process owns the database file, so it is trivially
    /// alone (and a second writer would wait for SQLite's own write lock).
    pub async fn sessions_delete_expired(&self) -> Result<Option<u64>, StoreError> {
        let delete = "DELETE FROM sessions WHERE expires_at <= $1";
        match &self.pool {
            Pool::Sqlite(p) => Ok(Some(
                sqlx::query(delete)
                    .bind(now())
                    .execute(p)
                    .await?
                    .rows_affected(),
            )),
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                let ours: bool = sqlx::query("SELECT pg_try_advisory_xact_lock($1) AS ours")
                    .bind(SESSION_PURGE_LOCK)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("ours")?;
                if !ours {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let n = sqlx::query(delete)
                    .bind(now())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(Some(n))
            }
        }
    }

    // ------------------------------------------------------------------ API tokens

    /// Stores a token's hash, expiring after the default lifetime; returns the token's id.
    pub async fn create_token(
        &self,
        user: UserId,
        name: &str,
        token_hash: &str,
        ctx: &AuditCtx,
    ) -> Result<i64, StoreError> {
        let expires_at = now() + Duration::days(TOKEN_DAYS_DEFAULT);
        self.create_token_until(user, name, token_hash, expires_at, ctx)
            .await
    }

    /// Stores a token's hash with its expiry; returns the token's id.
    pub async fn create_token_until(
        &self,
        user: UserId,
        name: &str,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        ctx: &AuditCtx,
    ) -> Result<i64, StoreError> {
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let id: i64 = sqlx::query(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(user.0).bind(name).bind(token_hash).bind(now()).bind(expires_at)
            .fetch_one(&mut *tx).await?.try_get("id")?;
            let mut e = AuditEvent::new("token_create");
            e.record_type = Some("api_token".into());
            e.record_id = Some(id);
            audit_append!(tx, ctx, [e]);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The account a live (unrevoked, unexpired) token belongs to, noting its use.
    pub async fn token_user(&self, token_hash: &str) -> Result<Option<UserId>, StoreError> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT id, user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2")
                .bind(token_hash).bind(now()).fetch_optional(p).await?;
            let Some(row) = row else { return Ok(None) };
            let id: i64 = row.try_get("id")?;
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now()).bind(id).execute(p).await?;
            Ok(Some(UserId(row.try_get("user_id")?)))
        })
    }

    /// Revokes a token; `owner` restricts it to that account's tokens.
    pub async fn revoke_token(
        &self,
        id: i64,
        owner: Option<UserId>,
        ctx: &AuditCtx,
    ) -> Result<(), StoreError> {
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL AND ($3 IS NULL OR user_id = $3)",
            )
            .bind(now()).bind(id).bind(owner.map(|u| u.0))
            .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            }
            let mut e = AuditEvent::new("token_revoke");
            e.record_type = Some("api_token".into());
            e.record_id = Some(id);
            audit_append!(tx, ctx, [e]);
            tx.commit().await?;
            Ok(())
        })
    }

    /// An account's tokens, oldest first.
    pub async fn list_tokens(&self, user: UserId) -> Result<Vec<StoredToken>, StoreError> {
        with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT id, name, created_at, expires_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
            )
            .bind(user.0).fetch_all(p).await?;
            rows.iter()
                .map(|r| Ok(StoredToken {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    last_used: r.try_get("last_used_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                }))
                .collect()
        })
    }
}

pub(crate) fn user_event(action: &str, id: i64) -> AuditEvent {
    record_event(action, "user", id)
}

fn record_event(action: &str, record_type: &str, id: i64) -> AuditEvent {
    let mut e = AuditEvent::new(action);
    e.record_type = Some(record_type.into());
    e.record_id = Some(id);
    e
}
