//! The one place in `nn` that calls `unsafe` code: the gemm crate's register-blocked
//! microkernels (gemm-f32), fed from tccc's own packed weights and preallocated buffers.
//!
//! We call the microkernels directly instead of `gemm::gemm` because the latter allocates its
//! packing buffers on every call, and ASR must not allocate after warm-up. Every call is
//! bounds-checked here, in safe code, before the pointers are handed over. The aarch64
//! (Jetson) forms live in [`neon`].

#[cfg(target_arch = "aarch64")]
mod neon;

/// Rows of the weight matrix one panel holds (the microkernel's register tile height).
pub const PANEL_ROWS: usize = 16;
/// Input rows (tokens, frames) one microkernel call covers.
pub const TILE_COLUMNS_MAX: usize = 6;

/// Which implementation runs the tiles; chosen once at start-up from the CPU's features.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelKind {
    /// gemm-f32's AVX2+FMA microkernels (16 x 6 register tile), and F16C conversions.
    X86Fma,
    /// aarch64's NEON (every aarch64 CPU has it): gemm-f32's NEON microkernels (16 x 4
    /// register tile) and `fcvtl` half conversions. Only `detect` on aarch64 returns it;
    /// elsewhere it runs the portable loops.
    Neon,
    /// Plain Rust loops: correct everywhere, slow; used when the CPU lacks AVX2/FMA.
    Portable,
}

impl KernelKind {
    /// The fastest implementation this CPU supports.
    pub fn detect() -> Self {
        #[cfg(target_arch = "aarch64")]
        {
            KernelKind::Neon
        }
        #[cfg(not(target_arch = "aarch64"))]
        {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                    && std::arch::is_x86_feature_detected!("f16c")
                {
                    return KernelKind::X86Fma;
                }
            }
            KernelKind::Portable
        }
    }
}

/// Where a tile's input values sit: `x[c][k]` is `x[offset + c * column_stride + k * depth_stride]`.
#[derive(Clone, Copy, Debug)]
pub struct TileInput {
    pub offset: usize,
    pub column_stride: usize,
    pub depth_stride: usize,
}

