//! The journal's commands: `tccc keygen`, `tccc purge`, `tccc export`, and `tccc process
//! --transcript FILE --state DIR`, which journals each utterance and its events as it goes,
//! resumes a killed run from the journal, and prints each change (`--changes`) only once the
//! records holding it are durable.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::common::CliError;
use crate::extract::{Extractor, ExtractorConfig};
use crate::journal::codec::{self, Kind, UtteranceRecord};
use crate::journal::{self, key, Journal, JournalError, JournalKey, WriterTiming};
use crate::limits::TRANSCRIPT_UTTERANCES_MAX;
use crate::record::{RecordDocument, UtteranceDocument};
use crate::render;

/// How long a run waits at its end for its last records to become durable.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);
use crate::analysis::TRANSCRIPT_MODEL;
// The lexicon version recorded with every utterance.
use crate::extract::lexicon::LEXICON_VERSION;

/// `tccc keygen`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("where").required(true).args(["state", "key"])))]
pub struct KeygenArgs {
    /// The state directory; the key goes to DIR/journal.key (created 0600)
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Write the key to FILE instead (keep it off the card that holds the journal), or to
    /// the kernel's user keyring with `keyring:NAME`
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

/// `tccc purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The state directory to destroy
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
    /// The key file, if not DIR/journal.key (`keyring:NAME`: a key in the kernel keyring)
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
    /// The key file, if not DIR/journal.key (`keyring:NAME`: a key in the kernel keyring)
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Write the record as `tccc.casualty-record/1` JSON to OUT (atomically)
    #[arg(long, value_name = "OUT")]
    pub json: Option<PathBuf>,
    /// Write the record as a FHIR R4 Bundle (JSON) to OUT (atomically)
    #[arg(long, value_name = "OUT")]
    pub fhir: Option<PathBuf>,
    /// Write a printable DD Form 1380 (front and back per casualty) as PDF to OUT.pdf
    #[arg(long, value_name = "OUT.pdf")]
    pub card: Option<PathBuf>,
    /// Also print the MIST and ATMIST handovers
    #[arg(long)]
    pub mist: bool,
    /// With --mist: also a draft handover paragraph per casualty, written by the language
    /// model ([llm] model) and checked against the record
    #[arg(long, requires = "mist")]
    pub prose: bool,
    #[command(flatten)]
    pub config: super::common::ConfigArg,
    /// Also print the MEDEVAC 9-line
    #[arg(long)]
    pub nine_line: bool,
}

pub(crate) fn journal_error(error: JournalError) -> CliError {
    match error {
        JournalError::Thread(_) | JournalError::Seal | JournalError::Random(_) => {
            CliError::Internal(error.to_string())
        }
        other => CliError::BadInput(other.to_string()),
    }
}

pub(crate) fn load_key(state: &Path, key_file: Option<&Path>) -> Result<JournalKey, CliError> {
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
    match key::keyring_name(&path) {
        Some(name) => {
            println!("tccc: journal key added to the kernel's user keyring as user key {name:?}")
        }
        None => println!(
            "tccc: journal key written to {} (mode 0600)",
            path.display()
        ),
    }
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
    let _lock = if args.state.is_dir() {
        Some(journal::lock::StateLock::take(&args.state).map_err(journal_error)?)
    } else {
        None
    };
    let removed = journal::purge(&args.state, &key_path).map_err(journal_error)?;
    println!(
        "tccc: key {} destroyed, {removed} journal file(s) removed",
        key_path.display()
    );
    Ok(())
}

pub(crate) fn report_problems(problems: &[journal::Problem]) {
    for problem in problems {
        eprintln!("tccc: journal: {problem}");
    }
}

/// The utterances as heard in the field; second hearings by `reprocess --all` are left out
/// (the facts they proposed are in the record, marked unconfirmed).
fn utterance_documents(utterances: &[UtteranceRecord]) -> Vec<UtteranceDocument> {
    utterances
        .iter()
        .filter(|u| u.rehearing_of.is_none())
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
        if args.prose {
            print_prose(&args.config, &record)?;
        }
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
    if let Some(out) = &args.card {
        journal::atomic::write_atomically(out, &super::card_pdf::card(&record)).map_err(|e| {
            CliError::BadInput(format!("cannot write the card to {}: {e}", out.display()))
        })?;
    }
    if let Some(out) = &args.fhir {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        let bundle = super::fhir::bundle(&state.log, &state.event_wall_ns, now)?;
        let text = serde_json::to_string_pretty(&bundle)
            .map_err(|e| CliError::Internal(format!("cannot serialise the FHIR bundle: {e}")))?;
        journal::atomic::write_atomically(out, (text + "\n").as_bytes()).map_err(|e| {
            CliError::BadInput(format!("cannot write FHIR to {}: {e}", out.display()))
        })?;
    }
    Ok(())
}

