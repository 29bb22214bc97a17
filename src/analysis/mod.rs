//! The analysis stage: its own thread, fed by the transcript ring of the live pipeline
//! (`live::LivePipeline`) and by console requests. It owns the [`Extractor`], the journal
//! (when a state directory is given) and the guideline advisor, and after each change
//! publishes a [`Snapshot`] of the record that readers (the console, the CLI) take without
//! holding any lock while they render.
//!
//! ```text
//!  LivePipeline ─ HeardUtterance ring ─► [analysis thread] Extractor → journal, advisor
//!  console ─ bounded request queue ─────►        │ publishes Arc<Snapshot>, sends notices
//! ```
//! [`start`] is the one place where the pipeline (capture → front end → ASR → analysis)
//! is assembled; `tccc run`, `tccc process --input` and `tccc demo` all start it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::advisor::clock::{Clock, WallClock};
use crate::advisor::rules::RuleSet;
use crate::advisor::{describe, Advisor, Alert, AlertEvent, AlertId};
use crate::audio::source::AudioSource;
use crate::config::Config;
use crate::extract::{Change, Extractor, ExtractorConfig};
use crate::frontend::pipeline::Pacing;
use crate::frontend::stats::FrontendStats;
use crate::journal::codec::{self, Kind, UtteranceRecord};
use crate::journal::{self, key, Journal, JournalKey, WriterTiming};
use crate::limits::{
    CONSOLE_NOTICES_MAX, CONSOLE_REQUESTS_MAX, SNAPSHOT_UTTERANCES_MAX, STAGE_UTTERANCES_MAX,
};
use crate::live::{load_transcriber, HeardUtterance, LiveError, LivePipeline, LiveSummary};
use crate::record::{Event, FactId, LiveFact, Provenance, Record, UtteranceDocument};

/// How long the analysis thread sleeps when nothing is waiting.
const IDLE: Duration = Duration::from_millis(5);
/// How often the advisor's clock is looked at.
const ADVISOR_TICK: Duration = Duration::from_secs(1);
/// Utterances whose end-of-speech latency the `top` percentiles are taken over.
const LATENCY_WINDOW: usize = crate::limits::SNAPSHOT_UTTERANCES_MAX;
/// How long closing waits for the journal to be durable (SIGTERM must end within 2 s).
const CLOSE_TIMEOUT: Duration = Duration::from_millis(700);
/// What the journal records as the recogniser of typed console narration.
const CONSOLE_MODEL: &str = "console";
/// How long an observer's turn waits for the journal to be durable.
const OBSERVER_DURABLE_TIMEOUT: Duration = Duration::from_secs(10);
/// How an `Alert` journal record of a capture outage or recovery begins.
pub const AUDIO_ALERT_PREFIX: &str = "audio: ";
/// How an `Alert` journal record that holds an advisor event (JSON) begins.
const ADVISOR_EVENT_PREFIX: &str = "advisor-event ";
// The lexicon version recorded with every utterance (the one the extractor reads with).
use crate::extract::lexicon::LEXICON_VERSION;
pub use crate::journal::EXPORT_FILE_NAME;

/// What can stop the analysis stage or keep it from starting.
#[derive(Debug, Error)]
pub enum AnalysisError {
    /// The models or the live pipeline could not start.
    #[error(transparent)]
    Live(#[from] LiveError),
    /// The model folder named by the configuration is unusable.
    #[error("{0}; fix [asr] in the configuration or run models/fetch")]
    Model(String),
    /// The journal could not be opened or written.
    #[error("journal: {0}")]
    Journal(#[from] journal::JournalError),
    /// The guideline rules did not load (a bug: the shipped rules are tested).
    #[error("the advisor's rules do not load: {0}; this is a bug in tccc")]
    Rules(String),
    /// The analysis thread could not start or died.
    #[error("the analysis thread failed: {0}")]
    Thread(String),
    /// A run resuming from a state directory heard something else than it journaled.
    #[error("{0} holds another narration (utterance {1} differs from what it journaled); use a new --state")]
    OtherNarration(String, u32),
}

/// Where the journal lives.
#[derive(Debug, Clone)]
pub struct JournalSetup {
    /// The state directory.
    pub state: PathBuf,
    /// The key file, if not `state/journal.key`.
    pub key: Option<PathBuf>,
}

/// Whether a run continues one that was killed over the same input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// Every heard utterance is new (the service: live input, restarted).
    No,
    /// The input is the one a killed run was reading (`tccc process --input … --state`):
    /// the first heard utterances that equal the journaled ones (the pipeline is
    /// deterministic on a file) are already in the record and are skipped; a different one
    /// stops the run ([`AnalysisError::OtherNarration`]).
    SameInput,
}

/// Called on the analysis thread after each heard utterance with what it changed (the
/// CLI prints from it), once the journal (if any) holds the utterance and its events
/// durably; never on a real-time thread.
pub type Observer = Box<dyn FnMut(&HeardUtterance, Instant, &[Change]) + Send>;

/// How to run the stage.
pub struct AnalysisOptions {
    /// Pacing of the audio input.
    pub pacing: Pacing,
    /// Journal to this state directory.
    pub journal: Option<JournalSetup>,
    /// Run the guideline advisor on the wall clock (the service).
    pub advisor: bool,
    /// Keep running after the audio input ended (the service: the console still works).
    pub stay_after_input: bool,
    /// Called after each heard utterance.
    pub observer: Option<Observer>,
}

/// A request from the console, answered on `reply`.
#[derive(Debug)]
pub enum Action {
    /// Typed narration into the extractor.
    Say(String),
    /// Confirm a fact.
    Confirm(FactId),
    /// Reject a fact.
    Reject(FactId),
    /// Acknowledge an alert.
    Ack(AlertId),
    /// Journal a console command line (kind `Command`).
    Journal(String),
    /// Write the record as `tccc.casualty-record/1` JSON into the state directory.
    Export,
    /// Replace fact `id`: `text` (`<field> <value>`) is read as narration about its
    /// casualty, and the first fact it files replaces `id` (a `Corrected` event).
    Correct { id: FactId, text: String },
    /// Destroy the journal (key, segments, export) as `tccc purge` does, and empty the
    /// record; journaling stops until a new key and a restart.
    Purge,
    /// The language model's checked handover draft of a casualty (`mist N prose`).
    Prose(u8),
    /// Journal the watchdog's decisions as `Alert` records and announce them.
    Watchdog(Vec<crate::watchdog::WatchdogEvent>),
}

/// One console request with the channel its answer goes back on.
#[derive(Debug)]
pub struct Request {
    /// What to do.
    pub action: Action,
    /// `Ok(text)` or `Err(message)`.
    pub reply: SyncSender<Result<String, String>>,
}

/// Something that happened, for `EVT` lines.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// An utterance was heard (or typed) and read.
    Utterance { index: u32, text: String },
    /// A fact was filed unconfirmed: read it back.
    Readback {
        id: FactId,
        casualty: u8,
        fact: String,
    },
    /// The advisor raised an alert.
    Alert { id: AlertId, text: String },
    /// The watchdog decided something: `topic` is `POWER` or `THERMAL`.
    Watchdog { topic: &'static str, text: String },
    /// The capture device was lost or came back (`EVT AUDIO`).
    Audio { text: String },
    /// The audio input ended.
    InputEnded,
}

/// Counters of the stage, in the snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageStatus {
    /// Utterances read (heard and typed).
    pub utterances: u64,
    /// Utterances restored from the journal at start.
    pub restored: u64,
    /// Whether the audio input has ended.
    pub input_ended: bool,
    /// Records appended to the journal; `None` without a state directory.
    pub journal_next_seq: Option<u64>,
    /// Records durable.
    pub journal_durable: Option<u64>,
    /// Journal appends refused.
    pub journal_failures: u64,
    /// Notices dropped because the console fell behind.
    pub notices_dropped: u64,
    /// Utterances the extractor refused.
    pub extract_failures: u64,
    /// Segments whose audio was journaled before they were transcribed.
    pub journal_audio: u64,
    /// Segments whose audio could not be journaled (every audio buffer in use).
    pub journal_audio_dropped: u64,
    /// Heard utterances skipped because a killed run over the same input journaled them.
    pub resumed: u64,
    /// Oldest utterance texts no longer held in memory (`STAGE_UTTERANCES_MAX`).
    pub utterances_dropped: u64,
    /// Times the capture device was lost.
    pub capture_outages: u64,
    /// Times capture resumed after an outage.
    pub capture_recoveries: u64,
    /// Failed tries at reopening a lost device.
    pub capture_reopen_failures: u64,
    /// Whether the capture device is lost now.
    pub capture_down: bool,
    /// Length of the last completed outage in milliseconds.
    pub capture_last_outage_ms: u64,
    /// Which configured device captures (0: `audio.device`, 1: `audio.fallback_device`).
    pub capture_device: u64,
    /// Device overruns (xruns) recovered.
    pub capture_overruns: u64,
    /// Requests to the language model's thread refused because its ring was full.
    pub llm_requests_dropped: u64,
    /// Requests the language model's thread stopped because the watchdog paused it.
    pub llm_paused: u64,
    /// Latency, losses and real-time allocations of the pipeline (the `top` screen).
    pub pipeline: crate::watchdog::dashboard::PipelineFigures,
}

