//! `tccc segments`: runs the audio front end on a file, stdin or an ALSA device and prints
//! one line per speech segment.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use clap::{ArgGroup, Args};

use crate::audio::source::{AudioSource, RawS16Source, WavSource};
use crate::config::Config;
use crate::frontend::pipeline::{FrontendError, FrontendPipeline, Pacing};
use crate::frontend::stats::FrontendStats;

use super::common::{CliError, ConfigArg};

/// `tccc segments`: where the audio comes from and how to print the segments.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["input", "alsa"])))]
pub struct SegmentsArgs {
    /// A WAV file, or `-` for raw s16le on standard input (with --rate)
    #[arg(long, value_name = "FILE.wav")]
    pub input: Option<PathBuf>,
    /// Live capture from this ALSA device (e.g. `default`, `hw:1,0`)
    #[arg(long, value_name = "DEVICE")]
    pub alsa: Option<String>,
    /// Sample rate of raw s16le on standard input (`--input -`)
    #[arg(long, value_name = "HZ", requires = "input")]
    pub rate: Option<u32>,
    /// Channels of raw s16le on standard input (`--input -`; default 1)
    #[arg(long, value_name = "N", requires = "input")]
    pub channels: Option<usize>,
    /// Stop after this many seconds (live capture)
    #[arg(long, value_name = "N", value_parser = positive_seconds)]
    pub seconds: Option<f64>,
    /// One JSON object per line: {"start_s", "end_s", "max_prob"}
    #[arg(long)]
    pub json: bool,
    /// Pace a file in real time instead of as fast as possible
    #[arg(long)]
    pub realtime: bool,
    #[command(flatten)]
    pub config: ConfigArg,
}

/// A number of seconds: finite and greater than zero.
pub(crate) fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => Err(format!(
            "`{text}` is not a number of seconds greater than zero"
        )),
    }
}

/// Where the audio of a command comes from.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SourceChoice<'a> {
    /// `--input FILE.wav`, or `-` for raw s16le on standard input.
    pub input: Option<&'a Path>,
    /// `--alsa DEVICE`.
    pub alsa: Option<&'a str>,
    /// `--rate HZ` of raw input.
    pub rate: Option<u32>,
    /// `--channels N` of raw input.
    pub channels: Option<usize>,
}

/// Opens the source the options name: `--input FILE.wav`, `--input -` (raw s16le on stdin)
/// or `--alsa DEVICE`.
pub(crate) fn open_source(
    choice: &SourceChoice<'_>,
    config: &Config,
) -> Result<Box<dyn AudioSource>, CliError> {
    if let Some(device) = choice.alsa {
        return open_alsa(device, config);
    }
    let Some(input) = choice.input else {
        return Err(CliError::Usage(
            "give --input FILE.wav, --input - or --alsa DEVICE".to_owned(),
        ));
    };
    if input == Path::new("-") {
        let rate = choice.rate.ok_or_else(|| {
            CliError::Usage("--input - (raw s16le on stdin) needs --rate HZ".to_owned())
        })?;
        let channels = choice.channels.unwrap_or(1);
        let source = RawS16Source::new(std::io::stdin(), rate, channels)
            .map_err(|e| CliError::BadInput(format!("stdin: {e}")))?;
        return Ok(Box::new(source));
    }
    if choice.rate.is_some() || choice.channels.is_some() {
        return Err(CliError::Usage(
            "--rate and --channels describe raw audio on standard input (`--input -`); a WAV file carries its own"
                .to_owned(),
        ));
    }
    let source = WavSource::open(input)
        .map_err(|e| CliError::BadInput(format!("{}: {e}", input.display())))?;
    Ok(Box::new(source))
}

