//! A large result, for the output benchmark and the memory tests: a generated COC report of
//! N nodes and one policy that denies every node, so the verdict has N blocking findings,
//! each on its own resource, with text that needs escaping in every format.

use std::path::Path;
use std::sync::Arc;

use tollgate::model::Input;
use tollgate::output::Context;
use tollgate::policy::{compile, evaluate, Globals, Limits};
use tollgate::report::{load, LoadOptions};
use tollgate::verdict::{decide, Options, Verdict};

const POLICY: &str = r#"const RULE = #{ id: "BENCH-001", title: "Every node is a finding", severity: "high", applies_to: ["patch_node"], help: "none" };
fn check(n) { deny(`${n.name} misses ${n.missing.critical} critical patches <&>`) }"#;

/// The report's text: `n` nodes, one object a line.
pub fn report(n: usize) -> String {
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

/// The verdict on a report of `n` nodes: `n` blocking findings.
pub fn verdict(n: usize) -> Verdict {
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
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let verdict = decide(
        &evaluation,
        vec![Arc::clone(&policy.rule)],
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
    assert_eq!(verdict.findings.len(), n);
    verdict
}

/// What the emitters are given besides the verdict.
pub fn context() -> Context {
    Context {
        decision: None,
        attestation: None,
        version: "bench".into(),
        generated_at: "2026-11-23T12:00:00Z".into(),
        color: false,
        base_dir: None,
        category: "tollgate".into(),
        step_summary: None,
        incidents: None,
        sarif_max_results: tollgate::settings::DEFAULT_SARIF_MAX_RESULTS,
    }
}

/// Counts the bytes written, keeps none: what an output weighs without holding it.
pub struct Count(pub u64);

impl std::io::Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
