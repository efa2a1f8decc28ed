//! One version everywhere: Cargo.toml's (and Cargo.lock's), the newest release in
//! CHANGELOG.md, what `tollgate --version` prints, and every tollgate release that the CI
//! recipes and the docs tell users to install or pin.

use regex::Regex;

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[test]
fn the_lockfile_has_the_manifest_version() {
    let lock = std::fs::read_to_string("Cargo.lock").unwrap();
    assert!(
        lock.contains(&format!("name = \"tollgate\"\nversion = \"{VERSION}\"\n")),
        "Cargo.lock's tollgate is not {VERSION}: run cargo build"
    );
}

#[test]
fn the_newest_changelog_entry_is_this_version() {
    let text = std::fs::read_to_string("CHANGELOG.md").unwrap();
    let entries: Vec<&str> = text.lines().filter(|l| l.starts_with("## [")).collect();
    assert_eq!(
        entries.first().copied(),
        Some("## [Unreleased]"),
        "CHANGELOG.md starts with ## [Unreleased]"
    );
    let newest = entries.get(1).copied().unwrap_or_default();
    let shape = Regex::new(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$").unwrap();
    let found = shape.captures(newest).map(|c| c[1].to_string());
    assert_eq!(
        found.as_deref(),
        Some(VERSION),
        "CHANGELOG.md's newest release `{newest}` is not `## [{VERSION}] - YYYY-MM-DD` (Cargo.toml)"
    );
    // Each entry's heading is a link (keep a changelog 1.1.0): the references at the bottom.
    for entry in &entries {
        let name = entry[4..].split(']').next().unwrap();
        assert!(
            text.lines().any(|l| l
                .to_ascii_lowercase()
                .starts_with(&format!("[{}]: https://", name.to_ascii_lowercase()))),
            "CHANGELOG.md has no link reference for [{name}]"
        );
    }
}

#[test]
fn version_names_the_package_version_and_the_commit() {
    let out = crate::tollgate().arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let shape =
        Regex::new(r"^tollgate (\d+\.\d+\.\d+)(?: \(([0-9a-f]{12,}) (\d{4}-\d{2}-\d{2})\))?\n$")
            .unwrap();
    let parts = shape.captures(&text).unwrap_or_else(|| panic!("{text:?}"));
    assert_eq!(&parts[1], VERSION);
    // Built from a git checkout, the commit is HEAD's (build.rs re-runs when HEAD moves).
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(head) = head {
        let commit = parts.get(2).map_or("", |m| m.as_str());
        assert!(
            !commit.is_empty() && head.starts_with(commit),
            "--version says {text:?}, HEAD is {head}"
        );
    }
}

/// Where users are told which tollgate release to use: the README, docs/ and examples/
/// (the CI recipes among them).
fn documents() -> Vec<std::path::PathBuf> {
    let mut files = vec![std::path::PathBuf::from("README.md")];
    let mut stack = vec![
        std::path::PathBuf::from("docs"),
        std::path::PathBuf::from("examples"),
    ];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_none_or(|e| {
                ["md", "yml", "yaml", "toml", "sh", "groovy"].contains(&e.to_str().unwrap_or(""))
            }) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The tollgate releases a text names, as (line number, what the line says, the ref): the
/// action (`tollgate-dev/tollgate@REF`, and a `version:` input below it), release
/// downloads (`/releases/download/REF`, `TOLLGATE_VERSION: REF`), and pre-commit's `rev:`
/// under `repo: https://github.com/tollgate-dev/tollgate`. Only refs that look like
/// versions (`v` and a digit) are returned: a branch or a commit hash pins no release.
fn release_refs(text: &str) -> Vec<(usize, String, String)> {
    let direct = Regex::new(
        r#"tollgate-dev/tollgate(?:@|/releases/(?:download|tag)/)(v\d[\w.\-]*)|TOLLGATE_VERSION\s*[:=]\s*['"]?(v\d[\w.\-]*)"#,
    )
    .unwrap();
    let key =
        |name: &str| Regex::new(&format!(r#"^\s*(?:- )?{name}:\s*['"]?(v\d[\w.\-]*)"#)).unwrap();
    let (rev, version) = (key("rev"), key("version"));
    let repo = Regex::new(r"^\s*(?:- )?repo:\s*(\S+)").unwrap();
    let new_item = Regex::new(r"^\s*- ").unwrap();

    let mut found = Vec::new();
    let mut in_tollgate_repo = false; // below a pre-commit `repo:` of tollgate's
    let mut in_tollgate_step = false; // below `uses: tollgate-dev/tollgate@…`, same step
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let what = || line.trim().to_string();
        if let Some(c) = repo.captures(line) {
            in_tollgate_repo = c[1].contains("tollgate-dev/tollgate");
        }
        if new_item.is_match(line) {
            in_tollgate_step = false;
        }
        for c in direct.captures_iter(line) {
            let r = c.get(1).or(c.get(2)).unwrap().as_str();
            found.push((n, what(), r.to_string()));
        }
        if line.contains("tollgate-dev/tollgate@") {
            in_tollgate_step = true;
        }
        if let (true, Some(c)) = (in_tollgate_repo, rev.captures(line)) {
            found.push((n, what(), c[1].to_string()));
        }
        if let (true, Some(c)) = (in_tollgate_step, version.captures(line)) {
            found.push((n, what(), c[1].to_string()));
        }
    }
    found
}

/// A ref names this version: `v0.2.0`, or a floating tag it is the newest of (`v0.2`,
/// `v0`), which the action resolves to the newest matching release.
fn names_this_version(r: &str) -> bool {
    let Some(v) = r.strip_prefix('v') else {
        return false;
    };
    v == VERSION || (VERSION.starts_with(&format!("{v}.")) && v.split('.').count() < 3)
}

#[test]
fn recipes_and_docs_install_this_version() {
    let mut seen = 0;
    let mut wrong = Vec::new();
    for path in documents() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // not text
        };
        for (line, what, r) in release_refs(&text) {
            seen += 1;
            if !names_this_version(&r) {
                wrong.push(format!("{}:{line}: {r} in `{what}`", path.display()));
            }
        }
    }
    assert!(
        seen > 0,
        "no tollgate release named in README.md, docs/ or examples/: does release_refs still match how they name one?"
    );
    assert!(
        wrong.is_empty(),
        "{} mentions of a tollgate release that is not v{VERSION} (Cargo.toml):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn release_refs_finds_each_way_of_naming_a_release() {
    let text = "\
- uses: tollgate-dev/tollgate@v0.1.0
  with:
    version: v0.0.9
- uses: actions/setup-node@v4
  with:
    version: v22.0.0
    TOLLGATE_VERSION: v1.0.0
TOLLGATE_VERSION = 'v1.0.1'
base=https://github.com/tollgate-dev/tollgate/releases/download/v1.0.2
repos:
  - repo: https://github.com/tollgate-dev/tollgate
    rev: v1.0.3
  - repo: https://github.com/other/hooks
    rev: v9.9.9
uses: tollgate-dev/tollgate@main
";
    let refs: Vec<(usize, String)> = release_refs(text)
        .into_iter()
        .map(|(n, _, r)| (n, r))
        .collect();
    let want = [
        (1, "v0.1.0"),
        (3, "v0.0.9"),
        (7, "v1.0.0"),
        (8, "v1.0.1"),
        (9, "v1.0.2"),
        (12, "v1.0.3"),
    ];
    assert_eq!(
        refs,
        want.map(|(n, r)| (n, r.to_string())).to_vec(),
        "{text}"
    );
    assert!(names_this_version(&format!("v{VERSION}")));
    let major = VERSION.split('.').next().unwrap();
    assert!(names_this_version(&format!("v{major}")));
    assert!(!names_this_version(&format!(
        "v{}",
        major.parse::<u32>().unwrap() + 1
    )));
    assert!(!names_this_version(&format!("v{VERSION}.1")));
}
