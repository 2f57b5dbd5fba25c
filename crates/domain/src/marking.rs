//! Handling markings. Chancery is an unclassified system: `U` and `SBU` only.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `U` (unclassified, releasable) or `SBU` (Sensitive But Unclassified). Ordered: `U < SBU`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, utoipa::ToSchema)]
pub enum Marking {
    #[default]
    U,
    #[allow(clippy::upper_case_acronyms)]
    SBU,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkingError {
    #[error(
        "{0:?} is a classification above SBU; Chancery is an unclassified system and refuses it"
    )]
    AboveSbu(String),
    #[error("unknown marking {0:?}: use U or SBU")]
    Unknown(String),
}

impl Marking {
    pub fn parse(input: &str) -> Result<Marking, MarkingError> {
        let t = input.trim();
        match t.to_ascii_uppercase().as_str() {
            "U" | "UNCLASSIFIED" => Ok(Marking::U),
            "SBU" => Ok(Marking::SBU),
            "C" | "S" | "TS" | "CONFIDENTIAL" | "SECRET" | "TOP SECRET" | "NOFORN" => {
                Err(MarkingError::AboveSbu(t.to_string()))
            }
            _ => Err(MarkingError::Unknown(t.to_string())),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Marking::U => "U",
            Marking::SBU => "SBU",
        }
    }

    /// The banner text for a page or document whose highest marking is this one.
    pub fn banner(&self) -> &'static str {
        match self {
            Marking::U => "UNCLASSIFIED",
            Marking::SBU => "SENSITIVE BUT UNCLASSIFIED",
        }
    }

    /// The highest of several markings; `U` for none.
    pub fn highest(markings: impl IntoIterator<Item = Marking>) -> Marking {
        markings.into_iter().max().unwrap_or(Marking::U)
    }
}

impl std::fmt::Display for Marking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Marking {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Marking {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Marking::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_u_and_sbu() {
        assert_eq!(Marking::parse("U").unwrap(), Marking::U);
        assert_eq!(Marking::parse("sbu").unwrap(), Marking::SBU);
        assert!(matches!(
            Marking::parse("SECRET"),
            Err(MarkingError::AboveSbu(_))
        ));
        assert!(matches!(
            Marking::parse("C"),
            Err(MarkingError::AboveSbu(_))
        ));
        assert!(matches!(Marking::parse("X"), Err(MarkingError::Unknown(_))));
        assert_eq!(
            Marking::highest([Marking::U, Marking::SBU, Marking::U]),
            Marking::SBU
        );
        assert_eq!(Marking::highest([]), Marking::U);
    }
}
