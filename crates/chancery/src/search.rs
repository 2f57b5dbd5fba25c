//! `chancery search QUERY --as EMAIL [--json]`: the same search as `/search`, as an account
//! (what it finds depends on who asks: markings and post scope).

use anyhow::Result;
use chancery_app::search::{SearchRequest, search};
use chancery_app::{App, accounts};

pub struct SearchArgs {
    pub query: String,
    pub as_user: String,
    pub filters: Vec<String>,
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    pub json: bool,
}

pub async fn run(app: &App, args: SearchArgs) -> Result<()> {
    let actor = accounts::actor_by_email(app, &args.as_user, "--as").await?;
    let mut pairs = vec![("q".to_string(), args.query.clone())];
    for f in &args.filters {
        match f.split_once('=') {
            Some((k, v)) => pairs.push((k.trim().to_string(), v.trim().to_string())),
            None => anyhow::bail!("--filter {f:?}: write NAME=VALUE, as type=case or year=2025"),
        }
    }
    if let Some(s) = &args.sort {
        pairs.push(("sort".into(), s.clone()));
    }
    if let Some(n) = args.limit {
        pairs.push(("limit".into(), n.to_string()));
    }
    if let Some(c) = &args.cursor {
        pairs.push(("cursor".into(), c.clone()));
    }
    let req = SearchRequest::from_pairs(&pairs).map_err(chancery_app::AppError::Invalid)?;
    let found = search(app, &actor, &req).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&found)?);
        return Ok(());
    }
    println!(
        "{} {} for {:?}",
        found.total,
        if found.total == 1 {
            "result"
        } else {
            "results"
        },
        found.query
    );
    for h in &found.hits {
        let snippet: String = h
            .snippet
            .iter()
            .map(|p| {
                if p.hit {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect();
        println!(
            "\n{} {} {} [{}] {}",
            h.type_label,
            h.id,
            h.date.as_deref().unwrap_or("-"),
            h.marking,
            h.title
        );
        if !snippet.trim().is_empty() {
            println!(
                "    {}",
                snippet.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
    }
    if !found.facets.is_empty() {
        println!();
        for f in &found.facets {
            let values: Vec<String> = f
                .values
                .iter()
                .map(|v| format!("{} ({})", v.label, v.count))
                .collect();
            println!("{}: {}", f.label, values.join(", "));
        }
    }
    if let Some(n) = &found.next {
        println!("\nmore: --cursor {n}");
    }
    Ok(())
}
