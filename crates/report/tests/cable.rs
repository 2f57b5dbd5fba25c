//! The cable renderer against the golden cables. The inputs (`golden-u.json`,
//! `golden-sbu.json`) are copies of the normative ones in the project's `shared/domain/cables/`,
//! and the expected texts are the renderer's output for them, which equals the golden texts
//! there byte for byte (`tests/cables/README.md`). The rendered text is always compared with
//! the committed expected files; when `shared/` is present it is also compared with the golden
//! texts there. The JSON only describes the content; this fixture builds the model from it by
//! hand.

use std::fs;
use std::path::{Path, PathBuf};

use chancery_domain::Marking;
use chancery_report::cable::{
    Cable, CitationKey, Cited, CitedItem, Paragraph, ParagraphKind, render,
};
use chrono::NaiveDate;
use serde_json::Value;

/// The committed inputs and expected texts.
fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cables")
}

/// The normative golden cables, when the project's shared data is present:
/// `$CHANCERY_SHARED_DATA/../domain/cables`, else `shared/domain/cables` beside the checkout.
fn shared_cables_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("CHANCERY_SHARED_DATA") {
        Some(data) => PathBuf::from(data).join("../domain/cables"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/domain/cables"),
    };
    dir.join("README.md").is_file().then_some(dir)
}

fn str_field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("field {name:?} missing or not a string in {v}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

fn date(v: &Value) -> Option<NaiveDate> {
    match v.as_str() {
        None | Some("") => None,
        Some(s) => Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("YYYY-MM-DD")),
    }
}

