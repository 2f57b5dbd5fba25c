//! The OpenAPI 3.1 document, generated from the handlers' annotations.
//!
//! Most response types derive their schema where they are defined (`chancery_app`,
//! `chancery_store`, `chancery_stats`, `chancery_domain`). A record as the API shows it is built
//! at run time from the record's JSON (`chancery_app::access::RecordView` flattens a JSON
//! value), so its shape is described here, per record type, by the documentation types below:
//! they mirror the serialised form exactly and are used only for the document. The statistics
//! handlers (`api::statistics`) are described by [`statistics_paths`].

use axum::Json;
use chancery_app::datasets::{ObsRow, ReleaseInfo};
use chancery_app::reports::taskings::ComplianceRow;
use chancery_domain::report::Report;
use chancery_domain::report::{ReportAction, Tasking, Template};
use chancery_domain::{Case, FieldError, PolicyVersion, UserRef, VersionInfo};
use chancery_stats::indicators::{Rate, Refusal, Share, TrendResult};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use utoipa::{OpenApi, ToSchema};

/// Where the OpenAPI 3.1 document's own schema is published (the body of `openapi.json`).
pub const OPENAPI_SCHEMA: &str = "https://spec.openapis.org/oas/3.1/schema/2022-10-07";

// ---------------------------------------------------------------- records as shown

/// A record as the API shows it: bookkeeping, then the record's own fields. `ETag` holds
/// `version`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Shown<T> {
    pub id: i64,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: UserRef,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub updated_by: UserRef,
    /// sha256 of the current version's canonical JSON as written.
    pub content_hash: String,
    #[serde(flatten)]
    pub data: T,
}

/// A record as a read of it answers: the record, and what its reader should know about the
/// sources it cites (`source 3 (cited in citations[0]) has been retracted`).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Flagged<T> {
    #[serde(flatten)]
    pub record: Shown<T>,
    pub flags: Vec<String>,
}

/// A page of records: `next` is the cursor for the following page, or null on the last.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Page<T> {
    pub items: Vec<Shown<T>>,
    pub next: Option<String>,
}

/// One version in a record's history: who wrote it when, its sha256 and its predecessor's,
/// and the data as of that version; or, for a version marked above the reader's clearance,
/// only `{"version": n, "withheld": true}`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
pub enum Version<T> {
    Shown {
        version: i64,
        author: UserRef,
        created_at: chrono::DateTime<chrono::Utc>,
        content_hash: String,
        prev_hash: Option<String>,
        data: T,
    },
    Withheld {
        version: i64,
        /// Always true.
        withheld: bool,
    },
}

/// A case as its reader may see it: the summary, when marked above the reader's clearance,
/// is null and named in `withheld`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct CaseShown {
    #[serde(flatten)]
    pub case: Case,
    /// The fields above the reader's clearance, null above (`summary`); absent when none is.
    pub withheld: Option<Vec<String>>,
}

/// A report as its reader may see it: paragraphs marked above the reader's clearance are left
/// out and their ids named in `withheld_paragraphs`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ReportShown {
    #[serde(flatten)]
    pub report: Report,
    /// Absent when nothing is withheld.
    pub withheld_paragraphs: Option<Vec<String>>,
}

/// A report as a read of it answers: the record, its flags, and the problems that refuse
/// clearance that the user may see, each with a link to its paragraph.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ReportRead {
    #[serde(flatten)]
    pub record: Shown<ReportShown>,
    pub flags: Vec<String>,
    pub clearance_problems: Vec<FieldError>,
}

/// One version of a report.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ReportVersion {
    #[serde(flatten)]
    pub info: VersionInfo,
    pub data: ReportShown,
}

/// A tasking with its compliance rows.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct TaskingRead {
    #[serde(flatten)]
    pub record: Shown<Tasking>,
    pub compliance: Vec<ComplianceRow>,
}

/// A template as listed: its stored version (0 for a shipped template never edited) and
/// whether HQ has edited it.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct TemplateListed {
    #[serde(flatten)]
    pub template: Template,
    pub version: i64,
    pub edited: bool,
}

