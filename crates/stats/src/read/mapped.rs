//! Mapped CSV: a national table read through a [`Mapping`]. Each row gives one observation per
//! value column (a wide table is unpivoted). Labels of mapped dimension columns are resolved
//! here, through the mapping's own `labels` and then the vocabulary, so the observations carry
//! codes; an unknown label is an error naming its line, column and the label.

use crate::limits::ReadLimits;
use crate::mapping::Mapping;
use crate::obs::{Flags, Format, Header, RawObs, ReadError};
use crate::read::source::{Record, Source, err, read_record};
use crate::read::values::{normalize_period, parse_flags, parse_number_with};
use crate::vocab::Vocabulary;
use std::path::Path;

enum PeriodFrom {
    Constant(String),
    Column(usize),
    PerValue(Vec<String>),
}

pub(crate) struct MappedReader {
    src: Source,
    rec: Record,
    mapping: Mapping,
    ncols: usize,
    delim: u8,
    /// Column index of each mapped dimension.
    dim_cols: Vec<usize>,
    value_cols: Vec<usize>,
    /// Codes each value column fixes, in `Mapping::fixed_dimensions` order.
    fixed: Vec<Vec<String>>,
    constants: Vec<String>,
    period: PeriodFrom,
    flag_col: Option<usize>,
    /// The current row's resolved dimension codes, period (column case) and flags.
    row_key: Vec<String>,
    row_period: String,
    row_flags: Flags,
    next: usize,
    loaded: bool,
}

