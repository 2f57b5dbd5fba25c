//! Access: anonymous requests, sessions (fixation, logout, cookie flags), cross-origin
//! protection, login throttling, API tokens, redaction end to end, and the audit log.

use crate::{TestApp, bearer_client, case_json, source_json};
use chancery_web::routes::{Access, table};
use serde_json::{Value, json};

crate::on_both_backends!(
    anonymous_requests_are_refused_except_open_routes,
    login_rotates_the_session_and_logout_ends_it,
    cross_site_posts_are_refused,
    repeated_failures_lock_the_account_until_an_admin_lifts_it,
    tokens_are_shown_once_and_can_be_revoked,
    redaction_end_to_end,
    the_audit_log_holds_ids_and_hashes_only,
    login_next_with_a_tab_cannot_send_the_user_off_site,
);

const PASSWORD: &str = "correct horse battery staple";

/// Signs a browser client in; returns it.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let b = app.browser();
    let r = b
        .post(app.url("/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login of {email}");
    b
}

fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("chancery_session="))
        .map(str::to_string)
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("chancery_session=")
        .to_string()
}

async fn anonymous_requests_are_refused_except_open_routes(app: &TestApp) {
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for route in table() {
        let path = route.path.replace("{id}", "1");
        let r = anon
            .request(route.method.clone(), app.url(&path))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        match (route.access, route.is_api()) {
            (Access::Public, _) => assert!(
                status != 401 && !(300..400).contains(&status) || route.name == "login",
                "{} is open, got {status}",
                route.name
            ),
            (Access::Signed, true) => {
                assert_eq!(status, 401, "{} {}", route.method, route.path);
                assert_eq!(r.headers()["www-authenticate"], "Bearer");
                let e: Value = r.json().await.unwrap();
                assert!(e["errors"][0]["reason"].is_string());
            }
            (Access::Signed, false) => {
                assert_eq!(status, 303, "{} {}", route.method, route.path);
                let to = r.headers()["location"].to_str().unwrap();
                assert!(to.starts_with("/login?next="), "{} -> {to}", route.path);
            }
        }
    }
    // A wrong or revoked token is anonymous too.
    let r = bearer_client("chy_not-a-token")
        .get(app.url("/api/v1/cases"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

async fn login_rotates_the_session_and_logout_ends_it(app: &TestApp) {
    app.account(
        "officer@test.example",
        "post_officer",
        Some("berlin"),
        true,
        Some(PASSWORD),
    )
    .await;
    let b = app.browser();
    // Visiting the login page with a target starts no session (no row either: `hardening`).
    let r = b
        .get(app.url("/login?next=%2Fcases%3Fcountry%3DDE"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(session_cookie(&r).is_none(), "no session before login");
    // An id no login issued (one planted for session fixation) grants nothing, and the id
    // set at login is a new one.
    let before = "chancery_session=AAAAAAAAAAAAAAAAAAAAAA".to_string();

    let r = b
        .post(app.url("/login"))
        .form(&[
            ("email", "officer@test.example"),
            ("password", "wrong password!!"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let failure = r.text().await.unwrap();
    let r = b
        .post(app.url("/login"))
        .form(&[
            ("email", "nobody@test.example"),
            ("password", "wrong password!!"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let failure_unknown = r
        .text()
        .await
        .unwrap()
        .replace("nobody@test.example", "officer@test.example");
    assert_eq!(
        failure, failure_unknown,
        "the same answer whether or not the account exists"
    );

    let r = b
        .post(app.url("/login"))
        .form(&[("email", "Officer@Test.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/cases?country=DE",
        "back to where the user was going"
    );
    let after = session_cookie(&r).expect("a new session cookie at login");
    assert!(
        after.contains("HttpOnly") && after.contains("SameSite=Lax"),
        "{after}"
    );
    assert!(
        !after.contains("Secure"),
        "not Secure on plain http by default"
    );
    assert_ne!(
        cookie_value(&before),
        cookie_value(&after),
        "the session id changes at login"
    );
    assert_eq!(b.get(app.url("/cases")).send().await.unwrap().status(), 200);

    // The id from before login is worthless: fixation gains nothing.
    let fixed = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = fixed
        .get(app.url("/cases"))
        .header(
            "cookie",
            format!("chancery_session={}", cookie_value(&before)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // The session lives in the database: a second server on the same database honours it.
    let r = fixed
        .get(app.url("/api/v1/cases"))
        .header(
            "cookie",
            format!("chancery_session={}", cookie_value(&after)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let r = b.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(b.get(app.url("/cases")).send().await.unwrap().status(), 303);
    let r = fixed
        .get(app.url("/api/v1/cases"))
        .header(
            "cookie",
            format!("chancery_session={}", cookie_value(&after)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "the session ended on the server, not only in the browser"
    );
    // An open redirect is not possible through `next`.
    let b = app.browser();
    b.get(app.url("/login?next=%2F%2Fevil.example%2F"))
        .send()
        .await
        .unwrap();
    let r = b
        .post(app.url("/login"))
        .form(&[("email", "officer@test.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
}

async fn cross_site_posts_are_refused(app: &TestApp) {
    app.account(
        "officer@test.example",
        "post_officer",
        Some("berlin"),
        true,
        Some(PASSWORD),
    )
    .await;
    let b = sign_in(app, "officer@test.example", PASSWORD).await;
    let form = [
        ("kind", "other"),
        ("title", "Planted by another site"),
        ("publisher", "P"),
    ];
    for (header, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "http://evil.example"),
    ] {
        let r = b
            .post(app.url("/sources"))
            .header(header, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{header}: {value}");
    }
    let r = b
        .post(app.url("/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "even logout");
    let list: Value = app.get("/api/v1/sources").await.json().await.unwrap();
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing was written"
    );
    let origin = format!("http://{}", app.addr);
    let r = b
        .post(app.url("/sources"))
        .header("origin", origin)
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the same origin may post");
}

async fn repeated_failures_lock_the_account_until_an_admin_lifts_it(app: &TestApp) {
    let id = app
        .account(
            "target@test.example",
            "hq_reader",
            None,
            false,
            Some(PASSWORD),
        )
        .await;
    app.account("admin@test.example", "admin", None, true, Some(PASSWORD))
        .await;
    let b = app.browser();
    for _ in 0..5 {
        let r = b
            .post(app.url("/login"))
            .form(&[
                ("email", "target@test.example"),
                ("password", "not the password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = b
        .post(app.url("/login"))
        .form(&[("email", "target@test.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "locked: even the right password fails, with the same message"
    );
    let admin = sign_in(app, "admin@test.example", PASSWORD).await;
    let page = admin
        .get(app.url(&format!("/admin/users/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Lift the lockout"));
    let r = admin
        .post(app.url(&format!("/admin/users/{id}/unlock")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    sign_in(app, "target@test.example", PASSWORD).await;
    // The throttle lives in the database: entries show in the audit log.
    let log: Value = admin
        .get(app.url("/api/v1/audit?action=user_locked"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log.as_array().unwrap().len(), 1);
    let log: Value = admin
        .get(app.url("/api/v1/audit?action=user_unlock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log.as_array().unwrap().len(), 1);
}

async fn tokens_are_shown_once_and_can_be_revoked(app: &TestApp) {
    app.account(
        "reader@test.example",
        "hq_reader",
        None,
        true,
        Some(PASSWORD),
    )
    .await;
    let b = sign_in(app, "reader@test.example", PASSWORD).await;
    let page = b
        .post(app.url("/account/tokens"))
        .form(&[("name", "my script")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = page
        .split("chy_")
        .nth(1)
        .map(|t| format!("chy_{}", t.split('<').next().unwrap()))
        .expect("token shown");
    let client = bearer_client(&token);
    assert_eq!(
        client
            .get(app.url("/api/v1/cases"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let page = b
        .get(app.url("/account/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&token), "shown once only");
    let id = page
        .split("/account/tokens/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let r = b
        .post(app.url(&format!("/account/tokens/{id}/revoke")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        client
            .get(app.url("/api/v1/cases"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // Nobody revokes another account's token.
    let other = app.client_as("hq_editor", None, true).await;
    let r = other
        .post(app.url(&format!("/account/tokens/{id}/revoke")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

async fn redaction_end_to_end(app: &TestApp) {
    let src = app.seed().await;
    let mut c = case_json("berlin", "DE", "A case", src);
    c["summary"] = json!("Witness Fictivia Exampleton was named here by mistake.");
    // The PII check stops the save and points at the name, in characters of the field...
    let r = app.post_json("/api/v1/cases", &c).await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["errors"][0]["field"], "summary", "{e}");
    assert_eq!(e["errors"][0]["span"], json!([8, 27]), "{e}");
    assert_eq!(e["errors"][0]["kind"], "person_name", "{e}");
    // ...the author (wrongly) confirms it, which is recorded and audited...
    c["confirm_pii"] = json!([{"field": "summary", "span": [8, 27]}]);
    let r = app.post_json("/api/v1/cases", &c).await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // ...and a confirmed text no longer blocks later saves; the redaction below removes it.
    c.as_object_mut().unwrap().remove("confirm_pii");
    c["title"] = json!("A case, retitled");
    assert_eq!(
        app.put_json(&format!("/api/v1/cases/{id}"), Some("1"), &c)
            .await
            .status(),
        200
    );
    let before: Value = app
        .get(&format!("/api/v1/cases/{id}/history"))
        .await
        .json()
        .await
        .unwrap();

    let admin = app.client_as("admin", None, true).await;
    let req = json!({"record_type": "case", "record_id": id, "field": "summary",
                     "reason": "A private name (Fictivia Exampleton) was saved by mistake"});
    let r = admin
        .post(app.url("/api/v1/redactions"))
        .json(&req)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let rid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // Only an HQ editor decides; the administrator cannot approve their own request.
    let decision = json!({"decision": "approve"});
    let r = admin
        .post(app.url(&format!("/api/v1/redactions/{rid}/decision")))
        .header("If-Match", "1")
        .json(&decision)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .client
        .post(app.url(&format!("/api/v1/redactions/{rid}/decision")))
        .header("If-Match", "1")
        .json(&decision)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let applied: Value = r.json().await.unwrap();
    assert_eq!(applied["versions_changed"], 2);

    let after: Value = app
        .get(&format!("/api/v1/cases/{id}/history"))
        .await
        .json()
        .await
        .unwrap();
    for (b, a) in before
        .as_array()
        .unwrap()
        .iter()
        .zip(after.as_array().unwrap())
    {
        assert_eq!(b["content_hash"], a["content_hash"]);
        assert_eq!(b["prev_hash"], a["prev_hash"]);
        assert_eq!(a["data"]["summary"], "[REDACTED]");
    }
    let page = app
        .get(&format!("/cases/{id}/history"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Exampleton"));
    let log: Value = admin
        .get(app.url("/api/v1/audit?limit=1000"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !log.to_string().contains("Exampleton"),
        "the audit log holds no text"
    );
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "redact" && e["record_id"] == id)
    );
    assert!(
        app.store().audit_verify().await.unwrap().is_ok(),
        "the chain still verifies"
    );
    // The request's page shows it approved; its reason stays with the request (SBU).
    let page = app
        .get(&format!("/redactions/{rid}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("approved") && page.contains("SENSITIVE BUT UNCLASSIFIED"));
}

async fn the_audit_log_holds_ids_and_hashes_only(app: &TestApp) {
    app.account(
        "officer@test.example",
        "post_officer",
        Some("berlin"),
        true,
        Some(PASSWORD),
    )
    .await;
    let b = sign_in(app, "officer@test.example", PASSWORD).await;
    let src = app.seed().await;
    let mut c = case_json("berlin", "DE", "Secret-looking title", src);
    c["summary"] = json!("Secret-looking summary");
    let id = app
        .post_json("/api/v1/cases", &c)
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // An SBU case read in the browser is logged as a read of that version.
    assert_eq!(
        b.get(app.url(&format!("/cases/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let admin = app.client_as("admin", None, false).await;
    let log: Value = admin
        .get(app.url("/api/v1/audit?limit=1000"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = log.as_array().unwrap();
    let has = |action: &str| entries.iter().any(|e| e["action"] == action);
    assert!(has("login") && has("create") && has("user_create"));
    let read = entries
        .iter()
        .find(|e| e["action"] == "read" && e["record_type"] == "case" && e["record_id"] == id)
        .expect("an SBU read is logged");
    assert_eq!(read["version"], 1);
    assert_eq!(read["content_hash"].as_str().unwrap().len(), 64);
    assert!(read["address"].as_str().is_some());
    assert!(!log.to_string().contains("Secret-looking"));
    // The admin page shows the log, filterable, and the chain's state.
    let page = admin
        .get(app.url("/admin/audit?action=read"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("verifies") && page.contains("case "));
    assert_eq!(
        admin
            .get(app.url("/admin/audit?record_id=x"))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
    // Others may not see the log.
    assert_eq!(app.get("/api/v1/audit").await.status(), 403);
    let _ = source_json;
}

/// Regression: expired sessions do not stay in the database; the server purges them
/// periodically.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_sessions_are_purged() {
    use sqlx::Connection;
    use std::time::Duration;
    let config = chancery_web::WebConfig {
        session_idle: Duration::from_secs(1),
        session_purge: Duration::from_millis(500),
        ..Default::default()
    };
    let app = crate::spawn_app_with(chancery_store::Backend::Sqlite, config)
        .await
        .unwrap();
    app.account(
        "reader@test.example",
        "hq_reader",
        None,
        false,
        Some(PASSWORD),
    )
    .await;
    let r = app
        .browser()
        .post(app.url("/login"))
        .form(&[("email", "reader@test.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(session_cookie(&r).is_some());
    let mut db = sqlx::SqliteConnection::connect(&app.db_url())
        .await
        .unwrap();
    let count = async |db: &mut sqlx::SqliteConnection| -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
            .fetch_one(db)
            .await
            .unwrap()
    };
    assert!(count(&mut db).await >= 1, "the login stored a session");
    // The session expires after 1 s idle; the purge runs every 0.5 s and deletes its row.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(count(&mut db).await, 0, "expired sessions are purged");
    app.stop().await;
}

/// Sessions end after the idle timeout and after the absolute timeout, on the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_time_out() {
    use std::time::Duration;
    for (idle, absolute) in [(1, 3600), (3600, 1)] {
        let config = chancery_web::WebConfig {
            session_idle: Duration::from_secs(idle),
            session_absolute: Duration::from_secs(absolute),
            ..Default::default()
        };
        let app = crate::spawn_app_with(chancery_store::Backend::Sqlite, config)
            .await
            .unwrap();
        app.account(
            "reader@test.example",
            "hq_reader",
            None,
            false,
            Some(PASSWORD),
        )
        .await;
        let b = app.browser();
        let r = b
            .post(app.url("/login"))
            .form(&[("email", "reader@test.example"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let cookie = cookie_value(&session_cookie(&r).unwrap());
        let plain = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let ask = || {
            plain
                .get(app.url("/api/v1/posts"))
                .header("cookie", format!("chancery_session={cookie}"))
                .send()
        };
        assert_eq!(
            ask().await.unwrap().status(),
            200,
            "idle {idle}s, absolute {absolute}s: fresh"
        );
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(
            ask().await.unwrap().status(),
            401,
            "idle {idle}s, absolute {absolute}s: expired"
        );
        app.stop().await;
    }
}

/// The finding: `GET /login?next=/%09/evil.example/phish`, then a login, answered
/// `Location: /\t/evil.example/phish`, which browsers resolve off-site (they drop the tab).
async fn login_next_with_a_tab_cannot_send_the_user_off_site(app: &TestApp) {
    app.account(
        "officer@test.example",
        "post_officer",
        Some("berlin"),
        true,
        Some(PASSWORD),
    )
    .await;
    for (next, expected) in [
        ("/%09/evil.example/phish", "/"),
        ("/%0A/evil.example/", "/"),
        ("/%5C/evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/cases?country=DE", "/cases?country=DE"),
    ] {
        let b = app.browser();
        b.get(app.url(&format!(
            "/login?next={}",
            next.replace('?', "%3F").replace('=', "%3D")
        )))
        .send()
        .await
        .unwrap();
        let r = b
            .post(app.url("/login"))
            .form(&[("email", "officer@test.example"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], expected, "next={next}");
    }
}
