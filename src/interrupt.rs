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

/// The temporary files in flight right now.
fn in_flight() -> Vec<PathBuf> {
    // A panicked writer poisons the lock; the list is still right, so use it.
    match IN_FLIGHT.lock() {
        Ok(all) => all.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

/// Remove `paths`. A file already renamed into place is not there any more under its
/// temporary name, so nothing whole is removed.
fn remove(paths: &[PathBuf]) {
    for path in paths {
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
            remove(&in_flight());
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

    // The registry is process-wide and other tests write files at the same time: these
    // tests look only at their own paths and never empty the registry.
    #[test]
    fn pending_files_are_listed_while_they_live() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".tollgate-x.tmp");
        {
            let _guard = Pending::new(&path);
            assert!(in_flight().contains(&path));
        }
        assert!(
            !in_flight().contains(&path),
            "forgotten once its guard is gone"
        );
    }

    #[test]
    fn removing_spares_what_is_not_there() {
        let dir = tempfile::tempdir().unwrap();
        let half = dir.path().join(".tollgate-half.tmp");
        std::fs::write(&half, "half").unwrap();
        let renamed = dir.path().join(".tollgate-gone.tmp");
        remove(&[half.clone(), renamed]);
        assert!(!half.exists());
    }
}
