//! A truncated, foreign or missing model file is a clear error that names the file and says
//! what was expected.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use tccc::asr::{AsrConfig, AsrError, Transcriber};

fn scratch_folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tccc-asr-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["config.json", "vocabulary.txt"] {
        std::fs::copy(common::model_dir().join(file), dir.join(file)).unwrap();
    }
    dir
}

fn load_error(dir: &std::path::Path) -> AsrError {
    Transcriber::load(dir, &AsrConfig::default()).expect_err("loading must fail")
}

#[test]
fn truncated_model_names_the_file_and_the_truncation() {
    let dir = scratch_folder("truncated");
    let whole = std::fs::read(common::model_dir().join("model.bin")).unwrap();
    std::fs::write(dir.join("model.bin"), &whole[..whole.len() / 3]).unwrap();
    let message = load_error(&dir).to_string();
    assert!(
        message.contains("model.bin") && message.contains("truncated"),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn foreign_file_is_rejected_as_not_a_ctranslate2_model() {
    let dir = scratch_folder("foreign");
    let mut bytes = b"GGUF".to_vec();
    bytes.extend_from_slice(&[3, 0, 0, 0, 0, 0, 0, 0]);
    bytes.resize(4096, 7);
    std::fs::write(dir.join("model.bin"), &bytes).unwrap();
    let error = load_error(&dir);
    let message = error.to_string();
    assert!(matches!(error, AsrError::ModelFormat { .. }), "{message}");
    assert!(
        message.contains("model.bin") && message.contains("CTranslate2"),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_model_folder_says_to_run_fetch() {
    let message = load_error(std::path::Path::new("/nonexistent/whisper")).to_string();
    assert!(message.contains("models/fetch"), "{message}");
}
