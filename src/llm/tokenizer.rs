//! The model's tokenizer, read from the GGUF metadata: GPT-2 byte-level BPE
//! (`tokenizer.ggml.model = gpt2`) with the pre-tokenizer llama.cpp uses for SmolLM2
//! (`tokenizer.ggml.pre = smollm`): every number code point alone, then the GPT-2 split
//! (`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`), each
//! piece's bytes mapped to the GPT-2 byte alphabet and merged by rank (lowest first,
//! leftmost on ties). Special tokens (control and user-defined) are matched in the text
//! first when asked.
//!
//! Tokenizing allocates nothing once the output and scratch vectors have grown to the
//! longest prompt (they are kept between calls).

use std::collections::HashMap;

use super::gguf::Gguf;
use super::unicode_table::{LETTERS, NUMBERS, UNASSIGNED};
use super::LlmError;

/// A token id.
pub type TokenId = u32;

const TOKEN_TYPE_CONTROL: i64 = 3;
const TOKEN_TYPE_USER_DEFINED: i64 = 4;

/// The tokenizer: vocabulary, merges, special tokens.
#[derive(Debug)]
pub struct Tokenizer {
    /// Each token's bytes as the model writes them (byte alphabet decoded; special tokens
    /// as their text).
    pieces: Vec<Box<[u8]>>,
    /// Token text (byte alphabet) to id.
    ids: HashMap<Box<str>, TokenId>,
    /// (left, right) to (rank, merged).
    merges: HashMap<(TokenId, TokenId), (u32, TokenId)>,
    /// The token of each byte's alphabet character.
    byte_tokens: [Option<TokenId>; 256],
    /// Special tokens' texts, longest first.
    specials: Vec<(Box<str>, TokenId)>,
    /// Whether each token is a special (control) token.
    special: Vec<bool>,
    bos: Option<TokenId>,
    eos: TokenId,
    /// End-of-turn token of chat models (`<|im_end|>`), if any.
    eot: Option<TokenId>,
    add_bos: bool,
    symbols: Vec<TokenId>,
}

/// GPT-2's byte alphabet: printable bytes stand for themselves, the others for 256 + n.
fn byte_char(byte: u8) -> char {
    let printable = (b'!'..=b'~').contains(&byte)
        || (0xA1..=0xAC).contains(&byte)
        || (0xAE..=0xFF).contains(&byte);
    if printable {
        return char::from(byte);
    }
    let mut skipped = 0u32;
    for other in 0..byte {
        let other_printable = (b'!'..=b'~').contains(&other)
            || (0xA1..=0xAC).contains(&other)
            || (0xAE..=0xFF).contains(&other);
        if !other_printable {
            skipped += 1;
        }
    }
    char::from_u32(256 + skipped).unwrap_or('?')
}

