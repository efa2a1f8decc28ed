//! The SQLite backend: one file, in WAL mode so that readers never wait for a writer, with
//! a busy timeout so that two gates writing at once take turns instead of failing. Every
//! write is one `BEGIN IMMEDIATE` transaction: the write lock is taken before anything is
//! read, so two writers never deadlock upgrading a read lock.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use rusqlite::types::Value;
use rusqlite::vtab::array::{self, Array};
use rusqlite::{
    params, Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior,
};

use super::schema::{self, VERSION};
use super::{
    missing, severity, split, Create, Failure, Finish, History, IncidentChanges, IncidentRow,
    OpenFinding, Plan, RunRow,
};

/// SQLite's words for the migrations' placeholders.
const SPELLING: schema::Spelling = schema::Spelling {
    id: "INTEGER",
    key: "INTEGER",
    norowid: " WITHOUT ROWID",
};

/// How long a writer waits for another to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

pub(crate) struct Sqlite {
    conn: Connection,
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        let reason = e.to_string();
        let corrupt = matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
        );
        let failure = Failure::new(reason);
        if corrupt {
            failure.hint("the file is damaged or is not a ledger: restore it from the copy kept between runs; to start afresh on purpose, move it away and run `tollgate state init`")
        } else {
            failure
        }
    }
}

