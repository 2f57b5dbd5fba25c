//! Taskings: headquarters' instruction to posts to report on topics to a template by a due
//! date, once or on a recurring cycle.

use crate::error::{FieldError, ValidationErrors};
use crate::input::{ObjectReader, kind_of};
use crate::post::PostSlug;
use crate::report::template::TemplateKey;
use crate::text::NonEmptyText;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

string_enum!(
    /// How often a tasking falls due.
    Recurrence, "recurrence" {
        Annual => "annual", "Annual";
        Quarterly => "quarterly", "Quarterly";
        OneOff => "one_off", "One-off";
    }
);

/// An instruction from headquarters to one or more posts.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Tasking {
    #[schema(value_type = String)]
    pub title: NonEmptyText,
    #[schema(value_type = String)]
    pub instructions: NonEmptyText,
    /// Topics to cover, each unique; may be empty when the instructions say it all.
    #[schema(value_type = Vec<String>)]
    pub topics: Vec<NonEmptyText>,
    #[schema(value_type = String)]
    pub template_key: TemplateKey,
    /// At least one post, each once.
    #[schema(value_type = Vec<String>)]
    pub posts: Vec<PostSlug>,
    /// The first (or only) due date; recurring taskings repeat from it.
    pub due: NaiveDate,
    pub recurrence: Recurrence,
}

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date YYYY-MM-DD"))
}

/// The first due date, `n` periods of `months` later; the day is clamped to the month's end
/// (31 Jan + 3 months = 30 Apr; 29 Feb + 12 months = 28 Feb). Always counted from the first
/// due date, so a clamped day does not drift (31 Jan, 30 Apr, 31 Jul, 31 Oct).
fn nth(first: NaiveDate, months: u32, n: u32) -> Option<NaiveDate> {
    first.checked_add_months(Months::new(months.checked_mul(n)?))
}

impl Tasking {
    /// Parses a tasking from JSON (or a form turned into JSON), naming each bad field.
    pub fn from_json(value: &Value) -> Result<Tasking, ValidationErrors> {
        let mut r = ObjectReader::new(value, "").map_err(ValidationErrors::one)?;
        let title = r.req_parsed("title", |s| NonEmptyText::parse(s, 300));
        let instructions = r.req_parsed("instructions", |s| {
            NonEmptyText::parse(s, NonEmptyText::MAX)
        });
        let template_key = r.req_parsed("template_key", TemplateKey::parse);
        let due = r.req_parsed("due", date);
        let recurrence = r.req_parsed("recurrence", Recurrence::parse);

        let mut topics: Vec<NonEmptyText> = Vec::new();
        for (path, v) in r.array("topics") {
            match v.as_str().map(|s| NonEmptyText::parse(s, 300)) {
                Some(Ok(t)) if topics.contains(&t) => {
                    r.errors.push(FieldError::new(path, "is listed twice"))
                }
                Some(Ok(t)) => topics.push(t),
                Some(Err(reason)) => r.errors.push(FieldError::new(path, reason)),
                None => r.errors.push(FieldError::new(
                    path,
                    format!("expected a string, got {}", kind_of(v)),
                )),
            }
        }

        let mut posts: Vec<PostSlug> = Vec::new();
        let items = r.array("posts");
        if items.is_empty() && !r.errors.iter().any(|e| e.field.as_deref() == Some("posts")) {
            r.error("posts", "a tasking goes to at least one post");
        }
        for (path, v) in items {
            match v.as_str().map(PostSlug::parse) {
                Some(Ok(p)) if posts.contains(&p) => r
                    .errors
                    .push(FieldError::new(path, format!("{p} is listed twice"))),
                Some(Ok(p)) => posts.push(p),
                Some(Err(reason)) => r.errors.push(FieldError::new(path, reason)),
                None => r.errors.push(FieldError::new(
                    path,
                    format!("expected a post slug, got {}", kind_of(v)),
                )),
            }
        }

        let errors = r.finish();
        match (title, instructions, template_key, due, recurrence) {
            (Some(title), Some(instructions), Some(template_key), Some(due), Some(recurrence))
                if errors.is_empty() =>
            {
                Ok(Tasking {
                    title,
                    instructions,
                    topics,
                    template_key,
                    posts,
                    due,
                    recurrence,
                })
            }
            _ => Err(ValidationErrors { errors }),
        }
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a tasking serialises")
    }

