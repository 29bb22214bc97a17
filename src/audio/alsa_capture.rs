//! ALSA capture through alsa-lib: opens the configured device for interleaved signed 16-bit
//! capture, negotiates rate, channels and period, and recovers from overruns (counted).
//!
//! A device lost beyond recovery (unplugged, gone after a suspend) is closed and reported
//! once; the capture thread then calls [`AudioSource::reopen`] with back-off, which tries
//! the configured device and then its fallback (`audio.fallback_device`) at the same rate.
//!
//! Nothing here allocates after `open`: samples are read as bytes into a buffer reserved at
//! open (the typed `io_i16` accessor re-reads the hardware parameters on every call, which
//! allocates inside alsa-lib).

use alsa::pcm::{Access, Format, HwParams, PCM};
use alsa::{Direction, ValueOr};

use crate::limits::{CAPTURE_CHUNK_FRAMES_MAX, CAPTURE_DEVICES_MAX, INPUT_CHANNELS_MAX};

use super::source::{AudioSource, SourceRead};
use super::{AudioError, SampleEncoding, StreamFormat};

/// `errno` values alsa-lib returns for an overrun and for a suspended device.
const EPIPE: i32 = 32;
const ESTRPIPE: i32 = 86;
/// Consecutive failed recoveries after which capture gives up and reports the device lost.
const RECOVERY_ATTEMPTS_MAX: u32 = 16;

/// What to ask the device for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlsaSettings {
    /// ALSA device name (`default`, `hw:1,0`, `plughw:CARD=Headset`, or a PCM from asoundrc).
    pub device: String,
    /// Requested sample rate; the device may grant a near one, which is then used.
    pub rate_hz: u32,
    /// Requested channel count.
    pub channels: usize,
    /// Requested period in frames (how often the driver wakes the capture thread).
    pub period_frames: usize,
}

/// An open ALSA capture stream.
pub struct AlsaSource {
    /// `None` once the device was lost, until it is reopened.
    pcm: Option<PCM>,
    device: String,
    settings: AlsaSettings,
    /// The devices `reopen` tries, in order: the configured one, then its fallback.
    devices: Vec<String>,
    format: StreamFormat,
    raw: Box<[u8]>,
    /// Frames per period as granted; each read asks for one period, so the driver's buffer
    /// (four periods) never fills while the thread waits in `readi`.
    period_frames: usize,
    overruns: u64,
    failed_recoveries: u32,
}

fn alsa_error(device: &str, what: &str, error: &alsa::Error) -> AudioError {
    AudioError::Alsa {
        device: device.to_owned(),
        what: format!(
            "{what} failed ({error}); check `arecord -L` for the device name and that no other \
             program holds it"
        ),
    }
}

/// A configured stream: the device, its format and its period.
type Opened = (PCM, StreamFormat, usize);

impl AlsaSource {
    /// Opens and configures the capture device.
    pub fn open(settings: &AlsaSettings) -> Result<Self, AudioError> {
        let (pcm, format, period_frames) = Self::open_device(settings)?;
        Ok(AlsaSource {
            pcm: Some(pcm),
            device: settings.device.clone(),
            settings: settings.clone(),
            devices: vec![settings.device.clone()],
            format,
            raw: vec![0u8; CAPTURE_CHUNK_FRAMES_MAX * INPUT_CHANNELS_MAX * 2].into_boxed_slice(),
            period_frames,
            overruns: 0,
            failed_recoveries: 0,
        })
    }

    /// Adds the device tried after the configured one when a lost device is reopened
    /// (`audio.fallback_device`; empty: none).
    pub fn with_fallback(mut self, fallback: &str) -> Self {
        if !fallback.is_empty() && self.devices.len() < CAPTURE_DEVICES_MAX {
            self.devices.push(fallback.to_owned());
        }
        self
    }

