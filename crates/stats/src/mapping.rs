//! Mappings for national tables: a TOML file that says what each column of a plain CSV is.
//!
//! National statistics offices publish tables, not SDMX: one row per nationality, one column
//! per offence or year. A mapping turns such a table into observations: it names the
//! dimension columns (and the vocabulary codelist through which their labels resolve, or that
//! they already hold codes), where the period comes from, which columns hold values and which
//! dimension codes each value column fixes (a wide table is unpivoted: every value column
//! becomes one observation per row), an optional flags column, constant dimensions, and the
//! dataset's metadata. Columns the mapping does not mention are ignored.
//!
//! # Format
//!
//! ```toml
//! [dataset]                      # metadata; required
//! code = "pks_t62"               # dataset code: lower-case letters, digits, _ (optional)
//! title = "Suspects by nationality"
//! publisher = "Bundeskriminalamt (BKA)"
//! licence = "dl-de/by-2-0"
//! source_url = "https://www.bka.de/..."
//! attribution = "PKS Bundeskriminalamt, Berichtsjahr 2025"   # optional
//! basis = "citizenship"          # citizenship | country_of_birth | migration_background
//! reference_date = "31 December" # optional: when a stock is counted
//! notes = "..."                  # optional, shown with the dataset
//!
//! [csv]                          # optional; these are the defaults
//! file_name = "t62_suspects_2025.csv"  # the file this mapping is written for (optional)
//! delimiter = ","
//! skip_lines = 0                 # lines before the header row
//! decimal = "."
//! thousands = ""                 # e.g. "." for 1.234.567
//! missing = [""]                 # cells that mean "no value"
//!
//! [period]                       # where the period comes from: one of
//! value = "2025"                 #   a constant, or
//! # column = "year"              #   a column; or `period` on every [[value]]
//!
//! [flags]                        # optional
//! column = "flag"
//!
//! [[dimension]]                  # a dimension read from a column
//! id = "citizen"
//! column = "bka_name"
//! codelist = "geo_de"            # labels resolve through this vocabulary codelist, or
//! # codes = true                 # the column already holds codes
//! labels = { "Deutschland" = "NAT" }   # optional: this table's own reading of a label
//!
//! [[value]]                      # a value column and the dimension codes it fixes
//! column = "total_all"
//! dimensions = { offence = "------" }
//! # period = "2025"              # a value column may also fix the period
//!
//! [constants]                    # dimensions with one code for the whole file
//! freq = "A"
//! geo = "DE"
//! ```
//!
//! The reader resolves the labels of mapped columns itself (through the vocabulary and the
//! mapping's `labels`), so its observations carry codes: an unknown label is an error that
//! names the file, line, column and label. Every value column must fix the same dimensions.
//! The dimensions of the header are the dimension columns, then the dimensions the value
//! columns fix, then the constants.

use crate::limits::{ReadLimits, size};
use crate::obs::ReadError;
use crate::vocab::Vocabulary;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// The basis on which people are grouped: it must be explicit for every figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Citizenship,
    CountryOfBirth,
    MigrationBackground,
}

impl Basis {
    pub fn as_str(&self) -> &'static str {
        match self {
            Basis::Citizenship => "citizenship",
            Basis::CountryOfBirth => "country_of_birth",
            Basis::MigrationBackground => "migration_background",
        }
    }
}

/// A dataset's metadata.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetMeta {
    pub code: Option<String>,
    pub title: String,
    pub publisher: String,
    pub licence: String,
    pub source_url: String,
    pub attribution: Option<String>,
    pub basis: Basis,
    pub reference_date: Option<String>,
    pub notes: Option<String>,
}

/// How the CSV is written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CsvOptions {
    pub file_name: Option<String>,
    pub delimiter: String,
    pub skip_lines: u64,
    pub decimal: String,
    pub thousands: String,
    pub missing: Vec<String>,
}

impl Default for CsvOptions {
    fn default() -> CsvOptions {
        CsvOptions {
            file_name: None,
            delimiter: ",".into(),
            skip_lines: 0,
            decimal: ".".into(),
            thousands: String::new(),
            missing: vec![String::new()],
        }
    }
}

/// The period of every row: a constant or a column.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodSpec {
    pub value: Option<String>,
    pub column: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagsSpec {
    pub column: String,
}

/// A dimension read from a column.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DimensionColumn {
    pub id: String,
    pub column: String,
    /// The vocabulary codelist that turns this column's labels into codes.
    pub codelist: Option<String>,
    /// True when the column already holds codes.
    #[serde(default)]
    pub codes: bool,
    /// This table's own reading of some labels (label -> code), checked before the codelist.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// A value column and the dimension codes (and possibly the period) it fixes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueColumn {
    pub column: String,
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    pub period: Option<String>,
}

