//! The configuration file (TOML). Every key has a default, documented in `default.toml`
//! beside this file (also what `tccc config` prints); values are checked at load and an
//! error names the key, the value and the accepted range.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

use crate::limits::{
    ASR_BEAM_WIDTH_MAX, ASR_PROMPT_TEXT_BYTES_MAX, ASR_THREADS_MAX, CAPTURE_CHUNK_FRAMES_MAX,
    CONFIG_FILE_BYTES_MAX, INPUT_CHANNELS_MAX, INPUT_RATE_MAX_HZ, INPUT_RATE_MIN_HZ,
    NVPMODEL_MODE_NAME_BYTES_MAX, PIPELINE_RATE_HZ, PRE_ROLL_SAMPLES_MAX, SEGMENT_SAMPLES_MAX,
    VAD_FRAME_SAMPLES, WATCHDOG_POLL_INTERVAL_MS_MAX, WATCHDOG_POLL_INTERVAL_MS_MIN,
};

/// The documented default configuration.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("default.toml");

/// `vad.confident_silence_ms` by default: 16 VAD frames. The longest certain run inside a
/// sentence of the test narrations is 14 frames (448 ms, in tests/fixtures/vad/narration.wav
/// when its frames start 272–352 samples in, as after the capture outage that once split it
/// at 448), so two frames of margin; tests/vad_endpoint.rs plays it at 32 alignments.
pub const CONFIDENT_SILENCE_MS_DEFAULT: u32 = 512;
/// `vad.confident_probability` by default.
pub const CONFIDENT_PROBABILITY_DEFAULT: f32 = 0.1;

/// What can be wrong with a configuration file.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration {path}: {error}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        error: std::io::Error,
    },
    /// The file is larger than any sane configuration.
    #[error("configuration {path} is {bytes} bytes; the limit is {CONFIG_FILE_BYTES_MAX} (is it the right file?)")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
    },
    /// The file is not valid TOML or has an unknown key or a wrongly typed value.
    #[error("configuration {path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message, which names the key and line.
        message: String,
    },
    /// A value is outside its range.
    #[error("configuration {path}: `{key}` = {value} is out of range; {expected}")]
    Invalid {
        /// The file.
        path: String,
        /// The dotted key, e.g. `vad.threshold`.
        key: &'static str,
        /// The value given.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// No models folder could be found.
    #[error(
        "no models folder found (looked in {looked}); run `models/fetch` in the tccc source \
             tree, or set `models.dir` in the configuration or $TCCC_MODELS_DIR"
    )]
    NoModels {
        /// The places tried.
        looked: String,
    },
}

/// The whole configuration.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the models are.
    pub models: ModelsConfig,
    /// Audio capture.
    pub audio: AudioConfig,
    /// Voice activity detection and segmentation.
    pub vad: VadConfig,
    /// Real-time thread placement.
    pub threads: ThreadsConfig,
    /// Speech recognition.
    pub asr: AsrSection,
    /// The watchdog: thermal zones, power modes, battery.
    pub watchdog: WatchdogConfig,
    /// The extractor.
    pub extract: ExtractSection,
    /// The serial console's line settings.
    pub console: ConsoleConfig,
    /// The language model's checked uses.
    pub llm: LlmConfig,
}

/// `[extract]`
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ExtractSection {
    /// A fact resting on a word the recogniser heard with less confidence than this (0 to
    /// 1) is filed unconfirmed.
    pub heard_confidence_min: f32,
}

impl Default for ExtractSection {
    fn default() -> Self {
        ExtractSection {
            heard_confidence_min: crate::extract::HEARD_CONFIDENCE_MIN,
        }
    }
}

/// Baud rates a serial console may be set to (`console.baud`).
pub const CONSOLE_BAUD_RATES: &[u32] = &[
    9_600, 19_200, 38_400, 57_600, 115_200, 230_400, 460_800, 921_600,
];
/// Parities a serial console may be set to (`console.parity`).
pub const CONSOLE_PARITIES: &[&str] = &["none", "even", "odd"];

/// `[console]`
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// Line speed of a serial console device.
    pub baud: u32,
    /// `none`, `even` or `odd` (8 data bits, 1 stop bit).
    pub parity: String,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            baud: 115_200,
            parity: "none".to_owned(),
        }
    }
}

