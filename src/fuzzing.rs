//! Entry points for fuzzing every reader of outside input: WAV, the TOML configuration, the
//! VAD's ONNX and safetensors weights, GGUF language models, and the Whisper folder's files (CTranslate2
//! `model.bin`, Hugging Face `model.safetensors` and `config.json`, `tokenizer.json`,
//! `vocabulary.txt`), the WAVs `tccc transcribe` reads, transcripts, and journal records
//! and segment files. The cargo-fuzz targets in `fuzz/fuzz_targets/` call these, and so does
//! the stable harness `tests/fuzz_harness.rs`, which runs each on at least 10^5 mutated and
//! structure-aware inputs in every test run. Each must return (an error is fine) for any
//! input: no panic, no hang, no unbounded allocation.

use std::io::Cursor;
use std::path::Path;

use crate::asr::ct2::Ct2Model;
use crate::asr::safetensors::{HfWhisper, SafetensorsFile as WhisperSafetensors};
use crate::asr::tokenizer::{PromptEncoder, Tokenizer};
use crate::asr::weights::WeightSource;
use crate::asr::whisper::WhisperWeights;
use crate::audio::source::{AudioSource, SourceRead, WavSource};
use crate::config::Config;
use crate::vad::model_file::TensorSource;
use crate::vad::onnx::OnnxInitializers;
use crate::vad::safetensors::SafetensorsFile;

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
        let _ = file.f32_tensor("w", &[2, 3]);
    }
}

/// Parses `data` as the VAD's safetensors file and asks for a tensor.
pub fn safetensors(data: &[u8]) {
    if let Ok(file) = SafetensorsFile::from_bytes(Path::new("fuzz.safetensors"), data.to_vec()) {
        let _ = file.f32_tensor("stft_conv.weight", &[258, 1, 256]);
        let _ = file.f32_tensor("w", &[2, 3]);
    }
}

/// Parses `data` as a configuration file.
pub fn config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Config::from_toml(text, "fuzz.toml");
    }
}

/// Asks a Whisper weight source for everything the loader may ask, then loads it.
fn probe_whisper(source: &dyn WeightSource, names: &[String]) {
    for name in names {
        if let Ok(dims) = source.dims(name) {
            let _ = source.tensor(name, &dims);
            if let [rows, depth] = dims[..] {
                let _ = source.half_matrix(name, rows, depth);
            }
        }
        let _ = source.scalar(name);
        let _ = source.leading_dim(name);
    }
    let _ = WhisperWeights::from_source(source);
}

/// Parses `data` as a CTranslate2 `model.bin`, reads every variable and loads it as Whisper.
pub fn ct2_model(data: &[u8]) {
    if let Ok(model) = Ct2Model::from_bytes(Path::new("fuzz/model.bin"), data.to_vec()) {
        let names: Vec<String> = model.names().map(str::to_owned).collect();
        probe_whisper(&model, &names);
    }
}

/// CTranslate2 names the Hugging Face adapter maps, for probing.
const WHISPER_PROBE_NAMES: [&str; 8] = [
    "encoder/conv1/weight",
    "encoder/conv1/bias",
    "encoder/num_heads",
    "encoder/position_encodings/encodings",
    "decoder/embeddings/weight",
    "encoder/layer_0/self_attention/linear_0/weight",
    "decoder/layer_0/attention/linear_1/weight",
    "decoder/layer_0/attention/linear_1/bias",
];

/// Parses `data` as a Hugging Face Whisper `model.safetensors` (with a config.json of one
/// attention head) and loads it as Whisper.
pub fn whisper_safetensors(data: &[u8]) {
    let path = Path::new("fuzz/model.safetensors");
    let Ok(file) = WhisperSafetensors::from_bytes(path, data.to_vec()) else {
        return;
    };
    let config = serde_json::json!({ "encoder_attention_heads": 1 });
    if let Ok(model) = HfWhisper::from_parts(file, &config, Path::new("fuzz/config.json")) {
        let names: Vec<String> = WHISPER_PROBE_NAMES.iter().map(|&n| n.to_owned()).collect();
        probe_whisper(&model, &names);
    }
}

