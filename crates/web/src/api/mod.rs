//! The JSON API under `/api/v1/` (and the health check), one module per resource, each with
//! its own routes. `records` holds what the record handlers share.

pub mod archives;
pub mod audit;
pub mod builds;
pub mod case_analysis;
pub mod case_io;
pub mod cases;
pub mod engagements;
pub mod health;
pub mod policies;
pub mod posts;
pub mod records;
pub mod redactions;
pub mod reports;
pub mod search;
pub mod sources;
pub mod statistics;
pub mod taskings;
pub mod templates;
pub mod tokens;

use crate::routes::Route;

/// Every route of the API: each module's own list, concatenated.
pub fn routes() -> Vec<Route> {
    [
        health::routes(),
        posts::routes(),
        search::routes(),
        cases::routes(),
        case_analysis::routes(),
        case_io::routes(),
        sources::routes(),
        archives::routes(),
        policies::routes(),
        engagements::routes(),
        taskings::routes(),
        templates::routes(),
        reports::routes(),
        builds::routes(),
        statistics::routes(),
        redactions::routes(),
        audit::routes(),
        tokens::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
