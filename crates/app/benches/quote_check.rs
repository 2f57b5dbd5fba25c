//! Quote check benchmark (`cargo bench -p chancery-app --bench quote_check`).
//!
//! A fixed generator writes a 5 MB text (German and English words, line-end hyphens, soft
//! hyphens, ligatures and non-breaking spaces, so normalisation has work to do) and archives
//! it, pasted, for one source in a new SQLite database; a case cites that source 100 times,
//! each with a different quote taken from the normalised text (the last one absent from it).
//! It times:
//! - archiving the text (which now normalises it once and stores both);
//! - the check as it was before: per quote, read the source's archived texts from the store
//!   and search the quote with `quote::quote_found`, which normalises the whole text again;
//! - the check as it is now: `archive::check_quotes` (the stored normalised text read once
//!   per source, every quote found in one Aho-Corasick pass), median of five.

use bytes::Bytes;
use chancery_app::access::AppRecord;
use chancery_app::extract::Extractor;
use chancery_app::{App, Limits, accounts, archive, save};
use chancery_domain::quote::{normalize, quote_found};
use chancery_domain::{Case, Source};
use chancery_store::{AuditCtx, Blobs, Store};
use serde_json::json;
use std::time::{Duration, Instant};

const WORDS: [&str; 16] = [
    "Gericht",
    "verhängte",
    "eine",
    "Frei\u{AD}heitsstrafe",
    "wegen",
    "De\u{FB01}nition",
    "court",
    "found",
    "that",
    "the",
    "defendant",
    "entered",
    "Hamburg-\nWandsbek",
    "Verur-\nteilung",
    "s.\u{A0}185",
    "StGB",
];

/// About `bytes` of text from a fixed linear congruential sequence.
fn text(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 64);
    let mut x: u64 = 42;
    let mut n = 0u64;
    while s.len() < bytes {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s.push_str(WORDS[(x >> 33) as usize % WORDS.len()]);
        n += 1;
        s.push_str(if n.is_multiple_of(12) { "\r\n" } else { " " });
        if n.is_multiple_of(997) {
            s.push_str(&format!("Aktenzeichen {n} "));
        }
    }
    s
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("chancery.db"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let app = App::new(
        store.clone(),
        Blobs::local(&dir.path().join("blobs")).unwrap(),
        Limits {
            extractor: Extractor::InProcess,
            ..Limits::default()
        },
    );
    let account =
        accounts::new_account("bench@test.example", "hq_editor", None, true, None).unwrap();
    let id = store
        .create_user(&account, None, &AuditCtx::system())
        .await
        .unwrap();
    let user = accounts::actor(&app, id, None).await.unwrap().unwrap();
    store
        .upsert_post(
            &serde_json::from_value(json!({"slug": "berlin", "kind": "embassy",
                "country": "DE", "city": "Berlin", "signer_surname": "PLACEHOLDER"}))
            .unwrap(),
        )
        .await
        .unwrap();
    let source = save::create::<Source>(
        &app,
        &user,
        &json!({"kind": "court_judgment", "title": "Bench", "publisher": "Example",
            "language": "de", "published": "2023-11-28", "verified": false, "marking": "U"}),
    )
    .await
    .unwrap()
    .id;

    let raw = text(5_000_000);
    let t = Instant::now();
    let info = archive::archive(
        &app,
        &user,
        source,
        "application/json",
        Bytes::from(serde_json::to_vec(&json!({ "text": raw })).unwrap()),
        None,
    )
    .await
    .unwrap();
    let archiving = t.elapsed();

    // 99 quotes spread over the normalised text (found), one that is not there.
    let norm = normalize(&raw);
    let chars: Vec<char> = norm.chars().collect();
    let mut quotes: Vec<String> = (0..99)
        .map(|i| {
            let start = (chars.len() - 200) * i / 99;
            chars[start..start + 60].iter().collect::<String>()
        })
        .map(|q: String| q.trim().to_string())
        .collect();
    quotes.push("Dieser Satz steht nirgends im Text".into());
    let citations: Vec<_> = quotes
        .iter()
        .map(|q| json!({"source_id": source.get(), "page": "1", "quote": q}))
        .collect();
    let case = Case::parse(
        &json!({"post": "berlin", "kind": "criminal_case", "country": "DE",
        "title": "Bench", "summary": "Quotes.", "date": {"precision": "day", "date": "2023-11-28"},
        "status": "final", "marking": "U", "citations": citations}),
    )
    .unwrap();

    // Before: each quote read every archived text of its source and normalised it again.
    let t = Instant::now();
    let mut missing_before = 0;
    for q in &quotes {
        let (text, _) = store.archive_text(info.id).await.unwrap();
        let texts: Vec<String> = text.into_iter().collect();
        if !texts.iter().any(|t| quote_found(t, q).is_some()) {
            missing_before += 1;
        }
    }
    let before = t.elapsed();

    // Now: check_quotes, median of five.
    let mut runs = Vec::new();
    let mut missing_now = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let r = archive::check_quotes(&app, &case).await;
        runs.push(t.elapsed());
        missing_now = match r {
            Err(chancery_app::AppError::Invalid(e)) => e.errors.len(),
            Err(e) => panic!("{e:?}"),
            Ok(()) => 0,
        };
    }
    runs.sort();
    let now = runs[runs.len() / 2];
    assert_eq!(missing_before, 1);
    assert_eq!(missing_now, 1);
    println!(
        "text: {} bytes raw, {} bytes normalised; {} quotes (1 absent)",
        raw.len(),
        norm.len(),
        quotes.len()
    );
    println!(
        "archive the text (normalised once, stored)   {}",
        ms(archiving)
    );
    println!(
        "check before (re-normalise per quote)        {}",
        ms(before)
    );
    println!(
        "check now (stored normalised, one pass)      {} (median of 5)",
        ms(now)
    );
}
