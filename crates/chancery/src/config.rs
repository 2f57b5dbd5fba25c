//! Settings: defaults, then `chancery.toml` in the working directory if present, then
//! `CHANCERY_DATA`, `CHANCERY_DATABASE_URL`, `CHANCERY_LISTEN`, `CHANCERY_SECURE_COOKIES`,
//! `CHANCERY_EXTRACTOR` and the statistics caps `CHANCERY_STATS_MAX_*` (the `[stats]` table of
//! `chancery.toml`), then command-line flags.

use anyhow::{Context, Result};
use clap::Args;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Where the data is: the flags every command that opens the database takes.
#[derive(Debug, Default, Args)]
pub struct DataArgs {
    /// Data directory (default ./chancery-data; env CHANCERY_DATA).
    #[arg(long, global = true)]
    pub data: Option<PathBuf>,
    /// Database URL: sqlite:PATH or postgres://... (default: SQLite inside the data directory;
    /// env CHANCERY_DATABASE_URL).
    #[arg(long, global = true)]
    pub database: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub data: PathBuf,
    /// Empty: SQLite in the data directory.
    pub database_url: Option<String>,
    pub listen: String,
    /// Mark session cookies `Secure`: set it when users reach the server over HTTPS (behind a
    /// TLS-terminating proxy).
    pub secure_cookies: bool,
    /// Caps on reading statistics files: `[stats]` in `chancery.toml`, or
    /// `CHANCERY_STATS_MAX_LINE_BYTES` and so on.
    #[serde(default)]
    pub stats: chancery_app::import::ReadLimits,
    /// The program run as the document extraction child (`PROGRAM extract MEDIA_TYPE`);
    /// empty: this executable. Extraction always runs in that child process.
    pub extractor: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data: PathBuf::from("chancery-data"),
            database_url: None,
            listen: "127.0.0.1:8080".into(),
            secure_cookies: false,
            stats: chancery_app::import::ReadLimits::default(),
            extractor: None,
        }
    }
}

/// Values given on the command line (absent ones leave the lower layers in force).
#[derive(Debug, Default, Serialize)]
struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<String>,
}

impl Settings {
    /// The settings in force, with the command line's `--data`, `--database` and `--listen`.
    pub fn load(args: DataArgs, listen: Option<String>) -> Result<Settings> {
        let overrides = Overrides {
            data: args.data,
            database_url: args.database,
            listen,
        };
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file("chancery.toml"))
            .merge(Env::prefixed("CHANCERY_").only(&[
                "data",
                "database_url",
                "listen",
                "secure_cookies",
                "extractor",
            ]))
            .merge(Env::prefixed("CHANCERY_STATS_").map(|k| format!("stats.{k}").into()))
            .merge(Serialized::defaults(overrides))
            .extract()
            .context("reading the configuration (chancery.toml, CHANCERY_* variables, flags)")
    }

    /// What the application is opened with: the data directory, the database and the limits.
    pub fn app(&self) -> chancery_app::Settings {
        chancery_app::Settings {
            data: self.data.clone(),
            database_url: self.database_url.clone(),
            limits: chancery_app::Limits {
                stats: self.stats,
                // Always the child process: the binary offers no in-process extraction.
                extractor: chancery_app::extract::Extractor::Process {
                    program: self.extractor.clone().filter(|p| !p.as_os_str().is_empty()),
                },
                ..chancery_app::Limits::default()
            },
        }
    }

    /// The demo always runs on SQLite in its data directory.
    pub fn sqlite_only(mut self) -> Settings {
        self.database_url = None;
        self
    }
}
