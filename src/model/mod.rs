//! The model: the values every stage passes along — resources and the kinds of reports
//! they come from, severities, rules, findings and their fingerprints, and the records of
//! tickets and alarms the outputs render. It sits at the bottom of the layers: it knows no
//! vendor format, no output format, no command line, and imports nothing above it.

pub mod decision;
pub mod finding;
pub mod fingerprint;
pub mod incident;
pub mod kind;
pub mod origin;
pub mod resource;
pub mod rule;
pub mod severity;

pub use finding::{Finding, Subject};
pub use kind::ReportKind;
pub use origin::{Input, Report, ReportOrigin, EVIDENCE_MARKER};
pub use resource::{Provider, Resource, ResourceKind};
pub use rule::{Enforcement, Rule};
pub use severity::{Level, Severity};

/// The schema id of the `-o json` result, which a baseline must carry.
pub const RESULT_SCHEMA: &str = "tollgate.result/v1";
