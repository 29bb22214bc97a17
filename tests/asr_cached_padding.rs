//! Cached padding, the default encoder window: only the segment (and a short margin of its
//! padding) is encoded; the rest of the 30 s window's keys and values come from one
//! encoding of an all-zero window made at load.
//!
//! - When the whole segment is padding, the cached pass equals the full pass: this checks
//!   every copy, offset and repack of the cached rows.
//! - On speech it is an approximation (the padding positions do not hear the speech), so
//!   the check is against CTranslate2's float32 ids of the full window: jfk.wav's words
//!   exact, more than half the clips token for token, and at least as many as with a 15 s
//!   window (the others are low-confidence espeak-ng clips that differ in a word or two;
//!   WER in NOTES-asr.md).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod asr_support;

use tccc::asr::whisper::{WhisperModel, WhisperWeights};
use tccc::asr::{AsrConfig, EncoderWindow, Transcriber};
use tccc::nn::CpuBackend;

/// Feeds the prompt and returns the logits of the first generated token.
fn first_logits(model: &mut WhisperModel<CpuBackend>, prompt: &[u32]) -> Vec<f32> {
    let mut logits = Vec::new();
    for (position, &token) in prompt.iter().enumerate() {
        let last = position + 1 == prompt.len();
        if let Some(values) = model.decode_step(token, position, last) {
            logits = values.to_vec();
        }
    }
    assert!(!logits.is_empty());
    logits
}

#[test]
fn cached_padding_equals_the_full_window_when_the_segment_is_padding() {
    let dir = asr_support::model_dir();
    let prompt = Transcriber::load(&dir, &AsrConfig::default())
        .unwrap()
        .prompt_tokens()
        .to_vec();
    let weights = WhisperWeights::load_folder(&dir).unwrap();
    let bins = weights.dims.mel_bins;
    let mut model = WhisperModel::new(weights, CpuBackend::with_threads(2, None).unwrap(), 1);
    let silence = vec![0.0f32; 3_000 * bins];

    model.encode(&silence, 3_000);
    let full = first_logits(&mut model, &prompt);

    model.prepare_padding_cache();
    assert!(model.has_padding_cache());
    // 640 frames: the first 320 positions computed, 1 180 from the cache.
    model.encode_with_cached_padding(&silence, 640);
    let cached = first_logits(&mut model, &prompt);

    let largest_difference = full
        .iter()
        .zip(&cached)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        largest_difference < 1e-3,
        "cached padding differs from the full window by {largest_difference} in a logit"
    );
}

/// Clips whose greedy ids equal CTranslate2's full-window ids, and the others' texts.
fn agreement_with_ctranslate2(window: EncoderWindow) -> (Vec<String>, Vec<String>) {
    let greedy = asr_support::fixture_json("tokens.json");
    let config = AsrConfig {
        encoder_window: window,
        ..AsrConfig::default()
    };
    let mut transcriber = asr_support::transcriber(&config);
    let mut identical = Vec::new();
    let mut different = Vec::new();
    for clip in greedy["clips"].as_array().unwrap() {
        let name = clip["clip"].as_str().unwrap();
        let samples = asr_support::read_clip(&asr_support::clip_path(name));
        transcriber.transcribe(&samples).unwrap();
        let transcript = transcriber.last_transcript();
        assert!(
            transcript.encoder_frames < 3_000,
            "{name}: {window:?} encoded the full window"
        );
        if transcript.tokens() == asr_support::ids(&clip["tokens"]).as_slice() {
            identical.push(name.to_owned());
        } else {
            different.push(format!("{name}: {:?}", transcript.text()));
        }
    }
    (identical, different)
}

#[test]
fn cached_padding_keeps_jfk_exact_and_ctranslate2s_ids_better_than_a_short_window() {
    let (identical, different) = agreement_with_ctranslate2(EncoderWindow::CachedPadding);
    let (segment_identical, _) = agreement_with_ctranslate2(EncoderWindow::Segment);
    let clips = identical.len() + different.len();
    eprintln!(
        "CTranslate2's full-window ids on {clips} clips: cached padding {}, 15 s window {}; \
         cached padding differs on {different:#?}",
        identical.len(),
        segment_identical.len()
    );
    // jfk.wav: its words exactly (cached padding may put a comma where CTranslate2 has none).
    let expected = std::fs::read_to_string(asr_support::jfk_path().with_extension("txt")).unwrap();
    let mut transcriber = asr_support::transcriber(&AsrConfig::default());
    let samples = asr_support::read_clip(&asr_support::jfk_path());
    let text = transcriber
        .transcribe(&samples)
        .unwrap()
        .expect("jfk.wav accepted")
        .text();
    assert_eq!(
        asr_support::normalise(text),
        asr_support::normalise(&expected)
    );
    assert!(
        identical.len() >= segment_identical.len() && identical.len() * 2 > clips,
        "cached padding keeps CTranslate2's ids on only {} of {clips} clips (15 s window: {}): \
         {different:#?}",
        identical.len(),
        segment_identical.len()
    );
}
