//! Cell-level parsing shared by every reader: numbers, flags, periods, dataset codes.

use crate::obs::Flags;

/// Parses a published number (`3100`, `-27007`, `0.5`, `1e3`). Anything that is not a plain
/// finite decimal number is refused: `inf`, `NaN`, `1 234`, `12x`.
pub(crate) fn parse_number(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let ok_start = t
        .as_bytes()
        .first()
        .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.'));
    let ok_chars = t
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'));
    if ok_start
        && ok_chars
        && let Ok(v) = t.parse::<f64>()
        && v.is_finite()
    {
        return Ok(v);
    }
    Err(format!("{t:?} is not a number"))
}

/// Parses a number written with a configurable decimal mark and thousands separator
/// (`1.234,5` with `,` and `.`). Used by mapped national tables.
pub(crate) fn parse_number_with(
    s: &str,
    decimal: char,
    thousands: Option<char>,
) -> Result<f64, String> {
    if decimal == '.' && thousands.is_none() {
        return parse_number(s);
    }
    let t = s.trim();
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        if Some(c) == thousands {
            continue;
        } else if c == decimal {
            out.push('.');
        } else if c == '.' {
            // a dot that is neither the decimal mark nor the thousands separator
            return Err(format!("{t:?} is not a number"));
        } else {
            out.push(c);
        }
    }
    parse_number(&out).map_err(|_| format!("{t:?} is not a number"))
}

