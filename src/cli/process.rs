//! `tccc process --transcript FILE.txt [--json OUT] [--mist] [--nine-line] [--events]
//! [--changes] [--start-time HH:MM [--until HH:MM]]`: reads a transcript, one utterance
//! per line, feeds the extractor, prints the guideline advisor's alerts (with
//! --start-time), the DD 1380 card (and, on request, the MIST/ATMIST handovers, the 9-line and the event log) and
//! writes the record as `tccc.casualty-record/1` JSON.
//!
//! A plain transcript has no timing, so line N (0-based, blank lines counted) is taken as
//! heard from N to N+1 seconds; the `utterances` of the JSON say so in `start_s`/`end_s`.
//! A *timed* transcript begins every line with the local clock time it was spoken,
//! `HH:MM | text` (or `HH:MM:SS | text`): a line is then heard at its time, counted in
//! seconds from the first line (a time earlier than the line before is the next day), and
//! the first line's time starts the advisor's clock without `--start-time`.

use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args};

use super::common::{CliError, ConfigArg};
use super::listen::{listen_journaled, ListenOptions};
use super::segments::{open_source, SourceChoice};
use crate::advisor::clock::{SimClock, Stamp, DAY_S};
use crate::advisor::rules::RuleSet;
use crate::advisor::{describe, Advisor, AlertEvent};
use crate::extract::{Extractor, ExtractorConfig};
use crate::frontend::pipeline::Pacing;
use crate::limits::{TRANSCRIPT_BYTES_MAX, TRANSCRIPT_UTTERANCES_MAX};
use crate::record::{Event, RecordDocument, UtteranceDocument};
use crate::render;

/// `tccc process`: a recording through the whole pipeline, or a transcript through the
/// extractor.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["input", "transcript"])))]
pub struct ProcessArgs {
    /// A recording (WAV; `-` reads raw s16le from standard input, with --rate): capture,
    /// VAD, Whisper and the extractor, as fast as possible
    #[arg(long, value_name = "FILE.wav")]
    pub input: Option<PathBuf>,
    /// A UTF-8 transcript, one utterance per line (line N heard from N to N+1 s), or a
    /// timed one whose lines begin with the clock time spoken, `HH:MM | text`
    #[arg(long, value_name = "FILE.txt")]
    pub transcript: Option<PathBuf>,
    /// Write the record as `tccc.casualty-record/1` JSON to OUT
    #[arg(long, value_name = "OUT")]
    pub json: Option<PathBuf>,
    /// Also print the MIST and ATMIST handovers
    #[arg(long)]
    pub mist: bool,
    /// Also print the MEDEVAC 9-line
    #[arg(long)]
    pub nine_line: bool,
    /// Also print the record's event log
    #[arg(long)]
    pub events: bool,
    /// Print what each utterance changed in the record
    #[arg(long)]
    pub changes: bool,
    /// Sample rate of raw s16le on standard input (`--input -`)
    #[arg(long, value_name = "HZ", requires = "input")]
    pub rate: Option<u32>,
    /// Channels of raw s16le on standard input (`--input -`)
    #[arg(long, value_name = "N", requires = "input")]
    pub channels: Option<usize>,
    /// Journal everything to the state directory DIR as it goes (encrypted; make the key
    /// with `tccc keygen --state DIR`); a killed run resumes; --changes prints a change
    /// only once it is durable
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// The journal key file, if not DIR/journal.key (`keyring:NAME`: a key in the kernel
    /// keyring)
    #[arg(long, value_name = "FILE", requires = "state")]
    pub key: Option<PathBuf>,
    /// Wait MS milliseconds after each transcript line (a narration's pace)
    #[arg(long, value_name = "MS", requires = "transcript")]
    pub pace_ms: Option<u64>,
    /// Local clock time (24-hour) at the start of the input: runs the guideline advisor on
    /// the utterance times and prints its alerts as `! HH:MM:SS casualty N: …`
    #[arg(long, value_name = "HH:MM", value_parser = parse_clock_time)]
    pub start_time: Option<Stamp>,
    /// Keep the advisor's clock running after the last utterance until this local time
    /// (the next day if earlier than --start-time)
    #[arg(long, value_name = "HH:MM", value_parser = parse_clock_time, requires = "start_time")]
    pub until: Option<Stamp>,
    #[command(flatten)]
    pub config: ConfigArg,
}

