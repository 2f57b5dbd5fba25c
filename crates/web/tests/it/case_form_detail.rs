//! The case form and the case detail: an edit keeps what the form does not show, JSON
//! textareas create the structured parts (or say where their JSON is broken), and a PII hit is
//! shown highlighted beside its field with a box that confirms it.

use crate::TestApp;
use crate::cases_depth::{group_case, speech_case};
use serde_json::Value;

crate::on_both_backends!(
    editing_the_title_keeps_the_parties,
    parties_textarea_creates_parties,
    bad_json_in_a_textarea_is_shown_beside_it,
    detail_errors_are_shown_beside_their_textarea,
    pii_hit_is_highlighted_and_a_ticked_box_confirms_it,
);

async fn form(app: &TestApp, path: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .form(pairs)
        .send()
        .await
        .unwrap()
}

async fn create(app: &TestApp, body: &Value) -> i64 {
    let r = app.post_json("/api/v1/cases", body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn case(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/cases/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn case_count(app: &TestApp) -> usize {
    let list: Value = app.get("/api/v1/cases").await.json().await.unwrap();
    list["items"].as_array().unwrap().len()
}

fn core<'a>(title: &'a str, summary: &'a str, src: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("post", "berlin"),
        ("kind", "criminal_case"),
        ("country", "DE"),
        ("title", title),
        ("summary", summary),
        ("status", "final"),
        ("marking", "SBU"),
        ("citations[0].source_id", src),
    ]
}

async fn editing_the_title_keeps_the_parties(app: &TestApp) {
    let s1 = app.seed().await;
    let s2 = app.seed().await;
    let id = create(app, &group_case(s1, s2)).await;
    let before = case(app, id).await;
    assert_eq!(before["parties"].as_array().unwrap().len(), 2);

    // The edit page shows the stored detail: the parties pretty-printed in their textarea.
    let edit = app
        .get(&format!("/cases/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains("name=\"parties\"") && edit.contains("The ten defendants"));
    assert!(edit.contains("value=\"Landgericht Hamburg\""));
    assert!(edit.contains("name=\"detail_form\""));

    // A post of the core fields only (a client that knows no detail fields) keeps the detail.
    let src = s1.to_string();
    let mut pairs = core(
        "Group rape case, retitled",
        "As the sources report it.",
        &src,
    );
    pairs.push(("version", "1"));
    let r = form(app, &format!("/cases/{id}/edit"), &pairs).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let after = case(app, id).await;
    assert_eq!(after["title"], "Group rape case, retitled");
    for m in ["parties", "offences", "outcomes", "court"] {
        assert_eq!(after[m], before[m], "{m} kept");
    }

    // The whole form as the edit page fills it: the detail round-trips through the textareas.
    let parties = serde_json::to_string_pretty(&before["parties"]).unwrap();
    let offences = serde_json::to_string_pretty(&before["offences"]).unwrap();
    let outcomes = serde_json::to_string_pretty(&before["outcomes"]).unwrap();
    let mut pairs = core("Group rape case, again", "As the sources report it.", &src);
    pairs.extend([
        ("version", "2"),
        ("detail_form", "1"),
        ("court.name", "Landgericht Hamburg"),
        ("court.level", "first_instance"),
        ("jurisdiction", "Hamburg"),
        ("tags[1]", "leniency"),
        ("parties", parties.as_str()),
        ("offences", offences.as_str()),
        ("outcomes", outcomes.as_str()),
        ("timeline", ""),
    ]);
    let r = form(app, &format!("/cases/{id}/edit"), &pairs).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let after = case(app, id).await;
    assert_eq!(after["title"], "Group rape case, again");
    assert_eq!(after["parties"], before["parties"]);
    assert_eq!(after["outcomes"], before["outcomes"]);
    assert_eq!(after["jurisdiction"], "Hamburg");
    assert_eq!(after["tags"], serde_json::json!(["leniency"]));
    let edit = app
        .get(&format!("/cases/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        edit.contains("name=\"tags[1]\" value=\"leniency\" checked"),
        "the tag is ticked on the next edit"
    );
}

async fn parties_textarea_creates_parties(app: &TestApp) {
    let s1 = app.seed().await;
    let other = app.seed().await;
    let speech = speech_case(s1, other);
    let parties = serde_json::to_string_pretty(&speech["parties"]).unwrap();
    let offences = speech["offences"].to_string();
    let src = s1.to_string();
    let mut pairs = core("Speech case by form", "As the sources report it.", &src);
    pairs.extend([
        ("detail_form", "1"),
        ("kind", "speech_case"),
        ("tags[0]", "penalty_for_objecting_to_migration"),
        ("court.name", "Amtsgericht Hamburg-Wandsbek"),
        ("court.level", "first_instance"),
        ("reference", "123 Ds 45/24"),
        ("incident.place", "Hamburg"),
        ("incident.precision", "district"),
        ("incident.independent_sources", "2"),
        ("parties", parties.as_str()),
        ("offences", offences.as_str()),
    ]);
    let r = form(app, "/cases", &pairs).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let v = case(app, id).await;
    let parties = v["parties"].as_array().unwrap();
    assert_eq!(parties.len(), 1);
    assert_eq!(parties[0]["label"], "The defendant");
    assert_eq!(parties[0]["age"], speech["parties"][0]["age"]);
    assert_eq!(parties[0]["sex"], speech["parties"][0]["sex"]);
    assert_eq!(v["offences"].as_array().unwrap().len(), 2);
    assert_eq!(v["court"]["level"], "first_instance");
    assert_eq!(v["reference"], "123 Ds 45/24");
    assert_eq!(v["incident"]["independent_sources"], 2);
    assert_eq!(
        v["tags"],
        serde_json::json!(["penalty_for_objecting_to_migration"])
    );
}

async fn bad_json_in_a_textarea_is_shown_beside_it(app: &TestApp) {
    let src = app.seed().await.to_string();
    let mut pairs = core("Broken JSON", "As the sources report it.", &src);
    pairs.extend([
        ("detail_form", "1"),
        (
            "parties",
            "[\n  {\"label\": \"The defendant\",\n   \"role\": }\n]",
        ),
    ]);
    let r = form(app, "/cases", &pairs).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"parties-error\""), "beside the textarea");
    assert!(html.contains("line 3, column"), "names line and column");
    assert!(
        html.contains("value=\"Broken JSON\""),
        "what was typed is kept"
    );
    assert!(
        html.contains("role&#34;: }") || html.contains("role&quot;: }"),
        "the broken text is kept (escaped)"
    );
    assert_eq!(case_count(app).await, 0, "nothing saved");
}

