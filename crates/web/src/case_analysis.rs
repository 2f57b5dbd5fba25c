//! Comparisons of outcomes on every severity measure, and group summaries over a filtered set
//! of documented cases (counts and medians only: documented cases are a selection, not a
//! sample, so no interval and no rate is ever given).

use crate::AppState;
use crate::access::{ApiRecord, audit_reads, check_open, load_visible};
use crate::api::{CASE_FILTERS, ListQuery};
use crate::auth::CurrentUser;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use chancery_domain::case_detail::PartyRole;
use chancery_domain::severity::{CONVENTIONS, CompareContext, compare, scale_description};
use chancery_domain::{Action, Case, FieldError, Marking, Record, ValidationErrors};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The caveat every group summary carries, in every view and export.
pub const SELECTION_CAVEAT: &str = "Documented cases are a selection, not a sample: these counts describe what posts \
     have recorded, estimate no rate and support no comparison between groups.";

/// Notes a case contributes to a comparison: the conflicts its sources leave open.
fn notes_of(record: &Record<Case>) -> Vec<String> {
    record
        .data
        .detail
        .conflicts()
        .into_iter()
        .map(|c| {
            let label = record.data.detail.parties[c.party]
                .label
                .as_str()
                .to_string();
            format!(
                "case {}: sources disagree on the {} of {label} ({})",
                record.id,
                match c.attribute {
                    "described_as" => "description".to_string(),
                    other => other.replace('_', " "),
                },
                c.values.join(" / ")
            )
        })
        .collect()
}

/// `GET /api/v1/cases/{id}/compare/{other}`: every outcome of one case against every outcome of
/// the other, on all three measures, with the caveats that apply and the published scale.
pub async fn api_compare(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((a, b)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(comparison_json(&state, &user, &a, &b).await?))
}

pub async fn comparison_json(
    state: &AppState,
    user: &CurrentUser,
    a: &str,
    b: &str,
) -> Result<Value, ApiError> {
    let ca = load_visible::<Case>(state, user, a).await?;
    let cb = load_visible::<Case>(state, user, b).await?;
    audit_reads(state, user, "read", &[&ca, &cb]).await?;
    let mut notes = notes_of(&ca);
    notes.extend(notes_of(&cb));
    let mut comparisons = Vec::new();
    for (i, oa) in ca.data.detail.outcomes.iter().enumerate() {
        for (j, ob) in cb.data.detail.outcomes.iter().enumerate() {
            let label = |c: &Record<Case>, party: usize| {
                let p = c
                    .data
                    .detail
                    .parties
                    .get(party)
                    .map(|p| p.label.as_str())
                    .unwrap_or("party");
                format!("{} — {p}", c.data.title.as_str())
            };
            let ctx = CompareContext {
                label_a: label(&ca, oa.party),
                label_b: label(&cb, ob.party),
                notes: notes.clone(),
            };
            let c = compare(&oa.outcome, &ob.outcome, &ctx);
            comparisons.push(json!({"outcome_a": i, "outcome_b": j, "comparison": c}));
        }
    }
    let marking = Marking::highest([ca.data.marking, cb.data.marking]);
    Ok(json!({
        "marking": marking,
        "case_a": {"id": ca.id, "title": ca.data.title, "outcomes": ca.data.detail.outcomes.len()},
        "case_b": {"id": cb.id, "title": cb.data.title, "outcomes": cb.data.detail.outcomes.len()},
        "comparisons": comparisons,
        "scale": scale_description(),
        "conventions": CONVENTIONS.iter().map(|c| json!({"unit": c.unit, "days": c.days, "note": c.note})).collect::<Vec<_>>(),
    }))
}

/// The median of sorted values (the mean of the middle two for an even count).
fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The attributes a summary counts by.
const BASES: &[&str] = &[
    "citizenship",
    "country_of_birth",
    "residence_status",
    "migration_background",
];

/// Computes a group summary over cases (already narrowed to what the viewer may see):
/// defendants counted by each basis attribute (people, a party group counting its size), and
/// the median unconditional custody over convicted outcomes (each member of a group once).
pub fn summarise(cases: &[Record<Case>]) -> Value {
    let mut by: BTreeMap<&str, BTreeMap<String, u64>> = BTreeMap::new();
    let mut parties = 0u64;
    let mut people = 0u64;
    let mut lows = Vec::new();
    let mut highs = Vec::new();
    let mut outcomes = 0u64;
    for c in cases {
        for p in &c.data.detail.parties {
            if p.role != PartyRole::Defendant {
                continue;
            }
            parties += 1;
            let n = u64::from(p.count.unwrap_or(1));
            people += n;
            for (attr, statements) in p.attributes() {
                if !BASES.contains(&attr) {
                    continue;
                }
                let mut known: Vec<String> = statements
                    .into_iter()
                    .map(|(v, _)| v)
                    .filter(|v| v != "unknown")
                    .collect();
                known.sort();
                known.dedup();
                let bucket = match known.len() {
                    0 => "unknown".to_string(),
                    1 => known.remove(0),
                    _ => "sources disagree".to_string(),
                };
                *by.entry(attr).or_default().entry(bucket).or_default() += n;
            }
        }
        for o in &c.data.detail.outcomes {
            let m = o.outcome.measures();
            if !m.convicted {
                continue;
            }
            let weight = match &o.outcome.subject {
                chancery_domain::severity::Subject::GroupMember(g) => g.members(),
                chancery_domain::severity::Subject::Individual => 1,
            };
            for _ in 0..weight {
                lows.push(f64::from(m.unconditional_custody_days.min));
                highs.push(f64::from(m.unconditional_custody_days.max));
                outcomes += 1;
            }
        }
    }
    json!({
        "marking": Marking::SBU,
        "caveat": SELECTION_CAVEAT,
        "cases": cases.len(),
        "defendant_parties": parties,
        "defendants": people,
        "by": by,
        "median_unconditional_custody_days": {
            "convicted_people": outcomes,
            "low": median(lows),
            "high": median(highs),
            "note": "low and high are the medians of the lower and upper ends where sources give a sentence range; \
                     no interval is given because the cases are not a sample",
        },
    })
}

/// Every case matching the query that the viewer may see.
pub async fn visible_cases(
    state: &AppState,
    user: &CurrentUser,
    raw: Option<&str>,
) -> Result<Vec<Record<Case>>, ApiError> {
    check_open(user, Action::Read, &Case::collection())?;
    let q = ListQuery::parse(raw, CASE_FILTERS)?;
    let mut filter = q.case_filter()?;
    Case::scope(&mut filter, &user.principal);
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = state
            .store
            .list::<Case>(&filter, cursor.as_deref(), 500)
            .await?;
        out.extend(page.items);
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
        if out.len() > 100_000 {
            return Err(ApiError::Invalid(ValidationErrors::one(
                FieldError::general("more than 100000 cases match: narrow the filter"),
            )));
        }
    }
    Ok(out)
}

/// `GET /api/v1/cases/summary?country=&kind=&post=`: SBU, computed over what the viewer sees.
pub async fn api_summary(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    if !user.principal.may_see(Marking::SBU) {
        return Err(ApiError::Forbidden(
            "group summaries are SBU: SBU access is needed".into(),
        ));
    }
    let cases = visible_cases(&state, &user, raw.as_deref()).await?;
    let shown: Vec<&Record<Case>> = cases.iter().collect();
    audit_reads(&state, &user, "read", &shown).await?;
    Ok(Json(summarise(&cases)))
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