pub(crate) fn open(
    path: &Path,
    file: &str,
    mapping: &Mapping,
    limits: &ReadLimits,
) -> Result<(Header, MappedReader), ReadError> {
    let mut src = Source::open(path, file, limits)?;
    for _ in 0..mapping.csv.skip_lines {
        if !src.next_line()? {
            return Err(src.error(1, "the file ends before the header row"));
        }
    }
    let delim = mapping.delimiter();
    let mut head = Record::default();
    if !read_record(&mut src, delim, &mut head)? {
        return Err(src.error(1, "the file is empty: expected a header row"));
    }
    let names: Vec<String> = (0..head.len())
        .map(|i| head.get(i).trim().to_string())
        .collect();
    let find = |name: &str| -> Result<usize, ReadError> {
        let mut hits = names.iter().enumerate().filter(|(_, n)| *n == name.trim());
        match (hits.next(), hits.next()) {
            (Some((i, _)), None) => Ok(i),
            (Some(_), Some(_)) => Err(err(
                file,
                head.line,
                1,
                format!("column {name:?} appears twice in the header"),
            )),
            (None, _) => Err(err(
                file,
                head.line,
                1,
                format!(
                    "the mapping names column {name:?}, which the header does not have ({})",
                    names.join(", ")
                ),
            )),
        }
    };
    let dim_cols = mapping
        .dimensions
        .iter()
        .map(|d| find(&d.column))
        .collect::<Result<Vec<_>, _>>()?;
    let value_cols = mapping
        .values
        .iter()
        .map(|v| find(&v.column))
        .collect::<Result<Vec<_>, _>>()?;
    let fixed_ids = mapping.fixed_dimensions();
    let fixed: Vec<Vec<String>> = mapping
        .values
        .iter()
        .map(|v| {
            fixed_ids
                .iter()
                .map(|id| v.dimensions.get(id).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    let period = match &mapping.period {
        Some(p) => match (&p.value, &p.column) {
            (Some(v), _) => {
                PeriodFrom::Constant(normalize_period(v).map_err(|e| err(file, 0, 0, e))?)
            }
            (None, Some(c)) => PeriodFrom::Column(find(c)?),
            (None, None) => return Err(err(file, 0, 0, "the mapping gives no period")),
        },
        None => PeriodFrom::PerValue(
            mapping
                .values
                .iter()
                .map(|v| {
                    normalize_period(v.period.as_deref().unwrap_or(""))
                        .map_err(|e| err(file, 0, 0, e))
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    let flag_col = match &mapping.flags {
        Some(f) => Some(find(&f.column)?),
        None => None,
    };
    let vocab = Vocabulary::shared();
    for d in &mapping.dimensions {
        if let Some(list) = &d.codelist
            && vocab.codelist(list).is_none()
        {
            return Err(err(
                file,
                0,
                0,
                format!("dimension {:?}: no codelist {list:?}", d.id),
            ));
        }
    }
    let mut dimensions: Vec<String> = mapping.dimensions.iter().map(|d| d.id.clone()).collect();
    let mut codelists: Vec<Option<String>> = mapping
        .dimensions
        .iter()
        .map(|d| d.codelist.clone())
        .collect();
    for id in fixed_ids.iter().chain(mapping.constants.keys()) {
        dimensions.push(id.clone());
        codelists.push(None);
    }
    let n = dimensions.len();
    let header = Header {
        format: Format::MappedCsv,
        dimensions,
        labelled: vec![false; n],
        codelists,
        dataset: mapping.dataset.code.clone(),
    };
    let reader = MappedReader {
        src,
        rec: Record::default(),
        mapping: mapping.clone(),
        ncols: head.len(),
        delim,
        dim_cols,
        value_cols,
        fixed,
        constants: mapping.constants.values().cloned().collect(),
        period,
        flag_col,
        row_key: Vec::new(),
        row_period: String::new(),
        row_flags: Flags::none(),
        next: 0,
        loaded: false,
    };
    Ok((header, reader))
}

impl MappedReader {
    fn error(&self, col: usize, reason: impl Into<String>) -> ReadError {
        err(&self.src.file, self.rec.line, self.rec.column(col), reason)
    }

    /// Reads the next non-blank row and resolves its dimension columns.
    fn load_row(&mut self) -> Result<bool, ReadError> {
        loop {
            if !read_record(&mut self.src, self.delim, &mut self.rec)? {
                return Ok(false);
            }
            if self.rec.len() == 1 && self.rec.is_blank() {
                continue;
            }
            break;
        }
        if self.rec.len() != self.ncols {
            let col = if self.rec.len() < self.ncols {
                self.rec.end_column()
            } else {
                self.rec.column(self.ncols)
            };
            return Err(err(
                &self.src.file,
                self.rec.line,
                col,
                format!(
                    "the row has {} fields where the header has {}",
                    self.rec.len(),
                    self.ncols
                ),
            ));
        }
        let vocab = Vocabulary::shared();
        self.row_key.clear();
        for (d, &c) in self.mapping.dimensions.iter().zip(&self.dim_cols) {
            let raw = self.rec.get(c).trim();
            let code = if let Some(code) = d.labels.get(raw) {
                code.as_str()
            } else if d.codes {
                if raw.is_empty() || raw.contains(char::is_whitespace) {
                    return Err(self.error(c, format!("{}: {raw:?} is not a code", d.id)));
                }
                raw
            } else {
                let list = d.codelist.as_deref().unwrap_or("");
                vocab.resolve(list, raw).map_err(|_| {
                    self.error(
                        c,
                        format!(
                            "{}: label {raw:?} is not in the vocabulary (codelist {list}); add it to crates/stats/vocab/ or to the mapping's labels",
                            d.id
                        ),
                    )
                })?
            };
            self.row_key.push(code.to_string());
        }
        if let PeriodFrom::Column(c) = self.period {
            self.row_period = normalize_period(self.rec.get(c)).map_err(|e| self.error(c, e))?;
        }
        self.row_flags = match self.flag_col {
            Some(c) => parse_flags(self.rec.get(c)).map_err(|e| self.error(c, e))?,
            None => Flags::none(),
        };
        self.next = 0;
        Ok(true)
    }

    fn obs(&self, i: usize) -> Result<RawObs, ReadError> {
        let c = self.value_cols[i];
        let raw = self.rec.get(c).trim();
        let value = if self.mapping.csv.missing.iter().any(|m| m.trim() == raw) {
            None
        } else {
            Some(
                parse_number_with(raw, self.mapping.decimal(), self.mapping.thousands())
                    .map_err(|e| self.error(c, e))?,
            )
        };
        let mut key =
            Vec::with_capacity(self.row_key.len() + self.fixed[i].len() + self.constants.len());
        key.extend(self.row_key.iter().cloned());
        key.extend(self.fixed[i].iter().cloned());
        key.extend(self.constants.iter().cloned());
        let period = match &self.period {
            PeriodFrom::Constant(p) => p.clone(),
            PeriodFrom::Column(_) => self.row_period.clone(),
            PeriodFrom::PerValue(ps) => ps[i].clone(),
        };
        Ok(RawObs {
            line: self.rec.line,
            key,
            period,
            value,
            flags: self.row_flags.clone(),
        })
    }

    pub fn next_obs(&mut self) -> Option<Result<RawObs, ReadError>> {
        if !self.loaded || self.next >= self.value_cols.len() {
            self.loaded = true;
            match self.load_row() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
        let i = self.next;
        self.next += 1;
        Some(self.obs(i))
    }

    pub fn key_column(&self, dim: usize) -> u64 {
        self.dim_cols.get(dim).map_or(1, |&c| self.rec.column(c))
    }
}
