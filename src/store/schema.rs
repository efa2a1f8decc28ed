//! The ledger's schema, as migrations: migration N takes a store from version N-1 to N.
//! Both backends run the same list; where their SQL differs (an auto-numbered key, a table
//! without a rowid), each migration names its backend's spelling with a placeholder.
//! A released migration is never edited: a change to the schema is a new migration.

/// The schema version this build writes.
pub(crate) const VERSION: i64 = MIGRATIONS.len() as i64;

/// The table that holds the version (one row).
pub(crate) const VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS tollgate_schema (version BIGINT NOT NULL)";

/// Each migration's statements, separated by `;`. `{ID}` is an auto-numbered key, `{KEY}`
/// a 64-bit key the writer numbers, `{NOROWID}` the SQLite table option that keys a table
/// by its primary key alone.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: runs; findings, as what a finding is (by fingerprint, with a number) and when it
    // was seen (by that number: a narrow row, so that a run that sees every open finding
    // again rewrites little); the incident stage's rows; and a key-value table for marks.
    "CREATE TABLE runs (
        id {ID} PRIMARY KEY,
        at BIGINT NOT NULL,
        status TEXT NOT NULL,
        critical BIGINT NOT NULL,
        high BIGINT NOT NULL,
        medium BIGINT NOT NULL,
        low BIGINT NOT NULL,
        info BIGINT NOT NULL,
        new_findings BIGINT NOT NULL,
        fixed BIGINT NOT NULL,
        overdue BIGINT NOT NULL,
        within_sla BIGINT NOT NULL,
        blocking BIGINT NOT NULL
    );
    CREATE INDEX runs_at ON runs (at, id);
    CREATE TABLE findings (
        fingerprint TEXT PRIMARY KEY,
        id BIGINT NOT NULL,
        rule TEXT NOT NULL,
        subject TEXT NOT NULL,
        label TEXT NOT NULL,
        severity TEXT NOT NULL
    ){NOROWID};
    CREATE TABLE sightings (
        id {KEY} PRIMARY KEY,
        first_seen BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        fixed_at BIGINT,
        last_run BIGINT NOT NULL
    );
    CREATE TABLE incident_state (
        kind TEXT NOT NULL,
        grp TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, grp)
    );
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )",
];

/// Migration `index` (0-based) in a backend's spelling.
fn migration(index: usize, spelling: Spelling) -> String {
    MIGRATIONS[index]
        .replace("{ID}", spelling.id)
        .replace("{KEY}", spelling.key)
        .replace("{NOROWID}", spelling.norowid)
}

/// The migrations a store at schema version `current` needs, in a backend's spelling;
/// a store newer than this build is refused.
pub(crate) fn pending(current: i64, spelling: Spelling) -> Result<Vec<String>, super::Failure> {
    if current > VERSION {
        return Err(super::too_new(current));
    }
    Ok((current as usize..VERSION as usize)
        .map(|index| migration(index, spelling))
        .collect())
}

/// A backend's words for the migrations' placeholders.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spelling {
    pub id: &'static str,
    pub key: &'static str,
    pub norowid: &'static str,
}

/// A statement that ends matching finding numbers: SQLite's spelling (one range of
/// numbers, `$3` to `$4`: a run's numbers are mostly consecutive, and a range is one walk
/// along the table), then PostgreSQL's (a bound `bigint[]`).
macro_rules! by_ids {
    ($sql:literal) => {
        (
            concat!($sql, " id BETWEEN $3 AND $4"),
            concat!($sql, " id = ANY($3::bigint[])"),
        )
    };
}

/// Open findings seen again: the last-seen time moves on (never back), an earlier first
/// seen is kept. Parameters: now, run, the findings' numbers (see [`by_ids`]).
pub(crate) const SEEN_AGAIN: (&str, &str) = by_ids!(
    "UPDATE sightings SET
        first_seen = CASE WHEN $1 < first_seen THEN $1 ELSE first_seen END,
        last_seen = CASE WHEN $1 > last_seen THEN $1 ELSE last_seen END,
        last_run = $2
    WHERE fixed_at IS NULL AND"
);

/// Findings found fixed before and seen again: a new open period starts now. Parameters:
/// now, run, the findings' numbers (see [`by_ids`]).
pub(crate) const REOPEN: (&str, &str) = by_ids!(
    "UPDATE sightings SET
        first_seen = $1,
        last_seen = CASE WHEN $1 > last_seen THEN $1 ELSE last_seen END,
        fixed_at = NULL,
        last_run = $2
    WHERE fixed_at IS NOT NULL AND"
);

/// New findings' sightings: open from now. Parameters: now, run, the findings' numbers.
pub(crate) const NEW_SIGHTINGS: (&str, &str) = (
    "INSERT INTO sightings (id, first_seen, last_seen, fixed_at, last_run)
        SELECT value, $1, $1, NULL, $2 FROM rarray($3)",
    "INSERT INTO sightings (id, first_seen, last_seen, fixed_at, last_run)
        SELECT t.id, $1::bigint, $1::bigint, NULL, $2::bigint FROM UNNEST($3::bigint[]) AS t (id)",
);

/// The number the next new finding gets (the writers' lock is held).
pub(crate) const NEXT_ID: &str = "SELECT COALESCE(MAX(id), 0) + 1 FROM sightings";

/// The numbers of findings the ledger knows, among some fingerprints. Parameter: the
/// fingerprints.
pub(crate) const KNOWN: (&str, &str) = (
    "SELECT fingerprint, id FROM findings WHERE fingerprint IN rarray($1)",
    "SELECT f.fingerprint, f.id FROM UNNEST($1::text[]) AS t (fp) JOIN findings f ON f.fingerprint = t.fp",
);

