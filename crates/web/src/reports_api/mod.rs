//! Taskings, templates, reports, clearance, comments and builds: the operations, shared by
//! the JSON API (here) and the pages (`report_pages`).

use crate::AppState;
use crate::access::{ApiRecord, check_create, check_open, check_update, load_visible, record_json};
use crate::api::with_etag;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{IdPair, IdPath, JsonBody, if_match};
use crate::report_build::{self, Format};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chancery_domain::access::{Action, Principal, Resource, ResourceKind};
use chancery_domain::marked::Marked;
use chancery_domain::report::Report;
use chancery_domain::report::{
    CitedKind, ReportAction, ReportState, Tasking, Template, compliance, transition,
};
use chancery_domain::source::SourceStatus;
use chancery_domain::{FieldError, Marking, Record, RecordId, Source, ValidationErrors};
use chancery_store::{PiiConfirmation, ReportBuild, ReportFilter, TaskingFilter, TemplateFilter};
use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};

mod builds;
mod reports;
mod taskings;
mod templates;

pub use builds::*;
pub use reports::*;
pub use taskings::*;
pub use templates::*;

impl ApiRecord for Report {
    const NAME: &'static str = "report";
    const BASE: &'static str = "/api/v1/reports";
    const PAGES: &'static str = "/reports";

    fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        Report::from_json(body)
    }

    fn check_change(current: &Self, next: &Self) -> Result<(), ValidationErrors> {
        if current.post != next.post {
            return Err(
                FieldError::new("post", "a report belongs to the post that drafts it").into(),
            );
        }
        Ok(())
    }

    fn policy(&self) -> Resource<'_> {
        Resource::owned(ResourceKind::Report, Marking::U, &self.post)
    }

    fn collection() -> Resource<'static> {
        Resource::of(ResourceKind::Report)
    }

    fn scope(filter: &mut ReportFilter, user: &Principal) {
        filter.scope_post = user.post_scope().cloned();
    }
}

impl ApiRecord for Tasking {
    const NAME: &'static str = "tasking";
    const BASE: &'static str = "/api/v1/taskings";
    const PAGES: &'static str = "/taskings";

    fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        Tasking::from_json(body)
    }

    fn policy(&self) -> Resource<'_> {
        Resource::of(ResourceKind::Tasking)
    }

    fn collection() -> Resource<'static> {
        Resource::of(ResourceKind::Tasking)
    }

    fn scope(_filter: &mut TaskingFilter, _user: &Principal) {}

    fn texts(&self) -> Vec<(String, String)> {
        vec![
            ("title".into(), self.title.to_string()),
            ("instructions".into(), self.instructions.to_string()),
        ]
    }
}

fn bad(field: &str, reason: impl Into<String>) -> ApiError {
    ApiError::Invalid(ValidationErrors::one(FieldError::new(field, reason)))
}
