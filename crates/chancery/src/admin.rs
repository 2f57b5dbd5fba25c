//! Commands for administrators at the server: accounts, API tokens, the audit log. They act as
//! the system (the audit records the address `local` and no account).

use anyhow::{Context, Result};
use chancery_app::{App, accounts, audit};
use clap::Subcommand;
use std::io::{BufRead, Write};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        /// The post, for post_officer and post_reviewer.
        #[arg(long)]
        post: Option<String>,
        /// Grant access to SBU material.
        #[arg(long)]
        sbu: bool,
        /// Display name (default: the part of the e-mail before the @).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Set a new password, read from standard input; ends the account's sessions and revokes
    /// its API tokens.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Lift a login lockout.
    Unlock {
        #[arg(long)]
        email: String,
    },
    /// List the accounts.
    List,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an account; the token is printed once, as the last line.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "command line")]
        name: String,
        /// Days until the token expires (default 90, at most 365).
        #[arg(long)]
        days: Option<i64>,
    },
    /// Revoke a token by its id.
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit non-zero naming the first broken entry. Without
    /// --checkpoints only an inconsistent edit shows: a rewrite that recomputed every later
    /// hash and the head verifies.
    Verify {
        /// A directory of signed checkpoint files kept outside the database: any rewrite of an
        /// entry they cover is found and the first rewritten entry named.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
        /// The public key (audit.pub) the checkpoints must verify with (default: derived from
        /// the configured audit key).
        #[arg(long)]
        public_key: Option<PathBuf>,
    },
    /// Sign the head of the chain now: writes checkpoint-<seq>.json to the directory (default
    /// the audit_checkpoints setting, else <data>/checkpoints) and records it in the database.
    Checkpoint {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Create the audit's master secret (audit.key, mode 0600) and its public key (audit.pub)
    /// in a directory; give audit.key to every instance and audit.pub to auditors.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the log as NDJSON (one entry per line) to a file or standard output.
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// The password on standard input's first line (checked by the use case).
fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

pub async fn user(app: &App, cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Add {
            email,
            role,
            post,
            sbu,
            name,
            password_stdin: _,
        } => {
            let account =
                accounts::new_account(&email, &role, post.as_deref(), sbu, name.as_deref())?;
            let password = read_password()?;
            let id = accounts::create_user(app, &account, &password).await?;
            println!(
                "created account {} ({}) with id {}",
                account.email,
                account.placement.role(),
                id.0
            );
        }
        UserCommand::ResetPassword {
            email,
            password_stdin: _,
        } => {
            let u = accounts::user_by_email(app, &email).await?;
            let password = read_password()?;
            accounts::set_password(app, u.id, &password).await?;
            println!(
                "password set for {}; its sessions have ended and its API tokens are revoked",
                u.account.email
            );
        }
        UserCommand::Unlock { email } => {
            let u = accounts::user_by_email(app, &email).await?;
            accounts::unlock(app, u.id).await?;
            println!("lockout lifted for {}", u.account.email);
        }
        UserCommand::List => {
            for u in accounts::list_users(app).await? {
                let a = &u.account;
                println!(
                    "{}\t{}\t{}\t{}\tsbu={}\tactive={}",
                    u.id.0,
                    a.email,
                    a.placement.role(),
                    a.placement.post().map(|p| p.as_str()).unwrap_or("hq"),
                    a.sbu_access,
                    a.active
                );
            }
        }
    }
    Ok(())
}

