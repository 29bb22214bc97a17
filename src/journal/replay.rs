//! Reading a journal back: every segment file's frames in sequence order, damage reported
//! (a torn tail, a corrupt or unauthentic record in the middle, a gap in the sequence), the
//! records after damage salvaged; then the state rebuilt from the decoded records.

use std::fmt;

use super::codec::{self, AlertRecord, CommandRecord, Kind, UtteranceRecord};
use super::format::{HeaderProblem, OpenFailure, Scanned, Sealer};
use super::storage::{segment_number, Storage};
use super::{Entry, JournalError};
use crate::record::{Event, EventLog};

/// Something wrong that replay found and went past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The end of a file holds no valid record (a write cut by a crash); it was cut off.
    TornTail {
        file: String,
        offset: usize,
        bytes: usize,
    },
    /// Bytes in the middle of a file hold no valid record; the records after them were kept.
    Corrupt {
        file: String,
        offset: usize,
        bytes: usize,
    },
    /// A record's checksum holds but its seal does not: it was altered, moved, or sealed
    /// with another key. It was not used.
    Unauthentic { file: String, seq: u64 },
    /// A file's header is damaged or not ours; none of its records could be trusted.
    BadHeader { file: String, problem: String },
    /// Records with these sequence numbers are missing.
    Missing { from: u64, to: u64 },
    /// Two different records claim one sequence number; the first read was kept.
    Conflict { seq: u64 },
    /// A record of a kind this build does not know (written by a newer tccc?).
    UnknownKind { seq: u64, kind: u8 },
    /// A record whose payload could not be read.
    Undecodable { seq: u64, reason: String },
    /// Records voided by a resumed run (found after a gap, never acknowledged, written
    /// again) were left out.
    Voided { from: u64, to: u64 },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::TornTail {
                file,
                offset,
                bytes,
            } => write!(
                f,
                "{file}: torn tail of {bytes} byte(s) at offset {offset} cut (a write interrupted by a crash)"
            ),
            Problem::Corrupt {
                file,
                offset,
                bytes,
            } => write!(
                f,
                "{file}: {bytes} corrupt byte(s) at offset {offset} skipped; later records kept"
            ),
            Problem::Unauthentic { file, seq } => write!(
                f,
                "{file}: record {seq} fails its seal (altered or moved); not used"
            ),
            Problem::BadHeader { file, problem } => {
                write!(f, "{file}: header {problem}; the file was not used")
            }
            Problem::Missing { from, to } => {
                write!(f, "records {from} to {to} are missing")
            }
            Problem::Conflict { seq } => {
                write!(f, "two different records numbered {seq}; the first was kept")
            }
            Problem::UnknownKind { seq, kind } => write!(
                f,
                "record {seq} is of unknown kind {kind} (a newer tccc?); skipped"
            ),
            Problem::Undecodable { seq, reason } => {
                write!(f, "record {seq} cannot be read ({reason}); skipped")
            }
            Problem::Voided { from, to } => write!(
                f,
                "records {from} to {to} (after a gap, never acknowledged) were voided by a resumed run and left out"
            ),
        }
    }
}

/// One segment file as replay found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub name: String,
    pub number: u64,
    /// Bytes up to the end of the last valid record.
    pub valid_bytes: usize,
    /// Whether bytes after `valid_bytes` are a torn tail.
    pub torn_tail: bool,
}

/// The records of a journal, in sequence order, and what was wrong with it.
#[derive(Debug, Default)]
pub struct Replay {
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
    pub files: Vec<FileSummary>,
}

impl Replay {
    /// The sequence number the next record gets.
    pub fn next_seq(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.seq + 1)
    }

    /// The number the next segment file gets.
    pub fn next_file_number(&self) -> u64 {
        self.files.iter().map(|f| f.number + 1).max().unwrap_or(1)
    }
}

