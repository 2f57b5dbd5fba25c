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

mod layout;
mod table;

pub use layout::{render, wrap};

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

#[cfg(test)]
mod tests;
