//! Quantized dot products, mirroring ggml's CPU arithmetic so that results match llama.cpp:
//! a weight row in its file format (Q4_0, Q4_1, Q8_0) times an activation vector quantized
//! the way ggml quantizes it for that format (Q8_1 for Q4_1, Q8_0 for Q4_0 and Q8_0): 32
//! values per block, scale `max|x| / 127` rounded to half precision, values rounded to
//! nearest-even; integer products per block, scaled and summed in f32.
//!
//! This is the only module of `llm` with `unsafe`: the AVX2 kernels (chosen at run time,
//! like `nn::kernel`), each reading only inside slices whose lengths are asserted first,
//! and their aarch64 (NEON) forms in [`neon`], which give the same bits.

use crate::nn::ops::{f16_to_f32, f32_to_f16};
use crate::nn::KernelKind;

#[cfg(target_arch = "aarch64")]
mod neon;

/// Values per quantization block.
pub const BLOCK: usize = 32;

/// One block of a quantized activation vector (ggml's Q8_0 / Q8_1, scales kept as the f32
/// value of their half-precision rounding).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(8))]
pub struct BlockQ8 {
    /// Scale: value = `d * q`.
    pub d: f32,
    /// `d * sum(q)`, rounded to half (Q8_1's `s`; unused for Q8_0).
    pub s: f32,
    pub qs: [i8; BLOCK],
}

/// Values per K-quant super-block (Q4_K, Q6_K, and their activations, Q8_K).
pub const SUPER_BLOCK: usize = 256;

/// The weight formats with a kernel here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightFormat {
    Q4_0,
    Q4_1,
    Q5_0,
    Q8_0,
    /// ggml's Q4_K: super-blocks of 256 in 8 sub-blocks of 32 with 6-bit scales and mins.
    Q4K,
    /// ggml's Q6_K: super-blocks of 256 in 16 sub-blocks of 16 with 8-bit scales.
    Q6K,
}

/// How an activation is quantized for a product with a weight format: ggml's
/// `vec_dot_type` of that format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivationFormat {
    /// Q8_0 / Q8_1: a half-precision scale per 32 values ([`quantize`]).
    Q8,
    /// Q8_K: an f32 scale per 256 values ([`quantize_k`]), kept in 8 [`BlockQ8`]s that
    /// share it.
    Q8K,
}

impl WeightFormat {
    /// Weights per block: 32, or 256 for the K-quants.
    pub fn block_values(self) -> usize {
        match self {
            WeightFormat::Q4K | WeightFormat::Q6K => SUPER_BLOCK,
            _ => BLOCK,
        }
    }

    /// Bytes of one block of [`Self::block_values`] weights.
    pub fn block_bytes(self) -> usize {
        match self {
            WeightFormat::Q4_0 => 18,
            WeightFormat::Q4_1 => 20,
            WeightFormat::Q5_0 => 22,
            WeightFormat::Q8_0 => 34,
            WeightFormat::Q4K => 144,
            WeightFormat::Q6K => 210,
        }
    }

    /// Bytes of a row of `depth` weights (`depth` a multiple of [`Self::block_values`]).
    pub fn row_bytes(self, depth: usize) -> usize {
        depth / self.block_values() * self.block_bytes()
    }

    /// The activation format ggml pairs with this weight format.
    pub fn activation(self) -> ActivationFormat {
        match self {
            WeightFormat::Q4K | WeightFormat::Q6K => ActivationFormat::Q8K,
            _ => ActivationFormat::Q8,
        }
    }

    /// Whether the activation's block sums (Q8_1's `s`) are needed.
    pub fn needs_sums(self) -> bool {
        self == WeightFormat::Q4_1
    }
}

fn half_at(bytes: &[u8], at: usize) -> f32 {
    f16_to_f32(u16::from_le_bytes([bytes[at], bytes[at + 1]]))
}

/// Quantizes `x` (a multiple of 32 long) into `out` as ggml's AVX2 `quantize_row_q8_1`
/// does (and `quantize_row_q8_0`, which is the same without the sums).
pub fn quantize(x: &[f32], out: &mut [BlockQ8]) {
    assert!(
        x.len() == out.len() * BLOCK,
        "activation length is not the blocks'"
    );
    #[cfg(target_arch = "x86_64")]
    if KernelKind::detect() == KernelKind::X86Fma {
        // SAFETY: AVX2, FMA and F16C were found at run time.
        return unsafe { quantize_avx2(x, out) };
    }
    quantize_blocks(x, out);
}

/// [`quantize_blocks`] compiled with AVX2 (rounding and `max` inline, not libm calls).
///
/// # Safety
/// The CPU must have AVX2, FMA and F16C.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn quantize_avx2(x: &[f32], out: &mut [BlockQ8]) {
    quantize_blocks(x, out);
}

#[inline(always)]
fn quantize_blocks(x: &[f32], out: &mut [BlockQ8]) {
    for (values, block) in x.chunks_exact(BLOCK).zip(out.iter_mut()) {
        let max = values
            .iter()
            .fold(0.0f32, |max, value| max.max(value.abs()));
        let d = max / 127.0;
        let id = if max != 0.0 { 127.0 / max } else { 0.0 };
        let mut sum = 0i32;
        for (q, &value) in block.qs.iter_mut().zip(values) {
            let rounded = (value * id).round_ties_even() as i32;
            *q = rounded as i8;
            sum += rounded;
        }
        block.d = f16_to_f32(f32_to_f16(d));
        block.s = f16_to_f32(f32_to_f16(d * sum as f32));
    }
}

/// Quantizes `x` (a multiple of 256 long) as ggml's `quantize_row_q8_K_ref`: per 256
/// values the scale is `-max / 127` where `max` is the value of largest magnitude (its
/// sign kept, so the integers may be negated), in f32, not rounded to half; values
/// rounded to nearest-even and capped at 127. The scale is written to each of the 8
/// blocks; `s` is unused (the K kernels sum the integers themselves).
pub fn quantize_k(x: &[f32], out: &mut [BlockQ8]) {
    assert!(
        x.len() == out.len() * BLOCK && x.len().is_multiple_of(SUPER_BLOCK),
        "activation length is not whole super-blocks"
    );
    #[cfg(target_arch = "x86_64")]
    if KernelKind::detect() == KernelKind::X86Fma {
        // SAFETY: AVX2, FMA and F16C were found at run time.
        return unsafe { quantize_k_avx2(x, out) };
    }
    quantize_k_blocks(x, out);
}

/// [`quantize_k_blocks`] compiled with AVX2 (rounding inline, not a libm call).
///
/// # Safety
/// The CPU must have AVX2, FMA and F16C.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn quantize_k_avx2(x: &[f32], out: &mut [BlockQ8]) {
    quantize_k_blocks(x, out);
}

#[inline(always)]
fn quantize_k_blocks(x: &[f32], out: &mut [BlockQ8]) {
    for (values, blocks) in x
        .chunks_exact(SUPER_BLOCK)
        .zip(out.chunks_exact_mut(SUPER_BLOCK / BLOCK))
    {
        let (mut max, mut amax) = (0.0f32, 0.0f32);
        for &value in values {
            if value.abs() > amax {
                amax = value.abs();
                max = value;
            }
        }
        if amax == 0.0 {
            for block in blocks.iter_mut() {
                *block = BlockQ8::default();
            }
            continue;
        }
        let iscale = -127.0 / max;
        for (block, chunk) in blocks.iter_mut().zip(values.chunks_exact(BLOCK)) {
            for (q, &value) in block.qs.iter_mut().zip(chunk) {
                *q = ((iscale * value).round_ties_even() as i32).min(127) as i8;
            }
            block.d = 1.0 / iscale;
            block.s = 0.0;
        }
    }
}

/// Quantizes `x` as ggml quantizes an activation for a product with `format`.
pub fn quantize_for(format: WeightFormat, x: &[f32], out: &mut [BlockQ8]) {
    match format.activation() {
        ActivationFormat::Q8 => quantize(x, out),
        ActivationFormat::Q8K => quantize_k(x, out),
    }
}

/// The scale and min of sub-block `j` (0..8) of a Q4_K super-block, unpacked from its 12
/// bytes of 6-bit fields (ggml's `get_scale_min_k4`).
fn scale_min_k4(j: usize, scales: &[u8]) -> (i32, i32) {
    if j < 4 {
        (i32::from(scales[j] & 63), i32::from(scales[j + 4] & 63))
    } else {
        (
            i32::from((scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4)),
            i32::from((scales[j + 4] >> 4) | ((scales[j] >> 6) << 4)),
        )
    }
}

/// The 32 signed 5-bit values of a Q5_0 block (without its scale).
#[inline(always)]
fn q5_0_values(block: &[u8]) -> [i8; BLOCK] {
    let high = u32::from_le_bytes([block[2], block[3], block[4], block[5]]);
    let mut values = [0i8; BLOCK];
    for j in 0..16 {
        let byte = block[6 + j];
        let bit_low = (((high >> j) << 4) & 0x10) as u8;
        let bit_high = ((high >> (j + 12)) & 0x10) as u8;
        values[j] = ((byte & 0xF) | bit_low) as i8 - 16;
        values[j + 16] = ((byte >> 4) | bit_high) as i8 - 16;
    }
    values
}

/// The 256 signed 6-bit values of a Q6_K super-block (value `i` has scale `i / 16`).
#[inline(always)]
fn q6_k_values(block: &[u8]) -> [i8; SUPER_BLOCK] {
    let (low, high) = (&block[0..128], &block[128..192]);
    let mut values = [0i8; SUPER_BLOCK];
    for half in 0..2 {
        let (low, high) = (
            &low[64 * half..64 * half + 64],
            &high[32 * half..32 * half + 32],
        );
        let out = &mut values[128 * half..128 * half + 128];
        for l in 0..32 {
            out[l] = ((low[l] & 0xF) | ((high[l] & 3) << 4)) as i8 - 32;
            out[l + 32] = ((low[l + 32] & 0xF) | (((high[l] >> 2) & 3) << 4)) as i8 - 32;
            out[l + 64] = ((low[l] >> 4) | (((high[l] >> 4) & 3) << 4)) as i8 - 32;
            out[l + 96] = ((low[l + 32] >> 4) | (((high[l] >> 6) & 3) << 4)) as i8 - 32;
        }
    }
    values
}

