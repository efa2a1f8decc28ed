//! The fast route through a report: its few top-level keys are read one by one, small
//! values are skipped with serde_json (which validates them), and each record array is
//! split with the objects the structural scan ([`super::scan`]) found, checking that only
//! commas and white space lie between them. No pass of a JSON parser over the whole
//! document comes before the records are parsed in parallel.
//!
//! The route takes only well-formed documents of the shapes tollgate reads. Anything else
//! (a syntax error, a duplicate key, an array that holds something other than objects)
//! makes it give up with `None`, and the report is read the careful way, which says what
//! is wrong exactly as it always has.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::ocsf_findings::Layout;
use super::scan::{self, Object};
use super::{offset_in, Element, EvidenceSheet, Page};
use crate::model::ReportKind;

/// The brace depth of records in a vendor response or an array of pages.
const RESPONSE_DEPTH: u32 = 2;
/// The brace depth of records in an evidence file: evidence, report, page, record.
const EVIDENCE_DEPTH: u32 = 4;
/// The brace depth of a scanner's events.
const EVENT_DEPTH: u32 = 1;

/// The pages of a vendor response (one page) or of an array of responses.
pub(super) fn pages(text: &str) -> Option<Vec<Page<'_>>> {
    let walker = Walker::new(text, RESPONSE_DEPTH)?;
    let at = walker.ws(0);
    let (pages, end) = match walker.byte(at)? {
        b'{' => {
            let (page, end) = walker.page(at, String::new())?;
            (vec![page], end)
        }
        b'[' => {
            let mut pages = Vec::new();
            let end = walker.array(at, |at| {
                let pointer = format!("/{}", pages.len());
                let (page, end) = walker.page(at, pointer)?;
                pages.push(page);
                Some(end)
            })?;
            (pages, end)
        }
        _ => return None,
    };
    walker.at_end(end).then_some(pages)
}

/// A scanner's events, as the objects at depth 1: the elements of the top-level array, or
/// objects with only white space between them (JSON Lines). A byte order mark may lead.
pub(super) fn events(text: &str, layout: Layout) -> Option<Vec<Element<'_>>> {
    let walker = Walker::new(text, EVENT_DEPTH)?;
    let at = walker.ws(text
        .strip_prefix('\u{feff}')
        .map_or(0, |_| '\u{feff}'.len_utf8()));
    let (events, end) = match layout {
        Layout::Array => walker.records(at)?,
        Layout::Lines => {
            let mut at = at;
            let mut events = Vec::with_capacity(walker.objects.len());
            for object in &walker.objects {
                if object.start != at {
                    return None;
                }
                events.push(walker.element(object));
                at = walker.ws(object.end);
            }
            (events, at)
        }
    };
    walker.at_end(end).then_some(events)
}

/// One report recorded in an evidence file, its pages split.
pub(super) struct Entry<'a> {
    pub kind: ReportKind,
    pub name: String,
    pub pages: Vec<Page<'a>>,
    pub sheet: Option<EvidenceSheet>,
}

/// An evidence file, its reports' pages split.
pub(super) struct Evidence<'a> {
    pub version: u32,
    pub fetched_at: String,
    pub reports: Vec<Entry<'a>>,
}

/// The reports of an evidence file.
pub(super) fn evidence(text: &str) -> Option<Evidence<'_>> {
    let walker = Walker::new(text, EVIDENCE_DEPTH)?;
    let at = walker.ws(0);
    let (mut version, mut fetched_at, mut reports) = (None, None, None);
    let end = walker.object(at, |key, at| match key {
        crate::model::EVIDENCE_MARKER => walker.value(at, &mut version),
        "fetched_at" => walker.value(at, &mut fetched_at),
        "reports" => {
            let mut entries = Vec::new();
            let end = walker.array(at, |at| {
                let (entry, end) = walker.entry(at, entries.len())?;
                entries.push(entry);
                Some(end)
            })?;
            reports = Some(entries);
            Some(end)
        }
        _ => walker.skip(at).map(|(_, end)| end),
    })?;
    walker.at_end(end).then_some(())?;
    Some(Evidence {
        version: version?,
        fetched_at: fetched_at?,
        reports: reports?,
    })
}

struct Walker<'a> {
    text: &'a str,
    /// The objects at the depth records are at.
    objects: Vec<Object>,
}

impl<'a> Walker<'a> {
    fn new(text: &'a str, depth: u32) -> Option<Self> {
        Some(Walker {
            text,
            objects: scan::objects(text, depth)?,
        })
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.text.as_bytes().get(at).copied()
    }

