//! The normalized model that policies see: one `Resource` shape for every report kind.
//!
//! Report parsers (`crate::report`) build resources; the policy engine reads them through
//! the field lookup here ([`Resource::field`]), which is the single list of field names, so
//! the names policies use, the names JSON output prints and the names the typo diagnostic
//! suggests cannot drift apart. Nothing here parses files or runs policies.

use std::fmt;
use std::sync::Arc;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use thin_vec::ThinVec;

use crate::model::ReportKind;

/// What a resource is; the names are the ones `applies_to` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// A node (ECS/BMS instance) with its patch compliance counts.
    PatchNode,
    /// One patch on one node.
    PatchItem,
    /// A Huawei Config rule (policy assignment) with its compliance state.
    ConfigRule,
    /// An Alibaba Config compliance-pack report.
    CompliancePack,
    /// One row of a downloaded compliance-pack report spreadsheet.
    PackResult,
    /// One finding of a scanner's OCSF output (a Prowler check on one resource).
    ScanFinding,
}

impl ResourceKind {
    /// Every kind, in documentation order.
    pub const ALL: [ResourceKind; 6] = [
        ResourceKind::PatchNode,
        ResourceKind::PatchItem,
        ResourceKind::ConfigRule,
        ResourceKind::CompliancePack,
        ResourceKind::PackResult,
        ResourceKind::ScanFinding,
    ];

    /// The name policies use in `applies_to`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::PatchNode => "patch_node",
            ResourceKind::PatchItem => "patch_item",
            ResourceKind::ConfigRule => "config_rule",
            ResourceKind::CompliancePack => "compliance_pack",
            ResourceKind::PackResult => "pack_result",
            ResourceKind::ScanFinding => "scan_finding",
        }
    }

    /// The kind with this name, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The kind-specific field names, after the common ones. A `pack_result` also has one
    /// field per spreadsheet column, which differ from sheet to sheet
    /// ([`Resource::field_names`] lists them).
    pub fn detail_fields(self) -> &'static [&'static str] {
        match self {
            ResourceKind::PatchNode => PATCH_NODE_FIELDS,
            ResourceKind::PatchItem => PATCH_ITEM_FIELDS,
            ResourceKind::ConfigRule => CONFIG_RULE_FIELDS,
            ResourceKind::CompliancePack => COMPLIANCE_PACK_FIELDS,
            ResourceKind::PackResult => PACK_RESULT_FIELDS,
            ResourceKind::ScanFinding => SCAN_FINDING_FIELDS,
        }
    }

    /// Does a resource of this kind have fields beyond [`ResourceKind::field_names`]
    /// (a `pack_result`'s columns)?
    pub fn has_dynamic_fields(self) -> bool {
        matches!(self, ResourceKind::PackResult)
    }

    /// Every fixed field a policy can read on a resource of this kind.
    pub fn field_names(self) -> impl Iterator<Item = &'static str> {
        COMMON_FIELDS
            .iter()
            .chain(self.detail_fields())
            .chain(std::iter::once(&"raw"))
            .copied()
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fields every resource has (`raw` comes last and is listed separately).
pub const COMMON_FIELDS: &[&str] = &[
    "kind",
    "provider",
    "source",
    "id",
    "name",
    "region",
    "group",
    "status",
    "reported_at",
];

const PATCH_NODE_FIELDS: &[&str] = &[
    "missing",
    "compliant",
    "os",
    "ip",
    "eip",
    "scene",
    "baseline",
    "baseline_id",
    "report_id",
    "order_id",
    "enterprise_project_id",
    "operation",
    "failed",
    "pending_reboot",
    "installed",
    "installed_other",
    "rejected",
];

const PATCH_ITEM_FIELDS: &[&str] = &[
    "node_id",
    "title",
    "classification",
    "severity",
    "compliance_level",
    "patch_status",
    "installed_at",
    "baseline",
    "baseline_id",
];

const CONFIG_RULE_FIELDS: &[&str] = &[
    "compliance_state",
    "noncompliant_resources",
    "compliant_resources",
    "rule_type",
    "tags",
    "period",
    "state",
    "description",
    "policy_definition_id",
];

const COMPLIANCE_PACK_FIELDS: &[&str] = &["report_status", "report_url", "account_id"];

const PACK_RESULT_FIELDS: &[&str] = &["sheet", "row", "columns", "headers"];

const SCAN_FINDING_FIELDS: &[&str] = &[
    "check_id",
    "title",
    "severity",
    "account",
    "resource_type",
    "resource_uid",
    "controls",
    "remediation",
    "product",
    "finding_status",
];

/// The cloud a resource comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Huawei,
    Alibaba,
}

impl Provider {
    /// The name policies see.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Huawei => "huawei",
            Provider::Alibaba => "alibaba",
        }
    }
}

/// The vendor's own compliance verdict for the resource, normalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Compliant,
    NonCompliant,
    Unknown,
}

impl Status {
    /// The name policies see.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Compliant => "compliant",
            Status::NonCompliant => "non_compliant",
            Status::Unknown => "unknown",
        }
    }
}

/// Where a resource's record stands in its report: for SARIF locations and humans. What
/// the resources of one page share (the report and the pointer to their array) is kept
/// once, behind an `Arc`; each resource adds its index, line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    place: Arc<Place>,
    /// The record's index in its array (a spreadsheet row's number in its sheet).
    index: u32,
    /// 1-based line of the record's opening brace (the sheet row of a spreadsheet row).
    pub line: u32,
    /// 1-based column (in characters) of the record's opening brace (the sheet column
    /// where the row's table starts, A = 1).
    pub column: u32,
}

/// The part of an origin the records of one page (or one sheet) share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The report the records are in.
    pub file: super::ReportOrigin,
    pub pointer: Pointer,
}

/// How a record's pointer is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pointer {
    /// An element of the JSON array at this pointer: `/instance_compliant/3`.
    Element(String),
    /// The JSON object at this pointer, as it is: `/CompliancePackReport`.
    Whole(String),
    /// A row of this sheet (its quoted reference), as Excel writes it: `Sheet1!5:5`.
    SheetRow(String),
    /// No pointer (a resource a policy test built).
    None,
}

