//! Versioned records, written once for every record type and both backends.
//!
//! A record is a head row (`cases`, `sources`: filter columns, current version, bookkeeping)
//! plus one row per version (`case_versions`, ...) holding the canonical JSON body, the salts
//! of its redactable texts, its content hash (a commitment: `chancery_domain::commitment`) and
//! the previous version's. An update names the version it read; the head row is
//! updated only `WHERE version = $expected`, so of two concurrent updates of one version
//! exactly one wins and the other gets a conflict. Nothing is ever overwritten: every version
//! stays readable.

use crate::audit::{AuditCtx, AuditEvent, audit_append};
use crate::{BeginWrite, Store, StoreError, with_pool};
use chancery_domain::commitment::{self, Salts};
use chancery_domain::redaction::RedactableType;
use chancery_domain::{
    Case, CaseKind, Country, FieldError, Marking, PostSlug, Record, RecordId, Source, SourceKind,
    UserRef, ValidationErrors, VersionInfo,
};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{AssertSqlSafe, Row};

/// What a reference names: a record id, or a text key such as a post's slug.
pub enum RefKey {
    Id(i64),
    Text(String),
}

/// A reference from a record to another row, checked inside the writing transaction and,
/// where `index_sql` is given, indexed in a link table (ids only).
pub struct Reference {
    /// The field that holds the reference, for the error message (`citations[0].source_id`).
    pub path: String,
    /// The table of the referenced row, what it is called in messages, and its key column.
    pub target: &'static str,
    pub what: &'static str,
    pub key_column: &'static str,
    pub key: RefKey,
    /// `INSERT` into a link table, binding (this record's id, target id[, extra]).
    pub index_sql: Option<&'static str>,
    pub extra: Option<&'static str>,
}

impl Reference {
    fn to_record(
        path: String,
        target: &'static str,
        what: &'static str,
        id: RecordId,
    ) -> Reference {
        Reference {
            path,
            target,
            what,
            key_column: "id",
            key: RefKey::Id(id.get()),
            index_sql: None,
            extra: None,
        }
    }

    fn describe(&self) -> String {
        match &self.key {
            RefKey::Id(id) => format!("no {} with id {id}", self.what),
            RefKey::Text(t) => format!("no {} {t:?}", self.what),
        }
    }
}

/// A value for a head-table column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(Option<String>),
    Int(i64),
    /// A nullable integer column (a reference that may be absent).
    OptInt(Option<i64>),
}

impl Cell {
    pub fn text(s: &str) -> Cell {
        Cell::Text(Some(s.to_string()))
    }
}

/// Equality conditions on a head table's filter columns.
pub trait Filter: Default + Send + Sync {
    fn conditions(&self) -> Vec<(&'static str, String)>;
}

/// A record type stored with versions.
pub trait Versioned: Sized + Clone + Send + Sync {
    /// The name of the type in audit entries and redactions: "case".
    const RECORD_TYPE: &'static str;
    /// Head table and versions table.
    const HEAD: &'static str;
    const VERSIONS: &'static str;
    /// Statements that clear this record's link-table rows, each binding the record id.
    const CLEAR_INDEX: &'static [&'static str] = &[];
    /// Filter columns of the head table, in the order `head_values` returns them.
    const COLUMNS: &'static [&'static str];

    type Filter: Filter;

    fn head_values(&self) -> Vec<Cell>;
    fn body(&self) -> Value;
    fn from_body(body: &Value) -> Result<Self, ValidationErrors>;
    fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
    /// Whether the string at `path` of a body is committed with its own salt (the texts a
    /// redaction can remove). None by default.
    fn committed_field(_path: &str) -> bool {
        false
    }
}

impl Versioned for Source {
    const RECORD_TYPE: &'static str = "source";
    const HEAD: &'static str = "sources";
    const VERSIONS: &'static str = "source_versions";
    const COLUMNS: &'static [&'static str] = &["kind", "marking"];
    type Filter = SourceFilter;

    fn head_values(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.kind.as_str()),
            Cell::text(self.marking.as_str()),
        ]
    }

    fn body(&self) -> Value {
        self.to_json()
    }

    fn committed_field(path: &str) -> bool {
        RedactableType::Source.is_text_field(path)
    }

    fn from_body(body: &Value) -> Result<Self, ValidationErrors> {
        Source::from_json(body)
    }
}

