//! The caps on what reading one statistics file may take: each line, the JSON-stat document,
//! the output of gzip, the mapping file and the observations. Going past a cap is a
//! [`ReadError`](crate::ReadError) naming the file and the limit, and the setting that raises
//! it (`stats.max_line_bytes` in `chancery.toml`, `CHANCERY_STATS_MAX_LINE_BYTES`).
//!
//! Line reads never buffer more than the line cap, decompression stops at its cap, and the
//! JSON-stat document is read through [`std::io::Read::take`] with one byte to spare, so a
//! hostile file costs at most the caps, whatever it claims or inflates to.

use serde::{Deserialize, Serialize};
use std::io::{self, Read};

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// Caps on reading one statistics file. The defaults are well above the largest real file of
/// each kind the project knows (see the README's settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReadLimits {
    /// Longest line (or CSV record, when a quoted field spans lines), in bytes without its
    /// newline. Default 1 MiB.
    pub max_line_bytes: u64,
    /// Largest JSON-stat document, in bytes after decompression: JSON-stat is parsed whole.
    /// Default 64 MiB.
    pub max_document_bytes: u64,
    /// Most bytes a gzip file may decompress to. Default 4 GiB.
    pub max_decompressed_bytes: u64,
    /// Largest mapping (TOML) file. Default 1 MiB.
    pub max_mapping_bytes: u64,
    /// Most observations one file may hold. Default 100 million.
    pub max_observations: u64,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_line_bytes: MIB,
            max_document_bytes: 64 * MIB,
            max_decompressed_bytes: 4 * GIB,
            max_mapping_bytes: MIB,
            max_observations: 100_000_000,
        }
    }
}

/// A size for messages: `64 MiB`, `1 KiB`, `1500 bytes`.
pub(crate) fn size(bytes: u64) -> String {
    for (unit, name) in [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")] {
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{} {name}", bytes / unit);
        }
    }
    if bytes == 1 {
        "1 byte".to_string()
    } else {
        format!("{bytes} bytes")
    }
}

/// The reason a read stopped at a cap, carried through `io::Error` to where the file's name
/// and line are known.
#[derive(Debug)]
pub(crate) struct LimitHit(pub String);

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitHit {}

/// The reason of a cap that `e` reports, if it is one.
pub(crate) fn limit_hit(e: &io::Error) -> Option<&str> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitHit>())
        .map(|h| h.0.as_str())
}

/// A reader that yields at most `left` bytes and then fails with [`LimitHit`] if the inner
/// reader has more (a reader of exactly the cap reads whole).
pub(crate) struct Capped<R> {
    inner: R,
    left: u64,
    reason: String,
}

impl<R: Read> Capped<R> {
    pub(crate) fn new(inner: R, cap: u64, reason: String) -> Capped<R> {
        Capped {
            inner,
            left: cap,
            reason,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut one = [0u8; 1];
            return match self.inner.read(&mut one)? {
                0 => Ok(0),
                _ => Err(io::Error::other(LimitHit(self.reason.clone()))),
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_the_largest_whole_unit() {
        assert_eq!(size(64 * MIB), "64 MiB");
        assert_eq!(size(4 * GIB), "4 GiB");
        assert_eq!(size(2 * KIB), "2 KiB");
        assert_eq!(size(1500), "1500 bytes");
        assert_eq!(size(1), "1 byte");
    }

    #[test]
    fn a_capped_reader_reads_exactly_the_cap_and_fails_past_it() {
        let mut out = Vec::new();
        Capped::new(&b"abcd"[..], 4, "cap".into())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"abcd");
        let mut out = Vec::new();
        let e = Capped::new(&b"abcde"[..], 4, "cap".into())
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(limit_hit(&e), Some("cap"));
        assert_eq!(out, b"abcd");
    }
}
