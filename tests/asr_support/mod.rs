//! Helpers shared by the ASR integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use tccc::asr::{AsrConfig, EncoderWindow, Transcriber, Transcript};

/// The default model folder; the tests need it and say how to get it.
pub fn model_dir() -> PathBuf {
    named_model_dir("whisper-tiny.en")
}

/// A model folder under models/; the tests need it and say how to get it (scripts/test
/// fetches every model a test uses).
pub fn named_model_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(name);
    assert!(
        dir.join("model.bin").is_file(),
        "{} is missing: run `models/fetch {name}` (scripts/test fetches it before the tests)",
        dir.display()
    );
    dir
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/asr")
        .join(name)
}

/// jfk.wav (public domain) is a fixture of the repository, beside its reference text.
pub fn jfk_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/jfk.wav")
}

/// Checks that `transcriber` hears jfk.wav word for word (after [`normalise`]) against its
/// reference text, in the full 30 s window and with the default cached padding. Leaves the
/// transcriber in the cached-padding window.
pub fn assert_hears_jfk(transcriber: &mut Transcriber) {
    let expected = std::fs::read_to_string(jfk_path().with_extension("txt"))
        .unwrap_or_else(|error| panic!("jfk.txt: {error}"));
    let samples = read_clip(&jfk_path());
    for window in [EncoderWindow::Full, EncoderWindow::CachedPadding] {
        transcriber.set_encoder_window(window);
        let text = transcriber
            .transcribe(&samples)
            .unwrap_or_else(|error| panic!("{error}"))
            .unwrap_or_else(|| panic!("jfk.wav must be accepted ({window:?})"))
            .text()
            .to_owned();
        assert_eq!(normalise(&text), normalise(&expected), "{window:?}");
    }
}

pub fn read_clip(path: &Path) -> Vec<f32> {
    tccc::cli::transcribe::read_wav_16k_mono(path).unwrap_or_else(|error| panic!("{error}"))
}

pub fn transcriber(config: &AsrConfig) -> Transcriber {
    Transcriber::load(&model_dir(), config).unwrap_or_else(|error| panic!("{error}"))
}

/// Whisper-style normalisation for comparing texts: lower case, punctuation dropped,
/// whitespace collapsed.
pub fn normalise(text: &str) -> String {
    let kept: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads little-endian float32 values.
pub fn read_f32(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// A JSON fixture under tests/fixtures/asr.
pub fn fixture_json(name: &str) -> serde_json::Value {
    let text =
        std::fs::read_to_string(fixture(name)).unwrap_or_else(|error| panic!("{name}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// A JSON list of token ids.
pub fn ids(value: &serde_json::Value) -> Vec<u32> {
    value
        .as_array()
        .expect("a list of token ids")
        .iter()
        .map(|v| v.as_u64().expect("a token id") as u32)
        .collect()
}

/// The audio of a fixture clip named in a fixture file (jfk.wav lives in tests/fixtures/audio).
pub fn clip_path(name: &str) -> PathBuf {
    if name == "jfk.wav" {
        jfk_path()
    } else {
        fixture(&format!("clips/{name}"))
    }
}

/// Compares a decoding with CTranslate2's record (`tokens`, `no_speech_prob`,
/// `avg_logprob`): differing ids are returned as a mismatch line, so a test can list every
/// clip that differs; differing scores on equal ids fail at once.
pub fn compare_with_ctranslate2(
    label: &str,
    transcript: &Transcript,
    expected: &serde_json::Value,
) -> Option<String> {
    let expected_ids = ids(&expected["tokens"]);
    if transcript.tokens() != expected_ids.as_slice() {
        return Some(format!(
            "{label}: got {:?}, CTranslate2 {expected_ids:?}",
            transcript.tokens()
        ));
    }
    let no_speech = expected["no_speech_prob"].as_f64().expect("no_speech_prob") as f32;
    let avg_logprob = expected["avg_logprob"].as_f64().expect("avg_logprob") as f32;
    assert!(
        (transcript.no_speech_prob - no_speech).abs() < 2e-3,
        "{label}: no-speech {} vs {no_speech}",
        transcript.no_speech_prob
    );
    assert!(
        (transcript.avg_logprob - avg_logprob).abs() < 2e-3,
        "{label}: avg logprob {} vs {avg_logprob}",
        transcript.avg_logprob
    );
    None
}
