//! Element-wise and row-wise kernels: layer norm, GELU, softmax, float16 conversion.
//! All work in place or into caller-provided slices; none allocates.

/// Layer norm over each of `rows` rows of width `gamma.len()`, from `input` (row stride
/// `input_stride`) into `out` (row stride `out_stride`), with Whisper's epsilon 1e-5.
pub fn layer_norm(
    input: &[f32],
    input_stride: usize,
    rows: usize,
    gamma: &[f32],
    beta: &[f32],
    out: &mut [f32],
    out_stride: usize,
) {
    const EPSILON: f32 = 1e-5;
    let width = gamma.len();
    for row in 0..rows {
        let x = &input[row * input_stride..][..width];
        let mean = x.iter().sum::<f32>() / width as f32;
        let variance = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / width as f32;
        let inverse_deviation = 1.0 / (variance + EPSILON).sqrt();
        let y = &mut out[row * out_stride..][..width];
        for (((slot, &value), &g), &b) in y.iter_mut().zip(x).zip(gamma).zip(beta) {
            *slot = (value - mean) * inverse_deviation * g + b;
        }
    }
}

/// GELU with the exact error function (what Whisper and CTranslate2 use), in place.
pub fn gelu(values: &mut [f32]) {
    for value in values {
        let x = *value;
        *value = 0.5 * x * (1.0 + libm::erff(x * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// Softmax of one row in place (max-subtracted, so large logits do not overflow).
pub fn softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for value in row.iter_mut() {
        *value = (*value - max).exp();
        sum += *value;
    }
    let inverse = 1.0 / sum;
    for value in row.iter_mut() {
        *value *= inverse;
    }
}

/// `target[i] += addend[i]`.
pub fn add_in_place(target: &mut [f32], addend: &[f32]) {
    for (t, &a) in target.iter_mut().zip(addend) {
        *t += a;
    }
}

/// Converts an IEEE 754 half-precision bit pattern to `f32` exactly.
pub fn f16_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits >> 15) << 31;
    let exponent = u32::from((bits >> 10) & 0x1f);
    let mantissa = u32::from(bits & 0x3ff);
    let magnitude = if exponent == 0 {
        if mantissa == 0 {
            0
        } else {
            // Subnormal half: value = mantissa * 2^-24, exactly representable in f32.
            return sign_factor(bits) * (mantissa as f32) * (1.0 / 16_777_216.0);
        }
    } else if exponent == 0x1f {
        0x7f80_0000 | (mantissa << 13)
    } else {
        ((exponent + 127 - 15) << 23) | (mantissa << 13)
    };
    f32::from_bits(sign | magnitude)
}

fn sign_factor(bits: u16) -> f32 {
    if bits >> 15 == 1 {
        -1.0
    } else {
        1.0
    }
}

/// Converts an `f32` to the nearest IEEE 754 half (round to nearest even); used by tests
/// and by fixtures, not on the hot path.
pub fn f32_to_f16(value: f32) -> u16 {
    let bits = value.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exponent = ((bits >> 23) & 0xff) as i32;
    let mantissa = bits & 0x7f_ffff;
    if exponent == 0xff {
        return sign | 0x7c00 | if mantissa != 0 { 0x200 } else { 0 };
    }
    let half_exponent = exponent - 127 + 15;
    if half_exponent >= 0x1f {
        return sign | 0x7c00;
    }
    if half_exponent <= 0 {
        if half_exponent < -10 {
            return sign;
        }
        let full = mantissa | 0x80_0000;
        let shift = (14 - half_exponent) as u32;
        let half_mantissa = full >> shift;
        let remainder = full & ((1 << shift) - 1);
        let halfway = 1 << (shift - 1);
        let rounded = if remainder > halfway || (remainder == halfway && half_mantissa & 1 == 1) {
            half_mantissa + 1
        } else {
            half_mantissa
        };
        return sign | rounded as u16;
    }
    let half_mantissa = mantissa >> 13;
    let remainder = mantissa & 0x1fff;
    let mut result = ((half_exponent as u32) << 10) | half_mantissa;
    if remainder > 0x1000 || (remainder == 0x1000 && half_mantissa & 1 == 1) {
        result += 1;
    }
    sign | result as u16
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_round_trips_known_values() {
        for (bits, value) in [
            (0x3c00u16, 1.0f32),
            (0xc000, -2.0),
            (0x3555, 0.333_251_95),
            (0x7bff, 65504.0),
            (0x0001, 5.960_464_5e-8),
            (0x8001, -5.960_464_5e-8),
            (0x0000, 0.0),
        ] {
            assert_eq!(f16_to_f32(bits), value, "{bits:#06x}");
            assert_eq!(f32_to_f16(value), bits, "{value}");
        }
        assert!(f16_to_f32(0x7c00).is_infinite());
        for bits in 0..0x7c00u16 {
            assert_eq!(f32_to_f16(f16_to_f32(bits)), bits);
        }
    }

    #[test]
    fn softmax_sums_to_one_and_survives_large_logits() {
        let mut row = [1000.0, 1001.0, f32::NEG_INFINITY];
        softmax(&mut row);
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(row[2], 0.0);
        assert!(row[1] > row[0]);
    }

    #[test]
    fn layer_norm_normalises_and_gelu_matches_known_points() {
        let input = [1.0, 2.0, 3.0, 4.0];
        let mut out = [0.0; 4];
        layer_norm(&input, 4, 1, &[1.0; 4], &[0.5; 4], &mut out, 4);
        assert!((out.iter().sum::<f32>() - 2.0).abs() < 1e-5);
        let mut values = [0.0, 1.0, -1.0];
        gelu(&mut values);
        assert!((values[1] - 0.841_344_7).abs() < 1e-6);
        assert!((values[2] + 0.158_655_26).abs() < 1e-6);
    }
}
