//! Alibaba Cloud Config compliance-pack report *files*: the spreadsheet that `ReportUrl` of
//! `GetCompliancePackReport` points at (api-docs/alibaba-config-get-compliance-pack-report.txt)
//! becomes one `pack_result` resource per row. The live source downloads the file and calls
//! [`read`] with its bytes; nothing here touches the network or the file system.
//!
//! How a sheet is read (docs/resources.md says the same to users):
//!
//! - **Format** by content, not by name: a zip (`PK\x03\x04`) is read as .xlsx, an OLE2
//!   compound file (`D0 CF 11 E0`) as .xls. Anything else is a `tollgate::report::sheet`
//!   error; an XML error body saved in place of the file (OSS answers an expired signed URL
//!   with one) is named as such.
//! - **Sheet**: the first sheet whose header row names a rule or resource column (below);
//!   failing that, the first sheet with any non-empty row. No such sheet is an error.
//! - **Header row**: the sheet's first non-empty row. Every later non-empty row is one
//!   resource; a sheet with a header and no rows gives none (the caller decides whether
//!   that is acceptable evidence).
//! - **Column names** ([`field_name`]): the header in snake_case ASCII, split at spaces,
//!   punctuation and camelCase humps (`Rule Name`, `RuleName` and `rule-name` are all
//!   `rule_name`; `ResourceID` is `resource_id`). A header with any non-ASCII character
//!   (the report may be in Chinese), or with no letter or digit, or no header at all, is
//!   `column_N`, N being the column's position in the sheet (A = 1). A name already taken
//!   gets `_2`, `_3`, ... The header text itself stays readable (`headers`) and works as a
//!   key too: `row["合规结果"]`. Columns with neither a header nor a value are dropped.
//! - **Values** ([`Cell`]): empty cells and white-space-only text are `()`; a number with no
//!   fractional part is an INT (spreadsheets store every number as a float, and ids and
//!   counts are whole), any other number a FLOAT; booleans are BOOL; dates are text,
//!   `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS` (a time alone `HH:MM:SS`), since the sheet's
//!   display format is not reproduced; error cells are their Excel text (`#N/A`).
//! - **Identity** ([`Roles`]): `id` is `RULE/RESOURCE`, RULE being the rule-id column's
//!   value (else the rule name's) and RESOURCE the resource-id column's; when a row has only
//!   one of them, that one; when neither, `row-N` (N the sheet row). Two rows with one id are
//!   a `tollgate::report::duplicate` error, as in JSON reports. `status` comes from the
//!   compliance column (`COMPLIANT` → compliant, `NON_COMPLIANT` → non_compliant, also
//!   `合规`/`不合规`, any case and separator), else `unknown`; `name` is the resource
//!   name, `region` the region column. Columns are recognised by their English names and
//!   the common Chinese ones ([`Roles::of`]).
//! - From the compliance pack, when given: `group` is its id and `reported_at` its
//!   `reported_at` (`ReportCreateTimestamp`).
//!
//! Errors never panic: a parser panic on a malformed file is caught and reported as a
//! `tollgate::report::sheet` error.

use std::collections::HashMap;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use calamine::{open_workbook_from_rs, Data, Range, Reader, Sheets, Xls, Xlsx};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::error::Error;
use crate::model::resource::{
    Builder, Cell, Common, Detail, Origin, PackResult, Place, Pointer, Resource, Roles,
    SheetColumns, Status,
};
use crate::model::{ReportKind, ReportOrigin};

/// Read a downloaded compliance-pack report (.xlsx or .xls `bytes`) into one `pack_result`
/// per row, in sheet order.
///
/// `name` is how the file appears in errors and in each row's origin (a path, or a stand-in
/// such as `<cp-….xls>`). `pack` is the `compliance_pack` resource the file belongs to, if
/// known: its id becomes each row's `group` and its `reported_at` theirs.
pub(crate) fn read(
    bytes: &[u8],
    origin: &ReportOrigin,
    pack: Option<&Resource>,
) -> Result<Vec<Resource>, Error> {
    let name = origin.name();
    let format = format_of(bytes, name)?;
    if format == Format::Xls {
        if let Some(reason) = fat_cycle(bytes) {
            return Err(sheet_error(name, reason, CORRUPT_HINT));
        }
    }
    let table = match catch_unwind(AssertUnwindSafe(|| table(bytes, format, name))) {
        Ok(result) => result?,
        Err(_) => {
            return Err(sheet_error(
                name,
                format!(
                    "the {} reader failed on it: the file is malformed",
                    format.ext()
                ),
                CORRUPT_HINT,
            ))
        }
    };
    rows(table, origin, pack)
}

/// The name a policy reads a column by: the header in snake_case ASCII, or `None` when the
/// header has a non-ASCII character or no letter or digit (the column is then `column_N`).
pub(crate) fn field_name(header: &str) -> Option<String> {
    if !header.is_ascii() {
        return None;
    }
    let chars: Vec<char> = header.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !word.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            // `ruleName` → rule|Name; `ResourceID` stays one hump; `HTTPServer` → HTTP|Server.
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                words.push(std::mem::take(&mut word));
            }
        }
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    (!words.is_empty()).then(|| words.join("_"))
}

/// (field names, header texts without white space and lower-cased) of each role.
const RULE_ID: (&[&str], &[&str]) = (&["rule_id", "config_rule_id"], &["规则id"]);
const RULE_NAME: (&[&str], &[&str]) = (
    &["rule_name", "config_rule_name", "rule"],
    &["规则名称", "规则名", "规则"],
);
const RESOURCE_ID: (&[&str], &[&str]) = (&["resource_id"], &["资源id"]);
const RESOURCE_NAME: (&[&str], &[&str]) = (&["resource_name"], &["资源名称", "资源名"]);
const REGION: (&[&str], &[&str]) = (&["region", "region_id"], &["地域", "地域id", "区域"]);
const COMPLIANCE: (&[&str], &[&str]) = (
    &[
        "compliance_type",
        "compliance",
        "compliance_result",
        "compliance_status",
        "evaluation_result",
    ],
    &["合规结果", "合规类型", "合规状态", "合规性", "评估结果"],
);

