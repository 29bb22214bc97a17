//! Runs the fuzz entry points (`tccc::fuzzing`) on stable Rust: seeds from real files,
//! then thousands of deterministic mutations of them (bit flips, truncations, splices,
//! overwritten length fields). Any panic fails the test; cargo-fuzz explores further on
//! nightly with the same entry points (fuzz/).
#![allow(clippy::unwrap_used)]

mod common;

use common::Random;

fn mutate(seed: &[u8], random: &mut Random) -> Vec<u8> {
    let mut data = seed.to_vec();
    let edits = 1 + random.next_u64() % 8;
    for _ in 0..edits {
        if data.is_empty() {
            data.push(random.next_u64() as u8);
            continue;
        }
        let at = (random.next_u64() % data.len() as u64) as usize;
        match random.next_u64() % 6 {
            0 => data[at] ^= 1 << (random.next_u64() % 8),
            1 => data.truncate(at),
            2 => data[at] = random.next_u64() as u8,
            3 => {
                // Overwrite four bytes with an extreme length.
                let value =
                    [0u32, 1, 0x7fff_ffff, u32::MAX, 44, 16][(random.next_u64() % 6) as usize];
                for (offset, byte) in value.to_le_bytes().iter().enumerate() {
                    if let Some(slot) = data.get_mut(at + offset) {
                        *slot = *byte;
                    }
                }
            }
            4 => {
                let count = (random.next_u64() % 64) as usize;
                let bytes: Vec<u8> = (0..count).map(|_| random.next_u64() as u8).collect();
                data.splice(at..at, bytes);
            }
            _ => {
                let end = (at + (random.next_u64() % 256) as usize).min(data.len());
                let copy = data[at..end].to_vec();
                data.extend_from_slice(&copy);
            }
        }
    }
    data
}

fn run(seeds: &[Vec<u8>], iterations: usize, target: fn(&[u8]), seed: u64) {
    let mut random = Random::new(seed);
    for seed in seeds {
        target(seed);
    }
    for _ in 0..iterations {
        let seed = &seeds[(random.next_u64() % seeds.len() as u64) as usize];
        target(&mutate(seed, &mut random));
    }
}

fn repo_file(path: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn wav_parser_survives_mutated_files() {
    let mut seeds = vec![
        repo_file("tests/fixtures/vad/noisy.wav")[..4096].to_vec(),
        repo_file("src/demo/narration.wav")[..2048].to_vec(),
    ];
    // A float, a 24-bit stereo and an extensible header.
    for (tag, channels, bits) in [(3u16, 1u16, 32u16), (1, 2, 24), (0xFFFE, 4, 32)] {
        let block = channels * bits / 8;
        let mut bytes = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        let fmt_len: u32 = if tag == 0xFFFE { 40 } else { 16 };
        bytes.extend_from_slice(&fmt_len.to_le_bytes());
        for value in [tag, channels] {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        bytes.extend_from_slice(&22_050u32.to_le_bytes());
        bytes.extend_from_slice(&(22_050 * u32::from(block)).to_le_bytes());
        bytes.extend_from_slice(&block.to_le_bytes());
        bytes.extend_from_slice(&bits.to_le_bytes());
        if tag == 0xFFFE {
            bytes.extend_from_slice(&[22, 0, 32, 0, 0, 0, 0, 0, 1, 0]);
            bytes.extend_from_slice(&[0; 14]);
        }
        bytes.extend_from_slice(b"data\x40\0\0\0");
        bytes.extend_from_slice(&[0x55; 64]);
        seeds.push(bytes);
    }
    run(&seeds, 100_000, tccc::fuzzing::wav, 1);
}

#[test]
fn onnx_reader_survives_mutated_models() {
    let model = repo_model("silero_vad_16k_op15.onnx");
    // Whole-model mutations are slow to parse 1 MB each time; use its head and a cut copy.
    let seeds = vec![model[..8192].to_vec(), model[..200].to_vec(), model.clone()];
    run(&seeds, 1_000, tccc::fuzzing::onnx, 2);
}

#[test]
fn safetensors_reader_survives_mutated_files() {
    let file = repo_model("silero_vad_16k.safetensors");
    let seeds = vec![file[..4096].to_vec(), file.clone()];
    run(&seeds, 300, tccc::fuzzing::safetensors, 3);
}

#[test]
fn config_parser_survives_mutated_files() {
    let seeds = vec![
        tccc::config::DEFAULT_CONFIG_TOML.as_bytes().to_vec(),
        b"[vad]\nthreshold = 0.5\n".to_vec(),
    ];
    run(&seeds, 5_000, tccc::fuzzing::config, 4);
}

fn repo_model(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/silero-vad")
        .join(name);
    std::fs::read(&path)
        .unwrap_or_else(|_| panic!("{} is missing: run `models/fetch` first", path.display()))
}
