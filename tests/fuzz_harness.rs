//! Runs the fuzz entry points (`tccc::fuzzing`) on stable Rust, one test per reader of
//! outside input. Each gets at least 10^5 inputs per run: byte-level mutations of seeds
//! (bit flips, truncations, splices, overwritten length fields) and structure-aware ones,
//! built from small synthetic files that are valid, then made wrong in one field (rank 0,
//! swapped or huge dimensions, a short tensor, an offset past the end, a lying size or
//! header length, an out-of-range token id). Any panic fails the test. `TCCC_FUZZ_ITERATIONS`
//! sets the count per reader (README, "Fuzzing"); cargo-fuzz explores further on nightly
//! with the same entry points (fuzz/).
#![allow(clippy::unwrap_used)]

mod common;

use common::Random;

/// Inputs per reader: `TCCC_FUZZ_ITERATIONS`, else 10^5.
fn iterations() -> usize {
    std::env::var("TCCC_FUZZ_ITERATIONS")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100_000)
}

fn below(random: &mut Random, bound: usize) -> usize {
    (random.next_u64() % bound.max(1) as u64) as usize
}

fn mutate(seed: &[u8], random: &mut Random) -> Vec<u8> {
    let mut data = seed.to_vec();
    let edits = 1 + random.next_u64() % 8;
    for _ in 0..edits {
        if data.is_empty() {
            data.push(random.next_u64() as u8);
            continue;
        }
        let at = below(random, data.len());
        match random.next_u64() % 6 {
            0 => data[at] ^= 1 << (random.next_u64() % 8),
            1 => data.truncate(at),
            2 => data[at] = random.next_u64() as u8,
            3 => {
                // Overwrite four bytes with an extreme length.
                let value = [0u32, 1, 0x7fff_ffff, u32::MAX, 44, 16][below(random, 6)];
                for (offset, byte) in value.to_le_bytes().iter().enumerate() {
                    if let Some(slot) = data.get_mut(at + offset) {
                        *slot = *byte;
                    }
                }
            }
            4 => {
                let count = below(random, 64);
                let bytes: Vec<u8> = (0..count).map(|_| random.next_u64() as u8).collect();
                data.splice(at..at, bytes);
            }
            _ => {
                let end = (at + below(random, 256)).min(data.len());
                let copy = data[at..end].to_vec();
                data.extend_from_slice(&copy);
            }
        }
    }
    data
}

/// Runs `target` on every seed, then on `count` byte-level mutations of them.
fn run(seeds: &[Vec<u8>], count: usize, target: fn(&[u8]), seed: u64) -> usize {
    let mut random = Random::new(seed);
    for seed in seeds {
        target(seed);
    }
    for _ in 0..count {
        let seed = &seeds[below(&mut random, seeds.len())];
        target(&mutate(seed, &mut random));
    }
    count
}

/// Runs `target` on `count` inputs from `make` (structure-aware), a third of them also
/// mutated byte-wise; returns how many inputs ran.
fn run_made(
    count: usize,
    target: fn(&[u8]),
    seed: u64,
    mut make: impl FnMut(&mut Random) -> Vec<u8>,
) -> usize {
    let mut random = Random::new(seed);
    for _ in 0..count {
        let made = make(&mut random);
        if random.next_u64().is_multiple_of(3) {
            target(&mutate(&made, &mut random));
        } else {
            target(&made);
        }
    }
    count
}

fn timed(name: &str, body: impl FnOnce() -> usize) {
    let start = std::time::Instant::now();
    let count = body();
    eprintln!("{name}: {count} inputs in {:.2?}", start.elapsed());
}

// ---------------------------------------------------------------------------------------
// Tensors of a synthetic model, written as CTranslate2 model.bin or as safetensors.

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    F32,
    F16,
    I32,
    I8,
}

impl Kind {
    fn bytes(self) -> usize {
        match self {
            Kind::F32 | Kind::I32 => 4,
            Kind::F16 => 2,
            Kind::I8 => 1,
        }
    }
    fn ct2_code(self) -> u8 {
        match self {
            Kind::F32 => 0,
            Kind::I8 => 1,
            Kind::I32 => 3,
            Kind::F16 => 4,
        }
    }
    fn safetensors_name(self) -> &'static str {
        match self {
            Kind::F32 => "F32",
            Kind::F16 => "F16",
            Kind::I32 => "I32",
            Kind::I8 => "I8",
        }
    }
}

#[derive(Clone, Debug)]
struct Tensor {
    name: String,
    dims: Vec<u64>,
    kind: Kind,
    data: Vec<u8>,
}

fn tensor(name: &str, dims: &[usize], kind: Kind) -> Tensor {
    let count: usize = dims.iter().product();
    // Small finite values (1/64 in float16, tiny in float32): no NaN reaches the kernels.
    let pattern: &[u8] = match kind {
        Kind::F16 => &[0x00, 0x24],
        _ => &[1],
    };
    let data = (0..count * kind.bytes())
        .map(|i| pattern[i % pattern.len()])
        .collect();
    Tensor {
        name: name.to_owned(),
        dims: dims.iter().map(|&d| d as u64).collect(),
        kind,
        data,
    }
}

const WIDTH: usize = 64;
const MEL_BINS: usize = 2;
const FFN: usize = 4;
const VOCABULARY: usize = 8;

