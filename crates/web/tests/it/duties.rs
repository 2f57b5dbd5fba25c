//! Separation of duties for accounts: an administrator never sets or learns a content user's
//! password and never grants SBU access alone; API tokens expire and are revoked when the
//! account they act for changes.

use crate::{TestApp, bearer_client, case_json};
use serde_json::Value;

crate::on_both_backends!(
    admin_cannot_reach_sbu_records_through_account_creation_or_reset,
    a_second_administrator_approves_sbu_access_and_issues_the_password_link,
    a_password_link_works_once_and_expires,
    expired_tokens_are_refused_and_the_expiry_is_shown_at_creation,
    tokens_are_revoked_on_reset_deactivation_and_role_or_sbu_change,
);

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
}

async fn text(r: reqwest::Response) -> String {
    r.text().await.unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.store()
        .user_by_email(&chancery_domain::Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
        .0
}

/// Asks (as `asker`) for a password link for the account and issues it (as `issuer`);
/// returns the link's path.
async fn reset_link(
    app: &TestApp,
    asker: &reqwest::Client,
    issuer: &reqwest::Client,
    account: i64,
) -> String {
    let r = asker
        .post(app.url(&format!("/admin/users/{account}/reset")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    issue(app, issuer, account).await
}

async fn issue(app: &TestApp, issuer: &reqwest::Client, account: i64) -> String {
    let r = issuer
        .post(app.url(&format!("/admin/users/{account}/reset/issue")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = text(r).await;
    let token = between(&page, "/password-reset/", '<').expect("the link is shown");
    format!("/password-reset/{token}")
}

/// Sets a password through a link, as the account's user would (no session, no token).
async fn use_link(app: &TestApp, link: &str, password: &str) -> reqwest::Response {
    app.browser()
        .post(app.url(link))
        .form(&[("password", password), ("password_confirm", password)])
        .send()
        .await
        .unwrap()
}

/// A bearer client for a new token of the account.
async fn token_of(app: &TestApp, account: i64) -> reqwest::Client {
    let token = chancery_web::new_token();
    app.store()
        .create_token(
            chancery_domain::UserId(account),
            "test",
            &chancery_store::sha256_hex(&token),
            &chancery_store::AuditCtx::system(),
        )
        .await
        .unwrap();
    bearer_client(&token)
}

async fn status_of(client: &reqwest::Client, app: &TestApp, path: &str) -> u16 {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Audit entries of one action, through the API (as an administrator).
async fn audit_of(app: &TestApp, admin: &reqwest::Client, action: &str) -> Vec<Value> {
    admin
        .get(app.url(&format!("/api/v1/audit?action={action}")))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The positive path: one administrator asks for an HQ editor with SBU access; while alone
/// they cannot grant it; a second administrator approves it and issues the password link; the
/// user chooses a password, is told at sign-in that it was reset, and reads SBU cases. Both
/// steps of each two-person action are audited under their own actor.
async fn a_second_administrator_approves_sbu_access_and_issues_the_password_link(app: &TestApp) {
    let case = sbu_case(app).await;
    let first = app
        .account("first@test.example", "admin", None, false, Some(PASSWORD))
        .await;
    let a = sign_in(app, "first@test.example", PASSWORD).await;
    let r = a
        .post(app.url("/admin/users"))
        .form(&[
            ("email", "newbie@test.example"),
            ("display_name", "Newbie"),
            ("role", "hq_editor"),
            ("sbu_access", "true"),
            ("active", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let newbie = user_id(app, "newbie@test.example").await;
    let page = text(
        a.get(app.url(&format!("/admin/users/{newbie}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page.contains("only one administrator"),
        "a lone administrator is told SBU access cannot be granted here: {page}"
    );
    assert!(
        !page.contains("/admin/sbu-grants/"),
        "no approval form for the requester"
    );
    let listed = text(a.get(app.url("/admin/users")).send().await.unwrap()).await;
    assert!(listed.contains("waiting for approval"), "{listed}");

    let second = app
        .account("second@test.example", "admin", None, false, Some(PASSWORD))
        .await;
    let b = sign_in(app, "second@test.example", PASSWORD).await;
    let page = text(
        b.get(app.url(&format!("/admin/users/{newbie}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page.contains("Approve SBU access") && page.contains("Issue the link"),
        "{page}"
    );
    let grant = between(&page, "/admin/sbu-grants/", '/')
        .unwrap()
        .to_string();
    let r = b
        .post(app.url(&format!("/admin/sbu-grants/{grant}/decision")))
        .form(&[("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let stored = app
        .store()
        .user(chancery_domain::UserId(newbie))
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.account.sbu_access,
        "approved by a second administrator"
    );
    // Deciding twice is refused.
    let r = b
        .post(app.url(&format!("/admin/sbu-grants/{grant}/decision")))
        .form(&[("decision", "reject")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let link = issue(app, &b, newbie).await;
    let token = link.trim_start_matches("/password-reset/");
    let page = text(
        a.get(app.url(&format!("/admin/users/{newbie}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        !page.contains(token) && page.contains("was issued by second@test.example"),
        "{page}"
    );

    let user = app.browser();
    let form = user.get(app.url(&link)).send().await.unwrap();
    assert_eq!(form.status(), 200);
    assert!(text(form).await.contains("Choose a new password"));
    let r = user
        .post(app.url(&link))
        .form(&[
            ("password", "newbie's own password"),
            ("password_confirm", "something else"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "the two passwords differ");
    let r = use_link(app, &link, "short").await;
    assert_eq!(r.status(), 422, "the password rules hold");
    let r = use_link(app, &link, "newbie's own password").await;
    assert_eq!(r.status(), 303);

    let r = user
        .post(app.url("/login"))
        .form(&[
            ("email", "newbie@test.example"),
            ("password", "newbie's own password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/account/notice"), "{to}");
    let notice = text(user.get(app.url(&to)).send().await.unwrap()).await;
    assert!(
        notice.contains("Your password was reset on")
            && notice.contains("at the request of an administrator"),
        "{notice}"
    );
    let r = user
        .post(app.url("/account/notice"))
        .form(&[("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = text(
        user.get(app.url(&format!("/cases/{case}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page.contains(SBU_TITLE),
        "the approved account reads SBU cases"
    );
    // The notice is shown once.
    let again = sign_in(app, "newbie@test.example", "newbie's own password").await;
    let r = again.get(app.url("/account/notice")).send().await.unwrap();
    assert!(text(r).await.contains("nothing new"));

    let actor = |entries: &[Value]| {
        entries
            .iter()
            .map(|e| e["actor_id"].as_i64())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        actor(&audit_of(app, &b, "sbu_grant_request").await),
        [Some(first)]
    );
    assert_eq!(
        actor(&audit_of(app, &b, "sbu_grant_approve").await),
        [Some(second)]
    );
    assert_eq!(
        actor(&audit_of(app, &b, "password_reset_request").await),
        [Some(first)]
    );
    assert_eq!(
        actor(&audit_of(app, &b, "password_reset_issue").await),
        [Some(second)]
    );
    assert_eq!(
        actor(&audit_of(app, &b, "password_reset_use").await),
        [Some(newbie)]
    );
    assert!(app.store().audit_verify().await.unwrap().is_ok());
}

/// A link works once, and not after it expires (checked with the application's clock set
/// past the expiry, over the same database); a newer link replaces an older one.
async fn a_password_link_works_once_and_expires(app: &TestApp) {
    let victim = app
        .account(
            "victim@test.example",
            "hq_editor",
            None,
            true,
            Some(PASSWORD),
        )
        .await;
    app.account("first@test.example", "admin", None, false, Some(PASSWORD))
        .await;
    app.account("second@test.example", "admin", None, false, Some(PASSWORD))
        .await;
    let a = sign_in(app, "first@test.example", PASSWORD).await;
    let b = sign_in(app, "second@test.example", PASSWORD).await;
    let link = reset_link(app, &a, &b, victim).await;
    let token = link.trim_start_matches("/password-reset/").to_string();

    let blobs_dir = tempfile::tempdir().unwrap();
    let at = |hours: i64| {
        let mut later = chancery_app::App::new(
            app.store().clone(),
            chancery_store::Blobs::local(blobs_dir.path()).unwrap(),
            chancery_web::Limits::default(),
        );
        later.clock =
            chancery_app::Clock::Fixed(chrono::Utc::now() + chrono::Duration::hours(hours));
        later
    };
    assert!(
        chancery_app::accounts::reset_link_usable(&at(23), &token)
            .await
            .is_ok()
    );
    let late = at(25);
    assert!(
        chancery_app::accounts::reset_link_usable(&late, &token)
            .await
            .is_err()
    );
    let r = chancery_app::accounts::use_reset_link(&late, &token, "a password set too late", None)
        .await;
    assert!(
        matches!(r, Err(chancery_app::AppError::NotFound(_))),
        "an expired link is refused: {r:?}"
    );

    // Issuing again replaces the link: the first stops working.
    let newer = issue(app, &b, victim).await;
    assert_eq!(
        use_link(app, &link, "a password through the old link")
            .await
            .status(),
        404
    );
    assert_eq!(
        use_link(app, &newer, "the victim's new password")
            .await
            .status(),
        303
    );
    // Used once: the link is gone.
    assert_eq!(
        use_link(app, &newer, "a second use of the link")
            .await
            .status(),
        404
    );
    assert_eq!(status_of(&app.browser(), app, &newer).await, 404);
    let (_, status) = try_sign_in(app, "victim@test.example", PASSWORD).await;
    assert_eq!(status, 401, "the old password is gone");
    let (_, status) = try_sign_in(app, "victim@test.example", "a second use of the link").await;
    assert_eq!(status, 401);
    let (_, status) = try_sign_in(app, "victim@test.example", "the victim's new password").await;
    assert_eq!(status, 303);
}

/// Tokens expire: 90 days by default, as asked within 1 to 365 days, shown at creation in the
/// API's answer and on the page; an expired token is refused.
async fn expired_tokens_are_refused_and_the_expiry_is_shown_at_creation(app: &TestApp) {
    let days_from_now = |v: &Value| {
        let at: chrono::DateTime<chrono::Utc> = v["expires_at"].as_str().unwrap().parse().unwrap();
        (at - chrono::Utc::now()).num_hours() as f64 / 24.0
    };
    let r = app
        .post_json(
            "/api/v1/tokens",
            &serde_json::json!({"name": "monthly", "expires_in_days": 30}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let made: Value = r.json().await.unwrap();
    assert!((29.9..=30.0).contains(&days_from_now(&made)), "{made}");
    let client = bearer_client(made["token"].as_str().unwrap());
    assert_eq!(status_of(&client, app, "/api/v1/cases").await, 200);
    let r = app
        .post_json("/api/v1/tokens", &serde_json::json!({"name": "default"}))
        .await;
    assert_eq!(r.status(), 201);
    assert!((89.9..=90.0).contains(&days_from_now(&r.json().await.unwrap())));
    for days in [0, 366, -5] {
        let r = app
            .post_json(
                "/api/v1/tokens",
                &serde_json::json!({"name": "x", "expires_in_days": days}),
            )
            .await;
        assert_eq!(r.status(), 422, "{days} days");
        assert_eq!(crate::error_fields(r).await, ["expires_in_days"]);
    }
    let listed: Value = app.get("/api/v1/tokens").await.json().await.unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["expires_at"].is_string() && t.get("token").is_none())
    );

    let reader = app
        .account(
            "reader@test.example",
            "hq_reader",
            None,
            true,
            Some(PASSWORD),
        )
        .await;
    let b = sign_in(app, "reader@test.example", PASSWORD).await;
    let page = text(
        b.post(app.url("/account/tokens"))
            .form(&[("name", "script"), ("expires_in_days", "10")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(page.contains("It expires on"), "{page}");

    let token = chancery_web::new_token();
    app.store()
        .create_token_until(
            chancery_domain::UserId(reader),
            "old",
            &chancery_store::sha256_hex(&token),
            chrono::Utc::now() - chrono::Duration::minutes(1),
            &chancery_store::AuditCtx::system(),
        )
        .await
        .unwrap();
    assert_eq!(
        status_of(&bearer_client(&token), app, "/api/v1/cases").await,
        401,
        "expired"
    );
    let page = text(b.get(app.url("/account/tokens")).send().await.unwrap()).await;
    assert!(page.contains("expired"), "{page}");
}

/// A token acts for the account as it was: a password reset, a deactivation, a change of role
/// or of SBU access revokes it; a change of name does not.
async fn tokens_are_revoked_on_reset_deactivation_and_role_or_sbu_change(app: &TestApp) {
    let target = app
        .account(
            "target@test.example",
            "hq_editor",
            None,
            true,
            Some(PASSWORD),
        )
        .await;
    app.account("first@test.example", "admin", None, false, Some(PASSWORD))
        .await;
    app.account("second@test.example", "admin", None, false, Some(PASSWORD))
        .await;
    let a = sign_in(app, "first@test.example", PASSWORD).await;
    let b = sign_in(app, "second@test.example", PASSWORD).await;
    let change = |role: &'static str, sbu: bool, active: bool, name: &'static str| {
        let mut form = vec![
            ("email", "target@test.example"),
            ("display_name", name),
            ("role", role),
        ];
        if sbu {
            form.push(("sbu_access", "true"));
        }
        if active {
            form.push(("active", "true"));
        }
        let a = a.clone();
        let url = app.url(&format!("/admin/users/{target}"));
        async move {
            let r = a.post(url).form(&form).send().await.unwrap();
            assert_eq!(r.status(), 303);
        }
    };
    let cases = "/api/v1/cases";

    // A change of name keeps the token.
    let t = token_of(app, target).await;
    change("hq_editor", true, true, "Renamed").await;
    assert_eq!(
        status_of(&t, app, cases).await,
        200,
        "a new name keeps the token"
    );

    // A change of role revokes it, and SBU access kept through it waits for approval.
    change("hq_reader", true, true, "Renamed").await;
    assert_eq!(status_of(&t, app, cases).await, 401, "role change");
    let stored = app
        .store()
        .user(chancery_domain::UserId(target))
        .await
        .unwrap()
        .unwrap();
    assert!(
        !stored.account.sbu_access,
        "SBU access through a role change waits for approval"
    );
    let page = text(
        b.get(app.url(&format!("/admin/users/{target}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let grant = between(&page, "/admin/sbu-grants/", '/')
        .unwrap()
        .to_string();

    // Gaining SBU access (approved) revokes a token made before it...
    let t = token_of(app, target).await;
    let r = b
        .post(app.url(&format!("/admin/sbu-grants/{grant}/decision")))
        .form(&[("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&t, app, cases).await, 401, "SBU granted");
    // ...and so does losing it.
    let t = token_of(app, target).await;
    change("hq_reader", false, true, "Renamed").await;
    assert_eq!(status_of(&t, app, cases).await, 401, "SBU withdrawn");

    // Deactivation.
    let t = token_of(app, target).await;
    change("hq_reader", false, false, "Renamed").await;
    assert_eq!(status_of(&t, app, cases).await, 401, "deactivated");
    change("hq_reader", false, true, "Renamed").await;

    // A password reset through a link.
    let t = token_of(app, target).await;
    assert_eq!(status_of(&t, app, cases).await, 200);
    let link = reset_link(app, &a, &b, target).await;
    assert_eq!(
        use_link(app, &link, "the target's own password")
            .await
            .status(),
        303
    );
    assert_eq!(status_of(&t, app, cases).await, 401, "password reset");
    assert!(!audit_of(app, &b, "tokens_revoke").await.is_empty());
}
