//! The demo data set (`demo/demo.json`): posts, sources (two with an archived document), the
//! three cases of the statement in depth, a policy version, SYNTHETIC engagements, a tasking
//! addressed to every demo post and the Berlin post's draft report answering it, loaded through the same domain parsing and store calls as any user input.

use crate::import::{ImportOptions, ImportSummary, Outcome, import_file};
use crate::{App, AppError};
use chancery_domain::report::{Report, Tasking};
use chancery_domain::{Account, Case, Engagement, Policy, Post, RecordId, Source};
use chancery_store::AuditCtx;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

type Result<T> = std::result::Result<T, AppError>;

/// A fault of the demo data itself (it ships with the program, so this is a bug).
macro_rules! bail {
    ($($t:tt)*) => {
        return Err(AppError::Internal(format!($($t)*)))
    };
}

/// `context` for the demo data's own faults, as `anyhow` has it.
trait Context<T> {
    fn context(self, what: &str) -> Result<T>;
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> Context<T> for Option<T> {
    fn context(self, what: &str) -> Result<T> {
        self.ok_or_else(|| AppError::Internal(what.to_string()))
    }
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.ok_or_else(|| AppError::Internal(what()))
    }
}

impl<T, E: std::fmt::Display> Context<T> for std::result::Result<T, E> {
    fn context(self, what: &str) -> Result<T> {
        self.map_err(|e| AppError::Internal(format!("{what}: {e}")))
    }
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| AppError::Internal(format!("{}: {e}", what())))
    }
}

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

/// Whether the database holds no data yet (no post), so the demo data may be loaded into it.
pub async fn is_empty(app: &App) -> Result<bool> {
    Ok(app.store.list_posts().await?.is_empty())
}

/// What [`load`] created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoSummary {
    pub posts: usize,
    pub sources: usize,
    /// Sources with an archived document.
    pub archived: usize,
    pub cases: usize,
    pub policies: usize,
    pub engagements: usize,
    pub taskings: usize,
    pub reports: usize,
}

impl std::fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} posts, {} sources ({} with an archived document), {} cases, {} policies, {} engagement(s), {} tasking(s), {} draft report(s)",
            self.posts,
            self.sources,
            self.archived,
            self.cases,
            self.policies,
            self.engagements,
            self.taskings,
            self.reports,
        )
    }
}

