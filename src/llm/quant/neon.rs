//! The aarch64 (Jetson) forms of the quantized dot products, with NEON.
//!
//! They follow the x86 kernels' arithmetic exactly (ggml's AVX2 order): each block's
//! integer sums in 8 lanes of 4 adjacent products (exact, however they are formed), one
//! fused multiply-add per block and lane by `d * x.d`, the lanes reduced as
//! `((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))`, then Q4_1's offsets. So a model
//! gives the same bits on the Jetson as on x86. Q4_0 takes the portable loop, as on x86.
//!
//! The integer sums use `sdot` where the CPU has the dot-product extension (ARMv8.2:
//! Xavier's Carmel cores; found at run time) and `smull` + pairwise adds otherwise (the
//! Nano's Cortex-A57). `sdot` is written as inline assembly: its intrinsic is not stable.
//! The kernels are `#[target_feature]` functions; NEON, their one requirement besides
//! `dotprod`, is in every aarch64 target's baseline.

use std::arch::aarch64::*;
use std::arch::asm;

use super::{half_at, BlockQ8, WeightFormat};

/// Whether this CPU has the dot-product instructions (`sdot`); cached by the standard
/// library after the first call.
pub(super) fn has_dotprod() -> bool {
    std::arch::is_aarch64_feature_detected!("dotprod")
}

/// The dot product of one weight row with a quantized activation (lengths checked by the
/// caller), with `sdot` when `dotprod` is asked for and the CPU has it.
pub(super) fn dot_with(format: WeightFormat, row: &[u8], x: &[BlockQ8], dotprod: bool) -> f32 {
    match (format, dotprod && has_dotprod()) {
        (WeightFormat::Q4_0 | WeightFormat::Q5_0, _) => super::dot_portable(format, row, x),
        (WeightFormat::Q4K | WeightFormat::Q6K, _) => super::dot_k_portable(format, row, x),
        // SAFETY: `has_dotprod` found the dot-product extension at run time.
        (WeightFormat::Q4_1, true) => unsafe { dot_dotprod::<true>(row, x) },
        // SAFETY: as above.
        (WeightFormat::Q8_0, true) => unsafe { dot_dotprod::<false>(row, x) },
        // SAFETY: NEON is in the aarch64 target's baseline (`target_feature = "neon"`).
        (WeightFormat::Q4_1, false) => unsafe { dot_plain::<true>(row, x) },
        // SAFETY: as above.
        (WeightFormat::Q8_0, false) => unsafe { dot_plain::<false>(row, x) },
    }
}

/// Lane `j` = `a[4j..4j + 4] · b[4j..4j + 4]`, with widening multiplies and pairwise adds
/// (every product fits 16 bits: |-128 × -128| = 16384).
#[target_feature(enable = "neon")]
#[inline]
fn quads_plain(a: int8x16_t, b: int8x16_t) -> int32x4_t {
    let low = vmull_s8(vget_low_s8(a), vget_low_s8(b));
    let high = vmull_high_s8(a, b);
    vpaddq_s32(vpaddlq_s16(low), vpaddlq_s16(high))
}

/// As [`quads_plain`], in one `sdot`.
///
/// # Safety
/// The CPU must have the dot-product extension.
#[target_feature(enable = "neon,dotprod")]
#[inline]
unsafe fn quads_dotprod(a: int8x16_t, b: int8x16_t) -> int32x4_t {
    let mut sums = vdupq_n_s32(0);
    // SAFETY: `sdot` reads the two byte vectors and adds into `sums`, registers only (no
    // memory, stack or flags); the caller guarantees the CPU has the instruction.
    unsafe {
        asm!(
            "sdot {sums:v}.4s, {a:v}.16b, {b:v}.16b",
            sums = inout(vreg) sums,
            a = in(vreg) a,
            b = in(vreg) b,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    sums
}

/// [`dot_lanes`] with widening multiplies.
#[target_feature(enable = "neon")]
fn dot_plain<const OFFSET: bool>(row: &[u8], x: &[BlockQ8]) -> f32 {
    dot_lanes::<OFFSET>(row, x, |a, b| quads_plain(a, b))
}

/// [`dot_lanes`] with `sdot`.
///
/// # Safety
/// The CPU must have the dot-product extension.
#[target_feature(enable = "neon,dotprod")]
unsafe fn dot_dotprod<const OFFSET: bool>(row: &[u8], x: &[BlockQ8]) -> f32 {
    dot_lanes::<OFFSET>(row, x, |a, b| {
        // SAFETY: this function's caller guarantees the dot-product extension.
        unsafe { quads_dotprod(a, b) }
    })
}

/// The row's 32-weight blocks as two vectors of signed bytes, in the activation's order:
/// Q4_1 (`OFFSET`) low nibbles are values 0..16, high nibbles 16..32; Q8_0's bytes as
/// they are.
#[target_feature(enable = "neon")]
#[inline]
fn weights<const OFFSET: bool>(block: &[u8]) -> (int8x16_t, int8x16_t) {
    if OFFSET {
        let nibbles = &block[4..20];
        // SAFETY: `nibbles` holds exactly the 16 bytes one 128-bit load reads.
        let packed = unsafe { vld1q_u8(nibbles.as_ptr()) };
        (
            vreinterpretq_s8_u8(vandq_u8(packed, vdupq_n_u8(0x0F))),
            vreinterpretq_s8_u8(vshrq_n_u8::<4>(packed)),
        )
    } else {
        let bytes = &block[2..34];
        let pointer = bytes.as_ptr() as *const i8;
        // SAFETY: `bytes` holds 32 bytes: two 16-byte loads at 0 and 16.
        unsafe { (vld1q_s8(pointer), vld1q_s8(pointer.add(16))) }
    }
}

/// Q4_1 (`OFFSET`) or Q8_0 in the x86 kernels' order, the integer sums formed by `quads`.
#[target_feature(enable = "neon")]
#[inline]
fn dot_lanes<const OFFSET: bool>(
    row: &[u8],
    x: &[BlockQ8],
    quads: impl Fn(int8x16_t, int8x16_t) -> int32x4_t,
) -> f32 {
    let format = if OFFSET {
        WeightFormat::Q4_1
    } else {
        WeightFormat::Q8_0
    };
    let mut low = vdupq_n_f32(0.0);
    let mut high = vdupq_n_f32(0.0);
    let mut offsets = 0.0f32;
    for (block, activation) in row.chunks_exact(format.block_bytes()).zip(x) {
        let (w0, w1) = weights::<OFFSET>(block);
        let values = activation.qs.as_ptr();
        // SAFETY: `qs` holds 32 bytes: two 16-byte loads at 0 and 16.
        let (a0, a1) = unsafe { (vld1q_s8(values), vld1q_s8(values.add(16))) };
        if OFFSET {
            offsets += half_at(block, 2) * activation.s;
        }
        let scale = vdupq_n_f32(half_at(block, 0) * activation.d);
        low = vfmaq_f32(low, vcvtq_f32_s32(quads(w0, a0)), scale);
        high = vfmaq_f32(high, vcvtq_f32_s32(quads(w1, a1)), scale);
    }
    let lanes = vaddq_f32(low, high);
    let total = (vgetq_lane_f32::<0>(lanes) + vgetq_lane_f32::<2>(lanes))
        + (vgetq_lane_f32::<1>(lanes) + vgetq_lane_f32::<3>(lanes));
    // Q8_0 adds nothing (not even 0.0, which would turn -0.0 into 0.0), as on x86.
    if OFFSET {
        total + offsets
    } else {
        total
    }
}
