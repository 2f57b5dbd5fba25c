//! Statistics over HTTP: datasets, observations, indicators, the explorer, CSV, the rate view;
//! a release being imported stays invisible until it is published.

use crate::{TestApp, stage_dataset};
use chancery_store::{AuditCtx, DatasetMeta, StageStart, StagedObs};
use serde_json::{Value, json};

crate::on_both_backends!(
    statistics_over_http,
    a_staged_release_is_invisible_until_published
);

async fn statistics_over_http(app: &TestApp) {
    stage_dataset(
        app,
        "prisons",
        &[
            ("SE", "FOR", 1486.0),
            ("SE", "TOTAL", 8414.0),
            ("CH", "FOR", 4396.0),
            ("CH", "TOTAL", 6252.0),
        ],
    )
    .await;
    let ds: Value = app
        .get("/api/v1/statistics/datasets")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ds[0]["meta"]["code"], "prisons");
    assert_eq!(ds[0]["releases"].as_array().unwrap().len(), 1);

    let obs: Value = app
        .get("/api/v1/statistics/datasets/prisons/observations?geo=SE")
        .await
        .json()
        .await
        .unwrap();
    let items = obs["observations"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items
            .iter()
            .all(|o| o["series"]["geo"] == "SE" && o["id"].as_str().unwrap().contains("/2022"))
    );
    let both: Value = app
        .get("/api/v1/statistics/datasets/prisons/observations?citizen=FOR&geo=SE,CH")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(both["observations"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get("/api/v1/statistics/datasets/nothing/observations")
            .await
            .status(),
        404
    );

    let share = json!({"indicator": "share", "geo": "SE", "period": "2022",
        "part": {"dataset": "prisons", "dims": {"citizen": "FOR"}}, "whole": {"dataset": "prisons", "dims": {"citizen": "TOTAL"}}});
    let r: Value = app
        .post_json("/api/v1/statistics/indicators", &share)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        (r["result"]["percent"].as_f64().unwrap() - 17.66).abs() < 0.01,
        "{r}"
    );
    let ids: Vec<&str> = r["observations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "the observation ids used");
    // Leaving a dimension open is an error that says which.
    let open = json!({"indicator": "rate", "geo": "SE", "period": "2022",
        "numerator": {"dataset": "prisons", "dims": {}}, "denominator": {"dataset": "prisons", "dims": {"citizen": "TOTAL"}}});
    let r = app.post_json("/api/v1/statistics/indicators", &open).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("citizen"));
    let bad = app
        .post_json(
            "/api/v1/statistics/indicators",
            &json!({"indicator": "median"}),
        )
        .await;
    assert_eq!(bad.status(), 422);

    let page = app
        .get("/statistics/prisons?geo=SE&geo=CH&citizen=FOR")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<svg") && page.contains("1,486") && page.contains("4,396"));
    // Series are named by their labels, not as `geo=SE`.
    assert!(
        page.contains("<td>Sweden</td>") && page.contains("<td>Switzerland</td>"),
        "{page}"
    );
    let svg = &page[page.find("<svg").unwrap()..page.find("</svg>").unwrap()];
    let words: Vec<String> = crate::charts::texts(svg).into_iter().map(|t| t.0).collect();
    assert!(
        words.iter().any(|w| w == "Sweden") && !words.iter().any(|w| w.contains("geo=")),
        "{words:?}"
    );
    assert_eq!(
        crate::charts::y_ticks(svg)
            .into_iter()
            .fold(f64::INFINITY, f64::min),
        0.0
    );
    assert!(page.contains("<title>") && page.contains("<desc>"));
    assert!(page.contains("Download CSV"));
    let csv = app.get("/statistics/prisons/csv?citizen=FOR").await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "citizen,geo,unit,period,value,flags,observation_id,source"
    );
    assert_eq!(lines.count(), 2);
    assert!(text.contains("Test"), "the source travels with the data");

    let rate = app
        .get("/statistics/rate?num=prisons:citizen=FOR&den=prisons:citizen=TOTAL&geo=SE")
        .await;
    assert_eq!(rate.status(), 200);
    let html = rate.text().await.unwrap();
    // Dividing a subgroup by the whole population is refused, with the reason shown.
    assert!(
        html.contains("no rate"),
        "{}",
        &html[html.len().saturating_sub(2000)..]
    );
    // A rate that is computed: its chart starts at zero, whatever the values, and the table
    // of the same numbers stands beside it.
    stage_dataset(app, "offences", &[("SE", "FOR", 2734.0)]).await;
    stage_dataset(app, "residents", &[("SE", "FOR", 100000.0)]).await;
    let rate = app
        .get("/statistics/rate?num=offences:citizen=FOR&den=residents:citizen=FOR&geo=SE")
        .await;
    assert_eq!(rate.status(), 200);
    let html = rate.text().await.unwrap();
    let svg = &html[html.find("<svg").expect("a chart")..html.find("</svg>").unwrap()];
    let ticks = crate::charts::y_ticks(svg);
    assert_eq!(
        ticks.iter().cloned().fold(f64::INFINITY, f64::min),
        0.0,
        "{ticks:?}"
    );
    assert!(ticks.iter().any(|t| *t >= 2734.0), "{ticks:?}");
    assert!(svg.contains("<title>") && svg.contains("<desc>"));
    assert!(
        svg.contains("Shaded band or bar: the 95% interval (Garwood, exact) of Sweden"),
        "{svg}"
    );
    let table = &html[html.find("</svg>").unwrap()..];
    assert!(
        table.contains("<td>2,734</td>") && table.contains("<td>100,000</td>"),
        "{table}"
    );
    assert!(table.contains("<td>2,734.0</td>"), "{table}");
    let admin = app.client_as("admin", None, true).await;
    assert_eq!(
        admin
            .get(app.url("/statistics"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

async fn a_staged_release_is_invisible_until_published(app: &TestApp) {
    stage_dataset(app, "pop", &[("SE", "FOR", 1.0)]).await;
    let meta = DatasetMeta {
        code: "pop".into(),
        ..Default::default()
    };
    let ctx = AuditCtx::system();
    let StageStart::New(mut st) = app
        .store()
        .stage_begin(&meta, "second", "b.csv", "sdmx-csv", &ctx)
        .await
        .unwrap()
    else {
        panic!("a new release")
    };
    let dims: Vec<String> = ["geo", "citizen", "unit"].map(String::from).to_vec();
    let row = StagedObs {
        key: ["SE", "FOR", "NR"].map(String::from).to_vec(),
        period: "2022".into(),
        value: Some(2.0),
        flags: String::new(),
        line: 2,
    };
    app.store()
        .stage_rows(&mut st, &dims, vec![row])
        .await
        .unwrap();
    // While the import runs, the server answers and shows the published release only.
    let obs: Value = app
        .get("/api/v1/statistics/datasets/pop/observations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(obs["observations"][0]["value"], 1);
    let ds: Value = app
        .get("/api/v1/statistics/datasets")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ds[0]["releases"].as_array().unwrap().len(), 1);
    let summary = chancery_store::ReleaseSummary {
        observations: 1,
        ..Default::default()
    };
    app.store().stage_publish(st, &summary, &ctx).await.unwrap();
    let obs: Value = app
        .get("/api/v1/statistics/datasets/pop/observations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        obs["observations"][0]["value"], 2.0,
        "the newest published release is read"
    );
}
