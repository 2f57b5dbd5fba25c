//! A report build as Markdown (CommonMark with GitHub pipe tables): the same content as the
//! HTML edition, readable as plain text. Pure and deterministic.
//!
//! Layout: the banner line, the demo caption and the public-edition note, `# title`, the
//! header fields as a list, `## heading` per section, each paragraph as `(U) ...` /
//! `(SBU) ...` with `Summary:`/`End Summary.` or `Comment:`/`End Comment.` where its kind
//! asks, citation markers `[n]` (numbered by [`RenderDoc::citation_order`]); a block as a
//! `### title` line, its table as a pipe table, a case table's group counts and the caveats as
//! lists (a chart has no Markdown form and is left out); then `## Sources` as a numbered list,
//! the signer, and the banner line again.
//!
//! Paragraph text is read through [`markup::parse`] and re-emitted from its spans (`*x*`,
//! `**x**`); a multi-paragraph text reads as one paragraph, joined by a space, as in the cable.
//! Text from the build is escaped where a character would change Markdown meaning (`*`, `_`
//! outside a word, `` ` ``, `[`, `]`, `<`, `>`, `#`, `|`, `~`, `\`, an `&` that could open an
//! entity, and a list marker at the start of a line); whitespace runs read as one space.

use chrono::NaiveDate;

use crate::doc::{Block, DEMO_CAPTION, Item, ItemKind, Para, ParaKind, RenderDoc, Table};
use crate::markup::{self, Span};

/// Renders the build as Markdown. Pure.
pub fn render(doc: &RenderDoc) -> String {
    let order = doc.citation_order();
    let banner = doc.banner().banner();
    let mut blocks: Vec<String> = vec![banner.to_string()];
    if doc.demo {
        blocks.push(format!("**{DEMO_CAPTION}**"));
    }
    if doc.public {
        blocks.push("*Public edition*".to_string());
    }
    blocks.push(format!("# {}", esc(&doc.title)));
    blocks.push(header(doc));

    for section in &doc.sections {
        if !section.heading.trim().is_empty() {
            blocks.push(format!("## {}", esc(&section.heading)));
        }
        for para in &section.paragraphs {
            blocks.push(paragraph(para, &order));
            if let Some(block) = &para.block {
                blocks.extend(block_parts(block));
            }
        }
    }

    if !order.is_empty() {
        blocks.push("## Sources".to_string());
        let entries: Vec<String> = order
            .iter()
            .enumerate()
            .map(|(i, key)| {
                let entry = match doc.item(key) {
                    Some(item) => source_entry(item),
                    None => format!("Unresolved citation: {}.", esc(key)),
                };
                format!("{}. {entry}", i + 1)
            })
            .collect();
        blocks.push(entries.join("\n"));
    }
    if !doc.signer.trim().is_empty() {
        blocks.push(esc_lead(&doc.signer.to_uppercase()));
    }
    blocks.push(banner.to_string());

    let mut out = blocks.join("\n\n");
    out.push('\n');
    out
}