// The roles' data lives in the model (a sheet's columns carry them); how they are
// recognised is the sheet reader's business.
impl Roles {
    /// The first column that plays each role, from the header texts.
    pub fn of(headers: &[String]) -> Roles {
        let keys: Vec<(Option<String>, String)> = headers
            .iter()
            .map(|h| {
                let text = h
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .flat_map(char::to_lowercase)
                    .collect();
                (field_name(h), text)
            })
            .collect();
        let find = |(fields, texts): (&[&str], &[&str])| {
            keys.iter().position(|(name, text)| {
                name.as_deref().is_some_and(|n| fields.contains(&n))
                    || texts.contains(&text.as_str())
            })
        };
        Roles {
            rule_id: find(RULE_ID),
            rule_name: find(RULE_NAME),
            resource_id: find(RESOURCE_ID),
            resource_name: find(RESOURCE_NAME),
            region: find(REGION),
            compliance: find(COMPLIANCE),
        }
    }

    /// Does the sheet name a rule or a resource, i.e. is it a table of results?
    fn identifies(&self) -> bool {
        self.rule_id.is_some() || self.rule_name.is_some() || self.resource_id.is_some()
    }

    /// The header texts of the columns the id is made of, for messages.
    fn id_columns<'a>(&self, columns: &'a SheetColumns) -> Vec<&'a str> {
        let rule = self.rule_id.or(self.rule_name);
        [rule, self.resource_id]
            .into_iter()
            .flatten()
            .map(|i| columns.headers[i].as_str())
            .collect()
    }
}

/// The columns of a sheet from its headers, each with its 1-based position (A = 1).
pub(crate) fn columns(headers: impl IntoIterator<Item = (u32, String)>) -> SheetColumns {
    let mut names: Vec<String> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for (position, header) in headers {
        let header = header.trim().to_string();
        let base = field_name(&header).unwrap_or_else(|| format!("column_{position}"));
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        names.push(name);
        texts.push(header);
    }
    let roles = Roles::of(&texts);
    SheetColumns {
        names,
        headers: texts,
        roles,
    }
}

/// One row as a resource: id, status, name and region from the columns that play those
/// roles; provider, source, and the pack's id (as `group`) and time as for every row of a
/// report file.
pub(crate) fn resource(
    columns: &Arc<SheetColumns>,
    values: Vec<Cell>,
    sheet: &Arc<str>,
    row: u32,
    origin: Origin,
    pack: Option<&Resource>,
) -> Resource {
    let roles = &columns.roles;
    let text = |i: Option<usize>| i.and_then(|i| values.get(i)).and_then(Cell::display);
    let rule = text(roles.rule_id).or_else(|| text(roles.rule_name));
    let id = match (rule, text(roles.resource_id)) {
        (Some(rule), Some(resource)) => format!("{rule}/{resource}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => format!("row-{row}"),
    };
    let status = status_of(text(roles.compliance).as_deref());
    let name = text(roles.resource_name);
    let region = text(roles.region);
    // A row is no JSON: its raw object is written from its columns, and every string of
    // the resource is its own.
    let mut b = Builder::standalone(raw_json(columns, &values));
    let common = Common {
        name: b.str(name.as_deref()),
        region: b.str(region.as_deref()),
        group: b.str(pack.map(|p| p.id())),
        status,
        reported_at: pack.and_then(|p| p.reported_at()),
        ..Common::new(b.str(Some(&id)))
    };
    let detail = Detail::PackResult(PackResult {
        sheet: Arc::clone(sheet),
        row,
        columns: Arc::clone(columns),
        values,
    });
    b.finish(ReportKind::ConfigPack, common, detail, origin)
}

/// `COMPLIANT` / `NON_COMPLIANT` in any case and with any separators, or the Chinese terms.
pub(crate) fn status_of(value: Option<&str>) -> Status {
    let Some(value) = value else {
        return Status::Unknown;
    };
    match compliance_key(value).as_str() {
        "COMPLIANT" | "合规" => Status::Compliant,
        "NONCOMPLIANT" | "不合规" => Status::NonCompliant,
        _ => Status::Unknown,
    }
}

/// Alibaba Config's compliance types that say neither compliant nor non-compliant
/// (`NOT_APPLICABLE`, `INSUFFICIENT_DATA`, `IGNORED`, and the Chinese terms): a row with
/// one of them is `unknown`. Any other value in the compliance column is doubtful
/// evidence, and an error.
const NEITHER: &[&str] = &[
    "NOTAPPLICABLE",
    "INSUFFICIENTDATA",
    "IGNORED",
    "不适用",
    "不涉及",
    "数据不足",
    "已忽略",
    "忽略",
];

/// Is `value` a compliance value tollgate knows?
fn known_compliance(value: &str) -> bool {
    status_of(Some(value)) != Status::Unknown || NEITHER.contains(&compliance_key(value).as_str())
}

fn compliance_key(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Xlsx,
    Xls,
}

impl Format {
    fn ext(self) -> &'static str {
        match self {
            Format::Xlsx => ".xlsx",
            Format::Xls => ".xls",
        }
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0];
const CORRUPT_HINT: &str = "the download may have been cut short or altered; generate the report again (GenerateCompliancePackReport) and download it anew";

fn format_of(bytes: &[u8], name: &str) -> Result<Format, Error> {
    if bytes.starts_with(ZIP_MAGIC) {
        return Ok(Format::Xlsx);
    }
    if bytes.starts_with(OLE_MAGIC) {
        return Ok(Format::Xls);
    }
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let body = text.trim_start_matches(super::LEADING);
    let tag = |t: &str| {
        let open = format!("<{t}>");
        let start = body.find(&open)? + open.len();
        let len = body[start..].find('<')?;
        Some(body[start..start + len].trim().to_string())
    };
    let (reason, hint) = if bytes.is_empty() {
        ("the file is empty".to_string(), CORRUPT_HINT.to_string())
    } else if body.starts_with('<') {
        let error = match (tag("Code"), tag("Message")) {
            (Some(code), Some(message)) => format!(": {code}: {message}"),
            (Some(code), None) => format!(": {code}"),
            _ => String::new(),
        };
        (
            format!("it is an XML or HTML document, not a spreadsheet{error}"),
            "the download failed and its error page was kept; a ReportUrl is signed and expires, so call GetCompliancePackReport again for a fresh one".to_string(),
        )
    } else {
        let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02X}")).collect();
        (
            format!(
                "it starts with the bytes {}, so it is neither an .xlsx (zip) nor an .xls (OLE2) file",
                head.join(" ")
            ),
            "tollgate reads compliance-pack reports in the .xlsx and .xls formats Alibaba Cloud Config produces".to_string(),
        )
    };
    Err(Error::ReportSheet {
        name: name.to_string(),
        reason,
        hint,
    })
}