/// Loads the demo data (accounts, posts, records) into an empty database.
pub async fn load(app: &App) -> Result<DemoSummary> {
    let (store, blobs) = (&app.store, &app.blobs);
    let demo: Value = serde_json::from_str(DEMO).context("demo.json")?;
    let posts = demo["posts"].as_array().context("demo.json: posts")?;
    for p in posts {
        let post: Post = serde_json::from_value(p.clone()).context("demo.json: a post")?;
        store.upsert_post(&post).await?;
    }
    let hash = crate::accounts::hash_password(DEMO_PASSWORD)?;
    let mut author = None;
    let mut officer = None;
    for (email, name, role, post, sbu) in DEMO_USERS {
        let account = Account::from_json(
            &serde_json::json!({"email": email, "display_name": name, "role": role,
            "post": post, "sbu_access": sbu}),
        )
        .map_err(|e| AppError::Internal(format!("demo account {email}: {e}")))?;
        let id = store
            .create_user(&account, Some(&hash), &AuditCtx::system())
            .await?;
        if *role == "hq_editor" {
            author = Some(id);
        }
        if *role == "post_officer" && *post == Some("berlin") {
            officer = Some(id);
        }
    }
    let author = AuditCtx::user(author.context("a demo HQ editor")?, Some("local".into()));
    let mut ids: Ids = Ids::default();
    for (key, s) in demo["sources"].as_object().context("demo.json: sources")? {
        let source = Source::from_json(s)
            .map_err(|e| AppError::Internal(format!("demo source {key}: {e}")))?;
        let rec = store.create(&source, &author).await?;
        ids.sources.insert(key.clone(), rec.id.get());
    }
    // The archived documents: the statement's text, and a SYNTHETIC German text for the
    // search tour, stored like any pasted text.
    let mut archived = 0;
    let mut archived_text: HashMap<i64, &str> = HashMap::new();
    for a in demo["archives"].as_array().into_iter().flatten() {
        let key = a["source"]
            .as_str()
            .context("demo archive without source")?;
        let id = ids
            .sources
            .get(key)
            .copied()
            .context("demo archive: unknown source")?;
        let (file, text) = match a["file"].as_str() {
            Some("statement.txt") => ("statement.txt", STATEMENT),
            Some("synthetic-urteil-de.txt") => ("synthetic-urteil-de.txt", SYNTHETIC_URTEIL),
            other => bail!("demo archive: unknown file {other:?}"),
        };
        let sha256 = blobs
            .put(bytes::Bytes::from_static(text.as_bytes()))
            .await?;
        let new = chancery_store::NewArchive {
            sha256,
            media_type: "text/plain".into(),
            size_bytes: text.len() as i64,
            file_name: Some(file.into()),
            text: Some(text.to_string()),
            ..Default::default()
        };
        store
            .add_archive(RecordId::new(id).context("source id")?, &new, &author)
            .await?;
        archived_text.insert(id, text);
        archived += 1;
    }
    // Policies first without their linked cases (the cases refer to them), then the cases,
    // then the policies again with their links (a second version).
    let mut policies = Vec::new();
    for p in demo["policies"].as_array().into_iter().flatten() {
        let (key, obj) = keyed(p)?;
        let mut v = Value::Object(obj);
        ids.resolve(&mut v, &key)?;
        let Value::Object(mut obj) = v else {
            bail!("demo policy {key} is not an object")
        };
        let links = obj.remove("linked_cases");
        let policy = Policy::from_json(&Value::Object(obj.clone()))
            .map_err(|e| AppError::Internal(format!("demo policy {key}: {e}")))?;
        let rec = store.create(&policy, &author).await?;
        ids.policies.insert(key.clone(), rec.id.get());
        policies.push((key, obj, links, rec.id, rec.version));
    }
    let cases = demo["cases"].as_array().context("demo.json: cases")?;
    for c in cases {
        let (key, obj) = keyed(c)?;
        let mut v = Value::Object(obj);
        ids.resolve(&mut v, &key)?;
        let case =
            Case::from_json(&v).map_err(|e| AppError::Internal(format!("demo case {key}: {e}")))?;
        // The same quote check as on the server: a quote of an archived source must be in it.
        for (path, c) in case.all_citations() {
            if let (Some(q), Some(text)) = (&c.quote, archived_text.get(&c.source_id.get()))
                && chancery_domain::quote::quote_found(text, q).is_none()
            {
                bail!("demo case {key}: {path}.quote is not in the archived text");
            }
        }
        let rec = store.create(&case, &author).await?;
        ids.cases.insert(key, rec.id.get());
    }
    for (key, mut obj, links, id, version) in policies {
        if let Some(Value::Array(links)) = links {
            let mut resolved = Vec::new();
            for l in links {
                let k = l.as_str().unwrap_or_default();
                let case = ids.cases.get(k).copied();
                resolved.push(Value::from(
                    case.with_context(|| format!("demo policy {key}: unknown case {k}"))?,
                ));
            }
            obj.insert("linked_cases".into(), Value::Array(resolved));
            let policy = Policy::from_json(&Value::Object(obj))
                .map_err(|e| AppError::Internal(format!("demo policy {key}: {e}")))?;
            store.update(id, version, &policy, &author).await?;
        }
    }
    let mut engagements = 0;
    for e in demo["engagements"].as_array().into_iter().flatten() {
        let (key, obj) = keyed(e)?;
        let mut v = Value::Object(obj);
        ids.resolve(&mut v, &key)?;
        let engagement = Engagement::from_json(&v)
            .map_err(|e| AppError::Internal(format!("demo engagement {key}: {e}")))?;
        let rec = store.create(&engagement, &author).await?;
        ids.engagements.insert(key, rec.id.get());
        engagements += 1;
    }
    // The tasking (issued by the HQ editor) and the Berlin post's draft answering it.
    let mut taskings: HashMap<String, i64> = HashMap::new();
    for t in demo["taskings"].as_array().into_iter().flatten() {
        let (key, obj) = keyed(t)?;
        let tasking = Tasking::from_json(&Value::Object(obj))
            .map_err(|e| AppError::Internal(format!("demo tasking {key}: {e}")))?;
        let rec = store.create(&tasking, &author).await?;
        taskings.insert(key, rec.id.get());
    }
    let officer = AuditCtx::user(
        officer.context("a demo Berlin officer")?,
        Some("local".into()),
    );
    let mut reports = 0;
    for r in demo["reports"].as_array().into_iter().flatten() {
        let (key, mut obj) = keyed(r)?;
        if let Some(Value::String(t)) = obj.remove("tasking") {
            let id = taskings
                .get(&t)
                .with_context(|| format!("demo report {key}: unknown tasking {t}"))?;
            obj.insert("tasking_id".into(), Value::from(*id));
        }
        for s in obj
            .get_mut("sections")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            for p in s
                .get_mut("paragraphs")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                let p = p.as_object_mut().context("demo paragraph")?;
                let mut citations = Vec::new();
                for c in p
                    .remove("cite")
                    .and_then(|c| c.as_array().cloned())
                    .unwrap_or_default()
                {
                    let (kind, k) = (c[0].as_str().unwrap_or(""), c[1].as_str().unwrap_or(""));
                    citations
                        .push(serde_json::json!({"kind": kind, "id": ids.get(kind, k, &key)?}));
                }
                p.insert("citations".into(), Value::Array(citations));
                if let Some(Value::Array(cases)) =
                    p.get_mut("block").and_then(|b| b.get_mut("cases"))
                {
                    for c in cases.iter_mut() {
                        let k = c.as_str().unwrap_or("").to_string();
                        *c = Value::from(ids.get("case", &k, &key)?);
                    }
                }
            }
        }
        let report = Report::from_json(&Value::Object(obj))
            .map_err(|e| AppError::Internal(format!("demo report {key}: {e}")))?;
        store.create(&report, &officer).await?;
        reports += 1;
    }
    Ok(DemoSummary {
        posts: posts.len(),
        sources: ids.sources.len(),
        archived,
        cases: ids.cases.len(),
        policies: ids.policies.len(),
        engagements,
        taskings: taskings.len(),
        reports,
    })
}