/// What readers see: the record and what the console shows, as of one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The record as it stands.
    pub record: Record,
    /// Every event.
    pub events: Vec<Event>,
    /// Facts that hold now and are unconfirmed.
    pub unconfirmed: Vec<LiveFact>,
    /// Every alert raised (acknowledged ones marked).
    pub alerts: Vec<Alert>,
    /// The newest utterances (at most `SNAPSHOT_UTTERANCES_MAX`).
    pub recent: Vec<UtteranceDocument>,
    /// Counters.
    pub status: StageStatus,
}

/// The published snapshot: readers clone the `Arc` (the lock is held only for the clone)
/// and render outside any lock; the analysis thread swaps in a new one after each change.
#[derive(Debug, Default)]
pub struct Published {
    current: RwLock<Arc<Snapshot>>,
    version: AtomicU64,
}

impl Published {
    /// The latest snapshot.
    pub fn load(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// How many snapshots have been published.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    fn store(&self, snapshot: Snapshot) {
        let snapshot = Arc::new(snapshot);
        match self.current.write() {
            Ok(mut guard) => *guard = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
        self.version.fetch_add(1, Ordering::Release);
    }
}

/// What the stage did, when it ends.
pub struct AnalysisOutcome {
    /// The extractor (the record and its log).
    pub extractor: Extractor,
    /// The utterances read (the newest `STAGE_UTTERANCES_MAX`).
    pub utterances: Vec<UtteranceDocument>,
    /// The live pipeline's summary.
    pub live: LiveSummary,
    /// The stage's counters at the end (`resumed`, the journal's audio).
    pub status: StageStatus,
}

/// The running stage.
pub struct Analysis {
    requests: SyncSender<Request>,
    notices: Option<Receiver<Notice>>,
    published: Arc<Published>,
    stop: Arc<AtomicBool>,
    flushed: Arc<AtomicBool>,
    heartbeat: Arc<AtomicU64>,
    frontend: Arc<FrontendStats>,
    journal_beat: Option<Arc<AtomicU64>>,
    knobs: Arc<crate::watchdog::SharedKnobs>,
    thread: Option<JoinHandle<Result<AnalysisOutcome, AnalysisError>>>,
}

impl Analysis {
    /// Where console requests go (a full queue refuses: `try_send`).
    pub fn requests(&self) -> SyncSender<Request> {
        self.requests.clone()
    }

    /// The notices (`EVT` lines); taken once, by the console.
    pub fn take_notices(&mut self) -> Option<Receiver<Notice>> {
        self.notices.take()
    }

    /// The published snapshot.
    pub fn published(&self) -> Arc<Published> {
        Arc::clone(&self.published)
    }

    /// Whether the thread has ended (the input ended without `stay_after_input`, or it failed).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Asks the stage to stop: capture stops, the journal is flushed.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    /// The analysis thread's heartbeat: advances on every turn of its loop (at least every
    /// few milliseconds while it is healthy), for the service's liveness check.
    pub fn heartbeat(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.heartbeat)
    }

    /// The capture and front-end counters, with the heartbeats of the capture, frontend
    /// and recogniser threads.
    pub fn frontend_stats(&self) -> Arc<FrontendStats> {
        Arc::clone(&self.frontend)
    }

    /// The journal writer thread's heartbeat; `None` without a state directory.
    pub fn journal_heartbeat(&self) -> Option<Arc<AtomicU64>> {
        self.journal_beat.clone()
    }

    /// The stage knobs the pipeline's stages read (the ASR thread before each segment); the
    /// watchdog publishes into it (`Watchdog::start_publishing`).
    pub fn knobs(&self) -> Arc<crate::watchdog::SharedKnobs> {
        Arc::clone(&self.knobs)
    }

    /// Whether the journal has been flushed and closed after a stop (the rest of the
    /// pipeline may still be finishing a segment).
    pub fn is_flushed(&self) -> bool {
        self.flushed.load(Ordering::Acquire)
    }

    /// Waits for the stage to end and returns what it did.
    pub fn join(mut self) -> Result<AnalysisOutcome, AnalysisError> {
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(AnalysisError::Thread("panicked".to_owned())),
            None => Err(AnalysisError::Thread("already joined".to_owned())),
        }
    }
}

/// Loads and warms the models, opens the journal, starts capture → front end → ASR and
/// the analysis thread over `source`. Returns once every thread runs.
pub fn start(
    source: Box<dyn AudioSource>,
    config: &Config,
    options: AnalysisOptions,
) -> Result<Analysis, AnalysisError> {
    start_with(source, config, options, Resume::No)
}

