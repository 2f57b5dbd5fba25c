//! Every route, declared once: its name, method, path, whether it is open to anonymous users,
//! and its handler. The router is built from this table and the access guard reads it, so a
//! route cannot exist without an entry, and the matrix test enumerates the same table.

use crate::error::ApiError;
use crate::{
    AppState, account, admin, api, archive, case_analysis, case_io, case_pages, pages, redactions,
    register_forms, register_pages, reports_api, source_pages, stats_pages,
};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post, put};
use std::sync::LazyLock;

/// The body limit of the archive upload route: larger than the general limit, since source
/// documents are files; the configured `archive_limit` (at most this) is checked in the handler.
pub const ARCHIVE_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Who may reach a route at all; what a signed-in user may do there is the policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Open to anonymous users: health, the login page, static files.
    Public,
    /// Signed-in users only; the handler asks `can()`.
    Signed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDef {
    pub name: &'static str,
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

impl RouteDef {
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }
}

fn r(
    name: &'static str,
    method: Method,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
) -> (RouteDef, MethodRouter<AppState>) {
    (
        RouteDef {
            name,
            method,
            path,
            access,
        },
        handler,
    )
}

/// The table of every route.
pub fn registry() -> Vec<(RouteDef, MethodRouter<AppState>)> {
    use Access::*;
    use Method as M;
    vec![
        // Open.
        r("healthz", M::GET, "/healthz", Public, get(api::healthz)),
        r(
            "style",
            M::GET,
            "/static/style.css",
            Public,
            get(pages::style),
        ),
        r(
            "login_form",
            M::GET,
            "/login",
            Public,
            get(account::login_form),
        ),
        r("login", M::POST, "/login", Public, post(account::login)),
        // Signed in.
        r("home", M::GET, "/", Signed, get(pages::home)),
        r("logout", M::POST, "/logout", Signed, post(account::logout)),
        r(
            "tokens",
            M::GET,
            "/account/tokens",
            Signed,
            get(account::tokens_page),
        ),
        r(
            "token_create",
            M::POST,
            "/account/tokens",
            Signed,
            post(account::create_token),
        ),
        r(
            "token_revoke",
            M::POST,
            "/account/tokens/{id}/revoke",
            Signed,
            post(account::revoke_token),
        ),
        r(
            "openapi",
            M::GET,
            "/api/v1/openapi.json",
            Signed,
            get(crate::openapi::openapi_json),
        ),
        r(
            "posts_page",
            M::GET,
            "/posts",
            Signed,
            get(pages::posts_page),
        ),
        r(
            "api_posts",
            M::GET,
            "/api/v1/posts",
            Signed,
            get(api::list_posts),
        ),
        // Cases.
        r(
            "cases_page",
            M::GET,
            "/cases",
            Signed,
            get(pages::cases_page),
        ),
        r(
            "case_new",
            M::GET,
            "/cases/new",
            Signed,
            get(pages::new_case),
        ),
        r(
            "case_create",
            M::POST,
            "/cases",
            Signed,
            post(pages::create_case),
        ),
        r(
            "cases_summary_page",
            M::GET,
            "/cases/summary",
            Signed,
            get(case_pages::cases_summary_page),
        ),
        r(
            "case_page",
            M::GET,
            "/cases/{id}",
            Signed,
            get(pages::case_page),
        ),
        r(
            "case_compare_page",
            M::GET,
            "/cases/{id}/compare/{other}",
            Signed,
            get(case_pages::case_compare_page),
        ),
        r(
            "case_edit",
            M::GET,
            "/cases/{id}/edit",
            Signed,
            get(pages::edit_case),
        ),
        r(
            "case_update",
            M::POST,
            "/cases/{id}/edit",
            Signed,
            post(pages::update_case),
        ),
        r(
            "case_history_page",
            M::GET,
            "/cases/{id}/history",
            Signed,
            get(pages::case_history),
        ),
        r(
            "api_cases",
            M::GET,
            "/api/v1/cases",
            Signed,
            get(api::list_cases),
        ),
        r(
            "api_case_create",
            M::POST,
            "/api/v1/cases",
            Signed,
            post(api::create_case),
        ),
        // Comparisons, group summaries, export and import of cases.
        r(
            "api_case_compare",
            M::GET,
            "/api/v1/cases/{id}/compare/{other}",
            Signed,
            get(case_analysis::api_compare),
        ),
        r(
            "api_case_summary",
            M::GET,
            "/api/v1/cases/summary",
            Signed,
            get(case_analysis::api_summary),
        ),
        r(
            "api_case_export",
            M::GET,
            "/api/v1/cases/export",
            Signed,
            get(case_io::export),
        ),
        r(
            "api_case_import",
            M::POST,
            "/api/v1/cases/import",
            Signed,
            post(case_io::import).layer(DefaultBodyLimit::max(ARCHIVE_BODY_LIMIT)),
        ),
        r(
            "api_case",
            M::GET,
            "/api/v1/cases/{id}",
            Signed,
            get(api::get_case),
        ),
        r(
            "api_case_update",
            M::PUT,
            "/api/v1/cases/{id}",
            Signed,
            put(api::update_case),
        ),
        r(
            "api_case_history",
            M::GET,
            "/api/v1/cases/{id}/history",
            Signed,
            get(api::case_history),
        ),
        // Sources.
        r(
            "sources_page",
            M::GET,
            "/sources",
            Signed,
            get(source_pages::sources_page),
        ),
        r(
            "source_new",
            M::GET,
            "/sources/new",
            Signed,
            get(source_pages::new_source),
        ),
        r(
            "source_create",
            M::POST,
            "/sources",
            Signed,
            post(source_pages::create_source),
        ),
        r(
            "source_page",
            M::GET,
            "/sources/{id}",
            Signed,
            get(source_pages::source_page),
        ),
        r(
            "source_edit",
            M::GET,
            "/sources/{id}/edit",
            Signed,
            get(source_pages::edit_source),
        ),
        r(
            "source_update",
            M::POST,
            "/sources/{id}/edit",
            Signed,
            post(source_pages::update_source),
        ),
        r(
            "source_history_page",
            M::GET,
            "/sources/{id}/history",
            Signed,
            get(source_pages::source_history),
        ),
        r(
            "api_sources",
            M::GET,
            "/api/v1/sources",
            Signed,
            get(api::list_sources),
        ),
        r(
            "api_source_create",
            M::POST,
            "/api/v1/sources",
            Signed,
            post(api::create_source),
        ),
        r(
            "api_source",
            M::GET,
            "/api/v1/sources/{id}",
            Signed,
            get(api::get_source),
        ),
        r(
            "api_source_update",
            M::PUT,
            "/api/v1/sources/{id}",
            Signed,
            put(api::update_source),
        ),
        r(
            "api_source_history",
            M::GET,
            "/api/v1/sources/{id}/history",
            Signed,
            get(api::source_history),
        ),
        // Archived copies of sources.
        r(
            "api_source_archives",
            M::GET,
            "/api/v1/sources/{id}/archives",
            Signed,
            get(archive::api_archives),
        ),
        r(
            "api_source_archive_create",
            M::POST,
            "/api/v1/sources/{id}/archives",
            Signed,
            post(archive::api_archive).layer(DefaultBodyLimit::max(ARCHIVE_BODY_LIMIT)),
        ),
        r(
            "api_source_archive_text",
            M::GET,
            "/api/v1/sources/{id}/archives/{aid}/text",
            Signed,
            get(archive::archive_text),
        ),
        r(
            "source_archive_file",
            M::GET,
            "/sources/{id}/archives/{aid}/file",
            Signed,
            get(archive::archive_file),
        ),
        r(
            "source_archive_create",
            M::POST,
            "/sources/{id}/archives",
            Signed,
            post(source_pages::archive_form),
        ),
        // Policy register and engagements.
        r(
            "policies_page",
            M::GET,
            "/policies",
            Signed,
            get(register_pages::policies_page),
        ),
        r(
            "policy_new",
            M::GET,
            "/policies/new",
            Signed,
            get(register_forms::policy_new),
        ),
        r(
            "policy_create",
            M::POST,
            "/policies",
            Signed,
            post(register_forms::policy_create),
        ),
        r(
            "policy_edit",
            M::GET,
            "/policies/{id}/edit",
            Signed,
            get(register_forms::policy_edit),
        ),
        r(
            "policy_update",
            M::POST,
            "/policies/{id}/edit",
            Signed,
            post(register_forms::policy_update),
        ),
        r(
            "policy_page",
            M::GET,
            "/policies/{id}",
            Signed,
            get(register_pages::policy_page),
        ),
        r(
            "policy_history_page",
            M::GET,
            "/policies/{id}/history",
            Signed,
            get(register_pages::policy_history),
        ),
        r(
            "engagements_page",
            M::GET,
            "/engagements",
            Signed,
            get(register_pages::engagements_page),
        ),
        r(
            "engagement_new",
            M::GET,
            "/engagements/new",
            Signed,
            get(register_forms::engagement_new),
        ),
        r(
            "engagement_create",
            M::POST,
            "/engagements",
            Signed,
            post(register_forms::engagement_create),
        ),
        r(
            "engagement_edit",
            M::GET,
            "/engagements/{id}/edit",
            Signed,
            get(register_forms::engagement_edit),
        ),
        r(
            "engagement_update",
            M::POST,
            "/engagements/{id}/edit",
            Signed,
            post(register_forms::engagement_update),
        ),
        r(
            "engagement_page",
            M::GET,
            "/engagements/{id}",
            Signed,
            get(register_pages::engagement_page),
        ),
        r(
            "engagement_history_page",
            M::GET,
            "/engagements/{id}/history",
            Signed,
            get(register_pages::engagement_history),
        ),
        r(
            "api_policies",
            M::GET,
            "/api/v1/policies",
            Signed,
            get(api::list_policies),
        ),
        r(
            "api_policy_create",
            M::POST,
            "/api/v1/policies",
            Signed,
            post(api::create_policy),
        ),
        r(
            "api_policy",
            M::GET,
            "/api/v1/policies/{id}",
            Signed,
            get(api::get_policy),
        ),
        r(
            "api_policy_update",
            M::PUT,
            "/api/v1/policies/{id}",
            Signed,
            put(api::update_policy),
        ),
        r(
            "api_policy_history",
            M::GET,
            "/api/v1/policies/{id}/history",
            Signed,
            get(api::policy_history),
        ),
        r(
            "api_policy_in_force",
            M::GET,
            "/api/v1/policies/{id}/in-force",
            Signed,
            get(api::policy_in_force),
        ),
        r(
            "api_engagements",
            M::GET,
            "/api/v1/engagements",
            Signed,
            get(api::list_engagements),
        ),
        r(
            "api_engagement_create",
            M::POST,
            "/api/v1/engagements",
            Signed,
            post(api::create_engagement),
        ),
        r(
            "api_engagement",
            M::GET,
            "/api/v1/engagements/{id}",
            Signed,
            get(api::get_engagement),
        ),
        r(
            "api_engagement_update",
            M::PUT,
            "/api/v1/engagements/{id}",
            Signed,
            put(api::update_engagement),
        ),
        r(
            "api_engagement_history",
            M::GET,
            "/api/v1/engagements/{id}/history",
            Signed,
            get(api::engagement_history),
        ),
        // Reports: taskings, templates, reports, clearance, builds.
        r(
            "api_taskings",
            M::GET,
            "/api/v1/taskings",
            Signed,
            get(reports_api::api_taskings),
        ),
        r(
            "api_tasking_create",
            M::POST,
            "/api/v1/taskings",
            Signed,
            post(reports_api::api_tasking_create),
        ),
        r(
            "api_tasking",
            M::GET,
            "/api/v1/taskings/{id}",
            Signed,
            get(reports_api::api_tasking),
        ),
        r(
            "api_tasking_update",
            M::PUT,
            "/api/v1/taskings/{id}",
            Signed,
            put(reports_api::api_tasking_update),
        ),
        r(
            "api_compliance",
            M::GET,
            "/api/v1/compliance",
            Signed,
            get(reports_api::api_compliance),
        ),
        r(
            "api_templates",
            M::GET,
            "/api/v1/templates",
            Signed,
            get(reports_api::api_templates),
        ),
        r(
            "api_template",
            M::GET,
            "/api/v1/templates/{key}",
            Signed,
            get(reports_api::api_template),
        ),
        r(
            "api_template_update",
            M::PUT,
            "/api/v1/templates/{key}",
            Signed,
            put(reports_api::api_template_update),
        ),
        r(
            "api_reports",
            M::GET,
            "/api/v1/reports",
            Signed,
            get(reports_api::api_reports),
        ),
        r(
            "api_report_create",
            M::POST,
            "/api/v1/reports",
            Signed,
            post(reports_api::api_report_create),
        ),
        r(
            "api_report",
            M::GET,
            "/api/v1/reports/{id}",
            Signed,
            get(reports_api::api_report),
        ),
        r(
            "api_report_update",
            M::PUT,
            "/api/v1/reports/{id}",
            Signed,
            put(reports_api::api_report_update),
        ),
        r(
            "api_report_history",
            M::GET,
            "/api/v1/reports/{id}/history",
            Signed,
            get(reports_api::api_report_history),
        ),
        r(
            "api_report_action",
            M::POST,
            "/api/v1/reports/{id}/actions",
            Signed,
            post(reports_api::api_report_action),
        ),
        r(
            "api_report_comments",
            M::GET,
            "/api/v1/reports/{id}/comments",
            Signed,
            get(reports_api::api_report_comments),
        ),
        r(
            "api_report_comment_create",
            M::POST,
            "/api/v1/reports/{id}/comments",
            Signed,
            post(reports_api::api_report_comment_create),
        ),
        r(
            "api_report_builds",
            M::GET,
            "/api/v1/reports/{id}/builds",
            Signed,
            get(reports_api::api_report_builds),
        ),
        r(
            "api_report_build_create",
            M::POST,
            "/api/v1/reports/{id}/builds",
            Signed,
            post(reports_api::api_report_build_create),
        ),
        r(
            "api_build_output",
            M::GET,
            "/api/v1/builds/{id}/{format}",
            Signed,
            get(reports_api::api_build_output),
        ),
        r(
            "api_build_diff",
            M::GET,
            "/api/v1/builds/{id}/diff/{other}",
            Signed,
            get(reports_api::api_build_diff),
        ),
        // Statistics.
        r(
            "statistics_page",
            M::GET,
            "/statistics",
            Signed,
            get(stats_pages::datasets_page),
        ),
        r(
            "rate_page",
            M::GET,
            "/statistics/rate",
            Signed,
            get(stats_pages::rate_page),
        ),
        r(
            "dataset_page",
            M::GET,
            "/statistics/{code}",
            Signed,
            get(stats_pages::dataset_page),
        ),
        r(
            "dataset_csv",
            M::GET,
            "/statistics/{code}/csv",
            Signed,
            get(stats_pages::dataset_csv),
        ),
        r(
            "api_datasets",
            M::GET,
            "/api/v1/statistics/datasets",
            Signed,
            get(stats_pages::api_datasets),
        ),
        r(
            "api_observations",
            M::GET,
            "/api/v1/statistics/datasets/{code}/observations",
            Signed,
            get(stats_pages::api_observations),
        ),
        r(
            "api_indicator",
            M::POST,
            "/api/v1/statistics/indicators",
            Signed,
            post(stats_pages::api_indicator),
        ),
        // Administration.
        r(
            "users_page",
            M::GET,
            "/admin/users",
            Signed,
            get(admin::users_page),
        ),
        r(
            "user_new",
            M::GET,
            "/admin/users/new",
            Signed,
            get(admin::new_user),
        ),
        r(
            "user_create",
            M::POST,
            "/admin/users",
            Signed,
            post(admin::create_user),
        ),
        r(
            "user_page",
            M::GET,
            "/admin/users/{id}",
            Signed,
            get(admin::user_page),
        ),
        r(
            "user_update",
            M::POST,
            "/admin/users/{id}",
            Signed,
            post(admin::update_user),
        ),
        r(
            "user_unlock",
            M::POST,
            "/admin/users/{id}/unlock",
            Signed,
            post(admin::unlock_user),
        ),
        r(
            "user_password",
            M::POST,
            "/admin/users/{id}/password",
            Signed,
            post(admin::set_password),
        ),
        r(
            "audit_page",
            M::GET,
            "/admin/audit",
            Signed,
            get(admin::audit_page),
        ),
        r(
            "api_audit",
            M::GET,
            "/api/v1/audit",
            Signed,
            get(admin::api_audit),
        ),
        // Redactions.
        r(
            "redactions_page",
            M::GET,
            "/redactions",
            Signed,
            get(redactions::list_page),
        ),
        r(
            "redaction_new",
            M::GET,
            "/redactions/new",
            Signed,
            get(redactions::new_page),
        ),
        r(
            "redaction_create",
            M::POST,
            "/redactions",
            Signed,
            post(redactions::create_form),
        ),
        r(
            "redaction_page",
            M::GET,
            "/redactions/{id}",
            Signed,
            get(redactions::view_page),
        ),
        r(
            "redaction_decide",
            M::POST,
            "/redactions/{id}/decide",
            Signed,
            post(redactions::decide_form),
        ),
        r(
            "api_redactions",
            M::GET,
            "/api/v1/redactions",
            Signed,
            get(redactions::api_list),
        ),
        r(
            "api_redaction_create",
            M::POST,
            "/api/v1/redactions",
            Signed,
            post(redactions::api_create),
        ),
        r(
            "api_redaction",
            M::GET,
            "/api/v1/redactions/{id}",
            Signed,
            get(redactions::api_get),
        ),
        r(
            "api_redaction_decide",
            M::POST,
            "/api/v1/redactions/{id}/decision",
            Signed,
            post(redactions::api_decide),
        ),
    ]
}