/// Parses `data` as a model folder's `config.json`: the attention heads of a Hugging Face
/// folder and the suppression lists.
pub fn whisper_config_json(data: &[u8]) {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = crate::asr::suppression_lists(&json);
    // An empty (valid) safetensors file: only the config is under test.
    let mut empty = 2u64.to_le_bytes().to_vec();
    empty.extend_from_slice(b"{}");
    if let Ok(file) = WhisperSafetensors::from_bytes(Path::new("fuzz/model.safetensors"), empty) {
        let _ = HfWhisper::from_parts(file, &json, Path::new("fuzz/config.json"));
    }
}

/// Decodes a few token ids, the ones past the end included.
fn probe_tokenizer(tokenizer: &mut Tokenizer) {
    let mut scratch = Vec::with_capacity(64);
    let mut text = String::with_capacity(64);
    let ids = [0, 1, 255, 256, tokenizer.special.end_of_text, u32::MAX];
    tokenizer.decode_into(&ids, &mut scratch, &mut text);
    let len = tokenizer.len();
    tokenizer.extend_to(len + 1);
}

/// Parses `data` as a Hugging Face `tokenizer.json`: the vocabulary and the prompt encoder.
pub fn tokenizer_json(data: &[u8]) {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let path = Path::new("fuzz/tokenizer.json");
    if let Ok(mut tokenizer) = Tokenizer::from_tokenizer_json(&json, path) {
        probe_tokenizer(&mut tokenizer);
    }
    if let Ok(encoder) = PromptEncoder::from_json(&json, path) {
        let _ = encoder.encode(" Tourniquet, left leg <|endoftext|> at 0915.");
    }
}

/// Reads `data` as `tccc transcribe`'s 16 kHz mono WAV (PCM-16 or mu-law).
pub fn transcribe_wav(data: &[u8]) {
    let _ = crate::cli::transcribe::wav_16k_mono(data, "fuzz.wav");
}

/// Reads `data` as a transcript file (`tccc process --transcript`), runs the extractor over
/// it and serialises and renders the record.
pub fn transcript(data: &[u8]) {
    let Ok(text) = crate::cli::process::transcript_text(data.to_vec(), "fuzz.txt") else {
        return;
    };
    let Ok((extractor, utterances)) = crate::cli::process::extract_transcript(&text) else {
        return;
    };
    let record = extractor.record();
    let _ = crate::record::RecordDocument::new(&record, utterances).to_json();
    let _ = crate::render::card::render(&record);
}

/// Parses `data` as a CTranslate2 `vocabulary.txt`.
pub fn vocabulary_txt(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(mut tokenizer) =
        Tokenizer::from_vocabulary_text(text, Path::new("fuzz/vocabulary.txt"))
    {
        probe_tokenizer(&mut tokenizer);
    }
}

