//! PDF output of a report build, typeset with Typst.
//!
//! [`render`] writes the build as Typst markup ([`markup`]) and compiles it in a small
//! in-memory world: one main source, the SVG charts of figure blocks as virtual files
//! (`/fig-1.svg`, ...), the fonts bundled with `typst-assets` and nothing else (no file
//! system, no package downloads). Typst stays inside this module.
//!
//! Every piece of text that comes from the report (titles, paragraphs, table cells, source
//! titles, URLs) reaches the markup as a Typst string literal (`#"...";`), so nothing in it is
//! read as markup or code: `#set page(...)`, `*`, `_`, `$`, `//`, `<label>` and `@ref` print as
//! written.
//!
//! The output is deterministic: the same [`RenderDoc`] gives the same bytes. The PDF's
//! creation date and Typst's `datetime.today()` come from [`RenderDoc::built_at`], never from
//! the clock; the PDF's document identifier is derived from the report and build ids; the
//! creator is a fixed string.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

use chancery_domain::Marking;
use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc};
use typst::diag::{FileError, FileResult, SourceDiagnostic, Warned};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

use crate::doc::{Block, DEMO_CAPTION, Item, ItemKind, ParaKind, RenderDoc, Table};
use crate::markup::{self, Span};

/// Why a PDF could not be made, with Typst's messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// The generated markup did not compile (a bad SVG chart, for instance).
    #[error("the report did not typeset: {}", .0.join("; "))]
    Compile(Vec<String>),
    /// The typeset document could not be written as PDF.
    #[error("the PDF could not be written: {}", .0.join("; "))]
    Export(Vec<String>),
}

/// Renders the build as an A4 PDF. Deterministic: the same doc gives the same bytes.
pub fn render(doc: &RenderDoc) -> Result<Vec<u8>, PdfError> {
    let document = compile(doc)?;
    let options = PdfOptions {
        ident: Smart::Custom(format!(
            "chancery-report-{}-build-{}",
            doc.report_id, doc.build_id
        )),
        creator: Smart::Custom(Some("Chancery".to_string())),
        timestamp: datetime(doc.built_at).map(Timestamp::new_utc),
        ..PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&document, &options)
        .map_err(|diags| PdfError::Export(diags.iter().map(|d| message(d, None)).collect()));
    // Typst memoizes across compilations; drop what older renders left behind.
    typst::comemo::evict(10);
    pdf
}

/// Typesets the doc (the step before PDF export).
fn compile(doc: &RenderDoc) -> Result<PagedDocument, PdfError> {
    let world = DocWorld::new(doc);
    let Warned { output, .. } = typst::compile::<PagedDocument>(&world);
    output.map_err(|diags| {
        PdfError::Compile(diags.iter().map(|d| message(d, Some(&world))).collect())
    })
}

/// A diagnostic as one line: the message, the hints, and the markup it points at.
fn message(diag: &SourceDiagnostic, world: Option<&DocWorld>) -> String {
    let mut out = diag.message.to_string();
    for hint in &diag.hints {
        let _ = write!(out, " (hint: {})", hint.v);
    }
    if let Some(world) = world
        && diag.span.id() == Some(world.main.id())
        && let Some(range) = world.range(diag.span)
        && let Some(text) = world.main.text().get(range)
    {
        let excerpt: String = text.chars().take(120).collect();
        let _ = write!(out, " at `{excerpt}`");
    }
    out
}

/// The build time as a Typst datetime (UTC).
fn datetime(at: DateTime<Utc>) -> Option<Datetime> {
    Datetime::from_ymd_hms(
        at.year(),
        u8::try_from(at.month()).ok()?,
        u8::try_from(at.day()).ok()?,
        u8::try_from(at.hour()).ok()?,
        u8::try_from(at.minute()).ok()?,
        u8::try_from(at.second()).ok()?,
    )
}

