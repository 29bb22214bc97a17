//! `tccc demo [--fast]`: the main job on a bundled narration, paced like speech. After
//! each utterance it prints what changed (`+` new, `~` corrected, `-` withdrawn, `>` casualty
//! switch) and the card, with the lines that changed highlighted on a terminal; at the end
//! the MIST handover. `--fast` skips the pacing (for tests and scripts).

use super::CliError;
use crate::extract::{Change, Extractor, ExtractorConfig};
use crate::render;
use std::io::IsTerminal;
use std::time::Duration;

/// The bundled narration: two casualties, a correction, a casualty switch and back.
const NARRATION: &str = include_str!("demo_narration.txt");

/// Seconds of pacing per spoken word (about 150 words a minute).
const PACE_PER_WORD_S: f64 = 0.4;

fn describe(change: &Change) -> String {
    match change {
        Change::Switched(casualty) => format!("> casualty {casualty}"),
        Change::Asserted(casualty, fact) => format!("+ casualty {casualty}: {fact}"),
        Change::Corrected {
            casualty,
            old,
            new: Some(new),
        } => format!("~ casualty {casualty}: {old} -> {new}"),
        Change::Corrected {
            casualty,
            old,
            new: None,
        } => format!("- casualty {casualty}: {old} withdrawn"),
    }
}

/// The `demo` subcommand.
pub fn run(args: &[String]) -> Result<(), CliError> {
    let mut fast = false;
    for arg in args {
        match arg.as_str() {
            "--fast" => fast = true,
            other => return Err(CliError::Usage(format!("demo: unknown option `{other}`"))),
        }
    }
    let highlight = std::io::stdout().is_terminal();
    let mut extractor = Extractor::new(ExtractorConfig::default());
    let mut previous_card = String::new();
    for (index, line) in NARRATION
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
    {
        if !fast {
            let words = line.split_whitespace().count() as f64;
            std::thread::sleep(Duration::from_secs_f64(words * PACE_PER_WORD_S));
        }
        let start_s = index as f64;
        let changes = extractor
            .push_utterance(index as u32, line, start_s, start_s + 1.0)
            .map_err(|e| CliError::Internal(format!("demo narration line {}: {e}", index + 1)))?;
        println!("\n\"{line}\"");
        for change in &changes {
            println!("  {}", describe(change));
        }
        let card = render::card::render(&extractor.record());
        for card_line in card.lines() {
            let changed = !previous_card.lines().any(|old| old == card_line);
            if highlight && changed {
                println!("\x1b[1;7m{card_line}\x1b[0m");
            } else {
                println!("{card_line}");
            }
        }
        previous_card = card;
    }
    println!();
    print!("{}", render::handover::mist(&extractor.record()));
    Ok(())
}
