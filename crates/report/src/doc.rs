//! The resolved content of one report build: everything a renderer needs, and nothing it has
//! to look up. A build stores this as its snapshot (JSON), so re-rendering a build reads the
//! same bytes and gives the same output; computed blocks arrive here already evaluated, with
//! the markings of everything they were computed from.
//!
//! [`RenderDoc::public`] derives the public edition: paragraphs whose effective marking is SBU
//! dropped (with anything computed from SBU records, whose marking they carry), SBU rows and
//! internal columns (victim parties) of tables dropped, group summaries of cases dropped, and
//! only the items still cited kept.

use std::collections::HashSet;

use chancery_domain::Marking;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The caption every demo build carries, and the signer it uses.
pub const DEMO_CAPTION: &str = "DEMO - NOT AN OFFICIAL COMMUNICATION";
pub const DEMO_SIGNER: &str = "PLACEHOLDER";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderDoc {
    pub report_id: i64,
    pub report_version: i64,
    pub build_id: i64,
    /// When the build was made; every date printed in an output (the PDF's metadata
    /// included) comes from here, never from the clock at render time.
    pub built_at: DateTime<Utc>,
    /// The report's template title ("Migration impacts report").
    pub title: String,
    pub post: String,
    /// "Embassy Berlin".
    pub post_name: String,
    pub country: String,
    pub subject: String,
    /// Subject TAGS, the geographic tag included.
    pub tags: Vec<String>,
    pub refs: Vec<String>,
    /// Caption lines (`SIPDIS`; demo builds carry [`DEMO_CAPTION`]).
    pub captions: Vec<String>,
    pub signer: String,
    pub demo: bool,
    /// The report's clearance state when built.
    pub state: String,
    /// True for the public edition (set by [`RenderDoc::public`]).
    #[serde(default)]
    pub public: bool,
    pub sections: Vec<Section>,
    /// Everything the paragraphs cite, by key. Listed in citation order by the renderers.
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<Para>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParaKind {
    Summary,
    Fact,
    Analysis,
    Comment,
}

impl ParaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ParaKind::Summary => "summary",
            ParaKind::Fact => "fact",
            ParaKind::Analysis => "analysis",
            ParaKind::Comment => "comment",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Para {
    /// The paragraph's stable id within the report ("p3"): diffs and comments use it.
    pub id: String,
    pub kind: ParaKind,
    /// The marking the drafter gave it.
    pub marking: Marking,
    /// The highest of its own marking and those of everything it cites or embeds.
    pub effective_marking: Marking,
    /// Markdown subset: paragraphs of text, `*emphasis*`, `**strong**`, `_x_`, `__x__`.
    pub text: String,
    /// Keys into [`RenderDoc::items`], in the order the paragraph cites them.
    pub citations: Vec<String>,
    pub block: Option<Block>,
}

/// A block computed from the data at build time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// A statistics figure: chart, table and caveats; or the reason it could not be computed.
    Figure {
        title: String,
        /// SVG document, absent when there is nothing to draw.
        svg: Option<String>,
        table: Table,
        caveats: Vec<String>,
        refusal: Option<String>,
        marking: Marking,
    },
    /// Cases matching a filter, one row each; `summary` holds group counts (internal only).
    CaseTable {
        title: String,
        table: Table,
        summary: Vec<String>,
        caveats: Vec<String>,
        marking: Marking,
    },
    /// Two or more cases side by side: `table` names each case by a short reference (A, B,
    /// ...) with its full title; `measures` is the matrix of their outcomes (A1, A2, B1, ...)
    /// against the three measures, with the row saying which is harsher on each. Caveats
    /// name the cases by reference. Builds made before the matrix existed have none.
    CaseComparison {
        title: String,
        table: Table,
        #[serde(default, skip_serializing_if = "Table::is_empty")]
        measures: Table,
        caveats: Vec<String>,
        marking: Marking,
    },
    PolicyList {
        title: String,
        table: Table,
        marking: Marking,
    },
}

impl Block {
    pub fn marking(&self) -> Marking {
        match self {
            Block::Figure { marking, .. }
            | Block::CaseTable { marking, .. }
            | Block::CaseComparison { marking, .. }
            | Block::PolicyList { marking, .. } => *marking,
        }
    }