    /// The service's capture: the configured device, else the fallback (empty: none); when
    /// neither opens, a source that starts lost at the requested rate, which the capture
    /// thread reopens with back-off (a headset plugged in after boot), and why.
    pub fn open_or_wait(settings: &AlsaSettings, fallback: &str) -> (Self, Option<AudioError>) {
        let mut first_error = match Self::open(settings) {
            Ok(source) => return (source.with_fallback(fallback), None),
            Err(error) => error,
        };
        if !fallback.is_empty() {
            let on_fallback = AlsaSettings {
                device: fallback.to_owned(),
                ..settings.clone()
            };
            match Self::open(&on_fallback) {
                Ok(mut source) => {
                    // Reopening still tries the configured device first.
                    source.devices = vec![settings.device.clone(), fallback.to_owned()];
                    source.settings = settings.clone();
                    return (source, Some(first_error));
                }
                Err(error) => {
                    first_error = AudioError::Alsa {
                        device: settings.device.clone(),
                        what: format!("{first_error}; and the fallback: {error}"),
                    }
                }
            }
        }
        let source = AlsaSource {
            pcm: None,
            device: settings.device.clone(),
            settings: settings.clone(),
            devices: vec![settings.device.clone()],
            format: StreamFormat {
                sample_rate_hz: settings.rate_hz,
                channels: settings.channels.clamp(1, INPUT_CHANNELS_MAX),
                encoding: SampleEncoding::I16,
            },
            raw: vec![0u8; CAPTURE_CHUNK_FRAMES_MAX * INPUT_CHANNELS_MAX * 2].into_boxed_slice(),
            period_frames: settings.period_frames.clamp(1, CAPTURE_CHUNK_FRAMES_MAX),
            overruns: 0,
            failed_recoveries: 0,
        };
        (source.with_fallback(fallback), Some(first_error))
    }

    /// The device capturing now (or lost).
    pub fn device(&self) -> &str {
        &self.device
    }

    fn open_device(settings: &AlsaSettings) -> Result<Opened, AudioError> {
        let device = settings.device.as_str();
        let pcm = PCM::new(device, Direction::Capture, false)
            .map_err(|e| alsa_error(device, "opening the capture device", &e))?;
        let (rate, channels, period_frames) = {
            let params = HwParams::any(&pcm)
                .map_err(|e| alsa_error(device, "reading hardware parameters", &e))?;
            params
                .set_access(Access::RWInterleaved)
                .map_err(|e| alsa_error(device, "setting interleaved access", &e))?;
            params
                .set_format(Format::s16())
                .map_err(|e| alsa_error(device, "setting 16-bit signed format", &e))?;
            let channels = params
                .set_channels_near(u32::try_from(settings.channels).unwrap_or(1))
                .map_err(|e| alsa_error(device, "setting the channel count", &e))?;
            let rate = params
                .set_rate_near(settings.rate_hz, ValueOr::Nearest)
                .map_err(|e| alsa_error(device, "setting the sample rate", &e))?;
            let period = alsa::pcm::Frames::try_from(settings.period_frames).unwrap_or(1024);
            let period = params
                .set_period_size_near(period, ValueOr::Nearest)
                .map_err(|e| alsa_error(device, "setting the period size", &e))?;
            params
                .set_buffer_size_near(period * 4)
                .map_err(|e| alsa_error(device, "setting the buffer size", &e))?;
            pcm.hw_params(&params)
                .map_err(|e| alsa_error(device, "applying hardware parameters", &e))?;
            let period_frames = usize::try_from(period)
                .unwrap_or(1024)
                .clamp(1, CAPTURE_CHUNK_FRAMES_MAX);
            (rate, channels, period_frames)
        };
        let format = StreamFormat {
            sample_rate_hz: rate,
            channels: usize::try_from(channels).unwrap_or(0),
            encoding: SampleEncoding::I16,
        };
        format.validate().map_err(|error| AudioError::Alsa {
            device: device.to_owned(),
            what: format!("the device granted an unusable format: {error}"),
        })?;
        pcm.prepare()
            .map_err(|e| alsa_error(device, "preparing the stream", &e))?;
        Ok((pcm, format, period_frames))
    }

