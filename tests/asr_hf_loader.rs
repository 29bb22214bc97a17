//! A Hugging Face Whisper folder (model.safetensors + config.json + tokenizer.json) loads
//! through the same engine and gives the same token ids as the CTranslate2 folder it was
//! written from. The test writes that folder itself from the CTranslate2 weights, un-fusing
//! q/k/v, so no second download is needed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod asr_support;

use std::path::{Path, PathBuf};

use tccc::asr::ct2::Ct2Model;
use tccc::asr::{AsrConfig, Transcriber};
use tccc::nn::ops::f32_to_f16;

struct Writer {
    header: serde_json::Map<String, serde_json::Value>,
    data: Vec<u8>,
}

impl Writer {
    fn add(&mut self, name: &str, shape: &[usize], values: &[f32]) {
        let start = self.data.len();
        for &value in values {
            self.data
                .extend_from_slice(&f32_to_f16(value).to_le_bytes());
        }
        self.header.insert(
            name.to_owned(),
            serde_json::json!({"dtype": "F16", "shape": shape, "data_offsets": [start, self.data.len()]}),
        );
    }
}

fn write_hf_folder(ct2_dir: &Path) -> PathBuf {
    let model = Ct2Model::open(&ct2_dir.join("model.bin")).unwrap();
    let mut w = Writer {
        header: serde_json::Map::new(),
        data: Vec::new(),
    };
    let full = |name: &str| {
        let dims = model.dims(name).unwrap().to_vec();
        (model.tensor(name, &dims).unwrap(), dims)
    };
    let copy = |w: &mut Writer, from: &str, to: &str| {
        let (values, dims) = full(from);
        w.add(to, &dims, &values);
    };
    for conv in ["conv1", "conv2"] {
        for which in ["weight", "bias"] {
            copy(
                &mut w,
                &format!("encoder/{conv}/{which}"),
                &format!("model.encoder.{conv}.{which}"),
            );
        }
    }
    for stack in ["encoder", "decoder"] {
        copy(
            &mut w,
            &format!("{stack}/position_encodings/encodings"),
            &format!("model.{stack}.embed_positions.weight"),
        );
        copy(
            &mut w,
            &format!("{stack}/layer_norm/gamma"),
            &format!("model.{stack}.layer_norm.weight"),
        );
        copy(
            &mut w,
            &format!("{stack}/layer_norm/beta"),
            &format!("model.{stack}.layer_norm.bias"),
        );
    }
    copy(
        &mut w,
        "decoder/embeddings/weight",
        "model.decoder.embed_tokens.weight",
    );
    let width = model.dims("encoder/conv1/bias").unwrap()[0];
    for stack in ["encoder", "decoder"] {
        for layer in 0.. {
            let ct2 = format!("{stack}/layer_{layer}");
            if !model.has(&format!("{ct2}/ffn/linear_0/weight")) {
                break;
            }
            let hf = format!("model.{stack}.layers.{layer}");
            let mut blocks = vec![
                ("self_attention", "self_attn_layer_norm"),
                ("ffn", "final_layer_norm"),
            ];
            if stack == "decoder" {
                blocks.push(("attention", "encoder_attn_layer_norm"));
            }
            for (block, norm) in blocks {
                copy(
                    &mut w,
                    &format!("{ct2}/{block}/layer_norm/gamma"),
                    &format!("{hf}.{norm}.weight"),
                );
                copy(
                    &mut w,
                    &format!("{ct2}/{block}/layer_norm/beta"),
                    &format!("{hf}.{norm}.bias"),
                );
            }
            for (linear, fc) in [("linear_0", "fc1"), ("linear_1", "fc2")] {
                for which in ["weight", "bias"] {
                    copy(
                        &mut w,
                        &format!("{ct2}/ffn/{linear}/{which}"),
                        &format!("{hf}.{fc}.{which}"),
                    );
                }
            }
            for which in ["weight", "bias"] {
                copy(
                    &mut w,
                    &format!("{ct2}/self_attention/linear_1/{which}"),
                    &format!("{hf}.self_attn.out_proj.{which}"),
                );
            }
            // Fused q/k/v → three projections (k has no bias).
            let (qkv, _) = full(&format!("{ct2}/self_attention/linear_0/weight"));
            let (qkv_bias, _) = full(&format!("{ct2}/self_attention/linear_0/bias"));
            let block = width * width;
            for (part, name) in ["q_proj", "k_proj", "v_proj"].iter().enumerate() {
                w.add(
                    &format!("{hf}.self_attn.{name}.weight"),
                    &[width, width],
                    &qkv[part * block..(part + 1) * block],
                );
                if *name != "k_proj" {
                    w.add(
                        &format!("{hf}.self_attn.{name}.bias"),
                        &[width],
                        &qkv_bias[part * width..(part + 1) * width],
                    );
                }
            }
            if stack == "decoder" {
                for which in ["weight", "bias"] {
                    copy(
                        &mut w,
                        &format!("{ct2}/attention/linear_0/{which}"),
                        &format!("{hf}.encoder_attn.q_proj.{which}"),
                    );
                    copy(
                        &mut w,
                        &format!("{ct2}/attention/linear_2/{which}"),
                        &format!("{hf}.encoder_attn.out_proj.{which}"),
                    );
                }
                let (kv, _) = full(&format!("{ct2}/attention/linear_1/weight"));
                let (kv_bias, _) = full(&format!("{ct2}/attention/linear_1/bias"));
                w.add(
                    &format!("{hf}.encoder_attn.k_proj.weight"),
                    &[width, width],
                    &kv[..block],
                );
                w.add(
                    &format!("{hf}.encoder_attn.v_proj.weight"),
                    &[width, width],
                    &kv[block..],
                );
                w.add(
                    &format!("{hf}.encoder_attn.v_proj.bias"),
                    &[width],
                    &kv_bias[width..],
                );
            }
        }
    }
    let dir = std::env::temp_dir().join(format!("tccc-hf-whisper-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let header = serde_json::to_vec(&serde_json::Value::Object(w.header)).unwrap();
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(&w.data);
    std::fs::write(dir.join("model.safetensors"), bytes).unwrap();
    let ct2_config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ct2_dir.join("config.json")).unwrap())
            .unwrap();
    let heads = model.scalar("encoder/num_heads").unwrap();
    let config = serde_json::json!({
        "encoder_attention_heads": heads,
        "suppress_tokens": ct2_config["suppress_ids"],
        "begin_suppress_tokens": ct2_config["suppress_ids_begin"],
    });
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    std::fs::copy(ct2_dir.join("tokenizer.json"), dir.join("tokenizer.json")).unwrap();
    dir
}

#[test]
fn hugging_face_folder_gives_the_same_tokens_as_ctranslate2() {
    let ct2_dir = asr_support::model_dir();
    let hf_dir = write_hf_folder(&ct2_dir);
    let config = AsrConfig::default();
    let mut from_ct2 = Transcriber::load(&ct2_dir, &config).unwrap();
    let mut from_hf = Transcriber::load(&hf_dir, &config).unwrap();
    for clip in ["c01", "c12", "c19"] {
        let samples = asr_support::read_clip(&asr_support::fixture(&format!("clips/{clip}.wav")));
        from_ct2.transcribe(&samples).unwrap();
        from_hf.transcribe(&samples).unwrap();
        assert!(!from_ct2.last_transcript().tokens().is_empty());
        assert_eq!(
            from_hf.last_transcript().tokens(),
            from_ct2.last_transcript().tokens(),
            "{clip}"
        );
        assert_eq!(
            from_hf.last_transcript().text(),
            from_ct2.last_transcript().text(),
            "{clip}"
        );
    }
    std::fs::remove_dir_all(&hf_dir).unwrap();
}
