//! `tccc bench asr-llm`: does the language model slow the recogniser down?
//!
//! The live pipeline (front end, Whisper, paced in real time as a sound card would) hears
//! the same recording several times. The language model is loaded on its own thread as
//! the service runs it (`llm::worker::open`: one product thread, SCHED_IDLE or nice 19)
//! and is either idle (parked, as between requests) or decoding without a pause (a
//! handover request, again as soon as one ends). Runs alternate idle/decoding, then
//! decoding/idle, round after round, so a drift in the machine's other load falls on both.
//! For each condition the report gives end of speech → text (the latency the medic sees)
//! and the recogniser's own time per utterance at p50 and p95, the ratio decoding/idle,
//! wall and CPU time, the model's tokens and the scheduling policy the kernel reports for
//! the model's thread. The command fails (exit 1) when the recogniser's latency (p50 or
//! p95 of end of speech → text) rose by more than `--max-rise` percent.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::audio::source::WavSource;
use crate::config::Config;
use crate::frontend::pipeline::Pacing;
use crate::limits::{
    CONTENTION_LLM_START_WAIT_S, CONTENTION_REPEATS_MAX, CONTENTION_RISE_PERCENT_DEFAULT,
    CONTENTION_ROUNDS_MAX, HANDOVER_ANSWER_TOKENS_MAX,
};
use crate::llm::worker::{LlmWorker, Task};

use super::common::CliError;

/// The prompt `tccc bench llm` evaluates (the same text scripts/compare-llm gives
/// llama.cpp): a chat prompt of about 100 tokens; `bench asr-llm` decodes answers to it.
pub const LLM_BENCH_PROMPT: &str = "<|im_start|>system\nYou write short, factual handover notes for a combat medic. Use only the facts given; never invent a value. Keep every number exactly as written.<|im_end|>\n<|im_start|>user\nCasualty one, male, gunshot wound to the left thigh with heavy bleeding. Tourniquet applied at 14:32. Pulse 120, respiratory rate 22, blood pressure 100 over 60, SpO2 94 percent. Morphine 10 mg IV at 14:40. Write the handover.<|im_end|>\n<|im_start|>assistant\n";

/// What the language model's thread does during a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Load {
    /// Loaded and parked (the service between requests).
    Idle,
    /// Decoding one request after another.
    Decoding,
}

impl Load {
    fn name(self) -> &'static str {
        match self {
            Load::Idle => "idle",
            Load::Decoding => "decoding",
        }
    }
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// The recording (16 kHz or any rate the front end takes); `None`: the bundled narration.
    pub input: Option<PathBuf>,
    /// Times the recording is played in each run (1 to `CONTENTION_REPEATS_MAX`).
    pub repeat: usize,
    /// Rounds, each one idle run and one decoding run (1 to `CONTENTION_ROUNDS_MAX`).
    pub rounds: usize,
    /// The GGUF model; `None`: the configuration's `[llm] model`.
    pub model: Option<PathBuf>,
    /// The largest rise of the recogniser's latency accepted, in percent.
    pub max_rise_percent: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            input: None,
            repeat: 2,
            rounds: 2,
            model: None,
            max_rise_percent: CONTENTION_RISE_PERCENT_DEFAULT,
        }
    }
}

/// One run of the pipeline over the recording.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub round: usize,
    pub load: Load,
    /// Per utterance: end of speech → text ready, ms.
    pub latency_ms: Vec<f64>,
    /// Per utterance: the recogniser's own time (log-mel, encoder, decoder), ms.
    pub recogniser_ms: Vec<f64>,
    /// Wall time of the run, s.
    pub wall_s: f64,
    /// CPU time of the whole process during the run, s.
    pub cpu_s: f64,
    /// Of `cpu_s`, the language model's thread, s (`None` where the kernel does not say).
    pub llm_cpu_s: Option<f64>,
    /// Tokens the model wrote during the run.
    pub llm_tokens: u64,
    /// Seconds the recogniser thread was busy.
    pub asr_busy_s: f64,
}

