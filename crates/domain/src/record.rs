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

/// An account's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserId(pub i64);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Who did something, as a record shows it: the account's id and display name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub struct UserRef {
    pub id: i64,
    pub name: String,
}

impl std::fmt::Display for UserRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// A stored record: its data plus the bookkeeping every record has.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Record<T> {
    #[schema(value_type = i64)]
    pub id: RecordId,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: UserRef,
    pub updated_at: DateTime<Utc>,
    pub updated_by: UserRef,
    /// sha256 of the current version's canonical JSON as written.
    pub content_hash: String,
    #[serde(flatten)]
    pub data: T,
}

/// One entry of a record's history. `content_hash` is the sha256 of the version's canonical
/// JSON as written; `prev_hash` is the previous version's, so the versions form a chain that a
/// later redaction of a field keeps intact.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct VersionInfo {
    pub version: i64,
    pub author: UserRef,
    pub created_at: DateTime<Utc>,
    pub content_hash: String,
    pub prev_hash: Option<String>,
}
