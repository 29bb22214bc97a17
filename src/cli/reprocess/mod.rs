//! `tccc reprocess --state DIR [--key FILE] [--all] [--model DIR] [--config FILE]`: runs
//! the recogniser again over the speech segments' audio the journal holds, and journals
//! what it hears in the segments that have no utterance (a run killed before their
//! transcription, or a transcript dropped from a full ring): the utterance, linked to its
//! audio record, and the events the extractor makes of it.
//!
//! With `--all` every segment is heard again (e.g. by a larger model at the base station,
//! or read by a newer lexicon) and the whole narration read afresh; what that reading
//! changes is set against the journaled record (`compare`) and reported. The medic's word
//! stands: a fact read again as the record holds it keeps its confirmation, rejection or
//! correction; a fact read otherwise, or anew, is *proposed*: filed unconfirmed
//! (`Doubt::Reprocessed`) beside the journaled one, under a journaled second hearing of its
//! utterance (`UtteranceRecord::rehearing_of`); a fact on the card that the second hearing
//! does not yield is reported and kept. Nothing is taken off the card, and every proposal
//! is durable before it is printed.
//!
//! The extractor is first rebuilt from the journal (utterances read again, verdicts
//! applied), so a recovered utterance is read in the record's context as it stands; it is
//! read after the journaled ones (it gets the next utterance index).

pub mod compare;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::common::{CliError, ConfigArg};
use super::journal_cmds::{journal_error, load_key, report_problems};
use crate::analysis::replay_utterances;
use crate::extract::lexicon::LEXICON_VERSION;
use crate::extract::{Extractor, ExtractorConfig};
use crate::journal::codec::{self, AudioHeader, AudioRecord, Kind, UtteranceRecord};
use crate::journal::{self, Journal, WriterTiming};
use crate::limits::{PIPELINE_RATE_HZ, SEGMENT_SAMPLES_MAX};
use crate::record::{Doubt, Event, EventLog};
use crate::render;
use crate::speech::HeardWord;

/// How long reprocessing waits for its records to become durable.
const DURABLE_TIMEOUT: Duration = Duration::from_secs(10);

/// `tccc reprocess`.
#[derive(Debug, Args)]
pub struct ReprocessArgs {
    /// The state directory holding the journal
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
    /// The key file, if not DIR/journal.key (or keyring:NAME)
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Hear every journaled segment again and read the narration afresh: report the
    /// changed facts and file them unconfirmed (the medic's verdicts stand)
    #[arg(long)]
    pub all: bool,
    /// The Whisper model folder to use instead of the configuration's (e.g. a larger model
    /// at the base station)
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArg,
}

/// Two audio records of one segment: a run resumed over the same input journals a
/// segment's audio again (the utterance it heard is already in the journal).
fn same_segment(a: &AudioHeader, b: &AudioHeader) -> bool {
    a.segment == b.segment && a.start_s.to_bits() == b.start_s.to_bits() && a.samples == b.samples
}

fn append(journal: &mut Journal, kind: Kind, payload: Vec<u8>) -> Result<u64, CliError> {
    journal
        .append(kind as u8, payload)
        .map_err(|e| CliError::Internal(e.to_string()))
}

fn wait_durable(journal: &mut Journal, state: &std::path::Path) -> Result<(), CliError> {
    let next = journal.next_seq();
    if journal.wait_durable(next, DURABLE_TIMEOUT) {
        return Ok(());
    }
    for alert in journal.take_alerts() {
        eprintln!("tccc: journal alert: {alert}");
    }
    Err(CliError::Internal(format!(
        "the journal in {} could not be saved (storage failing); records from {} on are not durable",
        state.display(),
        journal.durable_next()
    )))
}

