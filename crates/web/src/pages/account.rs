//! Signing in and out, and one's own API tokens.

use crate::AppState;
use crate::auth::{
    CurrentUser, SESSION_FORM_TOKEN, SESSION_LOGIN_AT, SESSION_USER, client_address, new_form_token,
};
use crate::error::AppError;
use crate::extract::{FormBody, IdPath};
use crate::pages::views::PageMeta;
use crate::pages::{PageResult, render, see_other};
use crate::routes::Route;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chancery_app::signin;
use tower_sessions::Session;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub page: PageMeta,
    pub email: String,
    pub failed: bool,
}

/// A local path to return to after login (never another site): a path starting with a single
/// `/`, without control characters (a tab or newline that browsers drop would turn
/// `/\t/evil.example` into `//evil.example`), backslashes or a scheme-relative form, and
/// re-serialised from its parsed form, so what is sent back is what was checked.
pub(crate) fn safe_next(next: Option<String>) -> String {
    let home = || "/".to_string();
    let Some(n) = next else {
        return home();
    };
    if !n.starts_with('/')
        || n.starts_with("//")
        || n.contains('\\')
        || n.chars().any(char::is_control)
    {
        return home();
    }
    let base = url::Url::parse("http://chancery.invalid/").expect("a valid base");
    match base.join(&n) {
        Ok(u) if u.scheme() == "http" && u.host_str() == Some("chancery.invalid") => {
            let mut out = u.path().to_string();
            if let Some(q) = u.query() {
                out.push('?');
                out.push_str(q);
            }
            if out.starts_with("//") { home() } else { out }
        }
        _ => home(),
    }
}

/// The cookie that remembers, between the login page and the sign-in, where to go after it:
/// a cookie of its own (HttpOnly, SameSite=Lax, for `/login` only, one hour), so an anonymous
/// visit writes no session row.
const NEXT_COOKIE: &str = "chancery_next";

fn next_cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{NEXT_COOKIE}={encoded}; Path=/login; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("an encoded cookie is a valid header")
}

fn next_from_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == NEXT_COOKIE)
        .map(|(_, v)| {
            url::form_urlencoded::parse(format!("n={v}").as_bytes())
                .map(|(_, v)| v.into_owned())
                .next()
                .unwrap_or_default()
        })
}

pub async fn login_form(
    State(state): State<AppState>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> PageResult {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let mut page = render(
        StatusCode::OK,
        &LoginPage {
            page: PageMeta::anonymous("Sign in"),
            email: String::new(),
            failed: false,
        },
    );
    if let Some((_, next)) = pairs.into_iter().find(|(k, _)| k == "next") {
        page.headers_mut().append(
            header::SET_COOKIE,
            next_cookie(&safe_next(Some(next)), 3600, state.config.secure_cookies),
        );
    }
    Ok(page)
}

/// Checks a password login with throttling per account and per address (kept in the database,
/// so every instance sees it), and a dummy hash for unknown accounts so timing tells nothing.
/// Every failure reads the same; the session id is replaced on success.
pub async fn login(State(state): State<AppState>, session: Session, req: Request) -> PageResult {
    let address = client_address(&req).unwrap_or_else(|| "unknown".into());
    let next = next_from_cookie(req.headers());
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
    let Some(u) = signin::sign_in(&state, &typed_email, &password, &address).await? else {
        return Ok(render(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                page: PageMeta::anonymous("Sign in"),
                email: typed_email,
                failed: true,
            },
        ));
    };
    let internal = |e: tower_sessions::session::Error| AppError::Internal(e.to_string());
    // A new session id at login: a session fixed by someone else before login is worthless.
    session.cycle_id().await.map_err(internal)?;
    session.insert(SESSION_USER, u.0).await.map_err(internal)?;
    session
        .insert(SESSION_LOGIN_AT, chrono::Utc::now().timestamp())
        .await
        .map_err(internal)?;
    session
        .insert(SESSION_FORM_TOKEN, new_form_token())
        .await
        .map_err(internal)?;
    // A password reset through a link is told at the next sign-in.
    let to = crate::pages::password::after_sign_in(&state, u, safe_next(next)).await?;
    let mut answer: Response = see_other(to);
    answer.headers_mut().append(
        header::SET_COOKIE,
        next_cookie("", 0, state.config.secure_cookies),
    );
    Ok(answer)
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
    signin::sign_out(&state, &user).await?;
    Ok(see_other("/login".into()))
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub revoked: bool,
    pub expired: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub page: PageMeta,
    pub tokens: Vec<TokenRow>,
    /// The token just created, and when it expires.
    pub new_token: Option<(String, String)>,
    pub error: Option<String>,
    pub default_days: i64,
    pub max_days: i64,
}

async fn tokens_view(
    state: &AppState,
    user: &CurrentUser,
    new_token: Option<(String, String)>,
    error: Option<String>,
) -> PageResult {
    let tokens = signin::own_tokens(state, user)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: t.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            expires: t.expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            expired: t.expired,
            last_used: t
                .last_used
                .map(|u| u.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|| "never".into()),
            revoked: t.revoked,
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
            default_days: chancery_app::accounts::TOKEN_DAYS_DEFAULT,
            max_days: chancery_app::accounts::TOKEN_DAYS_MAX,
        },
    ))
}

pub async fn tokens_page(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    tokens_view(&state, &user, None, None).await
}

/// Creates a token for the signed-in user and shows it once.
pub async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    FormBody(pairs): FormBody,
) -> PageResult {
    let field = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let days = match field("expires_in_days").as_str() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let e = "Expires after: give a whole number of days".to_string();
                return tokens_view(&state, &user, None, Some(e)).await;
            }
        },
    };
    match signin::create_own_token(&state, &user, &field("name"), days).await {
        Ok(t) => {
            let expires = t.expires_at.format("%-d %B %Y at %H:%M UTC").to_string();
            tokens_view(&state, &user, Some((t.token, expires)), None).await
        }
        Err(AppError::Invalid(e)) => tokens_view(&state, &user, None, Some(e.to_string())).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    signin::revoke_own_token(&state, &user, &id).await?;
    Ok(see_other("/account/tokens".into()).into_response())
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("login_form", "/login", login_form).public(),
        Route::post("login", "/login", login).public(),
        Route::post("logout", "/logout", logout),
        Route::get("tokens", "/account/tokens", tokens_page),
        Route::post("token_create", "/account/tokens", create_token),
        Route::post("token_revoke", "/account/tokens/{id}/revoke", revoke_token),
    ]
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_local_path_or_home() {
        for (raw, expected) in [
            ("/\t/evil.example/phish", "/"),
            ("/\n/evil.example", "/"),
            ("/\\evil.example", "/"),
            ("//evil.example", "/"),
            ("https://evil.example/", "/"),
            ("javascript:alert(1)", "/"),
            ("/cases?country=DE", "/cases?country=DE"),
            ("/reports/1#p2", "/reports/1"),
            ("/a b", "/a%20b"),
        ] {
            assert_eq!(safe_next(Some(raw.to_string())), expected, "{raw:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
