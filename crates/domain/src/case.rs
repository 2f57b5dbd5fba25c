//! Cases: what a post documents. Owned by one post; cites sources.

use crate::case_detail::CaseDetail;
use crate::country::Country;
use crate::date::{DatePrecision, FuzzyDate, PartialDate};
use crate::error::{FieldError, ValidationErrors};
use crate::input::ObjectReader;
use crate::marking::Marking;
use crate::post::PostSlug;
use crate::record::RecordId;
use crate::text::NonEmptyText;
use serde::{Deserialize, Serialize};
use serde_json::Value;

string_enum!(
    /// What kind of matter a case documents.
    CaseKind, "case kind" {
        CriminalCase => "criminal_case", "Criminal case";
        SpeechCase => "speech_case", "Speech case (investigated, charged or penalised for speech)";
        ImmigrationDecision => "immigration_decision", "Immigration decision";
        PublicSafetyIncident => "public_safety_incident", "Public-safety incident";
        Inquiry => "inquiry", "Official inquiry into a pattern of offences";
    }
);

string_enum!(
    /// Where the proceedings stand, as far as the sources say.
    CaseStatus, "status" {
        Investigation => "investigation", "Under investigation";
        Charged => "charged", "Charged";
        FirstInstance => "first_instance", "Decided at first instance";
        Appeal => "appeal", "On appeal";
        Final => "final", "Final";
        Unknown => "unknown", "Unknown";
    }
);

string_enum!(
    /// How two cases relate.
    CaseRelation, "relation" {
        Related => "related", "Related";
        SameIncident => "same_incident", "Same incident";
        SameProceedings => "same_proceedings", "Decided in the same proceedings";
        AppealOf => "appeal_of", "Appeal of";
        Comparison => "comparison", "Compared with";
    }
);

/// A citation: a source plus an optional pinpoint (page, paragraph or verbatim quote).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Citation {
    #[schema(value_type = i64)]
    pub source_id: RecordId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// An English translation of a quote in another language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote_en: Option<String>,
    /// Credibility of the information on the Admiralty scale: 1 (confirmed by other sources)
    /// to 6 (truth cannot be judged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credibility: Option<u8>,
}

impl Citation {
    pub const PINPOINT_MAX: usize = 100;
    pub const QUOTE_MAX: usize = 2_000;

    pub(crate) fn read(value: &Value, path: &str) -> Result<Citation, Vec<FieldError>> {
        let mut r = ObjectReader::new(value, path).map_err(|e| vec![e])?;
        let source_id = r.opt_id("source_id");
        if source_id.is_none() && r.errors.is_empty() {
            r.error("source_id", "is required");
        }
        let pin =
            |max: usize| move |s: &str| NonEmptyText::parse(s, max).map(|t| t.as_str().to_string());
        let page = r.opt_parsed("page", pin(Self::PINPOINT_MAX));
        let paragraph = r.opt_parsed("paragraph", pin(Self::PINPOINT_MAX));
        let quote = r.opt_parsed("quote", pin(Self::QUOTE_MAX));
        let quote_en = r.opt_parsed("quote_en", pin(Self::QUOTE_MAX));
        let credibility = match r.opt_id("credibility") {
            Some(n) if (1..=6).contains(&n) => Some(n as u8),
            Some(n) => {
                r.error(
                    "credibility",
                    format!("{n} is not an Admiralty credibility from 1 to 6"),
                );
                None
            }
            None => None,
        };
        let errors = r.finish();
        match source_id.and_then(RecordId::new) {
            Some(source_id) if errors.is_empty() => Ok(Citation {
                source_id,
                page,
                paragraph,
                quote,
                quote_en,
                credibility,
            }),
            _ => Err(errors),
        }
    }
}

/// A link from one case to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseLink {
    #[schema(value_type = i64)]
    pub case_id: RecordId,
    pub relation: CaseRelation,
}

