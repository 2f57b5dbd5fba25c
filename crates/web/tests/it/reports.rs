//! Taskings, reports, clearance, builds and their pages, spoken to over HTTP: the full flow
//! from a tasking to a published report's five formats, the public edition, flags from a
//! retracted source, diffs between builds, and the pages a browser without JavaScript uses.

use crate::{TestApp, source_json};
use chrono::{Days, Utc};
use serde_json::{Value, json};

crate::on_both_backends!(
    a_tasking_is_answered_cleared_published_and_built,
    the_public_edition_drops_sbu_paragraphs_and_their_citations,
    a_retracted_source_flags_the_report_its_builds_and_compliance,
    the_diff_between_builds_shows_the_changed_paragraph,
    the_report_pages_work_without_javascript,
    a_report_cannot_cite_what_its_author_cannot_see,
    an_overturned_verdict_flags_the_build,
    the_paragraph_editor_adds_edits_moves_and_deletes,
    a_bad_paragraph_form_names_the_citations_field_and_writes_nothing,
    a_paragraph_edit_in_clearance_returns_the_report_to_draft,
    the_history_page_lists_versions_authors_and_changes,
    the_history_page_hides_sbu_paragraphs_without_sbu_access,
);

const FORMATS: [&str; 5] = ["html", "pdf", "cable", "md", "manifest"];

