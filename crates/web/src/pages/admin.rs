//! Administration: accounts (create, change, unlock), the two-person steps (SBU access,
//! password links) and the audit log.

use crate::AppState;
use crate::api::audit::audit_filter;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::{FormBody, IdPath};
use crate::pages::views::{Field, FormState, PageMeta, SelectField, pairs, post_options};
use crate::pages::{PageResult, render, see_other};
use crate::routes::Route;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chancery_app::access::check_open;
use chancery_app::admin::{self, StoredUser};
use chancery_domain::input::form_to_json;
use chancery_domain::{
    Account, Action, Marking, Resource, ResourceKind, Role, UserId, ValidationErrors,
};
use serde_json::{Value, json};
use std::collections::HashMap;

fn require_admin(user: &CurrentUser) -> Result<(), ApiError> {
    check_open(user, Action::Administer, &Resource::of(ResourceKind::User)).map_err(Into::into)
}

pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: &'static str,
    pub post: String,
    pub sbu: bool,
    pub sbu_pending: bool,
    pub active: bool,
    pub locked: bool,
}

/// Something waiting for a second administrator, as the accounts page lists it.
pub struct WaitingRow {
    pub user_id: i64,
    pub email: String,
    pub what: &'static str,
    pub requested_by: String,
    pub requested_at: String,
    /// The viewer asked for it, so another administrator acts on it.
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub page: PageMeta,
    pub users: Vec<UserRow>,
    pub waiting: Vec<WaitingRow>,
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%-d %B %Y at %H:%M UTC").to_string()
}

pub async fn users_page(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    require_admin(&user)?;
    let now = chrono::Utc::now();
    let accounts = admin::users(&state, &user).await?;
    let (grants, resets) = admin::waiting(&state, &user).await?;
    let email = |id: UserId| {
        accounts
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.account.email.to_string())
            .unwrap_or_else(|| format!("account {}", id.0))
    };
    let me = user.id();
    let mut waiting: Vec<WaitingRow> = grants
        .iter()
        .map(|g| WaitingRow {
            user_id: g.user_id.0,
            email: email(g.user_id),
            what: "SBU access",
            requested_by: email(g.requested_by),
            requested_at: when(g.requested_at),
            mine: g.requested_by == me,
        })
        .collect();
    waiting.extend(
        resets
            .iter()
            .filter(|r| r.issued_at.is_none())
            .map(|r| WaitingRow {
                user_id: r.user_id.0,
                email: email(r.user_id),
                what: "A password link",
                requested_by: email(r.requested_by),
                requested_at: when(r.requested_at),
                mine: r.requested_by == me,
            }),
    );
    let users = accounts
        .into_iter()
        .map(|u| UserRow {
            id: u.id.0,
            email: u.account.email.to_string(),
            name: u.account.display_name.to_string(),
            role: u.account.placement.role().label(),
            post: u
                .account
                .placement
                .post()
                .map(|p| p.to_string())
                .unwrap_or_else(|| "headquarters".into()),
            sbu: u.account.sbu_access,
            sbu_pending: grants.iter().any(|g| g.user_id == u.id),
            active: u.account.active,
            locked: u.locked_until.is_some_and(|t| t > now),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &UsersPage {
            page: PageMeta::new("Accounts", Marking::U, &user),
            users,
            waiting,
        },
    ))
}

#[derive(Template)]
#[template(path = "user_form.html")]
pub struct UserFormPage {
    pub page: PageMeta,
    pub heading: String,
    pub action: String,
    pub is_new: bool,
    pub errors: Vec<String>,
    pub email: Field,
    pub display_name: Field,
    pub role: SelectField,
    pub post: SelectField,
    pub sbu_access: bool,
    pub active: bool,
    pub user_id: Option<i64>,
    pub locked: bool,
    pub legacy_ref: Option<String>,
    pub duties: Option<DutiesView>,
}

/// What waits for a second administrator on the account shown, as the viewer may act on it.
pub struct DutiesView {
    /// The account is the viewer's own.
    pub own: bool,
    /// Only one active administrator: nobody can be the second.
    pub single_admin: bool,
    pub has_password: bool,
    pub grant: Option<GrantView>,
    pub reset: Option<ResetView>,
}

pub struct GrantView {
    pub id: i64,
    pub requested_by: String,
    pub requested_at: String,
    /// The viewer asked for it (so may not decide it).
    pub mine: bool,
}

pub struct ResetView {
    pub requested_by: String,
    pub requested_at: String,
    /// The viewer asked for it (so may not issue it, nor ever see it).
    pub mine: bool,
    /// Issued: by whom, and until when it can be used.
    pub issued: Option<(String, String)>,
}

