//! View models for the HTML pages: plain strings and flags, prepared in Rust so that the
//! templates hold no logic beyond loops and conditions. Askama escapes every value.

use crate::auth::CurrentUser;
use askama::Template;
use chancery_domain::{
    Case, CaseKind, Country, Marking, Post, Record, Role, Source, SourceKind, ValidationErrors,
};
use serde_json::Value;

/// What the base layout needs: the title, the highest marking on the page, and who is
/// signed in (none on the login and error pages).
pub struct PageMeta {
    pub title: String,
    pub marking: Marking,
    pub nav: Option<Nav>,
}

/// The signed-in user's name and the sections their role opens.
pub struct Nav {
    pub name: String,
    pub role: &'static str,
    pub content: bool,
    /// May create and change cases and sources (subject to each record's own rules).
    pub writes: bool,
    pub admin: bool,
    pub redactions: bool,
    /// The session's form token, which every form posts (`csrf`); None for an API token.
    pub form_token: Option<String>,
}

impl PageMeta {
    /// A page for a signed-in user.
    pub fn new(title: impl Into<String>, marking: Marking, user: &CurrentUser) -> Self {
        let role = user.principal.role();
        PageMeta {
            title: title.into(),
            marking,
            nav: Some(Nav {
                name: user.name.clone(),
                role: role.label(),
                content: role != Role::Admin,
                writes: matches!(
                    role,
                    Role::PostOfficer | Role::PostReviewer | Role::HqEditor
                ),
                admin: role == Role::Admin,
                redactions: matches!(role, Role::Admin | Role::HqEditor)
                    && user.principal.sbu_access,
                form_token: user.form_token().map(str::to_string),
            }),
        }
    }

    /// The hidden field that carries the session's form token, for every form that posts
    /// (empty when there is no session).
    pub fn form_token_field(&self) -> String {
        match self.nav.as_ref().and_then(|n| n.form_token.as_deref()) {
            // The token is hex: nothing in it needs escaping.
            Some(t) => format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{t}\">",
                crate::csrf::FORM_FIELD
            ),
            None => String::new(),
        }
    }

    /// A page without a signed-in user (login, errors).
    pub fn anonymous(title: impl Into<String>) -> Self {
        PageMeta {
            title: title.into(),
            marking: Marking::U,
            nav: None,
        }
    }
}

/// A text input: its name (the field path, as errors name it), what the user typed, the error.
pub struct Field {
    pub name: String,
    pub value: String,
    pub error: Option<String>,
    /// Suspected personal data the PII check found in this field, each with its confirm box.
    pub pii: Vec<PiiMark>,
}

/// One PII hit shown beside its field: the text split around the flagged span (by characters),
/// and the names a ticked confirmation posts (`confirm_pii[index].field` / `.span`).
pub struct PiiMark {
    pub index: usize,
    pub field: String,
    pub span: String,
    pub before: String,
    pub flagged: String,
    pub after: String,
}

/// A confirmation ticked on an earlier post, carried as hidden inputs so that it is not lost
/// when the form comes back for another reason.
pub struct CarriedConfirmation {
    pub index: usize,
    pub field: String,
    pub span: String,
}

/// The most `confirm_pii[N]` rows a form can post (form paths cap indices below 100).
const MAX_CONFIRM_ROWS: usize = 100;

/// A checkbox of a fixed set (`tags[i]`).
pub struct CheckBox {
    pub name: String,
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct SelectField {
    pub name: String,
    pub options: Vec<Opt>,
    pub error: Option<String>,
}

/// The submitted (or stored) values of a form and the errors found in them.
pub struct FormState<'a> {
    pub values: &'a Value,
    pub errors: &'a ValidationErrors,
}

