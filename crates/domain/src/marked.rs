//! Portion markings: what of a record a user may see.

use crate::case::Case;
use crate::engagement::Engagement;
use crate::marking::Marking;
use crate::policy::Policy;
use crate::redaction::RedactionRequest;
use crate::report::{Report, Tasking};
use crate::source::Source;
use serde_json::Value;

/// A record with a marking of its own and, possibly, fields marked higher.
pub trait Marked {
    /// The record's own marking: who may know that it exists and see its title.
    fn marking(&self) -> Marking;

    /// Fields marked above the record, with their markings (paths as in the JSON).
    fn marked_fields(&self) -> Vec<(&'static str, Marking)> {
        Vec::new()
    }

    /// The JSON form of the whole record.
    fn full_json(&self) -> Value;

    /// The highest marking of anything in the record.
    fn highest_marking(&self) -> Marking {
        Marking::highest(
            std::iter::once(self.marking()).chain(self.marked_fields().into_iter().map(|(_, m)| m)),
        )
    }

    /// What a user cleared to `clearance` may see (the record itself must already be visible to
    /// them): fields marked above the clearance are null and named in `withheld`.
    fn json_for(&self, clearance: Marking) -> Value {
        let mut v = self.full_json();
        let withheld: Vec<Value> = self
            .marked_fields()
            .into_iter()
            .filter(|(_, m)| *m > clearance)
            .map(|(f, _)| {
                v[f] = Value::Null;
                Value::String(f.to_string())
            })
            .collect();
        if !withheld.is_empty() {
            v["withheld"] = Value::Array(withheld);
        }
        v
    }

    /// The highest marking of what a user cleared to `clearance` sees of the record.
    fn marking_shown(&self, clearance: Marking) -> Marking {
        Marking::highest(
            std::iter::once(self.marking()).chain(
                self.marked_fields()
                    .into_iter()
                    .map(|(_, m)| m)
                    .filter(|m| *m <= clearance),
            ),
        )
    }
}

impl Marked for Case {
    fn marking(&self) -> Marking {
        self.marking
    }

    fn marked_fields(&self) -> Vec<(&'static str, Marking)> {
        vec![("summary", self.summary_marking)]
    }

    fn full_json(&self) -> Value {
        self.to_json()
    }
}

impl Marked for Source {
    fn marking(&self) -> Marking {
        self.marking
    }

    fn full_json(&self) -> Value {
        self.to_json()
    }
}

impl Marked for Policy {
    fn marking(&self) -> Marking {
        self.marking
    }

    fn full_json(&self) -> Value {
        self.to_json()
    }
}

impl Marked for Engagement {
    fn marking(&self) -> Marking {
        self.marking
    }

    fn full_json(&self) -> Value {
        self.to_json()
    }
}

impl Marked for RedactionRequest {
    /// Always SBU: the reason may repeat the very text being removed.
    fn marking(&self) -> Marking {
        Marking::SBU
    }

    fn full_json(&self) -> Value {
        self.to_json()
    }
}

impl Marked for Report {
    /// A report is U as a record: every role with content access may know it exists; its
    /// SBU paragraphs are withheld from users without SBU access.
    fn marking(&self) -> Marking {
        Marking::U
    }

    fn full_json(&self) -> Value {
        self.to_json()
    }

    fn highest_marking(&self) -> Marking {
        Marking::highest(self.paragraphs().map(|(_, p)| p.marking))
    }

    fn json_for(&self, clearance: Marking) -> Value {
        let mut v = self.to_json();
        let mut withheld = Vec::new();
        if let Some(sections) = v["sections"].as_array_mut() {
            for s in sections {
                if let Some(ps) = s["paragraphs"].as_array_mut() {
                    ps.retain(|p| {
                        let m = Marking::parse(p["marking"].as_str().unwrap_or("SBU"))
                            .unwrap_or(Marking::SBU);
                        if m > clearance {
                            withheld.push(p["id"].clone());
                            false
                        } else {
                            true
                        }
                    });
                }
            }
        }
        if !withheld.is_empty() {
            v["withheld_paragraphs"] = Value::Array(withheld);
        }
        v
    }

    fn marking_shown(&self, clearance: Marking) -> Marking {
        Marking::highest(
            self.paragraphs()
                .map(|(_, p)| p.marking)
                .filter(|m| *m <= clearance),
        )
    }
}

impl Marked for Tasking {
    fn marking(&self) -> Marking {
        Marking::U
    }

    fn full_json(&self) -> Value {
        self.to_json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sbu_summary_of_a_u_case_is_withheld() {
        let c = Case::from_json(
            &json!({"post": "berlin", "kind": "inquiry", "country": "GB", "title": "T",
            "summary": "secret detail", "marking": "U", "summary_marking": "SBU",
            "citations": [{"source_id": 1}]}),
        )
        .unwrap();
        let shown = c.json_for(Marking::U);
        assert_eq!(shown["summary"], Value::Null);
        assert_eq!(shown["withheld"], json!(["summary"]));
        assert!(!shown.to_string().contains("secret detail"));
        assert_eq!(c.json_for(Marking::SBU)["summary"], "secret detail");
        assert_eq!(c.highest_marking(), Marking::SBU);
        assert_eq!(c.marking_shown(Marking::U), Marking::U);
    }
}
