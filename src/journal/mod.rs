//! The journal: the single source of truth of a state directory. Everything tccc hears and
//! decides — each speech segment's audio (before it is transcribed), each utterance with
//! its per-word confidence and the model and lexicon versions, each record event, console
//! commands and alerts — is appended as a sealed, checksummed, numbered record to
//! append-only segment files, and the record is rebuilt from the journal's events on start.
//!
//! - `format`: the bytes on disk (file header, frames with a sync marker, CRC32C, AEAD).
//! - `codec`: the payload of each record kind, tolerant of kinds and fields it does not know.
//! - `storage`: the files (a real directory, and a simulated disk that loses power).
//! - `writer`: the writer thread, group commit and the durable watermark; storage faults.
//! - `replay`: reading it back, damage reported, state rebuilt.
//! - `key`: the key file; `lock`: one writer per state directory; `atomic`: whole-file
//!   writes that survive a crash.
//!
//! It may not interpret language or render; it stores and returns what others decided.

pub mod atomic;
pub mod codec;
pub mod format;
pub mod key;
pub mod lock;
pub mod replay;
pub mod storage;
pub mod writer;

use std::path::{Path, PathBuf};

pub use format::Entry;
pub use key::JournalKey;
pub use replay::{Problem, State};
pub use writer::{
    AudioJournal, Journal, JournalStats, RealClock, SimClock, WriterClock, WriterTiming,
};

use storage::Storage;
use thiserror::Error;

/// What can go wrong with a journal.
#[derive(Debug, Error)]
pub enum JournalError {
    #[error("no journal key at {0}; create one with `tccc keygen --state DIR` (or pass --key FILE with the key this journal was written with)")]
    KeyMissing(PathBuf),
    #[error("a key already exists at {0}; keygen never replaces a key (the journal it opens would be lost); use it, or `tccc purge` first")]
    KeyExists(PathBuf),
    #[error("no key {0:?} in the kernel keyring (user or session keyring); create one with `tccc keygen --key keyring:{0}` (or `keyctl padd user {0} @u` with the key's 64 hex digits), or pass --key FILE")]
    KeyringMissing(String),
    #[error("cannot use the kernel keyring's key {name:?}: {problem}; pass the key as a file instead (--key FILE)")]
    Keyring { name: String, problem: String },
    #[error("cannot use the key file {path}: {problem}; pass the key this journal was written with (--key FILE)")]
    KeyFile { path: PathBuf, problem: String },
    #[error("the key does not open this journal (it was written with another key); pass the key it was written with (--key FILE)")]
    WrongKey,
    #[error(
        "the operating system gave no random bytes ({0}); tccc cannot seal records without them"
    )]
    Random(String),
    #[error("sealing a record failed; this is a bug in tccc")]
    Seal,
    #[error("a record of {0} bytes is larger than a journal record may be")]
    TooLarge(usize),
    #[error("journal storage: {0}; check the card or disk holding the state directory")]
    Storage(String),
    #[error("cannot start the journal writer thread: {0}")]
    Thread(String),
    #[error("the journal's queue is full; the record was not saved (the writer is far behind)")]
    Full,
    #[error(
        "{unsaved} record(s) could not be made durable before the deadline; the storage is failing"
    )]
    NotDurable { unsaved: u64 },
    #[error("{path} says tccc process {holder} is writing this state directory; wait for it to end (or remove the file if it is not running)")]
    Locked { path: PathBuf, holder: u32 },
    #[error("the journal's events do not form a record: {0}")]
    Record(String),
}

/// Opens the journal in `storage`: reads and rebuilds what it holds, cuts torn tails off,
/// and starts the writer, which appends after the last record in a new segment file.
pub fn open(
    storage: Box<dyn Storage>,
    key: &JournalKey,
    timing: WriterTiming,
) -> Result<(Journal, State), JournalError> {
    let (storage, replay) = read_and_cut(storage, key)?;
    let next_file = replay.next_file_number();
    let state = replay::rebuild(replay)?;
    let journal = Journal::start(
        storage,
        format::Sealer::new(key),
        state.next_seq,
        next_file,
        timing,
    )?;
    Ok((journal, state))
}

/// Reads the journal and cuts torn tails off (durably).
fn read_and_cut(
    mut storage: Box<dyn Storage>,
    key: &JournalKey,
) -> Result<(Box<dyn Storage>, replay::Replay), JournalError> {
    let sealer = format::Sealer::new(key);
    let replay = replay::read(storage.as_ref(), &sealer)?;
    for file in &replay.files {
        if file.torn_tail {
            storage
                .truncate(&file.name, file.valid_bytes as u64)
                .map_err(|e| JournalError::Storage(format!("cannot cut {}: {e}", file.name)))?;
        }
    }
    Ok((storage, replay))
}

