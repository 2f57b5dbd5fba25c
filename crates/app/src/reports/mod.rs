//! Taskings, templates, reports, clearance, comments and builds: the use cases of reporting,
//! shared by the JSON API, the pages and the command line.

pub mod builds;
pub mod history;
pub mod markings;
// `reports::reports`: the reports among taskings, templates and builds.
#[allow(clippy::module_inception)]
pub mod reports;
pub mod taskings;
pub mod templates;

use crate::AppError;
use crate::report_build::BuildError;

fn bad(field: &str, reason: impl Into<String>) -> AppError {
    AppError::invalid(field, reason)
}

fn build_err(e: BuildError) -> AppError {
    match e {
        BuildError::Invalid(m) => bad("build", m),
        BuildError::Store(s) => s.into(),
    }
}
