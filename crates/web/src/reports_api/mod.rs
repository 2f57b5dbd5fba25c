//! The JSON API of taskings, templates, reports, clearance, comments and builds. What each
//! does is `chancery_app::reports`.

use crate::AppState;
use crate::api::with_etag;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::{IdPair, IdPath, JsonBody, if_match};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chancery_app::access::{Items, RecordView, load_visible, record_json};
use chancery_app::reports::builds::{
    BuildDiff, BuildListed, BuildSummary, Output, builds_of, diff_builds, load_build, make_build,
    output,
};
use chancery_app::reports::reports::{
    Created, ReportVersion, act, add_comment, create_report, list_reports, report_history,
    report_view, update_report, visible_comments,
};
use chancery_app::reports::taskings::{
    ComplianceRow, compliance_rows, create_tasking, tasking_view, update_tasking, visible_taskings,
};
use chancery_app::reports::templates::{all_templates, save_template};
use chancery_domain::Marking;
use chancery_domain::report::Report;
use chancery_domain::report::ReportAction;
use serde_json::{Value, json};

mod builds;
mod reports;
mod taskings;
mod templates;

pub use builds::*;
pub use reports::*;
pub use taskings::*;
pub use templates::*;

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
