//! Indicators computed from stored observations, for the API, the pages and the command line
//! alike: a request names its operands as series (a dataset and codes for its dimensions), a
//! geography and periods; the answer carries the result (or the reason there is none), the
//! observations used, with their ids, and the releases they come from.

use crate::App;
use chancery_stats::indicators::{
    self, Basis, Caveat, EdgeNote, Group, Notes, Operand, Rate, Refusal, RefusalCode, Share,
    TrendPoint, TrendResult,
};
use chancery_stats::obs::Flags;
use chancery_store::{DatasetMeta, ObsRow, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A series: a dataset (its newest release unless one is pinned) and a code for each of its
/// dimensions but geography and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SeriesSel {
    pub dataset: String,
    #[serde(default)]
    pub dims: BTreeMap<String, String>,
    #[serde(default)]
    pub release: Option<i64>,
}

impl SeriesSel {
    /// Parses `dataset:dim=code,dim=code[@release]` (the command line's form).
    pub fn parse(text: &str) -> Result<SeriesSel, String> {
        let (main, release) = match text.rsplit_once('@') {
            Some((m, r)) => (
                m,
                Some(
                    r.parse::<i64>()
                        .map_err(|_| format!("{r:?} is not a release id"))?,
                ),
            ),
            None => (text, None),
        };
        let (dataset, rest) = main.split_once(':').unwrap_or((main, ""));
        if dataset.trim().is_empty() {
            return Err(format!(
                "{text:?}: name a dataset, as dataset:dim=code,dim=code"
            ));
        }
        let mut dims = BTreeMap::new();
        for pair in rest.split(',').filter(|p| !p.trim().is_empty()) {
            let (d, c) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair:?} is not dim=code"))?;
            dims.insert(d.trim().to_string(), c.trim().to_string());
        }
        Ok(SeriesSel {
            dataset: dataset.trim().to_lowercase(),
            dims,
            release,
        })
    }
}

/// What the caller knows that the numbers cannot tell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NotesReq {
    /// How the groups differ at the edges ("prisoners 'Foreign country' vs population
    /// 'Foreign country and stateless'").
    #[serde(default)]
    pub edges: Vec<String>,
    #[serde(default)]
    pub immigration_law_offences_included: bool,
}

impl NotesReq {
    fn notes(&self) -> Notes {
        let mut n = Notes::none();
        for e in &self.edges {
            n = n.with_edge(EdgeNote::new(e.clone()));
        }
        if self.immigration_law_offences_included {
            n = n.with_immigration_law_offences();
        }
        n
    }
}

/// An indicator to compute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "indicator", rename_all = "snake_case")]
pub enum IndicatorRequest {
    /// Count per 100,000 of the same group's population, with an exact (Garwood) interval.
    Rate {
        numerator: SeriesSel,
        denominator: SeriesSel,
        geo: String,
        period: String,
        #[serde(default)]
        notes: NotesReq,
    },
    /// Part of a whole (foreign share of prisoners), with a Wilson interval.
    Share {
        part: SeriesSel,
        whole: SeriesSel,
        geo: String,
        period: String,
        #[serde(default)]
        notes: NotesReq,
    },
    /// Trend over consecutive years: counts, or rates when an exposure series is given.
    Trend {
        count: SeriesSel,
        #[serde(default)]
        exposure: Option<SeriesSel>,
        geo: String,
        from: String,
        to: String,
        #[serde(default)]
        notes: NotesReq,
    },
}

/// The group an operand measures, from its dimensions (`citizen`, `c_birth`), falling back to
/// the basis the dataset states.
fn group_of(dims: &BTreeMap<String, String>, dataset_basis: Option<&str>) -> Group {
    for (dim, basis) in [
        ("citizen", Basis::Citizenship),
        ("c_birth", Basis::CountryOfBirth),
    ] {
        if let Some(code) = dims.get(dim) {
            let basis = if code == "TOTAL" {
                Basis::AllPersons
            } else {
                basis
            };
            return Group::new(code.clone(), format!("{dim} {code}"), basis);
        }
    }
    match dataset_basis {
        Some("citizenship") => Group::new("?", "citizenship group", Basis::Citizenship),
        Some("country_of_birth") => {
            Group::new("?", "country-of-birth group", Basis::CountryOfBirth)
        }
        Some("migration_background") => Group::new(
            "?",
            "migration-background group",
            Basis::MigrationBackground,
        ),
        _ => Group::all_persons(),
    }
}

