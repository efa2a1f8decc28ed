//! `-o sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF readers.
//!
//! Spec: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>; what GitHub reads
//! and requires: <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>.
//!
//! One run: `tool.driver.rules` from the rules' metadata, one result per finding (waived ones
//! with a suppression), policy errors as tool execution notifications. A result's physical
//! location is where the resource's JSON object starts in its report file; a finding that
//! has no such place (standard input, a live source) points at the policy file and the line
//! of its `RULE`. Paths are made relative to the working directory ([`Context::base_dir`]).
//! The document is made of borrowed structs, and results are built one at a time while they
//! are written, so a fleet-sized verdict is never held twice in memory.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Serialize, Serializer};

use super::{thousands, Context};
use crate::model::{Enforcement, Rule};
use crate::model::{Severity, Subject};
use crate::verdict::{BaselineMark, Disposition, ExitStatus, Judged, Verdict};

/// The `$schema` GitHub's documentation uses for SARIF 2.1.0.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `uriBaseId` of paths relative to the working directory.
const SRCROOT: &str = "%SRCROOT%";

/// The `partialFingerprints` key: tollgate's own fingerprint, versioned with its scheme
/// (see `crate::model::fingerprint`). GitHub computes `primaryLocationLineHash` itself.
const FINGERPRINT_KEY: &str = "tollgate/v1";

/// GitHub limits (sarif-support-for-code-scanning and its upload limits): longer names and
/// descriptions are cut, and only the first ten tags of a rule are kept (GitHub rejects a
/// rule with more than 20, and shows 10).
const MAX_NAME: usize = 255;
const MAX_DESCRIPTION: usize = 1024;
const MAX_TAGS: usize = 10;

/// GitHub code scanning rejects a run with more results than this.
pub(crate) const GITHUB_MAX_RESULTS: usize = 25_000;

/// GitHub code scanning rejects a run with more rules than this.
const MAX_RULES: usize = 25_000;

/// GitHub's limit on an upload: 10 MB, gzipped.
const MAX_GZIP_BYTES: u64 = 10_000_000;

pub(super) fn emit(verdict: &Verdict, cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    write(Emitter::new(verdict, cx, MAX_GZIP_BYTES), out)
}

fn write(emitter: Emitter<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut out = Metered {
        out: BufWriter::new(out),
        gauge: &emitter.gauge,
    };
    serde_json::to_writer(&mut out, &emitter.log()).map_err(io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// How large the document is so far, gzipped as GitHub counts it. Everything written goes
/// through a fast gzip encoder that only counts its output; `since_flush` is what the
/// encoder may still hold, so `counted + since_flush` is never less than the true size.
struct Gauge {
    gzip: flate2::write::GzEncoder<Counter>,
    since_flush: u64,
    /// The most the document may weigh gzipped: [`MAX_GZIP_BYTES`].
    limit: u64,
}

impl Gauge {
    fn new(limit: u64) -> Self {
        Gauge {
            gzip: flate2::write::GzEncoder::new(Counter(0), flate2::Compression::fast()),
            since_flush: 0,
            limit,
        }
    }

    /// An upper bound of the gzipped size of what was written.
    fn bound(&self) -> u64 {
        self.gzip.get_ref().0 + self.since_flush
    }

    /// The gzipped size, exactly (less the trailer): the encoder is flushed.
    fn exact(&mut self) -> io::Result<u64> {
        self.gzip.flush()?;
        self.since_flush = 0;
        Ok(self.gzip.get_ref().0)
    }

    /// Would `more` bytes still fit with `reserve` to spare?
    fn fits(&mut self, more: u64, reserve: u64) -> io::Result<bool> {
        // Gzip never grows data by more than a few bytes a block: raw size is a safe bound.
        if self.bound() + more + reserve <= self.limit {
            return Ok(true);
        }
        Ok(self.exact()? + more + reserve <= self.limit)
    }
}

/// A writer that counts bytes.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How long `value` is as JSON, counted as it is serialized rather than kept: the run's
/// properties hold every incident record, one per finding with `group_by = "resource"`.
fn json_len(value: &impl Serialize) -> u64 {
    let mut counter = Counter(0);
    serde_json::to_writer(&mut counter, value).map_or(0, |()| counter.0)
}

/// The output, with everything written also measured by the [`Gauge`].
struct Metered<'a, W: Write> {
    out: BufWriter<W>,
    gauge: &'a std::cell::RefCell<Gauge>,
}

impl<W: Write> Write for Metered<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        let mut gauge = self.gauge.borrow_mut();
        gauge.gzip.write_all(&buf[..n])?;
        gauge.since_flush += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// GitHub's `security-severity` for a severity: over 9.0 is critical, 7.0–8.9 high,
/// 4.0–6.9 medium, 0.1–3.9 low, and 0.0 none.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A result's level: `error` when it blocks the gate, `note` for info, else `warning`.
fn level(j: &Judged) -> &'static str {
    if j.disposition == Disposition::Blocking {
        "error"
    } else if j.finding.severity == Severity::Info {
        "note"
    } else {
        "warning"
    }
}

/// A rule's default level: what a `deny` finding at the rule's severity would get.
fn default_level(rule: &Rule, fail_on: Severity) -> &'static str {
    if rule.severity == Severity::Info {
        "note"
    } else if rule.enforcement == Enforcement::Advisory || rule.severity < fail_on {
        "warning"
    } else {
        "error"
    }
}

// ---------------------------------------------------------------------------------------
// The document. Field names are SARIF's (camelCase); property bags use tollgate's names.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

/// The fields in the order they are written: the invocation (with the notification that
/// says how many results were left out) and the properties come after the results, whose
/// cut is known only once they are written.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    original_uri_base_ids: HashMap<&'static str, BaseUri>,
    column_kind: &'static str,
    results: Results<'a>,
    invocations: [Invocation<'a>; 1],
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<RuleDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor<'a> {
    id: &'a str,
    name: String,
    short_description: Text<'a>,
    full_description: Text<'a>,
    default_configuration: Configuration,
    help: Help,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text<'a> {
    text: Cow<'a, str>,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: Vec<&'a str>,
    precision: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    severity: Severity,
    enforcement: &'static str,
    applies_to: Vec<&'static str>,
    /// The framework controls the rule serves.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    controls: &'a [String],
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
struct BaseUri {
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    description: Text<'static>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    end_time_utc: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    working_directory: Option<Artifact>,
    tool_execution_notifications: Notifications<'a>,
}

/// The notifications, made when they are written (after the results).
struct Notifications<'a> {
    emitter: &'a Emitter<'a>,
}