pub async fn token(app: &App, cmd: TokenCommand) -> Result<()> {
    match cmd {
        TokenCommand::Create { email, name, days } => {
            let u = accounts::user_by_email(app, &email).await?;
            let t = accounts::create_token(app, &u, &name, days).await?;
            println!(
                "token {} for {}, expires {} (shown once; send it as Authorization: Bearer <token>):",
                t.id,
                u.account.email,
                t.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
            println!("{}", t.token);
        }
        TokenCommand::Revoke { id } => {
            accounts::revoke_token(app, id)
                .await
                .map_err(|e| anyhow::anyhow!("token {id}: {e}"))?;
            println!("token {id} revoked");
        }
    }
    Ok(())
}

/// `chancery audit keygen`: needs no database.
pub fn keygen(out: &std::path::Path) -> Result<()> {
    let (keys, secret, public) = audit::keys::generate_files(out)?;
    println!(
        "wrote the audit master key to {} (mode 0600; give it to every instance as \
         audit_key_file or CHANCERY_AUDIT_KEY_FILE, and keep it away from the database)",
        secret.display()
    );
    println!(
        "wrote the public key {} (key id {}) to {}; auditors verify checkpoints with it",
        keys.public_key().to_text(),
        keys.public_key().key_id(),
        public.display()
    );
    Ok(())
}

/// Returns the process exit code: 0 when the chain verifies, 1 when it is broken. `public` is
/// the public key of the configured audit key, if one is configured.
pub async fn audit(
    app: &App,
    settings: &crate::config::Settings,
    public: Option<audit::PublicKey>,
    cmd: AuditCommand,
) -> Result<i32> {
    match cmd {
        AuditCommand::Verify {
            checkpoints: None, ..
        } => match audit::verify(app).await? {
            Ok(n) => {
                println!("audit log verified: {n} entries, chain intact");
                Ok(0)
            }
            Err(b) => {
                eprintln!("audit log broken at entry {}: {}", b.seq, b.reason);
                Ok(1)
            }
        },
        AuditCommand::Verify {
            checkpoints: Some(dir),
            public_key,
        } => {
            let key = match public_key {
                Some(path) => audit::PublicKey::read(&path)?,
                None => public.context(
                    "no audit key is configured: give the public key with --public-key FILE",
                )?,
            };
            match audit::verify_with_checkpoints(app, &key, &dir).await? {
                Ok(v) => {
                    println!(
                        "audit log verified: {} entries, chain intact; {} checkpoints signed by key {} verified, entries 1 to {} match them",
                        v.entries,
                        v.checkpoints,
                        key.key_id(),
                        v.covered_to
                    );
                    if (v.covered_to as u64) < v.entries {
                        println!(
                            "entries {} to {} are not covered by a checkpoint yet",
                            v.covered_to + 1,
                            v.entries
                        );
                    }
                    Ok(0)
                }
                Err(b) => {
                    eprintln!("audit log broken at entry {}: {}", b.seq, b.reason);
                    Ok(1)
                }
            }
        }
        AuditCommand::Checkpoint { out } => {
            let dir = out.unwrap_or_else(|| settings.checkpoint_dir());
            match audit::checkpoint(app, &dir).await {
                Ok(audit::CheckpointOutcome::Written { seq, path }) => {
                    println!(
                        "checkpoint signed at entry {seq} by key {}: {}",
                        app.keys.public_key().key_id(),
                        path.display()
                    );
                    Ok(0)
                }
                Ok(audit::CheckpointOutcome::Unchanged { seq }) => {
                    println!("no entry since the checkpoint at entry {seq}: nothing to sign");
                    Ok(0)
                }
                Ok(audit::CheckpointOutcome::Busy) => unreachable!("on demand takes no lock"),
                Err(e) => {
                    eprintln!("{e}");
                    Ok(1)
                }
            }
        }
        AuditCommand::Keygen { out } => {
            keygen(&out)?;
            Ok(0)
        }
        AuditCommand::Export { out } => {
            let mut sink: Box<dyn Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let n = audit::export(app, |e| {
                let line = serde_json::to_string(&e).expect("an entry serialises");
                writeln!(sink, "{line}")
            })
            .await?;
            sink.flush()?;
            drop(sink);
            if let Some(path) = out {
                eprintln!("wrote {n} entries to {}", path.display());
            }
            Ok(0)
        }
    }
}
