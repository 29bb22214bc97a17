//! Command-line entry points. Each subcommand lives in its own file and returns a
//! [`CliError`]; `main` turns that into the exit code of DESIGN.md §5.

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

const USAGE: &str = "\
tccc — offline TCCC casualty card from a medic's narration

USAGE:
  tccc help                      this text
  tccc transcribe --input F.wav  Whisper on 16 kHz mono WAVs (≤ 30 s each); prints the text
                 [--input F2.wav …] [--model DIR] [--window full|segment]
                 [--window-min FRAMES]
                 [--threads N] [--beam N] [--tsv] [--verbose]
";

/// Runs the subcommand named by `args[0]`.
pub fn run(args: &[String]) -> Result<(), CliError> {
    let Some((command, rest)) = args.split_first() else {
        print!("{USAGE}");
        return Ok(());
    };
    match command.as_str() {
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        "transcribe" => transcribe::run(rest),
        other => {
            let _ = rest;
            Err(CliError::Usage(format!("unknown command `{other}`")))
        }
    }
}
