//! File readers: SDMX-TSV, SDMX-CSV 1.0 and 2.0, JSON-stat 2.0, and mapped national CSV.
//!
//! ```no_run
//! use chancery_stats::read;
//! use std::path::Path;
//! let reader = read::open(Path::new("crim_pris_ctz.csv"), None, None)?;
//! println!("{:?}", reader.header().dimensions);
//! for obs in reader.resolved(chancery_stats::vocab::Vocabulary::shared())? {
//!     let obs = obs?; // key in codes, period, value, flags
//! }
//! # Ok::<(), chancery_stats::ReadError>(())
//! ```
//!
//! Readers stream in constant memory (one line at a time; JSON-stat, which must parse whole,
//! is read whole), decompress gzip transparently (by the `1f 8b` magic bytes), stop at the
//! caps of [`ReadLimits`] (line, JSON-stat document, decompressed bytes, observations) with an
//! error naming the file and the limit, take the
//! dimension names from the file, and turn malformed input into a [`ReadError`] with
//! `file:line:column` and a reason, never a panic: a file that does not end in a newline is
//! truncated (an error at its last line), a row with the wrong number of fields, a bad number,
//! flag or period, JSON that does not parse whole. After an error the reader ends.

mod jsonstat;
mod mapped;
mod sdmx_csv;
mod source;
mod tsv;
pub(crate) mod values;

use crate::limits::ReadLimits;
use crate::mapping::Mapping;
use crate::obs::{Format, Header, RawObs, ReadError};
use crate::vocab::{Resolver, Vocabulary};
use source::{err, open_stream};
use std::io::Read;
use std::path::Path;

enum Inner {
    Tsv(tsv::TsvReader),
    Csv(sdmx_csv::SdmxCsvReader),
    Json(jsonstat::JsonStatReader),
    Mapped(Box<mapped::MappedReader>),
}

/// Observations of one file, in file order. See the module documentation.
pub struct ObsReader {
    header: Header,
    inner: Inner,
    file: String,
    done: bool,
    /// Observations returned so far, against `max_observations`.
    count: u64,
    max_observations: u64,
}

/// Opens a file for reading, within the default [`ReadLimits`]; see [`open_with`].
pub fn open(
    path: &Path,
    format: Option<Format>,
    mapping: Option<&Mapping>,
) -> Result<ObsReader, ReadError> {
    open_with(path, format, mapping, &ReadLimits::default())
}

/// Opens a file for reading within `limits`.
///
/// `format`: `None` detects it from the content (see [`detect`]); with a `mapping` and no
/// format the file is read as a mapped CSV. A mapped CSV needs a mapping. The error's `file`
/// is `path` as given.
pub fn open_with(
    path: &Path,
    format: Option<Format>,
    mapping: Option<&Mapping>,
    limits: &ReadLimits,
) -> Result<ObsReader, ReadError> {
    let file = path.display().to_string();
    let format = match (format, mapping) {
        (Some(f), _) => f,
        (None, Some(_)) => Format::MappedCsv,
        (None, None) => detect_with(path, limits)?,
    };
    let (header, inner) = match format {
        Format::SdmxTsv => {
            let (h, r) = tsv::open(path, &file, limits)?;
            (h, Inner::Tsv(r))
        }
        Format::SdmxCsv => {
            let (h, r) = sdmx_csv::open(path, &file, limits)?;
            (h, Inner::Csv(r))
        }
        Format::JsonStat => {
            let (h, r) = jsonstat::open(path, &file, limits)?;
            (h, Inner::Json(r))
        }
        Format::MappedCsv => {
            let Some(m) = mapping else {
                return Err(err(
                    &file,
                    0,
                    0,
                    "this is a plain CSV table: reading it needs a mapping that says which column is what",
                ));
            };
            let (h, r) = mapped::open(path, &file, m, limits)?;
            (h, Inner::Mapped(Box::new(r)))
        }
    };
    Ok(ObsReader {
        header,
        inner,
        file,
        done: false,
        count: 0,
        max_observations: limits.max_observations,
    })
}

/// Detects a file's format from its content (gzip is looked through): a JSON object is
/// JSON-stat; a first line of tab-separated cells whose first cell holds `\` is SDMX-TSV; a
/// CSV header starting with `DATAFLOW` or `STRUCTURE` is SDMX-CSV; a `.tsv` (or `.tsv.gz`)
/// file with tab-separated cells is SDMX-TSV (whose reader then names what is wrong with its
/// header); any other delimited text table is a mapped CSV (which needs a mapping).
pub fn detect(path: &Path) -> Result<Format, ReadError> {
    detect_with(path, &ReadLimits::default())
}

