//! What every subcommand shares: the error type that maps to an exit code, and the
//! `--config FILE` option. A leaf: it uses no other part of `cli`.

use std::path::PathBuf;

use clap::Args;
use thiserror::Error;

/// What a subcommand can fail with, sorted by whose fault it is.
#[derive(Debug, Error)]
pub enum CliError {
    /// The command line could not be parsed (clap's message names the flag): exit code 2.
    #[error("{0}")]
    Parse(#[from] clap::Error),
    /// The command line, an input file or a configuration value is wrong: exit code 2.
    #[error("{0}\nRun `tccc --help` for usage.")]
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
            CliError::Parse(error) => u8::try_from(error.exit_code()).unwrap_or(2),
            CliError::Usage(_) | CliError::BadInput(_) => 2,
            CliError::Internal(_) => 1,
        }
    }
}

/// `--config FILE`, shared by every command that runs the pipeline.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArg {
    /// Configuration file (TOML); every key is optional (`tccc config` lists them)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl ConfigArg {
    /// Loads the configuration named by `--config`, or the defaults.
    pub fn load(&self) -> Result<crate::config::Config, CliError> {
        match &self.config {
            Some(path) => crate::config::Config::load(path)
                .map_err(|error| CliError::BadInput(error.to_string())),
            None => Ok(crate::config::Config::default()),
        }
    }
}
