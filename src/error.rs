//! The tool's `Error`: everything that is *not* a finding. Each variant is a miette
//! diagnostic with a stable code (`tollgate::<module>::<what>`) and, where there is a source
//! file, the file with the offending span labelled. Every error ends the run with exit 2.

use std::path::PathBuf;

use miette::{
    Diagnostic, MietteError, MietteSpanContents, NamedSource, SourceCode, SourceOffset, SourceSpan,
    SpanContents,
};

/// Source text shared between a report or policy and the diagnostics that point into it.
pub(crate) type Source = NamedSource<Text>;

/// The text behind a [`Source`]. It reads like the text itself, except far into a very long
/// line (a minified report is one line): miette's graphical renderer pads up to a label's
/// column with a `{:width$}` format, which panics past 65,535 columns, so there only a
/// window of the line around the span is shown (found by the fuzz targets).
#[derive(Debug, Clone)]
pub struct Text(crate::model::resource::Text);

impl Text {
    /// Up to this many bytes from the start of a line, spans are shown as usual. Even at
    /// four columns a byte (a tab), that stays far below miette's limit.
    const FAR: usize = 10_000;
    /// Bytes of the line shown before the span in a window.
    const LEAD: usize = 60;
}

impl SourceCode for Text {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &str = &self.0;
        let bytes = text.as_bytes();
        let start = span.offset().min(text.len());
        let end = (span.offset() + span.len()).min(text.len()).max(start);
        let line_start = memchr::memrchr(b'\n', &bytes[..start]).map_or(0, |i| i + 1);
        // The end of the last line the span (or its context) touches.
        let region_end = memchr::memchr(b'\n', &bytes[end..]).map_or(text.len(), |i| end + i);
        let long_line = bytes[line_start..region_end]
            .split(|b| *b == b'\n')
            .any(|line| line.len() > Self::FAR);
        if !long_line {
            return text.read_span(span, context_lines_before, context_lines_after);
        }
        // A window of the span's first line, with no context lines. A label that falls
        // outside it is not drawn; the message still says what is wrong.
        let line_end = memchr::memchr(b'\n', &bytes[start..]).map_or(text.len(), |i| start + i);
        let lead = if context_lines_before + context_lines_after == 0 {
            0 // the location header reads the span alone: keep its column exact
        } else {
            Self::LEAD
        };
        let mut from = start.saturating_sub(lead).max(line_start);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = line_end.min(start + Self::FAR / 2).max(from);
        while !text.is_char_boundary(to) {
            to += 1;
        }
        let line = memchr::memchr_iter(b'\n', &bytes[..from]).count();
        let column = text[line_start..from].chars().count();
        Ok(Box::new(MietteSpanContents::new(
            &bytes[from..to],
            (from, to - from).into(),
            line,
            column,
            1,
        )))
    }
}

