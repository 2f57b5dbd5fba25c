//! Access: every use case asks `check` (which calls the domain's `can`), reads records through
//! `load_visible` (hidden and missing read the same), checks writes with `check_create` and
//! `check_update`, and logs the reads of SBU material it hands out (`audit_reads`).

use crate::{Actor, App, AppError};
use chancery_domain::report::{Report, Tasking};
use chancery_domain::{
    Action, Case, Contents, Decision, Engagement, Marked, Marking, Policy, Principal, Record,
    RecordId, RedactionRequest, Resource, ResourceKind, Source, UserRef, ValidationErrors, can,
};
use chancery_store::{
    AuditEvent, CaseFilter, EngagementFilter, PolicyFilter, RedactionFilter, ReportFilter,
    SourceFilter, TaskingFilter, Versioned,
};
use serde::Serialize;
use serde_json::Value;

/// Asks the policy; a hidden resource answers as if it did not exist.
pub fn check(
    user: &Actor,
    action: Action,
    resource: &Resource,
    not_found: impl FnOnce() -> String,
) -> Result<(), AppError> {
    match can(&user.principal, action, resource) {
        Decision::Allow => Ok(()),
        Decision::Hidden(_) => Err(AppError::NotFound(not_found())),
        Decision::Forbidden(reason) => Err(AppError::Forbidden(reason.to_string())),
    }
}

/// Like `check` for creating or listing, where nothing exists yet that could be hidden: a
/// refusal is a plain 403.
pub fn check_open(user: &Actor, action: Action, resource: &Resource) -> Result<(), AppError> {
    match can(&user.principal, action, resource) {
        Decision::Allow => Ok(()),
        Decision::Hidden(reason) | Decision::Forbidden(reason) => {
            Err(AppError::Forbidden(reason.to_string()))
        }
    }
}

/// A record type served to users: stored with versions, marked, parsed from input, with its
/// free text and quotes for the checks on save.
pub trait AppRecord: Versioned + Marked + Contents + Serialize + 'static {
    /// What one is called in messages: "case".
    const NAME: &'static str;
    /// Where the collection lives in the API: "/api/v1/cases".
    const BASE: &'static str;
    /// Where its pages live: "/cases".
    const PAGES: &'static str;
    /// Whether every record this one references must be one its author may read. Not for a
    /// redaction request: the administrator asks to redact content they may not read.
    const REFERENCES_READABLE: bool = true;

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

    /// Completes a record read from the store with what depends on other records (a
    /// report's effective markings). Every read in this module runs it before anything is
    /// checked or shown.
    fn resolve<'a>(
        _app: &'a App,
        _data: &'a mut Self,
    ) -> impl std::future::Future<Output = Result<(), AppError>> + Send + 'a {
        async { Ok(()) }
    }
}

/// Resolves every record of a list (see [`AppRecord::resolve`]).
pub async fn resolve_all<T: AppRecord>(
    app: &App,
    records: &mut [Record<T>],
) -> Result<(), AppError> {
    for r in records {
        T::resolve(app, &mut r.data).await?;
    }
    Ok(())
}

impl AppRecord for Case {
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
}

impl AppRecord for Source {
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
}

impl AppRecord for Policy {
    const NAME: &'static str = "policy";
    const BASE: &'static str = "/api/v1/policies";
    const PAGES: &'static str = "/policies";

    fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        Policy::from_json(body)
    }

    fn check_change(current: &Self, next: &Self) -> Result<(), ValidationErrors> {
        current.check_change(next)
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
}

impl AppRecord for Engagement {
    const NAME: &'static str = "engagement";
    const BASE: &'static str = "/api/v1/engagements";
    const PAGES: &'static str = "/engagements";

    fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        Engagement::from_json(body)
    }

    fn check_change(current: &Self, next: &Self) -> Result<(), ValidationErrors> {
        current.check_change(next)
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
}

impl AppRecord for RedactionRequest {
    const NAME: &'static str = "redaction request";
    const BASE: &'static str = "/api/v1/redactions";
    const PAGES: &'static str = "/redactions";
    const REFERENCES_READABLE: bool = false;

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

impl AppRecord for Report {
    const NAME: &'static str = "report";
    const BASE: &'static str = "/api/v1/reports";
    const PAGES: &'static str = "/reports";

    fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        Report::from_json(body)
    }

    fn check_change(current: &Self, next: &Self) -> Result<(), ValidationErrors> {
        current.check_change(next)
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

    async fn resolve(app: &App, data: &mut Self) -> Result<(), AppError> {
        Ok(crate::reports::markings::resolve(&app.store, data).await?)
    }
}

impl AppRecord for Tasking {
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
}

/// A record as a user may see it: bookkeeping plus the data with fields above the user's
/// clearance withheld (named in the data's `withheld`).
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub id: RecordId,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: UserRef,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub updated_by: UserRef,
    pub content_hash: String,
    #[serde(flatten)]
    pub data: Value,
}

