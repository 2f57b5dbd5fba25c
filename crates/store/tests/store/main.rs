//! Store tests on real databases: a SQLite file always, PostgreSQL when
//! CHANCERY_TEST_DATABASE_URL is set (each test in its own fresh schema).

use chancery_domain::{Account, Case, Post, Source};
use chancery_store::testing::TestDb;
use chancery_store::{AuditCtx, Backend, CaseFilter, StoreError};
use serde_json::json;

async fn db(backend: Backend) -> Option<TestDb> {
    let db = TestDb::new(backend).await.expect("test database");
    if db.is_none() {
        eprintln!("PostgreSQL suite skipped: set CHANCERY_TEST_DATABASE_URL to run it");
    }
    db
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() {
                if let Some(db) = super::db(chancery_store::Backend::Sqlite).await {
                    super::$name(&db).await;
                    db.cleanup().await;
                }
            })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() {
                if let Some(db) = super::db(chancery_store::Backend::Postgres).await {
                    super::$name(&db).await;
                    db.cleanup().await;
                }
            })*
        }
    };
}

on_both_backends!(
    versions_are_kept_and_chained,
    stale_updates_conflict,
    dangling_references_write_nothing,
    lists_filter_and_page,
    concurrent_updates_lose_nothing,
    migrating_twice_is_harmless,
    writes_are_audited_with_ids_and_hashes_only,
    redaction_blanks_every_version_and_keeps_the_chain,
    redacting_a_source_address_clears_it_from_its_archived_copies,
    repeated_login_failures_lock_until_lifted,
    expired_sessions_are_purged_by_one_instance_at_a_time,
    reports_are_indexed_commented_and_built,
    search_matches_words_phrases_prefixes_and_operators,
    search_filters_markings_and_posts_inside_the_query,
    search_is_kept_current_by_updates_archives_and_redactions,
    search_pages_with_cursors_in_both_orders,
    search_index_is_rebuilt_for_existing_records,
);

mod audit_tamper;
mod legacy;
mod reports;
use reports::reports_are_indexed_commented_and_built;
mod search;
use search::{
    search_filters_markings_and_posts_inside_the_query,
    search_index_is_rebuilt_for_existing_records,
    search_is_kept_current_by_updates_archives_and_redactions,
    search_matches_words_phrases_prefixes_and_operators, search_pages_with_cursors_in_both_orders,
};
mod stats;

/// An account to act as (created on first use).
async fn actor(db: &TestDb, name: &str) -> AuditCtx {
    let email = format!("{name}@example.org");
    let existing = db
        .store
        .user_by_email(&chancery_domain::Email::parse(&email).unwrap())
        .await
        .unwrap();
    let id = match existing {
        Some(u) => u.id,
        None => {
            let account = Account::from_json(
                &json!({"email": email, "display_name": name, "role": "hq_editor",
                "sbu_access": true}),
            )
            .unwrap();
            db.store
                .create_user(&account, None, &AuditCtx::system())
                .await
                .unwrap()
        }
    };
    AuditCtx::user(id, Some("127.0.0.1".into()))
}

fn source(title: &str) -> Source {
    Source::from_json(
        &json!({"kind": "news_report", "title": title, "publisher": "Example Publisher"}),
    )
    .unwrap()
}

fn case(post: &str, country: &str, title: &str, source_id: i64) -> Case {
    Case::from_json(
        &json!({"post": post, "kind": "criminal_case", "country": country,
        "title": title, "summary": "A summary.", "citations": [{"source_id": source_id}]}),
    )
    .unwrap()
}

async fn seed_posts(db: &TestDb) {
    for (slug, country, city) in [("berlin", "DE", "Berlin"), ("stockholm", "SE", "Stockholm")] {
        let post: Post = serde_json::from_value(json!({"slug": slug, "kind": "embassy",
            "country": country, "city": city, "signer_surname": "PLACEHOLDER"}))
        .unwrap();
        db.store.upsert_post(&post).await.unwrap();
    }
}

