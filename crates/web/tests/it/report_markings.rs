//! Effective markings, as a property: generated reports mix U and SBU records, citations,
//! comparison and case-table blocks, comments and deleted paragraphs, and a build. No answer
//! to a user without SBU access, on any GET route of the registry, contains the text, the
//! ids (in a report's citations or blocks) or the flags of anything whose effective marking is
//! SBU; no answer to a Berlin user contains a Stockholm record.

use crate::{TestApp, spawn_app};
use chancery_store::Backend;
use proptest::prelude::*;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
struct Rec {
    sbu: bool,
    stockholm: bool,
}

#[derive(Debug, Clone)]
enum BlockPick {
    None,
    Comparison(usize, usize),
    Table,
}

#[derive(Debug, Clone)]
struct Para {
    sbu: bool,
    cites: Vec<usize>,
    block: BlockPick,
    comment: bool,
    deleted: bool,
}

fn rec() -> impl Strategy<Value = Rec> {
    (any::<bool>(), prop::bool::weighted(0.3)).prop_map(|(sbu, stockholm)| Rec { sbu, stockholm })
}

fn para() -> impl Strategy<Value = Para> {
    (
        prop::bool::weighted(0.3),
        prop::collection::vec(0usize..6, 0..3),
        prop_oneof![
            3 => Just(BlockPick::None),
            1 => (0usize..6, 0usize..6).prop_map(|(a, b)| BlockPick::Comparison(a, b)),
            1 => Just(BlockPick::Table),
        ],
        any::<bool>(),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(sbu, cites, block, comment, deleted)| Para {
            sbu,
            cites,
            block,
            comment,
            deleted,
        })
}

/// What a round planted: the texts a reader without SBU access must never see, the ids of
/// SBU records, the texts of Stockholm's records, and the texts that must be visible.
#[derive(Default)]
struct Planted {
    sbu_texts: Vec<String>,
    sbu_ids: Vec<i64>,
    stockholm_texts: Vec<String>,
    u_texts: Vec<String>,
    report: i64,
    build: i64,
    ids: Vec<i64>,
}

