//! Report build benchmark (`cargo bench -p chancery-app --bench report_build`).
//!
//! A fixed generator writes, into a new SQLite data directory, a post, 100·k sources, 50·k
//! cases, a SYNTHETIC statistics dataset (6 countries, counts and populations, 2010-2024)
//! and one report with 6·k trend figures, a case table of all the cases, a comparison of two
//! cases and 100·k citations (5 per paragraph). It then times making a build (resolving every
//! record and evaluating every block against the store, then storing the snapshot) and
//! rendering that build to HTML, PDF and cable text (plus Markdown and the manifest), for
//! k = 1 and k = 10 in the same run. Each format's first render is timed, then the median of
//! three more (typst memoises layout, so a repeated render of one build is faster).

use chancery_app::report_build::{self, Format};
use chancery_domain::report::Report;
use chancery_domain::{Account, Case, Post, Source};
use chancery_store::{AuditCtx, DatasetMeta, ReleaseSummary, StageStart, StagedObs, Store};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const COUNTRIES: [&str; 6] = ["DE", "SE", "AT", "FR", "NL", "BE"];

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn load_statistics(store: &Store, ctx: &AuditCtx) {
    let meta = DatasetMeta {
        code: "bench_offences".into(),
        title: Some("SYNTHETIC benchmark series".into()),
        basis: Some("citizenship".into()),
        reference_date: Some("1 January".into()),
        ..DatasetMeta::default()
    };
    let StageStart::New(mut st) = store
        .stage_begin(&meta, "bench-sha256", "bench.csv", "generated", ctx)
        .await
        .unwrap()
    else {
        panic!("fresh store")
    };
    let dims: Vec<String> = ["geo", "citizen", "indic"].map(String::from).to_vec();
    let mut rows = Vec::new();
    let mut line = 0;
    for (i, geo) in COUNTRIES.iter().enumerate() {
        for year in 2010..=2024 {
            let t = (year - 2010) as f64;
            let pop = 1_000_000.0 * (1.0 + i as f64) * (1.0 + 0.02 * t);
            let count = (pop * (0.02 + 0.001 * ((t * 1.7 + i as f64).sin()))).round();
            for (indic, value) in [("OFFENCES", count), ("POP", pop.round())] {
                line += 1;
                rows.push(StagedObs {
                    key: vec![geo.to_string(), "FOR".into(), indic.into()],
                    period: year.to_string(),
                    value: Some(value),
                    flags: String::new(),
                    line,
                });
            }
        }
    }
    let summary = ReleaseSummary {
        observations: rows.len() as i64,
        period_first: Some("2010".into()),
        period_last: Some("2024".into()),
        ..ReleaseSummary::default()
    };
    store.stage_rows(&mut st, &dims, rows).await.unwrap();
    store.stage_publish(st, &summary, ctx).await.unwrap();
}

/// The report's JSON for scale `k`, given the ids of the sources and cases.
fn report_json(k: usize, sources: &[i64], cases: &[i64]) -> Value {
    let mut paragraphs = Vec::new();
    let mut n = 0;
    let mut next_id = || {
        n += 1;
        format!("p{n}")
    };
    for f in 0..6 * k {
        let geo = COUNTRIES[f % COUNTRIES.len()];
        paragraphs.push(json!({"id": next_id(), "kind": "fact", "marking": "U",
            "text": format!("SYNTHETIC benchmark figure {f}: offences per 100,000, {geo}."),
            "block": {"kind": "statistics_figure", "title": format!("SYNTHETIC figure {f} ({geo})"),
              "indicator": {"indicator": "trend", "geo": geo, "from": "2010", "to": "2024",
                "count": {"dataset": "bench_offences", "dims": {"citizen": "FOR", "indic": "OFFENCES"}},
                "exposure": {"dataset": "bench_offences", "dims": {"citizen": "FOR", "indic": "POP"}}}}}));
    }
    for chunk in sources.chunks(5) {
        let citations: Vec<Value> = chunk
            .iter()
            .map(|s| json!({"kind": "source", "id": s}))
            .collect();
        paragraphs.push(json!({"id": next_id(), "kind": "fact", "marking": "U",
            "text": "A generated paragraph with *emphasis* that cites five sources, as a drafted finding would.",
            "citations": citations}));
    }
    paragraphs.push(
        json!({"id": next_id(), "kind": "fact", "marking": "U", "text": "All documented cases.",
        "block": {"kind": "case_table", "title": "Documented cases"}}),
    );
    paragraphs.push(json!({"id": next_id(), "kind": "analysis", "marking": "U", "text": "Two cases side by side.",
        "block": {"kind": "case_comparison", "title": "Comparison", "cases": [cases[0], cases[1]]}}));
    json!({"post": "bench", "template_key": "migration-impacts", "subject": format!("Benchmark report, scale {k}"),
           "tags": ["PHUM"], "captions": ["SIPDIS"], "demo": true,
           "sections": [{"heading": "Generated section", "paragraphs": paragraphs}]})
}

