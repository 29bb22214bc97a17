//! Whisper's byte-level BPE vocabulary, for turning token ids back into text, and the ids of
//! the special tokens the decoder needs. Read from `vocabulary.txt` (CTranslate2 folders) or
//! `tokenizer.json` (Hugging Face folders).

use std::path::Path;

use super::AsrError;
use crate::limits::{ASR_MODEL_TEXT_FILE_BYTES_MAX, ASR_VOCABULARY_TOKENS_MAX};

/// Ids of the special tokens, found by their text so that `.en` and multilingual vocabularies
/// (which number them differently) both work.
#[derive(Clone, Debug)]
pub struct SpecialTokens {
    pub end_of_text: u32,
    pub start_of_transcript: u32,
    pub no_timestamps: u32,
    pub no_speech: u32,
    pub timestamp_begin: u32,
    /// `<|en|>` and `<|transcribe|>` for multilingual models (forced English); `None` for
    /// `.en` models, whose prompt has neither.
    pub english: Option<u32>,
    pub transcribe: Option<u32>,
}

/// The vocabulary as one byte arena plus offsets, so decoding copies slices and never
/// allocates.
#[derive(Debug)]
pub struct Tokenizer {
    bytes: Vec<u8>,
    offsets: Vec<u32>,
    pub special: SpecialTokens,
}

/// GPT-2's byte ↔ printable-character table, inverted: `char → byte`.
fn unicode_to_byte(character: char) -> Option<u8> {
    let code = character as u32;
    let printable = |b: u32| {
        (0x21..=0x7e).contains(&b) || (0xa1..=0xac).contains(&b) || (0xae..=0xff).contains(&b)
    };
    if code < 256 && printable(code) {
        return Some(code as u8);
    }
    // The 68 non-printable bytes are mapped, in byte order, to 256, 257, …
    let index = code.checked_sub(256)?;
    (0u32..256)
        .filter(|&b| !printable(b))
        .nth(index as usize)
        .map(|b| b as u8)
}

fn read_text(path: &Path) -> Result<String, AsrError> {
    let metadata = std::fs::metadata(path).map_err(|source| AsrError::ModelIo {
        path: path.to_owned(),
        source,
    })?;
    if metadata.len() > ASR_MODEL_TEXT_FILE_BYTES_MAX as u64 {
        return Err(AsrError::ModelFormat {
            path: path.to_owned(),
            detail: format!(
                "{} bytes is more than the {} allowed",
                metadata.len(),
                ASR_MODEL_TEXT_FILE_BYTES_MAX
            ),
        });
    }
    std::fs::read_to_string(path).map_err(|source| AsrError::ModelIo {
        path: path.to_owned(),
        source,
    })
}

impl Tokenizer {
    /// Loads `vocabulary.txt` if the folder has one, else `tokenizer.json`.
    pub fn load(model_dir: &Path) -> Result<Self, AsrError> {
        let vocabulary_path = model_dir.join("vocabulary.txt");
        let tokens: Vec<String> = if vocabulary_path.is_file() {
            read_text(&vocabulary_path)?
                .lines()
                .map(str::to_owned)
                .collect()
        } else {
            let json_path = model_dir.join("tokenizer.json");
            if !json_path.is_file() {
                return Err(AsrError::ModelMissing {
                    path: vocabulary_path,
                    detail: "neither vocabulary.txt nor tokenizer.json is in the model folder"
                        .into(),
                });
            }
            tokens_from_json(&json_path)?
        };
        Self::from_tokens(&tokens, &vocabulary_path)
    }

