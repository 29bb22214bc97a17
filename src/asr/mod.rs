//! Whisper speech-to-text on tccc's own kernels (`crate::nn`).
//!
//! [`Transcriber::load`] reads a CTranslate2 Whisper folder (model.bin, config.json,
//! vocabulary.txt or tokenizer.json), converts the weights to float32 and reserves every
//! buffer; [`Transcriber::warm_up`] runs one 30 s segment; after that
//! [`Transcriber::transcribe`] allocates nothing (tests/asr_no_alloc.rs).

pub mod ct2;
pub mod guards;
pub mod lm;
pub mod lm_build;
pub mod mel;
pub mod safetensors;
pub mod tokenizer;
pub mod weights;
pub mod whisper;

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::limits::{
    ASR_BEAM_WIDTH_MAX, ASR_CACHED_PADDING_FRAMES_MULTIPLE, ASR_DECODE_TOKENS_MAX,
    ASR_EARLY_END_SEGMENT_SECONDS_MIN, ASR_EARLY_END_TAIL_SECONDS_MIN,
    ASR_EARLY_END_WORDS_PER_SECOND_MIN, ASR_ENCODER_FRAMES_MAX, ASR_ENCODER_FRAMES_MULTIPLE,
    ASR_INITIAL_TIMESTAMP_STEPS_MAX, ASR_LM_CANDIDATES_MAX, ASR_MODEL_TEXT_FILE_BYTES_MAX,
    ASR_NBEST_MAX, ASR_PADDING_MARGIN_FRAMES_MIN, ASR_PROMPT_TEXT_BYTES_MAX,
    ASR_PROMPT_TEXT_TOKENS_MAX, ASR_PROMPT_TOKENS_MAX, ASR_TEXT_BYTES_MAX, ASR_THREADS_MAX,
    ASR_TIMED_PIECES_MAX, ASR_TIMESTAMP_STEP_SECONDS, PIPELINE_RATE_HZ, SEGMENT_SAMPLES_MAX,
};
use crate::nn::CpuBackend;
use crate::speech::{HeardWord, HeardWords};
use lm::{DomainLm, TermState};
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
    /// The domain language-model file is missing, malformed or made for another tokenizer.
    #[error("language model {}: {detail}", path.display())]
    LanguageModel { path: PathBuf, detail: String },
    /// The domain language model could not be built from the lexicon at load.
    #[error("cannot build the domain language model: {detail}. Name a language-model file (asr.lm_file) or turn fusion off (asr.lm_weight = 0, asr.term_bonus = 0)")]
    LanguageModelBuild { detail: String },
    /// A configuration value is out of range.
    #[error("ASR configuration: {0}")]
    Config(String),
    /// A segment longer than the 30 s window was passed in.
    #[error("segment of {samples} samples is longer than the {max} (30 s) the recogniser takes; the segmenter must cut it")]
    SegmentTooLong { samples: usize, max: usize },
}

impl AsrError {
    /// A model file that is not what it should be; `detail` says what was found.
    pub(crate) fn format(path: &Path, detail: String) -> Self {
        AsrError::ModelFormat {
            path: path.to_owned(),
            detail,
        }
    }

    /// For `map_err`: a model file that could not be read.
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| AsrError::ModelIo {
            path: path.to_owned(),
            source,
        }
    }
}

/// How much audio the encoder sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncoderWindow {
    /// The segment's own length, at least `segment_window_frames_min` (15 s by default),
    /// rounded up to whole seconds: half the encoder work of the full window for short
    /// utterances. On piper narration cut by the VAD the 15 s floor was within a point of the
    /// full window's WER, a 10 s floor lost 1.7–2.6 points and a bare 1 s rounding 10
    /// (NOTES-asr.md): Whisper's decoder expects 1500 encoder positions.
    Segment,
    /// Whisper's 30 s window, the segment zero-padded as faster-whisper does; this is the
    /// mode whose token ids equal CTranslate2's.
    Full,
    /// The default. Whisper's 30 s window, but only the segment and `padding_margin_frames`
    /// of its padding are encoded: the rest of the window's keys and values come from an
    /// encoding of an all-zero window made once at load. The decoder sees all 1500
    /// positions as it was trained to, at the encoder cost of the segment's own length;
    /// on the piper VAD cuts WER equals the full window's (NOTES-asr.md).
    CachedPadding,
}

/// How the decoder's weights are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecoderWeights {
    /// As the model folder stores them (float16 → half floats, float32 → float32).
    AsLoaded,
    /// Signed bytes with one scale per row: half the memory traffic of half floats per
    /// decoded token, at a small accuracy cost (NOTES-asr.md).
    Int8,
}

/// Decoding and guard settings.
#[derive(Clone, Debug)]
pub struct AsrConfig {
    /// Beam width; 1 is greedy. Both equal CTranslate2's ids (tests/asr_equivalence.rs).
    pub beam_width: usize,
    /// Decode Whisper's timestamp tokens under its timestamp rules and report the timed
    /// pieces of each segment. Off by default: the VAD already gives each utterance's times,
    /// and the timestamp tokens cost decoder steps.
    pub timestamps: bool,
    /// Storage of the decoder's weights.
    pub decoder_weights: DecoderWeights,
    /// Threads that share the large matrix products (the ASR thread plus helpers).
    pub threads: usize,
    /// Run first on each product helper thread, e.g. to register it with the allocation
    /// guard under the ASR thread's role.
    pub helper_thread_start: Option<fn()>,
    pub encoder_window: EncoderWindow,
    /// In segment mode, the encoder sees at least this many frames (10 ms each): Whisper
    /// was trained on 30 s windows and loses accuracy on very short contexts.
    pub segment_window_frames_min: usize,
    /// In cached-padding mode, the zero frames encoded after the segment's own frames
    /// (at least `ASR_PADDING_MARGIN_FRAMES_MIN`, the total rounded up to
    /// `ASR_CACHED_PADDING_FRAMES_MULTIPLE`), so that the positions taken from the cache see
    /// only padding through the convolutions and the positions right after the speech, which
    /// attend to it most, are computed.
    pub padding_margin_frames: usize,
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
    /// Shallow fusion: the domain language model's weight λ in
    /// `log p_whisper + λ·log p_lm + length_bonus + term bonus`; 0 turns the language
    /// model off (the term trie alone may still be on).
    pub lm_weight: f32,
    /// Added per generated text token when fusion is on, so the language model's cost per
    /// token does not favour short transcripts.
    pub lm_length_bonus: f32,
    /// Provisional bonus per token along a clinical term of the trie, settled when the term
    /// completes (capped for short terms) and taken back when it does not; 0 is off.
    pub term_bonus: f32,
    /// A language-model file (layout in `lm`), read when `lm_weight` or `term_bonus` is
    /// not 0; `None`: the model is built from the lexicon at load (`lm_build`, under a
    /// second in an optimised build).
    pub lm_file: Option<PathBuf>,
}

/// The fusion weights in force for one segment.
#[derive(Clone, Copy, Debug)]
struct Fusion {
    lm_weight: f32,
    length_bonus: f32,
    term_bonus: f32,
}

