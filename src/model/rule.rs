//! A rule's metadata, read from a policy's `RULE` constant: what every finding of the rule
//! carries and every output describes.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{ReportKind, ResourceKind, Severity};

/// How a rule's findings may block the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Enforcement {
    /// Blocks at or above `--fail-on` (the default).
    #[default]
    Hard,
    /// Like hard; documents that the rule is expected to be waived case by case.
    Soft,
    /// Never blocks; always reported.
    Advisory,
}

impl Enforcement {
    /// The name used in `RULE.enforcement`.
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Hard => "hard",
            Enforcement::Soft => "soft",
            Enforcement::Advisory => "advisory",
        }
    }
}

/// A rule's metadata, read from its `RULE` constant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub enforcement: Enforcement,
    /// Days a blocking finding of this rule may stay open before it blocks (`RULE.sla_days`);
    /// overrides the `[sla]` days of its severity.
    pub sla_days: Option<u32>,
    /// The resource kinds `check` is called for; empty means every kind.
    pub applies_to: Vec<ResourceKind>,
    pub help: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// Framework controls the rule serves (`RULE.controls`), as `FRAMEWORK:CONTROL`
    /// (`"NIST-800-53-r5:SI-2"`), in the policy's order.
    pub controls: Vec<String>,
    /// The policy file, as found under the policy path.
    pub file: PathBuf,
    /// 1-based line of `const RULE`.
    pub line: u32,
}

impl Rule {
    /// Does the rule look at resources of this kind?
    pub fn applies_to(&self, kind: ResourceKind) -> bool {
        self.applies_to.is_empty() || self.applies_to.contains(&kind)
    }

    /// Does a report of this kind hold resources the rule looks at (so that its
    /// `check_report` runs on it)?
    pub fn reads(&self, kind: ReportKind) -> bool {
        kind.resource_kinds().iter().any(|k| self.applies_to(*k))
    }
}

/// The framework of a control as rules write it: `NIST-800-53-r5` of
/// `NIST-800-53-r5:SI-2` (the whole id when it has no `:`).
pub fn framework_of(control: &str) -> &str {
    control.split_once(':').map_or(control, |(f, _)| f)
}
