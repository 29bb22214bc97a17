//! Whisper speech-to-text on tccc's own kernels (`crate::nn`).
//!
//! [`Transcriber::load`] reads a CTranslate2 Whisper folder (model.bin, config.json,
//! vocabulary.txt or tokenizer.json), converts the weights to float32 and reserves every
//! buffer; [`Transcriber::warm_up`] runs one 30 s segment; after that
//! [`Transcriber::transcribe`] allocates nothing (tests/asr_no_alloc.rs).

pub mod ct2;
pub mod guards;
pub mod mel;
pub mod safetensors;
pub mod tokenizer;
pub mod whisper;

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::limits::{
    ASR_BEAM_WIDTH_MAX, ASR_DECODE_TOKENS_MAX, ASR_ENCODER_FRAMES_MAX, ASR_ENCODER_FRAMES_MULTIPLE,
    ASR_PROMPT_TEXT_BYTES_MAX, ASR_PROMPT_TEXT_TOKENS_MAX, ASR_PROMPT_TOKENS_MAX,
    ASR_TEXT_BYTES_MAX, ASR_THREADS_MAX, SEGMENT_SAMPLES_MAX,
};
use crate::nn::CpuBackend;
use mel::MelFrontEnd;
use tokenizer::Tokenizer;
use whisper::{WhisperModel, WhisperWeights};

/// Longest n-gram the repetition guard looks for.
const REPETITION_GRAM_MAX: usize = 8;

/// What loading or running the speech recogniser can fail with.
#[derive(Debug, Error)]
pub enum AsrError {
    /// A file the model folder must hold is absent.
    #[error("{}: {detail}. Run `models/fetch` to download and unpack the models, or point the configuration at a Whisper model folder", path.display())]
    ModelMissing { path: PathBuf, detail: String },
    /// A model file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    ModelIo {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A model file is truncated, corrupt or not what the folder should hold.
    #[error("{} is not a usable Whisper model file: {detail}. Re-run `models/fetch` (it verifies checksums) or convert the model again", path.display())]
    ModelFormat { path: PathBuf, detail: String },
    /// The model is valid but uses something tccc does not implement.
    #[error("{} uses a feature tccc does not support: {detail}", path.display())]
    Unsupported { path: PathBuf, detail: String },
    /// An initial prompt is configured but the model folder cannot encode it.
    #[error("{} {detail}: an initial prompt is encoded with the BPE merges of the model's Hugging Face tokenizer.json; put that file in the model folder (`models/fetch` does), or turn the prompt off (`asr.initial_prompt = \"\"`)", path.display())]
    PromptTokenizer { path: PathBuf, detail: String },
    /// A configuration value is out of range.
    #[error("ASR configuration: {0}")]
    Config(String),
    /// A segment longer than the 30 s window was passed in.
    #[error("segment of {samples} samples is longer than the {max} (30 s) the recogniser takes; the segmenter must cut it")]
    SegmentTooLong { samples: usize, max: usize },
}

/// How much audio the encoder sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncoderWindow {
    /// The segment's own length, at least `segment_window_frames_min` (10 s by default),
    /// rounded up to whole seconds: a third of the encoder work for short utterances; on the
    /// fixture clips the WER is no worse than the full window (NOTES-asr.md), while a bare
    /// 1 s rounding costs 10 points.
    Segment,
    /// Whisper's 30 s window, the segment zero-padded as faster-whisper does; this is the
    /// mode whose token ids equal CTranslate2's.
    Full,
}

