//! The incident state file: which ticket each group got and which alarms are raised, so
//! the next run neither opens a duplicate ticket nor forgets to clear an alarm.
//!
//! ```json
//! {"tollgate_incidents": 1,
//!  "tickets": {"<group fingerprint>": {"incident_num": "IM…", "label": "rule PATCH-001",
//!              "title": "…", "status": "INCIDENT_STATUS_TRIGGERED",
//!              "opened_at": "…", "checked_at": "…"}},
//!  "alarms": {"<group fingerprint>": {"group": "rule:PATCH-001", "label": "…", "alarm_name": "…", "alarm_level": "Critical",
//!             "resource_id": "…", "resource_name": "…", "raised_at": "…"}}}
//! ```
//!
//! A missing file is an empty state. A file that cannot be read or parsed is an error, not
//! an empty state: guessing would open a duplicate of every open ticket. The file is
//! replaced atomically, so an interrupted run leaves the old one whole.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::store::{IncidentChanges, IncidentRow, Store};

/// The version this build reads and writes.
pub(crate) const VERSION: u32 = 1;

/// Ticket statuses after which a breach gets a new ticket.
pub(crate) const CLOSED: [&str; 2] = ["INCIDENT_STATUS_COMPLETED", "INCIDENT_STATUS_REJECTED"];

/// Everything remembered between runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct State {
    #[serde(rename = "tollgate_incidents")]
    pub version: u32,
    #[serde(default)]
    pub tickets: BTreeMap<String, Ticket>,
    #[serde(default)]
    pub alarms: BTreeMap<String, Alarm>,
}

impl Default for State {
    fn default() -> Self {
        State {
            version: VERSION,
            tickets: BTreeMap::new(),
            alarms: BTreeMap::new(),
        }
    }
}

/// A ticket tollgate opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Ticket {
    pub incident_num: String,
    /// The group, for people reading the file.
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub title: String,
    /// The status COC last reported; `None` until first looked up.
    #[serde(default)]
    pub status: Option<String>,
    pub opened_at: String,
    #[serde(default)]
    pub checked_at: Option<String>,
}

impl Ticket {
    /// Completed or rejected: a breach after that gets a new ticket.
    pub(crate) fn is_closed(&self) -> bool {
        self.status.as_deref().is_some_and(|s| CLOSED.contains(&s))
    }
}

/// An alarm tollgate raised and has not cleared; enough of it to send the "ok".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Alarm {
    /// What the group is made of (`rule:ID`, `resource:ID`, `run:all`): the alarm is
    /// cleared only by a run that checked it.
    pub group: String,
    #[serde(default)]
    pub label: String,
    pub alarm_name: String,
    pub alarm_level: String,
    #[serde(default)]
    pub resource_id: Option<String>,
    #[serde(default)]
    pub resource_name: Option<String>,
    pub raised_at: String,
}

/// Where the state is kept: its own JSON file, or the ledger's store (when the run keeps a
/// ledger), into which an existing file is imported once.
pub(crate) enum Keeper<'a> {
    File(&'a Path),
    Store {
        store: &'a mut Store,
        /// The JSON file of earlier runs, imported on first use.
        file: &'a Path,
    },
}

/// The `meta` key that marks the file as imported.
const IMPORTED: &str = "incidents_imported";

impl Keeper<'_> {
    /// Where the state is, for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Keeper::File(path) => path.display().to_string(),
            Keeper::Store { store, .. } => format!("the ledger {}", store.label()),
        }
    }

    /// The state, and whether there was one.
    pub(crate) fn load(&mut self) -> Result<(State, bool), Error> {
        let (store, file) = match self {
            Keeper::File(path) => return load(path),
            Keeper::Store { store, file } => (store, *file),
        };
        let (rows, imported) = store.incident_rows(IMPORTED)?;
        if imported.is_none() {
            // Once: the file's tickets and alarms move into the store; the file stays.
            let (state, existed) = load(file)?;
            let mut changes = diff(&State::default(), &state)?;
            changes.mark = Some((IMPORTED.into(), file.display().to_string()));
            store.change_incidents(&changes)?;
            if existed {
                eprintln!(
                    "tollgate: imported the incident state of {} into the ledger {}; the file is no longer read",
                    file.display(),
                    store.label()
                );
            }
            return Ok((state, existed));
        }
        let mut state = State::default();
        for row in rows {
            let bad = |e: serde_json::Error| Error::Store {
                store: store.label(),
                reason: format!("its incident {} {} is not valid: {e}", row.kind, row.group),
                hint: None,
            };
            match row.kind.as_str() {
                "ticket" => {
                    state.tickets.insert(
                        row.group.clone(),
                        serde_json::from_str(&row.body).map_err(bad)?,
                    );
                }
                _ => {
                    state.alarms.insert(
                        row.group.clone(),
                        serde_json::from_str(&row.body).map_err(bad)?,
                    );
                }
            }
        }
        Ok((state, true))
    }

    /// Save `next`, which was `previous`: the file is replaced, the store's changed rows
    /// are written in one transaction.
    pub(crate) fn save(&mut self, previous: &State, next: &State) -> Result<(), Error> {
        match self {
            Keeper::File(path) => save(path, next),
            Keeper::Store { store, .. } => store.change_incidents(&diff(previous, next)?),
        }
    }
}

/// The rows that differ between two states.
fn diff(previous: &State, next: &State) -> Result<IncidentChanges, Error> {
    let mut changes = IncidentChanges::default();
    diff_rows("ticket", &previous.tickets, &next.tickets, &mut changes)?;
    diff_rows("alarm", &previous.alarms, &next.alarms, &mut changes)?;
    Ok(changes)
}

