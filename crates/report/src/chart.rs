//! SVG line charts for statistics: one line per series, an interval band where the values
//! carry intervals, flagged points marked with their flags, and breaks in series drawn as a
//! dashed vertical rule. The title says SYNTHETIC for synthetic data.
//!
//! Honest by construction: the value axis always starts at zero (a chart of counts or rates
//! never cuts its axis), tick labels carry thousands separators, every text is drawn at 12 px
//! or larger in the SVG's own units, and the legend sits under the plot (never over a line)
//! naming each series and, where a band is drawn, what the band is. The SVG carries a
//! `<title>` and a `<desc>` written from the data ([`with_title_and_desc`]); callers show the
//! table of the same numbers beside it.

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
    /// The series in words ("Sweden, foreign citizens"), never as codes.
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
    /// What the shaded band shows, for the legend ("95% interval (Garwood, exact)"); used
    /// only when a point has an interval. Empty reads "95% interval".
    pub band: String,
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(11, 79, 138),
    RGBColor(179, 38, 30),
    RGBColor(46, 125, 50),
    RGBColor(138, 90, 0),
    RGBColor(106, 27, 154),
    RGBColor(0, 121, 107),
];

/// plotters writes a font of size `s` as `font-size = s / 1.24` in the SVG: these sizes give
/// 13.7 px for the axes and the legend, 12.9 px for flags and 17.7 px for the caption, so the
/// text stays at 12 px or more when a page scales the 800-unit chart down to 700 px.
const TEXT: u32 = 17;
const SMALL_TEXT: u32 = 16;
const CAPTION_TEXT: u32 = 22;
/// The chart's width and the plot's height; the legend adds a row per entry under the plot.
const WIDTH: u32 = 800;
const PLOT_HEIGHT: u32 = 420;
const LEGEND_ROW: u32 = 24;

