//! A reader of GGUF files (the llama.cpp model format): header, metadata key/values (every
//! value type, arrays included), the tensor table, alignment, and the tensors' bytes, all
//! bounds-checked against the file before anything is handed out.
//!
//! Layout (little-endian): `GGUF`, version (2 or 3), tensor count (u64), key/value count
//! (u64), the key/values (key string, type u32, value), the tensor infos (name, rank u32,
//! dims u64 each, type u32, offset u64), padding to `general.alignment` (32 by default),
//! then the tensor data, each tensor at its offset (a multiple of the alignment) from there.
//! Strings are a u64 length and UTF-8 bytes. Arrays are an element type (u32), a count
//! (u64) and the elements; they are not copied: [`Value::Array`] points into the file.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::limits::{
    LLM_GGUF_ARRAY_DEPTH_MAX, LLM_GGUF_KEYS_MAX, LLM_GGUF_STRING_BYTES_MAX, LLM_GGUF_TENSORS_MAX,
    LLM_MODEL_FILE_BYTES_MAX,
};
use crate::nn::mapped_file::ModelFile;

use super::LlmError;

const MAGIC: &[u8; 4] = b"GGUF";
const ALIGNMENT_DEFAULT: u64 = 32;
/// Ranks a GGUF tensor may have (ggml's GGML_MAX_DIMS).
pub const RANK_MAX: usize = 4;

/// The ggml tensor types this runtime reads (others are reported by number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorType {
    F32,
    F16,
    Q4_0,
    Q4_1,
    Q5_0,
    Q8_0,
    Q4K,
    Q6K,
    /// A type this runtime has no kernel for (ggml's number).
    Other(u32),
}

impl TensorType {
    fn from_code(code: u32) -> Self {
        match code {
            0 => TensorType::F32,
            1 => TensorType::F16,
            2 => TensorType::Q4_0,
            3 => TensorType::Q4_1,
            6 => TensorType::Q5_0,
            8 => TensorType::Q8_0,
            12 => TensorType::Q4K,
            14 => TensorType::Q6K,
            other => TensorType::Other(other),
        }
    }

    /// (elements per block, bytes per block); `None` for a type this reader cannot size.
    pub fn block(self) -> Option<(u64, u64)> {
        match self {
            TensorType::F32 => Some((1, 4)),
            TensorType::F16 => Some((1, 2)),
            TensorType::Q4_0 => Some((32, 18)),
            TensorType::Q4_1 => Some((32, 20)),
            TensorType::Q5_0 => Some((32, 22)),
            TensorType::Q8_0 => Some((32, 34)),
            TensorType::Q4K => Some((256, 144)),
            TensorType::Q6K => Some((256, 210)),
            TensorType::Other(_) => None,
        }
    }
}

/// A metadata value. Arrays and strings point into the file's bytes.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    U64(u64),
    I64(i64),
    F32(f32),
    F64(f64),
    Bool(bool),
    /// Byte range of the string's UTF-8 text in the file.
    String(Range<usize>),
    /// An array: its element type code, element count, and the byte range of the elements.
    Array {
        element: u32,
        count: u64,
        bytes: Range<usize>,
    },
}

/// One entry of the tensor table.
#[derive(Clone, Debug)]
pub struct TensorInfo {
    pub name: String,
    /// ggml order: `dims[0]` is the contiguous (innermost) dimension.
    pub dims: Vec<u64>,
    pub kind: TensorType,
    /// Byte range of the data in the file (checked to lie inside it).
    pub bytes: Range<usize>,
}

impl TensorInfo {
    /// Number of elements.
    pub fn elements(&self) -> u64 {
        self.dims.iter().product()
    }
}

/// A parsed GGUF file: the bytes and the tables pointing into them.
#[derive(Debug)]
pub struct Gguf {
    path: PathBuf,
    file: ModelFile,
    version: u32,
    metadata: Vec<(String, Value)>,
    tensors: Vec<TensorInfo>,
    alignment: u64,
}

