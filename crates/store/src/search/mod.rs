//! Full-text search over cases, sources (with their archived texts), policies, engagements
//! and reports, in each backend's own engine: SQLite FTS5, PostgreSQL `tsvector` with a GIN
//! index.
//!
//! The index is the table `search_docs`: one row per record and *audience*, holding only text
//! that audience may see (see the migration `*_search.sql`):
//!
//! - `all`: a record that shows the same to everyone who may see it at all (a U record with
//!   no portion marked higher);
//! - `sbu`: a record marked SBU, or the whole text of a U record with SBU portions;
//! - `nosbu`: the text of a U record with SBU portions as a user without SBU access sees it
//!   (the record's `json_for(U)`, so an SBU summary is not in it).
//!
//! A user without SBU access reads rows `all` and `nosbu`, a user with it `all` and `sbu`, so
//! every record is matched at most once, counted once, and snippets come only from rows whose
//! whole text the user may see. Post scope is a condition on the `post` column (sources are
//! owned by no post and are seen by every post). Both conditions are in the SQL of the match,
//! the page and the facet counts alike; nothing is filtered afterwards.
//!
//! The rows of a record are rewritten by [`reindex!`] inside the transaction of every write
//! of it: create (one or many), update, archiving a copy of a source (its text is part of
//! the source's rows) and redaction (from the redacted body, so the text is gone from the
//! index when the redaction commits). On SQLite the FTS5 table is an external-content index
//! of `search_docs` kept by triggers; a redaction also merges the FTS5 segments
//! (`optimize`), so the deleted terms do not linger in older segments. On PostgreSQL a
//! trigger computes the row's `tsv`; the old row version stays in the table's dead tuples
//! until vacuumed, as the rewritten version bodies do.
//!
//! `index` builds the rows of a record and keeps them current; `query` runs a search.

mod index;
mod query;

pub(crate) use index::reindex;
pub use index::{
    CONFIGS, Doc, HIT_END, HIT_START, INDEXED, Indexable, MAX_INDEXED_BYTES, config_for_country,
    config_for_language, tables,
};
pub use query::{FacetCount, SearchFilter, SearchHit, SearchResults, SearchScope, SearchSort};
