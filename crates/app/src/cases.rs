//! Cases beyond saving: comparisons of outcomes on every severity measure, group summaries
//! over a filtered set (counts and medians only: documented cases are a selection, not a
//! sample, so no interval and no rate is ever given), and cases out and in (CSV, JSON,
//! NDJSON). Exports show each case as the viewer may see it and never carry victim parties.
//! Imports are all-or-nothing: every row goes through the save pipeline's checks (permission,
//! quotes, PII), then all are stored in one transaction; errors name row and field.

use crate::access::{AppRecord, audit_reads, check_open, load_visible, record_json};
use crate::query::FromQuery;
use crate::save::{check_new, create_all};
use crate::{Actor, App, AppError};
use chancery_domain::case_summary::{CaseSummary, summarise};
use chancery_domain::severity::{
    CONVENTIONS, CompareContext, Comparison, Convention, compare, scale_description,
};
use chancery_domain::{
    Action, Case, FieldError, Marking, NonEmptyText, Record, RecordId, ValidationErrors,
};
use serde::Serialize;
use serde_json::{Map, Value};

/// Notes a case contributes to a comparison: the conflicts its sources leave open.
fn notes_of(record: &Record<Case>) -> Vec<String> {
    record
        .data
        .detail
        .conflicts()
        .into_iter()
        .map(|c| {
            let label = record.data.detail.parties[c.party]
                .label
                .as_str()
                .to_string();
            format!(
                "case {}: sources disagree on the {} of {label} ({})",
                record.id,
                match c.attribute {
                    "described_as" => "description".to_string(),
                    other => other.replace('_', " "),
                },
                c.values.join(" / ")
            )
        })
        .collect()
}

/// A case in a comparison.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComparedCase {
    #[schema(value_type = i64)]
    pub id: RecordId,
    #[schema(value_type = String)]
    pub title: NonEmptyText,
    /// How many outcomes it has.
    pub outcomes: usize,
}

/// One outcome of case A against one of case B.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutcomePair {
    pub outcome_a: usize,
    pub outcome_b: usize,
    pub comparison: Comparison,
}

/// Every outcome of one case against every outcome of the other, on all three measures, with
/// the caveats that apply, the published scale and its day conventions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseComparison {
    pub marking: Marking,
    pub case_a: ComparedCase,
    pub case_b: ComparedCase,
    pub comparisons: Vec<OutcomePair>,
    pub scale: &'static str,
    #[schema(value_type = Vec<Convention>)]
    pub conventions: &'static [Convention],
}

/// Compares two cases the user may see (both reads audited when SBU).
pub async fn comparison(
    app: &App,
    user: &Actor,
    a: &str,
    b: &str,
) -> Result<CaseComparison, AppError> {
    let ca = load_visible::<Case>(app, user, a).await?;
    let cb = load_visible::<Case>(app, user, b).await?;
    audit_reads(app, user, "read", &[&ca, &cb]).await?;
    let mut notes = notes_of(&ca);
    notes.extend(notes_of(&cb));
    let mut comparisons = Vec::new();
    for (i, oa) in ca.data.detail.outcomes.iter().enumerate() {
        for (j, ob) in cb.data.detail.outcomes.iter().enumerate() {
            // Outcomes are named by short reference (A1, B2) and their party, so caveats
            // do not repeat the cases' full titles; `case_a` and `case_b` carry those.
            let label = |c: &Record<Case>, reference: String, party: usize| {
                let p = c
                    .data
                    .detail
                    .parties
                    .get(party)
                    .map(|p| p.label.as_str())
                    .unwrap_or("party");
                format!("{reference} ({p})")
            };
            let ctx = CompareContext {
                label_a: label(&ca, format!("A{}", i + 1), oa.party),
                label_b: label(&cb, format!("B{}", j + 1), ob.party),
                notes: notes.clone(),
            };
            comparisons.push(OutcomePair {
                outcome_a: i,
                outcome_b: j,
                comparison: compare(&oa.outcome, &ob.outcome, &ctx),
            });
        }
    }
    let compared = |c: &Record<Case>| ComparedCase {
        id: c.id,
        title: c.data.title.clone(),
        outcomes: c.data.detail.outcomes.len(),
    };
    Ok(CaseComparison {
        marking: Marking::highest([ca.data.marking, cb.data.marking]),
        case_a: compared(&ca),
        case_b: compared(&cb),
        comparisons,
        scale: scale_description(),
        conventions: CONVENTIONS,
    })
}

