//! Official statistics: datasets, releases, series and observations.
//!
//! An import stages its rows under a release marked `staging`, in batches (each its own short
//! transaction, so the server keeps answering), then publishes the release in one short
//! transaction; a failed import deletes what it staged. Queries read published releases only:
//! the newest by default, or the one a report pinned. Importing the same bytes again finds the
//! published release by its sha256 and changes nothing.

use crate::audit::{AuditCtx, AuditEvent, audit_append};
use crate::records::now;
use crate::{BeginWrite, Store, StoreError, with_pool};
use chancery_domain::{FieldError, ValidationErrors};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What is known about a dataset: its code and where it comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DatasetMeta {
    pub code: String,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub licence: Option<String>,
    pub source_url: Option<String>,
    pub retrieved: Option<String>,
    /// How the attribution must read where the figures appear.
    pub attribution: Option<String>,
    /// citizenship, country_of_birth or migration_background, where the dataset has one.
    pub basis: Option<String>,
    /// The day stocks refer to ("1 January", "31 December").
    pub reference_date: Option<String>,
    pub notes: Option<String>,
}

/// A published release and its summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReleaseInfo {
    pub id: i64,
    pub dataset: String,
    pub sha256: String,
    pub file_name: String,
    pub format: String,
    pub series: i64,
    pub observations: i64,
    pub missing: i64,
    pub flags: BTreeMap<String, i64>,
    pub period_first: Option<String>,
    pub period_last: Option<String>,
    pub imported_at: DateTime<Utc>,
}

/// A dataset with its releases, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DatasetInfo {
    pub meta: DatasetMeta,
    pub releases: Vec<ReleaseInfo>,
}

/// One observation to stage: the codes of its series (in the order of the batch's dimension
/// names), its period, value and flags, and the file line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StagedObs {
    pub key: Vec<String>,
    pub period: String,
    pub value: Option<f64>,
    pub flags: String,
    pub line: u64,
}

/// The counts a publication records (the number of series is counted from the stored rows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseSummary {
    pub observations: i64,
    pub missing: i64,
    pub flags: BTreeMap<String, i64>,
    pub period_first: Option<String>,
    pub period_last: Option<String>,
}

/// An import under way.
pub struct Staging {
    pub release_id: i64,
    /// SQLite: the bulk loader's own connection (taken while a batch is written).
    bulk: Option<crate::bulk::BulkLoader>,
    dataset_id: i64,
    dataset: String,
    file_name: String,
    /// A bounded cache of series ids by key (cleared when it grows past `SERIES_CACHE`, so
    /// memory stays flat whatever the number of series).
    series: HashMap<String, i64>,
}

pub enum StageStart {
    /// The same bytes were imported before: nothing to do.
    Existing(ReleaseInfo),
    New(Staging),
}

/// An observation as queried.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ObsRow {
    /// `release/series/period`: stable, citable.
    pub id: String,
    pub release_id: i64,
    pub series_id: i64,
    pub dims: BTreeMap<String, String>,
    pub period: String,
    pub value: Option<f64>,
    pub flags: String,
}

/// The canonical key of a series: `dim=code` pairs sorted by dimension, joined by `|`.
pub fn series_key(key: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = key.iter().collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(d, c)| format!("{d}={c}"))
        .collect::<Vec<_>>()
        .join("|")
}

/// The canonical key from dimension names and the codes in their order.
pub fn series_key_of(dims: &[String], codes: &[String]) -> String {
    let pairs: Vec<(String, String)> = dims.iter().cloned().zip(codes.iter().cloned()).collect();
    series_key(&pairs)
}

/// Rows per INSERT statement (5 parameters each: well inside both backends' limits).
const ROWS_PER_STATEMENT: usize = 1000;
/// New series per INSERT statement.
const SERIES_PER_STATEMENT: usize = 500;
/// (series, period) pairs per query when looking for a repeat.
const PAIRS_PER_STATEMENT: usize = 500;
/// Series ids kept in memory during an import before the cache starts afresh.
pub(crate) const SERIES_CACHE: usize = 50_000;

fn insert_sql(rows: usize) -> String {
    let mut s = String::with_capacity(80 + rows * 32);
    s.push_str(
        "INSERT INTO stat_observations (release_id, series_id, period, value, flags) VALUES ",
    );
    for i in 0..rows {
        let b = i * 5;
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "(${},${},${},${},${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5
        ));
    }
    s
}