/// A cursor over the file's bytes that reports every short read as the file's problem.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

type Problem = String;

impl<'a> Reader<'a> {
    fn take(&mut self, count: u64, what: &str) -> Result<Range<usize>, Problem> {
        let start = self.at;
        let end = usize::try_from(count)
            .ok()
            .and_then(|count| start.checked_add(count))
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| {
                format!(
                    "{what} at byte {start} needs {count} bytes but the file ends at {}",
                    self.bytes.len()
                )
            })?;
        self.at = end;
        Ok(start..end)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], Problem> {
        let range = self.take(N as u64, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[range]);
        Ok(out)
    }

    fn u32(&mut self, what: &str) -> Result<u32, Problem> {
        self.array::<4>(what).map(u32::from_le_bytes)
    }

    fn u64(&mut self, what: &str) -> Result<u64, Problem> {
        self.array::<8>(what).map(u64::from_le_bytes)
    }

    fn string(&mut self, what: &str) -> Result<Range<usize>, Problem> {
        let length = self.u64(what)?;
        if length > LLM_GGUF_STRING_BYTES_MAX as u64 {
            return Err(format!(
                "{what} at byte {} claims {length} bytes (at most {} allowed)",
                self.at, LLM_GGUF_STRING_BYTES_MAX
            ));
        }
        let range = self.take(length, what)?;
        std::str::from_utf8(&self.bytes[range.clone()])
            .map_err(|_| format!("{what} at byte {} is not UTF-8", range.start))?;
        Ok(range)
    }

    fn value(&mut self, kind: u32, depth: usize, what: &str) -> Result<Value, Problem> {
        Ok(match kind {
            0 => Value::U8(self.array::<1>(what)?[0]),
            1 => Value::I8(self.array::<1>(what)?[0] as i8),
            2 => Value::U16(u16::from_le_bytes(self.array(what)?)),
            3 => Value::I16(i16::from_le_bytes(self.array(what)?)),
            4 => Value::U32(self.u32(what)?),
            5 => Value::I32(i32::from_le_bytes(self.array(what)?)),
            6 => Value::F32(f32::from_le_bytes(self.array(what)?)),
            7 => match self.array::<1>(what)?[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                other => return Err(format!("{what} is a bool of value {other}")),
            },
            8 => Value::String(self.string(what)?),
            9 => {
                if depth >= LLM_GGUF_ARRAY_DEPTH_MAX {
                    return Err(format!(
                        "{what} nests arrays deeper than {LLM_GGUF_ARRAY_DEPTH_MAX}"
                    ));
                }
                let element = self.u32(what)?;
                let count = self.u64(what)?;
                let start = self.at;
                match fixed_size(element) {
                    Some(size) => {
                        let total = count.checked_mul(size).ok_or_else(|| {
                            format!("{what} claims {count} elements, more than a file holds")
                        })?;
                        self.take(total, what)?;
                    }
                    None => {
                        if element != 8 && element != 9 {
                            return Err(format!("{what} has elements of unknown type {element}"));
                        }
                        // Each string or array element takes at least 8 bytes, so the loop
                        // ends by the file's end whatever the count claims.
                        for _ in 0..count {
                            self.value(element, depth + 1, what)?;
                        }
                    }
                }
                Value::Array {
                    element,
                    count,
                    bytes: start..self.at,
                }
            }
            10 => Value::U64(self.u64(what)?),
            11 => Value::I64(i64::from_le_bytes(self.array(what)?)),
            12 => Value::F64(f64::from_le_bytes(self.array(what)?)),
            other => return Err(format!("{what} has unknown value type {other}")),
        })
    }
}

/// Bytes of one element of a fixed-size metadata type.
fn fixed_size(kind: u32) -> Option<u64> {
    match kind {
        0 | 1 | 7 => Some(1),
        2 | 3 => Some(2),
        4..=6 => Some(4),
        10..=12 => Some(8),
        _ => None,
    }
}

