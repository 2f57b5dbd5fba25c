//! The access matrix: every route in the registry, for every role, with and without SBU
//! access, against records of each marking owned by the user's own post and by another.
//! The expected answers are stated here on their own, from the rules of the access issue, not
//! computed by the policy function under test. A route without a row here fails the test.

use crate::{TestApp, case_json, source_json, spawn_app};
use chancery_domain::report::{Report, ReportState, Tasking};
use chancery_domain::{RecordId, RedactionRequest};
use chancery_store::{AuditCtx, Backend};
use chancery_web::routes::table;
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Officer,
    Reviewer,
    Editor,
    Reader,
    Admin,
}

impl Role {
    const ALL: [Role; 5] = [
        Role::Officer,
        Role::Reviewer,
        Role::Editor,
        Role::Reader,
        Role::Admin,
    ];

    fn name(self) -> &'static str {
        match self {
            Role::Officer => "post_officer",
            Role::Reviewer => "post_reviewer",
            Role::Editor => "hq_editor",
            Role::Reader => "hq_reader",
            Role::Admin => "admin",
        }
    }

    fn at_post(self) -> bool {
        matches!(self, Role::Officer | Role::Reviewer)
    }

    fn writes_content(self) -> bool {
        matches!(self, Role::Officer | Role::Reviewer | Role::Editor)
    }
}

/// One combination under test.
#[derive(Debug, Clone, Copy)]
struct Who {
    role: Role,
    sbu: bool,
    /// The target's marking is SBU.
    sbu_target: bool,
    /// The target case belongs to the user's post (berlin); otherwise to stockholm.
    own: bool,
}

impl Who {
    /// May see a case: not the administrator; SBU needs SBU access; post roles see their post only.
    fn sees_case(self) -> bool {
        self.role != Role::Admin
            && (!self.sbu_target || self.sbu)
            && (!self.role.at_post() || self.own)
    }

    fn sees_source(self) -> bool {
        self.role != Role::Admin && (!self.sbu_target || self.sbu)
    }

    fn reads_content(self) -> bool {
        self.role != Role::Admin
    }

    /// Redaction requests are SBU and handled by administrators (request) and HQ editors
    /// (decide); both need SBU access to see them.
    fn redaction_role(self) -> bool {
        matches!(self.role, Role::Admin | Role::Editor)
    }
}

/// 200-ish answers by kind of request.
const OK: u16 = 200;
const CREATED: u16 = 201;
const REDIRECT: u16 = 303;

