//! A second Whisper size, multilingual with English forced (`<|en|><|transcribe|>`): the
//! base model (`models/fetch whisper-base`) emits exactly CTranslate2's float32 ids greedy,
//! greedy with timestamps and with beam 5, on seven clips (fixtures from
//! scripts/make-asr-decoding-fixtures). Its vocabulary numbers the special tokens one
//! higher than tiny.en's, so this also checks that special ids are found by name.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod asr_support;

use tccc::asr::{AsrConfig, EncoderWindow, Transcriber};

#[test]
fn whisper_base_multilingual_equals_ctranslate2() {
    let fixtures: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(asr_support::fixture("decoding-base.json")).unwrap(),
    )
    .unwrap();
    let config = AsrConfig {
        encoder_window: EncoderWindow::Full,
        beam_width: 5,
        ..AsrConfig::default()
    };
    let mut transcriber =
        Transcriber::load(&asr_support::named_model_dir("whisper-base"), &config).unwrap();
    let clips = fixtures["clips"].as_array().unwrap();
    assert!(clips.len() >= 7);
    let mut mismatches = Vec::new();
    for clip in clips {
        let name = clip["clip"].as_str().unwrap();
        let path = if name == "jfk.wav" {
            asr_support::jfk_path()
        } else {
            asr_support::fixture(&format!("clips/{name}"))
        };
        let samples = asr_support::read_clip(&path);
        for (index, (mode, beam, timestamps)) in [
            ("greedy", 1, false),
            ("greedy_timestamps", 1, true),
            ("beam5", 5, false),
        ]
        .into_iter()
        .enumerate()
        {
            transcriber.set_decoding(beam, timestamps).unwrap();
            if index == 0 {
                transcriber.transcribe(&samples).unwrap();
            } else {
                transcriber.decode_again();
            }
            let transcript = transcriber.last_transcript();
            let expected: Vec<u32> = clip[mode]["tokens"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect();
            if transcript.tokens() != expected.as_slice() {
                mismatches.push(format!(
                    "{name} {mode}: got {:?}, CTranslate2 {expected:?}",
                    transcript.tokens()
                ));
                continue;
            }
            let avg_logprob = clip[mode]["avg_logprob"].as_f64().unwrap() as f32;
            assert!(
                (transcript.avg_logprob - avg_logprob).abs() < 2e-3,
                "{name} {mode}: avg logprob {} vs {avg_logprob}",
                transcript.avg_logprob
            );
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} decodings differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    // jfk.wav through base is exact too.
    let expected = std::fs::read_to_string(asr_support::jfk_path().with_extension("txt")).unwrap();
    transcriber.set_decoding(1, false).unwrap();
    let samples = asr_support::read_clip(&asr_support::jfk_path());
    let text = transcriber
        .transcribe(&samples)
        .unwrap()
        .expect("jfk.wav must be accepted")
        .text()
        .to_owned();
    assert_eq!(
        asr_support::normalise(&text),
        asr_support::normalise(&expected)
    );
}
