//! Cases in depth as HTML pages: the case page shows the detail (conflicts marked, never
//! resolved; the three measures; tags as the post's assessment), the comparison page says when
//! the answer depends on the measure, and the summary page carries the selection caveat and
//! is refused without SBU access.

use crate::TestApp;
use crate::cases_depth::{group_case, speech_case};
use serde_json::Value;

async fn create(app: &TestApp, body: &Value) -> i64 {
    let r = app.post_json("/api/v1/cases", body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.get(path).await;
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn case_page_shows_the_detail(app: &TestApp) {
    let s1 = app.seed().await;
    let s2 = app.seed().await;
    let group = create(app, &group_case(s1, s2)).await;
    let speech = create(app, &speech_case(s1, group)).await;

    let (status, html) = page(app, &format!("/cases/{group}")).await;
    assert_eq!(status, 200, "{html}");
    // The citizenship conflict is marked and both values are listed, neither chosen.
    assert!(html.contains("Sources disagree"), "{html}");
    assert!(html.contains("Germany (DE)"), "{html}");
    assert!(html.contains("Afghanistan (AF)"), "{html}");
    // Court, offences with the ICCS section, parties.
    assert!(html.contains("Landgericht Hamburg (first instance)"));
    assert!(html.contains("03: Injurious acts of a sexual nature"));
    assert!(html.contains("StGB s.177"));
    assert!(html.contains("a party group of 10 people"));
    // The victim: age band and sex only.
    assert!(html.contains("14-17"));
    assert!(html.contains("age band and sex only"));
    // The three measures, each a span.
    assert!(html.contains("Unconditional custody"));
    assert!(html.contains("Maximum custodial exposure"));
    assert!(html.contains("Severity rank"));
    assert!(
        html.contains("365–1000 days"),
        "the custody range as a span"
    );
    assert!(html.contains("Juvenile law"));
    // The outcomes as one compact matrix (outcome × measure): one heading, one row each.
    assert_eq!(html.matches("<h2>Outcomes</h2>").count(), 1);
    let matrix = &html[html.find("<table class=\"list outcomes\">").unwrap()..];
    let matrix = &matrix[..matrix.find("</table>").unwrap()];
    assert_eq!(matrix.matches("<th scope=\"row\">").count(), 3, "{matrix}");
    assert!(!html.contains("<dt>Unconditional custody</dt>"));
    assert!(html.contains(&format!("href=\"/sources/{s1}\"")));
    assert!(html.contains(&format!("href=\"/sources/{s2}\"")));
    // A source cited only inside the detail reads by publisher and title, not by number.
    assert!(
        html.contains(&format!(
            "href=\"/sources/{s2}\">Example Court, Seed source</a>"
        )),
        "{html}"
    );
    assert!(!html.contains(&format!(">source {s2}<")));

    let (status, html) = page(app, &format!("/cases/{speech}")).await;
    assert_eq!(status, 200);
    // Tags under a heading that says they are the post's assessment.
    assert!(html.contains("ASSESSMENT"), "{html}");
    assert!(html.contains("not a finding"));
    assert!(html.contains("Freizeitarrest, 1 weekend"));
    // The comparison link offers the comparison page, from both ends.
    let compare = format!("/cases/{speech}/compare/{group}");
    assert!(html.contains(&compare), "{html}");
    assert!(html.contains("Compare outcomes"));
    let (_, html) = page(app, &format!("/cases/{group}")).await;
    assert!(html.contains(&format!("/cases/{group}/compare/{speech}")));
}

async fn comparison_page_says_it_depends(app: &TestApp) {
    let s1 = app.seed().await;
    let s2 = app.seed().await;
    let group = create(app, &group_case(s1, s2)).await;
    let speech = create(app, &speech_case(s1, group)).await;
    let (status, html) = page(app, &format!("/cases/{speech}/compare/{group}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Which is harsher depends on the measure"),
        "{html}"
    );
    // Outcomes are named by reference, never by the cases' titles again.
    assert!(html.contains("A1 ("), "{html}");
    assert!(html.contains("B3 ("), "{html}");
    assert!(html.contains(") is harsher"), "{html}");
    // The caveats, the stated conflict among them, and the published scale.
    assert!(html.contains("Caveats"));
    assert!(
        html.contains("sources disagree on the citizenship"),
        "{html}"
    );
    assert!(html.contains("The published scale"));
    assert!(html.contains("Conventions"));
    assert!(html.contains("banner-SBU"));
    // Compact: one matrix row per outcome (one and three), one row per pair (three), each
    // caveat once.
    assert_eq!(html.matches(" against B").count(), 3, "{html}");
    let outcomes = &html[html.find("Outcomes on each measure").unwrap()
        ..html.find("Which is harsher</h2>").unwrap()];
    assert_eq!(
        outcomes.matches("<th scope=\"row\">").count(),
        4,
        "{outcomes}"
    );
    let caveats =
        &html[html.find("<h2>Caveats</h2>").unwrap()..html.find("The published scale").unwrap()];
    assert_eq!(
        caveats
            .matches("the severity rank is one published scale")
            .count(),
        1
    );
    // A case that does not exist is a not-found page.
    let (status, _) = page(app, &format!("/cases/{speech}/compare/999999")).await;
    assert_eq!(status, 404);
}

async fn summary_page_carries_the_caveat(app: &TestApp) {
    let s1 = app.seed().await;
    let s2 = app.seed().await;
    let group = create(app, &group_case(s1, s2)).await;
    create(app, &speech_case(s1, group)).await;
    let (status, html) = page(app, "/cases/summary?country=DE").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("selection, not a sample"), "{html}");
    assert!(html.contains("banner-SBU"));
    assert!(html.contains("Sources disagree</td><td>10</td>"), "{html}");
    assert!(html.contains("Median (low)"));
    // The cases list links to it.
    let (_, list) = page(app, "/cases").await;
    assert!(list.contains("href=\"/cases/summary\""));
    // A bad filter is refused, not ignored.
    let (status, _) = page(app, "/cases/summary?country=XX").await;
    assert_eq!(status, 422);
    // Without SBU access: refused.
    let no_sbu = app.client_as("hq_reader", None, false).await;
    let r = no_sbu.get(app.url("/cases/summary")).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

crate::on_both_backends!(
    case_page_shows_the_detail,
    comparison_page_says_it_depends,
    summary_page_carries_the_caveat,
);
