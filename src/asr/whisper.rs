//! Whisper's encoder and decoder on the `nn` kernels, with every activation buffer reserved at
//! load for the 30 s window and the full token budget.

use std::path::Path;

use super::ct2::Ct2Model;
use super::safetensors::HfWhisper;
use super::weights::WeightSource;
use super::AsrError;
use crate::limits::{
    ASR_DECODE_TOKENS_MAX, ASR_ENCODER_FRAMES_MAX, ASR_MEL_BINS_MAX, ASR_MODEL_WIDTH_MAX,
    ASR_PROMPT_TOKENS_MAX,
};
use crate::nn::{Backend, PackedMatrix};

/// Width of one attention head in every Whisper size.
const HEAD_WIDTH: usize = 64;
/// Conv kernel width of the encoder's two convolutions.
const CONV_TAPS: usize = 3;

/// The shape of a Whisper model, read from its weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WhisperDims {
    pub mel_bins: usize,
    pub width: usize,
    pub heads: usize,
    pub ffn_width: usize,
    pub encoder_layers: usize,
    pub decoder_layers: usize,
    /// Encoder positions (1500 for 30 s).
    pub audio_positions: usize,
    /// Decoder positions (448).
    pub text_positions: usize,
    pub vocabulary: usize,
}

struct Linear {
    weights: PackedMatrix,
    bias: Option<Vec<f32>>,
}

struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

struct EncoderLayer {
    attention_norm: Norm,
    qkv: Linear,
    attention_out: Linear,
    ffn_norm: Norm,
    ffn_in: Linear,
    ffn_out: Linear,
}

struct DecoderLayer {
    self_norm: Norm,
    self_qkv: Linear,
    self_out: Linear,
    cross_norm: Norm,
    cross_query: Linear,
    cross_key_value: Linear,
    cross_out: Linear,
    ffn_norm: Norm,
    ffn_in: Linear,
    ffn_out: Linear,
}

/// Whisper's weights, converted to float32 and packed for the microkernels.
pub struct WhisperWeights {
    pub dims: WhisperDims,
    conv1: Linear,
    conv2: Linear,
    encoder_positions: Vec<f32>,
    encoder_layers: Vec<EncoderLayer>,
    encoder_norm: Norm,
    embedding: PackedMatrix,
    decoder_positions: Vec<f32>,
    decoder_layers: Vec<DecoderLayer>,
    decoder_norm: Norm,
}

impl std::fmt::Debug for WhisperWeights {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "WhisperWeights({:?})", self.dims)
    }
}

struct Loader<'a> {
    model: &'a dyn WeightSource,
}

impl Loader<'_> {
    fn norm(&self, prefix: &str, width: usize) -> Result<Norm, AsrError> {
        Ok(Norm {
            gamma: self.model.tensor(&format!("{prefix}/gamma"), &[width])?,
            beta: self.model.tensor(&format!("{prefix}/beta"), &[width])?,
        })
    }

    fn linear(
        &self,
        prefix: &str,
        rows: usize,
        depth: usize,
        bias: bool,
    ) -> Result<Linear, AsrError> {
        self.linear_stored(prefix, rows, depth, bias, false)
    }

    /// A decoder product: kept as half floats when the model stores float16, since the
    /// decoder's one-token products are bound by reading the weights.
    fn decoder_linear(
        &self,
        prefix: &str,
        rows: usize,
        depth: usize,
        bias: bool,
    ) -> Result<Linear, AsrError> {
        self.linear_stored(prefix, rows, depth, bias, true)
    }

    fn linear_stored(
        &self,
        prefix: &str,
        rows: usize,
        depth: usize,
        bias: bool,
        half_if_float16: bool,
    ) -> Result<Linear, AsrError> {
        let weight_name = format!("{prefix}/weight");
        let bias_name = format!("{prefix}/bias");
        let bias = if bias || self.model.has(&bias_name) {
            Some(self.model.tensor(&bias_name, &[rows])?)
        } else {
            None
        };
        let half = if half_if_float16 {
            self.model.half_matrix(&weight_name, rows, depth)?
        } else {
            None
        };
        let weights = match half {
            Some(matrix) => matrix,
            None => {
                let values = self.model.tensor(&weight_name, &[rows, depth])?;
                PackedMatrix::from_row_major(&values, rows, depth)
            }
        };
        Ok(Linear { weights, bias })
    }

    fn conv(&self, prefix: &str, out: usize, input: usize) -> Result<Linear, AsrError> {
        // [out, in, taps] row-major is already [out, in * taps] with the tap fastest.
        let weights = self
            .model
            .tensor(&format!("{prefix}/weight"), &[out, input, CONV_TAPS])?;
        let bias = self.model.tensor(&format!("{prefix}/bias"), &[out])?;
        Ok(Linear {
            weights: PackedMatrix::from_row_major(&weights, out, input * CONV_TAPS),
            bias: Some(bias),
        })
    }
}

