//! The JSON API of taskings, templates, reports, clearance, comments and builds. What each
//! does is `chancery_app::reports`.

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