/// Decoding and guard settings.
#[derive(Clone, Debug)]
pub struct AsrConfig {
    /// Beam width; 1 is greedy (the mode whose ids equal CTranslate2's).
    pub beam_width: usize,
    /// Threads that share the large matrix products (the ASR thread plus helpers).
    pub threads: usize,
    /// Run first on each product helper thread, e.g. to register it with the allocation
    /// guard under the ASR thread's role.
    pub helper_thread_start: Option<fn()>,
    pub encoder_window: EncoderWindow,
    /// In segment mode, the encoder sees at least this many frames (10 ms each): Whisper
    /// was trained on 30 s windows and loses accuracy on very short contexts.
    pub segment_window_frames_min: usize,
    /// A segment whose no-speech probability is above this *and* whose average log
    /// probability is below `log_prob_threshold` is silence.
    pub no_speech_threshold: f32,
    /// See `no_speech_threshold` (Whisper's rule; default −1.0).
    pub log_prob_threshold: f32,
    /// A segment whose no-speech probability is above this is silence whatever its log
    /// probability: Whisper turns pure silence into a confident "you" (no-speech 0.95,
    /// log probability −0.4), while speech in the fixtures stays below 0.55.
    pub no_speech_alone_threshold: f32,
    /// A segment whose average log probability is below this is rejected on its own. Lower
    /// than Whisper's −1.0 because espeak-ng narration that tiny.en transcribes correctly
    /// scores down to −1.33 (NOTES-asr.md), and Whisper retries such segments at higher
    /// temperature rather than dropping them.
    pub log_prob_alone_threshold: f32,
    /// A segment whose text compresses better than this is a loop and is rejected.
    pub compression_ratio_threshold: f32,
    /// A segment in which any n-gram (n ≤ 8) repeats back to back more than this many times
    /// is rejected.
    pub repetitions_max: usize,
    /// Text that conditions every segment's decoding, as faster-whisper's `initial_prompt`
    /// (e.g. vocabulary the speakers use); `None` or blank for none. Only its last
    /// `ASR_PROMPT_TEXT_TOKENS_MAX` tokens are kept. Off by default: on tiny.en a medic
    /// vocabulary prompt lowered the WER but turned noise into its words ("Tourniquet.")
    /// past the silence guards (NOTES-asr.md).
    pub initial_prompt: Option<String>,
}

impl Default for AsrConfig {
    fn default() -> Self {
        AsrConfig {
            beam_width: 1,
            threads: 2,
            helper_thread_start: None,
            encoder_window: EncoderWindow::Segment,
            segment_window_frames_min: 1_000,
            no_speech_threshold: 0.6,
            log_prob_threshold: -1.0,
            no_speech_alone_threshold: 0.9,
            log_prob_alone_threshold: -1.5,
            compression_ratio_threshold: 2.4,
            repetitions_max: 4,
            initial_prompt: None,
        }
    }
}

/// Why a segment produced no transcript (or that it did).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Shorter than the front end can frame (about 13 ms).
    TooShort,
    /// The model emitted end-of-text straight away.
    Empty,
    /// High no-speech probability and low confidence.
    NoSpeech,
    /// Average log probability below `log_prob_alone_threshold`.
    LowConfidence,
    /// Text compresses like a loop.
    Compressible,
    /// An n-gram repeats too often, or the token budget ran out.
    Repetitive,
}

/// Segments seen and why the rejected ones were rejected (shown in `status`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AsrCounters {
    pub segments: u64,
    pub accepted: u64,
    pub too_short: u64,
    pub empty: u64,
    pub no_speech: u64,
    pub low_confidence: u64,
    pub compressible: u64,
    pub repetitive: u64,
    /// Transcripts cut at `ASR_TEXT_BYTES_MAX`.
    pub text_truncated: u64,
}

/// The recognised text of one segment and the scores the guards used. Owned by the
/// [`Transcriber`] and overwritten by the next segment.
#[derive(Debug)]
pub struct Transcript {
    text: String,
    tokens: Vec<u32>,
    /// Sum of the chosen tokens' log probabilities (end-of-text included) / (tokens + 1),
    /// as faster-whisper computes it.
    pub avg_logprob: f32,
    /// Probability of the no-speech token at the start-of-transcript position.
    pub no_speech_prob: f32,
    /// Estimated zlib compression ratio of the text.
    pub compression_ratio: f32,
    /// Log-mel frames the encoder ran on.
    pub encoder_frames: usize,
    /// Wall time of the front end and encoder, and of the decoder, for this segment.
    pub encode_seconds: f32,
    pub decode_seconds: f32,
    /// CPU time (all threads) of the front end and encoder, and the encoder's product
    /// FLOPs: their ratio is the encoder's achieved GFLOP/s per CPU-second.
    pub encode_cpu_seconds: f32,
    pub encode_flops: u64,
    pub verdict: Verdict,
}

