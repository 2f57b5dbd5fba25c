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
    responses_fit_their_documented_schemas,
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
    // A read carries the record's flags (none here), as the answer to the create did.
    assert_eq!(got["flags"], json!([]));
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

/// Where `v` does not fit `schema` (local references followed): each misfit as a path and
/// what is wrong. Members a schema does not name are misfits too, unless part of it is open (a
/// bare object, or `additionalProperties`), so a response cannot carry what the document
/// does not say.
fn misfits(doc: &Value, schema: &Value, v: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        if let Some(name) = r.strip_prefix("#/components/schemas/") {
            misfits(doc, &doc["components"]["schemas"][name], v, at, out);
        }
        return;
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        misfits(doc, part, v, at, out);
    }
    if let Some(alternatives) = schema["oneOf"].as_array() {
        let fits = alternatives.iter().any(|a| {
            let mut m = Vec::new();
            misfits(doc, a, v, at, &mut m);
            m.is_empty()
        });
        if !fits {
            out.push(format!("{at}: fits none of oneOf: {v}"));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let type_fits = |t: &str| match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    };
    if !types.is_empty() && !types.iter().any(|t| type_fits(t)) {
        out.push(format!("{at}: not {types:?}: {v}"));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(v)
    {
        out.push(format!("{at}: {v} not in {allowed:?}"));
    }
    if let (Some(items), Some(array)) = (schema.get("items"), v.as_array()) {
        for (i, item) in array.iter().enumerate() {
            misfits(doc, items, item, &format!("{at}[{i}]"), out);
        }
    }
    if let Some(object) = v.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            if !object.contains_key(name.as_str().unwrap_or_default()) {
                out.push(format!("{at}: lacks {name}"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (k, sub) in properties {
                if let Some(member) = object.get(k) {
                    misfits(doc, sub, member, &format!("{at}.{k}"), out);
                }
            }
        }
        if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
            for (k, member) in object {
                misfits(doc, extra, member, &format!("{at}.{k}"), out);
            }
        }
    }
}

/// The members a schema names, or `None` where it is open to any.
fn named_members(doc: &Value, schema: &Value, v: &Value) -> Option<Vec<String>> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.strip_prefix("#/components/schemas/")?;
        return named_members(doc, &doc["components"]["schemas"][name], v);
    }
    if schema.get("additionalProperties").is_some() {
        return None;
    }
    let mut names: Vec<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let composed = schema.get("allOf").or(schema.get("oneOf"));
    if schema["type"] == "object" && schema.get("properties").is_none() && composed.is_none() {
        return None;
    }
    if let Some(all) = schema["allOf"].as_array() {
        for part in all {
            names.extend(named_members(doc, part, v)?);
        }
    }
    if let Some(alternatives) = schema["oneOf"].as_array() {
        // The alternative the value fits.
        let fitting = alternatives.iter().find(|a| {
            let mut m = Vec::new();
            misfits(doc, a, v, "", &mut m);
            m.is_empty()
        });
        if let Some(a) = fitting {
            names.extend(named_members(doc, a, v)?);
        }
    }
    Some(names)
}

/// Members of `v` (and of the objects inside it) that its schema does not name.
fn unnamed(doc: &Value, schema: &Value, v: &Value, at: &str, out: &mut Vec<String>) {
    let schema = {
        let mut s = schema;
        while let Some(name) = s["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            s = &doc["components"]["schemas"][name];
        }
        s
    };
    if let Some(array) = v.as_array() {
        if let Some(items) = schema.get("items") {
            for (i, item) in array.iter().enumerate() {
                unnamed(doc, items, item, &format!("{at}[{i}]"), out);
            }
        }
        return;
    }
    let Some(object) = v.as_object() else { return };
    let Some(names) = named_members(doc, schema, v) else {
        return;
    };
    for (k, member) in object {
        if !names.contains(k) {
            out.push(format!("{at}.{k}: not in the document"));
            continue;
        }
        if let Some(sub) = property_schema(doc, schema, v, k) {
            unnamed(doc, sub, member, &format!("{at}.{k}"), out);
        }
    }
}

