//! Waivers: a TOML file of `[[waiver]]` entries, each accepting one rule's findings on the
//! resources it names until a date. This module owns the file format, its validation and
//! the two questions asked of a waiver: does it match a finding, and is it still in force
//! at a given time. Which findings a waiver excuses, and how that is reported, is the
//! verdict's business. The file comes from `--waivers` or `waivers` in tollgate.toml; time
//! comes in as a value (`Settings::now`), never from the clock.
//!
//! ```toml
//! [[waiver]]
//! rule = "PATCH-001"
//! resource = "ecs-prod-web-*"     # resource id or name, exact or glob
//! reason = "Vendor fix pending, change CHG-1234"
//! owner = "sre-team"
//! expires = 2026-12-31            # or "2026-12-31"; valid through the end of that day, UTC
//! ```

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use globset::{Glob, GlobMatcher};
use miette::SourceSpan;
use serde::Deserialize;
use toml::Spanned;

use crate::error::{self, line_of, Error, Source};
use crate::model::{Finding, Subject};

/// The file, as written. Unknown keys are errors: a misspelt `expries` must not leave a
/// waiver without an expiry that nobody notices.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    waiver: Vec<Spanned<Entry>>,
}

/// One `[[waiver]]` as written. Required keys are optional here so that a missing one is
/// reported in our words, pointing at the waiver, rather than as serde's "missing field".
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: Option<Spanned<String>>,
    resource: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    owner: Option<String>,
    expires: Option<Spanned<toml::Value>>,
}

/// One waiver, validated: a rule's findings on matching resources do not block until the
/// end of `expires` (UTC).
#[derive(Debug, Clone)]
pub struct Waiver {
    /// The rule id, matched exactly.
    pub rule: String,
    /// The resource pattern as written: an id or name, exact or a glob.
    pub resource: String,
    /// Why the finding is accepted.
    pub reason: String,
    /// Who answers for it.
    pub owner: Option<String>,
    /// The last day the waiver applies, inclusive, in UTC.
    pub expires: NaiveDate,
    /// The waivers file, as given.
    pub file: String,
    /// 1-based line of the waiver in the file.
    pub line: u32,
    matcher: GlobMatcher,
}

impl Waiver {
    /// `file:line`, for messages.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// Does the waiver still apply at `now`? It does through the whole of its `expires` day,
    /// UTC, so `expires = 2026-12-31` covers a run at 2026-12-31T23:59:59Z.
    pub(crate) fn is_active(&self, now: DateTime<Utc>) -> bool {
        now.date_naive() <= self.expires
    }

    /// Does the waiver name this finding's rule and subject? Expiry is not considered.
    pub fn matches(&self, finding: &Finding) -> bool {
        finding.rule.id == self.rule && self.matches_subject(&finding.subject)
    }

    /// Does the resource pattern match the subject's id or its name? A report-level finding
    /// is matched by the report kind id (its id in fingerprints) or the report's name.
    pub(crate) fn matches_subject(&self, subject: &Subject) -> bool {
        let (id, name) = match subject {
            Subject::Resource(r) => (r.id(), r.name()),
            Subject::Report { kind, origin: name } => (kind.id(), Some(name.name())),
        };
        self.names(id) || name.is_some_and(|n| !n.is_empty() && self.names(n))
    }

    fn names(&self, candidate: &str) -> bool {
        // The exact comparison first: an id may hold `[` or `*`, which the glob reads as syntax.
        candidate == self.resource || self.matcher.is_match(candidate)
    }
}

