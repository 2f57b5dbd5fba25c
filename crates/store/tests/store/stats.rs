//! Statistics storage: staged releases published all at once, aborted imports leave nothing,
//! the same bytes twice change nothing, older releases stay readable.

use chancery_store::testing::TestDb;
use chancery_store::{
    AuditCtx, Backend, DatasetMeta, ReleaseSummary, StageStart, StagedObs, Staging, StoreError,
};

fn obs(geo: &str, period: &str, value: Option<f64>, flags: &str, line: u64) -> StagedObs {
    StagedObs {
        key: vec![geo.into(), "NR".into()],
        period: period.into(),
        value,
        flags: flags.into(),
        line,
    }
}

fn meta() -> DatasetMeta {
    DatasetMeta {
        code: "test_ds".into(),
        publisher: Some("Test publisher".into()),
        ..Default::default()
    }
}

async fn import(
    db: &TestDb,
    sha: &str,
    rows: &[StagedObs],
) -> Result<i64, chancery_store::StoreError> {
    let ctx = AuditCtx::system();
    let mut st = match db
        .store
        .stage_begin(&meta(), sha, "test.tsv", "sdmx-tsv", &ctx)
        .await?
    {
        StageStart::Existing(r) => return Ok(r.id),
        StageStart::New(st) => st,
    };
    for chunk in rows.chunks(2) {
        let dims: Vec<String> = vec!["geo".into(), "unit".into()];
        if let Err(e) = db.store.stage_rows(&mut st, &dims, chunk.to_vec()).await {
            db.store.stage_abort(st).await?;
            return Err(e);
        }
    }
    let summary = ReleaseSummary {
        observations: rows.len() as i64,
        ..Default::default()
    };
    Ok(db.store.stage_publish(st, &summary, &ctx).await?.id)
}

