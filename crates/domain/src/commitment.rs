//! Content commitments: the hash the system stores for content that may one day be redacted.
//!
//! A plain sha256 of a record's canonical JSON confirms a guess: put the guessed original back
//! in place of `[REDACTED]`, hash, compare. So every redactable text field of a version gets its
//! own random salt, and the content hash is the sha256 of the canonical JSON in which each such
//! field is replaced by its commitment, `sha256("chancery commitment v1" 0 salt text)`. A
//! redaction replaces the text *and* destroys its salt, keeping only the commitment, so the
//! stored hash still verifies and no guess can be tested against it. Build snapshots are
//! committed as a whole the same way (one salt per snapshot, replaced when a redaction rewrites
//! the snapshot).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Bytes of randomness in one salt (128 bits: far beyond guessing).
pub const SALT_BYTES: usize = 16;

/// The prefix a committed field's value takes in the committed form.
const COMMITTED: &str = "commitment:";

/// The commitment to `text` under `salt` (hex): sha256 over a fixed label, the salt and the text.
pub fn commit(salt: &[u8], text: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"chancery commitment v1\0");
    h.update(salt);
    h.update(text.as_bytes());
    hex::encode(h.finalize())
}

/// The salts of one version's committed fields, stored beside its body: a salt (hex) per field
/// path, and for each redacted field only its commitment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Salts {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub salt: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub redacted: BTreeMap<String, String>,
}