fn count_layers(model: &dyn WeightSource, stack: &str) -> usize {
    (0..)
        .take_while(|i| model.has(&format!("{stack}/layer_{i}/ffn/linear_0/weight")))
        .count()
}

impl WhisperWeights {
    /// Reads a CTranslate2 `WhisperSpec` model.
    pub fn from_source(model: &dyn WeightSource) -> Result<Self, AsrError> {
        let path = model.path();
        let bad = |detail: String| AsrError::ModelFormat {
            path: path.to_owned(),
            detail,
        };
        if !model.spec_name().contains("Whisper") {
            return Err(bad(format!(
                "holds a {} model; tccc needs a Whisper model (WhisperSpec)",
                model.spec_name()
            )));
        }
        let conv1_dims = model.dims("encoder/conv1/weight")?.to_vec();
        let [width, mel_bins, _] = conv1_dims[..] else {
            return Err(bad(format!(
                "encoder/conv1/weight has shape {conv1_dims:?}"
            )));
        };
        let heads = usize::try_from(model.scalar("encoder/num_heads")?).unwrap_or(0);
        if mel_bins == 0
            || mel_bins > ASR_MEL_BINS_MAX
            || width > ASR_MODEL_WIDTH_MAX
            || heads.checked_mul(HEAD_WIDTH) != Some(width)
        {
            return Err(AsrError::Unsupported {
                path: path.to_owned(),
                detail: format!(
                    "{mel_bins} mel bins, width {width}, {heads} heads: tccc supports Whisper \
                     tiny, base and small (80 bins, 64-wide heads)"
                ),
            });
        }
        let audio_positions = model.leading_dim("encoder/position_encodings/encodings")?;
        let text_positions = model.leading_dim("decoder/position_encodings/encodings")?;
        let vocabulary = model.leading_dim("decoder/embeddings/weight")?;
        let ffn_width = model.leading_dim("encoder/layer_0/ffn/linear_0/weight")?;
        if audio_positions.checked_mul(2) != Some(ASR_ENCODER_FRAMES_MAX)
            || text_positions < ASR_DECODE_TOKENS_MAX + ASR_PROMPT_TOKENS_MAX
        {
            return Err(bad(format!(
                "has {audio_positions} audio and {text_positions} text positions; Whisper has \
                 1500 and 448"
            )));
        }
        let dims = WhisperDims {
            mel_bins,
            width,
            heads,
            ffn_width,
            encoder_layers: count_layers(model, "encoder"),
            decoder_layers: count_layers(model, "decoder"),
            audio_positions,
            text_positions,
            vocabulary,
        };
        let load = Loader { model };
        let encoder_layers = (0..dims.encoder_layers)
            .map(|i| {
                let p = format!("encoder/layer_{i}");
                Ok(EncoderLayer {
                    attention_norm: load.norm(&format!("{p}/self_attention/layer_norm"), width)?,
                    qkv: load.linear(
                        &format!("{p}/self_attention/linear_0"),
                        3 * width,
                        width,
                        false,
                    )?,
                    attention_out: load.linear(
                        &format!("{p}/self_attention/linear_1"),
                        width,
                        width,
                        true,
                    )?,
                    ffn_norm: load.norm(&format!("{p}/ffn/layer_norm"), width)?,
                    ffn_in: load.linear(&format!("{p}/ffn/linear_0"), ffn_width, width, true)?,
                    ffn_out: load.linear(&format!("{p}/ffn/linear_1"), width, ffn_width, true)?,
                })
            })
            .collect::<Result<Vec<_>, AsrError>>()?;
        let decoder_layers = (0..dims.decoder_layers)
            .map(|i| {
                let p = format!("decoder/layer_{i}");
                Ok(DecoderLayer {
                    self_norm: load.norm(&format!("{p}/self_attention/layer_norm"), width)?,
                    self_qkv: load.decoder_linear(
                        &format!("{p}/self_attention/linear_0"),
                        3 * width,
                        width,
                        false,
                    )?,
                    self_out: load.decoder_linear(
                        &format!("{p}/self_attention/linear_1"),
                        width,
                        width,
                        true,
                    )?,
                    cross_norm: load.norm(&format!("{p}/attention/layer_norm"), width)?,
                    cross_query: load.decoder_linear(
                        &format!("{p}/attention/linear_0"),
                        width,
                        width,
                        false,
                    )?,
                    cross_key_value: load.decoder_linear(
                        &format!("{p}/attention/linear_1"),
                        2 * width,
                        width,
                        false,
                    )?,
                    cross_out: load.decoder_linear(
                        &format!("{p}/attention/linear_2"),
                        width,
                        width,
                        true,
                    )?,
                    ffn_norm: load.norm(&format!("{p}/ffn/layer_norm"), width)?,
                    ffn_in: load.decoder_linear(
                        &format!("{p}/ffn/linear_0"),
                        ffn_width,
                        width,
                        true,
                    )?,
                    ffn_out: load.decoder_linear(
                        &format!("{p}/ffn/linear_1"),
                        width,
                        ffn_width,
                        true,
                    )?,
                })
            })
            .collect::<Result<Vec<_>, AsrError>>()?;
        let embedding = match model.half_matrix("decoder/embeddings/weight", vocabulary, width)? {
            Some(matrix) => matrix,
            None => {
                let values = model.tensor("decoder/embeddings/weight", &[vocabulary, width])?;
                PackedMatrix::from_row_major(&values, vocabulary, width)
            }
        };
        Ok(WhisperWeights {
            dims,
            conv1: load.conv("encoder/conv1", width, mel_bins)?,
            conv2: load.conv("encoder/conv2", width, width)?,
            encoder_positions: model.tensor(
                "encoder/position_encodings/encodings",
                &[audio_positions, width],
            )?,
            encoder_layers,
            encoder_norm: load.norm("encoder/layer_norm", width)?,
            embedding,
            decoder_positions: model.tensor(
                "decoder/position_encodings/encodings",
                &[text_positions, width],
            )?,
            decoder_layers,
            decoder_norm: load.norm("decoder/layer_norm", width)?,
        })
    }