/// Every case matching the list query that the viewer may see (not yet audited: the caller
/// logs what it shows).
pub async fn visible_cases(
    app: &App,
    user: &Actor,
    raw: Option<&str>,
) -> Result<Vec<Record<Case>>, AppError> {
    check_open(user, Action::Read, &Case::collection())?;
    let (mut filter, _) = chancery_store::CaseFilter::from_query(raw)?;
    Case::scope(&mut filter, &user.principal);
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = app
            .store
            .list::<Case>(&filter, cursor.as_deref(), 500)
            .await?;
        out.extend(page.items);
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
        if out.len() > 100_000 {
            return Err(AppError::Invalid(ValidationErrors::one(
                FieldError::general("more than 100000 cases match: narrow the filter"),
            )));
        }
    }
    Ok(out)
}

/// The group summary over the cases matching the query that the viewer may see. SBU: refused
/// without SBU access; every case read is logged.
pub async fn summary(app: &App, user: &Actor, raw: Option<&str>) -> Result<CaseSummary, AppError> {
    if !user.principal.may_see(Marking::SBU) {
        return Err(AppError::Forbidden(
            "group summaries are SBU: SBU access is needed".into(),
        ));
    }
    let cases = visible_cases(app, user, raw).await?;
    let shown: Vec<&Record<Case>> = cases.iter().collect();
    audit_reads(app, user, "read", &shown).await?;
    Ok(summarise(&cases))
}

/// The CSV columns: scalar members as text, nested members as JSON text.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "version",
    "post",
    "kind",
    "country",
    "title",
    "summary",
    "summary_marking",
    "date",
    "status",
    "marking",
    "citations",
    "links",
    "jurisdiction",
    "court",
    "reference",
    "timeline",
    "offences",
    "tags",
    "parties",
    "outcomes",
    "incident",
];

/// Read-only columns an import ignores (they describe the stored record).
const READ_ONLY: &[&str] = &["id", "version"];

/// The formats cases are exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Json,
    Ndjson,
    Csv,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Result<ExportFormat, AppError> {
        match s {
            "json" => Ok(ExportFormat::Json),
            "ndjson" => Ok(ExportFormat::Ndjson),
            "csv" => Ok(ExportFormat::Csv),
            other => Err(AppError::invalid(
                "format",
                format!("{other:?}: choose csv, json or ndjson"),
            )),
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Json => "application/json",
            ExportFormat::Ndjson => "application/x-ndjson",
            ExportFormat::Csv => "text/csv",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Ndjson => "ndjson",
            ExportFormat::Csv => "csv",
        }
    }
}

/// One exported case: its id, version and hash, and the data as the viewer may see it,
/// victims removed.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
    pub id: RecordId,
    pub version: i64,
    pub content_hash: String,
    #[serde(flatten)]
    pub data: Value,
}

fn export_row(r: &Record<Case>, clearance: Marking) -> ExportRow {
    let public = Record {
        data: r.data.without_victims(),
        ..r.clone()
    };
    let v = record_json(&public, clearance);
    ExportRow {
        id: v.id,
        version: v.version,
        content_hash: v.content_hash,
        data: v.data,
    }
}

