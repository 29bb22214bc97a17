//! The log-mel front end equals faster-whisper's feature extractor (captured by
//! scripts/make-asr-fixtures) to 1e-4 on an espeak-ng clip and on jfk.wav.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod asr_support;

use tccc::asr::mel::MelFrontEnd;

const BINS: usize = 80;

fn max_error(computed: &[f32], reference: &[f32]) -> f32 {
    computed
        .iter()
        .zip(reference)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}

#[test]
fn mel_matches_faster_whisper_on_a_clip() {
    let samples = asr_support::read_clip(&asr_support::fixture("clips/c01.wav"));
    let reference = asr_support::read_f32(&asr_support::fixture("mel-c01.f32"));
    let mut front_end = MelFrontEnd::new(BINS);
    let frames = front_end.compute(&samples, 0);
    assert_eq!(frames * BINS, reference.len());
    let error = max_error(&front_end.features()[..frames * BINS], &reference);
    println!("c01: {frames} frames, max |error| {error:e}");
    assert!(error < 1e-4, "max error {error}");
}

#[test]
fn mel_matches_faster_whisper_on_jfk() {
    let samples = asr_support::read_clip(&asr_support::jfk_path());
    let reference = asr_support::read_f32(&asr_support::fixture("mel-jfk-every10.f32"));
    let mut front_end = MelFrontEnd::new(BINS);
    let frames = front_end.compute(&samples, 3000);
    let every_tenth: Vec<f32> = (0..frames)
        .step_by(10)
        .flat_map(|frame| front_end.features()[frame * BINS..(frame + 1) * BINS].to_vec())
        .collect();
    assert_eq!(every_tenth.len(), reference.len());
    let error = max_error(&every_tenth, &reference);
    println!("jfk: {frames} frames, max |error| {error:e}");
    assert!(error < 1e-4, "max error {error}");
    // The padding up to the 30 s window is zero, as faster-whisper's pad_or_trim makes it.
    assert!(front_end.features()[frames * BINS..3000 * BINS]
        .iter()
        .all(|&v| v == 0.0));
}
