//! The shapes every reader produces and every later step consumes.

use serde::{Deserialize, Serialize};

/// Observation flags as published (Eurostat: b break, c confidential, d definition differs,
/// e estimated, p provisional, u low reliability, z not applicable; legacy f, n, r, s, i).
/// Kept canonical: lower-case letters, each once, sorted, so `eb` and `be` are one value.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub struct Flags(String);

impl Flags {
    pub fn none() -> Flags {
        Flags(String::new())
    }

    /// Parses the flag letters of a cell (`"be"`, `" e"`, `""`); anything but ASCII letters is
    /// an error.
    pub fn parse(input: &str) -> Result<Flags, String> {
        let t = input.trim();
        if !t.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(format!(
                "{t:?} is not a set of observation flags (letters such as e, p, b)"
            ));
        }
        let mut letters: Vec<char> = t.chars().map(|c| c.to_ascii_lowercase()).collect();
        letters.sort_unstable();
        letters.dedup();
        Ok(Flags(letters.into_iter().collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, flag: char) -> bool {
        self.0.contains(flag)
    }

    /// Every flag of either: a derived value carries the union of its inputs' flags.
    pub fn union(&self, other: &Flags) -> Flags {
        Flags::parse(&format!("{}{}", self.0, other.0)).expect("flags are letters")
    }

    /// Each letter on its own, for counting.
    pub fn letters(&self) -> impl Iterator<Item = char> + '_ {
        self.0.chars()
    }
}

impl std::fmt::Display for Flags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The file formats Chancery reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    SdmxTsv,
    SdmxCsv,
    JsonStat,
    MappedCsv,
}

impl Format {
    pub fn as_str(&self) -> &'static str {
        match self {
            Format::SdmxTsv => "sdmx-tsv",
            Format::SdmxCsv => "sdmx-csv",
            Format::JsonStat => "json-stat",
            Format::MappedCsv => "mapped-csv",
        }
    }

    pub fn parse(s: &str) -> Result<Format, String> {
        match s {
            "sdmx-tsv" => Ok(Format::SdmxTsv),
            "sdmx-csv" => Ok(Format::SdmxCsv),
            "json-stat" => Ok(Format::JsonStat),
            "mapped-csv" => Ok(Format::MappedCsv),
            other => Err(format!(
                "unknown format {other:?}: auto, sdmx-tsv, sdmx-csv, json-stat or mapped-csv"
            )),
        }
    }
}

/// What a reader learned from a file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub format: Format,
    /// Dimension ids in the order `RawObs::key` holds their values, as the file names them
    /// (never assumed). Constants from a mapping come last.
    pub dimensions: Vec<String>,
    /// For each dimension: true when the file writes labels ("Foreign country") that the
    /// vocabulary must turn into codes (FOR); false when it writes codes.
    pub labelled: Vec<bool>,
    /// The codelist (vocabulary table) that resolves each dimension's labels, when the format
    /// or mapping names one; `None` means the dimension's own id picks it.
    pub codelists: Vec<Option<String>>,
    /// The dataset code the file names (DATAFLOW / STRUCTURE_ID, lower-cased, without agency,
    /// version or `$DEFAULTVIEW`; or the mapping's), if any.
    pub dataset: Option<String>,
}

/// One observation as read, before labels are resolved to codes.
#[derive(Debug, Clone, PartialEq)]
pub struct RawObs {
    /// Where it came from, for error messages: 1-based line (JSON-stat: the flat index).
    pub line: u64,
    /// Dimension values in `Header::dimensions` order: codes or labels, as in the file.
    pub key: Vec<String>,
    /// The period as published: `2022`, `2022-Q1`, `2022-05`.
    pub period: String,
    /// `None` where the file says missing (`:`).
    pub value: Option<f64>,
    pub flags: Flags,
}

/// A problem in a file, with where it is: `file:line:column: reason`; `file:line: reason` when
/// no column applies, `file: reason` when the problem is the file's as a whole (line 0: it
/// cannot be opened, or it is past a size limit).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ReadError {
    pub file: String,
    /// 1-based; 0 for the file as a whole.
    pub line: u64,
    /// 1-based; 0 when no column applies.
    pub column: u64,
    pub reason: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}: {}", self.file, self.reason),
            (line, 0) => write!(f, "{}:{line}: {}", self.file, self.reason),
            (line, column) => write!(f, "{}:{line}:{column}: {}", self.file, self.reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_canonical() {
        assert_eq!(Flags::parse("eb").unwrap(), Flags::parse(" be ").unwrap());
        assert_eq!(
            Flags::parse("e")
                .unwrap()
                .union(&Flags::parse("bp").unwrap())
                .as_str(),
            "bep"
        );
        assert!(Flags::parse("e1").is_err());
        assert!(Flags::parse("").unwrap().is_empty());
    }
}