async fn run(k: usize) -> Vec<(String, Duration)> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("bench.db"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let account = Account::from_json(
        &json!({"email": "bench@bench.example", "display_name": "Bench",
        "role": "hq_editor", "sbu_access": true}),
    )
    .unwrap();
    let uid = store
        .create_user(&account, None, &AuditCtx::system())
        .await
        .unwrap();
    let ctx = AuditCtx::user(uid, None);
    let post: Post =
        serde_json::from_value(json!({"slug": "bench", "kind": "embassy", "country": "DE",
        "city": "Benchmark", "signer_surname": "PLACEHOLDER"}))
        .unwrap();
    store.upsert_post(&post).await.unwrap();
    load_statistics(&store, &ctx).await;
    let sources: Vec<Source> = (0..100 * k)
        .map(|i| {
            Source::from_json(&json!({"kind": "court_judgment", "title": format!("Generated judgment {i}"),
                "publisher": "Generated court", "published": "2024-01-15", "verified": false, "marking": "U"}))
            .unwrap()
        })
        .collect();
    let source_ids: Vec<i64> = store
        .create_many(&sources, &ctx)
        .await
        .unwrap()
        .iter()
        .map(|i| i.get())
        .collect();
    let cases: Vec<Case> = (0..50 * k)
        .map(|i| {
            Case::from_json(&json!({"post": "bench", "kind": "criminal_case", "country": "DE",
                "title": format!("Generated case {i}"), "summary": "What the sources say.",
                "date": {"precision": "day", "date": "2023-11-28"}, "status": "final", "marking": "U",
                "citations": [{"source_id": source_ids[i % source_ids.len()]}]}))
            .unwrap()
        })
        .collect();
    let case_ids: Vec<i64> = store
        .create_many(&cases, &ctx)
        .await
        .unwrap()
        .iter()
        .map(|i| i.get())
        .collect();
    let report = Report::from_json(&report_json(k, &source_ids, &case_ids)).unwrap();
    let rec = store.create(&report, &ctx).await.unwrap();

    let mut out = Vec::new();
    let t = Instant::now();
    let build = report_build::build(&store, &rec, &ctx).await.unwrap();
    out.push((
        "build (resolve + evaluate + store)".to_string(),
        t.elapsed(),
    ));
    for (name, f) in [
        ("render HTML", Format::Html),
        ("render PDF", Format::Pdf),
        ("render cable", Format::Cable),
        ("render Markdown", Format::Markdown),
        ("render manifest", Format::Manifest),
    ] {
        // The first render of a build is the one a user waits for; typst memoises its
        // layout, so repeated renders of the same build are faster and reported apart.
        let t = Instant::now();
        let size = report_build::render(&build, f, false).unwrap().len();
        out.push((format!("{name}, first ({size} B)"), t.elapsed()));
        let mut times = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            report_build::render(&build, f, false).unwrap();
            times.push(t.elapsed());
        }
        out.push((format!("{name}, again (median of 3)"), median(times)));
    }
    let snapshot_kb = build.snapshot.len() / 1024;
    out.push((format!("(snapshot {snapshot_kb} KiB)"), Duration::ZERO));
    store.close().await;
    out
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut results = Vec::new();
    for k in [1usize, 10] {
        let r = rt.block_on(run(k));
        results.push((k, r));
    }
    println!(
        "{:<42} {:>14} {:>14}",
        "step", "k=1 (50 cases, 6 fig, 100 cit.)", "k=10"
    );
    let (_, one) = &results[0];
    let (_, ten) = &results[1];
    for ((name, a), (name10, b)) in one.iter().zip(ten.iter()) {
        if a.is_zero() {
            println!("{name:<42} {name10:>30}");
            continue;
        }
        let size10 = name10
            .split_once('(')
            .map(|(_, x)| format!(" ({x}"))
            .unwrap_or_default();
        let name = name.split(" (").next().unwrap_or(name);
        println!("{name:<42} {:>14} {:>14}{size10}", ms(*a), ms(*b));
    }
    let total = |r: &[(String, Duration)]| -> Duration {
        r.iter()
            .filter(|(n, _)| {
                n.starts_with("build")
                    || n.starts_with("render HTML, first")
                    || n.starts_with("render PDF, first")
                    || n.starts_with("render cable, first")
            })
            .map(|(_, d)| *d)
            .sum()
    };
    println!(
        "{:<42} {:>14} {:>14}",
        "build + first HTML + PDF + cable",
        ms(total(one)),
        ms(total(ten))
    );
}
