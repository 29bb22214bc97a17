//! Reads the initializers (the weights) of an ONNX model: just enough of the protobuf wire
//! format to walk `ModelProto.graph.initializer` and decode float tensors stored inline.
//! The graph itself is not interpreted: tccc's own code is the network.
//!
//! Every length is checked against the bytes that remain, nesting is fixed (model → graph →
//! tensor), and every loop advances, so a hostile file cannot make this read out of bounds
//! or loop forever.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::model_file::{read_weights_file, ModelFileError, TensorSource};

const MODEL_GRAPH_FIELD: u64 = 7;
const GRAPH_INITIALIZER_FIELD: u64 = 5;
const TENSOR_DIMS_FIELD: u64 = 1;
const TENSOR_DATA_TYPE_FIELD: u64 = 2;
const TENSOR_FLOAT_DATA_FIELD: u64 = 4;
const TENSOR_NAME_FIELD: u64 = 8;
const TENSOR_RAW_DATA_FIELD: u64 = 9;
const TENSOR_EXTERNAL_DATA_FIELD: u64 = 13;
const ONNX_FLOAT: u64 = 1;
/// Dimensions accepted for one tensor.
const TENSOR_RANK_MAX: usize = 8;

const WIRE_VARINT: u64 = 0;
const WIRE_FIXED64: u64 = 1;
const WIRE_LENGTH_DELIMITED: u64 = 2;
const WIRE_FIXED32: u64 = 5;

struct Initializer {
    dims: Vec<usize>,
    values: Box<[f32]>,
}

/// The float initializers of an ONNX model, by name.
pub struct OnnxInitializers {
    path: PathBuf,
    tensors: BTreeMap<String, Initializer>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&byte) = self.bytes.get(self.at) else {
                return Err("the file ends inside a number".to_owned());
            };
            self.at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a number is longer than 10 bytes".to_owned())
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(count)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| format!("a {count}-byte field runs past the end of its message"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn field(&mut self) -> Result<(u64, Field<'a>), String> {
        let key = self.varint()?;
        let number = key >> 3;
        match key & 7 {
            WIRE_VARINT => Ok((number, Field::Varint(self.varint()?))),
            WIRE_FIXED64 => self.take(8).map(|_| (number, Field::Fixed)),
            WIRE_LENGTH_DELIMITED => {
                let length =
                    usize::try_from(self.varint()?).map_err(|_| "length too large".to_owned())?;
                Ok((number, Field::Bytes(self.take(length)?)))
            }
            WIRE_FIXED32 => self.take(4).map(|_| (number, Field::Fixed)),
            other => Err(format!("unsupported protobuf wire type {other}")),
        }
    }
}

fn parse_tensor(bytes: &[u8]) -> Result<Option<(String, Initializer)>, String> {
    let mut reader = Reader::new(bytes);
    let mut dims = Vec::new();
    let mut data_type = 0;
    let mut name = String::new();
    let mut raw: Option<&[u8]> = None;
    let mut floats: Vec<f32> = Vec::new();
    while !reader.done() {
        match reader.field()? {
            (TENSOR_DIMS_FIELD, Field::Varint(value)) => dims.push(value),
            (TENSOR_DIMS_FIELD, Field::Bytes(packed)) => {
                let mut inner = Reader::new(packed);
                while !inner.done() {
                    dims.push(inner.varint()?);
                }
            }
            (TENSOR_DATA_TYPE_FIELD, Field::Varint(value)) => data_type = value,
            (TENSOR_FLOAT_DATA_FIELD, Field::Bytes(packed)) => {
                floats.extend(
                    packed
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                );
            }
            (TENSOR_NAME_FIELD, Field::Bytes(text)) => {
                name = String::from_utf8_lossy(text).into_owned();
            }
            (TENSOR_RAW_DATA_FIELD, Field::Bytes(data)) => raw = Some(data),
            (TENSOR_EXTERNAL_DATA_FIELD, _) => {
                return Err(format!(
                    "tensor `{name}` keeps its data in an external file, which tccc does not read"
                ));
            }
            _ => {}
        }
        if dims.len() > TENSOR_RANK_MAX {
            return Err(format!(
                "tensor `{name}` has more than {TENSOR_RANK_MAX} dimensions"
            ));
        }
    }
    if data_type != ONNX_FLOAT {
        return Ok(None);
    }
    let dims: Vec<usize> = dims
        .into_iter()
        .map(|d| {
            usize::try_from(d).map_err(|_| format!("tensor `{name}` has a dimension too large"))
        })
        .collect::<Result<_, _>>()?;
    let count = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| format!("tensor `{name}` is too large"))?;
    let values: Box<[f32]> = match raw {
        Some(data) => {
            if count.checked_mul(4) != Some(data.len()) {
                return Err(format!(
                    "tensor `{name}` holds {} bytes of data, its shape {dims:?} needs {count} \
                     four-byte values",
                    data.len()
                ));
            }
            data.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        }
        None => {
            if floats.len() != count {
                return Err(format!(
                    "tensor `{name}` holds {} values, its shape {dims:?} needs {count}",
                    floats.len()
                ));
            }
            floats.into_boxed_slice()
        }
    };
    Ok(Some((name, Initializer { dims, values })))
}

