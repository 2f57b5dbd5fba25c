//! One vocabulary: labels and codes name the same series.
//!
//! Eurostat's label downloads write "Foreign country" where code downloads write `FOR`;
//! national tables write "Türkei" or "Turkiet". The vocabulary turns each label into its code,
//! so a label download and a code download of one dataset give identical series. It is
//! exact: a label that is not in the tables is an error that names it, never a guess.
//!
//! The tables are versioned data files in `crates/stats/vocab/` (`code<TAB>label` per line,
//! `#` comments; the header comment names the publisher's code list each is typed from),
//! compiled in and loaded once. A code may have several labels; a label has one code; a label
//! may not be another code of the same list. The `citizen` list reads `citizen.tsv` and then
//! `geo.tsv` (the country names are shared).

use crate::obs::{Header, RawObs, ReadError};
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// (codelist, file text, the codelist whose entries follow this one's).
const FILES: &[(&str, &str, Option<&str>)] = &[
    ("geo", include_str!("../vocab/geo.tsv"), None),
    ("citizen", include_str!("../vocab/citizen.tsv"), Some("geo")),
    ("geo_de", include_str!("../vocab/geo_de.tsv"), None),
    ("geo_sv", include_str!("../vocab/geo_sv.tsv"), None),
    ("freq", include_str!("../vocab/freq.tsv"), None),
    ("unit", include_str!("../vocab/unit.tsv"), None),
    ("sex", include_str!("../vocab/sex.tsv"), None),
    ("age", include_str!("../vocab/age.tsv"), None),
    ("indic_de", include_str!("../vocab/indic_de.tsv"), None),
    ("asyl_app", include_str!("../vocab/asyl_app.tsv"), None),
    ("leg_stat", include_str!("../vocab/leg_stat.tsv"), None),
];

/// Dimension ids whose values are places or groups of people by place.
const GEO_DIMS: &[&str] = &["geo", "c_dest", "partner", "c_resid"];
const CITIZEN_DIMS: &[&str] = &[
    "citizen",
    "c_birth",
    "c_citizen",
    "country_of_birth",
    "nationality",
];

/// A problem with a vocabulary table or a lookup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VocabError {
    #[error("vocab/{file}.tsv:{line}: {reason}")]
    Table {
        file: String,
        line: usize,
        reason: String,
    },
    #[error("no codelist {0:?} in the vocabulary")]
    UnknownCodelist(String),
    #[error("{value:?} is not a label or code of codelist {codelist:?}")]
    UnknownLabel { codelist: String, value: String },
}

/// One code list: labels to codes.
#[derive(Debug, Clone, Default)]
pub struct Codelist {
    name: String,
    /// The header comment: which publisher list the table is typed from.
    pub source: String,
    by_label: HashMap<String, usize>,
    by_code: HashMap<String, usize>,
    /// (code, first label), in file order.
    entries: Vec<(String, String)>,
}

