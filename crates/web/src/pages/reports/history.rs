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
use chancery_domain::Marking;
use chancery_domain::report::{Report, ReportParagraph, ReportState};

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

/// A change of state on its own, in words ("submitted", "cleared step 1").
pub(super) fn state_change(from: ReportState, to: ReportState) -> Option<String> {
    use ReportState as S;
    Some(match (from, to) {
        _ if from == to => return None,
        (S::Draft, S::InClearance { step: 0 }) => "submitted".into(),
        (S::InClearance { step }, S::InClearance { step: next }) if next == step + 1 => {
            format!("cleared step {}", step + 1)
        }
        (S::InClearance { step }, S::Cleared) => format!("cleared step {} (the last)", step + 1),
        (S::InClearance { .. } | S::Cleared, S::Draft) => "returned to draft".into(),
        (S::Cleared, S::Published) => "published".into(),
        (S::Published, S::Withdrawn) => "withdrawn".into(),
        (from, to) => format!("state changed from {from} to {to}"),
    })
}

/// The ids of `b` that are not in a longest common subsequence with `a`: the ones that moved.
pub(super) fn out_of_order<'a>(a: &[&str], b: &[&'a str]) -> Vec<&'a str> {
    let (n, m) = (a.len(), b.len());
    let mut t = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if a[i] == b[j] {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut kept) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            kept.push(b[j]);
            i += 1;
            j += 1;
        } else if t[i + 1][j] >= t[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    b.iter().copied().filter(|id| !kept.contains(id)).collect()
}

/// What changed from one version to the next, as a user who sees `visible` markings may know
/// it: the state change, the header fields, and the paragraphs added, removed, changed or
/// moved (by id); with the highest marking of the paragraphs it names.
pub(super) fn describe_change(
    prev: &Report,
    next: &Report,
    visible: impl Fn(Marking) -> bool,
) -> (String, Marking) {
    let state = state_change(prev.state, next.state);
    if prev.same_content(next) {
        let text = state.unwrap_or_else(|| "saved without a change to the text".into());
        return (text, Marking::U);
    }
    let mut edits: Vec<String> = Vec::new();
    let header: [(&str, bool); 9] = [
        ("post", prev.post != next.post),
        ("tasking", prev.tasking_id != next.tasking_id),
        ("due date", prev.due != next.due),
        ("template", prev.template_key != next.template_key),
        ("subject", prev.subject != next.subject),
        ("TAGS", prev.tags != next.tags),
        ("references", prev.refs != next.refs),
        ("captions", prev.captions != next.captions),
        ("demo flag", prev.demo != next.demo),
    ];
    edits.extend(
        header
            .iter()
            .filter(|(_, c)| *c)
            .map(|(n, _)| n.to_string()),
    );
    let headings =
        |r: &Report| -> Vec<String> { r.sections.iter().map(|s| s.heading.to_string()).collect() };
    if headings(prev) != headings(next) {
        edits.push("section headings".into());
    }
    let shown = |r: &Report| -> Vec<(String, ReportParagraph)> {
        r.paragraphs()
            .filter(|(_, p)| visible(p.effective_marking()))
            .map(|(s, p)| (s.heading.to_string(), p.clone()))
            .collect()
    };
    let (old, new) = (shown(prev), shown(next));
    let find = |list: &[(String, ReportParagraph)], id: &str| -> Option<usize> {
        list.iter().position(|(_, p)| p.id.as_str() == id)
    };
    let old_common: Vec<&str> = old
        .iter()
        .map(|(_, p)| p.id.as_str())
        .filter(|id| find(&new, id).is_some())
        .collect();
    let new_common: Vec<&str> = new
        .iter()
        .map(|(_, p)| p.id.as_str())
        .filter(|id| find(&old, id).is_some())
        .collect();
    let reordered = out_of_order(&old_common, &new_common);
    let mut marking = Marking::U;
    for (heading, p) in &new {
        let id = p.id.as_str();
        let Some(i) = find(&old, id) else {
            edits.push(format!("{id} added"));
            marking = marking.max(p.effective_marking());
            continue;
        };
        let (old_heading, o) = &old[i];
        let mut what: Vec<&str> = Vec::new();
        for (name, changed) in [
            ("kind", o.kind != p.kind),
            ("marking", o.marking != p.marking),
            ("text", o.text != p.text),
            ("citations", o.citations != p.citations),
            ("block", o.block != p.block),
            ("moved", old_heading != heading || reordered.contains(&id)),
        ] {
            if changed {
                what.push(name);
            }
        }
        if !what.is_empty() {
            edits.push(format!("{id} {}", what.join("+")));
            marking = marking
                .max(p.effective_marking())
                .max(o.effective_marking());
        }
    }
    for (_, o) in &old {
        if find(&new, o.id.as_str()).is_none() {
            edits.push(format!("{} removed", o.id.as_str()));
            marking = marking.max(o.effective_marking());
        }
    }
    let mut text = if edits.is_empty() {
        "edited: no change this account may see".to_string()
    } else {
        format!("edited: {}", edits.join(", "))
    };
    if let Some(s) = state {
        text.push_str(&format!("; {s}"));
    }
    (text, marking)
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
