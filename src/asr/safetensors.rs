//! Hugging Face Whisper folders: a `model.safetensors` reader over memmap2 and an adapter
//! that presents its tensors under CTranslate2's names (fusing q/k/v as CTranslate2 does), so
//! the one Whisper loader serves both formats.

use std::path::{Path, PathBuf};

use super::whisper::WeightSource;
use super::AsrError;
use crate::limits::{
    ASR_MODEL_FILE_BYTES_MAX, ASR_MODEL_VARIABLES_MAX, SAFETENSORS_HEADER_BYTES_MAX,
};
use crate::nn::mapped_file::MappedFile;
use crate::nn::ops::f16_to_f32;
use crate::nn::PackedMatrix;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Element {
    F32,
    F16,
    BF16,
}

#[derive(Debug)]
struct Entry {
    name: String,
    element: Element,
    shape: Vec<usize>,
    start: usize,
    end: usize,
}

/// A mapped `model.safetensors` whose header has been checked against the file.
#[derive(Debug)]
pub struct SafetensorsFile {
    path: PathBuf,
    file: MappedFile,
    entries: Vec<Entry>,
}

impl SafetensorsFile {
    /// Maps and indexes `path`.
    pub fn open(path: &Path) -> Result<Self, AsrError> {
        let file = MappedFile::open(path).map_err(AsrError::io(path))?;
        let bytes = file.bytes();
        if bytes.len() > ASR_MODEL_FILE_BYTES_MAX || bytes.len() < 8 {
            return Err(AsrError::format(
                path,
                format!("is {} bytes long; not a safetensors file", bytes.len()),
            ));
        }
        let mut length_bytes = [0u8; 8];
        length_bytes.copy_from_slice(&bytes[..8]);
        let header_length = u64::from_le_bytes(length_bytes);
        if header_length > SAFETENSORS_HEADER_BYTES_MAX as u64
            || 8 + header_length as usize > bytes.len()
        {
            return Err(AsrError::format(
                path,
                format!("declares a {header_length}-byte header; the file is truncated or not safetensors"),
            ));
        }
        let data_start = 8 + header_length as usize;
        let header: serde_json::Value =
            serde_json::from_slice(&bytes[8..data_start]).map_err(|error| {
                AsrError::format(path, format!("has an unreadable header: {error}"))
            })?;
        let object = header
            .as_object()
            .ok_or_else(|| AsrError::format(path, "header is not a JSON object".into()))?;
        if object.len() > ASR_MODEL_VARIABLES_MAX {
            return Err(AsrError::format(
                path,
                format!("declares {} tensors", object.len()),
            ));
        }
        let mut entries = Vec::with_capacity(object.len());
        for (name, value) in object {
            if name == "__metadata__" {
                continue;
            }
            let bad = |what: &str| AsrError::format(path, format!("tensor {name}: {what}"));
            let element = match value.get("dtype").and_then(serde_json::Value::as_str) {
                Some("F32") => Element::F32,
                Some("F16") => Element::F16,
                Some("BF16") => Element::BF16,
                other => return Err(bad(&format!("type {other:?} is not F32, F16 or BF16"))),
            };
            let shape: Vec<usize> = value
                .get("shape")
                .and_then(serde_json::Value::as_array)
                .ok_or_else(|| bad("no shape"))?
                .iter()
                .map(|d| d.as_u64().map(|d| d as usize))
                .collect::<Option<_>>()
                .ok_or_else(|| bad("bad shape"))?;
            let offsets = value
                .get("data_offsets")
                .and_then(serde_json::Value::as_array)
                .ok_or_else(|| bad("no data_offsets"))?;
            let (Some(start), Some(end)) = (
                offsets.first().and_then(serde_json::Value::as_u64),
                offsets.get(1).and_then(serde_json::Value::as_u64),
            ) else {
                return Err(bad("bad data_offsets"));
            };
            let (start, end) = (data_start + start as usize, data_start + end as usize);
            let size = if element == Element::F32 { 4 } else { 2 };
            let elements = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
            if end > bytes.len()
                || start > end
                || elements.and_then(|e| e.checked_mul(size)) != Some(end - start)
            {
                return Err(bad("data range disagrees with its shape or runs past the end of the file (truncated?)"));
            }
            entries.push(Entry {
                name: name.clone(),
                element,
                shape,
                start,
                end,
            });
        }
        Ok(SafetensorsFile {
            path: path.to_owned(),
            file,
            entries,
        })
    }

    fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.name == name)
    }

    fn values(&self, entry: &Entry) -> Vec<f32> {
        let data = &self.file.bytes()[entry.start..entry.end];
        match entry.element {
            Element::F32 => data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            Element::F16 => data
                .chunks_exact(2)
                .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
                .collect(),
            Element::BF16 => data
                .chunks_exact(2)
                .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
                .collect(),
        }
    }
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
        let heads = config
            .get("encoder_attention_heads")
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| {
                AsrError::format(&config_path, "has no encoder_attention_heads".into())
            })?;
        Ok(HfWhisper { file, heads })
    }

    fn width(&self) -> usize {
        self.file
            .entry("model.encoder.conv1.bias")
            .map_or(0, |entry| entry.shape[0])
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
        AsrError::format(
            &self.file.path,
            format!("has no tensor for {name}; it is not a Hugging Face Whisper checkpoint tccc understands"),
        )
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
            Some(Source::Direct(hf)) => Ok(self
                .file
                .entry(&hf)
                .ok_or_else(|| self.missing(name))?
                .shape
                .clone()),
            Some(Source::Rows(parts)) => {
                let mut rows = 0;
                let mut depth = None;
                for (hf, count) in &parts {
                    rows += count;
                    if let Some(hf) = hf {
                        let entry = self.file.entry(hf).ok_or_else(|| self.missing(name))?;
                        depth = entry.shape.get(1).copied();
                    }
                }
                Ok(depth.map_or(vec![rows], |depth| vec![rows, depth]))
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
            Some(Source::Direct(hf)) => Ok(self
                .file
                .values(self.file.entry(&hf).ok_or_else(|| self.missing(name))?)),
            Some(Source::Rows(parts)) => {
                let row_width: usize = expected.iter().skip(1).product();
                let mut values = Vec::with_capacity(expected.iter().product());
                for (hf, count) in &parts {
                    match hf {
                        Some(hf) => values.extend(
                            self.file
                                .values(self.file.entry(hf).ok_or_else(|| self.missing(name))?),
                        ),
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
            Some(Source::Direct(hf)) => self
                .file
                .entry(&hf)
                .is_some_and(|e| e.element == Element::F16),
            Some(Source::Rows(parts)) => parts.iter().all(|(hf, _)| {
                hf.as_ref().is_none_or(|hf| {
                    self.file
                        .entry(hf)
                        .is_some_and(|e| e.element == Element::F16)
                })
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
