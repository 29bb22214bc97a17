//! Command-line entry points. The whole command line is one `clap` definition ([`Cli`]);
//! each subcommand lives in its own file, takes its parsed arguments and returns a
//! [`CliError`]; [`main`] turns that into the exit code of DESIGN.md §5 (0 ok, 2 bad input
//! or usage, 1 internal). The same definition generates `--help`, the shell completions
//! (`tccc completions SHELL`) and the man page (`tccc man`), and `tests/cli.rs` checks the
//! README's command table against it.

pub mod bench;
pub mod card_pdf;
pub mod common;
pub mod contention;
pub mod demo;
pub mod fhir;
pub mod journal_cmds;
pub mod listen;
pub mod process;
pub mod report;
pub mod reprocess;
pub mod run;
pub mod segments;
pub mod soak;
pub mod top;
pub mod transcribe;

use std::ffi::OsString;

use clap::{Args, CommandFactory, Parser, Subcommand};

pub use common::{CliError, ConfigArg};

/// The version `--version` prints: the package version and the commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (git ",
    env!("TCCC_GIT_REVISION"),
    ")"
);

/// tccc — an offline TCCC casualty card (DD Form 1380), MIST handover and 9-line from a
/// combat medic's spoken narration.
#[derive(Debug, Parser)]
#[command(
    name = "tccc",
    version = VERSION,
    about = "Offline TCCC casualty card (DD 1380), MIST handover and 9-line from a medic's narration",
    after_help = "Exit codes: 0 ok, 2 bad input or usage (the message names the file and the \
                  problem), 1 internal error.\nEvery command that loads models takes \
                  --config FILE (TOML; `tccc config` prints every key with its default)."
)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Play the bundled narration through the live pipeline, in real time
    ///
    /// Prints each utterance as it is recognised and what it changed in the record, then
    /// the card and the MIST handover.
    Demo(demo::DemoArgs),
    /// The casualty card from a recording (--input) or a transcript (--transcript)
    ///
    /// A recording goes through the whole pipeline (VAD, Whisper, extractor) as fast as
    /// possible; a transcript, one utterance per line, through the extractor. Prints the
    /// DD 1380 card and, on request, the handovers, the 9-line and the event log; writes the
    /// record as JSON with --json.
    Process(process::ProcessArgs),
    /// The field service: capture, VAD, Whisper, analysis, journal and the console
    ///
    /// Loads and warms the models, replays the journal (--state), starts every thread and
    /// the console (stdio, a pty or a serial device; docs/CONSOLE.md), tells systemd
    /// READY=1, and runs until SIGTERM, which flushes the journal and exits 0.
    Run(run::RunArgs),
    /// Whisper alone on 16 kHz mono WAVs (≤ 30 s each), one segment each
    Transcribe(transcribe::TranscribeArgs),
    /// The speech segments the VAD finds in a file, stdin or a live device
    Segments(segments::SegmentsArgs),
    /// Benchmarks: front-end cost, live ASR latency, the ASR beside the language model
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Create the key that seals a state directory's journal (0600; never replaced)
    Keygen(journal_cmds::KeygenArgs),
    /// The record, handovers and 9-line rebuilt from a state directory's journal
    ///
    /// Replays the journal's events (damage is reported on standard error and skipped),
    /// prints the DD 1380 card and, on request, the handovers and the 9-line; writes the
    /// record as JSON with --json (atomically).
    Export(journal_cmds::ExportArgs),
    /// Destroy a state directory's key (overwritten) and journal files
    Purge(journal_cmds::PurgeArgs),
    /// Transcribe the journaled speech segments that have no utterance, and journal them
    ///
    /// Runs Whisper (the configuration's model, or --model) over the segments' audio the
    /// journal holds (journaled before transcription) and journals what it hears in those
    /// a crash or a full ring left without an utterance, with the facts the extractor reads
    /// in them; --all compares every segment's journaled text with what is heard now.
    Reprocess(reprocess::ReprocessArgs),
    /// The performance dashboard: temperatures, power, battery, CPU per thread, memory
    ///
    /// Refreshes one 80-column screen on standard output (redrawn in place on a terminal);
    /// --record appends each screen's figures as JSON lines for `tccc report`.
    Top(top::TopArgs),
    /// A metrics file as a self-contained HTML page with SVG charts
    ///
    /// Reads the JSON lines of `tccc top --record` or `tccc soak --metrics` and draws
    /// temperatures, rail power, CPU, CPU per thread, memory and latency over time.
    Report(report::ReportArgs),
    /// Run the pipeline on a looped recording for a duration and judge it
    ///
    /// Real-time pacing, advisor on; samples memory, CPU, drops, latency and allocations
    /// every second (--metrics for `tccc report`); exits 1 on any drop, any allocation
    /// after warm-up, or resident memory growing more than 1 MB after the warm-up.
    Soak(soak::SoakArgs),
    /// Print the documented default configuration (TOML)
    Config,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(CompletionsArgs),
    /// Print the man page (roff) generated from this command line
    Man,
}

/// `tccc completions SHELL`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The `clap` command, for `--help`, completions, the man page and the README check.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Parses `args` (without the program name) and runs the subcommand. `--help` and
/// `--version` print to standard output and succeed.
pub fn run<I, T>(args: I) -> Result<(), CliError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let argv = std::iter::once(OsString::from("tccc")).chain(args.into_iter().map(Into::into));
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(error) if error.exit_code() == 0 => {
            // --help, --version: clap's rendering on standard output.
            print!("{error}");
            return Ok(());
        }
        Err(error) => return Err(CliError::Parse(error)),
    };
    crate::extract::check_embedded_data().map_err(|error| CliError::Internal(error.to_string()))?;
    match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Process(args) => process::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Transcribe(args) => transcribe::run(&args),
        Command::Segments(args) => segments::run(&args),
        Command::Bench(which) => bench::run(&which),
        Command::Keygen(args) => journal_cmds::keygen(&args),
        Command::Export(args) => journal_cmds::export(&args),
        Command::Purge(args) => journal_cmds::purge(&args),
        Command::Reprocess(args) => reprocess::run(&args),
        Command::Top(args) => top::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Soak(args) => soak::run(&args),
        Command::Config => {
            print!("{}", crate::config::DEFAULT_CONFIG_TOML);
            Ok(())
        }
        Command::Completions(args) => {
            clap_complete::generate(args.shell, &mut command(), "tccc", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => clap_mangen::Man::new(command())
            .render(&mut std::io::stdout())
            .map_err(|error| CliError::Internal(format!("cannot write the man page: {error}"))),
    }
}

/// Runs the command line `args` (without the program name), prints any error on standard
/// error and returns the process exit code.
pub fn main<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    match run(args) {
        Ok(()) => 0,
        Err(CliError::Parse(error)) => {
            // clap's message already starts with "error:" and ends with the usage line.
            eprint!("{error}");
            u8::try_from(error.exit_code()).unwrap_or(2)
        }
        Err(error) => {
            eprintln!("tccc: {error}");
            error.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn help_and_version_succeed_and_usage_errors_exit_2() {
        assert!(run(["--version"]).is_ok());
        assert!(run(["process", "--help"]).is_ok());
        let error = run(["process", "--json"]).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("--json"), "{error}");
        assert_eq!(run(["frobnicate"]).unwrap_err().exit_code(), 2);
    }
}
