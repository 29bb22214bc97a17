//! The segmenter: turns per-frame speech probabilities into utterance segments and hands
//! them to the speech consumer without copying or allocating.
//!
//! Segment audio lives in a pool of slots reserved at start-up. A slot is a `Box` that
//! moves between the frontend and the consumer over two SPSC rings (filled → consumer,
//! released → frontend): owning the box is holding the handle, so no slot is ever written
//! by two threads. When no slot is free, or the consumer's ring is full, the segment is
//! dropped and counted (live audio) — the frontend never waits on the consumer — or, for
//! an offline file, the frontend waits, since a file can be read later but a medic cannot
//! be asked to speak again.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

pub mod stats;

use stats::{SegmenterCounters, SegmenterStats};

use crate::config::VadConfig;
use crate::limits::{
    PIPELINE_RATE_HZ, PRE_ROLL_SAMPLES_MAX, SEGMENT_FRAMES_MAX, SEGMENT_POOL_SLOTS_MAX,
    SEGMENT_RING_HANDLES_MAX, SEGMENT_SAMPLES_MAX, VAD_FRAME_SAMPLES,
};

/// How often a frontend that must wait for the consumer (offline input) looks again.
const BACKPRESSURE_POLL: Duration = Duration::from_millis(2);

/// One utterance's audio at 16 kHz, with where it sits in the input.
#[derive(Debug)]
pub struct SegmentSlot {
    samples: Box<[f32]>,
    len: usize,
    start_sample: u64,
    speech_start_sample: u64,
    speech_end_sample: u64,
    max_probability: f32,
    sequence: u64,
}

impl SegmentSlot {
    fn new() -> Self {
        SegmentSlot {
            samples: vec![0.0; SEGMENT_SAMPLES_MAX].into_boxed_slice(),
            len: 0,
            start_sample: 0,
            speech_start_sample: 0,
            speech_end_sample: 0,
            max_probability: 0.0,
            sequence: 0,
        }
    }

    /// The segment's audio (16 kHz mono), padding included.
    pub fn samples(&self) -> &[f32] {
        &self.samples[..self.len]
    }

    /// Seconds from the start of the input to the first sample of the segment.
    pub fn start_s(&self) -> f64 {
        self.start_sample as f64 / f64::from(PIPELINE_RATE_HZ)
    }

    /// Seconds from the start of the input to the end of the segment.
    pub fn end_s(&self) -> f64 {
        (self.start_sample + self.len as u64) as f64 / f64::from(PIPELINE_RATE_HZ)
    }

    /// Where the VAD found speech to begin (before padding), in seconds.
    pub fn speech_start_s(&self) -> f64 {
        self.speech_start_sample as f64 / f64::from(PIPELINE_RATE_HZ)
    }

    /// Where the VAD found speech to end (before padding), in seconds.
    pub fn speech_end_s(&self) -> f64 {
        self.speech_end_sample as f64 / f64::from(PIPELINE_RATE_HZ)
    }

    /// The highest speech probability of any frame in the segment.
    pub fn max_probability(&self) -> f32 {
        self.max_probability
    }

    /// The segment's number in the stream, from 0.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }
}

/// The consumer's end: segments arrive here and go back with [`SegmentReceiver::release`].
pub struct SegmentReceiver {
    filled: rtrb::Consumer<Box<SegmentSlot>>,
    released: rtrb::Producer<Box<SegmentSlot>>,
}

impl SegmentReceiver {
    /// The next finished segment, if one is waiting.
    pub fn try_next(&mut self) -> Option<Box<SegmentSlot>> {
        self.filled.pop().ok()
    }

    /// Gives a slot back to the pool. The release ring holds every slot, so this never fails.
    pub fn release(&mut self, slot: Box<SegmentSlot>) {
        let pushed = self.released.push(slot);
        debug_assert!(pushed.is_ok(), "release ring smaller than the pool");
    }
}

/// Backpressure policy for a full pool or ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Live audio: drop the segment and count it.
    Drop,
    /// Offline input: wait for the consumer.
    Wait,
}

/// The segmenter's timing rules, in samples at 16 kHz.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SegmenterSettings {
    /// Probability at which speech starts.
    pub threshold: f32,
    /// Probability below which silence is counted.
    pub negative_threshold: f32,
    /// Shorter speech is dropped.
    pub min_speech_samples: u64,
    /// Silence that ends an utterance.
    pub min_silence_samples: u64,
    /// Padding either side of speech.
    pub pad_samples: u64,
    /// Longest segment.
    pub max_segment_samples: usize,
}