impl CaseLink {
    fn read(value: &Value, path: &str) -> Result<CaseLink, Vec<FieldError>> {
        let mut r = ObjectReader::new(value, path).map_err(|e| vec![e])?;
        let case_id = r.opt_id("case_id");
        if case_id.is_none() && r.errors.is_empty() {
            r.error("case_id", "is required");
        }
        let relation = r.req_parsed("relation", CaseRelation::parse);
        let errors = r.finish();
        match (case_id.and_then(RecordId::new), relation) {
            (Some(case_id), Some(relation)) if errors.is_empty() => {
                Ok(CaseLink { case_id, relation })
            }
            _ => Err(errors),
        }
    }
}

/// A documented case, owned by one post. Later issues deepen it (parties, offences, outcomes);
/// new members are added as optional so that stored versions stay readable.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Case {
    #[schema(value_type = String, example = "berlin")]
    pub post: PostSlug,
    pub kind: CaseKind,
    #[schema(value_type = String, example = "DE")]
    pub country: Country,
    #[schema(value_type = String)]
    pub title: NonEmptyText,
    #[schema(value_type = String)]
    pub summary: NonEmptyText,
    /// The summary's own marking: never below the record's. A `U` case may carry an `SBU`
    /// summary, which users without SBU access do not see.
    #[schema(value_type = String, example = "SBU")]
    pub summary_marking: Marking,
    pub date: Option<FuzzyDate>,
    pub status: CaseStatus,
    #[schema(value_type = String, example = "SBU")]
    pub marking: Marking,
    /// At least one: a case states facts, and every fact has a source.
    pub citations: Vec<Citation>,
    pub links: Vec<CaseLink>,
    /// Court, timeline, offences, parties, outcomes, tags, incident: all optional.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub detail: CaseDetail,
}

impl Case {
    pub const TITLE_MAX: usize = 300;
    pub const MAX_CITATIONS: usize = 200;

    /// Parses a case from a JSON object (or a form turned into one). An absent marking reads
    /// SBU: case records about crimes, asylum and expulsion are SBU by default.
    pub fn from_json(value: &Value) -> Result<Case, ValidationErrors> {
        let mut r = ObjectReader::new(value, "").map_err(ValidationErrors::one)?;
        let post = r.req_parsed("post", PostSlug::parse);
        let kind = r.req_parsed("kind", CaseKind::parse);
        let country = r.req_parsed("country", |s| Country::parse(s).map_err(|e| e.to_string()));
        let title = r.req_parsed("title", |s| NonEmptyText::parse(s, Case::TITLE_MAX));
        let summary = r.req_parsed("summary", |s| NonEmptyText::parse(s, NonEmptyText::MAX));
        let date = match r.value("date") {
            None => None,
            Some(v) => read_date(v, &r.path("date"), &mut r.errors),
        };
        let status = r
            .opt_parsed("status", CaseStatus::parse)
            .unwrap_or(CaseStatus::Unknown);
        let marking = r
            .opt_parsed("marking", |s| Marking::parse(s).map_err(|e| e.to_string()))
            .unwrap_or(Marking::SBU);
        let summary_marking = r
            .opt_parsed("summary_marking", |s| {
                Marking::parse(s).map_err(|e| e.to_string())
            })
            .unwrap_or(marking);
        if summary_marking < marking {
            r.error(
                "summary_marking",
                format!("a field cannot be marked below its record ({marking})"),
            );
        }
        let mut citations = Vec::new();
        let items = r.array("citations");
        if items.is_empty()
            && r.errors
                .iter()
                .all(|e| e.field.as_deref() != Some("citations"))
        {
            r.error(
                "citations",
                "a case needs at least one citation to a source",
            );
        }
        if items.len() > Self::MAX_CITATIONS {
            r.error(
                "citations",
                format!("at most {} citations", Self::MAX_CITATIONS),
            );
        }
        for (path, v) in items {
            match Citation::read(v, &path) {
                Ok(c) => citations.push(c),
                Err(es) => r.errors.extend(es),
            }
        }
        let mut links = Vec::new();
        for (path, v) in r.array("links") {
            match CaseLink::read(v, &path) {
                Ok(l) => links.push(l),
                Err(es) => r.errors.extend(es),
            }
        }
        let detail = CaseDetail::read(&mut r);
        let victim_declared = value["parties"].as_array().is_some_and(|ps| {
            ps.iter()
                .any(|p| p["role"].as_str().is_some_and(|r| r.trim() == "victim"))
        });
        if (detail.has_victims() || victim_declared) && marking != Marking::SBU {
            r.error(
                "marking",
                "a case that records a victim party is SBU (victims are never shown at U)",
            );
        }
        let errors = r.finish();
        match (post, kind, country, title, summary) {
            (Some(post), Some(kind), Some(country), Some(title), Some(summary))
                if errors.is_empty() =>
            {
                Ok(Case {
                    post,
                    kind,
                    country,
                    title,
                    summary,
                    summary_marking,
                    date,
                    status,
                    marking,
                    citations,
                    links,
                    detail,
                })
            }
            _ => Err(ValidationErrors { errors }),
        }
    }

