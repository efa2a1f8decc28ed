//! tollgate: a policy-as-code compliance gate.
pub mod error;
pub mod finding;
pub mod fingerprint;
pub mod policy;
pub mod report;
pub mod resource;