    /// Stores the decoder's one-token products (self-attention, cross-attention query and
    /// output, feed-forward, and the tied embedding / vocabulary projection) as int8 with
    /// one scale per row: half the bytes of the float16 weights per decoded token. The
    /// cross-attention keys/values product runs over all audio positions once per segment
    /// and stays as loaded.
    pub fn quantize_decoder_int8(&mut self) {
        for layer in &mut self.decoder_layers {
            for linear in [
                &mut layer.self_qkv,
                &mut layer.self_out,
                &mut layer.cross_query,
                &mut layer.cross_out,
                &mut layer.ffn_in,
                &mut layer.ffn_out,
            ] {
                linear.weights = linear.weights.to_int8();
            }
        }
        self.embedding = self.embedding.to_int8();
    }

    /// Loads `model_dir/model.bin`.
    pub fn load_ct2_folder(model_dir: &Path) -> Result<Self, AsrError> {
        let path = model_dir.join("model.bin");
        if !path.is_file() {
            return Err(AsrError::ModelMissing {
                path,
                detail: "no model.bin in the model folder".into(),
            });
        }
        Self::from_source(&Ct2Model::open(&path)?)
    }

    /// Loads `model_dir/model.safetensors` (a Hugging Face Whisper checkpoint).
    pub fn load_hf_folder(model_dir: &Path) -> Result<Self, AsrError> {
        Self::from_source(&HfWhisper::open(model_dir)?)
    }

    /// Loads whichever format the folder holds: `model.bin` (CTranslate2) or
    /// `model.safetensors` (Hugging Face).
    pub fn load_folder(model_dir: &Path) -> Result<Self, AsrError> {
        if model_dir.join("model.bin").is_file() {
            Self::load_ct2_folder(model_dir)
        } else if model_dir.join("model.safetensors").is_file() {
            Self::load_hf_folder(model_dir)
        } else {
            Err(AsrError::ModelMissing {
                path: model_dir.join("model.bin"),
                detail: "the model folder has neither model.bin (CTranslate2) nor model.safetensors (Hugging Face)".into(),
            })
        }
    }
}

/// Activation buffers of the encoder, sized for 3000 frames.
struct EncoderBuffers {
    columns: Vec<f32>,
    conv1_out: Vec<f32>,
    residual: Vec<f32>,
    normed: Vec<f32>,
    qkv: Vec<f32>,
    scores: Vec<f32>,
    attention: Vec<f32>,
    hidden: Vec<f32>,
    keys: PackedMatrix,
    values: PackedMatrix,
}

/// Per-segment decoder state: cross-attention keys/values and the self-attention cache.
struct DecoderBuffers {
    /// One layer's cross-attention keys and values, `[positions][2 * width]`, before packing.
    cross_key_value: Vec<f32>,
    /// Per layer and head: the segment's keys (`positions x 64`) and transposed values
    /// (`64 x positions`), packed once per segment so each step's attention is two products.
    cross_keys: Vec<PackedMatrix>,
    cross_values: Vec<PackedMatrix>,
    /// Per layer: `[slot][position][width]` self-attention keys and values.
    self_keys: Vec<Vec<f32>>,
    self_values: Vec<Vec<f32>>,
    /// One layer's worth of cache, swapped in when beams are reordered.
    spare_keys: Vec<f32>,
    spare_values: Vec<f32>,
    residual: Vec<f32>,
    normed: Vec<f32>,
    qkv: Vec<f32>,
    attention: Vec<f32>,
    projected: Vec<f32>,
    hidden: Vec<f32>,
    scores: Vec<f32>,
    logits: Vec<f32>,
}