impl Place {
    /// A place shared by the records that follow.
    pub fn new(file: super::ReportOrigin, pointer: Pointer) -> Arc<Place> {
        Arc::new(Place { file, pointer })
    }
}

impl Origin {
    /// Record `index` of `place`, not located yet (line and column 0).
    pub fn new(place: &Arc<Place>, index: u32) -> Self {
        Origin {
            place: Arc::clone(place),
            index,
            line: 0,
            column: 0,
        }
    }

    /// Record `index` of `place`, at this line and column.
    pub fn at(place: &Arc<Place>, index: u32, line: u32, column: u32) -> Self {
        Origin {
            line,
            column,
            ..Origin::new(place, index)
        }
    }

    /// The record's index in its array (0 for the first).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The report the record is in.
    pub fn file(&self) -> &super::ReportOrigin {
        &self.place.file
    }

    /// JSON pointer to the record, e.g. `/instance_compliant/3` or
    /// `/1/InstancePatchStates/0`; for a spreadsheet row its Excel reference, e.g.
    /// `Sheet1!5:5`; empty when there is none.
    pub fn pointer(&self) -> String {
        match &self.place.pointer {
            Pointer::Element(array) => format!("{array}/{}", self.index),
            Pointer::Whole(pointer) => pointer.clone(),
            Pointer::SheetRow(sheet) => format!("{sheet}!{0}:{0}", self.index),
            Pointer::None => String::new(),
        }
    }
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry("file", self.file())?;
        map.serialize_entry("pointer", &self.pointer())?;
        map.serialize_entry("line", &self.line)?;
        map.serialize_entry("column", &self.column)?;
        map.end()
    }
}

/// The text of a report (or of a policy), shared by every resource read from it and by the
/// diagnostics that point into it. The report is read into a `String` once; `Text` shares
/// that `String` (one pointer), so the report is never copied and a resource pays eight
/// bytes to reach it.
#[derive(Clone, Default)]
pub struct Text(Arc<String>);

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text(Arc::new(text))
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text(Arc::new(text.to_string()))
    }
}

impl From<&Text> for Text {
    fn from(text: &Text) -> Self {
        text.clone()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A span of JSON in a report text (the report-level `results`, the whole document),
/// parsed only when a policy reads it.
#[derive(Clone)]
pub struct RawJson {
    text: Text,
    start: usize,
    end: usize,
}

impl RawJson {
    /// A span of `text`; `start..end` must lie on character boundaries of valid JSON.
    pub fn new(text: Text, start: usize, end: usize) -> Self {
        Self { text, start, end }
    }

    /// A standalone JSON document.
    pub fn owned(json: String) -> Self {
        let end = json.len();
        Self {
            text: json.into(),
            start: 0,
            end,
        }
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        self.text.get(self.start..self.end).unwrap_or("null")
    }

    /// Byte offset of the span in its report text.
    pub fn offset(&self) -> usize {
        self.start
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RawJson({} bytes at {})",
            self.end - self.start,
            self.start
        )
    }
}

/// A string field of a resource, in four bytes: a span of the resource's record in the
/// report text (the common case: the report is not copied), a string the resource owns
/// (one the vendor escaped, or one tollgate composed), or none. Read it with
/// [`Resource::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Str {
    /// Offset from the record's start; for an owned string, its index.
    at: u16,
    /// Length in bytes, or one of the markers below.
    len: u16,
}

impl Str {
    /// No value: `()` in policies.
    pub const NONE: Str = Str {
        at: 0,
        len: u16::MAX,
    };
    /// `len` of an owned string; `at` is its index among the resource's owned strings.
    const OWNED: u16 = u16::MAX - 1;
    /// The longest span; a longer string (or one further into its record) is owned.
    const MAX_SPAN: usize = (u16::MAX - 2) as usize;

    /// Is there a value?
    pub fn is_some(self) -> bool {
        self != Str::NONE
    }
}

impl Default for Str {
    fn default() -> Self {
        Str::NONE
    }
}

/// A count the vendor reports (a whole number, zero or more), or none, in four bytes.
/// Patch and resource counts are 32-bit integers in the vendors' API documents; a count
/// above [`Count::MAX`] is refused when the report is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(u32);

impl Count {
    /// No value: `()` in policies.
    pub const NONE: Count = Count(u32::MAX);
    /// The largest count a resource holds.
    pub const MAX: i64 = (u32::MAX - 1) as i64;

    /// The count `value`; `Err` with the value when it is negative or above [`Count::MAX`].
    pub fn new(value: Option<i64>) -> Result<Count, i64> {
        match value {
            None => Ok(Count::NONE),
            Some(n) => u32::try_from(n)
                .ok()
                .filter(|n| *n != u32::MAX)
                .map(Count)
                .ok_or(n),
        }
    }

    /// The value, if there is one.
    pub fn get(self) -> Option<i64> {
        (self != Count::NONE).then_some(i64::from(self.0))
    }
}

impl Default for Count {
    fn default() -> Self {
        Count::NONE
    }
}

/// Patch counts by severity, as `missing` and `compliant` on a `patch_node`.
/// A count the vendor did not give is `None` (`()` in policies).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Severities {
    /// In the order of [`Severities::FIELDS`].
    counts: [Count; 7],
}

impl Severities {
    /// The field names policies can read.
    pub const FIELDS: [&'static str; 7] = [
        "critical",
        "high",
        "medium",
        "low",
        "info",
        "unspecified",
        "total",
    ];

    /// Counts in the order of [`Severities::FIELDS`]; `Err` with the name and value of
    /// the first one that is negative or above [`Count::MAX`].
    pub fn new(counts: [Option<i64>; 7]) -> Result<Self, (&'static str, i64)> {
        let mut out = [Count::NONE; 7];
        for ((slot, value), name) in out.iter_mut().zip(counts).zip(Self::FIELDS) {
            *slot = Count::new(value).map_err(|n| (name, n))?;
        }
        Ok(Severities { counts: out })
    }

    /// Counts already checked, in the order of [`Severities::FIELDS`].
    pub fn of(counts: [Count; 7]) -> Self {
        Severities { counts }
    }

    /// The count called `name`: `None` for an unknown name, `Some(None)` for an absent count.
    pub fn get(&self, name: &str) -> Option<Option<i64>> {
        let i = Self::FIELDS.iter().position(|f| *f == name)?;
        Some(self.counts[i].get())
    }