impl Serialize for Notifications<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.emitter.notifications())
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification<'a> {
    level: &'static str,
    message: Text<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    associated_rule: Option<RuleReference<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<NotificationProperties<'a>>,
}

#[derive(Serialize)]
struct RuleReference<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
}

#[derive(Serialize)]
struct NotificationProperties<'a> {
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
}

#[derive(Serialize)]
struct RunProperties<'a> {
    verdict: ExitStatus,
    exit_code: u8,
    /// False when the run stopped before evaluating anything (see docs/output.md: such a
    /// file must not be uploaded to code scanning, whose alerts it would close).
    evaluated: bool,
    fail_on: Severity,
    strict: bool,
    /// Findings not written as results, to keep within GitHub's limits.
    results_left_out: LeftOut<'a>,
    /// Every ticket and alarm of the run, when `--incidents` was dry-run or on.
    #[serde(skip_serializing_if = "Option::is_none")]
    incidents: Option<&'a crate::model::incident::Report>,
    /// The run's new, fixed, overdue and within-SLA counts, when it keeps a ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    ledger: Option<super::LedgerCounts<'a>>,
}

/// Where an artifact is: relative to `%SRCROOT%`, or an absolute `file://` URI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<'a>,
    locations: [Location<'a>; 1],
    partial_fingerprints: Fingerprints<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[Suppression; 1]>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
    logical_locations: [LogicalLocation<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: Cow<'a, Artifact>,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

impl Region {
    /// A whole line.
    fn line(line: u32) -> Self {
        Region {
            start_line: line.max(1),
            start_column: None,
            end_line: None,
            end_column: None,
        }
    }

    /// The one character at `line`:`column` (the opening brace of a resource's object).
    fn point(line: u32, column: u32) -> Self {
        let column = column.max(1);
        Region {
            start_line: line,
            start_column: Some(column),
            end_line: Some(line),
            end_column: Some(column + 1),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    name: &'a str,
    fully_qualified_name: String,
    kind: &'static str,
}

struct Fingerprints<'a>(&'a str);

impl Serialize for Fingerprints<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map([(FINGERPRINT_KEY, self.0)])
    }
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    status: &'static str,
    blocking: bool,
    severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiver: Option<WaiverProperties<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineMark>,
    /// First seen, age and due date, when the run keeps a ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    ledger: Option<super::AgingView>,
    /// The framework controls of the finding's rule.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    controls: &'a [String],
    resource: ResourceProperties<'a>,
    /// The `properties` the policy put on the finding; nested so that a policy's `tags`
    /// cannot clash with the property bag's own `tags`.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    details: &'a serde_json::Map<String, serde_json::Value>,
    /// The tickets and alarms that cover the finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    incidents: Vec<crate::model::incident::TicketRef<'a>>,
}

#[derive(Serialize)]
struct WaiverProperties<'a> {
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    expires: String,
    file: &'a str,
    line: u32,
}

#[derive(Serialize)]
struct ResourceProperties<'a> {
    kind: &'a str,
    provider: Option<&'a str>,
    source: &'a str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pointer: Option<String>,
}

/// How many findings the results leave out, known once they are written.
struct LeftOut<'a> {
    emitter: &'a Emitter<'a>,
}

impl Serialize for LeftOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.emitter.left_out() as u64)
    }
}

/// The results, built one at a time while they are written: the findings the cap keeps,
/// in the order they are kept in (so that the size limit, too, leaves out the least
/// important), for as long as the document stays under GitHub's size limit.
struct Results<'a> {
    emitter: &'a Emitter<'a>,
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let e = self.emitter;
        let mut seq = s.serialize_seq(None)?;
        let mut written = 0usize;
        for j in e.order.iter().take(e.kept).map(|&i| &e.verdict.findings[i]) {
            let text = serde_json::to_string(&e.result(j)).map_err(S::Error::custom)?;
            let fits = e
                .gauge
                .borrow_mut()
                .fits(text.len() as u64 + 1, e.tail)
                .map_err(S::Error::custom)?;
            if !fits {
                break;
            }
            let raw = serde_json::value::RawValue::from_string(text).map_err(S::Error::custom)?;
            seq.serialize_element(&raw)?;
            written += 1;
        }
        e.cut_for_size.set(e.kept - written);
        seq.end()
    }
}

// ---------------------------------------------------------------------------------------
// Building it.

struct Emitter<'a> {
    verdict: &'a Verdict,
    cx: &'a Context,
    base: Option<PathBuf>,
    /// The rules in `tool.driver.rules`: every rule, unless there are more than GitHub
    /// takes, when only the rules of the results are.
    rules: Vec<&'a Rule>,
    rule_index: HashMap<&'a str, usize>,
    /// The findings (indexes) from the most to the least important: blocking first, then
    /// the most severe, then by rule and resource. The results are the first `kept`.
    order: Vec<usize>,
    /// How many the results cap keeps.
    kept: usize,
    /// Kept findings that were not written because the document reached the size limit.
    cut_for_size: std::cell::Cell<usize>,
    /// The gzipped size of what was written so far.
    gauge: std::cell::RefCell<Gauge>,
    /// Bytes to keep free for what follows the results.
    tail: u64,
    /// Tickets by finding fingerprint.
    tickets: HashMap<&'a str, Vec<&'a crate::model::incident::Record>>,
    /// Artifact locations of the report files and policy files, worked out once.
    artifacts: HashMap<&'a Path, Artifact>,
}

