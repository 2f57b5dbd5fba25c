//! The password link a second administrator issued: the account's user opens it, chooses their
//! own password (once, before it expires), and is told at their next sign-in that the password
//! was reset at the request of an administrator.

use crate::AppState;
use crate::auth::{CurrentUser, client_address};
use crate::error::AppError;
use crate::extract::{FormBody, IdPath};
use crate::pages::account::safe_next;
use crate::pages::views::PageMeta;
use crate::pages::{PageResult, render, see_other};
use crate::routes::Route;
use askama::Template;
use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use chancery_app::accounts;
use chancery_domain::Marking;

#[derive(Template)]
#[template(path = "password_reset.html")]
pub struct ResetPage {
    pub page: PageMeta,
    pub action: String,
    pub error: Option<String>,
}

fn reset_page(token: &str, error: Option<String>) -> ResetPage {
    ResetPage {
        page: PageMeta::anonymous("Choose a new password"),
        action: format!("/password-reset/{token}"),
        error,
    }
}

/// The form behind a usable link; a used, expired or replaced link is a 404 page.
pub async fn reset_form(State(state): State<AppState>, IdPath(token): IdPath) -> PageResult {
    accounts::reset_link_usable(&state, &token).await?;
    Ok(render(StatusCode::OK, &reset_page(&token, None)))
}

/// Sets the user's own password through the link, once.
pub async fn reset(
    State(state): State<AppState>,
    IdPath(token): IdPath,
    req: Request,
) -> PageResult {
    let address = client_address(&req);
    let FormBody(pairs) =
        <FormBody as axum::extract::FromRequest<AppState>>::from_request(req, &state).await?;
    let field = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (password, confirm) = (field("password"), field("password_confirm"));
    if password != confirm {
        accounts::reset_link_usable(&state, &token).await?;
        let page = reset_page(
            &token,
            Some("The two passwords differ: type the same password twice".into()),
        );
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    match accounts::use_reset_link(&state, &token, &password, address).await {
        Ok(_) => Ok(see_other("/login".into())),
        Err(AppError::Invalid(e)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &reset_page(&token, Some(e.to_string())),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "reset_notice.html")]
pub struct NoticePage {
    pub page: PageMeta,
    pub reset_at: Option<String>,
    pub next: String,
}

/// Where a sign-in goes: the notice of a reset first, if the user has not seen it.
pub(crate) async fn after_sign_in(
    state: &AppState,
    user: chancery_domain::UserId,
    next: String,
) -> Result<String, AppError> {
    Ok(match accounts::reset_notice(state, user).await? {
        Some(_) => format!(
            "/account/notice?{}",
            serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
        ),
        None => next,
    })
}

/// Tells the user that their password was reset, and when.
pub async fn notice(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let next = safe_next(pairs.into_iter().find(|(k, _)| k == "next").map(|(_, v)| v));
    let reset_at = accounts::reset_notice(&state, user.id())
        .await?
        .map(|t| t.format("%-d %B %Y at %H:%M UTC").to_string());
    Ok(render(
        StatusCode::OK,
        &NoticePage {
            page: PageMeta::new("Your password was reset", Marking::U, &user),
            reset_at,
            next,
        },
    ))
}

/// The user has read the notice; on to where they were going.
pub async fn dismiss_notice(
    State(state): State<AppState>,
    user: CurrentUser,
    FormBody(pairs): FormBody,
) -> PageResult {
    accounts::dismiss_reset_notice(&state, &user).await?;
    let next = pairs.into_iter().find(|(k, _)| k == "next").map(|(_, v)| v);
    Ok(see_other(safe_next(next)))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("password_reset_form", "/password-reset/{token}", reset_form).public(),
        Route::post("password_reset", "/password-reset/{token}", reset).public(),
        Route::get("reset_notice", "/account/notice", notice),
        Route::post("reset_notice_dismiss", "/account/notice", dismiss_notice),
    ]
}
