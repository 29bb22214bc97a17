//! Test helpers: narration made with espeak-ng, background noise, rate conversion with sox,
//! and running the real front end over a file.
#![allow(dead_code, clippy::unwrap_used, clippy::excessive_precision)]

use std::path::{Path, PathBuf};
use std::process::Command;

use tccc::audio::source::WavSource;
use tccc::audio::wav::{read_wav_mono, write_wav_mono_i16};
use tccc::config::Config;
use tccc::frontend::pipeline::{FrontendPipeline, Pacing};

pub const ESPEAK_RATE_HZ: u32 = 22_050;

/// A fresh scratch folder under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn require_tool(tool: &str) {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(ok, "`{tool}` is needed by this test; install it (`apt-get install -y espeak-ng sox`) or run scripts/test, which does");
}

/// Speaks `text` with espeak-ng; returns mono samples at 22.05 kHz.
pub fn speak(text: &str, voice: &str, words_per_minute: u32, dir: &Path) -> Vec<f32> {
    let path = dir.join("utterance.wav");
    let status = Command::new("espeak-ng")
        .args(["-v", voice, "-s", &words_per_minute.to_string(), "-w"])
        .arg(&path)
        .arg(text)
        .status()
        .unwrap();
    assert!(status.success(), "espeak-ng failed for {text:?}");
    let (samples, format) = read_wav_mono(&path).unwrap();
    assert_eq!(format.sample_rate_hz, ESPEAK_RATE_HZ);
    samples
}

/// First and last sample of audible speech: 10 ms windows within 45 dB of the loudest.
pub fn speech_extent(samples: &[f32]) -> (usize, usize) {
    let window = ESPEAK_RATE_HZ as usize / 100;
    let energies: Vec<f32> = samples
        .chunks(window)
        .map(|w| w.iter().map(|x| x * x).sum::<f32>() / w.len() as f32)
        .collect();
    let peak = energies.iter().cloned().fold(0.0, f32::max);
    let floor = peak * 10f32.powf(-4.5);
    let first = energies.iter().position(|&e| e > floor).unwrap_or(0);
    let last = energies.iter().rposition(|&e| e > floor).unwrap_or(0);
    (first * window, ((last + 1) * window).min(samples.len()))
}

/// A narration: utterances separated by pauses, with where the speech truly is.
pub struct Narration {
    pub samples: Vec<f32>,
    /// (start, end) of each utterance's audible speech, in seconds.
    pub utterances: Vec<(f64, f64)>,
}

/// Deterministic pseudo-random numbers (xorshift64*).
pub struct Random(u64);

