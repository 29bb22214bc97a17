//! The one place in `nn` that calls `unsafe` code: the gemm crate's register-blocked
//! microkernels (gemm-f32), fed from tccc's own packed weights and preallocated buffers.
//!
//! We call the microkernels directly instead of `gemm::gemm` because the latter allocates its
//! packing buffers on every call, and ASR must not allocate after warm-up. Every call is
//! bounds-checked here, in safe code, before the pointers are handed over.

/// Rows of the weight matrix one panel holds (the microkernel's register tile height).
pub const PANEL_ROWS: usize = 16;
/// Input rows (tokens, frames) one microkernel call covers.
pub const TILE_COLUMNS_MAX: usize = 6;

/// Which implementation runs the tiles; chosen once at start-up from the CPU's features.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelKind {
    /// gemm-f32's AVX2+FMA microkernels (16 x 6 register tile).
    X86Fma,
    /// Plain Rust loops: correct everywhere, slow; used when the CPU lacks AVX2/FMA.
    Portable,
}

impl KernelKind {
    /// The fastest implementation this CPU supports.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return KernelKind::X86Fma;
            }
        }
        KernelKind::Portable
    }
}

/// One tile of a product: `out[c][r] (+)= sum_k panel[k][r] * x[c][k]` for `r < rows`
/// (at most [`PANEL_ROWS`]) and `c < columns` (at most [`TILE_COLUMNS_MAX`]), where
/// `panel[k][r]` is `panel[k * PANEL_ROWS + r]`, `x[c][k]` is `x[x_offset + c * x_stride + k]`
/// and `out[c][r]` is `out[out_offset + c * out_stride + r]`.
///
/// Panics if any index would fall outside its slice (a bug in the caller, never input).
#[allow(clippy::too_many_arguments)]
pub fn tile(
    kind: KernelKind,
    panel: &[f32],
    depth: usize,
    rows: usize,
    x: &[f32],
    x_offset: usize,
    x_stride: usize,
    columns: usize,
    out: &mut [f32],
    out_offset: usize,
    out_stride: usize,
    accumulate: bool,
) {
    assert!((1..=PANEL_ROWS).contains(&rows), "tile rows out of range");
    assert!(
        (1..=TILE_COLUMNS_MAX).contains(&columns),
        "tile columns out of range"
    );
    assert!(depth > 0, "tile depth is zero");
    assert!(
        panel.len() >= depth * PANEL_ROWS,
        "panel shorter than its depth"
    );
    let x_last = x_offset + (columns - 1) * x_stride + depth;
    assert!(x_last <= x.len(), "tile input out of bounds");
    let out_last = out_offset + (columns - 1) * out_stride + rows;
    assert!(out_last <= out.len(), "tile output out of bounds");
    match kind {
        #[cfg(target_arch = "x86_64")]
        KernelKind::X86Fma => {
            let microkernel = gemm_f32::microkernel::fma::f32::UKR[1][columns - 1];
            let alpha_status: u8 = if accumulate { 1 } else { 0 };
            // SAFETY: `KernelKind::X86Fma` is only produced by `detect` after checking AVX2
            // and FMA at run time. The asserts above prove every address the microkernel
            // touches is inside its slice: it reads `depth * PANEL_ROWS` panel values (stride
            // PANEL_ROWS per depth step), `columns` input rows of `depth` values each, and
            // writes `rows` x `columns` outputs (the partial-tile path writes exactly `rows`
            // entries per column). `out` is borrowed mutably, so nothing aliases it.
            unsafe {
                microkernel(
                    rows,
                    columns,
                    depth,
                    out.as_mut_ptr().add(out_offset),
                    panel.as_ptr(),
                    x.as_ptr().add(x_offset),
                    out_stride as isize,
                    1,
                    PANEL_ROWS as isize,
                    1,
                    x_stride as isize,
                    1.0,
                    1.0,
                    alpha_status,
                    false,
                    false,
                    false,
                    panel.as_ptr(),
                );
            }
        }
        _ => portable_tile(
            panel, depth, rows, x, x_offset, x_stride, columns, out, out_offset, out_stride,
            accumulate,
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn portable_tile(
    panel: &[f32],
    depth: usize,
    rows: usize,
    x: &[f32],
    x_offset: usize,
    x_stride: usize,
    columns: usize,
    out: &mut [f32],
    out_offset: usize,
    out_stride: usize,
    accumulate: bool,
) {
    for column in 0..columns {
        let x_row = &x[x_offset + column * x_stride..][..depth];
        let mut sums = [0.0f32; PANEL_ROWS];
        for (k, &value) in x_row.iter().enumerate() {
            let weights = &panel[k * PANEL_ROWS..(k + 1) * PANEL_ROWS];
            for (sum, &weight) in sums.iter_mut().zip(weights) {
                *sum += weight * value;
            }
        }
        let out_row = &mut out[out_offset + column * out_stride..][..rows];
        for (slot, sum) in out_row.iter_mut().zip(sums) {
            *slot = if accumulate { *slot + sum } else { sum };
        }
    }
}