/// Parses observation flags, with a fast path for the common empty case.
pub(crate) fn parse_flags(s: &str) -> Result<Flags, String> {
    let t = s.trim();
    if t.is_empty() {
        Ok(Flags::none())
    } else {
        Flags::parse(t)
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

fn num_in(s: &str, len: usize, lo: u32, hi: u32) -> Option<u32> {
    if s.len() != len || !digits(s) {
        return None;
    }
    let v: u32 = s.parse().ok()?;
    (lo..=hi).contains(&v).then_some(v)
}

/// Checks a period and writes it in SDMX form: `2022`, `2022-Q1`, `2022-S2`, `2022-T3`,
/// `2022-05`, `2022-W07`, `2022-05-31`. The compact forms of older files (`2022Q1`,
/// `2022M05`, `2022S2`, `2022W07`) and SDMX 2.1 reporting periods (`2022-M05`) are rewritten in
/// that form so that one period has one spelling. A multi-year window `2015/2018` (ISO 8601
/// interval of years, used by national tables that count over several years) is kept as is.
pub(crate) fn normalize_period(s: &str) -> Result<String, String> {
    let t = s.trim();
    let bad =
        || format!("{t:?} is not a period (expected e.g. 2022, 2022-Q1, 2022-05, 2022-05-31)");
    if t.len() < 4 || !t.is_char_boundary(4) {
        return Err(bad());
    }
    let (year, rest) = t.split_at(4);
    if !digits(year) {
        return Err(bad());
    }
    if rest.is_empty() {
        return Ok(year.to_string());
    }
    if let Some(end) = rest.strip_prefix('/') {
        return match num_in(end, 4, 0, 9999) {
            Some(e) if e >= num_in(year, 4, 0, 9999).unwrap_or(u32::MAX) => Ok(t.to_string()),
            _ => Err(bad()),
        };
    }
    let body = rest.strip_prefix('-').unwrap_or(rest);
    let dashed = rest.starts_with('-');
    let (kind, num) = match body.chars().next() {
        Some(c @ ('Q' | 'S' | 'T' | 'M' | 'W')) => (Some(c), &body[1..]),
        _ => (None, body),
    };
    match kind {
        Some('Q') => num_in(num, 1, 1, 4).map(|q| format!("{year}-Q{q}")),
        Some('S') => num_in(num, 1, 1, 2).map(|h| format!("{year}-S{h}")),
        Some('T') => num_in(num, 1, 1, 3).map(|h| format!("{year}-T{h}")),
        Some('M') => num_in(num, 2, 1, 12).map(|m| format!("{year}-{m:02}")),
        Some('W') => num_in(num, 2, 1, 53).map(|w| format!("{year}-W{w:02}")),
        _ if dashed => {
            // 2022-05 or 2022-05-31
            match num.split_once('-') {
                None => num_in(num, 2, 1, 12).map(|m| format!("{year}-{m:02}")),
                Some((m, d)) => match (num_in(m, 2, 1, 12), num_in(d, 2, 1, 31)) {
                    (Some(m), Some(d)) => Some(format!("{year}-{m:02}-{d:02}")),
                    _ => None,
                },
            }
        }
        _ => None,
    }
    .ok_or_else(bad)
}

/// The dataset code of an SDMX dataflow reference: the id, lower-cased, without agency,
/// version or view (`ESTAT:CRIM_PRIS_CTZ$DEFAULTVIEW(1.0)` gives `crim_pris_ctz`;
/// `ESTAT,DEMO_GIND,1.0` gives `demo_gind`).
pub(crate) fn dataset_code(reference: &str) -> Result<String, String> {
    let t = reference.trim();
    let mut id = if t.contains(',') && !t.contains(':') {
        t.split(',').nth(1).unwrap_or("")
    } else {
        t.rsplit_once(':').map_or(t, |(_, id)| id)
    };
    if let Some(p) = id.find('(') {
        id = &id[..p];
    }
    if let Some(p) = id.find('$') {
        id = &id[..p];
    }
    let id = id.trim();
    let ok = !id.is_empty()
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
    if ok {
        Ok(id.to_ascii_lowercase())
    } else {
        Err(format!(
            "{t:?} does not name a dataflow (expected e.g. ESTAT:CRIM_PRIS_CTZ(1.0))"
        ))
    }
}

/// 1-based character column of a byte offset in a line.
pub(crate) fn char_column(line: &str, byte: usize) -> u64 {
    let b = byte.min(line.len());
    let mut b2 = b;
    while b2 > 0 && !line.is_char_boundary(b2) {
        b2 -= 1;
    }
    line[..b2].chars().count() as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("3100").unwrap(), 3100.0);
        assert_eq!(parse_number(" -27007 ").unwrap(), -27007.0);
        assert_eq!(parse_number("0.5").unwrap(), 0.5);
        for bad in ["", "inf", "NaN", "1 234", "12x", "-", "e5x"] {
            assert!(parse_number(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_number_with("1.234,5", ',', Some('.')).unwrap(),
            1234.5
        );
        assert_eq!(
            parse_number_with("12 345", '.', Some(' ')).unwrap(),
            12345.0
        );
    }

    #[test]
    fn periods() {
        for (i, o) in [
            ("2022", "2022"),
            ("2022 ", "2022"),
            ("2022-Q1", "2022-Q1"),
            ("2022Q4", "2022-Q4"),
            ("2022M05", "2022-05"),
            ("2022-M05", "2022-05"),
            ("2022-05", "2022-05"),
            ("2022-05-31", "2022-05-31"),
            ("2022W07", "2022-W07"),
            ("2022-S2", "2022-S2"),
            ("2015/2018", "2015/2018"),
        ] {
            assert_eq!(normalize_period(i).unwrap(), o, "{i}");
        }
        for bad in [
            "",
            "22",
            "2022-13",
            "2022Q5",
            "20x2",
            "2022-05-32",
            "2018/2015",
            "2022-",
            "Jahr",
        ] {
            assert!(normalize_period(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dataset_codes() {
        assert_eq!(
            dataset_code("ESTAT:CRIM_PRIS_CTZ$DEFAULTVIEW(1.0)").unwrap(),
            "crim_pris_ctz"
        );
        assert_eq!(dataset_code("ESTAT:DEMO_GIND(1.0)").unwrap(), "demo_gind");
        assert_eq!(
            dataset_code("ESTAT:MIGR_ASYAPPCTZA(1.0)").unwrap(),
            "migr_asyappctza"
        );
        assert_eq!(dataset_code("MIGR_POP1CTZ").unwrap(), "migr_pop1ctz");
        assert!(dataset_code("").is_err());
        assert!(dataset_code("ESTAT:bad name").is_err());
    }
}