impl Default for AsrConfig {
    fn default() -> Self {
        AsrConfig {
            beam_width: 1,
            timestamps: false,
            decoder_weights: DecoderWeights::AsLoaded,
            threads: 2,
            helper_thread_start: None,
            encoder_window: EncoderWindow::CachedPadding,
            segment_window_frames_min: 1_500,
            padding_margin_frames: 50,
            no_speech_threshold: 0.6,
            log_prob_threshold: -1.0,
            no_speech_alone_threshold: 0.9,
            log_prob_alone_threshold: -1.5,
            compression_ratio_threshold: 2.4,
            repetitions_max: 4,
            initial_prompt: None,
            lm_weight: 0.0,
            lm_length_bonus: 0.0,
            term_bonus: 0.0,
            lm_file: None,
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
    /// Segments decoded again with timestamps because greedy decoding ended early (too
    /// few words for the segment's length).
    pub early_end_redecoded: u64,
    /// Of those, segments whose rest (after the last timestamp) was encoded and decoded on
    /// its own.
    pub tail_decoded: u64,
}

/// One stretch of a segment between two of Whisper's timestamps (timestamp mode only).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimedPiece {
    /// Seconds from the start of the segment.
    pub start_seconds: f32,
    pub end_seconds: f32,
    /// Byte range of the piece in [`Transcript::raw_text`].
    text_start: usize,
    text_end: usize,
}

/// The recognised text of one segment and the scores the guards used. Owned by the
/// [`Transcriber`] and overwritten by the next segment.
#[derive(Debug)]
pub struct Transcript {
    text: String,
    tokens: Vec<u32>,
    /// The acoustic (Whisper's own) log probability of each generated token, parallel to
    /// `tokens`; language-model fusion never enters these.
    token_logprobs: Vec<f32>,
    /// The words of `text()` with their confidences (see [`Transcript::words`]).
    words: HeardWords,
    pieces: Vec<TimedPiece>,
    /// Sum of the chosen tokens' log probabilities (end-of-text included) / (tokens + 1),
    /// as faster-whisper computes it.
    pub avg_logprob: f32,
    /// Probability of the no-speech token at the start-of-transcript position.
    pub no_speech_prob: f32,
    /// Estimated zlib compression ratio of the text.
    pub compression_ratio: f32,
    /// Log-mel frames the encoder ran on.
    pub encoder_frames: usize,
    /// Length of the segment.
    pub segment_seconds: f32,
    /// Wall time of the front end and encoder, and of the decoder, for this segment.
    pub encode_seconds: f32,
    pub decode_seconds: f32,
    /// Of `encode_seconds`, the log-mel features.
    pub mel_seconds: f32,
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
            token_logprobs: Vec::with_capacity(ASR_DECODE_TOKENS_MAX),
            words: HeardWords::new(),
            pieces: Vec::with_capacity(ASR_TIMED_PIECES_MAX),
            avg_logprob: 0.0,
            no_speech_prob: 0.0,
            compression_ratio: 0.0,
            encoder_frames: 0,
            segment_seconds: 0.0,
            encode_seconds: 0.0,
            decode_seconds: 0.0,
            mel_seconds: 0.0,
            encode_cpu_seconds: 0.0,
            encode_flops: 0,
            verdict: Verdict::Empty,
        }
    }

    /// Empties the text, tokens, words and pieces (capacity kept).
    fn clear(&mut self) {
        self.text.clear();
        self.tokens.clear();
        self.token_logprobs.clear();
        self.words.clear();
        self.pieces.clear();
    }

    /// The text, without Whisper's leading space.
    pub fn text(&self) -> &str {
        self.text.trim()
    }

    /// The generated token ids (prompt and end-of-text excluded; timestamp tokens included
    /// in timestamp mode).
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// Whisper's log probability of each generated token (parallel to [`Self::tokens`]),
    /// as the acoustic model gave it: language-model fusion changes which token is chosen,
    /// never these values.
    pub fn token_logprobs(&self) -> &[f32] {
        &self.token_logprobs
    }

    /// The words of [`Self::text`] (byte offsets into it, leading space dropped) and the
    /// recogniser's confidence in each: the *lowest* probability among the word's tokens
    /// (a word is the tokens from one that starts with a space up to the next such token,
    /// so trailing punctuation belongs to its word). The lowest, not the mean, because a
    /// single doubtful piece ("six|teen" vs "six|ty") is what makes a value doubtful.
    /// Lowered further where the N best hypotheses disagree on a number (beam search).
    pub fn words(&self) -> &[HeardWord] {
        &self.words
    }

    /// The text with Whisper's leading spaces, as the pieces index it.
    pub fn raw_text(&self) -> &str {
        &self.text
    }

    /// The timed pieces (timestamp mode; empty otherwise).
    pub fn pieces(&self) -> &[TimedPiece] {
        &self.pieces
    }

    /// The text of one piece, without its leading space.
    pub fn piece_text(&self, piece: &TimedPiece) -> &str {
        self.text
            .get(piece.text_start..piece.text_end)
            .unwrap_or_default()
            .trim()
    }
}

/// Suppression lists read from the model folder's config.json.
#[derive(Debug, Default, Clone)]
struct Suppression {
    always: Vec<u32>,
    at_begin: Vec<u32>,
}

/// Reads a text file of the model folder (vocabulary, tokenizer, configuration), refusing
/// one larger than `ASR_MODEL_TEXT_FILE_BYTES_MAX`.
pub(crate) fn read_model_text(path: &Path) -> Result<String, AsrError> {
    let metadata = std::fs::metadata(path).map_err(AsrError::io(path))?;
    if metadata.len() > ASR_MODEL_TEXT_FILE_BYTES_MAX as u64 {
        return Err(AsrError::format(
            path,
            format!(
                "{} bytes is more than the {} allowed",
                metadata.len(),
                ASR_MODEL_TEXT_FILE_BYTES_MAX
            ),
        ));
    }
    crate::files::read_text_bounded(path, ASR_MODEL_TEXT_FILE_BYTES_MAX).map_err(AsrError::io(path))
}

/// Reads a JSON file of the model folder.
pub(crate) fn read_model_json(path: &Path) -> Result<serde_json::Value, AsrError> {
    let text = read_model_text(path)?;
    serde_json::from_str(&text)
        .map_err(|error| AsrError::format(path, format!("is not JSON: {error}")))
}

/// The suppression lists of a model folder's config.json (CTranslate2 or Hugging Face
/// names): (always, at the beginning).
pub(crate) fn suppression_lists(json: &serde_json::Value) -> (Vec<u32>, Vec<u32>) {
    let always = token_list(json, "suppress_ids");
    if always.is_empty() {
        // Hugging Face names (config.json of older checkpoints).
        return (
            token_list(json, "suppress_tokens"),
            token_list(json, "begin_suppress_tokens"),
        );
    }
    (always, token_list(json, "suppress_ids_begin"))
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
        (suppression.always, suppression.at_begin) = suppression_lists(&read_model_json(&path)?);
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
    /// The hypothesis's place in the term trie after this token.
    term: TermState,
    /// The ranking score: acoustic log probability, plus the language model's share when
    /// fusion is on.
    score: f64,
    /// Whisper's own log probability of the hypothesis with this token.
    acoustic: f64,
    /// Whisper's log probability of this token alone.
    logprob: f32,
    parent: usize,
    token: u32,
}

