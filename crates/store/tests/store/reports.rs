//! Reports in the store, on both backends: taskings indexed by post, reports indexed by the
//! sources and cases they use, references checked, comments, and builds whose snapshot is
//! written with its sha256 in the same transaction.

use crate::{actor, case, seed_posts, source};
use chancery_domain::report::{Report, ReportState, Tasking};
use chancery_store::testing::TestDb;
use chancery_store::{ReportFilter, StoreError, sha256_hex};
use chrono::DateTime;
use serde_json::json;

pub async fn reports_are_indexed_commented_and_built(db: &TestDb) {
    seed_posts(db).await;
    let ctx = actor(db, "editor").await;
    let s = db.store.create(&source("A judgment"), &ctx).await.unwrap();
    let c = db
        .store
        .create(&case("berlin", "DE", "A case", s.id.get()), &ctx)
        .await
        .unwrap();
    let tasking = Tasking::from_json(&json!({"title": "Annual report", "instructions": "Report.",
        "template_key": "migration-impacts", "posts": ["berlin", "stockholm"], "due": "2026-12-15",
        "recurrence": "annual"}))
    .unwrap();
    let t = db.store.create(&tasking, &ctx).await.unwrap();
    let berlin = chancery_domain::PostSlug::parse("berlin").unwrap();
    assert_eq!(
        db.store.taskings_for_post(&berlin).await.unwrap(),
        vec![t.id]
    );

    let body = json!({"post": "berlin", "tasking_id": t.id, "due": "2026-12-15",
        "template_key": "migration-impacts", "subject": "Report", "sections": [{"heading": "Cases",
        "paragraphs": [{"id": "p1", "kind": "fact", "marking": "U", "text": "A fact.",
          "citations": [{"kind": "source", "id": s.id}, {"kind": "case", "id": c.id}]}]}]});
    let report = Report::from_json(&body).unwrap();
    let r = db.store.create(&report, &ctx).await.unwrap();
    assert_eq!(r.data.state, ReportState::Draft);
    let rows = db.store.reports_for_tasking(t.id).await.unwrap();
    assert_eq!(
        rows,
        vec![(
            r.id.get(),
            "berlin".to_string(),
            Some("2026-12-15".to_string()),
            "draft".to_string()
        )]
    );
    assert_eq!(
        db.store.reports_using(&[s.id.get()], &[]).await.unwrap(),
        vec![r.id.get()]
    );
    assert_eq!(
        db.store.reports_using(&[], &[c.id.get()]).await.unwrap(),
        vec![r.id.get()]
    );
    let listed = db
        .store
        .list::<Report>(
            &ReportFilter {
                state: Some("draft".into()),
                ..Default::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);

    // A citation of a missing record writes nothing and names the field.
    let mut bad = body.clone();
    bad["sections"][0]["paragraphs"][0]["citations"][1]["id"] = json!(999);
    match db
        .store
        .create(&Report::from_json(&bad).unwrap(), &ctx)
        .await
    {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(
                e.errors[0].field.as_deref(),
                Some("sections[0].paragraphs[0].citations[1].id")
            );
        }
        other => panic!("expected a reference error, got {other:?}"),
    }

    // A new version drops the case: the index follows the current version.
    let mut next = r.data.clone();
    next.sections[0].paragraphs[0].citations.truncate(1);
    next.state = ReportState::InClearance { step: 0 };
    let r2 = db.store.update(r.id, 1, &next, &ctx).await.unwrap();
    assert_eq!(r2.version, 2);
    assert!(
        db.store
            .reports_using(&[], &[c.id.get()])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        db.store.reports_for_tasking(t.id).await.unwrap()[0].3,
        "in_clearance"
    );

    let cid = db
        .store
        .add_report_comment(r.id, 2, "p1", "Cite the judgment's page.", &ctx)
        .await
        .unwrap();
    let comments = db.store.report_comments(r.id).await.unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(
        (comments[0].id, comments[0].paragraph.as_str()),
        (cid, "p1")
    );

    let at = DateTime::from_timestamp(1_795_000_000, 0).unwrap();
    let b = db
        .store
        .add_report_build(r.id, 2, at, &ctx, |id| format!("{{\"build\":{id}}}"))
        .await
        .unwrap();
    assert_eq!(b.snapshot, format!("{{\"build\":{}}}", b.id));
    // The snapshot's hash is a commitment: sha256 over its salt and the snapshot, not a plain
    // hash that a guess at a redacted text could be tested against.
    let salt = hex::decode(b.snapshot_salt.as_deref().unwrap()).unwrap();
    assert_eq!(
        b.snapshot_sha256,
        chancery_domain::commitment::commit(&salt, &b.snapshot)
    );
    assert_ne!(b.snapshot_sha256, sha256_hex(&b.snapshot));
    assert_eq!(b.created_at, at, "the build's time reads back exactly");
    assert_eq!(db.store.report_builds(r.id).await.unwrap(), vec![b.clone()]);
    assert_eq!(db.store.report_build(b.id).await.unwrap(), Some(b));
    assert!(db.store.report_build(987_654).await.unwrap().is_none());
}
