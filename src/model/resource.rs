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
}

impl ResourceKind {
    /// Every kind, in documentation order.
    pub const ALL: [ResourceKind; 5] = [
        ResourceKind::PatchNode,
        ResourceKind::PatchItem,
        ResourceKind::ConfigRule,
        ResourceKind::CompliancePack,
        ResourceKind::PackResult,
    ];

    /// The name policies use in `applies_to`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::PatchNode => "patch_node",
            ResourceKind::PatchItem => "patch_item",
            ResourceKind::ConfigRule => "config_rule",
            ResourceKind::CompliancePack => "compliance_pack",
            ResourceKind::PackResult => "pack_result",
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

/// Where a resource's JSON object stands in its report: for SARIF locations and humans.
/// For a spreadsheet row (`pack_result`), the position is the row's in its sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The report it is in (serialized as the report's name).
    pub file: super::ReportOrigin,
    /// JSON pointer to the object, e.g. `/instance_compliant/3` or `/1/InstancePatchStates/0`;
    /// for a spreadsheet row its Excel reference, e.g. `Sheet1!5:5`.
    pub pointer: String,
    /// 1-based line of the object's opening brace (the sheet row of a spreadsheet row).
    pub line: u32,
    /// 1-based column (in characters) of the object's opening brace (the sheet column
    /// where the row's table starts, A = 1).
    pub column: u32,
}

/// The text of a report (or of a policy), shared by every resource's `raw` span and by the
/// diagnostics that point into it.
///
/// A report file is read into a `String`; turning that into an `Arc<str>` would copy it,
/// so for a moment the report would be in memory twice (at 100,000 nodes, 136 MB twice).
/// `Text` keeps the `String` it was read into, and takes an `Arc<str>` as it is.
#[derive(Clone)]
pub struct Text(TextRepr);

#[derive(Clone)]
enum TextRepr {
    Read(Arc<String>),
    Shared(Arc<str>),
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        match &self.0 {
            TextRepr::Read(s) => s.as_str(),
            TextRepr::Shared(s) => s,
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text(TextRepr::Read(Arc::new(text)))
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text(TextRepr::Shared(text.into()))
    }
}

impl From<Arc<str>> for Text {
    fn from(text: Arc<str>) -> Self {
        Text(TextRepr::Shared(text))
    }
}

impl From<&Arc<str>> for Text {
    fn from(text: &Arc<str>) -> Self {
        Text(TextRepr::Shared(Arc::clone(text)))
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

/// The vendor's original JSON for a resource, kept as a span of the report text and parsed
/// only when a policy reads `raw`.
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

/// Patch counts by severity, as `missing` and `compliant` on a `patch_node`.
/// A count the vendor did not give is `None` (`()` in policies).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Severities {
    pub critical: Option<i64>,
    pub high: Option<i64>,
    pub medium: Option<i64>,
    pub low: Option<i64>,
    pub info: Option<i64>,
    pub unspecified: Option<i64>,
    pub total: Option<i64>,
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

    /// The count called `name`: `None` for an unknown name, `Some(None)` for an absent count.
    pub fn get(&self, name: &str) -> Option<Option<i64>> {
        Some(match name {
            "critical" => self.critical,
            "high" => self.high,
            "medium" => self.medium,
            "low" => self.low,
            "info" => self.info,
            "unspecified" => self.unspecified,
            "total" => self.total,
            _ => return None,
        })
    }
}

impl fmt::Display for Severities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("#{")?;
        for (i, name) in Self::FIELDS.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            match self.get(name).flatten() {
                Some(n) => write!(f, "{sep}{name}: {n}")?,
                None => write!(f, "{sep}{name}: ()")?,
            }
        }
        f.write_str("}")
    }
}

/// Kind-specific fields of a `patch_node`. Fields a vendor does not report are `None`.
#[derive(Debug, Clone, Default)]
pub struct PatchNode {
    pub missing: Option<Severities>,
    pub compliant: Option<Severities>,
    pub os: Option<String>,
    pub ip: Option<String>,
    pub eip: Option<String>,
    pub scene: Option<String>,
    pub baseline: Option<String>,
    pub baseline_id: Option<String>,
    pub report_id: Option<String>,
    pub order_id: Option<String>,
    pub enterprise_project_id: Option<String>,
    pub operation: Option<String>,
    pub failed: Option<i64>,
    pub pending_reboot: Option<i64>,
    pub installed: Option<i64>,
    pub installed_other: Option<i64>,
    pub rejected: Option<i64>,
}

/// Kind-specific fields of a `patch_item`.
#[derive(Debug, Clone, Default)]
pub struct PatchItem {
    pub node_id: Option<String>,
    pub title: Option<String>,
    pub classification: Option<String>,
    pub severity: Option<String>,
    pub compliance_level: Option<String>,
    pub patch_status: Option<String>,
    pub installed_at: Option<i64>,
    pub baseline: Option<String>,
    pub baseline_id: Option<String>,
}

/// Kind-specific fields of a `config_rule`.
#[derive(Debug, Clone, Default)]
pub struct ConfigRule {
    pub compliance_state: Option<String>,
    pub noncompliant_resources: Option<i64>,
    pub compliant_resources: Option<i64>,
    pub rule_type: Option<String>,
    pub tags: Vec<(String, String)>,
    pub period: Option<String>,
    pub state: Option<String>,
    pub description: Option<String>,
    pub policy_definition_id: Option<String>,
}

/// Kind-specific fields of a `compliance_pack`.
#[derive(Debug, Clone, Default)]
pub struct CompliancePack {
    pub report_status: Option<String>,
    pub report_url: Option<String>,
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
        }
    }
}