/// Everything that stops tollgate from deciding.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum Error {
    #[error("cannot read {what} {path}")]
    #[diagnostic(code(tollgate::io::read))]
    Read {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot read the report from standard input")]
    #[diagnostic(code(tollgate::io::stdin))]
    ReadStdin {
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {what} to {path}")]
    #[diagnostic(code(tollgate::output::write))]
    Write {
        what: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path} is not valid tollgate configuration")]
    #[diagnostic(
        code(tollgate::config::syntax),
        help(
            "every key is documented in the docs' Configuration reference (docs/configuration.md)"
        )
    )]
    ConfigSyntax {
        path: PathBuf,
        #[source_code]
        src: Source,
        #[label("{reason}")]
        at: SourceSpan,
        reason: String,
    },

    #[error("{reason}")]
    #[diagnostic(code(tollgate::config::value))]
    Config {
        reason: String,
        #[help]
        hint: Option<String>,
    },

    #[error("report {name} is not valid JSON")]
    #[diagnostic(code(tollgate::report::syntax))]
    ReportSyntax {
        name: String,
        #[source_code]
        src: Source,
        #[label("{reason}")]
        at: SourceSpan,
        reason: String,
    },

    #[error("report {name} is an empty file")]
    #[diagnostic(
        code(tollgate::report::empty_file),
        help("it holds nothing, or only white space: the step that saved it probably failed; save or fetch the report again")
    )]
    ReportEmptyFile { name: String },

    #[error("report {name} is not a document tollgate knows")]
    #[diagnostic(code(tollgate::report::unknown))]
    ReportUnknown {
        name: String,
        #[source_code]
        src: Source,
        #[label("{found}")]
        at: SourceSpan,
        found: String,
        #[help]
        hint: String,
    },

    #[error("report {name} is an API error response, not a compliance report: {code}: {message}")]
    #[diagnostic(
        code(tollgate::report::vendor_error),
        help("the request that saved this file failed; fetch the evidence again")
    )]
    ReportVendorError {
        name: String,
        code: String,
        message: String,
    },

    #[error("report {name}: {reason}")]
    #[diagnostic(code(tollgate::report::field))]
    ReportField {
        name: String,
        #[source_code]
        src: Source,
        #[label("here")]
        at: SourceSpan,
        reason: String,
        #[help]
        hint: Option<String>,
    },

    #[error("report {name}: {reason}")]
    #[diagnostic(
        code(tollgate::report::value),
        help("{api} does not give such a value, so the evidence cannot be trusted and the gate does not decide on it; fetch the report again, and raise it with the vendor if it comes back the same")
    )]
    ReportValue {
        name: String,
        #[source_code]
        src: Source,
        #[label("here")]
        at: SourceSpan,
        reason: String,
        /// The vendor API the report comes from.
        api: &'static str,
    },

    #[error("report {name} is incomplete: {reason}")]
    #[diagnostic(code(tollgate::report::incomplete))]
    ReportIncomplete {
        name: String,
        reason: String,
        #[help]
        hint: String,
    },

    #[error("report {name} lists resource {id} twice")]
    #[diagnostic(
        code(tollgate::report::duplicate),
        help("pages overlap or a page was saved twice; fetch the report again rather than gating on doubtful evidence")
    )]
    ReportDuplicate {
        name: String,
        id: String,
        #[source_code]
        src: Source,
        #[label("first here")]
        first: SourceSpan,
        #[label("again here")]
        again: SourceSpan,
    },

    #[error("finding {id} is in two scans: {first} and {again}")]
    #[diagnostic(
        code(tollgate::report::duplicate),
        help("the same scan is given twice, or an older scan of the account lies beside a newer one (Prowler names each output file by its time): keep only the latest scan of each account")
    )]
    ReportOverlap {
        id: String,
        first: String,
        again: String,
    },

    #[error("compliance-pack report {name} cannot be read: {reason}")]
    #[diagnostic(code(tollgate::report::sheet))]
    ReportSheet {
        name: String,
        reason: String,
        #[help]
        hint: String,
    },

    #[error("compliance-pack report {name} lists resource {id} twice: rows {first} and {again} of sheet {sheet:?}")]
    #[diagnostic(code(tollgate::report::duplicate))]
    ReportSheetDuplicate {
        name: String,
        id: String,
        sheet: String,
        first: u32,
        again: u32,
        #[help]
        hint: String,
    },

    #[error("report {name} holds no resources")]
    #[diagnostic(
        code(tollgate::report::empty),
        help("an empty report is treated as missing evidence; pass --allow-empty if an empty fleet is expected")
    )]
    ReportEmpty { name: String },

    #[error("no report to check")]
    #[diagnostic(
        code(tollgate::config::no_reports),
        help("pass -r FILE (or -r - for standard input), or list `reports` in tollgate.toml")
    )]
    NoReports,

    #[error("policy {name} does not compile")]
    #[diagnostic(code(tollgate::policy::syntax))]
    PolicySyntax {
        name: String,
        #[source_code]
        src: Source,
        #[label("{reason}")]
        at: SourceSpan,
        reason: String,
        #[help]
        hint: Option<String>,
    },

    #[error("policy {name} has invalid RULE metadata: {reason}")]
    #[diagnostic(code(tollgate::policy::rule))]
    PolicyRule {
        name: String,
        #[source_code]
        src: Source,
        #[label("{reason}")]
        at: SourceSpan,
        reason: String,
        #[help]
        hint: Option<String>,
    },

    #[error("rule id {id} is used by two policies: {first} and {name}")]
    #[diagnostic(
        code(tollgate::policy::duplicate),
        help("rule ids identify findings, waivers and incidents, so each must be unique")
    )]
    PolicyDuplicate {
        id: String,
        first: String,
        name: String,
        #[source_code]
        src: Source,
        #[label("second use of {id}")]
        at: SourceSpan,
    },

    #[error("policy {name}: {reason}")]
    #[diagnostic(code(tollgate::policy::unknown_field))]
    PolicyField {
        name: String,
        #[source_code]
        src: Source,
        #[label("{reason}")]
        at: SourceSpan,
        reason: String,
        #[help]
        hint: Option<String>,
    },

    #[error("policy {name}: {reason}")]
    #[diagnostic(code(tollgate::policy::param))]
    PolicyParam {
        name: String,
        #[source_code]
        src: Source,
        #[label("{reason}")]
        at: SourceSpan,
        reason: String,
        #[help]
        hint: Option<String>,
    },

    #[error("policy {name}: {reason}")]
    #[diagnostic(code(tollgate::policy::call))]
    PolicyCall {
        name: String,
        #[source_code]
        src: Source,
        #[label("{reason}")]
        at: SourceSpan,
        reason: String,
        #[help]
        hint: Option<String>,
    },

    #[error("policy {name} fails {} static checks", .errors.len())]
    #[diagnostic(
        code(tollgate::policy::checks),
        help("each is below; they are found when the policy loads, whether or not the code runs on any report")
    )]
    PolicyChecks {
        name: String,
        #[related]
        errors: Vec<Error>,
    },

    #[error("{} of {total} policies could not be loaded", .errors.len())]
    #[diagnostic(code(tollgate::policy::load))]
    Policies {
        total: usize,
        #[related]
        errors: Vec<Error>,
    },

    #[error("no policy found in {paths}")]
    #[diagnostic(
        code(tollgate::policy::none),
        help(
            "pass -p with a .rhai file or a directory of them, or set `policies` in tollgate.toml"
        )
    )]
    NoPolicies { paths: String },

    #[error("rule {rule} failed on {subject}: {reason}")]
    #[diagnostic(code(tollgate::policy::runtime))]
    PolicyRuntime {
        rule: String,
        subject: String,
        reason: String,
        #[source_code]
        src: Source,
        #[label("{reason}")]
        at: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    #[error("rule {rule} exceeded its {limit} on {subject}")]
    #[diagnostic(code(tollgate::policy::budget))]
    PolicyBudget {
        rule: String,
        subject: String,
        limit: String,
        #[source_code]
        src: Source,
        #[label("stopped here")]
        at: SourceSpan,
        #[help]
        hint: String,
    },

    #[error("policy test file {name} is not valid: {reason}")]
    #[diagnostic(code(tollgate::test::invalid))]
    TestFile {
        name: String,
        #[source_code]
        src: Source,
        #[label("{reason}")]
        at: SourceSpan,
        reason: String,
        #[help]
        hint: Option<String>,
    },

    #[error("test file {path} has no policy beside it (looked for {policy})")]
    #[diagnostic(
        code(tollgate::test::orphan),
        help("a policy's tests live next to it: NAME_test.rhai beside NAME.rhai")
    )]
    TestOrphan { path: PathBuf, policy: PathBuf },

    #[error("{} of {total} policy test files could not be loaded", .errors.len())]
    #[diagnostic(code(tollgate::test::load))]
    Tests {
        total: usize,
        #[related]
        errors: Vec<Error>,
    },

    #[error("no policy tests found in {paths}{}", .filter.as_ref().map(|f| format!(" matching --run {f}")).unwrap_or_default())]
    #[diagnostic(
        code(tollgate::test::none),
        help("write NAME_test.rhai beside NAME.rhai with `fn test_...() {{ }}` functions; see docs/policies.md")
    )]
    NoTests {
        paths: String,
        filter: Option<String>,
    },

    #[error("{owner} needs {what}: set {vars}")]
    #[diagnostic(
        code(tollgate::fetch::credentials),
        help("credentials come only from the environment; a [[source]] or [incident] may name other variables under `credentials`")
    )]
    Credentials {
        owner: String,
        what: String,
        vars: String,
    },

    #[error("{what}: {reason}")]
    #[diagnostic(
        code(tollgate::fetch::body),
        help("the evidence could not be read whole, so the gate cannot decide")
    )]
    FetchBody { what: String, reason: String },

    #[error("no source named {name}")]
    #[diagnostic(
        code(tollgate::config::source),
        help("sources configured in tollgate.toml: {known}")
    )]
    UnknownSource { name: String, known: String },

    #[error("tollgate init would overwrite {paths}")]
    #[diagnostic(
        code(tollgate::init::exists),
        help("pass --force to overwrite them, or run `tollgate init --dir DIR` elsewhere")
    )]
    InitExists { paths: String },

    #[error("{what} was refused by COC: {code}: {message}")]
    #[diagnostic(
        code(tollgate::incident::rejected),
        help("the request reached COC and COC answered that it did not do it; check the [incident] settings it names")
    )]
    IncidentRejected {
        what: String,
        code: String,
        message: String,
    },

    #[error("--incidents on cannot send: {}", .errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    #[diagnostic(
        code(tollgate::incident::setup),
        help("checked before anything is fetched or evaluated, breach or not: set what is named above, or run with --incidents dry-run (which needs none of it) or off")
    )]
    IncidentSetup {
        #[related]
        errors: Vec<Error>,
    },

    #[error("the ledger {store} cannot be used: {reason}")]
    #[diagnostic(code(tollgate::store))]
    Store {
        /// The store's location, with any password left out.
        store: String,
        reason: String,
        #[help]
        hint: Option<String>,
    },

    #[error("the incident state file {path} cannot be used: {reason}")]
    #[diagnostic(
        code(tollgate::incident::state),
        help("without it tollgate cannot tell which tickets are already open; restore it, or delete it to start afresh (open tickets are then opened again)")
    )]
    IncidentState { path: PathBuf, reason: String },

    #[error("{}", match *.failed { 0 => "the incident stage failed".to_string(), n => format!("{n} incident ticket or alarm action(s) failed") })]
    #[diagnostic(
        code(tollgate::incident::send),
        help("the gate's result was still written, with these errors; set `best_effort = true` under [incident] to keep the gate's own exit code when COC cannot be reached")
    )]
    Incidents {
        /// Tickets and alarms that were not sent (one error may stand for several).
        failed: usize,
        #[related]
        errors: Vec<Error>,
    },

    #[error("{count} policy evaluation(s) failed; the gate cannot decide{}", if *.shown < *.count { format!(" ({} shown below, at most 3 per rule; {} more not shown)", .shown, .count - .shown) } else { String::new() })]
    #[diagnostic(
        code(tollgate::policy::errors),
        help("each failed evaluation is described below; the results were still written, with the errors listed")
    )]
    Evaluation {
        count: usize,
        /// How many of them are in `errors`.
        shown: usize,
        #[related]
        errors: Vec<Error>,
    },

    #[error("{path} is not a valid waivers file")]
    #[diagnostic(
        code(tollgate::waiver::syntax),
        help("a waivers file is a list of [[waiver]] tables with the keys rule, resource, reason, owner and expires (see docs/waivers.md)")
    )]
    WaiverSyntax {
        path: String,
        #[source_code]
        src: Source,
        #[label("{reason}")]
        at: SourceSpan,
        reason: String,
    },

    #[error("waiver at {location} {problem}")]
    #[diagnostic(code(tollgate::waiver::missing))]
    WaiverMissing {
        /// `file:line` of the waiver.
        location: String,
        problem: String,
        #[source_code]
        src: Source,
        #[label("{label}")]
        at: SourceSpan,
        label: String,
        #[help]
        hint: String,
    },

    #[error("waiver at {location}: expires = {problem}")]
    #[diagnostic(
        code(tollgate::waiver::expires),
        help("write the last day the waiver applies as expires = 2026-12-31 (or \"2026-12-31\"); it applies through the end of that day, UTC")
    )]
    WaiverDate {
        location: String,
        problem: String,
        #[source_code]
        src: Source,
        #[label("not a YYYY-MM-DD date")]
        at: SourceSpan,
    },

    #[error("waiver at {location}: resource {pattern:?} is not a valid glob: {reason}")]
    #[diagnostic(
        code(tollgate::waiver::glob),
        help("`*` matches any run of characters, `?` one character, `[abc]` one of a set; write `[[]` for a literal `[`")
    )]
    WaiverGlob {
        location: String,
        pattern: String,
        #[source_code]
        src: Source,
        #[label("{reason}")]
        at: SourceSpan,
        reason: String,
    },

    #[error("{} waivers in {path} are invalid", .errors.len())]
    #[diagnostic(code(tollgate::waiver::invalid))]
    Waivers {
        path: String,
        #[related]
        errors: Vec<Error>,
    },

    #[error("baseline {path} is not valid JSON")]
    #[diagnostic(
        code(tollgate::baseline::syntax),
        help("a baseline is the file a previous `tollgate check -o json=FILE` wrote")
    )]
    BaselineSyntax {
        path: String,
        #[source_code]
        src: Source,
        #[label("{reason}")]
        at: SourceSpan,
        reason: String,
    },

    #[error("baseline {path} has a finding tollgate cannot read: {reason}")]
    #[diagnostic(
        code(tollgate::baseline::field),
        help("a baseline is the file a previous `tollgate check -o json=FILE` wrote, unedited")
    )]
    BaselineField {
        path: String,
        #[source_code]
        src: Source,
        #[label("{reason}")]
        at: SourceSpan,
        reason: String,
    },

    #[error("baseline {path} is not a tollgate result: {found}")]
    #[diagnostic(
        code(tollgate::baseline::schema),
        help("a baseline is the file a previous `tollgate check -o json=FILE` wrote, with \"schema\": \"tollgate.result/v1\"; a compliance report goes to -r, not --baseline")
    )]
    BaselineSchema { path: String, found: String },

    #[error("{what}: HTTP {status} from {url}{}", http_detail(.vendor_code, .vendor_message, .request_id, *.attempts))]
    #[diagnostic(code(tollgate::fetch::http))]
    Http {
        /// The call, as the source names it ("COC list page 3 of coc-prod").
        what: String,
        /// The URL without user-info, fragment or query values.
        url: String,
        status: u16,
        /// The vendor's code: Huawei `error_code`, Alibaba `Code`.
        vendor_code: Option<String>,
        /// The vendor's message: Huawei `error_msg`, Alibaba `Message`.
        vendor_message: Option<String>,
        /// Huawei `request_id` / `X-Request-Id`, Alibaba `RequestId` / `x-acs-request-id`.
        request_id: Option<String>,
        attempts: u32,
        #[help]
        hint: Option<String>,
    },

    #[error("{what}: {problem} ({url}, {attempts} attempt{})", if *.attempts == 1 { "" } else { "s" })]
    #[diagnostic(code(tollgate::fetch::connect))]
    Connect {
        what: String,
        url: String,
        /// "cannot connect", "no complete response within 60s", ...
        problem: String,
        attempts: u32,
        /// The transport's error, without the URL.
        #[source]
        source: reqwest::Error,
        #[help]
        hint: String,
    },

    #[error("{what}: cannot build the request to {url}: {reason}")]
    #[diagnostic(
        code(tollgate::fetch::request),
        help("check the source's endpoint: it must be a full URL such as https://coc.cn-north-4.myhuaweicloud.com")
    )]
    Request {
        what: String,
        url: String,
        reason: String,
    },

    #[error("cannot set up the HTTP client")]
    #[diagnostic(code(tollgate::fetch::client))]
    HttpClient {
        #[source]
        source: reqwest::Error,
    },

    #[error("CA file {path} is not usable: {reason}")]
    #[diagnostic(
        code(tollgate::fetch::ca_file),
        help("ca_file names a PEM file holding the private CA's certificate (one or more -----BEGIN CERTIFICATE----- blocks)")
    )]
    CaFile { path: PathBuf, reason: String },
}