/// The checked handover drafts of every casualty (`--mist --prose`).
fn print_prose(
    config: &super::common::ConfigArg,
    record: &crate::record::Record,
) -> Result<(), CliError> {
    let config = config.load()?;
    let path = config
        .llm_model_file()
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    // On the model's own thread (`llm::worker`), as the console's `mist N prose`.
    let mut worker = crate::llm::worker::open(&path, None)
        .map_err(|e| CliError::BadInput(format!("--prose: {e}")))?;
    for casualty in &record.casualties {
        let mut generator = worker.generator(crate::llm::worker::Task::Handover, "");
        let draft = crate::llm::handover::draft(&mut generator, casualty)
            .map_err(|e| CliError::Internal(format!("--prose: {e}")))?;
        print!("{}", draft.render());
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

/// What `process --state` passes on to a journaled run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JournaledOptions<'a> {
    /// `--key FILE`.
    pub key: Option<&'a Path>,
    /// `--changes`: print each utterance's changes once durable.
    pub changes: bool,
    /// `--pace-ms MS` (transcripts).
    pub pace_ms: Option<u64>,
}

/// A journaled run of the extractor: each utterance and its events are appended as they
/// come; the record the state directory already holds (a killed run, a `reprocess --all`,
/// the medic's verdicts) is restored first as `tccc run` restores it, so lines it already
/// journaled are only checked; changes are printed once durable.
struct JournaledRun<'a> {
    journal: Journal,
    /// Held until the run ends (dropped after the journal is closed).
    _lock: journal::lock::StateLock,
    replayed: journal::State,
    /// The field utterances (not second hearings) by index: their position in `replayed`.
    journaled: HashMap<u32, usize>,
    /// The journaled field utterances this run has read again.
    read: HashSet<u32>,
    /// The first utterance index the journal does not use (second hearings included).
    next_index: u32,
    extractor: Extractor,
    utterances: Vec<UtteranceDocument>,
    /// Whether a line new to the journal was appended (no journaled line may follow).
    appended: bool,
    pending: VecDeque<(u64, String)>,
    resumed: usize,
    state_dir: &'a Path,
    show_changes: bool,
}

impl<'a> JournaledRun<'a> {
    fn open(
        state_dir: &'a Path,
        key_file: Option<&Path>,
        show_changes: bool,
    ) -> Result<Self, CliError> {
        let key = load_key(state_dir, key_file)?;
        let storage = journal::dir_storage(state_dir).map_err(journal_error)?;
        let lock = journal::lock::StateLock::take(state_dir).map_err(journal_error)?;
        let (journal, replayed) =
            journal::open_contiguous(Box::new(storage), &key, WriterTiming::default())
                .map_err(journal_error)?;
        report_problems(&replayed.problems);
        let journaled = replayed
            .utterances
            .iter()
            .enumerate()
            .filter(|(_, u)| u.rehearing_of.is_none())
            .map(|(position, u)| (u.index, position))
            .collect();
        let mut extractor = Extractor::new(ExtractorConfig::default());
        let next_index = crate::analysis::replay_utterances(&mut extractor, &replayed);
        let mut run = JournaledRun {
            journal,
            _lock: lock,
            replayed,
            journaled,
            read: HashSet::new(),
            next_index,
            extractor,
            utterances: Vec::new(),
            appended: false,
            pending: VecDeque::new(),
            resumed: 0,
            state_dir,
            show_changes,
        };
        run.reconcile()?;
        Ok(run)
    }

    /// Reads one utterance: journals it and its events, or (already journaled and
    /// restored) only checks it is the line the journal holds. `heading` is what
    /// `--changes` prints above its changes.
    fn utterance(&mut self, heard: UtteranceRecord, heading: String) -> Result<(), CliError> {
        if self.utterances.len() >= TRANSCRIPT_UTTERANCES_MAX {
            return Err(CliError::BadInput(format!(
                "more than {TRANSCRIPT_UTTERANCES_MAX} utterances; split the input into shorter files"
            )));
        }
        self.utterances.push(UtteranceDocument {
            start_s: heard.start_s,
            end_s: heard.end_s,
            text: heard.text.clone(),
        });
        let index = heard.index;
        if let Some(&position) = self.journaled.get(&index) {
            if self.appended || self.replayed.utterances[position].text != heard.text {
                return Err(self.another_narration(index));
            }
            self.resumed += 1;
            self.read.insert(index);
            return Ok(());
        }
        if !self.appended {
            // Every journaled line must have come before the first new one.
            if let Some(missed) = self.first_unread() {
                return Err(self.another_narration(missed));
            }
            self.appended = true;
        }
        if index < self.next_index {
            return Err(CliError::BadInput(format!(
                "{} was reprocessed (its second hearings hold utterance numbers up to {}), so line {} cannot be added to it; use a new --state",
                self.state_dir.display(),
                self.next_index,
                index + 1
            )));
        }
        let mut payload = Vec::new();
        codec::encode_utterance(&heard, &mut payload);
        append(&mut self.journal, Kind::Utterance, payload)?;
        let before = self.extractor.events().len();
        let changes = self.extract(&heard)?;
        append_events(&mut self.journal, &self.extractor.events()[before..])?;
        if self.show_changes {
            let mut block = heading;
            for change in &changes {
                block.push_str(&format!("  {}\n", render::describe_change(change)));
            }
            self.pending.push_back((self.journal.next_seq(), block));
        }
        print_durable(&self.journal, &mut self.pending);
        show_alerts(&mut self.journal)
    }

