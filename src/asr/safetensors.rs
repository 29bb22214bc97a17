//! Hugging Face Whisper folders: a `model.safetensors` reader (the `safetensors` crate over a
//! `ModelFile`) and an adapter that presents its tensors under CTranslate2's names (fusing
//! q/k/v as CTranslate2 does), so the one Whisper loader serves both formats.

use std::path::{Path, PathBuf};

use safetensors::tensor::{Metadata, TensorInfo};
use safetensors::{Dtype, SafeTensors};

use super::weights::WeightSource;
use super::AsrError;
use crate::limits::{
    ASR_MODEL_FILE_BYTES_MAX, ASR_MODEL_VARIABLES_MAX, SAFETENSORS_HEADER_BYTES_MAX,
};
use crate::nn::mapped_file::ModelFile;
use crate::nn::ops::f16_to_f32;
use crate::nn::PackedMatrix;

/// A `model.safetensors` (mapped or read, see `nn::mapped_file`) whose header the
/// `safetensors` crate has checked against the file: every tensor's byte range lies in the
/// data, matches its shape and type, and the ranges tile the data exactly.
#[derive(Debug)]
pub struct SafetensorsFile {
    path: PathBuf,
    file: ModelFile,
    data_start: usize,
    metadata: Metadata,
}

impl SafetensorsFile {
    /// Opens and indexes `path`.
    pub fn open(path: &Path) -> Result<Self, AsrError> {
        let file = ModelFile::open(path, ASR_MODEL_FILE_BYTES_MAX).map_err(AsrError::io(path))?;
        Self::from_file(path, file)
    }

    /// Indexes a `model.safetensors` already in memory; `path` only names it in errors.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self, AsrError> {
        Self::from_file(path, ModelFile::from_bytes(bytes))
    }

    fn from_file(path: &Path, file: ModelFile) -> Result<Self, AsrError> {
        let bytes = file.bytes();
        let header_length = bytes
            .get(..8)
            .and_then(|length| <[u8; 8]>::try_from(length).ok())
            .map(u64::from_le_bytes)
            .ok_or_else(|| {
                AsrError::format(
                    path,
                    format!("is {} bytes long; not a safetensors file", bytes.len()),
                )
            })?;
        if header_length > SAFETENSORS_HEADER_BYTES_MAX as u64 {
            return Err(AsrError::format(
                path,
                format!(
                    "declares a {header_length}-byte header (at most {SAFETENSORS_HEADER_BYTES_MAX}); \
                     the file is damaged or not safetensors"
                ),
            ));
        }
        let (header_length, metadata) = SafeTensors::read_metadata(bytes).map_err(|error| {
            AsrError::format(
                path,
                format!("is not a valid safetensors file ({error}); truncated or damaged?"),
            )
        })?;
        if metadata.tensors().len() > ASR_MODEL_VARIABLES_MAX {
            return Err(AsrError::format(
                path,
                format!("declares {} tensors", metadata.tensors().len()),
            ));
        }
        Ok(SafetensorsFile {
            path: path.to_owned(),
            data_start: 8 + header_length,
            file,
            metadata,
        })
    }

    fn entry(&self, name: &str) -> Option<&TensorInfo> {
        self.metadata.info(name)
    }

    /// A tensor's values as float32; an error for any type but F32, F16 and BF16.
    fn values(&self, name: &str, entry: &TensorInfo) -> Result<Vec<f32>, AsrError> {
        let (start, end) = entry.data_offsets;
        // `read_metadata` checked that the ranges tile the data to the end of the file.
        let data = self
            .file
            .bytes()
            .get(self.data_start + start..self.data_start + end)
            .ok_or_else(|| {
                AsrError::format(&self.path, format!("tensor {name} runs past the end"))
            })?;
        Ok(match entry.dtype {
            Dtype::F32 => data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            Dtype::F16 => data
                .chunks_exact(2)
                .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
                .collect(),
            Dtype::BF16 => data
                .chunks_exact(2)
                .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
                .collect(),
            other => {
                return Err(AsrError::format(
                    &self.path,
                    format!("tensor {name} has type {other:?}, not F32, F16 or BF16"),
                ))
            }
        })
    }

    fn require(&self, hf: &str, name: &str) -> Result<&TensorInfo, AsrError> {
        self.entry(hf).ok_or_else(|| missing(&self.path, name))
    }
}

