//! The policy and engagement forms, spoken to as a browser without JavaScript would: blank
//! rows, errors beside their fields with what was typed kept, and stale edits refused.

use crate::TestApp;
use serde_json::Value;

crate::on_both_backends!(
    policy_created_by_form_and_shown,
    policy_bad_date_is_shown_beside_its_field,
    policy_stale_edit_is_a_conflict_that_keeps_the_typing,
    engagement_created_and_edited_by_form,
);

async fn form(app: &TestApp, path: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .form(pairs)
        .send()
        .await
        .unwrap()
}

async fn page(app: &TestApp, path: &str) -> String {
    let r = app.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

/// A policy's fields as a browser sends them, blank rows included.
fn policy_fields<'a>(title: &'a str, valid_from: &'a str, src: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("post", "berlin"),
        ("country", "DE"),
        ("kind", "law"),
        ("area", "expulsion_thresholds"),
        ("title", title),
        ("marking", "U"),
        ("versions[0].label", "Original wording"),
        ("versions[0].valid_from", valid_from),
        ("versions[0].valid_to", ""),
        ("versions[0].summary", "What the law said."),
        ("versions[0].citations[0].source_id", src),
        ("versions[0].citations[0].page", "12"),
        ("versions[0].citations[0].credibility", ""),
        ("versions[0].citations[1].source_id", ""),
        ("versions[0].citations[1].page", ""),
        ("versions[1].label", ""),
        ("versions[1].valid_from", ""),
        ("versions[1].summary", ""),
        ("versions[1].citations[0].source_id", ""),
        ("versions[2].label", ""),
        ("assessment", "The post thinks it is applied strictly."),
        ("linked_cases[0]", ""),
        ("linked_cases[1]", ""),
    ]
}

async fn policy_created_by_form_and_shown(app: &TestApp) {
    let src = app.seed().await.to_string();
    let list = page(app, "/policies").await;
    assert!(
        list.contains("href=\"/policies/new\""),
        "writers get a New link"
    );
    let blank = page(app, "/policies/new").await;
    assert!(blank.contains("name=\"versions[2].citations[2].source_id\""));
    assert!(blank.contains("name=\"linked_cases[2]\""));

    let r = form(
        app,
        "/policies",
        &policy_fields("Expulsion law by form", "2020-01-01", &src),
    )
    .await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/policies/"));
    let html = page(app, &location).await;
    assert!(html.contains("Expulsion law by form") && html.contains("Original wording"));
    assert!(html.contains("What the law said.") && html.contains("applied strictly"));
    assert!(
        html.contains(&format!("{location}/edit")),
        "writers get an Edit link"
    );

    let id = location.rsplit('/').next().unwrap();
    let json: Value = app
        .get(&format!("/api/v1/policies/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let versions = json["data"]["versions"]
        .as_array()
        .or_else(|| json["versions"].as_array())
        .expect("versions");
    assert_eq!(versions.len(), 1, "blank rows were dropped: {json}");
    assert_eq!(versions[0]["citations"].as_array().unwrap().len(), 1);

    let edit = page(app, &format!("{location}/edit")).await;
    assert!(edit.contains("name=\"version\" value=\"1\""));
    assert!(edit.contains("value=\"Original wording\"") && edit.contains("value=\"2020-01-01\""));
}

async fn policy_bad_date_is_shown_beside_its_field(app: &TestApp) {
    let src = app.seed().await.to_string();
    let r = form(
        app,
        "/policies",
        &policy_fields("Careful policy title", "2020-13-45", &src),
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"versions[0].valid_from-error\""),
        "message beside the date"
    );
    assert!(
        html.contains("value=\"2020-13-45\""),
        "the bad date is kept"
    );
    assert!(
        html.contains("value=\"Careful policy title\""),
        "the title is kept"
    );
    assert!(html.contains("The record was not saved"));
    let list: Value = app.get("/api/v1/policies").await.json().await.unwrap();
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing written"
    );
}

