//! Full-text search over cases, sources (with their archived texts), policies, engagements
//! and reports, in each backend's own engine: SQLite FTS5, PostgreSQL `tsvector` with a GIN
//! index.
//!
//! The index is the table `search_docs`: one row per record and *audience*, holding only text
//! that audience may see (see the migration `*_search.sql`):
//!
//! - `all`: a record that shows the same to everyone who may see it at all (a U record with
//!   no portion marked higher);
//! - `sbu`: a record marked SBU, or the whole text of a U record with SBU portions;
//! - `nosbu`: the text of a U record with SBU portions as a user without SBU access sees it
//!   (the record's `json_for(U)`, so an SBU summary is not in it).
//!
//! A user without SBU access reads rows `all` and `nosbu`, a user with it `all` and `sbu`, so
//! every record is matched at most once, counted once, and snippets come only from rows whose
//! whole text the user may see. Post scope is a condition on the `post` column (sources are
//! owned by no post and are seen by every post). Both conditions are in the SQL of the match,
//! the page and the facet counts alike; nothing is filtered afterwards.
//!
//! The rows of a record are rewritten by [`reindex!`] inside the transaction of every write
//! of it: create (one or many), update, archiving a copy of a source (its text is part of
//! the source's rows) and redaction (from the redacted body, so the text is gone from the
//! index when the redaction commits). On SQLite the FTS5 table is an external-content index
//! of `search_docs` kept by triggers; a redaction also merges the FTS5 segments
//! (`optimize`), so the deleted terms do not linger in older segments. On PostgreSQL a
//! trigger computes the row's `tsv`; the old row version stays in the table's dead tuples
//! until vacuumed, as the rewritten version bodies do.

use crate::{Store, StoreError, with_pool};
use chancery_domain::marked::Marked;
use chancery_domain::search::Query;
use chancery_domain::{
    Case, Engagement, FieldError, Marking, Policy, Source, ValidationErrors, report::Report,
};
use chrono::NaiveDate;
use serde_json::Value;
use sqlx::{AssertSqlSafe, Row};

/// The record types the index covers.
pub const INDEXED: &[&str] = &["case", "source", "policy", "engagement", "report"];

/// Marks the start and end of a matched word in a snippet (private-use characters, removed
/// from indexed text, so they can only come from the engine's highlighting).
pub const HIT_START: char = '\u{E000}';
pub const HIT_END: char = '\u{E001}';

/// At most this many bytes of text are indexed per row (an archived text beyond it is
/// searched in its first part only).
pub const MAX_INDEXED_BYTES: usize = 400_000;

/// The PostgreSQL text search configurations rows may carry besides `simple`.
pub const CONFIGS: &[&str] = &[
    "english",
    "german",
    "swedish",
    "french",
    "spanish",
    "italian",
    "dutch",
    "danish",
    "norwegian",
    "finnish",
    "portuguese",
    "russian",
];

/// The text configuration for a BCP 47 language tag (its primary subtag).
pub fn config_for_language(tag: &str) -> Option<&'static str> {
    let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
    Some(match primary.as_str() {
        "en" => "english",
        "de" => "german",
        "sv" => "swedish",
        "fr" => "french",
        "es" => "spanish",
        "it" => "italian",
        "nl" => "dutch",
        "da" => "danish",
        "nb" | "nn" | "no" => "norwegian",
        "fi" => "finnish",
        "pt" => "portuguese",
        "ru" => "russian",
        _ => return None,
    })
}

/// The text configuration for the language of a country (ISO 3166-1 alpha-2).
pub fn config_for_country(code: &str) -> Option<&'static str> {
    Some(match code {
        "GB" | "IE" | "US" | "CA" | "AU" | "NZ" | "MT" => "english",
        "DE" | "AT" | "LI" => "german",
        "SE" => "swedish",
        "FR" | "LU" | "BE" => "french",
        "ES" => "spanish",
        "IT" => "italian",
        "NL" => "dutch",
        "DK" => "danish",
        "NO" => "norwegian",
        "FI" => "finnish",
        "PT" | "BR" => "portuguese",
        "RU" => "russian",
        _ => return None,
    })
}

