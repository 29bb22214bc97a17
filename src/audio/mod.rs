//! Audio in: where samples come from (WAV file, raw s16le on stdin, ALSA capture), how they
//! are decoded and downmixed to mono, and the resampler that brings them to 16 kHz.
//!
//! Sources are read on the capture thread; after `open` none of them allocates.

#[cfg(feature = "alsa-capture")]
pub mod alsa_capture;
pub mod resample;
pub mod source;
pub mod wav;

use thiserror::Error;

use crate::limits::{INPUT_CHANNELS_MAX, INPUT_RATE_MAX_HZ, INPUT_RATE_MIN_HZ};

/// Everything that can go wrong getting audio in.
#[derive(Debug, Error)]
pub enum AudioError {
    /// A file could not be opened.
    #[error("cannot open {path}: {error}; check the path and its permissions")]
    Open {
        /// The path as given.
        path: String,
        /// The operating system's reason.
        error: std::io::Error,
    },
    /// Reading failed mid-stream.
    #[error("reading audio failed: {0}")]
    Io(#[from] std::io::Error),
    /// The WAV file is damaged or not a WAV file.
    #[error("malformed WAV file: {0}; re-export it as PCM WAV (e.g. `sox in.wav -b 16 out.wav`)")]
    MalformedWav(String),
    /// The WAV file is valid but holds something tccc does not decode.
    #[error("unsupported WAV file: {0}")]
    UnsupportedWav(String),
    /// The stream's rate or channel count is outside what tccc accepts.
    #[error("unsupported audio format: {0}")]
    UnsupportedFormat(String),
    /// The ALSA device could not be opened or configured.
    #[error("ALSA device `{device}`: {what}")]
    Alsa {
        /// The device name from the configuration.
        device: String,
        /// What failed and what to do.
        what: String,
    },
}

/// How one sample is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleEncoding {
    /// Unsigned 8-bit integer, offset 128.
    U8,
    /// Signed 16-bit little-endian integer.
    I16,
    /// Signed 24-bit little-endian integer packed in 3 bytes.
    I24,
    /// Signed 32-bit little-endian integer.
    I32,
    /// IEEE 754 32-bit little-endian float.
    F32,
}

impl SampleEncoding {
    /// Bytes one sample takes.
    pub fn bytes(self) -> usize {
        match self {
            SampleEncoding::U8 => 1,
            SampleEncoding::I16 => 2,
            SampleEncoding::I24 => 3,
            SampleEncoding::I32 | SampleEncoding::F32 => 4,
        }
    }
}

/// Rate, channels and encoding of an interleaved stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamFormat {
    /// Frames per second.
    pub sample_rate_hz: u32,
    /// Interleaved channels per frame.
    pub channels: usize,
    /// How each sample is stored.
    pub encoding: SampleEncoding,
}

impl StreamFormat {
    /// Bytes of one interleaved frame.
    pub fn frame_bytes(&self) -> usize {
        self.channels * self.encoding.bytes()
    }

    /// Checks that tccc can take this stream.
    pub fn validate(&self) -> Result<(), AudioError> {
        if !(INPUT_RATE_MIN_HZ..=INPUT_RATE_MAX_HZ).contains(&self.sample_rate_hz) {
            return Err(AudioError::UnsupportedFormat(format!(
                "sample rate {} Hz; tccc takes {INPUT_RATE_MIN_HZ} to {INPUT_RATE_MAX_HZ} Hz",
                self.sample_rate_hz
            )));
        }
        if self.channels == 0 || self.channels > INPUT_CHANNELS_MAX {
            return Err(AudioError::UnsupportedFormat(format!(
                "{} channels; tccc takes 1 to {INPUT_CHANNELS_MAX}",
                self.channels
            )));
        }
        Ok(())
    }
}

