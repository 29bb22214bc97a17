//! Invariant: the capture and frontend threads never allocate after start-up. Ten minutes
//! of 48 kHz narration in pink noise go through capture → resampler → VAD → segmenter with
//! the allocation guard counting (not aborting) on those threads; allocations and frees
//! must both stay 0, provisional copies at pauses included.
//! A second run feeds a live-like source whose consumer never releases a slot, so every
//! overflow path (full pool, full ring, dropped samples) runs too.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Cursor;
use std::sync::atomic::Ordering;

use common::*;
use tccc::audio::source::{AudioSource, SourceRead, WavSource};
use tccc::audio::AudioError;
use tccc::config::Config;
use tccc::frontend::pipeline::{FrontendPipeline, Pacing};
use tccc::sys::alloc_guard::{allocations, frees, set_abort_on_realtime_allocation, ThreadRole};

const RATE_HZ: u32 = 48_000;

fn ten_minutes_of_narration() -> Vec<u8> {
    require_tool("espeak-ng");
    require_tool("sox");
    let dir = scratch("no-alloc");
    let narration = narrate(&NARRATIONS[0], "en-us", 165, (1.0, 2.0), 3, &dir);
    let noisy = with_noise(&narration, Noise::Pink, 10.0, 5);
    let path = write_at_rate(&noisy, RATE_HZ, &dir, "narration");
    let one = std::fs::read(&path).unwrap();
    // Repeat the data chunk until it lasts ten minutes; patch the header sizes.
    let data = &one[44..];
    let seconds_per_copy = data.len() as f64 / (2.0 * f64::from(RATE_HZ));
    let copies = (600.0 / seconds_per_copy).ceil() as usize;
    let mut bytes = one[..44].to_vec();
    for _ in 0..copies {
        bytes.extend_from_slice(data);
    }
    let data_bytes = (bytes.len() - 44) as u32;
    bytes[4..8].copy_from_slice(&(data_bytes + 36).to_le_bytes());
    bytes[40..44].copy_from_slice(&data_bytes.to_le_bytes());
    bytes
}

#[test]
fn ten_minutes_through_capture_and_frontend_allocate_nothing() {
    set_abort_on_realtime_allocation(false);
    let bytes = ten_minutes_of_narration();
    let seconds = (bytes.len() - 44) as f64 / (2.0 * f64::from(RATE_HZ));
    assert!(seconds >= 600.0, "only {seconds} s of audio");
    let source = WavSource::from_reader(Cursor::new(bytes), "ten minutes").unwrap();
    let before = realtime_allocations();
    let mut pipeline = FrontendPipeline::start(
        Box::new(source),
        &Config::default(),
        Pacing::AsFastAsPossible,
    )
    .unwrap();
    // The provisional copies at pauses (the live recogniser's speculation) come from the
    // pool too.
    pipeline.want_provisional_segments(true);
    let mut segments = 0;
    let mut provisional = 0;
    while let Some(segment) = pipeline.next_segment() {
        if segment.is_provisional() {
            provisional += 1;
        } else {
            segments += 1;
        }
        pipeline.release(segment);
    }
    assert!(provisional > 0, "no provisional segment at the pauses");
    let stats = std::sync::Arc::clone(pipeline.stats());
    pipeline.join().unwrap();
    let after = realtime_allocations();
    println!(
        "{seconds:.0} s of audio, {segments} segments, allocations capture {} frontend {}",
        after.0 - before.0,
        after.1 - before.1
    );
    assert_eq!(after.0, before.0, "the capture thread allocated");
    assert_eq!(after.1, before.1, "the frontend thread allocated");
    assert_eq!(after.2, before.2, "the capture thread freed");
    assert_eq!(after.3, before.3, "the frontend thread freed");
    assert!(segments >= 100, "expected speech segments, got {segments}");
    assert_eq!(
        stats.captured_frames.load(Ordering::Relaxed),
        (seconds * f64::from(RATE_HZ)).round() as u64
    );
    assert_eq!(stats.segments_dropped(), 0, "offline input must never drop");
}

/// Allocations and frees counted so far on the real-time threads: (capture allocations,
/// frontend allocations, capture frees, frontend frees).
fn realtime_allocations() -> (u64, u64, u64, u64) {
    (
        allocations(ThreadRole::Capture),
        allocations(ThreadRole::Frontend),
        frees(ThreadRole::Capture),
        frees(ThreadRole::Frontend),
    )
}

/// The default configuration at normal priority: a source that never blocks must not run
/// at real-time priority on a shared machine.
fn normal_priority_config() -> Config {
    let mut config = Config::default();
    config.threads.capture_priority = 0;
    config.threads.frontend_priority = 0;
    config
}

/// A source that claims to be a live device and produces narration at about twenty times
/// real time, so the pipeline's drop paths run quickly.
struct FloodSource {
    produced: u64,
    limit: u64,
    noise: Vec<f32>,
    /// How many times faster than real time; 0 for as fast as it is read.
    speed: u64,
}