async fn versions_are_kept_and_chained(db: &TestDb) {
    let s = &db.store;
    let a = s
        .create(&source("First title"), &actor(db, "alice").await)
        .await
        .unwrap();
    assert_eq!(a.version, 1);
    let b = s
        .update(a.id, 1, &source("Second title"), &actor(db, "bob").await)
        .await
        .unwrap();
    assert_eq!(b.version, 2);
    assert_eq!(b.created_by.name, "alice");
    assert_eq!(b.updated_by.name, "bob");
    let c = s
        .update(a.id, 2, &source("Third title"), &actor(db, "carol").await)
        .await
        .unwrap();
    assert_eq!(c.version, 3);

    let current = s.get::<Source>(a.id).await.unwrap().unwrap();
    assert_eq!(current.data.title.as_str(), "Third title");
    let history = s.history::<Source>(a.id).await.unwrap();
    let titles: Vec<_> = history
        .iter()
        .map(|(_, d)| d.title.as_str().to_string())
        .collect();
    assert_eq!(titles, ["First title", "Second title", "Third title"]);
    assert_eq!(
        history[0].1,
        source("First title"),
        "old versions read back exactly"
    );
    assert_eq!(history[0].0.prev_hash, None);
    for pair in history.windows(2) {
        assert_eq!(
            pair[1].0.prev_hash.as_deref(),
            Some(pair[0].0.content_hash.as_str())
        );
    }
    let authors: Vec<_> = history.iter().map(|(v, _)| v.author.name.clone()).collect();
    assert_eq!(authors, ["alice", "bob", "carol"]);
}