/// What a 30 s window of all-zero features (faster-whisper's padding) produces, kept
/// packed so that a short segment's padding is neither encoded nor packed again: per layer
/// and head (index `layer * heads + head`) the keys (`1500 x 64`) and transposed values
/// (`64 x 1500`) of the encoder's self-attention and of the decoder's cross-attention.
struct PaddingCache {
    encoder_keys: Vec<PackedMatrix>,
    encoder_values: Vec<PackedMatrix>,
    cross_keys: Vec<PackedMatrix>,
    cross_values: Vec<PackedMatrix>,
}

/// Packs one attention head's keys (`positions x 64`) and transposed values
/// (`64 x positions`) from position-major rows `stride` apart that start with the head's
/// keys, its values `value_offset` further on. With `cached` (the silent window's matrices
/// for this head) the matrices start as copies of those and only the segment's `positions`
/// are packed over them.
fn pack_head(
    keys: &mut PackedMatrix,
    values: &mut PackedMatrix,
    rows: &[f32],
    value_offset: usize,
    stride: usize,
    positions: usize,
    cached: Option<(&PackedMatrix, &PackedMatrix)>,
) {
    let value_rows = &rows[value_offset..];
    if let Some((cached_keys, cached_values)) = cached {
        keys.copy_from(cached_keys);
        keys.overwrite_leading(rows, positions, HEAD_WIDTH, stride, 1);
        values.copy_from(cached_values);
        values.overwrite_leading(value_rows, HEAD_WIDTH, positions, 1, stride);
    } else {
        keys.repack(rows, positions, HEAD_WIDTH, stride, 1);
        values.repack(value_rows, HEAD_WIDTH, positions, 1, stride);
    }
}

/// What an encoder pass does with the positions past the segment's own frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PaddingMode {
    /// There are none: the window is the frames passed in.
    Absent,
    /// The pass is the all-zero window itself; record its keys and values.
    Record,
    /// Take them from the recorded silent window.
    Cached,
}

/// Whisper with its buffers: encode a segment, then step the decoder token by token.
pub struct WhisperModel<B: Backend> {
    weights: WhisperWeights,
    backend: B,
    encoder: EncoderBuffers,
    decoder: DecoderBuffers,
    /// Encoder positions of the current segment.
    audio_positions: usize,
    /// The encoding of a silent window, for [`Self::encode_with_cached_padding`]; built by
    /// [`Self::prepare_padding_cache`].
    padding: Option<PaddingCache>,
    /// Floating-point operations done by products since the last reset (for GFLOP/s).
    pub product_flops: u64,
    beam_slots: usize,
}

impl<B: Backend> std::fmt::Debug for WhisperModel<B> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "WhisperModel({:?})", self.weights.dims)
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight independent partial sums let the compiler use vector registers.
    let mut partial = [0.0f32; 8];
    let chunks = a.len() / 8;
    for chunk in 0..chunks {
        let x = &a[chunk * 8..chunk * 8 + 8];
        let y = &b[chunk * 8..chunk * 8 + 8];
        for lane in 0..8 {
            partial[lane] += x[lane] * y[lane];
        }
    }
    let mut sum: f32 = partial.iter().sum();
    for i in chunks * 8..a.len() {
        sum += a[i] * b[i];
    }
    sum
}

fn axpy(out: &mut [f32], weight: f32, x: &[f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o += weight * v;
    }
}