fn csv_cell(v: &Value) -> String {
    guard_formula(match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// Whether a cell would be read as a formula by a spreadsheet (OWASP's list), after any
/// quotes a guard put in front of it.
fn formula_like(cell: &str) -> bool {
    cell.trim_start_matches('\'')
        .starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A CSV cell a spreadsheet will not run: one that starts like a formula (`= + - @`, tab,
/// carriage return), or is such a cell already guarded by quotes, gets one more leading `'`.
/// [`unguard_formula`] removes exactly that one, so export then import gives back the text.
pub fn guard_formula(cell: String) -> String {
    if formula_like(&cell) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// The text of a cell [`guard_formula`] wrote.
pub fn unguard_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => cell,
    }
}

/// Exports the cases matching `raw` (the list filters plus `format=csv|json|ndjson`) that the
/// viewer may see; every SBU case exported is logged. Answers the file's text and format.
pub async fn export(
    app: &App,
    user: &Actor,
    raw: Option<&str>,
) -> Result<(String, ExportFormat), AppError> {
    let mut format = "json".to_string();
    let mut rest: Vec<(String, String)> = Vec::new();
    for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .map_err(|e| AppError::BadRequest(format!("unreadable query string: {e}")))?
    {
        if k == "format" {
            format = v;
        } else {
            rest.push((k, v));
        }
    }
    let filter_query = serde_urlencoded::to_string(&rest).unwrap_or_default();
    let cases = visible_cases(app, user, Some(&filter_query)).await?;
    let format = ExportFormat::parse(&format)?;
    let shown: Vec<&Record<Case>> = cases.iter().collect();
    audit_reads(app, user, "export", &shown).await?;
    let clearance = user.principal.clearance();
    let rows: Vec<ExportRow> = cases.iter().map(|c| export_row(c, clearance)).collect();
    let internal = |e: &dyn std::fmt::Display| AppError::Internal(e.to_string());
    let body = match format {
        ExportFormat::Json => serde_json::to_string_pretty(&rows).map_err(|e| internal(&e))?,
        ExportFormat::Ndjson => {
            let mut out = String::new();
            for r in &rows {
                out.push_str(&serde_json::to_string(r).map_err(|e| internal(&e))?);
                out.push('\n');
            }
            out
        }
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(CSV_COLUMNS.iter().chain(["withheld"].iter()))
                .map_err(|e| internal(&e))?;
            for r in &rows {
                let v = serde_json::to_value(r).map_err(|e| internal(&e))?;
                let row: Vec<String> = CSV_COLUMNS
                    .iter()
                    .chain(["withheld"].iter())
                    .map(|c| csv_cell(&v[*c]))
                    .collect();
                w.write_record(&row).map_err(|e| internal(&e))?;
            }
            let bytes = w.into_inner().map_err(|e| internal(&e))?;
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    Ok((body, format))
}

/// The rows of an import body as JSON objects, each with its row number (1-based data rows; a
/// CSV's header is row 1, so its first data row is 2) and, for CSV, the column of each member.
pub fn rows_of(media: &str, body: &[u8]) -> Result<Vec<(usize, Value)>, ValidationErrors> {
    let text = std::str::from_utf8(body).map_err(|e| {
        ValidationErrors::one(FieldError::general(format!(
            "the body is not UTF-8 (byte {})",
            e.valid_up_to()
        )))
    })?;
    let general = |m: String| ValidationErrors::one(FieldError::general(m));
    match media {
        "application/json" => {
            let v: Value =
                serde_json::from_str(text).map_err(|e| general(format!("malformed JSON: {e}")))?;
            let Value::Array(items) = v else {
                return Err(general("expected a JSON array of cases".into()));
            };
            Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i + 1, v))
                .collect())
        }
        "application/x-ndjson" => {
            let mut out = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(line).map_err(|e| {
                    ValidationErrors::one(FieldError::new(
                        format!("line {}", i + 1),
                        format!("malformed JSON: {e}"),
                    ))
                })?;
                out.push((i + 1, v));
            }
            Ok(out)
        }
        "text/csv" => {
            let mut rd = csv::ReaderBuilder::new()
                .flexible(false)
                .from_reader(text.as_bytes());
            let headers = rd
                .headers()
                .map_err(|e| general(format!("unreadable CSV header: {e}")))?
                .clone();
            let mut errors = ValidationErrors::default();
            for h in headers.iter() {
                if !CSV_COLUMNS.contains(&h) && h != "withheld" {
                    errors.push(FieldError::new(
                        format!("row 1, column {h}"),
                        "unknown column",
                    ));
                }
            }
            if !errors.is_empty() {
                return Err(errors);
            }
            let mut out = Vec::new();
            for (i, rec) in rd.records().enumerate() {
                let row = i + 2;
                let rec = rec.map_err(|e| {
                    ValidationErrors::one(FieldError::new(format!("row {row}"), e.to_string()))
                })?;
                let mut obj = Map::new();
                for (h, cell) in headers.iter().zip(rec.iter()) {
                    let cell = unguard_formula(cell);
                    if cell.is_empty() || READ_ONLY.contains(&h) || h == "withheld" {
                        continue;
                    }
                    let nested = matches!(
                        h,
                        "date"
                            | "citations"
                            | "links"
                            | "court"
                            | "timeline"
                            | "offences"
                            | "tags"
                            | "parties"
                            | "outcomes"
                            | "incident"
                    );
                    let v = if nested {
                        serde_json::from_str(cell).map_err(|e| {
                            ValidationErrors::one(FieldError::new(
                                format!("row {row}, column {h}"),
                                format!("expected JSON: {e}"),
                            ))
                        })?
                    } else {
                        Value::String(cell.to_string())
                    };
                    obj.insert(h.to_string(), v);
                }
                out.push((row, Value::Object(obj)));
            }
            Ok(out)
        }
        _ => Err(general(format!(
            "unsupported content type {media:?}: send text/csv, application/json or application/x-ndjson"
        ))),
    }
}