async fn created(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

async fn json_ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

async fn get_json(client: &reqwest::Client, app: &TestApp, path: &str) -> Value {
    json_ok(client.get(app.url(path)).send().await.unwrap()).await
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn bytes(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

async fn form(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    pairs: &[(&str, &str)],
) -> reqwest::Response {
    client.post(app.url(path)).form(pairs).send().await.unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// A date this many days from today, as YYYY-MM-DD.
fn in_days(n: u64) -> String {
    Utc::now()
        .date_naive()
        .checked_add_days(Days::new(n))
        .unwrap()
        .to_string()
}

async fn put(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    version: i64,
    body: &Value,
) -> reqwest::Response {
    client
        .put(app.url(path))
        .header("If-Match", format!("\"{version}\""))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn act(
    client: &reqwest::Client,
    app: &TestApp,
    id: i64,
    version: i64,
    action: &str,
) -> reqwest::Response {
    client
        .post(app.url(&format!("/api/v1/reports/{id}/actions")))
        .header("If-Match", version.to_string())
        .json(&json!({"action": action}))
        .send()
        .await
        .unwrap()
}

fn paragraph(id: &str, kind: &str, marking: &str, text: &str, sources: &[i64]) -> Value {
    let citations: Vec<Value> = sources
        .iter()
        .map(|s| json!({"kind": "source", "id": s}))
        .collect();
    json!({"id": id, "kind": kind, "marking": marking, "text": text, "citations": citations})
}

fn report_body(post: &str, paragraphs: Vec<Value>) -> Value {
    json!({"post": post, "template_key": "migration-impacts", "subject": "Migration impacts",
           "tags": ["SMIG"], "sections": [{"heading": "Crime and justice", "paragraphs": paragraphs}]})
}

/// The compliance rows of one tasking.
async fn compliance_of(client: &reqwest::Client, app: &TestApp, tasking: i64) -> Vec<Value> {
    get_json(client, app, "/api/v1/compliance").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["tasking_id"] == json!(tasking))
        .cloned()
        .collect()
}

fn state_of(r: &Value) -> (String, Option<i64>) {
    (
        r["state"]["state"].as_str().unwrap().to_string(),
        r["state"]["step"].as_i64(),
    )
}

async fn a_tasking_is_answered_cleared_published_and_built(app: &TestApp) {
    let src = app.seed().await;
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let reviewer = app.client_as("post_reviewer", Some("berlin"), true).await;
    let due = in_days(40);

    // HQ issues a tasking to berlin.
    let tasking = created(
        app.post_json(
            "/api/v1/taskings",
            &json!({"title": "Migration impacts this year", "instructions": "Use the migration template.",
                    "topics": ["crime statistics"], "template_key": "migration-impacts",
                    "posts": ["berlin"], "due": due, "recurrence": "one_off"}),
        )
        .await,
    )
    .await;
    let tid = tasking["id"].as_i64().unwrap();
    let rows = compliance_of(&app.client, app, tid).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["status"], "not_started");
    assert_eq!(rows[0]["late"], false);

    // The post officer sees it and drafts the report for it.
    let seen = get_json(&officer, app, &format!("/api/v1/taskings/{tid}")).await;
    assert_eq!(seen["title"], "Migration impacts this year");
    let mut body = report_body("berlin", vec![]);
    body["tasking_id"] = json!(tid);
    body["due"] = json!(due);
    let r = created(
        officer
            .post(app.url("/api/v1/reports"))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = r["id"].as_i64().unwrap();
    assert_eq!(state_of(&r).0, "draft");
    let rows = compliance_of(&officer, app, tid).await;
    assert_eq!(rows[0]["status"], "drafting");
    assert_eq!(rows[0]["report_id"], json!(id));

    // A fact without a citation refuses submission, naming the paragraph with a link.
    body["sections"][0]["paragraphs"] = json!([paragraph(
        "p1",
        "fact",
        "U",
        "Recorded arrests rose in the year.",
        &[]
    )]);
    let r = json_ok(put(&officer, app, &format!("/api/v1/reports/{id}"), 1, &body).await).await;
    let v = r["version"].as_i64().unwrap();
    let refused = act(&officer, app, id, v, "submit").await;
    assert_eq!(refused.status(), 422);
    let e: Value = refused.json().await.unwrap();
    let problem = &e["errors"][0];
    assert_eq!(problem["field"], "sections[0].paragraphs[0]", "{e}");
    assert_eq!(problem["paragraph"], "p1");
    assert_eq!(problem["link"], format!("/reports/{id}#p1"));
    assert!(
        problem["reason"]
            .as_str()
            .unwrap()
            .starts_with("p1: this fact paragraph states facts but cites nothing"),
        "{e}"
    );
    let seen = get_json(&officer, app, &format!("/api/v1/reports/{id}")).await;
    assert_eq!(seen["clearance_problems"][0]["paragraph"], "p1");

    // With its citation it is submitted.
    body["sections"][0]["paragraphs"][0]["citations"] = json!([{"kind": "source", "id": src}]);
    let r = json_ok(put(&officer, app, &format!("/api/v1/reports/{id}"), v, &body).await).await;
    let r = json_ok(act(&officer, app, id, r["version"].as_i64().unwrap(), "submit").await).await;
    assert_eq!(state_of(&r), ("in_clearance".into(), Some(0)));
    assert_eq!(
        compliance_of(&officer, app, tid).await[0]["status"],
        "in_clearance"
    );
    let v = r["version"].as_i64().unwrap();

    // The chain: the post reviewer, then the HQ editor; nobody else clears a step.
    assert_eq!(act(&officer, app, id, v, "clear").await.status(), 403);
    assert_eq!(act(&app.client, app, id, v, "clear").await.status(), 403);
    let r = json_ok(act(&reviewer, app, id, v, "clear").await).await;
    assert_eq!(state_of(&r), ("in_clearance".into(), Some(1)));
    let r = json_ok(
        act(
            &app.client,
            app,
            id,
            r["version"].as_i64().unwrap(),
            "clear",
        )
        .await,
    )
    .await;
    assert_eq!(state_of(&r).0, "cleared");
    assert_eq!(
        compliance_of(&app.client, app, tid).await[0]["status"],
        "submitted"
    );

    // An edit after clearance restarts the chain at draft; the chain is run again.
    let mut edited = body.clone();
    edited["sections"][0]["paragraphs"][0]["text"] =
        json!("Recorded arrests rose in the year, as the court records show.");
    let r = json_ok(
        put(
            &officer,
            app,
            &format!("/api/v1/reports/{id}"),
            r["version"].as_i64().unwrap(),
            &edited,
        )
        .await,
    )
    .await;
    assert_eq!(state_of(&r).0, "draft");
    assert_eq!(
        compliance_of(&officer, app, tid).await[0]["status"],
        "drafting"
    );
    let r = json_ok(act(&officer, app, id, r["version"].as_i64().unwrap(), "submit").await).await;
    let r = json_ok(act(&reviewer, app, id, r["version"].as_i64().unwrap(), "clear").await).await;
    let r = json_ok(
        act(
            &app.client,
            app,
            id,
            r["version"].as_i64().unwrap(),
            "clear",
        )
        .await,
    )
    .await;
    assert_eq!(state_of(&r).0, "cleared");

    // Only HQ publishes.
    let v = r["version"].as_i64().unwrap();
    assert_eq!(act(&officer, app, id, v, "publish").await.status(), 403);
    let r = json_ok(act(&app.client, app, id, v, "publish").await).await;
    assert_eq!(state_of(&r).0, "published");
    let rows = compliance_of(&app.client, app, tid).await;
    assert_eq!(
        (rows[0]["status"].as_str(), rows[0]["late"].as_bool()),
        (Some("submitted"), Some(false))
    );

    // A published report is not edited.
    let refused = put(
        &officer,
        app,
        &format!("/api/v1/reports/{id}"),
        r["version"].as_i64().unwrap(),
        &body,
    )
    .await;
    assert_eq!(refused.status(), 403);

    // A build, downloaded in five formats.
    let b = created(
        app.post_json(&format!("/api/v1/reports/{id}/builds"), &json!({}))
            .await,
    )
    .await;
    let bid = b["id"].as_i64().unwrap();
    assert_eq!(b["report_version"], r["version"]);
    let mut first = Vec::new();
    for f in FORMATS {
        let (status, ct, body) =
            bytes(&app.client, app, &format!("/api/v1/builds/{bid}/{f}")).await;
        assert_eq!(status, 200, "{f}: {}", String::from_utf8_lossy(&body));
        assert!(!body.is_empty(), "{f}");
        match f {
            "pdf" => {
                assert!(body.starts_with(b"%PDF-"), "pdf");
                assert_eq!(ct, "application/pdf");
            }
            "cable" => {
                let text = String::from_utf8(body.clone()).unwrap();
                assert!(
                    text.starts_with("UNCLASSIFIED") || text.starts_with("UNCLAS"),
                    "{text}"
                );
                assert!(
                    text.contains("RECORDED ARRESTS") || text.contains("Recorded arrests"),
                    "{text}"
                );
            }
            "html" => {
                let text = String::from_utf8(body.clone()).unwrap();
                assert!(text.starts_with("<!DOCTYPE html>"));
                assert!(text.contains("as the court records show"));
                assert!(ct.starts_with("text/html"));
            }
            "md" => {
                let text = String::from_utf8(body.clone()).unwrap();
                assert!(text.contains("as the court records show"), "{text}");
            }
            "manifest" => {
                let m: Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(m["build_id"], json!(bid));
                assert_eq!(m["report_id"], json!(id));
                assert_eq!(m["edition"], "internal");
                let records = m["records"].as_array().unwrap();
                assert!(
                    records
                        .iter()
                        .any(|x| x["kind"] == "source" && x["id"] == json!(src)),
                    "{m}"
                );
            }
            _ => unreachable!(),
        }
        first.push(body);
    }
    // Re-rendering the same build is byte-identical, through the API and the pages alike.
    for _ in 0..2 {
        for (i, f) in FORMATS.iter().enumerate() {
            let (_, _, again) = bytes(&app.client, app, &format!("/api/v1/builds/{bid}/{f}")).await;
            assert!(again == first[i], "{f} differs on re-render");
            let (status, _, page_bytes) =
                bytes(&app.client, app, &format!("/builds/{bid}/{f}")).await;
            assert_eq!(status, 200);
            assert!(
                page_bytes == first[i],
                "{f} differs between the page and the API"
            );
        }
    }
    let (status, _, _) = bytes(&app.client, app, &format!("/api/v1/builds/{bid}/docx")).await;
    assert_eq!(status, 404, "an unknown format");
    let (status, _, _) = bytes(&app.client, app, "/builds/999999/md").await;
    assert_eq!(status, 404);

    // A post that is not addressed neither sees the tasking nor the report.
    let other = app.client_as("post_officer", Some("stockholm"), true).await;
    assert_eq!(
        page(&other, app, &format!("/api/v1/taskings/{tid}"))
            .await
            .0,
        404
    );
    assert_eq!(
        page(&other, app, &format!("/api/v1/reports/{id}")).await.0,
        404
    );
    assert_eq!(
        page(&other, app, &format!("/api/v1/builds/{bid}/md"))
            .await
            .0,
        404
    );
    assert!(compliance_of(&other, app, tid).await.is_empty());
}

async fn the_public_edition_drops_sbu_paragraphs_and_their_citations(app: &TestApp) {
    let public_src = app.seed().await;
    let mut s = source_json("Confidential ministry briefing");
    s["marking"] = json!("SBU");
    let sbu_src = created(app.post_json("/api/v1/sources", &s).await).await["id"]
        .as_i64()
        .unwrap();
    let body = report_body(
        "berlin",
        vec![
            paragraph(
                "p1",
                "fact",
                "U",
                "Public fact about arrests.",
                &[public_src],
            ),
            paragraph(
                "p2",
                "fact",
                "SBU",
                "Sensitive zebra fact from the briefing, told by Anna Lindqvist.",
                &[sbu_src],
            ),
        ],
    );
    let id = created(app.post_json("/api/v1/reports", &body).await).await["id"]
        .as_i64()
        .unwrap();
    let bid = created(
        app.post_json(&format!("/api/v1/reports/{id}/builds"), &json!({}))
            .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();

    // The internal edition has both paragraphs and both sources.
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
    let (_, _, md) = bytes(&app.client, app, &format!("/api/v1/builds/{bid}/md")).await;
    let md = text(&md);
    assert!(md.contains("Public fact about arrests") && md.contains("Sensitive zebra fact"));
    assert!(md.contains("Confidential ministry briefing"), "{md}");
    // The public edition drops the SBU paragraph and the source only it cites, in every format.
    let mut public = Vec::new();
    for f in FORMATS {
        let (status, _, b) = bytes(
            &app.client,
            app,
            &format!("/api/v1/builds/{bid}/{f}?public=1"),
        )
        .await;
        assert_eq!(status, 200, "{f}");
        if f != "pdf" {
            let t = text(&b);
            assert!(!t.contains("zebra") && !t.contains("ZEBRA"), "{f}: {t}");
            assert!(
                !t.contains("Confidential ministry briefing")
                    && !t.contains("CONFIDENTIAL MINISTRY BRIEFING"),
                "{f}: {t}"
            );
            assert!(
                t.contains("arrests") || t.contains("ARRESTS") || f == "manifest",
                "{f}: {t}"
            );
        }
        public.push(b);
    }
    let manifest: Value = serde_json::from_slice(&public[4]).unwrap();
    assert_eq!(manifest["edition"], "public");
    assert_eq!(manifest["banner"], "U");
    let ids: Vec<i64> = manifest["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert!(
        ids.contains(&public_src) && !ids.contains(&sbu_src),
        "{manifest}"
    );
    assert!(
        text(&public[2]).starts_with("UNCLAS"),
        "the public cable is unclassified"
    );

    // A user without SBU access gets only the public edition, even without asking for it.
    let officer = app.client_as("post_officer", Some("berlin"), false).await;
    for (i, f) in FORMATS.iter().enumerate() {
        let (status, _, b) = bytes(&officer, app, &format!("/api/v1/builds/{bid}/{f}")).await;
        assert_eq!(status, 200, "{f}");
        assert!(b == public[i], "{f}: not the public edition");
        let (_, _, b) = bytes(&officer, app, &format!("/builds/{bid}/{f}")).await;
        assert!(b == public[i], "{f} page: not the public edition");
    }
    // The report itself: the SBU paragraph and anything quoting it are withheld.
    let r = get_json(&officer, app, &format!("/api/v1/reports/{id}")).await;
    let raw = r.to_string();
    assert!(
        !raw.contains("zebra") && !raw.contains("Lindqvist"),
        "{raw}"
    );
    assert_eq!(r["withheld_paragraphs"], json!(["p2"]));
    // (The editor sees the problem the name raises: it exists, and was withheld above.)
    let full = get_json(&app.client, app, &format!("/api/v1/reports/{id}")).await;
    assert!(
        full["clearance_problems"].to_string().contains("Lindqvist"),
        "{}",
        full["clearance_problems"]
    );
    let (status, html) = page(&officer, app, &format!("/reports/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Public fact about arrests"));
    assert!(
        !html.contains("zebra")
            && !html.contains("Lindqvist")
            && !html.contains("Confidential ministry")
    );
    assert!(html.contains("1 SBU paragraph(s) withheld"));
    assert!(html.contains(">UNCLASSIFIED<"), "the page's banner");
    // Nor may they sign off on, or replace, text they cannot see.
    let v = r["version"].as_i64().unwrap();
    assert_eq!(act(&officer, app, id, v, "submit").await.status(), 403);
    assert_eq!(
        put(&officer, app, &format!("/api/v1/reports/{id}"), v, &body)
            .await
            .status(),
        403
    );
    assert_eq!(
        page(&officer, app, &format!("/reports/{id}/edit")).await.0,
        403
    );
    // The editor's page shows everything, under an SBU banner.
    let (_, html) = page(&app.client, app, &format!("/reports/{id}")).await;
    assert!(
        html.contains("Sensitive zebra fact") && html.contains("Confidential ministry briefing")
    );
    assert!(
        html.contains("class=\"banner banner-SBU\""),
        "the page's banner"
    );
}

async fn a_retracted_source_flags_the_report_its_builds_and_compliance(app: &TestApp) {
    let src = app.seed().await;
    let other_src = app.seed().await;
    let due = in_days(30);
    let tid = created(
        app.post_json(
            "/api/v1/taskings",
            &json!({"title": "Quarterly migration note", "instructions": "Keep it short.",
                    "template_key": "migration-impacts", "posts": ["berlin", "stockholm"],
                    "due": due, "recurrence": "quarterly"}),
        )
        .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut body = report_body(
        "berlin",
        vec![paragraph("p1", "fact", "U", "Arrests rose.", &[src])],
    );
    body["tasking_id"] = json!(tid);
    body["due"] = json!(due);
    let id = created(app.post_json("/api/v1/reports", &body).await).await["id"]
        .as_i64()
        .unwrap();
    let bid = created(
        app.post_json(&format!("/api/v1/reports/{id}/builds"), &json!({}))
            .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let r = get_json(&app.client, app, &format!("/api/v1/reports/{id}")).await;
    assert_eq!(r["flags"], json!([]));

    // The source is retracted.
    let s = get_json(&app.client, app, &format!("/api/v1/sources/{src}")).await;
    let mut retracted = source_json("Seed source");
    retracted["status"] = json!("retracted");
    retracted["status_reason"] = json!("The court withdrew the judgment.");
    json_ok(
        put(
            &app.client,
            app,
            &format!("/api/v1/sources/{src}"),
            s["version"].as_i64().unwrap(),
            &retracted,
        )
        .await,
    )
    .await;

    // The report, its build and the compliance table say so.
    let r = get_json(&app.client, app, &format!("/api/v1/reports/{id}")).await;
    let flags: Vec<String> = r["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    assert!(
        flags.contains(&format!("source {src} (cited in p1) has been retracted")),
        "{flags:?}"
    );
    assert!(
        flags.contains(&format!(
            "build {bid}: source {src} has been retracted since it was cited"
        )),
        "{flags:?}"
    );
    let builds = get_json(&app.client, app, &format!("/api/v1/reports/{id}/builds")).await;
    assert_eq!(builds["items"][0]["id"], json!(bid));
    assert_eq!(
        builds["items"][0]["flags"],
        json!([format!(
            "source {src} has been retracted since it was cited"
        )])
    );
    let rows = compliance_of(&app.client, app, tid).await;
    let berlin: Vec<&Value> = rows.iter().filter(|r| r["post"] == "berlin").collect();
    assert_eq!(berlin.len(), 1, "{rows:?}");
    assert_eq!(berlin[0]["report_id"], json!(id));
    assert!(
        !berlin[0]["flags"].as_array().unwrap().is_empty(),
        "{rows:?}"
    );
    let stockholm: Vec<&Value> = rows.iter().filter(|r| r["post"] == "stockholm").collect();
    assert_eq!(stockholm[0]["status"], "not_started");
    let (_, html) = page(&app.client, app, "/taskings").await;
    assert!(html.contains(&format!("source {src} (cited in p1) has been retracted")));
    let (_, html) = page(&app.client, app, &format!("/reports/{id}")).await;
    assert!(html.contains(&format!(
        "source {src} has been retracted since it was cited"
    )));

    // Clearance is refused while it stays cited.
    let v = r["version"].as_i64().unwrap();
    let refused = act(&app.client, app, id, v, "submit").await;
    assert_eq!(refused.status(), 422);
    let e: Value = refused.json().await.unwrap();
    assert!(
        e["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains(&format!(
                "cites source {src} (Seed source), which has been retracted"
            )),
        "{e}"
    );
    assert_eq!(e["errors"][0]["link"], format!("/reports/{id}#p1"));
    // Citing another source lifts the refusal (the old build keeps its flag).
    body["sections"][0]["paragraphs"][0]["citations"] =
        json!([{"kind": "source", "id": other_src}]);
    let r = json_ok(put(&app.client, app, &format!("/api/v1/reports/{id}"), v, &body).await).await;
    let r = json_ok(
        act(
            &app.client,
            app,
            id,
            r["version"].as_i64().unwrap(),
            "submit",
        )
        .await,
    )
    .await;
    assert_eq!(state_of(&r).0, "in_clearance");
    let r = get_json(&app.client, app, &format!("/api/v1/reports/{id}")).await;
    assert_eq!(
        r["flags"],
        json!([format!(
            "build {bid}: source {src} has been retracted since it was cited"
        )])
    );
}

async fn the_diff_between_builds_shows_the_changed_paragraph(app: &TestApp) {
    let src = app.seed().await;
    let mut body = report_body(
        "berlin",
        vec![
            paragraph("p1", "fact", "U", "Arrests rose by a tenth.", &[src]),
            paragraph("p2", "analysis", "U", "The trend is steady.", &[]),
        ],
    );
    let r = created(app.post_json("/api/v1/reports", &body).await).await;
    let id = r["id"].as_i64().unwrap();
    let b1 = created(
        app.post_json(&format!("/api/v1/reports/{id}/builds"), &json!({}))
            .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    body["sections"][0]["paragraphs"][0]["text"] = json!("Arrests rose by a fifth.");
    json_ok(put(&app.client, app, &format!("/api/v1/reports/{id}"), 1, &body).await).await;
    let b2 = created(
        app.post_json(&format!("/api/v1/reports/{id}/builds"), &json!({}))
            .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();

    let d = get_json(&app.client, app, &format!("/api/v1/builds/{b1}/diff/{b2}")).await;
    assert_eq!((d["from"].as_i64(), d["to"].as_i64()), (Some(b1), Some(b2)));
    let changes = d["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "only p1 changed: {d}");
    assert_eq!(changes[0]["paragraph"], "p1");
    assert_eq!(changes[0]["change"], "changed");
    assert_eq!(
        changes[0]["detail"],
        "text: \"Arrests rose by a tenth.\" -> \"Arrests rose by a fifth.\""
    );
    let same = get_json(&app.client, app, &format!("/api/v1/builds/{b2}/diff/{b2}")).await;
    assert_eq!(same["changes"], json!([]));

    let (status, html) = page(&app.client, app, &format!("/builds/{b1}/diff/{b2}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("<td>p1</td><td>changed</td>"), "{html}");
    assert!(html.contains("Arrests rose by a fifth."));
    assert!(!html.contains("<td>p2</td>"));
    // The report page links each build to the one before it.
    let (_, html) = page(&app.client, app, &format!("/reports/{id}")).await;
    assert!(
        html.contains(&format!("href=\"/builds/{b1}/diff/{b2}\"")),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"/builds/{b2}/pdf?public=1\"")));
    assert_eq!(
        page(&app.client, app, &format!("/builds/{b1}/diff/999999"))
            .await
            .0,
        404
    );
    assert_eq!(page(&app.client, app, "/builds/x/diff/y").await.0, 404);
}

async fn the_report_pages_work_without_javascript(app: &TestApp) {
    let src = app.seed().await.to_string();
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let reader = app.client_as("hq_reader", None, true).await;

    // The editor issues a tasking by form; a refused form keeps what was typed.
    let (status, html) = page(&app.client, app, "/taskings").await;
    assert_eq!(status, 200);
    assert!(html.contains("Issue a tasking") && html.contains("value=\"stockholm\""));
    assert!(
        html.contains("href=\"/reports\"") && html.contains("href=\"/taskings\""),
        "nav"
    );
    let r = form(
        &app.client,
        app,
        "/taskings",
        &[
            ("title", ""),
            ("instructions", "Cover the year."),
            ("topics", "arrests\narrests"),
            ("template_key", "hr-classic"),
            ("due", "2026-02-30"),
            ("recurrence", "annual"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("The tasking was not issued"));
    assert!(
        html.contains("a tasking goes to at least one post"),
        "{html}"
    );
    assert!(html.contains("topics[1]: is listed twice"), "{html}");
    assert!(html.contains("not a date"), "{html}");
    assert!(html.contains("Cover the year."), "what was typed is kept");
    let due = in_days(20);
    let r = form(
        &app.client,
        app,
        "/taskings",
        &[
            ("title", "Human rights report"),
            ("instructions", "Cover the year."),
            ("topics", "arrests\nexpulsions"),
            ("template_key", "hr-classic"),
            ("posts", "berlin"),
            ("due", &due),
            ("recurrence", "one_off"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let tasking_href = location(&r);
    assert!(tasking_href.starts_with("/taskings/"));
    let (status, html) = page(&app.client, app, &tasking_href).await;
    assert_eq!(status, 200);
    assert!(html.contains("Human rights report") && html.contains("expulsions"));
    assert!(html.contains("not_started"));
    assert!(
        !html.contains(&format!("action=\"{tasking_href}/reports\"")),
        "HQ has no start button"
    );
    let (_, html) = page(&reader, app, "/taskings").await;
    assert!(!html.contains("Issue a tasking"), "readers issue nothing");
    assert!(html.contains("Human rights report"));

    // The post officer starts the report from the tasking: a draft with the template's headings.
    let (_, html) = page(&officer, app, &tasking_href).await;
    let start = format!("action=\"{tasking_href}/reports\"");
    assert!(html.contains(&start), "{html}");
    assert!(html.contains(&format!("Start the report due {due}")));
    let r = form(&officer, app, &format!("{tasking_href}/reports"), &[]).await;
    assert_eq!(r.status(), 303);
    let edit_href = location(&r);
    assert!(edit_href.starts_with("/reports/") && edit_href.ends_with("/edit"));
    let report_href = edit_href.trim_end_matches("/edit").to_string();
    let id: i64 = report_href.trim_start_matches("/reports/").parse().unwrap();
    let (_, html) = page(&officer, app, &tasking_href).await;
    assert!(!html.contains(&start), "one report per due date");
    assert!(html.contains("drafting") && html.contains(&format!("href=\"{report_href}\"")));
    let r = form(&officer, app, &format!("{tasking_href}/reports"), &[]).await;
    assert_eq!(r.status(), 422, "no due date left");

    let (status, html) = page(&officer, app, &edit_href).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("1. Respect for the Integrity of the Person"),
        "headings"
    );
    assert!(html.contains("name=\"sections\""));
    assert!(html.contains("the next free id is p1"));
    let report = get_json(&officer, app, &format!("/api/v1/reports/{id}")).await;
    assert_eq!(report["subject"], "Human rights report");
    assert_eq!(report["due"], json!(due));
    assert_eq!(report["sections"].as_array().unwrap().len(), 8);

    // Saving: bad JSON is named beside its field, and what was typed is kept.
    let mut sections = report["sections"].clone();
    let r = form(
        &officer,
        app,
        &edit_href,
        &[
            ("subject", "Human rights report, Berlin"),
            ("tags", "PHUM"),
            ("refs", ""),
            ("captions", "SIPDIS"),
            ("sections", "[{\"heading\": \"x\", "),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"sections-error\""), "{html}");
    assert!(html.contains("is not valid JSON: line 1"), "{html}");
    assert!(
        html.contains("[{&quot;heading&quot;: &quot;x&quot;, ")
            || html.contains("[{&#34;heading&#34;: &#34;x&#34;, "),
        "{html}"
    );
    assert!(html.contains("Human rights report, Berlin"));
    // A bad member is named by its path.
    sections[0]["paragraphs"] = json!([{"id": "p1", "kind": "story", "marking": "U", "text": "x"}]);
    let text = serde_json::to_string(&sections).unwrap();
    let r = form(
        &officer,
        app,
        &edit_href,
        &[
            ("subject", "Human rights report, Berlin"),
            ("tags", "phum"),
            ("sections", &text),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("sections[0].paragraphs[0].kind: unknown paragraph kind"),
        "{html}"
    );
    assert!(html.contains("tags[0]"), "{html}");
    // A good save: a fact paragraph without a citation.
    sections[0]["paragraphs"] = json!([paragraph(
        "p1",
        "fact",
        "U",
        "Detention conditions *improved* in the year.",
        &[]
    )]);
    let text = serde_json::to_string_pretty(&sections).unwrap();
    let r = form(
        &officer,
        app,
        &edit_href,
        &[
            ("subject", "Human rights report, Berlin"),
            ("tags", "PHUM PGOV"),
            ("captions", "SIPDIS"),
            ("sections", &text),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), report_href);
    // A stale form is a conflict that keeps the typing.
    let r = form(
        &officer,
        app,
        &edit_href,
        &[
            ("subject", "Stale subject"),
            ("sections", &text),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("Someone else saved first") && html.contains("Stale subject"));

    // The report page: the preview, the problem linking to its paragraph, the actions.
    let (status, html) = page(&officer, app, &report_href).await;
    assert_eq!(status, 200);
    assert!(html.contains("class=\"report-preview\""));
    assert!(
        html.contains("Detention conditions <em>improved</em> in the year."),
        "{html}"
    );
    assert!(
        html.contains("<p id=\"p1\""),
        "the anchor the problem links to"
    );
    assert!(
        html.contains(&format!("href=\"/reports/{id}#p1\"")),
        "{html}"
    );
    assert!(html.contains("this fact paragraph states facts but cites nothing"));
    assert!(html.contains("name=\"action\" value=\"submit\""));
    assert!(
        !html.contains("value=\"publish\""),
        "a post does not publish"
    );
    assert!(html.contains("Step 1: Post reviewer (pending)"));
    assert!(html.contains(&format!(
        "href=\"/taskings/{}",
        tasking_href.trim_start_matches("/taskings/")
    )));
    // Submitting with the problem is refused on the page, with the problem listed.
    let r = form(
        &officer,
        app,
        &format!("{report_href}/actions"),
        &[("action", "submit"), ("version", "2")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Not done (Submit for clearance)") && html.contains("cites nothing"));
    // A comment on the paragraph, and a build.
    let r = form(
        &officer,
        app,
        &format!("{report_href}/comments"),
        &[("paragraph", "p1"), ("body", "Which year exactly?")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = form(
        &officer,
        app,
        &format!("{report_href}/comments"),
        &[("paragraph", "p9"), ("body", "Lost comment")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("no paragraph"));
    let r = form(&officer, app, &format!("{report_href}/builds"), &[]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&officer, app, &report_href).await;
    assert!(html.contains("Which year exactly?") && html.contains("href=\"#p1\""));
    assert!(html.contains("first build") && html.contains("/md\">Markdown</a>"));
    // With its citation, the page submits; the reviewer then sees "Clear (step 1 of 2)".
    sections[0]["paragraphs"][0]["citations"] =
        json!([{"kind": "source", "id": src.parse::<i64>().unwrap()}]);
    let text = serde_json::to_string_pretty(&sections).unwrap();
    let r = form(
        &officer,
        app,
        &edit_href,
        &[
            ("subject", "Human rights report, Berlin"),
            ("sections", &text),
            ("version", "2"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = form(
        &officer,
        app,
        &format!("{report_href}/actions"),
        &[("action", "submit"), ("version", "3")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let reviewer = app.client_as("post_reviewer", Some("berlin"), true).await;
    let (_, html) = page(&reviewer, app, &report_href).await;
    assert!(html.contains("Clear (step 1 of 2)") && html.contains("awaiting clearance"));
    assert!(html.contains("None: the report may be submitted and cleared."));
    let (_, html) = page(&reader, app, &report_href).await;
    assert!(
        !html.contains("name=\"action\"") && !html.contains("Build now"),
        "readers read"
    );
    assert_eq!(
        form(
            &reader,
            app,
            &format!("{report_href}/comments"),
            &[("paragraph", "p1"), ("body", "x")]
        )
        .await
        .status(),
        403
    );

    // The reports list.
    let (status, html) = page(&officer, app, "/reports").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("href=\"{report_href}\""))
            && html.contains("Human rights report, Berlin")
    );
    assert!(html.contains("in_clearance (step 1)"));
    let (status, _) = page(&officer, app, "/reports?post=Not%20a%20post").await;
    assert_eq!(status, 422);
    // A draft outside any tasking.
    let (status, html) = page(&officer, app, "/reports/new").await;
    assert_eq!(status, 200);
    assert!(
        !html.contains("value=\"stockholm\""),
        "a post drafts for itself"
    );
    let r = form(
        &officer,
        app,
        "/reports",
        &[
            ("post", "berlin"),
            ("template_key", "hr-2024-provisional"),
            ("subject", "A note"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = form(
        &officer,
        app,
        "/reports",
        &[
            ("post", "berlin"),
            ("template_key", "nope"),
            ("subject", "A note"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(page(&officer, app, "/reports/abc").await.0, 404);

    // Templates: the three shipped ones, the provisional one labelled.
    let (status, html) = page(&officer, app, "/templates").await;
    assert_eq!(status, 200);
    for key in ["hr-classic", "hr-2024-provisional", "migration-impacts"] {
        assert!(
            html.contains(&format!("href=\"/templates/{key}\"")),
            "{key}"
        );
    }
    assert_eq!(html.matches("<section class=\"template\">").count(), 3);
    assert!(html.contains("mark-SBU\">provisional</span>"));
    assert!(html.contains("Executive Summary (provisional)"));
    assert!(html.contains("cleared by Post reviewer, then HQ editor"));
    let (status, html) = page(&officer, app, "/templates/hr-classic").await;
    assert_eq!(status, 200);
    assert!(
        !html.contains("name=\"template\""),
        "only HQ editors edit templates"
    );
    assert_eq!(page(&officer, app, "/templates/no-such").await.0, 404);
    // HQ edits one: a bad text is named, a good one stored as HQ's copy.
    let (_, html) = page(&app.client, app, "/templates/hr-classic").await;
    assert!(html.contains("name=\"template\"") && html.contains("name=\"version\" value=\"0\""));
    let r = form(
        &app.client,
        app,
        "/templates/hr-classic",
        &[("template", "{\"key\": "), ("version", "0")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("is not valid JSON"));
    let mut t = get_json(&app.client, app, "/api/v1/templates/hr-classic").await;
    t.as_object_mut().unwrap().remove("version");
    t["title"] = json!("Country Report on Human Rights Practices (HQ edit)");
    let r = form(
        &app.client,
        app,
        "/templates/hr-classic",
        &[("template", &t.to_string()), ("version", "0")],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let (_, html) = page(&officer, app, "/templates").await;
    assert!(html.contains("(HQ edit)") && html.contains("edited by headquarters, version 1"));
    assert_eq!(
        form(
            &officer,
            app,
            "/templates/hr-classic",
            &[("template", &t.to_string()), ("version", "1")]
        )
        .await
        .status(),
        403
    );
}

/// A post cannot put another post's case into its report by id (nor into a comparison): the
/// case reads as missing, as it does everywhere else for that post, and nothing is written.
async fn a_report_cannot_cite_what_its_author_cannot_see(app: &TestApp) {
    let src = app.seed().await;
    let other = created(
        app.post_json(
            "/api/v1/cases",
            &crate::case_json("stockholm", "SE", "Stockholm's case", src),
        )
        .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let mut body = report_body(
        "berlin",
        vec![paragraph("p1", "fact", "U", "A fact.", &[src])],
    );
    body["sections"][0]["paragraphs"][0]["citations"]
        .as_array_mut()
        .unwrap()
        .push(json!({"kind": "case", "id": other}));
    body["sections"][0]["paragraphs"].as_array_mut().unwrap().push(json!({
        "id": "p2", "kind": "analysis", "marking": "SBU", "text": "",
        "block": {"kind": "case_comparison", "title": "Side by side", "cases": [other, other + 1000]}}));
    body["sections"][0]["paragraphs"]
        .as_array_mut()
        .unwrap()
        .push(json!({
        "id": "p3", "kind": "fact", "marking": "U", "text": "",
        "block": {"kind": "statistics_figure", "title": "A rate",
                  "indicator": {"indicator": "rate", "geo": "DE"}}}));
    let r = officer
        .post(app.url("/api/v1/reports"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let fields = crate::error_fields(r).await;
    assert!(
        fields.contains(&"sections[0].paragraphs[0].citations[1].id".to_string()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"sections[0].paragraphs[1].block.cases[0]".to_string()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"sections[0].paragraphs[2].block.indicator".to_string()),
        "a malformed indicator is refused on save: {fields:?}"
    );
    let listed = get_json(&officer, app, "/api/v1/reports").await;
    assert_eq!(listed["items"], json!([]), "nothing was written");
    // The HQ editor, who sees every post, may cite it.
    body["post"] = json!("berlin");
    body["sections"][0]["paragraphs"]
        .as_array_mut()
        .unwrap()
        .truncate(1);
    created(app.post_json("/api/v1/reports", &body).await).await;
}

/// A verdict overturned after a build: the case's outcomes change, and the build (and the
/// report through its latest build) is flagged, naming the case and its versions.
async fn an_overturned_verdict_flags_the_build(app: &TestApp) {
    let s1 = app.seed().await;
    let s2 = app.seed().await;
    let group = created(
        app.post_json("/api/v1/cases", &crate::cases_depth::group_case(s1, s2))
            .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut speech_body = crate::cases_depth::speech_case(s1, group);
    let speech = created(app.post_json("/api/v1/cases", &speech_body).await).await["id"]
        .as_i64()
        .unwrap();
    let body = report_body(
        "berlin",
        vec![json!({"id": "p1", "kind": "fact", "marking": "SBU",
            "text": "The two cases side by side.",
            "citations": [{"kind": "case", "id": speech}],
            "block": {"kind": "case_comparison", "title": "Side by side", "cases": [group, speech]}})],
    );
    let id = created(app.post_json("/api/v1/reports", &body).await).await["id"]
        .as_i64()
        .unwrap();
    let build = created(
        app.client
            .post(app.url(&format!("/api/v1/reports/{id}/builds")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let bid = build["id"].as_i64().unwrap();
    let (status, _, html) = bytes(&app.client, app, &format!("/api/v1/builds/{bid}/html")).await;
    assert_eq!(status, 200);
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains("Victim parties") && html.contains("The victim"),
        "internal edition"
    );
    // Handing out an internal edition with SBU paragraphs is an audited read of SBU material.
    let audit = app
        .store()
        .audit_entries(&Default::default(), 10_000)
        .await
        .unwrap();
    let reads: Vec<_> = audit
        .iter()
        .filter(|a| {
            a.action == "read"
                && a.record_type.as_deref() == Some("report_build")
                && a.record_id == Some(bid)
        })
        .collect();
    assert_eq!(reads.len(), 1, "one audited read of the build");
    assert_eq!(
        reads[0].content_hash.as_deref(),
        build["snapshot_sha256"].as_str()
    );
    // The public edition holds no SBU material: no read is logged for it.
    let (status, _, _) = bytes(
        &app.client,
        app,
        &format!("/api/v1/builds/{bid}/cable?public=1"),
    )
    .await;
    assert_eq!(status, 200);
    let after = app
        .store()
        .audit_entries(&Default::default(), 10_000)
        .await
        .unwrap();
    assert_eq!(after.len(), audit.len());
    let builds = get_json(&app.client, app, &format!("/api/v1/reports/{id}/builds")).await;
    assert_eq!(builds["items"][0]["flags"], json!([]));

    // On appeal the speech conviction is quashed: the outcome now reads acquitted.
    speech_body["outcomes"][0]["outcome"]["verdict"] = json!("acquitted");
    speech_body["outcomes"][0]["outcome"]
        .as_object_mut()
        .unwrap()
        .remove("sentence");
    let r = app
        .client
        .put(app.url(&format!("/api/v1/cases/{speech}")))
        .header("If-Match", "1")
        .json(&speech_body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let builds = get_json(&app.client, app, &format!("/api/v1/reports/{id}/builds")).await;
    let flags = builds["items"][0]["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 1, "{builds}");
    let flag = flags[0].as_str().unwrap();
    assert!(
        flag.contains(&format!("case {speech}")) && flag.contains("version 1 to 2"),
        "{flag}"
    );
    let report = get_json(&app.client, app, &format!("/api/v1/reports/{id}")).await;
    assert!(
        report["flags"].as_array().unwrap().iter().any(|f| f
            .as_str()
            .unwrap()
            .contains(&format!("build {bid}: case {speech}"))),
        "{report}"
    );
    // The group case did not change: it is not flagged.
    assert!(!flag.contains(&format!("case {group}:")));
    // The report page's preview shows both SBU cases: each is an audited read.
    let case_reads = |audit: &[chancery_store::AuditEntry], case: i64| {
        audit
            .iter()
            .filter(|a| {
                a.action == "read"
                    && a.record_type.as_deref() == Some("case")
                    && a.record_id == Some(case)
            })
            .count()
    };
    let before = app
        .store()
        .audit_entries(&Default::default(), 10_000)
        .await
        .unwrap();
    let (status, _) = page(&app.client, app, &format!("/reports/{id}")).await;
    assert_eq!(status, 200);
    let after = app
        .store()
        .audit_entries(&Default::default(), 10_000)
        .await
        .unwrap();
    for case in [group, speech] {
        assert_eq!(
            case_reads(&after, case),
            case_reads(&before, case) + 1,
            "case {case} read through the preview is audited"
        );
    }
}

// ---------------------------------------------------------------- the paragraph editor

/// A draft at berlin with two sections ("Crime trends" holding `p1`, "Comment" empty), made by
/// `client`; returns its id.
async fn two_section_report(client: &reqwest::Client, app: &TestApp, p1: Value) -> i64 {
    let body = json!({"post": "berlin", "template_key": "migration-impacts",
        "subject": "Paragraph editor", "tags": ["SMIG"],
        "sections": [{"heading": "Crime trends", "paragraphs": [p1]},
                     {"heading": "Comment", "paragraphs": []}]});
    let r = created(
        client
            .post(app.url("/api/v1/reports"))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r["id"].as_i64().unwrap()
}

/// The ids of each section's paragraphs, as the API gives them.
fn paragraph_ids(report: &Value) -> Vec<Vec<String>> {
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s["paragraphs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

/// The paragraph form's fields.
fn paragraph_form<'a>(
    kind: &'a str,
    text: &'a str,
    citations: &'a str,
    version: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", kind),
        ("marking", "U"),
        ("text", text),
        ("citations", citations),
        ("block", ""),
        ("version", version),
    ]
}

async fn the_paragraph_editor_adds_edits_moves_and_deletes(app: &TestApp) {
    let src = app.seed().await;
    let case = created(
        app.post_json(
            "/api/v1/cases",
            &crate::case_json("berlin", "DE", "A cited case", src),
        )
        .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let reader = app.client_as("hq_reader", None, true).await;
    let id = two_section_report(
        &officer,
        app,
        json!({"id": "p1", "kind": "analysis", "marking": "U", "text": "The first paragraph."}),
    )
    .await;
    let href = format!("/reports/{id}");
    let api = format!("/api/v1/reports/{id}");

    // The report page lists the paragraphs with their controls, for those who may edit.
    let (status, html) = page(&officer, app, &href).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"paragraphs\""), "{html}");
    assert!(
        html.contains(&format!("href=\"{href}/paragraphs/p1\"")),
        "{html}"
    );
    assert!(html.contains(&format!("action=\"{href}/paragraphs/p1/move\"")));
    assert!(html.contains(&format!("action=\"{href}/paragraphs/p1/delete\"")));
    assert!(html.contains(&format!("href=\"{href}/sections/1/paragraphs/new\"")));
    assert!(html.contains(&format!("href=\"{href}/history\"")));
    let (_, html) = page(&reader, app, &href).await;
    assert!(
        !html.contains(&format!("{href}/paragraphs/p1/delete")),
        "a reader edits nothing"
    );
    let (status, _) = page(&reader, app, &format!("{href}/paragraphs/p1")).await;
    assert_eq!(status, 403);

    // The new-paragraph form shows the section's template guidance and the block examples.
    let new_href = format!("{href}/sections/0/paragraphs/new");
    let (status, html) = page(&officer, app, &new_href).await;
    assert_eq!(status, 200);
    assert!(html.contains("Section: Crime trends"), "{html}");
    assert!(
        html.contains("Statistics caveats, binding"),
        "the guidance: {html}"
    );
    assert!(html.contains("name=\"citations\"") && html.contains("case_comparison"));
    assert!(
        html.contains("Paragraph <strong>p2</strong>"),
        "the next free id"
    );
    let (status, _) = page(&officer, app, &format!("{href}/sections/7/paragraphs/new")).await;
    assert_eq!(status, 404);

    // Added through the form, at the end of its section.
    let cite = format!("source:{src}");
    let r = form(
        &officer,
        app,
        &new_href,
        &paragraph_form("fact", "Recorded arrests rose.", &cite, "1"),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(location(&r), format!("{href}#p2"));
    let report = get_json(&officer, app, &api).await;
    assert_eq!(report["version"], 2);
    assert_eq!(paragraph_ids(&report), vec![vec!["p1", "p2"], vec![]]);
    let p2 = &report["sections"][0]["paragraphs"][1];
    assert_eq!(p2["kind"], "fact");
    assert_eq!(p2["text"], "Recorded arrests rose.");
    assert_eq!(p2["citations"], json!([{"kind": "source", "id": src}]));

    // Edited: the form shows it as stored; text and citations (comma or space separated) saved.
    let (status, html) = page(&officer, app, &format!("{href}/paragraphs/p2")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Recorded arrests rose.") && html.contains(&format!("value=\"{cite}\"")));
    let cites = format!("source:{src}, case:{case}");
    let r = form(
        &officer,
        app,
        &format!("{href}/paragraphs/p2"),
        &paragraph_form("fact", "Recorded arrests rose by a tenth.", &cites, "2"),
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{href}#p2"));
    let report = get_json(&officer, app, &api).await;
    assert_eq!(report["version"], 3);
    let p2 = &report["sections"][0]["paragraphs"][1];
    assert_eq!(p2["text"], "Recorded arrests rose by a tenth.");
    assert_eq!(
        p2["citations"],
        json!([{"kind": "source", "id": src}, {"kind": "case", "id": case}])
    );

    // Moved up, then up again past the report's start: refused, nothing written.
    let move_href = format!("{href}/paragraphs/p2/move");
    let r = form(
        &officer,
        app,
        &move_href,
        &[("direction", "up"), ("version", "3")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{href}#edit-p2"));
    let report = get_json(&officer, app, &api).await;
    assert_eq!(paragraph_ids(&report), vec![vec!["p2", "p1"], vec![]]);
    assert_eq!(report["version"], 4);
    let r = form(
        &officer,
        app,
        &move_href,
        &[("direction", "up"), ("version", "4")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("already the first paragraph")
    );
    // Down past the section's end: to the start of the next section.
    let r = form(
        &officer,
        app,
        &format!("{href}/paragraphs/p1/move"),
        &[("direction", "down"), ("version", "4")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let report = get_json(&officer, app, &api).await;
    assert_eq!(paragraph_ids(&report), vec![vec!["p2"], vec!["p1"]]);
    assert_eq!(report["version"], 5);

    // A stale form changes nothing.
    let delete_href = format!("{href}/paragraphs/p1/delete");
    let r = form(&officer, app, &delete_href, &[("version", "4")]).await;
    assert_eq!(r.status(), 409);
    assert_eq!(get_json(&officer, app, &api).await["version"], 5);

    // Deleted.
    let r = form(&officer, app, &delete_href, &[("version", "5")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{href}#paragraphs"));
    let report = get_json(&officer, app, &api).await;
    assert_eq!(paragraph_ids(&report), vec![vec!["p2"], vec![]]);
    assert_eq!(report["version"], 6);
    let (status, _) = page(&officer, app, &format!("{href}/paragraphs/p1")).await;
    assert_eq!(status, 404, "a deleted paragraph has no form");
    // The JSON form stays as the fallback for everything.
    let (status, html) = page(&officer, app, &format!("{href}/edit")).await;
    assert_eq!(status, 200);
    assert!(html.contains("the next free id is p3"), "{html}");
}

async fn a_bad_paragraph_form_names_the_citations_field_and_writes_nothing(app: &TestApp) {
    let src = app.seed().await;
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let id = two_section_report(
        &officer,
        app,
        json!({"id": "p1", "kind": "fact", "marking": "U", "text": "A cited fact.",
               "citations": [{"kind": "source", "id": src}]}),
    )
    .await;
    let href = format!("/reports/{id}");
    let api = format!("/api/v1/reports/{id}");

    // A token of an unknown kind: named at the citations field; the typing is kept.
    let r = form(
        &officer,
        app,
        &format!("{href}/paragraphs/p1"),
        &paragraph_form("fact", "A changed fact.", "sauce:3", "1"),
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"citations-error\""), "{html}");
    let at_field = html
        .split("id=\"citations-error\">")
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap();
    assert!(
        at_field.contains("sauce:3") && at_field.contains("is not a kind of record"),
        "{at_field}"
    );
    assert!(html.contains("A changed fact."), "what was typed is kept");
    assert!(html.contains("value=\"sauce:3\""));
    // A malformed token too.
    let r = form(
        &officer,
        app,
        &format!("{href}/paragraphs/p1"),
        &paragraph_form("fact", "A changed fact.", "source:x", "1"),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("is not a record id"));

    // An id that does not exist: the store's refusal comes back at the field, naming the token.
    let r = form(
        &officer,
        app,
        &format!("{href}/paragraphs/p1"),
        &paragraph_form("fact", "A changed fact.", "source:999999", "1"),
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let at_field = html
        .split("id=\"citations-error\">")
        .nth(1)
        .unwrap_or_else(|| panic!("{html}"))
        .split("</p>")
        .next()
        .unwrap();
    assert!(
        at_field.contains("source:999999") && at_field.contains("no source with id 999999"),
        "{at_field}"
    );
    // The same for a new paragraph, and for bad block JSON beside the block field.
    let r = form(
        &officer,
        app,
        &format!("{href}/sections/1/paragraphs/new"),
        &paragraph_form("comment", "A new comment.", "sauce:3", "1"),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"citations-error\""));
    let mut fields = paragraph_form("comment", "", "", "1");
    fields.retain(|(k, _)| *k != "block");
    fields.push(("block", "{\"kind\": \"case_table\""));
    let r = form(
        &officer,
        app,
        &format!("{href}/sections/1/paragraphs/new"),
        &fields,
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"block-error\"") && html.contains("is not valid JSON"),
        "{html}"
    );

    // Nothing was written.
    let report = get_json(&officer, app, &api).await;
    assert_eq!(report["version"], 1);
    assert_eq!(
        report["sections"][0]["paragraphs"][0]["text"],
        "A cited fact."
    );
    assert_eq!(paragraph_ids(&report), vec![vec!["p1"], vec![]]);
}

async fn a_paragraph_edit_in_clearance_returns_the_report_to_draft(app: &TestApp) {
    let src = app.seed().await;
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let id = two_section_report(
        &officer,
        app,
        json!({"id": "p1", "kind": "fact", "marking": "U", "text": "A cited fact.",
               "citations": [{"kind": "source", "id": src}]}),
    )
    .await;
    let r = json_ok(act(&officer, app, id, 1, "submit").await).await;
    assert_eq!(state_of(&r), ("in_clearance".into(), Some(0)));
    let cite = format!("source:{src}");
    let r = form(
        &officer,
        app,
        &format!("/reports/{id}/paragraphs/p1"),
        &paragraph_form("fact", "A cited fact, reworded.", &cite, "2"),
    )
    .await;
    assert_eq!(r.status(), 303);
    let report = get_json(&officer, app, &format!("/api/v1/reports/{id}")).await;
    assert_eq!(state_of(&report), ("draft".into(), None));
    assert_eq!(report["version"], 3);
    assert_eq!(
        report["sections"][0]["paragraphs"][0]["text"],
        "A cited fact, reworded."
    );
}

// ---------------------------------------------------------------- the history page

async fn the_history_page_lists_versions_authors_and_changes(app: &TestApp) {
    let src = app.seed().await;
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let reviewer = app.client_as("post_reviewer", Some("berlin"), true).await;
    let id = two_section_report(
        &officer,
        app,
        json!({"id": "p1", "kind": "fact", "marking": "U", "text": "A cited fact.",
               "citations": [{"kind": "source", "id": src}]}),
    )
    .await;
    let cite = format!("source:{src}");
    let r = form(
        &officer,
        app,
        &format!("/reports/{id}/paragraphs/p1"),
        &paragraph_form("fact", "A cited fact, reworded.", &cite, "1"),
    )
    .await;
    assert_eq!(r.status(), 303);
    json_ok(act(&officer, app, id, 2, "submit").await).await;
    json_ok(act(&reviewer, app, id, 3, "clear").await).await;
    let report = get_json(&officer, app, &format!("/api/v1/reports/{id}")).await;
    let officer_name = report["created_by"]["name"].as_str().unwrap().to_string();
    let reviewer_name = report["updated_by"]["name"].as_str().unwrap().to_string();
    assert_ne!(officer_name, reviewer_name);

    let (status, html) = page(&reviewer, app, &format!("/reports/{id}/history")).await;
    assert_eq!(status, 200);
    let row = |v: i64| -> String {
        html.split(&format!("<tr id=\"v{v}\">"))
            .nth(1)
            .unwrap_or_else(|| panic!("no row for version {v}: {html}"))
            .split("</tr>")
            .next()
            .unwrap()
            .to_string()
    };
    let v1 = row(1);
    assert!(
        v1.contains("created") && v1.contains(&officer_name) && v1.contains("draft"),
        "{v1}"
    );
    let v2 = row(2);
    assert!(
        v2.contains("edited: p1 text") && v2.contains(&officer_name),
        "{v2}"
    );
    let v3 = row(3);
    assert!(
        v3.contains("submitted") && v3.contains("in clearance: step 1 of 2"),
        "{v3}"
    );
    let v4 = row(4);
    assert!(
        v4.contains("cleared step 1") && v4.contains(&reviewer_name),
        "{v4}"
    );
    assert!(v4.contains("in clearance: step 2 of 2"), "{v4}");
    // Newest first.
    let at = |v: i64| html.find(&format!("<tr id=\"v{v}\">")).unwrap();
    assert!(at(4) < at(3) && at(3) < at(2) && at(2) < at(1));
    // An edit in clearance says so; added, moved and removed paragraphs are named.
    let r = form(
        &officer,
        app,
        &format!("/reports/{id}/sections/1/paragraphs/new"),
        &paragraph_form("comment", "The post's view.", "", "4"),
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = form(
        &officer,
        app,
        &format!("/reports/{id}/paragraphs/p2/move"),
        &[("direction", "up"), ("version", "5")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = form(
        &officer,
        app,
        &format!("/reports/{id}/paragraphs/p1/delete"),
        &[("version", "6")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&officer, app, &format!("/reports/{id}/history")).await;
    assert!(
        html.contains("edited: p2 added; returned to draft"),
        "{html}"
    );
    assert!(html.contains("edited: p2 moved"), "{html}");
    assert!(html.contains("edited: p1 removed"), "{html}");
    // The report page links to it.
    let (_, html) = page(&officer, app, &format!("/reports/{id}")).await;
    assert!(html.contains(&format!("href=\"/reports/{id}/history\"")));
    let (status, _) = page(&officer, app, "/reports/999999/history").await;
    assert_eq!(status, 404);
}

async fn the_history_page_hides_sbu_paragraphs_without_sbu_access(app: &TestApp) {
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let no_sbu = app.client_as("post_officer", Some("berlin"), false).await;
    let id = two_section_report(
        &officer,
        app,
        json!({"id": "p1", "kind": "analysis", "marking": "U", "text": "An open paragraph."}),
    )
    .await;
    let r = form(
        &officer,
        app,
        &format!("/reports/{id}/sections/1/paragraphs/new"),
        &[
            ("kind", "comment"),
            ("marking", "SBU"),
            ("text", "The quokka channel is sensitive."),
            ("citations", ""),
            ("block", ""),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = form(
        &officer,
        app,
        &format!("/reports/{id}/paragraphs/p2"),
        &[
            ("kind", "comment"),
            ("marking", "SBU"),
            ("text", "The quokka channel is very sensitive."),
            ("citations", ""),
            ("block", ""),
            ("version", "2"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);

    let (status, html) = page(&officer, app, &format!("/reports/{id}/history")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("edited: p2 added") && html.contains("edited: p2 text"),
        "{html}"
    );
    assert!(html.contains("banner-SBU"), "it names an SBU paragraph");

    let (status, html) = page(&no_sbu, app, &format!("/reports/{id}/history")).await;
    assert_eq!(status, 200);
    assert!(!html.contains("quokka"), "{html}");
    assert!(
        !html.contains("p2 added") && !html.contains("p2 text"),
        "{html}"
    );
    assert!(html.contains("SBU paragraph(s) withheld"), "{html}");
    assert!(!html.contains("banner-SBU"));
    // Nor does its JSON twin show it.
    let (_, json_text) = page(&no_sbu, app, &format!("/api/v1/reports/{id}/history")).await;
    assert!(!json_text.contains("quokka"));
    // And the paragraph editor is not theirs: the report holds SBU text they cannot see.
    let (status, _) = page(&no_sbu, app, &format!("/reports/{id}/paragraphs/p1")).await;
    assert_eq!(status, 403);
}
