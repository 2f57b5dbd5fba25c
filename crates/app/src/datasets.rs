//! Reading published statistics: the datasets, their releases, observations and dimension
//! codes, and indicators computed from them. Published statistics are `U`; reading them still
//! needs an account that may read statistics.

use crate::access::check_open;
use crate::{Actor, App, AppError};
use chancery_domain::{Action, Resource, ResourceKind};
use std::collections::BTreeMap;

pub use chancery_store::{DatasetInfo, DatasetMeta, ObsRow, ReleaseInfo};

/// Whether the user may read statistics.
pub fn may_read(user: &Actor) -> Result<(), AppError> {
    check_open(user, Action::Read, &Resource::of(ResourceKind::Statistics))
}

/// Every dataset with its releases.
pub async fn datasets(app: &App, user: &Actor) -> Result<Vec<DatasetInfo>, AppError> {
    may_read(user)?;
    Ok(app.store.datasets().await?)
}

/// A dataset's metadata.
pub async fn dataset(app: &App, user: &Actor, code: &str) -> Result<Option<DatasetMeta>, AppError> {
    may_read(user)?;
    Ok(app.store.dataset(code).await?)
}

/// The release of a dataset a query reads: the one named, else the newest published.
pub async fn release(
    app: &App,
    user: &Actor,
    code: &str,
    release: Option<i64>,
) -> Result<ReleaseInfo, AppError> {
    may_read(user)?;
    app.store
        .release_for(code, release)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no published release of dataset {code:?}")))
}

/// The observations of a release whose series match every filter (`dim` in the codes given).
pub async fn observations(
    app: &App,
    user: &Actor,
    release: &ReleaseInfo,
    filters: &[(String, Vec<String>)],
) -> Result<Vec<ObsRow>, AppError> {
    may_read(user)?;
    Ok(app.store.observations(release.id, filters).await?)
}

/// The codes each dimension takes in a release's series.
pub async fn dimension_values(
    app: &App,
    user: &Actor,
    release: &ReleaseInfo,
) -> Result<BTreeMap<String, Vec<String>>, AppError> {
    may_read(user)?;
    Ok(app.store.dimension_values(release.id).await?)
}