/// Dequantizes one row (`out.len()` values) of format `format` (embedding lookups).
pub fn dequantize_row(format: WeightFormat, row: &[u8], out: &mut [f32]) {
    let block_bytes = format.block_bytes();
    assert!(
        row.len() == format.row_bytes(out.len()),
        "row length mismatch"
    );
    for (block, values) in row
        .chunks_exact(block_bytes)
        .zip(out.chunks_exact_mut(format.block_values()))
    {
        match format {
            WeightFormat::Q5_0 => {
                let d = half_at(block, 0);
                for (value, q) in values.iter_mut().zip(q5_0_values(block)) {
                    *value = d * f32::from(q);
                }
            }
            WeightFormat::Q4K => {
                let (d, dmin) = (half_at(block, 0), half_at(block, 2));
                let (scales, qs) = (&block[4..16], &block[16..144]);
                for j in 0..4 {
                    let (scale_low, min_low) = scale_min_k4(2 * j, scales);
                    let (scale_high, min_high) = scale_min_k4(2 * j + 1, scales);
                    let (d_low, m_low) = (d * scale_low as f32, dmin * min_low as f32);
                    let (d_high, m_high) = (d * scale_high as f32, dmin * min_high as f32);
                    for l in 0..32 {
                        let byte = qs[32 * j + l];
                        values[64 * j + l] = d_low * f32::from(byte & 0xF) - m_low;
                        values[64 * j + 32 + l] = d_high * f32::from(byte >> 4) - m_high;
                    }
                }
            }
            WeightFormat::Q6K => {
                let d = half_at(block, 208);
                for (i, (value, q)) in values.iter_mut().zip(q6_k_values(block)).enumerate() {
                    let scale = f32::from(block[192 + i / 16] as i8);
                    *value = d * scale * f32::from(q);
                }
            }
            WeightFormat::Q8_0 => {
                let d = half_at(block, 0);
                for (value, &q) in values.iter_mut().zip(&block[2..34]) {
                    *value = d * f32::from(q as i8);
                }
            }
            WeightFormat::Q4_0 => {
                let d = half_at(block, 0);
                for j in 0..16 {
                    let byte = block[2 + j];
                    values[j] = d * (f32::from(byte & 0xF) - 8.0);
                    values[j + 16] = d * (f32::from(byte >> 4) - 8.0);
                }
            }
            WeightFormat::Q4_1 => {
                let (d, m) = (half_at(block, 0), half_at(block, 2));
                for j in 0..16 {
                    let byte = block[4 + j];
                    values[j] = d * f32::from(byte & 0xF) + m;
                    values[j + 16] = d * f32::from(byte >> 4) + m;
                }
            }
        }
    }
}

/// The dot product of one weight row (in `format`) with a quantized activation.
pub fn dot(kind: KernelKind, format: WeightFormat, row: &[u8], x: &[BlockQ8]) -> f32 {
    assert!(
        row.len() == format.row_bytes(x.len() * BLOCK),
        "weight row and activation differ in length"
    );
    match format {
        #[cfg(target_arch = "x86_64")]
        WeightFormat::Q4K | WeightFormat::Q6K if kind == KernelKind::X86Fma => {
            // SAFETY: `X86Fma` comes only from `KernelKind::detect`, after AVX2 and FMA
            // were found at run time.
            return unsafe { dot_k_fma(format, row, x) };
        }
        WeightFormat::Q4K | WeightFormat::Q6K => return dot_k_portable(format, row, x),
        #[cfg(target_arch = "x86_64")]
        WeightFormat::Q5_0 if kind == KernelKind::X86Fma => {
            // SAFETY: `X86Fma` comes only from `KernelKind::detect`, after AVX2 and FMA
            // were found at run time; the assert above ties the row's length (22 bytes a
            // block) to the block count the kernel reads.
            return unsafe { dot_q5_0_avx2(row, x) };
        }
        _ => {}
    }
    match kind {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `X86Fma` comes only from `KernelKind::detect`, after AVX2 and FMA were
        // found at run time; the assert above ties the row's length to the block count the
        // kernels read.
        KernelKind::X86Fma => unsafe {
            match format {
                WeightFormat::Q4_1 => dot_q4_1_avx2(row, x),
                WeightFormat::Q8_0 => dot_q8_0_avx2(row, x),
                _ => dot_portable(format, row, x),
            }
        },
        #[cfg(target_arch = "aarch64")]
        KernelKind::Neon => neon::dot_with(format, row, x, true),
        _ => dot_portable(format, row, x),
    }
}

/// `out[r][t]` = the dot product of `rows[r]` with `xs[t]`, for `R` rows and `T`
/// activations at once (a tile of a matrix-matrix product): each weight block is unpacked
/// once for every activation and the `R * T` sums run side by side. Each sum is formed by
/// the same operations in the same order as [`dot`] forms it, so the results are
/// bit-identical to `R * T` calls of [`dot`].
pub fn dot_tile<const R: usize, const T: usize>(
    kind: KernelKind,
    format: WeightFormat,
    rows: &[&[u8]; R],
    xs: &[&[BlockQ8]; T],
) -> [[f32; T]; R] {
    let blocks = xs.first().map_or(0, |x| x.len());
    assert!(
        xs.iter().all(|x| x.len() == blocks)
            && rows
                .iter()
                .all(|row| row.len() == format.row_bytes(blocks * BLOCK)),
        "weight rows and activations differ in length"
    );
    match (kind, format) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `X86Fma` comes only from `KernelKind::detect`, after AVX2, FMA and F16C
        // were found at run time; the assert above ties every row's length to the block
        // count the kernel reads from each.
        (KernelKind::X86Fma, WeightFormat::Q4_1) => unsafe {
            if has_vnni() {
                tile_vnni::<Q4_1, R, T>(rows, xs)
            } else {
                tile_avx2::<Q4_1, R, T>(rows, xs)
            }
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above (and the VNNI form only where `has_vnni` found the features).
        (KernelKind::X86Fma, WeightFormat::Q8_0) => unsafe {
            if has_vnni() {
                tile_vnni::<Q8_0, R, T>(rows, xs)
            } else {
                tile_avx2::<Q8_0, R, T>(rows, xs)
            }
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        (KernelKind::X86Fma, WeightFormat::Q5_0) => unsafe {
            if has_vnni() {
                tile_vnni::<Q5_0, R, T>(rows, xs)
            } else {
                tile_avx2::<Q5_0, R, T>(rows, xs)
            }
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `X86Fma` comes only from `KernelKind::detect`, after AVX2 and FMA were
        // found at run time; the assert above ties every row's length to the activations'
        // block count, which `tile_k` checks is whole super-blocks.
        (KernelKind::X86Fma, WeightFormat::Q4K | WeightFormat::Q6K) => unsafe {
            tile_k::<R, T>(format, rows, xs)
        },
        _ => std::array::from_fn(|r| std::array::from_fn(|t| dot(kind, format, rows[r], xs[t]))),
    }
}

/// `R` Q4_K or Q6_K rows times `T` Q8_K activations as ggml's AVX2
/// `ggml_vec_dot_q4_K_q8_K` and `ggml_vec_dot_q6_K_q8_K` form each (the lanes of
/// [`dot_k_portable`]): each super-block of a row unpacked once (its nibbles or unsigned
/// 6-bit values, scales and mins) and used for every activation; per activation the 8
/// integer lanes (`maddubs` pairs, exact in 16 bits, times the sub-block scales by
/// `madd`; Q6_K less ggml's bias), one fused multiply-add per super-block, Q4_K's mins in
/// 4 more lanes. Integer sums are exact in any order, so every sum has the bits of the
/// one-row, one-activation form.
///
/// # Safety
/// The CPU must have AVX2 and FMA; every row `xs[0].len() * 32 / 256` super-blocks of
/// `format` long.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile_k<const R: usize, const T: usize>(
    format: WeightFormat,
    rows: &[&[u8]; R],
    xs: &[&[BlockQ8]; T],
) -> [[f32; T]; R] {
    use std::arch::x86_64::*;
    let per_super_block = SUPER_BLOCK / BLOCK;
    let blocks = xs.first().map_or(0, |x| x.len());
    assert!(
        blocks.is_multiple_of(per_super_block),
        "K-quant activations are whole super-blocks"
    );
    let super_blocks = blocks / per_super_block;
    let block_bytes = format.block_bytes();
    let mut acc = [[_mm256_setzero_ps(); T]; R];
    let mut acc_mins = [[_mm_setzero_ps(); T]; R];
    let low_mask = _mm256_set1_epi8(0x0F);
    let two_bits = _mm256_set1_epi8(3);
    for index in 0..super_blocks {
        let activations: [&[BlockQ8]; T] =
            std::array::from_fn(|t| &xs[t][index * per_super_block..(index + 1) * per_super_block]);
        // The activation's sums (at most 32 * 128 in magnitude: 16 bits), once per
        // activation for all the rows: Q4_K's per 32 values (8), Q6_K's per 16 (16, ggml's
        // `bsums`).
        let mut sums = [[0i16; 16]; T];
        for (sums, activation) in sums.iter_mut().zip(&activations) {
            if format == WeightFormat::Q4K {
                for (sum, block) in sums.iter_mut().zip(activation.iter()) {
                    *sum = block.qs.iter().map(|&q| i16::from(q)).sum();
                }
            } else {
                for (pair, block) in sums.chunks_exact_mut(2).zip(activation.iter()) {
                    pair[0] = block.qs[..16].iter().map(|&q| i16::from(q)).sum();
                    pair[1] = block.qs[16..].iter().map(|&q| i16::from(q)).sum();
                }
            }
        }
        for ((row, acc), acc_mins) in rows.iter().zip(acc.iter_mut()).zip(acc_mins.iter_mut()) {
            let block = &row[index * block_bytes..(index + 1) * block_bytes];
            let mut weights = [_mm256_setzero_si256(); 8];
            let mut scales = [0i16; 16];
            // SAFETY: every load reads inside the block (Q4_K: bytes 16 + 32j .. 48 + 32j,
            // j < 4, of 144; Q6_K: 64h .. 64h + 64 and 128 + 32h .. 160 + 32h, h < 2, and
            // the scales 192..208, of 210); the stores write the 16 i16 of `scales`.
            unsafe {
                if format == WeightFormat::Q4K {
                    for j in 0..4 {
                        let bits =
                            _mm256_loadu_si256(block.as_ptr().add(16 + 32 * j) as *const __m256i);
                        weights[2 * j] = _mm256_and_si256(bits, low_mask);
                        weights[2 * j + 1] = _mm256_and_si256(_mm256_srli_epi16(bits, 4), low_mask);
                    }
                    // ggml's unpacking of the 12 bytes of 6-bit fields: the 8 scales
                    // (bytes 0..8) then the 8 mins (8..16), as `scale_min_k4` gives them.
                    let word = |at: usize| {
                        u32::from_le_bytes([block[at], block[at + 1], block[at + 2], block[at + 3]])
                    };
                    let (w0, w1, w2) = (word(4), word(8), word(12));
                    let (low6, low4, low2) = (0x3f3f_3f3fu32, 0x0f0f_0f0fu32, 0x0303_0303u32);
                    let fields = _mm_set_epi32(
                        (((w2 >> 4) & low4) | (((w1 >> 6) & low2) << 4)) as i32,
                        (w1 & low6) as i32,
                        ((w2 & low4) | (((w0 >> 6) & low2) << 4)) as i32,
                        (w0 & low6) as i32,
                    );
                    _mm256_storeu_si256(
                        scales.as_mut_ptr() as *mut __m256i,
                        _mm256_cvtepu8_epi16(fields),
                    );
                } else {
                    for half in 0..2 {
                        let low = block.as_ptr().add(64 * half);
                        let bits1 = _mm256_loadu_si256(low as *const __m256i);
                        let bits2 = _mm256_loadu_si256(low.add(32) as *const __m256i);
                        let high = _mm256_loadu_si256(
                            block.as_ptr().add(128 + 32 * half) as *const __m256i
                        );
                        let high_part = |shifted: __m256i| {
                            _mm256_slli_epi16(_mm256_and_si256(shifted, two_bits), 4)
                        };
                        weights[4 * half] =
                            _mm256_or_si256(_mm256_and_si256(bits1, low_mask), high_part(high));
                        weights[4 * half + 1] = _mm256_or_si256(
                            _mm256_and_si256(bits2, low_mask),
                            high_part(_mm256_srli_epi16(high, 2)),
                        );
                        weights[4 * half + 2] = _mm256_or_si256(
                            _mm256_and_si256(_mm256_srli_epi16(bits1, 4), low_mask),
                            high_part(_mm256_srli_epi16(high, 4)),
                        );
                        weights[4 * half + 3] = _mm256_or_si256(
                            _mm256_and_si256(_mm256_srli_epi16(bits2, 4), low_mask),
                            high_part(_mm256_srli_epi16(high, 6)),
                        );
                    }
                    _mm256_storeu_si256(
                        scales.as_mut_ptr() as *mut __m256i,
                        _mm256_cvtepi8_epi16(_mm_loadu_si128(
                            block.as_ptr().add(192) as *const __m128i
                        )),
                    );
                }
            }
            for (((acc, acc_mins), activation), sums) in acc
                .iter_mut()
                .zip(acc_mins.iter_mut())
                .zip(&activations)
                .zip(&sums)
            {
                let scale = activation[0].d;
                let mut sumi = _mm256_setzero_si256();
                // SAFETY: each activation block holds 32 values; `scales` and `sums` are
                // 16 and 8 i16.
                unsafe {
                    if format == WeightFormat::Q4K {
                        let d = scale * half_at(block, 0);
                        let dmin = -scale * half_at(block, 2);
                        let product = _mm_madd_epi16(
                            _mm_loadu_si128(scales.as_ptr().add(8) as *const __m128i),
                            _mm_loadu_si128(sums.as_ptr() as *const __m128i),
                        );
                        *acc_mins =
                            _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(product), *acc_mins);
                        for (j, (weights, values)) in
                            weights.iter().zip(activation.iter()).enumerate()
                        {
                            let values = _mm256_loadu_si256(values.qs.as_ptr() as *const __m256i);
                            sumi = _mm256_add_epi32(
                                sumi,
                                _mm256_madd_epi16(
                                    _mm256_set1_epi16(scales[j]),
                                    _mm256_maddubs_epi16(*weights, values),
                                ),
                            );
                        }
                        *acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), *acc);
                    } else {
                        let d = scale * half_at(block, 208);
                        for (chunk, (weights, values)) in
                            weights.iter().zip(activation.iter()).enumerate()
                        {
                            let values = _mm256_loadu_si256(values.qs.as_ptr() as *const __m256i);
                            let sub_scales = _mm256_set_m128i(
                                _mm_set1_epi16(scales[2 * chunk + 1]),
                                _mm_set1_epi16(scales[2 * chunk]),
                            );
                            sumi = _mm256_add_epi32(
                                sumi,
                                _mm256_madd_epi16(
                                    sub_scales,
                                    _mm256_maddubs_epi16(*weights, values),
                                ),
                            );
                        }
                        // ggml's bias: lane k less 32 * (the scaled sums of sub-blocks 2k
                        // and 2k + 1), whatever bytes lane k summed above.
                        let bias = _mm256_madd_epi16(
                            _mm256_loadu_si256(sums.as_ptr() as *const __m256i),
                            _mm256_loadu_si256(scales.as_ptr() as *const __m256i),
                        );
                        sumi = _mm256_sub_epi32(sumi, _mm256_slli_epi32(bias, 5));
                        *acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), *acc);
                    }
                }
            }
        }
    }
    let mut out = [[0.0f32; T]; R];
    for ((out, acc), acc_mins) in out.iter_mut().zip(&acc).zip(&acc_mins) {
        for ((out, &acc), &acc_mins) in out.iter_mut().zip(acc).zip(acc_mins) {
            // SAFETY: AVX2 and FMA are enabled on this function.
            let sum = unsafe { horizontal_sum(acc) };
            *out = if format == WeightFormat::Q4K {
                sum + fold_4(acc_mins)
            } else {
                sum
            };
        }
    }
    out
}

