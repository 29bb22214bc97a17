//! The journal's writer thread and the handle producers append through.
//!
//! Producers hand records over an SPSC ring (`rtrb`) and never wait: a full ring puts the
//! record in the producer's bounded backlog, and a full backlog refuses it (counted). The
//! writer seals each record, appends it to the current segment file and group-commits:
//! it syncs (`fdatasync`) as soon as the ring is drained, and at least every
//! `JOURNAL_COMMIT_INTERVAL_MS` while records keep coming; after each sync it publishes the
//! durable watermark (every record numbered below it is on disk), which callers may poll
//! or wait for. A failed write or sync is fatal for that file — the pages it held are
//! never trusted or retried (a failed `fsync` may have dropped them) — and the writer moves
//! every record not yet durable into a new file. When no file can be made, the records
//! wait in memory (`JOURNAL_MEMORY_BUFFER_BYTES_MAX`; beyond it new records are lost and
//! counted) and a new file is tried every `JOURNAL_RETRY_INTERVAL_MS`. Every fault raises
//! an alert.

use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::format::{Entry, Sealer, FILE_HEADER_BYTES};
use super::storage::{segment_name, Storage};
use super::JournalError;
use crate::limits::{
    JOURNAL_ALERTS_MAX, JOURNAL_AUDIO_SLOTS_MAX, JOURNAL_BACKLOG_RECORDS_MAX,
    JOURNAL_COMMIT_INTERVAL_MS, JOURNAL_MEMORY_BUFFER_BYTES_MAX, JOURNAL_RETRY_INTERVAL_MS,
    JOURNAL_RING_RECORDS_MAX, JOURNAL_SEGMENT_FILE_BYTES_MAX, SEGMENT_SAMPLES_MAX,
};

/// The writer's sense of time for its commit and retry intervals: the real monotonic
/// clock, or a simulated one that tests move by hand.
pub trait WriterClock: Send + Sync + std::fmt::Debug {
    /// Time since a fixed start.
    fn now(&self) -> Duration;
}

/// The monotonic clock.
#[derive(Debug)]
pub struct RealClock {
    start: Instant,
}

impl Default for RealClock {
    fn default() -> Self {
        RealClock {
            start: Instant::now(),
        }
    }
}

impl WriterClock for RealClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }
}

/// A clock that stands still until [`SimClock::advance`] moves it. Clones share the time.
#[derive(Debug, Clone, Default)]
pub struct SimClock {
    nanos: Arc<AtomicU64>,
}

impl SimClock {
    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(by, Ordering::AcqRel);
    }
}

impl WriterClock for SimClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Acquire))
    }
}

/// Timing of the writer (tests shorten the intervals or simulate the clock).
#[derive(Debug, Clone)]
pub struct WriterTiming {
    pub commit_interval: Duration,
    pub retry_interval: Duration,
    /// Segment files are closed beyond this size.
    pub file_bytes_max: u64,
    /// The clock the intervals are measured on.
    pub clock: Arc<dyn WriterClock>,
}

impl Default for WriterTiming {
    fn default() -> Self {
        WriterTiming {
            commit_interval: Duration::from_millis(JOURNAL_COMMIT_INTERVAL_MS),
            retry_interval: Duration::from_millis(JOURNAL_RETRY_INTERVAL_MS),
            file_bytes_max: JOURNAL_SEGMENT_FILE_BYTES_MAX,
            clock: Arc::new(RealClock::default()),
        }
    }
}

/// Counters of the journal, all since it was opened.
#[derive(Debug, Default)]
pub struct JournalCounters {
    pub records_written: AtomicU64,
    pub syncs: AtomicU64,
    pub files_abandoned: AtomicU64,
    /// Records refused because the producer's backlog was full.
    pub records_refused: AtomicU64,
    /// Records lost because storage failed and the memory buffer was full.
    pub records_lost: AtomicU64,
    /// Bytes now held in memory waiting for storage.
    pub memory_buffer_bytes: AtomicU64,
    pub alerts_overwritten: AtomicU64,
    /// Segments' audio handed over through the audio ring.
    pub audio_records: AtomicU64,
    /// Segments' audio not journaled because every audio slot was in use (the writer far
    /// behind).
    pub audio_dropped: AtomicU64,
}

/// A snapshot of the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JournalStats {
    pub records_written: u64,
    pub syncs: u64,
    pub files_abandoned: u64,
    pub records_refused: u64,
    pub records_lost: u64,
    pub memory_buffer_bytes: u64,
    pub durable_next: u64,
    pub audio_records: u64,
    pub audio_dropped: u64,
}

