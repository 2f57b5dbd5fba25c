//! Importing official statistics: each file its own all-or-nothing import. The file is read
//! once, streaming: its sha256 first (the same bytes again change nothing), then its
//! observations, labels resolved through the vocabulary, staged in batches and published at
//! the end. Reading stays within `Limits::stats` (line, JSON-stat document, decompression,
//! mapping file, observations); past a cap the import fails naming the file and the limit,
//! and what was staged is removed. Progress is reported through a callback; showing it is the caller's business.
//! And querying what was imported: observations with their flags, codes not labels.

use crate::statistics::published;
use crate::{App, AppError};
use chancery_stats::{Mapping, ReadError, Vocabulary};
use chancery_store::{
    AuditCtx, DatasetMeta, ReleaseInfo, ReleaseSummary, StageStart, StagedObs, Store,
};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// The file formats an import reads (`auto` is `None` in [`ImportOptions`]).
pub use chancery_stats::Format;
/// The caps on reading a file (in [`crate::Limits`]).
pub use chancery_stats::ReadLimits;

/// Observations staged per transaction.
const BATCH: usize = 20_000;

/// What the caller asked for, per file.
pub struct ImportOptions {
    pub format: Option<Format>,
    pub mapping: Option<std::path::PathBuf>,
    pub dataset: Option<String>,
}

/// The outcome of one file: its summary, or the error (`file:line:column: reason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Published now, or (`existing`) the same bytes were imported before.
    Imported {
        summary: ImportSummary,
        existing: bool,
    },
    Failed(String),
}

/// What an imported file holds, as `chancery import stats --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// The file as it was named.
    pub file: String,
    pub dataset: String,
    /// The release's id.
    pub release: i64,
    pub sha256: String,
    pub series: i64,
    pub observations: i64,
    pub missing: i64,
    /// How many observations carry each flag.
    pub flags: BTreeMap<String, i64>,
    pub periods: Periods,
}

/// The first and last period of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Periods {
    pub first: Option<String>,
    pub last: Option<String>,
}

impl ImportSummary {
    fn of(file: &str, rel: &ReleaseInfo) -> ImportSummary {
        ImportSummary {
            file: file.to_string(),
            dataset: rel.dataset.clone(),
            release: rel.id,
            sha256: rel.sha256.clone(),
            series: rel.series,
            observations: rel.observations,
            missing: rel.missing,
            flags: rel.flags.clone(),
            periods: Periods {
                first: rel.period_first.clone(),
                last: rel.period_last.clone(),
            },
        }
    }
}

/// How far an import has come, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    /// Staging a new release of the file (not reported when the same bytes were imported).
    Staging { file_name: &'a str },
    /// Observations read and sent to staging so far.
    Read { observations: u64 },
    /// Staging is over (published or abandoned).
    Finished,
}

fn sha256_of(path: &Path) -> Result<String, AppError> {
    let cannot =
        |e: std::io::Error| AppError::BadRequest(format!("{}: cannot open: {e}", path.display()));
    let mut f = std::fs::File::open(path).map_err(cannot)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(cannot)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Imports one file. Errors in the file are an `Outcome::Failed`; errors of the database are
/// returned.
pub async fn import_file(
    app: &App,
    path: &Path,
    opts: &ImportOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Outcome, AppError> {
    let store = &app.store;
    let file = path.display().to_string();
    let mapping = match &opts.mapping {
        Some(m) => match Mapping::load_with(m, &app.limits.stats) {
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
    let reader =
        match chancery_stats::open_with(path, opts.format, mapping.as_ref(), &app.limits.stats) {
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
                summary: ImportSummary::of(&file, &rel),
                existing: true,
            });
        }
        StageStart::New(st) => st,
    };
    progress(Progress::Staging {
        file_name: &file_name,
    });
    let (st, result) = stage_all(store, st, reader, &file, progress).await;
    progress(Progress::Finished);
    match result {
        Ok(summary) => {
            let rel = store.stage_publish(st, &summary, &ctx).await?;
            Ok(Outcome::Imported {
                summary: ImportSummary::of(&file, &rel),
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
    progress: &(dyn Fn(Progress<'_>) + Sync),
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
    let read = read_all(reader, file, progress, &tx).await;
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
    progress: &(dyn Fn(Progress<'_>) + Sync),
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
            progress(Progress::Read {
                observations: summary.observations as u64,
            });
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

/// An observation as queried: its series' codes, period, value as published and flags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueriedObservation {
    pub series: BTreeMap<String, String>,
    pub period: String,
    /// Integral values without a decimal point; `null` where the publisher gives `:`.
    #[serde(serialize_with = "published_value")]
    pub value: Option<f64>,
    pub flags: String,
}

fn published_value<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    v.map(published).serialize(s)
}

/// The observations of a dataset's release (its newest unless one is named) matching the
/// filters: each dimension with the codes it may take.
pub async fn query(
    app: &App,
    dataset: &str,
    filters: &[(String, Vec<String>)],
    release: Option<i64>,
) -> Result<(ReleaseInfo, Vec<QueriedObservation>), AppError> {
    let Some(rel) = app.store.release_for(dataset, release).await? else {
        return Err(AppError::NotFound(format!(
            "no published release of dataset {dataset:?}"
        )));
    };
    let rows = app.store.observations(rel.id, filters).await?;
    let rows = rows
        .into_iter()
        .map(|o| QueriedObservation {
            series: o.dims,
            period: o.period,
            value: o.value,
            flags: o.flags,
        })
        .collect();
    Ok((rel, rows))
}
