//! A reader for safetensors files (an 8-byte little-endian header length, a JSON header
//! naming each tensor's dtype, shape and byte range, then the raw data). Only what tccc's
//! models need: little-endian `F32` tensors, checked against the shape the caller expects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::limits::SAFETENSORS_HEADER_BYTES_MAX;

use super::weights::{ModelFileError as SafetensorsError, TensorSource};

#[derive(Debug, Deserialize)]
struct TensorEntry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [usize; 2],
}

/// An opened safetensors file: its bytes and the parsed header.
pub struct SafetensorsFile {
    path: PathBuf,
    bytes: Vec<u8>,
    data_start: usize,
    tensors: BTreeMap<String, TensorEntry>,
}

impl SafetensorsFile {
    /// Reads and checks a safetensors file.
    pub fn open(path: &Path) -> Result<Self, SafetensorsError> {
        let bytes = std::fs::read(path).map_err(|error| SafetensorsError::Read {
            path: path.to_owned(),
            error,
        })?;
        Self::from_bytes(path, bytes)
    }

    /// Parses safetensors bytes; `path` only names the source in errors.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self, SafetensorsError> {
        let malformed = |what: String| SafetensorsError::Malformed {
            path: path.to_owned(),
            format: "safetensors",
            what,
        };
        if bytes.len() < 8 {
            return Err(malformed(format!("only {} bytes long", bytes.len())));
        }
        let mut length = [0u8; 8];
        length.copy_from_slice(&bytes[..8]);
        let header_bytes = u64::from_le_bytes(length);
        if header_bytes > SAFETENSORS_HEADER_BYTES_MAX as u64
            || header_bytes + 8 > bytes.len() as u64
        {
            return Err(malformed(format!(
                "header length {header_bytes} does not fit the {}-byte file",
                bytes.len()
            )));
        }
        let data_start = 8 + header_bytes as usize;
        let mut raw: BTreeMap<String, serde_json::Value> =
            serde_json::from_slice(&bytes[8..data_start])
                .map_err(|error| malformed(format!("header is not a JSON object ({error})")))?;
        raw.remove("__metadata__");
        let mut tensors = BTreeMap::new();
        for (name, value) in raw {
            let entry: TensorEntry = serde_json::from_value(value)
                .map_err(|error| malformed(format!("entry `{name}` is malformed ({error})")))?;
            let [begin, end] = entry.data_offsets;
            if begin > end
                || data_start
                    .checked_add(end)
                    .is_none_or(|last| last > bytes.len())
            {
                return Err(malformed(format!(
                    "tensor `{name}` claims bytes {begin}..{end} past the end of the data"
                )));
            }
            tensors.insert(name, entry);
        }
        Ok(SafetensorsFile {
            path: path.to_owned(),
            bytes,
            data_start,
            tensors,
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
            .tensors
            .get(name)
            .ok_or_else(|| tensor_error("is missing".to_owned()))?;
        if entry.dtype != "F32" {
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
        let count: usize = shape.iter().product();
        let [begin, end] = entry.data_offsets;
        if end - begin != count * 4 {
            return Err(tensor_error(format!(
                "holds {} bytes, but shape {shape:?} needs {}",
                end - begin,
                count * 4
            )));
        }
        let data = &self.bytes[self.data_start + begin..self.data_start + end];
        Ok(data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vad::weights::TensorSource;

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