impl Transcript {
    fn with_capacity() -> Self {
        Transcript {
            text: String::with_capacity(ASR_TEXT_BYTES_MAX),
            tokens: Vec::with_capacity(ASR_DECODE_TOKENS_MAX),
            avg_logprob: 0.0,
            no_speech_prob: 0.0,
            compression_ratio: 0.0,
            encoder_frames: 0,
            encode_seconds: 0.0,
            decode_seconds: 0.0,
            encode_cpu_seconds: 0.0,
            encode_flops: 0,
            verdict: Verdict::Empty,
        }
    }

    /// The text, without Whisper's leading space.
    pub fn text(&self) -> &str {
        self.text.trim()
    }

    /// The generated token ids (prompt and end-of-text excluded).
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }
}

/// Suppression lists read from the model folder's config.json.
#[derive(Debug, Default, Clone)]
struct Suppression {
    always: Vec<u32>,
    at_begin: Vec<u32>,
}

/// Reads a JSON file of the model folder.
fn read_model_json(path: &Path) -> Result<serde_json::Value, AsrError> {
    let text = std::fs::read_to_string(path).map_err(|source| AsrError::ModelIo {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|error| AsrError::ModelFormat {
        path: path.to_owned(),
        detail: format!("is not JSON: {error}"),
    })
}

/// The token ids listed under `key`, or none.
fn token_list(json: &serde_json::Value, key: &str) -> Vec<u32> {
    json.get(key)
        .and_then(serde_json::Value::as_array)
        .map(|values| {
            values
                .iter()
                .filter_map(|v| v.as_u64())
                .map(|v| v as u32)
                .collect()
        })
        .unwrap_or_default()
}

fn read_suppression(model_dir: &Path, tokenizer: &Tokenizer) -> Result<Suppression, AsrError> {
    let path = model_dir.join("config.json");
    let mut suppression = Suppression::default();
    if path.is_file() {
        let json = read_model_json(&path)?;
        suppression.always = token_list(&json, "suppress_ids");
        suppression.at_begin = token_list(&json, "suppress_ids_begin");
        if suppression.always.is_empty() {
            // Hugging Face names (config.json of older checkpoints).
            suppression.always = token_list(&json, "suppress_tokens");
            suppression.at_begin = token_list(&json, "begin_suppress_tokens");
        }
    }
    let generation = model_dir.join("generation_config.json");
    if suppression.always.is_empty() && generation.is_file() {
        // Newer Hugging Face checkpoints keep the lists here.
        let json = read_model_json(&generation)?;
        suppression.always = token_list(&json, "suppress_tokens");
        suppression.at_begin = token_list(&json, "begin_suppress_tokens");
    }
    if suppression.at_begin.is_empty() {
        // Whisper's default: no leading blank, no immediate end-of-text.
        suppression.at_begin = vec![220, tokenizer.special.end_of_text];
    }
    Ok(suppression)
}

/// One proposed continuation during beam search.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    score: f64,
    parent: usize,
    token: u32,
}

/// Beam-search state, reserved at load for the configured width.
#[derive(Debug)]
struct BeamState {
    live: usize,
    tokens: Vec<u32>,
    lengths: Vec<usize>,
    scores: Vec<f64>,
    next_tokens: Vec<u32>,
    next_lengths: Vec<usize>,
    next_scores: Vec<f64>,
    parents: Vec<usize>,
    step_tokens: Vec<u32>,
    finished: usize,
    finished_tokens: Vec<u32>,
    finished_lengths: Vec<usize>,
    finished_scores: Vec<f64>,
    top: Vec<(u32, f32)>,
    candidates: Vec<Candidate>,
}

impl BeamState {
    fn new(width: usize) -> Self {
        BeamState {
            live: 0,
            tokens: vec![0; width * ASR_DECODE_TOKENS_MAX],
            lengths: vec![0; width],
            scores: vec![0.0; width],
            next_tokens: vec![0; width * ASR_DECODE_TOKENS_MAX],
            next_lengths: vec![0; width],
            next_scores: vec![0.0; width],
            parents: vec![0; width],
            step_tokens: vec![0; width],
            finished: 0,
            finished_tokens: vec![0; width * ASR_DECODE_TOKENS_MAX],
            finished_lengths: vec![0; width],
            finished_scores: vec![0.0; width],
            top: Vec::with_capacity(width + 1),
            candidates: Vec::with_capacity(width * (width + 1)),
        }
    }
}