impl Gguf {
    /// Opens and parses the GGUF file at `path` (mapped when it lies in a trusted model
    /// folder, read otherwise; see `nn::mapped_file`).
    pub fn open(path: &Path) -> Result<Self, LlmError> {
        let file =
            ModelFile::open(path, LLM_MODEL_FILE_BYTES_MAX).map_err(|source| LlmError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        Self::parse(path, file)
    }

    /// Parses a GGUF file already in memory; `path` names it in errors.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self, LlmError> {
        Self::parse(path, ModelFile::from_bytes(bytes))
    }

    fn parse(path: &Path, file: ModelFile) -> Result<Self, LlmError> {
        let bad = |problem: Problem| LlmError::BadFile {
            path: path.to_path_buf(),
            problem,
        };
        let bytes = file.bytes();
        let mut reader = Reader { bytes, at: 0 };
        let magic = reader.array::<4>("the magic number").map_err(bad)?;
        if &magic != MAGIC {
            return Err(bad(format!(
                "it does not start with GGUF (found {magic:?}); is it a GGUF model?"
            )));
        }
        let version = reader.u32("the version").map_err(bad)?;
        if !(2..=3).contains(&version) {
            return Err(bad(format!(
                "GGUF version {version} is not supported (2 and 3 are)"
            )));
        }
        let tensor_count = reader.u64("the tensor count").map_err(bad)?;
        let key_count = reader.u64("the key count").map_err(bad)?;
        if tensor_count > LLM_GGUF_TENSORS_MAX as u64 || key_count > LLM_GGUF_KEYS_MAX as u64 {
            return Err(bad(format!(
                "it claims {tensor_count} tensors and {key_count} keys (at most {} and {})",
                LLM_GGUF_TENSORS_MAX, LLM_GGUF_KEYS_MAX
            )));
        }
        let mut metadata = Vec::with_capacity(key_count as usize);
        for index in 0..key_count {
            let key = reader
                .string(&format!("the name of key {index}"))
                .map_err(bad)?;
            let key = text(bytes, &key).to_owned();
            let what = format!("the value of {key}");
            let kind = reader.u32(&what).map_err(bad)?;
            let value = reader.value(kind, 0, &what).map_err(bad)?;
            if metadata.iter().any(|(name, _)| *name == key) {
                return Err(bad(format!("key {key} appears twice")));
            }
            metadata.push((key, value));
        }
        let alignment = match metadata
            .iter()
            .find(|(name, _)| name == "general.alignment")
        {
            None => ALIGNMENT_DEFAULT,
            Some((_, Value::U32(value))) => u64::from(*value),
            Some((_, other)) => {
                return Err(bad(format!("general.alignment is {other:?}, not a u32")));
            }
        };
        if alignment == 0 || !alignment.is_power_of_two() || alignment > 1 << 20 {
            return Err(bad(format!(
                "general.alignment {alignment} is not a power of two up to 1 MiB"
            )));
        }
        let mut infos = Vec::with_capacity(tensor_count as usize);
        for index in 0..tensor_count {
            let name = reader
                .string(&format!("the name of tensor {index}"))
                .map_err(bad)?;
            let name = text(bytes, &name).to_owned();
            let rank = reader.u32(&format!("the rank of {name}")).map_err(bad)? as usize;
            if rank == 0 || rank > RANK_MAX {
                return Err(bad(format!(
                    "tensor {name} has rank {rank} (1 to {RANK_MAX} allowed)"
                )));
            }
            let mut dims = Vec::with_capacity(rank);
            for _ in 0..rank {
                dims.push(reader.u64(&format!("the shape of {name}")).map_err(bad)?);
            }
            let kind =
                TensorType::from_code(reader.u32(&format!("the type of {name}")).map_err(bad)?);
            let offset = reader.u64(&format!("the offset of {name}")).map_err(bad)?;
            infos.push((name, dims, kind, offset));
        }
        let data_start = (reader.at as u64).div_ceil(alignment) * alignment;
        let file_length = bytes.len() as u64;
        if data_start > file_length {
            return Err(bad(format!(
                "its tensor data would start at byte {data_start}, past its end ({file_length})"
            )));
        }
        let mut tensors: Vec<TensorInfo> = Vec::with_capacity(infos.len());
        for (name, dims, kind, offset) in infos {
            if tensors.iter().any(|tensor| tensor.name == name) {
                return Err(bad(format!("tensor {name} appears twice")));
            }
            if offset % alignment != 0 {
                return Err(bad(format!(
                    "tensor {name}'s offset {offset} is not a multiple of the alignment {alignment}"
                )));
            }
            let elements = dims
                .iter()
                .try_fold(1u64, |product, &dim| product.checked_mul(dim))
                .filter(|&elements| elements > 0)
                .ok_or_else(|| {
                    bad(format!(
                        "tensor {name} has shape {dims:?}, empty or too large"
                    ))
                })?;
            let size = match kind.block() {
                Some((block_elements, block_bytes)) => {
                    if dims[0] % block_elements != 0 {
                        return Err(bad(format!(
                            "tensor {name}'s rows ({}) are not whole blocks of {block_elements}",
                            dims[0]
                        )));
                    }
                    (elements / block_elements).checked_mul(block_bytes)
                }
                // Unknown types: no size known, so the tensor is refused when asked for.
                None => Some(0),
            };
            let range = size
                .and_then(|size| {
                    let start = data_start.checked_add(offset)?;
                    let end = start.checked_add(size)?;
                    (end <= file_length).then_some(start as usize..end as usize)
                })
                .ok_or_else(|| {
                    bad(format!(
                        "tensor {name} ({kind:?}, shape {dims:?}) at offset {offset} runs past \
                         the file's end ({file_length} bytes); the file is truncated"
                    ))
                })?;
            tensors.push(TensorInfo {
                name,
                dims,
                kind,
                bytes: range,
            });
        }
        Ok(Gguf {
            path: path.to_path_buf(),
            file,
            version,
            metadata,
            tensors,
            alignment,
        })
    }

