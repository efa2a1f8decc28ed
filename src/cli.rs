//! The command line: clap's derive structs, the shape of what the user typed, and their
//! mapping onto the library's plain option types. This module belongs to the binary; the
//! library knows no command line. Merging with tollgate.toml, defaults and validation live
//! in `tollgate::settings`. Domain enums are wrapped here for clap, with the same names and
//! the same help.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

use tollgate::model::incident::Mode;
use tollgate::model::{ReportKind, Severity};
use tollgate::output::rules::RulesFormat as Rules;
use tollgate::run::{FetchOptions, RulesOptions, TestOptions};
use tollgate::settings::{param_vars, CheckOptions, ColorChoice as Color};

/// tollgate: a policy-as-code compliance gate for cloud patch and configuration reports.
#[derive(Debug, Parser)]
#[command(
    name = "tollgate",
    // The package version and, from a git checkout, the commit: `0.2.0 (0123456789ab
    // 2026-12-05)` (build.rs).
    version = env!("TOLLGATE_BUILD_VERSION"),
    about,
    long_about = None,
    propagate_version = true
)]
pub struct Args {
    /// When to colour output and diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, env = "TOLLGATE_COLOR")]
    pub color: ColorChoice,

    /// Say more on standard error (-v: each step; -vv: each report and policy).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate policies against compliance reports and exit 0 (pass), 1 (fail) or 2 (error).
    // Boxed: it holds every `check` flag and dwarfs the other subcommands.
    Check(Box<CheckArgs>),
    /// Run the policies' own unit tests: every `fn test_*()` in NAME_test.rhai beside NAME.rhai.
    Test(TestArgs),
    /// List the rules under the policy paths with their metadata (-v: and what the static checks left to run time).
    Rules(RulesArgs),
    /// Write a starter tollgate.toml, a policy and its test into the current directory.
    Init(InitArgs),
    /// Fetch a source's evidence and save it, to check later (`check -r FILE`) or keep.
    Fetch(FetchArgs),
    /// Decide a recorded gate again from its JSON result's decision record and the saved
    /// evidence, and confirm the same verdict, findings and digests (exit 0), or say what
    /// differs (exit 1).
    Verify(VerifyArgs),
    /// Trends from the findings ledger: open findings by severity per run, overdue, mean
    /// time to fix, the oldest open findings.
    History(HistoryArgs),
    /// The findings ledger itself: `tollgate state init` starts an empty one.
    #[command(subcommand)]
    State(StateCommand),
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), every subcommand in one page: `tollgate man >
    /// tollgate.1`. Hidden: packagers run it, users read its output with `man`.
    #[command(hide = true)]
    Man,
}

