//! Chancery statistics: readers for official statistics formats (SDMX-TSV, SDMX-CSV,
//! JSON-stat, mapped national CSV), rates with exact intervals, shares, ratios and trends.
//!
//! Empty so far: the statistics work builds it. It will depend on `chancery-domain` only and
//! perform no database IO; the store persists what it reads.