fn header(doc: &RenderDoc) -> String {
    let mut fields: Vec<(&str, String)> = vec![
        ("Post", esc(&doc.post_name)),
        ("Country", esc(&doc.country)),
        ("Subject", esc(&doc.subject)),
        ("TAGS", esc(&doc.tags.join(" "))),
    ];
    if !doc.refs.is_empty() {
        let refs: Vec<String> = doc
            .refs
            .iter()
            .enumerate()
            .map(|(i, r)| format!("{}. {}", ref_label(i), esc(r)))
            .collect();
        fields.push(("References", refs.join("; ")));
    }
    if !doc.captions.is_empty() {
        let captions: Vec<String> = doc.captions.iter().map(|c| esc(c)).collect();
        fields.push(("Captions", captions.join("; ")));
    }
    fields.push(("State", esc(&doc.state)));
    fields.push((
        "Build",
        format!(
            "{} (report {}, version {})",
            doc.build_id, doc.report_id, doc.report_version
        ),
    ));
    fields.push((
        "Built",
        doc.built_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    ));
    fields
        .iter()
        .map(|(name, value)| format!("- **{name}:** {value}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn paragraph(para: &Para, order: &[&str]) -> String {
    let mut parts: Vec<String> = vec![format!("({})", para.effective_marking.as_str())];
    match para.kind {
        ParaKind::Summary => parts.push("Summary:".into()),
        ParaKind::Comment => parts.push("Comment:".into()),
        ParaKind::Fact | ParaKind::Analysis => {}
    }
    let text = markup::parse(&para.text)
        .iter()
        .map(|spans| spans.iter().map(span).collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    if !text.is_empty() {
        parts.push(text);
    }
    let mut numbers: Vec<usize> = Vec::new();
    for key in &para.citations {
        if let Some(n) = order.iter().position(|k| k == key).map(|i| i + 1)
            && !numbers.contains(&n)
        {
            numbers.push(n);
        }
    }
    parts.extend(numbers.iter().map(|n| format!("[{n}]")));
    match para.kind {
        ParaKind::Summary => parts.push("End Summary.".into()),
        ParaKind::Comment => parts.push("End Comment.".into()),
        ParaKind::Fact | ParaKind::Analysis => {}
    }
    parts.join(" ")
}

fn span(s: &Span) -> String {
    match s {
        Span::Plain(t) => escape_chars(t),
        Span::Emph(t) => format!("*{}*", escape_chars(t)),
        Span::Strong(t) => format!("**{}**", escape_chars(t)),
    }
}

/// A block's title line, table, group counts and caveats, as Markdown blocks.
fn block_parts(block: &Block) -> Vec<String> {
    let mut parts = vec![format!("### {}", esc(block.title()))];
    parts.extend(block.tables().into_iter().filter_map(pipe_table));
    if let Block::CaseTable { summary, .. } = block
        && !summary.is_empty()
    {
        parts.push(bullets(summary));
    }
    let caveats = block.caveats();
    if !caveats.is_empty() {
        parts.push(bullets(&caveats));
    }
    parts
}

fn bullets(entries: &[String]) -> String {
    entries
        .iter()
        .map(|e| format!("- {}", esc_lead(e)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A GitHub pipe table; `None` for a table without columns.
fn pipe_table(table: &Table) -> Option<String> {
    let n = table.columns.len();
    if n == 0 {
        return None;
    }
    let line = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
    let mut lines = vec![
        line(table.columns.iter().map(|c| esc(c)).collect()),
        line(vec!["---".to_string(); n]),
    ];
    for row in &table.rows {
        lines.push(line(
            (0..n)
                .map(|i| esc(row.cells.get(i).map(String::as_str).unwrap_or("")))
                .collect(),
        ));
    }
    Some(lines.join("\n"))
}

/// One entry of the Sources list: the cable's wording, the URL as a link, the archived
/// copies' sha256 (first 12 hex characters) and any flags.
fn source_entry(item: &Item) -> String {
    let date = date_or_nd(item.date);
    let stop = if date.ends_with('.') { "" } else { "." };
    let title = esc(&item.title);
    let mut entry = match item.kind {
        ItemKind::Source => {
            let mut fields = Vec::new();
            if !item.publisher.trim().is_empty() {
                fields.push(esc_lead(&item.publisher));
            }
            fields.push(if fields.is_empty() {
                esc_lead(&item.title)
            } else {
                title
            });
            fields.push(date.clone());
            format!("{}{stop}", fields.join(", "))
        }
        ItemKind::Case => format!("Case: {title}, {date}{stop}"),
        ItemKind::Policy => format!("Policy: {title}, in force from {date}{stop}"),
        ItemKind::Engagement => format!("Engagement: {title}, {date}{stop}"),
    };
    if let Some(url) = item.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        entry.push(' ');
        entry.push_str(&link(url));
    }
    if !item.sha256.is_empty() {
        let hashes: Vec<String> = item
            .sha256
            .iter()
            .map(|s| format!("`{}`", short_hash(s)))
            .collect();
        entry.push_str(&format!(" Archived: sha256 {}.", hashes.join(", ")));
    }
    for flag in &item.flags {
        entry.push_str(&format!(" **[{}]**", esc(flag)));
    }
    entry
}

/// An http(s) URL as an autolink; anything else as escaped text.
fn link(url: &str) -> String {
    let lower = url.to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    if web
        && !url
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>'))
    {
        format!("<{url}>")
    } else {
        esc(url)
    }
}

/// The first 12 hex characters of a sha256 (anything else is dropped, so the code span
/// cannot be broken).
fn short_hash(sha256: &str) -> String {
    sha256
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(12)
        .collect()
}

fn date_or_nd(date: Option<NaiveDate>) -> String {
    match date {
        Some(d) => d.format("%Y-%m-%d").to_string(),
        None => "n.d.".to_string(),
    }
}

/// `A`, `B`, ... `Z`, `AA`, ...
fn ref_label(index: usize) -> String {
    let mut n = index + 1;
    let mut label = Vec::new();
    while n > 0 {
        n -= 1;
        label.push(char::from(b'A' + (n % 26) as u8));
        n /= 26;
    }
    label.iter().rev().collect()
}

/// Text with whitespace runs collapsed and the characters that would change Markdown meaning
/// escaped with a backslash (see the module documentation). Safe inside a line and in a pipe
/// table cell.
fn esc(text: &str) -> String {
    escape_chars(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The escaping of [`esc`] alone, whitespace kept as it is (for spans, which
/// [`markup::parse`] has already collapsed, and whose edge spaces matter).
fn escape_chars(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let escape = match c {
            '\\' | '*' | '`' | '[' | ']' | '<' | '>' | '#' | '|' | '~' => true,
            // An underscore inside a word (snake_case) cannot open or close emphasis.
            '_' => {
                !(prev.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric))
            }
            // `&` followed by a name or `#` could read as an entity (`&amp;`).
            '&' => next.is_some_and(|n| n.is_alphanumeric() || n == '#'),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// [`esc`] for text that starts a line (a list item, the signer): a leading `-`, `+`, `=` or
/// `1.`/`1)` would start a list or underline a heading, so it is escaped too.
fn esc_lead(text: &str) -> String {
    let s = esc(text);
    if s.starts_with(['-', '+', '=']) {
        return format!("\\{s}");
    }
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && s[digits..].starts_with(['.', ')']) {
        return format!("{}\\{}", &s[..digits], &s[digits..]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::fixture;

    #[test]
    fn banner_demo_caption_title_and_header() {
        let out = render(&fixture());
        assert!(
            out.starts_with(
                "SENSITIVE BUT UNCLASSIFIED\n\n\
                 **DEMO - NOT AN OFFICIAL COMMUNICATION**\n\n\
                 # Migration impacts report\n\n\
                 - **Post:** Embassy Berlin\n\
                 - **Country:** Germany\n\
                 - **Subject:** Germany: Courts order expulsions after conviction\n\
                 - **TAGS:** PHUM SMIG GM\n\
                 - **References:** A. DEMO REF ONE; B. DEMO REF TWO\n\
                 - **Captions:** SIPDIS; DEMO - NOT AN OFFICIAL COMMUNICATION\n\
                 - **State:** cleared\n\
                 - **Build:** 17 (report 4, version 3)\n\
                 - **Built:** 2025-04-02 08:15:00 UTC\n\n\
                 ## Summary\n\n"
            ),
            "{out}"
        );
        assert!(
            out.ends_with("\n\nPLACEHOLDER\n\nSENSITIVE BUT UNCLASSIFIED\n"),
            "{out}"
        );
        assert!(!out.contains("Public edition"));
    }

    #[test]
    fn paragraphs_keep_emphasis_markings_and_citations() {
        let out = render(&fixture());
        assert!(
            out.contains(
                "\n\n(SBU) Summary: Courts ordered *three* expulsions in **2024**; one case is \
                 on appeal. [1] [2] End Summary.\n\n## Background\n\n"
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "\n\n(U) The office \\<script\\>alert(1)\\</script\\> & \"others\" publish \
                 *yearly* tables. A second paragraph. [2] [3]\n\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("\n\n(SBU) Comment: We expect more appeals. [5] [1] End Comment.\n\n"),
            "{out}"
        );
        // Every `<` is escaped, except the autolink of a source's URL.
        assert!(
            out.match_indices('<')
                .all(|(i, _)| out[..i].ends_with('\\') || out[i..].starts_with("<https://")),
            "{out}"
        );
    }

    #[test]
    fn blocks_render_as_heading_table_and_lists() {
        let out = render(&fixture());
        assert!(
            out.contains(
                "\n\n### Expulsion orders by year\n\n\
                 | Year | Orders | Note |\n\
                 | --- | --- | --- |\n\
                 | 2023 | 12 | a\\|b |\n\
                 | 2024 | 15 | provisional |\n\n\
                 - Counts are orders, not removals; a person may receive more than one order \
                 in a year and appear twice in this table.\n\n"
            ),
            "{out}"
        );
        assert!(!out.contains("<svg"), "{out}");
        assert!(
            out.contains(
                "\n\n### Expulsion cases\n\n\
                 | Case | Court | Victim |\n\
                 | --- | --- | --- |\n\
                 | Case A | Example court | adult, f |\n\
                 | Case B | Youth court | minor, m |\n\n\
                 - 2 cases: 1 adult victim, 1 minor victim\n\n\
                 - Only cases with a final judgment.\n\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn sources_follow_citation_order() {
        let out = render(&fixture());
        assert!(
            out.contains(
                "\n\n## Sources\n\n\
                 1. Case: Youth court case, 2024-11-05.\n\
                 2. Example Statistics Office, Expulsion orders \\<b\\>by year\\</b\\>, \
                 2025-03-01. <https://example.org/t?a=1&b=2> Archived: sha256 `3f2a9c0d1e4b`.\n\
                 3. Policy: Expulsion threshold, in force from 2022-07-01.\n\
                 4. Example Court, Judgment 123/45, n.d. **[retracted]**\n\
                 5. Engagement: Meeting with the interior ministry, 2025-01-15.\n\n"
            ),
            "{out}"
        );
        assert!(!out.contains("Never cited"));
    }

    #[test]
    fn public_edition_drops_sbu_and_renumbers() {
        let out = render(&fixture().public());
        assert!(out.starts_with("UNCLASSIFIED\n\n"), "{out}");
        assert!(out.ends_with("\n\nUNCLASSIFIED\n"), "{out}");
        assert!(out.contains("\n\n*Public edition*\n\n"));
        for gone in [
            "(SBU)",
            "SENSITIVE",
            "Summary:",
            "Comment:",
            "Youth court",
            "interior ministry",
            "Victim",
            "minor",
            "\n4. ",
        ] {
            assert!(!out.contains(gone), "{gone:?} leaked into\n{out}");
        }
        assert!(out.contains("A second paragraph. [1] [2]\n"), "{out}");
        assert!(out.contains("see the cases below. [3]\n"), "{out}");
        assert!(out.contains("| Case | Court |\n| --- | --- |\n| Case A | Example court |\n\n"));
        assert!(out.contains("\n3. Example Court, Judgment 123/45, n.d."));
    }

    #[test]
    fn escaping_keeps_text_readable() {
        assert_eq!(esc("snake_case and 2 * 3"), "snake_case and 2 \\* 3");
        assert_eq!(esc("_lead a|b [x] #1"), "\\_lead a\\|b \\[x\\] \\#1");
        assert_eq!(esc("Smith & Co &amp;"), "Smith & Co \\&amp;");
        assert_eq!(esc("two\n  lines"), "two lines");
        assert_eq!(esc_lead("- item"), "\\- item");
        assert_eq!(esc_lead("12. item"), "12\\. item");
        assert_eq!(esc_lead("2024 figures"), "2024 figures");
        assert_eq!(esc("<b>"), "\\<b\\>");
    }

    #[test]
    fn rendering_is_deterministic() {
        let doc = fixture();
        assert_eq!(render(&doc), render(&doc.clone()));
        assert_eq!(render(&doc.public()), render(&doc.public()));
    }
}