/// `tollgate check`.
#[derive(Debug, Clone, Default, ClapArgs)]
pub struct CheckArgs {
    /// Configuration file [default: tollgate.toml in the working directory, when present].
    #[arg(short, long, value_name = "FILE", env = "TOLLGATE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Report files, directories of *.json (*.jsonl, *.ndjson) reports, or `-` for standard input. Takes
    /// several at once (`-r reports/*.json`) and may be repeated.
    #[arg(
        short,
        long = "report",
        value_name = "FILE",
        num_args = 1..,
        env = "TOLLGATE_REPORT"
    )]
    pub reports: Vec<PathBuf>,

    /// Read reports as this kind instead of detecting it from the JSON shape.
    #[arg(long, value_enum, value_name = "KIND", env = "TOLLGATE_REPORT_KIND")]
    pub report_kind: Option<ReportKindArg>,

    /// Policy files, or directories searched for *.rhai. Takes several at once
    /// (`-p policies/*.rhai`) and may be repeated.
    #[arg(
        short,
        long = "policy",
        value_name = "PATH",
        num_args = 1..,
        env = "TOLLGATE_POLICY"
    )]
    pub policies: Vec<PathBuf>,

    /// Output FORMAT to standard output, or FORMAT=PATH to a file. Repeatable.
    /// Formats: human, json, sarif, junit, github, markdown, html, csv, ocsf, intoto,
    /// intoto-predicate.
    #[arg(
        short,
        long = "output",
        value_name = "FORMAT[=PATH]",
        env = "TOLLGATE_OUTPUT"
    )]
    pub outputs: Vec<String>,

    /// Findings at or above this severity block the gate [default: high].
    #[arg(long, value_enum, value_name = "SEVERITY", env = "TOLLGATE_FAIL_ON")]
    pub fail_on: Option<SeverityArg>,

    /// A policy parameter, KEY=VALUE; VALUE is read as TOML (5, true, ["a","b"]) or else as
    /// a string. Overrides [params] in tollgate.toml. Repeatable.
    ///
    /// The environment sets params too: TOLLGATE_PARAM_<NAME>=VALUE sets the param <name>
    /// (NAME in lower case), VALUE read as here; an empty VALUE sets nothing. --param
    /// overrides the variable, the variable overrides [params].
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,

    /// Accept reports with no resources instead of failing with exit 2.
    #[arg(long, env = "TOLLGATE_ALLOW_EMPTY")]
    pub allow_empty: bool,

    /// Exit 0 on a failed gate (findings are still reported). Errors still exit 2.
    #[arg(long, env = "TOLLGATE_NO_FAIL")]
    pub no_fail: bool,

    /// Threads for parsing and evaluation [default: all cores]; 1 runs single-threaded.
    #[arg(short, long, value_name = "N", env = "TOLLGATE_JOBS")]
    pub jobs: Option<usize>,

    /// Evaluate as of this time (RFC 3339, or Unix milliseconds) instead of now: sets
    /// `global::NOW` and the result's timestamp, to replay a past gate exactly.
    #[arg(long, value_name = "TIME", env = "TOLLGATE_NOW")]
    pub now: Option<String>,

    /// A waivers file ([[waiver]] tables): matching findings are reported as waived and do
    /// not block until the waiver expires.
    #[arg(long, value_name = "FILE", env = "TOLLGATE_WAIVERS")]
    pub waivers: Option<PathBuf>,

    /// A previous `-o json` result: findings already in it are reported as existing and do
    /// not block; only new ones do.
    #[arg(long, value_name = "FILE", env = "TOLLGATE_BASELINE")]
    pub baseline: Option<PathBuf>,

    /// Judge `warn` findings like `deny` ones: at or above --fail-on they block. Advisory
    /// rules still never block.
    #[arg(long, env = "TOLLGATE_STRICT")]
    pub strict: bool,

    /// Fetch the evidence of this `[[source]]` from its API. Repeatable. Without -r and
    /// --source, every configured source is fetched.
    #[arg(long = "source", value_name = "NAME", env = "TOLLGATE_SOURCE")]
    pub sources: Vec<String>,

    /// SARIF category (`automationDetails.id`), so several gates in one repository upload
    /// side by side in code scanning [default: tollgate].
    #[arg(long, value_name = "NAME", env = "TOLLGATE_SARIF_CATEGORY")]
    pub sarif_category: Option<String>,

    /// The most results `-o sarif` writes, the most severe kept [default: 5000]. GitHub code
    /// scanning rejects a run of more than 25000 and stores the first 5000; the rest are
    /// counted in a notification (`-o json` has every finding).
    #[arg(long, value_name = "N", env = "TOLLGATE_SARIF_MAX_RESULTS")]
    pub sarif_max_results: Option<usize>,

    /// Open COC tickets and alarms for blocking findings, as `[incident]` in tollgate.toml
    /// says: `dry-run` prints the payloads and sends nothing [default: off].
    #[arg(long, value_enum, value_name = "MODE", env = "TOLLGATE_INCIDENTS")]
    pub incidents: Option<IncidentsArg>,

    /// Keep the findings ledger in this store: a SQLite file or a postgres:// URL whose
    /// password is `${VARIABLE}` or PGPASSWORD [default: [state] store in tollgate.toml,
    /// else .tollgate/state.db beside it, when [state] or [sla] is there].
    #[arg(long, value_name = "FILE|URL", env = "TOLLGATE_STATE")]
    pub state: Option<String>,

    /// Start an empty ledger if the store has none. Needed once when tollgate.toml sets
    /// [sla]: an empty ledger restarts every SLA clock, so it is never made silently.
    #[arg(long, env = "TOLLGATE_INIT_STATE")]
    pub init_state: bool,

    /// A release artifact `-o intoto` attests: a file (its SHA-256 is computed) or
    /// NAME=sha256:HEX. Repeatable.
    #[arg(long = "subject", value_name = "PATH|NAME=sha256:HEX")]
    pub subjects: Vec<String>,

    /// The CI run's URL in `-o intoto` [default: from the CI system's variables].
    #[arg(long, value_name = "URL", env = "TOLLGATE_RUN_URL")]
    pub run_url: Option<String>,
}