/// One kind's rows: the ones new or changed in `next` are put, the ones gone are deleted.
fn diff_rows<T: Serialize + PartialEq>(
    kind: &str,
    previous: &BTreeMap<String, T>,
    next: &BTreeMap<String, T>,
    changes: &mut IncidentChanges,
) -> Result<(), Error> {
    for (group, value) in next {
        if previous.get(group) != Some(value) {
            changes.put.push(IncidentRow {
                kind: kind.into(),
                group: group.clone(),
                body: body(value)?,
            });
        }
    }
    for group in previous.keys().filter(|g| !next.contains_key(*g)) {
        changes.delete.push((kind.into(), group.clone()));
    }
    Ok(())
}

/// A ticket or an alarm as its row's JSON.
fn body<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Config {
        reason: format!("cannot write the incident state: {e}"),
        hint: None,
    })
}

/// Read the state, and whether the file existed.
pub(crate) fn load(path: &Path) -> Result<(State, bool), Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((State::default(), false)),
        Err(source) => {
            return Err(Error::Read {
                what: "incident state",
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let state: State = serde_json::from_str(&text).map_err(|e| Error::IncidentState {
        path: path.to_path_buf(),
        reason: format!("{e}"),
    })?;
    if state.version != VERSION {
        return Err(Error::IncidentState {
            path: path.to_path_buf(),
            reason: format!(
                "it is version {}, and this tollgate reads version {VERSION}",
                state.version
            ),
        });
    }
    Ok((state, true))
}

/// Can the state file be written? Its directory is created if need be and a temporary
/// file is made (and removed) beside it, as [`save`] will do.
pub(crate) fn writable(path: &Path) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .and_then(|()| {
            tempfile::Builder::new()
                .prefix(".tollgate-")
                .tempfile_in(dir)
                .map(drop)
        })
        .map_err(|source| Error::Write {
            what: "incident state".into(),
            path: path.to_path_buf(),
            source,
        })
}

/// Replace the state file atomically.
pub(crate) fn save(path: &Path, state: &State) -> Result<(), Error> {
    crate::fsx::write_atomically(path, |out| {
        serde_json::to_writer_pretty(&mut *out, state).map_err(std::io::Error::other)?;
        out.write_all(b"\n")
    })
    .map_err(|source| Error::Write {
        what: "incident state".into(),
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_what_it_cannot_trust() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/incidents.json");
        let (empty, existed) = load(&path).unwrap();
        assert!(!existed);
        assert_eq!(empty, State::default());

        let mut state = State::default();
        state.tickets.insert(
            "fp".into(),
            Ticket {
                incident_num: "IM1".into(),
                label: "rule A".into(),
                title: "t".into(),
                status: Some("INCIDENT_STATUS_COMPLETED".into()),
                opened_at: "2026-11-23T12:00:00Z".into(),
                checked_at: None,
            },
        );
        save(&path, &state).unwrap();
        let (back, existed) = load(&path).unwrap();
        assert!(existed);
        assert_eq!(back, state);
        assert!(back.tickets["fp"].is_closed());

        std::fs::write(&path, "{\"tollgate_incidents\": 1, \"tickets\": {").unwrap();
        let err = load(&path).unwrap_err();
        assert!(matches!(err, Error::IncidentState { .. }), "{err:?}");
        std::fs::write(&path, "{\"tollgate_incidents\": 2}").unwrap();
        assert!(load(&path)
            .unwrap_err()
            .to_string()
            .contains("incident state"));
    }

    #[test]
    fn the_file_is_imported_into_the_ledger_once_and_changes_are_saved_by_row() {
        use crate::store::{Create, Location, Store};
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("incidents.json");
        let mut state = State::default();
        state.tickets.insert(
            "fp1".into(),
            Ticket {
                incident_num: "IM1".into(),
                label: "rule A".into(),
                title: "t".into(),
                status: None,
                opened_at: "2026-11-23T12:00:00Z".into(),
                checked_at: None,
            },
        );
        save(&file, &state).unwrap();
        let location = Location::Sqlite(dir.path().join("state.db"));
        let (mut store, _) = Store::open(&location, Create::IfMissing).unwrap();
        let mut keeper = Keeper::Store {
            store: &mut store,
            file: &file,
        };
        let (loaded, existed) = keeper.load().unwrap();
        assert!(existed);
        assert_eq!(loaded, state, "imported");

        // Once imported, the file is no longer read: a change to it is not seen.
        save(&file, &State::default()).unwrap();
        let (again, _) = keeper.load().unwrap();
        assert_eq!(again, state, "read from the store");

        // A saved change is a change of rows: the ticket closes, an alarm is raised.
        let mut next = again.clone();
        next.tickets.get_mut("fp1").unwrap().status = Some(CLOSED[0].into());
        next.alarms.insert(
            "fp2".into(),
            Alarm {
                group: "rule:B".into(),
                label: "rule B".into(),
                alarm_name: "a".into(),
                alarm_level: "Critical".into(),
                resource_id: None,
                resource_name: None,
                raised_at: "2026-11-24T12:00:00Z".into(),
            },
        );
        keeper.save(&again, &next).unwrap();
        let (back, _) = keeper.load().unwrap();
        assert_eq!(back, next);
        // Clearing the alarm deletes its row.
        let mut cleared = next.clone();
        cleared.alarms.clear();
        keeper.save(&next, &cleared).unwrap();
        assert_eq!(keeper.load().unwrap().0, cleared);
    }
}