/// The speech recogniser: model, tokenizer, front end and every buffer.
pub struct Transcriber {
    model: WhisperModel<CpuBackend>,
    tokenizer: Tokenizer,
    front_end: MelFrontEnd,
    config: AsrConfig,
    suppression: Suppression,
    prompt: [u32; ASR_PROMPT_TOKENS_MAX],
    prompt_len: usize,
    /// Where `<|startoftranscript|>` is in the prompt: the no-speech probability is read
    /// from the logits there, as CTranslate2 does.
    start_of_transcript_position: usize,
    transcript: Transcript,
    text_bytes: Vec<u8>,
    counters: AsrCounters,
    beam: BeamState,
}

impl std::fmt::Debug for Transcriber {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "Transcriber({:?}, {:?})",
            self.model, self.config
        )
    }
}

impl Transcriber {
    /// Loads a Whisper model folder and reserves every buffer.
    pub fn load(model_dir: &Path, config: &AsrConfig) -> Result<Self, AsrError> {
        if !(1..=ASR_BEAM_WIDTH_MAX).contains(&config.beam_width) {
            return Err(AsrError::Config(format!(
                "beam width {} is out of range; use 1 (greedy) to {ASR_BEAM_WIDTH_MAX}",
                config.beam_width
            )));
        }
        if !model_dir.is_dir() {
            return Err(AsrError::ModelMissing {
                path: model_dir.to_owned(),
                detail: "the model folder does not exist".into(),
            });
        }
        let weights = WhisperWeights::load_folder(model_dir)?;
        let mut tokenizer = Tokenizer::load(model_dir)?;
        if tokenizer.len() < weights.dims.vocabulary {
            tokenizer.extend_to(weights.dims.vocabulary);
        }
        if tokenizer.len() != weights.dims.vocabulary {
            return Err(AsrError::ModelFormat {
                path: model_dir.join("vocabulary.txt"),
                detail: format!(
                    "has {} tokens but the model's embedding has {}",
                    tokenizer.len(),
                    weights.dims.vocabulary
                ),
            });
        }
        let suppression = read_suppression(model_dir, &tokenizer)?;
        let special = tokenizer.special.clone();
        let mut prompt = [0u32; ASR_PROMPT_TOKENS_MAX];
        let mut prompt_len = 0;
        let initial_prompt = config
            .initial_prompt
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty());
        if let Some(text) = initial_prompt {
            prompt_len = encode_initial_prompt(model_dir, text, &special, &mut prompt)?;
        }
        let start_of_transcript_position = prompt_len;
        for token in [
            Some(special.start_of_transcript),
            special.english,
            special.transcribe,
            Some(special.no_timestamps),
        ]
        .into_iter()
        .flatten()
        {
            prompt[prompt_len] = token;
            prompt_len += 1;
        }
        let front_end = MelFrontEnd::new(weights.dims.mel_bins);
        if !(1..=ASR_THREADS_MAX).contains(&config.threads) {
            return Err(AsrError::Config(format!(
                "threads = {}; use 1 to {ASR_THREADS_MAX}",
                config.threads
            )));
        }
        let backend = CpuBackend::with_threads(config.threads, config.helper_thread_start)
            .map_err(|error| {
                AsrError::Config(format!(
                    "cannot start {} product threads: {error}",
                    config.threads
                ))
            })?;
        Ok(Transcriber {
            model: WhisperModel::new(weights, backend, config.beam_width),
            tokenizer,
            front_end,
            config: config.clone(),
            suppression,
            prompt,
            prompt_len,
            start_of_transcript_position,
            transcript: Transcript::with_capacity(),
            text_bytes: Vec::with_capacity(ASR_TEXT_BYTES_MAX),
            counters: AsrCounters::default(),
            beam: BeamState::new(config.beam_width),
        })
    }

    /// Runs one maximal (30 s) segment through every stage so that every buffer and every
    /// lazily initialised table reaches its peak before real-time use.
    pub fn warm_up(&mut self) -> Result<(), AsrError> {
        let saved = self.config.clone();
        self.config.encoder_window = EncoderWindow::Full;
        // Decode the tone even though it is clearly not speech, so the decoder runs too.
        self.config.no_speech_alone_threshold = f32::INFINITY;
        // A quiet tone exercises the same paths as speech; its transcript does not matter.
        let mut samples = vec![0.0f32; SEGMENT_SAMPLES_MAX];
        for (i, sample) in samples.iter_mut().enumerate() {
            *sample = 0.01 * (i as f32 * 0.05).sin();
        }
        let counters = self.counters;
        let result = self.transcribe(&samples).map(|_| ());
        self.counters = counters;
        self.config = saved;
        result
    }

    /// The configuration in force.
    pub fn config(&self) -> &AsrConfig {
        &self.config
    }

    /// Changes the encoder window (both modes use the buffers reserved at load).
    pub fn set_encoder_window(&mut self, window: EncoderWindow) {
        self.config.encoder_window = window;
    }

    /// The tokens fed to the decoder before each segment's first generated token:
    /// `<|startofprev|>` and the initial prompt (if one is configured), then the start
    /// sequence.
    pub fn prompt_tokens(&self) -> &[u32] {
        &self.prompt[..self.prompt_len]
    }

    /// Counters since load.
    pub fn counters(&self) -> AsrCounters {
        self.counters
    }

    /// The last segment's transcript, accepted or not (for diagnostics and tests).
    pub fn last_transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// Product FLOPs since load (for GFLOP/s reports).
    pub fn product_flops(&self) -> u64 {
        self.model.product_flops
    }

    /// Transcribes one segment of 16 kHz mono samples. Returns `None` when the segment is
    /// too short, empty, or fails a hallucination guard (counted in [`Self::counters`]).
    /// Allocates nothing.
    pub fn transcribe(&mut self, samples: &[f32]) -> Result<Option<&Transcript>, AsrError> {
        if samples.len() > SEGMENT_SAMPLES_MAX {
            return Err(AsrError::SegmentTooLong {
                samples: samples.len(),
                max: SEGMENT_SAMPLES_MAX,
            });
        }
        self.counters.segments += 1;
        self.transcript.text.clear();
        self.transcript.tokens.clear();
        if samples.len() < mel::SEGMENT_SAMPLES_MIN {
            self.transcript.verdict = Verdict::TooShort;
            self.counters.too_short += 1;
            return Ok(None);
        }
        let frames = MelFrontEnd::frames_for(samples.len());
        let encoder_frames = match self.config.encoder_window {
            EncoderWindow::Full => ASR_ENCODER_FRAMES_MAX,
            EncoderWindow::Segment => {
                frames
                    .max(self.config.segment_window_frames_min)
                    .div_ceil(ASR_ENCODER_FRAMES_MULTIPLE)
                    * ASR_ENCODER_FRAMES_MULTIPLE
            }
        }
        .min(ASR_ENCODER_FRAMES_MAX);
        let started = std::time::Instant::now();
        let cpu_started = crate::nn::cpu_time::process_cpu_seconds();
        let flops_started = self.model.product_flops;
        self.front_end.compute(samples, encoder_frames);
        self.model.encode(self.front_end.features(), encoder_frames);
        let encoded = std::time::Instant::now();
        self.transcript.encode_cpu_seconds =
            (crate::nn::cpu_time::process_cpu_seconds() - cpu_started) as f32;
        self.transcript.encode_flops = self.model.product_flops - flops_started;
        self.transcript.encoder_frames = encoder_frames;
        self.decode();
        self.transcript.encode_seconds = (encoded - started).as_secs_f32();
        self.transcript.decode_seconds = encoded.elapsed().as_secs_f32();
        let verdict = self.judge();
        self.transcript.verdict = verdict;
        let counter = match verdict {
            Verdict::Accepted => &mut self.counters.accepted,
            Verdict::TooShort => &mut self.counters.too_short,
            Verdict::Empty => &mut self.counters.empty,
            Verdict::NoSpeech => &mut self.counters.no_speech,
            Verdict::LowConfidence => &mut self.counters.low_confidence,
            Verdict::Compressible => &mut self.counters.compressible,
            Verdict::Repetitive => &mut self.counters.repetitive,
        };
        *counter += 1;
        Ok((verdict == Verdict::Accepted).then_some(&self.transcript))
    }

    /// Runs the prompt, checks for certain silence, decodes (greedy or beam search), then
    /// fills in the text and the scores the guards read.
    fn decode(&mut self) {
        let special = self.tokenizer.special.clone();
        let prompt = &self.prompt[..self.prompt_len];
        let prompt_len = prompt.len();
        let mut no_speech_prob = 0.0;
        let last = prompt.len() - 1;
        let start = self.start_of_transcript_position;
        for (position, &token) in prompt.iter().enumerate() {
            let want = position == start || position == last;
            if let Some(logits) = self.model.decode_step(token, position, want) {
                if position == start {
                    no_speech_prob = probability_of(logits, special.no_speech as usize);
                }
            }
        }
        self.transcript.no_speech_prob = no_speech_prob;
        if no_speech_prob > self.config.no_speech_alone_threshold {
            // Certain silence: the verdict cannot change, so skip the decoding.
            self.transcript.avg_logprob = 0.0;
            self.transcript.compression_ratio = 0.0;
            return;
        }
        let (sum_logprob, hit_budget) = if self.config.beam_width > 1 {
            self.beam_search(prompt_len)
        } else {
            self.greedy(prompt_len)
        };
        let count = self.transcript.tokens.len();
        self.transcript.avg_logprob = (sum_logprob / (count + 1) as f64) as f32;
        self.transcript.no_speech_prob = no_speech_prob;
        let cut = self.tokenizer.decode_into(
            &self.transcript.tokens,
            &mut self.text_bytes,
            &mut self.transcript.text,
        );
        if cut {
            self.counters.text_truncated += 1;
        }
        self.transcript.compression_ratio =
            guards::compression_ratio_estimate(self.transcript.text().as_bytes());
        if hit_budget {
            // A budget overrun is a decoding loop: make the repetition guard fire.
            self.transcript.compression_ratio = f32::INFINITY;
        }
    }

    /// Greedy decoding as CTranslate2 does it: at each step the suppressed tokens masked
    /// (and, at the first step, blank and end-of-text), the arg-max taken, until end-of-text
    /// or the token budget. Returns the summed log probability and whether the budget ran out.
    fn greedy(&mut self, prompt_len: usize) -> (f64, bool) {
        let no_timestamps = self.tokenizer.special.no_timestamps;
        let end_of_text = self.tokenizer.special.end_of_text;
        let mut sum_logprob = 0.0f64;
        let mut position = prompt_len;
        loop {
            let first = self.transcript.tokens.is_empty();
            let logits = self.model.logits_mut();
            let log_normaliser = prepare_logits(logits, &self.suppression, first, no_timestamps);
            let best = argmax(logits);
            sum_logprob += f64::from(logits[best] - log_normaliser);
            if best as u32 == end_of_text {
                return (sum_logprob, false);
            }
            if self.transcript.tokens.len() == ASR_DECODE_TOKENS_MAX {
                return (sum_logprob, true);
            }
            self.transcript.tokens.push(best as u32);
            if guards::tail_repetitions(&self.transcript.tokens, REPETITION_GRAM_MAX)
                > self.config.repetitions_max
            {
                // A loop: the repetition guard will reject it whatever follows.
                return (sum_logprob, false);
            }
            self.model.decode_step(best as u32, position, true);
            position += 1;
        }
    }

    /// Beam search of `beam_width` hypotheses decoded side by side: each step every live
    /// hypothesis proposes its `width + 1` best next tokens, the best `width` unfinished
    /// continuations live on, and those ending in end-of-text are set aside until `width`
    /// have finished (patience 1); the winner has the best log probability per token.
    fn beam_search(&mut self, prompt_len: usize) -> (f64, bool) {
        let width = self.config.beam_width;
        let no_timestamps = self.tokenizer.special.no_timestamps;
        let end_of_text = self.tokenizer.special.end_of_text;
        let vocabulary = self.model.dims().vocabulary;
        let beam = &mut self.beam;
        beam.live = 1;
        beam.lengths[0] = 0;
        beam.scores[0] = 0.0;
        beam.finished = 0;
        let mut position = prompt_len;
        let mut hit_budget = false;
        // The prompt ran in slot 0: its logits are row 0.
        loop {
            beam.candidates.clear();
            let logits = self.model.logits_mut();
            for parent in 0..beam.live {
                let row = &mut logits[parent * vocabulary..(parent + 1) * vocabulary];
                let first = beam.lengths[parent] == 0;
                let log_normaliser = prepare_logits(row, &self.suppression, first, no_timestamps);
                top_tokens(row, &mut beam.top, width + 1);
                for &(token, logit) in &beam.top {
                    let score = beam.scores[parent] + f64::from(logit - log_normaliser);
                    beam.candidates.push(Candidate {
                        score,
                        parent,
                        token,
                    });
                }
            }
            beam.candidates
                .sort_unstable_by(|a, b| b.score.total_cmp(&a.score));
            let mut next = 0;
            for candidate in &beam.candidates {
                let parent_length = beam.lengths[candidate.parent];
                let parent_tokens =
                    &beam.tokens[candidate.parent * ASR_DECODE_TOKENS_MAX..][..parent_length];
                if candidate.token == end_of_text {
                    if beam.finished < width {
                        let slot = beam.finished;
                        beam.finished_tokens[slot * ASR_DECODE_TOKENS_MAX..][..parent_length]
                            .copy_from_slice(parent_tokens);
                        beam.finished_lengths[slot] = parent_length;
                        beam.finished_scores[slot] = candidate.score;
                        beam.finished += 1;
                    }
                } else if next < width && parent_length < ASR_DECODE_TOKENS_MAX {
                    let target = &mut beam.next_tokens[next * ASR_DECODE_TOKENS_MAX..];
                    target[..parent_length].copy_from_slice(parent_tokens);
                    target[parent_length] = candidate.token;
                    beam.next_lengths[next] = parent_length + 1;
                    beam.next_scores[next] = candidate.score;
                    beam.parents[next] = candidate.parent;
                    beam.step_tokens[next] = candidate.token;
                    next += 1;
                } else if parent_length >= ASR_DECODE_TOKENS_MAX {
                    hit_budget = true;
                }
                // Only end-of-text candidates that rank above the last live continuation
                // finish (as Whisper's beam search does), so weak early endings do not
                // crowd out the hypotheses still going.
                if beam.finished >= width || next >= width {
                    break;
                }
            }
            if beam.finished >= width || next == 0 {
                break;
            }
            std::mem::swap(&mut beam.tokens, &mut beam.next_tokens);
            beam.lengths[..next].copy_from_slice(&beam.next_lengths[..next]);
            beam.scores[..next].copy_from_slice(&beam.next_scores[..next]);
            beam.live = next;
            self.model
                .reorder_beams(&beam.parents[..next], position - 1);
            self.model
                .decode_batch(&beam.step_tokens[..next], position, true);
            position += 1;
        }
        if beam.finished == 0 {
            // Budget exhausted with nothing finished: take the live hypotheses as they are.
            for index in 0..beam.live {
                let length = beam.lengths[index];
                beam.finished_tokens[index * ASR_DECODE_TOKENS_MAX..][..length]
                    .copy_from_slice(&beam.tokens[index * ASR_DECODE_TOKENS_MAX..][..length]);
                beam.finished_lengths[index] = length;
                beam.finished_scores[index] = beam.scores[index];
            }
            beam.finished = beam.live;
        }
        let mut best = 0;
        let normalised =
            |index: usize| beam.finished_scores[index] / (beam.finished_lengths[index] + 1) as f64;
        for index in 1..beam.finished {
            if normalised(index) > normalised(best) {
                best = index;
            }
        }
        let length = beam.finished_lengths[best];
        self.transcript
            .tokens
            .extend_from_slice(&beam.finished_tokens[best * ASR_DECODE_TOKENS_MAX..][..length]);
        (beam.finished_scores[best], hit_budget)
    }

    fn judge(&self) -> Verdict {
        let t = &self.transcript;
        let c = &self.config;
        if t.no_speech_prob > c.no_speech_alone_threshold {
            return Verdict::NoSpeech;
        }
        if t.tokens.is_empty() || t.text().is_empty() {
            return Verdict::Empty;
        }
        if (t.no_speech_prob > c.no_speech_threshold && t.avg_logprob < c.log_prob_threshold)
            || t.no_speech_prob > c.no_speech_alone_threshold
        {
            return Verdict::NoSpeech;
        }
        if t.avg_logprob < c.log_prob_alone_threshold {
            return Verdict::LowConfidence;
        }
        if t.compression_ratio > c.compression_ratio_threshold {
            return Verdict::Compressible;
        }
        if guards::max_repetitions(&t.tokens, REPETITION_GRAM_MAX) > c.repetitions_max {
            return Verdict::Repetitive;
        }
        Verdict::Accepted
    }
}

