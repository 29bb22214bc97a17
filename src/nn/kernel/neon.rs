//! The aarch64 (Jetson) forms of the panel kernels, with NEON (Advanced SIMD).
//!
//! NEON is part of the baseline of every aarch64 Linux target Rust builds for
//! (`cfg(target_feature = "neon")` holds at compile time), so there is nothing to detect at
//! run time: [`super::KernelKind::Neon`] is what `detect` returns on aarch64. The kernels
//! are `#[target_feature(enable = "neon")]` functions (so the intrinsics inline); the entry
//! points call them in `unsafe` blocks whose one obligation, a CPU with NEON, that
//! baseline meets. Halves widen with `fcvtl` (exact, as `ops::f16_to_f32`).
//!
//! The half and int8 panels keep two accumulators per row, one for even and one for odd
//! depth steps, each a chain of fused multiply-adds, added at the end: the same operations
//! in the same order as the x86 kernels, so both give the same bits.

use std::arch::aarch64::*;
use std::arch::asm;

use super::{TileInput, PANEL_ROWS};

/// Columns gemm-f32's NEON microkernels take in one call (its register tile is 16 x 4).
const MICROKERNEL_COLUMNS: usize = 4;

/// Float vectors (4 lanes) that hold one panel row of [`PANEL_ROWS`] values.
const VECTORS: usize = PANEL_ROWS / 4;

/// One tile as [`super::tile`] describes it, with gemm-f32's NEON microkernels: the
/// columns in groups of at most [`MICROKERNEL_COLUMNS`]. The caller has checked that every
/// index of the whole tile lies inside its slice.
#[allow(clippy::too_many_arguments)]
pub(super) fn tile(
    panel: &[f32],
    depth: usize,
    rows: usize,
    x: &[f32],
    input: TileInput,
    columns: usize,
    out: &mut [f32],
    out_offset: usize,
    out_stride: usize,
    accumulate: bool,
) {
    let alpha_status: u8 = if accumulate { 1 } else { 0 };
    let mut first = 0;
    while first < columns {
        let count = MICROKERNEL_COLUMNS.min(columns - first);
        let microkernel = gemm_f32::microkernel::neon::f32::UKR[VECTORS - 1][count - 1];
        let x_offset = input.offset + first * input.column_stride;
        let out_start = out_offset + first * out_stride;
        // SAFETY: NEON is in the aarch64 target's baseline, so the microkernel's
        // `target_feature(enable = "neon")` holds. The caller (`super::tile`) asserted that
        // `panel` holds `depth * PANEL_ROWS` values, that input column `c < columns` at depth
        // `k < depth` (`offset + c * column_stride + k * depth_stride`) is inside `x`, and
        // that output column `c` spans `rows` values from `out_offset + c * out_stride`
        // inside `out`. This call covers columns `first .. first + count <= columns`: it
        // reads 16 panel values per depth step (stride PANEL_ROWS), the inputs of its
        // columns (with `column_stride == 1` the 4-column kernel loads 4 consecutive
        // inputs, which are exactly its columns), and writes `rows` values of each of its
        // columns (the partial-tile path writes exactly `rows` per column; the full-tile
        // path needs `rows == 16` and `dst_rs == 1`). `out` is borrowed mutably, so
        // nothing aliases it.
        unsafe {
            microkernel(
                rows,
                count,
                depth,
                out.as_mut_ptr().add(out_start),
                panel.as_ptr(),
                x.as_ptr().add(x_offset),
                out_stride as isize,
                1,
                PANEL_ROWS as isize,
                input.depth_stride as isize,
                input.column_stride as isize,
                1.0,
                1.0,
                alpha_status,
                false,
                false,
                false,
                panel.as_ptr(),
            );
        }
        first += count;
    }
}