    /// The file's path (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The GGUF version (2 or 3).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The data alignment.
    pub fn alignment(&self) -> u64 {
        self.alignment
    }

    /// Every key/value, in file order.
    pub fn metadata(&self) -> &[(String, Value)] {
        &self.metadata
    }

    /// The tensor table, in file order.
    pub fn tensors(&self) -> &[TensorInfo] {
        &self.tensors
    }

    /// The whole file's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.file.bytes()
    }

    /// Whether the file is memory-mapped.
    pub fn is_mapped(&self) -> bool {
        self.file.is_mapped()
    }

    /// An error about this file.
    pub fn error(&self, problem: impl Into<String>) -> LlmError {
        LlmError::BadFile {
            path: self.path.clone(),
            problem: problem.into(),
        }
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.metadata
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }

    fn require(&self, key: &str) -> Result<&Value, LlmError> {
        self.get(key)
            .ok_or_else(|| self.error(format!("it has no metadata key {key}")))
    }

    /// An unsigned integer value (any width) of `key`.
    pub fn u64(&self, key: &str) -> Result<u64, LlmError> {
        match self.require(key)? {
            Value::U8(value) => Ok(u64::from(*value)),
            Value::U16(value) => Ok(u64::from(*value)),
            Value::U32(value) => Ok(u64::from(*value)),
            Value::U64(value) => Ok(*value),
            Value::I8(value) if *value >= 0 => Ok(*value as u64),
            Value::I16(value) if *value >= 0 => Ok(*value as u64),
            Value::I32(value) if *value >= 0 => Ok(*value as u64),
            Value::I64(value) if *value >= 0 => Ok(*value as u64),
            other => Err(self.error(format!("{key} is {other:?}, not an unsigned integer"))),
        }
    }

    /// A float value of `key`.
    pub fn f32(&self, key: &str) -> Result<f32, LlmError> {
        match self.require(key)? {
            Value::F32(value) => Ok(*value),
            Value::F64(value) => Ok(*value as f32),
            other => Err(self.error(format!("{key} is {other:?}, not a float"))),
        }
    }

    /// A bool value of `key`.
    pub fn bool(&self, key: &str) -> Result<bool, LlmError> {
        match self.require(key)? {
            Value::Bool(value) => Ok(*value),
            other => Err(self.error(format!("{key} is {other:?}, not a bool"))),
        }
    }

    /// A string value of `key`.
    pub fn str(&self, key: &str) -> Result<&str, LlmError> {
        match self.require(key)? {
            Value::String(range) => Ok(text(self.bytes(), range)),
            other => Err(self.error(format!("{key} is {other:?}, not a string"))),
        }
    }

    /// The elements of the string array `key`, in order.
    pub fn strings(&self, key: &str) -> Result<StringArray<'_>, LlmError> {
        match self.require(key)? {
            Value::Array {
                element: 8,
                count,
                bytes,
            } => Ok(StringArray {
                bytes: &self.bytes()[bytes.clone()],
                remaining: *count,
            }),
            other => Err(self.error(format!("{key} is {other:?}, not an array of strings"))),
        }
    }

    /// The elements of the integer array `key` (any integer element type), as i64.
    pub fn integers(&self, key: &str) -> Result<Vec<i64>, LlmError> {
        let (element, count, data) = self.array(key)?;
        let size = match element {
            0 | 1 => 1,
            2 | 3 => 2,
            4 | 5 => 4,
            10 | 11 => 8,
            other => {
                return Err(self.error(format!("{key} has elements of type {other}, not integers")))
            }
        };
        let mut out = Vec::with_capacity(count);
        for chunk in data.chunks_exact(size) {
            let mut wide = [0u8; 8];
            wide[..size].copy_from_slice(chunk);
            let unsigned = u64::from_le_bytes(wide);
            out.push(match element {
                1 => chunk[0] as i8 as i64,
                3 => i16::from_le_bytes([chunk[0], chunk[1]]) as i64,
                5 => i32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) as i64,
                _ => unsigned as i64,
            });
        }
        Ok(out)
    }

    /// The elements of the float array `key` (f32 or f64 elements), as f32.
    pub fn floats(&self, key: &str) -> Result<Vec<f32>, LlmError> {
        let (element, count, data) = self.array(key)?;
        let mut out = Vec::with_capacity(count);
        match element {
            6 => out.extend(
                data.chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            ),
            12 => out.extend(data.chunks_exact(8).map(|b| {
                f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
            })),
            other => {
                return Err(self.error(format!("{key} has elements of type {other}, not floats")))
            }
        }
        Ok(out)
    }

    /// The array `key`: its element type code, element count and element bytes.
    fn array(&self, key: &str) -> Result<(u32, usize, &[u8]), LlmError> {
        let Value::Array {
            element,
            count,
            bytes,
        } = self.require(key)?
        else {
            return Err(self.error(format!("{key} is not an array")));
        };
        Ok((*element, *count as usize, &self.bytes()[bytes.clone()]))
    }

    /// The tensor named `name`.
    pub fn tensor(&self, name: &str) -> Result<&TensorInfo, LlmError> {
        self.tensors
            .iter()
            .find(|tensor| tensor.name == name)
            .ok_or_else(|| self.error(format!("it has no tensor {name}")))
    }

    /// The bytes of a tensor from this file's table.
    pub fn tensor_bytes(&self, tensor: &TensorInfo) -> &[u8] {
        &self.bytes()[tensor.bytes.clone()]
    }
}

