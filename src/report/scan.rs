//! The structural scan: where every JSON object at one brace depth of a report starts and
//! ends, found on all cores without parsing the text.
//!
//! A record array holds objects at a known depth (2 in a vendor response or an array of
//! pages, 4 in an evidence file), so knowing those objects is enough to split it into
//! records, which are then parsed in parallel. The text is cut into chunks at arbitrary
//! bytes and read twice, each time all chunks at once:
//!
//! 1. each chunk counts its quotes (less the escaped ones), its newlines and the
//!    characters after its last newline, and adds up its braces twice: those outside
//!    strings if it starts outside one, and those outside strings if it starts inside one
//!    (the same braces, their sides swapped). Adding the chunks up in order says, for
//!    every chunk, whether it starts inside a string, at which depth, line and column;
//! 2. each chunk lists the objects that open and close at the wanted depth, with the line
//!    and column where each opens.
//!
//! The passes jump from brace to brace with `memchr` (a record has a dozen braces and a
//! hundred quotes): whether a brace is in a string is the parity of the quotes since the
//! last one, counted, not walked. A quote is escaped when an odd run of backslashes
//! precedes it; outside strings JSON has no backslashes, so this holds whatever a chunk's
//! state, and backslashes are rare enough to look for separately. Brackets are not
//! counted: in valid JSON they nest with braces, and an array's objects are told from one
//! another by the text between them (the walker checks it is a comma and white space).
//!
//! The scan does not validate the text. A text that is not JSON gives a wrong or no
//! answer; either way the records it yields then fail to parse, or the walker that reads
//! them finds a gap it does not accept, and the report is read again the careful way,
//! which names the error.

use rayon::prelude::*;

/// Bytes per chunk: large enough that the per-chunk work is noise, small enough that two
/// cores share a 100 MB report evenly.
const CHUNK: usize = 1 << 21;

/// An object at the scanned depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Object {
    /// Byte offset of its `{`.
    pub start: usize,
    /// Byte offset just after its `}`.
    pub end: usize,
    /// 1-based line of its `{`.
    pub line: u32,
    /// 1-based column of its `{`, in characters.
    pub column: u32,
}

/// What pass 1 learns about a chunk.
#[derive(Default)]
struct Tally {
    /// Offsets of the chunk's escaped quotes, in order (almost always none).
    escaped: Vec<usize>,
    odd_quotes: bool,
    /// Braces opened less braces closed outside strings, when the chunk starts outside a
    /// string, and when it starts inside one.
    delta_out: i64,
    delta_in: i64,
    newlines: u32,
    /// Characters after the last newline (all of them when there is none).
    tail_chars: u32,
}

/// Where a chunk starts: in a string or not, at which depth, line and column.
#[derive(Clone, Copy)]
struct Start {
    in_string: bool,
    depth: i64,
    line: u32,
    /// Characters before the chunk on its line.
    column_chars: u32,
}

/// Every object at brace depth `depth` (1 is the outermost object), in document order;
/// `None` when the braces do not balance or the text ends inside a string.
pub(super) fn objects(text: &str, depth: u32) -> Option<Vec<Object>> {
    objects_in_chunks(text, depth, CHUNK)
}

/// [`objects`], with chunks of `chunk` bytes (the tests cut them small).
fn objects_in_chunks(text: &str, depth: u32, chunk: usize) -> Option<Vec<Object>> {
    let bytes = text.as_bytes();
    let chunks: Vec<(usize, usize)> = (0..bytes.len())
        .step_by(chunk.max(1))
        .map(|s| (s, (s + chunk).min(bytes.len())))
        .collect();

    let tallies: Vec<Tally> = chunks
        .par_iter()
        .map(|&(s, e)| tally(bytes, s, e))
        .collect();
    let mut starts = Vec::with_capacity(chunks.len());
    let mut state = Start {
        in_string: false,
        depth: 0,
        line: 1,
        column_chars: 0,
    };
    for t in &tallies {
        starts.push(state);
        state.depth += if state.in_string {
            t.delta_in
        } else {
            t.delta_out
        };
        state.in_string ^= t.odd_quotes;
        if t.newlines > 0 {
            state.line = state.line.saturating_add(t.newlines);
            state.column_chars = t.tail_chars;
        } else {
            state.column_chars = state.column_chars.saturating_add(t.tail_chars);
        }
    }
    if state.in_string || state.depth != 0 {
        return None;
    }

    let want = i64::from(depth);
    let found: Vec<Option<Found>> = chunks
        .par_iter()
        .zip(&starts)
        .zip(&tallies)
        .map(|((&(s, e), start), tally)| find(bytes, s, e, start, &tally.escaped, want))
        .collect();
    let mut opens = Vec::new();
    let mut closes = Vec::new();
    for f in found {
        let f = f?;
        opens.extend(f.opens);
        closes.extend(f.closes);
    }
    if opens.len() != closes.len() {
        return None;
    }
    let mut objects = Vec::with_capacity(opens.len());
    let mut last_end = 0;
    for ((start, line, column), end) in opens.into_iter().zip(closes) {
        if start < last_end || end <= start {
            return None;
        }
        last_end = end;
        objects.push(Object {
            start,
            end,
            line,
            column,
        });
    }
    Some(objects)
}

