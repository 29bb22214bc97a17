//! Whisper's log-mel front end: 16 kHz mono → 80 log-mel bins every 10 ms (400-sample Hann
//! window, 160-sample hop), computed exactly as faster-whisper's feature extractor does
//! (160 zero samples appended, reflect padding, last frame dropped, slaney mel filters,
//! `log10`, floor at max − 8, `(x + 4) / 4`) into buffers reserved at start-up.
//!
//! The FFT is a small mixed-radix one in float64, so the spectrum is closer to exact than the
//! float32 reference; the test in `tests/asr_mel.rs` bounds the difference.

use crate::limits::{ASR_FFT_SIZE, ASR_HOP_SAMPLES, ASR_MEL_FRAMES_MAX, SEGMENT_SAMPLES_MAX};

/// Spectrum bins of one frame (`n_fft / 2 + 1`).
const SPECTRUM_BINS: usize = ASR_FFT_SIZE / 2 + 1;
/// The factors of 400 the FFT recurses over.
const FFT_FACTORS: [usize; 4] = [5, 5, 4, 4];
/// Zero samples faster-whisper appends before the STFT.
const TAIL_PADDING_SAMPLES: usize = ASR_HOP_SAMPLES;
/// Reflect padding on each side (`n_fft / 2`, the STFT's `center=True`).
const REFLECT_SAMPLES: usize = ASR_FFT_SIZE / 2;
/// Shortest segment the front end accepts (reflect padding needs more than 200 samples).
pub const SEGMENT_SAMPLES_MIN: usize = REFLECT_SAMPLES + 1;

const _: () =
    assert!(FFT_FACTORS[0] * FFT_FACTORS[1] * FFT_FACTORS[2] * FFT_FACTORS[3] == ASR_FFT_SIZE);

#[derive(Clone, Copy, Default)]
struct Complex {
    re: f64,
    im: f64,
}

impl Complex {
    fn mul(self, other: Complex) -> Complex {
        Complex {
            re: self.re * other.re - self.im * other.im,
            im: self.re * other.im + self.im * other.re,
        }
    }

    fn add(self, other: Complex) -> Complex {
        Complex {
            re: self.re + other.re,
            im: self.im + other.im,
        }
    }
}

/// One mel filter: its weights over the spectrum bins `first_bin..first_bin + weights.len()`.
struct MelFilter {
    first_bin: usize,
    weights: Vec<f32>,
}

/// The front end with every buffer it needs; [`MelFrontEnd::compute`] never allocates.
pub struct MelFrontEnd {
    mel_bins: usize,
    window: Vec<f32>,
    twiddles: Vec<Complex>,
    filters: Vec<MelFilter>,
    padded: Vec<f32>,
    frame_input: Vec<Complex>,
    spectrum: Vec<Complex>,
    power: Vec<f64>,
    /// Frame-major log-mel: `features[frame * mel_bins + bin]`.
    features: Vec<f32>,
    frames: usize,
}

impl std::fmt::Debug for MelFrontEnd {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "MelFrontEnd({} bins, {} frames)",
            self.mel_bins, self.frames
        )
    }
}

impl MelFrontEnd {
    /// Builds the window, twiddles and filterbank, and reserves buffers for a 30 s segment.
    pub fn new(mel_bins: usize) -> Self {
        let window = (0..ASR_FFT_SIZE)
            .map(|n| {
                let phase = 2.0 * std::f64::consts::PI * n as f64 / ASR_FFT_SIZE as f64;
                (0.5 - 0.5 * phase.cos()) as f32
            })
            .collect();
        let twiddles = (0..ASR_FFT_SIZE)
            .map(|k| {
                let angle = -2.0 * std::f64::consts::PI * k as f64 / ASR_FFT_SIZE as f64;
                Complex {
                    re: angle.cos(),
                    im: angle.sin(),
                }
            })
            .collect();
        MelFrontEnd {
            mel_bins,
            window,
            twiddles,
            filters: slaney_filters(mel_bins),
            padded: vec![0.0; SEGMENT_SAMPLES_MAX + TAIL_PADDING_SAMPLES + 2 * REFLECT_SAMPLES],
            frame_input: vec![Complex::default(); ASR_FFT_SIZE],
            spectrum: vec![Complex::default(); ASR_FFT_SIZE],
            power: vec![0.0; SPECTRUM_BINS],
            features: vec![0.0; ASR_MEL_FRAMES_MAX * mel_bins],
            frames: 0,
        }
    }

