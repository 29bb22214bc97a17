//! Reader for CTranslate2's `model.bin` (DESIGN.md §3): little-endian; u32 version,
//! u16-prefixed spec name, u32 revision, u32 variable count, then per variable a u16-prefixed
//! name, u8 rank, u32 dims, u8 dtype, u32 byte size and the data; then u32 alias count and
//! pairs of u16-prefixed names. Every length is checked against the file before it is used.

use std::path::{Path, PathBuf};

use super::weights::WeightSource;
use super::AsrError;
use crate::limits::{ASR_MODEL_FILE_BYTES_MAX, ASR_MODEL_NAME_BYTES_MAX, ASR_MODEL_VARIABLES_MAX};
use crate::nn::mapped_file::ModelFile;
use crate::nn::ops::f16_to_f32;
use crate::nn::PackedMatrix;

/// Element type codes of CTranslate2's `DataType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataType {
    Float32,
    Int8,
    Int16,
    Int32,
    Float16,
    BFloat16,
}

impl DataType {
    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => DataType::Float32,
            1 => DataType::Int8,
            2 => DataType::Int16,
            3 => DataType::Int32,
            4 => DataType::Float16,
            5 => DataType::BFloat16,
            _ => return None,
        })
    }

    fn bytes(self) -> usize {
        match self {
            DataType::Float32 | DataType::Int32 => 4,
            DataType::Int16 | DataType::Float16 | DataType::BFloat16 => 2,
            DataType::Int8 => 1,
        }
    }
}

/// One named tensor inside the file.
#[derive(Clone, Debug)]
pub struct Variable {
    pub name: String,
    pub dims: Vec<usize>,
    pub dtype: DataType,
    offset: usize,
    byte_len: usize,
}

/// A parsed `model.bin` (mapped or read, see `nn::mapped_file`); tensors are converted to
/// `f32` on request.
#[derive(Debug)]
pub struct Ct2Model {
    path: PathBuf,
    file: ModelFile,
    pub spec_name: String,
    variables: Vec<Variable>,
    aliases: Vec<(String, String)>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    position: usize,
    path: &'a Path,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, count: usize, what: &str) -> Result<&'a [u8], AsrError> {
        let end = self
            .position
            .checked_add(count)
            .filter(|&end| end <= self.bytes.len());
        let Some(end) = end else {
            return Err(AsrError::format(
                self.path,
                format!(
                    "file ends at byte {} while reading {what} ({count} bytes at {}); the file \
                     is truncated",
                    self.bytes.len(),
                    self.position
                ),
            ));
        };
        let slice = &self.bytes[self.position..end];
        self.position = end;
        Ok(slice)
    }

    fn u8(&mut self, what: &str) -> Result<u8, AsrError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, AsrError> {
        let bytes = self.take(2, what)?;
        Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32, AsrError> {
        let bytes = self.take(4, what)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn name(&mut self, what: &str) -> Result<String, AsrError> {
        let length = usize::from(self.u16(what)?);
        if length > ASR_MODEL_NAME_BYTES_MAX {
            return Err(AsrError::format(
                self.path,
                format!("{what} is {length} bytes long"),
            ));
        }
        let raw = self.take(length, what)?;
        // Names are stored with their terminating NUL.
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|_| AsrError::format(self.path, format!("{what} is not UTF-8")))
    }
}

impl Ct2Model {
    /// Opens and indexes `path`. Fails with [`AsrError::ModelFormat`] naming the file if it is
    /// not a CTranslate2 model, is truncated, or declares sizes that disagree with its shapes.
    pub fn open(path: &Path) -> Result<Self, AsrError> {
        let file = ModelFile::open(path, ASR_MODEL_FILE_BYTES_MAX).map_err(AsrError::io(path))?;
        Self::from_file(path, file)
    }

    /// Parses a `model.bin` already in memory; `path` only names it in errors.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self, AsrError> {
        Self::from_file(path, ModelFile::from_bytes(bytes))
    }

