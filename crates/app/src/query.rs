//! The query of a list: filters, cursor and limit from a query string, each checked and
//! named when wrong, and turned into the store's typed filters.

use chancery_domain::{
    CaseKind, Country, FieldError, PolicyArea, PostSlug, SourceKind, ValidationErrors,
};
pub use chancery_store::{
    AuditFilter, CaseFilter, EngagementFilter, PolicyFilter, RedactionFilter, ReportFilter,
    SourceFilter, TaskingFilter, TemplateFilter,
};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// The query of a list: filters, cursor and limit, each checked and named when wrong.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    pub country: Option<Country>,
    pub kind: Option<String>,
    pub post: Option<PostSlug>,
    pub cursor: Option<String>,
    pub limit: u32,
}

impl ListQuery {
    /// Parses a raw query string; `allowed` lists the filters this list has.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<ListQuery, ValidationErrors> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| {
                ValidationErrors::one(FieldError::general(format!("unreadable query string: {e}")))
            })?;
        let mut q = ListQuery {
            limit: DEFAULT_LIMIT,
            ..Default::default()
        };
        let mut errors = ValidationErrors::default();
        for (k, v) in pairs {
            if v.is_empty() {
                continue;
            }
            match k.as_str() {
                "cursor" => q.cursor = Some(v),
                "limit" => match v.parse::<u32>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) => q.limit = n,
                    _ => errors.push(FieldError::new(
                        "limit",
                        format!("must be a whole number from 1 to {MAX_LIMIT}"),
                    )),
                },
                "country" if allowed.contains(&"country") => match Country::parse(&v) {
                    Ok(c) => q.country = Some(c),
                    Err(e) => errors.push(FieldError::new("country", e.to_string())),
                },
                "post" if allowed.contains(&"post") => match PostSlug::parse(&v) {
                    Ok(p) => q.post = Some(p),
                    Err(e) => errors.push(FieldError::new("post", e)),
                },
                "kind" if allowed.contains(&"kind") => q.kind = Some(v),
                other => errors.push(FieldError::new(
                    other,
                    format!(
                        "unknown parameter; this list takes {}, cursor and limit",
                        allowed.join(", ")
                    ),
                )),
            }
        }
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(errors)
        }
    }

    pub fn case_filter(&self) -> Result<CaseFilter, ValidationErrors> {
        let kind = match &self.kind {
            None => None,
            Some(k) => Some(
                CaseKind::parse(k)
                    .map_err(|e| ValidationErrors::one(FieldError::new("kind", e)))?,
            ),
        };
        Ok(CaseFilter {
            country: self.country,
            kind,
            post: self.post.clone(),
            ..Default::default()
        })
    }

    pub fn source_filter(&self) -> Result<SourceFilter, ValidationErrors> {
        let kind = match &self.kind {
            None => None,
            Some(k) => Some(
                SourceKind::parse(k)
                    .map_err(|e| ValidationErrors::one(FieldError::new("kind", e)))?,
            ),
        };
        Ok(SourceFilter {
            kind,
            ..Default::default()
        })
    }
}

pub const CASE_FILTERS: &[&str] = &["country", "kind", "post"];
pub const SOURCE_FILTERS: &[&str] = &["kind"];

/// The list query of the policy or engagement register: `country`, `post`, and for policies
/// (`allowed` holds "area") `area`. Every bad parameter is named.
fn register_query(
    raw: Option<&str>,
    allowed: &[&str],
) -> Result<(ListQuery, Option<PolicyArea>), ValidationErrors> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| {
            ValidationErrors::one(FieldError::general(format!("unreadable query string: {e}")))
        })?;
    let mut errors = ValidationErrors::default();
    let mut area = None;
    if allowed.contains(&"area")
        && let Some((_, v)) = pairs.iter().find(|(k, v)| k == "area" && !v.is_empty())
    {
        match PolicyArea::parse(v) {
            Ok(a) => area = Some(a),
            Err(e) => errors.push(FieldError::new("area", e)),
        }
    }
    let rest: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| !(allowed.contains(&"area") && k == "area"))
        .collect();
    let raw_rest = serde_urlencoded::to_string(rest).unwrap_or_default();
    match ListQuery::parse(Some(&raw_rest), allowed) {
        Ok(q) if errors.is_empty() => Ok((q, area)),
        Ok(_) => Err(errors),
        Err(e) => {
            errors.errors.extend(e.errors);
            Err(errors)
        }
    }
}

/// The filters a list of records takes from its query string: each list parses them here,
/// once, for the API and the pages alike.
pub trait FromQuery: Sized {
    fn from_query(raw: Option<&str>) -> Result<(Self, ListQuery), ValidationErrors>;
}

impl FromQuery for CaseFilter {
    fn from_query(raw: Option<&str>) -> Result<(Self, ListQuery), ValidationErrors> {
        let q = ListQuery::parse(raw, CASE_FILTERS)?;
        Ok((q.case_filter()?, q))
    }
}

impl FromQuery for SourceFilter {
    fn from_query(raw: Option<&str>) -> Result<(Self, ListQuery), ValidationErrors> {
        let q = ListQuery::parse(raw, SOURCE_FILTERS)?;
        Ok((q.source_filter()?, q))
    }
}

impl FromQuery for PolicyFilter {
    fn from_query(raw: Option<&str>) -> Result<(Self, ListQuery), ValidationErrors> {
        let (q, area) = register_query(raw, &["country", "post", "area"])?;
        let filter = PolicyFilter {
            country: q.country,
            area,
            post: q.post.clone(),
            ..Default::default()
        };
        Ok((filter, q))
    }
}

impl FromQuery for EngagementFilter {
    fn from_query(raw: Option<&str>) -> Result<(Self, ListQuery), ValidationErrors> {
        let (q, _) = register_query(raw, &["country", "post"])?;
        let filter = EngagementFilter {
            country: q.country,
            post: q.post.clone(),
            ..Default::default()
        };
        Ok((filter, q))
    }
}

impl FromQuery for ReportFilter {
    fn from_query(raw: Option<&str>) -> Result<(Self, ListQuery), ValidationErrors> {
        let q = ListQuery::parse(raw, &["post"])?;
        let filter = ReportFilter {
            post: q.post.clone(),
            ..Default::default()
        };
        Ok((filter, q))
    }
}
