//! [`Llm`]: a loaded model, its tokenizer and one decoding stream, with greedy and
//! grammar-constrained generation and a prompt-prefix cache.
//!
//! The prefix cache: the key/value cache keeps the tokens of the last prompt and answer;
//! a new prompt reuses the longest run of tokens it shares with them from the start (the
//! fixed instructions of a checked use) and evaluates only the rest.
//!
//! After [`Llm::warm_up`], generation allocates nothing as long as the caller's output
//! string has room (every buffer is sized at load for the context).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::limits::{LLM_BATCH_TOKENS_MAX, LLM_CONTEXT_TOKENS_DEFAULT, LLM_PROMPT_BYTES_MAX};
use crate::nn::KernelKind;

use super::gguf::Gguf;
use super::model::{Model, State};
use super::pool::RowPool;
use super::tokenizer::{TokenId, Tokenizer};
use super::{Constraint, LlmError};

/// How to load a model.
#[derive(Clone, Debug)]
pub struct LlmOptions {
    /// Positions the key/value cache holds (prompt and answer).
    pub context: usize,
    /// Threads of the matrix products (the caller and `threads - 1` helpers).
    pub threads: usize,
    /// Force the portable kernels (to test the aarch64 path on x86).
    pub portable: bool,
    /// Run first on each product helper (the model's thread passes
    /// `worker::background_helper_start`: lowest priority, allocation role `Llm`).
    pub helper_start: Option<fn()>,
}

impl Default for LlmOptions {
    fn default() -> Self {
        LlmOptions {
            context: LLM_CONTEXT_TOKENS_DEFAULT,
            threads: 1,
            portable: false,
            helper_start: None,
        }
    }
}

/// Why generation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The model ended its answer (end of sequence or turn) where the constraint allowed.
    End,
    /// `max_tokens` were written.
    MaxTokens,
    /// The constraint allowed no token at all.
    NoAllowedToken,
    /// The context is full.
    ContextFull,
    /// The preemption flag was raised.
    Preempted,
}

/// What one generation did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Tokens of the prompt.
    pub prompt_tokens: usize,
    /// Of them, tokens reused from the cache (not evaluated).
    pub reused_tokens: usize,
    /// Tokens written.
    pub generated_tokens: usize,
    /// Seconds evaluating the prompt.
    pub prompt_seconds: f64,
    /// Seconds generating.
    pub decode_seconds: f64,
    pub stop: Stop,
}

/// How a model's chat turns are written: the checked uses build their prompts in the
/// layout of the model that answers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatFormat {
    /// ChatML (`<|im_start|>system …`): SmolLM2.
    ChatMl,
    /// Gemma's turns (`<start_of_turn>user …`, no system role): Gemma 3.
    Gemma,
}

impl ChatFormat {
    /// Writes one system and one user message into `out`, ready for the model's answer.
    pub fn write(self, system: &str, user: &str, out: &mut String) {
        match self {
            ChatFormat::ChatMl => Llm::chat_prompt(system, user, out),
            ChatFormat::Gemma => Llm::gemma_chat_prompt(system, user, out),
        }
    }

    /// One system and one user message as a new prompt.
    pub fn prompt(self, system: &str, user: &str) -> String {
        let mut out = String::with_capacity(system.len() + user.len() + 96);
        self.write(system, user, &mut out);
        out
    }
}

/// A loaded language model with one decoding stream.
#[derive(Debug)]
pub struct Llm {
    model: Model,
    tokenizer: Tokenizer,
    state: State,
    pool: RowPool,
    /// The tokens whose keys and values the cache holds, in order.
    cached: Vec<TokenId>,
    prompt: Vec<TokenId>,
    written: Vec<u8>,
    order: Vec<TokenId>,
}

impl Llm {
    /// Loads the GGUF model at `path` with the default options.
    pub fn load(path: &Path) -> Result<Self, LlmError> {
        Self::load_with(path, &LlmOptions::default())
    }

    /// Loads the GGUF model at `path`.
    pub fn load_with(path: &Path, options: &LlmOptions) -> Result<Self, LlmError> {
        let file = Gguf::open(path)?;
        let tokenizer = Tokenizer::from_gguf(&file)?;
        let mut model = Model::from_gguf(file)?;
        if options.portable {
            model.set_kernel(KernelKind::Portable);
        }
        if tokenizer.vocabulary_size() != model.config.vocabulary {
            return Err(model
                .file()
                .error("the tokenizer and the output differ in size"));
        }
        let state = State::new(&model, options.context)?;
        let pool = RowPool::new(options.threads, options.helper_start)
            .map_err(|_| LlmError::Unavailable("the product threads could not be started"))?;
        let vocabulary = model.config.vocabulary;
        Ok(Llm {
            model,
            tokenizer,
            state,
            pool,
            cached: Vec::with_capacity(options.context),
            prompt: Vec::with_capacity(options.context),
            written: Vec::with_capacity(options.context * 16),
            order: Vec::with_capacity(vocabulary),
        })
    }