impl Versioned for Case {
    const RECORD_TYPE: &'static str = "case";
    const HEAD: &'static str = "cases";
    const VERSIONS: &'static str = "case_versions";
    const CLEAR_INDEX: &'static [&'static str] = &[
        "DELETE FROM case_citations WHERE case_id = $1",
        "DELETE FROM case_links WHERE case_id = $1",
    ];
    const COLUMNS: &'static [&'static str] =
        &["post", "kind", "country", "status", "marking", "date_sort"];
    type Filter = CaseFilter;

    fn head_values(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.post.as_str()),
            Cell::text(self.kind.as_str()),
            Cell::text(self.country.code()),
            Cell::text(self.status.as_str()),
            Cell::text(self.marking.as_str()),
            Cell::Text(self.date.map(|d| d.sort_key().to_string())),
        ]
    }

    fn body(&self) -> Value {
        self.to_json()
    }

    fn committed_field(path: &str) -> bool {
        RedactableType::Case.is_text_field(path)
    }

    fn from_body(body: &Value) -> Result<Self, ValidationErrors> {
        Case::from_json(body)
    }

    fn references(&self) -> Vec<Reference> {
        let mut refs = vec![Reference {
            path: "post".into(),
            target: "posts",
            what: "post",
            key_column: "slug",
            key: RefKey::Text(self.post.as_str().into()),
            index_sql: None,
            extra: None,
        }];
        for (path, c) in self.all_citations() {
            let mut r = Reference::to_record(
                format!("{path}.source_id"),
                "sources",
                "source",
                c.source_id,
            );
            r.index_sql = Some(
                "INSERT INTO case_citations (case_id, source_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            );
            refs.push(r);
        }
        for (i, l) in self.links.iter().enumerate() {
            let mut r =
                Reference::to_record(format!("links[{i}].case_id"), "cases", "case", l.case_id);
            r.index_sql = Some(
                "INSERT INTO case_links (case_id, target_id, relation) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            );
            r.extra = Some(l.relation.as_str());
            refs.push(r);
        }
        for (i, o) in self.detail.outcomes.iter().enumerate() {
            if let Some(p) = &o.policy_applied {
                refs.push(Reference::to_record(
                    format!("outcomes[{i}].policy_applied.policy_id"),
                    "policies",
                    "policy",
                    p.policy_id,
                ));
            }
        }
        refs
    }
}

/// One page of a list, newest first. `next` is the cursor for the following page.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<Record<T>>,
    pub next: Option<String>,
}

/// A record's full history: every version with its body, oldest first.
pub type History<T> = Vec<(VersionInfo, T)>;

/// Filters on cases. `post` and `marking` narrow what the user asked for; `scope_post` and
/// `max_marking` are what the user may see at all. Both apply: a filter for another post than
/// the user's scope matches nothing.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub country: Option<Country>,
    pub kind: Option<CaseKind>,
    pub post: Option<PostSlug>,
    pub marking: Option<Marking>,
    pub scope_post: Option<PostSlug>,
    pub max_marking: Option<Marking>,
}

impl Filter for CaseFilter {
    fn conditions(&self) -> Vec<(&'static str, String)> {
        let mut c = Vec::new();
        if let Some(x) = &self.country {
            c.push(("country", x.code().to_string()));
        }
        if let Some(x) = &self.kind {
            c.push(("kind", x.as_str().to_string()));
        }
        for p in [&self.post, &self.scope_post].into_iter().flatten() {
            c.push(("post", p.as_str().to_string()));
        }
        if let Some(x) = &self.marking {
            c.push(("marking", x.as_str().to_string()));
        }
        if self.max_marking == Some(Marking::U) {
            c.push(("marking", Marking::U.as_str().to_string()));
        }
        c
    }
}

#[derive(Debug, Clone, Default)]
pub struct SourceFilter {
    pub kind: Option<SourceKind>,
    pub marking: Option<Marking>,
    /// What the user may see at all (`U` without SBU access).
    pub max_marking: Option<Marking>,
}