/// The sum of 4 f32 lanes as ggml folds Q4_K's mins: `(m0 + m2) + (m1 + m3)`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn fold_4(lanes: std::arch::x86_64::__m128) -> f32 {
    use std::arch::x86_64::*;
    let folded = _mm_add_ps(lanes, _mm_movehl_ps(lanes, lanes));
    _mm_cvtss_f32(_mm_add_ss(folded, _mm_movehdup_ps(folded)))
}

/// The two half-precision values at `pointer` (a block's `d` and `m`) as f32, with F16C
/// (exact: every half value is an f32 value).
///
/// # Safety
/// `pointer` must be valid for reading 4 bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn two_halves(pointer: *const u8) -> (f32, f32) {
    use std::arch::x86_64::*;
    // SAFETY: the caller guarantees 4 readable bytes.
    let bits = unsafe { (pointer as *const i32).read_unaligned() };
    let both = _mm_cvtph_ps(_mm_cvtsi32_si128(bits));
    (_mm_cvtss_f32(both), _mm_cvtss_f32(_mm_movehdup_ps(both)))
}

/// Whether the CPU has AVX-512 VNNI with 256-bit forms (`vpdpbusd` on ymm registers): the
/// tiles then form each block's integer sum in one instruction instead of
/// `maddubs` + `madd`. The sums are exact either way (the 16-bit pair sums of 4-bit or
/// sign-folded 8-bit weights times 8-bit values never saturate), so results are
/// bit-identical; ggml makes the same choice.
#[cfg(target_arch = "x86_64")]
fn has_vnni() -> bool {
    std::arch::is_x86_feature_detected!("avx512vnni")
        && std::arch::is_x86_feature_detected!("avx512vl")
}

/// The instruction that forms each block's integer sums: the sums of 4 adjacent products
/// `u[i] * s[i]` (u unsigned, s signed bytes) as 8 32-bit lanes.
#[cfg(target_arch = "x86_64")]
trait QuadSums {
    /// # Safety
    /// The CPU must have the instruction's features (enabled on the calling function).
    unsafe fn quads(
        unsigned: std::arch::x86_64::__m256i,
        signed: std::arch::x86_64::__m256i,
    ) -> std::arch::x86_64::__m256i;
}

/// AVX2: `maddubs` (16-bit pair sums) then `madd` by ones.
#[cfg(target_arch = "x86_64")]
struct Avx2;

/// AVX-512 VNNI with VL: one `vpdpbusd`.
#[cfg(target_arch = "x86_64")]
struct Vnni;

#[cfg(target_arch = "x86_64")]
impl QuadSums for Avx2 {
    #[inline(always)]
    unsafe fn quads(
        unsigned: std::arch::x86_64::__m256i,
        signed: std::arch::x86_64::__m256i,
    ) -> std::arch::x86_64::__m256i {
        use std::arch::x86_64::*;
        // SAFETY: the caller guarantees AVX2.
        unsafe { _mm256_madd_epi16(_mm256_maddubs_epi16(unsigned, signed), _mm256_set1_epi16(1)) }
    }
}

#[cfg(target_arch = "x86_64")]
impl QuadSums for Vnni {
    #[inline(always)]
    unsafe fn quads(
        unsigned: std::arch::x86_64::__m256i,
        signed: std::arch::x86_64::__m256i,
    ) -> std::arch::x86_64::__m256i {
        use std::arch::x86_64::*;
        // SAFETY: the caller guarantees AVX-512 VNNI and VL.
        unsafe { _mm256_dpbusd_epi32(_mm256_setzero_si256(), unsigned, signed) }
    }
}

/// One weight block as a tile uses it: the scale, the offset (Q4_1's `m`; 0 where the
/// format has none) and the weights as the unsigned operand of [`QuadSums::quads`]; `raw`
/// keeps what [`TileFormat::signed`] needs to sign the activation.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Unpacked {
    d: f32,
    m: f32,
    unsigned: std::arch::x86_64::__m256i,
    raw: std::arch::x86_64::__m256i,
}

/// A weight format as the tiles read it.
#[cfg(target_arch = "x86_64")]
trait TileFormat {
    /// Bytes of one block.
    const BYTES: usize;
    /// Whether `m * s` (Q4_1's offset times the activation's block sum) is added.
    const OFFSET: bool;
    /// # Safety
    /// `block` must be valid for reading `BYTES` bytes; AVX2 and F16C enabled.
    unsafe fn unpack(block: *const u8) -> Unpacked;
    /// The activation's values as the signed operand of [`QuadSums::quads`]. The default is for formats whose weights are signed bytes (Q5_0, Q8_0): the
    /// activation takes the weights' signs, the weights' magnitudes are the unsigned side.
    ///
    /// # Safety
    /// AVX2 enabled.
    #[inline(always)]
    unsafe fn signed(
        values: std::arch::x86_64::__m256i,
        block: &Unpacked,
    ) -> std::arch::x86_64::__m256i {
        // SAFETY: the caller guarantees AVX2.
        unsafe { std::arch::x86_64::_mm256_sign_epi8(values, block.raw) }
    }
}

#[cfg(target_arch = "x86_64")]
impl Unpacked {
    /// A block of 32 signed weights with scale `d` (Q5_0, Q8_0): their magnitudes are the
    /// unsigned operand; `raw` keeps the signs for [`TileFormat::signed`].
    ///
    /// # Safety
    /// AVX2 enabled.
    #[inline(always)]
    unsafe fn of_signed(d: f32, weights: std::arch::x86_64::__m256i) -> Self {
        // SAFETY: the caller guarantees AVX2.
        let unsigned = unsafe { std::arch::x86_64::_mm256_sign_epi8(weights, weights) };
        Unpacked {
            d,
            m: 0.0,
            unsigned,
            raw: weights,
        }
    }
}

/// Q4_1: `d`, `m` (halves), 16 bytes of nibbles (low nibbles values 0-15, high 16-31).
#[cfg(target_arch = "x86_64")]
struct Q4_1;

/// Q8_0: `d` (half), 32 signed bytes; the magnitudes times the activation signed by the
/// weights (`maddubs` takes an unsigned first operand).
#[cfg(target_arch = "x86_64")]
struct Q8_0;

#[cfg(target_arch = "x86_64")]
impl TileFormat for Q4_1 {
    const BYTES: usize = 20;
    const OFFSET: bool = true;
    #[inline(always)]
    unsafe fn unpack(block: *const u8) -> Unpacked {
        use std::arch::x86_64::*;
        // SAFETY: the caller guarantees 20 readable bytes at `block` and the features.
        unsafe {
            let (d, m) = two_halves(block);
            let packed = _mm_loadu_si128(block.add(4) as *const __m128i);
            let both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
            let weights = _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
            Unpacked {
                d,
                m,
                unsigned: weights,
                raw: weights,
            }
        }
    }
    #[inline(always)]
    unsafe fn signed(
        values: std::arch::x86_64::__m256i,
        _block: &Unpacked,
    ) -> std::arch::x86_64::__m256i {
        values
    }
}

/// Q5_0: `d` (half), 32 high bits, 16 bytes of nibbles; the 5-bit values less 16 as
/// signed bytes (as [`dot_q5_0_avx2`] forms them), then used as Q8_0's.
#[cfg(target_arch = "x86_64")]
struct Q5_0;

