//! The bridge between routes and the policy: every handler asks `check` (which calls the
//! domain's `can`) and shapes what it returns with the user's clearance.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use chancery_domain::{
    Action, Case, Decision, Marked, Marking, Principal, Record, RedactionRequest, Resource,
    ResourceKind, Source, ValidationErrors, can,
};
use chancery_domain::{Citation, Engagement, Policy, RecordId};
use chancery_store::{
    AuditEvent, CaseFilter, EngagementFilter, PolicyFilter, RedactionFilter, SourceFilter,
    Versioned,
};
use serde::Serialize;
use serde_json::Value;

/// Asks the policy; a hidden resource answers as if it did not exist.
pub fn check(
    user: &CurrentUser,
    action: Action,
    resource: &Resource,
    not_found: impl FnOnce() -> String,
) -> Result<(), ApiError> {
    match can(&user.principal, action, resource) {
        Decision::Allow => Ok(()),
        Decision::Hidden(_) => Err(ApiError::NotFound(not_found())),
        Decision::Forbidden(reason) => Err(ApiError::Forbidden(reason.to_string())),
    }
}

/// Like `check` for creating or listing, where nothing exists yet that could be hidden: a
/// refusal is a plain 403.
pub fn check_open(user: &CurrentUser, action: Action, resource: &Resource) -> Result<(), ApiError> {
    match can(&user.principal, action, resource) {
        Decision::Allow => Ok(()),
        Decision::Hidden(reason) | Decision::Forbidden(reason) => {
            Err(ApiError::Forbidden(reason.to_string()))
        }
    }
}

/// A record type served to users: stored with versions, marked, parsed from input.
pub trait ApiRecord: Versioned + Marked + Serialize + 'static {
    /// What one is called in messages: "case".
    const NAME: &'static str;
    /// Where the collection lives in the API: "/api/v1/cases".
    const BASE: &'static str;
    /// Where its pages live: "/cases".
    const PAGES: &'static str;

    fn parse(body: &Value) -> Result<Self, ValidationErrors>;

    /// Rules between the stored record and its replacement.
    fn check_change(_current: &Self, _next: &Self) -> Result<(), ValidationErrors> {
        Ok(())
    }

    /// The facts the policy needs about this record.
    fn policy(&self) -> Resource<'_>;

    /// The collection, for listing and creating.
    fn collection() -> Resource<'static>;

    /// Narrows a list filter to what the user may see.
    fn scope(filter: &mut Self::Filter, user: &Principal);

    /// Every free-text field, with its path, for the PII check on save.
    fn texts(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Every quote the record attributes to a source: (field path, source, quoted text).
    /// Each is checked against the source's archived text before a write.
    fn quotes(&self) -> Vec<(String, RecordId, String)> {
        Vec::new()
    }
}

fn cited_quotes(prefix: &str, citations: &[Citation]) -> Vec<(String, RecordId, String)> {
    citations
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            c.quote.as_ref().map(|q| {
                (
                    format!("{prefix}citations[{i}].quote"),
                    c.source_id,
                    q.clone(),
                )
            })
        })
        .collect()
}

impl ApiRecord for Case {
    const NAME: &'static str = "case";
    const BASE: &'static str = "/api/v1/cases";
    const PAGES: &'static str = "/cases";

    fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        Case::from_json(body)
    }

    fn check_change(current: &Self, next: &Self) -> Result<(), ValidationErrors> {
        current.check_change(next)
    }

    fn policy(&self) -> Resource<'_> {
        Resource::case(self.marking, &self.post)
    }

    fn collection() -> Resource<'static> {
        Resource::of(ResourceKind::Case)
    }

    fn scope(filter: &mut CaseFilter, user: &Principal) {
        filter.scope_post = user.post_scope().cloned();
        filter.max_marking = Some(user.clearance());
    }

    fn texts(&self) -> Vec<(String, String)> {
        let d = &self.detail;
        let mut out = vec![
            ("title".to_string(), self.title.as_str().to_string()),
            ("summary".to_string(), self.summary.as_str().to_string()),
        ];
        for (i, p) in d.parties.iter().enumerate() {
            out.push((format!("parties[{i}].label"), p.label.as_str().to_string()));
            for (j, s) in p.described_as.iter().enumerate() {
                if let Some(v) = &s.value {
                    out.push((
                        format!("parties[{i}].described_as[{j}].value"),
                        v.as_str().to_string(),
                    ));
                }
            }
        }
        for (i, t) in d.timeline.iter().enumerate() {
            if let Some(n) = &t.note {
                out.push((format!("timeline[{i}].note"), n.as_str().to_string()));
            }
        }
        for (i, o) in d.outcomes.iter().enumerate() {
            if let Some(a) = &o.appeal {
                out.push((format!("outcomes[{i}].appeal"), a.as_str().to_string()));
            }
        }
        out
    }

    fn quotes(&self) -> Vec<(String, RecordId, String)> {
        self.all_citations()
            .into_iter()
            .filter_map(|(path, c)| {
                c.quote
                    .as_ref()
                    .map(|q| (format!("{path}.quote"), c.source_id, q.clone()))
            })
            .collect()
    }
}

