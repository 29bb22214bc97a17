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

/// Tolerance on the first step's logits, absolute (logits here are 10 to 35). Both sides
/// quantize activations to 8 bits per block the same way but sum in different orders
/// (ggml's AVX-512 build accumulates in other lanes; its exp and SiLU are polynomial
/// approximations): a last-bit difference in one dot product can move an activation across
/// a rounding boundary of the next layer's 8-bit quantization, changing it by half a
/// quantization step, and thirty layers compound that. Measured: up to 0.58 (see the
/// report printed by the test); an error in any operation moves logits by whole units.
const LOGIT_TOLERANCE: f32 = 1.0;

#[test]
fn greedy_decoding_matches_llama_cpp() {
    use tccc::llm::{Llm, LlmOptions};
    let Some(path) = model_path() else { return };
    let mut llm = Llm::load_with(&path, &LlmOptions::default()).unwrap();
    let cases = fixture("greedy.json");
    let mut worst = 0.0f32;
    let mut report = String::new();
    for case in cases.as_array().unwrap() {
        let prompt = case["prompt"].as_str().unwrap();
        let prompt_ids = ids(&case["prompt_ids"]);
        let mut encoded = Vec::new();
        llm.tokenizer().encode(prompt, true, true, &mut encoded);
        assert_eq!(encoded, prompt_ids, "{prompt:?}");
        let expected = ids(&case["generated"]);
        let mut generated = Vec::new();
        // The first token comes from the prompt's logits: compare them first.
        llm.greedy_ids(&prompt_ids, 0, &mut generated).unwrap();
        for pair in case["top_logits"].as_array().unwrap() {
            let id = pair[0].as_u64().unwrap() as usize;
            let logit = pair[1].as_f64().unwrap() as f32;
            let difference = (llm.logits()[id] - logit).abs();
            worst = worst.max(difference);
            assert!(
                difference < LOGIT_TOLERANCE,
                "{prompt:?}: logit of token {id} is {} here, {logit} in llama.cpp",
                llm.logits()[id]
            );
        }
        llm.greedy_ids(&prompt_ids, expected.len(), &mut generated)
            .unwrap();
        let first_difference = generated.iter().zip(&expected).position(|(a, b)| a != b);
        report.push_str(&format!("{first_difference:?} "));
        assert!(
            first_difference.is_none(),
            "{prompt:?}: greedy tokens differ from llama.cpp's from index {first_difference:?}:\n{generated:?}\n{expected:?}"
        );
    }
    eprintln!("largest first-step logit difference from llama.cpp: {worst:.4}; {report}");
}