/// Whisper in CTranslate2's names: one layer each, width 64 (one head). `full` gives the
/// 1500 audio and 448 text positions the loader requires; otherwise 4 of each, so the
/// loader stops at that check after reading every header.
fn ct2_whisper(full: bool) -> Vec<Tensor> {
    let (audio, text) = if full {
        (
            tccc::limits::ASR_ENCODER_FRAMES_MAX / 2,
            tccc::limits::ASR_CONTEXT_TOKENS,
        )
    } else {
        (4, 4)
    };
    let w = WIDTH;
    let h = Kind::F16;
    let mut list = vec![
        tensor("encoder/conv1/weight", &[w, MEL_BINS, 3], h),
        tensor("encoder/conv1/bias", &[w], h),
        tensor("encoder/conv2/weight", &[w, w, 3], h),
        tensor("encoder/conv2/bias", &[w], h),
        Tensor {
            data: 1i32.to_le_bytes().to_vec(),
            ..tensor("encoder/num_heads", &[], Kind::I32)
        },
        tensor("encoder/position_encodings/encodings", &[audio, w], h),
        tensor("decoder/position_encodings/encodings", &[text, w], h),
        tensor("decoder/embeddings/weight", &[VOCABULARY, w], h),
    ];
    for stack in ["encoder", "decoder"] {
        let p = format!("{stack}/layer_0");
        let mut linear = |name: &str, rows: usize, depth: usize| {
            list.push(tensor(&format!("{p}/{name}/weight"), &[rows, depth], h));
            list.push(tensor(&format!("{p}/{name}/bias"), &[rows], h));
        };
        linear("self_attention/linear_0", 3 * w, w);
        linear("self_attention/linear_1", w, w);
        linear("ffn/linear_0", FFN, w);
        linear("ffn/linear_1", w, FFN);
        if stack == "decoder" {
            linear("attention/linear_0", w, w);
            linear("attention/linear_1", 2 * w, w);
            linear("attention/linear_2", w, w);
        }
        let mut norms = vec!["self_attention", "ffn"];
        if stack == "decoder" {
            norms.push("attention");
        }
        for norm in norms {
            list.push(tensor(&format!("{p}/{norm}/layer_norm/gamma"), &[w], h));
            list.push(tensor(&format!("{p}/{norm}/layer_norm/beta"), &[w], h));
        }
        list.push(tensor(&format!("{stack}/layer_norm/gamma"), &[w], h));
        list.push(tensor(&format!("{stack}/layer_norm/beta"), &[w], h));
    }
    list
}

/// The same model in a Hugging Face checkpoint's names (q/k/v separate, no key bias).
fn hf_whisper(full: bool) -> Vec<Tensor> {
    let (audio, text) = if full {
        (
            tccc::limits::ASR_ENCODER_FRAMES_MAX / 2,
            tccc::limits::ASR_CONTEXT_TOKENS,
        )
    } else {
        (4, 4)
    };
    let w = WIDTH;
    let h = Kind::F16;
    let mut list = vec![
        tensor("model.encoder.conv1.weight", &[w, MEL_BINS, 3], h),
        tensor("model.encoder.conv1.bias", &[w], h),
        tensor("model.encoder.conv2.weight", &[w, w, 3], h),
        tensor("model.encoder.conv2.bias", &[w], h),
        tensor("model.encoder.embed_positions.weight", &[audio, w], h),
        tensor("model.decoder.embed_positions.weight", &[text, w], h),
        tensor("model.decoder.embed_tokens.weight", &[VOCABULARY, w], h),
    ];
    for stack in ["encoder", "decoder"] {
        let p = format!("model.{stack}.layers.0");
        let mut add =
            |name: &str, dims: &[usize]| list.push(tensor(&format!("{p}.{name}"), dims, h));
        let attention = |block: &str, add: &mut dyn FnMut(&str, &[usize])| {
            for projection in ["q_proj", "k_proj", "v_proj", "out_proj"] {
                add(&format!("{block}.{projection}.weight"), &[w, w]);
                if projection != "k_proj" {
                    add(&format!("{block}.{projection}.bias"), &[w]);
                }
            }
            add(&format!("{block}_layer_norm.weight"), &[w]);
            add(&format!("{block}_layer_norm.bias"), &[w]);
        };
        attention("self_attn", &mut add);
        if stack == "decoder" {
            attention("encoder_attn", &mut add);
        }
        add("fc1.weight", &[FFN, w]);
        add("fc1.bias", &[FFN]);
        add("fc2.weight", &[w, FFN]);
        add("fc2.bias", &[w]);
        add("final_layer_norm.weight", &[w]);
        add("final_layer_norm.bias", &[w]);
        list.push(tensor(&format!("model.{stack}.layer_norm.weight"), &[w], h));
        list.push(tensor(&format!("model.{stack}.layer_norm.bias"), &[w], h));
    }
    list
}

fn push_name(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(&(name.len() as u16 + 1).to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.push(0);
}

/// A CTranslate2 model.bin (version 6); `size_lie` adds to one variable's declared size.
fn ct2_bytes(tensors: &[Tensor], size_lie: Option<(usize, i64)>) -> Vec<u8> {
    let mut out = 6u32.to_le_bytes().to_vec();
    push_name(&mut out, "WhisperSpec");
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(tensors.len() as u32).to_le_bytes());
    for (index, tensor) in tensors.iter().enumerate() {
        push_name(&mut out, &tensor.name);
        out.push(tensor.dims.len() as u8);
        for &dim in &tensor.dims {
            out.extend_from_slice(&(dim as u32).to_le_bytes());
        }
        out.push(tensor.kind.ct2_code());
        let mut size = tensor.data.len() as i64;
        if let Some((lied, by)) = size_lie {
            if lied == index {
                size += by;
            }
        }
        out.extend_from_slice(&(size as u32).to_le_bytes());
        out.extend_from_slice(&tensor.data);
    }
    out.extend_from_slice(&1u32.to_le_bytes());
    push_name(&mut out, "decoder/projection/weight");
    push_name(&mut out, "decoder/embeddings/weight");
    out
}

