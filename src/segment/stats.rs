//! The segmenter's own counters (relaxed atomics, never a lock). The front end's
//! `FrontendStats` holds them and sums them with its own, so the segmenter needs nothing
//! from the front end.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What the segmenter counts.
#[derive(Debug, Default)]
pub struct SegmenterStats {
    /// Segments handed to the consumer.
    pub segments_emitted: AtomicU64,
    /// Segments dropped because no slot was free.
    pub segments_dropped_pool_empty: AtomicU64,
    /// Segments dropped because the consumer's ring was full.
    pub segments_dropped_ring_full: AtomicU64,
    /// Speech shorter than the minimum, discarded.
    pub segments_too_short: AtomicU64,
    /// Segments cut because they reached the maximum length.
    pub segment_splits: AtomicU64,
    /// Runs of consecutive drops (each burst is logged once).
    pub overflow_bursts: AtomicU64,
    /// Provisional copies of open utterances sent at a pause (not counted as emitted).
    pub provisional_offered: AtomicU64,
}

impl SegmenterStats {
    /// Segments lost to any overflow.
    pub fn segments_dropped(&self) -> u64 {
        self.segments_dropped_pool_empty.load(Ordering::Relaxed)
            + self.segments_dropped_ring_full.load(Ordering::Relaxed)
    }
}

/// Whatever shares the segmenter's counters with their readers: the counters themselves, or
/// a stage's statistics that hold them (the front end's `FrontendStats` implements this).
pub trait SegmenterCounters {
    /// The shared counters the segmenter will update.
    fn segmenter_counters(&self) -> Arc<SegmenterStats>;
}

impl SegmenterCounters for Arc<SegmenterStats> {
    fn segmenter_counters(&self) -> Arc<SegmenterStats> {
        Arc::clone(self)
    }
}
