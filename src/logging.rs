//! The logger: deferred, defmt-style records from every thread, formatted by one logger
//! thread into stderr (the journal, under systemd) and into the last `LOG_RING_ENTRIES_MAX`
//! lines kept in fixed-size entries (for `status` on the serial console; nothing grows).
//!
//! [`tlog!`](crate::tlog) is the call for any thread, real-time ones included. It copies a
//! `&'static str` format and up to `LOG_VALUES_MAX` raw values (integers, floats, static
//! strings) into the calling thread's own SPSC ring (`rtrb`, allocated when the thread
//! registers): no formatting, no lock, no allocation, no system call. A full ring, or a
//! real-time thread that never registered, counts a drop instead; the logger thread reports
//! the count. The logger thread (started by [`init`]) drains every ring each
//! `LOG_DRAIN_INTERVAL`, in the order the records were made, and formats them; [`flush`]
//! drains at once on the calling thread (call it before exit; `recent` calls it too).
//!
//! Ordinary `log` crate calls (`log::warn!` …) keep working on ordinary threads: they are
//! formatted and written at once by the calling thread, after it has drained the rings, so
//! a thread's earlier `tlog!` records come out first. On a real-time thread a `log` call is
//! refused and counted (formatting there would break its rules); use `tlog!`.
//!
//! Format strings take `{}` and, for floats, `{:.N}`; `{{` and `}}` are literal braces.
//! The number of placeholders is checked against the values at compile time.

use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

pub use log::Level;
use log::{LevelFilter, Log, Metadata, Record};

use crate::limits::{
    LOG_LINE_BYTES_MAX, LOG_RING_ENTRIES_MAX, LOG_THREADS_MAX, LOG_THREAD_RING_ENTRIES_MAX,
    LOG_VALUES_MAX,
};
use crate::sys::alloc_guard::is_realtime_thread;

/// How often the logger thread drains the threads' rings: a real-time thread logging at most
/// a few records per period never fills its ring.
pub const LOG_DRAIN_INTERVAL: Duration = Duration::from_millis(20);

type Line = heapless::String<LOG_LINE_BYTES_MAX>;

/// One raw value of a deferred log record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LogValue {
    /// Any unsigned integer.
    Unsigned(u64),
    /// Any signed integer.
    Signed(i64),
    /// Any float.
    Float(f64),
    /// A static string (a name, a fixed word).
    Text(&'static str),
}

macro_rules! log_value_from {
    ($variant:ident, $wide:ty: $($narrow:ty),+) => {$(
        impl From<$narrow> for LogValue {
            fn from(value: $narrow) -> Self {
                LogValue::$variant(<$wide>::from(value))
            }
        }
    )+};
}
log_value_from!(Unsigned, u64: u8, u16, u32, u64);
log_value_from!(Signed, i64: i8, i16, i32, i64);
log_value_from!(Float, f64: f32, f64);

impl From<usize> for LogValue {
    fn from(value: usize) -> Self {
        LogValue::Unsigned(u64::try_from(value).unwrap_or(u64::MAX))
    }
}