impl Codelist {
    /// Parses a table: `code<TAB>label[<TAB># note]` lines and `#` comments.
    pub fn parse(name: &str, text: &str) -> Result<Codelist, VocabError> {
        let mut list = Codelist {
            name: name.to_string(),
            ..Codelist::default()
        };
        let fail = |line: usize, reason: String| VocabError::Table {
            file: name.to_string(),
            line,
            reason,
        };
        for (n, raw) in text.lines().enumerate() {
            let line = n + 1;
            if let Some(c) = raw.strip_prefix('#') {
                if list.entries.is_empty() {
                    list.source.push_str(c.trim());
                    list.source.push('\n');
                }
                continue;
            }
            if raw.trim().is_empty() {
                continue;
            }
            let mut parts = raw.split('\t');
            let code = parts.next().unwrap_or("");
            let label = parts.next().unwrap_or("");
            if let Some(rest) = parts.next()
                && !rest.starts_with('#')
            {
                return Err(fail(line, "a third column must be a # note".into()));
            }
            if code.is_empty() || code.trim() != code || code.contains(' ') {
                return Err(fail(line, format!("bad code {code:?}")));
            }
            if label.is_empty() || label.trim() != label {
                return Err(fail(
                    line,
                    format!("bad label {label:?} (empty, or spaces around it)"),
                ));
            }
            let idx = match list.by_code.get(code) {
                Some(&i) => i,
                None => {
                    list.entries.push((code.to_string(), label.to_string()));
                    list.by_code
                        .insert(code.to_string(), list.entries.len() - 1);
                    list.entries.len() - 1
                }
            };
            if let Some(&other) = list.by_label.get(label)
                && other != idx
            {
                return Err(fail(
                    line,
                    format!(
                        "label {label:?} has two codes: {} and {code}",
                        list.entries[other].0
                    ),
                ));
            }
            list.by_label.insert(label.to_string(), idx);
        }
        for (label, &i) in &list.by_label {
            if let Some(&j) = list.by_code.get(label)
                && i != j
            {
                return Err(fail(
                    0,
                    format!(
                        "label {label:?} of code {} is also code {label}",
                        list.entries[i].0
                    ),
                ));
            }
        }
        Ok(list)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of labels.
    pub fn label_count(&self) -> usize {
        self.by_label.len()
    }

    /// Number of codes.
    pub fn code_count(&self) -> usize {
        self.entries.len()
    }

    /// The code of a label, or the code itself when `value` is one.
    pub fn lookup(&self, value: &str) -> Option<&str> {
        let i = self
            .by_label
            .get(value)
            .or_else(|| self.by_code.get(value))?;
        Some(&self.entries[*i].0)
    }

    /// The first label of a code.
    pub fn label_of(&self, code: &str) -> Option<&str> {
        self.by_code.get(code).map(|&i| self.entries[i].1.as_str())
    }

    /// Every (code, first label), in file order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(c, l)| (c.as_str(), l.as_str()))
    }
}

/// All code lists.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    lists: BTreeMap<String, (Codelist, Option<String>)>,
}

static SHARED: LazyLock<Result<Vocabulary, VocabError>> = LazyLock::new(Vocabulary::load);

impl Vocabulary {
    /// Loads the compiled-in tables and checks them (also across a list and the list it
    /// falls back to).
    pub fn load() -> Result<Vocabulary, VocabError> {
        let mut lists = BTreeMap::new();
        for (name, text, fallback) in FILES {
            let list = Codelist::parse(name, text)?;
            lists.insert(name.to_string(), (list, fallback.map(str::to_string)));
        }
        let v = Vocabulary { lists };
        for (name, (list, fallback)) in &v.lists {
            let Some(fb) = fallback else { continue };
            let other = v
                .list(fb)
                .ok_or_else(|| VocabError::UnknownCodelist(fb.clone()))?;
            for (label, &i) in &list.by_label {
                let code = &list.entries[i].0;
                let clash = other
                    .by_label
                    .get(label)
                    .map(|&j| &other.entries[j].0)
                    .filter(|c| *c != code);
                if let Some(c) = clash {
                    return Err(VocabError::Table {
                        file: name.clone(),
                        line: 0,
                        reason: format!("label {label:?} is {code} here and {c} in {fb}"),
                    });
                }
            }
        }
        Ok(v)
    }

