//! Files as tollgate writes them: atomically (a temporary file beside the target, renamed
//! into place, so a reader never sees half a file; a signal removes the temporary file),
//! with the mode `cp` would give them, and paths shown as CI systems want them. Used by the
//! outputs, the incident state and `init`; it knows nothing of what is written.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A report or policy path as CI systems want it: relative to the working directory when
/// it lies under it, with forward slashes.
pub(crate) fn display_path(base: Option<&Path>, file: &str) -> String {
    let path = Path::new(file);
    let relative = match base {
        Some(base) if path.is_absolute() => path.strip_prefix(base).unwrap_or(path),
        _ => path,
    };
    let text = relative.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

/// Write through a temporary file beside `path`, then rename it into place.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // A path that exists and is not a regular file or a directory (`/dev/null`, a FIFO,
    // `/dev/stdout`) is written in place: renaming over it would replace the device with
    // a file, and a run as root with `-o json=/dev/null` would replace /dev/null itself.
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() && !meta.is_dir() {
            let file = std::fs::OpenOptions::new().write(true).open(path)?;
            let mut out = std::io::BufWriter::new(file);
            write(&mut out)?;
            return out.flush();
        }
    }
    std::fs::create_dir_all(&dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tollgate-").suffix(".tmp");
    // A temporary file is made owner-only, and its mode would survive the rename: ask for
    // what `File::create` asks for (0666, less the umask), so other users, a container
    // user or a web server can read the artifacts as they could a file `cp` wrote.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(&dir)?;
    // Replacing a file keeps its mode, as writing it in place would.
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.is_file() {
            tmp.as_file().set_permissions(meta.permissions())?;
        }
    }
    // Removed if a signal stops the run before the rename below.
    let _pending = crate::interrupt::Pending::new(tmp.path());
    {
        let mut out = std::io::BufWriter::new(tmp.as_file_mut());
        write(&mut out)?;
        out.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_no_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.json");
        write_atomically(&path, |out| out.write_all(b"whole")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "whole");
        let failed = write_atomically(&path, |out| {
            out.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "whole",
            "old file kept"
        );
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "the temporary file is removed");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_device_is_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("out.fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("mkfifo is not available; skipped");
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write_atomically(&fifo, |out| out.write_all(b"through")).unwrap();
        assert_eq!(reader.join().unwrap(), "through");
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "the FIFO is still a FIFO, not a file");
    }
}