    fn from_file(path: &Path, file: ModelFile) -> Result<Self, AsrError> {
        let bytes = file.bytes();
        if bytes.len() > ASR_MODEL_FILE_BYTES_MAX {
            return Err(AsrError::format(
                path,
                format!(
                    "{} bytes is larger than the {} allowed",
                    bytes.len(),
                    ASR_MODEL_FILE_BYTES_MAX
                ),
            ));
        }
        let mut cursor = Cursor {
            bytes,
            position: 0,
            path,
        };
        let version = cursor.u32("the format version")?;
        if !(3..=6).contains(&version) {
            return Err(AsrError::format(
                path,
                format!(
                    "format version {version} is not a CTranslate2 model.bin version tccc \
                     reads (3 to 6); is this really a CTranslate2 model?"
                ),
            ));
        }
        let spec_name = cursor.name("the model spec name")?;
        let _revision = cursor.u32("the spec revision")?;
        let count = cursor.u32("the variable count")? as usize;
        if count > ASR_MODEL_VARIABLES_MAX {
            return Err(AsrError::format(
                path,
                format!("declares {count} variables"),
            ));
        }
        let mut variables = Vec::with_capacity(count);
        for _ in 0..count {
            let name = cursor.name("a variable name")?;
            let rank = usize::from(cursor.u8("a variable rank")?);
            if rank > 4 {
                return Err(AsrError::format(
                    path,
                    format!("variable {name} has rank {rank}"),
                ));
            }
            let mut dims = Vec::with_capacity(rank);
            for _ in 0..rank {
                dims.push(cursor.u32("a variable dimension")? as usize);
            }
            let code = cursor.u8("a variable type")?;
            let dtype = DataType::from_code(code).ok_or_else(|| {
                AsrError::format(
                    path,
                    format!("variable {name} has unknown type code {code}"),
                )
            })?;
            let byte_len = cursor.u32("a variable size")? as usize;
            let elements = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
            if elements.and_then(|e| e.checked_mul(dtype.bytes())) != Some(byte_len) {
                return Err(AsrError::format(
                    path,
                    format!(
                        "variable {name} of shape {dims:?} ({dtype:?}) declares {byte_len} bytes"
                    ),
                ));
            }
            let offset = cursor.position;
            cursor.take(byte_len, &format!("the data of {name}"))?;
            variables.push(Variable {
                name,
                dims,
                dtype,
                offset,
                byte_len,
            });
        }
        let mut aliases = Vec::new();
        if version >= 5 {
            let alias_count = cursor.u32("the alias count")? as usize;
            if alias_count > ASR_MODEL_VARIABLES_MAX {
                return Err(AsrError::format(
                    path,
                    format!("declares {alias_count} aliases"),
                ));
            }
            for _ in 0..alias_count {
                let alias = cursor.name("an alias name")?;
                let target = cursor.name("an alias target")?;
                aliases.push((alias, target));
            }
        }
        Ok(Ct2Model {
            path: path.to_owned(),
            file,
            spec_name,
            variables,
            aliases,
        })
    }