impl OnnxInitializers {
    /// Reads the float initializers of the ONNX model at `path`.
    pub fn open(path: &Path) -> Result<Self, ModelFileError> {
        Self::from_bytes(path, &read_weights_file(path, "ONNX")?)
    }

    /// Parses ONNX model bytes; `path` only names the source in errors.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self, ModelFileError> {
        let malformed = |what: String| ModelFileError::Malformed {
            path: path.to_owned(),
            format: "ONNX",
            what,
        };
        let mut tensors = BTreeMap::new();
        let mut saw_graph = false;
        let mut model = Reader::new(bytes);
        while !model.done() {
            let (number, field) = model.field().map_err(malformed)?;
            let (MODEL_GRAPH_FIELD, Field::Bytes(graph_bytes)) = (number, field) else {
                continue;
            };
            saw_graph = true;
            let mut graph = Reader::new(graph_bytes);
            while !graph.done() {
                let (number, field) = graph.field().map_err(malformed)?;
                if let (GRAPH_INITIALIZER_FIELD, Field::Bytes(tensor)) = (number, field) {
                    if let Some((name, initializer)) = parse_tensor(tensor).map_err(malformed)? {
                        tensors.insert(name, initializer);
                    }
                }
            }
        }
        if !saw_graph {
            return Err(malformed(
                "no graph found (is this an ONNX model?)".to_owned(),
            ));
        }
        Ok(OnnxInitializers {
            path: path.to_owned(),
            tensors,
        })
    }
}

impl TensorSource for OnnxInitializers {
    fn f32_tensor(&self, name: &str, shape: &[usize]) -> Result<Box<[f32]>, ModelFileError> {
        let tensor = self
            .tensors
            .get(name)
            .ok_or_else(|| ModelFileError::Tensor {
                path: self.path.clone(),
                tensor: name.to_owned(),
                what: "is missing (or is not a float initializer)".to_owned(),
            })?;
        if tensor.dims != shape {
            return Err(ModelFileError::Tensor {
                path: self.path.clone(),
                tensor: name.to_owned(),
                what: format!("has shape {:?}, expected {shape:?}", tensor.dims),
            });
        }
        Ok(tensor.values.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut value: u64, out: &mut Vec<u8>) {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn length_delimited(field: u64, body: &[u8], out: &mut Vec<u8>) {
        varint(field << 3 | WIRE_LENGTH_DELIMITED, out);
        varint(body.len() as u64, out);
        out.extend_from_slice(body);
    }

    fn model_with_tensor(dims: &[u64], values: &[f32]) -> Vec<u8> {
        let mut tensor = Vec::new();
        for &d in dims {
            varint(TENSOR_DIMS_FIELD << 3, &mut tensor);
            varint(d, &mut tensor);
        }
        varint(TENSOR_DATA_TYPE_FIELD << 3, &mut tensor);
        varint(ONNX_FLOAT, &mut tensor);
        length_delimited(TENSOR_NAME_FIELD, b"w", &mut tensor);
        let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        length_delimited(TENSOR_RAW_DATA_FIELD, &raw, &mut tensor);
        let mut graph = Vec::new();
        length_delimited(GRAPH_INITIALIZER_FIELD, &tensor, &mut graph);
        let mut model = Vec::new();
        varint(1 << 3, &mut model);
        varint(8, &mut model);
        length_delimited(MODEL_GRAPH_FIELD, &graph, &mut model);
        model
    }

    #[test]
    fn reads_a_raw_float_initializer() {
        let bytes = model_with_tensor(&[2, 1], &[1.5, -2.0]);
        let file = OnnxInitializers::from_bytes(Path::new("m.onnx"), &bytes).unwrap();
        assert_eq!(&*file.f32_tensor("w", &[2, 1]).unwrap(), &[1.5, -2.0]);
        assert!(file.f32_tensor("w", &[2]).is_err());
    }

    #[test]
    fn rejects_truncated_and_inconsistent_models() {
        let bytes = model_with_tensor(&[3], &[1.0, 2.0]);
        assert!(OnnxInitializers::from_bytes(Path::new("m.onnx"), &bytes).is_err());
        let good = model_with_tensor(&[2], &[1.0, 2.0]);
        for cut in 1..good.len() {
            // Any truncation is an error or a model without that tensor, never a panic.
            if let Ok(file) = OnnxInitializers::from_bytes(Path::new("m.onnx"), &good[..cut]) {
                assert!(file.f32_tensor("w", &[2]).is_err());
            }
        }
        assert!(OnnxInitializers::from_bytes(Path::new("m.onnx"), b"").is_err());
    }
}
