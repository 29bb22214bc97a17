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
    let fixtures = asr_support::fixture_json("decoding-base.json");
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
        let samples = asr_support::read_clip(&asr_support::clip_path(name));
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
            mismatches.extend(asr_support::compare_with_ctranslate2(
                &format!("{name} {mode}"),
                transcriber.last_transcript(),
                &clip[mode],
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} decodings differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    // jfk.wav through base is exact too, in the full window and with the default cached
    // padding (whose encoding of silence is made with base's 6 layers and 8 heads).
    transcriber.set_decoding(1, false).unwrap();
    asr_support::assert_hears_jfk(&mut transcriber);
}