/// One row of the index.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub audience: &'static str,
    pub post: Option<String>,
    pub country: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub marking: Marking,
    pub date: Option<NaiveDate>,
    pub config: &'static str,
    pub title: String,
    pub body: String,
    /// The ICCS sections (`01`-`11`) of a case's offences.
    pub iccs: Vec<String>,
}

/// Keys whose values are codes, dates or ids rather than text: not indexed.
const NOT_TEXT: &[&str] = &[
    "kind",
    "marking",
    "summary_marking",
    "status",
    "country",
    "post",
    "language",
    "url",
    "published",
    "retrieved",
    "date",
    "end",
    "precision",
    "reliability",
    "relation",
    "template_key",
    "state",
    "due",
    "withheld",
    "valid_from",
    "valid_to",
    "credibility",
    "area",
    "title",
    "subject",
];

fn collect_text(v: &Value, key: Option<&str>, out: &mut String) {
    if key.is_some_and(|k| NOT_TEXT.contains(&k)) {
        return;
    }
    match v {
        Value::String(s) => {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(s);
        }
        Value::Array(items) => items.iter().for_each(|i| collect_text(i, None, out)),
        Value::Object(map) => map
            .iter()
            .for_each(|(k, x)| collect_text(x, Some(k.as_str()), out)),
        _ => {}
    }
}

