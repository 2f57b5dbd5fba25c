//! The search page: a GET form, the hits with their highlighted snippets, facets as links
//! (each adds or removes one filter), the order and the next page. The header of every page
//! carries the same form.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{PageResult, render};
use crate::routes::Route;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chancery_app::search::{SearchRequest, SnippetPart, search};
use chancery_domain::Marking;

use crate::pages::views::PageMeta;

/// A facet value as a link that adds (or, when selected, removes) its filter.
pub struct FacetLink {
    pub label: String,
    pub count: i64,
    pub href: String,
    pub selected: bool,
}

pub struct FacetView {
    pub label: String,
    pub links: Vec<FacetLink>,
}

pub struct HitView {
    pub title: String,
    pub href: String,
    pub type_label: String,
    pub meta: Vec<String>,
    pub marking: String,
    pub snippet: Vec<SnippetPart>,
}

/// A problem with the search, for the error summary and beside the field.
pub struct SearchError {
    pub field: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub page: PageMeta,
    pub q: String,
    pub q_error: Option<String>,
    pub errors: Vec<SearchError>,
    pub searched: bool,
    pub total: i64,
    pub hits: Vec<HitView>,
    pub facets: Vec<FacetView>,
    pub by_date: bool,
    pub relevance_href: String,
    pub date_href: String,
    pub next: Option<String>,
}

fn href(pairs: &[(String, String)]) -> String {
    format!(
        "/search?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

pub async fn search_page(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let q = pairs
        .iter()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut view = SearchPage {
        page: PageMeta::new("Search", Marking::U, &user),
        q: q.clone(),
        q_error: None,
        errors: Vec::new(),
        searched: false,
        total: 0,
        hits: Vec::new(),
        facets: Vec::new(),
        by_date: false,
        relevance_href: String::new(),
        date_href: String::new(),
        next: None,
    };
    if q.trim().is_empty() {
        // The form alone (administrators are told they see no content).
        chancery_app::access::check_open(
            &user,
            chancery_domain::Action::Read,
            &chancery_domain::Resource::of(chancery_domain::ResourceKind::Case),
        )?;
        return Ok(render(StatusCode::OK, &view));
    }
    let refused = |view: &mut SearchPage, e: chancery_domain::ValidationErrors| {
        for f in e.errors {
            let field = f.field.unwrap_or_default();
            if field == "q" {
                view.q_error = Some(f.reason.clone());
            }
            view.errors.push(SearchError {
                field,
                reason: f.reason,
            });
        }
    };
    let req = match SearchRequest::from_pairs(&pairs) {
        Ok(r) => r,
        Err(e) => {
            refused(&mut view, e);
            view.page.title = "Error: Search".into();
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view));
        }
    };
    let found = match search(&state, &user, &req).await {
        Ok(f) => f,
        Err(AppError::Invalid(e)) => {
            refused(&mut view, e);
            view.page.title = "Error: Search".into();
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view));
        }
        Err(e) => return Err(e.into()),
    };
    let base: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, v)| k != "cursor" && !v.is_empty())
        .cloned()
        .collect();
    let with_sort = |sort: &str| {
        let mut p: Vec<(String, String)> =
            base.iter().filter(|(k, _)| k != "sort").cloned().collect();
        p.push(("sort".into(), sort.into()));
        href(&p)
    };
    view.searched = true;
    view.total = found.total;
    view.by_date = found.sort == "date";
    view.relevance_href = with_sort("relevance");
    view.date_href = with_sort("date");
    view.next = found.next.as_ref().map(|c| {
        let mut p = base.clone();
        p.push(("cursor".into(), c.clone()));
        href(&p)
    });
    view.facets = found
        .facets
        .iter()
        .map(|f| FacetView {
            label: f.label.clone(),
            links: f
                .values
                .iter()
                .map(|v| {
                    let mut p = base.clone();
                    if v.selected {
                        p.retain(|(k, x)| !(k == &f.name && x == &v.value));
                    } else {
                        p.push((f.name.clone(), v.value.clone()));
                    }
                    FacetLink {
                        label: v.label.clone(),
                        count: v.count,
                        href: href(&p),
                        selected: v.selected,
                    }
                })
                .collect(),
        })
        .collect();
    if found.hits.iter().any(|h| h.sbu) {
        view.page.marking = Marking::SBU;
    }
    view.hits = found
        .hits
        .into_iter()
        .map(|h| HitView {
            meta: [
                h.kind_label.clone(),
                h.post_label.clone(),
                h.country_label.clone(),
                h.status_label.clone(),
                h.date.clone(),
            ]
            .into_iter()
            .flatten()
            .collect(),
            title: h.title,
            href: h.url,
            type_label: h.type_label,
            marking: h.marking,
            snippet: h.snippet,
        })
        .collect();
    Ok(render(StatusCode::OK, &view))
}

/// A list page asked with words (`/cases?q=Hamburg`): the search of that type with the same
/// country, post and kind filters, as a redirect to `/search`. `None` when there are no words.
pub fn list_words(raw: Option<&str>, record_type: &str) -> Option<axum::response::Response> {
    use axum::response::IntoResponse;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
    if !pairs.iter().any(|(k, v)| k == "q" && !v.trim().is_empty()) {
        return None;
    }
    let mut kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, v)| matches!(k.as_str(), "q" | "country" | "post" | "kind") && !v.is_empty())
        .collect();
    kept.push(("type".into(), record_type.into()));
    Some(axum::response::Redirect::to(&href(&kept)).into_response())
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![Route::get("search_page", "/search", search_page)]
}