async fn stale_updates_conflict(db: &TestDb) {
    let s = &db.store;
    let a = s
        .create(&source("v1"), &actor(db, "alice").await)
        .await
        .unwrap();
    s.update(a.id, 1, &source("v2"), &actor(db, "alice").await)
        .await
        .unwrap();
    match s
        .update(a.id, 1, &source("lost?"), &actor(db, "bob").await)
        .await
    {
        Err(StoreError::Conflict {
            expected: 1,
            current: 2,
        }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    let missing = chancery_domain::RecordId::new(999_999).unwrap();
    assert!(matches!(
        s.update(missing, 1, &source("x"), &actor(db, "bob").await)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.history::<Source>(a.id).await.unwrap().len(), 2);
    assert_eq!(
        s.get::<Source>(a.id)
            .await
            .unwrap()
            .unwrap()
            .data
            .title
            .as_str(),
        "v2"
    );
}

async fn dangling_references_write_nothing(db: &TestDb) {
    seed_posts(db).await;
    let s = &db.store;
    let src = s
        .create(&source("S"), &actor(db, "alice").await)
        .await
        .unwrap();
    let before = s
        .list::<Case>(&CaseFilter::default(), None, 50)
        .await
        .unwrap()
        .items
        .len();
    let bad = case("berlin", "DE", "Bad", src.id.get() + 1000);
    match s.create(&bad, &actor(db, "alice").await).await {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.errors[0].field.as_deref(), Some("citations[0].source_id"));
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    assert_eq!(
        s.list::<Case>(&CaseFilter::default(), None, 50)
            .await
            .unwrap()
            .items
            .len(),
        before
    );

    let good = s
        .create(
            &case("berlin", "DE", "Good", src.id.get()),
            &actor(db, "alice").await,
        )
        .await
        .unwrap();
    assert_eq!(s.cases_citing(src.id).await.unwrap(), vec![good.id]);
    // An update with a dangling reference leaves the record at its version.
    let r = s.update(good.id, 1, &bad, &actor(db, "alice").await).await;
    assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
    let now = s.get::<Case>(good.id).await.unwrap().unwrap();
    assert_eq!((now.version, now.data.title.as_str()), (1, "Good"));
    assert_eq!(s.history::<Case>(good.id).await.unwrap().len(), 1);
    assert_eq!(s.cases_citing(src.id).await.unwrap(), vec![good.id]);
    // A case whose post does not exist is refused by the database itself.
    let r = s
        .create(
            &case("nowhere", "DE", "X", src.id.get()),
            &actor(db, "alice").await,
        )
        .await;
    assert!(r.is_err());
}

async fn lists_filter_and_page(db: &TestDb) {
    seed_posts(db).await;
    let s = &db.store;
    let src = s
        .create(&source("S"), &actor(db, "alice").await)
        .await
        .unwrap();
    for i in 0..7 {
        let (post, country) = if i % 2 == 0 {
            ("berlin", "DE")
        } else {
            ("stockholm", "SE")
        };
        s.create(
            &case(post, country, &format!("Case {i}"), src.id.get()),
            &actor(db, "alice").await,
        )
        .await
        .unwrap();
    }
    let de = CaseFilter {
        country: Some("DE".parse().unwrap()),
        ..Default::default()
    };
    assert_eq!(s.list::<Case>(&de, None, 50).await.unwrap().items.len(), 4);
    let sthlm = CaseFilter {
        post: Some(chancery_domain::PostSlug::parse("stockholm").unwrap()),
        ..Default::default()
    };
    assert_eq!(
        s.list::<Case>(&sthlm, None, 50).await.unwrap().items.len(),
        3
    );

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = s
            .list::<Case>(&CaseFilter::default(), cursor.as_deref(), 3)
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|r| r.data.title.as_str().to_string()));
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let expected: Vec<_> = (0..7).rev().map(|i| format!("Case {i}")).collect();
    assert_eq!(seen, expected, "pages cover every case once, newest first");
    assert!(matches!(
        s.list::<Case>(&CaseFilter::default(), Some("garbage"), 3)
            .await,
        Err(StoreError::Invalid(_))
    ));
}

async fn concurrent_updates_lose_nothing(db: &TestDb) {
    let s = &db.store;
    let rec = s
        .create(&source("v1"), &actor(db, "alice").await)
        .await
        .unwrap();
    for round in 0..3 {
        let version = round + 1;
        let mut tasks = Vec::new();
        for w in 0..12 {
            let s = s.clone();
            let data = source(&format!("round {round} writer {w}"));
            let ctx = actor(db, &format!("w{w}")).await;
            tasks.push(tokio::spawn(async move {
                s.update(rec.id, version, &data, &ctx).await
            }));
        }
        let mut winners = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(r) => {
                    winners += 1;
                    assert_eq!(r.version, version + 1);
                }
                Err(StoreError::Conflict { expected, current }) => {
                    assert_eq!((expected, current), (version, version + 1));
                }
                Err(e) => panic!("unexpected error {e}"),
            }
        }
        assert_eq!(winners, 1, "exactly one writer wins version {version}");
    }
    let history = s.history::<Source>(rec.id).await.unwrap();
    assert_eq!(
        history.iter().map(|(v, _)| v.version).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
}

async fn migrating_twice_is_harmless(db: &TestDb) {
    db.store.migrate().await.unwrap();
    db.store.ping().await.unwrap();
}

/// The two backends' migrations produce the same tables, columns, types, keys and indexes.
#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    let lite = db(Backend::Sqlite).await.unwrap();
    let lite_shape = lite.store.describe_schema().await.unwrap();
    assert!(lite_shape.contains_key("cases") && lite_shape.contains_key("case_versions"));
    let Some(pg) = db(Backend::Postgres).await else {
        return;
    };
    let pg_shape = pg.store.describe_schema().await.unwrap();
    assert_eq!(
        lite_shape.keys().collect::<Vec<_>>(),
        pg_shape.keys().collect::<Vec<_>>(),
        "same tables"
    );
    for (table, l) in &lite_shape {
        assert_eq!(
            l, &pg_shape[table],
            "table {table} differs between SQLite and PostgreSQL"
        );
    }
    lite.cleanup().await;
    pg.cleanup().await;
}