/// `tollgate history`.
#[derive(Debug, Clone, ClapArgs)]
pub struct HistoryArgs {
    /// Configuration file [default: tollgate.toml when present].
    #[arg(short, long, value_name = "FILE", env = "TOLLGATE_CONFIG")]
    pub config: Option<PathBuf>,

    /// The ledger's store, as for `check --state`.
    #[arg(long, value_name = "FILE|URL", env = "TOLLGATE_STATE")]
    pub state: Option<String>,

    /// How many of the latest runs to show.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub runs: usize,

    /// How many of the oldest open findings to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub oldest: usize,

    /// `human` for people, `json` for dashboards.
    #[arg(short = 'o', long, value_enum, default_value_t = HistoryFormat::Human)]
    pub format: HistoryFormat,
}

/// `tollgate history -o`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    #[default]
    Human,
    Json,
}

/// `tollgate state`.
#[derive(Debug, Clone, Subcommand)]
pub enum StateCommand {
    /// Start an empty findings ledger (and migrate its schema); an existing one is left as
    /// it is.
    Init {
        /// Configuration file [default: tollgate.toml when present].
        #[arg(short, long, value_name = "FILE", env = "TOLLGATE_CONFIG")]
        config: Option<PathBuf>,
        /// The store, as for `check --state`.
        #[arg(long, value_name = "FILE|URL", env = "TOLLGATE_STATE")]
        state: Option<String>,
    },
}

/// `tollgate fetch`.
#[derive(Debug, Clone, Default, ClapArgs)]
pub struct FetchArgs {
    /// Configuration file with the `[[source]]` [default: tollgate.toml when present].
    #[arg(short, long, value_name = "FILE", env = "TOLLGATE_CONFIG")]
    pub config: Option<PathBuf>,

    /// The `[[source]]` to fetch.
    #[arg(long = "source", value_name = "NAME", env = "TOLLGATE_SOURCE")]
    pub source: String,

    /// Where to save the evidence [default: standard output].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// The fetch time recorded in the evidence (RFC 3339 or Unix ms) [default: now].
    #[arg(long, value_name = "TIME", env = "TOLLGATE_NOW")]
    pub now: Option<String>,
}

/// `tollgate verify`.
#[derive(Debug, Clone, ClapArgs)]
pub struct VerifyArgs {
    /// The result `check -o json=FILE` wrote.
    #[arg(value_name = "RESULT")]
    pub result: PathBuf,

    /// The folder the evidence was kept in (searched by digest, with its subfolders);
    /// policies, configuration, waivers and baseline are found there too, else at the
    /// paths they were read from.
    #[arg(long, value_name = "DIR")]
    pub evidence: PathBuf,
}

/// `tollgate test`.
#[derive(Debug, Clone, Default, ClapArgs)]
pub struct TestArgs {
    /// Policy files or directories [default: `policies` from tollgate.toml, else policies/].
    #[arg(value_name = "POLICY_PATH")]
    pub paths: Vec<PathBuf>,