/// The day a stock refers to: from the dataset's stated convention ("1 January",
/// "31 December"), or for Eurostat's population datasets, 1 January.
pub fn reference_date(dataset: &str, stated: Option<&str>, period: &str) -> Option<String> {
    if period.len() != 4 || !period.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let stated = stated.map(str::to_lowercase);
    match stated.as_deref() {
        Some(s) if s.contains("31 december") => Some(format!("{period}-12-31")),
        Some(s) if s.contains("1 january") => Some(format!("{period}-01-01")),
        _ if ["demo_gind", "migr_pop1ctz", "migr_pop3ctb", "demo_pjan"].contains(&dataset) => {
            Some(format!("{period}-01-01"))
        }
        _ => None,
    }
}

/// Why there is no answer, as the API says it.
#[derive(Debug)]
pub enum EvalError {
    /// The request cannot be met from the stored data (no release, ambiguous series...).
    Unmet(String),
    Store(StoreError),
}

impl From<StoreError> for EvalError {
    fn from(e: StoreError) -> Self {
        EvalError::Store(e)
    }
}

/// Reads the observations of a series for one geography: every period, ordered.
async fn fetch(
    store: &Store,
    sel: &SeriesSel,
    geo: &str,
) -> Result<(Vec<ObsRow>, DatasetMeta), EvalError> {
    let meta = store.dataset(&sel.dataset).await?.unwrap_or_default();
    let release = store
        .release_for(&sel.dataset, sel.release)
        .await?
        .ok_or_else(|| {
            EvalError::Unmet(match sel.release {
                Some(r) => format!("dataset {} has no published release {r}", sel.dataset),
                None => format!("no dataset {} has been imported", sel.dataset),
            })
        })?;
    let mut filters: Vec<(String, Vec<String>)> = sel
        .dims
        .iter()
        .map(|(d, c)| (d.clone(), vec![c.clone()]))
        .collect();
    filters.push(("geo".into(), vec![geo.to_string()]));
    let rows = store.observations(release.id, &filters).await?;
    // Exactly one series must match: otherwise the request leaves a dimension open.
    let mut series: Vec<i64> = rows.iter().map(|r| r.series_id).collect();
    series.dedup();
    if series.len() > 1 {
        let mut open: Vec<String> = Vec::new();
        let first = &rows[0].dims;
        for r in &rows {
            for (d, c) in &r.dims {
                if first.get(d) != Some(c) && !open.contains(d) {
                    open.push(d.clone());
                }
            }
        }
        return Err(EvalError::Unmet(format!(
            "{} matches {} series in {}: also fix {}",
            describe(sel),
            series.len(),
            geo,
            open.join(", ")
        )));
    }
    Ok((rows, meta))
}

fn describe(sel: &SeriesSel) -> String {
    let dims: Vec<String> = sel.dims.iter().map(|(d, c)| format!("{d}={c}")).collect();
    format!("{}:{}", sel.dataset, dims.join(","))
}

fn operand(
    sel: &SeriesSel,
    meta: &DatasetMeta,
    row: Option<&ObsRow>,
    geo: &str,
    period: &str,
) -> Operand {
    let dims = row
        .map(|r| r.dims.clone())
        .unwrap_or_else(|| sel.dims.clone());
    let group = group_of(&dims, meta.basis.as_deref());
    let source = meta.attribution.clone().or_else(|| {
        meta.publisher
            .clone()
            .map(|p| format!("{p}, {}", sel.dataset))
    });
    let mut op = Operand::new(describe(sel), row.and_then(|r| r.value), group, geo, period)
        .with_source(source.unwrap_or_else(|| sel.dataset.clone()));
    if let Some(r) = row {
        op = op.with_flags(Flags::parse(&r.flags).unwrap_or_default());
    }
    if let Some(d) = reference_date(&sel.dataset, meta.reference_date.as_deref(), period) {
        op = op.with_reference_date(d);
    }
    op
}

async fn one(
    store: &Store,
    sel: &SeriesSel,
    geo: &str,
    period: &str,
) -> Result<(Operand, Option<ObsRow>), EvalError> {
    let (rows, meta) = fetch(store, sel, geo).await?;
    let row = rows.into_iter().find(|r| r.period == period);
    Ok((operand(sel, &meta, row.as_ref(), geo, period), row))
}