    pub fn title(&self) -> &str {
        match self {
            Block::Figure { title, .. }
            | Block::CaseTable { title, .. }
            | Block::CaseComparison { title, .. }
            | Block::PolicyList { title, .. } => title,
        }
    }

    pub fn table(&self) -> &Table {
        match self {
            Block::Figure { table, .. }
            | Block::CaseTable { table, .. }
            | Block::CaseComparison { table, .. }
            | Block::PolicyList { table, .. } => table,
        }
    }

    /// Every table of the block, in the order they are printed: the one of
    /// [`Block::table`], then a comparison's measures.
    pub fn tables(&self) -> Vec<&Table> {
        match self {
            Block::CaseComparison {
                table, measures, ..
            } if !measures.is_empty() => vec![table, measures],
            _ => vec![self.table()],
        }
    }

    /// Caveats printed under the block (empty for a policy list).
    pub fn caveats(&self) -> Vec<String> {
        match self {
            Block::Figure {
                caveats, refusal, ..
            } => refusal
                .iter()
                .map(|r| format!("Not computed: {r}"))
                .chain(caveats.iter().cloned())
                .collect(),
            Block::CaseTable { caveats, .. } | Block::CaseComparison { caveats, .. } => {
                caveats.clone()
            }
            Block::PolicyList { .. } => Vec::new(),
        }
    }

    fn public(&self) -> Block {
        let mut b = self.clone();
        match &mut b {
            Block::Figure { table, .. } | Block::PolicyList { table, .. } => {
                *table = table.public()
            }
            Block::CaseComparison {
                table, measures, ..
            } => {
                *table = table.public();
                *measures = measures.public();
            }
            Block::CaseTable { table, summary, .. } => {
                *table = table.public();
                summary.clear();
            }
        }
        b
    }
}

/// A plain table. Rows carry a marking (a row computed from an SBU record is SBU); columns
/// listed in `internal_columns` (victim parties) never reach a public edition.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    #[serde(default)]
    pub internal_columns: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub cells: Vec<String>,
    pub marking: Marking,
}

impl Table {
    /// A table without columns prints nothing.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    pub fn public(&self) -> Table {
        let keep = |i: &usize| !self.internal_columns.contains(i);
        let pick = |cells: &[String]| -> Vec<String> {
            cells
                .iter()
                .enumerate()
                .filter(|(i, _)| keep(i))
                .map(|(_, c)| c.clone())
                .collect()
        };
        Table {
            columns: pick(&self.columns),
            rows: self
                .rows
                .iter()
                .filter(|r| r.marking == Marking::U)
                .map(|r| Row {
                    cells: pick(&r.cells),
                    marking: r.marking,
                })
                .collect(),
            internal_columns: Vec::new(),
        }
    }
}

/// Something cited: a source, case, policy or engagement, at the version the build used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// `source:12`, `case:3`, `policy:1`, `engagement:2`.
    pub key: String,
    pub kind: ItemKind,
    pub id: i64,
    pub version: i64,
    pub marking: Marking,
    /// Source: publisher; other kinds: empty.
    pub publisher: String,
    pub title: String,
    /// Source publication date, case date, policy in-force date, engagement date.
    pub date: Option<NaiveDate>,
    pub url: Option<String>,
    /// The sha256 of the source's archived copies used (sources only).
    #[serde(default)]
    pub sha256: Vec<String>,
    /// Flags the build recorded (a retracted source).
    #[serde(default)]
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Source,
    Case,
    Policy,
    Engagement,
}

impl RenderDoc {
    /// The highest effective marking of any paragraph: the banner.
    pub fn banner(&self) -> Marking {
        self.paragraphs()
            .map(|p| p.effective_marking)
            .max()
            .unwrap_or(Marking::U)
    }

    pub fn paragraphs(&self) -> impl Iterator<Item = &Para> {
        self.sections.iter().flat_map(|s| s.paragraphs.iter())
    }

