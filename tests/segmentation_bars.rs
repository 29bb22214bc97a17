//! The segmentation bars of the audio front-end issue, on narrated medic audio made with
//! espeak-ng (four voices and speeds, ten utterances each, pauses of 1.0–2.5 s):
//! - for ≥ 95 % of utterances one segment starts within 0.3 s before the speech and ends
//!   within 0.5 s after it, no utterance is split, no two are merged;
//! - the same with brown and pink noise at 10 dB SNR;
//! - at 16, 22.05 and 48 kHz input;
//! - no segment at all in 60 s of white, pink or brown noise alone at −25 dBFS.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use tccc::config::Config;

/// How far a segment may start inside the speech or end before it: the speech edges are
/// measured with a −45 dB energy gate, so the faintest breath of a fricative may sit just
/// outside them.
const EDGE_TOLERANCE_S: f64 = 0.05;

#[derive(Default)]
struct Tally {
    utterances: usize,
    good: usize,
    split: usize,
    merged: usize,
    failures: Vec<String>,
}

fn score(utterances: &[(f64, f64)], segments: &[(f64, f64, f32)], tally: &mut Tally, label: &str) {
    for (index, &(start, end)) in utterances.iter().enumerate() {
        tally.utterances += 1;
        let overlapping: Vec<_> = segments
            .iter()
            .filter(|s| s.0 < end && s.1 > start)
            .collect();
        if overlapping.len() > 1 {
            tally.split += 1;
            tally.failures.push(format!(
                "{label} #{index}: split into {} segments",
                overlapping.len()
            ));
            continue;
        }
        let Some(segment) = overlapping.first() else {
            tally
                .failures
                .push(format!("{label} #{index}: missed ({start:.2}–{end:.2})"));
            continue;
        };
        let merged = utterances
            .iter()
            .enumerate()
            .any(|(other, &(s, e))| other != index && segment.0 < e && segment.1 > s);
        if merged {
            tally.merged += 1;
            tally
                .failures
                .push(format!("{label} #{index}: merged with a neighbour"));
            continue;
        }
        let starts_well = segment.0 >= start - 0.3 && segment.0 <= start + EDGE_TOLERANCE_S;
        let ends_well = segment.1 <= end + 0.5 && segment.1 >= end - EDGE_TOLERANCE_S;
        if starts_well && ends_well {
            tally.good += 1;
        } else {
            tally.failures.push(format!(
                "{label} #{index}: speech {start:.2}–{end:.2}, segment {:.2}–{:.2}",
                segment.0, segment.1
            ));
        }
    }
}

fn run_condition(noise: Option<Noise>, rates: &[u32]) -> Tally {
    require_tool("espeak-ng");
    require_tool("sox");
    let label = match noise {
        None => "clean".to_owned(),
        Some(kind) => format!("{kind:?}").to_lowercase(),
    };
    let dir = scratch(&format!("segmentation-{label}"));
    let config = Config::default();
    let mut tally = Tally::default();
    for (index, lines) in NARRATIONS.iter().enumerate() {
        let (voice, speed) = VOICES[index];
        let narration = narrate(lines, voice, speed, (1.0, 2.5), 7 + index as u64, &dir);
        let samples = match noise {
            None => narration.samples.clone(),
            Some(kind) => with_noise(&narration, kind, 10.0, 99 + index as u64),
        };
        for &rate in rates {
            let path = write_at_rate(&samples, rate, &dir, &format!("narration{index}"));
            let segments = segments_of(&path, &config);
            score(
                &narration.utterances,
                &segments,
                &mut tally,
                &format!("{label} {voice} {rate} Hz"),
            );
        }
    }
    let share = tally.good as f64 / tally.utterances as f64;
    println!(
        "{label}: {}/{} utterances well segmented ({:.1} %), {} split, {} merged",
        tally.good,
        tally.utterances,
        share * 100.0,
        tally.split,
        tally.merged
    );
    for failure in &tally.failures {
        println!("  {failure}");
    }
    assert!(
        share >= 0.95,
        "{label}: only {:.1} % of utterances well segmented",
        share * 100.0
    );
    assert_eq!(tally.split, 0, "{label}: utterances split in two");
    assert_eq!(
        tally.merged, 0,
        "{label}: utterances merged across ≥ 1 s gaps"
    );
    tally
}

const RATES: [u32; 3] = [16_000, 22_050, 48_000];

#[test]
fn clean_narration_is_segmented_per_utterance() {
    run_condition(None, &RATES);
}

#[test]
fn narration_in_pink_noise_at_10_db_snr() {
    run_condition(Some(Noise::Pink), &RATES);
}

#[test]
fn narration_in_brown_noise_at_10_db_snr() {
    run_condition(Some(Noise::Brown), &RATES);
}

#[test]
fn noise_alone_at_minus_25_dbfs_yields_no_segment() {
    require_tool("sox");
    let dir = scratch("segmentation-noise-only");
    let config = Config::default();
    // −25 dBFS RMS relative to a full-scale sine (RMS 1/√2).
    let level = 10f32.powf(-25.0 / 20.0) / 2f32.sqrt();
    for (kind, seed) in [(Noise::White, 1), (Noise::Pink, 2), (Noise::Brown, 3)] {
        let samples: Vec<f32> = noise(kind, ESPEAK_RATE_HZ as usize * 60, seed)
            .into_iter()
            .map(|x| x * level)
            .collect();
        for rate in [16_000, 48_000] {
            let path = write_at_rate(&samples, rate, &dir, &format!("{kind:?}"));
            let segments = segments_of(&path, &config);
            assert!(
                segments.is_empty(),
                "{kind:?} noise at {rate} Hz produced segments: {segments:?}"
            );
        }
    }
}