#[derive(Debug, Default)]
struct Shared {
    /// The sequence number the next record gets; both producers (the `Journal` handle and
    /// the `AudioJournal`) take numbers from it.
    next_seq: AtomicU64,
    /// Every record numbered below this is durable (or listed in `lost`).
    durable_next: AtomicU64,
    stop: AtomicBool,
    wake: Mutex<()>,
    durable: Condvar,
    alerts: Mutex<VecDeque<String>>,
    lost: Mutex<Vec<u64>>,
    counters: JournalCounters,
    /// The writer thread's heartbeat: advances on every turn of its loop.
    beats: Arc<AtomicU64>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Shared {
    fn alert(&self, message: String) {
        log::warn!("journal: {message}");
        let mut alerts = lock(&self.alerts);
        if alerts.len() >= JOURNAL_ALERTS_MAX {
            alerts.pop_front();
            self.counters
                .alerts_overwritten
                .fetch_add(1, Ordering::Relaxed);
        }
        alerts.push_back(message);
    }

    fn publish(&self, durable_next: u64) {
        let _guard = lock(&self.wake);
        self.durable_next.fetch_max(durable_next, Ordering::Release);
        self.durable.notify_all();
    }
}

/// The producer's handle: appends records and reads the durable watermark.
pub struct Journal {
    producer: rtrb::Producer<Entry>,
    backlog: VecDeque<Entry>,
    shared: Arc<Shared>,
    /// The audio producer, until it is taken.
    audio: Option<AudioJournal>,
    writer: Option<JoinHandle<()>>,
    writer_thread: Thread,
    epoch: Instant,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("next_seq", &self.next_seq())
            .finish_non_exhaustive()
    }
}

impl Journal {
    /// Starts the writer thread on `storage`; the next record is numbered `next_seq`, the
    /// next segment file `next_file`.
    pub(crate) fn start(
        storage: Box<dyn Storage>,
        sealer: Sealer,
        next_seq: u64,
        next_file: u64,
        timing: WriterTiming,
    ) -> Result<Journal, JournalError> {
        let (producer, consumer) = rtrb::RingBuffer::new(JOURNAL_RING_RECORDS_MAX);
        let (audio_filled, audio_consumer) = rtrb::RingBuffer::new(JOURNAL_AUDIO_SLOTS_MAX);
        let (mut audio_free, audio_free_consumer) = rtrb::RingBuffer::new(JOURNAL_AUDIO_SLOTS_MAX);
        for _ in 0..JOURNAL_AUDIO_SLOTS_MAX {
            let slot = Box::new(AudioSlot {
                seq: 0,
                wall_ns: 0,
                mono_ns: 0,
                segment: 0,
                start_s: 0.0,
                rate_hz: 0,
                samples: Vec::with_capacity(SEGMENT_SAMPLES_MAX),
            });
            if audio_free.push(slot).is_err() {
                return Err(JournalError::Thread(
                    "the audio slot ring is smaller than its slots".to_owned(),
                ));
            }
        }
        let shared = Arc::new(Shared::default());
        shared.durable_next.store(next_seq, Ordering::Release);
        shared.next_seq.store(next_seq, Ordering::Release);
        let mut writer = Writer {
            storage,
            sealer,
            consumer,
            audio: audio_consumer,
            audio_free,
            settled_ahead: BTreeSet::new(),
            durable_next: next_seq,
            shared: Arc::clone(&shared),
            last_sync: timing.clock.now(),
            timing,
            next_file,
            current: None,
            unsynced: VecDeque::new(),
            unsynced_bytes: 0,
            next_retry: None,
            scratch: Vec::new(),
        };
        let handle = std::thread::Builder::new()
            .name("tccc-journal".to_owned())
            .spawn(move || writer.run())
            .map_err(|e| JournalError::Thread(e.to_string()))?;
        let writer_thread = handle.thread().clone();
        let epoch = Instant::now();
        let audio = AudioJournal {
            free: audio_free_consumer,
            filled: audio_filled,
            spare: None,
            shared: Arc::clone(&shared),
            writer_thread: writer_thread.clone(),
            epoch,
        };
        Ok(Journal {
            producer,
            backlog: VecDeque::with_capacity(JOURNAL_BACKLOG_RECORDS_MAX),
            shared,
            audio: Some(audio),
            writer: Some(handle),
            writer_thread,
            epoch,
        })
    }

