//! The live pipeline after the front end: the ASR worker thread that turns each speech
//! segment into text, and the ring that carries the text to the analysis side.
//!
//! ```text
//!  FrontendPipeline ─ segments ─► [asr thread] Whisper ─ rtrb ring of HeardUtterance ─► consumer
//! ```
//! The model is loaded and warmed up (one maximal segment) on the starting thread, so every
//! buffer has reached its peak before the first real segment; the ASR thread then declares
//! the `Asr` role to the allocation guard and its allocations and frees are counted
//! (expected: 0).
//! Messages are fixed-size (`heapless::String`), so sending one never allocates; losses the
//! front end reports are logged through the deferred log (`tlog!`), never written here. Live input
//! drops and counts a transcript when the consumer's ring is full; offline input waits.

pub mod recogniser;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::asr::{AsrConfig, AsrCounters, AsrError, Transcriber};
use crate::audio::source::AudioSource;
use crate::config::Config;
use crate::frontend::pipeline::{FrontendError, FrontendPipeline, Pacing};
use crate::frontend::stats::FrontendStats;
use crate::journal::AudioJournal;
use crate::limits::{ASR_TEXT_BYTES_MAX, PIPELINE_RATE_HZ, TRANSCRIPT_RING_UTTERANCES_MAX};
use crate::segment::{SegmentKey, SegmentSlot};
use crate::speech::HeardWords;
use crate::sys::alloc_guard::{allocations, clear_thread_role, frees, set_thread_role, ThreadRole};
use crate::watchdog::{SharedKnobs, StageKnobs};

/// How often a waiting side looks again.
const POLL: Duration = Duration::from_millis(2);

