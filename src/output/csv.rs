//! `-o csv`: one row per finding for spreadsheets, with the columns a JSON finding has
//! (nested objects flattened: `resource_id`, `location_line`, …; lists joined with `; `;
//! the policy's `properties`, which differ by rule, left out). RFC 4180 (the `csv` crate),
//! every cell quoted: a comma, quote, line break or semicolon (the separator of
//! spreadsheets in many locales) stays inside its cell; quotes doubled; rows end in CRLF.
//!
//! A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (also after spaces, or
//! in their full-width forms, or after a tab or carriage return) as a formula, and report
//! texts come from cloud APIs and policy messages: such a cell is written with a leading
//! `'`, which spreadsheets show as text and do not evaluate.

use std::io::{self, Write};

use crate::model::incident::Record;
use crate::model::Subject;
use crate::verdict::{BaselineMark, Judged, Verdict};

/// The header row.
const COLUMNS: [&str; 31] = [
    "rule",
    "severity",
    "level",
    "blocking",
    "status",
    "message",
    "fingerprint",
    "controls",
    "resource_kind",
    "resource_provider",
    "resource_source",
    "resource_id",
    "resource_name",
    "resource_region",
    "resource_group",
    "resource_status",
    "location_file",
    "location_line",
    "location_column",
    "location_pointer",
    "waiver_reason",
    "waiver_owner",
    "waiver_expires",
    "waiver_file",
    "waiver_line",
    "baseline",
    "first_seen",
    "age_days",
    "due",
    "overdue",
    "incidents",
];

pub(super) fn emit(verdict: &Verdict, cx: &super::Context, out: &mut dyn Write) -> io::Result<()> {
    let tickets = cx
        .incidents
        .as_ref()
        .map(|r| r.by_finding())
        .unwrap_or_default();
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .quote_style(::csv::QuoteStyle::Always)
        .from_writer(out);
    // The incidents column only when incidents ran, as in the JSON.
    let columns = if cx.incidents.is_some() {
        COLUMNS.len()
    } else {
        COLUMNS.len() - 1
    };
    writer
        .write_record(&COLUMNS[..columns])
        .map_err(io::Error::other)?;
    for j in &verdict.findings {
        let row = row(j, tickets.get(j.finding.fingerprint.as_str()));
        writer
            .write_record(row[..columns].iter().map(|cell| safe(cell).into_owned()))
            .map_err(io::Error::other)?;
    }
    writer.flush()
}

/// One finding's cells, in [`COLUMNS`] order.
fn row(j: &Judged, tickets: Option<&Vec<&Record>>) -> [String; 31] {
    let f = &j.finding;
    let text = |s: Option<&str>| s.unwrap_or_default().to_string();
    let (resource, location): ([String; 8], [String; 4]) = match &f.subject {
        Subject::Resource(r) => (
            [
                r.kind().as_str().into(),
                text(r.provider()),
                r.source.id().into(),
                r.id().into(),
                text(r.name()),
                text(r.region()),
                text(r.group()),
                r.status.as_str().into(),
            ],
            [
                r.origin.file().name().into(),
                r.origin.line.to_string(),
                r.origin.column.to_string(),
                r.origin.pointer(),
            ],
        ),
        Subject::Report { kind, origin } => (
            [
                "report".into(),
                text(kind.provider_name()),
                kind.id().into(),
                kind.id().into(),
                origin.name().into(),
                String::new(),
                String::new(),
                String::new(),
            ],
            Default::default(),
        ),
    };
    let waiver = j.waiver.as_deref();
    let [kind, provider, source, id, name, region, group, status] = resource;
    let [file, line, column, pointer] = location;
    [
        f.rule.id.clone(),
        f.severity.to_string(),
        f.level.as_str().into(),
        j.blocking.to_string(),
        j.disposition.as_str().into(),
        f.message.clone(),
        f.fingerprint.clone(),
        f.rule.controls.join("; "),
        kind,
        provider,
        source,
        id,
        name,
        region,
        group,
        status,
        file,
        line,
        column,
        pointer,
        text(waiver.map(|w| w.reason.as_str())),
        text(waiver.and_then(|w| w.owner.as_deref())),
        waiver.map(|w| w.expires.to_string()).unwrap_or_default(),
        waiver.map(|w| w.file.clone()).unwrap_or_default(),
        waiver.map(|w| w.line.to_string()).unwrap_or_default(),
        match j.baseline {
            Some(BaselineMark::New) => "new".into(),
            Some(BaselineMark::Existing) => "existing".into(),
            None => String::new(),
        },
        j.aging
            .map(|a| super::timestamp(a.first_seen))
            .unwrap_or_default(),
        j.aging.map(|a| a.age_days.to_string()).unwrap_or_default(),
        j.aging
            .and_then(|a| a.due)
            .map(super::timestamp)
            .unwrap_or_default(),
        j.aging.map(|a| a.overdue.to_string()).unwrap_or_default(),
        tickets
            .into_iter()
            .flatten()
            .map(|r| ticket(r))
            .collect::<Vec<_>>()
            .join("; "),
    ]
}

/// A ticket or alarm in a few words: `coc_incident IM-7 still open`, `coc_alarm failed:
/// why`.
fn ticket(r: &Record) -> String {
    let mut text = r.label();
    if let Some(error) = &r.error {
        text.push_str(": ");
        text.push_str(error);
    }
    text
}

/// A cell a spreadsheet would run as a formula, made text.
fn safe(cell: &str) -> std::borrow::Cow<'_, str> {
    const FORMULA: [char; 8] = ['=', '+', '-', '@', '＝', '＋', '－', '＠'];
    let trimmed = cell.trim_start_matches(|c: char| c.is_whitespace());
    if cell.starts_with(['\t', '\r']) || trimmed.starts_with(FORMULA) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::safe;
    use crate::output::tests::{render, sample_verdict};
    use crate::output::Format;

    #[test]
    fn formula_cells_are_made_text() {
        for cell in [
            "=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\r=x", " =1+1", "\n@x", "\u{a0}=x", "＝1+1",
            "＠x",
        ] {
            assert_eq!(safe(cell), format!("'{cell}"));
        }
        for cell in ["a=b", "", "ecs-prod-1", "1"] {
            assert_eq!(safe(cell), cell);
        }
    }

    #[test]
    fn one_row_per_finding_under_the_header() {
        let verdict = sample_verdict();
        let text = render(Format::Csv, &verdict);
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header, super::COLUMNS[..super::COLUMNS.len() - 1]);
        let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), verdict.findings.len());
        for (row, j) in rows.iter().zip(&verdict.findings) {
            assert_eq!(&row[0], j.finding.rule.id);
            assert_eq!(&row[6], j.finding.fingerprint);
            assert_eq!(&row[3], j.blocking.to_string());
        }
        assert!(text.contains("\r\n"));
    }
}
