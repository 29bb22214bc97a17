//! Counters the capture and frontend threads update (relaxed atomics, never a lock) and
//! `status`, `segments` and the benches read. The segmenter's counters are its own
//! ([`SegmenterStats`]); these statistics hold them and sum them where a total is asked for.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::segment::stats::{SegmenterCounters, SegmenterStats};

/// Buckets of the per-frame cost histogram: bucket `i` counts frames that took
/// `[2^i, 2^(i+1))` ns.
pub const FRAME_COST_BUCKETS: usize = 32;

/// Everything the front end counts.
#[derive(Debug, Default)]
pub struct FrontendStats {
    /// Mono frames read from the source.
    pub captured_frames: AtomicU64,
    /// Samples the capture ring had no room for (live input only).
    pub capture_overflow_samples: AtomicU64,
    /// Times the capture ring was full (live input only).
    pub capture_overflows: AtomicU64,
    /// Overruns the source itself reported (ALSA xruns), recovered.
    pub source_overruns: AtomicU64,
    /// Times the live capture device was lost (a read failed beyond recovery: unplugged,
    /// gone after a suspend); capture then reopens it with back-off.
    pub capture_outages: AtomicU64,
    /// Times capture resumed after an outage.
    pub capture_recoveries: AtomicU64,
    /// Tries at reopening a lost device that failed.
    pub capture_reopen_failures: AtomicU64,
    /// Whether the capture device is lost now.
    pub capture_down: AtomicBool,
    /// How long the last completed outage lasted, in milliseconds.
    pub capture_last_outage_ms: AtomicU64,
    /// Which configured device captures now (0: `audio.device`, 1: `audio.fallback_device`).
    pub capture_device: AtomicU64,
    /// Heartbeat of the capture thread: advances on every read and every back-off slice.
    pub capture_beats: AtomicU64,
    /// Heartbeat of the frontend thread: advances on every turn of its loop.
    pub frontend_beats: AtomicU64,
    /// Set when the capture thread has ended (its input ended or it was stopped).
    pub capture_ended: AtomicBool,
    /// Set when the frontend thread has ended.
    pub frontend_ended: AtomicBool,
    /// Heartbeat of the recogniser's thread: advances while it waits for a segment (not
    /// during a transcription, whose window is longer).
    pub asr_beats: AtomicU64,
    /// VAD frames processed.
    pub vad_frames: AtomicU64,
    /// The segmenter's counters (emitted, dropped, too short, split, overflow bursts).
    pub segmenter: Arc<SegmenterStats>,
    /// Nanoseconds the frontend thread spent processing.
    pub frontend_busy_ns: AtomicU64,
    /// Histogram of the cost of one VAD frame (resampling share, VAD, segmenter).
    pub frame_cost_ns: [AtomicU64; FRAME_COST_BUCKETS],
}

impl FrontendStats {
    /// Adds one frame's processing time to the histogram.
    pub fn record_frame_cost(&self, nanoseconds: u64) {
        let bucket = (63 - nanoseconds.max(1).leading_zeros()) as usize;
        self.frame_cost_ns[bucket.min(FRAME_COST_BUCKETS - 1)].fetch_add(1, Ordering::Relaxed);
    }

    /// The frame cost below which `quantile` (0..1) of frames fall, as the upper edge of its
    /// histogram bucket (so at most 2× the true value).
    pub fn frame_cost_quantile_ns(&self, quantile: f64) -> u64 {
        let counts: Vec<u64> = self
            .frame_cost_ns
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return 0;
        }
        let target = ((total as f64) * quantile).ceil() as u64;
        let mut seen = 0;
        for (bucket, count) in counts.iter().enumerate() {
            seen += count;
            if seen >= target {
                return 1u64 << (bucket + 1);
            }
        }
        1u64 << FRAME_COST_BUCKETS
    }

    /// Segments lost to any overflow.
    pub fn segments_dropped(&self) -> u64 {
        self.segmenter.segments_dropped()
    }
}

impl SegmenterCounters for Arc<FrontendStats> {
    fn segmenter_counters(&self) -> Arc<SegmenterStats> {
        Arc::clone(&self.segmenter)
    }
}
