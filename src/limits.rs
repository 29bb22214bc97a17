//! Every capacity in tccc, in one place, unit last.
//!
//! Buffers, queues and pools are sized from these constants at start-up and never grow.
//! The `const` assertions at the bottom keep the relations between them honest: a change
//! that breaks one fails the build, not the field.

/// Sample rate of everything after the resampler: VAD, segments, ASR.
pub const PIPELINE_RATE_HZ: u32 = 16_000;
/// Lowest input sample rate accepted from a WAV file, stdin or ALSA.
pub const INPUT_RATE_MIN_HZ: u32 = 8_000;
/// Highest input sample rate accepted.
pub const INPUT_RATE_MAX_HZ: u32 = 192_000;
/// Most interleaved channels accepted on input (downmixed to mono).
pub const INPUT_CHANNELS_MAX: usize = 8;

/// Frames (one sample per channel) the capture thread reads per call.
pub const CAPTURE_CHUNK_FRAMES_MAX: usize = 4_096;
/// Interleaved samples of one capture chunk.
pub const CAPTURE_CHUNK_SAMPLES_MAX: usize = CAPTURE_CHUNK_FRAMES_MAX * INPUT_CHANNELS_MAX;
/// Mono samples (at the input rate) held between the capture and frontend threads:
/// about 2.7 s at 48 kHz, so a frontend stalled by a burst of other work loses nothing.
pub const CAPTURE_RING_SAMPLES_MAX: usize = 131_072;

/// Samples of one Silero VAD frame at 16 kHz.
pub const VAD_FRAME_SAMPLES: usize = 512;
/// Samples of the previous frame that Silero VAD sees in front of each frame.
pub const VAD_CONTEXT_SAMPLES: usize = 64;
/// Hidden size of the Silero VAD LSTM cell.
pub const VAD_LSTM_UNITS: usize = 128;

/// Taps of the resampler's windowed-sinc filter per polyphase branch (each side of centre
/// holds half of them).
pub const RESAMPLER_TAPS_PER_PHASE_MAX: usize = 512;
/// Polyphase branches of the resampler (fractional positions resolved).
pub const RESAMPLER_PHASES_MAX: usize = 1024;
/// 16 kHz samples the resampler can emit for one input chunk.
pub const RESAMPLER_OUTPUT_SAMPLES_MAX: usize = CAPTURE_CHUNK_FRAMES_MAX * 2 + 64;

/// Longest speech segment in samples at 16 kHz (30 s: Whisper's whole window).
pub const SEGMENT_SAMPLES_MAX: usize = 30 * PIPELINE_RATE_HZ as usize;
/// VAD frames in the longest segment.
pub const SEGMENT_FRAMES_MAX: usize = SEGMENT_SAMPLES_MAX / VAD_FRAME_SAMPLES + 1;
/// Segment slots in the pool shared by the frontend and the speech consumer.
pub const SEGMENT_POOL_SLOTS_MAX: usize = 8;
/// Segment handles in flight between the frontend and its consumer.
pub const SEGMENT_RING_HANDLES_MAX: usize = SEGMENT_POOL_SLOTS_MAX;
/// Pre-roll audio kept in front of the detected speech start, in samples at 16 kHz (1 s).
pub const PRE_ROLL_SAMPLES_MAX: usize = PIPELINE_RATE_HZ as usize;

/// Entries kept by the ring logger.
pub const LOG_RING_ENTRIES_MAX: usize = 256;
/// Bytes of one log entry; longer messages are cut.
pub const LOG_LINE_BYTES_MAX: usize = 240;
/// Deferred log records (`tlog!`) one thread's ring holds until the logger thread drains
/// it; more are dropped and counted.
pub const LOG_THREAD_RING_ENTRIES_MAX: usize = 64;
/// Threads that may hold a log ring at once (a thread's ring is freed once it has exited
/// and its records are written); a thread beyond them has its records dropped and counted.
pub const LOG_THREADS_MAX: usize = 64;
/// Raw values one deferred log record carries.
pub const LOG_VALUES_MAX: usize = 4;

/// Bytes of a configuration file read at start-up.
pub const CONFIG_FILE_BYTES_MAX: usize = 64 * 1024;
/// Largest WAV `tccc transcribe` reads whole (it takes ≤ 30 s segments; this leaves room
/// for 32-bit or multi-channel files that it then refuses by format with a clear message).
pub const WAV_16K_BYTES_MAX: usize = 64 * 1024 * 1024;
/// Largest WAV `tccc bench` reads whole into memory.
pub const BENCH_INPUT_BYTES_MAX: usize = 512 * 1024 * 1024;
/// Bytes of a WAV chunk header region walked before the `data` chunk.
pub const WAV_HEADER_BYTES_MAX: usize = 1024 * 1024;
/// Chunks walked in a WAV file before the `data` chunk.
pub const WAV_CHUNKS_MAX: usize = 64;
/// Bytes of a safetensors JSON header.
pub const SAFETENSORS_HEADER_BYTES_MAX: usize = 1024 * 1024;
/// Bytes of a VAD weights file (safetensors or ONNX) read at load; Silero's are about 2 MB.
pub const VAD_MODEL_FILE_BYTES_MAX: usize = 64 * 1024 * 1024;

/// Distinct thread roles the allocation guard counts separately.
pub const THREAD_ROLES_MAX: usize = 8;

