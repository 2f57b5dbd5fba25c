//! Commands for administrators at the server: accounts, API tokens, the audit log. They act as
//! the system (the audit records the address `local` and no account).

use anyhow::{Context, Result, bail};
use chancery_domain::account::check_password;
use chancery_domain::{Account, Email, Role};
use chancery_store::{AuditCtx, Store, sha256_hex};
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
    /// Set a new password, read from standard input; ends the account's sessions.
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
    },
    /// Revoke a token by its id.
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit non-zero naming the first broken entry.
    Verify,
    /// Write the log as NDJSON (one entry per line) to a file or standard output.
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    check_password(&password).map_err(anyhow::Error::msg)?;
    Ok(password)
}

async fn account_by_email(store: &Store, email: &str) -> Result<chancery_store::StoredUser> {
    let email = Email::parse(email).map_err(anyhow::Error::msg)?;
    store
        .user_by_email(&email)
        .await?
        .with_context(|| format!("no account {email}"))
}

pub async fn user(store: &Store, cmd: UserCommand) -> Result<()> {
    let ctx = AuditCtx::system();
    match cmd {
        UserCommand::Add {
            email,
            role,
            post,
            sbu,
            name,
            password_stdin: _,
        } => {
            Role::parse(&role).map_err(anyhow::Error::msg)?;
            let name =
                name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_string());
            let account = Account::from_json(
                &serde_json::json!({"email": email, "display_name": name, "role": role,
                "post": post, "sbu_access": sbu}),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let password = read_password()?;
            let hash =
                chancery_web::hash_password(&password).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let id = store
                .create_user(&account, Some(&hash), &ctx)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
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
            let u = account_by_email(store, &email).await?;
            let password = read_password()?;
            let hash =
                chancery_web::hash_password(&password).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            store.set_password(u.id, &hash, &ctx).await?;
            println!(
                "password set for {}; its sessions have ended",
                u.account.email
            );
        }
        UserCommand::Unlock { email } => {
            let u = account_by_email(store, &email).await?;
            store.unlock_user(u.id, &ctx).await?;
            println!("lockout lifted for {}", u.account.email);
        }
        UserCommand::List => {
            for u in store.list_users().await? {
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

pub async fn token(store: &Store, cmd: TokenCommand) -> Result<()> {
    let ctx = AuditCtx::system();
    match cmd {
        TokenCommand::Create { email, name } => {
            let u = account_by_email(store, &email).await?;
            if !u.account.active {
                bail!("account {} is inactive", u.account.email);
            }
            let token = chancery_web::new_token();
            let id = store
                .create_token(u.id, &name, &sha256_hex(&token), &ctx)
                .await?;
            println!(
                "token {id} for {} (shown once; send it as Authorization: Bearer <token>):",
                u.account.email
            );
            println!("{token}");
        }
        TokenCommand::Revoke { id } => {
            store
                .revoke_token(id, None, &ctx)
                .await
                .map_err(|e| anyhow::anyhow!("token {id}: {e}"))?;
            println!("token {id} revoked");
        }
    }
    Ok(())
}

/// Returns the process exit code: 0 when the chain verifies, 1 when it is broken.
pub async fn audit(store: &Store, cmd: AuditCommand) -> Result<i32> {
    match cmd {
        AuditCommand::Verify => match store.audit_verify().await? {
            Ok(n) => {
                println!("audit log verified: {n} entries, chain intact");
                Ok(0)
            }
            Err(b) => {
                eprintln!("audit log broken at entry {}: {}", b.seq, b.reason);
                Ok(1)
            }
        },
        AuditCommand::Export { out } => {
            let mut sink: Box<dyn Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let mut n = 0u64;
            store
                .audit_walk(|e| {
                    let line = serde_json::to_string(&e).expect("an entry serialises");
                    writeln!(sink, "{line}")
                        .map_err(|err| chancery_store::StoreError::Config(err.to_string()))?;
                    n += 1;
                    Ok(())
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