async fn staged_releases(backend: Backend) {
    let Some(db) = TestDb::new(backend).await.unwrap() else {
        return;
    };
    let rows = vec![
        obs("DE", "2021", Some(1.0), "", 2),
        obs("DE", "2022", Some(2.0), "e", 2),
        obs("SE", "2022", None, "c", 3),
    ];
    let first = import(&db, "aaa", &rows).await.unwrap();
    assert_eq!(
        import(&db, "aaa", &rows).await.unwrap(),
        first,
        "the same bytes again change nothing"
    );
    let got = db
        .store
        .observations(first, &[("geo".into(), vec!["DE".into()])])
        .await
        .unwrap();
    assert_eq!(
        got.iter()
            .map(|o| (o.period.as_str(), o.value))
            .collect::<Vec<_>>(),
        [("2021", Some(1.0)), ("2022", Some(2.0))]
    );
    assert_eq!(got[1].flags, "e");
    assert_eq!(got[0].dims["unit"], "NR");

    // A newer release is read by default; the older one stays readable.
    let second = import(&db, "bbb", &[obs("DE", "2022", Some(3.0), "", 2)])
        .await
        .unwrap();
    assert_eq!(
        db.store
            .release_for("test_ds", None)
            .await
            .unwrap()
            .unwrap()
            .id,
        second
    );
    assert_eq!(
        db.store
            .release_for("test_ds", Some(first))
            .await
            .unwrap()
            .unwrap()
            .id,
        first
    );
    let old = db.store.observations(first, &[]).await.unwrap();
    assert_eq!(old.len(), 3);
    assert_eq!(
        db.store.observations(second, &[]).await.unwrap()[0].series_id,
        got[1].series_id,
        "the same series"
    );

    // A repeated observation aborts the import, naming its line; nothing of it remains.
    let bad = vec![
        obs("FI", "2022", Some(1.0), "", 2),
        obs("FI", "2023", Some(1.0), "", 2),
        obs("FI", "2022", Some(9.0), "", 7),
    ];
    let e = import(&db, "ccc", &bad).await.unwrap_err().to_string();
    assert!(e.contains("test.tsv:7:1"), "{e}");
    let datasets = db.store.datasets().await.unwrap();
    assert_eq!(datasets[0].releases.len(), 2, "no third release");
    assert!(
        db.store
            .observations(second, &[("geo".into(), vec!["FI".into()])])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(db.store.audit_verify().await.unwrap().is_ok());
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_staged_releases() {
    staged_releases(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_staged_releases() {
    staged_releases(Backend::Postgres).await;
}

/// A staging release of `sha` on a fresh or existing dataset.
async fn begin(db: &TestDb, sha: &str) -> Staging {
    match db
        .store
        .stage_begin(&meta(), sha, "test.tsv", "sdmx-tsv", &AuditCtx::system())
        .await
        .unwrap()
    {
        StageStart::New(st) => st,
        StageStart::Existing(_) => panic!("{sha} was imported before"),
    }
}

fn dims() -> Vec<String> {
    vec!["geo".into(), "unit".into()]
}

/// Stages `batches` one after the other and returns the first batch's error, aborting the
/// import; the abort must leave no trace.
async fn refused(db: &TestDb, sha: &str, batches: &[&[StagedObs]]) -> StoreError {
    let mut st = begin(db, sha).await;
    for batch in batches {
        if let Err(e) = db.store.stage_rows(&mut st, &dims(), batch.to_vec()).await {
            db.store.stage_abort(st).await.unwrap();
            return e;
        }
    }
    panic!("{sha}: every batch was accepted");
}

/// A repeated (series, period) names the line of the first repeat, within one batch or across
/// batches, alike on both backends; nothing of the import remains.
async fn repeats_name_their_line(backend: Backend) {
    let Some(db) = TestDb::new(backend).await.unwrap() else {
        return;
    };
    let published = import(&db, "ok", &[obs("DE", "2021", Some(1.0), "", 2)])
        .await
        .unwrap();
    let message = |line: u64, geo: &str, period: &str| {
        format!(
            "test.tsv:{line}:1: a second observation for series geo={geo}|unit=NR in period {period}"
        )
    };
    let cases: [(&str, &[&[StagedObs]], String); 4] = [
        (
            "within one batch",
            &[&[
                obs("FI", "2021", Some(1.0), "", 2),
                obs("FI", "2022", Some(1.0), "", 3),
                obs("FI", "2021", Some(9.0), "", 4),
            ]],
            message(4, "FI", "2021"),
        ),
        (
            "across batches",
            &[
                &[obs("FI", "2021", Some(1.0), "", 2)],
                &[
                    obs("SE", "2021", Some(1.0), "", 3),
                    obs("FI", "2021", Some(9.0), "", 5),
                ],
            ],
            message(5, "FI", "2021"),
        ),
        (
            "across batches, before a repeat within the batch",
            &[
                &[obs("FI", "2021", Some(1.0), "", 2)],
                &[
                    obs("FI", "2021", Some(9.0), "", 5),
                    obs("SE", "2021", Some(1.0), "", 6),
                    obs("SE", "2021", Some(9.0), "", 7),
                ],
            ],
            message(5, "FI", "2021"),
        ),
        (
            "within the batch, before a repeat across batches",
            &[
                &[obs("FI", "2021", Some(1.0), "", 2)],
                &[
                    obs("SE", "2021", Some(1.0), "", 6),
                    obs("SE", "2021", Some(9.0), "", 7),
                    obs("FI", "2021", Some(9.0), "", 8),
                ],
            ],
            message(7, "SE", "2021"),
        ),
    ];
    for (i, (case, batches, expected)) in cases.iter().enumerate() {
        let e = refused(&db, &format!("bad{i}"), batches).await;
        assert!(matches!(e, StoreError::Invalid(_)), "{case}: {e:?}");
        assert_eq!(e.to_string(), *expected, "{case}");
    }
    // The same observation in another release is no repeat, and the refused imports left
    // nothing behind.
    let later = import(&db, "later", &[obs("DE", "2021", Some(2.0), "", 2)])
        .await
        .unwrap();
    let datasets = db.store.datasets().await.unwrap();
    assert_eq!(
        datasets[0]
            .releases
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        [later, published]
    );
    assert_eq!(db.store.observations(later, &[]).await.unwrap().len(), 1);
    assert!(db.store.audit_verify().await.unwrap().is_ok());
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_repeats_name_their_line() {
    repeats_name_their_line(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_repeats_name_their_line() {
    repeats_name_their_line(Backend::Postgres).await;
}

/// The SQLite bulk loader's failures are database errors: neither configuration nor, when
/// the database refuses a row for another reason than a repeat, a repeated observation.
#[tokio::test]
async fn sqlite_bulk_loader_failures_are_database_errors() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap().unwrap();
    let rows = [
        obs("DE", "2021", Some(1.0), "", 2),
        obs("DE", "1999", Some(1.0), "", 3),
    ];
    let database_error = |e: &StoreError, names: &str| {
        assert!(matches!(e, StoreError::Sqlite(_)), "{e:?}");
        let m = e.to_string();
        assert!(m.starts_with("database: ") && m.contains(names), "{m}");
    };

    // A trigger raises: a constraint failure that is not a repeated key.
    db.store
        .execute_raw(
            "CREATE TRIGGER frozen BEFORE INSERT ON stat_observations WHEN NEW.period = '1999'
             BEGIN SELECT RAISE(ABORT, 'the 1999 figures are frozen'); END",
        )
        .await
        .unwrap();
    let e = refused(&db, "trigger", &[&rows]).await;
    database_error(&e, "the 1999 figures are frozen");
    db.store.execute_raw("DROP TRIGGER frozen").await.unwrap();

    // The staging table is gone from the file after the import began.
    let mut st = begin(&db, "moved").await;
    db.store
        .execute_raw("ALTER TABLE stat_observations RENAME TO stat_observations_moved")
        .await
        .unwrap();
    let e = db
        .store
        .stage_rows(&mut st, &dims(), rows.to_vec())
        .await
        .unwrap_err();
    database_error(&e, "no such table");
    assert!(e.to_string().contains("stat_observations"), "{e}");
    db.store
        .execute_raw("ALTER TABLE stat_observations_moved RENAME TO stat_observations")
        .await
        .unwrap();
    db.store.stage_abort(st).await.unwrap();

    // Nothing of either import remains, and the file takes the rows once it is whole again.
    assert!(db.store.datasets().await.unwrap()[0].releases.is_empty());
    let id = import(&db, "whole", &rows).await.unwrap();
    assert_eq!(db.store.observations(id, &[]).await.unwrap().len(), 2);
    db.cleanup().await;
}
