//! After warm-up, transcribing a segment allocates nothing: 100 segments (speech clips,
//! silence and a too-short segment, all three encoder windows) with the project's allocation
//! guard counting the ASR thread (role `Asr`) and the product pool's helpers (role
//! `InferenceWorker`, registered through `AsrConfig::helper_thread_start`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod asr_support;

use tccc::asr::{AsrConfig, DecoderWeights, EncoderWindow};
use tccc::sys::alloc_guard::{allocations, frees, set_thread_role, ThreadRole};

/// The project's allocation guard counts per thread role; the ASR thread and the product
/// pool's helpers (registered through `AsrConfig::helper_thread_start`) declare theirs.
fn mark_asr_thread() {
    set_thread_role(ThreadRole::Asr);
}

fn mark_worker_thread() {
    set_thread_role(ThreadRole::InferenceWorker);
}

fn inference_allocations() -> u64 {
    allocations(ThreadRole::Asr) + allocations(ThreadRole::InferenceWorker)
}

fn inference_frees() -> u64 {
    frees(ThreadRole::Asr) + frees(ThreadRole::InferenceWorker)
}

#[test]
fn transcribing_after_warm_up_allocates_nothing() {
    mark_asr_thread();
    // The counters themselves work: one allocation and one free on this thread are seen.
    let before_probe = (inference_allocations(), inference_frees());
    let probe = std::hint::black_box(Box::new(1u64));
    drop(probe);
    assert_eq!(
        (
            inference_allocations() - before_probe.0,
            inference_frees() - before_probe.1
        ),
        (1, 1),
        "the allocation guard does not count"
    );

    // A 2 s encoder floor keeps the 100 segments quick; the buffers are the same.
    let config = AsrConfig {
        helper_thread_start: Some(mark_worker_thread),
        segment_window_frames_min: 200,
        lm_weight: 0.1,
        lm_length_bonus: 0.2,
        term_bonus: 0.5,
        lm_file: None,
        ..AsrConfig::default()
    };
    let mut transcriber = asr_support::transcriber(&config);
    assert!(
        config.threads > 1,
        "the pool's helpers must be exercised too"
    );
    transcriber.warm_up().unwrap();
    let clips: Vec<Vec<f32>> = ["c02", "c09", "c15", "c21"]
        .iter()
        .map(|name| asr_support::read_clip(&asr_support::fixture(&format!("clips/{name}.wav"))))
        .collect();
    let silence = vec![0.0f32; 16_000 * 3];
    let short = vec![0.0f32; 100];
    let mut segments: Vec<&[f32]> = clips.iter().map(Vec::as_slice).collect();
    segments.push(&silence);
    segments.push(&short);

    let mut accepted = 0;
    let before = inference_allocations();
    let before_frees = inference_frees();
    for index in 0..100 {
        // Mostly the default cached padding; the other windows now and then.
        let window = match index % 50 {
            0 => EncoderWindow::Full,
            1..=10 => EncoderWindow::Segment,
            _ => EncoderWindow::CachedPadding,
        };
        transcriber.set_encoder_window(window);
        // Every third segment decodes timestamps (timed pieces are reserved too).
        transcriber.set_decoding(1, index % 3 == 0).unwrap();
        if let Some(transcript) = transcriber
            .transcribe(segments[index % segments.len()])
            .unwrap()
        {
            accepted += 1;
            // The words are filled on this thread too, within the count.
            let text = transcript.text();
            assert_eq!(
                transcript.words().len(),
                text.split_whitespace().count(),
                "{text:?}"
            );
            assert!(transcript.words().iter().all(|word| {
                text.is_char_boundary(word.start as usize)
                    && text.is_char_boundary(word.end as usize)
                    && word.start < word.end
            }));
        }
    }
    let greedy_allocations = inference_allocations() - before;
    let greedy_frees = inference_frees() - before_frees;

    // Beam search reuses its reserved hypotheses and batched decoder slots (here with the
    // int8 decoder weights, so that path is watched too).
    // Shallow fusion and the term trie on, and the N-best comparison of numbers.
    let beam_config = AsrConfig {
        beam_width: 3,
        lm_weight: 0.1,
        lm_length_bonus: 0.2,
        term_bonus: 0.5,
        lm_file: None,
        decoder_weights: DecoderWeights::Int8,
        segment_window_frames_min: 200,
        helper_thread_start: Some(mark_worker_thread),
        ..AsrConfig::default()
    };
    let mut beam_transcriber = asr_support::transcriber(&beam_config);
    beam_transcriber.warm_up().unwrap();
    let before_beam = inference_allocations();
    let before_beam_frees = inference_frees();
    for index in 0..8 {
        beam_transcriber.set_decoding(3, index % 2 == 0).unwrap();
        if let Some(transcript) = beam_transcriber
            .transcribe(segments[index % segments.len()])
            .unwrap()
        {
            assert_eq!(
                transcript.words().len(),
                transcript.text().split_whitespace().count()
            );
        }
        // Decoding the same encoder output again, the other way, reuses it all.
        beam_transcriber.set_decoding(3, index % 2 == 1).unwrap();
        beam_transcriber.decode_again();
    }
    let allocations = greedy_allocations + (inference_allocations() - before_beam);
    let frees = greedy_frees + (inference_frees() - before_beam_frees);
    assert!(
        accepted > 0,
        "no segment was accepted, so the decode path was not exercised"
    );
    assert_eq!(
        allocations, 0,
        "transcribe allocated {allocations} times after warm-up"
    );
    assert_eq!(frees, 0, "transcribe freed {frees} times after warm-up");
}
