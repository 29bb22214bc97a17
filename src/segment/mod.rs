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

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub mod stats;

use stats::{SegmenterCounters, SegmenterStats};

use crate::config::VadConfig;
use crate::limits::{
    PIPELINE_RATE_HZ, PRE_ROLL_SAMPLES_MAX, SEGMENT_FRAMES_MAX, SEGMENT_POOL_SLOTS_MAX,
    SEGMENT_PROVISIONAL_RESERVE_SLOTS, SEGMENT_RING_HANDLES_MAX, SEGMENT_SAMPLES_MAX,
    VAD_FRAME_SAMPLES,
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
    provisional: bool,
    /// Stream position when the segment was handed over (the endpoint decision).
    sent_sample: u64,
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
            provisional: false,
            sent_sample: 0,
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

    /// Seconds of input heard when the segment was handed over: for a finished segment,
    /// when the endpoint rule ended it (`sent_s - speech_end_s` is the hangover waited).
    pub fn sent_s(&self) -> f64 {
        self.sent_sample as f64 / f64::from(PIPELINE_RATE_HZ)
    }

    /// Whether this is a provisional copy of an open utterance at a pause (see
    /// [`SegmentReceiver::want_provisional`]) rather than a finished segment.
    pub fn is_provisional(&self) -> bool {
        self.provisional
    }

    /// Whether `final_segment` has exactly this provisional segment's audio: same stream
    /// number, same first sample, same length and speech end. A transcript of the
    /// provisional copy is then a transcript of the finished segment.
    pub fn same_audio_as(&self, final_segment: &SegmentSlot) -> bool {
        self.sequence == final_segment.sequence
            && self.start_sample == final_segment.start_sample
            && self.len == final_segment.len
            && self.speech_end_sample == final_segment.speech_end_sample
    }

    /// The segment's identity as [`SegmentSlot::same_audio_as`] compares it, kept after
    /// the slot has gone back to the pool.
    pub fn key(&self) -> SegmentKey {
        SegmentKey {
            sequence: self.sequence,
            start_sample: self.start_sample,
            len: self.len,
            speech_end_sample: self.speech_end_sample,
        }
    }
}

/// What identifies a segment's audio in the stream (see [`SegmentSlot::key`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentKey {
    sequence: u64,
    start_sample: u64,
    len: usize,
    speech_end_sample: u64,
}

/// The consumer's end: segments arrive here and go back with [`SegmentReceiver::release`].
pub struct SegmentReceiver {
    filled: rtrb::Consumer<Box<SegmentSlot>>,
    released: rtrb::Producer<Box<SegmentSlot>>,
    want_provisional: Arc<AtomicBool>,
}

impl SegmentReceiver {
    /// The next segment, if one is waiting: a finished one, or (only after
    /// [`SegmentReceiver::want_provisional`]) a provisional copy of an open utterance.
    pub fn try_next(&mut self) -> Option<Box<SegmentSlot>> {
        self.filled.pop().ok()
    }

    /// Asks the segmenter for provisional segments (`true`) or stops them (`false`, the
    /// default). With them on, when an utterance has been silent for its trailing padding
    /// the segmenter sends a copy of the segment it would emit if the pause became the end
    /// ([`SegmentSlot::is_provisional`]), once per pause, so the consumer can transcribe
    /// it while the endpoint decision is still waiting; the finished segment follows as
    /// usual, and [`SegmentSlot::same_audio_as`] tells whether the work can be reused.
    /// A provisional copy is sent only when a slot is free and the ring has room; it is
    /// never counted as emitted or dropped.
    pub fn want_provisional(&self, on: bool) {
        self.want_provisional.store(on, Ordering::Relaxed);
    }

