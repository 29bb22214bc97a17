//! The journal's key: 32 random bytes, kept hex-encoded in a file that only its owner can
//! read (created 0600, never overwritten), held in memory in a buffer that is zeroed when
//! dropped.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use zeroize::{Zeroize, Zeroizing};

use super::JournalError;
use crate::limits::JOURNAL_KEY_BYTES;

/// The key file's name inside a state directory when no `--key` is given.
pub const KEY_FILE_NAME: &str = "journal.key";
/// How `--key` names a key in the kernel keyring instead of a file: `keyring:NAME`.
pub const KEYRING_PREFIX: &str = "keyring:";

/// The keyring key `path` names (`keyring:NAME`), if it names one.
pub fn keyring_name(path: &Path) -> Option<&str> {
    path.to_str()?
        .strip_prefix(KEYRING_PREFIX)
        .filter(|name| !name.is_empty())
}

fn keyring_error(name: &str, error: &std::io::Error) -> JournalError {
    match error.raw_os_error() {
        Some(libc::ENOKEY) | Some(libc::EKEYREVOKED) | Some(libc::EKEYEXPIRED) => {
            JournalError::KeyringMissing(name.to_owned())
        }
        Some(libc::ENOSYS) | Some(libc::EPERM) => JournalError::Keyring {
            name: name.to_owned(),
            problem: format!(
                "the kernel keyring is not available here ({error}; a container's seccomp filter?)"
            ),
        },
        _ => JournalError::Keyring {
            name: name.to_owned(),
            problem: error.to_string(),
        },
    }
}

/// The key bytes of a key file's or keyring payload's text: 64 hex digits and an optional
/// newline.
fn parse_hex(text: &[u8]) -> Result<Zeroizing<[u8; JOURNAL_KEY_BYTES]>, &'static str> {
    let digits = text.strip_suffix(b"\n").unwrap_or(text);
    if digits.len() != 2 * JOURNAL_KEY_BYTES {
        return Err("not a tccc key (expected 64 hex digits)");
    }
    let mut bytes = Zeroizing::new([0u8; JOURNAL_KEY_BYTES]);
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let high = hex_value(pair[0]).ok_or("not a tccc key (a non-hex digit)")?;
        let low = hex_value(pair[1]).ok_or("not a tccc key (a non-hex digit)")?;
        bytes[i] = (high << 4) | low;
    }
    Ok(bytes)
}

/// The key every record of a journal is sealed with.
pub struct JournalKey {
    bytes: Zeroizing<[u8; JOURNAL_KEY_BYTES]>,
}

impl std::fmt::Debug for JournalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JournalKey(..)")
    }
}

impl JournalKey {
    /// A key from raw bytes (tests).
    pub fn from_bytes(bytes: [u8; JOURNAL_KEY_BYTES]) -> JournalKey {
        JournalKey {
            bytes: Zeroizing::new(bytes),
        }
    }

    /// A fresh random key from the operating system.
    pub fn random() -> Result<JournalKey, JournalError> {
        let mut bytes = Zeroizing::new([0u8; JOURNAL_KEY_BYTES]);
        getrandom::fill(bytes.as_mut()).map_err(|e| JournalError::Random(e.to_string()))?;
        Ok(JournalKey { bytes })
    }

    /// The raw key.
    pub fn bytes(&self) -> &[u8; JOURNAL_KEY_BYTES] {
        &self.bytes
    }