/// A safetensors file; `offset_lie` moves one tensor's end offset, `header_lie` the
/// declared header length.
fn safetensors_bytes(
    tensors: &[Tensor],
    offset_lie: Option<(usize, i64)>,
    header_lie: i64,
) -> Vec<u8> {
    let mut header = String::from("{\"__metadata__\":{\"format\":\"pt\"}");
    let mut offset = 0i64;
    for (index, tensor) in tensors.iter().enumerate() {
        let mut end = offset + tensor.data.len() as i64;
        if let Some((lied, by)) = offset_lie {
            if lied == index {
                end += by;
            }
        }
        header.push_str(&format!(
            ",\"{}\":{{\"dtype\":\"{}\",\"shape\":{:?},\"data_offsets\":[{offset},{end}]}}",
            tensor.name,
            tensor.kind.safetensors_name(),
            tensor.dims
        ));
        offset += tensor.data.len() as i64;
    }
    header.push('}');
    let mut out = ((header.len() as i64 + header_lie) as u64)
        .to_le_bytes()
        .to_vec();
    out.extend_from_slice(header.as_bytes());
    for tensor in tensors {
        out.extend_from_slice(&tensor.data);
    }
    out
}

/// Makes one field of one tensor wrong (or, rarely, leaves the model as it is).
fn break_tensors(tensors: &mut Vec<Tensor>, random: &mut Random) {
    if tensors.is_empty() {
        return;
    }
    let at = below(random, tensors.len());
    let huge = [
        0u64,
        1,
        3,
        1500,
        u32::MAX as u64,
        1 << 33,
        u64::MAX / 2,
        u64::MAX,
    ];
    let t = &mut tensors[at];
    match random.next_u64() % 11 {
        0 => {
            // Rank 0, with or without data that fits one element.
            t.dims.clear();
            if random.next_u64().is_multiple_of(2) {
                t.data.truncate(t.kind.bytes());
            }
        }
        1 if t.dims.len() >= 2 => {
            let (a, b) = (below(random, t.dims.len()), below(random, t.dims.len()));
            t.dims.swap(a, b);
        }
        2 if !t.dims.is_empty() => {
            let d = below(random, t.dims.len());
            t.dims[d] = huge[below(random, huge.len())];
        }
        3 => {
            let keep = below(random, t.data.len() + 1);
            t.data.truncate(keep);
        }
        4 => t.data.extend(std::iter::repeat_n(7, 1 + below(random, 64))),
        5 => t.kind = [Kind::F32, Kind::F16, Kind::I32, Kind::I8][below(random, 4)],
        6 => {
            tensors.remove(at);
        }
        7 => {
            let other = below(random, tensors.len());
            tensors[at].name = tensors[other].name.clone();
        }
        8 => {
            // A consistent but wrong shape: the data resized to fit.
            let dims: Vec<u64> = (0..below(random, 4))
                .map(|_| below(random, 5) as u64)
                .collect();
            let count: u64 = dims.iter().product();
            t.data.resize(count as usize * t.kind.bytes(), 1);
            t.dims = dims;
        }
        9 => {
            // A lying scalar (the head count), or another tensor's data overwritten.
            for byte in t.data.iter_mut().take(4) {
                *byte = random.next_u64() as u8;
            }
        }
        _ => {}
    }
}

/// A structure-aware variant of `base`: one or two fields wrong, sometimes a lying size.
fn broken(base: &[Tensor], random: &mut Random) -> Vec<Tensor> {
    let mut tensors = base.to_vec();
    for _ in 0..1 + random.next_u64() % 2 {
        break_tensors(&mut tensors, random);
    }
    tensors
}

fn lie(random: &mut Random, count: usize) -> Option<(usize, i64)> {
    if random.next_u64().is_multiple_of(4) {
        let by = [-4i64, -2, -1, 1, 2, 1 << 20, i64::from(u32::MAX)][below(random, 7)];
        Some((below(random, count), by))
    } else {
        None
    }
}

/// Full-model inputs are slow (each converts about 200 000 weights); this share of the
/// inputs loads the whole model, the rest stop at the position check.
const FULL_MODEL_SHARE: usize = 50;

#[test]
fn ct2_model_reader_survives_malformed_models() {
    let (small, full) = (ct2_whisper(false), ct2_whisper(true));
    // The valid full model loads: the structure-aware cases start from a real load.
    let model = tccc::asr::ct2::Ct2Model::from_bytes(
        std::path::Path::new("model.bin"),
        ct2_bytes(&full, None),
    )
    .unwrap();
    tccc::asr::whisper::WhisperWeights::from_source(&model).unwrap();
    let n = iterations();
    timed("ct2 model.bin", || {
        run(
            &[ct2_bytes(&small, None)],
            n / 3,
            tccc::fuzzing::ct2_model,
            11,
        ) + run_made(
            n - n / 3 - n / FULL_MODEL_SHARE,
            tccc::fuzzing::ct2_model,
            12,
            |r| {
                let t = broken(&small, r);
                ct2_bytes(&t, lie(r, t.len()))
            },
        ) + run_made(n / FULL_MODEL_SHARE, tccc::fuzzing::ct2_model, 13, |r| {
            let t = broken(&full, r);
            ct2_bytes(&t, lie(r, t.len()))
        })
    });
}

