//! Report builds: resolve a report's current version against the store (cited records at
//! their current versions, blocks evaluated against the stored statistics releases and
//! records) into a [`Snapshot`], store it as a build, and render any build in any format
//! from its snapshot alone — so re-rendering a build is byte-identical.

use crate::statistics::{IndicatorRequest, evaluate};
use chancery_domain::case_summary::SELECTION_CAVEAT;
use chancery_domain::report::{BlockSpec, CitedKind, Report, Template};
use chancery_domain::source::SourceStatus;
use chancery_domain::{Case, Engagement, Marking, Policy, PostSlug, Record, RecordId, Source};
use chancery_report::doc::{
    Block, DEMO_CAPTION, DEMO_SIGNER, Item, ItemKind, Para, ParaKind, RenderDoc, Row, Section,
    Table,
};
use chancery_report::{cable, chart, html, markdown, pdf};
use chancery_store::CaseFilter;
use chancery_store::{AuditCtx, PolicyFilter, ReportBuild, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A record a build used, at the version it used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordUse {
    pub kind: String,
    pub id: i64,
    pub version: i64,
    pub content_hash: String,
    pub marking: Marking,
    /// Sources: the sha256 of each archived copy.
    #[serde(default)]
    pub archive_sha256: Vec<String>,
    /// The paragraphs that cite or embed it.
    pub paragraphs: Vec<String>,
    /// Cases: the outcomes at this version (so a later change of verdict is seen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcomes: Option<Value>,
}

/// A statistics observation a figure used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationUse {
    pub id: String,
    pub release_id: i64,
    pub series_id: i64,
    pub dims: BTreeMap<String, String>,
    pub period: String,
    pub value: Option<f64>,
    pub flags: String,
    pub paragraph: String,
}

/// Everything a build pinned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub doc: RenderDoc,
    pub records: Vec<RecordUse>,
    pub observations: Vec<ObservationUse>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
    Cable,
    Markdown,
    Manifest,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "html" => Ok(Format::Html),
            "pdf" => Ok(Format::Pdf),
            "cable" | "txt" => Ok(Format::Cable),
            "md" | "markdown" => Ok(Format::Markdown),
            "manifest" | "json" => Ok(Format::Manifest),
            other => Err(format!(
                "{other:?} is not a format (html, pdf, cable, md, manifest)"
            )),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Cable => "text/plain; charset=utf-8",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Manifest => "application/json",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Cable => "txt",
            Format::Markdown => "md",
            Format::Manifest => "json",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The template a key names: headquarters' edited copy, else the shipped one.
pub async fn effective_template(store: &Store, key: &str) -> Result<Option<Template>, StoreError> {
    let page = store
        .list::<Template>(
            &chancery_store::TemplateFilter {
                key: Some(key.to_string()),
            },
            None,
            1,
        )
        .await?;
    Ok(match page.items.into_iter().next() {
        Some(r) => Some(r.data),
        None => Template::shipped_by_key(key),
    })
}

fn para_kind(k: chancery_domain::report::ParagraphKind) -> ParaKind {
    use chancery_domain::report::ParagraphKind as K;
    match k {
        K::Summary => ParaKind::Summary,
        K::Fact => ParaKind::Fact,
        K::Analysis => ParaKind::Analysis,
        K::Comment => ParaKind::Comment,
    }
}

struct Builder<'a> {
    store: &'a Store,
    today: NaiveDate,
    items: Vec<Item>,
    records: Vec<RecordUse>,
    observations: Vec<ObservationUse>,
}