    /// The first journaled field utterance this run has not read (by index), if any.
    fn first_unread(&self) -> Option<u32> {
        self.journaled
            .keys()
            .copied()
            .filter(|index| !self.read.contains(index))
            .min()
    }

    fn another_narration(&self, index: u32) -> CliError {
        CliError::BadInput(format!(
            "{} holds another narration (utterance {} differs from what it journaled); use a new --state",
            self.state_dir.display(),
            index + 1
        ))
    }

    fn extract(
        &mut self,
        heard: &UtteranceRecord,
    ) -> Result<Vec<crate::extract::Change>, CliError> {
        self.extractor
            .push_heard(
                heard.index,
                &heard.text,
                &heard.words,
                heard.start_s,
                heard.end_s,
            )
            .map_err(|e| CliError::BadInput(format!("utterance {}: {e}", heard.index + 1)))
    }

    /// The journal's events must be a prefix of what restoring it made (a crash may have
    /// cut the last utterance's events); the missing rest is journaled now.
    fn reconcile(&mut self) -> Result<(), CliError> {
        let ours = self.extractor.events();
        let theirs = self.replayed.log.events();
        if theirs.len() > ours.len() || ours[..theirs.len()] != *theirs {
            return Err(CliError::BadInput(format!(
                "the journal in {} holds events that this tccc does not extract from its utterances (another lexicon version?); export it with `tccc export` or use a new --state",
                self.state_dir.display()
            )));
        }
        append_events(&mut self.journal, &ours[theirs.len()..])
    }

    /// Waits for everything to be durable, prints the rest of the changes, closes the
    /// journal; returns the extractor and the utterances.
    fn finish(mut self) -> Result<(Extractor, Vec<UtteranceDocument>), CliError> {
        if !self.appended {
            if let Some(missed) = self.first_unread() {
                return Err(self.another_narration(missed));
            }
        }
        if self.resumed > 0 {
            eprintln!(
                "tccc: resumed from {}: {} utterance(s) already journaled",
                self.state_dir.display(),
                self.resumed
            );
        }
        let next = self.journal.next_seq();
        if !self.journal.wait_durable(next, CLOSE_TIMEOUT) {
            show_alerts(&mut self.journal)?;
            return Err(CliError::Internal(format!(
                "the journal in {} could not be saved (storage failing); records from {} on are not durable",
                self.state_dir.display(),
                self.journal.durable_next()
            )));
        }
        print_durable(&self.journal, &mut self.pending);
        show_alerts(&mut self.journal)?;
        self.journal
            .close(CLOSE_TIMEOUT)
            .map_err(|e| CliError::Internal(e.to_string()))?;
        Ok((self.extractor, self.utterances))
    }
}

/// `tccc process --transcript FILE --state DIR`: as without `--state`, but journaled, and
/// resumed from the journal when DIR already holds part of this narration.
pub(crate) fn process_transcript(
    options: &JournaledOptions<'_>,
    state_dir: &Path,
    text: &str,
) -> Result<(Extractor, Vec<UtteranceDocument>), CliError> {
    let mut run = JournaledRun::open(state_dir, options.key, options.changes)?;
    for (line_index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let index = u32::try_from(line_index)
            .map_err(|_| CliError::BadInput("transcript has too many lines".to_owned()))?;
        let start_s = line_index as f64;
        let journaled_before = run.journaled.contains_key(&index);
        run.utterance(
            UtteranceRecord {
                index,
                start_s,
                end_s: start_s + 1.0,
                text: line.to_owned(),
                words: Vec::new(),
                model: TRANSCRIPT_MODEL.to_owned(),
                lexicon: LEXICON_VERSION.to_owned(),
                audio_seq: None,
                rehearing_of: None,
            },
            format!("line {}: {line}\n", line_index + 1),
        )?;
        if let (Some(pace), false) = (options.pace_ms, journaled_before) {
            std::thread::sleep(Duration::from_millis(pace));
        }
    }
    run.finish()
}