/// The vendor part of an HTTP error's message: `: CODE: message (request id R); gave up after N attempts`.
fn http_detail(
    code: &Option<String>,
    message: &Option<String>,
    request_id: &Option<String>,
    attempts: u32,
) -> String {
    let mut out = String::new();
    match (code, message) {
        (Some(code), Some(message)) => out.push_str(&format!(": {code}: {message}")),
        (Some(text), None) | (None, Some(text)) => out.push_str(&format!(": {text}")),
        (None, None) => {}
    }
    if let Some(id) = request_id {
        out.push_str(&format!(" (request id {id})"));
    }
    if attempts > 1 {
        out.push_str(&format!("; gave up after {attempts} attempts"));
    }
    out
}

impl Error {
    /// True when the error is a closed standard output (`tollgate rules | head`). For a
    /// command that only prints, that is not a failure; `check` and `test` keep their
    /// verdict instead (see `output::unless_reader_left`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Write { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// The candidate `name` was most likely meant to be: a near miss (`misssing`) or a
/// cut-short name (`crit`); `None` when nothing is close.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::levenshtein(c, name), c))
        .filter(|(d, c)| *d <= 2.max(name.len() / 3) || (name.len() >= 3 && c.starts_with(name)))
        .min()
        .map(|(_, c)| c)
}