/// p50 and p95 of a set of values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantiles {
    pub count: usize,
    pub p50: f64,
    pub p95: f64,
}

impl Quantiles {
    /// Nearest-rank quantiles (as `bench asr`); zeros for no values.
    pub fn of(values: &[f64]) -> Quantiles {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| {
            if sorted.is_empty() {
                0.0
            } else {
                sorted[((sorted.len() - 1) as f64 * q).round() as usize]
            }
        };
        Quantiles {
            count: sorted.len(),
            p50: at(0.50),
            p95: at(0.95),
        }
    }
}

/// One measure in both conditions, and its rise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Compared {
    pub idle: Quantiles,
    pub decoding: Quantiles,
}

impl Compared {
    /// All runs of each condition pooled.
    pub fn of(runs: &[Run], measure: fn(&Run) -> &[f64]) -> Compared {
        let pooled = |load: Load| -> Vec<f64> {
            runs.iter()
                .filter(|r| r.load == load)
                .flat_map(|r| measure(r).iter().copied())
                .collect()
        };
        Compared {
            idle: Quantiles::of(&pooled(Load::Idle)),
            decoding: Quantiles::of(&pooled(Load::Decoding)),
        }
    }

    /// Decoding over idle at p50 and p95 (1.0 when idle is 0).
    pub fn ratios(&self) -> (f64, f64) {
        let ratio = |busy: f64, idle: f64| if idle > 0.0 { busy / idle } else { 1.0 };
        (
            ratio(self.decoding.p50, self.idle.p50),
            ratio(self.decoding.p95, self.idle.p95),
        )
    }

    /// Whether neither p50 nor p95 rose by more than `max_rise_percent`.
    pub fn within(&self, max_rise_percent: f64) -> bool {
        let (p50, p95) = self.ratios();
        let bound = 1.0 + max_rise_percent / 100.0;
        p50 <= bound && p95 <= bound
    }
}

/// The whole measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub runs: Vec<Run>,
    /// End of speech → text.
    pub latency: Compared,
    /// The recogniser's own time per utterance.
    pub recogniser: Compared,
    /// The model thread's scheduling as the kernel reports it ("SCHED_IDLE", "SCHED_OTHER
    /// nice 19", …) and what the worker was granted.
    pub llm_policy: String,
    pub max_rise_percent: f64,
}

impl Report {
    /// Whether the recogniser's latency stayed within the bar.
    pub fn passed(&self) -> bool {
        self.latency.within(self.max_rise_percent)
    }

    /// Sum over the runs of one condition.
    pub fn total(&self, load: Load, value: fn(&Run) -> f64) -> f64 {
        self.runs.iter().filter(|r| r.load == load).map(value).sum()
    }