    /// The due dates falling in `from..=to`, in order. The series starts at `due`: an annual
    /// tasking falls due on the same day each later year (29 Feb becomes 28 Feb in common
    /// years, and 29 Feb again in leap years); a quarterly one every three months, the day
    /// clamped to the month's end; a one-off tasking only on `due`.
    pub fn due_dates_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        let months = match self.recurrence {
            Recurrence::OneOff => {
                return if from <= self.due && self.due <= to {
                    vec![self.due]
                } else {
                    Vec::new()
                };
            }
            Recurrence::Annual => 12,
            Recurrence::Quarterly => 3,
        };
        let mut out = Vec::new();
        if to < from || to < self.due {
            return out;
        }
        // Skip the periods wholly before `from` (less one, for clamping).
        let elapsed =
            (from.year() - self.due.year()) * 12 + from.month() as i32 - self.due.month() as i32;
        let mut n = u32::try_from(elapsed / months as i32 - 1).unwrap_or(0);
        while let Some(d) = nth(self.due, months, n) {
            if d > to {
                break;
            }
            if d >= from {
                out.push(d);
            }
            n += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn tasking(due: &str, recurrence: &str) -> Tasking {
        Tasking::from_json(&json!({
            "title": "Human rights report 2025",
            "instructions": "Draft to the classic template; cover the calendar year.",
            "topics": ["arrests, investigations or warnings for speech"],
            "template_key": "hr-classic",
            "posts": ["berlin", "stockholm"],
            "due": due,
            "recurrence": recurrence}))
        .unwrap()
    }

    #[test]
    fn a_tasking_parses_and_round_trips() {
        let t = tasking("2025-10-01", "annual");
        assert_eq!(t.posts.len(), 2);
        assert_eq!(t.recurrence, Recurrence::Annual);
        assert_eq!(Tasking::from_json(&t.to_json()).unwrap(), t);
    }

    #[test]
    fn tasking_errors_name_fields() {
        let e = Tasking::from_json(&json!({
            "title": "T", "instructions": "I", "template_key": "hr-classic",
            "topics": ["a", "", "a", 4],
            "posts": [], "due": "2025-02-30", "recurrence": "weekly"}))
        .unwrap_err();
        let fields: Vec<_> = e.errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(
            fields,
            vec![
                "due",
                "recurrence",
                "topics[1]",
                "topics[2]",
                "topics[3]",
                "posts"
            ]
        );
        let e = Tasking::from_json(&json!({
            "title": "T", "instructions": "I", "template_key": "hr-classic",
            "posts": ["berlin", "Not A Slug", "berlin"], "due": "2025-01-01",
            "recurrence": "one_off"}))
        .unwrap_err();
        let fields: Vec<_> = e.errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(fields, vec!["posts[1]", "posts[2]"]);
        let e = Tasking::from_json(&json!({})).unwrap_err();
        let fields: Vec<_> = e.errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(
            fields,
            vec![
                "title",
                "instructions",
                "template_key",
                "due",
                "recurrence",
                "posts"
            ]
        );
    }

    #[test]
    fn annual_due_dates_clamp_feb_29() {
        let t = tasking("2024-02-29", "annual");
        assert_eq!(
            t.due_dates_between(d(2020, 1, 1), d(2029, 12, 31)),
            vec![
                d(2024, 2, 29),
                d(2025, 2, 28),
                d(2026, 2, 28),
                d(2027, 2, 28),
                d(2028, 2, 29),
                d(2029, 2, 28)
            ]
        );
        // Bounds are inclusive; the window may start mid-series.
        assert_eq!(
            t.due_dates_between(d(2025, 2, 28), d(2026, 2, 28)),
            vec![d(2025, 2, 28), d(2026, 2, 28)]
        );
        assert_eq!(
            t.due_dates_between(d(2025, 3, 1), d(2026, 2, 27)),
            Vec::<NaiveDate>::new()
        );
        let t = tasking("2025-10-01", "annual");
        assert_eq!(
            t.due_dates_between(d(2025, 1, 1), d(2027, 10, 1)),
            vec![d(2025, 10, 1), d(2026, 10, 1), d(2027, 10, 1)]
        );
    }

    #[test]
    fn quarterly_due_dates_clamp_month_ends_without_drift() {
        let t = tasking("2025-01-31", "quarterly");
        assert_eq!(
            t.due_dates_between(d(2025, 1, 1), d(2026, 5, 1)),
            vec![
                d(2025, 1, 31),
                d(2025, 4, 30),
                d(2025, 7, 31),
                d(2025, 10, 31),
                d(2026, 1, 31),
                d(2026, 4, 30)
            ]
        );
        let t = tasking("2023-11-30", "quarterly");
        assert_eq!(
            t.due_dates_between(d(2024, 2, 1), d(2024, 12, 31)),
            vec![
                d(2024, 2, 29),
                d(2024, 5, 30),
                d(2024, 8, 30),
                d(2024, 11, 30)
            ]
        );
        // Far from the first due date, the skip-ahead still finds the right dates.
        let t = tasking("2000-03-31", "quarterly");
        assert_eq!(
            t.due_dates_between(d(2030, 6, 30), d(2030, 12, 31)),
            vec![d(2030, 6, 30), d(2030, 9, 30), d(2030, 12, 31)]
        );
    }

    #[test]
    fn one_off_and_empty_windows() {
        let t = tasking("2025-10-01", "one_off");
        assert_eq!(
            t.due_dates_between(d(2025, 1, 1), d(2025, 12, 31)),
            vec![d(2025, 10, 1)]
        );
        assert!(
            t.due_dates_between(d(2026, 1, 1), d(2026, 12, 31))
                .is_empty()
        );
        let t = tasking("2025-10-01", "quarterly");
        assert!(
            t.due_dates_between(d(2025, 12, 31), d(2025, 1, 1))
                .is_empty()
        );
        assert!(
            t.due_dates_between(d(2020, 1, 1), d(2025, 9, 30))
                .is_empty()
        );
    }
}