impl Filter for SourceFilter {
    fn conditions(&self) -> Vec<(&'static str, String)> {
        let mut c = Vec::new();
        if let Some(x) = &self.kind {
            c.push(("kind", x.as_str().to_string()));
        }
        if let Some(x) = &self.marking {
            c.push(("marking", x.as_str().to_string()));
        }
        if self.max_marking == Some(Marking::U) {
            c.push(("marking", Marking::U.as_str().to_string()));
        }
        c
    }
}

/// A body ready to store: its canonical JSON (members sorted, no whitespace), the salts of its
/// committed fields (stored form) and its content hash, the sha256 of its committed form
/// (`chancery_domain::commitment`).
pub(crate) struct Sealed {
    pub body: String,
    pub salts: Option<String>,
    pub hash: String,
}

/// Seals a body, drawing a fresh salt for each committed field.
pub(crate) fn seal<T: Versioned>(value: &Value) -> Sealed {
    seal_fields(value, T::committed_field)
}

/// Seals a body, drawing a fresh salt for each field `is_field` accepts.
fn seal_fields(value: &Value, is_field: impl Fn(&str) -> bool) -> Sealed {
    let salts = Salts::fresh(value, is_field, rand::random);
    Sealed {
        body: value.to_string(),
        hash: commitment::content_hash(value, &salts),
        salts: salts.to_stored(),
    }
}

/// Cursors are opaque to clients; inside they hold the last id of the page.
fn encode_cursor(id: i64) -> String {
    format!("i{id}")
}

fn decode_cursor(cursor: &str) -> Result<i64, StoreError> {
    cursor
        .strip_prefix('i')
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            StoreError::Invalid(
                FieldError::new("cursor", "is not a cursor this server issued").into(),
            )
        })
}

fn sql(s: String) -> AssertSqlSafe<String> {
    // Safe: every statement built here joins static table and column names from `Versioned`
    // impls; all values are bound parameters.
    AssertSqlSafe(s)
}

/// Checks every reference of a record being written, inside its transaction and before any
/// row is written (so a dangling reference is a named error, never a constraint failure).
/// `$id` is the record's own id (0 for a new record). Evaluates to the errors found.
macro_rules! check_references {
    ($tx:expr, $id:expr, $refs:expr, $head:expr) => {{
        let mut missing = ValidationErrors::default();
        for r in $refs {
            if r.target == $head && matches!(r.key, RefKey::Id(k) if k == $id) {
                missing.push(FieldError::new(&r.path, "a record cannot refer to itself"));
                continue;
            }
            let q = sqlx::query(sql(format!("SELECT 1 AS one FROM {} WHERE {} = $1", r.target, r.key_column)));
            let q = match &r.key {
                RefKey::Id(k) => q.bind(*k),
                RefKey::Text(t) => q.bind(t.clone()),
            };
            if q.fetch_optional(&mut *$tx).await?.is_none() {
                missing.push(FieldError::new(&r.path, r.describe()));
            }
        }
        missing
    }};
}

/// Writes the link-table rows of the references that have one.
macro_rules! index_references {
    ($tx:expr, $id:expr, $refs:expr) => {{
        for r in $refs {
            if let Some(index) = r.index_sql {
                let q = sqlx::query(index).bind($id);
                let mut q = match &r.key {
                    RefKey::Id(k) => q.bind(*k),
                    RefKey::Text(t) => q.bind(t.clone()),
                };
                if let Some(extra) = r.extra {
                    q = q.bind(extra);
                }
                q.execute(&mut *$tx).await?;
            }
        }
    }};
}

impl Store {
    /// Cases that cite a source (current versions), by id.
    pub async fn cases_citing(&self, source: RecordId) -> Result<Vec<RecordId>, StoreError> {
        with_pool!(self, p => {
            let rows = sqlx::query("SELECT case_id FROM case_citations WHERE source_id = $1 ORDER BY case_id")
                .bind(source.get())
                .fetch_all(p)
                .await?;
            rows.iter()
                .map(|r| Ok(RecordId::new(r.try_get::<i64, _>("case_id")?).expect("positive id")))
                .collect()
        })
    }

