//! `tccc demo`: the bundled narration through the live pipeline, paced in real time,
//! printing each utterance the moment the front end closes it.

use std::io::{Cursor, Write};
use std::sync::Arc;
use std::time::Instant;

use crate::audio::source::WavSource;
use crate::demo::NARRATION_WAV;
use crate::frontend::pipeline::{FrontendPipeline, Pacing};

use super::args::Options;
use super::segments::{frontend_error, load_config, report_losses};
use super::CliError;

pub(crate) const USAGE: &str = "  tccc demo [--fast] [--config FILE]
                                 the bundled narration through the live pipeline, in real
                                 time (--fast: as fast as possible)
";

/// Runs `tccc demo`.
pub fn run(args: &[String]) -> Result<(), CliError> {
    let options = Options::parse(args, &["--config"], &["--fast"])?;
    let config = load_config(&options)?;
    let pacing = if options.flag("--fast") {
        Pacing::AsFastAsPossible
    } else {
        Pacing::RealTime
    };
    let source = WavSource::from_reader(Cursor::new(NARRATION_WAV), "bundled narration")
        .map_err(|e| CliError::Internal(format!("the bundled narration is unreadable: {e}")))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = writeln!(
        out,
        "tccc demo: playing the bundled medic narration (21 s) through capture → VAD → segments"
    );
    let started = Instant::now();
    let mut pipeline =
        FrontendPipeline::start(Box::new(source), &config, pacing).map_err(frontend_error)?;
    while let Some(segment) = pipeline.next_segment() {
        let mut line = format!(
            "[{:>6.2} – {:>6.2}]  utterance {} ({:.1} s of speech)",
            segment.start_s(),
            segment.end_s(),
            segment.sequence() + 1,
            segment.speech_end_s() - segment.speech_start_s(),
        );
        if pacing == Pacing::RealTime {
            // Audio time and wall time run together, so this is the end-of-speech latency.
            let latency = started.elapsed().as_secs_f64() - segment.speech_end_s();
            line.push_str(&format!(
                ", closed {:.2} s after the speech ended",
                latency.max(0.0)
            ));
        }
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
        pipeline.release(segment);
    }
    let stats = Arc::clone(pipeline.stats());
    pipeline.join().map_err(frontend_error)?;
    report_losses(&stats);
    let _ = writeln!(
        out,
        "tccc demo: done. Speech-to-text and the casualty card build on these segments."
    );
    Ok(())
}
