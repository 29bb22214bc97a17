//! The ring logger: the last `LOG_RING_ENTRIES_MAX` log lines kept in fixed-size entries
//! (for `status` on the serial console; nothing grows), each also written to stderr (the
//! journal, under systemd).
//!
//! Real-time threads must not log: formatting, a lock and a write are all forbidden there.
//! A log call from a real-time thread is not written; it is counted, and the count shown,
//! so a stray `log::warn!` in the wrong place is found instead of causing a glitch.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::limits::{LOG_LINE_BYTES_MAX, LOG_RING_ENTRIES_MAX};
use crate::sys::alloc_guard::is_realtime_thread;

type Line = heapless::String<LOG_LINE_BYTES_MAX>;

/// The logger tccc installs.
pub struct RingLogger {
    lines: Mutex<heapless::Deque<Line, LOG_RING_ENTRIES_MAX>>,
    realtime_attempts: AtomicU64,
    echo_to_stderr: bool,
}

static LOGGER: OnceLock<RingLogger> = OnceLock::new();

impl RingLogger {
    fn new(echo_to_stderr: bool) -> Self {
        RingLogger {
            lines: Mutex::new(heapless::Deque::new()),
            realtime_attempts: AtomicU64::new(0),
            echo_to_stderr,
        }
    }

    /// The kept lines, oldest first.
    pub fn recent(&self) -> Vec<String> {
        self.lines
            .lock()
            .map(|lines| lines.iter().map(|line| line.as_str().to_owned()).collect())
            .unwrap_or_default()
    }

    /// Log calls refused on real-time threads.
    pub fn realtime_attempts(&self) -> u64 {
        self.realtime_attempts.load(Ordering::Relaxed)
    }
}

/// Installs the ring logger (once; later calls keep the first) at `level`.
pub fn init(level: LevelFilter, echo_to_stderr: bool) -> &'static RingLogger {
    let logger = LOGGER.get_or_init(|| RingLogger::new(echo_to_stderr));
    if log::set_logger(logger).is_ok() {
        log::set_max_level(level);
    }
    logger
}

/// The installed logger, if any.
pub fn logger() -> Option<&'static RingLogger> {
    LOGGER.get()
}

impl Log for RingLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        if is_realtime_thread() {
            self.realtime_attempts.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let mut line = Line::new();
        let level = match record.level() {
            Level::Error => "error",
            Level::Warn => "warning",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        };
        // A line longer than an entry is cut: `write!` stops at the capacity.
        let _ = write!(TruncatingWriter(&mut line), "{level}: {}", record.args());
        if self.echo_to_stderr {
            let _ = writeln!(std::io::stderr().lock(), "tccc: {line}");
        }
        if let Ok(mut lines) = self.lines.lock() {
            if lines.is_full() {
                lines.pop_front();
            }
            let _ = lines.push_back(line);
        }
    }

    fn flush(&self) {}
}

/// Writes into a fixed-capacity string, dropping what does not fit (at a char boundary).
struct TruncatingWriter<'a>(&'a mut Line);

impl std::fmt::Write for TruncatingWriter<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        for character in text.chars() {
            if self.0.push(character).is_err() {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_lines_cut_to_the_entry_size() {
        let logger = RingLogger::new(false);
        log::set_max_level(LevelFilter::Info);
        for index in 0..(LOG_RING_ENTRIES_MAX + 10) {
            logger.log(
                &Record::builder()
                    .level(Level::Warn)
                    .args(format_args!("line {index}"))
                    .build(),
            );
        }
        let recent = logger.recent();
        assert_eq!(recent.len(), LOG_RING_ENTRIES_MAX);
        assert_eq!(recent[0], "warning: line 10");
        let long = "x".repeat(LOG_LINE_BYTES_MAX * 2);
        logger.log(
            &Record::builder()
                .level(Level::Warn)
                .args(format_args!("{long}"))
                .build(),
        );
        assert_eq!(
            logger.recent().last().map(String::len),
            Some(LOG_LINE_BYTES_MAX)
        );
    }

    #[test]
    fn real_time_threads_are_counted_not_logged() {
        let logger = std::sync::Arc::new(RingLogger::new(false));
        log::set_max_level(LevelFilter::Info);
        let inner = std::sync::Arc::clone(&logger);
        std::thread::spawn(move || {
            crate::sys::alloc_guard::set_thread_role(crate::sys::alloc_guard::ThreadRole::Frontend);
            inner.log(
                &Record::builder()
                    .level(Level::Error)
                    .args(format_args!("from real time"))
                    .build(),
            );
            crate::sys::alloc_guard::clear_thread_role();
        })
        .join()
        .unwrap();
        assert!(logger.recent().is_empty());
        assert_eq!(logger.realtime_attempts(), 1);
    }
}