/// Writes `<|startofprev|>` and the last `ASR_PROMPT_TEXT_TOKENS_MAX` tokens of
/// " " + `text` into `prompt`, as faster-whisper builds an initial prompt; returns how many
/// tokens it wrote. `text` is already trimmed and not empty.
fn encode_initial_prompt(
    model_dir: &Path,
    text: &str,
    special: &tokenizer::SpecialTokens,
    prompt: &mut [u32; ASR_PROMPT_TOKENS_MAX],
) -> Result<usize, AsrError> {
    if text.len() > ASR_PROMPT_TEXT_BYTES_MAX {
        return Err(AsrError::Config(format!(
            "the initial prompt is {} bytes; at most {ASR_PROMPT_TEXT_BYTES_MAX} are accepted \
             (only its last {ASR_PROMPT_TEXT_TOKENS_MAX} tokens are used)",
            text.len()
        )));
    }
    let start_of_previous = special
        .start_of_previous
        .ok_or_else(|| AsrError::PromptTokenizer {
            path: model_dir.join("vocabulary.txt"),
            detail: "has no <|startofprev|> token".into(),
        })?;
    let encoder = tokenizer::PromptEncoder::load(model_dir)?;
    let tokens = encoder.encode(&format!(" {text}"));
    let kept = &tokens[tokens.len().saturating_sub(ASR_PROMPT_TEXT_TOKENS_MAX)..];
    prompt[0] = start_of_previous;
    prompt[1..=kept.len()].copy_from_slice(kept);
    Ok(1 + kept.len())
}

