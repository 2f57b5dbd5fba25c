//! The audit chain anchored outside the database. The attack (issue 12): change one entry's
//! actor, recompute every later hash and the head row, and `chancery audit verify` still says
//! the chain is intact, because the chain is plain SHA-256 with no key. A checkpoint signed
//! with a key kept outside the database, written to a directory kept outside, finds it and
//! names the first rewritten entry; verifying needs only the public key.

use super::BIN;
use chancery_app::{Backend, TestDb};
use chancery_store::{AuditEntry, Store};
use std::process::{Command, Output, Stdio};

/// Runs the binary with `args`, the environment `envs` and `stdin`.
fn cli(args: &[&str], envs: &[(&str, &str)], stdin: &str) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("CHANCERY_DATABASE_URL")
        .env_remove("CHANCERY_AUDIT_KEY")
        .env_remove("CHANCERY_AUDIT_KEY_FILE");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The attacker's edit, as someone with write access to the database would make it: entry
/// `seq` gets another actor, every later entry's hash is recomputed from its columns and the
/// hash before it, and the head row is moved to the new last hash. Nothing is left
/// inconsistent.
async fn rewrite_actor_consistently(store: &Store, seq: i64, actor: Option<i64>) {
    let mut entries: Vec<AuditEntry> = Vec::new();
    store
        .audit_walk(|e| {
            entries.push(e);
            Ok(())
        })
        .await
        .unwrap();
    let at = entries.iter().position(|e| e.seq == seq).unwrap();
    assert_ne!(entries[at].actor_id, actor, "the rewrite changes the actor");
    entries[at].actor_id = actor;
    let mut prev = entries[at].prev_hash.clone();
    for e in &mut entries[at..] {
        e.prev_hash = prev;
        e.entry_hash = e.compute_hash();
        prev = e.entry_hash.clone();
        let actor = e
            .actor_id
            .map(|a| a.to_string())
            .unwrap_or_else(|| "NULL".into());
        let n = store
            .execute_raw(&format!(
                "UPDATE audit_log SET actor_id = {actor}, prev_hash = '{}', entry_hash = '{}' WHERE seq = {}",
                e.prev_hash, e.entry_hash, e.seq
            ))
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
    store
        .execute_raw(&format!(
            "UPDATE audit_head SET entry_hash = '{prev}' WHERE id = 1"
        ))
        .await
        .unwrap();
}

async fn the_consistent_rewrite_of_an_entrys_actor_is_found_by_checkpoints(backend: Backend) {
    let Some(db) = TestDb::unmigrated(backend).await.unwrap() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    // The keys and the checkpoints live outside the data directory (another volume, in life).
    let keys = dir.path().join("keys");
    let checkpoints = dir.path().join("checkpoints");
    let checkpoints = checkpoints.to_str().unwrap();
    ok(&cli(
        &["audit", "keygen", "--out", keys.to_str().unwrap()],
        &[],
        "",
    ));
    let key_file = keys.join("audit.key");
    let public = keys.join("audit.pub");
    let public = public.to_str().unwrap();
    let env = [("CHANCERY_AUDIT_KEY_FILE", key_file.to_str().unwrap())];
    let url = db.url();
    let with_db = |args: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend([
            "--data".into(),
            data.into(),
            "--database".into(),
            url.clone(),
        ]);
        all
    };
    let run = |args: &[&str], stdin: &str| {
        let all = with_db(args);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        cli(&all, &env, stdin)
    };
    // Entries: two accounts created, a token for each (written by the system at the command
    // line: no actor).
    for email in ["first@test.example", "second@test.example"] {
        ok(&run(
            &[
                "user",
                "add",
                "--email",
                email,
                "--role",
                "hq_reader",
                "--password-stdin",
            ],
            "a long enough password\n",
        ));
        ok(&run(&["token", "create", "--email", email], ""));
    }
    let signed = ok(&run(&["audit", "checkpoint", "--out", checkpoints], ""));
    assert!(signed.contains("checkpoint signed at entry"), "{signed}");
    let covered: i64 = signed
        .split("at entry ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(covered >= 4, "{signed}");
    // One more entry, after the checkpoint.
    ok(&run(
        &["user", "unlock", "--email", "first@test.example"],
        "",
    ));

    let store = db.store.clone();
    // Entry 2 (inside the checkpoint) is credited to account 1 instead of the system.
    rewrite_actor_consistently(&store, 2, Some(1)).await;

    // The attack as reported: the chain alone still verifies.
    let plain = ok(&run(&["audit", "verify"], ""));
    assert!(plain.contains("chain intact"), "{plain}");

    // Against the checkpoints kept outside, with the public key only (no secret in the
    // environment): the first rewritten entry is named.
    let all = with_db(&[
        "audit",
        "verify",
        "--checkpoints",
        checkpoints,
        "--public-key",
        public,
    ]);
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let out = cli(&all, &[], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the rewrite is found: {err}");
    assert!(err.contains("broken at entry 2:"), "{err}");
    assert!(err.contains("entry 2 was rewritten"), "{err}");
    // The same with the public key derived from the configured secret.
    let out = run(&["audit", "verify", "--checkpoints", checkpoints], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken at entry 2:"));

    // Signing a new checkpoint over the rewritten chain is refused: it would launder it.
    let out = run(&["audit", "checkpoint", "--out", checkpoints], "");
    assert!(!out.status.success(), "a rewritten chain is not signed");
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_the_consistent_rewrite_of_an_entrys_actor_is_found_by_checkpoints() {
    the_consistent_rewrite_of_an_entrys_actor_is_found_by_checkpoints(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_the_consistent_rewrite_of_an_entrys_actor_is_found_by_checkpoints() {
    the_consistent_rewrite_of_an_entrys_actor_is_found_by_checkpoints(Backend::Postgres).await;
}