const _: () = assert!(VAD_CONTEXT_SAMPLES < VAD_FRAME_SAMPLES);
const _: () = assert!(SEGMENT_SAMPLES_MAX % VAD_FRAME_SAMPLES < VAD_FRAME_SAMPLES);
const _: () = assert!(PRE_ROLL_SAMPLES_MAX >= 2 * VAD_FRAME_SAMPLES);
const _: () = assert!(PRE_ROLL_SAMPLES_MAX < SEGMENT_SAMPLES_MAX);
const _: () = assert!(CAPTURE_RING_SAMPLES_MAX >= 4 * CAPTURE_CHUNK_FRAMES_MAX);
const _: () = assert!(INPUT_RATE_MIN_HZ * 2 >= PIPELINE_RATE_HZ);
// The resampler's output for one chunk must fit its buffer at the most upsampling ratio.
const _: () = assert!(
    RESAMPLER_OUTPUT_SAMPLES_MAX
        >= CAPTURE_CHUNK_FRAMES_MAX * (PIPELINE_RATE_HZ / INPUT_RATE_MIN_HZ) as usize + 2
);
const _: () = assert!(SEGMENT_RING_HANDLES_MAX >= SEGMENT_POOL_SLOTS_MAX);
const _: () = assert!(LOG_LINE_BYTES_MAX >= 80);
// A thread's ring outlasts the logger thread's drain interval (20 ms) at a record per frame.
const _: () = assert!(LOG_THREAD_RING_ENTRIES_MAX >= 16);
const _: () = assert!(LOG_THREAD_RING_ENTRIES_MAX < LOG_RING_ENTRIES_MAX);
const _: () = assert!(LOG_VALUES_MAX >= 4);

// ---------------------------------------------------------------------------------------
// Extraction and record (src/extract, src/record, src/render, `tccc process --transcript`).
// ---------------------------------------------------------------------------------------

/// Bytes of one utterance the extractor reads; the rest is cut at a character boundary
/// (a Whisper window holds ~250 words, far less than this).
pub const UTTERANCE_BYTES_MAX: usize = 4_096;
/// Tokens of one utterance after normalisation; later tokens are ignored.
pub const UTTERANCE_TOKENS_MAX: usize = 512;
/// Facts one utterance may assert; later ones are dropped and counted.
pub const UTTERANCE_FACTS_MAX: usize = 48;
/// Seconds between two statements of the same untimed dose (same drug, dose, route) after
/// which the second is filed as a repeat dose (unconfirmed) rather than merged: a medic
/// restates within a sentence or two, while re-dosing intervals are 15 min and longer.
pub const REPEAT_DOSE_GAP_S: f64 = 120.0;
const _: () = assert!(REPEAT_DOSE_GAP_S >= 10.0 && REPEAT_DOSE_GAP_S <= 15.0 * 60.0);
/// Words in the longest lexicon phrase ("low titer o whole blood").
pub const LEXICON_PHRASE_WORDS_MAX: usize = 6;
/// Spoken number groups joined into one number ("zero nine one five" is four).
pub const NUMBER_PARTS_MAX: usize = 4;
/// Words of a heard sentence written without a comma or colon from which its clauses are
/// no longer told apart (its facts are filed unconfirmed). On studied17 (slt, tiny.en) the
/// run-on that misfiled a wound ran to 30 words; complete sentences without a comma ran to
/// 14 and read right.
pub const HEARD_RUN_ON_WORDS_MIN: usize = 20;
/// Longest run of letters and digits the normaliser cuts into glued acronyms, numbers and
/// units ("TXA2GIV" is 7 bytes); a longer run stays one word.
pub const GLUED_RUN_BYTES_MAX: usize = 16;
/// Highest casualty number accepted when spoken ("casualty forty" is ignored above it).
pub const CASUALTIES_MAX: usize = 32;
/// Events (facts asserted or corrected, casualty switches) one record holds.
pub const RECORD_EVENTS_MAX: usize = 65_536;
/// Bytes of a free-text field taken from dictation (name, roster number, allergen).
pub const DICTATED_TEXT_BYTES_MAX: usize = 64;
/// Bytes of a transcript file read by `tccc process --transcript`.
pub const TRANSCRIPT_BYTES_MAX: usize = 8 * 1024 * 1024;
/// Utterances (non-blank lines) of one transcript file.
pub const TRANSCRIPT_UTTERANCES_MAX: usize = 20_000;
/// Columns of the rendered DD 1380 card, MIST/ATMIST and 9-line text.
pub const CARD_COLUMNS_MAX: usize = 80;
/// Timed columns of signs and symptoms per card block; more go on a continuation block.
pub const CARD_VITAL_COLUMNS_MAX: usize = 4;

const _: () = assert!(UTTERANCE_TOKENS_MAX <= UTTERANCE_BYTES_MAX);
const _: () = assert!(CASUALTIES_MAX <= u8::MAX as usize);
const _: () = assert!(NUMBER_PARTS_MAX >= 4);
const _: () = assert!(CARD_COLUMNS_MAX >= 80);

// ---- ASR (Whisper engine: src/asr, src/nn) ----

