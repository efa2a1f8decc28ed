//! Fuzz targets for everything tollgate reads from a user: report documents of every kind
//! (and evidence files), tollgate.toml, waivers, baselines and policy source, plus the
//! evaluation of the shipped policies over generated resources.
//!
//! This is not a CLI test binary (those all live in tests/cli/main.rs): it is a separate test
//! target so that it can be run alone, in an optimised build, for as long as it is told
//! (fuzz/run.sh). cargo-fuzz needs a nightly toolchain, which this project does not use, so
//! proptest generates and shrinks the inputs instead (fuzz/README.md says more).
//!
//! Each `#[test]` is one target. It runs proptest batches until `TOLLGATE_FUZZ_SECONDS`
//! (default 2) have passed, so a plain `cargo test` runs a short version of every target,
//! and prints how many cases it ran. `TOLLGATE_FUZZ_SEED` replays a run. A case fails when
//! the code under test panics, when a rejection is an error whose message is empty or whose
//! diagnostic cannot be rendered, or when a case takes longer than `SLOW`.

use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::{json, Value};

use tollgate::model::Input;
use tollgate::model::ReportKind;
use tollgate::policy::{self, Globals, Limits, Policy};
use tollgate::report::{self, LoadOptions, Report};
use tollgate::settings::{CheckOptions, ColorChoice, Global, Settings};
use tollgate::Error;

/// Cases per proptest batch: small, so that a target stops soon after its time is up.
const BATCH: u32 = 16;

/// A case slower than this fails: the input found a hang (or close to one).
const SLOW: Duration = Duration::from_secs(30);

/// The stack `tollgate check` gives its worker threads (run.rs); the targets run on threads
/// with the same stack so that a recursion the CLI survives does not fail here.
const STACK: usize = 16 << 20;

// ---------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------

fn budget() -> Duration {
    let secs = std::env::var("TOLLGATE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

fn base_seed() -> u64 {
    match std::env::var("TOLLGATE_FUZZ_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .expect("TOLLGATE_FUZZ_SEED is a whole number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(STACK)
        .build()
        .expect("a thread pool")
}

/// The pool the targets run in (as many threads as cores, like `tollgate check`).
fn workers() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| pool(0))
}

/// Run `test` on values of the strategy `make` builds until the budget is spent; fail with
/// the shrunk input. (Boxed strategies cannot cross threads, so the strategy is built on the
/// worker thread that uses it.)
fn fuzz<S>(
    name: &str,
    make: impl FnOnce() -> S + Send,
    test: impl Fn(S::Value) -> Result<Verdict, TestCaseError> + Sync,
) where
    S: Strategy,
    S::Value: Debug,
{
    let budget = budget();
    let seed = base_seed();
    let cases = AtomicU64::new(0);
    let accepted = AtomicU64::new(0);
    let mut batch: u64 = 0;
    // The clock starts on the worker: with several targets at once, time spent waiting for
    // the pool is not time spent fuzzing.
    let took = workers().install(|| {
        let start = Instant::now();
        let strategy = make();
        while batch == 0 || start.elapsed() < budget {
            let mut bytes = [0u8; 32];
            bytes[..8].copy_from_slice(&seed.to_le_bytes());
            bytes[8..16].copy_from_slice(&batch.to_le_bytes());
            let mut config = Config::with_cases(BATCH);
            config.failure_persistence = None;
            config.max_shrink_time = 120_000;
            config.max_shrink_iters = 4096;
            let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
            let mut runner = TestRunner::new_with_rng(config, rng);
            let result = runner.run(&strategy, |value| {
                cases.fetch_add(1, Ordering::Relaxed);
                let began = Instant::now();
                if test(value)? == Verdict::Accepted {
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
                let took = began.elapsed();
                prop_assert!(took < SLOW, "one case took {took:?}");
                Ok(())
            });
            match result {
                Ok(()) => {}
                Err(TestError::Fail(reason, input)) => {
                    // The shrunk input can be megabytes: keep it whole in a file, show a head.
                    let dir = root().join("target/fuzz-failures");
                    let file = dir.join(format!("{name}-{seed}-{batch}.txt"));
                    let text = format!("{input:#?}");
                    let saved = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, &text));
                    let head: String = text.chars().take(2000).collect();
                    panic!(
                        "fuzz target {name} failed (TOLLGATE_FUZZ_SEED={seed}, batch {batch}): {reason}\n\
                         input (whole in {}{}):\n{head}",
                        file.display(),
                        saved.err().map(|e| format!(", not written: {e}")).unwrap_or_default(),
                    );
                }
                Err(err) => panic!("fuzz target {name} stopped (TOLLGATE_FUZZ_SEED={seed}): {err}"),
            }
            batch += 1;
        }
        start.elapsed()
    });
    eprintln!(
        "fuzz {name}: {} cases ({} accepted, the rest rejected with an error) in {:.1}s, no failure (seed {seed})",
        cases.load(Ordering::Relaxed),
        accepted.load(Ordering::Relaxed),
        took.as_secs_f64()
    );
}

/// What became of one input.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Accepted,
    Rejected,
}

/// A rejection must say what is wrong, and its diagnostic must render as the CLI renders it.
fn rejected(err: &Error) -> Result<Verdict, TestCaseError> {
    check_rejection(err)?;
    Ok(Verdict::Rejected)
}

