//! The console: a line protocol (docs/CONSOLE.md) over standard input/output, a pty or a
//! serial device. Replies begin `OK` or `ERR <code> <message>`; asynchronous lines begin
//! `EVT`. The console reads the analysis stage's published snapshot (no lock held while it
//! renders) and sends it requests over a bounded queue (a full queue answers `ERR busy`).
//!
//! - `protocol`: framing (bounded, UTF-8 checked, chunking-independent), parsing, replies.
//! - `transport`: the file descriptors (stdio, pty, serial device with raw termios) and
//!   the session loop.

mod board;
pub mod protocol;
pub mod transport;

use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::analysis::{Action, Notice, Published, Request, Snapshot};
use crate::limits::{
    CONSOLE_EVENTS_SHOWN_MAX, CONSOLE_LINES_BURST_MAX, CONSOLE_LINES_PER_S_MAX,
    CONSOLE_PURGE_CONFIRM_S,
};
use crate::record::{Event, Record};
use crate::render;
pub use board::WatchdogView;
use protocol::{with_body, Command, Frame, Refusal};

/// How long the console waits for the analysis thread to answer a request.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);
/// Random bytes of a purge token (shown as hex).
const PURGE_TOKEN_BYTES: usize = 3;
/// Events `events` shows without a count.
const EVENTS_SHOWN_DEFAULT: usize = 20;

/// What can stop the console.
#[derive(Debug, Error)]
pub enum ConsoleError {
    /// The terminal could not be opened or set up.
    #[error("console {what}: {problem}; check the device (or use --console stdio)")]
    Terminal { what: String, problem: String },
}

/// Counters of the console, shown by `status`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleStats {
    /// Lines answered `OK`.
    pub accepted: u64,
    /// Lines answered `ERR`.
    pub refused: u64,
    /// Replies or notices that could not be written (terminal gone).
    pub write_failures: u64,
}

/// The console's side of the service: turns frames into replies.
pub struct Console {
    requests: SyncSender<Request>,
    published: Arc<Published>,
    stats: ConsoleStats,
    json: bool,
    /// Lines that may be answered now (a token bucket refilled at
    /// `CONSOLE_LINES_PER_S_MAX`, holding at most `CONSOLE_LINES_BURST_MAX`).
    tokens: f64,
    refilled: Instant,
    watchdog: WatchdogView,
    /// The token `purge` answered and when it stops being accepted.
    purge_armed: Option<(String, Instant)>,
}

/// What a handled line asks of the session.
#[derive(Debug, PartialEq, Eq)]
pub enum After {
    /// Keep reading.
    Continue,
    /// `quit`/`exit`.
    Quit,
}

impl Console {
    /// A console over the stage's request queue and snapshot.
    pub fn new(requests: SyncSender<Request>, published: Arc<Published>) -> Console {
        Console {
            requests,
            published,
            stats: ConsoleStats::default(),
            json: false,
            tokens: f64::from(CONSOLE_LINES_BURST_MAX),
            refilled: Instant::now(),
            watchdog: WatchdogView::NotRunning("not started by this process".to_owned()),
            purge_armed: None,
        }
    }

    /// What `thermal`, `power` and `mem` show: the running watchdog, or why there is none.
    pub fn set_watchdog(&mut self, view: WatchdogView) {
        self.watchdog = view;
    }

    /// The counters.
    pub fn stats(&self) -> ConsoleStats {
        self.stats
    }

    /// Whether replies and `EVT` lines are JSON objects (`json on`).
    pub fn json(&self) -> bool {
        self.json
    }

    /// Answers one frame; `out` receives the reply lines (none for a blank line), or one
    /// JSON object in `json on` mode.
    pub fn handle(&mut self, frame: Frame, out: &mut Vec<String>) -> After {
        let before = out.len();
        let after = self.handle_text(frame, out);
        if self.json && out.len() > before {
            let object = protocol::as_json(&out[before..]);
            out.truncate(before);
            out.push(object);
        }
        after
    }