impl<B: Backend> WhisperModel<B> {
    /// Wraps the weights and reserves every buffer for the largest segment and `beam_slots`
    /// hypotheses decoded side by side (1 for greedy).
    pub fn new(weights: WhisperWeights, backend: B, beam_slots: usize) -> Self {
        let slots = beam_slots.max(1);
        let d = weights.dims;
        let cache = d.text_positions * d.width;
        let frames = ASR_ENCODER_FRAMES_MAX;
        let positions = d.audio_positions;
        let encoder = EncoderBuffers {
            columns: vec![0.0; frames * d.mel_bins.max(d.width) * CONV_TAPS],
            conv1_out: vec![0.0; frames * d.width],
            residual: vec![0.0; positions * d.width],
            normed: vec![0.0; positions * d.width],
            qkv: vec![0.0; positions * 3 * d.width],
            scores: vec![0.0; positions * positions],
            attention: vec![0.0; positions * d.width],
            hidden: vec![0.0; positions * d.ffn_width],
            keys: PackedMatrix::with_capacity(positions, HEAD_WIDTH),
            values: PackedMatrix::with_capacity(HEAD_WIDTH, positions),
        };
        let layers = d.decoder_layers;
        let decoder = DecoderBuffers {
            cross_key_value: vec![0.0; positions * 2 * d.width],
            cross_keys: (0..layers * d.heads)
                .map(|_| PackedMatrix::with_capacity(positions, HEAD_WIDTH))
                .collect(),
            cross_values: (0..layers * d.heads)
                .map(|_| PackedMatrix::with_capacity(HEAD_WIDTH, positions))
                .collect(),
            self_keys: (0..layers).map(|_| vec![0.0; slots * cache]).collect(),
            self_values: (0..layers).map(|_| vec![0.0; slots * cache]).collect(),
            spare_keys: if slots > 1 {
                vec![0.0; slots * cache]
            } else {
                Vec::new()
            },
            spare_values: if slots > 1 {
                vec![0.0; slots * cache]
            } else {
                Vec::new()
            },
            residual: vec![0.0; slots * d.width],
            normed: vec![0.0; slots * d.width],
            qkv: vec![0.0; slots * 3 * d.width],
            attention: vec![0.0; slots * d.width],
            projected: vec![0.0; slots * d.width],
            hidden: vec![0.0; slots * d.ffn_width],
            scores: vec![0.0; positions.max(d.text_positions)],
            logits: vec![0.0; slots * d.vocabulary],
        };
        WhisperModel {
            weights,
            backend,
            encoder,
            decoder,
            audio_positions: 0,
            padding: None,
            product_flops: 0,
            beam_slots: slots,
        }
    }

    /// The model's shape.
    pub fn dims(&self) -> WhisperDims {
        self.weights.dims
    }

    #[allow(clippy::too_many_arguments)]
    fn linear(
        backend: &mut B,
        flops: &mut u64,
        x: &[f32],
        tokens: usize,
        x_stride: usize,
        layer: &Linear,
        out: &mut [f32],
        out_stride: usize,
    ) {
        *flops += crate::nn::matmul::product_flops(tokens, &layer.weights);
        backend.linear(
            x,
            tokens,
            x_stride,
            &layer.weights,
            layer.bias.as_deref(),
            out,
            out_stride,
        );
    }

    /// A pre-norm sublayer's input: `normed = layer_norm(residual)` over `rows` rows of the
    /// norm's width, then `out = normed · layer` with rows `out_stride` apart.
    #[allow(clippy::too_many_arguments)]
    fn norm_then_linear(
        backend: &mut B,
        flops: &mut u64,
        residual: &[f32],
        rows: usize,
        norm: &Norm,
        normed: &mut [f32],
        layer: &Linear,
        out: &mut [f32],
        out_stride: usize,
    ) {
        let width = norm.gamma.len();
        backend.layer_norm(
            residual,
            width,
            rows,
            &norm.gamma,
            &norm.beta,
            normed,
            width,
        );
        Self::linear(backend, flops, normed, rows, width, layer, out, out_stride);
    }

    /// A sublayer's output added to the residual stream: `residual += x · layer`, the
    /// product first written to `scratch`.
    #[allow(clippy::too_many_arguments)]
    fn linear_into_residual(
        backend: &mut B,
        flops: &mut u64,
        x: &[f32],
        rows: usize,
        x_stride: usize,
        layer: &Linear,
        scratch: &mut [f32],
        residual: &mut [f32],
    ) {
        let width = layer.weights.rows();
        Self::linear(backend, flops, x, rows, x_stride, layer, scratch, width);
        crate::nn::ops::add_in_place(&mut residual[..rows * width], &scratch[..rows * width]);
    }

    /// Runs the encoder on the first `frames` (even, at most 3000) frame-major log-mel
    /// frames of `features`, then computes every decoder layer's cross-attention keys and
    /// values for this segment.
    pub fn encode(&mut self, features: &[f32], frames: usize) {
        self.encode_pass(features, frames, PaddingMode::Absent);
    }

    /// Encodes a 30 s window whose frames past `frames` are faster-whisper's zero padding,
    /// computing only the first `frames / 2` positions: the padding positions' keys and
    /// values come from [`Self::prepare_padding_cache`]'s silent window. The segment's own
    /// positions are exact in the first layer and attend to all 1500 positions in every
    /// layer; the padding positions miss only what, in the full pass, they would have
    /// taken in from the speech, so the decoder sees nearly the full window's encoding at
    /// the cost of the segment's length. `frames` must end in padding (a margin of silent
    /// frames past the speech) so that the convolutions of the cached positions read only
    /// zeros. Without a cache this is [`Self::encode`] of the whole window.
    pub fn encode_with_cached_padding(&mut self, features: &[f32], frames: usize) {
        if self.padding.is_some() && frames < ASR_ENCODER_FRAMES_MAX {
            self.encode_pass(features, frames, PaddingMode::Cached);
        } else {
            self.encode_pass(features, ASR_ENCODER_FRAMES_MAX, PaddingMode::Absent);
        }
    }