/// Reads `data` as a journal record's payload: the first byte is the record kind, the rest
/// the payload, decoded by that kind's reader (an audio record also by its header reader,
/// which must agree with the full one). Replay runs these on every record it opens.
pub fn journal_payload(data: &[u8]) {
    use crate::journal::codec;
    let Some((&kind, payload)) = data.split_first() else {
        return;
    };
    match codec::Kind::from_tag(kind) {
        Some(codec::Kind::Audio) => {
            let header = codec::decode_audio_header(payload);
            let full = codec::decode_audio(payload);
            match (header, full) {
                (Ok(header), Ok(audio)) => {
                    assert_eq!(header.samples, audio.samples.len());
                    assert!(header.end_s() >= header.start_s);
                    let mut again = Vec::new();
                    codec::encode_audio(&audio, &mut again);
                    assert_eq!(codec::decode_audio(&again).ok(), Some(audio));
                }
                (Err(_), Err(_)) => {}
                (header, full) => panic!("audio readers disagree: {header:?} / {full:?}"),
            }
        }
        Some(codec::Kind::Utterance) => {
            if let Ok(utterance) = codec::decode_utterance(payload) {
                let mut again = Vec::new();
                codec::encode_utterance(&utterance, &mut again);
                let back = codec::decode_utterance(&again);
                assert!(back.is_ok(), "a decoded utterance does not encode again");
            }
        }
        Some(codec::Kind::Event) => {
            if let Ok(event) = codec::decode_event(payload) {
                let mut again = Vec::new();
                codec::encode_event(&event, &mut again);
                let back = codec::decode_event(&again);
                assert!(back.is_ok(), "a decoded event does not encode again");
            }
        }
        Some(codec::Kind::Alert) => {
            let _ = codec::decode_alert(payload);
        }
        Some(codec::Kind::Command) => {
            let _ = codec::decode_command(payload);
        }
        Some(codec::Kind::Void) => {
            let _ = codec::decode_void(payload);
        }
        None => {}
    }
}

/// The key `journal_file` opens its input with (seeds are sealed with it).
pub fn journal_fuzz_key() -> crate::journal::JournalKey {
    crate::journal::JournalKey::from_bytes([0x5a; 32])
}

/// Reads `data` as a journal segment file (`segment-00000001.tj`, opened with
/// `journal_fuzz_key`): frames scanned, sealed bodies opened, damage reported, payloads
/// decoded and the record rebuilt. Replay runs this on every file of a state directory.
pub fn journal_file(data: &[u8]) {
    use crate::journal::storage::{segment_name, SimStorage, Storage};
    let mut storage = SimStorage::new(0);
    let name = segment_name(1);
    if storage.create(&name).is_err() || storage.append(&name, data).is_err() {
        return;
    }
    if let Ok(state) = crate::journal::read_state(&storage, &journal_fuzz_key()) {
        // What replay accepted is a record the renderers can show.
        let record = state.log.project();
        let _ = crate::render::card::render(&record);
        assert!(state.event_seqs.windows(2).all(|w| w[0] < w[1]));
        assert!(state.event_seqs.iter().all(|seq| *seq < state.next_seq));
    }
}

/// Reads `data` as the language model's answer to the reader (issue 16, 3a): the first line
/// is the utterance, the rest the answer, which is scanned against the utterance's
/// grammar, parsed and read into facts.
pub fn llm_reader_answer(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (utterance, answer) = text.split_once('\n').unwrap_or((&text, &text));
    let grammar = crate::llm::reader::ProposalGrammar::new(utterance);
    let _ = grammar.scan(answer.as_bytes());
    if let Some(proposals) = crate::llm::reader::parse(answer, &grammar) {
        let lexicon = crate::extract::lexicon::Lexicon::new();
        for proposal in &proposals {
            let _ = crate::llm::reader::to_fact(proposal, utterance, &lexicon);
        }
    }
}

/// Reads `data` as a handover paragraph the model wrote (issue 16, 3b) and checks it
/// against a small fixed record.
pub fn llm_handover_paragraph(data: &[u8]) {
    use crate::record::{CasualtyRecord, Clock, Limb, TourniquetEntry, TourniquetKind};
    let text = String::from_utf8_lossy(data);
    let record = CasualtyRecord {
        id: 1,
        tourniquets: vec![TourniquetEntry {
            limb: Limb::LeftLeg,
            kind: TourniquetKind::Extremity,
            time: Clock::new(14, 10),
            unconfirmed: false,
        }],
        ..CasualtyRecord::default()
    };
    let _ = crate::llm::checked::check_paragraph(&text, &record);
}

/// Parses `data` as a GGUF language model, reads every key and tensor, and builds the
/// tokenizer and the model from it (each step may fail; none may panic).
pub fn gguf(data: &[u8]) {
    crate::llm::fuzz_gguf(data);
}