impl FormState<'_> {
    /// The value at a path such as `citations[0].page`, as the user typed it. A path into a
    /// member typed as JSON text (`parties[0].label` where `parties` is a textarea) reads
    /// through the parsed text.
    pub fn get(&self, path: &str) -> String {
        let mut node = self.values.clone();
        for part in path.split('.') {
            let (key, indices) = match part.find('[') {
                Some(open) => (&part[..open], &part[open..]),
                None => (part, ""),
            };
            if let Value::String(s) = &node {
                match serde_json::from_str::<Value>(s) {
                    Ok(v) => node = v,
                    Err(_) => return String::new(),
                }
            }
            node = match node.get(key) {
                Some(n) => n.clone(),
                None => return String::new(),
            };
            for i in indices
                .split(']')
                .filter_map(|x| x.strip_prefix('['))
                .map(|x| x.parse::<usize>().ok())
            {
                if let Value::String(s) = &node
                    && let Ok(v) = serde_json::from_str::<Value>(s)
                {
                    node = v;
                }
                node = match i.and_then(|i| node.get(i)) {
                    Some(n) => n.clone(),
                    None => return String::new(),
                };
            }
        }
        match node {
            Value::String(s) => s,
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            other => other.to_string(),
        }
    }

    pub fn error(&self, path: &str) -> Option<String> {
        self.errors.reason_for(path).map(str::to_string)
    }

    pub fn text(&self, name: &str) -> Field {
        Field {
            name: name.to_string(),
            value: self.get(name),
            error: self.error(name),
            pii: self.pii_marks(|f| f == name),
        }
    }

    /// A textarea holding a member as JSON: the text typed, or the stored value
    /// pretty-printed. Every error under the member (`parties[0].age[0].value`) and every PII
    /// hit in it is shown beside it.
    pub fn json_area(&self, name: &str) -> Field {
        let value = match self.values.get(name) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
        };
        let under = |f: &str| {
            f == name
                || f.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
        };
        let reasons: Vec<String> = self
            .errors
            .errors
            .iter()
            .filter(|e| e.field.as_deref().is_some_and(under))
            .map(|e| match e.field.as_deref() {
                Some(f) if f != name => format!("{f}: {}", e.reason),
                _ => e.reason.clone(),
            })
            .collect();
        Field {
            name: name.to_string(),
            value,
            error: (!reasons.is_empty()).then(|| reasons.join("; ")),
            pii: self.pii_marks(under),
        }
    }

    /// Confirmations ticked on the post being shown again (both field and span present).
    pub fn carried_confirmations(&self) -> Vec<CarriedConfirmation> {
        let items: Vec<&Value> = match self.values.get("confirm_pii") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(Value::Object(o)) => o.values().collect(),
            _ => Vec::new(),
        };
        items
            .into_iter()
            .filter_map(|i| Some((i.get("field")?.as_str()?, i.get("span")?.as_str()?)))
            .take(MAX_CONFIRM_ROWS)
            .enumerate()
            .map(|(index, (f, s))| CarriedConfirmation {
                index,
                field: f.to_string(),
                span: s.to_string(),
            })
            .collect()
    }

    /// The PII hits among the errors whose field `wanted` accepts, numbered after the carried
    /// confirmations so that every `confirm_pii[N]` of the form is distinct.
    fn pii_marks(&self, wanted: impl Fn(&str) -> bool) -> Vec<PiiMark> {
        let carried = self.carried_confirmations().len();
        self.errors
            .errors
            .iter()
            .enumerate()
            .filter_map(|(pos, e)| {
                let field = e.field.as_deref().filter(|f| wanted(f))?;
                let span = e.extra.get("span")?.as_array()?;
                let (start, end) = (
                    span.first()?.as_u64()? as usize,
                    span.get(1)?.as_u64()? as usize,
                );
                let index = carried + pos;
                if index >= MAX_CONFIRM_ROWS || start >= end {
                    return None;
                }
                let text = self.get(field);
                let chars: Vec<char> = text.trim().chars().collect();
                let (before, flagged, after) = if end <= chars.len() {
                    (
                        chars[..start].iter().collect(),
                        chars[start..end].iter().collect(),
                        chars[end..].iter().collect(),
                    )
                } else {
                    (String::new(), String::new(), String::new())
                };
                Some(PiiMark {
                    index,
                    field: field.to_string(),
                    span: format!("{start}-{end}"),
                    before,
                    flagged,
                    after,
                })
            })
            .collect()
    }

    /// A select whose options are (value, label) pairs; `blank` adds an empty first option.
    pub fn select(
        &self,
        name: &str,
        options: &[(String, String)],
        blank: Option<&str>,
    ) -> SelectField {
        let current = self.get(name);
        let mut opts: Vec<Opt> = Vec::new();
        if let Some(b) = blank {
            opts.push(Opt {
                value: String::new(),
                label: b.to_string(),
                selected: current.is_empty(),
            });
        }
        let mut found = current.is_empty();
        for (v, l) in options {
            let selected = *v == current;
            found |= selected;
            opts.push(Opt {
                value: v.clone(),
                label: l.clone(),
                selected,
            });
        }
        if !found {
            // Keep what the user sent, even if it is not a known option, so nothing is lost.
            opts.push(Opt {
                value: current.clone(),
                label: format!("{current} (not valid)"),
                selected: true,
            });
        }
        SelectField {
            name: name.to_string(),
            options: opts,
            error: self.error(name),
        }
    }

    /// How many rows of an array the values hold.
    pub fn rows(&self, name: &str) -> usize {
        self.values
            .get(name)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    }

    /// Every error, for the summary at the top of the form.
    pub fn summary(&self) -> Vec<String> {
        self.errors.errors.iter().map(ToString::to_string).collect()
    }
}

