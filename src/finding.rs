//! What policies produce: findings with a rule, a subject, a severity and a message.
//! The policy stage builds these; the verdict and the outputs only read them.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::policy::Rule;
use crate::report::ReportKind;
use crate::resource::Resource;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Every severity, most severe first (the order outputs list them in).
    pub const DESCENDING: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The name used in policies, flags and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::DESCENDING
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a severity (critical, high, medium, low, info)"))
    }
}

/// `deny` findings can block the gate; `warn` findings never do (unless `--strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Deny,
    Warn,
}

/// What a finding is about: one resource, or a report as a whole (`check_report`).
#[derive(Debug, Clone)]
pub enum Subject {
    Resource(Arc<Resource>),
    Report { kind: ReportKind, name: Arc<str> },
}

impl Subject {
    /// The identity used in fingerprints: the resource id, or the report kind id.
    pub fn id(&self) -> &str {
        match self {
            Subject::Resource(r) => &r.id,
            Subject::Report { kind, .. } => kind.id(),
        }
    }

    /// A short name for people.
    pub fn label(&self) -> String {
        match self {
            Subject::Resource(r) => r.label().to_string(),
            Subject::Report { kind, name } => format!("{kind} report {name}"),
        }
    }

    /// A description for error messages: what, which, and where.
    pub fn describe(&self) -> String {
        match self {
            Subject::Resource(r) => {
                let o = &r.origin;
                let name = match r.name.as_deref() {
                    Some(n) if !n.is_empty() && n != r.id => format!(" ({n})"),
                    _ => String::new(),
                };
                format!(
                    "{} {}{name} at {}:{}:{}",
                    r.kind(),
                    r.id,
                    o.file,
                    o.line,
                    o.column
                )
            }
            Subject::Report { kind, name } => format!("the {kind} report {name}"),
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
    /// See [`crate::fingerprint`].
    pub fingerprint: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Info < Severity::Low);
        assert_eq!("medium".parse::<Severity>(), Ok(Severity::Medium));
        assert!("severe"
            .parse::<Severity>()
            .unwrap_err()
            .contains("critical, high"));
        assert!("High".parse::<Severity>().is_err(), "names are lowercase");
    }
}