async fn created(r: reqwest::Response) -> i64 {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

/// `sbu_in_berlin`: whether an earlier round left an SBU case in Berlin (the database lives
/// across rounds, and a case table lists every case of its post).
async fn plant(
    app: &TestApp,
    recs: &[Rec],
    paras: &[Para],
    round: usize,
    sbu_in_berlin: &std::sync::atomic::AtomicBool,
) -> Planted {
    let mut p = Planted::default();
    let tok = |what: &str, i: usize| format!("TOK{round}x{what}x{i}x{:08x}", rand::random::<u32>());
    let public_source = app.seed().await;
    // Records: cases in Berlin (or Stockholm), each with a unique title.
    let mut cases: Vec<(i64, bool, bool)> = Vec::new();
    for (i, r) in recs.iter().enumerate() {
        let title = tok("case", i);
        let post = if r.stockholm { "stockholm" } else { "berlin" };
        let country = if r.stockholm { "SE" } else { "DE" };
        let body = json!({"post": post, "kind": "criminal_case", "country": country,
            "title": title, "summary": "What the sources say.", "status": "final",
            "marking": if r.sbu { "SBU" } else { "U" },
            "citations": [{"source_id": public_source}]});
        let id = created(app.post_json("/api/v1/cases", &body).await).await;
        if r.sbu {
            p.sbu_texts.push(title.clone());
            p.sbu_ids.push(id);
        }
        if r.stockholm {
            p.stockholm_texts.push(title.clone());
        }
        cases.push((id, r.sbu, r.stockholm));
        p.ids.push(id);
    }
    let berlin: Vec<(i64, bool)> = cases.iter().filter(|c| !c.2).map(|c| (c.0, c.1)).collect();
    if berlin.iter().any(|c| c.1) {
        sbu_in_berlin.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let any_sbu_berlin = sbu_in_berlin.load(std::sync::atomic::Ordering::Relaxed);
    // The report: paragraphs citing Berlin's cases (a report keeps to its post's records).
    let mut body_paras = Vec::new();
    let mut effective = Vec::new();
    let mut texts = Vec::new();
    for (i, pa) in paras.iter().enumerate() {
        let text = tok("para", i);
        let mut sbu = pa.sbu;
        let mut citations = vec![json!({"kind": "source", "id": public_source})];
        if !berlin.is_empty() {
            for c in &pa.cites {
                let (id, s) = berlin[c % berlin.len()];
                if !citations.contains(&json!({"kind": "case", "id": id})) {
                    citations.push(json!({"kind": "case", "id": id}));
                    sbu |= s;
                }
            }
        }
        let mut v = json!({"id": format!("p{}", i + 1), "kind": "fact",
            "marking": if pa.sbu { "SBU" } else { "U" }, "text": text, "citations": citations});
        match &pa.block {
            BlockPick::Comparison(a, b) if berlin.len() >= 2 => {
                let (x, sx) = berlin[a % berlin.len()];
                let (y, sy) = berlin[b % berlin.len()];
                if x != y {
                    v["block"] = json!({"kind": "case_comparison", "title": "Side by side", "cases": [x, y]});
                    sbu |= sx || sy;
                }
            }
            BlockPick::Table => {
                v["block"] = json!({"kind": "case_table", "title": "Cases", "country": "DE"});
                sbu |= any_sbu_berlin;
            }
            _ => {}
        }
        body_paras.push(v);
        effective.push(sbu);
        texts.push(text);
    }
    let body = json!({"post": "berlin", "template_key": "migration-impacts",
        "subject": "Migration impacts", "tags": ["SMIG"],
        "sections": [{"heading": "Crime and justice", "paragraphs": body_paras.clone()}]});
    let report = created(app.post_json("/api/v1/reports", &body).await).await;
    p.report = report;
    p.ids.push(report);
    // Comments, then deletions (at least one paragraph stays).
    for (i, pa) in paras.iter().enumerate() {
        if pa.comment {
            let c = tok("comment", i);
            let r = app
                .post_json(
                    &format!("/api/v1/reports/{report}/comments"),
                    &json!({"paragraph": format!("p{}", i + 1), "body": c}),
                )
                .await;
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
            if effective[i] {
                p.sbu_texts.push(c);
            } else {
                p.u_texts.push(c);
            }
        }
    }
    let keep: Vec<usize> = (0..paras.len())
        .filter(|i| !paras[*i].deleted || *i == 0)
        .collect();
    if keep.len() < paras.len() {
        let mut next = body.clone();
        next["sections"][0]["paragraphs"] =
            Value::Array(keep.iter().map(|i| body_paras[*i].clone()).collect());
        let r = app
            .put_json(&format!("/api/v1/reports/{report}"), Some("\"1\""), &next)
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    for (i, t) in texts.into_iter().enumerate() {
        if effective[i] {
            p.sbu_texts.push(t);
        } else if keep.contains(&i) {
            p.u_texts.push(t);
        }
    }
    p.build = created(
        app.client
            .post(app.url(&format!("/api/v1/reports/{report}/builds")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    p.ids.push(p.build);
    p.ids.push(public_source);
    p
}

/// Every GET route of the registry with its parameters filled in from the round's ids.
fn paths(ids: &[i64]) -> Vec<String> {
    let mut out = Vec::new();
    for def in chancery_web::routes::table() {
        if def.method != axum::http::Method::GET {
            continue;
        }
        let path = def.path;
        let params: Vec<&str> = path.split('/').filter(|s| s.starts_with('{')).collect();
        if params
            .iter()
            .any(|p| !["{id}", "{other}", "{format}"].contains(p))
        {
            continue;
        }
        let formats: &[&str] = if path.contains("{format}") {
            &["html", "md", "cable", "manifest"]
        } else {
            &[""]
        };
        if !path.contains("{id}") {
            out.push(path.to_string());
            continue;
        }
        for id in ids {
            // The second id of a pair: the first case, the report, the build and the source.
            let others: Vec<i64> = if path.contains("{other}") {
                let mut o: Vec<i64> = ids.iter().rev().take(3).copied().collect();
                o.push(ids[0]);
                o
            } else {
                vec![0]
            };
            for other in &others {
                for f in formats {
                    out.push(
                        path.replace("{id}", &id.to_string())
                            .replace("{other}", &other.to_string())
                            .replace("{format}", f),
                    );
                }
            }
        }
    }
    out
}

async fn bodies(
    app: &TestApp,
    client: &reqwest::Client,
    paths: &[String],
) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for p in paths {
        let r = client.get(app.url(p)).send().await.unwrap();
        assert!(r.status().as_u16() < 500, "{p}: {}", r.status());
        all.push((p.clone(), r.text().await.unwrap()));
    }
    all
}

/// The case ids a report answer cites or embeds, wherever they appear in it.
fn cited_ids(v: &Value, out: &mut Vec<i64>) {
    match v {
        Value::Object(m) => {
            if let (Some(Value::String(kind)), Some(Value::Number(id))) =
                (m.get("kind"), m.get("id"))
                && kind == "case"
                && m.len() == 2
                && let Some(id) = id.as_i64()
            {
                out.push(id);
            }
            if m.get("kind").and_then(Value::as_str) == Some("case_comparison")
                && let Some(Value::Array(cases)) = m.get("cases")
            {
                out.extend(cases.iter().filter_map(Value::as_i64));
            }
            m.values().for_each(|x| cited_ids(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| cited_ids(x, out)),
        _ => {}
    }
}

fn run(backend: Backend) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let Some(app) = rt.block_on(spawn_app(backend)) else {
        return;
    };
    let (readers, berlin_cleared, cleared) = rt.block_on(async {
        (
            vec![
                app.client_as("hq_reader", None, false).await,
                app.client_as("hq_editor", None, false).await,
                app.client_as("post_officer", Some("berlin"), false).await,
            ],
            app.client_as("post_officer", Some("berlin"), true).await,
            app.client_as("hq_reader", None, true).await,
        )
    });
    let round = std::sync::atomic::AtomicUsize::new(0);
    let sbu_in_berlin = std::sync::atomic::AtomicBool::new(false);
    let config = ProptestConfig {
        cases: 4,
        ..ProptestConfig::default()
    };
    proptest!(config, |(recs in prop::collection::vec(rec(), 1..6), paras in prop::collection::vec(para(), 1..5))| {
        let round = round.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        rt.block_on(async {
            let planted = plant(&app, &recs, &paras, round, &sbu_in_berlin).await;
            let paths = paths(&planted.ids);
            for reader in &readers {
                for (path, seen) in bodies(&app, reader, &paths).await {
                    for t in &planted.sbu_texts {
                        assert!(!seen.contains(t.as_str()), "{t} leaked on {path}");
                    }
                    if path.starts_with("/api/v1/reports") && let Ok(v) = serde_json::from_str::<Value>(&seen) {
                        let mut ids = Vec::new();
                        cited_ids(&v, &mut ids);
                        for id in ids {
                            assert!(!planted.sbu_ids.contains(&id), "SBU record {id} named on {path}: {v}");
                        }
                    }
                    for line in seen.lines().filter(|l| l.contains("outcomes changed") || l.contains("retracted")) {
                        for id in &planted.sbu_ids {
                            assert!(!line.contains(&format!("case {id}:")), "a flag names SBU case {id} on {path}");
                        }
                    }
                }
            }
            // Berlin's users never see Stockholm's records, cleared or not.
            for client in [&readers[2], &berlin_cleared] {
                for (path, seen) in bodies(&app, client, &paths).await {
                    for t in &planted.stockholm_texts {
                        assert!(!seen.contains(t.as_str()), "Stockholm's {t} shown to Berlin on {path}");
                    }
                }
            }
            // What may be seen is there (the test plants what it checks).
            let report = bodies(&app, &readers[0], &[format!("/api/v1/reports/{}", planted.report), format!("/api/v1/reports/{}/comments", planted.report)]).await;
            let all: String = report.into_iter().map(|(_, b)| b).collect();
            for t in &planted.u_texts {
                assert!(all.contains(t.as_str()), "{t} missing for a reader without SBU access");
            }
            let full = bodies(&app, &cleared, &[format!("/api/v1/reports/{}/history", planted.report)]).await;
            let full: String = full.into_iter().map(|(_, b)| b).collect();
            for t in planted.sbu_texts.iter().filter(|t| t.contains("xparax")) {
                assert!(full.contains(t.as_str()), "{t} missing for a cleared reader");
            }
            let _ = planted.build;
        });
    });
    rt.block_on(app.stop());
}

#[test]
fn sqlite_effective_sbu_never_reaches_users_without_sbu_access() {
    run(Backend::Sqlite);
}

#[test]
fn postgres_effective_sbu_never_reaches_users_without_sbu_access() {
    run(Backend::Postgres);
}
