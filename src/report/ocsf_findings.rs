//! OCSF finding events, as a scanner writes them: Prowler's `json-ocsf` output (a JSON
//! array of Detection Findings, class 2004), tollgate's own `-o ocsf` (Compliance
//! Findings, class 2003), or either as JSON Lines. One `scan_finding` per event; `id` is
//! the finding's `finding_info.uid`.
//!
//! The document is recognised by its first event (an object with `class_uid`), and split
//! into events by the structural scan as vendor responses are: the events are the objects
//! at brace depth 1, with only commas (an array) or white space (JSON Lines) between them.
//! When that does not hold, the careful route reads the document with serde_json and says
//! where it stops being JSON.
//!
//! Fail closed: an event of another class, without a uid, with a severity, status or
//! compliance status id OCSF does not define, or whose `status_code` and compliance status
//! disagree is an error naming the event; so are two events with one uid (the report
//! stage checks that for every kind).

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::{Element, JsonStr, RecordCx, LEADING};
use crate::error::Error;
use crate::model::resource::{
    Common, Detail, FindingStatus, Resource, ScanFinding, ScanSeverity, Status, Str,
};
use crate::model::Input;

/// The classes read: Detection Finding (Prowler) and Compliance Finding (tollgate's own).
const CLASSES: [(i64, &str); 2] = [(2004, "Detection Finding"), (2003, "Compliance Finding")];

/// How the events are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    /// `[ {event}, {event} ]`.
    Array,
    /// `{event}` on each line (JSON Lines); a single event object is one line.
    Lines,
}

/// The layout of an OCSF findings document, judged by its first event: `None` when the
/// document does not start with an object that has a `class_uid`.
pub(super) fn sniff(text: &str) -> Option<Layout> {
    let start = text.len() - text.trim_start_matches(LEADING).len();
    let (layout, first) = match text.as_bytes().get(start)? {
        b'[' => {
            let rest = &text[start + 1..];
            (
                Layout::Array,
                &rest[rest.len() - rest.trim_start_matches(LEADING).len()..],
            )
        }
        b'{' => (Layout::Lines, &text[start..]),
        _ => return None,
    };
    // A struct reads from an array too: the event must be an object.
    if !first.starts_with('{') {
        return None;
    }
    let mut de = serde_json::Deserializer::from_str(first);
    let probe = Probe::deserialize(&mut de).ok()?;
    probe.class_uid.is_some().then_some(layout)
}

#[derive(Deserialize)]
struct Probe {
    class_uid: Option<IgnoredAny>,
}

/// The layout a document forced to this kind has: by its first character.
pub(super) fn layout_of(text: &str) -> Option<Layout> {
    match text.trim_start_matches(LEADING).as_bytes().first()? {
        b'[' => Some(Layout::Array),
        b'{' => Some(Layout::Lines),
        _ => None,
    }
}

/// The events, read with serde_json: the first place the document is not what `layout`
/// says is an error there. Events are not located yet (line 0).
pub(super) fn split_careful(input: &Input, layout: Layout) -> Result<Vec<Element<'_>>, Error> {
    let text: &str = &input.text;
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let base = text.len() - body.len();
    let values: Vec<&RawValue> = match layout {
        Layout::Array => {
            serde_json::from_str(body).map_err(|e| super::syntax_error(input, base, body, &e))?
        }
        Layout::Lines => {
            let mut values = Vec::new();
            for value in serde_json::Deserializer::from_str(body).into_iter::<&RawValue>() {
                values.push(value.map_err(|e| super::syntax_error(input, base, body, &e))?);
            }
            values
        }
    };
    values
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            let at = super::offset_in(text, raw.get());
            if raw.get().starts_with('{') {
                Ok(Element {
                    text: raw.get(),
                    line: 0,
                    column: 0,
                })
            } else {
                Err(super::field_error(
                    input,
                    at,
                    format!(
                        "event #{} (line {}) is not a JSON object",
                        i + 1,
                        super::locate(text, std::iter::once(at))[0].0
                    ),
                    Some(
                        "an OCSF findings file holds one event object per array element or line"
                            .into(),
                    ),
                ))
            }
        })
        .collect()
}