/// Parse and validate waivers from `text`; `name` is the file, for messages. Every invalid
/// waiver is reported, not only the first.
pub fn parse(name: &str, text: &str) -> Result<Vec<Arc<Waiver>>, Error> {
    // One shared text: each diagnostic quoting it costs a pointer, not a copy.
    let shared = crate::model::resource::Text::from(text);
    let src = || error::source(name, &shared);
    let shape = toml::from_str::<FileShape>(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        Error::WaiverSyntax {
            path: name.to_string(),
            src: src(),
            at: (span.start, span.len().max(1)).into(),
            reason: e.message().trim().to_string(),
        }
    })?;

    let mut waivers = Vec::with_capacity(shape.waiver.len());
    let mut errors = Vec::new();
    for entry in shape.waiver {
        let header = entry.span();
        let line = line_of(text, header.start);
        let at = Place {
            file: name,
            line,
            location: format!("{name}:{line}"),
            src: src(),
            header: (header.start, header.len().max(1)).into(),
        };
        match validate(entry.into_inner(), &at) {
            Ok(waiver) => waivers.push(Arc::new(waiver)),
            Err(mut e) => errors.append(&mut e),
        }
    }
    match errors.len() {
        0 => Ok(waivers),
        1 => Err(errors.remove(0)),
        _ => Err(Error::Waivers {
            path: name.to_string(),
            errors,
        }),
    }
}

/// Where a waiver is, for the waiver and its diagnostics.
struct Place<'a> {
    file: &'a str,
    line: u32,
    /// `file:line`.
    location: String,
    src: Source,
    /// The `[[waiver]]` header (or the inline table).
    header: SourceSpan,
}

impl Place<'_> {
    fn missing(&self, key: &str, span: Option<SourceSpan>, hint: &str) -> Error {
        let (problem, label) = match span {
            Some(_) => (format!("has an empty {key}"), "empty".to_string()),
            None => (
                format!("has no {key}"),
                format!("this waiver has no `{key}`"),
            ),
        };
        Error::WaiverMissing {
            location: self.location.clone(),
            problem,
            src: self.src.clone(),
            at: span.unwrap_or(self.header),
            label,
            hint: hint.to_string(),
        }
    }
}

/// Check one waiver as written; every problem with it is reported.
fn validate(entry: Entry, at: &Place) -> Result<Waiver, Vec<Error>> {
    let mut errors = Vec::new();
    // A required text key: missing, or present but blank.
    let mut required = |value: Option<Spanned<String>>, key: &str, hint: &str| match value {
        Some(v) if !v.get_ref().trim().is_empty() => Some(v),
        Some(v) => {
            errors.push(at.missing(key, Some(span(&v)), hint));
            None
        }
        None => {
            errors.push(at.missing(key, None, hint));
            None
        }
    };
    let rule = required(
        entry.rule,
        "rule",
        "name the rule id the waiver accepts findings of, e.g. rule = \"PATCH-001\"",
    );
    let resource = required(
        entry.resource,
        "resource",
        "name the resource by id or name, exactly or with a glob, e.g. resource = \"ecs-prod-web-*\"",
    );
    let reason = required(
        entry.reason,
        "reason",
        "say why the finding is accepted, e.g. reason = \"Vendor fix pending, change CHG-1234\"; auditors read it",
    );

    let expires = match entry.expires {
        None => {
            errors.push(at.missing(
                "expires",
                None,
                "waivers are temporary by design: add expires = 2026-12-31 (it applies through the end of that day, UTC)",
            ));
            None
        }
        Some(value) => match date_of(value.get_ref()) {
            Ok(date) => Some(date),
            Err(problem) => {
                errors.push(Error::WaiverDate {
                    location: at.location.clone(),
                    problem,
                    src: at.src.clone(),
                    at: span(&value),
                });
                None
            }
        },
    };

    let matcher = match &resource {
        Some(pattern) => match Glob::new(pattern.get_ref()) {
            Ok(glob) => Some(glob.compile_matcher()),
            Err(e) => {
                errors.push(Error::WaiverGlob {
                    location: at.location.clone(),
                    pattern: pattern.get_ref().clone(),
                    src: at.src.clone(),
                    at: span(pattern),
                    reason: e.kind().to_string(),
                });
                None
            }
        },
        None => None,
    };

    match (rule, resource, reason, expires, matcher) {
        (Some(rule), Some(resource), Some(reason), Some(expires), Some(matcher))
            if errors.is_empty() =>
        {
            Ok(Waiver {
                rule: rule.into_inner().trim().to_string(),
                resource: resource.into_inner(),
                reason: reason.into_inner().trim().to_string(),
                owner: entry.owner.filter(|o| !o.trim().is_empty()),
                expires,
                file: at.file.to_string(),
                line: at.line,
                matcher,
            })
        }
        _ => Err(errors),
    }
}