/// The 16 weights of one panel row as 4 float vectors (half precision widened exactly).
#[target_feature(enable = "neon")]
#[inline]
fn widen_halves(weights: &[u16; PANEL_ROWS]) -> [float32x4_t; VECTORS] {
    std::array::from_fn(|v| {
        // SAFETY: `weights` holds 16 values; vector `v < 4` reads values 4v .. 4v + 4.
        let bits = unsafe { vld1_u16(weights.as_ptr().add(4 * v)) };
        let widened: float32x4_t;
        // SAFETY: `fcvtl` (base NEON) converts the 4 halves in one register to 4 singles in
        // another, exactly; registers only: no memory, stack or flags. (Its intrinsic,
        // `vcvt_f32_f16`, is stable only from Rust 1.94, above this crate's MSRV.)
        unsafe {
            asm!(
                "fcvtl {widened:v}.4s, {bits:v}.4h",
                widened = lateout(vreg) widened,
                bits = in(vreg) bits,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
        widened
    })
}

/// The 16 weights of one panel row of signed bytes as 4 float vectors (exact).
#[target_feature(enable = "neon")]
#[inline]
fn widen_bytes(weights: &[i8; PANEL_ROWS]) -> [float32x4_t; VECTORS] {
    // SAFETY: `weights` holds exactly the 16 bytes one 128-bit load reads.
    let bytes = unsafe { vld1q_s8(weights.as_ptr()) };
    let low = vmovl_s8(vget_low_s8(bytes));
    let high = vmovl_s8(vget_high_s8(bytes));
    [
        vcvtq_f32_s32(vmovl_s16(vget_low_s16(low))),
        vcvtq_f32_s32(vmovl_s16(vget_high_s16(low))),
        vcvtq_f32_s32(vmovl_s16(vget_low_s16(high))),
        vcvtq_f32_s32(vmovl_s16(vget_high_s16(high))),
    ]
}

/// `sums[r] = sum_k widen(panel row k)[r] * x[k]` for the first `depth` rows of `panel`
/// (even and odd steps in separate fused chains, added at the end).
#[target_feature(enable = "neon")]
#[inline]
fn panel_times_vector<W>(
    panel: &[W],
    depth: usize,
    x: &[f32],
    sums: &mut [f32; PANEL_ROWS],
    widen: impl Fn(&[W; PANEL_ROWS]) -> [float32x4_t; VECTORS],
) {
    let panel = &panel[..depth * PANEL_ROWS];
    let x = &x[..depth];
    let mut even = [vdupq_n_f32(0.0); VECTORS];
    let mut odd = [vdupq_n_f32(0.0); VECTORS];
    let mut pairs = panel.chunks_exact(2 * PANEL_ROWS);
    for (pair, values) in (&mut pairs).zip(x.chunks_exact(2)) {
        let (first, second) = pair.split_at(PANEL_ROWS);
        let (Ok(first), Ok(second)) = (first.try_into(), second.try_into()) else {
            continue;
        };
        let (w0, w1) = (widen(first), widen(second));
        let (x0, x1) = (vdupq_n_f32(values[0]), vdupq_n_f32(values[1]));
        for v in 0..VECTORS {
            even[v] = vfmaq_f32(even[v], w0[v], x0);
            odd[v] = vfmaq_f32(odd[v], w1[v], x1);
        }
    }
    if let (Ok(last), Some(&value)) = (pairs.remainder().try_into(), x.get(depth - depth % 2)) {
        let w = widen(last);
        let value = vdupq_n_f32(value);
        for v in 0..VECTORS {
            even[v] = vfmaq_f32(even[v], w[v], value);
        }
    }
    for (v, chunk) in sums.chunks_exact_mut(4).enumerate() {
        // SAFETY: each chunk holds exactly the 4 floats one 128-bit store writes.
        unsafe { vst1q_f32(chunk.as_mut_ptr(), vaddq_f32(even[v], odd[v])) };
    }
}

/// [`super::half_panel_times_vector`]'s sums with NEON (half to single with `fcvtl`).
pub(super) fn half_panel(panel: &[u16], depth: usize, x: &[f32], sums: &mut [f32; PANEL_ROWS]) {
    #[target_feature(enable = "neon")]
    fn run(panel: &[u16], depth: usize, x: &[f32], sums: &mut [f32; PANEL_ROWS]) {
        panel_times_vector(panel, depth, x, sums, |weights| widen_halves(weights));
    }
    // SAFETY: `run`'s only requirement is a CPU with NEON, which every aarch64 CPU this
    // target runs on has (`target_feature = "neon"` is in the target's baseline).
    unsafe { run(panel, depth, x, sums) }
}

/// [`super::int8_panel_times_vector`]'s sums with NEON.
pub(super) fn int8_panel(panel: &[i8], depth: usize, x: &[f32], sums: &mut [f32; PANEL_ROWS]) {
    #[target_feature(enable = "neon")]
    fn run(panel: &[i8], depth: usize, x: &[f32], sums: &mut [f32; PANEL_ROWS]) {
        panel_times_vector(panel, depth, x, sums, |weights| widen_bytes(weights));
    }
    // SAFETY: as in `half_panel`: NEON is in the aarch64 target's baseline.
    unsafe { run(panel, depth, x, sums) }
}
