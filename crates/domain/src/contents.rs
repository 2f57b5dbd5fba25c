//! What a record says in free text and what it quotes: the PII check reads every free-text
//! field, the quote check every quote, each named by its field path. And the rule every
//! post-owned register shares: a record stays with the post that recorded it.

use crate::report::{Report, Tasking};
use crate::{Case, Citation, Engagement, FieldError, Policy, PostSlug, RecordId, Source};
use crate::{RedactionRequest, ValidationErrors};

/// A quote a record attributes to a source: (field path, source, quoted text).
pub type Quote = (String, RecordId, String);

/// The free text and the quotes of a record.
pub trait Contents {
    /// Every free-text field, with its path.
    fn texts(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Every quote the record attributes to a source.
    fn quotes(&self) -> Vec<Quote> {
        Vec::new()
    }

    /// Every source the record cites, with the path of the citation, in order.
    fn cited_sources(&self) -> Vec<(String, RecordId)> {
        Vec::new()
    }
}

/// The quotes of a list of citations, their paths under `prefix`.
pub fn cited_quotes(prefix: &str, citations: &[Citation]) -> Vec<Quote> {
    citations
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            c.quote.as_ref().map(|q| {
                (
                    format!("{prefix}citations[{i}].quote"),
                    c.source_id,
                    q.clone(),
                )
            })
        })
        .collect()
}

/// The sources of a list of citations, their paths under `prefix`.
pub fn cited_paths(prefix: &str, citations: &[Citation]) -> Vec<(String, RecordId)> {
    citations
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("{prefix}citations[{i}]"), c.source_id))
        .collect()
}

/// A record of a post stays with that post: `what` names it in the message ("a policy").
pub fn stays_with_post(
    what: &str,
    current: &PostSlug,
    next: &PostSlug,
    verb: &str,
) -> Result<(), ValidationErrors> {
    if current != next {
        return Err(
            FieldError::new("post", format!("{what} belongs to the post that {verb} it")).into(),
        );
    }
    Ok(())
}

impl Contents for Case {
    fn texts(&self) -> Vec<(String, String)> {
        let d = &self.detail;
        let mut out = vec![
            ("title".to_string(), self.title.as_str().to_string()),
            ("summary".to_string(), self.summary.as_str().to_string()),
        ];
        for (i, p) in d.parties.iter().enumerate() {
            out.push((format!("parties[{i}].label"), p.label.as_str().to_string()));
            for (j, s) in p.described_as.iter().enumerate() {
                if let Some(v) = &s.value {
                    out.push((
                        format!("parties[{i}].described_as[{j}].value"),
                        v.as_str().to_string(),
                    ));
                }
            }
        }
        for (i, t) in d.timeline.iter().enumerate() {
            if let Some(n) = &t.note {
                out.push((format!("timeline[{i}].note"), n.as_str().to_string()));
            }
        }
        for (i, o) in d.outcomes.iter().enumerate() {
            if let Some(a) = &o.appeal {
                out.push((format!("outcomes[{i}].appeal"), a.as_str().to_string()));
            }
        }
        out
    }

    fn quotes(&self) -> Vec<Quote> {
        self.all_citations()
            .into_iter()
            .filter_map(|(path, c)| {
                c.quote
                    .as_ref()
                    .map(|q| (format!("{path}.quote"), c.source_id, q.clone()))
            })
            .collect()
    }

    fn cited_sources(&self) -> Vec<(String, RecordId)> {
        self.all_citations()
            .into_iter()
            .map(|(path, c)| (path, c.source_id))
            .collect()
    }
}

impl Contents for Source {
    fn texts(&self) -> Vec<(String, String)> {
        let mut out = vec![("title".to_string(), self.title.as_str().to_string())];
        if let Some(t) = &self.title_en {
            out.push(("title_en".into(), t.as_str().to_string()));
        }
        if let Some(r) = &self.status_reason {
            out.push(("status_reason".into(), r.as_str().to_string()));
        }
        out
    }
}

impl Contents for Policy {
    fn texts(&self) -> Vec<(String, String)> {
        let mut out = vec![("title".to_string(), self.title.as_str().to_string())];
        if let Some(a) = &self.assessment {
            out.push(("assessment".into(), a.as_str().to_string()));
        }
        for (i, v) in self.versions.iter().enumerate() {
            out.push((
                format!("versions[{i}].summary"),
                v.summary.as_str().to_string(),
            ));
        }
        out
    }

    fn quotes(&self) -> Vec<Quote> {
        self.versions
            .iter()
            .enumerate()
            .flat_map(|(i, v)| cited_quotes(&format!("versions[{i}]."), &v.citations))
            .collect()
    }

    fn cited_sources(&self) -> Vec<(String, RecordId)> {
        self.versions
            .iter()
            .enumerate()
            .flat_map(|(i, v)| cited_paths(&format!("versions[{i}]."), &v.citations))
            .collect()
    }
}

impl Contents for Engagement {
    fn texts(&self) -> Vec<(String, String)> {
        let mut out = vec![("title".to_string(), self.title.as_str().to_string())];
        for (i, t) in self.talking_points.iter().enumerate() {
            out.push((format!("talking_points[{i}]"), t.as_str().to_string()));
        }
        if let Some(r) = &self.response {
            out.push(("response".into(), r.as_str().to_string()));
        }
        for (i, f) in self.follow_ups.iter().enumerate() {
            out.push((
                format!("follow_ups[{i}].action"),
                f.action.as_str().to_string(),
            ));
        }
        if let Some(a) = &self.assistance_offered {
            out.push(("assistance_offered".into(), a.as_str().to_string()));
        }
        out
    }

    fn quotes(&self) -> Vec<Quote> {
        cited_quotes("", &self.citations)
    }

    fn cited_sources(&self) -> Vec<(String, RecordId)> {
        cited_paths("", &self.citations)
    }
}

impl Contents for Tasking {
    fn texts(&self) -> Vec<(String, String)> {
        vec![
            ("title".into(), self.title.to_string()),
            ("instructions".into(), self.instructions.to_string()),
        ]
    }
}

/// A report's paragraphs are checked at clearance (with confirmations per paragraph), not
/// on every save.
impl Contents for Report {}

impl Contents for RedactionRequest {}

impl Policy {
    /// Rules for replacing `self` by `next`: a policy stays with the post that recorded it.
    pub fn check_change(&self, next: &Policy) -> Result<(), ValidationErrors> {
        stays_with_post("a policy", &self.post, &next.post, "recorded")
    }
}

impl Engagement {
    /// Rules for replacing `self` by `next`: an engagement stays with the post that recorded it.
    pub fn check_change(&self, next: &Engagement) -> Result<(), ValidationErrors> {
        stays_with_post("an engagement", &self.post, &next.post, "recorded")
    }
}

impl Report {
    /// Rules for replacing `self` by `next`: a report stays with the post that drafts it.
    pub fn check_change(&self, next: &Report) -> Result<(), ValidationErrors> {
        stays_with_post("a report", &self.post, &next.post, "drafts")
    }
}
