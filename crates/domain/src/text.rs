//! Small text types: non-empty bounded text, web URLs, language tags.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Trimmed text with at least one character and at most `MAX` characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonEmptyText(String);

impl NonEmptyText {
    /// Longest accepted text, in characters (a long summary fits; a pasted book does not).
    pub const MAX: usize = 20_000;

    pub fn parse(input: &str, max: usize) -> Result<NonEmptyText, String> {
        let t = input.trim();
        if t.is_empty() {
            return Err("must not be empty".into());
        }
        let n = t.chars().count();
        if n > max {
            return Err(format!("is {n} characters long; at most {max} are allowed"));
        }
        if t.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            return Err("contains control characters".into());
        }
        Ok(NonEmptyText(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for NonEmptyText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for NonEmptyText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for NonEmptyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        NonEmptyText::parse(&s, NonEmptyText::MAX).map_err(serde::de::Error::custom)
    }
}

/// An absolute `http` or `https` URL with a host.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebUrl(url::Url);

impl WebUrl {
    pub fn parse(input: &str) -> Result<WebUrl, String> {
        let t = input.trim();
        if t.len() > 2048 {
            return Err("is longer than 2048 characters".into());
        }
        let u = url::Url::parse(t).map_err(|e| format!("is not a valid URL ({e})"))?;
        if u.scheme() != "http" && u.scheme() != "https" {
            return Err(format!("must be an http or https URL, not {}:", u.scheme()));
        }
        if u.host_str().is_none_or(str::is_empty) {
            return Err("must name a host".into());
        }
        Ok(WebUrl(u))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Display for WebUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl Serialize for WebUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WebUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        WebUrl::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A BCP 47 language tag, as `oxilangtag` validates it, stored in canonical case
/// (`de`, `sv`, `en-GB`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Language(String);

impl Language {
    pub fn parse(input: &str) -> Result<Language, String> {
        let t = input.trim();
        let tag = oxilangtag::LanguageTag::parse_and_normalize(t).map_err(|e| {
            format!("{t:?} is not a BCP 47 language tag such as de, sv or en-GB ({e})")
        })?;
        Ok(Language(tag.into_inner()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Language {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Language::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(NonEmptyText::parse("  a  ", 10).unwrap().as_str(), "a");
        assert!(NonEmptyText::parse("   ", 10).is_err());
        assert!(NonEmptyText::parse("abcdef", 5).is_err());
        assert!(NonEmptyText::parse("a\u{0}b", 5).is_err());
    }

    #[test]
    fn urls_are_web_urls() {
        assert!(WebUrl::parse("https://example.org/x").is_ok());
        assert!(WebUrl::parse("javascript:alert(1)").is_err());
        assert!(WebUrl::parse("file:///etc/passwd").is_err());
        assert!(WebUrl::parse("not a url").is_err());
    }

    #[test]
    fn languages_are_bcp47() {
        assert_eq!(Language::parse("DE").unwrap().as_str(), "de");
        assert_eq!(Language::parse("en-gb").unwrap().as_str(), "en-GB");
        assert!(Language::parse("german language").is_err());
    }
}
