//! The JSON API of taskings, templates, reports, clearance, comments and builds. What each
//! does is `chancery_app::reports`.

use crate::routes::Route;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chancery_app::reports::builds::Output;

mod builds;
mod reports;
mod taskings;
mod templates;

pub use builds::{
    __path_api_build_diff, __path_api_build_output, __path_api_report_build_create,
    __path_api_report_builds, api_build_diff, api_build_output, api_report_build_create,
    api_report_builds,
};
pub use reports::{
    __path_api_report, __path_api_report_action, __path_api_report_comment_create,
    __path_api_report_comments, __path_api_report_create, __path_api_report_history,
    __path_api_report_update, __path_api_reports, api_report, api_report_action,
    api_report_comment_create, api_report_comments, api_report_create, api_report_history,
    api_report_update, api_reports,
};
pub use taskings::{
    __path_api_compliance, __path_api_tasking, __path_api_tasking_create,
    __path_api_tasking_update, __path_api_taskings, api_compliance, api_tasking,
    api_tasking_create, api_tasking_update, api_taskings,
};
pub use templates::{
    __path_api_template, __path_api_template_update, __path_api_templates, api_template,
    api_template_update, api_templates,
};

/// A rendered build as a response: its content type, and its file name for the browser.
pub fn output_response(o: Output) -> Response {
    let mut resp = o.bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(o.format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{}\"", o.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("api_taskings", "/api/v1/taskings", api_taskings),
        Route::post("api_tasking_create", "/api/v1/taskings", api_tasking_create),
        Route::get("api_tasking", "/api/v1/taskings/{id}", api_tasking),
        Route::put(
            "api_tasking_update",
            "/api/v1/taskings/{id}",
            api_tasking_update,
        ),
        Route::get("api_compliance", "/api/v1/compliance", api_compliance),
        Route::get("api_templates", "/api/v1/templates", api_templates),
        Route::get("api_template", "/api/v1/templates/{key}", api_template),
        Route::put(
            "api_template_update",
            "/api/v1/templates/{key}",
            api_template_update,
        ),
        Route::get("api_reports", "/api/v1/reports", api_reports),
        Route::post("api_report_create", "/api/v1/reports", api_report_create),
        Route::get("api_report", "/api/v1/reports/{id}", api_report),
        Route::put(
            "api_report_update",
            "/api/v1/reports/{id}",
            api_report_update,
        ),
        Route::get(
            "api_report_history",
            "/api/v1/reports/{id}/history",
            api_report_history,
        ),
        Route::post(
            "api_report_action",
            "/api/v1/reports/{id}/actions",
            api_report_action,
        ),
        Route::get(
            "api_report_comments",
            "/api/v1/reports/{id}/comments",
            api_report_comments,
        ),
        Route::post(
            "api_report_comment_create",
            "/api/v1/reports/{id}/comments",
            api_report_comment_create,
        ),
        Route::get(
            "api_report_builds",
            "/api/v1/reports/{id}/builds",
            api_report_builds,
        ),
        Route::post(
            "api_report_build_create",
            "/api/v1/reports/{id}/builds",
            api_report_build_create,
        ),
        Route::get(
            "api_build_output",
            "/api/v1/builds/{id}/{format}",
            api_build_output,
        ),
        Route::get(
            "api_build_diff",
            "/api/v1/builds/{id}/diff/{other}",
            api_build_diff,
        ),
    ]
}
