//! Reports: the templates headquarters sets (as data, so a changed layout is an edit, not a
//! release), the taskings that send them to posts with due dates, and the clearance state
//! machine a report passes through on its way to publication. Pure rules, no IO.

pub mod clearance;
pub mod document;
pub mod tasking;
pub mod template;

pub use clearance::{
    Compliance, ComplianceStatus, ReportAction, ReportState, compliance, transition,
};
pub use document::{
    BlockSpec, CitedKind, Inherited, ParagraphId, ParagraphKind, Report, ReportCitation,
    ReportParagraph, ReportSection,
};
pub use tasking::{Recurrence, Tasking};
pub use template::{ContentKind, Template, TemplateKey, TemplateSection};
