//! Reports: create, save (an edit restarts clearance), clearance actions and the problems
//! that refuse them, comments, lists and history.

use super::*;

/// The PII hits in a report's paragraphs that nobody confirmed: (paragraph path, id, text).
pub(super) async fn unconfirmed_pii(
    state: &AppState,
    r: &Report,
) -> Result<Vec<(String, String, String, chancery_domain::pii::PiiHit)>, ApiError> {
    let mut out = Vec::new();
    for (si, s) in r.sections.iter().enumerate() {
        for (pi, p) in s.paragraphs.iter().enumerate() {
            for hit in chancery_domain::pii::check(&p.text) {
                if !state
                    .store
                    .pii_confirmed(hit.kind.as_str(), &hit.text)
                    .await?
                {
                    out.push((
                        format!("sections[{si}].paragraphs[{pi}].text"),
                        p.id.as_str().to_string(),
                        hit.text.clone(),
                        hit,
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// Every record a report cites or embeds must be one its author may see: a post cannot put
/// another post's case (or SBU material it cannot read) into its report by id. A record the
/// author may not see reads as missing, as everywhere else.
pub(super) async fn check_cited_visible(
    state: &AppState,
    user: &CurrentUser,
    r: &Report,
) -> Result<(), ApiError> {
    use chancery_domain::report::BlockSpec;
    let mut errors = ValidationErrors::default();
    for (si, s) in r.sections.iter().enumerate() {
        for (pi, p) in s.paragraphs.iter().enumerate() {
            let base = format!("sections[{si}].paragraphs[{pi}]");
            let mut wanted: Vec<(String, CitedKind, RecordId)> = p
                .citations
                .iter()
                .enumerate()
                .map(|(ci, c)| (format!("{base}.citations[{ci}].id"), c.kind, c.id))
                .collect();
            if let Some(BlockSpec::CaseComparison { cases, .. }) = &p.block {
                for (ci, c) in cases.iter().enumerate() {
                    wanted.push((format!("{base}.block.cases[{ci}]"), CitedKind::Case, *c));
                }
            }
            for (path, kind, id) in wanted {
                let raw = id.to_string();
                let visible = match kind {
                    CitedKind::Source => load_visible::<Source>(state, user, &raw).await.is_ok(),
                    CitedKind::Case => load_visible::<chancery_domain::Case>(state, user, &raw)
                        .await
                        .is_ok(),
                    CitedKind::Policy => load_visible::<chancery_domain::Policy>(state, user, &raw)
                        .await
                        .is_ok(),
                    CitedKind::Engagement => {
                        load_visible::<chancery_domain::Engagement>(state, user, &raw)
                            .await
                            .is_ok()
                    }
                };
                if !visible {
                    errors.push(FieldError::new(
                        path,
                        format!("no {} with id {id}", kind.as_str()),
                    ));
                }
            }
        }
    }
    // A figure's indicator must be a request the statistics API would take, so that a
    // malformed one is refused on save rather than at the first build.
    for (si, s) in r.sections.iter().enumerate() {
        for (pi, p) in s.paragraphs.iter().enumerate() {
            if let Some(BlockSpec::StatisticsFigure { indicator, .. }) = &p.block
                && let Err(e) =
                    serde_json::from_value::<crate::statistics::IndicatorRequest>(indicator.clone())
            {
                errors.push(FieldError::new(
                    format!("sections[{si}].paragraphs[{pi}].block.indicator"),
                    format!("not an indicator request: {e}"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// Records confirmations sent with a save (`confirm_pii: [{"field", "span"}]`).
pub(super) async fn confirm(
    state: &AppState,
    user: &CurrentUser,
    r: &Report,
    confirmed: &crate::pii_gate::Confirmations,
) -> Result<(), ApiError> {
    let mut items = Vec::new();
    for (field, _, _, hit) in unconfirmed_pii(state, r).await? {
        if confirmed
            .0
            .iter()
            .any(|(f, s, e)| *f == field && *s == hit.start && *e == hit.end)
        {
            items.push(PiiConfirmation {
                record_type: "report".into(),
                field,
                kind: hit.kind.as_str().to_string(),
                span: (hit.start, hit.end),
                matched: hit.text.clone(),
            });
        }
    }
    state.store.confirm_pii(&items, &user.ctx()).await?;
    Ok(())
}

/// The reasons clearance is refused, each naming its paragraph with a link to it.
pub async fn clearance_problems(
    state: &AppState,
    report: &Record<Report>,
) -> Result<ValidationErrors, ApiError> {
    let r = &report.data;
    let mut errors = ValidationErrors::default();
    let path_of = |id: &str| -> String {
        for (si, s) in r.sections.iter().enumerate() {
            for (pi, p) in s.paragraphs.iter().enumerate() {
                if p.id.as_str() == id {
                    return format!("sections[{si}].paragraphs[{pi}]");
                }
            }
        }
        String::new()
    };
    let mut push = |path: String, pid: &str, reason: String| {
        let mut e = FieldError::new(path, format!("{pid}: {reason}"));
        e.extra.insert("paragraph".into(), json!(pid));
        e.extra.insert(
            "link".into(),
            json!(format!("/reports/{}#{pid}", report.id)),
        );
        errors.push(e);
    };
    for (pid, reason) in r.clearance_problems() {
        push(path_of(pid.as_str()), pid.as_str(), reason);
    }
    for (_, p) in r.paragraphs() {
        for c in &p.citations {
            if c.kind == CitedKind::Source
                && let Some(s) = state.store.get::<Source>(c.id).await?
                && s.data.status == SourceStatus::Retracted
            {
                push(
                    path_of(p.id.as_str()),
                    p.id.as_str(),
                    // The title only of a U source: the problem is shown with a U paragraph.
                    if s.data.marking == Marking::U {
                        format!(
                            "cites source {} ({}), which has been retracted",
                            c.id, s.data.title
                        )
                    } else {
                        format!("cites source {}, which has been retracted", c.id)
                    },
                );
            }
        }
    }
    for (field, pid, text, hit) in unconfirmed_pii(state, r).await? {
        push(
            field.clone(),
            &pid,
            format!(
                "\"{text}\" looks like a personal name and is not confirmed: remove it, or confirm it by saving with confirm_pii [{{\"field\": \"{field}\", \"span\": [{}, {}]}}]",
                hit.start, hit.end
            ),
        );
    }
    Ok(errors)
}

/// The clearance problems a user may see: those on paragraphs above their clearance are left
/// out (a problem may quote the paragraph's text).
pub fn problems_for(
    user: &CurrentUser,
    r: &Report,
    problems: ValidationErrors,
) -> ValidationErrors {
    let hidden: Vec<&str> = r
        .paragraphs()
        .filter(|(_, p)| !user.principal.may_see(p.marking))
        .map(|(_, p)| p.id.as_str())
        .collect();
    ValidationErrors {
        errors: problems
            .errors
            .into_iter()
            .filter(|e| {
                !e.extra
                    .get("paragraph")
                    .and_then(Value::as_str)
                    .is_some_and(|p| hidden.contains(&p))
            })
            .collect(),
    }
}

pub async fn create_report(
    state: &AppState,
    user: &CurrentUser,
    body: &Value,
) -> Result<Record<Report>, ApiError> {
    let mut body = body.clone();
    let confirmed = crate::pii_gate::take_confirmations(&mut body)?;
    let mut data = Report::parse(&body)?;
    data.state = ReportState::Draft;
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
    if let Some(t) = data.tasking_id {
        let tasking = load_tasking(state, user, &t.to_string())
            .await
            .map_err(|_| {
                bad(
                    "tasking_id",
                    format!("no tasking {t} addressed to this account's post"),
                )
            })?;
        if !tasking.data.posts.contains(&data.post) {
            return Err(bad(
                "tasking_id",
                format!("tasking {t} is not addressed to {}", data.post),
            ));
        }
    }
    check_cited_visible(state, user, &data).await?;
    confirm(state, user, &data, &confirmed).await?;
    Ok(state.store.create(&data, &user.ctx()).await?)
}

/// Saves new content: the state follows the edit rule (an edit in or after clearance
/// restarts the chain at draft; a published or withdrawn report is not edited).
pub async fn update_report(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
    expected: i64,
    body: &Value,
) -> Result<Record<Report>, ApiError> {
    let current = load_visible::<Report>(state, user, raw).await?;
    let mut body = body.clone();
    let confirmed = crate::pii_gate::take_confirmations(&mut body)?;
    let mut next = Report::parse(&body)?;
    next.state = current.data.state;
    check_update(user, &current.data, &next)?;
    if next == current.data && confirmed.0.is_empty() {
        // Nothing changed: no new version (and a published report stays published).
        if expected != current.version {
            return Err(ApiError::Conflict {
                expected,
                current: current.version,
            });
        }
        return Ok(current);
    }
    if !next.same_content(&current.data) {
        let chain = chain_of(state, &current.data).await?;
        next.state = transition(
            current.data.state,
            ReportAction::Edit,
            user.principal.role(),
            &chain,
        )
        .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    }
    check_cited_visible(state, user, &next).await?;
    confirm(state, user, &next, &confirmed).await?;
    Ok(state
        .store
        .update(current.id, expected, &next, &user.ctx())
        .await?)
}

pub async fn chain_of(
    state: &AppState,
    r: &Report,
) -> Result<Vec<chancery_domain::access::Role>, ApiError> {
    Ok(
        report_build::effective_template(&state.store, r.template_key.as_str())
            .await?
            .map(|t| t.clearance_chain)
            .unwrap_or_else(|| chancery_domain::report::template::DEFAULT_CLEARANCE_CHAIN.to_vec()),
    )
}

/// Does a clearance action. Submitting and clearing are refused while the report has
/// problems (each listed with a link).
pub async fn act(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
    expected: i64,
    action: ReportAction,
) -> Result<Record<Report>, ApiError> {
    let current = load_visible::<Report>(state, user, raw).await?;
    check_open(user, Action::Update, &current.data.policy())?;
    if action == ReportAction::Edit {
        return Err(bad("action", "edit by saving the report"));
    }
    let chain = chain_of(state, &current.data).await?;
    let next_state = transition(current.data.state, action, user.principal.role(), &chain)
        .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    // Submitting, clearing and publishing sign off on the whole text: not by an account that
    // cannot see all of it.
    if matches!(
        action,
        ReportAction::Submit | ReportAction::Clear | ReportAction::Publish
    ) && current.data.highest_marking() > user.principal.clearance()
    {
        return Err(ApiError::Forbidden(
            "this report has SBU paragraphs the account cannot see, so it cannot sign off on them"
                .into(),
        ));
    }
    if matches!(action, ReportAction::Submit | ReportAction::Clear) {
        let problems = clearance_problems(state, &current).await?;
        if !problems.is_empty() {
            return Err(ApiError::Invalid(problems));
        }
    }
    let mut next = current.data.clone();
    next.state = next_state;
    Ok(state
        .store
        .update(current.id, expected, &next, &user.ctx())
        .await?)
}

/// A page of the reports the user may see (a post: its own), newest first.
pub async fn list_reports(
    state: &AppState,
    user: &CurrentUser,
    q: &crate::api::ListQuery,
) -> Result<chancery_store::Page<Report>, ApiError> {
    check_open(user, Action::Read, &Report::collection())?;
    let mut filter = ReportFilter {
        post: q.post.clone(),
        ..Default::default()
    };
    Report::scope(&mut filter, &user.principal);
    Ok(state
        .store
        .list::<Report>(&filter, q.cursor.as_deref(), q.limit)
        .await?)
}

#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    responses(
        (status = 200, description = "A page of reports the user may see, SBU paragraphs withheld without SBU access", body = serde_json::Value),
    ))]
pub async fn api_reports(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = crate::api::ListQuery::parse(raw.as_deref(), &["post"])?;
    let page = list_reports(&state, &user, &q).await?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|r| record_json(r, user.principal.clearance()))
        .collect();
    Ok(Json(json!({"items": items, "next": page.next})))
}

#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", request_body(content = serde_json::Value, description = "Report JSON: post, tasking_id, due, template_key, subject, tags, refs, captions, demo, sections of paragraphs (id, kind, marking, text, citations, block); optional confirm_pii"),
    responses(
        (status = 201, description = "Created as a draft", body = serde_json::Value),
        (status = 422, description = "Invalid fields, each named (a cited record the author may not see reads as missing)", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let r = create_report(&state, &user, &body).await?;
    let mut resp = (
        StatusCode::CREATED,
        Json(record_json(&r, user.principal.clearance())),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/reports/{}", r.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(with_etag(resp, r.version))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports",
    responses(
        (status = 200, description = "The report, its flags and the problems that refuse clearance, each with a link to its paragraph", body = serde_json::Value),
        (status = 404, description = "No such report, or not visible", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    let r = load_visible::<Report>(&state, &user, &id).await?;
    crate::access::audit_reads(&state, &user, "read", &[&r]).await?;
    let mut v = record_json(&r, user.principal.clearance());
    v["flags"] = json!(report_flags(&state, &r).await?);
    let problems = problems_for(&user, &r.data, clearance_problems(&state, &r).await?);
    v["clearance_problems"] = json!(problems.errors);
    Ok(with_etag(Json(v).into_response(), r.version))
}

#[utoipa::path(put, path = "/api/v1/reports/{id}", tag = "reports", request_body(content = serde_json::Value, description = "The report as a whole; If-Match names the version read. An edit in or after clearance restarts the chain at draft"),
    responses(
        (status = 200, description = "Saved", body = serde_json::Value),
        (status = 403, description = "Published or withdrawn reports are not edited", body = chancery_domain::ValidationErrors),
        (status = 409, description = "The version read is not the current one", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let r = update_report(&state, &user, &id, expected, &body).await?;
    Ok(with_etag(
        Json(record_json(&r, user.principal.clearance())).into_response(),
        r.version,
    ))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/history", tag = "reports",
    responses(
        (status = 200, description = "Every version, oldest first", body = serde_json::Value),
    ))]
pub async fn api_report_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Value>, ApiError> {
    let current = load_visible::<Report>(&state, &user, &id).await?;
    let clearance = user.principal.clearance();
    let h = state.store.history::<Report>(current.id).await?;
    let items: Vec<Value> = h
        .into_iter()
        .map(|(info, data)| {
            let mut v = json!(info);
            v["data"] = data.json_for(clearance);
            v
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/actions", tag = "reports", request_body(content = serde_json::Value, description = r#"{"action": "submit" | "clear" | "return_to_draft" | "publish" | "withdraw"}; If-Match names the version read"#),
    responses(
        (status = 200, description = "Done", body = serde_json::Value),
        (status = 403, description = "Not this role's step", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Clearance refused: each problem with its paragraph and link", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_action(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let action = body["action"]
        .as_str()
        .ok_or_else(|| bad("action", "is required"))
        .and_then(|a| ReportAction::parse(a).map_err(|e| bad("action", e)))?;
    let r = act(&state, &user, &id, expected, action).await?;
    Ok(with_etag(
        Json(record_json(&r, user.principal.clearance())).into_response(),
        r.version,
    ))
}

pub async fn add_comment(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
    paragraph: &str,
    body: &str,
) -> Result<i64, ApiError> {
    let r = load_visible::<Report>(state, user, raw).await?;
    check_open(user, Action::Read, &r.data.policy())?;
    if user.principal.role() == chancery_domain::access::Role::HqReader {
        return Err(ApiError::Forbidden(
            "an HQ reader reads but does not comment".into(),
        ));
    }
    let Some((_, p)) = r
        .data
        .paragraphs()
        .find(|(_, p)| p.id.as_str() == paragraph)
    else {
        return Err(bad(
            "paragraph",
            format!("no paragraph {paragraph:?} in report {raw}"),
        ));
    };
    if !user.principal.may_see(p.marking) {
        return Err(bad(
            "paragraph",
            format!("no paragraph {paragraph:?} in report {raw}"),
        ));
    }
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 5000 {
        return Err(bad("body", "a comment has 1 to 5000 characters"));
    }
    Ok(state
        .store
        .add_report_comment(r.id, r.version, paragraph, body, &user.ctx())
        .await?)
}

/// Comments the user may see (those on paragraphs above their clearance are withheld).
pub async fn visible_comments(
    state: &AppState,
    user: &CurrentUser,
    r: &Record<Report>,
) -> Result<Vec<chancery_store::ReportComment>, ApiError> {
    let hidden: Vec<&str> = r
        .data
        .paragraphs()
        .filter(|(_, p)| !user.principal.may_see(p.marking))
        .map(|(_, p)| p.id.as_str())
        .collect();
    Ok(state
        .store
        .report_comments(r.id)
        .await?
        .into_iter()
        .filter(|c| !hidden.contains(&c.paragraph.as_str()))
        .collect())
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/comments", tag = "reports",
    responses(
        (status = 200, description = "Comments on the paragraphs the user may see", body = serde_json::Value),
    ))]
pub async fn api_report_comments(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Value>, ApiError> {
    let r = load_visible::<Report>(&state, &user, &id).await?;
    Ok(Json(
        json!({"items": visible_comments(&state, &user, &r).await?}),
    ))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/comments", tag = "reports", request_body(content = serde_json::Value, description = r#"{"paragraph": "p3", "body": "..."}"#),
    responses(
        (status = 201, description = "Added", body = serde_json::Value),
        (status = 422, description = "No such paragraph, or an empty comment", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_comment_create(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let paragraph = body["paragraph"].as_str().unwrap_or_default();
    let text = body["body"].as_str().unwrap_or_default();
    let cid = add_comment(&state, &user, &id, paragraph, text).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": cid}))).into_response())
}