    /// The report as printed: one line per run, the comparison, then one JSON line.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for run in &self.runs {
            let latency = Quantiles::of(&run.latency_ms);
            let recogniser = Quantiles::of(&run.recogniser_ms);
            let _ = writeln!(
                out,
                "round {} {:<8} {} utterance(s): latency p50 {:.0} ms p95 {:.0} ms, \
                 recogniser p50 {:.0} ms p95 {:.0} ms; wall {:.1} s, CPU {:.1} s (model \
                 thread {}), ASR busy {:.1} s, model tokens {}",
                run.round + 1,
                run.load.name(),
                latency.count,
                latency.p50,
                latency.p95,
                recogniser.p50,
                recogniser.p95,
                run.wall_s,
                run.cpu_s,
                run.llm_cpu_s
                    .map_or("unknown".to_owned(), |s| format!("{s:.1} s")),
                run.asr_busy_s,
                run.llm_tokens
            );
        }
        let line = |name: &str, c: &Compared| {
            let (p50, p95) = c.ratios();
            format!(
                "{name}: idle p50 {:.0} ms p95 {:.0} ms; decoding p50 {:.0} ms p95 {:.0} ms; \
                 ratio p50 {p50:.3} p95 {p95:.3}",
                c.idle.p50, c.idle.p95, c.decoding.p50, c.decoding.p95
            )
        };
        let _ = writeln!(out, "{}", line("end of speech → text", &self.latency));
        let _ = writeln!(out, "{}", line("recogniser time", &self.recogniser));
        let tokens = self.total(Load::Decoding, |r| r.llm_tokens as f64);
        let decoding_wall = self.total(Load::Decoding, |r| r.wall_s);
        let llm_cpu = self.total(Load::Decoding, |r| r.llm_cpu_s.unwrap_or(0.0));
        let _ = writeln!(
            out,
            "model thread: {}; {tokens:.0} tokens while decoding ({:.1} tokens/s of wall, \
             {llm_cpu:.1} s CPU); CPU idle runs {:.1} s, decoding runs {:.1} s",
            self.llm_policy,
            tokens / decoding_wall.max(1e-9),
            self.total(Load::Idle, |r| r.cpu_s),
            self.total(Load::Decoding, |r| r.cpu_s),
        );
        let (l50, l95) = self.latency.ratios();
        let (r50, r95) = self.recogniser.ratios();
        let _ = writeln!(
            out,
            "{}: the recogniser's latency {} by more than {:.0} % while the model decoded",
            if self.passed() { "PASS" } else { "FAIL" },
            if self.passed() {
                "did not rise"
            } else {
                "rose"
            },
            self.max_rise_percent
        );
        let _ = writeln!(
            out,
            "{{\"utterances\": {}, \"latency_idle_p50_ms\": {:.1}, \"latency_idle_p95_ms\": {:.1}, \
             \"latency_decoding_p50_ms\": {:.1}, \"latency_decoding_p95_ms\": {:.1}, \
             \"latency_ratio_p50\": {l50:.4}, \"latency_ratio_p95\": {l95:.4}, \
             \"recogniser_ratio_p50\": {r50:.4}, \"recogniser_ratio_p95\": {r95:.4}, \
             \"cpu_idle_s\": {:.2}, \"cpu_decoding_s\": {:.2}, \"llm_cpu_s\": {llm_cpu:.2}, \
             \"llm_tokens\": {tokens:.0}, \"llm_policy\": \"{}\", \"passed\": {}}}",
            self.latency.idle.count,
            self.latency.idle.p50,
            self.latency.idle.p95,
            self.latency.decoding.p50,
            self.latency.decoding.p95,
            self.total(Load::Idle, |r| r.cpu_s),
            self.total(Load::Decoding, |r| r.cpu_s),
            self.llm_policy,
            self.passed()
        );
        out
    }
}

/// The thread that keeps the model's thread busy (or idle) on request: it owns the worker.
struct Driver {
    busy: Arc<AtomicBool>,
    /// Set while nothing runs on the model's thread and `busy` is off.
    quiet: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    tokens: Arc<AtomicU64>,
    steps: Arc<AtomicU64>,
    priority: u64,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How often the driver looks at the worker.
const DRIVER_POLL: Duration = Duration::from_millis(5);

impl Driver {
    fn start(mut worker: LlmWorker) -> Driver {
        let busy = Arc::new(AtomicBool::new(false));
        let quiet = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let tokens = Arc::new(AtomicU64::new(0));
        let steps = Arc::new(AtomicU64::new(0));
        let priority = worker.status().priority;
        let thread = {
            let (busy, quiet, stop) = (Arc::clone(&busy), Arc::clone(&quiet), Arc::clone(&stop));
            let (tokens, steps) = (Arc::clone(&tokens), Arc::clone(&steps));
            std::thread::spawn(move || {
                let mut running: Option<u32> = None;
                let mut cancelled = false;
                while !stop.load(Ordering::Acquire) {
                    while let Some(reply) = worker.try_reply() {
                        if Some(reply.id) == running {
                            running = None;
                            cancelled = false;
                        }
                    }
                    let want = busy.load(Ordering::Acquire);
                    match running {
                        None if want => {
                            running = worker
                                .submit(
                                    Task::Handover,
                                    LLM_BENCH_PROMPT,
                                    "",
                                    HANDOVER_ANSWER_TOKENS_MAX,
                                )
                                .ok();
                        }
                        Some(id) if !want && !cancelled => {
                            worker.cancel(id);
                            cancelled = true;
                        }
                        _ => {}
                    }
                    let status = worker.status();
                    tokens.store(status.tokens, Ordering::Release);
                    steps.store(status.steps, Ordering::Release);
                    quiet.store(!want && running.is_none(), Ordering::Release);
                    std::thread::sleep(DRIVER_POLL);
                }
            })
        };
        Driver {
            busy,
            quiet,
            stop,
            tokens,
            steps,
            priority,
            thread: Some(thread),
        }
    }