#[test]
fn whisper_safetensors_reader_survives_malformed_checkpoints() {
    let (small, full) = (hf_whisper(false), hf_whisper(true));
    let file = tccc::asr::safetensors::SafetensorsFile::from_bytes(
        std::path::Path::new("model.safetensors"),
        safetensors_bytes(&full, None, 0),
    )
    .unwrap();
    let config = serde_json::json!({ "encoder_attention_heads": 1 });
    let model = tccc::asr::safetensors::HfWhisper::from_parts(
        file,
        &config,
        std::path::Path::new("config.json"),
    )
    .unwrap();
    tccc::asr::whisper::WhisperWeights::from_source(&model).unwrap();
    let n = iterations();
    let make = |base: &[Tensor], r: &mut Random| {
        let t = broken(base, r);
        let header_lie = if r.next_u64().is_multiple_of(8) {
            [-3i64, -1, 1, 8, 1 << 30][below(r, 5)]
        } else {
            0
        };
        safetensors_bytes(&t, lie(r, t.len()), header_lie)
    };
    timed("whisper model.safetensors", || {
        let seeds = [safetensors_bytes(&small, None, 0)];
        run(&seeds, n / 3, tccc::fuzzing::whisper_safetensors, 21)
            + run_made(
                n - n / 3 - n / FULL_MODEL_SHARE,
                tccc::fuzzing::whisper_safetensors,
                22,
                |r| make(&small, r),
            )
            + run_made(
                n / FULL_MODEL_SHARE,
                tccc::fuzzing::whisper_safetensors,
                23,
                |r| make(&full, r),
            )
    });
}

#[test]
fn whisper_config_json_survives_malformed_files() {
    let n = iterations();
    let seeds = vec![
        br#"{"encoder_attention_heads": 6, "suppress_ids": [1, 2, 50257], "suppress_ids_begin": [220]}"#.to_vec(),
        br#"{"suppress_tokens": [1, 2], "begin_suppress_tokens": [220, 50256], "encoder_attention_heads": 8}"#.to_vec(),
    ];
    let odd = [
        "-1",
        "0",
        "1e400",
        "18446744073709551616",
        "9223372036854775807",
        "\"six\"",
        "null",
        "[6]",
        "{}",
    ];
    timed("config.json", || {
        run(&seeds, n / 2, tccc::fuzzing::whisper_config_json, 31)
            + run_made(n - n / 2, tccc::fuzzing::whisper_config_json, 32, |r| {
                let value = odd[below(r, odd.len())];
                let list = format!("[{value}, {value}, 3]");
                let (heads, suppress) = if r.next_u64() % 2 == 0 {
                    (value, "[1]".to_owned())
                } else {
                    ("1", list)
                };
                format!(
                    r#"{{"encoder_attention_heads": {heads}, "suppress_ids": {suppress}, "suppress_tokens": {suppress}}}"#
                )
                .into_bytes()
            })
    });
}

/// GPT-2's printable character for each byte (the table tokenizer.json's vocabulary uses).
fn byte_characters() -> Vec<char> {
    let printable = |b: u32| {
        (0x21..=0x7e).contains(&b) || (0xa1..=0xac).contains(&b) || (0xae..=0xff).contains(&b)
    };
    let mut moved = 0;
    (0u32..256)
        .map(|b| {
            if printable(b) {
                char::from_u32(b).unwrap()
            } else {
                moved += 1;
                char::from_u32(255 + moved).unwrap()
            }
        })
        .collect()
}

const SPECIAL: [&str; 5] = [
    "<|endoftext|>",
    "<|startoftranscript|>",
    "<|notimestamps|>",
    "<|nocaptions|>",
    "<|startofprev|>",
];

/// A small tokenizer.json: the 256 byte tokens, two merges and the special tokens; `id`
/// writes the id of token `index` (to make one wrong).
fn tokenizer_json(id: impl Fn(usize) -> String, merge: &str) -> Vec<u8> {
    let characters = byte_characters();
    let mut vocab: Vec<String> = characters
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{:?}: {}", c.to_string(), id(i)))
        .collect();
    vocab.push(format!("\"Tt\": {}", id(256)));
    vocab.push(format!("\"Ttt\": {}", id(257)));
    let added: Vec<String> = SPECIAL
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{{\"id\": {}, \"content\": \"{s}\"}}", id(258 + i)))
        .collect();
    format!(
        "{{\"added_tokens\": [{}], \"model\": {{\"vocab\": {{{}}}, \"merges\": [\"T t\", {merge}]}}}}",
        added.join(", "),
        vocab.join(", ")
    )
    .into_bytes()
}

