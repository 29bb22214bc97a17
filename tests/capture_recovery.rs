//! Issue 13's audio bar: the capture device removed for 10 s and restored, through the real
//! alsa-lib open path. The device is alsa-lib's `file` PCM (a raw file over a `null`
//! slave) defined in a configuration file named by `ALSA_CONFIG_PATH`; alsa-lib reads that
//! file again whenever it changes, so removing the definition makes every reopen fail
//! ("unknown PCM") and putting it back makes the next one succeed, as a re-plugged USB
//! headset does. The unplug itself (a read that fails with ENODEV) is injected by a thin
//! wrapper, since a file cannot fail a read; the wrapper also paces reads at the device
//! rate (a `null` slave has no clock).
#![cfg(feature = "alsa-capture")]
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use tccc::audio::alsa_capture::{AlsaSettings, AlsaSource};
use tccc::audio::source::{AudioSource, SourceRead};
use tccc::audio::AudioError;
use tccc::config::Config;
use tccc::frontend::pipeline::{FrontendPipeline, Pacing};
use tccc::sys::alloc_guard::{
    allocations, clear_thread_role, set_abort_on_realtime_allocation, ThreadRole,
};

const RATE_HZ: u32 = 48_000;
/// A segment's start and end in seconds of captured audio.
type Span = (f64, f64);
/// How long the device stays away.
const OUTAGE: Duration = Duration::from_secs(10);

/// The ALSA source with an unplug switch and the clock a sound card would have.
struct Headset {
    inner: AlsaSource,
    unplugged: Arc<AtomicBool>,
    epoch: Instant,
    frames: u64,
}

impl AudioSource for Headset {
    fn sample_rate_hz(&self) -> u32 {
        self.inner.sample_rate_hz()
    }
    fn is_live(&self) -> bool {
        true
    }
    fn read_mono(&mut self, out: &mut [f32]) -> Result<SourceRead, AudioError> {
        if self.unplugged.load(Ordering::Acquire) {
            // What alsa-lib returns for a disconnected USB card; like the real source, the
            // thread leaves the real-time rule before building the error.
            clear_thread_role();
            return Err(AudioError::Io(std::io::Error::from_raw_os_error(19)));
        }
        let read = self.inner.read_mono(out)?;
        if let SourceRead::Frames(n) = read {
            self.frames += n as u64;
            let due = self.epoch + Duration::from_secs_f64(self.frames as f64 / f64::from(RATE_HZ));
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        Ok(read)
    }
    fn reopen(&mut self) -> Option<Result<usize, AudioError>> {
        let reopened = self.inner.reopen();
        if let Some(Ok(_)) = reopened {
            self.unplugged.store(false, Ordering::Release);
            self.epoch = Instant::now();
            self.frames = 0;
        }
        reopened
    }
}

fn clip() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vad/narration.wav")
}

/// The scratch folder, the configuration file alsa-lib watches and the raw capture file.
struct AlsaSetup {
    conf: PathBuf,
    raw: PathBuf,
}

impl AlsaSetup {
    /// Defines (or, with `present` false, removes) the `tccc_headset` PCM. The file is
    /// replaced by a rename, so alsa-lib sees a new file whatever the clock's resolution.
    fn plug(&self, present: bool) {
        let text = if present {
            format!(
                "pcm.tccc_headset {{\n  type file\n  slave.pcm {{ type null }}\n  file \"/dev/null\"\n  infile \"{}\"\n  format \"raw\"\n}}\n",
                self.raw.display()
            )
        } else {
            "# the headset is unplugged\n".to_owned()
        };
        let next = self.conf.with_extension("next");
        std::fs::write(&next, text).unwrap();
        std::fs::rename(&next, &self.conf).unwrap();
    }
}

fn setup() -> &'static AlsaSetup {
    static SETUP: std::sync::OnceLock<AlsaSetup> = std::sync::OnceLock::new();
    SETUP.get_or_init(|| {
        require_tool("sox");
        let dir = scratch("capture-recovery");
        let raw = dir.join("capture.raw");
        let status = std::process::Command::new("sox")
            .arg(clip())
            .args([
                "-r", "48000", "-c", "2", "-b", "16", "-e", "signed", "-t", "raw",
            ])
            .arg(&raw)
            .status()
            .unwrap();
        assert!(status.success());
        let setup = AlsaSetup {
            conf: dir.join("tccc-alsa.conf"),
            raw,
        };
        setup.plug(true);
        // The system's configuration first (it defines the plugin types), then ours.
        let system = ["/usr/share/alsa/alsa.conf", "/etc/alsa/alsa.conf"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .unwrap_or("/usr/share/alsa/alsa.conf");
        std::env::set_var(
            "ALSA_CONFIG_PATH",
            format!("{system}:{}", setup.conf.display()),
        );
        setup
    })
}

/// The tests share the configuration file: one at a time.
fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn settings(device: &str) -> AlsaSettings {
    AlsaSettings {
        device: device.to_owned(),
        rate_hz: RATE_HZ,
        channels: 2,
        period_frames: 1024,
    }
}