/// FFT length of the log-mel front end (25 ms at 16 kHz).
pub const ASR_FFT_SIZE: usize = 400;
/// Hop between log-mel frames (10 ms at 16 kHz).
pub const ASR_HOP_SAMPLES: usize = 160;
/// Log-mel frames the front end can produce for the longest segment (one more than the
/// encoder takes: faster-whisper's extractor yields 3001 for 30 s and trims to 3000).
pub const ASR_MEL_FRAMES_MAX: usize = SEGMENT_SAMPLES_MAX / ASR_HOP_SAMPLES + 1;
/// Log-mel frames of Whisper's full 30 s window (the encoder's largest input).
pub const ASR_ENCODER_FRAMES_MAX: usize = 3_000;
/// Mel bins the engine supports (Whisper tiny … small, all 80).
pub const ASR_MEL_BINS_MAX: usize = 80;
/// In segment mode the encoder input is rounded up to a multiple of this many frames (1 s).
pub const ASR_ENCODER_FRAMES_MULTIPLE: usize = 100;
/// In cached-padding mode, zero frames encoded at least after a segment's own frames: an
/// encoder position reads mel frames 2p − 2 … 2p + 2 through its two convolutions, so the
/// first cached position must start two frames past the speech.
pub const ASR_PADDING_MARGIN_FRAMES_MIN: usize = 2;
/// In cached-padding mode the encoded frames are rounded up to a multiple of this (an even
/// number, for the stride-2 convolution; 32 frames = 16 positions, one product panel).
pub const ASR_CACHED_PADDING_FRAMES_MULTIPLE: usize = 32;
/// Positions of Whisper's decoder context: prompt and generated tokens share them, and the
/// decoder's self-attention cache holds this many.
pub const ASR_CONTEXT_TOKENS: usize = 448;
/// Tokens of the configured initial prompt kept (its last ones): half the context less the
/// `<|startofprev|>` marker, as Whisper and faster-whisper truncate it.
pub const ASR_PROMPT_TEXT_TOKENS_MAX: usize = ASR_CONTEXT_TOKENS / 2 - 1;
/// Prompt tokens in front of the generated ones: `<|startofprev|>` and the initial prompt's
/// text, then start, language, task, no-timestamps.
pub const ASR_PROMPT_TOKENS_MAX: usize = 1 + ASR_PROMPT_TEXT_TOKENS_MAX + 4;
/// Tokens the decoder may generate for one segment; a segment that reaches it is treated as
/// a runaway loop. Whisper samples up to half its context (224); this is the 220 that is
/// left beside the longest prompt, so every position has a slot in the cache.
pub const ASR_DECODE_TOKENS_MAX: usize = ASR_CONTEXT_TOKENS - ASR_PROMPT_TOKENS_MAX;
/// Bytes of the configured initial prompt text (a few sentences of vocabulary; more than
/// the kept tokens can hold).
pub const ASR_PROMPT_TEXT_BYTES_MAX: usize = 4_096;
/// Bytes of one segment's transcript text; longer text is cut at a character boundary.
pub const ASR_TEXT_BYTES_MAX: usize = 4_096;
/// Words of one heard utterance that carry a confidence (`speech::HeardWords`); a word
/// is at least one byte and a separator, so half the text's bytes is enough.
pub const HEARD_WORDS_MAX: usize = ASR_TEXT_BYTES_MAX / 2;
const _: () = assert!(HEARD_WORDS_MAX >= 1 && HEARD_WORDS_MAX <= u32::MAX as usize);
/// Bytes of a model.bin the loader maps (Whisper small in float32 is about 1 GB).
pub const ASR_MODEL_FILE_BYTES_MAX: usize = 4 * 1024 * 1024 * 1024;
/// Variables a model.bin may declare.
pub const ASR_MODEL_VARIABLES_MAX: usize = 4_096;
/// Model width (channels) the Whisper loader accepts; Whisper small is 768, large 1 280.
/// Bounds every size computed from the width before the weights are checked.
pub const ASR_MODEL_WIDTH_MAX: usize = 1_280;
const _: () = assert!(
    ASR_MODEL_WIDTH_MAX.is_multiple_of(64),
    "whole 64-wide attention heads"
);
/// Bytes of a variable name in model.bin.
pub const ASR_MODEL_NAME_BYTES_MAX: usize = 1_024;
/// Bytes of a model folder's config.json, vocabulary.txt or tokenizer.json read at load.
pub const ASR_MODEL_TEXT_FILE_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Entries of a Whisper vocabulary.
pub const ASR_VOCABULARY_TOKENS_MAX: usize = 65_536;
/// Threads (the ASR thread plus pool helpers) that may share one matrix product.
pub const ASR_THREADS_MAX: usize = 8;
/// Beam width accepted from the configuration.
pub const ASR_BEAM_WIDTH_MAX: usize = 8;
/// Timed pieces one segment can report in timestamp mode: each piece needs at least two
/// timestamp tokens and one text token.
pub const ASR_TIMED_PIECES_MAX: usize = ASR_DECODE_TOKENS_MAX / 3 + 1;
/// Shortest segment (seconds) whose greedy text is checked for an early end.
pub const ASR_EARLY_END_SEGMENT_SECONDS_MIN: f32 = 4.0;
/// Words a second (numbers counted as said, short capitals spelt) below which a segment's
/// greedy text counts as ended early and is decoded again with timestamps. Dictation runs
/// at 2–3 words a second; on traps16 (issue 11, festival slt, tiny.en) the two segments of
/// 4 s or more whose greedy text stopped early lay under 1.2 and every complete one at 1.5
/// or above; on studied17 (slt) two stopped early at 1.32 and 1.45 and the slowest complete
/// one read 1.74 (two more stopped early at 1.78 and 2.02: no rate tells those).
pub const ASR_EARLY_END_WORDS_PER_SECOND_MIN: f32 = 1.6;
const _: () =
    assert!(ASR_EARLY_END_WORDS_PER_SECOND_MIN > 0.0 && ASR_EARLY_END_WORDS_PER_SECOND_MIN < 2.0);
/// Whisper's timestamp step.
pub const ASR_TIMESTAMP_STEP_SECONDS: f32 = 0.02;
/// The first timestamp may be at most this many steps in (faster-whisper's 1.0 s).
pub const ASR_INITIAL_TIMESTAMP_STEPS_MAX: u32 = 50;

const _: () = assert!(ASR_MEL_FRAMES_MAX >= ASR_ENCODER_FRAMES_MAX);
/// Seconds of a segment left after the last timestamp of an early-ended decode below which
/// the rest is not decoded on its own (a trailing pause, not lost words).
pub const ASR_EARLY_END_TAIL_SECONDS_MIN: f32 = 1.0;
const _: () = assert!(ASR_EARLY_END_TAIL_SECONDS_MIN < ASR_EARLY_END_SEGMENT_SECONDS_MIN);
const _: () = assert!(ASR_ENCODER_FRAMES_MAX.is_multiple_of(ASR_ENCODER_FRAMES_MULTIPLE));
const _: () = assert!(ASR_ENCODER_FRAMES_MULTIPLE.is_multiple_of(2));
const _: () = assert!(ASR_CACHED_PADDING_FRAMES_MULTIPLE.is_multiple_of(2));
const _: () = assert!(ASR_HOP_SAMPLES * ASR_ENCODER_FRAMES_MAX == SEGMENT_SAMPLES_MAX);
const _: () = assert!(ASR_DECODE_TOKENS_MAX + ASR_PROMPT_TOKENS_MAX <= ASR_CONTEXT_TOKENS);
// Runaway detection needs room for a long utterance: 30 s of fast speech is ~150 tokens.
const _: () = assert!(ASR_DECODE_TOKENS_MAX >= 200);
// A prompt of the longest text may need more tokens than are kept (one per byte at worst),
// so truncation, not the byte limit, is what bounds the prompt's positions.
const _: () = assert!(ASR_PROMPT_TEXT_BYTES_MAX > ASR_PROMPT_TEXT_TOKENS_MAX);

