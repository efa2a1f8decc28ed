//! Reports from the file system. A directory stands for the `*.json` files directly in it,
//! in name order; a directory with none is an error, not an empty gate.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::model::{Input, ReportOrigin};

/// Read a report file, or every `*.json` file of a directory.
pub(super) fn read(path: &Path) -> Result<Vec<Input>, Error> {
    let read_err = |source| Error::Read {
        what: "report",
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if !meta.is_dir() {
        return Ok(vec![read_one(path)?]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(read_err)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(read_err)?;
    files.retain(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"));
    files.sort();
    if files.is_empty() {
        return Err(read_err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the directory holds no *.json report",
        )));
    }
    files.iter().map(|f| read_one(f)).collect()
}

fn read_one(path: &Path) -> Result<Input, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        what: "report",
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Input {
        origin: ReportOrigin::File(path.display().to_string().into()),
        text: text.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_its_json_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.json", "a.json", "notes.md"] {
            std::fs::write(dir.path().join(name), "{}").unwrap();
        }
        let inputs = read(dir.path()).unwrap();
        let names: Vec<&str> = inputs.iter().map(|i| i.origin.name()).collect();
        assert_eq!(names.len(), 2);
        assert!(
            names[0].ends_with("a.json") && names[1].ends_with("b.json"),
            "{names:?}"
        );
    }

    #[test]
    fn missing_and_empty_inputs_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).is_err(), "no json in the directory");
        let err = read(&dir.path().join("nope.json")).unwrap_err();
        assert!(err.to_string().contains("cannot read report"), "{err}");
    }
}