async fn writes_are_audited_with_ids_and_hashes_only(db: &TestDb) {
    seed_posts(db).await;
    let s = &db.store;
    let ctx = actor(db, "alice").await;
    let src = s
        .create(&source("Title that must not reach the log"), &ctx)
        .await
        .unwrap();
    let c = s
        .create(
            &case("berlin", "DE", "Another private title", src.id.get()),
            &ctx,
        )
        .await
        .unwrap();
    s.update(
        c.id,
        1,
        &case("berlin", "DE", "Changed title", src.id.get()),
        &ctx,
    )
    .await
    .unwrap();
    let entries = s.audit_entries(&Default::default(), 100).await.unwrap();
    let actions: Vec<_> = entries
        .iter()
        .rev()
        .map(|e| (e.action.as_str(), e.record_type.as_deref()))
        .collect();
    assert!(
        actions.ends_with(&[
            ("create", Some("source")),
            ("create", Some("case")),
            ("update", Some("case"))
        ]),
        "{actions:?}"
    );
    let last = &entries[0];
    assert_eq!((last.record_id, last.version), (Some(c.id.get()), Some(2)));
    let hash = s.current_hash::<Case>(c.id).await.unwrap().unwrap().1;
    assert_eq!(last.content_hash.as_deref(), Some(hash.as_str()));
    assert_eq!(last.actor_id, ctx.actor.map(|u| u.0));
    assert_eq!(last.address.as_deref(), Some("127.0.0.1"));
    let dump = format!("{entries:?}");
    assert!(
        !dump.contains("private title") && !dump.contains("must not reach"),
        "no text in the audit log"
    );
    let n = s
        .audit_verify()
        .await
        .unwrap()
        .expect("an untouched chain verifies");
    assert_eq!(n as usize, entries.len());
}

async fn redaction_blanks_every_version_and_keeps_the_chain(db: &TestDb) {
    seed_posts(db).await;
    let s = &db.store;
    let ctx = actor(db, "editor").await;
    let src = s.create(&source("S"), &ctx).await.unwrap();
    let mut c = case("berlin", "DE", "Case", src.id.get());
    c.summary =
        chancery_domain::NonEmptyText::parse("Witness Fictitia Exampleperson testified.", 1000)
            .unwrap();
    let rec = s.create(&c, &ctx).await.unwrap();
    c.title = chancery_domain::NonEmptyText::parse("Case, retitled", 300).unwrap();
    s.update(rec.id, 1, &c, &ctx).await.unwrap();
    let before = s.history::<Case>(rec.id).await.unwrap();

    let request = chancery_domain::RedactionRequest::from_json(&json!({"record_type": "case",
        "record_id": rec.id.get(), "field": "summary", "reason": "Private name (Fictitia Exampleperson) saved by mistake"}))
    .unwrap();
    let req = s.create(&request, &actor(db, "admin").await).await.unwrap();
    let applied = s.decide_redaction(req.id, 1, true, &ctx).await.unwrap();
    assert_eq!(applied.versions_changed, 2);

    let after = s.history::<Case>(rec.id).await.unwrap();
    assert_eq!(after.len(), 2, "the versions stay");
    for ((b, _), (a, data)) in before.iter().zip(&after) {
        assert_eq!(b.content_hash, a.content_hash, "hashes stay");
        assert_eq!(b.prev_hash, a.prev_hash, "the chain stays");
        assert_eq!(
            data.summary.as_str(),
            chancery_domain::redaction::REDACTION_MARKER
        );
    }
    assert_eq!(
        after[1].1.title.as_str(),
        "Case, retitled",
        "other fields untouched"
    );
    assert_eq!(
        s.redactions_of("case", rec.id.get()).await.unwrap().len(),
        1
    );
    // Deciding twice is refused; the audit holds no text and still verifies.
    assert!(matches!(
        s.decide_redaction(req.id, 2, true, &ctx).await,
        Err(StoreError::Invalid(_))
    ));
    let dump = format!(
        "{:?}",
        s.audit_entries(&Default::default(), 500).await.unwrap()
    );
    assert!(!dump.contains("Exampleperson"));
    assert!(s.audit_verify().await.unwrap().is_ok());
    // Every version's hash still verifies from what is stored: the redacted field by the
    // commitment kept for it, its salt gone.
    assert_eq!(
        s.check_version_hashes::<Case>(rec.id).await.unwrap(),
        Vec::<i64>::new()
    );
    // A tampered body no longer matches its hash.
    s.execute_raw(&format!(
        "UPDATE case_versions SET body = REPLACE(body, 'retitled', 'renamed') WHERE record_id = {}",
        rec.id.get()
    ))
    .await
    .unwrap();
    assert_eq!(
        s.check_version_hashes::<Case>(rec.id).await.unwrap(),
        vec![2]
    );
    // Rows from before commitments existed get salts, hashes and a chain that verify.
    s.execute_raw("UPDATE case_versions SET salts = NULL, content_hash = 'old', prev_hash = NULL")
        .await
        .unwrap();
    s.commit_legacy_rows().await.unwrap();
    assert_eq!(
        s.check_version_hashes::<Case>(rec.id).await.unwrap(),
        Vec::<i64>::new()
    );
    // The request's own reason can be redacted the same way.
    let meta =
        chancery_domain::RedactionRequest::from_json(&json!({"record_type": "redaction_request",
        "record_id": req.id.get(), "field": "reason", "reason": "The reason repeats the name"}))
        .unwrap();
    let meta_req = s.create(&meta, &actor(db, "admin").await).await.unwrap();
    s.decide_redaction(meta_req.id, 1, true, &ctx)
        .await
        .unwrap();
    let req_history = s
        .history::<chancery_domain::RedactionRequest>(req.id)
        .await
        .unwrap();
    assert!(
        req_history
            .iter()
            .all(|(_, r)| r.reason.as_str() == chancery_domain::redaction::REDACTION_MARKER)
    );
    assert!(s.audit_verify().await.unwrap().is_ok());
}