async fn policy_stale_edit_is_a_conflict_that_keeps_the_typing(app: &TestApp) {
    let src = app.seed().await.to_string();
    let r = form(
        app,
        "/policies",
        &policy_fields("First title", "2020-01-01", &src),
    )
    .await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let edit_path = format!("{location}/edit");

    let mut update = policy_fields("Second title", "2020-01-01", &src);
    update.push(("version", "1"));
    let r = form(app, &edit_path, &update).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"].to_str().unwrap(), location);

    let mut stale = policy_fields("Stale title", "2019-05-05", &src);
    stale.push(("version", "1"));
    let r = form(app, &edit_path, &stale).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("Someone else saved first"));
    assert!(html.contains("value=\"Stale title\"") && html.contains("value=\"2019-05-05\""));
    assert!(html.contains("name=\"version\" value=\"2\""));
    let shown = page(app, &location).await;
    assert!(shown.contains("Second title") && !shown.contains("Stale title"));

    // Without a version the edit is refused outright.
    let r = form(
        app,
        &edit_path,
        &policy_fields("No version", "2020-01-01", &src),
    )
    .await;
    assert_eq!(r.status(), 428);
}

fn engagement_fields<'a>(title: &'a str, done: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("post", "berlin"),
        ("country", "DE"),
        ("kind", "demarche"),
        ("date", "2025-12-01"),
        ("title", title),
        ("institution", "Federal Ministry of the Interior"),
        ("marking", "SBU"),
        ("officials[0].role", "State Secretary"),
        ("officials[0].name", ""),
        ("officials[1].role", ""),
        ("officials[1].name", ""),
        ("topics[0]", "expulsion thresholds"),
        ("topics[1]", ""),
        ("talking_points[0]", "We ask for the statistics by year."),
        ("talking_points[1]", ""),
        ("talking_points[4]", ""),
        ("response", "Noted; will reply in writing."),
        ("follow_ups[0].action", "Send the ministry's reply to HQ"),
        ("follow_ups[0].due", "2025-12-15"),
        ("follow_ups[1].action", ""),
        ("follow_ups[1].due", ""),
        ("assistance_offered", ""),
        ("citations[0].source_id", ""),
    ];
    if let Some(d) = done {
        f.push(("follow_ups[0].done", d));
    }
    f
}

async fn engagement_created_and_edited_by_form(app: &TestApp) {
    app.seed().await;
    let list = page(app, "/engagements").await;
    assert!(list.contains("href=\"/engagements/new\""));
    let blank = page(app, "/engagements/new").await;
    assert!(blank.contains("name=\"officials[2].role\""));
    assert!(blank.contains("name=\"talking_points[4]\""));
    assert!(blank.contains("name=\"follow_ups[2].due\""));

    let r = form(
        app,
        "/engagements",
        &engagement_fields("Demarche by form", None),
    )
    .await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/engagements/"));
    let html = page(app, &location).await;
    assert!(html.contains("Demarche by form") && html.contains("State Secretary"));
    assert!(
        html.contains("Send the ministry&#39;s reply to HQ")
            || html.contains("Send the ministry&#x27;s reply to HQ")
    );
    assert!(html.contains("2025-12-15") && html.contains("We ask for the statistics by year."));
    assert!(html.contains(&format!("{location}/edit")));

    let edit = page(app, &format!("{location}/edit")).await;
    assert!(edit.contains("name=\"version\" value=\"1\""));
    assert!(edit.contains("value=\"State Secretary\""));

    // A bad due date is shown beside its field, with the rest kept.
    let mut bad = engagement_fields("Demarche by form", None);
    bad.retain(|(k, _)| *k != "follow_ups[0].due");
    bad.push(("follow_ups[0].due", "soon"));
    bad.push(("version", "1"));
    let r = form(app, &format!("{location}/edit"), &bad).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"follow_ups[0].due-error\"") && html.contains("value=\"soon\""));
    assert!(html.contains("name=\"version\" value=\"1\""));

    let mut done = engagement_fields("Demarche followed up", Some("true"));
    done.push(("version", "1"));
    let r = form(app, &format!("{location}/edit"), &done).await;
    assert_eq!(r.status(), 303);
    let id = location.rsplit('/').next().unwrap();
    let json: Value = app
        .get(&format!("/api/v1/engagements/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let data = if json.get("data").is_some() {
        &json["data"]
    } else {
        &json
    };
    assert_eq!(data["title"], "Demarche followed up");
    assert_eq!(data["officials"].as_array().unwrap().len(), 1, "{json}");
    assert_eq!(data["talking_points"].as_array().unwrap().len(), 1);
    assert_eq!(data["follow_ups"][0]["done"], true);
    assert_eq!(data["follow_ups"].as_array().unwrap().len(), 1);
}
