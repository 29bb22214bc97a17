//! One writer per state directory: a lock file (`DIR/journal.lock`, created exclusively,
//! holding the writer's process id) taken by a run that appends and removed when it ends.
//! A lock left by a process that no longer exists (killed, power cut) is taken over.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::JournalError;

/// The lock file's name inside a state directory.
pub const LOCK_FILE_NAME: &str = "journal.lock";

/// Held while a run appends to a state directory.
#[derive(Debug)]
pub struct StateLock {
    path: PathBuf,
}

fn holder_alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

impl StateLock {
    /// Takes the lock of `state`, or says which process holds it.
    pub fn take(state: &Path) -> Result<StateLock, JournalError> {
        let path = state.join(LOCK_FILE_NAME);
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    let _ = writeln!(file, "{}", std::process::id());
                    return Ok(StateLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|text| text.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if holder_alive(pid) => {
                            return Err(JournalError::Locked { path, holder: pid })
                        }
                        // Left by a process that is gone (or half written by one): stale.
                        _ => {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => {
                    return Err(JournalError::Storage(format!(
                        "cannot create {}: {e}",
                        path.display()
                    )))
                }
            }
        }
        Err(JournalError::Storage(format!(
            "cannot take {}; remove it if no tccc is running",
            path.display()
        )))
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_stale_locks_are_taken_over() {
        let dir = std::env::temp_dir().join(format!("tccc-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let lock = StateLock::take(&dir).unwrap();
        let error = StateLock::take(&dir).unwrap_err();
        assert!(error.to_string().contains("journal.lock"), "{error}");
        drop(lock);
        // A process id that cannot exist (above the kernel's pid_max) is stale.
        std::fs::write(dir.join(LOCK_FILE_NAME), "99999999\n").unwrap();
        let lock = StateLock::take(&dir).unwrap();
        drop(lock);
        assert!(!dir.join(LOCK_FILE_NAME).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
