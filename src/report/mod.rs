//! Reports: the text of a vendor API response (or an array of its pages) becomes a
//! [`Report`] of normalized [`Resource`]s.
//!
//! The document is never parsed into a generic JSON tree. The top level is read as a map
//! of borrowed raw values, which is enough to detect the kind; the record array is split
//! into borrowed raw elements, and each element is deserialized into the vendor module's
//! typed struct on all cores. A resource keeps its original object as a span of the text
//! (`raw`) and the line and column where it starts (`origin`).
//!
//! One file per vendor format; each exposes `MARKER` (the top-level key that identifies
//! the shape) and `record()` (one record to one resource). This module owns what they
//! share: detection, pages, positions, declared totals, duplicates and empty reports.
//! `pack_sheet` is the one that reads no JSON: it turns the spreadsheet a compliance-pack
//! report points at (downloaded by the live source) into `pack_result` rows.

pub(crate) mod coc_items;
pub(crate) mod coc_patch;
mod config_pack;
pub(crate) mod config_states;
mod ocsf_findings;
pub(crate) mod oos_patch;
pub(crate) mod pack_sheet;
mod scan;
mod walk;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{self, Error};
use crate::model::resource::{
    Builder, Common, Count, Detail, Origin, Place, Pointer, RawJson, Resource,
};
use crate::model::{Input, Report, ReportKind, ReportOrigin, EVIDENCE_MARKER};

/// The top-level key whose presence identifies a vendor response's shape; none for OCSF
/// events, which are recognised by their own shape (`ocsf_findings::sniff`).
fn marker(kind: ReportKind) -> Option<&'static str> {
    Some(match kind {
        ReportKind::CocPatch => coc_patch::MARKER,
        ReportKind::CocItems => coc_items::MARKER,
        ReportKind::ConfigStates => config_states::MARKER,
        ReportKind::OosPatch => oos_patch::MARKER,
        ReportKind::ConfigPack => config_pack::MARKER,
        ReportKind::OcsfFindings => return None,
    })
}

/// Is the marker's value an array of records (rather than one record object)?
fn records_are_array(kind: ReportKind) -> bool {
    !matches!(kind, ReportKind::ConfigPack)
}

/// One record of a report of this kind to a resource, by the kind's own module.
fn parse_record(kind: ReportKind, raw: &str, cx: &RecordCx) -> Result<Resource, Error> {
    match kind {
        ReportKind::CocPatch => coc_patch::record(raw, cx),
        ReportKind::CocItems => coc_items::record(raw, cx),
        ReportKind::ConfigStates => config_states::record(raw, cx),
        ReportKind::OosPatch => oos_patch::record(raw, cx),
        ReportKind::ConfigPack => config_pack::record(raw, cx),
        ReportKind::OcsfFindings => ocsf_findings::record(raw, cx),
    }
}

/// What may stand before a document's first value: a byte order mark and JSON white space.
pub(super) const LEADING: [char; 5] = ['\u{feff}', ' ', '\t', '\r', '\n'];

/// How a report may be loaded.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Skip detection and read the document as this kind.
    pub kind: Option<ReportKind>,
    /// Accept a report with zero resources.
    pub allow_empty: bool,
}

/// The evidence file `tollgate fetch` writes, and a live check evaluates: the vendor's
/// responses, untouched, with the source they came from and when.
#[derive(Deserialize)]
struct Evidence<'a> {
    #[serde(rename = "tollgate_evidence")]
    version: u32,
    fetched_at: String,
    #[serde(borrow)]
    reports: Vec<EvidenceReport<'a>>,
}

#[derive(Deserialize)]
struct EvidenceReport<'a> {
    kind: ReportKind,
    name: String,
    #[serde(borrow)]
    pages: Vec<&'a RawValue>,
    /// A downloaded compliance-pack report file, base64-encoded.
    sheet: Option<EvidenceSheet>,
}

#[derive(Deserialize)]
pub(super) struct EvidenceSheet {
    file: String,
    base64: String,
}

/// Is this document an evidence file?
pub fn is_evidence(text: &str) -> bool {
    let mut end = text.len().min(256);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    head.trim_start_matches(LEADING).starts_with('{')
        && head.contains(&format!("\"{EVIDENCE_MARKER}\""))
}

/// Read every report in a document: one for a vendor response or an array of pages,
/// one per recorded report for an evidence file.
pub fn load_all(input: &Input, options: LoadOptions) -> Result<Vec<Report>, Error> {
    load_all_by(input, options, true)
}

/// [`load_all`] by the careful route alone: the top level parsed by serde_json first, as
/// before the structural scan. Public for the tests that hold the two routes to the same
/// answer.
pub fn load_all_careful(input: &Input, options: LoadOptions) -> Result<Vec<Report>, Error> {
    load_all_by(input, options, false)
}

fn load_all_by(input: &Input, options: LoadOptions, fast: bool) -> Result<Vec<Report>, Error> {
    if !is_evidence(&input.text) {
        return Ok(vec![load_by(input, options, fast)?]);
    }
    // The fast route first; on any error, the careful one says what it is.
    if let Some(evidence) = fast.then(|| walk::evidence(&input.text)).flatten() {
        if let Ok(reports) = evidence_reports(input, evidence, options) {
            return Ok(reports);
        }
    }
    let evidence: Evidence =
        serde_json::from_str(&input.text).map_err(|e| syntax_error(input, 0, &input.text, &e))?;
    let mut entries = Vec::with_capacity(evidence.reports.len());
    for (i, entry) in evidence.reports.into_iter().enumerate() {
        let pages = entry
            .pages
            .iter()
            .enumerate()
            .map(|(j, raw)| page_object(input, raw, format!("/reports/{i}/pages/{j}")))
            .collect::<Result<Vec<_>, _>>()?;
        entries.push(walk::Entry {
            kind: entry.kind,
            name: entry.name,
            pages,
            sheet: entry.sheet,
        });
    }
    let evidence = walk::Evidence {
        version: evidence.version,
        fetched_at: evidence.fetched_at,
        reports: entries,
    };
    evidence_reports(input, evidence, options)
}

