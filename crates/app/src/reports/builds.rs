//! Builds: make one, hand out its outputs (audited when they show SBU material), and diff two.

use super::build_err;
use crate::access::{AppRecord, check_open, load_visible};
use crate::report_build::{self, Format};
use crate::{Actor, App, AppError};
use chancery_domain::access::Action;
use chancery_domain::report::Report;
use chancery_domain::{Marking, RecordId};
use chancery_store::ReportBuild;
pub async fn make_build(state: &App, user: &Actor, raw: &str) -> Result<ReportBuild, AppError> {
    let r = load_visible::<Report>(state, user, raw).await?;
    check_open(user, Action::Update, &r.data.policy())?;
    report_build::build(&state.store, &r, &user.ctx())
        .await
        .map_err(build_err)
}

/// A build the user may see (through its report).
pub async fn load_build(state: &App, user: &Actor, raw: &str) -> Result<ReportBuild, AppError> {
    let not_found = || AppError::NotFound(format!("no build with id {raw}"));
    let id: i64 = raw.parse().map_err(|_| not_found())?;
    let b = state.store.report_build(id).await?.ok_or_else(not_found)?;
    load_visible::<Report>(state, user, &b.report_id.to_string())
        .await
        .map_err(|_| not_found())?;
    Ok(b)
}

/// The audit entry for a read of a build's SBU content: its id and snapshot hash, never text.
pub fn build_read(b: &ReportBuild) -> chancery_store::AuditEvent {
    let mut e = chancery_store::AuditEvent::new("read");
    e.record_type = Some("report_build".into());
    e.record_id = Some(b.id);
    e.version = Some(b.report_version);
    e.content_hash = Some(b.snapshot_sha256.clone());
    e
}

/// A rendered build, ready to hand out.
#[derive(Debug, Clone)]
pub struct Output {
    pub bytes: Vec<u8>,
    pub format: Format,
    /// Whether this is the public edition.
    pub public: bool,
    /// "report-4-build-2-public.pdf".
    pub file_name: String,
}

/// Whether the internal edition of a build holds SBU paragraphs (handing it out is then an
/// audited read).
pub fn holds_sbu(b: &ReportBuild) -> Result<bool, AppError> {
    Ok(report_build::read_snapshot(b)
        .map_err(build_err)?
        .doc
        .banner()
        == Marking::SBU)
}

/// Renders a build for a user: the internal edition only with SBU access. Handing out an
/// internal edition that holds SBU paragraphs is a read of SBU material: it is audited (the
/// build's id and its snapshot's sha256, never text).
pub async fn output(
    state: &App,
    user: &Actor,
    b: &ReportBuild,
    format: &str,
    public: bool,
) -> Result<Output, AppError> {
    let f = Format::parse(format).map_err(AppError::NotFound)?;
    let public = public || !user.principal.may_see(Marking::SBU);
    let bytes = report_build::render(b, f, public).map_err(build_err)?;
    if !public && holds_sbu(b)? {
        state.store.audit(&user.ctx(), &[build_read(b)]).await?;
    }
    let file_name = format!(
        "report-{}-build-{}{}.{}",
        b.report_id,
        b.id,
        if public { "-public" } else { "" },
        f.extension()
    );
    Ok(Output {
        bytes,
        format: f,
        public,
        file_name,
    })
}

/// The diff between two builds, paragraph by paragraph, as the user may see them.
pub async fn diff_builds(
    state: &App,
    user: &Actor,
    a: &str,
    b: &str,
) -> Result<
    (
        ReportBuild,
        ReportBuild,
        Vec<(String, &'static str, String)>,
    ),
    AppError,
> {
    let ba = load_build(state, user, a).await?;
    let bb = load_build(state, user, b).await?;
    let mut sa = report_build::read_snapshot(&ba).map_err(build_err)?;
    let mut sb = report_build::read_snapshot(&bb).map_err(build_err)?;
    if !user.principal.may_see(Marking::SBU) {
        sa.doc = sa.doc.public();
        sb.doc = sb.doc.public();
    } else {
        // Comparing internal editions with SBU paragraphs reads them: audited per build.
        let events: Vec<chancery_store::AuditEvent> = [(&ba, &sa), (&bb, &sb)]
            .into_iter()
            .filter(|(_, s)| s.doc.banner() == Marking::SBU)
            .map(|(b, _)| build_read(b))
            .collect();
        state.store.audit(&user.ctx(), &events).await?;
    }
    let d = report_build::diff(&sa, &sb);
    Ok((ba, bb, d))
}

/// A build as the API lists it: what it pins, without the snapshot itself.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BuildSummary {
    pub id: i64,
    pub report_id: i64,
    pub report_version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub snapshot_sha256: String,
}