    /// The producer of segments' audio records, for the thread that hands segments to the
    /// recogniser (taken once; `None` after).
    pub fn take_audio(&mut self) -> Option<AudioJournal> {
        self.audio.take()
    }

    fn drain_backlog(&mut self) {
        while let Some(entry) = self.backlog.pop_front() {
            match self.producer.push(entry) {
                Ok(()) => {}
                Err(rtrb::PushError::Full(entry)) => {
                    self.backlog.push_front(entry);
                    break;
                }
            }
        }
    }

    /// Appends a record of `kind` and returns its sequence number. Never waits: when the
    /// ring and the backlog are full the record is refused (and counted).
    pub fn append(&mut self, kind: u8, payload: Vec<u8>) -> Result<u64, JournalError> {
        self.drain_backlog();
        if !self.backlog.is_empty() && self.backlog.len() >= JOURNAL_BACKLOG_RECORDS_MAX {
            self.shared
                .counters
                .records_refused
                .fetch_add(1, Ordering::Relaxed);
            return Err(JournalError::Full);
        }
        let (wall_ns, mono_ns) = times(self.epoch);
        let seq = self.shared.next_seq.fetch_add(1, Ordering::AcqRel);
        let entry = Entry {
            seq,
            kind,
            wall_ns,
            mono_ns,
            payload,
        };
        if self.backlog.is_empty() {
            match self.producer.push(entry) {
                Ok(()) => {}
                Err(rtrb::PushError::Full(entry)) => self.backlog.push_back(entry),
            }
        } else {
            self.backlog.push_back(entry);
        }
        self.writer_thread.unpark();
        Ok(seq)
    }

    /// The sequence number the next record gets (records of both producers counted).
    pub fn next_seq(&self) -> u64 {
        self.shared.next_seq.load(Ordering::Acquire)
    }

    /// Every record numbered below this is durable (or lost, see [`Journal::is_lost`]).
    pub fn durable_next(&self) -> u64 {
        self.shared.durable_next.load(Ordering::Acquire)
    }

    /// Whether record `seq` was lost (storage failed and the memory buffer was full).
    pub fn is_lost(&self, seq: u64) -> bool {
        lock(&self.shared.lost).contains(&seq)
    }

    /// Waits up to `timeout` until every record numbered below `next` is durable; returns
    /// whether they are. For callers that may wait (not real-time threads).
    pub fn wait_durable(&mut self, next: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.drain_backlog();
            if self.durable_next() >= next {
                return true;
            }
            self.writer_thread.unpark();
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            let guard = lock(&self.shared.wake);
            if self.durable_next() >= next {
                return true;
            }
            let wait = (deadline - now).min(Duration::from_millis(10));
            let _ = self.shared.durable.wait_timeout(guard, wait);
        }
    }

    /// The writer thread's heartbeat (advances at least every commit interval while it
    /// runs), for the service's liveness check.
    pub fn heartbeat(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.shared.beats)
    }

    /// Alerts raised since the last call, oldest first.
    pub fn take_alerts(&self) -> Vec<String> {
        lock(&self.shared.alerts).drain(..).collect()
    }

    /// The counters now.
    pub fn stats(&self) -> JournalStats {
        let c = &self.shared.counters;
        JournalStats {
            records_written: c.records_written.load(Ordering::Relaxed),
            syncs: c.syncs.load(Ordering::Relaxed),
            files_abandoned: c.files_abandoned.load(Ordering::Relaxed),
            records_refused: c.records_refused.load(Ordering::Relaxed),
            records_lost: c.records_lost.load(Ordering::Relaxed),
            memory_buffer_bytes: c.memory_buffer_bytes.load(Ordering::Relaxed),
            durable_next: self.durable_next(),
            audio_records: c.audio_records.load(Ordering::Relaxed),
            audio_dropped: c.audio_dropped.load(Ordering::Relaxed),
        }
    }

    /// Waits (up to `timeout`) for everything appended to be durable, stops the writer and
    /// returns the final counters; an error when records were left unsaved.
    pub fn close(mut self, timeout: Duration) -> Result<JournalStats, JournalError> {
        let next = self.next_seq();
        let durable = self.wait_durable(next, timeout);
        self.stop();
        let stats = self.stats();
        if durable {
            Ok(stats)
        } else {
            Err(JournalError::NotDurable {
                unsaved: next.saturating_sub(stats.durable_next),
            })
        }
    }

    fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        self.writer_thread.unpark();
        if let Some(handle) = self.writer.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The wall (UTC ns) and monotonic (ns since `epoch`) times of a record appended now.
