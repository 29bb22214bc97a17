//! The llama architecture (SmolLM2 and other llama-family GGUF files) on quantized weights
//! read in place from the file: RMSNorm, rotary positions (llama.cpp's "normal" mode:
//! adjacent pairs), grouped-query attention over a half-precision KV cache sized at load,
//! SwiGLU, tied or separate output. The arithmetic mirrors llama.cpp's CPU graph so that
//! greedy tokens match: activations quantized per block before each product
//! (`quant`), queries and attention weights rounded to half precision before their products
//! with the half-precision cache (ggml converts them so), sums of squares in f64.
//!
//! Everything is allocated in [`State::new`]; [`Model::forward`] allocates nothing.

use crate::limits::{LLM_BATCH_TOKENS_MAX, LLM_CONTEXT_TOKENS_MAX, LLM_VOCABULARY_MAX};
use crate::nn::ops::{f16_to_f32, f32_to_f16};
use crate::nn::KernelKind;

use super::gguf::{Gguf, TensorType};
use super::pool::RowPool;
use super::quant::{self, BlockQ8, Matrix, WeightFormat, BLOCK};
use super::tokenizer::TokenId;
use super::LlmError;

/// The architectures this runtime runs (GGUF `general.architecture`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Architecture {
    /// llama (SmolLM2): SwiGLU, rotary positions on adjacent pairs.
    Llama,
    /// gemma3 (Gemma 3 270M): the embedding scaled by `sqrt(width)`, norms before and
    /// after attention and the feed-forward network, RMS norms of each query and key head,
    /// GeGLU, rotary positions on half-width pairs ("neox"), the query scaled by
    /// `1/sqrt(head width)`, and a sliding window with its own rotary base on five layers
    /// of six.
    Gemma3,
}

/// The shape of a llama-family model.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub architecture: Architecture,
    pub dim: usize,
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
    pub vocabulary: usize,
    pub rope_base: f32,
    pub norm_epsilon: f32,
    /// The context length the model was trained for.
    pub trained_context: usize,
    /// Width of all query heads together (`heads * head_dim`; the width for llama).
    pub query_dim: usize,
    /// Positions a sliding-window layer sees (its own and the ones before); 0: none.
    pub sliding_window: usize,
    /// The rotary base of sliding-window layers.
    pub local_rope_base: f32,
    /// Whether layer `i` uses the sliding window: `i % period < period - 1`.
    pub sliding_period: usize,
}

impl Config {
    /// Whether `layer` attends through the sliding window (with the local rotary base).
    pub fn is_local(&self, layer: usize) -> bool {
        self.sliding_window > 0
            && self.sliding_period > 0
            && layer % self.sliding_period < self.sliding_period - 1
    }
}

#[derive(Debug)]
struct Layer {
    attention_norm: Vec<f32>,
    query: Matrix,
    key: Matrix,
    value: Matrix,
    output: Matrix,
    ffn_norm: Vec<f32>,
    gate: Matrix,
    up: Matrix,
    down: Matrix,
    /// Gemma 3's norms (empty for llama): of each query and key head, and after
    /// attention and the feed-forward network.
    query_norm: Vec<f32>,
    key_norm: Vec<f32>,
    post_attention_norm: Vec<f32>,
    post_ffn_norm: Vec<f32>,
}

/// The weights (pointing into the GGUF file) and shape.
#[derive(Debug)]
pub struct Model {
    file: Gguf,
    pub config: Config,
    embedding: Matrix,
    layers: Vec<Layer>,
    output_norm: Vec<f32>,
    output: Matrix,
    kernel: KernelKind,
}

/// The key/value cache and every scratch buffer of one decoding stream.
#[derive(Debug, Clone)]
pub struct State {
    /// `[layer][kv_head][position][head_dim]`: half-precision values (as llama.cpp's f16
    /// cache holds), kept as f32 so that reading them costs no conversion.
    keys: Vec<f32>,
    values: Vec<f32>,
    /// Positions held in the cache.
    pub length: usize,
    /// Positions the cache can hold.
    pub capacity: usize,
    x: Vec<f32>,
    normed: Vec<f32>,
    quantized: Vec<BlockQ8>,
    quantized_hidden: Vec<BlockQ8>,
    query: Vec<f32>,
    key: Vec<f32>,
    value: Vec<f32>,
    attended: Vec<f32>,
    projected: Vec<f32>,
    gate: Vec<f32>,
    up: Vec<f32>,
    query_half: Vec<f32>,
    scores: Vec<f32>,
    /// Gemma 3: the residual after attention; the rotary table of local layers.
    residual: Vec<f32>,
    rope_local: Vec<f32>,
    /// The lanes of the attention-weighted sums of values (64 per value dimension).
    lanes: Vec<f32>,
    rope: Vec<f32>,
    /// The logits of the last token of the last [`Model::forward`].
    pub logits: Vec<f32>,
}

