//! The sources the capture thread reads from. Each is opened (and may allocate) on the
//! starting thread, then moved to the capture thread, where `read_mono` never allocates.

use std::io::{ErrorKind, Read};
use std::path::Path;

use crate::limits::{CAPTURE_CHUNK_FRAMES_MAX, INPUT_CHANNELS_MAX};

use super::wav::WavReader;
use super::{AudioError, SampleEncoding, StreamFormat};

/// What one read from a source produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceRead {
    /// This many mono frames were written to the front of the buffer.
    Frames(usize),
    /// The source has no more audio (files and pipes; live capture never ends).
    End,
}

/// A stream of mono `f32` frames at the source's own rate.
pub trait AudioSource: Send {
    /// The source's sample rate in Hz.
    fn sample_rate_hz(&self) -> u32;
    /// True when the source produces audio in real time by itself (a capture device): the
    /// capture thread then never paces it and treats a full ring as an overrun.
    fn is_live(&self) -> bool;
    /// Reads up to `out.len()` mono frames. Blocks only in the device or file read.
    fn read_mono(&mut self, out: &mut [f32]) -> Result<SourceRead, AudioError>;
    /// Overruns the source itself reported and recovered from (ALSA xruns).
    fn overruns(&self) -> u64 {
        0
    }
    /// Something to tell the operator once the source is finished (a truncated file).
    fn final_warning(&self) -> Option<String> {
        None
    }
    /// Opens a live source again after `read_mono` failed beyond recovery (a headset
    /// unplugged, a device gone after a suspend): tries each configured device in turn and
    /// gives the index of the one now open. `None`: this source cannot be reopened (a file),
    /// and the read error is final. Called off the real-time allocation rule (opening a
    /// device allocates).
    fn reopen(&mut self) -> Option<Result<usize, AudioError>> {
        None
    }
}

/// A WAV file (or any reader holding one).
pub struct WavSource<R: Read + Send> {
    reader: WavReader<R>,
    name: String,
}

impl WavSource<std::io::BufReader<std::fs::File>> {
    /// Opens a WAV file.
    pub fn open(path: &Path) -> Result<Self, AudioError> {
        Ok(WavSource {
            reader: WavReader::open(path)?,
            name: path.display().to_string(),
        })
    }
}

impl<R: Read + Send> WavSource<R> {
    /// Reads a WAV stream from any reader (used by tests and the fuzz harness).
    pub fn from_reader(reader: R, name: &str) -> Result<Self, AudioError> {
        Ok(WavSource {
            reader: WavReader::new(reader)?,
            name: name.to_owned(),
        })
    }
}

impl<R: Read + Send> AudioSource for WavSource<R> {
    fn sample_rate_hz(&self) -> u32 {
        self.reader.header().format.sample_rate_hz
    }

    fn is_live(&self) -> bool {
        false
    }

    fn read_mono(&mut self, out: &mut [f32]) -> Result<SourceRead, AudioError> {
        match self.reader.read_mono(out)? {
            0 => Ok(SourceRead::End),
            frames => Ok(SourceRead::Frames(frames)),
        }
    }

    fn final_warning(&self) -> Option<String> {
        self.reader.was_truncated().then(|| {
            format!(
                "{}: the data chunk is shorter than its header says (truncated file); \
                 every whole frame that was there has been processed",
                self.name
            )
        })
    }
}

/// Raw interleaved signed 16-bit little-endian PCM from a pipe (e.g. `arecord -t raw`).
pub struct RawS16Source<R: Read + Send> {
    reader: R,
    format: StreamFormat,
    raw: Box<[u8]>,
    pending: usize,
}

impl<R: Read + Send> RawS16Source<R> {
    /// Wraps `reader`, which yields interleaved s16le frames at `sample_rate_hz`.
    pub fn new(reader: R, sample_rate_hz: u32, channels: usize) -> Result<Self, AudioError> {
        let format = StreamFormat {
            sample_rate_hz,
            channels,
            encoding: SampleEncoding::I16,
        };
        format.validate()?;
        Ok(RawS16Source {
            reader,
            format,
            raw: vec![0u8; CAPTURE_CHUNK_FRAMES_MAX * INPUT_CHANNELS_MAX * 2].into_boxed_slice(),
            pending: 0,
        })
    }
}

impl<R: Read + Send> AudioSource for RawS16Source<R> {
    fn sample_rate_hz(&self) -> u32 {
        self.format.sample_rate_hz
    }

    fn is_live(&self) -> bool {
        false
    }

    fn read_mono(&mut self, out: &mut [f32]) -> Result<SourceRead, AudioError> {
        let frame_bytes = self.format.frame_bytes();
        let frames_wanted = out.len().min(self.raw.len() / frame_bytes);
        // One read per call: a pipe delivers what it has, and we pass on the whole frames.
        loop {
            match self
                .reader
                .read(&mut self.raw[self.pending..frames_wanted * frame_bytes])
            {
                Ok(0) => return Ok(SourceRead::End),
                Ok(count) => {
                    let filled = self.pending + count;
                    let frames = filled / frame_bytes;
                    let used = frames * frame_bytes;
                    super::downmix_to_mono(&self.raw[..used], self.format, &mut out[..frames]);
                    self.raw.copy_within(used..filled, 0);
                    self.pending = filled - used;
                    if frames > 0 {
                        return Ok(SourceRead::Frames(frames));
                    }
                }
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(AudioError::Io(error)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_source_reassembles_frames_split_across_reads() {
        // A reader that hands out one byte at a time, like a slow pipe.
        struct Trickle(Vec<u8>, usize);
        impl Read for Trickle {
            fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
                if self.1 >= self.0.len() || buffer.is_empty() {
                    return Ok(0);
                }
                buffer[0] = self.0[self.1];
                self.1 += 1;
                Ok(1)
            }
        }
        let mut bytes = Vec::new();
        for value in [16_384i16, 16_384, -8_192, -8_192] {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        let mut source = RawS16Source::new(Trickle(bytes, 0), 16_000, 2).unwrap();
        let mut out = [0f32; 8];
        let mut got = Vec::new();
        while let SourceRead::Frames(n) = source.read_mono(&mut out).unwrap() {
            got.extend_from_slice(&out[..n]);
        }
        assert_eq!(got, vec![0.5, -0.25]);
    }

    #[test]
    fn raw_source_rejects_bad_formats() {
        assert!(RawS16Source::new(std::io::empty(), 1_000, 1).is_err());
        assert!(RawS16Source::new(std::io::empty(), 16_000, 0).is_err());
        assert!(RawS16Source::new(std::io::empty(), 16_000, 99).is_err());
    }
}
