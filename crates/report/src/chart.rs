//! SVG line charts for statistics: one line per series, an interval band where the values
//! carry intervals, flagged points marked with their flags, and breaks in series drawn as a
//! dashed vertical rule. The title says SYNTHETIC for synthetic data.

use plotters::prelude::*;
use serde::Serialize;

/// One point of a series. `lower`/`upper` draw the interval band.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub period: String,
    pub value: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub flags: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub label: String,
    pub points: Vec<Point>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartSpec {
    pub title: String,
    pub y_label: String,
    pub lines: Vec<Line>,
    /// Synthetic data: the title carries the word SYNTHETIC.
    pub synthetic: bool,
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(11, 79, 138),
    RGBColor(179, 38, 30),
    RGBColor(46, 125, 50),
    RGBColor(138, 90, 0),
    RGBColor(106, 27, 154),
    RGBColor(0, 121, 107),
];

/// Renders the chart as an SVG document (800 x 420). Periods are taken in order of first
/// appearance across the lines, which callers give sorted.
pub fn line_chart_svg(spec: &ChartSpec) -> Result<String, String> {
    let mut periods: Vec<String> = Vec::new();
    for l in &spec.lines {
        for p in &l.points {
            if !periods.contains(&p.period) {
                periods.push(p.period.clone());
            }
        }
    }
    periods.sort();
    let values = spec
        .lines
        .iter()
        .flat_map(|l| l.points.iter())
        .flat_map(|p| [p.value, p.lower, p.upper])
        .flatten();
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo).abs() * 0.08).max(1e-9);
    let (y0, y1) = (
        if lo >= 0.0 {
            0f64.max(lo - pad)
        } else {
            lo - pad
        },
        hi + pad,
    );
    let title = if spec.synthetic && !spec.title.contains("SYNTHETIC") {
        format!("SYNTHETIC: {}", spec.title)
    } else {
        spec.title.clone()
    };
    let n = periods.len().max(1);
    let x_of = |period: &str| periods.iter().position(|p| p == period).unwrap_or(0) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), y0..y1)
            .map_err(|e| e.to_string())?;
        let labels = periods.clone();
        chart
            .configure_mesh()
            .x_labels(n.min(12))
            .light_line_style(WHITE)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| {
                if y.abs() >= 100.0 || y.fract() == 0.0 {
                    format!("{y:.0}")
                } else {
                    format!("{y:.1}")
                }
            })
            .y_desc(spec.y_label.as_str())
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, line) in spec.lines.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            // Interval bands over runs of consecutive points that have intervals.
            let mut bands: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
            for p in &line.points {
                match (p.lower, p.upper) {
                    (Some(l), Some(u)) => {
                        bands
                            .last_mut()
                            .expect("one band")
                            .push((x_of(&p.period), l, u))
                    }
                    _ => bands.push(Vec::new()),
                }
            }
            for band in bands.into_iter().filter(|b| b.len() >= 2) {
                let mut poly: Vec<(f64, f64)> = band.iter().map(|(x, _, u)| (*x, *u)).collect();
                poly.extend(band.iter().rev().map(|(x, l, _)| (*x, *l)));
                chart
                    .draw_series(std::iter::once(Polygon::new(poly, color.mix(0.15))))
                    .map_err(|e| e.to_string())?;
            }
            // Runs of consecutive non-missing values; a missing value breaks the line.
            let mut run: Vec<(f64, f64)> = Vec::new();
            let mut runs = Vec::new();
            for p in &line.points {
                match p.value {
                    Some(v) => run.push((x_of(&p.period), v)),
                    None => runs.push(std::mem::take(&mut run)),
                }
            }
            runs.push(run);
            let mut labelled = false;
            for r in runs.into_iter().filter(|r| !r.is_empty()) {
                let series = chart
                    .draw_series(LineSeries::new(r, color.stroke_width(2)))
                    .map_err(|e| e.to_string())?;
                if !labelled {
                    series
                        .label(line.label.as_str())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color));
                    labelled = true;
                }
            }
            for p in &line.points {
                let Some(v) = p.value else { continue };
                let x = x_of(&p.period);
                if p.flags.is_empty() {
                    chart
                        .draw_series(std::iter::once(Circle::new((x, v), 3, color.filled())))
                        .map_err(|e| e.to_string())?;
                } else {
                    chart
                        .draw_series(std::iter::once(Circle::new(
                            (x, v),
                            5,
                            color.stroke_width(2),
                        )))
                        .map_err(|e| e.to_string())?;
                    chart
                        .draw_series(std::iter::once(Text::new(
                            format!("({})", p.flags),
                            (x, v),
                            ("sans-serif", 12).into_font().color(&BLACK),
                        )))
                        .map_err(|e| e.to_string())?;
                }
                if p.flags.contains('b') {
                    let rule = DashedLineSeries::new(
                        vec![(x - 0.5, y0), (x - 0.5, y1)],
                        4,
                        4,
                        RGBColor(90, 90, 90).stroke_width(1),
                    );
                    chart.draw_series(rule).map_err(|e| e.to_string())?;
                    chart
                        .draw_series(std::iter::once(Text::new(
                            "break in series",
                            (x - 0.45, y1),
                            ("sans-serif", 11).into_font().color(&BLACK),
                        )))
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        if spec.lines.len() > 1 || spec.lines.iter().any(|l| !l.label.is_empty()) {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(period: &str, v: Option<f64>, flags: &str) -> Point {
        Point {
            period: period.into(),
            value: v,
            lower: v.map(|v| v * 0.9),
            upper: v.map(|v| v * 1.1),
            flags: flags.into(),
        }
    }

    #[test]
    fn charts_mark_flags_breaks_and_synthetic_data() {
        let spec = ChartSpec {
            title: "Test chart".into(),
            y_label: "per 100,000".into(),
            lines: vec![Line {
                label: "Sweden".into(),
                points: vec![
                    p("2019", Some(10.0), ""),
                    p("2020", None, ""),
                    p("2021", Some(12.0), "b"),
                    p("2022", Some(13.0), "e"),
                ],
            }],
            synthetic: true,
        };
        let svg = line_chart_svg(&spec).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("SYNTHETIC: Test chart"));
        assert!(svg.contains("break in series"));
        assert!(svg.contains("(e)") && svg.contains("(b)"));
        assert!(svg.contains("2019") && svg.contains("2022"));
        assert!(svg.contains("<polygon"), "interval band");
    }

    #[test]
    fn an_empty_chart_still_renders() {
        let spec = ChartSpec {
            title: "Empty".into(),
            y_label: String::new(),
            lines: vec![],
            synthetic: false,
        };
        assert!(line_chart_svg(&spec).unwrap().contains("Empty"));
    }
}
