//! `tccc soak --duration D`: the service's pipeline (capture → front end → Whisper →
//! analysis, advisor on) on a WAV looped in real time for D, sampled every second — resident
//! memory, CPU per thread, drops, end-of-speech latency, allocations per thread role — and
//! judged at the end: it fails (exit 1) on any drop, any allocation after warm-up, or
//! resident memory growing more than `SOAK_RSS_GROWTH_MAX_BYTES` after the warm-up.

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
use crate::limits::{SOAK_RSS_GROWTH_MAX_BYTES, SOAK_WARM_UP_S};
use crate::sys::alloc_guard::{allocations, ThreadRole};
use crate::watchdog::dashboard::{Monitor, PipelineFigures, Sample};

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

/// A recording played again and again until `frames_left` are given.
struct LoopSource {
    samples: Arc<[f32]>,
    rate_hz: u32,
    position: usize,
    frames_left: u64,
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
    })
}

fn role_allocations() -> [u64; ThreadRole::ALL.len()] {
    ThreadRole::ALL.map(allocations)
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
    let mut metrics = match &args.metrics {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| CliError::BadInput(format!("cannot write {}: {e}", path.display())))?,
        )),
        None => None,
    };
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
    let root = args
        .sysfs_root
        .clone()
        .unwrap_or_else(|| config.watchdog.sysfs_root.clone());
    let components = crate::watchdog::components_of(&config);
    let started = Instant::now();
    let ms = |at: Instant| u64::try_from(at.duration_since(started).as_millis()).unwrap_or(0);
    let mut monitor = Monitor::new(&config.watchdog, &root, &components, 0);
    monitor.poll(0);
    let mut samples: Vec<Sample> = Vec::new();
    let mut next = started + Duration::from_secs(1);
    while !stage.is_finished() {
        if let Some(notices) = &notices {
            while notices.try_recv().is_ok() {}
        }
        if Instant::now() < next {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        next += Duration::from_secs(1);
        monitor.poll(ms(Instant::now()));
        if samples.is_empty() {
            // The pipeline's helper threads have all started by now.
            monitor.rescan_threads();
        }
        let figures: PipelineFigures = published.load().status.pipeline.clone();
        let sample = Sample::of(&monitor.dashboard(Some(figures)));
        if let Some(file) = &mut metrics {
            let line = serde_json::to_string(&sample)
                .map_err(|e| CliError::Internal(format!("cannot encode a sample: {e}")))?;
            writeln!(file, "{line}")
                .and_then(|()| file.flush())
                .map_err(|e| CliError::BadInput(format!("cannot write the metrics: {e}")))?;
        }
        samples.push(sample);
    }
    let allocations_at_end = role_allocations();
    let status = published.load().status.clone();
    let outcome = stage.join().map_err(analysis_error)?;
    let mut figures = status.pipeline.clone();
    figures.transcripts_dropped = figures
        .transcripts_dropped
        .max(outcome.live.transcripts_dropped);
    let judged = judge(
        &samples,
        &figures,
        outcome.live.asr_allocations,
        outcome.live.asr_busy_s,
    );
    println!(
        "soak: {:.0} s of {} looped",
        started.elapsed().as_secs_f64(),
        args.input.as_ref().map_or_else(
            || "the bundled narration".to_owned(),
            |p| p.display().to_string()
        )
    );
    println!("utterances: {}", outcome.utterances.len());
    for line in &judged.lines {
        println!("{line}");
    }
    let mut failures = judged.failures;
    print!("allocations after warm-up:");
    for (i, role) in ThreadRole::ALL.iter().enumerate() {
        let n = allocations_at_end[i] - allocations_at_start[i];
        print!(" {} {n}", role.name());
        if n > 0 && *role != ThreadRole::Watchdog {
            failures.push(format!(
                "{n} allocation(s) on {} threads after warm-up",
                role.name()
            ));
        }
    }
    println!();
    if failures.is_empty() {
        println!("soak: PASS");
        Ok(())
    } else {
        println!("soak: FAIL");
        Err(CliError::Internal(format!(
            "soak failed: {}",
            failures.join("; ")
        )))
    }
}

/// The verdict on a soak's samples.
#[derive(Debug, Default)]
pub struct Judged {
    /// Figures to print.
    pub lines: Vec<String>,
    /// What failed.
    pub failures: Vec<String>,
}

/// Judges a soak: resident memory growth after the warm-up (and its slope), drops, latency
/// drift between the first and the last sample.
pub fn judge(
    samples: &[Sample],
    figures: &PipelineFigures,
    asr_allocations: u64,
    asr_busy_s: f64,
) -> Judged {
    let mut j = Judged::default();
    let warm = samples
        .iter()
        .find(|s| s.t_s >= SOAK_WARM_UP_S)
        .or(samples.first());
    if let (Some(first), Some(last)) = (warm, samples.last()) {
        let growth_mb = last.rss_mb - first.rss_mb;
        let hours = (last.t_s - first.t_s) / 3_600.0;
        let slope = if hours > 0.0 { growth_mb / hours } else { 0.0 };
        j.lines.push(format!(
            "resident memory: {:.1} MB after warm-up, {:.1} MB at the end: {growth_mb:+.2} MB ({slope:+.2} MB/h)",
            first.rss_mb, last.rss_mb
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
    let latencies: Vec<(f64, f64)> = samples.iter().filter_map(|s| s.latency_ms).collect();
    if let (Some(first), Some(last)) = (latencies.first(), latencies.last()) {
        j.lines.push(format!(
            "end-of-speech latency p50/p99: {:.0}/{:.0} ms at first, {:.0}/{:.0} ms at the end",
            first.0, first.1, last.0, last.1
        ));
    }
    let cpu = samples.iter().map(|s| s.cpu_percent).sum::<f64>() / samples.len().max(1) as f64;
    j.lines.push(format!(
        "CPU {cpu:.1} % on average; ASR busy {:.1} s; ASR thread allocations {}",
        asr_busy_s, asr_allocations
    ));
    if asr_allocations > 0 {
        j.failures.push(format!(
            "{asr_allocations} allocation(s) on the ASR thread after warm-up"
        ));
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(growth_mb: f64) -> Vec<Sample> {
        (0..=300)
            .map(|t| Sample {
                t_s: f64::from(t),
                rss_mb: 400.0 + growth_mb * f64::from(t) / 300.0,
                latency_ms: Some((700.0, 900.0)),
                ..Sample::default()
            })
            .collect()
    }

    #[test]
    fn growth_drops_and_allocations_fail_a_soak() {
        let clean = PipelineFigures::default();
        assert!(judge(&samples(0.5), &clean, 0, 1.0).failures.is_empty());
        let grown = judge(&samples(2.0), &clean, 0, 1.0);
        assert_eq!(grown.failures.len(), 1, "{:?}", grown.failures);
        assert!(grown.failures[0].contains("resident memory grew"));
        assert!(grown.lines[0].contains("MB/h"));
        let dropped = PipelineFigures {
            segments_dropped: 1,
            ..PipelineFigures::default()
        };
        assert_eq!(
            judge(&samples(0.0), &dropped, 0, 1.0).failures,
            ["1 drop(s)"]
        );
        assert!(judge(&samples(0.0), &clean, 3, 1.0).failures[0].contains("ASR thread"));
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