/// Bytes of a domain language-model file (the one built from the lexicon is about 1.3 MB).
pub const ASR_LM_FILE_BYTES_MAX: usize = 32 * 1024 * 1024;
/// Sentences of the synthetic narration corpus the domain language model is built from
/// at load (`asr::lm_build`; about 1.2 million tokens).
pub const ASR_LM_CORPUS_SENTENCES: usize = 100_000;
/// N-grams (all orders together) the language model may hold.
pub const ASR_LM_NGRAMS_MAX: usize = 2_000_000;
/// Terms in the language model's term trie.
pub const ASR_LM_TERMS_MAX: usize = 16_384;
/// Tokens of one trie term.
pub const ASR_LM_TERM_TOKENS_MAX: usize = 16;
/// Tokens, Whisper's most likely first, that shallow fusion re-scores at each step (per
/// hypothesis): the language model re-ranks what the acoustics already find plausible and
/// never brings in a token from outside this list.
pub const ASR_LM_CANDIDATES_MAX: usize = 8;
/// Hypotheses whose texts are compared for numbers (the N best of a beam search).
pub const ASR_NBEST_MAX: usize = 2 * ASR_BEAM_WIDTH_MAX;

const _: () = assert!(ASR_LM_FILE_BYTES_MAX >= 20 * ASR_LM_NGRAMS_MAX / 4);
const _: () = assert!(ASR_LM_TERM_TOKENS_MAX <= u16::MAX as usize);
const _: () = assert!(ASR_LM_CANDIDATES_MAX >= 2 && ASR_LM_CANDIDATES_MAX <= 64);

// ---- Live pipeline (src/live) ----

/// Recognised utterances in flight between the ASR thread and the analysis side.
pub const TRANSCRIPT_RING_UTTERANCES_MAX: usize = 16;

const _: () = assert!(TRANSCRIPT_RING_UTTERANCES_MAX >= SEGMENT_POOL_SLOTS_MAX);

// ---- Journal (src/journal) ----

/// Largest payload of one journal record (a 30 s segment of 16-bit audio plus its header).
pub const JOURNAL_RECORD_PAYLOAD_BYTES_MAX: usize = SEGMENT_SAMPLES_MAX * 2 + 64;
/// A segment file is closed and the next one started once it holds this many bytes.
pub const JOURNAL_SEGMENT_FILE_BYTES_MAX: u64 = 64 * 1024 * 1024;
/// Segment files a state directory may hold (replay refuses more: they are not ours).
pub const JOURNAL_SEGMENT_FILES_MAX: usize = 4_096;
/// Records in flight between the producers and the journal's writer thread.
pub const JOURNAL_RING_RECORDS_MAX: usize = 1_024;
/// Records a producer keeps when the ring is full, before it counts a drop.
pub const JOURNAL_BACKLOG_RECORDS_MAX: usize = 4_096;
/// The writer syncs what it has written at least this often.
pub const JOURNAL_COMMIT_INTERVAL_MS: u64 = 100;
/// After a storage fault the writer tries a fresh segment file this often.
pub const JOURNAL_RETRY_INTERVAL_MS: u64 = 1_000;
/// Bytes of records the writer holds in memory while storage is failing; beyond this,
/// arriving records are lost, counted and alerted (those held keep their order).
pub const JOURNAL_MEMORY_BUFFER_BYTES_MAX: usize = 32 * 1024 * 1024;
/// Alerts the writer keeps for the caller to read (older ones are overwritten, counted).
pub const JOURNAL_ALERTS_MAX: usize = 64;
/// Bytes of the journal's key file.
pub const JOURNAL_KEY_BYTES: usize = 32;

const _: () = assert!(JOURNAL_RECORD_PAYLOAD_BYTES_MAX as u64 <= JOURNAL_SEGMENT_FILE_BYTES_MAX);
const _: () = assert!(JOURNAL_MEMORY_BUFFER_BYTES_MAX >= 2 * JOURNAL_RECORD_PAYLOAD_BYTES_MAX);
const _: () = assert!(JOURNAL_BACKLOG_RECORDS_MAX >= JOURNAL_RING_RECORDS_MAX);
const _: () = assert!(JOURNAL_RETRY_INTERVAL_MS >= JOURNAL_COMMIT_INTERVAL_MS);

// Scope cues (src/extract/scope_cues.toml), checked when the data is loaded.
/// Rules in the scope-cue file.
pub const SCOPE_RULES_MAX: usize = 96;
/// Phrases in one list of a scope rule.
pub const SCOPE_CUE_PHRASES_MAX: usize = 256;
/// Words in one scope-cue phrase.
pub const SCOPE_CUE_PHRASE_WORDS_MAX: usize = 6;
const _: () = assert!(SCOPE_RULES_MAX >= 8 && SCOPE_CUE_PHRASES_MAX >= 64);
const _: () = assert!(SCOPE_CUE_PHRASE_WORDS_MAX >= 3);

// Lexicon data (src/extract/lexicon.toml), checked when the data is loaded.
/// Rows in the lexicon.
pub const LEXICON_ROWS_MAX: usize = 4096;
/// Rows that state a required context.
pub const LEXICON_CONTEXTS_MAX: usize = 512;
const _: () = assert!(LEXICON_ROWS_MAX >= 1024 && LEXICON_CONTEXTS_MAX <= LEXICON_ROWS_MAX);
// ---- Guideline advisor (src/advisor) ----

/// Rules one advisor rule file may hold.
pub const ADVISOR_RULES_MAX: usize = 64;
/// Bytes of one rule's message template.
pub const ADVISOR_MESSAGE_BYTES_MAX: usize = 240;
/// Alerts raised for one casualty; later ones are dropped and counted, never shown, so a
/// confused record cannot flood the medic.
pub const ALERTS_PER_CASUALTY_MAX: usize = 32;
/// Alerts one advisor holds (every casualty at its limit).
pub const ALERTS_MAX: usize = ALERTS_PER_CASUALTY_MAX * CASUALTIES_MAX;
/// How far after the moment it was heard a spoken injury time may lie and still be today
/// (a medic's watch runs a little apart from the device's clock). An injury is reported
/// after it happened, so a time further ahead ("hit yesterday at 1300", heard at 09:05) is
/// the day before.
pub const INJURY_TIME_AHEAD_S: i64 = 15 * 60;

