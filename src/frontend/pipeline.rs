//! The capture and frontend threads and the ring between them.
//!
//! ```text
//!  source ─► [capture thread] ─ rtrb ring of f32 (input rate) ─► [frontend thread] ─► segments
//! ```
//! Both threads register their log ring and then declare themselves real-time to the
//! allocation guard before their loops; from then on they log only through `tlog!` (no
//! formatting, lock or write on the thread) and report their scheduling outcome through a
//! `OnceLock`, not a mutex.
//! Live input (or a file paced in real time) runs them pinned and SCHED_FIFO where
//! permitted, and a full ring is an overrun, counted; an unpaced file runs at normal
//! priority (a FIFO thread that never waits would starve the machine) and the capture
//! thread waits for room instead of dropping.
//!
//! A live device lost beyond recovery never ends the capture thread: it is counted as an
//! outage in [`FrontendStats`] and reopened (the same device or its fallback) with back-off
//! from `CAPTURE_REOPEN_BACKOFF_MIN_MS` to `CAPTURE_REOPEN_BACKOFF_MAX_MS`, while the VAD and
//! everything after it stay loaded. Each thread advances its heartbeat in `FrontendStats`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::audio::source::{AudioSource, SourceRead};
use crate::audio::AudioError;
use crate::config::{Config, ConfigError};
use crate::limits::{
    CAPTURE_CHUNK_FRAMES_MAX, CAPTURE_REOPEN_BACKOFF_MAX_MS, CAPTURE_REOPEN_BACKOFF_MIN_MS,
    CAPTURE_REOPEN_SLICE_MS, CAPTURE_RING_SAMPLES_MAX,
};
use crate::segment::{segment_channel, Overflow, SegmentReceiver, SegmentSlot, SegmenterSettings};
use crate::sys::alloc_guard::{clear_thread_role, is_realtime_thread, set_thread_role, ThreadRole};
use crate::sys::realtime::{lock_all_memory, make_current_thread_realtime, RealtimeOutcome};
use crate::tlog;
use crate::vad::weights::ModelFileError;
use crate::vad::SileroVad;

use super::stats::FrontendStats;
use super::Frontend;

/// How long a waiting thread sleeps before looking again when nobody wakes it.
const IDLE_WAIT: Duration = Duration::from_millis(5);

/// What can stop the front end from starting or running.
#[derive(Debug, Error)]
pub enum FrontendError {
    /// The audio source failed.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The VAD model could not be loaded.
    #[error(transparent)]
    Model(#[from] ModelFileError),
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A thread could not be started or died.
    #[error("front-end thread `{0}` failed: {1}")]
    Thread(&'static str, String),
}

/// Whether a file source is read at the pace of real time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pacing {
    /// As fast as the machine allows (offline processing).
    AsFastAsPossible,
    /// One second of audio per second (demo, soak tests).
    RealTime,
}

/// Capture periods per second of a file paced in real time (20 ms, as a sound card's
/// period of 1 024 frames at 48 kHz).
const PACED_PERIODS_PER_SECOND: usize = 50;

/// What the threads achieved when they asked for real-time scheduling.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealtimeReport {
    /// The capture thread's outcome.
    pub capture: RealtimeOutcome,
    /// The frontend thread's outcome.
    pub frontend: RealtimeOutcome,
}

/// Each thread's outcome, set once by the thread itself (no lock on a real-time thread).
#[derive(Debug, Default)]
struct RealtimeOutcomes {
    capture: OnceLock<RealtimeOutcome>,
    frontend: OnceLock<RealtimeOutcome>,
}

/// A running front end.
pub struct FrontendPipeline {
    receiver: SegmentReceiver,
    stats: Arc<FrontendStats>,
    stop: Arc<AtomicBool>,
    frontend_done: Arc<AtomicBool>,
    capture_thread: Option<JoinHandle<Result<Option<String>, AudioError>>>,
    frontend_thread: Option<JoinHandle<()>>,
    realtime: Arc<RealtimeOutcomes>,
    input_rate_hz: u32,
    reported: LossCounts,
}