/// One normalized resource from a report.
#[derive(Debug, Clone)]
pub struct Resource {
    pub provider: Provider,
    pub source: ReportKind,
    pub id: String,
    pub name: Option<String>,
    pub region: Option<String>,
    pub group: Option<String>,
    pub status: Status,
    /// Unix milliseconds.
    pub reported_at: Option<i64>,
    pub detail: Detail,
    pub raw: RawJson,
    pub origin: Origin,
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
}

impl<'a> Field<'a> {
    fn text(value: &'a Option<String>) -> Self {
        value.as_deref().map_or(Field::Unit, Field::Str)
    }

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
        }
    }
}

impl Resource {
    /// What kind of resource this is.
    pub fn kind(&self) -> ResourceKind {
        self.detail.kind()
    }

    /// The display name: the name when there is one, else the id.
    pub fn label(&self) -> &str {
        self.name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.id)
    }

    /// The field a policy reads as `resource.NAME`; `None` when the kind has no such field.
    /// `raw` is not a `Field`: it is parsed on demand by the caller. On a `pack_result`, a
    /// name that is no fixed field is looked up among the columns (field name, then header
    /// text), so a column named like a fixed field is read through `columns`.
    pub fn field(&self, name: &str) -> Option<Field<'_>> {
        let common = match name {
            "kind" => Some(Field::Str(self.kind().as_str())),
            "provider" => Some(Field::Str(self.provider.as_str())),
            "source" => Some(Field::Str(self.source.id())),
            "id" => Some(Field::Str(&self.id)),
            "name" => Some(Field::text(&self.name)),
            "region" => Some(Field::text(&self.region)),
            "group" => Some(Field::text(&self.group)),
            "status" => Some(Field::Str(self.status.as_str())),
            "reported_at" => Some(Field::int(self.reported_at)),
            _ => None,
        };
        common.or_else(|| self.detail_field(name))
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

    fn detail_field(&self, name: &str) -> Option<Field<'_>> {
        use Field as F;
        Some(match &self.detail {
            Detail::PatchNode(n) => match name {
                "missing" => F::counts(&n.missing),
                "compliant" => F::counts(&n.compliant),
                "os" => F::text(&n.os),
                "ip" => F::text(&n.ip),
                "eip" => F::text(&n.eip),
                "scene" => F::text(&n.scene),
                "baseline" => F::text(&n.baseline),
                "baseline_id" => F::text(&n.baseline_id),
                "report_id" => F::text(&n.report_id),
                "order_id" => F::text(&n.order_id),
                "enterprise_project_id" => F::text(&n.enterprise_project_id),
                "operation" => F::text(&n.operation),
                "failed" => F::int(n.failed),
                "pending_reboot" => F::int(n.pending_reboot),
                "installed" => F::int(n.installed),
                "installed_other" => F::int(n.installed_other),
                "rejected" => F::int(n.rejected),
                _ => return None,
            },
            Detail::PatchItem(p) => match name {
                "node_id" => F::text(&p.node_id),
                "title" => F::text(&p.title),
                "classification" => F::text(&p.classification),
                "severity" => F::text(&p.severity),
                "compliance_level" => F::text(&p.compliance_level),
                "patch_status" => F::text(&p.patch_status),
                "installed_at" => F::int(p.installed_at),
                "baseline" => F::text(&p.baseline),
                "baseline_id" => F::text(&p.baseline_id),
                _ => return None,
            },
            Detail::ConfigRule(r) => match name {
                "compliance_state" => F::text(&r.compliance_state),
                "noncompliant_resources" => F::int(r.noncompliant_resources),
                "compliant_resources" => F::int(r.compliant_resources),
                "rule_type" => F::text(&r.rule_type),
                "tags" => F::Tags(&r.tags),
                "period" => F::text(&r.period),
                "state" => F::text(&r.state),
                "description" => F::text(&r.description),
                "policy_definition_id" => F::text(&r.policy_definition_id),
                _ => return None,
            },
            Detail::CompliancePack(c) => match name {
                "report_status" => F::text(&c.report_status),
                "report_url" => F::text(&c.report_url),
                "account_id" => F::int(c.account_id),
                _ => return None,
            },
            Detail::PackResult(row) => match name {
                "sheet" => F::Str(&row.sheet),
                "row" => F::Int(i64::from(row.row)),
                "columns" => F::Columns(row),
                "headers" => F::Headers(&row.columns),
                _ => return row.get(name).map(F::cell),
            },
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
        Resource {
            provider: Provider::Huawei,
            source: ReportKind::CocPatch,
            id: "i-1".into(),
            name: Some("web-1".into()),
            region: None,
            group: Some("prod".into()),
            status: Status::NonCompliant,
            reported_at: Some(5),
            detail: Detail::PatchNode(PatchNode {
                missing: Some(Severities {
                    critical: Some(2),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            raw: RawJson::owned(r#"{"a":null}"#.into()),
            origin: Origin {
                file: crate::model::ReportOrigin::File("r.json".into()),
                pointer: "/instance_compliant/0".into(),
                line: 3,
                column: 5,
            },
        }
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
    fn absent_values_are_unit_and_counts_keep_gaps() {
        let r = node();
        assert!(matches!(r.field("region"), Some(Field::Unit)));
        let Some(Field::Counts(counts)) = r.field("missing") else {
            panic!("missing is counts")
        };
        assert_eq!(counts.critical, Some(2));
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
        r.name = Some(String::new());
        assert_eq!(r.label(), "i-1");
    }
}
