//! `tccc bench frontend`: what the audio front end costs.
//!
//! Per-frame cost: the front end (resampler, VAD, segmenter) driven directly on this thread,
//! one VAD frame's worth of input per call, each call timed. Real-time factor: the same
//! audio through the threaded pipeline (capture → ring → frontend → segments) as fast as
//! possible, wall time over audio time, and the frontend thread's busy time over audio time
//! (its share of one core). The last line is JSON.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use crate::audio::source::WavSource;
use crate::audio::wav::WavReader;
use crate::demo::NARRATION_WAV;
use crate::frontend::pipeline::{FrontendPipeline, Pacing};
use crate::frontend::stats::FrontendStats;
use crate::frontend::Frontend;
use crate::limits::{BENCH_INPUT_BYTES_MAX, PIPELINE_RATE_HZ, VAD_FRAME_SAMPLES};
use crate::segment::{segment_channel, Overflow, SegmenterSettings};
use crate::vad::SileroVad;

use clap::{Args, Subcommand};

use super::common::{CliError, ConfigArg};
use super::segments::{frontend_error, positive_seconds};

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Front-end cost per 32 ms frame (p50/p99) and its real-time factor
    Frontend(FrontendBenchArgs),
    /// Live latency, end of speech to text (p50/p99), and the ASR real-time factor
    Asr(AsrBenchArgs),
    /// Language model: prompt evaluation and decoding tokens/s, wall and CPU time
    Llm(LlmBenchArgs),
    /// The recogniser's latency with the language model idle and decoding (its thread at
    /// the lowest priority, as in the service); fails when it rises by more than --max-rise %
    AsrLlm(AsrLlmBenchArgs),
}

/// `tccc bench asr-llm`.
#[derive(Debug, Args)]
pub struct AsrLlmBenchArgs {
    /// Recording to play (WAV; default: the bundled narration)
    #[arg(long, value_name = "FILE.wav")]
    pub input: Option<PathBuf>,
    /// Times the recording is played in each run
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub repeat: usize,
    /// Rounds, each an idle and a decoding run (alternating which comes first)
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub rounds: usize,
    /// GGUF model (default: the configuration's [llm] model)
    #[arg(long, value_name = "FILE.gguf")]
    pub model: Option<PathBuf>,
    /// Largest accepted rise of the latency's p50 and p95, in percent
    #[arg(long, value_name = "PCT", default_value_t = crate::limits::CONTENTION_RISE_PERCENT_DEFAULT)]
    pub max_rise: f64,
    #[command(flatten)]
    pub config: ConfigArg,
}

/// `tccc bench llm`.
#[derive(Debug, Args)]
pub struct LlmBenchArgs {
    /// GGUF model (default: models/smollm2-135m)
    #[arg(long, value_name = "FILE.gguf")]
    pub model: Option<PathBuf>,
    /// Threads of the matrix products
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub threads: usize,
    /// Tokens to decode per run
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub tokens: usize,
    /// Runs (prompt evaluation and decoding each)
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub runs: usize,
}

/// `tccc bench frontend`.
#[derive(Debug, Args)]
pub struct FrontendBenchArgs {
    /// Audio to loop (WAV; default: the bundled narration)
    #[arg(long, value_name = "FILE.wav")]
    pub input: Option<PathBuf>,
    /// Seconds of audio to run (the input is repeated; 1 to 3600)
    #[arg(long, value_name = "N", default_value_t = 120.0, value_parser = positive_seconds)]
    pub seconds: f64,
    #[command(flatten)]
    pub config: ConfigArg,
}

/// `tccc bench asr`.
#[derive(Debug, Args)]
pub struct AsrBenchArgs {
    /// Narration to play (WAV; default: the bundled narration)
    #[arg(long, value_name = "FILE.wav")]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArg,
}

/// Runs `tccc bench …`.
pub fn run(which: &BenchCommand) -> Result<(), CliError> {
    match which {
        BenchCommand::Frontend(args) => frontend(args),
        BenchCommand::Asr(args) => asr(args),
        BenchCommand::Llm(args) => llm(args),
        BenchCommand::AsrLlm(args) => asr_llm(args),
    }
}