#[test]
fn a_device_removed_for_10_s_and_restored_is_captured_again() {
    let _one = exclusive();
    let alsa = setup();
    alsa.plug(true);
    set_abort_on_realtime_allocation(false);
    let (inner, problem) = AlsaSource::open_or_wait(&settings("tccc_headset"), "");
    assert!(problem.is_none(), "{problem:?}");
    let unplugged = Arc::new(AtomicBool::new(false));
    let source = Headset {
        inner,
        unplugged: Arc::clone(&unplugged),
        epoch: Instant::now(),
        frames: 0,
    };
    let mut config = Config::default();
    config.threads.capture_priority = 0;
    config.threads.frontend_priority = 0;
    config.threads.lock_memory = false;
    let before = (
        allocations(ThreadRole::Capture),
        allocations(ThreadRole::Frontend),
    );
    let mut pipeline =
        FrontendPipeline::start(Box::new(source), &config, Pacing::RealTime).unwrap();
    let stats = Arc::clone(pipeline.stats());
    let mut segments = Vec::new();
    let mut collect_for = |pipeline: &mut FrontendPipeline, how_long: Duration| {
        let until = Instant::now() + how_long;
        while Instant::now() < until {
            while let Some(segment) = pipeline.try_next_segment() {
                segments.push((segment.start_s(), segment.end_s()));
                pipeline.release(segment);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    // The clip's speech (0.4 to 6.8 s) is under way when the headset goes.
    collect_for(&mut pipeline, Duration::from_millis(3_000));
    // Unplugged: reads fail, and so does every reopen until the device is back.
    alsa.plug(false);
    unplugged.store(true, Ordering::Release);
    collect_for(&mut pipeline, OUTAGE);
    let frames_at_unplug = stats.captured_frames.load(Ordering::Relaxed);
    assert!(
        stats.capture_down.load(Ordering::Acquire),
        "not seen as lost"
    );
    assert_eq!(stats.capture_outages.load(Ordering::Relaxed), 1);
    let failures = stats.capture_reopen_failures.load(Ordering::Relaxed);
    assert!(failures >= 4, "{failures} reopen tries in 10 s");
    alsa.plug(true);
    // The clip plays again from its start (the file PCM reopens its input).
    collect_for(&mut pipeline, Duration::from_secs(9));
    pipeline.request_stop();
    while let Some(segment) = pipeline.try_next_segment() {
        segments.push((segment.start_s(), segment.end_s()));
        pipeline.release(segment);
    }
    pipeline.join().unwrap();
    let after = (
        allocations(ThreadRole::Capture),
        allocations(ThreadRole::Frontend),
    );
    assert_eq!(stats.capture_recoveries.load(Ordering::Relaxed), 1);
    assert!(!stats.capture_down.load(Ordering::Acquire));
    let outage_ms = stats.capture_last_outage_ms.load(Ordering::Relaxed);
    assert!(outage_ms >= OUTAGE.as_millis() as u64, "{outage_ms} ms");
    println!(
        "outage {outage_ms} ms, {failures} failed reopens, segments {segments:?}, frames at unplug {frames_at_unplug}"
    );
    // Speech after the outage is segmented like the clip itself.
    let unplugged_at_s = frames_at_unplug as f64 / f64::from(RATE_HZ);
    let from_wav = segments_of(&clip(), &config);
    let (after_outage, before_outage): (Vec<&Span>, Vec<&Span>) = segments
        .iter()
        .partition(|(start, _)| *start >= unplugged_at_s);
    // The speech the outage cut is one segment of its own (the silence written after the
    // outage ends it), not glued to the speech after it.
    assert_eq!(before_outage.len(), 1, "{segments:?}");
    assert!(
        before_outage[0].1 < after_outage.first().map_or(f64::MAX, |s| s.0),
        "{segments:?}"
    );
    assert_eq!(
        after_outage.len(),
        from_wav.len(),
        "after the outage {after_outage:?}; the clip has {from_wav:?}"
    );
    for (heard, clip) in after_outage.iter().zip(&from_wav) {
        let offset = heard.0 - clip.0;
        assert!(
            (heard.1 - clip.1 - offset).abs() < 0.1,
            "{heard:?} vs {clip:?} shifted by {offset}"
        );
    }
    // Only the outage (off the real-time rule) allocated; steady capture did not.
    assert_eq!(
        after.1, before.1,
        "the frontend thread allocated across the outage"
    );
    assert_eq!(
        after.0, before.0,
        "the capture thread allocated under its real-time role"
    );
}

#[test]
fn a_missing_device_starts_on_the_fallback_and_reopens_the_configured_one_first() {
    let _one = exclusive();
    let alsa = setup();
    alsa.plug(true);
    let (mut source, problem) =
        AlsaSource::open_or_wait(&settings("tccc_no_such_headset"), "tccc_headset");
    let problem = problem.unwrap().to_string();
    assert!(problem.contains("tccc_no_such_headset"), "{problem}");
    assert_eq!(source.device(), "tccc_headset");
    assert_eq!(source.sample_rate_hz(), RATE_HZ);
    // Lost again: the configured device is tried first, then the fallback (index 1).
    assert_eq!(source.reopen().unwrap().unwrap(), 1);
    let mut out = vec![0f32; 4096];
    assert!(matches!(source.read_mono(&mut out), Ok(SourceRead::Frames(n)) if n > 0));

    // Neither present: the service still starts, lost, at the requested rate.
    let (mut source, problem) =
        AlsaSource::open_or_wait(&settings("tccc_no_such_headset"), "tccc_nor_this");
    assert!(problem.unwrap().to_string().contains("tccc_nor_this"));
    assert!(source.read_mono(&mut out).is_err());
    assert!(source.reopen().unwrap().is_err());
    assert_eq!(source.sample_rate_hz(), RATE_HZ);
}
