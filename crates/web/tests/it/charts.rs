//! Reading the charts the pages serve: the texts of an SVG and its value axis's ticks.

/// The texts of the SVG's `<text>` elements with their `text-anchor` and `font-size`.
pub fn texts(svg: &str) -> Vec<(String, String, f64)> {
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

/// The value axis's tick labels as numbers (the right-aligned numeric texts), each checked
/// for its thousands separator; and every text of the chart checked to be 12 px or more.
pub fn y_ticks(svg: &str) -> Vec<f64> {
    let all = texts(svg);
    for (t, _, size) in &all {
        assert!(*size >= 12.0, "{t:?} at {size} px");
    }
    all.into_iter()
        .filter(|(_, anchor, _)| anchor == "end")
        .filter_map(|(t, _, _)| {
            let v = t.replace(',', "").parse::<f64>().ok()?;
            assert!(v < 1000.0 || t.contains(','), "no separator in {t:?}");
            Some(v)
        })
        .collect()
}
