//! Critical heat unloads the recogniser's larger models too and cooling brings them back:
//! the watchdog on the fake sysfs tree and a simulated clock publishes the `large_models`
//! knob; the ASR thread's `live::recogniser::HeldRecogniser` swaps a configured Whisper
//! base for the default tiny.en (recognition goes on) and drops the fusion language
//! model, then loads both again once it has cooled; the watchdog journals each change and
//! shows it; in the live pipeline, the ASR thread does so between segments. Needs the
//! Whisper models (whisper-base: `models/fetch whisper-base`, as
//! scripts/test does; skips without them).
#![allow(clippy::unwrap_used)]

mod watchdog_support;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use watchdog_support::{FakeTree, GatedSource, Layout};

use tccc::audio::source::{AudioSource, SourceRead, WavSource};
use tccc::config::Config;
use tccc::frontend::pipeline::Pacing;
use tccc::live::recogniser::{fallback_model_dir, Followed, HeldRecogniser, FUSION_LM_NAME};
use tccc::live::{load_transcriber, HeardUtterance, LivePipeline};
use tccc::sys::alloc_guard::{allocations, set_thread_role, ThreadRole};
use tccc::watchdog::{EventKind, SharedKnobs, ThermalState, WatchdogCore, WatchdogEvent};

const JFK: &str = "And so my fellow Americans, ask not what your country can do for you, \
                   ask what you can do for your country.";

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

/// The configuration with `model` and shallow fusion on (the lexicon-built model).
fn config_with(model: &str) -> Option<Config> {
    let mut config = Config::default();
    config.asr.model = model.into();
    config.asr.lm_weight = 0.3;
    config.asr.term_bonus = 1.0;
    let present = config.asr_model_dir().is_ok_and(|dir| dir.is_dir())
        && Config::default()
            .asr_model_dir()
            .is_ok_and(|dir| dir.is_dir());
    if !present {
        eprintln!("skipped: no {model} or default Whisper model; run models/fetch {model}");
        return None;
    }
    Some(config)
}

/// The words heard, lower case without punctuation (base and tiny.en differ in commas).
fn words(text: &str) -> String {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `text` is jfk.wav heard: at least 90 % of its words, in order (base with
/// fusion hears "and what you can do", tiny.en every word).
fn is_jfk(text: &str) -> bool {
    let reference = words(JFK);
    let a: Vec<&str> = text.split_whitespace().collect();
    let b: Vec<&str> = reference.split_whitespace().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in 0..a.len() {
        for j in 0..b.len() {
            lcs[i + 1][j + 1] = if a[i] == b[j] {
                lcs[i][j] + 1
            } else {
                lcs[i][j + 1].max(lcs[i + 1][j])
            };
        }
    }
    lcs[a.len()][b.len()] * 10 >= b.len() * 9
}

fn heard(recogniser: &mut HeldRecogniser, speech: &[f32]) -> String {
    let transcriber = recogniser.transcriber();
    let text = transcriber
        .transcribe(speech)
        .unwrap()
        .map(|t| t.text().to_owned())
        .unwrap_or_default();
    words(&text)
}

fn model_messages(events: &[WatchdogEvent]) -> Vec<String> {
    events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::ModelUnloaded { .. } | EventKind::ModelReloaded { .. }
            )
        })
        .map(|e| {
            let message = e.to_alert().message;
            message
                .split_once(": ")
                .map_or(message.clone(), |(_, m)| m.to_owned())
        })
        .collect()
}

/// The watchdog on a fake board, publishing into fresh knobs, polled at 1 s.
struct Board {
    tree: FakeTree,
    core: WatchdogCore,
    knobs: Arc<SharedKnobs>,
    events: Vec<WatchdogEvent>,
}

impl Board {
    fn new(name: &str, config: &Config) -> Board {
        let tree = FakeTree::new(name, Layout::JetPack5);
        let mut events = Vec::new();
        let mut core =
            WatchdogCore::new(&config.watchdog, &tree.root, &tree.nvpmodel, 0, &mut |e| {
                events.push(e)
            })
            .unwrap();
        let knobs = Arc::new(SharedKnobs::default());
        core.publish_into(Arc::clone(&knobs));
        Board {
            tree,
            core,
            knobs,
            events,
        }
    }

    fn poll(&mut self, s: u64) {
        let events = &mut self.events;
        self.core.note_speech(s * 1_000);
        self.core.poll(s * 1_000, &mut |e| events.push(e));
    }
}

