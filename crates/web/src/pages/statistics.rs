//! Statistics in the browser: the datasets and their releases, an explorer
//! (pick filters, see the table and an SVG chart with flags and breaks marked, the caveats and
//! the source under it, download CSV), and a rate view that divides a count by a population.

use crate::AppState;
use crate::api::statistics::{filters, may_read, pairs, release_of};
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::IdPath;
use crate::pages::views::PageMeta;
use crate::pages::{PageResult, render};
use crate::routes::Route;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chancery_app::datasets::{self, ObsRow, ReleaseInfo};
use chancery_app::statistics::{
    Answered, EvalError, IndicatorOutcome, IndicatorRequest, NotesReq, SeriesSel, indicator,
};
use chancery_domain::Marking;
use chancery_report::chart::{ChartSpec, Line, Point, format_number, line_chart_svg};
use std::collections::BTreeMap;

pub struct DatasetRow {
    pub code: String,
    pub title: String,
    pub publisher: String,
    pub releases: usize,
    pub observations: i64,
    pub periods: String,
}

#[derive(Template)]
#[template(path = "statistics.html")]
pub struct DatasetsPage {
    pub page: PageMeta,
    pub rows: Vec<DatasetRow>,
}

pub async fn datasets_page(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    may_read(&user)?;
    let rows = datasets::datasets(&state, &user)
        .await?
        .into_iter()
        .map(|d| {
            let newest = d.releases.first();
            DatasetRow {
                code: d.meta.code.clone(),
                title: d.meta.title.clone().unwrap_or_default(),
                publisher: d.meta.publisher.clone().unwrap_or_default(),
                releases: d.releases.len(),
                observations: newest.map(|r| r.observations).unwrap_or(0),
                periods: newest
                    .map(|r| {
                        format!(
                            "{} to {}",
                            r.period_first.clone().unwrap_or_default(),
                            r.period_last.clone().unwrap_or_default()
                        )
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &DatasetsPage {
            page: PageMeta::new("Statistics", Marking::U, &user),
            rows,
        },
    ))
}

pub struct DimChoice {
    pub dim: String,
    /// (code, shown text, selected)
    pub options: Vec<(String, String, bool)>,
}

/// The label of a code from the vocabulary, where it has one (`FOR`: "Foreign country").
fn label_of(dim: &str, code: &str) -> Option<String> {
    let vocab = chancery_stats::Vocabulary::shared();
    vocab
        .codelist_for(dim)
        .and_then(|name| vocab.codelist(name))
        .and_then(|list| list.label_of(code))
        .or_else(|| {
            vocab
                .codelist("geo")
                .and_then(|g| g.label_of(code))
                .filter(|_| dim == "citizen" || dim == "c_birth")
        })
        .filter(|l| *l != code)
        .map(str::to_string)
}

/// A code with its label from the vocabulary, where it has one: `FOR (Foreign country)`.
fn with_label(dim: &str, code: &str) -> String {
    match label_of(dim, code) {
        Some(l) => format!("{code} ({l})"),
        None => code.to_string(),
    }
}

pub struct TableRow {
    pub series: String,
    pub cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "dataset.html")]
pub struct DatasetPage {
    pub page: PageMeta,
    pub code: String,
    pub title: String,
    pub source: String,
    pub release: ReleaseInfo,
    pub choices: Vec<DimChoice>,
    pub periods: Vec<String>,
    pub rows: Vec<TableRow>,
    pub chart: Option<String>,
    pub chart_note: Option<String>,
    pub caveats: Vec<String>,
    pub csv_href: String,
    pub synthetic: bool,
}

/// A series in words: the labels of its varying dimensions ("Sweden, Foreign country"),
/// a code where the vocabulary has no label.
fn series_label(dims: &BTreeMap<String, String>, fixed: &[String]) -> String {
    dims.iter()
        .filter(|(d, _)| !fixed.contains(d))
        .map(|(d, c)| label_of(d, c).unwrap_or_else(|| c.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cell(o: &ObsRow) -> String {
    let v = match o.value {
        Some(v) => fmt(Some(v)),
        None => ":".into(),
    };
    if o.flags.is_empty() {
        v
    } else {
        format!("{v} {}", o.flags)
    }
}

/// At most this many lines on one chart.
const MAX_LINES: usize = 6;
/// At most this many series in the table of the page (the CSV has them all).
const MAX_ROWS: usize = 200;

pub async fn dataset_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(code): IdPath,
    RawQuery(raw): RawQuery,
) -> PageResult {
    may_read(&user)?;
    let (release, dims) = filters(raw.as_deref())?;
    let rel = release_of(&state, &user, &code, release).await?;
    let meta = datasets::datasets(&state, &user)
        .await?
        .into_iter()
        .find(|d| d.meta.code == code)
        .map(|d| d.meta)
        .unwrap_or_default();
    let values = datasets::dimension_values(&state, &user, &rel).await?;
    let choices = values
        .iter()
        .map(|(d, codes)| DimChoice {
            dim: d.clone(),
            options: codes
                .iter()
                .map(|c| {
                    (
                        c.clone(),
                        with_label(d, c),
                        dims.iter().any(|(fd, fc)| fd == d && fc.contains(c)),
                    )
                })
                .collect(),
        })
        .collect();
    let rows = if dims.is_empty() {
        Vec::new()
    } else {
        datasets::observations(&state, &user, &rel, &dims).await?
    };
    let mut periods: Vec<String> = rows.iter().map(|o| o.period.clone()).collect();
    periods.sort();
    periods.dedup();
    // Dimensions with one code across the rows are shown once, above the table.
    let fixed: Vec<String> = values
        .keys()
        .filter(|d| {
            let mut codes = rows.iter().filter_map(|o| o.dims.get(*d));
            let first = codes.next();
            codes.all(|c| Some(c) == first)
        })
        .cloned()
        .collect();
    let mut by_series: BTreeMap<i64, Vec<&ObsRow>> = BTreeMap::new();
    for o in &rows {
        by_series.entry(o.series_id).or_default().push(o);
    }
    let table: Vec<TableRow> = by_series
        .values()
        .take(MAX_ROWS)
        .map(|obs| TableRow {
            series: series_label(&obs[0].dims, &fixed),
            cells: periods
                .iter()
                .map(|p| {
                    obs.iter()
                        .find(|o| &o.period == p)
                        .map(|o| cell(o))
                        .unwrap_or_default()
                })
                .collect(),
        })
        .collect();
    let synthetic = meta
        .title
        .as_deref()
        .is_some_and(|t| t.contains("SYNTHETIC"));
    let lines: Vec<Line> = by_series
        .values()
        .take(MAX_LINES)
        .map(|obs| Line {
            label: series_label(&obs[0].dims, &fixed),
            points: obs
                .iter()
                .map(|o| Point {
                    period: o.period.clone(),
                    value: o.value,
                    lower: None,
                    upper: None,
                    flags: o.flags.clone(),
                })
                .collect(),
        })
        .collect();
    let title = meta.title.clone().unwrap_or_else(|| code.clone());
    let chart = if lines.is_empty() {
        None
    } else {
        let spec = ChartSpec {
            title: title.clone(),
            y_label: fixed_unit(&rows),
            lines,
            synthetic,
            band: String::new(),
        };
        Some(line_chart_svg(&spec).map_err(AppError::Internal)?)
    };
    let chart_note = (by_series.len() > MAX_LINES).then(|| {
        format!(
            "The chart shows the first {MAX_LINES} of {} series; narrow the filters to see others.",
            by_series.len()
        )
    });
    let mut caveats = flag_notes(&rows);
    if values.contains_key("geo")
        && dims.iter().any(|(d, c)| d == "geo" && c.len() > 1)
        && code.starts_with("crim")
    {
        caveats.push("Police and justice figures are not directly comparable across countries: definitions and recording practice differ.".into());
    }
    if rows
        .iter()
        .any(|o| o.dims.get("unit").is_some_and(|u| u == "P_HTHAB"))
    {
        caveats.push("\"Per hundred thousand inhabitants\" divides by the whole population, also for a subgroup: it is not a rate of that group.".into());
    }
    let csv_href = format!(
        "/statistics/{code}/csv{}",
        raw.as_deref().map(|q| format!("?{q}")).unwrap_or_default()
    );
    let t = DatasetPage {
        page: PageMeta::new(title.clone(), Marking::U, &user),
        source: source_line(&meta, &rel),
        code,
        title,
        release: rel,
        choices,
        periods,
        rows: table,
        chart,
        chart_note,
        caveats,
        csv_href,
        synthetic,
    };
    Ok(render(StatusCode::OK, &t))
}

fn fixed_unit(rows: &[ObsRow]) -> String {
    let mut units: Vec<&String> = rows.iter().filter_map(|o| o.dims.get("unit")).collect();
    units.dedup();
    match units.as_slice() {
        [u] => match u.as_str() {
            "NR" => "number".into(),
            "P_HTHAB" => "per 100,000 inhabitants (whole population)".into(),
            other => other.to_string(),
        },
        _ => String::new(),
    }
}

/// A sentence per flag that occurs.
fn flag_notes(rows: &[ObsRow]) -> Vec<String> {
    let mut seen: Vec<char> = rows.iter().flat_map(|o| o.flags.chars()).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.into_iter()
        .map(|f| {
            format!(
                "Values marked {f}: {}.",
                chancery_stats::indicators::flag_meaning(f)
            )
        })
        .collect()
}

fn source_line(meta: &datasets::DatasetMeta, rel: &ReleaseInfo) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &meta.publisher {
        parts.push(p.clone());
    }
    parts.push(format!("dataset {}", meta.code));
    if let Some(l) = &meta.licence {
        parts.push(format!("licence: {l}"));
    }
    if let Some(u) = &meta.source_url {
        parts.push(u.clone());
    }
    if let Some(r) = &meta.retrieved {
        parts.push(format!("retrieved {r}"));
    }
    parts.push(format!(
        "release {} imported {} (sha256 {})",
        rel.id,
        rel.imported_at.format("%Y-%m-%d"),
        &rel.sha256[..12.min(rel.sha256.len())]
    ));
    parts.join("; ")
}

pub async fn dataset_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(code): IdPath,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    may_read(&user)?;
    let (release, dims) = filters(raw.as_deref())?;
    let rel = release_of(&state, &user, &code, release).await?;
    let meta = datasets::datasets(&state, &user)
        .await?
        .into_iter()
        .find(|d| d.meta.code == code)
        .map(|d| d.meta)
        .unwrap_or_default();
    let rows = datasets::observations(&state, &user, &rel, &dims).await?;
    let dim_names: Vec<String> = datasets::dimension_values(&state, &user, &rel)
        .await?
        .into_keys()
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = dim_names.clone();
    header.extend(["period", "value", "flags", "observation_id", "source"].map(String::from));
    w.write_record(&header)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let source = source_line(&meta, &rel);
    for o in &rows {
        let mut rec: Vec<String> = dim_names
            .iter()
            .map(|d| o.dims.get(d).cloned().unwrap_or_default())
            .collect();
        rec.push(o.period.clone());
        rec.push(
            o.value
                .map(|v| {
                    if v.fract() == 0.0 && v.abs() < 1e15 {
                        format!("{}", v as i64)
                    } else {
                        v.to_string()
                    }
                })
                .unwrap_or_default(),
        );
        rec.push(o.flags.clone());
        rec.push(o.id.clone());
        rec.push(source.clone());
        w.write_record(&rec)
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let name = format!("attachment; filename=\"{code}-release-{}.csv\"", rel.id);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "rate.html")]
pub struct RatePage {
    pub page: PageMeta,
    pub num: String,
    pub den: String,
    pub geo: String,
    pub from: String,
    pub to: String,
    pub edge: String,
    pub error: Option<String>,
    pub rows: Vec<Vec<String>>,
    pub chart: Option<String>,
    pub caveats: Vec<String>,
}

/// Rates per 100,000 for each year of a window: numerator and denominator picked as series.
pub async fn rate_page(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> PageResult {
    may_read(&user)?;
    let q: BTreeMap<String, String> = pairs(raw.as_deref()).into_iter().collect();
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let (num, den, geo, from, to, edge) = (
        get("num"),
        get("den"),
        get("geo"),
        get("from"),
        get("to"),
        get("edge"),
    );
    let mut t = RatePage {
        page: PageMeta::new("Rate per 100,000", Marking::U, &user),
        num: num.clone(),
        den: den.clone(),
        geo: geo.clone(),
        from: from.clone(),
        to: to.clone(),
        edge: edge.clone(),
        error: None,
        rows: Vec::new(),
        chart: None,
        caveats: Vec::new(),
    };
    if num.is_empty() || den.is_empty() || geo.is_empty() {
        return Ok(render(StatusCode::OK, &t));
    }
    let (numerator, denominator) = match (SeriesSel::parse(&num), SeriesSel::parse(&den)) {
        (Ok(n), Ok(d)) => (n, d),
        (Err(e), _) | (_, Err(e)) => {
            t.error = Some(e);
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t));
        }
    };
    let notes = NotesReq {
        edges: if edge.is_empty() {
            vec![]
        } else {
            vec![edge.clone()]
        },
        immigration_law_offences_included: false,
    };
    // The periods the numerator has in the window.
    let rel = release_of(&state, &user, &numerator.dataset, numerator.release).await?;
    let mut f: Vec<(String, Vec<String>)> = numerator
        .dims
        .iter()
        .map(|(d, c)| (d.clone(), vec![c.clone()]))
        .collect();
    f.push(("geo".into(), vec![geo.clone()]));
    let mut periods: Vec<String> = datasets::observations(&state, &user, &rel, &f)
        .await?
        .into_iter()
        .map(|o| o.period)
        .collect();
    periods.retain(|p| (from.is_empty() || p >= &from) && (to.is_empty() || p <= &to));
    periods.dedup();
    let mut points = Vec::new();
    let mut caveats: Vec<String> = Vec::new();
    for period in &periods {
        let req = IndicatorRequest::Rate {
            numerator: numerator.clone(),
            denominator: denominator.clone(),
            geo: geo.clone(),
            period: period.clone(),
            notes: notes.clone(),
        };
        let answer = match indicator(&state.app, &req).await {
            Ok(a) => a,
            Err(EvalError::Unmet(m)) => {
                t.error = Some(m);
                return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t));
            }
            Err(EvalError::Store(e)) => return Err(e.into()),
        };
        match &answer.outcome {
            IndicatorOutcome::Rate(Answered::Result(r)) => {
                let finite = |v: f64| Some(v).filter(|v| v.is_finite());
                let rate = finite(r.value);
                let (lo, hi) = (finite(r.interval.lower), finite(r.interval.upper));
                let flags = r.flags.to_string();
                t.rows.push(vec![
                    period.clone(),
                    fmt(Some(r.count as f64)),
                    fmt(finite(r.denominator_value)),
                    one_decimal(rate),
                    format!("{} to {}", one_decimal(lo), one_decimal(hi)),
                    flags.clone(),
                    r.denominator_reference_date.clone().unwrap_or_default(),
                ]);
                for c in &r.caveats {
                    if !caveats.contains(&c.text) {
                        caveats.push(c.text.clone());
                    }
                }
                points.push(Point {
                    period: period.clone(),
                    value: rate,
                    lower: lo,
                    upper: hi,
                    flags,
                });
            }
            _ => {
                let reason = answer
                    .refusal()
                    .map(|r| r.message.clone())
                    .unwrap_or_else(|| "no rate".into());
                t.rows.push(vec![
                    period.clone(),
                    String::new(),
                    String::new(),
                    "no rate".into(),
                    reason,
                    String::new(),
                    String::new(),
                ]);
                points.push(Point {
                    period: period.clone(),
                    value: None,
                    lower: None,
                    upper: None,
                    flags: String::new(),
                });
            }
        }
    }
    let mut synthetic = false;
    for code in [&numerator.dataset, &denominator.dataset] {
        if let Some(m) = datasets::dataset(&state, &user, code).await? {
            synthetic |= m.title.as_deref().is_some_and(|t| t.contains("SYNTHETIC"));
        }
    }
    if points.iter().any(|p| p.value.is_some()) {
        let place = label_of("geo", &geo).unwrap_or_else(|| geo.clone());
        let spec = ChartSpec {
            title: format!(
                "{} per 100,000 of {}, {place}",
                numerator.dataset, denominator.dataset
            ),
            y_label: "per 100,000".into(),
            lines: vec![Line {
                label: place.clone(),
                points,
            }],
            synthetic,
            band: "95% interval (Garwood, exact)".into(),
        };
        t.chart = Some(line_chart_svg(&spec).map_err(AppError::Internal)?);
    }
    t.caveats = caveats;
    Ok(render(StatusCode::OK, &t))
}

/// A value as a table shows it: thousands separators, the decimals it has (up to six).
fn fmt(v: Option<f64>) -> String {
    match v {
        Some(v) => format_number(v, 6),
        None => String::new(),
    }
}

/// A rate or an interval bound to one decimal, with thousands separators: `2,734.0`.
fn one_decimal(v: Option<f64>) -> String {
    match v.filter(|v| v.is_finite()) {
        Some(v) => {
            let s = format_number(v, 1);
            if s.contains('.') { s } else { format!("{s}.0") }
        }
        None => "n/a".into(),
    }
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("statistics_page", "/statistics", datasets_page),
        Route::get("rate_page", "/statistics/rate", rate_page),
        Route::get("dataset_page", "/statistics/{code}", dataset_page),
        Route::get("dataset_csv", "/statistics/{code}/csv", dataset_csv),
    ]
}
