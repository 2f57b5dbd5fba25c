//! Posts: embassies and consulates.

use crate::country::Country;
use crate::text::NonEmptyText;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A post's slug: 2 to 40 lowercase ASCII letters, digits or inner hyphens (`berlin`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostSlug(String);

impl PostSlug {
    pub fn parse(input: &str) -> Result<PostSlug, String> {
        let t = input.trim();
        let ok = (2..=40).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !t.starts_with('-')
            && !t.ends_with('-');
        if ok {
            Ok(PostSlug(t.to_string()))
        } else {
            Err(format!(
                "{t:?} is not a post slug: 2 to 40 lowercase letters, digits or inner hyphens"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PostSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for PostSlug {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PostSlug {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PostSlug::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    Embassy,
    Consulate,
}

impl PostKind {
    /// "Embassy", "Consulate": how a post's name begins.
    pub fn label(&self) -> &'static str {
        match self {
            PostKind::Embassy => "Embassy",
            PostKind::Consulate => "Consulate",
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            PostKind::Embassy => "embassy",
            PostKind::Consulate => "consulate",
        }
    }

    pub fn parse(input: &str) -> Result<PostKind, String> {
        match input.trim() {
            "embassy" => Ok(PostKind::Embassy),
            "consulate" => Ok(PostKind::Consulate),
            other => Err(format!(
                "unknown post kind {other:?}: use embassy or consulate"
            )),
        }
    }
}

/// An embassy or consulate. The signer's surname closes its cables; demo posts use a
/// placeholder, never a real person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Post {
    #[schema(value_type = String, example = "berlin")]
    pub slug: PostSlug,
    pub kind: PostKind,
    #[schema(value_type = String, example = "DE")]
    pub country: Country,
    #[schema(value_type = String, example = "Berlin")]
    pub city: NonEmptyText,
    #[schema(value_type = String, example = "PLACEHOLDER")]
    pub signer_surname: NonEmptyText,
}

impl Post {
    /// The post's display name: "Embassy Berlin", "Consulate Hamburg".
    pub fn display_name(&self) -> String {
        match self.kind {
            PostKind::Embassy => format!("Embassy {}", self.city),
            PostKind::Consulate => format!("Consulate {}", self.city),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(PostSlug::parse("berlin").is_ok());
        assert!(PostSlug::parse("new-york").is_ok());
        for bad in ["B", "Berlin", "-x", "x-", "a b", "ber_lin"] {
            assert!(PostSlug::parse(bad).is_err(), "{bad}");
        }
    }
}