fn load(name: &str) -> Cable {
    let path = fixtures_dir().join(name);
    let json: Value = serde_json::from_str(
        &fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .expect("valid JSON");

    let paragraphs = json["paragraphs"]
        .as_array()
        .expect("paragraphs")
        .iter()
        .map(|p| Paragraph {
            marking: Marking::parse(str_field(p, "marking")).expect("marking"),
            kind: match str_field(p, "kind") {
                "summary" => ParagraphKind::Summary,
                "fact" => ParagraphKind::Fact,
                "analysis" => ParagraphKind::Analysis,
                "comment" => ParagraphKind::Comment,
                other => panic!("unknown paragraph kind {other:?}"),
            },
            heading: p["heading"].as_str().map(str::to_string),
            text: str_field(p, "text").to_string(),
            citations: strings(&p["citations"])
                .into_iter()
                .map(CitationKey)
                .collect(),
            preformatted: Vec::new(),
        })
        .collect();

    let cited = json["cited"]
        .as_object()
        .expect("cited")
        .iter()
        .map(|(key, c)| {
            let title = str_field(c, "title").to_string();
            let item = match str_field(c, "type") {
                "source" => Cited::Source {
                    publisher: str_field(c, "publisher").to_string(),
                    title,
                    date: date(&c["date"]),
                    url: c["url"]
                        .as_str()
                        .filter(|u| !u.is_empty())
                        .map(str::to_string),
                },
                "case" => Cited::Case {
                    title,
                    date: date(&c["date"]),
                },
                "policy" => Cited::Policy {
                    title,
                    in_force_from: date(&c["date"]),
                },
                "engagement" => Cited::Engagement {
                    title,
                    date: date(&c["date"]),
                },
                other => panic!("unknown cited type {other:?}"),
            };
            CitedItem {
                key: CitationKey(key.clone()),
                item,
            }
        })
        .collect();

    Cable {
        captions: strings(&json["captions"]),
        tags: strings(&json["tags"]),
        subject: str_field(&json, "subject").to_string(),
        refs: strings(&json["refs"]),
        paragraphs,
        cited,
        signer: str_field(&json, "signer").to_string(),
    }
}

/// Byte-for-byte comparison; on failure names the first differing line readably.
fn assert_same_text(actual: &str, expected: &str, what: &str) {
    if actual == expected {
        return;
    }
    let a: Vec<&str> = actual.split('\n').collect();
    let e: Vec<&str> = expected.split('\n').collect();
    let line = (0..a.len().max(e.len()))
        .find(|&i| a.get(i) != e.get(i))
        .unwrap_or(0);
    panic!(
        "{what}: rendered text differs from the expected text at line {}\n  expected: {:?}\n  actual:   {:?}\n--- full rendered text ---\n{actual}--- end ---",
        line + 1,
        e.get(line),
        a.get(line),
    );
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn check_golden(stem: &str) {
    let cable = load(&format!("{stem}.json"));
    let rendered = render(&cable);
    let expected = read(&fixtures_dir().join(format!("{stem}.expected.txt")));
    assert_same_text(&rendered, &expected, stem);
    match shared_cables_dir() {
        Some(dir) => {
            // The committed input is still the normative one, and the text its golden file.
            let input = read(&dir.join(format!("{stem}.json")));
            assert!(
                input == read(&fixtures_dir().join(format!("{stem}.json"))),
                "{stem}.json differs from {}",
                dir.display()
            );
            let golden = read(&dir.join(format!("{stem}.txt")));
            assert_same_text(&rendered, &golden, &format!("{stem} (shared golden)"));
        }
        None => eprintln!(
            "{stem}: skipped the comparison with shared/domain/cables (not found; set \
             CHANCERY_SHARED_DATA or put shared/ beside the checkout)"
        ),
    }
}

#[test]
fn golden_u_matches_byte_for_byte() {
    check_golden("golden-u");
}

#[test]
fn golden_sbu_matches_byte_for_byte() {
    check_golden("golden-sbu");
}

#[test]
fn every_rendered_line_fits_72_columns_or_is_one_word() {
    for stem in ["golden-u", "golden-sbu"] {
        let cable = load(&format!("{stem}.json"));
        for text in [render(&cable), render(&cable.public())] {
            for line in text.lines() {
                assert!(
                    line.chars().count() <= 72 || !line.trim().contains(' '),
                    "{stem}: line too long: {line:?}"
                );
            }
        }
    }
}

#[test]
fn public_edition_of_sbu_golden_drops_sensitive_paragraphs_and_renumbers() {
    let cable = load("golden-sbu.json");
    assert_eq!(cable.highest_marking(), Marking::SBU);
    let public = cable.public();
    assert_eq!(public.highest_marking(), Marking::U);
    assert_eq!(public.paragraphs.len(), 3);
    let out = render(&public);

    assert!(!out.contains("(SBU)"), "{out}");
    // No SENSITIVE caption line (the synthetic subject itself says "with sensitive
    // paragraphs"; the subject is the caller's text and is kept as written).
    assert!(!out.lines().any(|l| l == "SENSITIVE"), "{out}");
    assert!(!out.contains("UNCLAS\n"), "{out}");
    assert!(
        out.starts_with("UNCLASSIFIED\nSIPDIS\nDEMO - NOT AN OFFICIAL COMMUNICATION\n\n"),
        "{out}"
    );
    // The sensitive summary and comment, and their headings and sources, are gone.
    for gone in [
        "Summary",
        "Comment",
        "Case:",
        "Engagement:",
        "interior ministry",
        "youth court",
    ] {
        assert!(
            !out.contains(gone),
            "{gone:?} leaked into public edition:\n{out}"
        );
    }
    // Numbering restarts at 1 and citations renumber in rendered order.
    assert!(
        out.contains("\n\nBackground\n----------\n\n1. (U) A section heading"),
        "{out}"
    );
    assert!(
        out.contains("follow the order in which sources are first cited. [1] [2]\n"),
        "{out}"
    );
    assert!(out.contains("such as well-known. [2] [3]\n"), "{out}");
    assert!(out.contains("\n3. (U) An analysis paragraph"), "{out}");
    assert!(
        out.ends_with(
            "Sources:\n\
             [1] Example Court, Judgment in example case 123/45, n.d.\n\
             [2] Example Statistics Office, Police-recorded crime by citizenship, an\n    \
             example table with a long title that wraps onto a second line,\n    \
             2025-03-01. https://example.org/stats/table-1\n\
             [3] Policy: Example expulsion threshold, version 2, in force from\n    \
             2022-07-01.\n\
             \n\
             SURNAME\n"
        ),
        "{out}"
    );
    // Only the items still cited are kept in the model too.
    let kept: Vec<&str> = public.cited.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert!(!kept.contains(&"case-verdict") && !kept.contains(&"eng-meeting"));
}

#[test]
fn public_edition_of_an_unclassified_cable_is_unchanged() {
    let cable = load("golden-u.json");
    assert_eq!(render(&cable.public()), render(&cable));
}

/// Preformatted lines (a computed block) follow the paragraph's text after one blank line,
/// printed as they are, and the paragraph still closes with one blank line.
#[test]
fn preformatted_lines_follow_the_paragraph_as_written() {
    let para = |text: &str, preformatted: &[&str]| Paragraph {
        marking: Marking::U,
        kind: ParagraphKind::Fact,
        heading: None,
        text: text.to_string(),
        citations: vec![CitationKey::from("s")],
        preformatted: preformatted.iter().map(|l| l.to_string()).collect(),
    };
    let cable = Cable {
        captions: vec![],
        tags: vec!["PHUM".into(), "GM".into()],
        subject: "Test".into(),
        refs: vec![],
        paragraphs: vec![
            para(
                "First *text*.",
                &["Table title", "A   B", "--  --", "x    y", "", "Caveat: c."],
            ),
            para("Second.", &[]),
        ],
        cited: vec![CitedItem {
            key: "s".into(),
            item: Cited::Case {
                title: "A case".into(),
                date: None,
            },
        }],
        signer: "Surname".into(),
    };
    assert_same_text(
        &render(&cable),
        "UNCLASSIFIED\n\
         \n\
         E.O. 13526: N/A\n\
         TAGS: PHUM GM\n\
         SUBJECT: TEST\n\
         \n\
         1. (U) First text. [1]\n\
         \n\
         Table title\n\
         A   B\n\
         --  --\n\
         x    y\n\
         \n\
         Caveat: c.\n\
         \n\
         2. (U) Second. [1]\n\
         \n\
         Sources:\n\
         [1] Case: A case, n.d.\n\
         \n\
         SURNAME\n",
        "preformatted",
    );
}
