//! `chancery import stats` and `chancery stats query` at the console: the import itself is
//! `chancery_app::import`; here are its progress bar and its printed lines.

use anyhow::Result;
use chancery_app::import::{self, ImportOptions, Outcome, Progress};
use chancery_app::statistics::published;
use chancery_app::{App, AppError};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::OnceLock;

/// Imports each file, printing its outcome, and returns whether all succeeded.
pub async fn run(
    app: &App,
    files: &[std::path::PathBuf],
    opts: &ImportOptions,
    json_out: bool,
) -> Result<bool> {
    let mut ok = true;
    for path in files {
        // A spinner on a terminal while a new release is staged (not with --json).
        let bar: OnceLock<ProgressBar> = OnceLock::new();
        let show = !json_out && std::io::stderr().is_terminal();
        let progress = |p: Progress<'_>| match p {
            Progress::Staging { file_name } if show => {
                let b = ProgressBar::new_spinner();
                b.set_style(
                    ProgressStyle::with_template("{spinner} {msg} {pos} observations ({per_sec})")
                        .expect("a valid template"),
                );
                b.set_message(file_name.to_string());
                let _ = bar.set(b);
            }
            Progress::Read { observations } => {
                if let Some(b) = bar.get() {
                    b.set_position(observations);
                }
            }
            Progress::Finished => {
                if let Some(b) = bar.get() {
                    b.finish_and_clear();
                }
            }
            Progress::Staging { .. } => {}
        };
        match import::import_file(app, path, opts, &progress).await? {
            Outcome::Imported { summary, existing } => {
                if json_out {
                    println!("{}", serde_json::to_string(&summary)?);
                } else {
                    let verb = if existing {
                        "already imported as"
                    } else {
                        "imported as"
                    };
                    println!(
                        "{}: {verb} release {} of {}: {} series, {} observations ({} missing), flags {}, periods {} to {}",
                        summary.file,
                        summary.release,
                        summary.dataset,
                        summary.series,
                        summary.observations,
                        summary.missing,
                        serde_json::to_string(&summary.flags)?,
                        summary.periods.first.as_deref().unwrap_or("-"),
                        summary.periods.last.as_deref().unwrap_or("-"),
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

/// `chancery stats query`: observations with flags, codes not labels. False when the request
/// cannot be met (no such dataset, a malformed filter).
pub async fn query(
    app: &App,
    dataset: &str,
    filters: &[String],
    release: Option<i64>,
    json_out: bool,
) -> Result<bool> {
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
    let dims: Vec<(String, Vec<String>)> = dims.into_iter().collect();
    let (rel, rows) = match import::query(app, dataset, &dims, release).await {
        Ok(r) => r,
        Err(AppError::NotFound(m)) => {
            eprintln!("{m}");
            return Ok(false);
        }
        Err(e) => return Err(e.into()),
    };
    if json_out {
        println!("{}", serde_json::to_string(&rows)?);
    } else {
        for o in &rows {
            let key: Vec<String> = o.series.iter().map(|(d, c)| format!("{d}={c}")).collect();
            let v = o
                .value
                .map(|v| published(v).to_string())
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
