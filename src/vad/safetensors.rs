//! Silero's safetensors weights through the `safetensors` crate, which checks the header
//! against the file (every byte range inside the data, matching its shape and type, the
//! ranges tiling the data). Only what tccc's models need: little-endian `F32` tensors,
//! checked against the shape the caller expects.

use std::path::{Path, PathBuf};

use safetensors::tensor::Metadata;
use safetensors::{Dtype, SafeTensors};

use crate::limits::SAFETENSORS_HEADER_BYTES_MAX;

use super::model_file::{read_weights_file, ModelFileError as SafetensorsError, TensorSource};

/// An opened safetensors file: its bytes and the checked header.
pub struct SafetensorsFile {
    path: PathBuf,
    bytes: Vec<u8>,
    data_start: usize,
    metadata: Metadata,
}

impl SafetensorsFile {
    /// Reads and checks a safetensors file.
    pub fn open(path: &Path) -> Result<Self, SafetensorsError> {
        Self::from_bytes(path, read_weights_file(path, "safetensors")?)
    }

    /// Parses safetensors bytes; `path` only names the source in errors.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self, SafetensorsError> {
        let malformed = |what: String| SafetensorsError::Malformed {
            path: path.to_owned(),
            format: "safetensors",
            what,
        };
        let Some(header_bytes) = bytes
            .get(..8)
            .and_then(|length| <[u8; 8]>::try_from(length).ok())
            .map(u64::from_le_bytes)
        else {
            return Err(malformed(format!("only {} bytes long", bytes.len())));
        };
        if header_bytes > SAFETENSORS_HEADER_BYTES_MAX as u64 {
            return Err(malformed(format!(
                "header length {header_bytes} is more than the {SAFETENSORS_HEADER_BYTES_MAX} \
                 allowed"
            )));
        }
        let (header_bytes, metadata) = SafeTensors::read_metadata(&bytes)
            .map_err(|error| malformed(format!("{error} (truncated or damaged?)")))?;
        Ok(SafetensorsFile {
            path: path.to_owned(),
            data_start: 8 + header_bytes,
            bytes,
            metadata,
        })
    }
}

impl TensorSource for SafetensorsFile {
    fn f32_tensor(&self, name: &str, shape: &[usize]) -> Result<Box<[f32]>, SafetensorsError> {
        let tensor_error = |what: String| SafetensorsError::Tensor {
            path: self.path.clone(),
            tensor: name.to_owned(),
            what,
        };
        let entry = self
            .metadata
            .info(name)
            .ok_or_else(|| tensor_error("is missing".to_owned()))?;
        if entry.dtype != Dtype::F32 {
            return Err(tensor_error(format!(
                "has dtype {}, expected F32",
                entry.dtype
            )));
        }
        if entry.shape != shape {
            return Err(tensor_error(format!(
                "has shape {:?}, expected {shape:?}",
                entry.shape
            )));
        }
        // `read_metadata` checked that the range fits the shape and lies in the file.
        let (begin, end) = entry.data_offsets;
        let data = self
            .bytes
            .get(self.data_start + begin..self.data_start + end)
            .ok_or_else(|| tensor_error(format!("claims bytes {begin}..{end} past the end")))?;
        Ok(data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(header: &str, data: &[u8]) -> Vec<u8> {
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    #[test]
    fn reads_a_tensor_and_checks_its_shape() {
        let data: Vec<u8> = [1.0f32, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let bytes = file_with(
            r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
            &data,
        );
        let file = SafetensorsFile::from_bytes(Path::new("t"), bytes).unwrap();
        assert_eq!(&*file.f32_tensor("w", &[2]).unwrap(), &[1.0, 2.0]);
        assert!(file.f32_tensor("w", &[1, 2]).is_err());
        assert!(file.f32_tensor("missing", &[2]).is_err());
    }

    #[test]
    fn rejects_truncated_and_foreign_files() {
        let path = Path::new("t");
        assert!(SafetensorsFile::from_bytes(path, vec![1, 2, 3]).is_err());
        assert!(SafetensorsFile::from_bytes(path, file_with("not json", &[])).is_err());
        let past_end = file_with(
            r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
            &[0; 4],
        );
        assert!(SafetensorsFile::from_bytes(path, past_end).is_err());
        let mut huge = u64::MAX.to_le_bytes().to_vec();
        huge.extend_from_slice(b"{}");
        assert!(SafetensorsFile::from_bytes(path, huge).is_err());
    }
}