/// Beam-search state, reserved at load for the configured width.
#[derive(Debug)]
struct BeamState {
    live: usize,
    tokens: Vec<u32>,
    logprobs: Vec<f32>,
    lengths: Vec<usize>,
    scores: Vec<f64>,
    acoustic: Vec<f64>,
    next_tokens: Vec<u32>,
    next_logprobs: Vec<f32>,
    next_lengths: Vec<usize>,
    next_scores: Vec<f64>,
    next_acoustic: Vec<f64>,
    parents: Vec<usize>,
    step_tokens: Vec<u32>,
    finished: usize,
    finished_tokens: Vec<u32>,
    finished_logprobs: Vec<f32>,
    finished_lengths: Vec<usize>,
    finished_scores: Vec<f64>,
    finished_acoustic: Vec<f64>,
    top: Vec<(u32, f32)>,
    candidates: Vec<Candidate>,
    terms: Vec<TermState>,
    next_terms: Vec<TermState>,
    /// The finished hypothesis chosen.
    best: usize,
}

impl BeamState {
    fn new(width: usize) -> Self {
        BeamState {
            live: 0,
            tokens: vec![0; width * ASR_DECODE_TOKENS_MAX],
            logprobs: vec![0.0; width * ASR_DECODE_TOKENS_MAX],
            lengths: vec![0; width],
            scores: vec![0.0; width],
            acoustic: vec![0.0; width],
            next_tokens: vec![0; width * ASR_DECODE_TOKENS_MAX],
            next_logprobs: vec![0.0; width * ASR_DECODE_TOKENS_MAX],
            next_lengths: vec![0; width],
            next_scores: vec![0.0; width],
            next_acoustic: vec![0.0; width],
            parents: vec![0; width],
            step_tokens: vec![0; width],
            finished: 0,
            // Up to width − 1 finished before the last step plus width on it.
            finished_tokens: vec![0; 2 * width * ASR_DECODE_TOKENS_MAX],
            finished_logprobs: vec![0.0; 2 * width * ASR_DECODE_TOKENS_MAX],
            finished_lengths: vec![0; 2 * width],
            finished_scores: vec![0.0; 2 * width],
            finished_acoustic: vec![0.0; 2 * width],
            top: Vec::with_capacity((2 * width).max(ASR_LM_CANDIDATES_MAX)),
            candidates: Vec::with_capacity(width * (2 * width).max(ASR_LM_CANDIDATES_MAX)),
            terms: vec![TermState::default(); width],
            next_terms: vec![TermState::default(); width],
            best: 0,
        }
    }
}

