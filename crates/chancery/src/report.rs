//! `chancery report ...`: make builds and render them from the command line.

use crate::ReportCommand;
use anyhow::{Context, Result, bail};
use chancery_domain::RecordId;
use chancery_domain::account::Email;
use chancery_domain::report::Report;
use chancery_store::{AuditCtx, Store};
use chancery_web::report_build::{self, BuildError, Format};

fn build_error(e: BuildError) -> anyhow::Error {
    match e {
        BuildError::Invalid(m) => anyhow::anyhow!(m),
        BuildError::Store(s) => s.into(),
    }
}

pub async fn run(store: &Store, command: ReportCommand) -> Result<()> {
    match command {
        ReportCommand::Build {
            report_id,
            build,
            format,
            public,
            out,
            as_user,
        } => {
            let format = Format::parse(&format).map_err(anyhow::Error::msg)?;
            let b = match (build, report_id) {
                (Some(_), Some(_)) => {
                    bail!("name a report to build, or --build to re-render, not both")
                }
                (None, None) => bail!(
                    "name a report to build (chancery report build REPORT_ID), or --build BUILD_ID"
                ),
                (Some(id), None) => store
                    .report_build(id)
                    .await?
                    .with_context(|| format!("no build with id {id}"))?,
                (None, Some(rid)) => {
                    let email = as_user.context(
                        "a new build is made as an account, for the audit log: pass --as EMAIL",
                    )?;
                    let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
                    let user = store
                        .user_by_email(&email)
                        .await?
                        .with_context(|| format!("no account {email}"))?;
                    let id =
                        RecordId::new(rid).with_context(|| format!("{rid} is not a report id"))?;
                    let report = store
                        .get::<Report>(id)
                        .await?
                        .with_context(|| format!("no report with id {rid}"))?;
                    let ctx = AuditCtx::user(user.id, Some("local".into()));
                    let b = report_build::build(store, &report, &ctx)
                        .await
                        .map_err(build_error)?;
                    println!("{}", b.id);
                    b
                }
            };
            let bytes = report_build::render(&b, format, public).map_err(build_error)?;
            std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            eprintln!(
                "build {} of report {} (version {}): {} {} written to {} ({} bytes)",
                b.id,
                b.report_id,
                b.report_version,
                if public { "public" } else { "internal" },
                format.extension(),
                out.display(),
                bytes.len()
            );
            Ok(())
        }
        ReportCommand::Builds { report_id } => {
            let id = RecordId::new(report_id)
                .with_context(|| format!("{report_id} is not a report id"))?;
            for b in store.report_builds(id).await? {
                println!(
                    "{}\treport {} v{}\t{}\t{}\tsha256 {}",
                    b.id,
                    b.report_id,
                    b.report_version,
                    b.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    b.author,
                    b.snapshot_sha256
                );
            }
            Ok(())
        }
    }
}
