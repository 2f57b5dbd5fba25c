//! Reading untyped input (a JSON object, or an HTML form turned into one) into domain types,
//! collecting one error per bad field with its full path.

use crate::error::FieldError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Members a client may send back unchanged from a GET; they are set by the system and ignored.
pub const READ_ONLY: [&str; 7] = [
    "id",
    "version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "flags",
];

/// Reads the members of one JSON object, remembering which were read, and collects errors.
pub struct ObjectReader<'a> {
    obj: &'a Map<String, Value>,
    prefix: String,
    read: Vec<&'static str>,
    pub errors: Vec<FieldError>,
}

impl<'a> ObjectReader<'a> {
    /// A reader over `value`, which must be an object; `prefix` is its path (`""` at the top).
    pub fn new(value: &'a Value, prefix: &str) -> Result<ObjectReader<'a>, FieldError> {
        match value {
            Value::Object(obj) => Ok(ObjectReader {
                obj,
                prefix: prefix.to_string(),
                read: Vec::new(),
                errors: Vec::new(),
            }),
            other => Err(if prefix.is_empty() {
                FieldError::general(format!("expected a JSON object, got {}", kind_of(other)))
            } else {
                FieldError::new(
                    prefix,
                    format!("expected an object, got {}", kind_of(other)),
                )
            }),
        }
    }

    pub fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    pub fn error(&mut self, key: &str, reason: impl Into<String>) {
        let p = self.path(key);
        self.errors.push(FieldError::new(p, reason));
    }

    /// The member, or `None` when absent or null.
    pub fn value(&mut self, key: &'static str) -> Option<&'a Value> {
        self.read.push(key);
        match self.obj.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    /// An optional string member; an empty string counts as absent.
    pub fn opt_str(&mut self, key: &'static str) -> Option<&'a str> {
        match self.value(key) {
            None => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(other) => {
                let reason = format!("expected a string, got {}", kind_of(other));
                self.error(key, reason);
                None
            }
        }
    }

    /// A required string member.
    pub fn req_str(&mut self, key: &'static str) -> Option<&'a str> {
        let present = matches!(self.obj.get(key), Some(Value::String(_)));
        let v = self.opt_str(key);
        if v.is_none() && (present || !self.obj.contains_key(key) || self.obj[key].is_null()) {
            self.error(key, "is required");
        }
        v
    }

    /// An optional member parsed from a string by `parse`.
    pub fn opt_parsed<T>(
        &mut self,
        key: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let s = self.opt_str(key)?;
        match parse(s) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.error(key, reason);
                None
            }
        }
    }

    /// A required member parsed from a string by `parse`.
    pub fn req_parsed<T>(
        &mut self,
        key: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let s = self.req_str(key)?;
        match parse(s) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.error(key, reason);
                None
            }
        }
    }

    /// A boolean member (`true`/`false`; from forms also `"on"`, `"true"`, `"false"`).
    pub fn bool_or(&mut self, key: &'static str, default: bool) -> bool {
        match self.value(key) {
            None => default,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) if s == "on" || s == "true" => true,
            Some(Value::String(s)) if s == "false" || s.is_empty() => false,
            Some(other) => {
                let reason = format!("expected true or false, got {}", kind_of(other));
                self.error(key, reason);
                default
            }
        }
    }

    /// A positive integer member (a JSON number, or a string of digits from a form).
    pub fn opt_id(&mut self, key: &'static str) -> Option<i64> {
        let v = self.value(key)?;
        let n = match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) if s.trim().is_empty() => return None,
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if n > 0 => Some(n),
            _ => {
                self.error(
                    key,
                    format!("expected a positive integer id, got {}", describe(v)),
                );
                None
            }
        }
    }

    /// An optional array member; each element is handed to `each` with its path.
    pub fn array(&mut self, key: &'static str) -> Vec<(String, &'a Value)> {
        match self.value(key) {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let base = self.path(key);
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{base}[{i}]"), v))
                    .collect()
            }
            Some(other) => {
                let reason = format!("expected an array, got {}", kind_of(other));
                self.error(key, reason);
                Vec::new()
            }
        }
    }

    /// Reports members that are neither read nor read-only, then returns all errors.
    pub fn finish(mut self) -> Vec<FieldError> {
        let unknown: Vec<String> = self
            .obj
            .keys()
            .filter(|k| !self.read.contains(&k.as_str()) && !READ_ONLY.contains(&k.as_str()))
            .cloned()
            .collect();
        for k in unknown {
            self.error(&k, "unknown field");
        }
        self.errors
    }
}

pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) => n.to_string(),
        other => kind_of(other).to_string(),
    }
}

/// Turns HTML form pairs into a JSON object. Names with paths (`citations[0].source_id`,
/// `date.precision`) become nested members; every value stays a string (empty ones are
/// dropped), and the domain parsers accept strings wherever a form can only send one.
/// Rows of an array keep their order; empty rows disappear and the rest close up, so a form
/// re-rendered from the result numbers its rows as the errors do.
pub fn form_to_json(pairs: &[(String, String)]) -> Value {
    let mut root = Node::Obj(BTreeMap::new());
    for (name, value) in pairs {
        if value.trim().is_empty() {
            continue;
        }
        let segments = split_path(name);
        if segments.is_empty() {
            continue;
        }
        let mut node = &mut root;
        for (i, seg) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            let fresh = || {
                if last {
                    Node::Leaf(value.clone())
                } else {
                    match segments[i + 1] {
                        Segment::Key(_) => Node::Obj(BTreeMap::new()),
                        Segment::Index(_) => Node::Arr(BTreeMap::new()),
                    }
                }
            };
            node = match (node, seg) {
                (Node::Obj(m), Segment::Key(k)) => m.entry(k.clone()).or_insert_with(fresh),
                (Node::Arr(m), Segment::Index(n)) => m.entry(*n).or_insert_with(fresh),
                // A name that clashes with an earlier one's shape is ignored.
                _ => break,
            };
            if last {
                *node = Node::Leaf(value.clone());
            }
        }
    }
    root.into_json()
}

enum Node {
    Leaf(String),
    Obj(BTreeMap<String, Node>),
    Arr(BTreeMap<usize, Node>),
}

impl Node {
    fn into_json(self) -> Value {
        match self {
            Node::Leaf(s) => Value::String(s),
            Node::Obj(m) => Value::Object(m.into_iter().map(|(k, v)| (k, v.into_json())).collect()),
            Node::Arr(m) => Value::Array(m.into_values().map(Node::into_json).collect()),
        }
    }
}

enum Segment {
    Key(String),
    Index(usize),
}

/// `a.b[2].c` into `a`, `b`, `2`, `c`. Indices are capped: a form has a handful of rows.
fn split_path(name: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for part in name.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(open) => (&part[..open], &part[open..]),
            None => (part, ""),
        };
        if key.is_empty() {
            return Vec::new();
        }
        out.push(Segment::Key(key.to_string()));
        while let (true, Some(close)) = (rest.starts_with('['), rest.find(']')) {
            match rest[1..close].parse::<usize>() {
                Ok(n) if n < 100 => out.push(Segment::Index(n)),
                _ => return Vec::new(),
            }
            rest = &rest[close + 1..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn forms_nest_and_drop_empty_rows() {
        let v = form_to_json(&pairs(&[
            ("title", "T"),
            ("date.precision", "day"),
            ("date.date", "2023-11-28"),
            ("citations[0].source_id", "1"),
            ("citations[0].page", ""),
            ("citations[1].source_id", ""),
            ("citations[2].source_id", "2"),
            ("verified", "on"),
        ]));
        assert_eq!(
            v,
            json!({"title": "T", "date": {"precision": "day", "date": "2023-11-28"},
                   "citations": [{"source_id": "1"}, {"source_id": "2"}], "verified": "on"})
        );
    }

    #[test]
    fn reader_names_unknown_and_mistyped_fields() {
        let v = json!({"title": 3, "extra": true, "id": 9});
        let mut r = ObjectReader::new(&v, "").unwrap();
        assert!(r.req_str("title").is_none());
        let errors = r.finish();
        let fields: Vec<_> = errors.iter().map(|e| e.field.clone().unwrap()).collect();
        assert_eq!(fields, vec!["title", "extra"]);
    }
}