fn asr_llm(args: &AsrLlmBenchArgs) -> Result<(), CliError> {
    let config = args.config.load()?;
    let options = super::contention::Options {
        input: args.input.clone(),
        repeat: args.repeat,
        rounds: args.rounds,
        model: args.model.clone(),
        max_rise_percent: args.max_rise,
    };
    let report = super::contention::measure(&config, &options, true)?;
    print!("{}", report.render());
    if report.passed() {
        Ok(())
    } else {
        Err(CliError::Internal(format!(
            "the recogniser's latency rose by more than {} % while the language model decoded",
            args.max_rise
        )))
    }
}

/// The prompt `tccc bench llm` evaluates (defined beside `bench asr-llm`, which decodes
/// it too).
pub use super::contention::LLM_BENCH_PROMPT;

fn llm(args: &LlmBenchArgs) -> Result<(), CliError> {
    use crate::llm::{Llm, LlmOptions};
    use crate::nn::cpu_time::process_cpu_seconds;
    let path = args
        .model
        .clone()
        .unwrap_or_else(crate::llm::default_model_path);
    let options = LlmOptions {
        threads: args.threads.max(1),
        ..LlmOptions::default()
    };
    let mut model =
        Llm::load_with(&path, &options).map_err(|error| CliError::BadInput(error.to_string()))?;
    let mut prompt = Vec::new();
    model
        .tokenizer()
        .encode(LLM_BENCH_PROMPT, true, true, &mut prompt);
    let fail = |error: crate::llm::LlmError| CliError::Internal(error.to_string());
    let mut generated = Vec::with_capacity(args.tokens);
    // Warm-up run (page the weights in).
    model.greedy_ids(&prompt, 4, &mut generated).map_err(fail)?;
    let (mut prompt_wall, mut prompt_cpu, mut decode_wall, mut decode_cpu) = (0.0, 0.0, 0.0, 0.0);
    for _ in 0..args.runs.max(1) {
        // A fresh prompt each run: drop the cache by evaluating from a different first token.
        model.reset();
        generated.clear();
        let (wall, cpu) = (Instant::now(), process_cpu_seconds());
        model.greedy_ids(&prompt, 0, &mut generated).map_err(fail)?;
        prompt_wall += wall.elapsed().as_secs_f64();
        prompt_cpu += process_cpu_seconds() - cpu;
        let (wall, cpu) = (Instant::now(), process_cpu_seconds());
        model
            .continue_greedy(args.tokens, &mut generated)
            .map_err(fail)?;
        decode_wall += wall.elapsed().as_secs_f64();
        decode_cpu += process_cpu_seconds() - cpu;
    }
    let runs = args.runs.max(1) as f64;
    let prompt_tokens = prompt.len() as f64 * runs;
    let decode_tokens = args.tokens as f64 * runs;
    println!(
        "prompt: {} tokens, {:.1} tokens/s wall, {:.1} tokens/s CPU",
        prompt.len(),
        prompt_tokens / prompt_wall,
        prompt_tokens / prompt_cpu
    );
    println!(
        "decode: {} tokens, {:.1} tokens/s wall, {:.1} tokens/s CPU",
        args.tokens,
        decode_tokens / decode_wall,
        decode_tokens / decode_cpu
    );
    println!(
        "{{\"prompt_tokens\":{},\"threads\":{},\"prompt_tps_wall\":{:.2},\"prompt_tps_cpu\":{:.2},\"decode_tps_wall\":{:.2},\"decode_tps_cpu\":{:.2}}}",
        prompt.len(),
        options.threads,
        prompt_tokens / prompt_wall,
        prompt_tokens / prompt_cpu,
        decode_tokens / decode_wall,
        decode_tokens / decode_cpu
    );
    Ok(())
}

fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    crate::files::read_bounded(path, BENCH_INPUT_BYTES_MAX)
        .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))
}

