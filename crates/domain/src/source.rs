//! Sources: the documents every claim rests on. Shared by all posts.

use crate::date::PartialDate;
use crate::error::ValidationErrors;
use crate::input::ObjectReader;
use crate::marking::Marking;
use crate::text::{Language, NonEmptyText, WebUrl};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    CourtJudgment,
    OfficialStatement,
    StatisticsRelease,
    NewsReport,
    NgoReport,
    ParliamentaryRecord,
    Other,
}

impl SourceKind {
    pub const ALL: [SourceKind; 7] = [
        SourceKind::CourtJudgment,
        SourceKind::OfficialStatement,
        SourceKind::StatisticsRelease,
        SourceKind::NewsReport,
        SourceKind::NgoReport,
        SourceKind::ParliamentaryRecord,
        SourceKind::Other,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::CourtJudgment => "court_judgment",
            SourceKind::OfficialStatement => "official_statement",
            SourceKind::StatisticsRelease => "statistics_release",
            SourceKind::NewsReport => "news_report",
            SourceKind::NgoReport => "ngo_report",
            SourceKind::ParliamentaryRecord => "parliamentary_record",
            SourceKind::Other => "other",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            SourceKind::CourtJudgment => "Court judgment",
            SourceKind::OfficialStatement => "Official statement",
            SourceKind::StatisticsRelease => "Statistics release",
            SourceKind::NewsReport => "News report",
            SourceKind::NgoReport => "NGO report",
            SourceKind::ParliamentaryRecord => "Parliamentary record",
            SourceKind::Other => "Other",
        }
    }

    pub fn parse(input: &str) -> Result<SourceKind, String> {
        SourceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == input.trim())
            .ok_or_else(|| {
                let all: Vec<_> = SourceKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown source kind {input:?}: use one of {}",
                    all.join(", ")
                )
            })
    }
}

/// A source document: who published what, when, and whether someone has checked it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Source {
    pub kind: SourceKind,
    #[schema(value_type = String)]
    pub title: NonEmptyText,
    #[schema(value_type = String)]
    pub publisher: NonEmptyText,
    #[schema(value_type = Option<String>, example = "https://example.org/report")]
    pub url: Option<WebUrl>,
    /// BCP 47 tag of the document's language.
    #[schema(value_type = Option<String>, example = "de")]
    pub language: Option<Language>,
    /// Publication date, as precisely as known: `2025`, `2025-06` or `2025-06-16`.
    #[schema(value_type = Option<String>, example = "2025-06-16")]
    pub published: Option<PartialDate>,
    pub retrieved: Option<NaiveDate>,
    /// Someone has checked the document itself (not only a report of it).
    pub verified: bool,
    #[schema(value_type = String, example = "U")]
    pub marking: Marking,
    /// The title in English, where the original is in another language.
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_en: Option<NonEmptyText>,
    /// Source reliability on the Admiralty scale: A (completely reliable) to F (cannot be
    /// judged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reliability: Option<Reliability>,
    /// Active, or retracted or superseded (with the reason): reports that cite a withdrawn
    /// source are flagged.
    pub status: SourceStatus,
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<NonEmptyText>,
}

string_enum!(
    /// Whether a source still stands.
    SourceStatus, "source status" {
        Active => "active", "Active";
        Retracted => "retracted", "Retracted";
        Superseded => "superseded", "Superseded";
    }
);

string_enum!(
    /// Source reliability on the Admiralty (NATO) scale.
    Reliability, "reliability" {
        A => "A", "A: completely reliable";
        B => "B", "B: usually reliable";
        C => "C", "C: fairly reliable";
        D => "D", "D: not usually reliable";
        E => "E", "E: unreliable";
        F => "F", "F: reliability cannot be judged";
    }
);

impl Source {
    pub const TITLE_MAX: usize = 500;

    /// Parses a source from a JSON object (or a form turned into one). Absent marking reads U.
    pub fn from_json(value: &Value) -> Result<Source, ValidationErrors> {
        let mut r = ObjectReader::new(value, "").map_err(ValidationErrors::one)?;
        let kind = r.req_parsed("kind", SourceKind::parse);
        let title = r.req_parsed("title", |s| NonEmptyText::parse(s, Source::TITLE_MAX));
        let publisher = r.req_parsed("publisher", |s| NonEmptyText::parse(s, Source::TITLE_MAX));
        let url = r.opt_parsed("url", WebUrl::parse);
        let language = r.opt_parsed("language", Language::parse);
        let published = r.opt_parsed("published", PartialDate::parse);
        let retrieved = r.opt_parsed("retrieved", |s| {
            let d = PartialDate::parse(s)?;
            match (d.month(), d.day()) {
                (Some(_), Some(_)) => Ok(d.earliest()),
                _ => Err("the retrieval date is a full date, YYYY-MM-DD".to_string()),
            }
        });
        let verified = r.bool_or("verified", false);
        let title_en = r.opt_parsed("title_en", |s| NonEmptyText::parse(s, Source::TITLE_MAX));
        let reliability = r.opt_parsed("reliability", Reliability::parse);
        let status = r
            .opt_parsed("status", SourceStatus::parse)
            .unwrap_or(SourceStatus::Active);
        let status_reason = r.opt_parsed("status_reason", |s| NonEmptyText::parse(s, 2_000));
        if status != SourceStatus::Active && status_reason.is_none() {
            r.error(
                "status_reason",
                format!("a {} source needs the reason", status.as_str()),
            );
        }
        let marking = r
            .opt_parsed("marking", |s| Marking::parse(s).map_err(|e| e.to_string()))
            .unwrap_or_default();
        if let (Some(p), Some(ret)) = (published, retrieved)
            && ret < p.earliest()
        {
            r.error(
                "retrieved",
                format!("retrieved ({ret}) before it was published ({p})"),
            );
        }
        let errors = r.finish();
        match (kind, title, publisher) {
            (Some(kind), Some(title), Some(publisher)) if errors.is_empty() => Ok(Source {
                kind,
                title,
                publisher,
                url,
                language,
                published,
                retrieved,
                verified,
                marking,
                title_en,
                reliability,
                status,
                status_reason,
            }),
            _ => Err(ValidationErrors { errors }),
        }
    }

    /// The canonical JSON form, as stored and as the API returns it.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a source serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_valid_source_round_trips() {
        let v = json!({"kind": "statistics_release", "title": "PKS 2025", "publisher": "BKA",
                       "url": "https://example.org/", "language": "de", "published": "2025-04",
                       "retrieved": "2025-05-01", "verified": true, "marking": "U"});
        let s = Source::from_json(&v).unwrap();
        assert_eq!(Source::from_json(&s.to_json()).unwrap(), s);
    }

    #[test]
    fn every_bad_field_is_named() {
        let v = json!({"kind": "rumour", "title": " ", "url": "ftp://x", "marking": "SECRET",
                       "published": "2025-13", "colour": "red"});
        let e = Source::from_json(&v).unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field.clone().unwrap()).collect();
        for f in [
            "kind",
            "title",
            "publisher",
            "url",
            "published",
            "marking",
            "colour",
        ] {
            assert!(
                fields.contains(&f.to_string()),
                "{f} missing from {fields:?}"
            );
        }
    }
}