/// One tile of a product: `out[c][r] (+)= sum_k panel[k][r] * x[c][k]` for `r < rows`
/// (at most [`PANEL_ROWS`]) and `c < columns` (at most [`TILE_COLUMNS_MAX`]), where
/// `panel[k][r]` is `panel[k * PANEL_ROWS + r]`, `x[c][k]` is described by `input`
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
    input: TileInput,
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
    let x_last =
        input.offset + (columns - 1) * input.column_stride + (depth - 1) * input.depth_stride;
    assert!(x_last < x.len(), "tile input out of bounds");
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
            // PANEL_ROWS per depth step), `columns` x `depth` inputs at the strides checked
            // above, and
            // writes `rows` x `columns` outputs (the partial-tile path writes exactly `rows`
            // entries per column). `out` is borrowed mutably, so nothing aliases it.
            unsafe {
                microkernel(
                    rows,
                    columns,
                    depth,
                    out.as_mut_ptr().add(out_offset),
                    panel.as_ptr(),
                    x.as_ptr().add(input.offset),
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
        }
        #[cfg(target_arch = "aarch64")]
        KernelKind::Neon => neon::tile(
            panel, depth, rows, x, input, columns, out, out_offset, out_stride, accumulate,
        ),
        _ => portable_tile(
            panel, depth, rows, x, input, columns, out, out_offset, out_stride, accumulate,
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn portable_tile(
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
    for column in 0..columns {
        let mut sums = [0.0f32; PANEL_ROWS];
        for k in 0..depth {
            let value = x[input.offset + column * input.column_stride + k * input.depth_stride];
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

/// `out[r] (+)= sum_k panel[k][r] * x[k]` for one panel of half floats (`r < out.len()`,
/// at most [`PANEL_ROWS`]); the decoder's one-token products.
pub fn half_panel_times_vector(
    kind: KernelKind,
    panel: &[u16],
    depth: usize,
    x: &[f32],
    out: &mut [f32],
    accumulate: bool,
) {
    assert!(panel.len() >= depth * PANEL_ROWS && x.len() >= depth && out.len() <= PANEL_ROWS);
    let mut sums = [0.0f32; PANEL_ROWS];
    match kind {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `X86Fma` is only produced after AVX2 and FMA were detected; F16C comes with
        // every AVX2 CPU (checked in `detect` as well). The assert above bounds every read.
        KernelKind::X86Fma => unsafe { half_panel_fma(panel, depth, x, &mut sums) },
        #[cfg(target_arch = "aarch64")]
        KernelKind::Neon => neon::half_panel(panel, depth, x, &mut sums),
        _ => {
            for k in 0..depth {
                for (r, sum) in sums.iter_mut().enumerate() {
                    *sum += super::ops::f16_to_f32(panel[k * PANEL_ROWS + r]) * x[k];
                }
            }
        }
    }
    for (slot, sum) in out.iter_mut().zip(sums) {
        *slot = if accumulate { *slot + sum } else { sum };
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn half_panel_fma(panel: &[u16], depth: usize, x: &[f32], sums: &mut [f32; PANEL_ROWS]) {
    use std::arch::x86_64::*;
    // Two accumulator pairs (even and odd depth) hide the FMA latency.
    let mut even_low = _mm256_setzero_ps();
    let mut even_high = _mm256_setzero_ps();
    let mut odd_low = _mm256_setzero_ps();
    let mut odd_high = _mm256_setzero_ps();
    let base = panel.as_ptr();
    let mut k = 0;
    while k + 1 < depth {
        // SAFETY: k + 1 < depth and the caller checked panel.len() >= depth * 16, x.len() >= depth.
        unsafe {
            let w0 = _mm256_loadu_si256(base.add(k * PANEL_ROWS) as *const __m256i);
            let w1 = _mm256_loadu_si256(base.add((k + 1) * PANEL_ROWS) as *const __m256i);
            let x0 = _mm256_set1_ps(*x.get_unchecked(k));
            let x1 = _mm256_set1_ps(*x.get_unchecked(k + 1));
            even_low = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm256_castsi256_si128(w0)), x0, even_low);
            even_high = _mm256_fmadd_ps(
                _mm256_cvtph_ps(_mm256_extracti128_si256::<1>(w0)),
                x0,
                even_high,
            );
            odd_low = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm256_castsi256_si128(w1)), x1, odd_low);
            odd_high = _mm256_fmadd_ps(
                _mm256_cvtph_ps(_mm256_extracti128_si256::<1>(w1)),
                x1,
                odd_high,
            );
        }
        k += 2;
    }
    if k < depth {
        // SAFETY: k < depth, bounds as above.
        unsafe {
            let w0 = _mm256_loadu_si256(base.add(k * PANEL_ROWS) as *const __m256i);
            let x0 = _mm256_set1_ps(*x.get_unchecked(k));
            even_low = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm256_castsi256_si128(w0)), x0, even_low);
            even_high = _mm256_fmadd_ps(
                _mm256_cvtph_ps(_mm256_extracti128_si256::<1>(w0)),
                x0,
                even_high,
            );
        }
    }
    // SAFETY: `sums` holds 16 floats: two unaligned 8-float stores fit.
    unsafe {
        _mm256_storeu_ps(sums.as_mut_ptr(), _mm256_add_ps(even_low, odd_low));
        _mm256_storeu_ps(sums.as_mut_ptr().add(8), _mm256_add_ps(even_high, odd_high));
    }
}

/// `out[r] = scale[r] × sum_k panel[k][r] × x[k]` for one panel of signed bytes (`r <
/// out.len()`, at most [`PANEL_ROWS`]); the decoder's one-token products in int8 mode.
pub fn int8_panel_times_vector(
    kind: KernelKind,
    panel: &[i8],
    scales: &[f32; PANEL_ROWS],
    depth: usize,
    x: &[f32],
    out: &mut [f32],
) {
    assert!(panel.len() >= depth * PANEL_ROWS && x.len() >= depth && out.len() <= PANEL_ROWS);
    let mut sums = [0.0f32; PANEL_ROWS];
    match kind {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `X86Fma` is only produced after AVX2 and FMA were detected. The assert
        // above bounds every read.
        KernelKind::X86Fma => unsafe { int8_panel_fma(panel, depth, x, &mut sums) },
        #[cfg(target_arch = "aarch64")]
        KernelKind::Neon => neon::int8_panel(panel, depth, x, &mut sums),
        _ => {
            for k in 0..depth {
                for (r, sum) in sums.iter_mut().enumerate() {
                    *sum += f32::from(panel[k * PANEL_ROWS + r]) * x[k];
                }
            }
        }
    }
    for ((slot, sum), scale) in out.iter_mut().zip(sums).zip(scales) {
        *slot = sum * scale;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn int8_panel_fma(panel: &[i8], depth: usize, x: &[f32], sums: &mut [f32; PANEL_ROWS]) {
    use std::arch::x86_64::*;
    let mut low = _mm256_setzero_ps();
    let mut high = _mm256_setzero_ps();
    let mut low_odd = _mm256_setzero_ps();
    let mut high_odd = _mm256_setzero_ps();
    let base = panel.as_ptr();
    let mut k = 0;
    while k + 1 < depth {
        // SAFETY: k + 1 < depth and the caller checked panel.len() >= depth * 16 and
        // x.len() >= depth: each 16-byte load stays inside the panel.
        unsafe {
            let w0 = _mm_loadu_si128(base.add(k * PANEL_ROWS) as *const __m128i);
            let w1 = _mm_loadu_si128(base.add((k + 1) * PANEL_ROWS) as *const __m128i);
            let x0 = _mm256_set1_ps(*x.get_unchecked(k));
            let x1 = _mm256_set1_ps(*x.get_unchecked(k + 1));
            low = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(w0)), x0, low);
            high = _mm256_fmadd_ps(
                _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_unpackhi_epi64(w0, w0))),
                x0,
                high,
            );
            low_odd = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(w1)), x1, low_odd);
            high_odd = _mm256_fmadd_ps(
                _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_unpackhi_epi64(w1, w1))),
                x1,
                high_odd,
            );
        }
        k += 2;
    }
    if k < depth {
        // SAFETY: k < depth, bounds as above.
        unsafe {
            let w0 = _mm_loadu_si128(base.add(k * PANEL_ROWS) as *const __m128i);
            let x0 = _mm256_set1_ps(*x.get_unchecked(k));
            low = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(w0)), x0, low);
            high = _mm256_fmadd_ps(
                _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_unpackhi_epi64(w0, w0))),
                x0,
                high,
            );
        }
    }
    // SAFETY: `sums` holds 16 floats: two unaligned 8-float stores fit.
    unsafe {
        _mm256_storeu_ps(sums.as_mut_ptr(), _mm256_add_ps(low, low_odd));
        _mm256_storeu_ps(sums.as_mut_ptr().add(8), _mm256_add_ps(high, high_odd));
    }
}