fn matrix(file: &Gguf, name: &str, rows: usize, depth: usize) -> Result<Matrix, LlmError> {
    let tensor = file.tensor(name)?;
    let format = match tensor.kind {
        TensorType::Q4_0 => WeightFormat::Q4_0,
        TensorType::Q4_1 => WeightFormat::Q4_1,
        TensorType::Q5_0 => WeightFormat::Q5_0,
        TensorType::Q8_0 => WeightFormat::Q8_0,
        TensorType::Q4K => WeightFormat::Q4K,
        TensorType::Q6K => WeightFormat::Q6K,
        other => {
            return Err(LlmError::Unsupported {
                path: file.path().to_path_buf(),
                what: format!("tensor {name} is {other:?}"),
            })
        }
    };
    if tensor.dims != [depth as u64, rows as u64] {
        return Err(file.error(format!(
            "tensor {name} has shape {:?}, expected [{depth}, {rows}]",
            tensor.dims
        )));
    }
    if !depth.is_multiple_of(format.block_values()) {
        return Err(file.error(format!(
            "tensor {name} is {:?} but its depth {depth} is not whole blocks of {}",
            format,
            format.block_values()
        )));
    }
    let row_bytes = format.row_bytes(depth);
    // The reader checked the size against the type and shape; restate it here.
    if tensor.bytes.len() != row_bytes * rows {
        return Err(file.error(format!("tensor {name} has the wrong size")));
    }
    Ok(Matrix {
        format,
        rows,
        depth,
        bytes: tensor.bytes.clone(),
        row_bytes,
    })
}

fn vector(file: &Gguf, name: &str, length: usize) -> Result<Vec<f32>, LlmError> {
    let tensor = file.tensor(name)?;
    if tensor.dims != [length as u64] {
        return Err(file.error(format!(
            "tensor {name} has shape {:?}, expected [{length}]",
            tensor.dims
        )));
    }
    let bytes = file.tensor_bytes(tensor);
    match tensor.kind {
        TensorType::F32 => Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()),
        TensorType::F16 => Ok(bytes
            .chunks_exact(2)
            .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
            .collect()),
        other => Err(LlmError::Unsupported {
            path: file.path().to_path_buf(),
            what: format!("norm {name} is {other:?}"),
        }),
    }
}

fn size(file: &Gguf, key: &str, max: usize) -> Result<usize, LlmError> {
    let value = file.u64(key)?;
    if value == 0 || value > max as u64 {
        return Err(file.error(format!("{key} is {value} (1 to {max} allowed)")));
    }
    Ok(value as usize)
}

impl Model {
    /// Reads the shape and finds every weight of a llama-family model in `file`.
    pub fn from_gguf(file: Gguf) -> Result<Self, LlmError> {
        let architecture = file.str("general.architecture")?;
        if architecture == "gemma3" {
            return Self::gemma3_from_gguf(file);
        }
        if architecture != "llama" {
            return Err(LlmError::Unsupported {
                path: file.path().to_path_buf(),
                what: format!("architecture {architecture} (llama and gemma3 are)"),
            });
        }
        let dim = size(&file, "llama.embedding_length", 16_384)?;
        let heads = size(&file, "llama.attention.head_count", 256)?;
        let kv_heads = size(&file, "llama.attention.head_count_kv", 256)?;
        let hidden = size(&file, "llama.feed_forward_length", 65_536)?;
        let layers = size(&file, "llama.block_count", 256)?;
        let trained_context = size(&file, "llama.context_length", 1 << 24)?;
        let rope_base = match file.get("llama.rope.freq_base") {
            Some(_) => file.f32("llama.rope.freq_base")?,
            None => 10_000.0,
        };
        let norm_epsilon = file.f32("llama.attention.layer_norm_rms_epsilon")?;
        let vocabulary = file
            .get("tokenizer.ggml.tokens")
            .map(|_| {
                file.strings("tokenizer.ggml.tokens")
                    .map(|tokens| tokens.len())
            })
            .transpose()?
            .unwrap_or(0);
        if dim % heads != 0 || heads % kv_heads != 0 || dim % BLOCK != 0 || hidden % BLOCK != 0 {
            return Err(file.error(format!(
                "its shape (width {dim}, {heads} heads, {kv_heads} key/value heads, \
                 feed-forward {hidden}) is not one this runtime can split"
            )));
        }
        let head_dim = dim / heads;
        if head_dim % 2 != 0 || (kv_heads * head_dim) % BLOCK != 0 {
            return Err(file.error(format!("head width {head_dim} is not supported")));
        }
        if file.get("llama.rope.dimension_count").is_some() {
            let rope_dims = file.u64("llama.rope.dimension_count")?;
            if rope_dims != head_dim as u64 {
                return Err(LlmError::Unsupported {
                    path: file.path().to_path_buf(),
                    what: format!(
                        "rotary width {rope_dims} differs from the head width {head_dim}"
                    ),
                });
            }
        }
        if vocabulary == 0 || vocabulary > LLM_VOCABULARY_MAX {
            return Err(file.error(format!(
                "its vocabulary has {vocabulary} tokens (1 to {LLM_VOCABULARY_MAX} allowed)"
            )));
        }
        let config = Config {
            architecture: Architecture::Llama,
            query_dim: dim,
            sliding_window: 0,
            local_rope_base: rope_base,
            sliding_period: 0,
            dim,
            hidden,
            layers,
            heads,
            kv_heads,
            head_dim,
            vocabulary,
            rope_base,
            norm_epsilon,
            trained_context,
        };
        Self::with_weights(file, config)
    }