/// A loop in the sector chains of an .xls (OLE2 compound file), if there is one.
///
/// calamine follows a chain until it ends, appending each sector, with no bound but the
/// stream length the file declares (for the directory, none at all): a chain that loops
/// back on itself grows until memory runs out, and the process is killed instead of exiting
/// 2 (found by the fuzz targets). A well-formed file has no loop in its file
/// allocation table (MS-CFB 2.3), so this builds the table the way calamine does (cfb.rs,
/// `Cfb::new`) and looks for one. Files calamine rejects for other reasons pass through to
/// it unchanged.
fn fat_cycle(bytes: &[u8]) -> Option<String> {
    // Sector ids at or above this are markers (end of chain, free, FAT or DIFAT sector).
    const RESERVED: u32 = 0xFFFF_FFFA;
    const DIFAT_SECTOR: u32 = 0xFFFF_FFFC;
    let u32_at = |b: &[u8], i: usize| -> Option<u32> {
        Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
    };
    let words = |b: &[u8]| -> Vec<u32> {
        b.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    };
    let header = bytes.get(..512)?;
    let (size, start) = match u16::from_le_bytes([header[30], header[31]]) {
        9 => (512usize, 512usize),
        12 => (4096, 4096),
        _ => return None,
    };
    let body = bytes.get(start..)?;
    let maxid = bytes.len() / size;
    // Sector `id`, cut short at the end of the file as calamine reads it.
    let sector = |id: u32| -> Option<&[u8]> {
        if id as usize > maxid {
            return None;
        }
        let from = (id as usize).checked_mul(size)?;
        body.get(from.min(body.len())..(from + size).min(body.len()))
    };
    let mut difat = words(&header[76..512]);
    let mut next = u32_at(header, 68)?;
    let mut hops = 0usize;
    while next < RESERVED {
        hops += 1;
        if hops > maxid + 1 {
            return None; // calamine stops this chain itself
        }
        difat.extend(words(sector(next)?));
        next = difat.pop()?;
    }
    let mut fat: Vec<u32> = Vec::new();
    for id in difat.into_iter().filter(|id| *id < DIFAT_SECTOR) {
        fat.extend(words(sector(id)?));
    }
    // Each id has one successor, so the table is a set of paths that end or loop: colour
    // each id as unseen, on the current path, or known to end.
    let mut state = vec![0u8; fat.len()];
    for first in 0..fat.len() {
        let mut path = Vec::new();
        let mut id = first;
        while id < fat.len() && state[id] == 0 {
            state[id] = 1;
            path.push(id);
            id = fat[id] as usize;
        }
        if id < fat.len() && state[id] == 1 {
            return Some(format!(
                "its sector chains loop (sector {id} leads back to itself): the file is malformed"
            ));
        }
        for done in path {
            state[done] = 2;
        }
    }
    None
}

fn sheet_error(name: &str, reason: String, hint: &str) -> Error {
    Error::ReportSheet {
        name: name.to_string(),
        reason,
        hint: hint.to_string(),
    }
}

/// The sheet that holds the results, with its header and rows in sheet coordinates.
struct Table {
    sheet: String,
    /// (0-based sheet column, header cell) of each kept column.
    headers: Vec<(u32, Cell)>,
    /// (0-based sheet row, a value per kept column) of each non-empty row under the header.
    rows: Vec<(u32, Vec<Cell>)>,
    /// Do the headers name a rule or a resource?
    identifies: bool,
}

fn table(bytes: &[u8], format: Format, name: &str) -> Result<Table, Error> {
    let corrupt = |e: String| {
        sheet_error(
            name,
            format!("it is not a readable {} workbook: {e}", format.ext()),
            CORRUPT_HINT,
        )
    };
    let cursor = Cursor::new(bytes);
    let mut book: Sheets<Cursor<&[u8]>> = match format {
        Format::Xlsx => Sheets::Xlsx(
            open_workbook_from_rs::<Xlsx<_>, _>(cursor).map_err(|e| corrupt(e.to_string()))?,
        ),
        Format::Xls => Sheets::Xls(
            open_workbook_from_rs::<Xls<_>, _>(cursor).map_err(|e| corrupt(e.to_string()))?,
        ),
    };
    let sheets = book.sheet_names();
    if sheets.is_empty() {
        return Err(sheet_error(
            name,
            "the workbook has no sheet".into(),
            CORRUPT_HINT,
        ));
    }
    let mut fallback = None;
    for sheet in &sheets {
        let range = book.worksheet_range(sheet).map_err(|e| {
            sheet_error(
                name,
                format!("sheet {sheet:?} cannot be read: {e}"),
                CORRUPT_HINT,
            )
        })?;
        let Some(table) = sheet_table(sheet, &range) else {
            continue;
        };
        if table.identifies {
            return Ok(table);
        }
        fallback.get_or_insert(table);
    }
    fallback.ok_or_else(|| {
        sheet_error(
            name,
            format!(
                "no sheet has a header row: {} empty",
                match sheets.len() {
                    1 => "its only sheet is".to_string(),
                    n => format!("all {n} sheets are"),
                }
            ),
            "a compliance-pack report has a header row (Rule Name, Resource ID, Compliance Type, ...) and a row per result; generate the report again once the pack has been evaluated",
        )
    })
}