impl ApiRecord for Source {
    const NAME: &'static str = "source";
    const BASE: &'static str = "/api/v1/sources";
    const PAGES: &'static str = "/sources";

    fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        Source::from_json(body)
    }

    fn policy(&self) -> Resource<'_> {
        Resource::source(self.marking)
    }

    fn collection() -> Resource<'static> {
        Resource::of(ResourceKind::Source)
    }

    fn scope(filter: &mut SourceFilter, user: &Principal) {
        filter.max_marking = Some(user.clearance());
    }

    fn texts(&self) -> Vec<(String, String)> {
        let mut out = vec![("title".to_string(), self.title.as_str().to_string())];
        if let Some(t) = &self.title_en {
            out.push(("title_en".into(), t.as_str().to_string()));
        }
        if let Some(r) = &self.status_reason {
            out.push(("status_reason".into(), r.as_str().to_string()));
        }
        out
    }
}

impl ApiRecord for Policy {
    const NAME: &'static str = "policy";
    const BASE: &'static str = "/api/v1/policies";
    const PAGES: &'static str = "/policies";

    fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        Policy::from_json(body)
    }

    fn check_change(current: &Self, next: &Self) -> Result<(), ValidationErrors> {
        if current.post != next.post {
            return Err(chancery_domain::FieldError::new(
                "post",
                "a policy belongs to the post that recorded it",
            )
            .into());
        }
        Ok(())
    }

    fn policy(&self) -> Resource<'_> {
        Resource::owned(ResourceKind::Policy, self.marking, &self.post)
    }

    fn collection() -> Resource<'static> {
        Resource::of(ResourceKind::Policy)
    }

    fn scope(filter: &mut PolicyFilter, user: &Principal) {
        filter.scope_post = user.post_scope().cloned();
        filter.max_marking = Some(user.clearance());
    }

    fn texts(&self) -> Vec<(String, String)> {
        let mut out = vec![("title".to_string(), self.title.as_str().to_string())];
        if let Some(a) = &self.assessment {
            out.push(("assessment".into(), a.as_str().to_string()));
        }
        for (i, v) in self.versions.iter().enumerate() {
            out.push((
                format!("versions[{i}].summary"),
                v.summary.as_str().to_string(),
            ));
        }
        out
    }

    fn quotes(&self) -> Vec<(String, RecordId, String)> {
        self.versions
            .iter()
            .enumerate()
            .flat_map(|(i, v)| cited_quotes(&format!("versions[{i}]."), &v.citations))
            .collect()
    }
}

impl ApiRecord for Engagement {
    const NAME: &'static str = "engagement";
    const BASE: &'static str = "/api/v1/engagements";
    const PAGES: &'static str = "/engagements";

    fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        Engagement::from_json(body)
    }

    fn check_change(current: &Self, next: &Self) -> Result<(), ValidationErrors> {
        if current.post != next.post {
            return Err(chancery_domain::FieldError::new(
                "post",
                "an engagement belongs to the post that recorded it",
            )
            .into());
        }
        Ok(())
    }

    fn policy(&self) -> Resource<'_> {
        Resource::owned(ResourceKind::Engagement, self.marking, &self.post)
    }

    fn collection() -> Resource<'static> {
        Resource::of(ResourceKind::Engagement)
    }

    fn scope(filter: &mut EngagementFilter, user: &Principal) {
        filter.scope_post = user.post_scope().cloned();
        filter.max_marking = Some(user.clearance());
    }

    fn texts(&self) -> Vec<(String, String)> {
        let mut out = vec![("title".to_string(), self.title.as_str().to_string())];
        for (i, t) in self.talking_points.iter().enumerate() {
            out.push((format!("talking_points[{i}]"), t.as_str().to_string()));
        }
        if let Some(r) = &self.response {
            out.push(("response".into(), r.as_str().to_string()));
        }
        for (i, f) in self.follow_ups.iter().enumerate() {
            out.push((
                format!("follow_ups[{i}].action"),
                f.action.as_str().to_string(),
            ));
        }
        if let Some(a) = &self.assistance_offered {
            out.push(("assistance_offered".into(), a.as_str().to_string()));
        }
        out
    }

    fn quotes(&self) -> Vec<(String, RecordId, String)> {
        cited_quotes("", &self.citations)
    }
}

