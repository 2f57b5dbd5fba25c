//! Cable text: a small model of a cable's content and a pure renderer to State's plain-text
//! cable layout.
//!
//! The layout rules are normative and live with the golden files in
//! `../shared/domain/cables/README.md`; `render` must reproduce `golden-u.txt` and
//! `golden-sbu.txt` byte for byte (checked by `tests/cable.rs`). In short:
//!
//! - classification line(s) from the highest paragraph marking (`UNCLASSIFIED`, or `UNCLAS`
//!   then `SENSITIVE`), the captions, a blank line, `E.O. 13526: N/A`, `TAGS:`, `SUBJECT:` in
//!   capitals, and `REF: A. ...  B. ...` when there are references;
//! - paragraphs numbered `1. `, `2. `, ... unless there is only one, each with its marking,
//!   `Summary:`/`End Summary.` and `Comment:`/`End Comment.` around summary and comment text,
//!   citation markers `[n]` appended in order of first citation through the rendered document;
//! - headings underlined with dashes; every line wrapped greedily at 72 columns on spaces only;
//! - a `Sources:` list of every cited item once, in number order, then the signer's surname.
//!
//! `Cable::public` derives the public edition: SBU paragraphs dropped, citations renumbered
//! (they follow the rendered order), and only the items still cited kept.
//!
//! [`Cable::from_doc`] builds a cable from a resolved report build ([`RenderDoc`]): one cable
//! paragraph per report paragraph, marked with its effective marking, emphasis dropped, and a
//! computed block printed under its paragraph as preformatted lines (title, each table as
//! fixed-width text whose cells wrap inside the line ([`table`]), group counts, caveats). A
//! public cable is `Cable::from_doc(&doc.public())`.

use std::collections::{HashMap, HashSet};

use chancery_domain::Marking;
use chrono::NaiveDate;

use crate::doc::{Block, DEMO_CAPTION, ItemKind, ParaKind, RenderDoc, Row, Table};
use crate::markup;

mod table;

/// Width of a cable line, indents included.
pub const LINE_WIDTH: usize = 72;

/// Indent of the continuation lines of an entry in the `Sources:` list.
const SOURCE_CONTINUATION_INDENT: usize = 4;

/// The content of one cable. Built by the caller from records; not a storage format.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cable {
    /// Caption lines printed under the classification line (`SIPDIS`; demo data always
    /// carries `DEMO - NOT AN OFFICIAL COMMUNICATION`).
    pub captions: Vec<String>,
    /// TAGS, e.g. `PHUM`, `GM` (geographic tags come from [`crate::geo_tag`]).
    pub tags: Vec<String>,
    /// The subject as written; the renderer prints it in capitals.
    pub subject: String,
    /// References, printed `A.`, `B.`, ... in this order.
    pub refs: Vec<String>,
    pub paragraphs: Vec<Paragraph>,
    /// Everything the paragraphs may cite, by key. Order is irrelevant: the Sources list
    /// follows citation order, and an item nobody cites is not listed.
    pub cited: Vec<CitedItem>,
    /// The signer's surname as it should close the cable; printed in capitals.
    pub signer: String,
}

/// One paragraph of a cable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// `U` or `SBU`: printed `(U)` / `(SBU)`, and the cable's classification is the highest.
    pub marking: Marking,
    pub kind: ParagraphKind,
    /// A section heading standing above the paragraph.
    pub heading: Option<String>,
    /// Markdown subset: emphasis (`*x*`, `_x_`, `**x**`, `__x__`) is stripped on rendering,
    /// and runs of whitespace (line breaks included) read as one space. Holds no citation
    /// markers: the renderer appends them.
    pub text: String,
    /// Keys into [`Cable::cited`], in the order the paragraph cites them.
    pub citations: Vec<CitationKey>,
    /// Lines printed as they are after the paragraph's wrapped text (one blank line between),
    /// before the blank line that closes the paragraph: a computed block's title, table and
    /// caveats. The caller keeps them within [`LINE_WIDTH`]; empty prints nothing.
    pub preformatted: Vec<String>,
}

/// What a paragraph is for; decides its opening and closing words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParagraphKind {
    /// `Summary: ... End Summary.`
    Summary,
    /// Plain paragraph.
    Fact,
    /// Plain paragraph.
    Analysis,
    /// `Comment: ... End Comment.`
    Comment,
}

