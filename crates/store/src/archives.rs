//! Archived source documents: bytes in a content-addressed blob store (local directory now,
//! any `object_store` backend later, such as S3), their description and extracted text in the
//! database.

use crate::audit::{AuditCtx, AuditEvent, audit_append};
use crate::records::now;
use crate::{BeginWrite, Store, StoreError, with_pool};
use chancery_domain::RecordId;
use chrono::{DateTime, Utc};
use object_store::path::Path as BlobPath;
use object_store::{ObjectStore, ObjectStoreExt};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::sync::Arc;

/// Content-addressed bytes: the key of a blob is its sha256.
#[derive(Clone)]
pub struct Blobs {
    inner: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Blobs({})", self.inner)
    }
}

fn key(sha256: &str) -> BlobPath {
    BlobPath::from(format!("sha256/{}/{}", &sha256[..2], sha256))
}

impl Blobs {
    /// Blobs in a local directory (created if missing).
    pub fn local(dir: &std::path::Path) -> Result<Blobs, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Config(format!("{}: {e}", dir.display())))?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| StoreError::Config(format!("blob store {}: {e}", dir.display())))?;
        Ok(Blobs {
            inner: Arc::new(fs),
        })
    }

    /// Any object store (S3-compatible and others).
    pub fn from_store(inner: Arc<dyn ObjectStore>) -> Blobs {
        Blobs { inner }
    }

    /// Stores bytes under their sha256 (storing the same bytes twice writes once); returns it.
    pub async fn put(&self, bytes: bytes::Bytes) -> Result<String, StoreError> {
        let sha = hex::encode(Sha256::digest(&bytes));
        let k = key(&sha);
        if self.inner.head(&k).await.is_err() {
            self.inner
                .put(&k, bytes.into())
                .await
                .map_err(|e| StoreError::Config(format!("blob store: {e}")))?;
        }
        Ok(sha)
    }

    pub async fn get(&self, sha256: &str) -> Result<Option<bytes::Bytes>, StoreError> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        match self.inner.get(&key(sha256)).await {
            Ok(r) => {
                Ok(Some(r.bytes().await.map_err(|e| {
                    StoreError::Config(format!("blob store: {e}"))
                })?))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(StoreError::Config(format!("blob store: {e}"))),
        }
    }
}

/// What an archive holds and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ArchiveInfo {
    pub id: i64,
    pub source_id: i64,
    pub sha256: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub file_name: Option<String>,
    pub original_url: Option<String>,
    pub final_url: Option<String>,
    pub http_status: Option<i64>,
    pub retrieved_at: DateTime<Utc>,
    /// Whether text was extracted (the text itself is fetched separately).
    pub has_text: bool,
    pub has_translation: bool,
    /// How the text extraction ended: `ok`, `none` (a type without text) or `failed` with
    /// the reason (the document is kept; quotes cannot be checked against it).
    pub extraction: Extraction,
}

/// How an archived document's text extraction ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Extraction {
    /// Text was extracted (or pasted).
    Ok,
    /// The type carries no text (images).
    #[default]
    None,
    /// No text could be read: the extraction crashed, hit a limit, timed out, or the document
    /// could not be parsed.
    Failed { reason: String },
}

impl Extraction {
    /// The stored code: `ok`, `none` or `failed`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Extraction::Ok => "ok",
            Extraction::None => "none",
            Extraction::Failed { .. } => "failed",
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            Extraction::Failed { reason } => Some(reason),
            _ => None,
        }
    }

    fn from_columns(code: &str, reason: Option<String>) -> Result<Extraction, StoreError> {
        match code {
            "ok" => Ok(Extraction::Ok),
            "none" => Ok(Extraction::None),
            "failed" => Ok(Extraction::Failed {
                reason: reason.unwrap_or_else(|| "no reason recorded".into()),
            }),
            other => Err(StoreError::Internal(format!(
                "source_archives.extraction holds {other:?}"
            ))),
        }
    }
}

/// What a quote check reads of one archive: its extraction outcome and its normalised text
/// (`raw` only when the normalised text was never stored: rows archived before it was).
#[derive(Debug, Clone)]
pub struct QuoteText {
    pub archive_id: i64,
    pub extraction: Extraction,
    pub normalized: Option<String>,
    pub raw: Option<String>,
}

/// A new archive's description.
#[derive(Debug, Clone, Default)]
pub struct NewArchive {
    pub sha256: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub file_name: Option<String>,
    pub original_url: Option<String>,
    pub final_url: Option<String>,
    pub http_status: Option<i64>,
    pub text: Option<String>,
    /// `text` normalised for quote checks (`chancery_domain::quote::normalize`).
    pub text_normalized: Option<String>,
    pub text_en: Option<String>,
    pub extraction: Extraction,
}

const COLUMNS: &str = "id, source_id, sha256, media_type, size_bytes, file_name, original_url, final_url, http_status, \
    retrieved_at, text IS NOT NULL AS has_text, text_en IS NOT NULL AS has_translation, \
    extraction, extraction_error";

