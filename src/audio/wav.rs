//! WAV (RIFF/WAVE) reading: PCM 8/16/24/32-bit integer and 32-bit float, plain or
//! WAVE_FORMAT_EXTENSIBLE, any rate tccc accepts, up to `INPUT_CHANNELS_MAX` channels,
//! downmixed to mono `f32` in [-1, 1].
//!
//! Every size read from the file is checked before it is trusted: a malformed file is an
//! error that says what is wrong, never a panic or an unbounded allocation.

use std::fs::File;
use std::io::{BufReader, ErrorKind, Read};
use std::path::Path;

use crate::limits::{
    CAPTURE_CHUNK_FRAMES_MAX, INPUT_CHANNELS_MAX, INPUT_RATE_MAX_HZ, INPUT_RATE_MIN_HZ,
    WAV_CHUNKS_MAX, WAV_HEADER_BYTES_MAX,
};

use super::{AudioError, SampleEncoding, StreamFormat};

const WAVE_FORMAT_PCM: u16 = 1;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 3;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;
/// Bytes of the raw buffer a [`WavReader`] decodes from: one chunk of the widest format.
const READ_BUFFER_BYTES: usize = CAPTURE_CHUNK_FRAMES_MAX * INPUT_CHANNELS_MAX * 4;

/// What a WAV header says about its samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WavHeader {
    /// Rate, channels and sample encoding of the data chunk.
    pub format: StreamFormat,
    /// Bytes in the data chunk; `None` when the writer left the size open (streamed WAV),
    /// in which case the data runs to the end of the file.
    pub data_bytes: Option<u64>,
}

fn malformed(what: impl Into<String>) -> AudioError {
    AudioError::MalformedWav(what.into())
}

fn read_exact_or<R: Read>(reader: &mut R, buffer: &mut [u8], what: &str) -> Result<(), AudioError> {
    reader.read_exact(buffer).map_err(|error| {
        if error.kind() == ErrorKind::UnexpectedEof {
            malformed(format!("the file ends inside the {what}"))
        } else {
            AudioError::Io(error)
        }
    })
}

