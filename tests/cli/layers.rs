//! The library's layers point one way: each module imports (`crate::…`, or `super::…`
//! reaching another top-level module) only from layers below its own. This test parses
//! the source tree with syn, so a new import that points up (or sideways, between two
//! modules of one layer) fails here, as does a top-level module that has no layer, a glob
//! import of the crate root or a renamed `crate`. Test code (`#[cfg(test)]` items) is left
//! out: tests may reach anywhere. The layers, lowest first, are those of lib.rs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// Each top-level module of the library and its layer; a module may import only from
/// modules of a lower layer.
const LAYERS: &[(&str, u8)] = &[
    ("model", 0),
    ("interrupt", 0),
    ("error", 1),
    ("fsx", 1),
    ("cloud", 2),
    ("store", 2),
    ("report", 3),
    ("source", 3),
    ("policy", 4),
    ("verdict", 5),
    ("output", 6),
    ("incident", 6),
    ("init", 6),
    ("settings", 7),
    ("run", 8),
    ("verify", 9),
];

/// The crate roots: lib.rs only declares modules; main.rs and cli.rs are the binary, which
/// uses the library from outside (`tollgate::…`).
const ROOTS: &[&str] = &["src/lib.rs", "src/main.rs", "src/cli.rs"];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The module path of a source file: `src/output/sarif.rs` → `["output", "sarif"]`.
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix("src").unwrap_or(file);
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if stem != "mod" {
            parts.push(stem);
        }
    }
    parts
}

/// Everything a file names outside itself: the top-level modules its paths reach, and what
/// is wrong with how it names them.
#[derive(Default)]
struct Names {
    /// The module the file is in.
    here: Vec<String>,
    reached: BTreeSet<String>,
    problems: Vec<String>,
}

impl Names {
    /// A path, as segments: resolve `crate`, `self` and `super` to a top-level module.
    fn path(&mut self, segments: &[String], glob: bool, renamed: bool) {
        let Some(first) = segments.first() else {
            return;
        };
        let top = match first.as_str() {
            "crate" => {
                if segments.len() == 1 && (glob || renamed) {
                    self.problems
                        .push("a glob import or a rename of `crate` hides what is imported".into());
                    return;
                }
                segments.get(1).cloned()
            }
            "super" => {
                let ups = segments.iter().take_while(|s| *s == "super").count();
                if ups > self.here.len() {
                    self.problems.push(format!(
                        "`{}` climbs past the crate root",
                        segments.join("::")
                    ));
                    return;
                }
                let base = &self.here[..self.here.len() - ups];
                match base.first() {
                    Some(top) => Some(top.clone()),
                    None => segments.get(ups).cloned(),
                }
            }
            _ => None,
        };
        if let Some(top) = top.filter(|t| Some(t) != self.here.first()) {
            if glob && segments.len() == 1 {
                return;
            }
            self.reached.insert(top);
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix.clone();
                if n.ident != "self" {
                    full.push(n.ident.to_string());
                }
                self.path(&full, false, false);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                if r.ident != "self" {
                    full.push(r.ident.to_string());
                }
                self.path(&full, false, true);
            }
            syn::UseTree::Glob(_) => {
                let full = prefix.clone();
                self.path(&full, true, false);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }
}

/// Is the item test code?
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

impl<'ast> Visit<'ast> for Names {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            _ => &[],
        };
        if is_test(attrs) {
            return;
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.path(&segments, false, false);
        syn::visit::visit_path(self, path);
    }

    /// Macro arguments are tokens, not syntax: look for `crate :: NAME` in them.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let tokens: Vec<proc_macro2::TokenTree> = flatten(mac.tokens.clone());
        for (i, t) in tokens.iter().enumerate() {
            if let proc_macro2::TokenTree::Ident(id) = t {
                if id == "crate" {
                    if let Some(proc_macro2::TokenTree::Ident(next)) = tokens.get(i + 3) {
                        self.path(&["crate".to_string(), next.to_string()], false, false);
                    }
                }
            }
        }
        syn::visit::visit_macro(self, mac);
    }
}

fn flatten(stream: proc_macro2::TokenStream) -> Vec<proc_macro2::TokenTree> {
    let mut out = Vec::new();
    for t in stream {
        match t {
            proc_macro2::TokenTree::Group(g) => out.extend(flatten(g.stream())),
            other => out.push(other),
        }
    }
    out
}

/// What is wrong with the imports of these files (path, text).
fn problems(files: &[(PathBuf, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (file, text) in files {
        if ROOTS.iter().any(|r| Path::new(r) == file) {
            continue;
        }
        let here = module_path(file);
        let Some(top) = here.first().cloned() else {
            continue;
        };
        let Some(own) = layer(&top) else {
            problems.push(format!(
                "{} is in module {top}, which has no layer in LAYERS",
                file.display()
            ));
            continue;
        };
        let syntax = match syn::parse_file(text) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{} does not parse: {e}", file.display()));
                continue;
            }
        };
        let mut names = Names {
            here,
            ..Names::default()
        };
        names.visit_file(&syntax);
        for p in names.problems {
            problems.push(format!("{}: {p}", file.display()));
        }
        for import in names.reached {
            match layer(&import) {
                None => problems.push(format!(
                    "{} ({top}) reaches crate::{import}, which has no layer",
                    file.display()
                )),
                Some(theirs) if theirs >= own => problems.push(format!(
                    "{} ({top}, layer {own}) imports crate::{import} (layer {theirs}): imports must point down",
                    file.display()
                )),
                Some(_) => {}
            }
        }
    }
    problems
}

fn walk(dir: &Path, files: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            files.push((path, text));
        }
    }
}

#[test]
fn imports_point_down_the_layers() {
    let mut files = Vec::new();
    walk(Path::new("src"), &mut files);
    assert!(files.len() > 40, "read the tree: {} files", files.len());
    let problems = problems(&files);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The check fails on what it must: an import up, sideways, through `super`, inside a macro,
/// a glob of the crate root, a module without a layer; and lets test code and downward
/// imports through.
#[test]
fn the_check_catches_what_points_up() {
    let file = |path: &str, text: &str| vec![(PathBuf::from(path), text.to_string())];
    let caught = |path: &str, text: &str| !problems(&file(path, text)).is_empty();
    assert!(caught("src/model/x.rs", "use crate::run::Settings;"));
    assert!(caught(
        "src/report/x.rs",
        "use crate::{model::{self, Severity}, source};"
    ));
    assert!(caught(
        "src/policy/a/b.rs",
        "use super::super::super::verdict::Verdict;"
    ));
    assert!(caught(
        "src/model/x.rs",
        "fn f() { let v = vec![crate::output::x()]; }"
    ));
    assert!(caught(
        "src/model/x.rs",
        "fn f() -> crate::run::X { todo!() }"
    ));
    assert!(caught("src/model/x.rs", "use crate::*;"));
    assert!(caught("src/model/x.rs", "use crate as root;"));
    assert!(caught("src/newthing/x.rs", "use crate::model::X;"));
    assert!(!caught(
        "src/run.rs",
        "use crate::{model::{self, Severity}, verdict};"
    ));
    assert!(!caught(
        "src/verdict/x.rs",
        "use super::waiver::W; use crate::policy::P;"
    ));
    assert!(!caught(
        "src/model/x.rs",
        "#[cfg(test)]\nmod tests { use crate::run::X; }"
    ));
    assert!(!caught(
        "src/model/x.rs",
        r#"const S: &str = "http://x // crate::run";"#
    ));
}
