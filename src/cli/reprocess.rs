//! `tccc reprocess --state DIR [--key FILE] [--all] [--model DIR] [--config FILE]`: runs
//! the recogniser again over the speech segments' audio the journal holds, and journals
//! what it hears in the segments that have no utterance (a run killed before their
//! transcription, or a transcript dropped from a full ring): the utterance, linked to its
//! audio record, and the events the extractor makes of it. With `--all` every segment is
//! transcribed again and, where it already has an utterance, the old and the new text are
//! reported (the record is not rewritten: the medic's confirmations and corrections stand).
//!
//! The extractor is first rebuilt from the journal (utterances read again, verdicts
//! applied), so a recovered utterance is read in the record's context as it stands; it is
//! read after the journaled ones (it gets the next utterance index).

use std::collections::HashSet;
use std::path::PathBuf;
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
use crate::render;

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
    /// Transcribe every journaled segment again; one that already has an utterance is
    /// reported (journaled and new text), not journaled again
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
    if theirs.len() > ours.len() || ours[..theirs.len()] != *theirs {
        return Err(CliError::BadInput(format!(
            "the journal in {} holds events that this tccc does not extract from its utterances (another lexicon version?); export it with `tccc export`",
            args.state.display()
        )));
    }
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
    }
    wait_durable(&mut journal, &args.state)?;
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
            format!(", {compared} compared with their journaled utterance")
        } else {
            String::new()
        }
    );
    Ok(())
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