/// The header (first non-empty row) and the non-empty rows under it; `None` for an empty
/// sheet.
fn sheet_table(sheet: &str, range: &Range<Data>) -> Option<Table> {
    let (top, left) = range.start()?;
    let mut rows = range.rows().enumerate().filter_map(|(i, row)| {
        let cells: Vec<Cell> = row.iter().map(cell).collect();
        let row_at = top.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        cells
            .iter()
            .any(|c| *c != Cell::Empty)
            .then_some((row_at, cells))
    });
    let (_, header) = rows.next()?;
    let rows: Vec<(u32, Vec<Cell>)> = rows.collect();
    // Keep a column when it has a header or a value: formatting alone widens a sheet's
    // used range with columns that hold nothing.
    let keep: Vec<usize> = (0..header.len())
        .filter(|&j| header[j] != Cell::Empty || rows.iter().any(|(_, r)| r[j] != Cell::Empty))
        .collect();
    let headers: Vec<(u32, Cell)> = keep
        .iter()
        .map(|&j| {
            let col = left.saturating_add(u32::try_from(j).unwrap_or(u32::MAX));
            (col, header[j].clone())
        })
        .collect();
    let rows = rows
        .into_iter()
        .map(|(at, mut cells)| {
            let values = keep
                .iter()
                .map(|&j| std::mem::replace(&mut cells[j], Cell::Empty))
                .collect();
            (at, values)
        })
        .collect();
    let texts: Vec<String> = headers
        .iter()
        .map(|(_, h)| h.display().unwrap_or_default())
        .collect();
    Some(Table {
        sheet: sheet.to_string(),
        identifies: Roles::of(&texts).identifies(),
        headers,
        rows,
    })
}

fn rows(
    table: Table,
    origin: &ReportOrigin,
    pack: Option<&Resource>,
) -> Result<Vec<Resource>, Error> {
    let name = origin.name();
    let sheet: Arc<str> = table.sheet.as_str().into();
    let first_column = table.headers.first().map_or(1, |(c, _)| c + 1);
    let columns = Arc::new(columns(
        table
            .headers
            .into_iter()
            .map(|(c, h)| (c + 1, h.display().unwrap_or_default())),
    ));
    let place = Place::new(
        origin.clone(),
        Pointer::SheetRow(sheet_reference(&table.sheet)),
    );
    let mut seen: HashMap<String, u32> = HashMap::with_capacity(table.rows.len());
    let mut out = Vec::with_capacity(table.rows.len());
    for (at, values) in table.rows {
        let row = at + 1;
        let place = Origin::at(&place, row, row, first_column);
        let compliance = columns.roles.compliance.map(|i| {
            (
                columns.headers[i].as_str(),
                values.get(i).and_then(Cell::display),
            )
        });
        let r = resource(&columns, values, &sheet, row, place, pack);
        // A row with a compliance column says compliant, non-compliant, or one of the
        // values that say neither; an empty or unknown one is doubtful evidence.
        if let Some((header, value)) = compliance {
            let what = match value {
                None => Some("nothing".to_string()),
                Some(v) if !known_compliance(&v) => Some(format!("{v:?}")),
                Some(_) => None,
            };
            if let Some(what) = what {
                return Err(sheet_error(
                    name,
                    format!(
                        "row {row} of sheet {:?} (resource {}) has {what} in its compliance column {header:?}, which is none of COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, INSUFFICIENT_DATA, IGNORED (or their Chinese names)",
                        table.sheet, r.id()
                    ),
                    "tollgate does not gate on a compliance value it cannot read; download the report again, or check that the sheet is Alibaba Config's compliance-pack report",
                ));
            }
        }
        if let Some(first) = seen.insert(r.id().to_string(), row) {
            let made_of = columns.roles.id_columns(&columns);
            return Err(Error::ReportSheetDuplicate {
                name: name.to_string(),
                id: r.id().to_string(),
                sheet: table.sheet,
                first,
                again: row,
                hint: format!(
                    "a row's id is made of {}; two rows with the same id mean the sheet is not one row per rule and resource, and tollgate does not gate on doubtful evidence",
                    if made_of.is_empty() {
                        "its row number".to_string()
                    } else {
                        made_of.iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(" and ")
                    }
                ),
            });
        }
        out.push(r);
    }
    Ok(out)
}

/// `Sheet1`, or `'Rule results'` when the name needs quoting in an Excel reference.
fn sheet_reference(sheet: &str) -> String {
    if !sheet.is_empty() && sheet.chars().all(|c| c.is_alphanumeric() || c == '_') {
        sheet.to_string()
    } else {
        format!("'{}'", sheet.replace('\'', "''"))
    }
}

fn cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            if s.trim().is_empty() {
                Cell::Empty
            } else {
                Cell::Text(s.clone())
            }
        }
        Data::Int(n) => Cell::Int(*n),
        Data::Float(x) => number(*x),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => Cell::Text(date_text(dt)),
        Data::Error(e) => Cell::Text(e.to_string()),
    }
}

/// Whole numbers within `i64` are INTs; 2^63 is exactly representable, so the upper bound
/// is exclusive.
pub(crate) fn number(x: f64) -> Cell {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if x.is_finite() && x.fract() == 0.0 && (-LIMIT..LIMIT).contains(&x) {
        Cell::Int(x as i64)
    } else {
        Cell::Float(x)
    }
}