fn check_rejection(err: &Error) -> Result<(), TestCaseError> {
    let message = err.to_string();
    prop_assert!(
        !message.trim().is_empty(),
        "an error with no message: {err:?}"
    );
    let mut rendered = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut rendered, err)
        .map_err(|e| TestCaseError::fail(format!("the diagnostic does not render: {e}")))?;
    prop_assert!(
        !rendered.trim().is_empty(),
        "the diagnostic renders empty: {err:?}"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Seed files and byte-level mutation
// ---------------------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Files under `dirs` (recursively) whose names end with one of `exts`, sorted.
fn files(dirs: &[&str], exts: &[&str]) -> Vec<Vec<u8>> {
    fn walk(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.to_string_lossy().to_string();
            if path.is_dir() {
                walk(&path, exts, out);
            } else if exts.iter().any(|e| name.ends_with(e)) {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    for dir in dirs {
        let path = root().join(dir);
        if path.is_file() {
            paths.push(path);
        } else {
            walk(&path, exts, &mut paths);
        }
    }
    paths.sort();
    let found: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!found.is_empty(), "no seed files under {dirs:?}");
    found
}

/// One change to a byte string.
#[derive(Debug, Clone)]
enum Edit {
    /// XOR one byte.
    Flip(Index, u8),
    /// Cut the text at a point.
    Truncate(Index),
    /// Remove up to 64 bytes.
    Remove(Index, u8),
    /// Insert a token of the format's vocabulary.
    Token(Index, Index),
    /// Insert a few arbitrary bytes.
    Insert(Index, Vec<u8>),
    /// Insert a piece of another seed file.
    Splice(Index, Index, u8, Index),
    /// Repeat a short piece many times.
    Repeat(Index, u8, u16),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<Index>(), 1..=255u8).prop_map(|(i, b)| Edit::Flip(i, b)),
        1 => any::<Index>().prop_map(Edit::Truncate),
        2 => (any::<Index>(), 1..=64u8).prop_map(|(i, n)| Edit::Remove(i, n)),
        4 => (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Edit::Token(i, t)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        1 => (any::<Index>(), any::<Index>(), 1..=255u8, any::<Index>())
            .prop_map(|(f, s, n, at)| Edit::Splice(f, s, n, at)),
        1 => (any::<Index>(), 1..=32u8, 2..2000u16).prop_map(|(i, n, k)| Edit::Repeat(i, n, k)),
    ]
}

/// A position in `0..=len`.
fn at(i: &Index, len: usize) -> usize {
    i.index(len + 1)
}

fn apply(base: &[u8], seeds: &[Vec<u8>], tokens: &[&str], edits: &[Edit]) -> Vec<u8> {
    let mut out = base.to_vec();
    for e in edits {
        let len = out.len();
        match e {
            Edit::Flip(i, b) if len > 0 => out[i.index(len)] ^= b,
            Edit::Flip(..) => {}
            Edit::Truncate(i) => out.truncate(at(i, len)),
            Edit::Remove(i, n) => {
                let from = at(i, len);
                let to = (from + *n as usize).min(len);
                out.drain(from..to);
            }
            Edit::Token(i, t) => {
                let token = tokens[t.index(tokens.len())].as_bytes();
                let p = at(i, len);
                out.splice(p..p, token.iter().copied());
            }
            Edit::Insert(i, bytes) => {
                let p = at(i, len);
                out.splice(p..p, bytes.iter().copied());
            }
            // Generated documents are mutated without other seeds to splice from.
            Edit::Splice(..) if seeds.is_empty() => {}
            Edit::Splice(f, s, n, i) => {
                let other = &seeds[f.index(seeds.len())];
                let from = at(s, other.len());
                let to = (from + *n as usize).min(other.len());
                let p = at(i, len);
                out.splice(p..p, other[from..to].iter().copied());
            }
            Edit::Repeat(i, n, k) => {
                let from = at(i, len);
                let to = (from + *n as usize).min(len);
                let piece = out[from..to].to_vec();
                let p = to;
                let many: Vec<u8> = piece
                    .iter()
                    .copied()
                    .cycle()
                    .take(piece.len() * *k as usize)
                    .collect();
                out.splice(p..p, many);
            }
        }
        out.truncate(1 << 21);
    }
    out
}

fn lossy(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A seed file with a few edits, as text.
fn mutated(seeds: Arc<Vec<Vec<u8>>>, tokens: &'static [&'static str]) -> BoxedStrategy<String> {
    (any::<Index>(), prop::collection::vec(edit(), 1..8))
        .prop_map(move |(i, edits)| {
            let base = &seeds[i.index(seeds.len())];
            lossy(apply(base, &seeds, tokens, &edits))
        })
        .boxed()
}

/// Any text, or any bytes read as UTF-8 the way a lossy reader would.
fn arbitrary_text() -> BoxedStrategy<String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(any::<u8>(), 0..512).prop_map(lossy),
    ]
    .boxed()
}

/// Strings that have broken parsers before: empty, blank, control characters, bidi
/// overrides, surrogates escaped, a BOM, combining marks, astral characters.
const ODD: &[&str] = &[
    "",
    " ",
    "\t\r\n",
    "\u{0}",
    "\u{7f}",
    "\u{feff}",
    "\u{202e}evil",
    "e\u{301}\u{301}\u{301}",
    "😀👨‍👩‍👧",
    "\u{10ffff}",
    "ǅ",
    "null",
    "-",
    "*",
    "**/[",
    "{a,b}",
    "\\",
    "\"",
    "${x}",
    "`",
    "1e999",
    "-0",
    "NaN",
    "9223372036854775808",
    "2026-02-30",
    "2026-12-31T25:61:00Z",
    "<script>alert(1)</script>",
    "../../etc/passwd",
];

const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "null",
    "true",
    "false",
    "-1",
    "0",
    "1e999",
    "-1e999",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "-9223372036854775809",
    "0.5",
    "\"\\ud800\"",
    "\"\\u0000\"",
    "\\",
    "\u{feff}",
    "\"\u{202e}\"",
    "\"count\":",
    "\"instance_compliant\":",
    "\"compliance_items\":",
    "\"policy_assignments\":",
    "\"InstancePatchStates\":",
    "\"CompliancePackReport\":",
    "\"tollgate_evidence\":1,",
    "\"NextToken\":\"t\",",
    "\"error_code\":\"E\",",
    "\"Code\":\"C\",\"Message\":\"m\",",
    "\"instance_id\":",
    "\"title\":",
    "\"InstanceId\":",
    "\"CompliancePackId\":",
    "\"MissingCount\":\"",
    "{\"instance_id\":\"x\"},",
    "[[[[[[[[[[[[[[[[",
    "]]]]]]]]",
    "\n",
    "\r\n",
    " ",
];

const TOML_TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "=",
    "\"",
    "'",
    "'''",
    "\"\"\"",
    "\n",
    "#",
    ",",
    "{",
    "}",
    ".",
    "inf",
    "nan",
    "-0",
    "0x7fffffffffffffff",
    "9223372036854775808",
    "1979-05-27",
    "1979-05-27T07:32:00Z",
    "07:32:00",
    "2026-02-30",
    "true",
    "[limits]\n",
    "[params]\n",
    "[[source]]\n",
    "[incident]\n",
    "[incident.coc_alarm]\n",
    "[[waiver]]\n",
    "operations = 0\n",
    "expr_depth = ",
    "call_levels = ",
    "fail_on = \"",
    "outputs = [\"",
    "jobs = ",
    "rule = \"",
    "resource = \"",
    "reason = \"",
    "expires = ",
    "owner = \"",
    "\\u0000",
    "\\uD800",
    "name = \"a\"\n",
    "kind = \"huawei.coc.patch_compliance\"\n",
    "\u{feff}",
    "\r",
];