/// `tccc reprocess`.
pub fn run(args: &ReprocessArgs) -> Result<(), CliError> {
    let config = args.config.load()?;
    let model_dir = match &args.model {
        Some(dir) => dir.clone(),
        None => config
            .asr_model_dir()
            .map_err(|e| CliError::BadInput(e.to_string()))?,
    };
    let model = model_dir.file_name().map_or_else(
        || "whisper".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let key = load_key(&args.state, args.key.as_deref())?;
    if !args.state.is_dir() {
        return Err(CliError::BadInput(format!(
            "no state directory at {}",
            args.state.display()
        )));
    }
    let storage = journal::dir_storage(&args.state).map_err(journal_error)?;
    let _lock = journal::lock::StateLock::take(&args.state).map_err(journal_error)?;
    let (mut journal, state) =
        journal::open_contiguous(Box::new(storage), &key, WriterTiming::default())
            .map_err(journal_error)?;
    report_problems(&state.problems);

    let heard: HashSet<u64> = state
        .utterances
        .iter()
        .filter_map(|u| u.audio_seq)
        .collect();
    let unheard: Vec<&(u64, AudioHeader)> = state
        .audio
        .iter()
        .filter(|(seq, _)| !heard.contains(seq))
        .collect();
    // Heard copies of unheard segments (a resumed run's), to compare samples with.
    let twins: Vec<&(u64, AudioHeader)> = state
        .audio
        .iter()
        .filter(|(seq, header)| {
            heard.contains(seq) && unheard.iter().any(|(_, h)| same_segment(header, h))
        })
        .collect();
    let wanted: Vec<u64> = if args.all {
        state.audio.iter().map(|(seq, _)| *seq).collect()
    } else {
        unheard
            .iter()
            .chain(twins.iter())
            .map(|(seq, _)| *seq)
            .collect()
    };
    if wanted.is_empty() {
        eprintln!(
            "tccc: {} journaled segment(s), every one already heard; nothing to reprocess",
            state.audio.len()
        );
        journal
            .close(DURABLE_TIMEOUT)
            .map_err(|e| CliError::Internal(e.to_string()))?;
        return Ok(());
    }
    let reader = journal::dir_storage(&args.state).map_err(journal_error)?;
    let audio = journal::read_audio(&reader, &key, &wanted).map_err(journal_error)?;

    // The record as it stands, so the recovered utterances are read in its context.
    let mut extractor = Extractor::new(ExtractorConfig::default());
    let mut next_index = replay_utterances(&mut extractor, &state);
    let theirs = state.log.events();
    let ours = extractor.events();
    let consistent = theirs.len() <= ours.len() && ours[..theirs.len()] == *theirs;
    // Segments without an utterance, not even a resumed run's copy of them.
    let orphans = unheard
        .iter()
        .filter(|(_, h)| !twins.iter().any(|(_, t)| same_segment(h, t)))
        .count();
    if !consistent && (!args.all || orphans > 0) {
        return Err(CliError::BadInput(format!(
            "the journal in {} holds events that this tccc does not extract from its utterances (another lexicon version?), so its segments without an utterance cannot be read in context; export it with `tccc export`",
            args.state.display()
        )));
    }
    // The record as the journal holds it once this run's records are in.
    let mut base: Vec<Event> = theirs.to_vec();
    if consistent {
        let missing: Vec<Vec<u8>> = ours[theirs.len()..]
            .iter()
            .map(|event| {
                let mut payload = Vec::new();
                codec::encode_event(event, &mut payload);
                payload
            })
            .collect();
        for payload in missing {
            append(&mut journal, Kind::Event, payload)?;
        }
    }
    // What each journaled utterance's audio sounds like now (`--all`), by utterance index.
    let mut heard_again: HashMap<u32, Option<(String, Vec<HeardWord>)>> = HashMap::new();
    let mut recovered_utterances: Vec<UtteranceRecord> = Vec::new();

    let mut transcriber = crate::live::load_transcriber(&model_dir, &config.asr_config())
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let (mut recovered, mut silent, mut compared) = (0usize, 0usize, 0usize);
    for (seq, record) in &audio {
        let header = AudioHeader {
            segment: record.segment,
            start_s: record.start_s,
            rate_hz: record.rate_hz,
            samples: record.samples.len(),
        };
        let journaled = state
            .utterances
            .iter()
            .find(|u| u.audio_seq == Some(*seq))
            .or_else(|| twin_utterance(&state.utterances, &audio, *seq, record, &heard));
        if journaled.is_some() && !args.all {
            continue;
        }
        if record.rate_hz != PIPELINE_RATE_HZ {
            eprintln!(
                "tccc: segment record {seq} is at {} Hz, not {PIPELINE_RATE_HZ}; skipped",
                record.rate_hz
            );
            continue;
        }
        let samples: Vec<f32> = record
            .samples
            .iter()
            .take(SEGMENT_SAMPLES_MAX)
            .map(|&x| f32::from(x) / f32::from(i16::MAX))
            .collect();
        let (start_s, end_s) = (header.start_s, header.end_s());
        let now = transcriber
            .transcribe(&samples)
            .map_err(|e| CliError::Internal(format!("segment record {seq}: {e}")))?
            .map(|t| (t.text().trim().to_owned(), t.words().to_vec()));
        let now_text = now
            .as_ref()
            .map_or("(nothing recognised)", |(t, _)| t.as_str());
        if let Some(before) = journaled {
            compared += 1;
            heard_again.insert(before.index, now.clone());
            let same = if before.text.trim() == now_text {
                "same"
            } else {
                "changed"
            };
            println!(
                "[{start_s:>6.2}–{end_s:>6.2}] {same}: journaled {:?}; {model} hears {now_text:?}",
                before.text
            );
            continue;
        }
        let Some((text, words)) = now else {
            silent += 1;
            println!("[{start_s:>6.2}–{end_s:>6.2}] nothing recognised (record {seq})");
            continue;
        };
        let utterance = UtteranceRecord {
            index: next_index,
            start_s,
            end_s,
            text,
            words,
            model: model.clone(),
            lexicon: LEXICON_VERSION.to_owned(),
            audio_seq: Some(*seq),
            rehearing_of: None,
        };
        next_index = next_index.saturating_add(1);
        let mut payload = Vec::new();
        codec::encode_utterance(&utterance, &mut payload);
        append(&mut journal, Kind::Utterance, payload)?;
        let before = extractor.events().len();
        let changes = extractor
            .push_heard(
                utterance.index,
                &utterance.text,
                &utterance.words,
                start_s,
                end_s,
            )
            .map_err(|e| CliError::BadInput(format!("recovered utterance {seq}: {e}")))?;
        let events: Vec<Vec<u8>> = extractor.events()[before..]
            .iter()
            .map(|event| {
                let mut payload = Vec::new();
                codec::encode_event(event, &mut payload);
                payload
            })
            .collect();
        for payload in events {
            append(&mut journal, Kind::Event, payload)?;
        }
        // Shown => saved.
        wait_durable(&mut journal, &args.state)?;
        recovered += 1;
        println!(
            "[{start_s:>6.2}–{end_s:>6.2}] recovered: {}",
            utterance.text
        );
        for change in &changes {
            println!("      {}", render::describe_change(change));
        }
        heard_again.insert(
            utterance.index,
            Some((utterance.text.clone(), utterance.words.clone())),
        );
        recovered_utterances.push(utterance);
    }
    wait_durable(&mut journal, &args.state)?;
    let mut tally = Tally::default();
    if args.all {
        if consistent {
            base = extractor.events().to_vec();
        }
        let utterances: Vec<UtteranceRecord> = state
            .utterances
            .iter()
            .cloned()
            .chain(recovered_utterances)
            .collect();
        let first_index = base
            .iter()
            .map(|e| e.provenance().utterance.saturating_add(1))
            .chain(std::iter::once(next_index))
            .max()
            .unwrap_or(next_index);
        tally = read_again(
            &mut journal,
            &args.state,
            &Reading {
                base: &base,
                utterances: &utterances,
                heard_again: &heard_again,
                model: &model,
                first_index,
            },
        )?;
    }
    for alert in journal.take_alerts() {
        eprintln!("tccc: journal alert: {alert}");
    }
    journal
        .close(DURABLE_TIMEOUT)
        .map_err(|e| CliError::Internal(e.to_string()))?;
    eprintln!(
        "tccc: reprocessed {} journaled segment(s) with {model}: {recovered} recovered, {silent} with nothing recognised{}",
        recovered + silent + compared,
        if args.all {
            format!(
                ", {compared} compared with their journaled utterance; facts: {} kept as they stand, {} changed and {} new (proposed, unconfirmed), {} not heard again (kept)",
                tally.kept, tally.changed, tally.added, tally.not_heard_again
            )
        } else {
            String::new()
        }
    );
    Ok(())
}

/// What `--all` found, counted.
#[derive(Debug, Default)]
struct Tally {
    kept: usize,
    changed: usize,
    added: usize,
    not_heard_again: usize,
}

/// The narration as it is read again.
struct Reading<'a> {
    /// The journal's events (the record as it stands).
    base: &'a [Event],
    /// Every journaled utterance, in order (second hearings included: they are skipped).
    utterances: &'a [UtteranceRecord],
    /// What each utterance heard from audio sounds like now (`None`: nothing recognised).
    heard_again: &'a HashMap<u32, Option<(String, Vec<HeardWord>)>>,
    model: &'a str,
    /// The index the first second hearing gets (past every index the record names).
    first_index: u32,
}

