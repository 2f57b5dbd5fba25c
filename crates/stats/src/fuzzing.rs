//! Entry points of the fuzz targets in `fuzz/` (see FUZZING.md). The fuzz binaries and the
//! corpus replay in `tests/readers/fuzz_corpus.rs` call the same functions, so every input kept
//! in `fuzz/corpus/` and `fuzz/regressions/` is read exactly as the fuzzer read it.
//!
//! Each function takes arbitrary bytes and must return, whatever they are: a malformed input
//! is a [`ReadError`], never a panic. The readers open paths, so the bytes are written to a
//! temporary file first (removed again before returning).

use crate::mapping::Mapping;
use crate::obs::{Format, ReadError};
use crate::read;
use crate::vocab::Vocabulary;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A temporary file holding the input, removed on drop.
struct TempInput(PathBuf);

impl TempInput {
    fn new(bytes: &[u8], suffix: &str) -> Result<TempInput, ReadError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("chancery-fuzz-{}-{n}{suffix}", std::process::id()));
        std::fs::write(&path, bytes).map_err(|e| ReadError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            reason: format!("cannot write the fuzz input: {e}"),
        })?;
        Ok(TempInput(path))
    }
}

impl Drop for TempInput {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Reads every observation of `path`, then reads it again resolved through the shared
/// vocabulary. Returns the number of observations read raw.
fn read_through(
    path: &Path,
    format: Option<Format>,
    mapping: Option<&Mapping>,
) -> Result<usize, ReadError> {
    let reader = read::open(path, format, mapping)?;
    let dims = reader.header().dimensions.clone();
    let mut n = 0;
    for obs in reader {
        let obs = obs?;
        read::series_key(&dims, &obs.key);
        n += 1;
    }
    let reader = read::open(path, format, mapping)?;
    for obs in reader.resolved(Vocabulary::shared())? {
        obs?;
    }
    Ok(n)
}

/// Fuzz target `sdmx_tsv`: the input read as SDMX-TSV (gzip looked through).
pub fn sdmx_tsv(bytes: &[u8]) -> Result<usize, ReadError> {
    let f = TempInput::new(bytes, ".tsv")?;
    read_through(&f.0, Some(Format::SdmxTsv), None)
}

/// Fuzz target `sdmx_csv`: the input read as SDMX-CSV (1.0 or 2.0, from its header).
pub fn sdmx_csv(bytes: &[u8]) -> Result<usize, ReadError> {
    let f = TempInput::new(bytes, ".csv")?;
    read_through(&f.0, Some(Format::SdmxCsv), None)
}

/// Fuzz target `jsonstat`: the input read as a JSON-stat 2.0 dataset.
pub fn jsonstat(bytes: &[u8]) -> Result<usize, ReadError> {
    let f = TempInput::new(bytes, ".json")?;
    read_through(&f.0, Some(Format::JsonStat), None)
}

/// Fuzz target `mapped_csv`: the first byte picks one of the shipped mappings (modulo their
/// number); the rest is the national CSV table read through it.
pub fn mapped_csv(bytes: &[u8]) -> Result<usize, ReadError> {
    let Some((&pick, data)) = bytes.split_first() else {
        return Ok(0);
    };
    let names: Vec<&str> = Mapping::shipped_names().collect();
    let name = names[usize::from(pick) % names.len()];
    let mapping = Mapping::shipped(name).expect("a shipped name")?;
    let f = TempInput::new(data, ".csv")?;
    read_through(&f.0, Some(Format::MappedCsv), Some(&mapping))
}

/// Fuzz target `gzip`: the input is a gzip stream without its two magic bytes (`1f 8b`),
/// which are put back, so every input goes through the decompressor; what it yields is
/// detected and read.
pub fn gzip(bytes: &[u8]) -> Result<usize, ReadError> {
    let mut stream = Vec::with_capacity(bytes.len() + 2);
    stream.extend_from_slice(&[0x1f, 0x8b]);
    stream.extend_from_slice(bytes);
    let f = TempInput::new(&stream, ".gz")?;
    read_through(&f.0, None, None)
}

/// Fuzz target `detect`: the first byte picks the file name's suffix (`.tsv`, `.csv`,
/// `.json`, `.tsv.gz`, none), as detection also looks at it; the rest is detected and read
/// by whichever reader detection chose (plain text or gzip of it).
pub fn detect(bytes: &[u8]) -> Result<usize, ReadError> {
    let Some((&pick, data)) = bytes.split_first() else {
        return Ok(0);
    };
    const SUFFIXES: [&str; 5] = [".tsv", ".csv", ".json", ".tsv.gz", ""];
    let f = TempInput::new(data, SUFFIXES[usize::from(pick) % SUFFIXES.len()])?;
    read::detect(&f.0)?;
    read_through(&f.0, None, None)
}

/// The line that separates a mapping from its data in the `mapping` target's input.
pub const MAPPING_DATA_SEPARATOR: &str = "\n#%%data\n";

/// Fuzz target `mapping`: a mapping (TOML), optionally followed by
/// [`MAPPING_DATA_SEPARATOR`] and a CSV table; when the mapping is valid, the table is read
/// through it.
pub fn mapping(bytes: &[u8]) -> Result<usize, ReadError> {
    let (toml_bytes, data) = match bytes
        .windows(MAPPING_DATA_SEPARATOR.len())
        .position(|w| w == MAPPING_DATA_SEPARATOR.as_bytes())
    {
        Some(at) => (
            &bytes[..at],
            Some(&bytes[at + MAPPING_DATA_SEPARATOR.len()..]),
        ),
        None => (bytes, None),
    };
    let text = String::from_utf8_lossy(toml_bytes);
    let m = Mapping::from_toml("fuzz.toml", &text)?;
    m.fixed_dimensions();
    match data {
        Some(data) => {
            let f = TempInput::new(data, ".csv")?;
            read_through(&f.0, Some(Format::MappedCsv), Some(&m))
        }
        None => Ok(0),
    }
}

/// A fuzz target's entry function: the number of observations read, or the error.
pub type Target = fn(&[u8]) -> Result<usize, ReadError>;

/// The statistics fuzz targets by name, as in `fuzz/Cargo.toml`.
pub const TARGETS: &[(&str, Target)] = &[
    ("sdmx_tsv", sdmx_tsv),
    ("sdmx_csv", sdmx_csv),
    ("jsonstat", jsonstat),
    ("mapped_csv", mapped_csv),
    ("gzip", gzip),
    ("detect", detect),
    ("mapping", mapping),
];