/// The statement's text as reported (a U.S. government text), archived for the demo's
/// statement source so that its quotes are checked against it.
const STATEMENT: &str = include_str!("../demo/statement.txt");
/// A SYNTHETIC German text (invented, labelled so), so the tour can show search in an
/// archived text.
const SYNTHETIC_URTEIL: &str = include_str!("../demo/synthetic-urteil-de.txt");

/// A demo object and its key (removed from the object).
fn keyed(v: &Value) -> Result<(String, Map<String, Value>)> {
    let mut obj: Map<String, Value> = v
        .as_object()
        .cloned()
        .context("demo record is not an object")?;
    let key = obj
        .remove("key")
        .and_then(|k| k.as_str().map(str::to_string))
        .context("demo record without key")?;
    Ok((key, obj))
}

/// Symbolic references of the demo file and the ids they were stored under.
#[derive(Default)]
struct Ids {
    sources: HashMap<String, i64>,
    cases: HashMap<String, i64>,
    policies: HashMap<String, i64>,
    engagements: HashMap<String, i64>,
}

impl Ids {
    /// The id of a record of `kind` (source, case, policy, engagement) by its demo key.
    fn get(&self, kind: &str, key: &str, record: &str) -> Result<i64> {
        let map = match kind {
            "source" => &self.sources,
            "case" => &self.cases,
            "policy" => &self.policies,
            "engagement" => &self.engagements,
            other => bail!("demo record {record}: unknown kind {other}"),
        };
        map.get(key)
            .copied()
            .with_context(|| format!("demo record {record}: unknown {kind} {key}"))
    }

    /// Replaces every `"source": key`, `"case": key` and `"policy": key` member, at any depth,
    /// by the stored id (`source_id`, `case_id`, `policy_id`).
    fn resolve(&self, v: &mut Value, record: &str) -> Result<()> {
        match v {
            Value::Object(obj) => {
                for (from, to, map) in [
                    ("source", "source_id", &self.sources),
                    ("case", "case_id", &self.cases),
                    ("policy", "policy_id", &self.policies),
                ] {
                    if let Some(Value::String(k)) = obj.get(from) {
                        let id = map
                            .get(k)
                            .copied()
                            .with_context(|| format!("demo record {record}: unknown {from} {k}"))?;
                        obj.remove(from);
                        obj.insert(to.into(), Value::from(id));
                    }
                }
                for x in obj.values_mut() {
                    self.resolve(x, record)?;
                }
            }
            Value::Array(items) => {
                for x in items {
                    self.resolve(x, record)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The statistics of the demo: a few published headline figures, cited to their publisher
/// (Eurostat crim_pris_ctz, 2022, as `shared/domain/statistics.md` gives them), and SYNTHETIC
/// series for the explorer's chart and the rate view, labelled as such in every title. Loaded
/// through the same import as any file.
const HEADLINE: &str = include_str!("../demo/statistics/headline_prisoners_2022.csv");
const SYNTHETIC: &str = include_str!("../demo/statistics/synthetic_offences.csv");
const SYNTHETIC_MAPPING: &str = include_str!("../demo/statistics/synthetic_offences.toml");

/// What [`load_statistics`] imported: one summary per file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoStatistics {
    pub imported: Vec<ImportSummary>,
}

impl std::fmt::Display for DemoStatistics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, s) in self.imported.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} ({} observations)", s.dataset, s.observations)?;
        }
        Ok(())
    }
}

/// Imports the demo's statistics, written out under the data directory first (the import
/// reads files, and the demo's mapping is found beside its table).
pub async fn load_statistics(app: &App, data_dir: &std::path::Path) -> Result<DemoStatistics> {
    let dir = data_dir.join("demo-statistics");
    let headline = dir.join("headline_prisoners_2022.csv");
    let synthetic = dir.join("synthetic_offences.csv");
    let mapping = dir.join("synthetic_offences.toml");
    let write = |path: &std::path::Path, text: &str| {
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    write(&headline, HEADLINE)?;
    write(&synthetic, SYNTHETIC)?;
    write(&mapping, SYNTHETIC_MAPPING)?;
    let mut imported = Vec::new();
    for (file, mapping) in [(headline, None), (synthetic, Some(mapping))] {
        let opts = ImportOptions {
            format: None,
            mapping,
            dataset: None,
        };
        match import_file(app, &file, &opts, &|_| {}).await? {
            Outcome::Imported { summary, .. } => imported.push(summary),
            Outcome::Failed(e) => bail!("demo statistics: {e}"),
        }
    }
    Ok(DemoStatistics { imported })
}
