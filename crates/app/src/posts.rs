//! Posts: the embassies and consulates that report, and headquarters' view of them.

use crate::access::check_open;
use crate::{Actor, App, AppError};
use chancery_domain::{Action, Post, PostSlug, Resource, ResourceKind};

/// Every post (names and countries are not sensitive; pages use them to label records).
pub async fn all(app: &App) -> Result<Vec<Post>, AppError> {
    Ok(app.store.list_posts().await?)
}

/// One post by its slug.
pub async fn get(app: &App, slug: &PostSlug) -> Result<Option<Post>, AppError> {
    Ok(app.store.get_post(slug).await?)
}

/// A post's display name ("Embassy Berlin"), or its slug when it is unknown.
pub async fn name_of(app: &App, slug: &PostSlug) -> Result<String, AppError> {
    Ok(match get(app, slug).await? {
        Some(p) => p.display_name(),
        None => slug.to_string(),
    })
}

/// The list of posts, for those allowed to list them.
pub async fn list(app: &App, user: &Actor) -> Result<Vec<Post>, AppError> {
    check_open(user, Action::ListPosts, &Resource::of(ResourceKind::Post))?;
    all(app).await
}

/// Whether the store answers, and which backend it is ("sqlite" or "postgres").
pub async fn health(app: &App) -> Result<&'static str, AppError> {
    app.store.ping().await?;
    Ok(app.store.backend().as_str())
}
