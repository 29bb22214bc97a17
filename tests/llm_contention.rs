//! `tccc bench asr-llm`'s plumbing (not its numbers): one round over a short recording runs
//! the live pipeline once with the model's thread idle and once decoding, hears the same
//! utterances both times, counts the model's tokens only while it decodes, reads the
//! thread's policy from the kernel and computes the ratios from the runs it reports. No
//! timing is asserted. Skips without the Whisper or the language model.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tccc::cli::contention::{measure, Compared, Load, Options};

#[test]
fn one_round_runs_idle_and_decoding_over_the_same_utterances() {
    let config = tccc::config::Config::default();
    let model = tccc::llm::default_model_path();
    let whisper = config.asr_model_dir().unwrap();
    if !model.is_file() || !whisper.join("model.bin").is_file() {
        eprintln!("skipped: no language model or Whisper model");
        return;
    }
    let options = Options {
        input: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/audio/jfk.wav").into()),
        repeat: 1,
        rounds: 1,
        model: Some(model),
        max_rise_percent: 10.0,
    };
    let report = measure(&config, &options, false).unwrap();
    assert_eq!(report.runs.len(), 2);
    let (idle, decoding) = (&report.runs[0], &report.runs[1]);
    assert_eq!((idle.load, decoding.load), (Load::Idle, Load::Decoding));
    assert!(!idle.latency_ms.is_empty());
    assert_eq!(idle.latency_ms.len(), decoding.latency_ms.len());
    assert_eq!(idle.recogniser_ms.len(), idle.latency_ms.len());
    assert_eq!(idle.llm_tokens, 0, "the model wrote while it should idle");
    assert!(
        report.llm_policy.starts_with("SCHED_"),
        "{}",
        report.llm_policy
    );
    assert_eq!(
        report.latency,
        Compared::of(&report.runs, |r| &r.latency_ms)
    );
    let text = report.render();
    let verdict = if report.passed() { "PASS" } else { "FAIL" };
    assert!(text.contains(verdict), "{text}");
    assert!(text.contains("\"utterances\""), "{text}");
}
