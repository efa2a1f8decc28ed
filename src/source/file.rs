//! Reports from the file system. A directory stands for the `*.json` files directly in it
//! (and `*.jsonl`/`*.ndjson`, a scanner's JSON Lines), in name order; a directory with none
//! is an error, not an empty gate.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::model::{Input, ReportOrigin};

/// The extensions of the report files a directory is read for.
const EXTENSIONS: [&str; 3] = ["json", "jsonl", "ndjson"];

/// Read a report file, or every report file of a directory.
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
    files.retain(|p| {
        p.is_file()
            && p.extension()
                .is_some_and(|e| EXTENSIONS.iter().any(|x| e == *x))
    });
    files.sort();
    if files.is_empty() {
        return Err(read_err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the directory holds no *.json, *.jsonl or *.ndjson report",
        )));
    }
    files.iter().map(|f| read_one(f)).collect()
}

pub(super) fn read_one(path: &Path) -> Result<Input, Error> {
    let text = read_text(path).map_err(|source| Error::Read {
        what: "report",
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Input {
        origin: ReportOrigin::File(path.display().to_string().into()),
        text: text.into(),
    })
}

/// Reports from this size up are read by every thread of the pool at once: copying a
/// large file out of the page cache is a third of reading a report, and it splits.
const PARALLEL_FROM: u64 = 8 << 20;

/// The file's text, as `std::fs::read_to_string` gives it.
fn read_text(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    #[cfg(unix)]
    if len >= PARALLEL_FROM && rayon::current_num_threads() > 1 {
        return read_in_parallel(&file, len);
    }
    let mut text = String::with_capacity(usize::try_from(len).unwrap_or(0));
    file.read_to_string(&mut text)?;
    Ok(text)
}

/// Each thread reads its own part of the file into its own part of one buffer. A file
/// that changes size while it is read is an error or is read to the size it had when
/// opened; one written while it is read is not evidence either way.
#[cfg(unix)]
fn read_in_parallel(file: &std::fs::File, len: u64) -> std::io::Result<String> {
    use rayon::prelude::*;
    use std::io::{Error, ErrorKind};
    use std::os::unix::fs::FileExt;
    let len = usize::try_from(len).map_err(|_| Error::new(ErrorKind::OutOfMemory, "too large"))?;
    let part = len.div_ceil(rayon::current_num_threads());
    let mut bytes = vec![0u8; len];
    bytes
        .par_chunks_mut(part)
        .enumerate()
        .try_for_each(|(i, chunk)| file.read_exact_at(chunk, (i * part) as u64))?;
    // The same error `read_to_string` gives.
    String::from_utf8(bytes)
        .map_err(|_| Error::new(ErrorKind::InvalidData, "stream did not contain valid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_its_json_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "b.json", "a.json", "notes.md", "c.jsonl", "d.ndjson", "e.csv",
        ] {
            std::fs::write(dir.path().join(name), "{}").unwrap();
        }
        std::fs::create_dir(dir.path().join("compliance.json")).unwrap();
        let inputs = read(dir.path()).unwrap();
        let names: Vec<&str> = inputs.iter().map(|i| i.origin.name()).collect();
        let ends: Vec<&str> = names
            .iter()
            .map(|n| n.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(
            ends,
            ["a.json", "b.json", "c.jsonl", "d.ndjson"],
            "{names:?}"
        );
    }

    /// A large report is read in parts by several threads: the text is the file's, byte
    /// for byte, and bytes that are not UTF-8 are the error a small file gives.
    #[test]
    fn a_large_file_read_in_parts_is_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        let len = usize::try_from(PARALLEL_FROM).unwrap() + 12_345;
        let text: String = (0..len)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        std::fs::write(&path, &text).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        assert!(pool.install(|| read_text(&path).unwrap()) == text);

        let mut bytes = text.into_bytes();
        bytes[len - 10] = 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let big = pool.install(|| read_text(&path)).unwrap_err();
        std::fs::write(&path, b"{\"a\": \"\xff\"}").unwrap();
        let small = read_text(&path).unwrap_err();
        assert_eq!(big.kind(), small.kind());
        assert_eq!(big.to_string(), small.to_string());
    }

    #[test]
    fn missing_and_empty_inputs_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).is_err(), "no json in the directory");
        let err = read(&dir.path().join("nope.json")).unwrap_err();
        assert!(err.to_string().contains("cannot read report"), "{err}");
    }
}
