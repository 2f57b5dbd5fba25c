//! Reports: taskings, templates headquarters edits, and reports as versioned records (see
//! `records`), plus clearance comments on paragraphs and builds, each build a pinned snapshot.

use crate::audit::{AuditCtx, AuditEvent, audit_append};
use crate::records::{Cell, Filter, RefKey, Reference, Versioned, now};
use crate::{BeginWrite, Store, StoreError, sha256_hex, with_pool};
use chancery_domain::report::{BlockSpec, CitedKind, Report, Tasking, Template};
use chancery_domain::{PostSlug, RecordId, ValidationErrors};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::Row;

fn post_ref(path: String, post: &PostSlug, index_sql: Option<&'static str>) -> Reference {
    Reference {
        path,
        target: "posts",
        what: "post",
        key_column: "slug",
        key: RefKey::Text(post.as_str().into()),
        index_sql,
        extra: None,
    }
}

fn id_ref(
    path: String,
    target: &'static str,
    what: &'static str,
    id: RecordId,
    index_sql: Option<&'static str>,
) -> Reference {
    Reference {
        path,
        target,
        what,
        key_column: "id",
        key: RefKey::Id(id.get()),
        index_sql,
        extra: None,
    }
}

/// Filters on taskings: those addressed to a post (via the index), or all.
#[derive(Debug, Clone, Default)]
pub struct TaskingFilter {
    pub template_key: Option<String>,
}

impl Filter for TaskingFilter {
    fn conditions(&self) -> Vec<(&'static str, String)> {
        self.template_key
            .iter()
            .map(|k| ("template_key", k.clone()))
            .collect()
    }
}

impl Versioned for Tasking {
    const RECORD_TYPE: &'static str = "tasking";
    const HEAD: &'static str = "taskings";
    const VERSIONS: &'static str = "tasking_versions";
    const CLEAR_INDEX: &'static [&'static str] =
        &["DELETE FROM tasking_posts WHERE tasking_id = $1"];
    const COLUMNS: &'static [&'static str] = &["template_key", "due", "recurrence"];
    type Filter = TaskingFilter;

    fn head_values(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.template_key.as_str()),
            Cell::text(&self.due.to_string()),
            Cell::text(self.recurrence.as_str()),
        ]
    }

    fn body(&self) -> Value {
        self.to_json()
    }

    fn from_body(body: &Value) -> Result<Self, ValidationErrors> {
        Tasking::from_json(body)
    }

    fn references(&self) -> Vec<Reference> {
        self.posts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                post_ref(
                    format!("posts[{i}]"),
                    p,
                    Some("INSERT INTO tasking_posts (tasking_id, post) VALUES ($1, $2) ON CONFLICT DO NOTHING"),
                )
            })
            .collect()
    }
}

#[derive(Debug, Clone, Default)]
pub struct TemplateFilter {
    pub key: Option<String>,
}

impl Filter for TemplateFilter {
    fn conditions(&self) -> Vec<(&'static str, String)> {
        self.key
            .iter()
            .map(|k| ("template_key", k.clone()))
            .collect()
    }
}

impl Versioned for Template {
    const RECORD_TYPE: &'static str = "template";
    const HEAD: &'static str = "templates";
    const VERSIONS: &'static str = "template_versions";
    const COLUMNS: &'static [&'static str] = &["template_key"];
    type Filter = TemplateFilter;

    fn head_values(&self) -> Vec<Cell> {
        vec![Cell::text(self.key.as_str())]
    }

    fn body(&self) -> Value {
        self.to_json()
    }

    fn from_body(body: &Value) -> Result<Self, ValidationErrors> {
        Template::from_json(body)
    }
}

/// Filters on reports. `scope_post` is what the user may see at all.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub post: Option<PostSlug>,
    pub scope_post: Option<PostSlug>,
    pub state: Option<String>,
}

impl Filter for ReportFilter {
    fn conditions(&self) -> Vec<(&'static str, String)> {
        let mut c = Vec::new();
        for p in [&self.post, &self.scope_post].into_iter().flatten() {
            c.push(("post", p.as_str().to_string()));
        }
        if let Some(s) = &self.state {
            c.push(("state", s.clone()));
        }
        c
    }
}

const REPORT_SOURCES: &str =
    "INSERT INTO report_sources (report_id, source_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const REPORT_CASES: &str =
    "INSERT INTO report_cases (report_id, case_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";