#[test]
fn critical_heat_swaps_whisper_base_for_tiny_and_drops_fusion_until_it_cools() {
    let Some(config) = config_with("whisper-base") else {
        return;
    };
    let speech = jfk();
    let mut board = Board::new("wd-asr-models", &config);
    let model_dir = config.asr_model_dir().unwrap();
    let transcriber = load_transcriber(&model_dir, &config.asr_config()).unwrap();
    assert!(transcriber.has_lm());
    let lm_bytes = transcriber.lm_bytes();
    let fallback = fallback_model_dir(&config).unwrap();
    assert!(fallback.ends_with("whisper-tiny.en"), "{fallback:?}");
    let mut recogniser =
        HeldRecogniser::new(transcriber, Some(&fallback), Arc::clone(&board.knobs));
    board.poll(1);
    assert!(board.knobs.load().large_models);
    assert_eq!(recogniser.follow(), Followed::default());
    let text = heard(&mut recogniser, &speech);
    assert!(is_jfk(&text), "{text}");
    let base_mb = std::fs::read_dir(&model_dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum::<u64>()
        >> 20;
    assert_eq!(
        board.core.snapshot(1_000).models_line().unwrap(),
        format!(
            "models: whisper-base loaded ({base_mb} MB), {FUSION_LM_NAME} loaded ({} MB)",
            lm_bytes >> 20
        )
    );

    // GPU-therm within 5 °C of its 100 °C critical trip: recognition only, tiny.en.
    board.tree.set_temp(1, 96_000);
    board.poll(2);
    assert_eq!(board.core.thermal(), ThermalState::Critical);
    assert!(!board.knobs.load().large_models);
    assert_eq!(
        board.core.snapshot(2_000).models_line().unwrap(),
        format!("models: whisper-base unload pending, {FUSION_LM_NAME} unload pending")
    );
    let followed = recogniser.follow();
    assert!(
        followed.whisper_unloaded && followed.lm_unloaded && !followed.failed,
        "{followed:?}"
    );
    assert!(recogniser.on_fallback());
    assert!(recogniser
        .transcriber()
        .model_dir()
        .ends_with("whisper-tiny.en"));
    assert!(!recogniser.transcriber().has_lm() && !recogniser.transcriber().biasing());
    // Recognition goes on, on the default model.
    let text = heard(&mut recogniser, &speech);
    assert!(is_jfk(&text), "{text}");
    board.poll(3);
    assert_eq!(
        model_messages(&board.events),
        [
            format!("model whisper-base unloaded ({base_mb} MB freed)"),
            format!(
                "model {FUSION_LM_NAME} unloaded ({} MB freed)",
                lm_bytes >> 20
            ),
        ]
    );
    assert_eq!(
        board.core.snapshot(3_000).models_line().unwrap(),
        format!("models: whisper-base unloaded (critical heat), {FUSION_LM_NAME} unloaded (critical heat)")
    );
    // Still critical: nothing more to do, and following allocates nothing on the ASR thread.
    let quiet = std::thread::scope(|s| {
        s.spawn(|| {
            set_thread_role(ThreadRole::Asr);
            let before = allocations(ThreadRole::Asr);
            for _ in 0..100 {
                assert_eq!(recogniser.follow(), Followed::default());
            }
            allocations(ThreadRole::Asr) - before
        })
        .join()
        .unwrap()
    });
    assert_eq!(quiet, 0);

    // Cooled (after the dwell time): the configured model and fusion come back.
    board.tree.set_temp(1, 40_000);
    let mut reloaded_at = None;
    for s in 4..=100u64 {
        board.poll(s);
        let followed = recogniser.follow();
        if followed != Followed::default() {
            assert!(
                followed.whisper_reloaded && followed.lm_reloaded && !followed.failed,
                "{followed:?}"
            );
            assert!(reloaded_at.is_none(), "reloaded twice");
            reloaded_at = Some(s);
        }
    }
    assert!(reloaded_at.is_some(), "{:?}", board.core.thermal());
    assert!(!recogniser.on_fallback());
    assert!(recogniser
        .transcriber()
        .model_dir()
        .ends_with("whisper-base"));
    assert!(recogniser.transcriber().has_lm() && recogniser.transcriber().biasing());
    let text = heard(&mut recogniser, &speech);
    assert!(is_jfk(&text), "{text}");
    let messages = model_messages(&board.events);
    assert_eq!(
        messages[2..],
        [
            format!("model whisper-base loaded again ({base_mb} MB)"),
            format!(
                "model {FUSION_LM_NAME} loaded again ({} MB)",
                lm_bytes >> 20
            ),
        ],
        "{messages:?}"
    );
    let snapshot = board.core.snapshot(100_000);
    assert_eq!(snapshot.thermal, ThermalState::Normal);
    let screen = tccc::watchdog::dashboard::render(&snapshot.dashboard(100.0, None));
    assert!(screen.contains("whisper-base loaded"), "{screen}");
}

#[test]
fn with_the_default_whisper_model_only_the_fusion_model_is_unloaded() {
    let Some(config) = config_with("whisper-tiny.en") else {
        return;
    };
    assert_eq!(fallback_model_dir(&config), None);
    let mut board = Board::new("wd-asr-lm", &config);
    let transcriber =
        load_transcriber(&config.asr_model_dir().unwrap(), &config.asr_config()).unwrap();
    let mut recogniser = HeldRecogniser::new(transcriber, None, Arc::clone(&board.knobs));
    board.poll(1);
    board.tree.set_temp(1, 96_000);
    board.poll(2);
    assert_eq!(board.core.thermal(), ThermalState::Critical);
    let followed = recogniser.follow();
    assert_eq!(
        followed,
        Followed {
            lm_unloaded: true,
            ..Followed::default()
        }
    );
    assert!(!recogniser.on_fallback() && !recogniser.transcriber().has_lm());
    board.poll(3);
    board.tree.set_temp(1, 40_000);
    for s in 4..=100u64 {
        board.poll(s);
        recogniser.follow();
    }
    assert!(recogniser.transcriber().has_lm());
    let messages = model_messages(&board.events);
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with(&format!("model {FUSION_LM_NAME} unloaded")));
    assert!(messages[1].starts_with(&format!("model {FUSION_LM_NAME} loaded again")));
}