/// The key by which a paragraph cites an item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CitationKey(pub String);

impl CitationKey {
    pub fn new(key: impl Into<String>) -> Self {
        CitationKey(key.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for CitationKey {
    fn from(key: &str) -> Self {
        CitationKey(key.to_string())
    }
}

/// Something a cable cites, under its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitedItem {
    pub key: CitationKey,
    pub item: Cited,
}

/// The kinds of evidence a cable cites. A date of `None` prints `n.d.`
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cited {
    /// `[n] Publisher, Title, YYYY-MM-DD.` plus ` URL` when there is one.
    Source {
        publisher: String,
        title: String,
        date: Option<NaiveDate>,
        url: Option<String>,
    },
    /// `[n] Case: Title, YYYY-MM-DD.`
    Case {
        title: String,
        date: Option<NaiveDate>,
    },
    /// `[n] Policy: Title, in force from YYYY-MM-DD.`
    Policy {
        title: String,
        in_force_from: Option<NaiveDate>,
    },
    /// `[n] Engagement: Title, YYYY-MM-DD.`
    Engagement {
        title: String,
        date: Option<NaiveDate>,
    },
}

impl Cable {
    /// The highest marking of any paragraph (`U` for a cable with no paragraphs).
    pub fn highest_marking(&self) -> Marking {
        self.paragraphs
            .iter()
            .map(|p| p.marking)
            .max()
            .unwrap_or(Marking::U)
    }

    /// The public edition: SBU paragraphs (with their headings) dropped, and only the items
    /// still cited kept, so nothing cited only by a sensitive paragraph is listed. Citation
    /// numbers renumber on rendering because they follow the rendered order.
    pub fn public(&self) -> Cable {
        let paragraphs: Vec<Paragraph> = self
            .paragraphs
            .iter()
            .filter(|p| p.marking == Marking::U)
            .cloned()
            .collect();
        let still_cited: HashSet<&CitationKey> =
            paragraphs.iter().flat_map(|p| p.citations.iter()).collect();
        let cited = self
            .cited
            .iter()
            .filter(|c| still_cited.contains(&c.key))
            .cloned()
            .collect();
        Cable {
            captions: self.captions.clone(),
            tags: self.tags.clone(),
            subject: self.subject.clone(),
            refs: self.refs.clone(),
            paragraphs,
            cited,
            signer: self.signer.clone(),
        }
    }

    /// Citation keys used by a paragraph but missing from [`Cable::cited`], in first-use
    /// order. The renderer still numbers them and lists them as unresolved, so a caller
    /// that wants a complete cable checks this first.
    pub fn unresolved_citations(&self) -> Vec<CitationKey> {
        let known: HashSet<&CitationKey> = self.cited.iter().map(|c| &c.key).collect();
        let mut seen = HashSet::new();
        self.paragraphs
            .iter()
            .flat_map(|p| p.citations.iter())
            .filter(|k| !known.contains(k) && seen.insert(*k))
            .cloned()
            .collect()
    }
}

impl Cable {
    /// The cable of a report build: captions (a demo build always carries [`DEMO_CAPTION`]),
    /// tags, subject, references and signer from the build; one paragraph per report
    /// paragraph with its effective marking, its section's heading on the section's first
    /// paragraph, the text without emphasis, its citations, and its block (if any) as
    /// preformatted lines; the cited items from [`RenderDoc::items`].
    pub fn from_doc(doc: &RenderDoc) -> Cable {
        let mut captions = doc.captions.clone();
        if doc.demo && !captions.iter().any(|c| c.trim() == DEMO_CAPTION) {
            captions.push(DEMO_CAPTION.to_string());
        }
        let mut paragraphs = Vec::new();
        for section in &doc.sections {
            let heading = Some(section.heading.trim())
                .filter(|h| !h.is_empty())
                .map(str::to_string);
            for (i, para) in section.paragraphs.iter().enumerate() {
                paragraphs.push(Paragraph {
                    marking: para.effective_marking,
                    kind: paragraph_kind(para.kind),
                    heading: if i == 0 { heading.clone() } else { None },
                    text: markup::plain(&para.text),
                    citations: para
                        .citations
                        .iter()
                        .map(|k| CitationKey::new(k.as_str()))
                        .collect(),
                    preformatted: para.block.as_ref().map(block_lines).unwrap_or_default(),
                });
            }
        }
        let cited = doc
            .items
            .iter()
            .map(|i| CitedItem {
                key: CitationKey::new(i.key.as_str()),
                item: match i.kind {
                    ItemKind::Source => Cited::Source {
                        publisher: i.publisher.clone(),
                        title: i.title.clone(),
                        date: i.date,
                        url: i.url.clone(),
                    },
                    ItemKind::Case => Cited::Case {
                        title: i.title.clone(),
                        date: i.date,
                    },
                    ItemKind::Policy => Cited::Policy {
                        title: i.title.clone(),
                        in_force_from: i.date,
                    },
                    ItemKind::Engagement => Cited::Engagement {
                        title: i.title.clone(),
                        date: i.date,
                    },
                },
            })
            .collect();
        Cable {
            captions,
            tags: doc.tags.clone(),
            subject: doc.subject.clone(),
            refs: doc.refs.clone(),
            paragraphs,
            cited,
            signer: doc.signer.clone(),
        }
    }
}

/// The cable text of a report build: `render(&Cable::from_doc(doc))`.
pub fn render_doc(doc: &RenderDoc) -> String {
    render(&Cable::from_doc(doc))
}

fn paragraph_kind(kind: ParaKind) -> ParagraphKind {
    match kind {
        ParaKind::Summary => ParagraphKind::Summary,
        ParaKind::Fact => ParagraphKind::Fact,
        ParaKind::Analysis => ParagraphKind::Analysis,
        ParaKind::Comment => ParagraphKind::Comment,
    }
}

/// A block as preformatted cable lines: its title, the table as fixed-width text, then after
/// a blank line a case table's group counts, then after a blank line each caveat as
/// `Caveat: ...`. Free text is wrapped at [`LINE_WIDTH`], whitespace runs (line breaks
/// included) read as one space, in the title, the cells and the caveats.
fn block_lines(block: &Block) -> Vec<String> {
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut lines = wrap(&one_line(block.title()), LINE_WIDTH, 0);
    for (i, table) in block.tables().into_iter().enumerate() {
        let table = Table {
            columns: table.columns.iter().map(|c| one_line(c)).collect(),
            rows: table
                .rows
                .iter()
                .map(|r| Row {
                    cells: r.cells.iter().map(|c| one_line(c)).collect(),
                    marking: r.marking,
                })
                .collect(),
            internal_columns: table.internal_columns.clone(),
        };
        let text = table::text_lines(&table, LINE_WIDTH);
        if i > 0 && !text.is_empty() {
            lines.push(String::new());
        }
        lines.extend(text);
    }
    if let Block::CaseTable { summary, .. } = block
        && !summary.is_empty()
    {
        lines.push(String::new());
        for s in summary {
            lines.extend(wrap(&one_line(s), LINE_WIDTH, 0));
        }
    }
    let caveats = block.caveats();
    if !caveats.is_empty() {
        lines.push(String::new());
        for c in &caveats {
            lines.extend(wrap(&format!("Caveat: {}", one_line(c)), LINE_WIDTH, 0));
        }
    }
    lines
}

/// Renders the cable as text, byte for byte in the layout of the golden files. Pure.
pub fn render(cable: &Cable) -> String {
    let mut lines: Vec<String> = Vec::new();

    match cable.highest_marking() {
        Marking::U => lines.push("UNCLASSIFIED".to_string()),
        Marking::SBU => {
            lines.push("UNCLAS".to_string());
            lines.push("SENSITIVE".to_string());
        }
    }
    for caption in &cable.captions {
        lines.extend(wrap(&one_line(caption), LINE_WIDTH, 0));
    }
    lines.push(String::new());
    lines.push("E.O. 13526: N/A".to_string());
    lines.extend(wrap(
        &format!("TAGS: {}", cable.tags.join(" ")),
        LINE_WIDTH,
        0,
    ));
    lines.extend(wrap(
        &format!("SUBJECT: {}", one_line(&cable.subject).to_uppercase()),
        LINE_WIDTH,
        0,
    ));
    if !cable.refs.is_empty() {
        let refs: Vec<String> = cable
            .refs
            .iter()
            .enumerate()
            .map(|(i, r)| format!("{}. {}", ref_label(i), one_line(r)))
            .collect();
        lines.push(String::new());
        lines.extend(wrap(&format!("REF: {}", refs.join("  ")), LINE_WIDTH, 0));
    }
    lines.push(String::new());

    // Citation numbers follow the order of first citation through the rendered document.
    let mut numbers: HashMap<&CitationKey, usize> = HashMap::new();
    let mut order: Vec<&CitationKey> = Vec::new();
    let numbered = cable.paragraphs.len() > 1;

    for (index, paragraph) in cable.paragraphs.iter().enumerate() {
        if let Some(heading) = &paragraph.heading {
            let heading = normalize(heading);
            let heading_lines = wrap(&heading, LINE_WIDTH, 0);
            if !heading_lines.is_empty() {
                let underline = heading_lines
                    .iter()
                    .map(|l| l.chars().count())
                    .max()
                    .unwrap_or(0);
                lines.extend(heading_lines);
                lines.push("-".repeat(underline));
                lines.push(String::new());
            }
        }

        let mut markers: Vec<String> = Vec::new();
        let mut in_paragraph: HashSet<&CitationKey> = HashSet::new();
        for key in &paragraph.citations {
            if !in_paragraph.insert(key) {
                continue;
            }
            let next = order.len() + 1;
            let n = *numbers.entry(key).or_insert_with(|| {
                order.push(key);
                next
            });
            markers.push(format!("[{n}]"));
        }

        let mut parts: Vec<String> = Vec::new();
        if numbered {
            parts.push(format!("{}.", index + 1));
        }
        parts.push(format!("({})", paragraph.marking.as_str()));
        match paragraph.kind {
            ParagraphKind::Summary => parts.push("Summary:".to_string()),
            ParagraphKind::Comment => parts.push("Comment:".to_string()),
            ParagraphKind::Fact | ParagraphKind::Analysis => {}
        }
        let text = normalize(&paragraph.text);
        if !text.is_empty() {
            parts.push(text);
        }
        parts.extend(markers);
        match paragraph.kind {
            ParagraphKind::Summary => parts.push("End Summary.".to_string()),
            ParagraphKind::Comment => parts.push("End Comment.".to_string()),
            ParagraphKind::Fact | ParagraphKind::Analysis => {}
        }
        lines.extend(wrap(&parts.join(" "), LINE_WIDTH, 0));
        if !paragraph.preformatted.is_empty() {
            lines.push(String::new());
            lines.extend(paragraph.preformatted.iter().cloned());
        }
        lines.push(String::new());
    }

    if !order.is_empty() {
        let items: HashMap<&CitationKey, &Cited> =
            cable.cited.iter().map(|c| (&c.key, &c.item)).collect();
        lines.push("Sources:".to_string());
        for (i, key) in order.iter().enumerate() {
            let entry = match items.get(key) {
                Some(item) => source_entry(i + 1, item),
                None => format!("[{}] Unresolved citation: {}.", i + 1, key.as_str()),
            };
            lines.extend(wrap(&entry, LINE_WIDTH, SOURCE_CONTINUATION_INDENT));
        }
        lines.push(String::new());
    }

    lines.push(cable.signer.trim().to_uppercase());

    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Wraps `text` greedily at `width` columns (counted in characters, indents included),
/// breaking only at spaces: never inside a word, never at a hyphen. The first line starts
/// at column 1; continuation lines are indented `continuation_indent` spaces. A word longer
/// than the line stays whole on its own line. Runs of spaces inside a line are kept as
/// written (the `REF:` line separates references by two spaces); at a break they vanish.
/// Blank text gives no lines.
pub fn wrap(text: &str, width: usize, continuation_indent: usize) -> Vec<String> {
    let indent = " ".repeat(continuation_indent);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_len = 0usize;
    let mut started = false;

    for (gap, word) in words_with_gaps(text) {
        let word_len = word.chars().count();
        if !started {
            line.push_str(word);
            line_len = word_len;
            started = true;
        } else if line_len + gap + word_len <= width {
            line.extend(std::iter::repeat_n(' ', gap));
            line.push_str(word);
            line_len += gap + word_len;
        } else {
            lines.push(std::mem::take(&mut line));
            line.push_str(&indent);
            line.push_str(word);
            line_len = continuation_indent + word_len;
        }
    }
    if started {
        lines.push(line);
    }
    lines
}

/// Words separated by spaces, each with the number of spaces before it (leading and trailing
/// spaces of the text are dropped).
fn words_with_gaps(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text.trim_matches(' ');
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let gap = rest.len() - rest.trim_start_matches(' ').len();
        rest = &rest[gap..];
        let end = rest.find(' ').unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        Some((gap, word))
    })
}

/// Paragraph and heading text as cable text: emphasis stripped, whitespace runs (line breaks
/// included) collapsed to one space.
/// A header field on one line whatever it holds: each control character (a line break, a
/// tab, a carriage return) becomes a space, so no header field prints a line of its own.
/// Saving refuses them already; this holds for snapshots stored before that rule.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn normalize(markdown: &str) -> String {
    let collapsed = markdown.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::markup::strip_emphasis(&collapsed)
}

