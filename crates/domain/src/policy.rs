//! The policy register: laws, regulations, court doctrines and guidance a post follows, with
//! versions valid from and to given dates (so "what was in force on the day of a ruling" has
//! an answer), the post's assessment kept apart from what the policy says, and linked cases.

use crate::case::Citation;
use crate::country::Country;
use crate::error::{FieldError, ValidationErrors};
use crate::input::ObjectReader;
use crate::marking::Marking;
use crate::post::PostSlug;
use crate::record::RecordId;
use crate::text::NonEmptyText;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

string_enum!(
    /// What kind of instrument a policy is.
    PolicyKind, "policy kind" {
        Law => "law", "Law";
        Regulation => "regulation", "Regulation";
        CourtDoctrine => "court_doctrine", "Court doctrine";
        Guidance => "guidance", "Guidance";
    }
);

string_enum!(
    /// The area a policy governs.
    PolicyArea, "policy area" {
        ExpulsionThresholds => "expulsion_thresholds", "Expulsion thresholds";
        Asylum => "asylum", "Asylum";
        SpeechLaw => "speech_law", "Speech and hate-speech law";
        Sentencing => "sentencing", "Sentencing";
        Integration => "integration", "Integration";
        Housing => "housing", "Housing";
        Other => "other", "Other";
    }
);

/// One version of a policy: what it said while it was in force. `valid_to` is the last day
/// it applied (none: still in force).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PolicyVersion {
    #[schema(value_type = String)]
    pub label: NonEmptyText,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    #[schema(value_type = String)]
    pub summary: NonEmptyText,
    pub citations: Vec<Citation>,
}

impl PolicyVersion {
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }
}

/// A policy in the register, owned by the post that records it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Policy {
    #[schema(value_type = String)]
    pub post: PostSlug,
    #[schema(value_type = String)]
    pub country: Country,
    pub kind: PolicyKind,
    pub area: PolicyArea,
    #[schema(value_type = String)]
    pub title: NonEmptyText,
    /// Versions in date order, never overlapping.
    pub versions: Vec<PolicyVersion>,
    /// The post's assessment: shown as the post's view, never as a finding of the record.
    #[schema(value_type = Option<String>)]
    pub assessment: Option<NonEmptyText>,
    #[schema(value_type = Vec<i64>)]
    pub linked_cases: Vec<RecordId>,
    #[schema(value_type = String)]
    pub marking: Marking,
}

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date YYYY-MM-DD"))
}

impl Policy {
    /// The version in force on a day, if any.
    pub fn in_force_on(&self, day: NaiveDate) -> Option<&PolicyVersion> {
        self.versions.iter().find(|v| v.in_force_on(day))
    }