impl ApiRecord for RedactionRequest {
    const NAME: &'static str = "redaction request";
    const BASE: &'static str = "/api/v1/redactions";
    const PAGES: &'static str = "/redactions";

    fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        RedactionRequest::from_json(body)
    }

    fn policy(&self) -> Resource<'_> {
        Resource::of(ResourceKind::Redaction)
    }

    fn collection() -> Resource<'static> {
        Resource::of(ResourceKind::Redaction)
    }

    fn scope(_filter: &mut RedactionFilter, _user: &Principal) {}
}

/// A record as a user may see it: bookkeeping plus the data with fields above the user's
/// clearance withheld.
pub fn record_json<T: ApiRecord>(record: &Record<T>, clearance: Marking) -> Value {
    let mut v = serde_json::json!({
        "id": record.id,
        "version": record.version,
        "created_at": record.created_at,
        "created_by": record.created_by,
        "updated_at": record.updated_at,
        "updated_by": record.updated_by,
        "content_hash": record.content_hash,
    });
    if let (Value::Object(out), Value::Object(data)) = (&mut v, record.data.json_for(clearance)) {
        out.extend(data);
    }
    v
}

/// Logs the reads of SBU material a response is about to show (ids and hashes only).
pub async fn audit_reads<T: ApiRecord>(
    state: &AppState,
    user: &CurrentUser,
    action: &str,
    records: &[&Record<T>],
) -> Result<(), ApiError> {
    let clearance = user.principal.clearance();
    let events: Vec<AuditEvent> = records
        .iter()
        .filter(|r| r.data.marking_shown(clearance) == Marking::SBU)
        .map(|r| {
            AuditEvent::record(
                action,
                T::RECORD_TYPE,
                r.id.get(),
                r.version,
                &r.content_hash,
            )
        })
        .collect();
    state.store.audit(&user.ctx(), &events).await?;
    Ok(())
}

/// Loads a record the user may see, or answers 404 (whether it is missing or hidden).
pub async fn load_visible<T: ApiRecord>(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
) -> Result<Record<T>, ApiError> {
    let not_found = || format!("no {} with id {raw_id}", T::NAME);
    let id = raw_id
        .parse::<i64>()
        .ok()
        .and_then(chancery_domain::RecordId::new)
        .ok_or_else(|| ApiError::NotFound(not_found()))?;
    let record = state
        .store
        .get::<T>(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(not_found()))?;
    check(user, Action::Read, &record.data.policy(), not_found)?;
    Ok(record)
}

/// Checks that `user` may replace `current` by `next`: they may change the record, the new
/// version stays within what they may write, they can see every part of what they replace,
/// and the type's own rules hold.
pub fn check_update<T: ApiRecord>(
    user: &CurrentUser,
    current: &T,
    next: &T,
) -> Result<(), ApiError> {
    check_open(user, Action::Update, &current.policy())?;
    if current.highest_marking() > user.principal.clearance() {
        return Err(ApiError::Forbidden(format!(
            "this {} has SBU portions the account cannot see, so it cannot replace them",
            T::NAME
        )));
    }
    check_open(user, Action::Update, &next.policy())?;
    if next.highest_marking() > user.principal.clearance() {
        return Err(ApiError::Forbidden(
            "an account without SBU access cannot write SBU material".into(),
        ));
    }
    T::check_change(current, next)?;
    Ok(())
}

/// Checks that `user` may create `data`.
pub fn check_create<T: ApiRecord>(user: &CurrentUser, data: &T) -> Result<(), ApiError> {
    check_open(user, Action::Create, &data.policy())?;
    if data.highest_marking() > user.principal.clearance() {
        return Err(ApiError::Forbidden(
            "an account without SBU access cannot write SBU material".into(),
        ));
    }
    Ok(())
}
