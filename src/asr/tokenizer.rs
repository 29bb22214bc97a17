//! Whisper's byte-level BPE vocabulary, for turning token ids back into text, and the ids of
//! the special tokens the decoder needs. Read from `vocabulary.txt` (CTranslate2 folders) or
//! `tokenizer.json` (Hugging Face folders).

use std::collections::HashMap;
use std::path::Path;

use super::{read_model_json, read_model_text, AsrError};
use crate::limits::ASR_VOCABULARY_TOKENS_MAX;

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
    /// `<|startofprev|>`, which introduces an initial prompt (every Whisper vocabulary has
    /// it; `None` only for test vocabularies).
    pub start_of_previous: Option<u32>,
}

/// The vocabulary as one byte arena plus offsets, so decoding copies slices and never
/// allocates.
#[derive(Debug)]
pub struct Tokenizer {
    bytes: Vec<u8>,
    offsets: Vec<u32>,
    pub special: SpecialTokens,
}

/// Whether GPT-2's byte table maps `byte` to the character of the same code; the other 68
/// bytes (controls, space, soft hyphen…) are moved to 256 and up so every token is printable.
fn printable(byte: u32) -> bool {
    (0x21..=0x7e).contains(&byte) || (0xa1..=0xac).contains(&byte) || (0xae..=0xff).contains(&byte)
}

/// GPT-2's byte → printable-character table.
fn byte_to_unicode_table() -> [char; 256] {
    let mut table = ['\0'; 256];
    let mut moved = 0u32;
    for (byte, slot) in (0u32..).zip(table.iter_mut()) {
        let code = if printable(byte) {
            byte
        } else {
            moved += 1;
            255 + moved
        };
        // Codes below 256 + 68 are all valid scalar values.
        *slot = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
    }
    table
}