fn probability_of(logits: &[f32], id: usize) -> f32 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f64 = logits.iter().map(|&v| f64::from((v - max).exp())).sum();
    ((f64::from((logits[id] - max).exp())) / sum) as f32
}

/// Masks the suppressed tokens (and, on the first step, the begin-suppressed ones) and the
/// timestamp tokens; returns the log-softmax normaliser, taken before the timestamps are
/// masked because CTranslate2 normalises its scores over them.
fn prepare_logits(
    logits: &mut [f32],
    suppression: &Suppression,
    first: bool,
    no_timestamps: u32,
) -> f32 {
    for &id in &suppression.always {
        if let Some(value) = logits.get_mut(id as usize) {
            *value = f32::NEG_INFINITY;
        }
    }
    if first {
        for &id in &suppression.at_begin {
            if let Some(value) = logits.get_mut(id as usize) {
                *value = f32::NEG_INFINITY;
            }
        }
    }
    let log_normaliser = log_sum_exp(logits);
    for value in &mut logits[no_timestamps as usize..] {
        *value = f32::NEG_INFINITY;
    }
    log_normaliser
}

/// Fills `top` (reserved for at least `wanted`) with the highest logits, best first.
fn top_tokens(logits: &[f32], top: &mut Vec<(u32, f32)>, wanted: usize) {
    debug_assert!(top.capacity() >= wanted);
    top.clear();
    for (id, &value) in logits.iter().enumerate() {
        if top.len() == wanted && value <= top[wanted - 1].1 {
            continue;
        }
        if top.len() == wanted {
            top.pop();
        }
        let at = top
            .iter()
            .position(|&(_, v)| value > v)
            .unwrap_or(top.len());
        top.insert(at, (id as u32, value));
    }
}

/// The arg-max, first on ties as CTranslate2.
fn argmax(logits: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in logits.iter().enumerate() {
        if v > logits[best] {
            best = i;
        }
    }
    best
}

/// `ln(sum(exp(logits)))`, computed stably.
fn log_sum_exp(logits: &[f32]) -> f32 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f64 = logits.iter().map(|&v| f64::from((v - max).exp())).sum();
    max + sum.ln() as f32
}