/// What can stop the live pipeline.
#[derive(Debug, Error)]
pub enum LiveError {
    /// The front end failed.
    #[error(transparent)]
    Frontend(#[from] FrontendError),
    /// The recogniser failed to load or run.
    #[error(transparent)]
    Asr(#[from] AsrError),
    /// The ASR thread could not start or died.
    #[error("the speech-recognition thread failed: {0}")]
    Thread(String),
}

/// One recognised utterance.
#[derive(Debug, Clone)]
pub struct HeardUtterance {
    /// The segment's number in the stream.
    pub sequence: u64,
    /// Seconds of input where the segment (padding included) starts and ends.
    pub start_s: f64,
    /// See `start_s`.
    pub end_s: f64,
    /// Where the VAD heard the speech end (before padding).
    pub speech_end_s: f64,
    /// The text, without Whisper's leading space.
    pub text: heapless::String<ASR_TEXT_BYTES_MAX>,
    /// The words of `text` (byte offsets into it) with the recogniser's confidence in each:
    /// the lowest probability of the word's tokens, lowered where the N best hypotheses
    /// disagree on a number (`asr::Transcript::words`). Words past a cut text are left out.
    pub words: HeardWords,
    /// Average log probability of the chosen tokens (a confidence).
    pub avg_logprob: f32,
    /// Probability that the segment held no speech.
    pub no_speech_prob: f32,
    /// Seconds the recogniser spent on this segment.
    pub asr_seconds: f32,
    /// Of `asr_seconds`: the log-mel features, the encoder (features included) and the
    /// decoder (with the guards).
    pub mel_seconds: f32,
    /// See `mel_seconds`.
    pub encode_seconds: f32,
    /// See `mel_seconds`.
    pub decode_seconds: f32,
    /// Seconds of input heard when the front end ended the utterance (the endpoint
    /// decision; `endpoint_s - speech_end_s` is the hangover waited).
    pub endpoint_s: f64,
    /// When the recogniser started on the segment.
    pub asr_started_at: Instant,
    /// Transcribed ahead, from a provisional copy at the pause that became the end.
    pub speculative: bool,
    /// The journal record holding the segment's audio (journaled before it was
    /// transcribed); `None` without a journal or when its audio could not be journaled.
    pub audio_seq: Option<u64>,
    /// How it was decoded (the configured decoding within the watchdog's knobs).
    pub decoding: Decoding,
    /// When the transcript was ready.
    pub ready_at: Instant,
}

/// The decoding the ASR stage used for a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoding {
    /// Beam width (1: greedy).
    pub beam_width: u8,
    /// Shallow fusion and the term bonus on.
    pub biasing: bool,
}

/// Applies the watchdog's knobs to the recogniser before a segment: the beam is the
/// configured width capped by `beam_width_max`; biasing runs only where it is configured,
/// the knobs allow it and the stage is not limited to recognition. Allocates nothing.
/// Returns the decoding now in force.
pub fn apply_knobs(
    transcriber: &mut Transcriber,
    configured_beam: usize,
    knobs: StageKnobs,
) -> Decoding {
    let beam = configured_beam
        .min(usize::from(knobs.beam_width_max))
        .max(1);
    let timestamps = transcriber.config().timestamps;
    if beam != transcriber.config().beam_width {
        // Within 1..=the width loaded: cannot fail.
        let _ = transcriber.set_decoding(beam, timestamps);
    }
    transcriber.set_biasing(knobs.biasing && !knobs.recognition_only);
    Decoding {
        beam_width: u8::try_from(transcriber.config().beam_width).unwrap_or(u8::MAX),
        biasing: transcriber.biasing(),
    }
}

impl HeardUtterance {
    /// A confidence in [0, 1]: the geometric-mean token probability.
    pub fn confidence(&self) -> f32 {
        self.avg_logprob.exp().clamp(0.0, 1.0)
    }
}

/// What the pipeline did, when it ends.
#[derive(Debug, Clone)]
pub struct LiveSummary {
    /// The recogniser's counters (segments, accepted, rejected by each guard).
    pub asr: AsrCounters,
    /// Allocations made on the ASR thread after warm-up (expected 0).
    pub asr_allocations: u64,
    /// Frees made on the ASR thread after warm-up (expected 0).
    pub asr_frees: u64,
    /// Transcripts dropped because the consumer's ring was full (live input only).
    pub transcripts_dropped: u64,
    /// Seconds the recogniser was busy (speculative transcriptions included).
    pub asr_busy_s: f64,
    /// What became of the provisional segments (live input only).
    pub speculation: SpeculationCounts,
    /// The front end's counters.
    pub frontend: Arc<FrontendStats>,
    /// The source's final warning (a truncated file).
    pub warning: Option<String>,
}

/// What became of the provisional segments the front end sent at pauses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpeculationCounts {
    /// Transcribed ahead of the endpoint decision.
    pub decoded: u64,
    /// Of those, transcripts used for the finished segment (the pause was its end).
    pub reused: u64,
    /// Of those, transcripts thrown away (speech went on, or the segment differed).
    pub wasted: u64,
    /// Provisional segments skipped because a newer segment was already waiting.
    pub stale: u64,
}

/// A transcript made ahead of the endpoint decision, kept until the finished segment
/// shows whether it has the same audio.
struct Speculation {
    key: SegmentKey,
    decoding: Decoding,
    /// The recogniser's counters before it: put back when the transcript is thrown away.
    counters_before: AsrCounters,
    outcome: Option<HeardUtterance>,
}

/// Recognisers of this process transcribing a segment now. The language model's thread
/// waits between tokens while one is (`llm::worker`): at the lowest priority it would
/// still take the cache, the memory bandwidth and its task group's share of the cores
/// beside the recogniser (`tccc bench asr-llm`: the recogniser's own time rose 14-41 %
/// at p50 under a load of 11 without this wait; README).
static RECOGNISING: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Whether a recogniser of this process is transcribing a segment now.
pub fn recognising() -> bool {
    RECOGNISING.load(Ordering::Acquire) > 0
}

/// Counts one recogniser in [`RECOGNISING`] while it lives.
struct Recognising;