    /// Starts decoding and waits until the model's thread has run a forward pass.
    fn decode(&self) -> Result<(), CliError> {
        let before = self.steps.load(Ordering::Acquire);
        self.busy.store(true, Ordering::Release);
        let started = Instant::now();
        while self.steps.load(Ordering::Acquire) == before {
            if started.elapsed() > Duration::from_secs(CONTENTION_LLM_START_WAIT_S) {
                return Err(CliError::Internal(format!(
                    "the language model's thread ran no step in {CONTENTION_LLM_START_WAIT_S} s \
                     (at its low priority, other load took every core); try again on a quieter \
                     machine"
                )));
            }
            std::thread::sleep(DRIVER_POLL);
        }
        Ok(())
    }

    /// Stops decoding (cancels the running request) and waits until the thread is idle.
    fn idle(&self) {
        self.busy.store(false, Ordering::Release);
        while !self.quiet.load(Ordering::Acquire) {
            std::thread::sleep(DRIVER_POLL);
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.busy.store(false, Ordering::Release);
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The thread of this process named `name` (its id), from `/proc/self/task`.
fn thread_id(name: &str) -> Option<u32> {
    let entries = std::fs::read_dir("/proc/self/task").ok()?;
    entries.flatten().find_map(|entry| {
        let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
        (comm.trim_end() == name)
            .then(|| entry.file_name().to_str()?.parse().ok())
            .flatten()
    })
}

/// CPU seconds of thread `tid` (`schedstat`: nanoseconds on a CPU).
fn thread_cpu_s(tid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 * 1e-9)
}

/// The scheduling policy and nice value of thread `tid` as the kernel reports them
/// (`stat` fields 19 and 41).
pub fn thread_policy(tid: u32) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    let fields: Vec<&str> = text
        .get(text.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    // Field 3 (the state) is the first after the name.
    let nice: i64 = fields.get(19 - 3)?.parse().ok()?;
    let policy: u32 = fields.get(41 - 3)?.parse().ok()?;
    let name = match policy {
        0 => "SCHED_OTHER",
        1 => "SCHED_FIFO",
        2 => "SCHED_RR",
        3 => "SCHED_BATCH",
        5 => "SCHED_IDLE",
        6 => "SCHED_DEADLINE",
        _ => "policy unknown",
    };
    Some(format!("{name} nice {nice}"))
}

/// The recording, repeated `repeat` times, as WAV bytes, with its length in seconds.
fn recording(input: Option<&Path>, repeat: usize) -> Result<(Vec<u8>, f64), CliError> {
    let (bytes, name) = match input {
        Some(path) => (
            crate::files::read_bounded(path, crate::limits::BENCH_INPUT_BYTES_MAX)
                .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?,
            path.display().to_string(),
        ),
        None => (
            crate::demo::NARRATION_WAV.to_vec(),
            "bundled narration".to_owned(),
        ),
    };
    let (samples, format) = crate::audio::wav::WavReader::new(Cursor::new(bytes))
        .and_then(crate::audio::wav::read_all_mono)
        .map_err(|e| CliError::BadInput(format!("{name}: {e}")))?;
    if samples.is_empty() {
        return Err(CliError::BadInput(format!("{name} holds no samples")));
    }
    let rate = format.sample_rate_hz;
    let played: Vec<f32> = samples
        .iter()
        .copied()
        .cycle()
        .take(samples.len() * repeat)
        .collect();
    let seconds = played.len() as f64 / f64::from(rate);
    let wav = crate::audio::wav::encode_mono_i16(&played, rate)
        .map_err(|e| CliError::Internal(e.to_string()))?;
    Ok((wav, seconds))
}

/// One run of the live pipeline over `wav`, paced in real time.
fn run_pipeline(
    config: &Config,
    wav: &[u8],
    round: usize,
    load: Load,
    llm_tid: Option<u32>,
    driver: &Driver,
) -> Result<Run, CliError> {
    let model_dir = config
        .asr_model_dir()
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let transcriber = crate::live::load_transcriber(&model_dir, &config.asr_config())
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let source = WavSource::from_reader(Cursor::new(wav.to_vec()), "recording")
        .map_err(|e| CliError::Internal(e.to_string()))?;
    match load {
        Load::Decoding => driver.decode()?,
        Load::Idle => driver.idle(),
    }
    let tokens_before = driver.tokens.load(Ordering::Acquire);
    let llm_before = llm_tid.and_then(thread_cpu_s);
    let cpu_before = crate::nn::cpu_time::process_cpu_seconds();
    let wall = Instant::now();
    let mut pipeline =
        crate::live::LivePipeline::start(Box::new(source), config, Pacing::RealTime, transcriber)
            .map_err(|e| CliError::BadInput(e.to_string()))?;
    let started = pipeline.started();
    let (mut latency_ms, mut recogniser_ms) = (Vec::new(), Vec::new());
    while let Some(heard) = pipeline.next_utterance() {
        let heard_at = heard
            .ready_at
            .saturating_duration_since(started)
            .as_secs_f64();
        latency_ms.push(((heard_at - heard.speech_end_s) * 1000.0).max(0.0));
        recogniser_ms.push(f64::from(heard.asr_seconds) * 1000.0);
    }
    let summary = pipeline
        .join()
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let wall_s = wall.elapsed().as_secs_f64();
    let cpu_s = crate::nn::cpu_time::process_cpu_seconds() - cpu_before;
    let llm_after = llm_tid.and_then(thread_cpu_s);
    // Stop decoding now, so the tokens written to the end of the run are counted.
    driver.idle();
    Ok(Run {
        round,
        load,
        latency_ms,
        recogniser_ms,
        wall_s,
        cpu_s,
        llm_cpu_s: llm_before.zip(llm_after).map(|(b, a)| a - b),
        llm_tokens: driver.tokens.load(Ordering::Acquire) - tokens_before,
        asr_busy_s: summary.asr_busy_s,
    })
}

/// Runs the measurement (prints each run as it ends when `progress`).
pub fn measure(config: &Config, options: &Options, progress: bool) -> Result<Report, CliError> {
    if !(1..=CONTENTION_REPEATS_MAX).contains(&options.repeat)
        || !(1..=CONTENTION_ROUNDS_MAX).contains(&options.rounds)
    {
        return Err(CliError::Usage(format!(
            "--repeat takes 1 to {CONTENTION_REPEATS_MAX} and --rounds 1 to {CONTENTION_ROUNDS_MAX}"
        )));
    }
    let (wav, seconds) = recording(options.input.as_deref(), options.repeat)?;
    let model = match &options.model {
        Some(path) => path.clone(),
        None => config
            .llm_model_file()
            .map_err(|e| CliError::BadInput(e.to_string()))?,
    };
    // As the service opens it (`analysis`): one product thread, the lowest priority.
    let worker = crate::llm::worker::open(&model, None)
        .map_err(|e| CliError::BadInput(format!("{}: {e}", model.display())))?;
    let llm_tid = thread_id("tccc-llm");
    let driver = Driver::start(worker);
    let granted = match driver.priority {
        2 => "SCHED_IDLE granted",
        1 => "SCHED_IDLE refused, nice 19 granted",
        _ => "SCHED_IDLE and nice 19 refused",
    };
    let kernel = llm_tid
        .and_then(thread_policy)
        .unwrap_or_else(|| "policy unknown".to_owned());
    if progress {
        println!(
            "{seconds:.1} s of audio per run, {} round(s); model thread: {kernel} ({granted})",
            options.rounds
        );
    }
    let mut runs = Vec::with_capacity(options.rounds * 2);
    for round in 0..options.rounds {
        let order = if round % 2 == 0 {
            [Load::Idle, Load::Decoding]
        } else {
            [Load::Decoding, Load::Idle]
        };
        for load in order {
            let run = run_pipeline(config, &wav, round, load, llm_tid, &driver)?;
            if progress {
                let latency = Quantiles::of(&run.latency_ms);
                println!(
                    "  round {} {}: {} utterance(s), latency p50 {:.0} ms, p95 {:.0} ms, \
                     model tokens {}",
                    round + 1,
                    load.name(),
                    latency.count,
                    latency.p50,
                    latency.p95,
                    run.llm_tokens
                );
            }
            runs.push(run);
        }
    }
    drop(driver);
    Ok(Report {
        latency: Compared::of(&runs, |r| &r.latency_ms),
        recogniser: Compared::of(&runs, |r| &r.recogniser_ms),
        runs,
        llm_policy: format!("{kernel} ({granted})"),
        max_rise_percent: options.max_rise_percent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(load: Load, latency: &[f64]) -> Run {
        Run {
            round: 0,
            load,
            latency_ms: latency.to_vec(),
            recogniser_ms: latency.iter().map(|l| l / 2.0).collect(),
            wall_s: 10.0,
            cpu_s: 2.0,
            llm_cpu_s: Some(if load == Load::Idle { 0.0 } else { 1.0 }),
            llm_tokens: if load == Load::Idle { 0 } else { 50 },
            asr_busy_s: 1.0,
        }
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let q = Quantiles::of(&[5.0, 1.0, 4.0, 2.0, 3.0]);
        assert_eq!((q.count, q.p50, q.p95), (5, 3.0, 5.0));
        assert_eq!(Quantiles::of(&[]).p50, 0.0);
    }

    #[test]
    fn a_rise_over_the_bar_fails_and_one_under_it_passes() {
        let idle = [500.0, 600.0, 700.0, 800.0, 900.0];
        let slower: Vec<f64> = idle.iter().map(|l| l * 1.2).collect();
        let slightly: Vec<f64> = idle.iter().map(|l| l * 1.05).collect();
        let report = |busy: &[f64]| {
            let runs = vec![run(Load::Idle, &idle), run(Load::Decoding, busy)];
            Report {
                latency: Compared::of(&runs, |r| &r.latency_ms),
                recogniser: Compared::of(&runs, |r| &r.recogniser_ms),
                runs,
                llm_policy: "SCHED_IDLE nice 19".to_owned(),
                max_rise_percent: 10.0,
            }
        };
        let failed = report(&slower);
        let (p50, p95) = failed.latency.ratios();
        assert!((p50 - 1.2).abs() < 1e-9 && (p95 - 1.2).abs() < 1e-9);
        assert!(!failed.passed());
        assert!(failed.render().contains("FAIL"), "{}", failed.render());
        let passed = report(&slightly);
        assert!(passed.passed());
        let text = passed.render();
        assert!(
            text.contains("PASS") && text.contains("\"passed\": true"),
            "{text}"
        );
        // Only the decoding runs' tokens are the model's work while decoding.
        assert!(text.contains("\"llm_tokens\": 50"), "{text}");
    }

    #[test]
    fn a_named_threads_policy_and_cpu_are_read_from_the_kernel() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("tccc-cont-test".to_owned())
            .spawn(move || {
                // The name is set by the new thread itself: look it up only once it runs.
                ready_tx.send(()).unwrap();
                let _ = rx.recv();
            })
            .unwrap();
        ready_rx.recv().unwrap();
        let tid = thread_id("tccc-cont-test").unwrap();
        let policy = thread_policy(tid).unwrap();
        assert!(policy.starts_with("SCHED_OTHER nice"), "{policy}");
        assert!(thread_cpu_s(tid).is_some());
        tx.send(()).unwrap();
        thread.join().unwrap();
        assert_eq!(thread_id("tccc-cont-test"), None);
    }
}
