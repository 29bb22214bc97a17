//! `tccc soak --duration D`: the service's pipeline (capture → front end → Whisper →
//! analysis, advisor on) on a WAV looped in real time for D, sampled every second — resident
//! memory, CPU per thread, drops, end-of-speech latency, allocations per thread role — and
//! judged at the end: it fails (exit 1) on any drop, any allocation after warm-up, resident
//! memory growing more than `SOAK_RSS_GROWTH_MAX_BYTES` after the warm-up, or the watchdog
//! thread (here a sensors-only `MonitorThread` under the same name, doing the same reads)
//! costing more than `WATCHDOG_OWN_CPU_CENTI_PERCENT_MAX`. With `--summary FILE` it
//! appends a one-line summary (memory, allocations, drops, temperatures, latency, the
//! watchdog's CPU, the verdict so far) every `--summary-every` and at the end — for the
//! 24 h run on a Jetson. Nothing it keeps grows with the duration (a running `Tally`, not
//! the samples).

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;

use super::common::{CliError, ConfigArg};
use super::listen::analysis_error;
use crate::analysis::{self, AnalysisOptions};
use crate::audio::source::{AudioSource, SourceRead, WavSource};
use crate::audio::AudioError;
use crate::frontend::pipeline::Pacing;
use crate::limits::{
    SOAK_RSS_GROWTH_MAX_BYTES, SOAK_SUMMARY_INTERVAL_S, SOAK_WARM_UP_S,
    WATCHDOG_OWN_CPU_CENTI_PERCENT_MAX,
};
use crate::sys::alloc_guard::{allocations, ThreadRole};
use crate::watchdog::dashboard::{Monitor, MonitorState, MonitorThread, PipelineFigures, Sample};
use crate::watchdog::{MonotonicClock, WatchClock};

/// `tccc soak`.
#[derive(Debug, Args)]
pub struct SoakArgs {
    /// How long: seconds, or with a unit (90s, 5m, 24h)
    #[arg(long, value_name = "D", value_parser = parse_duration)]
    pub duration: Duration,
    /// The WAV to loop (default: the bundled narration)
    #[arg(long, value_name = "FILE.wav")]
    pub input: Option<PathBuf>,
    /// Append a sample every second to FILE as JSON lines (for `tccc report`)
    #[arg(long, value_name = "FILE.jsonl")]
    pub metrics: Option<PathBuf>,
    /// Folder holding sys/ and proc/ for the sensors (default: watchdog.sysfs_root)
    #[arg(long, value_name = "DIR")]
    pub sysfs_root: Option<PathBuf>,
    /// Append a one-line summary (memory, allocations, drops, temperatures, verdict so
    /// far) to FILE every --summary-every and at the end
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Mix white noise at this RMS level in dBFS into the loop (e.g. -40), a steady
    /// background under the speech
    #[arg(long, value_name = "DB", allow_negative_numbers = true, value_parser = parse_noise)]
    pub noise_dbfs: Option<f32>,
    /// How often to append the summary: seconds, or with a unit (default 10m)
    #[arg(long, value_name = "D", value_parser = parse_duration, requires = "summary")]
    pub summary_every: Option<Duration>,
    #[command(flatten)]
    pub config: ConfigArg,
}

/// `90`, `90s`, `5m`, `24h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; write e.g. 90s, 5m or 24h"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3_600,
        _ => return Err(format!("`{text}`: the unit must be s, m or h")),
    };
    if seconds == 0 {
        return Err("the duration must be at least 1 s".to_owned());
    }
    Ok(Duration::from_secs(seconds))
}

/// `-40`: an RMS level in dBFS, below 0.
fn parse_noise(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(db) if (-120.0..0.0).contains(&db) => Ok(db),
        _ => Err(format!(
            "`{text}` is not a noise level; write dBFS between -120 and 0, e.g. -40"
        )),
    }
}

/// White noise of a given RMS level, deterministic (xorshift), allocation-free.
#[derive(Debug, Clone, Copy)]
struct Noise {
    /// Half-width of the uniform distribution (RMS × √3).
    amplitude: f32,
    state: u64,
}

