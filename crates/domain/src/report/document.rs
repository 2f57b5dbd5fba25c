//! A report as the post drafts it: cable header fields and sections of paragraphs, each
//! paragraph with its kind, marking, text, citations and perhaps a block computed from the
//! data at build time. Blocks are specifications (an indicator, a filter, a list of cases),
//! never pasted numbers.

use crate::case::CaseKind;
use crate::country::Country;
use crate::error::{FieldError, ValidationErrors};
use crate::input::{ObjectReader, kind_of};
use crate::marking::Marking;
use crate::policy::PolicyArea;
use crate::post::PostSlug;
use crate::record::RecordId;
use crate::report::clearance::ReportState;
use crate::report::template::TemplateKey;
use crate::text::NonEmptyText;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

string_enum!(
    /// What a paragraph is for.
    ParagraphKind, "paragraph kind" {
        Summary => "summary", "Summary";
        Fact => "fact", "Fact";
        Analysis => "analysis", "Analysis";
        Comment => "comment", "Comment";
    }
);

string_enum!(
    /// What a paragraph cites.
    CitedKind, "cited kind" {
        Source => "source", "Source";
        Case => "case", "Case";
        Policy => "policy", "Policy";
        Engagement => "engagement", "Engagement";
    }
);

/// A citation of a record by a paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportCitation {
    pub kind: CitedKind,
    #[serde(rename = "id")]
    #[schema(value_type = i64)]
    pub id: RecordId,
}

impl ReportCitation {
    /// `source:12`: the key renderers number citations by.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.id)
    }
}

/// A block computed at build time.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BlockSpec {
    /// An indicator request (`{"indicator": "rate" | "share" | "trend", ...}`, the statistics
    /// API's form), evaluated against the stored releases when the report is built.
    StatisticsFigure {
        #[schema(value_type = String)]
        title: NonEmptyText,
        #[schema(value_type = Object)]
        indicator: Value,
    },
    /// The cases matching a filter.
    CaseTable {
        #[schema(value_type = String)]
        title: NonEmptyText,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[schema(value_type = Option<String>)]
        country: Option<Country>,
        #[serde(skip_serializing_if = "Option::is_none")]
        case_kind: Option<CaseKind>,
    },
    /// Two or more cases side by side.
    CaseComparison {
        #[schema(value_type = String)]
        title: NonEmptyText,
        #[schema(value_type = Vec<i64>)]
        cases: Vec<RecordId>,
    },
    /// The policy register, filtered.
    PolicyList {
        #[schema(value_type = String)]
        title: NonEmptyText,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[schema(value_type = Option<String>)]
        country: Option<Country>,
        #[serde(skip_serializing_if = "Option::is_none")]
        area: Option<PolicyArea>,
    },
}

impl BlockSpec {
    pub fn title(&self) -> &str {
        match self {
            BlockSpec::StatisticsFigure { title, .. }
            | BlockSpec::CaseTable { title, .. }
            | BlockSpec::CaseComparison { title, .. }
            | BlockSpec::PolicyList { title, .. } => title.as_str(),
        }
    }

