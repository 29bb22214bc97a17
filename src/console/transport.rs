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
use nix::sys::termios::{
    cfmakeraw, cfsetspeed, tcgetattr, tcsetattr, BaudRate, ControlFlags, InputFlags, SetArg,
    Termios,
};

use super::protocol::Framer;
use super::{event_line, After, Console, ConsoleError};
use crate::analysis::Notice;
use crate::config::ConsoleConfig;

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

/// Parity of a serial line (always 8 data bits and 1 stop bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parity {
    /// No parity bit.
    None,
    /// Even parity.
    Even,
    /// Odd parity.
    Odd,
}

/// A serial console's line settings (`[console] baud`, `parity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SerialLine {
    /// Line speed.
    pub baud: BaudRate,
    /// Parity.
    pub parity: Parity,
}

impl Default for SerialLine {
    fn default() -> Self {
        SerialLine {
            baud: BaudRate::B115200,
            parity: Parity::None,
        }
    }
}

/// The termios speed of a baud rate `config::CONSOLE_BAUD_RATES` lists.
fn baud_rate(baud: u32) -> Option<BaudRate> {
    Some(match baud {
        9_600 => BaudRate::B9600,
        19_200 => BaudRate::B19200,
        38_400 => BaudRate::B38400,
        57_600 => BaudRate::B57600,
        115_200 => BaudRate::B115200,
        230_400 => BaudRate::B230400,
        460_800 => BaudRate::B460800,
        921_600 => BaudRate::B921600,
        _ => return None,
    })
}

impl SerialLine {
    /// The settings `[console]` gives (checked when the configuration loaded; checked
    /// again here so a hand-built configuration cannot reach termios unchecked).
    pub fn from_config(config: &ConsoleConfig) -> Result<SerialLine, ConsoleError> {
        let baud = baud_rate(config.baud).ok_or_else(|| {
            terminal_error(
                "settings",
                format!(
                    "console.baud = {} is not a supported speed; give one of {:?}",
                    config.baud,
                    crate::config::CONSOLE_BAUD_RATES
                ),
            )
        })?;
        let parity = match config.parity.as_str() {
            "none" => Parity::None,
            "even" => Parity::Even,
            "odd" => Parity::Odd,
            other => {
                return Err(terminal_error(
                    "settings",
                    format!("console.parity = {other:?}; give \"none\", \"even\" or \"odd\""),
                ))
            }
        };
        Ok(SerialLine { baud, parity })
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
    /// The line settings a serial device is opened with (again, too).
    line: SerialLine,
}

fn terminal_error(what: &str, problem: impl std::fmt::Display) -> ConsoleError {
    ConsoleError::Terminal {
        what: what.to_owned(),
        problem: problem.to_string(),
    }
}

/// Raw mode; on a serial line also its speed and parity.
fn make_raw(fd: impl AsFd, what: &str, line: Option<&SerialLine>) -> Result<(), ConsoleError> {
    let mut termios = tcgetattr(&fd).map_err(|e| terminal_error(what, e))?;
    cfmakeraw(&mut termios);
    if let Some(line) = line {
        apply_line(&mut termios, line).map_err(|e| terminal_error(what, e))?;
    }
    tcsetattr(&fd, SetArg::TCSANOW, &termios).map_err(|e| terminal_error(what, e))
}

/// Sets speed, 8 data bits, 1 stop bit and parity (checked on input when there is one).
fn apply_line(termios: &mut Termios, line: &SerialLine) -> nix::Result<()> {
    cfsetspeed(termios, line.baud)?;
    let parity = ControlFlags::PARENB | ControlFlags::PARODD;
    termios.control_flags.remove(parity | ControlFlags::CSTOPB);
    termios.control_flags.insert(ControlFlags::CS8);
    match line.parity {
        Parity::None => termios.input_flags.remove(InputFlags::INPCK),
        Parity::Even => {
            termios.control_flags.insert(ControlFlags::PARENB);
            termios.input_flags.insert(InputFlags::INPCK);
        }
        Parity::Odd => {
            termios.control_flags.insert(parity);
            termios.input_flags.insert(InputFlags::INPCK);
        }
    }
    Ok(())
}

impl Terminal {
    /// Opens the terminal `transport` names; a serial device at `line`'s speed and parity.
    pub fn open(transport: &Transport, line: &SerialLine) -> Result<Terminal, ConsoleError> {
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
                    line: *line,
                })
            }
            Transport::Pty => {
                let pty = nix::pty::openpty(None, None).map_err(|e| terminal_error("pty", e))?;
                make_raw(&pty.slave, "pty", None)?;
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
                    line: *line,
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
                    make_raw(&file, &what, Some(line))?;
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
                    line: *line,
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
                    if let Ok(again) = Terminal::open(&Transport::Device(path), &terminal.line) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::termios::cfgetospeed;

    #[test]
    fn every_configurable_baud_rate_maps_and_others_are_refused() {
        for &baud in crate::config::CONSOLE_BAUD_RATES {
            let speed = baud_rate(baud).unwrap_or_else(|| panic!("{baud} unmapped"));
            assert_eq!(format!("{speed:?}"), format!("B{baud}"));
        }
        let bad = ConsoleConfig {
            baud: 12_345,
            ..ConsoleConfig::default()
        };
        let error = SerialLine::from_config(&bad).unwrap_err().to_string();
        assert!(error.contains("console.baud = 12345"), "{error}");
        let bad = ConsoleConfig {
            parity: "mark".to_owned(),
            ..ConsoleConfig::default()
        };
        assert!(SerialLine::from_config(&bad)
            .unwrap_err()
            .to_string()
            .contains("console.parity"));
    }

    #[test]
    fn a_serial_device_is_opened_at_the_configured_speed_and_parity() {
        let pty = nix::pty::openpty(None, None).unwrap();
        let path = nix::unistd::ttyname(&pty.slave).unwrap();
        let config = ConsoleConfig {
            baud: 9_600,
            parity: "odd".to_owned(),
        };
        let line = SerialLine::from_config(&config).unwrap();
        let terminal = Terminal::open(&Transport::Device(path), &line).unwrap();
        assert!(terminal.serial);
        let termios = tcgetattr(&terminal.input).unwrap();
        assert_eq!(cfgetospeed(&termios), BaudRate::B9600);
        // A pty forces 8N1 whatever it is told: parity is checked on the settings.
        let mut termios = tcgetattr(&terminal.input).unwrap();
        apply_line(&mut termios, &line).unwrap();
        assert!(termios
            .control_flags
            .contains(ControlFlags::PARENB | ControlFlags::PARODD | ControlFlags::CS8));
        assert!(termios.input_flags.contains(InputFlags::INPCK));
        let even = SerialLine {
            parity: Parity::Even,
            ..line
        };
        apply_line(&mut termios, &even).unwrap();
        assert!(termios.control_flags.contains(ControlFlags::PARENB));
        assert!(!termios.control_flags.contains(ControlFlags::PARODD));
        apply_line(&mut termios, &SerialLine::default()).unwrap();
        assert_eq!(cfgetospeed(&termios), BaudRate::B115200);
        assert!(!termios.control_flags.contains(ControlFlags::PARENB));
        assert!(!termios.input_flags.contains(InputFlags::INPCK));
    }
}
