//! The server never panics on input: arbitrary bodies, paths and headers get a 4xx answer in
//! the error shape, never a 5xx.

use crate::spawn_app;
use chancery_store::Backend;
use proptest::prelude::*;
use serde_json::Value;

fn body_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,200}",
        Just("{}".to_string()),
        Just("null".to_string()),
        Just(
            "{\"date\": {\"precision\": \"range\", \"date\": \"9999-99\", \"end\": 5}}".to_string()
        ),
        Just("{\"citations\": [{\"source_id\": 1e400}], \"links\": \"x\"}".to_string()),
        Just("{\"title\": \"\\u0000\", \"country\": \"\\ud800\"}".to_string()),
        "[\\[{\"]{0,50}",
    ]
}

#[test]
fn arbitrary_input_never_gets_a_server_error() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app(Backend::Sqlite)).unwrap();
    rt.block_on(app.seed());
    let config = ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    };
    proptest!(config, |(body in body_strategy(), route in 0usize..6, ct in 0usize..3, tail in "[a-z0-9%./-]{0,12}")| {
        let (method, path) = [
            ("POST", "/api/v1/cases".to_string()),
            ("PUT", "/api/v1/cases/1".to_string()),
            ("POST", "/api/v1/sources".to_string()),
            ("PUT", format!("/api/v1/sources/{tail}")),
            ("POST", "/cases".to_string()),
            ("GET", format!("/api/v1/cases?{tail}")),
        ][route].clone();
        let content_type = ["application/json", "application/x-www-form-urlencoded", "text/plain"][ct];
        let status = rt.block_on(async {
            let req = app.client
                .request(method.parse().unwrap(), app.url(&path))
                .header("content-type", content_type)
                .header("if-match", "\"1\"")
                .body(body.clone());
            let r = req.send().await.unwrap();
            let status = r.status();
            if path.starts_with("/api/") {
                let v: Value = r.json().await.expect("API answers are JSON");
                assert!(v.get("errors").is_some() || status.is_success(), "{v}");
            }
            status
        });
        prop_assert!(status.as_u16() < 500, "{method} {path} {content_type} {body:?} -> {status}");
    });
    rt.block_on(app.stop());
}

/// An id segment that does not even decode (`%FF`) is a 404 on every GET route that takes
/// one: in the error shape under the API, a page elsewhere.
#[test]
fn undecodable_ids_are_not_found_in_the_routes_own_language() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app(Backend::Sqlite)).unwrap();
    let mut checked = 0;
    for route in chancery_web::routes::table() {
        if route.method != reqwest::Method::GET || !route.path.contains("{id}") {
            continue;
        }
        let path = route
            .path
            .replace("{id}", "%FF")
            .replace("{pid}", "p1")
            .replace("{n}", "0")
            .replace("{format}", "html")
            .replace("{other}", "1")
            .replace("{aid}", "1")
            .replace("{code}", "x")
            .replace("{key}", "x");
        let (status, body) = rt.block_on(async {
            let r = app.client.get(app.url(&path)).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        });
        assert_eq!(status, 404, "{path}: {body}");
        if path.starts_with("/api/") {
            let v: Value = serde_json::from_str(&body).expect("API answers are JSON");
            assert!(v.get("errors").is_some(), "{path}: {v}");
        } else {
            assert!(body.contains("Not found"), "{path}: {body}");
        }
        checked += 1;
    }
    assert!(checked > 20, "{checked} routes checked");
    rt.block_on(app.stop());
}