/// The expected status of a route for a combination, or None if the route has no row.
fn expected(route: &str, w: Who) -> Option<u16> {
    let read = |sees: bool, ok: u16| if sees { ok } else { 404 };
    let write = |sees: bool, ok: u16| {
        if !sees {
            404
        } else if !w.role.writes_content() {
            403
        } else {
            ok
        }
    };
    let create_case =
        w.role.writes_content() && (!w.sbu_target || w.sbu) && (!w.role.at_post() || w.own);
    let create_source = w.role.writes_content() && (!w.sbu_target || w.sbu);
    let list = if w.reads_content() { OK } else { 403 };
    let new_form = if w.role.writes_content() { OK } else { 403 };
    let admin = if w.role == Role::Admin { OK } else { 403 };
    let admin_post = if w.role == Role::Admin { REDIRECT } else { 403 };
    let redaction_read = if !w.redaction_role() {
        403
    } else if !w.sbu {
        404
    } else {
        OK
    };
    let redaction_request = if w.role != Role::Admin {
        403
    } else if !w.sbu {
        404
    } else {
        OK
    };
    let redaction_decide = if !w.redaction_role() {
        403
    } else if !w.sbu {
        404
    } else if w.role != Role::Editor {
        403
    } else {
        OK
    };
    let editor_only = |ok: u16| if w.role == Role::Editor { ok } else { 403 };
    let sees_report = w.reads_content() && (!w.role.at_post() || w.own);
    let whole_report = |ok: u16| {
        if !sees_report {
            404
        } else if !w.role.writes_content() || (w.sbu_target && !w.sbu) {
            403
        } else {
            ok
        }
    };
    Some(match route {
        "healthz" | "style" | "login_form" | "openapi" | "posts_page" | "api_posts" | "tokens"
        | "token_create" | "api_tokens" | "reset_notice" => OK,
        "api_token_create" => CREATED,
        "reset_notice_dismiss" => REDIRECT,
        // A password link that was never issued, whoever opens it.
        "password_reset_form" | "password_reset" => 404,
        "login" => 401,
        "home" | "logout" => REDIRECT,
        "token_revoke" => 404,
        "cases_page" | "api_cases" | "sources_page" | "api_sources" => list,
        "search_page" | "api_search" => list,
        "case_new" | "source_new" => new_form,
        "case_create" => {
            if create_case {
                REDIRECT
            } else {
                403
            }
        }
        "api_case_create" => {
            if create_case {
                CREATED
            } else {
                403
            }
        }
        "source_create" => {
            if create_source {
                REDIRECT
            } else {
                403
            }
        }
        "api_source_create" => {
            if create_source {
                CREATED
            } else {
                403
            }
        }
        "case_page" | "api_case" | "case_history_page" | "api_case_history" => {
            read(w.sees_case(), OK)
        }
        "case_edit" => write(w.sees_case(), OK),
        "case_update" => write(w.sees_case(), REDIRECT),
        "api_case_update" => write(w.sees_case(), OK),
        "source_page" | "api_source" | "source_history_page" | "api_source_history" => {
            read(w.sees_source(), OK)
        }
        "source_edit" => write(w.sees_source(), OK),
        "source_update" => write(w.sees_source(), REDIRECT),
        "api_source_update" => write(w.sees_source(), OK),
        // Comparisons, summaries (SBU only), export, import (all-or-nothing: a row the user
        // may not create is a 422 naming the row).
        "api_case_compare" | "case_compare_page" => read(w.sees_case(), OK),
        "api_case_summary" | "cases_summary_page" => {
            if !w.reads_content() || !w.sbu {
                403
            } else {
                OK
            }
        }
        "api_case_export" => list,
        "api_case_import" => {
            if !w.role.writes_content() {
                403
            } else if create_case {
                CREATED
            } else {
                422
            }
        }
        // Archived copies: seen with their source, added by those who may edit it.
        "api_source_archives" | "api_source_archive_text" | "source_archive_file" => {
            read(w.sees_source(), OK)
        }
        "api_source_archive_create" => write(w.sees_source(), CREATED),
        "source_archive_create" => write(w.sees_source(), REDIRECT),
        "users_page" | "user_new" | "user_page" | "audit_page" | "api_audit" => admin,
        "user_create" | "user_update" | "user_unlock" | "user_reset_request"
        | "sbu_grant_decide" => admin_post,
        // Issuing a password link another administrator asked for: the link is shown.
        "user_reset_issue" => admin,
        "redactions_page" | "api_redactions" | "redaction_page" | "api_redaction" => redaction_read,
        "redaction_new" => redaction_request,
        "redaction_create" => {
            if redaction_request == OK {
                REDIRECT
            } else {
                redaction_request
            }
        }
        "api_redaction_create" => {
            if redaction_request == OK {
                CREATED
            } else {
                redaction_request
            }
        }
        "redaction_decide" => {
            if redaction_decide == OK {
                REDIRECT
            } else {
                redaction_decide
            }
        }
        // Policies and engagements: owned by a post, like cases.
        "api_policies" | "api_engagements" | "policies_page" | "engagements_page" => list,
        "policy_page" | "policy_history_page" | "engagement_page" | "engagement_history_page" => {
            read(w.sees_case(), OK)
        }
        "api_policy_create" | "api_engagement_create" => {
            if create_case {
                CREATED
            } else {
                403
            }
        }
        "api_policy"
        | "api_policy_history"
        | "api_policy_in_force"
        | "api_engagement"
        | "api_engagement_history" => read(w.sees_case(), OK),
        "api_policy_update" | "api_engagement_update" => write(w.sees_case(), OK),
        "policy_new" | "engagement_new" => new_form,
        "policy_create" | "engagement_create" => {
            if create_case {
                REDIRECT
            } else {
                403
            }
        }
        "policy_edit" | "engagement_edit" => write(w.sees_case(), OK),
        "policy_update" | "engagement_update" => write(w.sees_case(), REDIRECT),
        // Official statistics: every content role reads them; the administrator does not.
        "statistics_page" | "rate_page" | "dataset_page" | "dataset_csv" | "api_datasets"
        | "api_observations" | "api_indicator" => list,
        "api_redaction_decide" => redaction_decide,
        // Taskings and templates: every content role reads them; HQ editors issue and edit
        // them; the administrator does not see them (a tasking by id is a 404, lists 403).
        "taskings_page" | "api_taskings" | "api_compliance" => list,
        "tasking_page" | "api_tasking" => read(w.reads_content(), OK),
        "tasking_create" => editor_only(REDIRECT),
        "api_tasking_create" => editor_only(CREATED),
        "api_tasking_update" => {
            if !w.reads_content() {
                404
            } else {
                editor_only(OK)
            }
        }
        // Starting the report for a tasking: a post user whose post is addressed (both are).
        "tasking_report_create" => {
            if !w.reads_content() {
                404
            } else if w.role.at_post() {
                REDIRECT
            } else {
                403
            }
        }
        "templates_page" | "api_templates" | "template_page" | "api_template" => list,
        "template_update" => editor_only(REDIRECT),
        "api_template_update" => editor_only(OK),
        // Reports: owned by a post like policies, but U records with SBU paragraphs: whoever
        // sees the report gets it (200) without the paragraphs above their clearance. Replacing
        // a report with SBU paragraphs, or signing off on one (submit), needs SBU access.
        "reports_page" | "api_reports" => list,
        "report_new" => new_form,
        "report_create" => {
            if w.role.writes_content() && (!w.role.at_post() || w.own) {
                REDIRECT
            } else {
                403
            }
        }
        "api_report_create" => {
            if create_case {
                CREATED
            } else {
                403
            }
        }
        "report_page"
        | "api_report"
        | "api_report_history"
        | "api_report_comments"
        | "api_report_builds"
        | "build_output"
        | "api_build_output"
        | "build_diff_page"
        | "api_build_diff" => read(sees_report, OK),
        "report_history_page" => read(sees_report, OK),
        "report_edit" | "report_paragraph_edit" | "report_paragraph_new" => whole_report(OK),
        "report_update"
        | "report_action"
        | "report_paragraph_update"
        | "report_paragraph_create"
        | "report_paragraph_delete"
        | "report_paragraph_move" => whole_report(REDIRECT),
        "api_report_update" | "api_report_action" => whole_report(OK),
        // Comments (on a U paragraph) and builds: by those who write the report.
        "report_comment_create" | "report_build_create" => write(sees_report, REDIRECT),
        "api_report_comment_create" | "api_report_build_create" => write(sees_report, CREATED),
        _ => return None,
    })
}