impl<'a> Emitter<'a> {
    fn new(verdict: &'a Verdict, cx: &'a Context, gzip_limit: u64) -> Self {
        let base = cx.base_dir.as_deref().map(normalize);
        let mut artifacts = HashMap::new();
        let files = verdict
            .reports
            .iter()
            .map(|r| Path::new(r.origin.as_str()))
            .chain(verdict.rules.iter().map(|r| r.file.as_path()));
        for file in files {
            artifacts
                .entry(file)
                .or_insert_with(|| artifact(file, base.as_deref()));
        }
        // A cut must never leave a blocking finding out for a waived or existing one: they
        // come first, each in the verdict's ranking (most severe, rule, resource).
        let mut order = verdict.ranked_indices();
        order.sort_by_key(|&i| !verdict.findings[i].blocking);
        let kept = order.len().min(cx.sarif_max_results.max(1));
        let rules: Vec<&Rule> = if verdict.rules.len() <= MAX_RULES {
            verdict.rules.iter().map(|r| &**r).collect()
        } else {
            let used: std::collections::HashSet<&str> = order[..kept]
                .iter()
                .map(|&i| verdict.findings[i].finding.rule.id.as_str())
                .collect();
            verdict
                .rules
                .iter()
                .map(|r| &**r)
                .filter(|r| used.contains(r.id.as_str()))
                .take(MAX_RULES)
                .collect()
        };
        Emitter {
            verdict,
            cx,
            rule_index: rules
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id.as_str(), i))
                .collect(),
            rules,
            order,
            kept,
            cut_for_size: std::cell::Cell::new(0),
            gauge: std::cell::RefCell::new(Gauge::new(gzip_limit)),
            tail: 0,
            tickets: cx
                .incidents
                .as_ref()
                .map(|r| r.by_finding())
                .unwrap_or_default(),
            base,
            artifacts,
        }
        .with_tail()
    }

    /// Measure what follows the results (the invocation with its notifications, the run's
    /// properties and the closing brackets), with room for the note about a cut.
    fn with_tail(mut self) -> Self {
        self.tail = json_len(&self.invocation()) + json_len(&self.properties()) + 4096;
        self
    }

    /// Findings not written as results: past the cap, or past the size limit.
    fn left_out(&self) -> usize {
        self.verdict.findings.len() - self.kept + self.cut_for_size.get()
    }

    fn artifact(&self, file: &'a Path) -> Cow<'_, Artifact> {
        match self.artifacts.get(file) {
            Some(a) => Cow::Borrowed(a),
            None => Cow::Owned(artifact(file, self.base.as_deref())),
        }
    }

    fn log(&'a self) -> Log<'a> {
        let cx = self.cx;
        Log {
            schema: SCHEMA_URI,
            version: "2.1.0",
            runs: [Run {
                tool: Tool {
                    driver: Driver {
                        name: "tollgate",
                        version: &cx.version,
                        information_uri: env!("CARGO_PKG_REPOSITORY"),
                        rules: self.rules.iter().map(|r| self.rule(r)).collect(),
                    },
                },
                automation_details: AutomationDetails {
                    id: automation_id(&cx.category),
                },
                original_uri_base_ids: HashMap::from([(
                    SRCROOT,
                    BaseUri {
                        uri: self.base.as_deref().map(directory_uri),
                        description: Text {
                            text: "The working directory tollgate ran in".into(),
                        },
                    },
                )]),
                column_kind: "unicodeCodePoints",
                results: Results { emitter: self },
                invocations: [self.invocation()],
                properties: self.properties(),
            }],
        }
    }

    fn invocation(&'a self) -> Invocation<'a> {
        Invocation {
            // The run's one outcome: false whenever it could not decide.
            execution_successful: self.verdict.status != ExitStatus::Error,
            end_time_utc: &self.cx.generated_at,
            working_directory: self.base.as_deref().map(|b| Artifact {
                uri: directory_uri(b),
                uri_base_id: None,
            }),
            tool_execution_notifications: Notifications { emitter: self },
        }
    }

    fn properties(&'a self) -> RunProperties<'a> {
        let v = self.verdict;
        RunProperties {
            verdict: v.status,
            exit_code: v.exit_code(),
            evaluated: v.evaluated,
            fail_on: v.fail_on,
            strict: v.strict,
            results_left_out: LeftOut { emitter: self },
            incidents: self.cx.incidents.as_ref(),
            ledger: v.ledger.as_ref().map(super::LedgerCounts::of),
        }
    }

    fn rule(&self, rule: &'a Rule) -> RuleDescriptor<'a> {
        let given = |text: &'a Option<String>| text.as_deref().filter(|t| !t.trim().is_empty());
        let title = if rule.title.trim().is_empty() {
            rule.id.as_str()
        } else {
            rule.title.as_str()
        };
        let mut tags: Vec<&str> = vec!["security", "compliance"];
        for tag in &rule.tags {
            if !tags.contains(&tag.as_str()) {
                tags.push(tag);
            }
        }
        tags.truncate(MAX_TAGS);
        let applies_to: Vec<&'static str> = rule.applies_to.iter().map(|k| k.as_str()).collect();
        let help = given(&rule.help).unwrap_or(title);
        let (kinds, kinds_md) = if applies_to.is_empty() {
            let all = "every resource kind".to_string();
            (all.clone(), all)
        } else {
            (
                applies_to.join(", "),
                applies_to
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        };
        let (severity, enforcement) = (rule.severity, rule.enforcement.as_str());
        RuleDescriptor {
            id: &rule.id,
            name: clip(&pascal_case(title, &rule.id), MAX_NAME).into_owned(),
            short_description: Text {
                text: clip(title, MAX_DESCRIPTION),
            },
            full_description: Text {
                text: clip(given(&rule.description).unwrap_or(title), MAX_DESCRIPTION),
            },
            default_configuration: Configuration {
                level: default_level(rule, self.verdict.fail_on),
            },
            help: Help {
                text: format!(
                    "{help}\n\nSeverity: {severity}. Enforcement: {enforcement}. Applies to: {kinds}."
                ),
                markdown: format!(
                    "{}\n\nSeverity: **{severity}**. Enforcement: {enforcement}. Applies to: {kinds_md}.",
                    markdown_escape(help)
                ),
            },
            properties: RuleProperties {
                tags,
                precision: "very-high",
                security_severity: security_severity(rule.severity),
                severity: rule.severity,
                enforcement: rule.enforcement.as_str(),
                applies_to,
                controls: &rule.controls,
            },
        }
    }

    fn notifications(&'a self) -> Vec<Notification<'a>> {
        let v = self.verdict;
        let mut list: Vec<Notification<'a>> = v
            .errors
            .iter()
            .map(|e| {
                let text = match (&e.rule, &e.subject) {
                    (Some(rule), Some(subject)) => {
                        format!("{rule} failed on {subject}: {}", e.message)
                    }
                    (Some(rule), None) => format!("{rule} failed: {}", e.message),
                    _ => e.message.clone(),
                };
                Notification {
                    level: "error",
                    message: Text {
                        text: plain_text(text).into(),
                    },
                    associated_rule: e.rule.as_deref().map(|id| RuleReference {
                        id,
                        index: self.rule_index.get(id).copied(),
                    }),
                    properties: Some(NotificationProperties {
                        code: &e.code,
                        subject: e.subject.as_deref(),
                    }),
                }
            })
            .collect();
        let left_out = self.left_out();
        if left_out > 0 {
            let total = v.findings.len();
            list.push(Notification {
                level: "warning",
                message: Text {
                    text: format!(
                        "{} of {} findings are not in this file, to keep it within GitHub code scanning's limits ({} results per run with --sarif-max-results, 10 MB gzipped); the most severe were kept. Every finding is in the JSON result (-o json).",
                        thousands(left_out),
                        thousands(total),
                        thousands(self.cx.sarif_max_results.max(1)),
                    )
                    .into(),
                },
                associated_rule: None,
                properties: None,
            });
        }
        if self.kept > GITHUB_MAX_RESULTS {
            list.push(Notification {
                level: "warning",
                message: Text {
                    text: format!(
                        "this run holds {} results: GitHub code scanning rejects a run of more than {} (--sarif-max-results is {})",
                        thousands(self.kept - self.cut_for_size.get()),
                        thousands(GITHUB_MAX_RESULTS),
                        thousands(self.cx.sarif_max_results)
                    )
                    .into(),
                },
                associated_rule: None,
                properties: None,
            });
        }
        if self.rules.len() < v.rules.len() {
            list.push(Notification {
                level: "warning",
                message: Text {
                    text: format!(
                        "{} rules without results are not in tool.driver.rules: GitHub takes at most {} rules a run",
                        thousands(v.rules.len() - self.rules.len()),
                        thousands(MAX_RULES)
                    )
                    .into(),
                },
                associated_rule: None,
                properties: None,
            });
        }
        list.extend(v.warnings.iter().map(|w| Notification {
            level: "warning",
            message: Text {
                text: plain_text(w.clone()).into(),
            },
            associated_rule: None,
            properties: None,
        }));
        if v.error_count > v.errors.len() {
            let more = v.error_count - v.errors.len();
            list.push(Notification {
                level: "error",
                message: Text {
                    text: format!(
                        "{more} more policy error{} (only the first few of each rule are listed)",
                        if more == 1 { "" } else { "s" }
                    )
                    .into(),
                },
                associated_rule: None,
                properties: None,
            });
        }
        list
    }

    fn result(&'a self, j: &'a Judged) -> SarifResult<'a> {
        let f = &j.finding;
        let rule = &f.rule;
        let (artifact, region) = match &f.subject {
            Subject::Resource(r) if r.origin.file().is_file() && r.origin.line > 0 => (
                self.artifact(Path::new(r.origin.file().name())),
                Region::point(r.origin.line, r.origin.column),
            ),
            Subject::Report { origin: name, .. } if name.is_file() => {
                (self.artifact(Path::new(name.name())), Region::line(1))
            }
            _ => (self.artifact(&rule.file), Region::line(rule.line)),
        };
        let (resource, logical, text) = match &f.subject {
            Subject::Resource(r) => {
                let named = match r.name() {
                    Some(n) if !n.is_empty() && n != r.id() => format!(" ({n})"),
                    _ => String::new(),
                };
                let part = |p: Option<&str>| p.filter(|s| !s.is_empty()).unwrap_or("-").to_string();
                (
                    ResourceProperties {
                        kind: r.kind().as_str(),
                        provider: r.provider(),
                        source: r.source.id(),
                        id: r.id(),
                        name: r.name(),
                        region: r.region(),
                        group: r.group(),
                        status: Some(r.status.as_str()),
                        pointer: Some(r.origin.pointer()),
                    },
                    LogicalLocation {
                        name: r.id(),
                        fully_qualified_name: [
                            part(r.provider()),
                            part(r.region()),
                            part(r.group()),
                            r.id().to_string(),
                        ]
                        .join("/"),
                        kind: "resource",
                    },
                    format!("{} — {} {}{named}", f.message, r.kind(), r.id()),
                )
            }
            Subject::Report { kind, origin: name } => (
                ResourceProperties {
                    kind: "report",
                    provider: kind.provider_name(),
                    source: kind.id(),
                    id: kind.id(),
                    name: Some(name.name()),
                    region: None,
                    group: None,
                    status: None,
                    pointer: None,
                },
                LogicalLocation {
                    name: kind.id(),
                    fully_qualified_name: match kind.provider_name() {
                        Some(provider) => format!("{provider}/{}", kind.id()),
                        None => kind.id().to_string(),
                    },
                    kind: "resource",
                },
                format!("{} — {}", f.message, f.subject.label()),
            ),
        };
        SarifResult {
            rule_id: &rule.id,
            rule_index: self.rule_index.get(rule.id.as_str()).copied(),
            level: level(j),
            message: Text {
                text: plain_text(text).into(),
            },
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: artifact,
                    region,
                },
                logical_locations: [logical],
            }],
            partial_fingerprints: Fingerprints(&f.fingerprint),
            baseline_state: j.baseline.map(|b| match b {
                BaselineMark::New => "new",
                BaselineMark::Existing => "unchanged",
            }),
            suppressions: j.waiver.as_deref().map(|w| {
                let owner = w
                    .owner
                    .as_deref()
                    .map(|o| format!("owner {o}; "))
                    .unwrap_or_default();
                [Suppression {
                    kind: "external",
                    status: "accepted",
                    justification: format!(
                        "{} ({owner}expires {}; waiver at {})",
                        w.reason,
                        w.expires,
                        w.location()
                    ),
                }]
            }),
            properties: ResultProperties {
                status: j.disposition.as_str(),
                blocking: j.blocking,
                severity: f.severity,
                waiver: j.waiver.as_deref().map(|w| WaiverProperties {
                    reason: &w.reason,
                    owner: w.owner.as_deref(),
                    expires: w.expires.to_string(),
                    file: &w.file,
                    line: w.line,
                }),
                baseline: j.baseline,
                ledger: j.aging.as_ref().map(super::AgingView::of),
                controls: &f.rule.controls,
                resource,
                details: &f.properties,
                incidents: self
                    .tickets
                    .get(f.fingerprint.as_str())
                    .map(|records| {
                        records
                            .iter()
                            .map(|r| crate::model::incident::TicketRef::of(r))
                            .collect()
                    })
                    .unwrap_or_default(),
            },
        }
    }
}

/// `automationDetails.id`: GitHub takes everything before the last `/` as the category.
fn automation_id(category: &str) -> String {
    format!("{}/", category.trim_end_matches('/'))
}

/// `"No criticals on prod"` → `"NoCriticalsOnProd"`: SARIF's rule `name` is a readable
/// identifier. Falls back to the id's letters and digits.
fn pascal_case(title: &str, id: &str) -> String {
    let words = |s: &str| -> String {
        s.split(|c: char| !c.is_alphanumeric())
            .flat_map(|w| {
                let mut cs = w.chars();
                cs.next().into_iter().flat_map(char::to_uppercase).chain(cs)
            })
            .collect()
    };
    let name = words(title);
    if name.is_empty() {
        words(id)
    } else {
        name
    }
}

/// At most `max` characters, the last one an ellipsis when cut.
fn clip(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let mut cut: String = text.chars().take(max - 1).collect();
            cut.push('…');
            Cow::Owned(cut)
        }
    }
}