/// GPT-2's byte ↔ printable-character table, inverted: `char → byte`.
fn unicode_to_byte(character: char) -> Option<u8> {
    let code = character as u32;
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

impl Tokenizer {
    /// Loads `vocabulary.txt` if the folder has one, else `tokenizer.json`.
    pub fn load(model_dir: &Path) -> Result<Self, AsrError> {
        let vocabulary_path = model_dir.join("vocabulary.txt");
        let tokens: Vec<String> = if vocabulary_path.is_file() {
            return Self::from_vocabulary_text(
                &read_model_text(&vocabulary_path)?,
                &vocabulary_path,
            );
        } else {
            let json_path = model_dir.join("tokenizer.json");
            if !json_path.is_file() {
                return Err(AsrError::ModelMissing {
                    path: vocabulary_path,
                    detail: "neither vocabulary.txt nor tokenizer.json is in the model folder"
                        .into(),
                });
            }
            tokens_from_json(&read_model_json(&json_path)?, &json_path)?
        };
        Self::from_tokens(&tokens, &vocabulary_path)
    }

    /// Reads a CTranslate2 `vocabulary.txt` (one token per line; `path` names it in errors).
    pub fn from_vocabulary_text(text: &str, path: &Path) -> Result<Self, AsrError> {
        let lines = text.lines();
        if lines.clone().count() > ASR_VOCABULARY_TOKENS_MAX {
            return Err(AsrError::format(
                path,
                format!(
                    "has more than {ASR_VOCABULARY_TOKENS_MAX} lines; not a Whisper vocabulary"
                ),
            ));
        }
        Self::from_tokens(&lines.map(str::to_owned).collect::<Vec<_>>(), path)
    }

    /// Reads the vocabulary of a Hugging Face `tokenizer.json` (`path` names it in errors).
    pub fn from_tokenizer_json(json: &serde_json::Value, path: &Path) -> Result<Self, AsrError> {
        Self::from_tokens(&tokens_from_json(json, path)?, path)
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
            start_of_previous: find("<|startofprev|>"),
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
        if size < self.len()
            || size > ASR_VOCABULARY_TOKENS_MAX
            || (self.len() as u64) < u64::from(self.special.timestamp_begin)
        {
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

fn tokens_from_json(json: &serde_json::Value, path: &Path) -> Result<Vec<String>, AsrError> {
    let bad = |detail: &str| AsrError::format(path, detail.to_owned());
    let vocab = json
        .pointer("/model/vocab")
        .and_then(serde_json::Value::as_object)
        .ok_or_else(|| bad("has no model.vocab object"))?;
    let mut pairs: Vec<(usize, String)> = Vec::with_capacity(vocab.len() + 2_000);
    for (token, id) in vocab {
        let id = id
            .as_u64()
            .ok_or_else(|| bad("has a non-integer id in model.vocab"))?;
        pairs.push((vocabulary_index(id, path)?, token.clone()));
    }
    if let Some(added) = json
        .get("added_tokens")
        .and_then(serde_json::Value::as_array)
    {
        for entry in added {
            let id = entry.get("id").and_then(serde_json::Value::as_u64);
            let content = entry.get("content").and_then(serde_json::Value::as_str);
            if let (Some(id), Some(content)) = (id, content) {
                pairs.push((vocabulary_index(id, path)?, content.to_owned()));
            }
        }
    }
    // Every id is below ASR_VOCABULARY_TOKENS_MAX (`vocabulary_index`).
    let size = pairs.iter().map(|(id, _)| id + 1).max().unwrap_or(0);
    let mut tokens = vec![String::new(); size];
    for (id, token) in pairs {
        tokens[id] = token;
    }
    Ok(tokens)
}

/// A token id of tokenizer.json as an index, refused at or past the vocabulary limit.
fn vocabulary_index(id: u64, path: &Path) -> Result<usize, AsrError> {
    usize::try_from(id)
        .ok()
        .filter(|&id| id < ASR_VOCABULARY_TOKENS_MAX)
        .ok_or_else(|| {
            AsrError::format(
                path,
                format!(
                    "declares token id {id}, beyond the {ASR_VOCABULARY_TOKENS_MAX} a vocabulary \
                     may have"
                ),
            )
        })
}

/// GPT-2's byte-level BPE encoder, built from the model folder's `tokenizer.json` to encode
/// the configured initial prompt. Used at load only, then dropped: it allocates freely.
/// Encodes as the Hugging Face `tokenizers` library does with Whisper's tokenizer.json
/// (tests/asr_prompt.rs compares them on a table of strings).
#[derive(Debug)]
pub struct PromptEncoder {
    /// The token of each single byte (the starting symbols of every word).
    byte_tokens: [u32; 256],
    /// Adjacent pair → (merge rank, id of the merged token); lower ranks merge first.
    merges: HashMap<(u32, u32), (u32, u32)>,
    /// Added tokens (`<|endoftext|>` …), found in the raw text before pre-tokenisation.
    added: Vec<(String, u32)>,
}

/// Characters the `Alphabetic` property (`char::is_alphabetic`) counts but GPT-2's pattern
/// does not treat as letters (`\p{L}`), for the Latin-script cases: combining Latin letters
/// and circled or squared letters. Marks of other scripts (Indic vowel signs, Hebrew and
/// Arabic points) are also `Alphabetic` without being letters; they are not listed, so a
/// prompt in those scripts may split differently from the reference (none is tested).
const ALPHABETIC_NOT_LETTER: [(u32, u32); 6] = [
    (0x0345, 0x0345),
    (0x0363, 0x036f),
    (0x24b6, 0x24e9),
    (0x1f130, 0x1f149),
    (0x1f150, 0x1f169),
    (0x1f170, 0x1f189),
];

/// The character classes GPT-2's pre-tokenisation pattern distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CharClass {
    /// `\p{L}`
    Letter,
    /// `\p{N}` (`char::is_numeric` is exactly the N categories).
    Number,
    /// `\s` (`char::is_whitespace` is the White_Space property, as the reference's regex).
    Space,
    /// Everything else: punctuation, symbols, marks.
    Other,
}

fn class_of(character: char) -> CharClass {
    if character.is_whitespace() {
        CharClass::Space
    } else if character.is_numeric() {
        CharClass::Number
    } else if character.is_alphabetic()
        && !ALPHABETIC_NOT_LETTER
            .iter()
            .any(|&(first, last)| (first..=last).contains(&(character as u32)))
    {
        CharClass::Letter
    } else {
        CharClass::Other
    }
}

/// The English contraction suffixes GPT-2's pattern keeps whole after an apostrophe, in the
/// pattern's order (case-sensitive, as there).
const CONTRACTIONS: [&str; 7] = ["s", "t", "re", "ve", "m", "ll", "d"];

/// Splits `text` into the pieces GPT-2's pre-tokenisation pattern matches, in order:
/// a contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`); an optional space and a run
/// of letters, of numbers, or of other non-space characters; a run of whitespace that is
/// not followed by a non-space (so a single space before a word stays with the word); or
/// any whitespace run. Together the pieces are `text`.
fn pre_tokenize(text: &str) -> Vec<&str> {
    let characters: Vec<(usize, char)> = text.char_indices().collect();
    let count = characters.len();
    let offset = |index: usize| characters.get(index).map_or(text.len(), |&(at, _)| at);
    let class = |index: usize| class_of(characters[index].1);
    let run_end = |from: usize, wanted: CharClass| {
        (from..count)
            .find(|&index| class(index) != wanted)
            .unwrap_or(count)
    };
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < count {
        let character = characters[start].1;
        let contraction = if character == '\'' {
            let rest = &text[offset(start + 1)..];
            CONTRACTIONS
                .iter()
                .find(|suffix| rest.starts_with(*suffix))
                .map(|suffix| start + 1 + suffix.chars().count())
        } else {
            None
        };
        let end = if let Some(end) = contraction {
            end
        } else if character == ' ' && start + 1 < count && class(start + 1) != CharClass::Space {
            run_end(start + 1, class(start + 1))
        } else {
            match class(start) {
                CharClass::Space => {
                    let end = run_end(start, CharClass::Space);
                    // Before a non-space, the run's last character is left to start the
                    // next piece (as `\s+(?!\S)` backtracks), unless it is the only one.
                    if end == count || end - start == 1 {
                        end
                    } else {
                        end - 1
                    }
                }
                other => run_end(start, other),
            }
        };
        pieces.push(&text[offset(start)..offset(end)]);
        start = end;
    }
    pieces
}

impl PromptEncoder {
    /// Reads the merges, vocabulary and added tokens of `model_dir/tokenizer.json`.
    pub fn load(model_dir: &Path) -> Result<Self, AsrError> {
        let path = model_dir.join("tokenizer.json");
        if !path.is_file() {
            return Err(AsrError::PromptTokenizer {
                path,
                detail: "is missing".into(),
            });
        }
        Self::from_json(&read_model_json(&path)?, &path)
    }

    /// Builds the encoder from a parsed tokenizer.json (`path` names it in errors).
    pub fn from_json(json: &serde_json::Value, path: &Path) -> Result<Self, AsrError> {
        let bad = |detail: String| AsrError::PromptTokenizer {
            path: path.to_owned(),
            detail,
        };
        let vocabulary = json
            .pointer("/model/vocab")
            .and_then(serde_json::Value::as_object)
            .ok_or_else(|| bad("has no model.vocab object".into()))?;
        let merges = json
            .pointer("/model/merges")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| bad("has no model.merges list (the BPE merges)".into()))?;
        if vocabulary.len() > ASR_VOCABULARY_TOKENS_MAX || merges.len() > ASR_VOCABULARY_TOKENS_MAX
        {
            return Err(bad(format!(
                "has {} tokens and {} merges; a Whisper tokenizer has about 50 000",
                vocabulary.len(),
                merges.len()
            )));
        }
        let id_of = |token: &str| {
            vocabulary
                .get(token)
                .and_then(serde_json::Value::as_u64)
                .and_then(|id| u32::try_from(id).ok())
        };
        let mut byte_tokens = [0u32; 256];
        for (slot, character) in byte_tokens.iter_mut().zip(byte_to_unicode_table()) {
            *slot = id_of(character.encode_utf8(&mut [0; 4]))
                .ok_or_else(|| bad(format!("has no token for the byte {character:?}")))?;
        }
        let mut merge_table = HashMap::with_capacity(merges.len());
        for (rank, merge) in (0u32..).zip(merges) {
            // Older files write a merge as "left right", newer ones as ["left", "right"].
            let (left, right) = match merge {
                serde_json::Value::String(text) => text.split_once(' ').unwrap_or((text, "")),
                serde_json::Value::Array(pair) if pair.len() == 2 => (
                    pair[0].as_str().unwrap_or_default(),
                    pair[1].as_str().unwrap_or_default(),
                ),
                _ => ("", ""),
            };
            let merged = format!("{left}{right}");
            match (id_of(left), id_of(right), id_of(&merged)) {
                (Some(left_id), Some(right_id), Some(merged_id))
                    if !left.is_empty() && !right.is_empty() =>
                {
                    // A repeated pair takes its last rank, as the reference's map does.
                    merge_table.insert((left_id, right_id), (rank, merged_id));
                }
                _ => {
                    return Err(bad(format!(
                        "merge {rank} ({merge}) is not two tokens of model.vocab"
                    )))
                }
            }
        }
        let mut added = Vec::new();
        if let Some(entries) = json
            .get("added_tokens")
            .and_then(serde_json::Value::as_array)
        {
            for entry in entries {
                let id = entry
                    .get("id")
                    .and_then(serde_json::Value::as_u64)
                    .and_then(|id| u32::try_from(id).ok());
                let content = entry.get("content").and_then(serde_json::Value::as_str);
                if let (Some(id), Some(content)) = (id, content) {
                    if !content.is_empty() {
                        added.push((content.to_owned(), id));
                    }
                }
            }
        }
        Ok(PromptEncoder {
            byte_tokens,
            merges: merge_table,
            added,
        })
    }

    /// The token ids of `text`: added tokens where their text appears (the leftmost, then
    /// longest match), and between them GPT-2's pre-tokenisation, byte mapping and merges.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::new();
        let mut plain_start = 0;
        let mut at = 0;
        while at < text.len() {
            let rest = &text[at..];
            let found = self
                .added
                .iter()
                .filter(|(content, _)| rest.starts_with(content.as_str()))
                .max_by_key(|(content, _)| content.len());
            if let Some((content, id)) = found {
                self.encode_plain(&text[plain_start..at], &mut ids);
                ids.push(*id);
                at += content.len();
                plain_start = at;
            } else {
                at += rest.chars().next().map_or(1, char::len_utf8);
            }
        }
        self.encode_plain(&text[plain_start..], &mut ids);
        ids
    }

    /// Appends the ids of `text`, which holds no added token, to `ids`, remembering each
    /// pre-tokenised piece's ids in `cache` (for many texts of few distinct words: the
    /// domain language model's corpus).
    pub(crate) fn encode_plain_cached(
        &self,
        text: &str,
        cache: &mut HashMap<String, Vec<u32>>,
        ids: &mut Vec<u32>,
    ) {
        for piece in pre_tokenize(text) {
            if let Some(known) = cache.get(piece) {
                ids.extend_from_slice(known);
                continue;
            }
            let start = ids.len();
            self.encode_plain(piece, ids);
            cache.insert(piece.to_owned(), ids[start..].to_vec());
        }
    }

    /// Encodes text that holds no added token.
    fn encode_plain(&self, text: &str, ids: &mut Vec<u32>) {
        for piece in pre_tokenize(text) {
            let mut symbols: Vec<u32> = piece
                .bytes()
                .map(|byte| self.byte_tokens[usize::from(byte)])
                .collect();
            // Merge the adjacent pair of lowest rank (the leftmost on ties) until none of
            // the pairs has a merge.
            loop {
                let best = symbols
                    .windows(2)
                    .enumerate()
                    .filter_map(|(index, pair)| {
                        self.merges
                            .get(&(pair[0], pair[1]))
                            .map(|&(rank, merged)| (rank, index, merged))
                    })
                    .min_by_key(|&(rank, index, _)| (rank, index));
                let Some((_, index, merged)) = best else {
                    break;
                };
                symbols[index] = merged;
                symbols.remove(index + 1);
            }
            ids.extend_from_slice(&symbols);
        }
    }
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
    fn byte_table_round_trips_every_byte() {
        let table = byte_to_unicode_table();
        assert_eq!(table[usize::from(b' ')], 'Ġ');
        assert_eq!(table[usize::from(b'\n')], 'Ċ');
        for (byte, &character) in (0u8..=255).zip(table.iter()) {
            assert_eq!(unicode_to_byte(character), Some(byte));
        }
    }

    #[test]
    fn pre_tokenisation_splits_as_gpt2() {
        let cases: [(&str, &[&str]); 16] = [
            ("Hello world", &["Hello", " world"]),
            ("  two", &[" ", " two"]),
            ("a  ", &["a", "  "]),
            ("don't they're", &["don", "'t", " they", "'re"]),
            // The contractions are lower case only.
            ("DON'T", &["DON", "'", "T"]),
            ("x\ny", &["x", "\n", "y"]),
            (" \nx", &[" ", "\n", "x"]),
            ("x \n\n y", &["x", " \n\n", " y"]),
            ("90/60.", &["90", "/", "60", "."]),
            (" 'til", &[" '", "til"]),
            ("SpO2 94%", &["SpO", "2", " 94", "%"]),
            ("a?!'s", &["a", "?!'", "s"]),
            // Circled letters are symbols; Roman numerals are numbers.
            ("Ⓐb Ⅻ", &["Ⓐ", "b", " Ⅻ"]),
            ("café\u{a0}µg", &["café", "\u{a0}", "µg"]),
            ("", &[]),
            (" ", &[" "]),
        ];
        for (text, expected) in cases {
            assert_eq!(pre_tokenize(text), expected, "{text:?}");
        }
    }

    /// A tokenizer.json with every byte token, the pieces "ab", "bc", and `merges`.
    fn tiny_tokenizer_json(merges: serde_json::Value) -> serde_json::Value {
        let mut vocabulary = serde_json::Map::new();
        for (id, character) in (0u64..).zip(byte_to_unicode_table()) {
            vocabulary.insert(character.to_string(), id.into());
        }
        vocabulary.insert("ab".into(), 256.into());
        vocabulary.insert("bc".into(), 257.into());
        serde_json::json!({
            "model": {"type": "BPE", "vocab": vocabulary, "merges": merges},
            "added_tokens": [{"id": 258, "content": "<|x|>"}],
        })
    }

    #[test]
    fn merges_apply_by_rank_in_either_file_format() {
        let path = Path::new("tokenizer.json");
        let a = u32::from(b'a');
        let c = u32::from(b'c');
        for (merges, expected) in [
            (serde_json::json!(["b c", "a b"]), vec![a, 257]),
            (serde_json::json!([["a", "b"], ["b", "c"]]), vec![256, c]),
        ] {
            let encoder = PromptEncoder::from_json(&tiny_tokenizer_json(merges), path).unwrap();
            assert_eq!(encoder.encode("abc"), expected);
            // Added tokens are found anywhere, and the text around them encoded alone.
            let mut around = expected.clone();
            around.push(258);
            around.extend_from_slice(&expected);
            assert_eq!(encoder.encode("abc<|x|>abc"), around);
        }
    }

    #[test]
    fn a_tokenizer_without_merges_is_refused_by_name() {
        let mut json = tiny_tokenizer_json(serde_json::json!([]));
        json["model"]
            .as_object_mut()
            .unwrap()
            .remove("merges")
            .unwrap();
        let error = PromptEncoder::from_json(&json, Path::new("dir/tokenizer.json")).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("dir/tokenizer.json") && message.contains("merges"),
            "{message}"
        );
        let bad = tiny_tokenizer_json(serde_json::json!(["a zz"]));
        assert!(PromptEncoder::from_json(&bad, Path::new("t")).is_err());
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
