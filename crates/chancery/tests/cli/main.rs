//! The `chancery` binary, run as a user would: the demo on a fresh directory, `migrate`,
//! accounts and tokens, the audit log, and configuration through the environment.

use chancery_app::{Backend, TestDb};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod audit_anchor;
mod hostile;
mod reports;
mod stats;

const BIN: &str = env!("CARGO_BIN_EXE_chancery");

struct Running {
    child: Child,
    addr: String,
    lines: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary and waits for the line that prints the address to open.
fn start(args: &[&str], envs: &[(&str, &str)]) -> Running {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env_remove("CHANCERY_DATABASE_URL");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    // Owned by `Running` at once, so the process is killed and reaped on every path.
    let mut run = Running {
        child: cmd.spawn().expect("start chancery"),
        addr: String::new(),
        lines: Vec::new(),
    };
    let mut reader = BufReader::new(run.child.stdout.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(
            Instant::now() < deadline,
            "no address printed: {:?}",
            run.lines
        );
        let mut line = String::new();
        if reader.read_line(&mut line).expect("read stdout") == 0 {
            panic!("chancery exited early: {:?}", run.lines);
        }
        run.lines.push(line.trim_end().to_string());
        if let Some(rest) = line.split("Open http://").nth(1) {
            run.addr = rest.split('/').next().unwrap().to_string();
            // Keep reading, so the process never writes into a closed pipe.
            std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
            return run;
        }
    }
}

/// Runs the binary to completion with `stdin` as standard input.
fn run_cli(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("CHANCERY_DATABASE_URL")
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Creates an API token through the CLI and returns it (the last line printed).
fn token_for(data: &str, email: &str) -> String {
    let out = run_cli(&["token", "create", "--email", email, "--data", data], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string()
}

fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut req = reqwest::Client::new().get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    })
}