/// A mapping for one kind of national table. See the module documentation for the format.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub dataset: DatasetMeta,
    #[serde(default)]
    pub csv: CsvOptions,
    pub period: Option<PeriodSpec>,
    pub flags: Option<FlagsSpec>,
    #[serde(default, rename = "dimension")]
    pub dimensions: Vec<DimensionColumn>,
    #[serde(rename = "value")]
    pub values: Vec<ValueColumn>,
    #[serde(default)]
    pub constants: BTreeMap<String, String>,
}

/// The mappings shipped with Chancery, by name (the data file's path without `.csv`).
const SHIPPED: &[(&str, &str)] = &[
    (
        "germany/t62_suspects_2025",
        include_str!("../mappings/germany/t62_suspects_2025.toml"),
    ),
    (
        "germany/azr_nationality_2025",
        include_str!("../mappings/germany/azr_nationality_2025.toml"),
    ),
    (
        "sweden/bra_2021_9_tabellB6_misstankta_per_fodelseland",
        include_str!("../mappings/sweden/bra_2021_9_tabellB6_misstankta_per_fodelseland.toml"),
    ),
    (
        "eurostat/migr_pop1ctz_reshaped",
        include_str!("../mappings/eurostat/migr_pop1ctz_reshaped.toml"),
    ),
];

fn is_code(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_whitespace)
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

impl Mapping {
    /// Parses and checks a mapping. `name` is used in error messages (a path or a shipped name).
    pub fn from_toml(name: &str, text: &str) -> Result<Mapping, ReadError> {
        let m: Mapping = toml::from_str(text).map_err(|e| {
            let (line, column) = match e.span() {
                Some(span) => {
                    let before = text.get(..span.start).unwrap_or(text);
                    let line = before.matches('\n').count() as u64 + 1;
                    let col = before.rsplit('\n').next().unwrap_or("").chars().count() as u64 + 1;
                    (line, col)
                }
                None => (0, 0),
            };
            ReadError {
                file: name.to_string(),
                line,
                column,
                reason: format!("not a valid mapping: {}", e.message()),
            }
        })?;
        m.check().map_err(|reason| ReadError {
            file: name.to_string(),
            line: 0,
            column: 0,
            reason,
        })?;
        Ok(m)
    }

    /// Reads a mapping file, within the default [`ReadLimits`]; see [`Mapping::load_with`].
    pub fn load(path: &Path) -> Result<Mapping, ReadError> {
        Mapping::load_with(path, &ReadLimits::default())
    }

    /// Reads a mapping file of at most `limits.max_mapping_bytes` (read through `take` with
    /// one byte to spare: a larger file is refused, naming the limit, without being read
    /// further). The TOML parser's own nesting limit stays on.
    pub fn load_with(path: &Path, limits: &ReadLimits) -> Result<Mapping, ReadError> {
        let name = path.display().to_string();
        let fail = |reason: String| ReadError {
            file: name.clone(),
            line: 0,
            column: 0,
            reason,
        };
        let cap = limits.max_mapping_bytes;
        let too_large = || {
            fail(format!(
                "the mapping file exceeds the limit of {}; raise stats.max_mapping_bytes",
                size(cap)
            ))
        };
        let f =
            std::fs::File::open(path).map_err(|e| fail(format!("cannot read the mapping: {e}")))?;
        if f.metadata().is_ok_and(|m| m.is_file() && m.len() > cap) {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        f.take(cap.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| fail(format!("cannot read the mapping: {e}")))?;
        if bytes.len() as u64 > cap {
            return Err(too_large());
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| fail("the mapping is not UTF-8 text".to_string()))?;
        Mapping::from_toml(&name, &text)
    }

    /// The names of the shipped mappings.
    pub fn shipped_names() -> impl Iterator<Item = &'static str> {
        SHIPPED.iter().map(|(n, _)| *n)
    }

