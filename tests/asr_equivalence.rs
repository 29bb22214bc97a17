//! Every decoding mode emits exactly the token ids CTranslate2 emits in float32 on the same
//! audio (30 s window, same suppression): greedy, greedy with timestamps, beam 5 and beam 5
//! with timestamps, on 22 espeak-ng clips and jfk.wav. The ids were captured once by
//! scripts/make-asr-fixtures (tokens.json, greedy) and scripts/make-asr-decoding-fixtures
//! (decoding.json). Each clip is encoded once and decoded four times (`decode_again`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod asr_support;

use tccc::asr::{AsrConfig, DecoderWeights, EncoderWindow, Transcript};

#[test]
fn token_ids_equal_ctranslate2_float32_in_every_decoding_mode() {
    let read = |file: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(asr_support::fixture(file)).unwrap()).unwrap()
    };
    let greedy = read("tokens.json");
    let decoding = read("decoding.json");
    let config = AsrConfig {
        encoder_window: EncoderWindow::Full,
        beam_width: 5,
        ..AsrConfig::default()
    };
    let mut transcriber = asr_support::transcriber(&config);
    let mut mismatches = Vec::new();
    let clips = greedy["clips"].as_array().unwrap();
    let others = decoding["clips"].as_array().unwrap();
    assert!(clips.len() >= 21);
    assert_eq!(clips.len(), others.len());
    let mut timed_pieces = 0;
    for (clip, other) in clips.iter().zip(others) {
        let name = clip["clip"].as_str().unwrap();
        assert_eq!(other["clip"].as_str().unwrap(), name);
        let samples = asr_support::read_clip(&asr_support::clip_path(name));
        assert_eq!(
            samples.len() as u64,
            clip["samples"].as_u64().unwrap(),
            "{name}: sample count"
        );
        transcriber.set_decoding(1, false).unwrap();
        transcriber.transcribe(&samples).unwrap();
        mismatches.extend(asr_support::compare_with_ctranslate2(
            &format!("{name} greedy"),
            transcriber.last_transcript(),
            clip,
        ));
        for (mode, beam, timestamps) in [
            ("greedy_timestamps", 1, true),
            ("beam5", 5, false),
            ("beam5_timestamps", 5, true),
        ] {
            transcriber.set_decoding(beam, timestamps).unwrap();
            transcriber.decode_again();
            let transcript = transcriber.last_transcript();
            mismatches.extend(asr_support::compare_with_ctranslate2(
                &format!("{name} {mode}"),
                transcript,
                &other[mode],
            ));
            if timestamps {
                timed_pieces += check_pieces(name, transcript);
            } else {
                assert!(transcript.pieces().is_empty());
            }
        }
    }
    assert!(
        timed_pieces >= clips.len(),
        "only {timed_pieces} timed pieces"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {} decodings differ:\n{}",
        mismatches.len(),
        4 * clips.len(),
        mismatches.join("\n")
    );
}

/// The timed pieces of a timestamp decoding: in order, inside the segment, and together
/// the whole text. Returns how many there are.
fn check_pieces(name: &str, transcript: &Transcript) -> usize {
    let pieces = transcript.pieces();
    let mut previous_end = 0.0f32;
    let mut joined = String::new();
    for piece in pieces {
        assert!(
            piece.start_seconds >= previous_end - 1e-6 && piece.end_seconds >= piece.start_seconds,
            "{name}: pieces out of order: {pieces:?}"
        );
        assert!(piece.end_seconds <= transcript.segment_seconds.max(30.0));
        previous_end = piece.end_seconds;
        joined.push_str(transcript.piece_text(piece));
        joined.push(' ');
    }
    assert_eq!(
        asr_support::normalise(&joined),
        asr_support::normalise(transcript.text()),
        "{name}: the pieces do not add up to the text"
    );
    pieces.len()
}

#[test]
fn jfk_is_transcribed_exactly_after_normalisation() {
    let expected = std::fs::read_to_string(asr_support::jfk_path().with_extension("txt")).unwrap();
    let samples = asr_support::read_clip(&asr_support::jfk_path());
    for (window, decoder_weights) in [
        (EncoderWindow::Full, DecoderWeights::AsLoaded),
        (EncoderWindow::Segment, DecoderWeights::AsLoaded),
        (EncoderWindow::CachedPadding, DecoderWeights::AsLoaded),
        (EncoderWindow::CachedPadding, DecoderWeights::Int8),
    ] {
        let config = AsrConfig {
            encoder_window: window,
            decoder_weights,
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
            "{window:?} {decoder_weights:?}"
        );
    }
}