fn get_json(url: &str, token: &str) -> Value {
    let (status, body) = get(url, Some(token));
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn demo_creates_data_once_and_serves_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");
    let data_s = data.to_str().unwrap();
    let run = start(&["demo", "--data", data_s, "--listen", "127.0.0.1:0"], &[]);
    assert!(
        run.lines[0].starts_with("Created the demo data"),
        "{:?}",
        run.lines
    );
    assert!(
        run.lines
            .iter()
            .any(|l| l.contains("hq.editor@chancery.example")),
        "the logins are printed"
    );
    let base = format!("http://{}", run.addr);
    assert_eq!(
        get(&format!("{base}/api/v1/cases"), None).0,
        401,
        "anonymous: 401"
    );
    let editor = token_for(data_s, "hq.editor@chancery.example");
    let cases = get_json(&format!("{base}/api/v1/cases"), &editor);
    let items = cases["items"].as_array().unwrap();
    let kinds: Vec<_> = items.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 5);
    for k in [
        "inquiry",
        "criminal_case",
        "immigration_decision",
        "speech_case",
    ] {
        assert!(kinds.contains(&k), "{k} missing from the demo");
    }
    let countries: Vec<_> = items
        .iter()
        .map(|c| c["country"].as_str().unwrap())
        .collect();
    assert!(countries.contains(&"GB") && countries.contains(&"SE") && countries.contains(&"DE"));
    // The Swedish immigration decision links to the conviction; the speech case to the verdict.
    let linked: Vec<_> = items
        .iter()
        .filter(|c| !c["links"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(linked.len(), 2);
    // The Hamburg pair: "harsher" depends on the measure, with every measure shown.
    let id_of = |kind: &str| {
        items
            .iter()
            .find(|c| c["kind"] == kind && c["country"] == "DE")
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (speech, verdict) = (id_of("speech_case"), id_of("criminal_case"));
    let cmp = get_json(
        &format!("{base}/api/v1/cases/{speech}/compare/{verdict}"),
        &editor,
    );
    let comparisons = cmp["comparisons"].as_array().unwrap();
    assert!(
        comparisons
            .iter()
            .any(|c| c["comparison"]["depends_on_measure"] == true),
        "{cmp}"
    );
    assert!(
        comparisons
            .iter()
            .all(|c| c["comparison"]["rows"].as_array().unwrap().len() == 3)
    );
    // The shown conflict: how the sources describe the recipient of the messages.
    assert!(
        cmp.to_string()
            .contains("sources disagree on the description"),
        "{cmp}"
    );
    // The Swedish conviction's outcome applied the policy version in force at the ruling.
    let policies = get_json(&format!("{base}/api/v1/policies"), &editor);
    let policy = &policies["items"][0];
    let pid = policy["id"].as_i64().unwrap();
    let in_force = get_json(
        &format!("{base}/api/v1/policies/{pid}/in-force?date=2025-10-15"),
        &editor,
    );
    assert_eq!(
        in_force["in_force"]["label"],
        "Threshold applied in the 2025 ruling"
    );
    assert_eq!(policy["linked_cases"].as_array().unwrap().len(), 2);
    let engagements = get_json(&format!("{base}/api/v1/engagements"), &editor);
    // Stockholm's SBU meeting and Berlin's U meeting, both SYNTHETIC.
    let engagements = engagements["items"].as_array().unwrap();
    assert_eq!(engagements.len(), 2);
    assert!(
        engagements
            .iter()
            .all(|e| e["title"].as_str().unwrap().starts_with("SYNTHETIC"))
    );
    // Two sources have an archived document: the statement (the demo refuses to load a quote
    // not found in it) and the SYNTHETIC German text of the search tour.
    let sources = get_json(&format!("{base}/api/v1/sources"), &editor);
    let mut archived = 0;
    for s in sources["items"].as_array().unwrap() {
        let list = get_json(
            &format!("{base}/api/v1/sources/{}/archives", s["id"]),
            &editor,
        );
        archived += list.as_array().unwrap().len();
    }
    assert_eq!(archived, 2);
    // No demo source claims a URL or a verification nobody made.
    let sources = get_json(&format!("{base}/api/v1/sources"), &editor);
    for s in sources["items"].as_array().unwrap() {
        assert!(s.get("url").is_none_or(Value::is_null), "{s}");
        assert_eq!(s["verified"], false);
    }
    // The reader without SBU access sees the U case only; the Berlin officer sees Berlin's.
    let reader = token_for(data_s, "hq.reader@chancery.example");
    let seen = get_json(&format!("{base}/api/v1/cases"), &reader);
    let markings: Vec<_> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["marking"].as_str().unwrap())
        .collect();
    assert_eq!(markings, ["U"]);
    let officer = token_for(data_s, "berlin.officer@chancery.example");
    let seen = get_json(&format!("{base}/api/v1/cases"), &officer);
    let posts: Vec<_> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["post"].as_str().unwrap())
        .collect();
    assert_eq!(posts, ["berlin", "berlin"]);
    let (status, html) = get(&format!("{base}/cases"), Some(&editor));
    assert_eq!(status, 200);
    assert!(html.contains("Stadtpark"));
    drop(run);

    // A second start keeps the data and does not load it twice.
    let run = start(
        &["demo", "--listen", "127.0.0.1:0"],
        &[("CHANCERY_DATA", data_s)],
    );
    assert!(
        run.lines[0].starts_with("Using the existing data"),
        "{:?}",
        run.lines
    );
    let cases = get_json(&format!("http://{}/api/v1/cases", run.addr), &editor);
    assert_eq!(cases["items"].as_array().unwrap().len(), 5);
    drop(run);

    // The demo's audit log verifies, exports as NDJSON, and breaks when a row is edited by hand.
    let out = run_cli(&["audit", "verify", "--data", data_s], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("chain intact"));
    let export = run_cli(&["audit", "export", "--data", data_s], "");
    let lines: Vec<Value> = String::from_utf8(export.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() > 20, "{}", lines.len());
    assert!(
        lines
            .iter()
            .all(|e| e["entry_hash"].as_str().is_some_and(|h| h.len() == 64))
    );
    assert!(
        !lines.iter().any(|e| e.to_string().contains("Stadtpark")),
        "no titles in the audit log"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = chancery_store::Store::open_sqlite(&data.join("chancery.db"))
            .await
            .unwrap();
        store
            .execute_raw("UPDATE audit_log SET action = 'read' WHERE seq = 7")
            .await
            .unwrap();
        store.close().await;
    });
    let out = run_cli(&["audit", "verify", "--data", data_s], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken at entry 7"), "{err}");
}