/// The reports of an evidence file whose pages are split.
fn evidence_reports(
    input: &Input,
    evidence: walk::Evidence<'_>,
    options: LoadOptions,
) -> Result<Vec<Report>, Error> {
    if evidence.version != 1 {
        return Err(Error::ReportUnknown {
            name: input.origin.to_string(),
            src: error::source(input.origin.name(), &input.text),
            at: (0, 1).into(),
            found: format!(
                "evidence format version {} is newer than this tollgate reads (1)",
                evidence.version
            ),
            hint: "upgrade tollgate, or fetch the evidence again".into(),
        });
    }
    let fetched_at = chrono::DateTime::parse_from_rfc3339(&evidence.fetched_at)
        .map(|t| t.timestamp_millis())
        .map_err(|e| Error::ReportField {
            name: input.origin.to_string(),
            src: error::source(input.origin.name(), &input.text),
            at: (0, 1).into(),
            reason: format!("fetched_at {:?} is not a time: {e}", evidence.fetched_at),
            hint: None,
        })?;
    let mut reports = Vec::with_capacity(evidence.reports.len());
    for entry in evidence.reports {
        if !entry.kind.is_vendor_api() {
            return Err(Error::ReportUnknown {
                name: input.origin.to_string(),
                src: error::source(input.origin.name(), &input.text),
                at: (0, 1).into(),
                found: format!(
                    "evidence of {}, which is read from a scanner's files, never fetched",
                    entry.kind
                ),
                hint: "fetch the evidence again, or pass the scan itself with --report".into(),
            });
        }
        // Reports are named after the source, not the file, so a saved evidence file and
        // the live check it recorded give the same result.
        let named = Input {
            origin: ReportOrigin::recorded(&entry.name),
            text: input.text.clone(),
        };
        for page in &entry.pages {
            require_marker(&named, page, entry.kind)?;
        }
        // A node's patch list may be empty; the node itself is in the node list.
        let options = LoadOptions {
            allow_empty: options.allow_empty || entry.kind == ReportKind::CocItems,
            ..options
        };
        let mut report = load_pages(&named, entry.pages, entry.kind, options)?;
        report.fetched_at = Some(fetched_at);
        if let Some(sheet) = &entry.sheet {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(sheet.base64.as_bytes())
                .map_err(|e| Error::ReportIncomplete {
                    name: entry.name.clone(),
                    reason: format!("its report file {} is not valid base64: {e}", sheet.file),
                    hint: "fetch the evidence again".into(),
                })?;
            let rows_origin = named.origin.part(&sheet.file);
            let pack = report.resources.first().map(|r| &**r);
            let rows = pack_sheet::read(&bytes, &rows_origin, pack)?;
            report.resources.extend(rows.into_iter().map(Arc::new));
        }
        reports.push(report);
    }
    if reports.is_empty() && !options.allow_empty {
        return Err(Error::ReportEmpty {
            name: input.origin.to_string(),
        });
    }
    Ok(reports)
}