/// Whether a route's answer depends on the target record; others are asked once per user.
fn per_target(route: &str) -> bool {
    if route.contains("tasking") || route.contains("template") {
        // One tasking (addressed to both posts) and one template serve every combination;
        // starting a report for the tasking uses up a due date, so it is asked once per user.
        return false;
    }
    route.contains("case")
        || route.contains("source")
        || route.contains("polic")
        || route.contains("engagement")
        || route.contains("report")
        || route.contains("build")
}

/// Text only the SBU paragraph of the SBU-target reports holds: never shown without SBU access.
const SBU_MARK: &str = "withheld sbu comment zebra";

struct Fixture {
    source_id: i64,
    /// [sbu_target][own] case ids.
    cases: [[i64; 2]; 2],
    /// [sbu_target] source ids.
    sources: [i64; 2],
    /// [sbu_target] one archived copy of each source.
    archives: [i64; 2],
    /// [sbu_target][own] policy and engagement ids.
    policies: [[i64; 2]; 2],
    engagements: [[i64; 2]; 2],
    account: i64,
    /// A tasking addressed to berlin and stockholm.
    tasking: i64,
    /// [sbu_target][own] reports (a U paragraph; an SBU paragraph too for sbu_target) and
    /// one build of each.
    reports: [[i64; 2]; 2],
    builds: [[i64; 2]; 2],
}

fn tasking_json() -> Value {
    json!({"title": "Matrix tasking", "instructions": "Report on the year.", "topics": ["arrests"],
           "template_key": "hr-classic", "posts": ["berlin", "stockholm"], "due": "2016-01-15",
           "recurrence": "annual"})
}

fn report_json(post: &str, sbu: bool) -> Value {
    let mut paragraphs = vec![json!({"id": "p1", "kind": "analysis", "marking": "U",
        "text": "the matrix analysis paragraph."})];
    if sbu {
        paragraphs.push(json!({"id": "p2", "kind": "comment", "marking": "SBU",
            "text": format!("the {SBU_MARK}.")}));
    }
    json!({"post": post, "template_key": "hr-classic", "subject": "Matrix report", "tags": ["PHUM"],
           "sections": [{"heading": "Executive Summary", "paragraphs": paragraphs}]})
}

