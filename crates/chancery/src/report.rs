//! `chancery report ...`: make builds and render them from the command line, through the
//! same use cases as the API (`chancery_app::reports::builds`).

use crate::ReportCommand;
use anyhow::{Context, Result, bail};
use chancery_app::reports::builds::{
    Output, all_builds_of, load_build, make_build, output, output_unattributed,
};
use chancery_app::{App, accounts};

pub async fn run(app: &App, command: ReportCommand) -> Result<()> {
    match command {
        ReportCommand::Build {
            report_id,
            build,
            format,
            public,
            out,
            as_user,
        } => {
            let actor = match &as_user {
                Some(email) => Some(accounts::actor_by_email(app, email, "--as").await?),
                None => None,
            };
            let o: Output = match (build, report_id, actor) {
                (Some(_), Some(_), _) => {
                    bail!("name a report to build, or --build to re-render, not both")
                }
                (None, None, _) => bail!(
                    "name a report to build (chancery report build REPORT_ID), or --build BUILD_ID"
                ),
                (Some(id), None, Some(actor)) => {
                    let b = load_build(app, &actor, &id.to_string()).await?;
                    output(app, &actor, &b, &format, public).await?
                }
                (Some(id), None, None) => output_unattributed(app, id, &format, public).await?,
                (None, Some(_), None) => {
                    bail!("a new build is made as an account, for the audit log: pass --as EMAIL")
                }
                (None, Some(rid), Some(actor)) => {
                    let b = make_build(app, &actor, &rid.to_string()).await?;
                    println!("{}", b.id);
                    output(app, &actor, &b, &format, public).await?
                }
            };
            std::fs::write(&out, &o.bytes).with_context(|| format!("writing {}", out.display()))?;
            eprintln!(
                "{}: {} {} written to {} ({} bytes)",
                o.file_name,
                if o.public { "public" } else { "internal" },
                o.format.extension(),
                out.display(),
                o.bytes.len()
            );
            Ok(())
        }
        ReportCommand::Builds { report_id } => {
            for b in all_builds_of(app, report_id).await? {
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
