//! `tollgate rules`: the rules under the policy paths, as an aligned table for people or
//! as a JSON array (the rule objects of the `rules` of `-o json`, with the engine each runs
//! in); with `-v`, what the static checks left to run time in each rule.

use std::io::{self, Write};

use serde::Serialize;

use crate::model::Rule;
use crate::policy::compiled::Mode;
use crate::policy::lint::Lint;

/// A rule as `tollgate rules` lists it: its metadata and the engine its policy runs in.
#[derive(Serialize)]
pub struct Listed<'a> {
    #[serde(flatten)]
    pub rule: &'a Rule,
    /// `compiled` or `interpreted`.
    pub engine: &'static str,
    /// Why the policy runs interpreted: the construct and where it is, or the setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpreted_because: Option<String>,
}

impl<'a> Listed<'a> {
    pub fn new(rule: &'a Rule, mode: &Mode) -> Self {
        let interpreted_because = mode.reason();
        Listed {
            rule,
            engine: mode.as_str(),
            interpreted_because,
        }
    }
}

/// How `tollgate rules` prints the rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RulesFormat {
    /// Aligned columns for people.
    #[default]
    Table,
    /// A JSON array, one object per rule.
    Json,
}

/// Columns: id, severity, enforcement, applies_to, engine, controls, title, file.
pub fn table(rules: &[Listed<'_>], out: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<[String; 8]> = rules
        .iter()
        .map(|listed| {
            let r = listed.rule;
            let applies_to = if r.applies_to.is_empty() {
                "*".to_string()
            } else {
                r.applies_to
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            [
                r.id.clone(),
                r.severity.to_string(),
                r.enforcement.as_str().to_string(),
                applies_to,
                listed.engine.to_string(),
                if r.controls.is_empty() {
                    "-".to_string()
                } else {
                    r.controls.join(",")
                },
                r.title.clone(),
                format!("{}:{}", r.file.display(), r.line),
            ]
        })
        .collect();
    let header = [
        "ID",
        "SEVERITY",
        "ENFORCEMENT",
        "APPLIES TO",
        "ENGINE",
        "CONTROLS",
        "TITLE",
        "FILE",
    ];
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| -> String {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        text
    };
    writeln!(out, "{}", line(&header))?;
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        writeln!(out, "{}", line(&cells))?;
    }
    Ok(())
}

/// For `rules -v`: per rule, how many reads the static checks settled when the policy
/// loaded, and each read they left to run time, at `file:line:column`.
pub fn lint(rules: &[(&Rule, Option<&Lint>)], out: &mut dyn Write) -> io::Result<()> {
    for (rule, lint) in rules {
        let file = rule.file.display();
        let Some(lint) = lint else {
            writeln!(out, "{} {file}: not checked when loaded", rule.id)?;
            continue;
        };
        let reads = |n: usize| if n == 1 { "read" } else { "reads" };
        match lint.deferred.len() {
            0 => writeln!(
                out,
                "{} {file}: {} {} checked when loaded, none left to run time",
                rule.id,
                lint.checked,
                reads(lint.checked)
            )?,
            n => writeln!(
                out,
                "{} {file}: {} {} checked when loaded, {n} left to run time:",
                rule.id,
                lint.checked,
                reads(lint.checked)
            )?,
        }
        for d in &lint.deferred {
            writeln!(
                out,
                "  {file}:{}:{}: {}: {}",
                d.line, d.column, d.read, d.why
            )?;
        }
    }
    Ok(())
}

/// For `rules -v`: each rule that runs in the interpreter, and why.
pub fn engines(rules: &[Listed<'_>], out: &mut dyn Write) -> io::Result<()> {
    for listed in rules {
        if let Some(why) = &listed.interpreted_because {
            writeln!(
                out,
                "{} {}: runs in the interpreter: {why}",
                listed.rule.id,
                listed.rule.file.display()
            )?;
        }
    }
    Ok(())
}

/// A JSON array of rule objects.
pub fn json(rules: &[Listed<'_>], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, rules).map_err(io::Error::from)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resource::ResourceKind;
    use crate::model::Enforcement;
    use crate::model::Severity;

    fn rule(id: &str, title: &str) -> Rule {
        Rule {
            id: id.into(),
            title: title.into(),
            severity: Severity::High,
            enforcement: Enforcement::Advisory,
            sla_days: None,
            controls: Vec::new(),
            applies_to: vec![ResourceKind::PatchNode, ResourceKind::PatchItem],
            help: None,
            description: None,
            tags: vec![],
            file: "policies/a.rhai".into(),
            line: 3,
        }
    }

    #[test]
    fn lint_lists_the_reads_left_to_run_time() {
        use crate::policy::lint::{Deferred, Why};
        let (a, b, c) = (
            rule("A-1", "first"),
            rule("B-2", "second"),
            rule("C-3", "third"),
        );
        let deferred = Lint {
            checked: 1,
            deferred: vec![Deferred {
                line: 9,
                column: 14,
                read: "node.raw.Os".into(),
                why: Why::PlainMap("raw"),
            }],
        };
        let settled = Lint {
            checked: 4,
            deferred: Vec::new(),
        };
        let mut out = Vec::new();
        lint(
            &[(&a, Some(&deferred)), (&b, Some(&settled)), (&c, None)],
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "A-1 policies/a.rhai: 1 read checked when loaded, 1 left to run time:\n  \
             policies/a.rhai:9:14: node.raw.Os: `raw` is a plain map, whose keys are the report's: a key it lacks reads as ()\n\
             B-2 policies/a.rhai: 4 reads checked when loaded, none left to run time\n\
             C-3 policies/a.rhai: not checked when loaded\n"
        );
    }

    #[test]
    fn table_aligns_columns_and_names_the_engine() {
        use crate::policy::compiled::Unsupported;
        let (a, b) = (rule("A-1", "first"), rule("LONGER-002", "second"));
        let kept = Mode::Interpreted(Unsupported {
            construct: "the method `split`".into(),
            line: 4,
            column: 9,
        });
        let listed = [Listed::new(&a, &Mode::Compiled), Listed::new(&b, &kept)];
        let mut out = Vec::new();
        table(&listed, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("ID          SEVERITY"), "{text}");
        assert!(
            lines[1].starts_with(
                "A-1         high      advisory     patch_node,patch_item  compiled     -         first"
            ),
            "{text}"
        );
        assert!(
            lines[2].contains("  interpreted  -         second  "),
            "{text}"
        );
        assert!(lines[2].ends_with("second  policies/a.rhai:3"), "{text}");

        let mut out = Vec::new();
        engines(&listed, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "LONGER-002 policies/a.rhai: runs in the interpreter: the method `split` at 4:9\n"
        );

        let mut out = Vec::new();
        json(&listed, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v[0]["id"], "A-1");
        assert_eq!(v[0]["engine"], "compiled");
        assert!(v[0].get("interpreted_because").is_none());
        assert_eq!(v[1]["engine"], "interpreted");
        assert_eq!(v[1]["interpreted_because"], "the method `split` at 4:9");
    }
}