async fn duties_view(
    state: &AppState,
    user: &CurrentUser,
    target: &StoredUser,
) -> Result<DutiesView, AppError> {
    let d = admin::duties(state, user, target.id).await?;
    let accounts = admin::users(state, user).await?;
    let email = |id: UserId| {
        accounts
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.account.email.to_string())
            .unwrap_or_else(|| format!("account {}", id.0))
    };
    let me = user.id();
    Ok(DutiesView {
        own: target.id == me,
        single_admin: d.administrators < 2,
        has_password: target.password_hash.is_some(),
        grant: d.sbu.map(|g| GrantView {
            id: g.id,
            requested_by: email(g.requested_by),
            requested_at: when(g.requested_at),
            mine: g.requested_by == me,
        }),
        reset: d.reset.map(|r| ResetView {
            requested_by: email(r.requested_by),
            requested_at: when(r.requested_at),
            mine: r.requested_by == me,
            issued: r
                .issued_by
                .zip(r.expires_at)
                .map(|(by, until)| (email(by), when(until))),
        }),
    })
}

async fn user_form(
    state: &AppState,
    user: &CurrentUser,
    target: Option<&StoredUser>,
    values: &Value,
    errors: &ValidationErrors,
) -> Result<UserFormPage, AppError> {
    let posts = chancery_app::posts::all(state).await?;
    let form = FormState { values, errors };
    let roles = pairs(Role::ALL.iter().map(|r| (r.as_str(), r.label())));
    let flag = |k: &str| matches!(form.get(k).as_str(), "true" | "on");
    let (heading, action) = match target {
        Some(t) => (
            format!("Account: {}", t.account.email),
            format!("/admin/users/{}", t.id.0),
        ),
        None => ("New account".to_string(), "/admin/users".to_string()),
    };
    Ok(UserFormPage {
        page: PageMeta::new(heading.clone(), Marking::U, user),
        heading,
        action,
        is_new: target.is_none(),
        errors: form.summary(),
        email: form.text("email"),
        display_name: form.text("display_name"),
        role: form.select("role", &roles, Some("(choose)")),
        post: form.select("post", &post_options(&posts), Some("(headquarters)")),
        sbu_access: flag("sbu_access"),
        active: flag("active"),
        user_id: target.map(|t| t.id.0),
        locked: target.is_some_and(|t| t.locked_until.is_some_and(|l| l > chrono::Utc::now())),
        legacy_ref: target.and_then(|t| t.legacy_ref.clone()),
        duties: match target {
            Some(t) => Some(duties_view(state, user, t).await?),
            None => None,
        },
    })
}

/// The account form's values: a checkbox left unticked sends nothing, so a missing
/// `sbu_access` or `active` reads as unticked (the domain's default for `active` is true).
fn form_values(form: &[(String, String)]) -> Value {
    let mut values = form_to_json(form);
    if let Some(o) = values.as_object_mut() {
        // No password is taken here: a second administrator issues the account's password link.
        o.remove("password");
        for flag in ["sbu_access", "active"] {
            o.entry(flag).or_insert(Value::Bool(false));
        }
    }
    values
}

fn account_values(u: &StoredUser) -> Value {
    json!({
        "email": u.account.email.as_str(),
        "display_name": u.account.display_name.as_str(),
        "role": u.account.placement.role().as_str(),
        "post": u.account.placement.post().map(|p| p.as_str()),
        "sbu_access": u.account.sbu_access,
        "active": u.account.active,
    })
}

pub async fn new_user(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    require_admin(&user)?;
    let values = json!({"active": true});
    let t = user_form(&state, &user, None, &values, &ValidationErrors::default()).await?;
    Ok(render(StatusCode::OK, &t))
}

pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    FormBody(form): FormBody,
) -> PageResult {
    require_admin(&user)?;
    let values = form_values(&form);
    let errors = match Account::from_json(&values) {
        Ok(account) => match admin::create_user(&state, &user, &account).await {
            Ok(id) => return Ok(see_other(format!("/admin/users/{}", id.0))),
            Err(AppError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let t = user_form(&state, &user, None, &values, &errors).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
}

async fn load_target(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
) -> Result<StoredUser, ApiError> {
    Ok(admin::user(state, user, raw).await?)
}

pub async fn user_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    require_admin(&user)?;
    let target = load_target(&state, &user, &id).await?;
    let t = user_form(
        &state,
        &user,
        Some(&target),
        &account_values(&target),
        &ValidationErrors::default(),
    )
    .await?;
    Ok(render(StatusCode::OK, &t))
}

pub async fn update_user(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    FormBody(form): FormBody,
) -> PageResult {
    require_admin(&user)?;
    let target = load_target(&state, &user, &id).await?;
    let values = form_values(&form);
    let errors = match Account::from_json(&values) {
        Ok(account) => match admin::update_user(&state, &user, target.id, &account).await {
            Ok(_) => return Ok(see_other(format!("/admin/users/{}", target.id.0))),
            Err(AppError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let t = user_form(&state, &user, Some(&target), &values, &errors).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
}

pub async fn unlock_user(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    require_admin(&user)?;
    let target = load_target(&state, &user, &id).await?;
    admin::unlock(&state, &user, target.id).await?;
    Ok(see_other(format!("/admin/users/{}", target.id.0)))
}

/// Asks for a password link for the account; a second administrator issues it.
pub async fn request_reset(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    require_admin(&user)?;
    let target = load_target(&state, &user, &id).await?;
    admin::request_reset(&state, &user, target.id).await?;
    Ok(see_other(format!("/admin/users/{}", target.id.0)))
}

#[derive(Template)]
#[template(path = "reset_link.html")]
pub struct ResetLinkPage {
    pub page: PageMeta,
    pub email: String,
    pub user_id: i64,
    pub link: String,
    pub expires: String,
}

/// Issues the account's password link (a second administrator only) and shows it, once.
pub async fn issue_reset(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: axum::http::HeaderMap,
) -> PageResult {
    require_admin(&user)?;
    let target = load_target(&state, &user, &id).await?;
    let issued = admin::issue_reset(&state, &user, target.id).await?;
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    Ok(render(
        StatusCode::OK,
        &ResetLinkPage {
            page: PageMeta::new("Password link", Marking::U, &user),
            email: target.account.email.to_string(),
            user_id: target.id.0,
            link: format!("http://{host}/password-reset/{}", issued.token),
            expires: when(issued.expires_at),
        },
    ))
}

/// Approves or rejects a request for SBU access (a second administrator only).
pub async fn decide_grant(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    FormBody(form): FormBody,
) -> PageResult {
    require_admin(&user)?;
    let approve = match form
        .iter()
        .find(|(k, _)| k == "decision")
        .map(|(_, v)| v.as_str())
    {
        Some("approve") => true,
        Some("reject") => false,
        _ => {
            return Err(AppError::invalid("decision", "choose approve or reject").into());
        }
    };
    let account = admin::decide_grant(&state, &user, &id, approve).await?;
    Ok(see_other(format!("/admin/users/{}", account.0)))
}

// ---------------------------------------------------------------- audit log

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub record: String,
    pub content_hash: String,
    pub address: String,
    pub entry_hash: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub page: PageMeta,
    pub action: String,
    pub actor: String,
    pub record_type: String,
    pub record_id: String,
    pub rows: Vec<AuditRow>,
    pub older: Option<String>,
    pub chain: String,
    pub chain_ok: bool,
}

pub async fn audit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> PageResult {
    check_open(&user, Action::ReadAudit, &Resource::of(ResourceKind::Audit))?;
    let (filter, limit) = audit_filter(raw.as_deref()).map_err(AppError::Invalid)?;
    let entries = admin::audit_entries(&state, &user, &filter, limit).await?;
    let names: HashMap<i64, String> = admin::account_names(&state, &user)
        .await?
        .into_iter()
        .map(|(id, email)| (id.0, email))
        .collect();
    let short = |h: &str| h.chars().take(12).collect::<String>();
    let rows = entries
        .iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: e.at.clone(),
            actor: e
                .actor_id
                .map(|id| {
                    names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("account {id}"))
                })
                .unwrap_or_else(|| "system".into()),
            action: e.action.clone(),
            record: match (&e.record_type, e.record_id, e.version) {
                (Some(t), Some(id), Some(v)) => format!("{t} {id} v{v}"),
                (Some(t), Some(id), None) => format!("{t} {id}"),
                _ => String::new(),
            },
            content_hash: e.content_hash.as_deref().map(short).unwrap_or_default(),
            address: e.address.clone().unwrap_or_default(),
            entry_hash: short(&e.entry_hash),
        })
        .collect();
    let older = (entries.len() as u32 == limit).then(|| {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
        pairs.retain(|(k, _)| k != "before");
        pairs.push((
            "before".into(),
            entries.last().map(|e| e.seq).unwrap_or(0).to_string(),
        ));
        format!(
            "/admin/audit?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    });
    let (chain, chain_ok) = match admin::audit_verify(&state, &user).await? {
        Ok(n) => (format!("The chain of {n} entries verifies."), true),
        Err(b) => (
            format!("The chain is broken at entry {}: {}", b.seq, b.reason),
            false,
        ),
    };
    let t = AuditPage {
        page: PageMeta::new("Audit log", Marking::U, &user),
        action: filter.action.clone().unwrap_or_default(),
        actor: filter.actor_id.map(|a| a.to_string()).unwrap_or_default(),
        record_type: filter.record_type.clone().unwrap_or_default(),
        record_id: filter.record_id.map(|a| a.to_string()).unwrap_or_default(),
        rows,
        older,
        chain,
        chain_ok,
    };
    Ok(render(StatusCode::OK, &t))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("users_page", "/admin/users", users_page),
        Route::get("user_new", "/admin/users/new", new_user),
        Route::post("user_create", "/admin/users", create_user),
        Route::get("user_page", "/admin/users/{id}", user_page),
        Route::post("user_update", "/admin/users/{id}", update_user),
        Route::post("user_unlock", "/admin/users/{id}/unlock", unlock_user),
        Route::post(
            "user_reset_request",
            "/admin/users/{id}/reset",
            request_reset,
        ),
        Route::post(
            "user_reset_issue",
            "/admin/users/{id}/reset/issue",
            issue_reset,
        ),
        Route::post(
            "sbu_grant_decide",
            "/admin/sbu-grants/{id}/decision",
            decide_grant,
        ),
        Route::get("audit_page", "/admin/audit", audit_page),
    ]
}
