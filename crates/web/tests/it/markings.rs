//! Markings enforced everywhere: random records carry a unique token in every SBU field; no
//! response to a user without SBU access (lists, pages, records, histories, edit forms, the
//! audit log) ever contains one, while a user with SBU access does see them.

use crate::{TestApp, spawn_app};
use chancery_store::Backend;
use proptest::prelude::*;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
struct Planted {
    sbu_record: bool,
    sbu_summary: bool,
    is_case: bool,
    post: &'static str,
}

fn planted() -> impl Strategy<Value = Planted> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just("berlin"), Just("stockholm")],
    )
        .prop_map(|(sbu_record, sbu_summary, is_case, post)| Planted {
            sbu_record,
            sbu_summary,
            is_case,
            post,
        })
}

/// Creates the records; returns every token planted in an SBU field, and the ids created.
async fn plant(
    app: &TestApp,
    records: &[Planted],
    round: usize,
) -> (Vec<String>, Vec<(bool, i64)>) {
    let source = app.seed().await;
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    for (i, p) in records.iter().enumerate() {
        let tok = |field: &str| format!("TOKEN{round}x{i}x{field}x{:08x}", rand::random::<u32>());
        let marking = if p.sbu_record { "SBU" } else { "U" };
        if p.is_case {
            let (title, summary, quote) = (tok("title"), tok("summary"), tok("quote"));
            let summary_sbu = p.sbu_record || p.sbu_summary;
            if p.sbu_record {
                tokens.extend([title.clone(), quote.clone()]);
            }
            if summary_sbu {
                tokens.push(summary.clone());
            }
            let body = json!({"post": p.post, "kind": "criminal_case", "country": "DE",
                "title": if p.sbu_record { title } else { format!("Public title {round}-{i}") },
                "summary": if summary_sbu { summary } else { format!("Public summary {round}-{i}") },
                "marking": marking, "summary_marking": if summary_sbu { "SBU" } else { "U" },
                "citations": [{"source_id": source, "quote": if p.sbu_record { quote } else { "public quote".into() }}]});
            let r = app.post_json("/api/v1/cases", &body).await;
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
            ids.push((
                true,
                r.json::<Value>().await.unwrap()["id"].as_i64().unwrap(),
            ));
        } else {
            let (title, publisher) = (tok("title"), tok("publisher"));
            if p.sbu_record {
                tokens.extend([title.clone(), publisher.clone()]);
            }
            let body = json!({"kind": "news_report", "marking": marking,
                "title": if p.sbu_record { title } else { format!("Public source {round}-{i}") },
                "publisher": if p.sbu_record { publisher } else { "Public publisher".into() }});
            let r = app.post_json("/api/v1/sources", &body).await;
            assert_eq!(r.status(), 201);
            ids.push((
                false,
                r.json::<Value>().await.unwrap()["id"].as_i64().unwrap(),
            ));
        }
    }
    (tokens, ids)
}

/// Every page and answer a user can ask for about these records.
fn paths(ids: &[(bool, i64)]) -> Vec<String> {
    let mut p: Vec<String> = [
        "/cases",
        "/sources",
        "/api/v1/cases?limit=500",
        "/api/v1/sources?limit=500",
        "/posts",
        "/cases/new",
        "/redactions",
        "/api/v1/redactions",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (is_case, id) in ids {
        let (page, api) = if *is_case {
            ("/cases", "/api/v1/cases")
        } else {
            ("/sources", "/api/v1/sources")
        };
        for suffix in ["", "/history", "/edit"] {
            p.push(format!("{page}/{id}{suffix}"));
        }
        p.push(format!("{api}/{id}"));
        p.push(format!("{api}/{id}/history"));
    }
    p
}

async fn bodies(app: &TestApp, client: &reqwest::Client, paths: &[String]) -> String {
    let mut all = String::new();
    for p in paths {
        let r = client.get(app.url(p)).send().await.unwrap();
        assert!(r.status().as_u16() < 500, "{p}");
        all.push_str(&r.text().await.unwrap());
    }
    all
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
    let (readers, cleared, admin) = rt.block_on(async {
        let readers = vec![
            app.client_as("hq_reader", None, false).await,
            app.client_as("hq_editor", None, false).await,
            app.client_as("post_officer", Some("berlin"), false).await,
        ];
        (
            readers,
            app.client_as("hq_reader", None, true).await,
            app.client_as("admin", None, false).await,
        )
    });
    let round = std::sync::atomic::AtomicUsize::new(0);
    let config = ProptestConfig {
        cases: 6,
        ..ProptestConfig::default()
    };
    proptest!(config, |(records in proptest::collection::vec(planted(), 1..8))| {
        let round = round.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        rt.block_on(async {
            let (tokens, ids) = plant(&app, &records, round).await;
            let paths = paths(&ids);
            for reader in &readers {
                let seen = bodies(&app, reader, &paths).await;
                for t in &tokens {
                    assert!(!seen.contains(t.as_str()), "{t} leaked to a user without SBU access");
                }
            }
            // The audit log never holds text at all.
            let log = bodies(&app, &admin, &["/api/v1/audit?limit=1000".to_string(), "/admin/audit?limit=1000".to_string()]).await;
            for t in &tokens {
                assert!(!log.contains(t.as_str()), "{t} reached the audit log");
            }
            // And the tokens are really there for a cleared reader (the test plants what it checks).
            let seen = bodies(&app, &cleared, &paths).await;
            for t in tokens.iter().filter(|t| !t.contains("xquote")) {
                assert!(seen.contains(t.as_str()), "{t} missing for a cleared reader");
            }
        });
    });
    rt.block_on(app.stop());
}

#[test]
fn sqlite_sbu_tokens_never_reach_users_without_sbu_access() {
    run(Backend::Sqlite);
}

#[test]
fn postgres_sbu_tokens_never_reach_users_without_sbu_access() {
    run(Backend::Postgres);
}