/// A SARIF plain-text message: `[` and `]` are escaped so that no text reads as an
/// embedded link (SARIF 2.1.0 §3.11.6), which GitHub would render as one.
fn plain_text(text: String) -> String {
    if text.contains(['[', ']']) {
        text.replace('[', "\\[").replace(']', "\\]")
    } else {
        text
    }
}

/// Policy text in GitHub-flavoured Markdown: the characters that would start emphasis,
/// code, links, HTML, headings, tables or strike-through are backslash-escaped.
fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `.` and `..` resolved without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Where a report or policy file is, for an `artifactLocation`: relative to the working
/// directory (`%SRCROOT%`) when it lies under it, else an absolute `file://` URI.
fn artifact(file: &Path, base: Option<&Path>) -> Artifact {
    let absolute = if file.is_absolute() {
        Some(normalize(file))
    } else {
        base.map(|b| normalize(&b.join(file)))
    };
    if let (Some(abs), Some(base)) = (&absolute, base) {
        if let Ok(rel) = abs.strip_prefix(base) {
            return relative(rel);
        }
    }
    match absolute {
        Some(abs) if base.is_some() || file.is_absolute() => Artifact {
            uri: file_uri(&abs),
            uri_base_id: None,
        },
        _ => relative(&normalize(file)),
    }
}