fn read<R: Row>(r: &R) -> Result<ArchiveInfo, StoreError>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(ArchiveInfo {
        id: r.try_get("id")?,
        source_id: r.try_get("source_id")?,
        sha256: r.try_get("sha256")?,
        media_type: r.try_get("media_type")?,
        size_bytes: r.try_get("size_bytes")?,
        file_name: r.try_get("file_name")?,
        original_url: r.try_get("original_url")?,
        final_url: r.try_get("final_url")?,
        http_status: r.try_get("http_status")?,
        retrieved_at: r.try_get("retrieved_at")?,
        has_text: r.try_get("has_text")?,
        has_translation: r.try_get("has_translation")?,
        extraction: Extraction::from_columns(
            &r.try_get::<String, _>("extraction")?,
            r.try_get("extraction_error")?,
        )?,
    })
}

impl Store {
    /// Records an archive of a source (the bytes are already in the blob store).
    pub async fn add_archive(
        &self,
        source: RecordId,
        a: &NewArchive,
        ctx: &AuditCtx,
    ) -> Result<ArchiveInfo, StoreError> {
        let author = ctx
            .actor
            .ok_or_else(|| StoreError::Config("archiving needs an acting user".into()))?;
        let now = now();
        let id: i64 = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let exists = sqlx::query("SELECT id FROM sources WHERE id = $1").bind(source.get()).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            }
            let id: i64 = sqlx::query(
                "INSERT INTO source_archives (source_id, sha256, media_type, size_bytes, file_name, original_url, final_url,
                     http_status, retrieved_at, text, text_en, created_at, created_by,
                     extraction, extraction_error, text_normalized)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $9, $12, $13, $14, $15) RETURNING id",
            )
            .bind(source.get()).bind(&a.sha256).bind(&a.media_type).bind(a.size_bytes).bind(&a.file_name)
            .bind(&a.original_url).bind(&a.final_url).bind(a.http_status).bind(now).bind(&a.text).bind(&a.text_en)
            .bind(author.0).bind(a.extraction.as_str()).bind(a.extraction.reason()).bind(&a.text_normalized)
            .fetch_one(&mut *tx).await?
            .try_get("id")?;
            // The archived text is part of the source's index rows.
            crate::search::reindex!(tx, "source", source.get());
            let mut e = AuditEvent::new("archive");
            e.record_type = Some("source".into());
            e.record_id = Some(source.get());
            e.content_hash = Some(a.sha256.clone());
            audit_append!(tx, ctx, [e]);
            tx.commit().await?;
            id
        });
        self.archive(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn archive(&self, id: i64) -> Result<Option<ArchiveInfo>, StoreError> {
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM source_archives WHERE id = $1")))
                .bind(id).fetch_optional(p).await?;
            row.as_ref().map(read).transpose()
        })
    }

    /// A source's archives, newest first.
    pub async fn archives_of(&self, source: RecordId) -> Result<Vec<ArchiveInfo>, StoreError> {
        with_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM source_archives WHERE source_id = $1 ORDER BY id DESC"
            )))
            .bind(source.get()).fetch_all(p).await?;
            rows.iter().map(read).collect()
        })
    }

    /// The extracted text (and translation) of an archive.
    pub async fn archive_text(
        &self,
        id: i64,
    ) -> Result<(Option<String>, Option<String>), StoreError> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT text, text_en FROM source_archives WHERE id = $1").bind(id).fetch_optional(p).await?;
            Ok(match row {
                Some(r) => (r.try_get("text")?, r.try_get("text_en")?),
                None => (None, None),
            })
        })
    }

    /// What the quote check reads of each of a source's archives, newest first: the
    /// extraction outcome and the normalised text (the raw text only where the normalised
    /// one was never stored).
    pub async fn quote_texts(&self, source: RecordId) -> Result<Vec<QuoteText>, StoreError> {
        with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT id, extraction, extraction_error, text_normalized,
                        CASE WHEN text_normalized IS NULL THEN text END AS raw
                 FROM source_archives WHERE source_id = $1 ORDER BY id DESC",
            )
            .bind(source.get()).fetch_all(p).await?;
            rows.iter()
                .map(|r| {
                    Ok(QuoteText {
                        archive_id: r.try_get("id")?,
                        extraction: Extraction::from_columns(
                            &r.try_get::<String, _>("extraction")?,
                            r.try_get("extraction_error")?,
                        )?,
                        normalized: r.try_get("text_normalized")?,
                        raw: r.try_get("raw")?,
                    })
                })
                .collect()
        })
    }

    /// Stores the normalised text of an archive archived before it was stored at archiving
    /// (written once: a row that already has one keeps it).
    pub async fn set_text_normalized(&self, id: i64, normalized: &str) -> Result<(), StoreError> {
        with_pool!(self, p => {
            sqlx::query("UPDATE source_archives SET text_normalized = $1 WHERE id = $2 AND text_normalized IS NULL")
                .bind(normalized).bind(id).execute(p).await?;
            Ok(())
        })
    }

    /// The stored normalised text of an archive (`None` when absent or not yet computed).
    pub async fn archive_text_normalized(&self, id: i64) -> Result<Option<String>, StoreError> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT text_normalized FROM source_archives WHERE id = $1").bind(id).fetch_optional(p).await?;
            Ok(match row {
                Some(r) => r.try_get("text_normalized")?,
                None => None,
            })
        })
    }
}
