//! The ledger's schema, as migrations: migration N takes a store from version N-1 to N.
//! Both backends run the same list; where their SQL differs (an auto-numbered key, a table
//! without a rowid), each migration names its backend's spelling with a placeholder.
//! A released migration is never edited: a change to the schema is a new migration.

/// The schema version this build writes.
pub(crate) const VERSION: i64 = MIGRATIONS.len() as i64;

/// The table that holds the version (one row).
pub(crate) const VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS tollgate_schema (version BIGINT NOT NULL)";

/// Each migration's statements, separated by `;`. `{ID}` is an auto-numbered key,
/// `{NOROWID}` the SQLite table option that keys a table by its primary key alone.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: runs, findings, the incident stage's rows, and a key-value table for marks.
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
        rule TEXT NOT NULL,
        subject TEXT NOT NULL,
        label TEXT NOT NULL,
        severity TEXT NOT NULL,
        first_seen BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        fixed_at BIGINT,
        last_run BIGINT NOT NULL
    ){NOROWID};
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
pub(crate) fn migration(index: usize, id: &str, norowid: &str) -> String {
    MIGRATIONS[index]
        .replace("{ID}", id)
        .replace("{NOROWID}", norowid)
}

/// The columns a sighting writes, then each backend's rows (`VALUES` of one sighting on
/// SQLite, `UNNEST` of arrays on PostgreSQL), then [`ON_CONFLICT`].
pub(crate) const UPSERT_INTO: &str = "INSERT INTO findings
    (fingerprint, rule, subject, label, severity, first_seen, last_seen, fixed_at, last_run)";

/// A new fingerprint starts an open period; a known open one moves its last-seen time (and
/// keeps the earlier first-seen); one found fixed before opens a new period from this
/// sighting.
pub(crate) const ON_CONFLICT: &str = " ON CONFLICT (fingerprint) DO UPDATE SET
        first_seen = CASE
            WHEN findings.fixed_at IS NOT NULL THEN excluded.first_seen
            WHEN excluded.first_seen < findings.first_seen THEN excluded.first_seen
            ELSE findings.first_seen END,
        last_seen = CASE WHEN excluded.last_seen > findings.last_seen
            THEN excluded.last_seen ELSE findings.last_seen END,
        fixed_at = NULL,
        severity = excluded.severity,
        label = excluded.label,
        last_run = excluded.last_run";

/// SQLite's rows: one sighting. Parameters: fingerprint, rule, subject, label, severity,
/// first_seen, now, run.
pub(crate) const UPSERT_ONE: &str = " VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)";

/// PostgreSQL's rows: arrays of fingerprint, rule, subject, label, severity, first_seen;
/// then now and run.
pub(crate) const UPSERT_MANY: &str = " SELECT f, r, s, l, v, fs, $7, NULL, $8
    FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
    AS t (f, r, s, l, v, fs)";

/// Mark one open finding fixed (SQLite). Parameters: now, run, fingerprint.
pub(crate) const FIX_ONE: &str = "UPDATE findings SET fixed_at = $1, last_run = $2
    WHERE fingerprint = $3 AND fixed_at IS NULL AND last_seen < $1";

/// Mark open findings fixed (PostgreSQL). Parameters: now, run, an array of fingerprints.
pub(crate) const FIX_MANY: &str = "UPDATE findings SET fixed_at = $1, last_run = $2
    WHERE fingerprint = ANY($3) AND fixed_at IS NULL AND last_seen < $1";

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

pub(crate) const OPEN_FINDINGS: &str =
    "SELECT fingerprint, rule, subject, label, severity, first_seen FROM findings WHERE fixed_at IS NULL";

pub(crate) const LATEST_RUN: &str = "SELECT MAX(at) FROM runs";

/// The latest runs, newest first. Parameter: how many.
pub(crate) const RECENT_RUNS: &str = "SELECT at, status, critical, high, medium, low, info,
    new_findings, fixed, overdue, within_sla, blocking
    FROM runs ORDER BY at DESC, id DESC LIMIT $1";

pub(crate) const TIME_TO_FIX: &str =
    "SELECT severity, COUNT(*), CAST(SUM(fixed_at - first_seen) AS BIGINT)
    FROM findings WHERE fixed_at IS NOT NULL GROUP BY severity";

pub(crate) const OPEN_BY_SEVERITY: &str =
    "SELECT severity, COUNT(*) FROM findings WHERE fixed_at IS NULL GROUP BY severity";

/// The oldest open findings. Parameter: how many.
pub(crate) const OLDEST: &str = "SELECT fingerprint, rule, subject, label, severity, first_seen
    FROM findings WHERE fixed_at IS NULL ORDER BY first_seen, fingerprint LIMIT $1";

pub(crate) const INCIDENT_ROWS: &str =
    "SELECT kind, grp, body FROM incident_state ORDER BY kind, grp";

pub(crate) const META: &str = "SELECT value FROM meta WHERE key = $1";

pub(crate) const SET_META: &str = "INSERT INTO meta (key, value) VALUES ($1, $2)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value";

pub(crate) const PUT_INCIDENT: &str =
    "INSERT INTO incident_state (kind, grp, body) VALUES ($1, $2, $3)
    ON CONFLICT (kind, grp) DO UPDATE SET body = excluded.body";

pub(crate) const DELETE_INCIDENT: &str = "DELETE FROM incident_state WHERE kind = $1 AND grp = $2";
