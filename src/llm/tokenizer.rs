//! The model's tokenizer, read from the GGUF metadata: GPT-2 byte-level BPE
//! (`tokenizer.ggml.model = gpt2`) with the pre-tokenizer llama.cpp uses for SmolLM2
//! (`tokenizer.ggml.pre = smollm`): every number code point alone, then the GPT-2 split
//! (`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`), each
//! piece's bytes mapped to the GPT-2 byte alphabet and merged by rank (lowest first,
//! leftmost on ties). Special tokens (control and user-defined) are matched in the text
//! first when asked.
//!
//! SentencePiece vocabularies (`tokenizer.ggml.model = llama`, Gemma 3) are read too, as
//! llama.cpp's `llm_tokenizer_spm` reads them: spaces written as `▁`, the text split into
//! UTF-8 characters, adjacent pairs whose concatenation is a token merged highest score
//! first (leftmost on ties), characters without a token written as their bytes' `<0xXX>`
//! tokens. User-defined tokens (Gemma's runs of newlines and tabs) are matched in the text
//! always, control tokens when asked.
//!
//! Tokenizing allocates nothing once the output and scratch vectors have grown to the
//! longest prompt (they are kept between calls).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use super::gguf::Gguf;
use super::unicode_table::{LETTERS, NUMBERS, UNASSIGNED};
use super::LlmError;

/// A token id.
pub type TokenId = u32;

const TOKEN_TYPE_CONTROL: i64 = 3;
const TOKEN_TYPE_USER_DEFINED: i64 = 4;
const TOKEN_TYPE_BYTE: i64 = 6;

/// The vocabulary's kind (`tokenizer.ggml.model`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// GPT-2 byte-level BPE (`gpt2`).
    Gpt2,
    /// SentencePiece with scores and byte fallback (`llama`).
    SentencePiece,
}

/// One piece of text during SentencePiece merging: `start..start + length` of the
/// escaped text, linked to its neighbours (`usize::MAX`: none).
#[derive(Clone, Copy, Debug)]
struct Symbol {
    start: usize,
    length: usize,
    previous: usize,
    next: usize,
}

/// A candidate merge of two adjacent symbols, ordered as llama.cpp's work queue: higher
/// score first, then the leftmost.
#[derive(Clone, Copy, Debug)]
struct Bigram {
    score: f32,
    left: usize,
    right: usize,
    length: usize,
}

impl PartialEq for Bigram {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Bigram {}

impl PartialOrd for Bigram {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Bigram {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.left.cmp(&self.left))
    }
}

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
    kind: Kind,
    /// SentencePiece: each token's score (merge priority).
    scores: Vec<f32>,
    /// SentencePiece: whether a space is written before text that starts the input or
    /// follows a special token (`tokenizer.ggml.add_space_prefix`).
    add_space_prefix: bool,
    /// Whether each special of `specials` is a control token (matched only when asked).
    special_is_control: Vec<bool>,
    /// SentencePiece scratch, kept between calls.
    escaped: String,
    pieces_scratch: Vec<Symbol>,
    queue: BinaryHeap<Bigram>,
}

