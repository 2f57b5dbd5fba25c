//! Engagements with the host government: demarches and meetings, with the officials met (named
//! in their role: public officials acting in role may be named), topics, the talking points
//! delivered, the response, follow-up actions with due dates, and assistance offered.
//! Contact reporting is SBU by default.

use crate::case::Citation;
use crate::country::Country;
use crate::error::{FieldError, ValidationErrors};
use crate::input::ObjectReader;
use crate::marking::Marking;
use crate::post::PostSlug;
use crate::text::NonEmptyText;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

string_enum!(
    /// What kind of engagement.
    EngagementKind, "engagement kind" {
        Demarche => "demarche", "Demarche";
        Meeting => "meeting", "Meeting";
        Call => "call", "Call";
        Letter => "letter", "Letter";
    }
);

/// A public official met, named in their role.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Official {
    #[schema(value_type = String)]
    pub role: NonEmptyText,
    #[schema(value_type = Option<String>)]
    pub name: Option<NonEmptyText>,
}

/// Something to do after the engagement, by a date.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FollowUp {
    #[schema(value_type = String)]
    pub action: NonEmptyText,
    pub due: Option<NaiveDate>,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Engagement {
    #[schema(value_type = String)]
    pub post: PostSlug,
    #[schema(value_type = String)]
    pub country: Country,
    pub kind: EngagementKind,
    pub date: NaiveDate,
    #[schema(value_type = String)]
    pub title: NonEmptyText,
    /// The host institution (ministry, agency, court administration).
    #[schema(value_type = String)]
    pub institution: NonEmptyText,
    pub officials: Vec<Official>,
    #[schema(value_type = Vec<String>)]
    pub topics: Vec<NonEmptyText>,
    #[schema(value_type = Vec<String>)]
    pub talking_points: Vec<NonEmptyText>,
    #[schema(value_type = Option<String>)]
    pub response: Option<NonEmptyText>,
    pub follow_ups: Vec<FollowUp>,
    #[schema(value_type = Option<String>)]
    pub assistance_offered: Option<NonEmptyText>,
    pub citations: Vec<Citation>,
    #[schema(value_type = String)]
    pub marking: Marking,
}

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date YYYY-MM-DD"))
}

fn texts(r: &mut ObjectReader, key: &'static str, max: usize) -> Vec<NonEmptyText> {
    let mut out = Vec::new();
    for (path, v) in r.array(key) {
        match v.as_str().map(|s| NonEmptyText::parse(s, max)) {
            Some(Ok(t)) => out.push(t),
            Some(Err(e)) => r.errors.push(FieldError::new(path, e)),
            None => r.errors.push(FieldError::new(path, "expected text")),
        }
    }
    out
}

impl Engagement {
    /// Parses an engagement; an absent marking reads SBU (contact reporting).
    pub fn from_json(value: &Value) -> Result<Engagement, ValidationErrors> {
        let mut r = ObjectReader::new(value, "").map_err(ValidationErrors::one)?;
        let post = r.req_parsed("post", PostSlug::parse);
        let country = r.req_parsed("country", |s| Country::parse(s).map_err(|e| e.to_string()));
        let kind = r.req_parsed("kind", EngagementKind::parse);
        let day = r.req_parsed("date", date);
        let title = r.req_parsed("title", |s| NonEmptyText::parse(s, 300));
        let institution = r.req_parsed("institution", |s| NonEmptyText::parse(s, 300));
        let response = r.opt_parsed("response", |s| NonEmptyText::parse(s, NonEmptyText::MAX));
        let assistance_offered = r.opt_parsed("assistance_offered", |s| {
            NonEmptyText::parse(s, NonEmptyText::MAX)
        });
        let marking = r
            .opt_parsed("marking", |s| Marking::parse(s).map_err(|e| e.to_string()))
            .unwrap_or(Marking::SBU);
        let topics = texts(&mut r, "topics", 200);
        let talking_points = texts(&mut r, "talking_points", 2_000);
        let mut officials = Vec::new();
        for (path, v) in r.array("officials") {
            let mut or = match ObjectReader::new(v, &path) {
                Ok(o) => o,
                Err(e) => {
                    r.errors.push(e);
                    continue;
                }
            };
            let role = or.req_parsed("role", |s| NonEmptyText::parse(s, 200));
            let name = or.opt_parsed("name", |s| NonEmptyText::parse(s, 200));
            let errs = or.finish();
            match role {
                Some(role) if errs.is_empty() => officials.push(Official { role, name }),
                _ => r.errors.extend(errs),
            }
        }
        let mut follow_ups = Vec::new();
        for (path, v) in r.array("follow_ups") {
            let mut fr = match ObjectReader::new(v, &path) {
                Ok(o) => o,
                Err(e) => {
                    r.errors.push(e);
                    continue;
                }
            };
            let action = fr.req_parsed("action", |s| NonEmptyText::parse(s, 500));
            let due = fr.opt_parsed("due", date);
            let done = fr.bool_or("done", false);
            let errs = fr.finish();
            match action {
                Some(action) if errs.is_empty() => follow_ups.push(FollowUp { action, due, done }),
                _ => r.errors.extend(errs),
            }
        }
        let mut citations = Vec::new();
        for (path, v) in r.array("citations") {
            match Citation::read(v, &path) {
                Ok(c) => citations.push(c),
                Err(es) => r.errors.extend(es),
            }
        }
        let errors = r.finish();
        match (post, country, kind, day, title, institution) {
            (Some(post), Some(country), Some(kind), Some(date), Some(title), Some(institution))
                if errors.is_empty() =>
            {
                Ok(Engagement {
                    post,
                    country,
                    kind,
                    date,
                    title,
                    institution,
                    officials,
                    topics,
                    talking_points,
                    response,
                    follow_ups,
                    assistance_offered,
                    citations,
                    marking,
                })
            }
            _ => Err(ValidationErrors { errors }),
        }
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("an engagement serialises")
    }

    /// Follow-ups not done whose due date has passed on `today`.
    pub fn overdue(&self, today: NaiveDate) -> Vec<&FollowUp> {
        self.follow_ups
            .iter()
            .filter(|f| !f.done && f.due.is_some_and(|d| d < today))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn engagements_parse_default_to_sbu_and_track_follow_ups() {
        let v = json!({"post": "berlin", "country": "DE", "kind": "demarche", "date": "2025-12-01",
            "title": "Demarche on expulsion practice", "institution": "Federal Ministry of the Interior",
            "officials": [{"role": "State Secretary"}], "topics": ["expulsion thresholds"],
            "talking_points": ["Point one."], "response": "Noted.",
            "follow_ups": [{"action": "Send the ministry's reply to HQ", "due": "2025-12-15"}]});
        let e = Engagement::from_json(&v).unwrap();
        assert_eq!(e.marking, Marking::SBU);
        assert_eq!(
            e.overdue(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
                .len(),
            1
        );
        assert_eq!(Engagement::from_json(&e.to_json()).unwrap(), e);
        let bad = json!({"post": "berlin", "country": "DE", "kind": "lunch", "date": "2025-13-01",
            "title": "T", "institution": "I", "follow_ups": [{"due": "2025-12-15"}]});
        let fields: Vec<_> = Engagement::from_json(&bad)
            .unwrap_err()
            .errors
            .iter()
            .map(|e| e.field.clone().unwrap())
            .collect();
        assert_eq!(fields, ["kind", "date", "follow_ups[0].action"]);
    }
}