/// A new finding (SQLite). Parameters: fingerprint, number, rule, subject, label, severity.
pub(crate) const NEW_FINDING: &str =
    "INSERT INTO findings (fingerprint, id, rule, subject, label, severity)
    VALUES ($1, $2, $3, $4, $5, $6)";

/// New findings (PostgreSQL): arrays of fingerprint, number, rule, subject, label, severity.
pub(crate) const NEW_FINDINGS: &str =
    "INSERT INTO findings (fingerprint, id, rule, subject, label, severity)
    SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])";

/// A known finding's name and severity, when a run saw them change. Parameters: label,
/// severity, fingerprint.
pub(crate) const DESCRIBE: &str =
    "UPDATE findings SET label = $1, severity = $2 WHERE fingerprint = $3";

/// [`DESCRIBE`] where the stored name or severity differ from what the run saw: for the
/// findings seen again when another run wrote after the open findings were read.
pub(crate) const DESCRIBE_IF_CHANGED: &str = "UPDATE findings SET label = $1, severity = $2
    WHERE fingerprint = $3 AND (label <> $1 OR severity <> $2)";

/// The latest run's number: equal before and within a write, no other run wrote between.
pub(crate) const LAST_RUN_ID: &str = "SELECT MAX(id) FROM runs";

/// Mark open findings fixed, unless seen at or after now. Parameters: now, run, then one
/// fingerprint (SQLite) or an array of them (PostgreSQL).
pub(crate) const FIX: (&str, &str) = (
    "UPDATE sightings SET fixed_at = $1, last_run = $2
    WHERE fixed_at IS NULL AND last_seen < $1
        AND id IN (SELECT id FROM findings WHERE fingerprint = $3)",
    "UPDATE sightings SET fixed_at = $1, last_run = $2
    WHERE fixed_at IS NULL AND last_seen < $1
        AND id IN (SELECT id FROM findings WHERE fingerprint = ANY($3::text[]))",
);

/// A run's row, before its counts are known (they are set by [`FINISH_RUN`] in the same
/// transaction). Parameter: its time.
pub(crate) const START_RUN: &str = "INSERT INTO runs
    (at, status, critical, high, medium, low, info, new_findings, fixed, overdue, within_sla, blocking)
    VALUES ($1, 'running', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) RETURNING id";

/// A run's counts. Parameters: status, the five severities, new, fixed, overdue, within
/// SLA, blocking, id. (SQLite numbers `$N` in the order they first appear, so every
/// statement here names them in order.)
pub(crate) const FINISH_RUN: &str = "UPDATE runs SET status = $1, critical = $2, high = $3,
    medium = $4, low = $5, info = $6, new_findings = $7, fixed = $8, overdue = $9,
    within_sla = $10, blocking = $11 WHERE id = $12";

/// A run's status, changed after it was recorded. Parameters: status, id.
pub(crate) const RUN_STATUS: &str = "UPDATE runs SET status = $1 WHERE id = $2";

/// Each open finding: fingerprint, rule, subject, label, severity, first seen, number.
pub(crate) const OPEN_FINDINGS: &str =
    "SELECT f.fingerprint, f.rule, f.subject, f.label, f.severity, s.first_seen, f.id
    FROM findings f JOIN sightings s ON s.id = f.id WHERE s.fixed_at IS NULL";

pub(crate) const LATEST_RUN: &str = "SELECT MAX(at) FROM runs";

/// The latest runs, newest first. Parameter: how many.
pub(crate) const RECENT_RUNS: &str = "SELECT at, status, critical, high, medium, low, info,
    new_findings, fixed, overdue, within_sla, blocking
    FROM runs ORDER BY at DESC, id DESC LIMIT $1";

pub(crate) const TIME_TO_FIX: &str =
    "SELECT f.severity, COUNT(*), CAST(SUM(s.fixed_at - s.first_seen) AS BIGINT)
    FROM findings f JOIN sightings s ON s.id = f.id WHERE s.fixed_at IS NOT NULL
    GROUP BY f.severity";

pub(crate) const OPEN_BY_SEVERITY: &str = "SELECT f.severity, COUNT(*)
    FROM findings f JOIN sightings s ON s.id = f.id WHERE s.fixed_at IS NULL
    GROUP BY f.severity";

/// The oldest open findings, as [`OPEN_FINDINGS`]. Parameter: how many.
pub(crate) const OLDEST: &str =
    "SELECT f.fingerprint, f.rule, f.subject, f.label, f.severity, s.first_seen, f.id
    FROM findings f JOIN sightings s ON s.id = f.id WHERE s.fixed_at IS NULL
    ORDER BY s.first_seen, f.fingerprint LIMIT $1";

pub(crate) const INCIDENT_ROWS: &str =
    "SELECT kind, grp, body FROM incident_state ORDER BY kind, grp";

pub(crate) const META: &str = "SELECT value FROM meta WHERE key = $1";

pub(crate) const SET_META: &str = "INSERT INTO meta (key, value) VALUES ($1, $2)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value";

pub(crate) const PUT_INCIDENT: &str =
    "INSERT INTO incident_state (kind, grp, body) VALUES ($1, $2, $3)
    ON CONFLICT (kind, grp) DO UPDATE SET body = excluded.body";

pub(crate) const DELETE_INCIDENT: &str = "DELETE FROM incident_state WHERE kind = $1 AND grp = $2";