/// `e^x` for a batch of values, as Cephes' `expf`: a degree-6 polynomial on
/// `[-ln 2 / 2, ln 2 / 2]` scaled by `2^n` (relative error about 1e-7); inputs below −87.3
/// give 0. Branch-free, so the compiler vectorises it.
#[inline(always)]
fn exp_approx(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    const LN2_HIGH: f32 = 0.693_359_4;
    const LN2_LOW: f32 = -2.121_944_4e-4;
    let clamped = x.clamp(-87.3, 88.7);
    let n = (clamped * LOG2_E + 0.5).floor();
    let r = clamped - n * LN2_HIGH - n * LN2_LOW;
    let mut p = 1.987_569_1e-4;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let value = p * r * r + r + 1.0;
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    if x < -87.3 {
        0.0
    } else {
        value * scale
    }
}

/// `erf(x)` by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), branch-free.
#[inline(always)]
fn erf_approx(x: f32) -> f32 {
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = ((((1.061_405_4 * t - 1.453_152_1) * t + 1.421_413_8) * t - 0.284_496_74) * t
        + 0.254_829_6)
        * t;
    sign * (1.0 - poly * exp_approx(-a * a))
}

#[inline(always)]
fn softmax_body(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut partial = [0.0f32; 8];
    for chunk in row.chunks_mut(8) {
        for (lane, value) in chunk.iter_mut().enumerate() {
            *value = exp_approx(*value - max);
            partial[lane] += *value;
        }
    }
    let inverse = 1.0 / partial.iter().sum::<f32>();
    for value in row.iter_mut() {
        *value *= inverse;
    }
}