    /// The offset of the first byte at or after `at` that is not JSON white space.
    fn ws(&self, mut at: usize) -> usize {
        while matches!(self.byte(at), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            at += 1;
        }
        at
    }

    /// Is there nothing but white space from `at` on?
    fn at_end(&self, at: usize) -> bool {
        self.ws(at) == self.text.len()
    }

    /// The value at `at` as serde_json reads it, and the offset after it.
    fn skip(&self, at: usize) -> Option<(&'a RawValue, usize)> {
        let mut de = serde_json::Deserializer::from_str(self.text.get(at..)?);
        let raw = <&RawValue>::deserialize(&mut de).ok()?;
        let end = offset_in(self.text, raw.get()) + raw.get().len();
        Some((raw, end))
    }

    /// Read the value at `at` into `slot` (a second one is a duplicate key: give up).
    fn value<T: Deserialize<'a>>(&self, at: usize, slot: &mut Option<T>) -> Option<usize> {
        let (raw, end) = self.skip(at)?;
        if slot.is_some() {
            return None;
        }
        *slot = Some(serde_json::from_str(raw.get()).ok()?);
        Some(end)
    }

    /// Walk the object at `at`, calling `each(key, value_offset)` for every member; it
    /// returns the offset after the value. Returns the offset after the object.
    fn object(
        &self,
        at: usize,
        mut each: impl FnMut(&str, usize) -> Option<usize>,
    ) -> Option<usize> {
        if self.byte(at)? != b'{' {
            return None;
        }
        let mut at = self.ws(at + 1);
        if self.byte(at)? == b'}' {
            return Some(at + 1);
        }
        loop {
            let mut de = serde_json::Deserializer::from_str(self.text.get(at..)?);
            let key = std::borrow::Cow::<str>::deserialize(&mut de).ok()?;
            at = self.after_string(at)?;
            at = self.ws(at);
            if self.byte(at)? != b':' {
                return None;
            }
            at = self.ws(at + 1);
            at = self.ws(each(&key, at)?);
            match self.byte(at)? {
                b',' => at = self.ws(at + 1),
                b'}' => return Some(at + 1),
                _ => return None,
            }
        }
    }

    /// The offset after the JSON string that starts at `at`.
    fn after_string(&self, at: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut i = at + 1;
        loop {
            let k = memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
            if bytes[i + k] == b'\\' {
                i += k + 2;
            } else {
                return Some(i + k + 1);
            }
        }
    }

    /// Walk the array at `at`, calling `each(element_offset)` for every element; it returns
    /// the offset after the element. Returns the offset after the array.
    fn array(&self, at: usize, mut each: impl FnMut(usize) -> Option<usize>) -> Option<usize> {
        if self.byte(at)? != b'[' {
            return None;
        }
        let mut at = self.ws(at + 1);
        if self.byte(at)? == b']' {
            return Some(at + 1);
        }
        loop {
            at = self.ws(each(at)?);
            match self.byte(at)? {
                b',' => at = self.ws(at + 1),
                b']' => return Some(at + 1),
                _ => return None,
            }
        }
    }

    /// The records of the array at `at`: the scanned objects that are its elements.
    fn records(&self, at: usize) -> Option<(Vec<Element<'a>>, usize)> {
        let mut next = self.objects.partition_point(|o| o.start < at);
        let mut elements = Vec::new();
        let end = self.array(at, |at| {
            let object = self.objects.get(next).filter(|o| o.start == at)?;
            next += 1;
            elements.push(self.element(object));
            Some(object.end)
        })?;
        Some((elements, end))
    }

    /// A scanned object as a record.
    fn element(&self, object: &Object) -> Element<'a> {
        Element {
            text: &self.text[object.start..object.end],
            line: object.line,
            column: object.column,
        }
    }

    /// The page object at `at`: its record array split, every other member kept raw.
    fn page(&self, at: usize, pointer: String) -> Option<(Page<'a>, usize)> {
        let mut fields: BTreeMap<String, &'a RawValue> = BTreeMap::new();
        let mut split = None;
        let end = self.object(at, |key, at| {
            if fields.contains_key(key) || split.as_ref().is_some_and(|(k, _)| k == key) {
                return None;
            }
            let is_array_marker = ReportKind::ALL
                .into_iter()
                .any(|k| super::records_are_array(k) && super::marker(k) == Some(key));
            if is_array_marker && self.byte(at) == Some(b'[') {
                let (elements, end) = self.records(at)?;
                split = Some((key.to_string(), elements));
                return Some(end);
            }
            let (raw, end) = self.skip(at)?;
            fields.insert(key.to_string(), raw);
            Some(end)
        })?;
        let page = Page {
            pointer,
            offset: at,
            fields,
            split,
        };
        Some((page, end))
    }

    /// Report `index` of an evidence file.
    fn entry(&self, at: usize, index: usize) -> Option<(Entry<'a>, usize)> {
        let (mut kind, mut name, mut sheet, mut pages) = (None, None, None, None);
        let end = self.object(at, |key, at| match key {
            "kind" => self.value(at, &mut kind),
            "name" => self.value(at, &mut name),
            "sheet" => self.value::<Option<EvidenceSheet>>(at, &mut sheet),
            "pages" => {
                let mut list = Vec::new();
                let end = self.array(at, |at| {
                    let pointer = format!("/reports/{index}/pages/{}", list.len());
                    let (page, end) = self.page(at, pointer)?;
                    list.push(page);
                    Some(end)
                })?;
                if pages.replace(list).is_some() {
                    return None;
                }
                Some(end)
            }
            _ => self.skip(at).map(|(_, end)| end),
        })?;
        let entry = Entry {
            kind: kind?,
            name: name?,
            pages: pages?,
            sheet: sheet.flatten(),
        };
        Some((entry, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_response_and_keeps_the_rest_raw() {
        let text = r#" {"count": 2, "instance_compliant": [ {"a": 1} ,
 {"b": {"c": [{}]}} ], "next": {"x": [1]}} "#;
        let pages = pages(text).unwrap();
        assert_eq!(pages.len(), 1);
        let (key, records) = pages[0].split.as_ref().unwrap();
        assert_eq!(key, "instance_compliant");
        let texts: Vec<&str> = records.iter().map(|e| e.text).collect();
        assert_eq!(texts, vec![r#"{"a": 1}"#, r#"{"b": {"c": [{}]}}"#]);
        assert_eq!((records[1].line, records[1].column), (2, 2));
        assert_eq!(pages[0].fields["count"].get(), "2");
        assert_eq!(pages[0].fields["next"].get(), r#"{"x": [1]}"#);
    }

    #[test]
    fn reads_arrays_of_pages_and_evidence() {
        let text = r#"[{"InstancePatchStates": [{"i": 1}]}, {"InstancePatchStates": []}]"#;
        let pages = pages(text).unwrap();
        assert_eq!(pages[1].pointer, "/1");
        assert_eq!(pages[0].split.as_ref().unwrap().1.len(), 1);
        assert!(pages[1].split.as_ref().unwrap().1.is_empty());

        let text = r#"{"tollgate_evidence": 1, "fetched_at": "2026-11-23T10:00:00Z", "source": {"n": {}},
 "reports": [{"kind": "huawei.coc.patch_compliance", "name": "source:a",
   "pages": [{"count": 1, "instance_compliant": [{"instance_id": "i-1"}]}]}]}"#;
        let evidence = evidence(text).unwrap();
        assert_eq!((evidence.version, evidence.reports.len()), (1, 1));
        let entry = &evidence.reports[0];
        assert_eq!(entry.kind, ReportKind::CocPatch);
        assert_eq!(entry.pages[0].pointer, "/reports/0/pages/0");
        let (_, records) = entry.pages[0].split.as_ref().unwrap();
        assert_eq!(records[0].text, r#"{"instance_id": "i-1"}"#);
    }

    #[test]
    fn gives_up_on_anything_unusual() {
        for text in [
            r#"{"instance_compliant": [{"a": 1} {"b": 2}]}"#,
            r#"{"instance_compliant": [{"a": 1}, 2]}"#,
            r#"{"instance_compliant": [[{"a": 1}]]}"#,
            r#"{"count": 1, "count": 2, "instance_compliant": []}"#,
            r#"{"instance_compliant": [{"a": 1}]} x"#,
            r#"{"count": 01, "instance_compliant": []}"#,
            "\u{feff}{\"instance_compliant\": []}",
            r#"{"instance_compliant": [{"a": 1}],}"#,
        ] {
            assert!(pages(text).is_none(), "{text}");
        }
        // A record that is not JSON is handed on as it is: its own parse fails later.
        let pages = pages(r#"{"instance_compliant": [{"a": tru}]}"#).unwrap();
        assert_eq!(pages[0].split.as_ref().unwrap().1[0].text, r#"{"a": tru}"#);
    }
}
