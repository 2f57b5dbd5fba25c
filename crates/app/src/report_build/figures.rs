//! Statistics figures: an indicator request evaluated against the stored releases, drawn as
//! a chart and a table, with its data line and caveats.

use super::resolve::Builder;
use super::{BuildError, ObservationUse, fmt_num};
use crate::statistics::{Answered, IndicatorAnswer, IndicatorOutcome, SeriesSel};
use crate::statistics::{IndicatorRequest, evaluate};
use chancery_domain::Marking;
use chancery_report::chart;
use chancery_report::doc::{Block, Row, Table};
use chancery_stats::indicators::Interval;
use serde_json::Value;

/// The series an indicator request reads, in the order their data lines are listed (a rate's
/// denominator before its numerator).
fn series_of(req: &IndicatorRequest) -> Vec<&SeriesSel> {
    match req {
        IndicatorRequest::Rate {
            numerator,
            denominator,
            ..
        } => vec![denominator, numerator],
        IndicatorRequest::Share { part, whole, .. } => vec![part, whole],
        IndicatorRequest::Trend {
            count, exposure, ..
        } => std::iter::once(count).chain(exposure).collect(),
    }
}

/// A number as the figure's table shows it; "n/a" for one that is not finite.
fn num(x: f64) -> String {
    if x.is_finite() {
        fmt_num(x)
    } else {
        "n/a".into()
    }
}

/// An interval as the figure's table shows it, scaled (100 for percent).
fn interval(i: &Interval, scale: f64) -> String {
    if i.lower.is_finite() && i.upper.is_finite() {
        format!(
            "{} to {}",
            fmt_num(i.lower * scale),
            fmt_num(i.upper * scale)
        )
    } else {
        "n/a".into()
    }
}

