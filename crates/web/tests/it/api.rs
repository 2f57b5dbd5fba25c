//! The JSON API contract.

use crate::{TestApp, case_json, error_fields, source_json};
use serde_json::{Value, json};

crate::on_both_backends!(
    health_and_posts,
    create_read_update_with_etags,
    updates_need_the_current_version,
    lists_filter_and_page,
    invalid_input_is_named_and_writes_nothing,
    transport_errors_have_the_error_shape,
    a_case_cannot_move_post,
    openapi_document_describes_the_api,
);

async fn health_and_posts(app: &TestApp) {
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    let h: Value = r.json().await.unwrap();
    assert_eq!(h["status"], "ok");
    assert!(h["database"] == "sqlite" || h["database"] == "postgres");
    app.seed().await;
    let posts: Value = app.get("/api/v1/posts").await.json().await.unwrap();
    let slugs: Vec<_> = posts
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["berlin", "stockholm"]);
    assert_eq!(posts[0]["country"], "DE");
    assert_eq!(posts[0]["kind"], "embassy");
}

async fn create_read_update_with_etags(app: &TestApp) {
    let src = app.seed().await;
    let r = app
        .post_json("/api/v1/cases", &case_json("berlin", "DE", "First", src))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/cases/{id}"));
    assert_eq!(created["version"], 1);
    assert_eq!(created["marking"], "SBU");
    assert_eq!(
        created["date"],
        json!({"precision": "day", "date": "2023-11-28"})
    );
    assert_eq!(
        created["citations"],
        json!([{"source_id": src, "page": "4"}])
    );
    assert_eq!(created["created_by"]["name"], "Test editor");

    let r = app.get(&location).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let got: Value = r.json().await.unwrap();
    assert_eq!(got, created);

    // Eurostat's EL and UK read as ISO GR and GB.
    let mut body = case_json("berlin", "EL", "Second title", src);
    let r = app
        .client
        .put(app.url(&location))
        .header("If-Match", "\"1\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let updated: Value = r.json().await.unwrap();
    assert_eq!(
        (updated["version"].as_i64(), updated["country"].as_str()),
        (Some(2), Some("GR"))
    );
    assert_eq!(updated["updated_by"]["name"], "Test editor");
    assert!(
        updated["content_hash"]
            .as_str()
            .is_some_and(|h| h.len() == 64)
    );

    // A bare integer is accepted as If-Match too.
    body["title"] = json!("Third title");
    let r = app.put_json(&location, Some("2"), &body).await;
    assert_eq!(r.status(), 200);

    let history: Value = app
        .get(&format!("{location}/history"))
        .await
        .json()
        .await
        .unwrap();
    let h = history.as_array().unwrap();
    assert_eq!(h.len(), 3);
    let titles: Vec<_> = h
        .iter()
        .map(|v| v["data"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["First", "Second title", "Third title"]);
    assert_eq!(h[1]["prev_hash"], h[0]["content_hash"]);
    assert_eq!(h[2]["author"]["name"], "Test editor");

    // Sources have the same contract.
    let r = app.get(&format!("/api/v1/sources/{src}")).await;
    assert_eq!(r.headers()["etag"], "\"1\"");
    let mut s = source_json("Renamed source");
    s["verified"] = json!(true);
    let r = app
        .put_json(&format!("/api/v1/sources/{src}"), Some("\"1\""), &s)
        .await;
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    assert_eq!(
        (s["version"].as_i64(), s["verified"].as_bool()),
        (Some(2), Some(true))
    );
    let h: Value = app
        .get(&format!("/api/v1/sources/{src}/history"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(h.as_array().unwrap().len(), 2);
}

async fn updates_need_the_current_version(app: &TestApp) {
    let src = app.seed().await;
    let r = app
        .post_json("/api/v1/cases", &case_json("berlin", "DE", "A", src))
        .await;
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{id}");
    let body = case_json("berlin", "DE", "B", src);

    let r = app.put_json(&path, None, &body).await;
    assert_eq!(r.status(), 428);
    assert_eq!(error_fields(r).await, ["If-Match"]);

    let r = app.put_json(&path, Some("\"1\""), &body).await;
    assert_eq!(r.status(), 200);
    let r = app
        .put_json(
            &path,
            Some("\"1\""),
            &case_json("berlin", "DE", "lost?", src),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.headers()["etag"],
        "\"2\"",
        "a conflict tells the current version"
    );
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["errors"][0]["current_version"], 2);

    let r = app.put_json(&path, Some("\"banana\""), &body).await;
    assert_eq!(r.status(), 422);
    let r = app
        .put_json("/api/v1/cases/999999", Some("\"1\""), &body)
        .await;
    assert_eq!(r.status(), 404);

    let got: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(
        (got["version"].as_i64(), got["title"].as_str()),
        (Some(2), Some("B"))
    );
}

async fn lists_filter_and_page(app: &TestApp) {
    let src = app.seed().await;
    for i in 0..6 {
        let (post, country) = if i < 4 {
            ("berlin", "DE")
        } else {
            ("stockholm", "SE")
        };
        let mut c = case_json(post, country, &format!("Case {i}"), src);
        if i == 0 {
            c["kind"] = json!("speech_case");
        }
        assert_eq!(app.post_json("/api/v1/cases", &c).await.status(), 201);
    }
    let count = |v: &Value| v["items"].as_array().unwrap().len();
    let all: Value = app.get("/api/v1/cases").await.json().await.unwrap();
    assert_eq!(count(&all), 6);
    assert_eq!(all["next"], Value::Null);
    let de: Value = app
        .get("/api/v1/cases?country=de")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(&de), 4);
    let post: Value = app
        .get("/api/v1/cases?post=stockholm")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(&post), 2);
    let kind: Value = app
        .get("/api/v1/cases?kind=speech_case&country=DE")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(&kind), 1);
    assert_eq!(kind["items"][0]["title"], "Case 0");

    let mut titles = Vec::new();
    let mut path = "/api/v1/cases?limit=4&country=DE".to_string();
    loop {
        let page: Value = app.get(&path).await.json().await.unwrap();
        titles.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["title"].as_str().unwrap().to_string()),
        );
        match page["next"].as_str() {
            Some(n) => path = format!("/api/v1/cases?limit=4&country=DE&cursor={n}"),
            None => break,
        }
    }
    assert_eq!(titles, ["Case 3", "Case 2", "Case 1", "Case 0"]);

    for (q, field) in [
        ("limit=501", "limit"),
        ("limit=0", "limit"),
        ("country=XX", "country"),
        ("kind=rumour", "kind"),
        ("cursor=nonsense", "cursor"),
        ("colour=red", "colour"),
    ] {
        let r = app.get(&format!("/api/v1/cases?{q}")).await;
        assert_eq!(r.status(), 422, "{q}");
        assert_eq!(error_fields(r).await, [field], "{q}");
    }
    let sources: Value = app
        .get("/api/v1/sources?kind=court_judgment")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(&sources), 1);
    assert_eq!(app.get("/api/v1/sources?country=DE").await.status(), 422);
}