/// As [`start`], resuming a killed run over the same input when `resume` says so.
pub fn start_with(
    source: Box<dyn AudioSource>,
    config: &Config,
    options: AnalysisOptions,
    resume: Resume,
) -> Result<Analysis, AnalysisError> {
    let model_dir = config
        .asr_model_dir()
        .map_err(|e| AnalysisError::Model(e.to_string()))?;
    let model = model_dir.file_name().map_or_else(
        || "whisper".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let transcriber = load_transcriber(&model_dir, &config.asr_config()).map_err(LiveError::Asr)?;
    let mut journaled = match &options.journal {
        Some(setup) => Some(JournaledState::open(setup)?),
        None => None,
    };
    let audio = journaled
        .as_mut()
        .and_then(|state| state.journal.take_audio());
    let advisor = if options.advisor {
        let rules = RuleSet::builtin().map_err(|e| AnalysisError::Rules(e.to_string()))?;
        // Local time: the clock times the advisor narrates are the ones the medic says.
        let clock = WallClock::new(crate::sys::localtime::utc_offset_minutes_now());
        Some((Advisor::new(rules, clock.now()), clock))
    } else {
        None
    };
    let journal_beat = journaled.as_ref().map(|state| state.journal.heartbeat());
    let pipeline =
        LivePipeline::start_journaled(source, config, options.pacing, transcriber, audio)?;
    let frontend = Arc::clone(pipeline.frontend_stats());
    let knobs = Arc::clone(pipeline.knobs());
    // The model runs on its own thread at the lowest priority, paused by the watchdog's
    // knobs when hot (`llm::worker`).
    let (llm, llm_error) = match config
        .llm_model_file()
        .map_err(|e| crate::llm::checked::UseError::NoModel(e.to_string()))
        .and_then(|path| crate::llm::worker::open(&path, Some(Arc::clone(&knobs))))
    {
        Ok(generator) => (Some(generator), String::new()),
        Err(error) => {
            if config.llm.reader {
                log::warn!("[llm] reader is on but {error}");
            }
            (None, error.to_string())
        }
    };
    let (requests, request_rx) = mpsc::sync_channel(CONSOLE_REQUESTS_MAX);
    let (notice_tx, notices) = mpsc::sync_channel(CONSOLE_NOTICES_MAX);
    let published = Arc::new(Published::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut stage = Stage {
        extractor: Extractor::new(ExtractorConfig {
            heard_confidence_min: config.extract.heard_confidence_min,
            ..ExtractorConfig::default()
        }),
        utterances: Vec::new(),
        next_index: 0,
        journal: None,
        _lock: None,
        advisor,
        notices: notice_tx,
        published: Arc::clone(&published),
        status: StageStatus::default(),
        observer: options.observer,
        model,
        announced: 0,
        export_dir: options.journal.as_ref().map(|setup| setup.state.clone()),
        resume_heard: Vec::new(),
        purge_paths: options.journal.as_ref().map(|setup| {
            (
                setup.state.clone(),
                key::key_path(&setup.state, setup.key.as_deref()),
            )
        }),
        latencies_ms: std::collections::VecDeque::with_capacity(LATENCY_WINDOW),
        latencies_sorted: Vec::with_capacity(LATENCY_WINDOW),
        llm,
        llm_error,
        reader: config.llm.reader,
        prose_pending: Vec::with_capacity(crate::limits::LLM_REQUESTS_MAX),
        readings: crate::llm::reading::Readings::new(),
    };
    if let Some(state) = journaled {
        if resume == Resume::SameInput {
            stage.resume_heard = state
                .replayed
                .utterances
                .iter()
                .filter(|u| is_heard(u))
                .map(|u| u.text.clone())
                .collect();
        }
        stage.restore(state);
    }
    stage.publish();
    let flushed = Arc::new(AtomicBool::new(false));
    let heartbeat = Arc::new(AtomicU64::new(0));
    let thread = {
        let stop = Arc::clone(&stop);
        let flushed = Arc::clone(&flushed);
        let heartbeat = Arc::clone(&heartbeat);
        let stay = options.stay_after_input;
        std::thread::Builder::new()
            .name("tccc-analysis".to_owned())
            .spawn(move || stage.run(pipeline, request_rx, &stop, &flushed, &heartbeat, stay))
            .map_err(|e| AnalysisError::Thread(e.to_string()))?
    };
    Ok(Analysis {
        requests,
        notices: Some(notices),
        published,
        stop,
        flushed,
        heartbeat,
        frontend,
        journal_beat,
        knobs,
        thread: Some(thread),
    })
}

/// A journal opened and replayed, with the state directory's lock.
struct JournaledState {
    journal: Journal,
    lock: journal::lock::StateLock,
    replayed: journal::State,
}

impl JournaledState {
    fn open(setup: &JournalSetup) -> Result<Self, AnalysisError> {
        let key = JournalKey::load(&key::key_path(&setup.state, setup.key.as_deref()))?;
        let storage = journal::dir_storage(&setup.state)?;
        let lock = journal::lock::StateLock::take(&setup.state)?;
        let (journal, replayed) =
            journal::open_contiguous(Box::new(storage), &key, WriterTiming::default())?;
        for problem in &replayed.problems {
            log::warn!("journal: {problem}");
        }
        Ok(JournaledState {
            journal,
            lock,
            replayed,
        })
    }
}

struct Stage {
    extractor: Extractor,
    utterances: Vec<UtteranceDocument>,
    next_index: u32,
    journal: Option<Journal>,
    _lock: Option<journal::lock::StateLock>,
    advisor: Option<(Advisor, WallClock)>,
    notices: SyncSender<Notice>,
    published: Arc<Published>,
    status: StageStatus,
    observer: Option<Observer>,
    model: String,
    /// Events already looked at for read-backs.
    announced: usize,
    /// Where `Export` writes (the state directory).
    export_dir: Option<PathBuf>,
    /// Resuming over the same input: the texts heard from audio that the killed run
    /// journaled, in order; `status.resumed` of them have been heard again.
    resume_heard: Vec<String>,
    /// The state directory and key file `Purge` destroys.
    purge_paths: Option<(PathBuf, PathBuf)>,
    /// End of speech → transcript ready of the recent utterances, in ms (bounded).
    latencies_ms: std::collections::VecDeque<f64>,
    /// Scratch for the latency quantiles, reserved at start (no allocation per tick).
    latencies_sorted: Vec<f64>,
    /// The language model's thread for the checked uses, if a model loaded.
    llm: Option<crate::llm::worker::LlmWorker>,
    /// `mist N prose` requests the model's thread is writing: answered when it replies.
    prose_pending: Vec<PendingProse>,
    /// Why no model loaded.
    llm_error: String,
    /// `[llm] reader`: read again with the model what the rules filed nothing from.
    reader: bool,
    /// The readings asked of the model's thread, filed when it answers (`poll_llm`).
    readings: crate::llm::reading::Readings,
}

/// A handover draft the model's thread is writing, with what checking it needs.
struct PendingProse {
    id: u32,
    reply: SyncSender<Result<String, String>>,
    casualty: crate::record::CasualtyId,
    confirmed: crate::record::CasualtyRecord,
    left_out: usize,
}

/// What `status` and `EVT AUDIO` call a configured capture device.
pub fn device_role(index: u64) -> &'static str {
    if index == 0 {
        "configured"
    } else {
        "fallback"
    }
}

/// Whether an event was made at the console (`provenance_now`), not read from speech: a
/// console correction is applied again on restore, a spoken one is read again.
fn is_console(provenance: &Provenance) -> bool {
    provenance.lexicon.is_empty()
        && provenance.char_start == 0
        && provenance.char_end == 0
        && provenance.heard_end_s == 0.0
}

/// Whether a journaled utterance was heard from audio (not typed at the console or read
/// from a transcript).
fn is_heard(utterance: &UtteranceRecord) -> bool {
    utterance.rehearing_of.is_none()
        && (utterance.audio_seq.is_some()
            || (utterance.model != CONSOLE_MODEL && utterance.model != TRANSCRIPT_MODEL))
}

/// What the journal records as the recogniser of transcript lines (`process --transcript`).
pub const TRANSCRIPT_MODEL: &str = "transcript";

/// Rebuilds `extractor` from a replayed journal: each journaled utterance is read again
/// and each journaled verdict (confirm, reject) is applied after the utterance it names,
/// so fact ids and the record are what they were. The model's and reprocessing's
/// proposals are filed again where the journal holds them: after the last utterance
/// journaled before them (a reading the model answered while later utterances were heard
/// follows those), merged with the verdicts in journal order. Returns the next utterance
/// index. The caller compares the extractor's events with the journal's
/// (`record_prefix_of`).
pub fn replay_utterances(extractor: &mut Extractor, replayed: &journal::State) -> u32 {
    let events = replayed.log.events();
    let verdicts: Vec<(usize, &Event)> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            matches!(e, Event::Confirmed { .. } | Event::Rejected { .. })
                || matches!(e, Event::Corrected { provenance, .. } if is_console(provenance))
        })
        .collect();
    let proposals: Vec<(usize, &Event)> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| is_proposal(e))
        .collect();
    // Where each utterance stands among the events; without the sequence numbers (a state
    // not read from a journal) each proposal follows the utterance it names.
    let by_seq = replayed.utterance_seqs.len() == replayed.utterances.len()
        && replayed.event_seqs.len() == events.len();
    let mut applied = 0;
    let mut taken = 0;
    let mut next_index = 0u32;
    let mut due: Vec<(usize, &Event)> = Vec::new();
    for (position, utterance) in replayed.utterances.iter().enumerate() {
        // A second hearing (`tccc reprocess --all`) is not read again: only the facts it
        // proposed are filed again, below.
        let read = match utterance.rehearing_of {
            Some(_) => Ok(Vec::new()),
            None => extractor.push_heard(
                utterance.index,
                &utterance.text,
                &utterance.words,
                utterance.start_s,
                utterance.end_s,
            ),
        };
        if let Err(error) = read {
            log::warn!(
                "journaled utterance {} not read again: {error}",
                utterance.index
            );
        }
        next_index = next_index.max(utterance.index.saturating_add(1));
        // The model's and reprocessing's proposals are not made again: their journaled
        // events are filed, with the verdicts due here, in journal order.
        due.clear();
        if by_seq {
            let until = replayed
                .utterance_seqs
                .get(position + 1)
                .copied()
                .unwrap_or(u64::MAX);
            while let Some(&(at, event)) = proposals.get(taken) {
                if replayed.event_seqs[at] >= until {
                    break;
                }
                due.push((at, event));
                taken += 1;
            }
        } else {
            due.extend(
                proposals
                    .iter()
                    .filter(|(_, e)| e.provenance().utterance == utterance.index),
            );
        }
        while let Some(&(at, event)) = verdicts.get(applied) {
            if event.provenance().utterance > utterance.index {
                break;
            }
            due.push((at, event));
            applied += 1;
        }
        due.sort_by_key(|(at, _)| *at);
        for (_, event) in &due {
            match event {
                Event::Asserted {
                    casualty,
                    fact,
                    provenance,
                    ..
                } if is_proposal(event) => {
                    if let Err(error) =
                        extractor.file_proposed(*casualty, fact.clone(), *provenance)
                    {
                        log::warn!("a journaled proposal was not filed again: {error}");
                    }
                }
                _ => apply_verdict(extractor, event),
            }
        }
    }
    for (_, event) in &verdicts[applied..] {
        apply_verdict(extractor, event);
    }
    next_index
}