const _: () = assert!(ALERTS_PER_CASUALTY_MAX >= ADVISOR_RULES_MAX / 4);
const _: () = assert!(ADVISOR_MESSAGE_BYTES_MAX <= LOG_LINE_BYTES_MAX);
const _: () = assert!(INJURY_TIME_AHEAD_S > 0 && INJURY_TIME_AHEAD_S < 12 * 3600);

// ---- Watchdog (src/watchdog) ----

/// Shortest poll interval accepted from `watchdog.poll_interval_ms`.
pub const WATCHDOG_POLL_INTERVAL_MS_MIN: u64 = 100;
/// Longest poll interval accepted (a minute: slower would miss a heat ramp).
pub const WATCHDOG_POLL_INTERVAL_MS_MAX: u64 = 60_000;
/// Thermal zones the watchdog tracks (a Xavier NX has 9, a Nano 6); more are ignored.
pub const WATCHDOG_THERMAL_ZONES_MAX: usize = 32;
/// Trip points read per thermal zone.
pub const WATCHDOG_TRIP_POINTS_MAX: usize = 12;
/// INA3221 rails tracked (three channels per chip; Jetsons carry one or two chips).
pub const WATCHDOG_RAILS_MAX: usize = 12;
/// CPUs whose frequency is read.
pub const WATCHDOG_CPUS_MAX: usize = 16;
/// Threads of this process whose CPU time is read (found at start and on `rescan_threads`).
pub const WATCHDOG_THREADS_MAX: usize = 64;
/// Bytes of a name kept for a zone, rail or thread (`type`, labels, `comm`).
pub const WATCHDOG_NAME_BYTES_MAX: usize = 32;
/// Bytes read from one sysfs value (a number or a short word).
pub const WATCHDOG_SYSFS_VALUE_BYTES_MAX: usize = 64;
/// Bytes read from a procfs file (`/proc/stat`'s first line, `/proc/self/status`,
/// a thread's `stat`).
pub const WATCHDOG_PROCFS_READ_BYTES_MAX: usize = 4_096;
/// Decisions the watchdog keeps for its reader (older ones are overwritten and counted).
pub const WATCHDOG_EVENTS_MAX: usize = 256;
/// Bytes of an nvpmodel error kept in a decision.
pub const WATCHDOG_ERROR_BYTES_MAX: usize = 160;
/// Bytes of `nvpmodel` output read (its `-p --verbose` listing is about 20 kB).
pub const NVPMODEL_OUTPUT_BYTES_MAX: usize = 256 * 1024;
/// Power modes one nvpmodel configuration may list.
pub const NVPMODEL_MODES_MAX: usize = 32;
/// Bytes of a mode name (`MODE_15W_6CORE`).
pub const NVPMODEL_MODE_NAME_BYTES_MAX: usize = 32;
/// How long one nvpmodel call may take before it is killed and reported.
pub const NVPMODEL_TIMEOUT_MS: u64 = 10_000;
/// Resident memory of the whole process beyond which the watchdog raises an alert
/// (Whisper small in float32 plus the LLM fit in 6 GB on a Xavier NX 8 GB).
pub const PROCESS_RSS_BUDGET_BYTES: u64 = 6 * 1024 * 1024 * 1024;
/// Temperature at which a sensor reports itself offline (tegra drivers write −256 °C).
pub const THERMAL_OFFLINE_MILLI_C: i64 = -256_000;

const _: () = assert!(WATCHDOG_POLL_INTERVAL_MS_MIN < WATCHDOG_POLL_INTERVAL_MS_MAX);
const _: () = assert!(WATCHDOG_NAME_BYTES_MAX <= WATCHDOG_SYSFS_VALUE_BYTES_MAX);
const _: () = assert!(WATCHDOG_EVENTS_MAX >= 16 && WATCHDOG_ERROR_BYTES_MAX <= LOG_LINE_BYTES_MAX);
const _: () = assert!(NVPMODEL_TIMEOUT_MS >= 1_000);
// ---- Service and console (src/analysis, src/console, src/cli/run.rs) ----

/// Bytes of one console line (the terminator not counted); a longer line is discarded up
/// to its end and answered `ERR too-long`.
pub const CONSOLE_LINE_BYTES_MAX: usize = 8_192;
/// Console requests waiting for the analysis thread; a full queue answers `ERR busy`.
pub const CONSOLE_REQUESTS_MAX: usize = 16;
/// Asynchronous notices (`EVT` lines) waiting for the console; a full queue drops and counts.
pub const CONSOLE_NOTICES_MAX: usize = 256;
/// Console lines answered per second once the burst is spent; more are refused
/// (`ERR rate`) without being parsed or journaled, so a flood cannot fill the journal.
pub const CONSOLE_LINES_PER_S_MAX: u32 = 100;
/// Console lines answered at once before the rate applies (a pasted script).
pub const CONSOLE_LINES_BURST_MAX: u32 = 2_000;
/// Events `events` shows at most.
pub const CONSOLE_EVENTS_SHOWN_MAX: usize = 200;
/// Utterances the published snapshot keeps for `status` and `events` (the newest).
pub const SNAPSHOT_UTTERANCES_MAX: usize = 64;

const _: () = assert!(CONSOLE_LINE_BYTES_MAX >= ASR_TEXT_BYTES_MAX + 16);
const _: () = assert!(CONSOLE_NOTICES_MAX >= TRANSCRIPT_RING_UTTERANCES_MAX);
const _: () = assert!(CONSOLE_LINES_BURST_MAX >= CONSOLE_LINES_PER_S_MAX);
// ---- journal (branch journal): segments' audio ----

/// Buffers (each `SEGMENT_SAMPLES_MAX` 16-bit samples, reserved when the journal opens)
/// carrying speech segments' audio from the recogniser's thread to the journal writer;
/// when all are in use a segment's audio is not journaled and counted.
pub const JOURNAL_AUDIO_SLOTS_MAX: usize = 4;

