//! SDMX-CSV, one observation per row.
//!
//! * 1.0 (data-browser download): `DATAFLOW,LAST UPDATE,<dims...>,TIME_PERIOD,OBS_VALUE,
//!   OBS_FLAG[,CONF_STATUS]`, with codes or with labels ("Foreign country" for FOR). Which of
//!   the two a file writes is decided from its first row (`freq` = "A" or "Annual"; without a
//!   `freq` column, lower-case letters or spaces in the dimension cells mean labels).
//! * 2.0: `STRUCTURE,STRUCTURE_ID[,STRUCTURE_NAME][,ACTION],<dims...>,TIME_PERIOD,OBS_VALUE,
//!   OBS_FLAG,...`. With labels=both every code column is followed by its label column (or the
//!   header and cells read `id: label`); the codes are used and the labels ignored.
//!
//! The dataset code comes from `DATAFLOW` / `STRUCTURE_ID`; one file holds one dataset.

use crate::limits::ReadLimits;
use crate::obs::{Flags, Format, Header, RawObs, ReadError};
use crate::read::source::{Record, Source, read_record};
use crate::read::values::{dataset_code, normalize_period, parse_flags, parse_number};
use std::path::Path;

pub(crate) struct SdmxCsvReader {
    src: Source,
    rec: Record,
    /// The first data row, read by `open` to decide labels vs codes, not yet returned.
    pending: bool,
    ncols: usize,
    dataset_col: usize,
    /// The dataset reference of the first row, which every row must repeat.
    dataset_ref: String,
    dim_cols: Vec<usize>,
    time_col: usize,
    value_col: usize,
    flag_col: Option<usize>,
    conf_col: Option<usize>,
    /// Cells read `code: label` (SDMX-CSV 2.0 labels=both in one column).
    split_labels: bool,
}

/// The id of a header cell: `freq: Time frequency` reads `freq`.
fn header_id(cell: &str, split: bool) -> &str {
    let t = cell.trim();
    if split {
        t.split_once(": ").map_or(t, |(id, _)| id.trim())
    } else {
        t
    }
}

const FREQ_CODES: [&str; 9] = ["A", "S", "Q", "M", "W", "D", "H", "B", "N"];

pub(crate) fn open(
    path: &Path,
    file: &str,
    limits: &ReadLimits,
) -> Result<(Header, SdmxCsvReader), ReadError> {
    let mut src = Source::open(path, file, limits)?;
    let mut head = Record::default();
    if !read_record(&mut src, b',', &mut head)? {
        return Err(src.error(1, "the file is empty: expected an SDMX-CSV header line"));
    }
    let ncols = head.len();
    let col = |i: usize| head.column(i);
    let e = |c: u64, r: String| crate::read::source::err(file, 1, c, r);
    let first = head.get(0).trim().to_ascii_uppercase();
    let split_labels = (0..ncols).any(|i| head.get(i).contains(": "));
    let id = |i: usize| header_id(head.get(i), split_labels);
    let (version2, mut start) = match first.as_str() {
        "DATAFLOW" => (false, 1),
        "STRUCTURE" => (true, 1),
        _ => {
            return Err(e(
                1,
                format!(
                    "{:?} is not an SDMX-CSV header (it starts with DATAFLOW or STRUCTURE)",
                    head.get(0)
                ),
            ));
        }
    };
    let dataset_col;
    let mut has_name = false;
    if version2 {
        if !id(1).eq_ignore_ascii_case("STRUCTURE_ID") {
            return Err(e(
                col(1),
                "SDMX-CSV 2.0: the second column must be STRUCTURE_ID".into(),
            ));
        }
        dataset_col = 1;
        start = 2;
        if id(start).eq_ignore_ascii_case("STRUCTURE_NAME") {
            has_name = true;
            start += 1;
        }
        if id(start).eq_ignore_ascii_case("ACTION") {
            start += 1;
        }
    } else {
        dataset_col = 0;
        if id(start).eq_ignore_ascii_case("LAST UPDATE") {
            start += 1;
        }
    }
    let find = |name: &str| (start..ncols).find(|&i| id(i) == name);
    let Some(value_col) = find("OBS_VALUE") else {
        return Err(e(col(ncols), "the header has no OBS_VALUE column".into()));
    };
    let Some(time_col) = find("TIME_PERIOD") else {
        return Err(e(col(ncols), "the header has no TIME_PERIOD column".into()));
    };
    if time_col > value_col {
        return Err(e(col(time_col), "TIME_PERIOD comes after OBS_VALUE".into()));
    }
    // labels=both as separate columns: each code column followed by its label column.
    let paired = version2
        && has_name
        && !split_labels
        && time_col + 1 < ncols
        && id(time_col + 1) != "OBS_VALUE"
        && (value_col - start) % 2 == 0;
    let step = if paired { 2 } else { 1 };
    let code_cols: Vec<usize> = (start..ncols).step_by(step).collect();
    let dim_cols: Vec<usize> = code_cols
        .iter()
        .copied()
        .filter(|&i| i < value_col && i != time_col)
        .collect();
    if dim_cols.is_empty() {
        return Err(e(
            col(start),
            "the header names no dimension before TIME_PERIOD".into(),
        ));
    }
    let mut dimensions: Vec<String> = Vec::new();
    for &i in &dim_cols {
        let d = id(i);
        if d.is_empty() || dimensions.iter().any(|x| x == d) {
            return Err(e(
                col(i),
                format!("the header names an empty or repeated dimension {d:?}"),
            ));
        }
        dimensions.push(d.to_string());
    }
    let after = |name: &str| {
        code_cols
            .iter()
            .copied()
            .find(|&i| i > value_col && id(i) == name)
    };
    let flag_col = after("OBS_FLAG").or_else(|| after("OBS_STATUS"));
    let conf_col = after("CONF_STATUS");

    let mut reader = SdmxCsvReader {
        src,
        rec: Record::default(),
        pending: false,
        ncols,
        dataset_col,
        dataset_ref: String::new(),
        dim_cols,
        time_col,
        value_col,
        flag_col,
        conf_col,
        split_labels,
    };
    let mut labelled = false;
    let mut dataset = None;
    if reader.read_row()? {
        reader.pending = true;
        let r = &reader.rec;
        reader.dataset_ref = r.get(dataset_col).trim().to_string();
        dataset = Some(
            dataset_code(&reader.dataset_ref)
                .map_err(|m| reader.src.error(r.column(dataset_col), m))?,
        );
        labelled = match dimensions.iter().position(|d| d == "freq") {
            Some(p) => !FREQ_CODES.contains(&reader.cell(reader.dim_cols[p])),
            None => reader.dim_cols.iter().any(|&i| {
                let v = reader.cell(i);
                v.contains(' ') || v.bytes().any(|c| c.is_ascii_lowercase())
            }),
        };
    }
    let n = dimensions.len();
    let header = Header {
        format: Format::SdmxCsv,
        dimensions,
        labelled: vec![labelled; n],
        codelists: vec![None; n],
        dataset,
    };
    Ok((header, reader))
}