impl Recognising {
    fn begin() -> Recognising {
        RECOGNISING.fetch_add(1, Ordering::AcqRel);
        Recognising
    }
}

impl Drop for Recognising {
    fn drop(&mut self) {
        RECOGNISING.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Transcribes one segment into an utterance (`None`: rejected by a guard). The journal
/// record and the ready time are filled in by the caller. Allocates nothing.
fn hear(
    transcriber: &mut Transcriber,
    segment: &SegmentSlot,
    decoding: Decoding,
) -> Result<Option<HeardUtterance>, AsrError> {
    let _recognising = Recognising::begin();
    let began = Instant::now();
    let Some(transcript) = transcriber.transcribe(segment.samples())? else {
        return Ok(None);
    };
    let mut text = heapless::String::new();
    for character in transcript.text().chars() {
        if text.push(character).is_err() {
            break;
        }
    }
    Ok(Some(HeardUtterance {
        sequence: segment.sequence(),
        start_s: segment.start_s(),
        end_s: segment.end_s(),
        speech_end_s: segment.speech_end_s(),
        words: transcript
            .words()
            .iter()
            .copied()
            .take_while(|word| word.end as usize <= text.len())
            .collect(),
        text,
        avg_logprob: transcript.avg_logprob,
        no_speech_prob: transcript.no_speech_prob,
        asr_seconds: began.elapsed().as_secs_f32(),
        mel_seconds: transcript.mel_seconds,
        encode_seconds: transcript.encode_seconds,
        decode_seconds: transcript.decode_seconds,
        endpoint_s: segment.sent_s(),
        asr_started_at: began,
        speculative: segment.is_provisional(),
        audio_seq: None,
        decoding,
        ready_at: Instant::now(),
    }))
}

/// A running capture → front end → ASR pipeline.
pub struct LivePipeline {
    utterances: rtrb::Consumer<HeardUtterance>,
    asr_done: Arc<AtomicBool>,
    asr_thread: Option<JoinHandle<Result<LiveSummary, LiveError>>>,
    stop: Arc<AtomicBool>,
    frontend_stats: Arc<FrontendStats>,
    started: Instant,
    knobs: Arc<SharedKnobs>,
    transcribed: Arc<AtomicU64>,
    dropped: Arc<AtomicU64>,
}

/// Loads the Whisper model named by the configuration and warms it up.
pub fn load_transcriber(model_dir: &Path, asr_config: &AsrConfig) -> Result<Transcriber, AsrError> {
    let mut transcriber = Transcriber::load(model_dir, asr_config)?;
    transcriber.warm_up()?;
    Ok(transcriber)
}

impl LivePipeline {
    /// Starts the front end on `source` and the ASR thread with a loaded, warmed-up
    /// `transcriber`.
    pub fn start(
        source: Box<dyn AudioSource>,
        config: &Config,
        pacing: Pacing,
        transcriber: Transcriber,
    ) -> Result<Self, LiveError> {
        Self::start_journaled(source, config, pacing, transcriber, None)
    }

    /// As [`LivePipeline::start`], and with `audio` every segment's audio is journaled on
    /// the ASR thread before it is transcribed (into preallocated buffers, never waiting:
    /// see `journal::AudioJournal`), so a crash or a full transcript ring loses no speech.
    pub fn start_journaled(
        source: Box<dyn AudioSource>,
        config: &Config,
        pacing: Pacing,
        transcriber: Transcriber,
        mut audio: Option<AudioJournal>,
    ) -> Result<Self, LiveError> {
        let live = source.is_live() || pacing == Pacing::RealTime;
        let mut frontend = FrontendPipeline::start(source, config, pacing)?;
        // Live input: transcribe each utterance at its first pause, so the text is ready
        // when the endpoint decision comes (offline input gains nothing from it).
        frontend.want_provisional_segments(live && config.vad.transcribe_at_pauses);
        let frontend_stats = Arc::clone(frontend.stats());
        let (mut producer, consumer) =
            rtrb::RingBuffer::<HeardUtterance>::new(TRANSCRIPT_RING_UTTERANCES_MAX);
        let asr_done = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let knobs = Arc::new(SharedKnobs::default());
        let configured_beam = transcriber.config().beam_width;
        // Critical heat unloads the fusion model and a non-default Whisper model.
        let mut recogniser = recogniser::HeldRecogniser::new(
            transcriber,
            recogniser::fallback_model_dir(config).as_deref(),
            Arc::clone(&knobs),
        );
        let transcribed = Arc::new(AtomicU64::new(0));
        let asr_thread = {
            let knobs = Arc::clone(&knobs);
            let transcribed = Arc::clone(&transcribed);
            let dropped = Arc::clone(&dropped);
            let asr_done = Arc::clone(&asr_done);
            let stop = Arc::clone(&stop);
            let frontend_stats = Arc::clone(&frontend_stats);
            std::thread::Builder::new()
                .name("tccc-asr".to_owned())
                .spawn(move || {
                    // The ring for the loss records `next_segment` logs, before counting.
                    crate::logging::register_thread();
                    let before = (allocations(ThreadRole::Asr), frees(ThreadRole::Asr));
                    set_thread_role(ThreadRole::Asr);
                    let mut busy = Duration::ZERO;
                    let mut failure = None;
                    let mut held: Option<Speculation> = None;
                    let mut speculation = SpeculationCounts::default();
                    loop {
                        if stop.load(Ordering::Acquire) {
                            frontend.request_stop();
                        }
                        let Some(segment) = frontend.next_segment() else {
                            break;
                        };
                        // The watchdog's `large_models` knob (loads only when it changes).
                        recogniser.follow();
                        let transcriber = recogniser.transcriber();
                        if segment.is_provisional() {
                            // A speculation no finished segment will match any more.
                            if let Some(old) = held.take() {
                                transcriber.restore_counters(old.counters_before);
                                speculation.wasted += 1;
                            }
                            if frontend.has_waiting_segment() {
                                // Something newer is queued: this copy is stale.
                                speculation.stale += 1;
                            } else {
                                let decoding =
                                    apply_knobs(transcriber, configured_beam, knobs.load());
                                let counters_before = transcriber.counters();
                                let began = Instant::now();
                                let result = hear(transcriber, &segment, decoding);
                                busy += began.elapsed();
                                speculation.decoded += 1;
                                match result {
                                    Ok(outcome) => {
                                        held = Some(Speculation {
                                            key: segment.key(),
                                            decoding,
                                            counters_before,
                                            outcome,
                                        });
                                    }
                                    Err(error) => failure = Some(error),
                                }
                            }
                            frontend.release(segment);
                            if failure.is_some() {
                                frontend.request_stop();
                            }
                            continue;
                        }
                        let audio_seq = audio.as_mut().and_then(|journal| {
                            journal.offer(
                                segment.sequence(),
                                segment.start_s(),
                                PIPELINE_RATE_HZ,
                                segment.samples(),
                            )
                        });
                        // The watchdog's knobs, one atomic load per segment.
                        let decoding = apply_knobs(transcriber, configured_beam, knobs.load());
                        let result = match held.take() {
                            Some(done)
                                if done.key == segment.key() && done.decoding == decoding =>
                            {
                                speculation.reused += 1;
                                Ok(done.outcome)
                            }
                            other => {
                                if let Some(old) = other {
                                    transcriber.restore_counters(old.counters_before);
                                    speculation.wasted += 1;
                                }
                                let began = Instant::now();
                                let result = hear(transcriber, &segment, decoding);
                                busy += began.elapsed();
                                result
                            }
                        };
                        match result {
                            Ok(Some(mut heard)) => {
                                heard.audio_seq = audio_seq;
                                heard.endpoint_s = segment.sent_s();
                                heard.ready_at = Instant::now();
                                loop {
                                    match producer.push(heard) {
                                        Ok(()) => break,
                                        Err(rtrb::PushError::Full(back)) => {
                                            if live || stop.load(Ordering::Acquire) {
                                                dropped.fetch_add(1, Ordering::Relaxed);
                                                break;
                                            }
                                            heard = back;
                                            std::thread::sleep(POLL);
                                        }
                                    }
                                }
                            }
                            Ok(None) => {}
                            Err(error) => failure = Some(error),
                        }
                        frontend.release(segment);
                        transcribed.fetch_add(1, Ordering::Release);
                        if failure.is_some() {
                            frontend.request_stop();
                        }
                    }
                    if let Some(old) = held.take() {
                        recogniser
                            .transcriber()
                            .restore_counters(old.counters_before);
                        speculation.wasted += 1;
                    }
                    clear_thread_role();
                    let asr_allocations = allocations(ThreadRole::Asr) - before.0;
                    let asr_frees = frees(ThreadRole::Asr) - before.1;
                    let warning = frontend.join();
                    asr_done.store(true, Ordering::Release);
                    if let Some(error) = failure {
                        return Err(LiveError::Asr(error));
                    }
                    Ok(LiveSummary {
                        asr: recogniser.transcriber().counters(),
                        asr_allocations,
                        asr_frees,
                        transcripts_dropped: dropped.load(Ordering::Relaxed),
                        asr_busy_s: busy.as_secs_f64(),
                        speculation,
                        frontend: frontend_stats,
                        warning: warning?,
                    })
                })
                .map_err(|error| LiveError::Thread(error.to_string()))?
        };
        Ok(LivePipeline {
            utterances: consumer,
            asr_done,
            asr_thread: Some(asr_thread),
            stop,
            frontend_stats,
            started,
            knobs,
            transcribed,
            dropped,
        })
    }

    /// Transcripts dropped so far because the consumer's ring was full (live input).
    pub fn transcripts_dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Segments the ASR thread has finished with (transcribed, rejected or failed).
    pub fn segments_transcribed(&self) -> u64 {
        self.transcribed.load(Ordering::Acquire)
    }

    /// The stage knobs the ASR thread reads before each segment (no limit until someone,
    /// the watchdog, stores into it).
    pub fn knobs(&self) -> &Arc<SharedKnobs> {
        &self.knobs
    }

    /// The next recognised utterance, waiting for it; `None` once the input has ended and
    /// every utterance has been delivered.
    pub fn next_utterance(&mut self) -> Option<HeardUtterance> {
        loop {
            if let Ok(heard) = self.utterances.pop() {
                return Some(heard);
            }
            if self.asr_done.load(Ordering::Acquire) {
                return self.utterances.pop().ok();
            }
            std::thread::sleep(POLL);
        }
    }

    /// The next recognised utterance if one is waiting, without waiting (`None` also once
    /// the input has ended: see [`LivePipeline::is_finished`]).
    pub fn try_next_utterance(&mut self) -> Option<HeardUtterance> {
        self.utterances.pop().ok()
    }

    /// Whether the input has ended and every utterance has been delivered.
    pub fn is_finished(&self) -> bool {
        self.asr_done.load(Ordering::Acquire) && self.utterances.is_empty()
    }

    /// When the pipeline started (audio time 0 for paced input).
    pub fn started(&self) -> Instant {
        self.started
    }

    /// The front end's live counters.
    pub fn frontend_stats(&self) -> &Arc<FrontendStats> {
        &self.frontend_stats
    }

    /// Asks capture to stop (live sources never end by themselves).
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    /// Waits for the pipeline to finish and returns what it did.
    pub fn join(mut self) -> Result<LiveSummary, LiveError> {
        while self.next_utterance().is_some() {}
        match self.asr_thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(LiveError::Thread("panicked".to_owned())),
            None => Err(LiveError::Thread("already joined".to_owned())),
        }
    }
}
