//! The attack (issue 12): the audit's `detail_hash` of a failed sign-in was an unsalted
//! sha256 of the typed e-mail, so anyone holding the log could confirm a guess of what was
//! typed, and a password typed into the e-mail field was stored confirmably. Detail hashes are
//! HMACs under a key kept outside the database: hashing a guess every unkeyed way finds
//! nothing, in the audit log or in the login attempts. Both backends.

use chancery_app::{App, Limits, accounts, signin};
use chancery_store::testing::TestDb;
use chancery_store::{AuditCtx, AuditFilter, Backend, Blobs, sha256_hex};

async fn a_password_typed_as_the_email_cannot_be_confirmed_from_the_audit(backend: Backend) {
    let Some(db) = TestDb::new(backend).await.unwrap() else {
        return;
    };
    let blobs = tempfile::tempdir().unwrap();
    let app = App::new(
        db.store.clone(),
        Blobs::local(blobs.path()).unwrap(),
        Limits::default(),
    );
    let account =
        accounts::new_account("reader@test.example", "hq_reader", None, false, None).unwrap();
    db.store
        .create_user(&account, None, &AuditCtx::system())
        .await
        .unwrap();
    // A password typed into the e-mail field, and a real account's e-mail with a wrong
    // password: both fail and both are recorded.
    let typed = ["Correct-Horse-Battery-9", "Reader@Test.example"];
    for t in typed {
        let r = signin::sign_in(&app, t, "wrong password", "192.0.2.7")
            .await
            .unwrap();
        assert!(r.is_none());
    }
    let entries = app
        .store
        .audit_entries(&AuditFilter::default(), 1000)
        .await
        .unwrap();
    let failed: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "login_failed")
        .collect();
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|e| e.detail_hash.is_some()));
    for t in typed {
        let mut guesses = vec![];
        for v in [
            t.to_string(),
            t.to_lowercase(),
            t.trim().to_string(),
            t.to_uppercase(),
        ] {
            guesses.push(sha256_hex(&v));
            guesses.push(sha256_hex(&format!("{v}\n")));
        }
        for g in &guesses {
            for e in &entries {
                let row = serde_json::to_string(e).unwrap();
                assert!(
                    !row.contains(g.as_str()),
                    "entry {} confirms the guess {t:?}: {row}",
                    e.seq
                );
            }
            let n = db
                .store
                .execute_raw(&format!(
                    "UPDATE login_attempts SET email_hash = email_hash WHERE email_hash = '{g}'"
                ))
                .await
                .unwrap();
            assert_eq!(n, 0, "a login attempt confirms the guess {t:?}");
        }
    }
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_a_password_typed_as_the_email_cannot_be_confirmed_from_the_audit() {
    a_password_typed_as_the_email_cannot_be_confirmed_from_the_audit(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_password_typed_as_the_email_cannot_be_confirmed_from_the_audit() {
    a_password_typed_as_the_email_cannot_be_confirmed_from_the_audit(Backend::Postgres).await;
}
