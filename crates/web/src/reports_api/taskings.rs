//! Taskings (HQ issues, posts see those addressed to them) and the compliance table with
//! its flags.

use super::*;

/// A tasking the user may see: HQ roles see all; a post sees those addressed to it.
pub async fn load_tasking(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
) -> Result<Record<Tasking>, ApiError> {
    let t = load_visible::<Tasking>(state, user, raw).await?;
    if let Some(own) = user.principal.post_scope()
        && !t.data.posts.contains(own)
    {
        return Err(ApiError::NotFound(format!("no tasking with id {raw}")));
    }
    Ok(t)
}

/// Taskings the user may see, newest first.
pub async fn visible_taskings(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<Record<Tasking>>, ApiError> {
    check_open(user, Action::Read, &Tasking::collection())?;
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = state
            .store
            .list::<Tasking>(&TaskingFilter::default(), cursor.as_deref(), 500)
            .await?;
        out.extend(page.items);
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    if let Some(own) = user.principal.post_scope() {
        out.retain(|t| t.data.posts.contains(own));
    }
    Ok(out)
}

pub async fn create_tasking(
    state: &AppState,
    user: &CurrentUser,
    body: &Value,
) -> Result<Record<Tasking>, ApiError> {
    let mut body = body.clone();
    let confirmed = crate::pii_gate::take_confirmations(&mut body)?;
    let data = Tasking::parse(&body)?;
    check_create(user, &data)?;
    if report_build::effective_template(&state.store, data.template_key.as_str())
        .await?
        .is_none()
    {
        return Err(bad(
            "template_key",
            format!("no template {}", data.template_key),
        ));
    }
    let pii = crate::pii_gate::check_record(state, &data, &confirmed).await?;
    let t = state.store.create(&data, &user.ctx()).await?;
    crate::pii_gate::record_confirmed(state, user, &pii).await?;
    Ok(t)
}

#[utoipa::path(get, path = "/api/v1/taskings", tag = "taskings",
    responses(
        (status = 200, description = "The taskings the user may see (a post: those addressed to it)", body = serde_json::Value),
    ))]
