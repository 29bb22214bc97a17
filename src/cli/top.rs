//! `tccc top`: the performance dashboard of this machine, refreshed on standard output —
//! temperatures, rail power and battery hours left, CPU and GPU load and frequency, CPU per
//! thread, resident memory per component against its budget. Inside a running `tccc run`
//! the console's `top` command shows the same screen with the governor (profile, thermal
//! state, stage knobs) and the pipeline (latency, drops, allocations).

use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;

use super::common::{CliError, ConfigArg};
use crate::watchdog::dashboard::{render, Monitor, Sample};

/// `tccc top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// Folder holding sys/ and proc/ (default: watchdog.sysfs_root, "/")
    #[arg(long, value_name = "DIR")]
    pub sysfs_root: Option<PathBuf>,
    /// Screens to show, then exit (0: until interrupted)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub count: u64,
    /// Milliseconds between screens
    #[arg(long, value_name = "MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub interval_ms: u64,
    /// Also append each screen's figures to FILE as JSON lines (for `tccc report`)
    #[arg(long, value_name = "FILE.jsonl")]
    pub record: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArg,
}

/// Runs `tccc top`.
pub fn run(args: &TopArgs) -> Result<(), CliError> {
    let config = args.config.load()?;
    let root = args
        .sysfs_root
        .clone()
        .unwrap_or_else(|| config.watchdog.sysfs_root.clone());
    let mut record = match &args.record {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| CliError::BadInput(format!("cannot write {}: {e}", path.display())))?,
        )),
        None => None,
    };
    let components = crate::watchdog::components_of(&config);
    let started = Instant::now();
    let elapsed_ms = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut monitor = Monitor::new(&config.watchdog, &root, &components, 0);
    monitor.poll(0);
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let interval = Duration::from_millis(args.interval_ms);
    let mut shown = 0u64;
    loop {
        std::thread::sleep(interval);
        monitor.poll(elapsed_ms());
        let dashboard = monitor.dashboard(None);
        let screen = render(&dashboard);
        let mut out = std::io::stdout().lock();
        // A terminal gets the screen redrawn in place; a pipe gets screens one after another,
        // separated by a form feed.
        let lead = if terminal { "\x1b[H\x1b[2J" } else { "\x0c\n" };
        let written = write!(out, "{lead}{screen}").and_then(|()| out.flush());
        if written.is_err() {
            return Ok(()); // the reader went away (`tccc top | head`)
        }
        if let Some(file) = &mut record {
            let line = serde_json::to_string(&Sample::of(&dashboard))
                .map_err(|e| CliError::Internal(format!("cannot encode a sample: {e}")))?;
            writeln!(file, "{line}")
                .and_then(|()| file.flush())
                .map_err(|e| CliError::BadInput(format!("cannot write the record file: {e}")))?;
        }
        shown += 1;
        if args.count != 0 && shown >= args.count {
            return Ok(());
        }
    }
}