fn text<'a>(bytes: &'a [u8], range: &Range<usize>) -> &'a str {
    // Every string range was checked to be UTF-8 when it was read.
    std::str::from_utf8(&bytes[range.clone()]).unwrap_or("")
}

/// The strings of a string array, read in order (each checked when the file was parsed).
#[derive(Debug, Clone)]
pub struct StringArray<'a> {
    bytes: &'a [u8],
    remaining: u64,
}

impl StringArray<'_> {
    /// Elements not yet read.
    pub fn len(&self) -> usize {
        self.remaining as usize
    }

    /// Whether every element was read.
    pub fn is_empty(&self) -> bool {
        self.remaining == 0
    }
}

impl<'a> Iterator for StringArray<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.remaining == 0 || self.bytes.len() < 8 {
            return None;
        }
        let mut length = [0u8; 8];
        length.copy_from_slice(&self.bytes[..8]);
        let length = usize::try_from(u64::from_le_bytes(length)).ok()?;
        let end = 8usize
            .checked_add(length)
            .filter(|&end| end <= self.bytes.len())?;
        let item = std::str::from_utf8(&self.bytes[8..end]).ok()?;
        self.bytes = &self.bytes[end..];
        self.remaining -= 1;
        Some(item)
    }
}

/// Builds GGUF files for tests and fuzzing.
#[derive(Debug, Default)]
pub struct GgufWriter {
    keys: Vec<(String, u32, Vec<u8>)>,
    tensors: Vec<(String, Vec<u64>, u32, Vec<u8>)>,
}

