//! A stable, deterministic stand-in for the cargo-fuzz target (fuzz/fuzz_targets/extract.rs):
//! thousands of pseudo-random and mutated narrations through the extractor. None may
//! panic; every record must validate against the schema, keep the live facts equal to the
//! event log's projection, and render cards within 80 columns.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use std::path::Path;

/// xorshift64*: small, deterministic, good enough to shake inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Words and fragments that steer the extractor into its rules.
const SHARDS: &[&str] = &[
    "casualty",
    "two",
    "cas",
    "scratch that",
    "correction",
    "not",
    "no",
    "tourniquet",
    "left",
    "right",
    "leg",
    "arm",
    "chest",
    "at",
    "zero nine fifteen",
    "1440-2",
    "092",
    "0 9 15",
    "over",
    "on",
    "B.P.",
    "I-O",
    "I.V.",
    "mg",
    "micrograms",
    "g",
    "percent",
    "%",
    "ketamine",
    "TXA",
    "whole blood",
    "units",
    "pulse",
    "sats",
    "AVPU",
    "P",
    "name is",
    "last four",
    "battle roster",
    "alpha",
    "allergic to",
    "none",
    "urgent",
    "evac",
    "priority",
    ",",
    ".",
    "?",
    ":",
    "/",
    "-",
    "14:32",
    "25:99",
    "one twenty over eighty",
    "a hundred and twelve",
    "point",
    "oh",
    "I mean",
    "make that",
    "disregard",
    "second",
    "another",
    "next casualty",
    "casualty 99",
    "casualty 0",
    "both legs",
    "bilateral",
    "junctional tourniquet",
    "chest seal",
    "needle D",
    "1,000",
    "0.5",
    "999999999999999999999",
    "é",
    "µg",
    "🙂",
    "\u{0}",
    "\t",
    "'s",
    "uh",
    "um",
];

fn mutate(rng: &mut Rng, base: &str) -> String {
    let mut words: Vec<String> = base.split(' ').map(str::to_owned).collect();
    for _ in 0..rng.below(6) {
        match rng.below(5) {
            0 if !words.is_empty() => {
                let i = rng.below(words.len());
                words.remove(i);
            }
            1 => {
                let i = rng.below(words.len() + 1);
                words.insert(i, SHARDS[rng.below(SHARDS.len())].to_owned());
            }
            2 if words.len() > 1 => {
                let (a, b) = (rng.below(words.len()), rng.below(words.len()));
                words.swap(a, b);
            }
            3 if !words.is_empty() => {
                let i = rng.below(words.len());
                let w = words[i].clone();
                words.insert(i, w);
            }
            _ => {
                let i = rng.below(words.len() + 1);
                let digits = format!("{}", rng.next() % 100_000);
                words.insert(i, digits);
            }
        }
    }
    words.join(" ")
}

fn random_text(rng: &mut Rng) -> String {
    let length = rng.below(200);
    let bytes: Vec<u8> = (0..length).map(|_| (rng.next() & 0xff) as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn check(utterances: &[String], schema: &serde_json::Value) {
    let text = utterances.join("\n");
    let (extractor, docs) = tccc::cli::process::extract_transcript(&text).unwrap();
    assert_eq!(
        extractor.live_facts(),
        extractor.log().live_facts().as_slice(),
        "live facts drifted from the log for {utterances:?}"
    );
    let record = extractor.record();
    let document = tccc::record::RecordDocument::new(&record, docs);
    let json: serde_json::Value = serde_json::from_str(&document.to_json().unwrap()).unwrap();
    if let Err(e) = extraction_support::validate(schema, schema, &json, "$") {
        panic!("{e} for {utterances:?}");
    }
    for line in tccc::render::card::render(&record).lines() {
        assert!(line.chars().count() <= 80, "card line too wide: {line:?}");
    }
    let _ = tccc::render::handover::mist(&record);
    let _ = tccc::render::handover::atmist(&record);
    let _ = tccc::render::nine_line::render(&record, &Default::default());
}

#[test]
fn mutated_and_random_narrations_never_panic_and_stay_schema_valid() {
    let corpus = extraction_support::load_corpus(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"),
    );
    let schema = extraction_support::schema();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..1500 {
        let scenario = &corpus[round % corpus.len()];
        let utterances: Vec<String> = scenario
            .utterances
            .iter()
            .map(|u| {
                if rng.below(3) == 0 {
                    random_text(&mut rng)
                } else {
                    mutate(&mut rng, u)
                }
            })
            .collect();
        check(&utterances, &schema);
    }
}

#[test]
fn shard_soup_never_panics() {
    let schema = extraction_support::schema();
    let mut rng = Rng(42);
    for _ in 0..800 {
        let utterances: Vec<String> = (0..1 + rng.below(8))
            .map(|_| {
                (0..rng.below(30))
                    .map(|_| SHARDS[rng.below(SHARDS.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        check(&utterances, &schema);
    }
}

#[test]
fn oversized_utterances_are_cut_not_refused() {
    let schema = extraction_support::schema();
    let long = "tourniquet left leg at zero nine fifteen, pulse one twenty, ".repeat(400);
    check(
        &[
            long.clone(),
            "casualty two ".repeat(2000),
            "9".repeat(100_000),
        ],
        &schema,
    );
    let (extractor, _) = tccc::cli::process::extract_transcript(&long).unwrap();
    assert!(extractor.facts_dropped() > 0 || !extractor.live_facts().is_empty());
}
