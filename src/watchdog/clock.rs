//! Monotonic milliseconds for the watchdog: dwell times, retries, idle time and the energy
//! integral. Deliberately not `advisor::clock` (a local wall-clock timeline in whole
//! seconds for spoken times): the watchdog only measures durations, and must not jump
//! when the wall clock is set.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Where the watchdog's "now" comes from.
pub trait WatchClock: Send + Sync {
    /// Milliseconds since an arbitrary start; never decreases.
    fn now_ms(&self) -> u64;
}

/// The process's monotonic clock.
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock {
    start: Instant,
}

impl MonotonicClock {
    /// A clock reading 0 now.
    pub fn new() -> MonotonicClock {
        MonotonicClock {
            start: Instant::now(),
        }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

impl WatchClock for MonotonicClock {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// A clock that tests move by hand; clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct SimWatchClock {
    now_ms: Arc<AtomicU64>,
}

impl SimWatchClock {
    /// A simulated clock reading `start_ms`.
    pub fn new(start_ms: u64) -> SimWatchClock {
        SimWatchClock {
            now_ms: Arc::new(AtomicU64::new(start_ms)),
        }
    }

    /// Moves the clock forward by `ms`.
    pub fn advance_ms(&self, ms: u64) {
        self.now_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

impl WatchClock for SimWatchClock {
    fn now_ms(&self) -> u64 {
        self.now_ms.load(Ordering::Relaxed)
    }
}
