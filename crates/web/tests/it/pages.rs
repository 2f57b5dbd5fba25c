//! The HTML pages, spoken to as a browser without JavaScript would: links and form posts.

use crate::{TestApp, case_json};
use serde_json::Value;

crate::on_both_backends!(
    pages_list_view_and_filter,
    form_errors_keep_what_was_typed,
    form_create_edit_conflict_and_history,
);

async fn form(app: &TestApp, path: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .form(pairs)
        .send()
        .await
        .unwrap()
}

async fn pages_list_view_and_filter(app: &TestApp) {
    let src = app.seed().await;
    let mut u = case_json("stockholm", "SE", "Unclassified <case> & more", src);
    u["marking"] = "U".into();
    app.post_json("/api/v1/cases", &u).await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &case_json("berlin", "DE", "Sensitive case", src),
        )
        .await;
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let r = app.get("/").await;
    assert_eq!(r.status(), 303);
    let html = app.get("/cases").await.text().await.unwrap();
    assert!(html.contains("Sensitive case"));
    assert!(
        html.contains("Unclassified &#60;case&#62; &#38; more")
            || html.contains("Unclassified &lt;case&gt; &amp; more"),
        "titles are escaped"
    );
    assert!(
        html.contains("SENSITIVE BUT UNCLASSIFIED"),
        "banner shows the highest marking"
    );

    let html = app.get("/cases?country=SE").await.text().await.unwrap();
    assert!(!html.contains("Sensitive case"));
    assert!(html.contains(">UNCLASSIFIED<"), "only U rows: U banner");

    let r = app.get("/cases?country=XX").await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("not an assigned ISO 3166-1")
    );

    let html = app.get(&format!("/cases/{id}")).await.text().await.unwrap();
    assert!(
        html.contains("Sensitive case") && html.contains("Seed source") && html.contains("p. 4")
    );
    let html = app
        .get(&format!("/sources/{src}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Cases citing this source") && html.contains("Sensitive case"));
    let html = app.get("/posts").await.text().await.unwrap();
    assert!(html.contains("Embassy Berlin"));
    assert_eq!(app.get("/cases/999999").await.status(), 404);
    assert_eq!(app.get("/nowhere").await.status(), 404);
    let css = app.get("/static/style.css").await;
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

async fn form_errors_keep_what_was_typed(app: &TestApp) {
    let src = app.seed().await.to_string();
    let r = form(
        app,
        "/cases",
        &[
            ("post", "berlin"),
            ("kind", "criminal_case"),
            ("country", "XX"),
            ("title", "My careful title"),
            ("summary", "Typed summary"),
            ("status", "final"),
            ("marking", "SBU"),
            ("date.precision", "range"),
            ("date.date", "1997"),
            ("citations[0].source_id", &src),
            ("citations[0].quote", "kept quote"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"My careful title\""),
        "the title typed is kept"
    );
    assert!(html.contains("Typed summary") && html.contains("kept quote"));
    assert!(
        html.contains("id=\"country-error\""),
        "message beside the country field"
    );
    assert!(
        html.contains("id=\"date.end-error\""),
        "message beside the end date"
    );
    assert!(html.contains("The record was not saved"));
    let list: Value = app.get("/api/v1/cases").await.json().await.unwrap();
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing written"
    );

    let r = form(
        app,
        "/sources",
        &[("kind", "news_report"), ("title", "Only a title")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"Only a title\"") && html.contains("id=\"publisher-error\""));
}

async fn form_create_edit_conflict_and_history(app: &TestApp) {
    let src = app.seed().await.to_string();
    let fields = |title: &'static str| {
        vec![
            ("post", "berlin"),
            ("kind", "speech_case"),
            ("country", "DE"),
            ("title", title),
            ("summary", "A summary."),
            ("status", "unknown"),
            ("marking", "SBU"),
            ("date.precision", "month"),
            ("date.date", "2024-06"),
        ]
    };
    let mut create = fields("Created by form");
    create.push(("citations[0].source_id", &src));
    let r = form(app, "/cases", &create).await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let html = app.get(&location).await.text().await.unwrap();
    assert!(html.contains("Created by form") && html.contains("2024-06"));

    let edit = app
        .get(&format!("{location}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains("name=\"version\" value=\"1\""));
    let mut update = fields("Edited by form");
    update.push(("citations[0].source_id", &src));
    update.push(("version", "1"));
    let r = form(app, &format!("{location}/edit"), &update).await;
    assert_eq!(r.status(), 303);

    // A second editor who also read version 1 gets a conflict page with their text kept.
    let mut stale = fields("Stale edit");
    stale.push(("citations[0].source_id", &src));
    stale.push(("version", "1"));
    let r = form(app, &format!("{location}/edit"), &stale).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("Someone else saved first") && html.contains("value=\"Stale edit\""));
    assert!(html.contains("name=\"version\" value=\"2\""));

    let html = app
        .get(&format!("{location}/history"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Version 2") && html.contains("Version 1"));
    assert!(html.contains("Edited by form") && html.contains("Created by form"));
    assert!(html.contains("Changed: title"));
}