const RHAI_TOKENS: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "#{",
    ";",
    ",",
    ".",
    "?.",
    "::",
    "\"",
    "`",
    "${",
    "'",
    "//",
    "/*",
    "*/",
    "fn ",
    "check",
    "check_report",
    "let ",
    "const ",
    "RULE",
    "loop { }",
    "while true { }",
    "return ",
    "throw ",
    "deny(",
    "warn(",
    "eval(",
    "import \"x\";",
    "global::",
    "PARAMS",
    "NOW",
    "node",
    "report.resources",
    "this",
    "|x| ",
    "=",
    "==",
    "+",
    "-",
    "*",
    "/",
    "%",
    "**",
    "<<",
    ">>",
    "9223372036854775807",
    "-9223372036854775808",
    "1.0e308",
    "0",
    "true",
    "()",
    "in ",
    "switch ",
    "=> ",
    "\n",
    "\u{feff}",
    "é",
    "fn f(a,b,c) {}",
];

// ---------------------------------------------------------------------------------------
// Structure-aware report documents
// ---------------------------------------------------------------------------------------

/// The shape of a field of a vendor record, for generating plausible values.
#[derive(Clone, Copy)]
enum Ty {
    /// An identifier: usually distinct, sometimes odd.
    Id,
    Text,
    Int,
    /// Unix milliseconds.
    Millis,
    /// A count as OOS sends it: a string holding a number.
    CountText,
    /// An RFC 3339 time.
    Time,
    OneOf(&'static [&'static str]),
    Obj(&'static [(&'static str, Ty)]),
    /// An array of objects.
    List(&'static [(&'static str, Ty)]),
}

const SEVERITY_COUNTS: &[(&str, Ty)] = &[
    ("critical_count", Ty::Int),
    ("high_count", Ty::Int),
    ("medium_count", Ty::Int),
    ("low_count", Ty::Int),
    ("informational_count", Ty::Int),
    ("unspecified_count", Ty::Int),
];

const COC_NODE: &[(&str, Ty)] = &[
    ("instance_id", Ty::Id),
    ("id", Ty::Text),
    (
        "name",
        Ty::OneOf(&["ecs-prod-web-01", "ecs-dev-db", "", "ecs-prod-web-01"]),
    ),
    ("region", Ty::OneOf(&["cn-north-4", "ap-southeast-1"])),
    ("group", Ty::OneOf(&["prod", "dev", "staging"])),
    (
        "status",
        Ty::OneOf(&["compliant", "non_compliant", "unknown"]),
    ),
    ("ip", Ty::Text),
    ("eip", Ty::Text),
    (
        "operating_system",
        Ty::OneOf(&["EulerOS", "CentOS", "Windows"]),
    ),
    ("report_scene", Ty::OneOf(&["ECS", "CCE"])),
    ("baseline_id", Ty::Text),
    ("baseline_name", Ty::Text),
    ("enterprise_project_id", Ty::Text),
    (
        "compliant_summary",
        Ty::Obj(&[
            ("compliant_count", Ty::Int),
            ("severity_summary", Ty::Obj(SEVERITY_COUNTS)),
        ]),
    ),
    (
        "non_compliant_summary",
        Ty::Obj(&[
            ("non_compliant_count", Ty::Int),
            ("severity_summary", Ty::Obj(SEVERITY_COUNTS)),
        ]),
    ),
    (
        "execution_summary",
        Ty::Obj(&[("order_id", Ty::Text), ("report_time", Ty::Millis)]),
    ),
];

const COC_ITEM: &[(&str, Ty)] = &[
    ("instance_id", Ty::OneOf(&["i-1", "i-2"])),
    ("title", Ty::Id),
    ("classification", Ty::OneOf(&["Security", "Bugfix"])),
    (
        "severity_level",
        Ty::OneOf(&["Critical", "Important", "Moderate", "Low", "None"]),
    ),
    (
        "compliance_level",
        Ty::OneOf(&["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNSPECIFIED"]),
    ),
    (
        "patch_detail",
        Ty::Obj(&[
            ("installed_time", Ty::Millis),
            ("patch_baseline_id", Ty::Text),
            ("patch_baseline_name", Ty::Text),
            (
                "patch_status",
                Ty::OneOf(&[
                    "INSTALLED",
                    "INSTALLED_OTHER",
                    "MISSING",
                    "FAILED",
                    "INSTALLED_PENDING_REBOOT",
                    "INSTALLED_REJECTED",
                    "NOT_APPLICABLE",
                ]),
            ),
        ]),
    ),
];

const CONFIG_RULE: &[(&str, Ty)] = &[
    (
        "compliance_state",
        Ty::OneOf(&["Compliant", "NonCompliant", "NotApplicable"]),
    ),
    (
        "policy_assignment",
        Ty::Obj(&[
            ("policy_assignment_type", Ty::OneOf(&["builtin", "custom"])),
            ("id", Ty::Id),
            ("name", Ty::Text),
            ("description", Ty::Text),
            ("policy_filter", Ty::Obj(&[("region_id", Ty::Text)])),
            ("period", Ty::OneOf(&["One_Hour", "TwentyFour_Hours"])),
            ("state", Ty::OneOf(&["Enabled", "Disabled", "Evaluating"])),
            ("policy_definition_id", Ty::Text),
            ("tags", Ty::List(&[("key", Ty::Text), ("value", Ty::Text)])),
        ]),
    ),
    (
        "results",
        Ty::Obj(&[(
            "resource_details",
            Ty::Obj(&[
                ("compliant_count", Ty::Int),
                ("non_compliant_count", Ty::Int),
            ]),
        )]),
    ),
];

const OOS_NODE: &[(&str, Ty)] = &[
    ("InstanceId", Ty::Id),
    ("MissingCount", Ty::CountText),
    ("FailedCount", Ty::CountText),
    ("InstalledPendingRebootCount", Ty::CountText),
    ("InstalledRejectedCount", Ty::CountText),
    ("InstalledCount", Ty::CountText),
    ("InstalledOtherCount", Ty::CountText),
    ("BaselineId", Ty::Text),
    ("PatchGroup", Ty::OneOf(&["prod", "null", ""])),
    ("OperationType", Ty::OneOf(&["Scan", "Install"])),
    ("OperationEndTime", Ty::Time),
];

const CONFIG_PACK: &[(&str, Ty)] = &[
    ("CompliancePackId", Ty::Id),
    ("ReportStatus", Ty::OneOf(&["COMPLETE", "CREATING", "NONE"])),
    ("ReportUrl", Ty::Text),
    ("AccountId", Ty::Int),
    ("ReportCreateTimestamp", Ty::Millis),
];

fn schema(kind: ReportKind) -> &'static [(&'static str, Ty)] {
    match kind {
        ReportKind::CocPatch => COC_NODE,
        ReportKind::CocItems => COC_ITEM,
        ReportKind::ConfigStates => CONFIG_RULE,
        ReportKind::OosPatch => OOS_NODE,
        ReportKind::ConfigPack => CONFIG_PACK,
    }
}