    /// Reads a Gemma 3 file (`general.architecture = gemma3`): the shape under `gemma3.*`,
    /// the extra norms, and the sliding-window pattern llama.cpp assumes for it (five local
    /// layers, then one global; window from `gemma3.attention.sliding_window`, local
    /// rotary base 10 000 unless `gemma3.rope.freq_base_swa` says otherwise). The norm
    /// weights are used as stored: llama.cpp's converter already added Gemma's 1.
    fn gemma3_from_gguf(file: Gguf) -> Result<Self, LlmError> {
        // GeGLU's table, built here so that the model's thread never allocates it.
        quant::prepare_gelu();
        let dim = size(&file, "gemma3.embedding_length", 16_384)?;
        let heads = size(&file, "gemma3.attention.head_count", 256)?;
        let kv_heads = size(&file, "gemma3.attention.head_count_kv", 256)?;
        let hidden = size(&file, "gemma3.feed_forward_length", 65_536)?;
        let layers = size(&file, "gemma3.block_count", 256)?;
        let trained_context = size(&file, "gemma3.context_length", 1 << 24)?;
        let head_dim = size(&file, "gemma3.attention.key_length", 1_024)?;
        let value_dim = size(&file, "gemma3.attention.value_length", 1_024)?;
        let optional_f32 = |key: &str, default: f32| match file.get(key) {
            Some(_) => file.f32(key),
            None => Ok(default),
        };
        let rope_base = optional_f32("gemma3.rope.freq_base", 10_000.0)?;
        let local_rope_base = optional_f32("gemma3.rope.freq_base_swa", 10_000.0)?;
        let norm_epsilon = file.f32("gemma3.attention.layer_norm_rms_epsilon")?;
        let sliding_window = match file.get("gemma3.attention.sliding_window") {
            Some(_) => size(&file, "gemma3.attention.sliding_window", 1 << 24)?,
            None => 0,
        };
        let sliding_period = match file.get("gemma3.attention.sliding_window_pattern") {
            Some(_) => size(&file, "gemma3.attention.sliding_window_pattern", 256)?,
            None => 6,
        };
        for key in ["gemma3.rope.scaling.type", "gemma3.final_logit_softcapping"] {
            if file.get(key).is_some() {
                return Err(LlmError::Unsupported {
                    path: file.path().to_path_buf(),
                    what: format!("{key} is set (this runtime implements neither)"),
                });
            }
        }
        let vocabulary = file.strings("tokenizer.ggml.tokens")?.len();
        if vocabulary == 0 || vocabulary > LLM_VOCABULARY_MAX {
            return Err(file.error(format!(
                "its vocabulary has {vocabulary} tokens (1 to {LLM_VOCABULARY_MAX} allowed)"
            )));
        }
        let query_dim = heads * head_dim;
        if value_dim != head_dim
            || heads % kv_heads != 0
            || head_dim % 2 != 0
            || dim % BLOCK != 0
            || hidden % BLOCK != 0
            || query_dim % BLOCK != 0
            || (kv_heads * head_dim) % BLOCK != 0
        {
            return Err(file.error(format!(
                "its shape (width {dim}, {heads} heads of {head_dim} (values {value_dim}), \
                 {kv_heads} key/value heads, feed-forward {hidden}) is not one this runtime \
                 can split"
            )));
        }
        let config = Config {
            architecture: Architecture::Gemma3,
            dim,
            hidden,
            layers,
            heads,
            kv_heads,
            head_dim,
            vocabulary,
            rope_base,
            norm_epsilon,
            trained_context,
            query_dim,
            sliding_window,
            local_rope_base,
            sliding_period,
        };
        Self::with_weights(file, config)
    }

