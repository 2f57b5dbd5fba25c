//! Settings: defaults, then `chancery.toml` in the working directory if present, then
//! `CHANCERY_DATA`, `CHANCERY_DATABASE_URL`, `CHANCERY_LISTEN`, `CHANCERY_SECURE_COOKIES`,
//! then command-line flags.

use anyhow::{Context, Result};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub data: PathBuf,
    /// Empty: SQLite in the data directory.
    pub database_url: Option<String>,
    pub listen: String,
    /// Mark session cookies `Secure`: set it when users reach the server over HTTPS (behind a
    /// TLS-terminating proxy).
    pub secure_cookies: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data: PathBuf::from("chancery-data"),
            database_url: None,
            listen: "127.0.0.1:8080".into(),
            secure_cookies: false,
        }
    }
}

/// Values given on the command line (absent ones leave the lower layers in force).
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
}

impl Settings {
    pub fn load(overrides: Overrides) -> Result<Settings> {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file("chancery.toml"))
            .merge(Env::prefixed("CHANCERY_").only(&[
                "data",
                "database_url",
                "listen",
                "secure_cookies",
            ]))
            .merge(Serialized::defaults(overrides))
            .extract()
            .context("reading the configuration (chancery.toml, CHANCERY_* variables, flags)")
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.data.join("chancery.db")
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) if !u.trim().is_empty() => u.clone(),
            _ => format!("sqlite:{}", self.sqlite_path().display()),
        }
    }

    /// The demo always runs on SQLite in its data directory.
    pub fn sqlite_only(mut self) -> Settings {
        self.database_url = None;
        self
    }
}