/// A report as the fields of its edit form.
fn report_form(r: &Value, version: i64) -> Vec<(String, String)> {
    vec![
        ("subject".into(), r["subject"].as_str().unwrap().to_string()),
        ("tags".into(), "PHUM".into()),
        ("refs".into(), String::new()),
        ("captions".into(), String::new()),
        (
            "sections".into(),
            serde_json::to_string_pretty(&r["sections"]).unwrap(),
        ),
        ("version".into(), version.to_string()),
    ]
}

async fn report_record(app: &TestApp, id: i64) -> chancery_domain::Record<Report> {
    app.store()
        .get::<Report>(RecordId::new(id).unwrap())
        .await
        .unwrap()
        .unwrap()
}

/// Puts a report back to draft (a submit in the matrix moved it on).
async fn back_to_draft(app: &TestApp, id: i64, actor: i64) -> i64 {
    let r = report_record(app, id).await;
    if r.data.state == ReportState::Draft {
        return r.version;
    }
    let mut d = r.data.clone();
    d.state = ReportState::Draft;
    app.store()
        .update(
            r.id,
            r.version,
            &d,
            &AuditCtx::user(chancery_domain::UserId(actor), None),
        )
        .await
        .unwrap()
        .version
}

/// The paragraph the matrix deletes and moves around (added again when a delete took it).
const EXTRA_PARAGRAPH: &str = "p50";

/// Makes sure a report has the extra paragraph; returns the report's version.
async fn ensure_extra_paragraph(app: &TestApp, id: i64, actor: i64) -> i64 {
    let r = report_record(app, id).await;
    if r.data
        .paragraphs()
        .any(|(_, p)| p.id.as_str() == EXTRA_PARAGRAPH)
    {
        return r.version;
    }
    let mut v = r.data.to_json();
    v["sections"][0]["paragraphs"].as_array_mut().unwrap().push(
        json!({"id": EXTRA_PARAGRAPH, "kind": "analysis", "marking": "U",
            "text": "an extra matrix paragraph."}),
    );
    let d = Report::from_json(&v).unwrap();
    app.store()
        .update(
            r.id,
            r.version,
            &d,
            &AuditCtx::user(chancery_domain::UserId(actor), None),
        )
        .await
        .unwrap()
        .version
}

/// The stored version of a template (0: never edited).
async fn template_version(app: &TestApp, key: &str) -> i64 {
    let v: Value = app
        .get(&format!("/api/v1/templates/{key}"))
        .await
        .json()
        .await
        .unwrap();
    v["version"].as_i64().unwrap()
}

fn policy_json(post: &str, marking: &str, source_id: i64) -> Value {
    json!({"post": post, "country": "DE", "kind": "law", "area": "expulsion_thresholds", "title": "Matrix policy",
           "marking": marking, "versions": [{"label": "v1", "valid_from": "2020-01-01", "summary": "S",
           "citations": [{"source_id": source_id}]}]})
}

fn engagement_json(post: &str, marking: &str) -> Value {
    json!({"post": post, "country": "DE", "kind": "meeting", "date": "2025-12-01", "title": "Matrix meeting",
           "institution": "Ministry", "marking": marking})
}

async fn fixture(app: &TestApp) -> Fixture {
    let source_id = app.seed().await;
    let mut cases = [[0; 2]; 2];
    let mut sources = [0; 2];
    let mut policies = [[0; 2]; 2];
    let mut archives = [0; 2];
    let mut engagements = [[0; 2]; 2];
    for (m, marking) in ["U", "SBU"].into_iter().enumerate() {
        let mut s = source_json(&format!("{marking} source"));
        s["marking"] = json!(marking);
        sources[m] = app
            .post_json("/api/v1/sources", &s)
            .await
            .json::<Value>()
            .await
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        archives[m] = app
            .post_json(
                &format!("/api/v1/sources/{}/archives", sources[m]),
                &json!({"text": "Archived text."}),
            )
            .await
            .json::<Value>()
            .await
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        for (o, post) in ["stockholm", "berlin"].into_iter().enumerate() {
            let mut c = case_json(post, "DE", &format!("{marking} case at {post}"), source_id);
            c["marking"] = json!(marking);
            let r = app.post_json("/api/v1/cases", &c).await;
            cases[m][o] = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
            let r = app
                .post_json("/api/v1/policies", &policy_json(post, marking, source_id))
                .await;
            policies[m][o] = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
            let r = app
                .post_json("/api/v1/engagements", &engagement_json(post, marking))
                .await;
            engagements[m][o] = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        }
    }
    let r = app.post_json("/api/v1/taskings", &tasking_json()).await;
    assert_eq!(r.status(), 201);
    let tasking = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let mut reports = [[0; 2]; 2];
    let mut builds = [[0; 2]; 2];
    for m in 0..2 {
        for (o, post) in ["stockholm", "berlin"].into_iter().enumerate() {
            let r = app
                .post_json("/api/v1/reports", &report_json(post, m == 1))
                .await;
            assert_eq!(r.status(), 201);
            reports[m][o] = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
            let r = app
                .post_json(
                    &format!("/api/v1/reports/{}/builds", reports[m][o]),
                    &json!({}),
                )
                .await;
            assert_eq!(r.status(), 201);
            builds[m][o] = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        }
    }
    let account = app
        .account(
            "subject@test.example",
            "post_officer",
            Some("berlin"),
            false,
            None,
        )
        .await;
    crate::stage_dataset(
        app,
        "matrix_ds",
        &[("SE", "FOR", 1486.0), ("SE", "TOTAL", 8414.0)],
    )
    .await;
    Fixture {
        source_id,
        cases,
        sources,
        archives,
        policies,
        engagements,
        account,
        tasking,
        reports,
        builds,
    }
}