#[derive(Deserialize)]
struct Event<'a> {
    class_uid: Option<i64>,
    #[serde(borrow)]
    finding_info: Option<Info<'a>>,
    severity_id: Option<i64>,
    status_id: Option<i64>,
    #[serde(borrow)]
    status_code: Option<JsonStr<'a>>,
    time: Option<i64>,
    #[serde(borrow)]
    time_dt: Option<JsonStr<'a>>,
    #[serde(borrow)]
    metadata: Option<Metadata<'a>>,
    #[serde(borrow)]
    cloud: Option<Cloud<'a>>,
    #[serde(borrow)]
    resources: Option<First<ResourceDetails<'a>>>,
    #[serde(borrow)]
    compliance: Option<Compliance<'a>>,
    #[serde(borrow)]
    remediation: Option<Remediation<'a>>,
    #[serde(borrow)]
    unmapped: Option<Unmapped<'a>>,
}

#[derive(Deserialize)]
struct Info<'a> {
    #[serde(borrow)]
    uid: Option<JsonStr<'a>>,
    #[serde(borrow)]
    title: Option<JsonStr<'a>>,
}

#[derive(Deserialize)]
struct Metadata<'a> {
    #[serde(borrow)]
    event_code: Option<JsonStr<'a>>,
    #[serde(borrow)]
    product: Option<Named<'a>>,
}

/// An object read for its `name` alone (a product, a resource group).
#[derive(Deserialize)]
struct Named<'a> {
    #[serde(borrow)]
    name: Option<JsonStr<'a>>,
}

#[derive(Deserialize)]
struct Cloud<'a> {
    #[serde(borrow)]
    provider: Option<JsonStr<'a>>,
    #[serde(borrow)]
    region: Option<JsonStr<'a>>,
    #[serde(borrow)]
    account: Option<Account<'a>>,
}

#[derive(Deserialize)]
struct Account<'a> {
    #[serde(borrow)]
    uid: Option<JsonStr<'a>>,
}

#[derive(Deserialize)]
struct ResourceDetails<'a> {
    #[serde(borrow)]
    uid: Option<JsonStr<'a>>,
    #[serde(borrow)]
    name: Option<JsonStr<'a>>,
    #[serde(borrow, rename = "type")]
    kind: Option<JsonStr<'a>>,
    #[serde(borrow)]
    region: Option<JsonStr<'a>>,
    #[serde(borrow)]
    group: Option<Named<'a>>,
}

#[derive(Deserialize)]
struct Compliance<'a> {
    #[serde(borrow)]
    standards: Option<Vec<JsonStr<'a>>>,
    #[serde(borrow)]
    requirements: Option<Vec<JsonStr<'a>>>,
    status_id: Option<i64>,
}

#[derive(Deserialize)]
struct Remediation<'a> {
    #[serde(borrow)]
    desc: Option<JsonStr<'a>>,
}

#[derive(Deserialize)]
struct Unmapped<'a> {
    #[serde(borrow)]
    compliance: Option<Frameworks<'a>>,
}

/// The first element of an array (OCSF lists the resources of a finding; tollgate reads
/// the first), the others skipped without being kept.
struct First<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for First<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Visit<T> {
            type Value = First<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of objects")
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
                let first = seq.next_element::<T>()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(First(first))
            }
        }
        d.deserialize_seq(Visit(std::marker::PhantomData))
    }
}

/// Prowler's `unmapped.compliance`: framework to its requirement ids, as
/// (framework, requirement) pairs in the file's order.
struct Frameworks<'a>(Vec<(JsonStr<'a>, Option<JsonStr<'a>>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Frameworks<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Visit<'a> {
            type Value = Frameworks<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of framework to a list of requirement ids")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut pairs = Vec::new();
                while let Some(framework) = map.next_key::<JsonStr<'a>>()? {
                    map.next_value_seed(Requirements {
                        framework,
                        pairs: &mut pairs,
                    })?;
                }
                Ok(Frameworks(pairs))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// One framework's list of requirement ids, pushed as pairs as it is read.
struct Requirements<'p, 'a> {
    framework: JsonStr<'a>,
    pairs: &'p mut Vec<(JsonStr<'a>, Option<JsonStr<'a>>)>,
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for Requirements<'_, 'a> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for Requirements<'_, 'a> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of requirement ids")
    }
    /// One id alone, not in a list (as Prowler's own unit test writes it).
    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<(), E> {
        let requirement = JsonStr(std::borrow::Cow::Borrowed(v));
        self.pairs.push((self.framework, Some(requirement)));
        Ok(())
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        let requirement = JsonStr(std::borrow::Cow::Owned(v.to_string()));
        self.pairs.push((self.framework, Some(requirement)));
        Ok(())
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        let before = self.pairs.len();
        while let Some(requirement) = seq.next_element::<JsonStr<'a>>()? {
            let framework = JsonStr(self.framework.0.clone());
            self.pairs.push((framework, Some(requirement)));
        }
        if self.pairs.len() == before {
            self.pairs.push((self.framework, None));
        }
        Ok(())
    }
}