    /// The count at `index` of [`Severities::FIELDS`].
    pub fn at(&self, index: usize) -> Option<i64> {
        self.counts.get(index).and_then(|c| c.get())
    }

    pub fn critical(&self) -> Option<i64> {
        self.counts[0].get()
    }
    pub fn high(&self) -> Option<i64> {
        self.counts[1].get()
    }
    pub fn medium(&self) -> Option<i64> {
        self.counts[2].get()
    }
    pub fn low(&self) -> Option<i64> {
        self.counts[3].get()
    }
    pub fn info(&self) -> Option<i64> {
        self.counts[4].get()
    }
    pub fn unspecified(&self) -> Option<i64> {
        self.counts[5].get()
    }
    pub fn total(&self) -> Option<i64> {
        self.counts[6].get()
    }
}

impl Serialize for Severities {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(Self::FIELDS.len()))?;
        for (i, name) in Self::FIELDS.iter().enumerate() {
            map.serialize_entry(name, &self.at(i))?;
        }
        map.end()
    }
}

impl fmt::Display for Severities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("#{")?;
        for (i, name) in Self::FIELDS.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            match self.at(i) {
                Some(n) => write!(f, "{sep}{name}: {n}")?,
                None => write!(f, "{sep}{name}: ()")?,
            }
        }
        f.write_str("}")
    }
}

/// Kind-specific fields of a `patch_node`. Fields a vendor does not report are none.
#[derive(Debug, Clone, Default)]
pub struct PatchNode {
    pub missing: Option<Severities>,
    pub compliant: Option<Severities>,
    pub os: Str,
    pub ip: Str,
    pub eip: Str,
    pub scene: Str,
    pub baseline: Str,
    pub baseline_id: Str,
    pub report_id: Str,
    pub order_id: Str,
    pub enterprise_project_id: Str,
    pub operation: Str,
    pub failed: Count,
    pub pending_reboot: Count,
    pub installed: Count,
    pub installed_other: Count,
    pub rejected: Count,
}

/// Kind-specific fields of a `patch_item`.
#[derive(Debug, Clone, Default)]
pub struct PatchItem {
    pub node_id: Str,
    pub title: Str,
    pub classification: Str,
    pub severity: Str,
    pub compliance_level: Str,
    pub patch_status: Str,
    pub installed_at: Option<i64>,
    pub baseline: Str,
    pub baseline_id: Str,
}

/// Kind-specific fields of a `config_rule`.
#[derive(Debug, Clone, Default)]
pub struct ConfigRule {
    pub compliance_state: Str,
    pub noncompliant_resources: Count,
    pub compliant_resources: Count,
    pub rule_type: Str,
    pub tags: Vec<(String, String)>,
    pub period: Str,
    pub state: Str,
    pub description: Str,
    pub policy_definition_id: Str,
}

/// Kind-specific fields of a `compliance_pack`.
#[derive(Debug, Clone, Default)]
pub struct CompliancePack {
    pub report_status: Str,
    pub report_url: Str,
    pub account_id: Option<i64>,
}

/// One spreadsheet cell as policies see it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// An empty cell, or text that is only white space: `()` in policies.
    Empty,
    /// A number with no fractional part (spreadsheets store every number as a float).
    Int(i64),
    /// Any other number.
    Float(f64),
    Bool(bool),
    /// Text as the sheet holds it; dates as `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`, error
    /// cells as Excel shows them (`#N/A`).
    Text(String),
}

impl Cell {
    /// The value as text (numbers in decimal, `true`/`false`), `None` when empty.
    pub fn display(&self) -> Option<String> {
        match self {
            Cell::Empty => None,
            Cell::Int(n) => Some(n.to_string()),
            Cell::Float(x) => Some(x.to_string()),
            Cell::Bool(b) => Some(b.to_string()),
            Cell::Text(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Empty => s.serialize_unit(),
            Cell::Int(n) => s.serialize_i64(*n),
            Cell::Float(x) => s.serialize_f64(*x),
            Cell::Bool(b) => s.serialize_bool(*b),
            Cell::Text(t) => s.serialize_str(t),
        }
    }
}

/// The columns of one sheet, shared by all its rows: the field names policies use, the
/// header text they come from, and which columns identify a row. Built by
/// `report::pack_sheet`, which documents how a header becomes a name.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetColumns {
    /// One unique field name per column, in sheet order.
    pub names: Vec<String>,
    /// The header text of each column as the sheet has it (trimmed; `""` when none).
    pub headers: Vec<String>,
    /// The columns that identify a row, give its status, name and region.
    pub roles: Roles,
}

/// Which columns identify a row and give its status, name and region: indexes into
/// [`SheetColumns`], recognised by field name (English headers) or header text (Chinese)
/// when the sheet is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles {
    pub rule_id: Option<usize>,
    pub rule_name: Option<usize>,
    pub resource_id: Option<usize>,
    pub resource_name: Option<usize>,
    pub region: Option<usize>,
    pub compliance: Option<usize>,
}

impl SheetColumns {
    /// The column called `name`: its field name, else its header text.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .or_else(|| self.headers.iter().position(|h| !h.is_empty() && h == name))
    }
}

/// Kind-specific fields of a `pack_result`: one row of a compliance-pack report sheet.
#[derive(Debug, Clone)]
pub struct PackResult {
    /// The sheet's name.
    pub sheet: Arc<str>,
    /// The 1-based row number in the sheet, as a spreadsheet shows it.
    pub row: u32,
    pub columns: Arc<SheetColumns>,
    /// One value per column of `columns`.
    pub values: Vec<Cell>,
}

impl PackResult {
    /// The value of the column called `name` (field name or header text).
    pub fn get(&self, name: &str) -> Option<&Cell> {
        self.columns.index(name).and_then(|i| self.values.get(i))
    }

    /// The value of column `index`, `Empty` past the row's end.
    pub fn at(&self, index: usize) -> &Cell {
        self.values.get(index).unwrap_or(&Cell::Empty)
    }
}

/// A scan finding's severity: OCSF's `severity_id`, named as tollgate names severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScanSeverity {
    #[default]
    Unknown,
    Info,
    Low,
    Medium,
    High,
    Critical,
    Fatal,
    Other,
}

