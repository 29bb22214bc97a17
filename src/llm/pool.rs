//! Matrix-vector products of the language model: each weight row read once and multiplied
//! with every token of the batch, rows split between the caller and helper threads.

use crate::nn::KernelKind;

use super::model::Matrix;
use super::quant::{self, BlockQ8};

/// Runs products, on the calling thread (helpers come later).
#[derive(Debug, Default)]
pub struct RowPool {}

impl RowPool {
    /// A pool that runs everything on the caller.
    pub fn single() -> Self {
        RowPool {}
    }

    /// A pool of `threads` threads (the caller and helpers).
    pub fn new(_threads: usize) -> std::io::Result<Self> {
        Ok(RowPool {})
    }

    /// `out[t * rows + r] = row r of matrix · x[t]` for `t < count`, where `x[t]` is the
    /// `blocks` blocks from `t * blocks`.
    #[allow(clippy::too_many_arguments)]
    pub fn product(
        &mut self,
        kernel: KernelKind,
        file: &[u8],
        matrix: &Matrix,
        x: &[BlockQ8],
        blocks: usize,
        count: usize,
        out: &mut [f32],
    ) {
        rows_product(kernel, file, matrix, x, blocks, count, out, 0..matrix.rows);
    }
}

#[allow(clippy::too_many_arguments)]
fn rows_product(
    kernel: KernelKind,
    file: &[u8],
    matrix: &Matrix,
    x: &[BlockQ8],
    blocks: usize,
    count: usize,
    out: &mut [f32],
    rows: std::ops::Range<usize>,
) {
    let total = matrix.rows;
    for row in rows {
        let weights = matrix.row(file, row);
        for t in 0..count {
            out[t * total + row] = quant::dot(
                kernel,
                matrix.format,
                weights,
                &x[t * blocks..(t + 1) * blocks],
            );
        }
    }
}