    /// Configuration file, for [params] and [limits] [default: tollgate.toml when present].
    #[arg(short, long, value_name = "FILE", env = "TOLLGATE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Run only the tests whose `RULE-ID/test_name` matches this regular expression.
    #[arg(long = "run", value_name = "REGEX")]
    pub filter: Option<String>,

    /// Output FORMAT (human, junit) to standard output, or FORMAT=PATH to a file. Repeatable.
    #[arg(short, long = "output", value_name = "FORMAT[=PATH]")]
    pub outputs: Vec<String>,

    /// A policy parameter, KEY=VALUE, as for `check`. Repeatable.
    ///
    /// TOLLGATE_PARAM_<NAME>=VALUE sets the param <name> (NAME in lower case) too; --param
    /// overrides it. A test file's `const PARAMS` replaces them all.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,

    /// The time tests see as `global::NOW` (RFC 3339 or Unix milliseconds) [default: now].
    #[arg(long, value_name = "TIME", env = "TOLLGATE_NOW")]
    pub now: Option<String>,
}

/// `tollgate rules`.
#[derive(Debug, Clone, Default, ClapArgs)]
pub struct RulesArgs {
    /// Policy files or directories [default: `policies` from tollgate.toml, else policies/].
    #[arg(value_name = "POLICY_PATH")]
    pub paths: Vec<PathBuf>,

    /// Configuration file [default: tollgate.toml when present].
    #[arg(short, long, value_name = "FILE", env = "TOLLGATE_CONFIG")]
    pub config: Option<PathBuf>,

    /// How to print the rules (`-o` as for the other commands).
    #[arg(short = 'o', long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,

    /// A policy parameter, KEY=VALUE, as for `check`: `param("KEY")` without a default
    /// must name one to load. Repeatable.
    ///
    /// TOLLGATE_PARAM_<NAME>=VALUE sets the param <name> (NAME in lower case) too; --param
    /// overrides it.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
}

/// `tollgate rules --format`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// Aligned columns for people.
    #[default]
    Table,
    /// A JSON array, one object per rule.
    Json,
}

/// `tollgate init`.
#[derive(Debug, Clone, Default, ClapArgs)]
pub struct InitArgs {
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,

    /// Write into this directory instead of the current one.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    Always,
    Never,
}

impl From<ColorChoice> for Color {
    fn from(choice: ColorChoice) -> Self {
        match choice {
            ColorChoice::Auto => Color::Auto,
            ColorChoice::Always => Color::Always,
            ColorChoice::Never => Color::Never,
        }
    }
}

impl From<RulesFormat> for Rules {
    fn from(format: RulesFormat) -> Self {
        match format {
            RulesFormat::Table => Rules::Table,
            RulesFormat::Json => Rules::Json,
        }
    }
}

/// `--fail-on`: [`Severity`] for clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(arg: SeverityArg) -> Self {
        match arg {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

/// `--report-kind`: [`ReportKind`] for clap, by its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKindArg {
    /// Huawei Cloud COC `GET /v1/patch/instance/compliant`.
    #[value(name = "huawei.coc.patch_compliance")]
    CocPatch,
    /// Huawei Cloud COC `GET /v1/patch/instance/compliant/{id}`.
    #[value(name = "huawei.coc.patch_items")]
    CocItems,
    /// Huawei Cloud Config `GET /v1/resource-manager/domains/{domain_id}/policy-states/summary`.
    #[value(name = "huawei.config.policy_states_summary")]
    ConfigStates,
    /// Alibaba Cloud OOS `ListInstancePatchStates`.
    #[value(name = "alibaba.oos.instance_patch_states")]
    OosPatch,
    /// Alibaba Cloud Config `GetCompliancePackReport`.
    #[value(name = "alibaba.config.compliance_pack_report")]
    ConfigPack,
    /// OCSF finding events (Prowler's json-ocsf, tollgate's -o ocsf): an array or JSON Lines.
    #[value(name = "ocsf.findings")]
    OcsfFindings,
}

