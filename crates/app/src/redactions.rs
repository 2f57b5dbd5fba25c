//! Redaction requests: an administrator asks for a field to be removed from every stored
//! version of a record; an HQ editor approves (which applies it) or rejects. Requests are SBU
//! (their reason may repeat the text), so only those roles with SBU access see them.

use crate::access::{check, load_visible};
use crate::{Actor, App, AppError};
use chancery_domain::{Action, Record, RedactionRequest, Resource, ResourceKind};
use chancery_store::{AppliedRedaction, RedactionFilter};
use serde::Serialize;

fn collection() -> Resource<'static> {
    Resource::of(ResourceKind::Redaction)
}

/// Every redaction request (up to 500, newest first), for the roles that may see them.
pub async fn requests(app: &App, user: &Actor) -> Result<Vec<Record<RedactionRequest>>, AppError> {
    check(user, Action::Read, &collection(), || "no such list".into())?;
    Ok(app
        .store
        .list::<RedactionRequest>(&RedactionFilter::default(), None, 500)
        .await?
        .items)
}

/// Checks that the user may ask for a redaction (before the request goes through saving).
pub fn may_request(user: &Actor) -> Result<(), AppError> {
    check(user, Action::RequestRedaction, &collection(), || {
        "no such list".into()
    })
}

/// What a decision did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Decision {
    pub request_id: i64,
    /// "approved" or "rejected".
    pub status: &'static str,
    pub record_type: String,
    pub record_id: i64,
    pub field: String,
    pub versions_changed: i64,
    /// Builds made before the redaction that held the text, now rewritten (with a new
    /// snapshot hash, recorded in the audit log).
    pub builds_changed: i64,
}

/// Approves (and applies) or rejects a request, naming the version read.
pub async fn decide(
    app: &App,
    user: &Actor,
    raw_id: &str,
    expected: i64,
    approve: bool,
) -> Result<AppliedRedaction, AppError> {
    let request = load_visible::<RedactionRequest>(app, user, raw_id).await?;
    check(user, Action::DecideRedaction, &collection(), || {
        format!("no redaction request with id {raw_id}")
    })?;
    Ok(app
        .store
        .decide_redaction(request.id, expected, approve, &user.ctx())
        .await?)
}

impl Decision {
    pub fn new(applied: AppliedRedaction, approve: bool) -> Decision {
        Decision {
            request_id: applied.request_id,
            status: if approve { "approved" } else { "rejected" },
            record_type: applied.record_type,
            record_id: applied.record_id,
            field: applied.field,
            versions_changed: applied.versions_changed,
            builds_changed: applied.builds_changed,
        }
    }
}