#[inline(always)]
fn gelu_body(values: &mut [f32]) {
    for value in values {
        let x = *value;
        *value = 0.5 * x * (1.0 + erf_approx(x * std::f32::consts::FRAC_1_SQRT_2));
    }
}

#[inline(always)]
fn scale_body(values: &mut [f32], factor: f32) {
    for value in values {
        *value *= factor;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn gelu_fma(values: &mut [f32]) {
    gelu_body(values);
}

/// Eight lanes of [`exp_approx`] in AVX2 registers (same constants, same clamping).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn exp_avx2(x: std::arch::x86_64::__m256) -> std::arch::x86_64::__m256 {
    use std::arch::x86_64::*;
    let too_small = _mm256_cmp_ps::<_CMP_LT_OQ>(x, _mm256_set1_ps(-87.3));
    let clamped = _mm256_min_ps(
        _mm256_max_ps(x, _mm256_set1_ps(-87.3)),
        _mm256_set1_ps(88.7),
    );
    let n = _mm256_floor_ps(_mm256_fmadd_ps(
        clamped,
        _mm256_set1_ps(std::f32::consts::LOG2_E),
        _mm256_set1_ps(0.5),
    ));
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693_359_4), clamped);
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.121_944_4e-4), r);
    let mut p = _mm256_set1_ps(1.987_569_1e-4);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.398_199_9e-3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.333_452e-3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.166_579_6e-2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.666_666_5e-1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5));
    let value = _mm256_add_ps(
        _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r),
        _mm256_set1_ps(1.0),
    );
    let exponent = _mm256_slli_epi32::<23>(_mm256_add_epi32(
        _mm256_cvtps_epi32(n),
        _mm256_set1_epi32(127),
    ));
    let scaled = _mm256_mul_ps(value, _mm256_castsi256_ps(exponent));
    _mm256_andnot_ps(too_small, scaled)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn scaled_softmax_rows_fma(values: &mut [f32], width: usize, factor: f32) {
    use std::arch::x86_64::*;
    let lanes = width / 8 * 8;
    for row in values.chunks_exact_mut(width) {
        let pointer = row.as_mut_ptr();
        let mut maximum = _mm256_set1_ps(f32::NEG_INFINITY);
        let scale = _mm256_set1_ps(factor);
        for start in (0..lanes).step_by(8) {
            // SAFETY: start + 8 <= lanes <= row.len().
            unsafe {
                let v = _mm256_mul_ps(_mm256_loadu_ps(pointer.add(start)), scale);
                _mm256_storeu_ps(pointer.add(start), v);
                maximum = _mm256_max_ps(maximum, v);
            }
        }
        let mut lanes_max = [0.0f32; 8];
        // SAFETY: `lanes_max` holds eight floats.
        unsafe { _mm256_storeu_ps(lanes_max.as_mut_ptr(), maximum) };
        let mut max = lanes_max.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        for value in &mut row[lanes..] {
            *value *= factor;
            max = max.max(*value);
        }
        let shift = _mm256_set1_ps(max);
        let mut sum = _mm256_setzero_ps();
        for start in (0..lanes).step_by(8) {
            // SAFETY: as above.
            unsafe {
                let e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(pointer.add(start)), shift));
                _mm256_storeu_ps(pointer.add(start), e);
                sum = _mm256_add_ps(sum, e);
            }
        }
        let mut lanes_sum = [0.0f32; 8];
        // SAFETY: `lanes_sum` holds eight floats.
        unsafe { _mm256_storeu_ps(lanes_sum.as_mut_ptr(), sum) };
        let mut total: f32 = lanes_sum.iter().sum();
        for value in &mut row[lanes..] {
            *value = exp_approx(*value - max);
            total += *value;
        }
        let inverse = _mm256_set1_ps(1.0 / total);
        for start in (0..lanes).step_by(8) {
            // SAFETY: as above.
            unsafe {
                let v = _mm256_mul_ps(_mm256_loadu_ps(pointer.add(start)), inverse);
                _mm256_storeu_ps(pointer.add(start), v);
            }
        }
        for value in &mut row[lanes..] {
            *value /= total;
        }
    }
}