impl ScanSeverity {
    /// The severity with OCSF's `severity_id`; `None` for an id OCSF does not define.
    pub fn from_id(id: i64) -> Option<Self> {
        Some(match id {
            0 => ScanSeverity::Unknown,
            1 => ScanSeverity::Info,
            2 => ScanSeverity::Low,
            3 => ScanSeverity::Medium,
            4 => ScanSeverity::High,
            5 => ScanSeverity::Critical,
            6 => ScanSeverity::Fatal,
            99 => ScanSeverity::Other,
            _ => return None,
        })
    }

    /// The name policies see.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanSeverity::Unknown => "unknown",
            ScanSeverity::Info => "info",
            ScanSeverity::Low => "low",
            ScanSeverity::Medium => "medium",
            ScanSeverity::High => "high",
            ScanSeverity::Critical => "critical",
            ScanSeverity::Fatal => "fatal",
            ScanSeverity::Other => "other",
        }
    }

    /// The severity called `name` ([`ScanSeverity::as_str`]).
    pub fn parse(name: &str) -> Option<Self> {
        [0, 1, 2, 3, 4, 5, 6, 99]
            .into_iter()
            .filter_map(Self::from_id)
            .find(|s| s.as_str() == name)
    }
}

/// Where a scanner's workflow has a finding: OCSF's `status_id` of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingStatus {
    Unknown,
    New,
    InProgress,
    Suppressed,
    Resolved,
    Archived,
    Other,
}

impl FindingStatus {
    /// The status with OCSF's `status_id`; `None` for an id OCSF does not define.
    pub fn from_id(id: i64) -> Option<Self> {
        Some(match id {
            0 => FindingStatus::Unknown,
            1 => FindingStatus::New,
            2 => FindingStatus::InProgress,
            3 => FindingStatus::Suppressed,
            4 => FindingStatus::Resolved,
            5 => FindingStatus::Archived,
            99 => FindingStatus::Other,
            _ => return None,
        })
    }

    /// The name policies see.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Unknown => "unknown",
            FindingStatus::New => "new",
            FindingStatus::InProgress => "in_progress",
            FindingStatus::Suppressed => "suppressed",
            FindingStatus::Resolved => "resolved",
            FindingStatus::Archived => "archived",
            FindingStatus::Other => "other",
        }
    }

    /// The status called `name` ([`FindingStatus::as_str`]).
    pub fn parse(name: &str) -> Option<Self> {
        [0, 1, 2, 3, 4, 5, 99]
            .into_iter()
            .filter_map(Self::from_id)
            .find(|s| s.as_str() == name)
    }
}

/// Kind-specific fields of a `scan_finding`.
#[derive(Debug, Clone, Default)]
pub struct ScanFinding {
    /// The scanner's check (`metadata.event_code`).
    pub check_id: Str,
    pub title: Str,
    pub severity: ScanSeverity,
    /// The cloud (`cloud.provider`; Prowler's `huaweicloud` and `alibabacloud` are read as
    /// `huawei` and `alibaba`, the names tollgate's other reports have).
    pub provider: Str,
    /// The cloud account (`cloud.account.uid`).
    pub account: Str,
    pub resource_type: Str,
    pub resource_uid: Str,
    /// The framework requirements the check serves, as (framework, requirement) pairs in
    /// the order the event lists them; a framework with no requirement has one pair whose
    /// requirement is none.
    pub controls: Vec<(Str, Str)>,
    pub remediation: Str,
    /// The tool that wrote the event (`metadata.product.name`).
    pub product: Str,
    pub finding_status: Option<FindingStatus>,
}

/// The kind-specific part of a resource.
// A report holds one kind only, nearly always patch nodes: boxing the large variant would
// add an allocation per node and save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Detail {
    PatchNode(PatchNode),
    PatchItem(PatchItem),
    ConfigRule(ConfigRule),
    CompliancePack(CompliancePack),
    PackResult(PackResult),
    ScanFinding(ScanFinding),
}

impl Detail {
    /// The resource kind this detail belongs to.
    pub fn kind(&self) -> ResourceKind {
        match self {
            Detail::PatchNode(_) => ResourceKind::PatchNode,
            Detail::PatchItem(_) => ResourceKind::PatchItem,
            Detail::ConfigRule(_) => ResourceKind::ConfigRule,
            Detail::CompliancePack(_) => ResourceKind::CompliancePack,
            Detail::PackResult(_) => ResourceKind::PackResult,
            Detail::ScanFinding(_) => ResourceKind::ScanFinding,
        }
    }
}

/// One normalized resource from a report.
///
/// Its strings are spans of the report text it was read from (see [`Str`]), so a resource
/// costs about 250 bytes however long its record is, and reading a report copies none of
/// it. Build one with [`Builder`].
#[derive(Debug, Clone)]
pub struct Resource {
    pub source: ReportKind,
    pub status: Status,
    id: Str,
    name: Str,
    region: Str,
    group: Str,
    /// Unix milliseconds.
    reported_at: Option<i64>,
    pub detail: Detail,
    /// The report text the record is in (or the record alone, for one tollgate built).
    text: Text,
    /// Where the record starts in `text`, and its length.
    start: usize,
    len: u32,
    /// The strings the resource owns, which `Str`s index.
    owned: ThinVec<Box<str>>,
    pub origin: Origin,
}

/// Builds a [`Resource`] whose strings are spans of its record where they can be.
pub struct Builder<'r> {
    text: Text,
    record: &'r str,
    start: usize,
    owned: ThinVec<Box<str>>,
}

impl<'r> Builder<'r> {
    /// A resource read from `record`, a slice of `text` starting at byte `start`.
    pub fn new(text: &Text, record: &'r str, start: usize) -> Self {
        Builder {
            text: text.clone(),
            record,
            start,
            owned: ThinVec::new(),
        }
    }