fn times(epoch: Instant) -> (i64, u64) {
    let wall_ns = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    let mono_ns = u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
    (wall_ns, mono_ns)
}

/// A preallocated buffer for one segment's audio on its way to the writer.
#[derive(Debug)]
struct AudioSlot {
    seq: u64,
    wall_ns: i64,
    mono_ns: u64,
    segment: u32,
    start_s: f64,
    rate_hz: u32,
    /// Capacity `SEGMENT_SAMPLES_MAX`, reserved at start.
    samples: Vec<i16>,
}

/// The producer of segments' audio records: lives on the thread that hands each segment
/// to the recogniser, and journals the segment before it is transcribed. It copies the
/// samples into one of `JOURNAL_AUDIO_SLOTS_MAX` buffers reserved when the journal
/// opened and hands the buffer to the writer over an SPSC ring (the writer seals it and
/// returns the buffer over a second ring): it never allocates, frees, locks or waits.
/// When every buffer is in use (the writer far behind) the segment is not journaled and
/// counted (`JournalStats::audio_dropped`).
pub struct AudioJournal {
    free: rtrb::Consumer<Box<AudioSlot>>,
    filled: rtrb::Producer<Box<AudioSlot>>,
    /// A slot taken that could not be handed over (kept for the next segment).
    spare: Option<Box<AudioSlot>>,
    shared: Arc<Shared>,
    writer_thread: Thread,
    epoch: Instant,
}

impl std::fmt::Debug for AudioJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioJournal").finish_non_exhaustive()
    }
}

impl AudioJournal {
    /// Journals segment `segment`'s audio (`samples` in [-1, 1] at `rate_hz`, starting
    /// `start_s` seconds into the input; at most `SEGMENT_SAMPLES_MAX` are kept) as 16-bit
    /// samples and returns the record's sequence number, or `None` (counted) when no
    /// buffer is free. Never allocates or waits.
    pub fn offer(
        &mut self,
        segment: u64,
        start_s: f64,
        rate_hz: u32,
        samples: &[f32],
    ) -> Option<u64> {
        let slot = match self.spare.take() {
            Some(slot) => Some(slot),
            None => self.free.pop().ok(),
        };
        let Some(mut slot) = slot else {
            self.shared
                .counters
                .audio_dropped
                .fetch_add(1, Ordering::Relaxed);
            return None;
        };
        if self.filled.slots() == 0 {
            self.spare = Some(slot);
            self.shared
                .counters
                .audio_dropped
                .fetch_add(1, Ordering::Relaxed);
            return None;
        }
        slot.samples.clear();
        let kept = samples.len().min(slot.samples.capacity());
        slot.samples.extend(
            samples[..kept]
                .iter()
                .map(|x| (x.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16),
        );
        slot.segment = u32::try_from(segment).unwrap_or(u32::MAX);
        slot.start_s = start_s;
        slot.rate_hz = rate_hz;
        (slot.wall_ns, slot.mono_ns) = times(self.epoch);
        let seq = self.shared.next_seq.fetch_add(1, Ordering::AcqRel);
        slot.seq = seq;
        match self.filled.push(slot) {
            Ok(()) => {}
            // Not reached: `slots()` said there was room and only this side pushes.
            Err(rtrb::PushError::Full(slot)) => self.spare = Some(slot),
        }
        self.shared
            .counters
            .audio_records
            .fetch_add(1, Ordering::Relaxed);
        self.writer_thread.unpark();
        Some(seq)
    }

    /// Segments not journaled so far because no buffer was free.
    pub fn dropped(&self) -> u64 {
        self.shared.counters.audio_dropped.load(Ordering::Relaxed)
    }
}

struct CurrentFile {
    name: String,
    id: u64,
    bytes: u64,
}

struct Writer {
    storage: Box<dyn Storage>,
    sealer: Sealer,
    consumer: rtrb::Consumer<Entry>,
    /// Segments' audio from the `AudioJournal`, and the ring their buffers go back on.
    audio: rtrb::Consumer<Box<AudioSlot>>,
    audio_free: rtrb::Producer<Box<AudioSlot>>,
    /// Records settled (durable or lost) numbered above `durable_next`: the two producers
    /// take numbers from one counter, so the writer may see them slightly out of order.
    settled_ahead: BTreeSet<u64>,
    /// Every record numbered below this is settled.
    durable_next: u64,
    shared: Arc<Shared>,
    timing: WriterTiming,
    next_file: u64,
    current: Option<CurrentFile>,
    /// Records accepted and not yet durable, in sequence order: written to the current
    /// file, or waiting in memory while storage fails.
    unsynced: VecDeque<Entry>,
    unsynced_bytes: usize,
    /// When the last sync succeeded, on `timing.clock`.
    last_sync: Duration,
    /// Set while storage is failing: when to try a new file, on `timing.clock`.
    next_retry: Option<Duration>,
    scratch: Vec<u8>,
}

impl Writer {
    fn now(&self) -> Duration {
        self.timing.clock.now()
    }