impl Random {
    pub fn new(seed: u64) -> Self {
        Random(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Roughly normal (sum of uniforms), mean 0, deviation 1.
    pub fn normal(&mut self) -> f32 {
        ((0..12).map(|_| self.unit()).sum::<f64>() - 6.0) as f32
    }
}

/// Speaks each line and joins them with pauses drawn from `gap_s`.
pub fn narrate(
    lines: &[&str],
    voice: &str,
    words_per_minute: u32,
    gap_s: (f64, f64),
    seed: u64,
    dir: &Path,
) -> Narration {
    let rate = f64::from(ESPEAK_RATE_HZ);
    let mut random = Random::new(seed);
    let mut samples = vec![0.0f32; (rate * 1.0) as usize];
    let mut utterances = Vec::new();
    for line in lines {
        let speech = speak(line, voice, words_per_minute, dir);
        let (first, last) = speech_extent(&speech);
        let trimmed = &speech[first..last];
        let start = samples.len();
        samples.extend_from_slice(trimmed);
        utterances.push((start as f64 / rate, samples.len() as f64 / rate));
        let gap = gap_s.0 + (gap_s.1 - gap_s.0) * random.unit();
        samples.extend(std::iter::repeat_n(0.0, (gap * rate) as usize));
    }
    Narration {
        samples,
        utterances,
    }
}

/// Kinds of background noise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Noise {
    White,
    Pink,
    Brown,
}

/// `count` samples of noise with unit RMS.
pub fn noise(kind: Noise, count: usize, seed: u64) -> Vec<f32> {
    let mut random = Random::new(seed);
    let mut out = Vec::with_capacity(count);
    let (mut b0, mut b1, mut b2, mut b3, mut b4, mut b5, mut b6) =
        (0f32, 0f32, 0f32, 0f32, 0f32, 0f32, 0f32);
    let mut brown = 0f32;
    for _ in 0..count {
        let white = random.normal();
        let value = match kind {
            Noise::White => white,
            Noise::Pink => {
                // Paul Kellet's refined pink filter.
                b0 = 0.99886 * b0 + white * 0.0555179;
                b1 = 0.99332 * b1 + white * 0.0750759;
                b2 = 0.96900 * b2 + white * 0.1538520;
                b3 = 0.86650 * b3 + white * 0.3104856;
                b4 = 0.55000 * b4 + white * 0.5329522;
                b5 = -0.7616 * b5 - white * 0.0168980;
                let pink = b0 + b1 + b2 + b3 + b4 + b5 + b6 + white * 0.5362;
                b6 = white * 0.115926;
                pink
            }
            Noise::Brown => {
                brown = 0.998 * brown + white * 0.05;
                brown
            }
        };
        out.push(value);
    }
    let rms = (out
        .iter()
        .map(|x| f64::from(*x) * f64::from(*x))
        .sum::<f64>()
        / count.max(1) as f64)
        .sqrt() as f32;
    for value in &mut out {
        *value /= rms.max(1e-12);
    }
    out
}

/// RMS of the speech parts of a narration.
pub fn speech_rms(narration: &Narration) -> f32 {
    let rate = f64::from(ESPEAK_RATE_HZ);
    let (mut sum, mut count) = (0f64, 0usize);
    for &(start, end) in &narration.utterances {
        for &x in &narration.samples[(start * rate) as usize..(end * rate) as usize] {
            sum += f64::from(x) * f64::from(x);
            count += 1;
        }
    }
    (sum / count.max(1) as f64).sqrt() as f32
}

/// The narration with noise added at `snr_db` below the speech level.
pub fn with_noise(narration: &Narration, kind: Noise, snr_db: f32, seed: u64) -> Vec<f32> {
    let level = speech_rms(narration) / 10f32.powf(snr_db / 20.0);
    let noise = noise(kind, narration.samples.len(), seed);
    narration
        .samples
        .iter()
        .zip(noise)
        .map(|(s, n)| (s + n * level).clamp(-1.0, 1.0))
        .collect()
}

/// Writes `samples` (22.05 kHz) to `dir/name.wav` at `rate_hz`, converting with sox.
pub fn write_at_rate(samples: &[f32], rate_hz: u32, dir: &Path, name: &str) -> PathBuf {
    let source = dir.join(format!("{name}-22050.wav"));
    write_wav_mono_i16(&source, samples, ESPEAK_RATE_HZ).unwrap();
    if rate_hz == ESPEAK_RATE_HZ {
        return source;
    }
    let target = dir.join(format!("{name}-{rate_hz}.wav"));
    let status = Command::new("sox")
        .arg(&source)
        .args(["-r", &rate_hz.to_string()])
        .arg(&target)
        .status()
        .unwrap();
    assert!(status.success(), "sox failed");
    target
}

/// (start_s, end_s, max_prob) of every segment the front end finds in a WAV file.
pub fn segments_of(path: &Path, config: &Config) -> Vec<(f64, f64, f32)> {
    let source = WavSource::open(path).unwrap();
    let mut pipeline =
        FrontendPipeline::start(Box::new(source), config, Pacing::AsFastAsPossible).unwrap();
    let mut out = Vec::new();
    while let Some(segment) = pipeline.next_segment() {
        out.push((
            segment.start_s(),
            segment.end_s(),
            segment.max_probability(),
        ));
        pipeline.release(segment);
    }
    pipeline.join().unwrap();
    out
}

/// Ten lines of medic narration per scenario, as a medic would speak them.
pub const NARRATIONS: [[&str; 10]; 4] = [
    [
        "Casualty one, male, gunshot wound to the left thigh.",
        "Heavy arterial bleeding, applying a CAT tourniquet high and tight.",
        "Tourniquet on at fourteen thirty two.",
        "Bleeding controlled, distal pulse absent.",
        "Airway is patent, he is talking to me.",
        "Respirations twenty, no chest wounds found.",
        "Pulse one twenty, radial pulse weak.",
        "Giving TXA one gram IV at fourteen forty.",
        "Pain seven out of ten, ketamine fifty milligrams IM.",
        "Hypothermia prevention on, urgent surgical.",
    ],
    [
        "Casualty two, IED blast, right leg amputation below the knee.",
        "Second tourniquet on the right leg at zero nine fifteen.",
        "Junctional bleeding left groin, packing with combat gauze.",
        "Pressure dressing applied over the gauze.",
        "Responds to voice only.",
        "Blood pressure ninety over sixty, pulse one thirty.",
        "Oxygen saturation ninety one percent on room air.",
        "Starting whole blood through the humeral I O.",
        "Calcium one gram IV after the first unit.",
        "Evac category urgent, requesting nine line.",
    ],
    [
        "Moving to casualty three, female, fall from height.",
        "Possible pelvic fracture, pelvic binder applied.",
        "Penetrating wound right chest, chest seal on.",
        "Breathing is laboured, decompressing with a needle on the right.",
        "Respirations twenty eight after decompression.",
        "No known drug allergies.",
        "Fentanyl eight hundred micrograms lozenge at ten oh six.",
        "Pulse ox ninety six, heart rate one ten.",
        "Splinting the left forearm.",
        "Priority evac, ready for litter.",
    ],
    [
        "Back to casualty one, reassessing the tourniquet.",
        "Tourniquet still effective, no bleeding.",
        "Correction, heart rate is ninety eight.",
        "Blood pressure one ten over seventy.",
        "He is alert and oriented.",
        "Moxifloxacin four hundred milligrams by mouth.",
        "Eye shield on the left eye.",
        "Pain now three out of ten.",
        "Wound check at fifteen twenty, dressing dry.",
        "Handing over to the flight medic.",
    ],
];

/// Voice and speed for each narration.
pub const VOICES: [(&str, u32); 4] = [
    ("en-us", 165),
    ("en-gb", 150),
    ("en-us+f3", 180),
    ("en+m3", 140),
];

/// Runs the `tccc` binary with `args` and asserts that it succeeds (its stderr in the
/// failure message).
pub fn tccc_ok(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tccc {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A fresh scratch folder `name` holding a state directory with a journal key and
/// `narration` (one utterance per line) journaled by `tccc process --transcript --state`;
/// returns the folder and the state directory.
pub fn journaled_narration(name: &str, narration: &str) -> (PathBuf, PathBuf) {
    let dir = scratch(name);
    let state = dir.join("state");
    let transcript = dir.join("n.txt");
    std::fs::write(&transcript, narration).unwrap();
    tccc_ok(&["keygen".as_ref(), "--state".as_ref(), state.as_os_str()]);
    tccc_ok(&[
        "process".as_ref(),
        "--transcript".as_ref(),
        transcript.as_os_str(),
        "--state".as_ref(),
        state.as_os_str(),
    ]);
    (dir, state)
}
