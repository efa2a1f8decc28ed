//! Reading a scanner's OCSF output against reading a vendor report of the same size: a
//! Prowler-shaped scan of 100,000 events (`benches/gen_prowler.py`, about 3 KB an event)
//! and COC node reports (`benches/gen_coc.py`, about 1.3 KB a node) of the same number of
//! bytes and of the same number of records. Each is loaded (`report::load`: detect, split,
//! parse and normalise every record, check duplicates) in alternating rounds; the table
//! gives the median of each, and the scan's time against each COC report's (the target:
//! the scan within 1.5× of the COC report).
//!
//! `cargo bench --bench scans` (python3 must be on the PATH); `TOLLGATE_BENCH_EVENTS` sets
//! the number of events, `TOLLGATE_BENCH_ROUNDS` the rounds (7). Nothing is asserted.

use std::path::{Path, PathBuf};
use std::time::Instant;

use tollgate::model::{Input, ReportKind, ReportOrigin};
use tollgate::report::{load, LoadOptions};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn generate(script: &str, n: usize, out: &Path) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let status = std::process::Command::new("python3")
        .arg(root.join("benches").join(script))
        .arg(n.to_string())
        .arg(out)
        .status()
        .expect("python3 runs the generator");
    assert!(status.success(), "{script} failed");
    std::fs::read_to_string(out).expect("the generated report")
}

fn input(name: &str, text: String) -> Input {
    Input {
        origin: ReportOrigin::File(name.into()),
        text: text.into(),
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let events = env("TOLLGATE_BENCH_EVENTS", 100_000);
    let rounds = env("TOLLGATE_BENCH_ROUNDS", 7).max(1);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let scan = generate("gen_prowler.py", events, &dir.path().join("scan.ocsf.json"));
    // A COC node is about 1.3 KB: size the report to the scan's bytes.
    let probe = generate("gen_coc.py", 1_000, &dir.path().join("probe.json"));
    let nodes = (scan.len() as f64 / (probe.len() as f64 / 1_000.0)).round() as usize;
    let coc = generate("gen_coc.py", nodes, &dir.path().join("coc.json"));
    let same_count = generate("gen_coc.py", events, &dir.path().join("coc-n.json"));
    let scan = input("scan.ocsf.json", scan);
    let coc = input("coc.json", coc);
    let same_count = input("coc-n.json", same_count);

    let once = |input: &Input, kind: ReportKind, records: usize| -> f64 {
        let started = Instant::now();
        let report = load(input, LoadOptions::default()).expect("the report loads");
        let took = started.elapsed().as_secs_f64();
        assert_eq!(report.kind, kind);
        assert_eq!(report.resources.len(), records);
        drop(report);
        took
    };
    // One untimed round each: the page cache and the allocator warm up.
    once(&scan, ReportKind::OcsfFindings, events);
    once(&coc, ReportKind::CocPatch, nodes);
    once(&same_count, ReportKind::CocPatch, events);
    let (mut scan_times, mut coc_times, mut n_times) = (Vec::new(), Vec::new(), Vec::new());
    let (mut ratios, mut n_ratios) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let s = once(&scan, ReportKind::OcsfFindings, events);
        let c = once(&coc, ReportKind::CocPatch, nodes);
        let n = once(&same_count, ReportKind::CocPatch, events);
        ratios.push((s / scan.text.len() as f64) / (c / coc.text.len() as f64));
        n_ratios.push(s / n);
        scan_times.push(s);
        coc_times.push(c);
        n_times.push(n);
    }
    let mb = |input: &Input| input.text.len() as f64 / 1e6;
    println!("| report | records | MB | load, median of {rounds} (s) | MB/s |");
    println!("|---|--:|--:|--:|--:|");
    for (name, input, records, times) in [
        ("Prowler OCSF scan", &scan, events, &scan_times),
        ("COC node report, same bytes", &coc, nodes, &coc_times),
        (
            "COC node report, same records",
            &same_count,
            events,
            &n_times,
        ),
    ] {
        let t = median(times.clone());
        println!(
            "| {name} | {records} | {:.1} | {t:.3} | {:.0} |",
            mb(input),
            mb(input) / t
        );
    }
    let list = |rs: &[f64]| {
        rs.iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "\nscan / COC of the same bytes, time per byte: median {:.2} (rounds: {})",
        median(ratios.clone()),
        list(&ratios)
    );
    println!(
        "scan / COC of the same records, time: median {:.2} (rounds: {})",
        median(n_ratios.clone()),
        list(&n_ratios)
    );
}