/// Pass 1 over `bytes[s..e]`.
fn tally(bytes: &[u8], s: usize, e: usize) -> Tally {
    let chunk = &bytes[s..e];
    let escaped = escaped_quotes(bytes, s, e);
    // Every brace, on the side of a string it is when the chunk starts outside one.
    let (mut delta_out, mut delta_in) = (0i64, 0i64);
    let mut in_string = false;
    let mut last = s;
    let mut unescaped = escaped.iter().peekable();
    let mut flip = |from: usize, to: usize, in_string: &mut bool| {
        let mut quotes = memchr::memchr_iter(b'"', &bytes[from..to]).count();
        while unescaped.next_if(|q| **q < to).is_some() {
            quotes -= 1;
        }
        *in_string ^= quotes % 2 == 1;
    };
    for k in memchr::memchr2_iter(b'{', b'}', chunk) {
        let at = s + k;
        flip(last, at, &mut in_string);
        last = at;
        let step = if bytes[at] == b'{' { 1 } else { -1 };
        if in_string {
            delta_in += step;
        } else {
            delta_out += step;
        }
    }
    flip(last, e, &mut in_string);
    let newlines = memchr::memchr_iter(b'\n', chunk).count();
    let tail = match memchr::memrchr(b'\n', chunk) {
        Some(nl) => &chunk[nl + 1..],
        None => chunk,
    };
    Tally {
        escaped,
        odd_quotes: in_string,
        delta_out,
        delta_in,
        newlines: u32::try_from(newlines).unwrap_or(u32::MAX),
        tail_chars: u32::try_from(chars(tail)).unwrap_or(u32::MAX),
    }
}

/// The offsets in `s..e` of quotes that an odd run of backslashes precedes (the run may
/// start before `s`).
fn escaped_quotes(bytes: &[u8], s: usize, e: usize) -> Vec<usize> {
    let mut out = Vec::new();
    // A run that ends just before the chunk escapes its first byte.
    if s < e && bytes[s] == b'"' && odd_run_before(bytes, s) {
        out.push(s);
    }
    let mut i = s;
    while let Some(k) = memchr::memchr(b'\\', &bytes[i..e]) {
        let mut end = i + k;
        while end < bytes.len() && bytes[end] == b'\\' {
            end += 1;
        }
        if end < e && bytes[end] == b'"' && odd_run_before(bytes, end) {
            out.push(end);
        }
        i = end.min(e);
    }
    out
}

/// Is the byte at `at` preceded by an odd run of backslashes?
fn odd_run_before(bytes: &[u8], at: usize) -> bool {
    let run = bytes[..at]
        .iter()
        .rev()
        .take_while(|b| **b == b'\\')
        .count();
    run % 2 == 1
}

/// The characters in `bytes` (which may start or end inside one): its bytes that do not
/// continue a character.
fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| (**b as i8) >= -0x40).count()
}

/// Call `brace(offset, is_open)` for every brace outside strings in `bytes[s..e]`, given
/// whether `s` is inside a string and the chunk's escaped quotes; stop early when it
/// returns false.
fn braces(
    bytes: &[u8],
    s: usize,
    e: usize,
    mut in_string: bool,
    escaped: &[usize],
    mut brace: impl FnMut(usize, bool) -> bool,
) {
    let mut last = s;
    let mut escaped = escaped.iter().peekable();
    for k in memchr::memchr2_iter(b'{', b'}', &bytes[s..e]) {
        let at = s + k;
        let mut quotes = memchr::memchr_iter(b'"', &bytes[last..at]).count();
        while escaped.next_if(|q| **q < at).is_some() {
            quotes -= 1;
        }
        in_string ^= quotes % 2 == 1;
        last = at;
        if !in_string && !brace(at, bytes[at] == b'{') {
            return;
        }
    }
}

/// Pass 3's answer for one chunk.
struct Found {
    /// Offset, line and column of each `{` that opens an object at the wanted depth.
    opens: Vec<(usize, u32, u32)>,
    /// Offset after each `}` that closes one.
    closes: Vec<usize>,
}

