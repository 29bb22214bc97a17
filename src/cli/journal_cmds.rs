//! The journal's commands: `tccc keygen`, `tccc purge`, `tccc export`, and `tccc process
//! --transcript FILE --state DIR`, which journals each utterance and its events as it goes,
//! resumes a killed run from the journal, and prints each change (`--changes`) only once the
//! records holding it are durable.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::common::CliError;
use super::process::ProcessArgs;
use crate::extract::{Extractor, ExtractorConfig};
use crate::journal::codec::{self, Kind, UtteranceRecord};
use crate::journal::{self, key, Journal, JournalError, JournalKey, WriterTiming};
use crate::limits::TRANSCRIPT_UTTERANCES_MAX;
use crate::record::{EventLog, RecordDocument, UtteranceDocument};
use crate::render;

/// How long a run waits at its end for its last records to become durable.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);
/// What the journal records as the recogniser of typed transcript lines.
const TRANSCRIPT_MODEL: &str = "transcript";
/// The extractor version recorded with every utterance.
const LEXICON_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `tccc keygen`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("where").required(true).args(["state", "key"])))]
pub struct KeygenArgs {
    /// The state directory; the key goes to DIR/journal.key (created 0600)
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Write the key to FILE instead (keep it off the card that holds the journal)
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

/// `tccc purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The state directory to destroy
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
    /// The key file, if not DIR/journal.key
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Confirm: the key and the journal are destroyed for good
    #[arg(long)]
    pub yes: bool,
}

/// `tccc export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The state directory holding the journal
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
    /// The key file, if not DIR/journal.key
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Write the record as `tccc.casualty-record/1` JSON to OUT (atomically)
    #[arg(long, value_name = "OUT")]
    pub json: Option<PathBuf>,
    /// Also print the MIST and ATMIST handovers
    #[arg(long)]
    pub mist: bool,
    /// Also print the MEDEVAC 9-line
    #[arg(long)]
    pub nine_line: bool,
}

fn journal_error(error: JournalError) -> CliError {
    match error {
        JournalError::Thread(_) | JournalError::Seal | JournalError::Random(_) => {
            CliError::Internal(error.to_string())
        }
        other => CliError::BadInput(other.to_string()),
    }
}

fn load_key(state: &Path, key_file: Option<&Path>) -> Result<JournalKey, CliError> {
    JournalKey::load(&key::key_path(state, key_file)).map_err(journal_error)
}

/// Writes `document` as JSON to `out`, atomically and durably.
pub(crate) fn write_json(out: &Path, document: &RecordDocument) -> Result<(), CliError> {
    let json = document
        .to_json()
        .map_err(|e| CliError::Internal(format!("cannot serialise the record: {e}")))?;
    journal::atomic::write_atomically(out, (json + "\n").as_bytes())
        .map_err(|e| CliError::BadInput(format!("cannot write JSON to {}: {e}", out.display())))
}

/// `tccc keygen`.
pub fn keygen(args: &KeygenArgs) -> Result<(), CliError> {
    let path = match (&args.key, &args.state) {
        (Some(key), _) => key.clone(),
        (None, Some(state)) => {
            journal::dir_storage(state).map_err(journal_error)?;
            state.join(key::KEY_FILE_NAME)
        }
        (None, None) => return Err(CliError::Usage("give --state DIR or --key FILE".to_owned())),
    };
    JournalKey::create_file(&path).map_err(journal_error)?;
    println!(
        "tccc: journal key written to {} (mode 0600)",
        path.display()
    );
    Ok(())
}

/// `tccc purge`.
pub fn purge(args: &PurgeArgs) -> Result<(), CliError> {
    if !args.yes {
        return Err(CliError::Usage(format!(
            "purge destroys the key and every record in {} for good; add --yes to confirm",
            args.state.display()
        )));
    }
    let key_path = key::key_path(&args.state, args.key.as_deref());
    let removed = journal::purge(&args.state, &key_path).map_err(journal_error)?;
    println!(
        "tccc: key {} destroyed, {removed} journal file(s) removed",
        key_path.display()
    );
    Ok(())
}

fn report_problems(problems: &[journal::Problem]) {
    for problem in problems {
        eprintln!("tccc: journal: {problem}");
    }
}

fn utterance_documents(utterances: &[UtteranceRecord]) -> Vec<UtteranceDocument> {
    utterances
        .iter()
        .map(|u| UtteranceDocument {
            start_s: u.start_s,
            end_s: u.end_s,
            text: u.text.clone(),
        })
        .collect()
}

/// `tccc export`: the record as the journal's events build it.
pub fn export(args: &ExportArgs) -> Result<(), CliError> {
    let key = load_key(&args.state, args.key.as_deref())?;
    if !args.state.is_dir() {
        return Err(CliError::BadInput(format!(
            "no state directory at {}",
            args.state.display()
        )));
    }
    let storage = journal::dir_storage(&args.state).map_err(journal_error)?;
    let state = journal::read_state(&storage, &key).map_err(journal_error)?;
    report_problems(&state.problems);
    let record = state.log.project();
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
    if let Some(out) = &args.json {
        write_json(
            out,
            &RecordDocument::new(&record, utterance_documents(&state.utterances)),
        )?;
    }
    Ok(())
}

/// Appends one record, turning a refusal into an error (a transcript run may wait).
fn append(journal: &mut Journal, kind: Kind, payload: Vec<u8>) -> Result<u64, CliError> {
    journal
        .append(kind as u8, payload)
        .map_err(|e| CliError::Internal(e.to_string()))
}