/// [`detect`] within `limits` (it reads at most the first 8 KiB, decompressed).
pub fn detect_with(path: &Path, limits: &ReadLimits) -> Result<Format, ReadError> {
    let file = path.display().to_string();
    let mut s = open_stream(path, &file, limits)?.reader;
    let mut head = Vec::with_capacity(8192);
    (&mut s)
        .take(8192)
        .read_to_end(&mut head)
        .map_err(|e| match crate::limits::limit_hit(&e) {
            Some(reason) => err(&file, 0, 0, reason),
            None => err(&file, 0, 0, format!("cannot read the file: {e}")),
        })?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        head.drain(..3);
    }
    let text = String::from_utf8_lossy(&head);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(err(&file, 1, 1, "the file is empty"));
    }
    if trimmed.starts_with('{') {
        return Ok(Format::JsonStat);
    }
    if head.iter().take(512).any(|&b| b == 0) {
        return Err(err(
            &file,
            1,
            1,
            "this is not a text file (nor gzip of one)",
        ));
    }
    let first = text.lines().next().unwrap_or("");
    if let Some((cell, _)) = first.split_once('\t')
        && cell.contains('\\')
    {
        return Ok(Format::SdmxTsv);
    }
    let first_field = first
        .split(',')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"')
        .to_ascii_uppercase();
    if first_field == "DATAFLOW" || first_field == "STRUCTURE" {
        return Ok(Format::SdmxCsv);
    }
    let name = path.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".tsv") && first.contains('\t') {
        return Ok(Format::SdmxTsv);
    }
    Ok(Format::MappedCsv)
}

impl ObsReader {
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The file as given to [`open`].
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The column (1-based, in characters) of dimension `dim` in the line of the observation
    /// returned last, for error messages; 1 when the format has no columns (JSON-stat).
    pub fn key_column(&self, dim: usize) -> u64 {
        match &self.inner {
            Inner::Tsv(r) => r.key_column(dim),
            Inner::Csv(r) => r.key_column(dim),
            Inner::Json(_) => 1,
            Inner::Mapped(r) => r.key_column(dim),
        }
    }

    /// The same observations with every labelled dimension resolved into codes through the
    /// vocabulary; the header then says codes throughout. An unknown label is an error naming
    /// the file, line, column and label.
    pub fn resolved(self, vocab: &Vocabulary) -> Result<ResolvedReader<'_>, ReadError> {
        let resolver = vocab.resolver(&self.header, &self.file)?;
        let mut header = self.header.clone();
        header.labelled = vec![false; header.dimensions.len()];
        Ok(ResolvedReader {
            reader: self,
            resolver,
            header,
        })
    }
}

impl Iterator for ObsReader {
    type Item = Result<RawObs, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut item = match &mut self.inner {
            Inner::Tsv(r) => r.next_obs(),
            Inner::Csv(r) => r.next_obs(),
            Inner::Json(r) => r.next_obs(),
            Inner::Mapped(r) => r.next_obs(),
        };
        if let Some(Ok(obs)) = &item {
            self.count += 1;
            if self.count > self.max_observations {
                let line = if matches!(self.inner, Inner::Json(_)) {
                    1
                } else {
                    obs.line
                };
                item = Some(Err(err(
                    &self.file,
                    line,
                    1,
                    format!(
                        "the file holds more than the limit of {} observations; raise stats.max_observations",
                        self.max_observations
                    ),
                )));
            }
        }
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

/// An [`ObsReader`] whose observations carry codes only.
pub struct ResolvedReader<'v> {
    reader: ObsReader,
    resolver: Resolver<'v>,
    header: Header,
}

impl ResolvedReader<'_> {
    /// The header, with `labelled` false throughout (`codelists` still says which list
    /// resolved each dimension where the file or mapping named one).
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Whether the file itself wrote labels (per dimension), as detected by the reader.
    pub fn file_labelled(&self) -> &[bool] {
        &self.reader.header.labelled
    }
}

impl Iterator for ResolvedReader<'_> {
    type Item = Result<RawObs, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut obs = match self.reader.next()? {
            Ok(o) => o,
            Err(e) => return Some(Err(e)),
        };
        let reader = &self.reader;
        match self.resolver.resolve(&mut obs, |i| reader.key_column(i)) {
            Ok(()) => Some(Ok(obs)),
            Err(e) => {
                self.reader.done = true;
                Some(Err(e))
            }
        }
    }
}

/// The identity of a series: `dim=code` pairs sorted by dimension id and joined by `,`
/// (`citizen=FOR,freq=A,geo=SE,unit=NR`), so the same series has the same key whatever order
/// a file writes its columns in.
pub fn series_key(dimensions: &[String], codes: &[String]) -> String {
    let mut pairs: Vec<(&str, &str)> = dimensions
        .iter()
        .map(String::as_str)
        .zip(codes.iter().map(String::as_str))
        .collect();
    pairs.sort_unstable();
    let mut out = String::with_capacity(pairs.iter().map(|(d, c)| d.len() + c.len() + 2).sum());
    for (i, (d, c)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(d);
        out.push('=');
        out.push_str(c);
    }
    out
}
