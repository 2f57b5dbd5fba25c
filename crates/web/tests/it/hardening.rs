//! The hardening list of issue 12: one test per attack, each named after it, against the real
//! server and database (both backends).

use crate::{TestApp, source_json};
use serde_json::Value;

crate::on_both_backends!(
    thirty_parallel_wrong_passwords_get_at_most_five_real_checks,
    anonymous_visits_to_the_login_page_create_no_session_rows,
    cookie_post_without_origin_fetch_metadata_or_form_token_is_refused,
);

const PASSWORD: &str = "correct horse battery staple";

/// A browser that sends neither `Origin` nor `Sec-Fetch-Site` (an old browser, or a request
/// forged by a plug-in or an intermediary), with a cookie jar.
fn headerless_browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Rows in the `sessions` table, read with plain SQL on whichever backend the app runs.
pub async fn session_rows(app: &TestApp) -> i64 {
    use sqlx::Connection;
    let url = app.db_url();
    let sql = "SELECT COUNT(*) FROM sessions";
    if url.starts_with("postgres") {
        let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut db).await.unwrap()
    } else {
        let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut db).await.unwrap()
    }
}

/// Audit entries of one action, as the administrator's API answers them.
async fn audit_entries(app: &TestApp, admin: &reqwest::Client, action: &str) -> Vec<Value> {
    let r = admin
        .get(app.url(&format!("/api/v1/audit?action={action}&limit=1000")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap().as_array().unwrap().clone()
}

/// The finding: 30 parallel wrong passwords for one account got 30 real password checks,
/// though an account locks after 5 failures; and each throttled attempt wrote an audit row
/// and an attempt row. The throttle now counts each attempt in the database before any check.
async fn thirty_parallel_wrong_passwords_get_at_most_five_real_checks(app: &TestApp) {
    let id = app
        .account(
            "target@test.example",
            "hq_reader",
            None,
            false,
            Some(PASSWORD),
        )
        .await;
    let attempts = (0..30).map(|i| {
        let url = app.url("/login");
        async move {
            reqwest::Client::new()
                .post(url)
                .form(&[
                    ("email", "target@test.example"),
                    ("password", format!("wrong password {i}").as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert!(
        statuses.iter().all(|s| *s == 401),
        "every attempt fails alike: {statuses:?}"
    );
    let admin = app.client_as("admin", None, false).await;
    let checked: Vec<Value> = audit_entries(app, &admin, "login_failed")
        .await
        .into_iter()
        .filter(|e| e["actor_id"] == id)
        .collect();
    assert!(
        checked.len() <= 5,
        "{} real password checks for one account; the limit is 5",
        checked.len()
    );
    assert_eq!(checked.len(), 5, "the first five are checked");
    let throttled = audit_entries(app, &admin, "login_throttled").await;
    assert_eq!(
        throttled.len(),
        1,
        "the refused attempts of one window write one summary row: {throttled:?}"
    );
    assert_eq!(
        audit_entries(app, &admin, "user_locked").await.len(),
        1,
        "the account locked once"
    );
    // The right password is refused too while the account is locked.
    let r = reqwest::Client::new()
        .post(app.url("/login"))
        .form(&[("email", "target@test.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

/// The finding: `GET /login` created a session row for every anonymous request, so anyone
/// could fill the sessions table.
async fn anonymous_visits_to_the_login_page_create_no_session_rows(app: &TestApp) {
    let before = session_rows(app).await;
    for path in [
        "/login",
        "/login?next=%2Fcases%3Fcountry%3DDE",
        "/",
        "/cases",
        "/static/style.css",
    ] {
        for _ in 0..10 {
            let r = headerless_browser()
                .get(app.url(path))
                .send()
                .await
                .unwrap();
            assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
            let session_cookie = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|c| c.starts_with("chancery_session="))
                .map(str::to_string);
            assert!(
                session_cookie.is_none(),
                "{path} started a session: {session_cookie:?}"
            );
        }
    }
    // A failed sign-in is anonymous too.
    let r = headerless_browser()
        .post(app.url("/login"))
        .form(&[("email", "nobody@test.example"), ("password", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        session_rows(app).await,
        before,
        "anonymous requests left session rows"
    );
}

/// The hidden form token a page carries.
fn form_token(html: &str) -> String {
    let at = html
        .find("name=\"csrf_token\" value=\"")
        .expect("the form carries a token");
    let rest = &html[at + "name=\"csrf_token\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The finding: a cookie-authenticated POST carrying neither `Origin` nor `Sec-Fetch-Site` was
/// accepted, so cross-site protection failed open. It now needs the session's form token.
async fn cookie_post_without_origin_fetch_metadata_or_form_token_is_refused(app: &TestApp) {
    app.account(
        "officer@test.example",
        "post_officer",
        Some("berlin"),
        true,
        Some(PASSWORD),
    )
    .await;
    let b = headerless_browser();
    let r = b
        .post(app.url("/login"))
        .form(&[("email", "officer@test.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "signing in needs no session yet");
    let form = [
        ("kind", "other"),
        ("title", "Planted without headers"),
        ("publisher", "P"),
    ];
    let r = b
        .post(app.url("/sources"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        403,
        "a cookie POST without Origin, Sec-Fetch-Site or form token"
    );
    let r = b
        .post(app.url("/sources"))
        .form(&[form.as_slice(), &[("csrf_token", "not-the-token")]].concat())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a wrong form token");
    let r = b.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(r.status(), 403, "even logout");
    let list: Value = app.get("/api/v1/sources").await.json().await.unwrap();
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing was written"
    );
    // The real form carries the token, so a browser without those headers still works.
    let page = b
        .get(app.url("/sources/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = form_token(&page);
    let r = b
        .post(app.url("/sources"))
        .form(&[form.as_slice(), &[("csrf_token", token.as_str())]].concat())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the page's own form is accepted");
    // A non-form request may send it as a header.
    let r = b
        .post(app.url("/logout"))
        .header("x-csrf-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // API calls with a token are not cookie requests: unaffected.
    let r = app
        .post_json("/api/v1/sources", &source_json("By API token"))
        .await;
    assert_eq!(r.status(), 201);
}

/// A failed sign-in for an unknown account (no account lock involved), sent as if through a
/// proxy that says the client is `forwarded_for`.
async fn failed_login_via(app: &TestApp, forwarded_for: &str) -> u16 {
    reqwest::Client::new()
        .post(app.url("/login"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[("email", "nobody@test.example"), ("password", "wrong")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn login_audit(app: &TestApp) -> (Vec<String>, usize) {
    let admin = app.client_as("admin", None, false).await;
    let failed = audit_entries(app, &admin, "login_failed")
        .await
        .iter()
        .map(|e| e["address"].as_str().unwrap_or("").to_string())
        .collect();
    let throttled = audit_entries(app, &admin, "login_throttled").await.len();
    (failed, throttled)
}

fn behind_proxy(trusted: &[&str]) -> chancery_web::WebConfig {
    chancery_web::WebConfig {
        trusted_proxies: chancery_app::proxies::TrustedProxies::parse(trusted).unwrap(),
        ..Default::default()
    }
}

/// The finding: the address throttle keyed on the peer, so behind a reverse proxy every user
/// shared the proxy's address (and one attacker locked everyone out). With the proxy trusted,
/// its `X-Forwarded-For` names the client the throttle counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_the_address_throttle_keys_on_the_forwarded_client() {
    for backend in [
        chancery_store::Backend::Sqlite,
        chancery_store::Backend::Postgres,
    ] {
        let Some(app) = crate::spawn_app_with(backend, behind_proxy(&["127.0.0.1/32"])).await
        else {
            continue;
        };
        for _ in 0..20 {
            assert_eq!(failed_login_via(&app, "6.6.6.6, 198.51.100.7").await, 401);
        }
        // The 21st from that client is refused without a check...
        assert_eq!(failed_login_via(&app, "198.51.100.7").await, 401);
        let (failed, throttled) = login_audit(&app).await;
        assert_eq!((failed.len(), throttled), (20, 1), "{backend:?}");
        assert!(
            failed.iter().all(|a| a == "198.51.100.7"),
            "the rightmost untrusted hop is the client, not what it forged on the left: {failed:?}"
        );
        // ...while another user behind the same proxy is still checked.
        assert_eq!(failed_login_via(&app, "198.51.100.8").await, 401);
        let (failed, throttled) = login_audit(&app).await;
        assert_eq!((failed.len(), throttled), (21, 1), "{backend:?}");
        assert_eq!(failed.first().map(String::as_str), Some("198.51.100.8"));
        app.stop().await;
    }
}

/// The other side: an untrusted peer cannot dodge the address throttle by sending a new
/// `X-Forwarded-For` with each attempt; its header is ignored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_from_an_untrusted_peer_cannot_dodge_the_address_throttle() {
    for backend in [
        chancery_store::Backend::Sqlite,
        chancery_store::Backend::Postgres,
    ] {
        // A proxy is trusted, but not the address the test connects from.
        let Some(app) = crate::spawn_app_with(backend, behind_proxy(&["10.0.0.0/8"])).await else {
            continue;
        };
        for i in 0..21 {
            assert_eq!(
                failed_login_via(&app, &format!("198.51.100.{i}")).await,
                401
            );
        }
        let (failed, throttled) = login_audit(&app).await;
        assert_eq!((failed.len(), throttled), (20, 1), "{backend:?}");
        assert!(failed.iter().all(|a| a == "127.0.0.1"), "{failed:?}");
        app.stop().await;
    }
}
