//! The ledger's cost, on SQLite: recording a run of 100,000 findings (all new, then all
//! seen again), and `tollgate history` over 365 runs of a 10,000-finding fleet in which a
//! few findings are fixed and a few new ones appear every run.
//!
//!     cargo bench --bench ledger
//!
//! The whole gate's wall time with and without the ledger is benches/ledger.sh.

use std::time::Instant;

use tollgate::model::Severity;
use tollgate::store::{Create, Finish, Location, RunRow, Sighting, Store};

const DAY: i64 = 86_400_000;

fn sightings(ids: &[String], labels: &[String]) -> Vec<Sighting<'static>> {
    // Leaked on purpose: a benchmark process, a few MB, kept for the run.
    let ids: &'static [String] = Box::leak(ids.to_vec().into_boxed_slice());
    let labels: &'static [String] = Box::leak(labels.to_vec().into_boxed_slice());
    ids.iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (id, label))| Sighting {
            fingerprint: id,
            rule: "BENCH-001",
            subject: label,
            label,
            severity: Severity::DESCENDING[i % 5],
        })
        .collect()
}

fn run(at: i64, n: usize) -> RunRow {
    RunRow {
        at,
        status: "fail".into(),
        open: [n as i64, 0, 0, 0, 0],
        ..RunRow::default()
    }
}

fn finish(at: i64, n: usize) -> Finish {
    Finish {
        run: run(at, n),
        fixed: Vec::new(),
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");

    // Recording 100,000 findings.
    let n = 100_000;
    let ids: Vec<String> = (0..n).map(|i| format!("{:032x}", i * 7919)).collect();
    let labels: Vec<String> = (0..n).map(|i| format!("i-{i:08}")).collect();
    let location = Location::Sqlite(dir.path().join("record.db"));
    let (mut store, _) = Store::open(&location, Create::IfMissing).expect("a new ledger");
    let seen = sightings(&ids, &labels);
    // As a gate does: the open findings are read first (while its reports parse), then
    // the run is written.
    let began = Instant::now();
    store
        .record_with(DAY, &[], &seen, || Some(finish(DAY, n)))
        .expect("recorded");
    println!("record {n} new findings (sqlite): {:.0?}", began.elapsed());
    let began = Instant::now();
    let open = store.open_findings().expect("read");
    println!(
        "read {} open findings (sqlite): {:.0?}",
        open.len(),
        began.elapsed()
    );
    let began = Instant::now();
    store
        .record_with(2 * DAY, &open, &seen, || Some(finish(2 * DAY, n)))
        .expect("recorded");
    println!(
        "record {n} findings seen again (sqlite): {:.0?}",
        began.elapsed()
    );

    // History over 365 runs of a 10,000-finding fleet.
    let fleet = 10_000;
    let location = Location::Sqlite(dir.path().join("history.db"));
    let (mut store, _) = Store::open(&location, Create::IfMissing).expect("a new ledger");
    let began = Instant::now();
    let mut next = fleet;
    let mut current: Vec<usize> = (0..fleet).collect();
    for day in 0..365i64 {
        // Each day 20 findings are fixed and 20 new ones appear.
        let fixed: Vec<String> = current.drain(..20).map(|i| format!("{:032x}", i)).collect();
        current.extend(next..next + 20);
        next += 20;
        let ids: Vec<String> = current.iter().map(|i| format!("{:032x}", i)).collect();
        let labels: Vec<String> = current.iter().map(|i| format!("i-{i:08}")).collect();
        let seen = sightings(&ids, &labels);
        let fixed: Vec<&str> = fixed.iter().map(String::as_str).collect();
        store
            .record(&run(day * DAY, fleet), &seen, &fixed)
            .expect("recorded");
    }
    println!(
        "filled 365 runs of a {fleet}-finding fleet in {:.1?}",
        began.elapsed()
    );
    let mut times = Vec::new();
    for _ in 0..5 {
        let began = Instant::now();
        let history = store.history(365, 10).expect("history");
        times.push(began.elapsed());
        assert_eq!(history.runs.len(), 365);
    }
    times.sort();
    println!(
        "history over 365 runs (sqlite): median {:.1?} (min {:.1?}, max {:.1?})",
        times[2], times[0], times[4]
    );
}