fn skip_bytes<R: Read>(reader: &mut R, count: u64, what: &str) -> Result<(), AudioError> {
    let copied = std::io::copy(&mut reader.take(count), &mut std::io::sink())?;
    if copied != count {
        return Err(malformed(format!("the file ends inside the {what}")));
    }
    Ok(())
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Reads the RIFF header up to the start of the sample data and says what the data holds.
pub fn read_header<R: Read>(reader: &mut R) -> Result<WavHeader, AudioError> {
    let mut riff = [0u8; 12];
    read_exact_or(
        reader,
        &mut riff,
        "RIFF header (a WAV file starts with 12 bytes)",
    )?;
    if &riff[0..4] == b"RIFX" || &riff[0..4] == b"RF64" {
        return Err(AudioError::UnsupportedWav(format!(
            "{} container; convert to little-endian RIFF WAV (e.g. `sox in.wav -b 16 out.wav`)",
            String::from_utf8_lossy(&riff[0..4])
        )));
    }
    if &riff[0..4] != b"RIFF" || &riff[8..12] != b"WAVE" {
        return Err(malformed(
            "not a RIFF/WAVE file (the first bytes are not `RIFF....WAVE`)",
        ));
    }

    let mut format: Option<StreamFormat> = None;
    let mut header_bytes: u64 = 12;
    for _ in 0..WAV_CHUNKS_MAX {
        let mut chunk = [0u8; 8];
        read_exact_or(reader, &mut chunk, "chunk list before the `data` chunk")?;
        let size = u64::from(u32_at(&chunk, 4));
        header_bytes += 8;
        match &chunk[0..4] {
            b"fmt " => {
                if !(16..=64).contains(&size) {
                    return Err(malformed(format!(
                        "the `fmt ` chunk is {size} bytes; a WAV format chunk is 16 to 40 bytes"
                    )));
                }
                let mut body = [0u8; 64];
                let body = &mut body[..size as usize];
                read_exact_or(reader, body, "`fmt ` chunk")?;
                if size % 2 == 1 {
                    skip_bytes(reader, 1, "`fmt ` chunk padding")?;
                }
                format = Some(parse_format_chunk(body)?);
            }
            b"data" => {
                let Some(format) = format else {
                    return Err(malformed("the `data` chunk comes before any `fmt ` chunk"));
                };
                // 0 and 0xFFFFFFFF are what streaming writers leave when they cannot seek back.
                let data_bytes = if size == 0 || size == u64::from(u32::MAX) {
                    None
                } else {
                    Some(size)
                };
                return Ok(WavHeader { format, data_bytes });
            }
            _ => {
                let padded = size + (size % 2);
                header_bytes += padded;
                if header_bytes > WAV_HEADER_BYTES_MAX as u64 {
                    return Err(malformed(format!(
                        "more than {WAV_HEADER_BYTES_MAX} bytes of chunks before the `data` chunk"
                    )));
                }
                skip_bytes(reader, padded, "a chunk before the `data` chunk")?;
            }
        }
    }
    Err(malformed(format!(
        "no `data` chunk within the first {WAV_CHUNKS_MAX} chunks"
    )))
}

fn parse_format_chunk(body: &[u8]) -> Result<StreamFormat, AudioError> {
    let mut tag = u16_at(body, 0);
    let channels = u16_at(body, 2);
    let sample_rate = u32_at(body, 4);
    let block_align = u16_at(body, 12);
    let bits = u16_at(body, 14);
    if tag == WAVE_FORMAT_EXTENSIBLE {
        if body.len() < 40 {
            return Err(malformed(
                "WAVE_FORMAT_EXTENSIBLE `fmt ` chunk shorter than 40 bytes",
            ));
        }
        // The sub-format GUID's first two bytes carry the real format tag.
        tag = u16_at(body, 24);
    }
    let encoding =
        match (tag, bits) {
            (WAVE_FORMAT_PCM, 8) => SampleEncoding::U8,
            (WAVE_FORMAT_PCM, 16) => SampleEncoding::I16,
            (WAVE_FORMAT_PCM, 24) => SampleEncoding::I24,
            (WAVE_FORMAT_PCM, 32) => SampleEncoding::I32,
            (WAVE_FORMAT_IEEE_FLOAT, 32) => SampleEncoding::F32,
            (WAVE_FORMAT_PCM | WAVE_FORMAT_IEEE_FLOAT, other) => {
                return Err(AudioError::UnsupportedWav(format!(
                "{other}-bit {} samples; tccc reads 8/16/24/32-bit integer PCM and 32-bit float \
                 (convert with `sox in.wav -b 16 out.wav`)",
                if tag == WAVE_FORMAT_PCM { "integer" } else { "float" }
            )))
            }
            (other, _) => {
                return Err(AudioError::UnsupportedWav(format!(
                "format tag {other:#06x} (compressed audio); tccc reads uncompressed PCM or float \
                 WAV (convert with `sox in.wav -b 16 out.wav`)"
            )))
            }
        };
    let format = StreamFormat {
        sample_rate_hz: sample_rate,
        channels: usize::from(channels),
        encoding,
    };
    format.validate()?;
    if usize::from(block_align) != format.frame_bytes() {
        return Err(malformed(format!(
            "block align is {block_align} bytes, but {channels} channel(s) of {bits}-bit samples \
             take {} bytes per frame",
            format.frame_bytes()
        )));
    }
    Ok(format)
}

/// Streams mono `f32` samples out of a WAV file without holding the file in memory.
pub struct WavReader<R: Read> {
    reader: R,
    header: WavHeader,
    remaining_bytes: Option<u64>,
    raw: Box<[u8]>,
    /// Bytes at the front of `raw` left over from a read that ended mid-frame.
    raw_pending: usize,
    truncated: bool,
}

impl WavReader<BufReader<File>> {
    /// Opens a WAV file and reads its header.
    pub fn open(path: &Path) -> Result<Self, AudioError> {
        let file = File::open(path).map_err(|error| AudioError::Open {
            path: path.display().to_string(),
            error,
        })?;
        WavReader::new(BufReader::new(file))
    }
}

impl<R: Read> WavReader<R> {
    /// Reads the header from `reader` and gets ready to stream its samples.
    pub fn new(mut reader: R) -> Result<Self, AudioError> {
        let header = read_header(&mut reader)?;
        Ok(WavReader {
            reader,
            header,
            remaining_bytes: header.data_bytes,
            raw: vec![0u8; READ_BUFFER_BYTES].into_boxed_slice(),
            raw_pending: 0,
            truncated: false,
        })
    }

    /// The header of the file being read.
    pub fn header(&self) -> WavHeader {
        self.header
    }

    /// True once the data chunk turned out shorter than its header said (the samples that
    /// were there have been delivered).
    pub fn was_truncated(&self) -> bool {
        self.truncated
    }

    /// Fills `out` with up to `out.len()` mono frames; returns how many, 0 at the end.
    pub fn read_mono(&mut self, out: &mut [f32]) -> Result<usize, AudioError> {
        let frame_bytes = self.header.format.frame_bytes();
        let frames_wanted = out.len().min(self.raw.len() / frame_bytes);
        if frames_wanted == 0 {
            return Ok(0);
        }
        let pending = self.raw_pending;
        let mut want_bytes = frames_wanted * frame_bytes;
        if let Some(remaining) = self.remaining_bytes {
            let available = pending as u64 + remaining;
            want_bytes = want_bytes.min(usize::try_from(available).unwrap_or(usize::MAX));
        }
        let mut filled = pending;
        let mut end_of_file = false;
        while filled < want_bytes {
            match self.reader.read(&mut self.raw[filled..want_bytes]) {
                Ok(0) => {
                    end_of_file = true;
                    break;
                }
                Ok(count) => filled += count,
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(AudioError::Io(error)),
            }
        }
        let mut data_ended = end_of_file;
        if let Some(remaining) = self.remaining_bytes.as_mut() {
            *remaining -= (filled - pending) as u64;
            if end_of_file && *remaining > 0 {
                // The header promised more data than the file holds.
                self.truncated = true;
                *remaining = 0;
            }
            data_ended |= *remaining == 0;
        }
        let whole_frames = filled / frame_bytes;
        let used = whole_frames * frame_bytes;
        super::downmix_to_mono(
            &self.raw[..used],
            self.header.format,
            &mut out[..whole_frames],
        );
        let leftover = filled - used;
        if leftover > 0 && !data_ended {
            self.raw.copy_within(used..filled, 0);
            self.raw_pending = leftover;
        } else {
            // A partial frame at the end of the data cannot be decoded; it is dropped.
            self.truncated |= leftover > 0;
            self.raw_pending = 0;
        }
        Ok(whole_frames)
    }
}

/// Reads a whole WAV file into mono `f32` samples (for tests, tools and fixture checks; the
/// live pipeline streams with [`WavReader`]).
pub fn read_wav_mono(path: &Path) -> Result<(Vec<f32>, StreamFormat), AudioError> {
    read_all_mono(WavReader::open(path)?)
}

/// Reads every remaining sample of an opened WAV stream into memory.
pub fn read_all_mono<R: Read>(
    mut reader: WavReader<R>,
) -> Result<(Vec<f32>, StreamFormat), AudioError> {
    let format = reader.header().format;
    let mut samples = Vec::new();
    let mut chunk = vec![0f32; CAPTURE_CHUNK_FRAMES_MAX];
    loop {
        let count = reader.read_mono(&mut chunk)?;
        if count == 0 {
            break;
        }
        samples.extend_from_slice(&chunk[..count]);
    }
    Ok((samples, format))
}

/// Encodes mono samples as a 16-bit PCM WAV file in memory (tools, tests, benches).
pub fn encode_mono_i16(samples: &[f32], sample_rate_hz: u32) -> Result<Vec<u8>, AudioError> {
    let data_bytes = u32::try_from(samples.len() * 2)
        .ok()
        .filter(|bytes| *bytes <= u32::MAX - 36)
        .ok_or_else(|| {
            AudioError::UnsupportedWav("more than 4 GiB of samples for one WAV file".to_owned())
        })?;
    let mut bytes = Vec::with_capacity(44 + samples.len() * 2);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_bytes).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&WAVE_FORMAT_PCM.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&sample_rate_hz.to_le_bytes());
    bytes.extend_from_slice(&(sample_rate_hz * 2).to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_bytes.to_le_bytes());
    for sample in samples {
        let value = (sample.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    Ok(bytes)
}

/// Writes mono 16-bit PCM WAV (for tools and tests that make audio).
pub fn write_wav_mono_i16(
    path: &Path,
    samples: &[f32],
    sample_rate_hz: u32,
) -> Result<(), AudioError> {
    let bytes = encode_mono_i16(samples, sample_rate_hz)?;
    std::fs::write(path, bytes).map_err(|error| AudioError::Open {
        path: path.display().to_string(),
        error,
    })
}

const _: () = assert!(INPUT_RATE_MIN_HZ < INPUT_RATE_MAX_HZ);