impl SegmenterSettings {
    /// Converts the (validated) configuration into samples.
    pub fn from_config(vad: &VadConfig) -> Self {
        let per_ms = u64::from(PIPELINE_RATE_HZ) / 1000;
        let max_segment_samples = ((vad.max_segment_s * PIPELINE_RATE_HZ as f32) as usize)
            .clamp(VAD_FRAME_SAMPLES * 4, SEGMENT_SAMPLES_MAX);
        SegmenterSettings {
            threshold: vad.threshold,
            negative_threshold: vad.threshold - vad.negative_threshold_offset,
            min_speech_samples: u64::from(vad.min_speech_ms) * per_ms,
            min_silence_samples: u64::from(vad.min_silence_ms) * per_ms,
            pad_samples: (u64::from(vad.speech_pad_ms) * per_ms)
                .min((PRE_ROLL_SAMPLES_MAX - 2 * VAD_FRAME_SAMPLES) as u64),
            max_segment_samples,
        }
    }
}

enum State {
    Idle,
    Speech {
        slot: Box<SegmentSlot>,
        silence_start: Option<u64>,
    },
    /// Speech is going on but no slot was free: wait for it to end.
    Dropping {
        silence_start: Option<u64>,
    },
}

/// The frontend's end: decides where utterances start and end and fills slots.
pub struct Segmenter {
    settings: SegmenterSettings,
    overflow: Overflow,
    /// The last `PRE_ROLL_SAMPLES_MAX` samples, for the padding before a start.
    history: Box<[f32]>,
    /// Samples seen so far (absolute position of the next sample).
    position: u64,
    /// End of the last emitted segment: the next one never starts before it.
    last_end: u64,
    spares: heapless::Vec<Box<SegmentSlot>, SEGMENT_POOL_SLOTS_MAX>,
    released: rtrb::Consumer<Box<SegmentSlot>>,
    filled: rtrb::Producer<Box<SegmentSlot>>,
    state: State,
    /// Probabilities of the frames of the open segment, from `probabilities_start`.
    probabilities: Box<[f32]>,
    probabilities_len: usize,
    probabilities_start: u64,
    next_sequence: u64,
    in_overflow_burst: bool,
    stats: Arc<SegmenterStats>,
}

/// Builds the segmenter and the receiver that goes to the consumer; the segmenter counts
/// into `stats` (its own counters, or a stage's statistics that hold them).
pub fn segment_channel(
    settings: SegmenterSettings,
    overflow: Overflow,
    stats: impl SegmenterCounters,
) -> (Segmenter, SegmentReceiver) {
    let stats = stats.segmenter_counters();
    let (filled_producer, filled_consumer) = rtrb::RingBuffer::new(SEGMENT_RING_HANDLES_MAX);
    let (released_producer, released_consumer) = rtrb::RingBuffer::new(SEGMENT_POOL_SLOTS_MAX);
    let mut spares = heapless::Vec::new();
    for _ in 0..SEGMENT_POOL_SLOTS_MAX {
        // The vector's capacity is the pool size, so every push fits.
        let _ = spares.push(Box::new(SegmentSlot::new()));
    }
    let segmenter = Segmenter {
        settings,
        overflow,
        history: vec![0.0; PRE_ROLL_SAMPLES_MAX].into_boxed_slice(),
        position: 0,
        last_end: 0,
        spares,
        released: released_consumer,
        filled: filled_producer,
        state: State::Idle,
        probabilities: vec![0.0; SEGMENT_FRAMES_MAX].into_boxed_slice(),
        probabilities_len: 0,
        probabilities_start: 0,
        next_sequence: 0,
        in_overflow_burst: false,
        stats,
    };
    let receiver = SegmentReceiver {
        filled: filled_consumer,
        released: released_producer,
    };
    (segmenter, receiver)
}