const _: () = assert!(JOURNAL_AUDIO_SLOTS_MAX >= 2);
const _: () = assert!(
    JOURNAL_MEMORY_BUFFER_BYTES_MAX >= JOURNAL_AUDIO_SLOTS_MAX * JOURNAL_RECORD_PAYLOAD_BYTES_MAX
);

// ---- service branch: capture recovery, stage heartbeats, console purge ----

/// First wait before reopening a lost capture device (doubled after each failed try).
pub const CAPTURE_REOPEN_BACKOFF_MIN_MS: u64 = 100;
/// Longest wait between two tries at reopening a lost capture device.
pub const CAPTURE_REOPEN_BACKOFF_MAX_MS: u64 = 2_000;
/// Slice of a back-off wait between two looks at the stop flag (a stop is never held up
/// by a back-off for longer than this).
pub const CAPTURE_REOPEN_SLICE_MS: u64 = 20;
/// Capture devices tried when reopening: the configured one and its fallback.
pub const CAPTURE_DEVICES_MAX: usize = 2;

/// Utterance texts the analysis stage holds for `export` and its snapshot (about 6 h of
/// narration); older ones are dropped and counted (`status`), the journal keeps them all.
pub const STAGE_UTTERANCES_MAX: usize = 4_096;
/// Seconds within which `purge confirm <token>` must follow the console's `purge`.
pub const CONSOLE_PURGE_CONFIRM_S: u64 = 60;
/// A stage of the service (capture, frontend, analysis, console) that has not advanced its
/// heartbeat for this long is hung: `WATCHDOG=1` is withheld and systemd restarts the
/// service. Each loops at least every few tens of milliseconds when healthy.
pub const STAGE_HEARTBEAT_WINDOW_MS: u64 = 5_000;
/// The recogniser's window: it does not beat during a transcription, and the longest
/// segment (30 s) takes well under this on the slowest supported board.
pub const ASR_HEARTBEAT_WINDOW_MS: u64 = 120_000;
/// The journal writer's window: it beats every commit interval, but one `fsync` on a
/// worn SD card can take seconds.
pub const JOURNAL_HEARTBEAT_WINDOW_MS: u64 = 30_000;

const _: () = assert!(CAPTURE_REOPEN_BACKOFF_MIN_MS <= CAPTURE_REOPEN_BACKOFF_MAX_MS);
const _: () = assert!(CAPTURE_REOPEN_BACKOFF_MAX_MS < STAGE_HEARTBEAT_WINDOW_MS);
const _: () = assert!(STAGE_UTTERANCES_MAX >= SNAPSHOT_UTTERANCES_MAX);
const _: () = assert!(STAGE_HEARTBEAT_WINDOW_MS <= JOURNAL_HEARTBEAT_WINDOW_MS);
const _: () = assert!(JOURNAL_HEARTBEAT_WINDOW_MS <= ASR_HEARTBEAT_WINDOW_MS);
const _: () = assert!(CAPTURE_REOPEN_SLICE_MS <= CAPTURE_REOPEN_BACKOFF_MIN_MS);

// ---- dash: memory per component, `top`, `report`, `soak` (src/watchdog, src/cli) ----

/// Components whose resident memory the watchdog measures against their budgets.
pub const WATCHDOG_MEMORY_COMPONENTS_MAX: usize = 8;
/// How often the watchdog walks `/proc/self/smaps` (a page-table walk per mapping in the
/// kernel: not on every poll).
pub const WATCHDOG_MEMORY_CHECK_INTERVAL_MS: u64 = 10_000;
/// Resident pages of the Whisper model's mapped files (small in float16 is 490 MB).
pub const ASR_MODEL_RSS_BUDGET_BYTES: u64 = 1024 * 1024 * 1024;
/// Resident pages of the VAD weights file (2 MB).
pub const VAD_MODEL_RSS_BUDGET_BYTES: u64 = 16 * 1024 * 1024;
/// Resident pages of the other mapped model files (the LLM's GGUF).
pub const MODELS_OTHER_RSS_BUDGET_BYTES: u64 = 1536 * 1024 * 1024;
/// Anonymous resident memory: heap (decoded weights, buffers, rings) and stacks.
pub const ANON_RSS_BUDGET_BYTES: u64 = 3 * 1024 * 1024 * 1024;

/// Threads the `top` screen lists (the busiest first; the rest counted).
pub const TOP_THREADS_SHOWN_MAX: usize = 12;
/// Bytes of a metrics file `tccc report` reads (a day of 1 s samples is about 60 MB).
pub const METRICS_FILE_BYTES_MAX: usize = 256 * 1024 * 1024;
/// Points drawn per series of a report chart (longer series are thinned evenly).
pub const REPORT_POINTS_PER_SERIES_MAX: usize = 2_000;
/// Threads drawn in the report's per-thread chart (the busiest on average).
pub const REPORT_THREADS_DRAWN_MAX: usize = 6;
/// Width of a report chart in pixels.
pub const REPORT_CHART_WIDTH_PX: u32 = 860;
/// Height of a report chart in pixels.
pub const REPORT_CHART_HEIGHT_PX: u32 = 300;

/// Resident memory a soak may gain after its warm-up (the bar for 5 minutes).
pub const SOAK_RSS_GROWTH_MAX_BYTES: u64 = 1024 * 1024;
/// Seconds of a soak before its memory baseline is taken (allocator caches settle).
pub const SOAK_WARM_UP_S: f64 = 10.0;

const _: () = assert!(TOP_THREADS_SHOWN_MAX <= WATCHDOG_THREADS_MAX);
const _: () = assert!(REPORT_THREADS_DRAWN_MAX <= TOP_THREADS_SHOWN_MAX);
const _: () = assert!(
    ASR_MODEL_RSS_BUDGET_BYTES
        + VAD_MODEL_RSS_BUDGET_BYTES
        + MODELS_OTHER_RSS_BUDGET_BYTES
        + ANON_RSS_BUDGET_BYTES
        <= PROCESS_RSS_BUDGET_BYTES
);
const _: () = assert!(WATCHDOG_MEMORY_CHECK_INTERVAL_MS >= 10 * WATCHDOG_POLL_INTERVAL_MS_MIN);