/// A refusal for an operand that has no observation at all (the publisher gives no such split
/// there), as distinct from one published as missing (`:`).
fn absent(sel: &SeriesSel, geo: &str, period: &str) -> Refusal {
    Refusal::new(
        RefusalCode::MissingValue,
        format!(
            "{} has no observation for {geo} in {period}: the publisher gives no such figure there",
            describe(sel)
        ),
    )
}

/// The answer to an indicator request: the result, or the reason there is none, and the
/// observations used (with their ids and releases). It serialises as the API answers:
/// `{"indicator": "rate" | "share" | "trend", "result" | "refusal": {...}, "observations": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorAnswer {
    #[serde(flatten)]
    pub outcome: IndicatorOutcome,
    pub observations: Vec<ObsRow>,
}

/// What was computed, by indicator (serialised as the `indicator` member).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "indicator", rename_all = "snake_case")]
pub enum IndicatorOutcome {
    Rate(Answered<Rate>),
    Share(Answered<Share>),
    Trend(Answered<TrendResult>),
}

/// A number, or the reason there is none (serialised as the `result` or `refusal` member).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answered<T> {
    Result(T),
    Refusal(Refusal),
}

impl<T> Answered<T> {
    fn of(r: Result<T, Refusal>) -> Answered<T> {
        match r {
            Ok(v) => Answered::Result(v),
            Err(refusal) => Answered::Refusal(refusal),
        }
    }

    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Answered::Result(_) => None,
            Answered::Refusal(r) => Some(r),
        }
    }
}

impl IndicatorAnswer {
    /// Why there is no number, if there is none.
    pub fn refusal(&self) -> Option<&Refusal> {
        match &self.outcome {
            IndicatorOutcome::Rate(a) => a.refusal(),
            IndicatorOutcome::Share(a) => a.refusal(),
            IndicatorOutcome::Trend(a) => a.refusal(),
        }
    }

    /// The result's caveats (none with a refusal).
    pub fn caveats(&self) -> &[Caveat] {
        match &self.outcome {
            IndicatorOutcome::Rate(Answered::Result(r)) => &r.caveats,
            IndicatorOutcome::Share(Answered::Result(r)) => &r.caveats,
            IndicatorOutcome::Trend(Answered::Result(r)) => &r.caveats,
            _ => &[],
        }
    }
}

/// [`evaluate`] against the application's store.
pub async fn indicator(app: &App, req: &IndicatorRequest) -> Result<IndicatorAnswer, EvalError> {
    evaluate(&app.store, req).await
}