/// The view of `record` for a reader with `clearance`.
pub fn record_json<T: AppRecord>(record: &Record<T>, clearance: Marking) -> RecordView {
    RecordView {
        id: record.id,
        version: record.version,
        created_at: record.created_at,
        created_by: record.created_by.clone(),
        updated_at: record.updated_at,
        updated_by: record.updated_by.clone(),
        content_hash: record.content_hash.clone(),
        data: record.data.json_for(clearance),
    }
}

/// Logs the reads of SBU material a response is about to show (ids and hashes only).
pub async fn audit_reads<T: AppRecord>(
    app: &App,
    user: &Actor,
    action: &str,
    records: &[&Record<T>],
) -> Result<(), AppError> {
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
    app.store.audit(&user.ctx(), &events).await?;
    Ok(())
}

/// Loads a record the user may see, or answers 404 (whether it is missing or hidden).
pub async fn load_visible<T: AppRecord>(
    app: &App,
    user: &Actor,
    raw_id: &str,
) -> Result<Record<T>, AppError> {
    let not_found = || format!("no {} with id {raw_id}", T::NAME);
    let id = raw_id
        .parse::<i64>()
        .ok()
        .and_then(chancery_domain::RecordId::new)
        .ok_or_else(|| AppError::NotFound(not_found()))?;
    let mut record = app
        .store
        .get::<T>(id)
        .await?
        .ok_or_else(|| AppError::NotFound(not_found()))?;
    check(user, Action::Read, &record.data.policy(), not_found)?;
    T::resolve(app, &mut record.data).await?;
    Ok(record)
}

/// Checks that `user` may replace `current` by `next`: they may change the record, the new
/// version stays within what they may write, they can see every part of what they replace,
/// and the type's own rules hold.
pub fn check_update<T: AppRecord>(user: &Actor, current: &T, next: &T) -> Result<(), AppError> {
    check_open(user, Action::Update, &current.policy())?;
    if current.highest_marking() > user.principal.clearance() {
        return Err(AppError::Forbidden(format!(
            "this {} has SBU portions the account cannot see, so it cannot replace them",
            T::NAME
        )));
    }
    check_open(user, Action::Update, &next.policy())?;
    if next.highest_marking() > user.principal.clearance() {
        return Err(AppError::Forbidden(
            "an account without SBU access cannot write SBU material".into(),
        ));
    }
    T::check_change(current, next)?;
    Ok(())
}

/// Checks that `user` may create `data`.
pub fn check_create<T: AppRecord>(user: &Actor, data: &T) -> Result<(), AppError> {
    check_open(user, Action::Create, &data.policy())?;
    if data.highest_marking() > user.principal.clearance() {
        return Err(AppError::Forbidden(
            "an account without SBU access cannot write SBU material".into(),
        ));
    }
    Ok(())
}

/// A page of the records of a type that the user may see (the filter narrowed to the user's
/// scope and clearance), with the reads of SBU material logged.
pub async fn list<T: AppRecord>(
    app: &App,
    user: &Actor,
    mut filter: T::Filter,
    cursor: Option<&str>,
    limit: u32,
) -> Result<chancery_store::Page<T>, AppError> {
    check_open(user, Action::Read, &T::collection())?;
    T::scope(&mut filter, &user.principal);
    let mut page = app.store.list::<T>(&filter, cursor, limit).await?;
    resolve_all(app, &mut page.items).await?;
    let shown: Vec<&Record<T>> = page.items.iter().collect();
    audit_reads(app, user, "read", &shown).await?;
    Ok(page)
}

/// Every record of a type the user may see, up to 500 (the choices of a form; nothing shown
/// yet, so nothing logged).
pub async fn choices<T: AppRecord>(app: &App, user: &Actor) -> Result<Vec<Record<T>>, AppError> {
    let mut filter = T::Filter::default();
    T::scope(&mut filter, &user.principal);
    let mut items = app.store.list::<T>(&filter, None, 500).await?.items;
    resolve_all(app, &mut items).await?;
    Ok(items)
}

/// One version in a record's history: who wrote it when, its hash and its predecessor's, and
/// the data, or `None` when that version is marked above the reader's clearance.
pub struct HistoryItem<T> {
    pub info: chancery_domain::VersionInfo,
    pub data: Option<T>,
}

/// The history of a record the user may see, oldest first. An old version may have been
/// marked higher than the current one: each is checked, and each SBU version shown is logged.
pub async fn history<T: AppRecord>(
    app: &App,
    user: &Actor,
    raw_id: &str,
) -> Result<(Record<T>, Vec<HistoryItem<T>>), AppError> {
    let record = load_visible::<T>(app, user, raw_id).await?;
    let clearance = user.principal.clearance();
    let mut out = Vec::new();
    let mut events = Vec::new();
    for (info, mut data) in app.store.history::<T>(record.id).await? {
        T::resolve(app, &mut data).await?;
        if !user.principal.may_see(data.marking()) {
            out.push(HistoryItem { info, data: None });
            continue;
        }
        if data.marking_shown(clearance) == Marking::SBU {
            events.push(AuditEvent::record(
                "read_history",
                T::RECORD_TYPE,
                record.id.get(),
                info.version,
                &info.content_hash,
            ));
        }
        out.push(HistoryItem {
            info,
            data: Some(data),
        });
    }
    app.store.audit(&user.ctx(), &events).await?;
    Ok((record, out))
}