    /// Whether another segment is already waiting (a provisional one followed by anything
    /// is stale).
    pub fn has_waiting(&self) -> bool {
        !self.filled.is_empty()
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
    /// Silence that ends an utterance early when the VAD is certain: this long a run of
    /// frames below `confident_probability` inside the pause (0: off).
    pub confident_silence_samples: u64,
    /// Probability below which a frame of silence is certain.
    pub confident_probability: f32,
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
            confident_silence_samples: u64::from(vad.confident_silence_ms) * per_ms,
            confident_probability: vad.confident_probability,
            pad_samples: (u64::from(vad.speech_pad_ms) * per_ms)
                .min((PRE_ROLL_SAMPLES_MAX - 2 * VAD_FRAME_SAMPLES) as u64),
            max_segment_samples,
        }
    }
}

/// A run of non-speech frames inside an utterance: where it began, and where its current
/// run of certain silence (frames below the confident probability) began, if one is on.
#[derive(Clone, Copy, Debug)]
struct Pause {
    start: u64,
    certain_since: Option<u64>,
}

enum State {
    Idle,
    Speech {
        slot: Box<SegmentSlot>,
        pause: Option<Pause>,
        /// A provisional copy was offered during this pause.
        offered: bool,
    },
    /// Speech is going on but no slot was free: wait for it to end.
    Dropping {
        pause: Option<Pause>,
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
    want_provisional: Arc<AtomicBool>,
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
    let want_provisional = Arc::new(AtomicBool::new(false));
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
        want_provisional: Arc::clone(&want_provisional),
    };
    let receiver = SegmentReceiver {
        filled: filled_consumer,
        released: released_producer,
        want_provisional,
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
            State::Dropping { mut pause } => {
                pause = self.track_pause(pause, frame_start, probability, speech, silence);
                if let Some(open) = pause {
                    if silence && self.pause_ends(open, frame_end) {
                        return; // back to Idle
                    }
                }
                self.state = State::Dropping { pause };
            }
            State::Speech {
                mut slot,
                mut pause,
                mut offered,
            } => {
                if slot.len + frame.len() > self.settings.max_segment_samples {
                    match self.split(slot) {
                        Some(rest) => slot = rest,
                        None => {
                            self.state = State::Dropping { pause: None };
                            return;
                        }
                    }
                }
                slot.samples[slot.len..slot.len + frame.len()].copy_from_slice(frame);
                slot.len += frame.len();
                slot.max_probability = slot.max_probability.max(probability);
                self.record_probability(probability);
                pause = self.track_pause(pause, frame_start, probability, speech, silence);
                match pause {
                    None => offered = false,
                    Some(open) if silence => {
                        if self.pause_ends(open, frame_end) {
                            self.close_segment(slot, open.start);
                            return;
                        }
                        if !offered && frame_end - open.start >= self.settings.pad_samples {
                            offered = true;
                            self.offer_provisional(&slot, open.start);
                        }
                    }
                    Some(_) => {}
                }
                self.state = State::Speech {
                    slot,
                    pause,
                    offered,
                };
            }
        }
    }

    /// The pause after this frame: a speech frame ends it, a silence frame starts one; a
    /// certain frame starts a run of certain silence and any other frame ends that run.
    fn track_pause(
        &self,
        pause: Option<Pause>,
        frame_start: u64,
        probability: f32,
        speech: bool,
        silence: bool,
    ) -> Option<Pause> {
        if speech {
            return None;
        }
        let certain = probability < self.settings.confident_probability;
        let start = match pause {
            Some(open) => open.start,
            None if silence => frame_start,
            None => return None,
        };
        let certain_since = match (certain, pause.and_then(|open| open.certain_since)) {
            (false, _) => None,
            (true, Some(since)) => Some(since),
            (true, None) => Some(frame_start),
        };
        Some(Pause {
            start,
            certain_since,
        })
    }

    /// The endpoint rule: a pause ends the utterance after the full hangover, or once its
    /// silence has been certain (every frame below the confident probability) for the
    /// confident hangover — a drop that stays down. A hesitation, a breath or noise keeps
    /// breaking the certain run, and the full hangover applies.
    fn pause_ends(&self, pause: Pause, frame_end: u64) -> bool {
        frame_end - pause.start >= self.settings.min_silence_samples
            || (self.settings.confident_silence_samples > 0
                && pause.certain_since.is_some_and(|since| {
                    frame_end - since >= self.settings.confident_silence_samples
                }))
    }

    /// Sends a copy of the segment `slot` would become if the pause starting at
    /// `speech_end` ended it, when the consumer wants one, has taken every segment sent
    /// before (a copy queued behind others would be stale when read) and the pool keeps
    /// its reserve for finished segments after the copy is taken. Never waits, never
    /// counts a loss: a copy is only ever an optimisation.
    fn offer_provisional(&mut self, slot: &SegmentSlot, speech_end: u64) {
        if !self.want_provisional.load(Ordering::Relaxed)
            || speech_end - slot.speech_start_sample < self.settings.min_speech_samples
            || self.filled.slots() < SEGMENT_RING_HANDLES_MAX
        {
            return;
        }
        self.reclaim_released();
        if self.spares.len() <= SEGMENT_PROVISIONAL_RESERVE_SLOTS {
            return;
        }
        let Some(mut copy) = self.spares.pop() else {
            return;
        };
        let end = (speech_end + self.settings.pad_samples).min(slot.start_sample + slot.len as u64);
        let len = (end - slot.start_sample) as usize;
        copy.samples[..len].copy_from_slice(&slot.samples[..len]);
        copy.len = len;
        copy.start_sample = slot.start_sample;
        copy.speech_start_sample = slot.speech_start_sample;
        copy.speech_end_sample = speech_end;
        copy.max_probability = slot.max_probability;
        copy.sequence = self.next_sequence;
        copy.provisional = true;
        copy.sent_sample = self.position;
        match self.filled.push(copy) {
            Ok(()) => {
                self.stats
                    .provisional_offered
                    .fetch_add(1, Ordering::Relaxed);
            }
            Err(rtrb::PushError::Full(returned)) => {
                let _ = self.spares.push(returned);
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
            self.state = State::Dropping { pause: None };
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
        slot.provisional = false;
        self.probabilities_len = 0;
        self.probabilities_start = frame_start;
        self.record_probability(probability);
        self.state = State::Speech {
            slot,
            pause: None,
            offered: false,
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
                rest.provisional = false;
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
        slot.sent_sample = self.position;
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
        if let State::Speech { slot, pause, .. } = std::mem::replace(&mut self.state, State::Idle) {
            let end = pause.map_or(self.position, |open| open.start);
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
            confident_silence_samples: 0,
            confident_probability: 0.1,
            pad_samples: 3_200,
            max_segment_samples: 160_000,
        }
    }

    /// The endpoint rule at the setting measured in the README: a 600 ms hangover, 448 ms of certain silence.
    fn confident_settings() -> SegmenterSettings {
        SegmenterSettings {
            confident_silence_samples: 7_168,
            ..settings()
        }
    }

    /// One segment as it arrived: after which frame (from 0), provisional or not, and its
    /// (start, length, speech start, speech end) in samples.
    type Arrival = (usize, bool, Emitted);

    /// Runs frames through a segmenter that sends provisional copies when `provisional`,
    /// noting after which frame each segment arrived (the sample clock).
    fn run_timed(
        probabilities: &[f32],
        settings: SegmenterSettings,
        provisional: bool,
    ) -> Vec<Arrival> {
        let stats = Arc::new(SegmenterStats::default());
        let (mut segmenter, mut receiver) =
            segment_channel(settings, Overflow::Drop, Arc::clone(&stats));
        receiver.want_provisional(provisional);
        let mut out = Vec::new();
        let mut keys = Vec::new();
        for (index, &p) in probabilities.iter().enumerate() {
            let frame = [index as f32; VAD_FRAME_SAMPLES];
            segmenter.push_frame(&frame, p);
            while let Some(slot) = receiver.try_next() {
                assert_eq!(slot.samples()[0], (slot.start_sample / 512) as f32);
                let last = slot.samples()[slot.len - 1];
                assert_eq!(
                    last,
                    ((slot.start_sample + slot.len as u64 - 1) / 512) as f32
                );
                keys.push(slot.key());
                out.push((
                    index,
                    slot.is_provisional(),
                    (
                        slot.start_sample,
                        slot.len,
                        slot.speech_start_sample,
                        slot.speech_end_sample,
                    ),
                ));
                receiver.release(slot);
            }
        }
        let provisional_count = out.iter().filter(|a| a.1).count() as u64;
        assert_eq!(
            stats.provisional_offered.load(Ordering::Relaxed),
            provisional_count
        );
        assert_eq!(
            stats.segments_emitted.load(Ordering::Relaxed),
            out.len() as u64 - provisional_count,
            "a provisional copy was counted as emitted"
        );
        out
    }

    /// The finished segments of a timed run, without arrival frames.
    fn finals(arrivals: &[Arrival]) -> Vec<Emitted> {
        arrivals.iter().filter(|a| !a.1).map(|a| a.2).collect()
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

    /// "Apply a tourniquet ... right leg": a pause in the middle of a sentence, as
    /// Silero sees it (the probability falls to almost nothing for 288 ms), and a
    /// hesitation ("uh", a breath: the probability stays near 0.2 for 480 ms).
    fn tourniquet_right_leg() -> Vec<f32> {
        pattern(&[
            (0.01, 20),
            (0.95, 25), // "apply a tourniquet"
            (0.02, 9),  // pause, certain silence, 288 ms
            (0.9, 12),  // "to the"
            (0.2, 15),  // hesitation, 480 ms
            (0.93, 20), // "right leg"
            (0.01, 40),
        ])
    }

    #[test]
    fn a_pause_inside_a_sentence_does_not_end_the_utterance() {
        let arrivals = run_timed(&tourniquet_right_leg(), confident_settings(), false);
        let segments = finals(&arrivals);
        assert_eq!(segments.len(), 1, "{segments:?}");
        assert_eq!(segments[0].2, 20 * 512);
        assert_eq!(segments[0].3, 101 * 512, "the end is after \"right leg\"");
    }

    #[test]
    fn a_clear_end_ends_the_utterance_early() {
        // Certain silence after the speech: ended after 14 frames (448 ms), not 19.
        let probabilities = pattern(&[(0.01, 20), (0.9, 60), (0.03, 40)]);
        let early = run_timed(&probabilities, confident_settings(), false);
        let late = run_timed(&probabilities, settings(), false);
        assert_eq!(early.len(), 1);
        assert_eq!(late.len(), 1);
        assert_eq!(
            early[0].0,
            80 + 14 - 1,
            "not ended at the confident hangover"
        );
        assert_eq!(late[0].0, 80 + 19 - 1, "the full hangover changed");
        // The same segment, padding included, only sooner.
        assert_eq!(early[0].2, late[0].2);
        assert_eq!(early[0].2 .3, 80 * 512);
        assert_eq!(early[0].2 .0 + early[0].2 .1 as u64, 80 * 512 + 3_200);
    }

    #[test]
    fn an_uncertain_pause_waits_the_full_hangover() {
        // Silence by the hysteresis (below 0.35) but never certain for 448 ms on end (every
        // eighth frame at 0.15, as noise or breathing does): the full 600 ms applies.
        let mut probabilities = pattern(&[(0.01, 20), (0.9, 60), (0.03, 40)]);
        for index in (80..120).step_by(8) {
            probabilities[index] = 0.15;
        }
        let arrivals = run_timed(&probabilities, confident_settings(), false);
        assert_eq!(arrivals.len(), 1);
        assert_eq!(arrivals[0].0, 80 + 19 - 1);
        assert_eq!(arrivals[0].2 .3, 80 * 512);
        // A frame between the thresholds inside the pause restarts the certain count; the
        // speech still ends where the pause began.
        let mut probabilities = pattern(&[(0.01, 20), (0.9, 60), (0.03, 40)]);
        probabilities[82] = 0.45;
        let arrivals = run_timed(&probabilities, confident_settings(), false);
        assert_eq!(arrivals.len(), 1);
        assert_eq!(arrivals[0].0, 83 + 14 - 1);
        assert_eq!(arrivals[0].2 .3, 80 * 512);
    }

    #[test]
    fn the_confident_rule_never_splits_what_the_hangover_keeps_whole() {
        // Pauses of every length from 1 to 13 frames (up to 416 ms, under the 448 ms
        // confident hangover) between words: one utterance with and without the rule.
        let mut parts = vec![(0.01, 20)];
        for pause in 1..14 {
            parts.push((0.9, 8));
            parts.push((0.0, pause));
        }
        parts.push((0.9, 8));
        parts.push((0.01, 40));
        let probabilities = pattern(&parts);
        let with_rule = finals(&run_timed(&probabilities, confident_settings(), false));
        let without = finals(&run_timed(&probabilities, settings(), false));
        assert_eq!(with_rule.len(), 1, "{with_rule:?}");
        assert_eq!(with_rule, without);
    }

    #[test]
    fn a_provisional_copy_at_a_pause_has_the_final_segments_audio() {
        let probabilities = pattern(&[(0.01, 20), (0.9, 60), (0.03, 40)]);
        let arrivals = run_timed(&probabilities, settings(), true);
        assert_eq!(arrivals.len(), 2, "{arrivals:?}");
        let (at, provisional, copy) = arrivals[0];
        assert!(provisional);
        // Sent as soon as the trailing padding (200 ms: 7 frames) is in.
        assert_eq!(at, 80 + 7 - 1);
        let (final_at, final_provisional, segment) = arrivals[1];
        assert!(!final_provisional);
        assert_eq!(final_at, 80 + 19 - 1);
        assert_eq!(copy, segment, "the copy differs from the finished segment");
    }

    #[test]
    fn a_provisional_copy_is_superseded_when_speech_resumes() {
        let arrivals = run_timed(&tourniquet_right_leg(), confident_settings(), true);
        let copies: Vec<_> = arrivals.iter().filter(|a| a.1).collect();
        let segments = finals(&arrivals);
        assert_eq!(segments.len(), 1);
        // One copy per pause of at least the padding: 288 ms, 480 ms, and the end.
        assert_eq!(copies.len(), 3, "{arrivals:?}");
        assert_ne!(
            copies[0].2, segments[0],
            "a copy from mid-sentence matched the end"
        );
        assert_ne!(copies[1].2, segments[0]);
        assert_eq!(copies[2].2, segments[0]);
        // The finished segment is the same as without copies.
        assert_eq!(
            segments,
            finals(&run_timed(
                &tourniquet_right_leg(),
                confident_settings(),
                false
            ))
        );
    }

    #[test]
    fn provisional_copies_only_when_asked() {
        let arrivals = run_timed(&tourniquet_right_leg(), confident_settings(), false);
        assert!(arrivals.iter().all(|a| !a.1));
    }

    #[test]
    fn a_provisional_copy_matches_only_its_own_final_segment() {
        let probabilities = pattern(&[(0.01, 20), (0.9, 60), (0.03, 40)]);
        let stats = Arc::new(SegmenterStats::default());
        let (mut segmenter, mut receiver) =
            segment_channel(settings(), Overflow::Drop, Arc::clone(&stats));
        receiver.want_provisional(true);
        let mut slots = Vec::new();
        for (index, &p) in probabilities.iter().enumerate() {
            segmenter.push_frame(&[index as f32; VAD_FRAME_SAMPLES], p);
            while let Some(slot) = receiver.try_next() {
                slots.push(slot);
            }
        }
        assert_eq!(slots.len(), 2);
        assert!(slots[0].same_audio_as(&slots[1]));
        assert_eq!(slots[0].key(), slots[1].key());
        assert_eq!(slots[0].samples(), slots[1].samples());
    }
}