    /// Mel bins per frame.
    pub fn mel_bins(&self) -> usize {
        self.mel_bins
    }

    /// Frames that `samples` samples produce.
    pub fn frames_for(samples: usize) -> usize {
        (samples + TAIL_PADDING_SAMPLES) / ASR_HOP_SAMPLES
    }

    /// Computes the log-mel of `samples` (16 kHz mono, at least [`SEGMENT_SAMPLES_MIN`] and at
    /// most `SEGMENT_SAMPLES_MAX`); returns the number of frames. Frames past that, up to
    /// `padded_frames`, are set to 0 (faster-whisper's `pad_or_trim` of the features).
    pub fn compute(&mut self, samples: &[f32], padded_frames: usize) -> usize {
        assert!(samples.len() >= SEGMENT_SAMPLES_MIN && samples.len() <= SEGMENT_SAMPLES_MAX);
        let length = samples.len() + TAIL_PADDING_SAMPLES;
        let frames = Self::frames_for(samples.len());
        assert!(frames <= ASR_MEL_FRAMES_MAX && padded_frames <= ASR_MEL_FRAMES_MAX);
        // Layout: [reflected head | samples | 160 zeros | reflected tail].
        let total = length + 2 * REFLECT_SAMPLES;
        let padded = &mut self.padded[..total];
        padded[REFLECT_SAMPLES..REFLECT_SAMPLES + samples.len()].copy_from_slice(samples);
        padded[REFLECT_SAMPLES + samples.len()..REFLECT_SAMPLES + length].fill(0.0);
        for i in 0..REFLECT_SAMPLES {
            padded[i] = padded[2 * REFLECT_SAMPLES - i];
            padded[REFLECT_SAMPLES + length + i] = padded[REFLECT_SAMPLES + length - 2 - i];
        }

        let mut maximum = f32::NEG_INFINITY;
        for frame in 0..frames {
            let start = frame * ASR_HOP_SAMPLES;
            for ((slot, &sample), &weight) in self
                .frame_input
                .iter_mut()
                .zip(&self.padded[start..start + ASR_FFT_SIZE])
                .zip(&self.window)
            {
                // The reference multiplies in float32 before its FFT; so do we.
                *slot = Complex {
                    re: f64::from(sample * weight),
                    im: 0.0,
                };
            }
            fft(
                &self.frame_input,
                0,
                1,
                ASR_FFT_SIZE,
                &mut self.spectrum,
                &FFT_FACTORS,
                &self.twiddles,
            );
            for (power, bin) in self.power.iter_mut().zip(&self.spectrum) {
                *power = bin.re * bin.re + bin.im * bin.im;
            }
            let row = &mut self.features[frame * self.mel_bins..(frame + 1) * self.mel_bins];
            for (slot, filter) in row.iter_mut().zip(&self.filters) {
                let energy: f64 = filter
                    .weights
                    .iter()
                    .zip(&self.power[filter.first_bin..])
                    .map(|(&w, &p)| f64::from(w) * p)
                    .sum();
                let log = energy.max(1e-10).log10() as f32;
                maximum = maximum.max(log);
                *slot = log;
            }
        }
        let floor = maximum - 8.0;
        for value in &mut self.features[..frames * self.mel_bins] {
            *value = (value.max(floor) + 4.0) / 4.0;
        }
        if padded_frames > frames {
            self.features[frames * self.mel_bins..padded_frames * self.mel_bins].fill(0.0);
        }
        self.frames = frames;
        frames
    }

    /// Frame-major features of the last [`Self::compute`] (padding included).
    pub fn features(&self) -> &[f32] {
        &self.features
    }
}