    /// Cases that link to a case (current versions): (linking case, relation).
    pub async fn cases_linking_to(
        &self,
        case: RecordId,
    ) -> Result<Vec<(RecordId, String)>, StoreError> {
        with_pool!(self, p => {
            let rows = sqlx::query("SELECT case_id, relation FROM case_links WHERE target_id = $1 ORDER BY case_id")
                .bind(case.get())
                .fetch_all(p)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok((RecordId::new(r.try_get::<i64, _>("case_id")?).expect("positive id"), r.try_get("relation")?))
                })
                .collect()
        })
    }

    pub async fn create<T: Versioned>(
        &self,
        data: &T,
        ctx: &AuditCtx,
    ) -> Result<Record<T>, StoreError> {
        let ids = self
            .create_many(std::slice::from_ref(data), ctx)
            .await
            .map_err(|e| match e {
                // One record: its errors name its own fields, without the "[0]." prefix.
                StoreError::Invalid(mut v) => {
                    for e in &mut v.errors {
                        if let Some(f) = e.field.as_mut()
                            && let Some(rest) = f.strip_prefix("[0].")
                        {
                            *f = rest.to_string();
                        }
                    }
                    StoreError::Invalid(v)
                }
                other => other,
            })?;
        self.get::<T>(ids[0]).await?.ok_or(StoreError::NotFound)
    }

    /// Creates several records in one transaction: all are stored or none. Reference errors
    /// name the item: `[3].citations[0].source_id`.
    pub async fn create_many<T: Versioned>(
        &self,
        items: &[T],
        ctx: &AuditCtx,
    ) -> Result<Vec<RecordId>, StoreError> {
        let author = ctx
            .actor
            .ok_or_else(|| StoreError::Config("a write needs an acting user".into()))?;
        let now = now();
        let cols = T::COLUMNS.join(", ");
        let n = T::COLUMNS.len();
        let params: Vec<String> = (0..n).map(|i| format!("${}", i + 1)).collect();
        let insert_head = format!(
            "INSERT INTO {} (version, {cols}, created_at, created_by, updated_at, updated_by)
             VALUES (1, {}, ${}, ${}, ${}, ${}) RETURNING id",
            T::HEAD,
            params.join(", "),
            n + 1,
            n + 2,
            n + 1,
            n + 2
        );
        let insert_version = format!(
            "INSERT INTO {} (record_id, version, body, salts, content_hash, prev_hash, author, created_at)
             VALUES ($1, 1, $2, $3, $4, NULL, $5, $6)",
            T::VERSIONS
        );
        let prepared: Vec<(Sealed, Vec<Cell>, Vec<Reference>)> = items
            .iter()
            .map(|d| (seal::<T>(&d.body()), d.head_values(), d.references()))
            .collect();
        let ids = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let mut missing = ValidationErrors::default();
            for (i, (_, _, refs)) in prepared.iter().enumerate() {
                for mut e in check_references!(tx, 0, refs, T::HEAD).errors {
                    e.field = Some(format!("[{i}].{}", e.field.unwrap_or_default()));
                    missing.push(e);
                }
            }
            if !missing.is_empty() {
                tx.rollback().await?;
                return Err(StoreError::Invalid(missing));
            }
            let mut ids = Vec::with_capacity(prepared.len());
            let mut events = Vec::with_capacity(prepared.len());
            for (sealed, values, refs) in &prepared {
                let mut q = sqlx::query(sql(insert_head.clone()));
                for v in values {
                    q = match v {
                        Cell::Text(t) => q.bind(t.clone()),
                        Cell::Int(n) => q.bind(*n),
                        Cell::OptInt(n) => q.bind(*n),
                    };
                }
                let id: i64 = q.bind(now).bind(author.0).fetch_one(&mut *tx).await?.try_get("id")?;
                sqlx::query(sql(insert_version.clone()))
                    .bind(id).bind(&sealed.body).bind(&sealed.salts).bind(&sealed.hash).bind(author.0).bind(now)
                    .execute(&mut *tx).await?;
                index_references!(tx, id, refs);
                crate::search::reindex!(tx, T::RECORD_TYPE, id);
                events.push(AuditEvent::record("create", T::RECORD_TYPE, id, 1, &sealed.hash));
                ids.push(RecordId::new(id).expect("database ids are positive"));
            }
            audit_append!(tx, ctx, events);
            tx.commit().await?;
            ids
        });
        Ok(ids)
    }

    pub async fn update<T: Versioned>(
        &self,
        id: RecordId,
        expected: i64,
        data: &T,
        ctx: &AuditCtx,
    ) -> Result<Record<T>, StoreError> {
        let author = ctx
            .actor
            .ok_or_else(|| StoreError::Config("a write needs an acting user".into()))?;
        let now = now();
        let sealed = seal::<T>(&data.body());
        let values = data.head_values();
        let n = T::COLUMNS.len();
        let sets: Vec<String> = T::COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let update_head = format!(
            "UPDATE {} SET version = version + 1, {}, updated_at = ${}, updated_by = ${}
             WHERE id = ${} AND version = ${}
             RETURNING version",
            T::HEAD,
            sets.join(", "),
            n + 1,
            n + 2,
            n + 3,
            n + 4
        );
        let current_version = format!("SELECT version FROM {} WHERE id = $1", T::HEAD);
        let prev_hash = format!(
            "SELECT content_hash FROM {} WHERE record_id = $1 AND version = $2",
            T::VERSIONS
        );
        let insert_version = format!(
            "INSERT INTO {} (record_id, version, body, salts, content_hash, prev_hash, author, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            T::VERSIONS
        );
        let refs = data.references();
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let missing = check_references!(tx, id.get(), &refs, T::HEAD);
            let mut q = sqlx::query(sql(update_head));
            for v in &values {
                q = match v {
                    Cell::Text(t) => q.bind(t.clone()),
                    Cell::Int(n) => q.bind(*n),
                        Cell::OptInt(n) => q.bind(*n),
                };
            }
            let row = q.bind(now).bind(author.0).bind(id.get()).bind(expected)
                .fetch_optional(&mut *tx).await?;
            let Some(row) = row else {
                let current = sqlx::query(sql(current_version)).bind(id.get()).fetch_optional(&mut *tx).await?;
                tx.rollback().await?;
                return Err(match current {
                    None => StoreError::NotFound,
                    Some(r) => StoreError::Conflict { expected, current: r.try_get("version")? },
                });
            };
            // A conflict or an unknown id wins over reference errors: the update never ran.
            if !missing.is_empty() {
                tx.rollback().await?;
                return Err(StoreError::Invalid(missing));
            }
            let version: i64 = row.try_get("version")?;
            let prev: String = sqlx::query(sql(prev_hash)).bind(id.get()).bind(version - 1)
                .fetch_one(&mut *tx).await?.try_get("content_hash")?;
            sqlx::query(sql(insert_version))
                .bind(id.get()).bind(version).bind(&sealed.body).bind(&sealed.salts).bind(&sealed.hash).bind(&prev)
                .bind(author.0).bind(now)
                .execute(&mut *tx).await?;
            for clear in T::CLEAR_INDEX {
                sqlx::query(*clear).bind(id.get()).execute(&mut *tx).await?;
            }
            index_references!(tx, id.get(), &refs);
            crate::search::reindex!(tx, T::RECORD_TYPE, id.get());
            audit_append!(tx, ctx, [AuditEvent::record("update", T::RECORD_TYPE, id.get(), version, &sealed.hash)]);
            tx.commit().await?;
        });
        self.get::<T>(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn get<T: Versioned>(&self, id: RecordId) -> Result<Option<Record<T>>, StoreError> {
        let q = format!("{} WHERE h.id = $1", select_records::<T>());
        with_pool!(self, p => {
            let row = sqlx::query(sql(q)).bind(id.get()).fetch_optional(p).await?;
            row.map(|r| read_record::<T, _>(&r)).transpose()
        })
    }

    /// The content hash of a record's current version (for audit entries of reads).
    pub async fn current_hash<T: Versioned>(
        &self,
        id: RecordId,
    ) -> Result<Option<(i64, String)>, StoreError> {
        let q = format!(
            "SELECT v.version, v.content_hash FROM {} h JOIN {} v ON v.record_id = h.id AND v.version = h.version
             WHERE h.id = $1",
            T::HEAD,
            T::VERSIONS
        );
        with_pool!(self, p => {
            let row = sqlx::query(sql(q)).bind(id.get()).fetch_optional(p).await?;
            Ok(match row {
                Some(r) => Some((r.try_get("version")?, r.try_get("content_hash")?)),
                None => None,
            })
        })
    }

    pub async fn list<T: Versioned>(
        &self,
        filter: &T::Filter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<T>, StoreError> {
        let conditions = filter.conditions();
        let after = cursor.map(decode_cursor).transpose()?;
        let mut q = format!("{} WHERE 1 = 1", select_records::<T>());
        let mut n = 0;
        for (col, _) in &conditions {
            n += 1;
            q.push_str(&format!(" AND h.{col} = ${n}"));
        }
        if after.is_some() {
            n += 1;
            q.push_str(&format!(" AND h.id < ${n}"));
        }
        q.push_str(&format!(" ORDER BY h.id DESC LIMIT ${}", n + 1));
        let fetch = i64::from(limit) + 1;
        let mut items: Vec<Record<T>> = with_pool!(self, p => {
            let mut query = sqlx::query(sql(q));
            for (_, v) in &conditions {
                query = query.bind(v.clone());
            }
            if let Some(a) = after {
                query = query.bind(a);
            }
            let rows = query.bind(fetch).fetch_all(p).await?;
            rows.iter().map(read_record::<T, _>).collect::<Result<Vec<_>, _>>()?
        });
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|r| encode_cursor(r.id.get()))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub async fn history<T: Versioned>(&self, id: RecordId) -> Result<History<T>, StoreError> {
        let q = format!(
            "SELECT v.version, v.body, v.content_hash, v.prev_hash, v.created_at, a.id AS author_id,
                    a.display_name AS author_name
             FROM {} v JOIN users a ON a.id = v.author
             WHERE v.record_id = $1 ORDER BY v.version",
            T::VERSIONS
        );
        with_pool!(self, p => {
            let rows = sqlx::query(sql(q)).bind(id.get()).fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let version: i64 = r.try_get("version")?;
                let body: String = r.try_get("body")?;
                let data = parse_body::<T>(&body, id.get(), version)?;
                let info = VersionInfo {
                    version,
                    author: UserRef { id: r.try_get("author_id")?, name: r.try_get("author_name")? },
                    created_at: r.try_get("created_at")?,
                    content_hash: r.try_get("content_hash")?,
                    prev_hash: r.try_get("prev_hash")?,
                };
                out.push((info, data));
            }
            Ok(out)
        })
    }
}

