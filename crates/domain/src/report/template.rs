//! Report templates: a layout of sections, each with guidance and the kinds of content it
//! expects, and the chain of roles that must clear a report written to it. Templates are data:
//! headquarters can change a layout (the 2024 human-rights report regrouped its headings)
//! without a new release. Three templates ship embedded in the crate.

use crate::access::Role;
use crate::error::{FieldError, ValidationErrors};
use crate::input::{ObjectReader, kind_of};
use crate::text::NonEmptyText;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

string_enum!(
    /// The kind of content a template section expects.
    ContentKind, "content kind" {
        Prose => "prose", "Prose";
        StatisticsFigure => "statistics_figure", "Statistics figure";
        CaseTable => "case_table", "Case table";
        CaseComparison => "case_comparison", "Case comparison";
        PolicyList => "policy_list", "Policy list";
        EngagementList => "engagement_list", "Engagement list";
    }
);

/// A template's key: 2 to 60 lowercase ASCII letters, digits, or inner hyphens or underscores
/// (`hr-classic`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TemplateKey(String);

impl TemplateKey {
    pub fn parse(input: &str) -> Result<TemplateKey, String> {
        let t = input.trim();
        let inner = |b: u8| b == b'-' || b == b'_';
        let ok = (2..=60).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || inner(b))
            && !t.bytes().next().is_some_and(inner)
            && !t.bytes().last().is_some_and(inner);
        if ok {
            Ok(TemplateKey(t.to_string()))
        } else {
            Err(format!(
                "{t:?} is not a template key: 2 to 60 lowercase letters, digits or inner hyphens or underscores"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TemplateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for TemplateKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TemplateKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        TemplateKey::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One section of a template.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TemplateSection {
    #[schema(value_type = String)]
    pub heading: NonEmptyText,
    /// What the drafter should cover, and the caveats that bind them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub guidance: Option<NonEmptyText>,
    /// At least one kind of content, each at most once.
    pub expected: Vec<ContentKind>,
}

/// A report layout.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Template {
    #[schema(value_type = String)]
    pub key: TemplateKey,
    #[schema(value_type = String)]
    pub title: NonEmptyText,
    /// At least one section; headings are unique.
    pub sections: Vec<TemplateSection>,
    /// The roles that clear a report, in order; never empty.
    pub clearance_chain: Vec<Role>,
    /// The layout is not confirmed (its headings may change).
    pub provisional: bool,
}

/// The clearance chain when a template names none: the post reviewer, then the HQ editor.
pub const DEFAULT_CLEARANCE_CHAIN: [Role; 2] = [Role::PostReviewer, Role::HqEditor];

/// The templates shipped with Chancery, as JSON: (file name, text).
pub const SHIPPED: [(&str, &str); 3] = [
    (
        "hr-classic.json",
        include_str!("../../data/templates/hr-classic.json"),
    ),
    (
        "hr-2024-provisional.json",
        include_str!("../../data/templates/hr-2024-provisional.json"),
    ),
    (
        "migration-impacts.json",
        include_str!("../../data/templates/migration-impacts.json"),
    ),
];

const HEADING_MAX: usize = 300;

impl TemplateSection {
    fn read(value: &Value, path: &str) -> Result<TemplateSection, Vec<FieldError>> {
        let mut r = ObjectReader::new(value, path).map_err(|e| vec![e])?;
        let heading = r.req_parsed("heading", |s| NonEmptyText::parse(s, HEADING_MAX));
        let guidance = r.opt_parsed("guidance", |s| NonEmptyText::parse(s, NonEmptyText::MAX));
        let mut expected: Vec<ContentKind> = Vec::new();
        let items = r.array("expected");
        let expected_path = r.path("expected");
        if items.is_empty()
            && !r
                .errors
                .iter()
                .any(|e| e.field.as_ref() == Some(&expected_path))
        {
            r.error(
                "expected",
                "name at least one kind of content the section expects",
            );
        }
        for (ipath, v) in items {
            match v.as_str().map(ContentKind::parse) {
                Some(Ok(k)) if expected.contains(&k) => r
                    .errors
                    .push(FieldError::new(ipath, format!("{k} is listed twice"))),
                Some(Ok(k)) => expected.push(k),
                Some(Err(reason)) => r.errors.push(FieldError::new(ipath, reason)),
                None => r.errors.push(FieldError::new(
                    ipath,
                    format!("expected a string, got {}", kind_of(v)),
                )),
            }
        }
        let errors = r.finish();
        match heading {
            Some(heading) if errors.is_empty() => Ok(TemplateSection {
                heading,
                guidance,
                expected,
            }),
            _ => Err(errors),
        }
    }
}

impl Template {
    /// Parses a template from JSON; every error names its field (`sections[2].heading`). An
    /// absent clearance chain reads as [`DEFAULT_CLEARANCE_CHAIN`]; an empty one is refused.
    pub fn from_json(value: &Value) -> Result<Template, ValidationErrors> {
        let mut r = ObjectReader::new(value, "").map_err(ValidationErrors::one)?;
        let key = r.req_parsed("key", TemplateKey::parse);
        let title = r.req_parsed("title", |s| NonEmptyText::parse(s, HEADING_MAX));
        let provisional = r.bool_or("provisional", false);

        let mut sections: Vec<TemplateSection> = Vec::new();
        let mut positions: Vec<usize> = Vec::new();
        let items = r.array("sections");
        if items.is_empty()
            && !r
                .errors
                .iter()
                .any(|e| e.field.as_deref() == Some("sections"))
        {
            r.error("sections", "a template needs at least one section");
        }
        for (i, (path, v)) in items.into_iter().enumerate() {
            match TemplateSection::read(v, &path) {
                Ok(s) => {
                    if let Some(j) = sections.iter().position(|o| o.heading == s.heading) {
                        r.errors.push(FieldError::new(
                            format!("{path}.heading"),
                            format!("repeats the heading of sections[{}]", positions[j]),
                        ));
                    }
                    sections.push(s);
                    positions.push(i);
                }
                Err(es) => r.errors.extend(es),
            }
        }

        let mut clearance_chain = Vec::new();
        let chain_given = value.get("clearance_chain").is_some_and(|v| !v.is_null());
        let items = r.array("clearance_chain");
        if !chain_given {
            clearance_chain = DEFAULT_CLEARANCE_CHAIN.to_vec();
        } else if items.is_empty()
            && !r
                .errors
                .iter()
                .any(|e| e.field.as_deref() == Some("clearance_chain"))
        {
            r.error(
                "clearance_chain",
                "at least one role must clear a report; leave the field out for the default (post_reviewer, hq_editor)",
            );
        }
        for (path, v) in items {
            match v.as_str().map(Role::parse) {
                Some(Ok(role)) if matches!(role, Role::PostReviewer | Role::HqEditor) => {
                    clearance_chain.push(role)
                }
                Some(Ok(role)) => r.errors.push(FieldError::new(
                    path,
                    format!("{role} does not clear reports: use post_reviewer or hq_editor"),
                )),
                Some(Err(reason)) => r.errors.push(FieldError::new(path, reason)),
                None => r.errors.push(FieldError::new(
                    path,
                    format!("expected a role name, got {}", kind_of(v)),
                )),
            }
        }

        let errors = r.finish();
        match (key, title) {
            (Some(key), Some(title)) if errors.is_empty() => Ok(Template {
                key,
                title,
                sections,
                clearance_chain,
                provisional,
            }),
            _ => Err(ValidationErrors { errors }),
        }
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a template serialises")
    }

    /// The shipped templates, parsed. They are tested to parse; a failure here is a bug in
    /// the crate's data files.
    pub fn shipped() -> Vec<Template> {
        SHIPPED
            .iter()
            .map(|(name, text)| {
                let v: Value = serde_json::from_str(text)
                    .unwrap_or_else(|e| panic!("shipped template {name} is not JSON: {e}"));
                Template::from_json(&v)
                    .unwrap_or_else(|e| panic!("shipped template {name} is invalid: {e}"))
            })
            .collect()
    }

    /// The shipped template with this key.
    pub fn shipped_by_key(key: &str) -> Option<Template> {
        Template::shipped()
            .into_iter()
            .find(|t| t.key.as_str() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(e: &ValidationErrors) -> Vec<&str> {
        e.errors.iter().filter_map(|e| e.field.as_deref()).collect()
    }

    fn minimal() -> Value {
        json!({"key": "ad-hoc", "title": "Ad-hoc cable",
               "sections": [{"heading": "Summary", "expected": ["prose"]}]})
    }

    #[test]
    fn the_three_shipped_templates_parse_and_round_trip() {
        let all = Template::shipped();
        assert_eq!(all.len(), 3);
        for t in &all {
            assert_eq!(Template::from_json(&t.to_json()).unwrap(), *t);
            assert!(!t.clearance_chain.is_empty());
        }

        let classic = Template::shipped_by_key("hr-classic").unwrap();
        assert!(!classic.provisional);
        let numbered: Vec<_> = classic
            .sections
            .iter()
            .map(|s| s.heading.as_str())
            .filter(|h| h.as_bytes()[0].is_ascii_digit())
            .collect();
        assert_eq!(numbered.len(), 7);
        assert!(numbered[0].starts_with("1. Respect for the Integrity of the Person"));
        assert!(numbered[4].starts_with("5. Governmental Posture Towards International"));
        assert_eq!(numbered[6], "7. Worker Rights");

        let short = Template::shipped_by_key("hr-2024-provisional").unwrap();
        assert!(short.provisional);
        for s in &short.sections {
            assert!(
                s.heading.as_str().contains("(provisional"),
                "{} is not labelled provisional",
                s.heading
            );
        }
        for h in ["Life", "Liberty", "Security of the Person"] {
            assert!(
                short
                    .sections
                    .iter()
                    .any(|s| s.heading.as_str().starts_with(&format!("{h} ("))),
                "missing {h}"
            );
        }

        let mig = Template::shipped_by_key("migration-impacts").unwrap();
        assert_eq!(mig.sections.len(), 8);
        assert!(!mig.provisional);
        let text: String = mig
            .sections
            .iter()
            .filter_map(|s| s.guidance.as_ref())
            .map(|g| g.as_str().to_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        for caveat in [
            "citizenship",
            "country of birth",
            "migration background",
            "suspects are not convicts",
            "denominator",
            "a selection, not a sample",
        ] {
            assert!(text.contains(caveat), "guidance lacks {caveat:?}");
        }
    }

    #[test]
    fn an_absent_chain_is_the_default_and_an_empty_one_is_refused() {
        let t = Template::from_json(&minimal()).unwrap();
        assert_eq!(t.clearance_chain, DEFAULT_CLEARANCE_CHAIN.to_vec());
        assert!(!t.provisional);
        assert_eq!(t.sections[0].guidance, None);
        assert_eq!(Template::from_json(&t.to_json()).unwrap(), t);

        let mut v = minimal();
        v["clearance_chain"] = json!([]);
        let e = Template::from_json(&v).unwrap_err();
        assert_eq!(fields(&e), vec!["clearance_chain"]);

        v["clearance_chain"] = json!(["hq_editor", "admin", "nobody", 3]);
        let e = Template::from_json(&v).unwrap_err();
        assert_eq!(
            fields(&e),
            vec![
                "clearance_chain[1]",
                "clearance_chain[2]",
                "clearance_chain[3]"
            ]
        );

        v["clearance_chain"] = json!(["post_reviewer", "post_reviewer", "hq_editor"]);
        assert_eq!(Template::from_json(&v).unwrap().clearance_chain.len(), 3);
    }

    #[test]
    fn errors_name_nested_fields() {
        let v = json!({"key": "Bad Key", "title": "",
            "sections": [
                {"heading": "One", "expected": ["prose"]},
                {"heading": "Two", "expected": ["prose", "chart", "prose"], "colour": "red"},
                {"heading": "  ", "expected": []},
                {"heading": "One", "expected": ["case_table"]},
                "not an object"
            ],
            "provisional": "maybe"});
        let e = Template::from_json(&v).unwrap_err();
        assert_eq!(
            fields(&e),
            vec![
                "key",
                "title",
                "provisional",
                "sections[1].expected[1]",
                "sections[1].expected[2]",
                "sections[1].colour",
                "sections[2].heading",
                "sections[2].expected",
                "sections[3].heading",
                "sections[4]",
            ]
        );
        assert_eq!(
            e.reason_for("sections[3].heading"),
            Some("repeats the heading of sections[0]")
        );

        let e = Template::from_json(&json!({"key": "k1", "title": "T"})).unwrap_err();
        assert_eq!(fields(&e), vec!["sections"]);
        let e =
            Template::from_json(&json!({"key": "k1", "title": "T", "sections": {}})).unwrap_err();
        assert_eq!(fields(&e), vec!["sections"]);
        assert!(Template::from_json(&json!([])).is_err());
    }

    #[test]
    fn template_keys() {
        assert!(TemplateKey::parse("hr-classic").is_ok());
        assert!(TemplateKey::parse("hr_2024").is_ok());
        for bad in ["", "a", "-x", "x-", "Upper", "sp ace", "_x"] {
            assert!(TemplateKey::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