/// A version in the history as the API shows it: withheld, or its bookkeeping and data with
/// the fields above the reader's clearance withheld.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum HistoryView {
    Withheld {
        version: i64,
        withheld: bool,
    },
    Shown {
        version: i64,
        author: UserRef,
        created_at: chrono::DateTime<chrono::Utc>,
        content_hash: String,
        prev_hash: Option<String>,
        data: Value,
    },
}

impl<T: AppRecord> HistoryItem<T> {
    pub fn view(&self, clearance: Marking) -> HistoryView {
        match &self.data {
            None => HistoryView::Withheld {
                version: self.info.version,
                withheld: true,
            },
            Some(d) => HistoryView::Shown {
                version: self.info.version,
                author: self.info.author.clone(),
                created_at: self.info.created_at,
                content_hash: self.info.content_hash.clone(),
                prev_hash: self.info.prev_hash.clone(),
                data: d.json_for(clearance),
            },
        }
    }
}

/// A list as the API answers it when it has no pages: `{"items": [...]}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// What a record's reader should know about the sources it cites: each cited source that has
/// been retracted, with where it is cited (`source 3 (cited in citations[0]) has been
/// retracted`). Reports carry the same flags.
pub async fn retracted_flags<T: AppRecord>(app: &App, data: &T) -> Result<Vec<String>, AppError> {
    let mut flags = Vec::new();
    let mut checked: Vec<(RecordId, bool)> = Vec::new();
    for (path, id) in data.cited_sources() {
        let retracted = match checked.iter().find(|(c, _)| *c == id) {
            Some((_, r)) => *r,
            None => {
                let r = app.store.get::<Source>(id).await?.is_some_and(|s| {
                    s.data.status == chancery_domain::source::SourceStatus::Retracted
                });
                checked.push((id, r));
                r
            }
        };
        if retracted {
            flags.push(format!("source {id} (cited in {path}) has been retracted"));
        }
    }
    Ok(flags)
}

/// A record as the API answers a read of it: the view, and its flags.
#[derive(Debug, Clone, Serialize)]
pub struct FlaggedView {
    #[serde(flatten)]
    pub record: RecordView,
    pub flags: Vec<String>,
}

/// The record of a type with this id, if it exists and the user may read it (no read is
/// logged: the caller counts what it shows, e.g. with [`Shown`]).
pub async fn peek<T: AppRecord>(
    app: &App,
    user: &Actor,
    id: RecordId,
) -> Result<Option<Record<T>>, AppError> {
    let Some(mut r) = app
        .store
        .get::<T>(id)
        .await?
        .filter(|r| can(&user.principal, Action::Read, &r.data.policy()).allowed())
    else {
        return Ok(None);
    };
    T::resolve(app, &mut r.data).await?;
    Ok(Some(r))
}

/// What a page has shown so far: its highest marking and the reads of SBU material to log.
pub struct Shown {
    marking: Marking,
    events: Vec<AuditEvent>,
}

impl Default for Shown {
    fn default() -> Self {
        Shown::new()
    }
}

impl Shown {
    pub fn new() -> Self {
        Shown {
            marking: Marking::U,
            events: Vec::new(),
        }
    }

    /// Counts a record as shown (the caller has checked that the user may see it).
    pub fn add<T: AppRecord>(&mut self, r: &Record<T>, clearance: Marking) {
        let m = r.data.marking_shown(clearance);
        self.marking = self.marking.max(m);
        if m == Marking::SBU {
            self.events.push(AuditEvent::record(
                "read",
                <T as Versioned>::RECORD_TYPE,
                r.id.get(),
                r.version,
                &r.content_hash,
            ));
        }
    }

    /// Counts an SBU record shown through something computed from it (a report's preview).
    pub fn add_sbu_read(&mut self, record_type: &str, id: i64, version: i64, hash: &str) {
        self.marking = Marking::SBU;
        self.events
            .push(AuditEvent::record("read", record_type, id, version, hash));
    }

    /// Counts a record of which only the title is shown (a link to it).
    pub fn add_title<T: AppRecord>(&mut self, r: &Record<T>) {
        self.add(r, r.data.marking());
    }

    /// Logs the reads and answers the highest marking shown.
    pub async fn log(self, app: &App, user: &Actor) -> Result<Marking, AppError> {
        app.store.audit(&user.ctx(), &self.events).await?;
        Ok(self.marking)
    }
}

/// Whether the user may read a record.
pub fn may_read<T: AppRecord>(user: &Actor, r: &Record<T>) -> bool {
    can(&user.principal, Action::Read, &r.data.policy()).allowed()
}

/// Logs an action of the user that concerns no record (signing out).
pub async fn log_event(app: &App, user: &Actor, action: &str) -> Result<(), AppError> {
    app.store
        .audit(&user.ctx(), &[AuditEvent::new(action)])
        .await?;
    Ok(())
}

pub use chancery_store::Page;
