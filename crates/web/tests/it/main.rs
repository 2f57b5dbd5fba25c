//! Black-box tests: the real server on a random port, spoken to over HTTP, on SQLite always
//! and on PostgreSQL when CHANCERY_TEST_DATABASE_URL is set.

mod access;
mod api;
mod case_form_detail;
mod case_pages;
mod cases_depth;
mod charts;
mod concurrency;
mod duties;
mod evidence;
mod hardening;
mod markings;
mod matrix;
mod pages;
mod redaction;
mod register_forms;
mod register_pages;
mod report_access;
mod report_markings;
mod report_rules;
mod reports;
mod robustness;
mod search;
mod statistics;

use chancery_domain::UserId;
use chancery_store::testing::TestDb;
use chancery_store::{AuditCtx, Backend};
use chancery_web::{AppState, WebConfig};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::oneshot;

pub struct TestApp {
    pub addr: SocketAddr,
    /// Signed in (by API token) as an HQ editor with SBU access.
    pub client: reqwest::Client,
    db: Option<TestDb>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _blobs: tempfile::TempDir,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A client that sends an API token with every request and follows no redirects.
pub fn bearer_client(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn store(&self) -> &chancery_store::Store {
        &self.db.as_ref().expect("db").store
    }

    /// The database URL another client (a raw SQL check) would use.
    pub fn db_url(&self) -> String {
        self.db.as_ref().expect("db").url()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn put_json(
        &self,
        path: &str,
        if_match: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        let mut req = self.client.put(self.url(path)).json(body);
        if let Some(v) = if_match {
            req = req.header("If-Match", v);
        }
        req.send().await.expect("PUT")
    }

    /// Creates one source (the posts berlin and stockholm exist from the start); returns its id.
    pub async fn seed(&self) -> i64 {
        let r = self
            .post_json("/api/v1/sources", &source_json("Seed source"))
            .await;
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    /// Creates an account and returns its id.
    pub async fn account(
        &self,
        email: &str,
        role: &str,
        post: Option<&str>,
        sbu: bool,
        password: Option<&str>,
    ) -> i64 {
        let account =
            chancery_domain::Account::from_json(&json!({"email": email, "display_name": email,
            "role": role, "post": post, "sbu_access": sbu}))
            .unwrap();
        let hash = password.map(|p| chancery_web::hash_password(p).unwrap());
        self.store()
            .create_user(&account, hash.as_deref(), &AuditCtx::system())
            .await
            .unwrap()
            .0
    }

    /// A client that acts as a new account of this role (by API token).
    pub async fn client_as(&self, role: &str, post: Option<&str>, sbu: bool) -> reqwest::Client {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let id = self
            .account(&format!("{role}{n}@test.example"), role, post, sbu, None)
            .await;
        let token = chancery_web::new_token();
        let hash = chancery_store::sha256_hex(&token);
        self.store()
            .create_token(UserId(id), "test", &hash, &AuditCtx::system())
            .await
            .unwrap();
        bearer_client(&token)
    }

    /// A browser-like client with a cookie jar and no credentials. Like today's browsers, it
    /// sends `Origin` (this server) with its requests; `hardening` tests the ones that do not.
    pub fn browser(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ORIGIN,
            format!("http://{}", self.addr).parse().unwrap(),
        );
        reqwest::Client::builder()
            .default_headers(headers)
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Redacts one field of a record the way the system requires: a new administrator asks,
    /// the HQ editor behind `client` approves. Returns the administrator (to read the audit
    /// log with), the request's id and the decision's answer.
    pub async fn redact(
        &self,
        record_type: &str,
        id: i64,
        field: &str,
    ) -> (reqwest::Client, i64, Value) {
        let admin = self.client_as("admin", None, true).await;
        let r = admin
            .post(self.url("/api/v1/redactions"))
            .json(
                &json!({"record_type": record_type, "record_id": id, "field": field,
                          "reason": "A private name was saved by mistake"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let rid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let r = self
            .client
            .post(self.url(&format!("/api/v1/redactions/{rid}/decision")))
            .header("If-Match", "1")
            .json(&json!({"decision": "approve"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        (admin, rid, r.json().await.unwrap())
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
    }
}

/// Starts the server on a fresh database of `backend` with the posts berlin and stockholm and
/// an HQ editor behind `client`; `None` when PostgreSQL is not set up.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, WebConfig::default()).await
}

pub async fn spawn_app_with(backend: Backend, config: WebConfig) -> Option<TestApp> {
    spawn_app_limits(backend, config, chancery_web::Limits::default()).await
}

/// Like `spawn_app_with`, with the application's limits (archive size, URL fetching) given.
pub async fn spawn_app_limits(
    backend: Backend,
    config: WebConfig,
    mut limits: chancery_web::Limits,
) -> Option<TestApp> {
    // This suite cannot run the `chancery` binary, so documents are extracted in process (on
    // the blocking pool, without the child's limits); the child process is tested in
    // crates/chancery/tests against `chancery serve`.
    limits.extractor = chancery_app::extract::Extractor::InProcess;
    // Server errors go to the test's output (shown when a test fails): RUST_LOG picks the level.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .with_test_writer()
        .try_init();
    let Some(db) = TestDb::new(backend).await.expect("test database") else {
        eprintln!("PostgreSQL suite skipped: set CHANCERY_TEST_DATABASE_URL to run it");
        return None;
    };
    for (slug, country, city) in [("berlin", "DE", "Berlin"), ("stockholm", "SE", "Stockholm")] {
        let post =
            serde_json::from_value(json!({"slug": slug, "kind": "embassy", "country": country,
            "city": city, "signer_surname": "PLACEHOLDER"}))
            .unwrap();
        db.store.upsert_post(&post).await.unwrap();
    }
    let editor = chancery_domain::Account::from_json(&json!({"email": "editor@test.example",
        "display_name": "Test editor", "role": "hq_editor", "sbu_access": true}))
    .unwrap();
    let editor = db
        .store
        .create_user(&editor, None, &AuditCtx::system())
        .await
        .unwrap();
    let token = chancery_web::new_token();
    db.store
        .create_token(
            editor,
            "test",
            &chancery_store::sha256_hex(&token),
            &AuditCtx::system(),
        )
        .await
        .unwrap();
    let (listener, addr) = chancery_web::bind("127.0.0.1:0").await.expect("bind");
    let blobs_dir = tempfile::tempdir().expect("blob directory");
    let blobs = chancery_store::Blobs::local(blobs_dir.path()).expect("blob store");
    let state = AppState::new(
        chancery_web::App::new(db.store.clone(), blobs, limits),
        config,
    );
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        chancery_web::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .expect("server");
    });
    Some(TestApp {
        addr,
        client: bearer_client(&token),
        db: Some(db),
        stop: Some(tx),
        server: Some(server),
        _blobs: blobs_dir,
    })
}

/// Stores a small dataset directly (as an import would): (geo, citizen, value) for 2022.
pub async fn stage_dataset(app: &TestApp, code: &str, rows: &[(&str, &str, f64)]) {
    use chancery_store::{DatasetMeta, ReleaseSummary, StageStart, StagedObs};
    let meta = DatasetMeta {
        code: code.into(),
        title: Some(format!("Test {code}")),
        publisher: Some("Test".into()),
        ..Default::default()
    };
    let ctx = AuditCtx::system();
    let StageStart::New(mut st) = app
        .store()
        .stage_begin(&meta, code, "test.csv", "sdmx-csv", &ctx)
        .await
        .unwrap()
    else {
        return;
    };
    let staged: Vec<StagedObs> = rows
        .iter()
        .enumerate()
        .map(|(i, (geo, citizen, v))| StagedObs {
            key: vec![geo.to_string(), citizen.to_string(), "NR".into()],
            period: "2022".into(),
            value: Some(*v),
            flags: String::new(),
            line: i as u64 + 2,
        })
        .collect();
    let dims: Vec<String> = ["geo", "citizen", "unit"].map(String::from).to_vec();
    app.store()
        .stage_rows(&mut st, &dims, staged)
        .await
        .unwrap();
    let summary = ReleaseSummary {
        observations: rows.len() as i64,
        ..Default::default()
    };
    app.store().stage_publish(st, &summary, &ctx).await.unwrap();
}

pub fn source_json(title: &str) -> Value {
    json!({"kind": "court_judgment", "title": title, "publisher": "Example Court", "language": "de",
           "published": "2023-11-28", "verified": false, "marking": "U"})
}

pub fn case_json(post: &str, country: &str, title: &str, source_id: i64) -> Value {
    json!({"post": post, "kind": "criminal_case", "country": country, "title": title,
           "summary": "What the sources say.", "date": {"precision": "day", "date": "2023-11-28"},
           "status": "final", "marking": "SBU", "citations": [{"source_id": source_id, "page": "4"}]})
}

/// The `field` members of an error response.
pub async fn error_fields(r: reqwest::Response) -> Vec<String> {
    let body: Value = r.json().await.expect("JSON error body");
    body["errors"]
        .as_array()
        .expect("errors array")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Defines each listed test once per backend: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() {
                if let Some(app) = $crate::spawn_app(chancery_store::Backend::Sqlite).await {
                    super::$name(&app).await;
                    app.stop().await;
                }
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() {
                if let Some(app) = $crate::spawn_app(chancery_store::Backend::Postgres).await {
                    super::$name(&app).await;
                    app.stop().await;
                }
            })*
        }
    };
}
