//! The `chancery` binary: command line, configuration and wiring.

mod admin;
mod config;
mod import;
mod report;
mod search;

use anyhow::{Context, Result};
use chancery_app::statistics::{Answered, IndicatorAnswer, IndicatorOutcome};
use chancery_app::{App, demo, redact_url};
use chancery_web::{AppState, WebConfig};
use clap::{Parser, Subcommand};
use config::{DataArgs, Settings};
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "chancery",
    version,
    about = "Evidence-backed reporting for diplomatic posts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web pages and the JSON API.
    Serve {
        #[command(flatten)]
        db: DataArgs,
        /// Address to listen on (default 127.0.0.1:8080; env CHANCERY_LISTEN).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DataArgs,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: admin::UserCommand,
        #[command(flatten)]
        db: DataArgs,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: admin::TokenCommand,
        #[command(flatten)]
        db: DataArgs,
    },
    /// Verify or export the audit log.
    Audit {
        #[command(subcommand)]
        command: admin::AuditCommand,
        #[command(flatten)]
        db: DataArgs,
    },
    /// Import data files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Query stored statistics and compute indicators from them.
    Stats {
        #[command(subcommand)]
        command: StatsCommand,
        #[command(flatten)]
        db: DataArgs,
    },
    /// Build reports and render builds.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
        #[command(flatten)]
        db: DataArgs,
    },
    /// Search cases, sources (with archived texts), policies, engagements and reports, as an
    /// account: words, "phrases", prefixes (migra*), AND, OR, NOT, -word, title:word.
    Search {
        query: String,
        /// The account that searches (its email): it finds what it may see.
        #[arg(long = "as")]
        as_user: String,
        /// NAME=VALUE filters, repeatable: type=case, country=DE, post=berlin, kind=...,
        /// status=..., marking=U, year=2025, iccs=03, from=2025-01-01, to=2025-12-31.
        #[arg(long = "filter")]
        filters: Vec<String>,
        /// relevance (default) or date.
        #[arg(long)]
        sort: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
        /// The `next` cursor of the previous page.
        #[arg(long)]
        cursor: Option<String>,
        /// The answer as JSON (the API's shape).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DataArgs,
    },
    /// Create the demo data in a new data directory (SQLite), then serve it.
    Demo {
        /// Data directory for the demo (default ./chancery-data).
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long)]
        listen: Option<String>,
    },
    /// Internal: the document extraction child. Reads a document of MEDIA_TYPE on standard
    /// input and answers its type check and extracted text on standard output (the server
    /// runs it with resource limits; see `chancery_app::extract`).
    #[command(name = "extract", hide = true)]
    Extract { media_type: String },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import official statistics; each file is its own all-or-nothing import.
    Stats {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// auto, sdmx-tsv, sdmx-csv, json-stat or mapped-csv.
        #[arg(long, default_value = "auto")]
        format: String,
        /// A TOML mapping for a national CSV table (shipped mappings are found by file name).
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// The dataset code (wins over the one the file names).
        #[arg(long)]
        dataset: Option<String>,
        /// One JSON summary object per file, one per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DataArgs,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Pin the report's current version as a new build (printing its id) and render it; or,
    /// with --build, render an existing build again (byte-identical).
    Build {
        /// The report to build (omit with --build).
        report_id: Option<i64>,
        /// Render this existing build instead of making a new one.
        #[arg(long)]
        build: Option<i64>,
        /// html, pdf, cable, md or manifest.
        #[arg(long, default_value = "html")]
        format: String,
        /// The public edition: SBU paragraphs, anything computed from SBU records, victim
        /// parties and group summaries dropped.
        #[arg(long)]
        public: bool,
        /// Where to write the output.
        #[arg(long)]
        out: PathBuf,
        /// The account the build is made as (its email), for the audit log.
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// List a report's builds.
    Builds { report_id: i64 },
}

#[derive(Subcommand)]
enum StatsCommand {
    /// Print observations with their flags (codes, not labels).
    Query {
        #[arg(long)]
        dataset: String,
        /// dim=code[,dim=code...]; repeat a dimension to allow several codes.
        #[arg(long)]
        filter: Vec<String>,
        #[arg(long)]
        release: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// A rate per 100,000: count / population of the same group, country and year.
    Rate {
        /// The count, as dataset:dim=code,dim=code[@release].
        #[arg(long)]
        numerator: String,
        /// The population, as dataset:dim=code,...
        #[arg(long)]
        denominator: String,
        #[arg(long)]
        geo: String,
        #[arg(long)]
        period: String,
        /// How the two groups differ at the edges (repeatable).
        #[arg(long)]
        edge: Vec<String>,
        /// The counts include immigration-law offences.
        #[arg(long)]
        immigration_law_offences: bool,
        #[arg(long)]
        json: bool,
    },
    /// A share of a whole (e.g. the foreign share of prisoners), with a Wilson interval.
    Share {
        #[arg(long)]
        part: String,
        #[arg(long)]
        whole: String,
        #[arg(long)]
        geo: String,
        #[arg(long)]
        period: String,
        #[arg(long)]
        json: bool,
    },
    /// The trend over a window of years: annual change and a quasi-Poisson slope interval.
    Trend {
        #[arg(long)]
        count: String,
        /// A population to divide by, for a trend of rates.
        #[arg(long)]
        exposure: Option<String>,
        #[arg(long)]
        geo: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        edge: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CHANCERY_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Command::Extract { media_type } = &cli.command {
        // No runtime, no threads: the child only parses one document within its limits.
        std::process::exit(chancery_app::extract::child_main(media_type));
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve { db, listen } => {
            let settings = Settings::load(db, listen)?;
            let (app, warning) = open_with(&settings, true).await?;
            serve(app, &settings, warning).await
        }
        Command::Migrate { db } => {
            let settings = Settings::load(db, None)?;
            // Migrating signs nothing and hashes no detail: it never creates keys.
            let (app, _) = open_with(&settings, false).await?;
            println!("migrated {}", redact_url(&settings.app().database_url()));
            app.close().await;
            Ok(())
        }
        Command::User { command, db } => {
            let app = open(&Settings::load(db, None)?).await?;
            let r = admin::user(&app, command).await;
            app.close().await;
            r
        }
        Command::Token { command, db } => {
            let app = open(&Settings::load(db, None)?).await?;
            let r = admin::token(&app, command).await;
            app.close().await;
            r
        }
        Command::Audit { command, db } => {
            if let admin::AuditCommand::Keygen { out } = &command {
                return admin::keygen(out);
            }
            let settings = Settings::load(db, None)?;
            // Only a checkpoint signs; reading the log never creates keys.
            let signs = matches!(command, admin::AuditCommand::Checkpoint { .. });
            let keys = settings.audit_keys(signs)?;
            let public = keys.as_ref().map(|(k, _)| k.public_key());
            let (app, _) = open_keys(&settings, keys).await?;
            let code = admin::audit(&app, &settings, public, command).await;
            app.close().await;
            match code? {
                0 => Ok(()),
                c => std::process::exit(c),
            }
        }
        Command::Import {
            command:
                ImportCommand::Stats {
                    files,
                    format,
                    mapping,
                    dataset,
                    json,
                    db,
                },
        } => {
            let format = match format.as_str() {
                "auto" => None,
                f => Some(chancery_app::import::Format::parse(f).map_err(anyhow::Error::msg)?),
            };
            let app = open(&Settings::load(db, None)?).await?;
            let opts = chancery_app::import::ImportOptions {
                format,
                mapping,
                dataset,
            };
            let ok = import::run(&app, &files, &opts, json).await;
            app.close().await;
            if !ok? {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Stats { command, db } => {
            let app = open(&Settings::load(db, None)?).await?;
            let ok = stats_command(&app, command).await;
            app.close().await;
            if !ok? {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Search {
            query,
            as_user,
            filters,
            sort,
            limit,
            cursor,
            json,
            db,
        } => {
            let app = open(&Settings::load(db, None)?).await?;
            let r = search::run(
                &app,
                search::SearchArgs {
                    query,
                    as_user,
                    filters,
                    sort,
                    limit,
                    cursor,
                    json,
                },
            )
            .await;
            app.close().await;
            r
        }
        Command::Report { command, db } => {
            let app = open(&Settings::load(db, None)?).await?;
            let r = report::run(&app, command).await;
            app.close().await;
            r
        }
        Command::Demo { data, listen } => {
            let settings = Settings::load(
                DataArgs {
                    data,
                    database: None,
                },
                listen,
            )?;
            let settings = settings.sqlite_only();
            let fresh = !settings.app().sqlite_path().exists();
            let (app, warning) = open_with(&settings, true).await?;
            let mut note = if fresh || demo::is_empty(&app).await? {
                let summary = demo::load(&app).await.context("loading the demo data")?;
                let stats = demo::load_statistics(&app, &settings.data)
                    .await
                    .context("loading the demo statistics")?;
                let summary = format!("{summary}; statistics: {stats}");
                format!(
                    "Created the demo data in {}: {summary}.",
                    settings.data.display()
                )
            } else {
                format!(
                    "Using the existing data in {} (delete the directory to start afresh).",
                    settings.data.display()
                )
            };
            for line in demo_logins() {
                note.push('\n');
                note.push_str(&line);
            }
            if let Some(w) = warning {
                note.push('\n');
                note.push_str(&w);
            }
            serve(app, &settings, Some(note)).await
        }
        Command::Extract { .. } => unreachable!("run before the runtime starts"),
    }
}

/// Opens the application: the data directory, the database (migrated), the blobs and the
/// audit keys (generated in `<data>/keys/` when none are configured or found there).
async fn open(settings: &Settings) -> Result<App> {
    Ok(open_with(settings, true).await?.0)
}

/// Opens the application with the audit keys in force (generated when `generate` and none
/// exist); answers the warning to show when the keys are kept beside the database.
async fn open_with(settings: &Settings, generate: bool) -> Result<(App, Option<String>)> {
    open_keys(settings, settings.audit_keys(generate)?).await
}

async fn open_keys(
    settings: &Settings,
    keys: Option<(
        chancery_app::audit::AuditKeys,
        chancery_app::audit::KeyOrigin,
    )>,
) -> Result<(App, Option<String>)> {
    let warning = keys.as_ref().and_then(|(_, origin)| origin.warning());
    if let Some(w) = &warning {
        tracing::warn!("{w}");
    }
    let mut app_settings = settings.app();
    app_settings.keys = keys.map(|(k, _)| k);
    Ok((App::open(&app_settings).await?, warning))
}

/// Lines telling how to sign in to the demo.
fn demo_logins() -> Vec<String> {
    let mut lines = vec![format!(
        "Demo logins (password for all: {}):",
        demo::DEMO_PASSWORD
    )];
    for (email, _, role, post, sbu) in demo::DEMO_USERS {
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

async fn serve(app: App, settings: &Settings, note: Option<String>) -> Result<()> {
    let checkpoints = (settings.audit_checkpoint_interval > 0).then(|| {
        chancery_app::audit::spawn_checkpoints(
            &app,
            settings.checkpoint_dir(),
            std::time::Duration::from_secs(settings.audit_checkpoint_interval),
        )
    });
    let listen = settings.listen.as_str();
    let (listener, addr) = chancery_web::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let state = AppState::new(
        app.clone(),
        WebConfig {
            secure_cookies: settings.secure_cookies,
            trusted_proxies: settings.trusted_proxies()?,
            ..WebConfig::default()
        },
    );
    // Where to go: on stdout for the person who started it. A closed stdout (a pipe whose
    // reader left) must not stop the server, so write errors are ignored here.
    {
        let mut out = std::io::stdout().lock();
        if let Some(note) = note {
            let _ = writeln!(out, "{note}");
        }
        let _ = writeln!(
            out,
            "Chancery is running. Open http://{addr}/ in a browser (API: http://{addr}/api/v1/cases)."
        );
        let _ = writeln!(out, "Sign in at the address above. Stop with Ctrl-C.");
        let _ = out.flush();
    }
    chancery_web::serve(listener, state, shutdown_signal())
        .await
        .context("serving")?;
    if let Some(c) = checkpoints {
        c.abort();
    }
    app.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

fn sel(text: &str) -> Result<chancery_app::statistics::SeriesSel> {
    chancery_app::statistics::SeriesSel::parse(text).map_err(anyhow::Error::msg)
}

/// Runs a `stats` subcommand; false when the answer is an error the user must fix.
async fn stats_command(app: &App, command: StatsCommand) -> Result<bool> {
    use chancery_app::statistics::{EvalError, IndicatorRequest, NotesReq, indicator};
    let (req, json_out) = match command {
        StatsCommand::Query {
            dataset,
            filter,
            release,
            json,
        } => {
            return import::query(app, &dataset.to_lowercase(), &filter, release, json).await;
        }
        StatsCommand::Rate {
            numerator,
            denominator,
            geo,
            period,
            edge,
            immigration_law_offences,
            json,
        } => (
            IndicatorRequest::Rate {
                numerator: sel(&numerator)?,
                denominator: sel(&denominator)?,
                geo,
                period,
                notes: NotesReq {
                    edges: edge,
                    immigration_law_offences_included: immigration_law_offences,
                },
            },
            json,
        ),
        StatsCommand::Share {
            part,
            whole,
            geo,
            period,
            json,
        } => (
            IndicatorRequest::Share {
                part: sel(&part)?,
                whole: sel(&whole)?,
                geo,
                period,
                notes: NotesReq::default(),
            },
            json,
        ),
        StatsCommand::Trend {
            count,
            exposure,
            geo,
            from,
            to,
            edge,
            json,
        } => (
            IndicatorRequest::Trend {
                count: sel(&count)?,
                exposure: exposure.as_deref().map(sel).transpose()?,
                geo,
                from,
                to,
                notes: NotesReq {
                    edges: edge,
                    immigration_law_offences_included: false,
                },
            },
            json,
        ),
    };
    let answer = match indicator(app, &req).await {
        Ok(a) => a,
        Err(EvalError::Unmet(m)) => {
            eprintln!("{m}");
            return Ok(false);
        }
        Err(EvalError::Store(e)) => return Err(e.into()),
    };
    if json_out {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        print_indicator(&answer);
    }
    Ok(true)
}

/// A number as the JSON answer writes it (`8414.0`, `null` when not finite).
fn json_num(x: f64) -> serde_json::Value {
    serde_json::Value::from(x)
}

/// A finite number, or NaN (printed as such) for one that is not.
fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { f64::NAN }
}

/// A person-readable rendering of an indicator answer.
fn print_indicator(a: &IndicatorAnswer) {
    let flags = match &a.outcome {
        IndicatorOutcome::Rate(Answered::Result(r)) => {
            println!(
                "{:.2} per 100,000 [95% {:.2} to {:.2}] = {} / {} ({} {}, population at {})",
                finite(r.value),
                finite(r.interval.lower),
                finite(r.interval.upper),
                r.count,
                json_num(r.denominator_value),
                r.geo,
                r.period,
                r.denominator_reference_date
                    .as_deref()
                    .unwrap_or("not stated"),
            );
            Some(&r.flags)
        }
        IndicatorOutcome::Share(Answered::Result(r)) => {
            println!(
                "{:.1}% [95% {:.1}% to {:.1}%] = {} / {} ({} {})",
                finite(r.percent),
                finite(r.interval.lower) * 100.0,
                finite(r.interval.upper) * 100.0,
                r.part_count,
                r.whole_count,
                r.geo,
                r.period,
            );
            Some(&r.flags)
        }
        IndicatorOutcome::Trend(Answered::Result(r)) => {
            let fit = &r.fit;
            let q = &fit.quasi_interval;
            println!(
                "annual change {:+.2}% [95% quasi-Poisson {:+.2}% to {:+.2}%], slope {:.5}, dispersion {:.2}",
                finite(fit.annual_change) * 100.0,
                finite(q.lower) * 100.0,
                finite(q.upper) * 100.0,
                finite(fit.slope),
                finite(fit.phi),
            );
            Some(&r.flags)
        }
        _ => {
            if let Some(r) = a.refusal() {
                println!("No result: {}", r.message);
            }
            None
        }
    };
    if let Some(f) = flags.map(|f| f.to_string()).filter(|f| !f.is_empty()) {
        println!("flags: {f}");
    }
    for c in a.caveats() {
        println!("caveat: {}", c.text);
    }
    for o in &a.observations {
        println!(
            "used: observation {} = {} {}",
            o.id,
            serde_json::json!(o.value),
            o.flags
        );
    }
}
