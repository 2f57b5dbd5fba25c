//! Comparisons of outcomes on every severity measure, and group summaries over a filtered set
//! of documented cases (counts and medians only: documented cases are a selection, not a
//! sample, so no interval and no rate is ever given).

use crate::AppState;
use crate::access::{ApiRecord, audit_reads, check_open, load_visible};
use crate::api::{CASE_FILTERS, ListQuery};
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::IdPair;
use axum::Json;
use axum::extract::{RawQuery, State};
use chancery_domain::severity::{CONVENTIONS, CompareContext, compare, scale_description};
use chancery_domain::{Action, Case, FieldError, Marking, Record, ValidationErrors};
use serde_json::{Value, json};

use chancery_domain::case_summary::summarise;

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
    IdPair(a, b): IdPair,
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
