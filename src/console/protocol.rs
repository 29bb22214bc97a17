//! The console's line protocol (docs/CONSOLE.md): framing bytes into bounded, UTF-8
//! checked lines, parsing a line into a [`Command`], and formatting replies.
//!
//! Framing depends only on the bytes, never on how they were chunked: a line ends at
//! `\n` or `\r` (so `\r\n` ends one line and leaves an empty one, which is skipped); a
//! line longer than `CONSOLE_LINE_BYTES_MAX` is discarded up to its end and reported once.

use crate::limits::CONSOLE_LINE_BYTES_MAX;

/// One framed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete line of UTF-8 text (terminator removed; may be empty).
    Line(String),
    /// A line that was not UTF-8 (its bytes are gone).
    NotUtf8,
    /// A line longer than `CONSOLE_LINE_BYTES_MAX` (its bytes are gone).
    TooLong,
}

/// Splits a byte stream into lines, holding at most `CONSOLE_LINE_BYTES_MAX` bytes. A
/// terminal framer also edits the line (backspace or DEL removes the last character,
/// Ctrl-U the whole line, Ctrl-C cancels it) and produces the echo a terminal shows.
#[derive(Debug)]
pub struct Framer {
    buffer: Vec<u8>,
    overflowed: bool,
    editing: bool,
}

impl Default for Framer {
    fn default() -> Self {
        Framer::new()
    }
}

const BACKSPACE: u8 = 0x08;
const DELETE: u8 = 0x7f;
const CTRL_U: u8 = 0x15;
const CTRL_C: u8 = 0x03;

impl Framer {
    /// A framer for programs (pipes): bytes are taken as they are.
    pub fn new() -> Framer {
        Framer {
            buffer: Vec::with_capacity(CONSOLE_LINE_BYTES_MAX),
            overflowed: false,
            editing: false,
        }
    }

    /// A framer for a terminal: line editing, and echo through [`Framer::push_echo`].
    pub fn terminal() -> Framer {
        Framer {
            editing: true,
            ..Framer::new()
        }
    }

    /// Feeds `bytes`, calling `on_frame` for each line they complete.
    pub fn push(&mut self, bytes: &[u8], on_frame: impl FnMut(Frame)) {
        let mut echo = Vec::new();
        self.push_echo(bytes, &mut echo, on_frame);
    }

    /// As [`Framer::push`], appending to `echo` what a terminal should show (nothing
    /// unless this is a terminal framer).
    pub fn push_echo(&mut self, bytes: &[u8], echo: &mut Vec<u8>, mut on_frame: impl FnMut(Frame)) {
        let editing = self.editing;
        let mut show = |text: &[u8]| {
            if editing {
                echo.extend_from_slice(text);
            }
        };
        for &byte in bytes {
            if byte == b'\n' || byte == b'\r' {
                show(b"\r\n");
                if self.overflowed {
                    self.overflowed = false;
                    on_frame(Frame::TooLong);
                } else {
                    let line = std::mem::take(&mut self.buffer);
                    self.buffer.reserve(CONSOLE_LINE_BYTES_MAX);
                    match String::from_utf8(line) {
                        Ok(text) => on_frame(Frame::Line(text)),
                        Err(_) => on_frame(Frame::NotUtf8),
                    }
                }
                self.buffer.clear();
            } else if editing && (byte == BACKSPACE || byte == DELETE) {
                // One character: its continuation bytes and its first byte.
                while self.buffer.last().is_some_and(|b| b & 0xc0 == 0x80) {
                    self.buffer.pop();
                }
                if self.buffer.pop().is_some() {
                    show(b"\x08 \x08");
                }
            } else if editing && (byte == CTRL_U || byte == CTRL_C) {
                self.buffer.clear();
                self.overflowed = false;
                show(if byte == CTRL_C { b"^C\r\n" } else { b"\r\n" });
            } else if self.overflowed {
                // Discarded up to the end of the line.
            } else if self.buffer.len() >= CONSOLE_LINE_BYTES_MAX {
                self.overflowed = true;
                self.buffer.clear();
            } else {
                self.buffer.push(byte);
                show(&[byte]);
            }
        }
    }
}

/// A parsed console command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    Status,
    Casualties,
    Card(Option<u8>),
    Mist(Option<u8>),
    /// `mist N prose`: the machine-written handover draft of casualty N.
    MistProse(u8),
    Atmist(Option<u8>),
    NineLine,
    Events(Option<usize>),
    Say(String),
    Confirm(u32),
    Reject(u32),
    Alerts,
    Ack(u32),
    Casualty(u8),
    Mem,
    Thermal,
    Power,
    Top,
    Log(Option<usize>),
    Json(bool),
    Export,
    /// `correct <id> <field> <value>`: the fact's id and `<field> <value>` as typed.
    Correct(u32, String),
    /// `purge` (arms, answering a one-time token) or `purge confirm <token>`.
    Purge(Option<String>),
    Quit,
}

