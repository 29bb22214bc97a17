//! The watchdog on a fake sysfs/procfs tree (both INA3221 layouts, a PMIC-Die that reads
//! 100 °C, an offline zone at −256 °C), a fake `nvpmodel` that records its calls and can
//! fail, and a simulated clock.
#![allow(clippy::unwrap_used)]

mod watchdog_support;

use std::fs;
use std::sync::Arc;

use watchdog_support::{put, FakeTree, Layout};

use tccc::config::{Config, WatchdogConfig};
use tccc::sys::alloc_guard::{allocations, frees, set_thread_role, ThreadRole};
use tccc::watchdog::memory::MemoryWatch;
use tccc::watchdog::nvpmodel::{parse_modes, parse_query};
use tccc::watchdog::{
    ComponentSource, EventKind, MemoryComponent, MonotonicClock, Profile, StageKnobs, ThermalState,
    Watchdog, WatchdogCore, WatchdogEvent,
};

fn config() -> WatchdogConfig {
    Config::default().watchdog
}

fn start(
    tree: &FakeTree,
    config: &WatchdogConfig,
    events: &mut Vec<WatchdogEvent>,
) -> WatchdogCore {
    WatchdogCore::new(config, &tree.root, &tree.nvpmodel, 0, &mut |e| {
        events.push(e)
    })
    .unwrap()
}

#[test]
fn sensors_are_found_by_name_in_both_ina3221_layouts() {
    for (name, layout) in [("wd-jp4", Layout::JetPack4), ("wd-jp5", Layout::JetPack5)] {
        let tree = FakeTree::new(name, layout);
        let mut events = Vec::new();
        let mut core = start(&tree, &config(), &mut events);
        core.poll(1_000, &mut |e| events.push(e));
        let r = core.readings();
        let zones: Vec<&str> = r.zones.iter().map(|z| z.name.as_str()).collect();
        assert_eq!(zones, ["CPU-therm", "GPU-therm", "PMIC-Die", "AO-therm"]);
        let cpu = &r.zones[0];
        assert_eq!(
            (cpu.milli_c, cpu.online, cpu.ignored),
            (50_000, true, false)
        );
        assert_eq!(
            cpu.first_trip_milli_c, 90_000,
            "the passive trip, not the fan's"
        );
        assert_eq!(cpu.critical_trip_milli_c, Some(100_000));
        assert_eq!(cpu.trips.len(), 4);
        assert!(
            r.zones[2].ignored && r.zones[2].online,
            "PMIC-Die is shown, ignored"
        );
        assert!(!r.zones[3].online, "−256 °C is offline");
        let rails: Vec<&str> = r.rails.iter().map(|x| x.label.as_str()).collect();
        assert_eq!(rails, ["VDD_IN", "VDD_CPU_GPU_CV", "VDD_SOC"], "{name}");
        assert_eq!(r.input_milli_w(), Some(5_000), "{name}");
        assert_eq!(
            (r.rails[1].milli_v, r.rails[1].milli_a, r.rails[1].milli_w),
            (5_000, 400, 2_000)
        );
        assert_eq!(r.cpu_khz.as_slice(), [1_420_800, 1_420_800]);
        assert_eq!(r.gpu_load_percent, Some(34.5));
        assert_eq!(
            r.gpu_freq_hz,
            Some(1_109_250_000),
            "the GPU's devfreq, not the VIC's"
        );
        assert_eq!(r.rss_bytes, 204_800 * 1024);
        assert_eq!(r.rss_anon_bytes, 102_400 * 1024);
        let threads: Vec<(u32, &str, u64)> = r
            .threads
            .iter()
            .map(|t| (t.tid, t.name.as_str(), t.cpu_ms))
            .collect();
        assert_eq!(threads, [(100, "tccc", 3_000), (101, "tccc-asr", 3_000)]);
        // CPU load and per-thread CPU over the next poll.
        put(
            &tree.root.join("proc/stat"),
            "cpu  200 0 200 900 0 0 0 0 0 0\n",
        );
        put(
            &tree.root.join("proc/self/task/101/stat"),
            "101 (tccc-asr) R 1 1 1 0 -1 0 0 0 0 0 300 50 0 0 20 0 1 0 5\n",
        );
        core.poll(2_000, &mut |e| events.push(e));
        let r = core.readings();
        assert!(
            (r.cpu_load_percent - 200.0 / 3.0).abs() < 0.01,
            "{}",
            r.cpu_load_percent
        );
        assert!((r.threads[1].cpu_percent - 50.0).abs() < 0.01);
        assert!(events
            .iter()
            .all(|e| !matches!(e.kind, EventKind::Thermal { .. })));
    }
}

