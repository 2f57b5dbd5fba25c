//! The `chancery` binary, run as a user would: the demo on a fresh directory, `migrate`, and
//! configuration through the environment.

use chancery_store::Backend;
use chancery_store::testing::TestDb;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

fn get_json(url: &str) -> Value {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        reqwest::get(url)
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    })
}

fn get_text(url: &str) -> (u16, String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let r = reqwest::get(url).await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    })
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
    let cases = get_json(&format!("http://{}/api/v1/cases", run.addr));
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
    // No demo source claims a URL or a verification nobody made.
    let sources = get_json(&format!("http://{}/api/v1/sources", run.addr));
    for s in sources["items"].as_array().unwrap() {
        assert!(s.get("url").is_none_or(Value::is_null), "{s}");
        assert_eq!(s["verified"], false);
    }
    let (status, html) = get_text(&format!("http://{}/cases", run.addr));
    assert_eq!(status, 200);
    assert!(html.contains("Stadtpark"));
    let posts = get_json(&format!("http://{}/api/v1/posts", run.addr));
    assert!(posts.as_array().unwrap().len() >= 5);
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
    let cases = get_json(&format!("http://{}/api/v1/cases", run.addr));
    assert_eq!(cases["items"].as_array().unwrap().len(), 5);
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
        ],
    );
    let health = get_json(&format!("http://{}/healthz", run.addr));
    assert_eq!(health["database"], "sqlite");
    assert!(
        data.join("chancery.db").exists(),
        "SQLite file inside the data directory"
    );
    let cases = get_json(&format!("http://{}/api/v1/cases", run.addr));
    assert_eq!(cases["items"].as_array().unwrap().len(), 0);
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
    if let Some(db) = rt.block_on(TestDb::new(Backend::Postgres)).unwrap() {
        for _ in 0..2 {
            let out = Command::new(BIN)
                .args(["migrate", "--database", &db.url()])
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
        assert!(tables.contains_key("cases"));
        rt.block_on(db.cleanup());
    }
    let out = Command::new(BIN)
        .args(["migrate", "--database", "mysql://nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
}
