//! The home page (a redirect to where the user works) and the stylesheet.

use crate::auth::CurrentUser;
use crate::pages::see_other;
use crate::routes::Route;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chancery_domain::Role;

const STYLE: &str = include_str!("../../static/style.css");

pub async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
}

pub async fn home(user: CurrentUser) -> Response {
    if user.principal.role() == Role::Admin {
        see_other("/admin/users".into())
    } else {
        see_other("/cases".into())
    }
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("style", "/static/style.css", style).public(),
        Route::get("home", "/", home),
    ]
}