// ---- llmuse: the language model's checked uses (src/llm/checked.rs, handover.rs, reader.rs) ----

/// Bytes of the handover prompt (instructions and the casualty's MIST facts); a record
/// whose facts would not fit is cut at a whole fact line.
pub const HANDOVER_PROMPT_BYTES_MAX: usize = 4_096;
/// Tokens the model may write for one handover paragraph (about 150 words).
pub const HANDOVER_ANSWER_TOKENS_MAX: usize = 200;
/// Bytes of the paragraph kept from the model (a longer answer is cut at a sentence).
pub const HANDOVER_ANSWER_BYTES_MAX: usize = 2_048;
/// Sentences of the paragraph the checker looks at; later ones are dropped unread.
pub const HANDOVER_SENTENCES_MAX: usize = 16;
/// Bytes of the reader's prompt (instructions and the utterance).
pub const READER_PROMPT_BYTES_MAX: usize = 2_048;
/// Tokens the reader may write for one utterance (a JSON list of proposals).
pub const READER_ANSWER_TOKENS_MAX: usize = 160;
/// Bytes of the reader's JSON answer; the constraint refuses anything longer.
pub const READER_ANSWER_BYTES_MAX: usize = 512;
/// Facts the reader may propose for one utterance.
pub const READER_PROPOSALS_MAX: usize = 3;
/// Bytes of one span the reader copies from the utterance.
pub const READER_SPAN_BYTES_MAX: usize = 64;

const _: () = assert!(HANDOVER_PROMPT_BYTES_MAX >= 1_024 && HANDOVER_ANSWER_BYTES_MAX >= 512);
/// Bytes of an utterance the reader is shown (a longer one is not read by the model).
pub const READER_UTTERANCE_BYTES_MAX: usize = 1_024;

const _: () = assert!(READER_PROMPT_BYTES_MAX >= READER_UTTERANCE_BYTES_MAX + 512);
const _: () = assert!(READER_UTTERANCE_BYTES_MAX <= UTTERANCE_BYTES_MAX);
const _: () = assert!(READER_SPAN_BYTES_MAX <= READER_ANSWER_BYTES_MAX / 4);

// ---- llmrt: the language-model runtime (src/llm) ----

/// Bytes of a GGUF model file tccc opens (SmolLM2-135M Q4_1 is 100 MB; a 1B model ~1 GB).
pub const LLM_MODEL_FILE_BYTES_MAX: usize = 2 * 1024 * 1024 * 1024;
/// Metadata keys one GGUF file may hold.
pub const LLM_GGUF_KEYS_MAX: usize = 4_096;
/// Tensors one GGUF file may hold.
pub const LLM_GGUF_TENSORS_MAX: usize = 8_192;
/// Bytes of one GGUF string (a key, a token, a chat template).
pub const LLM_GGUF_STRING_BYTES_MAX: usize = 1024 * 1024;
/// Nesting of GGUF metadata arrays (arrays of arrays).
pub const LLM_GGUF_ARRAY_DEPTH_MAX: usize = 4;

const _: () = assert!(LLM_GGUF_STRING_BYTES_MAX < LLM_MODEL_FILE_BYTES_MAX);
/// Positions the language model's key/value cache holds at most (prompt and answer); the
/// cache is allocated at load for the context asked, up to this.
pub const LLM_CONTEXT_TOKENS_MAX: usize = 4_096;
/// The default context of a loaded model: the longest prompt plus answer the checked uses
/// need (a 600-token instruction block, an utterance or record, a 200-token answer).
pub const LLM_CONTEXT_TOKENS_DEFAULT: usize = 1_024;
/// Prompt tokens evaluated in one forward pass (scratch buffers are sized for it).
pub const LLM_BATCH_TOKENS_MAX: usize = 32;
/// Tokens a vocabulary may hold (Gemma 3 has 262 144).
pub const LLM_VOCABULARY_MAX: usize = 262_144;
/// Bytes of a prompt tccc hands the model.
pub const LLM_PROMPT_BYTES_MAX: usize = 16 * 1024;

const _: () = assert!(LLM_CONTEXT_TOKENS_DEFAULT <= LLM_CONTEXT_TOKENS_MAX);
const _: () =
    assert!(LLM_BATCH_TOKENS_MAX >= 1 && LLM_BATCH_TOKENS_MAX <= LLM_CONTEXT_TOKENS_DEFAULT);
/// Memory the language model may use: the mapped weights (SmolLM2-135M Q4_1: 100 MB), the
/// key/value cache (f32 of half-rounded values: 30 layers x 3 heads x 64 x 2 x 4 B = 46 kB
/// per position, 47 MB at the default 1 024) and scratch (< 2 MB). Design target on the
/// Jetson: <= 2 GB; SmolLM2-135M at the default context needs ~150 MB.
pub const LLM_MEMORY_BUDGET_BYTES: usize = 512 * 1024 * 1024;
/// Target for one checked-use response (prompt suffix plus a ~40-token answer) on the
/// Jetson (design: 0.3 to 0.5 s). Estimate for the Xavier NX made with the portable
/// kernels: ~4x slower per thread than this dev machine, so a 40-token answer after a
/// cached prefix takes ~2 s. The NEON kernels (`sdot` on its Carmel cores; branch neon)
/// replace them there, checked for results under qemu only: their speed is unmeasured.
pub const LLM_RESPONSE_LATENCY_TARGET_MS: u64 = 500;

const _: () = assert!(LLM_MEMORY_BUDGET_BYTES <= 2 * 1024 * 1024 * 1024);

// ---- watchdog: larger models unloaded in critical heat, soak summaries (src/watchdog, src/cli/soak.rs) ----

/// Larger models (the LLM, a non-default Whisper or fusion model) whose owners register
/// them with the watchdog to be unloaded in critical heat (`watchdog::residency`).
pub const WATCHDOG_MODELS_MAX: usize = 4;
/// The watchdog thread's own CPU a soak accepts, in hundredths of a percent of one core
/// (the bar: under 0.5 % at a 1 s poll).
pub const WATCHDOG_OWN_CPU_CENTI_PERCENT_MAX: u64 = 50;
/// How often a soak appends its summary to `--summary FILE` unless `--summary-every` says.
pub const SOAK_SUMMARY_INTERVAL_S: u64 = 600;