/// Softmax of one row in place, vectorised where the CPU allows.
pub fn softmax(kind: KernelKind, row: &mut [f32]) {
    match kind {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `X86Fma` is only produced after AVX2 and FMA were detected at run time.
        KernelKind::X86Fma => unsafe { scaled_softmax_rows_fma(row, row.len(), 1.0) },
        _ => softmax_body(row),
    }
}

/// Multiplies each `width`-wide row by `factor`, then takes its softmax, in place.
pub fn scaled_softmax_rows(kind: KernelKind, values: &mut [f32], width: usize, factor: f32) {
    match kind {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `X86Fma` is only produced after AVX2 and FMA were detected at run time.
        KernelKind::X86Fma => unsafe { scaled_softmax_rows_fma(values, width, factor) },
        _ => {
            for row in values.chunks_exact_mut(width) {
                scale_body(row, factor);
                softmax_body(row);
            }
        }
    }
}

/// GELU (erf form) in place, vectorised where the CPU allows.
pub fn gelu(kind: KernelKind, values: &mut [f32]) {
    match kind {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `X86Fma` is only produced after AVX2 and FMA were detected at run time.
        KernelKind::X86Fma => unsafe { gelu_fma(values) },
        _ => gelu_body(values),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_and_erf_match_the_library_functions() {
        for i in -2000..=800 {
            let x = i as f32 * 0.1;
            let exact = x.exp();
            let fast = exp_approx(x);
            if exact > 1e-37 {
                assert!(
                    ((fast - exact) / exact).abs() < 3e-7,
                    "exp({x}): {fast} vs {exact}"
                );
            }
        }
        assert_eq!(exp_approx(-1000.0), 0.0);
        assert_eq!(exp_approx(f32::NEG_INFINITY), 0.0);
        for i in -600..=600 {
            let x = i as f32 * 0.01;
            assert!((erf_approx(x) - libm::erff(x)).abs() < 3e-7, "erf({x})");
        }
    }

    /// A pseudo-random sequence in [-1, 1) (a linear congruential generator).
    fn sequence(seed: u32) -> impl FnMut() -> f32 {
        let mut state = seed;
        move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / 8_388_608.0 - 1.0
        }
    }

    /// Depths around every vector width and unroll step (2 for the paired chains, 4 for
    /// NEON, 8 for AVX2), and longer ones.
    const DEPTHS: [usize; 16] = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 385];

    /// Half weights: mostly ordinary values, with zeros of both signs, the smallest and
    /// largest subnormals and the largest finite values mixed in.
    fn half_weights(count: usize, seed: u32) -> Vec<u16> {
        let mut next = sequence(seed);
        let edges = [
            0x0000, 0x8000, 0x0001, 0x83ff, 0x7bff, 0xfbff, 0x3c00, 0x0400,
        ];
        (0..count)
            .map(|i| {
                if i % 7 == 3 {
                    edges[(i / 7) % edges.len()]
                } else {
                    super::super::ops::f32_to_f16(next() * 4.0)
                }
            })
            .collect()
    }

    /// Inputs: ordinary values with zeros, large and tiny values mixed in.
    fn inputs(count: usize, seed: u32) -> Vec<f32> {
        let mut next = sequence(seed);
        (0..count)
            .map(|i| match i % 11 {
                2 => 0.0,
                5 => next() * 3.0e3,
                8 => next() * 1.0e-30,
                _ => next() * 3.0,
            })
            .collect()
    }

    /// What the vectorised panels compute, lane by lane: for each row, one fused chain over
    /// the even depth steps and one over the odd, added at the end.
    fn two_chain_reference(
        depth: usize,
        weight: impl Fn(usize, usize) -> f32,
        x: &[f32],
    ) -> [f32; PANEL_ROWS] {
        std::array::from_fn(|r| {
            let (mut even, mut odd) = (0.0f32, 0.0f32);
            for (k, &value) in x.iter().enumerate().take(depth) {
                if k % 2 == 0 {
                    even = weight(k, r).mul_add(value, even);
                } else {
                    odd = weight(k, r).mul_add(value, odd);
                }
            }
            even + odd
        })
    }

    /// `true` when `a` and `b` differ by no more than rounding allows for sums whose terms
    /// have the magnitude `scale` in total.
    fn close(a: f32, b: f32, scale: f32) -> bool {
        (a - b).abs() <= 1e-5 * scale + f32::MIN_POSITIVE
    }

    /// The kernels `detect` picks (AVX2 on x86, NEON on aarch64, under qemu in
    /// scripts/test-aarch64) against the portable loops, and bit for bit against the
    /// two-chain order they share, for half and int8 panels.
    #[test]
    fn panel_kernels_agree_with_the_portable_loops_on_awkward_inputs() {
        let kind = KernelKind::detect();
        for (seed, &depth) in DEPTHS.iter().enumerate() {
            let seed = seed as u32;
            let halves = half_weights(depth * PANEL_ROWS, seed);
            let mut next = sequence(seed + 100);
            let bytes: Vec<i8> = (0..depth * PANEL_ROWS)
                .map(|i| match i % 13 {
                    0 => -128,
                    1 => 127,
                    2 => 0,
                    _ => (next() * 128.0) as i8,
                })
                .collect();
            let x = inputs(depth, seed + 200);
            let scales: [f32; PANEL_ROWS] = std::array::from_fn(|r| 0.01 * (r as f32 + 1.0));
            let half =
                |k: usize, r: usize| super::super::ops::f16_to_f32(halves[k * PANEL_ROWS + r]);
            let byte = |k: usize, r: usize| f32::from(bytes[k * PANEL_ROWS + r]);
            let magnitude = |weight: &dyn Fn(usize, usize) -> f32, r: usize| {
                (0..depth).map(|k| (weight(k, r) * x[k]).abs()).sum::<f32>()
            };
            for rows in [PANEL_ROWS, 5] {
                for accumulate in [false, true] {
                    let start: Vec<f32> = (0..rows).map(|r| r as f32 - 2.5).collect();
                    let mut fast = start.clone();
                    let mut slow = start.clone();
                    half_panel_times_vector(kind, &halves, depth, &x, &mut fast, accumulate);
                    half_panel_times_vector(
                        KernelKind::Portable,
                        &halves,
                        depth,
                        &x,
                        &mut slow,
                        accumulate,
                    );
                    let reference = two_chain_reference(depth, half, &x);
                    for r in 0..rows {
                        let scale = magnitude(&half, r) + start[r].abs();
                        assert!(
                            close(fast[r], slow[r], scale),
                            "half {kind:?} depth {depth} row {r}: {} vs {}",
                            fast[r],
                            slow[r]
                        );
                        if kind != KernelKind::Portable {
                            let want = if accumulate {
                                start[r] + reference[r]
                            } else {
                                reference[r]
                            };
                            assert_eq!(
                                fast[r].to_bits(),
                                want.to_bits(),
                                "half {kind:?} depth {depth} row {r}"
                            );
                        }
                    }
                }
                let mut fast = vec![f32::NAN; rows];
                let mut slow = vec![f32::NAN; rows];
                int8_panel_times_vector(kind, &bytes, &scales, depth, &x, &mut fast);
                int8_panel_times_vector(
                    KernelKind::Portable,
                    &bytes,
                    &scales,
                    depth,
                    &x,
                    &mut slow,
                );
                let reference = two_chain_reference(depth, byte, &x);
                for r in 0..rows {
                    let scale = magnitude(&byte, r) * scales[r];
                    assert!(
                        close(fast[r], slow[r], scale),
                        "int8 {kind:?} depth {depth} row {r}: {} vs {}",
                        fast[r],
                        slow[r]
                    );
                    if kind != KernelKind::Portable {
                        assert_eq!(
                            fast[r].to_bits(),
                            (reference[r] * scales[r]).to_bits(),
                            "int8 {kind:?} depth {depth} row {r}"
                        );
                    }
                }
            }
        }
    }

    /// Float tiles of every height and width (NEON splits six columns into 4 + 2), both
    /// input layouts the matrix product uses, with and without accumulation: the detected
    /// kernel against the portable loops, leaving every value outside the tile untouched.
    #[test]
    fn float_tiles_agree_with_the_portable_loops_for_every_shape() {
        let kind = KernelKind::detect();
        for depth in [1, 2, 5, 17, 64] {
            let panel: Vec<f32> = inputs(depth * PANEL_ROWS, depth as u32);
            for columns in 1..=TILE_COLUMNS_MAX {
                for rows in [1, 3, 4, 5, 15, 16] {
                    for packed in [true, false] {
                        let input = if packed {
                            TileInput {
                                offset: 3,
                                column_stride: 1,
                                depth_stride: columns,
                            }
                        } else {
                            TileInput {
                                offset: 2,
                                column_stride: depth + 3,
                                depth_stride: 1,
                            }
                        };
                        let x_len = input.offset
                            + columns * input.column_stride
                            + depth * input.depth_stride;
                        let x = inputs(x_len, 7 + depth as u32);
                        let (out_offset, out_stride) = (1, rows + 2);
                        for accumulate in [false, true] {
                            let start: Vec<f32> = (0..out_offset + columns * out_stride + 1)
                                .map(|i| i as f32 * 0.5 - 3.0)
                                .collect();
                            let mut fast = start.clone();
                            let mut slow = start.clone();
                            tile(
                                kind, &panel, depth, rows, &x, input, columns, &mut fast,
                                out_offset, out_stride, accumulate,
                            );
                            tile(
                                KernelKind::Portable,
                                &panel,
                                depth,
                                rows,
                                &x,
                                input,
                                columns,
                                &mut slow,
                                out_offset,
                                out_stride,
                                accumulate,
                            );
                            for (i, ((&f, &s), &before)) in
                                fast.iter().zip(&slow).zip(&start).enumerate()
                            {
                                let inside = i >= out_offset
                                    && (i - out_offset) % out_stride < rows
                                    && (i - out_offset) / out_stride < columns;
                                if !inside {
                                    assert_eq!(
                                        f.to_bits(),
                                        before.to_bits(),
                                        "{kind:?} wrote outside the tile at {i}"
                                    );
                                    continue;
                                }
                                let (c, r) =
                                    ((i - out_offset) / out_stride, (i - out_offset) % out_stride);
                                let scale: f32 = (0..depth)
                                    .map(|k| {
                                        (panel[k * PANEL_ROWS + r]
                                            * x[input.offset
                                                + c * input.column_stride
                                                + k * input.depth_stride])
                                            .abs()
                                    })
                                    .sum::<f32>()
                                    + before.abs();
                                assert!(close(f, s, scale), "{kind:?} depth {depth} {rows}x{columns} packed {packed} accumulate {accumulate}: {f} vs {s}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn vectorised_softmax_and_gelu_agree_with_the_portable_ones() {
        let kind = KernelKind::detect();
        for length in [1, 8, 37, 1500] {
            let mut a: Vec<f32> = (0..length)
                .map(|i| (i as f32 * 0.37).sin() * 50.0)
                .collect();
            let mut b = a.clone();
            let mut c = a.clone();
            softmax(kind, &mut a);
            super::super::ops::softmax(&mut b);
            scaled_softmax_rows(kind, &mut c, length, 1.0);
            for ((x, y), z) in a.iter().zip(&b).zip(&c) {
                assert!((x - y).abs() < 1e-6 && (x - z).abs() < 1e-6);
            }
        }
        let mut g: Vec<f32> = (0..37).map(|i| i as f32 * 0.2 - 3.0).collect();
        let mut h = g.clone();
        gelu(kind, &mut g);
        super::super::ops::gelu(&mut h);
        for (x, y) in g.iter().zip(&h) {
            assert!((x - y).abs() < 1e-6);
        }
    }
}
