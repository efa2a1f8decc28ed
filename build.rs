//! Stamps the version `tollgate --version` prints with the commit it was built from:
//! `0.2.0 (0123456789ab 2026-12-05)` in a git checkout of this crate, plain `0.2.0` where
//! there is none (a crates.io download, a source tarball, no `git` on the PATH), which
//! must build all the same. No dependencies: `git` is asked, and its absence is no error.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let stamped = match commit(&dir) {
        Some(commit) => format!("{version} ({commit})"),
        None => version,
    };
    println!("cargo:rustc-env=TOLLGATE_BUILD_VERSION={stamped}");
}

/// `0123456789ab 2026-12-05`: HEAD's short hash and commit date, when `dir` is the top of
/// a git work tree. The files that name HEAD's commit are watched so that a new commit or
/// checkout re-stamps the build.
fn commit(dir: &Path) -> Option<String> {
    // A crate unpacked inside some other repository (vendored, or under a parent's tree)
    // must not take that repository's commit for its own.
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if std::fs::canonicalize(&top).ok()? != std::fs::canonicalize(dir).ok()? {
        return None;
    }
    let path = |name: &str| git(dir, &["rev-parse", "--git-path", name]).map(|p| dir.join(p));
    // HEAD names the branch (or, detached, the commit); the branch's ref file or
    // packed-refs names its commit. Worktrees keep HEAD apart from the shared refs, which
    // `--git-path` resolves.
    watch(&path("HEAD")?);
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        let loose = path(&branch)?;
        // A packed branch gets a loose ref file at its next commit: watch the nearest
        // directory that exists until then.
        if let Some(existing) = loose.ancestors().find(|p| p.exists()) {
            watch(existing);
        }
        let packed = path("packed-refs")?;
        // A missing file would re-run this script at every build; a later `git pack-refs`
        // deletes the loose ref, which is watched.
        if packed.exists() {
            watch(&packed);
        }
    }
    let hash = git(dir, &["rev-parse", "--short=12", "HEAD"])?;
    let date = git(
        dir,
        &[
            "show",
            "-s",
            "--no-show-signature",
            "--format=%cd",
            "--date=short",
            "HEAD",
        ],
    )?;
    Some(format!("{hash} {date}"))
}

fn watch(path: &Path) {
    println!("cargo:rerun-if-changed={}", path.display());
}

/// One line of `git ARGS` run in `dir`, or `None` when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.trim();
    (out.status.success() && !line.is_empty()).then(|| line.to_string())
}