/// The schema of member `k` of `object`, whose schema is `schema` (through references, allOf
/// and the oneOf alternative the object fits).
fn property_schema<'a>(
    doc: &'a Value,
    schema: &'a Value,
    object: &Value,
    k: &str,
) -> Option<&'a Value> {
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return property_schema(doc, &doc["components"]["schemas"][name], object, k);
    }
    if let Some(p) = schema["properties"].get(k) {
        return Some(p);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        if let Some(p) = property_schema(doc, part, object, k) {
            return Some(p);
        }
    }
    let fitting = schema["oneOf"].as_array()?.iter().find(|a| {
        let mut m = Vec::new();
        misfits(doc, a, object, "", &mut m);
        m.is_empty()
    })?;
    property_schema(doc, fitting, object, k)
}

/// Checks a response against the schema the document gives for its route, status and JSON
/// content.
async fn fits(doc: &Value, method: &str, route: &str, r: reqwest::Response) -> Value {
    let status = r.status().as_u16().to_string();
    let body: Value = r.json().await.unwrap();
    let op = &doc["paths"][route][method];
    let schema = &op["responses"][&status]["content"]["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {route}: no JSON schema for {status}: {body}"
    );
    let mut out = Vec::new();
    misfits(doc, schema, &body, "$", &mut out);
    unnamed(doc, schema, &body, "$", &mut out);
    assert!(
        out.is_empty(),
        "{method} {route} {status}: {out:#?}\n{body:#}"
    );
    body
}

