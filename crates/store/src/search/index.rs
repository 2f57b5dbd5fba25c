//! The index: the rows of a record for each audience, the text configurations, and keeping
//! them current (`reindex!` in every write's transaction, `rebuild_search_index`).

use crate::{Store, StoreError, with_pool};
use chancery_domain::marked::Marked;
use chancery_domain::{
    Case, Engagement, Marking, Policy, Source, ValidationErrors, report::Report,
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

impl Store {
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
}