/// `A`, `B`, ... `Z`, `AA`, `AB`, ...
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

fn date_or_nd(date: &Option<NaiveDate>) -> String {
    match date {
        Some(d) => d.format("%Y-%m-%d").to_string(),
        None => "n.d.".to_string(),
    }
}

/// Closes an entry with a full stop, unless it already ends with one (`n.d.` does).
fn sentence(mut entry: String) -> String {
    if !entry.ends_with('.') {
        entry.push('.');
    }
    entry
}

fn source_entry(n: usize, item: &Cited) -> String {
    match item {
        Cited::Source {
            publisher,
            title,
            date,
            url,
        } => {
            let mut fields: Vec<String> = Vec::new();
            if !publisher.trim().is_empty() {
                fields.push(normalize(publisher));
            }
            fields.push(normalize(title));
            fields.push(date_or_nd(date));
            let mut entry = sentence(format!("[{n}] {}", fields.join(", ")));
            if let Some(url) = url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                entry.push(' ');
                entry.push_str(url);
            }
            entry
        }
        Cited::Case { title, date } => sentence(format!(
            "[{n}] Case: {}, {}",
            normalize(title),
            date_or_nd(date)
        )),
        Cited::Policy {
            title,
            in_force_from,
        } => sentence(format!(
            "[{n}] Policy: {}, in force from {}",
            normalize(title),
            date_or_nd(in_force_from)
        )),
        Cited::Engagement { title, date } => sentence(format!(
            "[{n}] Engagement: {}, {}",
            normalize(title),
            date_or_nd(date)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::fixture;

    fn para(marking: Marking, kind: ParagraphKind, text: &str, cites: &[&str]) -> Paragraph {
        Paragraph {
            marking,
            kind,
            heading: None,
            text: text.to_string(),
            citations: cites.iter().map(|&k| CitationKey::from(k)).collect(),
            preformatted: Vec::new(),
        }
    }

    fn cable(paragraphs: Vec<Paragraph>) -> Cable {
        Cable {
            captions: vec![],
            tags: vec!["PHUM".into(), "GM".into()],
            subject: "Test".into(),
            refs: vec![],
            paragraphs,
            cited: vec![CitedItem {
                key: "a".into(),
                item: Cited::Case {
                    title: "A case".into(),
                    date: None,
                },
            }],
            signer: "Surname".into(),
        }
    }

    #[test]
    fn wrap_breaks_greedily_at_spaces() {
        let text = "aaa bbb ccc ddd";
        assert_eq!(wrap(text, 7, 0), vec!["aaa bbb", "ccc ddd"]);
        assert_eq!(wrap(text, 11, 0), vec!["aaa bbb ccc", "ddd"]);
        assert_eq!(wrap(text, 11, 4), vec!["aaa bbb ccc", "    ddd"]);
        assert_eq!(wrap("", 72, 0), Vec::<String>::new());
        assert_eq!(wrap("   ", 72, 0), Vec::<String>::new());
    }

    #[test]
    fn wrap_keeps_a_word_longer_than_the_line_whole() {
        let long = "x".repeat(80);
        let text = format!("before {long} after");
        let lines = wrap(&text, LINE_WIDTH, 0);
        assert_eq!(
            lines,
            vec!["before".to_string(), long.clone(), "after".into()]
        );
        let lines = wrap(&format!("[1] {long}"), LINE_WIDTH, 4);
        assert_eq!(lines, vec!["[1]".to_string(), format!("    {long}")]);
        assert_eq!(wrap(&long, LINE_WIDTH, 0), vec![long]);
    }

    #[test]
    fn wrap_never_splits_at_a_hyphen() {
        // "well-known" would fit partly ("well-") on the first line; it must move whole.
        let text = "abcdefgh well-known";
        assert_eq!(wrap(text, 14, 0), vec!["abcdefgh", "well-known"]);
        let text = format!("{} well-known word", "a".repeat(66));
        let lines = wrap(&text, LINE_WIDTH, 0);
        assert_eq!(lines[0], "a".repeat(66));
        assert_eq!(lines[1], "well-known word");
        for line in &lines {
            assert!(line.chars().count() <= LINE_WIDTH);
        }
    }

    #[test]
    fn wrap_keeps_double_spaces_inside_a_line() {
        assert_eq!(wrap("A. x  B. y", 72, 0), vec!["A. x  B. y"]);
        assert_eq!(wrap("A. x  B. y", 5, 0), vec!["A. x", "B. y"]);
    }

    #[test]
    fn a_lone_paragraph_is_not_numbered() {
        let one = render(&cable(vec![para(
            Marking::U,
            ParagraphKind::Fact,
            "Only one.",
            &["a"],
        )]));
        assert!(one.contains("\n(U) Only one. [1]\n"), "{one}");
        assert!(!one.contains("1. (U)"), "{one}");

        let two = render(&cable(vec![
            para(Marking::U, ParagraphKind::Fact, "First.", &["a"]),
            para(Marking::U, ParagraphKind::Analysis, "Second.", &[]),
        ]));
        assert!(
            two.contains("\n1. (U) First. [1]\n\n2. (U) Second.\n"),
            "{two}"
        );
    }

    #[test]
    fn a_lone_summary_is_unnumbered_but_keeps_its_words() {
        let out = render(&cable(vec![para(
            Marking::SBU,
            ParagraphKind::Summary,
            "Short.",
            &["a", "a"],
        )]));
        assert!(out.starts_with("UNCLAS\nSENSITIVE\n\n"), "{out}");
        assert!(
            out.contains("\n(SBU) Summary: Short. [1] End Summary.\n"),
            "{out}"
        );
        assert!(
            out.contains("Sources:\n[1] Case: A case, n.d.\n\nSURNAME\n"),
            "{out}"
        );
        assert!(out.ends_with("SURNAME\n") && !out.ends_with("\n\n"));
    }

    #[test]
    fn emphasis_is_stripped() {
        assert_eq!(crate::markup::strip_emphasis("a *b* c"), "a b c");
        assert_eq!(crate::markup::strip_emphasis("a _b_ c"), "a b c");
        assert_eq!(crate::markup::strip_emphasis("a **b c** d"), "a b c d");
        assert_eq!(crate::markup::strip_emphasis("**bold _it_**."), "bold it.");
        assert_eq!(
            crate::markup::strip_emphasis("snake_case_name"),
            "snake_case_name"
        );
        assert_eq!(crate::markup::strip_emphasis("2 * 3 * 4"), "2 * 3 * 4");
        assert_eq!(
            crate::markup::strip_emphasis("an *open only"),
            "an *open only"
        );
        let out = render(&cable(vec![para(
            Marking::U,
            ParagraphKind::Fact,
            "A *very*\n  **important** _point_.",
            &[],
        )]));
        assert!(out.contains("\n(U) A very important point.\n"), "{out}");
    }

    #[test]
    fn header_fields_with_line_breaks_print_no_lines_of_their_own() {
        let mut c = cable(vec![para(Marking::SBU, ParagraphKind::Fact, "x", &[])]);
        c.subject = "Harmless\nUNCLASSIFIED\n1. Fake paragraph".into();
        c.captions = vec!["CAPTION\r\nUNCLASSIFIED".into()];
        c.refs = vec!["ONE\nSources: fake".into()];
        let text = render(&c);
        assert!(
            !text
                .lines()
                .any(|l| l == "UNCLASSIFIED" || l.starts_with("1. Fake")),
            "{text}"
        );
        assert!(
            text.contains("SUBJECT: HARMLESS UNCLASSIFIED 1. FAKE PARAGRAPH"),
            "{text}"
        );
        assert!(
            !text.lines().any(|l| l.starts_with("Sources: fake")),
            "{text}"
        );
    }

    #[test]
    fn refs_are_lettered_two_spaces_apart() {
        let mut c = cable(vec![para(Marking::U, ParagraphKind::Fact, "x", &[])]);
        c.refs = vec!["ONE".into(), "TWO".into(), "THREE".into()];
        assert!(render(&c).contains("\n\nREF: A. ONE  B. TWO  C. THREE\n\n"));
        assert_eq!(ref_label(0), "A");
        assert_eq!(ref_label(25), "Z");
        assert_eq!(ref_label(26), "AA");
    }

    #[test]
    fn unresolved_citations_are_reported_and_listed() {
        let c = cable(vec![para(
            Marking::U,
            ParagraphKind::Fact,
            "x",
            &["missing", "a"],
        )]);
        assert_eq!(c.unresolved_citations(), vec![CitationKey::from("missing")]);
        let out = render(&c);
        assert!(out.contains("[1] Unresolved citation: missing.\n[2] Case: A case, n.d.\n"));
    }

    /// The whole cable of [`fixture`]: the internal edition.
    const INTERNAL: &str = "\
UNCLAS
SENSITIVE
SIPDIS
DEMO - NOT AN OFFICIAL COMMUNICATION

E.O. 13526: N/A
TAGS: PHUM SMIG GM
SUBJECT: GERMANY: COURTS ORDER EXPULSIONS AFTER CONVICTION

REF: A. DEMO REF ONE  B. DEMO REF TWO

Summary
-------

1. (SBU) Summary: Courts ordered three expulsions in 2024; one case is
on appeal. [1] [2] End Summary.

Background
----------

2. (U) The office <script>alert(1)</script> & \"others\" publish yearly
tables. A second paragraph. [2] [3]

Expulsion orders by year
Year  Orders  Note
----  ------  -----------
2023  12      a|b
2024  15      provisional

Caveat: Counts are orders, not removals; a person may receive more than
one order in a year and appear twice in this table.

3. (U) Numbers rose; see the cases below. [4]

Expulsion cases
Case    Court          Victim
------  -------------  --------
Case A  Example court  adult, f
Case B  Youth court    minor, m

2 cases: 1 adult victim, 1 minor victim

Caveat: Only cases with a final judgment.

Comment
-------

4. (SBU) Comment: We expect more appeals. [5] [1] End Comment.

Sources:
[1] Case: Youth court case, 2024-11-05.
[2] Example Statistics Office, Expulsion orders <b>by year</b>,
    2025-03-01. https://example.org/t?a=1&b=2
[3] Policy: Expulsion threshold, in force from 2022-07-01.
[4] Example Court, Judgment 123/45, n.d.
[5] Engagement: Meeting with the interior ministry, 2025-01-15.

PLACEHOLDER
";

    #[test]
    fn from_doc_renders_the_whole_build() {
        assert_eq!(render_doc(&fixture()), INTERNAL);
    }

    #[test]
    fn from_doc_maps_paragraphs_and_items() {
        let doc = fixture();
        let cable = Cable::from_doc(&doc);
        assert_eq!(cable.captions, doc.captions);
        assert_eq!(cable.tags, doc.tags);
        assert_eq!(cable.refs, doc.refs);
        assert_eq!(cable.signer, "PLACEHOLDER");
        assert_eq!(cable.paragraphs.len(), 4);
        let p = &cable.paragraphs;
        assert_eq!(p[0].marking, Marking::SBU, "effective marking, not own");
        assert_eq!(p[0].kind, ParagraphKind::Summary);
        assert_eq!(p[0].heading.as_deref(), Some("Summary"));
        assert_eq!(
            p[0].text,
            "Courts ordered three expulsions in 2024; one case is on appeal."
        );
        assert_eq!(p[1].heading.as_deref(), Some("Background"));
        assert_eq!(p[2].heading, None, "heading only on a section's first");
        assert_eq!(p[2].kind, ParagraphKind::Analysis);
        assert_eq!(p[3].kind, ParagraphKind::Comment);
        assert!(p[0].preformatted.is_empty());
        assert_eq!(p[1].preformatted[0], "Expulsion orders by year");
        assert_eq!(
            p[1].citations,
            vec![
                CitationKey::from("source:12"),
                CitationKey::from("policy:1"),
                CitationKey::from("source:12"),
            ]
        );
        assert_eq!(cable.cited.len(), doc.items.len());
        assert_eq!(
            cable.cited[3],
            CitedItem {
                key: "policy:1".into(),
                item: Cited::Policy {
                    title: "Expulsion threshold".into(),
                    in_force_from: NaiveDate::from_ymd_opt(2022, 7, 1),
                },
            }
        );
        assert!(matches!(cable.cited[4].item, Cited::Engagement { .. }));
        assert!(matches!(cable.cited[2].item, Cited::Case { .. }));
        assert!(cable.unresolved_citations().is_empty());
    }

    #[test]
    fn a_demo_build_always_carries_the_demo_caption() {
        let mut doc = fixture();
        doc.captions = vec!["SIPDIS".into()];
        let out = render_doc(&doc);
        assert!(
            out.starts_with("UNCLAS\nSENSITIVE\nSIPDIS\nDEMO - NOT AN OFFICIAL COMMUNICATION\n\n"),
            "{out}"
        );
    }

    #[test]
    fn every_line_of_a_build_fits_72_columns() {
        let mut doc = fixture();
        // A long block title, caveat and refusal must wrap too.
        if let Some(Block::Figure {
            title,
            caveats,
            refusal,
            ..
        }) = &mut doc.sections[1].paragraphs[0].block
        {
            *title = "A very long figure title ".repeat(5);
            caveats.push("A long caveat that goes on. ".repeat(6));
            *refusal = Some("fewer than five cases in a period\nof the series".into());
        }
        for out in [render_doc(&doc), render_doc(&doc.public())] {
            for line in out.lines() {
                assert!(line.chars().count() <= LINE_WIDTH, "too long: {line:?}");
            }
        }
        let out = render_doc(&doc);
        assert!(
            out.contains(
                "\nCaveat: Not computed: fewer than five cases in a period of the series\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn public_edition_of_a_build_is_unclassified_and_renumbered() {
        let out = render_doc(&fixture().public());
        assert!(
            out.starts_with("UNCLASSIFIED\nSIPDIS\nDEMO - NOT AN OFFICIAL COMMUNICATION\n\n"),
            "{out}"
        );
        for gone in [
            "(SBU)",
            "SENSITIVE",
            "Summary",
            "Comment",
            "Case:",
            "Engagement:",
            "Victim",
            "minor",
            "2 cases",
        ] {
            assert!(!out.contains(gone), "{gone:?} leaked into\n{out}");
        }
        assert!(
            out.contains("\n\nBackground\n----------\n\n1. (U) The office"),
            "{out}"
        );
        assert!(out.contains("A second paragraph. [1] [2]\n"), "{out}");
        assert!(
            out.contains("\n2. (U) Numbers rose; see the cases below. [3]\n"),
            "{out}"
        );
        assert!(
            out.contains(
                "\nExpulsion cases\nCase    Court\n------  -------------\nCase A  Example court\n\n\
                 Caveat: Only cases with a final judgment.\n\n"
            ),
            "{out}"
        );
        assert!(
            out.ends_with(
                "Sources:\n\
                 [1] Example Statistics Office, Expulsion orders <b>by year</b>,\n    \
                 2025-03-01. https://example.org/t?a=1&b=2\n\
                 [2] Policy: Expulsion threshold, in force from 2022-07-01.\n\
                 [3] Example Court, Judgment 123/45, n.d.\n\
                 \n\
                 PLACEHOLDER\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn rendering_a_build_is_deterministic() {
        let doc = fixture();
        assert_eq!(render_doc(&doc), render_doc(&doc.clone()));
        assert_eq!(render_doc(&doc.public()), render_doc(&doc.public()));
    }
}
