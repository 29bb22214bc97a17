//! Stage heartbeats and the systemd watchdog. Each stage of the service (capture,
//! frontend, ASR, analysis, journal writer, console) advances a counter as it works;
//! [`Liveness`] looks at them and `WATCHDOG=1` is sent only while every stage has advanced
//! within its window, so a hung stage makes systemd restart the service. A stage that has
//! finished its work (the input of `--input FILE` ended) is no longer watched.
//!
//! Time is given by the caller in milliseconds (a monotonic clock in the service, a
//! simulated one in tests).

/// What a stage's heartbeat reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Beat {
    /// The stage runs; its counter.
    Alive(u64),
    /// The stage has ended its work normally: not watched any more.
    Done,
}

/// Reads one stage's heartbeat.
pub type BeatReader = Box<dyn Fn() -> Beat + Send>;

struct Stage {
    name: &'static str,
    read: BeatReader,
    window_ms: u64,
    seen: Option<u64>,
    advanced_at_ms: u64,
}

/// The watched stages.
pub struct Liveness {
    stages: Vec<Stage>,
}

/// A stage whose heartbeat did not advance within its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stalled {
    /// The stage.
    pub stage: &'static str,
    /// How long since it last advanced, in milliseconds.
    pub silent_ms: u64,
    /// Its window.
    pub window_ms: u64,
}

impl std::fmt::Display for Stalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} stage has not advanced for {} ms (its window is {} ms)",
            self.stage, self.silent_ms, self.window_ms
        )
    }
}

impl Liveness {
    /// No stage watched yet.
    pub fn new() -> Liveness {
        Liveness { stages: Vec::new() }
    }

    /// Watches a stage from `now_ms`: it must advance at least once every `window_ms`.
    pub fn watch(&mut self, name: &'static str, window_ms: u64, read: BeatReader, now_ms: u64) {
        let seen = match read() {
            Beat::Alive(count) => Some(count),
            Beat::Done => None,
        };
        self.stages.push(Stage {
            name,
            read,
            window_ms,
            seen,
            advanced_at_ms: now_ms,
        });
    }

    /// Looks at every heartbeat at `now_ms`; the first stage silent for longer than its
    /// window, if any.
    pub fn check(&mut self, now_ms: u64) -> Option<Stalled> {
        let mut stalled = None;
        for stage in &mut self.stages {
            match (stage.read)() {
                Beat::Done => continue,
                Beat::Alive(count) => {
                    if stage.seen != Some(count) {
                        stage.seen = Some(count);
                        stage.advanced_at_ms = now_ms;
                    }
                }
            }
            let silent_ms = now_ms.saturating_sub(stage.advanced_at_ms);
            if silent_ms > stage.window_ms && stalled.is_none() {
                stalled = Some(Stalled {
                    stage: stage.name,
                    silent_ms,
                    window_ms: stage.window_ms,
                });
            }
        }
        stalled
    }

    /// Sends systemd `WATCHDOG=1` (to `$NOTIFY_SOCKET`) when no stage is stalled at
    /// `now_ms`; otherwise sends nothing and says which stage stalled.
    pub fn ping(&mut self, now_ms: u64) -> Result<(), Stalled> {
        if let Some(stalled) = self.check(now_ms) {
            return Err(stalled);
        }
        if let Err(error) = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]) {
            log::warn!("cannot send WATCHDOG=1 to systemd: {error}");
        }
        Ok(())
    }
}

impl Default for Liveness {
    fn default() -> Self {
        Liveness::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    fn counter() -> (Arc<AtomicU64>, BeatReader) {
        let beat = Arc::new(AtomicU64::new(0));
        let read = {
            let beat = Arc::clone(&beat);
            Box::new(move || Beat::Alive(beat.load(Ordering::Relaxed))) as BeatReader
        };
        (beat, read)
    }

    #[test]
    fn a_stage_silent_beyond_its_window_is_named_and_a_done_one_is_not_watched() {
        let (fast, fast_read) = counter();
        let (slow, slow_read) = counter();
        let mut liveness = Liveness::new();
        liveness.watch("capture", 100, fast_read, 0);
        liveness.watch("asr", 1_000, slow_read, 0);
        liveness.watch("input", 10, Box::new(|| Beat::Done), 0);
        assert_eq!(liveness.check(50), None);
        fast.fetch_add(1, Ordering::Relaxed);
        assert_eq!(liveness.check(100), None);
        // capture last advanced at 100: silent 101 ms at 201.
        let stalled = liveness.check(201).unwrap();
        assert_eq!((stalled.stage, stalled.silent_ms), ("capture", 101));
        fast.fetch_add(1, Ordering::Relaxed);
        assert_eq!(liveness.check(900), None, "asr has a longer window");
        fast.fetch_add(1, Ordering::Relaxed);
        assert_eq!(liveness.check(1_001).unwrap().stage, "asr");
        slow.fetch_add(1, Ordering::Relaxed);
        fast.fetch_add(1, Ordering::Relaxed);
        assert_eq!(liveness.check(1_002), None);
    }
}