    /// A resource with no report text behind it: `raw` is this JSON, and every string is
    /// owned.
    pub fn standalone(raw_json: String) -> Builder<'static> {
        Builder {
            text: Text::from(raw_json),
            record: "",
            start: 0,
            owned: ThinVec::new(),
        }
    }

    /// A standalone builder's resource with this raw JSON. Its strings are all owned, so
    /// the text behind them can change; a builder reading a record keeps its record.
    pub fn with_raw(mut self, raw_json: String) -> Self {
        if self.record.is_empty() {
            self.text = Text::from(raw_json);
        }
        self
    }

    /// A string field: a span when `value` lies in the record, else a copy the resource owns.
    pub fn str(&mut self, value: Option<&str>) -> Str {
        let Some(value) = value else {
            return Str::NONE;
        };
        let base = self.record.as_ptr() as usize;
        let at = (value.as_ptr() as usize).wrapping_sub(base);
        let inside = (value.as_ptr() as usize) >= base && at + value.len() <= self.record.len();
        if inside && at <= Str::MAX_SPAN && value.len() <= Str::MAX_SPAN {
            return Str {
                at: at as u16,
                len: value.len() as u16,
            };
        }
        // A resource has a few dozen string fields at most, so the index always fits.
        let index = u16::try_from(self.owned.len()).unwrap_or(u16::MAX - 1);
        self.owned.push(value.into());
        Str {
            at: index,
            len: Str::OWNED,
        }
    }

    /// The resource, with everything the builder collected.
    pub fn finish(
        self,
        source: ReportKind,
        common: Common,
        detail: Detail,
        origin: Origin,
    ) -> Resource {
        let len = if self.record.is_empty() {
            self.text.len()
        } else {
            self.record.len()
        };
        Resource {
            source,
            status: common.status,
            id: common.id,
            name: common.name,
            region: common.region,
            group: common.group,
            reported_at: common.reported_at,
            detail,
            text: self.text,
            start: self.start,
            len: u32::try_from(len).unwrap_or(u32::MAX),
            owned: self.owned,
            origin,
        }
    }
}

/// The fields every resource has, as a [`Builder`] collects them.
#[derive(Debug, Clone, Copy)]
pub struct Common {
    pub id: Str,
    pub name: Str,
    pub region: Str,
    pub group: Str,
    pub status: Status,
    pub reported_at: Option<i64>,
}

impl Common {
    /// A resource called `id`, with nothing else known yet.
    pub fn new(id: Str) -> Self {
        Common {
            id,
            name: Str::NONE,
            region: Str::NONE,
            group: Str::NONE,
            status: Status::Unknown,
            reported_at: None,
        }
    }
}