    /// Builds the arena from token strings (index = id).
    pub fn from_tokens(tokens: &[String], path: &Path) -> Result<Self, AsrError> {
        if tokens.is_empty() || tokens.len() > ASR_VOCABULARY_TOKENS_MAX {
            return Err(AsrError::ModelFormat {
                path: path.to_owned(),
                detail: format!(
                    "has {} tokens; a Whisper vocabulary has about 51 865",
                    tokens.len()
                ),
            });
        }
        let mut bytes = Vec::new();
        let mut offsets = Vec::with_capacity(tokens.len() + 1);
        offsets.push(0u32);
        for token in tokens {
            if token.starts_with("<|") && token.ends_with("|>") {
                // Special tokens contribute no text.
            } else {
                for character in token.chars() {
                    // A character outside the byte table cannot come from GPT-2's encoder;
                    // keep its UTF-8 so nothing is silently lost.
                    match unicode_to_byte(character) {
                        Some(byte) => bytes.push(byte),
                        None => {
                            bytes.extend_from_slice(character.encode_utf8(&mut [0; 4]).as_bytes())
                        }
                    }
                }
            }
            offsets.push(
                u32::try_from(bytes.len()).map_err(|_| AsrError::ModelFormat {
                    path: path.to_owned(),
                    detail: "vocabulary is larger than 4 GiB".into(),
                })?,
            );
        }
        let find = |text: &str| tokens.iter().position(|t| t == text).map(|p| p as u32);
        let require = |text: &str| {
            find(text).ok_or_else(|| AsrError::ModelFormat {
                path: path.to_owned(),
                detail: format!("has no {text} token; it is not a Whisper vocabulary"),
            })
        };
        let end_of_text = require("<|endoftext|>")?;
        let start_of_transcript = require("<|startoftranscript|>")?;
        // Multilingual vocabularies put one more token (<|endoftext|> at 50257) before the
        // language tokens; `.en` ones have <|endoftext|> at 50256.
        let multilingual = end_of_text == 50_257;
        let special = SpecialTokens {
            end_of_text,
            start_of_transcript,
            no_timestamps: require("<|notimestamps|>")?,
            no_speech: find("<|nospeech|>").map_or_else(|| require("<|nocaptions|>"), Ok)?,
            // Some tokenizer.json files omit the 1501 timestamp tokens; in every Whisper
            // vocabulary they follow <|notimestamps|> directly.
            timestamp_begin: find("<|0.00|>")
                .map_or_else(|| require("<|notimestamps|>").map(|id| id + 1), Ok)?,
            english: if multilingual {
                Some(require("<|en|>")?)
            } else {
                None
            },
            transcribe: if multilingual {
                Some(require("<|transcribe|>")?)
            } else {
                None
            },
        };
        Ok(Tokenizer {
            bytes,
            offsets,
            special,
        })
    }

    /// Extends the vocabulary with text-less entries up to `size` tokens (the timestamp
    /// tokens a tokenizer.json may omit); refuses to cover anything but timestamps.
    pub fn extend_to(&mut self, size: usize) -> bool {
        if size < self.len() || (self.len() as u64) < u64::from(self.special.timestamp_begin) {
            return false;
        }
        let end = *self.offsets.last().unwrap_or(&0);
        self.offsets.resize(size + 1, end);
        true
    }

    /// Tokens in the vocabulary.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether the vocabulary is empty (never, once loaded).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes a token stands for (empty for special tokens).
    pub fn token_bytes(&self, id: u32) -> &[u8] {
        let id = id as usize;
        if id + 1 >= self.offsets.len() {
            return &[];
        }
        &self.bytes[self.offsets[id] as usize..self.offsets[id + 1] as usize]
    }

    /// Appends the text of `tokens` to `out` without growing it: bytes are gathered in
    /// `scratch` (whose capacity bounds the text), invalid UTF-8 becomes U+FFFD, and text
    /// past `out`'s capacity is cut at a character boundary. Returns whether it was cut.
    pub fn decode_into(&self, tokens: &[u32], scratch: &mut Vec<u8>, out: &mut String) -> bool {
        scratch.clear();
        let mut cut = false;
        for &token in tokens {
            if token >= self.special.end_of_text {
                continue;
            }
            let piece = self.token_bytes(token);
            if scratch.len() + piece.len() > scratch.capacity() {
                cut = true;
                break;
            }
            scratch.extend_from_slice(piece);
        }
        let mut rest: &[u8] = scratch;
        while !rest.is_empty() {
            let (valid, skip) = match std::str::from_utf8(rest) {
                Ok(text) => (text, rest.len()),
                Err(error) => {
                    let valid_len = error.valid_up_to();
                    let text = std::str::from_utf8(&rest[..valid_len]).unwrap_or_default();
                    (
                        text,
                        valid_len + error.error_len().unwrap_or(rest.len() - valid_len).max(1),
                    )
                }
            };
            cut |= !push_within_capacity(out, valid);
            if skip > valid.len() {
                cut |= !push_within_capacity(out, "\u{FFFD}");
            }
            rest = &rest[skip.min(rest.len())..];
        }
        cut
    }
}

