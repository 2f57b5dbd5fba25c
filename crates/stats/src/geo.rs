//! Statistical geography: what a `geo` or `citizen` code denotes.
//!
//! Statistics are published for more than countries: aggregates (`EU27_2020`, `EA20`), regions
//! (NUTS `BE335`, statistical regions `AL011`), national units that are not countries
//! (`UKC-L` England and Wales, whose prison statistics are separate from Scotland's), former
//! countries (`YUCS`), groups defined relative to the reporting country (`NAT`, `FOR`), and
//! documented national groups with our own `X_` codes (Bra's "Övriga Afrika"). A [`Geo`] says
//! which; only a code that denotes a country maps to [`chancery_domain::Country`].

use chancery_domain::Country;

/// What a geography code denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeoKind {
    /// A country with an ISO 3166-1 code (Eurostat's `EL` and `UK` included).
    Country(Country),
    /// A country without an assigned ISO 3166-1 code: Kosovo (`XK`).
    NonIsoCountry,
    /// A region inside a country: NUTS 1-3 and statistical regions; `level` is 1 to 3.
    Region { country: Country, level: u8 },
    /// A national unit that is not a country and not (only) a region: England and Wales,
    /// Scotland, Northern Ireland, which have their own justice statistics.
    NationalUnit { country: Country },
    /// A group of countries: EU27_2020, EA20, EFTA, continents and world regions, overseas
    /// territories taken together.
    Aggregate,
    /// A country that no longer exists (ISO 3166-3 codes, or own `X_` codes for states the
    /// national registers keep apart).
    Former,
    /// A category that is no place: totals, the reporting country (`NAT`), foreigners (`FOR`,
    /// `EU27_2020_FOR`, ...), stateless (`STLS`), unknown (`UNK`), recognised non-citizens
    /// (`RNC`), and own national groups (`X_...`).
    Group,
}

/// A geography code and what it denotes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Geo {
    code: String,
    kind: GeoKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a known geography code")]
pub struct GeoError(pub String);

const AGGREGATES: &[&str] = &[
    "EU27_2020",
    "EU28",
    "EU27_2007",
    "EU25",
    "EU15",
    "EA",
    "EA20",
    "EA19",
    "EA18",
    "EA17",
    "EA12",
    "EFTA",
    "EEA",
    "EEA30_2007",
    "EEA31",
    "UK_OCT",
    "AFR",
    "AFR_N",
    "AFR_W",
    "AFR_E",
    "AFR_C",
    "AFR_S",
    "AME",
    "AME_N",
    "AME_C",
    "AME_CRB",
    "AME_S",
    "ASI",
    "ASI_C",
    "ASI_E",
    "ASI_S",
    "ASI_SE",
    "ASI_W",
    "EUR",
    "OCE",
    "OCE_AU_NZ",
    "OCE_MEL",
    "OCE_MIC",
    "OCE_POL",
    "OTH",
    "WORLD",
];
const GROUPS: &[&str] = &[
    "TOTAL", "NAT", "FOR", "FOR_STLS", "STLS", "UNK", "RNC", "NRP",
];
const FORMER: &[&str] = &[
    "YUCS", "CSXX", "CSHH", "SUHH", "ANHH", "DDDE", "X_YU_SFR", "X_YU_FR", "X_RS_XK", "X_SD_SS",
];
/// (code, country): national units.
const NATIONAL_UNITS: &[(&str, &str)] = &[("UKC-L", "GB"), ("UKM", "GB"), ("UKN", "GB")];

impl Geo {
    /// Classifies a code. Unknown shapes are an error, never a guess.
    pub fn parse(code: &str) -> Result<Geo, GeoError> {
        let c = code.trim();
        let kind = Geo::classify(c).ok_or_else(|| GeoError(code.to_string()))?;
        Ok(Geo {
            code: c.to_string(),
            kind,
        })
    }