#[test]
fn tokenizer_json_survives_malformed_files() {
    let n = iterations();
    let valid = tokenizer_json(|i| i.to_string(), "[\"Tt\", \"t\"]");
    assert!(tccc::asr::tokenizer::Tokenizer::from_tokenizer_json(
        &serde_json::from_slice(&valid).unwrap(),
        std::path::Path::new("tokenizer.json")
    )
    .is_ok());
    let odd = [
        "-1",
        "65535",
        "65536",
        "4294967295",
        "4294967296",
        "18446744073709551615",
        "1.5",
        "\"7\"",
        "null",
    ];
    let merges = [
        "[\"Tt\", \"t\"]",
        "[\"Tt\"]",
        "\"Tt\"",
        "[]",
        "[1, 2]",
        "\"x y\"",
        "\" \"",
    ];
    timed("tokenizer.json", || {
        run(
            std::slice::from_ref(&valid),
            n / 3,
            tccc::fuzzing::tokenizer_json,
            41,
        ) + run_made(n - n / 3, tccc::fuzzing::tokenizer_json, 42, |r| {
            let wrong = below(r, 263);
            let value = odd[below(r, odd.len())];
            let swap = below(r, 263);
            tokenizer_json(
                |i| {
                    if i == wrong {
                        value.to_owned()
                    } else if i == swap {
                        wrong.to_string()
                    } else {
                        i.to_string()
                    }
                },
                merges[below(r, merges.len())],
            )
        })
    });
}

#[test]
fn vocabulary_txt_survives_malformed_files() {
    let n = iterations();
    let characters = byte_characters();
    let mut lines: Vec<String> = characters.iter().map(char::to_string).collect();
    lines.extend(SPECIAL.iter().map(|s| s.to_string()));
    let valid = lines.join("\n").into_bytes();
    timed("vocabulary.txt", || {
        run(
            std::slice::from_ref(&valid),
            n / 2,
            tccc::fuzzing::vocabulary_txt,
            51,
        ) + run_made(n - n / 2, tccc::fuzzing::vocabulary_txt, 52, |r| {
            let mut made = lines.clone();
            match r.next_u64() % 4 {
                0 => {
                    made.remove(256 + below(r, SPECIAL.len()));
                }
                1 => made.insert(below(r, made.len()), "<|endoftext|>".to_owned()),
                2 => made.truncate(below(r, made.len())),
                _ => made.push("\u{fffd}\u{0}\r".to_owned()),
            }
            made.join("\n").into_bytes()
        })
    });
    // More lines than a vocabulary may have: an error, not a huge table.
    let many = "a\n".repeat(tccc::limits::ASR_VOCABULARY_TOKENS_MAX + 1);
    tccc::fuzzing::vocabulary_txt(many.as_bytes());
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
    let n = iterations();
    timed("WAV", || run(&seeds, n, tccc::fuzzing::wav, 1));
}