impl From<isize> for LogValue {
    fn from(value: isize) -> Self {
        LogValue::Signed(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

impl From<&'static str> for LogValue {
    fn from(value: &'static str) -> Self {
        LogValue::Text(value)
    }
}

impl From<bool> for LogValue {
    fn from(value: bool) -> Self {
        LogValue::Text(if value { "true" } else { "false" })
    }
}

/// One deferred record as it waits in a thread's ring.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Global order of the record, so rings drain in the order records were made.
    sequence: u64,
    level: Level,
    format: &'static str,
    values: [LogValue; LOG_VALUES_MAX],
    value_count: u8,
}

/// Records made so far (the next record's sequence number).
static SEQUENCE: AtomicU64 = AtomicU64::new(0);
/// Records dropped: a full ring, or a thread that could not register.
static DROPPED: AtomicU64 = AtomicU64::new(0);
/// Drops already reported by a "dropped" line.
static DROPPED_REPORTED: AtomicU64 = AtomicU64::new(0);
/// The consumer ends of every registered thread's ring, drained under this lock by the
/// logger thread or a flushing thread (never by a thread that logs).
static RINGS: Mutex<heapless::Vec<rtrb::Consumer<Entry>, LOG_THREADS_MAX>> =
    Mutex::new(heapless::Vec::new());

thread_local! {
    /// Whether this thread has tried to register (a plain flag: reading it never allocates,
    /// unlike the first touch of `RING`, whose destructor must be registered).
    static REGISTERED: Cell<bool> = const { Cell::new(false) };
    /// This thread's producer end, when registered.
    static RING: RefCell<Option<rtrb::Producer<Entry>>> = const { RefCell::new(None) };
}

/// Gives the calling thread its log ring. Real-time threads call it at start, before they
/// declare their role (it allocates); ordinary threads are registered by their first
/// `tlog!`. Calling it again does nothing. When `LOG_THREADS_MAX` threads hold a ring, the
/// thread gets none and its records are counted as dropped.
pub fn register_thread() {
    if REGISTERED.with(Cell::get) {
        return;
    }
    REGISTERED.with(|flag| flag.set(true));
    let (producer, consumer) = rtrb::RingBuffer::new(LOG_THREAD_RING_ENTRIES_MAX);
    let mut rings = lock_rings();
    prune_finished(&mut rings);
    if rings.push(consumer).is_ok() {
        drop(rings);
        let _ = RING.try_with(|ring| {
            if let Ok(mut ring) = ring.try_borrow_mut() {
                *ring = Some(producer);
            }
        });
    }
}

/// Queues one record on the calling thread's ring: no formatting, no lock, no allocation
/// once the thread is registered. Called by [`tlog!`](crate::tlog); `values` beyond
/// `LOG_VALUES_MAX` are ignored (the macro rejects them at compile time).
pub fn record(level: Level, format: &'static str, values: &[LogValue]) {
    if level > log::max_level() {
        return;
    }
    let registered = REGISTERED.try_with(Cell::get).unwrap_or(true);
    if !registered {
        if is_realtime_thread() {
            // Registering allocates; a real-time thread must have done it at start.
            DROPPED.fetch_add(1, Ordering::Relaxed);
            return;
        }
        register_thread();
    }
    let mut entry = Entry {
        sequence: SEQUENCE.fetch_add(1, Ordering::Relaxed),
        level,
        format,
        values: [LogValue::Unsigned(0); LOG_VALUES_MAX],
        value_count: 0,
    };
    for (slot, value) in entry.values.iter_mut().zip(values) {
        *slot = *value;
        entry.value_count += 1;
    }
    let pushed = RING
        .try_with(|ring| match ring.try_borrow_mut() {
            Ok(mut ring) => ring
                .as_mut()
                .is_some_and(|producer| producer.push(entry).is_ok()),
            Err(_) => false,
        })
        .unwrap_or(false);
    if !pushed {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Records dropped so far (full rings, unregistered real-time threads).
pub fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Writes every queued record now, on the calling thread (not a real-time one: this locks
/// and writes). Call it before the process exits.
pub fn flush() {
    if is_realtime_thread() {
        return;
    }
    if let Some(logger) = LOGGER.get() {
        logger.drain();
    }
}

/// Placeholders (`{}` or `{:…}`) in a format string; `{{` and `}}` are not counted.
pub const fn placeholder_count(format: &str) -> usize {
    let bytes = format.as_bytes();
    let mut count = 0;
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'{' {
            if index + 1 < bytes.len() && bytes[index + 1] == b'{' {
                index += 2;
                continue;
            }
            count += 1;
            while index < bytes.len() && bytes[index] != b'}' {
                index += 1;
            }
        }
        index += 1;
    }
    count
}

/// Logs from any thread, real-time ones included, without formatting, locking or
/// allocating there: `tlog!(warn, "capture: {} samples dropped", count)`. The level is one
/// of `error`, `warn`, `info`, `debug`, `trace`; the format a string literal with `{}` (or
/// `{:.N}` for a float) per value; at most `LOG_VALUES_MAX` values, each an integer, a float,
/// a `bool` or a `&'static str`.
#[macro_export]
macro_rules! tlog {
    (error, $($rest:tt)+) => { $crate::tlog!(@record $crate::logging::Level::Error, $($rest)+) };
    (warn, $($rest:tt)+) => { $crate::tlog!(@record $crate::logging::Level::Warn, $($rest)+) };
    (info, $($rest:tt)+) => { $crate::tlog!(@record $crate::logging::Level::Info, $($rest)+) };
    (debug, $($rest:tt)+) => { $crate::tlog!(@record $crate::logging::Level::Debug, $($rest)+) };
    (trace, $($rest:tt)+) => { $crate::tlog!(@record $crate::logging::Level::Trace, $($rest)+) };
    (@record $level:expr, $format:literal $(, $value:expr)* $(,)?) => {{
        const _: () = {
            let values = <[&str]>::len(&[$(stringify!($value)),*]);
            assert!(
                $crate::logging::placeholder_count($format) == values,
                "tlog!: the format's placeholders and the values differ in number"
            );
            assert!(
                values <= $crate::limits::LOG_VALUES_MAX,
                "tlog!: more values than LOG_VALUES_MAX"
            );
        };
        $crate::logging::record(
            $level,
            $format,
            &[$($crate::logging::LogValue::from($value)),*],
        )
    }};
}

/// The logger tccc installs: the kept lines and the `log` crate's entry point.
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

    /// The kept lines, oldest first, after writing every record queued so far.
    pub fn recent(&self) -> Vec<String> {
        flush();
        self.lines
            .lock()
            .map(|lines| lines.iter().map(|line| line.as_str().to_owned()).collect())
            .unwrap_or_default()
    }

    /// `log` crate calls refused on real-time threads.
    pub fn realtime_attempts(&self) -> u64 {
        self.realtime_attempts.load(Ordering::Relaxed)
    }

    /// Writes one finished line to stderr (when echoing) and into the kept lines.
    fn write_line(&self, line: Line) {
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

    /// Formats and writes every queued record, oldest first across all rings, then a line
    /// for any records dropped since the last report.
    fn drain(&self) {
        let mut rings = lock_rings();
        loop {
            let oldest = rings
                .iter()
                .enumerate()
                .filter_map(|(index, ring)| ring.peek().ok().map(|entry| (entry.sequence, index)))
                .min();
            let Some((_, index)) = oldest else {
                break;
            };
            if let Ok(entry) = rings[index].pop() {
                self.write_line(render(&entry));
            }
        }
        prune_finished(&mut rings);
        drop(rings);
        let dropped = DROPPED.load(Ordering::Relaxed);
        let reported = DROPPED_REPORTED.swap(dropped, Ordering::Relaxed);
        if dropped > reported {
            let mut line = Line::new();
            let _ = write!(
                TruncatingWriter(&mut line),
                "warning: {} log records dropped (a thread's log ring was full, or a \
                 real-time thread logged without registering); {dropped} so far",
                dropped - reported
            );
            self.write_line(line);
        }
    }
}

/// Installs the logger (once; later calls keep the first) at `level` and starts the logger
/// thread that writes the records of `tlog!`.
pub fn init(level: LevelFilter, echo_to_stderr: bool) -> &'static RingLogger {
    let logger = LOGGER.get_or_init(|| RingLogger::new(echo_to_stderr));
    if log::set_logger(logger).is_ok() {
        log::set_max_level(level);
        // Without the thread, records still come out at each `flush` and `log` call.
        let _ = std::thread::Builder::new()
            .name("tccc-log".to_owned())
            .spawn(move || loop {
                logger.drain();
                std::thread::park_timeout(LOG_DRAIN_INTERVAL);
            });
    }
    logger
}

/// The installed logger, if any.
pub fn logger() -> Option<&'static RingLogger> {
    LOGGER.get()
}

fn lock_rings() -> MutexGuard<'static, heapless::Vec<rtrb::Consumer<Entry>, LOG_THREADS_MAX>> {
    // A panic while draining leaves every ring consistent (rtrb is lock-free), so a
    // poisoned lock is used as it is.
    RINGS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Forgets the rings of threads that have exited and whose records are all written.
fn prune_finished(rings: &mut heapless::Vec<rtrb::Consumer<Entry>, LOG_THREADS_MAX>) {
    rings.retain(|ring| !(ring.is_abandoned() && ring.is_empty()));
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warn => "warning",
        Level::Info => "info",
        Level::Debug => "debug",
        Level::Trace => "trace",
    }
}

