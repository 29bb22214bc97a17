//! Everything a medic and the squad say that is not a fact about a casualty: radio
//! procedure, counting and lifting, banter, orders, questions, plans, conditionals, stories
//! about other people, equipment talk (`tests/corpus/everyday/*.txt`, written by
//! `scripts/make_everyday_corpus.py`, at least 500 utterances). Each utterance, read alone
//! by a fresh extractor, must yield no fact at all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use tccc::extract::{Extractor, ExtractorConfig};

/// The utterances of every everyday file (lines not starting with `#`).
fn everyday() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/everyday");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The facts one utterance yields, as text.
fn facts_of(line: &str) -> Vec<String> {
    let mut extractor = Extractor::new(ExtractorConfig::default());
    extractor.push_utterance(0, line, 0.0, 1.0).unwrap();
    extractor
        .live_facts()
        .iter()
        .map(|f| f.fact.to_string())
        .collect()
}

#[test]
fn everyday_speech_yields_no_fact() {
    let lines = everyday();
    assert!(
        lines.len() >= 500,
        "the everyday corpus has {} utterances, want at least 500",
        lines.len()
    );
    let mut report = String::new();
    let mut firing = 0;
    for line in &lines {
        let facts = facts_of(line);
        if !facts.is_empty() {
            firing += 1;
            report.push_str(&format!("{line:?} -> {facts:?}\n"));
        }
    }
    eprintln!(
        "{report}everyday: {} utterances, {firing} yield facts",
        lines.len()
    );
    assert_eq!(firing, 0, "everyday utterances that yield facts:\n{report}");
}

/// The issue's examples, as a new user said them.
#[test]
fn the_issues_examples_yield_no_fact() {
    for line in [
        "He fell behind the rest of the squad.",
        "Grab the shield and cover the window.",
        "Going to need a chest seal on that if it's sucking.",
        "Bring me the burn kit from the truck.",
        "Someone in the convoy mentioned an IED last week.",
    ] {
        assert_eq!(facts_of(line), Vec::<String>::new(), "{line}");
    }
}

/// Every scope rule's example sentences: `blocked` ones yield no fact, `kept` ones do.
#[test]
fn scope_cue_examples_hold() {
    let cues = tccc::extract::scope::ScopeCues::embedded().unwrap();
    let mut failures = Vec::new();
    for rule in &cues.rules {
        for line in &rule.blocked {
            let facts = facts_of(line);
            if !facts.is_empty() {
                failures.push(format!("{}: {line:?} yields {facts:?}", rule.name));
            }
        }
        for line in &rule.kept {
            if facts_of(line).is_empty() {
                failures.push(format!("{}: {line:?} yields nothing", rule.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every lexicon row that needs a context: its positive sentences yield a fact, its
/// negative ones none.
#[test]
fn lexicon_context_examples_hold() {
    let data = tccc::extract::lexicon::data().unwrap();
    let mut failures = Vec::new();
    for context in &data.contexts {
        for line in &context.positive {
            if facts_of(line).is_empty() {
                failures.push(format!("{}: {line:?} yields nothing", context.phrase));
            }
        }
        for line in &context.negative {
            let facts = facts_of(line);
            if !facts.is_empty() {
                failures.push(format!("{}: {line:?} yields {facts:?}", context.phrase));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