/// One event to a `scan_finding`.
pub(super) fn record(raw: &str, cx: &RecordCx) -> Result<Resource, Error> {
    let event: Event = cx.parse(raw)?;
    match event.class_uid {
        Some(class) if CLASSES.iter().any(|(c, _)| *c == class) => {}
        Some(class) => {
            return Err(cx.doubtful(
                raw,
                &["class_uid"],
                format!(
                    "class_uid is {class}, not a finding tollgate reads: {}",
                    classes()
                ),
            ))
        }
        None => {
            return Err(cx.doubtful(
                raw,
                &[],
                format!("it has no class_uid; tollgate reads {}", classes()),
            ))
        }
    }
    let info = event.finding_info.as_ref();
    let id = match info.and_then(|i| i.uid.as_deref()) {
        Some(uid) if !uid.trim().is_empty() => uid,
        _ => {
            return Err(cx.doubtful(
                raw,
                &["finding_info"],
                "it has no finding_info.uid, which identifies the finding".into(),
            ))
        }
    };
    let severity = match event.severity_id {
        Some(n) => ScanSeverity::from_id(n).ok_or_else(|| {
            cx.doubtful(
                raw,
                &["severity_id"],
                format!("severity_id of {id} is {n}, which OCSF does not define (0-6, 99)"),
            )
        })?,
        None => {
            return Err(cx.doubtful(
                raw,
                &[],
                format!("{id} has no severity_id, which OCSF requires"),
            ))
        }
    };
    let finding_status = match event.status_id {
        None => None,
        Some(n) => Some(FindingStatus::from_id(n).ok_or_else(|| {
            cx.doubtful(
                raw,
                &["status_id"],
                format!(
                    "status_id of {id} is {n}, which OCSF does not define for a finding (0-5, 99)"
                ),
            )
        })?),
    };
    let compliance_status = match event.compliance.as_ref().and_then(|c| c.status_id) {
        None => None,
        Some(n) => Some(compliance_status(n).ok_or_else(|| {
            cx.doubtful(
                raw,
                &["compliance", "status_id"],
                format!(
                    "compliance.status_id of {id} is {n}, which OCSF does not define (0-3, 99)"
                ),
            )
        })?),
    };
    let code = event.status_code.as_deref();
    let status = match (code.and_then(code_status), compliance_status) {
        (None, None) => {
            // Nothing says whether the check passed: it may have failed.
            let (at, why): (&[&str], String) = match code {
                Some(c) => (
                    &["status_code"],
                    format!("{id} has status_code {c:?}, not PASS, FAIL or MANUAL, and no compliance status"),
                ),
                None => (&[], format!("{id} has neither a status_code nor a compliance status")),
            };
            return Err(cx.doubtful(
                raw,
                at,
                format!("{why}: whether the check passed is not said"),
            ));
        }
        (Some(a), Some(b)) if a != b && a != Status::Unknown && b != Status::Unknown => {
            return Err(cx.doubtful(
                raw,
                &["status_code"],
                format!(
                    "{id} has status_code {:?} but its compliance status says {}",
                    code.unwrap_or_default(),
                    b.as_str()
                ),
            ))
        }
        (Some(Status::Unknown) | None, Some(b)) => b,
        (Some(a), _) => a,
    };
    let reported_at = reported_at(raw, cx, id, &event)?;

    let mut b = cx.builder(raw);
    let resource = event.resources.as_ref().and_then(|r| r.0.as_ref());
    let text = |b: &mut super::Builder<'_>, s: Option<&JsonStr>| b.str(s.map(|s| &**s));
    let cloud = event.cloud.as_ref();
    // Prowler's names for the clouds tollgate's vendor reports call huawei and alibaba; the
    // name is a span of the record all the same (the name without its "cloud").
    let provider = cloud.and_then(|c| c.provider.as_deref()).map(|p| match p {
        "huaweicloud" | "alibabacloud" => &p[..p.len() - "cloud".len()],
        other => other,
    });
    let mut controls: Vec<(Str, Str)> = Vec::new();
    if let Some(Frameworks(pairs)) = event.unmapped.as_ref().and_then(|u| u.compliance.as_ref()) {
        for (framework, requirement) in pairs {
            controls.push((b.str(Some(framework)), text(&mut b, requirement.as_ref())));
        }
    }
    if let Some(c) = &event.compliance {
        for (framework, requirement) in standard_pairs(c) {
            let pair = (b.str(Some(framework)), b.str(requirement));
            controls.push(pair);
        }
    }
    let detail = ScanFinding {
        check_id: text(
            &mut b,
            event.metadata.as_ref().and_then(|m| m.event_code.as_ref()),
        ),
        title: text(&mut b, info.and_then(|i| i.title.as_ref())),
        severity,
        provider: b.str(provider),
        account: text(
            &mut b,
            cloud
                .and_then(|c| c.account.as_ref())
                .and_then(|a| a.uid.as_ref()),
        ),
        resource_type: text(&mut b, resource.and_then(|r| r.kind.as_ref())),
        resource_uid: text(&mut b, resource.and_then(|r| r.uid.as_ref())),
        controls,
        remediation: text(
            &mut b,
            event.remediation.as_ref().and_then(|r| r.desc.as_ref()),
        ),
        product: text(
            &mut b,
            event
                .metadata
                .as_ref()
                .and_then(|m| m.product.as_ref())
                .and_then(|p| p.name.as_ref()),
        ),
        finding_status,
    };
    let region = resource
        .and_then(|r| r.region.as_ref())
        .or_else(|| cloud.and_then(|c| c.region.as_ref()));
    let group = resource
        .and_then(|r| r.group.as_ref())
        .and_then(|g| g.name.as_ref());
    let common = Common {
        name: text(&mut b, resource.and_then(|r| r.name.as_ref())),
        region: text(&mut b, region),
        group: text(&mut b, group),
        status,
        reported_at,
        ..Common::new(b.str(Some(id)))
    };
    Ok(cx.finish(b, common, Detail::ScanFinding(detail)))
}