impl Noise {
    fn at_dbfs(db: f32) -> Noise {
        Noise {
            amplitude: 10f32.powf(db / 20.0) * 3f32.sqrt(),
            state: 0x9E37_79B9_7F4A_7C15,
        }
    }

    fn next(&mut self) -> f32 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        // The top 24 bits as a uniform value in [-1, 1).
        let unit = (self.state >> 40) as f32 / (1u64 << 23) as f32 - 1.0;
        unit * self.amplitude
    }
}

/// A recording played again and again until `frames_left` are given, with `noise` mixed in.
struct LoopSource {
    samples: Arc<[f32]>,
    rate_hz: u32,
    position: usize,
    frames_left: u64,
    noise: Option<Noise>,
}

impl AudioSource for LoopSource {
    fn sample_rate_hz(&self) -> u32 {
        self.rate_hz
    }

    fn is_live(&self) -> bool {
        false
    }

    fn read_mono(&mut self, out: &mut [f32]) -> Result<SourceRead, AudioError> {
        if self.frames_left == 0 {
            return Ok(SourceRead::End);
        }
        let n = out
            .len()
            .min(self.samples.len() - self.position)
            .min(usize::try_from(self.frames_left).unwrap_or(usize::MAX));
        out[..n].copy_from_slice(&self.samples[self.position..self.position + n]);
        if let Some(noise) = &mut self.noise {
            for sample in &mut out[..n] {
                *sample = (*sample + noise.next()).clamp(-1.0, 1.0);
            }
        }
        self.position = (self.position + n) % self.samples.len();
        self.frames_left -= n as u64;
        Ok(SourceRead::Frames(n))
    }
}

fn read_whole(mut source: Box<dyn AudioSource>, name: &str) -> Result<LoopSource, CliError> {
    let mut samples = Vec::new();
    let mut buffer = vec![0.0f32; 4_096];
    loop {
        match source.read_mono(&mut buffer) {
            Ok(SourceRead::Frames(n)) => samples.extend_from_slice(&buffer[..n]),
            Ok(SourceRead::End) => break,
            Err(error) => return Err(CliError::BadInput(format!("{name}: {error}"))),
        }
    }
    if samples.is_empty() {
        return Err(CliError::BadInput(format!("{name} holds no audio")));
    }
    Ok(LoopSource {
        samples: samples.into(),
        rate_hz: source.sample_rate_hz(),
        position: 0,
        frames_left: 0,
        noise: None,
    })
}

const ROLES: usize = ThreadRole::ALL.len();

fn role_allocations() -> [u64; ROLES] {
    ThreadRole::ALL.map(allocations)
}

fn file_error(path: &std::path::Path, error: &std::io::Error) -> CliError {
    CliError::BadInput(format!("cannot write {}: {error}", path.display()))
}

