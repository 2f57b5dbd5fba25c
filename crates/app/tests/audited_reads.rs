//! Reads of SBU material that were not audited (issue 12): an archived document's text, the
//! archived file itself, a report's history and the comments on its SBU paragraphs. Each read
//! by an SBU-cleared user must leave an audit entry, like every other SBU read. Both backends.

use bytes::Bytes;
use chancery_app::extract::Extractor;
use chancery_app::{Actor, App, Limits, accounts, archive, reports::reports, save};
use chancery_domain::Source;
use chancery_store::testing::TestDb;
use chancery_store::{AuditCtx, AuditEntry, AuditFilter, Backend, Blobs};
use serde_json::json;

struct Fixture {
    app: App,
    /// An HQ editor with SBU access.
    editor: Actor,
    /// A Berlin post officer with SBU access.
    officer: Actor,
    db: TestDb,
    _blobs: tempfile::TempDir,
}

async fn user(app: &App, db: &TestDb, email: &str, role: &str, post: Option<&str>) -> Actor {
    let account = accounts::new_account(email, role, post, true, None).unwrap();
    let id = db
        .store
        .create_user(&account, None, &AuditCtx::system())
        .await
        .unwrap();
    accounts::actor(app, id, None).await.unwrap().unwrap()
}

async fn fixture(backend: Backend) -> Option<Fixture> {
    let db = TestDb::new(backend).await.unwrap()?;
    let post = serde_json::from_value(json!({"slug": "berlin", "kind": "embassy",
        "country": "DE", "city": "Berlin", "signer_surname": "PLACEHOLDER"}))
    .unwrap();
    db.store.upsert_post(&post).await.unwrap();
    let blobs = tempfile::tempdir().unwrap();
    let limits = Limits {
        extractor: Extractor::InProcess,
        ..Limits::default()
    };
    let app = App::new(
        db.store.clone(),
        Blobs::local(blobs.path()).unwrap(),
        limits,
    );
    let editor = user(&app, &db, "editor@test.example", "hq_editor", None).await;
    let officer = user(
        &app,
        &db,
        "officer@test.example",
        "post_officer",
        Some("berlin"),
    )
    .await;
    Some(Fixture {
        app,
        editor,
        officer,
        db,
        _blobs: blobs,
    })
}

/// The last entry's sequence number now.
async fn head(f: &Fixture) -> i64 {
    f.app
        .store
        .audit_entries(&AuditFilter::default(), 1)
        .await
        .unwrap()
        .first()
        .map(|e| e.seq)
        .unwrap_or(0)
}

/// The entries `who` caused after `since`.
async fn entries_since(f: &Fixture, who: &Actor, since: i64) -> Vec<AuditEntry> {
    let filter = AuditFilter {
        actor_id: Some(who.principal.user_id),
        ..Default::default()
    };
    let mut v: Vec<AuditEntry> = f
        .app
        .store
        .audit_entries(&filter, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.seq > since)
        .collect();
    v.reverse();
    v
}

/// An SBU source with one archived text; answers (source id, archive id).
async fn sbu_archive(f: &Fixture) -> (String, String) {
    let s = save::create::<Source>(
        &f.app,
        &f.editor,
        &json!({"kind": "court_judgment", "title": "Sealed judgment", "publisher": "Example Court",
            "language": "de", "published": "2023-11-28", "verified": false, "marking": "SBU"}),
    )
    .await
    .unwrap();
    let a = archive::archive(
        &f.app,
        &f.editor,
        s.id,
        "application/json",
        Bytes::from(serde_json::to_vec(&json!({"text": "The sealed text."})).unwrap()),
        None,
    )
    .await
    .unwrap();
    (s.id.get().to_string(), a.id.to_string())
}

async fn reading_an_sbu_archived_text_is_audited(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let (source, arch) = sbu_archive(&f).await;
    let since = head(&f).await;
    let text = archive::archive_text(&f.app, &f.editor, &source, &arch)
        .await
        .unwrap();
    assert_eq!(text.text.as_deref(), Some("The sealed text."));
    let e = entries_since(&f, &f.editor, since).await;
    assert_eq!(e.len(), 1, "one audit entry for the text read: {e:?}");
    f.db.cleanup().await;
}

async fn downloading_an_sbu_archive_file_is_audited(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let (source, arch) = sbu_archive(&f).await;
    let since = head(&f).await;
    let (info, bytes) = archive::archive_file(&f.app, &f.editor, &source, &arch)
        .await
        .unwrap();
    assert!(!bytes.is_empty());
    let e = entries_since(&f, &f.editor, since).await;
    assert_eq!(e.len(), 1, "one audit entry for the download: {e:?}");
    assert_eq!(e[0].content_hash.as_deref(), Some(info.sha256.as_str()));
    f.db.cleanup().await;
}

