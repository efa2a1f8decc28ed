//! Where a report came from: a file the user named, standard input, or a live source's
//! evidence. Outputs ask it whether there is a file a CI system can open (SARIF and GitHub
//! locations); people see its name (`path`, `<stdin>`, `source:NAME`).

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use super::resource::{RawJson, Resource, Text};
use super::ReportKind;

/// How a live source's evidence is named: `source:NAME`.
pub const LIVE_PREFIX: &str = "source:";

/// Where a report came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReportOrigin {
    /// A file, by the path as the user gave it.
    File(Arc<str>),
    /// Standard input (`-r -`), shown as `<stdin>`.
    Stdin,
    /// A live source's evidence, fetched by this run or saved by `tollgate fetch`, by the
    /// name it is shown under: `source:NAME`, and `source:NAME/PART` for a part of it (a
    /// node's patch list, a downloaded spreadsheet).
    Live(Arc<str>),
    /// No place at all: a name a policy test gave (`resource: "id"` in `tollgate test`,
    /// kept as given), or none.
    Named(Arc<str>),
}

impl ReportOrigin {
    /// The evidence of the live source `name`.
    pub fn live(name: &str) -> Self {
        ReportOrigin::Live(format!("{LIVE_PREFIX}{name}").into())
    }

    /// A report recorded in an evidence file under `name` (`source:NAME`, as `tollgate
    /// fetch` wrote it): live evidence, named as it was when fetched.
    pub fn recorded(name: &str) -> Self {
        ReportOrigin::Live(name.into())
    }

    /// A part of this report's evidence, named `NAME/PART`: a node's patch list, the
    /// spreadsheet a compliance pack points at.
    pub fn part(&self, part: &str) -> Self {
        let name: Arc<str> = format!("{}/{part}", self.name()).into();
        match self {
            ReportOrigin::File(_) => ReportOrigin::File(name),
            ReportOrigin::Stdin | ReportOrigin::Live(_) => ReportOrigin::Live(name),
            ReportOrigin::Named(_) => ReportOrigin::Named(name),
        }
    }

    /// The name people see.
    pub fn name(&self) -> &str {
        match self {
            ReportOrigin::File(path) | ReportOrigin::Live(path) | ReportOrigin::Named(path) => path,
            ReportOrigin::Stdin => "<stdin>",
        }
    }

    /// Is it a file a CI system can open? Not standard input, and not a live source, whose
    /// evidence was never a file in the workspace.
    pub fn is_file(&self) -> bool {
        matches!(self, ReportOrigin::File(path) if !path.is_empty())
    }
}

impl fmt::Display for ReportOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Serialized as the name people see.
impl Serialize for ReportOrigin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The text of one report and where it came from.
#[derive(Debug, Clone)]
pub struct Input {
    pub origin: ReportOrigin,
    pub text: Text,
}

/// A loaded report: its kind, where it came from, and its resources in document order.
/// The report stage builds it; policies, the verdict and the outputs read it.
#[derive(Debug)]
pub struct Report {
    pub kind: ReportKind,
    /// Where the report came from (its name is what people see).
    pub origin: ReportOrigin,
    /// The total the API declared (`count`), where it declares one.
    pub declared: Option<u64>,
    /// When the evidence was fetched (Unix ms), when known.
    pub fetched_at: Option<i64>,
    pub resources: Vec<Arc<Resource>>,
    /// The report-level `results` object of a Huawei Config summary.
    pub results: Option<RawJson>,
    /// The whole document.
    pub raw: RawJson,
}

/// The key that marks the evidence file `tollgate fetch` writes (the live sources write
/// it, the report stage reads it); it comes first in the file, so it is found without
/// parsing the whole document.
pub const EVIDENCE_MARKER: &str = "tollgate_evidence";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_files() {
        let file = ReportOrigin::File("evidence/coc.json".into());
        assert_eq!(file.name(), "evidence/coc.json");
        assert!(file.is_file());
        assert_eq!(ReportOrigin::Stdin.name(), "<stdin>");
        assert!(!ReportOrigin::Stdin.is_file());
        let live = ReportOrigin::live("coc-prod");
        assert_eq!(live.to_string(), "source:coc-prod");
        assert!(!live.is_file());
        assert_eq!(live.part("items/i-3").name(), "source:coc-prod/items/i-3");
        assert!(!live.part("x").is_file());
        // A file named like a source is still a file: the type says so, not the name.
        assert!(ReportOrigin::File("source:odd.json".into()).is_file());
        assert_eq!(
            serde_json::to_string(&ReportOrigin::recorded("source:a")).unwrap(),
            "\"source:a\""
        );
    }
}
