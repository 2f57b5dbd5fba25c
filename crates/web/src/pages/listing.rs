//! What every list page shares: the query read into the list's filters (once, by
//! `app::query::FromQuery`), the errors to show beside the filter form, a page of the records
//! the user may see (SBU reads logged), their highest marking, and the link to the next page.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::pages::views::FormState;
use crate::pages::{PageError, next_href, query_json};
use axum::http::StatusCode;
use chancery_app::access::{self, AppRecord};
use chancery_app::query::FromQuery;
use chancery_domain::{Marking, Record, ValidationErrors};
use serde_json::Value;

/// What a list page shows: the query as typed, its errors, and (when it reads) a page of the
/// records the user may see, their SBU reads logged.
pub(crate) struct Listed<T> {
    pub(crate) values: Value,
    pub(crate) errors: ValidationErrors,
    pub(crate) page: Option<access::Page<T>>,
}

impl<T: AppRecord> Listed<T>
where
    T::Filter: FromQuery,
{
    pub(crate) async fn load(
        state: &AppState,
        user: &CurrentUser,
        raw: Option<&str>,
    ) -> Result<Listed<T>, PageError> {
        let values = query_json(raw);
        let (errors, page) = match T::Filter::from_query(raw) {
            Ok((filter, q)) => (
                ValidationErrors::default(),
                Some(access::list::<T>(state, user, filter, q.cursor.as_deref(), q.limit).await?),
            ),
            Err(e) => (e, None),
        };
        Ok(Listed {
            values,
            errors,
            page,
        })
    }

    pub(crate) fn form(&self) -> FormState<'_> {
        FormState {
            values: &self.values,
            errors: &self.errors,
        }
    }

    /// One row per record shown.
    pub(crate) fn rows<R>(&self, row: impl Fn(&Record<T>) -> R) -> Vec<R> {
        self.page
            .iter()
            .flat_map(|p| p.items.iter())
            .map(row)
            .collect()
    }

    /// The highest marking of the records listed.
    pub(crate) fn marking(&self) -> Marking {
        Marking::highest(
            self.page
                .iter()
                .flat_map(|p| p.items.iter().map(|r| r.data.marking())),
        )
    }

    pub(crate) fn status(&self) -> StatusCode {
        if self.errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    /// The link to the next page of `base`, keeping the query's filters.
    pub(crate) fn next(&self, base: &str, raw: Option<&str>) -> Option<String> {
        next_href(base, raw, self.page.as_ref().and_then(|p| p.next.clone()))
    }
}
