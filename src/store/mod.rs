//! The ledger: every finding tollgate has seen, by fingerprint, with when it was first and
//! last seen and when a run that checked it found it gone; one row per run with its
//! counts; and the incident stage's tickets and alarms. Two backends keep one schema
//! (schema.rs): SQLite, a file beside tollgate.toml (the default), and PostgreSQL, one
//! ledger for many runners.
//!
//! The schema is versioned; migrations run on open, inside a transaction that holds the
//! store's write lock, so two runs opening a new store at once do not both migrate it. A
//! store whose schema is newer than this build knows is refused, never downgraded.
//!
//! Times are Unix milliseconds (UTC). Nothing here knows a policy, a verdict or an output:
//! the verdict decides, and this layer keeps what it is handed.

mod location;
mod postgres;
mod schema;
mod sqlite;

use std::collections::{BTreeMap, HashMap};

pub use location::Location;

use crate::error::Error;
use crate::model::Severity;

/// A finding the ledger holds open: seen, and not yet found fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFinding {
    pub fingerprint: String,
    pub rule: String,
    /// The resource id, or the report kind id for a report-level finding.
    pub subject: String,
    /// A name for people (the resource's name or id).
    pub label: String,
    pub severity: Severity,
    pub first_seen: i64,
    /// The ledger's number for it.
    pub id: i64,
}

/// A finding this run saw.
#[derive(Debug, Clone, Copy)]
pub struct Sighting<'a> {
    pub fingerprint: &'a str,
    pub rule: &'a str,
    pub subject: &'a str,
    pub label: &'a str,
    pub severity: Severity,
}

/// One run as the ledger keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunRow {
    pub at: i64,
    /// `pass`, `fail` or `error`.
    pub status: String,
    /// The run's findings by severity, most severe first ([`Severity::DESCENDING`]).
    pub open: [i64; 5],
    pub new: i64,
    pub fixed: i64,
    pub overdue: i64,
    pub within_sla: i64,
    pub blocking: i64,
}

/// The end of a run's write: its counts and the fingerprints of the findings it fixed.
#[derive(Debug, Clone)]
pub struct Finish {
    pub run: RunRow,
    pub fixed: Vec<String>,
}

/// What `tollgate history` shows: the latest runs (oldest first), mean time to fix per
/// severity, and the oldest open findings.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub runs: Vec<RunRow>,
    /// Per severity with at least one fixed finding: how many were fixed, and the mean
    /// time from first seen to fixed, in milliseconds.
    pub time_to_fix: BTreeMap<Severity, (i64, i64)>,
    /// Open findings in the ledger, by severity.
    pub open: BTreeMap<Severity, i64>,
    pub oldest: Vec<OpenFinding>,
}

/// One row of the incident stage's state: a ticket or an alarm, by group fingerprint, as
/// the JSON the incident stage reads back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRow {
    /// `ticket` or `alarm`.
    pub kind: String,
    pub group: String,
    pub body: String,
}

/// Changes to the incident rows, saved in one transaction.
#[derive(Debug, Clone, Default)]
pub struct IncidentChanges {
    pub put: Vec<IncidentRow>,
    /// (kind, group) of rows to remove.
    pub delete: Vec<(String, String)>,
    /// Set a `meta` key in the same transaction (the one-time import's mark).
    pub mark: Option<(String, String)>,
}

/// Call a method of whichever backend the store is, and name the store in its error.
macro_rules! on_backend {
    ($store:ident, $method:ident($($arg:expr),*)) => {{
        let result = match &mut $store.db {
            Db::Sqlite(db) => db.$method($($arg),*),
            Db::Postgres(db) => db.$method($($arg),*),
        };
        result.map_err(|e| e.into_error(&$store.location))
    }};
}

/// An open ledger.
pub struct Store {
    location: Location,
    db: Db,
    /// The latest run's number when [`Store::open_findings`] last read (`Some(None)`: no
    /// run yet); `None` before any read.
    read_mark: Option<Option<i64>>,
}

enum Db {
    Sqlite(sqlite::Sqlite),
    Postgres(Box<postgres::Postgres>),
}

/// Whether [`Store::open`] may start a new, empty ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// A store that does not exist (or holds no ledger) is an error.
    No,
    /// Make it (and migrate it) when it is not there.
    IfMissing,
}

