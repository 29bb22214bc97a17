//! The whole live path on real audio: capture → front end → Whisper on its own thread →
//! transcripts ring. jfk.wav comes out as its known text, the ASR thread allocates nothing
//! after the warm-up, and a minute of noise yields no text at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::*;
use tccc::audio::source::WavSource;
use tccc::config::Config;
use tccc::frontend::pipeline::Pacing;
use tccc::live::{load_transcriber, LivePipeline};

fn normalise(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn transcribe_file(path: &Path) -> (Vec<String>, tccc::live::LiveSummary) {
    let config = Config::default();
    let model = config.asr_model_dir().expect("run models/fetch first");
    let transcriber = load_transcriber(&model, &config.asr_config()).unwrap();
    let source = WavSource::open(path).unwrap();
    let mut pipeline = LivePipeline::start(
        Box::new(source),
        &config,
        Pacing::AsFastAsPossible,
        transcriber,
    )
    .unwrap();
    let mut texts = Vec::new();
    while let Some(heard) = pipeline.next_utterance() {
        assert!(heard.start_s < heard.end_s && heard.speech_end_s <= heard.end_s);
        check_words(heard.text.as_str(), &heard.words);
        texts.push(heard.text.as_str().to_owned());
    }
    (texts, pipeline.join().unwrap())
}

/// The words the ASR thread filled cover the text: in order, on character boundaries,
/// each a whitespace-free stretch, confidences in [0, 1], every word of the text listed.
fn check_words(text: &str, words: &[tccc::speech::HeardWord]) {
    let mut previous_end = 0;
    for word in words {
        let (start, end) = (word.start as usize, word.end as usize);
        assert!(
            previous_end <= start && start < end && end <= text.len(),
            "{text:?} {word:?}"
        );
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        assert!(!text[start..end].contains(' '), "{:?}", &text[start..end]);
        assert!((0.0..=1.0).contains(&word.confidence));
        previous_end = end;
    }
    assert_eq!(
        words.len(),
        text.split_whitespace().count(),
        "{text:?} {words:?}"
    );
}

#[test]
fn jfk_is_transcribed_exactly_through_the_live_pipeline() {
    let jfk = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/jfk.wav");
    let expected = std::fs::read_to_string(jfk.with_extension("txt")).unwrap();
    let (texts, summary) = transcribe_file(&jfk);
    let heard = normalise(&texts.join(" "));
    println!("heard: {heard}");
    assert_eq!(heard, normalise(&expected));
    assert_eq!(
        summary.asr_allocations, 0,
        "the ASR thread allocated after warm-up"
    );
    assert_eq!(summary.asr_frees, 0, "the ASR thread freed after warm-up");
    assert_eq!(summary.transcripts_dropped, 0);
    assert_eq!(
        summary.asr.segments,
        summary
            .frontend
            .segmenter
            .segments_emitted
            .load(std::sync::atomic::Ordering::Relaxed)
    );
}

#[test]
fn a_minute_of_noise_yields_no_text() {
    require_tool("sox");
    let dir = scratch("live-noise");
    let mut texts = Vec::new();
    for (kind, seed) in [(Noise::Pink, 11), (Noise::Brown, 12)] {
        // Background noise well above the VAD's floor: −20 dBFS.
        let level = 10f32.powf(-20.0 / 20.0);
        let samples: Vec<f32> = noise(kind, ESPEAK_RATE_HZ as usize * 60, seed)
            .into_iter()
            .map(|x| x * level)
            .collect();
        let path = write_at_rate(&samples, 16_000, &dir, &format!("{kind:?}"));
        let (heard, _) = transcribe_file(&path);
        texts.extend(heard);
    }
    assert!(texts.is_empty(), "noise became text: {texts:?}");
}

/// Paced in real time, the live pipeline transcribes each utterance at its first pause
/// (a provisional segment) and uses that text when the pause becomes the end: the text is
/// still exact, the ASR thread still allocates nothing (speculation included), every
/// finished segment is counted once by the recogniser, and every speculative transcript is
/// either used or thrown away.
#[test]
fn jfk_is_exact_when_transcribed_ahead_at_pauses() {
    let jfk = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/jfk.wav");
    let expected = std::fs::read_to_string(jfk.with_extension("txt")).unwrap();
    let config = Config::default();
    let model = config.asr_model_dir().expect("run models/fetch first");
    let transcriber = load_transcriber(&model, &config.asr_config()).unwrap();
    let source = WavSource::open(&jfk).unwrap();
    let mut pipeline =
        LivePipeline::start(Box::new(source), &config, Pacing::RealTime, transcriber).unwrap();
    let mut texts = Vec::new();
    while let Some(heard) = pipeline.next_utterance() {
        check_words(heard.text.as_str(), &heard.words);
        assert!(
            heard.speech_end_s <= heard.endpoint_s,
            "ended before the speech"
        );
        texts.push(heard.text.as_str().to_owned());
    }
    let summary = pipeline.join().unwrap();
    println!("{:?}", summary.speculation);
    assert_eq!(normalise(&texts.join(" ")), normalise(&expected));
    assert_eq!(summary.asr_allocations, 0, "allocated after warm-up");
    assert_eq!(summary.asr_frees, 0, "freed after warm-up");
    let emitted = summary
        .frontend
        .segmenter
        .segments_emitted
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(summary.asr.segments, emitted);
    let speculation = summary.speculation;
    assert_eq!(
        speculation.decoded,
        speculation.reused + speculation.wasted,
        "{speculation:?}"
    );
    assert!(speculation.reused <= emitted);
    assert!(
        summary
            .frontend
            .segmenter
            .provisional_offered
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 1,
        "no provisional segment at jfk's pauses"
    );
}
