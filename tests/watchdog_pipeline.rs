//! The watchdog steering the real pipeline, on the fake sysfs tree: a heat ramp changes
//! what the ASR stage decodes with (beam width, biasing) and cooling restores it; the
//! watchdog's decisions reach the journal and come back on replay. Needs the models
//! (skips without them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod watchdog_support;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tccc::analysis::{self, AnalysisOptions, JournalSetup};
use tccc::audio::source::{AudioSource, SourceRead, WavSource};
use tccc::config::Config;
use tccc::frontend::pipeline::Pacing;
use tccc::live::{load_transcriber, Decoding, HeardUtterance, LivePipeline};
use tccc::watchdog::{
    EventKind, Profile, SimWatchClock, StageKnobs, ThermalState, Watchdog, WatchdogCore,
};
use watchdog_support::{scratch, FakeTree, GatedSource, Layout};

/// How long a wait for the pipeline or the watchdog thread may last before the test gives
/// up (a hang, not a timing bar: nothing is asserted about how long it took).
const HANG: Duration = Duration::from_secs(300);

fn models_present(config: &Config) -> bool {
    let present = config.asr_model_dir().is_ok_and(|dir| dir.is_dir());
    if !present {
        eprintln!("skipped: no Whisper model; run models/fetch");
    }
    present
}