/// Text as indexed: without the highlight markers, at most `MAX_INDEXED_BYTES`.
fn clean(mut s: String) -> String {
    if s.contains([HIT_START, HIT_END]) {
        s = s.replace([HIT_START, HIT_END], " ");
    }
    if s.len() > MAX_INDEXED_BYTES {
        let mut end = MAX_INDEXED_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// What every row of a record shares.
struct Facets {
    post: Option<String>,
    country: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    date: Option<NaiveDate>,
    config: &'static str,
    title: String,
    iccs: Vec<String>,
}

/// The rows of one record: its text as each audience may see it.
fn docs_of<M: Marked>(rec: &M, f: Facets, extra: &[String]) -> Vec<Doc> {
    let text = |clearance: Marking| {
        let mut out = String::new();
        collect_text(&rec.json_for(clearance), None, &mut out);
        for e in extra {
            out.push('\n');
            out.push_str(e);
        }
        clean(out)
    };
    let marking = rec.marking();
    let doc = |audience: &'static str, body: String| Doc {
        audience,
        post: f.post.clone(),
        country: f.country.clone(),
        kind: f.kind.clone(),
        status: f.status.clone(),
        marking,
        date: f.date,
        config: f.config,
        title: clean(f.title.clone()),
        body,
        iccs: f.iccs.clone(),
    };
    if marking > Marking::U {
        vec![doc("sbu", text(Marking::SBU))]
    } else if rec.highest_marking() <= Marking::U {
        vec![doc("all", text(Marking::U))]
    } else {
        vec![
            doc("nosbu", text(Marking::U)),
            doc("sbu", text(Marking::SBU)),
        ]
    }
}

/// A stored record of an indexed type, parsed from its current body.
pub enum Indexable {
    Case(Case),
    Source(Source),
    Policy(Policy),
    Engagement(Engagement),
    Report(Report),
}

/// The head and versions tables of an indexed record type.
pub fn tables(record_type: &str) -> Option<(&'static str, &'static str)> {
    Some(match record_type {
        "case" => ("cases", "case_versions"),
        "source" => ("sources", "source_versions"),
        "policy" => ("policies", "policy_versions"),
        "engagement" => ("engagements", "engagement_versions"),
        "report" => ("reports", "report_versions"),
        _ => return None,
    })
}

impl Indexable {
    pub fn parse(record_type: &str, id: i64, body: &str) -> Result<Indexable, StoreError> {
        let (table, _) = tables(record_type)
            .ok_or_else(|| StoreError::Internal(format!("{record_type} is not indexed")))?;
        let corrupt = |reason: String| StoreError::Corrupt {
            table,
            id,
            version: 0,
            reason,
        };
        let v: Value = serde_json::from_str(body).map_err(|e| corrupt(e.to_string()))?;
        let bad = |e: ValidationErrors| corrupt(e.to_string());
        Ok(match record_type {
            "case" => Indexable::Case(Case::from_json(&v).map_err(bad)?),
            "source" => Indexable::Source(Source::from_json(&v).map_err(bad)?),
            "policy" => Indexable::Policy(Policy::from_json(&v).map_err(bad)?),
            "engagement" => Indexable::Engagement(Engagement::from_json(&v).map_err(bad)?),
            _ => Indexable::Report(Report::from_json(&v).map_err(bad)?),
        })
    }

    /// The post that owns the record, if any.
    pub fn post(&self) -> Option<&str> {
        match self {
            Indexable::Case(c) => Some(c.post.as_str()),
            Indexable::Source(_) => None,
            Indexable::Policy(p) => Some(p.post.as_str()),
            Indexable::Engagement(e) => Some(e.post.as_str()),
            Indexable::Report(r) => Some(r.post.as_str()),
        }
    }

    /// The index rows, given the owning post's country and (sources) the archived texts.
    pub fn docs(&self, post_country: Option<&str>, archives: &[String]) -> Vec<Doc> {
        let by_country = post_country
            .and_then(config_for_country)
            .unwrap_or("simple");
        let post = self.post().map(str::to_string);
        match self {
            Indexable::Case(c) => docs_of(
                c,
                Facets {
                    post,
                    country: Some(c.country.code().to_string()),
                    kind: Some(c.kind.as_str().to_string()),
                    status: Some(c.status.as_str().to_string()),
                    date: c.date.map(|d| d.sort_key()),
                    config: by_country,
                    title: c.title.as_str().to_string(),
                    iccs: {
                        let mut v: Vec<String> = c
                            .detail
                            .offences
                            .iter()
                            .map(|o| o.iccs.as_str()[..2].to_string())
                            .collect();
                        v.sort();
                        v.dedup();
                        v
                    },
                },
                &[],
            ),
            Indexable::Source(s) => docs_of(
                s,
                Facets {
                    post,
                    country: None,
                    kind: Some(s.kind.as_str().to_string()),
                    status: Some(s.status.as_str().to_string()),
                    date: s.published.map(|d| d.earliest()),
                    config: s
                        .language
                        .as_ref()
                        .and_then(|l| config_for_language(l.as_str()))
                        .unwrap_or("simple"),
                    title: s.title.as_str().to_string(),
                    iccs: Vec::new(),
                },
                archives,
            ),
            Indexable::Policy(p) => docs_of(
                p,
                Facets {
                    post,
                    country: Some(p.country.code().to_string()),
                    kind: Some(p.kind.as_str().to_string()),
                    status: None,
                    date: p.versions.iter().map(|v| v.valid_from).min(),
                    config: by_country,
                    title: p.title.as_str().to_string(),
                    iccs: Vec::new(),
                },
                &[],
            ),
            Indexable::Engagement(e) => docs_of(
                e,
                Facets {
                    post,
                    country: Some(e.country.code().to_string()),
                    kind: Some(e.kind.as_str().to_string()),
                    status: None,
                    date: Some(e.date),
                    config: by_country,
                    title: e.title.as_str().to_string(),
                    iccs: Vec::new(),
                },
                &[],
            ),
            Indexable::Report(r) => docs_of(
                r,
                Facets {
                    post,
                    country: post_country.map(str::to_string),
                    kind: Some(r.template_key.as_str().to_string()),
                    status: Some(r.state.as_str().to_string()),
                    date: r.due,
                    config: by_country,
                    title: r.subject.as_str().to_string(),
                    iccs: Vec::new(),
                },
                &[],
            ),
        }
    }
}

/// Rewrites the index rows of one record from its current stored body, inside the open
/// transaction `$tx` (any record type; those not indexed are left alone).
macro_rules! reindex {
    ($tx:expr, $record_type:expr, $id:expr) => {{
        let record_type: &str = $record_type;
        let id: i64 = $id;
        if let Some((head, versions)) = $crate::search::tables(record_type) {
            let body: Option<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT v.body FROM {head} h JOIN {versions} v ON v.record_id = h.id AND v.version = h.version WHERE h.id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *$tx)
            .await?
            .map(|r| r.try_get::<String, _>("body"))
            .transpose()?;
            sqlx::query(
                "DELETE FROM search_iccs WHERE doc_id IN
                 (SELECT id FROM search_docs WHERE record_type = $1 AND record_id = $2)",
            )
            .bind(record_type)
            .bind(id)
            .execute(&mut *$tx)
            .await?;
            sqlx::query("DELETE FROM search_docs WHERE record_type = $1 AND record_id = $2")
                .bind(record_type)
                .bind(id)
                .execute(&mut *$tx)
                .await?;
            if let Some(body) = body {
                let rec = $crate::search::Indexable::parse(record_type, id, &body)?;
                let country: Option<String> = match rec.post() {
                    Some(p) => sqlx::query("SELECT country FROM posts WHERE slug = $1")
                        .bind(p)
                        .fetch_optional(&mut *$tx)
                        .await?
                        .map(|r| r.try_get::<String, _>("country"))
                        .transpose()?,
                    None => None,
                };
                let mut archives: Vec<String> = Vec::new();
                if record_type == "source" {
                    for r in sqlx::query(
                        "SELECT text, text_en FROM source_archives WHERE source_id = $1 ORDER BY id",
                    )
                    .bind(id)
                    .fetch_all(&mut *$tx)
                    .await?
                    {
                        archives.extend(r.try_get::<Option<String>, _>("text")?);
                        archives.extend(r.try_get::<Option<String>, _>("text_en")?);
                    }
                }
                for d in rec.docs(country.as_deref(), &archives) {
                    let doc_id: i64 = sqlx::query(
                        "INSERT INTO search_docs (record_type, record_id, audience, post, country, kind, status,
                             marking, year, date_sort, config, title, body)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                    )
                    .bind(record_type)
                    .bind(id)
                    .bind(d.audience)
                    .bind(d.post)
                    .bind(d.country)
                    .bind(d.kind)
                    .bind(d.status)
                    .bind(d.marking.as_str())
                    .bind(d.date.map(|x| i64::from(chrono::Datelike::year(&x))))
                    .bind(d.date.map(|x| x.to_string()))
                    .bind(d.config)
                    .bind(d.title)
                    .bind(d.body)
                    .fetch_one(&mut *$tx)
                    .await?
                    .try_get("id")?;
                    for section in &d.iccs {
                        sqlx::query("INSERT INTO search_iccs (doc_id, section) VALUES ($1, $2)")
                            .bind(doc_id)
                            .bind(section)
                            .execute(&mut *$tx)
                            .await?;
                    }
                }
            }
        }
    }};
}
pub(crate) use reindex;