async fn redacting_a_source_address_clears_it_from_its_archived_copies(db: &TestDb) {
    let s = &db.store;
    let ctx = actor(db, "editor").await;
    let url = "https://news.example.org/2024/fictivia-exampleton-speaks";
    let src = Source::from_json(&json!({"kind": "news_report", "title": "Report",
        "publisher": "Example Publisher", "url": url}))
    .unwrap();
    let rec = s.create(&src, &ctx).await.unwrap();
    let copy = chancery_store::NewArchive {
        sha256: "b".repeat(64),
        media_type: "text/html".into(),
        size_bytes: 10,
        original_url: Some(url.into()),
        final_url: Some(url.into()),
        http_status: Some(200),
        ..Default::default()
    };
    s.add_archive(rec.id, &copy, &ctx).await.unwrap();
    let request = chancery_domain::RedactionRequest::from_json(&json!({"record_type": "source",
        "record_id": rec.id.get(), "field": "url", "reason": "The address names a private person"}))
    .unwrap();
    let req = s.create(&request, &actor(db, "admin").await).await.unwrap();
    let applied = s.decide_redaction(req.id, 1, true, &ctx).await.unwrap();
    assert_eq!(applied.versions_changed, 1);
    let after = s.get::<Source>(rec.id).await.unwrap().unwrap();
    assert!(after.data.url.is_none(), "a redacted address becomes empty");
    let copies = s.archives_of(rec.id).await.unwrap();
    assert_eq!(
        (
            copies[0].original_url.as_deref(),
            copies[0].final_url.as_deref()
        ),
        (None, None),
        "the copy's provenance no longer names the address"
    );
    assert_eq!(
        s.check_version_hashes::<Source>(rec.id).await.unwrap(),
        Vec::<i64>::new(),
        "the hash still verifies by the commitment kept for the address"
    );
    let cells = s.dump_cells().await.unwrap();
    assert!(
        cells.iter().all(|(_, _, v)| !v.contains("exampleton")),
        "the address is nowhere"
    );
}

