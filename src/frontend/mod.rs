//! The audio front end: resampler → Silero VAD → segmenter, as one allocation-free stage
//! ([`Frontend`]), and the two real-time threads that run it ([`pipeline`]).

pub mod pipeline;
pub mod stats;

use std::sync::Arc;
use std::time::Instant;

use crate::audio::resample::Resampler;
use crate::audio::AudioError;
use crate::limits::{CAPTURE_CHUNK_FRAMES_MAX, RESAMPLER_OUTPUT_SAMPLES_MAX, VAD_FRAME_SAMPLES};
use crate::segment::Segmenter;
use crate::vad::SileroVad;

use stats::FrontendStats;

/// Resampler, VAD and segmenter with their buffers. `new` allocates; `process` and
/// `finish` never do.
pub struct Frontend {
    resampler: Resampler,
    vad: SileroVad,
    segmenter: Segmenter,
    resampled: Box<[f32]>,
    frame: [f32; VAD_FRAME_SAMPLES],
    frame_fill: usize,
    stats: Arc<FrontendStats>,
}

impl Frontend {
    /// Builds the stage for input at `input_rate_hz`.
    pub fn new(
        input_rate_hz: u32,
        vad: SileroVad,
        segmenter: Segmenter,
        stats: Arc<FrontendStats>,
    ) -> Result<Self, AudioError> {
        Ok(Frontend {
            resampler: Resampler::new(input_rate_hz)?,
            vad,
            segmenter,
            resampled: vec![0.0; RESAMPLER_OUTPUT_SAMPLES_MAX].into_boxed_slice(),
            frame: [0.0; VAD_FRAME_SAMPLES],
            frame_fill: 0,
            stats,
        })
    }

    /// Takes input samples at the source rate, any count.
    pub fn process(&mut self, input: &[f32]) {
        for chunk in input.chunks(CAPTURE_CHUNK_FRAMES_MAX) {
            let started = Instant::now();
            let produced = self.resampler.process(chunk, &mut self.resampled);
            self.consume_resampled(produced);
            self.stats
                .frontend_busy_ns
                .fetch_add(elapsed_ns(started), std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Ends the stream: flushes the resampler, pads the last frame with silence, closes any
    /// open segment.
    pub fn finish(&mut self) {
        let produced = self.resampler.flush(&mut self.resampled);
        self.consume_resampled(produced);
        if self.frame_fill > 0 {
            self.frame[self.frame_fill..].fill(0.0);
            self.frame_fill = VAD_FRAME_SAMPLES;
            self.run_frame();
        }
        self.segmenter.finish();
    }

    fn consume_resampled(&mut self, produced: usize) {
        let mut offset = 0;
        while offset < produced {
            let take = (VAD_FRAME_SAMPLES - self.frame_fill).min(produced - offset);
            self.frame[self.frame_fill..self.frame_fill + take]
                .copy_from_slice(&self.resampled[offset..offset + take]);
            self.frame_fill += take;
            offset += take;
            if self.frame_fill == VAD_FRAME_SAMPLES {
                self.run_frame();
            }
        }
    }

    fn run_frame(&mut self) {
        let started = Instant::now();
        let probability = self.vad.process_frame(&self.frame);
        self.segmenter.push_frame(&self.frame, probability);
        self.frame_fill = 0;
        self.stats
            .vad_frames
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.stats.record_frame_cost(elapsed_ns(started));
    }
}

fn elapsed_ns(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX)
}
