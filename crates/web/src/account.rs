//! Signing in and out, and one's own API tokens.

use crate::AppState;
use crate::auth::{
    CurrentUser, SESSION_LOGIN_AT, SESSION_NEXT, SESSION_USER, client_address, new_token,
    verify_password,
};
use crate::error::AppError;
use crate::extract::{FormBody, IdPath};
use crate::pages::{PageResult, render, see_other};
use crate::views::PageMeta;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chancery_app::access::check_open;
use chancery_domain::{Action, Email, Resource, ResourceKind};
use chancery_store::{LoginOutcome, sha256_hex};
use tower_sessions::Session;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub page: PageMeta,
    pub email: String,
    pub failed: bool,
}

/// A local path to return to after login (never another site).
fn safe_next(next: Option<String>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/".into(),
    }
}

pub async fn login_form(
    session: Session,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> PageResult {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    if let Some((_, next)) = pairs.into_iter().find(|(k, _)| k == "next") {
        session
            .insert(SESSION_NEXT, safe_next(Some(next)))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(render(
        StatusCode::OK,
        &LoginPage {
            page: PageMeta::anonymous("Sign in"),
            email: String::new(),
            failed: false,
        },
    ))
}

/// Checks a password login with throttling per account and per address (kept in the database,
/// so every instance sees it), and a dummy hash for unknown accounts so timing tells nothing.
/// Every failure reads the same; the session id is replaced on success.
pub async fn login(State(state): State<AppState>, session: Session, req: Request) -> PageResult {
    let address = client_address(&req).unwrap_or_else(|| "unknown".into());
    let FormBody(pairs) =
        <FormBody as axum::extract::FromRequest<AppState>>::from_request(req, &state).await?;
    let field = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (typed_email, password) = (field("email"), field("password"));
    let email_hash = sha256_hex(typed_email.trim().to_lowercase().as_str());
    let user = match Email::parse(&typed_email) {
        Ok(e) => state.store.user_by_email(&e).await?,
        Err(_) => None,
    };
    let failed = |email: String| {
        render(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                page: PageMeta::anonymous("Sign in"),
                email,
                failed: true,
            },
        )
    };
    if state.store.login_throttled(user.as_ref(), &address).await? {
        // Spend the same work as a real check before answering.
        verify_password(&password, None);
        state
            .store
            .record_login(
                &email_hash,
                user.as_ref().map(|u| u.id),
                LoginOutcome::Throttled,
                &address,
            )
            .await?;
        return Ok(failed(typed_email));
    }
    let usable = user.as_ref().filter(|u| u.account.active);
    let ok = verify_password(&password, usable.and_then(|u| u.password_hash.as_deref()));
    let outcome = if ok {
        LoginOutcome::Succeeded
    } else {
        LoginOutcome::Failed
    };
    state
        .store
        .record_login(&email_hash, user.as_ref().map(|u| u.id), outcome, &address)
        .await?;
    let Some(u) = usable.filter(|_| ok) else {
        return Ok(failed(typed_email));
    };
    let next: Option<String> = session.get(SESSION_NEXT).await.ok().flatten();
    let internal = |e: tower_sessions::session::Error| AppError::Internal(e.to_string());
    // A new session id at login: a session fixed by someone else before login is worthless.
    session.cycle_id().await.map_err(internal)?;
    session
        .remove::<String>(SESSION_NEXT)
        .await
        .map_err(internal)?;
    session
        .insert(SESSION_USER, u.id.0)
        .await
        .map_err(internal)?;
    session
        .insert(SESSION_LOGIN_AT, chrono::Utc::now().timestamp())
        .await
        .map_err(internal)?;
    Ok(see_other(safe_next(next)))
}

pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    session: Session,
) -> PageResult {
    session
        .flush()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    state
        .store
        .audit(&user.ctx(), &[chancery_store::AuditEvent::new("logout")])
        .await?;
    Ok(see_other("/login".into()))
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub page: PageMeta,
    pub tokens: Vec<TokenRow>,
    pub new_token: Option<String>,
    pub error: Option<String>,
}

async fn tokens_view(
    state: &AppState,
    user: &CurrentUser,
    new_token: Option<String>,
    error: Option<String>,
) -> PageResult {
    let tokens = state
        .store
        .list_tokens(user.id())
        .await?
        .into_iter()
        .map(|(id, name, created, used, revoked)| TokenRow {
            id,
            name,
            created: created.format("%Y-%m-%d %H:%M UTC").to_string(),
            last_used: used
                .map(|u| u.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|| "never".into()),
            revoked: revoked.is_some(),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(
        status,
        &TokensPage {
            page: PageMeta::new("API tokens", chancery_domain::Marking::U, user),
            tokens,
            new_token,
            error,
        },
    ))
}

pub async fn tokens_page(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    check_open(
        &user,
        Action::ManageOwnTokens,
        &Resource::of(ResourceKind::Token),
    )?;
    tokens_view(&state, &user, None, None).await
}

/// Creates a token for the signed-in user and shows it once.
pub async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    FormBody(pairs): FormBody,
) -> PageResult {
    check_open(
        &user,
        Action::ManageOwnTokens,
        &Resource::of(ResourceKind::Token),
    )?;
    let name = pairs
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    if name.is_empty() || name.chars().count() > 100 {
        return tokens_view(
            &state,
            &user,
            None,
            Some("name: give the token a name of 1 to 100 characters".into()),
        )
        .await;
    }
    let token = new_token();
    state
        .store
        .create_token(user.id(), &name, &sha256_hex(&token), &user.ctx())
        .await?;
    tokens_view(&state, &user, Some(token), None).await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    check_open(
        &user,
        Action::ManageOwnTokens,
        &Resource::of(ResourceKind::Token),
    )?;
    let id = id
        .parse::<i64>()
        .map_err(|_| AppError::NotFound("no such token".into()))?;
    state
        .store
        .revoke_token(id, Some(user.id()), &user.ctx())
        .await
        .map_err(|e| match e {
            chancery_store::StoreError::NotFound => {
                AppError::NotFound("no such token of yours".into())
            }
            other => other.into(),
        })?;
    Ok(see_other("/account/tokens".into()).into_response())
}
