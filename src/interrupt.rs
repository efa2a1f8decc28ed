//! Ctrl-C and SIGTERM. A gate stopped half-way must not leave a half-written result for
//! the next CI step to trust: every file tollgate writes goes through a temporary file
//! that is renamed into place (see `output::write_atomically`), and this module removes
//! the temporary files still in flight when a signal arrives, then exits with the shell's
//! code for it (130 for SIGINT, 143 for SIGTERM). Files already renamed into place are
//! whole; the incident state file is one of them, so it is never left half-written.
//!
//! On platforms without Unix signals nothing is installed and the default behaviour stays.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary files being written right now.
static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Registers a temporary file for removal on a signal for as long as it lives.
pub(crate) struct Pending(PathBuf);

impl Pending {
    /// Remember `path` until the guard is dropped.
    pub(crate) fn new(path: &Path) -> Self {
        if let Ok(mut all) = IN_FLIGHT.lock() {
            all.push(path.to_path_buf());
        }
        Pending(path.to_path_buf())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Ok(mut all) = IN_FLIGHT.lock() {
            all.retain(|p| p != &self.0);
        }
    }
}

/// Remove every temporary file in flight. A file already renamed into place is not there
/// any more under its temporary name, so nothing whole is removed.
fn clean_up() {
    // A panicked writer poisons the lock; the list is still right, so use it.
    let all = match IN_FLIGHT.lock() {
        Ok(all) => all,
        Err(poisoned) => poisoned.into_inner(),
    };
    for path in all.iter() {
        let _ = std::fs::remove_file(path);
    }
}

/// Start listening for SIGINT and SIGTERM. Called once, by `main`.
#[cfg(unix)]
pub fn install() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        // Without the handler a signal still stops tollgate, only less tidily.
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            clean_up();
            let name = if signal == SIGINT {
                "SIGINT"
            } else {
                "SIGTERM"
            };
            eprintln!("tollgate: interrupted by {name}; no output file was left half-written");
            std::process::exit(128 + signal);
        }
    });
}

/// Start listening for signals: nothing to do where there are no Unix signals.
#[cfg(not(unix))]
pub fn install() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_files_are_removed_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".tollgate-x.tmp");
        std::fs::write(&path, "half").unwrap();
        {
            let _guard = Pending::new(&path);
            clean_up();
            assert!(!path.exists(), "removed while in flight");
        }
        std::fs::write(&path, "whole").unwrap();
        clean_up();
        assert!(path.exists(), "not touched once its guard is gone");
    }
}