    /// Every citation in the case with its field path: the case's own and those of each
    /// timeline step, offence, outcome and party statement.
    pub fn all_citations(&self) -> Vec<(String, &Citation)> {
        let mut out: Vec<(String, &Citation)> = self
            .citations
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("citations[{i}]"), c))
            .collect();
        out.extend(self.detail.citations());
        out
    }

    /// The case as it may leave the system in an export or a public edition: no victim parties.
    pub fn without_victims(&self) -> Case {
        let mut c = self.clone();
        c.detail = self.detail.without_victims();
        c
    }

    /// The canonical JSON form, as stored and as the API returns it.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a case serialises")
    }

    /// Rules for replacing `self` by `next`: a case stays with the post that owns it.
    pub fn check_change(&self, next: &Case) -> Result<(), ValidationErrors> {
        if self.post != next.post {
            return Err(FieldError::new(
                "post",
                format!(
                    "a case belongs to the post that created it ({}); it cannot move",
                    self.post
                ),
            )
            .into());
        }
        Ok(())
    }
}

fn read_date(v: &Value, path: &str, errors: &mut Vec<FieldError>) -> Option<FuzzyDate> {
    let mut r = match ObjectReader::new(v, path) {
        Ok(r) => r,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let precision = r.req_parsed("precision", DatePrecision::parse);
    let date = r.req_parsed("date", PartialDate::parse);
    let end = r.opt_parsed("end", PartialDate::parse);
    let mut errs = r.finish();
    let out = match (precision, date) {
        (Some(p), Some(d)) if errs.is_empty() => match FuzzyDate::new(p, d, end) {
            Ok(fd) => Some(fd),
            Err((member, reason)) => {
                errs.push(FieldError::new(format!("{path}.{member}"), reason));
                None
            }
        },
        _ => None,
    };
    errors.extend(errs);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({"post": "berlin", "kind": "criminal_case", "country": "DE", "title": "T",
               "summary": "S", "date": {"precision": "day", "date": "2023-11-28"},
               "status": "final", "citations": [{"source_id": 1, "page": "3"}],
               "links": [{"case_id": 2, "relation": "comparison"}]})
    }

    #[test]
    fn a_valid_case_round_trips_and_defaults_to_sbu() {
        let c = Case::from_json(&valid()).unwrap();
        assert_eq!(c.marking, Marking::SBU);
        assert_eq!(Case::from_json(&c.to_json()).unwrap(), c);
    }

    #[test]
    fn errors_name_nested_fields() {
        let mut v = valid();
        v["country"] = json!("XX");
        v["marking"] = json!("TS");
        v["date"] = json!({"precision": "range", "date": "1997"});
        v["citations"] = json!([{"source_id": 1}, {"source_id": "abc"}, {"page": "2"}]);
        let e = Case::from_json(&v).unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field.clone().unwrap()).collect();
        assert_eq!(
            fields,
            [
                "country",
                "date.end",
                "marking",
                "citations[1].source_id",
                "citations[2].source_id"
            ]
        );
    }

    #[test]
    fn a_case_without_citations_is_refused() {
        let mut v = valid();
        v["citations"] = json!([]);
        let e = Case::from_json(&v).unwrap_err();
        assert_eq!(e.errors[0].field.as_deref(), Some("citations"));
    }
}