#[cfg(target_arch = "x86_64")]
impl TileFormat for Q5_0 {
    const BYTES: usize = 22;
    const OFFSET: bool = false;
    #[inline(always)]
    unsafe fn unpack(block: *const u8) -> Unpacked {
        use std::arch::x86_64::*;
        // SAFETY: the caller guarantees 22 readable bytes at `block` and the features.
        unsafe {
            let d = two_halves(block).0;
            let qh = (block.add(2) as *const u32).read_unaligned();
            let packed = _mm_loadu_si128(block.add(6) as *const __m128i);
            let weights = q5_0_signed(qh, packed);
            Unpacked::of_signed(d, weights)
        }
    }
}

/// The 32 signed values of a Q5_0 block from its high bits `qh` and 16 nibble bytes:
/// ggml's `bytes_from_nibbles_32` (low nibbles to bytes 0..16, high to 16..32) and
/// `bytes_from_bits_32` (0xFF where bit j of qh is set), inverted: the values whose fifth
/// bit is clear get 0xF0 ORed in, i.e. 16 subtracted.
///
/// # Safety
/// The CPU must have AVX2 (enabled on the calling function).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn q5_0_signed(qh: u32, packed: std::arch::x86_64::__m128i) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::*;
    // SAFETY: the caller guarantees AVX2.
    unsafe {
        // Byte j of the 32 takes bit j of `qh`: each 8-byte lane group reads one byte of it.
        let shuffle = _mm256_set_epi64x(
            0x0303_0303_0303_0303,
            0x0202_0202_0202_0202,
            0x0101_0101_0101_0101,
            0,
        );
        let bit_mask = _mm256_set1_epi64x(0x7fbf_dfef_f7fb_fdfe);
        let nibbles = _mm256_and_si256(
            _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed),
            _mm256_set1_epi8(0x0F),
        );
        let spread = _mm256_shuffle_epi8(_mm256_set1_epi32(qh as i32), shuffle);
        let bits = _mm256_cmpeq_epi8(_mm256_or_si256(spread, bit_mask), _mm256_set1_epi64x(-1));
        let clear = _mm256_andnot_si256(bits, _mm256_set1_epi8(0xF0u8 as i8));
        _mm256_or_si256(nibbles, clear)
    }
}

#[cfg(target_arch = "x86_64")]
impl TileFormat for Q8_0 {
    const BYTES: usize = 34;
    const OFFSET: bool = false;
    #[inline(always)]
    unsafe fn unpack(block: *const u8) -> Unpacked {
        use std::arch::x86_64::*;
        // SAFETY: the caller guarantees 34 readable bytes at `block` and the features.
        unsafe {
            // The second half read is the first two weights: unused.
            let d = two_halves(block).0;
            let weights = _mm256_loadu_si256(block.add(2) as *const __m256i);
            Unpacked::of_signed(d, weights)
        }
    }
}

/// Asks for the bytes at `block` plus `R` rows of `row_bytes` (the same block of the next
/// tile's row, in a matrix whose rows lie back to back) to be brought into the cache, so
/// that streaming a matrix for one token waits less on memory. Only a hint: the address
/// is formed with wrapping arithmetic and never read, so past the matrix's end it is
/// harmless.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn prefetch_next_tile<const R: usize>(block: *const u8, row_bytes: usize) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    // SAFETY: a prefetch reads nothing architecturally and never faults, whatever the
    // address; SSE is part of x86_64.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(block.wrapping_add(R * row_bytes) as *const i8) };
}

/// The tile of format `F` with AVX2.
///
/// # Safety
/// The CPU must have AVX2, FMA and F16C; every row `xs[0].len() * F::BYTES` bytes long.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn tile_avx2<F: TileFormat, const R: usize, const T: usize>(
    rows: &[&[u8]; R],
    xs: &[&[BlockQ8]; T],
) -> [[f32; T]; R] {
    // SAFETY: as the caller guarantees.
    unsafe { tile::<F, Avx2, R, T>(rows, xs) }
}

/// The tile of format `F` with AVX-512 VNNI.
///
/// # Safety
/// As [`tile_avx2`], and the CPU must have AVX-512 VNNI and VL.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,f16c,avx512vnni,avx512vl")]
unsafe fn tile_vnni<F: TileFormat, const R: usize, const T: usize>(
    rows: &[&[u8]; R],
    xs: &[&[BlockQ8]; T],
) -> [[f32; T]; R] {
    // SAFETY: as the caller guarantees.
    unsafe { tile::<F, Vnni, R, T>(rows, xs) }
}

/// `R` rows of format `F` times `T` activations, each block's integer sums formed by `Q`:
/// per block and pair, `acc += (d * x.d) * quads` in 8 lanes (and `sum += m * x.s` where
/// the format has an offset), then the lanes summed as [`dot`]'s kernels sum them.
///
/// # Safety
/// See [`tile_avx2`] and [`tile_vnni`].
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn tile<F: TileFormat, Q: QuadSums, const R: usize, const T: usize>(
    rows: &[&[u8]; R],
    xs: &[&[BlockQ8]; T],
) -> [[f32; T]; R] {
    use std::arch::x86_64::*;
    // SAFETY: the caller guarantees the CPU features the intrinsics need (AVX2, FMA,
    // F16C; VNNI and VL for `Vnni`) and that every row is `blocks` blocks long; the
    // reads below stay inside the rows and activations as commented.
    unsafe {
        let blocks = xs.first().map_or(0, |x| x.len());
        let mut acc = [[_mm256_setzero_ps(); T]; R];
        let mut sums = [[0.0f32; T]; R];
        for index in 0..blocks {
            let mut values = [_mm256_setzero_si256(); T];
            for (value, x) in values.iter_mut().zip(xs) {
                // `index < blocks == x.len()`: a whole block of 32 values.
                *value = _mm256_loadu_si256(x.get_unchecked(index).qs.as_ptr() as *const __m256i);
            }
            for ((row, acc), sums) in rows.iter().zip(acc.iter_mut()).zip(sums.iter_mut()) {
                // the caller asserted every row is `blocks * F::BYTES` bytes long, so block
                // `index` spans bytes index*F::BYTES .. (index + 1)*F::BYTES of the row.
                let block = row.as_ptr().add(index * F::BYTES);
                prefetch_next_tile::<R>(block, blocks * F::BYTES);
                let weights = F::unpack(block);
                for ((acc, sum), (value, x)) in acc
                    .iter_mut()
                    .zip(sums.iter_mut())
                    .zip(values.iter().zip(xs))
                {
                    // `index < blocks == x.len()`.
                    let activation = x.get_unchecked(index);
                    if F::OFFSET {
                        *sum += weights.m * activation.s;
                    }
                    let quads = Q::quads(weights.unsigned, F::signed(*value, &weights));
                    *acc = _mm256_fmadd_ps(
                        _mm256_set1_ps(weights.d * activation.d),
                        _mm256_cvtepi32_ps(quads),
                        *acc,
                    );
                }
            }
        }
        let mut out = [[0.0f32; T]; R];
        for ((out, acc), sums) in out.iter_mut().zip(&acc).zip(&sums) {
            for ((out, acc), sum) in out.iter_mut().zip(acc).zip(sums) {
                // Q8_0 adds nothing (not even 0.0, which would turn -0.0 into 0.0).
                *out = if F::OFFSET {
                    horizontal_sum(*acc) + sum
                } else {
                    horizontal_sum(*acc)
                };
            }
        }
        out
    }
}

fn dot_portable(format: WeightFormat, row: &[u8], x: &[BlockQ8]) -> f32 {
    let mut sum = 0.0f32;
    let mut sums = 0.0f32;
    for (block, activation) in row.chunks_exact(format.block_bytes()).zip(x) {
        match format {
            WeightFormat::Q4_1 => {
                let mut integer = 0i32;
                for j in 0..16 {
                    let byte = block[4 + j];
                    integer += i32::from(byte & 0xF) * i32::from(activation.qs[j]);
                    integer += i32::from(byte >> 4) * i32::from(activation.qs[j + 16]);
                }
                sum += half_at(block, 0) * activation.d * integer as f32;
                sums += half_at(block, 2) * activation.s;
            }
            WeightFormat::Q4_0 => {
                let mut integer = 0i32;
                for j in 0..16 {
                    let byte = block[2 + j];
                    integer += (i32::from(byte & 0xF) - 8) * i32::from(activation.qs[j]);
                    integer += (i32::from(byte >> 4) - 8) * i32::from(activation.qs[j + 16]);
                }
                sum += half_at(block, 0) * activation.d * integer as f32;
            }
            WeightFormat::Q8_0 => {
                let integer: i32 = block[2..34]
                    .iter()
                    .zip(&activation.qs)
                    .map(|(&w, &a)| i32::from(w as i8) * i32::from(a))
                    .sum();
                sum += half_at(block, 0) * activation.d * integer as f32;
            }
            WeightFormat::Q5_0 => {
                let integer: i32 = q5_0_values(block)
                    .iter()
                    .zip(&activation.qs)
                    .map(|(&w, &a)| i32::from(w) * i32::from(a))
                    .sum();
                sum += half_at(block, 0) * activation.d * integer as f32;
            }
            WeightFormat::Q4K | WeightFormat::Q6K => return dot_k_portable(format, row, x),
        }
    }
    sum + sums
}

