//! Silence and background noise never become words: 60 s of each kind, cut into the 30 s
//! segments the segmenter would hand over, yield no transcript, and the rejections are
//! counted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod asr_support;

use tccc::asr::{AsrConfig, EncoderWindow};

const RATE: usize = 16_000;

/// Deterministic noise: white, or low-passed ("rumble") with a one-pole filter.
fn noise(seconds: usize, amplitude: f32, smoothing: f32, seed: u32) -> Vec<f32> {
    let mut state = seed;
    let mut filtered = 0.0f32;
    (0..seconds * RATE)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let white = (state >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0;
            filtered = smoothing * filtered + (1.0 - smoothing) * white;
            amplitude
                * if smoothing > 0.0 {
                    filtered * 4.0
                } else {
                    white
                }
        })
        .collect()
}

#[test]
fn sixty_seconds_of_silence_or_noise_yield_no_text() {
    let sources: [(&str, Vec<f32>); 4] = [
        ("silence", vec![0.0; 60 * RATE]),
        ("white noise", noise(60, 0.05, 0.0, 7)),
        ("rumble", noise(60, 0.2, 0.95, 11)),
        ("faint hiss", noise(60, 0.003, 0.0, 13)),
    ];
    // A 30 s segment is encoded over the full window in both modes, so one mode suffices.
    for window in [EncoderWindow::Full] {
        let config = AsrConfig {
            encoder_window: window,
            ..AsrConfig::default()
        };
        let mut transcriber = asr_support::transcriber(&config);
        for (name, samples) in &sources {
            for segment in samples.chunks(30 * RATE) {
                let result = transcriber
                    .transcribe(segment)
                    .unwrap()
                    .map(|t| t.text().to_owned());
                let last = transcriber.last_transcript();
                println!(
                    "{window:?} {name}: {:?} ({:?}, no-speech {:.2}, logprob {:.2})",
                    result, last.verdict, last.no_speech_prob, last.avg_logprob
                );
                assert_eq!(result, None, "{window:?} {name}: noise became text");
            }
        }
        let counters = transcriber.counters();
        assert_eq!(counters.segments, 8);
        assert_eq!(counters.accepted, 0);
    }
}

#[test]
fn short_noise_segments_yield_no_text_with_a_short_or_cached_window() {
    // What a VAD false alarm hands over: a few seconds of noise, encoded over the short
    // window or (the default) over its own length with the cached padding.
    let sources: [(&str, Vec<f32>); 4] = [
        ("silence", vec![0.0; 3 * RATE]),
        ("white noise", noise(2, 0.05, 0.0, 17)),
        ("rumble", noise(4, 0.2, 0.95, 19)),
        ("faint hiss", noise(3, 0.003, 0.0, 23)),
    ];
    for window in [EncoderWindow::Segment, EncoderWindow::CachedPadding] {
        let config = AsrConfig {
            encoder_window: window,
            ..AsrConfig::default()
        };
        let mut transcriber = asr_support::transcriber(&config);
        for (name, samples) in &sources {
            let result = transcriber
                .transcribe(samples)
                .unwrap()
                .map(|t| t.text().to_owned());
            let last = transcriber.last_transcript();
            println!(
                "{window:?} {name}: {result:?} ({:?}, no-speech {:.2}, logprob {:.2})",
                last.verdict, last.no_speech_prob, last.avg_logprob
            );
            assert_eq!(result, None, "{window:?} {name}: noise became text");
        }
    }
}

/// Shallow fusion and the term bonus, at the default weights and at triple them, greedy
/// and beam: noise and silence still give no text (the no-speech gate turns fusion off,
/// and the guards judge Whisper's own probabilities).
#[test]
fn noise_gains_no_words_with_fusion_on() {
    let sources: [(&str, Vec<f32>); 5] = [
        ("silence", vec![0.0; 3 * RATE]),
        ("white noise", noise(2, 0.05, 0.0, 17)),
        ("rumble", noise(4, 0.2, 0.95, 19)),
        ("faint hiss", noise(3, 0.003, 0.0, 23)),
        ("loud hiss", noise(2, 0.3, 0.5, 29)),
    ];
    let defaults = tccc::config::Config::default();
    for (scale, beam_width) in [(1.0f32, 1usize), (3.0, 1), (3.0, 3)] {
        let config = AsrConfig {
            beam_width,
            lm_weight: scale * defaults.asr.lm_weight.max(0.1),
            lm_length_bonus: scale * defaults.asr.lm_length_bonus.max(0.2),
            term_bonus: scale * defaults.asr.term_bonus.max(0.5),
            // None: built from the lexicon at load.
            lm_file: None,
            ..AsrConfig::default()
        };
        let mut transcriber = asr_support::transcriber(&config);
        for (name, samples) in &sources {
            let result = transcriber
                .transcribe(samples)
                .unwrap()
                .map(|t| t.text().to_owned());
            let last = transcriber.last_transcript();
            println!(
                "fusion ×{scale} beam {beam_width} {name}: {result:?} ({:?}, no-speech {:.2})",
                last.verdict, last.no_speech_prob
            );
            assert_eq!(result, None, "fusion ×{scale} {name}: noise became text");
        }
    }
}