#[test]
fn nvpmodel_samples_parse_by_name() {
    let nx = parse_modes(include_str!("fixtures/nvpmodel/xavier-nx-p.txt")).unwrap();
    assert_eq!(nx.len(), 9);
    let id = |name: &str| nx.iter().find(|m| m.name.as_str() == name).unwrap().id;
    assert_eq!(
        (
            id("MODE_15W_6CORE"),
            id("MODE_10W_4CORE"),
            id("MODE_10W_2CORE")
        ),
        (2, 4, 3)
    );
    let nano = parse_modes(include_str!("fixtures/nvpmodel/nano-p.txt")).unwrap();
    let names: Vec<(u32, &str)> = nano.iter().map(|m| (m.id, m.name.as_str())).collect();
    assert_eq!(names, [(0, "MAXN"), (1, "5W")]);
    let q = parse_query(include_str!("fixtures/nvpmodel/xavier-nx-q.txt")).unwrap();
    assert_eq!((q.id, q.name.as_str()), (2, "MODE_15W_6CORE"));
    let q = parse_query(include_str!("fixtures/nvpmodel/nano-q.txt")).unwrap();
    assert_eq!((q.id, q.name.as_str()), (0, "MAXN"));
    assert!(parse_modes("hello\n").unwrap_err().contains("POWER_MODEL"));
    assert!(parse_query("NV Power Mode: MAXN\nzero\n").is_err());
}

#[test]
fn a_profile_the_device_lacks_is_an_error_naming_the_key() {
    let tree = FakeTree::new("wd-nomode", Layout::JetPack4);
    let mut cfg = config();
    cfg.saver_modes = vec!["MODE_1W".to_owned()];
    let error = WatchdogCore::new(&cfg, &tree.root, &tree.nvpmodel, 0, &mut |_| {}).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("watchdog.saver_modes") && text.contains("MODE_10W_2CORE (3)"),
        "{text}"
    );
}

/// Temperature of CPU-therm at second `s` of a 30-minute run: 50 → 92 °C over 15 min,
/// back to 50 °C over the next 15 min, with ±1.5 °C of sensor jitter (so every
/// threshold is crossed back and forth many times).
fn ramp_milli_c(s: u64) -> i64 {
    let half = 900.0;
    let t = s as f64;
    let base = if t <= half {
        50.0 + 42.0 * t / half
    } else {
        92.0 - 42.0 * (t - half) / half
    };
    let jitter = 1.5 * ((s % 7) as f64 - 3.0) / 3.0;
    ((base + jitter) * 1000.0) as i64
}

