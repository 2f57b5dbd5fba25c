//! Chancery's domain: the types a record is made of, their validation and the rules between
//! them. Parse, don't validate: every type here can only hold a valid value, and input is
//! turned into these types in one place (`input`) that names each bad field.
//!
//! This crate performs no IO and depends on no IO crate.

pub mod case;
pub mod country;
pub mod date;
pub mod error;
pub mod input;
pub mod marking;
pub mod post;
pub mod record;
pub mod source;
pub mod text;

pub use case::{Case, CaseKind, CaseLink, CaseRelation, CaseStatus, Citation};
pub use country::Country;
pub use date::{DatePrecision, FuzzyDate, PartialDate};
pub use error::{FieldError, ValidationErrors};
pub use marking::Marking;
pub use post::{Post, PostKind, PostSlug};
pub use record::{Actor, Record, RecordId, VersionInfo};
pub use source::{Source, SourceKind};
pub use text::{Language, NonEmptyText, WebUrl};