impl From<ReportKindArg> for ReportKind {
    fn from(arg: ReportKindArg) -> Self {
        match arg {
            ReportKindArg::CocPatch => ReportKind::CocPatch,
            ReportKindArg::CocItems => ReportKind::CocItems,
            ReportKindArg::ConfigStates => ReportKind::ConfigStates,
            ReportKindArg::OosPatch => ReportKind::OosPatch,
            ReportKindArg::ConfigPack => ReportKind::ConfigPack,
            ReportKindArg::OcsfFindings => ReportKind::OcsfFindings,
        }
    }
}

/// `--incidents`: [`Mode`] for clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IncidentsArg {
    /// Send nothing (the default: CI turns incidents on explicitly).
    Off,
    /// Print the payloads that would be sent, and send nothing.
    DryRun,
    /// Open tickets and send alarms.
    On,
}

impl From<IncidentsArg> for Mode {
    fn from(arg: IncidentsArg) -> Self {
        match arg {
            IncidentsArg::Off => Mode::Off,
            IncidentsArg::DryRun => Mode::DryRun,
            IncidentsArg::On => Mode::On,
        }
    }
}

impl CheckArgs {
    /// What the user asked `check` for, in the library's terms.
    pub fn options(&self) -> CheckOptions {
        CheckOptions {
            config: self.config.clone(),
            reports: self.reports.clone(),
            report_kind: self.report_kind.map(Into::into),
            policies: self.policies.clone(),
            outputs: self.outputs.clone(),
            fail_on: self.fail_on.map(Into::into),
            params: self.params.clone(),
            env_params: param_vars(std::env::vars_os()),
            allow_empty: self.allow_empty,
            no_fail: self.no_fail,
            jobs: self.jobs,
            now: self.now.clone(),
            waivers: self.waivers.clone(),
            baseline: self.baseline.clone(),
            strict: self.strict,
            sources: self.sources.clone(),
            sarif_category: self.sarif_category.clone(),
            sarif_max_results: self.sarif_max_results,
            incidents: self.incidents.map(Into::into),
            state: self.state.clone(),
            init_state: self.init_state,
            subjects: self.subjects.clone(),
            run_url: self.run_url.clone(),
        }
    }
}

impl TestArgs {
    /// What the user asked `test` for, in the library's terms.
    pub fn options(&self) -> TestOptions {
        TestOptions {
            paths: self.paths.clone(),
            config: self.config.clone(),
            filter: self.filter.clone(),
            outputs: self.outputs.clone(),
            params: self.params.clone(),
            env_params: param_vars(std::env::vars_os()),
            now: self.now.clone(),
        }
    }
}

impl RulesArgs {
    /// What the user asked `rules` for, in the library's terms.
    pub fn options(&self) -> RulesOptions {
        RulesOptions {
            paths: self.paths.clone(),
            config: self.config.clone(),
            format: self.format.into(),
            params: self.params.clone(),
            env_params: param_vars(std::env::vars_os()),
        }
    }
}

impl FetchArgs {
    /// What the user asked `fetch` for, in the library's terms.
    pub fn options(&self) -> FetchOptions {
        FetchOptions {
            config: self.config.clone(),
            source: self.source.clone(),
            out: self.out.clone(),
            now: self.now.clone(),
        }
    }
}