#[test]
fn a_thirty_minute_heat_ramp_switches_at_the_margins_and_recovers() {
    let tree = FakeTree::new("wd-ramp", Layout::JetPack4);
    let cfg = config();
    let mut events = Vec::new();
    let mut core = start(&tree, &cfg, &mut events);
    assert_eq!(core.profile(), Profile::Performance);
    assert!(
        tree.set_calls().is_empty(),
        "already in the start mode: no switch"
    );
    let mut temps = Vec::new();
    let mut hottest_state = ThermalState::Normal;
    for s in 1..=1_800u64 {
        let t = ramp_milli_c(s);
        temps.push((s, t));
        tree.set_temp(0, t);
        core.note_speech(s * 1_000);
        core.poll(s * 1_000, &mut |e| events.push(e));
        hottest_state = hottest_state.max(core.thermal());
    }
    for e in &events {
        println!("{e}");
    }
    let changes: Vec<(u64, Profile, Profile)> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::ProfileChanged { from, to, .. } => Some((e.at_ms / 1000, from, to)),
            _ => None,
        })
        .collect();
    use Profile::*;
    let path: Vec<(Profile, Profile)> = changes.iter().map(|c| (c.1, c.2)).collect();
    assert_eq!(
        path,
        [
            (Performance, Balanced),
            (Balanced, Saver),
            (Saver, Balanced),
            (Balanced, Performance)
        ],
        "{changes:?}"
    );
    // No more than one change per dwell time.
    for pair in changes.windows(2) {
        assert!(pair[1].0 - pair[0].0 >= cfg.min_dwell_s, "{changes:?}");
    }
    assert_eq!(
        tree.set_calls(),
        ["-m 4", "-m 3", "-m 4", "-m 2"],
        "ids looked up by name"
    );
    // Each change happened with CPU-therm past the margin that called for it.
    let temp_at = |s: u64| temps.iter().find(|x| x.0 == s).unwrap().1;
    let (warm, hot, hyst) = (90_000 - 15_000, 90_000 - 5_000, 5_000);
    assert!(temp_at(changes[0].0) >= warm);
    assert!(temp_at(changes[1].0) >= hot);
    // Hysteresis: the way down starts only below the threshold minus the hysteresis.
    let thermal: Vec<(u64, ThermalState, ThermalState, i64)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Thermal {
                from,
                to,
                zone,
                milli_c,
                ..
            } => {
                assert_eq!(zone.as_str(), "CPU-therm", "only CPU-therm ever decides");
                Some((e.at_ms / 1000, *from, *to, *milli_c))
            }
            _ => None,
        })
        .collect();
    for (s, from, to, milli_c) in &thermal {
        match (from, to) {
            (ThermalState::Normal, ThermalState::Warm) => assert!(*milli_c >= warm, "{s}"),
            (ThermalState::Warm, ThermalState::Hot) => assert!(*milli_c >= hot, "{s}"),
            (ThermalState::Hot, ThermalState::Warm) => assert!(*milli_c < hot - hyst, "{s}"),
            (ThermalState::Warm, ThermalState::Normal) => assert!(*milli_c < warm - hyst, "{s}"),
            other => panic!("unexpected thermal step {other:?} at {s} s"),
        }
    }
    assert_eq!(
        thermal.len(),
        4,
        "no oscillation around a threshold despite jitter: {thermal:?}"
    );
    assert_eq!(
        hottest_state,
        ThermalState::Hot,
        "93.5 °C stays out of the 5 °C critical margin"
    );
    assert_eq!(
        core.profile(),
        Performance,
        "back to the start profile after cooling"
    );
    assert_eq!(core.thermal(), ThermalState::Normal);
}

#[test]
fn pmic_die_and_offline_zones_never_trigger_anything() {
    let tree = FakeTree::new("wd-ignored", Layout::JetPack5);
    let mut events = Vec::new();
    let mut core = start(&tree, &config(), &mut events);
    for s in 1..=1_800u64 {
        // PMIC-Die stays at 100 °C (over its 90 °C trip); AO-therm flickers between
        // −256 °C and offline-looking garbage; CPU and GPU stay cool.
        tree.set_temp(3, if s % 2 == 0 { -256_000 } else { -256_500 });
        core.note_speech(s * 1_000);
        core.poll(s * 1_000, &mut |e| events.push(e));
        assert_eq!(core.thermal(), ThermalState::Normal);
    }
    assert!(tree.set_calls().is_empty(), "{:?}", tree.calls());
    assert_eq!(events.len(), 1, "only the start: {events:?}");
    assert_eq!(
        StageKnobs::of(core.profile(), core.thermal()),
        StageKnobs::of(Profile::Performance, ThermalState::Normal)
    );
}

