//! Where the time of a gate goes: the stages of `tollgate check` on a generated COC report,
//! measured one by one with criterion. Parse + normalise (`report::load`), evaluate (every
//! shipped policy under `policies/`), and each file output (JSON, SARIF, JUnit) written to
//! `std::io::sink`.
//!
//! The report comes from `benches/gen_coc.py` (the same generator `benches/compare.sh`
//! uses), so python3 must be on the PATH. Run with `cargo bench --bench stages`;
//! `TOLLGATE_BENCH_NODES` sets the size (20,000 by default).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tollgate::model::Input;
use tollgate::output::{self, Context, Format};
use tollgate::policy::{self, Globals, Limits};
use tollgate::report::{load, LoadOptions};
use tollgate::verdict::{decide, Options};

/// The evaluation time of every measurement (the generator's reports are from before it).
const NOW: &str = "2026-11-23T12:00:00Z";

fn nodes() -> usize {
    std::env::var("TOLLGATE_BENCH_NODES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000)
}

fn generated_report(n: usize) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("coc.json");
    let status = std::process::Command::new("python3")
        .arg(root.join("benches/gen_coc.py"))
        .arg(n.to_string())
        .arg(&path)
        .status()
        .expect("python3 runs benches/gen_coc.py");
    assert!(status.success(), "gen_coc.py failed");
    std::fs::read_to_string(&path).expect("the generated report")
}

fn stages(c: &mut Criterion) {
    let n = nodes();
    let text = generated_report(n);
    let input = Input {
        origin: tollgate::model::ReportOrigin::File("coc.json".into()),
        text: text.into(),
    };
    let now = chrono::DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let globals = Globals {
        params: rhai::Map::new(),
        now: now.timestamp_millis(),
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let policies = policy::load(&[root.join("policies")], &Limits::default(), &globals)
        .expect("the shipped policies compile");

    let mut group = c.benchmark_group(format!("{n} nodes"));
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));

    group.bench_function("parse + normalise", |b| {
        b.iter(|| load(&input, LoadOptions::default()).unwrap())
    });

    let reports = vec![Arc::new(load(&input, LoadOptions::default()).unwrap())];
    group.bench_function("evaluate (shipped policies)", |b| {
        b.iter(|| policy::evaluate(&policies, &reports))
    });

    let evaluation = policy::evaluate(&policies, &reports);
    assert_eq!(evaluation.error_count, 0, "{:?}", evaluation.errors);
    let rules = policies.iter().map(|p| Arc::clone(&p.rule)).collect();
    let verdict = decide(
        &evaluation,
        rules,
        &reports,
        Options {
            fail_on: tollgate::model::Severity::High,
            strict: false,
            now,
            no_fail: false,
        },
        &[],
        None,
    );
    let cx = Context {
        decision: None,
        attestation: None,
        version: "bench".into(),
        generated_at: NOW.into(),
        color: false,
        base_dir: None,
        category: "tollgate".into(),
        step_summary: None,
        incidents: None,
        sarif_max_results: tollgate::settings::DEFAULT_SARIF_MAX_RESULTS,
    };
    for format in [Format::Json, Format::Sarif, Format::Junit] {
        group.bench_function(format!("output {}", format.as_str()), |b| {
            b.iter(|| {
                let mut sink = std::io::BufWriter::new(std::io::sink());
                output::emit(format, &verdict, &cx, &mut sink).unwrap();
                sink.flush().unwrap();
            })
        });
    }
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
