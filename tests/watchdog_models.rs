//! Critical heat unloads the larger models and cooling brings them back: the watchdog on
//! the fake sysfs tree and a simulated clock publishes the `large_models` knob; the real
//! language model (SmolLM2-135M), held in `watchdog::Unloadable` as its owner will hold
//! it, is dropped and loaded again; the watchdog journals both (events → alert records)
//! and shows them. One test in this binary: it measures the process's anonymous memory.
//! Needs the LLM file (skips without it: run models/fetch).
#![allow(clippy::unwrap_used)]

mod watchdog_support;

use std::sync::Arc;

use watchdog_support::{FakeTree, Layout};

use tccc::config::Config;
use tccc::sys::alloc_guard::{allocations, set_thread_role, ThreadRole};
use tccc::watchdog::{
    EventKind, Residence, SharedKnobs, ThermalState, Unloadable, WatchdogCore, WatchdogEvent,
};

/// Memory the process holds, in kB: its virtual size, because the model's weights are
/// mapped from the file (resident only once a generation has read them), so what
/// unloading must give back is the mapping and the buffers, whether resident yet or not.
fn rss_anon_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    field("VmSize:")
}

fn models(events: &[WatchdogEvent]) -> Vec<String> {
    events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::ModelUnloaded { .. } | EventKind::ModelReloaded { .. }
            )
        })
        .map(|e| e.to_alert().message)
        .collect()
}

#[test]
fn critical_heat_unloads_the_language_model_and_cooling_loads_it_again() {
    let config = Config::default();
    let Some(path) = config.llm_model_file().ok().filter(|p| p.is_file()) else {
        eprintln!("skipped: no language model file; run models/fetch");
        return;
    };
    let bytes = std::fs::metadata(&path).unwrap().len();
    let tree = FakeTree::new("wd-models", Layout::JetPack4);
    let mut events = Vec::new();
    let mut core = WatchdogCore::new(&config.watchdog, &tree.root, &tree.nvpmodel, 0, &mut |e| {
        events.push(e)
    })
    .unwrap();
    let knobs = Arc::new(SharedKnobs::default());
    core.publish_into(Arc::clone(&knobs));
    let load_path = path.clone();
    let mut llm = Unloadable::new(
        "llm",
        bytes,
        Arc::clone(&knobs),
        Box::new(move || tccc::llm::checked::open_generator(&load_path).map_err(|e| e.to_string())),
    )
    .unwrap();
    assert!(llm.is_loaded());
    core.poll(1_000, &mut |e| events.push(e));
    assert!(knobs.load().large_models);
    // Nothing to do: following the knobs allocates nothing on the owner's thread.
    let quiet = std::thread::scope(|s| {
        s.spawn(|| {
            set_thread_role(ThreadRole::Llm);
            let before = allocations(ThreadRole::Llm);
            for _ in 0..100 {
                assert_eq!(llm.follow(), Residence::Unchanged);
            }
            allocations(ThreadRole::Llm) - before
        })
        .join()
        .unwrap()
    });
    assert_eq!(quiet, 0);
    let loaded_kb = rss_anon_kb();

    // GPU-therm within 5 °C of its 100 °C critical trip: larger models out.
    tree.set_temp(1, 96_000);
    core.poll(2_000, &mut |e| events.push(e));
    assert_eq!(core.thermal(), ThermalState::Critical);
    assert!(!knobs.load().large_models && !knobs.load().llm);
    let snapshot = core.snapshot(2_000);
    assert_eq!(
        snapshot.models_line().as_deref(),
        Some("models: llm unload pending")
    );
    assert_eq!(llm.follow(), Residence::Unloaded);
    assert!(llm.get().is_none());
    let unloaded_kb = rss_anon_kb();
    eprintln!(
        "virtual memory: {loaded_kb} kB with the model ({} kB file), {unloaded_kb} kB without",
        bytes / 1024
    );
    assert!(
        loaded_kb.saturating_sub(unloaded_kb) > bytes / 1024 / 2,
        "unloading freed {} kB of a {} kB model",
        loaded_kb.saturating_sub(unloaded_kb),
        bytes / 1024
    );
    core.poll(3_000, &mut |e| events.push(e));
    assert_eq!(
        models(&events),
        [format!(
            "watchdog #{} at 3.0 s: model llm unloaded ({} MB freed)",
            events.last().unwrap().id,
            bytes >> 20
        )]
    );
    assert_eq!(events.last().unwrap().topic(), "THERMAL");
    assert_eq!(
        core.snapshot(3_000).models_line().as_deref(),
        Some("models: llm unloaded (critical heat)")
    );
    // Still critical inside the hysteresis: stays out, nothing more journaled.
    tree.set_temp(1, 92_000);
    core.poll(4_000, &mut |e| events.push(e));
    assert_eq!(llm.follow(), Residence::Unchanged);
    assert!(!llm.is_loaded());

    // Cooled: back in, used, journaled once.
    tree.set_temp(1, 40_000);
    for s in 5..=100u64 {
        core.note_speech(s * 1_000);
        core.poll(s * 1_000, &mut |e| events.push(e));
        if s == 5 {
            assert!(knobs.load().large_models, "{:?}", core.thermal());
            assert_eq!(llm.follow(), Residence::Reloaded);
        }
    }
    assert!(llm.get().is_some());
    let messages = models(&events);
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[1].ends_with(&format!("model llm loaded again ({} MB)", bytes >> 20)),
        "{messages:?}"
    );
    let snapshot = core.snapshot(100_000);
    assert_eq!(snapshot.thermal, ThermalState::Normal);
    assert_eq!(
        snapshot.models_line().unwrap(),
        format!("models: llm loaded ({} MB)", bytes >> 20)
    );
    let screen = tccc::watchdog::dashboard::render(&snapshot.dashboard(100.0, None));
    assert!(screen.contains("models: llm loaded"), "{screen}");
}