impl SdmxCsvReader {
    /// Reads the next non-blank row and checks its width.
    fn read_row(&mut self) -> Result<bool, ReadError> {
        loop {
            if !read_record(&mut self.src, b',', &mut self.rec)? {
                return Ok(false);
            }
            if self.rec.len() == 1 && self.rec.is_blank() {
                continue;
            }
            if self.rec.len() != self.ncols {
                let col = if self.rec.len() < self.ncols {
                    self.rec.end_column()
                } else {
                    self.rec.column(self.ncols)
                };
                return Err(crate::read::source::err(
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
            return Ok(true);
        }
    }

    /// A code cell, trimmed; `A: Annual` reads `A` when the file writes code and label together.
    fn cell(&self, i: usize) -> &str {
        let t = self.rec.get(i).trim();
        if self.split_labels {
            t.split_once(": ").map_or(t, |(c, _)| c.trim())
        } else {
            t
        }
    }

    fn error(&self, i: usize, reason: impl Into<String>) -> ReadError {
        crate::read::source::err(&self.src.file, self.rec.line, self.rec.column(i), reason)
    }

    fn obs(&self) -> Result<RawObs, ReadError> {
        let r = &self.rec;
        if r.get(self.dataset_col).trim() != self.dataset_ref {
            return Err(self.error(
                self.dataset_col,
                format!(
                    "the row names dataset {:?} where the file began with {:?}: one file holds one dataset",
                    r.get(self.dataset_col).trim(),
                    self.dataset_ref
                ),
            ));
        }
        let mut key = Vec::with_capacity(self.dim_cols.len());
        for &i in &self.dim_cols {
            let v = self.cell(i);
            if v.is_empty() {
                return Err(self.error(i, "the dimension value is empty"));
            }
            key.push(v.to_string());
        }
        let period =
            normalize_period(self.cell(self.time_col)).map_err(|m| self.error(self.time_col, m))?;
        let v = self.cell(self.value_col);
        let value = if v.is_empty() || v == "NaN" || v == ":" {
            None
        } else {
            Some(parse_number(v).map_err(|m| self.error(self.value_col, m))?)
        };
        let mut flags = match self.flag_col {
            Some(i) => parse_flags(self.cell(i)).map_err(|m| self.error(i, m))?,
            None => Flags::none(),
        };
        if let Some(i) = self.conf_col {
            // Confidentiality status: C confidential, D/S secondary confidentiality, N not
            // for publication. The value is withheld: that travels as flag c.
            if matches!(self.cell(i), "C" | "D" | "S" | "N") && !flags.contains('c') {
                flags = flags.union(&Flags::parse("c").unwrap_or_default());
            }
        }
        Ok(RawObs {
            line: r.line,
            key,
            period,
            value,
            flags,
        })
    }

    pub fn next_obs(&mut self) -> Option<Result<RawObs, ReadError>> {
        if self.pending {
            self.pending = false;
        } else {
            match self.read_row() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
        Some(self.obs())
    }

    pub fn key_column(&self, dim: usize) -> u64 {
        self.dim_cols.get(dim).map_or(1, |&i| self.rec.column(i))
    }
}
