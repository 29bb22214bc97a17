//! tccc's own small inference runtime: matrix products on the gemm crate's microkernels,
//! layer norm, GELU, softmax, written here so that nothing allocates after start-up.
//!
//! Model code (`asr`) talks to a [`Backend`]; the CPU backend is the only one today, and a
//! CUDA or TensorRT backend can slot in beneath the same decode loops later.

pub mod kernel;
pub mod mapped_file;
pub mod matmul;
pub mod ops;

pub use kernel::KernelKind;
pub use matmul::PackedMatrix;

/// The operations model code needs. Implementations own their buffers' placement (host or
/// device memory); the CPU one works on plain slices.
pub trait Backend {
    /// `out[t][o] = sum_k x[t][k] * W[o][k] + bias[o]` for `t < tokens`.
    #[allow(clippy::too_many_arguments)]
    fn linear(
        &self,
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
}

/// The CPU backend: single-threaded products on the best microkernel the CPU supports.
#[derive(Debug, Clone, Copy)]
pub struct CpuBackend {
    kernel: KernelKind,
}

impl CpuBackend {
    /// Picks the microkernel for this CPU.
    pub fn new() -> Self {
        CpuBackend {
            kernel: KernelKind::detect(),
        }
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
        &self,
        x: &[f32],
        tokens: usize,
        x_stride: usize,
        weights: &PackedMatrix,
        bias: Option<&[f32]>,
        out: &mut [f32],
        out_stride: usize,
    ) {
        matmul::matmul(
            self.kernel,
            x,
            tokens,
            x_stride,
            weights,
            bias,
            out,
            out_stride,
        );
    }
}
