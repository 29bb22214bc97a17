//! The console's terminals and its session loop: standard input/output, a pty (the
//! service opens it and names the other end on standard error) or a serial device set to
//! raw mode with termios. The loop polls the input (50 ms), frames and answers lines, and
//! writes the analysis stage's notices as `EVT` lines; a write that fails (terminal gone)
//! is counted and never stops the service.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Receiver;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg};

use super::protocol::Framer;
use super::{event_line, After, Console, ConsoleError};
use crate::analysis::Notice;

/// How long one poll of the input waits.
const POLL_MS: u16 = 50;
/// How often a console device that went away is looked for again.
const REOPEN_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
/// Bytes read at once.
const READ_CHUNK: usize = 4096;

/// Where the console talks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Standard input and output; `quit` stops the service.
    Stdio,
    /// A new pty; its other end is named on standard error.
    Pty,
    /// A serial device (or any terminal), set to raw mode.
    Device(PathBuf),
}

impl Transport {
    /// `stdio`, `pty` or a device path.
    pub fn parse(text: &str) -> Transport {
        match text {
            "stdio" => Transport::Stdio,
            "pty" => Transport::Pty,
            path => Transport::Device(PathBuf::from(path)),
        }
    }
}

/// An opened terminal: where lines come from and where replies go.
pub struct Terminal {
    input: File,
    output: File,
    /// Kept open so the pty stays usable while no one holds the other end.
    _keep: Option<OwnedFd>,
    /// `quit` stops the service (stdio).
    pub quit_stops_service: bool,
    /// The pty's other end, for the client.
    pub peer: Option<PathBuf>,
    /// A serial terminal: line editing, echo and `\r\n` line ends.
    pub serial: bool,
    /// The device to open again when it goes away (a serial adapter pulled out).
    reopen: Option<PathBuf>,
}

fn terminal_error(what: &str, problem: impl std::fmt::Display) -> ConsoleError {
    ConsoleError::Terminal {
        what: what.to_owned(),
        problem: problem.to_string(),
    }
}

fn make_raw(fd: impl AsFd, what: &str) -> Result<(), ConsoleError> {
    let mut termios = tcgetattr(&fd).map_err(|e| terminal_error(what, e))?;
    cfmakeraw(&mut termios);
    tcsetattr(&fd, SetArg::TCSANOW, &termios).map_err(|e| terminal_error(what, e))
}

impl Terminal {
    /// Opens the terminal `transport` names.
    pub fn open(transport: &Transport) -> Result<Terminal, ConsoleError> {
        match transport {
            Transport::Stdio => {
                let input = std::io::stdin()
                    .as_fd()
                    .try_clone_to_owned()
                    .map_err(|e| terminal_error("stdin", e))?;
                let output = std::io::stdout()
                    .as_fd()
                    .try_clone_to_owned()
                    .map_err(|e| terminal_error("stdout", e))?;
                Ok(Terminal {
                    input: File::from(input),
                    output: File::from(output),
                    _keep: None,
                    quit_stops_service: true,
                    peer: None,
                    serial: false,
                    reopen: None,
                })
            }
            Transport::Pty => {
                let pty = nix::pty::openpty(None, None).map_err(|e| terminal_error("pty", e))?;
                make_raw(&pty.slave, "pty")?;
                let peer =
                    nix::unistd::ttyname(&pty.slave).map_err(|e| terminal_error("pty", e))?;
                let output = pty
                    .master
                    .try_clone()
                    .map_err(|e| terminal_error("pty", e))?;
                Ok(Terminal {
                    input: File::from(pty.master),
                    output: File::from(output),
                    _keep: Some(pty.slave),
                    quit_stops_service: false,
                    peer: Some(peer),
                    serial: false,
                    reopen: None,
                })
            }
            Transport::Device(path) => {
                let what = path.display().to_string();
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(path)
                    .map_err(|e| terminal_error(&what, e))?;
                let serial = nix::unistd::isatty(file.as_raw_fd()).unwrap_or(false);
                if serial {
                    make_raw(&file, &what)?;
                }
                let output = file.try_clone().map_err(|e| terminal_error(&what, e))?;
                Ok(Terminal {
                    input: file,
                    output,
                    _keep: None,
                    quit_stops_service: false,
                    peer: None,
                    serial,
                    // Only a terminal is looked for again (a file would be read again).
                    reopen: serial.then(|| path.clone()),
                })
            }
        }
    }
}

