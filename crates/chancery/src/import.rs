//! `chancery import stats`: each file its own all-or-nothing import. The file is read once,
//! streaming: its sha256 first (the same bytes again change nothing), then its observations,
//! labels resolved through the vocabulary, staged in batches and published at the end.

use anyhow::{Context, Result};
use chancery_stats::{Format, Mapping, ReadError, Vocabulary};
use chancery_store::{
    AuditCtx, DatasetMeta, ReleaseInfo, ReleaseSummary, StageStart, StagedObs, Store,
};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::path::Path;

/// Observations staged per transaction.
const BATCH: usize = 20_000;

/// What the caller asked for, per file.
pub struct ImportOptions {
    pub format: Option<Format>,
    pub mapping: Option<std::path::PathBuf>,
    pub dataset: Option<String>,
}

/// The outcome of one file: the summary line, or the error (`file:line:column: reason`).
pub enum Outcome {
    Imported { summary: Value, existing: bool },
    Failed(String),
}

fn sha256_of(path: &Path) -> Result<String> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// A number as published: integral values without a decimal point.
pub fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

fn summary_json(file: &str, rel: &ReleaseInfo) -> Value {
    json!({
        "file": file,
        "dataset": rel.dataset,
        "release": rel.id,
        "sha256": rel.sha256,
        "series": rel.series,
        "observations": rel.observations,
        "missing": rel.missing,
        "flags": rel.flags,
        "periods": {"first": rel.period_first, "last": rel.period_last},
    })
}

/// Imports one file. Errors in the file are an `Outcome::Failed`; errors of the database are
/// returned.
pub async fn import_file(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
    progress: bool,
) -> Result<Outcome> {
    let file = path.display().to_string();
    let mapping = match &opts.mapping {
        Some(m) => match Mapping::load(m) {
            Ok(m) => Some(m),
            Err(e) => return Ok(Outcome::Failed(e.to_string())),
        },
        None if matches!(opts.format, None | Some(Format::MappedCsv)) => {
            match Mapping::shipped_for_file(path) {
                Some(Ok(m)) => Some(m),
                Some(Err(e)) => return Ok(Outcome::Failed(e.to_string())),
                None => None,
            }
        }
        None => None,
    };
    let reader = match chancery_stats::open(path, opts.format, mapping.as_ref()) {
        Ok(r) => r,
        Err(e) => return Ok(Outcome::Failed(e.to_string())),
    };
    let header = reader.header().clone();
    let Some(code) = opts.dataset.clone().or_else(|| header.dataset.clone()) else {
        return Ok(Outcome::Failed(format!(
            "{file}: the file names no dataset ({} files do not); give one with --dataset CODE",
            header.format.as_str()
        )));
    };
    let meta = dataset_meta(&code, header.format, mapping.as_ref());
    let sha = sha256_of(path)?;
    let ctx = AuditCtx::system();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| file.clone());
    let st = match store
        .stage_begin(&meta, &sha, &file_name, header.format.as_str(), &ctx)
        .await?
    {
        StageStart::Existing(rel) => {
            return Ok(Outcome::Imported {
                summary: summary_json(&file, &rel),
                existing: true,
            });
        }
        StageStart::New(st) => st,
    };
    let bar = if progress && std::io::stderr().is_terminal() {
        let b = ProgressBar::new_spinner();
        b.set_style(
            ProgressStyle::with_template("{spinner} {msg} {pos} observations ({per_sec})")
                .expect("a valid template"),
        );
        b.set_message(file_name.clone());
        Some(b)
    } else {
        None
    };
    let (st, result) = stage_all(store, st, reader, &file, bar.as_ref()).await;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    match result {
        Ok(summary) => {
            let rel = store.stage_publish(st, &summary, &ctx).await?;
            Ok(Outcome::Imported {
                summary: summary_json(&file, &rel),
                existing: false,
            })
        }
        Err(e) => {
            store.stage_abort(st).await?;
            match e {
                StageError::File(msg) => Ok(Outcome::Failed(msg)),
                StageError::Store(e) => Err(e.into()),
            }
        }
    }
}

