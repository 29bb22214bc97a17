//! Greedy decoding emits exactly the token ids CTranslate2 emits in float32 greedy mode
//! (30 s window, <|notimestamps|>, same suppression), on 22 espeak-ng clips and jfk.wav.
//! The ids were captured once by scripts/make-asr-fixtures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod asr_support;

use tccc::asr::{AsrConfig, EncoderWindow};

#[test]
fn greedy_token_ids_equal_ctranslate2_float32() {
    let fixtures: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(asr_support::fixture("tokens.json")).unwrap(),
    )
    .unwrap();
    let config = AsrConfig {
        encoder_window: EncoderWindow::Full,
        ..AsrConfig::default()
    };
    let mut transcriber = asr_support::transcriber(&config);
    let mut mismatches = Vec::new();
    let clips = fixtures["clips"].as_array().unwrap();
    assert!(clips.len() >= 21);
    for clip in clips {
        let name = clip["clip"].as_str().unwrap();
        let path = if name == "jfk.wav" {
            asr_support::jfk_path()
        } else {
            asr_support::fixture(&format!("clips/{name}"))
        };
        let samples = asr_support::read_clip(&path);
        assert_eq!(
            samples.len() as u64,
            clip["samples"].as_u64().unwrap(),
            "{name}: sample count"
        );
        transcriber.transcribe(&samples).unwrap();
        let transcript = transcriber.last_transcript();
        let expected: Vec<u32> = clip["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        if transcript.tokens() != expected.as_slice() {
            mismatches.push(format!(
                "{name}: got {:?}, CTranslate2 {:?}",
                transcript.tokens(),
                expected
            ));
            continue;
        }
        let no_speech = clip["no_speech_prob"].as_f64().unwrap() as f32;
        let avg_logprob = clip["avg_logprob"].as_f64().unwrap() as f32;
        assert!(
            (transcript.no_speech_prob - no_speech).abs() < 2e-3,
            "{name}: no-speech {} vs {no_speech}",
            transcript.no_speech_prob
        );
        assert!(
            (transcript.avg_logprob - avg_logprob).abs() < 2e-3,
            "{name}: avg logprob {} vs {avg_logprob}",
            transcript.avg_logprob
        );
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} clips differ:\n{}",
        mismatches.len(),
        clips.len(),
        mismatches.join("\n")
    );
}

#[test]
fn jfk_is_transcribed_exactly_after_normalisation() {
    let expected = std::fs::read_to_string(asr_support::jfk_path().with_extension("txt")).unwrap();
    let samples = asr_support::read_clip(&asr_support::jfk_path());
    for window in [EncoderWindow::Full, EncoderWindow::Segment] {
        let config = AsrConfig {
            encoder_window: window,
            ..AsrConfig::default()
        };
        let mut transcriber = asr_support::transcriber(&config);
        let transcript = transcriber
            .transcribe(&samples)
            .unwrap()
            .expect("jfk.wav must be accepted");
        assert_eq!(
            asr_support::normalise(transcript.text()),
            asr_support::normalise(&expected),
            "{window:?}"
        );
    }
}
