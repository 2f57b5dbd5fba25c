//! Chancery's domain: the types a record is made of, their validation and the rules between
//! them. Parse, don't validate: every type here can only hold a valid value, and input is
//! turned into these types in one place (`input`) that names each bad field.
//!
//! This crate performs no IO and depends on no IO crate.

#[macro_use]
mod macros;

pub mod access;
pub mod account;
pub mod case;
pub mod case_detail;
pub mod case_summary;
pub mod commitment;
pub mod contents;
pub mod country;
pub mod date;
pub mod engagement;
pub mod error;
pub mod fuzzing;
pub mod input;
pub mod marked;
pub mod marking;
pub mod pii;
pub mod policy;
pub mod post;
pub mod quote;
pub mod record;
pub mod redaction;
pub mod report;
pub mod search;
pub mod severity;
pub mod source;
pub mod text;

pub use access::{Action, Decision, Placement, Principal, Resource, ResourceKind, Role, can};
pub use account::{Account, Email};
pub use case::{Case, CaseKind, CaseLink, CaseRelation, CaseStatus, Citation};
pub use contents::Contents;
pub use country::Country;
pub use date::{DatePrecision, FuzzyDate, PartialDate};
pub use engagement::{Engagement, EngagementKind};
pub use error::{FieldError, ValidationErrors};
pub use marked::Marked;
pub use marking::Marking;
pub use policy::{Policy, PolicyArea, PolicyKind, PolicyVersion};
pub use post::{Post, PostKind, PostSlug};
pub use record::{Record, RecordId, UserId, UserRef, VersionInfo};
pub use redaction::{RedactionRequest, RedactionStatus};
pub use source::{Source, SourceKind};
pub use text::{Language, NonEmptyText, WebUrl};