    fn run(&mut self) {
        loop {
            self.shared.beats.fetch_add(1, Ordering::Relaxed);
            let stopping = self.shared.stop.load(Ordering::Acquire);
            loop {
                let entry = match self.audio.pop() {
                    Ok(slot) => self.audio_entry(slot),
                    Err(_) => match self.consumer.pop() {
                        Ok(entry) => entry,
                        Err(_) => break,
                    },
                };
                self.accept(entry);
                if self.now().saturating_sub(self.last_sync) >= self.timing.commit_interval {
                    self.commit();
                }
            }
            if !self.unsynced.is_empty() {
                self.commit();
            }
            if stopping && self.consumer.is_empty() && self.audio.is_empty() {
                break;
            }
            let pause = match self.next_retry {
                Some(at) => at.saturating_sub(self.now()),
                None => self.timing.commit_interval,
            };
            std::thread::park_timeout(pause.max(Duration::from_millis(1)));
        }
        if let Some(file) = self.current.take() {
            self.storage.close(&file.name);
        }
    }

    /// The record of a segment's audio; its buffer goes back to the `AudioJournal`.
    fn audio_entry(&mut self, slot: Box<AudioSlot>) -> Entry {
        let mut payload =
            Vec::with_capacity(super::codec::AUDIO_HEADER_BYTES + 2 * slot.samples.len());
        super::codec::encode_audio_parts(
            slot.segment,
            slot.start_s,
            slot.rate_hz,
            &slot.samples,
            &mut payload,
        );
        let entry = Entry {
            seq: slot.seq,
            kind: super::codec::Kind::Audio as u8,
            wall_ns: slot.wall_ns,
            mono_ns: slot.mono_ns,
            payload,
        };
        // The ring holds every slot there is, so the push cannot fail; were it to, the
        // slot would simply be dropped here, on the writer's thread.
        let _ = self.audio_free.push(slot);
        entry
    }

    /// Marks `seq` settled (durable or lost) and publishes how far the records are settled
    /// without a gap.
    fn settled(&mut self, seq: u64) {
        if seq >= self.durable_next {
            self.settled_ahead.insert(seq);
        }
        while self.settled_ahead.remove(&self.durable_next) {
            self.durable_next += 1;
        }
    }

    fn accept(&mut self, entry: Entry) {
        let size = entry.payload.len() + 64;
        if self.unsynced_bytes + size > JOURNAL_MEMORY_BUFFER_BYTES_MAX {
            self.shared
                .counters
                .records_lost
                .fetch_add(1, Ordering::Relaxed);
            lock(&self.shared.lost).push(entry.seq);
            self.shared.alert(format!(
                "record {} lost: storage is failing and the memory buffer ({} bytes) is full",
                entry.seq, JOURNAL_MEMORY_BUFFER_BYTES_MAX
            ));
            self.settled(entry.seq);
            self.shared.publish(self.durable_next);
            return;
        }
        if self.current.is_some() {
            if let Err(error) = self.write(&entry) {
                self.unsynced_bytes += size;
                self.unsynced.push_back(entry);
                self.abandon(&error);
                return;
            }
        }
        self.unsynced_bytes += size;
        self.unsynced.push_back(entry);
        self.shared
            .counters
            .memory_buffer_bytes
            .store(self.unsynced_bytes as u64, Ordering::Relaxed);
    }

