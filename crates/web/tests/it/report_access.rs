//! The access findings of the hostile review (issue 11), each a test named after its attack:
//! what a reader without SBU access, or a post user, could learn about material they may not
//! see through the reports API, comments, flags, links and the quote check.

use crate::{TestApp, case_json, source_json};
use serde_json::{Value, json};

crate::on_both_backends!(
    a_u_paragraph_citing_an_sbu_case_is_withheld_from_a_reader_without_sbu_access,
    comments_on_a_deleted_sbu_paragraph_stay_withheld,
    build_flags_do_not_tell_a_reader_about_a_case_they_cannot_see,
    a_link_to_another_posts_case_is_answered_like_an_unknown_id,
    the_quote_check_is_no_oracle_on_a_source_the_user_cannot_see,
    cable_injection_through_header_fields_is_refused_naming_the_field,
);

async fn created(r: reqwest::Response) -> i64 {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

async fn text_of(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn report(paragraphs: Vec<Value>) -> Value {
    json!({"post": "berlin", "template_key": "migration-impacts", "subject": "Migration impacts",
           "tags": ["SMIG"], "sections": [{"heading": "Crime and justice", "paragraphs": paragraphs}]})
}

/// Two SBU cases and a U case in Berlin.
async fn cases(app: &TestApp) -> (i64, i64, i64) {
    let src = app.seed().await;
    let a = created(
        app.post_json(
            "/api/v1/cases",
            &case_json("berlin", "DE", "Quokka harbour assault", src),
        )
        .await,
    )
    .await;
    let b = created(
        app.post_json(
            "/api/v1/cases",
            &case_json("berlin", "DE", "Wombat station robbery", src),
        )
        .await,
    )
    .await;
    let mut u = case_json("berlin", "DE", "Public square case", src);
    u["marking"] = json!("U");
    let u = created(app.post_json("/api/v1/cases", &u).await).await;
    (a, b, u)
}

/// The finding: a paragraph typed `U` that cites SBU case 4 and compares cases 4 and 5 was
/// returned in full to `hq.reader` by `GET /api/v1/reports/1`, the list and the history.
async fn a_u_paragraph_citing_an_sbu_case_is_withheld_from_a_reader_without_sbu_access(
    app: &TestApp,
) {
    let (a, b, u) = cases(app).await;
    let body = report(vec![
        json!({"id": "p1", "kind": "fact", "marking": "U", "text": "Public paragraph on the square.",
               "citations": [{"kind": "case", "id": u}]}),
        json!({"id": "p2", "kind": "fact", "marking": "U", "text": "Platypus detail of the assault.",
               "citations": [{"kind": "case", "id": a}],
               "block": {"kind": "case_comparison", "title": "Side by side", "cases": [a, b]}}),
    ]);
    let id = created(app.post_json("/api/v1/reports", &body).await).await;
    let reader = app.client_as("hq_reader", None, false).await;
    for path in [
        format!("/api/v1/reports/{id}"),
        "/api/v1/reports".to_string(),
        format!("/api/v1/reports/{id}/history"),
        format!("/reports/{id}"),
        format!("/reports/{id}/history"),
        "/reports".to_string(),
    ] {
        let (status, text) = text_of(&reader, app, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!text.contains("Platypus"), "{path} shows the SBU paragraph");
        assert!(
            !text.contains("Quokka") && !text.contains("Wombat"),
            "{path}"
        );
    }
    let (_, text) = text_of(&reader, app, &format!("/api/v1/reports/{id}")).await;
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["withheld_paragraphs"], json!(["p2"]), "{v}");
    assert!(text.contains("Public paragraph on the square"));
    // A cleared reader sees both, and the paragraph's own marking is still the typed one.
    let cleared = app.client_as("hq_reader", None, true).await;
    let (_, text) = text_of(&cleared, app, &format!("/api/v1/reports/{id}")).await;
    assert!(text.contains("Platypus"), "{text}");
    // Raising the U case to SBU later withholds the paragraph that cites it, too.
    let current: Value = app
        .get(&format!("/api/v1/cases/{u}"))
        .await
        .json()
        .await
        .unwrap();
    let mut next = current.clone();
    for k in [
        "id",
        "version",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "content_hash",
        "flags",
    ] {
        next.as_object_mut().unwrap().remove(k);
    }
    next["marking"] = json!("SBU");
    next["summary_marking"] = json!("SBU");
    let version = format!("\"{}\"", current["version"]);
    let r = app
        .put_json(&format!("/api/v1/cases/{u}"), Some(&version), &next)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let (_, text) = text_of(&reader, app, &format!("/api/v1/reports/{id}")).await;
    assert!(!text.contains("Public paragraph on the square"), "{text}");
}

/// The finding: comments on an SBU paragraph became visible to the reader once the paragraph
/// was deleted, in the API and on the report page.
async fn comments_on_a_deleted_sbu_paragraph_stay_withheld(app: &TestApp) {
    let (a, _, _) = cases(app).await;
    let src = app.seed().await;
    let body = report(vec![
        json!({"id": "p1", "kind": "fact", "marking": "U", "text": "Public fact.",
               "citations": [{"kind": "source", "id": src}]}),
        json!({"id": "p2", "kind": "fact", "marking": "U", "text": "Cites the SBU case.",
               "citations": [{"kind": "case", "id": a}]}),
    ]);
    let id = created(app.post_json("/api/v1/reports", &body).await).await;
    let r = app
        .post_json(
            &format!("/api/v1/reports/{id}/comments"),
            &json!({"paragraph": "p2", "body": "Echidna remark on the sensitive case."}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = app
        .post_json(
            &format!("/api/v1/reports/{id}/comments"),
            &json!({"paragraph": "p1", "body": "A public remark."}),
        )
        .await;
    assert_eq!(r.status(), 201);
    // The SBU paragraph is deleted.
    let mut next = report(vec![
        json!({"id": "p1", "kind": "fact", "marking": "U", "text": "Public fact.",
               "citations": [{"kind": "source", "id": src}]}),
    ]);
    next["state"] = json!({"state": "draft"});
    let r = app
        .put_json(&format!("/api/v1/reports/{id}"), Some("\"1\""), &next)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let reader = app.client_as("hq_reader", None, false).await;
    for path in [
        format!("/api/v1/reports/{id}/comments"),
        format!("/reports/{id}"),
    ] {
        let (status, text) = text_of(&reader, app, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!text.contains("Echidna"), "{path}: {text}");
        assert!(text.contains("A public remark"), "{path}");
    }
    let cleared = app.client_as("hq_reader", None, true).await;
    let (_, text) = text_of(&cleared, app, &format!("/api/v1/reports/{id}/comments")).await;
    assert!(text.contains("Echidna"), "a cleared reader still sees it");
}

/// The finding: build and compliance flags told the reader "case 4: its outcomes changed".
async fn build_flags_do_not_tell_a_reader_about_a_case_they_cannot_see(app: &TestApp) {
    let s1 = app.seed().await;
    let s2 = app.seed().await;
    let group = created(
        app.post_json("/api/v1/cases", &crate::cases_depth::group_case(s1, s2))
            .await,
    )
    .await;
    let mut speech_body = crate::cases_depth::speech_case(s1, group);
    speech_body["marking"] = json!("SBU");
    let speech = created(app.post_json("/api/v1/cases", &speech_body).await).await;
    let src = app.seed().await;
    let body = report(vec![
        json!({"id": "p1", "kind": "fact", "marking": "U", "text": "Public fact.",
               "citations": [{"kind": "source", "id": src}]}),
        json!({"id": "p2", "kind": "fact", "marking": "SBU", "text": "The speech case.",
               "citations": [{"kind": "case", "id": speech}]}),
    ]);
    let id = created(app.post_json("/api/v1/reports", &body).await).await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/reports/{id}/builds")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // On appeal the outcome changes: the build is flagged for those who may see the case.
    let current: Value = app
        .get(&format!("/api/v1/cases/{speech}"))
        .await
        .json()
        .await
        .unwrap();
    speech_body["outcomes"][0]["outcome"]["verdict"] = json!("acquitted");
    speech_body["outcomes"][0]["outcome"]
        .as_object_mut()
        .unwrap()
        .remove("sentence");
    let version = format!("\"{}\"", current["version"]);
    let r = app
        .put_json(
            &format!("/api/v1/cases/{speech}"),
            Some(&version),
            &speech_body,
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let needle = format!("case {speech}");
    let (_, text) = text_of(&app.client, app, &format!("/api/v1/reports/{id}/builds")).await;
    assert!(text.contains(&needle), "the cleared editor is told: {text}");
    let reader = app.client_as("hq_reader", None, false).await;
    for path in [
        format!("/api/v1/reports/{id}/builds"),
        format!("/api/v1/reports/{id}"),
        format!("/reports/{id}"),
        "/api/v1/compliance".to_string(),
    ] {
        let (status, text) = text_of(&reader, app, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!text.contains(&needle), "{path} names the SBU case: {text}");
    }
}

/// The finding: a Berlin officer creating a case that links to another post's case id got
/// 201, while an unknown id got 422, which confirmed that the other post's case exists.
async fn a_link_to_another_posts_case_is_answered_like_an_unknown_id(app: &TestApp) {
    let src = app.seed().await;
    let stockholm = created(
        app.post_json(
            "/api/v1/cases",
            &case_json("stockholm", "SE", "Stockholm case", src),
        )
        .await,
    )
    .await;
    let unknown = stockholm + 1000;
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let mut answers = Vec::new();
    for target in [stockholm, unknown] {
        let mut body = case_json("berlin", "DE", "Berlin case", src);
        body["links"] = json!([{"case_id": target, "relation": "related"}]);
        let r = officer
            .post(app.url("/api/v1/cases"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap().replace(&target.to_string(), "ID");
        answers.push((status, text));
    }
    assert_eq!(answers[0].0, 422, "{}", answers[0].1);
    assert_eq!(
        answers[0], answers[1],
        "the same answer for hidden and unknown"
    );
}

/// The finding: the quote check read a source's archived text without asking whether the user
/// may see the source, so a quote's acceptance told a user without SBU access what an SBU
/// document says.
async fn the_quote_check_is_no_oracle_on_a_source_the_user_cannot_see(app: &TestApp) {
    let mut s = source_json("Confidential briefing");
    s["marking"] = json!("SBU");
    let sbu = created(app.post_json("/api/v1/sources", &s).await).await;
    let r = app
        .post_json(
            &format!("/api/v1/sources/{sbu}/archives"),
            &json!({"text": "The minister said the programme would end in March."}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let officer = app.client_as("post_officer", Some("berlin"), false).await;
    let mut answers = Vec::new();
    for quote in [
        "the programme would end in March",
        "the programme would continue",
    ] {
        let mut body = case_json("berlin", "DE", "Berlin case", sbu);
        body["marking"] = json!("U");
        body["citations"] = json!([{"source_id": sbu, "quote": quote}]);
        let r = officer
            .post(app.url("/api/v1/cases"))
            .json(&body)
            .send()
            .await
            .unwrap();
        answers.push((r.status().as_u16(), r.text().await.unwrap()));
    }
    assert_eq!(answers[0].0, 422, "{}", answers[0].1);
    assert_eq!(answers[0], answers[1]);
    assert!(
        answers[0].1.contains(&format!("no source with id {sbu}")),
        "{}",
        answers[0].1
    );
}

/// The finding (issue 12): a subject, caption or reference holding line breaks printed, in the
/// cable of an SBU build, a fake `UNCLASSIFIED` line, a fake numbered paragraph and a fake
/// Sources entry. Such a field is refused on save, naming it, and nothing is written.
async fn cable_injection_through_header_fields_is_refused_naming_the_field(app: &TestApp) {
    let src = app.seed().await;
    let para = json!({"id": "p1", "kind": "fact", "marking": "U", "text": "A fact.",
                      "citations": [{"kind": "source", "id": src}]});
    for (field, path, value) in [
        (
            "subject",
            "subject",
            json!("Harmless\nUNCLASSIFIED\n1. Fake paragraph"),
        ),
        ("captions", "captions[0]", json!(["SBU\r\nUNCLASSIFIED"])),
        ("refs", "refs[0]", json!(["A\nSources: fake"])),
        ("subject", "subject", json!("Tab\tseparated")),
    ] {
        let mut body = report(vec![para.clone()]);
        body[field] = value;
        let r = app.post_json("/api/v1/reports", &body).await;
        assert_eq!(r.status(), 422, "{field}");
        let fields = crate::error_fields(r).await;
        assert_eq!(fields, vec![path.to_string()], "{field}");
    }
    let (_, list) = text_of(&app.client, app, "/api/v1/reports").await;
    assert_eq!(
        serde_json::from_str::<Value>(&list).unwrap()["items"],
        json!([])
    );
}
