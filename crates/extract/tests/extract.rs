//! The crate's one integration-test binary: the fuzz corpora replayed through the fuzz
//! targets' entry functions (`chancery_extract::fuzzing`), what the seeds exercise, and the
//! promise the `extract` target rests on (a document of its largest size, nested as deep as
//! it can be, parses on its thread without overflowing). See FUZZING.md.

use chancery_extract::fuzzing::{MAX_DOCUMENT, PARSER_STACK, TARGETS};
use chancery_extract::{Message, run};
use std::path::{Path, PathBuf};

/// The files of `fuzz/<kind>/<target>/` (dotfiles such as `.gitkeep` left out), sorted.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_and_regression_input_runs_without_panicking() {
    for (target, entry) in TARGETS {
        let seeds = inputs("corpus", target);
        assert!(!seeds.is_empty(), "fuzz/corpus/{target} holds no seeds");
        for path in seeds.iter().chain(&inputs("regressions", target)) {
            let bytes = std::fs::read(path).unwrap();
            let result = std::panic::catch_unwind(|| entry(&bytes));
            assert!(result.is_ok(), "{target}: {} panicked", path.display());
        }
    }
}

fn answers(media: &str, bytes: &[u8]) -> Vec<Message> {
    let mut m = Vec::new();
    run(media, bytes, &mut |x| m.push(x));
    m
}

fn seed(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus/extract")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The seeds reach every branch of the child's answer: text from a PDF (plain and
/// compressed), from HTML and from plain text, no text from each image type, a refusal.
#[test]
fn the_extract_seeds_reach_every_kind_of_answer() {
    let text_of = |name: &str, media: &str| match answers(media, &seed(name)[1..]).as_slice() {
        [Message::TypeOk, Message::Text { text }] => text.clone(),
        other => panic!("{name}: {other:?}"),
    };
    assert!(text_of("pdf_one_page", "application/pdf").contains("Official statistics, 2024"));
    assert!(text_of("pdf_flate", "application/pdf").contains("Official statistics, 2024"));
    assert!(text_of("html_article", "text/html").contains("recorded offences"));
    assert!(text_of("plain", "text/plain").contains("Straße"));
    for (name, media) in [
        ("png", "image/png"),
        ("jpeg", "image/jpeg"),
        ("gif", "image/gif"),
    ] {
        assert_eq!(
            answers(media, &seed(name)[1..]),
            vec![Message::TypeOk, Message::NoText],
            "{name}"
        );
    }
    assert!(matches!(
        answers("application/pdf", &seed("pdf_declared_not_pdf")[1..]).as_slice(),
        [Message::Refused { .. }]
    ));
}

/// A one-page PDF of exactly `len` bytes whose font dictionary holds an array nested as
/// deep as the length allows.
fn deepest_pdf(len: usize) -> Vec<u8> {
    let build = |depth: usize| {
        let mut font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Widths ".to_vec();
        font.extend(std::iter::repeat_n(b'[', depth));
        font.push(b'1');
        font.extend(std::iter::repeat_n(b']', depth));
        font.extend_from_slice(b" >>");
        let content = b"BT /F1 12 Tf 72 712 Td (Deep) Tj ET";
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(content);
        stream.extend_from_slice(b"\nendstream");
        let objects: [Vec<u8>; 5] = [
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
            stream,
            font,
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(o);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(b"xref\n0 6\n0000000000 65535 f \n");
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        out
    };
    let overhead = build(0).len() + 8; // the xref offset may grow by a few digits
    let mut doc = build((len - overhead) / 2);
    assert!(doc.len() <= len, "{} > {len}", doc.len());
    doc.resize(len, b'\n');
    doc
}

/// lopdf recurses once per level of nesting without a bound (FUZZING.md): the `extract`
/// target is safe from that known abort only if its thread's stack holds the deepest
/// document its length cap allows. This is that document, run as the target runs it.
#[test]
fn the_deepest_document_the_extract_target_reads_fits_its_stack() {
    let doc = deepest_pdf(MAX_DOCUMENT);
    assert_eq!(doc.len(), MAX_DOCUMENT);
    let depth = doc.iter().filter(|b| **b == b'[').count();
    assert!(depth > 7800, "nested {depth} deep");
    let answer = std::thread::Builder::new()
        .stack_size(PARSER_STACK)
        .spawn(move || answers("application/pdf", &doc))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(answer[0], Message::TypeOk);
    assert_eq!(answer.len(), 2, "{answer:?}");
    // The whole fuzz input (the media byte first) goes through the target as well.
    let mut input = vec![0u8];
    input.extend_from_slice(&deepest_pdf(MAX_DOCUMENT));
    (TARGETS[0].1)(&input);
}