    /// Encodes a silent window once and keeps its keys and values (allocates 2 × 1500 ×
    /// width floats per encoder and per decoder layer, 37 MB for tiny; call at start-up).
    pub fn prepare_padding_cache(&mut self) {
        if self.padding.is_some() {
            return;
        }
        let d = self.weights.dims;
        let matrices = |layers: usize, rows: usize, depth: usize| -> Vec<PackedMatrix> {
            (0..layers * d.heads)
                .map(|_| PackedMatrix::with_capacity(rows, depth))
                .collect()
        };
        let positions = d.audio_positions;
        self.padding = Some(PaddingCache {
            encoder_keys: matrices(d.encoder_layers, positions, HEAD_WIDTH),
            encoder_values: matrices(d.encoder_layers, HEAD_WIDTH, positions),
            cross_keys: matrices(d.decoder_layers, positions, HEAD_WIDTH),
            cross_values: matrices(d.decoder_layers, HEAD_WIDTH, positions),
        });
        let silence = vec![0.0; ASR_ENCODER_FRAMES_MAX * d.mel_bins];
        self.encode_pass(&silence, ASR_ENCODER_FRAMES_MAX, PaddingMode::Record);
    }

    /// Whether [`Self::prepare_padding_cache`] has run.
    pub fn has_padding_cache(&self) -> bool {
        self.padding.is_some()
    }

    fn encode_pass(&mut self, features: &[f32], frames: usize, padding_mode: PaddingMode) {
        let d = self.weights.dims;
        assert!(frames.is_multiple_of(2) && frames > 0 && frames <= ASR_ENCODER_FRAMES_MAX);
        let w = &self.weights;
        let b = &mut self.backend;
        let e = &mut self.encoder;
        let flops = &mut self.product_flops;
        let width = d.width;
        let (mut record, cached) = match padding_mode {
            PaddingMode::Absent => (None, None),
            PaddingMode::Record => (self.padding.as_mut(), None),
            PaddingMode::Cached => (None, self.padding.as_ref()),
        };

        // conv1: im2col with zero padding of one frame each side, then a product.
        let taps1 = d.mel_bins * CONV_TAPS;
        for t in 0..frames {
            let row = &mut e.columns[t * taps1..(t + 1) * taps1];
            for tap in 0..CONV_TAPS {
                let source = (t + tap).checked_sub(1).filter(|&s| s < frames);
                for channel in 0..d.mel_bins {
                    row[channel * CONV_TAPS + tap] =
                        source.map_or(0.0, |s| features[s * d.mel_bins + channel]);
                }
            }
        }
        Self::linear(
            b,
            flops,
            &e.columns,
            frames,
            taps1,
            &w.conv1,
            &mut e.conv1_out,
            width,
        );
        b.gelu(&mut e.conv1_out[..frames * width]);

        // conv2: stride 2.
        let positions = frames / 2;
        // Keys and values span `total` positions; only the first `positions` are computed.
        let total = if cached.is_some() {
            d.audio_positions
        } else {
            positions
        };
        let taps2 = width * CONV_TAPS;
        for t in 0..positions {
            let row = &mut e.columns[t * taps2..(t + 1) * taps2];
            for tap in 0..CONV_TAPS {
                let source = (2 * t + tap).checked_sub(1).filter(|&s| s < frames);
                for channel in 0..width {
                    row[channel * CONV_TAPS + tap] =
                        source.map_or(0.0, |s| e.conv1_out[s * width + channel]);
                }
            }
        }
        Self::linear(
            b,
            flops,
            &e.columns,
            positions,
            taps2,
            &w.conv2,
            &mut e.residual,
            width,
        );
        b.gelu(&mut e.residual[..positions * width]);
        for (value, &position) in e.residual[..positions * width]
            .iter_mut()
            .zip(&w.encoder_positions)
        {
            *value += position;
        }

        let scale = 1.0 / (HEAD_WIDTH as f32).sqrt();
        for (layer_index, layer) in w.encoder_layers.iter().enumerate() {
            Self::norm_then_linear(
                b,
                flops,
                &e.residual,
                positions,
                &layer.attention_norm,
                &mut e.normed,
                &layer.qkv,
                &mut e.qkv,
                3 * width,
            );
            for head in 0..d.heads {
                let offset = head * HEAD_WIDTH;
                let slot = layer_index * d.heads + head;
                pack_head(
                    &mut e.keys,
                    &mut e.values,
                    &e.qkv[width + offset..],
                    width,
                    3 * width,
                    positions,
                    cached.map(|c| (&c.encoder_keys[slot], &c.encoder_values[slot])),
                );
                if let Some(cache) = record.as_deref_mut() {
                    cache.encoder_keys[slot].copy_from(&e.keys);
                    cache.encoder_values[slot].copy_from(&e.values);
                }
                *flops += crate::nn::matmul::product_flops(positions, &e.keys);
                b.linear(
                    &e.qkv[offset..],
                    positions,
                    3 * width,
                    &e.keys,
                    None,
                    &mut e.scores,
                    total,
                );
                b.scaled_softmax_rows(&mut e.scores[..positions * total], total, scale);
                *flops += crate::nn::matmul::product_flops(positions, &e.values);
                b.linear(
                    &e.scores,
                    positions,
                    total,
                    &e.values,
                    None,
                    &mut e.attention[offset..],
                    width,
                );
            }
            Self::linear_into_residual(
                b,
                flops,
                &e.attention,
                positions,
                width,
                &layer.attention_out,
                &mut e.normed,
                &mut e.residual,
            );

            Self::norm_then_linear(
                b,
                flops,
                &e.residual,
                positions,
                &layer.ffn_norm,
                &mut e.normed,
                &layer.ffn_in,
                &mut e.hidden,
                d.ffn_width,
            );
            b.gelu(&mut e.hidden[..positions * d.ffn_width]);
            Self::linear_into_residual(
                b,
                flops,
                &e.hidden,
                positions,
                d.ffn_width,
                &layer.ffn_out,
                &mut e.normed,
                &mut e.residual,
            );
        }
        let n = &w.encoder_norm;
        b.layer_norm(
            &e.residual,
            width,
            positions,
            &n.gamma,
            &n.beta,
            &mut e.normed,
            width,
        );

        let s = &mut self.decoder;
        for (index, layer) in w.decoder_layers.iter().enumerate() {
            let cache = &mut s.cross_key_value;
            Self::linear(
                b,
                flops,
                &e.normed,
                positions,
                width,
                &layer.cross_key_value,
                cache,
                2 * width,
            );
            for head in 0..d.heads {
                let slot = index * d.heads + head;
                pack_head(
                    &mut s.cross_keys[slot],
                    &mut s.cross_values[slot],
                    &cache[head * HEAD_WIDTH..],
                    width,
                    2 * width,
                    positions,
                    cached.map(|c| (&c.cross_keys[slot], &c.cross_values[slot])),
                );
                if let Some(padding) = record.as_deref_mut() {
                    padding.cross_keys[slot].copy_from(&s.cross_keys[slot]);
                    padding.cross_values[slot].copy_from(&s.cross_values[slot]);
                }
            }
        }
        self.audio_positions = total;
    }