enum StageError {
    File(String),
    Store(chancery_store::StoreError),
}

impl From<ReadError> for StageError {
    fn from(e: ReadError) -> Self {
        StageError::File(e.to_string())
    }
}

async fn stage_all(
    store: &Store,
    st: chancery_store::Staging,
    reader: chancery_stats::ObsReader,
    file: &str,
    bar: Option<&ProgressBar>,
) -> (chancery_store::Staging, Result<ReleaseSummary, StageError>) {
    // Reading and writing overlap: a writer task stages one batch while the next is read.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Vec<String>, Vec<StagedObs>)>(2);
    let writer_store = store.clone();
    let writer = tokio::spawn(async move {
        let mut st = st;
        while let Some((dims, batch)) = rx.recv().await {
            if let Err(e) = writer_store.stage_rows(&mut st, &dims, batch).await {
                return (st, Err(e));
            }
        }
        (st, Ok(()))
    });
    let read = read_all(reader, file, bar, &tx).await;
    drop(tx);
    let (st, written) = match writer.await {
        Ok(r) => r,
        Err(e) => panic!("the staging task failed: {e}"),
    };
    let summary = match (read, written) {
        (_, Err(e)) => Err(store_or_file(e)),
        (Err(e), Ok(())) => Err(e),
        (Ok(summary), Ok(())) => Ok(summary),
    };
    (st, summary)
}

async fn read_all(
    reader: chancery_stats::ObsReader,
    file: &str,
    bar: Option<&ProgressBar>,
    tx: &tokio::sync::mpsc::Sender<(Vec<String>, Vec<StagedObs>)>,
) -> Result<ReleaseSummary, StageError> {
    let vocab = Vocabulary::shared();
    let resolved = reader.resolved(vocab)?;
    let dims = resolved.header().dimensions.clone();
    let mut summary = ReleaseSummary::default();
    let mut batch: Vec<StagedObs> = Vec::with_capacity(BATCH);
    let mut flag_counts: BTreeMap<char, i64> = BTreeMap::new();
    for obs in resolved {
        let obs = obs?;
        summary.observations += 1;
        if obs.value.is_none() {
            summary.missing += 1;
        }
        for f in obs.flags.letters() {
            *flag_counts.entry(f).or_insert(0) += 1;
        }
        // Periods compare as text within one frequency; the summary shows the range.
        if summary
            .period_first
            .as_ref()
            .is_none_or(|p| obs.period < *p)
        {
            summary.period_first = Some(obs.period.clone());
        }
        if summary.period_last.as_ref().is_none_or(|p| obs.period > *p) {
            summary.period_last = Some(obs.period.clone());
        }
        // A code with '|' or '=' would break the canonical series key.
        let same_series = batch
            .last()
            .is_some_and(|prev: &StagedObs| prev.key == obs.key);
        if !same_series
            && let Some(code) = obs.key.iter().find(|c| c.contains('|') || c.contains('='))
        {
            return Err(StageError::File(format!(
                "{file}:{}:1: the code {code:?} holds '|' or '='",
                obs.line
            )));
        }
        batch.push(StagedObs {
            key: obs.key,
            period: obs.period,
            value: obs.value,
            flags: obs.flags.to_string(),
            line: obs.line,
        });
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if tx.send((dims.clone(), full)).await.is_err() {
                // The writer stopped on an error; it reports it.
                return Ok(summary);
            }
            if let Some(b) = bar {
                b.set_position(summary.observations as u64);
            }
        }
    }
    let _ = tx.send((dims.clone(), batch)).await;
    summary.flags = flag_counts
        .into_iter()
        .map(|(f, n)| (f.to_string(), n))
        .collect();
    Ok(summary)
}

/// A repeated observation is the file's fault; anything else is the database's.
fn store_or_file(e: chancery_store::StoreError) -> StageError {
    match e {
        chancery_store::StoreError::Invalid(v) => StageError::File(v.to_string()),
        other => StageError::Store(other),
    }
}