/// How long a wait for the pipeline may last before the test gives up (a hang, not a
/// timing bar: nothing is asserted about how long it took).
const HANG: Duration = Duration::from_secs(300);

/// Releases one phase and returns its utterances once every segment cut is transcribed.
fn play_phase(
    pipeline: &mut LivePipeline,
    released: &AtomicU64,
    fed: &AtomicU64,
    phase_len: u64,
) -> Vec<HeardUtterance> {
    let end = released.fetch_add(phase_len, Ordering::AcqRel) + phase_len;
    let stats = Arc::clone(pipeline.frontend_stats());
    let mut heard = Vec::new();
    let began = Instant::now();
    loop {
        while let Some(h) = pipeline.try_next_utterance() {
            heard.push(h);
        }
        let vad_samples = stats.vad_frames.load(Ordering::Acquire) * 512;
        let emitted = stats.segmenter.segments_emitted.load(Ordering::Acquire);
        if fed.load(Ordering::Acquire) == end
            && vad_samples + 4_096 >= end
            && emitted > 0
            && pipeline.segments_transcribed() == emitted
        {
            break;
        }
        assert!(began.elapsed() < HANG, "hung waiting for the phase");
        std::thread::sleep(Duration::from_millis(5));
    }
    while let Some(h) = pipeline.try_next_utterance() {
        heard.push(h);
    }
    heard
}

/// The wiring: the live pipeline's ASR thread holds its recogniser in a `HeldRecogniser`
/// registered in the pipeline's knobs, which the watchdog publishes into as `tccc run`
/// wires it.
#[test]
fn the_live_pipeline_drops_the_fusion_model_in_critical_heat_and_takes_it_back() {
    let Some(config) = config_with("whisper-tiny.en") else {
        return;
    };
    let speech = jfk();
    let mut phase = speech.clone();
    phase.extend(std::iter::repeat_n(0.0, 4 * 16_000));
    let phase_len = phase.len() as u64;
    let all: Vec<f32> = phase
        .iter()
        .copied()
        .cycle()
        .take(phase.len() * 3)
        .collect();
    let (released, fed, done) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let source = GatedSource {
        samples: Arc::new(all),
        released: Arc::clone(&released),
        fed: Arc::clone(&fed),
        done: Arc::clone(&done),
    };
    let transcriber =
        load_transcriber(&config.asr_model_dir().unwrap(), &config.asr_config()).unwrap();
    let mut pipeline = LivePipeline::start(
        Box::new(source),
        &config,
        Pacing::AsFastAsPossible,
        transcriber,
    )
    .unwrap();
    let mut board = Board::new("wd-asr-live", &config);
    board.knobs = Arc::clone(pipeline.knobs());
    board.core.publish_into(Arc::clone(&board.knobs));
    board.poll(1);
    let line = |board: &Board, s: u64| board.core.snapshot(s * 1_000).models_line();
    assert!(
        line(&board, 1).is_some_and(|l| l.starts_with("models: asr-lm loaded")),
        "{:?}",
        line(&board, 1)
    );
    let cool = play_phase(&mut pipeline, &released, &fed, phase_len);
    assert!(!cool.is_empty() && cool.iter().all(|h| h.decoding.biasing));

    board.tree.set_temp(1, 96_000);
    board.poll(2);
    assert_eq!(board.core.thermal(), ThermalState::Critical);
    let critical = play_phase(&mut pipeline, &released, &fed, phase_len);
    assert!(!critical.is_empty() && critical.iter().all(|h| !h.decoding.biasing));
    let text: Vec<&str> = critical.iter().map(|h| h.text.as_str()).collect();
    assert!(is_jfk(&words(&text.join(" "))), "{text:?}");
    board.poll(3);
    assert_eq!(
        line(&board, 3).as_deref(),
        Some("models: asr-lm unloaded (critical heat)")
    );

    board.tree.set_temp(1, 40_000);
    for s in 4..=100 {
        board.poll(s);
    }
    assert!(board.knobs.load().large_models);
    let restored = play_phase(&mut pipeline, &released, &fed, phase_len);
    assert!(!restored.is_empty() && restored.iter().all(|h| h.decoding.biasing));
    board.poll(101);
    let messages = model_messages(&board.events);
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].starts_with("model asr-lm unloaded ("),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("model asr-lm loaded again ("),
        "{messages:?}"
    );
    done.store(true, Ordering::Release);
    pipeline.join().unwrap();
}