impl ConsoleConfig {
    fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        if !CONSOLE_BAUD_RATES.contains(&self.baud) {
            return Err(ConfigError::Invalid {
                path: origin.to_owned(),
                key: "console.baud",
                value: self.baud.to_string(),
                expected: format!(
                    "give one of {} (the speed the terminal at the other end uses)",
                    CONSOLE_BAUD_RATES
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        if !CONSOLE_PARITIES.contains(&self.parity.as_str()) {
            return Err(ConfigError::Invalid {
                path: origin.to_owned(),
                key: "console.parity",
                value: format!("{:?}", self.parity),
                expected: "give \"none\", \"even\" or \"odd\" (8 data bits, 1 stop bit)".to_owned(),
            });
        }
        Ok(())
    }
}

/// `[llm]`: the small language model's checked uses (`src/llm`, README "Language model").
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LlmConfig {
    /// The GGUF file, relative to the models folder.
    pub model: PathBuf,
    /// Read again with the model what the rules filed nothing from (proposals are filed
    /// unconfirmed). Off by default: it did not raise recall on held-out narrations.
    pub reader: bool,
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig {
            model: PathBuf::from("smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf"),
            reader: false,
        }
    }
}

/// `[watchdog]`
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WatchdogConfig {
    /// Whether `tccc run` starts the watchdog.
    pub enabled: bool,
    /// Folder holding `sys/` and `proc/` (`/` on the device; a fake tree in tests).
    pub sysfs_root: PathBuf,
    /// The nvpmodel program that lists and sets the power modes.
    pub nvpmodel_path: PathBuf,
    /// Milliseconds between two polls of the sensors.
    pub poll_interval_ms: u64,
    /// Profile at start and after cooling: `performance`, `balanced` or `saver`.
    pub start_profile: String,
    /// Seconds a profile is kept at least before the next switch.
    pub min_dwell_s: u64,
    /// Within this many °C of a zone's first trip point: `balanced`.
    pub warm_margin_c: f32,
    /// Within this many °C of a zone's first trip point: `saver` and the hot stage knobs.
    pub hot_margin_c: f32,
    /// Within this many °C of a zone's critical trip point: the critical stage knobs.
    pub critical_margin_c: f32,
    /// A state is left only this many °C below where it was entered.
    pub hysteresis_c: f32,
    /// First trip point assumed for a zone that lists none.
    pub default_trip_c: f32,
    /// Zone types never used for decisions (`PMIC-Die` always reads 100 °C).
    pub ignored_zones: Vec<String>,
    /// Minutes without speech before the saver profile; 0 is off.
    pub idle_minutes: u32,
    /// Seconds before a failed nvpmodel switch is tried again.
    pub nvpmodel_retry_s: u64,
    /// nvpmodel mode names for `performance`, the first one the device lists wins.
    pub performance_modes: Vec<String>,
    /// nvpmodel mode names for `balanced`.
    pub balanced_modes: Vec<String>,
    /// nvpmodel mode names for `saver`.
    pub saver_modes: Vec<String>,
    /// INA3221 rail labels that measure the board's input, the first one present wins.
    pub input_rails: Vec<String>,
    /// Usable energy of the battery pack in Wh; 0: mains power, no estimate.
    pub battery_capacity_wh: f32,
    /// Alert (and the saver profile) below this percentage of the pack.
    pub battery_alert_percent: f32,
    /// Input power assumed for the saver profile until it has been measured, in W.
    pub saver_power_w: f32,
    /// Seconds over which the input power is averaged for the estimate.
    pub power_average_s: f32,
}

impl Default for WatchdogConfig {
    fn default() -> Self {
        let names = |list: &[&str]| list.iter().map(|name| (*name).to_owned()).collect();
        WatchdogConfig {
            enabled: true,
            sysfs_root: PathBuf::from("/"),
            nvpmodel_path: PathBuf::from("/usr/sbin/nvpmodel"),
            poll_interval_ms: 1_000,
            start_profile: "performance".to_owned(),
            min_dwell_s: 60,
            warm_margin_c: 15.0,
            hot_margin_c: 5.0,
            critical_margin_c: 5.0,
            hysteresis_c: 5.0,
            default_trip_c: 85.0,
            ignored_zones: names(&["PMIC-Die"]),
            idle_minutes: 10,
            nvpmodel_retry_s: 30,
            performance_modes: names(&["MODE_15W_6CORE", "MAXN"]),
            balanced_modes: names(&["MODE_10W_4CORE", "5W"]),
            saver_modes: names(&["MODE_10W_2CORE", "5W"]),
            input_rails: names(&["VDD_IN", "POM_5V_IN"]),
            battery_capacity_wh: 0.0,
            battery_alert_percent: 20.0,
            saver_power_w: 6.0,
            power_average_s: 60.0,
        }
    }
}

impl WatchdogConfig {
    /// Checks every `[watchdog]` value; errors name the key.
    pub fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        for (key, path) in [
            ("watchdog.sysfs_root", &self.sysfs_root),
            ("watchdog.nvpmodel_path", &self.nvpmodel_path),
        ] {
            if !path.is_absolute() {
                return Err(ConfigError::Invalid {
                    path: origin.to_owned(),
                    key,
                    value: format!("{:?}", path.display().to_string()),
                    expected: "give an absolute path".to_owned(),
                });
            }
        }
        check(
            origin,
            "watchdog.poll_interval_ms",
            self.poll_interval_ms,
            WATCHDOG_POLL_INTERVAL_MS_MIN,
            WATCHDOG_POLL_INTERVAL_MS_MAX,
            " ms",
        )?;
        if !["performance", "balanced", "saver"].contains(&self.start_profile.as_str()) {
            return Err(ConfigError::Invalid {
                path: origin.to_owned(),
                key: "watchdog.start_profile",
                value: format!("{:?}", self.start_profile),
                expected: "use one of \"performance\", \"balanced\", \"saver\"".to_owned(),
            });
        }
        check(
            origin,
            "watchdog.min_dwell_s",
            self.min_dwell_s,
            1,
            3_600,
            " s",
        )?;
        check(
            origin,
            "watchdog.warm_margin_c",
            self.warm_margin_c,
            0.0,
            60.0,
            " °C",
        )?;
        check(
            origin,
            "watchdog.hot_margin_c",
            self.hot_margin_c,
            0.0,
            self.warm_margin_c,
            " °C (at most watchdog.warm_margin_c)",
        )?;
        check(
            origin,
            "watchdog.critical_margin_c",
            self.critical_margin_c,
            0.0,
            60.0,
            " °C",
        )?;
        check(
            origin,
            "watchdog.hysteresis_c",
            self.hysteresis_c,
            0.5,
            20.0,
            " °C",
        )?;
        check(
            origin,
            "watchdog.default_trip_c",
            self.default_trip_c,
            40.0,
            120.0,
            " °C",
        )?;
        check(
            origin,
            "watchdog.idle_minutes",
            self.idle_minutes,
            0,
            24 * 60,
            " min",
        )?;
        check(
            origin,
            "watchdog.nvpmodel_retry_s",
            self.nvpmodel_retry_s,
            1,
            3_600,
            " s",
        )?;
        for (key, list) in [
            ("watchdog.performance_modes", &self.performance_modes),
            ("watchdog.balanced_modes", &self.balanced_modes),
            ("watchdog.saver_modes", &self.saver_modes),
            ("watchdog.input_rails", &self.input_rails),
            ("watchdog.ignored_zones", &self.ignored_zones),
        ] {
            let empty_ok = key == "watchdog.ignored_zones";
            let bad = list.iter().find(|name| {
                name.is_empty()
                    || name.len() > NVPMODEL_MODE_NAME_BYTES_MAX
                    || name.chars().any(|c| c.is_whitespace() || c.is_control())
            });
            if (list.is_empty() && !empty_ok) || bad.is_some() {
                return Err(ConfigError::Invalid {
                    path: origin.to_owned(),
                    key,
                    value: format!("{list:?}"),
                    expected: format!(
                        "list one or more names of 1 to {NVPMODEL_MODE_NAME_BYTES_MAX} bytes \
                         without spaces, as `nvpmodel -p --verbose` or the sysfs labels print them"
                    ),
                });
            }
        }
        check(
            origin,
            "watchdog.battery_capacity_wh",
            self.battery_capacity_wh,
            0.0,
            10_000.0,
            " Wh (0: mains power)",
        )?;
        check(
            origin,
            "watchdog.battery_alert_percent",
            self.battery_alert_percent,
            0.0,
            100.0,
            " %",
        )?;
        check(
            origin,
            "watchdog.saver_power_w",
            self.saver_power_w,
            0.5,
            100.0,
            " W",
        )?;
        check(
            origin,
            "watchdog.power_average_s",
            self.power_average_s,
            1.0,
            3_600.0,
            " s",
        )?;
        Ok(())
    }
}

/// `[asr]`
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AsrSection {
    /// Whisper model folder relative to the models folder.
    pub model: PathBuf,
    /// Threads sharing the large matrix products.
    pub threads: usize,
    /// `full` (Whisper's 30 s window) or `segment` (the segment's own length).
    pub encoder_window: String,
    /// Beam width; 1 is greedy.
    pub beam_width: usize,
    /// Decode Whisper's timestamp tokens.
    pub timestamps: bool,
    /// `half` (as the model stores them) or `int8` decoder weights.
    pub decoder_weights: String,
    /// Text that conditions decoding (faster-whisper's `initial_prompt`); empty is off.
    pub initial_prompt: String,
    /// Shallow-fusion weight of the domain language model (0 = off).
    pub lm_weight: f32,
    /// Per-token length bonus under fusion.
    pub lm_length_bonus: f32,
    /// Per-token bonus along a clinical term of the trie (0 = off).
    pub term_bonus: f32,
    /// A language-model file; empty: built from the lexicon at load when fusion is on.
    pub lm_file: PathBuf,
}

impl Default for AsrSection {
    fn default() -> Self {
        AsrSection {
            model: PathBuf::from("whisper-tiny.en"),
            threads: 2,
            encoder_window: "cached".to_owned(),
            beam_width: 1,
            timestamps: false,
            decoder_weights: "half".to_owned(),
            initial_prompt: String::new(),
            lm_weight: 0.0,
            lm_length_bonus: 0.2,
            term_bonus: 0.0,
            lm_file: PathBuf::new(),
        }
    }
}

/// `[models]`
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ModelsConfig {
    /// The models folder, when not found automatically.
    pub dir: Option<PathBuf>,
}

/// `[audio]`
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AudioConfig {
    /// ALSA device name.
    pub device: String,
    /// Requested capture rate.
    pub rate_hz: u32,
    /// Requested channel count.
    pub channels: usize,
    /// ALSA period size.
    pub period_frames: usize,
    /// ALSA device tried after `device` when a lost capture device is reopened; empty: none.
    pub fallback_device: String,
}

/// `[vad]`
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct VadConfig {
    /// Weights file relative to the models folder.
    pub weights: PathBuf,
    /// Speech start threshold.
    pub threshold: f32,
    /// Hysteresis below the threshold.
    pub negative_threshold_offset: f32,
    /// Minimum speech length.
    pub min_speech_ms: u32,
    /// Silence needed to end an utterance.
    pub min_silence_ms: u32,
    /// Shorter silence that ends an utterance once this long a run of its frames is below
    /// `confident_probability` (0: off).
    pub confident_silence_ms: u32,
    /// Speech probability below which silence is certain.
    pub confident_probability: f32,
    /// Live input: transcribe an utterance at each pause, ahead of the endpoint decision.
    pub transcribe_at_pauses: bool,
    /// Padding before and after speech.
    pub speech_pad_ms: u32,
    /// Longest segment.
    pub max_segment_s: f32,
}

/// `[threads]`
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ThreadsConfig {
    /// Capture core, -1 for none.
    pub capture_core: i32,
    /// Capture SCHED_FIFO priority, 0 for none.
    pub capture_priority: i32,
    /// Frontend core, -1 for none.
    pub frontend_core: i32,
    /// Frontend SCHED_FIFO priority, 0 for none.
    pub frontend_priority: i32,
    /// Whether to `mlockall`.
    pub lock_memory: bool,
}

impl Default for AudioConfig {
    fn default() -> Self {
        AudioConfig {
            device: "default".to_owned(),
            rate_hz: 48_000,
            channels: 1,
            period_frames: 1024,
            fallback_device: String::new(),
        }
    }
}

impl Default for VadConfig {
    fn default() -> Self {
        VadConfig {
            weights: PathBuf::from("silero-vad/silero_vad_16k_op15.onnx"),
            threshold: 0.5,
            negative_threshold_offset: 0.15,
            min_speech_ms: 250,
            min_silence_ms: 600,
            confident_silence_ms: CONFIDENT_SILENCE_MS_DEFAULT,
            confident_probability: CONFIDENT_PROBABILITY_DEFAULT,
            transcribe_at_pauses: true,
            speech_pad_ms: 200,
            max_segment_s: 20.0,
        }
    }
}

impl Default for ThreadsConfig {
    fn default() -> Self {
        ThreadsConfig {
            capture_core: -1,
            capture_priority: 80,
            frontend_core: -1,
            frontend_priority: 70,
            lock_memory: true,
        }
    }
}

impl ThreadsConfig {
    fn core(value: i32) -> Option<usize> {
        usize::try_from(value).ok()
    }

