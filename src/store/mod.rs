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

use std::collections::BTreeMap;

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
}

/// A finding this run saw.
#[derive(Debug, Clone, Copy)]
pub struct Sighting<'a> {
    pub fingerprint: &'a str,
    pub rule: &'a str,
    pub subject: &'a str,
    pub label: &'a str,
    pub severity: Severity,
    /// When its open period began: the ledger's first-seen time, or now for a new one.
    pub first_seen: i64,
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

/// An open ledger.
pub struct Store {
    location: Location,
    db: Db,
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
        let r = match &mut self.db {
            Db::Sqlite(db) => db.latest_run(),
            Db::Postgres(db) => db.latest_run(),
        };
        r.map_err(|e| e.into_error(&self.location))
    }

    /// Every finding the ledger holds open.
    pub fn open_findings(&mut self) -> Result<Vec<OpenFinding>, Error> {
        let r = match &mut self.db {
            Db::Sqlite(db) => db.open_findings(),
            Db::Postgres(db) => db.open_findings(),
        };
        r.map_err(|e| e.into_error(&self.location))
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
        let r = match &mut self.db {
            Db::Sqlite(db) => db.record(run, seen, fixed),
            Db::Postgres(db) => db.record(run, seen, fixed),
        };
        r.map_err(|e| e.into_error(&self.location))
    }

    /// The latest `runs` runs and the ledger's open and fixed findings, for trends.
    pub fn history(&mut self, runs: usize, oldest: usize) -> Result<History, Error> {
        let r = match &mut self.db {
            Db::Sqlite(db) => db.history(runs, oldest),
            Db::Postgres(db) => db.history(runs, oldest),
        };
        r.map_err(|e| e.into_error(&self.location))
    }

    /// The incident stage's rows, and the value of `meta` key `mark` (None if unset).
    pub fn incident_rows(
        &mut self,
        mark: &str,
    ) -> Result<(Vec<IncidentRow>, Option<String>), Error> {
        let r = match &mut self.db {
            Db::Sqlite(db) => db.incident_rows(mark),
            Db::Postgres(db) => db.incident_rows(mark),
        };
        r.map_err(|e| e.into_error(&self.location))
    }

    /// Save changes to the incident rows in one transaction.
    pub fn change_incidents(&mut self, changes: &IncidentChanges) -> Result<(), Error> {
        let r = match &mut self.db {
            Db::Sqlite(db) => db.change_incidents(changes),
            Db::Postgres(db) => db.change_incidents(changes),
        };
        r.map_err(|e| e.into_error(&self.location))
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

/// Sightings in fingerprint order, without repeats: two concurrent writers then take row
/// locks in the same order, and a fingerprint is upserted once.
fn ordered<'a, 'b>(seen: &'b [Sighting<'a>]) -> Vec<&'b Sighting<'a>> {
    let mut v: Vec<&Sighting<'a>> = seen.iter().collect();
    v.sort_unstable_by(|a, b| a.fingerprint.cmp(b.fingerprint));
    v.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    v
}