    pub fn item(&self, key: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.key == key)
    }

    /// Cited keys in order of first citation through the document (the numbering of `[n]`).
    pub fn citation_order(&self) -> Vec<&str> {
        let mut seen = HashSet::new();
        self.paragraphs()
            .flat_map(|p| p.citations.iter())
            .filter(|k| seen.insert(k.as_str()))
            .map(String::as_str)
            .collect()
    }

    /// The public edition (see the module documentation). Sections left empty are dropped.
    pub fn public(&self) -> RenderDoc {
        let sections: Vec<Section> = self
            .sections
            .iter()
            .map(|s| Section {
                heading: s.heading.clone(),
                paragraphs: s
                    .paragraphs
                    .iter()
                    .filter(|p| p.effective_marking == Marking::U)
                    .map(|p| Para {
                        block: p.block.as_ref().map(Block::public),
                        ..p.clone()
                    })
                    .collect(),
            })
            .filter(|s| !s.paragraphs.is_empty())
            .collect();
        let cited: HashSet<&str> = sections
            .iter()
            .flat_map(|s| s.paragraphs.iter())
            .flat_map(|p| p.citations.iter().map(String::as_str))
            .collect();
        let items = self
            .items
            .iter()
            .filter(|i| cited.contains(i.key.as_str()))
            .cloned()
            .collect();
        RenderDoc {
            public: true,
            sections,
            items,
            ..self.clone()
        }
    }
}

