//! Where the Whisper loader reads tensors from, under CTranslate2's variable names. The
//! readers (`ct2`, `safetensors`) implement [`WeightSource`]; `whisper` consumes it. This
//! module depends on neither, so the readers and the loader do not depend on each other.

use std::path::Path;

use super::AsrError;
use crate::nn::PackedMatrix;

/// Named tensors of a Whisper checkpoint: a CTranslate2 `model.bin`, or a Hugging Face
/// folder seen through `safetensors::HfWhisper`.
pub trait WeightSource {
    /// The file, for error messages.
    fn path(&self) -> &Path;
    /// The model spec the file declares.
    fn spec_name(&self) -> &str;
    /// Whether a variable exists.
    fn has(&self, name: &str) -> bool;
    /// A variable's shape.
    fn dims(&self, name: &str) -> Result<Vec<usize>, AsrError>;
    /// An integer scalar.
    fn scalar(&self, name: &str) -> Result<i64, AsrError>;
    /// A tensor as float32, after checking its shape.
    fn tensor(&self, name: &str, expected: &[usize]) -> Result<Vec<f32>, AsrError>;
    /// A `rows x depth` matrix as half-float panels when stored as float16, else `None`.
    fn half_matrix(
        &self,
        name: &str,
        rows: usize,
        depth: usize,
    ) -> Result<Option<PackedMatrix>, AsrError>;

    /// The first dimension of a variable; an error naming the file if it has rank 0.
    fn leading_dim(&self, name: &str) -> Result<usize, AsrError> {
        let dims = self.dims(name)?;
        dims.first().copied().ok_or_else(|| {
            AsrError::format(
                self.path(),
                format!("variable {name} has rank 0 (shape {dims:?}); expected a matrix"),
            )
        })
    }
}
