//! The audio modes of `tccc process` and `tccc demo`: the pipeline of [`crate::analysis`]
//! (capture → front end → Whisper → analysis thread), printing each utterance as the
//! analysis thread reads it.

use std::io::Write;

use crate::analysis::{self, AnalysisError, AnalysisOptions};
use crate::audio::source::AudioSource;
use crate::config::Config;
use crate::extract::Extractor;
use crate::frontend::pipeline::Pacing;
use crate::live::{LiveError, LiveSummary};
use crate::record::UtteranceDocument;
use crate::render;

use super::common::CliError;
use super::segments::report_losses;

/// An analysis error as the CLI reports it (bad input is the user's to fix).
pub(crate) fn analysis_error(error: AnalysisError) -> CliError {
    match error {
        AnalysisError::Thread(_)
        | AnalysisError::Rules(_)
        | AnalysisError::Live(LiveError::Thread(_)) => CliError::Internal(error.to_string()),
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

/// Runs the pipeline over `source`, printing utterances as they are recognised; returns
/// the extractor, the utterances and the summary.
pub(crate) fn listen(
    source: Box<dyn AudioSource>,
    config: &Config,
    options: &ListenOptions,
) -> Result<(Extractor, Vec<UtteranceDocument>, LiveSummary), CliError> {
    listen_journaled(source, config, options, None)
}

/// As [`listen`], journaling to `journal` when given (`process --input … --state DIR`):
/// the segments' audio before they are transcribed, each utterance and its events; a
/// killed run over the same input resumes; an utterance is printed only once durable.
pub(crate) fn listen_journaled(
    source: Box<dyn AudioSource>,
    config: &Config,
    options: &ListenOptions,
    journal: Option<analysis::JournalSetup>,
) -> Result<(Extractor, Vec<UtteranceDocument>, LiveSummary), CliError> {
    let show_changes = options.show_changes;
    let show_latency = options.show_latency;
    let observer: analysis::Observer = Box::new(move |heard, started, changes| {
        let mut line = format!(
            "[{:>6.2}–{:>6.2}] {}",
            heard.start_s, heard.end_s, heard.text
        );
        if show_latency {
            let audio_now = heard.ready_at.duration_since(started).as_secs_f64();
            line.push_str(&format!(
                "   ({:.2} s after the speech ended)",
                (audio_now - heard.speech_end_s).max(0.0)
            ));
        }
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let _ = writeln!(out, "{line}");
        if show_changes {
            for change in changes {
                let _ = writeln!(out, "      {}", render::describe_change(change));
            }
        }
        let _ = out.flush();
    });
    let state_dir = journal.as_ref().map(|setup| setup.state.clone());
    let stage = analysis::start_with(
        source,
        config,
        AnalysisOptions {
            pacing: options.pacing,
            journal,
            advisor: false,
            stay_after_input: false,
            observer: Some(observer),
        },
        analysis::Resume::SameInput,
    )
    .map_err(analysis_error)?;
    let outcome = stage.join().map_err(analysis_error)?;
    if let Some(dir) = &state_dir {
        if outcome.status.resumed > 0 {
            eprintln!(
                "tccc: resumed from {}: {} utterance(s) already journaled",
                dir.display(),
                outcome.status.resumed
            );
        }
        if outcome.status.journal_audio_dropped > 0 {
            log::warn!(
                "{} segment(s) of audio not journaled: the journal writer fell behind",
                outcome.status.journal_audio_dropped
            );
        }
    }
    let summary = outcome.live;
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
    Ok((outcome.extractor, outcome.utterances, summary))
}