/// A hand-built build for the renderers' unit tests: an SBU summary, a U fact with a figure
/// (and `<script>` in its text), a U analysis with a case table (an SBU row, an internal
/// column, group counts), an SBU comment, and an item nobody cites.
#[cfg(test)]
pub(crate) fn fixture() -> RenderDoc {
    let date = |s: &str| Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date"));
    let row = |cells: &[&str], marking: Marking| Row {
        cells: cells.iter().map(|c| c.to_string()).collect(),
        marking,
    };
    let item = |key: &str, kind: ItemKind, marking: Marking, title: &str| Item {
        key: key.to_string(),
        kind,
        id: key
            .rsplit(':')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("numeric id"),
        version: 1,
        marking,
        publisher: String::new(),
        title: title.to_string(),
        date: None,
        url: None,
        sha256: Vec::new(),
        flags: Vec::new(),
    };
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    RenderDoc {
        report_id: 4,
        report_version: 3,
        build_id: 17,
        built_at: DateTime::parse_from_rfc3339("2025-04-02T08:15:00Z")
            .expect("rfc3339")
            .with_timezone(&Utc),
        title: "Migration impacts report".into(),
        post: "berlin".into(),
        post_name: "Embassy Berlin".into(),
        country: "Germany".into(),
        subject: "Germany: Courts order expulsions after conviction".into(),
        tags: strings(&["PHUM", "SMIG", "GM"]),
        refs: strings(&["DEMO REF ONE", "DEMO REF TWO"]),
        captions: strings(&["SIPDIS", DEMO_CAPTION]),
        signer: DEMO_SIGNER.into(),
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
                    effective_marking: Marking::SBU,
                    text: "Courts ordered *three* expulsions in **2024**;\none case is on appeal."
                        .into(),
                    citations: strings(&["case:3", "source:12"]),
                    block: None,
                }],
            },
            Section {
                heading: "Background".into(),
                paragraphs: vec![
                    Para {
                        id: "p2".into(),
                        kind: ParaKind::Fact,
                        marking: Marking::U,
                        effective_marking: Marking::U,
                        text: "The office <script>alert(1)</script> & \"others\" publish \
                               _yearly_ tables.\n\nA second paragraph."
                            .into(),
                        citations: strings(&["source:12", "policy:1", "source:12"]),
                        block: Some(Block::Figure {
                            title: "Expulsion orders by year".into(),
                            svg: Some(
                                "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
                                 width=\"80\" height=\"40\"><text>chart</text></svg>"
                                    .into(),
                            ),
                            table: Table {
                                columns: strings(&["Year", "Orders", "Note"]),
                                rows: vec![
                                    row(&["2023", "12", "a|b"], Marking::U),
                                    row(&["2024", "15", "provisional"], Marking::U),
                                ],
                                internal_columns: Vec::new(),
                            },
                            caveats: strings(&[
                                "Counts are orders, not removals; a person may receive more \
                                 than one order in a year and appear twice in this table.",
                            ]),
                            refusal: None,
                            marking: Marking::U,
                        }),
                    },
                    Para {
                        id: "p3".into(),
                        kind: ParaKind::Analysis,
                        marking: Marking::U,
                        effective_marking: Marking::U,
                        text: "Numbers rose; see the cases below.".into(),
                        citations: strings(&["source:13"]),
                        block: Some(Block::CaseTable {
                            title: "Expulsion cases".into(),
                            table: Table {
                                columns: strings(&["Case", "Court", "Victim"]),
                                rows: vec![
                                    row(&["Case A", "Example court", "adult, f"], Marking::U),
                                    row(&["Case B", "Youth court", "minor, m"], Marking::SBU),
                                ],
                                internal_columns: vec![2],
                            },
                            summary: strings(&["2 cases: 1 adult victim, 1 minor victim"]),
                            caveats: strings(&["Only cases with a final judgment."]),
                            marking: Marking::U,
                        }),
                    },
                ],
            },
            Section {
                heading: "Comment".into(),
                paragraphs: vec![Para {
                    id: "p4".into(),
                    kind: ParaKind::Comment,
                    marking: Marking::SBU,
                    effective_marking: Marking::SBU,
                    text: "We expect more appeals.".into(),
                    citations: strings(&["engagement:2", "case:3"]),
                    block: None,
                }],
            },
        ],
        items: vec![
            Item {
                publisher: "Example Statistics Office".into(),
                date: date("2025-03-01"),
                url: Some("https://example.org/t?a=1&b=2".into()),
                sha256: strings(&[
                    "3f2a9c0d1e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeef",
                ]),
                ..item(
                    "source:12",
                    ItemKind::Source,
                    Marking::U,
                    "Expulsion orders <b>by year</b>",
                )
            },
            Item {
                publisher: "Example Court".into(),
                flags: strings(&["retracted"]),
                ..item("source:13", ItemKind::Source, Marking::U, "Judgment 123/45")
            },
            Item {
                date: date("2024-11-05"),
                ..item("case:3", ItemKind::Case, Marking::SBU, "Youth court case")
            },
            Item {
                date: date("2022-07-01"),
                ..item("policy:1", ItemKind::Policy, Marking::U, "Expulsion threshold")
            },
            Item {
                date: date("2025-01-15"),
                ..item(
                    "engagement:2",
                    ItemKind::Engagement,
                    Marking::SBU,
                    "Meeting with the interior ministry",
                )
            },
            item("source:99", ItemKind::Source, Marking::U, "Never cited"),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str], marking: Marking) -> Row {
        Row {
            cells: cells.iter().map(|c| c.to_string()).collect(),
            marking,
        }
    }

    fn comparison() -> Block {
        Block::CaseComparison {
            title: "Two cases".into(),
            table: Table {
                columns: vec!["Ref".into(), "Title".into(), "Victim parties".into()],
                rows: vec![
                    row(&["A", "A public case", ""], Marking::U),
                    row(&["B", "A sensitive case", "minor"], Marking::SBU),
                ],
                internal_columns: vec![2],
            },
            measures: Table {
                columns: vec!["Outcome".into(), "Unconditional custody".into()],
                rows: vec![
                    row(&["A1: Theft — convicted", "0 days"], Marking::U),
                    row(&["B1: Assault — convicted", "730 days"], Marking::SBU),
                    row(&["Harsher, A1 against B1", "B1"], Marking::SBU),
                ],
                internal_columns: Vec::new(),
            },
            caveats: vec!["A1 and B1 were decided by different courts".into()],
            marking: Marking::SBU,
        }
    }

    #[test]
    fn a_comparison_prints_both_tables_and_its_public_edition_drops_sbu_rows() {
        let b = comparison();
        let tables = b.tables();
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[1].rows.len(), 3);
        let public = b.public();
        let tables = public.tables();
        assert_eq!(tables[0].rows.len(), 1);
        assert_eq!(tables[0].columns, vec!["Ref", "Title"], "victims dropped");
        assert_eq!(tables[1].rows.len(), 1, "SBU outcomes and the pair dropped");
        assert_eq!(tables[1].rows[0].cells[0], "A1: Theft — convicted");
    }

    #[test]
    fn a_comparison_stored_before_the_matrix_still_reads_and_serialises_as_it_was() {
        let old = r#"{"kind":"case_comparison","title":"Old","table":{"columns":["Case"],"rows":[],"internal_columns":[]},"caveats":[],"marking":"U"}"#;
        let b: Block = serde_json::from_str(old).unwrap();
        assert_eq!(b.tables().len(), 1);
        assert_eq!(serde_json::to_string(&b).unwrap(), old);
    }
}
