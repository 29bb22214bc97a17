//! The optional initial prompt: the BPE encoder equals the Hugging Face `tokenizers`
//! library, the decoder prompt is built and truncated as faster-whisper builds it, greedy
//! decoding after the prompt emits CTranslate2's float32 ids, a folder that cannot encode a
//! prompt is a clear error, and transcribing with a prompt allocates nothing after warm-up.
//! The references were captured once by scripts/make-asr-prompt-fixtures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod asr_support;

use tccc::asr::tokenizer::PromptEncoder;
use tccc::asr::{AsrConfig, AsrError, EncoderWindow, Transcriber};
use tccc::sys::alloc_guard::{allocations, set_thread_role, ThreadRole};

fn fixtures() -> serde_json::Value {
    asr_support::fixture_json("prompt.json")
}

fn prompt_config(text: &str) -> AsrConfig {
    AsrConfig {
        initial_prompt: Some(text.to_owned()),
        ..AsrConfig::default()
    }
}

#[test]
fn encoding_equals_the_tokenizers_library() {
    let fixtures = fixtures();
    let encoder = PromptEncoder::load(&asr_support::model_dir()).unwrap();
    let table = fixtures["encodings"].as_array().unwrap();
    assert!(table.len() >= 30);
    let mut mismatches = Vec::new();
    for entry in table {
        let text = entry["text"].as_str().unwrap();
        let expected = asr_support::ids(&entry["ids"]);
        let got = encoder.encode(text);
        if got != expected {
            mismatches.push(format!("{text:?}: got {got:?}, tokenizers {expected:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} strings differ:\n{}",
        mismatches.len(),
        table.len(),
        mismatches.join("\n")
    );
}

#[test]
fn prompt_is_built_and_truncated_as_faster_whisper_builds_it() {
    let fixtures = fixtures();
    for name in ["medic", "long"] {
        let case = &fixtures["prompts"][name];
        let transcriber = asr_support::transcriber(&prompt_config(case["text"].as_str().unwrap()));
        assert_eq!(
            transcriber.prompt_tokens(),
            asr_support::ids(&case["tokens"]).as_slice(),
            "{name}"
        );
    }
    // The long text really was cut: 223 text tokens kept, plus <|startofprev|>, start of
    // transcript and no-timestamps.
    let long = &fixtures["prompts"]["long"];
    assert!(long["encoded_tokens"].as_u64().unwrap() > 223);
    assert_eq!(long["tokens"].as_array().unwrap().len(), 1 + 223 + 2);
    // Blank is off: the prompt is the bare start sequence.
    let blank = asr_support::transcriber(&prompt_config(" \n "));
    assert_eq!(blank.prompt_tokens().len(), 2);
}

#[test]
fn greedy_ids_after_a_prompt_equal_ctranslate2_float32() {
    let fixtures = fixtures();
    let config = AsrConfig {
        encoder_window: EncoderWindow::Full,
        ..prompt_config(fixtures["prompts"]["medic"]["text"].as_str().unwrap())
    };
    let mut transcriber = asr_support::transcriber(&config);
    let clips = fixtures["clips"].as_array().unwrap();
    assert!(clips.len() >= 20);
    let mut mismatches = Vec::new();
    for clip in clips {
        let name = clip["clip"].as_str().unwrap();
        transcriber
            .transcribe(&asr_support::read_clip(&asr_support::clip_path(name)))
            .unwrap();
        mismatches.extend(asr_support::compare_with_ctranslate2(
            name,
            transcriber.last_transcript(),
            clip,
        ));
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
fn a_folder_without_merges_names_the_file_and_the_fix() {
    let dir = std::env::temp_dir().join(format!("tccc-asr-prompt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let model = asr_support::model_dir();
    for file in ["config.json", "vocabulary.txt"] {
        std::fs::copy(model.join(file), dir.join(file)).unwrap();
    }
    std::os::unix::fs::symlink(model.join("model.bin"), dir.join("model.bin")).unwrap();
    // Without a prompt the folder is fine: vocabulary.txt suffices for decoding.
    Transcriber::load(&dir, &AsrConfig::default()).unwrap();
    let error = Transcriber::load(&dir, &prompt_config("Tourniquet.")).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, AsrError::PromptTokenizer { .. }),
        "{message}"
    );
    assert!(
        message.contains("tokenizer.json") && message.contains("initial_prompt"),
        "{message}"
    );
    // A tokenizer.json without merges (a vocabulary only) is refused the same way.
    std::fs::write(
        dir.join("tokenizer.json"),
        r#"{"model": {"type": "BPE", "vocab": {"a": 0}}}"#,
    )
    .unwrap();
    let message = Transcriber::load(&dir, &prompt_config("Tourniquet."))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("tokenizer.json") && message.contains("merges"),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn mark_worker_thread() {
    set_thread_role(ThreadRole::InferenceWorker);
}

fn inference_allocations() -> u64 {
    allocations(ThreadRole::Asr) + allocations(ThreadRole::InferenceWorker)
}

#[test]
fn transcribing_with_a_prompt_allocates_nothing_after_warm_up() {
    // The only test in this file that declares thread roles, so the counts are its own.
    set_thread_role(ThreadRole::Asr);
    let config = AsrConfig {
        helper_thread_start: Some(mark_worker_thread),
        // A 2 s encoder floor keeps it quick; the decoder runs the whole prompt each time.
        segment_window_frames_min: 200,
        ..prompt_config(fixtures()["prompts"]["long"]["text"].as_str().unwrap())
    };
    let mut transcriber = asr_support::transcriber(&config);
    transcriber.warm_up().unwrap();
    let clips: Vec<Vec<f32>> = ["c02", "c08"]
        .iter()
        .map(|name| asr_support::read_clip(&asr_support::fixture(&format!("clips/{name}.wav"))))
        .collect();
    let silence = vec![0.0f32; 16_000 * 2];
    let before = inference_allocations();
    for samples in [&clips[0], &clips[1], &silence] {
        transcriber.transcribe(samples).unwrap();
    }
    let allocations = inference_allocations() - before;
    assert_eq!(
        allocations, 0,
        "transcribe with a prompt allocated {allocations} times after warm-up"
    );
}