async fn repeated_login_failures_lock_until_lifted(db: &TestDb) {
    let s = &db.store;
    let ctx = actor(db, "victim").await;
    let user = ctx.actor.unwrap();
    let h = chancery_store::sha256_hex("victim@example.org");
    let fail = async |address: &str| -> (bool, bool) {
        let t = s
            .login_attempt_begin(Some(user), &h, address)
            .await
            .unwrap();
        if t.refused {
            return (true, false);
        }
        let locked = s
            .login_attempt_end(&t, &h, Some(user), false, address)
            .await
            .unwrap();
        (false, locked)
    };
    let mut locked = false;
    for _ in 0..chancery_store::users::ACCOUNT_FAILURES {
        let (refused, l) = fail("10.0.0.1").await;
        assert!(!refused);
        locked = l;
    }
    assert!(locked, "the fifth failure locks the account");
    assert!(
        s.login_attempt_begin(Some(user), &h, "10.0.0.2")
            .await
            .unwrap()
            .refused,
        "locked from any address"
    );
    s.unlock_user(user, &AuditCtx::system()).await.unwrap();
    // One more failure after the unlock is checked and does not lock again: earlier failures
    // stopped counting.
    assert_eq!(fail("10.0.0.2").await, (false, false));
    // A success gives its attempt back: the account's count starts again.
    let t = s
        .login_attempt_begin(Some(user), &h, "10.0.0.1")
        .await
        .unwrap();
    assert!(!t.refused);
    s.login_attempt_end(&t, &h, Some(user), true, "10.0.0.1")
        .await
        .unwrap();
    for _ in 0..chancery_store::users::ACCOUNT_FAILURES - 1 {
        assert_eq!(fail("10.0.0.3").await, (false, false));
    }
    // Many failures from one address throttle that address, whatever the account.
    for i in 0..chancery_store::users::ADDRESS_FAILURES {
        let other = chancery_store::sha256_hex(&format!("nobody{i}@example.org"));
        let t = s
            .login_attempt_begin(None, &other, "10.9.9.9")
            .await
            .unwrap();
        assert!(!t.refused, "attempt {i}");
        s.login_attempt_end(&t, &other, None, false, "10.9.9.9")
            .await
            .unwrap();
    }
    let other = chancery_store::sha256_hex("nobody@example.org");
    assert!(
        s.login_attempt_begin(None, &other, "10.9.9.9")
            .await
            .unwrap()
            .refused
    );
    assert!(
        !s.login_attempt_begin(None, &other, "10.9.9.8")
            .await
            .unwrap()
            .refused
    );
    assert!(s.audit_verify().await.unwrap().is_ok());
}

/// Expired sessions are purged by one instance at a time: on PostgreSQL, while another
/// instance holds the purge lock, a purge skips and leaves the rows; then it deletes them.
async fn expired_sessions_are_purged_by_one_instance_at_a_time(db: &TestDb) {
    use sqlx::Connection;
    let s = &db.store;
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    let future = chrono::Utc::now() + chrono::Duration::minutes(30);
    s.session_save("expired", None, "{}", past, true)
        .await
        .unwrap();
    s.session_save("live", None, "{}", future, true)
        .await
        .unwrap();
    if db.url().starts_with("postgres") {
        let mut other = sqlx::PgConnection::connect(&db.url()).await.unwrap();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(chancery_store::users::SESSION_PURGE_LOCK)
            .execute(&mut other)
            .await
            .unwrap();
        assert_eq!(
            s.sessions_delete_expired().await.unwrap(),
            None,
            "another instance holds the purge lock"
        );
        assert!(s.session_load("live").await.unwrap().is_some());
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(chancery_store::users::SESSION_PURGE_LOCK)
            .execute(&mut other)
            .await
            .unwrap();
    }
    assert_eq!(s.sessions_delete_expired().await.unwrap(), Some(1));
    assert_eq!(s.sessions_delete_expired().await.unwrap(), Some(0));
    assert!(s.session_load("live").await.unwrap().is_some());
}
