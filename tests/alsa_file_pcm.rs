//! The real alsa-lib capture path without sound hardware: an asoundrc written here turns a
//! raw file into a capture device (alsa-lib's `file` PCM with `infile` over a `null`
//! slave), and the front end must find the same speech in it as in the WAV file, with no
//! allocation on the real-time threads.
//!
//! A `null` slave delivers frames as fast as they are read, not at the device rate, so the
//! test paces the device the way a sound card would (one second of audio per second), with
//! the live drop-on-overflow policy.
#![cfg(feature = "alsa-capture")]
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use tccc::audio::alsa_capture::{AlsaSettings, AlsaSource};
use tccc::audio::source::{AudioSource, SourceRead};
use tccc::audio::AudioError;
use tccc::config::Config;
use tccc::frontend::pipeline::{FrontendPipeline, Pacing};
use tccc::sys::alloc_guard::{allocations, set_abort_on_realtime_allocation, ThreadRole};

/// The ALSA source, paced by the capture thread because the `null` slave has no clock.
struct ClocklessDevice(AlsaSource);

impl AudioSource for ClocklessDevice {
    fn sample_rate_hz(&self) -> u32 {
        self.0.sample_rate_hz()
    }
    fn is_live(&self) -> bool {
        false
    }
    fn read_mono(&mut self, out: &mut [f32]) -> Result<SourceRead, AudioError> {
        self.0.read_mono(out)
    }
    fn overruns(&self) -> u64 {
        self.0.overruns()
    }
}

fn clip() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vad/narration.wav")
}

/// Writes the raw capture file and the asoundrc once, before any test touches ALSA
/// (alsa-lib reads its configuration once per process).
fn configure_alsa() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(write_alsa_configuration);
}

fn write_alsa_configuration() {
    require_tool("sox");
    let dir = scratch("alsa-file-pcm");
    let clip = clip();
    // 48 kHz stereo raw s16le: the device format differs from the pipeline's on purpose.
    let raw = dir.join("capture.raw");
    let status = std::process::Command::new("sox")
        .arg(&clip)
        .args([
            "-r", "48000", "-c", "2", "-b", "16", "-e", "signed", "-t", "raw",
        ])
        .arg(&raw)
        .status()
        .unwrap();
    assert!(status.success());
    let asoundrc = format!(
        "pcm.tccc_test {{\n  type file\n  slave.pcm {{ type null }}\n  file \"/dev/null\"\n  infile \"{}\"\n  format \"raw\"\n}}\n",
        raw.display()
    );
    std::fs::write(dir.join(".asoundrc"), asoundrc).unwrap();
    // alsa-lib reads ~/.asoundrc on first use; this test binary uses ALSA nowhere else.
    std::env::set_var("HOME", &dir);
}

#[test]
fn alsa_file_pcm_capture_finds_the_same_speech_as_the_wav_path() {
    configure_alsa();
    set_abort_on_realtime_allocation(false);
    let clip = clip();

    let settings = AlsaSettings {
        device: "tccc_test".to_owned(),
        rate_hz: 48_000,
        channels: 2,
        period_frames: 1024,
    };
    let source = AlsaSource::open(&settings).unwrap();
    assert_eq!(source.sample_rate_hz(), 48_000);
    assert_eq!(source.format().channels, 2);
    let mut config = Config::default();
    config.threads.capture_priority = 0;
    config.threads.frontend_priority = 0;
    let before = (
        allocations(ThreadRole::Capture),
        allocations(ThreadRole::Frontend),
    );
    let mut pipeline =
        FrontendPipeline::start(Box::new(ClocklessDevice(source)), &config, Pacing::RealTime)
            .unwrap();
    // The clip lasts 6.8 s; after it the device reads silence.
    let started = Instant::now();
    let mut captured = Vec::new();
    while started.elapsed() < Duration::from_secs(9) {
        if let Some(segment) = pipeline.try_next_segment() {
            captured.push((segment.start_s(), segment.end_s()));
            pipeline.release(segment);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    pipeline.request_stop();
    while let Some(segment) = pipeline.try_next_segment() {
        captured.push((segment.start_s(), segment.end_s()));
        pipeline.release(segment);
    }
    let stats = std::sync::Arc::clone(pipeline.stats());
    pipeline.join().unwrap();
    let after = (
        allocations(ThreadRole::Capture),
        allocations(ThreadRole::Frontend),
    );
    assert_eq!(
        after, before,
        "a real-time thread allocated during ALSA capture"
    );

    println!(
        "captured {} frames, {} overruns",
        stats
            .captured_frames
            .load(std::sync::atomic::Ordering::Relaxed),
        stats
            .source_overruns
            .load(std::sync::atomic::Ordering::Relaxed)
    );
    let from_wav = segments_of(&clip, &config);
    println!("ALSA: {captured:?}\nWAV:  {from_wav:?}");
    assert_eq!(
        captured.len(),
        from_wav.len(),
        "ALSA and WAV paths found different segment counts"
    );
    for (alsa, wav) in captured.iter().zip(&from_wav) {
        assert!(
            (alsa.0 - wav.0).abs() < 0.1 && (alsa.1 - wav.1).abs() < 0.1,
            "ALSA {alsa:?} vs WAV {wav:?}"
        );
    }
    assert!(
        stats
            .captured_frames
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 48_000 * 6
    );
}

#[test]
fn a_missing_device_is_a_clear_error() {
    configure_alsa();
    let settings = AlsaSettings {
        device: "no_such_device_tccc".to_owned(),
        rate_hz: 48_000,
        channels: 1,
        period_frames: 1024,
    };
    let error = AlsaSource::open(&settings)
        .err()
        .expect("opening a missing device succeeded")
        .to_string();
    assert!(
        error.contains("no_such_device_tccc") && error.contains("arecord -L"),
        "{error}"
    );
}