pub fn pairs<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    items
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

pub fn country_options() -> Vec<(String, String)> {
    Country::all()
        .map(|c| (c.code().to_string(), format!("{} ({})", c.name(), c.code())))
        .collect()
}

pub fn case_kind_options() -> Vec<(String, String)> {
    pairs(CaseKind::ALL.iter().map(|k| (k.as_str(), k.label())))
}

pub fn source_kind_options() -> Vec<(String, String)> {
    pairs(SourceKind::ALL.iter().map(|k| (k.as_str(), k.label())))
}

pub fn marking_options() -> Vec<(String, String)> {
    pairs([
        ("U", "U (unclassified)"),
        ("SBU", "SBU (sensitive but unclassified)"),
    ])
}

pub fn post_options(posts: &[Post]) -> Vec<(String, String)> {
    posts
        .iter()
        .map(|p| (p.slug.as_str().to_string(), p.display_name()))
        .collect()
}

// ---------------------------------------------------------------- pages

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub page: PageMeta,
    pub heading: String,
    pub message: String,
}

pub struct CaseRow {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub country: String,
    pub post: String,
    pub date: String,
    pub status: &'static str,
    pub marking: &'static str,
    pub version: i64,
}

impl CaseRow {
    pub fn new(r: &Record<Case>) -> Self {
        CaseRow {
            id: r.id.get(),
            title: r.data.title.to_string(),
            kind: r.data.kind.as_str(),
            country: r.data.country.code().to_string(),
            post: r.data.post.to_string(),
            date: r
                .data
                .date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "n.d.".into()),
            status: r.data.status.as_str(),
            marking: r.data.marking.as_str(),
            version: r.version,
        }
    }
}

#[derive(Template)]
#[template(path = "cases_list.html")]
pub struct CasesPage {
    pub page: PageMeta,
    pub country: SelectField,
    pub kind: SelectField,
    pub post: SelectField,
    pub errors: Vec<String>,
    pub rows: Vec<CaseRow>,
    pub next: Option<String>,
}

pub struct SourceRow {
    pub id: i64,
    pub title: String,
    pub publisher: String,
    pub kind: &'static str,
    pub published: String,
    pub verified: bool,
    pub marking: &'static str,
    pub version: i64,
}

impl SourceRow {
    pub fn new(r: &Record<Source>) -> Self {
        SourceRow {
            id: r.id.get(),
            title: r.data.title.to_string(),
            publisher: r.data.publisher.to_string(),
            kind: r.data.kind.label(),
            published: r
                .data
                .published
                .map(|d| d.to_string())
                .unwrap_or_else(|| "n.d.".into()),
            verified: r.data.verified,
            marking: r.data.marking.as_str(),
            version: r.version,
        }
    }
}

#[derive(Template)]
#[template(path = "sources_list.html")]
pub struct SourcesPage {
    pub page: PageMeta,
    pub kind: SelectField,
    pub errors: Vec<String>,
    pub rows: Vec<SourceRow>,
    pub next: Option<String>,
}

pub struct Fact {
    pub label: &'static str,
    pub value: String,
    pub multiline: bool,
}

impl Fact {
    pub fn new(label: &'static str, value: impl Into<String>) -> Self {
        Fact {
            label,
            value: value.into(),
            multiline: false,
        }
    }

    pub fn long(label: &'static str, value: impl Into<String>) -> Self {
        Fact {
            label,
            value: value.into(),
            multiline: true,
        }
    }
}

