//! Separation of duties for accounts: an administrator never sets or learns a content user's
//! password and never grants SBU access alone; API tokens expire and are revoked when the
//! account they act for changes.

use crate::{TestApp, bearer_client, case_json};
use serde_json::Value;

crate::on_both_backends!(admin_cannot_reach_sbu_records_through_account_creation_or_reset,);

const PASSWORD: &str = "correct horse battery staple";
/// A password the administrator under test chooses and so knows.
const ADMIN_CHOSEN: &str = "the administrator knows this one";
/// Text only the SBU case holds.
const SBU_TITLE: &str = "Quagga sensitive case";

/// Signs a browser client in; returns it and the login's status.
async fn try_sign_in(app: &TestApp, email: &str, password: &str) -> (reqwest::Client, u16) {
    let b = app.browser();
    let r = b
        .post(app.url("/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (b, status)
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let (b, status) = try_sign_in(app, email, password).await;
    assert_eq!(status, 303, "login of {email}");
    b
}

/// The SBU case every attack aims at; returns its id.
async fn sbu_case(app: &TestApp) -> i64 {
    let src = app.seed().await;
    let r = app
        .post_json("/api/v1/cases", &case_json("berlin", "DE", SBU_TITLE, src))
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// A text between `start` and the next `end` in a page, if any.
fn between<'a>(page: &'a str, start: &str, end: char) -> Option<&'a str> {
    page.split_once(start)
        .map(|(_, rest)| rest.split(end).next().unwrap_or(""))
}

/// The attack of the review: an administrator creates (or takes over) a content account with
/// SBU access and a password they know, signs in as it and reads SBU cases. Every step an
/// administrator can take alone through the pages and the API is tried; none reaches the case.
async fn admin_cannot_reach_sbu_records_through_account_creation_or_reset(app: &TestApp) {
    let case = sbu_case(app).await;
    let victim = app
        .account(
            "victim@test.example",
            "hq_editor",
            None,
            true,
            Some(PASSWORD),
        )
        .await;
    app.account("admin@test.example", "admin", None, false, Some(PASSWORD))
        .await;
    let admin = sign_in(app, "admin@test.example", PASSWORD).await;
    let mut seen = String::new();

    // 1. A new HQ editor with SBU access and a password of the administrator's choosing.
    let r = admin
        .post(app.url("/admin/users"))
        .form(&[
            ("email", "mole@test.example"),
            ("display_name", "Mole"),
            ("role", "hq_editor"),
            ("sbu_access", "true"),
            ("active", "true"),
            ("password", ADMIN_CHOSEN),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the account itself may be created");
    let mole_page = r.headers()["location"].to_str().unwrap().to_string();
    let mole: i64 = mole_page.rsplit('/').next().unwrap().parse().unwrap();
    let (_, status) = try_sign_in(app, "mole@test.example", ADMIN_CHOSEN).await;
    assert_eq!(status, 401, "no password set by the administrator signs in");
    let stored = app
        .store()
        .user(chancery_domain::UserId(mole))
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.account.sbu_access, "SBU access waits for approval");
    assert!(stored.password_hash.is_none(), "no password was stored");
    let page = admin
        .get(app.url(&mole_page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    seen.push_str(&page);
    assert!(
        page.contains("waiting for another administrator"),
        "the page says the SBU access is pending: {page}"
    );

    // 2. Approving one's own request is refused.
    let grant = between(&page, "/admin/sbu-grants/", '/')
        .map(str::to_string)
        .unwrap_or_else(|| "1".into());
    let r = admin
        .post(app.url(&format!("/admin/sbu-grants/{grant}/decision")))
        .form(&[("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "nobody approves their own request");
    let stored = app
        .store()
        .user(chancery_domain::UserId(mole))
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.account.sbu_access);

    // 3. Setting an existing editor's password: there is no such route any more.
    let r = admin
        .post(app.url(&format!("/admin/users/{victim}/password")))
        .form(&[("password", ADMIN_CHOSEN)])
        .send()
        .await
        .unwrap();
    assert!(
        matches!(r.status().as_u16(), 404 | 405),
        "no direct password setting: {}",
        r.status()
    );
    let (_, status) = try_sign_in(app, "victim@test.example", ADMIN_CHOSEN).await;
    assert_eq!(status, 401);

    // 4. A reset link asked for by this administrator is never shown to them.
    for target in [victim, mole] {
        let r = admin
            .post(app.url(&format!("/admin/users/{target}/reset")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "a reset may be requested");
        let page = admin
            .get(app.url(&format!("/admin/users/{target}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("another administrator"), "{page}");
        seen.push_str(&page);
        let r = admin
            .post(app.url(&format!("/admin/users/{target}/reset/issue")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "the requester cannot issue the link");
        seen.push_str(&r.text().await.unwrap());
    }
    for page in ["/admin/users", "/admin/audit?limit=1000"] {
        seen.push_str(
            &admin
                .get(app.url(page))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
    }
    assert!(
        !seen.contains("/password-reset/"),
        "no reset link ever reaches the administrator who asked"
    );

    // 5. Becoming a content account oneself: an administrator cannot change their own role
    //    or SBU access.
    let me = app
        .store()
        .user_by_email(&chancery_domain::Email::parse("admin@test.example").unwrap())
        .await
        .unwrap()
        .unwrap();
    let r = admin
        .post(app.url(&format!("/admin/users/{}", me.id.0)))
        .form(&[
            ("email", "admin@test.example"),
            ("display_name", "Admin"),
            ("role", "hq_editor"),
            ("sbu_access", "true"),
            ("active", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_client_error(),
        "one's own role stays: {}",
        r.status()
    );
    let me = app.store().user(me.id).await.unwrap().unwrap();
    assert_eq!(me.account.placement.role(), chancery_domain::Role::Admin);
    assert!(!me.account.sbu_access);

    // The content accounts stay out of reach, and so does the case, by page and by API.
    for (email, password) in [
        ("mole@test.example", ADMIN_CHOSEN),
        ("victim@test.example", ADMIN_CHOSEN),
        ("mole@test.example", PASSWORD),
    ] {
        let (_, status) = try_sign_in(app, email, password).await;
        assert_eq!(status, 401, "{email} cannot be signed into");
    }
    for path in [
        format!("/cases/{case}"),
        format!("/api/v1/cases/{case}"),
        "/api/v1/cases".to_string(),
    ] {
        let r = admin.get(app.url(&path)).send().await.unwrap();
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
        assert!(!r.text().await.unwrap().contains(SBU_TITLE));
    }
    assert!(!seen.contains(SBU_TITLE));
    // The victim still signs in with their own password.
    sign_in(app, "victim@test.example", PASSWORD).await;
    let _ = bearer_client;
}