/// As [`open`], for a run that resumes by writing again what its input still holds: when
/// the records have a gap (a crash garbled unsynced writes and later records survived),
/// the records after the first gap cannot all have been acknowledged, so they are voided
/// by a `Void` record (made durable before anything else is appended) and the state holds
/// only the records before the gap. The caller writes the rest again from its input.
pub fn open_contiguous(
    storage: Box<dyn Storage>,
    key: &JournalKey,
    timing: WriterTiming,
) -> Result<(Journal, State), JournalError> {
    let (storage, mut replay) = read_and_cut(storage, key)?;
    let next_file = replay.next_file_number();
    let next_seq = replay.next_seq();
    let first_gap = replay
        .problems
        .iter()
        .filter_map(|p| match p {
            Problem::Missing { from, .. } => Some(*from),
            _ => None,
        })
        .min();
    if let Some(first_gap) = first_gap {
        replay.entries.retain(|e| e.seq < first_gap);
        replay.problems.push(Problem::Voided {
            from: first_gap,
            to: next_seq.saturating_sub(1),
        });
    }
    let mut state = replay::rebuild(replay)?;
    state.next_seq = next_seq;
    let mut journal = Journal::start(
        storage,
        format::Sealer::new(key),
        next_seq,
        next_file,
        timing,
    )?;
    if let Some(first_gap) = first_gap {
        let mut payload = Vec::new();
        codec::encode_void(first_gap, next_seq.saturating_sub(1), &mut payload);
        let void_seq = journal.append(codec::Kind::Void as u8, payload)?;
        if !journal.wait_durable(void_seq + 1, std::time::Duration::from_secs(10)) {
            return Err(JournalError::NotDurable { unsaved: 1 });
        }
        state.next_seq = journal.next_seq();
    }
    Ok((journal, state))
}

/// Reads the journal in `storage` without changing it.
pub fn read_state(storage: &dyn Storage, key: &JournalKey) -> Result<State, JournalError> {
    let sealer = format::Sealer::new(key);
    replay::rebuild(replay::read(storage, &sealer)?)
}

/// The audio records numbered `wanted` (sorted or not), decoded, in sequence order; a
/// record that cannot be read is left out (replay reports it).
pub fn read_audio(
    storage: &dyn Storage,
    key: &JournalKey,
    wanted: &[u64],
) -> Result<Vec<(u64, codec::AudioRecord)>, JournalError> {
    let sealer = format::Sealer::new(key);
    let replay = replay::read(storage, &sealer)?;
    Ok(replay
        .entries
        .iter()
        .filter(|e| e.kind == codec::Kind::Audio as u8 && wanted.contains(&e.seq))
        .filter_map(|e| codec::decode_audio(&e.payload).ok().map(|a| (e.seq, a)))
        .collect())
}

/// The directory storage of state directory `state`, refusing one that does not exist.
pub fn dir_storage(state: &Path) -> Result<storage::DirStorage, JournalError> {
    storage::DirStorage::new(state)
        .map_err(|e| JournalError::Storage(format!("cannot use {}: {e}", state.display())))
}

/// The plaintext record the console's `export` writes into the state directory (for a
/// handover by cable); `purge` removes it with the journal.
pub const EXPORT_FILE_NAME: &str = "record.json";

/// Destroys a state directory's journal: the key file overwritten and removed, then every
/// segment file and the plaintext export removed. Returns the number of files removed.
pub fn purge(state: &Path, key_path: &Path) -> Result<usize, JournalError> {
    let storage_error =
        |e: std::io::Error| JournalError::Storage(format!("cannot purge {}: {e}", state.display()));
    if key::keyring_name(key_path).is_some() {
        match JournalKey::destroy_file(key_path) {
            Ok(()) | Err(JournalError::KeyringMissing(_)) => {}
            Err(error) => return Err(error),
        }
    } else if key_path.exists() {
        JournalKey::destroy_file(key_path)?;
    }
    let mut removed = 0;
    if state.exists() {
        for entry in std::fs::read_dir(state).map_err(storage_error)? {
            let entry = entry.map_err(storage_error)?;
            let name = entry.file_name();
            let is_export = name.to_str() == Some(EXPORT_FILE_NAME);
            if is_export || name.to_str().and_then(storage::segment_number).is_some() {
                std::fs::remove_file(entry.path()).map_err(storage_error)?;
                removed += 1;
            }
        }
        key::sync_dir(state).map_err(storage_error)?;
    }
    Ok(removed)
}
