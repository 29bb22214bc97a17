//! Entry points for fuzzing every parser of outside input. The cargo-fuzz targets in
//! `fuzz/fuzz_targets/` call these, and so does the stable harness `tests/fuzz_harness.rs`,
//! which runs them on thousands of mutated inputs in every test run. Each must return (an
//! error is fine) for any input: no panic, no hang, no unbounded allocation.

use std::io::Cursor;
use std::path::Path;

use crate::audio::source::{AudioSource, SourceRead, WavSource};
use crate::config::Config;
use crate::vad::onnx::OnnxInitializers;
use crate::vad::safetensors::SafetensorsFile;
use crate::vad::weights::TensorSource;

/// Reads `data` as a WAV file to the end.
pub fn wav(data: &[u8]) {
    let Ok(mut source) = WavSource::from_reader(Cursor::new(data), "fuzz.wav") else {
        return;
    };
    let mut out = [0f32; 1024];
    // Every read consumes input or ends, so this is bounded by the input length.
    while let Ok(SourceRead::Frames(_)) = source.read_mono(&mut out) {}
    let _ = source.final_warning();
}

/// Parses `data` as an ONNX model and asks for a tensor.
pub fn onnx(data: &[u8]) {
    if let Ok(file) = OnnxInitializers::from_bytes(Path::new("fuzz.onnx"), data) {
        let _ = file.f32_tensor("model.stft.forward_basis_buffer", &[258, 1, 256]);
    }
}

/// Parses `data` as a safetensors file and asks for a tensor.
pub fn safetensors(data: &[u8]) {
    if let Ok(file) = SafetensorsFile::from_bytes(Path::new("fuzz.safetensors"), data.to_vec()) {
        let _ = file.f32_tensor("stft_conv.weight", &[258, 1, 256]);
    }
}

/// Parses `data` as a configuration file.
pub fn config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Config::from_toml(text, "fuzz.toml");
    }
}
