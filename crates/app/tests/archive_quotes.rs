//! The quote check against archived texts, on both backends: the text is normalised once,
//! when it is archived, and the check reads only that; rows archived before the normalised
//! text was stored get it once, on their first check; a source whose extraction failed
//! refuses quotes naming the reason.
//!
//! These tests archive with the in-process extractor (this crate cannot run the `chancery`
//! binary); the child process is tested in crates/chancery/tests.

use bytes::Bytes;
use chancery_app::access::AppRecord;
use chancery_app::archive::{self, Extraction};
use chancery_app::extract::Extractor;
use chancery_app::{Actor, App, AppError, Limits, accounts, save};
use chancery_store::Backend;
use chancery_store::testing::TestDb;

use chancery_domain::quote::normalize;
use chancery_domain::{Case, Source};
use chancery_store::{AuditCtx, Blobs};
use serde_json::{Value, json};

struct Fixture {
    app: App,
    user: Actor,
    db: TestDb,
    _blobs: tempfile::TempDir,
}

async fn fixture(db: TestDb) -> Fixture {
    let post = serde_json::from_value(json!({"slug": "berlin", "kind": "embassy",
        "country": "DE", "city": "Berlin", "signer_surname": "PLACEHOLDER"}))
    .unwrap();
    db.store.upsert_post(&post).await.unwrap();
    let blobs_dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        extractor: Extractor::InProcess,
        ..Limits::default()
    };
    let app = App::new(
        db.store.clone(),
        Blobs::local(blobs_dir.path()).unwrap(),
        limits,
    );
    let account =
        accounts::new_account("editor@test.example", "hq_editor", None, true, None).unwrap();
    let id = db
        .store
        .create_user(&account, None, &AuditCtx::system())
        .await
        .unwrap();
    let user = accounts::actor(&app, id, None).await.unwrap().unwrap();
    Fixture {
        app,
        user,
        db,
        _blobs: blobs_dir,
    }
}

async fn new_fixture(backend: Backend) -> Option<Fixture> {
    Some(fixture(TestDb::new(backend).await.unwrap()?).await)
}

async fn source(f: &Fixture) -> i64 {
    let s = save::create::<Source>(
        &f.app,
        &f.user,
        &json!({"kind": "court_judgment", "title": "Judgment", "publisher": "Example Court",
            "language": "de", "published": "2023-11-28", "verified": false, "marking": "U"}),
    )
    .await
    .unwrap();
    s.id.get()
}

async fn archive_text(f: &Fixture, source: i64, text: &str) -> archive::ArchiveInfo {
    archive::archive(
        &f.app,
        &f.user,
        chancery_domain::RecordId::new(source).unwrap(),
        "application/json",
        Bytes::from(serde_json::to_vec(&json!({ "text": text })).unwrap()),
        None,
    )
    .await
    .unwrap()
}

fn case_quoting(source: i64, quotes: &[&str]) -> Value {
    let citations: Vec<Value> = quotes
        .iter()
        .map(|q| json!({"source_id": source, "page": "1", "quote": q}))
        .collect();
    json!({"post": "berlin", "kind": "criminal_case", "country": "DE", "title": "Quoted case",
           "summary": "What the sources say.", "date": {"precision": "day", "date": "2023-11-28"},
           "status": "final", "marking": "U", "citations": citations})
}

async fn check(f: &Fixture, source: i64, quotes: &[&str]) -> Result<(), AppError> {
    let case = Case::parse(&case_quoting(source, quotes)).unwrap();
    archive::check_quotes(&f.app, &case).await
}

fn messages(e: AppError) -> Vec<(String, String)> {
    match e {
        AppError::Invalid(errors) => errors
            .errors
            .iter()
            .map(|e| (e.field.clone().unwrap_or_default(), e.reason.clone()))
            .collect(),
        other => panic!("{other:?}"),
    }
}

const TEXT: &str =
    "Das Gericht verhängte eine Frei\u{AD}heits-\nstrafe wegen De\u{FB01}nitions\u{A0}fragen.";

async fn quadratic_quote_check_reads_the_text_normalised_once_at_archiving(backend: Backend) {
    let Some(f) = new_fixture(backend).await else {
        return;
    };
    let s = source(&f).await;
    let a = archive_text(&f, s, TEXT).await;
    assert_eq!(a.extraction, Extraction::Ok);
    // Stored normalised, when archived.
    assert_eq!(
        f.app.store.archive_text_normalized(a.id).await.unwrap(),
        Some(normalize(TEXT))
    );
    check(&f, s, &["Freiheitsstrafe wegen Definitions fragen"])
        .await
        .unwrap();
    // The check reads the stored normalised text and nothing else: change it behind the
    // application's back and the check follows it, not the raw text.
    f.db.store
        .execute_raw(&format!(
            "UPDATE source_archives SET text_normalized = 'only in the stored form' WHERE id = {}",
            a.id
        ))
        .await
        .unwrap();
    check(&f, s, &["only in the stored form"]).await.unwrap();
    let m = messages(check(&f, s, &["Das Gericht"]).await.unwrap_err());
    assert_eq!(
        m,
        vec![(
            "citations[0].quote".to_string(),
            format!("not found in the archived text of source {s}")
        )]
    );
    f.db.cleanup().await;
}

