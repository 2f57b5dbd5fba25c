//! The posts over the API.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::routes::Route;
use axum::Json;
use axum::extract::State;
use chancery_domain::Post;

#[utoipa::path(get, path = "/api/v1/posts", tag = "posts",
    responses((status = 200, description = "All posts", body = [Post])))]
pub async fn list_posts(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<Post>>, ApiError> {
    Ok(Json(chancery_app::posts::list(&state, &user).await?))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![Route::get("api_posts", "/api/v1/posts", list_posts)]
}