impl Versioned for Report {
    const RECORD_TYPE: &'static str = "report";
    const HEAD: &'static str = "reports";
    const VERSIONS: &'static str = "report_versions";
    const CLEAR_INDEX: &'static [&'static str] = &[
        "DELETE FROM report_sources WHERE report_id = $1",
        "DELETE FROM report_cases WHERE report_id = $1",
    ];
    const COLUMNS: &'static [&'static str] =
        &["post", "tasking_id", "due", "template_key", "state"];
    type Filter = ReportFilter;

    fn head_values(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.post.as_str()),
            Cell::OptInt(self.tasking_id.map(|t| t.get())),
            Cell::Text(self.due.map(|d| d.to_string())),
            Cell::text(self.template_key.as_str()),
            Cell::text(self.state.as_str()),
        ]
    }

    fn body(&self) -> Value {
        self.to_json()
    }

    fn from_body(body: &Value) -> Result<Self, ValidationErrors> {
        Report::from_json(body)
    }

    fn references(&self) -> Vec<Reference> {
        let mut refs = vec![post_ref("post".into(), &self.post, None)];
        if let Some(t) = self.tasking_id {
            refs.push(id_ref("tasking_id".into(), "taskings", "tasking", t, None));
        }
        for (si, s) in self.sections.iter().enumerate() {
            for (pi, p) in s.paragraphs.iter().enumerate() {
                let base = format!("sections[{si}].paragraphs[{pi}]");
                for (ci, c) in p.citations.iter().enumerate() {
                    let path = format!("{base}.citations[{ci}].id");
                    refs.push(match c.kind {
                        CitedKind::Source => {
                            id_ref(path, "sources", "source", c.id, Some(REPORT_SOURCES))
                        }
                        CitedKind::Case => id_ref(path, "cases", "case", c.id, Some(REPORT_CASES)),
                        CitedKind::Policy => id_ref(path, "policies", "policy", c.id, None),
                        CitedKind::Engagement => {
                            id_ref(path, "engagements", "engagement", c.id, None)
                        }
                    });
                }
                if let Some(BlockSpec::CaseComparison { cases, .. }) = &p.block {
                    for (ci, c) in cases.iter().enumerate() {
                        refs.push(id_ref(
                            format!("{base}.block.cases[{ci}]"),
                            "cases",
                            "case",
                            *c,
                            Some(REPORT_CASES),
                        ));
                    }
                }
            }
        }
        refs
    }
}

/// A clearance comment on one paragraph.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ReportComment {
    pub id: i64,
    pub report_id: i64,
    pub report_version: i64,
    pub paragraph: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub author: String,
}

/// A build: the pinned snapshot of a report at one version.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportBuild {
    pub id: i64,
    pub report_id: i64,
    pub report_version: i64,
    pub snapshot: String,
    /// A commitment: sha256 over `snapshot_salt` and the snapshot (`commit_snapshot`).
    pub snapshot_sha256: String,
    /// The salt (hex) of `snapshot_sha256`; replaced when a redaction rewrites the snapshot.
    #[serde(skip)]
    pub snapshot_salt: Option<String>,
    pub created_at: DateTime<Utc>,
    pub author: String,
}

fn read_build<R: Row>(r: &R) -> Result<ReportBuild, sqlx::Error>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'q> i64: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
    for<'q> String: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
    for<'q> Option<String>: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
    for<'q> DateTime<Utc>: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
{
    Ok(ReportBuild {
        id: r.try_get("id")?,
        report_id: r.try_get("report_id")?,
        report_version: r.try_get("report_version")?,
        snapshot: r.try_get("snapshot")?,
        snapshot_sha256: r.try_get("snapshot_sha256")?,
        snapshot_salt: r.try_get("snapshot_salt")?,
        created_at: r.try_get("created_at")?,
        author: r.try_get("author")?,
    })
}

const SELECT_BUILD: &str = "SELECT b.id, b.report_id, b.report_version, b.snapshot, b.snapshot_sha256, b.snapshot_salt, b.created_at, u.display_name AS author
     FROM report_builds b JOIN users u ON u.id = b.created_by";

impl Store {
    /// Taskings addressed to a post, newest first (ids).
    pub async fn taskings_for_post(&self, post: &PostSlug) -> Result<Vec<RecordId>, StoreError> {
        with_pool!(self, p => {
            let rows = sqlx::query("SELECT tasking_id FROM tasking_posts WHERE post = $1 ORDER BY tasking_id DESC")
                .bind(post.as_str())
                .fetch_all(p)
                .await?;
            rows.iter()
                .map(|r| Ok(RecordId::new(r.try_get::<i64, _>("tasking_id")?).expect("positive id")))
                .collect()
        })
    }

