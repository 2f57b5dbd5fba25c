//! JSON-stat 2.0 datasets. The file is parsed whole (a cut file is an error with its line and
//! column). `value` and `status` may be dense arrays or sparse objects keyed by the flat index,
//! row-major over `id`/`size`: `idx = sum_k pos_k * prod_{j>k} size_j`. An index is an
//! observation when it has a value or a status; a null value without a status is no
//! observation, so a dense and a sparse writing of one dataset read the same.
//! The time dimension is the one `role.time` names, else the one called `time`/`TIME_PERIOD`;
//! the others, in file order, are the key. JSON-stat writes codes (category ids): labels are
//! not needed. `RawObs::line` holds the flat index.

use crate::limits::ReadLimits;
use crate::obs::{Flags, Format, Header, RawObs, ReadError};
use crate::read::source::{err, read_document};
use crate::read::values::{normalize_period, parse_flags};
use serde_json::{Map, Value};
use std::path::Path;

pub(crate) struct JsonStatReader {
    /// Category codes of each dimension, by position.
    codes: Vec<Vec<String>>,
    strides: Vec<u64>,
    time: usize,
    periods: Vec<String>,
    /// (flat index, value, flags), ascending by index.
    entries: std::vec::IntoIter<(u64, Option<f64>, Flags)>,
}

fn structure(file: &str, reason: impl Into<String>) -> ReadError {
    err(file, 1, 1, reason)
}

fn categories(file: &str, id: &str, dim: &Value, size: u64) -> Result<Vec<String>, ReadError> {
    let cat = dim
        .get("category")
        .and_then(Value::as_object)
        .ok_or_else(|| structure(file, format!("dimension.{id}: no category object")))?;
    let count = match cat.get("index") {
        Some(Value::Array(a)) => a.len(),
        Some(Value::Object(o)) => o.len(),
        _ => cat
            .get("label")
            .and_then(Value::as_object)
            .map_or(0, |l| l.len()),
    } as u64;
    if count != size {
        return Err(structure(
            file,
            format!("dimension.{id} has {count} categories where size says {size}"),
        ));
    }
    let mut codes: Vec<Option<String>> = vec![None; size as usize];
    match cat.get("index") {
        Some(Value::Array(a)) => {
            if a.len() as u64 != size {
                return Err(structure(
                    file,
                    format!(
                        "dimension.{id}.category.index has {} codes, size says {size}",
                        a.len()
                    ),
                ));
            }
            for (p, c) in a.iter().enumerate() {
                let c = c.as_str().ok_or_else(|| {
                    structure(
                        file,
                        format!("dimension.{id}.category.index[{p}] is not a string"),
                    )
                })?;
                codes[p] = Some(c.to_string());
            }
        }
        Some(Value::Object(o)) => {
            for (c, p) in o {
                let p = p.as_u64().filter(|&p| p < size).ok_or_else(|| {
                    structure(
                        file,
                        format!("dimension.{id}.category.index.{c}: position outside 0..{size}"),
                    )
                })?;
                if codes[p as usize].replace(c.clone()).is_some() {
                    return Err(structure(
                        file,
                        format!("dimension.{id}.category.index: position {p} given twice"),
                    ));
                }
            }
        }
        None => {
            // A single category may be given by its label alone.
            let labels = cat.get("label").and_then(Value::as_object);
            match labels {
                Some(l) if l.len() == 1 && size == 1 => codes[0] = l.keys().next().cloned(),
                _ => {
                    return Err(structure(
                        file,
                        format!("dimension.{id}.category has no index"),
                    ));
                }
            }
        }
        Some(_) => {
            return Err(structure(
                file,
                format!("dimension.{id}.category.index is neither an array nor an object"),
            ));
        }
    }
    codes
        .into_iter()
        .enumerate()
        .map(|(p, c)| {
            c.ok_or_else(|| structure(file, format!("dimension.{id}: no category at position {p}")))
        })
        .collect()
}

fn number(file: &str, i: u64, v: &Value) -> Result<Option<f64>, ReadError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| structure(file, format!("value[{i}] is not a finite number"))),
        _ => Err(structure(
            file,
            format!("value[{i}] is not a number or null"),
        )),
    }
}