/// What an import stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub imported: usize,
    #[schema(value_type = Vec<i64>)]
    pub ids: Vec<RecordId>,
}

/// Prefixes every error with its row: `row 3: parties[0].age[0].value`.
fn at_row(row: usize, es: ValidationErrors, errors: &mut ValidationErrors) {
    for mut e in es.errors {
        e.field = Some(match e.field {
            Some(f) if !f.is_empty() => format!("row {row}: {f}"),
            _ => format!("row {row}"),
        });
        errors.push(e);
    }
}

/// Imports cases from a CSV, JSON or NDJSON body (`media` names which): all rows or none.
/// Every row goes through the save pipeline's checks (permission, quotes, PII); errors name
/// row and field (`row 3: parties[0].age[0].value`).
pub async fn import(
    app: &App,
    user: &Actor,
    media: &str,
    body: &[u8],
) -> Result<Imported, AppError> {
    check_open(user, Action::Create, &Case::collection())?;
    let rows = rows_of(media, body)?;
    if rows.is_empty() {
        return Err(AppError::Invalid(ValidationErrors::one(
            FieldError::general("no cases in the body"),
        )));
    }
    let mut errors = ValidationErrors::default();
    let mut checked = Vec::new();
    let mut row_of = Vec::new();
    for (row, mut v) in rows {
        if let Value::Object(m) = &mut v {
            for k in ["id", "version", "content_hash", "withheld"] {
                m.remove(k);
            }
        }
        match check_new::<Case>(app, user, &v).await {
            Ok(c) => {
                checked.push(c);
                row_of.push(row);
            }
            Err(AppError::Invalid(es)) => at_row(row, es, &mut errors),
            Err(AppError::Forbidden(m) | AppError::NotFound(m)) => {
                errors.push(FieldError::new(format!("row {row}: post"), m))
            }
            Err(other) => return Err(other),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    match create_all(app, user, checked).await {
        Ok(ids) => Ok(Imported {
            imported: ids.len(),
            ids,
        }),
        // The store names a row by its index in the batch: `[2].citations[0].source_id`.
        Err(AppError::Invalid(es)) => {
            let mut out = ValidationErrors::default();
            for mut e in es.errors {
                let f = e.field.unwrap_or_default();
                let (idx, rest) = f
                    .strip_prefix('[')
                    .and_then(|r| r.split_once("]."))
                    .and_then(|(i, rest)| i.parse::<usize>().ok().map(|i| (i, rest.to_string())))
                    .unwrap_or((0, f.clone()));
                e.field = Some(format!(
                    "row {}: {rest}",
                    row_of.get(idx).copied().unwrap_or(0)
                ));
                out.push(e);
            }
            Err(AppError::Invalid(out))
        }
        Err(e) => Err(e),
    }
}

/// The cases that link to a case, with the relation, that the user may see.
pub async fn linking_to(
    app: &App,
    user: &Actor,
    id: RecordId,
) -> Result<Vec<(Record<Case>, String)>, AppError> {
    let mut out = Vec::new();
    for (from, relation) in app.store.cases_linking_to(id).await? {
        if let Some(c) = crate::access::peek::<Case>(app, user, from).await? {
            out.push((c, relation));
        }
    }
    Ok(out)
}

/// The cases that cite a source, that the user may see.
pub async fn citing(
    app: &App,
    user: &Actor,
    source: RecordId,
) -> Result<Vec<Record<Case>>, AppError> {
    let mut out = Vec::new();
    for id in app.store.cases_citing(source).await? {
        if let Some(c) = crate::access::peek::<Case>(app, user, id).await? {
            out.push(c);
        }
    }
    Ok(out)
}