/// Scans given together hold each finding once: a finding uid in two of them means one
/// account's scan is given twice, or an old scan lies beside a new one, and counting both
/// would judge the findings of a scan that is no longer the account's state.
pub fn check_scans(reports: &[Arc<Report>]) -> Result<(), Error> {
    let scans: Vec<&Report> = reports
        .iter()
        .filter(|r| r.kind == ReportKind::OcsfFindings)
        .map(|r| &**r)
        .collect();
    if scans.len() < 2 {
        return Ok(());
    }
    // Within a scan every uid is its own already (`check_duplicates`): a uid seen before
    // was seen in another scan.
    let mut seen: std::collections::HashMap<&str, &Report> = std::collections::HashMap::new();
    for scan in scans {
        for r in &scan.resources {
            if let Some(first) = seen.insert(r.id(), scan) {
                return Err(Error::ReportOverlap {
                    id: r.id().to_string(),
                    first: first.origin.to_string(),
                    again: scan.origin.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Read a report: detect (or take) its kind, normalize its records, and check that the
/// evidence is whole (declared totals, duplicates, last page, emptiness).
///
/// The fast route (the `walk` module) splits the records with a parallel structural scan; when it
/// cannot, or when reading fails in any way, the careful route parses the document's top
/// level with serde_json first and names the error as it always has.
pub fn load(input: &Input, options: LoadOptions) -> Result<Report, Error> {
    load_by(input, options, true)
}

fn load_by(input: &Input, options: LoadOptions, fast: bool) -> Result<Report, Error> {
    let events = match options.kind {
        Some(ReportKind::OcsfFindings) => Some(events_layout(input)?),
        Some(_) => None,
        None => ocsf_findings::sniff(&input.text),
    };
    if let Some(layout) = events {
        return load_events(input, layout, options, fast);
    }
    if let Some(pages) = fast.then(|| walk::pages(&input.text)).flatten() {
        if let Ok(report) = load_split(input, pages, options) {
            return Ok(report);
        }
    }
    load_split(input, split_pages(input)?, options)
}

/// The layout of a document read as OCSF events because `--report-kind` says so.
fn events_layout(input: &Input) -> Result<ocsf_findings::Layout, Error> {
    if input.text.trim_start_matches(LEADING).is_empty() {
        return Err(Error::ReportEmptyFile {
            name: input.origin.to_string(),
        });
    }
    ocsf_findings::layout_of(&input.text).ok_or_else(|| {
        unknown(
            input,
            0,
            "neither a JSON array nor JSON Lines of event objects".into(),
            Some("--report-kind ocsf.findings reads a JSON array of OCSF finding events, or one event object per line".into()),
        )
    })
}

/// A scanner's OCSF events: each event one resource. The fast route splits them with the
/// structural scan; on any error, the careful route reads the document again and names it.
fn load_events(
    input: &Input,
    layout: ocsf_findings::Layout,
    options: LoadOptions,
    fast: bool,
) -> Result<Report, Error> {
    let kind = ReportKind::OcsfFindings;
    let read = |elements: Vec<Element<'_>>| -> Result<Vec<Arc<Resource>>, Error> {
        let place = Place::new(input.origin.clone(), Pointer::Element(String::new()));
        let resources = parse_records(input, kind, vec![(place, elements)])?;
        check_duplicates(input, &resources)?;
        Ok(resources)
    };
    let fast = fast
        .then(|| walk::events(&input.text, layout))
        .flatten()
        .and_then(|elements| read(elements).ok());
    let resources = match fast {
        Some(resources) => resources,
        None => read(ocsf_findings::split_careful(input, layout)?)?,
    };
    if resources.is_empty() && !options.allow_empty {
        return Err(Error::ReportEmpty {
            name: input.origin.to_string(),
        });
    }
    let text = &input.text;
    Ok(Report {
        kind,
        origin: input.origin.clone(),
        declared: None,
        fetched_at: None,
        resources,
        results: None,
        raw: RawJson::new(text.clone(), 0, text.len()),
    })
}

fn load_split(input: &Input, pages: Vec<Page<'_>>, options: LoadOptions) -> Result<Report, Error> {
    let kind = match options.kind {
        Some(kind) => {
            for page in &pages {
                require_marker(input, page, kind)?;
            }
            kind
        }
        None => detect_all(input, &pages)?,
    };
    load_pages(input, pages, kind, options)
}

fn load_pages(
    input: &Input,
    pages: Vec<Page<'_>>,
    kind: ReportKind,
    options: LoadOptions,
) -> Result<Report, Error> {
    let text = &input.text;

    let mut declared: Option<u64> = None;
    let mut results = None;
    let mut groups = Vec::with_capacity(pages.len());
    let count = pages.len();
    for (i, page) in pages.into_iter().enumerate() {
        let meta = page_meta(input, &page, kind)?;
        if let Some(count) = meta.declared {
            match declared {
                Some(first) if first != count => {
                    return Err(Error::ReportIncomplete {
                        name: input.origin.to_string(),
                        reason: format!(
                            "page 1 declares a total of {first} but page {} declares {count}",
                            i + 1
                        ),
                        hint: "the pages come from different queries or moments; fetch the report again in one go".into(),
                    });
                }
                _ => declared = Some(count),
            }
        }
        if i + 1 == count {
            if let Some(token) = meta.next_token {
                return Err(Error::ReportIncomplete {
                    name: input.origin.to_string(),
                    reason: format!("its last page has NextToken {token:?}, so more pages exist"),
                    hint: "save every page (an array of the responses) or use `tollgate fetch`"
                        .into(),
                });
            }
        }
        results = results.or(meta.results);
        groups.push(page_records(input, page, kind)?);
    }

    let resources = parse_records(input, kind, groups)?;
    check_duplicates(input, &resources)?;
    if let Some(total) = declared {
        if total != resources.len() as u64 {
            return Err(Error::ReportIncomplete {
                name: input.origin.to_string(),
                reason: format!(
                    "it declares a total of {total} but holds {} records",
                    resources.len()
                ),
                hint: "a page is missing or was cut short; save every page as one JSON array of responses, or use `tollgate fetch`".into(),
            });
        }
    }
    if resources.is_empty() && !options.allow_empty {
        return Err(Error::ReportEmpty {
            name: input.origin.to_string(),
        });
    }

    Ok(Report {
        kind,
        origin: input.origin.clone(),
        declared,
        fetched_at: None,
        resources,
        results,
        raw: RawJson::new(text.clone(), 0, text.len()),
    })
}

/// One record: a slice of the report text, and where it starts (line 0 until located).
pub(super) struct Element<'a> {
    pub text: &'a str,
    pub line: u32,
    pub column: u32,
}

/// One API response: its top-level keys and their raw values.
pub(super) struct Page<'a> {
    /// JSON pointer prefix: `""` for a single response, `"/2"` for the third page.
    pub pointer: String,
    pub offset: usize,
    /// Every member but the record array the fast route split.
    pub fields: BTreeMap<String, &'a RawValue>,
    /// The record array's key and records, when the fast route split it.
    pub split: Option<(String, Vec<Element<'a>>)>,
}

impl Page<'_> {
    /// Does the page have a member `key`?
    fn has(&self, key: &str) -> bool {
        self.fields.contains_key(key) || self.split.as_ref().is_some_and(|(k, _)| k == key)
    }

    /// Its keys, in order.
    fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.fields.keys().map(String::as_str).collect();
        if let Some((k, _)) = &self.split {
            keys.push(k);
            keys.sort_unstable();
        }
        keys
    }
}

fn split_pages(input: &Input) -> Result<Vec<Page<'_>>, Error> {
    let text: &str = &input.text;
    let first = text.trim_start_matches(LEADING).chars().next();
    match first {
        Some('[') => {
            let elements: Vec<&RawValue> =
                serde_json::from_str(text).map_err(|e| syntax_error(input, 0, text, &e))?;
            elements
                .into_iter()
                .enumerate()
                .map(|(i, raw)| page_object(input, raw, format!("/{i}")))
                .collect()
        }
        Some('{') => {
            let fields =
                serde_json::from_str(text).map_err(|e| syntax_error(input, 0, text, &e))?;
            Ok(vec![Page {
                pointer: String::new(),
                offset: 0,
                fields,
                split: None,
            }])
        }
        None => Err(Error::ReportEmptyFile {
            name: input.origin.to_string(),
        }),
        Some(_) => {
            // Let the JSON parser say what is wrong, with its position.
            let err = serde_json::from_str::<&RawValue>(text)
                .err()
                .map(|e| syntax_error(input, 0, text, &e));
            Err(err.unwrap_or_else(|| {
                unknown(
                    input,
                    0,
                    "a JSON value that is not an object or an array of pages".into(),
                    None,
                )
            }))
        }
    }
}

fn page_object<'a>(
    input: &'a Input,
    raw: &'a RawValue,
    pointer: String,
) -> Result<Page<'a>, Error> {
    let offset = offset_in(&input.text, raw.get());
    match serde_json::from_str::<BTreeMap<String, &RawValue>>(raw.get()) {
        Ok(fields) => Ok(Page {
            pointer,
            offset,
            fields,
            split: None,
        }),
        Err(_) => Err(unknown(
            input,
            offset,
            format!("page {pointer} is not a JSON object"),
            None,
        )),
    }
}

