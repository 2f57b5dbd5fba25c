//! Server-rendered HTML pages, one module per resource, each with its own routes, and what
//! every page shares: rendering, the error page, redirects, reading the query and the version a
//! form edited. Plain forms and links: no JavaScript needed. Every page asks the policy through
//! `access`, shows only what the user may see, and logs reads of SBU material.

pub mod account;
pub mod admin;
pub mod case_analysis;
pub mod case_detail;
pub mod cases;
pub mod forms;
pub mod history;
pub mod home;
pub mod listing;
pub mod password;
pub mod posts;
pub mod record_forms;
pub mod redactions;
pub mod register_forms;
pub mod registers;
pub mod reports;
pub mod search;
pub mod sources;
pub mod statistics;
pub mod views;

use crate::error::{ApiError, AppError};
use crate::pages::views::{MessagePage, PageMeta};
use crate::routes::Route;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chancery_domain::input::form_to_json;
use serde_json::Value;

/// An error answered as a page.
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e.0)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self.0 {
            tracing::error!(%detail, "internal error");
        }
        if let AppError::Unauthorized = self.0 {
            return Redirect::to("/login").into_response();
        }
        let status = crate::error::status(&self.0);
        let heading = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "Too large",
            StatusCode::INTERNAL_SERVER_ERROR => "Something went wrong",
            _ => "The request could not be handled",
        };
        let message = self.0.errors().to_string();
        render(
            status,
            &MessagePage {
                page: PageMeta::anonymous(heading),
                heading: heading.into(),
                message,
            },
        )
    }
}

pub type PageResult = Result<Response, PageError>;

pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

pub fn not_found_page(message: &str) -> Response {
    PageError(AppError::NotFound(message.to_string())).into_response()
}

pub fn see_other(location: String) -> Response {
    Redirect::to(&location).into_response()
}

/// Keeps the filters when following the cursor to the next page.
pub(crate) fn next_href(base: &str, raw: Option<&str>, next: Option<String>) -> Option<String> {
    let next = next?;
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
    pairs.retain(|(k, _)| k != "cursor");
    pairs.push(("cursor".into(), next));
    Some(format!(
        "{base}?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    ))
}

pub(crate) fn query_json(raw: Option<&str>) -> Value {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
    form_to_json(&pairs)
}

/// The version a form says it edited.
pub(crate) fn form_version(pairs: &[(String, String)]) -> Option<i64> {
    pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .filter(|v| *v > 0)
}

pub(crate) fn stamp(at: &chrono::DateTime<chrono::Utc>, by: &chancery_domain::UserRef) -> String {
    format!("{} by {}", at.format("%Y-%m-%d %H:%M UTC"), by)
}

/// Every page route: each module's own list, concatenated.
pub fn routes() -> Vec<Route> {
    [
        home::routes(),
        posts::routes(),
        search::routes(),
        account::routes(),
        cases::routes(),
        case_analysis::routes(),
        sources::routes(),
        registers::routes(),
        register_forms::routes(),
        reports::routes(),
        statistics::routes(),
        admin::routes(),
        redactions::routes(),
        password::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