/// Reads every segment file of `storage`.
pub fn read(storage: &dyn Storage, sealer: &Sealer) -> Result<Replay, JournalError> {
    let mut names: Vec<(u64, String)> = storage
        .list()
        .map_err(|e| JournalError::Storage(format!("cannot list the journal: {e}")))?
        .into_iter()
        .filter_map(|name| segment_number(&name).map(|n| (n, name)))
        .collect();
    names.sort();
    let mut replay = Replay::default();
    let mut wrong_key = 0usize;
    let mut headers_ok = 0usize;
    for (number, name) in names {
        let data = storage
            .read(&name)
            .map_err(|e| JournalError::Storage(format!("cannot read {name}: {e}")))?;
        let mut summary = FileSummary {
            name: name.clone(),
            number,
            valid_bytes: 0,
            torn_tail: false,
        };
        if data.is_empty() {
            replay.files.push(summary);
            continue;
        }
        let file_id = match sealer.check_file_header(&data) {
            Ok(id) => {
                headers_ok += 1;
                id
            }
            // A failed key check is another key or an altered header. The file id is in
            // the clear: if any record opens with it, the key is right and only the header
            // was damaged; each record is still checked by its own seal.
            Err(HeaderProblem::WrongKey)
                if super::format::scan(&data).iter().any(|step| {
                    matches!(step, Scanned::Frame { body, .. }
                        if sealer.open_body(header_file_id(&data), body).is_ok())
                }) =>
            {
                headers_ok += 1;
                replay.problems.push(Problem::BadHeader {
                    file: name.clone(),
                    problem: "fails its key check although its records open (altered)".to_owned(),
                });
                header_file_id(&data)
            }
            Err(problem) => {
                if problem == HeaderProblem::WrongKey {
                    wrong_key += 1;
                }
                // A header cut short by a crash right after the file was made is a torn tail.
                if data.len() < super::format::FILE_HEADER_BYTES
                    && problem == HeaderProblem::NotAJournal
                {
                    summary.torn_tail = true;
                    replay.problems.push(Problem::TornTail {
                        file: name.clone(),
                        offset: 0,
                        bytes: data.len(),
                    });
                } else {
                    replay.problems.push(Problem::BadHeader {
                        file: name.clone(),
                        problem: match problem {
                            HeaderProblem::NotAJournal => "is not a tccc journal's".to_owned(),
                            HeaderProblem::Version(v) => format!("has format version {v}"),
                            HeaderProblem::WrongKey => "does not match the key".to_owned(),
                        },
                    });
                    summary.valid_bytes = data.len();
                }
                replay.files.push(summary);
                continue;
            }
        };
        summary.valid_bytes = super::format::FILE_HEADER_BYTES;
        for step in super::format::scan(&data) {
            match step {
                Scanned::Frame { offset, body } => {
                    summary.valid_bytes = offset + super::format::FRAME_HEADER_BYTES + body.len();
                    match sealer.open_body(file_id, body) {
                        Ok(entry) => replay.entries.push(entry),
                        Err(OpenFailure::Unauthentic { seq }) => {
                            replay.problems.push(Problem::Unauthentic {
                                file: name.clone(),
                                seq,
                            })
                        }
                        Err(OpenFailure::Short) => replay.problems.push(Problem::Corrupt {
                            file: name.clone(),
                            offset,
                            bytes: body.len(),
                        }),
                    }
                }
                Scanned::Corrupt { offset, bytes } => replay.problems.push(Problem::Corrupt {
                    file: name.clone(),
                    offset,
                    bytes,
                }),
                Scanned::TornTail { offset, bytes } => {
                    summary.torn_tail = true;
                    replay.problems.push(Problem::TornTail {
                        file: name.clone(),
                        offset,
                        bytes,
                    });
                }
            }
        }
        replay.files.push(summary);
    }
    if wrong_key > 0 && headers_ok == 0 {
        return Err(JournalError::WrongKey);
    }
    // Sequence order; a record rewritten into a new file after a failed sync appears twice.
    replay.entries.sort_by_key(|e| e.seq);
    let mut kept: Vec<Entry> = Vec::with_capacity(replay.entries.len());
    for entry in std::mem::take(&mut replay.entries) {
        match kept.last() {
            Some(last) if last.seq == entry.seq => {
                if *last != entry {
                    replay.problems.push(Problem::Conflict { seq: entry.seq });
                }
            }
            Some(last) if entry.seq > last.seq + 1 => {
                replay.problems.push(Problem::Missing {
                    from: last.seq + 1,
                    to: entry.seq - 1,
                });
                kept.push(entry);
            }
            None if entry.seq > 0 => {
                replay.problems.push(Problem::Missing {
                    from: 0,
                    to: entry.seq - 1,
                });
                kept.push(entry);
            }
            _ => kept.push(entry),
        }
    }
    replay.entries = kept;
    Ok(replay)
}