/// A Q4_K or Q6_K row times a Q8_K activation in the order ggml's AVX2 kernels
/// (`ggml_vec_dot_q4_K_q8_K`, `ggml_vec_dot_q6_K_q8_K`) form it, so that results match
/// llama.cpp bit for bit: per super-block, 8 integer lanes (lane `k` holds the scaled
/// products of bytes `4k..4k + 4` of every 32-value chunk; Q6_K's lane `k` also less
/// `32 * (scale * sum)` of its 16-value sub-blocks `2k` and `2k + 1`), each added to an f32
/// lane by one fused multiply-add with `x.d * d`; Q4_K's mins in 4 more lanes (lane `k`:
/// sub-blocks `2k` and `2k + 1`) by fused multiply-adds with `-x.d * dmin`; the lanes
/// reduced as ggml's `hsum_float_8`. Gemma 3 turns out to be sensitive enough to summation
/// order that another order moves its logits by tenths (measured).
pub(crate) fn dot_k_portable(format: WeightFormat, row: &[u8], x: &[BlockQ8]) -> f32 {
    let per_super_block = SUPER_BLOCK / BLOCK;
    let mut acc = [0.0f32; 8];
    let mut acc_mins = [0.0f32; 4];
    for (block, activation) in row
        .chunks_exact(format.block_bytes())
        .zip(x.chunks_exact(per_super_block))
    {
        let scale = activation[0].d;
        let mut lanes = [0i32; 8];
        match format {
            WeightFormat::Q4K => {
                let (d, dmin) = (half_at(block, 0), half_at(block, 2));
                let (scales, qs) = (&block[4..16], &block[16..144]);
                let mut mins = [0i32; 8];
                let mut sums = [0i32; 8];
                for j in 0..4 {
                    let (scale_low, min_low) = scale_min_k4(2 * j, scales);
                    let (scale_high, min_high) = scale_min_k4(2 * j + 1, scales);
                    mins[2 * j] = min_low;
                    mins[2 * j + 1] = min_high;
                    let (low, high) = (&activation[2 * j].qs, &activation[2 * j + 1].qs);
                    sums[2 * j] = low.iter().map(|&q| i32::from(q)).sum();
                    sums[2 * j + 1] = high.iter().map(|&q| i32::from(q)).sum();
                    for (k, lane) in lanes.iter_mut().enumerate() {
                        let (mut part_low, mut part_high) = (0i32, 0i32);
                        for b in 4 * k..4 * k + 4 {
                            let byte = qs[32 * j + b];
                            part_low += i32::from(byte & 0xF) * i32::from(low[b]);
                            part_high += i32::from(byte >> 4) * i32::from(high[b]);
                        }
                        *lane += scale_low * part_low + scale_high * part_high;
                    }
                }
                let weight = scale * d;
                for (a, &lane) in acc.iter_mut().zip(&lanes) {
                    *a = weight.mul_add(lane as f32, *a);
                }
                let weight_mins = -scale * dmin;
                for (k, a) in acc_mins.iter_mut().enumerate() {
                    let product = mins[2 * k] * sums[2 * k] + mins[2 * k + 1] * sums[2 * k + 1];
                    *a = weight_mins.mul_add(product as f32, *a);
                }
            }
            WeightFormat::Q6K => {
                let d = half_at(block, 208);
                let values = q6_k_values(block);
                let scales = &block[192..208];
                for (chunk, weights) in values.chunks_exact(BLOCK).enumerate() {
                    let activation = &activation[chunk].qs;
                    for (k, lane) in lanes.iter_mut().enumerate() {
                        let sub = (BLOCK * chunk + 4 * k) / 16;
                        let mut part = 0i32;
                        for b in 4 * k..4 * k + 4 {
                            // ggml multiplies the unsigned values (0..64) and subtracts
                            // 32 times the activation's sums below.
                            part += (i32::from(weights[b]) + 32) * i32::from(activation[b]);
                        }
                        *lane += i32::from(scales[sub] as i8) * part;
                    }
                }
                for (k, lane) in lanes.iter_mut().enumerate() {
                    let mut bias = 0i32;
                    for sub in [2 * k, 2 * k + 1] {
                        let start = 16 * (sub % 2);
                        let sum: i32 = activation[sub / 2].qs[start..start + 16]
                            .iter()
                            .map(|&q| i32::from(q))
                            .sum();
                        bias += sum * i32::from(scales[sub] as i8);
                    }
                    *lane -= bias << 5;
                }
                let weight = scale * d;
                for (a, &lane) in acc.iter_mut().zip(&lanes) {
                    *a = weight.mul_add(lane as f32, *a);
                }
            }
            _ => unreachable!("dot_k_portable is called for K-quant formats only"),
        }
    }
    let halves = [
        acc[0] + acc[4],
        acc[1] + acc[5],
        acc[2] + acc[6],
        acc[3] + acc[7],
    ];
    let sum = (halves[0] + halves[2]) + (halves[1] + halves[3]);
    let mins = (acc_mins[0] + acc_mins[2]) + (acc_mins[1] + acc_mins[3]);
    if format == WeightFormat::Q4K {
        sum + mins
    } else {
        sum
    }
}

/// [`dot_k_portable`] in AVX2: the one-row, one-activation [`tile_k`].
///
/// # Safety
/// The CPU must have AVX2 and FMA; the row `x.len() * 32 / 256` super-blocks long.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_k_fma(format: WeightFormat, row: &[u8], x: &[BlockQ8]) -> f32 {
    // SAFETY: as the caller guarantees.
    unsafe { tile_k::<1, 1>(format, &[row], &[x])[0][0] }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn horizontal_sum(v: std::arch::x86_64::__m256) -> f32 {
    use std::arch::x86_64::*;
    let low = _mm256_castps256_ps128(v);
    let high = _mm256_extractf128_ps(v, 1);
    let sum = _mm_add_ps(low, high);
    let sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    let sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    _mm_cvtss_f32(sum)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_q4_1_avx2(row: &[u8], x: &[BlockQ8]) -> f32 {
    use std::arch::x86_64::*;
    let mut acc = _mm256_setzero_ps();
    let mut sums = 0.0f32;
    let low_mask = _mm256_set1_epi8(0x0F);
    let ones = _mm256_set1_epi16(1);
    let base = row.as_ptr();
    for (index, activation) in x.iter().enumerate() {
        // SAFETY: the caller asserted row.len() == x.len() * 20, so block `index` spans
        // bytes index*20 .. index*20 + 20, inside the row; the activation is a whole block.
        unsafe {
            let block = base.add(index * 20);
            let d = f16_to_f32(u16::from_le_bytes([*block, *block.add(1)]));
            let m = f16_to_f32(u16::from_le_bytes([*block.add(2), *block.add(3)]));
            sums += m * activation.s;
            let packed = _mm_loadu_si128(block.add(4) as *const __m128i);
            let both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
            let weights = _mm256_and_si256(both, low_mask);
            let values = _mm256_loadu_si256(activation.qs.as_ptr() as *const __m256i);
            let pairs = _mm256_maddubs_epi16(weights, values);
            let quads = _mm256_madd_epi16(pairs, ones);
            acc = _mm256_fmadd_ps(
                _mm256_set1_ps(d * activation.d),
                _mm256_cvtepi32_ps(quads),
                acc,
            );
        }
    }
    // SAFETY: AVX2 and FMA are enabled on this function.
    unsafe { horizontal_sum(acc) + sums }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_q8_0_avx2(row: &[u8], x: &[BlockQ8]) -> f32 {
    use std::arch::x86_64::*;
    let mut acc = _mm256_setzero_ps();
    let ones = _mm256_set1_epi16(1);
    let base = row.as_ptr();
    for (index, activation) in x.iter().enumerate() {
        // SAFETY: the caller asserted row.len() == x.len() * 34: block `index` spans bytes
        // index*34 .. index*34 + 34 of the row.
        unsafe {
            let block = base.add(index * 34);
            let d = f16_to_f32(u16::from_le_bytes([*block, *block.add(1)]));
            let weights = _mm256_loadu_si256(block.add(2) as *const __m256i);
            let values = _mm256_loadu_si256(activation.qs.as_ptr() as *const __m256i);
            let magnitudes = _mm256_sign_epi8(weights, weights);
            let signed = _mm256_sign_epi8(values, weights);
            let pairs = _mm256_maddubs_epi16(magnitudes, signed);
            let quads = _mm256_madd_epi16(pairs, ones);
            acc = _mm256_fmadd_ps(
                _mm256_set1_ps(d * activation.d),
                _mm256_cvtepi32_ps(quads),
                acc,
            );
        }
    }
    // SAFETY: AVX2 and FMA are enabled on this function.
    unsafe { horizontal_sum(acc) }
}

/// A Q5_0 row times a Q8_0 activation as ggml's AVX2 kernel forms it: the 5-bit values
/// (low nibbles, the fifth bit from `qh`, less 16) as 32 signed bytes, then as Q8_0.
///
/// # Safety
/// The CPU must have AVX2 and FMA; `row.len() == x.len() * 22`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_q5_0_avx2(row: &[u8], x: &[BlockQ8]) -> f32 {
    use std::arch::x86_64::*;
    let mut acc = _mm256_setzero_ps();
    let ones = _mm256_set1_epi16(1);
    for (block, activation) in row.chunks_exact(22).zip(x) {
        let d = half_at(block, 0);
        let qh = u32::from_le_bytes([block[2], block[3], block[4], block[5]]);
        // SAFETY: the block is 22 bytes long, so bytes 6..22 are in it; the activation's
        // 32 values are one unaligned 256-bit load; AVX2 is enabled on this function.
        let (weights, values) = unsafe {
            (
                q5_0_signed(qh, _mm_loadu_si128(block.as_ptr().add(6) as *const __m128i)),
                _mm256_loadu_si256(activation.qs.as_ptr() as *const __m256i),
            )
        };
        let magnitudes = _mm256_sign_epi8(weights, weights);
        let signed = _mm256_sign_epi8(values, weights);
        let pairs = _mm256_maddubs_epi16(magnitudes, signed);
        let quads = _mm256_madd_epi16(pairs, ones);
        acc = _mm256_fmadd_ps(
            _mm256_set1_ps(d * activation.d),
            _mm256_cvtepi32_ps(quads),
            acc,
        );
    }
    // SAFETY: AVX2 and FMA are enabled on this function.
    unsafe { horizontal_sum(acc) }
}

/// A quantized matrix in the file: `rows` rows of `depth` weights.
#[derive(Clone, Debug)]
pub struct Matrix {
    pub format: WeightFormat,
    pub rows: usize,
    pub depth: usize,
    pub(crate) bytes: std::ops::Range<usize>,
    pub(crate) row_bytes: usize,
}

impl Matrix {
    /// The bytes of row `row` inside the file's bytes.
    pub fn row<'a>(&self, file: &'a [u8], row: usize) -> &'a [u8] {
        let start = self.bytes.start + row * self.row_bytes;
        &file[start..start + self.row_bytes]
    }
}

/// Rotates the pairs of `head` by the angles of `table` (cos, sin per pair), as GCC
/// contracts ggml's `x0*cos - x1*sin` and `x0*sin + x1*cos` (fused multiply-adds).
pub fn rope(kind: KernelKind, head: &mut [f32], table: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if kind == KernelKind::X86Fma {
        // SAFETY: `X86Fma` comes only from `KernelKind::detect`, after AVX2 and FMA were
        // found at run time.
        return unsafe { rope_fma(head, table) };
    }
    let _ = kind;
    rope_pairs(head, table);
}

/// [`rope_pairs`] with the FMA instruction inline (not libm's `fmaf`).
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn rope_fma(head: &mut [f32], table: &[f32]) {
    rope_pairs(head, table);
}

#[inline(always)]
fn rope_pairs(head: &mut [f32], table: &[f32]) {
    for (pair, trig) in head.chunks_exact_mut(2).zip(table.chunks_exact(2)) {
        let (cos, sin) = (trig[0], trig[1]);
        let (a, b) = (pair[0], pair[1]);
        pair[0] = a.mul_add(cos, -(b * sin));
        pair[1] = a.mul_add(sin, b * cos);
    }
}

/// Rotates one head by `table` as ggml's "neox" mode does (Gemma): value `i` pairs with
/// value `i + n/2` (not its neighbour), pair `i` turned by the table's angle `i`.
pub fn rope_neox(kind: KernelKind, head: &mut [f32], table: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if kind == KernelKind::X86Fma {
        // SAFETY: `X86Fma` comes only from `KernelKind::detect`, after AVX2 and FMA were
        // found at run time.
        return unsafe { rope_neox_fma(head, table) };
    }
    let _ = kind;
    rope_halves(head, table);
}

/// [`rope_halves`] with the FMA instruction inline.
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn rope_neox_fma(head: &mut [f32], table: &[f32]) {
    rope_halves(head, table);
}

#[inline(always)]
fn rope_halves(head: &mut [f32], table: &[f32]) {
    let half = head.len() / 2;
    let (low, high) = head.split_at_mut(half);
    for ((a, b), trig) in low
        .iter_mut()
        .zip(high.iter_mut())
        .zip(table.chunks_exact(2))
    {
        let (cos, sin) = (trig[0], trig[1]);
        let (x0, x1) = (*a, *b);
        *a = x0.mul_add(cos, -(x1 * sin));
        *b = x0.mul_add(sin, x1 * cos);
    }
}

