//! SDMX-TSV (Eurostat's bulk download format), new (`freq,unit,geo\TIME_PERIOD`) and legacy
//! (`indic_de,geo\time`, years often newest first) layouts. One series per line: the first cell
//! holds the series' dimension codes joined by `,`, every further cell one period's
//! `value flags` (`3100 `, `-27007 e`, `: ` missing, `: c` missing and confidential).

use crate::limits::ReadLimits;
use crate::obs::{Flags, Format, Header, RawObs, ReadError};
use crate::read::source::Source;
use crate::read::values::{char_column, normalize_period, parse_flags, parse_number};
use std::ops::Range;
use std::path::Path;

pub(crate) struct TsvReader {
    src: Source,
    periods: Vec<String>,
    ndims: usize,
    /// The current line's series key, built once per line and cloned per observation.
    key: Vec<String>,
    /// Byte ranges of the current line's value cells.
    cells: Vec<Range<usize>>,
    next: usize,
    /// Flags of the last flagged cell, reused while the next cells carry the same letters.
    last_flags: (String, Flags),
}

pub(crate) fn open(
    path: &Path,
    file: &str,
    limits: &ReadLimits,
) -> Result<(Header, TsvReader), ReadError> {
    let mut src = Source::open(path, file, limits)?;
    if !src.next_line()? {
        return Err(src.error(
            1,
            "the file is empty: expected a header line such as freq,unit,geo\\TIME_PERIOD",
        ));
    }
    let line = src.line().to_string();
    let mut cells = line.split('\t');
    let first = cells.next().unwrap_or("");
    let Some((dims, time)) = first.rsplit_once('\\') else {
        return Err(src.error(
            1,
            format!("the first header cell {first:?} does not read dimensions\\time (such as freq,unit,geo\\TIME_PERIOD)"),
        ));
    };
    let mut dimensions = Vec::new();
    for d in dims.split(',') {
        let d = d.trim();
        if d.is_empty() || dimensions.iter().any(|x: &String| x == d) {
            return Err(src.error(
                1,
                format!("the header names an empty or repeated dimension in {dims:?}"),
            ));
        }
        dimensions.push(d.to_string());
    }
    if time.trim().is_empty() {
        return Err(src.error(1, "the header does not name the time dimension after \\"));
    }
    let mut periods: Vec<String> = Vec::new();
    let mut offset = first.len() + 1;
    for cell in cells {
        let p = normalize_period(cell).map_err(|e| src.error(char_column(&line, offset), e))?;
        if periods.contains(&p) {
            return Err(src.error(
                char_column(&line, offset),
                format!("period {p} appears twice in the header"),
            ));
        }
        periods.push(p);
        offset += cell.len() + 1;
    }
    if periods.is_empty() {
        return Err(src.error(
            char_column(&line, line.len()),
            "the header lists no periods",
        ));
    }
    let n = dimensions.len();
    let header = Header {
        format: Format::SdmxTsv,
        dimensions,
        labelled: vec![false; n],
        codelists: vec![None; n],
        dataset: None,
    };
    let reader = TsvReader {
        src,
        periods,
        ndims: n,
        key: Vec::with_capacity(n),
        cells: Vec::new(),
        next: 0,
        last_flags: (String::new(), Flags::none()),
    };
    Ok((header, reader))
}

impl TsvReader {
    /// Reads lines until one holds a series; false at the end of the file.
    fn load_line(&mut self) -> Result<bool, ReadError> {
        loop {
            if !self.src.next_line()? {
                return Ok(false);
            }
            let line = self.src.line();
            if line.trim().is_empty() {
                continue;
            }
            self.cells.clear();
            let mut pos = 0;
            let mut first = None;
            for cell in line.split('\t') {
                let r = pos..pos + cell.len();
                if first.is_none() {
                    first = Some(r);
                } else {
                    self.cells.push(r);
                }
                pos += cell.len() + 1;
            }
            let first = first.unwrap_or(0..0);
            self.key.clear();
            for part in line[first.clone()].split(',') {
                self.key.push(part.trim().to_string());
            }
            if self.key.len() != self.ndims || self.key.iter().any(|k| k.is_empty()) {
                return Err(self.src.error(
                    1,
                    format!(
                        "the series key {:?} has {} codes where the header names {} dimensions",
                        &line[first],
                        self.key.len(),
                        self.ndims
                    ),
                ));
            }
            if self.cells.len() != self.periods.len() {
                let col = match self.cells.get(self.periods.len()) {
                    Some(extra) => char_column(line, extra.start),
                    None => char_column(line, line.len()),
                };
                return Err(self.src.error(
                    col,
                    format!(
                        "the line has {} values where the header has {} periods",
                        self.cells.len(),
                        self.periods.len()
                    ),
                ));
            }
            self.next = 0;
            return Ok(true);
        }
    }

    fn cell(&mut self, i: usize) -> Result<RawObs, ReadError> {
        let r = self.cells[i].clone();
        let line = self.src.line();
        let cell = line[r.clone()].trim();
        let (v, f) = match cell.split_once(' ') {
            Some((v, f)) => (v, f),
            None => (cell, ""),
        };
        let (value, f) = if let Some(rest) = v.strip_prefix(':') {
            // ":" missing; ":c" written without the space
            (None, if rest.is_empty() { f } else { rest })
        } else if v.is_empty() {
            (None, f)
        } else {
            let n = parse_number(v).map_err(|e| self.src.error(char_column(line, r.start), e))?;
            (Some(n), f)
        };
        let f = f.trim();
        let flags = if f.is_empty() {
            Flags::none()
        } else if f == self.last_flags.0 {
            self.last_flags.1.clone()
        } else {
            let flags =
                parse_flags(f).map_err(|e| self.src.error(char_column(line, r.start), e))?;
            self.last_flags = (f.to_string(), flags.clone());
            flags
        };
        Ok(RawObs {
            line: self.src.line_no,
            key: self.key.clone(),
            period: self.periods[i].clone(),
            value,
            flags,
        })
    }

    pub fn next_obs(&mut self) -> Option<Result<RawObs, ReadError>> {
        if self.next >= self.cells.len() {
            match self.load_line() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
        let i = self.next;
        self.next += 1;
        Some(self.cell(i))
    }

    /// Column of dimension `dim` of the last observation's key, for resolution errors.
    pub fn key_column(&self, dim: usize) -> u64 {
        let line = self.src.line();
        let first = line.split('\t').next().unwrap_or("");
        let mut pos = 0;
        for (i, part) in first.split(',').enumerate() {
            if i == dim {
                return char_column(line, pos);
            }
            pos += part.len() + 1;
        }
        1
    }
}