impl Store {
    /// Open the ledger at `location`, migrating its schema to this build's. Returns the
    /// store and whether this call created the ledger.
    pub fn open(location: &Location, create: Create) -> Result<(Store, bool), Error> {
        let (db, created) = match location {
            Location::Sqlite(path) => {
                let (db, created) =
                    sqlite::Sqlite::open(path, create).map_err(|e| e.into_error(location))?;
                (Db::Sqlite(db), created)
            }
            Location::Postgres(url) => {
                let (db, created) =
                    postgres::Postgres::open(url, create).map_err(|e| e.into_error(location))?;
                (Db::Postgres(Box::new(db)), created)
            }
        };
        Ok((
            Store {
                location: location.clone(),
                db,
                read_mark: None,
            },
            created,
        ))
    }

    /// The store's location for messages (no password).
    pub fn label(&self) -> String {
        self.location.label()
    }

    /// When the latest recorded run happened.
    pub fn latest_run(&mut self) -> Result<Option<i64>, Error> {
        on_backend!(self, latest_run())
    }

    /// Every finding the ledger holds open, in fingerprint order.
    pub fn open_findings(&mut self) -> Result<Vec<OpenFinding>, Error> {
        // The mark first: a run that writes between the two reads makes the mark stale,
        // never the findings newer than it says.
        let mark = on_backend!(self, last_run_id())?;
        let mut open = on_backend!(self, open_findings())?;
        self.read_mark = Some(mark);
        if !open.is_sorted_by(|a, b| a.fingerprint <= b.fingerprint) {
            open.sort_unstable_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
        }
        Ok(open)
    }

