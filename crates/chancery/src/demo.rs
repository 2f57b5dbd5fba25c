//! The demo data set (`demo/demo.json`): posts, sources and the three cases of the statement,
//! loaded through the same domain parsing and store calls as any user input.

use anyhow::{Context, Result, bail};
use chancery_domain::{Actor, Case, Post, Source};
use chancery_store::Store;
use serde_json::{Map, Value};
use std::collections::HashMap;

const DEMO: &str = include_str!("../demo/demo.json");

pub async fn load(store: &Store) -> Result<String> {
    let demo: Value = serde_json::from_str(DEMO).context("demo.json")?;
    let author =
        Actor::parse(demo["author"].as_str().unwrap_or("demo")).map_err(anyhow::Error::msg)?;
    let posts = demo["posts"].as_array().context("demo.json: posts")?;
    for p in posts {
        let post: Post = serde_json::from_value(p.clone()).context("demo.json: a post")?;
        store.upsert_post(&post).await?;
    }
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