/// A field value, borrowed from a resource: the one representation both policies and
/// serializers read.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    Unit,
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(&'a str),
    Counts(&'a Severities),
    Tags(&'a [(String, String)]),
    /// A `pack_result`'s columns as a map of field name to value.
    Columns(&'a PackResult),
    /// A `pack_result`'s header texts as a map of field name to header.
    Headers(&'a SheetColumns),
    /// A scan finding's framework requirements: a map of framework to a list of
    /// requirements, read from the resource's (framework, requirement) pairs.
    Controls(&'a Resource, &'a [(Str, Str)]),
}

impl<'a> Field<'a> {
    fn int(value: Option<i64>) -> Self {
        value.map_or(Field::Unit, Field::Int)
    }

    fn counts(value: &'a Option<Severities>) -> Self {
        value.as_ref().map_or(Field::Unit, Field::Counts)
    }

    /// A spreadsheet cell as a field value.
    pub fn cell(cell: &'a Cell) -> Self {
        match cell {
            Cell::Empty => Field::Unit,
            Cell::Int(n) => Field::Int(*n),
            Cell::Float(x) => Field::Float(*x),
            Cell::Bool(b) => Field::Bool(*b),
            Cell::Text(s) => Field::Str(s),
        }
    }
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Unit => s.serialize_unit(),
            Field::Int(n) => s.serialize_i64(*n),
            Field::Float(x) => s.serialize_f64(*x),
            Field::Bool(b) => s.serialize_bool(*b),
            Field::Str(v) => s.serialize_str(v),
            Field::Counts(c) => c.serialize(s),
            Field::Tags(tags) => {
                let mut map = s.serialize_map(Some(tags.len()))?;
                for (k, v) in *tags {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Field::Columns(row) => {
                let names = &row.columns.names;
                let mut map = s.serialize_map(Some(names.len()))?;
                for (i, name) in names.iter().enumerate() {
                    map.serialize_entry(name, row.at(i))?;
                }
                map.end()
            }
            Field::Headers(columns) => {
                let mut map = s.serialize_map(Some(columns.names.len()))?;
                for (name, header) in columns.names.iter().zip(&columns.headers) {
                    map.serialize_entry(name, header)?;
                }
                map.end()
            }
            Field::Controls(r, pairs) => {
                let grouped = r.controls(pairs);
                let mut map = s.serialize_map(Some(grouped.len()))?;
                for (framework, requirements) in grouped {
                    map.serialize_entry(framework, &requirements)?;
                }
                map.end()
            }
        }
    }
}

impl Resource {
    /// What kind of resource this is.
    pub fn kind(&self) -> ResourceKind {
        self.detail.kind()
    }

    /// The cloud the resource is in (`huawei`, `alibaba`; for a scan finding, the one its
    /// event names, which may be any); none when a scan finding names none.
    pub fn provider(&self) -> Option<&str> {
        match &self.detail {
            Detail::ScanFinding(s) => self.text(s.provider),
            _ => self.source.provider_name(),
        }
    }

    /// (framework, requirement) pairs grouped by framework, frameworks in the order they
    /// first appear.
    pub fn controls<'s>(&'s self, pairs: &'s [(Str, Str)]) -> Vec<(&'s str, Vec<&'s str>)> {
        let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
        for (framework, requirement) in pairs {
            let framework = self.text(*framework).unwrap_or("");
            let at = match grouped.iter().position(|(f, _)| *f == framework) {
                Some(at) => at,
                None => {
                    grouped.push((framework, Vec::new()));
                    grouped.len() - 1
                }
            };
            if let Some(requirement) = self.text(*requirement) {
                grouped[at].1.push(requirement);
            }
        }
        grouped
    }

    /// The string `s` of this resource.
    pub fn text(&self, s: Str) -> Option<&str> {
        match s.len {
            u16::MAX => None,
            Str::OWNED => self.owned.get(usize::from(s.at)).map(|b| &**b),
            len => {
                let start = self.start + usize::from(s.at);
                self.text.get(start..start + usize::from(len))
            }
        }
    }

    /// The id: the instance id of a node, `NODE/TITLE` of a patch item, and so on.
    pub fn id(&self) -> &str {
        self.text(self.id).unwrap_or("")
    }

    pub fn name(&self) -> Option<&str> {
        self.text(self.name)
    }

    pub fn region(&self) -> Option<&str> {
        self.text(self.region)
    }

    pub fn group(&self) -> Option<&str> {
        self.text(self.group)
    }

    /// When the vendor says the record was reported (Unix milliseconds).
    pub fn reported_at(&self) -> Option<i64> {
        self.reported_at
    }

    /// The vendor's original JSON of the record (parsed only when a policy reads `raw`).
    pub fn raw(&self) -> &str {
        let end = self.start + self.len as usize;
        self.text.get(self.start..end).unwrap_or("null")
    }

    /// Byte offset of the record in its report text.
    pub fn raw_offset(&self) -> usize {
        self.start
    }

    /// How many strings the resource holds a copy of (the rest are spans of the report).
    pub fn owned_strings(&self) -> usize {
        self.owned.len()
    }

    /// The display name: the name when there is one, else the id.
    pub fn label(&self) -> &str {
        self.name().filter(|n| !n.is_empty()).unwrap_or(self.id())
    }

    /// The field a policy reads as `resource.NAME`; `None` when the kind has no such field.
    /// `raw` is not a `Field`: it is parsed on demand by the caller. On a `pack_result`, a
    /// name that is no fixed field is looked up among the columns (field name, then header
    /// text), so a column named like a fixed field is read through `columns`.
    pub fn field(&self, name: &str) -> Option<Field<'_>> {
        match FieldId::parse(name) {
            Some(id) => self.get(id).or_else(|| self.column(name)),
            None => self.column(name),
        }
    }

    /// A `pack_result`'s column called `name` (field name or header text).
    pub fn column(&self, name: &str) -> Option<Field<'_>> {
        match &self.detail {
            Detail::PackResult(row) => row.get(name).map(Field::cell),
            _ => None,
        }
    }

    /// Every field a policy can read on this resource: the kind's fixed fields and, on a
    /// `pack_result`, its columns that no fixed field hides.
    pub fn field_names(&self) -> Vec<&str> {
        let kind = self.kind();
        let mut names: Vec<&str> = kind.field_names().collect();
        if let Detail::PackResult(row) = &self.detail {
            for name in &row.columns.names {
                if !kind.field_names().any(|f| f == name) {
                    names.push(name);
                }
            }
        }
        names
    }

    fn string(&self, s: Str) -> Field<'_> {
        self.text(s).map_or(Field::Unit, Field::Str)
    }

    /// The fixed field `id`; `None` when this kind has no such field.
    pub fn get(&self, id: FieldId) -> Option<Field<'_>> {
        use Field as F;
        use FieldId as I;
        let text = |s: Str| self.string(s);
        let count = |c: Count| F::int(c.get());
        Some(match (id, &self.detail) {
            (I::Kind, _) => F::Str(self.kind().as_str()),
            (I::Provider, _) => self.provider().map_or(F::Unit, F::Str),
            (I::Source, _) => F::Str(self.source.id()),
            (I::Id, _) => F::Str(self.id()),
            (I::Name, _) => text(self.name),
            (I::Region, _) => text(self.region),
            (I::Group, _) => text(self.group),
            (I::Status, _) => F::Str(self.status.as_str()),
            (I::ReportedAt, _) => F::int(self.reported_at),
            (I::Missing, Detail::PatchNode(n)) => F::counts(&n.missing),
            (I::Compliant, Detail::PatchNode(n)) => F::counts(&n.compliant),
            (I::Os, Detail::PatchNode(n)) => text(n.os),
            (I::Ip, Detail::PatchNode(n)) => text(n.ip),
            (I::Eip, Detail::PatchNode(n)) => text(n.eip),
            (I::Scene, Detail::PatchNode(n)) => text(n.scene),
            (I::Baseline, Detail::PatchNode(n)) => text(n.baseline),
            (I::BaselineId, Detail::PatchNode(n)) => text(n.baseline_id),
            (I::ReportId, Detail::PatchNode(n)) => text(n.report_id),
            (I::OrderId, Detail::PatchNode(n)) => text(n.order_id),
            (I::EnterpriseProjectId, Detail::PatchNode(n)) => text(n.enterprise_project_id),
            (I::Operation, Detail::PatchNode(n)) => text(n.operation),
            (I::Failed, Detail::PatchNode(n)) => count(n.failed),
            (I::PendingReboot, Detail::PatchNode(n)) => count(n.pending_reboot),
            (I::Installed, Detail::PatchNode(n)) => count(n.installed),
            (I::InstalledOther, Detail::PatchNode(n)) => count(n.installed_other),
            (I::Rejected, Detail::PatchNode(n)) => count(n.rejected),
            (I::NodeId, Detail::PatchItem(p)) => text(p.node_id),
            (I::Title, Detail::PatchItem(p)) => text(p.title),
            (I::Classification, Detail::PatchItem(p)) => text(p.classification),
            (I::Severity, Detail::PatchItem(p)) => text(p.severity),
            (I::ComplianceLevel, Detail::PatchItem(p)) => text(p.compliance_level),
            (I::PatchStatus, Detail::PatchItem(p)) => text(p.patch_status),
            (I::InstalledAt, Detail::PatchItem(p)) => F::int(p.installed_at),
            (I::Baseline, Detail::PatchItem(p)) => text(p.baseline),
            (I::BaselineId, Detail::PatchItem(p)) => text(p.baseline_id),
            (I::ComplianceState, Detail::ConfigRule(r)) => text(r.compliance_state),
            (I::NoncompliantResources, Detail::ConfigRule(r)) => count(r.noncompliant_resources),
            (I::CompliantResources, Detail::ConfigRule(r)) => count(r.compliant_resources),
            (I::RuleType, Detail::ConfigRule(r)) => text(r.rule_type),
            (I::Tags, Detail::ConfigRule(r)) => F::Tags(&r.tags),
            (I::Period, Detail::ConfigRule(r)) => text(r.period),
            (I::State, Detail::ConfigRule(r)) => text(r.state),
            (I::Description, Detail::ConfigRule(r)) => text(r.description),
            (I::PolicyDefinitionId, Detail::ConfigRule(r)) => text(r.policy_definition_id),
            (I::ReportStatus, Detail::CompliancePack(c)) => text(c.report_status),
            (I::ReportUrl, Detail::CompliancePack(c)) => text(c.report_url),
            (I::AccountId, Detail::CompliancePack(c)) => F::int(c.account_id),
            (I::Sheet, Detail::PackResult(row)) => F::Str(&row.sheet),
            (I::Row, Detail::PackResult(row)) => F::Int(i64::from(row.row)),
            (I::Columns, Detail::PackResult(row)) => F::Columns(row),
            (I::Headers, Detail::PackResult(row)) => F::Headers(&row.columns),
            (I::CheckId, Detail::ScanFinding(f)) => text(f.check_id),
            (I::Title, Detail::ScanFinding(f)) => text(f.title),
            (I::Severity, Detail::ScanFinding(f)) => F::Str(f.severity.as_str()),
            (I::Account, Detail::ScanFinding(f)) => text(f.account),
            (I::ResourceType, Detail::ScanFinding(f)) => text(f.resource_type),
            (I::ResourceUid, Detail::ScanFinding(f)) => text(f.resource_uid),
            (I::Controls, Detail::ScanFinding(f)) => F::Controls(self, &f.controls),
            (I::Remediation, Detail::ScanFinding(f)) => text(f.remediation),
            (I::Product, Detail::ScanFinding(f)) => text(f.product),
            (I::FindingStatus, Detail::ScanFinding(f)) => {
                f.finding_status.map_or(F::Unit, |s| F::Str(s.as_str()))
            }
            _ => return None,
        })
    }
}