impl From<&ReportBuild> for BuildSummary {
    fn from(b: &ReportBuild) -> Self {
        BuildSummary {
            id: b.id,
            report_id: b.report_id,
            report_version: b.report_version,
            created_at: b.created_at,
            snapshot_sha256: b.snapshot_sha256.clone(),
        }
    }
}

/// A build in a report's list, with its author and what has changed since it was made.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BuildListed {
    #[serde(flatten)]
    pub build: BuildSummary,
    pub created_by: String,
    pub flags: Vec<String>,
}

/// The builds of a report the user may see, newest first, each with its flags.
pub async fn builds_of(state: &App, user: &Actor, raw: &str) -> Result<Vec<BuildListed>, AppError> {
    let r = load_visible::<Report>(state, user, raw).await?;
    let mut items = Vec::new();
    for b in state.store.report_builds(r.id).await? {
        let snap = report_build::read_snapshot(&b).map_err(build_err)?;
        let flags = report_build::flags(&state.store, &snap).await?;
        let flags = super::markings::visible_flags(state, user, flags).await?;
        items.push(BuildListed {
            build: BuildSummary::from(&b),
            created_by: b.author.clone(),
            flags,
        });
    }
    Ok(items)
}

/// One paragraph's change between two builds.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ParagraphChange {
    pub paragraph: String,
    /// "added", "removed" or "changed".
    pub change: &'static str,
    pub detail: String,
}

/// What changed between two builds.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BuildDiff {
    pub from: i64,
    pub to: i64,
    pub changes: Vec<ParagraphChange>,
}

impl BuildDiff {
    pub fn new(
        from: &ReportBuild,
        to: &ReportBuild,
        d: Vec<(String, &'static str, String)>,
    ) -> BuildDiff {
        BuildDiff {
            from: from.id,
            to: to.id,
            changes: d
                .into_iter()
                .map(|(paragraph, change, detail)| ParagraphChange {
                    paragraph,
                    change,
                    detail,
                })
                .collect(),
        }
    }
}

/// A build by id, for the command line, which has no signed-in user: only the public
/// edition, or an internal one without SBU paragraphs, may be rendered this way. Handing out
/// SBU paragraphs is an audited read, so it needs an account ([`output`] with an actor).
pub async fn output_unattributed(
    state: &App,
    id: i64,
    format: &str,
    public: bool,
) -> Result<Output, AppError> {
    let f = Format::parse(format).map_err(AppError::NotFound)?;
    let b = state
        .store
        .report_build(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no build with id {id}")))?;
    if !public && holds_sbu(&b)? {
        return Err(AppError::invalid(
            "--as",
            format!(
                "build {id} holds SBU paragraphs: handing out its internal edition is an audited read by an account; \
                 pass --as EMAIL (or --public for the public edition)"
            ),
        ));
    }
    let bytes = report_build::render(&b, f, public).map_err(build_err)?;
    let file_name = format!(
        "report-{}-build-{}{}.{}",
        b.report_id,
        b.id,
        if public { "-public" } else { "" },
        f.extension()
    );
    Ok(Output {
        bytes,
        format: f,
        public,
        file_name,
    })
}

/// The builds of a report, newest first (for the command line's listing).
pub async fn all_builds_of(state: &App, report_id: i64) -> Result<Vec<ReportBuild>, AppError> {
    let id = RecordId::new(report_id)
        .ok_or_else(|| AppError::invalid("REPORT_ID", format!("{report_id} is not a report id")))?;
    Ok(state.store.report_builds(id).await?)
}

/// The report resolved as a build would be, without storing it (the report page's preview):
/// build 0, made now.
pub async fn preview(
    state: &App,
    report: &chancery_domain::Record<Report>,
) -> Result<report_build::Snapshot, report_build::BuildError> {
    report_build::snapshot(&state.store, report, 0, state.clock.now()).await
}

/// A report's builds, newest first, each with its flags (a snapshot that no longer reads is
/// itself the flag).
pub async fn builds_with_flags(
    state: &App,
    user: &Actor,
    report: &chancery_domain::Record<Report>,
) -> Result<Vec<(ReportBuild, Vec<String>)>, AppError> {
    let mut out = Vec::new();
    for b in state.store.report_builds(report.id).await? {
        let flags = match report_build::read_snapshot(&b) {
            Ok(snap) => {
                let flags = report_build::flags(&state.store, &snap).await?;
                super::markings::visible_flags(state, user, flags).await?
            }
            Err(e) => vec![e.to_string()],
        };
        out.push((b, flags));
    }
    Ok(out)
}