/// Why a line is not a command: the `ERR` code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// A short word (docs/CONSOLE.md lists them).
    pub code: &'static str,
    /// What is wrong and what to type instead.
    pub message: String,
}

impl Refusal {
    fn usage(message: impl Into<String>) -> Refusal {
        Refusal {
            code: "usage",
            message: message.into(),
        }
    }

    /// The reply line.
    pub fn line(&self) -> String {
        format!("ERR {} {}", self.code, self.message)
    }
}

/// The `help` text: one line per command.
pub const HELP: &[&str] = &[
    "help                 this list",
    "status               pipeline, journal and record counters",
    "casualties           the casualties in the record",
    "casualty N           casualty N: counts and its unconfirmed facts with their ids",
    "card [N]             the DD 1380 card (of casualty N)",
    "mist [N]             the MIST handover (of casualty N)",
    "mist N prose         draft handover of casualty N (language model, checked)",
    "atmist [N]           the ATMIST handover (of casualty N)",
    "nine-line            the MEDEVAC 9-line",
    "events [N]           the last N events of the record (default 20)",
    "say <text>           typed narration, read like speech",
    "confirm <id>         confirm an unconfirmed fact (EVT READBACK gives ids)",
    "reject <id>          reject a fact: it leaves the card",
    "correct <id> <f> <v> replace fact <id>: `<f> <v>` read as narration for it",
    "purge                destroy the journal and record: answers a token to confirm",
    "purge confirm <tok>  within the time limit: destroy the key and every record",
    "alerts               the advisor's alerts",
    "ack <id>             acknowledge an alert",
    "mem                  this process's memory (resident, peak, locked)",
    "thermal              the board's thermal zones",
    "power                the board's power rails (Jetson INA monitors)",
    "top                  dashboard: power mode, heat, CPU, memory, latency",
    "log [N]              the last N log lines (default 20)",
    "export               write the record as JSON to DIR/record.json (atomically)",
    "json on|off          one JSON object per reply and per EVT line (for programs)",
    "quit | exit          close the console (stdio: stops the service)",
];

fn number<T: std::str::FromStr>(word: &str, what: &str) -> Result<T, Refusal> {
    word.parse()
        .map_err(|_| Refusal::usage(format!("`{word}` is not a {what}; type `help`")))
}

fn optional<T: std::str::FromStr>(
    args: &[&str],
    what: &str,
    usage: &str,
) -> Result<Option<T>, Refusal> {
    match args {
        [] => Ok(None),
        [word] => number(word, what).map(Some),
        _ => Err(Refusal::usage(format!("usage: {usage}"))),
    }
}

fn required<T: std::str::FromStr>(args: &[&str], what: &str, usage: &str) -> Result<T, Refusal> {
    match args {
        [word] => number(word, what),
        _ => Err(Refusal::usage(format!("usage: {usage}"))),
    }
}

