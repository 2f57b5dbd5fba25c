//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Chancery API", description = "Evidence-backed reporting for diplomatic posts. \
        Errors always read {\"errors\": [{\"field\": ..., \"reason\": ...}]}."),
    paths(
        crate::api::healthz,
        crate::api::list_posts,
        crate::api::list_cases,
        crate::api::create_case,
        crate::api::get_case,
        crate::api::update_case,
        crate::api::case_history,
        crate::api::list_sources,
        crate::api::create_source,
        crate::api::get_source,
        crate::api::update_source,
        crate::api::source_history,
    ),
    tags(
        (name = "cases", description = "Cases documented by posts"),
        (name = "sources", description = "Sources shared by all posts"),
        (name = "posts", description = "Embassies and consulates"),
        (name = "system", description = "Health"),
    )
)]
pub struct ApiDoc;

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