/// A fixed field of some resource kind, resolved from its name once (when a policy is
/// compiled) rather than on every read. [`Resource::get`] reads it; [`FieldId::parse`]
/// knows the names, which are those of [`ResourceKind::field_names`] (without `raw`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldId {
    Kind,
    Provider,
    Source,
    Id,
    Name,
    Region,
    Group,
    Status,
    ReportedAt,
    Missing,
    Compliant,
    Os,
    Ip,
    Eip,
    Scene,
    Baseline,
    BaselineId,
    ReportId,
    OrderId,
    EnterpriseProjectId,
    Operation,
    Failed,
    PendingReboot,
    Installed,
    InstalledOther,
    Rejected,
    NodeId,
    Title,
    Classification,
    Severity,
    ComplianceLevel,
    PatchStatus,
    InstalledAt,
    ComplianceState,
    NoncompliantResources,
    CompliantResources,
    RuleType,
    Tags,
    Period,
    State,
    Description,
    PolicyDefinitionId,
    ReportStatus,
    ReportUrl,
    AccountId,
    Sheet,
    Row,
    Columns,
    Headers,
    CheckId,
    Account,
    ResourceType,
    ResourceUid,
    Controls,
    Remediation,
    Product,
    FindingStatus,
}

impl FieldId {
    /// The fixed field called `name`, of whichever kind has it.
    pub fn parse(name: &str) -> Option<FieldId> {
        use FieldId as I;
        Some(match name {
            "kind" => I::Kind,
            "provider" => I::Provider,
            "source" => I::Source,
            "id" => I::Id,
            "name" => I::Name,
            "region" => I::Region,
            "group" => I::Group,
            "status" => I::Status,
            "reported_at" => I::ReportedAt,
            "missing" => I::Missing,
            "compliant" => I::Compliant,
            "os" => I::Os,
            "ip" => I::Ip,
            "eip" => I::Eip,
            "scene" => I::Scene,
            "baseline" => I::Baseline,
            "baseline_id" => I::BaselineId,
            "report_id" => I::ReportId,
            "order_id" => I::OrderId,
            "enterprise_project_id" => I::EnterpriseProjectId,
            "operation" => I::Operation,
            "failed" => I::Failed,
            "pending_reboot" => I::PendingReboot,
            "installed" => I::Installed,
            "installed_other" => I::InstalledOther,
            "rejected" => I::Rejected,
            "node_id" => I::NodeId,
            "title" => I::Title,
            "classification" => I::Classification,
            "severity" => I::Severity,
            "compliance_level" => I::ComplianceLevel,
            "patch_status" => I::PatchStatus,
            "installed_at" => I::InstalledAt,
            "compliance_state" => I::ComplianceState,
            "noncompliant_resources" => I::NoncompliantResources,
            "compliant_resources" => I::CompliantResources,
            "rule_type" => I::RuleType,
            "tags" => I::Tags,
            "period" => I::Period,
            "state" => I::State,
            "description" => I::Description,
            "policy_definition_id" => I::PolicyDefinitionId,
            "report_status" => I::ReportStatus,
            "report_url" => I::ReportUrl,
            "account_id" => I::AccountId,
            "sheet" => I::Sheet,
            "row" => I::Row,
            "columns" => I::Columns,
            "headers" => I::Headers,
            "check_id" => I::CheckId,
            "account" => I::Account,
            "resource_type" => I::ResourceType,
            "resource_uid" => I::ResourceUid,
            "controls" => I::Controls,
            "remediation" => I::Remediation,
            "product" => I::Product,
            "finding_status" => I::FindingStatus,
            _ => return None,
        })
    }
}

