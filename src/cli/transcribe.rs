//! `tccc transcribe --input FILE.wav [--input FILE.wav …] [--model DIR] [options]`: runs the Whisper engine on
//! 16 kHz mono WAVs (up to 30 s each, one segment each) and prints the text. A check and
//! comparison tool for the engine (scripts/compare-asr); the live pipeline uses
//! `tccc process`. With `--tsv`, each file gives
//! `file<TAB>wall ms<TAB>CPU ms (all threads)<TAB>verdict<TAB>text` after a warm-up, so the
//! times are steady-state latencies. `--timestamps` decodes Whisper's timestamp tokens and
//! prints each timed piece as `[start–end] text` (seconds from the start of the file);
//! `--int8` stores the decoder's weights as int8.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};

use super::common::CliError;
use crate::asr::{AsrConfig, DecoderWeights, EncoderWindow, Transcriber};
use crate::limits::{ASR_BEAM_WIDTH_MAX, ASR_THREADS_MAX, WAV_16K_BYTES_MAX};

/// `tccc transcribe`.
#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// A 16 kHz mono WAV (PCM-16 or mu-law), ≤ 30 s; repeat for several files
    #[arg(long, value_name = "FILE.wav", required = true)]
    pub input: Vec<PathBuf>,
    /// The Whisper model folder (CTranslate2 or Hugging Face; default: the configured
    /// model in the models folder, models/whisper-tiny.en)
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// What the encoder runs on: the segment with cached padding, the segment alone
    /// (with a floor), or the full 30 s window
    #[arg(long, value_enum, default_value_t = Window::Cached)]
    pub window: Window,
    /// Frames (10 ms) of padding encoded after the speech (cached window)
    #[arg(long, value_name = "FRAMES")]
    pub padding_margin: Option<usize>,
    /// Shortest encoder window in frames (segment window)
    #[arg(long, value_name = "FRAMES")]
    pub window_min: Option<usize>,
    /// Threads for the matrix products
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=ASR_THREADS_MAX as i64))]
    pub threads: Option<u8>,
    /// Beam width (1: greedy)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=ASR_BEAM_WIDTH_MAX as i64))]
    pub beam: Option<u8>,
    /// Decode Whisper's timestamp tokens and print `[start–end] text` pieces
    #[arg(long)]
    pub timestamps: bool,
    /// Store the decoder's weights as int8
    #[arg(long)]
    pub int8: bool,
    /// An initial prompt (faster-whisper's layout)
    #[arg(long, value_name = "TEXT")]
    pub prompt: Option<String>,
    /// Shallow-fusion weight of the domain language model (0: off)
    #[arg(long, value_name = "LAMBDA")]
    pub lm_weight: Option<f32>,
    /// Per-token length bonus under fusion
    #[arg(long, value_name = "BONUS")]
    pub lm_length_bonus: Option<f32>,
    /// Per-token bonus along a clinical term, kept when the term completes (0: off)
    #[arg(long, value_name = "BONUS")]
    pub term_bonus: Option<f32>,
    /// A language-model file (default: built from the lexicon at load)
    #[arg(long, value_name = "FILE")]
    pub lm_file: Option<PathBuf>,
    /// With --tsv: a sixth column with each word and its confidence (word:0.93 …)
    #[arg(long)]
    pub words: bool,
    /// One line per file after a warm-up:
    /// file, wall ms, CPU ms, verdict, text (tab-separated)
    #[arg(long)]
    pub tsv: bool,
    /// Decoding details on standard error
    #[arg(long)]
    pub verbose: bool,
}

/// `--window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Window {
    /// The segment (+ a margin), the rest of the 30 s window from the cached silence
    Cached,
    /// The segment alone, with a floor (`--window-min`)
    Segment,
    /// The full 30 s window
    Full,
}