impl Segmenter {
    /// Absolute sample position after everything pushed so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    fn reclaim_released(&mut self) {
        while let Ok(slot) = self.released.pop() {
            // The pool never holds more slots than the vector's capacity.
            let _ = self.spares.push(slot);
        }
    }

    fn take_spare(&mut self) -> Option<Box<SegmentSlot>> {
        self.reclaim_released();
        if self.spares.is_empty() && self.overflow == Overflow::Wait {
            while self.spares.is_empty() {
                std::thread::sleep(BACKPRESSURE_POLL);
                self.reclaim_released();
            }
        }
        self.spares.pop()
    }

    fn note_overflow(&mut self) {
        if !self.in_overflow_burst {
            self.in_overflow_burst = true;
            self.stats.overflow_bursts.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn history_copy(&self, from: u64, to: u64, out: &mut [f32]) {
        debug_assert!(to - from <= PRE_ROLL_SAMPLES_MAX as u64 && to <= self.position);
        for (offset, value) in out.iter_mut().enumerate().take((to - from) as usize) {
            let absolute = from + offset as u64;
            *value = self.history[(absolute % PRE_ROLL_SAMPLES_MAX as u64) as usize];
        }
    }

    /// Takes one 512-sample frame and its speech probability. Never allocates.
    pub fn push_frame(&mut self, frame: &[f32], probability: f32) {
        debug_assert_eq!(frame.len(), VAD_FRAME_SAMPLES);
        let frame_start = self.position;
        for (offset, &value) in frame.iter().enumerate() {
            self.history[((frame_start + offset as u64) % PRE_ROLL_SAMPLES_MAX as u64) as usize] =
                value;
        }
        self.position += frame.len() as u64;
        let frame_end = self.position;
        let speech = probability >= self.settings.threshold;
        let silence = probability < self.settings.negative_threshold;

        match std::mem::replace(&mut self.state, State::Idle) {
            State::Idle => {
                if speech {
                    self.start_segment(frame_start, probability);
                }
            }
            State::Dropping { mut silence_start } => {
                if speech {
                    silence_start = None;
                } else if silence {
                    let since = *silence_start.get_or_insert(frame_start);
                    if frame_end - since >= self.settings.min_silence_samples {
                        return; // back to Idle
                    }
                }
                self.state = State::Dropping { silence_start };
            }
            State::Speech {
                mut slot,
                mut silence_start,
            } => {
                if slot.len + frame.len() > self.settings.max_segment_samples {
                    match self.split(slot) {
                        Some(rest) => slot = rest,
                        None => {
                            self.state = State::Dropping {
                                silence_start: None,
                            };
                            return;
                        }
                    }
                }
                slot.samples[slot.len..slot.len + frame.len()].copy_from_slice(frame);
                slot.len += frame.len();
                slot.max_probability = slot.max_probability.max(probability);
                self.record_probability(probability);
                if speech {
                    silence_start = None;
                } else if silence {
                    let since = *silence_start.get_or_insert(frame_start);
                    if frame_end - since >= self.settings.min_silence_samples {
                        self.close_segment(slot, since);
                        return;
                    }
                }
                self.state = State::Speech {
                    slot,
                    silence_start,
                };
            }
        }
    }

    fn record_probability(&mut self, probability: f32) {
        if self.probabilities_len < self.probabilities.len() {
            self.probabilities[self.probabilities_len] = probability;
            self.probabilities_len += 1;
        }
    }

    fn start_segment(&mut self, frame_start: u64, probability: f32) {
        let Some(mut slot) = self.take_spare() else {
            self.stats
                .segments_dropped_pool_empty
                .fetch_add(1, Ordering::Relaxed);
            self.note_overflow();
            self.state = State::Dropping {
                silence_start: None,
            };
            return;
        };
        let oldest = self.position.saturating_sub(PRE_ROLL_SAMPLES_MAX as u64);
        let start = frame_start
            .saturating_sub(self.settings.pad_samples)
            .max(oldest)
            .max(self.last_end);
        let count = (self.position - start) as usize;
        self.history_copy(start, self.position, &mut slot.samples[..count]);
        slot.len = count;
        slot.start_sample = start;
        slot.speech_start_sample = frame_start;
        slot.speech_end_sample = frame_start;
        slot.max_probability = probability;
        self.probabilities_len = 0;
        self.probabilities_start = frame_start;
        self.record_probability(probability);
        self.state = State::Speech {
            slot,
            silence_start: None,
        };
    }

    /// The open segment reached its longest: cut it at its least likely frame in the second
    /// half, send the first part, and carry the rest on in a new slot.
    fn split(&mut self, mut slot: Box<SegmentSlot>) -> Option<Box<SegmentSlot>> {
        self.stats.segment_splits.fetch_add(1, Ordering::Relaxed);
        let frames = self.probabilities_len;
        let first_candidate = frames / 2;
        let cut_frame = (first_candidate.max(1)..frames)
            .min_by(|&a, &b| self.probabilities[a].total_cmp(&self.probabilities[b]))
            .unwrap_or(frames);
        let cut_sample = self.probabilities_start + (cut_frame * VAD_FRAME_SAMPLES) as u64;
        let cut_offset = (cut_sample - slot.start_sample) as usize;
        let peak = |probabilities: &[f32]| probabilities.iter().fold(0.0f32, |m, &p| m.max(p));
        let peak_before_cut = peak(&self.probabilities[..cut_frame]);
        let peak_of_all = peak(&self.probabilities[..frames]);
        let rest = self.take_spare();
        let mut first_len = cut_offset;
        let result = match rest {
            Some(mut rest) => {
                let tail = slot.len - cut_offset;
                rest.samples[..tail].copy_from_slice(&slot.samples[cut_offset..slot.len]);
                rest.len = tail;
                rest.start_sample = cut_sample;
                rest.speech_start_sample = cut_sample;
                rest.max_probability = peak(&self.probabilities[cut_frame..frames]);
                self.probabilities.copy_within(cut_frame..frames, 0);
                self.probabilities_len = frames - cut_frame;
                self.probabilities_start = cut_sample;
                Some(rest)
            }
            None => {
                // No slot for the rest: send everything so far and drop what follows.
                self.stats
                    .segments_dropped_pool_empty
                    .fetch_add(1, Ordering::Relaxed);
                self.note_overflow();
                first_len = slot.len;
                None
            }
        };
        slot.len = first_len;
        slot.speech_end_sample = slot.start_sample + first_len as u64;
        slot.max_probability = if result.is_some() {
            peak_before_cut
        } else {
            peak_of_all
        };
        self.emit(slot);
        result
    }

    fn close_segment(&mut self, mut slot: Box<SegmentSlot>, speech_end: u64) {
        let end = (speech_end + self.settings.pad_samples).min(slot.start_sample + slot.len as u64);
        slot.len = (end - slot.start_sample) as usize;
        slot.speech_end_sample = speech_end;
        if speech_end - slot.speech_start_sample < self.settings.min_speech_samples {
            self.stats
                .segments_too_short
                .fetch_add(1, Ordering::Relaxed);
            let _ = self.spares.push(slot);
            return;
        }
        self.emit(slot);
    }

    fn emit(&mut self, mut slot: Box<SegmentSlot>) {
        slot.sequence = self.next_sequence;
        self.next_sequence += 1;
        self.last_end = slot.start_sample + slot.len as u64;
        loop {
            match self.filled.push(slot) {
                Ok(()) => {
                    self.stats.segments_emitted.fetch_add(1, Ordering::Relaxed);
                    self.in_overflow_burst = false;
                    return;
                }
                Err(rtrb::PushError::Full(returned)) => {
                    if self.overflow == Overflow::Drop {
                        self.stats
                            .segments_dropped_ring_full
                            .fetch_add(1, Ordering::Relaxed);
                        self.note_overflow();
                        let _ = self.spares.push(returned);
                        return;
                    }
                    slot = returned;
                    std::thread::sleep(BACKPRESSURE_POLL);
                }
            }
        }
    }

    /// Ends the stream: an utterance still open is closed at the last sample.
    pub fn finish(&mut self) {
        if let State::Speech {
            slot,
            silence_start,
        } = std::mem::replace(&mut self.state, State::Idle)
        {
            let end = silence_start.unwrap_or(self.position);
            self.close_segment(slot, end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SegmenterSettings {
        SegmenterSettings {
            threshold: 0.5,
            negative_threshold: 0.35,
            min_speech_samples: 4_000,
            min_silence_samples: 9_600,
            pad_samples: 3_200,
            max_segment_samples: 160_000,
        }
    }

    /// (start, length, speech start, speech end) of one emitted segment, in samples.
    type Emitted = (u64, usize, u64, u64);

    /// Runs frames with the given probabilities through a segmenter; each frame's samples
    /// hold its frame index so cuts can be checked.
    fn run(
        probabilities: &[f32],
        settings: SegmenterSettings,
        release: bool,
    ) -> (Vec<Emitted>, Arc<SegmenterStats>) {
        let stats = Arc::new(SegmenterStats::default());
        let (mut segmenter, mut receiver) =
            segment_channel(settings, Overflow::Drop, Arc::clone(&stats));
        let mut out = Vec::new();
        for (index, &p) in probabilities.iter().enumerate() {
            let frame = [index as f32; VAD_FRAME_SAMPLES];
            segmenter.push_frame(&frame, p);
            while let Some(slot) = receiver.try_next() {
                assert_eq!(
                    slot.samples()[0],
                    (slot.start_sample / 512) as f32,
                    "audio does not match position"
                );
                out.push((
                    slot.start_sample,
                    slot.len,
                    slot.speech_start_sample,
                    slot.speech_end_sample,
                ));
                if release {
                    receiver.release(slot);
                } else {
                    std::mem::forget(slot);
                }
            }
        }
        segmenter.finish();
        while let Some(slot) = receiver.try_next() {
            out.push((
                slot.start_sample,
                slot.len,
                slot.speech_start_sample,
                slot.speech_end_sample,
            ));
        }
        (out, stats)
    }

    fn pattern(parts: &[(f32, usize)]) -> Vec<f32> {
        parts
            .iter()
            .flat_map(|&(p, n)| std::iter::repeat_n(p, n))
            .collect()
    }

    #[test]
    fn one_utterance_gets_padding_on_both_sides() {
        let probabilities = pattern(&[(0.01, 50), (0.9, 60), (0.01, 50)]);
        let (segments, _) = run(&probabilities, settings(), true);
        assert_eq!(segments.len(), 1);
        let (start, len, speech_start, speech_end) = segments[0];
        assert_eq!(speech_start, 50 * 512);
        assert_eq!(speech_end, 110 * 512);
        assert_eq!(start, 50 * 512 - 3_200);
        assert_eq!(start + len as u64, 110 * 512 + 3_200);
    }

    #[test]
    fn a_short_pause_does_not_split_and_a_long_one_does() {
        // 10 frames (320 ms) of silence is below the 600 ms hangover; 40 frames is above.
        let probabilities = pattern(&[
            (0.01, 20),
            (0.9, 30),
            (0.01, 10),
            (0.9, 30),
            (0.01, 40),
            (0.9, 30),
            (0.01, 40),
        ]);
        let (segments, _) = run(&probabilities, settings(), true);
        assert_eq!(segments.len(), 2, "{segments:?}");
        assert_eq!(segments[0].2, 20 * 512);
        assert_eq!(segments[0].3, 90 * 512);
        assert_eq!(segments[1].2, 130 * 512);
    }

    #[test]
    fn hysteresis_keeps_speech_open_between_the_thresholds() {
        let probabilities = pattern(&[(0.01, 10), (0.9, 20), (0.4, 60), (0.9, 20), (0.01, 40)]);
        let (segments, _) = run(&probabilities, settings(), true);
        assert_eq!(segments.len(), 1);
    }

    #[test]
    fn clicks_shorter_than_min_speech_are_dropped() {
        let probabilities = pattern(&[(0.01, 10), (0.9, 3), (0.01, 40)]);
        let (segments, stats) = run(&probabilities, settings(), true);
        assert!(segments.is_empty());
        assert_eq!(stats.segments_too_short.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn long_speech_is_split_at_the_least_likely_frame() {
        let mut s = settings();
        s.max_segment_samples = 100 * 512;
        // 150 frames of speech with one dip at frame 80 (of the stream).
        let mut probabilities = pattern(&[(0.01, 10), (0.9, 150), (0.01, 40)]);
        probabilities[80] = 0.55;
        let (segments, stats) = run(&probabilities, s, true);
        assert_eq!(stats.segment_splits.load(Ordering::Relaxed), 1);
        assert_eq!(segments.len(), 2, "{segments:?}");
        let (start0, len0, _, _) = segments[0];
        assert_eq!(start0 + len0 as u64, 80 * 512, "cut not at the dip");
        assert_eq!(
            segments[1].0,
            80 * 512,
            "the rest does not start at the cut"
        );
        assert!(len0 <= 100 * 512);
    }

    #[test]
    fn a_full_pool_drops_and_counts_instead_of_blocking() {
        // Never release: after the pool is used up, further utterances are dropped.
        let mut parts = vec![(0.01, 10)];
        for _ in 0..(SEGMENT_POOL_SLOTS_MAX + 3) {
            parts.push((0.9, 20));
            parts.push((0.01, 40));
        }
        let (segments, stats) = run(&pattern(&parts), settings(), false);
        assert_eq!(segments.len(), SEGMENT_POOL_SLOTS_MAX);
        assert_eq!(stats.segments_dropped_pool_empty.load(Ordering::Relaxed), 3);
        assert_eq!(
            stats.overflow_bursts.load(Ordering::Relaxed),
            1,
            "one burst, counted once"
        );
    }

    #[test]
    fn speech_running_at_the_end_of_input_is_closed() {
        let probabilities = pattern(&[(0.01, 10), (0.9, 30)]);
        let (segments, _) = run(&probabilities, settings(), true);
        assert_eq!(segments.len(), 1);
        assert_eq!(segments[0].3, 40 * 512);
    }
}
