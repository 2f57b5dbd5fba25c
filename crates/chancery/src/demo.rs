//! The demo data set (`demo/demo.json`): posts, sources and the three cases of the statement,
//! loaded through the same domain parsing and store calls as any user input.

use anyhow::{Context, Result, bail};
use chancery_domain::{Account, Case, Post, Source};
use chancery_store::AuditCtx;
use chancery_store::Store;
use serde_json::{Map, Value};
use std::collections::HashMap;

const DEMO: &str = include_str!("../demo/demo.json");

/// The demo accounts: one per role, placeholders rather than people. They share one password,
/// printed whenever the demo starts: this is demo data on a local machine, nothing more.
pub const DEMO_PASSWORD: &str = "chancery-demo-password";

pub const DEMO_USERS: &[(&str, &str, &str, Option<&str>, bool)] = &[
    (
        "berlin.officer@chancery.example",
        "Berlin officer (demo)",
        "post_officer",
        Some("berlin"),
        true,
    ),
    (
        "berlin.reviewer@chancery.example",
        "Berlin reviewer (demo)",
        "post_reviewer",
        Some("berlin"),
        true,
    ),
    (
        "hq.editor@chancery.example",
        "HQ editor (demo)",
        "hq_editor",
        None,
        true,
    ),
    (
        "hq.reader@chancery.example",
        "HQ reader without SBU access (demo)",
        "hq_reader",
        None,
        false,
    ),
    (
        "admin@chancery.example",
        "Administrator (demo)",
        "admin",
        None,
        true,
    ),
];

/// Lines telling how to sign in to the demo.
pub fn logins() -> Vec<String> {
    let mut lines = vec![format!("Demo logins (password for all: {DEMO_PASSWORD}):")];
    for (email, _, role, post, sbu) in DEMO_USERS {
        let at = post.map(|p| format!(" at {p}")).unwrap_or_default();
        let sbu = if *sbu {
            "SBU access"
        } else {
            "no SBU access: sees U material only"
        };
        lines.push(format!("  {email:<36} {role}{at}, {sbu}"));
    }
    lines
}

pub async fn load(store: &Store) -> Result<String> {
    let demo: Value = serde_json::from_str(DEMO).context("demo.json")?;
    let posts = demo["posts"].as_array().context("demo.json: posts")?;
    for p in posts {
        let post: Post = serde_json::from_value(p.clone()).context("demo.json: a post")?;
        store.upsert_post(&post).await?;
    }
    let hash = chancery_web::hash_password(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut author = None;
    for (email, name, role, post, sbu) in DEMO_USERS {
        let account = Account::from_json(
            &serde_json::json!({"email": email, "display_name": name, "role": role,
            "post": post, "sbu_access": sbu}),
        )
        .map_err(|e| anyhow::anyhow!("demo account {email}: {e}"))?;
        let id = store
            .create_user(&account, Some(&hash), &AuditCtx::system())
            .await?;
        if *role == "hq_editor" {
            author = Some(id);
        }
    }
    let author = AuditCtx::user(author.context("a demo HQ editor")?, Some("local".into()));
    let mut source_ids: HashMap<String, i64> = HashMap::new();
    for (key, s) in demo["sources"].as_object().context("demo.json: sources")? {
        let source = Source::from_json(s).map_err(|e| anyhow::anyhow!("demo source {key}: {e}"))?;
        let rec = store.create(&source, &author).await?;
        source_ids.insert(key.clone(), rec.id.get());
    }
    let mut case_ids: HashMap<String, i64> = HashMap::new();
    let cases = demo["cases"].as_array().context("demo.json: cases")?;
    for c in cases {
        let key = c["key"]
            .as_str()
            .context("demo case without key")?
            .to_string();
        let mut obj: Map<String, Value> = c.as_object().cloned().unwrap_or_default();
        obj.remove("key");
        if let Some(Value::Array(cits)) = obj.get_mut("citations") {
            for cit in cits.iter_mut() {
                resolve(cit, "source", "source_id", &source_ids, &key)?;
            }
        }
        if let Some(Value::Array(links)) = obj.get_mut("links") {
            for l in links.iter_mut() {
                resolve(l, "case", "case_id", &case_ids, &key)?;
            }
        }
        let case = Case::from_json(&Value::Object(obj))
            .map_err(|e| anyhow::anyhow!("demo case {key}: {e}"))?;
        let rec = store.create(&case, &author).await?;
        case_ids.insert(key, rec.id.get());
    }
    Ok(format!(
        "{} posts, {} sources, {} cases",
        posts.len(),
        source_ids.len(),
        case_ids.len()
    ))
}

/// Replaces a symbolic reference (`"source": "statement"`) by the stored id.
fn resolve(
    v: &mut Value,
    from: &str,
    to: &str,
    ids: &HashMap<String, i64>,
    case: &str,
) -> Result<()> {
    let Some(obj) = v.as_object_mut() else {
        bail!("demo case {case}: a reference is not an object")
    };
    let key = obj
        .remove(from)
        .and_then(|k| k.as_str().map(str::to_string));
    match key.and_then(|k| ids.get(&k).copied()) {
        Some(id) => {
            obj.insert(to.into(), Value::from(id));
            Ok(())
        }
        None => bail!("demo case {case}: unknown {from} reference"),
    }
}

/// The statistics of the demo: a few published headline figures, cited to their publisher
/// (Eurostat crim_pris_ctz, 2022, as `shared/domain/statistics.md` gives them), and SYNTHETIC
/// series for the explorer's chart and the rate view, labelled as such in every title. Loaded
/// through the same import as any file.
const HEADLINE: &str = include_str!("../demo/statistics/headline_prisoners_2022.csv");
const SYNTHETIC: &str = include_str!("../demo/statistics/synthetic_offences.csv");
const SYNTHETIC_MAPPING: &str = include_str!("../demo/statistics/synthetic_offences.toml");

pub async fn load_statistics(store: &Store, data_dir: &std::path::Path) -> Result<String> {
    let dir = data_dir.join("demo-statistics");
    std::fs::create_dir_all(&dir)?;
    let headline = dir.join("headline_prisoners_2022.csv");
    let synthetic = dir.join("synthetic_offences.csv");
    let mapping = dir.join("synthetic_offences.toml");
    std::fs::write(&headline, HEADLINE)?;
    std::fs::write(&synthetic, SYNTHETIC)?;
    std::fs::write(&mapping, SYNTHETIC_MAPPING)?;
    let mut imported = Vec::new();
    for (file, mapping) in [(headline, None), (synthetic, Some(mapping))] {
        let opts = crate::import::ImportOptions {
            format: None,
            mapping,
            dataset: None,
        };
        match crate::import::import_file(store, &file, &opts, false).await? {
            crate::import::Outcome::Imported { summary, .. } => imported.push(format!(
                "{} ({} observations)",
                summary["dataset"].as_str().unwrap_or(""),
                summary["observations"]
            )),
            crate::import::Outcome::Failed(e) => bail!("demo statistics: {e}"),
        }
    }
    Ok(imported.join(", "))
}