/// Runs `tccc soak`.
pub fn run(args: &SoakArgs) -> Result<(), CliError> {
    let config = args.config.load()?;
    let mut source = match &args.input {
        Some(path) => read_whole(
            Box::new(
                WavSource::open(path)
                    .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?,
            ),
            &path.display().to_string(),
        )?,
        None => read_whole(
            Box::new(
                WavSource::from_reader(
                    std::io::Cursor::new(crate::demo::NARRATION_WAV),
                    "narration",
                )
                .map_err(|e| CliError::Internal(e.to_string()))?,
            ),
            "the bundled narration",
        )?,
    };
    source.frames_left = args.duration.as_secs() * u64::from(source.rate_hz);
    source.noise = args.noise_dbfs.map(Noise::at_dbfs);
    let mut metrics = match &args.metrics {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| file_error(path, &e))?,
        )),
        None => None,
    };
    let mut summary = match &args.summary {
        Some(path) => Some((
            path.clone(),
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| file_error(path, &e))?,
        )),
        None => None,
    };
    let summary_every = args
        .summary_every
        .unwrap_or(Duration::from_secs(SOAK_SUMMARY_INTERVAL_S));
    let mut what = args.input.as_ref().map_or_else(
        || "the bundled narration".to_owned(),
        |p| p.display().to_string(),
    );
    if let Some(db) = args.noise_dbfs {
        what.push_str(&format!(" with white noise at {db} dBFS"));
    }
    if let Some((path, file)) = &mut summary {
        writeln!(
            file,
            "tccc soak {} on {what}: a summary every {} s",
            env!("CARGO_PKG_VERSION"),
            summary_every.as_secs()
        )
        .map_err(|e| file_error(path, &e))?;
    }
    let mut stage = analysis::start(
        Box::new(source),
        &config,
        AnalysisOptions {
            pacing: Pacing::RealTime,
            journal: None,
            advisor: true,
            stay_after_input: false,
            observer: None,
        },
    )
    .map_err(analysis_error)?;
    let notices = stage.take_notices();
    let published = stage.published();
    // Warmed up: from here on nothing may allocate on the pipeline's threads.
    let allocations_at_start = role_allocations();
    let since_start = |now: [u64; ROLES]| {
        let mut out = [0u64; ROLES];
        for (i, n) in out.iter_mut().enumerate() {
            *n = now[i] - allocations_at_start[i];
        }
        out
    };
    let root = args
        .sysfs_root
        .clone()
        .unwrap_or_else(|| config.watchdog.sysfs_root.clone());
    let components = crate::watchdog::components_of(&config);
    let clock: Arc<dyn WatchClock> = Arc::new(MonotonicClock::new());
    // The watchdog's polling on its own thread (the pipeline's threads are all up now).
    let watch = MonitorThread::start(
        Monitor::new(&config.watchdog, &root, &components, clock.now_ms()),
        Duration::from_millis(config.watchdog.poll_interval_ms),
        Arc::clone(&clock),
    )
    .map_err(|e| CliError::Internal(e.to_string()))?;
    let started = Instant::now();
    let mut state = MonitorState::default();
    let mut tally = Tally::default();
    let mut next = started + Duration::from_secs(1);
    let mut next_summary = started + summary_every;
    let mut figures = PipelineFigures::default();
    while !stage.is_finished() {
        if let Some(notices) = &notices {
            while notices.try_recv().is_ok() {}
        }
        if Instant::now() < next {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        next += Duration::from_secs(1);
        watch.latest_into(&mut state);
        figures.clone_from(&published.load().status.pipeline);
        let sample = Sample::of(&state.dashboard(Some(figures.clone())));
        if let (Some(file), Some(path)) = (&mut metrics, &args.metrics) {
            let line = serde_json::to_string(&sample)
                .map_err(|e| CliError::Internal(format!("cannot encode a sample: {e}")))?;
            writeln!(file, "{line}")
                .and_then(|()| file.flush())
                .map_err(|e| file_error(path, &e))?;
        }
        tally.add(&sample);
        if Instant::now() >= next_summary {
            next_summary += summary_every;
            if let Some((path, file)) = &mut summary {
                let now = since_start(role_allocations());
                let verdict = judge(&tally, &figures, &now, state.own_cpu_percent(), 0.0);
                writeln!(
                    file,
                    "{}",
                    summary_line(&tally, &figures, &now, &verdict, false)
                )
                .map_err(|e| file_error(path, &e))?;
            }
        }
    }
    let allocations_at_end = since_start(role_allocations());
    watch.latest_into(&mut state);
    let own_cpu = state.own_cpu_percent();
    watch
        .stop()
        .map_err(|e| CliError::Internal(e.to_string()))?;
    let status = published.load().status.clone();
    let outcome = stage.join().map_err(analysis_error)?;
    let mut figures = status.pipeline.clone();
    figures.transcripts_dropped = figures
        .transcripts_dropped
        .max(outcome.live.transcripts_dropped);
    let mut judged = judge(
        &tally,
        &figures,
        &allocations_at_end,
        own_cpu,
        outcome.live.asr_busy_s,
    );
    if outcome.live.asr_allocations > 0 {
        judged.failures.push(format!(
            "{} allocation(s) on the ASR thread after warm-up",
            outcome.live.asr_allocations
        ));
    }
    if let Some((path, file)) = &mut summary {
        writeln!(
            file,
            "{}",
            summary_line(&tally, &figures, &allocations_at_end, &judged, true)
        )
        .map_err(|e| file_error(path, &e))?;
    }
    println!(
        "soak: {:.0} s of {what} looped",
        started.elapsed().as_secs_f64()
    );
    println!("utterances: {}", outcome.utterances.len());
    for line in &judged.lines {
        println!("{line}");
    }
    println!(
        "ASR thread allocations {} (counted by the pipeline)",
        outcome.live.asr_allocations
    );
    if judged.failures.is_empty() {
        println!("soak: PASS");
        Ok(())
    } else {
        println!("soak: FAIL");
        Err(CliError::Internal(format!(
            "soak failed: {}",
            judged.failures.join("; ")
        )))
    }
}

