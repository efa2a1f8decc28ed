//! Time-aware judging from the ledger: how long each finding has been open, and, with
//! SLA days for its severity (`[sla]`) or its rule (`RULE.sla_days`), whether a finding that
//! would block is still within its SLA (reported with its due date, not blocking) or
//! overdue (blocking). Which open findings a run found fixed is decided here too: only
//! those of a rule it loaded, on a subject it read, in a run whose every policy call
//! succeeded.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::model::{Finding, Severity};
use crate::store::OpenFinding;

/// A day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// `[sla]`: days a blocking finding of each severity may stay open. A severity without
/// days blocks at once, as without a ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Sla {
    pub days: BTreeMap<Severity, u32>,
}

impl Sla {
    /// The days that apply to a finding: its rule's own, else its severity's.
    pub fn days_for(&self, finding: &Finding) -> Option<u32> {
        finding
            .rule
            .sla_days
            .or_else(|| self.days.get(&finding.severity).copied())
    }
}

/// What the ledger says of one finding in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Aging {
    /// When its open period began (Unix ms): the ledger's time, or now when it is new.
    pub first_seen: i64,
    /// Whole days from first seen to now.
    pub age_days: i64,
    /// First seen + its SLA days; `None` when no SLA applies to it.
    pub due: Option<i64>,
    /// Not open in the ledger before this run.
    pub new: bool,
    /// Past its due time.
    pub overdue: bool,
}

impl Aging {
    /// Age a finding at `now`, given its first-seen time in the ledger if it was open there.
    pub fn of(finding: &Finding, known: Option<i64>, sla: &Sla, now: i64) -> Aging {
        let first_seen = known.unwrap_or(now).min(now);
        let due = sla
            .days_for(finding)
            .map(|d| first_seen.saturating_add(i64::from(d) * DAY_MS));
        Aging {
            first_seen,
            age_days: (now - first_seen) / DAY_MS,
            due,
            new: known.is_none(),
            overdue: due.is_some_and(|due| now >= due),
        }
    }
}

/// What the ledger gives the verdict: for each of the run's findings, its first-seen
/// time if the ledger held it open; the SLA days; and the open findings the run fixed.
#[derive(Debug, Clone, Default)]
pub struct LedgerView {
    /// The store, for outputs (no password).
    pub store: String,
    /// Index for index with the evaluation's findings.
    pub first_seen: Vec<Option<i64>>,
    pub sla: Sla,
    pub fixed: Vec<OpenFinding>,
}

impl LedgerView {
    /// Match the run's findings to the ledger's open ones. An open finding the run did not
    /// find again is fixed only if the run loaded its rule (`rules`), read its subject
    /// (one of `read`: resource ids and report kind ids), and every policy call succeeded
    /// (`complete`): a call that failed checked nothing.
    pub fn new<'a>(
        store: String,
        sla: Sla,
        open: &[OpenFinding],
        findings: &[Finding],
        rules: &HashSet<&str>,
        read: impl Iterator<Item = &'a str>,
        complete: bool,
    ) -> LedgerView {
        // A fast (seeded) hash: fingerprints are already well-mixed digests, and a large
        // fleet matches every one of them.
        let mut index: HashMap<&str, usize, foldhash::fast::RandomState> =
            HashMap::with_capacity_and_hasher(open.len(), Default::default());
        index.extend(
            open.iter()
                .enumerate()
                .map(|(i, f)| (f.fingerprint.as_str(), i)),
        );
        let mut found = vec![false; open.len()];
        let first_seen = findings
            .iter()
            .map(|f| {
                index.get(f.fingerprint.as_str()).map(|&i| {
                    found[i] = true;
                    open[i].first_seen
                })
            })
            .collect();
        // Usually few are left: only their subjects are looked for among what was read.
        let left: Vec<&OpenFinding> = open
            .iter()
            .zip(&found)
            .filter(|(f, found)| complete && !**found && rules.contains(f.rule.as_str()))
            .map(|(f, _)| f)
            .collect();
        let fixed = if left.is_empty() {
            Vec::new()
        } else {
            let wanted: HashSet<&str> = left.iter().map(|f| f.subject.as_str()).collect();
            let read: HashSet<&str> = read.filter(|s| wanted.contains(s)).collect();
            left.into_iter()
                .filter(|f| read.contains(f.subject.as_str()))
                .cloned()
                .collect()
        };
        LedgerView {
            store,
            first_seen,
            sla,
            fixed,
        }
    }
}

/// The ledger's part of a verdict: the run's new, fixed, overdue and within-SLA counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LedgerSummary {
    pub store: String,
    pub new: usize,
    pub overdue: usize,
    pub within_sla: usize,
    #[serde(skip)]
    pub fixed: Vec<OpenFinding>,
    /// Whether the run was written to the ledger (a replay at an earlier `--now` is not).
    pub recorded: bool,
    /// The ledger's trends after this run, for the HTML page; `None` unless asked for.
    #[serde(skip)]
    pub history: Option<crate::store::History>,
}