impl Store {
    /// Checks a record's stored versions against their hashes: each version's content hash
    /// recomputed from its body and salts (a redacted field by the commitment kept for it), and
    /// each `prev_hash` against the version before. Answers the versions that do not match.
    pub async fn check_version_hashes<T: Versioned>(
        &self,
        id: RecordId,
    ) -> Result<Vec<i64>, StoreError> {
        let q = format!(
            "SELECT version, body, salts, content_hash, prev_hash FROM {} WHERE record_id = $1 ORDER BY version",
            T::VERSIONS
        );
        let mut bad = Vec::new();
        with_pool!(self, p => {
            let rows = sqlx::query(sql(q)).bind(id.get()).fetch_all(p).await?;
            let mut before: Option<String> = None;
            for r in &rows {
                let version: i64 = r.try_get("version")?;
                let corrupt = |reason: String| StoreError::Corrupt { table: T::VERSIONS, id: id.get(), version, reason };
                let body: Value = serde_json::from_str(&r.try_get::<String, _>("body")?).map_err(|e| corrupt(e.to_string()))?;
                let salts = Salts::parse(r.try_get::<Option<String>, _>("salts")?.as_deref()).map_err(corrupt)?;
                let stored: String = r.try_get("content_hash")?;
                let prev: Option<String> = r.try_get("prev_hash")?;
                if commitment::content_hash(&body, &salts) != stored || prev != before {
                    bad.push(version);
                }
                before = Some(stored);
            }
        });
        Ok(bad)
    }
}