    fn classify(c: &str) -> Option<GeoKind> {
        if let Some((_, country)) = NATIONAL_UNITS.iter().find(|(u, _)| *u == c) {
            return Country::parse(country)
                .ok()
                .map(|country| GeoKind::NationalUnit { country });
        }
        if FORMER.contains(&c) {
            return Some(GeoKind::Former);
        }
        if GROUPS.contains(&c) || c.ends_with("_FOR") || c.starts_with("X_") && c.len() > 2 {
            return Some(GeoKind::Group);
        }
        if AGGREGATES.contains(&c)
            || c.starts_with("EU") && c.len() > 2 && c.as_bytes()[2].is_ascii_digit()
        {
            return Some(GeoKind::Aggregate);
        }
        let b = c.as_bytes();
        if b.len() == 2 {
            if c == "XK" {
                return Some(GeoKind::NonIsoCountry);
            }
            if b.iter().all(u8::is_ascii_uppercase) {
                return Country::parse(c).ok().map(GeoKind::Country);
            }
            return None;
        }
        // NUTS and statistical regions: country prefix, then 1 to 3 upper-case letters or digits.
        if (3..=5).contains(&b.len())
            && b[..2].iter().all(u8::is_ascii_uppercase)
            && b[2..]
                .iter()
                .all(|x| x.is_ascii_uppercase() || x.is_ascii_digit())
        {
            let country = Country::parse(&c[..2]).ok()?;
            return Some(GeoKind::Region {
                country,
                level: (b.len() - 2) as u8,
            });
        }
        None
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn kind(&self) -> GeoKind {
        self.kind
    }

    /// The country, only when the code denotes a country.
    pub fn country(&self) -> Option<Country> {
        match self.kind {
            GeoKind::Country(c) => Some(c),
            _ => None,
        }
    }

    /// The country a region or national unit lies in (or the country itself).
    pub fn within(&self) -> Option<Country> {
        match self.kind {
            GeoKind::Country(c)
            | GeoKind::Region { country: c, .. }
            | GeoKind::NationalUnit { country: c } => Some(c),
            _ => None,
        }
    }

    pub fn is_country(&self) -> bool {
        matches!(self.kind, GeoKind::Country(_) | GeoKind::NonIsoCountry)
    }
}

impl std::fmt::Display for Geo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(c: &str) -> GeoKind {
        Geo::parse(c).unwrap().kind()
    }

    #[test]
    fn classifies() {
        assert_eq!(Geo::parse("EL").unwrap().country().unwrap().code(), "GR");
        assert_eq!(Geo::parse("UK").unwrap().country().unwrap().code(), "GB");
        assert_eq!(Geo::parse("DE").unwrap().country().unwrap().code(), "DE");
        assert_eq!(kind("EU27_2020"), GeoKind::Aggregate);
        assert_eq!(kind("EA20"), GeoKind::Aggregate);
        assert_eq!(kind("EU27_2020_FOR"), GeoKind::Group);
        assert_eq!(kind("FOR"), GeoKind::Group);
        assert_eq!(kind("X_BRA_AFR_OTH"), GeoKind::Group);
        assert_eq!(kind("YUCS"), GeoKind::Former);
        assert_eq!(kind("XK"), GeoKind::NonIsoCountry);
        let be = Geo::parse("BE335").unwrap();
        assert_eq!(
            be.kind(),
            GeoKind::Region {
                country: Country::parse("BE").unwrap(),
                level: 3
            }
        );
        assert_eq!(be.country(), None);
        assert_eq!(be.within().unwrap().code(), "BE");
        let ew = Geo::parse("UKC-L").unwrap();
        assert!(matches!(ew.kind(), GeoKind::NationalUnit { .. }));
        assert_eq!(ew.country(), None);
        assert_eq!(ew.within().unwrap().code(), "GB");
        assert_eq!(Geo::parse("EL30").unwrap().within().unwrap().code(), "GR");
        for bad in ["", "zz", "QQ", "Germany", "XX123", "de"] {
            assert!(Geo::parse(bad).is_err(), "{bad}");
        }
    }
}
