//! The report history page: every version with its author, state and what changed.

use super::state_text;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::extract::IdPath;
use crate::pages::views::PageMeta;
use crate::pages::{PageResult, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use chancery_app::access::load_visible;
use chancery_app::reports::history::describe_change;
use chancery_domain::Marking;
use chancery_domain::report::Report;

// ---------------------------------------------------------------- reports: history

pub struct HistoryRow {
    pub version: i64,
    pub at: String,
    pub author: String,
    pub state: String,
    pub change: String,
    /// SBU paragraphs of this version withheld from the user.
    pub withheld: usize,
}

#[derive(Template)]
#[template(path = "report_history.html")]
pub struct ReportHistoryPage {
    pub page: PageMeta,
    pub id: i64,
    pub subject: String,
    pub rows: Vec<HistoryRow>,
    pub sbu_hidden: bool,
}

/// Every version of a report, newest first, each with its author, the state it left the
/// report in and what changed since the version before (paragraphs above the user's clearance
/// left out).
pub async fn report_history_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let record = load_visible::<Report>(&state, &user, &id).await?;
    let chain = chancery_app::reports::reports::chain_of(&state, &record.data).await?;
    let history = chancery_app::reports::reports::versions(&state, &user, &record).await?;
    let sees = |m: Marking| user.principal.may_see(m);
    let mut rows = Vec::new();
    let mut marking = Marking::U;
    let mut prev: Option<&Report> = None;
    for (info, data) in &history {
        let change = match prev {
            None => "created".to_string(),
            Some(p) => {
                let (text, m) = describe_change(p, data, sees);
                marking = marking.max(m);
                text
            }
        };
        rows.push(HistoryRow {
            version: info.version,
            at: info.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            author: info.author.to_string(),
            state: state_text(&data.state, &chain),
            change,
            withheld: data
                .paragraphs()
                .filter(|(_, p)| !sees(p.effective_marking()))
                .count(),
        });
        prev = Some(data);
    }
    rows.reverse();
    let sbu_hidden = rows.iter().any(|r| r.withheld > 0);
    let t = ReportHistoryPage {
        page: PageMeta::new(format!("History: {}", record.data.subject), marking, &user),
        id: record.id.get(),
        subject: record.data.subject.to_string(),
        rows,
        sbu_hidden,
    };
    Ok(render(StatusCode::OK, &t))
}
