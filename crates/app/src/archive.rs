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
/// Unless `private` is set, a URL whose host is (or resolves to) an address that is not
/// globally reachable (`is_internal`: the IANA special-purpose registries) is refused, and so
/// is a redirect to such an address literal: the server must not become a way to read the
/// network it runs in. The error names the host, never what it resolved to. No proxy is used,
/// whatever the environment says.
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
            .map_err(|_| format!("the host {host} could not be resolved"))?;
        for a in addrs {
            if is_internal(a.ip()) {
                // Never say what the name resolved to: that would map the internal network.
                return Err(format!(
                    "the host {host} is an internal address (not globally reachable); Chancery archives public documents"
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
        // Never through a proxy from the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY): a
        // proxy resolves names itself, past the public-only resolver below.
        .no_proxy()
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
            if addrs.iter().any(|a| is_internal(a.ip())) {
                // Never say what the name resolved to: that would map the internal network.
                return Err(format!(
                    "the host {host} is an internal address (not globally reachable); Chancery archives public documents"
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Whether an address is one Chancery must not fetch from: any address in a block of the IANA
/// special-purpose address registries that is not marked globally reachable (with the blocks
/// the registries mark "N/A", such as 6to4 and Teredo, refused too), multicast, and, for
/// IPv6, anything outside the global unicast space 2000::/3 (which refuses ::a.b.c.d
/// IPv4-compatible, ::ffff:a.b.c.d IPv4-mapped, 64:ff9b::/96 NAT64, 100::/64, fec0::/10
/// site-local, fc00::/7, fe80::/10 and ff00::/8 whatever else the tables say).
///
/// An address is refused when any block containing it is not globally reachable, even when a
/// more specific block inside it is (192.0.0.9/32 inside 192.0.0.0/24): no public document is
/// served from those anycast service addresses.
pub(crate) fn is_internal(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v) => {
            let a = u32::from(v);
            v.is_multicast()
                || IANA_IPV4_SPECIAL
                    .iter()
                    .any(|&(net, len, global)| !global && in_v4(a, net, len))
        }
        IpAddr::V6(v) => {
            let a = u128::from(v);
            !in_v6(a, 0x2000 << 112, 3)
                || IANA_IPV6_SPECIAL
                    .iter()
                    .any(|&(net, len, global)| !global && in_v6(a, net, len))
        }
    }
}

fn in_v4(a: u32, net: [u8; 4], len: u8) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    a & mask == u32::from_be_bytes(net) & mask
}

fn in_v6(a: u128, net: u128, len: u8) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    a & mask == net & mask
}

const fn v6(segments: [u16; 8]) -> u128 {
    let mut out = 0u128;
    let mut i = 0;
    while i < 8 {
        out = (out << 16) | segments[i] as u128;
        i += 1;
    }
    out
}

/// The IANA IPv4 Special-Purpose Address Registry
/// (iana.org/assignments/iana-ipv4-special-registry): (block, prefix length, globally
/// reachable). Copied 2026-12-03, from memory of the registry (no network where this was
/// written) as last updated with RFC 8880 (192.0.0.170/32, 192.0.0.171/32) and 6a44
/// (192.88.99.2/32); check it against the registry when the registry changes. "N/A" is
/// written `false` (refused).
#[rustfmt::skip]
const IANA_IPV4_SPECIAL: &[([u8; 4], u8, bool)] = &[
    ([0, 0, 0, 0], 8, false),         // "This network" (RFC 791)
    ([0, 0, 0, 0], 32, false),        // "This host on this network" (RFC 1122)
    ([10, 0, 0, 0], 8, false),        // Private-Use (RFC 1918)
    ([100, 64, 0, 0], 10, false),     // Shared Address Space (RFC 6598)
    ([127, 0, 0, 0], 8, false),       // Loopback (RFC 1122)
    ([169, 254, 0, 0], 16, false),    // Link Local (RFC 3927)
    ([172, 16, 0, 0], 12, false),     // Private-Use (RFC 1918)
    ([192, 0, 0, 0], 24, false),      // IETF Protocol Assignments (RFC 6890)
    ([192, 0, 0, 0], 29, false),      // IPv4 Service Continuity Prefix (RFC 7335)
    ([192, 0, 0, 8], 32, false),      // IPv4 dummy address (RFC 7600)
    ([192, 0, 0, 9], 32, true),       // Port Control Protocol Anycast (RFC 7723)
    ([192, 0, 0, 10], 32, true),      // Traversal Using Relays around NAT Anycast (RFC 8155)
    ([192, 0, 0, 170], 32, false),    // NAT64/DNS64 Discovery (RFC 8880, RFC 7050)
    ([192, 0, 0, 171], 32, false),    // NAT64/DNS64 Discovery (RFC 8880, RFC 7050)
    ([192, 0, 2, 0], 24, false),      // Documentation (TEST-NET-1) (RFC 5737)
    ([192, 31, 196, 0], 24, true),    // AS112-v4 (RFC 7535)
    ([192, 52, 193, 0], 24, true),    // AMT (RFC 7450)
    ([192, 88, 99, 0], 24, false),    // Deprecated (6to4 Relay Anycast) (RFC 7526): N/A
    ([192, 88, 99, 2], 32, false),    // 6a44-relay anycast address (RFC 6751)
    ([192, 168, 0, 0], 16, false),    // Private-Use (RFC 1918)
    ([192, 175, 48, 0], 24, true),    // Direct Delegation AS112 Service (RFC 7534)
    ([198, 18, 0, 0], 15, false),     // Benchmarking (RFC 2544)
    ([198, 51, 100, 0], 24, false),   // Documentation (TEST-NET-2) (RFC 5737)
    ([203, 0, 113, 0], 24, false),    // Documentation (TEST-NET-3) (RFC 5737)
    ([240, 0, 0, 0], 4, false),       // Reserved (RFC 1112)
    ([255, 255, 255, 255], 32, false), // Limited Broadcast (RFC 8190, RFC 919)
];

/// The IANA IPv6 Special-Purpose Address Registry
/// (iana.org/assignments/iana-ipv6-special-registry): (block, prefix length, globally
/// reachable). Copied 2026-12-03, from memory of the registry (no network where this was
/// written) as last updated with RFC 9602 (5f00::/16), RFC 9637 (3fff::/20) and RFC 9665
/// (2001:1::3/128); check it against the registry when the registry changes. "N/A" is written
/// `false` (refused). Outside 2000::/3 everything is refused anyway (`is_internal`); those
/// entries are kept so the table is the registry.
#[rustfmt::skip]
const IANA_IPV6_SPECIAL: &[(u128, u8, bool)] = &[
    (v6([0, 0, 0, 0, 0, 0, 0, 1]), 128, false),              // Loopback Address (RFC 4291)
    (v6([0, 0, 0, 0, 0, 0, 0, 0]), 128, false),              // Unspecified Address (RFC 4291)
    (v6([0, 0, 0, 0, 0, 0xffff, 0, 0]), 96, false),          // IPv4-mapped Address (RFC 4291)
    (v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0]), 96, true),        // IPv4-IPv6 Translat. (RFC 6052)
    (v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0]), 48, false),       // IPv4-IPv6 Translat. (RFC 8215)
    (v6([0x100, 0, 0, 0, 0, 0, 0, 0]), 64, false),           // Discard-Only Address Block (RFC 6666)
    (v6([0x100, 0, 0, 1, 0, 0, 0, 0]), 64, false),           // Dummy IPv6 Prefix (RFC 9780)
    (v6([0x2001, 0, 0, 0, 0, 0, 0, 0]), 23, false),          // IETF Protocol Assignments (RFC 2928)
    (v6([0x2001, 0, 0, 0, 0, 0, 0, 0]), 32, false),          // TEREDO (RFC 4380, RFC 8190): N/A
    (v6([0x2001, 1, 0, 0, 0, 0, 0, 1]), 128, true),          // Port Control Protocol Anycast (RFC 7723)
    (v6([0x2001, 1, 0, 0, 0, 0, 0, 2]), 128, true),          // TURN Anycast (RFC 8155)
    (v6([0x2001, 1, 0, 0, 0, 0, 0, 3]), 128, true),          // DNS-SD Service Registration Protocol Anycast (RFC 9665)
    (v6([0x2001, 2, 0, 0, 0, 0, 0, 0]), 48, false),          // Benchmarking (RFC 5180)
    (v6([0x2001, 3, 0, 0, 0, 0, 0, 0]), 32, true),           // AMT (RFC 7450)
    (v6([0x2001, 4, 0x112, 0, 0, 0, 0, 0]), 48, true),       // AS112-v6 (RFC 7535)
    (v6([0x2001, 0x10, 0, 0, 0, 0, 0, 0]), 28, false),       // Deprecated (previously ORCHID) (RFC 4843): N/A
    (v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0]), 28, true),        // ORCHIDv2 (RFC 7343)
    (v6([0x2001, 0x30, 0, 0, 0, 0, 0, 0]), 28, true),        // Drone Remote ID Protocol Entity Tags (DETs) Prefix (RFC 9374)
    (v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]), 32, false),      // Documentation (RFC 3849)
    (v6([0x2002, 0, 0, 0, 0, 0, 0, 0]), 16, false),          // 6to4 (RFC 3056): N/A
    (v6([0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0]), 48, true),   // Direct Delegation AS112 Service (RFC 7534)
    (v6([0x3fff, 0, 0, 0, 0, 0, 0, 0]), 20, false),          // Documentation (RFC 9637)
    (v6([0x5f00, 0, 0, 0, 0, 0, 0, 0]), 16, false),          // Segment Routing (SRv6) SIDs (RFC 9602)
    (v6([0xfc00, 0, 0, 0, 0, 0, 0, 0]), 7, false),           // Unique-Local (RFC 4193, RFC 8190)
    (v6([0xfe80, 0, 0, 0, 0, 0, 0, 0]), 10, false),          // Link-Local Unicast (RFC 4291)
];

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
        assert!(
            !err.contains("127.0.0.1") && !err.contains("::1"),
            "the error names what the name resolved to: {err}"
        );
    }

    /// The finding: the filter let through shared address space (carrier-grade NAT),
    /// benchmarking, reserved, NAT64, IPv4-compatible, 6to4 and site-local addresses.
    #[test]
    fn ssrf_special_purpose_ranges_are_refused() {
        for ip in [
            "100.64.0.1",
            "100.127.255.254",
            "198.18.0.1",
            "198.19.255.254",
            "240.0.0.1",
            "255.255.255.254",
            "0.1.2.3",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "192.88.99.1",
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "224.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "::127.0.0.1",
            "::10.0.0.1",
            "::ffff:127.0.0.1",
            "2002:7f00:1::1",
            "2002:a00:1::",
            "fec0::1",
            "feff::1",
            "2001::1",
            "2001:db8::1",
            "3fff::1",
            "5f00::1",
            "100::1",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "::1",
            "::",
        ] {
            let addr: std::net::IpAddr = ip.parse().unwrap();
            assert!(super::is_internal(addr), "{ip} is not globally reachable");
        }
        for ip in [
            "8.8.8.8",
            "93.184.215.14",
            "2606:4700:4700::1111",
            "2a00:1450::1",
        ] {
            let addr: std::net::IpAddr = ip.parse().unwrap();
            assert!(!super::is_internal(addr), "{ip} is public");
        }
    }

    /// The finding: an archive error said what an internal name resolved to.
    #[tokio::test]
    async fn ssrf_archive_errors_name_no_resolved_address() {
        let err = super::fetch(
            "http://localhost:9/",
            1000,
            std::time::Duration::from_secs(2),
            false,
        )
        .await
        .err()
        .expect("localhost is refused");
        assert!(
            !err.contains("127.0.0.1") && !err.contains("::1"),
            "the error names the resolved address: {err}"
        );
        assert!(err.contains("localhost"), "{err}");
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