fn header_file_id(data: &[u8]) -> u64 {
    let mut id = [0u8; 8];
    if let Some(bytes) = data.get(16..24) {
        id.copy_from_slice(bytes);
    }
    u64::from_le_bytes(id)
}

/// What a journal says happened, rebuilt from its records.
#[derive(Debug, Default)]
pub struct State {
    /// The record's event log, rebuilt from the event records (not by re-running extraction).
    pub log: EventLog,
    /// The sequence number of each event in `log`.
    pub event_seqs: Vec<u64>,
    /// When each event in `log` was journaled (UTC, nanoseconds since the Unix epoch).
    pub event_wall_ns: Vec<i64>,
    pub utterances: Vec<UtteranceRecord>,
    /// The sequence number of each record in `utterances` (where it stands among the
    /// events: a proposal the model's thread answered later follows a later utterance).
    pub utterance_seqs: Vec<u64>,
    pub alerts: Vec<AlertRecord>,
    pub commands: Vec<CommandRecord>,
    /// Speech segments whose audio is journaled (sequence number and header; the samples
    /// stay in the journal: `journal::read_audio`).
    pub audio: Vec<(u64, codec::AudioHeader)>,
    /// Everything replay went past, reading and decoding.
    pub problems: Vec<Problem>,
    /// The sequence number the next record gets.
    pub next_seq: u64,
}

/// Decodes `replay`'s records into the state they describe.
pub fn rebuild(replay: Replay) -> Result<State, JournalError> {
    let mut state = State {
        next_seq: replay.next_seq(),
        problems: replay.problems,
        ..State::default()
    };
    let mut voids: Vec<(u64, u64)> = Vec::new();
    for entry in &replay.entries {
        if Kind::from_tag(entry.kind) == Some(Kind::Void) {
            match codec::decode_void(&entry.payload) {
                Ok((from, to)) if to < entry.seq => {
                    voids.push((from, to));
                    state.problems.push(Problem::Voided { from, to });
                }
                Ok(_) => state.problems.push(Problem::Undecodable {
                    seq: entry.seq,
                    reason: "a void range reaching past its own record".to_owned(),
                }),
                Err(e) => state.problems.push(Problem::Undecodable {
                    seq: entry.seq,
                    reason: e.to_string(),
                }),
            }
        }
    }
    let mut events: Vec<Event> = Vec::new();
    for entry in &replay.entries {
        if voids
            .iter()
            .any(|(from, to)| (*from..=*to).contains(&entry.seq))
        {
            continue;
        }
        let undecodable = |e: codec::DecodeError| Problem::Undecodable {
            seq: entry.seq,
            reason: e.to_string(),
        };
        let outcome = match Kind::from_tag(entry.kind) {
            None => Err(Problem::UnknownKind {
                seq: entry.seq,
                kind: entry.kind,
            }),
            Some(Kind::Event) => codec::decode_event(&entry.payload)
                .map(|event| {
                    events.push(event);
                    state.event_seqs.push(entry.seq);
                    state.event_wall_ns.push(entry.wall_ns);
                })
                .map_err(undecodable),
            Some(Kind::Utterance) => codec::decode_utterance(&entry.payload)
                .map(|u| {
                    state.utterances.push(u);
                    state.utterance_seqs.push(entry.seq);
                })
                .map_err(undecodable),
            Some(Kind::Alert) => codec::decode_alert(&entry.payload)
                .map(|a| state.alerts.push(a))
                .map_err(undecodable),
            Some(Kind::Command) => codec::decode_command(&entry.payload)
                .map(|c| state.commands.push(c))
                .map_err(undecodable),
            Some(Kind::Audio) => codec::decode_audio_header(&entry.payload)
                .map(|header| state.audio.push((entry.seq, header)))
                .map_err(undecodable),
            Some(Kind::Void) => Ok(()),
        };
        if let Err(problem) = outcome {
            state.problems.push(problem);
        }
    }
    state.log = EventLog::from_events(events).map_err(|e| JournalError::Record(e.to_string()))?;
    Ok(state)
}