fn parse_clock_time(text: &str) -> Result<Stamp, String> {
    Stamp::parse_hhmm(text).ok_or_else(|| format!("`{text}` is not a 24-hour time HH:MM"))
}

/// Runs the guideline advisor over the record's log from `--start-time` or a timed
/// transcript's first time to the end of the last utterance (or `--until`, when later) and
/// prints each alert at the time it fell due. The clock runs through utterances that filed
/// nothing too ("Bird's thirty minutes out" at 01:00 still lets a 00:40 alert fall due).
fn print_alerts(
    args: &ProcessArgs,
    extractor: &Extractor,
    utterances: &[UtteranceDocument],
    timed_start: Option<Stamp>,
) -> Result<(), CliError> {
    let Some(start) = args.start_time.or(timed_start) else {
        return Ok(());
    };
    let rules = RuleSet::builtin().map_err(|e| CliError::Internal(e.to_string()))?;
    let mut advisor = Advisor::new(rules, start);
    let mut clock = SimClock::new(start);
    let input_end = utterances
        .iter()
        .map(|u| u.end_s)
        .fold(None, |last: Option<f64>, end| {
            Some(last.map_or(end, |l| l.max(end)))
        })
        .map(|end| start.plus_seconds(end));
    let until = args
        .until
        .map(|u| if u < start { Stamp(u.0 + DAY_S) } else { u });
    let until = match (until, input_end) {
        (Some(u), Some(e)) => Some(if u > e { u } else { e }),
        (u, e) => u.or(e),
    };
    let raised = advisor
        .replay(extractor.events(), &mut clock, until)
        .map_err(|e| CliError::Internal(e.to_string()))?;
    println!("ALERTS (advisor rules {})", advisor.rules().version);
    for event in &raised {
        if let AlertEvent::Raised(alert) = event {
            println!("{}", describe(alert));
        }
    }
    if raised.is_empty() {
        println!("  none");
    }
    if advisor.dropped() > 0 {
        println!(
            "  {} more not shown (per-casualty limit)",
            advisor.dropped()
        );
    }
    Ok(())
}

/// Reads a transcript file, refusing files that are too large or not UTF-8 text.
pub fn read_transcript(path: &Path) -> Result<String, CliError> {
    let name = path.display();
    let metadata = std::fs::metadata(path)
        .map_err(|e| CliError::BadInput(format!("cannot read transcript {name}: {e}")))?;
    if metadata.len() > TRANSCRIPT_BYTES_MAX as u64 {
        return Err(CliError::BadInput(format!(
            "transcript {name} is {} bytes, more than the {TRANSCRIPT_BYTES_MAX} accepted; split it into shorter files",
            metadata.len()
        )));
    }
    // Bounded again while reading: a FIFO or device reports no length.
    let bytes = crate::files::read_bounded(path, TRANSCRIPT_BYTES_MAX)
        .map_err(|e| CliError::BadInput(format!("cannot read transcript {name}: {e}")))?;
    transcript_text(bytes, &name.to_string())
}

