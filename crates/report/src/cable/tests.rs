//! Tests of the cable model, its layout and the build of a cable from a report.

use super::layout::ref_label;
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
        out.contains("\nCaveat: Not computed: fewer than five cases in a period of the series\n"),
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