    /// Record a run in one transaction: its row, every finding it saw (a new one starts
    /// an open period; a known one moves its last-seen time), and the open findings it
    /// found fixed. Returns the run's id.
    pub fn record(
        &mut self,
        run: &RunRow,
        seen: &[Sighting<'_>],
        fixed: &[&str],
    ) -> Result<i64, Error> {
        let open = self.open_findings()?;
        let finish = Finish {
            run: run.clone(),
            fixed: fixed.iter().map(|f| f.to_string()).collect(),
        };
        let id = self.record_with(run.at, &open, seen, || Some(finish))?;
        id.ok_or_else(|| Failure::new("the run was not written").into_error(&self.location))
    }

    /// [`Store::record`] in two steps within one transaction: the sightings are written
    /// first, then `finish` is called for the run's counts and the findings it fixed, so
    /// that a caller can decide its verdict while the sightings are written. `finish`
    /// returning `None` leaves the ledger as it was. Returns the run's id if it was written.
    ///
    /// `open` is what [`Store::open_findings`] returned earlier: an open finding seen again
    /// is then one write among all of them. A change made since by another run (a finding
    /// it added or fixed) is found and kept right within the transaction.
    pub fn record_with(
        &mut self,
        at: i64,
        open: &[OpenFinding],
        seen: &[Sighting<'_>],
        finish: impl FnOnce() -> Option<Finish>,
    ) -> Result<Option<i64>, Error> {
        let mark = self.read_mark.take();
        on_backend!(self, record_with(at, mark, &plan(open, seen), finish))
    }

    /// Change a recorded run's status (the incident stage can turn a run into `error`
    /// after it was recorded).
    pub fn set_run_status(&mut self, id: i64, status: &str) -> Result<(), Error> {
        on_backend!(self, set_run_status(id, status))
    }

    /// The latest `runs` runs and the ledger's open and fixed findings, for trends.
    pub fn history(&mut self, runs: usize, oldest: usize) -> Result<History, Error> {
        on_backend!(self, history(runs, oldest))
    }

    /// The incident stage's rows, and the value of `meta` key `mark` (None if unset).
    pub fn incident_rows(
        &mut self,
        mark: &str,
    ) -> Result<(Vec<IncidentRow>, Option<String>), Error> {
        on_backend!(self, incident_rows(mark))
    }

    /// Save changes to the incident rows in one transaction.
    pub fn change_incidents(&mut self, changes: &IncidentChanges) -> Result<(), Error> {
        on_backend!(self, change_incidents(changes))
    }
}

/// A backend's failure, before it is told which store it is about.
#[derive(Debug)]
pub(crate) struct Failure {
    reason: String,
    hint: Option<String>,
}

impl Failure {
    fn new(reason: impl Into<String>) -> Self {
        Failure {
            reason: reason.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    fn into_error(self, location: &Location) -> Error {
        Error::Store {
            store: location.label(),
            reason: self.reason,
            hint: self.hint,
        }
    }
}

/// The failure for a store that is not there and may not be made.
fn missing(what: &str) -> Failure {
    Failure::new(format!("{what}, and starting an empty ledger restarts every SLA clock"))
        .hint("create it on purpose with `tollgate state init` (or `tollgate check --init-state`), or restore the store kept from earlier runs")
}

/// The failure for a store migrated by a newer tollgate.
fn too_new(version: i64) -> Failure {
    Failure::new(format!(
        "its schema is version {version}, newer than this tollgate knows ({})",
        schema::VERSION
    ))
    .hint("run a tollgate at least as new as the one that last wrote it; it is never downgraded")
}

fn severity(text: &str) -> Result<Severity, Failure> {
    text.parse()
        .map_err(|e| Failure::new(format!("it holds a finding with an unknown severity: {e}")))
}

/// The index of a severity in [`RunRow::open`].
pub fn severity_index(severity: Severity) -> usize {
    Severity::DESCENDING
        .iter()
        .position(|s| *s == severity)
        .unwrap_or(0)
}

/// How a run's sightings meet the open findings read before its write.
pub(crate) struct Plan<'a> {
    /// Numbers of open findings seen again, ascending.
    again: Vec<i64>,
    /// Open findings seen again under another label or severity than was read.
    describe: Vec<&'a Sighting<'a>>,
    /// Every sighting of an open finding (for when another run wrote since the read).
    matched: Vec<&'a Sighting<'a>>,
    /// Sightings of fingerprints that were not open: new findings, findings fixed before,
    /// and findings another run added since the read; in fingerprint order.
    other: Vec<&'a Sighting<'a>>,
}

fn plan<'a>(open: &[OpenFinding], seen: &'a [Sighting<'a>]) -> Plan<'a> {
    // Both in fingerprint order (the store reads open findings in it), then one walk.
    let mut known: Vec<&OpenFinding> = open.iter().collect();
    if !known.is_sorted_by(|a, b| a.fingerprint <= b.fingerprint) {
        known.sort_unstable_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    }
    let mut known = known.into_iter().peekable();
    let mut plan = Plan {
        again: Vec::with_capacity(open.len().min(seen.len())),
        describe: Vec::new(),
        matched: Vec::new(),
        other: Vec::new(),
    };
    for s in ordered(seen) {
        while known
            .next_if(|f| f.fingerprint.as_str() < s.fingerprint)
            .is_some()
        {}
        match known.peek() {
            Some(f) if f.fingerprint == s.fingerprint => {
                plan.again.push(f.id);
                plan.matched.push(s);
                if f.label != s.label || f.severity != s.severity {
                    plan.describe.push(s);
                }
            }
            _ => plan.other.push(s),
        }
    }
    plan.again.sort_unstable();
    plan
}

/// The sightings of fingerprints that were not open when read, once the ledger's numbers
/// for them are known.
struct Split<'a> {
    /// New findings, with the numbers they get.
    fresh: Vec<(i64, &'a Sighting<'a>)>,
    /// Known findings: fixed before, or added by another run since the read.
    known: Vec<&'a Sighting<'a>>,
    /// Their numbers, ascending.
    back: Vec<i64>,
}

/// Split `other` by `known` (fingerprint to number); new findings are numbered from `next`.
fn split<'a>(other: &[&'a Sighting<'a>], known: &HashMap<String, i64>, mut next: i64) -> Split<'a> {
    let mut split = Split {
        fresh: Vec::with_capacity(other.len() - known.len().min(other.len())),
        known: Vec::new(),
        back: Vec::new(),
    };
    for s in other {
        match known.get(s.fingerprint) {
            Some(&id) => {
                split.known.push(s);
                split.back.push(id);
            }
            None => {
                split.fresh.push((next, s));
                next += 1;
            }
        }
    }
    split.back.sort_unstable();
    split
}

/// Sightings in fingerprint order, without repeats: two concurrent writers then take row
/// locks in the same order, and a fingerprint is upserted once.
fn ordered<'a, 'b>(seen: &'b [Sighting<'a>]) -> Vec<&'b Sighting<'a>> {
    // Sorted by the first 16 bytes as a number, then by the whole text: the same order as
    // comparing the texts, with most comparisons one integer compare.
    let mut v: Vec<(u128, &Sighting<'a>)> =
        seen.iter().map(|s| (prefix(s.fingerprint), s)).collect();
    v.sort_unstable_by(|(ka, a), (kb, b)| {
        ka.cmp(kb).then_with(|| a.fingerprint.cmp(b.fingerprint))
    });
    v.dedup_by(|(_, a), (_, b)| a.fingerprint == b.fingerprint);
    v.into_iter().map(|(_, s)| s).collect()
}

/// The first 16 bytes of a text, big-endian, zero-padded: ordered as the texts are, up to
/// ties between texts that share those bytes.
fn prefix(text: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = text.len().min(16);
    bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sighting(fingerprint: &str) -> Sighting<'_> {
        Sighting {
            fingerprint,
            rule: "R-1",
            subject: "i-1",
            label: "node-1",
            severity: Severity::High,
        }
    }

    #[test]
    fn sightings_are_written_in_text_order_once_each() {
        let texts = [
            "b",
            "a",
            "ab",
            "ab\u{0}",
            "0123456789abcdef1",
            "0123456789abcdef0",
            "",
            "a",
            "zz",
            "0123456789abcdef",
        ];
        let seen: Vec<Sighting<'_>> = texts.iter().map(|t| sighting(t)).collect();
        let got: Vec<&str> = ordered(&seen).iter().map(|s| s.fingerprint).collect();
        let mut want: Vec<&str> = texts.to_vec();
        want.sort_unstable();
        want.dedup();
        assert_eq!(got, want);
    }

    #[test]
    fn a_run_without_its_finish_leaves_the_ledger_as_it_was_and_its_status_can_change() {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::Sqlite(dir.path().join("state.db"));
        let (mut store, created) = Store::open(&location, Create::IfMissing).unwrap();
        assert!(created);
        let dropped = store
            .record_with(1_000, &[], &[sighting("aa")], || None)
            .unwrap();
        assert_eq!(dropped, None);
        assert!(store.open_findings().unwrap().is_empty(), "rolled back");
        assert_eq!(store.latest_run().unwrap(), None);

        let run = RunRow {
            at: 2_000,
            status: "fail".into(),
            open: [0, 1, 0, 0, 0],
            blocking: 1,
            ..RunRow::default()
        };
        let id = store.record(&run, &[sighting("aa")], &[]).unwrap();
        store.set_run_status(id, "error").unwrap();
        let history = store.history(10, 10).unwrap();
        assert_eq!(history.runs.len(), 1);
        assert_eq!(history.runs[0].status, "error");
        assert_eq!(history.runs[0].open, [0, 1, 0, 0, 0]);
        assert_eq!(history.oldest[0].first_seen, 2_000);

        // Seen again later: the first-seen time stays; fixed, then seen again: it restarts.
        let later = RunRow {
            at: 3_000,
            ..run.clone()
        };
        store.record(&later, &[sighting("aa")], &[]).unwrap();
        assert_eq!(store.open_findings().unwrap()[0].first_seen, 2_000);
        let fixing = RunRow {
            at: 4_000,
            ..run.clone()
        };
        store.record(&fixing, &[], &["aa"]).unwrap();
        assert!(store.open_findings().unwrap().is_empty());
        assert_eq!(
            store.history(10, 10).unwrap().time_to_fix[&Severity::High],
            (1, 2_000)
        );
        let back = RunRow { at: 5_000, ..run };
        store.record(&back, &[sighting("aa")], &[]).unwrap();
        assert_eq!(store.open_findings().unwrap()[0].first_seen, 5_000);
    }

    #[test]
    fn a_plan_matches_sightings_to_open_findings_in_any_order() {
        let open_one = |fingerprint: &str, id, label: &str| OpenFinding {
            fingerprint: fingerprint.into(),
            rule: "R-1".into(),
            subject: "i-1".into(),
            label: label.into(),
            severity: Severity::High,
            first_seen: 0,
            id,
        };
        // Not in fingerprint order, as a caller may hand them.
        let open = [
            open_one("cc", 3, "node-1"),
            open_one("aa", 7, "node-1"),
            open_one("bb", 5, "old name"),
        ];
        let seen = [
            sighting("dd"),
            sighting("bb"),
            sighting("aa"),
            sighting("aa"),
            sighting("ab"),
        ];
        let plan = plan(&open, &seen);
        assert_eq!(plan.again, [5, 7]);
        fn names<'a>(v: &[&Sighting<'a>]) -> Vec<&'a str> {
            v.iter().map(|s| s.fingerprint).collect()
        }
        assert_eq!(names(&plan.describe), ["bb"]);
        assert_eq!(names(&plan.other), ["ab", "dd"]);
    }
}