    /// Finds every weight `config` calls for in `file`: the embedding (also the output
    /// projection when the file has none), each layer's, and Gemma 3's extra norms.
    fn with_weights(file: Gguf, config: Config) -> Result<Self, LlmError> {
        let Config {
            dim,
            hidden,
            layers,
            kv_heads,
            head_dim,
            vocabulary,
            query_dim,
            ..
        } = config;
        let gemma = config.architecture == Architecture::Gemma3;
        let kv_dim = kv_heads * head_dim;
        let embedding = matrix(&file, "token_embd.weight", vocabulary, dim)?;
        let output = if file.tensor("output.weight").is_ok() {
            matrix(&file, "output.weight", vocabulary, dim)?
        } else {
            embedding.clone()
        };
        let mut blocks = Vec::with_capacity(layers);
        for layer in 0..layers {
            let name = |part: &str| format!("blk.{layer}.{part}.weight");
            let gemma_norm = |part: &str, length: usize| {
                if gemma {
                    vector(&file, &name(part), length)
                } else {
                    Ok(Vec::new())
                }
            };
            blocks.push(Layer {
                attention_norm: vector(&file, &name("attn_norm"), dim)?,
                query: matrix(&file, &name("attn_q"), query_dim, dim)?,
                key: matrix(&file, &name("attn_k"), kv_dim, dim)?,
                value: matrix(&file, &name("attn_v"), kv_dim, dim)?,
                output: matrix(&file, &name("attn_output"), dim, query_dim)?,
                ffn_norm: vector(&file, &name("ffn_norm"), dim)?,
                gate: matrix(&file, &name("ffn_gate"), hidden, dim)?,
                up: matrix(&file, &name("ffn_up"), hidden, dim)?,
                down: matrix(&file, &name("ffn_down"), dim, hidden)?,
                query_norm: gemma_norm("attn_q_norm", head_dim)?,
                key_norm: gemma_norm("attn_k_norm", head_dim)?,
                post_attention_norm: gemma_norm("post_attention_norm", dim)?,
                post_ffn_norm: gemma_norm("post_ffw_norm", dim)?,
            });
        }
        let output_norm = vector(&file, "output_norm.weight", dim)?;
        Ok(Model {
            config,
            embedding,
            layers: blocks,
            output_norm,
            output,
            kernel: KernelKind::detect(),
            file,
        })
    }

    /// The GGUF file the weights live in.
    pub fn file(&self) -> &Gguf {
        &self.file
    }

    /// Uses the portable kernels (tests of the aarch64 path on x86).
    pub fn set_kernel(&mut self, kernel: KernelKind) {
        self.kernel = kernel;
    }

    /// Bytes of the weights (the file's size).
    pub fn weight_bytes(&self) -> usize {
        self.file.bytes().len()
    }