/// Pushes as much of `text` as fits in `out`'s spare capacity, at a character boundary.
fn push_within_capacity(out: &mut String, text: &str) -> bool {
    let room = out.capacity() - out.len();
    if text.len() <= room {
        out.push_str(text);
        return true;
    }
    let mut end = room;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    out.push_str(&text[..end]);
    false
}

fn tokens_from_json(path: &Path) -> Result<Vec<String>, AsrError> {
    let text = read_text(path)?;
    let bad = |detail: &str| AsrError::ModelFormat {
        path: path.to_owned(),
        detail: detail.to_owned(),
    };
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(&format!("is not JSON: {e}")))?;
    let vocab = json
        .pointer("/model/vocab")
        .and_then(serde_json::Value::as_object)
        .ok_or_else(|| bad("has no model.vocab object"))?;
    let mut pairs: Vec<(usize, String)> = Vec::with_capacity(vocab.len() + 2_000);
    for (token, id) in vocab {
        let id = id
            .as_u64()
            .ok_or_else(|| bad("has a non-integer id in model.vocab"))?;
        pairs.push((id as usize, token.clone()));
    }
    if let Some(added) = json
        .get("added_tokens")
        .and_then(serde_json::Value::as_array)
    {
        for entry in added {
            let id = entry.get("id").and_then(serde_json::Value::as_u64);
            let content = entry.get("content").and_then(serde_json::Value::as_str);
            if let (Some(id), Some(content)) = (id, content) {
                pairs.push((id as usize, content.to_owned()));
            }
        }
    }
    let size = pairs.iter().map(|(id, _)| id + 1).max().unwrap_or(0);
    if size > ASR_VOCABULARY_TOKENS_MAX {
        return Err(bad("declares token ids beyond the vocabulary limit"));
    }
    let mut tokens = vec![String::new(); size];
    for (id, token) in pairs {
        tokens[id] = token;
    }
    Ok(tokens)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn byte_table_inverts_gpt2_mapping() {
        assert_eq!(unicode_to_byte('Ġ'), Some(b' '));
        assert_eq!(unicode_to_byte('Ċ'), Some(b'\n'));
        assert_eq!(unicode_to_byte('a'), Some(b'a'));
        assert_eq!(unicode_to_byte('\u{100}'), Some(0));
    }

    #[test]
    fn decoding_respects_capacity_and_repairs_utf8() {
        let mut tokens: Vec<String> = ["Ġhello", "Ġw", "orld", "Ã"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for special in [
            "<|endoftext|>",
            "<|startoftranscript|>",
            "<|notimestamps|>",
            "<|nocaptions|>",
            "<|0.00|>",
        ] {
            tokens.push(special.to_string());
        }
        let tokenizer = Tokenizer::from_tokens(&tokens, Path::new("test")).unwrap();
        let mut scratch = Vec::with_capacity(64);
        let mut out = String::with_capacity(64);
        assert!(!tokenizer.decode_into(&[0, 1, 2, 4, 3], &mut scratch, &mut out));
        assert_eq!(out, " hello world\u{FFFD}");
        let mut small = String::with_capacity(8);
        assert!(tokenizer.decode_into(&[0, 1, 2], &mut scratch, &mut small));
        assert_eq!(small, " hello w");
    }
}
