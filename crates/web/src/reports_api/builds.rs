//! Builds: make one, hand out its outputs (audited when they show SBU material), and diff two.

use super::*;

pub(super) fn build_err(e: report_build::BuildError) -> ApiError {
    match e {
        report_build::BuildError::Invalid(m) => bad("build", m),
        report_build::BuildError::Store(s) => s.into(),
    }
}

pub async fn make_build(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
) -> Result<ReportBuild, ApiError> {
    let r = load_visible::<Report>(state, user, raw).await?;
    check_open(user, Action::Update, &r.data.policy())?;
    report_build::build(&state.store, &r, &user.ctx())
        .await
        .map_err(build_err)
}

/// A build the user may see (through its report).
pub async fn load_build(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
) -> Result<ReportBuild, ApiError> {
    let not_found = || ApiError::NotFound(format!("no build with id {raw}"));
    let id: i64 = raw.parse().map_err(|_| not_found())?;
    let b = state.store.report_build(id).await?.ok_or_else(not_found)?;
    load_visible::<Report>(state, user, &b.report_id.to_string())
        .await
        .map_err(|_| not_found())?;
    Ok(b)
}

/// The audit entry for a read of a build's SBU content: its id and snapshot hash, never text.
pub(super) fn build_read(b: &ReportBuild) -> chancery_store::AuditEvent {
    let mut e = chancery_store::AuditEvent::new("read");
    e.record_type = Some("report_build".into());
    e.record_id = Some(b.id);
    e.version = Some(b.report_version);
    e.content_hash = Some(b.snapshot_sha256.clone());
    e
}

/// Renders a build for a user: the internal edition only with SBU access. Handing out an
/// internal edition that holds SBU paragraphs is a read of SBU material: it is audited (the
/// build's id and its snapshot's sha256, never text).
pub async fn output(
    state: &AppState,
    user: &CurrentUser,
    b: &ReportBuild,
    format: &str,
    public: bool,
) -> Result<Response, ApiError> {
    let f = Format::parse(format).map_err(ApiError::NotFound)?;
    let public = public || !user.principal.may_see(Marking::SBU);
    let bytes = report_build::render(b, f, public).map_err(build_err)?;
    if !public
        && report_build::read_snapshot(b)
            .map_err(build_err)?
            .doc
            .banner()
            == Marking::SBU
    {
        state.store.audit(&user.ctx(), &[build_read(b)]).await?;
    }
    let name = format!(
        "report-{}-build-{}{}.{}",
        b.report_id,
        b.id,
        if public { "-public" } else { "" },
        f.extension()
    );
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(f.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/builds", tag = "reports",
    responses(
        (status = 200, description = "The report's builds, newest first, each with its snapshot sha256 and flags", body = serde_json::Value),
    ))]
pub async fn api_report_builds(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Value>, ApiError> {
    let r = load_visible::<Report>(&state, &user, &id).await?;
    let mut items = Vec::new();
    for b in state.store.report_builds(r.id).await? {
        let snap = report_build::read_snapshot(&b).map_err(build_err)?;
        let flags = report_build::flags(&state.store, &snap).await?;
        items.push(json!({
            "id": b.id, "report_id": b.report_id, "report_version": b.report_version,
            "created_at": b.created_at, "created_by": b.author,
            "snapshot_sha256": b.snapshot_sha256, "flags": flags,
        }));
    }
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/builds", tag = "reports",
    responses(
        (status = 201, description = "A new build pinning the current version, statistics releases and record versions", body = serde_json::Value),
        (status = 422, description = "The report cannot be resolved (a block's data is missing)", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_build_create(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    let b = make_build(&state, &user, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"id": b.id, "report_id": b.report_id, "report_version": b.report_version,
                    "created_at": b.created_at, "snapshot_sha256": b.snapshot_sha256}),
        ),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/builds/{id}/{format}", tag = "reports",
    responses(
        (status = 200, description = "The build rendered as html, pdf, cable, md or manifest; ?public=1 for the public edition (always public without SBU access); byte-identical on every request", body = serde_json::Value),
        (status = 404, description = "No such build or format", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_build_output(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPair(id, format): IdPair,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let b = load_build(&state, &user, &id).await?;
    let public = raw
        .as_deref()
        .is_some_and(|q| q.split('&').any(|p| p == "public=1" || p == "public=true"));
    output(&state, &user, &b, &format, public).await
}

/// The diff between two builds, paragraph by paragraph, as the user may see them.
pub async fn diff_builds(
    state: &AppState,
    user: &CurrentUser,
    a: &str,
    b: &str,
) -> Result<
    (
        ReportBuild,
        ReportBuild,
        Vec<(String, &'static str, String)>,
    ),
    ApiError,
> {
    let ba = load_build(state, user, a).await?;
    let bb = load_build(state, user, b).await?;
    let mut sa = report_build::read_snapshot(&ba).map_err(build_err)?;
    let mut sb = report_build::read_snapshot(&bb).map_err(build_err)?;
    if !user.principal.may_see(Marking::SBU) {
        sa.doc = sa.doc.public();
        sb.doc = sb.doc.public();
    } else {
        // Comparing internal editions with SBU paragraphs reads them: audited per build.
        let events: Vec<chancery_store::AuditEvent> = [(&ba, &sa), (&bb, &sb)]
            .into_iter()
            .filter(|(_, s)| s.doc.banner() == Marking::SBU)
            .map(|(b, _)| build_read(b))
            .collect();
        state.store.audit(&user.ctx(), &events).await?;
    }
    let d = report_build::diff(&sa, &sb);
    Ok((ba, bb, d))
}

#[utoipa::path(get, path = "/api/v1/builds/{id}/diff/{other}", tag = "reports",
    responses(
        (status = 200, description = "What changed between two builds, paragraph by paragraph", body = serde_json::Value),
    ))]
pub async fn api_build_diff(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPair(a, b): IdPair,
) -> Result<Json<Value>, ApiError> {
    let (ba, bb, d) = diff_builds(&state, &user, &a, &b).await?;
    let changes: Vec<Value> = d
        .into_iter()
        .map(|(p, c, detail)| json!({"paragraph": p, "change": c, "detail": detail}))
        .collect();
    Ok(Json(
        json!({"from": ba.id, "to": bb.id, "changes": changes}),
    ))
}
