//! Quantized dot products, mirroring ggml's CPU arithmetic so that results match llama.cpp:
//! a weight row in its file format (Q4_0, Q4_1, Q8_0) times an activation vector quantized
//! the way ggml quantizes it for that format (Q8_1 for Q4_1, Q8_0 for Q4_0 and Q8_0): 32
//! values per block, scale `max|x| / 127` rounded to half precision, values rounded to
//! nearest-even; integer products per block, scaled and summed in f32.
//!
//! This is the only module of `llm` with `unsafe`: the AVX2 kernels (chosen at run time,
//! like `nn::kernel`), each reading only inside slices whose lengths are asserted first.

use crate::nn::ops::{f16_to_f32, f32_to_f16};
use crate::nn::KernelKind;

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

/// The weight formats with a kernel here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightFormat {
    Q4_0,
    Q4_1,
    Q8_0,
}

impl WeightFormat {
    /// Bytes of one block of 32 weights.
    pub fn block_bytes(self) -> usize {
        match self {
            WeightFormat::Q4_0 => 18,
            WeightFormat::Q4_1 => 20,
            WeightFormat::Q8_0 => 34,
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

/// Dequantizes one row (`out.len()` values) of format `format` (embedding lookups).
pub fn dequantize_row(format: WeightFormat, row: &[u8], out: &mut [f32]) {
    let block_bytes = format.block_bytes();
    assert!(
        row.len() * BLOCK == out.len() * block_bytes,
        "row length mismatch"
    );
    for (block, values) in row
        .chunks_exact(block_bytes)
        .zip(out.chunks_exact_mut(BLOCK))
    {
        match format {
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
        row.len() == x.len() * format.block_bytes(),
        "weight row and activation differ in length"
    );
    match kind {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `X86Fma` comes only from `KernelKind::detect`, after AVX2 and FMA were
        // found at run time; the assert above ties the row's length to the block count the
        // kernels read.
        KernelKind::X86Fma => unsafe {
            match format {
                WeightFormat::Q4_1 => dot_q4_1_avx2(row, x),
                WeightFormat::Q8_0 => dot_q8_0_avx2(row, x),
                WeightFormat::Q4_0 => dot_portable(format, row, x),
            }
        },
        _ => dot_portable(format, row, x),
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
        }
    }
    sum + sums
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
