//! The audio modes of `tccc process` and `tccc demo`: the live pipeline (capture → front
//! end → Whisper) feeding the extractor, utterance by utterance.

use std::io::Write;

use crate::audio::source::AudioSource;
use crate::config::Config;
use crate::extract::{Extractor, ExtractorConfig};
use crate::frontend::pipeline::Pacing;
use crate::live::{load_transcriber, LiveError, LivePipeline, LiveSummary};
use crate::record::UtteranceDocument;
use crate::render;

use super::common::CliError;
use super::segments::report_losses;

fn live_error(error: LiveError) -> CliError {
    match error {
        LiveError::Thread(_) => CliError::Internal(error.to_string()),
        other => CliError::BadInput(other.to_string()),
    }
}

/// What to show while utterances arrive.
pub(crate) struct ListenOptions {
    pub pacing: Pacing,
    /// Print what each utterance changed in the record (the demo).
    pub show_changes: bool,
    /// Print end-of-speech latency (meaningful when paced in real time).
    pub show_latency: bool,
}

/// Runs the pipeline over `source`, printing utterances as they are recognised and
/// feeding the extractor; returns the extractor, the utterances and the summary.
pub(crate) fn listen(
    source: Box<dyn AudioSource>,
    config: &Config,
    options: &ListenOptions,
) -> Result<(Extractor, Vec<UtteranceDocument>, LiveSummary), CliError> {
    let model_dir = config
        .asr_model_dir()
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let transcriber = load_transcriber(&model_dir, &config.asr_config())
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let mut pipeline =
        LivePipeline::start(source, config, options.pacing, transcriber).map_err(live_error)?;
    let mut extractor = Extractor::new(ExtractorConfig::default());
    let mut utterances = Vec::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    while let Some(heard) = pipeline.next_utterance() {
        let mut line = format!(
            "[{:>6.2}–{:>6.2}] {}",
            heard.start_s, heard.end_s, heard.text
        );
        if options.show_latency {
            let audio_now = heard
                .ready_at
                .duration_since(pipeline.started())
                .as_secs_f64();
            line.push_str(&format!(
                "   ({:.2} s after the speech ended)",
                (audio_now - heard.speech_end_s).max(0.0)
            ));
        }
        let _ = writeln!(out, "{line}");
        let index = u32::try_from(utterances.len()).unwrap_or(u32::MAX);
        match extractor.push_heard(index, &heard.text, &heard.words, heard.start_s, heard.end_s) {
            Ok(changes) => {
                if options.show_changes {
                    for change in &changes {
                        let _ = writeln!(out, "      {}", render::describe_change(change));
                    }
                }
            }
            Err(error) => log::warn!("utterance {index} not recorded: {error}"),
        }
        let _ = out.flush();
        utterances.push(UtteranceDocument {
            start_s: heard.start_s,
            end_s: heard.end_s,
            text: heard.text.as_str().to_owned(),
        });
    }
    let summary = pipeline.join().map_err(live_error)?;
    if let Some(warning) = &summary.warning {
        log::warn!("{warning}");
    }
    report_losses(&summary.frontend);
    if summary.transcripts_dropped > 0 {
        log::warn!(
            "{} transcript(s) dropped: the analysis side fell behind",
            summary.transcripts_dropped
        );
    }
    Ok((extractor, utterances, summary))
}