    /// Runs `tokens` (at most [`LLM_BATCH_TOKENS_MAX`]) at the next positions of `state`,
    /// leaving the last token's logits in `state.logits`.
    pub fn forward(
        &self,
        tokens: &[TokenId],
        state: &mut State,
        pool: &mut RowPool,
    ) -> Result<(), LlmError> {
        let c = &self.config;
        let count = tokens.len();
        if count == 0 {
            return Ok(());
        }
        if count > LLM_BATCH_TOKENS_MAX {
            return Err(LlmError::BatchTooLong {
                tokens: count,
                limit: LLM_BATCH_TOKENS_MAX,
            });
        }
        if state.length + count > state.capacity {
            return Err(LlmError::ContextFull {
                limit: state.capacity,
            });
        }
        if c.architecture == Architecture::Gemma3 {
            return self.forward_gemma3(tokens, state, pool);
        }
        let bytes = self.file.bytes();
        let (dim, kv_dim, hidden, head_dim) =
            (c.dim, c.kv_heads * c.head_dim, c.hidden, c.head_dim);
        for (t, &token) in tokens.iter().enumerate() {
            if token as usize >= c.vocabulary {
                return Err(LlmError::BadToken { token });
            }
            quant::dequantize_row(
                self.embedding.format,
                self.embedding.row(bytes, token as usize),
                &mut state.x[t * dim..(t + 1) * dim],
            );
        }
        let start = state.length;
        self.rope_table(self.config.rope_base, start, count, &mut state.rope);
        for (index, layer) in self.layers.iter().enumerate() {
            rms_norm(
                &state.x[..count * dim],
                &layer.attention_norm,
                c.norm_epsilon,
                &mut state.normed[..count * dim],
            );
            quantize_rows(
                &state.normed[..count * dim],
                dim,
                &mut state.quantized,
                count,
            );
            let blocks = dim / BLOCK;
            pool.product(
                self.kernel,
                bytes,
                &layer.query,
                &state.quantized,
                blocks,
                count,
                &mut state.query,
            );
            pool.product(
                self.kernel,
                bytes,
                &layer.key,
                &state.quantized,
                blocks,
                count,
                &mut state.key,
            );
            pool.product(
                self.kernel,
                bytes,
                &layer.value,
                &state.quantized,
                blocks,
                count,
                &mut state.value,
            );
            for t in 0..count {
                let rope = &state.rope[t * head_dim..(t + 1) * head_dim];
                for head in state.query[t * dim..(t + 1) * dim].chunks_exact_mut(head_dim) {
                    quant::rope(self.kernel, head, rope);
                }
                for head in state.key[t * kv_dim..(t + 1) * kv_dim].chunks_exact_mut(head_dim) {
                    quant::rope(self.kernel, head, rope);
                }
                // Store this position's keys and values (half precision).
                let position = start + t;
                for kv_head in 0..c.kv_heads {
                    let at =
                        ((index * c.kv_heads + kv_head) * state.capacity + position) * head_dim;
                    let from = t * kv_dim + kv_head * head_dim;
                    for d in 0..head_dim {
                        state.keys[at + d] = round_to_half(state.key[from + d]);
                        state.values[at + d] = round_to_half(state.value[from + d]);
                    }
                }
            }
            self.attention(index, start, count, state);
            quantize_rows(
                &state.attended[..count * dim],
                dim,
                &mut state.quantized,
                count,
            );
            pool.product(
                self.kernel,
                bytes,
                &layer.output,
                &state.quantized,
                blocks,
                count,
                &mut state.projected,
            );
            for (x, add) in state.x[..count * dim]
                .iter_mut()
                .zip(&state.projected[..count * dim])
            {
                *x += add;
            }
            rms_norm(
                &state.x[..count * dim],
                &layer.ffn_norm,
                c.norm_epsilon,
                &mut state.normed[..count * dim],
            );
            quantize_rows(
                &state.normed[..count * dim],
                dim,
                &mut state.quantized,
                count,
            );
            pool.product(
                self.kernel,
                bytes,
                &layer.gate,
                &state.quantized,
                blocks,
                count,
                &mut state.gate,
            );
            pool.product(
                self.kernel,
                bytes,
                &layer.up,
                &state.quantized,
                blocks,
                count,
                &mut state.up,
            );
            quant::silu_mul(
                self.kernel,
                &mut state.gate[..count * hidden],
                &state.up[..count * hidden],
            );
            quantize_rows(
                &state.gate[..count * hidden],
                hidden,
                &mut state.quantized_hidden,
                count,
            );
            pool.product(
                self.kernel,
                bytes,
                &layer.down,
                &state.quantized_hidden,
                hidden / BLOCK,
                count,
                &mut state.projected,
            );
            for (x, add) in state.x[..count * dim]
                .iter_mut()
                .zip(&state.projected[..count * dim])
            {
                *x += add;
            }
        }
        state.length += count;
        // Logits of the last token only.
        let last = &state.x[(count - 1) * dim..count * dim];
        rms_norm(
            last,
            &self.output_norm,
            c.norm_epsilon,
            &mut state.normed[..dim],
        );
        quantize_rows(&state.normed[..dim], dim, &mut state.quantized, 1);
        pool.product(
            self.kernel,
            bytes,
            &self.output,
            &state.quantized,
            dim / BLOCK,
            1,
            &mut state.logits,
        );
        Ok(())
    }