fn jfk() -> Vec<f32> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/jfk.wav");
    let mut source = WavSource::open(&path).unwrap();
    assert_eq!(source.sample_rate_hz(), 16_000);
    let mut samples = Vec::new();
    let mut buffer = vec![0.0f32; 4_096];
    while let SourceRead::Frames(n) = source.read_mono(&mut buffer).unwrap() {
        samples.extend_from_slice(&buffer[..n]);
    }
    samples
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let began = Instant::now();
    while !ready() {
        assert!(began.elapsed() < HANG, "hung waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Releases one phase (jfk and 4 s of silence) and returns its utterances, once the front
/// end has read all of it and the ASR thread has finished every segment it cut.
fn play_phase(
    pipeline: &mut LivePipeline,
    released: &AtomicU64,
    fed: &AtomicU64,
    phase_len: u64,
) -> Vec<HeardUtterance> {
    let end = released.fetch_add(phase_len, Ordering::AcqRel) + phase_len;
    let stats = Arc::clone(pipeline.frontend_stats());
    let mut heard = Vec::new();
    wait_until("the phase to be transcribed", || {
        while let Some(h) = pipeline.try_next_utterance() {
            heard.push(h);
        }
        let vad_samples = stats.vad_frames.load(Ordering::Acquire) * 512;
        let emitted = stats.segmenter.segments_emitted.load(Ordering::Acquire);
        fed.load(Ordering::Acquire) == end
            && vad_samples + 4_096 >= end
            && emitted > 0
            && pipeline.segments_transcribed() == emitted
    });
    while let Some(h) = pipeline.try_next_utterance() {
        heard.push(h);
    }
    heard
}

#[test]
fn a_heat_ramp_changes_the_asr_decoding_and_cooling_restores_it() {
    let mut config = Config::default();
    if !models_present(&config) {
        return;
    }
    config.asr.beam_width = 2;
    config.asr.term_bonus = 1.0;
    config.watchdog.poll_interval_ms = 100;
    config.watchdog.idle_minutes = 0;
    let tree = FakeTree::new("wdp-ramp", Layout::JetPack5);

    let speech = jfk();
    let mut phase = speech.clone();
    phase.extend(std::iter::repeat_n(0.0, 4 * 16_000));
    let phase_len = phase.len() as u64;
    let mut all = Vec::new();
    for _ in 0..3 {
        all.extend_from_slice(&phase);
    }
    let released = Arc::new(AtomicU64::new(0));
    let fed = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let source = GatedSource {
        samples: Arc::new(all),
        released: Arc::clone(&released),
        fed: Arc::clone(&fed),
        done: Arc::clone(&done),
    };
    let model = config.asr_model_dir().unwrap();
    let transcriber = load_transcriber(&model, &config.asr_config()).unwrap();
    let mut pipeline = LivePipeline::start(
        Box::new(source),
        &config,
        Pacing::AsFastAsPossible,
        transcriber,
    )
    .unwrap();
    // As `tccc run` wires it: the watchdog publishes into the pipeline's knobs.
    let clock = SimWatchClock::new(0);
    let watchdog = Watchdog::start_publishing(
        &config.watchdog,
        &tree.root,
        &tree.nvpmodel,
        Arc::new(clock.clone()),
        Arc::clone(pipeline.knobs()),
        &[],
    )
    .unwrap();
    let full = Decoding {
        beam_width: 2,
        biasing: true,
    };
    assert_eq!(pipeline.knobs().load(), StageKnobs::FULL);

    // Cool: the configured decoding.
    let cool = play_phase(&mut pipeline, &released, &fed, phase_len);
    assert!(!cool.is_empty());
    assert!(
        cool.iter().all(|h| h.decoding == full),
        "{:?}",
        cool.iter().map(|h| h.decoding).collect::<Vec<_>>()
    );

    // Hot (CPU-therm within 5 °C of its 90 °C trip): beam 1, biasing paused.
    tree.set_temp(0, 87_000);
    clock.advance_ms(1_000);
    wait_until("the watchdog to see the heat", || {
        watchdog.knobs().beam_width_max == 1
    });
    let snapshot = watchdog.snapshot();
    assert_eq!(snapshot.thermal, ThermalState::Hot);
    let hot = play_phase(&mut pipeline, &released, &fed, phase_len);
    assert!(!hot.is_empty());
    assert!(
        hot.iter().all(|h| h.decoding
            == Decoding {
                beam_width: 1,
                biasing: false
            }),
        "{:?}",
        hot.iter().map(|h| h.decoding).collect::<Vec<_>>()
    );

    // Cooled, and the dwell time passed: the configured decoding again.
    tree.set_temp(0, 40_000);
    clock.advance_ms(config.watchdog.min_dwell_s * 1_000 + 1_000);
    wait_until("the watchdog to restore the knobs", || {
        watchdog.knobs() == StageKnobs::FULL
    });
    assert_eq!(watchdog.snapshot().profile, Profile::Performance);
    let restored = play_phase(&mut pipeline, &released, &fed, phase_len);
    assert!(!restored.is_empty());
    assert!(restored.iter().all(|h| h.decoding == full));

    let mut events = Vec::new();
    watchdog.drain_events(&mut events);
    let changes: Vec<(Profile, Profile)> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::ProfileChanged { from, to, .. } => Some((from, to)),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        [
            (Profile::Performance, Profile::Saver),
            (Profile::Saver, Profile::Performance)
        ]
    );
    watchdog.stop().unwrap();
    done.store(true, Ordering::Release);
    let summary = pipeline.join().unwrap();
    assert_eq!(
        (summary.asr_allocations, summary.asr_frees),
        (0, 0),
        "switching the decoding allocated on the ASR thread"
    );
}

#[test]
fn watchdog_decisions_are_journaled_and_replay() {
    let config = Config::default();
    if !models_present(&config) {
        return;
    }
    let tree = FakeTree::new("wdp-journal", Layout::JetPack4);
    let mut events = Vec::new();
    let mut core = WatchdogCore::new(&config.watchdog, &tree.root, &tree.nvpmodel, 0, &mut |e| {
        events.push(e)
    })
    .unwrap();
    tree.set_temp(0, 87_000);
    core.poll(1_000, &mut |e| events.push(e));
    fs_write_fail(&tree);
    tree.set_temp(0, 40_000);
    core.poll(100_000, &mut |e| events.push(e));
    assert!(events.len() >= 4, "{events:?}");

    let state = scratch("wdp-journal-state");
    tccc::journal::key::JournalKey::create_file(&tccc::journal::key::key_path(&state, None))
        .unwrap();
    let silence =
        tccc::audio::source::RawS16Source::new(std::io::Cursor::new(vec![0u8; 3_200]), 16_000, 1)
            .unwrap();
    let stage = analysis::start(
        Box::new(silence),
        &config,
        AnalysisOptions {
            pacing: Pacing::AsFastAsPossible,
            journal: Some(JournalSetup {
                state: state.clone(),
                key: None,
            }),
            advisor: false,
            stay_after_input: true,
            observer: None,
        },
    )
    .unwrap();
    // As `tccc run` forwards them.
    let (reply, answer) = std::sync::mpsc::sync_channel(1);
    stage
        .requests()
        .send(analysis::Request {
            action: analysis::Action::Watchdog(events.clone()),
            reply,
        })
        .unwrap();
    let answered = answer.recv_timeout(HANG).unwrap().unwrap();
    assert!(answered.contains(&format!("{} watchdog event(s)", events.len())));
    stage.request_stop();
    stage.join().unwrap();

    let key =
        tccc::journal::key::JournalKey::load(&tccc::journal::key::key_path(&state, None)).unwrap();
    let storage = tccc::journal::dir_storage(&state).unwrap();
    let replayed = tccc::journal::read_state(&storage, &key).unwrap();
    let messages: Vec<&str> = replayed.alerts.iter().map(|a| a.message.as_str()).collect();
    for event in &events {
        assert!(
            messages.contains(&event.to_string().as_str()),
            "{event} not in {messages:?}"
        );
    }
    assert!(messages.iter().any(|m| m.contains("thermal normal → hot")));
    assert!(messages.iter().any(|m| m.contains("FAILED")));
}

/// The next nvpmodel switch fails (a reported decision).
fn fs_write_fail(tree: &FakeTree) {
    std::fs::write(tree.state.join("fail"), "").unwrap();
}