/// Decodes interleaved frames and averages their channels into `out` (one value per frame).
/// `bytes` holds exactly `out.len()` whole frames.
pub fn downmix_to_mono(bytes: &[u8], format: StreamFormat, out: &mut [f32]) {
    let sample_bytes = format.encoding.bytes();
    let frame_bytes = format.frame_bytes();
    debug_assert_eq!(bytes.len(), out.len() * frame_bytes);
    let scale = 1.0 / format.channels as f32;
    for (frame, value) in bytes.chunks_exact(frame_bytes).zip(out.iter_mut()) {
        let mut sum = 0.0f32;
        for sample in frame.chunks_exact(sample_bytes) {
            sum += decode_sample(sample, format.encoding);
        }
        *value = sum * scale;
    }
}

#[inline]
fn decode_sample(bytes: &[u8], encoding: SampleEncoding) -> f32 {
    match encoding {
        SampleEncoding::U8 => (f32::from(bytes[0]) - 128.0) / 128.0,
        SampleEncoding::I16 => f32::from(i16::from_le_bytes([bytes[0], bytes[1]])) / 32_768.0,
        SampleEncoding::I24 => {
            let value = i32::from_le_bytes([0, bytes[0], bytes[1], bytes[2]]) >> 8;
            value as f32 / 8_388_608.0
        }
        SampleEncoding::I32 => {
            i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as f32 / 2_147_483_648.0
        }
        SampleEncoding::F32 => {
            let value = f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            // NaN or infinity in a file would poison the VAD's state; treat as silence/clip.
            if value.is_finite() {
                value.clamp(-1.0, 1.0)
            } else {
                0.0
            }
        }
    }
}

/// Averages interleaved `i16` frames into mono `f32` (the ALSA path).
pub fn downmix_i16_to_mono(interleaved: &[i16], channels: usize, out: &mut [f32]) {
    let scale = 1.0 / (channels as f32 * 32_768.0);
    for (frame, value) in interleaved.chunks_exact(channels).zip(out.iter_mut()) {
        let sum: i32 = frame.iter().map(|&s| i32::from(s)).sum();
        *value = sum as f32 * scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_encoding_at_full_scale() {
        assert_eq!(decode_sample(&[255], SampleEncoding::U8), 127.0 / 128.0);
        assert_eq!(decode_sample(&[0], SampleEncoding::U8), -1.0);
        assert_eq!(
            decode_sample(&i16::MIN.to_le_bytes(), SampleEncoding::I16),
            -1.0
        );
        assert_eq!(
            decode_sample(&[0x00, 0x00, 0x80], SampleEncoding::I24),
            -1.0
        );
        assert_eq!(
            decode_sample(&[0xff, 0xff, 0x7f], SampleEncoding::I24),
            8_388_607.0 / 8_388_608.0
        );
        assert_eq!(
            decode_sample(&i32::MIN.to_le_bytes(), SampleEncoding::I32),
            -1.0
        );
        assert_eq!(
            decode_sample(&0.25f32.to_le_bytes(), SampleEncoding::F32),
            0.25
        );
        assert_eq!(
            decode_sample(&f32::NAN.to_le_bytes(), SampleEncoding::F32),
            0.0
        );
        assert_eq!(
            decode_sample(&7.0f32.to_le_bytes(), SampleEncoding::F32),
            1.0
        );
    }

    #[test]
    fn downmix_averages_channels() {
        let format = StreamFormat {
            sample_rate_hz: 16_000,
            channels: 2,
            encoding: SampleEncoding::I16,
        };
        let mut bytes = Vec::new();
        for value in [16_384i16, -16_384, 8_192, 8_192] {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        let mut out = [9.0f32; 2];
        downmix_to_mono(&bytes, format, &mut out);
        assert_eq!(out, [0.0, 0.25]);
        let mut out = [0.0f32; 2];
        downmix_i16_to_mono(&[16_384, -16_384, 8_192, 8_192], 2, &mut out);
        assert_eq!(out, [0.0, 0.25]);
    }
}
