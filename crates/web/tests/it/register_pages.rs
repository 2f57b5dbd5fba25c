//! The pages of the policy register and of engagements, and the archived copies on a source's
//! page, spoken to as a browser without JavaScript would: links, GET forms and form posts.

use crate::{TestApp, source_json};
use serde_json::{Value, json};

crate::on_both_backends!(
    policy_page_shows_the_version_in_force_on_a_day_and_the_posts_assessment,
    engagement_pages_show_the_record_and_hide_sbu_from_readers_without_access,
    pasted_text_is_archived_through_the_source_page_form,
    source_page_shows_status_and_reliability,
);

async fn created(r: reqwest::Response) -> i64 {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn policy_page_shows_the_version_in_force_on_a_day_and_the_posts_assessment(app: &TestApp) {
    let src = app.seed().await;
    let mut case = crate::case_json("stockholm", "SE", "Linked expulsion case", src);
    case["marking"] = json!("U");
    let case_id = created(app.post_json("/api/v1/cases", &case).await).await;
    let policy = json!({"post": "stockholm", "country": "SE", "kind": "law",
        "area": "expulsion_thresholds", "title": "Expulsion of refugees on account of crime",
        "marking": "U",
        "versions": [
            {"label": "Before the 2022 amendment", "valid_from": "2010-01-01", "valid_to": "2022-06-30",
             "summary": "Older wording.", "citations": [{"source_id": src, "page": "12", "paragraph": "4",
             "quote": "an exact quote"}]},
            {"label": "Particularly serious crime test", "valid_from": "2022-07-01",
             "summary": "Expulsion only for a particularly serious crime.", "citations": [{"source_id": src}]}],
        "assessment": "The post reads the test narrowly.", "linked_cases": [case_id]});
    let id = created(app.post_json("/api/v1/policies", &policy).await).await;

    // The list, with its filters.
    let (status, html) = page(&app.client, app, "/policies").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("href=\"/policies/{id}\"")));
    assert!(
        html.contains("Particularly serious crime test"),
        "in force today"
    );
    assert!(
        html.contains("href=\"/policies\""),
        "the navigation links here"
    );
    assert!(html.contains("href=\"/engagements\""));
    let (_, html) = page(&app.client, app, "/policies?country=DE").await;
    assert!(!html.contains(&format!("href=\"/policies/{id}\"")));
    let (_, html) = page(
        &app.client,
        app,
        "/policies?post=stockholm&area=expulsion_thresholds",
    )
    .await;
    assert!(html.contains(&format!("href=\"/policies/{id}\"")));
    let (status, html) = page(&app.client, app, "/policies?area=weather").await;
    assert_eq!(status, 422);
    assert!(html.contains("unknown policy area"));
    let (status, _) = page(&app.client, app, "/policies?country=XX").await;
    assert_eq!(status, 422);

    // The view: every version, today's, the assessment labelled as the post's, links, citations.
    let (status, html) = page(&app.client, app, &format!("/policies/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Before the 2022 amendment") && html.contains("2022-06-30"));
    assert!(html.contains("in force today"));
    assert!(
        !html.contains("<mark>"),
        "no day asked, nothing highlighted"
    );
    assert!(html.contains("Post's assessment"));
    assert!(html.contains("not a finding"));
    assert!(html.contains("The post reads the test narrowly."));
    assert!(
        html.contains(&format!("href=\"/cases/{case_id}\""))
            && html.contains("Linked expulsion case")
    );
    assert!(html.contains("p. 12, para. 4") && html.contains("an exact quote"));
    assert!(html.contains(&format!("href=\"/sources/{src}\"")));
    assert!(
        html.contains(">UNCLASSIFIED<"),
        "U policy, U case, U source: U banner"
    );

    // In force on a given day.
    let (status, html) = page(&app.client, app, &format!("/policies/{id}?date=2015-03-01")).await;
    assert_eq!(status, 200);
    assert!(html.contains(
        "On 2015-03-01 the version in force was \u{201c}Before the 2022 amendment\u{201d}"
    ));
    assert!(html.contains("<mark>Before the 2022 amendment</mark>"));
    assert!(!html.contains("<mark>Particularly serious crime test</mark>"));
    assert!(
        html.contains("value=\"2015-03-01\""),
        "the day asked stays in the form"
    );
    let (_, html) = page(&app.client, app, &format!("/policies/{id}?date=2023-01-01")).await;
    assert!(html.contains("<mark>Particularly serious crime test</mark>"));
    let (_, html) = page(&app.client, app, &format!("/policies/{id}?date=1999-12-31")).await;
    assert!(html.contains("No version of this policy was in force on 1999-12-31"));

    // A bad day is a message on the page, not a failure.
    for bad in ["2015-13-45", "yesterday", "%FF%FE", "2015-02-30"] {
        let (status, html) = page(&app.client, app, &format!("/policies/{id}?date={bad}")).await;
        assert_eq!(status, 422, "{bad}");
        assert!(html.contains("id=\"date-error\""), "{bad}");
        assert!(
            html.contains("Expulsion of refugees on account of crime"),
            "{bad}"
        );
    }

    // History, and ids that are not ids.
    let (status, html) = page(&app.client, app, &format!("/policies/{id}/history")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Version 1") && html.contains("Before the 2022 amendment"));
    for path in [
        "/policies/abc",
        "/policies/0",
        "/policies/-1",
        "/policies/99999999999999999999999",
        "/policies/999999",
        "/policies/%FF/history",
    ] {
        let (status, html) = page(&app.client, app, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("Not found"), "{path}");
    }

    // A post officer elsewhere does not see it.
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    assert_eq!(page(&officer, app, &format!("/policies/{id}")).await.0, 404);
    let (status, html) = page(&officer, app, "/policies").await;
    assert_eq!(status, 200);
    assert!(!html.contains(&format!("href=\"/policies/{id}\"")));
}