/// What a soak keeps of its samples: a fixed amount, whatever the duration.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Samples seen.
    pub samples: u64,
    /// (seconds, resident MB) of the first sample.
    pub first: Option<(f64, f64)>,
    /// (seconds, resident MB) of the first sample at or after `SOAK_WARM_UP_S`.
    pub warm: Option<(f64, f64)>,
    /// (seconds, resident MB) of the last sample.
    pub last: Option<(f64, f64)>,
    /// End-of-speech latency p50/p99 of the first sample that had one, in ms.
    pub first_latency_ms: Option<(f64, f64)>,
    /// The same, of the last.
    pub last_latency_ms: Option<(f64, f64)>,
    /// Sum of the machine's CPU load over the samples, in %.
    pub cpu_percent_sum: f64,
    /// Per thermal zone: last and highest temperature, in °C.
    pub temps_c: Vec<(String, f64, f64)>,
}

impl Tally {
    /// Counts one sample in.
    pub fn add(&mut self, s: &Sample) {
        self.samples += 1;
        let point = (s.t_s, s.rss_mb);
        self.first.get_or_insert(point);
        if s.t_s >= SOAK_WARM_UP_S {
            self.warm.get_or_insert(point);
        }
        self.last = Some(point);
        if s.latency_ms.is_some() {
            if self.first_latency_ms.is_none() {
                self.first_latency_ms = s.latency_ms;
            }
            self.last_latency_ms = s.latency_ms;
        }
        self.cpu_percent_sum += s.cpu_percent;
        for (name, c) in &s.temps_c {
            match self.temps_c.iter_mut().find(|(n, _, _)| n == name) {
                Some(zone) => {
                    zone.1 = *c;
                    zone.2 = zone.2.max(*c);
                }
                None => self.temps_c.push((name.clone(), *c, *c)),
            }
        }
    }

    /// Resident memory after the warm-up and at the end, its growth in MB and its slope in
    /// MB/h (the first sample stands in for a run shorter than the warm-up).
    pub fn memory(&self) -> Option<(f64, f64, f64, f64)> {
        let (t0, first) = self.warm.or(self.first)?;
        let (t1, last) = self.last?;
        let growth = last - first;
        let hours = (t1 - t0) / 3_600.0;
        Some((
            first,
            last,
            growth,
            if hours > 0.0 { growth / hours } else { 0.0 },
        ))
    }
}

/// The verdict on a soak so far.
#[derive(Debug, Default)]
pub struct Judged {
    /// Figures to print.
    pub lines: Vec<String>,
    /// What failed.
    pub failures: Vec<String>,
}

