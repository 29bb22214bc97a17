//! Tests that need the Jetson and its sound hardware. Elsewhere each writes
//! `test NAME ... skipped: REASON` to stderr, where the harness output shows it (libtest
//! swallows `println!` and `eprintln!` of a passing test, so a skip would look like a
//! pass), and returns. Run them on the device with `cargo test --test hw_jetson`
//! (set TCCC_HW_ALSA_DEVICE to the headset's ALSA name; default `default`).
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use tccc::audio::alsa_capture::{AlsaSettings, AlsaSource};
use tccc::config::Config;
use tccc::frontend::pipeline::{FrontendPipeline, Pacing};
use tccc::sys::alloc_guard::{allocations, frees, set_abort_on_realtime_allocation, ThreadRole};

/// Why these tests cannot run here, if they cannot.
fn skip_reason() -> Option<String> {
    if std::env::var_os("TCCC_HW_TESTS").is_some() {
        return None;
    }
    if !Path::new("/etc/nv_tegra_release").exists() {
        return Some(
            "not a Jetson (no /etc/nv_tegra_release); set TCCC_HW_TESTS=1 to force".to_owned(),
        );
    }
    None
}

/// True (after reporting it) when `test` cannot run here. The line goes straight to the
/// process's stderr, past libtest's capture, so the run's output says "skipped".
fn skipped(test: &str) -> bool {
    let Some(reason) = skip_reason() else {
        return false;
    };
    let _ = writeln!(std::io::stderr(), "test {test} ... skipped: {reason}");
    true
}

#[test]
fn live_alsa_capture_runs_realtime_without_overruns_or_allocations() {
    if skipped("live_alsa_capture_runs_realtime_without_overruns_or_allocations") {
        return;
    }
    set_abort_on_realtime_allocation(false);
    let device = std::env::var("TCCC_HW_ALSA_DEVICE").unwrap_or_else(|_| "default".to_owned());
    let config = Config::default();
    let settings = AlsaSettings {
        device,
        rate_hz: config.audio.rate_hz,
        channels: config.audio.channels,
        period_frames: config.audio.period_frames,
    };
    let source = AlsaSource::open(&settings).unwrap();
    let before = (
        allocations(ThreadRole::Capture),
        allocations(ThreadRole::Frontend),
        frees(ThreadRole::Capture),
        frees(ThreadRole::Frontend),
    );
    let mut pipeline =
        FrontendPipeline::start(Box::new(source), &config, Pacing::AsFastAsPossible).unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        while let Some(segment) = pipeline.try_next_segment() {
            println!("segment {:.2}–{:.2} s", segment.start_s(), segment.end_s());
            pipeline.release(segment);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let report = pipeline.realtime_report();
    let stats = std::sync::Arc::clone(pipeline.stats());
    pipeline.join().unwrap();
    println!("capture: {}; frontend: {}", report.capture, report.frontend);
    assert!(
        report.capture.fifo_priority.is_some(),
        "SCHED_FIFO refused for capture: {}",
        report.capture
    );
    assert_eq!(
        stats
            .source_overruns
            .load(std::sync::atomic::Ordering::Relaxed),
        0,
        "ALSA overruns"
    );
    assert_eq!(
        stats
            .capture_overflows
            .load(std::sync::atomic::Ordering::Relaxed),
        0,
        "ring overflows"
    );
    assert_eq!(
        (
            allocations(ThreadRole::Capture),
            allocations(ThreadRole::Frontend),
            frees(ThreadRole::Capture),
            frees(ThreadRole::Frontend),
        ),
        before,
        "a real-time thread allocated or freed"
    );
    let frames = stats
        .captured_frames
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        frames >= u64::from(config.audio.rate_hz) * 29,
        "only {frames} frames in 30 s"
    );
}

#[test]
fn thermal_zones_are_readable() {
    if skipped("thermal_zones_are_readable") {
        return;
    }
    let zones: Vec<_> = std::fs::read_dir("/sys/class/thermal")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("thermal_zone"))
        .collect();
    assert!(!zones.is_empty(), "no thermal zones");
    for zone in zones {
        let kind = std::fs::read_to_string(zone.path().join("type")).unwrap_or_default();
        let temp = std::fs::read_to_string(zone.path().join("temp")).unwrap_or_default();
        println!(
            "{}: {} = {}",
            zone.path().display(),
            kind.trim(),
            temp.trim()
        );
    }
}