/// Who is searching: what the query may show them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchScope {
    /// May see SBU material.
    pub sbu: bool,
    /// Sees only this post's records (and records no post owns), for post roles.
    pub post: Option<String>,
}

/// Narrowing the results: each list is "one of these" (empty: any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilter {
    pub types: Vec<String>,
    pub countries: Vec<String>,
    pub posts: Vec<String>,
    pub kinds: Vec<String>,
    pub statuses: Vec<String>,
    pub markings: Vec<String>,
    pub years: Vec<i64>,
    /// ICCS sections (`03`) of a case's offences.
    pub iccs: Vec<String>,
    /// The record's date (a case's, a source's publication, an engagement's, a policy's first
    /// version, a report's due date) on or after / on or before this day.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The order of hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SearchSort {
    #[default]
    Relevance,
    /// Newest date first; records without a date last.
    Date,
}

/// One record found.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub record_type: String,
    pub record_id: i64,
    pub title: String,
    /// Text around the matches, each match between `HIT_START` and `HIT_END`.
    pub snippet: String,
    pub post: Option<String>,
    pub country: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub marking: String,
    pub date: Option<String>,
    pub score: f64,
    /// Whether the row matched holds SBU material (an SBU record, or the whole text of a U
    /// record with SBU portions): showing it is a read of SBU material.
    pub shows_sbu: bool,
}