/// A template as read: its stored version names it in `If-Match` (0 for a shipped template
/// never edited).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct TemplateRead {
    #[serde(flatten)]
    pub template: Template,
    pub version: i64,
}

/// One exported case: its id, version and hash, and the case as the viewer may see it, victim
/// parties removed.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ExportedCase {
    pub id: i64,
    pub version: i64,
    pub content_hash: String,
    #[serde(flatten)]
    pub case: CaseShown,
}

/// The version of a policy in force on a day.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct PolicyInForce {
    /// The policy's id.
    pub policy: i64,
    pub date: chrono::NaiveDate,
    /// None was in force that day: null.
    pub in_force: Option<PolicyVersion>,
}

// ---------------------------------------------------------------- request bodies

/// A record to save, in the form the API answers it (bookkeeping and `withheld` are not sent),
/// with the personal data its author confirms (a public official's name): each a field and
/// the span of characters the PII check named. Members the server fills in when absent (empty
/// lists such as `links` or `refs`, a report's `state` and `demo`) may be left out; a report's
/// `state` is never taken from the body.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Input<T> {
    #[serde(flatten)]
    pub record: T,
    pub confirm_pii: Option<Vec<PiiConfirmation>>,
}

/// A span of a field the author confirms is not private personal data.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct PiiConfirmation {
    /// The field, as the 422 named it (`summary`, `sections[0].paragraphs[1].text`).
    pub field: String,
    /// `[start, end]` in Unicode characters, end exclusive.
    pub span: [u64; 2],
}

/// A clearance action.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ActionRequest {
    pub action: ReportAction,
}

/// A comment on one paragraph.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct CommentRequest {
    /// The paragraph's id (`p3`).
    pub paragraph: String,
    pub body: String,
}

/// A decision on a redaction request.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct DecisionRequest {
    pub decision: DecisionChoice,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
pub enum DecisionChoice {
    Approve,
    Reject,
}

/// A copy to archive given as JSON: the text pasted, or a URL for the server to fetch (PDF,
/// HTML, plain text or an image); either with an English translation.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
pub enum ArchiveRequest {
    Text {
        text: String,
        text_en: Option<String>,
    },
    Url {
        url: String,
        text_en: Option<String>,
    },
}

// ---------------------------------------------------------------- files

/// Bytes as they are (a file, a rendered build).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(Vec<u8>);

// ---------------------------------------------------------------- builds

/// A build's manifest (`/api/v1/builds/{id}/manifest`): what the build pinned and where each
/// record and observation is used.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct BuildManifest {
    pub report_id: i64,
    pub report_version: i64,
    pub build_id: i64,
    pub built_at: chrono::DateTime<chrono::Utc>,
    pub snapshot_sha256: String,
    pub edition: Edition,
    /// The marking banner of this edition.
    pub banner: String,
    pub records: Vec<chancery_app::report_build::RecordUse>,
    pub observations: Vec<chancery_app::report_build::ObservationUse>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
pub enum Edition {
    Public,
    Internal,
}

// ---------------------------------------------------------------- statistics

/// The observations of a dataset's release.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Observations {
    pub dataset: String,
    pub release: ReleaseInfo,
    pub observations: Vec<Observation>,
}

/// One observation: `id` is `release/series/period`, stable and citable.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Observation {
    pub id: String,
    /// The code of each dimension.
    pub series: BTreeMap<String, String>,
    pub period: String,
    /// As published: null where the publisher gives `:`.
    pub value: Option<f64>,
    pub flags: String,
}

/// An indicator's answer: the result, or the refusal that stands in its place (a refusal is
/// an answer, not an error), with the observations used.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct IndicatorAnswer {
    pub indicator: IndicatorKind,
    pub observations: Vec<ObsRow>,
    /// Absent when refused.
    pub result: Option<IndicatorResult>,
    /// Absent when there is a result.
    pub refusal: Option<Refusal>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    Rate,
    Share,
    Trend,
}

/// A rate for `rate`, a share for `share`, a trend for `trend`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
pub enum IndicatorResult {
    Rate(Rate),
    Share(Share),
    Trend(TrendResult),
}

