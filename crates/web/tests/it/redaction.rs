//! Redaction leaves no confirmable trace (issue 12): after a redaction, a guessed original,
//! hashed every way the system hashes content, matches nothing stored, served or exported,
//! and the text itself is nowhere: not in the record's versions, not in a build made before the
//! redaction, not in the PII confirmations, not in the audit log.

use crate::{TestApp, case_json, on_both_backends};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

on_both_backends!(a_redaction_leaves_nothing_that_confirms_a_guess);

/// The invented private name saved by mistake (the guess an attacker tries).
const NAME: &str = "Fictivia Exampleton";
const MARKER: &str = chancery_domain::redaction::REDACTION_MARKER;

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Saves a record, confirming whatever the PII check flags (as a careless author would).
async fn save_confirmed(app: &TestApp, path: &str, mut body: Value) -> i64 {
    let r = app.post_json(path, &body).await;
    if r.status() == 422 {
        let e: Value = r.json().await.unwrap();
        let confirm: Vec<Value> = e["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                assert!(x["span"].is_array(), "only PII findings are expected: {e}");
                json!({"field": x["field"], "span": x["span"]})
            })
            .collect();
        body["confirm_pii"] = json!(confirm);
        let r = app.post_json(path, &body).await;
        assert_eq!(r.status(), 201);
        return r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    }
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn text(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

async fn a_redaction_leaves_nothing_that_confirms_a_guess(app: &TestApp) {
    let src = app.seed().await;
    let title = format!("Witness {NAME} assaulted at the station");
    let mut case = case_json("berlin", "DE", &title, src);
    let id = save_confirmed(app, "/api/v1/cases", case.clone()).await;
    // A second version, so that every version is redacted.
    case["summary"] = json!("What the sources say, with the court's date.");
    // (A text confirmed once no longer stops a save.)
    let r = app
        .put_json(&format!("/api/v1/cases/{id}"), Some("1"), &case)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    // A report cites the case and is built before the redaction.
    let report = json!({"post": "berlin", "template_key": "migration-impacts",
        "subject": "Migration impacts", "tags": ["SMIG"],
        "sections": [{"heading": "Crime and justice", "paragraphs": [
            {"id": "p1", "kind": "fact", "marking": "SBU", "text": "One case was reported.",
             "citations": [{"kind": "case", "id": id}]}]}]});
    let r = app.post_json("/api/v1/reports", &report).await;
    assert_eq!(r.status(), 201);
    let rid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = app
        .client
        .post(app.url(&format!("/api/v1/reports/{rid}/builds")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let bid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let md = text(&app.client, app, &format!("/api/v1/builds/{bid}/md")).await;
    assert!(md.contains(NAME), "the build carries the case's title");

    // An administrator asks, an HQ editor approves.
    let (admin, xid, applied) = app.redact("case", id, "title").await;
    assert_eq!(applied["versions_changed"], 2, "{applied}");

    // Everything served or exported after the redaction...
    let mut served = Vec::new();
    for path in [
        format!("/api/v1/cases/{id}"),
        format!("/api/v1/cases/{id}/history"),
        "/api/v1/cases".to_string(),
        "/api/v1/cases/export".to_string(),
        "/api/v1/cases/export?format=csv".to_string(),
        "/api/v1/cases/export?format=ndjson".to_string(),
        format!("/cases/{id}"),
        format!("/cases/{id}/history"),
        format!("/api/v1/reports/{rid}/builds"),
        format!("/reports/{rid}"),
        format!("/api/v1/redactions/{xid}"),
    ] {
        served.push((path.clone(), text(&app.client, app, &path).await));
    }
    for f in ["html", "cable", "md", "manifest"] {
        let path = format!("/api/v1/builds/{bid}/{f}");
        served.push((path.clone(), text(&app.client, app, &path).await));
    }
    served.push((
        "/api/v1/audit".into(),
        text(&admin, app, "/api/v1/audit?limit=1000").await,
    ));
    // ...and everything stored.
    let stored: Vec<(String, String)> = app
        .store()
        .dump_cells()
        .await
        .unwrap()
        .into_iter()
        .map(|(t, c, v)| (format!("{t}.{c}"), v))
        .collect();
    let everything: Vec<&(String, String)> = served.iter().chain(&stored).collect();

    // The name itself is nowhere.
    let mut problems = Vec::new();
    for (place, v) in &everything {
        if v.contains("Exampleton") {
            problems.push(format!("{place} still holds the name"));
        }
    }
    // A guess, hashed every way the system hashes: the text alone, the PII check's
    // `kind:text`, and every stored or served text that now reads [REDACTED] (record bodies,
    // build snapshots, outputs) with the guess put back.
    let mut guesses = vec![sha(NAME.as_bytes()), sha(title.as_bytes())];
    for kind in ["person_name", "name"] {
        guesses.push(sha(format!("{kind}:{NAME}").as_bytes()));
    }
    for (_, v) in &everything {
        if v.contains(MARKER) {
            guesses.push(sha(v.replace(MARKER, &title).as_bytes()));
            guesses.push(sha(v.replace(MARKER, NAME).as_bytes()));
        }
    }
    // Record bodies as the API shows them, each version re-serialised with the guess.
    let history: Value = serde_json::from_str(&served[1].1).unwrap();
    for v in history.as_array().unwrap() {
        let mut data = v["data"].clone();
        assert_eq!(data["title"], MARKER);
        data["title"] = json!(title);
        guesses.push(sha(data.to_string().as_bytes()));
    }
    for g in &guesses {
        for (place, v) in &everything {
            if v.contains(g.as_str()) {
                problems.push(format!(
                    "{place} holds {g}, which a guessed original reproduces"
                ));
            }
        }
    }
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(applied["builds_changed"], 1, "{applied}");
    // The chain still verifies, and the build's new hash is recorded with the redaction.
    assert!(app.store().audit_verify().await.unwrap().is_ok());
    let builds: Value = serde_json::from_str(&served[8].1).unwrap();
    let new_hash = builds["items"][0]["snapshot_sha256"].as_str().unwrap();
    let log: Value = serde_json::from_str(&served.last().unwrap().1).unwrap();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "redact_build"
                && e["record_id"] == bid
                && e["content_hash"] == new_hash),
        "the redaction records the build's new snapshot hash"
    );
}
