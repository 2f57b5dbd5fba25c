//! Cases in depth over HTTP: the Hamburg-style comparison pair (harsher depends on the
//! measure), group summaries (SBU, no intervals, the selection caveat), exports without victims,
//! and all-or-nothing imports with row and column in every error.

use crate::{TestApp, error_fields};
use serde_json::{Value, json};

fn cite(source: i64) -> Value {
    json!([{"source_id": source}])
}

fn custody(mode: &str) -> Value {
    json!({"kind": "custody", "form": "youth_custody", "term": {"years": 1},
           "term_max": {"years": 2, "months": 9}, "mode": mode})
}

fn group_outcome(source: i64, members: u32, mode: &str) -> Value {
    json!({"party": 0, "citations": cite(source), "outcome": {
        "subject": {"kind": "group_member", "group_size": 10, "members": members},
        "court": {"name": "Landgericht Hamburg", "level": "first_instance", "country": "DE"},
        "offences": [{"label": "Rape", "provision": "StGB s.177"}],
        "decided": "2023-11-28", "verdict": "convicted",
        "sentence": {"law": "juvenile", "components": [custody(mode)]}}})
}

/// A group case shaped like the Hamburg verdict: ten defendants (a party group), a victim,
/// citizenship stated differently by two sources.
pub fn group_case(s1: i64, s2: i64) -> Value {
    json!({"post": "berlin", "kind": "criminal_case", "country": "DE", "title": "Group rape case",
        "summary": "As the sources report it.", "status": "final", "marking": "SBU",
        "citations": cite(s1), "court": {"name": "Landgericht Hamburg", "level": "first_instance"},
        "parties": [
            {"label": "The ten defendants", "role": "defendant", "count": 10,
             "sex": [{"value": "male", "citations": cite(s1)}],
             "citizenship": [{"value": "DE", "citations": cite(s1)}, {"value": "AF", "citations": cite(s2)}]},
            {"label": "The victim", "role": "victim",
             "age": [{"value": "14-17", "citations": cite(s1)}],
             "sex": [{"value": "female", "citations": cite(s1)}]}],
        "offences": [{"stage": "decided", "iccs": "03", "label": "Rape", "provision": "StGB s.177",
                      "party": 0, "citations": cite(s1)}],
        "outcomes": [group_outcome(s1, 1, "unconditional"), group_outcome(s1, 4, "suspended"),
                     group_outcome(s1, 4, "suspension_deferred")]})
}

/// The speech case: one weekend of Freizeitarrest under juvenile law for insult and threat.
pub fn speech_case(source: i64, other: i64) -> Value {
    json!({"post": "berlin", "kind": "speech_case", "country": "DE", "title": "Insult and threat case",
        "summary": "As the sources report it.", "status": "final", "marking": "SBU",
        "citations": cite(source), "tags": ["penalty_for_objecting_to_migration"],
        "links": [{"case_id": other, "relation": "comparison"}],
        "parties": [{"label": "The defendant", "role": "defendant",
                     "age": [{"value": "20", "citations": cite(source)}],
                     "sex": [{"value": "female", "citations": cite(source)}]}],
        "offences": [{"stage": "decided", "iccs": "02", "label": "Insult", "provision": "StGB s.185", "party": 0, "citations": cite(source)},
                     {"stage": "decided", "iccs": "02", "label": "Threat", "provision": "StGB s.241", "party": 0, "citations": cite(source)}],
        "outcomes": [{"party": 0, "citations": cite(source), "outcome": {
            "court": {"name": "Amtsgericht Hamburg-Wandsbek", "level": "first_instance", "country": "DE"},
            "offences": [{"label": "Insult", "provision": "StGB s.185"}, {"label": "Threat", "provision": "StGB s.241"}],
            "decided": "2024-06", "verdict": "convicted",
            "sentence": {"law": "juvenile", "components": [{"kind": "youth_detention", "form": "freizeitarrest", "weekends": 1}]}}}]})
}

