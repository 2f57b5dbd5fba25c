//! The list of posts.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::pages::views::{PageMeta, PostRow, PostsPage};
use crate::pages::{PageResult, render};
use crate::routes::Route;
use axum::extract::State;
use axum::http::StatusCode;
use chancery_app::access::check_open;
use chancery_app::posts;
use chancery_domain::{Action, Marking, Resource, ResourceKind};

pub async fn posts_page(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    check_open(&user, Action::ListPosts, &Resource::of(ResourceKind::Post))?;
    let posts = posts::all(&state).await?;
    let rows = posts
        .iter()
        .map(|p| PostRow {
            name: p.display_name(),
            slug: p.slug.to_string(),
            country: format!("{} ({})", p.country.name(), p.country.code()),
            signer: p.signer_surname.to_string(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &PostsPage {
            page: PageMeta::new("Posts", Marking::U, &user),
            posts: rows,
        },
    ))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![Route::get("posts_page", "/posts", posts_page)]
}
