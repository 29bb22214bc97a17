//! Which reader a VAD weights file gets: Silero VAD ships the same network as safetensors
//! and as ONNX; both readers implement [`TensorSource`] (defined, with the errors, in the
//! leaf module `model_file`, so the readers do not depend on this one).

use std::path::Path;

pub use super::model_file::{ModelFileError, TensorSource};
use super::onnx::OnnxInitializers;
use super::safetensors::SafetensorsFile;

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