/// The loss counters as last logged, so each burst is logged once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct LossCounts {
    overflow_bursts: u64,
    source_overruns: u64,
    capture_overflows: u64,
}

impl FrontendPipeline {
    /// Loads the VAD, reserves every buffer and starts the two threads on `source`.
    pub fn start(
        source: Box<dyn AudioSource>,
        config: &Config,
        pacing: Pacing,
    ) -> Result<Self, FrontendError> {
        let vad = SileroVad::load(&config.vad_weights_path()?)?;
        Self::start_with_vad(source, config, pacing, vad)
    }

    /// Like [`Self::start`] with an already loaded VAD (tests and benches load it once).
    pub fn start_with_vad(
        mut source: Box<dyn AudioSource>,
        config: &Config,
        pacing: Pacing,
        vad: SileroVad,
    ) -> Result<Self, FrontendError> {
        let live = source.is_live() || pacing == Pacing::RealTime;
        if live && config.threads.lock_memory {
            if let Err(errno) = lock_all_memory() {
                log::warn!(
                    "mlockall refused (errno {errno}); pages may be swapped and stall real-time \
                     threads — grant LimitMEMLOCK=infinity in the service unit"
                );
            }
        }
        let overflow = if live { Overflow::Drop } else { Overflow::Wait };
        let stats = Arc::new(FrontendStats::default());
        let input_rate_hz = source.sample_rate_hz();
        let (segmenter, receiver) = segment_channel(
            SegmenterSettings::from_config(&config.vad),
            overflow,
            Arc::clone(&stats),
        );
        let mut frontend = Frontend::new(input_rate_hz, vad, segmenter, Arc::clone(&stats))?;
        let (mut producer, mut consumer) = rtrb::RingBuffer::<f32>::new(CAPTURE_RING_SAMPLES_MAX);
        let stop = Arc::new(AtomicBool::new(false));
        let capture_done = Arc::new(AtomicBool::new(false));
        let frontend_done = Arc::new(AtomicBool::new(false));
        let realtime = Arc::new(RealtimeOutcomes::default());
        let threads = config.threads;
        // Silence written after an outage: enough for the segmenter to end a segment the
        // outage cut (its hangover and padding, and a VAD frame), so speech before and after
        // is never glued into one segment.
        let gap_samples = (u64::from(config.vad.min_silence_ms + config.vad.speech_pad_ms)
            * u64::from(input_rate_hz)
            / 1000) as usize
            + 2 * crate::limits::VAD_FRAME_SAMPLES * (input_rate_hz as usize)
                / crate::limits::PIPELINE_RATE_HZ as usize;
        let gap_samples = gap_samples.min(CAPTURE_RING_SAMPLES_MAX / 2);

        let frontend_thread = {
            let capture_done = Arc::clone(&capture_done);
            let stats = Arc::clone(&stats);
            let frontend_done = Arc::clone(&frontend_done);
            let realtime = Arc::clone(&realtime);
            std::thread::Builder::new()
                .name("tccc-frontend".to_owned())
                .spawn(move || {
                    crate::logging::register_thread();
                    let outcome = if live {
                        make_current_thread_realtime(
                            threads.frontend_core(),
                            threads.frontend_priority(),
                        )
                    } else {
                        RealtimeOutcome::default()
                    };
                    if live {
                        log_outcome("frontend", &outcome);
                    }
                    let _ = realtime.frontend.set(outcome);
                    set_thread_role(ThreadRole::Frontend);
                    loop {
                        stats.frontend_beats.fetch_add(1, Ordering::Relaxed);
                        let available = consumer.slots();
                        if available > 0 {
                            if let Ok(chunk) =
                                consumer.read_chunk(available.min(CAPTURE_CHUNK_FRAMES_MAX))
                            {
                                let (first, second) = chunk.as_slices();
                                frontend.process(first);
                                frontend.process(second);
                                chunk.commit_all();
                            }
                            continue;
                        }
                        if capture_done.load(Ordering::Acquire) {
                            if consumer.slots() == 0 {
                                break;
                            }
                            continue;
                        }
                        std::thread::park_timeout(IDLE_WAIT);
                    }
                    frontend.finish();
                    clear_thread_role();
                    stats.frontend_ended.store(true, Ordering::Release);
                    frontend_done.store(true, Ordering::Release);
                })
                .map_err(|e| FrontendError::Thread("frontend", e.to_string()))?
        };

        let capture_thread = {
            let stats = Arc::clone(&stats);
            let stop = Arc::clone(&stop);
            let capture_done = Arc::clone(&capture_done);
            let realtime = Arc::clone(&realtime);
            let frontend_handle = frontend_thread.thread().clone();
            std::thread::Builder::new()
                .name("tccc-capture".to_owned())
                .spawn(move || {
                    crate::logging::register_thread();
                    let mut chunk = vec![0f32; CAPTURE_CHUNK_FRAMES_MAX].into_boxed_slice();
                    let outcome = if live {
                        make_current_thread_realtime(
                            threads.capture_core(),
                            threads.capture_priority(),
                        )
                    } else {
                        RealtimeOutcome::default()
                    };
                    if live {
                        log_outcome("capture", &outcome);
                    }
                    let _ = realtime.capture.set(outcome);
                    set_thread_role(ThreadRole::Capture);
                    let result = capture_loop(
                        source.as_mut(),
                        &mut producer,
                        &mut chunk,
                        &stats,
                        &stop,
                        pacing,
                        overflow,
                        gap_samples,
                        &frontend_handle,
                    );
                    clear_thread_role();
                    stats.capture_ended.store(true, Ordering::Release);
                    capture_done.store(true, Ordering::Release);
                    frontend_handle.unpark();
                    result.map(|()| source.final_warning())
                })
                .map_err(|e| FrontendError::Thread("capture", e.to_string()))?
        };

        Ok(FrontendPipeline {
            receiver,
            stats,
            stop,
            frontend_done,
            capture_thread: Some(capture_thread),
            frontend_thread: Some(frontend_thread),
            realtime,
            input_rate_hz,
            reported: LossCounts::default(),
        })
    }