#[test]
fn critical_heat_leaves_recognition_only_and_recovers() {
    let tree = FakeTree::new("wd-critical", Layout::JetPack4);
    let mut events = Vec::new();
    let mut core = start(&tree, &config(), &mut events);
    tree.set_temp(1, 96_000); // GPU-therm within 5 °C of its 100 °C critical trip
    core.poll(1_000, &mut |e| events.push(e));
    assert_eq!(core.thermal(), ThermalState::Critical);
    let knobs = StageKnobs::of(core.profile(), core.thermal());
    assert!(knobs.recognition_only && !knobs.llm && !knobs.biasing && !knobs.large_models);
    assert_eq!(knobs.beam_width_max, 1);
    assert_eq!(
        core.profile(),
        Profile::Saver,
        "straight to saver: nothing switched before"
    );
    tree.set_temp(1, 92_000); // hot, not yet below the hysteresis
    core.poll(2_000, &mut |e| events.push(e));
    assert_eq!(core.thermal(), ThermalState::Critical);
    tree.set_temp(1, 88_000);
    core.poll(3_000, &mut |e| events.push(e));
    assert_eq!(core.thermal(), ThermalState::Hot);
    let hot = StageKnobs::of(Profile::Saver, ThermalState::Hot);
    assert!(!hot.recognition_only && !hot.llm && !hot.biasing && hot.beam_width_max == 1);
    tree.set_temp(1, 40_000);
    for s in 4..=200u64 {
        core.note_speech(s * 1_000);
        core.poll(s * 1_000, &mut |e| events.push(e));
    }
    assert_eq!(
        (core.profile(), core.thermal()),
        (Profile::Performance, ThermalState::Normal)
    );
}

#[test]
fn a_failing_nvpmodel_is_reported_and_retried() {
    let tree = FakeTree::new("wd-fail", Layout::JetPack4);
    let cfg = config();
    let mut events = Vec::new();
    let mut core = start(&tree, &cfg, &mut events);
    fs::write(tree.state.join("fail"), "").unwrap();
    tree.set_temp(0, 80_000); // warm: balanced wanted
    for s in 1..=100u64 {
        core.note_speech(s * 1_000);
        core.poll(s * 1_000, &mut |e| events.push(e));
        if s == 70 {
            fs::remove_file(tree.state.join("fail")).unwrap();
        }
    }
    let failures: Vec<(u64, String)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SwitchFailed { to, error, retry_s } => {
                assert_eq!((*to, *retry_s), (Profile::Balanced, cfg.nvpmodel_retry_s));
                Some((e.at_ms / 1000, error.to_string()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        failures.iter().map(|f| f.0).collect::<Vec<_>>(),
        [1, 31, 61],
        "{failures:?}"
    );
    assert!(
        failures[0].1.contains("NVPM ERROR") && failures[0].1.contains("-m 4"),
        "{}",
        failures[0].1
    );
    let failed = events
        .iter()
        .find(|e| matches!(e.kind, EventKind::SwitchFailed { .. }))
        .unwrap();
    assert!(
        failed.to_alert().message.contains("FAILED"),
        "journaled as an alert"
    );
    assert_eq!(
        core.profile(),
        Profile::Balanced,
        "the retry at 91 s succeeded"
    );
    assert_eq!(tree.set_calls(), ["-m 4", "-m 4", "-m 4", "-m 4"]);
    let ids: Vec<u64> = events.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        (1..=ids.len() as u64).collect::<Vec<_>>(),
        "ids count up"
    );
}

#[test]
fn idle_policy_goes_to_saver_and_back_on_speech() {
    let tree = FakeTree::new("wd-idle", Layout::JetPack4);
    let mut cfg = config();
    cfg.idle_minutes = 2;
    let mut events = Vec::new();
    let mut core = start(&tree, &cfg, &mut events);
    for s in 1..=119u64 {
        core.poll(s * 1_000, &mut |e| events.push(e));
    }
    assert_eq!(core.profile(), Profile::Performance);
    core.poll(120_000, &mut |e| events.push(e));
    assert_eq!(core.profile(), Profile::Saver);
    core.note_speech(130_000);
    core.poll(130_000, &mut |e| events.push(e));
    assert_eq!(core.profile(), Profile::Saver, "the dwell time holds");
    core.poll(180_000, &mut |e| events.push(e));
    assert_eq!(core.profile(), Profile::Performance);
    assert!(events.iter().any(|e| e.to_string().contains("no speech")));
}

#[test]
fn battery_estimate_matches_a_synthetic_discharge() {
    let tree = FakeTree::new("wd-battery", Layout::JetPack4);
    let mut cfg = config();
    cfg.battery_capacity_wh = 10.0;
    cfg.battery_alert_percent = 20.0;
    cfg.saver_power_w = 2.5;
    cfg.power_average_s = 10.0;
    let mut events = Vec::new();
    let mut core = start(&tree, &cfg, &mut events);
    tree.set_input_power(5_000); // 5 W
    for s in 0..=3_600u64 {
        core.note_speech(s * 1_000);
        core.poll(s * 1_000, &mut |e| events.push(e));
    }
    let b = core.battery();
    assert!((b.used_wh - 5.0).abs() < 1e-6, "{b:?}");
    assert!((b.left_percent - 50.0).abs() < 1e-3);
    assert!((b.hours_left - 1.0).abs() < 1e-3, "{b:?}");
    assert!(
        (b.hours_left_saver - 2.0).abs() < 1e-3,
        "configured saver power: {b:?}"
    );
    assert!(events
        .iter()
        .all(|e| !matches!(e.kind, EventKind::BatteryLow { .. })));
    // 8 W for 0.4 h more: 3.2 Wh → 18 % left, below the 20 % alert at 0.375 h.
    tree.set_input_power(8_000);
    for s in 3_601..=5_040u64 {
        core.note_speech(s * 1_000);
        core.poll(s * 1_000, &mut |e| events.push(e));
    }
    let b = core.battery();
    assert!(
        (b.used_wh - (5.0 + 8.0 * 0.4 - (8.0 - 5.0) / 2.0 / 3600.0)).abs() < 1e-6,
        "{b:?}"
    );
    let low: Vec<&WatchdogEvent> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::BatteryLow { .. }))
        .collect();
    assert_eq!(low.len(), 1, "alerted once");
    assert!(
        (low[0].at_ms as f64 / 1000.0 - (3_600.0 + 0.375 * 3_600.0)).abs() <= 2.0,
        "{}",
        low[0]
    );
    assert!(
        b.low && core.profile() == Profile::Saver,
        "battery low → saver"
    );
    assert!((b.hours_left - b.left_wh as f32 / 8.0).abs() < 0.01);
}

