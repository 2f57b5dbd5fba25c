//! Chancery statistics: readers for official statistics formats (SDMX-TSV, SDMX-CSV 1.0 and
//! 2.0, JSON-stat 2.0, mapped national CSV), the vocabulary that turns labels into codes, and
//! honest indicators (rates with exact intervals, shares, ratios, trends, caveats).
//!
//! Pure and streaming: readers work line by line in constant memory and never touch the
//! database; the store persists what they produce. Depends on `chancery-domain` only.

pub mod fuzzing;
pub mod geo;
pub mod indicators;
pub mod limits;
pub mod mapping;
pub mod obs;
pub mod read;
pub mod vocab;

pub use geo::{Geo, GeoKind};
pub use limits::ReadLimits;
pub use mapping::{Basis, Mapping};
pub use obs::{Flags, Format, Header, RawObs, ReadError};
pub use read::{ObsReader, ResolvedReader, detect, detect_with, open, open_with, series_key};
pub use vocab::{Codelist, Resolver, VocabError, Vocabulary};