/// A transcript's bytes as text: at most `TRANSCRIPT_BYTES_MAX` bytes of UTF-8; `name`
/// (the file) goes into the error.
pub fn transcript_text(bytes: Vec<u8>, name: &str) -> Result<String, CliError> {
    if bytes.len() > TRANSCRIPT_BYTES_MAX {
        return Err(CliError::BadInput(format!(
            "transcript {name} is {} bytes, more than the {TRANSCRIPT_BYTES_MAX} accepted; split it into shorter files",
            bytes.len()
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        CliError::BadInput(format!(
            "transcript {name} is not UTF-8 text (bad byte at offset {}); save it as UTF-8",
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
    on_changes: impl FnMut(usize, &str, &[crate::extract::Change]),
) -> Result<(Extractor, Vec<UtteranceDocument>), CliError> {
    extract_transcript_reading(text, None, on_changes)
}

/// As [`extract_transcript_with`]; with a `reader` (`[llm] reader`), an utterance with
/// clinical words from which the rules filed nothing is read again by the language model
/// (`llm::reader`), whose checked proposals are filed unconfirmed.
pub fn extract_transcript_reading(
    text: &str,
    mut reader: Option<&mut crate::llm::worker::LlmWorker>,
    mut on_changes: impl FnMut(usize, &str, &[crate::extract::Change]),
) -> Result<(Extractor, Vec<UtteranceDocument>), CliError> {
    // Only the reader needs a lexicon of its own (building one costs an index).
    let lexicon = reader.is_some().then(crate::extract::lexicon::Lexicon::new);
    let mut extractor = Extractor::new(ExtractorConfig::default());
    let mut utterances = Vec::new();
    let mut clock = TimedLines::default();
    for (line_index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (start_s, line) = clock.place(line_index, line)?;
        if utterances.len() >= TRANSCRIPT_UTTERANCES_MAX {
            return Err(CliError::BadInput(format!(
                "transcript has more than {TRANSCRIPT_UTTERANCES_MAX} utterances; split it into shorter files"
            )));
        }
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
        if let (Some(worker), Some(lexicon)) = (reader.as_deref_mut(), &lexicon) {
            if crate::llm::reader::should_read(line, &changes, lexicon) {
                let reading = crate::llm::reader::read_missed(
                    &mut worker.generator(crate::llm::worker::Task::Reader, line),
                    &mut extractor,
                    index,
                    line,
                    (start_s, end_s),
                )
                .map_err(|e| CliError::Internal(format!("line {}: {e}", line_index + 1)))?;
                log::info!(
                    "reader: line {}: {:?} -> {} filed, {} refused",
                    line_index + 1,
                    reading.answer,
                    reading.filed.len(),
                    reading.refused
                );
            }
        }
        on_changes(line_index + 1, line, &changes);
        utterances.push(UtteranceDocument {
            start_s,
            end_s,
            text: line.to_owned(),
        });
    }
    Ok((extractor, utterances))
}

pub(crate) fn print_events(events: &[Event]) {
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
                "  u{} chars {}..{} fact #{id} casualty {casualty}: {fact} (confidence {:.2}{})",
                provenance.utterance,
                provenance.char_start,
                provenance.char_end,
                provenance.confidence,
                provenance
                    .doubt
                    .map_or(String::new(), |doubt| format!("; unconfirmed: {doubt}"))
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
            Event::Confirmed { id, provenance } => {
                println!("  u{} fact #{id} confirmed", provenance.utterance)
            }
            Event::Rejected { id, provenance } => {
                println!("  u{} fact #{id} rejected", provenance.utterance)
            }
        }
    }
}

/// Prints what `--mist`, `--nine-line` and `--events` ask for, and writes `--json`: the
/// outputs both modes of `tccc process` share.
pub(crate) fn print_and_save(
    args: &ProcessArgs,
    extractor: &Extractor,
    utterances: Vec<UtteranceDocument>,
) -> Result<(), CliError> {
    print_and_save_timed(args, extractor, utterances, None)
}

/// As [`print_and_save`], with the first time of a timed transcript (the advisor's start
/// when `--start-time` is not given).
fn print_and_save_timed(
    args: &ProcessArgs,
    extractor: &Extractor,
    utterances: Vec<UtteranceDocument>,
    timed_start: Option<Stamp>,
) -> Result<(), CliError> {
    print_alerts(args, extractor, &utterances, timed_start)?;
    let record = extractor.record();
    print!("{}", render::card::render(&record));
    if args.mist {
        print!("{}", render::handover::mist(&record));
        print!("{}", render::handover::atmist(&record));
    }
    if args.nine_line {
        print!(
            "{}",
            render::nine_line::render(&record, &render::nine_line::NineLineSettings::default())
        );
    }
    if args.events {
        print_events(extractor.events());
    }
    if let Some(out) = &args.json {
        super::journal_cmds::write_json(out, &RecordDocument::new(&record, utterances))?;
    }
    Ok(())
}

/// `tccc process --input FILE.wav [--json OUT] …`: the pipeline as fast as possible, each
/// utterance printed as it is recognised, then what the transcript mode prints too.
fn process_recording(args: &ProcessArgs) -> Result<(), CliError> {
    let config = args.config.load()?;
    let choice = SourceChoice {
        input: args.input.as_deref(),
        alsa: None,
        rate: args.rate,
        channels: args.channels,
    };
    let source = open_source(&choice, &config)?;
    let listen_options = ListenOptions {
        pacing: Pacing::AsFastAsPossible,
        show_changes: args.changes,
        show_latency: false,
    };
    let journal = args
        .state
        .as_ref()
        .map(|state| crate::analysis::JournalSetup {
            state: state.clone(),
            key: args.key.clone(),
        });
    let (extractor, utterances, summary) =
        listen_journaled(source, &config, &listen_options, journal)?;
    eprintln!(
        "tccc: {} segment(s), {} transcribed, {} rejected by the hallucination guards",
        summary.asr.segments,
        summary.asr.accepted,
        summary.asr.segments - summary.asr.accepted
    );
    print_and_save(args, &extractor, utterances)
}

fn journaled_options(args: &ProcessArgs) -> super::journal_cmds::JournaledOptions<'_> {
    super::journal_cmds::JournaledOptions {
        key: args.key.as_deref(),
        changes: args.changes,
        pace_ms: args.pace_ms,
    }
}

/// The `process` subcommand.
pub fn run(args: &ProcessArgs) -> Result<(), CliError> {
    let Some(transcript) = &args.transcript else {
        return process_recording(args);
    };
    let text = read_transcript(transcript)?;
    let timed_start = transcript_start(&text)?;
    if timed_start.is_some() && args.start_time.is_some() {
        return Err(CliError::BadInput(format!(
            "{} is a timed transcript (its lines begin `HH:MM |`), which sets the clock itself; leave out --start-time",
            transcript.display()
        )));
    }
    if let Some(state) = &args.state {
        if timed_start.is_some() {
            return Err(CliError::BadInput(format!(
                "{} is a timed transcript (its lines begin `HH:MM |`); journaling a timed transcript with --state is not supported yet: leave out --state, or the times",
                transcript.display()
            )));
        }
        let (extractor, utterances) =
            super::journal_cmds::process_transcript(&journaled_options(args), state, &text)?;
        return print_and_save(args, &extractor, utterances);
    }
    let show_changes = args.changes;
    let config = args.config.load()?;
    let mut worker = if config.llm.reader {
        let path = config
            .llm_model_file()
            .map_err(|e| CliError::BadInput(e.to_string()))?;
        Some(
            crate::llm::worker::open(&path, None)
                .map_err(|e| CliError::BadInput(format!("[llm] reader: {e}")))?,
        )
    } else {
        None
    };
    let reader = worker.as_mut();
    let (extractor, utterances) =
        extract_transcript_reading(&text, reader, |line, spoken, changes| {
            if show_changes {
                println!("line {line}: {spoken}");
                for change in changes {
                    println!("  {}", render::describe_change(change));
                }
            }
        })?;
    print_and_save_timed(args, &extractor, utterances, timed_start)
}

/// A line of a timed transcript: `HH:MM | text` or `HH:MM:SS | text`, split into its clock
/// time and its text; `None` for a line without a leading time.
pub fn timed_line(line: &str) -> Option<(Stamp, &str)> {
    let (time, text) = line.split_once('|')?;
    let mut parts = time.trim().split(':');
    let mut field = |max: i64| -> Option<i64> {
        let part = parts.next()?;
        if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse::<i64>().ok().filter(|v| *v < max)
    };
    let hour = field(24)?;
    let minute = field(60)?;
    let second = match parts.next() {
        None => 0,
        Some(part) if part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()) => {
            part.parse::<i64>().ok().filter(|v| *v < 60)?
        }
        Some(_) => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((Stamp(hour * 3600 + minute * 60 + second), text.trim()))
}

/// The clock time of a timed transcript's first line (`None` for a plain transcript); an
/// error if only some lines are timed.
pub fn transcript_start(text: &str) -> Result<Option<Stamp>, CliError> {
    let mut clock = TimedLines::default();
    for (line_index, line) in text.lines().enumerate() {
        let line = line.trim();
        if !line.is_empty() {
            clock.place(line_index, line)?;
        }
    }
    Ok(clock.first)
}

/// Places the lines of a transcript in time: plain lines at their line number, timed lines
/// at their clock time in seconds from the first (moved to the next day when earlier than
/// the line before). A transcript is timed or plain throughout.
#[derive(Debug, Default)]
struct TimedLines {
    /// The first line's clock time, for a timed transcript.
    first: Option<Stamp>,
    /// Whether the first non-empty line was plain.
    plain: bool,
    /// Seconds from the first line of the line before.
    last_s: i64,
}

impl TimedLines {
    fn place<'a>(&mut self, line_index: usize, line: &'a str) -> Result<(f64, &'a str), CliError> {
        let mixed = || {
            CliError::BadInput(format!(
                "line {}: a transcript is timed (every line begins `HH:MM |`) or plain (no line does), not both; fix the times",
                line_index + 1
            ))
        };
        match (timed_line(line), self.first) {
            (Some(_), None) if self.plain => Err(mixed()),
            (Some((stamp, text)), None) => {
                self.first = Some(stamp);
                self.last_s = 0;
                Ok((0.0, text))
            }
            (Some((stamp, text)), Some(first)) => {
                let mut offset = stamp.0 - first.0;
                while offset < self.last_s {
                    offset += DAY_S;
                }
                self.last_s = offset;
                Ok((offset as f64, text))
            }
            (None, Some(_)) => Err(mixed()),
            (None, None) => {
                self.plain = true;
                Ok((line_index as f64, line))
            }
        }
    }
}

#[cfg(test)]
mod timed_tests {
    use super::*;

    #[test]
    fn timed_lines_are_split_and_checked() {
        assert_eq!(
            timed_line("06:02 | Tourniquet right leg."),
            Some((Stamp(6 * 3600 + 2 * 60), "Tourniquet right leg."))
        );
        assert_eq!(
            timed_line("23:59:30|Pulse 80."),
            Some((Stamp(23 * 3600 + 59 * 60 + 30), "Pulse 80."))
        );
        for plain in [
            "Pulse 80.",
            "6:02 | short hour",
            "24:00 | no such hour",
            "06:60 | no such minute",
            "06:02:61 | no such second",
            "BP 120 | 80",
            "06:02:03:04 | too many fields",
        ] {
            assert_eq!(timed_line(plain), None, "{plain}");
        }
    }

    #[test]
    fn timed_transcript_is_placed_in_time_across_midnight() {
        let text = "23:50 | Casualty one, pulse 100.\n\n00:10 | Pulse 90.\n00:05 | Pulse 85.\n";
        let (_, utterances) = extract_transcript(text).unwrap();
        let starts: Vec<f64> = utterances.iter().map(|u| u.start_s).collect();
        // 00:05 after 00:10 is the next day again: a log never runs backwards.
        assert_eq!(starts, vec![0.0, 1200.0, 1200.0 + 86100.0]);
        assert_eq!(utterances[1].text, "Pulse 90.");
        assert_eq!(
            transcript_start(text).unwrap(),
            Some(Stamp(23 * 3600 + 50 * 60))
        );
        assert_eq!(transcript_start("Pulse 80.\nPulse 90.").unwrap(), None);
    }

    #[test]
    fn mixed_transcript_is_refused_with_the_line() {
        for text in [
            "06:00 | Pulse 80.\nPulse 90.",
            "Pulse 80.\n06:00 | Pulse 90.",
        ] {
            let err = extract_transcript(text).err().unwrap().to_string();
            assert!(err.contains("line 2") && err.contains("HH:MM"), "{err}");
        }
    }
}
