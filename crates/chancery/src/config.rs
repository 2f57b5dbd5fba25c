//! Settings: defaults, then `chancery.toml` in the working directory if present, then
//! `CHANCERY_DATA`, `CHANCERY_DATABASE_URL`, `CHANCERY_LISTEN`, `CHANCERY_SECURE_COOKIES`,
//! `CHANCERY_EXTRACTOR`, `CHANCERY_TRUSTED_PROXIES`, the audit's `CHANCERY_AUDIT_KEY`, `CHANCERY_AUDIT_KEY_FILE`,
//! `CHANCERY_AUDIT_CHECKPOINTS`, `CHANCERY_AUDIT_CHECKPOINT_INTERVAL` and the statistics caps `CHANCERY_STATS_MAX_*` (the `[stats]` table of
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
    /// Reverse proxies whose `X-Forwarded-For` names the client, for the sign-in throttle and
    /// the audit: addresses or CIDR blocks, as a list in `chancery.toml`
    /// (`trusted_proxies = ["10.0.0.0/8"]`) or comma-separated in `CHANCERY_TRUSTED_PROXIES`.
    /// Empty: the peer's address is the client's and the header is ignored.
    #[serde(default)]
    pub trusted_proxies: StringList,
    /// The audit's master secret, 64 hex digits (`CHANCERY_AUDIT_KEY`); wins over the file.
    pub audit_key: Option<String>,
    /// A file holding the master secret (`chancery audit keygen`). With neither, the keys are
    /// kept (and first generated) in `<data>/keys/`, which anchors nothing: a warning says so.
    pub audit_key_file: Option<PathBuf>,
    /// Where signed checkpoints are written (default `<data>/checkpoints`; point it at storage
    /// the database's administrators cannot change, or copy the files there).
    pub audit_checkpoints: Option<PathBuf>,
    /// Seconds between scheduled checkpoints in `serve` (0: none).
    pub audit_checkpoint_interval: u64,
}

/// A list setting given as a list (TOML) or as one comma-separated string (environment).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum StringList {
    One(String),
    Many(Vec<String>),
}

impl Default for StringList {
    fn default() -> Self {
        StringList::Many(Vec::new())
    }
}

impl StringList {
    pub fn entries(&self) -> Vec<String> {
        match self {
            StringList::One(s) => s
                .split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(String::from)
                .collect(),
            StringList::Many(v) => v.clone(),
        }
    }
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
            trusted_proxies: StringList::default(),
            audit_key: None,
            audit_key_file: None,
            audit_checkpoints: None,
            audit_checkpoint_interval: 600,
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
                "trusted_proxies",
                "audit_key",
                "audit_key_file",
                "audit_checkpoints",
                "audit_checkpoint_interval",
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
            keys: None,
        }
    }

    /// The trusted proxies, parsed: a bad entry is an error naming it.
    pub fn trusted_proxies(&self) -> Result<chancery_app::proxies::TrustedProxies> {
        chancery_app::proxies::TrustedProxies::parse(&self.trusted_proxies.entries()).map_err(|e| {
            anyhow::anyhow!("the setting trusted_proxies (CHANCERY_TRUSTED_PROXIES): {e}")
        })
    }

    /// The audit keys in force (`chancery_app::audit::keys::resolve`): configured, else in
    /// `<data>/keys/`, else generated there when `generate`.
    pub fn audit_keys(
        &self,
        generate: bool,
    ) -> Result<
        Option<(
            chancery_app::audit::AuditKeys,
            chancery_app::audit::KeyOrigin,
        )>,
    > {
        chancery_app::audit::keys::resolve(
            self.audit_key.as_deref(),
            self.audit_key_file.as_deref(),
            &self.data,
            generate,
        )
        .context("reading the audit keys")
    }

    /// The checkpoint directory in force.
    pub fn checkpoint_dir(&self) -> PathBuf {
        self.audit_checkpoints
            .clone()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| self.data.join("checkpoints"))
    }

    /// The demo always runs on SQLite in its data directory.
    pub fn sqlite_only(mut self) -> Settings {
        self.database_url = None;
        self
    }
}
