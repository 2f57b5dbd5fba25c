//! The effective marking of a report's paragraphs: the one function that says what each
//! paragraph inherits from the records it cites and the block it embeds. Every reader of a
//! report (the API, lists, history, comments, clearance problems, flags, compliance, builds)
//! goes by [`ReportParagraph::effective_marking`], which is SBU until this has run.

use chancery_domain::report::{BlockSpec, CitedKind, Inherited, Report, ReportParagraph};
use chancery_domain::{Case, Engagement, Marking, Policy, RecordId, Source};
use chancery_store::{CaseFilter, PolicyFilter, Store, StoreError};
use std::collections::HashMap;

/// Resolves the inherited marking of every paragraph of `report` against the records as
/// they are stored now. A cited record that no longer exists counts as SBU.
pub async fn resolve(store: &Store, report: &mut Report) -> Result<(), StoreError> {
    let mut known: HashMap<(CitedKind, RecordId), Marking> = HashMap::new();
    let post = report.post.clone();
    for s in &mut report.sections {
        for p in &mut s.paragraphs {
            let m = inherited(store, &post, p, &mut known).await?;
            p.inherited = Inherited::resolved(m);
        }
    }
    Ok(())
}

async fn inherited(
    store: &Store,
    post: &chancery_domain::PostSlug,
    p: &ReportParagraph,
    known: &mut HashMap<(CitedKind, RecordId), Marking>,
) -> Result<Marking, StoreError> {
    let mut wanted: Vec<(CitedKind, RecordId)> =
        p.citations.iter().map(|c| (c.kind, c.id)).collect();
    let mut marking = Marking::U;
    match &p.block {
        Some(BlockSpec::CaseComparison { cases, .. }) => {
            wanted.extend(cases.iter().map(|c| (CitedKind::Case, *c)));
        }
        Some(BlockSpec::CaseTable {
            country, case_kind, ..
        }) => {
            // The table lists the post's cases of that country and kind: SBU if any is.
            let filter = CaseFilter {
                country: *country,
                kind: *case_kind,
                post: Some(post.clone()),
                marking: Some(Marking::SBU),
                ..CaseFilter::default()
            };
            if !store.list::<Case>(&filter, None, 1).await?.items.is_empty() {
                marking = Marking::SBU;
            }
        }
        Some(BlockSpec::PolicyList { country, area, .. }) => {
            let filter = PolicyFilter {
                country: *country,
                area: *area,
                post: Some(post.clone()),
                ..PolicyFilter::default()
            };
            let page = store.list::<Policy>(&filter, None, 500).await?;
            marking = marking.max(Marking::highest(page.items.iter().map(|p| p.data.marking)));
            if page.next.is_some() {
                marking = Marking::SBU;
            }
        }
        // A figure is computed from published statistics.
        Some(BlockSpec::StatisticsFigure { .. }) | None => {}
    }
    for key in wanted {
        let m = match known.get(&key) {
            Some(m) => *m,
            None => {
                let m = record_marking(store, key.0, key.1).await?;
                known.insert(key, m);
                m
            }
        };
        marking = marking.max(m);
    }
    Ok(marking)
}

/// The marking of a record a report may cite (SBU when it no longer exists).
async fn record_marking(
    store: &Store,
    kind: CitedKind,
    id: RecordId,
) -> Result<Marking, StoreError> {
    Ok(match kind {
        CitedKind::Source => store.get::<Source>(id).await?.map(|r| r.data.marking),
        CitedKind::Case => store.get::<Case>(id).await?.map(|r| r.data.marking),
        CitedKind::Policy => store.get::<Policy>(id).await?.map(|r| r.data.marking),
        CitedKind::Engagement => store.get::<Engagement>(id).await?.map(|r| r.data.marking),
    }
    .unwrap_or(Marking::SBU))
}

/// The flags a user may be told: each concerns a record, and is shown only to a user who may
/// read that record now and see the marking at which the build used it.
pub async fn visible_flags(
    app: &crate::App,
    user: &crate::Actor,
    flags: Vec<crate::report_build::Flag>,
) -> Result<Vec<String>, crate::AppError> {
    use crate::access::peek;
    let mut out = Vec::new();
    for f in flags {
        if !user.principal.may_see(f.marking) {
            continue;
        }
        let readable = match f.kind {
            "source" => peek::<Source>(app, user, f.id).await?.is_some(),
            "case" => peek::<Case>(app, user, f.id).await?.is_some(),
            "policy" => peek::<Policy>(app, user, f.id).await?.is_some(),
            "engagement" => peek::<Engagement>(app, user, f.id).await?.is_some(),
            _ => false,
        };
        if readable && !out.contains(&f.text) {
            out.push(f.text);
        }
    }
    Ok(out)
}