fn classes() -> String {
    let named: Vec<String> = CLASSES
        .iter()
        .map(|(c, name)| format!("{c} ({name})"))
        .collect();
    format!("class {}", named.join(" or "))
}

/// A compliance `status_id` as a status: Pass and Fail say; Warning (no result), Unknown
/// and Other do not.
fn compliance_status(id: i64) -> Option<Status> {
    Some(match id {
        1 => Status::Compliant,
        3 => Status::NonCompliant,
        0 | 2 | 99 => Status::Unknown,
        _ => return None,
    })
}

/// A `status_code` as a status: Prowler's PASS, FAIL and MANUAL; `None` for another code.
fn code_status(code: &str) -> Option<Status> {
    if code.eq_ignore_ascii_case("PASS") {
        Some(Status::Compliant)
    } else if code.eq_ignore_ascii_case("FAIL") {
        Some(Status::NonCompliant)
    } else if code.eq_ignore_ascii_case("MANUAL") {
        Some(Status::Unknown)
    } else {
        None
    }
}

/// A compliance object's (standard, requirement) pairs. A requirement written
/// `STANDARD:ID` for one of the standards (as tollgate writes them) belongs to that
/// standard; any other belongs to every standard listed, as OCSF does not pair them.
fn standard_pairs<'c>(c: &'c Compliance<'_>) -> Vec<(&'c str, Option<&'c str>)> {
    let standards: Vec<&str> = c.standards.iter().flatten().map(|s| &**s).collect();
    let requirements: Vec<&str> = c.requirements.iter().flatten().map(|s| &**s).collect();
    let mut pairs = Vec::new();
    for requirement in &requirements {
        let owner = standards.iter().find_map(|s| {
            requirement
                .strip_prefix(s)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(|rest| (*s, rest))
        });
        match owner {
            Some((standard, id)) => pairs.push((standard, Some(id))),
            None => pairs.extend(standards.iter().map(|s| (*s, Some(*requirement)))),
        }
    }
    for standard in &standards {
        if !pairs.iter().any(|(s, _)| s == standard) {
            pairs.push((standard, None));
        }
    }
    pairs
}

/// When the event happened: `time_dt` (RFC 3339, or without an offset as Prowler writes
/// it, read as UTC), else `time` (Unix milliseconds as OCSF specifies; a value below
/// 10^11 is read as seconds, as Prowler writes it).
fn reported_at(raw: &str, cx: &RecordCx, id: &str, event: &Event) -> Result<Option<i64>, Error> {
    if let Some(text) = event.time_dt.as_deref() {
        let parsed = chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.timestamp_millis())
            .or_else(|_| {
                chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                    .map(|t| t.and_utc().timestamp_millis())
            });
        return match parsed {
            Ok(ms) => Ok(Some(ms)),
            Err(e) => Err(cx.doubtful(
                raw,
                &["time_dt"],
                format!("time_dt of {id} is {text:?}, not a time: {e}"),
            )),
        };
    }
    match event.time {
        None => Ok(None),
        Some(n) if n < 0 => Err(cx.doubtful(
            raw,
            &["time"],
            format!("time of {id} is {n}, which is not a time"),
        )),
        Some(n) if n < SECONDS_BELOW => Ok(Some(n.saturating_mul(1000))),
        Some(n) => Ok(Some(n)),
    }
}

