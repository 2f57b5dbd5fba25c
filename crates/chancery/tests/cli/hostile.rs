//! Hostile documents: PDFs whose arrays nest deeper than a parser's stack, a PDF decompression
//! bomb and deeply nested HTML, each generated here. They go to the extraction child directly
//! (the `chancery` binary run as `chancery extract`, with its limits) and to `chancery serve`
//! while `/healthz` is polled: the server must stay up and answer every poll, and each
//! document must be stored with its extraction recorded.

use super::{BIN, run_cli, start, token_for};
use chancery_app::extract::{ExtractLimits, Extractor, Outcome, extract};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A PDF of `objects` (object 1 the catalog), with a correct cross-reference table.
pub fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn page_pdf(content: &[u8], content_dict: &str, font: &[u8]) -> Vec<u8> {
    let mut stream =
        format!("<< /Length {} {content_dict}>>\nstream\n", content.len()).into_bytes();
    stream.extend_from_slice(content);
    stream.extend_from_slice(b"\nendstream");
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        stream,
        font.to_vec(),
    ])
}

/// A one-page PDF whose font dictionary holds an array nested `depth` deep (the 2.6 KB
/// document of the finding at 1,000).
pub fn nested_array_pdf(depth: usize) -> Vec<u8> {
    let mut font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Widths ".to_vec();
    font.extend(std::iter::repeat_n(b'[', depth));
    font.push(b'1');
    font.extend(std::iter::repeat_n(b']', depth));
    font.extend_from_slice(b" >>");
    page_pdf(b"BT /F1 12 Tf 72 712 Td (Deep) Tj ET", "", &font)
}

/// A zlib stream that inflates to `mib` MiB of zeros, made without compressing them all:
/// with a full flush the compressor forgets its history, so every further MiB of zeros
/// compresses to the same bytes, which are repeated; the Adler-32 of n zeros is computed.
pub fn zeros_zlib(mib: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let chunk = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), true);
    let mut piece = |input: &[u8], flush| {
        let mut out = Vec::with_capacity(64 * 1024);
        let before = c.total_in();
        c.compress_vec(input, &mut out, flush).unwrap();
        assert_eq!((c.total_in() - before) as usize, input.len());
        out
    };
    let first = piece(&chunk, FlushCompress::Full);
    let next = piece(&chunk, FlushCompress::Full);
    let mut out = first;
    out.extend_from_slice(&next);
    for _ in 2..mib {
        out.extend_from_slice(&next);
    }
    let mut end = piece(&[], FlushCompress::Finish);
    // The trailer the compressor wrote covers the two MiB it saw; replace it.
    end.truncate(end.len() - 4);
    out.extend_from_slice(&end);
    let n = (mib as u64) << 20;
    let (a, b) = (1u64, n % 65521);
    out.extend_from_slice(&(((b << 16) | a) as u32).to_be_bytes());
    out
}

/// A one-page PDF whose content stream (FlateDecode) inflates to `mib` MiB.
pub fn pdf_bomb(mib: usize) -> Vec<u8> {
    page_pdf(
        &zeros_zlib(mib),
        "/Filter /FlateDecode ",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    )
}

/// HTML with `depth` nested `div`s around one word.
pub fn nested_html(depth: usize) -> Vec<u8> {
    let mut s = String::from("<html><body>");
    s.push_str(&"<div>".repeat(depth));
    s.push_str("deep");
    s.push_str(&"</div>".repeat(depth));
    s.push_str("</body></html>");
    s.into_bytes()
}

#[test]
fn the_generated_bomb_inflates_to_what_it_says() {
    use std::io::Read;
    let z = zeros_zlib(3);
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(z.as_slice())
        .read_to_end(&mut out)
        .expect("a valid zlib stream, checksum included");
    assert_eq!(out.len(), 3 << 20);
    assert!(out.iter().all(|b| *b == 0));
    // 4 GiB of zeros in a few MB.
    assert!(zeros_zlib(4096).len() < 6 << 20);
}