/// Whether a journaled event is a proposal (the model's reader, `reprocess --all`), filed
/// again as it stands rather than read again.
fn is_proposal(event: &Event) -> bool {
    matches!(
        event,
        Event::Asserted { provenance, .. } if matches!(
            provenance.doubt,
            Some(crate::record::Doubt::Proposed | crate::record::Doubt::Reprocessed)
        )
    )
}

fn apply_verdict(extractor: &mut Extractor, event: &Event) {
    let result = match event {
        Event::Confirmed { id, provenance } => extractor.confirm(*id, *provenance),
        Event::Rejected { id, provenance } => extractor.reject(*id, *provenance),
        Event::Corrected {
            superseded,
            by,
            provenance,
        } => extractor.correct(*superseded, *by, *provenance),
        _ => Ok(()),
    };
    if let Err(error) = result {
        log::warn!("a journaled verdict was not applied again: {error}");
    }
}

fn provenance_now(utterance: u32) -> Provenance {
    Provenance {
        utterance,
        char_start: 0,
        char_end: 0,
        heard_start_s: 0.0,
        heard_end_s: 0.0,
        confidence: 1.0,
        doubt: None,
        lexicon: "",
    }
}

impl Stage {
    /// Rebuilds the extractor from the journal: each journaled utterance is read again,
    /// and each journaled verdict (confirm, reject) is applied after the utterance it
    /// names, so fact ids and the record are what they were.
    fn restore(&mut self, state: JournaledState) {
        let JournaledState {
            journal,
            lock,
            replayed,
        } = state;
        self.next_index = replay_utterances(&mut self.extractor, &replayed);
        for utterance in replayed
            .utterances
            .iter()
            .filter(|u| u.rehearing_of.is_none())
        {
            self.push_recent(UtteranceDocument {
                start_s: utterance.start_s,
                end_s: utterance.end_s,
                text: utterance.text.clone(),
            });
        }
        self.journal = Some(journal);
        self._lock = Some(lock);
        let theirs = replayed.log.events().len();
        let ours = self.extractor.events().len();
        if theirs <= ours && self.extractor.events()[..theirs] == *replayed.log.events() {
            // A crash may have cut the last utterance's events: journal the rest now.
            self.append_events_from(theirs);
        } else {
            log::warn!(
                "the journal holds {theirs} events, reading its utterances again gave {ours} (another lexicon version?)"
            );
        }
        if let Some((advisor, _)) = &mut self.advisor {
            for alert in &replayed.alerts {
                let Some(json) = alert.message.strip_prefix(ADVISOR_EVENT_PREFIX) else {
                    continue;
                };
                match serde_json::from_str::<AlertEvent>(json) {
                    Ok(event) => advisor.restore(&event),
                    Err(error) => log::warn!("a journaled advisor event is unreadable: {error}"),
                }
            }
        }
        self.status.restored = replayed
            .utterances
            .iter()
            .filter(|u| u.rehearing_of.is_none())
            .count() as u64;
        self.status.utterances = self.status.restored;
        // Read-backs were given before the restart.
        self.announced = self.extractor.events().len();
    }

