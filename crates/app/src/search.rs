//! Full-text search over what the user may see: the query parsed (`chancery_domain::search`),
//! the filters checked, the store's search run with the user's scope (markings and post, both
//! inside the query) and the answer labelled for people. Shared by the API, the page and the
//! command line.

use crate::access::check_open;
use crate::{Actor, App, AppError};
use chancery_domain::search::Query;
use chancery_domain::source::SourceStatus;
use chancery_domain::{
    Action, CaseKind, CaseStatus, Country, EngagementKind, FieldError, Marking, PolicyKind,
    PostSlug, Resource, ResourceKind, SourceKind, ValidationErrors,
};
use chancery_store::audit::AuditEvent;
use chancery_store::search::{HIT_END, HIT_START, INDEXED};
pub use chancery_store::{SearchFilter, SearchScope, SearchSort};
use chrono::NaiveDate;
use serde::Serialize;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// A search as asked: the query text, the filters, the order and the page.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub q: String,
    pub filter: SearchFilter,
    pub sort: SearchSort,
    pub cursor: Option<String>,
    pub limit: u32,
}

/// The parameters a search takes from a query string.
pub const PARAMETERS: &[&str] = &[
    "q", "type", "country", "post", "kind", "status", "marking", "year", "iccs", "from", "to",
    "sort", "cursor", "limit",
];

impl SearchRequest {
    /// Reads a query string (`q=...&type=case&type=source&year=2025&sort=date`); every bad
    /// parameter is named. Repeating a filter means "any of these".
    pub fn from_query(raw: Option<&str>) -> Result<SearchRequest, ValidationErrors> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| {
                ValidationErrors::one(FieldError::general(format!("unreadable query string: {e}")))
            })?;
        SearchRequest::from_pairs(&pairs)
    }

    pub fn from_pairs(pairs: &[(String, String)]) -> Result<SearchRequest, ValidationErrors> {
        let mut r = SearchRequest {
            limit: DEFAULT_LIMIT,
            ..Default::default()
        };
        let mut errors = ValidationErrors::default();
        let mut bad = |field: &str, reason: String| errors.push(FieldError::new(field, reason));
        for (k, v) in pairs {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let f = &mut r.filter;
            match k.as_str() {
                "q" => r.q = v.to_string(),
                "type" => {
                    if INDEXED.contains(&v) {
                        f.types.push(v.to_string());
                    } else {
                        bad(
                            "type",
                            format!("{v:?} is not a type searched: {}", INDEXED.join(", ")),
                        );
                    }
                }
                "country" => match Country::parse(v) {
                    Ok(c) => f.countries.push(c.code().to_string()),
                    Err(e) => bad("country", e.to_string()),
                },
                "post" => match PostSlug::parse(v) {
                    Ok(p) => f.posts.push(p.as_str().to_string()),
                    Err(e) => bad("post", e),
                },
                "kind" if v.len() <= 64 => f.kinds.push(v.to_string()),
                "status" if v.len() <= 64 => f.statuses.push(v.to_string()),
                "kind" | "status" => bad(k, "too long to be a code".into()),
                "marking" => match Marking::parse(v) {
                    Ok(m) => f.markings.push(m.as_str().to_string()),
                    Err(e) => bad("marking", e.to_string()),
                },
                "year" => match v.parse::<i64>() {
                    Ok(y) if (1000..=9999).contains(&y) => f.years.push(y),
                    _ => bad("year", format!("{v:?} is not a year such as 2025")),
                },
                "iccs" => match iccs_label(v) {
                    Some(_) => f.iccs.push(v.to_string()),
                    None => bad(
                        "iccs",
                        format!("{v:?} is not an ICCS section: two digits, 01 to 11"),
                    ),
                },
                "from" | "to" => match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                    Ok(d) if k == "from" => f.from = Some(d),
                    Ok(d) => f.to = Some(d),
                    Err(_) => bad(k, format!("{v:?} is not a date YYYY-MM-DD")),
                },
                "sort" => match v {
                    "relevance" => r.sort = SearchSort::Relevance,
                    "date" => r.sort = SearchSort::Date,
                    _ => bad("sort", format!("{v:?}: sort by relevance or date")),
                },
                "cursor" => r.cursor = Some(v.to_string()),
                "limit" => match v.parse::<u32>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) => r.limit = n,
                    _ => bad(
                        "limit",
                        format!("must be a whole number from 1 to {MAX_LIMIT}"),
                    ),
                },
                other => bad(
                    other,
                    format!(
                        "unknown parameter; a search takes {}",
                        PARAMETERS.join(", ")
                    ),
                ),
            }
        }
        if let (Some(a), Some(b)) = (r.filter.from, r.filter.to)
            && a > b
        {
            errors.push(FieldError::new(
                "to",
                "the end of the range is before its start",
            ));
        }
        if errors.is_empty() {
            Ok(r)
        } else {
            Err(errors)
        }
    }
}

