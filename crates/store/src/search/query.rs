//! Running a search: the match with access and filters inside the SQL, the page, the facet
//! counts and the cursors.

use super::index::{CONFIGS, HIT_END, HIT_START};
use crate::{Store, StoreError, with_pool};
use chancery_domain::search::Query;
use chancery_domain::{FieldError, ValidationErrors};
use chrono::NaiveDate;
use sqlx::{AssertSqlSafe, Row};

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
}

#[cfg(test)]
mod tests {
    use super::*;

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
