//! Report rules over HTTP that the flow tests do not reach: a tasking whose due date has passed
//! is late until its report is cleared; a quarterly tasking lists each due date; and a template
//! HQ edits (a one-step clearance chain) governs clearance from the next action on, without a
//! release.

use crate::TestApp;
use chrono::{Days, Utc};
use serde_json::{Value, json};

crate::on_both_backends!(
    an_overdue_report_is_late_until_cleared,
    a_template_edited_by_hq_sets_the_clearance_chain,
);

fn days_ago(n: u64) -> String {
    Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(n))
        .unwrap()
        .to_string()
}

async fn ok(r: reqwest::Response, status: u16) -> Value {
    let s = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(s, status, "{body}");
    body
}

async fn compliance(client: &reqwest::Client, app: &TestApp, tasking: i64) -> Vec<Value> {
    let v = ok(
        client
            .get(app.url("/api/v1/compliance"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["tasking_id"] == json!(tasking))
        .cloned()
        .collect()
}

async fn act(
    client: &reqwest::Client,
    app: &TestApp,
    id: i64,
    version: i64,
    action: &str,
) -> Value {
    ok(
        client
            .post(app.url(&format!("/api/v1/reports/{id}/actions")))
            .header("If-Match", version.to_string())
            .json(&json!({"action": action}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

async fn an_overdue_report_is_late_until_cleared(app: &TestApp) {
    let src = app.seed().await;
    // A quarterly tasking whose first due date was 200 days ago: three due dates have passed.
    let first = days_ago(200);
    let tid = ok(
        app.post_json(
            "/api/v1/taskings",
            &json!({"title": "Quarterly note", "instructions": "Short.", "template_key": "migration-impacts",
                    "posts": ["berlin"], "due": first, "recurrence": "quarterly"}),
        )
        .await,
        201,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let rows = compliance(&app.client, app, tid).await;
    let past: Vec<&Value> = rows.iter().filter(|r| r["late"] == true).collect();
    assert_eq!(past.len(), 3, "three quarters have passed: {rows:?}");
    assert!(past.iter().all(|r| r["status"] == "not_started"));
    assert_eq!(rows.len(), 4, "and the next due date is listed: {rows:?}");
    assert_eq!(rows[0]["due"], json!(first));
    assert_eq!(rows[0]["post"], "berlin");
    assert_eq!(rows[0]["post_name"], "Embassy Berlin");
    assert_eq!(rows[0]["status_label"], "Not started");

    // Berlin answers the first due date; it stays late while drafting and in clearance.
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let reviewer = app.client_as("post_reviewer", Some("berlin"), true).await;
    let body = json!({"post": "berlin", "tasking_id": tid, "due": first, "template_key": "migration-impacts",
        "subject": "Quarterly note", "sections": [{"heading": "Crime trends", "paragraphs": [
            {"id": "p1", "kind": "fact", "marking": "U", "text": "A fact.", "citations": [{"kind": "source", "id": src}]}]}]});
    let r = ok(
        officer
            .post(app.url("/api/v1/reports"))
            .json(&body)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let id = r["id"].as_i64().unwrap();
    let row = |rows: &[Value]| -> (String, bool) {
        let r = rows.iter().find(|r| r["due"] == json!(first)).unwrap();
        (
            r["status"].as_str().unwrap().to_string(),
            r["late"].as_bool().unwrap(),
        )
    };
    assert_eq!(
        row(&compliance(&officer, app, tid).await),
        ("drafting".into(), true)
    );
    act(&officer, app, id, 1, "submit").await;
    assert_eq!(
        row(&compliance(&officer, app, tid).await),
        ("in_clearance".into(), true)
    );
    act(&reviewer, app, id, 2, "clear").await;
    act(&app.client, app, id, 3, "clear").await;
    assert_eq!(
        row(&compliance(&officer, app, tid).await),
        ("submitted".into(), false),
        "cleared: submitted, no longer late"
    );
    // The other past due dates stay late and not started.
    let rows = compliance(&officer, app, tid).await;
    assert_eq!(rows.iter().filter(|r| r["late"] == true).count(), 2);
}

async fn a_template_edited_by_hq_sets_the_clearance_chain(app: &TestApp) {
    let src = app.seed().await;
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let reviewer = app.client_as("post_reviewer", Some("berlin"), true).await;
    // A post officer may not edit templates.
    let mut t = ok(
        officer
            .get(app.url("/api/v1/templates/hr-classic"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(t["clearance_chain"], json!(["post_reviewer", "hq_editor"]));
    assert_eq!(t["version"], 0, "never edited: the shipped template");
    t.as_object_mut().unwrap().remove("version");
    t["clearance_chain"] = json!(["hq_editor"]);
    let r = officer
        .put(app.url("/api/v1/templates/hr-classic"))
        .header("If-Match", "\"0\"")
        .json(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // HQ shortens the chain to one step: no release, the next clearance follows it.
    ok(
        app.client
            .put(app.url("/api/v1/templates/hr-classic"))
            .header("If-Match", "\"0\"")
            .json(&t)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let again = ok(app.get("/api/v1/templates/hr-classic").await, 200).await;
    assert_eq!(again["clearance_chain"], json!(["hq_editor"]));
    assert_eq!(again["version"], 1);

    let body = json!({"post": "berlin", "template_key": "hr-classic", "subject": "Country report",
        "sections": [{"heading": "Section 1", "paragraphs": [
            {"id": "p1", "kind": "fact", "marking": "U", "text": "A fact.", "citations": [{"kind": "source", "id": src}]}]}]});
    let id = ok(
        officer
            .post(app.url("/api/v1/reports"))
            .json(&body)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    act(&officer, app, id, 1, "submit").await;
    // The post reviewer is no longer in the chain.
    let r = reviewer
        .post(app.url(&format!("/api/v1/reports/{id}/actions")))
        .header("If-Match", "2")
        .json(&json!({"action": "clear"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let cleared = act(&app.client, app, id, 2, "clear").await;
    assert_eq!(
        cleared["state"]["state"], "cleared",
        "one step: cleared at once"
    );
    // Only an HQ editor publishes and withdraws; a withdrawn report is not edited.
    let r = officer
        .post(app.url(&format!("/api/v1/reports/{id}/actions")))
        .header("If-Match", "3")
        .json(&json!({"action": "publish"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let published = act(&app.client, app, id, 3, "publish").await;
    assert_eq!(published["state"]["state"], "published");
    let withdrawn = act(&app.client, app, id, 4, "withdraw").await;
    assert_eq!(withdrawn["state"]["state"], "withdrawn");
    let mut changed = body.clone();
    changed["subject"] = json!("Changed");
    let r = officer
        .put(app.url(&format!("/api/v1/reports/{id}")))
        .header("If-Match", "5")
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a withdrawn report is not edited");
    let history = ok(app.get(&format!("/api/v1/reports/{id}/history")).await, 200).await;
    let states: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["data"]["state"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["draft", "in_clearance", "cleared", "published", "withdrawn"],
        "every step is a version"
    );
}