    /// [`Model::forward`] for Gemma 3 (llama.cpp's `llm_build_gemma3_iswa` graph).
    fn forward_gemma3(
        &self,
        tokens: &[TokenId],
        state: &mut State,
        pool: &mut RowPool,
    ) -> Result<(), LlmError> {
        let c = &self.config;
        let count = tokens.len();
        let bytes = self.file.bytes();
        let (dim, query_dim, kv_dim, hidden, head_dim) = (
            c.dim,
            c.query_dim,
            c.kv_heads * c.head_dim,
            c.hidden,
            c.head_dim,
        );
        let embedding_scale = (dim as f32).sqrt();
        for (t, &token) in tokens.iter().enumerate() {
            if token as usize >= c.vocabulary {
                return Err(LlmError::BadToken { token });
            }
            let x = &mut state.x[t * dim..(t + 1) * dim];
            quant::dequantize_row(
                self.embedding.format,
                self.embedding.row(bytes, token as usize),
                x,
            );
            for value in x.iter_mut() {
                *value *= embedding_scale;
            }
        }
        let start = state.length;
        self.rope_table(c.rope_base, start, count, &mut state.rope);
        self.rope_table(c.local_rope_base, start, count, &mut state.rope_local);
        // llama.cpp's f_attention_scale for every size but 27B.
        let query_scale = 1.0 / (head_dim as f32).sqrt();
        for (index, layer) in self.layers.iter().enumerate() {
            rms_norm(
                &state.x[..count * dim],
                &layer.attention_norm,
                c.norm_epsilon,
                &mut state.normed[..count * dim],
            );
            for (matrix, out) in [
                (&layer.query, &mut state.query),
                (&layer.key, &mut state.key),
                (&layer.value, &mut state.value),
            ] {
                project(
                    self.kernel,
                    pool,
                    bytes,
                    matrix,
                    &state.normed[..count * dim],
                    count,
                    &mut state.quantized,
                    out,
                );
            }
            let rope = if c.is_local(index) {
                &state.rope_local
            } else {
                &state.rope
            };
            for t in 0..count {
                let table = &rope[t * head_dim..(t + 1) * head_dim];
                let query = &mut state.query[t * query_dim..(t + 1) * query_dim];
                for head in query.chunks_exact_mut(head_dim) {
                    rms_norm_in_place(head, &layer.query_norm, c.norm_epsilon);
                    quant::rope_neox(self.kernel, head, table);
                    for value in head.iter_mut() {
                        *value *= query_scale;
                    }
                }
                let key = &mut state.key[t * kv_dim..(t + 1) * kv_dim];
                for head in key.chunks_exact_mut(head_dim) {
                    rms_norm_in_place(head, &layer.key_norm, c.norm_epsilon);
                    quant::rope_neox(self.kernel, head, table);
                }
                let position = start + t;
                for kv_head in 0..c.kv_heads {
                    let at =
                        ((index * c.kv_heads + kv_head) * state.capacity + position) * head_dim;
                    let from = t * kv_dim + kv_head * head_dim;
                    for d in 0..head_dim {
                        state.keys[at + d] = round_to_half(state.key[from + d]);
                        state.values[at + d] = round_to_half(state.value[from + d]);
                    }
                }
            }
            self.attention(index, start, count, state);
            project(
                self.kernel,
                pool,
                bytes,
                &layer.output,
                &state.attended[..count * query_dim],
                count,
                &mut state.quantized,
                &mut state.projected,
            );
            rms_norm(
                &state.projected[..count * dim],
                &layer.post_attention_norm,
                c.norm_epsilon,
                &mut state.normed[..count * dim],
            );
            for ((residual, &x), &add) in state.residual[..count * dim]
                .iter_mut()
                .zip(&state.x[..count * dim])
                .zip(&state.normed[..count * dim])
            {
                *residual = add + x;
            }
            rms_norm(
                &state.residual[..count * dim],
                &layer.ffn_norm,
                c.norm_epsilon,
                &mut state.normed[..count * dim],
            );
            for (matrix, out) in [(&layer.gate, &mut state.gate), (&layer.up, &mut state.up)] {
                project(
                    self.kernel,
                    pool,
                    bytes,
                    matrix,
                    &state.normed[..count * dim],
                    count,
                    &mut state.quantized,
                    out,
                );
            }
            quant::gelu_mul(
                &mut state.gate[..count * hidden],
                &state.up[..count * hidden],
            );
            project(
                self.kernel,
                pool,
                bytes,
                &layer.down,
                &state.gate[..count * hidden],
                count,
                &mut state.quantized_hidden,
                &mut state.projected,
            );
            rms_norm(
                &state.projected[..count * dim],
                &layer.post_ffn_norm,
                c.norm_epsilon,
                &mut state.normed[..count * dim],
            );
            for ((x, &add), &residual) in state.x[..count * dim]
                .iter_mut()
                .zip(&state.normed[..count * dim])
                .zip(&state.residual[..count * dim])
            {
                *x = add + residual;
            }
        }
        state.length += count;
        let last = &state.x[(count - 1) * dim..count * dim];
        rms_norm(
            last,
            &self.output_norm,
            c.norm_epsilon,
            &mut state.normed[..dim],
        );
        project(
            self.kernel,
            pool,
            bytes,
            &self.output,
            &state.normed[..dim],
            1,
            &mut state.quantized,
            &mut state.logits,
        );
        Ok(())
    }

    /// cos/sin of each rotary pair for positions `start..start + count`, as ggml computes
    /// them (the angle multiplied by `base^(-2/n)` pair after pair, in f32).
    fn rope_table(&self, base: f32, start: usize, count: usize, out: &mut [f32]) {
        let head_dim = self.config.head_dim;
        let scale = base.powf(-2.0 / head_dim as f32);
        for t in 0..count {
            let mut theta = (start + t) as f32;
            for pair in out[t * head_dim..(t + 1) * head_dim].chunks_exact_mut(2) {
                pair[0] = theta.cos();
                pair[1] = theta.sin();
                theta *= scale;
            }
        }
    }