fn detect_all(input: &Input, pages: &[Page<'_>]) -> Result<ReportKind, Error> {
    if pages.is_empty() {
        return Err(unknown(
            input,
            0,
            "an empty array: no page to recognise".into(),
            Some("pass --report-kind to read an empty array of pages".into()),
        ));
    }
    let mut kind = None;
    for page in pages {
        let this = detect(input, page)?;
        match kind {
            Some(first) if first != this => {
                return Err(unknown(
                    input,
                    page.offset,
                    format!("page {} is {this} but page /0 is {first}", page.pointer),
                    Some("put each kind of report in its own file".into()),
                ));
            }
            _ => kind = Some(this),
        }
    }
    kind.ok_or_else(|| unknown(input, 0, "no page".into(), None))
}

/// The kind of one page, from its top-level keys.
fn detect(input: &Input, page: &Page<'_>) -> Result<ReportKind, Error> {
    let has = |key: &str| page.has(key);
    let matches: Vec<ReportKind> = ReportKind::ALL
        .into_iter()
        .filter(|k| marker(*k).is_some_and(has))
        .collect();
    if let [kind] = matches.as_slice() {
        return Ok(*kind);
    }
    if let Some(err) = vendor_error(input, page) {
        return Err(err);
    }
    let keys: Vec<&str> = page.keys().into_iter().take(8).collect();
    let found = if matches.len() > 1 {
        format!(
            "keys of several kinds at once: {}",
            matches
                .iter()
                .filter_map(|k| marker(*k))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else if keys.is_empty() {
        "an empty object".into()
    } else {
        format!("an object with keys {}", keys.join(", "))
    };
    Err(unknown(input, page.offset, found, None))
}

/// An API error body saved in place of a report (Huawei `error_code`/`error_msg`, Alibaba
/// `Code`/`Message`).
fn vendor_error(input: &Input, page: &Page<'_>) -> Option<Error> {
    let text = |key: &str| {
        page.fields
            .get(key)
            .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok())
    };
    let (code, message) = match (text("error_code"), text("Code")) {
        (Some(code), _) => (code, text("error_msg").unwrap_or_default()),
        (None, Some(code)) if page.fields.contains_key("Message") => {
            (code, text("Message").unwrap_or_default())
        }
        _ => return None,
    };
    Some(Error::ReportVendorError {
        name: input.origin.to_string(),
        code,
        message,
    })
}

fn require_marker(input: &Input, page: &Page<'_>, kind: ReportKind) -> Result<(), Error> {
    let Some(marker) = marker(kind) else {
        // OCSF events are read by `load_events`, never as pages.
        return Err(unknown(
            input,
            page.offset,
            format!("a page, which {kind} has none of"),
            None,
        ));
    };
    if page.has(marker) {
        return Ok(());
    }
    if let Some(err) = vendor_error(input, page) {
        return Err(err);
    }
    Err(unknown(
        input,
        page.offset,
        format!("no top-level `{marker}`"),
        Some(format!(
            "--report-kind {kind} expects the response of {}, which has a top-level `{marker}`",
            kind.api(),
        )),
    ))
}

fn unknown(input: &Input, offset: usize, found: String, hint: Option<String>) -> Error {
    let known: Vec<String> = ReportKind::ALL
        .iter()
        .map(|k| match marker(*k) {
            Some(marker) => format!("  {} — {} (top-level `{marker}`)", k.id(), k.api()),
            None => format!(
                "  {} — {}: a JSON array or JSON Lines of event objects with `class_uid`",
                k.id(),
                k.api()
            ),
        })
        .collect();
    let hint = hint.unwrap_or_else(|| {
        format!(
            "tollgate knows these report kinds, recognised by their shape:\n{}\nA vendor response may also be a JSON array of such responses (pages). Pass --report-kind to name the kind.",
            known.join("\n")
        )
    });
    Error::ReportUnknown {
        name: input.origin.to_string(),
        src: error::source(input.origin.name(), &input.text),
        at: (offset, 1).into(),
        found,
        hint,
    }
}

/// What a page says about the report as a whole.
#[derive(Default)]
struct PageMeta {
    declared: Option<u64>,
    next_token: Option<String>,
    results: Option<RawJson>,
}

fn page_meta(input: &Input, page: &Page<'_>, kind: ReportKind) -> Result<PageMeta, Error> {
    let mut meta = PageMeta::default();
    match kind {
        ReportKind::CocPatch | ReportKind::CocItems => {
            if let Some(raw) = page.fields.get("count") {
                let count = serde_json::from_str::<Option<u64>>(raw.get()).map_err(|_| {
                    field_error(
                        input,
                        offset_in(&input.text, raw.get()),
                        "`count` must be a non-negative whole number".into(),
                        None,
                    )
                })?;
                meta.declared = count;
            }
        }
        ReportKind::OosPatch => {
            if let Some(raw) = page.fields.get("NextToken") {
                let token = serde_json::from_str::<Option<String>>(raw.get()).unwrap_or(None);
                // "-" stands for "no token" in the documented sample response.
                meta.next_token = token.filter(|t| !t.is_empty() && t != "-");
            }
        }
        ReportKind::ConfigStates => {
            if let Some(raw) = page.fields.get("results") {
                let start = offset_in(&input.text, raw.get());
                meta.results = Some(RawJson::new(
                    input.text.clone(),
                    start,
                    start + raw.get().len(),
                ));
            }
        }
        ReportKind::ConfigPack | ReportKind::OcsfFindings => {}
    }
    Ok(meta)
}

/// The records of a page, and the place they share.
fn page_records<'a>(
    input: &'a Input,
    page: Page<'a>,
    kind: ReportKind,
) -> Result<(Arc<Place>, Vec<Element<'a>>), Error> {
    let key = marker(kind).unwrap_or_default();
    let base = format!("{}/{key}", page.pointer);
    if let Some((split_key, elements)) = page.split {
        if split_key == key {
            let place = Place::new(input.origin.clone(), Pointer::Element(base));
            return Ok((place, elements));
        }
    }
    let Some(raw) = page.fields.get(key) else {
        return Ok((Place::new(input.origin.clone(), Pointer::None), Vec::new()));
    };
    let unlocated = |text| Element {
        text,
        line: 0,
        column: 0,
    };
    if raw.get() == "null" {
        return Ok((Place::new(input.origin.clone(), Pointer::None), Vec::new()));
    }
    if !records_are_array(kind) {
        let place = Place::new(input.origin.clone(), Pointer::Whole(base));
        return Ok((place, vec![unlocated(raw.get())]));
    }
    let elements = array_elements(raw.get()).ok_or_else(|| {
        field_error(
            input,
            offset_in(&input.text, raw.get()),
            format!("`{key}` must be an array of records"),
            None,
        )
    })?;
    let place = Place::new(input.origin.clone(), Pointer::Element(base));
    Ok((place, elements.into_iter().map(unlocated).collect()))
}

/// The elements of a JSON array, as slices of its text; `None` when `json` is not an array.
///
/// `json` has been through serde_json already (it is a `RawValue`, and parsing a
/// `RawValue` validates it), so this only has to find where each element ends: it tracks
/// strings and nesting, and never rereads the text as values. Each element is parsed
/// again by its vendor module, which reads every byte of it. Splitting with serde instead
/// (`Vec<&RawValue>`) was a third full pass of the JSON parser over the whole report.
fn array_elements(json: &str) -> Option<Vec<&str>> {
    let bytes = json.as_bytes();
    if bytes.first() != Some(&b'[') {
        return None;
    }
    let mut elements = Vec::new();
    let mut i = 1;
    let mut depth = 0usize;
    let mut start = None;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                start.get_or_insert(i);
                // Skip to the closing quote, stepping over escapes.
                i += 1;
                loop {
                    let at = memchr::memchr2(b'"', b'\\', &bytes[i..])?;
                    if bytes[i + at] == b'\\' {
                        i += at + 2;
                    } else {
                        i += at;
                        break;
                    }
                }
            }
            b'{' | b'[' => {
                start.get_or_insert(i);
                depth += 1;
            }
            b'}' | b']' if depth > 0 => depth -= 1,
            b']' => {
                if let Some(s) = start.take() {
                    elements.push(json[s..i].trim_end());
                }
                return Some(elements);
            }
            b',' if depth == 0 => {
                elements.push(json[start.take()?..i].trim_end());
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => {
                start.get_or_insert(i);
            }
        }
        i += 1;
    }
    None
}