/// Protobuf helpers for small synthetic ONNX models.
fn varint(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn delimited(field: u64, body: &[u8], out: &mut Vec<u8>) {
    varint(field << 3 | 2, out);
    varint(body.len() as u64, out);
    out.extend_from_slice(body);
}

/// An ONNX model with one float initializer `w` of `dims`, `values` floats stored raw.
fn onnx_model(dims: &[u64], values: usize, packed: bool) -> Vec<u8> {
    let mut tensor = Vec::new();
    for &d in dims {
        varint(1 << 3, &mut tensor);
        varint(d, &mut tensor);
    }
    varint(2 << 3, &mut tensor);
    varint(1, &mut tensor);
    delimited(8, b"w", &mut tensor);
    let raw: Vec<u8> = (0..values).flat_map(|i| (i as f32).to_le_bytes()).collect();
    delimited(if packed { 4 } else { 9 }, &raw, &mut tensor);
    let mut graph = Vec::new();
    delimited(5, &tensor, &mut graph);
    let mut model = Vec::new();
    varint(1 << 3, &mut model);
    varint(8, &mut model);
    delimited(7, &graph, &mut model);
    model
}

#[test]
fn onnx_reader_survives_mutated_models() {
    let model = repo_model("silero_vad_16k_op15.onnx");
    let n = iterations();
    timed("ONNX", || {
        // The real model is 1 MB: a few hundred whole-file mutations, the rest on its head
        // and on small synthetic models.
        let dims = [0u64, 1, 2, 3, 1 << 32, u64::MAX / 4, u64::MAX];
        let seeds = vec![
            model[..8192].to_vec(),
            model[..200].to_vec(),
            onnx_model(&[2, 3], 6, false),
        ];
        run(std::slice::from_ref(&model), 200, tccc::fuzzing::onnx, 2)
            + run(&seeds, n / 2, tccc::fuzzing::onnx, 3)
            + run_made(n - n / 2, tccc::fuzzing::onnx, 4, |r| {
                let rank = below(r, 4);
                let shape: Vec<u64> = (0..rank).map(|_| dims[below(r, dims.len())]).collect();
                onnx_model(&shape, below(r, 8), r.next_u64() % 2 == 0)
            })
    });
}

#[test]
fn vad_safetensors_reader_survives_mutated_files() {
    let file = repo_model("silero_vad_16k.safetensors");
    let n = iterations();
    let base = vec![
        tensor("w", &[2, 3], Kind::F32),
        tensor("stft_conv.weight", &[2, 1, 2], Kind::F32),
    ];
    timed("VAD safetensors", || {
        let seeds = vec![file[..4096].to_vec(), safetensors_bytes(&base, None, 0)];
        run(
            std::slice::from_ref(&file),
            100,
            tccc::fuzzing::safetensors,
            5,
        ) + run(&seeds, n / 2, tccc::fuzzing::safetensors, 6)
            + run_made(n - n / 2, tccc::fuzzing::safetensors, 7, |r| {
                let t = broken(&base, r);
                let header_lie = if r.next_u64() % 8 == 0 {
                    [-1i64, 1, 1 << 40][below(r, 3)]
                } else {
                    0
                };
                safetensors_bytes(&t, lie(r, t.len()), header_lie)
            })
    });
}

#[test]
fn config_parser_survives_mutated_files() {
    let default = tccc::config::DEFAULT_CONFIG_TOML.as_bytes().to_vec();
    let n = iterations();
    let keys = [
        "[audio]\ndevice",
        "[audio]\nrate_hz",
        "[vad]\nthreshold",
        "[asr]\nbeam_width",
        "[asr]\ninitial_prompt",
        "[models]\ndir",
    ];
    let values = [
        "\"hw:0\\u0000\"",
        "\"\\n\"",
        "-1",
        "1e309",
        "nan",
        "9223372036854775807",
        "\"\"",
        "[]",
        "{}",
    ];
    timed("configuration", || {
        let seeds = vec![
            b"[vad]\nthreshold = 0.5\n".to_vec(),
            b"[audio]\ndevice = \"default\"\n".to_vec(),
        ];
        run(
            std::slice::from_ref(&default),
            2_000,
            tccc::fuzzing::config,
            8,
        ) + run(&seeds, n / 2, tccc::fuzzing::config, 9)
            + run_made(n - n / 2, tccc::fuzzing::config, 10, |r| {
                format!(
                    "{} = {}\n",
                    keys[below(r, keys.len())],
                    values[below(r, values.len())]
                )
                .into_bytes()
            })
    });
}

fn repo_model(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/silero-vad")
        .join(name);
    std::fs::read(&path)
        .unwrap_or_else(|_| panic!("{} is missing: run `models/fetch` first", path.display()))
}

#[test]
fn wrong_shapes_are_errors_naming_the_file_and_the_tensor() {
    use tccc::asr::whisper::WhisperWeights;
    let path = std::path::Path::new("dir/model.bin");
    // Rank 0 where the loader reads a first dimension (this panicked before).
    let mut tensors = ct2_whisper(true);
    let positions = tensors
        .iter_mut()
        .find(|t| t.name == "encoder/position_encodings/encodings")
        .unwrap();
    positions.dims.clear();
    positions.data.truncate(2);
    let model = tccc::asr::ct2::Ct2Model::from_bytes(path, ct2_bytes(&tensors, None)).unwrap();
    let message = WhisperWeights::from_source(&model).unwrap_err().to_string();
    assert!(
        message.contains("dir/model.bin") && message.contains("rank 0"),
        "{message}"
    );
    // A Hugging Face key projection whose row count disagrees with its siblings.
    let mut tensors = hf_whisper(true);
    let key = tensors
        .iter_mut()
        .find(|t| t.name == "model.encoder.layers.0.self_attn.k_proj.weight")
        .unwrap();
    key.dims = vec![32, 128];
    let file = tccc::asr::safetensors::SafetensorsFile::from_bytes(
        std::path::Path::new("dir/model.safetensors"),
        safetensors_bytes(&tensors, None, 0),
    )
    .unwrap();
    let config = serde_json::json!({ "encoder_attention_heads": 1 });
    let model = tccc::asr::safetensors::HfWhisper::from_parts(
        file,
        &config,
        std::path::Path::new("dir/config.json"),
    )
    .unwrap();
    let message = WhisperWeights::from_source(&model).unwrap_err().to_string();
    assert!(
        message.contains("dir/model.safetensors") && message.contains("k_proj"),
        "{message}"
    );
}

#[test]
fn transcribe_wav_reader_survives_mutated_files() {
    let mut pcm = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0".to_vec();
    for value in [1u16, 1] {
        pcm.extend_from_slice(&value.to_le_bytes());
    }
    pcm.extend_from_slice(&16_000u32.to_le_bytes());
    pcm.extend_from_slice(&32_000u32.to_le_bytes());
    pcm.extend_from_slice(&[2, 0, 16, 0]);
    pcm.extend_from_slice(b"data\x40\0\0\0");
    pcm.extend_from_slice(&[0x11; 64]);
    let mut mu_law = pcm.clone();
    mu_law[20] = 7; // format tag: mu-law
    mu_law[34] = 8; // 8 bits
    let seeds = vec![
        pcm,
        mu_law,
        repo_file("tests/fixtures/audio/jfk.wav")[..2048].to_vec(),
    ];
    let n = iterations();
    timed("transcribe WAV", || {
        run(&seeds, n, tccc::fuzzing::transcribe_wav, 17)
    });
}

#[test]
fn transcript_reader_survives_mutated_files() {
    // Seeds: a few utterances of each corpus scenario, as a transcript file.
    let mut seeds = Vec::new();
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    for entry in std::fs::read_dir(corpus).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(serde_json::Value::Array(scenarios)) = serde_json::from_str(&text) else {
            continue;
        };
        for scenario in scenarios.iter().step_by(7) {
            if let Some(utterances) = scenario["utterances"].as_array() {
                let lines: Vec<&str> = utterances
                    .iter()
                    .take(4)
                    .filter_map(|u| u.as_str())
                    .collect();
                seeds.push(lines.join("\n").into_bytes());
            }
        }
    }
    seeds.push(vec![0xff, 0xfe, b'\n', b'P']);
    assert!(seeds.len() > 20, "{} seeds", seeds.len());
    let n = iterations();
    timed("transcript", || {
        run(&seeds, n, tccc::fuzzing::transcript, 19)
    });
}