/// A piece of a snippet: text, and whether it is a match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// One record found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    /// `case`, `source`, `policy`, `engagement` or `report`.
    #[serde(rename = "type")]
    pub record_type: String,
    pub id: i64,
    pub title: String,
    /// Text around the matches, from fields the user may see; `hit` marks the matched words.
    pub snippet: Vec<SnippetPart>,
    /// The record's page and its API address.
    pub url: String,
    pub api_url: String,
    pub post: Option<String>,
    pub country: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    /// The record's own marking.
    pub marking: String,
    /// Whether the hit shows SBU material (an SBU record, or a U record's text with its SBU
    /// portions): the page showing it is SBU, and the read is audited.
    pub sbu: bool,
    /// The record's date (YYYY-MM-DD), if it has one.
    pub date: Option<String>,
    /// Labels of the codes above, for people.
    pub type_label: String,
    pub post_label: Option<String>,
    pub country_label: Option<String>,
    pub kind_label: Option<String>,
    pub status_label: Option<String>,
}

/// One value of a facet with its count among the hits.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: i64,
    /// Whether the search is already filtered on this value.
    pub selected: bool,
}

/// A facet: the hits counted by one attribute.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Facet {
    /// The parameter that filters on it: `type`, `country`, `post`, `kind`, `status`,
    /// `marking`, `year` or `iccs` (the ICCS sections of a case's offences).
    pub name: String,
    pub label: String,
    pub values: Vec<FacetValue>,
}

/// The answer to a search: a page of hits, the total and the facets, all counted over what
/// the user may see.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub query: String,
    /// `relevance` or `date`.
    pub sort: String,
    /// How many records match (exact).
    pub total: i64,
    pub hits: Vec<SearchHit>,
    pub facets: Vec<Facet>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

fn type_label(t: &str) -> &'static str {
    match t {
        "case" => "Case",
        "source" => "Source",
        "policy" => "Policy",
        "engagement" => "Engagement",
        "report" => "Report",
        _ => "Record",
    }
}

fn page_path(t: &str) -> &'static str {
    match t {
        "case" => "cases",
        "source" => "sources",
        "policy" => "policies",
        "engagement" => "engagements",
        _ => "reports",
    }
}

fn kind_label(t: Option<&str>, v: &str) -> String {
    let by_type = match t {
        Some("case") => CaseKind::parse(v).ok().map(|k| k.label()),
        Some("source") => SourceKind::parse(v).ok().map(|k| k.label()),
        Some("policy") => PolicyKind::parse(v).ok().map(|k| k.label()),
        Some("engagement") => EngagementKind::parse(v).ok().map(|k| k.label()),
        _ => None,
    };
    by_type
        .or_else(|| CaseKind::parse(v).ok().map(|k| k.label()))
        .or_else(|| SourceKind::parse(v).ok().map(|k| k.label()))
        .or_else(|| PolicyKind::parse(v).ok().map(|k| k.label()))
        .or_else(|| EngagementKind::parse(v).ok().map(|k| k.label()))
        .map(str::to_string)
        .unwrap_or_else(|| v.replace(['_', '-'], " "))
}

fn status_label(v: &str) -> String {
    CaseStatus::parse(v)
        .ok()
        .map(|s| s.label().to_string())
        .or_else(|| SourceStatus::parse(v).ok().map(|s| s.label().to_string()))
        .unwrap_or_else(|| {
            let t = v.replace('_', " ");
            let mut c = t.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => t,
            }
        })
}

/// The title of an ICCS section (`03`), if it is one.
fn iccs_label(section: &str) -> Option<&'static str> {
    chancery_domain::case_detail::ICCS_SECTIONS
        .iter()
        .find(|(c, _)| *c == section)
        .map(|(_, l)| *l)
}

fn country_label(code: &str) -> String {
    Country::parse(code)
        .map(|c| c.name().to_string())
        .unwrap_or_else(|_| code.to_string())
}