async fn invalid_input_is_named_and_writes_nothing(app: &TestApp) {
    let src = app.seed().await;
    let list_len = || async {
        let v: Value = app.get("/api/v1/cases").await.json().await.unwrap();
        v["items"].as_array().unwrap().len()
    };
    let before = list_len().await;

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"country": "ZZ"}), vec!["country"]),
        (json!({"title": "   "}), vec!["title"]),
        (json!({"marking": "SECRET"}), vec!["marking"]),
        (
            json!({"date": {"precision": "day", "date": "2023-02-30"}}),
            vec!["date.date"],
        ),
        (
            json!({"date": {"precision": "year", "date": "3023"}}),
            vec!["date.date"],
        ),
        (
            json!({"date": {"precision": "range", "date": "1997"}}),
            vec!["date.end"],
        ),
        (
            json!({"citations": [{"source_id": src + 100}]}),
            vec!["citations[0].source_id"],
        ),
        (json!({"citations": []}), vec!["citations"]),
        (json!({"post": "atlantis"}), vec!["post"]),
        (
            json!({"links": [{"case_id": 424242, "relation": "related"}]}),
            vec!["links[0].case_id"],
        ),
        (
            json!({"country": "XX", "title": "", "marking": "TS"}),
            vec!["country", "title", "marking"],
        ),
    ];
    for (patch, fields) in cases {
        let mut body = case_json("berlin", "DE", "Valid", src);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = app.post_json("/api/v1/cases", &body).await;
        assert_eq!(r.status(), 422, "{patch}");
        assert_eq!(error_fields(r).await, fields, "{patch}");
    }
    // An invalid update writes nothing either.
    let r = app
        .post_json("/api/v1/cases", &case_json("berlin", "DE", "Valid", src))
        .await;
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let mut bad = case_json("berlin", "DE", "Valid", src);
    bad["citations"] = json!([{"source_id": src + 100}]);
    let r = app
        .put_json(&format!("/api/v1/cases/{id}"), Some("1"), &bad)
        .await;
    assert_eq!(r.status(), 422);
    let h: Value = app
        .get(&format!("/api/v1/cases/{id}/history"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(h.as_array().unwrap().len(), 1);
    assert_eq!(list_len().await, before + 1);

    let r = app
        .post_json(
            "/api/v1/sources",
            &json!({"kind": "rumour", "title": "T", "url": "javascript:alert(1)"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(error_fields(r).await, ["kind", "publisher", "url"]);
}

async fn transport_errors_have_the_error_shape(app: &TestApp) {
    app.seed().await;
    let r = app
        .client
        .post(app.url("/api/v1/cases"))
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert!(
        e["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("line 1"),
        "{e}"
    );

    let r = app
        .client
        .post(app.url("/api/v1/cases"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);

    let r = app.post_json("/api/v1/cases", &json!([1, 2])).await;
    assert_eq!(r.status(), 422);

    for path in [
        "/api/v1/cases/999999",
        "/api/v1/cases/abc",
        "/api/v1/cases/-1",
        "/api/v1/sources/0",
        "/api/v1/nothing",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 404, "{path}");
        let e: Value = r.json().await.unwrap();
        assert!(e["errors"][0]["reason"].is_string(), "{path}");
    }
    let r = app
        .client
        .delete(app.url("/api/v1/cases"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let e: Value = r.json().await.unwrap();
    assert!(e["errors"].is_array());

    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}

async fn a_case_cannot_move_post(app: &TestApp) {
    let src = app.seed().await;
    let r = app
        .post_json("/api/v1/cases", &case_json("berlin", "DE", "A", src))
        .await;
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = app
        .put_json(
            &format!("/api/v1/cases/{id}"),
            Some("1"),
            &case_json("stockholm", "DE", "A", src),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(error_fields(r).await, ["post"]);
}

async fn openapi_document_describes_the_api(app: &TestApp) {
    let r = app.get("/api/v1/openapi.json").await;
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/sources",
        "/api/v1/sources/{id}",
        "/api/v1/posts",
        "/healthz",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    assert!(paths["/api/v1/cases/{id}"]["put"]["responses"]["409"].is_object());
    assert!(paths["/api/v1/cases"]["post"]["requestBody"].is_object());
    let missing = undocumented_api_routes(&doc);
    assert!(
        missing.is_empty(),
        "routes of the registry missing from the OpenAPI document: {missing:?}"
    );
    let generic = generic_bodies(&doc);
    assert!(
        generic.is_empty(),
        "bodies documented as a bare object or without a schema: {generic:?}"
    );
    assert!(paths["/api/v1/reports/{id}/actions"]["post"]["responses"]["422"].is_object());
}

/// Every `/api/v1` route of the registry (method and path) that the document lacks. Axum 0.8
/// writes path parameters as OpenAPI does (`{id}`); a catch-all `{*rest}` would read `{rest}`.
fn undocumented_api_routes(doc: &Value) -> Vec<String> {
    let paths = &doc["paths"];
    chancery_web::routes::table()
        .into_iter()
        .filter(|route| route.path.starts_with("/api/v1/"))
        .filter_map(|route| {
            let path = route.path.replace("{*", "{");
            let method = route.method.as_str().to_lowercase();
            (!paths[&path][&method].is_object()).then(|| format!("{method} {path}"))
        })
        .collect()
}

/// Every request and response body of the document whose schema is missing or, once its
/// references are followed, a bare `{"type": "object"}` (a JSON value of any shape). A
/// reference outside the document (openapi.json's own schema) counts as typed.
fn generic_bodies(doc: &Value) -> Vec<String> {
    fn resolve<'a>(doc: &'a Value, mut s: &'a Value) -> &'a Value {
        while let Some(r) = s["$ref"].as_str() {
            match r.strip_prefix("#/components/schemas/") {
                Some(name) => s = &doc["components"]["schemas"][name],
                None => break,
            }
        }
        s
    }
    let bare = |s: &Value| {
        let s = resolve(doc, s);
        s.is_null()
            || (s["type"] == "object"
                && [
                    "properties",
                    "additionalProperties",
                    "allOf",
                    "oneOf",
                    "anyOf",
                ]
                .iter()
                .all(|k| s.get(*k).is_none()))
    };
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let mut bodies: Vec<(String, &Value)> = Vec::new();
            if let Some(content) = op["requestBody"]["content"].as_object() {
                bodies.extend(content.iter().map(|(t, c)| (format!("request {t}"), c)));
            }
            for (status, resp) in op["responses"].as_object().unwrap() {
                if let Some(content) = resp["content"].as_object() {
                    bodies.extend(content.iter().map(|(t, c)| (format!("{status} {t}"), c)));
                }
            }
            for (what, content) in bodies {
                if bare(&content["schema"]) {
                    out.push(format!("{method} {path}: {what}"));
                }
            }
        }
    }
    out
}

/// The route check fails when a route is left out of the document.
#[test]
fn the_route_check_sees_a_missing_route() {
    let mut doc = json!({"paths": {}});
    let first = undocumented_api_routes(&doc);
    assert!(
        first.contains(&"get /api/v1/cases/{id}".to_string()),
        "{first:?}"
    );
    for route in chancery_web::routes::table() {
        let method = route.method.as_str().to_lowercase();
        doc["paths"][route.path][&method] = json!({"responses": {}});
    }
    assert!(undocumented_api_routes(&doc).is_empty());
    doc["paths"]["/api/v1/cases/{id}"]
        .as_object_mut()
        .unwrap()
        .remove("get");
    assert_eq!(undocumented_api_routes(&doc), ["get /api/v1/cases/{id}"]);
    doc["paths"]["/api/v1/audit"]["get"] = json!({"responses": {"200":
        {"content": {"application/json": {"schema": {"type": "object"}}}}}});
    assert_eq!(
        generic_bodies(&doc),
        ["get /api/v1/audit: 200 application/json"]
    );
}

/// A body over the configured limit gets 413 in the error shape, before anything is read or
/// written. (A small limit keeps the body inside the socket buffers, so the early answer
/// cannot race the client's writing.)
#[tokio::test]
async fn oversized_bodies_get_413() {
    let config = chancery_web::WebConfig {
        body_limit: 2048,
        ..Default::default()
    };
    for backend in [
        chancery_store::Backend::Sqlite,
        chancery_store::Backend::Postgres,
    ] {
        let Some(app) = crate::spawn_app_with(backend, config.clone()).await else {
            continue;
        };
        let huge = json!({"kind": "other", "publisher": "P", "title": "x".repeat(4096)});
        let r = app.post_json("/api/v1/sources", &huge).await;
        assert_eq!(r.status(), 413);
        let e: Value = r.json().await.unwrap();
        assert!(
            e["errors"][0]["reason"].as_str().unwrap().contains("2048"),
            "{e}"
        );
        let form = [("kind", "other"), ("publisher", "P")];
        let big = "y".repeat(4096);
        let r = app
            .client
            .post(app.url("/sources"))
            .form(&[form[0], form[1], ("title", big.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        let list: Value = app.get("/api/v1/sources").await.json().await.unwrap();
        assert!(
            list["items"].as_array().unwrap().is_empty(),
            "nothing written"
        );
        app.stop().await;
    }
}