fn read_release<R: Row>(r: &R) -> Result<ReleaseInfo, StoreError>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let flags: String = r.try_get("flag_counts")?;
    Ok(ReleaseInfo {
        id: r.try_get("id")?,
        dataset: r.try_get("code")?,
        sha256: r.try_get("sha256")?,
        file_name: r.try_get("file_name")?,
        format: r.try_get("format")?,
        series: r.try_get("series_count")?,
        observations: r.try_get("observation_count")?,
        missing: r.try_get("missing_count")?,
        flags: serde_json::from_str(&flags).unwrap_or_default(),
        period_first: r.try_get("period_first")?,
        period_last: r.try_get("period_last")?,
        imported_at: r.try_get("imported_at")?,
    })
}

const RELEASE_COLUMNS: &str = "r.id, d.code, r.sha256, r.file_name, r.format, r.series_count, r.observation_count, \
    r.missing_count, r.flag_counts, r.period_first, r.period_last, r.imported_at";

impl Store {
    /// Starts an import: finds the dataset (creating it, or filling in metadata it lacked),
    /// returns the existing release if these bytes were published before, and otherwise opens
    /// a staging release (removing a crashed import's leftovers of the same bytes).
    pub async fn stage_begin(
        &self,
        meta: &DatasetMeta,
        sha256: &str,
        file_name: &str,
        format: &str,
        ctx: &AuditCtx,
    ) -> Result<StageStart, StoreError> {
        let now = now();
        let (dataset_id, existing) = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query("SELECT id FROM stat_datasets WHERE code = $1").bind(&meta.code).fetch_optional(&mut *tx).await?;
            let dataset_id: i64 = match row {
                Some(r) => {
                    let id: i64 = r.try_get("id")?;
                    sqlx::query(
                        "UPDATE stat_datasets SET title = COALESCE($1, title), publisher = COALESCE($2, publisher),
                             licence = COALESCE($3, licence), source_url = COALESCE($4, source_url),
                             retrieved = COALESCE($5, retrieved), attribution = COALESCE($6, attribution),
                             basis = COALESCE($7, basis), reference_date = COALESCE($8, reference_date),
                             notes = COALESCE($9, notes), updated_at = $10 WHERE id = $11",
                    )
                    .bind(&meta.title).bind(&meta.publisher).bind(&meta.licence).bind(&meta.source_url)
                    .bind(&meta.retrieved).bind(&meta.attribution).bind(&meta.basis).bind(&meta.reference_date)
                    .bind(&meta.notes).bind(now).bind(id)
                    .execute(&mut *tx).await?;
                    id
                }
                None => sqlx::query(
                    "INSERT INTO stat_datasets (code, title, publisher, licence, source_url, retrieved, attribution, basis,
                         reference_date, notes, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
                )
                .bind(&meta.code).bind(&meta.title).bind(&meta.publisher).bind(&meta.licence)
                .bind(&meta.source_url).bind(&meta.retrieved).bind(&meta.attribution).bind(&meta.basis)
                .bind(&meta.reference_date).bind(&meta.notes).bind(now)
                .fetch_one(&mut *tx).await?
                .try_get("id")?,
            };
            let q = format!(
                "SELECT {RELEASE_COLUMNS} FROM stat_releases r JOIN stat_datasets d ON d.id = r.dataset_id
                 WHERE r.dataset_id = $1 AND r.sha256 = $2 AND r.status = 'published'"
            );
            let existing = sqlx::query(AssertSqlSafe(q)).bind(dataset_id).bind(sha256).fetch_optional(&mut *tx).await?;
            let existing = existing.as_ref().map(read_release).transpose()?;
            tx.commit().await?;
            (dataset_id, existing)
        });
        if let Some(e) = existing {
            return Ok(StageStart::Existing(e));
        }
        // A staging release of the same bytes is a crashed import's leftover.
        let leftover: Option<i64> = with_pool!(self, p => {
            sqlx::query("SELECT id FROM stat_releases WHERE dataset_id = $1 AND sha256 = $2 AND status = 'staging'")
                .bind(dataset_id).bind(sha256).fetch_optional(p).await?
                .map(|r| r.try_get::<i64, _>("id")).transpose()?
        });
        if let Some(id) = leftover {
            self.delete_staged(id).await?;
        }
        let release_id: i64 = with_pool!(self, p => {
            sqlx::query(
                "INSERT INTO stat_releases (dataset_id, sha256, file_name, format, status, series_count, observation_count,
                     missing_count, flag_counts, imported_at, imported_by)
                 VALUES ($1, $2, $3, $4, 'staging', 0, 0, 0, '{}', $5, $6) RETURNING id",
            )
            .bind(dataset_id).bind(sha256).bind(file_name).bind(format).bind(now).bind(ctx.actor.map(|u| u.0))
            .fetch_one(p).await?
            .try_get("id")?
        });
        let bulk = match &self.sqlite_path {
            Some(path) => Some(crate::bulk::BulkLoader::open(path)?),
            None => None,
        };
        Ok(StageStart::New(Staging {
            release_id,
            bulk,
            dataset_id,
            dataset: meta.code.clone(),
            file_name: file_name.to_string(),
            series: HashMap::new(),
        }))
    }

    /// Writes a batch of observations of a staging release in one transaction, or nothing of
    /// it. A repeated (series, period), within the batch or of an earlier batch, is refused
    /// naming the line of the first repeat, on both backends alike (`first_repeat`).
    pub async fn stage_rows(
        &self,
        st: &mut Staging,
        dims: &[String],
        rows: Vec<StagedObs>,
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let (rows, result) = if let Some(mut bulk) = st.bulk.take() {
            // SQLite: a plain prepared-statement loop on a blocking thread.
            let (dataset_id, release_id) = (st.dataset_id, st.release_id);
            let dims = dims.to_vec();
            let mut series = std::mem::take(&mut st.series);
            let (bulk, series, rows, result) = tokio::task::spawn_blocking(move || {
                let r = bulk.stage(dataset_id, release_id, &dims, &rows, &mut series);
                (bulk, series, rows, r)
            })
            .await
            // A panicked or cancelled thread is the store's own failure.
            .map_err(|e| StoreError::Internal(format!("bulk loader thread: {e}")))?;
            st.bulk = Some(bulk);
            st.series = series;
            (rows, result)
        } else {
            let result = self.stage_rows_sql(st, dims, &rows).await;
            (rows, result)
        };
        match result {
            // The batch wrote nothing; find the repeat to name its line. Should the search
            // itself fail, the database's own error is the better report.
            Err(e) if e.is_unique_violation() => match self
                .first_repeat((st.release_id, st.dataset_id), dims, &rows)
                .await
            {
                Ok(Some(row)) => Err(duplicate(&st.file_name, dims, row)),
                Ok(None) | Err(_) => Err(e),
            },
            result => result,
        }
    }

    /// The first row of a batch the database refused for a repeated key (so nothing of the
    /// batch was written): the first that repeats an earlier row of the batch or an observation
    /// an earlier batch staged, or `None` if the refusal was about something else. The one
    /// place either backend tells a repeated observation.
    async fn first_repeat<'r>(
        &self,
        (release_id, dataset_id): (i64, i64),
        dims: &[String],
        rows: &'r [StagedObs],
    ) -> Result<Option<&'r StagedObs>, StoreError> {
        // Within the batch: its rows share `dims`, so equal codes are the same series.
        let mut seen: HashSet<(&[String], &str)> = HashSet::with_capacity(rows.len());
        let within = rows
            .iter()
            .position(|r| !seen.insert((r.key.as_slice(), r.period.as_str())));
        // Of an earlier batch: only a row before the first repeat within the batch comes first.
        let before = &rows[..within.unwrap_or(rows.len())];
        for chunk in before.chunks(PAIRS_PER_STATEMENT) {
            let keys: Vec<String> = chunk.iter().map(|r| series_key_of(dims, &r.key)).collect();
            let mut sql = String::from(
                "SELECT s.series_key, o.period FROM stat_observations o JOIN stat_series s ON s.id = o.series_id
                 WHERE o.release_id = $1 AND s.dataset_id = $2 AND (s.series_key, o.period) IN (VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("(${}, ${})", i * 2 + 3, i * 2 + 4));
            }
            sql.push(')');
            let staged: HashSet<(String, String)> = with_pool!(self, p => {
                let mut q = sqlx::query(AssertSqlSafe(sql)).bind(release_id).bind(dataset_id);
                for (key, row) in keys.iter().zip(chunk) {
                    q = q.bind(key).bind(&row.period);
                }
                q.fetch_all(p).await?
                    .iter()
                    .map(|r| Ok((r.try_get("series_key")?, r.try_get("period")?)))
                    .collect::<Result<_, StoreError>>()?
            });
            let first = keys
                .into_iter()
                .zip(chunk)
                .find(|(key, row)| staged.contains(&(key.clone(), row.period.clone())));
            if let Some((_, row)) = first {
                return Ok(Some(row));
            }
        }
        Ok(within.map(|i| &rows[i]))
    }

    /// `stage_rows` on a pool (PostgreSQL): multi-row statements in one transaction.
    async fn stage_rows_sql(
        &self,
        st: &mut Staging,
        dims: &[String],
        rows: &[StagedObs],
    ) -> Result<(), StoreError> {
        let pairs: Vec<Vec<(String, String)>> = rows
            .iter()
            .map(|r| dims.iter().cloned().zip(r.key.iter().cloned()).collect())
            .collect();
        let keys: Vec<String> = pairs.iter().map(|p| series_key(p)).collect();
        let full_sql = insert_sql(ROWS_PER_STATEMENT);
        if st.series.len() > SERIES_CACHE {
            st.series.clear();
        }
        // Series this batch needs that are not cached: look them up, then create the rest.
        let mut unknown: Vec<&String> = keys
            .iter()
            .filter(|k| !st.series.contains_key(*k))
            .collect();
        unknown.sort();
        unknown.dedup();
        with_pool!(self, p => {
            for chunk in unknown.chunks(SERIES_PER_STATEMENT) {
                let params: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                let sql = format!("SELECT id, series_key FROM stat_series WHERE dataset_id = $1 AND series_key IN ({})", params.join(", "));
                let mut q = sqlx::query(AssertSqlSafe(sql)).bind(st.dataset_id);
                for k in chunk {
                    q = q.bind((*k).clone());
                }
                for r in q.fetch_all(p).await? {
                    st.series.insert(r.try_get("series_key")?, r.try_get("id")?);
                }
            }
        });
        let mut fresh: Vec<(&String, &Vec<(String, String)>)> = Vec::new();
        let mut fresh_keys: HashSet<&String> = HashSet::new();
        for (pair, key) in pairs.iter().zip(&keys) {
            if !st.series.contains_key(key) && fresh_keys.insert(key) {
                fresh.push((key, pair));
            }
        }
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            for chunk in fresh.chunks(SERIES_PER_STATEMENT) {
                let mut sql = String::from("INSERT INTO stat_series (dataset_id, series_key, first_release_id) VALUES ");
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&format!("($1, ${}, $2)", i + 3));
                }
                sql.push_str(" RETURNING id, series_key");
                let mut q = sqlx::query(AssertSqlSafe(sql)).bind(st.dataset_id).bind(st.release_id);
                for (key, _) in chunk {
                    q = q.bind((*key).clone());
                }
                for r in q.fetch_all(&mut *tx).await? {
                    st.series.insert(r.try_get("series_key")?, r.try_get("id")?);
                }
                let dims: Vec<(i64, &String, &String)> = chunk
                    .iter()
                    .flat_map(|(key, dims)| {
                        let id = st.series[*key];
                        dims.iter().map(move |(d, c)| (id, d, c))
                    })
                    .collect();
                for dchunk in dims.chunks(ROWS_PER_STATEMENT) {
                    let mut sql = String::from("INSERT INTO stat_series_dims (series_id, dim, code) VALUES ");
                    for i in 0..dchunk.len() {
                        if i > 0 {
                            sql.push(',');
                        }
                        sql.push_str(&format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3));
                    }
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for (id, d, c) in dchunk {
                        q = q.bind(*id).bind((*d).clone()).bind((*c).clone());
                    }
                    q.execute(&mut *tx).await?;
                }
            }
            let ids: Vec<i64> = keys.iter().map(|key| st.series[key]).collect();
            for (chunk_rows, chunk_ids) in rows.chunks(ROWS_PER_STATEMENT).zip(ids.chunks(ROWS_PER_STATEMENT)) {
                let sql = if chunk_rows.len() == ROWS_PER_STATEMENT { full_sql.clone() } else { insert_sql(chunk_rows.len()) };
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (row, id) in chunk_rows.iter().zip(chunk_ids) {
                    q = q.bind(st.release_id).bind(*id).bind(&row.period).bind(row.value).bind(&row.flags);
                }
                if let Err(e) = q.execute(&mut *tx).await {
                    tx.rollback().await?;
                    return Err(e.into());
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Publishes a staged release in one short transaction, with its audit entry.
    pub async fn stage_publish(
        &self,
        st: Staging,
        summary: &ReleaseSummary,
        ctx: &AuditCtx,
    ) -> Result<ReleaseInfo, StoreError> {
        let flags = serde_json::to_string(&summary.flags).expect("counts serialise");
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let series: i64 = sqlx::query("SELECT COUNT(DISTINCT series_id) AS n FROM stat_observations WHERE release_id = $1")
                .bind(st.release_id).fetch_one(&mut *tx).await?.try_get("n")?;
            let n = sqlx::query(
                "UPDATE stat_releases SET status = 'published', series_count = $1, observation_count = $2,
                     missing_count = $3, flag_counts = $4, period_first = $5, period_last = $6
                 WHERE id = $7 AND status = 'staging'",
            )
            .bind(series).bind(summary.observations).bind(summary.missing).bind(&flags)
            .bind(&summary.period_first).bind(&summary.period_last).bind(st.release_id)
            .execute(&mut *tx).await?
            .rows_affected();
            if n == 0 {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            }
            let mut e = AuditEvent::new("stats_import");
            e.record_type = Some("stat_release".into());
            e.record_id = Some(st.release_id);
            audit_append!(tx, ctx, [e]);
            tx.commit().await?;
        });
        self.release(st.release_id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Abandons a staging release: its rows, the series it created, and the release go.
    pub async fn stage_abort(&self, st: Staging) -> Result<(), StoreError> {
        let _ = &st.dataset;
        self.delete_staged(st.release_id).await
    }

    async fn delete_staged(&self, release_id: i64) -> Result<(), StoreError> {
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("DELETE FROM stat_observations WHERE release_id = $1").bind(release_id).execute(&mut *tx).await?;
            let orphan = "SELECT s.id FROM stat_series s WHERE s.first_release_id = $1
                 AND NOT EXISTS (SELECT 1 FROM stat_observations o WHERE o.series_id = s.id)";
            sqlx::query(AssertSqlSafe(format!("DELETE FROM stat_series_dims WHERE series_id IN ({orphan})")))
                .bind(release_id).execute(&mut *tx).await?;
            sqlx::query(AssertSqlSafe(format!("DELETE FROM stat_series WHERE id IN ({orphan})")))
                .bind(release_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM stat_releases WHERE id = $1 AND status = 'staging'").bind(release_id).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn release(&self, id: i64) -> Result<Option<ReleaseInfo>, StoreError> {
        let q = format!(
            "SELECT {RELEASE_COLUMNS} FROM stat_releases r JOIN stat_datasets d ON d.id = r.dataset_id
             WHERE r.id = $1 AND r.status = 'published'"
        );
        with_pool!(self, p => {
            let row = sqlx::query(AssertSqlSafe(q)).bind(id).fetch_optional(p).await?;
            row.as_ref().map(read_release).transpose()
        })
    }

    /// Every dataset with its published releases, newest release first.
    pub async fn datasets(&self) -> Result<Vec<DatasetInfo>, StoreError> {
        let metas: Vec<DatasetMeta> = with_pool!(self, p => {
            sqlx::query(
                "SELECT code, title, publisher, licence, source_url, retrieved, attribution, basis, reference_date, notes
                 FROM stat_datasets ORDER BY code",
            )
                .fetch_all(p).await?
                .iter()
                .map(|r| Ok(DatasetMeta {
                    code: r.try_get("code")?,
                    title: r.try_get("title")?,
                    publisher: r.try_get("publisher")?,
                    licence: r.try_get("licence")?,
                    source_url: r.try_get("source_url")?,
                    retrieved: r.try_get("retrieved")?,
                    attribution: r.try_get("attribution")?,
                    basis: r.try_get("basis")?,
                    reference_date: r.try_get("reference_date")?,
                    notes: r.try_get("notes")?,
                }))
                .collect::<Result<Vec<_>, StoreError>>()?
        });
        let q = format!(
            "SELECT {RELEASE_COLUMNS} FROM stat_releases r JOIN stat_datasets d ON d.id = r.dataset_id
             WHERE r.status = 'published' ORDER BY r.id DESC"
        );
        let releases: Vec<ReleaseInfo> = with_pool!(self, p => {
            sqlx::query(AssertSqlSafe(q)).fetch_all(p).await?.iter().map(read_release).collect::<Result<_, _>>()?
        });
        Ok(metas
            .into_iter()
            .map(|meta| {
                let rs = releases
                    .iter()
                    .filter(|r| r.dataset == meta.code)
                    .cloned()
                    .collect();
                DatasetInfo { meta, releases: rs }
            })
            .collect())
    }

    /// The release a query reads: the one named (published, of this dataset) or the newest.
    pub async fn release_for(
        &self,
        dataset: &str,
        release: Option<i64>,
    ) -> Result<Option<ReleaseInfo>, StoreError> {
        let q = format!(
            "SELECT {RELEASE_COLUMNS} FROM stat_releases r JOIN stat_datasets d ON d.id = r.dataset_id
             WHERE d.code = $1 AND r.status = 'published' AND ($2 IS NULL OR r.id = $2) ORDER BY r.id DESC LIMIT 1"
        );
        with_pool!(self, p => {
            let row = sqlx::query(AssertSqlSafe(q)).bind(dataset).bind(release).fetch_optional(p).await?;
            row.as_ref().map(read_release).transpose()
        })
    }

    /// Observations of a release whose series match every filter (`dim` in the given codes),
    /// ordered by series and period.
    pub async fn observations(
        &self,
        release_id: i64,
        filters: &[(String, Vec<String>)],
    ) -> Result<Vec<ObsRow>, StoreError> {
        let mut q = String::from(
            "SELECT o.series_id, s.series_key, o.period, o.value, o.flags FROM stat_observations o
             JOIN stat_series s ON s.id = o.series_id WHERE o.release_id = $1",
        );
        // Parameters: $1 the release, then per filter its dimension and its codes.
        let mut next_param = 2;
        for (_, codes) in filters {
            let dim_param = next_param;
            let code_params: Vec<String> = (1..=codes.len())
                .map(|i| format!("${}", dim_param + i))
                .collect();
            next_param += 1 + codes.len();
            q.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM stat_series_dims d WHERE d.series_id = o.series_id AND d.dim = ${dim_param}
                   AND d.code IN ({}))",
                code_params.join(", ")
            ));
        }
        q.push_str(" ORDER BY s.series_key, o.period");
        with_pool!(self, p => {
            let mut query = sqlx::query(AssertSqlSafe(q)).bind(release_id);
            for (dim, codes) in filters {
                query = query.bind(dim.clone());
                for c in codes {
                    query = query.bind(c.clone());
                }
            }
            let rows = query.fetch_all(p).await?;
            rows.iter()
                .map(|r| {
                    let series_id: i64 = r.try_get("series_id")?;
                    let key: String = r.try_get("series_key")?;
                    let period: String = r.try_get("period")?;
                    let dims = key
                        .split('|')
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(d, c)| (d.to_string(), c.to_string()))
                        .collect();
                    Ok(ObsRow {
                        id: format!("{release_id}/{series_id}/{period}"),
                        release_id,
                        series_id,
                        dims,
                        period,
                        value: r.try_get("value")?,
                        flags: r.try_get("flags")?,
                    })
                })
                .collect()
        })
    }
}