/// Reads the narration afresh (each utterance as heard again, typed ones as they were),
/// sets the facts against the journal's record, journals each proposal under a second
/// hearing of its utterance, waits for them to be durable, then prints what changed.
fn read_again(
    journal: &mut Journal,
    state_dir: &Path,
    reading: &Reading<'_>,
) -> Result<Tally, CliError> {
    let mut fresh = Extractor::new(ExtractorConfig::default());
    // What each utterance was read as: text, words, recogniser.
    let mut read_as: HashMap<u32, (&str, &[HeardWord], &str)> = HashMap::new();
    for u in reading
        .utterances
        .iter()
        .filter(|u| u.rehearing_of.is_none())
    {
        let (text, words, model) = match reading.heard_again.get(&u.index) {
            Some(Some((text, words))) => (text.as_str(), words.as_slice(), reading.model),
            Some(None) => continue,
            None => (u.text.as_str(), u.words.as_slice(), u.model.as_str()),
        };
        if let Err(error) = fresh.push_heard(u.index, text, words, u.start_s, u.end_s) {
            eprintln!(
                "tccc: utterance {} not read again: {error}",
                u.index.saturating_add(1)
            );
            continue;
        }
        read_as.insert(u.index, (text, words, model));
    }
    let journaled = compare::journaled_facts(reading.base);
    let heard = fresh.live_facts().to_vec();
    let findings = compare::compare(&journaled, &heard, |u| reading.heard_again.contains_key(&u));

    // The proposals, under a second hearing of the utterance each was read from.
    let mut by_utterance: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for finding in &findings {
        if let compare::Finding::Changed { heard: h, .. } | compare::Finding::Added { heard: h } =
            finding
        {
            by_utterance
                .entry(heard[*h].provenance.utterance)
                .or_default()
                .push(*h);
        }
    }
    let mut log = EventLog::from_events(reading.base.to_vec())
        .map_err(|e| CliError::Internal(e.to_string()))?;
    let mut proposed_as: HashMap<usize, u32> = HashMap::new();
    let mut index = reading.first_index;
    for (utterance, facts) in &by_utterance {
        let (Some(first), Some(&(text, words, model))) = (
            reading.utterances.iter().find(|u| u.index == *utterance),
            read_as.get(utterance),
        ) else {
            continue;
        };
        let rehearing = UtteranceRecord {
            index,
            start_s: first.start_s,
            end_s: first.end_s,
            text: text.to_owned(),
            words: words.to_vec(),
            model: model.to_owned(),
            lexicon: LEXICON_VERSION.to_owned(),
            audio_seq: first.audio_seq,
            rehearing_of: Some(first.index),
        };
        let mut payload = Vec::new();
        codec::encode_utterance(&rehearing, &mut payload);
        append(journal, Kind::Utterance, payload)?;
        for &h in facts {
            let fact = &heard[h];
            let provenance = crate::record::Provenance {
                utterance: index,
                doubt: Some(Doubt::Reprocessed),
                ..fact.provenance
            };
            let id = log
                .assert_fact(fact.casualty, fact.fact.clone(), provenance)
                .map_err(|e| CliError::BadInput(e.to_string()))?;
            let mut payload = Vec::new();
            if let Some(event) = log.events().last() {
                codec::encode_event(event, &mut payload);
            }
            append(journal, Kind::Event, payload)?;
            proposed_as.insert(h, id);
        }
        index = index.saturating_add(1);
    }
    // Shown => saved.
    wait_durable(journal, state_dir)?;

    let mut tally = Tally::default();
    for finding in &findings {
        match *finding {
            compare::Finding::Kept { old, .. } => {
                tally.kept += 1;
                let o = &journaled[old];
                println!(
                    "= casualty {}: fact {} {} ({}): heard again; kept as it stands",
                    o.casualty,
                    o.id,
                    o.fact,
                    o.standing.as_str()
                );
            }
            compare::Finding::Changed { old, heard: h } => {
                let (o, n) = (&journaled[old], &heard[h]);
                let Some(id) = proposed_as.get(&h) else {
                    continue;
                };
                tally.changed += 1;
                println!(
                    "~ casualty {}: fact {} {} ({}) -> {}: proposed as fact {id}, unconfirmed; fact {} stays until the medic confirms one and rejects the other",
                    o.casualty,
                    o.id,
                    o.fact,
                    o.standing.as_str(),
                    n.fact,
                    o.id
                );
            }
            compare::Finding::Added { heard: h } => {
                let n = &heard[h];
                let Some(id) = proposed_as.get(&h) else {
                    continue;
                };
                tally.added += 1;
                println!(
                    "+ casualty {}: {}: proposed as fact {id}, unconfirmed",
                    n.casualty, n.fact
                );
            }
            compare::Finding::NotHeardAgain { old } => {
                tally.not_heard_again += 1;
                let o = &journaled[old];
                println!(
                    "? casualty {}: fact {} {} ({}): not heard again; kept on the card (reject it if it is wrong)",
                    o.casualty,
                    o.id,
                    o.fact,
                    o.standing.as_str()
                );
            }
        }
    }
    Ok(tally)
}

/// The utterance heard from another audio record of the same segment with the same
/// samples (a run resumed over the same input journals a segment's audio again).
fn twin_utterance<'a>(
    utterances: &'a [UtteranceRecord],
    audio: &[(u64, AudioRecord)],
    seq: u64,
    record: &AudioRecord,
    heard: &HashSet<u64>,
) -> Option<&'a UtteranceRecord> {
    audio
        .iter()
        .filter(|(other, twin)| {
            *other != seq
                && heard.contains(other)
                && twin.segment == record.segment
                && twin.start_s.to_bits() == record.start_s.to_bits()
                && twin.samples == record.samples
        })
        .find_map(|(other, _)| utterances.iter().find(|u| u.audio_seq == Some(*other)))
}
