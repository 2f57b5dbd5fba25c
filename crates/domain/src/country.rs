//! Countries as ISO 3166-1 alpha-2 codes.
//!
//! Input also accepts Eurostat's `EL` (Greece) and `UK` (United Kingdom), stored as `GR` and
//! `GB`. State's geographic cable tags (`GM`, `SW`, `AU` = Austria, ...) are output data for
//! cables only and are never read here: a country field always reads ISO, so `AU` is Australia.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::LazyLock;

/// The officially assigned ISO 3166-1 alpha-2 codes with English short names, one per line.
const TABLE: &str = include_str!("../data/iso3166-1.tsv");

static COUNTRIES: LazyLock<Vec<([u8; 2], &'static str)>> = LazyLock::new(|| {
    let mut v: Vec<([u8; 2], &'static str)> = TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (code, name) = l.split_once('\t').expect("iso3166-1.tsv: code<TAB>name");
            let b = code.as_bytes();
            assert!(b.len() == 2, "iso3166-1.tsv: bad code {code}");
            ([b[0], b[1]], name)
        })
        .collect();
    v.sort_by_key(|(c, _)| *c);
    v
});

/// An ISO 3166-1 alpha-2 country code that is officially assigned.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountryError {
    #[error("expected a two-letter ISO 3166-1 country code, got {0:?}")]
    Shape(String),
    #[error("{0:?} is not an assigned ISO 3166-1 alpha-2 country code")]
    Unknown(String),
}

impl Country {
    /// Parses an ISO code, case-insensitively; `EL` reads as `GR` and `UK` as `GB`.
    pub fn parse(input: &str) -> Result<Country, CountryError> {
        let t = input.trim();
        let b = t.as_bytes();
        if b.len() != 2 || !b.iter().all(|c| c.is_ascii_alphabetic()) {
            return Err(CountryError::Shape(input.to_string()));
        }
        let code = match [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()] {
            [b'E', b'L'] => *b"GR",
            [b'U', b'K'] => *b"GB",
            c => c,
        };
        match COUNTRIES.binary_search_by_key(&code, |(c, _)| *c) {
            Ok(_) => Ok(Country(code)),
            Err(_) => Err(CountryError::Unknown(t.to_string())),
        }
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII code")
    }

    pub fn name(&self) -> &'static str {
        let i = COUNTRIES
            .binary_search_by_key(&self.0, |(c, _)| *c)
            .expect("a Country is always in the table");
        COUNTRIES[i].1
    }

    /// Every assigned country, ordered by code.
    pub fn all() -> impl Iterator<Item = Country> {
        COUNTRIES.iter().map(|(c, _)| Country(*c))
    }
}

impl std::fmt::Debug for Country {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Country({})", self.code())
    }
}

impl std::fmt::Display for Country {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Country {
    type Err = CountryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Country::parse(s)
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Country::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_codes_parse_and_eurostat_aliases_normalise() {
        assert_eq!(Country::parse("de").unwrap().code(), "DE");
        assert_eq!(Country::parse("EL").unwrap().code(), "GR");
        assert_eq!(Country::parse("UK").unwrap().code(), "GB");
        assert_eq!(Country::parse("GB").unwrap().name(), "United Kingdom");
    }

    #[test]
    fn au_is_australia_never_austria() {
        assert_eq!(Country::parse("AU").unwrap().name(), "Australia");
        assert_eq!(Country::parse("AT").unwrap().name(), "Austria");
        // State's tags collide with ISO: GM reads as Gambia, SW is not a country at all.
        assert_eq!(Country::parse("GM").unwrap().name(), "Gambia");
        assert!(matches!(
            Country::parse("SW"),
            Err(CountryError::Unknown(_))
        ));
    }

    #[test]
    fn bad_shapes_are_refused() {
        for bad in ["", "D", "DEU", "1A", "XX", "ZZ"] {
            assert!(Country::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Country::all().count(), 249);
    }
}