fn child() -> Extractor {
    Extractor::Process {
        program: Some(BIN.into()),
    }
}

fn run_extract(limits: &ExtractLimits, media: &str, bytes: Vec<u8>) -> Outcome {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(extract(&child(), limits, media, bytes.into()))
        .expect("the extractor runs")
}

#[test]
fn the_extraction_child_reads_ordinary_documents_and_refuses_wrong_types() {
    let l = ExtractLimits::default();
    match run_extract(&l, "application/pdf", nested_array_pdf(1)) {
        Outcome::Text(t) => assert!(t.contains("Deep"), "{t:?}"),
        other => panic!("{other:?}"),
    }
    match run_extract(
        &l,
        "text/html",
        b"<p>Ministry <b>statement</b></p>".to_vec(),
    ) {
        Outcome::Text(t) => assert!(t.contains("Ministry statement"), "{t:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        run_extract(&l, "image/png", b"<p>not an image</p>".to_vec()),
        Outcome::Refused("the bytes are not image/png".into())
    );
    let png = [
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R',
    ];
    assert_eq!(run_extract(&l, "image/png", png.to_vec()), Outcome::NoText);
}

#[test]
fn stack_overflow_pdf_ends_only_the_extraction_child() {
    // 100,000 deep overflows the child's 8 MiB stack; the caller (this test's process) goes
    // on and reads why.
    for depth in [10_000, 100_000] {
        match run_extract(
            &ExtractLimits::default(),
            "application/pdf",
            nested_array_pdf(depth),
        ) {
            Outcome::Failed(reason) => assert!(
                reason.starts_with("the document is nested too deeply to read"),
                "{depth}: {reason}"
            ),
            other => panic!("{depth}: {other:?}"),
        }
    }
    // The 1,000-deep document of the finding (which overflowed a 2 MiB worker thread's stack
    // in the server) is read within the child's stack, and lopdf refuses it as a font.
    match run_extract(
        &ExtractLimits::default(),
        "application/pdf",
        nested_array_pdf(1_000),
    ) {
        Outcome::Failed(reason) => assert!(reason.contains("could not be read"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pdf_bomb_is_stopped_by_the_address_space_limit() {
    let limits = ExtractLimits {
        address_space: 512 * 1024 * 1024,
        ..ExtractLimits::default()
    };
    match run_extract(&limits, "application/pdf", pdf_bomb(2048)) {
        Outcome::Failed(reason) => assert!(reason.contains("memory"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn blocking_extraction_is_stopped_by_the_cpu_and_wall_clock_limits() {
    // One CPU second and a short wall clock: the HTML nested 200,000 deep either reads within
    // them or is stopped; it never holds the caller.
    let limits = ExtractLimits {
        cpu_seconds: 1,
        wall: Duration::from_secs(3),
        ..ExtractLimits::default()
    };
    match run_extract(&limits, "text/html", nested_html(200_000)) {
        Outcome::Failed(reason) => assert!(
            reason.contains("CPU")
                || reason.contains("longer than")
                || reason.contains("nested too deeply")
                || reason.contains("memory"),
            "{reason}"
        ),
        Outcome::Text(t) => assert!(t.contains("deep")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn blocking_extraction_child_that_hangs_is_killed_at_the_wall_clock() {
    // An extractor that passes its type check and then never answers.
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("hangs");
    std::fs::write(
        &program,
        "#!/bin/sh\necho '{\"answer\":\"type_ok\"}'\nexec sleep 600\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let limits = ExtractLimits {
        wall: Duration::from_secs(1),
        ..ExtractLimits::default()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let outcome = rt
        .block_on(extract(
            &Extractor::Process {
                program: Some(program),
            },
            &limits,
            "text/html",
            b"<p>x</p>".to_vec().into(),
        ))
        .unwrap();
    assert_eq!(
        outcome,
        Outcome::Failed("extraction took longer than 1 s and was stopped".into())
    );
}

/// Hostile documents archived through `chancery serve` while `/healthz` is polled.
#[test]
fn hostile_documents_never_stop_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = run_cli(
        &[
            "user",
            "add",
            "--email",
            "editor@test.example",
            "--role",
            "hq_editor",
            "--sbu",
            "--password-stdin",
            "--data",
            data,
        ],
        "a long enough password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = token_for(data, "editor@test.example");
    let mut run = start(&["serve", "--data", data, "--listen", "127.0.0.1:0"], &[]);
    let base = format!("http://{}", run.addr);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (polls, results) = rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let r = client
            .post(format!("{base}/api/v1/sources"))
            .bearer_auth(&token)
            .json(
                &json!({"kind": "court_judgment", "title": "Hostile", "publisher": "Example",
                "language": "en", "published": "2023-11-28", "verified": false, "marking": "U"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let source = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

        // The poller: every poll must answer within the 5 s client timeout, never 5xx.
        let stop = Arc::new(AtomicBool::new(false));
        let poller = {
            let stop = stop.clone();
            let url = format!("{base}/healthz");
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap();
                let mut polls: Vec<Result<u16, String>> = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    polls.push(match client.get(&url).send().await {
                        Ok(r) => Ok(r.status().as_u16()),
                        Err(e) => Err(e.to_string()),
                    });
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                polls
            })
        };
        let documents: Vec<(&str, &str, Vec<u8>)> = vec![
            ("nested 1,000", "application/pdf", nested_array_pdf(1_000)),
            ("nested 10,000", "application/pdf", nested_array_pdf(10_000)),
            (
                "nested 100,000",
                "application/pdf",
                nested_array_pdf(100_000),
            ),
            ("bomb", "application/pdf", pdf_bomb(4096)),
            ("html 200,000", "text/html", nested_html(200_000)),
        ];
        let mut results = Vec::new();
        for (name, media, bytes) in documents {
            let r = client
                .post(format!("{base}/api/v1/sources/{source}/archives"))
                .bearer_auth(&token)
                .header("Content-Type", media)
                .body(bytes)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            results.push((name, status, body));
        }
        // The archives as the API lists them, and the source page.
        let listed: Value = client
            .get(format!("{base}/api/v1/sources/{source}/archives"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        results.push(("listed", 200, listed));
        let page = client
            .get(format!("{base}/sources/{source}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        results.push(("page", 200, Value::String(page)));
        stop.store(true, Ordering::SeqCst);
        (poller.await.unwrap(), results)
    });
    assert!(
        run.child.try_wait().unwrap().is_none(),
        "the server is still running"
    );
    assert!(!polls.is_empty());
    for (i, p) in polls.iter().enumerate() {
        match p {
            Ok(200) => {}
            other => panic!("poll {i} of /healthz answered {other:?}"),
        }
    }
    let mut failed = 0;
    for (name, status, body) in &results[..5] {
        assert_eq!(*status, 201, "{name}: {body}");
        let e = &body["extraction"];
        match e["status"].as_str() {
            Some("ok") => assert_eq!(body["has_text"], true, "{name}"),
            Some("failed") => {
                failed += 1;
                assert!(
                    !e["reason"].as_str().unwrap_or("").is_empty(),
                    "{name}: {body}"
                );
                assert_eq!(body["has_text"], false, "{name}");
            }
            _ => panic!("{name}: {body}"),
        }
    }
    // The deepest PDF and the bomb cannot be read within the child's limits.
    assert_eq!(
        results[2].2["extraction"]["status"], "failed",
        "{}",
        results[2].2
    );
    assert_eq!(
        results[3].2["extraction"]["status"], "failed",
        "{}",
        results[3].2
    );
    assert!(failed >= 2);
    let listed = results[5].2.as_array().unwrap();
    assert_eq!(listed.len(), 5);
    let page = results[6].2.as_str().unwrap();
    assert!(
        page.contains("extraction failed"),
        "the source page shows it"
    );
}
