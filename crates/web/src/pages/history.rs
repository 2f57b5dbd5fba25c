//! The history page of a record: every version, what changed, versions the user may not see
//! listed as withheld.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::pages::views::{Fact, HistoryPage, PageMeta, VersionView, changed_members};
use crate::pages::{PageResult, render};
use axum::http::StatusCode;
use chancery_app::access::{self, AppRecord};
use chancery_domain::{Marking, VersionInfo};
use serde_json::Value;

fn version_view(info: &VersionInfo, changed: String, facts: Vec<Fact>) -> VersionView {
    VersionView {
        version: info.version,
        author: info.author.to_string(),
        created_at: info.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        content_hash: info.content_hash.clone(),
        prev_hash: info.prev_hash.clone(),
        changed,
        facts,
    }
}

/// The history page of a record: versions the user may not see are listed as withheld.
pub(crate) async fn history_page<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
    heading: impl Fn(&T) -> String,
    facts: impl Fn(&T, Marking) -> Vec<Fact>,
) -> PageResult {
    let (record, history) = access::history::<T>(state, user, raw_id).await?;
    let clearance = user.principal.clearance();
    let mut marking = Marking::U;
    let mut prev: Option<Value> = None;
    let mut versions = Vec::new();
    for item in &history {
        let info = &item.info;
        let Some(data) = &item.data else {
            versions.push(version_view(
                info,
                "withheld".into(),
                vec![Fact::new("Content", "[withheld: SBU]")],
            ));
            continue;
        };
        marking = marking.max(data.marking_shown(clearance));
        let json = data.json_for(clearance);
        versions.push(version_view(
            info,
            changed_members(prev.as_ref(), &json),
            facts(data, clearance),
        ));
        prev = Some(json);
    }
    versions.reverse();
    let title = heading(&record.data);
    let t = HistoryPage {
        page: PageMeta::new(format!("History: {title}"), marking, user),
        heading: title,
        record_href: format!("{}/{}", T::PAGES, record.id),
        versions,
    };
    Ok(render(StatusCode::OK, &t))
}