#[test]
fn journal_payloads_survive_mutated_records() {
    use tccc::journal::codec::{self, Kind};
    // Seeds: one record of each kind, audio of several lengths among them.
    let mut seeds = Vec::new();
    for samples in [0usize, 1, 7, 480] {
        let mut payload = vec![Kind::Audio as u8];
        codec::encode_audio(
            &codec::AudioRecord {
                segment: samples as u32,
                start_s: samples as f64 * 0.25,
                rate_hz: 16_000,
                samples: (0..samples).map(|i| (i as i16).wrapping_mul(331)).collect(),
            },
            &mut payload,
        );
        seeds.push(payload);
    }
    let mut utterance = vec![Kind::Utterance as u8];
    codec::encode_utterance(
        &codec::UtteranceRecord {
            index: 3,
            start_s: 1.0,
            end_s: 2.5,
            text: "tourniquet left leg".into(),
            words: vec![tccc::speech::HeardWord {
                start: 0,
                end: 10,
                confidence: 0.5,
            }],
            model: "whisper-tiny.en".into(),
            lexicon: "lexicon/2".into(),
            audio_seq: Some(2),
            rehearing_of: Some(1),
        },
        &mut utterance,
    );
    seeds.push(utterance);
    let mut alert = vec![Kind::Alert as u8];
    codec::encode_alert(
        &codec::AlertRecord {
            message: "disk full".into(),
        },
        &mut alert,
    );
    seeds.push(alert);
    let mut void = vec![Kind::Void as u8];
    codec::encode_void(4, 9, &mut void);
    seeds.push(void);
    let mut command = vec![Kind::Command as u8];
    codec::encode_command(
        &codec::CommandRecord {
            line: "confirm 3".into(),
        },
        &mut command,
    );
    seeds.push(command);
    for event in journal_events() {
        let mut payload = vec![Kind::Event as u8];
        codec::encode_event(&event, &mut payload);
        seeds.push(payload);
    }
    let n = iterations();
    timed("journal payloads", || {
        run(&seeds, n, tccc::fuzzing::journal_payload, 23)
    });
}

/// Every event kind, facts with and without their optional parts, every doubt.
fn journal_events() -> Vec<tccc::record::Event> {
    use tccc::record::{Doubt, Event, Fact, Limb, Provenance, Route, TourniquetKind, VitalValue};
    let provenance = |doubt| Provenance {
        utterance: 2,
        char_start: 4,
        char_end: 19,
        heard_start_s: 1.5,
        heard_end_s: 3.25,
        confidence: 0.75,
        doubt,
        lexicon: tccc::extract::lexicon::LEXICON_VERSION,
    };
    let facts = [
        Fact::Tourniquet {
            limb: Limb::LeftLeg,
            kind: TourniquetKind::Extremity,
            time: None,
        },
        Fact::Vital {
            value: VitalValue::BloodPressure {
                systolic: 90,
                diastolic: Some(60),
            },
            time: None,
        },
        Fact::Medication {
            name: "txa",
            dose: Some(1.0),
            unit: None,
            route: Some(Route::Iv),
            time: None,
        },
        Fact::Allergy("penicillin".into()),
    ];
    let doubts = [
        None,
        Some(Doubt::LowConfidence),
        Some(Doubt::Proposed),
        Some(Doubt::Reprocessed),
    ];
    let mut events = vec![Event::CasualtySwitched {
        casualty: 2,
        provenance: provenance(None),
    }];
    for (id, (fact, doubt)) in facts.into_iter().zip(doubts).enumerate() {
        events.push(Event::Asserted {
            id: id as u32,
            casualty: 1,
            fact,
            provenance: provenance(doubt),
        });
    }
    events.push(Event::Corrected {
        superseded: 0,
        by: Some(1),
        provenance: provenance(None),
    });
    events.push(Event::Corrected {
        superseded: 1,
        by: None,
        provenance: provenance(None),
    });
    events.push(Event::Confirmed {
        id: 2,
        provenance: provenance(None),
    });
    events.push(Event::Rejected {
        id: 3,
        provenance: provenance(None),
    });
    events
}

/// A segment file sealed with the fuzz key: every record kind, a second hearing among the
/// utterances.
fn journal_segment_file() -> Vec<u8> {
    use std::time::Duration;
    use tccc::journal::codec::{self, Kind};
    use tccc::journal::storage::{SimStorage, Storage};
    use tccc::journal::{self, WriterTiming};
    let storage = SimStorage::new(7);
    let (mut journal, _) = journal::open(
        Box::new(storage.clone()),
        &tccc::fuzzing::journal_fuzz_key(),
        WriterTiming::default(),
    )
    .unwrap();
    let mut audio = Vec::new();
    codec::encode_audio(
        &codec::AudioRecord {
            segment: 0,
            start_s: 0.5,
            rate_hz: 16_000,
            samples: (0..64).map(|i| (i as i16) * 97).collect(),
        },
        &mut audio,
    );
    journal.append(Kind::Audio as u8, audio).unwrap();
    for (index, rehearing_of) in [(0, None), (1, Some(0))] {
        let mut utterance = Vec::new();
        codec::encode_utterance(
            &codec::UtteranceRecord {
                index,
                start_s: 0.5,
                end_s: 0.504,
                text: "tourniquet left leg".into(),
                words: Vec::new(),
                model: "whisper-tiny.en".into(),
                lexicon: tccc::extract::lexicon::LEXICON_VERSION.into(),
                audio_seq: Some(0),
                rehearing_of,
            },
            &mut utterance,
        );
        journal.append(Kind::Utterance as u8, utterance).unwrap();
    }
    for event in journal_events() {
        let mut payload = Vec::new();
        codec::encode_event(&event, &mut payload);
        journal.append(Kind::Event as u8, payload).unwrap();
    }
    let mut alert = Vec::new();
    codec::encode_alert(
        &codec::AlertRecord {
            message: "disk full".into(),
        },
        &mut alert,
    );
    journal.append(Kind::Alert as u8, alert).unwrap();
    journal.close(Duration::from_secs(10)).unwrap();
    let names = storage.list().unwrap();
    assert_eq!(names.len(), 1, "{names:?}");
    storage.read(&names[0]).unwrap()
}