    fn write(&mut self, entry: &Entry) -> Result<(), String> {
        let Some(file) = &mut self.current else {
            return Err("no file".to_owned());
        };
        self.scratch.clear();
        self.sealer
            .seal_frame(file.id, entry, &mut self.scratch)
            .map_err(|e| e.to_string())?;
        self.storage
            .append(&file.name, &self.scratch)
            .map_err(|e| format!("write to {} failed: {e}", file.name))?;
        file.bytes += self.scratch.len() as u64;
        self.shared
            .counters
            .records_written
            .fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Makes the unsynced records durable: a sync of the current file, or (storage failing
    /// or no file yet) a new file holding all of them.
    fn commit(&mut self) {
        if self.unsynced.is_empty() {
            return;
        }
        let Some(file) = &self.current else {
            if self.next_retry.is_none_or(|at| self.now() >= at) {
                self.recover();
            }
            return;
        };
        let name = file.name.clone();
        let full = file.bytes >= self.timing.file_bytes_max;
        self.shared.counters.syncs.fetch_add(1, Ordering::Relaxed);
        match self.storage.sync(&name) {
            Ok(()) => {
                self.last_sync = self.now();
                self.settle();
                if full {
                    self.storage.close(&name);
                    self.current = None;
                    self.next_retry = None;
                }
            }
            Err(error) => self.abandon(&format!("sync of {name} failed: {error}")),
        }
    }

    /// Everything unsynced is durable now.
    fn settle(&mut self) {
        if self.unsynced.is_empty() {
            return;
        }
        let seqs: Vec<u64> = self.unsynced.drain(..).map(|e| e.seq).collect();
        for seq in seqs {
            self.settled(seq);
        }
        self.unsynced_bytes = 0;
        self.shared
            .counters
            .memory_buffer_bytes
            .store(0, Ordering::Relaxed);
        self.shared.publish(self.durable_next);
    }

    /// The current file failed: never touch it again; move its unsynced records on.
    fn abandon(&mut self, error: &str) {
        if let Some(file) = self.current.take() {
            self.storage.close(&file.name);
            self.shared
                .counters
                .files_abandoned
                .fetch_add(1, Ordering::Relaxed);
            self.shared.alert(format!(
                "{error}; {} abandoned, unsaved records move to a new file",
                file.name
            ));
        }
        self.next_retry = None;
        self.recover();
    }

    /// Starts a new segment file and writes every unsynced record into it, then syncs it.
    fn recover(&mut self) {
        match self.open_new_file() {
            Ok(()) => {
                let pending: Vec<Entry> = self.unsynced.iter().cloned().collect();
                for entry in &pending {
                    if let Err(error) = self.write(entry) {
                        self.fail_new_file(&error);
                        return;
                    }
                }
                let Some(file) = &self.current else { return };
                let name = file.name.clone();
                self.shared.counters.syncs.fetch_add(1, Ordering::Relaxed);
                match self.storage.sync(&name) {
                    Ok(()) => {
                        if self.next_retry.is_some() {
                            self.shared
                                .alert(format!("storage works again: recording into {name}"));
                        }
                        self.next_retry = None;
                        self.last_sync = self.now();
                        self.settle();
                    }
                    Err(error) => self.fail_new_file(&format!("sync of {name} failed: {error}")),
                }
            }
            Err(error) => self.fail_new_file(&error),
        }
    }

    fn fail_new_file(&mut self, error: &str) {
        if let Some(file) = self.current.take() {
            self.storage.close(&file.name);
            self.shared
                .counters
                .files_abandoned
                .fetch_add(1, Ordering::Relaxed);
        }
        if self.next_retry.is_none() {
            self.shared.alert(format!(
                "{error}; keeping records in memory (up to {JOURNAL_MEMORY_BUFFER_BYTES_MAX} bytes) and retrying every {} ms",
                self.timing.retry_interval.as_millis()
            ));
        }
        self.next_retry = Some(self.now() + self.timing.retry_interval);
    }

    fn open_new_file(&mut self) -> Result<(), String> {
        let number = self.next_file;
        self.next_file += 1;
        let name = segment_name(number);
        self.storage
            .create(&name)
            .map_err(|e| format!("cannot create {name}: {e}"))?;
        let mut id_bytes = [0u8; 8];
        getrandom::fill(&mut id_bytes).map_err(|e| e.to_string())?;
        let id = u64::from_le_bytes(id_bytes);
        let header = self.sealer.file_header(id).map_err(|e| e.to_string())?;
        self.current = Some(CurrentFile {
            name: name.clone(),
            id,
            bytes: FILE_HEADER_BYTES as u64,
        });
        self.storage
            .append(&name, &header)
            .map_err(|e| format!("cannot write {name}: {e}"))?;
        self.storage
            .sync_dir()
            .map_err(|e| format!("cannot sync the journal directory: {e}"))?;
        Ok(())
    }
}