/// The 1-based line of a byte offset in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> u32 {
    let before = &text.as_bytes()[..offset.min(text.len())];
    u32::try_from(memchr::memchr_iter(b'\n', before).count() + 1).unwrap_or(u32::MAX)
}

/// A named source for diagnostics.
pub(crate) fn source(name: &str, text: impl Into<crate::model::resource::Text>) -> Source {
    NamedSource::new(name, Text(text.into()))
}

/// Rhai positions are 1-based (line, character column); miette wants a byte span.
pub(crate) fn span_of(src: &str, pos: rhai::Position) -> SourceSpan {
    match pos.line() {
        Some(line) => span_at(src, line, pos.position().unwrap_or(1)),
        None => (0, 0).into(), // Position::NONE: label the file, not a point in it
    }
}

/// A one-character span at a 1-based line and column.
pub(crate) fn span_at(src: &str, line: usize, column: usize) -> SourceSpan {
    let at = SourceOffset::from_location(src, line, column.max(1));
    (at.offset(), 1).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_points_at_line_and_column() {
        let src = "ab\ncdef\n";
        let span = span_at(src, 2, 3);
        assert_eq!(span.offset(), 5);
        assert_eq!(&src[span.offset()..span.offset() + 1], "e");
        assert_eq!(span_of(src, rhai::Position::NONE).offset(), 0);
    }

    fn render(err: &Error) -> String {
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .render_report(&mut out, err)
            .unwrap();
        out
    }

    #[test]
    fn a_label_far_into_a_long_line_renders_a_window_of_it() {
        // A minified report: one line, with the error 70,000 columns in (past miette's
        // formatting limit of 65,535). This used to panic while rendering.
        let text = crate::model::resource::Text::from(format!(
            "{{\"a\":\"{}\",\"b\":é}}",
            "x".repeat(70_000)
        ));
        let at = text.find('é').unwrap();
        let err = Error::ReportSyntax {
            name: "min.json".into(),
            src: source("min.json", &text),
            at: (at, 1).into(),
            reason: "expected value".into(),
        };
        let out = render(&err);
        assert!(out.contains("expected value"), "{out}");
        assert!(
            out.contains(&format!("min.json:1:{}", 70_013)),
            "exact column: {out}"
        );
        assert!(out.contains("\"b\":é}"), "the window shows the span: {out}");
        assert!(
            out.len() < 2_000,
            "only a window of the line: {} bytes",
            out.len()
        );
        // Two labels on the line, one of them past the window: it is left out, not a panic.
        let err = Error::ReportDuplicate {
            name: "min.json".into(),
            id: "i-1".into(),
            src: source("min.json", &text),
            first: (2, 1).into(),
            again: (at, 1).into(),
        };
        assert!(render(&err).contains("i-1"));
    }

    #[test]
    fn short_lines_read_as_the_text_itself() {
        let text = crate::model::resource::Text::from("one\ntwo\nthree\n");
        let src = source("t", &text);
        let span: SourceSpan = (4, 3).into();
        let ours = src.inner().read_span(&span, 1, 1).unwrap();
        let plain = text.read_span(&span, 1, 1).unwrap();
        assert_eq!(ours.data(), plain.data());
        assert_eq!((ours.line(), ours.column()), (plain.line(), plain.column()));
    }

    #[test]
    fn broken_pipe_is_recognised() {
        let e = Error::Write {
            what: "human output".into(),
            path: "-".into(),
            source: std::io::Error::from(std::io::ErrorKind::BrokenPipe),
        };
        assert!(e.is_broken_pipe());
        let e = Error::NoReports;
        assert!(!e.is_broken_pipe());
    }
}