// --- The world -----------------------------------------------------------------------------

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// The fonts bundled with `typst-assets`, parsed once per process.
fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        Fonts {
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("a fixed, valid virtual path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// The path of the `n`th figure chart (1-based) in the virtual file system.
fn figure_path(n: usize) -> String {
    format!("/fig-{n}.svg")
}

/// The SVG charts of the doc, in document order: the `n`th one is at [`figure_path`]`(n)`.
fn figure_svgs(doc: &RenderDoc) -> Vec<&str> {
    doc.paragraphs()
        .filter_map(|p| match &p.block {
            Some(Block::Figure { svg: Some(svg), .. }) => Some(svg.as_str()),
            _ => None,
        })
        .collect()
}

/// Everything a compilation can read: the main source, the charts, the bundled fonts.
struct DocWorld {
    main: Source,
    files: Vec<(FileId, Bytes)>,
    built_at: DateTime<Utc>,
}

impl DocWorld {
    fn new(doc: &RenderDoc) -> DocWorld {
        let main = Source::new(file_id("/main.typ"), markup(doc));
        let files = figure_svgs(doc)
            .into_iter()
            .enumerate()
            .map(|(i, svg)| {
                (
                    file_id(&figure_path(i + 1)),
                    Bytes::from_string(svg.to_string()),
                )
            })
            .collect();
        DocWorld {
            main,
            files,
            built_at: doc.built_at,
        }
    }

    fn not_found(id: FileId) -> FileError {
        FileError::NotFound(id.vpath().get_with_slash().into())
    }
}

impl World for DocWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(DocWorld::not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.text().to_string()));
        }
        self.files
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, bytes)| bytes.clone())
            .ok_or_else(|| DocWorld::not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }

    /// The build's date, never the clock's (local time reads as UTC).
    fn today(&self, offset: Option<Duration>) -> Option<Datetime> {
        let seconds = offset.map_or(0, |d| d.seconds() as i64);
        let at = self
            .built_at
            .checked_add_signed(TimeDelta::try_seconds(seconds)?)?;
        Datetime::from_ymd(
            at.year(),
            u8::try_from(at.month()).ok()?,
            u8::try_from(at.day()).ok()?,
        )
    }
}

// --- Markup --------------------------------------------------------------------------------

