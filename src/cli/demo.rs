//! `tccc demo`: the bundled narration through the whole live pipeline — capture, front end,
//! Whisper, extractor — paced in real time, printing each utterance as it is recognised and
//! what it changed in the casualty record, then the card and the MIST handover.

use std::io::Cursor;

use crate::audio::source::WavSource;
use crate::demo::NARRATION_WAV;
use crate::frontend::pipeline::Pacing;
use crate::render;

use clap::Args;

use super::common::{CliError, ConfigArg};
use super::listen::{listen, ListenOptions};

/// `tccc demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Run as fast as possible instead of in real time
    #[arg(long)]
    pub fast: bool,
    #[command(flatten)]
    pub config: ConfigArg,
}

/// Runs `tccc demo`.
pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    let config = args.config.load()?;
    let pacing = if args.fast {
        Pacing::AsFastAsPossible
    } else {
        Pacing::RealTime
    };
    let source = WavSource::from_reader(Cursor::new(NARRATION_WAV), "bundled narration")
        .map_err(|e| CliError::Internal(format!("the bundled narration is unreadable: {e}")))?;
    println!("tccc demo: loading the models, then playing the bundled medic narration (19 s, piper voice)");
    println!("           through capture → VAD → Whisper → extractor. `+` marks what each");
    println!("           utterance added to the record, `~` what it corrected.\n");
    let listen_options = ListenOptions {
        pacing,
        show_changes: true,
        show_latency: pacing == Pacing::RealTime,
    };
    let (extractor, _, summary) = listen(Box::new(source), &config, &listen_options)?;
    let record = extractor.record();
    println!();
    print!("{}", render::card::render(&record));
    print!("{}", render::handover::mist(&record));
    println!(
        "\ntccc demo: {} utterance(s) recognised, {} segment(s) rejected by the guards; \
         {} allocation(s) on the ASR thread after warm-up.",
        summary.asr.accepted,
        summary.asr.segments - summary.asr.accepted,
        summary.asr_allocations
    );
    Ok(())
}