/// The statistics endpoints. Their handlers live in `api::statistics`; these functions only carry
/// the annotations.
#[allow(dead_code)]
mod statistics_paths {
    use super::{IndicatorAnswer, Observations};
    use chancery_domain::ValidationErrors;

    #[utoipa::path(get, path = "/api/v1/statistics/datasets", tag = "statistics",
        responses(
            (status = 200, description = "Every dataset with its releases, newest first", body = [chancery_app::datasets::DatasetInfo]),
        ))]
    pub fn datasets() {}

    #[utoipa::path(get, path = "/api/v1/statistics/datasets/{code}/observations", tag = "statistics",
        params(
            ("code" = String, Path, description = "dataset code (crim_pris_ctz)"),
            ("release" = Option<i64>, Query, description = "a release id; the newest published release by default"),
            ("filters" = Option<BTreeMap<String, String>>, Query, style = Form, explode = true,
                description = "dimension=code[,code] for any dimension (citizen=FOR,NAT&geo=DE)"),
        ),
        responses(
            (status = 200, description = "The release and its observations matching the filters", body = Observations),
            (status = 404, description = "No published release of the dataset", body = ValidationErrors),
            (status = 422, description = "A bad release id", body = ValidationErrors),
        ))]
    pub fn observations() {}

    #[utoipa::path(post, path = "/api/v1/statistics/indicators", tag = "statistics",
        request_body = chancery_app::statistics::IndicatorRequest,
        responses(
            (status = 200, description = "The result, or the refusal in its place, with the observations used and their ids", body = IndicatorAnswer),
            (status = 422, description = "Not an indicator request, or one the stored data cannot meet (no release, a series left ambiguous)", body = ValidationErrors),
        ))]
    pub fn indicator() {}
}

// ---------------------------------------------------------------- the document

/// Makes `field` nullable wherever `schema` (or a part of its `allOf`) names it.
fn nullable(schema: &mut Value, field: &str) {
    if let Some(Value::String(t)) = schema["properties"].get(field).map(|p| p["type"].clone()) {
        schema["properties"][field]["type"] = json!([t, "null"]);
    }
    if let Some(parts) = schema.get_mut("allOf").and_then(Value::as_array_mut) {
        for part in parts {
            nullable(part, field);
        }
    }
}

/// Puts `case` (the case with its summary nullable) wherever a schema flattens a `Case` beside
/// `withheld`: the case as shown, however the generic wrappers inline it.
fn shown_cases(v: &mut Value, case: &Value) {
    if let Some(parts) = v.get_mut("allOf").and_then(Value::as_array_mut)
        && parts
            .iter()
            .any(|p| p["properties"].get("withheld").is_some())
    {
        for part in parts.iter_mut() {
            if part["$ref"] == "#/components/schemas/Case" {
                *part = case.clone();
            }
        }
    }
    match v {
        Value::Object(members) => members.values_mut().for_each(|m| shown_cases(m, case)),
        Value::Array(items) => items.iter_mut().for_each(|m| shown_cases(m, case)),
        _ => {}
    }
}