/// `text` as a Typst string literal: only `\`, `"` and control characters need escaping.
fn lit(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One line of text with whitespace runs collapsed, as a string literal.
fn line(text: &str) -> String {
    lit(&collapse(text))
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text in markup mode: a string literal embedded and closed with `;`, so whatever follows
/// (`.`, `(`, `[`) cannot extend the expression.
fn txt(text: &str) -> String {
    format!("#{};", lit(text))
}

fn marking_prefix(m: Marking) -> String {
    format!("({})", m.as_str())
}

/// The doc as Typst markup. All report text is embedded as string literals.
fn markup(doc: &RenderDoc) -> String {
    let banner = doc.banner().banner();
    let mut m = String::new();

    // Document, page and text setup.
    let pdf_title = if doc.subject.trim().is_empty() {
        collapse(&doc.title)
    } else {
        format!("{}: {}", collapse(&doc.title), collapse(&doc.subject))
    };
    let keywords: Vec<String> = doc.tags.iter().map(|t| line(t)).collect();
    let _ = writeln!(
        m,
        "#set document(title: {}, author: {}, keywords: ({}{}))",
        lit(&pdf_title),
        line(&doc.signer),
        keywords.join(", "),
        if keywords.len() == 1 { "," } else { "" },
    );
    let demo_line = if doc.demo {
        format!(
            ", text(size: 8pt, weight: \"bold\", fill: rgb(\"#b00000\"), {})",
            lit(DEMO_CAPTION)
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        m,
        "#set page(paper: \"a4\", margin: (x: 2.2cm, top: 2.8cm, bottom: 2.8cm), \
         header: align(center, stack(spacing: 4pt, text(weight: \"bold\", {b}){demo})), \
         footer: context align(center, stack(spacing: 4pt, \
         text(size: 8pt, counter(page).display(\"1 of 1\", both: true)), \
         text(weight: \"bold\", {b}){demo})))",
        b = lit(banner),
        demo = demo_line,
    );
    m.push_str("#set text(font: \"Libertinus Serif\", size: 11pt, lang: \"en\")\n");
    m.push_str("#set par(justify: false, leading: 0.6em, spacing: 1.1em)\n");
    m.push_str("#set heading(numbering: none)\n");
    m.push_str("#show heading: set block(above: 1.4em, below: 0.8em)\n");
    m.push_str("#set table(stroke: 0.5pt + luma(120), inset: 4pt)\n\n");

    // Title block.
    if doc.demo {
        let _ = writeln!(
            m,
            "#block(width: 100%, inset: 8pt, stroke: 2pt + rgb(\"#b00000\"), \
             align(center, text(size: 14pt, weight: \"bold\", fill: rgb(\"#b00000\"), {})))\n",
            lit(DEMO_CAPTION)
        );
    }
    let _ = writeln!(
        m,
        "#align(center, text(size: 17pt, weight: \"bold\", {}))\n",
        line(&doc.title)
    );
    if !doc.post_name.trim().is_empty() {
        let _ = writeln!(
            m,
            "#align(center, text(size: 12pt, {}))\n",
            line(&doc.post_name)
        );
    }
    if doc.public {
        m.push_str("#align(center, text(size: 12pt, weight: \"bold\", \"Public edition\"))\n\n");
    }
    let mut fields: Vec<(&str, String)> = Vec::new();
    fields.push(("SUBJECT:", line(&doc.subject)));
    if !doc.tags.is_empty() {
        fields.push(("TAGS:", line(&doc.tags.join(", "))));
    }
    if !doc.refs.is_empty() {
        let refs: Vec<String> = doc
            .refs
            .iter()
            .enumerate()
            .map(|(i, r)| format!("{}. {}", ref_letter(i), collapse(r)))
            .collect();
        fields.push(("REF:", lit(&refs.join("  "))));
    }
    if !doc.captions.is_empty() {
        fields.push(("CAPTIONS:", line(&doc.captions.join(", "))));
    }
    fields.push(("STATE:", line(&doc.state)));
    fields.push((
        "BUILD:",
        lit(&format!(
            "Report {} version {}, build {}, {}",
            doc.report_id,
            doc.report_version,
            doc.build_id,
            doc.built_at.format("%Y-%m-%d %H:%M UTC")
        )),
    ));
    m.push_str(
        "#block(above: 1.2em, below: 1.2em, grid(columns: (auto, 1fr), column-gutter: 1em, \
         row-gutter: 0.6em,\n",
    );
    for (label, value) in &fields {
        let _ = writeln!(m, "  strong({}), {},", lit(label), value);
    }
    m.push_str("))\n\n");

    // Sections.
    let order = doc.citation_order();
    let numbers: HashMap<&str, usize> =
        order.iter().enumerate().map(|(i, k)| (*k, i + 1)).collect();
    let mut figure = 0usize;
    for section in &doc.sections {
        let _ = writeln!(m, "#heading(level: 1, {})\n", line(&section.heading));
        for para in &section.paragraphs {
            let mut seen = HashSet::new();
            let markers: Vec<String> = para
                .citations
                .iter()
                .filter(|k| seen.insert(k.as_str()))
                .filter_map(|k| numbers.get(k.as_str()))
                .map(|n| format!("[{n}]"))
                .collect();
            paragraph(
                &mut m,
                para.kind,
                para.effective_marking,
                &para.text,
                &markers,
            );
            if let Some(b) = &para.block {
                block(&mut m, b, &mut figure);
            }
        }
    }

    // Sources, in citation order.
    if !order.is_empty() {
        m.push_str("#heading(level: 1, \"Sources\")\n\n");
        m.push_str("#grid(columns: (auto, 1fr), column-gutter: 0.7em, row-gutter: 0.8em,\n");
        for (i, key) in order.iter().enumerate() {
            let entry = match doc.item(key) {
                Some(item) => source_entry(item),
                None => txt(&format!("Unresolved citation: {}.", collapse(key))),
            };
            let _ = writeln!(m, "  {}, [{}],", lit(&format!("[{}]", i + 1)), entry);
        }
        m.push_str(")\n\n");
    }

    if !doc.signer.trim().is_empty() {
        let _ = writeln!(m, "#v(1.5em)\n{}", txt(&collapse(&doc.signer)));
    }
    m
}

/// `A`, `B`, ... `Z`, `AA`, ... for reference lists.
fn ref_letter(i: usize) -> String {
    let mut n = i + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII letters")
}

/// One report paragraph: marking, cable opener, text with emphasis, citation markers and the
/// closer. A paragraph written as several (blank lines) prints as several, the marking on the
/// first and the markers on the last.
fn paragraph(m: &mut String, kind: ParaKind, marking: Marking, text: &str, markers: &[String]) {
    let (opener, closer) = match kind {
        ParaKind::Summary => (Some("Summary:"), Some("End Summary.")),
        ParaKind::Comment => (Some("Comment:"), Some("End Comment.")),
        ParaKind::Fact | ParaKind::Analysis => (None, None),
    };
    let mut parts = markup::parse(text);
    if parts.is_empty() {
        if opener.is_none() && markers.is_empty() {
            return;
        }
        parts.push(Vec::new());
    }
    let last = parts.len() - 1;
    for (i, spans) in parts.iter().enumerate() {
        let mut words: Vec<String> = Vec::new();
        if i == 0 {
            words.push(format!("#strong({});", lit(&marking_prefix(marking))));
            if let Some(o) = opener {
                words.push(txt(o));
            }
        }
        if !spans.is_empty() {
            words.push(spans.iter().map(span).collect());
        }
        if i == last {
            words.extend(markers.iter().map(|n| txt(n)));
            if let Some(c) = closer {
                words.push(txt(c));
            }
        }
        m.push_str(&words.join("#\" \";"));
        m.push_str("\n\n");
    }
}

fn span(s: &Span) -> String {
    match s {
        Span::Plain(t) => txt(t),
        Span::Emph(t) => format!("#emph({});", lit(t)),
        Span::Strong(t) => format!("#strong({});", lit(t)),
    }
}

/// A computed block: title with its marking, chart, table, summary lines and caveats.
fn block(m: &mut String, b: &Block, figure: &mut usize) {
    m.push_str("#block(width: 100%, above: 1em, below: 1.4em)[\n");
    let _ = writeln!(
        m,
        "#block(sticky: true, below: 0.8em, strong({}))\n",
        lit(&format!(
            "{} {}",
            marking_prefix(b.marking()),
            collapse(b.title())
        ))
    );
    if let Block::Figure { svg: Some(_), .. } = b {
        *figure += 1;
        let _ = writeln!(m, "#image({}, width: 100%)\n", lit(&figure_path(*figure)));
    }
    for t in b.tables() {
        table(m, t);
    }
    let mut small: Vec<String> = Vec::new();
    if let Block::CaseTable { summary, .. } = b {
        small.extend(summary.iter().cloned());
    }
    small.extend(b.caveats());
    for line in small.iter().filter(|l| !l.trim().is_empty()) {
        let _ = writeln!(m, "#text(size: 8.5pt, {})\n", lit(&collapse(line)));
    }
    m.push_str("]\n\n");
}

fn table(m: &mut String, t: &Table) {
    let n = t
        .columns
        .len()
        .max(t.rows.iter().map(|r| r.cells.len()).max().unwrap_or(0));
    if n == 0 {
        return;
    }
    let cell = |cells: &[String], i: usize| -> String {
        lit(&collapse(cells.get(i).map(String::as_str).unwrap_or("")))
    };
    let _ = writeln!(m, "#text(size: 9pt, table(columns: {n},");
    if !t.columns.is_empty() {
        let header: Vec<String> = (0..n)
            .map(|i| format!("strong({})", cell(&t.columns, i)))
            .collect();
        let _ = writeln!(m, "  table.header({}),", header.join(", "));
    }
    for row in &t.rows {
        let cells: Vec<String> = (0..n).map(|i| cell(&row.cells, i)).collect();
        let _ = writeln!(m, "  {},", cells.join(", "));
    }
    m.push_str("))\n\n");
}

/// An entry of the Sources list (markup for a content block).
fn source_entry(item: &Item) -> String {
    let date = item
        .date
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "n.d.".to_string());
    let title = collapse(&item.title);
    let mut text = match item.kind {
        ItemKind::Source => {
            let mut fields = Vec::new();
            if !item.publisher.trim().is_empty() {
                fields.push(collapse(&item.publisher));
            }
            fields.push(title);
            fields.push(date);
            fields.join(", ")
        }
        ItemKind::Case => format!("Case: {title}, {date}"),
        ItemKind::Policy => format!("Policy: {title}, in force from {date}"),
        ItemKind::Engagement => format!("Engagement: {title}, {date}"),
    };
    if !text.ends_with('.') {
        text.push('.');
    }
    if item.marking != Marking::U {
        text = format!("{} {text}", marking_prefix(item.marking));
    }
    let mut out = vec![txt(&text)];
    if let Some(url) = item.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        let url = collapse(url);
        if url.starts_with("https://") || url.starts_with("http://") {
            out.push(format!("#link({});", lit(&url)));
        } else {
            out.push(txt(&url));
        }
    }
    if item.kind == ItemKind::Source && !item.sha256.is_empty() {
        let hashes: Vec<String> = item
            .sha256
            .iter()
            .map(|h| h.trim().chars().take(12).collect())
            .collect();
        out.push(txt("sha256"));
        out.push(format!("#raw({});", lit(&hashes.join(", "))));
    }
    if !item.flags.is_empty() {
        let flags: Vec<String> = item.flags.iter().map(|f| collapse(f)).collect();
        out.push(format!(
            "#strong({});",
            lit(&format!("Flags: {}.", flags.join(", ")))
        ));
    }
    out.join("#\" \";")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Item, Para, Row, Section};
    use chrono::{NaiveDate, TimeZone};

    const HOSTILE: &str = "#set page(width: 1pt) * _ $ [ ] < > @ \\ \" // `x` = -- + /* ]";

    fn row(cells: &[&str], marking: Marking) -> Row {
        Row {
            cells: cells.iter().map(|c| c.to_string()).collect(),
            marking,
        }
    }

    fn sample() -> RenderDoc {
        let figure = Block::Figure {
            title: "Asylum applications by month".into(),
            svg: Some(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#
                    .into(),
            ),
            table: Table {
                columns: vec!["Month".into(), "Applications".into()],
                rows: vec![
                    row(&["2025-01", "1200"], Marking::U),
                    row(&["2025-02", HOSTILE], Marking::U),
                ],
                internal_columns: Vec::new(),
            },
            caveats: vec!["Provisional figures; revised monthly.".into()],
            refusal: None,
            marking: Marking::U,
        };
        RenderDoc {
            report_id: 7,
            report_version: 3,
            build_id: 42,
            built_at: Utc.with_ymd_and_hms(2026, 3, 14, 9, 26, 53).unwrap(),
            title: "Migration impacts report".into(),
            post: "BERLIN".into(),
            post_name: "Embassy Berlin".into(),
            country: "DE".into(),
            subject: format!("Quarterly migration trends {HOSTILE}"),
            tags: vec!["PHUM".into(), "SMIG".into(), "GM".into()],
            refs: vec!["25 BERLIN 101".into(), "25 STATE 2002".into()],
            captions: vec!["SIPDIS".into(), DEMO_CAPTION.into()],
            signer: "PLACEHOLDER".into(),
            demo: true,
            state: "cleared".into(),
            public: false,
            sections: vec![
                Section {
                    heading: "Summary".into(),
                    paragraphs: vec![Para {
                        id: "p1".into(),
                        kind: ParaKind::Summary,
                        marking: Marking::U,
                        effective_marking: Marking::U,
                        text: "Applications *rose* sharply, **doubling** in a year.\n\n\
                               A second paragraph."
                            .into(),
                        citations: vec!["source:1".into(), "case:2".into(), "source:1".into()],
                        block: None,
                    }],
                },
                Section {
                    heading: format!("Details {HOSTILE}"),
                    paragraphs: vec![
                        Para {
                            id: "p2".into(),
                            kind: ParaKind::Fact,
                            marking: Marking::U,
                            effective_marking: Marking::SBU,
                            text: format!("Hostile text: {HOSTILE}\n= Heading?\n- item\n+ item"),
                            citations: vec!["case:2".into(), "policy:9".into()],
                            block: None,
                        },
                        Para {
                            id: "p3".into(),
                            kind: ParaKind::Comment,
                            marking: Marking::U,
                            effective_marking: Marking::U,
                            text: "The trend _should_ continue.".into(),
                            citations: vec!["source:1".into()],
                            block: Some(figure),
                        },
                    ],
                },
            ],
            items: vec![
                Item {
                    key: "source:1".into(),
                    kind: ItemKind::Source,
                    id: 1,
                    version: 2,
                    marking: Marking::U,
                    publisher: "Federal Office for Migration".into(),
                    title: format!("Monthly statistics {HOSTILE}"),
                    date: NaiveDate::from_ymd_opt(2025, 2, 28),
                    url: Some("https://example.org/stats?a=1&b=#x".into()),
                    sha256: vec![
                        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into(),
                    ],
                    flags: vec!["retracted".into()],
                },
                Item {
                    key: "case:2".into(),
                    kind: ItemKind::Case,
                    id: 2,
                    version: 1,
                    marking: Marking::SBU,
                    publisher: String::new(),
                    title: "Detention of a journalist".into(),
                    date: None,
                    url: None,
                    sha256: Vec::new(),
                    flags: Vec::new(),
                },
            ],
        }
    }

    fn extract(pdf: &[u8]) -> String {
        pdf_extract::extract_text_from_mem(pdf).expect("text extracts from the PDF")
    }

    #[test]
    fn renders_a_pdf() {
        let pdf = render(&sample()).expect("renders");
        assert!(pdf.starts_with(b"%PDF-"), "a PDF header");
        assert!(
            pdf.len() > 10_000,
            "not trivially small: {} bytes",
            pdf.len()
        );
    }

    #[test]
    fn same_doc_same_bytes() {
        let doc = sample();
        let a = render(&doc).expect("renders");
        let b = render(&doc).expect("renders again");
        assert!(a == b, "two renders of one doc are byte-identical");
    }

    #[test]
    fn built_at_sets_the_dates() {
        let doc = sample();
        let mut later = doc.clone();
        later.built_at = Utc.with_ymd_and_hms(2027, 11, 2, 23, 59, 1).unwrap();
        let a = render(&doc).expect("renders");
        let b = render(&later).expect("renders with another built_at");
        assert!(b.starts_with(b"%PDF-"));
        assert_ne!(a, b, "the creation date follows built_at");
        let world = DocWorld::new(&later);
        assert_eq!(world.today(None), Datetime::from_ymd(2027, 11, 2));
        let plus_hour = Duration::construct(0, 0, 1, 0, 0);
        assert_eq!(
            world.today(Some(plus_hour)),
            Datetime::from_ymd(2027, 11, 3)
        );
    }

    #[test]
    fn hostile_text_is_text() {
        let doc = sample();
        let source = markup(&doc);
        let (errors, warnings) = typst::syntax::parse(&source).errors_and_warnings();
        assert!(errors.is_empty(), "markup parses: {errors:?}");
        assert!(warnings.is_empty(), "markup parses cleanly: {warnings:?}");
        let document = compile(&doc).expect("hostile text compiles");
        for page in document.pages() {
            let w = page.frame.width().to_pt();
            assert!((w - 595.28).abs() < 0.1, "every page stays A4: {w}pt");
        }
        let text = extract(&render(&doc).expect("renders"));
        let squeezed: String = text.split_whitespace().collect();
        let hostile: String = HOSTILE.split_whitespace().collect();
        assert!(
            squeezed.contains(&hostile),
            "the hostile text prints as written: {text}"
        );
    }

    #[test]
    fn pdf_text_has_banner_markings_and_sources() {
        let doc = sample();
        let text = extract(&render(&doc).expect("renders"));
        assert!(text.contains("SENSITIVE BUT UNCLASSIFIED"), "{text}");
        assert!(text.contains(DEMO_CAPTION), "{text}");
        assert!(text.contains("Migration impacts report"));
        assert!(text.contains("(SBU)") && text.contains("(U)"));
        assert!(text.contains("Summary:") && text.contains("End Summary."));
        assert!(text.contains("Comment:") && text.contains("End Comment."));
        assert!(text.contains("Sources"));
        assert!(text.contains("0123456789ab"), "sha256 prefix: {text}");
        assert!(!text.contains("0123456789abc"), "only 12 hex characters");
        assert!(text.contains("n.d."));
        assert!(
            text.contains("[3] Unresolved citation: policy:9."),
            "{text}"
        );
        assert!(text.contains("PLACEHOLDER"));

        let public = doc.public();
        let text = extract(&render(&public).expect("renders the public edition"));
        assert!(text.contains("UNCLASSIFIED"));
        assert!(!text.contains("SENSITIVE BUT UNCLASSIFIED"), "{text}");
        assert!(text.contains("Public edition"));
    }

    #[test]
    fn citations_number_in_order() {
        let source = markup(&sample());
        let one = source.find("#\"[1]\";").expect("marker 1");
        let two = source.find("#\"[2]\";").expect("marker 2");
        let three = source.find("#\"[3]\";").expect("marker 3");
        assert!(one < two && two < three);
        // A key cited twice in one paragraph gets one marker there.
        assert_eq!(source.matches("#\"[1]\";").count(), 2);
    }

    #[test]
    fn string_literals_escape() {
        assert_eq!(lit("a\\b\"c\n\u{7}"), "\"a\\\\b\\\"c\\n\\u{7}\"");
        assert_eq!(ref_letter(0), "A");
        assert_eq!(ref_letter(25), "Z");
        assert_eq!(ref_letter(26), "AA");
    }

    #[test]
    fn an_empty_doc_and_odd_characters_render() {
        let empty = RenderDoc {
            title: String::new(),
            post_name: String::new(),
            subject: String::new(),
            tags: Vec::new(),
            refs: Vec::new(),
            captions: Vec::new(),
            signer: String::new(),
            demo: false,
            sections: Vec::new(),
            items: Vec::new(),
            ..sample()
        };
        let pdf = render(&empty).expect("an empty doc renders");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(extract(&pdf).contains("UNCLASSIFIED"));

        let mut odd = sample();
        odd.sections[0].paragraphs[0].text =
            "Caf\u{e9} \u{6f22}\u{5b57} \u{1f642} \u{202e}rtl\u{202c} tab\there \u{7} ~ ---".into();
        odd.sections[0].paragraphs[0].block = Some(Block::PolicyList {
            title: "Ragged table".into(),
            table: Table {
                columns: Vec::new(),
                rows: vec![row(&["a", "b", "c"], Marking::U), row(&[], Marking::SBU)],
                internal_columns: Vec::new(),
            },
            marking: Marking::SBU,
        });
        let pdf = render(&odd).expect("odd characters and a ragged table render");
        assert!(pdf.starts_with(b"%PDF-"));
    }

    #[test]
    fn a_bad_chart_is_an_error_not_a_panic() {
        let mut doc = sample();
        if let Some(Block::Figure { svg, .. }) = &mut doc.sections[1].paragraphs[1].block {
            *svg = Some("not an svg".into());
        }
        let err = render(&doc).expect_err("a broken SVG fails");
        assert!(
            matches!(err, PdfError::Compile(ref m) if !m.is_empty()),
            "{err}"
        );
    }
}