const _: () = assert!(WATCHDOG_MODELS_MAX >= 1 && WATCHDOG_MODELS_MAX <= 16);
const _: () = assert!(WATCHDOG_OWN_CPU_CENTI_PERCENT_MAX <= 100);
const _: () = assert!(SOAK_SUMMARY_INTERVAL_S >= 1);

// ---- asrlat (live latency: endpoint and speculation, src/segment, src/live) ----
/// Pool slots a provisional copy (speculation at a pause) may never take: finished
/// segments always find a slot for their start and a split's rest.
pub const SEGMENT_PROVISIONAL_RESERVE_SLOTS: usize = 2;

const _: () = assert!(SEGMENT_PROVISIONAL_RESERVE_SLOTS >= 2);
const _: () = assert!(SEGMENT_PROVISIONAL_RESERVE_SLOTS < SEGMENT_POOL_SLOTS_MAX);

// ---- llm: the language model's own thread (src/llm/worker.rs) ----

/// Requests the model's thread holds waiting (a handover and a reader request, and a
/// spare); a full ring refuses a request and counts a drop, never waits.
pub const LLM_REQUESTS_MAX: usize = 4;
/// Replies the model's thread holds for its client.
pub const LLM_REPLIES_MAX: usize = 8;
/// Bytes of one prompt sent to the model's thread (the longest checked-use prompt).
pub const LLM_WORKER_PROMPT_BYTES_MAX: usize = 8 * 1024;
/// Bytes of one answer sent back from the model's thread.
pub const LLM_REPLY_BYTES_MAX: usize = HANDOVER_ANSWER_BYTES_MAX;
/// Seconds the console waits for a `mist N prose` draft (the model's thread runs at the
/// lowest priority; ~6 s for a draft on an idle core here).
pub const LLM_DRAFT_WAIT_S: u64 = 60;

const _: () = assert!(LLM_REQUESTS_MAX >= 2 && LLM_REPLIES_MAX > LLM_REQUESTS_MAX);
const _: () = assert!(LLM_WORKER_PROMPT_BYTES_MAX >= HANDOVER_PROMPT_BYTES_MAX + 512);
const _: () = assert!(LLM_WORKER_PROMPT_BYTES_MAX >= READER_PROMPT_BYTES_MAX + 1_024);
const _: () = assert!(LLM_WORKER_PROMPT_BYTES_MAX <= LLM_PROMPT_BYTES_MAX);
const _: () = assert!(LLM_REPLY_BYTES_MAX >= READER_ANSWER_BYTES_MAX);

// ---- watch3: the report as rendered (tests/watchdog_report_render.rs) ----
/// The browser width in pixels `tccc report`'s page must fit in: its charts and margins
/// stay left of this (the render test screenshots it at this width in headless Chromium).
pub const REPORT_PAGE_WIDTH_PX: u32 = 1_000;

// A chart plus the page's side margins (2 em each) fits the width.
const _: () = assert!(REPORT_CHART_WIDTH_PX + 100 <= REPORT_PAGE_WIDTH_PX);

// ---- llm3: the recogniser beside the language model (src/cli/contention.rs) ----

/// The largest rise of the recogniser's latency (p50 and p95 of end of speech → text)
/// `tccc bench asr-llm` accepts while the language model decodes (issue 16's bar).
pub const CONTENTION_RISE_PERCENT_DEFAULT: f64 = 10.0;
/// Times `tccc bench asr-llm --repeat` may play the recording in one run.
pub const CONTENTION_REPEATS_MAX: usize = 20;
/// Rounds (an idle and a decoding run each) `tccc bench asr-llm --rounds` may run.
pub const CONTENTION_ROUNDS_MAX: usize = 20;
/// How long `tccc bench asr-llm` waits for the model's low-priority thread to run its
/// first step before a decoding run (other load may take every core).
pub const CONTENTION_LLM_START_WAIT_S: u64 = 60;

const _: () = assert!(CONTENTION_RISE_PERCENT_DEFAULT > 0.0);
const _: () = assert!(CONTENTION_REPEATS_MAX >= 1 && CONTENTION_ROUNDS_MAX >= 1);
const _: () = assert!(CONTENTION_LLM_START_WAIT_S >= 1);

/// Readings the analysis thread may have asked of the model's thread and not yet had
/// answered (`llm::reading`): every request the ring holds, the running one and every
/// reply waiting to be collected.
pub const READER_PENDING_MAX: usize = LLM_REQUESTS_MAX + 1 + LLM_REPLIES_MAX;
/// How long a run over a recording (no console after the input ends) waits for the
/// readings still asked of the model's thread before it closes.
pub const READER_DRAIN_WAIT_S: u64 = 30;

const _: () = assert!(READER_PENDING_MAX > LLM_REQUESTS_MAX);
const _: () = assert!(READER_DRAIN_WAIT_S >= 1 && READER_DRAIN_WAIT_S <= LLM_DRAFT_WAIT_S);
// ---- extract3: everyday settings in the scope cues (src/extract/scope.rs) ----

/// Distinct words of one everyday setting ("oil", "idled"; "the baby", "nurse") a sentence
/// must hold before the setting silences it: one such word alone is too weak a cue.
pub const SCOPE_SETTING_CUES_MIN: usize = 2;

const _: () = assert!(SCOPE_SETTING_CUES_MIN >= 2);
// ---- study15: nervous speech (src/extract/normalise.rs) ----

/// Words of a false start said again after a pause ("fifteen oh, fifteen oh six"); longer
/// repeats are left as said.
pub const STUTTER_REPEAT_WORDS_MAX: usize = 4;

const _: () = assert!(STUTTER_REPEAT_WORDS_MAX >= 2 && STUTTER_REPEAT_WORDS_MAX <= 8);

/// Vital signs' words in `extract/heard_doubt.toml` (`[two_sets] sign_words`); a longer list
/// is refused when the data is loaded.
pub const HEARD_SIGN_WORDS_MAX: usize = 32;
