//! Evidence: archived copies of sources (pasted text, files, fetched URLs), quotes checked
//! against the archive, the policy register with versions in force on a date, engagements.

use crate::{TestApp, error_fields};
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use chancery_store::Backend;
use chancery_web::WebConfig;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

const TEXT: &str = "The court found that the defendant had entered the country in 2015.\n\
    The sentence was three years and six months.";

/// A minimal, valid one-page PDF whose page shows `text` (offsets computed, so readers that
/// follow the cross-reference table can open it).
pub fn pdf_with(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 712 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

async fn archive_text(app: &TestApp, source: i64, text: &str) -> Value {
    let r = app
        .post_json(
            &format!("/api/v1/sources/{source}/archives"),
            &json!({"text": text}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn case_quoting(source: i64, quote: &str) -> Value {
    json!({"post": "berlin", "kind": "criminal_case", "country": "DE", "title": "Quoted case",
           "summary": "What the sources say.", "date": {"precision": "day", "date": "2023-11-28"},
           "status": "final", "marking": "U",
           "citations": [{"source_id": source, "page": "1", "quote": quote}]})
}

async fn pasted_text_is_archived_with_its_hash_and_quotes_are_checked(app: &TestApp) {
    let source = app.seed().await;
    let a = archive_text(app, source, TEXT).await;
    let expected = chancery_store::sha256_hex(TEXT);
    assert_eq!(a["sha256"], expected);
    assert_eq!(a["media_type"], "text/plain");
    assert_eq!(a["size_bytes"], TEXT.len());
    let list: Value = app
        .get(&format!("/api/v1/sources/{source}/archives"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    // The bytes come back unchanged, as a download.
    let id = a["id"].as_i64().unwrap();
    let r = app
        .get(&format!("/sources/{source}/archives/{id}/file"))
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.text().await.unwrap(), TEXT);

    // A quote found in the archive (spacing and line breaks aside) is accepted...
    let r = app
        .post_json(
            "/api/v1/cases",
            &case_quoting(source, "the defendant had entered the country   in 2015"),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    // ...one that is not, refused with the field named, and nothing stored.
    let before = app
        .store()
        .list::<chancery_domain::Case>(&Default::default(), None, 500)
        .await
        .unwrap()
        .items
        .len();
    let r = app
        .post_json(
            "/api/v1/cases",
            &case_quoting(source, "The sentence was four years"),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(error_fields(r).await, vec!["citations[0].quote"]);
    let after = app
        .store()
        .list::<chancery_domain::Case>(&Default::default(), None, 500)
        .await
        .unwrap()
        .items
        .len();
    assert_eq!(before, after);
}

async fn files_are_checked_against_their_declared_type(app: &TestApp) {
    let source = app.seed().await;
    let path = format!("/api/v1/sources/{source}/archives");
    let send = |media: &'static str, body: Vec<u8>| {
        app.client
            .post(app.url(&path))
            .header(header::CONTENT_TYPE, media)
            .header("X-File-Name", "judgment.pdf")
            .body(body)
            .send()
    };
    // A real PDF: stored, its text extracted for quoting.
    let pdf = pdf_with("Judgment of the regional court");
    let r = send("application/pdf", pdf.clone()).await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["sha256"].as_str().unwrap().len(), 64);
    let back = app
        .get(&format!("/sources/{source}/archives/{}/file", a["id"]))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(back.as_ref(), pdf.as_slice());
    assert_eq!(a["has_text"], true);
    let t: Value = app
        .get(&format!("{path}/{}/text", a["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        t["text"]
            .as_str()
            .unwrap()
            .contains("Judgment of the regional court"),
        "{t}"
    );
    // Text declared as a PDF, or a PNG declared as JPEG: refused, nothing stored.
    let r = send("application/pdf", b"not a pdf at all".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(error_fields(r).await, vec!["file"]);
    let png: Vec<u8> = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]
        .into_iter()
        .chain(std::iter::repeat_n(0u8, 32))
        .collect();
    let r = send("image/jpeg", png.clone()).await.unwrap();
    assert_eq!(r.status(), 422);
    // A type Chancery does not archive.
    let r = send("application/x-msdownload", b"MZ".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let list: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
}

/// A small document server on loopback: a page, a redirect to it, a redirect loop, a slow
/// answer, a large document and a 404.
async fn document_server() -> SocketAddr {
    let page = "<html><body><h1>Ministry statement</h1><p>The new rules apply from 1 March 2024.</p></body></html>";
    let app = Router::new()
        .route(
            "/statement.html",
            get(
                move || async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page) },
            ),
        )
        .route(
            "/moved",
            get(|| async { Redirect::temporary("/statement.html") }),
        )
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(10)).await;
                "late"
            }),
        )
        .route(
            "/big.txt",
            get(|| async { ([(header::CONTENT_TYPE, "text/plain")], "x".repeat(300_000)) }),
        )
        .route(
            "/tool.exe",
            get(|| async { ([(header::CONTENT_TYPE, "application/x-msdownload")], "MZ") }),
        )
        .route(
            "/gone",
            get(|| async { StatusCode::NOT_FOUND.into_response() }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

async fn urls_are_fetched_with_limits(backend: Backend) {
    let limits = chancery_web::Limits {
        archive_limit: 200_000,
        fetch_timeout: Duration::from_secs(2),
        fetch_private: true,
        ..chancery_web::Limits::default()
    };
    let Some(app) = crate::spawn_app_limits(backend, WebConfig::default(), limits).await else {
        return;
    };
    let docs = document_server().await;
    let source = app.seed().await;
    let path = format!("/api/v1/sources/{source}/archives");
    let fetch = |p: &str| {
        let body = json!({"url": format!("http://{docs}{p}")});
        let url = app.url(&path);
        let client = app.client.clone();
        async move { client.post(url).json(&body).send().await.unwrap() }
    };
    // A redirect is followed; the original and the final URL are both recorded.
    let r = fetch("/moved").await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["original_url"], format!("http://{docs}/moved"));
    assert_eq!(a["final_url"], format!("http://{docs}/statement.html"));
    assert_eq!(a["http_status"], 200);
    assert_eq!(a["media_type"], "text/html");
    let t: Value = app
        .get(&format!("{path}/{}/text", a["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        t["text"]
            .as_str()
            .unwrap()
            .contains("The new rules apply from 1 March 2024."),
        "{t}"
    );
    // Each failure is a 422 on `url` with the reason, and stores nothing.
    for (p, reason) in [
        ("/slow", "within 2 s"),
        ("/big.txt", "larger than the limit"),
        ("/loop", "redirect"),
        ("/tool.exe", "not a type Chancery archives"),
        ("/gone", "404"),
    ] {
        let r = fetch(p).await;
        assert_eq!(r.status(), 422, "{p}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], "url", "{p}: {body}");
        let msg = body["errors"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(msg.contains(reason), "{p}: {body}");
    }
    // Pasted text is held to the same limit.
    let r = app
        .post_json(&path, &json!({"text": "y".repeat(200_001)}))
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(error_fields(r).await, vec!["text"]);
    let list: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_urls_are_fetched_with_limits() {
    urls_are_fetched_with_limits(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_urls_are_fetched_with_limits() {
    urls_are_fetched_with_limits(Backend::Postgres).await;
}

async fn internal_addresses_are_refused_by_default(app: &TestApp) {
    let source = app.seed().await;
    for url in [
        "http://127.0.0.1:9/x",
        "http://localhost:9/x",
        "http://[::1]:9/x",
        "http://10.0.0.1/x",
    ] {
        let r = app
            .post_json(
                &format!("/api/v1/sources/{source}/archives"),
                &json!({"url": url}),
            )
            .await;
        assert_eq!(r.status(), 422, "{url}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["errors"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("internal address"),
            "{url}: {body}"
        );
    }
}

async fn policy_versions_answer_what_was_in_force(app: &TestApp) {
    let source = app.seed().await;
    let policy = json!({"post": "berlin", "country": "DE", "title": "Residence rules for applicants",
    "kind": "regulation", "area": "asylum", "marking": "U",
    "versions": [
        {"label": "2019 rules", "valid_from": "2019-01-01", "valid_to": "2023-12-31",
         "summary": "Older wording.", "citations": [{"source_id": source}]},
        {"label": "2024 rules", "valid_from": "2024-01-01",
         "summary": "Current wording.", "citations": [{"source_id": source}]}
    ]});
    let r = app.post_json("/api/v1/policies", &policy).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    for (date, label) in [
        ("2020-06-01", Some("2019 rules")),
        ("2024-01-01", Some("2024 rules")),
        ("2018-12-31", None),
    ] {
        let r = app
            .get(&format!("/api/v1/policies/{id}/in-force?date={date}"))
            .await;
        assert_eq!(r.status(), 200, "{date}");
        let v: Value = r.json().await.unwrap();
        match label {
            Some(l) => assert_eq!(v["in_force"]["label"], l, "{date}: {v}"),
            None => assert!(v["in_force"].is_null(), "{date}: {v}"),
        }
    }
    // Overlapping versions are refused with the field named.
    let mut bad = policy.clone();
    bad["versions"][1]["valid_from"] = json!("2023-06-01");
    let r = app.post_json("/api/v1/policies", &bad).await;
    assert_eq!(r.status(), 422);
    assert!(
        error_fields(r)
            .await
            .iter()
            .any(|f| f.starts_with("versions[1]"))
    );
    let r = app.get("/api/v1/policies/1/in-force?date=yesterday").await;
    assert_eq!(r.status(), 422);
    assert_eq!(error_fields(r).await, vec!["date"]);
}

async fn pii_in_free_text_stops_the_save_until_confirmed(app: &TestApp) {
    let e = json!({"post": "berlin", "country": "DE", "kind": "meeting", "date": "2025-12-01",
        "title": "Meeting at the ministry", "institution": "Federal Ministry of the Interior",
        "talking_points": ["Raised the tasking.", "Call back on +49 30 1234567 or write to desk@example.org."],
        "marking": "SBU"});
    let r = app.post_json("/api/v1/engagements", &e).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    let errors = body["errors"].as_array().unwrap();
    let kinds: Vec<&str> = errors.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["phone", "email"], "{body}");
    assert!(errors.iter().all(|e| e["field"] == "talking_points[1]"));
    assert_eq!(errors[0]["span"], json!([13, 27]), "{body}");
    // Confirming a span that was not found changes nothing.
    let mut wrong = e.clone();
    wrong["confirm_pii"] = json!([{"field": "talking_points[1]", "span": [0, 4]}]);
    assert_eq!(
        app.post_json("/api/v1/engagements", &wrong).await.status(),
        422
    );
    // A public official named in their role: flagged, confirmed, recorded in the audit log.
    let mut named = e.clone();
    named["talking_points"] = json!(["Minister Fictivia Exampleton received the demarche."]);
    let r = app.post_json("/api/v1/engagements", &named).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    let span = body["errors"][0]["span"].clone();
    named["confirm_pii"] = json!([{"field": "talking_points[0]", "span": span}]);
    let r = app.post_json("/api/v1/engagements", &named).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let audit = app
        .store()
        .audit_entries(&Default::default(), 10_000)
        .await
        .unwrap();
    // Its id only: a hash of the name would confirm a guess at it after a redaction.
    assert!(
        audit.iter().any(|a| a.action == "confirm_pii"
            && a.content_hash.is_none()
            && a.record_id.is_some())
    );
    // Confirmed once, the same name no longer blocks.
    named.as_object_mut().unwrap().remove("confirm_pii");
    named["title"] = json!("Second meeting at the ministry");
    assert_eq!(
        app.post_json("/api/v1/engagements", &named).await.status(),
        201
    );
}

crate::on_both_backends!(
    pii_in_free_text_stops_the_save_until_confirmed,
    pasted_text_is_archived_with_its_hash_and_quotes_are_checked,
    files_are_checked_against_their_declared_type,
    internal_addresses_are_refused_by_default,
    policy_versions_answer_what_was_in_force,
);
