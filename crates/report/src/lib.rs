//! Chancery report output: HTML, PDF, cable text and charts, rendered from records.
//!
//! What exists now: the cable text renderer (`cable`), SVG line charts for statistics
//! (`chart`), and the table of State's geographic cable tags, which are output data only: a
//! country field always reads ISO 3166, and only a renderer turns a country into a tag. PDF
//! arrives with the reports work.

pub mod cable;
pub mod chart;
pub mod doc;
pub mod html;
pub mod markdown;
pub mod markup;
pub mod pdf;

use chancery_domain::Country;

/// State's geographic tag for a country, where the table has one. Kept as data: editable
/// without touching the code that uses it.
pub fn geo_tag(country: Country) -> Option<&'static str> {
    GEO_TAGS
        .iter()
        .find(|(iso, _)| *iso == country.code())
        .map(|(_, tag)| *tag)
}

/// ISO 3166-1 alpha-2 code to State's geographic tag (`../shared/domain/handling.md`).
const GEO_TAGS: &[(&str, &str)] = &[
    ("DE", "GM"),
    ("SE", "SW"),
    ("GB", "UK"),
    ("FR", "FR"),
    ("AT", "AU"),
    ("DK", "DA"),
    ("NO", "NO"),
    ("FI", "FI"),
    ("NL", "NL"),
    ("BE", "BE"),
    ("CH", "SZ"),
    ("IT", "IT"),
    ("ES", "SP"),
    ("IE", "EI"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_output_only_and_collide_with_iso() {
        let at = Country::parse("AT").unwrap();
        assert_eq!(geo_tag(at), Some("AU"), "Austria's tag is AU");
        let au = Country::parse("AU").unwrap();
        assert_eq!(
            au.name(),
            "Australia",
            "but the country field AU reads Australia"
        );
        assert_eq!(geo_tag(au), None);
        assert_eq!(geo_tag(Country::parse("UK").unwrap()), Some("UK"));
    }
}