/// How many hits have one value of one facet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    /// `type`, `country`, `post`, `kind`, `status`, `marking`, `year` or `iccs`.
    pub facet: &'static str,
    pub value: String,
    pub count: i64,
}

/// A page of hits, the total and the facet counts (all over what the scope may see).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub next: Option<String>,
    pub total: i64,
    pub facets: Vec<FacetCount>,
}

const FACETS: &[(&str, &str)] = &[
    ("type", "d.record_type"),
    ("country", "d.country"),
    ("post", "d.post"),
    ("kind", "d.kind"),
    ("status", "d.status"),
    ("marking", "d.marking"),
    ("year", "CAST(d.year AS TEXT)"),
    // Counted from `search_iccs` (several per case), not a column.
    ("iccs", ""),
];

enum Bind {
    Text(String),
    Int(i64),
    Real(f64),
}

enum Cursor {
    Score(f64, i64),
    Date(String, i64),
}

fn bad_cursor() -> StoreError {
    StoreError::Invalid(ValidationErrors::one(FieldError::new(
        "cursor",
        "not a cursor this search gave out: start again from the first page",
    )))
}

fn encode_cursor(c: &Cursor) -> String {
    hex::encode(match c {
        Cursor::Score(s, id) => format!("r:{:016x}:{id}", s.to_bits()),
        Cursor::Date(d, id) => format!("d:{d}:{id}"),
    })
}

fn decode_cursor(s: &str, sort: SearchSort) -> Result<Cursor, StoreError> {
    let raw = hex::decode(s).map_err(|_| bad_cursor())?;
    let text = String::from_utf8(raw).map_err(|_| bad_cursor())?;
    let mut parts = text.splitn(2, ':');
    let tag = parts.next().unwrap_or("");
    let rest = parts.next().ok_or_else(bad_cursor)?;
    let (key, id) = rest.rsplit_once(':').ok_or_else(bad_cursor)?;
    let id: i64 = id.parse().map_err(|_| bad_cursor())?;
    match (tag, sort) {
        ("r", SearchSort::Relevance) => {
            let bits = u64::from_str_radix(key, 16).map_err(|_| bad_cursor())?;
            Ok(Cursor::Score(f64::from_bits(bits), id))
        }
        ("d", SearchSort::Date) => Ok(Cursor::Date(key.to_string(), id)),
        _ => Err(bad_cursor()),
    }
}

/// The `FROM ... WHERE ...` shared by the page and the facets, with its bound values.
struct Matched {
    from_where: String,
    binds: Vec<Bind>,
    score: String,
    snippet: String,
}