/// ggml's `ggml_table_gelu_f16`: for every half-precision value (by its bits), the tanh
/// approximation of GELU at it, rounded to half. Built once (the model's load asks for it
/// through [`prepare_gelu`], so the model's thread never builds it) and shared: a lookup
/// replaces a `tanh` per value and gives the same bits, since ggml computes the same.
fn gelu_table() -> &'static [u16] {
    static TABLE: std::sync::OnceLock<Box<[u16]>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        const GELU_COEF_A: f32 = 0.044_715;
        const SQRT_2_OVER_PI: f32 = 0.797_884_6;
        (0..=u16::MAX)
            .map(|bits| {
                let x = f16_to_f32(bits);
                let inner = SQRT_2_OVER_PI * x * (1.0 + GELU_COEF_A * x * x);
                f32_to_f16(0.5 * x * (1.0 + inner.tanh()))
            })
            .collect()
    })
}

/// Builds the GELU table now (at a model's load) if it is not built yet.
pub fn prepare_gelu() {
    let _ = gelu_table();
}

/// GeGLU's `gate = gelu(gate) * up` in place, as ggml's `ggml_vec_geglu_f32` forms it:
/// the tanh approximation of GELU looked up at the half-precision rounding of the input
/// (ggml's table of 65 536 half values, [`gelu_table`]), 0 below -10 and the input itself
/// above 10.
pub fn gelu_mul(gate: &mut [f32], up: &[f32]) {
    let table = gelu_table();
    for (gate, &up) in gate.iter_mut().zip(up) {
        let x = *gate;
        *gate = if x <= -10.0 {
            0.0
        } else if x >= 10.0 {
            x * up
        } else {
            f16_to_f32(table[usize::from(f32_to_f16(x))]) * up
        };
    }
}

/// The sum of the products `a[i] * b[i]` of half-precision values (exact in f32) in the
/// order ggml's AVX-512 build adds them: for a `batch`, 16 lanes (index mod 16) each summed
/// in order, then reduced ([`reduce_16`]); for one token, 4 x 16 lanes (index mod 64),
/// folded pairwise, then reduced.
pub fn lane_dot(kind: KernelKind, batch: bool, a: &[f32], b: &[f32]) -> f32 {
    assert!(a.len() == b.len(), "lane_dot: lengths differ");
    #[cfg(target_arch = "x86_64")]
    if kind == KernelKind::X86Fma {
        // SAFETY: `X86Fma` comes only from `KernelKind::detect`, after AVX2 and FMA were
        // found at run time.
        return unsafe { lane_dot_avx2(batch, a, b) };
    }
    let _ = kind;
    lane_dot_any(batch, a, b)
}

/// [`lane_dot_any`] compiled for AVX2 (vectorised lanes; no fused operations: the
/// products and sums round as ggml's do).
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn lane_dot_avx2(batch: bool, a: &[f32], b: &[f32]) -> f32 {
    lane_dot_any(batch, a, b)
}

#[inline(always)]
fn lane_dot_any(batch: bool, a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [[0.0f32; 16]; 4];
    for (chunk, (a, b)) in a.chunks(16).zip(b.chunks(16)).enumerate() {
        let group = if batch { 0 } else { chunk % 4 };
        for ((lane, &a), &b) in lanes[group].iter_mut().zip(a).zip(b) {
            *lane += a * b;
        }
    }
    fold_lanes(batch, |group, lane| lanes[group][lane])
}

/// The 16 lanes folded and reduced: a batch's lanes are group 0; one token's four groups
/// are folded as `(g0 + g2) + (g1 + g3)` lane by lane first.
#[inline(always)]
fn fold_lanes(batch: bool, lane: impl Fn(usize, usize) -> f32) -> f32 {
    let mut folded = [0.0f32; 16];
    for (index, slot) in folded.iter_mut().enumerate() {
        *slot = if batch {
            lane(0, index)
        } else {
            (lane(0, index) + lane(2, index)) + (lane(1, index) + lane(3, index))
        };
    }
    reduce_16(&folded)
}

/// `out[d]` = the sum over positions `p` of `weights[p] * values[p * out.len() + d]` in
/// the order of [`lane_dot`] (position `p` in lane `p mod 16`, or `p mod 64` for one
/// token), for every `d` at once: the lanes live in `lanes` (64 per `d`), so the values are
/// read in order.
pub fn lane_weighted_sum(
    kind: KernelKind,
    batch: bool,
    weights: &[f32],
    values: &[f32],
    lanes: &mut [f32],
    out: &mut [f32],
) {
    let width = out.len();
    assert!(
        values.len() == weights.len() * width && lanes.len() >= 64 * width,
        "lane_weighted_sum: lengths differ"
    );
    #[cfg(target_arch = "x86_64")]
    if kind == KernelKind::X86Fma {
        // SAFETY: `X86Fma` comes only from `KernelKind::detect`, after AVX2 and FMA were
        // found at run time.
        return unsafe { lane_weighted_sum_avx2(batch, weights, values, lanes, out) };
    }
    let _ = kind;
    lane_weighted_sum_any(batch, weights, values, lanes, out);
}

/// [`lane_weighted_sum_any`] compiled for AVX2 (see [`lane_dot_avx2`]).
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn lane_weighted_sum_avx2(
    batch: bool,
    weights: &[f32],
    values: &[f32],
    lanes: &mut [f32],
    out: &mut [f32],
) {
    lane_weighted_sum_any(batch, weights, values, lanes, out);
}

#[inline(always)]
fn lane_weighted_sum_any(
    batch: bool,
    weights: &[f32],
    values: &[f32],
    lanes: &mut [f32],
    out: &mut [f32],
) {
    let width = out.len();
    let slots = if batch { 16 } else { 64 };
    let lanes = &mut lanes[..slots * width];
    lanes.fill(0.0);
    for (position, (&weight, row)) in weights.iter().zip(values.chunks_exact(width)).enumerate() {
        let slot = &mut lanes[(position % slots) * width..(position % slots + 1) * width];
        for (lane, &value) in slot.iter_mut().zip(row) {
            *lane += weight * value;
        }
    }
    let lanes = &*lanes;
    for (d, o) in out.iter_mut().enumerate() {
        *o = fold_lanes(batch, |group, lane| lanes[(group * 16 + lane) * width + d]);
    }
}

/// Softmax's numerators in place (`exp(score - max)`, ggml's `exp`) and their sum: 16 at a
/// time reduced as `_mm512_reduce_add_ps` does, the partial sums added in f64 (ggml's
/// `ggml_vec_soft_max_f32`).
pub fn softmax_exp(kind: KernelKind, scores: &mut [f32], max: f32) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if kind == KernelKind::X86Fma {
        // SAFETY: `X86Fma` comes only from `KernelKind::detect`, after AVX2 and FMA were
        // found at run time.
        return unsafe { softmax_exp_fma(scores, max) };
    }
    let _ = kind;
    softmax_exp_any(scores, max)
}

/// [`softmax_exp_any`] with FMA instructions inline (the same rounding as libm's `fmaf`).
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn softmax_exp_fma(scores: &mut [f32], max: f32) -> f64 {
    softmax_exp_any(scores, max)
}

#[inline(always)]
fn softmax_exp_any(scores: &mut [f32], max: f32) -> f64 {
    let mut total = 0.0f64;
    for chunk in scores.chunks_mut(16) {
        let mut lanes = [0.0f32; 16];
        for (lane, score) in lanes.iter_mut().zip(chunk.iter_mut()) {
            *score = exp_inline(*score - max);
            *lane = *score;
        }
        total += f64::from(reduce_16(&lanes));
    }
    total
}

/// SwiGLU's `gate = silu(gate) * up` in place (ggml's `exp`).
pub fn silu_mul(kind: KernelKind, gate: &mut [f32], up: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if kind == KernelKind::X86Fma {
        // SAFETY: `X86Fma` comes only from `KernelKind::detect`, after AVX2 and FMA were
        // found at run time.
        return unsafe { silu_mul_fma(gate, up) };
    }
    let _ = kind;
    silu_mul_any(gate, up);
}

/// [`silu_mul_any`] with FMA instructions inline.
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn silu_mul_fma(gate: &mut [f32], up: &[f32]) {
    silu_mul_any(gate, up);
}

#[inline(always)]
fn silu_mul_any(gate: &mut [f32], up: &[f32]) {
    for (gate, up) in gate.iter_mut().zip(up) {
        *gate = *gate / (1.0 + exp_inline(-*gate)) * up;
    }
}

/// ggml's vector `expf` (its AVX-512 form, lane by lane): a degree-5 polynomial on the
/// reduced argument, scaled by a power of two; within 1.5 ulp of `exp`. llama.cpp's SiLU
/// and softmax use it, so matching tokens needs the same rounding.
pub fn ggml_exp(x: f32) -> f32 {
    exp_inline(x)
}

#[inline(always)]
fn exp_inline(x: f32) -> f32 {
    let r = f32::from_bits(0x4B40_0000); // 0x1.8p23
    let z = x.mul_add(f32::from_bits(0x3FB8_AA3B), r); // 0x1.715476p+0
    let n = z - r;
    let b = (-n).mul_add(
        f32::from_bits(0x35BF_BE8E),                  // 0x1.7f7d1cp-20
        (-n).mul_add(f32::from_bits(0x3F31_7200), x), // 0x1.62e4p-1
    );
    if n.abs() > 192.0 {
        return if n <= 0.0 { 0.0 } else { f32::INFINITY };
    }
    let u = b * b;
    let j = f32::from_bits(0x3C07_2010) // 0x1.0e4020p-7
        .mul_add(b, f32::from_bits(0x3D2B_9F17)) // 0x1.573e2ep-5
        .mul_add(
            u,
            f32::from_bits(0x3E2A_AF33).mul_add(b, f32::from_bits(0x3EFF_FEDB)), // 0x1.555e66p-3, 0x1.fffdb6p-2
        )
        .mul_add(u, f32::from_bits(0x3F7F_FFF6).mul_add(b, 1.0)); // 0x1.ffffecp-1
    scale_by_power_of_two(j, n as i32)
}

/// `value * 2^exponent` (exact unless the result is subnormal).
#[inline(always)]
fn scale_by_power_of_two(value: f32, exponent: i32) -> f32 {
    let mut value = value;
    let mut exponent = exponent;
    while exponent > 127 {
        value *= f32::from_bits(254 << 23);
        exponent -= 127;
    }
    while exponent < -126 {
        value *= f32::from_bits(1 << 23);
        exponent += 126;
    }
    value * f32::from_bits(((exponent + 127) as u32) << 23)
}