async fn many_quotes_are_checked_in_one_pass(backend: Backend) {
    let Some(f) = new_fixture(backend).await else {
        return;
    };
    let s = source(&f).await;
    archive_text(&f, s, "alpha beta gamma delta").await;
    archive_text(&f, s, "epsilon zeta").await;
    // Overlapping quotes, a repeated quote, quotes in either archive, one missing.
    let quotes = [
        "alpha beta",
        "beta gamma",
        "alpha beta",
        "zeta",
        "gamma delta epsilon",
        "delta",
    ];
    let m = messages(check(&f, s, &quotes).await.unwrap_err());
    assert_eq!(
        m,
        vec![(
            "citations[4].quote".to_string(),
            format!("not found in the archived text of source {s}")
        )]
    );
    f.db.cleanup().await;
}

async fn archives_from_before_the_migration_are_normalised_once_on_first_check(backend: Backend) {
    let Some(db) = TestDb::unmigrated(backend).await.unwrap() else {
        return;
    };
    // Every migration before the one that added the extraction outcome and the normalised
    // text; then two archives written as that schema held them.
    db.store.migrate_first(7).await.unwrap();
    let f = fixture(db).await;
    let author = f.user.id().0;
    let now = "'2024-01-01 00:00:00+00:00'";
    // The source as that schema held it, written by hand: today's writes follow the current
    // schema (salts, the search index).
    let s = 1;
    for stmt in [
        format!(
            "INSERT INTO sources (id, version, kind, marking, created_at, created_by, updated_at, updated_by) \
             VALUES ({s}, 1, 'court_judgment', 'U', {now}, {author}, {now}, {author})"
        ),
        format!(
            "INSERT INTO source_versions (record_id, version, body, content_hash, prev_hash, author, created_at) \
             VALUES ({s}, 1, '{{\"kind\":\"court_judgment\",\"language\":\"de\",\"marking\":\"U\",\"published\":\"2023-11-28\",\"publisher\":\"Example Court\",\"title\":\"Judgment\",\"verified\":false}}', 'h1', NULL, {author}, {now})"
        ),
        format!(
            "INSERT INTO source_archives (source_id, sha256, media_type, size_bytes, retrieved_at, text, created_at, created_by) \
             VALUES ({s}, '{h}', 'text/plain', 10, {now}, 'Verur-\nteilung wegen', {now}, {author})",
            h = "0".repeat(64),
        ),
        format!(
            "INSERT INTO source_archives (source_id, sha256, media_type, size_bytes, retrieved_at, created_at, created_by) \
             VALUES ({s}, '{h}', 'image/png', 10, {now}, {now}, {author})",
            h = "1".repeat(64),
        ),
    ] {
        if let Err(e) = f.db.store.execute_raw(&stmt).await {
            panic!("{stmt}: {e}");
        }
    }
    f.db.store.migrate().await.unwrap();
    let archives = f
        .app
        .store
        .archives_of(chancery_domain::RecordId::new(s).unwrap())
        .await
        .unwrap();
    let kinds: Vec<(&str, Extraction)> = archives
        .iter()
        .map(|a| (a.media_type.as_str(), a.extraction.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("image/png", Extraction::None),
            ("text/plain", Extraction::Ok)
        ]
    );
    let text_id = archives[1].id;
    assert_eq!(
        f.app.store.archive_text_normalized(text_id).await.unwrap(),
        None
    );
    check(&f, s, &["Verurteilung wegen"]).await.unwrap();
    assert_eq!(
        f.app.store.archive_text_normalized(text_id).await.unwrap(),
        Some("Verurteilung wegen".to_string())
    );
    f.db.cleanup().await;
}

async fn quote_against_a_failed_extraction_is_refused_with_the_reason(backend: Backend) {
    let Some(f) = new_fixture(backend).await else {
        return;
    };
    let s = source(&f).await;
    let id = chancery_domain::RecordId::new(s).unwrap();
    // A PDF whose type is right but whose text cannot be read: stored, failed with a reason.
    let a = archive::archive(
        &f.app,
        &f.user,
        id,
        "application/pdf",
        Bytes::from_static(b"%PDF-1.4\nno objects at all"),
        Some("broken.pdf".into()),
    )
    .await
    .unwrap();
    let Extraction::Failed { reason } = &a.extraction else {
        panic!("{:?}", a.extraction)
    };
    assert!(!a.has_text);
    let m = messages(check(&f, s, &["any words"]).await.unwrap_err());
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].0, "citations[0].quote");
    assert!(
        m[0].1.starts_with(&format!(
            "source {s} has no readable text to check the quote against: archive {} could not be read: ",
            a.id
        )) && m[0].1.ends_with(reason.as_str()),
        "{}",
        m[0].1
    );
    // With readable text beside it, the quote is checked against that text; a quote not in
    // it is still refused, and the message says which copy could not be read.
    archive_text(&f, s, "the readable copy").await;
    check(&f, s, &["readable copy"]).await.unwrap();
    let m = messages(check(&f, s, &["any words"]).await.unwrap_err());
    assert!(
        m[0].1.starts_with(&format!(
            "not found in the archived text of source {s} (archive {} could not be read",
            a.id
        )),
        "{}",
        m[0].1
    );
    f.db.cleanup().await;
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread")]
            async fn $name() { super::$name(super::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread")]
            async fn $name() { super::$name(super::Backend::Postgres).await })*
        }
    };
}

both_backends!(
    quadratic_quote_check_reads_the_text_normalised_once_at_archiving,
    many_quotes_are_checked_in_one_pass,
    archives_from_before_the_migration_are_normalised_once_on_first_check,
    quote_against_a_failed_extraction_is_refused_with_the_reason,
);
