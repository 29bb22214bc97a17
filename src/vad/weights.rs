//! Where model weights come from: a file format that hands out named `f32` tensors of a
//! checked shape. Silero VAD ships the same network as safetensors and as ONNX; both
//! readers implement [`TensorSource`].

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::onnx::OnnxInitializers;
use super::safetensors::SafetensorsFile;

/// What can be wrong with a model file.
#[derive(Debug, Error)]
pub enum ModelFileError {
    /// The file could not be read.
    #[error(
        "cannot read model file {path}: {error}; run `models/fetch` to (re)install the models"
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        error: std::io::Error,
    },
    /// The file is not valid in its format.
    #[error(
        "model file {path} is not a valid {format} file: {what}; it may be truncated or \
             replaced — run `models/fetch` to restore it"
    )]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The format expected from the file name.
        format: &'static str,
        /// What is wrong.
        what: String,
    },
    /// A tensor the model needs is missing or has the wrong type or shape.
    #[error(
        "model file {path}: tensor `{tensor}` {what}; this is not the model tccc expects \
             (check the path in the configuration)"
    )]
    Tensor {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// What is wrong.
        what: String,
    },
    /// The file name's extension names no format tccc reads.
    #[error("model file {0}: unknown format; tccc reads `.safetensors` and `.onnx` weights")]
    UnknownFormat(PathBuf),
}

/// Named `f32` tensors out of a model file.
pub trait TensorSource {
    /// Copies tensor `name`, checking that it is `f32` with shape `shape`.
    fn f32_tensor(&self, name: &str, shape: &[usize]) -> Result<Box<[f32]>, ModelFileError>;
}

/// The two layouts the Silero VAD weights come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightNaming {
    /// `silero_vad_16k.safetensors`: `stft_conv.weight`, `conv1.weight`, `lstm_cell.*`, …
    Safetensors,
    /// The ONNX export: `model.stft.forward_basis_buffer`, `model.encoder.0.reparam_conv.*`, …
    Onnx,
}

/// An opened weights file of either format.
pub enum WeightsFile {
    /// A safetensors file.
    Safetensors(SafetensorsFile),
    /// An ONNX model's initializers.
    Onnx(OnnxInitializers),
}

impl WeightsFile {
    /// Opens `path`, choosing the reader by its extension.
    pub fn open(path: &Path) -> Result<Self, ModelFileError> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("safetensors") => Ok(WeightsFile::Safetensors(SafetensorsFile::open(path)?)),
            Some("onnx") => Ok(WeightsFile::Onnx(OnnxInitializers::open(path)?)),
            _ => Err(ModelFileError::UnknownFormat(path.to_owned())),
        }
    }

    /// How tensors are named in this file.
    pub fn naming(&self) -> WeightNaming {
        match self {
            WeightsFile::Safetensors(_) => WeightNaming::Safetensors,
            WeightsFile::Onnx(_) => WeightNaming::Onnx,
        }
    }
}

impl TensorSource for WeightsFile {
    fn f32_tensor(&self, name: &str, shape: &[usize]) -> Result<Box<[f32]>, ModelFileError> {
        match self {
            WeightsFile::Safetensors(file) => file.f32_tensor(name, shape),
            WeightsFile::Onnx(file) => file.f32_tensor(name, shape),
        }
    }
}