/// The sum of 16 lanes in the order GCC's `_mm512_reduce_add_ps` adds them.
pub fn reduce_16(lanes: &[f32; 16]) -> f32 {
    let mut eight = [0.0f32; 8];
    for (i, slot) in eight.iter_mut().enumerate() {
        *slot = lanes[i + 8] + lanes[i];
    }
    let mut four = [0.0f32; 4];
    for (i, slot) in four.iter_mut().enumerate() {
        *slot = eight[i + 4] + eight[i];
    }
    let first = four[0] + four[2];
    let second = four[1] + four[3];
    first + second
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn random_row(format: WeightFormat, blocks: usize, seed: u32) -> Vec<u8> {
        let mut state = seed;
        let mut next = move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as u8
        };
        let mut row = Vec::new();
        for _ in 0..blocks {
            let mut block: Vec<u8> = (0..format.block_bytes()).map(|_| next()).collect();
            // Sensible half scales (0.01 and -0.02).
            block[0..2].copy_from_slice(&f32_to_f16(0.01).to_le_bytes());
            if format == WeightFormat::Q4_1 {
                block[2..4].copy_from_slice(&f32_to_f16(-0.02).to_le_bytes());
            }
            row.extend(block);
        }
        row
    }

    #[test]
    fn simd_and_portable_dots_agree_with_the_dequantized_product() {
        let blocks = 18;
        let x: Vec<f32> = (0..blocks * BLOCK)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 17.0)
            .collect();
        let mut xq = vec![BlockQ8::default(); blocks];
        quantize(&x, &mut xq);
        for format in [WeightFormat::Q4_0, WeightFormat::Q4_1, WeightFormat::Q8_0] {
            let row = random_row(format, blocks, 7);
            let mut weights = vec![0.0; blocks * BLOCK];
            dequantize_row(format, &row, &mut weights);
            // The exact product of the dequantized weights and the quantized activation.
            let mut exact = 0.0f64;
            for (b, block) in xq.iter().enumerate() {
                for j in 0..BLOCK {
                    exact += f64::from(weights[b * BLOCK + j])
                        * f64::from(block.d)
                        * f64::from(block.qs[j]);
                }
            }
            let portable = dot(KernelKind::Portable, format, &row, &xq);
            let fast = dot(KernelKind::detect(), format, &row, &xq);
            // Q4_1's sums are rounded to half precision, as ggml does: allow for that.
            let tolerance = 1e-3 * exact.abs().max(1.0);
            assert!(
                (f64::from(portable) - exact).abs() < tolerance,
                "{format:?} {portable} {exact}"
            );
            assert!(
                (fast - portable).abs() < 1e-4 * portable.abs().max(1.0),
                "{format:?} {fast} {portable}"
            );
        }
    }

    #[test]
    fn tiles_are_bit_identical_to_single_dots() {
        let blocks = 18;
        let activations: Vec<Vec<BlockQ8>> = (0..4)
            .map(|t| {
                let x: Vec<f32> = (0..blocks * BLOCK)
                    .map(|i| ((i * (31 + t) % 97) as f32 - 48.0) / 13.0)
                    .collect();
                let mut xq = vec![BlockQ8::default(); blocks];
                quantize(&x, &mut xq);
                xq
            })
            .collect();
        let xs: [&[BlockQ8]; 4] = std::array::from_fn(|t| activations[t].as_slice());
        for kind in [KernelKind::Portable, KernelKind::detect()] {
            for format in [
                WeightFormat::Q4_0,
                WeightFormat::Q4_1,
                WeightFormat::Q5_0,
                WeightFormat::Q8_0,
            ] {
                let owned: Vec<Vec<u8>> =
                    (0..4).map(|r| random_row(format, blocks, 3 + r)).collect();
                let rows: [&[u8]; 4] = std::array::from_fn(|r| owned[r].as_slice());
                let tile = dot_tile(kind, format, &rows, &xs);
                let decode = dot_tile(kind, format, &rows, &[xs[0]]);
                let pair = dot_tile(kind, format, &[rows[1], rows[3]], &xs);
                for (r, (row, decoded)) in rows.iter().zip(&decode).enumerate() {
                    for (t, x) in xs.iter().enumerate() {
                        let single = dot(kind, format, row, x);
                        assert_eq!(
                            tile[r][t].to_bits(),
                            single.to_bits(),
                            "{kind:?} {format:?}"
                        );
                    }
                    assert_eq!(
                        decoded[0].to_bits(),
                        dot(kind, format, row, xs[0]).to_bits()
                    );
                }
                for (t, x) in xs.iter().enumerate() {
                    assert_eq!(
                        pair[1][t].to_bits(),
                        dot(kind, format, rows[3], x).to_bits()
                    );
                }
            }
        }
    }

    /// The generic tile with each integer-sum instruction this CPU has (AVX2 always; VNNI
    /// where found), whatever `dot_tile` picks, equals the single dots bit for bit.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn every_quad_sum_form_of_the_tile_equals_the_single_dots() {
        if KernelKind::detect() != KernelKind::X86Fma {
            return;
        }
        let blocks = 9;
        let activations: Vec<Vec<BlockQ8>> = (0..4)
            .map(|t| {
                let x: Vec<f32> = (0..blocks * BLOCK)
                    .map(|i| ((i * (17 + t) % 89) as f32 - 44.0) / 7.0)
                    .collect();
                let mut xq = vec![BlockQ8::default(); blocks];
                quantize(&x, &mut xq);
                xq
            })
            .collect();
        let xs: [&[BlockQ8]; 4] = std::array::from_fn(|t| activations[t].as_slice());
        for format in [WeightFormat::Q4_1, WeightFormat::Q5_0, WeightFormat::Q8_0] {
            let owned: Vec<Vec<u8>> = (0..2).map(|r| random_row(format, blocks, 7 + r)).collect();
            let rows: [&[u8]; 2] = std::array::from_fn(|r| owned[r].as_slice());
            // SAFETY: `detect` found AVX2, FMA and F16C; every row is `blocks` blocks of
            // `format` long (random_row), as the tiles require.
            let mut forms = vec![unsafe {
                match format {
                    WeightFormat::Q4_1 => tile_avx2::<Q4_1, 2, 4>(&rows, &xs),
                    WeightFormat::Q5_0 => tile_avx2::<Q5_0, 2, 4>(&rows, &xs),
                    _ => tile_avx2::<Q8_0, 2, 4>(&rows, &xs),
                }
            }];
            if has_vnni() {
                // SAFETY: as above, and `has_vnni` found AVX-512 VNNI and VL.
                forms.push(unsafe {
                    match format {
                        WeightFormat::Q4_1 => tile_vnni::<Q4_1, 2, 4>(&rows, &xs),
                        WeightFormat::Q5_0 => tile_vnni::<Q5_0, 2, 4>(&rows, &xs),
                        _ => tile_vnni::<Q8_0, 2, 4>(&rows, &xs),
                    }
                });
            }
            for tile in &forms {
                for (r, row) in rows.iter().enumerate() {
                    for (t, x) in xs.iter().enumerate() {
                        let single = dot(KernelKind::X86Fma, format, row, x);
                        assert_eq!(tile[r][t].to_bits(), single.to_bits(), "{format:?}");
                    }
                }
            }
        }
    }

    /// ggml's AVX2 order, which the x86 kernels and the NEON ones (scripts/test-aarch64)
    /// both follow: 8 lanes, lane `j` of a block the integer sum of its values `4j..4j + 4`
    /// (Q4_1: the low nibbles are values 0..16, the high ones 16..32), one fused
    /// multiply-add by `d * x.d` per block and lane, the lanes reduced as
    /// `((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))`, then Q4_1's offsets.
    fn lane_order_reference(format: WeightFormat, row: &[u8], x: &[BlockQ8]) -> f32 {
        let offset = format == WeightFormat::Q4_1;
        let mut lanes = [0.0f32; 8];
        let mut offsets = 0.0f32;
        for (block, activation) in row.chunks_exact(format.block_bytes()).zip(x) {
            let weights: [i32; BLOCK] = std::array::from_fn(|i| {
                if offset {
                    let byte = block[4 + i % 16];
                    i32::from(if i < 16 { byte & 0xF } else { byte >> 4 })
                } else {
                    i32::from(block[2 + i] as i8)
                }
            });
            if offset {
                offsets += half_at(block, 2) * activation.s;
            }
            let scale = half_at(block, 0) * activation.d;
            for (j, lane) in lanes.iter_mut().enumerate() {
                let quad: i32 = (4 * j..4 * j + 4)
                    .map(|i| weights[i] * i32::from(activation.qs[i]))
                    .sum();
                *lane = scale.mul_add(quad as f32, *lane);
            }
        }
        let four: [f32; 4] = std::array::from_fn(|j| lanes[j] + lanes[j + 4]);
        let total = (four[0] + four[2]) + (four[1] + four[3]);
        if offset {
            total + offsets
        } else {
            total
        }
    }

    /// Rows and activations with the extremes mixed in: weights all -128 or all 127 (Q8_0),
    /// all 0 or all 15 (Q4 nibbles), a zero scale, the largest half scale; activations at
    /// +-127, all zero, a zero scale.
    fn awkward_case(format: WeightFormat, blocks: usize, seed: u32) -> (Vec<u8>, Vec<BlockQ8>) {
        let mut row = random_row(format, blocks, seed);
        let bytes = format.block_bytes();
        let x: Vec<f32> = (0..blocks * BLOCK)
            .map(|i| ((i as u32 * (seed + 29) % 83) as f32 - 41.0) / 9.0)
            .collect();
        let mut xq = vec![BlockQ8::default(); blocks];
        quantize(&x, &mut xq);
        for (b, (block, activation)) in row.chunks_exact_mut(bytes).zip(&mut xq).enumerate() {
            let data = bytes - BLOCK / if format == WeightFormat::Q8_0 { 1 } else { 2 };
            match b % 6 {
                0 => block[data..].fill(0x80),
                1 => block[data..].fill(if format == WeightFormat::Q8_0 {
                    0x7F
                } else {
                    0xFF
                }),
                2 => block[0..2].copy_from_slice(&0u16.to_le_bytes()),
                3 => {
                    block[0..2].copy_from_slice(&0x7BFFu16.to_le_bytes());
                    activation.qs = [-127; BLOCK];
                }
                4 => activation.qs = [0; BLOCK],
                _ => {
                    activation.qs = [127; BLOCK];
                    activation.d = 0.0;
                }
            }
        }
        (row, xq)
    }

    /// The kernels `detect` picks give ggml's AVX2 order bit for bit (Q4_0: the portable
    /// loop's), on x86 and on aarch64 alike; on aarch64 both NEON forms (with `sdot` where
    /// the CPU has it, widening multiplies always) are checked.
    #[test]
    fn simd_dots_follow_the_lane_order_bit_for_bit() {
        let kind = KernelKind::detect();
        if kind == KernelKind::Portable {
            eprintln!("skipped: no SIMD kernels on this CPU");
            return;
        }
        for blocks in [1, 2, 3, 6, 17] {
            for format in [WeightFormat::Q4_0, WeightFormat::Q4_1, WeightFormat::Q8_0] {
                let (row, xq) = awkward_case(format, blocks, blocks as u32);
                let want = if format == WeightFormat::Q4_0 {
                    dot_portable(format, &row, &xq)
                } else {
                    lane_order_reference(format, &row, &xq)
                };
                let got = dot(kind, format, &row, &xq);
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "{kind:?} {format:?} {blocks}: {got} vs {want}"
                );
                #[cfg(target_arch = "aarch64")]
                for dotprod in [false, true] {
                    let got = neon::dot_with(format, &row, &xq, dotprod);
                    assert_eq!(
                        got.to_bits(),
                        want.to_bits(),
                        "NEON (sdot: {dotprod}) {format:?} {blocks}"
                    );
                }
            }
        }
        #[cfg(target_arch = "aarch64")]
        eprintln!(
            "NEON dot products checked; sdot on this CPU: {}",
            neon::has_dotprod()
        );
    }

    /// Random blocks of any format with sensible half scales where the format keeps them.
    fn random_blocks(format: WeightFormat, blocks: usize, seed: u32) -> Vec<u8> {
        let mut row = random_row(format, blocks, seed);
        for block in row.chunks_exact_mut(format.block_bytes()) {
            match format {
                WeightFormat::Q4K => {
                    block[0..2].copy_from_slice(&f32_to_f16(0.003).to_le_bytes());
                    block[2..4].copy_from_slice(&f32_to_f16(0.002).to_le_bytes());
                }
                WeightFormat::Q6K => {
                    block[0..2].copy_from_slice(&[0x5a, 0xa5]);
                    block[208..210].copy_from_slice(&f32_to_f16(0.0004).to_le_bytes());
                }
                _ => {}
            }
        }
        row
    }

    /// The K-quant tiles (each super-block unpacked once for several activations) and the
    /// single AVX2 dots give the portable lane emulation's bits, for every tile shape the
    /// row products use, on random blocks (negative and extreme scales included) and
    /// activations with -128 and 127.
    #[test]
    fn k_quant_tiles_and_dots_equal_the_lane_emulation_bit_for_bit() {
        let super_blocks = 3;
        let depth = super_blocks * SUPER_BLOCK;
        let activations: Vec<Vec<BlockQ8>> = (0..4)
            .map(|t| {
                let x: Vec<f32> = (0..depth)
                    .map(|i| ((i * (29 + 2 * t) % 103) as f32 - 51.0) / (3.0 + t as f32))
                    .collect();
                let mut xq = vec![BlockQ8::default(); depth / BLOCK];
                quantize_k(&x, &mut xq);
                if t == 3 {
                    xq[1].qs[0] = -128;
                    xq[1].qs[1] = 127;
                }
                xq
            })
            .collect();
        let xs: [&[BlockQ8]; 4] = std::array::from_fn(|t| activations[t].as_slice());
        for kind in [KernelKind::Portable, KernelKind::detect()] {
            for format in [WeightFormat::Q4K, WeightFormat::Q6K] {
                let owned: Vec<Vec<u8>> = (0..4)
                    .map(|r| {
                        let mut row = random_blocks(format, super_blocks, 5 + r);
                        if format == WeightFormat::Q6K {
                            row[192] = 0x80;
                            row[193] = 0x7f;
                        }
                        row
                    })
                    .collect();
                let rows: [&[u8]; 4] = std::array::from_fn(|r| owned[r].as_slice());
                let decode = dot_tile(kind, format, &rows, &[xs[0]]);
                let prompt = dot_tile(kind, format, &[rows[0], rows[2]], &xs);
                for (r, row) in rows.iter().enumerate() {
                    for (t, x) in xs.iter().enumerate() {
                        let want = dot_k_portable(format, row, x);
                        assert_eq!(
                            dot(kind, format, row, x).to_bits(),
                            want.to_bits(),
                            "{kind:?} {format:?} dot {r} {t}"
                        );
                        if r % 2 == 0 {
                            assert_eq!(
                                prompt[r / 2][t].to_bits(),
                                want.to_bits(),
                                "{kind:?} {format:?} tile {r} {t}"
                            );
                        }
                    }
                    assert_eq!(
                        decode[r][0].to_bits(),
                        dot_k_portable(format, row, xs[0]).to_bits(),
                        "{kind:?} {format:?} decode tile {r}"
                    );
                }
            }
        }
    }

    /// The table lookup gives what ggml's table holds: GELU's tanh form at the half
    /// rounding of the input, rounded to half (computed here directly), 0 at or below -10
    /// and the input above 10; every half value in between is checked.
    #[test]
    fn gelu_lookups_equal_the_direct_half_precision_form() {
        let inputs: Vec<f32> = (0..=u16::MAX)
            .map(f16_to_f32)
            .filter(|x| x.is_finite() && x.abs() < 10.0)
            .chain([-10.0, 10.0, -12.5, 31.0, 0.333_333_34, -2.718_281_7])
            .collect();
        let up: Vec<f32> = (0..inputs.len()).map(|i| 0.5 + (i % 7) as f32).collect();
        let mut gate = inputs.clone();
        gelu_mul(&mut gate, &up);
        for ((&x, &got), &up) in inputs.iter().zip(&gate).zip(&up) {
            let want = if x <= -10.0 {
                0.0
            } else if x >= 10.0 {
                x * up
            } else {
                let x = f16_to_f32(f32_to_f16(x));
                let inner = 0.797_884_6 * x * (1.0 + 0.044_715 * x * x);
                f16_to_f32(f32_to_f16(0.5 * x * (1.0 + inner.tanh()))) * up
            };
            assert_eq!(got.to_bits(), want.to_bits(), "{x}");
        }
    }

    #[test]
    fn new_format_dots_agree_with_the_dequantized_product() {
        let depth = 2 * SUPER_BLOCK;
        let x: Vec<f32> = (0..depth)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 17.0)
            .collect();
        for format in [WeightFormat::Q5_0, WeightFormat::Q4K, WeightFormat::Q6K] {
            let blocks = depth / format.block_values();
            let row = random_blocks(format, blocks, 11);
            assert_eq!(row.len(), format.row_bytes(depth));
            let mut weights = vec![0.0; depth];
            dequantize_row(format, &row, &mut weights);
            let mut xq = vec![BlockQ8::default(); depth / BLOCK];
            quantize_for(format, &x, &mut xq);
            let mut exact = 0.0f64;
            for (b, block) in xq.iter().enumerate() {
                for j in 0..BLOCK {
                    exact += f64::from(weights[b * BLOCK + j])
                        * f64::from(block.d)
                        * f64::from(block.qs[j]);
                }
            }
            let portable = dot(KernelKind::Portable, format, &row, &xq);
            let fast = dot(KernelKind::detect(), format, &row, &xq);
            let tolerance = 1e-4 * exact.abs().max(1.0);
            assert!(
                (f64::from(portable) - exact).abs() < tolerance,
                "{format:?} {portable} {exact}"
            );
            assert!(
                (f64::from(fast) - exact).abs() < tolerance,
                "{format:?} {fast} {exact}"
            );
            if format != WeightFormat::Q5_0 {
                // The K-quant kernels all follow ggml's AVX2 lanes: the same bits.
                assert_eq!(fast.to_bits(), portable.to_bits(), "{format:?}");
            }
            // And the whole chain against the float product, within quantization error.
            let float: f64 = weights
                .iter()
                .zip(&x)
                .map(|(&w, &v)| f64::from(w) * f64::from(v))
                .sum();
            let magnitude: f64 = weights
                .iter()
                .zip(&x)
                .map(|(&w, &v)| (f64::from(w) * f64::from(v)).abs())
                .sum();
            assert!(
                (f64::from(portable) - float).abs() < 0.02 * magnitude,
                "{format:?} {portable} {float}"
            );
        }
    }

    #[test]
    fn k_quant_blocks_dequantize_to_hand_computed_values() {
        // Q4_K: d = 1, dmin = 0.5; sub-block 0 has scale 3, min 2; sub-block 1 scale 5,
        // min 1; sub-block 4 (6-bit fields split across bytes) scale 0x25, min 0x13.
        let mut block = vec![0u8; 144];
        block[0..2].copy_from_slice(&f32_to_f16(1.0).to_le_bytes());
        block[2..4].copy_from_slice(&f32_to_f16(0.5).to_le_bytes());
        block[4] = 3 | (0x25 >> 4) << 6; // scale 0, high bits of scale 4
        block[5] = 5;
        block[8] = 2 | (0x13 >> 4) << 6; // min 0, high bits of min 4
        block[9] = 1;
        block[12] = (0x25 & 0xF) | (0x13 & 0xF) << 4;
        block[16] = 0x97; // value 0 = 7, value 32 = 9
        block[16 + 64] = 0x0C; // value 128 (sub-block 4) = 12
        let mut out = vec![0.0; SUPER_BLOCK];
        dequantize_row(WeightFormat::Q4K, &block, &mut out);
        assert_eq!(out[0], 3.0 * 7.0 - 0.5 * 2.0);
        assert_eq!(out[32], 5.0 * 9.0 - 0.5 * 1.0);
        assert_eq!(out[128], 37.0 * 12.0 - 0.5 * 19.0);
        // Q6_K: d = 0.5; value 0 = low 0xA | high 0b01 << 4 = 26 - 32 = -6, scale 4;
        // value 96 (fourth quarter of the first half) takes ql[32] >> 4 and qh[0] bits 6..8.
        let mut block = vec![0u8; 210];
        block[0] = 0x0A;
        block[32] = 0xF0;
        block[128] = 0b1100_0001;
        block[192] = 4;
        block[198] = (-3i8) as u8;
        block[208..210].copy_from_slice(&f32_to_f16(0.5).to_le_bytes());
        dequantize_row(WeightFormat::Q6K, &block, &mut out);
        assert_eq!(out[0], 0.5 * 4.0 * -6.0);
        assert_eq!(out[96], 0.5 * -3.0 * ((0xF | 3 << 4) - 32) as f32);
        // Q5_0: d = 2; value 0 has its fifth bit set (qh bit 0), value 16 not.
        let mut block = vec![0u8; 22];
        block[0..2].copy_from_slice(&f32_to_f16(2.0).to_le_bytes());
        block[2] = 1;
        block[6] = 0x31;
        let mut out = vec![0.0; BLOCK];
        dequantize_row(WeightFormat::Q5_0, &block, &mut out);
        assert_eq!(out[0], 2.0 * ((0x11 - 16) as f32));
        assert_eq!(out[16], 2.0 * ((3 - 16) as f32));
    }

    #[test]
    fn q8_k_keeps_the_sign_of_the_largest_value_and_an_f32_scale() {
        let mut x = vec![0.0f32; SUPER_BLOCK];
        x[0] = 0.3;
        x[5] = -2.54;
        x[44] = 1.0;
        let mut out = vec![BlockQ8::default(); SUPER_BLOCK / BLOCK];
        quantize_k(&x, &mut out);
        let iscale = -127.0f32 / -2.54;
        assert!(out.iter().all(|b| b.d == 1.0 / iscale));
        assert_eq!(out[0].qs[5], -127);
        assert_eq!(out[0].qs[0], (0.3 * iscale).round_ties_even() as i8);
        assert_eq!(out[1].qs[12], 50);
        // A positive largest value negates the integers (and the scale).
        x[5] = 2.54;
        quantize_k(&x, &mut out);
        assert_eq!(out[0].qs[5], -127);
        assert!(out[0].d < 0.0);
    }

    #[test]
    fn quantization_rounds_half_to_even_with_a_half_scale() {
        let mut x = vec![0.0f32; BLOCK];
        x[0] = 127.0;
        x[1] = 2.5;
        x[2] = -3.5;
        let mut out = [BlockQ8::default()];
        quantize(&x, &mut out);
        assert_eq!(out[0].d, 1.0);
        assert_eq!(&out[0].qs[..3], &[127, 2, -4]);
        assert_eq!(out[0].s, 125.0);
    }
}
