//! Criterion benchmarks of the front end's kernels: one Silero VAD frame, and resampling
//! one capture chunk from 48 kHz and 44.1 kHz. (`tccc bench frontend` measures the whole
//! stage and the threaded pipeline.)

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use tccc::audio::resample::Resampler;
use tccc::limits::{CAPTURE_CHUNK_FRAMES_MAX, RESAMPLER_OUTPUT_SAMPLES_MAX};
use tccc::vad::SileroVad;

fn speech_like(count: usize) -> Vec<f32> {
    (0..count)
        .map(|i| {
            let t = i as f32 / 16_000.0;
            0.3 * (2.0 * std::f32::consts::PI * 220.0 * t).sin() * (1.0 + (7.0 * t).sin()) / 2.0
        })
        .collect()
}

fn vad_frame(c: &mut Criterion) {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/silero-vad");
    for weights in ["silero_vad_16k_op15.onnx", "silero_vad_16k.safetensors"] {
        let Ok(mut vad) = SileroVad::load(&models.join(weights)) else {
            eprintln!("skipping the VAD bench: {weights} missing (run models/fetch)");
            return;
        };
        let audio = speech_like(512 * 64);
        let frames: Vec<[f32; 512]> = audio
            .chunks_exact(512)
            .map(|f| {
                let mut frame = [0f32; 512];
                frame.copy_from_slice(f);
                frame
            })
            .collect();
        let mut index = 0;
        c.bench_function(&format!("silero_vad_frame ({weights})"), |b| {
            b.iter(|| {
                index = (index + 1) % frames.len();
                std::hint::black_box(vad.process_frame(&frames[index]))
            })
        });
    }
}

fn resample_chunk(c: &mut Criterion) {
    for rate in [48_000u32, 44_100] {
        let Ok(mut resampler) = Resampler::new(rate) else {
            return;
        };
        let input = speech_like(CAPTURE_CHUNK_FRAMES_MAX);
        let mut output = vec![0f32; RESAMPLER_OUTPUT_SAMPLES_MAX];
        c.bench_function(&format!("resample_4096_frames_from_{rate}"), |b| {
            b.iter(|| std::hint::black_box(resampler.process(&input, &mut output)))
        });
    }
}

criterion_group!(benches, vad_frame, resample_chunk);
criterion_main!(benches);
