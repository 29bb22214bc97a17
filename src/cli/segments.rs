//! `tccc segments`: runs the audio front end on a file, stdin or an ALSA device and prints
//! one line per speech segment.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::Ordering;

use crate::audio::source::{AudioSource, RawS16Source, WavSource};
use crate::config::Config;
use crate::frontend::pipeline::{FrontendError, FrontendPipeline, Pacing};
use crate::frontend::stats::FrontendStats;

use super::args::Options;
use super::CliError;

pub(crate) const USAGE: &str =
    "  tccc segments --input FILE.wav [--json] [--realtime] [--config FILE]
  tccc segments --input - --rate HZ [--channels N] [--json]   raw s16le on stdin
  tccc segments --alsa DEVICE [--seconds N] [--json]           live capture
                                 speech segments found by the VAD, one per line
                                 (--json: {\"start_s\", \"end_s\", \"max_prob\"} lines)
";

/// Loads the configuration named by `--config`, or the defaults.
pub(crate) fn load_config(options: &Options) -> Result<Config, CliError> {
    match options.value("--config") {
        Some(path) => Config::load(Path::new(path)).map_err(|e| CliError::BadInput(e.to_string())),
        None => Ok(Config::default()),
    }
}

/// Opens the source the options name: `--input FILE.wav`, `--input -` (raw s16le on stdin)
/// or `--alsa DEVICE`.
pub(crate) fn open_source(
    options: &Options,
    config: &Config,
) -> Result<Box<dyn AudioSource>, CliError> {
    if let Some(device) = options.value("--alsa") {
        return open_alsa(device, config);
    }
    let Some(input) = options.value("--input") else {
        return Err(CliError::Usage(
            "give --input FILE.wav, --input - or --alsa DEVICE".to_owned(),
        ));
    };
    if input == "-" {
        let rate = options.number::<u32>("--rate")?.ok_or_else(|| {
            CliError::Usage("--input - (raw s16le on stdin) needs --rate HZ".to_owned())
        })?;
        let channels = options.number::<usize>("--channels")?.unwrap_or(1);
        let source = RawS16Source::new(std::io::stdin(), rate, channels)
            .map_err(|e| CliError::BadInput(format!("stdin: {e}")))?;
        return Ok(Box::new(source));
    }
    let source = WavSource::open(Path::new(input))
        .map_err(|e| CliError::BadInput(format!("{input}: {e}")))?;
    Ok(Box::new(source))
}

#[cfg(feature = "alsa-capture")]
fn open_alsa(device: &str, config: &Config) -> Result<Box<dyn AudioSource>, CliError> {
    use crate::audio::alsa_capture::{AlsaSettings, AlsaSource};
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
pub fn run(args: &[String]) -> Result<(), CliError> {
    let options = Options::parse(
        args,
        &[
            "--input",
            "--config",
            "--rate",
            "--channels",
            "--alsa",
            "--seconds",
        ],
        &["--json", "--realtime"],
    )?;
    let config = load_config(&options)?;
    let source = open_source(&options, &config)?;
    let live = source.is_live();
    let pacing = if options.flag("--realtime") {
        Pacing::RealTime
    } else {
        Pacing::AsFastAsPossible
    };
    let seconds_limit = options.number::<f64>("--seconds")?;
    let json = options.flag("--json");
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