async fn create(app: &TestApp, body: &Value) -> i64 {
    let r = app.post_json("/api/v1/cases", body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn harsher_depends_on_the_measure(app: &TestApp) {
    let s1 = app.seed().await;
    let s2 = app.seed().await;
    let group = create(app, &group_case(s1, s2)).await;
    let speech = create(app, &speech_case(s1, group)).await;
    let r = app
        .get(&format!("/api/v1/cases/{speech}/compare/{group}"))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["marking"], "SBU");
    assert!(v["scale"].as_str().unwrap().contains("unconditional"));
    let cs = v["comparisons"].as_array().unwrap();
    assert_eq!(cs.len(), 3, "one outcome against three");
    let row = |c: &Value, m: &str| {
        c["comparison"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["measure"] == m)
            .unwrap()["harsher"]
            .clone()
    };
    // Against the suspended terms: the weekend served is harsher on custody actually imposed,
    // the suspended terms on exposure and on rank.
    let suspended = &cs[1];
    assert_eq!(row(suspended, "unconditional_custody_days"), "a");
    assert_eq!(row(suspended, "max_custody_exposure_days"), "b");
    assert_eq!(row(suspended, "severity_rank"), "b");
    assert_eq!(suspended["comparison"]["depends_on_measure"], true);
    // Against the unconditional term: harsher on every measure, so it does not depend.
    assert_eq!(cs[0]["comparison"]["depends_on_measure"], false);
    let kinds: Vec<&str> = suspended["comparison"]["caveats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    for k in [
        "rank_is_a_modelling_choice",
        "different_courts",
        "different_offences",
        "different_dates",
        "group_outcome",
        "sentence_range",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    // The conflict on citizenship travels with the comparison as a stated caveat.
    let details = suspended["comparison"]["caveats"].to_string();
    assert!(
        details.contains("sources disagree on the citizenship"),
        "{details}"
    );
}

async fn summaries_count_without_intervals_and_only_what_is_visible(app: &TestApp) {
    let s1 = app.seed().await;
    let s2 = app.seed().await;
    let group = create(app, &group_case(s1, s2)).await;
    create(app, &speech_case(s1, group)).await;
    let r = app.get("/api/v1/cases/summary?country=DE").await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["marking"], "SBU");
    assert!(
        v["caveat"]
            .as_str()
            .unwrap()
            .contains("selection, not a sample")
    );
    assert_eq!(v["cases"], 2);
    assert_eq!(v["defendants"], 11);
    assert_eq!(v["by"]["citizenship"]["sources disagree"], 10);
    assert_eq!(v["by"]["citizenship"]["unknown"], 1);
    // Nine convicted group members plus the speech case: 0 (x8 suspended/deferred + the
    // weekend's 2 days) ... the median of ten values.
    let m = &v["median_unconditional_custody_days"];
    assert_eq!(m["convicted_people"], 10);
    assert_eq!(m["low"], 0.0);
    let mut keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["convicted_people", "high", "low", "note"],
        "no interval, ever"
    );
    // Without SBU access: refused. A post officer elsewhere sees none of berlin's cases.
    let no_sbu = app.client_as("hq_reader", None, false).await;
    let r = no_sbu
        .get(app.url("/api/v1/cases/summary"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let elsewhere = app.client_as("post_officer", Some("stockholm"), true).await;
    let v: Value = elsewhere
        .get(app.url("/api/v1/cases/summary"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["cases"], 0);
}

async fn exports_drop_victims_and_imports_are_all_or_nothing(app: &TestApp) {
    let s1 = app.seed().await;
    let s2 = app.seed().await;
    let group = create(app, &group_case(s1, s2)).await;
    create(app, &speech_case(s1, group)).await;
    for format in ["json", "ndjson", "csv"] {
        let r = app
            .get(&format!("/api/v1/cases/export?format={format}"))
            .await;
        assert_eq!(r.status(), 200, "{format}");
        let body = r.text().await.unwrap();
        assert!(body.contains("The ten defendants"), "{format}");
        assert!(!body.contains("victim"), "{format} leaks a victim party");
    }
    let r = app.get("/api/v1/cases/export?format=xml").await;
    assert_eq!(r.status(), 422);

    let count = |app: &TestApp| {
        let store = app.store().clone();
        async move {
            store
                .list::<chancery_domain::Case>(&Default::default(), None, 500)
                .await
                .unwrap()
                .items
                .len()
        }
    };
    let before = count(app).await;
    // The JSON export imports back (victims already dropped, ids and versions ignored).
    let exported: Value = app
        .get("/api/v1/cases/export?format=json")
        .await
        .json()
        .await
        .unwrap();
    let r = app.post_json("/api/v1/cases/import", &exported).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(count(app).await, before + 2);

    // One bad row among good ones: nothing is stored; errors name row and field.
    let mut bad = group_case(s1, s2);
    bad["parties"][0]["citizenship"][0]["value"] = json!("XX");
    let rows = json!([speech_case(s1, group), bad, speech_case(999_999, group)]);
    let r = app.post_json("/api/v1/cases/import", &rows).await;
    assert_eq!(r.status(), 422);
    let fields = error_fields(r).await;
    assert!(
        fields.contains(&"row 2: parties[0].citizenship[0].value".to_string()),
        "{fields:?}"
    );
    assert_eq!(count(app).await, before + 2);
    let r = app
        .post_json(
            "/api/v1/cases/import",
            &json!([speech_case(s1, group), speech_case(999_999, group)]),
        )
        .await;
    assert_eq!(r.status(), 422);
    let fields = error_fields(r).await;
    assert!(
        fields.contains(&"row 2: citations[0].source_id".to_string()),
        "{fields:?}"
    );
    assert_eq!(count(app).await, before + 2);

    // CSV: the export's own columns; a broken JSON cell names row and column.
    let csv = app
        .get("/api/v1/cases/export?format=csv")
        .await
        .text()
        .await
        .unwrap();
    let send_csv = |body: String| {
        app.client
            .post(app.url("/api/v1/cases/import"))
            .header("Content-Type", "text/csv")
            .body(body)
            .send()
    };
    let r = send_csv(csv.clone()).await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let broken = csv.replacen("[{\"\"label\"\"", "[{\"\"label\"\",", 1);
    assert_ne!(broken, csv);
    let r = send_csv(broken).await.unwrap();
    assert_eq!(r.status(), 422);
    let fields = error_fields(r).await;
    assert!(
        fields
            .iter()
            .any(|f| f.starts_with("row ") && f.contains(", column ")),
        "{fields:?}"
    );
}

/// Regression: an import runs the same PII check as every other save. A name in an imported
/// row stops the whole import, named by row and field, with its span; confirming it in the row
/// (`confirm_pii`) lets the import through and records the confirmation.
async fn imports_run_the_pii_check(app: &TestApp) {
    let s1 = app.seed().await;
    let group = create(app, &group_case(s1, s1)).await;
    let count = |app: &TestApp| {
        let store = app.store().clone();
        async move {
            store
                .list::<chancery_domain::Case>(&Default::default(), None, 500)
                .await
                .unwrap()
                .items
                .len()
        }
    };
    let before = count(app).await;
    let mut named = speech_case(s1, group);
    named["summary"] = json!("Witness Fictivia Exampleton was named here by mistake.");
    let rows = json!([speech_case(s1, group), named.clone()]);
    let r = app.post_json("/api/v1/cases/import", &rows).await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["errors"][0]["field"], "row 2: summary", "{e}");
    assert_eq!(e["errors"][0]["span"], json!([8, 27]), "{e}");
    assert_eq!(e["errors"][0]["kind"], "person_name", "{e}");
    assert_eq!(count(app).await, before, "a refused import stores nothing");
    named["confirm_pii"] = json!([{"field": "summary", "span": [8, 27]}]);
    let r = app
        .post_json(
            "/api/v1/cases/import",
            &json!([speech_case(s1, group), named]),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(count(app).await, before + 2);
}

crate::on_both_backends!(
    imports_run_the_pii_check,
    harsher_depends_on_the_measure,
    summaries_count_without_intervals_and_only_what_is_visible,
    exports_drop_victims_and_imports_are_all_or_nothing,
    csv_export_cells_cannot_run_as_formulas,
);

/// The finding: case export cells starting with `=`, `+`, `-` or `@` were exported as they
/// are, so a title such as `=HYPERLINK(...)` ran as a formula in the reader's spreadsheet.
async fn csv_export_cells_cannot_run_as_formulas(app: &TestApp) {
    let s1 = app.seed().await;
    let titles = [
        "=HYPERLINK(\"http://evil.example\",\"open\")",
        "+1 more case",
        "-2 cases",
        "@SUM(1,2)",
        "'=already quoted",
        "'plain quote",
    ];
    for t in titles {
        let mut body = crate::case_json("berlin", "DE", t, s1);
        body["marking"] = json!("U");
        body["summary_marking"] = json!("U");
        create(app, &body).await;
    }
    let csv = app
        .get("/api/v1/cases/export?format=csv")
        .await
        .text()
        .await
        .unwrap();
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let col = rd
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "title")
        .unwrap();
    let cells: Vec<String> = rd.records().map(|r| r.unwrap()[col].to_string()).collect();
    for c in &cells {
        let first = c.chars().next().unwrap();
        assert!(!"=+-@\t\r".contains(first), "{c:?} would run as a formula");
    }
    assert!(cells.contains(&"'=HYPERLINK(\"http://evil.example\",\"open\")".to_string()));
    assert!(cells.contains(&"''=already quoted".to_string()));
    assert!(cells.contains(&"'plain quote".to_string()));
    // Export then import gives back the titles as typed.
    let r = app
        .client
        .post(app.url("/api/v1/cases/import"))
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let all = app
        .store()
        .list::<chancery_domain::Case>(&Default::default(), None, 500)
        .await
        .unwrap()
        .items;
    for t in titles {
        let n = all.iter().filter(|c| c.data.title.as_str() == t).count();
        assert_eq!(n, 2, "{t:?}: the original and its re-import");
    }
}