    fn attention(&self, layer: usize, start: usize, count: usize, state: &mut State) {
        let c = &self.config;
        let (dim, head_dim) = (c.query_dim, c.head_dim);
        let group = c.heads / c.kv_heads;
        // Gemma's queries were scaled before (llama.cpp scales them, then uses 1 here).
        let scale = match c.architecture {
            Architecture::Llama => 1.0 / (head_dim as f32).sqrt(),
            Architecture::Gemma3 => 1.0,
        };
        let window = if c.is_local(layer) {
            c.sliding_window
        } else {
            usize::MAX
        };
        // ggml sums these products in one order for a batch (llamafile's kernels) and in
        // another for a single token (its vector dot product).
        let batch = count > 1;
        for t in 0..count {
            let visible = start + t + 1;
            for head in 0..c.heads {
                let kv_head = head / group;
                let base = (layer * c.kv_heads + kv_head) * state.capacity * head_dim;
                let query =
                    &state.query[t * dim + head * head_dim..t * dim + (head + 1) * head_dim];
                // ggml converts the query to half precision for its product with the cache.
                for (half, &q) in state.query_half.iter_mut().zip(query) {
                    *half = round_to_half(q);
                }
                let scores = &mut state.scores[..visible];
                for (position, score) in scores.iter_mut().enumerate() {
                    let key =
                        &state.keys[base + position * head_dim..base + (position + 1) * head_dim];
                    let sum = quant::lane_dot(self.kernel, batch, &state.query_half, key);
                    *score = sum * scale;
                }
                // Keys outside the sliding window are masked as llama.cpp masks them.
                let seen = visible.saturating_sub(window);
                for score in &mut scores[..seen] {
                    *score = f32::NEG_INFINITY;
                }
                let max = scores.iter().fold(f32::NEG_INFINITY, |max, &s| max.max(s));
                let total = quant::softmax_exp(self.kernel, scores, max);
                let inverse = (1.0 / total) as f32;
                for score in scores.iter_mut() {
                    // Then rounded to half, as ggml converts them for the product with V.
                    *score = round_to_half(*score * inverse);
                }
                let out =
                    &mut state.attended[t * dim + head * head_dim..t * dim + (head + 1) * head_dim];
                quant::lane_weighted_sum(
                    self.kernel,
                    batch,
                    scores,
                    &state.values[base..base + visible * head_dim],
                    &mut state.lanes,
                    out,
                );
            }
        }
    }
}

/// The sum of `count` products of half-precision values (exact in f32) in the order ggml's
/// AVX-512 build adds them: for a batch, 16 lanes (index mod 16) each summed in order, then
/// reduced; for one token, 4 x 16 lanes (index mod 64), folded pairwise, then reduced.
/// The reference the vectorised `quant::lane_dot` and `quant::lane_weighted_sum` are
/// tested against.
#[cfg(test)]
fn half_product_sum(batch: bool, count: usize, product: impl Fn(usize) -> f32) -> f32 {
    if batch {
        let mut lanes = [0.0f32; 16];
        for index in 0..count {
            lanes[index % 16] += product(index);
        }
        quant::reduce_16(&lanes)
    } else {
        let mut lanes = [[0.0f32; 16]; 4];
        for index in 0..count {
            lanes[(index % 64) / 16][index % 16] += product(index);
        }
        let mut folded = [0.0f32; 16];
        for (lane, slot) in folded.iter_mut().enumerate() {
            let low = lanes[0][lane] + lanes[2][lane];
            let high = lanes[1][lane] + lanes[3][lane];
            *slot = low + high;
        }
        quant::reduce_16(&folded)
    }
}

/// `value` rounded to the nearest half-precision value (ties to even), as f32.
fn round_to_half(value: f32) -> f32 {
    f16_to_f32(f32_to_f16(value))
}

fn rms_norm(x: &[f32], weight: &[f32], epsilon: f32, out: &mut [f32]) {
    let width = weight.len();
    for (row, out_row) in x.chunks_exact(width).zip(out.chunks_exact_mut(width)) {
        let sum: f64 = row.iter().map(|&v| f64::from(v * v)).sum();
        let mean = (sum / width as f64) as f32;
        let scale = 1.0 / (mean + epsilon).sqrt();
        for ((o, &v), &w) in out_row.iter_mut().zip(row).zip(weight) {
            *o = v * scale * w;
        }
    }
}

/// RMS norm of one head in place (Gemma's query and key norms), as [`rms_norm`].
fn rms_norm_in_place(x: &mut [f32], weight: &[f32], epsilon: f32) {
    let sum: f64 = x.iter().map(|&v| f64::from(v * v)).sum();
    let mean = (sum / x.len() as f64) as f32;
    let scale = 1.0 / (mean + epsilon).sqrt();
    for (v, &w) in x.iter_mut().zip(weight) {
        *v = *v * scale * w;
    }
}

/// `out[t] = matrix · x[t]` for `count` rows of `x` (each `matrix.depth` wide), the
/// activations quantized as ggml quantizes them for the matrix's format.
#[allow(clippy::too_many_arguments)]
fn project(
    kernel: KernelKind,
    pool: &mut RowPool,
    bytes: &[u8],
    matrix: &Matrix,
    x: &[f32],
    count: usize,
    quantized: &mut [BlockQ8],
    out: &mut [f32],
) {
    let blocks = matrix.depth / BLOCK;
    for row in 0..count {
        quant::quantize_for(
            matrix.format,
            &x[row * matrix.depth..(row + 1) * matrix.depth],
            &mut quantized[row * blocks..(row + 1) * blocks],
        );
    }
    pool.product(kernel, bytes, matrix, quantized, blocks, count, out);
}