    /// Creates a new key file at `path` (mode 0600; refuses to replace an existing one),
    /// synced to disk with its directory, and returns the key; `keyring:NAME` creates it in
    /// the kernel keyring instead.
    pub fn create_file(path: &Path) -> Result<JournalKey, JournalError> {
        if let Some(name) = keyring_name(path) {
            return JournalKey::create_keyring(name);
        }
        let key = JournalKey::random()?;
        let io = |e: std::io::Error| JournalError::KeyFile {
            path: path.to_path_buf(),
            problem: e.to_string(),
        };
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    JournalError::KeyExists(path.to_path_buf())
                } else {
                    io(e)
                }
            })?;
        let mut text = Zeroizing::new(hex(key.bytes()));
        text.push('\n');
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        if let Some(parent) = path.parent() {
            sync_dir(parent).map_err(io)?;
        }
        Ok(key)
    }

    /// Reads the key file at `path`: 64 hex digits and an optional newline. A `path` of
    /// the form `keyring:NAME` reads the `user` key NAME from the kernel keyring instead
    /// (its payload: the same 64 hex digits, or the 32 raw bytes).
    pub fn load(path: &Path) -> Result<JournalKey, JournalError> {
        if let Some(name) = keyring_name(path) {
            return JournalKey::load_keyring(name);
        }
        let mut file = File::open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                JournalError::KeyMissing(path.to_path_buf())
            } else {
                JournalError::KeyFile {
                    path: path.to_path_buf(),
                    problem: e.to_string(),
                }
            }
        })?;
        let bad = |problem: &str| JournalError::KeyFile {
            path: path.to_path_buf(),
            problem: problem.to_owned(),
        };
        if let Ok(metadata) = file.metadata() {
            if metadata.permissions().mode() & 0o077 != 0 {
                log::warn!(
                    "journal key {} can be read by others; run `chmod 600` on it",
                    path.display()
                );
            }
        }
        let mut text = Zeroizing::new(Vec::with_capacity(2 * JOURNAL_KEY_BYTES + 2));
        Read::by_ref(&mut file)
            .take(2 * JOURNAL_KEY_BYTES as u64 + 2)
            .read_to_end(&mut text)
            .map_err(|e| bad(&e.to_string()))?;
        let bytes = parse_hex(&text).map_err(bad)?;
        Ok(JournalKey { bytes })
    }

    /// Reads the `user` key `name` from the kernel keyring.
    pub fn load_keyring(name: &str) -> Result<JournalKey, JournalError> {
        let serial = crate::sys::keyring::find(name).map_err(|e| keyring_error(name, &e))?;
        let mut payload = Zeroizing::new([0u8; 2 * JOURNAL_KEY_BYTES + 2]);
        let length = crate::sys::keyring::read(serial, &mut payload[..])
            .map_err(|e| keyring_error(name, &e))?;
        let bad = |problem: &str| JournalError::Keyring {
            name: name.to_owned(),
            problem: problem.to_owned(),
        };
        if length == JOURNAL_KEY_BYTES {
            let mut bytes = Zeroizing::new([0u8; JOURNAL_KEY_BYTES]);
            bytes.copy_from_slice(&payload[..JOURNAL_KEY_BYTES]);
            return Ok(JournalKey { bytes });
        }
        if length > payload.len() {
            return Err(bad("not a tccc key (expected 64 hex digits or 32 bytes)"));
        }
        let bytes = parse_hex(&payload[..length]).map_err(bad)?;
        Ok(JournalKey { bytes })
    }

    /// Creates a new random key as the `user` key `name` in the user keyring (refuses to
    /// replace an existing one) and returns it.
    pub fn create_keyring(name: &str) -> Result<JournalKey, JournalError> {
        match crate::sys::keyring::find(name) {
            Ok(_) => {
                return Err(JournalError::KeyExists(PathBuf::from(format!(
                    "{KEYRING_PREFIX}{name}"
                ))))
            }
            Err(error) if error.raw_os_error() == Some(libc::ENOKEY) => {}
            Err(error) => return Err(keyring_error(name, &error)),
        }
        let key = JournalKey::random()?;
        let text = Zeroizing::new(hex(key.bytes()));
        crate::sys::keyring::add(name, text.as_bytes()).map_err(|e| keyring_error(name, &e))?;
        Ok(key)
    }

    /// Invalidates the `user` key `name` in the kernel keyring (the kernel destroys it).
    pub fn destroy_keyring(name: &str) -> Result<(), JournalError> {
        let serial = crate::sys::keyring::find(name).map_err(|e| keyring_error(name, &e))?;
        crate::sys::keyring::invalidate(serial).map_err(|e| keyring_error(name, &e))
    }

    /// Overwrites the key file at `path` with zeros, syncs it and removes it;
    /// `keyring:NAME` invalidates that keyring key instead.
    pub fn destroy_file(path: &Path) -> Result<(), JournalError> {
        if let Some(name) = keyring_name(path) {
            return JournalKey::destroy_keyring(name);
        }
        let io = |e: std::io::Error| JournalError::KeyFile {
            path: path.to_path_buf(),
            problem: e.to_string(),
        };
        let mut file = OpenOptions::new().write(true).open(path).map_err(io)?;
        let length = file.metadata().map_err(io)?.len();
        let zeros = vec![0u8; usize::try_from(length).unwrap_or(0).min(4096)];
        file.write_all(&zeros).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::remove_file(path).map_err(io)?;
        if let Some(parent) = path.parent() {
            sync_dir(parent).map_err(io)?;
        }
        Ok(())
    }
}

impl Drop for JournalKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

/// The key file to use: `--key` if given, else `journal.key` in the state directory.
pub fn key_path(state: &Path, key: Option<&Path>) -> PathBuf {
    key.map_or_else(|| state.join(KEY_FILE_NAME), Path::to_path_buf)
}

/// Makes a directory's entries (a created, renamed or removed file) durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(dir)?.sync_all()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 15)]));
    }
    text
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keyring_names_are_told_from_paths() {
        assert_eq!(keyring_name(Path::new("keyring:tccc")), Some("tccc"));
        assert_eq!(keyring_name(Path::new("keyring:")), None);
        assert_eq!(keyring_name(Path::new("/var/lib/tccc/journal.key")), None);
        assert_eq!(keyring_name(Path::new("./keyring:x")), None);
        assert!(parse_hex(b"00").is_err());
        assert_eq!(parse_hex(&[b'a'; 64]).unwrap()[0], 0xaa);
        assert!(parse_hex(&[b'g'; 64]).is_err());
    }

    #[test]
    fn a_key_file_is_private_round_trips_and_is_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("tccc-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(KEY_FILE_NAME);
        let key = JournalKey::create_file(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(JournalKey::load(&path).unwrap().bytes(), key.bytes());
        assert!(matches!(
            JournalKey::create_file(&path),
            Err(JournalError::KeyExists(_))
        ));
        JournalKey::destroy_file(&path).unwrap();
        let missing = JournalKey::load(&path).unwrap_err();
        assert!(missing.to_string().contains("tccc keygen"), "{missing}");
        std::fs::write(&path, "not a key").unwrap();
        assert!(matches!(
            JournalKey::load(&path),
            Err(JournalError::KeyFile { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