/// The bytes a SentencePiece token stands for: `▁` is a space; a byte token (`<0xXX>`)
/// is its byte.
fn spm_piece(text: &str, is_byte: bool) -> Box<[u8]> {
    if is_byte {
        if let Some(byte) = text
            .strip_prefix("<0x")
            .and_then(|rest| rest.strip_suffix('>'))
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            return Box::from([byte]);
        }
    }
    text.replace('\u{2581}', " ")
        .into_bytes()
        .into_boxed_slice()
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
        let kind = match model {
            "gpt2" => Kind::Gpt2,
            "llama" => Kind::SentencePiece,
            _ => {
                return Err(LlmError::Unsupported {
                    path: file.path().to_path_buf(),
                    what: format!(
                        "tokenizer model {model} (gpt2 byte-level BPE and llama \
                         SentencePiece are)"
                    ),
                })
            }
        };
        let scores = match (kind, file.get("tokenizer.ggml.scores")) {
            (Kind::SentencePiece, Some(_)) => file.floats("tokenizer.ggml.scores")?,
            (Kind::SentencePiece, None) => {
                return Err(file.error("its SentencePiece vocabulary has no tokenizer.ggml.scores"))
            }
            (Kind::Gpt2, _) => Vec::new(),
        };
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
            let token_type = types.get(id).copied().unwrap_or(1);
            let is_special =
                token_type == TOKEN_TYPE_CONTROL || token_type == TOKEN_TYPE_USER_DEFINED;
            ids.entry(Box::from(*text)).or_insert(id as TokenId);
            special.push(token_type == TOKEN_TYPE_CONTROL);
            if is_special && !text.is_empty() {
                specials.push((Box::from(*text), id as TokenId));
            }
            let bytes: Box<[u8]> = if is_special {
                Box::from(text.as_bytes())
            } else if kind == Kind::SentencePiece {
                spm_piece(text, token_type == TOKEN_TYPE_BYTE)
            } else {
                text.chars()
                    .map(|c| decode.get(&c).copied().unwrap_or(b'?'))
                    .collect()
            };
            pieces.push(bytes);
        }
        specials.sort_by_key(|special| std::cmp::Reverse(special.0.len()));
        if kind == Kind::SentencePiece && scores.len() != texts.len() {
            return Err(file.error(format!(
                "tokenizer.ggml.scores has {} entries for {} tokens",
                scores.len(),
                texts.len()
            )));
        }
        let special_is_control = specials
            .iter()
            .map(|(_, id)| types.get(*id as usize) == Some(&TOKEN_TYPE_CONTROL))
            .collect();
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
            *slot = match kind {
                Kind::Gpt2 => {
                    let mut buffer = [0u8; 4];
                    ids.get(byte_char(byte as u8).encode_utf8(&mut buffer) as &str)
                        .copied()
                }
                Kind::SentencePiece => ids.get(format!("<0x{byte:02X}>").as_str()).copied(),
            };
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
            .or(ids.get("<|eot_id|>").copied())
            .or(ids.get("<end_of_turn>").copied());
        let add_space_prefix = match file.get("tokenizer.ggml.add_space_prefix") {
            Some(_) => file.bool("tokenizer.ggml.add_space_prefix")?,
            None => kind == Kind::SentencePiece,
        };
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
            kind,
            scores,
            add_space_prefix,
            special_is_control,
            escaped: String::new(),
            pieces_scratch: Vec::new(),
            queue: BinaryHeap::new(),
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
        if self.kind == Kind::SentencePiece {
            return self.encode_spm(text, parse_special, out);
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

    /// [`Tokenizer::encode`] for a SentencePiece vocabulary (after the BOS token).
    fn encode_spm(&mut self, text: &str, parse_special: bool, out: &mut Vec<TokenId>) {
        let mut previous_special = true;
        let mut plain_start = 0;
        let mut at = 0;
        while at < text.len() {
            let found = self
                .specials
                .iter()
                .zip(&self.special_is_control)
                .find(|((special, _), &control)| {
                    (parse_special || !control)
                        && text.as_bytes()[at..].starts_with(special.as_bytes())
                })
                .map(|((special, id), _)| (special.len(), *id));
            match found {
                Some((length, id)) => {
                    if plain_start < at {
                        self.encode_spm_plain(&text[plain_start..at], previous_special, out);
                    }
                    out.push(id);
                    previous_special = true;
                    at += length;
                    plain_start = at;
                }
                None => {
                    at += text[at..].chars().next().map_or(1, char::len_utf8);
                }
            }
        }
        if plain_start < text.len() {
            self.encode_spm_plain(&text[plain_start..], previous_special, out);
        }
    }

    /// llama.cpp's `llm_tokenizer_spm_session::tokenize` on one run of plain text.
    fn encode_spm_plain(&mut self, text: &str, previous_special: bool, out: &mut Vec<TokenId>) {
        const NONE: usize = usize::MAX;
        let mut escaped = std::mem::take(&mut self.escaped);
        let mut symbols = std::mem::take(&mut self.pieces_scratch);
        let mut queue = std::mem::take(&mut self.queue);
        escaped.clear();
        if self.add_space_prefix && previous_special {
            escaped.push('\u{2581}');
        }
        for c in text.chars() {
            escaped.push(if c == ' ' { '\u{2581}' } else { c });
        }
        symbols.clear();
        for (start, c) in escaped.char_indices() {
            let index = symbols.len();
            symbols.push(Symbol {
                start,
                length: c.len_utf8(),
                previous: index.wrapping_sub(1),
                next: if start + c.len_utf8() == escaped.len() {
                    NONE
                } else {
                    index + 1
                },
            });
        }
        if let Some(first) = symbols.first_mut() {
            first.previous = NONE;
        }
        queue.clear();
        let try_bigram =
            |queue: &mut BinaryHeap<Bigram>, symbols: &[Symbol], left: usize, right: usize| {
                if left == NONE || right == NONE {
                    return;
                }
                let start = symbols[left].start;
                let length = symbols[left].length + symbols[right].length;
                if let Some(&token) = self.ids.get(&escaped[start..start + length]) {
                    queue.push(Bigram {
                        score: self.scores[token as usize],
                        left,
                        right,
                        length,
                    });
                }
            };
        for right in 1..symbols.len() {
            try_bigram(&mut queue, &symbols, right - 1, right);
        }
        while let Some(bigram) = queue.pop() {
            let (left, right) = (symbols[bigram.left], symbols[bigram.right]);
            // One of them was merged since: this candidate is stale.
            if left.length == 0 || right.length == 0 || left.length + right.length != bigram.length
            {
                continue;
            }
            symbols[bigram.left].length += right.length;
            symbols[bigram.right].length = 0;
            symbols[bigram.left].next = right.next;
            if right.next != NONE {
                symbols[right.next].previous = bigram.left;
            }
            try_bigram(&mut queue, &symbols, left.previous, bigram.left);
            try_bigram(&mut queue, &symbols, bigram.left, right.next);
        }
        let mut index = if symbols.is_empty() { NONE } else { 0 };
        while index != NONE {
            let symbol = symbols[index];
            let piece = &escaped[symbol.start..symbol.start + symbol.length];
            match self.ids.get(piece) {
                Some(&token) => out.push(token),
                None => {
                    // Byte fallback; a byte without a token is dropped (as llama.cpp).
                    for &byte in piece.as_bytes() {
                        if let Some(token) = self.byte_tokens[byte as usize] {
                            out.push(token);
                        }
                    }
                }
            }
            index = symbol.next;
        }
        self.escaped = escaped;
        self.pieces_scratch = symbols;
        self.queue = queue;
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