/// Judges a soak: resident memory growth after the warm-up (and its slope), drops,
/// allocations per thread role since warm-up (the watchdog's own excepted: its rare
/// actions may allocate), the watchdog thread's CPU, latency drift between the first and
/// the last sample.
pub fn judge(
    tally: &Tally,
    figures: &PipelineFigures,
    role_allocations: &[u64; ROLES],
    own_cpu_percent: Option<f64>,
    asr_busy_s: f64,
) -> Judged {
    let mut j = Judged::default();
    if let Some((first, last, growth_mb, slope)) = tally.memory() {
        j.lines.push(format!(
            "resident memory: {first:.1} MB after warm-up, {last:.1} MB at the end: {growth_mb:+.2} MB ({slope:+.2} MB/h)"
        ));
        if growth_mb * 1024.0 * 1024.0 > SOAK_RSS_GROWTH_MAX_BYTES as f64 {
            j.failures.push(format!(
                "resident memory grew {growth_mb:.2} MB after warm-up (at most {} MB)",
                SOAK_RSS_GROWTH_MAX_BYTES >> 20
            ));
        }
    }
    let drops = figures.capture_overflows
        + figures.xruns
        + figures.segments_dropped
        + figures.transcripts_dropped
        + figures.notices_dropped;
    j.lines.push(format!(
        "drops: capture {} xruns {} segments {} transcripts {} notices {}",
        figures.capture_overflows,
        figures.xruns,
        figures.segments_dropped,
        figures.transcripts_dropped,
        figures.notices_dropped
    ));
    if drops > 0 {
        j.failures.push(format!("{drops} drop(s)"));
    }
    let mut line = "allocations after warm-up:".to_owned();
    for (role, n) in ThreadRole::ALL.iter().zip(role_allocations) {
        line.push_str(&format!(" {} {n}", role.name()));
        if *n > 0 && *role != ThreadRole::Watchdog {
            j.failures.push(format!(
                "{n} allocation(s) on {} threads after warm-up",
                role.name()
            ));
        }
    }
    j.lines.push(line);
    if let (Some(first), Some(last)) = (tally.first_latency_ms, tally.last_latency_ms) {
        j.lines.push(format!(
            "end-of-speech latency p50/p99: {:.0}/{:.0} ms at first, {:.0}/{:.0} ms at the end",
            first.0, first.1, last.0, last.1
        ));
    }
    let cpu = tally.cpu_percent_sum / tally.samples.max(1) as f64;
    j.lines.push(format!(
        "CPU {cpu:.1} % on average; ASR busy {asr_busy_s:.1} s"
    ));
    let bar = WATCHDOG_OWN_CPU_CENTI_PERCENT_MAX as f64 / 100.0;
    match own_cpu_percent {
        Some(percent) => {
            j.lines.push(format!(
                "watchdog thread: {percent:.3} % of a core (bar {bar} %)"
            ));
            if percent > bar {
                j.failures.push(format!(
                    "the watchdog thread used {percent:.3} % of a core (at most {bar} %)"
                ));
            }
        }
        None => j.lines.push(
            "watchdog thread: not found among the threads read (no proc/ under the sysfs root)"
                .to_owned(),
        ),
    }
    j
}