/// A TOML date (`2026-12-31`) or a string holding one; otherwise what is wrong, starting
/// with the value as written, for the error message.
fn date_of(value: &toml::Value) -> Result<NaiveDate, String> {
    match value {
        toml::Value::Datetime(dt) => match (dt.date, dt.time) {
            (Some(d), None) => NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                .ok_or_else(|| format!("{dt} is not a calendar date")),
            (Some(_), Some(_)) => Err(format!(
                "{dt} is a date and time, not a date (a waiver lasts through the end of its day)"
            )),
            (None, _) => Err(format!("{dt} is a time of day, not a date")),
        },
        toml::Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .ok()
            // chrono accepts `2026-1-5`; keep the one spelling people and tools agree on.
            .filter(|_| s.trim().len() == 10)
            .ok_or_else(|| format!("{s:?} is not a YYYY-MM-DD date")),
        other => Err(format!("{other} is not a date ({})", other.type_str())),
    }
}

fn span<T>(value: &Spanned<T>) -> SourceSpan {
    let s = value.span();
    (s.start, s.len().max(1)).into()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::resource::{
        self as model_resource, Builder, Common, Detail, Origin, PatchNode, Pointer, Status,
    };
    use crate::model::ReportKind;
    use crate::model::{Enforcement, Rule};
    use crate::model::{Level, Severity};
    use chrono::TimeZone;

    const GOOD: &str = r#"# waivers for the prod fleet
[[waiver]]
rule = "PATCH-001"
resource = "ecs-prod-web-*"
reason = "Vendor fix pending, change CHG-1234"
owner = "sre-team"
expires = 2026-12-31

[[waiver]]
rule = "PATCH-002"
resource = "i-0001"
reason = "Decommissioned next week"
expires = "2026-10-01"
"#;

    fn one(text: &str) -> Waiver {
        let mut all = parse("w.toml", text).unwrap();
        assert_eq!(all.len(), 1);
        Arc::try_unwrap(all.remove(0)).unwrap()
    }

    fn waiver(resource: &str) -> Waiver {
        one(&format!(
            "[[waiver]]\nrule = \"R\"\nresource = {resource:?}\nreason = \"r\"\nexpires = 2026-12-31\n"
        ))
    }

    /// A patch node with this id and name, for matching tests here and in `verdict`.
    pub(crate) fn node(id: &str, name: Option<&str>) -> Subject {
        let mut b = Builder::standalone("{}".into());
        let common = Common {
            name: b.str(name),
            status: Status::NonCompliant,
            ..Common::new(b.str(Some(id)))
        };
        let place = model_resource::Place::new(
            crate::model::ReportOrigin::File("r.json".into()),
            Pointer::Element("/instance_compliant".into()),
        );
        Subject::Resource(Arc::new(b.finish(
            ReportKind::CocPatch,
            common,
            Detail::PatchNode(PatchNode::default()),
            Origin::at(&place, 0, 1, 1),
        )))
    }

    fn finding(rule: &str, subject: Subject) -> Finding {
        Finding {
            rule: Arc::new(Rule {
                id: rule.into(),
                title: "t".into(),
                severity: Severity::High,
                enforcement: Enforcement::Hard,
                sla_days: None,
                controls: Vec::new(),
                applies_to: vec![],
                help: None,
                description: None,
                tags: vec![],
                file: "r.rhai".into(),
                line: 1,
            }),
            severity: Severity::High,
            level: Level::Deny,
            message: "m".into(),
            subject,
            properties: Default::default(),
            fingerprint: "f".into(),
            key: None,
        }
    }

    fn err(text: &str) -> Error {
        parse("w.toml", text).unwrap_err()
    }

    #[test]
    fn parses_every_key_and_records_lines() {
        let all = parse("w.toml", GOOD).unwrap();
        assert_eq!(all.len(), 2);
        let first = &all[0];
        assert_eq!(first.rule, "PATCH-001");
        assert_eq!(first.resource, "ecs-prod-web-*");
        assert_eq!(first.reason, "Vendor fix pending, change CHG-1234");
        assert_eq!(first.owner.as_deref(), Some("sre-team"));
        assert_eq!(
            first.expires,
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert_eq!(first.location(), "w.toml:2");
        let second = &all[1];
        assert_eq!(second.owner, None);
        assert_eq!(
            second.expires,
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
        );
        assert_eq!(second.line, 9);
    }

    #[test]
    fn an_empty_file_has_no_waivers() {
        assert!(parse("w.toml", "# nothing yet\n").unwrap().is_empty());
    }

    #[test]
    fn matches_by_id_name_and_glob() {
        let by_id = waiver("i-1");
        assert!(by_id.matches_subject(&node("i-1", Some("web-1"))));
        assert!(!by_id.matches_subject(&node("i-10", Some("web-1"))));
        let by_name = waiver("web-1");
        assert!(by_name.matches_subject(&node("i-1", Some("web-1"))));
        assert!(!by_name.matches_subject(&node("i-1", None)));
        let glob = waiver("ecs-prod-web-*");
        assert!(glob.matches_subject(&node("i-1", Some("ecs-prod-web-01"))));
        assert!(!glob.matches_subject(&node("i-1", Some("ecs-prod-db-01"))));
        assert!(waiver("i-?").matches_subject(&node("i-1", None)));
        assert!(
            waiver("node-*").matches_subject(&node("node-1/openssl", None)),
            "`*` crosses `/` in patch item ids"
        );
        assert!(!waiver("WEB-1").matches_subject(&node("i-1", Some("web-1"))));
    }

    #[test]
    fn an_id_with_glob_characters_matches_itself() {
        let w = waiver("i-[1]");
        assert!(w.matches_subject(&node("i-[1]", None)));
        assert!(w.matches_subject(&node("i-1", None)), "and the glob too");
    }

    #[test]
    fn matches_report_level_findings_by_kind_or_name() {
        let report = || Subject::Report {
            kind: ReportKind::CocPatch,
            origin: crate::model::ReportOrigin::File("evidence/coc.json".into()),
        };
        assert!(waiver("huawei.coc.patch_compliance").matches_subject(&report()));
        assert!(waiver("*coc.json").matches_subject(&report()));
        assert!(!waiver("alibaba.*").matches_subject(&report()));
    }

    #[test]
    fn matches_only_its_rule() {
        let w = waiver("*");
        assert!(w.matches(&finding("R", node("i-1", None))));
        assert!(!w.matches(&finding("R2", node("i-1", None))));
    }

    #[test]
    fn valid_through_the_end_of_its_day_utc() {
        let w = waiver("*");
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert!(w.is_active(at("2026-12-31T23:59:59Z")));
        assert!(!w.is_active(at("2027-01-01T00:00:00Z")));
        assert!(
            w.is_active(at("2027-01-01T07:00:00+08:00")),
            "judged in UTC, where that is still the 31st"
        );
        assert!(w.is_active(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
    }

    #[test]
    fn missing_reason_points_at_the_waiver() {
        let e = err("[[waiver]]\nrule = \"R\"\nresource = \"x\"\nexpires = 2026-12-31\n");
        let Error::WaiverMissing {
            location,
            problem,
            at,
            ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(location, "w.toml:1");
        assert_eq!(problem, "has no reason");
        assert_eq!(at.offset(), 0);
        assert_eq!(e.to_string(), "waiver at w.toml:1 has no reason");
    }

    #[test]
    fn empty_reason_points_at_the_value() {
        let text =
            "[[waiver]]\nrule = \"R\"\nresource = \"x\"\nreason = \"  \"\nexpires = 2026-12-31\n";
        let Error::WaiverMissing { problem, at, .. } = err(text) else {
            panic!()
        };
        assert_eq!(problem, "has an empty reason");
        assert_eq!(&text[at.offset()..at.offset() + at.len()], "\"  \"");
    }

    #[test]
    fn missing_expiry_is_an_error() {
        let e = err("\n[[waiver]]\nrule = \"R\"\nresource = \"x\"\nreason = \"r\"\n");
        assert_eq!(e.to_string(), "waiver at w.toml:2 has no expires");
        assert_eq!(
            miette::Diagnostic::code(&e).unwrap().to_string(),
            "tollgate::waiver::missing"
        );
    }

    #[test]
    fn bad_dates_are_errors() {
        for (value, found) in [
            ("\"31/12/2026\"", "\"31/12/2026\""),
            ("\"2026-2-1\"", "\"2026-2-1\""),
            ("\"2026-02-30\"", "\"2026-02-30\""),
            ("2026-12-31T10:00:00Z", "a date and time"),
            ("12", "12 is not a date (integer)"),
        ] {
            let text = format!(
                "[[waiver]]\nrule = \"R\"\nresource = \"x\"\nreason = \"r\"\nexpires = {value}\n"
            );
            let e = parse("w.toml", &text).unwrap_err();
            let Error::WaiverDate { problem: f, at, .. } = &e else {
                panic!("{value}: {e:?}")
            };
            assert!(f.contains(found), "{value}: {f}");
            assert_eq!(&text[at.offset()..at.offset() + at.len()], value);
        }
    }

    #[test]
    fn unknown_keys_name_the_key() {
        let text =
            "[[waiver]]\nrule = \"R\"\nresource = \"x\"\nreason = \"r\"\nexpries = 2026-12-31\n";
        let Error::WaiverSyntax { reason, at, .. } = err(text) else {
            panic!()
        };
        assert!(reason.contains("unknown field `expries`"), "{reason}");
        assert_eq!(&text[at.offset()..at.offset() + at.len()], "expries");
        let Error::WaiverSyntax { reason, .. } = err("[[waivers]]\nrule = \"R\"\n") else {
            panic!()
        };
        assert!(reason.contains("expected `waiver`"), "{reason}");
    }

    #[test]
    fn a_bad_glob_is_an_error() {
        let e = err(
            "[[waiver]]\nrule = \"R\"\nresource = \"web-[\"\nreason = \"r\"\nexpires = 2026-12-31\n",
        );
        assert!(matches!(e, Error::WaiverGlob { .. }), "{e:?}");
        assert!(e.to_string().contains("\"web-[\""));
    }

    #[test]
    fn every_invalid_waiver_is_reported() {
        let text = "[[waiver]]\nrule = \"R\"\n\n[[waiver]]\nrule = \"S\"\nresource = \"x\"\nreason = \"r\"\nexpires = 2026-12-31\n\n[[waiver]]\nresource = \"y\"\n";
        let Error::Waivers { errors, .. } = err(text) else {
            panic!()
        };
        let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            messages,
            [
                "waiver at w.toml:1 has no resource",
                "waiver at w.toml:1 has no reason",
                "waiver at w.toml:1 has no expires",
                "waiver at w.toml:10 has no rule",
                "waiver at w.toml:10 has no reason",
                "waiver at w.toml:10 has no expires",
            ]
        );
    }
}