/// A Berlin draft with one SBU paragraph and a comment on it; answers its id.
async fn sbu_report(f: &Fixture) -> String {
    let body = json!({"post": "berlin", "template_key": "migration-impacts",
    "subject": "Migration impacts", "tags": ["SMIG"],
    "sections": [{"heading": "Assessment", "paragraphs": [
        {"id": "p1", "kind": "comment", "marking": "SBU", "text": "A sensitive assessment."}
    ]}]});
    let r = reports::create_report(&f.app, &f.officer, &body)
        .await
        .unwrap();
    let id = r.id.get().to_string();
    reports::add_comment(&f.app, &f.officer, &id, "p1", "Check with the source.")
        .await
        .unwrap();
    id
}

async fn reading_an_sbu_reports_history_is_audited(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let id = sbu_report(&f).await;
    let since = head(&f).await;
    let history = reports::report_history(&f.app, &f.officer, &id)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    let e = entries_since(&f, &f.officer, since).await;
    assert_eq!(e.len(), 1, "one audit entry for the version read: {e:?}");
    assert_eq!(e[0].record_type.as_deref(), Some("report"));
    f.db.cleanup().await;
}

async fn reading_comments_on_an_sbu_paragraph_is_audited(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let id = sbu_report(&f).await;
    let record = chancery_app::access::load_visible::<chancery_domain::report::Report>(
        &f.app, &f.officer, &id,
    )
    .await
    .unwrap();
    let since = head(&f).await;
    let comments = reports::visible_comments(&f.app, &f.officer, &record)
        .await
        .unwrap();
    assert_eq!(comments.len(), 1);
    let e = entries_since(&f, &f.officer, since).await;
    assert_eq!(e.len(), 1, "one audit entry for the comment read: {e:?}");
    f.db.cleanup().await;
}

/// A search hit that shows SBU material is a read of it: one `search_read` entry per such hit
/// (ids only); U hits leave none. Reports and archived texts are searched too, and a U
/// reader without SBU access finds neither the SBU paragraph nor the SBU source.
async fn search_hits_showing_sbu_material_are_audited(backend: Backend) {
    use chancery_app::search::{SearchRequest, search};
    let Some(f) = fixture(backend).await else {
        return;
    };
    let (source, _) = sbu_archive(&f).await;
    let report = sbu_report(&f).await;
    let ask = |q: &str| SearchRequest::from_query(Some(&format!("q={q}"))).unwrap();

    let since = head(&f).await;
    let found = search(&f.app, &f.editor, &ask("sealed")).await.unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.hits[0].id.to_string(), source);
    assert!(found.hits[0].sbu);
    let e = entries_since(&f, &f.editor, since).await;
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].action, "search_read");
    assert_eq!(e[0].record_type.as_deref(), Some("source"));

    // The report's SBU paragraph is found by the officer (SBU access, own post), audited.
    let since = head(&f).await;
    let found = search(&f.app, &f.officer, &ask("sensitive")).await.unwrap();
    assert_eq!(found.hits.len(), 1);
    assert_eq!(found.hits[0].record_type, "report");
    assert_eq!(found.hits[0].id.to_string(), report);
    assert_eq!(entries_since(&f, &f.officer, since).await.len(), 1);
    // Its U subject is found by a reader without SBU access, unaudited; the SBU words are not.
    let account =
        accounts::new_account("reader@test.example", "hq_reader", None, false, None).unwrap();
    let id =
        f.db.store
            .create_user(&account, None, &AuditCtx::system())
            .await
            .unwrap();
    let reader = accounts::actor(&f.app, id, None).await.unwrap().unwrap();
    let since = head(&f).await;
    let found = search(&f.app, &reader, &ask("migration")).await.unwrap();
    assert_eq!(found.hits.len(), 1);
    assert!(!found.hits[0].sbu);
    assert!(entries_since(&f, &reader, since).await.is_empty());
    for q in ["sensitive", "sealed"] {
        let found = search(&f.app, &reader, &ask(q)).await.unwrap();
        assert_eq!(found.total, 0, "{q}");
        assert!(found.facets.is_empty());
    }
    f.db.cleanup().await;
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await; })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await; })*
        }
    };
}

both!(
    reading_an_sbu_archived_text_is_audited,
    downloading_an_sbu_archive_file_is_audited,
    reading_an_sbu_reports_history_is_audited,
    reading_comments_on_an_sbu_paragraph_is_audited,
    search_hits_showing_sbu_material_are_audited,
);