async fn engagement_pages_show_the_record_and_hide_sbu_from_readers_without_access(app: &TestApp) {
    let src = app.seed().await;
    let engagement = json!({"post": "berlin", "country": "DE", "kind": "demarche",
        "date": "2025-12-01", "title": "Demarche on expulsion practice",
        "institution": "Federal Ministry of the Interior",
        "officials": [{"role": "State Secretary", "name": "Dr. Example"}, {"role": "Head of division"}],
        "topics": ["expulsion thresholds", "consular access"],
        "talking_points": ["We ask for the statistics by nationality."],
        "response": "The ministry noted the request.",
        "follow_ups": [{"action": "Send the reply to HQ", "due": "2020-01-15"},
                       {"action": "Ask again in spring", "due": "2099-03-01", "done": true}],
        "assistance_offered": "Data exchange on returns.",
        "citations": [{"source_id": src, "paragraph": "7"}]});
    let sbu = created(app.post_json("/api/v1/engagements", &engagement).await).await;
    let mut open = engagement.clone();
    open["marking"] = json!("U");
    open["title"] = json!("Open meeting on integration");
    let u = created(app.post_json("/api/v1/engagements", &open).await).await;

    let (status, html) = page(&app.client, app, &format!("/engagements/{sbu}")).await;
    assert_eq!(status, 200);
    for text in [
        "Demarche on expulsion practice",
        "2025-12-01",
        "Federal Ministry of the Interior",
        "State Secretary: Dr. Example",
        "Head of division",
        "consular access",
        "We ask for the statistics by nationality.",
        "The ministry noted the request.",
        "Send the reply to HQ",
        "2020-01-15",
        "(overdue)",
        "2099-03-01",
        "Data exchange on returns.",
        "para. 7",
        "SENSITIVE BUT UNCLASSIFIED",
    ] {
        assert!(html.contains(text), "{text} missing");
    }
    assert!(html.contains(&format!("href=\"/sources/{src}\"")));
    let (status, html) = page(&app.client, app, "/engagements").await;
    assert_eq!(status, 200);
    assert!(html.contains("Demarche on expulsion practice") && html.contains("(1 overdue)"));
    assert!(html.contains("SENSITIVE BUT UNCLASSIFIED"));
    let (status, html) = page(&app.client, app, &format!("/engagements/{sbu}/history")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Version 1") && html.contains("State Secretary"));

    // Without SBU access the SBU engagement does not exist; the U one does.
    let reader = app.client_as("hq_reader", None, false).await;
    let (status, html) = page(&reader, app, &format!("/engagements/{sbu}")).await;
    assert_eq!(status, 404);
    assert!(!html.contains("Demarche on expulsion practice"));
    assert_eq!(
        page(&reader, app, &format!("/engagements/{sbu}/history"))
            .await
            .0,
        404
    );
    let (status, html) = page(&reader, app, "/engagements").await;
    assert_eq!(status, 200);
    assert!(!html.contains("Demarche on expulsion practice"));
    assert!(html.contains("Open meeting on integration"));
    assert!(html.contains(">UNCLASSIFIED<"));
    let (status, html) = page(&reader, app, &format!("/engagements/{u}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Open meeting on integration") && html.contains(">UNCLASSIFIED<"));
    let cleared = app.client_as("hq_reader", None, true).await;
    assert_eq!(
        page(&cleared, app, &format!("/engagements/{sbu}")).await.0,
        200
    );

    // Filters and ids that are not ids.
    let (_, html) = page(&app.client, app, "/engagements?country=SE").await;
    assert!(!html.contains("Demarche on expulsion practice"));
    let (status, _) = page(&app.client, app, "/engagements?area=asylum").await;
    assert_eq!(status, 422, "engagements have no area filter");
    for path in ["/engagements/abc", "/engagements/1.5", "/engagements/%00"] {
        assert_eq!(page(&app.client, app, path).await.0, 404, "{path}");
    }
}

const TEXT: &str = "The court found that the defendant had entered the country in 2015.\n\
    The sentence was three years and six months.";

async fn pasted_text_is_archived_through_the_source_page_form(app: &TestApp) {
    let src = app.seed().await;
    let (status, html) = page(&app.client, app, &format!("/sources/{src}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("No copy of this source has been archived yet"));
    assert!(html.contains(&format!("action=\"/sources/{src}/archives\"")));

    let r = app
        .client
        .post(app.url(&format!("/sources/{src}/archives")))
        .form(&[("text", TEXT), ("text_en", ""), ("url", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/sources/{src}").as_str());

    let list: Value = app
        .get(&format!("/api/v1/sources/{src}/archives"))
        .await
        .json()
        .await
        .unwrap();
    let aid = list[0]["id"].as_i64().unwrap();
    let sha = chancery_store::sha256_hex(TEXT);
    assert_eq!(list[0]["sha256"], sha.as_str());
    let (_, html) = page(&app.client, app, &format!("/sources/{src}")).await;
    assert!(html.contains(&sha), "the full sha256 is shown");
    let file = format!("/sources/{src}/archives/{aid}/file");
    assert!(html.contains(&format!("href=\"{file}\"")));
    assert!(html.contains("text/plain") && html.contains("text extracted"));
    assert_eq!(app.get(&file).await.text().await.unwrap(), TEXT);

    // With a translation.
    let r = app
        .client
        .post(app.url(&format!("/sources/{src}/archives")))
        .form(&[("text", "Der Text."), ("text_en", "The text.")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app.client, app, &format!("/sources/{src}")).await;
    assert!(html.contains(&chancery_store::sha256_hex("Der Text.")));
    assert!(html.contains("English translation"));

    // Nothing, or both text and URL: the page again, with the message and what was typed.
    let r = app
        .client
        .post(app.url(&format!("/sources/{src}/archives")))
        .form(&[("text", "   "), ("url", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Nothing was archived") && html.contains("id=\"text-error\""));
    let r = app
        .client
        .post(app.url(&format!("/sources/{src}/archives")))
        .form(&[("text", "Kept <text>"), ("url", "https://example.org/x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("not both") && html.contains("id=\"url-error\""));
    assert!(
        html.contains("Kept &#60;text&#62;") || html.contains("Kept &lt;text&gt;"),
        "what was typed is kept, escaped"
    );
    let r = app
        .client
        .post(app.url(&format!("/sources/{src}/archives")))
        .form(&[("url", "ftp://example.org/x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "a URL Chancery cannot fetch is named");
    let list: Value = app
        .get(&format!("/api/v1/sources/{src}/archives"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2, "nothing else archived");

    // A reader sees the copies but not the form, and may not post it.
    let reader = app.client_as("hq_reader", None, true).await;
    let (status, html) = page(&reader, app, &format!("/sources/{src}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&sha) && !html.contains("Archive a copy"));
    let r = reader
        .post(app.url(&format!("/sources/{src}/archives")))
        .form(&[("text", "Not allowed.")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    for path in ["/sources/abc/archives", "/sources/999999/archives"] {
        let r = app
            .client
            .post(app.url(path))
            .form(&[("text", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    assert_eq!(page(&app.client, app, "/sources/abc").await.0, 404);
}

async fn source_page_shows_status_and_reliability(app: &TestApp) {
    let mut s = source_json("Withdrawn report");
    s["status"] = json!("retracted");
    s["status_reason"] = json!("The publisher withdrew it on 2024-02-01.");
    s["reliability"] = json!("B");
    let id = created(app.post_json("/api/v1/sources", &s).await).await;
    let (status, html) = page(&app.client, app, &format!("/sources/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Retracted source") && html.contains("role=\"alert\""));
    assert!(html.contains("The publisher withdrew it on 2024-02-01."));
    assert!(html.contains("B: usually reliable"));

    // A record citing it flags the withdrawn source.
    let policy = json!({"post": "berlin", "country": "DE", "kind": "guidance", "area": "asylum",
        "title": "Guidance resting on a withdrawn report", "marking": "U",
        "versions": [{"label": "Only version", "valid_from": "2020-01-01", "summary": "S.",
                      "citations": [{"source_id": id}]}]});
    let pid = created(app.post_json("/api/v1/policies", &policy).await).await;
    let (_, html) = page(&app.client, app, &format!("/policies/{pid}")).await;
    assert!(html.contains("(source retracted: The publisher withdrew it on 2024-02-01.)"));
    assert!(html.contains(&format!(
        "source {id} (cited in versions[0].citations[0]) has been retracted"
    )));

    // Regression: a case citing it says so too, on its page (through the same citation view,
    // with a quote's English text) and in its API answer, as reports do.
    let mut case = crate::case_json("berlin", "DE", "Case resting on a withdrawn report", id);
    case["citations"] = json!([{"source_id": id, "quote": "Wortlaut des Berichts",
                                "quote_en": "The wording of the report"}]);
    let r = app.post_json("/api/v1/cases", &case).await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    let flag = format!("source {id} (cited in citations[0]) has been retracted");
    assert_eq!(body["flags"], json!([flag]), "{body}");
    let cid = body["id"].as_i64().unwrap();
    let got: Value = app
        .get(&format!("/api/v1/cases/{cid}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["flags"], json!([flag]), "{got}");
    let (status, html) = page(&app.client, app, &format!("/cases/{cid}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("(source retracted: The publisher withdrew it on 2024-02-01.)"));
    assert!(html.contains(&flag), "the case page lists the flag");
    assert!(
        html.contains("In English: The wording of the report"),
        "{html}"
    );

    let plain = app.seed().await;
    let (_, html) = page(&app.client, app, &format!("/sources/{plain}")).await;
    assert!(!html.contains("Retracted source") && !html.contains("Superseded source"));
    assert!(html.contains("Active") && html.contains("not assessed"));
}
