//! A long utterance whose greedy decoding ends after the first clause is decoded again:
//! with timestamps, then the rest of the segment from the last timestamp, so its words are
//! not lost ("Vitals at 0950." alone drops six vital signs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod asr_support;

use std::path::Path;

use tccc::asr::AsrConfig;

#[test]
fn an_early_end_is_decoded_on_to_the_end_of_the_segment() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/vitals-slt.wav");
    let samples = asr_support::read_clip(&path);
    let mut transcriber = asr_support::transcriber(&AsrConfig::default());
    let text = transcriber
        .transcribe(&samples)
        .unwrap()
        .map(|t| asr_support::normalise(t.text()))
        .expect("the utterance is accepted");
    println!("{text}");
    let counters = transcriber.counters();
    assert_eq!(counters.early_end_redecoded, 1, "{counters:?}");
    assert_eq!(counters.tail_decoded, 1, "{counters:?}");
    // The head ("vitals at 0950") and the vital signs after it, once each.
    assert!(text.contains("0950"), "{text}");
    assert!(text.contains("110 over 70"), "{text}");
    assert!(text.contains("99"), "{text}");
    assert_eq!(text.matches("0950").count(), 1, "{text}");
    // Per-word confidences cover the whole merged text.
    let transcript = transcriber.last_transcript();
    let words = transcript.words();
    assert!(
        words.len() >= text.split_whitespace().count() - 2,
        "{words:?}"
    );
    let last = words.last().unwrap();
    assert_eq!(last.end as usize, transcript.text().len());
}

#[test]
fn a_short_clear_utterance_is_decoded_once() {
    let samples = asr_support::read_clip(&asr_support::jfk_path());
    let mut transcriber = asr_support::transcriber(&AsrConfig::default());
    assert!(transcriber.transcribe(&samples).unwrap().is_some());
    let counters = transcriber.counters();
    assert_eq!(counters.early_end_redecoded, 0, "{counters:?}");
    assert_eq!(counters.tail_decoded, 0, "{counters:?}");
}