fn duplicate(file: &str, dims: &[String], row: &StagedObs) -> StoreError {
    StoreError::Invalid(ValidationErrors::one(FieldError::general(format!(
        "{file}:{}:1: a second observation for series {} in period {}",
        row.line,
        series_key_of(dims, &row.key),
        row.period
    ))))
}

impl Store {
    /// The codes each dimension takes in a release's series, sorted.
    pub async fn dimension_values(
        &self,
        release_id: i64,
    ) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
        let rows: Vec<(String, String)> = with_pool!(self, p => {
            sqlx::query(
                "SELECT DISTINCT d.dim, d.code FROM stat_series_dims d
                 WHERE d.series_id IN (SELECT DISTINCT o.series_id FROM stat_observations o WHERE o.release_id = $1)
                 ORDER BY d.dim, d.code",
            )
            .bind(release_id)
            .fetch_all(p).await?
            .iter()
            .map(|r| Ok((r.try_get::<String, _>("dim")?, r.try_get::<String, _>("code")?)))
            .collect::<Result<_, StoreError>>()?
        });
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (d, c) in rows {
            out.entry(d).or_default().push(c);
        }
        Ok(out)
    }
}

impl Store {
    /// One dataset's metadata.
    pub async fn dataset(&self, code: &str) -> Result<Option<DatasetMeta>, StoreError> {
        Ok(self
            .datasets()
            .await?
            .into_iter()
            .find(|d| d.meta.code == code)
            .map(|d| d.meta))
    }
}
