//! Editing any column of one audit row by hand is detected by `audit_verify`, on both
//! backends; so are a removed row and a truncated log.

use super::{actor, seed_posts, source};
use chancery_store::Backend;
use chancery_store::testing::TestDb;

/// Each column with an SQL expression that changes it.
const TAMPER: &[(&str, &str)] = &[
    ("seq", "seq + 100"),
    ("at", "'2001-01-01T00:00:00.000000Z'"),
    ("actor_id", "NULL"),
    ("action", "'read'"),
    ("record_type", "'case'"),
    ("record_id", "record_id + 1"),
    ("version", "version + 1"),
    ("content_hash", "'deadbeef'"),
    ("address", "'203.0.113.9'"),
    ("detail_hash", "'feedface'"),
    ("prev_hash", "'0000'"),
    ("entry_hash", "'1111'"),
];

async fn audited_db(backend: Backend) -> Option<TestDb> {
    let db = TestDb::new(backend).await.unwrap()?;
    seed_posts(&db).await;
    let ctx = actor(&db, "alice").await;
    for i in 0..3 {
        db.store
            .create(&source(&format!("S{i}")), &ctx)
            .await
            .unwrap();
    }
    assert!(db.store.audit_verify().await.unwrap().is_ok());
    Some(db)
}

async fn each_column_edit_is_detected(backend: Backend) {
    for (column, expr) in TAMPER {
        let Some(db) = audited_db(backend).await else {
            return;
        };
        // Entry 3 (of five: two user creations, three source creations) is a source creation,
        // so every column has a value to change.
        let n = db
            .store
            .execute_raw(&format!(
                "UPDATE audit_log SET {column} = {expr} WHERE seq = 3"
            ))
            .await
            .unwrap();
        assert_eq!(n, 1, "{column}");
        let broken = db.store.audit_verify().await.unwrap().expect_err(column);
        assert_eq!(
            broken.seq, 3,
            "{column}: the first broken entry is named ({})",
            broken.reason
        );
        db.cleanup().await;
    }
}

async fn removed_rows_are_detected(backend: Backend) {
    let Some(db) = audited_db(backend).await else {
        return;
    };
    db.store
        .execute_raw("DELETE FROM audit_log WHERE seq = 2")
        .await
        .unwrap();
    assert_eq!(db.store.audit_verify().await.unwrap().unwrap_err().seq, 2);
    db.cleanup().await;

    let Some(db) = audited_db(backend).await else {
        return;
    };
    let last: i64 = db
        .store
        .audit_entries(&Default::default(), 1)
        .await
        .unwrap()[0]
        .seq;
    db.store
        .execute_raw(&format!("DELETE FROM audit_log WHERE seq = {last}"))
        .await
        .unwrap();
    let broken = db.store.audit_verify().await.unwrap().unwrap_err();
    assert!(broken.reason.contains("removed"), "{}", broken.reason);
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_each_column_edit_is_detected() {
    each_column_edit_is_detected(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_each_column_edit_is_detected() {
    each_column_edit_is_detected(Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_removed_rows_are_detected() {
    removed_rows_are_detected(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_removed_rows_are_detected() {
    removed_rows_are_detected(Backend::Postgres).await;
}