/// Formats one deferred record as `level: text`, cut to the line size.
fn render(entry: &Entry) -> Line {
    let mut line = Line::new();
    let mut out = TruncatingWriter(&mut line);
    let _ = write!(out, "{}: ", level_name(entry.level));
    let values = &entry.values[..usize::from(entry.value_count)];
    let mut next_value = values.iter();
    let mut rest = entry.format;
    while let Some(position) = rest.find(['{', '}']) {
        let _ = out.write_str(&rest[..position]);
        let after = &rest[position..];
        if after.starts_with("{{") || after.starts_with("}}") {
            let _ = out.write_str(&after[..1]);
            rest = &after[2..];
            continue;
        }
        if let Some(tail) = after.strip_prefix('}') {
            // A stray closing brace is written as it is.
            let _ = out.write_str("}");
            rest = tail;
            continue;
        }
        let Some(close) = after.find('}') else {
            let _ = out.write_str(after);
            rest = "";
            break;
        };
        let precision = after[1..close]
            .strip_prefix(":.")
            .and_then(|digits| digits.parse::<usize>().ok());
        match next_value.next() {
            Some(value) => write_value(&mut out, *value, precision),
            None => {
                let _ = out.write_str("{?}");
            }
        }
        rest = &after[close + 1..];
    }
    let _ = out.write_str(rest);
    line
}