/// The migration that introduced content commitments (`salts`, `snapshot_salt`).
pub(crate) const COMMITMENTS_MIGRATION: i64 = 20261212000001;

impl Store {
    /// Gives the rows written before content commitments existed their salts and recomputed
    /// hashes (versions of redactable records with their chains, build snapshots), in one
    /// transaction. Run once, right after that migration; see its comment.
    pub async fn commit_legacy_rows(&self) -> Result<(), StoreError> {
        type IsField = fn(&str) -> bool;
        let tables: [(&str, IsField); 3] = [
            (Case::VERSIONS, <Case as Versioned>::committed_field),
            (Source::VERSIONS, <Source as Versioned>::committed_field),
            (
                chancery_domain::RedactionRequest::VERSIONS,
                <chancery_domain::RedactionRequest as Versioned>::committed_field,
            ),
        ];
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            for (table, is_field) in tables {
                let rows = sqlx::query(sql(format!(
                    "SELECT record_id, version, body FROM {table} WHERE salts IS NULL ORDER BY record_id, version"
                )))
                .fetch_all(&mut *tx).await?;
                let mut prev: Option<(i64, String)> = None;
                for r in &rows {
                    let id: i64 = r.try_get("record_id")?;
                    let version: i64 = r.try_get("version")?;
                    let body: String = r.try_get("body")?;
                    let value: Value = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                        table, id, version, reason: e.to_string(),
                    })?;
                    let sealed = seal_fields(&value, is_field);
                    let prev_hash = prev.as_ref().filter(|(pid, _)| *pid == id).map(|(_, h)| h.clone());
                    sqlx::query(sql(format!(
                        "UPDATE {table} SET salts = $1, content_hash = $2, prev_hash = $3 WHERE record_id = $4 AND version = $5"
                    )))
                    .bind(&sealed.salts).bind(&sealed.hash).bind(prev_hash).bind(id).bind(version)
                    .execute(&mut *tx).await?;
                    prev = Some((id, sealed.hash));
                }
            }
            let builds = sqlx::query("SELECT id, snapshot FROM report_builds WHERE snapshot_salt IS NULL")
                .fetch_all(&mut *tx).await?;
            for b in &builds {
                let id: i64 = b.try_get("id")?;
                let snapshot: String = b.try_get("snapshot")?;
                let (salt, hash) = crate::reports::commit_snapshot(&snapshot);
                sqlx::query("UPDATE report_builds SET snapshot_salt = $1, snapshot_sha256 = $2 WHERE id = $3")
                    .bind(salt).bind(hash).bind(id)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

/// The SELECT that reads records with their current body and their authors' names.
fn select_records<T: Versioned>() -> String {
    format!(
        "SELECT h.id, h.version, h.created_at, h.updated_at, v.body, v.content_hash,
                cu.id AS created_by_id, cu.display_name AS created_by_name,
                uu.id AS updated_by_id, uu.display_name AS updated_by_name
         FROM {} h
         JOIN {} v ON v.record_id = h.id AND v.version = h.version
         JOIN users cu ON cu.id = h.created_by
         JOIN users uu ON uu.id = h.updated_by",
        T::HEAD,
        T::VERSIONS
    )
}

/// The current time at the precision both backends store (microseconds), so that a record
/// returned by a write equals the same record read back.
pub fn now() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}

fn parse_body<T: Versioned>(body: &str, id: i64, version: i64) -> Result<T, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        table: T::HEAD,
        id,
        version,
        reason,
    };
    let value: Value = serde_json::from_str(body).map_err(|e| corrupt(e.to_string()))?;
    T::from_body(&value).map_err(|e| corrupt(e.to_string()))
}

fn read_record<T: Versioned, R: Row>(r: &R) -> Result<Record<T>, StoreError>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let id: i64 = r.try_get("id")?;
    let version: i64 = r.try_get("version")?;
    let body: String = r.try_get("body")?;
    Ok(Record {
        id: RecordId::new(id).expect("database ids are positive"),
        version,
        created_at: r.try_get("created_at")?,
        created_by: UserRef {
            id: r.try_get("created_by_id")?,
            name: r.try_get("created_by_name")?,
        },
        updated_at: r.try_get("updated_at")?,
        updated_by: UserRef {
            id: r.try_get("updated_by_id")?,
            name: r.try_get("updated_by_name")?,
        },
        content_hash: r.try_get("content_hash")?,
        data: parse_body::<T>(&body, id, version)?,
    })
}