    /// The model's shape and weights.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The tokenizer.
    pub fn tokenizer(&mut self) -> &mut Tokenizer {
        &mut self.tokenizer
    }

    /// Positions the cache holds.
    pub fn context(&self) -> usize {
        self.state.capacity
    }

    /// Bytes of the cache and scratch buffers (the weights are the file's size).
    pub fn state_bytes(&self) -> usize {
        self.state.bytes()
    }

    /// Writes a ChatML prompt (SmolLM2's chat template) for one system and one user
    /// message, ready for the assistant's answer.
    pub fn chat_prompt(system: &str, user: &str, out: &mut String) {
        out.clear();
        for (role, text) in [("system", system), ("user", user)] {
            out.push_str("<|im_start|>");
            out.push_str(role);
            out.push('\n');
            out.push_str(text);
            out.push_str("<|im_end|>\n");
        }
        out.push_str("<|im_start|>assistant\n");
    }

    /// The chat layout the loaded model was trained on (from its architecture).
    pub fn chat_format(&self) -> ChatFormat {
        match self.model.config.architecture {
            super::model::Architecture::Llama => ChatFormat::ChatMl,
            super::model::Architecture::Gemma3 => ChatFormat::Gemma,
        }
    }

    /// Writes a Gemma prompt (its chat template: no system role, so the system text opens
    /// the user's turn) for one system and one user message, ready for the model's answer.
    pub fn gemma_chat_prompt(system: &str, user: &str, out: &mut String) {
        out.clear();
        out.push_str("<start_of_turn>user\n");
        if !system.is_empty() {
            out.push_str(system);
            out.push_str("\n\n");
        }
        out.push_str(user);
        out.push_str("<end_of_turn>\n<start_of_turn>model\n");
    }

    /// Evaluates the prompt's tokens not already in the cache (the prefix cache), leaving
    /// the logits of its last token. Returns how many were reused.
    fn evaluate_prompt(
        &mut self,
        stop: &mut dyn FnMut() -> bool,
    ) -> Result<Option<usize>, LlmError> {
        if self.prompt.is_empty() {
            self.prompt.push(self.tokenizer.eos());
        }
        if self.prompt.len() >= self.state.capacity {
            return Err(LlmError::ContextFull {
                limit: self.state.capacity,
            });
        }
        let shared = self
            .cached
            .iter()
            .zip(&self.prompt)
            .take_while(|(a, b)| a == b)
            .count()
            .min(self.state.length);
        // At least the last prompt token is evaluated, for its logits.
        let reused = shared.min(self.prompt.len() - 1);
        self.state.truncate(reused);
        self.cached.truncate(reused);
        let mut at = reused;
        while at < self.prompt.len() {
            if stop() {
                return Ok(None);
            }
            let mut end = (at + LLM_BATCH_TOKENS_MAX).min(self.prompt.len());
            // Never leave a lone last token: llama.cpp runs a prompt as one batch, and a
            // batch sums attention in another order than a single token (model.rs).
            if self.prompt.len() - end == 1 && end - at > 2 {
                end -= 1;
            }
            self.model
                .forward(&self.prompt[at..end], &mut self.state, &mut self.pool)?;
            self.cached.extend_from_slice(&self.prompt[at..end]);
            at = end;
        }
        Ok(Some(reused))
    }

    /// Greedy decoding of `count` tokens after the token ids `prompt`, appended to `out`
    /// (every token, end-of-sequence included: the equivalence tests compare raw ids).
    pub fn greedy_ids(
        &mut self,
        prompt: &[TokenId],
        count: usize,
        out: &mut Vec<TokenId>,
    ) -> Result<(), LlmError> {
        self.prompt.clear();
        self.prompt.extend_from_slice(prompt);
        self.evaluate_prompt(&mut || false)?;
        for _ in 0..count {
            let token = argmax(&self.state.logits);
            out.push(token);
            self.step(token)?;
        }
        Ok(())
    }

    /// Empties the cache (the next prompt is evaluated whole).
    pub fn reset(&mut self) {
        self.state.truncate(0);
        self.cached.clear();
    }

    /// Greedy decoding of `count` more tokens after what the cache holds (after
    /// [`Llm::greedy_ids`]), appended to `out`.
    pub fn continue_greedy(
        &mut self,
        count: usize,
        out: &mut Vec<TokenId>,
    ) -> Result<(), LlmError> {
        for _ in 0..count {
            let token = argmax(&self.state.logits);
            out.push(token);
            self.step(token)?;
        }
        Ok(())
    }

    /// The logits of the last evaluated token.
    pub fn logits(&self) -> &[f32] {
        &self.state.logits
    }

    fn step(&mut self, token: TokenId) -> Result<(), LlmError> {
        if self.state.length >= self.state.capacity {
            return Err(LlmError::ContextFull {
                limit: self.state.capacity,
            });
        }
        self.model.forward(
            std::slice::from_ref(&token),
            &mut self.state,
            &mut self.pool,
        )?;
        self.cached.push(token);
        Ok(())
    }