fn parse_records(
    input: &Input,
    kind: ReportKind,
    mut groups: Vec<(Arc<Place>, Vec<Element<'_>>)>,
) -> Result<Vec<Arc<Resource>>, Error> {
    // Records the careful route split have no position yet: find them all in one pass.
    let unlocated = groups
        .iter_mut()
        .flat_map(|(_, elements)| elements.iter_mut())
        .filter(|e| e.line == 0);
    let mut unlocated: Vec<&mut Element<'_>> = unlocated.collect();
    if !unlocated.is_empty() {
        let positions = locate(
            &input.text,
            unlocated.iter().map(|e| offset_in(&input.text, e.text)),
        );
        for (e, (line, column)) in unlocated.iter_mut().zip(positions) {
            (e.line, e.column) = (line, column);
        }
    }
    let parse = |place: &Arc<Place>, index: usize, element: &Element<'_>| {
        let cx = RecordCx {
            input,
            kind,
            origin: Origin::at(
                place,
                u32::try_from(index).unwrap_or(u32::MAX),
                element.line,
                element.column,
            ),
            offset: offset_in(&input.text, element.text),
        };
        parse_record(kind, element.text, &cx).map(Arc::new)
    };
    let mut resources = Vec::new();
    for (place, elements) in &groups {
        // Each resource is built in its final place (its `Arc`) on the worker that parsed
        // it, and collected straight into the list: nothing holds the records twice.
        let parsed: Result<Vec<Arc<Resource>>, Error> = elements
            .par_iter()
            .enumerate()
            .map(|(i, e)| parse(place, i, e))
            .collect();
        match parsed {
            Ok(parsed) if resources.is_empty() => resources = parsed,
            Ok(parsed) => resources.extend(parsed),
            Err(_) => {
                // The first error in document order, whichever thread met one first.
                for (i, e) in elements.iter().enumerate() {
                    parse(place, i, e)?;
                }
            }
        }
    }
    Ok(resources)
}

/// The line and column (1-based, in characters) of every offset, in one pass over the text.
/// Offsets arrive in document order, so each newline and character is counted once.
fn locate(text: &str, offsets: impl Iterator<Item = usize>) -> Vec<(u32, u32)> {
    let bytes = text.as_bytes();
    // `line` at `pos`, with `column` characters before `pos` on that line.
    let (mut line, mut pos, mut column) = (1u32, 0usize, 0usize);
    offsets
        .map(|at| {
            let at = at.min(bytes.len());
            if at < pos {
                (line, pos, column) = (1, 0, 0);
            }
            let gap = &bytes[pos..at];
            match memchr::memrchr(b'\n', gap) {
                Some(nl) => {
                    let newlines = memchr::memchr_iter(b'\n', gap).count();
                    line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
                    column = chars(&gap[nl + 1..]);
                }
                None => column += chars(gap),
            }
            pos = at;
            (line, u32::try_from(column + 1).unwrap_or(u32::MAX))
        })
        .collect()
}

/// The characters in `bytes` (its bytes that do not continue a character).
fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| (**b as i8) >= -0x40).count()
}