impl Sqlite {
    pub(crate) fn open(path: &Path, create: Create) -> Result<(Self, bool), Failure> {
        let exists = path.exists();
        if !exists && create == Create::No {
            return Err(missing("the ledger file does not exist"));
        }
        if !exists {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Failure::new(format!(
                        "cannot create its directory {}: {e}",
                        dir.display()
                    ))
                })?;
            }
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create == Create::IfMissing {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        array::load_module(&conn)?;
        // WAL survives in the file; asking again on every open is cheap. NORMAL syncs at
        // checkpoints: in WAL mode a crash of the process loses no committed run.
        let mode = wal_mode(&conn)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Failure::new(format!(
                "it cannot be put in WAL mode (it stays in {mode} mode), which concurrent runs need"
            )));
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A run rewrites many pages at once: room for them in memory (taken as needed).
        conn.pragma_update(None, "cache_size", -64 * 1024)?;
        // The WAL is copied into the file here, on the thread that opens the ledger while
        // the reports parse, rather than at the end of the run's write, where the gate
        // waits for it. At most one run's pages wait in the WAL between runs.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        let mut db = Sqlite { conn };
        let created = db.migrate(create)?;
        Ok((db, created))
    }

    /// Bring the schema up to this build's version; true if the ledger was new.
    fn migrate(&mut self, create: Create) -> Result<bool, Failure> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let has_table: bool = tx
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'tollgate_schema'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)?;
        if !has_table && create == Create::No {
            return Err(missing("the file holds no ledger"));
        }
        tx.execute_batch(schema::VERSION_TABLE)?;
        let version: Option<i64> = tx
            .query_row("SELECT version FROM tollgate_schema", [], |r| r.get(0))
            .optional()?;
        let current = version.unwrap_or(0);
        let pending = schema::pending(current, SPELLING)?;
        if pending.is_empty() {
            return Ok(false);
        }
        for sql in &pending {
            tx.execute_batch(sql)?;
        }
        if version.is_some() {
            tx.execute("UPDATE tollgate_schema SET version = ?1", [VERSION])?;
        } else {
            tx.execute(
                "INSERT INTO tollgate_schema (version) VALUES (?1)",
                [VERSION],
            )?;
        }
        tx.commit()?;
        Ok(current == 0)
    }

    pub(crate) fn latest_run(&mut self) -> Result<Option<i64>, Failure> {
        Ok(self
            .conn
            .query_row(schema::LATEST_RUN, [], |r| r.get::<_, Option<i64>>(0))?)
    }

    pub(crate) fn open_findings(&mut self) -> Result<Vec<OpenFinding>, Failure> {
        let mut stmt = self.conn.prepare(schema::OPEN_FINDINGS)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(open_finding(row)?);
        }
        Ok(out)
    }

    pub(crate) fn last_run_id(&mut self) -> Result<Option<i64>, Failure> {
        Ok(self.conn.query_row(schema::LAST_RUN_ID, [], |r| r.get(0))?)
    }

    pub(crate) fn record_with(
        &mut self,
        at: i64,
        mark: Option<Option<i64>>,
        plan: &Plan<'_>,
        finish: impl FnOnce() -> Option<Finish>,
    ) -> Result<Option<i64>, Failure> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let latest: Option<i64> = tx.query_row(schema::LAST_RUN_ID, [], |r| r.get(0))?;
        let id: i64 = tx.query_row(schema::START_RUN, [at], |r| r.get(0))?;
        seen_again(&tx, at, id, &plan.again)?;
        // Names and severities are compared with what was read; if another run wrote
        // since, with what is stored now.
        let (describe, sql) = if mark == Some(latest) {
            (&plan.describe, schema::DESCRIBE)
        } else {
            (&plan.matched, schema::DESCRIBE_IF_CHANGED)
        };
        {
            let mut stmt = tx.prepare(sql)?;
            for s in describe {
                stmt.execute(params![s.label, s.severity.as_str(), s.fingerprint])?;
            }
        }
        if !plan.other.is_empty() {
            let next: i64 = tx.query_row(schema::NEXT_ID, [], |r| r.get(0))?;
            let known = if next > 1 {
                let fingerprints = plan
                    .other
                    .iter()
                    .map(|s| Value::from(s.fingerprint.to_string()));
                let mut stmt = tx.prepare(schema::KNOWN.0)?;
                let rows = stmt.query_map([Rc::new(fingerprints.collect::<Vec<_>>())], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })?;
                rows.collect::<Result<HashMap<_, _>, _>>()?
            } else {
                HashMap::new()
            };
            let split = split(&plan.other, &known, next);
            {
                let mut insert = tx.prepare(schema::NEW_FINDING)?;
                for (number, s) in &split.fresh {
                    insert.execute(params![
                        s.fingerprint,
                        number,
                        s.rule,
                        s.subject,
                        s.label,
                        s.severity.as_str()
                    ])?;
                }
            }
            let fresh: Vec<i64> = split.fresh.iter().map(|(number, _)| *number).collect();
            tx.execute(schema::NEW_SIGHTINGS.0, params![at, id, numbers(&fresh)])?;
            for s in &split.known {
                tx.execute(
                    schema::DESCRIBE,
                    params![s.label, s.severity.as_str(), s.fingerprint],
                )?;
            }
            seen_again(&tx, at, id, &split.back)?;
        }
        // Dropping the transaction unfinished rolls it back.
        let Some(Finish { run, fixed }) = finish() else {
            return Ok(None);
        };
        let [critical, high, medium, low, info] = run.open;
        tx.execute(
            schema::FINISH_RUN,
            params![
                run.status,
                critical,
                high,
                medium,
                low,
                info,
                run.new,
                run.fixed,
                run.overdue,
                run.within_sla,
                run.blocking,
                id
            ],
        )?;
        {
            let mut fix = tx.prepare(schema::FIX.0)?;
            for fingerprint in &fixed {
                fix.execute(params![at, id, fingerprint])?;
            }
        }
        tx.commit()?;
        Ok(Some(id))
    }

    pub(crate) fn set_run_status(&mut self, id: i64, status: &str) -> Result<(), Failure> {
        self.conn.execute(schema::RUN_STATUS, params![status, id])?;
        Ok(())
    }

    pub(crate) fn history(&mut self, runs: usize, oldest: usize) -> Result<History, Failure> {
        let mut history = History::default();
        let mut stmt = self.conn.prepare(schema::RECENT_RUNS)?;
        let mut rows = stmt.query([runs as i64])?;
        while let Some(r) = rows.next()? {
            history.runs.push(RunRow {
                at: r.get(0)?,
                status: r.get(1)?,
                open: [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
                new: r.get(7)?,
                fixed: r.get(8)?,
                overdue: r.get(9)?,
                within_sla: r.get(10)?,
                blocking: r.get(11)?,
            });
        }
        history.runs.reverse();
        let mut stmt = self.conn.prepare(schema::TIME_TO_FIX)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let count: i64 = r.get(1)?;
            let total: i64 = r.get(2)?;
            history.time_to_fix.insert(
                severity(&r.get::<_, String>(0)?)?,
                (count, total / count.max(1)),
            );
        }
        let mut stmt = self.conn.prepare(schema::OPEN_BY_SEVERITY)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            history
                .open
                .insert(severity(&r.get::<_, String>(0)?)?, r.get(1)?);
        }
        let mut stmt = self.conn.prepare(schema::OLDEST)?;
        let mut rows = stmt.query([oldest as i64])?;
        while let Some(row) = rows.next()? {
            history.oldest.push(open_finding(row)?);
        }
        Ok(history)
    }

    pub(crate) fn incident_rows(
        &mut self,
        mark: &str,
    ) -> Result<(Vec<IncidentRow>, Option<String>), Failure> {
        let mut stmt = self.conn.prepare(schema::INCIDENT_ROWS)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(IncidentRow {
                kind: r.get(0)?,
                group: r.get(1)?,
                body: r.get(2)?,
            });
        }
        let marked = self
            .conn
            .query_row(schema::META, [mark], |r| r.get(0))
            .optional()?;
        Ok((out, marked))
    }

    pub(crate) fn change_incidents(&mut self, changes: &IncidentChanges) -> Result<(), Failure> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for row in &changes.put {
            tx.execute(schema::PUT_INCIDENT, params![row.kind, row.group, row.body])?;
        }
        for (kind, group) in &changes.delete {
            tx.execute(schema::DELETE_INCIDENT, params![kind, group])?;
        }
        if let Some((key, value)) = &changes.mark {
            tx.execute(schema::SET_META, params![key, value])?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// Put the file in WAL mode (a no-op when it is). Changing the mode takes the file's
/// exclusive lock and SQLite answers "database is locked" at once, without its busy
/// handler, when another process holds the file at that moment: several gates starting a
/// new ledger together meet exactly that. So it is retried, for as long as a writer waits.
fn wal_mode(conn: &Connection) -> Result<String, Failure> {
    let began = std::time::Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && began.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            other => return Ok(other?),
        }
    }
}

