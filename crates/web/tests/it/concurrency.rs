//! Many simultaneous conflicting updates of one record over HTTP: exactly one wins per
//! version, none is lost, the history is complete.

use crate::{TestApp, case_json};
use serde_json::Value;

crate::on_both_backends!(concurrent_updates_over_http);

async fn concurrent_updates_over_http(app: &TestApp) {
    let src = app.seed().await;
    let r = app
        .post_json("/api/v1/cases", &case_json("berlin", "DE", "start", src))
        .await;
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{id}");
    const WRITERS: usize = 16;
    const ROUNDS: i64 = 4;
    let mut winners_titles = Vec::new();
    for round in 0..ROUNDS {
        let version = round + 1;
        let requests = (0..WRITERS).map(|w| {
            let body = case_json("berlin", "DE", &format!("round {round} writer {w}"), src);
            let req = app
                .client
                .put(app.url(&path))
                .header("If-Match", format!("\"{version}\""))
                .json(&body);
            async move { (w, req.send().await.expect("PUT")) }
        });
        let results = futures::future::join_all(requests).await;
        let mut won = Vec::new();
        for (w, r) in results {
            match r.status().as_u16() {
                200 => won.push(w),
                409 => {
                    let e: Value = r.json().await.unwrap();
                    assert_eq!(e["errors"][0]["current_version"], version + 1);
                }
                other => panic!("unexpected status {other}"),
            }
        }
        assert_eq!(
            won.len(),
            1,
            "round {round}: exactly one writer wins, got {won:?}"
        );
        winners_titles.push(format!("round {round} writer {}", won[0]));
    }
    let history: Value = app
        .get(&format!("{path}/history"))
        .await
        .json()
        .await
        .unwrap();
    let h = history.as_array().unwrap();
    let versions: Vec<i64> = h.iter().map(|v| v["version"].as_i64().unwrap()).collect();
    assert_eq!(
        versions,
        (1..=ROUNDS + 1).collect::<Vec<_>>(),
        "no gaps, no duplicates"
    );
    let titles: Vec<String> = h[1..]
        .iter()
        .map(|v| v["data"]["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        titles, winners_titles,
        "every winning write is in the history, in order"
    );
    for pair in h.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["content_hash"]);
    }
}
