//! The library's layers point one way: each module imports (`crate::…`) only from layers
//! below its own. This test reads the source tree, so a new import that points up (or
//! sideways, between two modules of one layer) fails here, as does a new top-level module
//! that has not been given a layer. The layers, lowest first, are those of lib.rs.

use std::collections::BTreeMap;
use std::path::Path;

/// Each top-level module of the library and its layer; a module may import only from
/// modules of a lower layer.
const LAYERS: &[(&str, u8)] = &[
    ("model", 0),
    ("interrupt", 0),
    ("error", 1),
    ("fsx", 1),
    ("cloud", 2),
    ("report", 3),
    ("source", 3),
    ("policy", 4),
    ("verdict", 5),
    ("output", 6),
    ("incident", 6),
    ("init", 6),
    ("settings", 7),
    ("run", 8),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The code of a file without its unit tests and comments.
fn code(text: &str) -> String {
    let tests = [
        "#[cfg(test)]\nmod tests",
        "#[cfg(test)]\npub(crate) mod tests",
    ];
    let text = match tests.iter().filter_map(|t| text.find(t)).min() {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules `code` names as `crate::NAME`.
fn imports(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let groups: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            group.split('}').next().unwrap_or("").split(',').collect()
        } else {
            vec![rest]
        };
        for g in groups {
            let name: String = g
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn imports_point_down_the_layers() {
    let mut files = Vec::new();
    walk(Path::new("src"), &mut files);
    let mut graph: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for file in files {
        let rel = file.strip_prefix("src").unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        // The crate roots: lib.rs only declares modules; main.rs and cli.rs are the
        // binary, which uses the library from outside (`tollgate::`).
        if ["lib", "main", "cli"].contains(&top.as_str()) {
            continue;
        }
        let Some(own) = layer(&top) else {
            problems.push(format!(
                "src/{} is in module {top}, which has no layer in LAYERS",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for import in imports(&code(&text)) {
            if import == top {
                continue;
            }
            graph.entry(top.clone()).or_default().insert(import.clone());
            match layer(&import) {
                None => problems.push(format!("src/{} imports crate::{import}, which has no layer", rel.display())),
                Some(theirs) if theirs >= own => problems.push(format!(
                    "src/{} ({top}, layer {own}) imports crate::{import} (layer {theirs}): imports must point down",
                    rel.display()
                )),
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The graph is not empty: the check read what it should.
    assert!(
        graph["run"].contains("verdict") && graph["output"].contains("model"),
        "{graph:?}"
    );
}

/// The check itself catches an import that points up.
#[test]
fn the_check_sees_imports() {
    let code = code("use crate::model::Severity;\nuse crate::{output, policy::Limits};\n// crate::run in a comment\n#[cfg(test)]\nmod tests { use crate::run; }");
    assert_eq!(imports(&code), ["model", "output", "policy"]);
}