    /// Takes one line's token; `false` when the rate is exceeded.
    fn admit(&mut self) -> bool {
        let now = Instant::now();
        let earned =
            now.duration_since(self.refilled).as_secs_f64() * f64::from(CONSOLE_LINES_PER_S_MAX);
        self.refilled = now;
        self.tokens = (self.tokens + earned).min(f64::from(CONSOLE_LINES_BURST_MAX));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    fn handle_text(&mut self, frame: Frame, out: &mut Vec<String>) -> After {
        if matches!(&frame, Frame::Line(text) if text.trim().is_empty()) {
            return After::Continue;
        }
        if !self.admit() {
            return self.refuse(
                &Refusal {
                    code: "rate",
                    message: format!(
                        "more than {CONSOLE_LINES_PER_S_MAX} lines a second; slow down"
                    ),
                },
                out,
            );
        }
        let line = match frame {
            Frame::Line(line) => line,
            Frame::NotUtf8 => {
                return self.refuse(
                    &Refusal {
                        code: "not-utf8",
                        message: "the line is not UTF-8 text; set the terminal to UTF-8".to_owned(),
                    },
                    out,
                )
            }
            Frame::TooLong => {
                return self.refuse(
                    &Refusal {
                        code: "too-long",
                        message: format!(
                            "the line is longer than {} bytes; type a shorter one",
                            crate::limits::CONSOLE_LINE_BYTES_MAX
                        ),
                    },
                    out,
                )
            }
        };
        let command = match protocol::parse(&line) {
            Ok(Some(command)) => command,
            Ok(None) => return After::Continue,
            Err(refusal) => return self.refuse(&refusal, out),
        };
        self.journal(&line);
        let before = out.len();
        let after = self.execute(command, out);
        if out[before..].first().is_some_and(|l| l.starts_with("ERR")) {
            self.stats.refused += 1;
        } else {
            self.stats.accepted += 1;
        }
        after
    }

    fn refuse(&mut self, refusal: &Refusal, out: &mut Vec<String>) -> After {
        self.stats.refused += 1;
        out.push(refusal.line());
        After::Continue
    }

    /// Journals a command line (best effort: a full queue skips it).
    fn journal(&self, line: &str) {
        let (reply, _answer) = mpsc::sync_channel(1);
        let _ = self.requests.try_send(Request {
            action: Action::Journal(line.trim().to_owned()),
            reply,
        });
    }

    fn ask(&self, action: Action) -> Result<String, Refusal> {
        self.ask_within(action, REPLY_TIMEOUT)
    }

    fn ask_within(&self, action: Action, timeout: Duration) -> Result<String, Refusal> {
        let (reply, answer) = mpsc::sync_channel(1);
        match self.requests.try_send(Request { action, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(Refusal {
                    code: "busy",
                    message: "the analysis thread is busy; try again in a moment".to_owned(),
                })
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(Refusal {
                    code: "stopped",
                    message: "the analysis thread has stopped; restart the service".to_owned(),
                })
            }
        }
        match answer.recv_timeout(timeout) {
            Ok(Ok(text)) => Ok(text),
            Ok(Err(message)) => Err(Refusal {
                code: "refused",
                message,
            }),
            Err(_) => Err(Refusal {
                code: "timeout",
                message: "the analysis thread did not answer; try again".to_owned(),
            }),
        }
    }

    fn reply_of(&self, action: Action, out: &mut Vec<String>) {
        match self.ask(action) {
            Ok(text) if text.is_empty() => out.push("OK".to_owned()),
            Ok(text) => out.push(format!("OK {text}")),
            Err(refusal) => out.push(refusal.line()),
        }
    }

    fn execute(&mut self, command: Command, out: &mut Vec<String>) -> After {
        let snapshot = self.published.load();
        match command {
            Command::Help => out.extend(with_body("commands", &protocol::HELP.join("\n"))),
            Command::Status => out.extend(with_body("status", &self.status_text(&snapshot))),
            Command::Casualties => out.extend(with_body("casualties", &casualties(&snapshot))),
            Command::Card(n) => match select(&snapshot.record, n) {
                Ok(record) => out.extend(with_body("card", &render::card::render(&record))),
                Err(refusal) => out.push(refusal.line()),
            },
            Command::Mist(n) => match select(&snapshot.record, n) {
                Ok(record) => out.extend(with_body("mist", &render::handover::mist(&record))),
                Err(refusal) => out.push(refusal.line()),
            },
            // The model's thread runs at the lowest priority: a draft may take a while.
            Command::MistProse(n) => match self.ask_within(
                Action::Prose(n),
                Duration::from_secs(crate::limits::LLM_DRAFT_WAIT_S),
            ) {
                Ok(text) => out.extend(with_body("mist prose", &text)),
                Err(refusal) => out.push(refusal.line()),
            },
            Command::Atmist(n) => match select(&snapshot.record, n) {
                Ok(record) => out.extend(with_body("atmist", &render::handover::atmist(&record))),
                Err(refusal) => out.push(refusal.line()),
            },
            Command::NineLine => out.extend(with_body(
                "nine-line",
                &render::nine_line::render(
                    &snapshot.record,
                    &render::nine_line::NineLineSettings::default(),
                ),
            )),
            Command::Events(n) => {
                let n = n
                    .unwrap_or(EVENTS_SHOWN_DEFAULT)
                    .min(CONSOLE_EVENTS_SHOWN_MAX);
                let from = snapshot.events.len().saturating_sub(n);
                let body: Vec<String> =
                    snapshot.events[from..].iter().map(describe_event).collect();
                out.extend(with_body(
                    &format!("{} of {} events", body.len(), snapshot.events.len()),
                    &body.join("\n"),
                ));
            }
            Command::Say(text) => self.reply_of(Action::Say(text), out),
            Command::Confirm(id) => self.reply_of(Action::Confirm(id), out),
            Command::Reject(id) => self.reply_of(Action::Reject(id), out),
            Command::Ack(id) => self.reply_of(Action::Ack(id), out),
            Command::Export => self.reply_of(Action::Export, out),
            Command::Correct(id, text) => self.reply_of(Action::Correct { id, text }, out),
            Command::Purge(None) => out.push(self.arm_purge()),
            Command::Purge(Some(token)) => match self.take_purge(&token) {
                Ok(()) => self.reply_of(Action::Purge, out),
                Err(refusal) => out.push(refusal.line()),
            },
            Command::Alerts => {
                let body: Vec<String> = snapshot
                    .alerts
                    .iter()
                    .map(|a| {
                        format!(
                            "{:>4} {} {}",
                            a.id,
                            if a.acknowledged { "ack " } else { "NEW " },
                            crate::advisor::describe(a).trim()
                        )
                    })
                    .collect();
                out.extend(with_body(
                    &format!("{} alert(s)", body.len()),
                    &body.join("\n"),
                ));
            }
            Command::Casualty(n) => match select(&snapshot.record, Some(n)) {
                Ok(_) => out.extend(with_body(
                    &format!("casualty {n}"),
                    &casualty_detail(&snapshot, n),
                )),
                Err(refusal) => out.push(refusal.line()),
            },
            Command::Mem => out.extend(with_body("mem", &board::memory_of(&self.watchdog))),
            Command::Thermal => {
                out.extend(with_body("thermal", &board::thermal_of(&self.watchdog)));
            }
            Command::Power => out.extend(with_body("power", &board::power_of(&self.watchdog))),
            Command::Top => out.extend(with_body(
                "top",
                &board::top_of(&self.watchdog, &snapshot.status.pipeline),
            )),
            Command::Log(n) => {
                let lines = crate::logging::logger()
                    .map(|logger| logger.recent())
                    .unwrap_or_default();
                let n = n
                    .unwrap_or(EVENTS_SHOWN_DEFAULT)
                    .min(CONSOLE_EVENTS_SHOWN_MAX);
                let from = lines.len().saturating_sub(n);
                out.extend(with_body("log", &lines[from..].join("\n")));
            }
            Command::Json(on) => {
                self.json = on;
                out.push(format!("OK json {}", if on { "on" } else { "off" }));
            }
            Command::Quit => {
                out.push("OK bye".to_owned());
                return After::Quit;
            }
        }
        After::Continue
    }

    /// `purge`: a fresh one-time token, valid for `CONSOLE_PURGE_CONFIRM_S`.
    fn arm_purge(&mut self) -> String {
        let mut bytes = [0u8; PURGE_TOKEN_BYTES];
        if getrandom::fill(&mut bytes).is_err() {
            // No randomness: the time still makes a token nobody types by accident.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            bytes.copy_from_slice(&nanos.to_le_bytes()[..PURGE_TOKEN_BYTES]);
        }
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let reply = format!(
            "OK purge armed: type `purge confirm {token}` within {CONSOLE_PURGE_CONFIRM_S} s to \
             destroy the journal key and every record"
        );
        self.purge_armed = Some((
            token,
            Instant::now() + Duration::from_secs(CONSOLE_PURGE_CONFIRM_S),
        ));
        reply
    }

    /// `purge confirm <token>`: the armed token, in time (used once either way).
    fn take_purge(&mut self, token: &str) -> Result<(), Refusal> {
        let refused = |message: &str| Refusal {
            code: "refused",
            message: message.to_owned(),
        };
        match self.purge_armed.take() {
            None => Err(refused("no purge is armed; type `purge` first")),
            Some((_, until)) if Instant::now() > until => Err(refused(
                "the purge token has expired; type `purge` again for a new one",
            )),
            Some((armed, _)) if armed != token.to_ascii_lowercase() => Err(refused(
                "that is not the purge token; nothing purged (type `purge` again)",
            )),
            Some(_) => Ok(()),
        }
    }

    fn status_text(&self, snapshot: &Snapshot) -> String {
        let s = &snapshot.status;
        let journal = match (s.journal_next_seq, s.journal_durable) {
            (Some(next), Some(durable)) => format!(
                "{next} record(s) appended, {durable} durable, {} refused; {} segment(s) of audio, {} not journaled",
                s.journal_failures, s.journal_audio, s.journal_audio_dropped
            ),
            _ => "off (no --state)".to_owned(),
        };
        let unconfirmed: Vec<String> = snapshot
            .unconfirmed
            .iter()
            .map(|f| f.id.to_string())
            .collect();
        [
            format!(
                "utterances   {} ({} restored from the journal, {} not read, {} old let go)",
                s.utterances, s.restored, s.extract_failures, s.utterances_dropped
            ),
            format!(
                "audio input  {}",
                if s.input_ended { "ended" } else { "running" }
            ),
            capture_line(s),
            format!("journal      {journal}"),
            format!(
                "record       {} casualt(ies), {} event(s), unconfirmed facts: {}",
                snapshot.record.casualties.len(),
                snapshot.events.len(),
                if unconfirmed.is_empty() {
                    "none".to_owned()
                } else {
                    unconfirmed.join(" ")
                }
            ),
            format!(
                "alerts       {} active",
                snapshot.alerts.iter().filter(|a| !a.acknowledged).count()
            ),
            format!(
                "console      {} accepted, {} refused, {} write failure(s), {} notice(s) dropped",
                self.stats.accepted,
                self.stats.refused,
                self.stats.write_failures,
                s.notices_dropped
            ),
            board::status_lines(&self.watchdog, "watchdog     "),
            format!(
                "llm          {} request(s) dropped (queue full), {} paused by the watchdog",
                s.llm_requests_dropped, s.llm_paused
            ),
        ]
        .join("\n")
    }
}

/// The `status` lines of the capture device: where it captures, outages, overruns.
fn capture_line(s: &crate::analysis::StageStatus) -> String {
    let now = if s.capture_down {
        "LOST, reopening".to_owned()
    } else {
        format!(
            "on the {} device",
            crate::analysis::device_role(s.capture_device)
        )
    };
    let last = if s.capture_recoveries > 0 {
        format!(" (last {:.1} s)", s.capture_last_outage_ms as f64 / 1000.0)
    } else {
        String::new()
    };
    format!(
        "capture      {now}, {} overrun(s)\noutages      {}{last}, {} failed reopen(s)",
        s.capture_overruns, s.capture_outages, s.capture_reopen_failures
    )
}

fn casualties(snapshot: &Snapshot) -> String {
    if snapshot.record.casualties.is_empty() {
        return "none yet".to_owned();
    }
    snapshot
        .record
        .casualties
        .iter()
        .map(|c| {
            format!(
                "casualty {:>2}  {:<24} injuries {:>2}  tourniquets {:>2}  treatments {:>2}",
                c.id,
                c.name.as_deref().unwrap_or("(no name)"),
                c.injuries.len(),
                c.tourniquets.len(),
                c.treatments.len() + c.fluids.len() + c.medications.len()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn casualty_detail(snapshot: &Snapshot, n: u8) -> String {
    let mut lines: Vec<String> = casualties(&Snapshot {
        record: Record {
            casualties: snapshot
                .record
                .casualties
                .iter()
                .filter(|c| c.id == n)
                .cloned()
                .collect(),
        },
        ..Snapshot::default()
    })
    .lines()
    .map(str::to_owned)
    .collect();
    let unconfirmed: Vec<String> = snapshot
        .unconfirmed
        .iter()
        .filter(|f| f.casualty == n)
        .map(|f| format!("  unconfirmed {:>4}  {}", f.id, f.fact))
        .collect();
    if unconfirmed.is_empty() {
        lines.push("  no unconfirmed facts".to_owned());
    } else {
        lines.extend(unconfirmed);
    }
    lines.join("\n")
}

/// The record reduced to casualty `n` (all of it without `n`).
fn select(record: &Record, n: Option<u8>) -> Result<Record, Refusal> {
    let Some(n) = n else {
        return Ok(record.clone());
    };
    match record.casualties.iter().find(|c| c.id == n) {
        Some(casualty) => Ok(Record {
            casualties: vec![casualty.clone()],
        }),
        None => Err(Refusal {
            code: "no-casualty",
            message: format!("no casualty {n} in the record; type `casualties`"),
        }),
    }
}

fn describe_event(event: &Event) -> String {
    let u = event.provenance().utterance;
    match event {
        Event::CasualtySwitched { casualty, .. } => format!("u{u} casualty {casualty}"),
        Event::Asserted {
            id,
            casualty,
            fact,
            provenance,
        } => format!(
            "u{u} fact {id} casualty {casualty}: {fact}{}",
            if provenance.doubt.is_some() {
                " (unconfirmed)"
            } else {
                ""
            }
        ),
        Event::Corrected { superseded, by, .. } => match by {
            Some(by) => format!("u{u} fact {superseded} corrected by {by}"),
            None => format!("u{u} fact {superseded} withdrawn"),
        },
        Event::Confirmed { id, .. } => format!("u{u} fact {id} confirmed"),
        Event::Rejected { id, .. } => format!("u{u} fact {id} rejected"),
    }
}

/// The `EVT` line of a notice (one line: newlines in text become spaces).
pub fn event_line(notice: &Notice) -> String {
    let flat = |text: &str| text.replace(['\n', '\r'], " ");
    match notice {
        Notice::Utterance { index, text } => format!("EVT UTTERANCE {index} {}", flat(text)),
        Notice::Readback { id, casualty, fact } => {
            format!("EVT READBACK {id} casualty {casualty}: {}", flat(fact))
        }
        Notice::Alert { id, text } => format!("EVT ALERT {id} {}", flat(text)),
        Notice::Watchdog { topic, text } => format!("EVT {topic} {}", flat(text)),
        Notice::Audio { text } => format!("EVT AUDIO {}", flat(text)),
        Notice::InputEnded => "EVT INPUT-ENDED".to_owned(),
    }
}