impl TranscribeArgs {
    /// The recogniser's settings these options ask for (defaults elsewhere).
    pub fn asr_config(&self) -> AsrConfig {
        let mut config = AsrConfig {
            encoder_window: match self.window {
                Window::Cached => EncoderWindow::CachedPadding,
                Window::Segment => EncoderWindow::Segment,
                Window::Full => EncoderWindow::Full,
            },
            timestamps: self.timestamps,
            initial_prompt: self.prompt.clone(),
            ..AsrConfig::default()
        };
        if let Some(frames) = self.padding_margin {
            config.padding_margin_frames = frames;
        }
        if let Some(frames) = self.window_min {
            config.segment_window_frames_min = frames;
        }
        if let Some(threads) = self.threads {
            config.threads = usize::from(threads);
        }
        if let Some(beam) = self.beam {
            config.beam_width = usize::from(beam);
        }
        if self.int8 {
            config.decoder_weights = DecoderWeights::Int8;
        }
        let defaults = crate::config::Config::default();
        config.lm_weight = self.lm_weight.unwrap_or(defaults.asr.lm_weight);
        config.lm_length_bonus = self.lm_length_bonus.unwrap_or(defaults.asr.lm_length_bonus);
        config.term_bonus = self.term_bonus.unwrap_or(defaults.asr.term_bonus);
        config.lm_file = self.lm_file.clone().or_else(|| defaults.asr_lm_file());
        config
    }
}

/// Runs the subcommand.
pub fn run(args: &TranscribeArgs) -> Result<(), CliError> {
    let config = args.asr_config();
    let model_dir = match &args.model {
        Some(dir) => dir.clone(),
        None => crate::config::Config::default()
            .asr_model_dir()
            .map_err(|error| CliError::BadInput(error.to_string()))?,
    };
    let (inputs, tsv, verbose) = (&args.input, args.tsv, args.verbose);
    let started = Instant::now();
    let mut transcriber = Transcriber::load(&model_dir, &config)
        .map_err(|error| CliError::BadInput(error.to_string()))?;
    if tsv {
        transcriber
            .warm_up()
            .map_err(|error| CliError::Internal(error.to_string()))?;
    }
    let loaded = started.elapsed();
    for input in inputs {
        let samples = read_wav_16k_mono(input)?;
        let started = Instant::now();
        let cpu_started = crate::nn::cpu_time::process_cpu_seconds();
        let result = transcriber
            .transcribe(&samples)
            .map_err(|error| CliError::BadInput(format!("{}: {error}", input.display())))?;
        let elapsed = started.elapsed();
        let cpu = crate::nn::cpu_time::process_cpu_seconds() - cpu_started;
        let text = result.map(|transcript| transcript.text().to_owned());
        let t = transcriber.last_transcript();
        if tsv {
            let words = if args.words && text.is_some() {
                let listed: Vec<String> = t
                    .words()
                    .iter()
                    .map(|word| {
                        let spelled = t
                            .text()
                            .get(word.start as usize..word.end as usize)
                            .unwrap_or_default();
                        format!("{spelled}:{:.3}", word.confidence)
                    })
                    .collect();
                format!("\t{}", listed.join(" "))
            } else {
                String::new()
            };
            println!(
                "{}\t{:.1}\t{:.1}\t{:?}\t{}{words}",
                input.display(),
                elapsed.as_secs_f64() * 1e3,
                cpu * 1e3,
                t.verdict,
                text.as_deref().unwrap_or("")
            );
        } else if config.timestamps && !t.pieces().is_empty() {
            for piece in t.pieces() {
                println!(
                    "[{:.2}–{:.2}] {}",
                    piece.start_seconds,
                    piece.end_seconds,
                    t.piece_text(piece)
                );
            }
        } else if let Some(text) = &text {
            println!("{text}");
        }
        if verbose {
            eprintln!(
                "{}: verdict {:?}, tokens {:?}, avg_logprob {:.3}, no_speech {:.3}, compression \
                 {:.2}, encoder frames {} (encode {:.0} ms, {:.1} GFLOP at {:.1} GFLOP/s per \
                 CPU-second; decode {:.0} ms), load {:.0} ms, \
                 transcribe {:.0} ms, audio {:.2} s",
                input.display(),
                t.verdict,
                t.tokens(),
                t.avg_logprob,
                t.no_speech_prob,
                t.compression_ratio,
                t.encoder_frames,
                t.encode_seconds * 1e3,
                t.encode_flops as f64 * 1e-9,
                t.encode_flops as f64 * 1e-9 / f64::from(t.encode_cpu_seconds.max(1e-6)),
                t.decode_seconds * 1e3,
                loaded.as_secs_f64() * 1e3,
                elapsed.as_secs_f64() * 1e3,
                samples.len() as f64 / 16_000.0
            );
        }
    }
    Ok(())
}