    /// The file this model came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The names of the variables, in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.variables.iter().map(|variable| variable.name.as_str())
    }

    /// Looks a variable up by name, following aliases.
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        let resolved = self
            .aliases
            .iter()
            .find(|(alias, _)| alias == name)
            .map_or(name, |(_, target)| target.as_str());
        self.variables
            .iter()
            .find(|variable| variable.name == resolved)
    }

    /// Whether a variable (or alias) of that name exists.
    pub fn has(&self, name: &str) -> bool {
        self.variable(name).is_some()
    }

    fn require(&self, name: &str) -> Result<&Variable, AsrError> {
        self.variable(name).ok_or_else(|| {
            AsrError::format(
                &self.path,
                format!(
                    "variable {name} is missing (spec {}); the file is not a Whisper model \
                     tccc understands",
                    self.spec_name
                ),
            )
        })
    }

    /// The element type of a variable.
    pub fn dtype(&self, name: &str) -> Result<DataType, AsrError> {
        Ok(self.require(name)?.dtype)
    }

    /// The shape of a variable.
    pub fn dims(&self, name: &str) -> Result<&[usize], AsrError> {
        Ok(&self.require(name)?.dims)
    }

    /// A floating-point tensor converted to `f32`, after checking it has `expected` shape.
    pub fn tensor(&self, name: &str, expected: &[usize]) -> Result<Vec<f32>, AsrError> {
        let variable = self.require(name)?;
        if variable.dims != expected {
            return Err(AsrError::format(
                &self.path,
                format!(
                    "variable {name} has shape {:?}, expected {expected:?}",
                    variable.dims
                ),
            ));
        }
        let data = &self.file.bytes()[variable.offset..variable.offset + variable.byte_len];
        match variable.dtype {
            DataType::Float32 => Ok(data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()),
            DataType::Float16 => Ok(data
                .chunks_exact(2)
                .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
                .collect()),
            DataType::BFloat16 => Ok(data
                .chunks_exact(2)
                .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
                .collect()),
            other => Err(AsrError::Unsupported {
                path: self.path.clone(),
                detail: format!(
                    "variable {name} is stored as {other:?}; tccc reads float32, float16 and \
                     bfloat16 models (convert with --quantization float16)"
                ),
            }),
        }
    }

    /// A float16 tensor as a matrix of half-float panels, read straight from the map with
    /// no float32 copy; `None` if the variable is not stored as float16.
    pub fn half_matrix(
        &self,
        name: &str,
        rows: usize,
        depth: usize,
    ) -> Result<Option<PackedMatrix>, AsrError> {
        let variable = self.require(name)?;
        if variable.dims != [rows, depth] {
            return Err(AsrError::format(
                &self.path,
                format!(
                    "variable {name} has shape {:?}, expected {:?}",
                    variable.dims,
                    [rows, depth]
                ),
            ));
        }
        if variable.dtype != DataType::Float16 {
            return Ok(None);
        }
        let data = &self.file.bytes()[variable.offset..variable.offset + variable.byte_len];
        Ok(Some(PackedMatrix::from_half_bits(rows, depth, |index| {
            u16::from_le_bytes([data[2 * index], data[2 * index + 1]])
        })))
    }

    /// An integer scalar (such as `encoder/num_heads`).
    pub fn scalar(&self, name: &str) -> Result<i64, AsrError> {
        let variable = self.require(name)?;
        let data = &self.file.bytes()[variable.offset..variable.offset + variable.byte_len];
        let value = match (variable.dtype, data) {
            (DataType::Int8, [a]) => i64::from(*a as i8),
            (DataType::Int16, [a, b]) => i64::from(i16::from_le_bytes([*a, *b])),
            (DataType::Int32, [a, b, c, d]) => i64::from(i32::from_le_bytes([*a, *b, *c, *d])),
            _ => {
                return Err(AsrError::format(
                    &self.path,
                    format!("variable {name} is not an integer scalar"),
                ))
            }
        };
        Ok(value)
    }
}

impl WeightSource for Ct2Model {
    fn path(&self) -> &Path {
        Ct2Model::path(self)
    }

    fn spec_name(&self) -> &str {
        &self.spec_name
    }

    fn has(&self, name: &str) -> bool {
        Ct2Model::has(self, name)
    }

    fn dims(&self, name: &str) -> Result<Vec<usize>, AsrError> {
        Ct2Model::dims(self, name).map(<[usize]>::to_vec)
    }

    fn scalar(&self, name: &str) -> Result<i64, AsrError> {
        Ct2Model::scalar(self, name)
    }

    fn tensor(&self, name: &str, expected: &[usize]) -> Result<Vec<f32>, AsrError> {
        Ct2Model::tensor(self, name, expected)
    }

    fn half_matrix(
        &self,
        name: &str,
        rows: usize,
        depth: usize,
    ) -> Result<Option<PackedMatrix>, AsrError> {
        Ct2Model::half_matrix(self, name, rows, depth)
    }
}