fn marker(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::CocPatch => "instance_compliant",
        ReportKind::CocItems => "compliance_items",
        ReportKind::ConfigStates => "policy_assignments",
        ReportKind::OosPatch => "InstancePatchStates",
        ReportKind::ConfigPack => "CompliancePackReport",
    }
}

/// A value of any JSON type that a field should not hold, or holds only at the edges.
fn weird() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        select(vec![
            i64::MIN,
            i64::MAX,
            -1,
            0,
            1,
            i64::from(u32::MAX),
            i64::MAX / 2 + 1
        ])
        .prop_map(Value::from),
        select(vec![
            1e308,
            -1e308,
            0.5,
            -0.0,
            f64::MIN_POSITIVE,
            1.5e15,
            -1.5
        ])
        .prop_map(Value::from),
        select(ODD).prop_map(Value::from),
        select(vec![1000usize, 100_000, (1 << 20) + 1]).prop_map(|n| Value::from("x".repeat(n))),
        any::<String>().prop_map(Value::from),
        (1usize..400).prop_map(|depth| {
            (0..depth).fold(json!(1), |inner, i| {
                if i % 2 == 0 {
                    json!([inner])
                } else {
                    json!({ "a": inner })
                }
            })
        }),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(select(ODD).prop_map(String::from), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A plausible value for a field of this shape.
fn good(ty: Ty, weird_weight: u32) -> BoxedStrategy<Value> {
    // With `weird_weight` 0, only values every vendor module accepts.
    if weird_weight == 0 {
        match ty {
            Ty::Id => return "[a-z]{1,2}-[0-9a-f]{1,6}".prop_map(Value::from).boxed(),
            Ty::CountText => return (0..20u32).prop_map(|n| Value::from(n.to_string())).boxed(),
            Ty::Time => {
                return (1_700_000_000i64..1_800_000_000)
                    .prop_map(|s| {
                        let t = chrono::DateTime::from_timestamp(s, 0).unwrap();
                        Value::from(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    })
                    .boxed()
            }
            _ => {}
        }
    }
    match ty {
        Ty::Id => prop_oneof![
            20 => "[a-z]{1,2}-[0-9a-f]{1,6}".prop_map(Value::from),
            1 => select(ODD).prop_map(Value::from),
        ]
        .boxed(),
        Ty::Text => prop_oneof![
            8 => "[A-Za-z0-9 _.-]{0,12}".prop_map(Value::from),
            1 => select(ODD).prop_map(Value::from),
            1 => any::<String>().prop_map(Value::from),
        ]
        .boxed(),
        Ty::Int => prop_oneof![
            8 => (0..20i64).prop_map(Value::from),
            1 => select(vec![i64::MAX, i64::MIN, -1, i64::MAX / 2 + 1]).prop_map(Value::from),
        ]
        .boxed(),
        Ty::Millis => prop_oneof![
            8 => (1_700_000_000_000i64..1_800_000_000_000).prop_map(Value::from),
            1 => select(vec![i64::MAX, i64::MIN, 0, -1]).prop_map(Value::from),
        ]
        .boxed(),
        Ty::CountText => prop_oneof![
            8 => (0..20u32).prop_map(|n| Value::from(n.to_string())),
            1 => (0..20i64).prop_map(Value::from),
            1 => select(vec![i64::MAX, i64::MAX / 2 + 1]).prop_map(Value::from),
            1 => select(vec!["-1", " 3 ", "1.5", "", "0x10", "9223372036854775807", "9223372036854775808", "+4"])
                .prop_map(Value::from),
        ]
        .boxed(),
        Ty::Time => prop_oneof![
            8 => (1_700_000_000i64..1_800_000_000).prop_map(|s| {
                let t = chrono::DateTime::from_timestamp(s, 0).unwrap();
                Value::from(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            }),
            1 => select(vec!["", "2026-02-30T00:00:00Z", "+262143-12-31T23:59:59Z", "-262143-01-01T00:00:00Z", "2024-01-01T00:00:00+99:00", "yesterday"])
                .prop_map(Value::from),
        ]
        .boxed(),
        Ty::OneOf(values) => select(values).prop_map(Value::from).boxed(),
        Ty::Obj(fields) => object(fields, weird_weight),
        Ty::List(fields) => prop::collection::vec(object(fields, weird_weight), 0..4)
            .prop_map(Value::from)
            .boxed(),
    }
}

/// The fields a record cannot do without (its id, or what holds it).
const REQUIRED: &[&str] = &[
    "instance_id",
    "title",
    "policy_assignment",
    "id",
    "InstanceId",
    "CompliancePackId",
];

/// An object with each field present (plausible or, `weird_weight` times in 20, weird) or
/// absent, plus now and then a key no vendor sends.
fn object(fields: &'static [(&'static str, Ty)], weird_weight: u32) -> BoxedStrategy<Value> {
    let each: Vec<BoxedStrategy<Option<(String, Value)>>> = fields
        .iter()
        .map(|&(name, ty)| {
            let value = if weird_weight == 0 {
                good(ty, 0)
            } else {
                prop_oneof![20 => good(ty, weird_weight), weird_weight => weird()].boxed()
            };
            let present = value.prop_map(move |v| Some((name.to_string(), v)));
            if weird_weight == 0 && REQUIRED.contains(&name) {
                present.boxed()
            } else {
                prop_oneof![4 => present, 1 => Just(None)].boxed()
            }
        })
        .collect();
    // Now and then a key no vendor sends (never in a sound record).
    let extra = prop::option::weighted(0.1, ("[a-zA-Z_]{1,8}", weird()))
        .prop_map(move |extra| extra.filter(|_| weird_weight > 0));
    (each, extra)
        .prop_map(|(fields, extra)| {
            let mut map: serde_json::Map<String, Value> = fields.into_iter().flatten().collect();
            if let Some((k, v)) = extra {
                map.insert(k, v);
            }
            Value::Object(map)
        })
        .boxed()
}

/// How a generated report declares its size and ends its paging.
#[derive(Debug, Clone)]
struct Framing {
    /// 0: the true total; 1: none; 2: one too many; 3: a weird value.
    count: u8,
    weird_count: Value,
    /// Split the records into this many pages (1: a single response, not an array).
    pages: usize,
    next_token: Option<String>,
    /// A vendor error body or an unknown key beside the marker.
    extra: Option<(String, Value)>,
}

/// With `weird_weight` 0, a report that holds together: a true or absent total, no next
/// token, no stray keys.
fn framing(weird_weight: u32) -> impl Strategy<Value = Framing> {
    let extra = prop_oneof![
        6 => Just(None),
        (weird_weight + 1) => (
            select(vec!["error_code", "error_msg", "Code", "Message", "RequestId", "page_info", "results", "count", "instance_compliant", "InstancePatchStates"]),
            weird()
        ).prop_map(|(k, v)| Some((k.to_string(), v))),
    ];
    (
        prop_oneof![12 => Just(0u8), 4 => Just(1u8), weird_weight.max(1) => 2..4u8],
        weird(),
        prop_oneof![4 => Just(1usize), 1 => 0..4usize],
        prop_oneof![6 => Just(None), 1 => select(vec!["", "-", "next"]).prop_map(|s| Some(s.to_string()))],
        extra,
    )
        .prop_map(move |(count, weird_count, pages, next_token, extra)| {
            let sound = weird_weight == 0;
            Framing {
                count: if sound { count.min(1) } else { count },
                weird_count,
                pages,
                next_token: next_token.filter(|_| !sound),
                extra: extra.filter(|_| !sound),
            }
        })
}

/// One report of `kind` as a JSON value: a single response, or an array of pages.
fn document(kind: ReportKind, weird_weight: u32, max_records: usize) -> BoxedStrategy<Value> {
    let records = if kind == ReportKind::ConfigPack {
        prop::collection::vec(object(schema(kind), weird_weight), 1..2).boxed()
    } else {
        prop::collection::vec(object(schema(kind), weird_weight), 0..max_records).boxed()
    };
    (records, framing(weird_weight))
        .prop_map(move |(records, f)| build_document(kind, records, &f))
        .boxed()
}

fn build_document(kind: ReportKind, records: Vec<Value>, f: &Framing) -> Value {
    let total = records.len();
    let pages = f.pages.max(1);
    let per_page = total.div_ceil(pages).max(1);
    let mut chunks: Vec<Vec<Value>> = records.chunks(per_page).map(<[Value]>::to_vec).collect();
    while chunks.len() < pages {
        chunks.push(Vec::new());
    }
    let last = chunks.len() - 1;
    let page = |i: usize, chunk: Vec<Value>| -> Value {
        let mut map = serde_json::Map::new();
        match kind {
            ReportKind::ConfigPack => {
                map.insert(
                    marker(kind).into(),
                    chunk.into_iter().next().unwrap_or(Value::Null),
                );
                map.insert("RequestId".into(), json!("r-1"));
            }
            _ => {
                map.insert(marker(kind).into(), Value::from(chunk));
            }
        }
        if matches!(kind, ReportKind::CocPatch | ReportKind::CocItems) {
            match f.count {
                0 => drop(map.insert("count".into(), json!(total))),
                2 => drop(map.insert("count".into(), json!(total + 1))),
                3 => drop(map.insert("count".into(), f.weird_count.clone())),
                _ => {}
            }
        }
        if kind == ReportKind::OosPatch {
            if let (true, Some(t)) = (i == last, &f.next_token) {
                map.insert("NextToken".into(), json!(t));
            }
            map.insert("TotalCount".into(), json!(total));
        }
        if kind == ReportKind::ConfigStates {
            map.insert("results".into(), json!({"compliance": {"compliant": 1}}));
        }
        if let Some((k, v)) = &f.extra {
            map.insert(k.clone(), v.clone());
        }
        Value::Object(map)
    };
    if f.pages == 1 {
        page(0, chunks.remove(0))
    } else {
        Value::Array(
            chunks
                .into_iter()
                .enumerate()
                .map(|(i, c)| page(i, c))
                .collect(),
        )
    }
}

fn any_document(weird_weight: u32, max_records: usize) -> BoxedStrategy<Value> {
    prop::strategy::Union::new(
        ReportKind::ALL
            .into_iter()
            .map(|k| document(k, weird_weight, max_records)),
    )
    .boxed()
}

/// A JSON value as text: compact or pretty, sometimes after a BOM or blank lines.
fn render(doc: &Value, style: u8) -> String {
    let body = if style.is_multiple_of(2) {
        serde_json::to_string(doc).unwrap()
    } else {
        serde_json::to_string_pretty(doc).unwrap()
    };
    match style / 2 {
        1 => format!("\u{feff}{body}"),
        2 => format!("\n\r\n  {body}\n"),
        _ => body,
    }
}

/// An evidence file as `tollgate fetch` writes it, with one or more reports.
fn evidence(seeds: Arc<Vec<Vec<u8>>>) -> BoxedStrategy<String> {
    let entry = (
        select(ReportKind::ALL.to_vec()),
        any::<bool>(),
        "[a-z/:-]{0,16}",
        any::<u8>(),
        prop::option::weighted(
            0.2,
            (
                select(vec!["r.xls", "r.xlsx", "r.csv", "r", "R.XLSX"]),
                prop::collection::vec(edit(), 0..4),
                any::<bool>(),
            ),
        ),
    )
        .prop_flat_map(|(kind, lie, name, style, sheet)| {
            (document(kind, 2, 6), Just((kind, lie, name, style, sheet)))
        });
    (
        prop::collection::vec(entry, 0..3),
        prop_oneof![8 => Just(json!(1)), 1 => weird()],
        prop_oneof![8 => Just(json!("2026-11-23T10:00:00Z")), 1 => weird()],
    )
        .prop_map(move |(entries, version, fetched_at)| {
            let reports: Vec<Value> = entries
                .into_iter()
                .map(|(doc, (kind, lie, name, _style, sheet))| {
                    let pages = match doc {
                        Value::Array(pages) => pages,
                        one => vec![one],
                    };
                    // Now and then the recorded kind is not the kind of the pages.
                    let kind_id = if lie { ReportKind::ALL[(kind as usize + 1) % 5].id() } else { kind.id() };
                    let mut entry = json!({ "kind": kind_id, "name": format!("source:{name}"), "pages": pages });
                    if let Some((file, edits, garbage)) = sheet {
                        use base64::Engine as _;
                        let bytes = if garbage {
                            b"not a spreadsheet".to_vec()
                        } else {
                            apply(&seeds[0], &seeds, JSON_TOKENS, &edits)
                        };
                        entry["sheet"] = json!({
                            "file": file,
                            "base64": base64::engine::general_purpose::STANDARD.encode(bytes),
                        });
                    }
                    entry
                })
                .collect();
            // The marker must come first: is_evidence looks only at the head of the file.
            format!(
                "{{\"tollgate_evidence\":{version},\"fetched_at\":{fetched_at},\"reports\":{}}}",
                Value::from(reports)
            )
        })
        .boxed()
}

fn report_seeds() -> Arc<Vec<Vec<u8>>> {
    Arc::new(files(
        &["tests/fixtures/reports", "examples/reports"],
        &[".json"],
    ))
}

fn sheet_seeds() -> Arc<Vec<Vec<u8>>> {
    Arc::new(files(&["tests/fixtures/sheets"], &[".xls", ".xlsx"]))
}

fn load_options() -> impl Strategy<Value = LoadOptions> {
    (
        prop_oneof![6 => Just(None), 1 => select(ReportKind::ALL.to_vec()).prop_map(Some)],
        any::<bool>(),
    )
        .prop_map(|(kind, allow_empty)| LoadOptions { kind, allow_empty })
}

/// Check what a successful load claims about its resources.
fn check_reports(text: &str, reports: &[Report]) -> Result<(), TestCaseError> {
    for report in reports {
        for r in &report.resources {
            prop_assert!(!r.id.trim().is_empty(), "a resource with a blank id");
            prop_assert!(r.origin.line >= 1 || text.is_empty(), "line 0 for {}", r.id);
            let raw = r.raw.as_str();
            prop_assert!(!raw.is_empty(), "an empty raw span for {}", r.id);
            serde_json::to_string(&**r).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let _ = r.raw.to_dynamic();
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------

/// Report detection and normalisation of every kind, evidence files included.
#[test]
fn reports() {
    let strategy = || {
        let seeds = report_seeds();
        let text = prop_oneof![
        1 => arbitrary_text(),
        3 => mutated(Arc::clone(&seeds), JSON_TOKENS),
        5 => (prop_oneof![any_document(0, 8), any_document(1, 8), any_document(3, 8)], 0..6u8)
            .prop_map(|(doc, style)| render(&doc, style)),
        2 => (any_document(3, 8), 0..6u8, prop::collection::vec(edit(), 1..4))
            .prop_map(|(doc, style, edits)| lossy(apply(render(&doc, style).as_bytes(), &[], JSON_TOKENS, &edits))),
        2 => evidence(sheet_seeds()),
        ];
        (text, load_options())
    };
    fuzz("reports", strategy, |(text, options)| {
        let input = Input {
            origin: tollgate::model::ReportOrigin::File("fuzz.json".into()),
            text: text.as_str().into(),
        };
        match report::load_all(&input, options) {
            Ok(reports) => check_reports(&text, &reports).map(|()| Verdict::Accepted),
            Err(err) => rejected(&err),
        }
    });
}

/// tollgate.toml, through the same `Settings::resolve` as `tollgate check -c FILE`.
#[test]
fn config() {
    let strategy = || {
        let seeds = Arc::new(files(
            &[
                "tollgate.template.toml",
                "tollgate.toml",
                "tests/fixtures/cli.toml",
                "examples",
            ],
            &[".toml"],
        ));
        let text = prop_oneof![
            1 => arbitrary_text(),
            3 => mutated(seeds, TOML_TOKENS),
            4 => config_table().prop_map(|t| toml::to_string(&t).unwrap_or_default()),
        ];
        (text, any::<bool>())
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tollgate.toml");
    fuzz("config", strategy, |(text, with_report)| {
        std::fs::write(&path, &text).unwrap();
        let args = CheckOptions {
            config: Some(path.clone()),
            reports: if with_report {
                vec!["x.json".into()]
            } else {
                Vec::new()
            },
            ..Default::default()
        };
        let global = Global {
            color: ColorChoice::Never,
            verbose: 0,
        };
        match Settings::resolve(&args, global) {
            Ok(_) => Ok(Verdict::Accepted),
            Err(err) => rejected(&err),
        }
    });
}

/// A TOML value that a key should not hold, or holds only at the edges.
fn toml_weird() -> BoxedStrategy<toml::Value> {
    use toml::Value as T;
    let leaf = prop_oneof![
        any::<i64>().prop_map(T::Integer),
        select(vec![0i64, -1, 1, i64::MAX, i64::MIN, 1 << 32]).prop_map(T::Integer),
        select(vec![f64::NAN, f64::INFINITY, -0.0, 1e300, 0.5]).prop_map(T::Float),
        any::<bool>().prop_map(T::Boolean),
        select(ODD).prop_map(|s| T::String(s.to_string())),
        select(vec![
            "critical",
            "high",
            "medium",
            "low",
            "info",
            "human",
            "json=out.json",
            "sarif",
            "html=x/../y.html",
            "json=",
            "=",
            "huawei.coc.patch_compliance",
            "rule",
            "resource",
            "run",
            "on",
            "off",
            "dry-run",
            "none",
            "all",
            "non_compliant",
            "https://example.invalid",
            "1979-05-27",
        ])
        .prop_map(|s| T::String(s.to_string())),
        any::<String>().prop_map(T::String),
        Just(T::Datetime("1979-05-27T07:32:00Z".parse().unwrap())),
        Just(T::Datetime("07:32:00".parse().unwrap())),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(T::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| T::Table(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A table whose keys come from `keys` (tollgate's own, and now and then an unknown one).
fn toml_table(keys: &'static [&'static str], max: usize) -> BoxedStrategy<toml::Table> {
    prop::collection::vec(
        (
            prop_oneof![12 => select(keys).prop_map(String::from), 1 => "[a-z_]{1,10}"],
            toml_weird(),
        ),
        0..max,
    )
    .prop_map(|pairs| pairs.into_iter().collect())
    .boxed()
}

const TOP_KEYS: &[&str] = &[
    "reports",
    "report_kind",
    "policies",
    "outputs",
    "fail_on",
    "allow_empty",
    "no_fail",
    "jobs",
    "waivers",
    "baseline",
    "strict",
    "sarif_category",
];
const LIMIT_KEYS: &[&str] = &[
    "operations",
    "report_operations",
    "call_levels",
    "expr_depth",
    "string_len",
    "array_len",
    "map_len",
];
const SOURCE_KEYS: &[&str] = &[
    "name",
    "kind",
    "endpoint",
    "region",
    "project_id",
    "domain_id",
    "compliance_pack_id",
    "filters",
    "details",
    "concurrency",
    "page_size",
    "poll_timeout_secs",
    "timeout_secs",
    "max_attempts",
    "ca_file",
    "credentials",
    "allow_empty",
];
const INCIDENT_KEYS: &[&str] = &[
    "group_by",
    "min_severity",
    "state_file",
    "best_effort",
    "result_url",
    "endpoint",
    "project_id",
    "timeout_secs",
    "max_attempts",
    "ca_file",
    "credentials",
    "coc_incident",
    "coc_alarm",
];
const TICKET_KEYS: &[&str] = &[
    "application_id",
    "creator",
    "assignee",
    "assignee_scene",
    "assignee_role",
    "incident_type",
    "incident_source",
    "service_interrupt",
    "region",
    "enterprise_project",
    "levels",
    "integration_key_env",
    "namespace",
    "region_id",
];

/// A tollgate.toml as a table: known sections and keys with plausible and odd values.
fn config_table() -> BoxedStrategy<toml::Table> {
    use toml::Value as T;
    (
        toml_table(TOP_KEYS, 6),
        prop::option::of(toml_table(
            &[
                "prod_groups",
                "max_noncompliant_percent",
                "max_evidence_age_hours",
            ],
            4,
        )),
        prop::option::of(toml_table(LIMIT_KEYS, 4)),
        prop::collection::vec(
            (
                toml_table(SOURCE_KEYS, 6),
                "[a-z-]{0,6}",
                select(ReportKind::ALL.to_vec()),
            ),
            0..3,
        ),
        prop::option::of((
            toml_table(INCIDENT_KEYS, 5),
            toml_table(TICKET_KEYS, 6),
            any::<bool>(),
        )),
    )
        .prop_map(|(mut top, params, limits, sources, incident)| {
            if let Some(p) = params {
                top.insert("params".into(), T::Table(p));
            }
            if let Some(l) = limits {
                top.insert("limits".into(), T::Table(l));
            }
            if !sources.is_empty() {
                let tables = sources
                    .into_iter()
                    .map(|(mut t, name, kind)| {
                        t.entry("name").or_insert(T::String(name));
                        t.entry("kind").or_insert(T::String(kind.id().into()));
                        T::Table(t)
                    })
                    .collect();
                top.insert("source".into(), T::Array(tables));
            }
            if let Some((mut inc, ticket, alarm)) = incident {
                let sink = if alarm { "coc_alarm" } else { "coc_incident" };
                inc.insert(sink.into(), T::Table(ticket));
                top.insert("incident".into(), T::Table(inc));
            }
            top
        })
        .boxed()
}

/// Waiver files.
#[test]
fn waivers() {
    let strategy = || {
        let seeds = Arc::new(files(&["tests/fixtures/waivers"], &[".toml"]));
        let waiver = toml_table(&["rule", "resource", "reason", "expires", "owner"], 7)
            .prop_map(toml::Value::Table);
        let generated = prop::collection::vec(waiver, 0..4).prop_map(|ws| {
            let mut t = toml::Table::new();
            t.insert("waiver".into(), toml::Value::Array(ws));
            toml::to_string(&t).unwrap_or_default()
        });
        prop_oneof![
            1 => arbitrary_text(),
            3 => mutated(seeds, TOML_TOKENS),
            4 => generated,
        ]
    };
    fuzz(
        "waivers",
        strategy,
        |text| match tollgate::verdict::waiver::parse("fuzz.toml", &text) {
            Ok(waivers) => {
                for w in &waivers {
                    prop_assert!(!w.rule.is_empty() && !w.reason.is_empty());
                    let _ = w.location();
                }
                Ok(Verdict::Accepted)
            }
            Err(err) => rejected(&err),
        },
    );
}

/// Baselines (a previous `-o json` result).
#[test]
fn baselines() {
    let strategy = || {
        let seeds = Arc::new(files(&["tests/fixtures/waivers"], &[".json"]));
        let finding = object(
            &[
                ("fingerprint", Ty::Id),
                ("rule", Ty::Text),
                ("message", Ty::Text),
                ("resource", Ty::Obj(&[("id", Ty::Id)])),
            ],
            3,
        );
        let generated = (
        prop_oneof![4 => Just(json!("tollgate.result/v1")), 1 => Just(json!("tollgate.result/v9")), 1 => weird()],
        prop_oneof![6 => prop::collection::vec(finding, 0..5).prop_map(Value::from), 1 => weird()],
    )
        .prop_map(|(schema, findings)| json!({ "schema": schema, "findings": findings }).to_string());
        prop_oneof![
            1 => arbitrary_text(),
            3 => mutated(seeds, JSON_TOKENS),
            3 => generated,
        ]
    };
    fuzz(
        "baselines",
        strategy,
        |text| match tollgate::verdict::baseline::parse("fuzz.json", &text) {
            Ok(_) => Ok(Verdict::Accepted),
            Err(err) => rejected(&err),
        },
    );
}

/// The small documented example of every report kind, for running compiled policies over.
fn sample_reports() -> &'static Vec<Arc<Report>> {
    static REPORTS: OnceLock<Vec<Arc<Report>>> = OnceLock::new();
    REPORTS.get_or_init(|| {
        [
            "huawei-coc",
            "huawei-coc-items",
            "huawei-config",
            "alibaba-oos",
            "alibaba-config",
        ]
        .iter()
        .map(|dir| {
            let path = root()
                .join("tests/fixtures/reports")
                .join(dir)
                .join("doc-example.json");
            let text = std::fs::read_to_string(&path).unwrap();
            let input = Input {
                origin: tollgate::model::ReportOrigin::File((*dir).into()),
                text: text.into(),
            };
            Arc::new(report::load(&input, LoadOptions::default()).unwrap())
        })
        .collect()
    })
}

/// Literal Rhai values for `RULE` keys.
const RHAI_VALUES: &[&str] = &[
    "\"PATCH-900\"",
    "\"\"",
    "\" \"",
    "\"high\"",
    "\"critical\"",
    "\"info\"",
    "\"severe\"",
    "\"High\"",
    "[\"patch_node\"]",
    "[\"config_rule\", \"pack_result\"]",
    "[]",
    "[\"nope\"]",
    "[1, ()]",
    "42",
    "-1",
    "()",
    "true",
    "#{}",
    "#{ a: 1 }",
    "\"hard\"",
    "\"soft\"",
    "\"advisory\"",
    "3.5",
    "'c'",
    "\"\\u{202e}\"",
    "\"é😀\"",
    "[\"a\", \"b\"]",
    "`x${1}`",
    "1 + 1",
    "RULE",
];

/// Bodies for `check` and `check_report`.
const RHAI_BODIES: &[&str] = &[
    "()",
    "\"plain message\"",
    "deny(`${x.id} is bad`)",
    "warn(\"w\", #{ severity: \"low\", key: \"k\", properties: #{ n: 1 } })",
    "[deny(\"a\"), warn(\"b\"), ()]",
    "#{ message: \"m\", resource: \"nope\" }",
    "#{ message: \"m\", bogus: 1 }",
    "#{ }",
    "42",
    "x.name",
    "x.nope",
    "x.raw",
    "x.missing.critical > 0",
    "if x.status == \"non_compliant\" { deny(x.id) }",
    "loop { }",
    "let s = \"ab\"; loop { s += s; }",
    "let a = []; loop { a.push(a.len()); }",
    "throw \"boom\"",
    "9223372036854775807 + 1",
    "1 / 0",
    "x.resources.len()",
    "x.resources.filter(|r| r.status == \"non_compliant\").map(|r| deny(r.id))",
    "for r in x.resources { if r.reported_at > global::NOW { return deny(\"future\"); } }",
    "deny(global::PARAMS.to_json())",
    "f(x)",
    "print(\"noise\")",
    "deny(\"x\".pad(1000000, \"y\"))",
];

fn policy_source() -> BoxedStrategy<String> {
    let entries = prop::collection::vec(
        (
            prop_oneof![
                10 => select(vec!["id", "title", "severity", "applies_to", "help", "description", "enforcement", "tags"]),
                1 => select(vec!["ID", "sev", "\"quoted\"", "check"]),
            ],
            select(RHAI_VALUES),
        ),
        0..9,
    );
    (
        entries,
        prop::option::weighted(0.85, select(RHAI_BODIES)),
        prop::option::weighted(0.4, select(RHAI_BODIES)),
        any::<bool>(),
    )
        .prop_map(|(entries, check, report, helper)| {
            let rule: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let mut src = format!("const RULE = #{{ {} }};\n", rule.join(", "));
            if helper {
                src.push_str("fn f(n) { f(n) }\n");
            }
            if let Some(body) = check {
                src.push_str(&format!("fn check(x) {{ {body} }}\n"));
            }
            if let Some(body) = report {
                src.push_str(&format!("fn check_report(x) {{ {body} }}\n"));
            }
            src
        })
        .boxed()
}

/// Policy compilation with arbitrary source; a policy that compiles is then run over the
/// sample reports.
#[test]
fn policy_compile() {
    let strategy = || {
        let seeds = Arc::new(files(
            &[
                "policies",
                "tests/fixtures/policies",
                "tests/fixtures/policy-tests",
                "src/init",
            ],
            &[".rhai"],
        ));
        prop_oneof![
            1 => arbitrary_text(),
            4 => mutated(seeds, RHAI_TOKENS),
            4 => policy_source(),
            2 => (policy_source(), prop::collection::vec(edit(), 1..4))
                .prop_map(|(src, edits)| lossy(apply(src.as_bytes(), &[], RHAI_TOKENS, &edits))),
        ]
    };
    // A smaller budget for `check_report` than the default 50 million operations, so that a
    // generated endless loop costs milliseconds, not seconds.
    let limits = Limits {
        report_operations: 200_000,
        ..Limits::default()
    };
    let globals = Globals {
        params: rhai::Map::new(),
        now: 1_795_428_000_000,
    };
    let reports = sample_reports();
    fuzz("policy_compile", strategy, |text| {
        match policy::compile(
            Path::new("fuzz.rhai"),
            text.as_str().into(),
            &limits,
            &globals,
        ) {
            Ok(policy) => {
                let out = policy::evaluate(std::slice::from_ref(&policy), reports);
                for err in &out.errors {
                    check_rejection(err)?;
                }
                Ok(Verdict::Accepted)
            }
            Err(err) => rejected(&err),
        }
    });
}

/// The shipped policies, compiled once for each of a few sets of parameters.
fn shipped_policies() -> &'static Vec<Vec<Policy>> {
    static POLICIES: OnceLock<Vec<Vec<Policy>>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        let params = |pairs: &[(&str, rhai::Dynamic)]| -> rhai::Map {
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), v.clone()))
                .collect()
        };
        let sets = [
            params(&[("prod_groups", vec![rhai::Dynamic::from("prod")].into())]),
            params(&[]),
            params(&[
                ("prod_groups", rhai::Dynamic::from(5_i64)),
                ("max_noncompliant_percent", rhai::Dynamic::from("half")),
                ("max_evidence_age_hours", rhai::Dynamic::from(i64::MAX)),
            ]),
        ];
        sets.into_iter()
            .enumerate()
            .map(|(i, params)| {
                let globals = Globals {
                    params,
                    now: [1_795_428_000_000, 0, i64::MIN][i],
                };
                policy::load(&[root().join("policies")], &Limits::default(), &globals).unwrap()
            })
            .collect()
    })
}

/// What an evaluation produced, in order, for comparing two runs.
fn summary(out: &policy::Evaluation) -> Vec<String> {
    let mut lines: Vec<String> = out
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {:?} {} {}",
                f.rule.id, f.fingerprint, f.level, f.severity, f.message
            )
        })
        .collect();
    lines.extend(out.errors.iter().map(|e| format!("error {e}")));
    lines.push(format!("{} errors, {} calls", out.error_count, out.calls));
    lines
}