fn write_bytes(output: &mut File, bytes: &[u8], console: &mut Console) {
    if !bytes.is_empty()
        && output
            .write_all(bytes)
            .and_then(|()| output.flush())
            .is_err()
    {
        console.stats.write_failures += 1;
    }
}

fn write_lines(output: &mut File, lines: &[String], console: &mut Console, serial: bool) {
    if lines.is_empty() {
        return;
    }
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push_str(if serial { "\r\n" } else { "\n" });
    }
    if output
        .write_all(text.as_bytes())
        .and_then(|()| output.flush())
        .is_err()
    {
        console.stats.write_failures += 1;
    }
}

/// Serves the console on `terminal` until `stop` is set (or, on stdio, `quit`, which sets
/// `stop`). Input that ends (EOF) stops reading, not the service. `heartbeat` advances on
/// every turn of the loop (at least every `POLL_MS`).
pub fn serve(
    mut terminal: Terminal,
    mut console: Console,
    notices: Option<Receiver<Notice>>,
    stop: &AtomicBool,
    heartbeat: &AtomicU64,
) {
    let serial = terminal.serial;
    let mut framer = if serial {
        Framer::terminal()
    } else {
        Framer::new()
    };
    let mut echo = Vec::new();
    let mut buffer = vec![0u8; READ_CHUNK];
    let mut replies = Vec::new();
    let mut frames = Vec::new();
    let mut reading = true;
    let mut last_reopen = std::time::Instant::now();
    while !stop.load(Ordering::Acquire) {
        heartbeat.fetch_add(1, Ordering::Relaxed);
        let readable = if reading {
            let mut fds = [PollFd::new(terminal.input.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::from(POLL_MS)) {
                Ok(n) if n > 0 => true,
                Ok(_) => false,
                Err(nix::errno::Errno::EINTR) => false,
                Err(_) => {
                    reading = false;
                    false
                }
            }
        } else {
            std::thread::sleep(std::time::Duration::from_millis(u64::from(POLL_MS)));
            // A device that went away (EOF, EIO) is opened again, once a second.
            if let Some(path) = terminal.reopen.clone() {
                if last_reopen.elapsed() >= REOPEN_EVERY {
                    last_reopen = std::time::Instant::now();
                    if let Ok(again) = Terminal::open(&Transport::Device(path)) {
                        terminal = again;
                        framer = if terminal.serial {
                            Framer::terminal()
                        } else {
                            Framer::new()
                        };
                        reading = true;
                    }
                }
            }
            false
        };
        if readable {
            match terminal.input.read(&mut buffer) {
                Ok(0) => reading = false,
                Ok(n) => {
                    framer.push_echo(&buffer[..n], &mut echo, |frame| frames.push(frame));
                    write_bytes(&mut terminal.output, &echo, &mut console);
                    echo.clear();
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => reading = false,
            }
        }
        for frame in frames.drain(..) {
            let after = console.handle(frame, &mut replies);
            write_lines(&mut terminal.output, &replies, &mut console, serial);
            replies.clear();
            if after == After::Quit && terminal.quit_stops_service {
                stop.store(true, Ordering::Release);
            }
        }
        if let Some(notices) = &notices {
            while let Ok(notice) = notices.try_recv() {
                let line = event_line(&notice);
                replies.push(if console.json() {
                    super::protocol::event_as_json(&line)
                } else {
                    line
                });
            }
            write_lines(&mut terminal.output, &replies, &mut console, serial);
            replies.clear();
        }
    }
}