fn append_events(journal: &mut Journal, events: &[crate::record::Event]) -> Result<(), CliError> {
    for event in events {
        let mut payload = Vec::new();
        codec::encode_event(event, &mut payload);
        append(journal, Kind::Event, payload)?;
    }
    Ok(())
}

/// Prints the change blocks whose records are durable.
fn print_durable(journal: &Journal, pending: &mut VecDeque<(u64, String)>) {
    let durable = journal.durable_next();
    while pending.front().is_some_and(|(next, _)| *next <= durable) {
        if let Some((_, block)) = pending.pop_front() {
            print!("{block}");
        }
    }
    let _ = std::io::Write::flush(&mut std::io::stdout());
}

fn show_alerts(journal: &mut Journal) -> Result<(), CliError> {
    for alert in journal.take_alerts() {
        eprintln!("tccc: journal alert: {alert}");
        let mut payload = Vec::new();
        codec::encode_alert(&codec::AlertRecord { message: alert }, &mut payload);
        append(journal, Kind::Alert, payload)?;
    }
    Ok(())
}

/// `tccc process --transcript FILE --state DIR`: as without `--state`, but journaled, and
/// resumed from the journal when DIR already holds part of this narration.
pub(crate) fn process_transcript(
    args: &ProcessArgs,
    state_dir: &Path,
    text: &str,
) -> Result<(), CliError> {
    let key = load_key(state_dir, args.key.as_deref())?;
    let storage = journal::dir_storage(state_dir).map_err(journal_error)?;
    let (mut journal, replayed) =
        journal::open(Box::new(storage), &key, WriterTiming::default()).map_err(journal_error)?;
    report_problems(&replayed.problems);
    let journaled: HashMap<u32, &UtteranceRecord> =
        replayed.utterances.iter().map(|u| (u.index, u)).collect();
    let mut extractor = Extractor::new(ExtractorConfig::default());
    let mut utterances = Vec::new();
    let mut reconciled = false;
    let mut pending: VecDeque<(u64, String)> = VecDeque::new();
    let mut resumed = 0usize;
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
        let index = u32::try_from(line_index)
            .map_err(|_| CliError::BadInput("transcript has too many lines".to_owned()))?;
        let start_s = line_index as f64;
        let end_s = start_s + 1.0;
        utterances.push(UtteranceDocument {
            start_s,
            end_s,
            text: line.to_owned(),
        });
        let extract = |extractor: &mut Extractor| {
            extractor
                .push_utterance(index, line, start_s, end_s)
                .map_err(|e| CliError::BadInput(format!("line {}: {e}", line_index + 1)))
        };
        if let Some(heard) = journaled.get(&index) {
            if reconciled || heard.text != line {
                return Err(CliError::BadInput(format!(
                    "{} holds another narration (line {} differs from what it journaled); use a new --state",
                    state_dir.display(),
                    line_index + 1
                )));
            }
            // Already journaled: only the extractor's context is restored.
            extract(&mut extractor)?;
            resumed += 1;
            continue;
        }
        if !reconciled {
            reconcile(&mut journal, &extractor, &replayed.log, state_dir)?;
            reconciled = true;
        }
        let mut payload = Vec::new();
        codec::encode_utterance(
            &UtteranceRecord {
                index,
                start_s,
                end_s,
                text: line.to_owned(),
                words: Vec::new(),
                model: TRANSCRIPT_MODEL.to_owned(),
                lexicon: LEXICON_VERSION.to_owned(),
            },
            &mut payload,
        );
        append(&mut journal, Kind::Utterance, payload)?;
        let before = extractor.events().len();
        let changes = extract(&mut extractor)?;
        append_events(&mut journal, &extractor.events()[before..])?;
        if args.changes {
            let mut block = format!("line {}: {line}\n", line_index + 1);
            for change in &changes {
                block.push_str(&format!("  {}\n", render::describe_change(change)));
            }
            pending.push_back((journal.next_seq(), block));
            print_durable(&journal, &mut pending);
        }
        show_alerts(&mut journal)?;
        if let Some(pace) = args.pace_ms {
            std::thread::sleep(Duration::from_millis(pace));
        }
    }
    if !reconciled {
        reconcile(&mut journal, &extractor, &replayed.log, state_dir)?;
    }
    if resumed > 0 {
        eprintln!(
            "tccc: resumed from {}: {resumed} utterance(s) already journaled",
            state_dir.display()
        );
    }
    let next = journal.next_seq();
    if !journal.wait_durable(next, CLOSE_TIMEOUT) {
        show_alerts(&mut journal)?;
        return Err(CliError::Internal(format!(
            "the journal in {} could not be saved (storage failing); nothing after record {} is durable",
            state_dir.display(),
            journal.durable_next()
        )));
    }
    print_durable(&journal, &mut pending);
    show_alerts(&mut journal)?;
    journal
        .close(CLOSE_TIMEOUT)
        .map_err(|e| CliError::Internal(e.to_string()))?;
    super::process::print_and_save(args, &extractor, utterances)
}

/// After the journaled utterances were fed again: the journal's events must be a prefix of
/// what the extractor made of them (a crash may have cut the last utterance's events);
/// the missing rest is journaled now.
fn reconcile(
    journal: &mut Journal,
    extractor: &Extractor,
    journaled: &EventLog,
    state_dir: &Path,
) -> Result<(), CliError> {
    let ours = extractor.events();
    let theirs = journaled.events();
    if theirs.len() > ours.len() || ours[..theirs.len()] != *theirs {
        return Err(CliError::BadInput(format!(
            "the journal in {} holds events that this tccc does not extract from its utterances (another lexicon version?); export it with `tccc export` or use a new --state",
            state_dir.display()
        )));
    }
    append_events(journal, &ours[theirs.len()..])
}
