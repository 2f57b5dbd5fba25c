//! Resolving a report's citations and its case and policy blocks against the store, at the
//! versions the build pins.

use super::{BuildError, ObservationUse, RecordUse};
use chancery_domain::case_summary::SELECTION_CAVEAT;
use chancery_domain::report::{BlockSpec, CitedKind};
use chancery_domain::source::SourceStatus;
use chancery_domain::{Case, Engagement, Marking, Policy, PostSlug, Record, RecordId, Source};
use chancery_report::doc::{Block, Item, ItemKind, Row, Table};
use chancery_store::CaseFilter;
use chancery_store::{PolicyFilter, Store};
use chrono::NaiveDate;
use serde_json::json;
use std::collections::BTreeMap;

pub(super) struct Builder<'a> {
    pub(super) store: &'a Store,
    pub(super) today: NaiveDate,
    pub(super) items: Vec<Item>,
    pub(super) records: Vec<RecordUse>,
    pub(super) observations: Vec<ObservationUse>,
}

impl Builder<'_> {
    pub(super) fn use_record(
        &mut self,
        kind: &str,
        id: i64,
        version: i64,
        hash: &str,
        marking: Marking,
        para: &str,
    ) -> usize {
        match self
            .records
            .iter()
            .position(|r| r.kind == kind && r.id == id)
        {
            Some(i) => {
                if !self.records[i].paragraphs.iter().any(|p| p == para) {
                    self.records[i].paragraphs.push(para.to_string());
                }
                i
            }
            None => {
                self.records.push(RecordUse {
                    kind: kind.to_string(),
                    id,
                    version,
                    content_hash: hash.to_string(),
                    marking,
                    archive_sha256: Vec::new(),
                    paragraphs: vec![para.to_string()],
                    outcomes: None,
                });
                self.records.len() - 1
            }
        }
    }

    pub(super) async fn case(
        &mut self,
        id: RecordId,
        para: &str,
    ) -> Result<Record<Case>, BuildError> {
        let c = self
            .store
            .get::<Case>(id)
            .await?
            .ok_or_else(|| BuildError::Invalid(format!("case {id} no longer exists")))?;
        let i = self.use_record(
            "case",
            id.get(),
            c.version,
            &c.content_hash,
            c.data.marking,
            para,
        );
        self.records[i].outcomes = Some(json!(
            c.data
                .detail
                .outcomes
                .iter()
                .map(|o| o.outcome.to_json())
                .collect::<Vec<_>>()
        ));
        Ok(c)
    }

    /// Resolves a citation into an item (once per key) and returns its marking.
    pub(super) async fn cite(
        &mut self,
        kind: CitedKind,
        id: RecordId,
        para: &str,
    ) -> Result<Marking, BuildError> {
        let key = format!("{}:{}", kind.as_str(), id);
        let missing = || BuildError::Invalid(format!("{key} no longer exists"));
        let item =
            match kind {
                CitedKind::Source => {
                    let s = self.store.get::<Source>(id).await?.ok_or_else(missing)?;
                    let archives = self.store.archives_of(id).await?;
                    let sha: Vec<String> = archives.iter().map(|a| a.sha256.clone()).collect();
                    let i = self.use_record(
                        "source",
                        id.get(),
                        s.version,
                        &s.content_hash,
                        s.data.marking,
                        para,
                    );
                    self.records[i].archive_sha256 = sha.clone();
                    let mut flags = Vec::new();
                    if s.data.status == SourceStatus::Retracted {
                        flags.push("retracted".to_string());
                    }
                    Item {
                        key: key.clone(),
                        kind: ItemKind::Source,
                        id: id.get(),
                        version: s.version,
                        marking: s.data.marking,
                        publisher: s.data.publisher.to_string(),
                        title: s.data.title.to_string(),
                        date: s.data.published.as_ref().and_then(|d| {
                            NaiveDate::parse_from_str(&d.to_string(), "%Y-%m-%d").ok()
                        }),
                        url: s.data.url.as_ref().map(|u| u.to_string()),
                        sha256: sha,
                        flags,
                    }
                }
                CitedKind::Case => {
                    let c = self.case(id, para).await?;
                    Item {
                        key: key.clone(),
                        kind: ItemKind::Case,
                        id: id.get(),
                        version: c.version,
                        marking: c.data.marking,
                        publisher: String::new(),
                        title: c.data.title.to_string(),
                        date: c.data.date.and_then(|d| {
                            NaiveDate::parse_from_str(&d.to_string(), "%Y-%m-%d").ok()
                        }),
                        url: None,
                        sha256: Vec::new(),
                        flags: Vec::new(),
                    }
                }
                CitedKind::Policy => {
                    let p = self.store.get::<Policy>(id).await?.ok_or_else(missing)?;
                    self.use_record(
                        "policy",
                        id.get(),
                        p.version,
                        &p.content_hash,
                        p.data.marking,
                        para,
                    );
                    let in_force = p
                        .data
                        .versions
                        .iter()
                        .find(|v| v.in_force_on(self.today))
                        .or(p.data.versions.last());
                    Item {
                        key: key.clone(),
                        kind: ItemKind::Policy,
                        id: id.get(),
                        version: p.version,
                        marking: p.data.marking,
                        publisher: String::new(),
                        title: p.data.title.to_string(),
                        date: in_force.map(|v| v.valid_from),
                        url: None,
                        sha256: Vec::new(),
                        flags: Vec::new(),
                    }
                }
                CitedKind::Engagement => {
                    let e = self
                        .store
                        .get::<Engagement>(id)
                        .await?
                        .ok_or_else(missing)?;
                    self.use_record(
                        "engagement",
                        id.get(),
                        e.version,
                        &e.content_hash,
                        e.data.marking,
                        para,
                    );
                    Item {
                        key: key.clone(),
                        kind: ItemKind::Engagement,
                        id: id.get(),
                        version: e.version,
                        marking: e.data.marking,
                        publisher: String::new(),
                        title: e.data.title.to_string(),
                        date: Some(e.data.date),
                        url: None,
                        sha256: Vec::new(),
                        flags: Vec::new(),
                    }
                }
            };
        let marking = item.marking;
        if !self.items.iter().any(|i| i.key == key) {
            self.items.push(item);
        }
        Ok(marking)
    }

    pub(super) async fn block(
        &mut self,
        spec: &BlockSpec,
        post: &PostSlug,
        para: &str,
    ) -> Result<Block, BuildError> {
        match spec {
            BlockSpec::StatisticsFigure { title, indicator } => {
                self.figure(title.as_str(), indicator, para).await
            }
            BlockSpec::CaseTable {
                title,
                country,
                case_kind,
            } => {
                let filter = CaseFilter {
                    country: *country,
                    kind: *case_kind,
                    post: Some(post.clone()),
                    ..CaseFilter::default()
                };
                let mut cases = Vec::new();
                let mut cursor: Option<String> = None;
                loop {
                    let page = self
                        .store
                        .list::<Case>(&filter, cursor.as_deref(), 500)
                        .await?;
                    cases.extend(page.items);
                    match page.next {
                        Some(n) => cursor = Some(n),
                        None => break,
                    }
                }
                cases.sort_by_key(|c| c.id.get());
                let mut rows = Vec::new();
                let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
                for c in &cases {
                    self.case(c.id, para).await?;
                    *by_kind.entry(c.data.kind.label().to_string()).or_default() += 1;
                    rows.push(Row {
                        cells: vec![
                            c.id.to_string(),
                            c.data
                                .date
                                .map(|d| d.to_string())
                                .unwrap_or_else(|| "n.d.".into()),
                            c.data.kind.label().to_string(),
                            c.data.status.label().to_string(),
                            c.data.title.to_string(),
                            victims(c),
                        ],
                        marking: c.data.marking,
                    });
                }
                let marking = Marking::highest(rows.iter().map(|r| r.marking));
                let summary = if cases.is_empty() {
                    Vec::new()
                } else {
                    let mut s = vec![format!("{} documented cases", cases.len())];
                    s.extend(by_kind.iter().map(|(k, n)| format!("{k}: {n}")));
                    s
                };
                Ok(Block::CaseTable {
                    title: title.to_string(),
                    table: Table {
                        columns: ["Case", "Date", "Kind", "Status", "Title", "Victim parties"]
                            .map(String::from)
                            .to_vec(),
                        rows,
                        internal_columns: vec![5],
                    },
                    summary,
                    caveats: vec![SELECTION_CAVEAT.to_string()],
                    marking,
                })
            }
            BlockSpec::CaseComparison { title, cases } => {
                self.comparison(title.as_str(), cases, para).await
            }
            BlockSpec::PolicyList {
                title,
                country,
                area,
            } => {
                let filter = PolicyFilter {
                    country: *country,
                    area: *area,
                    post: Some(post.clone()),
                    ..PolicyFilter::default()
                };
                let page = self.store.list::<Policy>(&filter, None, 500).await?;
                let mut policies = page.items;
                policies.sort_by_key(|p| p.id.get());
                let mut rows = Vec::new();
                for p in &policies {
                    self.use_record(
                        "policy",
                        p.id.get(),
                        p.version,
                        &p.content_hash,
                        p.data.marking,
                        para,
                    );
                    let v = p.data.versions.iter().find(|v| v.in_force_on(self.today));
                    rows.push(Row {
                        cells: vec![
                            p.data.title.to_string(),
                            p.data.kind.label().to_string(),
                            p.data.area.label().to_string(),
                            v.map(|v| format!("{} (from {})", v.label, v.valid_from))
                                .unwrap_or_else(|| "none in force".into()),
                            v.map(|v| v.summary.to_string()).unwrap_or_default(),
                        ],
                        marking: p.data.marking,
                    });
                }
                Ok(Block::PolicyList {
                    title: title.to_string(),
                    table: Table {
                        columns: ["Policy", "Kind", "Area", "Version in force", "What it says"]
                            .map(String::from)
                            .to_vec(),
                        rows,
                        internal_columns: Vec::new(),
                    },
                    marking: Marking::highest(policies.iter().map(|p| p.data.marking)),
                })
            }
        }
    }
}

/// Victim parties of a case, described by role label only (never a name).
pub(super) fn victims(c: &Record<Case>) -> String {
    let v: Vec<String> = c
        .data
        .detail
        .parties
        .iter()
        .filter(|p| p.role.as_str() == "victim")
        .map(|p| p.label.to_string())
        .collect();
    v.join("; ")
}