/// Computes an indicator. A refusal (no denominator, missing value, ...) is an answer, not an
/// error.
pub async fn evaluate(store: &Store, req: &IndicatorRequest) -> Result<IndicatorAnswer, EvalError> {
    let mut used: Vec<ObsRow> = Vec::new();
    let outcome = match req {
        IndicatorRequest::Rate {
            numerator,
            denominator,
            geo,
            period,
            notes,
        } => {
            let (n, nr) = one(store, numerator, geo, period).await?;
            let (d, dr) = one(store, denominator, geo, period).await?;
            let missing = match (&nr, &dr) {
                (None, _) => Some(absent(numerator, geo, period)),
                (_, None) => Some(absent(denominator, geo, period)),
                _ => None,
            };
            used.extend(nr.into_iter().chain(dr));
            IndicatorOutcome::Rate(Answered::of(match missing {
                Some(r) => Err(r),
                None => {
                    let den = if d.value.is_some() { Some(&d) } else { None };
                    indicators::rate(&n, den, &notes.notes())
                }
            }))
        }
        IndicatorRequest::Share {
            part,
            whole,
            geo,
            period,
            notes,
        } => {
            let (p, pr) = one(store, part, geo, period).await?;
            let (w, wr) = one(store, whole, geo, period).await?;
            let missing = match (&pr, &wr) {
                (None, _) => Some(absent(part, geo, period)),
                (_, None) => Some(absent(whole, geo, period)),
                _ => None,
            };
            used.extend(pr.into_iter().chain(wr));
            IndicatorOutcome::Share(Answered::of(match missing {
                Some(r) => Err(r),
                None => indicators::share(&p, &w, &notes.notes()),
            }))
        }
        IndicatorRequest::Trend {
            count,
            exposure,
            geo,
            from,
            to,
            notes,
        } => {
            let (counts, count_meta) = fetch(store, count, geo).await?;
            let exposures = match exposure {
                Some(e) => Some(fetch(store, e, geo).await?),
                None => None,
            };
            let in_window = |p: &str| p >= from.as_str() && p <= to.as_str();
            let mut points = Vec::new();
            for c in counts.iter().filter(|r| in_window(&r.period)) {
                let e = exposures
                    .as_ref()
                    .map(|(es, _)| es.iter().find(|r| r.period == c.period));
                let exposure_op = match (exposure, &e, &exposures) {
                    (Some(sel), Some(row), Some((_, meta))) => {
                        Some(operand(sel, meta, *row, geo, &c.period))
                    }
                    _ => None,
                };
                used.push(c.clone());
                if let Some(Some(row)) = e {
                    used.push(row.clone());
                }
                points.push(TrendPoint {
                    count: operand(count, &count_meta, Some(c), geo, &c.period),
                    exposure: exposure_op,
                });
            }
            IndicatorOutcome::Trend(Answered::of(if points.is_empty() {
                Err(Refusal::new(
                    RefusalCode::TooFewPoints,
                    format!(
                        "no observations of {} in {geo} from {from} to {to}",
                        describe(count)
                    ),
                ))
            } else {
                indicators::trend(&points, &notes.notes())
            }))
        }
    };
    Ok(IndicatorAnswer {
        outcome,
        observations: used,
    })
}

/// A number as published: integral values without a decimal point.
pub fn published(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_parse() {
        let s = SeriesSel::parse("CRIM_PRIS_CTZ:citizen=FOR, unit=NR@3").unwrap();
        assert_eq!(s.dataset, "crim_pris_ctz");
        assert_eq!(s.dims["unit"], "NR");
        assert_eq!(s.release, Some(3));
        assert!(SeriesSel::parse(":x=y").is_err());
        assert!(SeriesSel::parse("d:novalue").is_err());
        assert_eq!(
            reference_date("migr_pop1ctz", None, "2022").as_deref(),
            Some("2022-01-01")
        );
        assert_eq!(
            reference_date("azr", Some("31 December"), "2025").as_deref(),
            Some("2025-12-31")
        );
    }

    /// The typed answer serialises exactly as the API's answer was built before it was typed:
    /// `{"indicator", "observations"}` and one of `result` or `refusal`.
    #[test]
    fn answers_serialise_as_the_api_answers() {
        let refused = IndicatorAnswer {
            outcome: IndicatorOutcome::Rate(Answered::Refusal(Refusal::new(
                RefusalCode::MissingValue,
                "no such figure",
            ))),
            observations: vec![],
        };
        assert_eq!(
            serde_json::to_value(&refused).unwrap(),
            json!({"indicator": "rate", "observations": [],
                "refusal": {"code": "missing_value", "message": "no such figure"}})
        );
        let part = Operand::new(
            "prisoners, foreign",
            Some(1486.0),
            Group::new("FOR", "citizen FOR", Basis::Citizenship),
            "SE",
            "2022",
        );
        let whole = Operand::new(
            "prisoners, all",
            Some(8414.0),
            Group::all_persons(),
            "SE",
            "2022",
        );
        let share = indicators::share(&part, &whole, &Notes::none()).unwrap();
        let obs = ObsRow {
            id: "1/2/2022".into(),
            release_id: 1,
            series_id: 2,
            dims: BTreeMap::from([("citizen".to_string(), "FOR".to_string())]),
            period: "2022".into(),
            value: Some(1486.0),
            flags: "p".into(),
        };
        let answer = IndicatorAnswer {
            outcome: IndicatorOutcome::Share(Answered::Result(share.clone())),
            observations: vec![obs.clone()],
        };
        assert_eq!(
            serde_json::to_value(&answer).unwrap(),
            json!({"indicator": "share", "observations": [obs], "result": share})
        );
        assert!(answer.refusal().is_none());
        assert_eq!(answer.caveats(), share.caveats.as_slice());
        assert_eq!(refused.refusal().unwrap().message, "no such figure");
    }
}