/// A number with thousands separators: `12,345`, `2,734.5`, `-1,000`; at most `decimals`
/// decimals, trailing zeros dropped. Not finite reads `n/a`.
pub fn format_number(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), f.trim_end_matches('0').to_string()),
        None => (s.clone(), String::new()),
    };
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let zero = grouped.chars().all(|c| c == '0' || c == ',') && frac.is_empty();
    let sign = if x < 0.0 && !zero { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Puts `<title>` and `<desc>` first inside the SVG's root element (plotters writes
/// neither), and marks the root `role="img"`, so a screen reader announces the chart.
pub fn with_title_and_desc(svg: &str, title: &str, desc: &str) -> String {
    let Some(start) = svg.find("<svg") else {
        return svg.to_string();
    };
    let Some(end) = svg[start..].find('>').map(|e| start + e) else {
        return svg.to_string();
    };
    let open = &svg[start..end];
    let open = if open.contains("role=") {
        open.to_string()
    } else {
        format!("{open} role=\"img\"")
    };
    format!(
        "{}{open}>\n<title>{}</title>\n<desc>{}</desc>{}",
        &svg[..start],
        escape_xml(title),
        escape_xml(desc),
        &svg[end + 1..]
    )
}

/// The chart in words, for `<desc>`: what is drawn over which periods, where the axis
/// starts, what the band is, and where the numbers are.
fn description(spec: &ChartSpec, periods: &[String], band: Option<&str>) -> String {
    let mut d = String::from("Line chart");
    if !spec.y_label.trim().is_empty() {
        d.push_str(&format!(" ({})", spec.y_label.trim()));
    }
    if let (Some(first), Some(last)) = (periods.first(), periods.last()) {
        d.push_str(&format!(" by period, {first} to {last}"));
    }
    let named: Vec<&str> = spec
        .lines
        .iter()
        .map(|l| l.label.trim())
        .filter(|l| !l.is_empty())
        .collect();
    if !named.is_empty() {
        d.push_str(&format!("; series: {}", named.join("; ")));
    }
    d.push_str(". The value axis starts at zero.");
    if let Some(b) = band {
        d.push_str(&format!(
            " The shaded band (a bar at a lone point) is the {b}."
        ));
    }
    if spec
        .lines
        .iter()
        .flat_map(|l| &l.points)
        .any(|p| p.flags.contains('b'))
    {
        d.push_str(" A dashed rule marks a break in series.");
    }
    d.push_str(" The table beside the chart gives the same numbers.");
    d
}

/// The bottom and top of the value axis: zero always (the lowest value if it is negative),
/// and a little above the highest value.
fn value_axis(spec: &ChartSpec) -> (f64, f64) {
    let values = spec
        .lines
        .iter()
        .flat_map(|l| l.points.iter())
        .flat_map(|p| [p.value, p.lower, p.upper])
        .flatten()
        .filter(|v| v.is_finite());
    let (lo, hi) = values.fold((0f64, 0f64), |(a, b), v| (a.min(v), b.max(v)));
    if hi <= lo {
        return (lo, lo + 1.0);
    }
    let pad = (hi - lo) * 0.08;
    (if lo < 0.0 { lo - pad } else { 0.0 }, hi + pad)
}

/// The runs of consecutive points of a line that have intervals, as (x, lower, upper).
fn interval_runs(line: &Line, x_of: &dyn Fn(&str) -> f64) -> Vec<Vec<(f64, f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
    for p in &line.points {
        match (p.lower, p.upper) {
            (Some(l), Some(u)) => runs
                .last_mut()
                .expect("one run")
                .push((x_of(&p.period), l, u)),
            _ => runs.push(Vec::new()),
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// One row of the legend under the plot.
enum LegendMark {
    Line(RGBColor),
    Band(RGBColor),
    Ring,
}

/// Renders the chart as an SVG document, 800 units wide: the plot (420 high), then the
/// legend under it. Periods are taken in order of first appearance across the lines, which
/// callers give sorted.
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
    let (y0, y1) = value_axis(spec);
    let title = if spec.synthetic && !spec.title.contains("SYNTHETIC") {
        format!("SYNTHETIC: {}", spec.title)
    } else {
        spec.title.clone()
    };
    let band_text = if spec.band.trim().is_empty() {
        "95% interval".to_string()
    } else {
        spec.band.trim().to_string()
    };
    // Intervals are drawn as a band over runs of consecutive points that have them, and as
    // a bar at a point that has one alone.
    let has_band = |l: &Line| {
        l.points
            .iter()
            .any(|p| p.lower.is_some() && p.upper.is_some())
    };
    let has_bar = |l: &Line| interval_runs(l, &|_| 0.0).iter().any(|r| r.len() == 1);
    let mut legend: Vec<(LegendMark, String)> = Vec::new();
    for (i, line) in spec.lines.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let label = line.label.trim();
        if !label.is_empty() || spec.lines.len() > 1 {
            let name = if label.is_empty() {
                format!("Series {}", i + 1)
            } else {
                label.to_string()
            };
            legend.push((LegendMark::Line(color), name));
        }
        if has_band(line) {
            let of = if label.is_empty() {
                String::new()
            } else {
                format!(" of {label}")
            };
            let shape = if has_bar(line) {
                "Shaded band or bar"
            } else {
                "Shaded band"
            };
            legend.push((
                LegendMark::Band(color),
                format!("{shape}: the {band_text}{of}"),
            ));
        }
    }
    if spec
        .lines
        .iter()
        .flat_map(|l| &l.points)
        .any(|p| p.value.is_some() && !p.flags.is_empty())
    {
        legend.push((
            LegendMark::Ring,
            "Ringed point: a flagged value, its flags in brackets".into(),
        ));
    }
    let legend_height = if legend.is_empty() {
        0
    } else {
        LEGEND_ROW * legend.len() as u32 + 12
    };
    let n = periods.len().max(1);
    let x_of = |period: &str| periods.iter().position(|p| p == period).unwrap_or(0) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, PLOT_HEIGHT + legend_height))
            .into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (plot_area, legend_area) = root.split_vertically(PLOT_HEIGHT);
        let mut chart = ChartBuilder::on(&plot_area)
            .caption(&title, ("sans-serif", CAPTION_TEXT))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(96)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), y0..y1)
            .map_err(|e| e.to_string())?;
        let labels = periods.clone();
        chart
            .configure_mesh()
            .x_labels(n.min(12))
            .light_line_style(WHITE)
            .label_style(("sans-serif", TEXT))
            .axis_desc_style(("sans-serif", TEXT))
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
                    format_number(*y, 0)
                } else {
                    format_number(*y, 1)
                }
            })
            .y_desc(spec.y_label.as_str())
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, line) in spec.lines.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            for band in interval_runs(line, &x_of) {
                if let [(x, l, u)] = band.as_slice() {
                    let (x, l, u) = (*x, *l, *u);
                    let bar = [
                        vec![(x, l), (x, u)],
                        vec![(x - 0.06, l), (x + 0.06, l)],
                        vec![(x - 0.06, u), (x + 0.06, u)],
                    ];
                    for seg in bar {
                        chart
                            .draw_series(std::iter::once(PathElement::new(
                                seg,
                                color.mix(0.5).stroke_width(2),
                            )))
                            .map_err(|e| e.to_string())?;
                    }
                    continue;
                }
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
            for r in runs.into_iter().filter(|r| !r.is_empty()) {
                chart
                    .draw_series(LineSeries::new(r, color.stroke_width(2)))
                    .map_err(|e| e.to_string())?;
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
                            ("sans-serif", SMALL_TEXT).into_font().color(&BLACK),
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
                            ("sans-serif", SMALL_TEXT).into_font().color(&BLACK),
                        )))
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        // The legend, under the plot: a sample of each mark and its words.
        let x = 110i32;
        for (row, (mark, text)) in legend.iter().enumerate() {
            let top = 6 + (row as u32 * LEGEND_ROW) as i32;
            let mid = top + LEGEND_ROW as i32 / 2;
            match mark {
                LegendMark::Line(color) => legend_area
                    .draw(&PathElement::new(
                        vec![(x, mid), (x + 28, mid)],
                        color.stroke_width(2),
                    ))
                    .map_err(|e| e.to_string())?,
                LegendMark::Band(color) => legend_area
                    .draw(&Rectangle::new(
                        [(x, mid - 7), (x + 28, mid + 7)],
                        color.mix(0.15).filled(),
                    ))
                    .map_err(|e| e.to_string())?,
                LegendMark::Ring => legend_area
                    .draw(&Circle::new((x + 14, mid), 5, BLACK.stroke_width(2)))
                    .map_err(|e| e.to_string())?,
            }
            legend_area
                .draw(&Text::new(
                    text.clone(),
                    (x + 38, mid - 8),
                    ("sans-serif", TEXT).into_font().color(&BLACK),
                ))
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    let band = spec
        .lines
        .iter()
        .any(has_band)
        .then_some(band_text.as_str());
    Ok(with_title_and_desc(
        &svg,
        &title,
        &description(spec, &periods, band),
    ))
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
            band: String::new(),
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
            band: String::new(),
        };
        assert!(line_chart_svg(&spec).unwrap().contains("Empty"));
    }

    /// The texts of the SVG's `<text>` elements with their `text-anchor` and `font-size`.
    pub(crate) fn texts(svg: &str) -> Vec<(String, String, f64)> {
        let mut out = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find("<text") {
            let after = &rest[start..];
            let open_end = after.find('>').unwrap();
            let open = &after[..open_end];
            let close = after.find("</text>").unwrap();
            let content = after[open_end + 1..close].trim().to_string();
            let attr = |name: &str| {
                open.split(&format!("{name}=\""))
                    .nth(1)
                    .map(|v| v[..v.find('"').unwrap()].to_string())
                    .unwrap_or_default()
            };
            out.push((
                content,
                attr("text-anchor"),
                attr("font-size").parse().unwrap_or(0.0),
            ));
            rest = &after[close..];
        }
        out
    }

    /// The y axis's tick labels as numbers (right-aligned numeric texts).
    pub(crate) fn y_ticks(svg: &str) -> Vec<f64> {
        texts(svg)
            .into_iter()
            .filter(|(_, anchor, _)| anchor == "end")
            .filter_map(|(t, _, _)| t.replace(',', "").parse::<f64>().ok())
            .collect()
    }

    fn rates(values: &[f64]) -> ChartSpec {
        ChartSpec {
            title: "Offences per 100,000".into(),
            y_label: "per 100,000".into(),
            lines: vec![Line {
                label: "Sweden, foreign citizens".into(),
                points: values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| p(&format!("{}", 2015 + i), Some(*v), ""))
                    .collect(),
            }],
            synthetic: false,
            band: "95% interval (Garwood, exact)".into(),
        }
    }

    #[test]
    fn the_value_axis_starts_at_zero_with_thousands_separators() {
        // Values between 2,700 and 3,100: the axis must not start near 2,700.
        let svg = line_chart_svg(&rates(&[2734.0, 2810.0, 3095.0, 2901.0])).unwrap();
        let ticks = y_ticks(&svg);
        assert!(ticks.len() >= 3, "{ticks:?}\n{svg}");
        let lowest = ticks.iter().cloned().fold(f64::INFINITY, f64::min);
        assert_eq!(lowest, 0.0, "{ticks:?}");
        assert!(ticks.iter().any(|t| *t >= 3000.0), "{ticks:?}");
        // Every tick of 1,000 or more is written with its separator.
        for (t, anchor, _) in texts(&svg) {
            if anchor == "end" && t.replace(',', "").parse::<f64>().is_ok_and(|v| v >= 1000.0) {
                assert!(t.contains(','), "{t}");
            }
        }
    }

    #[test]
    fn every_text_is_twelve_pixels_or_more() {
        let mut spec = rates(&[10.0, 12.0, 13.0]);
        spec.lines[0].points[1].flags = "b".into();
        spec.lines[0].points[2].flags = "e".into();
        let svg = line_chart_svg(&spec).unwrap();
        let all = texts(&svg);
        assert!(all.len() > 5);
        for (t, _, size) in all {
            assert!(size >= 12.0, "{t:?} at {size} px");
        }
    }

    #[test]
    fn the_svg_has_a_title_a_description_and_a_legend_for_the_band() {
        let svg = line_chart_svg(&rates(&[2734.0, 2810.0, 3095.0])).unwrap();
        let root = svg.find("<svg").unwrap();
        let title = svg.find("<title>Offences per 100,000</title>").unwrap();
        let desc = svg
            .find("<desc>Line chart (per 100,000) by period, 2015 to 2017")
            .unwrap();
        assert!(root < title && title < desc, "{svg}");
        assert!(svg[root..].starts_with("<svg") && svg[root..title].contains("role=\"img\""));
        assert!(svg.contains("The value axis starts at zero."));
        assert!(svg.contains("is the 95% interval (Garwood, exact)."));
        let words: Vec<String> = texts(&svg).into_iter().map(|t| t.0).collect();
        assert!(
            words.contains(&"Sweden, foreign citizens".to_string()),
            "{words:?}"
        );
        assert!(
            words.contains(
                &"Shaded band: the 95% interval (Garwood, exact) of Sweden, foreign citizens"
                    .to_string()
            ),
            "{words:?}"
        );
        // Without intervals there is no band and the legend does not mention one.
        let mut plain = rates(&[1.0, 2.0]);
        for p in &mut plain.lines[0].points {
            (p.lower, p.upper) = (None, None);
        }
        let svg = line_chart_svg(&plain).unwrap();
        assert!(
            !svg.contains("Shaded band") && !svg.contains("<polygon"),
            "{svg}"
        );
    }

    #[test]
    fn title_and_desc_are_escaped() {
        let svg = with_title_and_desc("<?xml?>\n<svg a=\"1\">x</svg>", "A & <B>", "\"C\"");
        assert_eq!(
            svg,
            "<?xml?>\n<svg a=\"1\" role=\"img\">\n<title>A &amp; &lt;B&gt;</title>\n\
             <desc>&quot;C&quot;</desc>x</svg>"
        );
    }

    #[test]
    fn numbers_carry_thousands_separators() {
        assert_eq!(format_number(0.0, 0), "0");
        assert_eq!(format_number(999.0, 0), "999");
        assert_eq!(format_number(1000.0, 0), "1,000");
        assert_eq!(format_number(1234567.0, 0), "1,234,567");
        assert_eq!(format_number(2734.55, 1), "2,734.6");
        assert_eq!(format_number(2734.0, 2), "2,734");
        assert_eq!(format_number(-1500.0, 0), "-1,500");
        assert_eq!(format_number(-0.01, 1), "0");
        assert_eq!(format_number(f64::NAN, 0), "n/a");
    }
}
