//! The `top` dashboard on the fake sysfs tree: `tccc top` shows every figure of the tree in
//! 80 columns and records them for `tccc report`; the service's screen adds the governor
//! and the pipeline.
#![allow(clippy::unwrap_used)]

mod watchdog_support;

use std::process::Command;

use tccc::config::Config;
use tccc::watchdog::dashboard::{render, PipelineFigures, Sample, COLUMNS};
use tccc::watchdog::{ComponentSource, MemoryComponent, WatchdogCore};
use watchdog_support::{FakeTree, Layout};

fn check_screen(screen: &str) {
    for line in screen.lines() {
        assert!(line.chars().count() <= COLUMNS, "{line:?}");
        assert!(!line.chars().any(char::is_control), "{line:?}");
    }
}

#[test]
fn tccc_top_shows_and_records_the_fake_tree() {
    let tree = FakeTree::new("wd-top", Layout::JetPack5);
    let config = tree.root.join("top.toml");
    std::fs::write(
        &config,
        "[watchdog]\nbattery_capacity_wh = 100.0\npower_average_s = 1.0\n",
    )
    .unwrap();
    let record = tree.root.join("metrics.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .arg("top")
        .arg("--sysfs-root")
        .arg(&tree.root)
        .args(["--count", "2", "--interval-ms", "100", "--config"])
        .arg(&config)
        .arg("--record")
        .arg(&record)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let screens: Vec<&str> = stdout.split('\x0c').filter(|s| !s.is_empty()).collect();
    assert_eq!(screens.len(), 2, "{stdout}");
    let screen = screens[1];
    println!("{screen}");
    check_screen(screen);
    for expected in [
        "watching only",
        "CPU-therm",
        "50.0°C",
        "PMIC-Die",
        "100.0°C ign",
        "offline",
        "VDD_IN",
        "5.00 W",
        "VDD_CPU_GPU_CV",
        "battery 100 %",
        "h left",
        "MHz 1420 1420",
        "34.5 %",
        "1109 MHz",
        "200 MB resident (100 MB anonymous)",
        "heap",
        "tccc-asr",
    ] {
        assert!(
            screen.contains(expected),
            "{expected:?} missing from\n{screen}"
        );
    }
    let samples: Vec<Sample> = std::fs::read_to_string(&record)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(samples.len(), 2);
    let s = &samples[1];
    assert!(s.t_s > samples[0].t_s);
    assert_eq!(
        s.temps_c,
        [
            ("CPU-therm".to_owned(), 50.0),
            ("GPU-therm".to_owned(), 48.0)
        ],
        "ignored and offline zones are not recorded"
    );
    assert_eq!(s.rails_w[0], ("VDD_IN".to_owned(), 5.0));
    assert!((s.rss_mb - 200.0).abs() < 1e-9);
    assert!(s.threads_percent.iter().any(|(n, _)| n == "tccc-asr"));
    assert!(s.battery_hours_left.is_some_and(|h| h > 19.0 && h <= 20.0));
}

#[test]
fn the_service_screen_adds_the_governor_and_the_pipeline() {
    let tree = FakeTree::new("wd-top-service", Layout::JetPack4);
    let mut events = Vec::new();
    let config = Config::default().watchdog;
    let mut core = WatchdogCore::new(&config, &tree.root, &tree.nvpmodel, 0, &mut |e| {
        events.push(e)
    })
    .unwrap();
    core.watch_memory(
        &[MemoryComponent {
            name: "asr-model",
            source: ComponentSource::Files(tree.models().join("whisper")),
            budget_bytes: 40 << 20,
        }],
        0,
        &mut |e| events.push(e),
    );
    tree.set_temp(0, 87_000);
    core.poll(1_000, &mut |e| events.push(e));
    let snapshot = core.snapshot(1_000);
    let figures = PipelineFigures {
        utterances: 12,
        speech_end_latency_ms: Some((640.0, 1_250.0)),
        frame_cost_us: (130.0, 410.0),
        capture_overflows: 1,
        xruns: 2,
        segments_dropped: 3,
        transcripts_dropped: 4,
        notices_dropped: 5,
        realtime_allocations: 0,
    };
    let dashboard = snapshot.dashboard(1.0, Some(figures));
    let screen = render(&dashboard);
    println!("{screen}");
    check_screen(&screen);
    for expected in [
        "profile saver (MODE_10W_2CORE)  thermal hot",
        "beam ≤ 1  biasing paused  llm paused  large models kept",
        "87.0°C",
        "asr-model",
        "OVER BUDGET",
        "12 utterances",
        "p50 640 ms p99 1250 ms",
        "frame cost p50 130 µs p99 410 µs  rt allocations 0",
        "capture 1 xruns 2 segments 3 transcripts 4 notices 5",
    ] {
        assert!(
            screen.contains(expected),
            "{expected:?} missing from\n{screen}"
        );
    }
    let sample = Sample::of(&dashboard);
    assert_eq!(sample.profile.as_deref(), Some("saver"));
    assert_eq!(sample.drops, 15);
    assert_eq!(sample.latency_ms, Some((640.0, 1_250.0)));
}