fn read_all(bytes: Vec<u8>, name: &str) -> Result<(Vec<f32>, u32), CliError> {
    WavReader::new(Cursor::new(bytes))
        .and_then(crate::audio::wav::read_all_mono)
        .map(|(samples, format)| (samples, format.sample_rate_hz))
        .map_err(|e| CliError::BadInput(format!("{name}: {e}")))
}

fn percentile(sorted: &[u64], quantile: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let index = ((sorted.len() - 1) as f64 * quantile).round() as usize;
    sorted[index]
}

fn frontend(args: &FrontendBenchArgs) -> Result<(), CliError> {
    let config = args.config.load()?;
    let seconds = args.seconds.clamp(1.0, 3_600.0);
    let (clip, rate) = match &args.input {
        Some(path) => read_all(read_file(path)?, &path.display().to_string())?,
        None => read_all(NARRATION_WAV.to_vec(), "bundled narration")?,
    };
    if clip.is_empty() {
        return Err(CliError::BadInput("the input holds no samples".to_owned()));
    }
    let wanted = (seconds * f64::from(rate)) as usize;
    let audio: Vec<f32> = clip.iter().copied().cycle().take(wanted).collect();
    let audio_s = audio.len() as f64 / f64::from(rate);
    let weights = config
        .vad_weights_path()
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let load_vad = || SileroVad::load(&weights).map_err(|e| CliError::BadInput(e.to_string()));

    // Per-frame cost, single thread.
    let stats = Arc::new(FrontendStats::default());
    let (segmenter, mut receiver) = segment_channel(
        SegmenterSettings::from_config(&config.vad),
        Overflow::Drop,
        Arc::clone(&stats),
    );
    let mut frontend = Frontend::new(rate, load_vad()?, segmenter, Arc::clone(&stats))
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let step =
        (VAD_FRAME_SAMPLES as u64 * u64::from(rate) / u64::from(PIPELINE_RATE_HZ)).max(1) as usize;
    let mut costs: Vec<u64> = Vec::with_capacity(audio.len() / step + 1);
    for chunk in audio.chunks(step) {
        let started = Instant::now();
        frontend.process(chunk);
        costs.push(u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX));
        while let Some(slot) = receiver.try_next() {
            receiver.release(slot);
        }
    }
    costs.sort_unstable();
    let frame_budget_ns = VAD_FRAME_SAMPLES as f64 / f64::from(PIPELINE_RATE_HZ) * 1e9;
    let p50 = percentile(&costs, 0.50);
    let p99 = percentile(&costs, 0.99);
    let single_thread_rtf = costs.iter().sum::<u64>() as f64 / (audio_s * 1e9);

    // End to end through the threads.
    let source = WavSource::from_reader(
        Cursor::new(
            crate::audio::wav::encode_mono_i16(&audio, rate)
                .map_err(|e| CliError::Internal(e.to_string()))?,
        ),
        "bench audio",
    )
    .map_err(|e| CliError::Internal(e.to_string()))?;
    let started = Instant::now();
    let mut pipeline = FrontendPipeline::start_with_vad(
        Box::new(source),
        &config,
        Pacing::AsFastAsPossible,
        load_vad()?,
    )
    .map_err(frontend_error)?;
    let mut segments = 0u64;
    while let Some(segment) = pipeline.next_segment() {
        segments += 1;
        pipeline.release(segment);
    }
    let pipeline_stats = Arc::clone(pipeline.stats());
    pipeline.join().map_err(frontend_error)?;
    let wall_rtf = started.elapsed().as_secs_f64() / audio_s;
    let busy_rtf = pipeline_stats.frontend_busy_ns.load(Ordering::Relaxed) as f64 / (audio_s * 1e9);

    println!(
        "front end on {audio_s:.0} s of audio at {rate} Hz ({} VAD frames)",
        costs.len()
    );
    println!("  per frame (32 ms of audio): p50 {p50} ns, p99 {p99} ns ({:.2} % / {:.2} % of the frame's duration)", p50 as f64 / frame_budget_ns * 100.0, p99 as f64 / frame_budget_ns * 100.0);
    println!(
        "  single thread: RTF {single_thread_rtf:.4} ({:.2} % of one core)",
        single_thread_rtf * 100.0
    );
    println!("  threaded pipeline: wall RTF {wall_rtf:.4}, frontend thread busy {:.2} % of one core, {segments} segments", busy_rtf * 100.0);
    println!(
        "{{\"audio_s\": {audio_s:.1}, \"rate_hz\": {rate}, \"frame_ns_p50\": {p50}, \"frame_ns_p99\": {p99}, \"rtf\": {single_thread_rtf:.5}, \"pipeline_wall_rtf\": {wall_rtf:.5}, \"frontend_busy_rtf\": {busy_rtf:.5}, \"segments\": {segments}}}"
    );
    Ok(())
}