fn status(file: &str, i: u64, v: &Value) -> Result<Flags, ReadError> {
    match v {
        Value::Null => Ok(Flags::none()),
        Value::String(s) => {
            // ":" is the missing marker some publishers put in status; it is no flag.
            let letters: String = s.chars().filter(|&c| c != ':').collect();
            parse_flags(&letters).map_err(|m| structure(file, format!("status[{i}]: {m}")))
        }
        _ => Err(structure(file, format!("status[{i}] is not a string"))),
    }
}

fn index_key(file: &str, what: &str, k: &str, total: u64) -> Result<u64, ReadError> {
    k.parse::<u64>().ok().filter(|&i| i < total).ok_or_else(|| {
        structure(
            file,
            format!("{what}: key {k:?} is not a flat index below {total}"),
        )
    })
}

pub(crate) fn open(
    path: &Path,
    file: &str,
    limits: &ReadLimits,
) -> Result<(Header, JsonStatReader), ReadError> {
    let text = read_document(path, file, limits)?;
    // serde_json's default recursion limit (128) stays on: deeper nesting is an error.
    let root: Value = serde_json::from_str(&text).map_err(|e| {
        let msg = e.to_string();
        let msg = msg
            .rsplit_once(" at line ")
            .map_or(msg.as_str(), |(m, _)| m);
        err(
            file,
            e.line() as u64,
            e.column().max(1) as u64,
            format!("not valid JSON: {msg}"),
        )
    })?;
    drop(text);
    let root = root
        .as_object()
        .ok_or_else(|| structure(file, "a JSON-stat dataset is a JSON object"))?;
    if let Some(c) = root.get("class").and_then(Value::as_str)
        && c != "dataset"
    {
        return Err(structure(
            file,
            format!("class {c:?}: only JSON-stat datasets are read"),
        ));
    }
    let ids: Vec<String> = root
        .get("id")
        .and_then(Value::as_array)
        .ok_or_else(|| structure(file, "no \"id\" array: not a JSON-stat 2.0 dataset"))?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect::<Option<_>>()
        .ok_or_else(|| structure(file, "\"id\" holds a non-string"))?;
    let sizes: Vec<u64> = root
        .get("size")
        .and_then(Value::as_array)
        .ok_or_else(|| structure(file, "no \"size\" array"))?
        .iter()
        .map(Value::as_u64)
        .collect::<Option<_>>()
        .ok_or_else(|| structure(file, "\"size\" holds a non-integer"))?;
    if ids.len() != sizes.len() || ids.is_empty() {
        return Err(structure(
            file,
            format!(
                "\"id\" has {} entries and \"size\" {}",
                ids.len(),
                sizes.len()
            ),
        ));
    }
    let mut total: u64 = 1;
    for &s in &sizes {
        total = total
            .checked_mul(s)
            .filter(|&t| t <= u32::MAX as u64)
            .ok_or_else(|| structure(file, "the dataset is too large"))?;
    }
    let dims = root
        .get("dimension")
        .and_then(Value::as_object)
        .ok_or_else(|| structure(file, "no \"dimension\" object"))?;
    let mut codes = Vec::with_capacity(ids.len());
    for (id, &size) in ids.iter().zip(&sizes) {
        let d = dims.get(id).ok_or_else(|| {
            structure(
                file,
                format!("dimension {id:?} is listed in \"id\" but not described"),
            )
        })?;
        codes.push(categories(file, id, d, size)?);
    }
    let role_time = root
        .get("role")
        .and_then(|r| r.get("time"))
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str);
    let time = match role_time {
        Some(t) => ids.iter().position(|i| i == t),
        None => ids
            .iter()
            .position(|i| i.eq_ignore_ascii_case("time") || i == "TIME_PERIOD"),
    }
    .ok_or_else(|| {
        structure(
            file,
            "no time dimension (role.time, or a dimension called time)",
        )
    })?;
    let periods = codes[time]
        .iter()
        .map(|c| {
            normalize_period(c)
                .map_err(|m| structure(file, format!("dimension.{}: {m}", ids[time])))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut strides = vec![1u64; sizes.len()];
    for k in (0..sizes.len().saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * sizes[k + 1];
    }
    let entries = entries(file, root, total, limits.max_observations)?;
    let dimensions: Vec<String> = ids
        .iter()
        .enumerate()
        .filter(|&(k, _)| k != time)
        .map(|(_, id)| id.clone())
        .collect();
    let n = dimensions.len();
    let header = Header {
        format: Format::JsonStat,
        dimensions,
        labelled: vec![false; n],
        codelists: vec![None; n],
        dataset: None,
    };
    Ok((
        header,
        JsonStatReader {
            codes,
            strides,
            time,
            periods,
            entries: entries.into_iter(),
        },
    ))
}

fn entries(
    file: &str,
    root: &Map<String, Value>,
    total: u64,
    max_observations: u64,
) -> Result<Vec<(u64, Option<f64>, Flags)>, ReadError> {
    use std::collections::BTreeMap;
    let mut map: BTreeMap<u64, (Option<f64>, Flags)> = BTreeMap::new();
    let too_many = |map: &BTreeMap<u64, (Option<f64>, Flags)>| -> Result<(), ReadError> {
        if map.len() as u64 > max_observations {
            return Err(structure(
                file,
                format!(
                    "the dataset holds more than the limit of {max_observations} observations; raise stats.max_observations"
                ),
            ));
        }
        Ok(())
    };
    match root.get("value") {
        Some(Value::Array(a)) => {
            if a.len() as u64 != total {
                return Err(structure(
                    file,
                    format!("\"value\" has {} entries where size gives {total}", a.len()),
                ));
            }
            for (i, v) in a.iter().enumerate() {
                if let Some(x) = number(file, i as u64, v)? {
                    map.insert(i as u64, (Some(x), Flags::none()));
                    too_many(&map)?;
                }
            }
        }
        Some(Value::Object(o)) => {
            for (k, v) in o {
                let i = index_key(file, "value", k, total)?;
                map.insert(i, (number(file, i, v)?, Flags::none()));
                too_many(&map)?;
            }
        }
        _ => return Err(structure(file, "no \"value\" array or object")),
    }
    fn set(map: &mut BTreeMap<u64, (Option<f64>, Flags)>, i: u64, f: Flags) {
        if !f.is_empty() {
            map.entry(i).or_insert((None, Flags::none())).1 = f;
        }
    }
    match root.get("status") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => {
            // One status for the whole dataset: it applies to every value.
            let f = status(file, 0, &Value::String(s.clone()))?;
            for entry in map.values_mut() {
                entry.1 = f.clone();
            }
        }
        Some(Value::Array(a)) => {
            if a.len() as u64 != total && a.len() != 1 {
                return Err(structure(
                    file,
                    format!(
                        "\"status\" has {} entries where size gives {total}",
                        a.len()
                    ),
                ));
            }
            if a.len() == 1 && total != 1 {
                let f = status(file, 0, &a[0])?;
                for entry in map.values_mut() {
                    entry.1 = f.clone();
                }
            } else {
                for (i, v) in a.iter().enumerate() {
                    set(&mut map, i as u64, status(file, i as u64, v)?);
                    too_many(&map)?;
                }
            }
        }
        Some(Value::Object(o)) => {
            for (k, v) in o {
                let i = index_key(file, "status", k, total)?;
                set(&mut map, i, status(file, i, v)?);
                too_many(&map)?;
            }
        }
        Some(_) => {
            return Err(structure(
                file,
                "\"status\" is neither a string, an array nor an object",
            ));
        }
    }
    Ok(map
        .into_iter()
        .filter(|(_, (v, f))| v.is_some() || !f.is_empty())
        .map(|(i, (v, f))| (i, v, f))
        .collect())
}

impl JsonStatReader {
    pub fn next_obs(&mut self) -> Option<Result<RawObs, ReadError>> {
        let (idx, value, flags) = self.entries.next()?;
        let mut key = Vec::with_capacity(self.codes.len().saturating_sub(1));
        let mut period = String::new();
        let mut rest = idx;
        for (k, stride) in self.strides.iter().enumerate() {
            let pos = (rest / stride) as usize;
            rest %= stride;
            if k == self.time {
                period = self.periods[pos].clone();
            } else {
                key.push(self.codes[k][pos].clone());
            }
        }
        Some(Ok(RawObs {
            line: idx,
            key,
            period,
            value,
            flags,
        }))
    }
}