    /// A shipped mapping by name (`germany/t62_suspects_2025`).
    pub fn shipped(name: &str) -> Option<Result<Mapping, ReadError>> {
        SHIPPED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| Mapping::from_toml(&format!("mappings/{n}.toml"), text))
    }

    /// The shipped mapping written for a file of this name (`t62_suspects_2025.csv`, also
    /// gzipped as `.csv.gz`), if any.
    pub fn shipped_for_file(path: &Path) -> Option<Result<Mapping, ReadError>> {
        let name = path.file_name()?.to_str()?;
        let name = name.strip_suffix(".gz").unwrap_or(name);
        SHIPPED.iter().find_map(|(n, text)| {
            let m = Mapping::from_toml(&format!("mappings/{n}.toml"), text);
            match &m {
                Ok(mm) if mm.csv.file_name.as_deref() == Some(name) => Some(m),
                Ok(_) => None,
                Err(_) => Some(m),
            }
        })
    }

    /// The delimiter as a byte.
    pub(crate) fn delimiter(&self) -> u8 {
        self.csv
            .delimiter
            .as_bytes()
            .first()
            .copied()
            .unwrap_or(b',')
    }

    pub(crate) fn decimal(&self) -> char {
        self.csv.decimal.chars().next().unwrap_or('.')
    }

    pub(crate) fn thousands(&self) -> Option<char> {
        self.csv.thousands.chars().next()
    }

    /// The ids of the dimensions every value column fixes, in order.
    pub fn fixed_dimensions(&self) -> Vec<String> {
        self.values
            .first()
            .map(|v| v.dimensions.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Checks everything that can be checked without the data file.
    fn check(&self) -> Result<(), String> {
        let d = &self.dataset;
        if let Some(code) = &d.code
            && (!code
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
                || code.is_empty())
        {
            return Err(format!(
                "dataset.code {code:?}: use lower-case letters, digits and _"
            ));
        }
        for (what, v) in [
            ("title", &d.title),
            ("publisher", &d.publisher),
            ("licence", &d.licence),
            ("source_url", &d.source_url),
        ] {
            if v.trim().is_empty() {
                return Err(format!("dataset.{what} is empty"));
            }
        }
        let c = &self.csv;
        if c.delimiter.len() != 1 || c.delimiter == "\"" || c.delimiter == "\n" {
            return Err(format!(
                "csv.delimiter {:?} must be one ASCII character",
                c.delimiter
            ));
        }
        if c.decimal != "." && c.decimal != "," {
            return Err(format!(
                "csv.decimal {:?} must be \".\" or \",\"",
                c.decimal
            ));
        }
        if c.thousands.chars().count() > 1 || c.thousands == c.decimal {
            return Err(format!(
                "csv.thousands {:?} must be one character other than the decimal mark",
                c.thousands
            ));
        }
        if self.values.is_empty() {
            return Err("the mapping names no [[value]] column".into());
        }
        // period: exactly one source
        let per_value = self.values.iter().filter(|v| v.period.is_some()).count();
        match (&self.period, per_value) {
            (Some(p), 0) => match (&p.value, &p.column) {
                (Some(v), None) => {
                    crate::read::values::normalize_period(v)
                        .map_err(|e| format!("period.value: {e}"))?;
                }
                (None, Some(_)) => {}
                _ => return Err("[period] takes either value or column".into()),
            },
            (None, n) if n == self.values.len() => {
                for v in &self.values {
                    let p = v.period.as_deref().unwrap_or("");
                    crate::read::values::normalize_period(p)
                        .map_err(|e| format!("value {:?}: period: {e}", v.column))?;
                }
            }
            (Some(_), _) => {
                return Err(
                    "the period comes from [period] or from every [[value]], not both".into(),
                );
            }
            (None, _) => {
                return Err(
                    "no period: give [period] value or column, or a period on every [[value]]"
                        .into(),
                );
            }
        }
        // dimension ids: unique across columns, value-fixed dimensions and constants
        let fixed = self.fixed_dimensions();
        let mut ids: Vec<&str> = Vec::new();
        let all = self
            .dimensions
            .iter()
            .map(|d| d.id.as_str())
            .chain(fixed.iter().map(String::as_str))
            .chain(self.constants.keys().map(String::as_str));
        for id in all {
            if !is_id(id) {
                return Err(format!("dimension id {id:?}: use letters, digits and _"));
            }
            if ids.contains(&id) {
                return Err(format!("dimension {id:?} is given twice"));
            }
            ids.push(id);
        }
        for v in &self.values {
            let these: Vec<&String> = v.dimensions.keys().collect();
            if these.len() != fixed.len() || these.iter().zip(&fixed).any(|(a, b)| *a != b) {
                return Err(format!(
                    "value column {:?} fixes dimensions {these:?}; every value column must fix the same ones ({fixed:?})",
                    v.column
                ));
            }
            if let Some(bad) = v.dimensions.values().find(|c| !is_code(c)) {
                return Err(format!(
                    "value column {:?}: code {bad:?} is empty or has spaces",
                    v.column
                ));
            }
        }
        if let Some(bad) = self.constants.values().find(|c| !is_code(c)) {
            return Err(format!("constant code {bad:?} is empty or has spaces"));
        }
        let vocab = Vocabulary::shared();
        for dim in &self.dimensions {
            match (&dim.codelist, dim.codes) {
                (Some(list), false) => {
                    if vocab.codelist(list).is_none() {
                        return Err(format!(
                            "dimension {:?}: no codelist {list:?} in the vocabulary",
                            dim.id
                        ));
                    }
                }
                (None, true) => {}
                _ => {
                    return Err(format!(
                        "dimension {:?}: give either codelist or codes = true",
                        dim.id
                    ));
                }
            }
            if let Some((l, c)) = dim.labels.iter().find(|(_, c)| !is_code(c)) {
                return Err(format!(
                    "dimension {:?}: label {l:?} maps to {c:?}, which is no code",
                    dim.id
                ));
            }
        }
        Ok(())
    }
}
