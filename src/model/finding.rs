//! What policies produce: findings with a rule, a subject, a severity and a message.
//! The policy stage builds these; the verdict and the outputs only read them.

use std::sync::Arc;

use super::{Level, ReportKind, ReportOrigin, Resource, Rule, Severity};

/// What a finding is about: one resource, or a report as a whole (`check_report`).
#[derive(Debug, Clone)]
pub enum Subject {
    Resource(Arc<Resource>),
    Report {
        kind: ReportKind,
        origin: ReportOrigin,
    },
}

impl Subject {
    /// The identity used in fingerprints: the resource id, or the report kind id.
    pub fn id(&self) -> &str {
        match self {
            Subject::Resource(r) => r.id(),
            Subject::Report { kind, .. } => kind.id(),
        }
    }

    /// A short name for people.
    pub fn label(&self) -> String {
        match self {
            Subject::Resource(r) => r.label().to_string(),
            Subject::Report { kind, origin: name } => format!("{kind} report {name}"),
        }
    }

    /// A description for error messages: what, which, and where.
    pub fn describe(&self) -> String {
        match self {
            Subject::Resource(r) => {
                let o = &r.origin;
                let name = match r.name() {
                    Some(n) if !n.is_empty() && n != r.id() => format!(" ({n})"),
                    _ => String::new(),
                };
                format!(
                    "{} {}{name} at {}:{}:{}",
                    r.kind(),
                    r.id(),
                    o.file(),
                    o.line,
                    o.column
                )
            }
            Subject::Report { kind, origin: name } => format!("the {kind} report {name}"),
        }
    }
}

/// One finding of one rule on one subject.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: Arc<Rule>,
    pub severity: Severity,
    pub level: Level,
    pub message: String,
    pub subject: Subject,
    /// Extra data the policy attached (`properties`).
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// The `key` the policy gave to tell several findings on one resource apart.
    pub key: Option<String>,
    /// See [`super::fingerprint`].
    pub fingerprint: String,
}
