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

/// Tolerance on the first step's logits, absolute (logits here are 10 to 35). The runtime
/// mirrors ggml's CPU arithmetic operation by operation (the same 8-bit activation blocks,
/// half-precision queries and attention weights, ggml's polynomial `exp`, its summation
/// orders and GCC's fused multiply-adds in RoPE), so the prompt's logits come out equal to
/// the printed precision (measured: 0.0000). 1e-3 allows for a different libm's `sinf`/
/// `cosf` on another machine; one operation out of step moves logits by tenths (measured
/// before the orders were mirrored: 0.58).
const LOGIT_TOLERANCE: f32 = 1e-3;

/// Greedy tokens equal to llama.cpp's, per prompt, from the start: all 40 on every prompt.
/// The second prompt once diverged at token 13: there llama.cpp's top two logits are 0.0245
/// apart (0.037 at token 12), a near tie, and the test re-evaluated the prompt's last token
/// alone (the prefix cache keeps one token to evaluate) where llama.cpp evaluates it in the
/// prompt's batch, whose sums run in another order. Teacher-forced step by step
/// (`measure_the_second_prompts_divergence`) the top five logits of all 16 first steps
/// equal llama.cpp's to 1e-4: a near tie, not an arithmetic bug. Decoding now continues
/// from the prompt's batch (`continue_greedy`), as llama.cpp does.
const GREEDY_EQUAL_MIN: [usize; 5] = [40, 40, 40, 40, 40];

#[test]
fn greedy_decoding_matches_llama_cpp() {
    use tccc::llm::{Llm, LlmOptions};
    let Some(path) = model_path() else { return };
    let mut llm = Llm::load_with(&path, &LlmOptions::default()).unwrap();
    let cases = fixture("greedy.json");
    let mut worst = 0.0f32;
    let mut report = String::new();
    for (index, case) in cases.as_array().unwrap().iter().enumerate() {
        let prompt = case["prompt"].as_str().unwrap();
        let prompt_ids = ids(&case["prompt_ids"]);
        let mut encoded = Vec::new();
        llm.tokenizer().encode(prompt, true, true, &mut encoded);
        assert_eq!(encoded, prompt_ids, "{prompt:?}");
        let expected = ids(&case["generated"]);
        assert!(expected.len() >= 32);
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
        llm.continue_greedy(expected.len(), &mut generated).unwrap();
        let equal = generated
            .iter()
            .zip(&expected)
            .take_while(|(a, b)| a == b)
            .count();
        report.push_str(&format!("{equal}/{} ", expected.len()));
        assert!(
            equal >= GREEDY_EQUAL_MIN[index],
            "{prompt:?}: greedy tokens differ from llama.cpp's from index {equal}:\n{generated:?}\n{expected:?}"
        );
    }
    eprintln!(
        "largest first-step logit difference from llama.cpp: {worst:.5}; equal greedy tokens: {report}"
    );
}

/// Measurement (ignored; `--ignored --nocapture`): the logits of each greedy step of the
/// second fixture prompt, teacher-forced with llama.cpp's tokens, beside llama.cpp's own
/// top candidates from `TCCC_LLM_STEPS=FILE` (JSON: `[{"step", "top": [[id, logit]..]}]`,
/// written by llama-cpp-python with `logits_all`). Prints the largest difference per step
/// and the top two margins: a divergence is a near tie when llama.cpp's margin is within
/// the difference between the two runtimes' logits.
#[test]
#[ignore]
fn measure_the_second_prompts_divergence() {
    use tccc::llm::{Llm, LlmOptions};
    let Some(path) = model_path() else { return };
    let Ok(steps) = std::env::var("TCCC_LLM_STEPS") else {
        eprintln!("skipped: set TCCC_LLM_STEPS to llama.cpp's per-step logits");
        return;
    };
    let theirs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(steps).unwrap()).unwrap();
    let mut llm = Llm::load_with(&path, &LlmOptions::default()).unwrap();
    let case = &fixture("greedy.json")[1];
    let prompt_ids = ids(&case["prompt_ids"]);
    let expected = ids(&case["generated"]);
    let mut sink = Vec::new();
    llm.greedy_ids(&prompt_ids, 0, &mut sink).unwrap();
    for step in theirs.as_array().unwrap() {
        let index = step["step"].as_u64().unwrap() as usize;
        let top = step["top"].as_array().unwrap();
        let mut worst = 0.0f32;
        let mut line = String::new();
        for pair in top {
            let id = pair[0].as_u64().unwrap() as usize;
            let logit = pair[1].as_f64().unwrap() as f32;
            worst = worst.max((llm.logits()[id] - logit).abs());
            line.push_str(&format!(" {id}: {:.4}/{logit:.4}", llm.logits()[id]));
        }
        let logits = llm.logits();
        let ours =
            (0..logits.len()).fold(0, |best, i| if logits[i] > logits[best] { i } else { best });
        eprintln!(
            "step {index}: ours {ours}, theirs {}; largest difference {worst:.5};{line}",
            top[0][0]
        );
        // Teacher-forced: the next step starts from llama.cpp's token.
        sink.clear();
        let mut all = prompt_ids.clone();
        all.extend_from_slice(&expected[..=index]);
        llm.greedy_ids(&all, 0, &mut sink).unwrap();
    }
}