/// Serializes every field policies can read (except `raw`) plus the origin: the shape of
/// normalize snapshots and of `resource` objects in machine-readable output.
impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for name in COMMON_FIELDS.iter().chain(self.kind().detail_fields()) {
            if let Some(value) = self.field(name) {
                map.serialize_entry(name, &value)?;
            }
        }
        map.serialize_entry("origin", &self.origin)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node() -> Resource {
        let text = Text::from(r#"[{"id":"i-1","name":"web-1","group":"prod","esc":"a\"b"}]"#);
        let record = &text[1..text.len() - 1];
        let mut b = Builder::new(&text, record, 1);
        let field = |name: &str| {
            let at = record.find(&format!("\"{name}\":\"")).unwrap() + name.len() + 4;
            let end = at + record[at..].find('"').unwrap();
            &record[at..end]
        };
        let common = Common {
            name: b.str(Some(field("name"))),
            group: b.str(Some(field("group"))),
            status: Status::NonCompliant,
            reported_at: Some(5),
            ..Common::new(b.str(Some(field("id"))))
        };
        let detail = Detail::PatchNode(PatchNode {
            missing: Some(Severities::new([Some(2), None, None, None, None, None, None]).unwrap()),
            // Composed, not a slice of the record: owned.
            os: b.str(Some("Euler OS")),
            ..Default::default()
        });
        let place = Place::new(
            crate::model::ReportOrigin::File("r.json".into()),
            Pointer::Element("/instance_compliant".into()),
        );
        let origin = Origin::at(&place, 0, 3, 5);
        b.finish(ReportKind::CocPatch, common, detail, origin)
    }

    #[test]
    fn strings_are_spans_of_the_record_unless_composed() {
        let r = node();
        assert_eq!(r.id(), "i-1");
        assert_eq!(r.name(), Some("web-1"));
        assert_eq!(r.region(), None);
        assert!(matches!(r.field("os"), Some(Field::Str("Euler OS"))));
        assert_eq!(r.owned.len(), 1, "only the composed string is copied");
        assert!(r.raw().starts_with(r#"{"id":"i-1""#) && r.raw().ends_with('}'));
        assert_eq!(r.raw_offset(), 1);
        assert_eq!(r.origin.pointer(), "/instance_compliant/0");
        assert!(
            std::mem::size_of::<Resource>() <= 232,
            "{}",
            std::mem::size_of::<Resource>()
        );
    }

    #[test]
    fn counts_hold_what_a_vendor_can_send_and_refuse_the_rest() {
        assert_eq!(Count::new(Some(0)).unwrap().get(), Some(0));
        assert_eq!(
            Count::new(Some(Count::MAX)).unwrap().get(),
            Some(Count::MAX)
        );
        assert_eq!(Count::new(None).unwrap().get(), None);
        assert_eq!(Count::new(Some(-1)), Err(-1));
        assert_eq!(Count::new(Some(Count::MAX + 1)), Err(Count::MAX + 1));
        assert_eq!(
            Severities::new([Some(1), Some(-3), None, None, None, None, None]),
            Err(("high", -3))
        );
    }

    #[test]
    fn every_listed_field_is_readable_and_nothing_else() {
        let r = node();
        for name in ResourceKind::PatchNode
            .field_names()
            .filter(|f| *f != "raw")
        {
            assert!(r.field(name).is_some(), "{name} is listed but not readable");
        }
        assert!(r.field("misssing").is_none());
        assert!(
            r.field("title").is_none(),
            "a patch_item field on a patch_node"
        );
    }

    #[test]
    fn every_listed_name_is_a_field_id_of_exactly_its_kinds() {
        let r = node();
        for kind in ResourceKind::ALL {
            for name in kind.field_names().filter(|f| *f != "raw") {
                assert!(FieldId::parse(name).is_some(), "{name} has no FieldId");
            }
        }
        // A patch_node reads the ids its kind lists, and no other.
        let ids = ResourceKind::ALL
            .iter()
            .flat_map(|k| k.field_names())
            .filter_map(FieldId::parse);
        for id in ids {
            let listed = ResourceKind::PatchNode
                .field_names()
                .any(|n| FieldId::parse(n) == Some(id));
            assert_eq!(r.get(id).is_some(), listed, "{id:?}");
        }
    }

    #[test]
    fn absent_values_are_unit_and_counts_keep_gaps() {
        let r = node();
        assert!(matches!(r.field("region"), Some(Field::Unit)));
        let Some(Field::Counts(counts)) = r.field("missing") else {
            panic!("missing is counts")
        };
        assert_eq!(counts.critical(), Some(2));
        assert_eq!(counts.get("high"), Some(None));
        assert_eq!(counts.get("severe"), None);
    }

    #[test]
    fn serializes_fields_in_documented_order() {
        let json = serde_json::to_value(node()).unwrap();
        assert_eq!(json["kind"], "patch_node");
        assert_eq!(json["source"], "huawei.coc.patch_compliance");
        assert_eq!(json["missing"]["critical"], 2);
        assert!(json["missing"]["high"].is_null());
        assert!(json["region"].is_null());
        assert_eq!(json["origin"]["line"], 3);
        assert!(json.get("raw").is_none());
    }

    fn pack_row() -> Resource {
        let columns = Arc::new(crate::report::pack_sheet::columns(
            ["Rule Name", "Status", "Score", "合规结果"]
                .into_iter()
                .enumerate()
                .map(|(i, h)| (i as u32 + 1, h.to_string())),
        ));
        let values = vec![
            Cell::Text("r1".into()),
            Cell::Text("Enabled".into()),
            Cell::Float(0.5),
            Cell::Empty,
        ];
        let mut r = node();
        r.detail = Detail::PackResult(PackResult {
            sheet: "Sheet1".into(),
            row: 2,
            columns,
            values,
        });
        r
    }

    #[test]
    fn pack_results_read_columns_after_fixed_fields() {
        let r = pack_row();
        assert!(matches!(r.field("rule_name"), Some(Field::Str("r1"))));
        assert!(matches!(r.field("score"), Some(Field::Float(x)) if x == 0.5));
        assert!(matches!(r.field("合规结果"), Some(Field::Unit)));
        assert!(matches!(r.field("column_4"), Some(Field::Unit)));
        assert!(matches!(
            r.field("status"),
            Some(Field::Str("non_compliant"))
        ));
        assert!(matches!(r.field("row"), Some(Field::Int(2))));
        assert!(r.field("missing").is_none(), "no patch_node field on a row");
        let Some(Field::Columns(row)) = r.field("columns") else {
            panic!("columns is the row")
        };
        assert!(matches!(row.get("status"), Some(Cell::Text(s)) if &**s == "Enabled"));
        let names = r.field_names();
        assert!(
            names.ends_with(&["raw", "rule_name", "score", "column_4"]),
            "{names:?}"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["columns"]["score"], 0.5);
        assert_eq!(json["headers"]["column_4"], "合规结果");
        assert_eq!(json["status"], "non_compliant");
    }

    #[test]
    fn label_falls_back_to_id() {
        let mut r = node();
        assert_eq!(r.label(), "web-1");
        r.name = Str::NONE;
        assert_eq!(r.label(), "i-1");
    }
}