    /// The format the device granted.
    pub fn format(&self) -> StreamFormat {
        self.format
    }
}

impl AudioSource for AlsaSource {
    fn sample_rate_hz(&self) -> u32 {
        self.format.sample_rate_hz
    }

    fn is_live(&self) -> bool {
        true
    }

    fn read_mono(&mut self, out: &mut [f32]) -> Result<SourceRead, AudioError> {
        let frame_bytes = self.format.frame_bytes();
        let frames_wanted = out
            .len()
            .min(self.period_frames)
            .min(self.raw.len() / frame_bytes);
        let bytes = &mut self.raw[..frames_wanted * frame_bytes];
        let Some(pcm) = &self.pcm else {
            // Lost and not reopened: the capture thread reopens before reading again.
            crate::sys::alloc_guard::clear_thread_role();
            return Err(AudioError::Alsa {
                device: self.device.clone(),
                what: "the device was lost and is not open; it is being reopened".to_owned(),
            });
        };
        let result = pcm.io_bytes().readi(bytes);
        match result {
            Ok(frames) => {
                self.failed_recoveries = 0;
                let used = frames * frame_bytes;
                super::downmix_to_mono(&self.raw[..used], self.format, &mut out[..frames]);
                Ok(SourceRead::Frames(frames))
            }
            Err(error) => {
                let errno = error.errno();
                if errno == EPIPE || errno == ESTRPIPE {
                    self.overruns += 1;
                }
                // Recovery runs on the real-time thread: nothing here may allocate, so the
                // error is only formatted once capture gives up.
                if pcm.try_recover(error, true).is_ok() {
                    self.failed_recoveries = 0;
                    return Ok(SourceRead::Frames(0));
                }
                self.failed_recoveries += 1;
                if self.failed_recoveries >= RECOVERY_ATTEMPTS_MAX {
                    // The device is lost: the thread leaves real time before closing it and
                    // building the message (both allocate or free). Closing lets a
                    // re-plugged headset come back under its old card name.
                    crate::sys::alloc_guard::clear_thread_role();
                    self.pcm = None;
                    let reason = std::io::Error::from_raw_os_error(errno);
                    return Err(AudioError::Alsa {
                        device: self.device.clone(),
                        what: format!(
                            "capture failed {RECOVERY_ATTEMPTS_MAX} times in a row and could not be \
                             recovered ({reason}); check that the microphone is connected"
                        ),
                    });
                }
                // The device may come back (a USB headset re-plugged): try preparing again.
                let _ = pcm.prepare();
                Ok(SourceRead::Frames(0))
            }
        }
    }

    fn overruns(&self) -> u64 {
        self.overruns
    }

    fn reopen(&mut self) -> Option<Result<usize, AudioError>> {
        // The old handle is closed first: a disconnected card keeps its name while open.
        self.pcm = None;
        let mut last = None;
        for (index, device) in self.devices.iter().enumerate() {
            let settings = AlsaSettings {
                device: device.clone(),
                ..self.settings.clone()
            };
            match Self::open_device(&settings) {
                Ok((_, format, _)) if format.sample_rate_hz != self.format.sample_rate_hz => {
                    last = Some(AudioError::Alsa {
                        device: device.clone(),
                        what: format!(
                            "reopened at {} Hz, not the {} Hz capture started with; give a \
                             device that grants the same rate (a `plughw:` name resamples)",
                            format.sample_rate_hz, self.format.sample_rate_hz
                        ),
                    });
                }
                Ok((pcm, format, period_frames)) => {
                    self.pcm = Some(pcm);
                    self.device = device.clone();
                    self.format = format;
                    self.period_frames = period_frames;
                    self.failed_recoveries = 0;
                    return Some(Ok(index));
                }
                Err(error) => last = Some(error),
            }
        }
        last.map(Err)
    }
}