fn quantize_rows(x: &[f32], width: usize, out: &mut [BlockQ8], rows: usize) {
    let blocks = width / BLOCK;
    for row in 0..rows {
        quant::quantize(
            &x[row * width..(row + 1) * width],
            &mut out[row * blocks..(row + 1) * blocks],
        );
    }
}

impl State {
    /// A state for `model` holding up to `capacity` positions (at most
    /// [`LLM_CONTEXT_TOKENS_MAX`]).
    pub fn new(model: &Model, capacity: usize) -> Result<Self, LlmError> {
        if capacity == 0 || capacity > LLM_CONTEXT_TOKENS_MAX {
            return Err(LlmError::ContextFull {
                limit: LLM_CONTEXT_TOKENS_MAX,
            });
        }
        let c = &model.config;
        let batch = LLM_BATCH_TOKENS_MAX;
        let kv = c.layers * c.kv_heads * capacity * c.head_dim;
        let kv_dim = c.kv_heads * c.head_dim;
        let gemma = c.architecture == Architecture::Gemma3;
        let wide = c.dim.max(c.query_dim);
        Ok(State {
            keys: vec![0.0; kv],
            values: vec![0.0; kv],
            length: 0,
            capacity,
            x: vec![0.0; batch * c.dim],
            normed: vec![0.0; batch * c.dim],
            quantized: vec![BlockQ8::default(); batch * wide / BLOCK],
            quantized_hidden: vec![BlockQ8::default(); batch * c.hidden / BLOCK],
            query: vec![0.0; batch * c.query_dim],
            key: vec![0.0; batch * kv_dim],
            value: vec![0.0; batch * kv_dim],
            attended: vec![0.0; batch * c.query_dim],
            projected: vec![0.0; batch * c.dim],
            gate: vec![0.0; batch * c.hidden],
            up: vec![0.0; batch * c.hidden],
            query_half: vec![0.0; c.head_dim],
            lanes: vec![0.0; 64 * c.head_dim],
            scores: vec![0.0; capacity],
            rope: vec![0.0; batch * c.head_dim],
            residual: if gemma {
                vec![0.0; batch * c.dim]
            } else {
                Vec::new()
            },
            rope_local: if gemma {
                vec![0.0; batch * c.head_dim]
            } else {
                Vec::new()
            },
            logits: vec![0.0; c.vocabulary],
        })
    }

    /// Forgets every position after the first `length` (a prefix kept in the cache).
    pub fn truncate(&mut self, length: usize) {
        self.length = self.length.min(length);
    }

    /// Copies `other`'s cache (same model and capacity) up to its length: a prefix snapshot
    /// restored without allocating.
    pub fn restore_from(&mut self, other: &State) {
        self.keys.copy_from_slice(&other.keys);
        self.values.copy_from_slice(&other.values);
        self.length = other.length;
    }

    /// Bytes of the cache and scratch buffers.
    pub fn bytes(&self) -> usize {
        (self.keys.len() + self.values.len()) * 4
            + (self.x.len() * 9 + self.gate.len() * 2 + self.logits.len()) * 4
            + (self.quantized.len() + self.quantized_hidden.len()) * std::mem::size_of::<BlockQ8>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectorised_attention_sums_equal_the_reference_order_bit_for_bit() {
        let width = 64;
        let mut state = 99u32;
        let mut next = move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            round_to_half(((state >> 8) as f32 / 16_777_216.0 - 0.5) * 8.0)
        };
        for kind in [KernelKind::Portable, KernelKind::detect()] {
            for batch in [true, false] {
                for count in [1, 15, 16, 63, 64, 65, 130, 200] {
                    let weights: Vec<f32> = (0..count).map(|_| next()).collect();
                    let values: Vec<f32> = (0..count * width).map(|_| next()).collect();
                    let mut lanes = vec![0.0; 64 * width];
                    let mut out = vec![0.0; width];
                    quant::lane_weighted_sum(kind, batch, &weights, &values, &mut lanes, &mut out);
                    for (d, &o) in out.iter().enumerate() {
                        let expected =
                            half_product_sum(batch, count, |p| weights[p] * values[p * width + d]);
                        assert_eq!(o.to_bits(), expected.to_bits(), "{kind:?} {batch} {count}");
                    }
                    let key = &values[..count];
                    let dot = quant::lane_dot(kind, batch, &weights, key);
                    let expected = half_product_sum(batch, count, |i| weights[i] * key[i]);
                    assert_eq!(
                        dot.to_bits(),
                        expected.to_bits(),
                        "{kind:?} {batch} {count}"
                    );
                }
            }
        }
    }
}
