//! The language-model API the checked uses build on: grammar-constrained greedy decoding
//! (only what the constraint allows is written, the answer ends only when complete), the
//! prompt-prefix cache, and preemption between tokens. Skips without the model.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::AtomicBool;

use tccc::llm::{Constraint, Llm, Stop, Unconstrained};

/// One of a fixed set of answers.
struct OneOf(&'static [&'static str]);

impl Constraint for OneOf {
    fn allows(&self, written: &[u8], piece: &[u8]) -> bool {
        let mut next = written.to_vec();
        next.extend_from_slice(piece);
        self.0
            .iter()
            .any(|answer| answer.as_bytes().starts_with(&next))
    }
    fn complete(&self, written: &[u8]) -> bool {
        self.0.iter().any(|answer| answer.as_bytes() == written)
    }
}

fn model() -> Option<Llm> {
    let path = tccc::llm::default_model_path();
    if !path.is_file() {
        eprintln!(
            "skipped: no language model at {}; run models/fetch smollm2-135m",
            path.display()
        );
        return None;
    }
    Some(Llm::load(&path).unwrap())
}

#[test]
fn constrained_answers_are_one_of_the_allowed_and_the_prefix_is_reused() {
    let Some(mut llm) = model() else { return };
    let system = "You classify injuries. Answer with one word: arm, leg, head or chest.";
    let answers: &[&str] = &["arm", "leg", "head", "chest"];
    let mut prompt = String::new();
    let mut out = String::new();
    Llm::chat_prompt(system, "Gunshot wound to the left thigh.", &mut prompt);
    let first = llm.generate(&prompt, &OneOf(answers), 8, &mut out).unwrap();
    assert!(answers.contains(&out.as_str()), "{out:?}");
    assert_eq!(first.stop, Stop::End);
    // The same instructions again: their tokens come from the cache.
    out.clear();
    Llm::chat_prompt(system, "Shrapnel in the right forearm.", &mut prompt);
    let second = llm.generate(&prompt, &OneOf(answers), 8, &mut out).unwrap();
    assert!(answers.contains(&out.as_str()), "{out:?}");
    assert!(second.reused_tokens >= 20, "{second:?}");
    assert!(second.reused_tokens < second.prompt_tokens);
    // Unconstrained, the same prompt writes free text.
    out.clear();
    let free = llm.generate(&prompt, &Unconstrained, 6, &mut out).unwrap();
    assert!(free.generated_tokens >= 1);
}

#[test]
fn a_raised_flag_stops_generation_between_tokens() {
    let Some(mut llm) = model() else { return };
    let stop = AtomicBool::new(true);
    let mut out = String::new();
    let stats = llm
        .generate_preemptible(
            "Once upon a time",
            &Unconstrained,
            16,
            &mut out,
            Some(&stop),
        )
        .unwrap();
    assert_eq!(stats.stop, Stop::Preempted);
    assert_eq!(stats.generated_tokens, 0);
    assert!(out.is_empty());
}