/// Splits the store's snippet at the highlight markers.
pub fn snippet_parts(s: &str) -> Vec<SnippetPart> {
    let mut out = Vec::new();
    let mut hit = false;
    let mut cur = String::new();
    for c in s.chars() {
        if c == HIT_START || c == HIT_END {
            if !cur.is_empty() {
                out.push(SnippetPart {
                    text: std::mem::take(&mut cur),
                    hit,
                });
            }
            hit = c == HIT_START;
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(SnippetPart { text: cur, hit });
    }
    out
}

/// What `user` may search: SBU rows only with SBU access, a post role's own post only.
pub fn scope_of(user: &Actor) -> SearchScope {
    SearchScope {
        sbu: user.principal.may_see(Marking::SBU),
        post: user.principal.post_scope().map(|p| p.as_str().to_string()),
    }
}

/// Runs a search for `user`. A query that cannot be read is a 422 naming the problem
/// (field `q`); administrators, who see no content, are refused.
pub async fn search(
    app: &App,
    user: &Actor,
    req: &SearchRequest,
) -> Result<SearchResults, AppError> {
    check_open(user, Action::Read, &Resource::of(ResourceKind::Case))?;
    let query = Query::parse(&req.q)
        .map_err(|e| AppError::Invalid(ValidationErrors::one(FieldError::new("q", e.0))))?;
    let scope = scope_of(user);
    let found = app
        .store
        .search(
            &query,
            &scope,
            &req.filter,
            req.sort,
            req.cursor.as_deref(),
            req.limit,
        )
        .await?;
    let posts = crate::posts::all(app).await?;
    let post_label = |slug: &str| {
        posts
            .iter()
            .find(|p| p.slug.as_str() == slug)
            .map(|p| p.display_name())
            .unwrap_or_else(|| slug.to_string())
    };
    // Hits that show SBU material are reads of it: logged, ids only.
    let events: Vec<AuditEvent> = found
        .hits
        .iter()
        .filter(|h| h.shows_sbu)
        .map(|h| {
            let mut e = AuditEvent::new("search_read");
            e.record_type = Some(h.record_type.clone());
            e.record_id = Some(h.record_id);
            e
        })
        .collect();
    if !events.is_empty() {
        app.store.audit(&user.ctx(), &events).await?;
    }
    let hits = found
        .hits
        .into_iter()
        .map(|h| {
            let path = page_path(&h.record_type);
            SearchHit {
                url: format!("/{path}/{}", h.record_id),
                api_url: format!("/api/v1/{path}/{}", h.record_id),
                type_label: type_label(&h.record_type).to_string(),
                post_label: h.post.as_deref().map(post_label),
                country_label: h.country.as_deref().map(country_label),
                kind_label: h
                    .kind
                    .as_deref()
                    .map(|k| kind_label(Some(&h.record_type), k)),
                status_label: h.status.as_deref().map(status_label),
                snippet: snippet_parts(&h.snippet),
                sbu: h.shows_sbu,
                id: h.record_id,
                title: h.title,
                post: h.post,
                country: h.country,
                kind: h.kind,
                status: h.status,
                marking: h.marking,
                date: h.date,
                record_type: h.record_type,
            }
        })
        .collect();
    let mut facets: Vec<Facet> = Vec::new();
    for f in found.facets {
        let selected = {
            let fl = &req.filter;
            match f.facet {
                "type" => fl.types.contains(&f.value),
                "country" => fl.countries.contains(&f.value),
                "post" => fl.posts.contains(&f.value),
                "kind" => fl.kinds.contains(&f.value),
                "status" => fl.statuses.contains(&f.value),
                "marking" => fl.markings.contains(&f.value),
                "year" => f.value.parse().is_ok_and(|y| fl.years.contains(&y)),
                "iccs" => fl.iccs.contains(&f.value),
                _ => false,
            }
        };
        let label = match f.facet {
            "type" => type_label(&f.value).to_string(),
            "country" => country_label(&f.value),
            "post" => post_label(&f.value),
            "kind" => kind_label(None, &f.value),
            "status" => status_label(&f.value),
            "iccs" => iccs_label(&f.value)
                .map(|l| format!("{} {l}", f.value))
                .unwrap_or_else(|| f.value.clone()),
            _ => f.value.clone(),
        };
        let value = FacetValue {
            value: f.value,
            label,
            count: f.count,
            selected,
        };
        match facets.iter_mut().find(|x| x.name == f.facet) {
            Some(x) => x.values.push(value),
            None => facets.push(Facet {
                name: f.facet.to_string(),
                label: match f.facet {
                    "type" => "Type",
                    "country" => "Country",
                    "post" => "Post",
                    "kind" => "Kind",
                    "status" => "Status",
                    "marking" => "Marking",
                    "iccs" => "ICCS section",
                    _ => "Year",
                }
                .to_string(),
                values: vec![value],
            }),
        }
    }
    Ok(SearchResults {
        query: req.q.clone(),
        sort: match req.sort {
            SearchSort::Relevance => "relevance",
            SearchSort::Date => "date",
        }
        .to_string(),
        total: found.total,
        hits,
        facets,
        next: found.next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_split_at_the_markers() {
        let s = format!("a {HIT_START}b{HIT_END} c");
        assert_eq!(
            snippet_parts(&s),
            vec![
                SnippetPart {
                    text: "a ".into(),
                    hit: false
                },
                SnippetPart {
                    text: "b".into(),
                    hit: true
                },
                SnippetPart {
                    text: " c".into(),
                    hit: false
                },
            ]
        );
    }

    #[test]
    fn parameters_are_checked_and_named() {
        let r = SearchRequest::from_query(Some(
            "q=x&type=case&type=source&year=2025&sort=date&from=2025-01-01",
        ))
        .unwrap();
        assert_eq!(r.filter.types, vec!["case", "source"]);
        assert_eq!(r.sort, SearchSort::Date);
        let e =
            SearchRequest::from_query(Some("q=x&type=user&year=x&sort=up&bogus=1")).unwrap_err();
        for f in ["type", "year", "sort", "bogus"] {
            assert!(e.reason_for(f).is_some(), "{f}: {e:?}");
        }
    }
}