/// Pass 3 over `bytes[s..e]`.
fn find(
    bytes: &[u8],
    s: usize,
    e: usize,
    start: &Start,
    escaped: &[usize],
    want: i64,
) -> Option<Found> {
    let mut depth = start.depth;
    let mut found = Found {
        opens: Vec::new(),
        closes: Vec::new(),
    };
    // Line bookkeeping: `line` at `seen`, and `column_chars` characters on it before `seen`.
    let (mut line, mut seen, mut column_chars) = (start.line, s, start.column_chars as usize);
    let mut balanced = true;
    braces(bytes, s, e, start.in_string, escaped, |at, open| {
        if open {
            depth += 1;
            if depth == want {
                let gap = &bytes[seen..at];
                match memchr::memrchr(b'\n', gap) {
                    Some(nl) => {
                        let newlines = memchr::memchr_iter(b'\n', gap).count();
                        line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
                        column_chars = chars(&gap[nl + 1..]);
                    }
                    None => column_chars += chars(gap),
                }
                seen = at;
                let column = u32::try_from(column_chars + 1).unwrap_or(u32::MAX);
                found.opens.push((at, line, column));
            }
        } else {
            if depth == want {
                found.closes.push(at + 1);
            }
            depth -= 1;
            if depth < 0 {
                balanced = false;
                return false;
            }
        }
        true
    });
    balanced.then_some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The objects at `depth` as serde_json sees them: every object value nested exactly
    /// `depth` objects deep, found by walking the parsed document.
    fn reference(text: &str, depth: u32) -> Vec<String> {
        fn visit(v: &serde_json::Value, depth: u32, want: u32, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(map) => {
                    if depth + 1 == want {
                        out.push(v.to_string());
                        return;
                    }
                    for child in map.values() {
                        visit(child, depth + 1, want, out);
                    }
                }
                serde_json::Value::Array(items) => {
                    for child in items {
                        visit(child, depth, want, out);
                    }
                }
                _ => {}
            }
        }
        let doc: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut out = Vec::new();
        visit(&doc, 0, depth, &mut out);
        out
    }

    fn scanned(text: &str, depth: u32) -> Vec<String> {
        objects(text, depth)
            .unwrap()
            .iter()
            .map(|o| {
                serde_json::from_str::<serde_json::Value>(&text[o.start..o.end])
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    const TRICKY: &str = r#"{"count": 3, "a}": "{\"x\": {", "instance_compliant": [
  {"id": "i-1", "s": "\\", "n": {"k": "}}"}},
  {"id": "i-2\"}{", "list": [{"deep": {}}]},
  {"id": "é{", "t": "\\\"{"}
], "tail": {"x": 1}}"#;

    #[test]
    fn finds_the_objects_serde_finds_at_each_depth() {
        for depth in 1..=4 {
            assert_eq!(
                scanned(TRICKY, depth),
                reference(TRICKY, depth),
                "depth {depth}"
            );
        }
    }

    #[test]
    fn lines_and_columns_count_characters() {
        let found = objects(TRICKY, 2).unwrap();
        let at: Vec<(u32, u32)> = found.iter().map(|o| (o.line, o.column)).collect();
        assert_eq!(at, vec![(2, 3), (3, 3), (4, 3), (5, 12)]);
    }

    #[test]
    fn chunk_borders_anywhere_give_the_same_answer() {
        // A text far longer than a chunk, whose strings and escapes straddle every border.
        let record = r#"{"id": "x\\\"}{\\", "pad": "ééé\"{{", "n": {"m": [1, {"o": 2}]}}"#;
        let mut text = String::from("{\"instance_compliant\": [");
        let mut n = 0;
        while text.len() < 3 * CHUNK + 777 {
            if n > 0 {
                text.push_str(",\n ");
            }
            text.push_str(record);
            n += 1;
        }
        text.push_str("]}");
        let found = objects(&text, 2).unwrap();
        assert_eq!(found.len(), n);
        assert!(found.iter().all(|o| &text[o.start..o.end] == record));
        assert_eq!(found[1].line, 2);
        assert_eq!(found[1].column, 2);
    }

    #[test]
    fn tiny_chunks_split_every_escape_and_string() {
        let want = objects(TRICKY, 2).unwrap();
        for chunk in 1..40 {
            assert_eq!(
                objects_in_chunks(TRICKY, 2, chunk).unwrap(),
                want,
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn unbalanced_or_unterminated_text_has_no_answer() {
        assert_eq!(objects(r#"{"a": [{"b": 1}]"#, 2), None);
        assert_eq!(objects(r#"{"a": "open}"#, 1), None);
        assert_eq!(objects(r#"}{"#, 1), None);
        assert_eq!(objects("", 2), Some(Vec::new()));
    }
}
