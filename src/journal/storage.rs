//! Where segment files live: a trait with the few operations the journal needs, the real
//! directory of files, and a simulated one for tests that loses or garbles unsynced
//! writes per 512-byte sector at a chosen sync (the SQLite crash-test model) and fails
//! writes, syncs or file creation on demand.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::limits::{JOURNAL_SEGMENT_FILES_MAX, JOURNAL_SEGMENT_FILE_BYTES_MAX};

/// A flat namespace of append-only files.
pub trait Storage: Send {
    /// Names of the segment files present (any order).
    fn list(&self) -> io::Result<Vec<String>>;
    /// Creates an empty file; fails if it exists.
    fn create(&mut self, name: &str) -> io::Result<()>;
    /// Appends to a file.
    fn append(&mut self, name: &str, bytes: &[u8]) -> io::Result<()>;
    /// Makes what was appended durable (`fdatasync`).
    fn sync(&mut self, name: &str) -> io::Result<()>;
    /// Reads a whole file.
    fn read(&self, name: &str) -> io::Result<Vec<u8>>;
    /// Cuts a file to `length` bytes, durably.
    fn truncate(&mut self, name: &str, length: u64) -> io::Result<()>;
    /// Stops using a file (its descriptor is closed; the file stays).
    fn close(&mut self, name: &str);
    /// Makes created and removed names durable.
    fn sync_dir(&mut self) -> io::Result<()>;
}

/// Whether a name is one of ours: `segment-NNNNNNNN.tj`.
pub fn segment_number(name: &str) -> Option<u64> {
    name.strip_prefix("segment-")?
        .strip_suffix(".tj")?
        .parse()
        .ok()
}

/// The name of segment file `number`.
pub fn segment_name(number: u64) -> String {
    format!("segment-{number:08}.tj")
}

/// Segment files in a real directory.
#[derive(Debug)]
pub struct DirStorage {
    dir: PathBuf,
    open: BTreeMap<String, File>,
}

impl DirStorage {
    /// Segment files in `dir` (created if missing, mode 0700).
    pub fn new(dir: &Path) -> io::Result<DirStorage> {
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        Ok(DirStorage {
            dir: dir.to_path_buf(),
            open: BTreeMap::new(),
        })
    }

    fn file(&mut self, name: &str) -> io::Result<&mut File> {
        if !self.open.contains_key(name) {
            let file = OpenOptions::new().append(true).open(self.dir.join(name))?;
            self.open.insert(name.to_owned(), file);
        }
        self.open
            .get_mut(name)
            .ok_or_else(|| io::Error::other("file vanished"))
    }
}

use std::os::unix::fs::DirBuilderExt;

impl Storage for DirStorage {
    fn list(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let name = entry?.file_name();
            if let Some(name) = name.to_str() {
                if segment_number(name).is_some() {
                    if names.len() >= JOURNAL_SEGMENT_FILES_MAX {
                        return Err(io::Error::other(format!(
                            "more than {JOURNAL_SEGMENT_FILES_MAX} segment files"
                        )));
                    }
                    names.push(name.to_owned());
                }
            }
        }
        Ok(names)
    }

    fn create(&mut self, name: &str) -> io::Result<()> {
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .mode(0o600)
            .open(self.dir.join(name))?;
        self.open.insert(name.to_owned(), file);
        Ok(())
    }

    fn append(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        self.file(name)?.write_all(bytes)
    }

    fn sync(&mut self, name: &str) -> io::Result<()> {
        self.file(name)?.sync_data()
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        let file = File::open(self.dir.join(name))?;
        let mut bytes = Vec::new();
        file.take(JOURNAL_SEGMENT_FILE_BYTES_MAX * 2)
            .read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    fn truncate(&mut self, name: &str, length: u64) -> io::Result<()> {
        let file = OpenOptions::new().write(true).open(self.dir.join(name))?;
        file.set_len(length)?;
        file.sync_all()
    }

    fn close(&mut self, name: &str) {
        self.open.remove(name);
    }

    fn sync_dir(&mut self) -> io::Result<()> {
        super::key::sync_dir(&self.dir)
    }
}

/// Bytes the simulated disk loses or garbles together.
pub const SECTOR_BYTES: usize = 512;

/// One simulated file: what has reached the platter and what is still in the page cache.
#[derive(Debug, Clone, Default)]
struct SimFile {
    durable: Vec<u8>,
    pending: Vec<u8>,
}

/// What the simulated disk does with a sector it has not synced when the power goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectorFate {
    Written,
    Lost,
    Garbled,
}

/// Faults to inject, set by the test.
#[derive(Debug, Default)]
pub struct SimFaults {
    /// The power goes during this sync (counting from 1): nothing after it happens.
    pub crash_at_sync: Option<u64>,
    /// Appends fail with this OS error (e.g. `libc::ENOSPC`).
    pub append_errno: Option<i32>,
    /// Syncs fail with this OS error (e.g. `libc::EIO`).
    pub sync_errno: Option<i32>,
    /// File creation fails with this OS error (e.g. `libc::EROFS`).
    pub create_errno: Option<i32>,
}

#[derive(Debug, Default)]
struct SimState {
    files: BTreeMap<String, SimFile>,
    faults: SimFaults,
    syncs: u64,
    crashed: bool,
    seed: u64,
}

