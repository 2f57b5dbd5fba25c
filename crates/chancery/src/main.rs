//! The `chancery` binary: command line, configuration and wiring.

mod admin;
mod config;
mod demo;

use anyhow::{Context, Result};
use chancery_store::{Store, redact_url};
use chancery_web::{AppState, WebConfig};
use clap::{Parser, Subcommand};
use config::{Overrides, Settings};
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
        /// Data directory (default ./chancery-data; env CHANCERY_DATA).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Database URL: sqlite:PATH or postgres://... (default: SQLite inside the data directory;
        /// env CHANCERY_DATABASE_URL).
        #[arg(long)]
        database: Option<String>,
        /// Address to listen on (default 127.0.0.1:8080; env CHANCERY_LISTEN).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long)]
        database: Option<String>,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: admin::UserCommand,
        #[arg(long, global = true)]
        data: Option<PathBuf>,
        #[arg(long, global = true)]
        database: Option<String>,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: admin::TokenCommand,
        #[arg(long, global = true)]
        data: Option<PathBuf>,
        #[arg(long, global = true)]
        database: Option<String>,
    },
    /// Verify or export the audit log.
    Audit {
        #[command(subcommand)]
        command: admin::AuditCommand,
        #[arg(long, global = true)]
        data: Option<PathBuf>,
        #[arg(long, global = true)]
        database: Option<String>,
    },
    /// Create the demo data in a new data directory (SQLite), then serve it.
    Demo {
        /// Data directory for the demo (default ./chancery-data).
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long)]
        listen: Option<String>,
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
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve {
            data,
            database,
            listen,
        } => {
            let settings = Settings::load(Overrides {
                data,
                database_url: database,
                listen,
            })?;
            let store = open(&settings).await?;
            serve(store, &settings, None).await
        }
        Command::Migrate { data, database } => {
            let settings = Settings::load(Overrides {
                data,
                database_url: database,
                listen: None,
            })?;
            let store = open(&settings).await?;
            println!("migrated {}", redact_url(&settings.database_url()));
            store.close().await;
            Ok(())
        }
        Command::User {
            command,
            data,
            database,
        } => {
            let store = open(&Settings::load(Overrides {
                data,
                database_url: database,
                listen: None,
            })?)
            .await?;
            let r = admin::user(&store, command).await;
            store.close().await;
            r
        }
        Command::Token {
            command,
            data,
            database,
        } => {
            let store = open(&Settings::load(Overrides {
                data,
                database_url: database,
                listen: None,
            })?)
            .await?;
            let r = admin::token(&store, command).await;
            store.close().await;
            r
        }
        Command::Audit {
            command,
            data,
            database,
        } => {
            let store = open(&Settings::load(Overrides {
                data,
                database_url: database,
                listen: None,
            })?)
            .await?;
            let code = admin::audit(&store, command).await;
            store.close().await;
            match code? {
                0 => Ok(()),
                c => std::process::exit(c),
            }
        }
        Command::Demo { data, listen } => {
            let settings = Settings::load(Overrides {
                data,
                database_url: None,
                listen,
            })?;
            let settings = settings.sqlite_only();
            let fresh = !settings.sqlite_path().exists();
            let store = open(&settings).await?;
            let mut note = if fresh || store.list_posts().await?.is_empty() {
                let summary = demo::load(&store).await.context("loading the demo data")?;
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
            for line in demo::logins() {
                note.push('\n');
                note.push_str(&line);
            }
            serve(store, &settings, Some(note)).await
        }
    }
}

/// Opens the configured database, creating the data directory, and applies migrations.
async fn open(settings: &Settings) -> Result<Store> {
    std::fs::create_dir_all(&settings.data)
        .with_context(|| format!("creating the data directory {}", settings.data.display()))?;
    let url = settings.database_url();
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("opening {}", redact_url(&url)))?;
    store.migrate().await.context("applying migrations")?;
    tracing::info!(database = %redact_url(&url), backend = store.backend().as_str(), "database ready");
    Ok(store)
}

async fn serve(store: Store, settings: &Settings, note: Option<String>) -> Result<()> {
    let listen = settings.listen.as_str();
    let (listener, addr) = chancery_web::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let state = AppState {
        store: store.clone(),
        config: WebConfig {
            secure_cookies: settings.secure_cookies,
            ..WebConfig::default()
        },
    };
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
    store.close().await;
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