    /// Keeps an utterance's text for `export` and the snapshot: at most
    /// `STAGE_UTTERANCES_MAX`, the oldest dropped and counted (the journal keeps them all).
    fn push_recent(&mut self, utterance: UtteranceDocument) {
        if self.utterances.len() >= STAGE_UTTERANCES_MAX {
            self.utterances.remove(0);
            self.status.utterances_dropped += 1;
        }
        self.utterances.push(utterance);
    }

    fn notify(&mut self, notice: Notice) {
        match self.notices.try_send(notice) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => self.status.notices_dropped += 1,
        }
    }

    fn append(&mut self, kind: Kind, payload: Vec<u8>) {
        if let Some(journal) = &mut self.journal {
            if let Err(error) = journal.append(kind as u8, payload) {
                self.status.journal_failures += 1;
                log::warn!("journal: {error}");
            }
        }
    }

    fn append_events_from(&mut self, before: usize) {
        if self.journal.is_none() {
            return;
        }
        let payloads: Vec<Vec<u8>> = self.extractor.events()[before..]
            .iter()
            .map(|event| {
                let mut payload = Vec::new();
                codec::encode_event(event, &mut payload);
                payload
            })
            .collect();
        for payload in payloads {
            self.append(Kind::Event, payload);
        }
    }

    /// Reads one utterance (heard or typed), journals it and its events, sends notices.
    fn utterance(
        &mut self,
        text: &str,
        words: &[crate::speech::HeardWord],
        start_s: f64,
        end_s: f64,
        model: &str,
        audio_seq: Option<u64>,
    ) -> Result<Vec<Change>, String> {
        let index = self.next_index;
        self.next_index = self.next_index.saturating_add(1);
        if self.journal.is_some() {
            let mut payload = Vec::new();
            codec::encode_utterance(
                &UtteranceRecord {
                    index,
                    start_s,
                    end_s,
                    text: text.to_owned(),
                    words: words.to_vec(),
                    model: model.to_owned(),
                    lexicon: LEXICON_VERSION.to_owned(),
                    audio_seq,
                    rehearing_of: None,
                },
                &mut payload,
            );
            self.append(Kind::Utterance, payload);
        }
        let before = self.extractor.events().len();
        let result = self
            .extractor
            .push_heard(index, text, words, start_s, end_s);
        if let Ok(changes) = &result {
            self.read_missed(index, text, changes, (start_s, end_s));
        }
        self.append_events_from(before);
        self.status.utterances += 1;
        self.push_recent(UtteranceDocument {
            start_s,
            end_s,
            text: text.to_owned(),
        });
        self.notify(Notice::Utterance {
            index,
            text: text.to_owned(),
        });
        self.read_back();
        match result {
            Ok(changes) => Ok(changes),
            Err(error) => {
                self.status.extract_failures += 1;
                Err(error.to_string())
            }
        }
    }

    /// The second reader (`[llm] reader`): when the rules filed nothing from an utterance
    /// with clinical words, the model's thread is asked to read it again and this thread
    /// goes on; [`Stage::poll_llm`] files the checked proposals, unconfirmed, when the
    /// reply comes (and `read_back` reads them back).
    fn read_missed(&mut self, index: u32, text: &str, changes: &[Change], heard: (f64, f64)) {
        if !self.reader {
            return;
        }
        let Some(worker) = self.llm.as_mut() else {
            return;
        };
        let lexicon = crate::extract::lexicon::Lexicon::new();
        if let Err(error) = self.readings.ask(
            worker,
            &self.extractor,
            &lexicon,
            index,
            text,
            changes,
            heard,
        ) {
            log::warn!("reader: utterance {index} not read again: {error}");
        }
    }

    /// Files the proposals of a reading the model's thread answered; journals them.
    fn file_reading(&mut self, reply: &crate::llm::worker::LlmReply) -> bool {
        let before = self.extractor.events().len();
        let Some(collected) = self.readings.collect(reply, &mut self.extractor) else {
            return false;
        };
        let index = collected.index;
        match collected.result {
            Ok(reading) => log::info!(
                "reader: utterance {index}: {} proposal(s) filed, {} refused",
                reading.filed.len(),
                reading.refused
            ),
            Err(error) => log::warn!("reader: utterance {index}: {error}"),
        }
        self.append_events_from(before);
        self.read_back();
        true
    }

    /// `mist N prose`: asks the model's thread for casualty `n`'s draft without waiting;
    /// [`Stage::poll_llm`] checks and answers it. An error is answered at once.
    fn start_prose(&mut self, n: u8, reply: SyncSender<Result<String, String>>) {
        let answer_now = |text: String| {
            let _ = reply.try_send(Err(text));
        };
        let Some(worker) = self.llm.as_mut() else {
            return answer_now(format!("no language model: {}", self.llm_error));
        };
        let record = self.extractor.record();
        let Some(casualty) = record.casualties.iter().find(|c| c.id == n) else {
            return answer_now(format!("no casualty {n} in the record; type `casualties`"));
        };
        let confirmed = crate::llm::handover::confirmed_only(casualty);
        let left_out = crate::llm::checked::record_facts(casualty)
            .len()
            .saturating_sub(crate::llm::checked::record_facts(&confirmed).len());
        let prompt = crate::llm::handover::prompt(&confirmed, worker.chat_format());
        match worker.submit(
            crate::llm::worker::Task::Handover,
            &prompt,
            "",
            crate::limits::HANDOVER_ANSWER_TOKENS_MAX,
        ) {
            Ok(id) => self.prose_pending.push(PendingProse {
                id,
                reply,
                casualty: casualty.id,
                confirmed,
                left_out,
            }),
            Err(error) => answer_now(error.to_string()),
        }
    }

    /// Answers the `mist N prose` requests whose drafts the model's thread has written
    /// (checked against the record here). Returns whether one came.
    fn poll_llm(&mut self) -> bool {
        if self.llm.is_none() {
            return false;
        }
        let mut any = false;
        while let Some(reply) = self.llm.as_mut().and_then(|w| w.try_reply()) {
            any = true;
            if self.file_reading(&reply) {
                self.publish();
                continue;
            }
            let Some(at) = self.prose_pending.iter().position(|p| p.id == reply.id) else {
                continue;
            };
            let pending = self.prose_pending.swap_remove(at);
            let mut answer = String::new();
            let result = crate::llm::worker::reply_text(&reply, &mut answer)
                .map(|()| {
                    crate::llm::handover::Draft {
                        casualty: pending.casualty,
                        checked: crate::llm::checked::check_paragraph(&answer, &pending.confirmed),
                        unconfirmed_left_out: pending.left_out,
                    }
                    .render()
                })
                .map_err(|e| e.to_string());
            let _ = pending.reply.try_send(result);
        }
        let Some(worker) = self.llm.as_ref() else {
            return any;
        };
        let status = worker.status();
        self.status.llm_requests_dropped = status.dropped;
        self.status.llm_paused = status.paused;
        any
    }

    /// A read-back notice for each fact asserted unconfirmed since the last look.
    fn read_back(&mut self) {
        let events = self.extractor.events();
        let fresh: Vec<Notice> = events[self.announced.min(events.len())..]
            .iter()
            .filter_map(|event| match event {
                Event::Asserted {
                    id,
                    casualty,
                    fact,
                    provenance,
                } if provenance.doubt.is_some() => Some(Notice::Readback {
                    id: *id,
                    casualty: *casualty,
                    fact: fact.to_string(),
                }),
                _ => None,
            })
            .collect();
        self.announced = events.len();
        for notice in fresh {
            self.notify(notice);
        }
    }

    fn handle(&mut self, action: Action) -> Result<String, String> {
        let utterance = self.next_index.saturating_sub(1);
        match action {
            Action::Say(text) => {
                let changes = self.utterance(&text, &[], 0.0, 0.0, CONSOLE_MODEL, None)?;
                Ok(format!("{} change(s)", changes.len()))
            }
            Action::Confirm(id) | Action::Reject(id) if !self.is_live_or_known(id) => {
                Err(format!("no fact {id} in the record"))
            }
            Action::Confirm(id) => {
                let before = self.extractor.events().len();
                self.extractor
                    .confirm(id, provenance_now(utterance))
                    .map_err(|e| e.to_string())?;
                self.append_events_from(before);
                Ok(format!("fact {id} confirmed"))
            }
            Action::Reject(id) => {
                let before = self.extractor.events().len();
                self.extractor
                    .reject(id, provenance_now(utterance))
                    .map_err(|e| e.to_string())?;
                self.append_events_from(before);
                Ok(format!("fact {id} rejected"))
            }
            Action::Ack(id) => {
                let Some((advisor, clock)) = &mut self.advisor else {
                    return Err("the advisor is not running".to_owned());
                };
                let event = advisor
                    .acknowledge(id, clock.now())
                    .map_err(|e| e.to_string())?;
                self.journal_alert_event(&event);
                Ok(format!("alert {id} acknowledged"))
            }
            Action::Export => {
                let Some(dir) = &self.export_dir else {
                    return Err(
                        "no state directory to export into (start with --state DIR)".to_owned()
                    );
                };
                let path = dir.join(EXPORT_FILE_NAME);
                let document = crate::record::RecordDocument::new(
                    &self.extractor.record(),
                    self.utterances.clone(),
                );
                let json = document
                    .to_json()
                    .map_err(|e| format!("cannot serialise the record: {e}"))?;
                journal::atomic::write_atomically(&path, (json + "\n").as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Ok(format!("exported to {}", path.display()))
            }
            Action::Correct { id, text } => self.correct(id, &text),
            Action::Purge => self.purge(),
            // Answered when the model's thread replies (`start_prose`, `poll_llm`).
            Action::Prose(n) => Err(format!("mist {n} prose is answered by the model's thread")),
            Action::Watchdog(events) => {
                for event in &events {
                    let mut payload = Vec::new();
                    codec::encode_alert(&event.to_alert(), &mut payload);
                    self.append(Kind::Alert, payload);
                    self.notify(Notice::Watchdog {
                        topic: event.topic(),
                        text: event.to_string(),
                    });
                }
                Ok(format!("{} watchdog event(s) journaled", events.len()))
            }
            Action::Journal(line) => {
                let mut payload = Vec::new();
                codec::encode_command(&codec::CommandRecord { line }, &mut payload);
                self.append(Kind::Command, payload);
                Ok(String::new())
            }
        }
    }

    /// `correct <id> <field> <value>`.
    fn correct(&mut self, id: FactId, text: &str) -> Result<String, String> {
        let Some(casualty) = self
            .extractor
            .live_facts()
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.casualty)
        else {
            return Err(format!(
                "fact {id} is not on the card (see `events`); nothing corrected"
            ));
        };
        let before = self.extractor.events().len();
        self.utterance(
            &format!("casualty {casualty} {text}"),
            &[],
            0.0,
            0.0,
            CONSOLE_MODEL,
            None,
        )?;
        let new = self.extractor.events()[before..]
            .iter()
            .find_map(|event| match event {
                Event::Asserted {
                    id: new,
                    casualty: about,
                    ..
                } if *about == casualty => Some(*new),
                _ => None,
            });
        let Some(new) = new else {
            return Err(format!(
                "`{text}` says nothing the record keeps about casualty {casualty}; nothing \
                 corrected (type it as you would say it, e.g. `pulse 110`)"
            ));
        };
        // The narration may have replaced the fact already (a newer value of the same
        // vital); otherwise the console's correction does.
        if self.extractor.live_facts().iter().any(|f| f.id == id) {
            let before = self.extractor.events().len();
            let utterance = self.next_index.saturating_sub(1);
            self.extractor
                .correct(id, Some(new), provenance_now(utterance))
                .map_err(|e| e.to_string())?;
            self.append_events_from(before);
        }
        let shown = self
            .extractor
            .live_facts()
            .iter()
            .find(|f| f.id == new)
            .map(|f| f.fact.to_string())
            .unwrap_or_default();
        Ok(format!("fact {id} corrected by fact {new}: {shown}"))
    }

    /// `purge confirm <token>`: the same destruction as `tccc purge`, then an empty record.
    fn purge(&mut self) -> Result<String, String> {
        let Some((state, key_path)) = self.purge_paths.clone() else {
            return Err("no journal to purge (the service runs without --state)".to_owned());
        };
        if let Err(error) = self.close_journal() {
            log::warn!("purge: the journal did not close cleanly: {error}");
        }
        let removed = journal::purge(&state, &key_path).map_err(|e| e.to_string())?;
        self.extractor = Extractor::new(ExtractorConfig::default());
        self.utterances.clear();
        self.announced = 0;
        if let Some((advisor, clock)) = &mut self.advisor {
            let rules = RuleSet::builtin().map_err(|e| e.to_string())?;
            *advisor = Advisor::new(rules, clock.now());
        }
        self.status.utterances = 0;
        self.status.restored = 0;
        self.status.journal_next_seq = None;
        self.status.journal_durable = None;
        log::warn!(
            "purge: key {} destroyed, {removed} file(s) removed",
            key_path.display()
        );
        Ok(format!(
            "purged: key destroyed, {removed} file(s) removed; the record is empty and \
             nothing is journaled until `tccc keygen` and a restart"
        ))
    }

    fn note_latency(&mut self, latency: Duration) {
        if self.latencies_ms.len() == LATENCY_WINDOW {
            self.latencies_ms.pop_front();
        }
        self.latencies_ms.push_back(latency.as_secs_f64() * 1000.0);
    }

    /// The pipeline's figures for `top` (published with the next snapshot).
    fn update_figures(&mut self, pipeline: &LivePipeline) {
        use crate::sys::alloc_guard::{allocations, ThreadRole};
        let stats = pipeline.frontend_stats();
        let sorted = &mut self.latencies_sorted;
        sorted.clear();
        sorted.extend(self.latencies_ms.iter().copied());
        sorted.sort_unstable_by(f64::total_cmp);
        let sorted = &self.latencies_sorted;
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        let figures = &mut self.status.pipeline;
        figures.utterances = self.status.utterances;
        figures.speech_end_latency_ms = (!sorted.is_empty()).then(|| (at(0.5), at(0.99)));
        figures.frame_cost_us = (
            stats.frame_cost_quantile_ns(0.5) as f64 / 1000.0,
            stats.frame_cost_quantile_ns(0.99) as f64 / 1000.0,
        );
        figures.capture_overflows = stats.capture_overflows.load(Ordering::Relaxed);
        figures.xruns = stats.source_overruns.load(Ordering::Relaxed);
        figures.segments_dropped = stats.segments_dropped();
        figures.transcripts_dropped = pipeline.transcripts_dropped();
        figures.notices_dropped = self.status.notices_dropped;
        figures.realtime_allocations =
            allocations(ThreadRole::Capture) + allocations(ThreadRole::Frontend);
    }

    fn is_live_or_known(&self, id: FactId) -> bool {
        self.extractor
            .events()
            .iter()
            .any(|e| matches!(e, Event::Asserted { id: fact, .. } if *fact == id))
    }

    /// Journals an advisor event as an `Alert` record: `ADVISOR_EVENT_PREFIX` and the
    /// event as JSON, which a restart gives back to `Advisor::restore`.
    fn journal_alert_event(&mut self, event: &AlertEvent) {
        let json = match serde_json::to_string(event) {
            Ok(json) => json,
            Err(error) => {
                log::warn!("an advisor event was not journaled: {error}");
                return;
            }
        };
        let mut payload = Vec::new();
        codec::encode_alert(
            &codec::AlertRecord {
                message: format!("{ADVISOR_EVENT_PREFIX}{json}"),
            },
            &mut payload,
        );
        self.append(Kind::Alert, payload);
    }

    fn tick_advisor(&mut self) {
        let Some((advisor, clock)) = &mut self.advisor else {
            return;
        };
        let raised = advisor.tick(clock.now(), self.extractor.live_facts());
        for event in raised {
            if let AlertEvent::Raised(alert) = &event {
                let text = describe(alert);
                let id = alert.id;
                self.journal_alert_event(&event);
                self.notify(Notice::Alert { id, text });
            }
        }
    }

    /// Journals (as an `Alert` record) and announces (`EVT AUDIO`) each capture outage
    /// and each recovery since the last look; true when something changed.
    fn watch_capture(&mut self, stats: &FrontendStats) -> bool {
        let outages = stats.capture_outages.load(Ordering::Relaxed);
        let recoveries = stats.capture_recoveries.load(Ordering::Relaxed);
        if outages == self.status.capture_outages && recoveries == self.status.capture_recoveries {
            return false;
        }
        self.refresh_capture_counters(stats);
        if outages > self.status.capture_outages {
            self.status.capture_outages = outages;
            self.audio_event(format!(
                "capture device lost (outage {outages}); reopening with back-off"
            ));
        }
        if recoveries > self.status.capture_recoveries {
            self.status.capture_recoveries = recoveries;
            self.audio_event(format!(
                "capture resumed on the {} device after {:.1} s (outage {outages})",
                device_role(self.status.capture_device),
                self.status.capture_last_outage_ms as f64 / 1000.0
            ));
        }
        true
    }

    /// Copies the capture counters that change without an event (shown by `status`).
    fn refresh_capture_counters(&mut self, stats: &FrontendStats) {
        self.status.capture_reopen_failures = stats.capture_reopen_failures.load(Ordering::Relaxed);
        self.status.capture_down = stats.capture_down.load(Ordering::Acquire);
        self.status.capture_last_outage_ms = stats.capture_last_outage_ms.load(Ordering::Relaxed);
        self.status.capture_device = stats.capture_device.load(Ordering::Relaxed);
        self.status.capture_overruns = stats.source_overruns.load(Ordering::Relaxed);
    }

    fn audio_event(&mut self, text: String) {
        log::warn!("audio: {text}");
        let mut payload = Vec::new();
        codec::encode_alert(
            &codec::AlertRecord {
                message: format!("{AUDIO_ALERT_PREFIX}{text}"),
            },
            &mut payload,
        );
        self.append(Kind::Alert, payload);
        self.notify(Notice::Audio { text });
    }

    fn journal_alerts(&mut self) {
        let alerts = self
            .journal
            .as_ref()
            .map(Journal::take_alerts)
            .unwrap_or_default();
        for alert in alerts {
            log::warn!("journal alert: {alert}");
            let mut payload = Vec::new();
            codec::encode_alert(&codec::AlertRecord { message: alert }, &mut payload);
            self.append(Kind::Alert, payload);
        }
    }

    fn publish(&mut self) {
        if let Some(journal) = &self.journal {
            let stats = journal.stats();
            self.status.journal_next_seq = Some(journal.next_seq());
            self.status.journal_durable = Some(stats.durable_next);
            self.status.journal_audio = stats.audio_records;
            self.status.journal_audio_dropped = stats.audio_dropped;
        }
        let recent_from = self
            .utterances
            .len()
            .saturating_sub(SNAPSHOT_UTTERANCES_MAX);
        self.published.store(Snapshot {
            record: self.extractor.record(),
            events: self.extractor.events().to_vec(),
            unconfirmed: self
                .extractor
                .live_facts()
                .iter()
                .filter(|f| f.unconfirmed)
                .cloned()
                .collect(),
            alerts: self
                .advisor
                .as_ref()
                .map(|(a, _)| a.alerts().to_vec())
                .unwrap_or_default(),
            recent: self.utterances[recent_from..].to_vec(),
            status: self.status.clone(),
        });
    }

    /// Waits (up to `OBSERVER_DURABLE_TIMEOUT`) for every record appended so far to be
    /// durable; true without a journal. A failing store is reported, not waited on forever.
    fn wait_durable(&mut self) -> bool {
        let Some(journal) = &mut self.journal else {
            return true;
        };
        let next = journal.next_seq();
        if journal.wait_durable(next, OBSERVER_DURABLE_TIMEOUT) {
            return true;
        }
        log::warn!(
            "the journal is not durable (records from {} on); what was heard is not shown until it is",
            journal.durable_next()
        );
        false
    }

    /// Waits (bounded) for every journaled record to be durable and closes the journal.
    fn close_journal(&mut self) -> Result<(), AnalysisError> {
        let Some(mut journal) = self.journal.take() else {
            return Ok(());
        };
        let next = journal.next_seq();
        if !journal.wait_durable(next, CLOSE_TIMEOUT) {
            log::warn!(
                "the journal could not be made durable (records from {} on are not saved)",
                journal.durable_next()
            );
        }
        journal.close(CLOSE_TIMEOUT)?;
        Ok(())
    }

    fn run(
        mut self,
        mut pipeline: LivePipeline,
        requests: Receiver<Request>,
        stop: &AtomicBool,
        flushed: &AtomicBool,
        heartbeat: &AtomicU64,
        stay_after_input: bool,
    ) -> Result<AnalysisOutcome, AnalysisError> {
        let mut last_tick = Instant::now();
        let mut ended_at: Option<Instant> = None;
        let started = pipeline.started();
        loop {
            heartbeat.fetch_add(1, Ordering::Relaxed);
            let mut busy = false;
            if stop.load(Ordering::Acquire) {
                pipeline.request_stop();
                break;
            }
            if let Some(heard) = pipeline.try_next_utterance() {
                busy = true;
                if let Some(expected) = self.resume_heard.get(self.status.resumed as usize) {
                    if *expected == heard.text.as_str() {
                        self.status.resumed += 1;
                        continue;
                    }
                    let position = self.status.resumed as u32 + 1;
                    let state = self
                        .export_dir
                        .as_ref()
                        .map_or_else(String::new, |d| d.display().to_string());
                    pipeline.request_stop();
                    let _ = self.close_journal();
                    flushed.store(true, Ordering::Release);
                    let _ = pipeline.join();
                    return Err(AnalysisError::OtherNarration(state, position));
                }
                let spoken_end = started + Duration::from_secs_f64(heard.speech_end_s.max(0.0));
                self.note_latency(heard.ready_at.saturating_duration_since(spoken_end));
                let model = self.model.clone();
                let outcome = self.utterance(
                    &heard.text,
                    &heard.words,
                    heard.start_s,
                    heard.end_s,
                    &model,
                    heard.audio_seq,
                );
                if let Err(error) = &outcome {
                    log::warn!("utterance not recorded: {error}");
                }
                // Shown => saved: an observer (the CLI prints) sees the utterance only once
                // the records holding it are durable.
                if self.observer.is_some() && self.wait_durable() {
                    let changes = outcome.unwrap_or_default();
                    if let Some(observer) = &mut self.observer {
                        observer(&heard, started, &changes);
                    }
                }
                self.publish();
            } else if pipeline.is_finished() && !self.status.input_ended {
                self.status.input_ended = true;
                ended_at = Some(Instant::now());
                self.notify(Notice::InputEnded);
                self.publish();
            }
            if self.poll_llm() {
                busy = true;
            }
            // A recording with no console: done once the readings asked are filed (or
            // given up after `READER_DRAIN_WAIT_S`).
            if !stay_after_input
                && ended_at.is_some_and(|at| {
                    self.readings.pending() == 0
                        || at.elapsed() >= Duration::from_secs(crate::limits::READER_DRAIN_WAIT_S)
                })
            {
                break;
            }
            while let Ok(request) = requests.try_recv() {
                busy = true;
                if let Action::Prose(n) = request.action {
                    self.start_prose(n, request.reply);
                    continue;
                }
                let journal_only = matches!(request.action, Action::Journal(_));
                let answer = self.handle(request.action);
                // Published before the answer: a reader told `OK` sees the change.
                if !journal_only {
                    self.publish();
                }
                let _ = request.reply.try_send(answer);
            }
            if self.watch_capture(pipeline.frontend_stats()) {
                self.publish();
            }
            if last_tick.elapsed() >= ADVISOR_TICK {
                last_tick = Instant::now();
                self.refresh_capture_counters(pipeline.frontend_stats());
                self.update_figures(&pipeline);
                self.tick_advisor();
                self.journal_alerts();
                self.publish();
            }
            if !busy {
                std::thread::sleep(IDLE);
            }
        }
        // The journal first: a recogniser busy with a long segment must not delay it.
        let closed = self.close_journal();
        flushed.store(true, Ordering::Release);
        let live = pipeline.join()?;
        closed?;
        Ok(AnalysisOutcome {
            extractor: self.extractor,
            utterances: self.utterances,
            live,
            status: self.status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bare_stage() -> (Stage, Receiver<Notice>) {
        let (notices, received) = mpsc::sync_channel(CONSOLE_NOTICES_MAX);
        let stage = Stage {
            extractor: Extractor::new(ExtractorConfig::default()),
            utterances: Vec::new(),
            next_index: 0,
            journal: None,
            _lock: None,
            advisor: None,
            notices,
            published: Arc::new(Published::default()),
            status: StageStatus::default(),
            observer: None,
            model: "test".to_owned(),
            announced: 0,
            export_dir: None,
            purge_paths: None,
            resume_heard: Vec::new(),
            latencies_ms: std::collections::VecDeque::new(),
            latencies_sorted: Vec::new(),
            llm: None,
            llm_error: String::new(),
            reader: false,
            prose_pending: Vec::new(),
            readings: crate::llm::reading::Readings::new(),
        };
        (stage, received)
    }

    #[test]
    fn held_utterance_texts_are_bounded_oldest_first_and_counted() {
        let (mut stage, _notices) = bare_stage();
        for n in 0..STAGE_UTTERANCES_MAX + 3 {
            stage.push_recent(UtteranceDocument {
                start_s: n as f64,
                end_s: n as f64,
                text: format!("utterance {n}"),
            });
        }
        assert_eq!(stage.utterances.len(), STAGE_UTTERANCES_MAX);
        assert_eq!(stage.status.utterances_dropped, 3);
        assert_eq!(stage.utterances[0].text, "utterance 3");
    }

    #[test]
    fn capture_outages_and_recoveries_are_announced_once_each() {
        let (mut stage, notices) = bare_stage();
        let stats = FrontendStats::default();
        assert!(!stage.watch_capture(&stats));
        stats.capture_outages.store(1, Ordering::Relaxed);
        stats.capture_down.store(true, Ordering::Release);
        assert!(stage.watch_capture(&stats));
        assert!(!stage.watch_capture(&stats));
        assert!(stage.status.capture_down);
        stats.capture_recoveries.store(1, Ordering::Relaxed);
        stats.capture_down.store(false, Ordering::Release);
        stats.capture_device.store(1, Ordering::Relaxed);
        stats
            .capture_last_outage_ms
            .store(10_250, Ordering::Relaxed);
        assert!(stage.watch_capture(&stats));
        let said: Vec<Notice> = notices.try_iter().collect();
        assert_eq!(
            said,
            vec![
                Notice::Audio {
                    text: "capture device lost (outage 1); reopening with back-off".to_owned()
                },
                Notice::Audio {
                    text: "capture resumed on the fallback device after 10.2 s (outage 1)"
                        .to_owned()
                },
            ]
        );
        assert!(!stage.status.capture_down);
    }

    #[test]
    fn console_corrections_are_told_from_spoken_ones() {
        assert!(is_console(&provenance_now(3)));
        let spoken = Provenance {
            char_end: 12,
            lexicon: LEXICON_VERSION,
            ..provenance_now(3)
        };
        assert!(!is_console(&spoken));
    }
}