    /// Logs (once per burst, from the consumer's thread, through the deferred log so the
    /// ASR thread never formats or writes) any new overrun, capture overflow or dropped
    /// segment.
    fn log_new_losses(&mut self) {
        let now = LossCounts {
            overflow_bursts: self.stats.segmenter.overflow_bursts.load(Ordering::Relaxed),
            source_overruns: self.stats.source_overruns.load(Ordering::Relaxed),
            capture_overflows: self.stats.capture_overflows.load(Ordering::Relaxed),
        };
        if now == self.reported {
            return;
        }
        if now.overflow_bursts > self.reported.overflow_bursts {
            tlog!(
                warn,
                "speech segments dropped: the segment pool or ring is full (the recogniser is \
                 behind); {} dropped so far",
                self.stats.segments_dropped()
            );
        }
        if now.source_overruns > self.reported.source_overruns {
            tlog!(
                warn,
                "audio device overrun (xrun), recovered; {} so far",
                now.source_overruns
            );
        }
        if now.capture_overflows > self.reported.capture_overflows {
            tlog!(
                warn,
                "capture ring full: {} samples dropped so far (the frontend thread is starved)",
                self.stats.capture_overflow_samples.load(Ordering::Relaxed)
            );
        }
        self.reported = now;
    }

    /// The next segment, waiting for it; `None` once the input has ended and every segment
    /// has been delivered.
    pub fn next_segment(&mut self) -> Option<Box<SegmentSlot>> {
        loop {
            self.stats.asr_beats.fetch_add(1, Ordering::Relaxed);
            self.log_new_losses();
            if let Some(slot) = self.receiver.try_next() {
                return Some(slot);
            }
            if self.frontend_done.load(Ordering::Acquire) {
                return self.receiver.try_next();
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The next segment if one is ready now.
    pub fn try_next_segment(&mut self) -> Option<Box<SegmentSlot>> {
        self.log_new_losses();
        self.receiver.try_next()
    }

    /// True once the input has ended and the front end has flushed.
    pub fn is_finished(&self) -> bool {
        self.frontend_done.load(Ordering::Acquire)
    }

    /// Asks for provisional segments at pauses (the live recogniser's speculation; see
    /// `segment::SegmentReceiver::want_provisional`). Off by default: other consumers see
    /// finished segments only.
    pub fn want_provisional_segments(&self, on: bool) {
        self.receiver.want_provisional(on);
    }

    /// Whether another segment is already waiting.
    pub fn has_waiting_segment(&self) -> bool {
        self.receiver.has_waiting()
    }

    /// Returns a segment's slot to the pool.
    pub fn release(&mut self, slot: Box<SegmentSlot>) {
        self.receiver.release(slot);
    }

    /// The live counters.
    pub fn stats(&self) -> &Arc<FrontendStats> {
        &self.stats
    }

    /// The source's sample rate.
    pub fn input_rate_hz(&self) -> u32 {
        self.input_rate_hz
    }

    /// What the threads got when they asked for real-time scheduling.
    pub fn realtime_report(&self) -> RealtimeReport {
        RealtimeReport {
            capture: self.realtime.capture.get().copied().unwrap_or_default(),
            frontend: self.realtime.frontend.get().copied().unwrap_or_default(),
        }
    }

    /// Asks the capture thread to stop (live sources never end by themselves).
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    /// Waits for both threads; returns the source's final warning (a truncated file), or
    /// the error that ended capture.
    pub fn join(mut self) -> Result<Option<String>, FrontendError> {
        self.request_stop();
        let capture = self.capture_thread.take().map(JoinHandle::join);
        let frontend = self.frontend_thread.take().map(JoinHandle::join);
        if let Some(Err(_)) = frontend {
            return Err(FrontendError::Thread("frontend", "panicked".to_owned()));
        }
        match capture {
            Some(Ok(result)) => Ok(result?),
            Some(Err(_)) => Err(FrontendError::Thread("capture", "panicked".to_owned())),
            None => Ok(None),
        }
    }
}

impl Drop for FrontendPipeline {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// Logs, once per thread, what scheduling it got. The thread may already run at SCHED_FIFO,
/// so this only queues records on its ring (`tlog!`): no formatting, lock or write here.
fn log_outcome(thread: &'static str, outcome: &RealtimeOutcome) {
    match outcome.pinned_core {
        Some(core) => tlog!(info, "{} thread: pinned to core {}", thread, core),
        None => tlog!(info, "{} thread: not pinned", thread),
    }
    match (outcome.fifo_priority, outcome.fifo_refused_errno) {
        (Some(priority), _) => tlog!(info, "{} thread: SCHED_FIFO {}", thread, priority),
        (None, Some(errno)) => tlog!(
            warn,
            "{} thread: SCHED_FIFO refused (errno {}; grant CAP_SYS_NICE or LimitRTPRIO in the \
             service unit); running at normal priority",
            thread,
            errno
        ),
        (None, None) => tlog!(info, "{} thread: normal priority", thread),
    }
}

#[allow(clippy::too_many_arguments)]
fn capture_loop(
    source: &mut dyn AudioSource,
    producer: &mut rtrb::Producer<f32>,
    chunk: &mut [f32],
    stats: &FrontendStats,
    stop: &AtomicBool,
    pacing: Pacing,
    overflow: Overflow,
    gap_samples: usize,
    frontend: &std::thread::Thread,
) -> Result<(), AudioError> {
    let started = Instant::now();
    let rate = f64::from(source.sample_rate_hz());
    let paced = pacing == Pacing::RealTime && !source.is_live();
    // A paced file is read one capture period at a time and each period is handed on when
    // its last sample would have been captured, as a device delivers it: a latency measured
    // on it then includes a period, not audio handed over before it was spoken.
    let period = if paced {
        (source.sample_rate_hz() as usize / PACED_PERIODS_PER_SECOND).clamp(1, chunk.len())
    } else {
        chunk.len()
    };
    let mut frames_read: u64 = 0;
    let mut overruns_seen = 0;
    while !stop.load(Ordering::Acquire) {
        stats.capture_beats.fetch_add(1, Ordering::Relaxed);
        let count = match source.read_mono(&mut chunk[..period]) {
            Ok(SourceRead::End) => return Ok(()),
            Ok(SourceRead::Frames(count)) => count,
            Err(error) if source.is_live() => match reopen_with_backoff(source, stats, stop, error)
            {
                Reopened::Capturing => {
                    write_silence(producer, gap_samples, frontend);
                    continue;
                }
                Reopened::Stopped => return Ok(()),
                Reopened::Final(error) => return Err(error),
            },
            Err(error) => return Err(error),
        };
        let overruns = source.overruns();
        if overruns != overruns_seen {
            stats
                .source_overruns
                .fetch_add(overruns - overruns_seen, Ordering::Relaxed);
            overruns_seen = overruns;
        }
        frames_read += count as u64;
        if paced {
            let due = Duration::from_secs_f64(frames_read as f64 / rate);
            let elapsed = started.elapsed();
            if due > elapsed {
                std::thread::sleep(due - elapsed);
            }
        }
        stats
            .captured_frames
            .fetch_add(count as u64, Ordering::Relaxed);
        let mut pending = &chunk[..count];
        while !pending.is_empty() {
            let room = producer.slots().min(pending.len());
            if room > 0 {
                if let Ok(write) = producer.write_chunk_uninit(room) {
                    write.fill_from_iter(pending[..room].iter().copied());
                }
                pending = &pending[room..];
                frontend.unpark();
            }
            if pending.is_empty() {
                break;
            }
            match overflow {
                Overflow::Drop => {
                    stats.capture_overflows.fetch_add(1, Ordering::Relaxed);
                    stats
                        .capture_overflow_samples
                        .fetch_add(pending.len() as u64, Ordering::Relaxed);
                    break;
                }
                Overflow::Wait => {
                    if stop.load(Ordering::Acquire) {
                        return Ok(());
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
    }
    Ok(())
}

/// Writes up to `samples` zeros (what the ring has room for): the gap an outage left.
fn write_silence(
    producer: &mut rtrb::Producer<f32>,
    samples: usize,
    frontend: &std::thread::Thread,
) {
    let room = producer.slots().min(samples);
    if room > 0 {
        if let Ok(write) = producer.write_chunk_uninit(room) {
            write.fill_from_iter(std::iter::repeat(0.0));
        }
        frontend.unpark();
    }
}

/// How a lost live source ended.
enum Reopened {
    /// Capture resumed (on the same or the fallback device).
    Capturing,
    /// Capture was asked to stop while the device was lost.
    Stopped,
    /// The source cannot be reopened: its read error ends capture.
    Final(AudioError),
}

/// Reopens a lost live source, waiting `CAPTURE_REOPEN_BACKOFF_MIN_MS` before the first
/// try and doubling the wait after each failed one up to `CAPTURE_REOPEN_BACKOFF_MAX_MS`,
/// until it opens or capture is stopped. The outage is counted in `stats`; the thread's
/// heartbeat goes on (a lost headset is not a hung thread). Opening a device allocates, so
/// the thread leaves the real-time allocation rule until capture resumes.
fn reopen_with_backoff(
    source: &mut dyn AudioSource,
    stats: &FrontendStats,
    stop: &AtomicBool,
    error: AudioError,
) -> Reopened {
    let realtime = is_realtime_thread();
    clear_thread_role();
    let outage = stats.capture_outages.fetch_add(1, Ordering::Relaxed) + 1;
    stats.capture_down.store(true, Ordering::Release);
    log::warn!("capture device lost (outage {outage}): {error}; reopening with back-off");
    let lost = Instant::now();
    let mut wait = Duration::from_millis(CAPTURE_REOPEN_BACKOFF_MIN_MS);
    let slice = Duration::from_millis(CAPTURE_REOPEN_SLICE_MS);
    loop {
        let until = Instant::now() + wait;
        loop {
            if stop.load(Ordering::Acquire) {
                return Reopened::Stopped;
            }
            stats.capture_beats.fetch_add(1, Ordering::Relaxed);
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(slice));
        }
        match source.reopen() {
            None => {
                stats.capture_down.store(false, Ordering::Release);
                return Reopened::Final(error);
            }
            Some(Ok(device)) => {
                let took = lost.elapsed();
                stats
                    .capture_last_outage_ms
                    .store(took.as_millis() as u64, Ordering::Relaxed);
                stats.capture_device.store(device as u64, Ordering::Relaxed);
                stats.capture_recoveries.fetch_add(1, Ordering::Relaxed);
                stats.capture_down.store(false, Ordering::Release);
                log::info!(
                    "capture resumed on device {device} after {:.1} s (outage {outage})",
                    took.as_secs_f64()
                );
                drop(error);
                if realtime {
                    set_thread_role(ThreadRole::Capture);
                }
                return Reopened::Capturing;
            }
            Some(Err(failure)) => {
                let failures = stats
                    .capture_reopen_failures
                    .fetch_add(1, Ordering::Relaxed)
                    + 1;
                // Logged on the 1st, 2nd, 4th, 8th… failure: a long outage does not flood.
                if failures.is_power_of_two() {
                    log::warn!(
                        "capture device still lost ({failures} failed reopen(s)): {failure}"
                    );
                }
                wait = (wait * 2).min(Duration::from_millis(CAPTURE_REOPEN_BACKOFF_MAX_MS));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    /// A live source that is lost after some reads, refuses `failed_reopens` reopens, then
    /// comes back on device 1 (the fallback) and stops capture after more reads.
    struct FlakyDevice {
        reads_before_loss: u32,
        failed_reopens: u32,
        reads_after: u32,
        lost: bool,
        was_lost: bool,
        reopens: u32,
        stop: Arc<AtomicBool>,
    }

    const FRAMES_PER_READ: usize = 160;

    impl AudioSource for FlakyDevice {
        fn sample_rate_hz(&self) -> u32 {
            16_000
        }
        fn is_live(&self) -> bool {
            true
        }
        fn read_mono(&mut self, out: &mut [f32]) -> Result<SourceRead, AudioError> {
            assert!(!self.lost, "read from a lost device before it was reopened");
            let left = if self.was_lost {
                &mut self.reads_after
            } else {
                &mut self.reads_before_loss
            };
            if *left > 0 {
                *left -= 1;
                out[..FRAMES_PER_READ].fill(0.1);
                return Ok(SourceRead::Frames(FRAMES_PER_READ));
            }
            if !self.was_lost {
                self.lost = true;
                self.was_lost = true;
                return Err(AudioError::Io(std::io::Error::from_raw_os_error(19)));
            }
            self.stop.store(true, Ordering::Release);
            Ok(SourceRead::Frames(0))
        }
        fn reopen(&mut self) -> Option<Result<usize, AudioError>> {
            self.reopens += 1;
            if self.failed_reopens > 0 {
                self.failed_reopens -= 1;
                return Some(Err(AudioError::Io(std::io::Error::from_raw_os_error(2))));
            }
            self.lost = false;
            Some(Ok(1))
        }
    }

    const GAP: usize = 500;

    fn run_capture(source: &mut dyn AudioSource, stop: &AtomicBool) -> (FrontendStats, bool) {
        run_capture_into(source, stop).0
    }

    /// Runs capture over `source`; also gives what reached the ring.
    fn run_capture_into(
        source: &mut dyn AudioSource,
        stop: &AtomicBool,
    ) -> ((FrontendStats, bool), Vec<f32>) {
        let stats = FrontendStats::default();
        let (mut producer, mut consumer) = rtrb::RingBuffer::<f32>::new(CAPTURE_RING_SAMPLES_MAX);
        let mut chunk = vec![0f32; CAPTURE_CHUNK_FRAMES_MAX];
        let result = capture_loop(
            source,
            &mut producer,
            &mut chunk,
            &stats,
            stop,
            Pacing::AsFastAsPossible,
            Overflow::Drop,
            GAP,
            &std::thread::current(),
        );
        let mut ring = Vec::new();
        while let Ok(sample) = consumer.pop() {
            ring.push(sample);
        }
        ((stats, result.is_ok()), ring)
    }

    #[test]
    fn a_lost_live_device_is_reopened_with_backoff_and_capture_goes_on() {
        let stop = Arc::new(AtomicBool::new(false));
        let mut device = FlakyDevice {
            reads_before_loss: 5,
            failed_reopens: 2,
            reads_after: 7,
            lost: false,
            was_lost: false,
            reopens: 0,
            stop: Arc::clone(&stop),
        };
        let ((stats, ok), ring) = run_capture_into(&mut device, &stop);
        assert!(ok, "capture ended with an error on device loss");
        // The audio before the outage, silence for the segmenter, the audio after it.
        let before = FRAMES_PER_READ * 5;
        assert_eq!(ring.len(), FRAMES_PER_READ * 12 + GAP);
        assert!(ring[..before].iter().all(|&s| s == 0.1));
        assert!(ring[before..before + GAP].iter().all(|&s| s == 0.0));
        assert!(ring[before + GAP..].iter().all(|&s| s == 0.1));
        assert_eq!(device.reopens, 3);
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        assert_eq!(load(&stats.capture_outages), 1);
        assert_eq!(load(&stats.capture_recoveries), 1);
        assert_eq!(load(&stats.capture_reopen_failures), 2);
        assert_eq!(load(&stats.capture_device), 1);
        assert!(!stats.capture_down.load(Ordering::Acquire));
        assert_eq!(
            load(&stats.captured_frames),
            (FRAMES_PER_READ * 12) as u64,
            "audio before and after the outage"
        );
        // Waits of 100, 200 and 400 ms came before the three tries.
        assert!(
            load(&stats.capture_last_outage_ms) >= CAPTURE_REOPEN_BACKOFF_MIN_MS * (1 + 2 + 4),
            "{} ms",
            load(&stats.capture_last_outage_ms)
        );
        assert!(load(&stats.capture_beats) > 12, "the heartbeat went on");
    }

    #[test]
    fn a_stop_during_an_outage_ends_capture_cleanly() {
        let stop = Arc::new(AtomicBool::new(false));
        let mut device = FlakyDevice {
            reads_before_loss: 1,
            failed_reopens: u32::MAX,
            reads_after: 0,
            lost: false,
            was_lost: false,
            reopens: 0,
            stop: Arc::clone(&stop),
        };
        let stopper = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(400));
                stop.store(true, Ordering::Release);
            })
        };
        let (stats, ok) = run_capture(&mut device, &stop);
        stopper.join().unwrap();
        assert!(ok);
        assert_eq!(stats.capture_outages.load(Ordering::Relaxed), 1);
        assert_eq!(stats.capture_recoveries.load(Ordering::Relaxed), 0);
        assert!(stats.capture_down.load(Ordering::Acquire));
        assert!(device.reopens >= 1);
    }

    #[test]
    fn a_file_that_fails_mid_read_still_ends_capture_with_its_error() {
        struct Broken;
        impl AudioSource for Broken {
            fn sample_rate_hz(&self) -> u32 {
                16_000
            }
            fn is_live(&self) -> bool {
                false
            }
            fn read_mono(&mut self, _: &mut [f32]) -> Result<SourceRead, AudioError> {
                Err(AudioError::Io(std::io::Error::from_raw_os_error(5)))
            }
        }
        let stop = AtomicBool::new(false);
        let (stats, ok) = run_capture(&mut Broken, &stop);
        assert!(!ok);
        assert_eq!(stats.capture_outages.load(Ordering::Relaxed), 0);
    }
}
