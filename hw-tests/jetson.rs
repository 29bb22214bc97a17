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

#[test]
fn watchdog_reads_the_real_zones_rails_and_cpu() {
    if skipped("watchdog_reads_the_real_zones_rails_and_cpu") {
        return;
    }
    let config = Config::default().watchdog;
    let settings = tccc::watchdog::SensorSettings {
        ignored_zones: &config.ignored_zones,
        input_rails: &config.input_rails,
        default_trip_c: config.default_trip_c,
    };
    let mut readings = tccc::watchdog::Readings::default();
    let mut sensors =
        tccc::watchdog::Sensors::discover(Path::new("/"), &settings, &mut readings).unwrap();
    sensors.read(0, &mut readings);
    std::thread::sleep(Duration::from_millis(500));
    sensors.read(500, &mut readings);
    for zone in &readings.zones {
        println!(
            "zone {}: {:.1} °C online={} ignored={} first trip {:.1} °C critical {:?} trips {:?}",
            zone.name,
            zone.milli_c as f64 / 1000.0,
            zone.online,
            zone.ignored,
            zone.first_trip_milli_c as f64 / 1000.0,
            zone.critical_trip_milli_c,
            zone.trips
        );
    }
    for rail in &readings.rails {
        println!(
            "rail {}: {} mW {} mA {} mV ok={}",
            rail.label, rail.milli_w, rail.milli_a, rail.milli_v, rail.ok
        );
    }
    println!(
        "cpu {:.1} % at {:?} kHz, gpu {:?} %, rss {} MB, {} threads",
        readings.cpu_load_percent,
        readings.cpu_khz,
        readings.gpu_load_percent,
        readings.rss_bytes >> 20,
        readings.threads.len()
    );
    assert!(
        readings.zones.iter().any(|z| z.counts()),
        "no online zone outside watchdog.ignored_zones"
    );
    let sane = |z: &&tccc::watchdog::sensors::ZoneReading| (0..=120_000).contains(&z.milli_c);
    assert!(readings
        .zones
        .iter()
        .filter(|z| z.counts())
        .all(|z| sane(&z)));
    let input = readings.input_milli_w();
    assert!(
        input.is_some_and(|mw| (500..=60_000).contains(&mw)),
        "input rail {:?} not found or implausible ({input:?} mW); rails: {:?}",
        config.input_rails,
        readings
            .rails
            .iter()
            .map(|r| r.label.as_str())
            .collect::<Vec<_>>()
    );
    assert!(!readings.cpu_khz.is_empty() && readings.rss_bytes > 0);
    assert!(!readings.threads.is_empty());
}

#[test]
fn nvpmodel_lists_the_modes_tccc_needs() {
    if skipped("nvpmodel_lists_the_modes_tccc_needs") {
        return;
    }
    // Reads only: the power mode is left as it is.
    let path = std::env::var_os("TCCC_HW_NVPMODEL").unwrap_or_else(|| "/usr/sbin/nvpmodel".into());
    let nvpmodel = tccc::watchdog::NvpModel::new(Path::new(&path));
    let modes = nvpmodel.modes().unwrap();
    let current = nvpmodel.query().unwrap();
    println!("modes: {modes:?}; current: {current:?}");
    assert!(
        modes.contains(&current),
        "`-q` names a mode `-p` does not list"
    );
    let config = Config::default().watchdog;
    for (profile, wanted) in [
        ("performance", &config.performance_modes),
        ("balanced", &config.balanced_modes),
        ("saver", &config.saver_modes),
    ] {
        assert!(
            wanted
                .iter()
                .any(|w| modes.iter().any(|m| m.name.as_str() == w.as_str())),
            "no mode for {profile}: wanted {wanted:?}, the device lists {modes:?}"
        );
    }
}

/// The headset pulled out and plugged back in (an operator at the board, prompted on
/// stderr): capture reopens it and goes on. Needs `TCCC_HW_UNPLUG=1` besides the Jetson.
#[test]
fn a_pulled_headset_is_reopened_and_capture_goes_on() {
    if skipped("a_pulled_headset_is_reopened_and_capture_goes_on") {
        return;
    }
    if std::env::var_os("TCCC_HW_UNPLUG").is_none() {
        let _ = writeln!(
            std::io::stderr(),
            "test a_pulled_headset_is_reopened_and_capture_goes_on ... skipped: needs an \
             operator to pull the headset; set TCCC_HW_UNPLUG=1"
        );
        return;
    }
    use std::sync::atomic::Ordering;
    let device = std::env::var("TCCC_HW_ALSA_DEVICE")
        .unwrap_or_else(|_| "plughw:CARD=tcccheadset".to_owned());
    let config = Config::default();
    let settings = AlsaSettings {
        device,
        rate_hz: config.audio.rate_hz,
        channels: config.audio.channels,
        period_frames: config.audio.period_frames,
    };
    let (source, problem) = AlsaSource::open_or_wait(&settings, "");
    assert!(problem.is_none(), "the headset is not there: {problem:?}");
    let pipeline =
        FrontendPipeline::start(Box::new(source), &config, Pacing::AsFastAsPossible).unwrap();
    let stats = std::sync::Arc::clone(pipeline.stats());
    let wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let _ = writeln!(std::io::stderr(), ">>> {what} (within 60 s)");
        let started = Instant::now();
        while !done() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "not done: {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    wait_for("pull the headset out now", &|| {
        stats.capture_outages.load(Ordering::Relaxed) >= 1
    });
    wait_for("plug the headset back in now", &|| {
        stats.capture_recoveries.load(Ordering::Relaxed) >= 1
    });
    let resumed_at = stats.captured_frames.load(Ordering::Relaxed);
    std::thread::sleep(Duration::from_secs(5));
    let after = stats.captured_frames.load(Ordering::Relaxed) - resumed_at;
    pipeline.join().unwrap();
    println!(
        "outage {} ms, {} failed reopen(s), {after} frames in 5 s after it",
        stats.capture_last_outage_ms.load(Ordering::Relaxed),
        stats.capture_reopen_failures.load(Ordering::Relaxed)
    );
    assert!(
        after >= u64::from(config.audio.rate_hz) * 4,
        "only {after} frames in the 5 s after the headset came back"
    );
}