fn matched(sqlite: bool, query: &Query, scope: &SearchScope, filter: &SearchFilter) -> Matched {
    let mut binds = Vec::new();
    let next = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    let mut sql;
    let score;
    let snippet;
    if sqlite {
        let p = next(Bind::Text(query.to_fts5()), &mut binds);
        sql = format!(
            "FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid WHERE search_fts MATCH {p}"
        );
        score = "-bm25(search_fts, 5.0, 1.0)".to_string();
        snippet = format!("snippet(search_fts, -1, '{HIT_START}', '{HIT_END}', '…', 24)");
    } else {
        let p = next(Bind::Text(query.to_tsquery()), &mut binds);
        // A row matches under `simple` or under its own configuration. That condition reads
        // the row's configuration, so the GIN index cannot answer it; the query under every
        // configuration at once (a superset) can, and the exact condition then filters what
        // the index found.
        let mut any = vec![format!("to_tsquery('simple', {p})")];
        for c in CONFIGS {
            any.push(format!("to_tsquery('{c}', {p})"));
        }
        sql = format!(
            "FROM search_docs d WHERE d.tsv @@ ({}) \
             AND (d.tsv @@ to_tsquery('simple', {p}) OR d.tsv @@ to_tsquery(d.config::regconfig, {p}))",
            any.join(" || ")
        );
        let tsq = format!("(to_tsquery('simple', {p}) || to_tsquery(d.config::regconfig, {p}))");
        score = format!("CAST(ts_rank(d.tsv, {tsq}) AS DOUBLE PRECISION)");
        snippet = format!(
            "ts_headline(m.config::regconfig, m.body, (to_tsquery('simple', {p}) || to_tsquery(m.config::regconfig, {p})), \
             'StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=\" … \"')"
        );
    }
    // Access, inside the query.
    sql.push_str(if scope.sbu {
        " AND d.audience IN ('all', 'sbu')"
    } else {
        " AND d.audience IN ('all', 'nosbu')"
    });
    if let Some(post) = &scope.post {
        let p = next(Bind::Text(post.clone()), &mut binds);
        sql.push_str(&format!(" AND (d.post IS NULL OR d.post = {p})"));
    }
    let lists: [(&str, &Vec<String>); 6] = [
        ("d.record_type", &filter.types),
        ("d.country", &filter.countries),
        ("d.post", &filter.posts),
        ("d.kind", &filter.kinds),
        ("d.status", &filter.statuses),
        ("d.marking", &filter.markings),
    ];
    for (col, values) in lists {
        if values.is_empty() {
            continue;
        }
        let ps: Vec<String> = values
            .iter()
            .map(|v| next(Bind::Text(v.clone()), &mut binds))
            .collect();
        sql.push_str(&format!(" AND {col} IN ({})", ps.join(", ")));
    }
    if !filter.years.is_empty() {
        let ps: Vec<String> = filter
            .years
            .iter()
            .map(|y| next(Bind::Int(*y), &mut binds))
            .collect();
        sql.push_str(&format!(" AND d.year IN ({})", ps.join(", ")));
    }
    if !filter.iccs.is_empty() {
        let ps: Vec<String> = filter
            .iccs
            .iter()
            .map(|v| next(Bind::Text(v.clone()), &mut binds))
            .collect();
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM search_iccs s WHERE s.doc_id = d.id AND s.section IN ({}))",
            ps.join(", ")
        ));
    }
    if let Some(from) = filter.from {
        let p = next(Bind::Text(from.to_string()), &mut binds);
        sql.push_str(&format!(" AND d.date_sort >= {p}"));
    }
    if let Some(to) = filter.to {
        let p = next(Bind::Text(to.to_string()), &mut binds);
        sql.push_str(&format!(" AND d.date_sort <= {p}"));
    }
    Matched {
        from_where: sql,
        binds,
        score,
        snippet,
    }
}

/// Binds the values of a built statement in order.
macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(t) => q.bind(t.clone()),
                Bind::Int(n) => q.bind(*n),
                Bind::Real(x) => q.bind(*x),
            };
        }
        q
    }};
}

