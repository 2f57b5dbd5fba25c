//! Templates: the shipped ones and HQ's edited copies, read by all and saved by HQ editors.

use super::bad;
use crate::access::check_open;
use crate::report_build;
use crate::{Actor, App, AppError};
use chancery_domain::access::{Action, Resource, ResourceKind};
use chancery_domain::report::Template;
use chancery_store::TemplateFilter;
use serde_json::Value;
/// Every template: the shipped ones (or HQ's edited copies of them) and HQ's own.
pub async fn all_templates(
    state: &App,
    user: &Actor,
) -> Result<Vec<(Template, Option<i64>)>, AppError> {
    check_open(user, Action::Read, &Resource::of(ResourceKind::Template))?;
    let stored = state
        .store
        .list::<Template>(&TemplateFilter::default(), None, 500)
        .await?
        .items;
    let mut out: Vec<(Template, Option<i64>)> = Template::shipped()
        .into_iter()
        .map(|t| match stored.iter().find(|s| s.data.key == t.key) {
            Some(s) => (s.data.clone(), Some(s.version)),
            None => (t, None),
        })
        .collect();
    for s in stored {
        if !out.iter().any(|(t, _)| t.key == s.data.key) {
            out.push((s.data, Some(s.version)));
        }
    }
    Ok(out)
}

/// Saves a template (HQ editors): the first edit of a shipped template stores a copy.
/// `expected` is the stored version read (0 for a template never edited).
pub async fn save_template(
    state: &App,
    user: &Actor,
    key: &str,
    expected: i64,
    body: &Value,
) -> Result<Template, AppError> {
    check_open(user, Action::Update, &Resource::of(ResourceKind::Template))?;
    let t = Template::from_json(body)?;
    if t.key.as_str() != key {
        return Err(bad(
            "key",
            format!("the key is {key}: a template's key does not change"),
        ));
    }
    let existing = state
        .store
        .list::<Template>(
            &TemplateFilter {
                key: Some(key.to_string()),
            },
            None,
            1,
        )
        .await?
        .items;
    match existing.first() {
        Some(rec) => {
            state
                .store
                .update(rec.id, expected, &t, &user.ctx())
                .await?;
        }
        None => {
            if expected != 0 {
                return Err(AppError::Conflict {
                    expected,
                    current: 0,
                });
            }
            state.store.create(&t, &user.ctx()).await?;
        }
    }
    Ok(t)
}

/// The template a key names: HQ's edited copy, else the shipped one.
pub async fn effective(state: &App, key: &str) -> Result<Option<Template>, AppError> {
    Ok(report_build::effective_template(&state.store, key).await?)
}
