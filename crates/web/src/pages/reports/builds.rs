//! Build downloads and the diff between two builds.

use crate::AppState;
use crate::api::builds::output_response;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::views::PageMeta;
use crate::pages::{PageResult, render};
use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use chancery_app::report_build;
use chancery_domain::Marking;

// ---------------------------------------------------------------- builds

pub(super) fn public_asked(raw: Option<&str>) -> bool {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .unwrap_or_default()
        .iter()
        .any(|(k, v)| k == "public" && matches!(v.as_str(), "1" | "true" | "yes" | "on"))
}

/// A build in one format (`?public=1`: the public edition; always the public edition for a
/// user without SBU access).
pub async fn build_output(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let Path((id, format)) =
        path.map_err(|_| AppError::NotFound("no build at this path".into()))?;
    let b = chancery_app::reports::builds::load_build(&state, &user, &id).await?;
    Ok(output_response(
        chancery_app::reports::builds::output(
            &state,
            &user,
            &b,
            &format,
            public_asked(raw.as_deref()),
        )
        .await?,
    ))
}

pub struct DiffRow {
    pub paragraph: String,
    pub change: &'static str,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "build_diff.html")]
pub struct BuildDiffPage {
    pub page: PageMeta,
    pub report_id: i64,
    pub from: i64,
    pub from_version: i64,
    pub to: i64,
    pub to_version: i64,
    pub rows: Vec<DiffRow>,
}

pub async fn build_diff_page(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
) -> PageResult {
    let Path((a, b)) = path.map_err(|_| AppError::NotFound("no build at this path".into()))?;
    let (ba, bb, diff) = chancery_app::reports::builds::diff_builds(&state, &user, &a, &b).await?;
    // The details quote paragraph text: as marked as the highest paragraph the user sees.
    let mut marking = Marking::U;
    if user.principal.may_see(Marking::SBU) {
        for build in [&ba, &bb] {
            if let Ok(s) = report_build::read_snapshot(build) {
                marking = marking.max(s.doc.banner());
            }
        }
    }
    let t = BuildDiffPage {
        page: PageMeta::new(format!("Builds {} and {}", ba.id, bb.id), marking, &user),
        report_id: ba.report_id,
        from: ba.id,
        from_version: ba.report_version,
        to: bb.id,
        to_version: bb.report_version,
        rows: diff
            .into_iter()
            .map(|(paragraph, change, detail)| DiffRow {
                paragraph,
                change,
                detail,
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &t))
}