#[test]
fn journal_files_survive_mutated_frames_and_headers() {
    let file = journal_segment_file();
    let key = tccc::fuzzing::journal_fuzz_key();
    // The seed itself reads back whole.
    {
        use tccc::journal::storage::{segment_name, SimStorage, Storage};
        let mut storage = SimStorage::new(0);
        storage.create(&segment_name(1)).unwrap();
        storage.append(&segment_name(1), &file).unwrap();
        let state = tccc::journal::read_state(&storage, &key).unwrap();
        assert!(state.problems.is_empty(), "{:?}", state.problems);
        assert_eq!(state.utterances.len(), 2);
        assert_eq!(state.utterances[1].rehearing_of, Some(0));
        assert_eq!(state.log.events().len(), journal_events().len());
    }
    let header = tccc::journal::format::FILE_HEADER_BYTES;
    let seeds = vec![
        file.clone(),
        file[..header].to_vec(),
        file[..file.len() / 2].to_vec(),
        [&file[..], &file[header..]].concat(),
    ];
    let n = iterations();
    timed("journal files", || {
        run(&seeds, n, tccc::fuzzing::journal_file, 29)
    });
}

// ---------------------------------------------------------------------------------------
// GGUF language models (src/llm/gguf.rs): small llama-shaped files, valid and then wrong in
// one field (a lying string or array length, a huge count, a bad alignment, a tensor past
// the end or off its alignment, a wrong block multiple, an unknown type).

fn small_gguf(random: &mut Random) -> Vec<u8> {
    use tccc::llm::gguf::GgufWriter;
    let mut writer = GgufWriter::default();
    let tokens = ["<|endoftext|>", "a", "b", "ab", "Ġ", "Ġa", "\u{e9}"];
    writer
        .string("general.architecture", "llama")
        .u32("llama.block_count", 1 + below(random, 2) as u32)
        .u32("llama.embedding_length", 32)
        .u32("llama.feed_forward_length", 64)
        .u32("llama.attention.head_count", 2)
        .u32("llama.attention.head_count_kv", 1)
        .u32("llama.context_length", 64)
        .f32("llama.rope.freq_base", 10000.0)
        .f32("llama.attention.layer_norm_rms_epsilon", 1e-5)
        .string("tokenizer.ggml.model", "gpt2")
        .string("tokenizer.ggml.pre", "smollm")
        .strings("tokenizer.ggml.tokens", &tokens[..3 + below(random, 5)])
        .strings("tokenizer.ggml.merges", &["a b", "Ġ a"][..below(random, 3)])
        .i32s(
            "tokenizer.ggml.token_type",
            &[3, 1, 1, 1, 1, 1, 1][..below(random, 8)],
        )
        .u32("tokenizer.ggml.bos_token_id", below(random, 9) as u32)
        .u32("tokenizer.ggml.eos_token_id", below(random, 9) as u32);
    match below(random, 6) {
        0 => {
            writer.u32(
                "general.alignment",
                [0u32, 3, 64, 1 << 30][below(random, 4)],
            );
        }
        1 => {
            writer.raw("nested", 9, {
                let mut value = 9u32.to_le_bytes().to_vec();
                value.extend_from_slice(&(below(random, 3) as u64).to_le_bytes());
                value
            });
        }
        2 => {
            writer.raw("odd", [13u32, 99, 7][below(random, 3)], vec![2, 0, 0, 0]);
        }
        _ => {}
    }
    let kinds = [
        (0u32, 4usize, 1usize),
        (1, 2, 1),
        (3, 20, 32),
        (8, 34, 32),
        (2, 18, 32),
    ];
    let names = [
        "token_embd.weight",
        "output_norm.weight",
        "blk.0.attn_norm.weight",
        "blk.0.attn_q.weight",
        "blk.0.attn_k.weight",
        "blk.0.attn_v.weight",
        "blk.0.attn_output.weight",
        "blk.0.ffn_norm.weight",
        "blk.0.ffn_gate.weight",
        "blk.0.ffn_up.weight",
        "blk.0.ffn_down.weight",
    ];
    for name in names {
        let (kind, block_bytes, block) = kinds[below(random, kinds.len())];
        let depth = [32u64, 64, 31, 0][below(random, 4).min(below(random, 4))];
        let rows = [32u64, 16, 7, 1][below(random, 4)];
        let elements = (depth * rows) as usize;
        let mut bytes = elements / block * block_bytes;
        if random.next_u64().is_multiple_of(5) {
            bytes = bytes.saturating_sub(below(random, 40));
        }
        let data: Vec<u8> = (0..bytes).map(|_| random.next_u64() as u8).collect();
        writer.tensor(name, &[depth, rows], kind, data);
    }
    writer.finish()
}

#[test]
fn gguf_reader_survives_mutated_files() {
    let count = iterations();
    timed("gguf", || {
        run_made(count, tccc::fuzzing::gguf, 0x6767_7566, small_gguf)
    });
}