fn missing(path: &Path, name: &str) -> AsrError {
    AsrError::format(
        path,
        format!("has no tensor for {name}; it is not a Hugging Face Whisper checkpoint tccc understands"),
    )
}

/// How one CTranslate2 variable is made from Hugging Face tensors.
enum Source {
    Direct(String),
    /// Row-wise concatenation; `None` parts are zero rows of the given count (the key
    /// projection has no bias).
    Rows(Vec<(Option<String>, usize)>),
}

/// A Hugging Face Whisper folder seen through CTranslate2's variable names.
#[derive(Debug)]
pub struct HfWhisper {
    file: SafetensorsFile,
    heads: i64,
}

impl HfWhisper {
    /// Opens `model_dir/model.safetensors` and its `config.json`.
    pub fn open(model_dir: &Path) -> Result<Self, AsrError> {
        let file = SafetensorsFile::open(&model_dir.join("model.safetensors"))?;
        let config_path = model_dir.join("config.json");
        let config = super::read_model_json(&config_path)?;
        Self::from_parts(file, &config, &config_path)
    }

    /// Combines an indexed `model.safetensors` with its parsed `config.json` (read from
    /// `config_path`, named in errors).
    pub fn from_parts(
        file: SafetensorsFile,
        config: &serde_json::Value,
        config_path: &Path,
    ) -> Result<Self, AsrError> {
        let heads = config
            .get("encoder_attention_heads")
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| {
                AsrError::format(config_path, "has no encoder_attention_heads".into())
            })?;
        Ok(HfWhisper { file, heads })
    }

    fn width(&self) -> usize {
        self.file
            .entry("model.encoder.conv1.bias")
            .and_then(|entry| entry.shape.first().copied())
            .unwrap_or(0)
    }

    fn source(&self, name: &str) -> Option<Source> {
        let direct = |s: String| Some(Source::Direct(s));
        let parts: Vec<&str> = name.split('/').collect();
        match parts.as_slice() {
            [stack @ ("encoder" | "decoder"), "layer_norm", which] => {
                direct(format!("model.{stack}.layer_norm.{}", norm(which)?))
            }
            ["encoder", conv @ ("conv1" | "conv2"), which] => {
                direct(format!("model.encoder.{conv}.{which}"))
            }
            [stack @ ("encoder" | "decoder"), "position_encodings", "encodings"] => {
                direct(format!("model.{stack}.embed_positions.weight"))
            }
            ["decoder", "embeddings", "weight"] => {
                direct("model.decoder.embed_tokens.weight".into())
            }
            [stack @ ("encoder" | "decoder"), layer, rest @ ..] => {
                let index = layer.strip_prefix("layer_")?;
                let base = format!("model.{stack}.layers.{index}");
                let width = self.width();
                match rest {
                    [block, "layer_norm", which] => {
                        let norm_name = match *block {
                            "self_attention" => "self_attn_layer_norm",
                            "attention" => "encoder_attn_layer_norm",
                            "ffn" => "final_layer_norm",
                            _ => return None,
                        };
                        direct(format!("{base}.{norm_name}.{}", norm(which)?))
                    }
                    ["ffn", linear, which] => {
                        let fc = if *linear == "linear_0" { "fc1" } else { "fc2" };
                        direct(format!("{base}.{fc}.{which}"))
                    }
                    ["self_attention", "linear_0", which] => Some(Source::Rows(vec![
                        (Some(format!("{base}.self_attn.q_proj.{which}")), width),
                        (
                            if *which == "bias" {
                                None
                            } else {
                                Some(format!("{base}.self_attn.k_proj.{which}"))
                            },
                            width,
                        ),
                        (Some(format!("{base}.self_attn.v_proj.{which}")), width),
                    ])),
                    ["self_attention", "linear_1", which] => {
                        direct(format!("{base}.self_attn.out_proj.{which}"))
                    }
                    ["attention", "linear_0", which] => {
                        direct(format!("{base}.encoder_attn.q_proj.{which}"))
                    }
                    ["attention", "linear_1", which] => Some(Source::Rows(vec![
                        (
                            if *which == "bias" {
                                None
                            } else {
                                Some(format!("{base}.encoder_attn.k_proj.{which}"))
                            },
                            width,
                        ),
                        (Some(format!("{base}.encoder_attn.v_proj.{which}")), width),
                    ])),
                    ["attention", "linear_2", which] => {
                        direct(format!("{base}.encoder_attn.out_proj.{which}"))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn missing(&self, name: &str) -> AsrError {
        missing(&self.file.path, name)
    }
}

fn norm(which: &str) -> Option<&'static str> {
    match which {
        "gamma" => Some("weight"),
        "beta" => Some("bias"),
        _ => None,
    }
}

impl WeightSource for HfWhisper {
    fn path(&self) -> &Path {
        &self.file.path
    }

    fn spec_name(&self) -> &str {
        "WhisperSpec (Hugging Face safetensors)"
    }

    fn has(&self, name: &str) -> bool {
        match self.source(name) {
            Some(Source::Direct(hf)) => self.file.entry(&hf).is_some(),
            Some(Source::Rows(parts)) => parts
                .iter()
                .all(|(hf, _)| hf.as_ref().is_none_or(|hf| self.file.entry(hf).is_some())),
            None => name == "encoder/num_heads",
        }
    }

    fn dims(&self, name: &str) -> Result<Vec<usize>, AsrError> {
        match self.source(name) {
            Some(Source::Direct(hf)) => Ok(self.file.require(&hf, name)?.shape.clone()),
            Some(Source::Rows(parts)) => {
                // Every stored part must be `count` rows of one common depth (or a vector of
                // `count` for a bias), else the joined rows would not form the matrix.
                let mut rows = 0usize;
                let mut depth: Option<Option<usize>> = None;
                for (hf, count) in &parts {
                    rows = rows.checked_add(*count).ok_or_else(|| self.missing(name))?;
                    let Some(hf) = hf else { continue };
                    let shape = &self.file.require(hf, name)?.shape;
                    let (part_rows, part_depth) = match shape[..] {
                        [part_rows] => (part_rows, None),
                        [part_rows, part_depth] => (part_rows, Some(part_depth)),
                        _ => (usize::MAX, None),
                    };
                    if part_rows != *count || depth.is_some_and(|depth| depth != part_depth) {
                        return Err(AsrError::format(
                            &self.file.path,
                            format!(
                                "tensor {hf} has shape {shape:?}; joined into {name} it must \
                                 have {count} rows like its siblings"
                            ),
                        ));
                    }
                    depth = Some(part_depth);
                }
                Ok(match depth.flatten() {
                    Some(depth) => vec![rows, depth],
                    None => vec![rows],
                })
            }
            None => Err(self.missing(name)),
        }
    }

    fn scalar(&self, name: &str) -> Result<i64, AsrError> {
        if name == "encoder/num_heads" {
            Ok(self.heads)
        } else {
            Err(self.missing(name))
        }
    }

    fn tensor(&self, name: &str, expected: &[usize]) -> Result<Vec<f32>, AsrError> {
        let dims = self.dims(name)?;
        if dims != expected {
            return Err(AsrError::format(
                &self.file.path,
                format!("{name} has shape {dims:?}, expected {expected:?}"),
            ));
        }
        match self.source(name) {
            Some(Source::Direct(hf)) => self.file.values(&hf, self.file.require(&hf, name)?),
            Some(Source::Rows(parts)) => {
                // `dims` checked each part's rows and depth against `expected`.
                let row_width: usize = expected.iter().skip(1).product();
                let mut values = Vec::with_capacity(expected.iter().product());
                for (hf, count) in &parts {
                    match hf {
                        Some(hf) => {
                            values.extend(self.file.values(hf, self.file.require(hf, name)?)?)
                        }
                        None => values.extend(std::iter::repeat_n(0.0, count * row_width)),
                    }
                }
                Ok(values)
            }
            None => Err(self.missing(name)),
        }
    }

    fn half_matrix(
        &self,
        name: &str,
        rows: usize,
        depth: usize,
    ) -> Result<Option<PackedMatrix>, AsrError> {
        let all_half = match self.source(name) {
            Some(Source::Direct(hf)) => self.file.entry(&hf).is_some_and(|e| e.dtype == Dtype::F16),
            Some(Source::Rows(parts)) => parts.iter().all(|(hf, _)| {
                hf.as_ref()
                    .is_none_or(|hf| self.file.entry(hf).is_some_and(|e| e.dtype == Dtype::F16))
            }),
            None => false,
        };
        if !all_half {
            return Ok(None);
        }
        let values = self.tensor(name, &[rows, depth])?;
        Ok(Some(PackedMatrix::from_row_major_half(
            &values, rows, depth,
        )))
    }
}