/// The speech recogniser: model, tokenizer, front end and every buffer.
pub struct Transcriber {
    model: WhisperModel<CpuBackend>,
    /// The folder it was loaded from (the fusion model is built from it again).
    model_dir: PathBuf,
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
    /// Holds the head of a segment while its tail is decoded (see `decode_tail`).
    spare: Transcript,
    text_bytes: Vec<u8>,
    counters: AsrCounters,
    beam: BeamState,
    /// Whether the encoder output belongs to the last segment (for `decode_again`).
    encoded: bool,
    /// The domain language model and term trie (fusion on).
    lm: Option<DomainLm>,
    /// Fusion for the segment being decoded: `None` when off, in timestamp mode, or when
    /// the no-speech gate doubts the segment (no biasing of what may be noise).
    fusion: Option<Fusion>,
    /// Whisper's best tokens at a greedy step, for fusion to re-rank.
    fusion_top: Vec<(u32, f32)>,
    /// Set while re-decoding a segment without fusion (see `decode_with_fallback`).
    fusion_suppressed: bool,
    /// Fusion paused from outside (the watchdog's hot and critical knobs), until resumed.
    biasing_paused: bool,
    /// Another hypothesis's text, for the N-best comparison of numbers.
    other_text: String,
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

/// The domain language model for fusion when `config` turns fusion or the term bonus on
/// (read from `lm_file`, or built from the lexicon in `model_dir`); `None` when both are off.
fn load_domain_lm(
    model_dir: &Path,
    config: &AsrConfig,
    vocabulary: usize,
    end_of_text: u32,
) -> Result<Option<DomainLm>, AsrError> {
    if config.lm_weight == 0.0 && config.term_bonus == 0.0 {
        return Ok(None);
    }
    Ok(Some(match config.lm_file.as_deref() {
        Some(path) => DomainLm::load(path, vocabulary, end_of_text)?,
        None => {
            let started = std::time::Instant::now();
            let (lm, report) = DomainLm::build(model_dir, vocabulary, end_of_text)?;
            log::info!(
                    "domain language model built from the lexicon in {} ms: {} sentences,                          {} tokens; {} unigrams, {} bigrams, {} trigrams, {} terms",
                    started.elapsed().as_millis(),
                    report.sentences,
                    report.tokens,
                    report.unigrams,
                    report.bigrams,
                    report.trigrams,
                    report.terms
                );
            lm
        }
    }))
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
        let mut weights = WhisperWeights::load_folder(model_dir)?;
        if config.decoder_weights == DecoderWeights::Int8 {
            weights.quantize_decoder_int8();
        }
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
            let vocabulary = weights.dims.vocabulary;
            if let Some(token) = prompt[..prompt_len]
                .iter()
                .find(|&&token| token as usize >= vocabulary)
            {
                return Err(AsrError::PromptTokenizer {
                    path: model_dir.join("tokenizer.json"),
                    detail: format!(
                        "encodes the prompt with token {token}, past the model's {vocabulary} \
                         tokens"
                    ),
                });
            }
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
        let lm = load_domain_lm(
            model_dir,
            config,
            weights.dims.vocabulary,
            tokenizer.special.end_of_text,
        )?;
        let mut model = WhisperModel::new(weights, backend, config.beam_width);
        if config.encoder_window == EncoderWindow::CachedPadding {
            model.prepare_padding_cache();
        }
        Ok(Transcriber {
            model,
            model_dir: model_dir.to_owned(),
            tokenizer,
            front_end,
            config: config.clone(),
            suppression,
            prompt,
            prompt_len,
            start_of_transcript_position,
            transcript: Transcript::with_capacity(),
            spare: Transcript::with_capacity(),
            text_bytes: Vec::with_capacity(ASR_TEXT_BYTES_MAX),
            counters: AsrCounters::default(),
            beam: BeamState::new(config.beam_width),
            encoded: false,
            lm,
            fusion: None,
            fusion_top: Vec::with_capacity(ASR_LM_CANDIDATES_MAX),
            fusion_suppressed: false,
            biasing_paused: false,
            other_text: String::with_capacity(ASR_TEXT_BYTES_MAX),
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

    /// Changes the encoder window. Every mode uses the buffers reserved at load; switching
    /// to `CachedPadding` for the first time encodes the silent window (allocates, ≈ 1 s).
    pub fn set_encoder_window(&mut self, window: EncoderWindow) {
        if window == EncoderWindow::CachedPadding {
            self.model.prepare_padding_cache();
        }
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

    /// Puts the counters back to an earlier reading: the live pipeline does this when it
    /// throws away a speculative transcription, so each finished segment counts once.
    pub fn restore_counters(&mut self, counters: AsrCounters) {
        self.counters = counters;
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
        self.transcript.clear();
        self.encoded = false;
        self.transcript.segment_seconds = samples.len() as f32 / PIPELINE_RATE_HZ as f32;
        if samples.len() < mel::SEGMENT_SAMPLES_MIN {
            self.transcript.verdict = Verdict::TooShort;
            self.counters.too_short += 1;
            return Ok(None);
        }
        let started = std::time::Instant::now();
        let cpu_started = crate::nn::cpu_time::process_cpu_seconds();
        let flops_started = self.model.product_flops;
        self.encode_samples(samples);
        let encoded = std::time::Instant::now();
        self.transcript.encode_cpu_seconds =
            (crate::nn::cpu_time::process_cpu_seconds() - cpu_started) as f32;
        self.transcript.encode_flops = self.model.product_flops - flops_started;
        self.encoded = true;
        if self.decode_with_fallback() {
            self.decode_tail(samples);
        }
        self.transcript.encode_seconds = (encoded - started).as_secs_f32();
        self.transcript.decode_seconds = encoded.elapsed().as_secs_f32();
        Ok(self.conclude())
    }

    /// Computes the features of `samples` and runs the encoder over the window the
    /// configuration asks for.
    fn encode_samples(&mut self, samples: &[f32]) {
        let frames = MelFrontEnd::frames_for(samples.len());
        let encoder_frames = match self.config.encoder_window {
            EncoderWindow::Full => ASR_ENCODER_FRAMES_MAX,
            EncoderWindow::CachedPadding => {
                let margin = self
                    .config
                    .padding_margin_frames
                    .max(ASR_PADDING_MARGIN_FRAMES_MIN);
                (frames + margin).div_ceil(ASR_CACHED_PADDING_FRAMES_MULTIPLE)
                    * ASR_CACHED_PADDING_FRAMES_MULTIPLE
            }
            EncoderWindow::Segment => {
                frames
                    .max(self.config.segment_window_frames_min)
                    .div_ceil(ASR_ENCODER_FRAMES_MULTIPLE)
                    * ASR_ENCODER_FRAMES_MULTIPLE
            }
        }
        .min(ASR_ENCODER_FRAMES_MAX);
        let mel_started = std::time::Instant::now();
        self.front_end.compute(samples, encoder_frames);
        self.transcript.mel_seconds = mel_started.elapsed().as_secs_f32();
        if self.config.encoder_window == EncoderWindow::CachedPadding {
            self.model
                .encode_with_cached_padding(self.front_end.features(), encoder_frames);
        } else {
            self.model.encode(self.front_end.features(), encoder_frames);
        }
        self.transcript.encoder_frames = encoder_frames;
    }

    /// After an early end that timestamps did not cure (the last timestamp still well
    /// before the segment's end), encodes the rest of the segment from the last timestamp
    /// and decodes it, as Whisper's runtimes seek on to the last timestamp; the tail's text
    /// is appended when the guards accept it. The result reads as one greedy transcript of
    /// the whole segment (timestamps dropped). Allocates nothing: the head waits in the
    /// spare transcript.
    fn decode_tail(&mut self, samples: &[f32]) {
        let seconds = self.transcript.segment_seconds;
        let Some(last) = self.transcript.pieces.last().map(|p| p.end_seconds) else {
            return;
        };
        if last <= 0.0 || last > seconds - ASR_EARLY_END_TAIL_SECONDS_MIN {
            return;
        }
        let from = ((last * PIPELINE_RATE_HZ as f32) as usize).min(samples.len());
        let tail = &samples[from..];
        if tail.len() < mel::SEGMENT_SAMPLES_MIN {
            return;
        }
        std::mem::swap(&mut self.transcript, &mut self.spare);
        self.transcript.clear();
        self.transcript.segment_seconds = tail.len() as f32 / PIPELINE_RATE_HZ as f32;
        self.encode_samples(tail);
        let timestamps = self.config.timestamps;
        self.config.timestamps = false;
        self.decode();
        self.config.timestamps = timestamps;
        let accepted = self.judge() == Verdict::Accepted;
        std::mem::swap(&mut self.transcript, &mut self.spare);
        self.counters.tail_decoded += 1;
        if !accepted {
            return;
        }
        // The head's text tokens, then the tail's, decoded as one text.
        let end_of_text = self.tokenizer.special.end_of_text;
        let mut kept = 0;
        for index in 0..self.transcript.tokens.len() {
            if self.transcript.tokens[index] < end_of_text {
                self.transcript.tokens[kept] = self.transcript.tokens[index];
                self.transcript.token_logprobs[kept] = self.transcript.token_logprobs[index];
                kept += 1;
            }
        }
        self.transcript.tokens.truncate(kept);
        self.transcript.token_logprobs.truncate(kept);
        let room = ASR_DECODE_TOKENS_MAX.saturating_sub(kept);
        let tail_count = self.spare.tokens.len().min(room);
        self.transcript
            .tokens
            .extend_from_slice(&self.spare.tokens[..tail_count]);
        self.transcript
            .token_logprobs
            .extend_from_slice(&self.spare.token_logprobs[..tail_count]);
        self.transcript.pieces.clear();
        self.transcript.text.clear();
        if self.tokenizer.decode_into(
            &self.transcript.tokens,
            &mut self.text_bytes,
            &mut self.transcript.text,
        ) {
            self.counters.text_truncated += 1;
        }
        fill_words(&self.tokenizer, &mut self.transcript);
        let count = self.transcript.token_logprobs.len();
        let sum: f64 = self
            .transcript
            .token_logprobs
            .iter()
            .map(|&l| f64::from(l))
            .sum();
        self.transcript.avg_logprob = (sum / (count + 1) as f64) as f32;
        self.transcript.compression_ratio =
            guards::compression_ratio_estimate(self.transcript.text().as_bytes());
    }

    /// Changes how the next segments are decoded: beam width from 1 (greedy) up to the
    /// width configured at load, timestamps on or off. Allocates nothing.
    pub fn set_decoding(&mut self, beam_width: usize, timestamps: bool) -> Result<(), AsrError> {
        if !(1..=self.model.beam_slots()).contains(&beam_width) {
            return Err(AsrError::Config(format!(
                "beam width {beam_width} is out of range: this recogniser was loaded for 1 to {}",
                self.model.beam_slots()
            )));
        }
        self.config.beam_width = beam_width;
        self.config.timestamps = timestamps;
        Ok(())
    }

    /// Pauses (`false`) or resumes (`true`) shallow fusion and the term bonus for the next
    /// segments; a recogniser loaded without them stays without. Allocates nothing.
    pub fn set_biasing(&mut self, on: bool) {
        self.biasing_paused = !on;
    }

    /// Whether the next segment is decoded with fusion (loaded and not paused).
    pub fn biasing(&self) -> bool {
        self.lm.is_some() && !self.biasing_paused
    }

    /// The Whisper model folder it was loaded from.
    pub fn model_dir(&self) -> &Path {
        &self.model_dir
    }

    /// Whether the domain language model for fusion is loaded.
    pub fn has_lm(&self) -> bool {
        self.lm.is_some()
    }

    /// Drops the domain language model (the watchdog's critical heat): decoding goes on
    /// without fusion until [`Transcriber::load_lm`]. Returns the bytes it held.
    pub fn unload_lm(&mut self) -> u64 {
        self.fusion = None;
        self.lm.take().map_or(0, |lm| lm.heap_bytes())
    }

    /// Loads the domain language model again as configured (read from `lm_file` or built
    /// from the lexicon in the model's folder); nothing when fusion is not configured.
    /// Allocates: call off the real-time path (heat events).
    pub fn load_lm(&mut self) -> Result<(), AsrError> {
        self.lm = load_domain_lm(
            &self.model_dir,
            &self.config,
            self.tokenizer.len(),
            self.tokenizer.special.end_of_text,
        )?;
        Ok(())
    }

    /// The bytes the domain language model holds (0 when none is loaded).
    pub fn lm_bytes(&self) -> u64 {
        self.lm.as_ref().map_or(0, DomainLm::heap_bytes)
    }

    /// Decodes the last segment again, under the decoding now set, without encoding it
    /// again (the encoder output and cross-attention keys are kept). `None` if no segment
    /// was encoded or the guards reject the result (counted like any segment).
    pub fn decode_again(&mut self) -> Option<&Transcript> {
        if !self.encoded {
            return None;
        }
        self.counters.segments += 1;
        self.transcript.clear();
        let started = std::time::Instant::now();
        self.decode_with_fallback();
        self.transcript.decode_seconds = started.elapsed().as_secs_f32();
        self.conclude()
    }

    /// Decodes; when fusion was on and Whisper's own confidence in the fused text is below
    /// the low-confidence guard, decodes again without fusion, so fusion never turns a
    /// segment plain Whisper would keep into a blank (nor keeps what Whisper doubts).
    /// Returns whether the segment was decoded again with timestamps after an early end.
    fn decode_with_fallback(&mut self) -> bool {
        self.fusion_suppressed = false;
        self.decode();
        if self.fusion.is_some() && self.judge() == Verdict::LowConfidence {
            self.fusion_suppressed = true;
            self.transcript.clear();
            self.decode();
            self.fusion_suppressed = false;
        }
        if self.ended_early() {
            // Whisper without timestamps sometimes stops after the first clause of a long
            // utterance ("Vitals at 1425." for ten seconds of vitals); with timestamps it
            // goes on to the end of the segment. Decoded again that way, as Whisper's own
            // runtimes carry on after the last timestamp.
            self.counters.early_end_redecoded += 1;
            let timestamps = self.config.timestamps;
            self.config.timestamps = true;
            self.transcript.clear();
            self.decode();
            self.config.timestamps = timestamps;
            return true;
        }
        false
    }

    /// Whether greedy decoding without timestamps stopped well before the segment's end:
    /// a segment of at least `ASR_EARLY_END_SEGMENT_SECONDS_MIN` with fewer than
    /// `ASR_EARLY_END_WORDS_PER_SECOND_MIN` words a second (numbers counted as the words
    /// said for them, [`guards::spoken_words`]), and not judged silence.
    fn ended_early(&self) -> bool {
        let seconds = self.transcript.segment_seconds;
        !self.config.timestamps
            && self.config.beam_width == 1
            && seconds >= ASR_EARLY_END_SEGMENT_SECONDS_MIN
            && !self.transcript.words().is_empty()
            && self.transcript.no_speech_prob <= self.config.no_speech_threshold
            && (guards::spoken_words(self.transcript.text()) as f32)
                < ASR_EARLY_END_WORDS_PER_SECOND_MIN * seconds
    }

    /// Judges the decoded segment and counts the verdict.
    fn conclude(&mut self) -> Option<&Transcript> {
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
        (verdict == Verdict::Accepted).then_some(&self.transcript)
    }

    /// Runs the prompt, checks for certain silence, decodes (greedy or beam search), then
    /// fills in the text and the scores the guards read.
    fn decode(&mut self) {
        let special = self.tokenizer.special.clone();
        // The prompt ends with <|notimestamps|>, which timestamp mode leaves out.
        debug_assert_eq!(
            self.prompt[self.prompt_len - 1],
            special.no_timestamps,
            "the prompt must end with <|notimestamps|>"
        );
        let prompt_len = self.prompt_len - usize::from(self.config.timestamps);
        let prompt = &self.prompt[..prompt_len];
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
        self.fusion = (self.lm.is_some()
            && !self.biasing_paused
            && !self.fusion_suppressed
            && !self.config.timestamps
            && no_speech_prob <= self.config.no_speech_threshold)
            .then_some(Fusion {
                lm_weight: self.config.lm_weight,
                length_bonus: self.config.lm_length_bonus,
                term_bonus: self.config.term_bonus,
            });
        let (sum_logprob, hit_budget) = if self.config.beam_width > 1 {
            self.beam_search(prompt_len)
        } else {
            self.greedy(prompt_len)
        };
        let count = self.transcript.tokens.len();
        self.transcript.avg_logprob = (sum_logprob / (count + 1) as f64) as f32;
        self.transcript.no_speech_prob = no_speech_prob;
        let cut = if self.config.timestamps {
            self.split_timed_pieces()
        } else {
            self.tokenizer.decode_into(
                &self.transcript.tokens,
                &mut self.text_bytes,
                &mut self.transcript.text,
            )
        };
        if cut {
            self.counters.text_truncated += 1;
        }
        fill_words(&self.tokenizer, &mut self.transcript);
        if self.config.beam_width > 1 && !self.config.timestamps {
            self.lower_disputed_numbers();
        }
        self.transcript.compression_ratio =
            guards::compression_ratio_estimate(self.transcript.text().as_bytes());
        if hit_budget {
            // A budget overrun is a decoding loop: make the repetition guard fire.
            self.transcript.compression_ratio = f32::INFINITY;
        }
    }

    /// Decodes the text piece by piece between timestamp tokens, recording where each piece
    /// starts and ends. A piece still open at end-of-text ends with the segment, as
    /// faster-whisper ends it. Returns whether the text was cut at its capacity.
    fn split_timed_pieces(&mut self) -> bool {
        let first_timestamp = self.tokenizer.special.timestamp_begin;
        let segment_seconds = self.transcript.segment_seconds;
        let transcript = &mut self.transcript;
        let mut cut = false;
        let mut open: Option<(f32, usize)> = None;
        let mut text_from = 0;
        let tokens = &transcript.tokens;
        for (index, &token) in tokens.iter().enumerate() {
            if token < first_timestamp {
                continue;
            }
            let seconds = (token - first_timestamp) as f32 * ASR_TIMESTAMP_STEP_SECONDS;
            cut |= self.tokenizer.decode_into(
                &tokens[text_from..index],
                &mut self.text_bytes,
                &mut transcript.text,
            );
            text_from = index + 1;
            match open {
                Some((start_seconds, piece_start)) if transcript.text.len() > piece_start => {
                    if transcript.pieces.len() < transcript.pieces.capacity() {
                        transcript.pieces.push(TimedPiece {
                            start_seconds,
                            end_seconds: seconds,
                            text_start: piece_start,
                            text_end: transcript.text.len(),
                        });
                    }
                    open = None;
                }
                // An opening timestamp (or a repeated one before any text).
                _ => open = Some((seconds, transcript.text.len())),
            }
        }
        cut |= self.tokenizer.decode_into(
            &tokens[text_from..],
            &mut self.text_bytes,
            &mut transcript.text,
        );
        if let Some((start_seconds, open_start)) = open {
            if transcript.text.len() > open_start
                && transcript.pieces.len() < transcript.pieces.capacity()
            {
                transcript.pieces.push(TimedPiece {
                    start_seconds,
                    end_seconds: segment_seconds.max(start_seconds),
                    text_start: open_start,
                    text_end: transcript.text.len(),
                });
            }
        }
        cut
    }

    /// How the logits are masked beyond the suppression lists.
    fn timestamp_mode(&self) -> TimestampMode {
        let special = &self.tokenizer.special;
        if self.config.timestamps {
            TimestampMode::On(TimestampRules {
                end_of_text: special.end_of_text,
                no_timestamps: special.no_timestamps,
                first: special.timestamp_begin,
                initial_last: special.timestamp_begin + ASR_INITIAL_TIMESTAMP_STEPS_MAX,
            })
        } else {
            TimestampMode::Off {
                no_timestamps: special.no_timestamps,
            }
        }
    }

    /// Greedy decoding as CTranslate2 does it: at each step the suppressed tokens masked
    /// (and, at the first step, blank and end-of-text; in timestamp mode Whisper's timestamp
    /// rules), the arg-max taken, until end-of-text or the token budget. Returns the summed
    /// log probability and whether the budget ran out.
    fn greedy(&mut self, prompt_len: usize) -> (f64, bool) {
        let end_of_text = self.tokenizer.special.end_of_text;
        let mut sum_logprob = 0.0f64;
        let mut position = prompt_len;
        let mode = self.timestamp_mode();
        let vocabulary = self.model.dims().vocabulary;
        let generated = &mut self.transcript.tokens;
        let mut term = TermState::default();
        loop {
            // Slot 0's row: a recogniser loaded for beam search has more.
            let logits = &mut self.model.logits_mut()[..vocabulary];
            let log_normaliser = prepare_logits(logits, &self.suppression, mode, generated);
            let best = match (self.fusion, self.lm.as_ref()) {
                (Some(fusion), Some(lm)) => {
                    top_tokens(logits, &mut self.fusion_top, ASR_LM_CANDIDATES_MAX);
                    let previous = lm_context(generated, lm.boundary());
                    let mut best = (argmax(logits), f32::NEG_INFINITY, term);
                    for &(token, logit) in &self.fusion_top {
                        if logit == f32::NEG_INFINITY {
                            break;
                        }
                        let (next, score) = fused_score(
                            lm,
                            fusion,
                            previous,
                            term,
                            token,
                            logit - log_normaliser,
                            end_of_text,
                        );
                        if score > best.1 {
                            best = (token as usize, score, next);
                        }
                    }
                    term = best.2;
                    best.0
                }
                _ => argmax(logits),
            };
            let logprob = logits[best] - log_normaliser;
            sum_logprob += f64::from(logprob);
            if best as u32 == end_of_text {
                return (sum_logprob, false);
            }
            if generated.len() == ASR_DECODE_TOKENS_MAX {
                return (sum_logprob, true);
            }
            generated.push(best as u32);
            self.transcript.token_logprobs.push(logprob);
            if guards::tail_repetitions(generated, REPETITION_GRAM_MAX)
                > self.config.repetitions_max
            {
                // A loop: the repetition guard will reject it whatever follows.
                return (sum_logprob, false);
            }
            self.model.decode_step(best as u32, position, true);
            position += 1;
        }
    }

    /// Beam search as CTranslate2 runs it (patience 1, length penalty 1): each step the
    /// `2 × width` best continuations of all live hypotheses are ranked; an end-of-text among
    /// the first `width` finishes its hypothesis and its place goes to the next continuation
    /// ranked below them; the search stops once `width` hypotheses have finished (more may
    /// finish on the same step), and the winner has the best log probability per token.
    fn beam_search(&mut self, prompt_len: usize) -> (f64, bool) {
        let width = self.config.beam_width;
        let end_of_text = self.tokenizer.special.end_of_text;
        let vocabulary = self.model.dims().vocabulary;
        let mode = self.timestamp_mode();
        let beam = &mut self.beam;
        beam.live = 1;
        beam.lengths[0] = 0;
        beam.scores[0] = 0.0;
        beam.acoustic[0] = 0.0;
        beam.terms[0] = TermState::default();
        let fusion = self.fusion.zip(self.lm.as_ref());
        let considered = if fusion.is_some() {
            (2 * width).max(ASR_LM_CANDIDATES_MAX)
        } else {
            2 * width
        };
        beam.finished = 0;
        let ranked = 2 * width;
        let mut position = prompt_len;
        let mut hit_budget = false;
        // The prompt ran in slot 0: its logits are row 0.
        loop {
            beam.candidates.clear();
            let logits = self.model.logits_mut();
            for parent in 0..beam.live {
                let row = &mut logits[parent * vocabulary..(parent + 1) * vocabulary];
                let generated =
                    &beam.tokens[parent * ASR_DECODE_TOKENS_MAX..][..beam.lengths[parent]];
                let log_normaliser = prepare_logits(row, &self.suppression, mode, generated);
                top_tokens(row, &mut beam.top, considered);
                let parent_term = beam.terms[parent];
                let previous = fusion.map(|(_, lm)| lm_context(generated, lm.boundary()));
                for &(token, logit) in &beam.top {
                    if logit == f32::NEG_INFINITY {
                        break;
                    }
                    let logprob = logit - log_normaliser;
                    let (term, score) = match (fusion, previous) {
                        (Some((fusion, lm)), Some(previous)) => fused_score(
                            lm,
                            fusion,
                            previous,
                            parent_term,
                            token,
                            logprob,
                            end_of_text,
                        ),
                        _ => (parent_term, logprob),
                    };
                    beam.candidates.push(Candidate {
                        term,
                        score: beam.scores[parent] + f64::from(score),
                        acoustic: beam.acoustic[parent] + f64::from(logprob),
                        logprob,
                        parent,
                        token,
                    });
                }
            }
            // Unstable sort allocates nothing; ties are broken by slot and token so the
            // order is still deterministic.
            beam.candidates.sort_unstable_by(|a, b| {
                b.score
                    .total_cmp(&a.score)
                    .then(a.parent.cmp(&b.parent))
                    .then(a.token.cmp(&b.token))
            });
            beam.candidates.truncate(ranked);
            let mut next = 0;
            let mut secondary = width;
            for rank in 0..width.min(beam.candidates.len()) {
                let mut chosen = Some(beam.candidates[rank]);
                if beam.candidates[rank].token == end_of_text {
                    let candidate = beam.candidates[rank];
                    let parent_length = beam.lengths[candidate.parent];
                    let slot = beam.finished;
                    let (from, to) = (
                        candidate.parent * ASR_DECODE_TOKENS_MAX,
                        slot * ASR_DECODE_TOKENS_MAX,
                    );
                    beam.finished_tokens[to..to + parent_length]
                        .copy_from_slice(&beam.tokens[from..from + parent_length]);
                    beam.finished_logprobs[to..to + parent_length]
                        .copy_from_slice(&beam.logprobs[from..from + parent_length]);
                    beam.finished_lengths[slot] = parent_length;
                    beam.finished_scores[slot] = candidate.score;
                    beam.finished_acoustic[slot] = candidate.acoustic;
                    beam.finished += 1;
                    chosen = None;
                    while secondary < beam.candidates.len() {
                        let replacement = beam.candidates[secondary];
                        secondary += 1;
                        if replacement.token != end_of_text {
                            chosen = Some(replacement);
                            break;
                        }
                    }
                }
                let Some(candidate) = chosen else { continue };
                let parent_length = beam.lengths[candidate.parent];
                if parent_length >= ASR_DECODE_TOKENS_MAX {
                    hit_budget = true;
                    continue;
                }
                let (from, to) = (
                    candidate.parent * ASR_DECODE_TOKENS_MAX,
                    next * ASR_DECODE_TOKENS_MAX,
                );
                beam.next_tokens[to..to + parent_length]
                    .copy_from_slice(&beam.tokens[from..from + parent_length]);
                beam.next_tokens[to + parent_length] = candidate.token;
                beam.next_logprobs[to..to + parent_length]
                    .copy_from_slice(&beam.logprobs[from..from + parent_length]);
                beam.next_logprobs[to + parent_length] = candidate.logprob;
                beam.next_lengths[next] = parent_length + 1;
                beam.next_scores[next] = candidate.score;
                beam.next_acoustic[next] = candidate.acoustic;
                beam.next_terms[next] = candidate.term;
                beam.parents[next] = candidate.parent;
                beam.step_tokens[next] = candidate.token;
                next += 1;
            }
            if beam.finished >= width || next == 0 {
                break;
            }
            std::mem::swap(&mut beam.tokens, &mut beam.next_tokens);
            std::mem::swap(&mut beam.logprobs, &mut beam.next_logprobs);
            beam.lengths[..next].copy_from_slice(&beam.next_lengths[..next]);
            beam.scores[..next].copy_from_slice(&beam.next_scores[..next]);
            beam.acoustic[..next].copy_from_slice(&beam.next_acoustic[..next]);
            beam.terms[..next].copy_from_slice(&beam.next_terms[..next]);
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
                let at = index * ASR_DECODE_TOKENS_MAX;
                beam.finished_tokens[at..at + length]
                    .copy_from_slice(&beam.tokens[at..at + length]);
                beam.finished_logprobs[at..at + length]
                    .copy_from_slice(&beam.logprobs[at..at + length]);
                beam.finished_lengths[index] = length;
                beam.finished_scores[index] = beam.scores[index];
                beam.finished_acoustic[index] = beam.acoustic[index];
            }
            beam.finished = beam.live;
        }
        // CTranslate2 divides by the token count without end-of-text (length penalty 1).
        let normalised = |index: usize| match beam.finished_lengths[index] {
            0 => f64::NEG_INFINITY,
            length => beam.finished_scores[index] / length as f64,
        };
        let mut best = 0;
        for index in 1..beam.finished {
            if normalised(index) > normalised(best) {
                best = index;
            }
        }
        beam.best = best;
        let length = beam.finished_lengths[best];
        let at = best * ASR_DECODE_TOKENS_MAX;
        self.transcript
            .tokens
            .extend_from_slice(&beam.finished_tokens[at..at + length]);
        self.transcript
            .token_logprobs
            .extend_from_slice(&beam.finished_logprobs[at..at + length]);
        (beam.finished_acoustic[best], hit_budget)
    }

    /// N-best agreement: each number word of the chosen hypothesis (digits, or a number
    /// word such as "sixteen") is looked for, by value or spelling, in every other finished
    /// hypothesis (at most `ASR_NBEST_MAX`); its confidence is capped at the share of
    /// hypotheses that have it, so "one sixteen" against "one sixty" is unconfirmed.
    /// Allocates nothing (one reserved text buffer).
    fn lower_disputed_numbers(&mut self) {
        let beam = &self.beam;
        let compared = beam.finished.min(ASR_NBEST_MAX);
        if compared < 2 {
            return;
        }
        let transcript = &mut self.transcript;
        let text = transcript.text.trim();
        for word in transcript.words.iter_mut() {
            let spelled = text
                .get(word.start as usize..word.end as usize)
                .unwrap_or_default();
            let spelled = spelled.trim_matches(|c: char| !c.is_alphanumeric());
            let Some(value) = number_value(spelled) else {
                continue;
            };
            let mut agreeing = 0usize;
            let mut others = 0usize;
            for index in (0..compared).filter(|&index| index != beam.best) {
                let length = beam.finished_lengths[index];
                let at = index * ASR_DECODE_TOKENS_MAX;
                self.other_text.clear();
                self.tokenizer.decode_into(
                    &beam.finished_tokens[at..at + length],
                    &mut self.text_bytes,
                    &mut self.other_text,
                );
                others += 1;
                let has = self.other_text.split_whitespace().any(|other| {
                    let other = other.trim_matches(|c: char| !c.is_alphanumeric());
                    other.eq_ignore_ascii_case(spelled) || number_value(other) == Some(value)
                });
                agreeing += usize::from(has);
            }
            if others > 0 {
                let share = (agreeing + 1) as f32 / (others + 1) as f32;
                word.confidence = word.confidence.min(share);
            }
        }
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

/// The value of one number word as Whisper writes it: digits ("116", "0915") or a
/// spelled number from zero to ninety ("sixteen", "sixty"); `None` for anything else.
fn number_value(word: &str) -> Option<u32> {
    const SPELLED: [(&str, u32); 28] = [
        ("zero", 0),
        ("oh", 0),
        ("one", 1),
        ("two", 2),
        ("three", 3),
        ("four", 4),
        ("five", 5),
        ("six", 6),
        ("seven", 7),
        ("eight", 8),
        ("nine", 9),
        ("ten", 10),
        ("eleven", 11),
        ("twelve", 12),
        ("thirteen", 13),
        ("fourteen", 14),
        ("fifteen", 15),
        ("sixteen", 16),
        ("seventeen", 17),
        ("eighteen", 18),
        ("nineteen", 19),
        ("twenty", 20),
        ("thirty", 30),
        ("forty", 40),
        ("fifty", 50),
        ("sixty", 60),
        ("seventy", 70),
        ("eighty", 80),
    ];
    if !word.is_empty() && word.len() <= 9 && word.bytes().all(|b| b.is_ascii_digit()) {
        return word.parse().ok();
    }
    if word.eq_ignore_ascii_case("ninety") {
        return Some(90);
    }
    SPELLED
        .iter()
        .find(|(spelled, _)| word.eq_ignore_ascii_case(spelled))
        .map(|&(_, value)| value)
}

/// The two tokens before the next one, as the language model reads them (the boundary id
/// before the utterance's start).
fn lm_context(generated: &[u32], boundary: u32) -> (u32, u32) {
    match generated {
        [] => (boundary, boundary),
        [one] => (boundary, *one),
        [.., a, b] => (*a, *b),
    }
}

/// Shallow fusion of one candidate token: Whisper's log probability plus λ times the
/// language model's, the length bonus for a text token, and the change in the term bonus;
/// returns the hypothesis's trie state after the token too.
fn fused_score(
    lm: &DomainLm,
    fusion: Fusion,
    previous: (u32, u32),
    term: TermState,
    token: u32,
    acoustic: f32,
    end_of_text: u32,
) -> (TermState, f32) {
    let mut score = acoustic;
    if fusion.lm_weight != 0.0 {
        score += fusion.lm_weight * lm.log_prob(previous, token);
    }
    if token != end_of_text {
        score += fusion.length_bonus;
    }
    if fusion.term_bonus == 0.0 {
        return (term, score);
    }
    let (next, bonus) = lm.advance_term(term, token, fusion.term_bonus);
    (next, score + bonus)
}

/// Fills `transcript.words` from its tokens, their log probabilities and its text: a word
/// starts at a token whose bytes begin with a space (or at the first token) and runs to
/// the next such token; its confidence is its lowest token probability. Offsets are into
/// `text()` (Whisper's leading space dropped), snapped to character boundaries (they can
/// only drift where the decoder replaced invalid UTF-8); words past `HEARD_WORDS_MAX` or
/// past a cut text are left out. Allocates nothing.
fn fill_words(tokenizer: &Tokenizer, transcript: &mut Transcript) {
    transcript.words.clear();
    let raw = transcript.text.as_str();
    let lead = raw.len() - raw.trim_start().len();
    let text = raw.trim();
    let end_of_text = tokenizer.special.end_of_text;
    let push = |words: &mut HeardWords, start: usize, end: usize, logprob: f32| {
        let clamp = |at: usize| at.saturating_sub(lead).min(text.len());
        let (mut start, mut end) = (clamp(start), clamp(end));
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        if end > start {
            // A full list drops the rest: a consumer treats unlisted words as unknown.
            let _ = words.push(HeardWord {
                start: start as u32,
                end: end as u32,
                confidence: logprob.exp().clamp(0.0, 1.0),
            });
        }
    };
    let mut offset = 0usize;
    let mut current: Option<(usize, usize, f32)> = None;
    for (&token, &logprob) in transcript.tokens.iter().zip(&transcript.token_logprobs) {
        if token >= end_of_text {
            // Specials and timestamps add no text.
            continue;
        }
        let bytes = tokenizer.token_bytes(token);
        let spaces = bytes.iter().take_while(|&&byte| byte == b' ').count();
        match current.as_mut() {
            Some((_, end, lowest)) if spaces == 0 => {
                *end = offset + bytes.len();
                *lowest = lowest.min(logprob);
            }
            _ => {
                if let Some((start, end, lowest)) = current.take() {
                    push(&mut transcript.words, start, end, lowest);
                }
                current = Some((offset + spaces, offset + bytes.len(), logprob));
            }
        }
        offset += bytes.len();
    }
    if let Some((start, end, lowest)) = current {
        push(&mut transcript.words, start, end, lowest);
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

/// Whisper's timestamp token ids, as its timestamp rules need them.
#[derive(Clone, Copy, Debug)]
struct TimestampRules {
    end_of_text: u32,
    no_timestamps: u32,
    /// `<|0.00|>`; every id from here to the end of the vocabulary is a timestamp.
    first: u32,
    /// The latest timestamp allowed first.
    initial_last: u32,
}

/// Whether timestamps are decoded, and the ids the masking needs.
#[derive(Clone, Copy, Debug)]
enum TimestampMode {
    /// Timestamps are never chosen (but, as in CTranslate2, count in the normaliser).
    Off { no_timestamps: u32 },
    /// Whisper's timestamp rules apply.
    On(TimestampRules),
}

fn mask(logits: &mut [f32]) {
    logits.fill(f32::NEG_INFINITY);
}

impl TimestampRules {
    /// Masks what Whisper's timestamp rules forbid after `generated`: the first token is a
    /// timestamp no later than `initial_last`; timestamps come in pairs (a lone one only
    /// before end-of-text) and never go back; and when the timestamps together are likelier
    /// than the best text token, a timestamp is taken.
    fn apply(&self, logits: &mut [f32], generated: &[u32]) {
        let first = self.first as usize;
        logits[self.no_timestamps as usize] = f32::NEG_INFINITY;
        let Some(&last) = generated.last() else {
            mask(&mut logits[..first]);
            let after_initial = (self.initial_last as usize + 1).min(logits.len());
            mask(&mut logits[after_initial..]);
            return;
        };
        if last >= self.first {
            let penultimate = match generated.len() {
                1 => last,
                length => generated[length - 2],
            };
            if penultimate >= self.first {
                // A closed pair: text (or end-of-text) must follow.
                mask(&mut logits[first..]);
                return;
            }
            // An opened timestamp: another timestamp (not earlier) or end-of-text.
            mask(&mut logits[..self.end_of_text as usize]);
            mask(&mut logits[first..last as usize]);
        } else if let Some(&latest) = generated.iter().rev().find(|&&token| token >= self.first) {
            mask(&mut logits[first..=latest as usize]);
        }
        let best_text = logits[..first]
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        if log_sum_exp(&logits[first..]) > best_text {
            mask(&mut logits[..first]);
        }
    }
}

/// Masks the suppressed tokens (and, on the first step, the begin-suppressed ones), then
/// the timestamps as `mode` says for a hypothesis that has generated `generated`; returns
/// the log-softmax normaliser the scores use. Without timestamps it is taken before the
/// timestamps are masked because CTranslate2 normalises over them.
fn prepare_logits(
    logits: &mut [f32],
    suppression: &Suppression,
    mode: TimestampMode,
    generated: &[u32],
) -> f32 {
    for &id in &suppression.always {
        if let Some(value) = logits.get_mut(id as usize) {
            *value = f32::NEG_INFINITY;
        }
    }
    if generated.is_empty() {
        for &id in &suppression.at_begin {
            if let Some(value) = logits.get_mut(id as usize) {
                *value = f32::NEG_INFINITY;
            }
        }
    }
    match mode {
        TimestampMode::Off { no_timestamps } => {
            let log_normaliser = log_sum_exp(logits);
            mask(&mut logits[no_timestamps as usize..]);
            log_normaliser
        }
        TimestampMode::On(rules) => {
            rules.apply(logits, generated);
            log_sum_exp(logits)
        }
    }
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

/// `ln(sum(exp(logits)))`, computed stably; minus infinity when every logit is masked.
fn log_sum_exp(logits: &[f32]) -> f32 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if max == f32::NEG_INFINITY {
        return max;
    }
    let sum: f64 = logits.iter().map(|&v| f64::from((v - max).exp())).sum();
    max + sum.ln() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy vocabulary: 0–9 text, 10 end-of-text, 11 <|notimestamps|>, 12–19 timestamps.
    const RULES: TimestampRules = TimestampRules {
        end_of_text: 10,
        no_timestamps: 11,
        first: 12,
        initial_last: 14,
    };

    fn allowed(generated: &[u32], logits: &[f32]) -> Vec<usize> {
        let mut logits = logits.to_vec();
        RULES.apply(&mut logits, generated);
        (0..logits.len())
            .filter(|&id| logits[id] > f32::NEG_INFINITY)
            .collect()
    }

    #[test]
    fn the_first_token_is_an_early_timestamp() {
        assert_eq!(allowed(&[], &[0.0; 20]), vec![12, 13, 14]);
    }

    #[test]
    fn timestamps_come_in_pairs_and_never_go_back() {
        // Text is most likely everywhere, so the probability rule does not interfere.
        let mut logits = [-9.0f32; 20];
        logits[..=10].fill(5.0);
        // After an opening timestamp: text or another timestamp (the opening one is still
        // allowed only after text).
        assert_eq!(
            allowed(&[13], &logits),
            (0..10).chain([10]).collect::<Vec<_>>()
        );
        let after_text = allowed(&[13, 4], &logits);
        assert!(!after_text.contains(&13) && !after_text.contains(&12));
        assert!(after_text.contains(&14) && after_text.contains(&4));
        // After a closing timestamp: another timestamp, not earlier, or end-of-text.
        assert_eq!(allowed(&[13, 4, 15], &logits), vec![10, 15, 16, 17, 18, 19]);
        // After a closed pair: no timestamp.
        assert!(allowed(&[13, 4, 15, 15], &logits).iter().all(|&id| id < 12));
    }

    #[test]
    fn likely_timestamps_win_over_the_best_text_token() {
        // Each timestamp alone is less likely than text token 0, together more likely.
        let mut logits = [-20.0f32; 20];
        logits[0] = 0.0;
        logits[12..20].fill(-1.0);
        assert!(allowed(&[12, 3], &logits).iter().all(|&id| id >= 12));
        logits[12..20].fill(-3.0);
        assert!(allowed(&[12, 3], &logits).contains(&0));
        // <|notimestamps|> is never chosen in timestamp mode.
        assert!(!allowed(&[12, 3], &[0.0; 20]).contains(&11));
    }

    #[test]
    fn log_sum_exp_of_masked_logits_is_minus_infinity() {
        assert_eq!(log_sum_exp(&[f32::NEG_INFINITY; 4]), f32::NEG_INFINITY);
        assert!((log_sum_exp(&[0.0, 0.0]) - 2f32.ln()).abs() < 1e-6);
    }
}