/// A `time` below this is in seconds: 10^11 milliseconds is March 1973, 10^11 seconds the
/// year 5138.
const SECONDS_BELOW: i64 = 100_000_000_000;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::error::Error;
    use crate::model::resource::{Detail, Status};
    use crate::model::ReportKind;
    use crate::report::tests::input;
    use crate::report::{load, load_all_careful, LoadOptions};

    const PROWLER: &str = include_str!("../../examples/reports/prowler-huaweicloud-prod.ocsf.json");

    /// A Detection Finding as Prowler writes one, with `fields` merged in (`null` removes).
    fn event(uid: &str, fields: serde_json::Value) -> serde_json::Value {
        let mut e = json!({
            "class_uid": 2004,
            "finding_info": { "uid": uid, "title": "OBS buckets are not publicly accessible" },
            "severity_id": 5,
            "status_id": 1,
            "status_code": "FAIL",
            "time": 1_795_000_000,
            "metadata": { "event_code": "obs_bucket_public_access", "product": { "name": "Prowler" }, "version": "1.5.0" },
            "cloud": { "provider": "huaweicloud", "region": "cn-east-3", "account": { "uid": "acct-1" } },
            "resources": [{ "uid": "huaweicloud:obs:b1", "name": "b1", "type": "NotDefined", "region": "cn-north-4", "group": { "name": "obs" } }],
            "remediation": { "desc": "Remove public access." },
            "unmapped": { "compliance": { "CIS-1.0": ["2.1"], "ISO27001-2013": ["A.9.4", "A.13.1"] } },
        });
        for (k, v) in fields.as_object().unwrap() {
            if v.is_null() {
                e.as_object_mut().unwrap().remove(k);
            } else {
                e[k] = v.clone();
            }
        }
        e
    }

    fn array(events: &[serde_json::Value]) -> String {
        serde_json::to_string_pretty(&json!(events)).unwrap()
    }

    fn lines(events: &[serde_json::Value]) -> String {
        events.iter().map(|e| format!("{e}\n")).collect()
    }

    fn err(text: &str) -> String {
        let e = load(&input(text), LoadOptions::default()).unwrap_err();
        let code = miette::Diagnostic::code(&e)
            .map(|c| c.to_string())
            .unwrap_or_default();
        format!("{code}: {e:?}")
    }

    #[test]
    fn prowlers_output_is_detected_and_read() {
        let report = load(&input(PROWLER), LoadOptions::default()).unwrap();
        assert_eq!(report.kind, ReportKind::OcsfFindings);
        assert_eq!(report.resources.len(), 18);
        let r = report
            .resources
            .iter()
            .find(|r| r.name() == Some("acme-prod-exports"))
            .unwrap();
        assert_eq!(
            r.id(),
            "prowler-huaweicloud-obs_bucket_public_access-0d2f9a3c71b84e5fa6c1e0b7d4f38a92-cn-north-4-acme-prod-exports"
        );
        assert_eq!(r.status, Status::NonCompliant);
        assert_eq!(r.provider(), Some("huawei"), "huaweicloud reads as huawei");
        assert_eq!(r.region(), Some("cn-north-4"));
        assert_eq!(r.group(), Some("obs"));
        // 2026-11-22T21:15:xx, naive in the file, read as UTC.
        let at = r.reported_at().unwrap();
        assert!((1_795_382_100_000..1_795_382_200_000).contains(&at), "{at}");
        let field = |n: &str| serde_json::to_value(r.field(n).unwrap()).unwrap();
        assert_eq!(field("check_id"), "obs_bucket_public_access");
        assert_eq!(field("severity"), "critical");
        assert_eq!(field("account"), "0d2f9a3c71b84e5fa6c1e0b7d4f38a92");
        assert_eq!(field("controls"), json!({ "CIS-1.0": ["2.1"] }));
        assert_eq!(field("product"), "Prowler");
        assert_eq!(field("finding_status"), "new");
        assert_eq!(field("resource_type"), "NotDefined");
        assert!(field("resource_uid")
            .as_str()
            .unwrap()
            .starts_with("huaweicloud:obs:"));
        assert!(field("remediation")
            .as_str()
            .unwrap()
            .contains("public access"));
        // Resources point at their events.
        assert_eq!(r.origin.pointer(), "/4");
        assert!(r.raw().starts_with('{') && r.raw().contains("acme-prod-exports"));
        let statuses: Vec<Status> = report.resources.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == Status::NonCompliant)
                .count(),
            8
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == Status::Unknown).count(),
            1,
            "MANUAL"
        );
    }

    #[test]
    fn snapshot_of_one_event() {
        let text = array(&[event("f-1", json!({}))]);
        let report = load(&input(&text), LoadOptions::default()).unwrap();
        insta::assert_json_snapshot!(report.resources);
    }

    #[test]
    fn json_lines_read_as_the_array_does() {
        let events = [
            event("f-1", json!({})),
            event("f-2", json!({ "status_code": "PASS" })),
        ];
        let a = load(&input(&array(&events)), LoadOptions::default()).unwrap();
        let l = load(&input(&lines(&events)), LoadOptions::default()).unwrap();
        assert_eq!(l.kind, ReportKind::OcsfFindings);
        let ids = |r: &crate::model::Report| -> Vec<(String, Status)> {
            r.resources
                .iter()
                .map(|r| (r.id().to_string(), r.status))
                .collect()
        };
        assert_eq!(ids(&a), ids(&l));
        assert_eq!(
            (l.resources[1].origin.line, l.resources[1].origin.column),
            (2, 1)
        );
        // One event object alone is one line.
        let one = load(&input(&events[0].to_string()), LoadOptions::default()).unwrap();
        assert_eq!(one.resources.len(), 1);
        // A byte order mark is allowed before either layout.
        for text in [array(&events), lines(&events)] {
            let text = format!("\u{feff}{text}");
            assert_eq!(
                load(&input(&text), LoadOptions::default())
                    .unwrap()
                    .resources
                    .len(),
                2
            );
        }
    }

    #[test]
    fn the_fast_and_careful_routes_agree() {
        for text in [
            PROWLER.to_string(),
            lines(&[event("a", json!({})), event("b", json!({}))]),
        ] {
            let fast = load(&input(&text), LoadOptions::default()).unwrap();
            let careful = load_all_careful(&input(&text), LoadOptions::default()).unwrap();
            assert_eq!(
                serde_json::to_string(&fast.resources).unwrap(),
                serde_json::to_string(&careful[0].resources).unwrap()
            );
        }
        assert!(
            crate::report::walk::events(PROWLER, super::Layout::Array).is_some(),
            "the fast route takes Prowler's files"
        );
    }

    #[test]
    fn status_follows_the_status_code_then_the_compliance_status() {
        let status = |fields: serde_json::Value| {
            let text = array(&[event("f", fields)]);
            load(&input(&text), LoadOptions::default())
                .unwrap()
                .resources[0]
                .status
        };
        assert_eq!(status(json!({ "status_code": "PASS" })), Status::Compliant);
        assert_eq!(
            status(json!({ "status_code": "fail" })),
            Status::NonCompliant
        );
        assert_eq!(status(json!({ "status_code": "MANUAL" })), Status::Unknown);
        let compliance =
            |id: i64| json!({ "status_code": null, "compliance": { "status_id": id } });
        assert_eq!(status(compliance(1)), Status::Compliant);
        assert_eq!(status(compliance(3)), Status::NonCompliant);
        assert_eq!(status(compliance(2)), Status::Unknown, "Warning: no result");
        // Another code defers to the compliance status (and alone is an error).
        assert_eq!(
            status(json!({ "status_code": "ERROR", "compliance": { "status_id": 3 } })),
            Status::NonCompliant
        );
        // MANUAL defers to a compliance status that says.
        assert_eq!(
            status(json!({ "status_code": "MANUAL", "compliance": { "status_id": 3 } })),
            Status::NonCompliant
        );
    }

    #[test]
    fn compliance_objects_pair_standards_and_requirements() {
        let controls = |compliance: serde_json::Value| {
            let text = array(&[event(
                "f",
                json!({ "unmapped": null, "compliance": compliance }),
            )]);
            let report = load(&input(&text), LoadOptions::default()).unwrap();
            serde_json::to_value(report.resources[0].field("controls").unwrap()).unwrap()
        };
        // As Prowler's Compliance Findings: one standard, its requirement.
        assert_eq!(
            controls(json!({ "standards": ["CIS-2.0"], "requirements": ["1.1"] })),
            json!({ "CIS-2.0": ["1.1"] })
        );
        // As tollgate writes them: FRAMEWORK:CONTROL.
        assert_eq!(
            controls(json!({ "standards": ["PCI-DSS-4.0", "NIST-800-53-r5"],
                             "requirements": ["PCI-DSS-4.0:6.3.3", "NIST-800-53-r5:SI-2", "NIST-800-53-r5:CM-6"] })),
            json!({ "PCI-DSS-4.0": ["6.3.3"], "NIST-800-53-r5": ["SI-2", "CM-6"] })
        );
        // Unpaired requirements belong to every standard; a standard alone is listed empty.
        assert_eq!(
            controls(json!({ "standards": ["A", "B"], "requirements": ["r1"] })),
            json!({ "A": ["r1"], "B": ["r1"] })
        );
        assert_eq!(controls(json!({ "standards": ["A"] })), json!({ "A": [] }));
        assert_eq!(controls(json!({})), json!({}));
    }

    #[test]
    fn times_follow_ocsf_and_prowler() {
        let at = |fields: serde_json::Value| {
            let text = array(&[event("f", fields)]);
            load(&input(&text), LoadOptions::default())
                .unwrap()
                .resources[0]
                .reported_at()
        };
        assert_eq!(
            at(json!({ "time": 1_795_000_000_123i64 })),
            Some(1_795_000_000_123),
            "OCSF: ms"
        );
        assert_eq!(
            at(json!({ "time": 1_795_000_000 })),
            Some(1_795_000_000_000),
            "Prowler: s"
        );
        assert_eq!(
            at(json!({ "time_dt": "2026-11-22T10:00:00.5Z" })),
            Some(1_795_341_600_500)
        );
        assert_eq!(
            at(json!({ "time_dt": "2026-11-22T10:00:00.5" })),
            Some(1_795_341_600_500)
        );
        assert_eq!(at(json!({ "time": null })), None);
        assert!(err(&array(&[event("f", json!({ "time_dt": "soon" }))]))
            .contains("not a time: input contains invalid characters"));
        assert!(err(&array(&[event("f", json!({ "time": -5 }))])).contains("not a time"));
    }

    #[test]
    fn providers_keep_their_names_but_huawei_and_alibaba() {
        let provider = |p: serde_json::Value| {
            let text = array(&[event("f", json!({ "cloud": { "provider": p } }))]);
            load(&input(&text), LoadOptions::default())
                .unwrap()
                .resources[0]
                .provider()
                .map(str::to_string)
        };
        assert_eq!(provider(json!("alibabacloud")).as_deref(), Some("alibaba"));
        assert_eq!(provider(json!("aws")).as_deref(), Some("aws"));
        let text = array(&[event("f", json!({ "cloud": null }))]);
        let r = &load(&input(&text), LoadOptions::default())
            .unwrap()
            .resources[0];
        assert_eq!(r.provider(), None);
        assert_eq!(r.region(), Some("cn-north-4"), "the resource's region");
        let text = array(&[event("f", json!({ "resources": null }))]);
        let r = &load(&input(&text), LoadOptions::default())
            .unwrap()
            .resources[0];
        assert_eq!(
            r.region(),
            Some("cn-east-3"),
            "the cloud's region when the resource has none"
        );
        assert_eq!(r.name(), None);
    }

    #[test]
    fn fails_closed_naming_the_event() {
        let second =
            |fields: serde_json::Value| array(&[event("ok", json!({})), event("bad", fields)]);
        let cases = [
            (second(json!({ "class_uid": 3002 })), "event #2 (line 52): class_uid is 3002, not a finding tollgate reads: class 2004 (Detection Finding) or 2003 (Compliance Finding)"),
            (second(json!({ "class_uid": null })), "event #2 (line 52): it has no class_uid"),
            (second(json!({ "finding_info": { "title": "t" } })), "event #2 (line 52): it has no finding_info.uid"),
            (second(json!({ "finding_info": { "uid": " " } })), "it has no finding_info.uid"),
            (second(json!({ "severity_id": 7 })), "severity_id of bad is 7, which OCSF does not define"),
            (second(json!({ "severity_id": null })), "bad has no severity_id, which OCSF requires"),
            (second(json!({ "status_id": 6 })), "status_id of bad is 6, which OCSF does not define for a finding"),
            (second(json!({ "compliance": { "status_id": 4 } })), "compliance.status_id of bad is 4"),
            (second(json!({ "status_code": "PASS", "compliance": { "status_id": 3 } })), "but its compliance status says non_compliant"),
            (second(json!({ "severity_id": "high" })), "at `severity_id` in event #2 (line 52)"),
            (second(json!({ "unmapped": { "compliance": { "CIS-1.0": 2 } } })), "at `CIS-1.0` in event #2"),
            // Nothing says whether the check passed: it may have failed.
            (second(json!({ "status_code": "FAILED" })), "not PASS, FAIL or MANUAL, and no compliance status: whether the check passed is not said"),
            (second(json!({ "status_code": null })), "bad has neither a status_code nor a compliance status"),
        ];
        for (text, want) in cases {
            let got = err(&text);
            assert!(got.starts_with("tollgate::report::"), "{got}");
            assert!(got.contains(want), "want {want:?} in {got}");
        }
        // Two events with one uid: both are pointed at.
        let text = array(&[event("same", json!({})), event("same", json!({}))]);
        assert!(
            err(&text).starts_with("tollgate::report::duplicate"),
            "{}",
            err(&text)
        );
        // An array element that is no object, and a line that is not JSON.
        let text = format!("[{}, 3]", event("a", json!({})));
        assert!(
            err(&text).contains("event #2 (line 1) is not a JSON object"),
            "{}",
            err(&text)
        );
        let text = format!("{}\n{{\"class_uid\": 2004,\n", event("a", json!({})));
        let got = err(&text);
        assert!(got.starts_with("tollgate::report::syntax"), "{got}");
    }

    /// The event Prowler's own unit test expects of its json-ocsf output
    /// (tests/fixtures/prowler/README.md), whose compliance holds one id alone, not a list.
    #[test]
    fn prowlers_reference_event_is_read() {
        let text = include_str!("../../tests/fixtures/prowler/detection-finding-5.40.0.json");
        let report = load(&input(text), LoadOptions::default()).unwrap();
        let r = &report.resources[0];
        assert_eq!(r.id(), "test-unique-finding");
        assert_eq!(r.status, Status::NonCompliant);
        assert_eq!(r.provider(), Some("aws"));
        assert_eq!(
            (r.name(), r.region(), r.group()),
            (Some("resource_name"), Some("eu-west-1"), Some("service"))
        );
        let field = |n: &str| serde_json::to_value(r.field(n).unwrap()).unwrap();
        assert_eq!(
            field("controls"),
            json!({ "test-compliance": ["test-compliance"] })
        );
        assert_eq!(field("severity"), "low");
        assert_eq!(field("check_id"), "service_test_check_id");
        assert_eq!(field("account"), "123456789012");
        assert_eq!(field("resource_type"), "test-resource");
        assert_eq!(field("product"), "Prowler");
    }

    #[test]
    fn empty_scans_fail_unless_allowed() {
        let forced = LoadOptions {
            kind: Some(ReportKind::OcsfFindings),
            ..Default::default()
        };
        for empty in ["[]", "[ ]\n"] {
            let e = load(&input(empty), forced).unwrap_err();
            assert!(matches!(e, Error::ReportEmpty { .. }), "{e:?}");
            let allowed = LoadOptions {
                allow_empty: true,
                ..forced
            };
            assert!(load(&input(empty), allowed).unwrap().resources.is_empty());
        }
        for blank in ["", " \n"] {
            assert!(matches!(
                load(&input(blank), forced),
                Err(Error::ReportEmptyFile { .. })
            ));
        }
        // Forced onto a vendor response, it says what it expected.
        let e = load(&input("42"), forced).unwrap_err();
        assert!(
            format!("{e:?}").contains("neither a JSON array nor JSON Lines"),
            "{e:?}"
        );
        let e = load(&input(r#"{"instance_compliant": []}"#), forced).unwrap_err();
        assert!(format!("{e:?}").contains("it has no class_uid"), "{e:?}");
    }

    #[test]
    fn vendor_responses_are_not_taken_for_events() {
        let coc = r#"[{"count":1,"instance_compliant":[{"instance_id":"a"}]}]"#;
        assert_eq!(super::sniff(coc), None);
        assert_eq!(super::sniff(r#"[[{"class_uid":2004}]]"#), None);
        assert_eq!(
            super::sniff(r#" [ {"class_uid":2004} ]"#),
            Some(super::Layout::Array)
        );
        assert_eq!(
            super::sniff("{\"class_uid\":2004}\n{}"),
            Some(super::Layout::Lines)
        );
        let report = load(&input(coc), LoadOptions::default()).unwrap();
        assert_eq!(report.kind, ReportKind::CocPatch);
        assert!(matches!(&report.resources[0].detail, Detail::PatchNode(_)));
    }
}