    fn priority(value: i32) -> Option<i32> {
        (value > 0).then_some(value)
    }

    /// Capture thread core, if pinned.
    pub fn capture_core(&self) -> Option<usize> {
        Self::core(self.capture_core)
    }

    /// Frontend thread core, if pinned.
    pub fn frontend_core(&self) -> Option<usize> {
        Self::core(self.frontend_core)
    }

    /// Capture SCHED_FIFO priority, if requested.
    pub fn capture_priority(&self) -> Option<i32> {
        Self::priority(self.capture_priority)
    }

    /// Frontend SCHED_FIFO priority, if requested.
    pub fn frontend_priority(&self) -> Option<i32> {
        Self::priority(self.frontend_priority)
    }
}

fn check<T: PartialOrd + std::fmt::Display>(
    path: &str,
    key: &'static str,
    value: T,
    low: T,
    high: T,
    unit: &str,
) -> Result<(), ConfigError> {
    if value >= low && value <= high {
        return Ok(());
    }
    Err(ConfigError::Invalid {
        path: path.to_owned(),
        key,
        value: value.to_string(),
        expected: format!("use {low} to {high}{unit}"),
    })
}

impl Config {
    /// Parses and validates configuration text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: origin.to_owned(),
            message: error.to_string().trim_end().replace('\n', " "),
        })?;
        config.validate(origin)?;
        Ok(config)
    }

    /// Reads, parses and validates a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let metadata = std::fs::metadata(path).map_err(|error| ConfigError::Read {
            path: path.to_owned(),
            error,
        })?;
        if metadata.len() > CONFIG_FILE_BYTES_MAX as u64 {
            return Err(ConfigError::TooLarge {
                path: path.to_owned(),
                bytes: metadata.len(),
            });
        }
        // Bounded again while reading: a FIFO or device reports no length.
        let text =
            crate::files::read_text_bounded(path, CONFIG_FILE_BYTES_MAX).map_err(|error| {
                ConfigError::Read {
                    path: path.to_owned(),
                    error,
                }
            })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Checks every value against its range.
    pub fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        self.watchdog.validate(origin)?;
        check(
            origin,
            "extract.heard_confidence_min",
            self.extract.heard_confidence_min,
            0.0,
            1.0,
            "",
        )?;
        self.console.validate(origin)?;
        let audio = &self.audio;
        check(
            origin,
            "audio.rate_hz",
            audio.rate_hz,
            INPUT_RATE_MIN_HZ,
            INPUT_RATE_MAX_HZ,
            " Hz",
        )?;
        check(
            origin,
            "audio.channels",
            audio.channels,
            1,
            INPUT_CHANNELS_MAX,
            "",
        )?;
        check(
            origin,
            "audio.period_frames",
            audio.period_frames,
            64,
            CAPTURE_CHUNK_FRAMES_MAX,
            " frames",
        )?;
        if audio.device.trim().is_empty() || audio.device.chars().any(char::is_control) {
            // alsa-lib takes the name as a C string: a NUL or another control character
            // cannot be part of a device name.
            return Err(ConfigError::Invalid {
                path: origin.to_owned(),
                key: "audio.device",
                value: format!("{:?}", audio.device),
                expected: "name an ALSA device without control characters, e.g. \"default\" \
                           (see `arecord -L`)"
                    .to_owned(),
            });
        }
        if audio.fallback_device.chars().any(char::is_control) {
            return Err(ConfigError::Invalid {
                path: origin.to_owned(),
                key: "audio.fallback_device",
                value: format!("{:?}", audio.fallback_device),
                expected: "name an ALSA device without control characters, e.g. \
                           \"plughw:CARD=Headset\", or leave it empty for none"
                    .to_owned(),
            });
        }
        let vad = &self.vad;
        check(origin, "vad.threshold", vad.threshold, 0.05, 0.95, "")?;
        check(
            origin,
            "vad.negative_threshold_offset",
            vad.negative_threshold_offset,
            0.0,
            0.5,
            "",
        )?;
        if vad.threshold - vad.negative_threshold_offset < 0.01 {
            return Err(ConfigError::Invalid {
                path: origin.to_owned(),
                key: "vad.negative_threshold_offset",
                value: vad.negative_threshold_offset.to_string(),
                expected: "keep threshold minus offset above 0.01, or speech never ends".to_owned(),
            });
        }
        check(
            origin,
            "vad.min_speech_ms",
            vad.min_speech_ms,
            0,
            5_000,
            " ms",
        )?;
        let frame_ms = (VAD_FRAME_SAMPLES * 1000 / PIPELINE_RATE_HZ as usize) as u32;
        check(
            origin,
            "vad.min_silence_ms",
            vad.min_silence_ms,
            frame_ms,
            5_000,
            " ms",
        )?;
        let pad_max_ms = ((PRE_ROLL_SAMPLES_MAX - 2 * VAD_FRAME_SAMPLES) * 1000
            / PIPELINE_RATE_HZ as usize) as u32;
        check(
            origin,
            "vad.speech_pad_ms",
            vad.speech_pad_ms,
            0,
            pad_max_ms.min(900),
            " ms",
        )?;
        if vad.speech_pad_ms >= vad.min_silence_ms {
            return Err(ConfigError::Invalid {
                path: origin.to_owned(),
                key: "vad.speech_pad_ms",
                value: vad.speech_pad_ms.to_string(),
                expected: format!(
                    "keep it below vad.min_silence_ms ({}), or the padding after one utterance \
                     would run into the next",
                    vad.min_silence_ms
                ),
            });
        }
        if vad.confident_silence_ms != 0
            && !(vad.speech_pad_ms < vad.confident_silence_ms
                && vad.confident_silence_ms <= vad.min_silence_ms)
        {
            return Err(ConfigError::Invalid {
                path: origin.to_owned(),
                key: "vad.confident_silence_ms",
                value: vad.confident_silence_ms.to_string(),
                expected: format!(
                    "use 0 (off) or more than vad.speech_pad_ms ({}) and at most \
                     vad.min_silence_ms ({}) ms",
                    vad.speech_pad_ms, vad.min_silence_ms
                ),
            });
        }
        check(
            origin,
            "vad.confident_probability",
            vad.confident_probability,
            0.0,
            vad.threshold - vad.negative_threshold_offset,
            " (at most threshold minus negative_threshold_offset)",
        )?;
        let max_segment_s = SEGMENT_SAMPLES_MAX as f32 / PIPELINE_RATE_HZ as f32;
        check(
            origin,
            "vad.max_segment_s",
            vad.max_segment_s,
            1.0,
            max_segment_s,
            " s",
        )?;
        let prompt = &self.asr.initial_prompt;
        if prompt.len() > ASR_PROMPT_TEXT_BYTES_MAX
            || prompt
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(ConfigError::Invalid {
                path: origin.to_owned(),
                key: "asr.initial_prompt",
                value: format!("({} bytes)", prompt.len()),
                expected: format!(
                    "write at most {ASR_PROMPT_TEXT_BYTES_MAX} bytes of plain text (no control \
                     characters), e.g. the vocabulary the medics use; \"\" turns it off"
                ),
            });
        }
        for (key, value) in [
            ("threads.capture_priority", self.threads.capture_priority),
            ("threads.frontend_priority", self.threads.frontend_priority),
        ] {
            check(origin, key, value, 0, 99, "")?;
        }
        for (key, value) in [
            ("threads.capture_core", self.threads.capture_core),
            ("threads.frontend_core", self.threads.frontend_core),
        ] {
            check(origin, key, value, -1, 1023, "")?;
        }
        let asr = &self.asr;
        check(origin, "asr.threads", asr.threads, 1, ASR_THREADS_MAX, "")?;
        for (key, value, max) in [
            ("asr.lm_weight", asr.lm_weight, 2.0f32),
            ("asr.lm_length_bonus", asr.lm_length_bonus, 5.0),
            ("asr.term_bonus", asr.term_bonus, 5.0),
        ] {
            if !(0.0..=max).contains(&value) {
                return Err(ConfigError::Invalid {
                    path: origin.to_owned(),
                    key,
                    value: format!("{value}"),
                    expected: format!("a number from 0 (off) to {max}"),
                });
            }
        }
        check(
            origin,
            "asr.beam_width",
            asr.beam_width,
            1,
            ASR_BEAM_WIDTH_MAX,
            " (1 is greedy)",
        )?;
        for (key, value, allowed) in [
            (
                "asr.encoder_window",
                &asr.encoder_window,
                &["cached", "segment", "full"][..],
            ),
            (
                "asr.decoder_weights",
                &asr.decoder_weights,
                &["half", "int8"][..],
            ),
        ] {
            if !allowed.contains(&value.as_str()) {
                let quoted: Vec<String> =
                    allowed.iter().map(|name| format!("\"{name}\"")).collect();
                return Err(ConfigError::Invalid {
                    path: origin.to_owned(),
                    key,
                    value: format!("{value:?}"),
                    expected: format!("use one of {}", quoted.join(", ")),
                });
            }
        }
        Ok(())
    }

    /// The models folder: `models.dir`, else $TCCC_MODELS_DIR, else ./models, else the
    /// source tree's models/ (where `models/fetch` puts them during development and CI).
    pub fn models_dir(&self) -> Result<PathBuf, ConfigError> {
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(dir) = &self.models.dir {
            candidates.push(dir.clone());
        } else {
            if let Some(dir) = std::env::var_os("TCCC_MODELS_DIR") {
                candidates.push(PathBuf::from(dir));
            }
            candidates.push(PathBuf::from("models"));
            candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
        }
        candidates
            .iter()
            .find(|dir| dir.join(&self.vad.weights).is_file())
            .cloned()
            .ok_or_else(|| ConfigError::NoModels {
                looked: candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The domain language-model file `asr.lm_file`; `None` (empty): the model is built
    /// from the lexicon at load when fusion is on.
    pub fn asr_lm_file(&self) -> Option<PathBuf> {
        Some(self.asr.lm_file.clone()).filter(|path| !path.as_os_str().is_empty())
    }

    /// The language model's GGUF file (`llm.model` in the models folder).
    pub fn llm_model_file(&self) -> Result<PathBuf, ConfigError> {
        Ok(self.models_dir()?.join(&self.llm.model))
    }

    /// The Whisper model folder.
    pub fn asr_model_dir(&self) -> Result<PathBuf, ConfigError> {
        Ok(self.models_dir()?.join(&self.asr.model))
    }

    /// The recogniser's settings from `[asr]`.
    pub fn asr_config(&self) -> crate::asr::AsrConfig {
        crate::asr::AsrConfig {
            threads: self.asr.threads,
            beam_width: self.asr.beam_width,
            timestamps: self.asr.timestamps,
            decoder_weights: if self.asr.decoder_weights == "int8" {
                crate::asr::DecoderWeights::Int8
            } else {
                crate::asr::DecoderWeights::AsLoaded
            },
            encoder_window: match self.asr.encoder_window.as_str() {
                "segment" => crate::asr::EncoderWindow::Segment,
                "full" => crate::asr::EncoderWindow::Full,
                _ => crate::asr::EncoderWindow::CachedPadding,
            },
            initial_prompt: Some(self.asr.initial_prompt.trim())
                .filter(|text| !text.is_empty())
                .map(str::to_owned),
            lm_weight: self.asr.lm_weight,
            lm_length_bonus: self.asr.lm_length_bonus,
            term_bonus: self.asr.term_bonus,
            lm_file: self.asr_lm_file(),
            ..crate::asr::AsrConfig::default()
        }
    }

    /// The VAD weights file.
    pub fn vad_weights_path(&self) -> Result<PathBuf, ConfigError> {
        Ok(self.models_dir()?.join(&self.vad.weights))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_defaults_are_the_built_in_defaults() {
        let parsed = Config::from_toml(DEFAULT_CONFIG_TOML, "default.toml").unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn an_empty_file_is_the_default() {
        assert_eq!(Config::from_toml("", "empty").unwrap(), Config::default());
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            ("[vad]\nthreshold = 1.5\n", "vad.threshold"),
            ("[vad]\nthresold = 0.5\n", "thresold"),
            ("[audio]\nrate_hz = \"fast\"\n", "rate_hz"),
            ("[audio]\nchannels = 0\n", "audio.channels"),
            ("[audio]\ndevice = \" \"\n", "audio.device"),
            ("[audio]\ndevice = \"hw:0\\u0000\"\n", "audio.device"),
            ("[audio]\ndevice = \"hw:0\\n1\"\n", "audio.device"),
            (
                "[audio]\nfallback_device = \"hw:1\\u0007\"\n",
                "audio.fallback_device",
            ),
            ("[console]\nbaud = 12345\n", "console.baud"),
            ("[console]\nparity = \"mark\"\n", "console.parity"),
            (
                "[vad]\nspeech_pad_ms = 700\nmin_silence_ms = 600\n",
                "vad.speech_pad_ms",
            ),
            (
                "[vad]\nconfident_silence_ms = 150\n",
                "vad.confident_silence_ms",
            ),
            (
                "[vad]\nconfident_silence_ms = 700\n",
                "vad.confident_silence_ms",
            ),
            (
                "[vad]\nconfident_probability = 0.4\n",
                "vad.confident_probability",
            ),
            ("[vad]\nmax_segment_s = 31\n", "vad.max_segment_s"),
            (
                "[asr]\ninitial_prompt = \"a\\u0000b\"\n",
                "asr.initial_prompt",
            ),
            (
                "[threads]\ncapture_priority = 120\n",
                "threads.capture_priority",
            ),
            ("[asr]\nbeam_width = 0\n", "asr.beam_width"),
            ("[asr]\nthreads = 64\n", "asr.threads"),
            ("[asr]\nencoder_window = \"30s\"\n", "asr.encoder_window"),
            ("[asr]\ndecoder_weights = \"int4\"\n", "asr.decoder_weights"),
            ("[nonsense]\n", "nonsense"),
            (
                "[watchdog]\npoll_interval_ms = 5\n",
                "watchdog.poll_interval_ms",
            ),
            (
                "[watchdog]\nstart_profile = \"max\"\n",
                "watchdog.start_profile",
            ),
            (
                "[watchdog]\nwarm_margin_c = 4.0\nhot_margin_c = 5.0\n",
                "watchdog.hot_margin_c",
            ),
            ("[watchdog]\nsaver_modes = []\n", "watchdog.saver_modes"),
            (
                "[watchdog]\nnvpmodel_path = \"nvpmodel\"\n",
                "watchdog.nvpmodel_path",
            ),
            ("[watchdog]\nsysfs_root = \"\"\n", "watchdog.sysfs_root"),
            (
                "[watchdog]\ninput_rails = [\"VDD IN\"]\n",
                "watchdog.input_rails",
            ),
            (
                "[watchdog]\nbattery_alert_percent = 120\n",
                "watchdog.battery_alert_percent",
            ),
            ("this is not toml", "configuration"),
        ];
        for (text, key) in cases {
            let error = Config::from_toml(text, "test.toml")
                .unwrap_err()
                .to_string();
            assert!(
                error.contains(key),
                "error for {text:?} does not name `{key}`: {error}"
            );
        }
    }
}
