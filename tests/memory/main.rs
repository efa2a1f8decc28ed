//! What the outputs hold while they are written, counted exactly: every allocation of the
//! writing thread goes through a counting global allocator (tests/support/heap.rs), so the
//! numbers are the same on every run and the tests can assert on them (no test here looks
//! at time). The verdicts are the output benchmark's (tests/support/large.rs): one blocking
//! finding per node, 2,000 and 20,000 of them.

use std::io::Write;
use std::sync::OnceLock;

use tollgate::output::{self, Context, Format, OutputSpec};
use tollgate::verdict::Verdict;

#[path = "../support/heap.rs"]
mod heap;
#[path = "../support/large.rs"]
mod large;

const SMALL: usize = 2_000;
const LARGE: usize = 20_000;

/// The two verdicts, built once for every test of this binary.
fn verdicts() -> &'static (Verdict, Verdict) {
    static VERDICTS: OnceLock<(Verdict, Verdict)> = OnceLock::new();
    VERDICTS.get_or_init(|| (large::verdict(SMALL), large::verdict(LARGE)))
}

/// What writing `format` for `verdict` cost: the most heap held at once beyond the
/// verdict, and the bytes written (counted, not kept).
fn written(format: Format, verdict: &Verdict) -> (usize, u64) {
    let cx = large::context();
    let (bytes, peak) = heap::peak_during(|| {
        let mut sink = large::Count(0);
        output::emit(format, verdict, &cx, &mut sink).unwrap();
        sink.flush().unwrap();
        sink.0
    });
    (peak, bytes)
}

/// JUnit and JSON are written as they are produced: the heap they take does not grow with
/// the findings, and stays a small fraction of the document (a buffer and one testcase's
/// or finding's text at a time). Building the JUnit document in memory, as tollgate did
/// with the junit-report crate, took 24.5 MB here for an 8.9 MB document.
#[test]
fn junit_and_json_hold_no_more_for_more_findings() {
    const BOUND: usize = 64 * 1024;
    let (small, large) = verdicts();
    for format in [Format::Junit, Format::Json] {
        let (peak_small, _) = written(format, small);
        let (peak, bytes) = written(format, large);
        assert!(
            bytes > 100 * BOUND as u64,
            "{format:?}: the document ({bytes} bytes) dwarfs the bound"
        );
        assert!(
            peak < BOUND,
            "{format:?} held {peak} bytes of heap to write {bytes} bytes for {LARGE} findings"
        );
        assert!(
            peak <= peak_small + 1024,
            "{format:?} held {peak_small} bytes for {SMALL} findings and {peak} for {LARGE}"
        );
    }
}

/// No output holds a copy of every finding's text. Some keep a few machine words per
/// finding: an index or a pointer to rank them (human, Markdown, GitHub and the HTML
/// table: most severe first; SARIF: blocking and most severe first, for its cap) or to
/// count each resource once (the HTML charts; a map by resource took 140 to 210 bytes a
/// finding there).
#[test]
fn no_output_copies_the_findings() {
    let (small, large) = verdicts();
    for format in Format::ALL {
        let per_finding = match format {
            Format::Junit | Format::Json => 0,
            _ => 32,
        };
        let (peak_small, _) = written(format, small);
        let (peak, _) = written(format, large);
        let grown = peak.saturating_sub(peak_small) / (LARGE - SMALL);
        assert!(
            grown <= per_finding,
            "{format:?}: {grown} bytes of heap more per finding ({peak_small} bytes for {SMALL} findings, {peak} for {LARGE})"
        );
    }
}

/// A ticket per blocking finding, as `group_by = "resource"` opens them.
fn tickets(verdict: &Verdict) -> tollgate::model::incident::Report {
    use tollgate::model::incident::{Action, GroupBy, Mode, Record, Report, Sink};
    Report {
        mode: Mode::On,
        group_by: GroupBy::Resource,
        records: verdict
            .blocking()
            .enumerate()
            .map(|(i, j)| Record {
                sink: Sink::CocIncident,
                action: Action::Opened,
                group: j.finding.fingerprint.clone(),
                title: format!(
                    "[tollgate] {} on {}",
                    j.finding.rule.id,
                    j.finding.subject.label()
                ),
                incident_num: Some(format!("IM-{i:08}")),
                status: None,
                findings: vec![j.finding.fingerprint.clone()],
                error: None,
            })
            .collect(),
    }
}

/// The heap `emit` and `write_all` (to a file) take for `format` with `cx`.
fn emitted_and_delivered(format: Format, verdict: &Verdict, cx: &Context) -> (usize, usize) {
    let (_, emitted) = heap::peak_during(|| {
        output::emit(format, verdict, cx, &mut large::Count(0)).unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let spec = OutputSpec {
        format,
        path: Some(dir.path().join("out")),
    };
    let (_, delivered) = heap::peak_during(|| {
        output::write_all(std::slice::from_ref(&spec), verdict, cx).unwrap();
    });
    (emitted, delivered)
}

/// With a ticket per finding, no output copies the tickets either: writing a file costs
/// what `emit` does plus a write buffer (each output used to get its own copy of the
/// context, tickets and all: 5.8 MB more for 20,000 tickets), and what the tickets add is
/// an index of them by finding, or the HTML table's rows, made of references (about 125
/// bytes a ticket; SARIF used to serialize every ticket into memory to measure the
/// document's tail, 516 bytes a ticket).
#[test]
fn no_output_copies_the_tickets() {
    let (_, verdict) = verdicts();
    // Colour on, as on a terminal: the files are still written without it.
    let plain = Context {
        color: true,
        ..large::context()
    };
    let with = Context {
        incidents: Some(tickets(verdict)),
        ..plain.clone()
    };
    for format in Format::ALL {
        let (without, _) = emitted_and_delivered(format, verdict, &plain);
        let (emitted, delivered) = emitted_and_delivered(format, verdict, &with);
        assert!(
            delivered <= emitted + 16 * 1024,
            "{format:?}: {emitted} bytes of heap to emit, {delivered} to write a file"
        );
        let per_ticket = emitted.saturating_sub(without) / LARGE;
        assert!(
            per_ticket <= 160,
            "{format:?}: {per_ticket} bytes of heap per ticket ({without} without, {emitted} with)"
        );
    }
}