fn string_bytes(text: &str) -> Vec<u8> {
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(text.as_bytes());
    out
}

impl GgufWriter {
    /// A key with a raw value of type `kind`.
    pub fn raw(&mut self, key: &str, kind: u32, value: Vec<u8>) -> &mut Self {
        self.keys.push((key.to_owned(), kind, value));
        self
    }

    /// A u32 key.
    pub fn u32(&mut self, key: &str, value: u32) -> &mut Self {
        self.raw(key, 4, value.to_le_bytes().to_vec())
    }

    /// An f32 key.
    pub fn f32(&mut self, key: &str, value: f32) -> &mut Self {
        self.raw(key, 6, value.to_le_bytes().to_vec())
    }

    /// A bool key.
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.raw(key, 7, vec![u8::from(value)])
    }

    /// A string key.
    pub fn string(&mut self, key: &str, value: &str) -> &mut Self {
        self.raw(key, 8, string_bytes(value))
    }

    /// A string-array key.
    pub fn strings(&mut self, key: &str, values: &[&str]) -> &mut Self {
        let mut out = 8u32.to_le_bytes().to_vec();
        out.extend_from_slice(&(values.len() as u64).to_le_bytes());
        for value in values {
            out.extend_from_slice(&string_bytes(value));
        }
        self.raw(key, 9, out)
    }

    /// An i32-array key.
    pub fn i32s(&mut self, key: &str, values: &[i32]) -> &mut Self {
        let mut out = 5u32.to_le_bytes().to_vec();
        out.extend_from_slice(&(values.len() as u64).to_le_bytes());
        for value in values {
            out.extend_from_slice(&value.to_le_bytes());
        }
        self.raw(key, 9, out)
    }

    /// A tensor of ggml type code `kind` with its raw bytes.
    pub fn tensor(&mut self, name: &str, dims: &[u64], kind: u32, data: Vec<u8>) -> &mut Self {
        self.tensors
            .push((name.to_owned(), dims.to_vec(), kind, data));
        self
    }

    /// The file's bytes (version 3, alignment 32).
    pub fn finish(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&(self.tensors.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.keys.len() as u64).to_le_bytes());
        for (key, kind, value) in &self.keys {
            out.extend_from_slice(&string_bytes(key));
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(value);
        }
        let mut offset = 0u64;
        let mut offsets = Vec::new();
        for (_, _, _, data) in &self.tensors {
            offsets.push(offset);
            offset = (offset + data.len() as u64).div_ceil(ALIGNMENT_DEFAULT) * ALIGNMENT_DEFAULT;
        }
        for ((name, dims, kind, _), offset) in self.tensors.iter().zip(&offsets) {
            out.extend_from_slice(&string_bytes(name));
            out.extend_from_slice(&(dims.len() as u32).to_le_bytes());
            for dim in dims {
                out.extend_from_slice(&dim.to_le_bytes());
            }
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&offset.to_le_bytes());
        }
        for (_, _, _, data) in &self.tensors {
            let aligned = (out.len() as u64).div_ceil(ALIGNMENT_DEFAULT) * ALIGNMENT_DEFAULT;
            out.resize(aligned as usize, 0);
            out.extend_from_slice(data);
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut writer = GgufWriter::default();
        writer
            .string("general.architecture", "llama")
            .u32("llama.block_count", 2)
            .f32("llama.rope.freq_base", 10000.0)
            .bool("tokenizer.ggml.add_bos_token", false)
            .strings("tokenizer.ggml.tokens", &["a", "b", "ab"])
            .i32s("tokenizer.ggml.token_type", &[1, 1, 3])
            .tensor("w", &[4, 2], 0, vec![0u8; 32])
            .tensor("q", &[32, 1], 3, vec![1u8; 20]);
        writer.finish()
    }

    #[test]
    fn a_written_file_reads_back() {
        let gguf = Gguf::from_bytes(Path::new("t.gguf"), sample()).unwrap();
        assert_eq!(gguf.str("general.architecture").unwrap(), "llama");
        assert_eq!(gguf.u64("llama.block_count").unwrap(), 2);
        assert_eq!(gguf.f32("llama.rope.freq_base").unwrap(), 10000.0);
        assert!(!gguf.bool("tokenizer.ggml.add_bos_token").unwrap());
        let tokens: Vec<&str> = gguf.strings("tokenizer.ggml.tokens").unwrap().collect();
        assert_eq!(tokens, ["a", "b", "ab"]);
        assert_eq!(
            gguf.integers("tokenizer.ggml.token_type").unwrap(),
            [1, 1, 3]
        );
        let w = gguf.tensor("w").unwrap();
        assert_eq!(w.kind, TensorType::F32);
        assert_eq!(gguf.tensor_bytes(w).len(), 32);
        let q = gguf.tensor("q").unwrap();
        assert_eq!(q.kind, TensorType::Q4_1);
        assert_eq!(gguf.tensor_bytes(q), [1u8; 20]);
        assert_eq!(q.bytes.start % 32, 0);
    }

    #[test]
    fn every_truncation_is_an_error_naming_the_file() {
        let bytes = sample();
        for cut in 0..bytes.len() {
            let error = Gguf::from_bytes(Path::new("cut.gguf"), bytes[..cut].to_vec())
                .unwrap_err()
                .to_string();
            assert!(error.contains("cut.gguf"), "{error}");
        }
    }

    #[test]
    fn lying_sizes_are_refused() {
        let mut writer = GgufWriter::default();
        writer.tensor("w", &[4, u64::MAX / 2], 0, vec![0u8; 16]);
        let error = Gguf::from_bytes(Path::new("x.gguf"), writer.finish()).unwrap_err();
        assert!(error.to_string().contains("shape"), "{error}");
        let mut writer = GgufWriter::default();
        writer.tensor("q", &[31], 3, vec![0u8; 20]);
        assert!(Gguf::from_bytes(Path::new("x.gguf"), writer.finish()).is_err());
        let mut bytes = sample();
        bytes[0] = b'X';
        let error = Gguf::from_bytes(Path::new("x.gguf"), bytes).unwrap_err();
        assert!(error.to_string().contains("GGUF"), "{error}");
    }
}
