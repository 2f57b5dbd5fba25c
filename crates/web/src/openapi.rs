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
        crate::reports_api::api_taskings,
        crate::reports_api::api_tasking_create,
        crate::reports_api::api_tasking,
        crate::reports_api::api_tasking_update,
        crate::reports_api::api_compliance,
        crate::reports_api::api_templates,
        crate::reports_api::api_template,
        crate::reports_api::api_template_update,
        crate::reports_api::api_reports,
        crate::reports_api::api_report_create,
        crate::reports_api::api_report,
        crate::reports_api::api_report_update,
        crate::reports_api::api_report_history,
        crate::reports_api::api_report_action,
        crate::reports_api::api_report_comments,
        crate::reports_api::api_report_comment_create,
        crate::reports_api::api_report_builds,
        crate::reports_api::api_report_build_create,
        crate::reports_api::api_build_output,
        crate::reports_api::api_build_diff,
    ),
    tags(
        (name = "cases", description = "Cases documented by posts"),
        (name = "sources", description = "Sources shared by all posts"),
        (name = "posts", description = "Embassies and consulates"),
        (name = "system", description = "Health"),
        (name = "taskings", description = "HQ taskings and compliance across posts"),
        (name = "templates", description = "Report templates, edited by HQ without a release"),
        (name = "reports", description = "Reports, clearance, comments, builds and their outputs"),
    )
)]
pub struct ApiDoc;

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
