//! Archiving source documents: a file (PDF, HTML, text, image), pasted text, or a URL fetched
//! with timeouts and a size limit. Bytes go to the content-addressed blob store. The type
//! check and the text extraction (PDF, HTML) run in the extraction child process
//! ([`crate::extract`]); a document whose extraction crashes, hits a limit or times out is
//! still stored, its extraction recorded as failed with the reason. The text is normalised
//! for quote checks once, when it is archived, and stored beside it; the quote check reads
//! only that ([`check_quotes`], linear in the quotes plus the text).

use crate::access::{AppRecord, check_update, load_visible};
use crate::extract::{Outcome, extract};
use crate::{Actor, App, AppError};
use bytes::Bytes;
use chancery_domain::quote::normalize;
use chancery_domain::{FieldError, Record, RecordId, Source, ValidationErrors};
use chancery_store::NewArchive;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

pub use crate::extract::check_type;
pub use chancery_store::{ArchiveInfo, Extraction};

/// The media types Chancery archives.
const TYPES: &[&str] = &[
    "application/pdf",
    "text/html",
    "text/plain",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
];

fn invalid(field: &str, reason: impl Into<String>) -> AppError {
    AppError::invalid(field, reason)
}

/// The media type a response declares, without parameters, lower-cased.
fn declared_type(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// A fetched URL.
pub struct Fetched {
    pub final_url: String,
    pub status: u16,
    pub media_type: String,
    pub bytes: Bytes,
}

/// Fetches a URL with a connect timeout, an overall timeout, at most five redirects and a size
/// limit (refused before reading when the server announces more, aborted when it sends more).
///
/// Unless `private` is set, a URL whose host is (or resolves to) a loopback, private,
/// link-local or unspecified address is refused, and so is a redirect to such an address
/// literal: the server must not become a way to read the network it runs in.
pub async fn fetch(
    url: &str,
    limit: usize,
    timeout: Duration,
    private: bool,
) -> Result<Fetched, String> {
    if !private {
        let parsed = url::Url::parse(url).map_err(|e| e.to_string())?;
        let host = parsed
            .host_str()
            .unwrap_or("")
            .trim_matches(['[', ']'])
            .to_string();
        let port = parsed.port_or_known_default().unwrap_or(80);
        let addrs = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| format!("the host {host} could not be resolved: {e}"))?;
        for a in addrs {
            if is_internal(a.ip()) {
                return Err(format!(
                    "the host {host} is an internal address ({}); Chancery archives public documents",
                    a.ip()
                ));
            }
        }
    }
    let redirects = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 5 {
            return attempt.error("too many redirects");
        }
        let internal = attempt.url().host().is_some_and(|h| match h {
            url::Host::Ipv4(ip) => is_internal(ip.into()),
            url::Host::Ipv6(ip) => is_internal(ip.into()),
            url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        });
        if internal && !private {
            attempt.error("a redirect to an internal address")
        } else {
            attempt.follow()
        }
    });
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5).min(timeout))
        .timeout(timeout)
        .redirect(redirects)
        .user_agent("Chancery source archiver");
    if !private {
        // Every connection, the first and each redirect's, resolves through this resolver,
        // so a name that resolves to an internal address at connect time (DNS rebinding, or
        // a redirect to such a name) is refused too, not only what the check above saw.
        builder = builder.dns_resolver(std::sync::Arc::new(PublicOnly));
    }
    let client = builder.build().map_err(|e| e.to_string())?;
    let describe = |e: reqwest::Error| {
        if e.is_timeout() {
            format!("no complete answer within {} s", timeout.as_secs())
        } else if e.is_redirect() {
            format!("the redirects were refused: {e}")
        } else {
            format!("the request failed: {e}")
        }
    };
    let mut resp = client.get(url).send().await.map_err(describe)?;
    let status = resp.status().as_u16();
    if !resp.status().is_success() {
        return Err(format!("the server answered {status}"));
    }
    if resp.content_length().is_some_and(|n| n as usize > limit) {
        return Err(format!(
            "the document is larger than the limit of {limit} bytes"
        ));
    }
    let final_url = resp.url().to_string();
    let media_type = match declared_type(resp.headers()) {
        m if m.is_empty() => "application/octet-stream".to_string(),
        m => m,
    };
    let mut body: Vec<u8> = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(describe)? {
        if body.len() + chunk.len() > limit {
            return Err(format!(
                "the document is larger than the limit of {limit} bytes"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched {
        final_url,
        status,
        media_type,
        bytes: Bytes::from(body),
    })
}

/// A resolver that answers only public addresses: a name with an internal address among its
/// answers is refused whole, so a connection can never reach the network the server runs in.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(a) = addrs.iter().find(|a| is_internal(a.ip())) {
                return Err(format!(
                    "the host {host} resolves to an internal address ({}); Chancery archives public documents",
                    a.ip()
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Loopback, private, link-local, unspecified, unique-local or multicast.
fn is_internal(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v) => {
            v.is_loopback()
                || v.is_private()
                || v.is_link_local()
                || v.is_unspecified()
                || v.is_broadcast()
                || v.is_multicast()
        }
        std::net::IpAddr::V6(v) => {
            if let Some(v4) = v.to_ipv4_mapped() {
                return is_internal(v4.into());
            }
            v.is_loopback()
                || v.is_unspecified()
                || v.is_multicast()
                || (v.segments()[0] & 0xfe00) == 0xfc00
                || (v.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// A source the user may see and change (archiving a copy changes it).
pub async fn writable_source(
    app: &App,
    user: &Actor,
    raw: &str,
) -> Result<chancery_domain::Record<Source>, AppError> {
    let source = load_visible::<Source>(app, user, raw).await?;
    check_update(user, &source.data, &source.data)?;
    Ok(source)
}

/// Archives a document for a source: a file of `media_type`, or (as `application/json`)
/// `{"text", "text_en"}` pasted or `{"url"}` to fetch. Used by the API and the pages.
pub async fn archive(
    app: &App,
    user: &Actor,
    source: RecordId,
    media_type: &str,
    body: Bytes,
    file_name: Option<String>,
) -> Result<ArchiveInfo, AppError> {
    let limit = app.limits.archive_limit;
    let mut new = NewArchive {
        file_name,
        ..Default::default()
    };
    let bytes = if media_type == "application/json" {
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")))?;
        let text = v
            .get("text")
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty());
        let text_en = v
            .get("text_en")
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty());
        let url = v
            .get("url")
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty());
        match (text, url) {
            (Some(t), None) => {
                if t.len() > limit {
                    return Err(invalid(
                        "text",
                        format!("the text is larger than the limit of {limit} bytes"),
                    ));
                }
                new.media_type = "text/plain".into();
                new.text = Some(t.to_string());
                new.extraction = Extraction::Ok;
                new.text_en = text_en.map(str::to_string);
                Bytes::from(t.to_string())
            }
            (None, Some(u)) => {
                let u = chancery_domain::WebUrl::parse(u).map_err(|e| invalid("url", e))?;
                let f = fetch(
                    u.as_str(),
                    limit,
                    app.limits.fetch_timeout,
                    app.limits.fetch_private,
                )
                .await
                .map_err(|e| invalid("url", e))?;
                let media = if TYPES.contains(&f.media_type.as_str()) {
                    f.media_type.clone()
                } else {
                    return Err(invalid(
                        "url",
                        format!(
                            "the document is {}, not a type Chancery archives",
                            f.media_type
                        ),
                    ));
                };
                if f.bytes.is_empty() {
                    return Err(invalid("url", "the document is empty"));
                }
                let outcome = run_extraction(app, &media, f.bytes.clone()).await?;
                record_outcome(&mut new, outcome).map_err(|e| invalid("url", e))?;
                new.media_type = media;
                new.original_url = Some(u.to_string());
                new.final_url = Some(f.final_url);
                new.http_status = Some(i64::from(f.status));
                new.text_en = text_en.map(str::to_string);
                f.bytes
            }
            _ => return Err(invalid("text", "send either the text or a url")),
        }
    } else {
        if !TYPES.contains(&media_type) {
            return Err(AppError::UnsupportedMediaType);
        }
        if body.len() > limit {
            return Err(AppError::TooLarge(limit));
        }
        if body.is_empty() {
            return Err(invalid("file", "the document is empty"));
        }
        let outcome = run_extraction(app, media_type, body.clone()).await?;
        record_outcome(&mut new, outcome).map_err(|e| invalid("file", e))?;
        new.media_type = media_type.to_string();
        body
    };
    if bytes.is_empty() {
        return Err(invalid("file", "the document is empty"));
    }
    if let Some(text) = new.text.take() {
        // Normalised once, here, for every later quote check (on the blocking pool: it is
        // linear but a 20 MiB text is real work).
        let (text, normalized) = tokio::task::spawn_blocking(move || {
            let n = normalize(&text);
            (text, n)
        })
        .await
        .map_err(|e| AppError::Internal(format!("normalising the archived text: {e}")))?;
        new.text = Some(text);
        new.text_normalized = Some(normalized);
    }
    new.size_bytes = bytes.len() as i64;
    new.sha256 = app.blobs.put(bytes).await?;
    Ok(app.store.add_archive(source, &new, &user.ctx()).await?)
}

async fn run_extraction(app: &App, media_type: &str, bytes: Bytes) -> Result<Outcome, AppError> {
    extract(
        &app.limits.extractor,
        &app.limits.extraction,
        media_type,
        bytes,
    )
    .await
}

/// Records what extraction gave; `Err` with the reason when the bytes are not their type.
fn record_outcome(new: &mut NewArchive, outcome: Outcome) -> Result<(), String> {
    match outcome {
        Outcome::Refused(reason) => return Err(reason),
        Outcome::Text(t) => {
            new.text = Some(t);
            new.extraction = Extraction::Ok;
        }
        Outcome::NoText => new.extraction = Extraction::None,
        Outcome::Failed(reason) => new.extraction = Extraction::Failed { reason },
    }
    Ok(())
}

/// Which of `quotes` (already normalised) occur in at least one of `texts` (normalised):
/// one Aho-Corasick automaton over all the quotes, one pass over each text, so the cost is
/// linear in the quotes plus the texts (plus the matches reported). An empty quote is never
/// found (an empty quote would match anything).
pub fn quotes_found(texts: &[String], quotes: &[String]) -> Vec<bool> {
    let mut found = vec![false; quotes.len()];
    // Distinct non-empty patterns, each with the quotes it stands for.
    let mut patterns: Vec<&str> = Vec::new();
    let mut owners: Vec<Vec<usize>> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, q) in quotes.iter().enumerate() {
        if q.is_empty() {
            continue;
        }
        let p = *index.entry(q.as_str()).or_insert_with(|| {
            patterns.push(q.as_str());
            owners.push(Vec::new());
            patterns.len() - 1
        });
        owners[p].push(i);
    }
    if patterns.is_empty() {
        return found;
    }
    let mut seen = vec![false; patterns.len()];
    let mut left = patterns.len();
    match aho_corasick::AhoCorasick::new(&patterns) {
        Ok(ac) => {
            'texts: for t in texts {
                for m in ac.find_overlapping_iter(t.as_str()) {
                    let p = m.pattern().as_usize();
                    if !seen[p] {
                        seen[p] = true;
                        left -= 1;
                        if left == 0 {
                            break 'texts;
                        }
                    }
                }
            }
        }
        // Patterns too large for an automaton (not reachable within the body limit): one
        // linear search per quote.
        Err(_) => {
            for (p, pat) in patterns.iter().enumerate() {
                seen[p] = texts.iter().any(|t| t.contains(pat));
            }
        }
    }
    for (p, owners) in owners.iter().enumerate() {
        if seen[p] {
            for &i in owners {
                found[i] = true;
            }
        }
    }
    found
}

/// Checks every quote a record cites against the archived texts of its source: a quote must
/// be found (after normalisation, case-sensitively) in one of the source's archived texts.
///
/// Each source's archives are read once (their texts normalised when archived), and all the
/// quotes citing it are searched in one pass over each text ([`quotes_found`]), on the
/// blocking pool. A source with no archive, or only archives without text (images), is not
/// checked. A source whose every archive that should hold text failed extraction cannot
/// support a quote: the quote is refused naming the archive and the reason. A failed
/// extraction never switches the check off.
pub async fn check_quotes<T: AppRecord>(app: &App, data: &T) -> Result<(), AppError> {
    let mut by_source: BTreeMap<RecordId, Vec<(String, String)>> = BTreeMap::new();
    for (path, source, quote) in data.quotes() {
        by_source.entry(source).or_default().push((path, quote));
    }
    let mut errors = ValidationErrors::default();
    for (source, quotes) in by_source {
        let mut texts = Vec::new();
        let mut failed = Vec::new();
        for a in app.store.quote_texts(source).await? {
            if let Extraction::Failed { reason } = &a.extraction {
                failed.push(format!(
                    "archive {} could not be read: {reason}",
                    a.archive_id
                ));
            }
            match (a.normalized, a.raw) {
                (Some(n), _) => texts.push(n),
                // Archived before the normalised text was stored: computed once, stored.
                (None, Some(raw)) => {
                    let n = tokio::task::spawn_blocking(move || normalize(&raw))
                        .await
                        .map_err(|e| AppError::Internal(format!("normalising a text: {e}")))?;
                    app.store.set_text_normalized(a.archive_id, &n).await?;
                    texts.push(n);
                }
                (None, None) => {}
            }
        }
        if texts.is_empty() && failed.is_empty() {
            continue;
        }
        let (paths, raw_quotes): (Vec<String>, Vec<String>) = quotes.into_iter().unzip();
        let has_text = !texts.is_empty();
        let found = if has_text {
            tokio::task::spawn_blocking(move || {
                let normalized: Vec<String> = raw_quotes.iter().map(|q| normalize(q)).collect();
                quotes_found(&texts, &normalized)
            })
            .await
            .map_err(|e| AppError::Internal(format!("checking quotes: {e}")))?
        } else {
            vec![false; paths.len()]
        };
        let failures = failed.join("; ");
        for (path, ok) in paths.into_iter().zip(found) {
            if ok {
                continue;
            }
            let message = if !has_text {
                format!(
                    "source {source} has no readable text to check the quote against: {failures}"
                )
            } else if failed.is_empty() {
                format!("not found in the archived text of source {source}")
            } else {
                format!("not found in the archived text of source {source} ({failures})")
            };
            errors.push(FieldError::new(path, message));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

#[cfg(test)]
mod resolver_tests {
    use super::PublicOnly;
    use reqwest::dns::{Name, Resolve};
    use std::str::FromStr;

    #[tokio::test]
    async fn names_resolving_to_internal_addresses_are_refused_at_connect_time() {
        let err = match PublicOnly
            .resolve(Name::from_str("localhost").unwrap())
            .await
        {
            Err(e) => e.to_string(),
            Ok(_) => panic!("localhost resolved through the public-only resolver"),
        };
        assert!(err.contains("internal address"), "{err}");
    }
}

/// The archived copies of a source the user may see.
pub async fn archives_of(
    app: &App,
    user: &Actor,
    raw_source: &str,
) -> Result<Vec<ArchiveInfo>, AppError> {
    let source = load_visible::<Source>(app, user, raw_source).await?;
    Ok(app.store.archives_of(source.id).await?)
}

/// One archived copy of a source the user may see (404 when it is another source's).
pub async fn visible_archive(
    app: &App,
    user: &Actor,
    source: &str,
    archive: &str,
) -> Result<ArchiveInfo, AppError> {
    Ok(visible_archive_of(app, user, source, archive).await?.1)
}

/// One archived copy of a source the user may see, with the source.
async fn visible_archive_of(
    app: &App,
    user: &Actor,
    source: &str,
    archive: &str,
) -> Result<(Record<Source>, ArchiveInfo), AppError> {
    let source: Record<Source> = load_visible::<Source>(app, user, source).await?;
    let id = archive
        .parse::<i64>()
        .map_err(|_| AppError::NotFound("no such archive".into()))?;
    match app.store.archive(id).await? {
        Some(a) if a.source_id == source.id.get() => Ok((source, a)),
        _ => Err(AppError::NotFound("no such archive of this source".into())),
    }
}

/// Logs the read of an archived copy of an SBU source (its text or its file) like every
/// other SBU read: the archive's id and the sha256 of its bytes, never its text.
async fn audit_archive_read(
    app: &App,
    user: &Actor,
    source: &Record<Source>,
    a: &ArchiveInfo,
    action: &str,
) -> Result<(), AppError> {
    use chancery_domain::marked::Marked as _;
    if source.data.marking() == chancery_domain::Marking::SBU {
        let mut e = chancery_store::AuditEvent::new(action);
        e.record_type = Some("source_archive".into());
        e.record_id = Some(a.id);
        e.content_hash = Some(a.sha256.clone());
        app.store.audit(&user.ctx(), &[e]).await?;
    }
    Ok(())
}

/// An archived copy's bytes, with its metadata.
pub async fn archive_file(
    app: &App,
    user: &Actor,
    source: &str,
    archive: &str,
) -> Result<(ArchiveInfo, Bytes), AppError> {
    let (source, a) = visible_archive_of(app, user, source, archive).await?;
    audit_archive_read(app, user, &source, &a, "read_archive_file").await?;
    let bytes = app
        .blobs
        .get(&a.sha256)
        .await?
        .ok_or_else(|| AppError::Internal(format!("blob {} is missing", a.sha256)))?;
    Ok((a, bytes))
}

/// An archived copy's extracted text and its English translation.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ArchiveText {
    pub archive: ArchiveInfo,
    pub text: Option<String>,
    pub text_en: Option<String>,
}

/// An archived copy's text, as extracted or pasted.
pub async fn archive_text(
    app: &App,
    user: &Actor,
    source: &str,
    archive: &str,
) -> Result<ArchiveText, AppError> {
    let (source, a) = visible_archive_of(app, user, source, archive).await?;
    audit_archive_read(app, user, &source, &a, "read_archive_text").await?;
    let (text, text_en) = app.store.archive_text(a.id).await?;
    Ok(ArchiveText {
        archive: a,
        text,
        text_en,
    })
}