impl Store {
    /// Searches what `scope` may see: one page of hits (`limit`, after `cursor`), the total
    /// and the facet counts. The query has been parsed ([`Query::parse`]); only its
    /// translation reaches the engine.
    pub async fn search(
        &self,
        query: &Query,
        scope: &SearchScope,
        filter: &SearchFilter,
        sort: SearchSort,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<SearchResults, StoreError> {
        let sqlite = self.backend() == crate::Backend::Sqlite;
        let after = cursor.map(|c| decode_cursor(c, sort)).transpose()?;
        let m = matched(sqlite, query, scope, filter);
        let mut binds = m.binds;
        let inner_snippet = if sqlite {
            format!(", {} AS snippet", m.snippet)
        } else {
            String::new()
        };
        let inner = format!(
            "SELECT d.id AS doc_id, d.audience, d.record_type, d.record_id, d.title, d.post, d.country, d.kind,
                    d.status, d.marking, d.date_sort, d.config, d.body,
                    COALESCE(d.date_sort, '') AS dkey, {} AS score{inner_snippet}
             {}",
            m.score, m.from_where
        );
        let (key, order) = match sort {
            SearchSort::Relevance => ("m.score", "m.score DESC, m.doc_id DESC"),
            SearchSort::Date => ("m.dkey", "m.dkey DESC, m.doc_id DESC"),
        };
        let mut page_where = String::new();
        match &after {
            Some(Cursor::Score(s, id)) => {
                binds.push(Bind::Real(*s));
                let a = binds.len();
                binds.push(Bind::Int(*id));
                page_where = format!(
                    " WHERE ({key} < ${a} OR ({key} = ${a} AND m.doc_id < ${}))",
                    a + 1
                );
            }
            Some(Cursor::Date(d, id)) => {
                binds.push(Bind::Text(d.clone()));
                let a = binds.len();
                binds.push(Bind::Int(*id));
                page_where = format!(
                    " WHERE ({key} < ${a} OR ({key} = ${a} AND m.doc_id < ${}))",
                    a + 1
                );
            }
            None => {}
        }
        binds.push(Bind::Int(i64::from(limit) + 1));
        let snippet = if sqlite {
            "m.snippet".to_string()
        } else {
            m.snippet.clone()
        };
        let page_sql = format!(
            "SELECT m.doc_id, m.audience, m.record_type, m.record_id, m.title, m.post, m.country, m.kind, m.status,
                    m.marking, m.date_sort, m.dkey, m.score, {snippet} AS snippet
             FROM ({inner}) m{page_where} ORDER BY {order} LIMIT ${}",
            binds.len()
        );
        // The facets: the same match, grouped; their own bindings (no cursor, no limit).
        let m2 = matched(sqlite, query, scope, filter);
        // The match runs once; each facet groups its rows.
        let facet_sql = format!(
            "WITH m AS MATERIALIZED (SELECT d.id, d.record_type, d.country, d.post, d.kind, d.status, \
             d.marking, d.year {}) {} UNION ALL SELECT CAST('iccs' AS TEXT) AS facet, s.section AS value, \
             COUNT(*) AS n FROM m JOIN search_iccs s ON s.doc_id = m.id GROUP BY s.section",
            m2.from_where,
            FACETS
                .iter()
                .filter(|(_, col)| !col.is_empty())
                .map(|(name, col)| {
                    let col = col.replace("d.", "m.");
                    format!(
                        "SELECT CAST('{name}' AS TEXT) AS facet, {col} AS value, COUNT(*) AS n \
                         FROM m GROUP BY {col}"
                    )
                })
                .collect::<Vec<_>>()
                .join(" UNION ALL ")
        );
        let (rows, facet_rows) = with_pool!(self, p => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(page_sql)), &binds).fetch_all(p).await?;
            let mut hits = Vec::with_capacity(rows.len());
            let mut keys = Vec::with_capacity(rows.len());
            for r in &rows {
                hits.push(SearchHit {
                    record_type: r.try_get("record_type")?,
                    record_id: r.try_get("record_id")?,
                    title: r.try_get("title")?,
                    snippet: r.try_get::<Option<String>, _>("snippet")?.unwrap_or_default(),
                    post: r.try_get("post")?,
                    country: r.try_get("country")?,
                    kind: r.try_get("kind")?,
                    status: r.try_get("status")?,
                    marking: r.try_get("marking")?,
                    date: r.try_get("date_sort")?,
                    score: r.try_get("score")?,
                    shows_sbu: r.try_get::<String, _>("audience")? == "sbu",
                });
                let doc_id: i64 = r.try_get("doc_id")?;
                keys.push(match sort {
                    SearchSort::Relevance => Cursor::Score(r.try_get("score")?, doc_id),
                    SearchSort::Date => Cursor::Date(r.try_get("dkey")?, doc_id),
                });
            }
            let facet_rows = bind_all!(sqlx::query(AssertSqlSafe(facet_sql)), &m2.binds).fetch_all(p).await?;
            let mut facets = Vec::new();
            for r in &facet_rows {
                let facet: String = r.try_get("facet")?;
                let Some(value) = r.try_get::<Option<String>, _>("value")? else {
                    continue;
                };
                let Some((name, _)) = FACETS.iter().find(|(n, _)| *n == facet) else {
                    continue;
                };
                facets.push(FacetCount { facet: name, value, count: r.try_get("n")? });
            }
            ((hits, keys), facets)
        });
        let (mut hits, mut keys) = rows;
        let next = if hits.len() > limit as usize {
            hits.truncate(limit as usize);
            keys.truncate(limit as usize);
            keys.last().map(encode_cursor)
        } else {
            None
        };
        let mut facets = facet_rows;
        facets.sort_by(|a, b| {
            let ia = FACETS.iter().position(|(n, _)| *n == a.facet);
            let ib = FACETS.iter().position(|(n, _)| *n == b.facet);
            ia.cmp(&ib)
                .then(b.count.cmp(&a.count))
                .then(a.value.cmp(&b.value))
        });
        let total = facets
            .iter()
            .filter(|f| f.facet == "type")
            .map(|f| f.count)
            .sum();
        Ok(SearchResults {
            hits,
            next,
            total,
            facets,
        })
    }

    /// Rebuilds the whole index from the stored records (after the migration that created
    /// it, on a database that already held records; and on demand). Each record is reindexed
    /// in a transaction of its own; a record whose stored body no longer reads is left out.
    /// Answers how many records were indexed.
    pub async fn rebuild_search_index(&self) -> Result<u64, StoreError> {
        let mut n = 0;
        for record_type in INDEXED {
            let (head, _) = tables(record_type).expect("indexed types have tables");
            let ids: Vec<i64> = with_pool!(self, p => {
                sqlx::query(AssertSqlSafe(format!("SELECT id FROM {head} ORDER BY id")))
                    .fetch_all(p)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<i64, _>("id"))
                    .collect::<Result<_, _>>()?
            });
            for id in ids {
                let done: Result<(), StoreError> = async {
                    with_pool!(self, p => {
                        let mut tx = crate::BeginWrite::begin_write(p).await?;
                        reindex!(tx, record_type, id);
                        tx.commit().await?;
                    });
                    Ok(())
                }
                .await;
                match done {
                    Ok(()) => n += 1,
                    // A body that no longer reads is reported when the record is read; the
                    // index leaves it out rather than refuse to start.
                    Err(StoreError::Corrupt { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(n)
    }

    /// Whether records exist that the index does not hold yet (a database migrated to the
    /// search schema with records already in it).
    pub(crate) async fn search_index_missing(&self) -> Result<bool, StoreError> {
        with_pool!(self, p => {
            let indexed = sqlx::query("SELECT 1 AS x FROM search_docs LIMIT 1").fetch_optional(p).await?;
            if indexed.is_some() {
                return Ok(false);
            }
            let mut any = false;
            for record_type in INDEXED {
                let (head, _) = tables(record_type).expect("indexed types have tables");
                any |= sqlx::query(AssertSqlSafe(format!("SELECT 1 AS x FROM {head} LIMIT 1")))
                    .fetch_optional(p)
                    .await?
                    .is_some();
            }
            Ok(any)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configurations_come_from_language_then_country() {
        assert_eq!(config_for_language("de-AT"), Some("german"));
        assert_eq!(config_for_language("sv"), Some("swedish"));
        assert_eq!(config_for_language("xx"), None);
        assert_eq!(config_for_country("GB"), Some("english"));
        assert_eq!(config_for_country("SE"), Some("swedish"));
        assert_eq!(config_for_country("DE"), Some("german"));
    }

    #[test]
    fn cursors_round_trip_and_refuse_other_text() {
        let c = encode_cursor(&Cursor::Score(1.25, 7));
        assert!(matches!(
            decode_cursor(&c, SearchSort::Relevance),
            Ok(Cursor::Score(s, 7)) if s == 1.25
        ));
        assert!(decode_cursor(&c, SearchSort::Date).is_err());
        assert!(decode_cursor("zz", SearchSort::Date).is_err());
        let d = encode_cursor(&Cursor::Date("2025-01-02".into(), 3));
        assert!(
            matches!(decode_cursor(&d, SearchSort::Date), Ok(Cursor::Date(s, 3)) if s == "2025-01-02")
        );
    }
}