/// The manual page, roff for `man`: the whole command line in one page, each subcommand a
/// subsection of COMMANDS with its synopsis and options, then the exit status, the
/// environment and the files. clap_mangen renders the pieces; its own layout, one page per
/// subcommand, would need `tollgate-check(1)` and the others installed beside this one.
pub fn man_page(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut cmd = <Args as clap::CommandFactory>::command();
    cmd.build(); // names each subcommand `tollgate check`, as its synopsis shows it
    let main = clap_mangen::Man::new(cmd.clone());
    main.render_title(out)?;
    main.render_name_section(out)?;
    main.render_synopsis_section(out)?;
    out.write_all(MAN_DESCRIPTION.as_bytes())?;
    main.render_options_section(out)?;
    writeln!(out, ".SH COMMANDS")?;
    let global: Vec<clap::Id> = cmd.get_arguments().map(|a| a.get_id().clone()).collect();
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        // The global options are described once, above, not again for each subcommand.
        let mut sub = sub.clone();
        for id in &global {
            sub = sub.mut_arg(id, |a| a.hide(true));
        }
        let page = clap_mangen::Man::new(sub.clone());
        writeln!(out, ".SS {}", sub.get_bin_name().unwrap_or(sub.get_name()))?;
        let mut parts = Vec::new();
        page.render_synopsis_section(&mut parts)?;
        parts.extend_from_slice(b".PP\n");
        page.render_description_section(&mut parts)?;
        page.render_options_section(&mut parts)?;
        // The pieces' own section headings would end COMMANDS; the subsection heading
        // above stands for them.
        let parts = String::from_utf8_lossy(&parts);
        for line in parts.lines().filter(|l| !l.starts_with(".SH ")) {
            writeln!(out, "{line}")?;
        }
    }
    out.write_all(MAN_TAIL.as_bytes())?;
    main.render_version_section(out)
}

/// The page's DESCRIPTION: more than the one line of `--help`.
const MAN_DESCRIPTION: &str = r#".SH DESCRIPTION
\fBtollgate\fR is a policy\-as\-code compliance gate. It reads compliance reports (Huawei
Cloud COC and Config, Alibaba Cloud OOS and Config) from files or from the clouds' APIs,
evaluates Rhai policies against every resource in them, and decides: exit 0 when the gate
passes, 1 when a finding blocks it, 2 when it cannot decide. It writes the result for
people and for CI systems (human, JSON, JUnit, SARIF, GitHub annotations, Markdown, HTML)
and can open Huawei Cloud COC incident tickets and alarms for what blocks.
.PP
\fBtollgate init\fR writes a starter tollgate.toml, a policy and its test;
\fBtollgate test\fR runs the policies' own tests; \fBtollgate rules\fR lists the
rules after the static checks; \fBtollgate check\fR runs the gate.
"#;

/// What the page says beyond the flags' help.
const MAN_TAIL: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
The gate passed: no finding blocks it. For \fBtollgate test\fR, every policy test passed.
.TP
\fB1\fR
The gate failed: a finding at or above \fB\-\-fail\-on\fR (default high) blocks it, and
\fB\-\-no\-fail\fR was not given. For \fBtollgate test\fR, a policy test failed.
.TP
\fB2\fR
tollgate could not decide: a bad flag or configuration, an unreadable or unrecognised
report, a policy that does not compile or fails when it runs, a failed fetch or incident.
.SH ENVIRONMENT
Each option that a CI job sets has a variable, named in its description above
(\fBTOLLGATE_FAIL_ON\fR for \fB\-\-fail\-on\fR); the flag wins over the variable, and the
variable over tollgate.toml.
.TP
\fBTOLLGATE_PARAM_\fR\fINAME\fR
Sets the policy param \fIname\fR, the variable's suffix in lower case
(\fBTOLLGATE_PARAM_MAX_HIGH_MISSING=3\fR sets \fBmax_high_missing\fR), for
\fBcheck\fR, \fBtest\fR and \fBrules\fR. The value is read as \fB\-\-param\fR reads
one. \fB\-\-param\fR overrides it; it overrides \fB[params]\fR in tollgate.toml. An empty
value sets nothing. A param whose name has upper-case letters can only be set with
\fB\-\-param\fR.
.TP
\fBNO_COLOR\fR
When set and not empty, \fB\-\-color auto\fR does not colour.
.SH FILES
.TP
\fBtollgate.toml\fR
Read from the working directory when present (\fB\-c\fR names another): reports,
policies, outputs, [params], [limits], waivers, sources and incidents. Paths in it are
relative to it. \fBtollgate init\fR writes one with every key documented.
.SH "SEE ALSO"
https://github.com/tollgate\-dev/tollgate
"#;
