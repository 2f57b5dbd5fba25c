//! The policy register and engagements as versioned records (see `records`).

use crate::records::{Cell, Filter, RefKey, Reference, Versioned};
use chancery_domain::{
    Country, Engagement, Marking, Policy, PolicyArea, PostSlug, ValidationErrors,
};
use serde_json::Value;

fn post_ref(post: &PostSlug) -> Reference {
    Reference {
        path: "post".into(),
        target: "posts",
        what: "post",
        key_column: "slug",
        key: RefKey::Text(post.as_str().into()),
        index_sql: None,
        extra: None,
    }
}

fn source_ref(path: String, id: i64, index_sql: &'static str) -> Reference {
    Reference {
        path,
        target: "sources",
        what: "source",
        key_column: "id",
        key: RefKey::Id(id),
        index_sql: Some(index_sql),
        extra: None,
    }
}

/// Filters on policies; `scope_post` and `max_marking` are what the user may see at all.
#[derive(Debug, Clone, Default)]
pub struct PolicyFilter {
    pub country: Option<Country>,
    pub area: Option<PolicyArea>,
    pub post: Option<PostSlug>,
    pub scope_post: Option<PostSlug>,
    pub max_marking: Option<Marking>,
}

impl Filter for PolicyFilter {
    fn conditions(&self) -> Vec<(&'static str, String)> {
        let mut c = Vec::new();
        if let Some(x) = &self.country {
            c.push(("country", x.code().to_string()));
        }
        if let Some(x) = &self.area {
            c.push(("area", x.as_str().to_string()));
        }
        for p in [&self.post, &self.scope_post].into_iter().flatten() {
            c.push(("post", p.as_str().to_string()));
        }
        if self.max_marking == Some(Marking::U) {
            c.push(("marking", "U".into()));
        }
        c
    }
}

impl Versioned for Policy {
    const RECORD_TYPE: &'static str = "policy";
    const HEAD: &'static str = "policies";
    const VERSIONS: &'static str = "policy_versions";
    const CLEAR_INDEX: &'static [&'static str] = &[
        "DELETE FROM policy_cases WHERE policy_id = $1",
        "DELETE FROM policy_citations WHERE policy_id = $1",
    ];
    const COLUMNS: &'static [&'static str] = &["post", "country", "kind", "area", "marking"];
    type Filter = PolicyFilter;

    fn head_values(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.post.as_str()),
            Cell::text(self.country.code()),
            Cell::text(self.kind.as_str()),
            Cell::text(self.area.as_str()),
            Cell::text(self.marking.as_str()),
        ]
    }

    fn body(&self) -> Value {
        self.to_json()
    }

    fn from_body(body: &Value) -> Result<Self, ValidationErrors> {
        Policy::from_json(body)
    }

    fn references(&self) -> Vec<Reference> {
        let mut refs = vec![post_ref(&self.post)];
        for (i, v) in self.versions.iter().enumerate() {
            for (j, c) in v.citations.iter().enumerate() {
                refs.push(source_ref(
                    format!("versions[{i}].citations[{j}].source_id"),
                    c.source_id.get(),
                    "INSERT INTO policy_citations (policy_id, source_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                ));
            }
        }
        for (i, c) in self.linked_cases.iter().enumerate() {
            refs.push(Reference {
                path: format!("linked_cases[{i}]"),
                target: "cases",
                what: "case",
                key_column: "id",
                key: RefKey::Id(c.get()),
                index_sql: Some("INSERT INTO policy_cases (policy_id, case_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"),
                extra: None,
            });
        }
        refs
    }
}

/// Filters on engagements.
#[derive(Debug, Clone, Default)]
pub struct EngagementFilter {
    pub country: Option<Country>,
    pub post: Option<PostSlug>,
    pub scope_post: Option<PostSlug>,
    pub max_marking: Option<Marking>,
}

impl Filter for EngagementFilter {
    fn conditions(&self) -> Vec<(&'static str, String)> {
        let mut c = Vec::new();
        if let Some(x) = &self.country {
            c.push(("country", x.code().to_string()));
        }
        for p in [&self.post, &self.scope_post].into_iter().flatten() {
            c.push(("post", p.as_str().to_string()));
        }
        if self.max_marking == Some(Marking::U) {
            c.push(("marking", "U".into()));
        }
        c
    }
}

impl Versioned for Engagement {
    const RECORD_TYPE: &'static str = "engagement";
    const HEAD: &'static str = "engagements";
    const VERSIONS: &'static str = "engagement_versions";
    const CLEAR_INDEX: &'static [&'static str] =
        &["DELETE FROM engagement_citations WHERE engagement_id = $1"];
    const COLUMNS: &'static [&'static str] = &["post", "country", "kind", "date_sort", "marking"];
    type Filter = EngagementFilter;

    fn head_values(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.post.as_str()),
            Cell::text(self.country.code()),
            Cell::text(self.kind.as_str()),
            Cell::text(&self.date.to_string()),
            Cell::text(self.marking.as_str()),
        ]
    }

    fn body(&self) -> Value {
        self.to_json()
    }

    fn from_body(body: &Value) -> Result<Self, ValidationErrors> {
        Engagement::from_json(body)
    }

    fn references(&self) -> Vec<Reference> {
        let mut refs = vec![post_ref(&self.post)];
        for (i, c) in self.citations.iter().enumerate() {
            refs.push(source_ref(
                format!("citations[{i}].source_id"),
                c.source_id.get(),
                "INSERT INTO engagement_citations (engagement_id, source_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            ));
        }
        refs
    }
}