/// The dataset's metadata: the mapping's, or what the format implies (Eurostat's formats).
fn dataset_meta(code: &str, format: Format, mapping: Option<&Mapping>) -> DatasetMeta {
    match mapping {
        Some(m) => DatasetMeta {
            code: code.to_string(),
            title: Some(m.dataset.title.clone()),
            publisher: Some(m.dataset.publisher.clone()),
            licence: Some(m.dataset.licence.clone()),
            source_url: Some(m.dataset.source_url.clone()).filter(|u| u.starts_with("http")),
            retrieved: None,
            attribution: m.dataset.attribution.clone(),
            basis: Some(m.dataset.basis.as_str().to_string()),
            reference_date: m.dataset.reference_date.clone(),
            notes: m.dataset.notes.clone(),
        },
        None => DatasetMeta {
            code: code.to_string(),
            publisher: matches!(format, Format::SdmxTsv | Format::SdmxCsv | Format::JsonStat)
                .then(|| "Eurostat".to_string()),
            licence: matches!(format, Format::SdmxTsv | Format::SdmxCsv | Format::JsonStat)
                .then(|| "Eurostat: re-use with attribution".to_string()),
            ..Default::default()
        },
    }
}

/// Prints the outcome of each file and returns whether all succeeded.
pub async fn run(
    store: &Store,
    files: &[std::path::PathBuf],
    opts: &ImportOptions,
    json_out: bool,
) -> Result<bool> {
    let mut ok = true;
    for path in files {
        match import_file(store, path, opts, !json_out).await? {
            Outcome::Imported { summary, existing } => {
                if json_out {
                    println!("{summary}");
                } else {
                    let verb = if existing {
                        "already imported as"
                    } else {
                        "imported as"
                    };
                    println!(
                        "{}: {verb} release {} of {}: {} series, {} observations ({} missing), flags {}, periods {} to {}",
                        summary["file"].as_str().unwrap_or(""),
                        summary["release"],
                        summary["dataset"].as_str().unwrap_or(""),
                        summary["series"],
                        summary["observations"],
                        summary["missing"],
                        summary["flags"],
                        summary["periods"]["first"].as_str().unwrap_or("-"),
                        summary["periods"]["last"].as_str().unwrap_or("-"),
                    );
                }
            }
            Outcome::Failed(msg) => {
                ok = false;
                eprintln!("{msg}");
                eprintln!("{}: nothing was imported from this file", path.display());
            }
        }
    }
    Ok(ok)
}

/// `chancery stats query`: observations with flags, codes not labels.
pub async fn query(
    store: &Store,
    dataset: &str,
    filters: &[String],
    release: Option<i64>,
    json_out: bool,
) -> Result<bool> {
    let Some(rel) = store.release_for(dataset, release).await? else {
        eprintln!("no published release of dataset {dataset:?}");
        return Ok(false);
    };
    let mut dims: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in filters.iter().flat_map(|f| f.split(',')) {
        let Some((d, c)) = f.split_once('=') else {
            eprintln!("--filter takes dim=code pairs, got {f:?}");
            return Ok(false);
        };
        dims.entry(d.trim().to_string())
            .or_default()
            .push(c.trim().to_string());
    }
    let rows = store
        .observations(rel.id, &dims.into_iter().collect::<Vec<_>>())
        .await?;
    if json_out {
        let items: Vec<Value> = rows
            .iter()
            .map(|o| json!({"series": o.dims, "period": o.period, "value": o.value.map(number), "flags": o.flags}))
            .collect();
        println!("{}", Value::Array(items));
    } else {
        for o in &rows {
            let key: Vec<String> = o.dims.iter().map(|(d, c)| format!("{d}={c}")).collect();
            let v = o
                .value
                .map(|v| number(v).to_string())
                .unwrap_or_else(|| ":".into());
            println!("{}\t{}\t{}\t{}", key.join(","), o.period, v, o.flags);
        }
        eprintln!(
            "{} observations from release {} of {}",
            rows.len(),
            rel.id,
            rel.dataset
        );
    }
    Ok(true)
}