    /// Parses a policy from JSON (or a form turned into JSON). An absent marking reads U.
    pub fn from_json(value: &Value) -> Result<Policy, ValidationErrors> {
        let mut r = ObjectReader::new(value, "").map_err(ValidationErrors::one)?;
        let post = r.req_parsed("post", PostSlug::parse);
        let country = r.req_parsed("country", |s| Country::parse(s).map_err(|e| e.to_string()));
        let kind = r.req_parsed("kind", PolicyKind::parse);
        let area = r.req_parsed("area", PolicyArea::parse);
        let title = r.req_parsed("title", |s| NonEmptyText::parse(s, 300));
        let assessment = r.opt_parsed("assessment", |s| NonEmptyText::parse(s, NonEmptyText::MAX));
        let marking = r
            .opt_parsed("marking", |s| Marking::parse(s).map_err(|e| e.to_string()))
            .unwrap_or(Marking::U);
        let mut linked_cases = Vec::new();
        for (path, v) in r.array("linked_cases") {
            match v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .and_then(RecordId::new)
            {
                Some(id) => linked_cases.push(id),
                None => r.errors.push(FieldError::new(path, "expected a case id")),
            }
        }
        let mut versions: Vec<PolicyVersion> = Vec::new();
        let items = r.array("versions");
        if items.is_empty()
            && r.errors
                .iter()
                .all(|e| e.field.as_deref() != Some("versions"))
        {
            r.error(
                "versions",
                "a policy needs at least one version with its dates",
            );
        }
        for (path, v) in items {
            let mut vr = match ObjectReader::new(v, &path) {
                Ok(vr) => vr,
                Err(e) => {
                    r.errors.push(e);
                    continue;
                }
            };
            let label = vr.req_parsed("label", |s| NonEmptyText::parse(s, 200));
            let valid_from = vr.req_parsed("valid_from", date);
            let valid_to = vr.opt_parsed("valid_to", date);
            let summary = vr.req_parsed("summary", |s| NonEmptyText::parse(s, NonEmptyText::MAX));
            let mut citations = Vec::new();
            let cites = vr.array("citations");
            if cites.is_empty()
                && vr
                    .errors
                    .iter()
                    .all(|e| !e.field.as_deref().is_some_and(|f| f.ends_with("citations")))
            {
                vr.error(
                    "citations",
                    "each version says what it says on the authority of a source: cite one",
                );
            }
            for (cpath, c) in cites {
                match Citation::read(c, &cpath) {
                    Ok(c) => citations.push(c),
                    Err(es) => vr.errors.extend(es),
                }
            }
            if let (Some(f), Some(t)) = (valid_from, valid_to)
                && t < f
            {
                vr.error("valid_to", format!("ends ({t}) before it starts ({f})"));
            }
            let errs = vr.finish();
            match (label, valid_from, summary) {
                (Some(label), Some(valid_from), Some(summary)) if errs.is_empty() => {
                    versions.push(PolicyVersion {
                        label,
                        valid_from,
                        valid_to,
                        summary,
                        citations,
                    })
                }
                _ => r.errors.extend(errs),
            }
        }
        versions.sort_by_key(|v| v.valid_from);
        for (i, pair) in versions.windows(2).enumerate() {
            let open_or_late = pair[0].valid_to.is_none_or(|to| to >= pair[1].valid_from);
            if open_or_late {
                r.errors.push(FieldError::new(
                    format!("versions[{}].valid_from", i + 1),
                    format!("overlaps the version in force from {}", pair[0].valid_from),
                ));
            }
        }
        let errors = r.finish();
        match (post, country, kind, area, title) {
            (Some(post), Some(country), Some(kind), Some(area), Some(title))
                if errors.is_empty() =>
            {
                Ok(Policy {
                    post,
                    country,
                    kind,
                    area,
                    title,
                    versions,
                    assessment,
                    linked_cases,
                    marking,
                })
            }
            _ => Err(ValidationErrors { errors }),
        }
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a policy serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn threshold() -> Value {
        json!({"post": "stockholm", "country": "SE", "kind": "law", "area": "expulsion_thresholds",
               "title": "Expulsion of recognised refugees on account of crime",
               "versions": [
                 {"label": "Before the 2022 amendment", "valid_from": "2010-01-01", "valid_to": "2022-06-30",
                  "summary": "Older wording.", "citations": [{"source_id": 1}]},
                 {"label": "Particularly serious crime test", "valid_from": "2022-07-01",
                  "summary": "A refugee may be expelled only for a particularly serious crime.", "citations": [{"source_id": 1}]}],
               "assessment": "The post's view.", "linked_cases": [3]})
    }

    #[test]
    fn the_version_in_force_on_a_day() {
        let p = Policy::from_json(&threshold()).unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 10, 15).unwrap();
        assert_eq!(
            p.in_force_on(day).unwrap().label.as_str(),
            "Particularly serious crime test"
        );
        let before = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap();
        assert_eq!(
            p.in_force_on(before).unwrap().label.as_str(),
            "Before the 2022 amendment"
        );
        assert!(
            p.in_force_on(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap())
                .is_none()
        );
        assert_eq!(Policy::from_json(&p.to_json()).unwrap(), p);
    }

    #[test]
    fn overlapping_or_reversed_versions_are_refused() {
        let mut v = threshold();
        v["versions"][0]["valid_to"] = json!("2023-01-01");
        let e = Policy::from_json(&v).unwrap_err();
        assert_eq!(e.errors[0].field.as_deref(), Some("versions[1].valid_from"));
        let mut v = threshold();
        v["versions"][1]["valid_to"] = json!("2020-01-01");
        assert_eq!(
            Policy::from_json(&v).unwrap_err().errors[0]
                .field
                .as_deref(),
            Some("versions[1].valid_to")
        );
        let mut v = threshold();
        v["versions"][0]["citations"] = json!([]);
        assert_eq!(
            Policy::from_json(&v).unwrap_err().errors[0]
                .field
                .as_deref(),
            Some("versions[0].citations")
        );
    }
}
