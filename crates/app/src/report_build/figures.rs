//! Statistics figures: an indicator request evaluated against the stored releases, drawn as
//! a chart and a table, with its data line and caveats.

use super::*;

impl Builder<'_> {
    /// The data lines of a figure (`Data: publisher, title (code; release N)`) and whether
    /// any dataset it reads is synthetic.
    pub(super) async fn data_sources(
        &self,
        indicator: &Value,
        answer: &Value,
    ) -> Result<(Vec<String>, bool), BuildError> {
        let mut codes: Vec<String> = Vec::new();
        if let Some(o) = indicator.as_object() {
            for v in o.values() {
                if let Some(code) = v["dataset"].as_str() {
                    let code = code.trim().to_lowercase();
                    if !codes.contains(&code) {
                        codes.push(code);
                    }
                }
            }
        }
        let mut releases: Vec<i64> = answer["observations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["release_id"].as_i64())
            .collect();
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
        for o in answer["observations"].as_array().into_iter().flatten() {
            self.observations.push(ObservationUse {
                id: o["id"].as_str().unwrap_or_default().to_string(),
                release_id: o["release_id"].as_i64().unwrap_or_default(),
                series_id: o["series_id"].as_i64().unwrap_or_default(),
                dims: serde_json::from_value(o["dims"].clone()).unwrap_or_default(),
                period: o["period"].as_str().unwrap_or_default().to_string(),
                value: o["value"].as_f64(),
                flags: o["flags"].as_str().unwrap_or_default().to_string(),
                paragraph: para.to_string(),
            });
        }
        let refusal = answer["refusal"]["message"].as_str().map(str::to_string);
        let r = &answer["result"];
        // Where the numbers come from, first: each dataset's publisher and title with the
        // releases used; synthetic data says so whatever the drafter's title says.
        let (data_lines, synthetic) = self.data_sources(indicator, &answer).await?;
        let n_data = data_lines.len();
        let mut caveats: Vec<String> = data_lines;
        caveats.extend(
            r["caveats"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["text"].as_str().map(str::to_string)),
        );
        let n = |v: &Value| v.as_f64().map(fmt_num).unwrap_or_else(|| "n/a".into());
        let ci = |i: &Value, scale: f64| match (i["lower"].as_f64(), i["upper"].as_f64()) {
            (Some(a), Some(b)) => format!("{} to {}", fmt_num(a * scale), fmt_num(b * scale)),
            _ => "n/a".into(),
        };
        let mut table = Table::default();
        let mut svg = None;
        if refusal.is_none() {
            match answer["indicator"].as_str() {
                Some("rate") => {
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
                            text(&r["numerator"]["label"]),
                            r["basis"].as_str().unwrap_or_default().replace('_', " "),
                            text(&r["period"]),
                            n(&r["count"]),
                            n(&r["denominator_value"]),
                            format!(
                                "{} {}",
                                n(&r["value"]),
                                r["per_label"].as_str().unwrap_or_default()
                            ),
                            ci(&r["interval"], 1.0),
                            text(&r["flags"]),
                        ],
                        marking: Marking::U,
                    });
                }
                Some("share") => {
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
                            text(&r["part"]["label"]),
                            text(&r["whole"]["label"]),
                            text(&r["period"]),
                            n(&r["part_count"]),
                            n(&r["whole_count"]),
                            n(&r["percent"]),
                            ci(&r["interval"], 100.0),
                            text(&r["flags"]),
                        ],
                        marking: Marking::U,
                    });
                }
                _ => {
                    let with_exposure = r["points"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|p| !p["exposure"].is_null());
                    table.columns = if with_exposure {
                        ["Period", "Count", "Population", "Per 100,000", "Flags"]
                            .map(String::from)
                            .to_vec()
                    } else {
                        ["Period", "Count", "Flags"].map(String::from).to_vec()
                    };
                    let mut points = Vec::new();
                    for p in r["points"].as_array().into_iter().flatten() {
                        let period = p["count"]["period"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string();
                        let count = p["count"]["value"].as_f64();
                        let exposure = p["exposure"]["value"].as_f64();
                        let mut flags = String::new();
                        for f in [&p["count"]["flags"], &p["exposure"]["flags"]] {
                            for ch in f.as_str().unwrap_or_default().chars() {
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
                    let fit = &r["fit"];
                    let mut trend_caveats = Vec::new();
                    if let Some(ch) = fit["annual_change"].as_f64() {
                        trend_caveats.push(format!(
                            "Fitted change per year: {}% (95% interval {}%, quasi-Poisson, {} points).",
                            fmt_num(ch * 100.0),
                            ci(&fit["quasi_interval"], 100.0),
                            fit["n"].as_u64().unwrap_or_default()
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
            }
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

/// A JSON string member as text ("" when absent).
pub(super) fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}
