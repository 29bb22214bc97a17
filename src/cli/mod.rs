//! Command-line entry points. Each subcommand lives in its own file and returns a
//! [`CliError`]; `main` turns that into the exit code of DESIGN.md §5.

pub mod args;
pub mod bench;
pub mod demo;
pub mod listen;
pub mod process;
pub mod segments;
pub mod transcribe;

use thiserror::Error;

/// What a subcommand can fail with, sorted by whose fault it is.
#[derive(Debug, Error)]
pub enum CliError {
    /// The command line, an input file or a configuration value is wrong: exit code 2.
    #[error("{0}\nRun `tccc help` for usage.")]
    Usage(String),
    /// The input is unusable (names the file and the problem): exit code 2.
    #[error("{0}")]
    BadInput(String),
    /// Something inside tccc failed: exit code 1.
    #[error("{0}")]
    Internal(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::BadInput(_) => 2,
            CliError::Internal(_) => 1,
        }
    }
}

fn usage() -> String {
    let mut text = String::from(
        "tccc — offline TCCC casualty card from a medic's narration\n\nUSAGE:\n  tccc help                      this text\n  tccc config                    print the documented default configuration\n",
    );
    text.push_str(demo::USAGE);
    text.push_str(listen::PROCESS_USAGE);
    text.push_str(
        "  tccc process --transcript FILE [--json OUT] [--mist] [--nine-line] [--events] [--changes]\n                                 card from a transcript, one utterance per line\n",
    );
    text.push_str(segments::USAGE);
    text.push_str(
        "  tccc transcribe --input F.wav  Whisper on 16 kHz mono WAVs (≤ 30 s each); prints the text\n                 [--input F2.wav …] [--model DIR] [--window cached|segment|full]\n                 [--padding-margin FRAMES] [--window-min FRAMES] [--threads N] [--beam N] [--prompt TEXT]\n                 [--tsv] [--verbose]\n",
    );
    text.push_str(bench::USAGE);
    text
}

/// Runs the subcommand named by `args[0]`.
pub fn run(args: &[String]) -> Result<(), CliError> {
    let Some((command, rest)) = args.split_first() else {
        print!("{}", usage());
        return Ok(());
    };
    match command.as_str() {
        "help" | "--help" | "-h" => {
            print!("{}", usage());
            Ok(())
        }
        "config" => {
            print!("{}", crate::config::DEFAULT_CONFIG_TOML);
            Ok(())
        }
        "demo" => demo::run(rest),
        "process" => process::run(rest),
        "segments" => segments::run(rest),
        "transcribe" => transcribe::run(rest),
        "bench" => bench::run(rest),
        other => Err(CliError::Usage(format!("unknown command `{other}`"))),
    }
}