/// The shipped policies over reports built from generated records; one case in two is also
/// run on a single thread, which must give the same findings in the same order.
#[test]
fn evaluation() {
    let strategy = || {
        let doc = prop_oneof![2 => any_document(0, 12), 1 => any_document(1, 12)];
        let docs = prop::collection::vec((doc, 0..2u8), 1..4);
        (docs, 0..3usize, any::<bool>())
    };
    let serial = pool(1);
    let checked = AtomicU64::new(0);
    let found = AtomicU64::new(0);
    fuzz("evaluation", strategy, |(docs, params, compare)| {
        let mut reports = Vec::new();
        for (i, (doc, style)) in docs.iter().enumerate() {
            let input = Input {
                origin: tollgate::model::ReportOrigin::File(format!("r{i}.json").into()),
                text: render(doc, *style).into(),
            };
            let options = LoadOptions {
                allow_empty: true,
                ..LoadOptions::default()
            };
            match report::load_all(&input, options) {
                Ok(loaded) => reports.extend(loaded.into_iter().map(Arc::new)),
                Err(err) => check_rejection(&err)?,
            }
        }
        let policies = &shipped_policies()[params];
        let out = policy::evaluate(policies, &reports);
        found.fetch_add(out.findings.len() as u64, Ordering::Relaxed);
        for err in &out.errors {
            check_rejection(err)?;
        }
        if compare && !reports.is_empty() {
            checked.fetch_add(1, Ordering::Relaxed);
            let alone = serial.install(|| policy::evaluate(policies, &reports));
            prop_assert_eq!(
                summary(&out),
                summary(&alone),
                "one thread and many disagree"
            );
        }
        Ok(if reports.is_empty() {
            Verdict::Rejected
        } else {
            Verdict::Accepted
        })
    });
    eprintln!(
        "fuzz evaluation: {} findings in all; {} cases compared with a single-threaded run",
        found.load(Ordering::Relaxed),
        checked.load(Ordering::Relaxed)
    );
}