impl Salts {
    /// Fresh salts for every string field of `body` that `is_field` accepts (by path:
    /// `title`, `citations[2].quote`), drawn from `random`.
    pub fn fresh(
        body: &Value,
        is_field: impl Fn(&str) -> bool,
        mut random: impl FnMut() -> [u8; SALT_BYTES],
    ) -> Salts {
        let mut salt = BTreeMap::new();
        for (path, _) in string_leaves(body) {
            if is_field(&path) {
                salt.insert(path, hex::encode(random()));
            }
        }
        Salts {
            salt,
            redacted: BTreeMap::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.salt.is_empty() && self.redacted.is_empty()
    }

    /// Reads the stored form; `None` (a row with no committed field) is empty.
    pub fn parse(stored: Option<&str>) -> Result<Salts, String> {
        match stored {
            None => Ok(Salts::default()),
            Some(s) => serde_json::from_str(s).map_err(|e| format!("unreadable salts: {e}")),
        }
    }

    /// The stored form, `None` when there is nothing to store.
    pub fn to_stored(&self) -> Option<String> {
        (!self.is_empty()).then(|| serde_json::to_string(self).expect("salts serialise"))
    }

    /// Redacts the field at `path` whose text was `original`: keeps its commitment, destroys
    /// its salt. A field with no salt (never committed, or already redacted) is left alone.
    pub fn redact(&mut self, path: &str, original: &str) {
        if let Some(s) = self.salt.remove(path) {
            let salt = hex::decode(&s).unwrap_or_default();
            self.redacted
                .insert(path.to_string(), commit(&salt, original));
        }
    }
}

/// Every string in `body` with its path (`a.b`, `list[2].c`), in document order.
pub fn string_leaves(body: &Value) -> Vec<(String, &str)> {
    fn walk<'a>(v: &'a Value, path: &str, out: &mut Vec<(String, &'a str)>) {
        match v {
            Value::String(s) => out.push((path.to_string(), s)),
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    walk(x, &format!("{path}[{i}]"), out);
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, &p, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(body, "", &mut out);
    out
}

/// A field path (`a.b`, `list[2].c`) as a JSON pointer (`/a/b`, `/list/2/c`), so that
/// serde_json's `pointer` and `pointer_mut` find the value.
pub fn pointer(path: &str) -> String {
    let mut out = String::new();
    for part in path.split('.') {
        let (key, index) = part.split_once('[').unwrap_or((part, ""));
        out.push('/');
        out.push_str(&key.replace('~', "~0").replace('/', "~1"));
        if !index.is_empty() {
            out.push('/');
            out.push_str(index.trim_end_matches(']'));
        }
    }
    out
}

/// The value at `path` (`a.b`, `list[2].c`), if there is one.
pub fn value_at_mut<'a>(body: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    body.pointer_mut(&pointer(path))
}

/// The committed form of a body: each salted field replaced by its commitment, each redacted
/// field by the commitment kept for it.
pub fn committed(body: &Value, salts: &Salts) -> Value {
    let mut out = body.clone();
    for (path, salt) in &salts.salt {
        if let Some(v) = value_at_mut(&mut out, path)
            && let Value::String(text) = v
        {
            let salt = hex::decode(salt).unwrap_or_default();
            *v = Value::String(format!("{COMMITTED}{}", commit(&salt, text)));
        }
    }
    for (path, c) in &salts.redacted {
        if let Some(v) = value_at_mut(&mut out, path) {
            *v = Value::String(format!("{COMMITTED}{c}"));
        }
    }
    out
}

/// The content hash of a body under its salts: the sha256 (hex) of its committed form's
/// canonical JSON. With no salts it is the sha256 of the body's canonical JSON.
pub fn content_hash(body: &Value, salts: &Salts) -> String {
    let text = if salts.is_empty() {
        body.to_string()
    } else {
        committed(body, salts).to_string()
    };
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn counter() -> impl FnMut() -> [u8; SALT_BYTES] {
        let mut n = 0u8;
        move || {
            n += 1;
            [n; SALT_BYTES]
        }
    }

    #[test]
    fn a_redaction_keeps_the_hash_and_defeats_a_guess() {
        let body = json!({"title": "A private name", "summary": "Text", "citations": [{"quote": "q", "page": "4"}], "country": "DE"});
        let is_field = |p: &str| ["title", "summary", "citations[0].quote"].contains(&p);
        let mut salts = Salts::fresh(&body, is_field, counter());
        assert_eq!(salts.salt.len(), 3);
        let hash = content_hash(&body, &salts);
        // Without the salt a guess does not reproduce the hash.
        assert_ne!(
            hash,
            hex::encode(Sha256::digest(body.to_string().as_bytes()))
        );
        let mut redacted = body.clone();
        *value_at_mut(&mut redacted, "title").unwrap() = json!("[REDACTED]");
        salts.redact("title", "A private name");
        assert!(!salts.salt.contains_key("title"));
        assert_eq!(
            content_hash(&redacted, &salts),
            hash,
            "the stored hash still verifies"
        );
        // A url is redacted to null: the kept commitment stands in for it all the same.
        let mut nulled = body.clone();
        *value_at_mut(&mut nulled, "summary").unwrap() = Value::Null;
        let mut s2 = Salts::fresh(&body, is_field, counter());
        let h2 = content_hash(&body, &s2);
        s2.redact("summary", "Text");
        assert_eq!(content_hash(&nulled, &s2), h2);
    }

    #[test]
    fn paths_are_json_pointers() {
        assert_eq!(pointer("title"), "/title");
        assert_eq!(pointer("citations[2].quote"), "/citations/2/quote");
        let mut v = json!({"citations": [{"quote": "q"}]});
        assert_eq!(
            value_at_mut(&mut v, "citations[0].quote"),
            Some(&mut json!("q"))
        );
        assert_eq!(value_at_mut(&mut v, "citations[1].quote"), None);
        assert_eq!(value_at_mut(&mut v, "citations[x].quote"), None);
    }

    #[test]
    fn salts_round_trip_and_empty_salts_hash_the_plain_body() {
        let body = json!({"a": "x"});
        let none = Salts::parse(None).unwrap();
        assert_eq!(
            content_hash(&body, &none),
            hex::encode(Sha256::digest(br#"{"a":"x"}"#))
        );
        assert_eq!(none.to_stored(), None);
        let s = Salts::fresh(&body, |_| true, counter());
        assert_eq!(Salts::parse(s.to_stored().as_deref()).unwrap(), s);
        assert!(Salts::parse(Some("{")).is_err());
    }
}