fn date_text(dt: &calamine::ExcelDateTime) -> String {
    let serial = dt.as_f64();
    if dt.is_duration() {
        let seconds = (serial * 86_400.0).round() as i64;
        let sign = if seconds < 0 { "-" } else { "" };
        let s = seconds.abs();
        return format!("{sign}{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    }
    let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    let time = match ms {
        0 => format!("{h:02}:{mi:02}:{s:02}"),
        ms => format!("{h:02}:{mi:02}:{s:02}.{ms:03}"),
    };
    if (0.0..1.0).contains(&serial) {
        time
    } else if (h, mi, s, ms) == (0, 0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {time}")
    }
}

/// The row as a JSON object keyed by header text (by field name where the header is empty
/// or repeated), in sheet order: the `raw` policies read.
fn raw_json(columns: &SheetColumns, values: &[Cell]) -> String {
    struct Row<'a>(&'a SheetColumns, &'a [Cell]);
    impl Serialize for Row<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let Row(columns, values) = self;
            let mut map = s.serialize_map(Some(columns.names.len()))?;
            for (i, (name, header)) in columns.names.iter().zip(&columns.headers).enumerate() {
                let repeated = columns.headers[..i].contains(header);
                let key = if header.is_empty() || repeated {
                    name
                } else {
                    header
                };
                map.serialize_entry(key, values.get(i).unwrap_or(&Cell::Empty))?;
            }
            map.end()
        }
    }
    serde_json::to_string(&Row(columns, values)).unwrap_or_else(|_| "{}".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sheet reader on a file of this name.
    fn read(bytes: &[u8], name: &str, pack: Option<&Resource>) -> Result<Vec<Resource>, Error> {
        super::read(bytes, &ReportOrigin::File(name.into()), pack)
    }
    use crate::model::resource::CompliancePack;
    use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};

    /// A value written into a test sheet.
    #[derive(Clone)]
    enum V {
        S(&'static str),
        N(f64),
        B(bool),
        /// A date and time, `YYYY-MM-DD HH:MM:SS`.
        D(&'static str),
        E,
    }
    use V::*;

    const HEADER: [&str; 10] = [
        "Rule Name",
        "Rule ID",
        "Resource ID",
        "Resource Name",
        "Resource Type",
        "Region",
        "Compliance Type",
        "Risk Level",
        "Account ID",
        "检测时间",
    ];
    const ACCOUNT: f64 = 1_208_863_178_610_000.0;

    fn header() -> Vec<V> {
        HEADER.iter().map(|h| S(h)).collect()
    }

    /// The rows of tests/fixtures/sheets/pack-report.xls (make_xls.py writes the same).
    fn sample_rows() -> Vec<Vec<V>> {
        vec![
            header(),
            vec![
                S("ecs-instance-no-public-ip"),
                S("cr-5772626622af0087a1b2"),
                S("i-bp1a2b3c4d5e6f7g8h9i"),
                S("web-1"),
                S("ACS::ECS::Instance"),
                S("cn-hangzhou"),
                S("NON_COMPLIANT"),
                N(3.0),
                N(ACCOUNT),
                D("2024-03-01 10:46:05"),
            ],
            vec![
                S("ecs-instance-no-public-ip"),
                S("cr-5772626622af0087a1b2"),
                S("i-bp9z8y7x6w5v4u3t2s1r"),
                E,
                S("ACS::ECS::Instance"),
                S("cn-shanghai"),
                S("COMPLIANT"),
                N(3.0),
                N(ACCOUNT),
                D("2024-03-02 00:00:00"),
            ],
            vec![],
            vec![
                S("oss-bucket-public-read-prohibited"),
                S("cr-8b2b626622af0087c3d4"),
                S("audit-logs-prod"),
                S("audit-logs-prod"),
                S("ACS::OSS::Bucket"),
                S("cn-hangzhou"),
                S("NOT_APPLICABLE"),
                N(2.5),
                N(ACCOUNT),
                E,
            ],
        ]
    }

    /// A sheet's name, its top-left cell (0-based row and column) and its rows.
    type Placed<'a> = (&'a str, (u32, u16), Vec<Vec<V>>);

    /// An .xlsx workbook of named sheets.
    fn xlsx_at(sheets: &[Placed]) -> Vec<u8> {
        let mut book = Workbook::new();
        let date = CellFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        for (name, (top, left), rows) in sheets {
            let sheet = book.add_worksheet();
            sheet.set_name(*name).unwrap();
            for (r, row) in rows.iter().enumerate() {
                for (c, value) in row.iter().enumerate() {
                    let (r, c) = (top + r as u32, left + c as u16);
                    let written = match value {
                        S(s) => sheet.write_string(r, c, *s).map(|_| ()),
                        N(x) => sheet.write_number(r, c, *x).map(|_| ()),
                        B(b) => sheet.write_boolean(r, c, *b).map(|_| ()),
                        D(d) => {
                            let dt = ExcelDateTime::parse_from_str(d).unwrap();
                            sheet
                                .write_datetime_with_format(r, c, &dt, &date)
                                .map(|_| ())
                        }
                        E => Ok(()),
                    };
                    written.unwrap();
                }
            }
        }
        book.save_to_buffer().unwrap()
    }

    fn xlsx(sheets: &[(&str, Vec<Vec<V>>)]) -> Vec<u8> {
        let placed: Vec<_> = sheets
            .iter()
            .map(|(name, rows)| (*name, (0, 0), rows.clone()))
            .collect();
        xlsx_at(&placed)
    }

    fn code(err: &Error) -> String {
        miette::Diagnostic::code(err)
            .map(|c| c.to_string())
            .unwrap_or_default()
    }

    fn help(err: &Error) -> String {
        miette::Diagnostic::help(err)
            .map(|h| h.to_string())
            .unwrap_or_default()
    }

    fn row(r: &Resource) -> &PackResult {
        match &r.detail {
            Detail::PackResult(row) => row,
            other => panic!("{other:?}"),
        }
    }

    fn value<'a>(r: &'a Resource, name: &str) -> &'a Cell {
        row(r)
            .get(name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    /// What both the .xlsx and the .xls sample must read as.
    fn check_sample(rows: &[Resource], file: &str) {
        assert_eq!(rows.len(), 3, "the empty row is skipped");
        let ids: Vec<&str> = rows.iter().map(|r| r.id()).collect();
        assert_eq!(
            ids,
            [
                "cr-5772626622af0087a1b2/i-bp1a2b3c4d5e6f7g8h9i",
                "cr-5772626622af0087a1b2/i-bp9z8y7x6w5v4u3t2s1r",
                "cr-8b2b626622af0087c3d4/audit-logs-prod",
            ]
        );
        let statuses: Vec<Status> = rows.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            [Status::NonCompliant, Status::Compliant, Status::Unknown]
        );
        let first = &rows[0];
        assert_eq!(
            first.kind(),
            crate::model::resource::ResourceKind::PackResult
        );
        assert_eq!(first.provider(), Some("alibaba"));
        assert_eq!(first.source, ReportKind::ConfigPack);
        assert_eq!(first.name(), Some("web-1"));
        assert_eq!(rows[1].name(), None, "an empty resource name");
        assert_eq!(first.region(), Some("cn-hangzhou"));
        assert_eq!(rows[1].region(), Some("cn-shanghai"));
        assert_eq!((first.group(), first.reported_at()), (None, None));
        let names = &row(first).columns.names;
        assert_eq!(
            names,
            &[
                "rule_name",
                "rule_id",
                "resource_id",
                "resource_name",
                "resource_type",
                "region",
                "compliance_type",
                "risk_level",
                "account_id",
                "column_10",
            ]
        );
        assert_eq!(row(first).columns.headers[9], "检测时间");
        assert_eq!(
            value(first, "compliance_type"),
            &Cell::Text("NON_COMPLIANT".into())
        );
        assert_eq!(value(first, "risk_level"), &Cell::Int(3));
        assert_eq!(value(&rows[2], "risk_level"), &Cell::Float(2.5));
        assert_eq!(
            value(first, "account_id"),
            &Cell::Int(1_208_863_178_610_000)
        );
        assert_eq!(value(&rows[1], "resource_name"), &Cell::Empty);
        assert_eq!(value(&rows[2], "column_10"), &Cell::Empty);
        assert_eq!(
            value(first, "检测时间"),
            &Cell::Text("2024-03-01 10:46:05".into()),
            "a column is found by its header text too"
        );
        assert_eq!(
            value(&rows[1], "column_10"),
            &Cell::Text("2024-03-02".into())
        );
        let rows_at: Vec<u32> = rows.iter().map(|r| row(r).row).collect();
        assert_eq!(
            rows_at,
            [2, 3, 5],
            "sheet row numbers, the empty row counted"
        );
        assert_eq!(&*row(first).sheet, "Sheet1");
        assert_eq!(
            (first.origin.file().name(), first.origin.pointer().as_str()),
            (file, "Sheet1!2:2")
        );
        assert_eq!((first.origin.line, first.origin.column), (2, 1));
    }

    #[test]
    fn xlsx_rows_become_pack_results_keyed_by_the_header() {
        let bytes = xlsx(&[("Sheet1", sample_rows())]);
        let rows = read(&bytes, "report.xlsx", None).unwrap();
        check_sample(&rows, "report.xlsx");
        insta::assert_json_snapshot!(rows);
    }

    #[test]
    fn xls_reads_the_same() {
        let bytes = include_bytes!("../../tests/fixtures/sheets/pack-report.xls");
        assert!(bytes.starts_with(OLE_MAGIC));
        let rows = read(bytes, "report.xls", None).unwrap();
        check_sample(&rows, "report.xls");
    }

    #[test]
    fn raw_is_the_row_by_header_text() {
        let bytes = xlsx(&[("Sheet1", sample_rows())]);
        let rows = read(&bytes, "r.xlsx", None).unwrap();
        let raw: serde_json::Value = serde_json::from_str(rows[0].raw()).unwrap();
        assert_eq!(raw["Rule Name"], "ecs-instance-no-public-ip");
        assert_eq!(raw["Risk Level"], 3);
        assert_eq!(raw["检测时间"], "2024-03-01 10:46:05");
        let raw: serde_json::Value = serde_json::from_str(rows[1].raw()).unwrap();
        assert!(raw["Resource Name"].is_null());
        let keys: Vec<String> = serde_json::from_str::<serde_json::Map<_, _>>(rows[0].raw())
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys.len(), HEADER.len());
    }

    #[test]
    fn the_pack_gives_group_and_time() {
        let mut b = Builder::standalone("{}".into());
        let common = Common {
            reported_at: Some(1_624_329_965_857),
            ..Common::new(b.str(Some("cp-fdc8626622af00f9")))
        };
        let place = Place::new(
            crate::model::ReportOrigin::File("pack.json".into()),
            Pointer::None,
        );
        let pack = b.finish(
            ReportKind::ConfigPack,
            common,
            Detail::CompliancePack(CompliancePack::default()),
            Origin::at(&place, 0, 1, 1),
        );
        let bytes = xlsx(&[("Sheet1", sample_rows())]);
        let rows = read(&bytes, "r.xlsx", Some(&pack)).unwrap();
        assert!(rows.iter().all(|r| r.group() == Some("cp-fdc8626622af00f9")
            && r.reported_at() == Some(1_624_329_965_857)));
    }

    #[test]
    fn header_names_become_snake_case_ascii() {
        for (header, name) in [
            ("Rule Name", Some("rule_name")),
            ("RuleName", Some("rule_name")),
            ("ruleName", Some("rule_name")),
            ("rule-name", Some("rule_name")),
            ("Resource ID", Some("resource_id")),
            ("ResourceId", Some("resource_id")),
            ("ResourceID", Some("resource_id")),
            ("HTTPServer", Some("http_server")),
            ("  Risk Level (1-3) ", Some("risk_level_1_3")),
            ("IPv4", Some("i_pv4")),
            ("Region2", Some("region2")),
            ("合规结果", None),
            ("Región", None),
            ("Rule Name（规则）", None),
            ("#", None),
            ("", None),
        ] {
            assert_eq!(field_name(header).as_deref(), name, "{header:?}");
        }
        let cols = columns(
            [
                "Rule Name",
                "rule_name",
                "",
                "合规结果",
                "RULE NAME",
                "column_3",
            ]
            .into_iter()
            .enumerate()
            .map(|(i, h)| (i as u32 + 1, h.to_string())),
        );
        assert_eq!(
            cols.names,
            [
                "rule_name",
                "rule_name_2",
                "column_3",
                "column_4",
                "rule_name_3",
                "column_3_2"
            ]
        );
        assert_eq!(cols.index("合规结果"), Some(3));
        assert_eq!(cols.index("rule_name_2"), Some(1));
        assert_eq!(cols.index(""), None, "an empty header is no key");
    }

    #[test]
    fn roles_are_recognised_in_english_and_chinese() {
        let roles = |headers: &[&str]| {
            Roles::of(&headers.iter().map(|h| h.to_string()).collect::<Vec<_>>())
        };
        let r = roles(&[
            "Config Rule Name",
            "ConfigRuleId",
            "ResourceId",
            "Region ID",
            "Compliance",
        ]);
        assert_eq!(
            (
                r.rule_name,
                r.rule_id,
                r.resource_id,
                r.region,
                r.compliance
            ),
            (Some(0), Some(1), Some(2), Some(3), Some(4))
        );
        let r = roles(&[
            "规则名称",
            "规则 ID",
            "资源ID",
            "资源名称",
            "地域",
            "合规结果",
        ]);
        assert_eq!(
            r,
            Roles {
                rule_name: Some(0),
                rule_id: Some(1),
                resource_id: Some(2),
                resource_name: Some(3),
                region: Some(4),
                compliance: Some(5),
            }
        );
        assert_eq!(roles(&["Foo", "Bar"]), Roles::default());
    }

    #[test]
    fn status_follows_the_compliance_value() {
        for (value, status) in [
            (Some("COMPLIANT"), Status::Compliant),
            (Some(" compliant "), Status::Compliant),
            (Some("NON_COMPLIANT"), Status::NonCompliant),
            (Some("Non-Compliant"), Status::NonCompliant),
            (Some("NonCompliant"), Status::NonCompliant),
            (Some("合规"), Status::Compliant),
            (Some("不合规"), Status::NonCompliant),
            (Some("NOT_APPLICABLE"), Status::Unknown),
            (Some("INSUFFICIENT_DATA"), Status::Unknown),
            (None, Status::Unknown),
        ] {
            assert_eq!(status_of(value), status, "{value:?}");
        }
    }

    /// A compliance value that is none of the documented ones is an error naming
    /// the row and column; the neither-nor ones are `unknown`.
    #[test]
    fn an_unknown_compliance_value_is_an_error() {
        let sheet = |value: &'static str| {
            vec![
                vec![S("Rule Name"), S("Resource ID"), S("Compliance Type")],
                vec![S("r1"), S("i-1"), S("COMPLIANT")],
                vec![S("r1"), S("i-2"), S(value)],
            ]
        };
        let err = read(&xlsx(&[("S", sheet("maybe"))]), "r.xlsx", None).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(
                "row 3 of sheet \"S\" (resource r1/i-2) has \"maybe\" in its compliance column \"Compliance Type\""
            ),
            "{text}"
        );
        let err = read(&xlsx(&[("S", sheet(""))]), "r.xlsx", None).unwrap_err();
        assert!(
            err.to_string()
                .contains("has nothing in its compliance column"),
            "{err}"
        );
        for neither in ["NOT_APPLICABLE", "Insufficient Data", "IGNORED", "不适用"] {
            let rows = read(&xlsx(&[("S", sheet(neither))]), "r.xlsx", None).unwrap();
            assert_eq!(rows[1].status, Status::Unknown, "{neither}");
        }
    }

    #[test]
    fn ids_fall_back_to_what_the_sheet_has() {
        let sheet = vec![
            vec![S("Resource ID"), S("Flag"), S("Note")],
            vec![S("i-1"), B(true), E],
            vec![E, B(false), S("no resource")],
            vec![N(42.0), E, S("numeric id")],
        ];
        let rows = read(&xlsx(&[("S", sheet)]), "r.xlsx", None).unwrap();
        let ids: Vec<&str> = rows.iter().map(|r| r.id()).collect();
        assert_eq!(ids, ["i-1", "row-3", "42"]);
        assert_eq!(value(&rows[0], "flag"), &Cell::Bool(true));

        let sheet = vec![
            vec![S("Foo"), S("Bar")],
            vec![S("a"), S("b")],
            vec![S("a"), S("b")],
        ];
        let rows = read(&xlsx(&[("S", sheet)]), "r.xlsx", None).unwrap();
        let ids: Vec<&str> = rows.iter().map(|r| r.id()).collect();
        assert_eq!(ids, ["row-2", "row-3"]);
        assert!(rows.iter().all(|r| r.status == Status::Unknown));
    }

    #[test]
    fn duplicate_ids_are_an_error() {
        let mut sheet = sample_rows();
        sheet.push(sheet[1].clone());
        let err = read(&xlsx(&[("Sheet1", sheet)]), "r.xlsx", None).unwrap_err();
        assert_eq!(code(&err), "tollgate::report::duplicate");
        let text = err.to_string();
        assert!(
            text.contains("lists resource cr-5772626622af0087a1b2/i-bp1a2b3c4d5e6f7g8h9i twice: rows 2 and 6 of sheet \"Sheet1\""),
            "{text}"
        );
        assert!(
            help(&err).contains("\"Rule ID\" and \"Resource ID\""),
            "{}",
            help(&err)
        );
    }

    #[test]
    fn a_header_without_rows_gives_no_resources() {
        let rows = read(&xlsx(&[("Sheet1", vec![header()])]), "r.xlsx", None).unwrap();
        assert!(rows.is_empty());
    }

    #[test]
    fn an_empty_workbook_is_an_error() {
        let err = read(&xlsx(&[("Sheet1", vec![])]), "r.xlsx", None).unwrap_err();
        assert_eq!(code(&err), "tollgate::report::sheet");
        assert!(
            err.to_string()
                .contains("no sheet has a header row: its only sheet is empty"),
            "{err}"
        );
        let err = read(
            &xlsx(&[("A", vec![]), ("B", vec![vec![], vec![E]])]),
            "r.xlsx",
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("all 2 sheets are empty"), "{err}");
    }

    #[test]
    fn the_sheet_of_results_wins_over_a_summary() {
        let summary = vec![
            vec![S("Compliance pack"), S("CIS benchmark")],
            vec![S("Generated"), D("2024-03-01 10:46:05")],
        ];
        let bytes = xlsx(&[
            ("Summary", summary.clone()),
            ("Empty", vec![]),
            ("Rule results", sample_rows()),
        ]);
        let rows = read(&bytes, "r.xlsx", None).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].origin.pointer(), "'Rule results'!2:2");
        // With no sheet of results, the first sheet with a header is read.
        let rows = read(
            &xlsx(&[("Empty", vec![]), ("Summary", summary)]),
            "r.xlsx",
            None,
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            row(&rows[0]).columns.names,
            ["compliance_pack", "cis_benchmark"]
        );
        assert_eq!(rows[0].id(), "row-2");
    }

    #[test]
    fn the_header_is_the_first_non_empty_row_wherever_it_stands() {
        // The table starts at C3; column E has data but no header, F has a header and
        // nothing under it, and a stray formatted-but-empty G is not a column.
        let sheet = vec![
            vec![S("Rule Name"), S("Resource ID"), E, S("Spare")],
            vec![S("r1"), S("i-1"), S("unlabelled")],
            vec![S("r1"), S("i-2"), E],
        ];
        let bytes = xlsx_at(&[("Sheet1", (2, 2), sheet)]);
        let rows = read(&bytes, "r.xlsx", None).unwrap();
        assert_eq!(rows.len(), 2);
        let r = row(&rows[0]);
        assert_eq!(
            r.columns.names,
            ["rule_name", "resource_id", "column_5", "spare"]
        );
        assert_eq!(r.row, 4);
        assert_eq!(
            value(&rows[0], "column_5"),
            &Cell::Text("unlabelled".into())
        );
        assert_eq!(value(&rows[1], "spare"), &Cell::Empty);
        assert_eq!(rows[0].id(), "r1/i-1");
        assert_eq!((rows[0].origin.line, rows[0].origin.column), (4, 3));
        assert_eq!(rows[0].origin.pointer(), "Sheet1!4:4");
    }

    #[test]
    fn unknown_and_corrupt_files_are_sheet_errors() {
        let fails = |bytes: &[u8], reason: &str| {
            let err = read(bytes, "r.bin", None).unwrap_err();
            assert_eq!(code(&err), "tollgate::report::sheet", "{err}");
            assert!(err.to_string().contains(reason), "{err}");
            assert!(!help(&err).is_empty());
            err
        };
        fails(b"", "the file is empty");
        fails(
            b"\x00\x01\x02\x03rest",
            "starts with the bytes 00 01 02 03, so it is neither an .xlsx (zip) nor an .xls (OLE2) file",
        );
        let err = fails(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>AccessDenied</Code>\n  <Message>Request has expired.</Message>\n</Error>",
            "an XML or HTML document, not a spreadsheet: AccessDenied: Request has expired.",
        );
        assert!(help(&err).contains("GetCompliancePackReport again"));
        fails(
            b"<html><body>502 Bad Gateway</body></html>",
            "an XML or HTML document",
        );
        fails(
            b"PK\x03\x04 not really a zip",
            "not a readable .xlsx workbook",
        );
        let mut ole = OLE_MAGIC.to_vec();
        ole.extend([0xA1, 0xB1, 0x1A, 0xE1]);
        ole.extend(std::iter::repeat_n(0x5A, 600));
        fails(&ole, "not a readable .xls workbook");
        // A real workbook cut short, as an interrupted download leaves it.
        let whole = xlsx(&[("Sheet1", sample_rows())]);
        fails(&whole[..whole.len() / 2], "not a readable .xlsx workbook");
        let xls = include_bytes!("../../tests/fixtures/sheets/pack-report.xls");
        let err = read(&xls[..xls.len() / 2], "r.xls", None).unwrap_err();
        assert_eq!(code(&err), "tollgate::report::sheet", "{err}");
    }

    #[test]
    fn an_xls_whose_sector_chain_loops_is_refused() {
        // Found by the fuzz targets: calamine followed the loop until memory ran out.
        let mut xls = include_bytes!("../../tests/fixtures/sheets/pack-report.xls").to_vec();
        let word = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
        assert_eq!(
            u16::from_le_bytes([xls[30], xls[31]]),
            9,
            "512-byte sectors"
        );
        let (dir_start, first_fat) = (word(&xls, 48) as usize, word(&xls, 76) as usize);
        assert!(
            dir_start < 128,
            "the directory's entry is in the first FAT sector"
        );
        assert_eq!(fat_cycle(&xls), None, "the fixture itself is well formed");
        // The directory's first sector now leads back to itself.
        let entry = 512 + first_fat * 512 + dir_start * 4;
        xls[entry..entry + 4].copy_from_slice(&(dir_start as u32).to_le_bytes());
        let err = read(&xls, "r.xls", None).unwrap_err();
        assert_eq!(code(&err), "tollgate::report::sheet", "{err}");
        assert!(format!("{err:?}").contains("sector chains loop"), "{err:?}");
    }

    #[test]
    fn a_policy_reads_columns_as_fields() {
        use crate::policy::{compile, evaluate, Globals};
        let bytes = xlsx(&[("Sheet1", sample_rows())]);
        let rows = read(&bytes, "r.xlsx", None).unwrap();
        let report = crate::model::Report {
            kind: ReportKind::ConfigPack,
            origin: ReportOrigin::File("r.xlsx".into()),
            declared: None,
            fetched_at: None,
            resources: rows.into_iter().map(Arc::new).collect(),
            results: None,
            raw: crate::model::resource::RawJson::owned("{}".into()),
        };
        let globals = Globals {
            params: rhai::Map::new(),
            now: 0,
        };
        let policy = |body: &str| {
            let src = format!(
                "const RULE = #{{ id: \"PACK-9\", severity: \"high\", applies_to: [\"pack_result\"] }};\n{body}"
            );
            compile(
                std::path::Path::new("t.rhai"),
                src.into(),
                &Default::default(),
                &globals,
            )
            .unwrap()
        };
        let report = [Arc::new(report)];
        let e = evaluate(
            &[policy(
                r#"fn check(row) {
                    if row.compliance_type == "NON_COMPLIANT" && row["rule_name"] != () {
                        deny(`${row.rule_name} on ${row.resource_id} (risk ${row.risk_level}, ${row.columns.column_10}, ${row["检测时间"]}, ${row.headers.column_10})`)
                    }
                }"#,
            )],
            &report,
        );
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        assert_eq!(e.calls, 3, "one call per row, none for the report");
        assert_eq!(e.findings.len(), 1);
        assert_eq!(
            e.findings[0].message,
            "ecs-instance-no-public-ip on i-bp1a2b3c4d5e6f7g8h9i (risk 3, 2024-03-01 10:46:05, 2024-03-01 10:46:05, 检测时间)"
        );

        let e = evaluate(&[policy("fn check(row) { row.complance_type }")], &report);
        let err = e.errors.first().expect("a typo is an error");
        assert!(
            err.to_string().contains("did you mean `compliance_type`?"),
            "{err}"
        );
        let err = help(err);
        assert!(
            err.contains("headers, raw, rule_name, rule_id, resource_id, resource_name, resource_type, compliance_type, risk_level, account_id, column_10"),
            "the row's columns are listed, `region` once (the fixed field reads the column): {err}"
        );
        // Empty cells are (), and ordering () against a number is an error, as elsewhere.
        let e = evaluate(
            &[policy(
                "fn check(row) { if row.resource_name == () { `${row.id} has no name` } }",
            )],
            &report,
        );
        assert_eq!(e.findings.len(), 1);
        assert!(e.findings[0].message.contains("i-bp9z8y7x6w5v4u3t2s1r"));
    }
}
