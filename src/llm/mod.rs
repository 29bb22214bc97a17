//! The small language model beside the recogniser (issue 16): a GGUF llama-family runtime on
//! tccc's own kernels, used only where its output can be checked.
//!
//! This file fixes the contract between the runtime (model loading, decoding) and its uses
//! (the second reader for what the rules missed, the handover paragraph): a use asks a
//! [`Generator`] for text under a [`Constraint`], and checks what comes back.

/// What the model may write next. Grammar-constrained decoding asks the constraint about the
/// candidate tokens, best first, and takes the first one it allows.
pub trait Constraint {
    /// Whether `piece` (one token's bytes) may follow `written` (the bytes written so far).
    fn allows(&self, written: &[u8], piece: &[u8]) -> bool;
    /// Whether `written` is a complete answer: only then may decoding stop at an
    /// end-of-sequence token.
    fn complete(&self, written: &[u8]) -> bool;
}

/// No constraint: any token may follow, any text is complete.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unconstrained;

impl Constraint for Unconstrained {
    fn allows(&self, _written: &[u8], _piece: &[u8]) -> bool {
        true
    }
    fn complete(&self, _written: &[u8]) -> bool {
        true
    }
}

pub mod gguf;
pub mod model;
pub mod pool;
pub mod quant;
mod runtime;
pub mod tokenizer;

pub use runtime::{ChatFormat, Llm, LlmOptions, Stats, Stop};
mod unicode_table;

use std::path::PathBuf;

use thiserror::Error;

/// What went wrong in the language-model runtime.
#[derive(Debug, Error)]
pub enum LlmError {
    /// The model file could not be opened or read.
    #[error("cannot open the language model {path}: {source}; run models/fetch or check the path")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The model file is malformed or inconsistent.
    #[error("the language model {path} is unusable: {problem}; fetch it again with models/fetch")]
    BadFile { path: PathBuf, problem: String },
    /// The model uses something this runtime does not implement.
    #[error("the language model {path} is not supported: {what}; use a llama or gemma3 GGUF with Q4_0, Q4_1, Q5_0, Q8_0, Q4_K, Q6_K, F16 or F32 tensors (re-quantize the file with llama.cpp's llama-quantize, e.g. to Q4_K_M)")]
    Unsupported { path: PathBuf, what: String },
    /// The prompt and answer do not fit the key/value cache.
    #[error("the language model's context of {limit} tokens is full; shorten the prompt or load with a longer context")]
    ContextFull { limit: usize },
    /// More tokens were handed to one forward pass than its buffers hold (a bug).
    #[error("{tokens} tokens in one forward pass, more than the {limit} its buffers hold")]
    BatchTooLong { tokens: usize, limit: usize },
    /// A token id outside the vocabulary.
    #[error("token {token} is not in the vocabulary")]
    BadToken { token: u32 },
    /// The prompt is longer than tccc hands the model.
    #[error("the prompt is {bytes} bytes, more than the {limit} allowed; shorten it")]
    PromptTooLong { bytes: usize, limit: usize },
    /// The model's thread is gone or its request ring is full.
    #[error("the language model is unavailable: {0}")]
    Unavailable(&'static str),
}

/// The fuzz entry (`fuzzing::gguf`): parses `data`, reads every key and tensor.
pub fn fuzz_gguf(data: &[u8]) {
    let Ok(file) = gguf::Gguf::from_bytes(std::path::Path::new("fuzz.gguf"), data.to_vec()) else {
        return;
    };
    for (key, _) in file.metadata() {
        let _ = file.u64(key);
        let _ = file.f32(key);
        let _ = file.str(key);
        let _ = file.integers(key);
        if let Ok(strings) = file.strings(key) {
            for _ in strings {}
        }
    }
    for tensor in file.tensors() {
        let _ = file.tensor_bytes(tensor).len();
    }
    if let Ok(mut tokenizer) = tokenizer::Tokenizer::from_gguf(&file) {
        let mut ids = Vec::new();
        tokenizer.encode("ab a<|im_end|> é 12", true, true, &mut ids);
        for id in ids {
            let _ = tokenizer.piece(id);
        }
    }
    if let Ok(model) = model::Model::from_gguf(file) {
        if let Ok(mut state) = model::State::new(&model, 4) {
            let mut pool = pool::RowPool::single();
            let _ = model.forward(&[0, 1], &mut state, &mut pool);
            let _ = model.forward(&[2], &mut state, &mut pool);
        }
    }
}

/// The default model: SmolLM2-135M-Instruct, Q4_1 (models/manifest.toml, `smollm2-135m`).
pub fn default_model_path() -> PathBuf {
    crate::nn::mapped_file::fetched_models_dir()
        .join("smollm2-135m")
        .join("SmolLM2-135M-Instruct.Q4_1.gguf")
}

/// Where `models/fetch gemma3-270m` puts the second, non-default model (Gemma 3 270M).
pub fn gemma3_model_path() -> PathBuf {
    crate::nn::mapped_file::fetched_models_dir()
        .join("gemma3-270m")
        .join("gemma-3-270m-q4_k_m.gguf")
}

pub mod checked;
pub mod handover;
pub mod reader;
pub mod reading;
pub mod worker;
