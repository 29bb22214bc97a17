//! The native Silero VAD gives the same speech probabilities as the reference within 1e-3
//! on every frame of three clips (fixtures made by scripts/make-vad-fixtures):
//! - with the ONNX export's weights, against the silero-vad package's ONNX model run with
//!   onnxruntime;
//! - with the safetensors weights, against a numpy implementation of the graph that the
//!   fixture script first checks against onnxruntime.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use tccc::audio::wav::read_wav_mono;
use tccc::vad::SileroVad;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const ONNX: &str = "silero_vad_16k_op15.onnx";
const SAFETENSORS: &str = "silero_vad_16k.safetensors";

fn vad_model(file: &str) -> PathBuf {
    let path = repo().join("models/silero-vad").join(file);
    assert!(
        path.exists(),
        "{} is missing: run `models/fetch` first",
        path.display()
    );
    path
}

fn reference(name: &str, weights: &str) -> Vec<f32> {
    let suffix = if weights == ONNX { "" } else { ".safetensors" };
    let text = std::fs::read_to_string(
        repo().join(format!("tests/fixtures/vad/{name}{suffix}.probs.json")),
    )
    .unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["probabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_f64().unwrap() as f32)
        .collect()
}

fn check_clip(name: &str, audio: &Path) {
    check_clip_with(name, audio, ONNX);
    check_clip_with(name, audio, SAFETENSORS);
}

fn check_clip_with(name: &str, audio: &Path, weights: &str) {
    let (mut samples, format) = read_wav_mono(audio).unwrap();
    assert_eq!(format.sample_rate_hz, 16_000);
    samples.resize(samples.len().div_ceil(512) * 512, 0.0);
    let expected = reference(name, weights);
    assert_eq!(samples.len() / 512, expected.len(), "{name}: frame count");
    let mut vad = SileroVad::load(&vad_model(weights)).unwrap();
    let mut worst = 0f32;
    for (index, (frame, want)) in samples.chunks_exact(512).zip(&expected).enumerate() {
        let frame: &[f32; 512] = frame.try_into().unwrap();
        let got = vad.process_frame(frame);
        let error = (got - want).abs();
        worst = worst.max(error);
        assert!(
            error <= 1e-3,
            "{name} ({weights}) frame {index}: native {got}, reference {want}"
        );
    }
    println!(
        "{name} ({weights}): {} frames, largest difference {worst:.2e}",
        expected.len()
    );
}

#[test]
fn matches_reference_on_the_narration_clip() {
    check_clip(
        "narration",
        &repo().join("tests/fixtures/vad/narration.wav"),
    );
}

#[test]
fn matches_reference_on_the_noisy_clip() {
    check_clip("noisy", &repo().join("tests/fixtures/vad/noisy.wav"));
}

#[test]
fn matches_reference_on_jfk() {
    check_clip("jfk", &repo().join("tests/fixtures/audio/jfk.wav"));
}

#[test]
fn reset_restores_the_initial_state() {
    let (samples, _) = read_wav_mono(&repo().join("tests/fixtures/vad/narration.wav")).unwrap();
    let mut vad = SileroVad::load(&vad_model(ONNX)).unwrap();
    let frames: Vec<&[f32; 512]> = samples
        .chunks_exact(512)
        .map(|f| f.try_into().unwrap())
        .collect();
    let first: Vec<f32> = frames
        .iter()
        .take(40)
        .map(|f| vad.process_frame(f))
        .collect();
    vad.reset();
    let again: Vec<f32> = frames
        .iter()
        .take(40)
        .map(|f| vad.process_frame(f))
        .collect();
    assert_eq!(first, again);
}