/// Two records with one id are an error naming both. Each id is hashed once (on all
/// cores) and the hashes are sorted, so equal ids end up side by side without a map of
/// every id and without reading the ids again but for a matching pair.
fn check_duplicates(input: &Input, resources: &[Arc<Resource>]) -> Result<(), Error> {
    use std::hash::BuildHasher;
    let state = std::hash::RandomState::new();
    let mut hashed: Vec<(u64, u32)> = resources
        .par_iter()
        .enumerate()
        .map(|(i, r)| (state.hash_one(r.id()), u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    hashed.par_sort_unstable();
    // Of all repeats, the one whose second record comes first in the document.
    let mut repeat: Option<(&Resource, &Resource)> = None;
    for run in hashed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        // Equal hashes, most likely equal ids: the records in document order.
        let records: Vec<&Resource> = run.iter().map(|(_, i)| &*resources[*i as usize]).collect();
        for (j, again) in records.iter().enumerate() {
            let Some(first) = records[..j].iter().find(|r| r.id() == again.id()) else {
                continue;
            };
            if repeat.is_none_or(|(_, seen)| again.raw_offset() < seen.raw_offset()) {
                repeat = Some((first, again));
            }
            break;
        }
    }
    match repeat {
        None => Ok(()),
        Some((first, again)) => Err(Error::ReportDuplicate {
            name: input.origin.to_string(),
            id: again.id().to_string(),
            src: error::source(input.origin.name(), &input.text),
            first: (first.raw_offset(), 1).into(),
            again: (again.raw_offset(), 1).into(),
        }),
    }
}

/// Byte offset of `part` (a slice borrowed from `whole`) within `whole`.
fn offset_in(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

fn syntax_error(input: &Input, base: usize, part: &str, err: &serde_json::Error) -> Error {
    let at = base + offset_of_error(part, err);
    Error::ReportSyntax {
        name: input.origin.to_string(),
        src: error::source(input.origin.name(), &input.text),
        at: (at, 1).into(),
        reason: message_of(err),
    }
}

fn field_error(input: &Input, offset: usize, reason: String, hint: Option<String>) -> Error {
    Error::ReportField {
        name: input.origin.to_string(),
        src: error::source(input.origin.name(), &input.text),
        at: (offset, 1).into(),
        reason,
        hint,
    }
}

/// serde_json positions are 1-based line and column within the parsed slice.
fn offset_of_error(part: &str, err: &serde_json::Error) -> usize {
    if err.line() == 0 {
        return 0;
    }
    let at = error::span_at(part, err.line(), err.column()).offset();
    at.min(part.len().saturating_sub(1))
}

/// The key whose value a parse error at `offset` of `raw` is in: the last `"key":` that
/// starts before it. serde_json's message names the type it wanted, not the field.
fn key_before(raw: &str, offset: usize) -> Option<&str> {
    static KEY: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    #[allow(clippy::expect_used)] // a constant pattern, compiled by the tests
    let key = KEY
        .get_or_init(|| regex::Regex::new(r#""((?:[^"\\]|\\.)*)"\s*:"#).expect("a valid pattern"));
    let mut end = offset.min(raw.len());
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    key.captures_iter(&raw[..end])
        .last()
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}

/// The error message without serde_json's "at line L column C" suffix, which counts from
/// the record rather than the file.
fn message_of(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rsplit_once(" at line ") {
        Some((msg, _)) => msg.to_string(),
        None => text,
    }
}

/// A JSON string of a record, borrowed from the report text unless it has escapes.
///
/// serde's `#[serde(borrow)]` does not reach through `Option<Cow<str>>` (it would copy
/// every string); this type borrows wherever it sits.
pub(crate) struct JsonStr<'a>(Cow<'a, str>);

/// Quoted, as the string itself: messages show it as the report has it.
impl std::fmt::Debug for JsonStr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JsonStr<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = JsonStr<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(JsonStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(JsonStr(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(JsonStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(Visit(std::marker::PhantomData))
    }
}

impl std::ops::Deref for JsonStr<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// Everything a vendor module needs to turn one record into a resource.
pub(crate) struct RecordCx<'a> {
    input: &'a Input,
    kind: ReportKind,
    /// Where the record is (already located).
    origin: Origin,
    /// Byte offset of the record in the report text.
    offset: usize,
}

impl RecordCx<'_> {
    /// The record, for messages: `record /instance_compliant/3`, or for a scanner's
    /// events `event #4 (line 12)`.
    fn record_name(&self) -> String {
        match self.kind {
            ReportKind::OcsfFindings => format!(
                "event #{} (line {})",
                u64::from(self.origin.index()) + 1,
                self.origin.line
            ),
            _ => format!("record {}", self.origin.pointer()),
        }
    }

    /// A builder for the resource of the record `raw` (a slice of the report text).
    fn builder<'r>(&self, raw: &'r str) -> Builder<'r> {
        Builder::new(&self.input.text, raw, self.offset)
    }

    /// The resource, from what `b` collected.
    fn finish(&self, b: Builder<'_>, common: Common, detail: Detail) -> Resource {
        b.finish(self.kind, common, detail, self.origin.clone())
    }

    /// Deserialize the record into the vendor struct; a type error points into the file.
    fn parse<'de, T: Deserialize<'de>>(&self, raw: &'de str) -> Result<T, Error> {
        serde_json::from_str(raw).map_err(|e| {
            let at = offset_of_error(raw, &e);
            let field = key_before(raw, at)
                .map(|k| format!(" at `{k}`"))
                .unwrap_or_default();
            field_error(
                self.input,
                self.offset + at,
                format!("{}{field} in {}", message_of(&e), self.record_name()),
                Some(format!(
                    "the record does not have the shape of {}",
                    self.kind.api()
                )),
            )
        })
    }

    /// An error about `field` of this record, pointing at the field in the file.
    fn field_error(&self, raw: &str, field: &str, reason: String) -> Error {
        let needle = format!("\"{field}\"");
        let at = raw.find(&needle).unwrap_or(0);
        field_error(self.input, self.offset + at, reason, None)
    }

    /// A value the vendor documents as impossible: a negative count, a status outside the
    /// documented values, a status its own counts contradict, a non-compliant record
    /// without the figures that say why. `path` leads to the field (`["non_compliant_summary",
    /// "non_compliant_count"]`), so the error points at it in the file.
    fn doubtful(&self, raw: &str, path: &[&str], reason: String) -> Error {
        let mut at = 0;
        for key in path {
            let needle = format!("\"{key}\"");
            match raw[at..].find(&needle) {
                Some(i) => at += i,
                None => break,
            }
        }
        Error::ReportValue {
            name: self.input.origin.to_string(),
            src: error::source(self.input.origin.name(), &self.input.text),
            at: (self.offset + at, 1).into(),
            reason: format!("{}: {reason}", self.record_name()),
            api: self.kind.api(),
        }
    }

    /// A count the vendor reports: a whole number of zero or more, and no larger than a
    /// resource holds ([`Count::MAX`], far above the 32-bit integers the APIs document).
    fn count(
        &self,
        raw: &str,
        path: &[&str],
        id: &str,
        value: Option<i64>,
    ) -> Result<Count, Error> {
        Count::new(value).map_err(|n| {
            let why = if n < 0 {
                "a negative count".to_string()
            } else {
                format!("more than the {} a count can be", Count::MAX)
            };
            self.doubtful(
                raw,
                path,
                format!("{} of {id} is {n}, {why}", path.join(".")),
            )
        })
    }

    /// A time in Unix milliseconds: a negative one is no time at all.
    fn time(
        &self,
        raw: &str,
        path: &[&str],
        id: &str,
        value: Option<i64>,
    ) -> Result<Option<i64>, Error> {
        match value {
            Some(ms) if ms < 0 => Err(self.doubtful(
                raw,
                path,
                format!(
                    "{} of {id} is {ms}, which is not a time (Unix milliseconds)",
                    path.join(".")
                ),
            )),
            other => Ok(other),
        }
    }

    /// The id of the record, which must be a non-empty string.
    fn require_id<'v>(
        &self,
        raw: &str,
        field: &str,
        value: Option<&'v str>,
    ) -> Result<&'v str, Error> {
        match value {
            Some(id) if !id.trim().is_empty() => Ok(id),
            _ => Err(self.field_error(
                raw,
                field,
                format!(
                    "{} has no `{field}`, which identifies the resource",
                    self.record_name()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn input(text: &str) -> Input {
        Input {
            origin: ReportOrigin::File("test.json".into()),
            text: text.into(),
        }
    }

    fn load_str(text: &str) -> Result<Report, Error> {
        load(&input(text), LoadOptions::default())
    }

    /// The fast route reads the shapes tollgate is given every day; were it to give up on
    /// them, every report would be read twice (the careful route), and no test would notice.
    #[test]
    fn the_fast_route_takes_real_reports() {
        for path in [
            "tests/fixtures/reports/huawei-coc/doc-example.json",
            "tests/fixtures/reports/alibaba-config/doc-example.json",
            "examples/reports/huawei-coc-patch-compliance.json",
            "examples/reports/huawei-coc-patch-items.json",
            "examples/reports/huawei-config-policy-states.json",
            "examples/reports/alibaba-oos-patch-states.json",
            "examples/reports/alibaba-config-pack-report.json",
        ] {
            let text = std::fs::read_to_string(path).unwrap();
            let input = input(&text);
            let pages = walk::pages(&input.text).unwrap_or_else(|| panic!("{path}"));
            let fast = load_split(&input, pages, LoadOptions::default()).unwrap();
            let careful = load_all_careful(&input, LoadOptions::default()).unwrap();
            assert_eq!(
                serde_json::to_string(&fast.resources).unwrap(),
                serde_json::to_string(&careful[0].resources).unwrap(),
                "{path}"
            );
        }
        let evidence = input(EVIDENCE);
        let split = walk::evidence(&evidence.text).expect("an evidence file");
        assert_eq!(split.reports.len(), 2);
        assert!(evidence_reports(&evidence, split, LoadOptions::default()).is_ok());
    }

    const EVIDENCE: &str = r#"{"tollgate_evidence":1,"fetched_at":"2026-11-23T10:00:00.000Z",
"source":{"name":"coc-prod"},"reports":[
{"kind":"huawei.coc.patch_compliance","name":"source:coc-prod","pages":[
 {"count":3,"instance_compliant":[{"instance_id":"i-1"},{"instance_id":"i-2"}]},
 {"count":3,"instance_compliant":[{"instance_id":"i-3","status":"non_compliant","non_compliant_summary":{"non_compliant_count":2}}]}]},
{"kind":"huawei.coc.patch_items","name":"source:coc-prod/items/i-3","pages":[
 {"count":1,"compliance_items":[{"instance_id":"i-3","title":"KB1","patch_detail":{"patch_status":"MISSING"}}]}]}]}"#;

    #[test]
    fn evidence_files_hold_several_reports_named_after_the_source() {
        let reports = load_all(&input(EVIDENCE), LoadOptions::default()).unwrap();
        assert_eq!(reports.len(), 2);
        let (nodes, items) = (&reports[0], &reports[1]);
        assert_eq!(nodes.kind, ReportKind::CocPatch);
        assert_eq!(nodes.origin.name(), "source:coc-prod");
        assert_eq!(nodes.resources.len(), 3);
        assert_eq!(nodes.declared, Some(3));
        assert_eq!(nodes.fetched_at, Some(1_795_428_000_000));
        let third = &nodes.resources[2];
        assert_eq!(third.origin.file().name(), "source:coc-prod");
        assert_eq!(
            third.origin.pointer(),
            "/reports/0/pages/1/instance_compliant/0"
        );
        assert_eq!((third.origin.line, third.origin.column), (5, 35));
        assert_eq!(items.kind, ReportKind::CocItems);
        assert_eq!(items.origin.name(), "source:coc-prod/items/i-3");
        // An ordinary report is one report, as before.
        let plain = load_all(
            &input(r#"{"count":1,"instance_compliant":[{"instance_id":"a"}]}"#),
            LoadOptions::default(),
        )
        .unwrap();
        assert_eq!(plain.len(), 1);
    }

    #[test]
    fn evidence_is_checked_like_any_report() {
        let short = EVIDENCE.replace(r#"{"instance_id":"i-1"},"#, "");
        let err = load_all(&input(&short), LoadOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains("source:coc-prod is incomplete"),
            "{err}"
        );
        let dup = EVIDENCE.replace(r#""i-2""#, r#""i-1""#);
        let err = load_all(&input(&dup), LoadOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains("lists resource i-1 twice"),
            "{err}"
        );
        let newer = EVIDENCE.replace(r#""tollgate_evidence":1"#, r#""tollgate_evidence":2"#);
        let err = load_all(&input(&newer), LoadOptions::default()).unwrap_err();
        assert!(format!("{err:?}").contains("version 2"), "{err:?}");
        let none = r#"{"tollgate_evidence":1,"fetched_at":"2026-11-23T10:00:00Z","reports":[]}"#;
        let err = load_all(&input(none), LoadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("holds no resources"), "{err}");
        let wrong = EVIDENCE.replace(
            r#""kind":"huawei.coc.patch_items""#,
            r#""kind":"alibaba.oos.instance_patch_states""#,
        );
        assert!(load_all(&input(&wrong), LoadOptions::default()).is_err());
    }

    fn code(err: &Error) -> String {
        miette::Diagnostic::code(err)
            .map(|c| c.to_string())
            .unwrap_or_default()
    }

    const COC_TWO: &str = r#"{
  "count" : 2,
  "instance_compliant" : [ {
    "instance_id" : "a", "status" : "compliant"
  }, {
    "instance_id" : "b", "status" : "non_compliant",
    "non_compliant_summary" : { "non_compliant_count" : 1 }
  } ]
}"#;

    #[test]
    fn positions_point_at_each_record() {
        let report = load_str(COC_TWO).unwrap();
        let r = &report.resources;
        assert_eq!((r[0].origin.line, r[0].origin.column), (3, 28));
        assert_eq!((r[1].origin.line, r[1].origin.column), (5, 6));
        assert_eq!(r[1].origin.pointer(), "/instance_compliant/1");
        assert!(r[1].raw().starts_with('{'));
        assert!(r[1].raw().contains("\"b\""));
    }

    #[test]
    fn pages_are_one_report() {
        let page = |ids: &[&str]| {
            let recs: Vec<String> = ids
                .iter()
                .map(|i| format!(r#"{{"instance_id":"{i}"}}"#))
                .collect();
            format!(r#"{{"count":3,"instance_compliant":[{}]}}"#, recs.join(","))
        };
        let text = format!("[{},\n{}]", page(&["a", "b"]), page(&["c"]));
        let report = load_str(&text).unwrap();
        assert_eq!(report.kind, ReportKind::CocPatch);
        assert_eq!(report.resources.len(), 3);
        assert_eq!(
            report.resources[2].origin.pointer(),
            "/1/instance_compliant/0"
        );
        assert_eq!(report.resources[2].origin.line, 2);
    }

    #[test]
    fn declared_total_must_match() {
        let text = r#"{"count":3,"instance_compliant":[{"instance_id":"a"}]}"#;
        let err = load_str(text).unwrap_err();
        assert_eq!(code(&err), "tollgate::report::incomplete");
        assert!(err
            .to_string()
            .contains("declares a total of 3 but holds 1"));
    }

    #[test]
    fn duplicate_ids_fail() {
        let text = r#"{"count":2,"instance_compliant":[{"instance_id":"a"},{"instance_id":"a"}]}"#;
        let err = load_str(text).unwrap_err();
        assert_eq!(code(&err), "tollgate::report::duplicate");
        // Of several repeats, the one met first in the document, pointing at both records.
        let ids = ["c", "b", "x", "b", "c", "b"];
        let records: Vec<String> = ids
            .iter()
            .map(|id| format!(r#"{{"instance_id":"{id}"}}"#))
            .collect();
        let text = format!(r#"{{"instance_compliant":[{}]}}"#, records.join(","));
        let Error::ReportDuplicate {
            id, first, again, ..
        } = load_str(&text).unwrap_err()
        else {
            panic!("a duplicate")
        };
        assert_eq!(id, "b");
        let at = |n: usize| text.match_indices("{\"instance_id\"").nth(n).unwrap().0;
        assert_eq!((first.offset(), again.offset()), (at(1), at(3)));
    }

    #[test]
    fn empty_report_fails_unless_allowed() {
        let text = r#"{"count":0,"instance_compliant":[]}"#;
        assert_eq!(
            code(&load_str(text).unwrap_err()),
            "tollgate::report::empty"
        );
        let options = LoadOptions {
            allow_empty: true,
            ..Default::default()
        };
        assert!(load(&input(text), options).unwrap().resources.is_empty());
    }

    #[test]
    fn malformed_json_points_at_the_error() {
        let err =
            load_str("{\n  \"count\": 1,\n  \"instance_compliant\": [ {\"instance_id\": } ]\n}")
                .unwrap_err();
        assert_eq!(code(&err), "tollgate::report::syntax");
        let Error::ReportSyntax { at, src, .. } = &err else {
            panic!("{err:?}")
        };
        let text = miette::SourceCode::read_span(src.inner(), at, 0, 0).unwrap();
        assert_eq!(text.line(), 2, "0-based line of the error");
    }

    #[test]
    fn unknown_document_lists_known_kinds() {
        let err = load_str(r#"{"items": [], "total": 3}"#).unwrap_err();
        assert_eq!(code(&err), "tollgate::report::unknown");
        let help = miette::Diagnostic::help(&err).unwrap().to_string();
        for kind in ReportKind::ALL {
            assert!(help.contains(kind.id()), "{kind} missing from {help}");
        }
        assert!(err.to_string().contains("not a document tollgate knows"));
    }

    #[test]
    fn vendor_error_bodies_are_named() {
        let err =
            load_str(r#"{"error_code":"COC.00040001","error_msg":"no permission"}"#).unwrap_err();
        assert_eq!(code(&err), "tollgate::report::vendor_error");
        assert!(err.to_string().contains("no permission"));
        let err =
            load_str(r#"{"Code":"Throttling","Message":"slow down","RequestId":"x"}"#).unwrap_err();
        assert!(err.to_string().contains("Throttling: slow down"));
    }

    #[test]
    fn forced_kind_needs_its_marker() {
        let options = LoadOptions {
            kind: Some(ReportKind::OosPatch),
            ..Default::default()
        };
        let err = load(&input(COC_TWO), options).unwrap_err();
        assert_eq!(code(&err), "tollgate::report::unknown");
        assert!(miette::Diagnostic::help(&err)
            .unwrap()
            .to_string()
            .contains("InstancePatchStates"));
    }

    #[test]
    fn pages_of_different_kinds_fail() {
        let text = r#"[{"count":1,"instance_compliant":[{"instance_id":"a"}]},
                       {"InstancePatchStates":[{"InstanceId":"i-1"}]}]"#;
        let err = load_str(text).unwrap_err();
        assert!(format!("{err:?}").contains("page /1 is alibaba.oos.instance_patch_states"));
    }

    #[test]
    fn empty_and_scalar_documents_fail() {
        // An empty file says so, not "not valid JSON" over an empty frame.
        for empty in ["", "  \n", "\u{feff}"] {
            let err = load_str(empty).unwrap_err();
            assert_eq!(code(&err), "tollgate::report::empty_file");
            assert_eq!(err.to_string(), "report test.json is an empty file");
        }
        assert_eq!(
            code(&load_str("42").unwrap_err()),
            "tollgate::report::unknown"
        );
        assert_eq!(
            code(&load_str("nope").unwrap_err()),
            "tollgate::report::syntax"
        );
        assert_eq!(
            code(&load_str("[]").unwrap_err()),
            "tollgate::report::unknown"
        );
    }

    #[test]
    fn deep_nesting_never_overflows_the_stack() {
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        // In a field tollgate does not read, serde_json skips it without recursing.
        let text =
            format!(r#"{{"count":1,"instance_compliant":[{{"instance_id":"a","x":{deep}}}]}}"#);
        let report = load_str(&text).unwrap();
        // Reading it as a value (as a policy reading `raw` does) stops at serde_json's
        // recursion limit with an error.
        let value: Result<serde_json::Value, _> = serde_json::from_str(report.resources[0].raw());
        assert!(value.is_err());
        // At the top level it is a syntax error.
        assert_eq!(
            code(&load_str(&deep).unwrap_err()),
            "tollgate::report::unknown"
        );
        let text = format!(r#"{{"count":1,"instance_compliant":{deep}}}"#);
        assert!(load_str(&text).is_err());
    }

    #[test]
    fn array_elements_follow_strings_and_nesting() {
        let json = r#"[ {"a":"x,]}\"{"}, [1, [2]] ,"s\\",
 3 , null,{}]"#;
        assert_eq!(
            array_elements(json).unwrap(),
            vec![
                r#"{"a":"x,]}\"{"}"#,
                "[1, [2]]",
                r#""s\\""#,
                "3",
                "null",
                "{}"
            ]
        );
        assert_eq!(array_elements("[ ]").unwrap(), Vec::<&str>::new());
        assert_eq!(array_elements("{}"), None);
        assert_eq!(array_elements("[1,2"), None, "cut short");
    }

    #[test]
    fn column_counts_characters_not_bytes() {
        let text = "{\"é\": [ {\"x\":1} ],\n \"y\": [ {} ]}";
        let offsets = [text.find("{\"x").unwrap(), text.rfind("{}").unwrap()];
        let positions = locate(text, offsets.into_iter());
        assert_eq!(positions[0], (1, 9), "é is one column");
        assert_eq!(positions[1], (2, 9));
    }
}
