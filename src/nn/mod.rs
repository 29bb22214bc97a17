//! tccc's own small inference runtime: matrix products on the gemm crate's microkernels
//! (split across a persistent worker pool),
//! layer norm, GELU, softmax, written here so that nothing allocates after start-up.
//!
//! Model code (`asr`) talks to a [`Backend`]; the CPU backend is the only one today, and a
//! CUDA or TensorRT backend can slot in beneath the same decode loops later.

pub mod cpu_time;
pub mod kernel;
pub mod mapped_file;
pub mod matmul;
pub mod ops;
pub mod pool;

pub use kernel::KernelKind;
pub use matmul::PackedMatrix;

/// The operations model code needs. Implementations own their buffers' placement (host or
/// device memory); the CPU one works on plain slices.
pub trait Backend {
    /// `out[t][o] = sum_k x[t][k] * W[o][k] + bias[o]` for `t < tokens`.
    #[allow(clippy::too_many_arguments)]
    fn linear(
        &mut self,
        x: &[f32],
        tokens: usize,
        x_stride: usize,
        weights: &PackedMatrix,
        bias: Option<&[f32]>,
        out: &mut [f32],
        out_stride: usize,
    );

    /// Layer norm of `rows` rows of width `gamma.len()`.
    #[allow(clippy::too_many_arguments)]
    fn layer_norm(
        &self,
        input: &[f32],
        input_stride: usize,
        rows: usize,
        gamma: &[f32],
        beta: &[f32],
        out: &mut [f32],
        out_stride: usize,
    ) {
        ops::layer_norm(input, input_stride, rows, gamma, beta, out, out_stride);
    }

    /// GELU in place.
    fn gelu(&self, values: &mut [f32]) {
        ops::gelu(values);
    }

    /// Softmax of one row in place.
    fn softmax(&self, row: &mut [f32]) {
        ops::softmax(row);
    }

    /// Each `width`-wide row multiplied by `factor`, then its softmax, in place.
    fn scaled_softmax_rows(&self, values: &mut [f32], width: usize, factor: f32) {
        for row in values.chunks_exact_mut(width) {
            for value in row.iter_mut() {
                *value *= factor;
            }
            ops::softmax(row);
        }
    }
}

/// The CPU backend: products on the best microkernel the CPU supports, large ones split
/// across a persistent worker pool.
#[derive(Debug)]
pub struct CpuBackend {
    kernel: KernelKind,
    scratch: matmul::MatmulScratch,
    pool: pool::ProductPool,
}

impl CpuBackend {
    /// Single-threaded backend.
    pub fn new() -> Self {
        CpuBackend {
            kernel: KernelKind::detect(),
            scratch: matmul::MatmulScratch::new(),
            pool: pool::ProductPool::empty(),
        }
    }

    /// A backend whose large products use `threads` threads (the caller and
    /// `threads - 1` helpers started now).
    /// `on_helper_start` runs first on each helper thread.
    pub fn with_threads(threads: usize, on_helper_start: Option<fn()>) -> std::io::Result<Self> {
        Ok(CpuBackend {
            kernel: KernelKind::detect(),
            scratch: matmul::MatmulScratch::new(),
            pool: pool::ProductPool::with_start_hook(threads, on_helper_start)?,
        })
    }

    /// Which microkernel runs the products.
    pub fn kernel(&self) -> KernelKind {
        self.kernel
    }
}

impl Default for CpuBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl Backend for CpuBackend {
    fn linear(
        &mut self,
        x: &[f32],
        tokens: usize,
        x_stride: usize,
        weights: &PackedMatrix,
        bias: Option<&[f32]>,
        out: &mut [f32],
        out_stride: usize,
    ) {
        self.pool.linear(
            self.kernel,
            x,
            tokens,
            x_stride,
            weights,
            bias,
            out,
            out_stride,
            &mut self.scratch,
        );
    }

    fn gelu(&self, values: &mut [f32]) {
        kernel::gelu(self.kernel, values);
    }

    fn softmax(&self, row: &mut [f32]) {
        kernel::softmax(self.kernel, row);
    }

    fn scaled_softmax_rows(&self, values: &mut [f32], width: usize, factor: f32) {
        kernel::scaled_softmax_rows(self.kernel, values, width, factor);
    }
}