fn asr(args: &AsrBenchArgs) -> Result<(), CliError> {
    let config = args.config.load()?;
    let (source, audio_s): (Box<dyn crate::audio::source::AudioSource>, f64) = match &args.input {
        Some(path) => {
            let name = path.display().to_string();
            let bytes = read_file(path)?;
            let (samples, rate) = read_all(bytes.clone(), &name)?;
            let source = WavSource::from_reader(Cursor::new(bytes), &name)
                .map_err(|e| CliError::BadInput(format!("{name}: {e}")))?;
            (Box::new(source), samples.len() as f64 / f64::from(rate))
        }
        None => {
            let (samples, rate) = read_all(NARRATION_WAV.to_vec(), "bundled narration")?;
            let source = WavSource::from_reader(Cursor::new(NARRATION_WAV), "bundled narration")
                .map_err(|e| CliError::Internal(e.to_string()))?;
            (Box::new(source), samples.len() as f64 / f64::from(rate))
        }
    };
    let model_dir = config
        .asr_model_dir()
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let transcriber = crate::live::load_transcriber(&model_dir, &config.asr_config())
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let mut extractor = crate::extract::Extractor::new(crate::extract::ExtractorConfig::default());
    let cpu_started = crate::nn::cpu_time::process_cpu_seconds();
    let mut pipeline =
        crate::live::LivePipeline::start(source, &config, Pacing::RealTime, transcriber)
            .map_err(|e| CliError::BadInput(e.to_string()))?;
    let started = pipeline.started();
    // Per utterance, in ms: end of speech → text, the hangover waited (audio time), endpoint
    // decision → text, queueing before the recogniser, log-mel, encoder, decoder, extractor.
    let mut columns: [Vec<u64>; 8] = Default::default();
    let mut speculative = 0;
    let mut index = 0u32;
    while let Some(heard) = pipeline.next_utterance() {
        // Paced input: wall time since the start is audio time.
        let at = |instant: Instant| instant.saturating_duration_since(started).as_secs_f64();
        let heard_at = at(heard.ready_at);
        let latency_ms = ((heard_at - heard.speech_end_s) * 1000.0).max(0.0);
        let hangover_ms = (heard.endpoint_s - heard.speech_end_s) * 1000.0;
        let after_endpoint_ms = ((heard_at - heard.endpoint_s) * 1000.0).max(0.0);
        let queue_ms = if heard.speculative {
            0.0
        } else {
            ((at(heard.asr_started_at) - heard.endpoint_s) * 1000.0).max(0.0)
        };
        let mel_ms = f64::from(heard.mel_seconds) * 1000.0;
        let encoder_ms = f64::from(heard.encode_seconds - heard.mel_seconds) * 1000.0;
        let decoder_ms = f64::from(heard.decode_seconds) * 1000.0;
        let extract_started = Instant::now();
        let _ = extractor.push_heard(
            index,
            heard.text.as_str(),
            &heard.words,
            heard.start_s,
            heard.end_s,
        );
        let extract_ms = extract_started.elapsed().as_secs_f64() * 1000.0;
        index += 1;
        speculative += usize::from(heard.speculative);
        println!(
            "[{:>6.2}–{:>6.2}] {latency_ms:>5.0} ms after the speech ended: hangover \
             {hangover_ms:>3.0}, then {after_endpoint_ms:>3.0} (queue {queue_ms:>3.0}, mel \
             {mel_ms:>2.0}, encoder {encoder_ms:>3.0}, decoder {decoder_ms:>3.0}{}); \
             extractor {extract_ms:.1}: {}",
            heard.start_s,
            heard.end_s,
            if heard.speculative { ", ahead" } else { "" },
            heard.text
        );
        for (column, value) in columns.iter_mut().zip([
            latency_ms,
            hangover_ms,
            after_endpoint_ms,
            queue_ms,
            mel_ms,
            encoder_ms,
            decoder_ms,
            extract_ms * 1000.0,
        ]) {
            column.push(value.max(0.0) as u64);
        }
    }
    let summary = pipeline
        .join()
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let cpu_s = crate::nn::cpu_time::process_cpu_seconds() - cpu_started;
    for column in &mut columns {
        column.sort_unstable();
    }
    let [latency, hangover, after_endpoint, queue, mel, encoder, decoder, extract_us] = &columns;
    let rtf = summary.asr_busy_s / audio_s;
    let spec = summary.speculation;
    println!(
        "{} utterance(s) in {audio_s:.1} s of audio; latency p50 {} ms, p95 {} ms, p99 {} ms; \
         ASR RTF {rtf:.3}; CPU {cpu_s:.1} s ({:.2} cores); {} ASR-thread allocation(s)",
        latency.len(),
        percentile(latency, 0.5),
        percentile(latency, 0.95),
        percentile(latency, 0.99),
        cpu_s / audio_s,
        summary.asr_allocations
    );
    println!(
        "  p50 per part: hangover {} ms (full {} ms, certain {} ms), endpoint → text {} ms \
         (queue {}, mel {}, encoder {}, decoder {}), extractor {} µs",
        percentile(hangover, 0.5),
        config.vad.min_silence_ms,
        config.vad.confident_silence_ms,
        percentile(after_endpoint, 0.5),
        percentile(queue, 0.5),
        percentile(mel, 0.5),
        percentile(encoder, 0.5),
        percentile(decoder, 0.5),
        percentile(extract_us, 0.5)
    );
    println!(
        "  p95 per part: hangover {} ms, endpoint → text {} ms (queue {}, mel {}, encoder {}, \
         decoder {})",
        percentile(hangover, 0.95),
        percentile(after_endpoint, 0.95),
        percentile(queue, 0.95),
        percentile(mel, 0.95),
        percentile(encoder, 0.95),
        percentile(decoder, 0.95)
    );
    println!(
        "  transcribed ahead at a pause: {} (used {}, thrown away {}, skipped as stale {}); \
         {speculative} utterance(s) ready at the endpoint",
        spec.decoded, spec.reused, spec.wasted, spec.stale
    );
    println!(
        "{{\"utterances\": {}, \"latency_ms_p50\": {}, \"latency_ms_p95\": {}, \
         \"latency_ms_p99\": {}, \"hangover_ms_p50\": {}, \"hangover_ms_p95\": {}, \
         \"endpoint_to_text_ms_p50\": {}, \"endpoint_to_text_ms_p95\": {}, \
         \"queue_ms_p50\": {}, \"queue_ms_p95\": {}, \"rtf\": {rtf:.4}, \
         \"cpu_s\": {cpu_s:.2}, \"speculative_reused\": {}, \"speculative_wasted\": {}}}",
        latency.len(),
        percentile(latency, 0.5),
        percentile(latency, 0.95),
        percentile(latency, 0.99),
        percentile(hangover, 0.5),
        percentile(hangover, 0.95),
        percentile(after_endpoint, 0.5),
        percentile(after_endpoint, 0.95),
        percentile(queue, 0.5),
        percentile(queue, 0.95),
        spec.reused,
        spec.wasted
    );
    Ok(())
}