/// One line of the `--summary` file.
pub fn summary_line(
    tally: &Tally,
    figures: &PipelineFigures,
    role_allocations: &[u64; ROLES],
    verdict: &Judged,
    end: bool,
) -> String {
    let mut out = format!("t {:.0} s", tally.last.map_or(0.0, |(t, _)| t));
    if let Some((first, last, growth, slope)) = tally.memory() {
        out.push_str(&format!(
            " | rss {last:.1} MB ({growth:+.2} MB since {first:.1} MB after warm-up, {slope:+.2} MB/h)"
        ));
    }
    out.push_str(" | allocations");
    for (role, n) in ThreadRole::ALL.iter().zip(role_allocations) {
        out.push_str(&format!(" {} {n}", role.name()));
    }
    out.push_str(&format!(
        " | drops capture {} xruns {} segments {} transcripts {} notices {}",
        figures.capture_overflows,
        figures.xruns,
        figures.segments_dropped,
        figures.transcripts_dropped,
        figures.notices_dropped
    ));
    out.push_str(" | temps");
    if tally.temps_c.is_empty() {
        out.push_str(" none read");
    }
    for (zone, now, max) in &tally.temps_c {
        out.push_str(&format!(" {zone} {now:.1} °C (max {max:.1})"));
    }
    if let Some((p50, p99)) = tally.last_latency_ms {
        out.push_str(&format!(" | latency p50/p99 {p50:.0}/{p99:.0} ms"));
    }
    if let Some(own) = verdict
        .lines
        .iter()
        .find(|l| l.starts_with("watchdog thread: "))
    {
        out.push_str(" | ");
        out.push_str(own);
    }
    let when = if end { "at the end" } else { "so far" };
    if verdict.failures.is_empty() {
        out.push_str(&format!(" | PASS {when}"));
    } else {
        out.push_str(&format!(" | FAIL {when}: {}", verdict.failures.join("; ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(growth_mb: f64) -> Tally {
        let mut t = Tally::default();
        for s in 0..=300 {
            t.add(&Sample {
                t_s: f64::from(s),
                rss_mb: 400.0 + growth_mb * f64::from(s) / 300.0,
                latency_ms: Some((700.0, 900.0)),
                temps_c: vec![("CPU-therm".to_owned(), 40.0 + f64::from(s % 7))],
                ..Sample::default()
            });
        }
        t
    }

    const NONE: [u64; ROLES] = [0; ROLES];

    #[test]
    fn growth_drops_allocations_and_a_costly_watchdog_fail_a_soak() {
        let clean = PipelineFigures::default();
        assert!(judge(&tally(0.5), &clean, &NONE, Some(0.01), 1.0)
            .failures
            .is_empty());
        let grown = judge(&tally(2.0), &clean, &NONE, Some(0.01), 1.0);
        assert_eq!(grown.failures.len(), 1, "{:?}", grown.failures);
        assert!(grown.failures[0].contains("resident memory grew"));
        assert!(grown.lines[0].contains("MB/h"));
        let dropped = PipelineFigures {
            segments_dropped: 1,
            ..PipelineFigures::default()
        };
        assert_eq!(
            judge(&tally(0.0), &dropped, &NONE, None, 1.0).failures,
            ["1 drop(s)"]
        );
        let mut allocated = NONE;
        allocated[ThreadRole::Asr as usize - 1] = 3;
        let j = judge(&tally(0.0), &clean, &allocated, None, 1.0);
        assert_eq!(j.failures.len(), 1, "{:?}", j.failures);
        let mut watchdog = NONE;
        watchdog[ThreadRole::ALL.len() - 1] = 5;
        assert!(judge(&tally(0.0), &clean, &watchdog, None, 1.0)
            .failures
            .is_empty());
        let costly = judge(&tally(0.0), &clean, &NONE, Some(0.7), 1.0);
        assert!(costly.failures[0].contains("watchdog thread used 0.700 %"));
    }

    #[test]
    fn a_tally_keeps_the_warm_baseline_and_the_hottest_temperature() {
        let t = tally(0.6);
        assert_eq!(t.samples, 301);
        assert_eq!(t.warm, Some((10.0, 400.0 + 0.6 * 10.0 / 300.0)));
        assert_eq!(t.temps_c, [("CPU-therm".to_owned(), 40.0 + 6.0, 46.0)]);
        let line = summary_line(
            &t,
            &PipelineFigures::default(),
            &NONE,
            &judge(&t, &PipelineFigures::default(), &NONE, Some(0.02), 0.0),
            false,
        );
        for part in [
            "t 300 s",
            "rss 400.6 MB (+0.58 MB",
            "allocations capture 0",
            "drops capture 0 xruns 0",
            "temps CPU-therm 46.0 °C (max 46.0)",
            "latency p50/p99 700/900 ms",
            "watchdog thread: 0.020 % of a core",
            "PASS so far",
        ] {
            assert!(line.contains(part), "{part:?} not in {line}");
        }
    }

    #[test]
    fn the_loop_mixes_noise_at_the_level_asked() {
        let clean: Arc<[f32]> = (0..16_000)
            .map(|i| (i as f32 * 0.05).sin() * 0.3)
            .collect::<Vec<f32>>()
            .into();
        let mut source = LoopSource {
            samples: Arc::clone(&clean),
            rate_hz: 16_000,
            position: 0,
            frames_left: 48_000,
            noise: Some(Noise::at_dbfs(-40.0)),
        };
        let mut out = vec![0.0f32; 1_000];
        let (mut power, mut n, mut at) = (0.0f64, 0usize, 0usize);
        while let Ok(SourceRead::Frames(got)) = source.read_mono(&mut out) {
            for (i, sample) in out[..got].iter().enumerate() {
                let added = f64::from(sample - clean[(at + i) % clean.len()]);
                power += added * added;
            }
            at += got;
            n += got;
        }
        assert_eq!(n, 48_000);
        let db = 10.0 * (power / n as f64).log10();
        assert!((db + 40.0).abs() < 0.5, "{db} dBFS");
        assert!(parse_noise("-40").is_ok());
        assert!(parse_noise("6").unwrap_err().contains("dBFS"));
    }

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5d").unwrap_err().contains("unit"));
        assert!(parse_duration("soon").is_err());
    }
}