pub async fn api_taskings(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<Value> = visible_taskings(&state, &user)
        .await?
        .iter()
        .map(|t| record_json(t, user.principal.clearance()))
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(post, path = "/api/v1/taskings", tag = "taskings", request_body(content = serde_json::Value, description = "Tasking JSON: title, instructions, topics, template_key, posts, due, recurrence (annual, quarterly, one_off)"),
    responses(
        (status = 201, description = "Issued (HQ editors); ETag holds the version", body = serde_json::Value),
        (status = 403, description = "Not an HQ editor", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_tasking_create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let t = create_tasking(&state, &user, &body).await?;
    let mut resp = (StatusCode::CREATED, Json(record_json(&t, Marking::U))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/taskings/{}", t.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(with_etag(resp, t.version))
}

#[utoipa::path(get, path = "/api/v1/taskings/{id}", tag = "taskings",
    responses(
        (status = 200, description = "The tasking with its compliance rows", body = serde_json::Value),
        (status = 404, description = "No such tasking, or not addressed to the user's post", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_tasking(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    let t = load_tasking(&state, &user, &id).await?;
    let mut v = record_json(&t, Marking::U);
    v["compliance"] = json!(compliance_rows(&state, &user, Some(&t)).await?);
    Ok(with_etag(Json(v).into_response(), t.version))
}

#[utoipa::path(put, path = "/api/v1/taskings/{id}", tag = "taskings", request_body(content = serde_json::Value, description = "The tasking as a whole; If-Match names the version read"),
    responses(
        (status = 200, description = "Saved", body = serde_json::Value),
        (status = 409, description = "The version read is not the current one", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_tasking_update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let current = load_tasking(&state, &user, &id).await?;
    let expected = if_match(&headers)?;
    let mut body = body;
    let confirmed = crate::pii_gate::take_confirmations(&mut body)?;
    let next = Tasking::parse(&body)?;
    check_update(&user, &current.data, &next)?;
    let pii = crate::pii_gate::check_record(&state, &next, &confirmed).await?;
    let t = state
        .store
        .update(current.id, expected, &next, &user.ctx())
        .await?;
    crate::pii_gate::record_confirmed(&state, &user, &pii).await?;
    Ok(with_etag(
        Json(record_json(&t, Marking::U)).into_response(),
        t.version,
    ))
}

/// One row of the compliance table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ComplianceRow {
    pub tasking_id: i64,
    pub tasking: String,
    pub post: String,
    /// "Embassy Berlin".
    pub post_name: String,
    pub due: NaiveDate,
    pub status: String,
    /// The status in words ("Not started").
    pub status_label: String,
    pub late: bool,
    pub report_id: Option<i64>,
    pub flags: Vec<String>,
}

/// The compliance table: for each visible tasking (or one), each addressed post the user may
/// see, each due date up to today and the next one to come.
pub async fn compliance_rows(
    state: &AppState,
    user: &CurrentUser,
    only: Option<&Record<Tasking>>,
) -> Result<Vec<ComplianceRow>, ApiError> {
    let taskings = match only {
        Some(t) => vec![t.clone()],
        None => visible_taskings(state, user).await?,
    };
    let today = Utc::now().date_naive();
    let names: std::collections::HashMap<String, String> = state
        .store
        .list_posts()
        .await?
        .into_iter()
        .map(|p| {
            let kind = p.kind.label();
            (p.slug.to_string(), format!("{kind} {}", p.city))
        })
        .collect();
    let mut rows = Vec::new();
    for t in &taskings {
        let reports = state.store.reports_for_tasking(t.id).await?;
        let horizon = today.checked_add_days(Days::new(400)).unwrap_or(today);
        let mut dues: Vec<NaiveDate> = t
            .data
            .due_dates_between(t.data.due, horizon)
            .into_iter()
            .filter(|d| *d <= today)
            .collect();
        if let Some(next) = t
            .data
            .due_dates_between(t.data.due, horizon)
            .into_iter()
            .find(|d| *d > today)
        {
            dues.push(next);
        }
        for post in &t.data.posts {
            if user.principal.post_scope().is_some_and(|own| own != post) {
                continue;
            }
            for due in &dues {
                let due_s = due.to_string();
                let report = reports.iter().rev().find(|(_, p, d, _)| {
                    p == post.as_str() && d.as_deref() == Some(due_s.as_str())
                });
                let (state_of, report_id, flags) = match report {
                    Some((rid, _, _, _)) => {
                        let rec = state
                            .store
                            .get::<Report>(RecordId::new(*rid).expect("positive id"))
                            .await?
                            .ok_or_else(|| ApiError::Internal("report vanished".into()))?;
                        let flags = report_flags(state, &rec).await?;
                        (Some(rec.data.state), Some(*rid), flags)
                    }
                    None => (None, None, Vec::new()),
                };
                let c = compliance(state_of, *due, today);
                rows.push(ComplianceRow {
                    tasking_id: t.id.get(),
                    tasking: t.data.title.to_string(),
                    post: post.to_string(),
                    post_name: names
                        .get(post.as_str())
                        .cloned()
                        .unwrap_or_else(|| post.to_string()),
                    due: *due,
                    status: c.status.as_str().to_string(),
                    status_label: c.status.label().to_string(),
                    late: c.late,
                    report_id,
                    flags,
                });
            }
        }
    }
    Ok(rows)
}

/// Flags on a report: retracted sources it cites now, and whatever its latest build used
/// that has since been retracted or changed.
pub async fn report_flags(
    state: &AppState,
    report: &Record<Report>,
) -> Result<Vec<String>, ApiError> {
    let mut flags = Vec::new();
    for (_, p) in report.data.paragraphs() {
        for c in &p.citations {
            if c.kind == CitedKind::Source
                && let Some(s) = state.store.get::<Source>(c.id).await?
                && s.data.status == SourceStatus::Retracted
            {
                let f = format!(
                    "source {} (cited in {}) has been retracted",
                    c.id,
                    p.id.as_str()
                );
                if !flags.contains(&f) {
                    flags.push(f);
                }
            }
        }
    }
    if let Some(b) = state.store.report_builds(report.id).await?.first() {
        let snap = report_build::read_snapshot(b).map_err(build_err)?;
        for f in report_build::flags(&state.store, &snap).await? {
            let f = format!("build {}: {f}", b.id);
            if !flags.contains(&f) {
                flags.push(f);
            }
        }
    }
    Ok(flags)
}

#[utoipa::path(get, path = "/api/v1/compliance", tag = "taskings",
    responses(
        (status = 200, description = "For each tasking, addressed post and due date: not_started, drafting, in_clearance, submitted or withdrawn, late, the report and its flags", body = serde_json::Value),
    ))]
pub async fn api_compliance(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({"items": compliance_rows(&state, &user, None).await?}),
    ))
}