    /// The compiled-in vocabulary, loaded once. The tables are part of the program and
    /// checked by the crate's tests, so a failure here is a build defect.
    pub fn shared() -> &'static Vocabulary {
        match &*SHARED {
            Ok(v) => v,
            Err(e) => panic!("the compiled-in vocabulary is invalid: {e}"),
        }
    }

    fn list(&self, name: &str) -> Option<&Codelist> {
        self.lists.get(name).map(|(l, _)| l)
    }

    /// A code list by name (`geo`, `citizen`, `unit`, ...), without its fallback.
    pub fn codelist(&self, name: &str) -> Option<&Codelist> {
        self.list(name)
    }

    /// The names of all code lists.
    pub fn codelists(&self) -> impl Iterator<Item = &str> {
        self.lists.keys().map(String::as_str)
    }

    /// The code list that resolves a dimension's labels: `geo` (and other place dimensions)
    /// read `geo`; `citizen` and `c_birth` read `citizen`; others read the list of their own
    /// name (`unit`, `freq`, `sex`, `age`, `indic_de`, `asyl_app`, ...), if there is one.
    pub fn codelist_for(&self, dimension: &str) -> Option<&str> {
        let d = dimension.trim();
        if GEO_DIMS.iter().any(|g| d.eq_ignore_ascii_case(g)) {
            return Some("geo");
        }
        if CITIZEN_DIMS.iter().any(|g| d.eq_ignore_ascii_case(g)) {
            return Some("citizen");
        }
        let lower = d.to_ascii_lowercase();
        self.lists.get_key_value(&lower).map(|(k, _)| k.as_str())
    }

    /// The code of `value` in `codelist`: a label gives its code, a code gives itself.
    pub fn resolve(&self, codelist: &str, value: &str) -> Result<&str, VocabError> {
        let (list, fallback) = self
            .lists
            .get(codelist)
            .ok_or_else(|| VocabError::UnknownCodelist(codelist.to_string()))?;
        let v = value.trim();
        list.lookup(v)
            .or_else(|| {
                fallback
                    .as_deref()
                    .and_then(|f| self.list(f))
                    .and_then(|l| l.lookup(v))
            })
            .ok_or_else(|| VocabError::UnknownLabel {
                codelist: codelist.to_string(),
                value: v.to_string(),
            })
    }

    /// A resolver for the observations of a file with this header: it knows, per dimension,
    /// whether and through which code list the values resolve.
    pub fn resolver(&self, header: &Header, file: &str) -> Result<Resolver<'_>, ReadError> {
        let mut lists = Vec::with_capacity(header.dimensions.len());
        for (i, dim) in header.dimensions.iter().enumerate() {
            if !header.labelled.get(i).copied().unwrap_or(false) {
                lists.push(None);
                continue;
            }
            let name = match header.codelists.get(i).cloned().flatten() {
                Some(n) => n,
                None => self.codelist_for(dim).map(str::to_string).ok_or_else(|| ReadError {
                    file: file.to_string(),
                    line: 1,
                    column: 1,
                    reason: format!("dimension {dim:?} is written as labels, and the vocabulary has no codelist for it"),
                })?,
            };
            if !self.lists.contains_key(&name) {
                return Err(ReadError {
                    file: file.to_string(),
                    line: 1,
                    column: 1,
                    reason: format!("dimension {dim:?}: no codelist {name:?} in the vocabulary"),
                });
            }
            lists.push(Some(name));
        }
        Ok(Resolver {
            vocab: self,
            dimensions: header.dimensions.clone(),
            lists,
            file: file.to_string(),
        })
    }
}

/// Resolves the labelled dimensions of observations into codes.
pub struct Resolver<'v> {
    vocab: &'v Vocabulary,
    dimensions: Vec<String>,
    lists: Vec<Option<String>>,
    file: String,
}

impl Resolver<'_> {
    /// True when nothing needs resolving.
    pub fn is_identity(&self) -> bool {
        self.lists.iter().all(Option::is_none)
    }

    /// Replaces the labels in `obs.key` by their codes. `column` gives the column of a key
    /// value for the error message (1 when unknown).
    pub fn resolve(
        &self,
        obs: &mut RawObs,
        column: impl Fn(usize) -> u64,
    ) -> Result<(), ReadError> {
        for (i, list) in self.lists.iter().enumerate() {
            let Some(list) = list else { continue };
            let Some(value) = obs.key.get_mut(i) else {
                continue;
            };
            match self.vocab.resolve(list, value) {
                Ok(code) => {
                    if code != value.as_str() {
                        *value = code.to_string();
                    }
                }
                Err(_) => {
                    return Err(ReadError {
                        file: self.file.clone(),
                        line: obs.line,
                        column: column(i),
                        reason: format!(
                            "{}: label {:?} is not in the vocabulary (codelist {list}); add it to crates/stats/vocab/ if it is right",
                            self.dimensions[i], value
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}
