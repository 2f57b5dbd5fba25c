//! The access migration turns the foundation's plain author references into accounts, on
//! both backends, without losing who wrote what.

use chancery_domain::{Case, Source};
use chancery_store::Backend;
use chancery_store::testing::TestDb;

const FOUNDATION_ROWS: &[&str] = &[
    "INSERT INTO posts (slug, kind, country, city, signer_surname, created_at, updated_at)
     VALUES ('berlin', 'embassy', 'DE', 'Berlin', 'PLACEHOLDER', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')",
    "INSERT INTO sources (id, version, kind, marking, created_at, created_by, updated_at, updated_by)
     VALUES (1, 2, 'news_report', 'U', '2026-01-01 00:00:00+00:00', 'demo', '2026-01-02 00:00:00+00:00', 'Officer@Berlin.example')",
    "INSERT INTO source_versions (record_id, version, body, content_hash, prev_hash, author, created_at) VALUES
     (1, 1, '{\"kind\":\"news_report\",\"marking\":\"U\",\"publisher\":\"P\",\"title\":\"First\",\"verified\":false}', 'h1', NULL, 'demo', '2026-01-01 00:00:00+00:00'),
     (1, 2, '{\"kind\":\"news_report\",\"marking\":\"U\",\"publisher\":\"P\",\"title\":\"Second\",\"verified\":false}', 'h2', 'h1', 'Officer@Berlin.example', '2026-01-02 00:00:00+00:00')",
    "INSERT INTO cases (id, version, post, kind, country, status, marking, date_sort, created_at, created_by, updated_at, updated_by)
     VALUES (1, 1, 'berlin', 'inquiry', 'DE', 'unknown', 'SBU', NULL, '2026-01-03 00:00:00+00:00', 'anonymous', '2026-01-03 00:00:00+00:00', 'anonymous')",
    "INSERT INTO case_versions (record_id, version, body, content_hash, prev_hash, author, created_at) VALUES
     (1, 1, '{\"citations\":[{\"source_id\":1}],\"country\":\"DE\",\"date\":null,\"kind\":\"inquiry\",\"links\":[],\"marking\":\"SBU\",\"post\":\"berlin\",\"status\":\"unknown\",\"summary\":\"S\",\"title\":\"T\"}', 'c1', NULL, 'anonymous', '2026-01-03 00:00:00+00:00')",
    "INSERT INTO case_citations (case_id, source_id) VALUES (1, 1)",
];

async fn legacy_authors_become_accounts(backend: Backend) {
    let Some(db) = TestDb::unmigrated(backend).await.unwrap() else {
        return;
    };
    db.store.migrate_first(1).await.unwrap();
    for statement in FOUNDATION_ROWS {
        db.store.execute_raw(statement).await.unwrap();
    }
    db.store.migrate().await.unwrap();

    let users = db.store.list_users().await.unwrap();
    let mut refs: Vec<_> = users
        .iter()
        .map(|u| u.legacy_ref.clone().unwrap())
        .collect();
    refs.sort();
    assert_eq!(refs, ["Officer@Berlin.example", "anonymous", "demo"]);
    for u in &users {
        assert!(
            !u.account.active && u.password_hash.is_none(),
            "legacy accounts cannot sign in"
        );
    }
    let emails: Vec<_> = users
        .iter()
        .map(|u| u.account.email.as_str().to_string())
        .collect();
    assert!(emails.contains(&"officer@berlin.example".to_string()));
    assert!(emails.contains(&"demo@legacy.invalid".to_string()));

    let id = chancery_domain::RecordId::new(1).unwrap();
    let s = db.store.get::<Source>(id).await.unwrap().unwrap();
    assert_eq!(
        (s.created_by.name.as_str(), s.updated_by.name.as_str()),
        ("demo", "Officer@Berlin.example")
    );
    let history = db.store.history::<Source>(id).await.unwrap();
    let authors: Vec<_> = history.iter().map(|(v, _)| v.author.name.clone()).collect();
    assert_eq!(authors, ["demo", "Officer@Berlin.example"]);
    // Content commitments came later: the old versions got salts and recomputed hashes, chained.
    assert_eq!(
        history[1].0.prev_hash.as_deref(),
        Some(history[0].0.content_hash.as_str())
    );
    assert!(!["h1", "h2"].contains(&history[0].0.content_hash.as_str()));
    assert_eq!(
        db.store.check_version_hashes::<Source>(id).await.unwrap(),
        Vec::<i64>::new()
    );
    assert_eq!(
        db.store.check_version_hashes::<Case>(id).await.unwrap(),
        Vec::<i64>::new()
    );
    let c = db.store.get::<Case>(id).await.unwrap().unwrap();
    assert_eq!(c.created_by.name, "anonymous");
    assert_eq!(
        c.data.summary_marking,
        chancery_domain::Marking::SBU,
        "old bodies read with the new field's default"
    );
    assert_eq!(
        db.store.cases_citing(id).await.unwrap(),
        vec![id],
        "links survive the rebuild"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_legacy_authors_become_accounts() {
    legacy_authors_become_accounts(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_legacy_authors_become_accounts() {
    legacy_authors_become_accounts(Backend::Postgres).await;
}