/// An in-memory disk with a page cache that can lose power. Clones share the disk.
#[derive(Debug, Clone, Default)]
pub struct SimStorage {
    state: Arc<Mutex<SimState>>,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d4_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl SimState {
    /// The power goes: each unsynced sector of each file is written, lost (and the file
    /// cut there if it is the last one) or garbled, as the seed decides.
    fn lose_power(&mut self) {
        let mut rng = self.seed;
        for file in self.files.values_mut() {
            let base = file.durable.len();
            let pending = std::mem::take(&mut file.pending);
            let mut kept = Vec::with_capacity(pending.len());
            let mut offset = 0;
            while offset < pending.len() {
                // Sector boundaries are absolute file offsets.
                let absolute = base + offset;
                let sector_end = (absolute / SECTOR_BYTES + 1) * SECTOR_BYTES - base;
                let end = sector_end.min(pending.len());
                let fate = match splitmix(&mut rng) % 4 {
                    0 | 1 => SectorFate::Written,
                    2 => SectorFate::Lost,
                    _ => SectorFate::Garbled,
                };
                match fate {
                    SectorFate::Written => kept.extend_from_slice(&pending[offset..end]),
                    SectorFate::Lost => {
                        if end == pending.len() {
                            break;
                        }
                        kept.extend(std::iter::repeat_n(0u8, end - offset));
                    }
                    SectorFate::Garbled => {
                        for _ in offset..end {
                            kept.push(splitmix(&mut rng) as u8);
                        }
                    }
                }
                offset = end;
            }
            file.durable.extend_from_slice(&kept);
        }
        self.crashed = true;
    }
}

fn os_error(errno: i32) -> io::Error {
    io::Error::from_raw_os_error(errno)
}

impl SimStorage {
    /// An empty disk whose power loss is decided by `seed`.
    pub fn new(seed: u64) -> SimStorage {
        let storage = SimStorage::default();
        storage.lock().seed = seed;
        storage
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Changes the faults to inject.
    pub fn set_faults(&self, faults: SimFaults) {
        self.lock().faults = faults;
    }

    /// Syncs asked for so far (successful or not).
    pub fn syncs(&self) -> u64 {
        self.lock().syncs
    }

    /// Whether the simulated power has gone.
    pub fn crashed(&self) -> bool {
        self.lock().crashed
    }

    /// Cuts the power now (if it has not gone already).
    pub fn lose_power(&self) {
        let mut state = self.lock();
        if !state.crashed {
            state.lose_power();
        }
    }

    /// A new disk holding what survived: the durable bytes of every file.
    pub fn after_power_loss(&self) -> SimStorage {
        let state = self.lock();
        let files = state
            .files
            .iter()
            .map(|(name, file)| {
                (
                    name.clone(),
                    SimFile {
                        durable: file.durable.clone(),
                        pending: Vec::new(),
                    },
                )
            })
            .collect();
        SimStorage {
            state: Arc::new(Mutex::new(SimState {
                files,
                seed: state.seed,
                ..SimState::default()
            })),
        }
    }

    /// Applies `change` to the durable bytes of file `name` (tests that alter a byte).
    pub fn edit(&self, name: &str, change: impl FnOnce(&mut Vec<u8>)) {
        if let Some(file) = self.lock().files.get_mut(name) {
            change(&mut file.durable);
        }
    }
}

impl Storage for SimStorage {
    fn list(&self) -> io::Result<Vec<String>> {
        Ok(self.lock().files.keys().cloned().collect())
    }

    fn create(&mut self, name: &str) -> io::Result<()> {
        let mut state = self.lock();
        if state.crashed {
            return Err(os_error(libc::EIO));
        }
        if let Some(errno) = state.faults.create_errno {
            return Err(os_error(errno));
        }
        if state.files.contains_key(name) {
            return Err(io::ErrorKind::AlreadyExists.into());
        }
        state.files.insert(name.to_owned(), SimFile::default());
        Ok(())
    }

    fn append(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let mut state = self.lock();
        if state.crashed {
            return Err(os_error(libc::EIO));
        }
        if let Some(errno) = state.faults.append_errno {
            return Err(os_error(errno));
        }
        let file = state
            .files
            .get_mut(name)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        file.pending.extend_from_slice(bytes);
        Ok(())
    }

    fn sync(&mut self, name: &str) -> io::Result<()> {
        let mut state = self.lock();
        if state.crashed {
            return Err(os_error(libc::EIO));
        }
        state.syncs += 1;
        if state.faults.crash_at_sync == Some(state.syncs) {
            state.lose_power();
            return Err(os_error(libc::EIO));
        }
        if let Some(errno) = state.faults.sync_errno {
            // Like Linux after a failed writeback: the dirty pages are dropped as if clean;
            // what reaches the disk is anyone's guess, so the journal must never rely on it.
            if let Some(file) = state.files.get_mut(name) {
                file.pending.clear();
            }
            return Err(os_error(errno));
        }
        let file = state
            .files
            .get_mut(name)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        let pending = std::mem::take(&mut file.pending);
        file.durable.extend_from_slice(&pending);
        Ok(())
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        let state = self.lock();
        let file = state
            .files
            .get(name)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        let mut bytes = file.durable.clone();
        bytes.extend_from_slice(&file.pending);
        Ok(bytes)
    }

    fn truncate(&mut self, name: &str, length: u64) -> io::Result<()> {
        let mut state = self.lock();
        if state.crashed {
            return Err(os_error(libc::EIO));
        }
        let file = state
            .files
            .get_mut(name)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        let mut all = std::mem::take(&mut file.durable);
        all.append(&mut file.pending);
        all.truncate(usize::try_from(length).unwrap_or(usize::MAX));
        file.durable = all;
        Ok(())
    }

    fn close(&mut self, _name: &str) {}

    fn sync_dir(&mut self) -> io::Result<()> {
        if self.lock().crashed {
            return Err(os_error(libc::EIO));
        }
        Ok(())
    }
}
