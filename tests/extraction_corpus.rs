//! Runs the whole scenario corpus (tests/corpus/*.json) through the extractor and scores
//! it fact by fact the way `eval/score.py` scores the dev set. Fails below the bars:
//! precision 0.98, recall 0.95. Every document must validate against the schema and every
//! card line must fit 80 columns.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use std::path::Path;

const PRECISION_MIN: f64 = 0.98;
const RECALL_MIN: f64 = 0.95;

#[test]
fn corpus_meets_the_precision_and_recall_bars() {
    let corpus = extraction_support::load_corpus(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"),
    );
    assert!(
        corpus.len() >= 60,
        "the corpus has {} narrations, want at least 60",
        corpus.len()
    );
    let schema = extraction_support::schema();
    let (mut tp, mut gold, mut predicted) = (0, 0, 0);
    let mut report = String::new();
    for scenario in &corpus {
        let (document, card) = extraction_support::run(&scenario.utterances);
        extraction_support::validate(&schema, &schema, &document, "$")
            .unwrap_or_else(|e| panic!("{}: {e}", scenario.id));
        for line in card.lines() {
            assert!(
                line.chars().count() <= 80,
                "{}: card line too wide: {line:?}",
                scenario.id
            );
        }
        let score = extraction_support::score(&scenario.gold, &document["casualties"]);
        tp += score.true_positives;
        gold += score.gold;
        predicted += score.predicted;
        for m in &score.missed {
            report.push_str(&format!("{}: missed {:?}\n", scenario.id, m));
        }
        for x in &score.extra {
            report.push_str(&format!("{}: extra  {:?}\n", scenario.id, x));
        }
    }
    let precision = tp as f64 / predicted.max(1) as f64;
    let recall = tp as f64 / gold.max(1) as f64;
    let f1 = 2.0 * tp as f64 / (gold + predicted).max(1) as f64;
    eprintln!("{report}corpus: {} narrations, tp={tp} gold={gold} predicted={predicted} precision={precision:.3} recall={recall:.3} f1={f1:.3}", corpus.len());
    assert!(
        precision >= PRECISION_MIN,
        "precision {precision:.3} below {PRECISION_MIN}"
    );
    assert!(
        recall >= RECALL_MIN,
        "recall {recall:.3} below {RECALL_MIN}"
    );
}