    /// The logits of the last step that asked for them (scratch the decode loop may edit).
    pub fn logits_mut(&mut self) -> &mut [f32] {
        &mut self.decoder.logits
    }

    /// Feeds `token` at `position` (0-based) through the decoder for beam slot 0, extending
    /// its self-attention cache; with `want_logits`, returns the next-token logits.
    pub fn decode_step(
        &mut self,
        token: u32,
        position: usize,
        want_logits: bool,
    ) -> Option<&mut [f32]> {
        self.decode_batch(&[token], position, want_logits)
    }

    /// Beam slots the decoder buffers hold.
    pub fn beam_slots(&self) -> usize {
        self.beam_slots
    }

    /// Feeds `tokens[i]` at `position` for beam slot `i` (all slots share the position),
    /// extending each slot's cache; with `want_logits`, returns the logits, one
    /// vocabulary-wide row per slot.
    pub fn decode_batch(
        &mut self,
        tokens: &[u32],
        position: usize,
        want_logits: bool,
    ) -> Option<&mut [f32]> {
        let d = self.weights.dims;
        let count = tokens.len();
        assert!(count >= 1 && count <= self.beam_slots && position < d.text_positions);
        let w = &self.weights;
        let b = &mut self.backend;
        let s = &mut self.decoder;
        let flops = &mut self.product_flops;
        let width = d.width;
        let ffn = d.ffn_width;
        let scale = 1.0 / (HEAD_WIDTH as f32).sqrt();
        let audio = self.audio_positions;
        let positions = d.text_positions;

        for (slot, &token) in tokens.iter().enumerate() {
            assert!((token as usize) < d.vocabulary);
            let row = &mut s.residual[slot * width..(slot + 1) * width];
            w.embedding.copy_row(token as usize, row);
            crate::nn::ops::add_in_place(
                row,
                &w.decoder_positions[position * width..(position + 1) * width],
            );
        }
        let rows = count * width;

        for (index, layer) in w.decoder_layers.iter().enumerate() {
            // Self-attention over positions 0..=position of each slot's own cache.
            Self::norm_then_linear(
                b,
                flops,
                &s.residual,
                count,
                &layer.self_norm,
                &mut s.normed,
                &layer.self_qkv,
                &mut s.qkv,
                3 * width,
            );
            let keys = &mut s.self_keys[index];
            let values = &mut s.self_values[index];
            s.attention[..rows].fill(0.0);
            for slot in 0..count {
                let cache = slot * positions * width;
                let qkv = &s.qkv[slot * 3 * width..(slot + 1) * 3 * width];
                keys[cache + position * width..cache + (position + 1) * width]
                    .copy_from_slice(&qkv[width..2 * width]);
                values[cache + position * width..cache + (position + 1) * width]
                    .copy_from_slice(&qkv[2 * width..]);
                for head in 0..d.heads {
                    let o = head * HEAD_WIDTH;
                    let query = &qkv[o..o + HEAD_WIDTH];
                    let scores = &mut s.scores[..=position];
                    for (j, score) in scores.iter_mut().enumerate() {
                        let at = cache + j * width + o;
                        *score = dot(query, &keys[at..at + HEAD_WIDTH]) * scale;
                    }
                    b.softmax(scores);
                    let out = &mut s.attention[slot * width + o..slot * width + o + HEAD_WIDTH];
                    for (j, &p) in scores.iter().enumerate() {
                        let at = cache + j * width + o;
                        axpy(out, p, &values[at..at + HEAD_WIDTH]);
                    }
                }
            }
            Self::linear_into_residual(
                b,
                flops,
                &s.attention,
                count,
                width,
                &layer.self_out,
                &mut s.projected,
                &mut s.residual,
            );

            // Cross-attention over the encoder output (shared by every slot).
            Self::norm_then_linear(
                b,
                flops,
                &s.residual,
                count,
                &layer.cross_norm,
                &mut s.normed,
                &layer.cross_query,
                &mut s.qkv,
                width,
            );
            for slot in 0..count {
                for head in 0..d.heads {
                    let o = slot * width + head * HEAD_WIDTH;
                    let packed = index * d.heads + head;
                    let scores = &mut s.scores[..audio];
                    b.linear(
                        &s.qkv[o..o + HEAD_WIDTH],
                        1,
                        HEAD_WIDTH,
                        &s.cross_keys[packed],
                        None,
                        scores,
                        audio,
                    );
                    b.scaled_softmax_rows(scores, audio, scale);
                    b.linear(
                        scores,
                        1,
                        audio,
                        &s.cross_values[packed],
                        None,
                        &mut s.attention[o..o + HEAD_WIDTH],
                        HEAD_WIDTH,
                    );
                }
            }
            Self::linear_into_residual(
                b,
                flops,
                &s.attention,
                count,
                width,
                &layer.cross_out,
                &mut s.projected,
                &mut s.residual,
            );

            Self::norm_then_linear(
                b,
                flops,
                &s.residual,
                count,
                &layer.ffn_norm,
                &mut s.normed,
                &layer.ffn_in,
                &mut s.hidden,
                ffn,
            );
            b.gelu(&mut s.hidden[..count * ffn]);
            Self::linear_into_residual(
                b,
                flops,
                &s.hidden,
                count,
                ffn,
                &layer.ffn_out,
                &mut s.projected,
                &mut s.residual,
            );
        }
        if !want_logits {
            return None;
        }
        let n = &w.decoder_norm;
        b.layer_norm(
            &s.residual,
            width,
            count,
            &n.gamma,
            &n.beta,
            &mut s.normed,
            width,
        );
        *flops += crate::nn::matmul::product_flops(count, &w.embedding);
        b.linear(
            &s.normed,
            count,
            width,
            &w.embedding,
            None,
            &mut s.logits,
            d.vocabulary,
        );
        Some(&mut s.logits[..count * d.vocabulary])
    }

    /// Rebuilds the beam slots' caches for positions `0..=position`: slot `i` becomes a copy
    /// of slot `parents[i]` (a beam search keeps the best continuations of any parents).
    pub fn reorder_beams(&mut self, parents: &[usize], position: usize) {
        let d = self.weights.dims;
        let width = d.width;
        let positions = d.text_positions;
        let length = (position + 1) * width;
        let s = &mut self.decoder;
        for layer in 0..d.decoder_layers {
            for (target, &parent) in parents.iter().enumerate() {
                let from = parent * positions * width;
                let to = target * positions * width;
                s.spare_keys[to..to + length]
                    .copy_from_slice(&s.self_keys[layer][from..from + length]);
                s.spare_values[to..to + length]
                    .copy_from_slice(&s.self_values[layer][from..from + length]);
            }
            std::mem::swap(&mut s.self_keys[layer], &mut s.spare_keys);
            std::mem::swap(&mut s.self_values[layer], &mut s.spare_values);
        }
    }
}