/// A second administrator, who asks for what the administrator under test decides or issues.
async fn other_admin(app: &TestApp) -> AuditCtx {
    let id = app
        .account(
            &format!("asker{}@test.example", rand::random::<u32>()),
            "admin",
            None,
            false,
            None,
        )
        .await;
    AuditCtx::user(chancery_domain::UserId(id), None)
}

/// A fresh password link for the account, asked for by another administrator.
async fn new_reset(app: &TestApp, account: i64) {
    let ctx = other_admin(app).await;
    app.store()
        .request_reset(chancery_domain::UserId(account), &ctx)
        .await
        .unwrap();
}

/// A fresh request for SBU access for the account, asked for by another administrator
/// (deciding one consumes it); returns its id.
async fn new_grant(app: &TestApp, account: i64) -> i64 {
    let ctx = other_admin(app).await;
    let id = chancery_domain::UserId(account);
    let mut a = app.store().user(id).await.unwrap().unwrap().account;
    a.sbu_access = true;
    app.store().update_user(id, &a, &ctx).await.unwrap();
    app.store()
        .pending_grants()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.user_id == id)
        .expect("a pending request")
        .id
}

/// A fresh redaction request (deciding one consumes it).
async fn new_request(app: &TestApp, case_id: i64) -> i64 {
    let admin = chancery_domain::Account::from_json(
        &json!({"email": format!("req{case_id}-{}@test.example", rand::random::<u32>()),
        "display_name": "Requester", "role": "admin", "sbu_access": true}),
    )
    .unwrap();
    let admin = app
        .store()
        .create_user(&admin, None, &AuditCtx::system())
        .await
        .unwrap();
    let req = RedactionRequest::from_json(
        &json!({"record_type": "case", "record_id": case_id, "field": "summary",
        "reason": "matrix test"}),
    )
    .unwrap();
    app.store()
        .create(&req, &AuditCtx::user(admin, None))
        .await
        .unwrap()
        .id
        .get()
}

async fn version_of_case(app: &TestApp, id: i64) -> i64 {
    app.store()
        .get::<chancery_domain::Case>(RecordId::new(id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .version
}

async fn version_of_source(app: &TestApp, id: i64) -> i64 {
    app.store()
        .get::<chancery_domain::Source>(RecordId::new(id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .version
}

fn case_form(c: &Value) -> Vec<(String, String)> {
    let mut f = vec![];
    for k in [
        "post", "kind", "country", "title", "summary", "status", "marking",
    ] {
        f.push((k.to_string(), c[k].as_str().unwrap().to_string()));
    }
    f.push((
        "citations[0].source_id".into(),
        c["citations"][0]["source_id"].to_string(),
    ));
    f
}

/// A JSON record as the urlencoded fields of its form: members named by their JSON paths.
fn json_form(v: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, path: String, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, p, out);
                }
            }
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    walk(x, format!("{path}[{i}]"), out);
                }
            }
            Value::String(s) => out.push((path, s.clone())),
            Value::Null => {}
            other => out.push((path, other.to_string())),
        }
    }
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

fn source_form(s: &Value) -> Vec<(String, String)> {
    ["kind", "title", "publisher", "marking"]
        .iter()
        .map(|k| (k.to_string(), s[*k].as_str().unwrap().to_string()))
        .collect()
}

