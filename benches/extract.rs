//! Extraction time of a 60-utterance narration (the first 60 utterances of the scenario
//! corpus, casualty switches and corrections included): normalising, matching, rules,
//! event log and projection. Target: under 5 ms in total. A measurement, not a test.
//!
//! Run: `cargo bench --bench extract`

use std::path::Path;
use std::time::{Duration, Instant};

const UTTERANCES: usize = 60;
const ROUNDS: usize = 200;

fn narration() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        for scenario in value.as_array().into_iter().flatten() {
            for u in scenario["utterances"].as_array().into_iter().flatten() {
                if out.len() < UTTERANCES {
                    out.push(u.as_str().unwrap_or_default().to_owned());
                }
            }
        }
    }
    out
}

fn main() {
    let lines = narration();
    assert_eq!(
        lines.len(),
        UTTERANCES,
        "the corpus must hold {UTTERANCES} utterances"
    );
    let mut times: Vec<Duration> = Vec::with_capacity(ROUNDS);
    let mut facts = 0;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let mut extractor = tccc::extract::Extractor::new(Default::default());
        for (i, line) in lines.iter().enumerate() {
            let _ = extractor.push_utterance(i as u32, line, i as f64, i as f64 + 1.0);
        }
        let record = extractor.record();
        times.push(started.elapsed());
        facts = extractor.live_facts().len();
        std::hint::black_box(record);
    }
    times.sort();
    let median = times[ROUNDS / 2];
    let worst = times[ROUNDS - 1];
    println!(
        "extract: {UTTERANCES} utterances, {facts} facts: median {:.3} ms, min {:.3} ms, max {:.3} ms (target < 5 ms); {:.1} µs per utterance",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e6 / UTTERANCES as f64
    );
}