    pub fn kind_str(&self) -> &'static str {
        match self {
            BlockSpec::StatisticsFigure { .. } => "statistics_figure",
            BlockSpec::CaseTable { .. } => "case_table",
            BlockSpec::CaseComparison { .. } => "case_comparison",
            BlockSpec::PolicyList { .. } => "policy_list",
        }
    }

    /// For a figure: why it lacks a denominator, if it does. A rate and a share name theirs;
    /// a trend of counts without an exposure series has none.
    pub fn missing_denominator(&self) -> Option<&'static str> {
        match self {
            BlockSpec::StatisticsFigure { indicator, .. } => {
                match indicator.get("indicator").and_then(Value::as_str) {
                    Some("trend") if indicator.get("exposure").is_none_or(Value::is_null) => {
                        Some("a trend of counts without an exposure (population) series")
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// A paragraph's id within its report: `p` and digits (`p7`). Stable across edits, so diffs
/// and comments follow a paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
pub struct ParagraphId(String);

impl ParagraphId {
    pub fn parse(s: &str) -> Result<ParagraphId, String> {
        let s = s.trim();
        match s.strip_prefix('p') {
            Some(d) if !d.is_empty() && d.len() <= 9 && d.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(ParagraphId(s.to_string()))
            }
            _ => Err(format!("{s:?} is not a paragraph id (p and digits, as p3)")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportParagraph {
    pub id: ParagraphId,
    pub kind: ParagraphKind,
    pub marking: Marking,
    /// Markdown subset; may be empty only when the paragraph embeds a block.
    pub text: String,
    pub citations: Vec<ReportCitation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<BlockSpec>,
    /// The highest marking of what the paragraph cites and embeds, as the application layer
    /// resolved it against the stored records. Not content: never stored, never compared.
    #[serde(skip)]
    pub inherited: Inherited,
}

/// The marking a paragraph inherits from the records it cites and the block it embeds.
/// Until it is resolved, a paragraph counts as SBU: a reader path that forgot to resolve
/// withholds too much, never too little.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inherited(Option<Marking>);

impl Inherited {
    pub fn resolved(m: Marking) -> Inherited {
        Inherited(Some(m))
    }

    pub fn get(self) -> Option<Marking> {
        self.0
    }
}

/// Not content: two versions with the same text are equal whatever their citations' markings.
impl PartialEq for Inherited {
    fn eq(&self, _: &Inherited) -> bool {
        true
    }
}

impl ReportParagraph {
    /// The effective marking: the highest of the paragraph's own and of everything it cites
    /// or embeds (SBU while that is not resolved). Every reader of a report goes by this.
    pub fn effective_marking(&self) -> Marking {
        match self.inherited.0 {
            Some(m) => m.max(self.marking),
            None => Marking::SBU,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportSection {
    #[schema(value_type = String)]
    pub heading: NonEmptyText,
    pub paragraphs: Vec<ReportParagraph>,
}

/// A report: header fields for the cable, sections, and where it stands in clearance.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Report {
    #[schema(value_type = String, example = "berlin")]
    pub post: PostSlug,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    pub tasking_id: Option<RecordId>,
    /// The due date of the tasking this report answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    #[schema(value_type = String, example = "hr-classic")]
    pub template_key: TemplateKey,
    #[schema(value_type = String)]
    pub subject: NonEmptyText,
    /// Subject TAGS (`PHUM`, `PREL`); the geographic tag is added from the post's country.
    pub tags: Vec<String>,
    #[schema(value_type = Vec<String>)]
    pub refs: Vec<NonEmptyText>,
    #[schema(value_type = Vec<String>)]
    pub captions: Vec<NonEmptyText>,
    pub state: ReportState,
    /// Demo content: builds carry the demo caption and a placeholder signer.
    pub demo: bool,
    pub sections: Vec<ReportSection>,
}

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date YYYY-MM-DD"))
}

fn subject_tag(s: &str) -> Result<String, String> {
    let t = s.trim();
    if (2..=8).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        Ok(t.to_string())
    } else {
        Err(format!(
            "{s:?} is not a subject tag (2 to 8 capital letters or digits, as PHUM)"
        ))
    }
}

fn record_id(v: &Value) -> Result<RecordId, String> {
    v.as_i64().and_then(RecordId::new).ok_or_else(|| {
        format!(
            "expected a record id (a positive integer), got {}",
            kind_of(v)
        )
    })
}

fn texts(
    r: &mut ObjectReader,
    key: &'static str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Vec<NonEmptyText> {
    let mut out = Vec::new();
    for (path, v) in r.array(key) {
        match v.as_str().map(|s| one_line(s, max)) {
            Some(Ok(t)) => out.push(t),
            Some(Err(e)) => errors.push(FieldError::new(path, e)),
            None => errors.push(FieldError::new(
                path,
                format!("expected a string, got {}", kind_of(v)),
            )),
        }
    }
    out
}

/// A header field printed on one line of the cable (subject, caption, reference): a line
/// break or any other control character in it would print lines of its own (a fake
/// classification line, a fake paragraph), so it is refused.
fn one_line(s: &str, max: usize) -> Result<NonEmptyText, String> {
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(format!(
            "must be one line: it contains the control character {c:?} (a line break or tab is not allowed here)"
        ));
    }
    NonEmptyText::parse(s, max)
}

fn parse_block(v: &Value, prefix: &str) -> Result<BlockSpec, Vec<FieldError>> {
    let mut r = ObjectReader::new(v, prefix).map_err(|e| vec![e])?;
    let kind = r.req_str("kind").map(str::to_string);
    let title = r.req_parsed("title", |s| NonEmptyText::parse(s, 300));
    let block = match kind.as_deref() {
        Some("statistics_figure") => {
            let indicator = r.value("indicator").cloned();
            match &indicator {
                Some(Value::Object(o))
                    if o.get("indicator")
                        .and_then(Value::as_str)
                        .is_some_and(|k| ["rate", "share", "trend"].contains(&k)) => {}
                Some(_) => r.error(
                    "indicator",
                    "expected an indicator request with \"indicator\": rate, share or trend",
                ),
                None => r.error("indicator", "is required"),
            }
            title
                .clone()
                .zip(indicator)
                .map(|(title, indicator)| BlockSpec::StatisticsFigure { title, indicator })
        }
        Some("case_table") => {
            let country = r.opt_parsed("country", |s| Country::parse(s).map_err(|e| e.to_string()));
            let case_kind = r.opt_parsed("case_kind", CaseKind::parse);
            title.clone().map(|title| BlockSpec::CaseTable {
                title,
                country,
                case_kind,
            })
        }
        Some("case_comparison") => {
            let mut cases = Vec::new();
            let mut errs = Vec::new();
            for (path, c) in r.array("cases") {
                match record_id(c) {
                    Ok(id) if cases.contains(&id) => {
                        errs.push(FieldError::new(path, format!("case {id} is listed twice")))
                    }
                    Ok(id) => cases.push(id),
                    Err(e) => errs.push(FieldError::new(path, e)),
                }
            }
            if cases.len() < 2 && errs.is_empty() {
                r.error("cases", "a comparison needs at least two cases");
            }
            r.errors.extend(errs);
            title
                .clone()
                .map(|title| BlockSpec::CaseComparison { title, cases })
        }
        Some("policy_list") => {
            let country = r.opt_parsed("country", |s| Country::parse(s).map_err(|e| e.to_string()));
            let area = r.opt_parsed("area", PolicyArea::parse);
            title.clone().map(|title| BlockSpec::PolicyList {
                title,
                country,
                area,
            })
        }
        Some(other) => {
            r.error(
                "kind",
                format!(
                    "{other:?} is not a block kind (statistics_figure, case_table, case_comparison, policy_list)"
                ),
            );
            None
        }
        None => None,
    };
    let errors = r.finish();
    match block {
        Some(b) if errors.is_empty() => Ok(b),
        _ => Err(errors),
    }
}

fn parse_paragraph(v: &Value, prefix: &str) -> Result<ReportParagraph, Vec<FieldError>> {
    let mut r = ObjectReader::new(v, prefix).map_err(|e| vec![e])?;
    let id = r.req_parsed("id", ParagraphId::parse);
    let kind = r.req_parsed("kind", ParagraphKind::parse);
    let marking = r.req_parsed("marking", |s| Marking::parse(s).map_err(|e| e.to_string()));
    let text = r.opt_str("text").unwrap_or("").trim().to_string();
    if text.chars().count() > NonEmptyText::MAX {
        r.error(
            "text",
            format!("is longer than {} characters", NonEmptyText::MAX),
        );
    }
    let mut citations = Vec::new();
    let mut errs = Vec::new();
    for (path, c) in r.array("citations") {
        let mut cr = match ObjectReader::new(c, &path) {
            Ok(cr) => cr,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let ck = cr.req_parsed("kind", CitedKind::parse);
        let id = match cr.value("id") {
            Some(v) => match record_id(v) {
                Ok(id) => Some(id),
                Err(e) => {
                    cr.error("id", e);
                    None
                }
            },
            None => {
                cr.error("id", "is required");
                None
            }
        };
        let ce = cr.finish();
        match (ck, id) {
            (Some(kind), Some(id)) if ce.is_empty() => {
                let c = ReportCitation { kind, id };
                if citations.contains(&c) {
                    errs.push(FieldError::new(path, format!("{} is cited twice", c.key())));
                } else {
                    citations.push(c);
                }
            }
            _ => errs.extend(ce),
        }
    }
    r.errors.extend(errs);
    let block = match r.value("block") {
        None => None,
        Some(b) => {
            let path = r.path("block");
            match parse_block(b, &path) {
                Ok(b) => Some(b),
                Err(e) => {
                    r.errors.extend(e);
                    None
                }
            }
        }
    };
    if text.is_empty() && block.is_none() && r.value("block").is_none() {
        r.error("text", "a paragraph needs text or a block");
    }
    let errors = r.finish();
    match (id, kind, marking) {
        (Some(id), Some(kind), Some(marking)) if errors.is_empty() => Ok(ReportParagraph {
            id,
            kind,
            marking,
            text,
            citations,
            block,
            inherited: Inherited::default(),
        }),
        _ => Err(errors),
    }
}

impl Report {
    /// Parses a report from JSON, naming each bad field by its path
    /// (`sections[1].paragraphs[0].citations[2].id`).
    pub fn from_json(value: &Value) -> Result<Report, ValidationErrors> {
        let mut r = ObjectReader::new(value, "").map_err(ValidationErrors::one)?;
        let post = r.req_parsed("post", PostSlug::parse);
        let tasking_id = match r.value("tasking_id") {
            None => None,
            Some(v) => match record_id(v) {
                Ok(id) => Some(id),
                Err(e) => {
                    r.error("tasking_id", e);
                    None
                }
            },
        };
        let due = r.opt_parsed("due", date);
        let template_key = r.req_parsed("template_key", TemplateKey::parse);
        let subject = r.req_parsed("subject", |s| one_line(s, 300));
        let mut errs = Vec::new();
        let mut tags: Vec<String> = Vec::new();
        for (path, v) in r.array("tags") {
            match v.as_str().map(subject_tag) {
                Some(Ok(t)) if tags.contains(&t) => {
                    errs.push(FieldError::new(path, format!("{t} is listed twice")))
                }
                Some(Ok(t)) => tags.push(t),
                Some(Err(e)) => errs.push(FieldError::new(path, e)),
                None => errs.push(FieldError::new(
                    path,
                    format!("expected a string, got {}", kind_of(v)),
                )),
            }
        }
        let refs = texts(&mut r, "refs", 300, &mut errs);
        let captions = texts(&mut r, "captions", 100, &mut errs);
        let state = match r.value("state") {
            None => Some(ReportState::Draft),
            Some(v) => match serde_json::from_value::<ReportState>(v.clone()) {
                Ok(s) => Some(s),
                Err(_) => {
                    r.error(
                        "state",
                        "expected {\"state\": draft | in_clearance (with step) | cleared | published | withdrawn}",
                    );
                    None
                }
            },
        };
        let demo = r.bool_or("demo", false);
        let mut sections = Vec::new();
        let mut seen_ids: Vec<ParagraphId> = Vec::new();
        for (spath, sv) in r.array("sections") {
            let mut sr = match ObjectReader::new(sv, &spath) {
                Ok(sr) => sr,
                Err(e) => {
                    errs.push(e);
                    continue;
                }
            };
            let heading = sr.req_parsed("heading", |s| NonEmptyText::parse(s, 300));
            let mut paragraphs = Vec::new();
            for (ppath, pv) in sr.array("paragraphs") {
                match parse_paragraph(pv, &ppath) {
                    Ok(p) if seen_ids.contains(&p.id) => errs.push(FieldError::new(
                        format!("{ppath}.id"),
                        format!("paragraph id {} is used twice", p.id.as_str()),
                    )),
                    Ok(p) => {
                        seen_ids.push(p.id.clone());
                        paragraphs.push(p);
                    }
                    Err(e) => errs.extend(e),
                }
            }
            let se = sr.finish();
            match heading {
                Some(heading) if se.is_empty() => sections.push(ReportSection {
                    heading,
                    paragraphs,
                }),
                _ => errs.extend(se),
            }
        }
        r.errors.extend(errs);
        let errors = r.finish();
        match (post, template_key, subject, state) {
            (Some(post), Some(template_key), Some(subject), Some(state)) if errors.is_empty() => {
                Ok(Report {
                    post,
                    tasking_id,
                    due,
                    template_key,
                    subject,
                    tags,
                    refs,
                    captions,
                    state,
                    demo,
                    sections,
                })
            }
            _ => Err(ValidationErrors { errors }),
        }
    }

    pub fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(self).expect("a report serialises");
        // The state serialises as {"state": ...}: keep it as the object the parser reads.
        v["state"] = json!(self.state);
        v
    }

    pub fn paragraphs(&self) -> impl Iterator<Item = (&ReportSection, &ReportParagraph)> {
        self.sections
            .iter()
            .flat_map(|s| s.paragraphs.iter().map(move |p| (s, p)))
    }

    /// The next unused paragraph id.
    pub fn next_paragraph_id(&self) -> ParagraphId {
        let max = self
            .paragraphs()
            .filter_map(|(_, p)| p.id.as_str()[1..].parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        ParagraphId(format!("p{}", max + 1))
    }

    /// The same content, in the same state or another: whether two versions differ in
    /// anything but their clearance state (an edit restarts the chain; a clearance does not).
    pub fn same_content(&self, other: &Report) -> bool {
        let mut a = self.clone();
        a.state = other.state;
        &a == other
    }

    /// The problems that refuse clearance and can be seen without the store: a summary or
    /// fact paragraph that neither cites nor embeds a computed block, a figure without a
    /// denominator. Each problem names
    /// its paragraph.
    pub fn clearance_problems(&self) -> Vec<(ParagraphId, String)> {
        let mut out = Vec::new();
        for (_, p) in self.paragraphs() {
            // A block computed from the data carries its own evidence (the observations and
            // records it reads, listed in the build's manifest).
            if matches!(p.kind, ParagraphKind::Summary | ParagraphKind::Fact)
                && p.citations.is_empty()
                && p.block.is_none()
            {
                out.push((
                    p.id.clone(),
                    format!(
                        "this {} paragraph states facts but cites nothing",
                        p.kind.as_str()
                    ),
                ));
            }
            if let Some(why) = p.block.as_ref().and_then(BlockSpec::missing_denominator) {
                out.push((
                    p.id.clone(),
                    format!("the figure lacks a denominator: {why}"),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        json!({
            "post": "berlin", "template_key": "migration-impacts",
            "subject": "Migration impacts", "tags": ["PHUM", "SMIG"],
            "captions": ["SIPDIS"], "demo": true,
            "sections": [{"heading": "Crime trends", "paragraphs": [
                {"id": "p1", "kind": "summary", "marking": "U", "text": "A *b*.",
                 "citations": [{"kind": "source", "id": 1}]},
                {"id": "p2", "kind": "fact", "marking": "U", "text": "",
                 "block": {"kind": "statistics_figure", "title": "Trend",
                           "indicator": {"indicator": "trend", "count": {"dataset": "x"},
                                         "geo": "DE", "from": "2019", "to": "2023"}}}
            ]}]
        })
    }

    #[test]
    fn parses_round_trips_and_lists_problems() {
        let r = Report::from_json(&sample()).unwrap();
        assert_eq!(r.state, ReportState::Draft);
        let again = Report::from_json(&r.to_json()).unwrap();
        assert_eq!(again, r);
        assert_eq!(r.next_paragraph_id().as_str(), "p3");
        let problems = r.clearance_problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0.as_str(), "p2");
        assert!(problems[0].1.contains("denominator"));
        let mut uncited = r.clone();
        uncited.sections[0].paragraphs[0].citations.clear();
        let problems = uncited.clearance_problems();
        assert_eq!(problems[0].0.as_str(), "p1");
        assert!(problems[0].1.contains("cites nothing"));
        let mut cleared = r.clone();
        cleared.state = ReportState::Cleared;
        assert!(cleared.same_content(&r));
    }

    #[test]
    fn bad_fields_are_named_by_path() {
        let mut v = sample();
        v["tags"] = json!(["phum"]);
        v["sections"][0]["paragraphs"][0]["citations"][0]["id"] = json!(0);
        v["sections"][0]["paragraphs"][1]["id"] = json!("p1");
        v["sections"][0]["paragraphs"][1]["block"] =
            json!({"kind": "case_comparison", "title": "x", "cases": [3]});
        let e = Report::from_json(&v).unwrap_err();
        let fields: Vec<String> = e.errors.iter().filter_map(|e| e.field.clone()).collect();
        assert!(fields.contains(&"tags[0]".to_string()), "{fields:?}");
        assert!(
            fields.contains(&"sections[0].paragraphs[0].citations[0].id".to_string()),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"sections[0].paragraphs[1].block.cases".to_string()),
            "{fields:?}"
        );
    }
}