/// Sends the request a route takes for this combination; returns the status and the body.
async fn ask(
    app: &TestApp,
    fx: &Fixture,
    client: &reqwest::Client,
    name: &str,
    method: &Method,
    path: &str,
    w: Who,
) -> (u16, String) {
    let m = usize::from(w.sbu_target);
    let o = usize::from(w.own);
    let marking = if w.sbu_target { "SBU" } else { "U" };
    let case_id = fx.cases[m][o];
    let source_id = fx.sources[m];
    let id = match name {
        n if n.contains("tasking") => fx.tasking.to_string(),
        n if n.contains("template") => "hr-classic".into(),
        n if n.contains("report") => fx.reports[m][o].to_string(),
        n if n.contains("build") => fx.builds[m][o].to_string(),
        n if n.contains("polic") => fx.policies[m][o].to_string(),
        n if n.contains("engagement") => fx.engagements[m][o].to_string(),
        n if n.contains("case") => case_id.to_string(),
        n if n.contains("source") => source_id.to_string(),
        "user_page" | "user_update" | "user_unlock" | "user_reset_request" => {
            fx.account.to_string()
        }
        "user_reset_issue" => {
            new_reset(app, fx.account).await;
            fx.account.to_string()
        }
        "sbu_grant_decide" => new_grant(app, fx.account).await.to_string(),
        "token_revoke" => "999999".into(),
        n if n.contains("redaction") => new_request(app, fx.cases[1][1]).await.to_string(),
        "dataset_page" | "dataset_csv" | "api_observations" => "matrix_ds".into(),
        _ => String::new(),
    };
    let pid = if name == "report_paragraph_delete" {
        EXTRA_PARAGRAPH
    } else {
        "p1"
    };
    let mut url = app.url(
        &path
            .replace("{id}", &id)
            .replace("{pid}", pid)
            .replace("{n}", "0")
            .replace("{code}", &id)
            .replace("{aid}", &fx.archives[m].to_string())
            .replace("{other}", &id)
            .replace("{key}", &id)
            .replace("{format}", "md"),
    );
    if name == "api_policy_in_force" {
        url.push_str("?date=2025-10-15");
    }
    if name == "api_reports" {
        url.push_str("?limit=500");
    }
    if name == "api_search" || name == "search_page" {
        url.push_str("?q=matrix");
    }
    let post = if w.own { "berlin" } else { "stockholm" };
    let mut new_case = case_json(post, "DE", "Matrix case", fx.source_id);
    new_case["marking"] = json!(marking);
    let mut new_source = source_json("Matrix source");
    new_source["marking"] = json!(marking);
    let req = client.request(method.clone(), &url);
    let req = match name {
        "api_case_create" => req.json(&new_case),
        "case_create" => req.form(&case_form(&new_case)),
        "api_source_create" => req.json(&new_source),
        "source_create" => req.form(&source_form(&new_source)),
        "api_case_update" | "case_update" => {
            let mut c = case_json(
                if w.own { "berlin" } else { "stockholm" },
                "DE",
                "Matrix edit",
                fx.source_id,
            );
            c["marking"] = json!(marking);
            let v = version_of_case(app, case_id).await;
            if name == "case_update" {
                let mut f = case_form(&c);
                f.push(("version".into(), v.to_string()));
                req.form(&f)
            } else {
                req.header("If-Match", v.to_string()).json(&c)
            }
        }
        "api_source_update" | "source_update" => {
            let v = version_of_source(app, source_id).await;
            if name == "source_update" {
                let mut f = source_form(&new_source);
                f.push(("version".into(), v.to_string()));
                req.form(&f)
            } else {
                req.header("If-Match", v.to_string()).json(&new_source)
            }
        }
        "api_case_import" => req.json(&json!([new_case.clone()])),
        "api_source_archive_create" => req.json(&json!({"text": "Another archived text."})),
        "source_archive_create" => req.form(&[("text", "Archived through the form.")]),
        "api_policy_create" => req.json(&policy_json(post, marking, fx.source_id)),
        "api_engagement_create" => req.json(&engagement_json(post, marking)),
        "policy_create" => req.form(&json_form(&policy_json(post, marking, fx.source_id))),
        "engagement_create" => req.form(&json_form(&engagement_json(post, marking))),
        "api_policy_update" | "api_engagement_update" | "policy_update" | "engagement_update" => {
            let (v, body) = if name.contains("polic") {
                let id = RecordId::new(fx.policies[m][o]).unwrap();
                let v = app
                    .store()
                    .get::<chancery_domain::Policy>(id)
                    .await
                    .unwrap()
                    .unwrap()
                    .version;
                (v, policy_json(post, marking, fx.source_id))
            } else {
                let id = RecordId::new(fx.engagements[m][o]).unwrap();
                let v = app
                    .store()
                    .get::<chancery_domain::Engagement>(id)
                    .await
                    .unwrap()
                    .unwrap()
                    .version;
                (v, engagement_json(post, marking))
            };
            if name.starts_with("api_") {
                req.header("If-Match", v.to_string()).json(&body)
            } else {
                let mut f = json_form(&body);
                f.push(("version".into(), v.to_string()));
                req.form(&f)
            }
        }
        "api_tasking_create" | "api_tasking_update" => {
            let v = app
                .store()
                .get::<Tasking>(RecordId::new(fx.tasking).unwrap())
                .await
                .unwrap()
                .unwrap()
                .version;
            req.header("If-Match", v.to_string()).json(&tasking_json())
        }
        "tasking_create" => req.form(&[
            ("title", "Matrix tasking by form"),
            ("instructions", "Report on the year."),
            ("topics", "arrests\nexpulsions"),
            ("template_key", "hr-classic"),
            ("posts", "berlin"),
            ("posts", "stockholm"),
            ("due", "2027-03-01"),
            ("recurrence", "one_off"),
        ]),
        "api_template_update" | "template_update" => {
            let v = template_version(app, "hr-classic").await;
            let t = chancery_domain::report::Template::shipped_by_key("hr-classic")
                .unwrap()
                .to_json();
            if name == "template_update" {
                req.form(&[
                    ("template", serde_json::to_string_pretty(&t).unwrap()),
                    ("version", v.to_string()),
                ])
            } else {
                req.header("If-Match", format!("\"{v}\"")).json(&t)
            }
        }
        "api_report_create" => req.json(&report_json(post, w.sbu_target)),
        "report_create" => req.form(&[
            ("post", post),
            ("template_key", "hr-classic"),
            ("subject", "Matrix report by form"),
        ]),
        "api_report_update" | "report_update" => {
            let body = report_json(post, w.sbu_target);
            let v = report_record(app, fx.reports[m][o]).await.version;
            if name == "report_update" {
                req.form(&report_form(&body, v))
            } else {
                req.header("If-Match", v.to_string()).json(&body)
            }
        }
        "api_report_action" | "report_action" => {
            let v = back_to_draft(app, fx.reports[m][o], fx.account).await;
            if name == "report_action" {
                req.form(&[("action", "submit".to_string()), ("version", v.to_string())])
            } else {
                req.header("If-Match", v.to_string())
                    .json(&json!({"action": "submit"}))
            }
        }
        "report_paragraph_update" | "report_paragraph_create" => {
            let v = report_record(app, fx.reports[m][o]).await.version;
            let text = if name == "report_paragraph_update" {
                "the matrix analysis paragraph."
            } else {
                "a matrix paragraph added by form."
            };
            req.form(&[
                ("kind", "analysis".to_string()),
                ("marking", "U".to_string()),
                ("text", text.to_string()),
                ("citations", String::new()),
                ("block", String::new()),
                ("version", v.to_string()),
            ])
        }
        "report_paragraph_delete" => {
            let v = ensure_extra_paragraph(app, fx.reports[m][o], fx.account).await;
            req.form(&[("version", v.to_string())])
        }
        "report_paragraph_move" => {
            let v = ensure_extra_paragraph(app, fx.reports[m][o], fx.account).await;
            let r = report_record(app, fx.reports[m][o]).await;
            let first = r.data.sections[0].paragraphs[0].id.as_str() == "p1";
            let direction = if first { "down" } else { "up" };
            req.form(&[
                ("direction", direction.to_string()),
                ("version", v.to_string()),
            ])
        }
        "api_report_comment_create" => {
            req.json(&json!({"paragraph": "p1", "body": "a matrix comment"}))
        }
        "report_comment_create" => req.form(&[("paragraph", "p1"), ("body", "a matrix comment")]),
        "api_report_build_create" => req.json(&json!({})),
        "login" => req.form(&[
            ("email", "nobody@test.example"),
            ("password", "wrong password"),
        ]),
        "token_create" => req.form(&[("name", "matrix")]),
        "user_create" => req.form(&[
            (
                "email",
                format!("new{}@test.example", rand::random::<u32>()),
            ),
            ("display_name", "New".into()),
            ("role", "hq_reader".into()),
        ]),
        "user_update" => req.form(&[
            ("email", "subject@test.example"),
            ("display_name", "Subject"),
            ("role", "post_officer"),
            ("post", "berlin"),
            ("active", "true"),
        ]),
        "sbu_grant_decide" => req.form(&[("decision", "reject")]),
        "api_token_create" => req.json(&json!({"name": "matrix", "expires_in_days": 7})),
        "api_redaction_create" | "redaction_create" => {
            let body = json!({"record_type": "case", "record_id": fx.cases[1][1], "field": "summary", "reason": "matrix"});
            if name == "redaction_create" {
                req.form(&[
                    ("record_type", "case"),
                    ("record_id", &fx.cases[1][1].to_string()),
                    ("field", "summary"),
                    ("reason", "matrix"),
                ])
            } else {
                req.json(&body)
            }
        }
        "api_redaction_decide" => req
            .header("If-Match", "1")
            .json(&json!({"decision": "reject"})),
        "redaction_decide" => req.form(&[("decision", "reject"), ("version", "1")]),
        "api_indicator" => req.json(&json!({"indicator": "share", "geo": "SE", "period": "2022",
            "part": {"dataset": "matrix_ds", "dims": {"citizen": "FOR"}},
            "whole": {"dataset": "matrix_ds", "dims": {"citizen": "TOTAL"}}})),
        _ => req,
    };
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap_or_default())
}