/// Parses one line (already UTF-8 and bounded). `Ok(None)` for a blank line.
pub fn parse(line: &str) -> Result<Option<Command>, Refusal> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(None);
    }
    if line.chars().any(|c| c.is_control() && c != '\t') {
        return Err(Refusal {
            code: "bad-char",
            message: "the line holds control characters; type a command (`help`)".to_owned(),
        });
    }
    let (verb, rest) = match line.split_once(char::is_whitespace) {
        Some((verb, rest)) => (verb, rest.trim()),
        None => (line, ""),
    };
    let args: Vec<&str> = rest.split_whitespace().collect();
    let verb = verb.to_ascii_lowercase();
    let none = |command: Command| {
        if args.is_empty() {
            Ok(Some(command))
        } else {
            Err(Refusal::usage(format!("`{verb}` takes no arguments")))
        }
    };
    match verb.as_str() {
        "help" | "?" => none(Command::Help),
        "status" => none(Command::Status),
        "casualties" => none(Command::Casualties),
        "card" => Ok(Some(Command::Card(optional(
            &args,
            "casualty number",
            "card [N]",
        )?))),
        "mist" => match args.as_slice() {
            [n, prose] if prose.eq_ignore_ascii_case("prose") => {
                Ok(Some(Command::MistProse(number(n, "casualty number")?)))
            }
            _ => Ok(Some(Command::Mist(optional(
                &args,
                "casualty number",
                "mist [N] | mist N prose",
            )?))),
        },
        "atmist" => Ok(Some(Command::Atmist(optional(
            &args,
            "casualty number",
            "atmist [N]",
        )?))),
        "nine-line" | "9-line" | "nineline" => none(Command::NineLine),
        "events" => Ok(Some(Command::Events(optional(
            &args,
            "count",
            "events [N]",
        )?))),
        "say" => {
            if rest.is_empty() {
                Err(Refusal::usage("usage: say <text>"))
            } else {
                Ok(Some(Command::Say(rest.to_owned())))
            }
        }
        "confirm" => Ok(Some(Command::Confirm(required(
            &args,
            "fact id",
            "confirm <id>",
        )?))),
        "reject" => Ok(Some(Command::Reject(required(
            &args,
            "fact id",
            "reject <id>",
        )?))),
        "correct" => match args.as_slice() {
            [id, _field, _value, ..] => {
                let id = number(id, "fact id")?;
                let field_value = rest
                    .split_once(char::is_whitespace)
                    .map(|(_, text)| text.trim())
                    .unwrap_or_default();
                Ok(Some(Command::Correct(id, field_value.to_owned())))
            }
            _ => Err(Refusal::usage(
                "usage: correct <id> <field> <value>, e.g. `correct 4 pulse 110`",
            )),
        },
        "purge" => match args.as_slice() {
            [] => Ok(Some(Command::Purge(None))),
            [word, token] if word.eq_ignore_ascii_case("confirm") => {
                Ok(Some(Command::Purge(Some((*token).to_owned()))))
            }
            _ => Err(Refusal::usage(
                "usage: purge, then purge confirm <token> with the token it answers",
            )),
        },
        "alerts" => none(Command::Alerts),
        "ack" => Ok(Some(Command::Ack(required(&args, "alert id", "ack <id>")?))),
        "casualty" => Ok(Some(Command::Casualty(required(
            &args,
            "casualty number",
            "casualty N",
        )?))),
        "mem" => none(Command::Mem),
        "export" => none(Command::Export),
        "thermal" => none(Command::Thermal),
        "power" => none(Command::Power),
        "top" => none(Command::Top),
        "log" => Ok(Some(Command::Log(optional(&args, "count", "log [N]")?))),
        "json" => match args.as_slice() {
            ["on"] => Ok(Some(Command::Json(true))),
            ["off"] => Ok(Some(Command::Json(false))),
            _ => Err(Refusal::usage("usage: json on|off")),
        },
        "quit" | "exit" => none(Command::Quit),
        _ => Err(Refusal {
            code: "unknown",
            message: format!(
                "unknown command `{}`; type `help`",
                verb.chars().take(32).collect::<String>()
            ),
        }),
    }
}

/// A reply with a body: the head line `OK <what> [<n> lines]`, then the `n` body lines
/// as they are (a client reads exactly `n` more lines; no terminator, no escaping).
pub fn with_body(what: &str, body: &str) -> Vec<String> {
    let count = body.lines().count();
    let mut lines = Vec::with_capacity(count + 1);
    lines.push(format!("OK {what} [{count} lines]"));
    lines.extend(body.lines().map(str::to_owned));
    lines
}

/// A reply (head and body lines) as one JSON object on one line:
/// `{"ok":true,"head":"card","body":[…]}` or `{"ok":false,"code":"usage","message":"…"}`.
pub fn as_json(reply: &[String]) -> String {
    let Some(head) = reply.first() else {
        return String::new();
    };
    let value = if let Some(refusal) = head.strip_prefix("ERR ") {
        let (code, message) = refusal.split_once(' ').unwrap_or((refusal, ""));
        serde_json::json!({"ok": false, "code": code, "message": message})
    } else {
        let text = head.strip_prefix("OK").unwrap_or(head).trim_start();
        let text = text
            .rsplit_once(" [")
            .filter(|(_, tail)| tail.ends_with(" lines]"))
            .map_or(text, |(text, _)| text);
        serde_json::json!({"ok": true, "head": text, "body": &reply[1..]})
    };
    value.to_string()
}

/// An `EVT` line as one JSON object: `{"evt":"READBACK","text":"4 casualty 1: …"}`.
pub fn event_as_json(line: &str) -> String {
    let rest = line.strip_prefix("EVT ").unwrap_or(line);
    let (kind, text) = rest.split_once(' ').unwrap_or((rest, ""));
    serde_json::json!({"evt": kind, "text": text}).to_string()
}