fn thread_cpu_ns(name: &str) -> Option<u64> {
    for task in fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() == name {
            let sched = fs::read_to_string(task.path().join("schedstat")).ok()?;
            return sched.split_whitespace().next()?.parse().ok();
        }
    }
    None
}

#[test]
fn the_watchdog_thread_polls_cheaply_and_allocates_nothing_after_start() {
    let tree = FakeTree::new("wd-thread", Layout::JetPack5);
    // Steady polls allocate and free nothing (counted under the watchdog's own role).
    let mut events = Vec::new();
    let mut core = start(&tree, &config(), &mut events);
    let (allocs, freed) = std::thread::scope(|s| {
        s.spawn(|| {
            set_thread_role(ThreadRole::Watchdog);
            let before = (
                allocations(ThreadRole::Watchdog),
                frees(ThreadRole::Watchdog),
            );
            for i in 1..=200u64 {
                core.note_speech(i * 1_000);
                core.poll(i * 1_000, &mut |e| events.push(e));
            }
            (
                allocations(ThreadRole::Watchdog) - before.0,
                frees(ThreadRole::Watchdog) - before.1,
            )
        })
        .join()
        .unwrap()
    });
    assert_eq!((allocs, freed), (0, 0), "the polling loop allocated");

    // The real thread at its fastest poll, to measure the cost of one poll.
    let mut cfg = config();
    cfg.poll_interval_ms = 100;
    let handle = Watchdog::start(
        &cfg,
        &tree.root,
        &tree.nvpmodel,
        Arc::new(MonotonicClock::new()),
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let cpu0 = thread_cpu_ns("tccc-watchdog").expect("schedstat of the watchdog thread");
    let polls0 = handle.snapshot().polls;
    std::thread::sleep(std::time::Duration::from_secs(5));
    let cpu1 = thread_cpu_ns("tccc-watchdog").unwrap();
    let snap = handle.snapshot();
    let polls = snap.polls - polls0;
    assert!(polls >= 40, "{polls} polls in 5 s");
    let mut per_poll_ns = (cpu1 - cpu0) as f64 / polls as f64;
    if cpu1 == cpu0 {
        // No scheduler statistics here: bound the cost by the wall time of direct polls.
        let mut core = start(&tree, &config(), &mut Vec::new());
        let started = std::time::Instant::now();
        for i in 1..=1_000u64 {
            core.poll(i * 1_000, &mut |_| {});
        }
        per_poll_ns = started.elapsed().as_nanos() as f64 / 1_000.0;
    }
    let percent_at_1s = per_poll_ns / 1e9 * 100.0;
    eprintln!(
        "watchdog thread: {polls} polls, {:.1} µs CPU per poll → {percent_at_1s:.4} % of a core at a 1 s poll",
        per_poll_ns / 1000.0
    );
    assert!(percent_at_1s < 0.5, "{percent_at_1s} % of a core");
    assert_eq!(snap.profile, Profile::Performance);
    assert_eq!(snap.mode.as_str(), "MODE_15W_6CORE");
    assert_eq!(snap.readings.zones.len(), 4);
    assert_eq!(
        handle.knobs(),
        StageKnobs::of(Profile::Performance, ThermalState::Normal)
    );
    handle.note_speech(1);
    handle.rescan_threads();
    let mut drained = Vec::new();
    handle.drain_events(&mut drained);
    assert!(matches!(
        drained[0].kind,
        EventKind::Started {
            profile: Some(Profile::Performance),
            ..
        }
    ));
    handle.stop().unwrap();
}

#[test]
fn a_mode_outside_the_profiles_is_replaced_by_the_start_profile() {
    let tree = FakeTree::new("wd-unknown-mode", Layout::JetPack4);
    fs::write(tree.state.join("mode_id"), "6\n").unwrap(); // MODE_20W_6CORE
    let mut cfg = config();
    cfg.start_profile = "saver".to_owned();
    let mut events = Vec::new();
    let core = start(&tree, &cfg, &mut events);
    assert_eq!(core.profile(), Profile::Saver);
    assert_eq!(
        tree.set_calls(),
        ["-m 3"],
        "MODE_10W_2CORE set although saver was assumed"
    );
    assert!(
        events[0].to_string().contains("MODE_20W_6CORE"),
        "{}",
        events[0]
    );
}

#[test]
fn a_switch_that_nvpmodel_claims_but_does_not_make_is_a_failure() {
    let tree = FakeTree::new("wd-ignore", Layout::JetPack4);
    let mut events = Vec::new();
    let mut core = start(&tree, &config(), &mut events);
    fs::write(tree.state.join("ignore"), "").unwrap();
    tree.set_temp(0, 80_000);
    core.poll(1_000, &mut |e| events.push(e));
    assert_eq!(core.profile(), Profile::Performance);
    let last = events.last().unwrap().to_string();
    assert!(
        last.contains("FAILED") && last.contains("still reports MODE_15W_6CORE"),
        "{last}"
    );
}

fn over_budget(events: &[WatchdogEvent]) -> Vec<(u64, String)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ComponentOverBudget { component, .. } => {
                Some((e.at_ms / 1000, component.to_string()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn memory_per_component_is_checked_at_start_and_alerted_when_over_budget() {
    let tree = FakeTree::new("wd-memory", Layout::JetPack4);
    let models = tree.models();
    let components = [
        MemoryComponent {
            name: "asr-model",
            source: ComponentSource::Files(tree.root.join("models/whisper")),
            budget_bytes: 40 << 20,
        },
        MemoryComponent {
            name: "vad-model",
            source: ComponentSource::Files(models.join("vad.onnx")),
            budget_bytes: 16 << 20,
        },
        MemoryComponent {
            name: "other-models",
            source: ComponentSource::Files(models.clone()),
            budget_bytes: 1 << 20,
        },
        MemoryComponent {
            name: "heap",
            source: ComponentSource::Anonymous,
            budget_bytes: 50 << 20,
        },
    ];
    let mut events = Vec::new();
    let mut core = start(&tree, &config(), &mut events);
    core.watch_memory(&components, 0, &mut |e| events.push(e));
    let measured: Vec<(&str, u64, bool)> = core
        .readings()
        .memory
        .iter()
        .map(|c| (c.name.as_str(), c.rss_bytes >> 10, c.over()))
        .collect();
    assert_eq!(
        measured,
        [
            ("asr-model", 51_000, true),
            ("vad-model", 2_000, false),
            ("other-models", 0, false),
            ("heap", 102_400, true),
        ],
        "both mappings of the model file, the VAD file once, nothing twice"
    );
    assert_eq!(
        over_budget(&events),
        [(0, "asr-model".to_owned()), (0, "heap".to_owned())],
        "checked at start"
    );
    assert!(events
        .last()
        .unwrap()
        .to_string()
        .contains("heap 100 MB resident, budget 50 MB"));
    // Alerted once while over; checked again only every 10 s; raised again after it fell.
    tree.set_asr_resident_kb(30_000);
    core.poll(5_000, &mut |e| events.push(e));
    assert_eq!(
        core.readings().memory[0].rss_bytes >> 10,
        51_000,
        "not yet re-read"
    );
    core.poll(10_000, &mut |e| events.push(e));
    assert_eq!(core.readings().memory[0].rss_bytes >> 10, 30_000);
    tree.set_asr_resident_kb(60_000);
    for s in 11..=30u64 {
        core.note_speech(s * 1_000);
        core.poll(s * 1_000, &mut |e| events.push(e));
    }
    assert_eq!(
        over_budget(&events),
        [
            (0, "asr-model".to_owned()),
            (0, "heap".to_owned()),
            (20, "asr-model".to_owned())
        ]
    );
    // The measuring poll allocates nothing either.
    let allocs = std::thread::scope(|s| {
        s.spawn(|| {
            set_thread_role(ThreadRole::Watchdog);
            let before = allocations(ThreadRole::Watchdog);
            for i in 31..=60u64 {
                core.note_speech(i * 1_000);
                core.poll(i * 1_000, &mut |e| events.push(e));
            }
            allocations(ThreadRole::Watchdog) - before
        })
        .join()
        .unwrap()
    });
    assert_eq!(allocs, 0);
}

#[test]
fn a_mapped_file_is_attributed_to_its_component_in_the_real_smaps() {
    let dir = std::env::temp_dir()
        .join(format!("tccc-wd-mapped-{}", std::process::id()))
        .join("model");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("weights.bin");
    fs::write(&path, vec![7u8; 4 << 20]).unwrap();
    // Mapped as the recogniser maps its weights (the folder trusted like models/).
    let map =
        tccc::nn::mapped_file::ModelFile::open_trusting(&path, 8 << 20, std::slice::from_ref(&dir))
            .unwrap();
    assert!(map.is_mapped());
    let touched: u64 = map
        .bytes()
        .iter()
        .step_by(4096)
        .map(|&b| u64::from(b))
        .sum();
    assert_eq!(touched, 7 * 1024);
    let components = [
        MemoryComponent {
            name: "model",
            source: ComponentSource::Files(dir.clone()),
            budget_bytes: 1 << 30,
        },
        MemoryComponent {
            name: "heap",
            source: ComponentSource::Anonymous,
            budget_bytes: 1 << 30,
        },
    ];
    let mut out = heapless::Vec::new();
    let mut watch = MemoryWatch::new(std::path::Path::new("/"), &components, &mut out);
    watch.measure(&mut out);
    assert!(out[0].rss_bytes >= 4 << 20, "{:?}", out[0]);
    assert!(out[0].rss_bytes <= 5 << 20, "{:?}", out[0]);
    assert!(out[1].rss_bytes > 0);
    drop(map);
    let _ = fs::remove_dir_all(dir.parent().unwrap());
}
