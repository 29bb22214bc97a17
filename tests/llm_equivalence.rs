//! The language-model runtime against llama.cpp (fixtures from scripts/make-llm-fixtures,
//! run with llama-cpp-python on the same GGUF file): the same token ids for the fixture
//! strings, the same greedy continuations, first-step logits within a stated tolerance.
//! Skips (saying why on stderr) when the model is not fetched; CI fetches it.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use tccc::llm::gguf::Gguf;
use tccc::llm::tokenizer::Tokenizer;

fn model_path() -> Option<PathBuf> {
    let path = tccc::llm::default_model_path();
    if path.is_file() {
        Some(path)
    } else {
        eprintln!(
            "skipped: no language model at {}; run models/fetch smollm2-135m",
            path.display()
        );
        None
    }
}

fn fixture(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/llm")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ids(value: &serde_json::Value) -> Vec<u32> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_u64().unwrap() as u32)
        .collect()
}

#[test]
fn tokenization_matches_llama_cpp() {
    let Some(path) = model_path() else { return };
    let file = Gguf::open(&path).unwrap();
    let mut tokenizer = Tokenizer::from_gguf(&file).unwrap();
    let cases = fixture("tokenizations.json");
    let mut checked = 0;
    for case in cases.as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let special = case["parse_special"].as_bool().unwrap();
        let mut out = Vec::new();
        tokenizer.encode(text, true, special, &mut out);
        assert_eq!(
            out,
            ids(&case["ids"]),
            "{text:?} (special tokens parsed: {special})"
        );
        // Decoding the pieces gives the text back.
        let bytes: Vec<u8> = out
            .iter()
            .flat_map(|&id| tokenizer.piece(id).to_vec())
            .collect();
        assert_eq!(String::from_utf8(bytes).unwrap(), text);
        checked += 1;
    }
    assert!(checked >= 20);
}