#[cfg(feature = "alsa-capture")]
fn open_alsa(device: &str, config: &Config) -> Result<Box<dyn AudioSource>, CliError> {
    use crate::audio::alsa_capture::{AlsaSettings, AlsaSource};
    if device.is_empty() || device.chars().any(char::is_control) {
        return Err(CliError::Usage(format!(
            "--alsa {device:?}: an ALSA device name is printable text such as `default` or `hw:1,0` (see `arecord -L`)"
        )));
    }
    let settings = AlsaSettings {
        device: device.to_owned(),
        rate_hz: config.audio.rate_hz,
        channels: config.audio.channels,
        period_frames: config.audio.period_frames,
    };
    let source = AlsaSource::open(&settings).map_err(|e| CliError::BadInput(e.to_string()))?;
    Ok(Box::new(source))
}

#[cfg(not(feature = "alsa-capture"))]
fn open_alsa(device: &str, _config: &Config) -> Result<Box<dyn AudioSource>, CliError> {
    Err(CliError::Usage(format!(
        "--alsa {device}: this build has no ALSA support; rebuild with the `alsa-capture` feature"
    )))
}

pub(crate) fn frontend_error(error: FrontendError) -> CliError {
    match error {
        FrontendError::Thread(..) => CliError::Internal(error.to_string()),
        other => CliError::BadInput(other.to_string()),
    }
}

/// Runs `tccc segments`.
pub fn run(args: &SegmentsArgs) -> Result<(), CliError> {
    let choice = SourceChoice {
        input: args.input.as_deref(),
        alsa: args.alsa.as_deref(),
        rate: args.rate,
        channels: args.channels,
    };
    let config = args.config.load()?;
    let source = open_source(&choice, &config)?;
    let live = source.is_live();
    let pacing = if args.realtime {
        Pacing::RealTime
    } else {
        Pacing::AsFastAsPossible
    };
    let seconds_limit = args.seconds;
    let json = args.json;
    let mut pipeline = FrontendPipeline::start(source, &config, pacing).map_err(frontend_error)?;
    let started = std::time::Instant::now();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    loop {
        if let Some(limit) = seconds_limit {
            if started.elapsed().as_secs_f64() >= limit {
                pipeline.request_stop();
            }
        }
        let segment = if live || seconds_limit.is_some() {
            match pipeline.try_next_segment() {
                Some(segment) => Some(segment),
                None if pipeline.is_finished() => None,
                None => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    continue;
                }
            }
        } else {
            pipeline.next_segment()
        };
        let Some(segment) = segment else { break };
        let line = if json {
            format!(
                "{{\"start_s\": {:.3}, \"end_s\": {:.3}, \"max_prob\": {:.3}}}",
                segment.start_s(),
                segment.end_s(),
                segment.max_probability()
            )
        } else {
            format!(
                "[{:>8.2} – {:>8.2}]  {:>5.2} s  max_prob {:.2}",
                segment.start_s(),
                segment.end_s(),
                segment.end_s() - segment.start_s(),
                segment.max_probability()
            )
        };
        pipeline.release(segment);
        if writeln!(out, "{line}").is_err() {
            // Standard output closed (e.g. piped into `head`): stop quietly.
            pipeline.request_stop();
            break;
        }
    }
    let stats = std::sync::Arc::clone(pipeline.stats());
    let warning = pipeline.join().map_err(frontend_error)?;
    if let Some(warning) = warning {
        eprintln!("tccc: warning: {warning}");
    }
    report_losses(&stats);
    Ok(())
}

/// Tells the operator on stderr about anything the front end had to drop.
pub(crate) fn report_losses(stats: &FrontendStats) {
    let overflows = stats.capture_overflows.load(Ordering::Relaxed);
    let overruns = stats.source_overruns.load(Ordering::Relaxed);
    let dropped = stats.segments_dropped();
    if overflows + overruns + dropped > 0 {
        eprintln!(
            "tccc: warning: audio lost: {overruns} device overrun(s), {overflows} capture ring \
             overflow(s) ({} samples), {dropped} segment(s) dropped",
            stats.capture_overflow_samples.load(Ordering::Relaxed)
        );
    }
}
