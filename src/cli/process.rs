//! `tccc process --transcript FILE.txt [--json OUT] [--mist] [--nine-line] [--events]
//! [--changes]`:
//! reads a transcript, one utterance per line, feeds the extractor, prints the DD 1380
//! card (and, on request, the MIST/ATMIST handovers, the 9-line and the event log) and
//! writes the record as `tccc.casualty-record/1` JSON.
//!
//! A transcript has no timing, so line N (0-based, blank lines counted) is taken as heard
//! from N to N+1 seconds; the `utterances` of the JSON say so in `start_s`/`end_s`.

use super::CliError;
use crate::extract::{Change, Extractor, ExtractorConfig};
use crate::limits::{TRANSCRIPT_BYTES_MAX, TRANSCRIPT_UTTERANCES_MAX};
use crate::record::{Event, RecordDocument, UtteranceDocument};
use crate::render;
use std::path::Path;

struct Options {
    transcript: String,
    json: Option<String>,
    mist: bool,
    nine_line: bool,
    events: bool,
    changes: bool,
}

fn parse(args: &[String]) -> Result<Options, CliError> {
    let mut transcript = None;
    let mut json = None;
    let mut options = Options {
        transcript: String::new(),
        json: None,
        mist: false,
        nine_line: false,
        events: false,
        changes: false,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--transcript" => transcript = rest.next().cloned(),
            "--json" => json = rest.next().cloned(),
            "--mist" => options.mist = true,
            "--nine-line" => options.nine_line = true,
            "--events" => options.events = true,
            "--changes" => options.changes = true,
            other => {
                return Err(CliError::Usage(format!(
                    "process: unknown option `{other}` (this build reads transcripts: --transcript FILE)"
                )))
            }
        }
    }
    options.transcript = transcript
        .ok_or_else(|| CliError::Usage("process: --transcript FILE is required".to_owned()))?;
    options.json = json;
    Ok(options)
}

/// Reads a transcript file, refusing files that are too large or not UTF-8 text.
pub fn read_transcript(path: &str) -> Result<String, CliError> {
    let metadata = std::fs::metadata(path)
        .map_err(|e| CliError::BadInput(format!("cannot read transcript {path}: {e}")))?;
    if metadata.len() > TRANSCRIPT_BYTES_MAX as u64 {
        return Err(CliError::BadInput(format!(
            "transcript {path} is {} bytes, more than the {TRANSCRIPT_BYTES_MAX} accepted; split it into shorter files",
            metadata.len()
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::BadInput(format!("cannot read transcript {path}: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        CliError::BadInput(format!(
            "transcript {path} is not UTF-8 text (bad byte at offset {}); save it as UTF-8",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Runs the extractor over the lines of `text`; returns it and the utterances read.
pub fn extract_transcript(text: &str) -> Result<(Extractor, Vec<UtteranceDocument>), CliError> {
    extract_transcript_with(text, |_, _, _| {})
}

/// As [`extract_transcript`], calling `on_changes(line number, text, changes)` after each
/// utterance (what `--changes` prints, and what a live view highlights).
pub fn extract_transcript_with(
    text: &str,
    mut on_changes: impl FnMut(usize, &str, &[Change]),
) -> Result<(Extractor, Vec<UtteranceDocument>), CliError> {
    let mut extractor = Extractor::new(ExtractorConfig::default());
    let mut utterances = Vec::new();
    for (line_index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if utterances.len() >= TRANSCRIPT_UTTERANCES_MAX {
            return Err(CliError::BadInput(format!(
                "transcript has more than {TRANSCRIPT_UTTERANCES_MAX} utterances; split it into shorter files"
            )));
        }
        let start_s = line_index as f64;
        let end_s = start_s + 1.0;
        let index = u32::try_from(line_index)
            .map_err(|_| CliError::BadInput("transcript has too many lines".to_owned()))?;
        let changes = extractor
            .push_utterance(index, line, start_s, end_s)
            .map_err(|e| match e {
                crate::extract::ExtractError::Record(crate::record::RecordError::Full(_)) => {
                    CliError::BadInput(format!(
                        "line {}: {e}; split the transcript into shorter files",
                        line_index + 1
                    ))
                }
                other => CliError::Internal(format!("line {}: {other}", line_index + 1)),
            })?;
        on_changes(line_index + 1, line, &changes);
        utterances.push(UtteranceDocument {
            start_s,
            end_s,
            text: line.to_owned(),
        });
    }
    Ok((extractor, utterances))
}

/// One change as a line for people: `+` asserted, `~` corrected, `-` withdrawn.
pub(crate) fn describe_change(change: &Change) -> String {
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

fn print_events(events: &[Event]) {
    println!("EVENTS");
    for event in events {
        match event {
            Event::CasualtySwitched {
                casualty,
                provenance,
            } => {
                println!("  u{} casualty {casualty}", provenance.utterance)
            }
            Event::Asserted {
                id,
                casualty,
                fact,
                provenance,
            } => println!(
                "  u{} chars {}..{} fact #{id} casualty {casualty}: {fact} (confidence {:.2})",
                provenance.utterance,
                provenance.char_start,
                provenance.char_end,
                provenance.confidence
            ),
            Event::Corrected {
                superseded,
                by,
                provenance,
            } => println!(
                "  u{} fact #{superseded} corrected by {}",
                provenance.utterance,
                by.map_or("nothing (withdrawn)".to_owned(), |b| format!("#{b}"))
            ),
        }
    }
}

/// The `process` subcommand.
pub fn run(args: &[String]) -> Result<(), CliError> {
    if args
        .iter()
        .any(|a| a == "--input" || a.starts_with("--input="))
    {
        return super::listen::process(args);
    }
    let options = parse(args)?;
    let text = read_transcript(&options.transcript)?;
    let show_changes = options.changes;
    let (extractor, utterances) = extract_transcript_with(&text, |line, spoken, changes| {
        if show_changes {
            println!("line {line}: {spoken}");
            for change in changes {
                println!("  {}", describe_change(change));
            }
        }
    })?;
    let record = extractor.record();
    print!("{}", render::card::render(&record));
    if options.mist {
        print!("{}", render::handover::mist(&record));
        print!("{}", render::handover::atmist(&record));
    }
    if options.nine_line {
        print!(
            "{}",
            render::nine_line::render(&record, &render::nine_line::NineLineSettings::default())
        );
    }
    if options.events {
        print_events(extractor.events());
    }
    if let Some(out) = options.json {
        let document = RecordDocument::new(&record, utterances);
        let json = document
            .to_json()
            .map_err(|e| CliError::Internal(format!("cannot serialise the record: {e}")))?;
        std::fs::write(Path::new(&out), json + "\n")
            .map_err(|e| CliError::BadInput(format!("cannot write JSON to {out}: {e}")))?;
    }
    Ok(())
}