    /// Reports answering a tasking: (report id, post, due date, state), oldest first.
    pub async fn reports_for_tasking(
        &self,
        tasking: RecordId,
    ) -> Result<Vec<(i64, String, Option<String>, String)>, StoreError> {
        with_pool!(self, p => {
            let rows = sqlx::query("SELECT id, post, due, state FROM reports WHERE tasking_id = $1 ORDER BY id")
                .bind(tasking.get())
                .fetch_all(p)
                .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("id")?, r.try_get("post")?, r.try_get("due")?, r.try_get("state")?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }

    /// Reports whose current version cites or embeds a source / a case.
    pub async fn reports_using(
        &self,
        sources: &[i64],
        cases: &[i64],
    ) -> Result<Vec<i64>, StoreError> {
        let mut out = Vec::new();
        with_pool!(self, p => {
            for s in sources {
                for r in sqlx::query("SELECT report_id FROM report_sources WHERE source_id = $1")
                    .bind(*s).fetch_all(p).await? {
                    out.push(r.try_get::<i64, _>("report_id")?);
                }
            }
            for c in cases {
                for r in sqlx::query("SELECT report_id FROM report_cases WHERE case_id = $1")
                    .bind(*c).fetch_all(p).await? {
                    out.push(r.try_get::<i64, _>("report_id")?);
                }
            }
        });
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    pub async fn add_report_comment(
        &self,
        report: RecordId,
        report_version: i64,
        paragraph: &str,
        body: &str,
        ctx: &AuditCtx,
    ) -> Result<i64, StoreError> {
        let author = ctx
            .actor
            .ok_or_else(|| StoreError::Config("commenting needs an acting user".into()))?;
        let now = now();
        let id = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let id: i64 = sqlx::query(
                "INSERT INTO report_comments (report_id, report_version, paragraph, body, created_at, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(report.get()).bind(report_version).bind(paragraph).bind(body)
            .bind(now).bind(author.0)
            .fetch_one(&mut *tx).await?
            .try_get("id")?;
            let mut e = AuditEvent::new("comment");
            e.record_type = Some("report".into());
            e.record_id = Some(report.get());
            e.content_hash = Some(sha256_hex(body));
            audit_append!(tx, ctx, [e]);
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    pub async fn report_comments(
        &self,
        report: RecordId,
    ) -> Result<Vec<ReportComment>, StoreError> {
        with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT c.id, c.report_id, c.report_version, c.paragraph, c.body, c.created_at, u.display_name AS author
                 FROM report_comments c JOIN users u ON u.id = c.created_by
                 WHERE c.report_id = $1 ORDER BY c.id",
            )
            .bind(report.get())
            .fetch_all(p)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(ReportComment {
                        id: r.try_get("id")?,
                        report_id: r.try_get("report_id")?,
                        report_version: r.try_get("report_version")?,
                        paragraph: r.try_get("paragraph")?,
                        body: r.try_get("body")?,
                        created_at: r.try_get("created_at")?,
                        author: r.try_get("author")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }

    /// Stores a build made at `built_at`. `snapshot` is called with the new build's id and
    /// returns the snapshot text; the build and its audit entry are written in one transaction.
    pub async fn add_report_build(
        &self,
        report: RecordId,
        report_version: i64,
        built_at: DateTime<Utc>,
        ctx: &AuditCtx,
        snapshot: impl FnOnce(i64) -> String,
    ) -> Result<ReportBuild, StoreError> {
        let author = ctx
            .actor
            .ok_or_else(|| StoreError::Config("a build needs an acting user".into()))?;
        let now = built_at;
        let id = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let id: i64 = sqlx::query(
                "INSERT INTO report_builds (report_id, report_version, snapshot, snapshot_sha256, created_at, created_by)
                 VALUES ($1, $2, '', '', $3, $4) RETURNING id",
            )
            .bind(report.get()).bind(report_version).bind(now).bind(author.0)
            .fetch_one(&mut *tx).await?
            .try_get("id")?;
            let text = snapshot(id);
            let (salt, hash) = commit_snapshot(&text);
            sqlx::query("UPDATE report_builds SET snapshot = $1, snapshot_salt = $2, snapshot_sha256 = $3 WHERE id = $4")
                .bind(&text).bind(salt).bind(&hash).bind(id)
                .execute(&mut *tx).await?;
            let mut e = AuditEvent::new("build");
            e.record_type = Some("report".into());
            e.record_id = Some(report.get());
            e.version = Some(report_version);
            e.content_hash = Some(hash);
            audit_append!(tx, ctx, [e]);
            tx.commit().await?;
            id
        });
        self.report_build(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn report_build(&self, id: i64) -> Result<Option<ReportBuild>, StoreError> {
        let q = format!("{SELECT_BUILD} WHERE b.id = $1");
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(q)).bind(id).fetch_optional(p).await?;
            Ok(match row {
                Some(r) => Some(read_build(&r)?),
                None => None,
            })
        })
    }

    /// A report's builds, newest first.
    pub async fn report_builds(&self, report: RecordId) -> Result<Vec<ReportBuild>, StoreError> {
        let q = format!("{SELECT_BUILD} WHERE b.report_id = $1 ORDER BY b.id DESC");
        with_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(q)).bind(report.get()).fetch_all(p).await?;
            rows.iter().map(read_build).collect::<Result<Vec<_>, sqlx::Error>>().map_err(StoreError::from)
        })
    }
}

/// A fresh salt (hex) for a build's snapshot and the snapshot's hash under it: a commitment
/// (`chancery_domain::commitment::commit`), so that a guess at a redacted text put back into
/// a snapshot cannot be confirmed against a hash recorded before the redaction.
pub(crate) fn commit_snapshot(snapshot: &str) -> (String, String) {
    let salt: [u8; chancery_domain::commitment::SALT_BYTES] = rand::random();
    (
        hex::encode(salt),
        chancery_domain::commitment::commit(&salt, snapshot),
    )
}
