//! Invariant: the language model's thread (`llm::worker`) allocates nothing after warm-up.
//! Handover and reader requests go through the rings while the project's allocation guard
//! counts the thread (role `Llm`); after one round of each, further rounds with other
//! prompts must add neither allocations nor frees. Run for SmolLM2 (the default) and for
//! Gemma 3 (optional, `models/fetch gemma3-270m`), each with prompts in its own chat
//! layout; each skips without its model.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tccc::extract::{Extractor, ExtractorConfig};
use tccc::llm::handover;
use tccc::llm::worker::{LlmWorker, Outcome, Task};
use tccc::llm::{reader, ChatFormat, Llm};
use tccc::sys::alloc_guard::{allocations, clear_thread_role, frees, set_thread_role, ThreadRole};

/// The counters are per role, not per thread: the two models' tests take turns, or one
/// model's thread dropping its weights would be counted in the other's window.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn counted() -> (u64, u64) {
    (allocations(ThreadRole::Llm), frees(ThreadRole::Llm))
}

fn handover_prompt(lines: &[&str], format: ChatFormat) -> String {
    let mut extractor = Extractor::new(ExtractorConfig::default());
    for (i, line) in lines.iter().enumerate() {
        extractor
            .push_utterance(i as u32, line, i as f64, i as f64 + 1.0)
            .unwrap();
    }
    let record = extractor.record();
    handover::prompt(&handover::confirmed_only(&record.casualties[0]), format)
}

fn round(worker: &mut LlmWorker, handover: &str, utterance: &str) {
    let reply = worker
        .run_blocking(Task::Handover, handover, "", 12)
        .unwrap();
    assert!(matches!(reply.outcome, Outcome::Done(_)), "{reply:?}");
    assert!(!reply.text.is_empty(), "{reply:?}");
    let reply = worker
        .run_blocking(
            Task::Reader,
            &reader::prompt(utterance, worker.chat_format()),
            utterance,
            24,
        )
        .unwrap();
    assert!(matches!(reply.outcome, Outcome::Done(_)), "{reply:?}");
    // The answer is held to the grammar (a prefix of a JSON list at least).
    assert!(reply.text.starts_with('['), "{reply:?}");
}

#[test]
fn the_model_thread_allocates_nothing_after_warm_up() {
    let path = tccc::llm::default_model_path();
    if !path.is_file() {
        eprintln!("skipped: no language model at {}", path.display());
        return;
    }
    no_allocation_after_warm_up(&path, ChatFormat::ChatMl);
}

#[test]
fn the_gemma_thread_allocates_nothing_after_warm_up() {
    let path = tccc::llm::gemma3_model_path();
    if !path.is_file() {
        eprintln!(
            "skipped: no Gemma 3 model at {} (models/fetch gemma3-270m)",
            path.display()
        );
        return;
    }
    no_allocation_after_warm_up(&path, ChatFormat::Gemma);
}

fn no_allocation_after_warm_up(path: &std::path::Path, format: ChatFormat) {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // The counters themselves work: one allocation and one free under the role are seen.
    set_thread_role(ThreadRole::Llm);
    let before_probe = counted();
    drop(std::hint::black_box(Box::new(1u64)));
    let after_probe = counted();
    clear_thread_role();
    assert_eq!(
        (
            after_probe.0 - before_probe.0,
            after_probe.1 - before_probe.1
        ),
        (1, 1),
        "the allocation guard does not count"
    );

    let llm = Llm::load(path).unwrap();
    assert_eq!(llm.chat_format(), format);
    let mut worker = LlmWorker::start(llm, None).unwrap();
    assert_eq!(worker.chat_format(), format);
    let first = handover_prompt(
        &[
            "Casualty one, gunshot wound left thigh.",
            "Tourniquet left leg at 14:10. Pulse 124.",
        ],
        format,
    );
    let second = handover_prompt(
        &[
            "Casualty one, blast injury, right arm amputation.",
            "Gave TXA one gram IV at 0930. Blood pressure 90 over 60.",
        ],
        format,
    );
    round(&mut worker, &first, "his heart is going about one forty");
    let before = counted();
    round(
        &mut worker,
        &second,
        "cinched a cat on the right thigh at 0910",
    );
    round(
        &mut worker,
        &first,
        "pushed fifty of ketamine in the muscle",
    );
    round(
        &mut worker,
        &second,
        "breathing about twenty a minute, sats ninety two",
    );
    let after = counted();
    assert_eq!(
        (after.0 - before.0, after.1 - before.1),
        (0, 0),
        "allocations and frees on the model's thread after warm-up"
    );
    assert_eq!(worker.status().completed, 8);
    assert_eq!(worker.status().dropped, 0);
}
