//! A report build as one self-contained, print-friendly HTML5 document: inline style (with
//! `@media print`), no external assets, no scripts. Pure and deterministic: every date comes
//! from the build, and nothing is printed in hash order.
//!
//! Layout: the banner (the highest effective marking) at top and bottom, the demo caption and
//! the public-edition note, the header fields, one `<h2>` per section, one `<p id="{id}">` per
//! paragraph marked `(U)`/`(SBU)` with its citation markers `[n]` linking to `#cite-n`, blocks
//! as `<figure>` (the chart's SVG inlined, the table, group counts and caveats), the Sources
//! list in citation order, and the signer.
//!
//! Every piece of text from the build is escaped with [`escape`]. The one exception is a
//! figure's SVG, which is the trusted output of our own chart renderer ([`crate::chart`]).
//! Paragraph text is read through [`markup::parse`]: emphasis becomes `<em>`/`<strong>`, and
//! the paragraphs of a multi-paragraph text are separated by `<br>` inside the one `<p>`.

use std::collections::BTreeMap;

use chancery_domain::Marking;
use chrono::NaiveDate;

use crate::doc::{Block, Item, ItemKind, Para, ParaKind, RenderDoc, Table};
use crate::markup::{self, Span};

/// The document's style sheet: screen and print.
const STYLE: &str = "\
body{font-family:Georgia,'Times New Roman',serif;font-size:11pt;line-height:1.45;\
color:#111;background:#fff;max-width:46em;margin:0 auto;padding:1em 1.5em}
.banner{font-family:Arial,Helvetica,sans-serif;font-weight:bold;text-align:center;\
letter-spacing:.05em;padding:.25em 0;border-top:2px solid #111;border-bottom:2px solid #111}
.banner.sbu{color:#7a0000}
.demo{font-family:Arial,Helvetica,sans-serif;font-weight:bold;text-align:center;\
color:#a00;border:2px dashed #a00;padding:.3em;margin:.8em 0}
.edition{text-align:center;font-style:italic;margin:.4em 0}
h1{font-size:1.5em;margin:.8em 0 .4em}
h2{font-size:1.15em;margin:1.4em 0 .5em;border-bottom:1px solid #999}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:0 0 1em}
dl.meta dt{font-weight:bold}
dl.meta dd{margin:0}
ol.refs{list-style:upper-alpha;margin:0;padding-left:1.6em}
.marking{font-weight:bold}
.kind{font-style:italic}
a.cite{text-decoration:none;font-size:.85em;vertical-align:super}
figure{margin:1em 0;padding:.5em;border:1px solid #ccc;break-inside:avoid}
figcaption{font-weight:bold;margin-bottom:.4em}
figure svg{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #999;padding:.15em .4em;text-align:left;vertical-align:top}
thead th{background:#eee}
tr.sbu td{background:#fff4f4}
ul.caveats,ul.summary{margin:.4em 0;padding-left:1.4em;font-size:.9em}
.sources ol{padding-left:1.8em}
.sources li{margin:.2em 0;overflow-wrap:anywhere}
.flag{color:#a00;font-weight:bold}
.signer{margin-top:1.5em;font-weight:bold}
@media print{
body{max-width:none;margin:0;padding:0;font-size:10.5pt}
@page{margin:2cm 1.8cm}
a{color:inherit;text-decoration:none}
.demo{border-color:#000;color:#000}
h2,figcaption{break-after:avoid}
p{orphans:3;widows:3}
thead{display:table-header-group}
tr{break-inside:avoid}
}
";

/// Renders the build as a complete HTML5 document. Pure.
pub fn render(doc: &RenderDoc) -> String {
    let numbers = citation_numbers(doc);
    let banner = doc.banner();
    let banner_div = format!(
        "<div class=\"banner {}\">{}</div>\n",
        banner.as_str().to_ascii_lowercase(),
        escape(banner.banner())
    );

    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<title>{} - {}</title>\n",
        escape(&doc.title),
        escape(&doc.post_name)
    ));
    h.push_str(&format!("<style>\n{STYLE}</style>\n</head>\n<body>\n"));
    h.push_str(&banner_div);
    if doc.demo {
        h.push_str(&format!(
            "<p class=\"demo\">{}</p>\n",
            escape(crate::doc::DEMO_CAPTION)
        ));
    }
    if doc.public {
        h.push_str("<p class=\"edition\">Public edition</p>\n");
    }

    header(&mut h, doc);

    h.push_str("<main>\n");
    for section in &doc.sections {
        h.push_str("<section>\n");
        if !section.heading.trim().is_empty() {
            h.push_str(&format!("<h2>{}</h2>\n", escape(&section.heading)));
        }
        for para in &section.paragraphs {
            paragraph(&mut h, para, &numbers);
            if let Some(block) = &para.block {
                figure(&mut h, para, block);
            }
        }
        h.push_str("</section>\n");
    }
    h.push_str("</main>\n");

    sources(&mut h, doc);

    if !doc.signer.trim().is_empty() {
        h.push_str(&format!(
            "<p class=\"signer\">{}</p>\n",
            escape(&doc.signer.trim().to_uppercase())
        ));
    }
    h.push_str(&banner_div);
    h.push_str("</body>\n</html>\n");
    h
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn header(h: &mut String, doc: &RenderDoc) {
    h.push_str("<header>\n");
    h.push_str(&format!("<h1>{}</h1>\n", escape(&doc.title)));
    h.push_str("<dl class=\"meta\">\n");
    let mut field = |name: &str, value_html: String| {
        h.push_str(&format!("<dt>{name}</dt><dd>{value_html}</dd>\n"));
    };
    field("Post", escape(&doc.post_name));
    field("Country", escape(&doc.country));
    field("Subject", escape(&doc.subject));
    field("TAGS", escape(&doc.tags.join(" ")));
    if !doc.refs.is_empty() {
        let refs: String = doc
            .refs
            .iter()
            .map(|r| format!("<li>{}</li>", escape(r)))
            .collect();
        field("References", format!("<ol class=\"refs\">{refs}</ol>"));
    }
    if !doc.captions.is_empty() {
        let captions: Vec<String> = doc.captions.iter().map(|c| escape(c)).collect();
        field("Captions", captions.join("<br>"));
    }
    field("State", escape(&doc.state));
    // Build id 0 is a preview: resolved like a build, stored nowhere.
    field(
        "Build",
        if doc.build_id == 0 {
            format!(
                "preview, not a build (report {}, version {})",
                doc.report_id, doc.report_version
            )
        } else {
            format!(
                "{} (report {}, version {})",
                doc.build_id, doc.report_id, doc.report_version
            )
        },
    );
    field(
        if doc.build_id == 0 {
            "Resolved"
        } else {
            "Built"
        },
        format!(
            "<time datetime=\"{}\">{}</time>",
            doc.built_at.format("%Y-%m-%dT%H:%M:%SZ"),
            doc.built_at.format("%Y-%m-%d %H:%M:%S UTC")
        ),
    );
    h.push_str("</dl>\n</header>\n");
}

fn paragraph(h: &mut String, para: &Para, numbers: &BTreeMap<&str, usize>) {
    let marking = para.effective_marking;
    let mut parts: Vec<String> = vec![format!(
        "<span class=\"marking\">({})</span>",
        marking.as_str()
    )];
    match para.kind {
        ParaKind::Summary => parts.push("<span class=\"kind\">Summary:</span>".into()),
        ParaKind::Comment => parts.push("<span class=\"kind\">Comment:</span>".into()),
        ParaKind::Fact | ParaKind::Analysis => {}
    }
    let text = markup::parse(&para.text)
        .iter()
        .map(|spans| spans.iter().map(span).collect::<String>())
        .collect::<Vec<_>>()
        .join("<br>");
    if !text.is_empty() {
        parts.push(text);
    }
    for n in paragraph_numbers(para, numbers) {
        parts.push(format!("<a class=\"cite\" href=\"#cite-{n}\">[{n}]</a>"));
    }
    match para.kind {
        ParaKind::Summary => parts.push("<span class=\"kind\">End Summary.</span>".into()),
        ParaKind::Comment => parts.push("<span class=\"kind\">End Comment.</span>".into()),
        ParaKind::Fact | ParaKind::Analysis => {}
    }
    h.push_str(&format!(
        "<p id=\"{}\" class=\"para {} {}\">{}</p>\n",
        escape(&para.id),
        para.kind.as_str(),
        marking_class(marking),
        parts.join(" ")
    ));
}

fn span(s: &Span) -> String {
    match s {
        Span::Plain(t) => escape(t),
        Span::Emph(t) => format!("<em>{}</em>", escape(t)),
        Span::Strong(t) => format!("<strong>{}</strong>", escape(t)),
    }
}

fn figure(h: &mut String, para: &Para, block: &Block) {
    h.push_str(&format!(
        "<figure class=\"block {}\" id=\"{}-block\">\n",
        marking_class(block.marking()),
        escape(&para.id)
    ));
    h.push_str(&format!(
        "<figcaption>{}</figcaption>\n",
        escape(block.title())
    ));
    if let Block::Figure { svg: Some(svg), .. } = block {
        h.push_str(svg_body(svg).trim());
        h.push('\n');
    }
    for t in block.tables() {
        table(h, t);
    }
    if let Block::CaseTable { summary, .. } = block
        && !summary.is_empty()
    {
        list(h, "summary", summary);
    }
    list(h, "caveats", &block.caveats());
    h.push_str("</figure>\n");
}

/// The SVG without an XML declaration or doctype, which have no place inside HTML.
fn svg_body(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(start) => &svg[start..],
        None => svg,
    }
}

fn table(h: &mut String, table: &Table) {
    if table.columns.is_empty() {
        return;
    }
    let n = table.columns.len();
    h.push_str("<table>\n<thead><tr>");
    for c in &table.columns {
        h.push_str(&format!("<th scope=\"col\">{}</th>", escape(c)));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        h.push_str(&format!("<tr class=\"{}\">", marking_class(row.marking)));
        for i in 0..n {
            let cell = row.cells.get(i).map(String::as_str).unwrap_or("");
            h.push_str(&format!("<td>{}</td>", escape(cell)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

fn list(h: &mut String, class: &str, entries: &[String]) {
    if entries.is_empty() {
        return;
    }
    h.push_str(&format!("<ul class=\"{class}\">\n"));
    for e in entries {
        h.push_str(&format!("<li>{}</li>\n", escape(e)));
    }
    h.push_str("</ul>\n");
}

fn sources(h: &mut String, doc: &RenderDoc) {
    let order = doc.citation_order();
    if order.is_empty() {
        return;
    }
    h.push_str("<section class=\"sources\">\n<h2>Sources</h2>\n<ol>\n");
    for (i, key) in order.iter().enumerate() {
        let n = i + 1;
        let entry = match doc.item(key) {
            Some(item) => source_entry(item),
            None => format!("Unresolved citation: {}.", escape(key)),
        };
        h.push_str(&format!("<li id=\"cite-{n}\" value=\"{n}\">{entry}</li>\n"));
    }
    h.push_str("</ol>\n</section>\n");
}

/// One entry of the Sources list, as HTML: the cable's wording, then the archived copies'
/// sha256 (first 12 hex characters) and any flags.
fn source_entry(item: &Item) -> String {
    let title = format!("<cite>{}</cite>", escape(&item.title));
    let date = date_or_nd(item.date);
    let stop = if date.ends_with('.') { "" } else { "." };
    let mut entry = match item.kind {
        ItemKind::Source => {
            let mut fields = Vec::new();
            if !item.publisher.trim().is_empty() {
                fields.push(escape(&item.publisher));
            }
            fields.push(title);
            fields.push(date.clone());
            format!("{}{stop}", fields.join(", "))
        }
        ItemKind::Case => format!("Case: {title}, {date}{stop}"),
        ItemKind::Policy => format!("Policy: {title}, in force from {date}{stop}"),
        ItemKind::Engagement => format!("Engagement: {title}, {date}{stop}"),
    };
    if let Some(url) = item.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        if is_web_url(url) {
            entry.push_str(&format!(" <a href=\"{0}\">{0}</a>", escape(url)));
        } else {
            entry.push_str(&format!(" {}", escape(url)));
        }
    }
    if !item.sha256.is_empty() {
        let hashes: Vec<String> = item
            .sha256
            .iter()
            .map(|s| format!("<code>{}</code>", escape(&short_hash(s))))
            .collect();
        entry.push_str(&format!(
            " <span class=\"archived\">Archived: sha256 {}.</span>",
            hashes.join(", ")
        ));
    }
    for flag in &item.flags {
        entry.push_str(&format!(" <span class=\"flag\">[{}]</span>", escape(flag)));
    }
    entry
}

/// Only http(s) addresses become links; anything else (a `javascript:` URL) stays text.
fn is_web_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn short_hash(sha256: &str) -> String {
    sha256.trim().chars().take(12).collect()
}

fn date_or_nd(date: Option<NaiveDate>) -> String {
    match date {
        Some(d) => d.format("%Y-%m-%d").to_string(),
        None => "n.d.".to_string(),
    }
}

fn marking_class(marking: Marking) -> &'static str {
    match marking {
        Marking::U => "u",
        Marking::SBU => "sbu",
    }
}

/// The number of each cited key: its position in [`RenderDoc::citation_order`], from 1.
fn citation_numbers(doc: &RenderDoc) -> BTreeMap<&str, usize> {
    doc.citation_order()
        .into_iter()
        .enumerate()
        .map(|(i, k)| (k, i + 1))
        .collect()
}

/// The numbers a paragraph cites, each once, in the order it cites them.
fn paragraph_numbers(para: &Para, numbers: &BTreeMap<&str, usize>) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for key in &para.citations {
        if let Some(&n) = numbers.get(key.as_str())
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::fixture;

    #[test]
    fn document_is_complete_and_self_contained() {
        let out = render(&fixture());
        assert!(out.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"));
        assert!(out.ends_with("</body>\n</html>\n"));
        assert!(out.contains("<style>\n") && out.contains("@media print{"));
        for external in ["<link", "<script", "src=", "@import", "url("] {
            assert!(!out.contains(external), "{external:?} in\n{out}");
        }
    }

    #[test]
    fn banner_top_and_bottom_demo_caption_and_header() {
        let out = render(&fixture());
        let banner = "<div class=\"banner sbu\">SENSITIVE BUT UNCLASSIFIED</div>\n";
        assert!(out.contains(&format!("<body>\n{banner}")), "{out}");
        assert!(
            out.ends_with(&format!("{banner}</body>\n</html>\n")),
            "{out}"
        );
        assert!(out.contains("<p class=\"demo\">DEMO - NOT AN OFFICIAL COMMUNICATION</p>"));
        assert!(!out.contains("Public edition"));
        for field in [
            "<h1>Migration impacts report</h1>",
            "<dt>Post</dt><dd>Embassy Berlin</dd>",
            "<dt>Country</dt><dd>Germany</dd>",
            "<dt>Subject</dt><dd>Germany: Courts order expulsions after conviction</dd>",
            "<dt>TAGS</dt><dd>PHUM SMIG GM</dd>",
            "<ol class=\"refs\"><li>DEMO REF ONE</li><li>DEMO REF TWO</li></ol>",
            "<dd>SIPDIS<br>DEMO - NOT AN OFFICIAL COMMUNICATION</dd>",
            "<dt>State</dt><dd>cleared</dd>",
            "<dt>Build</dt><dd>17 (report 4, version 3)</dd>",
            "<time datetime=\"2025-04-02T08:15:00Z\">2025-04-02 08:15:00 UTC</time>",
            "<p class=\"signer\">PLACEHOLDER</p>",
        ] {
            assert!(out.contains(field), "{field:?} missing from\n{out}");
        }
    }

    #[test]
    fn paragraphs_are_marked_numbered_and_emphasised() {
        let out = render(&fixture());
        assert!(out.contains("<h2>Summary</h2>\n<p id=\"p1\""), "{out}");
        assert!(
            out.contains(
                "<p id=\"p1\" class=\"para summary sbu\"><span class=\"marking\">(SBU)</span> \
                 <span class=\"kind\">Summary:</span> Courts ordered <em>three</em> expulsions \
                 in <strong>2024</strong>; one case is on appeal. \
                 <a class=\"cite\" href=\"#cite-1\">[1]</a> \
                 <a class=\"cite\" href=\"#cite-2\">[2]</a> \
                 <span class=\"kind\">End Summary.</span></p>"
            ),
            "{out}"
        );
        // source:12 cited twice in p2 is marked once, with its first number.
        assert!(
            out.contains(
                "<em>yearly</em> tables.<br>A second paragraph. \
                 <a class=\"cite\" href=\"#cite-2\">[2]</a> \
                 <a class=\"cite\" href=\"#cite-3\">[3]</a></p>"
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "<span class=\"kind\">Comment:</span> We expect more appeals. \
                 <a class=\"cite\" href=\"#cite-5\">[5]</a> \
                 <a class=\"cite\" href=\"#cite-1\">[1]</a> \
                 <span class=\"kind\">End Comment.</span></p>"
            ),
            "{out}"
        );
    }

    #[test]
    fn text_is_escaped() {
        let mut doc = fixture();
        doc.title = "<script>alert('t')</script>".into();
        doc.sections[0].heading = "<script>h</script>".into();
        doc.sections[0].paragraphs[0].id = "p1\"><script>".into();
        doc.items[0].url = Some("javascript:alert(1)".into());
        let out = render(&doc);
        assert!(!out.contains("<script"), "{out}");
        assert!(out.contains("<title>&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; - "));
        assert!(out.contains("<h2>&lt;script&gt;h&lt;/script&gt;</h2>"));
        assert!(out.contains("<p id=\"p1&quot;&gt;&lt;script&gt;\""));
        assert!(out.contains(
            "The office &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;others&quot; publish"
        ));
        assert!(out.contains("<cite>Expulsion orders &lt;b&gt;by year&lt;/b&gt;</cite>"));
        assert!(!out.contains("href=\"javascript"), "{out}");
        assert!(out.contains(" javascript:alert(1) "), "{out}");
    }

    #[test]
    fn blocks_are_figures_with_svg_table_and_caveats() {
        let out = render(&fixture());
        assert!(
            out.contains(
                "<figure class=\"block u\" id=\"p2-block\">\n\
                 <figcaption>Expulsion orders by year</figcaption>\n\
                 <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"80\" height=\"40\">\
                 <text>chart</text></svg>\n<table>\n"
            ),
            "{out}"
        );
        assert!(!out.contains("<?xml"));
        assert!(out.contains(
            "<thead><tr><th scope=\"col\">Year</th><th scope=\"col\">Orders</th>\
             <th scope=\"col\">Note</th></tr></thead>"
        ));
        assert!(out.contains("<tr class=\"u\"><td>2023</td><td>12</td><td>a|b</td></tr>"));
        assert!(out.contains(
            "<ul class=\"caveats\">\n<li>Counts are orders, not removals; a person may \
             receive more than one order in a year and appear twice in this table.</li>\n</ul>"
        ));
        // The case table: SBU row, internal column and group counts in the internal edition.
        assert!(out.contains(
            "<tr class=\"sbu\"><td>Case B</td><td>Youth court</td><td>minor, m</td></tr>"
        ));
        assert!(out.contains("<th scope=\"col\">Victim</th>"));
        assert!(
            out.contains(
                "<ul class=\"summary\">\n<li>2 cases: 1 adult victim, 1 minor victim</li>"
            )
        );
        assert!(out.contains("<li>Only cases with a final judgment.</li>"));
    }

    #[test]
    fn sources_follow_citation_order() {
        let out = render(&fixture());
        let sources = &out[out.find("<section class=\"sources\">").expect("sources")..];
        let expected = "<ol>\n\
            <li id=\"cite-1\" value=\"1\">Case: <cite>Youth court case</cite>, 2024-11-05.</li>\n\
            <li id=\"cite-2\" value=\"2\">Example Statistics Office, <cite>Expulsion orders \
            &lt;b&gt;by year&lt;/b&gt;</cite>, 2025-03-01. <a href=\"https://example.org/t?a=1&amp;b=2\">\
            https://example.org/t?a=1&amp;b=2</a> <span class=\"archived\">Archived: sha256 \
            <code>3f2a9c0d1e4b</code>.</span></li>\n\
            <li id=\"cite-3\" value=\"3\">Policy: <cite>Expulsion threshold</cite>, in force \
            from 2022-07-01.</li>\n\
            <li id=\"cite-4\" value=\"4\">Example Court, <cite>Judgment 123/45</cite>, n.d. \
            <span class=\"flag\">[retracted]</span></li>\n\
            <li id=\"cite-5\" value=\"5\">Engagement: <cite>Meeting with the interior \
            ministry</cite>, 2025-01-15.</li>\n\
            </ol>\n</section>\n";
        assert!(
            sources.starts_with(&format!(
                "<section class=\"sources\">\n<h2>Sources</h2>\n{expected}"
            )),
            "{sources}"
        );
        assert!(!out.contains("Never cited"));
    }

    #[test]
    fn public_edition_drops_sbu() {
        let out = render(&fixture().public());
        assert!(out.contains("<body>\n<div class=\"banner u\">UNCLASSIFIED</div>\n"));
        assert!(out.contains("<p class=\"edition\">Public edition</p>"));
        for gone in [
            "(SBU)",
            "SENSITIVE",
            "Summary:",
            "Comment:",
            "Youth court",
            "interior ministry",
            "Victim",
            "minor",
            "class=\"summary\"",
            "class=\"sbu\"",
            "cite-4",
        ] {
            assert!(!out.contains(gone), "{gone:?} leaked into\n{out}");
        }
        // Citations renumber: source:12 is now [1], policy:1 [2], source:13 [3].
        assert!(out.contains(
            "A second paragraph. <a class=\"cite\" href=\"#cite-1\">[1]</a> \
             <a class=\"cite\" href=\"#cite-2\">[2]</a></p>"
        ));
        assert!(out.contains("<li id=\"cite-3\" value=\"3\">Example Court, "));
        assert!(out.contains("<tr class=\"u\"><td>Case A</td><td>Example court</td></tr>"));
    }

    #[test]
    fn rendering_is_deterministic() {
        let doc = fixture();
        assert_eq!(render(&doc), render(&doc.clone()));
        assert_eq!(render(&doc.public()), render(&doc.public()));
    }
}
