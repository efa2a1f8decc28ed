//! How the output formats scale: a result of N findings (one per node of a generated COC
//! report, each on its own resource) written by every format to a sink, at several N. The
//! time per finding should stay flat as N grows (linear time), and the memory the writers
//! add on top of the result should not grow with N (streamed, not built as one string).
//!
//! Run with `cargo bench --bench outputs` (add `-- 100000` for one size). Numbers go to
//! standard output as a table; nothing is asserted (targets belong in the note, not in a
//! test that flakes on a busy machine).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use tollgate::model::Input;
use tollgate::output::{self, Context, Format};
use tollgate::policy::{compile, evaluate, Globals, Limits};
use tollgate::report::{load, LoadOptions};
use tollgate::verdict::{decide, Options};

const POLICY: &str = r#"const RULE = #{ id: "BENCH-001", title: "Every node is a finding", severity: "high", applies_to: ["patch_node"], help: "none" };
fn check(n) { deny(`${n.name} misses ${n.missing.critical} critical patches <&>`) }"#;

fn report(n: usize) -> String {
    let mut text = format!("{{\"count\":{n},\"instance_compliant\":[\n");
    for i in 0..n {
        if i > 0 {
            text.push_str(",\n");
        }
        text.push_str(&format!(
            r#"  {{"instance_id":"i-{i:08}","name":"ecs-prod-{i}","group":"prod","region":"cn-north-4","non_compliant_summary":{{"non_compliant_count":2,"severity_summary":{{"critical_count":2}}}}}}"#
        ));
    }
    text.push_str("\n]}\n");
    text
}

/// Peak resident memory of this process so far, in KiB (Linux; 0 elsewhere).
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Counts bytes, keeps none.
struct Count(u64);
impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {
    let sizes: Vec<usize> = match std::env::args().skip(1).find_map(|a| a.parse().ok()) {
        Some(n) => vec![n],
        None => vec![10_000, 50_000, 100_000],
    };
    let cx = Context {
        version: "bench".into(),
        generated_at: "2026-11-23T12:00:00Z".into(),
        color: false,
        base_dir: None,
        category: "tollgate".into(),
        step_summary: None,
        incidents: None,
        sarif_max_results: tollgate::settings::DEFAULT_SARIF_MAX_RESULTS,
    };
    println!("| findings | format | ms | ns/finding | MB written | peak RSS growth (MB) |");
    println!("|--:|---|--:|--:|--:|--:|");
    for n in sizes {
        let input = Input {
            origin: tollgate::model::ReportOrigin::File("bench.json".into()),
            text: report(n).into(),
        };
        let reports = vec![Arc::new(load(&input, LoadOptions::default()).unwrap())];
        let policy = compile(
            Path::new("bench.rhai"),
            POLICY.into(),
            &Limits::default(),
            &Globals::default(),
        )
        .unwrap();
        let evaluation = evaluate(std::slice::from_ref(&policy), &reports);
        let verdict = decide(
            &evaluation,
            vec![Arc::clone(&policy.rule)],
            &reports,
            Options {
                fail_on: tollgate::model::Severity::High,
                strict: false,
                now: chrono::Utc::now(),
                no_fail: false,
            },
            &[],
            None,
        );
        assert_eq!(verdict.findings.len(), n);
        for format in Format::ALL {
            let before = peak_kib();
            let started = Instant::now();
            let mut sink = std::io::BufWriter::new(Count(0));
            output::emit(format, &verdict, &cx, &mut sink).unwrap();
            sink.flush().unwrap();
            let elapsed = started.elapsed();
            let bytes = sink.get_ref().0;
            let growth = peak_kib().saturating_sub(before);
            println!(
                "| {n} | {} | {:.1} | {:.0} | {:.1} | {:.1} |",
                format.as_str(),
                elapsed.as_secs_f64() * 1e3,
                elapsed.as_nanos() as f64 / n as f64,
                bytes as f64 / 1e6,
                growth as f64 / 1024.0
            );
        }
    }
}
