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
    /// paragraphs whose effective marking is SBU (their own, or that of anything they cite
    /// or embed) are withheld from users without SBU access.
    fn marking(&self) -> Marking {
        Marking::U
    }

    fn full_json(&self) -> Value {
        self.to_json()
    }

    fn highest_marking(&self) -> Marking {
        Marking::highest(self.paragraphs().map(|(_, p)| p.effective_marking()))
    }

    fn json_for(&self, clearance: Marking) -> Value {
        let mut v = self.to_json();
        let mut withheld = Vec::new();
        if let Some(sections) = v["sections"].as_array_mut() {
            let mut shown = self.sections.iter().map(|s| s.paragraphs.iter());
            for s in sections {
                let mut paragraphs = shown.next().into_iter().flatten();
                if let Some(ps) = s["paragraphs"].as_array_mut() {
                    ps.retain(|p| {
                        let m = paragraphs
                            .next()
                            .map_or(Marking::SBU, |p| p.effective_marking());
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
                .map(|(_, p)| p.effective_marking())
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

    fn report() -> Report {
        Report::from_json(
            &json!({"post": "berlin", "template_key": "migration-impacts",
            "subject": "S", "tags": [], "sections": [{"heading": "H", "paragraphs": [
                {"id": "p1", "kind": "fact", "marking": "U", "text": "plain",
                 "citations": [{"kind": "source", "id": 1}]},
                {"id": "p2", "kind": "fact", "marking": "U", "text": "cites an SBU case",
                 "citations": [{"kind": "case", "id": 4}]}]}]}),
        )
        .unwrap()
    }

    #[test]
    fn an_unresolved_report_withholds_every_paragraph_from_a_u_reader() {
        let r = report();
        assert_eq!(r.highest_marking(), Marking::SBU);
        let shown = r.json_for(Marking::U);
        assert_eq!(shown["withheld_paragraphs"], json!(["p1", "p2"]));
        assert!(!shown.to_string().contains("plain"));
    }

    #[test]
    fn a_paragraph_is_withheld_by_its_effective_marking() {
        use crate::report::Inherited;
        let mut r = report();
        r.sections[0].paragraphs[0].inherited = Inherited::resolved(Marking::U);
        r.sections[0].paragraphs[1].inherited = Inherited::resolved(Marking::SBU);
        let shown = r.json_for(Marking::U);
        assert_eq!(shown["withheld_paragraphs"], json!(["p2"]));
        assert!(shown.to_string().contains("plain"));
        assert!(!shown.to_string().contains("cites an SBU case"));
        // The typed marking is kept as written; the inherited one is not content.
        assert_eq!(shown["sections"][0]["paragraphs"][0]["marking"], "U");
        assert_eq!(r.marking_shown(Marking::U), Marking::U);
        assert_eq!(r.marking_shown(Marking::SBU), Marking::SBU);
        assert_eq!(
            r,
            report(),
            "the inherited marking does not take part in equality"
        );
        assert!(
            r.json_for(Marking::SBU)
                .get("withheld_paragraphs")
                .is_none()
        );
    }
}