/// G.711 mu-law expansion of one code to 16-bit PCM (the ASR fixtures are stored this way).
pub fn mu_law_to_pcm16(code: u8) -> i16 {
    let inverted = !code;
    let exponent = (inverted >> 4) & 0x07;
    let mantissa = i32::from(inverted & 0x0f);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    let value = if inverted & 0x80 != 0 {
        -magnitude
    } else {
        magnitude
    };
    value as i16
}

/// Reads a 16 kHz mono WAV, PCM-16 or G.711 mu-law (what the fixtures use).
pub fn read_wav_16k_mono(path: &Path) -> Result<Vec<f32>, CliError> {
    let bytes = crate::files::read_bounded(path, WAV_16K_BYTES_MAX)
        .map_err(|error| CliError::BadInput(format!("{}: cannot read: {error}", path.display())))?;
    wav_16k_mono(&bytes, &path.display().to_string())
}

/// [`read_wav_16k_mono`] on a file's bytes; `name` goes into the error.
pub fn wav_16k_mono(bytes: &[u8], name: &str) -> Result<Vec<f32>, CliError> {
    let bad = |what: &str| CliError::BadInput(format!("{name}: {what}"));
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(bad("not a RIFF/WAVE file"));
    }
    let mut position = 12;
    let mut format: Option<(u16, u16, u32, u16)> = None;
    while position + 8 <= bytes.len() {
        let id = &bytes[position..position + 4];
        let size = u32::from_le_bytes([
            bytes[position + 4],
            bytes[position + 5],
            bytes[position + 6],
            bytes[position + 7],
        ]) as usize;
        let body_start = position + 8;
        let body_end = body_start
            .checked_add(size)
            .filter(|&end| end <= bytes.len());
        match id {
            b"fmt " => {
                let body = bytes
                    .get(body_start..body_start + 16)
                    .ok_or_else(|| bad("fmt chunk is truncated"))?;
                let tag = u16::from_le_bytes([body[0], body[1]]);
                let channels = u16::from_le_bytes([body[2], body[3]]);
                let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
                let bits = u16::from_le_bytes([body[14], body[15]]);
                format = Some((tag, channels, rate, bits));
            }
            b"data" => {
                let (tag, channels, rate, bits) =
                    format.ok_or_else(|| bad("data chunk before fmt chunk"))?;
                let mu_law = tag == 7 && bits == 8;
                if !(tag == 1 && bits == 16 || mu_law) || channels != 1 || rate != 16_000 {
                    return Err(bad(&format!(
                        "is {channels}-channel {rate} Hz {bits}-bit (format {tag}); `tccc transcribe` \
                         takes 16 kHz mono PCM-16 or mu-law (convert with `sox IN -r 16000 -c 1 -b 16 OUT.wav`)"
                    )));
                }
                let end = body_end.unwrap_or(bytes.len());
                if mu_law {
                    return Ok(bytes[body_start..end]
                        .iter()
                        .map(|&code| f32::from(mu_law_to_pcm16(code)) / 32_768.0)
                        .collect());
                }
                return Ok(bytes[body_start..end]
                    .chunks_exact(2)
                    .map(|pair| f32::from(i16::from_le_bytes([pair[0], pair[1]])) / 32_768.0)
                    .collect());
            }
            _ => {}
        }
        position = body_start + size + (size & 1);
    }
    Err(bad("has no data chunk"))
}