/// The table without its handlers.
pub fn table() -> Vec<RouteDef> {
    registry().into_iter().map(|(d, _)| d).collect()
}

static TABLE: LazyLock<Vec<RouteDef>> = LazyLock::new(table);

/// The router of every route in the table.
pub fn router() -> Router<AppState> {
    registry()
        .into_iter()
        .fold(Router::new(), |router, (def, handler)| {
            router.route(def.path, handler)
        })
}

/// Turns anonymous requests away from signed-in routes: 401 on the API, a redirect to the
/// login page elsewhere.
pub async fn guard(matched: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let path = matched.as_ref().map(|m| m.as_str()).unwrap_or("");
    let def = TABLE
        .iter()
        .find(|d| d.path == path && d.method == req.method());
    let open = matches!(
        def,
        Some(RouteDef {
            access: Access::Public,
            ..
        })
    );
    let signed_in = matches!(
        req.extensions().get::<crate::auth::Authenticated>(),
        Some(crate::auth::Authenticated(Some(_)))
    );
    if open || signed_in {
        return next.run(req).await;
    }
    if req.uri().path().starts_with("/api/") {
        return ApiError::Unauthorized.into_response();
    }
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let next_param = serde_urlencoded::to_string([("next", target)]).unwrap_or_default();
    Redirect::to(&format!("/login?{next_param}")).into_response()
}