impl Builder<'_> {
    fn use_record(
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

    async fn case(&mut self, id: RecordId, para: &str) -> Result<Record<Case>, BuildError> {
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
    async fn cite(
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

    async fn block(
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
                let mut rows = Vec::new();
                let mut loaded = Vec::new();
                for id in cases {
                    let c = self.case(*id, para).await?;
                    let outcomes: Vec<String> = c
                        .data
                        .detail
                        .outcomes
                        .iter()
                        .map(|o| {
                            let offences: Vec<String> = o
                                .outcome
                                .offences
                                .iter()
                                .map(|f| f.label.to_string())
                                .collect();
                            let verdict = match &o.outcome.verdict {
                                chancery_domain::severity::Verdict::Convicted { .. } => {
                                    let parts: Vec<String> = o
                                        .outcome
                                        .sentence()
                                        .map(|s| {
                                            s.components()
                                                .iter()
                                                .map(crate::case_pages::component_text)
                                                .collect()
                                        })
                                        .unwrap_or_default();
                                    format!("convicted: {}", parts.join(", "))
                                }
                                chancery_domain::severity::Verdict::Acquitted => "acquitted".into(),
                                chancery_domain::severity::Verdict::Discontinued => {
                                    "discontinued".into()
                                }
                            };
                            format!("{} — {verdict}", offences.join("; "))
                        })
                        .collect();
                    rows.push(Row {
                        cells: vec![
                            c.id.to_string(),
                            c.data.title.to_string(),
                            c.data
                                .date
                                .map(|d| d.to_string())
                                .unwrap_or_else(|| "n.d.".into()),
                            c.data.status.label().to_string(),
                            if outcomes.is_empty() {
                                "no outcome recorded".into()
                            } else {
                                outcomes.join(" | ")
                            },
                            victims(&c),
                        ],
                        marking: c.data.marking,
                    });
                    loaded.push(c);
                }
                let mut caveats = vec![SELECTION_CAVEAT.to_string()];
                if let (Some(a), Some(b)) = (loaded.first(), loaded.get(1))
                    && let (Some(oa), Some(ob)) = (
                        a.data.detail.outcomes.first(),
                        b.data.detail.outcomes.first(),
                    )
                {
                    let ctx = chancery_domain::severity::CompareContext {
                        label_a: a.data.title.to_string(),
                        label_b: b.data.title.to_string(),
                        notes: Vec::new(),
                    };
                    let cmp = chancery_domain::severity::compare(&oa.outcome, &ob.outcome, &ctx);
                    caveats.extend(cmp.caveats.iter().map(|c| c.detail.clone()));
                }
                let marking = Marking::highest(rows.iter().map(|r| r.marking));
                Ok(Block::CaseComparison {
                    title: title.to_string(),
                    table: Table {
                        columns: [
                            "Case",
                            "Title",
                            "Date",
                            "Status",
                            "Outcomes",
                            "Victim parties",
                        ]
                        .map(String::from)
                        .to_vec(),
                        rows,
                        internal_columns: vec![5],
                    },
                    caveats,
                    marking,
                })
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

    /// The data lines of a figure (`Data: publisher, title (code; release N)`) and whether
    /// any dataset it reads is synthetic.
    async fn data_sources(
        &self,
        indicator: &Value,
        answer: &Value,
    ) -> Result<(Vec<String>, bool), BuildError> {
        let mut codes: Vec<String> = Vec::new();
        if let Some(o) = indicator.as_object() {
            for v in o.values() {
                if let Some(code) = v["dataset"].as_str() {
                    let code = code.trim().to_lowercase();
                    if !codes.contains(&code) {
                        codes.push(code);
                    }
                }
            }
        }
        let mut releases: Vec<i64> = answer["observations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["release_id"].as_i64())
            .collect();
        releases.sort_unstable();
        releases.dedup();
        let mut lines = Vec::new();
        let mut synthetic = false;
        for code in codes {
            let Some(meta) = self.store.dataset(&code).await? else {
                continue;
            };
            let said = |x: &Option<String>| x.as_deref().is_some_and(|t| t.contains("SYNTHETIC"));
            if said(&meta.title) || said(&meta.publisher) || said(&meta.notes) {
                synthetic = true;
            }
            let mut line = format!(
                "Data: {}, {} ({code}",
                meta.publisher
                    .as_deref()
                    .unwrap_or("publisher not recorded"),
                meta.title.as_deref().unwrap_or("untitled dataset"),
            );
            let mut mine = Vec::new();
            for r in &releases {
                if let Some(info) = self.store.release(*r).await?
                    && info.dataset == code
                {
                    mine.push(format!("{} of {}", r, info.imported_at.format("%Y-%m-%d")));
                }
            }
            if !mine.is_empty() {
                line.push_str(&format!("; release {}", mine.join(", ")));
            }
            line.push_str(").");
            lines.push(line);
        }
        if synthetic {
            lines.insert(
                0,
                "SYNTHETIC data: these numbers are made up for illustration and are not official figures."
                    .to_string(),
            );
        }
        Ok((lines, synthetic))
    }

    async fn figure(
        &mut self,
        title: &str,
        indicator: &Value,
        para: &str,
    ) -> Result<Block, BuildError> {
        let req: IndicatorRequest = serde_json::from_value(indicator.clone()).map_err(|e| {
            BuildError::Invalid(format!(
                "paragraph {para}: the figure's indicator request is not valid: {e}"
            ))
        })?;
        let answer = evaluate(self.store, &req).await.map_err(|e| match e {
            crate::statistics::EvalError::Unmet(m) => {
                BuildError::Invalid(format!("paragraph {para}: {m}"))
            }
            crate::statistics::EvalError::Store(s) => BuildError::Store(s),
        })?;
        for o in answer["observations"].as_array().into_iter().flatten() {
            self.observations.push(ObservationUse {
                id: o["id"].as_str().unwrap_or_default().to_string(),
                release_id: o["release_id"].as_i64().unwrap_or_default(),
                series_id: o["series_id"].as_i64().unwrap_or_default(),
                dims: serde_json::from_value(o["dims"].clone()).unwrap_or_default(),
                period: o["period"].as_str().unwrap_or_default().to_string(),
                value: o["value"].as_f64(),
                flags: o["flags"].as_str().unwrap_or_default().to_string(),
                paragraph: para.to_string(),
            });
        }
        let refusal = answer["refusal"]["message"].as_str().map(str::to_string);
        let r = &answer["result"];
        // Where the numbers come from, first: each dataset's publisher and title with the
        // releases used; synthetic data says so whatever the drafter's title says.
        let (data_lines, synthetic) = self.data_sources(indicator, &answer).await?;
        let n_data = data_lines.len();
        let mut caveats: Vec<String> = data_lines;
        caveats.extend(
            r["caveats"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["text"].as_str().map(str::to_string)),
        );
        let n = |v: &Value| v.as_f64().map(fmt_num).unwrap_or_else(|| "n/a".into());
        let ci = |i: &Value, scale: f64| match (i["lower"].as_f64(), i["upper"].as_f64()) {
            (Some(a), Some(b)) => format!("{} to {}", fmt_num(a * scale), fmt_num(b * scale)),
            _ => "n/a".into(),
        };
        let mut table = Table::default();
        let mut svg = None;
        if refusal.is_none() {
            match answer["indicator"].as_str() {
                Some("rate") => {
                    table.columns = [
                        "Group",
                        "Basis",
                        "Period",
                        "Count",
                        "Denominator",
                        "Rate",
                        "95% interval",
                        "Flags",
                    ]
                    .map(String::from)
                    .to_vec();
                    table.rows.push(Row {
                        cells: vec![
                            text(&r["numerator"]["label"]),
                            r["basis"].as_str().unwrap_or_default().replace('_', " "),
                            text(&r["period"]),
                            n(&r["count"]),
                            n(&r["denominator_value"]),
                            format!(
                                "{} {}",
                                n(&r["value"]),
                                r["per_label"].as_str().unwrap_or_default()
                            ),
                            ci(&r["interval"], 1.0),
                            text(&r["flags"]),
                        ],
                        marking: Marking::U,
                    });
                }
                Some("share") => {
                    table.columns = [
                        "Part",
                        "Whole",
                        "Period",
                        "Part count",
                        "Whole count",
                        "Share %",
                        "95% interval %",
                        "Flags",
                    ]
                    .map(String::from)
                    .to_vec();
                    table.rows.push(Row {
                        cells: vec![
                            text(&r["part"]["label"]),
                            text(&r["whole"]["label"]),
                            text(&r["period"]),
                            n(&r["part_count"]),
                            n(&r["whole_count"]),
                            n(&r["percent"]),
                            ci(&r["interval"], 100.0),
                            text(&r["flags"]),
                        ],
                        marking: Marking::U,
                    });
                }
                _ => {
                    let with_exposure = r["points"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|p| !p["exposure"].is_null());
                    table.columns = if with_exposure {
                        ["Period", "Count", "Population", "Per 100,000", "Flags"]
                            .map(String::from)
                            .to_vec()
                    } else {
                        ["Period", "Count", "Flags"].map(String::from).to_vec()
                    };
                    let mut points = Vec::new();
                    for p in r["points"].as_array().into_iter().flatten() {
                        let period = p["count"]["period"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string();
                        let count = p["count"]["value"].as_f64();
                        let exposure = p["exposure"]["value"].as_f64();
                        let mut flags = String::new();
                        for f in [&p["count"]["flags"], &p["exposure"]["flags"]] {
                            for ch in f.as_str().unwrap_or_default().chars() {
                                if !flags.contains(ch) {
                                    flags.push(ch);
                                }
                            }
                        }
                        let value = if with_exposure {
                            count
                                .zip(exposure)
                                .filter(|(_, e)| *e > 0.0)
                                .map(|(c, e)| c / e * 100_000.0)
                        } else {
                            count
                        };
                        let mut cells = vec![
                            period.clone(),
                            count.map(fmt_num).unwrap_or_else(|| "n/a".into()),
                        ];
                        if with_exposure {
                            cells.push(exposure.map(fmt_num).unwrap_or_else(|| "n/a".into()));
                            cells.push(value.map(fmt_num).unwrap_or_else(|| "n/a".into()));
                        }
                        cells.push(flags.clone());
                        table.rows.push(Row {
                            cells,
                            marking: Marking::U,
                        });
                        points.push(chart::Point {
                            period,
                            value,
                            lower: None,
                            upper: None,
                            flags,
                        });
                    }
                    let fit = &r["fit"];
                    let mut trend_caveats = Vec::new();
                    if let Some(ch) = fit["annual_change"].as_f64() {
                        trend_caveats.push(format!(
                            "Fitted change per year: {}% (95% interval {}%, quasi-Poisson, {} points).",
                            fmt_num(ch * 100.0),
                            ci(&fit["quasi_interval"], 100.0),
                            fit["n"].as_u64().unwrap_or_default()
                        ));
                    }
                    let spec = chart::ChartSpec {
                        title: title.to_string(),
                        y_label: if with_exposure {
                            "per 100,000".into()
                        } else {
                            "count".into()
                        },
                        lines: vec![chart::Line {
                            // One line: the y axis says what is drawn and the data line
                            // names the series, so no legend covers the line.
                            label: String::new(),
                            points,
                        }],
                        synthetic,
                    };
                    svg = chart::line_chart_svg(&spec).ok();
                    // The data lines first, then the fit, then the indicator's caveats.
                    let mut all = caveats;
                    all.splice(n_data..n_data, trend_caveats);
                    return Ok(Block::Figure {
                        title: title.to_string(),
                        svg,
                        table,
                        caveats: all,
                        refusal,
                        marking: Marking::U,
                    });
                }
            }
        }
        Ok(Block::Figure {
            title: title.to_string(),
            svg,
            table,
            caveats,
            refusal,
            marking: Marking::U,
        })
    }
}

/// A JSON string member as text ("" when absent).
fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// Victim parties of a case, described by role label only (never a name).
fn victims(c: &Record<Case>) -> String {
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

/// A number as printed in reports: integers without decimals, others to two places.
pub fn fmt_num(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 && x.abs() < 1e15 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.2}")
    }
}

/// Resolves a report at its current version into a snapshot. `build_id` and `built_at` are
/// the build's own.
pub async fn snapshot(
    store: &Store,
    report: &Record<Report>,
    build_id: i64,
    built_at: DateTime<Utc>,
) -> Result<Snapshot, BuildError> {
    let r = &report.data;
    let post = store
        .get_post(&r.post)
        .await?
        .ok_or_else(|| BuildError::Invalid(format!("post {} no longer exists", r.post)))?;
    let template = effective_template(store, r.template_key.as_str()).await?;
    let mut b = Builder {
        store,
        today: built_at.date_naive(),
        items: Vec::new(),
        records: Vec::new(),
        observations: Vec::new(),
    };
    let mut sections = Vec::new();
    for s in &r.sections {
        let mut paragraphs = Vec::new();
        for p in &s.paragraphs {
            let pid = p.id.as_str();
            let mut marking = p.marking;
            let mut citations = Vec::new();
            for c in &p.citations {
                marking = marking.max(b.cite(c.kind, c.id, pid).await?);
                citations.push(c.key());
            }
            let block = match &p.block {
                Some(spec) => {
                    let blk = b.block(spec, &r.post, pid).await?;
                    marking = marking.max(blk.marking());
                    Some(blk)
                }
                None => None,
            };
            paragraphs.push(Para {
                id: pid.to_string(),
                kind: para_kind(p.kind),
                marking: p.marking,
                effective_marking: marking,
                text: p.text.clone(),
                citations,
                block,
            });
        }
        sections.push(Section {
            heading: s.heading.to_string(),
            paragraphs,
        });
    }
    let mut tags = r.tags.clone();
    if let Some(geo) = chancery_report::geo_tag(post.country)
        && !tags.iter().any(|t| t == geo)
    {
        tags.push(geo.to_string());
    }
    let mut captions: Vec<String> = r.captions.iter().map(|c| c.to_string()).collect();
    if r.demo && !captions.iter().any(|c| c == DEMO_CAPTION) {
        captions.push(DEMO_CAPTION.to_string());
    }
    let doc = RenderDoc {
        report_id: report.id.get(),
        report_version: report.version,
        build_id,
        built_at,
        title: template
            .map(|t| t.title.to_string())
            .unwrap_or_else(|| r.template_key.to_string()),
        post: r.post.to_string(),
        post_name: format!("{} {}", post.kind.label(), post.city),
        country: post.country.name().to_string(),
        subject: r.subject.to_string(),
        tags,
        refs: r.refs.iter().map(|x| x.to_string()).collect(),
        captions,
        signer: if r.demo {
            DEMO_SIGNER.to_string()
        } else {
            post.signer_surname.to_string()
        },
        demo: r.demo,
        state: r.state.as_str().to_string(),
        public: false,
        sections,
        items: b.items,
    };
    Ok(Snapshot {
        doc,
        records: b.records,
        observations: b.observations,
    })
}

/// Makes a build of the report's current version and returns it.
pub async fn build(
    store: &Store,
    report: &Record<Report>,
    ctx: &AuditCtx,
) -> Result<ReportBuild, BuildError> {
    // Resolve first (so a broken reference refuses the build before anything is written),
    // then store it under the build's id, in one transaction. Whole seconds: the time is
    // printed in outputs and must read back identically from either backend.
    let at = DateTime::from_timestamp(Utc::now().timestamp(), 0).expect("a valid time");
    let snap = snapshot(store, report, 0, at).await?;
    Ok(store
        .add_report_build(report.id, report.version, at, ctx, |id| {
            let mut s = snap.clone();
            s.doc.build_id = id;
            serde_json::to_string(&s).expect("a snapshot serialises")
        })
        .await?)
}

/// Reads a build's snapshot.
pub fn read_snapshot(build: &ReportBuild) -> Result<Snapshot, BuildError> {
    serde_json::from_str(&build.snapshot).map_err(|e| {
        BuildError::Invalid(format!(
            "build {} has an unreadable snapshot: {e}",
            build.id
        ))
    })
}

/// The manifest of a build (public: only what the public edition uses).
pub fn manifest(build: &ReportBuild, snap: &Snapshot, public: bool) -> String {
    let doc = if public {
        snap.doc.public()
    } else {
        snap.doc.clone()
    };
    let kept: Vec<&str> = doc.paragraphs().map(|p| p.id.as_str()).collect();
    let records: Vec<&RecordUse> = snap
        .records
        .iter()
        .filter(|r| r.paragraphs.iter().any(|p| kept.contains(&p.as_str())))
        .filter(|r| !public || r.marking == Marking::U)
        .collect();
    let observations: Vec<&ObservationUse> = snap
        .observations
        .iter()
        .filter(|o| kept.contains(&o.paragraph.as_str()))
        .collect();
    let m = json!({
        "report_id": doc.report_id,
        "report_version": doc.report_version,
        "build_id": build.id,
        "built_at": doc.built_at,
        "snapshot_sha256": build.snapshot_sha256,
        "edition": if public { "public" } else { "internal" },
        "banner": doc.banner().as_str(),
        "records": records,
        "observations": observations,
    });
    let mut s = serde_json::to_string_pretty(&m).expect("a manifest serialises");
    s.push('\n');
    s
}

/// Renders a build. `public` selects the public edition.
pub fn render(build: &ReportBuild, format: Format, public: bool) -> Result<Vec<u8>, BuildError> {
    let snap = read_snapshot(build)?;
    let doc = if public {
        snap.doc.public()
    } else {
        snap.doc.clone()
    };
    Ok(match format {
        Format::Html => html::render(&doc).into_bytes(),
        Format::Markdown => markdown::render(&doc).into_bytes(),
        Format::Cable => cable::render_doc(&doc).into_bytes(),
        Format::Manifest => manifest(build, &snap, public).into_bytes(),
        Format::Pdf => pdf::render(&doc).map_err(|e| BuildError::Invalid(format!("PDF: {e}")))?,
    })
}

/// What changed between two builds, paragraph by paragraph: `(paragraph id, change, detail)`.
pub fn diff(a: &Snapshot, b: &Snapshot) -> Vec<(String, &'static str, String)> {
    let pa: BTreeMap<&str, &Para> = a.doc.paragraphs().map(|p| (p.id.as_str(), p)).collect();
    let pb: BTreeMap<&str, &Para> = b.doc.paragraphs().map(|p| (p.id.as_str(), p)).collect();
    let mut out = Vec::new();
    let order: Vec<&str> = {
        let mut o: Vec<&str> = a.doc.paragraphs().map(|p| p.id.as_str()).collect();
        for p in b.doc.paragraphs() {
            if !o.contains(&p.id.as_str()) {
                o.push(p.id.as_str());
            }
        }
        o
    };
    for id in order {
        match (pa.get(id), pb.get(id)) {
            (Some(_), None) => out.push((id.to_string(), "removed", String::new())),
            (None, Some(p)) => out.push((
                id.to_string(),
                "added",
                chancery_report::markup::plain(&p.text),
            )),
            (Some(x), Some(y)) if x != y => {
                let mut what = Vec::new();
                if x.text != y.text {
                    what.push(format!(
                        "text: \"{}\" -> \"{}\"",
                        chancery_report::markup::plain(&x.text),
                        chancery_report::markup::plain(&y.text)
                    ));
                }
                if x.effective_marking != y.effective_marking || x.marking != y.marking {
                    what.push(format!(
                        "marking: {} -> {}",
                        x.effective_marking.as_str(),
                        y.effective_marking.as_str()
                    ));
                }
                if x.kind != y.kind {
                    what.push(format!("kind: {} -> {}", x.kind.as_str(), y.kind.as_str()));
                }
                if x.citations != y.citations {
                    what.push(format!(
                        "citations: {} -> {}",
                        x.citations.join(", "),
                        y.citations.join(", ")
                    ));
                }
                if x.block != y.block {
                    what.push("computed block changed (data or specification)".to_string());
                }
                out.push((id.to_string(), "changed", what.join("; ")));
            }
            _ => {}
        }
    }
    out
}

/// Why a build (or a report using the same records now) needs attention: cited sources since
/// retracted, cases whose outcomes changed since the build (a verdict overturned on appeal).
pub async fn flags(store: &Store, snap: &Snapshot) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    for r in &snap.records {
        let Some(id) = RecordId::new(r.id) else {
            continue;
        };
        match r.kind.as_str() {
            "source" => {
                if let Some(s) = store.get::<Source>(id).await?
                    && s.data.status == SourceStatus::Retracted
                {
                    out.push(format!(
                        "source {} has been retracted since it was cited",
                        r.id
                    ));
                }
            }
            "case" => {
                if let Some(c) = store.get::<Case>(id).await? {
                    let now = json!(
                        c.data
                            .detail
                            .outcomes
                            .iter()
                            .map(|o| o.outcome.to_json())
                            .collect::<Vec<_>>()
                    );
                    if r.outcomes.as_ref().is_some_and(|o| *o != now) {
                        out.push(format!(
                            "case {}: its outcomes changed since the build (version {} to {}): a verdict may have been overturned",
                            r.id, r.version, c.version
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}