/// Mixed-radix decimation-in-time FFT of `n` points read from `input[offset + i * stride]`
/// into `out[..n]`. The combine step is in place: for each `k` it reads and writes the same
/// `p` positions `k + j * m`.
fn fft(
    input: &[Complex],
    offset: usize,
    stride: usize,
    n: usize,
    out: &mut [Complex],
    factors: &[usize],
    twiddles: &[Complex],
) {
    if n == 1 {
        out[0] = input[offset];
        return;
    }
    let radix = factors[0];
    let m = n / radix;
    for j in 0..radix {
        fft(
            input,
            offset + j * stride,
            stride * radix,
            m,
            &mut out[j * m..(j + 1) * m],
            &factors[1..],
            twiddles,
        );
    }
    let full = twiddles.len();
    let step = full / n;
    let mut terms = [Complex::default(); 5];
    for k in 0..m {
        for (j, term) in terms.iter_mut().enumerate().take(radix) {
            *term = out[j * m + k].mul(twiddles[(j * k * step) % full]);
        }
        for q in 0..radix {
            let mut sum = Complex::default();
            for (j, term) in terms.iter().enumerate().take(radix) {
                sum = sum.add(term.mul(twiddles[(j * q * m * step) % full]));
            }
            out[k + q * m] = sum;
        }
    }
}

/// Slaney-style mel filterbank (librosa's default, as faster-whisper builds it), computed in
/// float64 and stored as float32 like the reference; zero weights at the edges are trimmed.
fn slaney_filters(mel_bins: usize) -> Vec<MelFilter> {
    let sample_rate = 16_000.0f64;
    let fft_frequencies: Vec<f64> = (0..SPECTRUM_BINS)
        .map(|i| i as f64 * sample_rate / ASR_FFT_SIZE as f64)
        .collect();
    let max_mel = 45.245_640_471_924_965f64;
    let linear_step = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / linear_step;
    let log_step = 6.4f64.ln() / 27.0;
    let frequencies: Vec<f64> = (0..mel_bins + 2)
        .map(|i| {
            let mel = max_mel * i as f64 / (mel_bins + 1) as f64;
            if mel >= min_log_mel {
                min_log_hz * (log_step * (mel - min_log_mel)).exp()
            } else {
                linear_step * mel
            }
        })
        .collect();
    (0..mel_bins)
        .map(|bin| {
            let lower_width = frequencies[bin + 1] - frequencies[bin];
            let upper_width = frequencies[bin + 2] - frequencies[bin + 1];
            let normaliser = 2.0 / (frequencies[bin + 2] - frequencies[bin]);
            let dense: Vec<f32> = fft_frequencies
                .iter()
                .map(|&f| {
                    let lower = -(frequencies[bin] - f) / lower_width;
                    let upper = (frequencies[bin + 2] - f) / upper_width;
                    (0.0f64.max(lower.min(upper)) * normaliser) as f32
                })
                .collect();
            let first = dense.iter().position(|&w| w != 0.0).unwrap_or(0);
            let last = dense
                .iter()
                .rposition(|&w| w != 0.0)
                .map_or(first, |p| p + 1);
            MelFilter {
                first_bin: first,
                weights: dense[first..last.max(first)].to_vec(),
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fft_matches_a_direct_transform() {
        let front = MelFrontEnd::new(80);
        let input: Vec<Complex> = (0..ASR_FFT_SIZE)
            .map(|i| Complex {
                re: ((i * 7919) % 97) as f64 - 48.0,
                im: 0.0,
            })
            .collect();
        let mut out = vec![Complex::default(); ASR_FFT_SIZE];
        fft(
            &input,
            0,
            1,
            ASR_FFT_SIZE,
            &mut out,
            &FFT_FACTORS,
            &front.twiddles,
        );
        for k in [0, 1, 7, 199, 200, 399] {
            let mut direct = Complex::default();
            for (n, x) in input.iter().enumerate() {
                direct = direct.add(x.mul(front.twiddles[(n * k) % ASR_FFT_SIZE]));
            }
            assert!((direct.re - out[k].re).abs() < 1e-8 && (direct.im - out[k].im).abs() < 1e-8);
        }
    }

    #[test]
    fn frame_count_follows_the_reference() {
        assert_eq!(MelFrontEnd::frames_for(176_000), 1101);
        assert_eq!(MelFrontEnd::frames_for(480_000), 3001);
    }
}