/// A citation as a page shows it: the source (if the user may see it), the pinpoint, the quote
/// and its translation, and whether the source is unverified or withdrawn.
pub struct CiteView {
    pub source_id: i64,
    pub label: String,
    pub pinpoint: String,
    pub quote: Option<String>,
    pub quote_en: Option<String>,
    pub unverified: bool,
    /// "retracted: reason" or "superseded: reason" when the source no longer stands.
    pub withdrawn: Option<String>,
}

pub struct LinkView {
    pub id: i64,
    pub label: String,
    pub relation: String,
}

#[derive(Template)]
#[template(path = "record_view.html")]
pub struct RecordPage {
    pub page: PageMeta,
    pub heading: String,
    pub list_href: &'static str,
    pub list_label: &'static str,
    pub self_href: String,
    pub api_href: String,
    pub facts: Vec<Fact>,
    pub citations: Vec<CiteView>,
    pub links: Vec<LinkView>,
    pub backlinks_heading: &'static str,
    pub backlinks: Vec<LinkView>,
    pub version: i64,
    pub created: String,
    pub updated: String,
}

pub fn case_facts(c: &Case, post_name: &str, clearance: Marking) -> Vec<Fact> {
    let summary = if c.summary_marking > clearance {
        "[withheld: this summary is SBU and the account has no SBU access]".to_string()
    } else {
        c.summary.to_string()
    };
    vec![
        Fact::new("Kind", c.kind.label()),
        Fact::new(
            "Country",
            format!("{} ({})", c.country.name(), c.country.code()),
        ),
        Fact::new("Post", post_name.to_string()),
        Fact::new("Date", date_text(c)),
        Fact::new("Status", c.status.label()),
        Fact::new("Marking", c.marking.as_str()),
        Fact::new("Summary marking", c.summary_marking.as_str()),
        Fact::long("Summary", summary),
    ]
}

pub fn date_text(c: &Case) -> String {
    match c.date {
        None => "not known".into(),
        Some(d) => format!("{d} (precision: {})", d.precision().as_str()),
    }
}

pub fn source_facts(s: &Source) -> Vec<Fact> {
    vec![
        Fact::new("Kind", s.kind.label()),
        Fact::new("Publisher", s.publisher.to_string()),
        Fact::new(
            "URL",
            s.url
                .as_ref()
                .map(|u| u.to_string())
                .unwrap_or_else(|| "none recorded".into()),
        ),
        Fact::new(
            "Language",
            s.language
                .as_ref()
                .map(|l| l.to_string())
                .unwrap_or_else(|| "not recorded".into()),
        ),
        Fact::new(
            "Published",
            s.published
                .map(|d| d.to_string())
                .unwrap_or_else(|| "n.d.".into()),
        ),
        Fact::new(
            "Retrieved",
            s.retrieved
                .map(|d| d.to_string())
                .unwrap_or_else(|| "not recorded".into()),
        ),
        Fact::new(
            "Verified",
            if s.verified {
                "yes"
            } else {
                "no: not checked against the document itself"
            },
        ),
        Fact::new("Marking", s.marking.as_str()),
    ]
}

pub struct VersionView {
    pub version: i64,
    pub author: String,
    pub created_at: String,
    pub content_hash: String,
    pub prev_hash: Option<String>,
    pub changed: String,
    pub facts: Vec<Fact>,
}

#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage {
    pub page: PageMeta,
    pub heading: String,
    pub record_href: String,
    pub versions: Vec<VersionView>,
}

/// The names of the top-level members that differ between two versions' JSON.
pub fn changed_members(prev: Option<&Value>, next: &Value) -> String {
    let Some(prev) = prev else {
        return String::new();
    };
    let mut keys: Vec<&str> = Vec::new();
    if let (Some(a), Some(b)) = (prev.as_object(), next.as_object()) {
        for k in a.keys().chain(b.keys()) {
            if a.get(k) != b.get(k) && !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    if keys.is_empty() {
        "nothing".into()
    } else {
        keys.join(", ")
    }
}

pub struct PostRow {
    pub name: String,
    pub slug: String,
    pub country: String,
    pub signer: String,
}

#[derive(Template)]
#[template(path = "posts.html")]
pub struct PostsPage {
    pub page: PageMeta,
    pub posts: Vec<PostRow>,
}
