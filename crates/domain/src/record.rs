//! What every stored record carries: an id, a version, times and authors.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A record's id: a positive integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(i64);

impl RecordId {
    pub fn new(id: i64) -> Option<RecordId> {
        (id > 0).then_some(RecordId(id))
    }

    pub fn get(&self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for RecordId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for RecordId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        RecordId::new(n).ok_or_else(|| serde::de::Error::custom("ids are positive integers"))
    }
}

/// Who did something: a plain user reference (an e-mail address or a name such as `demo`)
/// until accounts exist.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Actor(String);

impl Actor {
    pub fn parse(input: &str) -> Result<Actor, String> {
        let t = input.trim();
        if t.is_empty() || t.chars().count() > 120 {
            return Err("a user reference has 1 to 120 characters".into());
        }
        if t.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err("a user reference has no spaces or control characters".into());
        }
        Ok(Actor(t.to_string()))
    }

    /// The actor for changes made by Chancery itself (migrations, demo data).
    pub fn system() -> Actor {
        Actor("system".into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Actor {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Actor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Actor::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A stored record: its data plus the bookkeeping every record has.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Record<T> {
    #[schema(value_type = i64)]
    pub id: RecordId,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub created_by: Actor,
    pub updated_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub updated_by: Actor,
    #[serde(flatten)]
    pub data: T,
}

/// One entry of a record's history. `content_hash` is the sha256 of the version's canonical
/// JSON as written; `prev_hash` is the previous version's, so the versions form a chain that a
/// later redaction of a field keeps intact.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct VersionInfo {
    pub version: i64,
    #[schema(value_type = String)]
    pub author: Actor,
    pub created_at: DateTime<Utc>,
    pub content_hash: String,
    pub prev_hash: Option<String>,
}