/// Real responses, of every kind of record and of the typed results, fit the schemas the
/// document gives them, members and all.
async fn responses_fit_their_documented_schemas(app: &TestApp) {
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let doc = &doc;
    let src = fits(
        doc,
        "post",
        "/api/v1/sources",
        app.post_json("/api/v1/sources", &source_json("A source"))
            .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let get = |path: String| async move { app.get(&path).await };
    fits(
        doc,
        "get",
        "/api/v1/sources/{id}",
        get(format!("/api/v1/sources/{src}")).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/sources",
        get("/api/v1/sources".into()).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/sources/{id}/history",
        get(format!("/api/v1/sources/{src}/history")).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/posts",
        get("/api/v1/posts".into()).await,
    )
    .await;

    // Cases: a U case with an SBU summary, read by an account without SBU access, withholds it.
    let mut case = case_json("berlin", "DE", "A case", src);
    case["marking"] = json!("U");
    case["summary_marking"] = json!("SBU");
    let case = fits(
        doc,
        "post",
        "/api/v1/cases",
        app.post_json("/api/v1/cases", &case).await,
    )
    .await;
    let cid = case["id"].as_i64().unwrap();
    let other = fits(
        doc,
        "post",
        "/api/v1/cases",
        app.post_json("/api/v1/cases", &case_json("berlin", "DE", "Another", src))
            .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    fits(
        doc,
        "get",
        "/api/v1/cases/{id}",
        get(format!("/api/v1/cases/{cid}")).await,
    )
    .await;
    let reader = app.client_as("hq_reader", None, false).await;
    let shown = fits(
        doc,
        "get",
        "/api/v1/cases/{id}",
        reader
            .get(app.url(&format!("/api/v1/cases/{cid}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(shown["withheld"], json!(["summary"]));
    fits(
        doc,
        "get",
        "/api/v1/cases",
        get("/api/v1/cases?post=berlin".into()).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/cases/{id}/history",
        get(format!("/api/v1/cases/{cid}/history")).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/cases/{id}/compare/{other}",
        get(format!("/api/v1/cases/{cid}/compare/{other}")).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/cases/summary",
        get("/api/v1/cases/summary".into()).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/cases/export",
        get("/api/v1/cases/export?format=json".into()).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/cases/{id}",
        get("/api/v1/cases/999999".into()).await,
    )
    .await;

    // Policies and engagements.
    let policy = json!({"post": "berlin", "country": "DE", "kind": "law", "area": "asylum",
        "title": "A law", "marking": "U", "versions": [{"label": "First", "valid_from": "2020-01-01",
        "summary": "What it said.", "citations": [{"source_id": src}]}]});
    let pid = fits(
        doc,
        "post",
        "/api/v1/policies",
        app.post_json("/api/v1/policies", &policy).await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    fits(
        doc,
        "get",
        "/api/v1/policies/{id}",
        get(format!("/api/v1/policies/{pid}")).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/policies",
        get("/api/v1/policies?area=asylum".into()).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/policies/{id}/history",
        get(format!("/api/v1/policies/{pid}/history")).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/policies/{id}/in-force",
        get(format!("/api/v1/policies/{pid}/in-force?date=2021-05-01")).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/engagements",
        get("/api/v1/engagements".into()).await,
    )
    .await;

    // Archives.
    let archive = fits(
        doc,
        "post",
        "/api/v1/sources/{id}/archives",
        app.post_json(
            &format!("/api/v1/sources/{src}/archives"),
            &json!({"text": "The court found.", "text_en": "The court found."}),
        )
        .await,
    )
    .await;
    let aid = archive["id"].as_i64().unwrap();
    fits(
        doc,
        "get",
        "/api/v1/sources/{id}/archives",
        get(format!("/api/v1/sources/{src}/archives")).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/sources/{id}/archives/{aid}/text",
        get(format!("/api/v1/sources/{src}/archives/{aid}/text")).await,
    )
    .await;

    // Taskings, templates, reports, comments, builds.
    let tasking = json!({"title": "Migration impacts", "instructions": "Use the template.",
        "topics": [], "template_key": "migration-impacts", "posts": ["berlin"],
        "due": "2031-01-31", "recurrence": "one_off"});
    let tid = fits(
        doc,
        "post",
        "/api/v1/taskings",
        app.post_json("/api/v1/taskings", &tasking).await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    fits(
        doc,
        "get",
        "/api/v1/taskings/{id}",
        get(format!("/api/v1/taskings/{tid}")).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/taskings",
        get("/api/v1/taskings".into()).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/compliance",
        get("/api/v1/compliance".into()).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/templates",
        get("/api/v1/templates".into()).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/templates/{key}",
        get("/api/v1/templates/migration-impacts".into()).await,
    )
    .await;
    let report = json!({"post": "berlin", "template_key": "migration-impacts", "subject": "Migration",
        "tags": ["SMIG"], "sections": [{"heading": "Crime and justice", "paragraphs": [
            {"id": "p1", "kind": "fact", "marking": "U", "text": "Arrests rose.",
             "citations": [{"kind": "source", "id": src}]},
            {"id": "p2", "kind": "analysis", "marking": "SBU", "text": "Why.", "citations": []}]}]});
    let officer = app.client_as("post_officer", Some("berlin"), true).await;
    let rid = fits(
        doc,
        "post",
        "/api/v1/reports",
        officer
            .post(app.url("/api/v1/reports"))
            .json(&report)
            .send()
            .await
            .unwrap(),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    fits(
        doc,
        "get",
        "/api/v1/reports/{id}",
        get(format!("/api/v1/reports/{rid}")).await,
    )
    .await;
    let unshown = fits(
        doc,
        "get",
        "/api/v1/reports/{id}",
        reader
            .get(app.url(&format!("/api/v1/reports/{rid}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(unshown["withheld_paragraphs"], json!(["p2"]));
    fits(
        doc,
        "get",
        "/api/v1/reports",
        get("/api/v1/reports".into()).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/reports/{id}/history",
        get(format!("/api/v1/reports/{rid}/history")).await,
    )
    .await;
    fits(
        doc,
        "post",
        "/api/v1/reports/{id}/comments",
        officer
            .post(app.url(&format!("/api/v1/reports/{rid}/comments")))
            .json(&json!({"paragraph": "p1", "body": "Which year?"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/reports/{id}/comments",
        get(format!("/api/v1/reports/{rid}/comments")).await,
    )
    .await;
    let build = fits(
        doc,
        "post",
        "/api/v1/reports/{id}/builds",
        officer
            .post(app.url(&format!("/api/v1/reports/{rid}/builds")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let bid = build["id"].as_i64().unwrap();
    fits(
        doc,
        "get",
        "/api/v1/reports/{id}/builds",
        get(format!("/api/v1/reports/{rid}/builds")).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/builds/{id}/{format}",
        get(format!("/api/v1/builds/{bid}/manifest")).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/builds/{id}/diff/{other}",
        get(format!("/api/v1/builds/{bid}/diff/{bid}")).await,
    )
    .await;
    fits(
        doc,
        "post",
        "/api/v1/reports/{id}/actions",
        officer
            .post(app.url(&format!("/api/v1/reports/{rid}/actions")))
            .header("If-Match", "1")
            .json(&json!({"action": "submit"}))
            .send()
            .await
            .unwrap(),
    )
    .await;

    // Redactions and the audit log.
    let request = json!({"record_type": "case", "record_id": cid, "field": "summary",
        "reason": "A private name slipped in."});
    let admin = app.client_as("admin", None, true).await;
    let redaction = fits(
        doc,
        "post",
        "/api/v1/redactions",
        admin
            .post(app.url("/api/v1/redactions"))
            .json(&request)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let xid = redaction["id"].as_i64().unwrap();
    fits(
        doc,
        "get",
        "/api/v1/redactions",
        get("/api/v1/redactions".into()).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/redactions/{id}",
        get(format!("/api/v1/redactions/{xid}")).await,
    )
    .await;
    fits(
        doc,
        "post",
        "/api/v1/redactions/{id}/decision",
        app.client
            .post(app.url(&format!("/api/v1/redactions/{xid}/decision")))
            .header("If-Match", "1")
            .json(&json!({"decision": "reject"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/audit",
        admin
            .get(app.url("/api/v1/audit?limit=5"))
            .send()
            .await
            .unwrap(),
    )
    .await;

    // Statistics.
    crate::stage_dataset(
        app,
        "prisons",
        &[("DE", "FOR", 30.0), ("DE", "TOTAL", 100.0)],
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/statistics/datasets",
        get("/api/v1/statistics/datasets".into()).await,
    )
    .await;
    fits(
        doc,
        "get",
        "/api/v1/statistics/datasets/{code}/observations",
        get("/api/v1/statistics/datasets/prisons/observations?geo=DE".into()).await,
    )
    .await;
    let share = |part: &str| {
        json!({"indicator": "share", "geo": "DE", "period": "2022",
            "part": {"dataset": "prisons", "dims": {"citizen": part}},
            "whole": {"dataset": "prisons", "dims": {"citizen": "TOTAL"}}})
    };
    let answer = fits(
        doc,
        "post",
        "/api/v1/statistics/indicators",
        app.post_json("/api/v1/statistics/indicators", &share("FOR"))
            .await,
    )
    .await;
    assert!(answer["result"].is_object(), "{answer}");
    let refused = fits(
        doc,
        "post",
        "/api/v1/statistics/indicators",
        app.post_json("/api/v1/statistics/indicators", &share("XX"))
            .await,
    )
    .await;
    assert!(refused["refusal"].is_object(), "{refused}");
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
    ); // And the schema check sees a wrong type and a member the document does not name.
    doc["components"]["schemas"]["Thing"] = json!({"allOf": [
        {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}},
        {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}}]});
    let schema = json!({"$ref": "#/components/schemas/Thing"});
    let mut out = Vec::new();
    misfits(
        &doc,
        &schema,
        &json!({"id": 1, "tags": ["a"]}),
        "$",
        &mut out,
    );
    unnamed(
        &doc,
        &schema,
        &json!({"id": 1, "tags": ["a"]}),
        "$",
        &mut out,
    );
    assert!(out.is_empty(), "{out:?}");
    misfits(
        &doc,
        &schema,
        &json!({"id": "1", "tags": [2]}),
        "$",
        &mut out,
    );
    unnamed(
        &doc,
        &schema,
        &json!({"id": 1, "extra": true}),
        "$",
        &mut out,
    );
    assert_eq!(out.len(), 3, "{out:?}");
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
