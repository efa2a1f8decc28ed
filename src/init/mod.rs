//! `tollgate init`: a starting point in the current directory — tollgate.toml (every key
//! documented, from tollgate.template.toml), one policy and its tests. It never overwrites
//! a file without `--force`, and writes nothing when it would have to.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// The commented configuration `init` writes.
pub(crate) const TEMPLATE: &str = include_str!("../../tollgate.template.toml");
const POLICY: &str = include_str!("starter.rhai");
const POLICY_TEST: &str = include_str!("starter_test.rhai");

/// The files `init` writes, relative to the target directory.
pub(crate) const FILES: [(&str, &str); 3] = [
    ("tollgate.toml", TEMPLATE),
    ("policies/starter.rhai", POLICY),
    ("policies/starter_test.rhai", POLICY_TEST),
];

/// Write the starter files into `dir`; returns the paths written.
pub(crate) fn write(dir: &Path, force: bool) -> Result<Vec<PathBuf>, Error> {
    let targets: Vec<(PathBuf, &str)> = FILES
        .iter()
        .map(|(name, text)| (dir.join(name), *text))
        .collect();
    if !force {
        let existing: Vec<String> = targets
            .iter()
            .filter(|(path, _)| path.exists())
            .map(|(path, _)| path.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(Error::InitExists {
                paths: existing.join(", "),
            });
        }
    }
    for (path, text) in &targets {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Write {
                what: "directory".into(),
                path: parent.to_path_buf(),
                source,
            })?;
        }
        crate::fsx::write_atomically(path, |out| out.write_all(text.as_bytes())).map_err(
            |source| Error::Write {
                what: "starter file".into(),
                path: path.clone(),
                source,
            },
        )?;
    }
    Ok(targets.into_iter().map(|(path, _)| path).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tollgate.toml"), "mine").unwrap();
        let err = write(dir.path(), false).unwrap_err();
        assert!(err.to_string().contains("tollgate.toml"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("tollgate.toml")).unwrap(),
            "mine"
        );
        assert!(
            !dir.path().join("policies").exists(),
            "nothing is written when one file exists"
        );
        let written = write(dir.path(), true).unwrap();
        assert_eq!(written.len(), 3);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("tollgate.toml")).unwrap(),
            TEMPLATE
        );
    }
}
