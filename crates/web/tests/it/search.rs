//! Search over real HTTP: the API, the page and the header box; access inside the query
//! (markings, post scope), redaction, bad queries; and a property test over generated records
//! showing that no user gets a hit or a count they may not see.

use crate::{TestApp, case_json, on_both_backends, source_json, spawn_app};
use chancery_store::Backend;
use proptest::prelude::*;
use serde_json::{Value, json};

on_both_backends!(
    api_search_finds_and_facets,
    a_u_user_does_not_find_a_word_only_in_an_sbu_summary,
    a_post_officer_finds_only_their_posts_records,
    a_redacted_word_is_not_found_afterwards,
    bad_queries_are_422_naming_the_problem,
    search_page_and_header_box,
    archived_text_is_found_at_once,
    policies_and_engagements_are_searched_within_scope,
    iccs_sections_are_a_facet_and_a_filter,
);

async fn search(client: &reqwest::Client, app: &TestApp, query: &str) -> (u16, Value) {
    let r = client
        .get(app.url(&format!("/api/v1/search?{query}")))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

fn hit_ids(v: &Value) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["type"].as_str().unwrap().to_string(),
                h["id"].as_i64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn create(app: &TestApp, path: &str, body: &Value) -> i64 {
    let r = app.post_json(path, body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn api_search_finds_and_facets(app: &TestApp) {
    let src = create(
        app,
        "/api/v1/sources",
        &source_json("Judgment about the Stadtpark"),
    )
    .await;
    let mut c = case_json("berlin", "DE", "Assault in the Stadtpark", src);
    c["marking"] = json!("U");
    c["summary_marking"] = json!("U");
    let case = create(app, "/api/v1/cases", &c).await;
    let (status, v) = search(&app.client, app, "q=Stadtpark").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["total"], 2);
    assert_eq!(
        hit_ids(&v),
        vec![("case".to_string(), case), ("source".to_string(), src)]
    );
    let case_hit = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["type"] == "case")
        .unwrap();
    assert_eq!(case_hit["url"], format!("/cases/{case}"));
    assert_eq!(case_hit["type_label"], "Case");
    assert_eq!(case_hit["country_label"], "Germany");
    assert!(
        case_hit["snippet"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["hit"] == true)
            || case_hit["title"].as_str().unwrap().contains("Stadtpark")
    );
    let facet = |name: &str| {
        v["facets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let types = facet("type");
    assert_eq!(types["label"], "Type");
    assert!(
        types["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["value"] == "case" && x["label"] == "Case" && x["count"] == 1)
    );
    assert!(
        facet("post")["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["value"] == "berlin" && x["count"] == 1)
    );
    assert!(
        facet("year")["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["value"] == "2023" && x["count"] == 2)
    );
    // Filters and sort
    let (_, v) = search(&app.client, app, "q=Stadtpark&type=source").await;
    assert_eq!(hit_ids(&v), vec![("source".to_string(), src)]);
    let (_, v) = search(&app.client, app, "q=stadtp*&sort=date&limit=1").await;
    assert_eq!(v["total"], 2);
    assert_eq!(v["hits"].as_array().unwrap().len(), 1);
    let next = v["next"].as_str().unwrap().to_string();
    let (_, v2) = search(
        &app.client,
        app,
        &format!("q=stadtp*&sort=date&limit=1&cursor={next}"),
    )
    .await;
    assert_eq!(v2["hits"].as_array().unwrap().len(), 1);
    assert_ne!(v2["hits"][0], v["hits"][0]);
    assert!(v2["next"].is_null());
    // The OpenAPI document describes the search with a typed schema.
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let op = &doc["paths"]["/api/v1/search"]["get"];
    assert!(
        op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap()
            .ends_with("SearchResults")
    );
    assert!(doc["components"]["schemas"]["SearchHit"]["properties"]["snippet"].is_object());
}

async fn a_u_user_does_not_find_a_word_only_in_an_sbu_summary(app: &TestApp) {
    let src = app.seed().await;
    let mut c = case_json("berlin", "DE", "Public title Ahornallee", src);
    c["marking"] = json!("U");
    c["summary_marking"] = json!("SBU");
    c["summary"] = json!("The informant Kirschblute met the team at the Ahornallee office.");
    let id = create(app, "/api/v1/cases", &c).await;
    let reader = app.client_as("hq_reader", None, false).await;
    let (status, v) = search(&reader, app, "q=Kirschblute").await;
    assert_eq!(status, 200);
    assert_eq!(v["total"], 0, "{v}");
    assert!(v["hits"].as_array().unwrap().is_empty());
    assert!(
        v["facets"].as_array().unwrap().is_empty(),
        "no count reveals it: {v}"
    );
    // The record itself is found by its U title, without a snippet from the SBU summary.
    let (_, v) = search(&reader, app, "q=Ahornallee").await;
    assert_eq!(hit_ids(&v), vec![("case".to_string(), id)]);
    let text = v.to_string();
    assert!(
        !text.contains("Kirschblute") && !text.contains("informant"),
        "{text}"
    );
    assert_eq!(v["hits"][0]["sbu"], false);
    // A cleared user finds it by the summary word, and the page says SBU.
    let cleared = app.client_as("hq_reader", None, true).await;
    let (_, v) = search(&cleared, app, "q=Kirschblute").await;
    assert_eq!(hit_ids(&v), vec![("case".to_string(), id)]);
    assert_eq!(v["hits"][0]["sbu"], true);
    let page = cleared
        .get(app.url("/search?q=Kirschblute"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("banner-SBU"));
    let page = reader
        .get(app.url("/search?q=Kirschblute"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Kirschblute</mark>") && page.contains("0 results"));
}

async fn a_post_officer_finds_only_their_posts_records(app: &TestApp) {
    let src = create(
        app,
        "/api/v1/sources",
        &source_json("Shared Eichenhof source"),
    )
    .await;
    let mut b = case_json("berlin", "DE", "Berlin Eichenhof case", src);
    b["marking"] = json!("U");
    b["summary_marking"] = json!("U");
    let berlin = create(app, "/api/v1/cases", &b).await;
    let mut s = case_json("stockholm", "SE", "Stockholm Eichenhof case", src);
    s["marking"] = json!("U");
    s["summary_marking"] = json!("U");
    create(app, "/api/v1/cases", &s).await;
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let (_, v) = search(&officer, app, "q=Eichenhof").await;
    assert_eq!(
        hit_ids(&v),
        vec![("case".to_string(), berlin), ("source".to_string(), src)]
    );
    assert_eq!(v["total"], 2);
    assert!(
        !v.to_string().contains("stockholm"),
        "no facet names the other post: {v}"
    );
    // Asking for the other post's records finds nothing.
    let (_, v) = search(&officer, app, "q=Eichenhof&post=stockholm").await;
    assert_eq!(v["total"], 0);
    // An administrator sees no content at all.
    let admin = app.client_as("admin", None, true).await;
    let (status, _) = search(&admin, app, "q=Eichenhof").await;
    assert_eq!(status, 403);
}

async fn a_redacted_word_is_not_found_afterwards(app: &TestApp) {
    let src = app.seed().await;
    let mut c = case_json("berlin", "DE", "Case with a name", src);
    c["summary"] = json!("Witness Fictivia Exampleton described the events.");
    // The PII check stops a name unless confirmed (the mistake a redaction then corrects).
    c["confirm_pii"] = json!([{"field": "summary", "span": [8, 27]}]);
    let id = create(app, "/api/v1/cases", &c).await;
    let (_, v) = search(&app.client, app, "q=Exampleton").await;
    assert_eq!(v["total"], 1);
    app.redact("case", id, "summary").await;
    for q in ["q=Exampleton", "q=Fictivia", "q=examplet*"] {
        let (_, v) = search(&app.client, app, q).await;
        assert_eq!(v["total"], 0, "{q}: {v}");
    }
    let (_, v) = search(&app.client, app, "q=name").await;
    assert_eq!(
        hit_ids(&v),
        vec![("case".to_string(), id)],
        "the title stays"
    );
}

async fn bad_queries_are_422_naming_the_problem(app: &TestApp) {
    let long = "x".repeat(10_000);
    for (q, words) in [
        ("%22unbalanced", "quote is not closed"),
        ("AND", "AND needs a word"),
        ("OR", "OR needs a word"),
        ("NOT", "NOT needs a word"),
        ("-alone", "only exclude"),
        ("(open", "not closed"),
        ("m*", "two letters"),
        ("", "enter a word"),
        (long.as_str(), "10000 characters"),
    ] {
        let (status, v) = search(&app.client, app, &format!("q={q}")).await;
        assert_eq!(status, 422, "{q}");
        let e = &v["errors"][0];
        assert_eq!(e["field"], "q", "{v}");
        let reason = e["reason"].as_str().unwrap();
        assert!(reason.contains(words), "{q}: {reason}");
        assert!(
            !reason.to_lowercase().contains("fts5")
                && !reason.contains("tsquery")
                && !reason.contains("syntax error")
        );
        // The page answers the same problem beside the field, with a 422.
        // (An empty query there shows the form alone.)
        let r = app.get(&format!("/search?q={q}")).await;
        let status = r.status().as_u16();
        let want = if q.is_empty() { 200 } else { 422 };
        assert_eq!(status, want, "{q}");
    }
    // Engine syntax is only ever words here: no 500, whatever is typed.
    for q in [
        "NEAR(a b)",
        "a:b",
        "%7Btitle%7D:x",
        "a%5E2",
        "%27%3B DROP TABLE cases",
        "%E2%80%A6",
        "title:%22%22",
    ] {
        let (status, _) = search(&app.client, app, &format!("q={q}")).await;
        assert!(status == 200 || status == 422, "{q}: {status}");
    }
    let (status, v) = search(&app.client, app, "q=x&type=user&year=later&sort=up").await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["type", "year", "sort"] {
        assert!(fields.contains(&f), "{v}");
    }
}

async fn search_page_and_header_box(app: &TestApp) {
    let src = create(
        app,
        "/api/v1/sources",
        &source_json("Ulmenstrasse judgment"),
    )
    .await;
    let _ = src;
    let officer = app.client_as("post_officer", Some("berlin"), false).await;
    let page = officer
        .get(app.url("/posts"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("action=\"/search\"") && page.contains("name=\"q\""),
        "the header box"
    );
    let form_start = page.find("action=\"/search\"").unwrap();
    assert!(
        page[..form_start]
            .rfind("<form")
            .is_some_and(|i| page[i..form_start].contains("method=\"get\""))
    );
    let r = officer.get(app.url("/search")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("<h1>Search</h1>"));
    let r = officer
        .get(app.url("/search?q=ulmenstrasse"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("1 result"), "{page}");
    assert!(page.contains(&format!("href=\"/sources/{src}\"")));
    assert!(page.contains("<mark>Ulmenstrasse</mark>") || page.contains("Ulmenstrasse judgment"));
    // Facets are links with labels, not codes.
    assert!(
        page.contains("Court judgment (1)") || page.contains("Source (1)"),
        "{page}"
    );
    assert!(
        page.contains("/search?q=ulmenstrasse&#38;type=source")
            || page.contains("/search?q=ulmenstrasse&type=source"),
        "{page}"
    );
    // The list pages take words too: the search of their type, with their filters.
    for (list, record_type) in [
        ("cases", "case"),
        ("sources", "source"),
        ("policies", "policy"),
        ("engagements", "engagement"),
        ("reports", "report"),
    ] {
        let r = officer
            .get(app.url(&format!("/{list}?q=Ulmenstrasse&country=DE&cursor=x")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{list}");
        assert_eq!(
            r.headers()["location"],
            format!("/search?q=Ulmenstrasse&country=DE&type={record_type}").as_str()
        );
    }
    let r = officer.get(app.url("/sources?q=")).send().await.unwrap();
    assert_eq!(r.status(), 200, "no words: the list itself");
    // A bad query: 422, the problem beside the field and in the summary.
    let r = officer
        .get(app.url("/search?q=%22open"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("There is a problem with the search") && page.contains("quote is not closed")
    );
}

async fn archived_text_is_found_at_once(app: &TestApp) {
    let src = app.seed().await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/sources/{src}/archives")))
        .json(&json!({"text": "Das Urteil des Amtsgerichts wurde heute verkündet."}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let (_, v) = search(&app.client, app, "q=Amtsgerichts").await;
    assert_eq!(hit_ids(&v), vec![("source".to_string(), src)], "{v}");
    if app.store().backend() == Backend::Postgres {
        // The source's language (German) stems: an inflected form finds the word.
        let (_, v) = search(&app.client, app, "q=Urteils").await;
        assert_eq!(hit_ids(&v), vec![("source".to_string(), src)], "{v}");
    }
}

async fn policies_and_engagements_are_searched_within_scope(app: &TestApp) {
    let src = app.seed().await;
    let mut ids = Vec::new();
    for (post, country, marking) in [
        ("berlin", "DE", "U"),
        ("stockholm", "SE", "U"),
        ("berlin", "DE", "SBU"),
    ] {
        let policy = json!({"post": post, "country": country, "kind": "law", "area": "expulsion_thresholds",
            "title": format!("Registerwort policy {post} {marking}"), "marking": marking,
            "versions": [{"label": "v1", "valid_from": "2020-01-01", "summary": "Thresholds for expulsion.",
            "citations": [{"source_id": src}]}]});
        let p = create(app, "/api/v1/policies", &policy).await;
        let engagement = json!({"post": post, "country": country, "kind": "meeting", "date": "2025-12-01",
            "title": format!("Registerwort meeting {post} {marking}"), "institution": "Ministry of the Interior",
            "marking": marking});
        let e = create(app, "/api/v1/engagements", &engagement).await;
        ids.push((post, marking, p, e));
    }
    let want = |pred: &dyn Fn(&str, &str) -> bool| {
        let mut v: Vec<(String, i64)> = ids
            .iter()
            .filter(|(post, marking, ..)| pred(post, marking))
            .flat_map(|(_, _, p, e)| [("engagement".to_string(), *e), ("policy".to_string(), *p)])
            .collect();
        v.sort();
        v
    };
    let (_, v) = search(&app.client, app, "q=registerwort&limit=100").await;
    assert_eq!(hit_ids(&v), want(&|_, _| true));
    let reader = app.client_as("hq_reader", None, false).await;
    let (_, v) = search(&reader, app, "q=registerwort&limit=100").await;
    assert_eq!(hit_ids(&v), want(&|_, m| m == "U"));
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let (_, v) = search(&officer, app, "q=registerwort&limit=100").await;
    assert_eq!(hit_ids(&v), want(&|p, _| p == "berlin"));
    let (_, v) = search(&officer, app, "q=registerwort&type=policy&year=2020").await;
    assert_eq!(v["total"], 2, "{v}");
    let (_, v) = search(
        &officer,
        app,
        "q=registerwort&from=2025-01-01&to=2025-12-31",
    )
    .await;
    assert_eq!(v["total"], 2, "{v}");
    assert!(
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["type"] == "engagement")
    );
}

async fn iccs_sections_are_a_facet_and_a_filter(app: &TestApp) {
    let src = app.seed().await;
    let mut a = case_json("berlin", "DE", "Iccswort first case", src);
    a["marking"] = json!("U");
    a["summary_marking"] = json!("U");
    a["offences"] = json!([
        {"stage": "decided", "iccs": "0301", "label": "Sexual assault", "citations": [{"source_id": src}]},
        {"stage": "charged", "iccs": "02", "label": "Threat", "citations": [{"source_id": src}]},
        {"stage": "decided", "iccs": "02011", "label": "Assault", "citations": [{"source_id": src}]}
    ]);
    let first = create(app, "/api/v1/cases", &a).await;
    let mut b = case_json("berlin", "DE", "Iccswort second case", src);
    b["marking"] = json!("U");
    b["summary_marking"] = json!("U");
    b["offences"] = json!([
        {"stage": "decided", "iccs": "02", "label": "Threat", "citations": [{"source_id": src}]}
    ]);
    let second = create(app, "/api/v1/cases", &b).await;
    let (_, v) = search(&app.client, app, "q=iccswort").await;
    let iccs = v["facets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "iccs")
        .cloned()
        .expect("an iccs facet");
    assert_eq!(iccs["label"], "ICCS section");
    let counts: Vec<(String, i64)> = iccs["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["value"].as_str().unwrap().to_string(),
                x["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![("02".to_string(), 2), ("03".to_string(), 1)],
        "each case once per section"
    );
    assert!(
        iccs["values"][1]["label"]
            .as_str()
            .unwrap()
            .starts_with("03 Injurious acts")
    );
    let (_, v) = search(&app.client, app, "q=iccswort&iccs=03").await;
    assert_eq!(hit_ids(&v), vec![("case".to_string(), first)]);
    let (_, v) = search(&app.client, app, "q=iccswort&iccs=02").await;
    assert_eq!(
        hit_ids(&v),
        vec![("case".to_string(), first), ("case".to_string(), second)]
    );
    // A new version replaces the sections.
    b["offences"] = json!([]);
    let r = app
        .put_json(&format!("/api/v1/cases/{second}"), Some("1"), &b)
        .await;
    assert_eq!(r.status(), 200);
    let (_, v) = search(&app.client, app, "q=iccswort&iccs=02").await;
    assert_eq!(hit_ids(&v), vec![("case".to_string(), first)]);
    let (status, v) = search(&app.client, app, "q=iccswort&iccs=12").await;
    assert_eq!(status, 422);
    assert_eq!(v["errors"][0]["field"], "iccs");
}

// ---------------------------------------------------------------- property

#[derive(Debug, Clone)]
struct Gen {
    is_case: bool,
    sbu_record: bool,
    sbu_summary: bool,
    post: &'static str,
}

fn generated() -> impl Strategy<Value = Gen> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just("berlin"), Just("stockholm")],
    )
        .prop_map(|(is_case, sbu_record, sbu_summary, post)| Gen {
            is_case,
            sbu_record,
            sbu_summary,
            post,
        })
}

/// Who may see the record at all, and its summary.
fn may_see(g: &Gen, sbu: bool, post: Option<&str>) -> (bool, bool) {
    let record = (sbu || !g.sbu_record) && (!g.is_case || post.is_none_or(|p| p == g.post));
    let summary = record && (sbu || !(g.sbu_record || g.sbu_summary));
    (record, summary)
}

fn run_property(backend: Backend) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let Some(app) = rt.block_on(spawn_app(backend)) else {
        return;
    };
    let users: Vec<(reqwest::Client, bool, Option<&'static str>)> = rt.block_on(async {
        vec![
            (app.client_as("hq_reader", None, false).await, false, None),
            (app.client_as("hq_reader", None, true).await, true, None),
            (
                app.client_as("post_officer", Some("berlin"), false).await,
                false,
                Some("berlin"),
            ),
            (
                app.client_as("post_officer", Some("stockholm"), true).await,
                true,
                Some("stockholm"),
            ),
        ]
    });
    let source = rt.block_on(app.seed());
    let round = std::sync::atomic::AtomicUsize::new(0);
    let config = ProptestConfig {
        cases: 32,
        ..ProptestConfig::default()
    };
    proptest!(config, |(records in proptest::collection::vec(generated(), 1..6))| {
        let round = round.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        rt.block_on(async {
            // Every record carries the round's shared word in its title and a word of its own
            // in its summary (cases) or publisher (sources).
            let shared = format!("rundwort{round}");
            let mut made = Vec::new();
            for (i, g) in records.iter().enumerate() {
                let own = format!("eigenwort{round}x{i}");
                let marking = if g.sbu_record { "SBU" } else { "U" };
                let id = if g.is_case {
                    let body = json!({"post": g.post, "kind": "criminal_case", "country": if g.post == "berlin" { "DE" } else { "SE" },
                        "title": format!("Case {shared}"), "summary": format!("Summary {own}"),
                        "marking": marking, "summary_marking": if g.sbu_record || g.sbu_summary { "SBU" } else { "U" },
                        "citations": [{"source_id": source}]});
                    create(&app, "/api/v1/cases", &body).await
                } else {
                    let body = json!({"kind": "news_report", "marking": marking,
                        "title": format!("Source {shared}"), "publisher": format!("Publisher {own}")});
                    create(&app, "/api/v1/sources", &body).await
                };
                made.push((g.clone(), if g.is_case { "case" } else { "source" }, id, own));
            }
            for (client, sbu, post) in &users {
                let (status, v) = search(client, &app, &format!("q={shared}&limit=100")).await;
                assert_eq!(status, 200);
                let mut want: Vec<(String, i64)> = made
                    .iter()
                    .filter(|(g, ..)| may_see(g, *sbu, *post).0)
                    .map(|(_, t, id, _)| (t.to_string(), *id))
                    .collect();
                want.sort();
                assert_eq!(hit_ids(&v), want, "sbu={sbu} post={post:?}");
                assert_eq!(v["total"].as_i64().unwrap(), want.len() as i64);
                // Every facet counts only what the user sees.
                for f in v["facets"].as_array().unwrap() {
                    let sum: i64 = f["values"].as_array().unwrap().iter().map(|x| x["count"].as_i64().unwrap()).sum();
                    if f["name"] != "iccs" {
                        // (a case counts once under each of its ICCS sections)
                        assert!(sum <= want.len() as i64, "{f}");
                    }
                    if !sbu {
                        assert!(!(f["name"] == "marking" && f["values"].as_array().unwrap().iter().any(|x| x["value"] == "SBU")));
                    }
                    if let Some(p) = post
                        && f["name"] == "post"
                    {
                        assert!(f["values"].as_array().unwrap().iter().all(|x| x["value"] == *p));
                    }
                }
                // A record's own word finds it only if its text is visible to this user.
                for (g, t, id, own) in &made {
                    let (_, v) = search(client, &app, &format!("q={own}")).await;
                    let (record, summary) = may_see(g, *sbu, *post);
                    let visible = if g.is_case { summary } else { record };
                    let expect: Vec<(String, i64)> = if visible { vec![(t.to_string(), *id)] } else { vec![] };
                    assert_eq!(hit_ids(&v), expect, "{g:?} sbu={sbu} post={post:?}");
                    assert_eq!(v["total"].as_i64().unwrap(), expect.len() as i64);
                    if !visible {
                        assert!(v["facets"].as_array().unwrap().is_empty());
                    }
                }
            }
        });
    });
    rt.block_on(app.stop());
}

#[test]
fn sqlite_search_never_shows_a_hit_or_count_a_user_may_not_see() {
    run_property(Backend::Sqlite);
}

#[test]
fn postgres_search_never_shows_a_hit_or_count_a_user_may_not_see() {
    run_property(Backend::Postgres);
}