impl AudioSource for FloodSource {
    fn sample_rate_hz(&self) -> u32 {
        16_000
    }
    fn is_live(&self) -> bool {
        true
    }
    fn read_mono(&mut self, out: &mut [f32]) -> Result<SourceRead, AudioError> {
        if self.produced >= self.limit {
            return Ok(SourceRead::End);
        }
        if let Some(micros) = (out.len() as u64 * 1_000_000 / 16_000).checked_div(self.speed) {
            std::thread::sleep(std::time::Duration::from_micros(micros));
        }
        for value in out.iter_mut() {
            let index = (self.produced % self.noise.len() as u64) as usize;
            *value = self.noise[index];
            self.produced += 1;
        }
        Ok(SourceRead::Frames(out.len()))
    }
}

#[test]
fn overflow_paths_allocate_nothing_and_are_counted() {
    set_abort_on_realtime_allocation(false);
    require_tool("espeak-ng");
    let dir = scratch("no-alloc-flood");
    let narration = narrate(&NARRATIONS[1][..4], "en-gb", 150, (1.0, 1.0), 9, &dir);
    // Resample the 22.05 kHz narration to 16 kHz by sox for the flood source.
    let path = write_at_rate(&narration.samples, 16_000, &dir, "flood");
    let (speech, _) = tccc::audio::wav::read_wav_mono(&path).unwrap();
    let config = normal_priority_config();
    let source = FloodSource {
        produced: 0,
        limit: 16_000 * 120,
        noise: speech,
        speed: 20,
    };
    let before = realtime_allocations();
    let mut pipeline =
        FrontendPipeline::start(Box::new(source), &config, Pacing::AsFastAsPossible).unwrap();
    let logger = tccc::logging::init(log::LevelFilter::Warn, false);
    // Hold every segment (never release) so the pool runs dry.
    let mut held = Vec::new();
    while !pipeline.is_finished() {
        if let Some(segment) = pipeline.try_next_segment() {
            held.push(segment);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    while let Some(segment) = pipeline.try_next_segment() {
        held.push(segment);
    }
    let stats = std::sync::Arc::clone(pipeline.stats());
    pipeline.join().unwrap();
    let after = realtime_allocations();
    println!(
        "held {} segments; dropped: pool {} ring {}; capture overflows {} ({} samples); bursts {}",
        held.len(),
        stats
            .segmenter
            .segments_dropped_pool_empty
            .load(Ordering::Relaxed),
        stats
            .segmenter
            .segments_dropped_ring_full
            .load(Ordering::Relaxed),
        stats.capture_overflows.load(Ordering::Relaxed),
        stats.capture_overflow_samples.load(Ordering::Relaxed),
        stats.segmenter.overflow_bursts.load(Ordering::Relaxed),
    );
    assert_eq!(after.0, before.0, "the capture thread allocated");
    assert_eq!(after.1, before.1, "the frontend thread allocated");
    assert_eq!(after.2, before.2, "the capture thread freed");
    assert_eq!(after.3, before.3, "the frontend thread freed");
    assert!(
        stats.segments_dropped() > 0,
        "a pool that never comes back must drop segments"
    );
    let bursts = stats.segmenter.overflow_bursts.load(Ordering::Relaxed);
    assert!(bursts >= 1);
    let logged = logger
        .recent()
        .iter()
        .filter(|line| line.contains("speech segments dropped"))
        .count() as u64;
    assert_eq!(
        logged, bursts,
        "each overflow burst must be logged exactly once"
    );
}

#[test]
fn a_full_capture_ring_drops_samples_without_allocating() {
    set_abort_on_realtime_allocation(false);
    let config = normal_priority_config();
    let tone: Vec<f32> = (0..16_000).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
    // Unthrottled: the source outruns the frontend, so the ring overflows.
    let source = FloodSource {
        produced: 0,
        limit: 16_000 * 60,
        noise: tone,
        speed: 0,
    };
    let before = realtime_allocations();
    let mut pipeline =
        FrontendPipeline::start(Box::new(source), &config, Pacing::AsFastAsPossible).unwrap();
    while let Some(segment) = pipeline.next_segment() {
        pipeline.release(segment);
    }
    let stats = std::sync::Arc::clone(pipeline.stats());
    pipeline.join().unwrap();
    let after = realtime_allocations();
    assert_eq!(after, before, "a real-time thread allocated or freed");
    let overflows = stats.capture_overflows.load(Ordering::Relaxed);
    let lost = stats.capture_overflow_samples.load(Ordering::Relaxed);
    let delivered = stats.vad_frames.load(Ordering::Relaxed) * 512;
    assert!(overflows > 0, "the ring never overflowed");
    // Every captured sample was either delivered or counted as lost (± one padded frame).
    let captured = stats.captured_frames.load(Ordering::Relaxed);
    assert!(
        delivered + lost >= captured && delivered + lost < captured + 512,
        "captured {captured}, delivered {delivered}, lost {lost}"
    );
}
