//! Posts: configuration rather than versioned records.

use crate::{Store, StoreError, with_pool};
use chancery_domain::{Country, NonEmptyText, Post, PostKind, PostSlug};
use sqlx::Row;

impl Store {
    /// Creates a post or replaces its settings.
    pub async fn upsert_post(&self, post: &Post) -> Result<(), StoreError> {
        let now = crate::records::now();
        with_pool!(self, p => {
            sqlx::query(
                "INSERT INTO posts (slug, kind, country, city, signer_surname, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6)
                 ON CONFLICT (slug) DO UPDATE SET kind = excluded.kind, country = excluded.country,
                     city = excluded.city, signer_surname = excluded.signer_surname,
                     updated_at = excluded.updated_at",
            )
            .bind(post.slug.as_str())
            .bind(post.kind.as_str())
            .bind(post.country.code())
            .bind(post.city.as_str())
            .bind(post.signer_surname.as_str())
            .bind(now)
            .execute(p)
            .await?;
        });
        Ok(())
    }

    pub async fn list_posts(&self) -> Result<Vec<Post>, StoreError> {
        let rows = with_pool!(self, p => {
            sqlx::query("SELECT slug, kind, country, city, signer_surname FROM posts ORDER BY slug")
                .fetch_all(p)
                .await?
                .into_iter()
                .map(|r| read_post(&r))
                .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    pub async fn get_post(&self, slug: &PostSlug) -> Result<Option<Post>, StoreError> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT slug, kind, country, city, signer_surname FROM posts WHERE slug = $1")
                .bind(slug.as_str())
                .fetch_optional(p)
                .await?;
            row.as_ref().map(read_post).transpose()
        })
    }
}

fn read_post<R: Row>(r: &R) -> Result<Post, StoreError>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let slug: String = r.try_get("slug")?;
    let corrupt = |reason: String| StoreError::Corrupt {
        table: "posts",
        id: 0,
        version: 0,
        reason: format!("{slug}: {reason}"),
    };
    Ok(Post {
        slug: PostSlug::parse(&slug).map_err(corrupt)?,
        kind: PostKind::parse(&r.try_get::<String, _>("kind")?).map_err(corrupt)?,
        country: Country::parse(&r.try_get::<String, _>("country")?)
            .map_err(|e| corrupt(e.to_string()))?,
        city: NonEmptyText::parse(&r.try_get::<String, _>("city")?, 200).map_err(corrupt)?,
        signer_surname: NonEmptyText::parse(&r.try_get::<String, _>("signer_surname")?, 200)
            .map_err(corrupt)?,
    })
}