fn relative(path: &Path) -> Artifact {
    let mut uri = String::new();
    for c in path.components() {
        if !uri.is_empty() {
            uri.push('/');
        }
        match c {
            Component::ParentDir => uri.push_str(".."),
            other => encode_segment(other.as_os_str().as_encoded_bytes(), &mut uri),
        }
    }
    Artifact {
        uri,
        uri_base_id: Some(SRCROOT),
    }
}

/// `/a b/c` → `file:///a%20b/c`; `C:\a` → `file:///C:/a`.
fn file_uri(abs: &Path) -> String {
    let mut uri = String::from("file://");
    for c in abs.components() {
        match c {
            Component::Prefix(p) => {
                uri.push('/');
                uri.push_str(&p.as_os_str().to_string_lossy().replace('\\', "/"));
            }
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir => uri.push_str("/.."),
            Component::Normal(s) => {
                uri.push('/');
                encode_segment(s.as_encoded_bytes(), &mut uri);
            }
        }
    }
    if uri == "file://" {
        uri.push('/');
    }
    uri
}

/// A directory as a `file://` URI ending in `/`, as SARIF wants for a base.
fn directory_uri(dir: &Path) -> String {
    let mut uri = file_uri(dir);
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// What a path segment escapes: everything but RFC 3986's `pchar`, and `:` as well, so that
/// a relative reference can never read as a scheme.
const NOT_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b'@');