async fn run_matrix(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let fx = fixture(&app).await;
    let mut clients = Vec::new();
    for role in Role::ALL {
        for sbu in [false, true] {
            let post = role.at_post().then_some("berlin");
            clients.push((role, sbu, app.client_as(role.name(), post, sbu).await));
        }
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for route in table() {
        assert!(
            expected(
                route.name,
                Who {
                    role: Role::Editor,
                    sbu: true,
                    sbu_target: false,
                    own: true
                }
            )
            .is_some(),
            "route {} ({} {}) has no row in the access matrix",
            route.name,
            route.method,
            route.path
        );
        let targets: &[(bool, bool)] = if per_target(route.name) {
            &[(false, false), (false, true), (true, false), (true, true)]
        } else {
            &[(false, true)]
        };
        for (role, sbu, client) in &clients {
            for &(sbu_target, own) in targets {
                let w = Who {
                    role: *role,
                    sbu: *sbu,
                    sbu_target,
                    own,
                };
                let want = expected(route.name, w).unwrap();
                let (got, body) =
                    ask(&app, &fx, client, route.name, &route.method, route.path, w).await;
                checked += 1;
                if got != want {
                    failures.push(format!(
                        "{} {} as {w:?}: expected {want}, got {got} {}",
                        route.method,
                        route.path,
                        body.chars().take(160).collect::<String>()
                    ));
                }
                // The SBU paragraph of a report never reaches a user without SBU access.
                if sbu_target && !*sbu && got < 400 && body.contains(SBU_MARK) {
                    failures.push(format!(
                        "{} {} as {w:?}: the SBU paragraph was shown",
                        route.method, route.path
                    ));
                }
                if route.name == "api_reports" && got == OK {
                    let v: Value = serde_json::from_str(&body).unwrap();
                    let ids: Vec<i64> = v["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c["id"].as_i64().unwrap())
                        .collect();
                    for mm in [false, true] {
                        for oo in [false, true] {
                            let listed =
                                ids.contains(&fx.reports[usize::from(mm)][usize::from(oo)]);
                            let sees = w.role != Role::Admin && (!w.role.at_post() || oo);
                            if listed != sees {
                                failures.push(format!(
                                    "GET /api/v1/reports as {w:?}: report [{mm}][{oo}] listed={listed}"
                                ));
                            }
                        }
                    }
                }
                // Lists show exactly the records the user may see.
                if route.name == "api_cases" && got == OK {
                    let v: Value = serde_json::from_str(&body).unwrap();
                    let ids: Vec<i64> = v["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c["id"].as_i64().unwrap())
                        .collect();
                    for m in [false, true] {
                        for o in [false, true] {
                            let w2 = Who {
                                sbu_target: m,
                                own: o,
                                ..w
                            };
                            let present = ids.contains(&fx.cases[usize::from(m)][usize::from(o)]);
                            if present != w2.sees_case() {
                                failures
                                    .push(format!("GET /api/v1/cases as {w2:?}: listed={present}"));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 500, "the matrix ran ({checked} checks)");
    assert!(app.store().audit_verify().await.unwrap().is_ok());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_access_matrix() {
    run_matrix(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_access_matrix() {
    run_matrix(Backend::Postgres).await;
}
