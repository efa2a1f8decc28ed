//! `tollgate rules`: the rules under the policy paths, as an aligned table for people or
//! as a JSON array (the same rule objects as the `rules` of `-o json`).

use std::io::{self, Write};

use crate::model::Rule;

/// How `tollgate rules` prints the rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RulesFormat {
    /// Aligned columns for people.
    #[default]
    Table,
    /// A JSON array, one object per rule.
    Json,
}

/// Columns: id, severity, enforcement, applies_to, title, file.
pub fn table(rules: &[&Rule], out: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<[String; 6]> = rules
        .iter()
        .map(|r| {
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

/// A JSON array of rule objects.
pub fn json(rules: &[&Rule], out: &mut dyn Write) -> io::Result<()> {
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
            applies_to: vec![ResourceKind::PatchNode, ResourceKind::PatchItem],
            help: None,
            description: None,
            tags: vec![],
            file: "policies/a.rhai".into(),
            line: 3,
        }
    }

    #[test]
    fn table_aligns_columns() {
        let (a, b) = (rule("A-1", "first"), rule("LONGER-002", "second"));
        let mut out = Vec::new();
        table(&[&a, &b], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("ID          SEVERITY"), "{text}");
        assert!(
            lines[1].starts_with("A-1         high      advisory     patch_node,patch_item  first"),
            "{text}"
        );
        assert!(lines[2].ends_with("second  policies/a.rhai:3"), "{text}");
    }
}