/// Percent-encode one path segment. (The `file://` URIs are made here rather than by the
/// url crate, which leaves `:` and other characters bare and would change the URIs the
/// results have always had.)
fn encode_segment(bytes: &[u8], out: &mut String) {
    out.extend(percent_encoding::percent_encode(bytes, NOT_SEGMENT));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::{baselined_verdict, context, empty_verdict, render, sample_verdict};
    use crate::output::Format;
    use serde_json::Value;

    fn sarif(verdict: &Verdict) -> Value {
        serde_json::from_str(&render(Format::Sarif, verdict)).unwrap()
    }

    #[test]
    fn sample() {
        insta::assert_json_snapshot!(sarif(&sample_verdict()));
    }

    #[test]
    fn empty() {
        let log = sarif(&empty_verdict());
        assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
        assert_eq!(
            log["runs"][0]["invocations"][0]["executionSuccessful"],
            true
        );
        insta::assert_json_snapshot!(log);
    }

    #[test]
    fn output_is_one_compact_line() {
        let text = render(Format::Sarif, &sample_verdict());
        assert_eq!(text.lines().count(), 1);
        assert!(text.ends_with("}\n"));
    }

    /// The official OASIS schema, kept as test data (see tests/fixtures/sarif/README.md).
    fn schema() -> jsonschema::Validator {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sarif/sarif-schema-2.1.0.json"
        );
        let mut schema: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        // The OASIS schema's two `language` patterns (run, toolComponent) have a stray `]`,
        // a literal under ECMA-262's Annex B that the Rust regex engines reject, so the
        // draft-07 meta-schema check fails. Escaping it keeps the patterns' meaning
        // (tollgate writes no `language`).
        for at in ["run", "toolComponent"] {
            let pattern = schema
                .pointer_mut(&format!("/definitions/{at}/properties/language/pattern"))
                .unwrap();
            assert_eq!(pattern, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
            *pattern = r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\]?$".into();
        }
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap()
    }

    fn assert_valid(log: &Value) {
        let validator = schema();
        let errors: Vec<String> = validator
            .iter_errors(log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    }

    #[test]
    fn validates_against_the_sarif_schema() {
        assert_valid(&sarif(&sample_verdict()));
        assert_valid(&sarif(&empty_verdict()));
        assert_valid(&sarif(&baselined_verdict()));
        let mut cx = context();
        cx.base_dir = Some(PathBuf::from("/work/repo dir"));
        let mut out = Vec::new();
        emit(&sample_verdict(), &cx, &mut out).unwrap();
        assert_valid(&serde_json::from_slice(&out).unwrap());
    }

    #[test]
    fn the_schema_rejects_what_it_should() {
        // The validator really validates: a wrong version and a bad level are errors.
        let mut log = sarif(&sample_verdict());
        log["version"] = "2.0.0".into();
        log["runs"][0]["results"][0]["level"] = "fatal".into();
        assert_eq!(schema().iter_errors(&log).count(), 2);
    }

    /// What GitHub code scanning needs beyond the schema, checked one by one.
    fn assert_github_rules(log: &Value) {
        assert_eq!(log["version"], "2.1.0");
        assert!(log["$schema"]
            .as_str()
            .is_some_and(|s| s.starts_with("https://")));
        let runs = log["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1, "one run");
        let run = &runs[0];
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "tollgate");
        assert!(driver["version"].as_str().is_some_and(|v| !v.is_empty()));
        assert!(driver["informationUri"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://")));
        let rules = driver["rules"].as_array().unwrap();
        let mut ids = std::collections::HashSet::new();
        for rule in rules {
            let id = rule["id"].as_str().unwrap();
            assert!(ids.insert(id), "rule ids are unique");
            for field in ["shortDescription", "fullDescription"] {
                let text = rule[field]["text"].as_str().unwrap();
                assert!(
                    !text.is_empty() && text.chars().count() <= 1024,
                    "{id} {field}"
                );
            }
            let name = rule["name"].as_str().unwrap();
            assert!(!name.is_empty() && name.chars().count() <= 255);
            assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
            assert!(!rule["help"]["markdown"].as_str().unwrap().is_empty());
            let props = &rule["properties"];
            let score: f64 = props["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((0.0..=10.0).contains(&score), "{id}: {score}");
            let tags: Vec<&str> = props["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
                .collect();
            assert!(
                tags.contains(&"security"),
                "security-severity needs the security tag"
            );
            assert!(tags.len() <= 10, "GitHub keeps ten tags");
            assert!(["very-high", "high", "medium", "low"]
                .contains(&props["precision"].as_str().unwrap()));
        }
        let id = run["automationDetails"]["id"].as_str().unwrap();
        assert!(id.ends_with('/') && id.len() > 1, "{id}");
        for result in run["results"].as_array().unwrap() {
            let rule_id = result["ruleId"].as_str().unwrap();
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], rule_id, "ruleIndex points at ruleId");
            assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
            assert!(!result["message"]["text"].as_str().unwrap().is_empty());
            let fp = result["partialFingerprints"].as_object().unwrap();
            assert!(
                !fp.is_empty()
                    && fp
                        .values()
                        .all(|v| v.as_str().is_some_and(|s| !s.is_empty()))
            );
            assert!(
                !fp.contains_key("primaryLocationLineHash"),
                "GitHub computes that one"
            );
            let locations = result["locations"].as_array().unwrap();
            assert!((1..=10).contains(&locations.len()));
            let physical = &locations[0]["physicalLocation"];
            let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
            assert!(
                !uri.contains(':') && !uri.starts_with('/') && !uri.contains('\\'),
                "relative with forward slashes: {uri}"
            );
            assert_eq!(physical["artifactLocation"]["uriBaseId"], SRCROOT);
            assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
            assert!(locations[0]["logicalLocations"][0]["name"].is_string());
        }
    }

    /// Past `--sarif-max-results` the most severe findings are kept,
    /// and a notification says how many were left out and where they all are.
    #[test]
    fn the_results_cap_keeps_the_most_severe() {
        let verdict = sample_verdict();
        assert_eq!(verdict.findings.len(), 4);
        let cx = Context {
            sarif_max_results: 2,
            ..context()
        };
        let mut out = Vec::new();
        emit(&verdict, &cx, &mut out).unwrap();
        let log: Value = serde_json::from_slice(&out).unwrap();
        let run = &log["runs"][0];
        let kept: Vec<(&str, &str)> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap(),
                    r["properties"]["severity"].as_str().unwrap(),
                )
            })
            .collect();
        // The blocking finding first, then the most severe of the rest.
        assert_eq!(kept, [("T-CRIT", "critical"), ("T-ADV", "critical")]);
        assert_eq!(run["properties"]["results_left_out"], 2);
        let notes = run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap();
        let note = notes
            .iter()
            .find(|n| {
                n["message"]["text"]
                    .as_str()
                    .unwrap()
                    .starts_with("2 of 4 findings")
            })
            .unwrap_or_else(|| panic!("{notes:?}"));
        assert_eq!(note["level"], "warning");
        assert!(note["message"]["text"]
            .as_str()
            .unwrap()
            .contains("-o json"));
        assert_github_rules(&log);
        // Without a cut there is no such note.
        assert_eq!(
            sarif(&verdict)["runs"][0]["properties"]["results_left_out"],
            0
        );
    }

    /// The document stays under the gzipped size limit, however large the
    /// findings' text; the results that do not fit are counted like those past the cap.
    #[test]
    fn the_document_stays_under_the_size_limit() {
        // Names of random letters, which gzip cannot shrink much: 60 nodes of 8 KB each.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut noise = |n: usize| -> String {
            (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    char::from(b'a' + (seed % 26) as u8)
                })
                .collect()
        };
        let nodes: Vec<String> = (0..60)
            .map(|i| {
                format!(
                    r#"{{"instance_id":"i-{i}","name":"{}","non_compliant_summary":{{"non_compliant_count":1,"severity_summary":{{"critical_count":1}}}}}}"#,
                    noise(8_000)
                )
            })
            .collect();
        let report = format!(
            r#"{{"count":60,"instance_compliant":[{}]}}"#,
            nodes.join(",")
        );
        let verdict = crate::output::tests::verdict_on(&report);
        assert_eq!(verdict.findings.len(), 60);
        let cx = context();
        let limit = 200_000;
        let mut out = Vec::new();
        write(Emitter::new(&verdict, &cx, limit), &mut out).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&out).unwrap();
        let size = gz.finish().unwrap().len();
        assert!(size as u64 <= limit, "{size} bytes gzipped");
        let log: Value = serde_json::from_slice(&out).unwrap();
        let run = &log["runs"][0];
        let written = run["results"].as_array().unwrap().len();
        assert!(written > 0 && written < 60, "{written}");
        assert_eq!(run["properties"]["results_left_out"], 60 - written);
        assert!(
            run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{} of 60 findings", 60 - written))
        );
        // Not far under it either: the gauge measures (with a faster, so larger, gzip than
        // `gzip -6`), it does not guess from the raw size.
        assert!(size as u64 > limit / 2, "{size} bytes gzipped");
    }

    /// The size limit, too, leaves out the least important findings, whatever their rule
    /// ids: a large low finding of rule A-LOW goes before a critical one of rule Z-CRIT.
    #[test]
    fn the_size_limit_cuts_the_least_important_first() {
        let big = "x".repeat(2_000);
        let nodes: Vec<String> = (0..40)
            .map(|i| {
                format!(
                    r#"{{"instance_id":"i-{i}","name":"n{i}","non_compliant_summary":{{"non_compliant_count":1,"severity_summary":{{"critical_count":1}}}}}}"#
                )
            })
            .collect();
        let report = format!(
            r#"{{"count":40,"instance_compliant":[{}]}}"#,
            nodes.join(",")
        );
        let low = format!(
            r#"const RULE = #{{ id: "A-LOW", title: "low", severity: "low", applies_to: ["patch_node"] }};
fn check(n) {{ `${{n.name}} {big}${{n.id}}` }}"#
        );
        let crit = r#"const RULE = #{ id: "Z-CRIT", title: "crit", severity: "critical", applies_to: ["patch_node"] };
fn check(n) { `${n.name} critical` }"#;
        let verdict = crate::output::tests::verdict_with(
            &report,
            &[("a.rhai", &low), ("z.rhai", crit)],
            "",
            None,
        );
        let cx = Context {
            sarif_max_results: 1_000,
            ..context()
        };
        let mut out = Vec::new();
        // Room for the critical findings and a few of the low ones.
        write(Emitter::new(&verdict, &cx, 12_000), &mut out).unwrap();
        let log: Value = serde_json::from_slice(&out).unwrap();
        let rules: Vec<&str> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["ruleId"].as_str().unwrap())
            .collect();
        assert_eq!(
            rules.iter().filter(|r| **r == "Z-CRIT").count(),
            40,
            "{rules:?}"
        );
        assert!(rules.len() < 80, "the size limit cut some: {}", rules.len());
        assert_eq!(
            log["runs"][0]["properties"]["results_left_out"],
            80 - rules.len()
        );
    }

    #[test]
    fn meets_github_code_scanning_rules() {
        assert_github_rules(&sarif(&sample_verdict()));
        assert_github_rules(&sarif(&empty_verdict()));
        assert_github_rules(&sarif(&baselined_verdict()));
    }

    #[test]
    fn levels_suppressions_and_notifications() {
        let log = sarif(&sample_verdict());
        let run = &log["runs"][0];
        let results = run["results"].as_array().unwrap();
        let by = |rule: &str, resource: &str| {
            results
                .iter()
                .find(|r| {
                    r["ruleId"] == rule
                        && r["locations"][0]["logicalLocations"][0]["name"] == resource
                })
                .unwrap()
        };
        let advisory = by("T-ADV", "huawei.coc.patch_compliance");
        assert_eq!(advisory["level"], "warning");
        assert_eq!(advisory["properties"]["status"], "advisory");
        assert_eq!(
            advisory["locations"][0]["physicalLocation"]["region"],
            serde_json::json!({"startLine": 1}),
            "a report-level finding points at the report's first line"
        );
        let blocking = by("T-CRIT", "i-a");
        assert_eq!(blocking["level"], "error");
        assert_eq!(blocking["ruleIndex"], 0);
        assert!(blocking.get("suppressions").is_none());
        assert_eq!(
            blocking["message"]["text"],
            "web <1> & \"co\" misses 2 critical patches — patch_node i-a (web <1> & \"co\")"
        );
        assert_eq!(
            blocking["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "huawei/cn-north-4/prod/i-a"
        );
        let waived = by("T-HIGH", "i-b");
        assert_eq!(waived["level"], "warning");
        assert_eq!(
            waived["suppressions"],
            serde_json::json!([{"kind": "external", "status": "accepted",
                "justification": "Vendor fix pending, change CHG-1234 (owner dba-team; expires 2026-12-31; waiver at waivers.toml:1)"}])
        );
        assert_eq!(waived["properties"]["details"]["high"], 9);
        assert_eq!(by("T-HIGH", "i-c")["level"], "warning");

        let invocation = &run["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        assert_eq!(invocation["endTimeUtc"], "2026-11-23T00:00:00Z");
        let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0]["level"], "error");
        assert_eq!(
            notes[0]["associatedRule"],
            serde_json::json!({"id": "T-ERR", "index": 3})
        );
        assert_eq!(notes[0]["properties"]["code"], "tollgate::policy::runtime");
        assert_eq!(run["automationDetails"]["id"], "tollgate/");
    }

    #[test]
    fn baseline_state_marks_new_and_existing() {
        let log = sarif(&baselined_verdict());
        let mut states: Vec<(&str, &str)> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap(),
                    r["baselineState"].as_str().unwrap(),
                )
            })
            .collect();
        // Results are written most important first; compare them as a set.
        states.sort();
        assert_eq!(
            states,
            [
                ("T-ADV", "new"),
                ("T-CRIT", "unchanged"),
                ("T-HIGH", "new"),
                ("T-HIGH", "new")
            ]
        );
        let sample = sarif(&sample_verdict());
        assert!(sample["runs"][0]["results"][0]
            .get("baselineState")
            .is_none());
    }

    #[test]
    fn category_ends_with_one_slash() {
        assert_eq!(automation_id("tollgate"), "tollgate/");
        assert_eq!(automation_id("gates/prod/"), "gates/prod/");
        assert_eq!(automation_id("a//"), "a/");
    }

    #[test]
    fn paths_become_relative_uris_or_file_uris() {
        let base = Path::new("/work/repo");
        let rel = |uri: &str| Artifact {
            uri: uri.into(),
            uri_base_id: Some(SRCROOT),
        };
        let abs = |uri: &str| Artifact {
            uri: uri.into(),
            uri_base_id: None,
        };
        assert_eq!(
            artifact(Path::new("fleet.json"), Some(base)),
            rel("fleet.json")
        );
        assert_eq!(
            artifact(Path::new("./evidence/../r/a b#1%.json"), Some(base)),
            rel("r/a%20b%231%25.json")
        );
        assert_eq!(
            artifact(Path::new("/work/repo/evidence/ü.json"), Some(base)),
            rel("evidence/%C3%BC.json")
        );
        assert_eq!(
            artifact(Path::new("/tmp/x:y.json"), Some(base)),
            abs("file:///tmp/x%3Ay.json")
        );
        assert_eq!(
            artifact(Path::new("../other/r.json"), Some(base)),
            abs("file:///work/other/r.json")
        );
        assert_eq!(
            artifact(Path::new("/work/repository/r.json"), Some(base)),
            abs("file:///work/repository/r.json"),
            "a common string prefix is not a parent directory"
        );
        assert_eq!(artifact(Path::new("a/r.json"), None), rel("a/r.json"));
        assert_eq!(
            artifact(Path::new("/srv/r.json"), None),
            abs("file:///srv/r.json")
        );
        assert_eq!(directory_uri(base), "file:///work/repo/");
        assert_eq!(directory_uri(Path::new("/")), "file:///");
    }

    #[test]
    fn working_directory_is_the_base() {
        let mut cx = context();
        cx.base_dir = Some(PathBuf::from("/work/repo"));
        let mut out = Vec::new();
        emit(&sample_verdict(), &cx, &mut out).unwrap();
        let log: Value = serde_json::from_slice(&out).unwrap();
        let run = &log["runs"][0];
        assert_eq!(
            run["invocations"][0]["workingDirectory"]["uri"],
            "file:///work/repo/"
        );
        assert_eq!(
            run["originalUriBaseIds"][SRCROOT]["uri"],
            "file:///work/repo/"
        );
        assert_eq!(
            run["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "fleet.json"
        );
    }

    #[test]
    fn text_is_escaped_for_sarif_and_markdown() {
        assert_eq!(
            plain_text("see [docs](1) now".into()),
            "see \\[docs\\](1) now"
        );
        assert_eq!(plain_text("plain".into()), "plain");
        assert_eq!(
            markdown_escape("use *x* <b> & `y` [z]"),
            "use \\*x\\* \\<b\\> \\& \\`y\\` \\[z\\]"
        );
    }

    #[test]
    fn names_and_clipping() {
        assert_eq!(
            pascal_case("No criticals on prod", "T-1"),
            "NoCriticalsOnProd"
        );
        assert_eq!(pascal_case("über-alles 2x", "T-1"), "ÜberAlles2x");
        assert_eq!(pascal_case(" - ", "PATCH-001"), "PATCH001");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "ab…");
        assert_eq!(clip(&"é".repeat(2000), 1024).chars().count(), 1024);
    }

    #[test]
    fn rule_metadata_keeps_within_github_limits() {
        let verdict = empty_verdict();
        let cx = context();
        let emitter = Emitter::new(&verdict, &cx, MAX_GZIP_BYTES);
        let mut tags: Vec<String> = (0..15).map(|i| format!("t{i}")).collect();
        tags.insert(3, "security".into());
        let rule = Rule {
            id: "LONG-1".into(),
            title: "word ".repeat(400),
            severity: Severity::Info,
            enforcement: Enforcement::Hard,
            sla_days: None,
            controls: Vec::new(),
            applies_to: vec![],
            help: Some("  ".into()),
            description: Some(String::new()),
            tags,
            file: "p/long.rhai".into(),
            line: 2,
        };
        let json = serde_json::to_value(emitter.rule(&rule)).unwrap();
        assert_eq!(json["name"].as_str().unwrap().chars().count(), 255);
        let short = json["shortDescription"]["text"].as_str().unwrap();
        assert_eq!(short.chars().count(), 1024);
        assert!(short.ends_with('…'));
        assert_eq!(json["fullDescription"]["text"], short, "blank description");
        assert!(json["help"]["text"]
            .as_str()
            .unwrap()
            .starts_with("word word"));
        assert!(json["help"]["text"]
            .as_str()
            .unwrap()
            .ends_with("Applies to: every resource kind."));
        let tags: Vec<&str> = json["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(
            tags,
            [
                "security",
                "compliance",
                "t0",
                "t1",
                "t2",
                "t3",
                "t4",
                "t5",
                "t6",
                "t7"
            ]
        );
        assert_eq!(json["properties"]["security-severity"], "0.0");
        assert_eq!(json["defaultConfiguration"]["level"], "note");
    }

    #[test]
    fn security_severity_follows_severity() {
        let scores: Vec<&str> = Severity::DESCENDING
            .into_iter()
            .map(security_severity)
            .collect();
        assert_eq!(scores, ["9.5", "8.0", "5.5", "3.0", "0.0"]);
    }
}