#[test]
fn accounts_and_tokens_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let add = |args: &[&str], stdin: &str| {
        let mut all = vec!["user", "add"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--password-stdin", "--data", data]);
        run_cli(&all, stdin)
    };
    let out = add(
        &[
            "--email",
            "officer@test.example",
            "--role",
            "post_officer",
            "--post",
            "berlin",
        ],
        "a long enough password\n",
    );
    assert!(!out.status.success(), "no post berlin exists here");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no post"));
    let out = add(
        &[
            "--email",
            "reader@test.example",
            "--role",
            "hq_reader",
            "--sbu",
        ],
        "short\n",
    );
    assert!(!out.status.success(), "a short password is refused");
    let out = add(
        &[
            "--email",
            "Reader@Test.example",
            "--role",
            "hq_reader",
            "--sbu",
        ],
        "a long enough password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A token made before the operator's reset is revoked by it.
    let before_reset = token_for(data, "reader@test.example");
    let out = run_cli(
        &[
            "user",
            "reset-password",
            "--email",
            "reader@test.example",
            "--password-stdin",
            "--data",
            data,
        ],
        "another long password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = token_for(data, "reader@test.example");
    assert!(token.starts_with("chy_") && token.len() > 40, "{token}");
    let out = run_cli(
        &[
            "token",
            "create",
            "--email",
            "reader@test.example",
            "--days",
            "400",
            "--data",
            data,
        ],
        "",
    );
    assert!(!out.status.success(), "a token lives at most 365 days");
    let out = run_cli(
        &[
            "token",
            "create",
            "--email",
            "reader@test.example",
            "--days",
            "7",
            "--data",
            data,
        ],
        "",
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(", expires "),
        "the expiry is shown at creation"
    );
    let run = start(&["serve", "--data", data, "--listen", "127.0.0.1:0"], &[]);
    let base = format!("http://{}", run.addr);
    let cases = get_json(&format!("{base}/api/v1/cases"), &token);
    assert_eq!(cases["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        get(&format!("{base}/api/v1/cases"), Some(&before_reset)).0,
        401,
        "the reset revoked the older token"
    );
    let list = run_cli(&["user", "list", "--data", data], "");
    let listed = String::from_utf8(list.stdout).unwrap();
    assert!(
        listed.contains("reader@test.example\thq_reader\thq\tsbu=true"),
        "{listed}"
    );
    // Token 1 was revoked by the reset; token 2 is `token`.
    let out = run_cli(&["token", "revoke", "--id", "2", "--data", data], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        get(&format!("{base}/api/v1/cases"), Some(&token)).0,
        401,
        "a revoked token is refused"
    );
    let out = run_cli(
        &[
            "user",
            "unlock",
            "--email",
            "reader@test.example",
            "--data",
            data,
        ],
        "",
    );
    assert!(out.status.success());
    let out = run_cli(&["audit", "verify", "--data", data], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Each use of the operator's path is audited as `local`, with no account.
    let out = run_cli(&["audit", "export", "--data", data], "");
    let entries: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for action in [
        "user_create",
        "password_set",
        "tokens_revoke",
        "token_create",
    ] {
        let e = entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("{action} is audited"));
        assert_eq!(e["address"], "local", "{e}");
        assert!(e["actor_id"].is_null(), "{e}");
    }
}

#[test]
fn serve_reads_its_settings_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let run = start(
        &["serve"],
        &[
            ("CHANCERY_DATA", data.to_str().unwrap()),
            ("CHANCERY_LISTEN", "127.0.0.1:0"),
            ("CHANCERY_TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::/32"),
        ],
    );
    let (status, body) = get(&format!("http://{}/healthz", run.addr), None);
    assert_eq!(status, 200);
    assert!(body.contains("\"database\":\"sqlite\""));
    assert!(
        data.join("chancery.db").exists(),
        "SQLite file inside the data directory"
    );
    assert_eq!(
        get(&format!("http://{}/api/v1/cases", run.addr), None).0,
        401
    );
}

/// A trusted proxy that is not an address or a CIDR block stops `serve`, naming the entry.
#[test]
fn a_bad_trusted_proxies_setting_is_refused_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let out = Command::new(BIN)
        .args([
            "serve",
            "--data",
            data.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .env_remove("CHANCERY_DATABASE_URL")
        .env("CHANCERY_TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("trusted_proxies[1]") && err.contains("proxy.internal"),
        "{err}"
    );
}

#[test]
fn migrate_applies_the_schema_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    for _ in 0..2 {
        let out = Command::new(BIN)
            .args(["migrate", "--data", data])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("migrated sqlite:"));
    }
    // Against the PostgreSQL server (a fresh schema), when configured: migrations are
    // embedded for it too, and applying them again changes nothing.
    let rt = tokio::runtime::Runtime::new().unwrap();
    if let Some(db) = rt.block_on(TestDb::unmigrated(Backend::Postgres)).unwrap() {
        // A data directory of its own: opening generates the audit keys in `<data>/keys/`.
        let pg_dir = tempfile::tempdir().unwrap();
        let pg_data = pg_dir.path().to_str().unwrap();
        for _ in 0..2 {
            let out = Command::new(BIN)
                .args(["migrate", "--database", &db.url(), "--data", pg_data])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("migrated postgres"));
        }
        let tables = rt.block_on(db.store.describe_schema()).unwrap();
        assert!(tables.contains_key("cases") && tables.contains_key("audit_log"));
        rt.block_on(db.cleanup());
    }
    let out = Command::new(BIN)
        .args(["migrate", "--database", "mysql://nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
}

/// `chancery search` on the demo data: as an HQ editor `Stadtpark` finds the Hamburg cases and
/// their sources; as the HQ reader without SBU access it finds no SBU record; a bad query is
/// refused naming the problem.
#[test]
fn search_finds_the_demo_records_as_each_account_may_see_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");
    let data_s = data.to_str().unwrap();
    drop(start(
        &["demo", "--data", data_s, "--listen", "127.0.0.1:0"],
        &[],
    ));
    let search = |who: &str, extra: &[&str]| -> Value {
        let mut args = vec![
            "search",
            "Stadtpark",
            "--as",
            who,
            "--data",
            data_s,
            "--json",
            "--limit",
            "100",
        ];
        args.extend_from_slice(extra);
        let out = run_cli(&args, "");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let editor = search("hq.editor@chancery.example", &[]);
    let hits = editor["hits"].as_array().unwrap();
    let titles: Vec<&str> = hits.iter().map(|h| h["title"].as_str().unwrap()).collect();
    assert!(
        hits.iter()
            .any(|h| h["type"] == "case" && h["title"].as_str().unwrap().contains("Hamburg")),
        "{titles:?}"
    );
    assert!(hits.iter().any(|h| h["type"] == "source"), "{titles:?}");
    assert!(
        hits.iter().any(|h| h["marking"] == "SBU"),
        "the editor sees SBU records"
    );
    let reader = search("hq.reader@chancery.example", &[]);
    let reader_hits = reader["hits"].as_array().unwrap();
    assert!(!reader_hits.is_empty());
    assert!(
        reader_hits
            .iter()
            .all(|h| h["marking"] == "U" && h["sbu"] == false),
        "{reader}"
    );
    assert!(
        !reader.to_string().contains("\"SBU\""),
        "no facet counts SBU"
    );
    assert!(reader["total"].as_i64().unwrap() < editor["total"].as_i64().unwrap());
    // Filters, and the plain output.
    let cases = search("hq.editor@chancery.example", &["--filter", "type=case"]);
    assert!(
        cases["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["type"] == "case")
    );
    let out = run_cli(
        &[
            "search",
            "Stadtpark",
            "--as",
            "hq.editor@chancery.example",
            "--data",
            data_s,
        ],
        "",
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("results for \"Stadtpark\"") && text.contains("[Stadtpark]"),
        "{text}"
    );
    let out = run_cli(
        &[
            "search",
            "\"Stadtpark",
            "--as",
            "hq.editor@chancery.example",
            "--data",
            data_s,
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("quote is not closed"));
    // The SYNTHETIC German text archived with the demo is found by one of its words, as the
    // HQ reader too (it is U).
    let out = run_cli(
        &[
            "search",
            "Geldstrafe",
            "--as",
            "hq.reader@chancery.example",
            "--data",
            data_s,
            "--json",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found["total"], 1, "{found}");
    assert!(
        found["hits"][0]["title"]
            .as_str()
            .unwrap()
            .starts_with("SYNTHETIC")
    );
}
