//! What the VAD weight readers share, with no dependency on either of them: the errors of
//! a model file, the [`TensorSource`] trait both readers implement, and the bounded read of
//! a weights file.

use std::io::Read;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::limits::VAD_MODEL_FILE_BYTES_MAX;

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

/// Reads a whole weights file, refusing one longer than `VAD_MODEL_FILE_BYTES_MAX` (a
/// lying or endless file cannot make the loader allocate without bound).
pub fn read_weights_file(path: &Path, format: &'static str) -> Result<Vec<u8>, ModelFileError> {
    let read_error = |error| ModelFileError::Read {
        path: path.to_owned(),
        error,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(VAD_MODEL_FILE_BYTES_MAX as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() > VAD_MODEL_FILE_BYTES_MAX {
        return Err(ModelFileError::Malformed {
            path: path.to_owned(),
            format,
            what: format!("longer than the {VAD_MODEL_FILE_BYTES_MAX} bytes a VAD model may be"),
        });
    }
    Ok(bytes)
}
