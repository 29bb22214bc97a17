//! The domain language model built from the lexicon at load (`asr::lm_build`): it parses,
//! two builds give the same bytes, its trie holds the clinical terms, and it prefers a
//! clinical sentence to the same words scrambled.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod asr_support;

use std::time::Instant;

use tccc::asr::lm::{DomainLm, TermState};
use tccc::asr::lm_build::build_bytes;
use tccc::asr::tokenizer::{PromptEncoder, Tokenizer};
use tccc::limits::ASR_LM_CORPUS_SENTENCES;

struct Built {
    lm: DomainLm,
    encoder: PromptEncoder,
    end_of_text: u32,
}

fn build() -> (Built, Vec<u8>) {
    let dir = asr_support::model_dir();
    let tokenizer = Tokenizer::load(&dir).unwrap();
    let encoder = PromptEncoder::load(&dir).unwrap();
    let end_of_text = tokenizer.special.end_of_text;
    let started = Instant::now();
    let (bytes, report) = build_bytes(
        &encoder,
        tokenizer.len(),
        end_of_text,
        ASR_LM_CORPUS_SENTENCES,
    )
    .unwrap();
    println!("built in {:?}: {report:?}", started.elapsed());
    let lm = DomainLm::parse(&bytes, tokenizer.len(), end_of_text).unwrap();
    (
        Built {
            lm,
            encoder,
            end_of_text,
        },
        bytes,
    )
}

/// The trie bonus of `text` (per-token bonus 1): positive only for a completed term.
fn term_bonus(built: &Built, text: &str) -> f32 {
    let mut state = TermState::default();
    let mut total = 0.0;
    for token in built.encoder.encode(text) {
        let (next, delta) = built.lm.advance_term(state, token, 1.0);
        state = next;
        total += delta;
    }
    total
}

/// ln p of `text` as one utterance (begin and end included).
fn sentence_log_prob(built: &Built, text: &str) -> f32 {
    let boundary = built.end_of_text;
    let mut ids = built.encoder.encode(text);
    ids.push(boundary);
    let mut previous = (boundary, boundary);
    let mut total = 0.0;
    for token in ids {
        total += built.lm.log_prob(previous, token);
        previous = (previous.1, token);
    }
    total
}

#[test]
fn the_built_model_is_deterministic_holds_the_terms_and_prefers_clinical_text() {
    let (built, bytes) = build();
    let (_, again) = build();
    assert!(bytes == again, "two builds differ");
    let (unigrams, bigrams, trigrams, terms) = built.lm.sizes();
    assert!(unigrams > 500 && bigrams > 5_000 && trigrams > 10_000 && terms > 100);

    for term in [
        " tourniquet",
        " Tourniquet",
        " fentanyl",
        " TXA",
        " ketamine",
        " IV",
        " casualty",
    ] {
        assert!(
            term_bonus(&built, term) > 0.0,
            "{term:?} is not in the trie"
        );
    }
    assert_eq!(term_bonus(&built, " weather"), 0.0);

    for (clinical, scrambled) in [
        (
            " Tourniquet applied to the left leg at 1400.",
            " Leg the 1400 applied left at to tourniquet.",
        ),
        (
            " Gave 10 milligrams of morphine IV.",
            " Morphine of IV 10 gave milligrams.",
        ),
        (
            " Pulse 120, blood pressure 90 over 60.",
            " Over pulse 90, 60 blood 120 pressure.",
        ),
    ] {
        let (good, bad) = (
            sentence_log_prob(&built, clinical),
            sentence_log_prob(&built, scrambled),
        );
        assert!(
            good > bad + 5.0,
            "{clinical:?} {good} vs {scrambled:?} {bad}"
        );
    }
}