fn in_ranges(table: &[(u32, u32)], cpt: u32) -> bool {
    table
        .binary_search_by(|&(low, high)| {
            if high < cpt {
                std::cmp::Ordering::Less
            } else if low > cpt {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Number,
    Whitespace,
    Other,
    Undefined,
}

fn class(c: char) -> Class {
    let cpt = c as u32;
    if matches!(
        cpt,
        0x09..=0x0D | 0x20 | 0x85 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F
            | 0x205F | 0x3000
    ) {
        Class::Whitespace
    } else if c.is_ascii_alphabetic() || (cpt >= 128 && in_ranges(LETTERS, cpt)) {
        Class::Letter
    } else if c.is_ascii_digit() || (cpt >= 128 && in_ranges(NUMBERS, cpt)) {
        Class::Number
    } else if cpt >= 128 && in_ranges(UNASSIGNED, cpt) {
        Class::Undefined
    } else {
        Class::Other
    }
}

/// Calls `emit` with the byte range of each pre-token of `text` (no special tokens in it).
fn pre_tokenize(text: &str, mut emit: impl FnMut(usize, usize)) {
    // Pass 1: every number code point is a piece of its own; runs between are pieces.
    let mut run_start = 0;
    for (at, c) in text.char_indices() {
        if class(c) == Class::Number {
            if run_start < at {
                gpt2_split(text, run_start, at, &mut emit);
            }
            emit(at, at + c.len_utf8());
            run_start = at + c.len_utf8();
        }
    }
    if run_start < text.len() {
        gpt2_split(text, run_start, text.len(), &mut emit);
    }
}

/// The GPT-2 split of `text[start..end]` (llama.cpp's hand-written matcher of the regex).
fn gpt2_split(text: &str, start: usize, end: usize, emit: &mut impl FnMut(usize, usize)) {
    let piece = &text[start..end];
    let char_at = |at: usize| -> Option<char> { piece.get(at..).and_then(|s| s.chars().next()) };
    let class_at = |at: usize| char_at(at).map(class);
    let width = |at: usize| char_at(at).map_or(1, char::len_utf8);
    let mut pos = 0;
    while pos < piece.len() {
        let Some(c) = char_at(pos) else { break };
        let bytes = piece.as_bytes();
        // 's|'t|'re|'ve|'m|'ll|'d
        if c == '\'' {
            let next = bytes.get(pos + 1).copied();
            if matches!(next, Some(b's' | b't' | b'm' | b'd')) {
                emit(start + pos, start + pos + 2);
                pos += 2;
                continue;
            }
            let next_next = bytes.get(pos + 2).copied();
            if matches!(
                (next, next_next),
                (Some(b'r'), Some(b'e')) | (Some(b'v'), Some(b'e')) | (Some(b'l'), Some(b'l'))
            ) {
                emit(start + pos, start + pos + 3);
                pos += 3;
                continue;
            }
        }
        let lead = if c == ' ' { pos + 1 } else { pos };
        let lead_class = class_at(lead);
        let run = |first: usize, keep: &dyn Fn(Class) -> bool| -> usize {
            let mut at = first;
            while let Some(class) = class_at(at) {
                if !keep(class) {
                    break;
                }
                at += width(at);
            }
            at
        };
        match lead_class {
            Some(Class::Letter) => {
                let stop = run(lead, &|class| class == Class::Letter);
                emit(start + pos, start + stop);
                pos = stop;
                continue;
            }
            Some(Class::Number) => {
                let stop = run(lead, &|class| class == Class::Number);
                emit(start + pos, start + stop);
                pos = stop;
                continue;
            }
            Some(Class::Other) => {
                let stop = run(lead, &|class| class == Class::Other);
                emit(start + pos, start + stop);
                pos = stop;
                continue;
            }
            _ => {}
        }
        let mut spaces_end = pos;
        let mut spaces = 0;
        while class_at(spaces_end) == Some(Class::Whitespace) {
            spaces_end += width(spaces_end);
            spaces += 1;
        }
        if spaces > 1 && spaces_end < piece.len() {
            // \s+(?!\S): all but the last whitespace.
            let mut stop = pos;
            for _ in 0..spaces - 1 {
                stop += width(stop);
            }
            emit(start + pos, start + stop);
            pos = stop;
            continue;
        }
        if spaces > 0 {
            emit(start + pos, start + spaces_end);
            pos = spaces_end;
            continue;
        }
        // No match: one code point alone.
        let stop = pos + width(pos);
        emit(start + pos, start + stop);
        pos = stop;
    }
}

impl Tokenizer {
    /// Reads the tokenizer from the GGUF metadata.
    pub fn from_gguf(file: &Gguf) -> Result<Self, LlmError> {
        let model = file.str("tokenizer.ggml.model")?;
        if model != "gpt2" {
            return Err(LlmError::Unsupported {
                path: file.path().to_path_buf(),
                what: format!("tokenizer model {model} (only gpt2 byte-level BPE is)"),
            });
        }
        let texts: Vec<&str> = file.strings("tokenizer.ggml.tokens")?.collect();
        if texts.is_empty() || texts.len() > u32::MAX as usize / 2 {
            return Err(file.error(format!(
                "tokenizer.ggml.tokens holds {} tokens",
                texts.len()
            )));
        }
        let types = match file.get("tokenizer.ggml.token_type") {
            Some(_) => file.integers("tokenizer.ggml.token_type")?,
            None => Vec::new(),
        };
        if !types.is_empty() && types.len() != texts.len() {
            return Err(file.error(format!(
                "tokenizer.ggml.token_type has {} entries for {} tokens",
                types.len(),
                texts.len()
            )));
        }
        let mut decode = HashMap::new();
        for byte in 0..=255u8 {
            decode.insert(byte_char(byte), byte);
        }
        let mut ids = HashMap::with_capacity(texts.len());
        let mut pieces = Vec::with_capacity(texts.len());
        let mut special = Vec::with_capacity(texts.len());
        let mut specials: Vec<(Box<str>, TokenId)> = Vec::new();
        for (id, text) in texts.iter().enumerate() {
            let kind = types.get(id).copied().unwrap_or(1);
            let is_special = kind == TOKEN_TYPE_CONTROL || kind == TOKEN_TYPE_USER_DEFINED;
            ids.entry(Box::from(*text)).or_insert(id as TokenId);
            special.push(kind == TOKEN_TYPE_CONTROL);
            if is_special && !text.is_empty() {
                specials.push((Box::from(*text), id as TokenId));
            }
            let bytes: Box<[u8]> = if is_special {
                Box::from(text.as_bytes())
            } else {
                text.chars()
                    .map(|c| decode.get(&c).copied().unwrap_or(b'?'))
                    .collect()
            };
            pieces.push(bytes);
        }
        specials.sort_by_key(|special| std::cmp::Reverse(special.0.len()));
        let mut merges = HashMap::new();
        let mut merged = String::new();
        if file.get("tokenizer.ggml.merges").is_some() {
            for (rank, line) in file.strings("tokenizer.ggml.merges")?.enumerate() {
                let first = line.chars().next().map_or(0, char::len_utf8);
                let Some(split) = line[first..].find(' ').map(|at| at + first) else {
                    return Err(file.error(format!("merge {rank} ({line:?}) has no space")));
                };
                let (left, right) = (&line[..split], &line[split + 1..]);
                merged.clear();
                merged.push_str(left);
                merged.push_str(right);
                if let (Some(&left), Some(&right), Some(&result)) =
                    (ids.get(left), ids.get(right), ids.get(merged.as_str()))
                {
                    merges.entry((left, right)).or_insert((rank as u32, result));
                }
            }
        }
        let mut byte_tokens = [None; 256];
        for (byte, slot) in byte_tokens.iter_mut().enumerate() {
            let mut buffer = [0u8; 4];
            *slot = ids
                .get(byte_char(byte as u8).encode_utf8(&mut buffer) as &str)
                .copied();
        }
        let count = texts.len() as u64;
        let id_of = |key: &str| -> Result<Option<TokenId>, LlmError> {
            match file.get(key) {
                None => Ok(None),
                Some(_) => {
                    let id = file.u64(key)?;
                    if id >= count {
                        return Err(file.error(format!("{key} {id} is not below {count} tokens")));
                    }
                    Ok(Some(id as TokenId))
                }
            }
        };
        let bos = id_of("tokenizer.ggml.bos_token_id")?;
        let eos = id_of("tokenizer.ggml.eos_token_id")?
            .ok_or_else(|| file.error("it has no tokenizer.ggml.eos_token_id"))?;
        let add_bos = match file.get("tokenizer.ggml.add_bos_token") {
            Some(_) => file.bool("tokenizer.ggml.add_bos_token")?,
            None => false,
        };
        let eot = ids
            .get("<|im_end|>")
            .copied()
            .or(ids.get("<|eot_id|>").copied());
        Ok(Tokenizer {
            pieces,
            ids,
            merges,
            byte_tokens,
            specials,
            special,
            bos,
            eos,
            eot,
            add_bos,
            symbols: Vec::new(),
        })
    }

    /// Tokens in the vocabulary.
    pub fn vocabulary_size(&self) -> usize {
        self.pieces.len()
    }

    /// The end-of-sequence token.
    pub fn eos(&self) -> TokenId {
        self.eos
    }

    /// The end-of-turn token of chat models, if any.
    pub fn eot(&self) -> Option<TokenId> {
        self.eot
    }

    /// Whether `token` ends generation (end of sequence or end of turn).
    pub fn is_end(&self, token: TokenId) -> bool {
        token == self.eos || Some(token) == self.eot
    }

    /// Whether `token` is a control token (never written as text).
    pub fn is_control(&self, token: TokenId) -> bool {
        self.special.get(token as usize).copied().unwrap_or(false)
    }

    /// The bytes `token` stands for (special tokens as their text); empty for an unknown id.
    pub fn piece(&self, token: TokenId) -> &[u8] {
        self.pieces.get(token as usize).map_or(&[], |piece| piece)
    }

    /// The id of a token's text (in the byte alphabet), if it is one.
    pub fn token_id(&self, text: &str) -> Option<TokenId> {
        self.ids.get(text).copied()
    }

    /// Appends the tokens of `text` to `out`: a beginning-of-sequence token first when the
    /// model asks for one and `add_special` is set; special tokens' texts become those
    /// tokens when `parse_special` is set.
    pub fn encode(
        &mut self,
        text: &str,
        add_special: bool,
        parse_special: bool,
        out: &mut Vec<TokenId>,
    ) {
        if add_special && self.add_bos {
            if let Some(bos) = self.bos {
                out.push(bos);
            }
        }
        let mut symbols = std::mem::take(&mut self.symbols);
        let mut plain_start = 0;
        let mut at = 0;
        while at < text.len() {
            let found = if parse_special {
                self.specials
                    .iter()
                    .find(|(special, _)| text.as_bytes()[at..].starts_with(special.as_bytes()))
                    .map(|(special, id)| (special.len(), *id))
            } else {
                None
            };
            match found {
                Some((length, id)) => {
                    self.encode_plain(&text[plain_start..at], &mut symbols, out);
                    out.push(id);
                    at += length;
                    plain_start = at;
                }
                None => {
                    at += text[at..].chars().next().map_or(1, char::len_utf8);
                }
            }
        }
        self.encode_plain(&text[plain_start..], &mut symbols, out);
        self.symbols = symbols;
    }

    fn encode_plain(&self, text: &str, symbols: &mut Vec<TokenId>, out: &mut Vec<TokenId>) {
        pre_tokenize(text, |start, end| {
            let word = &text.as_bytes()[start..end];
            symbols.clear();
            for &byte in word {
                // A vocabulary without a byte's token cannot write it; the byte is dropped
                // (llama.cpp does the same).
                if let Some(token) = self.byte_tokens[byte as usize] {
                    symbols.push(token);
                }
            }
            self.merge(symbols);
            out.extend_from_slice(symbols);
        });
    }

    /// Applies the merges to `symbols` in place, lowest rank first, leftmost on ties.
    fn merge(&self, symbols: &mut Vec<TokenId>) {
        loop {
            let mut best: Option<(u32, usize, TokenId)> = None;
            for at in 0..symbols.len().saturating_sub(1) {
                if let Some(&(rank, merged)) = self.merges.get(&(symbols[at], symbols[at + 1])) {
                    if best.is_none_or(|(best_rank, _, _)| rank < best_rank) {
                        best = Some((rank, at, merged));
                    }
                }
            }
            let Some((_, at, merged)) = best else { return };
            symbols[at] = merged;
            symbols.remove(at + 1);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        pre_tokenize(text, |start, end| out.push(&text[start..end]));
        out
    }

    #[test]
    fn the_pre_tokenizer_splits_like_llama_cpp_smollm() {
        assert_eq!(
            pieces("BP 120/80, it's"),
            ["BP", " ", "1", "2", "0", "/", "8", "0", ",", " it", "'s"]
        );
        assert_eq!(pieces("a  b\n\nc "), ["a", " ", " b", "\n", "\n", "c", " "]);
        assert_eq!(pieces("x   "), ["x", "   "]);
        assert_eq!(pieces("héllo wörld!!"), ["héllo", " wörld", "!!"]);
    }

    #[test]
    fn the_byte_alphabet_is_gpt2s() {
        assert_eq!(byte_char(b' '), 'Ġ');
        assert_eq!(byte_char(b'\n'), 'Ċ');
        assert_eq!(byte_char(b'a'), 'a');
        assert_eq!(byte_char(0xAD), 'Ń');
    }
}