/// Move the last-seen time of findings seen again (`ids` ascending), and reopen those
/// among them a run found fixed since they were read. One statement per range of
/// consecutive numbers.
fn seen_again(tx: &Transaction<'_>, at: i64, run: i64, ids: &[i64]) -> Result<(), Failure> {
    let ranges = ranges(ids);
    let mut moved = 0;
    {
        let mut again = tx.prepare(schema::SEEN_AGAIN.0)?;
        for (low, high) in &ranges {
            moved += again.execute(params![at, run, low, high])?;
        }
    }
    if moved < ids.len() {
        let mut reopen = tx.prepare(schema::REOPEN.0)?;
        for (low, high) in &ranges {
            reopen.execute(params![at, run, low, high])?;
        }
    }
    Ok(())
}

/// Ascending numbers as ranges of consecutive ones, inclusive.
fn ranges(ids: &[i64]) -> Vec<(i64, i64)> {
    let mut ranges: Vec<(i64, i64)> = Vec::new();
    for &id in ids {
        match ranges.last_mut() {
            Some((_, high)) if *high + 1 == id || *high == id => *high = id,
            _ => ranges.push((id, id)),
        }
    }
    ranges
}

/// Numbers as a bound array, for `rarray`.
fn numbers(ids: &[i64]) -> Array {
    Rc::new(ids.iter().map(|&id| Value::from(id)).collect())
}

fn open_finding(row: &rusqlite::Row<'_>) -> Result<OpenFinding, Failure> {
    Ok(OpenFinding {
        fingerprint: row.get(0)?,
        rule: row.get(1)?,
        subject: row.get(2)?,
        label: row.get(3)?,
        severity: severity(&row.get::<_, String>(4)?)?,
        first_seen: row.get(5)?,
        id: row.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn numbers_fold_into_ranges_of_consecutive_ones() {
        assert_eq!(ranges(&[]), []);
        assert_eq!(ranges(&[4]), [(4, 4)]);
        assert_eq!(
            ranges(&[1, 2, 3, 5, 7, 8, 8, 9, 20]),
            [(1, 3), (5, 5), (7, 9), (20, 20)]
        );
    }
}