impl Builder<'_> {
    /// The data lines of a figure (`Data: publisher, title (code; release N)`) and whether
    /// any dataset it reads is synthetic.
    pub(super) async fn data_sources(
        &self,
        req: &IndicatorRequest,
        answer: &IndicatorAnswer,
    ) -> Result<(Vec<String>, bool), BuildError> {
        let mut codes: Vec<String> = Vec::new();
        for sel in series_of(req) {
            let code = sel.dataset.trim().to_lowercase();
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        let mut releases: Vec<i64> = answer.observations.iter().map(|o| o.release_id).collect();
        releases.sort_unstable();
        releases.dedup();
        let mut lines = Vec::new();
        let mut synthetic = false;
        for code in codes {
            let Some(meta) = self.store.dataset(&code).await? else {
                continue;
            };
            let said = |x: &Option<String>| x.as_deref().is_some_and(|t| t.contains("SYNTHETIC"));
            if said(&meta.title) || said(&meta.publisher) || said(&meta.notes) {
                synthetic = true;
            }
            let mut line = format!(
                "Data: {}, {} ({code}",
                meta.publisher
                    .as_deref()
                    .unwrap_or("publisher not recorded"),
                meta.title.as_deref().unwrap_or("untitled dataset"),
            );
            let mut mine = Vec::new();
            for r in &releases {
                if let Some(info) = self.store.release(*r).await?
                    && info.dataset == code
                {
                    mine.push(format!("{} of {}", r, info.imported_at.format("%Y-%m-%d")));
                }
            }
            if !mine.is_empty() {
                line.push_str(&format!("; release {}", mine.join(", ")));
            }
            line.push_str(").");
            lines.push(line);
        }
        if synthetic {
            lines.insert(
                0,
                "SYNTHETIC data: these numbers are made up for illustration and are not official figures."
                    .to_string(),
            );
        }
        Ok((lines, synthetic))
    }

    pub(super) async fn figure(
        &mut self,
        title: &str,
        indicator: &Value,
        para: &str,
    ) -> Result<Block, BuildError> {
        let req: IndicatorRequest = serde_json::from_value(indicator.clone()).map_err(|e| {
            BuildError::Invalid(format!(
                "paragraph {para}: the figure's indicator request is not valid: {e}"
            ))
        })?;
        let answer = evaluate(self.store, &req).await.map_err(|e| match e {
            crate::statistics::EvalError::Unmet(m) => {
                BuildError::Invalid(format!("paragraph {para}: {m}"))
            }
            crate::statistics::EvalError::Store(s) => BuildError::Store(s),
        })?;
        for o in &answer.observations {
            self.observations.push(ObservationUse {
                id: o.id.clone(),
                release_id: o.release_id,
                series_id: o.series_id,
                dims: o.dims.clone(),
                period: o.period.clone(),
                value: o.value,
                flags: o.flags.clone(),
                paragraph: para.to_string(),
            });
        }
        let refusal = answer.refusal().map(|r| r.message.clone());
        // Where the numbers come from, first: each dataset's publisher and title with the
        // releases used; synthetic data says so whatever the drafter's title says.
        let (data_lines, synthetic) = self.data_sources(&req, &answer).await?;
        let n_data = data_lines.len();
        let mut caveats: Vec<String> = data_lines;
        caveats.extend(answer.caveats().iter().map(|c| c.text.clone()));
        let mut table = Table::default();
        let mut svg = None;
        match &answer.outcome {
            IndicatorOutcome::Rate(Answered::Result(r)) => {
                table.columns = [
                    "Group",
                    "Basis",
                    "Period",
                    "Count",
                    "Denominator",
                    "Rate",
                    "95% interval",
                    "Flags",
                ]
                .map(String::from)
                .to_vec();
                table.rows.push(Row {
                    cells: vec![
                        r.numerator.label.clone(),
                        r.basis.label().to_string(),
                        r.period.clone(),
                        num(r.count as f64),
                        num(r.denominator_value),
                        format!("{} {}", num(r.value), r.per_label),
                        interval(&r.interval, 1.0),
                        r.flags.to_string(),
                    ],
                    marking: Marking::U,
                });
            }
            IndicatorOutcome::Share(Answered::Result(r)) => {
                table.columns = [
                    "Part",
                    "Whole",
                    "Period",
                    "Part count",
                    "Whole count",
                    "Share %",
                    "95% interval %",
                    "Flags",
                ]
                .map(String::from)
                .to_vec();
                table.rows.push(Row {
                    cells: vec![
                        r.part.label.clone(),
                        r.whole.label.clone(),
                        r.period.clone(),
                        num(r.part_count as f64),
                        num(r.whole_count as f64),
                        num(r.percent),
                        interval(&r.interval, 100.0),
                        r.flags.to_string(),
                    ],
                    marking: Marking::U,
                });
            }
            IndicatorOutcome::Trend(Answered::Result(r)) => {
                let with_exposure = r.points.iter().any(|p| p.exposure.is_some());
                table.columns = if with_exposure {
                    ["Period", "Count", "Population", "Per 100,000", "Flags"]
                        .map(String::from)
                        .to_vec()
                } else {
                    ["Period", "Count", "Flags"].map(String::from).to_vec()
                };
                let mut points = Vec::new();
                for p in &r.points {
                    let finite = |v: Option<f64>| v.filter(|x| x.is_finite());
                    let period = p.count.period.clone();
                    let count = finite(p.count.value);
                    let exposure = finite(p.exposure.as_ref().and_then(|e| e.value));
                    let mut flags = String::new();
                    let exposure_flags = p.exposure.as_ref().map(|e| e.flags.to_string());
                    for f in [Some(p.count.flags.to_string()), exposure_flags]
                        .into_iter()
                        .flatten()
                    {
                        for ch in f.chars() {
                            if !flags.contains(ch) {
                                flags.push(ch);
                            }
                        }
                    }
                    let value = if with_exposure {
                        count
                            .zip(exposure)
                            .filter(|(_, e)| *e > 0.0)
                            .map(|(c, e)| c / e * 100_000.0)
                    } else {
                        count
                    };
                    let mut cells = vec![
                        period.clone(),
                        count.map(fmt_num).unwrap_or_else(|| "n/a".into()),
                    ];
                    if with_exposure {
                        cells.push(exposure.map(fmt_num).unwrap_or_else(|| "n/a".into()));
                        cells.push(value.map(fmt_num).unwrap_or_else(|| "n/a".into()));
                    }
                    cells.push(flags.clone());
                    table.rows.push(Row {
                        cells,
                        marking: Marking::U,
                    });
                    points.push(chart::Point {
                        period,
                        value,
                        lower: None,
                        upper: None,
                        flags,
                    });
                }
                let fit = &r.fit;
                let mut trend_caveats = Vec::new();
                if fit.annual_change.is_finite() {
                    trend_caveats.push(format!(
                        "Fitted change per year: {}% (95% interval {}%, quasi-Poisson, {} points).",
                        fmt_num(fit.annual_change * 100.0),
                        interval(&fit.quasi_interval, 100.0),
                        fit.n
                    ));
                }
                let spec = chart::ChartSpec {
                    title: title.to_string(),
                    y_label: if with_exposure {
                        "per 100,000".into()
                    } else {
                        "count".into()
                    },
                    lines: vec![chart::Line {
                        // One line: the y axis says what is drawn and the data line
                        // names the series, so no legend covers the line.
                        label: String::new(),
                        points,
                    }],
                    synthetic,
                    // The trend's points carry no intervals: no band is drawn.
                    band: String::new(),
                };
                svg = chart::line_chart_svg(&spec).ok();
                // The data lines first, then the fit, then the indicator's caveats.
                let mut all = caveats;
                all.splice(n_data..n_data, trend_caveats);
                return Ok(Block::Figure {
                    title: title.to_string(),
                    svg,
                    table,
                    caveats: all,
                    refusal,
                    marking: Marking::U,
                });
            }
            // A refusal: no table, the reason instead.
            _ => {}
        }
        Ok(Block::Figure {
            title: title.to_string(),
            svg,
            table,
            caveats,
            refusal,
            marking: Marking::U,
        })
    }
}