    /// Generates an answer to `prompt` (special tokens such as `<|im_start|>` in it are
    /// parsed) under `constraint`, appending at most `max_tokens` tokens' text to `out`.
    pub fn generate(
        &mut self,
        prompt: &str,
        constraint: &dyn Constraint,
        max_tokens: usize,
        out: &mut String,
    ) -> Result<Stats, LlmError> {
        self.generate_preemptible(prompt, constraint, max_tokens, out, None)
    }

    /// [`Llm::generate`], stopping between tokens once `stop` is raised.
    pub fn generate_preemptible(
        &mut self,
        prompt: &str,
        constraint: &dyn Constraint,
        max_tokens: usize,
        out: &mut String,
        stop: Option<&AtomicBool>,
    ) -> Result<Stats, LlmError> {
        let mut check = || stop.is_some_and(|flag| flag.load(Ordering::Relaxed));
        self.generate_until(prompt, constraint, max_tokens, out, &mut check)
    }

    /// [`Llm::generate`], asking `stop` before each token (and each prompt batch) whether
    /// to stop there ([`Stop::Preempted`]; the model's thread checks the watchdog's knobs,
    /// a cancel and newer requests).
    pub fn generate_until(
        &mut self,
        prompt: &str,
        constraint: &dyn Constraint,
        max_tokens: usize,
        out: &mut String,
        stop: &mut dyn FnMut() -> bool,
    ) -> Result<Stats, LlmError> {
        if prompt.len() > LLM_PROMPT_BYTES_MAX {
            return Err(LlmError::PromptTooLong {
                bytes: prompt.len(),
                limit: LLM_PROMPT_BYTES_MAX,
            });
        }
        let started = Instant::now();
        self.prompt.clear();
        self.tokenizer.encode(prompt, true, true, &mut self.prompt);
        let mut stats = Stats {
            prompt_tokens: self.prompt.len(),
            reused_tokens: 0,
            generated_tokens: 0,
            prompt_seconds: 0.0,
            decode_seconds: 0.0,
            stop: Stop::MaxTokens,
        };
        match self.evaluate_prompt(stop)? {
            Some(reused) => stats.reused_tokens = reused,
            None => {
                stats.stop = Stop::Preempted;
                stats.prompt_seconds = started.elapsed().as_secs_f64();
                return Ok(stats);
            }
        }
        let decoding = Instant::now();
        stats.prompt_seconds = (decoding - started).as_secs_f64();
        self.written.clear();
        stats.stop = loop {
            if stats.generated_tokens >= max_tokens {
                break Stop::MaxTokens;
            }
            if stop() {
                break Stop::Preempted;
            }
            let Some(token) = self.choose(constraint) else {
                break Stop::NoAllowedToken;
            };
            if self.tokenizer.is_end(token) {
                break Stop::End;
            }
            self.written.extend_from_slice(self.tokenizer.piece(token));
            stats.generated_tokens += 1;
            if self.state.length >= self.state.capacity {
                break Stop::ContextFull;
            }
            self.step(token)?;
        };
        stats.decode_seconds = decoding.elapsed().as_secs_f64();
        match std::str::from_utf8(&self.written) {
            Ok(text) => out.push_str(text),
            Err(_) => out.push_str(&String::from_utf8_lossy(&self.written)),
        }
        Ok(stats)
    }

    /// The best token `constraint` allows after what was written: the end of the answer
    /// only when it is complete; never another control token.
    fn choose(&mut self, constraint: &dyn Constraint) -> Option<TokenId> {
        let allowed = |tokenizer: &Tokenizer, written: &[u8], token: TokenId| -> bool {
            if tokenizer.is_end(token) {
                constraint.complete(written)
            } else if tokenizer.is_control(token) {
                false
            } else {
                constraint.allows(written, tokenizer.piece(token))
            }
        };
        let best = argmax(&self.state.logits);
        if allowed(&self.tokenizer, &self.written, best) {
            return Some(best);
        }
        // Every candidate, best first (sorted in place: no allocation).
        self.order.clear();
        self.order.extend(0..self.state.logits.len() as TokenId);
        let logits = &self.state.logits;
        self.order.sort_unstable_by(|&a, &b| {
            logits[b as usize]
                .total_cmp(&logits[a as usize])
                .then(a.cmp(&b))
        });
        self.order
            .iter()
            .copied()
            .find(|&token| allowed(&self.tokenizer, &self.written, token))
    }

    /// Runs one short generation so every buffer reaches its working size.
    pub fn warm_up(&mut self) -> Result<(), LlmError> {
        let mut out = String::with_capacity(64);
        self.generate("Hello", &super::Unconstrained, 2, &mut out)?;
        Ok(())
    }
}

/// The index of the largest logit (the first on ties, as llama.cpp's greedy sampler).
pub fn argmax(logits: &[f32]) -> TokenId {
    let mut best = 0;
    for (index, &logit) in logits.iter().enumerate() {
        if logit > logits[best] {
            best = index;
        }
    }
    best as TokenId
}