/// What the annotations cannot say, said on the generated document:
/// - the body of `openapi.json` is an OpenAPI 3.1 document, whose schema is the
///   specification's;
/// - a report's statistics figure holds an indicator request (`chancery_domain` keeps it as
///   JSON, since the request type belongs to `chancery_app`);
/// - a case as shown has its summary null when it is withheld (`Case` itself, the request
///   body, requires it).
fn fix_up(doc: &mut Value) {
    doc["paths"]["/api/v1/openapi.json"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"] = json!({"$ref": OPENAPI_SCHEMA});
    let schemas = &mut doc["components"]["schemas"];
    for variant in schemas["BlockSpec"]["oneOf"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        if variant["properties"]["kind"]["enum"][0] == "statistics_figure" {
            variant["properties"]["indicator"] =
                json!({"$ref": "#/components/schemas/IndicatorRequest"});
        }
    }
    let mut case = schemas["Case"].clone();
    nullable(&mut case, "summary");
    shown_cases(schemas, &case);
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Chancery API", description = "Evidence-backed reporting for diplomatic posts. \
        Errors always read {\"errors\": [{\"field\": ..., \"reason\": ...}]}."),
    paths(
        crate::api::health::healthz,
        openapi_json,
        crate::api::posts::list_posts,
        crate::api::search::search_api,
        crate::api::cases::list_cases,
        crate::api::cases::create_case,
        crate::api::case_analysis::api_summary,
        crate::api::case_io::export,
        crate::api::case_io::import,
        crate::api::cases::get_case,
        crate::api::cases::update_case,
        crate::api::cases::case_history,
        crate::api::case_analysis::api_compare,
        crate::api::sources::list_sources,
        crate::api::sources::create_source,
        crate::api::sources::get_source,
        crate::api::sources::update_source,
        crate::api::sources::source_history,
        crate::api::archives::api_archives,
        crate::api::archives::api_archive,
        crate::api::archives::archive_text,
        crate::api::archives::archive_file,
        crate::api::policies::list_policies,
        crate::api::policies::create_policy,
        crate::api::policies::get_policy,
        crate::api::policies::update_policy,
        crate::api::policies::policy_history,
        crate::api::policies::policy_in_force,
        crate::api::engagements::list_engagements,
        crate::api::engagements::create_engagement,
        crate::api::engagements::get_engagement,
        crate::api::engagements::update_engagement,
        crate::api::engagements::engagement_history,
        crate::api::taskings::api_taskings,
        crate::api::taskings::api_tasking_create,
        crate::api::taskings::api_tasking,
        crate::api::taskings::api_tasking_update,
        crate::api::taskings::api_compliance,
        crate::api::templates::api_templates,
        crate::api::templates::api_template,
        crate::api::templates::api_template_update,
        crate::api::reports::api_reports,
        crate::api::reports::api_report_create,
        crate::api::reports::api_report,
        crate::api::reports::api_report_update,
        crate::api::reports::api_report_history,
        crate::api::reports::api_report_action,
        crate::api::reports::api_report_comments,
        crate::api::reports::api_report_comment_create,
        crate::api::builds::api_report_builds,
        crate::api::builds::api_report_build_create,
        crate::api::builds::api_build_output,
        crate::api::builds::api_build_diff,
        statistics_paths::datasets,
        statistics_paths::observations,
        statistics_paths::indicator,
        crate::api::redactions::api_list,
        crate::api::redactions::api_create,
        crate::api::redactions::api_get,
        crate::api::redactions::api_decide,
        crate::api::audit::api_audit,
        crate::api::tokens::api_tokens,
        crate::api::tokens::api_token_create,
    ),
    tags(
        (name = "cases", description = "Cases documented by posts: records, comparisons, group summaries, export and import"),
        (name = "sources", description = "Sources shared by all posts"),
        (name = "archives", description = "Archived copies of sources: files, pasted text, fetched pages"),
        (name = "policies", description = "The policy register: policies and their versions in force"),
        (name = "engagements", description = "Engagements with counterparts"),
        (name = "posts", description = "Embassies and consulates"),
        (name = "search", description = "Full-text search over cases, sources (with their archived texts), policies, engagements and reports the user may see"),
        (name = "system", description = "Health and this document"),
        (name = "taskings", description = "HQ taskings and compliance across posts"),
        (name = "templates", description = "Report templates, edited by HQ without a release"),
        (name = "reports", description = "Reports, clearance, comments, builds and their outputs"),
        (name = "statistics", description = "Imported statistics releases and indicators computed from them"),
        (name = "redactions", description = "Requests to redact a field of a stored version, and decisions on them"),
        (name = "audit", description = "The audit log (administrators)"),
        (name = "tokens", description = "One's own API tokens: they expire (90 days unless asked otherwise, at most 365)"),
    )
)]
pub struct ApiDoc;

/// The document as a value (what `GET /api/v1/openapi.json` answers).
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
    fix_up(&mut doc);
    doc
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "system",
    responses((status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json")))]
pub async fn openapi_json() -> Json<Value> {
    Json(document())
}