/// The number of body lines a reply head announces (`OK … [<n> lines]`), 0 for any other.
pub fn body_lines(head: &str) -> usize {
    head.strip_prefix("OK ")
        .and_then(|rest| rest.strip_suffix(" lines]"))
        .and_then(|rest| rest.rsplit_once('['))
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(chunks: &[&[u8]]) -> Vec<Frame> {
        let mut framer = Framer::new();
        let mut out = Vec::new();
        for chunk in chunks {
            framer.push(chunk, |f| out.push(f));
        }
        out
    }

    #[test]
    fn lines_end_at_newline_or_return_and_long_lines_are_refused_once() {
        assert_eq!(
            frames(&[b"status\r\ncard 1\n"]),
            vec![
                Frame::Line("status".into()),
                Frame::Line(String::new()),
                Frame::Line("card 1".into())
            ]
        );
        let long = vec![b'a'; CONSOLE_LINE_BYTES_MAX * 3];
        assert_eq!(
            frames(&[&long, b"\nhelp\n"]),
            vec![Frame::TooLong, Frame::Line("help".into())]
        );
        assert_eq!(frames(&[b"\xff\xfe\n"]), vec![Frame::NotUtf8]);
    }

    #[test]
    fn a_terminal_edits_the_line_and_echoes() {
        let mut framer = Framer::terminal();
        let mut echo = Vec::new();
        let mut out = Vec::new();
        framer.push_echo(b"stx\x7fatus\r", &mut echo, |f| out.push(f));
        framer.push_echo("cardé\x08\x08 1\r".as_bytes(), &mut echo, |f| out.push(f));
        framer.push_echo(b"purge all\x03help\x15mist\r", &mut echo, |f| out.push(f));
        assert_eq!(
            out,
            vec![
                Frame::Line("status".into()),
                Frame::Line("car 1".into()),
                Frame::Line("mist".into())
            ]
        );
        assert!(echo.starts_with(b"stx\x08 \x08atus\r\n"));
        assert!(echo.windows(4).any(|w| w == b"^C\r\n"));
    }

    #[test]
    fn commands_parse_and_refusals_name_the_fix() {
        assert_eq!(parse("card 1"), Ok(Some(Command::Card(Some(1)))));
        assert_eq!(parse("  CARD  "), Ok(Some(Command::Card(None))));
        assert_eq!(
            parse("say casualty one tourniquet left leg"),
            Ok(Some(Command::Say(
                "casualty one tourniquet left leg".into()
            )))
        );
        assert_eq!(parse("confirm 7"), Ok(Some(Command::Confirm(7))));
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("card x").unwrap_err().code, "usage");
        assert_eq!(parse("card 999").unwrap_err().code, "usage");
        assert_eq!(parse("frobnicate").unwrap_err().code, "unknown");
        assert_eq!(parse("status now").unwrap_err().code, "usage");
        assert_eq!(parse("ca\u{7}rd").unwrap_err().code, "bad-char");
        assert_eq!(
            parse("correct 4  pulse  110"),
            Ok(Some(Command::Correct(4, "pulse  110".into())))
        );
        assert_eq!(parse("correct 4 pulse").unwrap_err().code, "usage");
        assert_eq!(parse("correct x pulse 110").unwrap_err().code, "usage");
        assert_eq!(parse("purge"), Ok(Some(Command::Purge(None))));
        assert_eq!(
            parse("PURGE Confirm k3y"),
            Ok(Some(Command::Purge(Some("k3y".into()))))
        );
        assert_eq!(parse("purge now").unwrap_err().code, "usage");
        assert!(HELP.iter().all(|line| line.chars().count() <= 80));
    }

    #[test]
    fn json_replies_are_one_object_per_line() {
        assert_eq!(
            as_json(&with_body("card", "a\nb")),
            r#"{"body":["a","b"],"head":"card","ok":true}"#
        );
        assert_eq!(
            as_json(&["ERR usage usage: json on|off".to_owned()]),
            r#"{"code":"usage","message":"usage: json on|off","ok":false}"#
        );
        assert_eq!(parse("json on"), Ok(Some(Command::Json(true))));
        assert_eq!(
            event_as_json("EVT READBACK 4 casualty 1: pulse 120"),
            r#"{"evt":"READBACK","text":"4 casualty 1: pulse 120"}"#
        );
    }

    #[test]
    fn bodies_are_counted_in_the_head() {
        let reply = with_body("card", "a\n.b");
        assert_eq!(reply, vec!["OK card [2 lines]", "a", ".b"]);
        assert_eq!(body_lines(&reply[0]), 2);
        assert_eq!(body_lines("OK 2 change(s)"), 0);
        assert_eq!(body_lines("ERR usage x [3 lines]"), 0);
    }
}
