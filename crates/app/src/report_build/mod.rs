//! Report builds: resolve a report's current version against the store (cited records at
//! their current versions, blocks evaluated against the stored statistics releases and
//! records) into a [`Snapshot`], store it as a build, and render any build in any format
//! from its snapshot alone — so re-rendering a build is byte-identical.

use chancery_domain::report::{Report, Template};
use chancery_domain::source::SourceStatus;
use chancery_domain::{Case, Marking, Record, RecordId, Source};
use chancery_report::doc::{DEMO_CAPTION, DEMO_SIGNER, Para, ParaKind, RenderDoc, Section};
use chancery_report::{cable, html, markdown, pdf};
use chancery_store::{AuditCtx, ReportBuild, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

mod comparison;
mod figures;
mod resolve;

use resolve::Builder;

/// A record a build used, at the version it used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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
    #[schema(value_type = Option<Vec<Object>>)]
    pub outcomes: Option<Value>,
}

/// A statistics observation a figure used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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

/// A number as printed in reports: thousands separators, integers without decimals, others
/// to at most two places.
pub fn fmt_num(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 && x.abs() < 1e15 {
        chancery_report::chart::format_number(x.round(), 0)
    } else {
        chancery_report::chart::format_number(x, 2)
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
            // The effective marking the readers of the report go by (resolved when the report
            // was loaded), raised further by anything the build finds.
            let mut marking = p.effective_marking();
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

/// Something a build used that has changed since: which record, at what marking the build
/// used it, and what happened.
#[derive(Debug, Clone)]
pub struct Flag {
    pub kind: &'static str,
    pub id: RecordId,
    pub marking: Marking,
    pub text: String,
}

/// Why a build (or a report using the same records now) needs attention: cited sources since
/// retracted, cases whose outcomes changed since the build (a verdict overturned on appeal).
/// Each flag names its record; the caller shows only those its reader may see.
pub async fn flags(store: &Store, snap: &Snapshot) -> Result<Vec<Flag>, StoreError> {
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
                    out.push(Flag {
                        kind: "source",
                        id,
                        marking: r.marking.max(s.data.marking),
                        text: format!("source {} has been retracted since it was cited", r.id),
                    });
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
                        out.push(Flag {
                            kind: "case",
                            id,
                            marking: r.marking.max(c.data.marking),
                            text: format!(
                                "case {}: its outcomes changed since the build (version {} to {}): a verdict may have been overturned",
                                r.id, r.version, c.version
                            ),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}