fn write_value(out: &mut TruncatingWriter<'_>, value: LogValue, precision: Option<usize>) {
    let _ = match (value, precision) {
        (LogValue::Unsigned(number), _) => write!(out, "{number}"),
        (LogValue::Signed(number), _) => write!(out, "{number}"),
        (LogValue::Float(number), Some(digits)) => write!(out, "{number:.digits$}"),
        (LogValue::Float(number), None) => write!(out, "{number}"),
        (LogValue::Text(text), _) => out.write_str(text),
    };
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
        // Earlier deferred records (this thread's among them) come out first.
        if LOGGER
            .get()
            .is_some_and(|installed| std::ptr::eq(installed, self))
        {
            self.drain();
        }
        let mut line = Line::new();
        // A line longer than an entry is cut: `write!` stops at the capacity.
        let _ = write!(
            TruncatingWriter(&mut line),
            "{}: {}",
            level_name(record.level()),
            record.args()
        );
        self.write_line(line);
    }

    fn flush(&self) {
        flush();
    }
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
    use crate::sys::alloc_guard::{
        allocations, clear_thread_role, frees, set_abort_on_realtime_allocation, set_thread_role,
        ThreadRole,
    };

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
    fn log_crate_calls_on_real_time_threads_are_counted_not_logged() {
        let logger = std::sync::Arc::new(RingLogger::new(false));
        log::set_max_level(LevelFilter::Info);
        let inner = std::sync::Arc::clone(&logger);
        std::thread::spawn(move || {
            set_thread_role(ThreadRole::Frontend);
            inner.log(
                &Record::builder()
                    .level(Level::Error)
                    .args(format_args!("from real time"))
                    .build(),
            );
            clear_thread_role();
        })
        .join()
        .unwrap();
        assert!(logger.recent().is_empty());
        assert_eq!(logger.realtime_attempts(), 1);
    }

    #[test]
    fn placeholders_are_counted_and_filled_in_order() {
        assert_eq!(placeholder_count("none"), 0);
        assert_eq!(placeholder_count("{} and {:.2} but not {{}}"), 2);
        let entry = |format: &'static str, values: &[LogValue]| {
            let mut entry = Entry {
                sequence: 0,
                level: Level::Info,
                format,
                values: [LogValue::Unsigned(0); LOG_VALUES_MAX],
                value_count: 0,
            };
            for (slot, value) in entry.values.iter_mut().zip(values) {
                *slot = *value;
                entry.value_count += 1;
            }
            render(&entry)
        };
        let cases: [(&'static str, &[LogValue], &str); 5] = [
            (
                "{} of {} at {:.1} dB ({})",
                &[
                    LogValue::Unsigned(7),
                    LogValue::Signed(-3),
                    LogValue::Float(2.5),
                    LogValue::Text("capture"),
                ],
                "info: 7 of -3 at 2.5 dB (capture)",
            ),
            (
                "{{literal}} {}",
                &[LogValue::from(true)],
                "info: {literal} true",
            ),
            ("missing {}", &[], "info: missing {?}"),
            ("unclosed {", &[], "info: unclosed {"),
            ("{:.3}", &[LogValue::from(0.125f32)], "info: 0.125"),
        ];
        for (format, values, expected) in cases {
            assert_eq!(entry(format, values).as_str(), expected, "{format}");
        }
    }

    /// Counts on one real-time role: (allocations, frees).
    fn heap_calls(role: ThreadRole) -> (u64, u64) {
        (allocations(role), frees(role))
    }

    /// Invariant: a real-time thread logs through its ring with no allocation and no free;
    /// the line appears once the logger has drained.
    #[test]
    fn a_real_time_thread_logs_without_touching_the_heap() {
        let logger = init(LevelFilter::Warn, false);
        set_abort_on_realtime_allocation(false);
        let counted = std::thread::spawn(|| {
            register_thread();
            set_thread_role(ThreadRole::Capture);
            let before = heap_calls(ThreadRole::Capture);
            tlog!(
                warn,
                "test: real-time line {} of {} at {:.1} dB ({})",
                7u64,
                -3i32,
                2.5f64,
                "capture"
            );
            let after = heap_calls(ThreadRole::Capture);
            clear_thread_role();
            (before, after)
        })
        .join()
        .unwrap();
        assert_eq!(counted.0, counted.1, "logging allocated or freed");
        let recent = logger.recent();
        assert!(
            recent
                .iter()
                .any(|line| line == "warning: test: real-time line 7 of -3 at 2.5 dB (capture)"),
            "the line did not come out: {recent:?}"
        );
    }

    /// Invariant: a full ring never blocks the logging thread; each lost record is counted
    /// and reported. The drain is held off (the ring lock taken) while the thread logs, so
    /// exactly one ring's worth comes out.
    #[test]
    fn a_full_ring_counts_drops_and_the_rest_come_out() {
        let logger = init(LevelFilter::Warn, false);
        set_abort_on_realtime_allocation(false);
        let extra = 10;
        let (registered_tx, registered_rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            register_thread();
            let _ = registered_tx.send(());
            let _ = go_rx.recv();
            set_thread_role(ThreadRole::Frontend);
            let before = heap_calls(ThreadRole::Frontend);
            for index in 0..LOG_THREAD_RING_ENTRIES_MAX + extra {
                tlog!(warn, "test: burst line {}", index);
            }
            let after = heap_calls(ThreadRole::Frontend);
            clear_thread_role();
            (before, after)
        });
        registered_rx.recv().unwrap();
        let (counted, dropped) = {
            let _held = lock_rings();
            let dropped_before = dropped();
            go_tx.send(()).unwrap();
            let counted = thread.join().unwrap();
            (counted, dropped() - dropped_before)
        };
        assert_eq!(counted.0, counted.1, "logging allocated or freed");
        assert!(dropped >= extra as u64, "only {dropped} drops counted");
        let recent = logger.recent();
        let written = recent
            .iter()
            .filter(|line| line.starts_with("warning: test: burst line "))
            .count();
        assert_eq!(written, LOG_THREAD_RING_ENTRIES_MAX, "a full ring's worth");
        assert!(
            recent
                .iter()
                .any(|line| line.contains("log records dropped")),
            "the drops were not reported"
        );
    }

    /// A real-time thread that never registered cannot get a ring (that would allocate):
    /// its records are dropped and counted, with no heap call.
    #[test]
    fn an_unregistered_real_time_thread_drops_and_counts() {
        let _ = init(LevelFilter::Warn, false);
        set_abort_on_realtime_allocation(false);
        let (counted, dropped) = std::thread::spawn(|| {
            set_thread_role(ThreadRole::Frontend);
            let before = (heap_calls(ThreadRole::Frontend), dropped());
            tlog!(warn, "test: never registered");
            let after = (heap_calls(ThreadRole::Frontend), dropped());
            clear_thread_role();
            ((before.0, after.0), after.1 - before.1)
        })
        .join()
        .unwrap();
        assert_eq!(counted.0, counted.1, "logging allocated or freed");
        assert!(dropped >= 1, "the record was not counted as dropped");
    }
}