async fn detail_errors_are_shown_beside_their_textarea(app: &TestApp) {
    let src = app.seed().await.to_string();
    let parties = format!(
        "[{{\"label\": \"The defendant\", \"role\": \"defendant\", \
         \"age\": [{{\"value\": \"elderly\", \"citations\": [{{\"source_id\": {src}}}]}}]}}]"
    );
    let mut pairs = core("Bad age", "As the sources report it.", &src);
    pairs.extend([("detail_form", "1"), ("parties", parties.as_str())]);
    let r = form(app, "/cases", &pairs).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let beside = html
        .split("id=\"parties-error\"")
        .nth(1)
        .expect("an error beside the parties textarea");
    assert!(
        beside
            .split("</p>")
            .next()
            .unwrap()
            .contains("parties[0].age[0].value"),
        "the path is named beside the textarea"
    );
    assert_eq!(case_count(app).await, 0, "nothing saved");
}

/// The value of the confirm box in a page: "start-end".
fn confirm_span(html: &str) -> String {
    let after = html
        .split("].span\" value=\"")
        .nth(1)
        .expect("a confirm checkbox");
    after.split('"').next().unwrap().to_string()
}

async fn pii_hit_is_highlighted_and_a_ticked_box_confirms_it(app: &TestApp) {
    let src = app.seed().await.to_string();
    let summary = "Äußerungen: the remark by Fictivia Exampleton was reported.";
    let pairs = core("A remark", summary, &src);
    let r = form(app, "/cases", &pairs).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<mark>Fictivia Exampleton</mark>"),
        "the name is highlighted (by characters, not bytes)"
    );
    assert!(
        html.contains("Äußerungen: the remark by <mark>") || html.contains("the remark by <mark>")
    );
    assert!(
        html.contains("This is a public official named in their role (or not private): confirm")
    );
    assert!(html.contains("name=\"confirm_pii[0].field\" value=\"summary\""));
    let span = confirm_span(&html);
    let start = summary.chars().collect::<Vec<_>>();
    let want = format!(
        "{}-{}",
        summary
            .find("Fictivia")
            .map(|b| summary[..b].chars().count())
            .unwrap(),
        summary
            .find(" was")
            .map(|b| summary[..b].chars().count())
            .unwrap()
    );
    assert!(start.len() > 10);
    assert_eq!(span, want, "the span counts characters");
    assert_eq!(case_count(app).await, 0);

    // The box left unticked: only the hidden field name comes back, and the save is refused.
    let mut unticked = pairs.clone();
    unticked.push(("confirm_pii[0].field", "summary"));
    let r = form(app, "/cases", &unticked).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<mark>Fictivia Exampleton</mark>")
    );
    assert_eq!(case_count(app).await, 0);

    // Ticked: the save goes through.
    let mut ticked = unticked.clone();
    ticked.push(("confirm_pii[0].span", span.as_str()));
    let r = form(app, "/cases", &ticked).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(case_count(app).await, 1);
}
