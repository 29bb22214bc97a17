//! The domain language model for shallow fusion: a back-off trigram model over Whisper's
//! own token ids and a prefix trie of clinical terms (and the mishearings of them that the
//! extractor's lexicon lists). Built at load from a synthetic narration corpus
//! (`lm_build`, which writes this file layout and parses it here) or read from a file
//! named by `asr.lm_file`. Loaded once into sorted tables; scoring is binary search, no
//! allocation.
//!
//! File layout (little endian): magic `TCCCLM01`; u32 vocabulary, u32 begin/end id,
//! u32 counts of unigrams, bigrams, trigrams, terms and term tokens; unigrams
//! (u32 id, f32 log10 p, f32 log10 back-off) by id; bigrams (u32, u32, f32 log10 p,
//! f32 log10 back-off) sorted; trigrams (u32 × 3, f32 log10 p) sorted; terms (u16 token
//! count, u16 characters, u32 ids).

use std::path::Path;

use crate::limits::{
    ASR_LM_FILE_BYTES_MAX, ASR_LM_NGRAMS_MAX, ASR_LM_TERMS_MAX, ASR_LM_TERM_TOKENS_MAX,
    ASR_VOCABULARY_TOKENS_MAX,
};

use super::AsrError;

/// The file's first bytes.
pub(crate) const MAGIC: &[u8; 8] = b"TCCCLM01";
/// ln(10): the file stores base-10 logarithms, as ARPA files do.
const LN_10: f32 = std::f32::consts::LN_10;
/// Characters of a term worth one full token's bonus: a completed term of fewer
/// characters than `tokens × this` gets proportionally less ("IV", "TXA").
pub const TERM_CHARACTERS_PER_FULL_BONUS: f32 = 6.0;
/// The trie's root.
pub const ROOT: u32 = 0;

/// Where a hypothesis stands in the term trie: the node reached and the provisional bonus
/// given along the way (taken back if the term does not complete).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TermState {
    pub node: u32,
    pub pending: f32,
}

#[derive(Clone, Copy, Debug)]
struct Node {
    token: u32,
    children_start: u32,
    children_len: u32,
    /// Characters of the term ending here (0: no term ends here).
    term_characters: u16,
    /// Tokens from the root to here.
    depth: u16,
}

/// The trigram model and the term trie.
#[derive(Debug)]
pub struct DomainLm {
    vocabulary: u32,
    boundary: u32,
    /// (id, ln p, ln back-off), by id.
    unigrams: Vec<(u32, f32, f32)>,
    /// (a << 16 | b, ln p, ln back-off), sorted.
    bigrams: Vec<(u64, f32, f32)>,
    /// (a << 32 | b << 16 | c, ln p), sorted.
    trigrams: Vec<(u64, f32)>,
    /// ln p of a token the corpus never had.
    unknown: f32,
    nodes: Vec<Node>,
}

/// Reads little-endian values from the file, every length checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let end = self.at.checked_add(N)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        slice.try_into().ok()
    }
    fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    fn f32(&mut self) -> Option<f32> {
        self.take()
            .map(f32::from_le_bytes)
            .filter(|value| value.is_finite())
    }
}

impl DomainLm {
    /// Reads the model file; `vocabulary` and `end_of_text` are the Whisper model's (the
    /// file must have been made with the same tokenizer: its ids fit and its boundary id is
    /// the model's end-of-text).
    pub fn load(path: &Path, vocabulary: usize, end_of_text: u32) -> Result<Self, AsrError> {
        let metadata = std::fs::metadata(path).map_err(AsrError::io(path))?;
        if metadata.len() > ASR_LM_FILE_BYTES_MAX as u64 {
            return Err(AsrError::LanguageModel {
                path: path.to_owned(),
                detail: format!(
                    "{} bytes is more than the {ASR_LM_FILE_BYTES_MAX} allowed",
                    metadata.len()
                ),
            });
        }
        let bytes = std::fs::read(path).map_err(AsrError::io(path))?;
        Self::parse(&bytes, vocabulary, end_of_text).map_err(|detail| AsrError::LanguageModel {
            path: path.to_owned(),
            detail,
        })
    }

    /// Parses the file's bytes.
    pub fn parse(bytes: &[u8], vocabulary: usize, end_of_text: u32) -> Result<Self, String> {
        let truncated = || "the language-model file is truncated".to_owned();
        if bytes.get(..8) != Some(MAGIC.as_slice()) {
            return Err("is not a tccc language model (TCCCLM01); leave asr.lm_file empty to build one from the lexicon at load".into());
        }
        let mut r = Reader { bytes, at: 8 };
        let mut header = [0u32; 7];
        for value in &mut header {
            *value = r.u32().ok_or_else(truncated)?;
        }
        let [file_vocabulary, boundary, unigram_count, bigram_count, trigram_count, term_count, term_tokens] =
            header;
        if file_vocabulary as usize > vocabulary
            || vocabulary > ASR_VOCABULARY_TOKENS_MAX
            || boundary != end_of_text
        {
            return Err(format!(
                "was made for a tokenizer of {file_vocabulary} tokens with end-of-text \
                 {boundary}; the model has {vocabulary} tokens, end-of-text {end_of_text}: \
                 leave asr.lm_file empty to build one for this model at load"
            ));
        }
        let ngrams = unigram_count as usize + bigram_count as usize + trigram_count as usize;
        if ngrams > ASR_LM_NGRAMS_MAX
            || term_count as usize > ASR_LM_TERMS_MAX
            || term_tokens as usize > ASR_LM_TERMS_MAX * ASR_LM_TERM_TOKENS_MAX
        {
            return Err(format!(
                "holds more n-grams ({ngrams}) or terms ({term_count}) than allowed"
            ));
        }
        let id = |value: u32| {
            (value < file_vocabulary)
                .then_some(value)
                .ok_or_else(|| format!("token id {value} is past the vocabulary"))
        };
        let mut unigrams = Vec::with_capacity(unigram_count as usize);
        for _ in 0..unigram_count {
            let token = id(r.u32().ok_or_else(truncated)?)?;
            let p = r.f32().ok_or_else(truncated)? * LN_10;
            let back_off = r.f32().ok_or_else(truncated)? * LN_10;
            unigrams.push((token, p, back_off));
        }
        let mut bigrams = Vec::with_capacity(bigram_count as usize);
        for _ in 0..bigram_count {
            let a = id(r.u32().ok_or_else(truncated)?)?;
            let b = id(r.u32().ok_or_else(truncated)?)?;
            let p = r.f32().ok_or_else(truncated)? * LN_10;
            let back_off = r.f32().ok_or_else(truncated)? * LN_10;
            bigrams.push((key2(a, b), p, back_off));
        }
        let mut trigrams = Vec::with_capacity(trigram_count as usize);
        for _ in 0..trigram_count {
            let a = id(r.u32().ok_or_else(truncated)?)?;
            let b = id(r.u32().ok_or_else(truncated)?)?;
            let c = id(r.u32().ok_or_else(truncated)?)?;
            let p = r.f32().ok_or_else(truncated)? * LN_10;
            trigrams.push((key3(a, b, c), p));
        }
        let sorted = unigrams.windows(2).all(|w| w[0].0 < w[1].0)
            && bigrams.windows(2).all(|w| w[0].0 < w[1].0)
            && trigrams.windows(2).all(|w| w[0].0 < w[1].0);
        if !sorted {
            return Err("n-grams are not sorted".into());
        }
        let mut terms: Vec<(Vec<u32>, u16)> = Vec::with_capacity(term_count as usize);
        for _ in 0..term_count {
            let length = r.u16().ok_or_else(truncated)? as usize;
            let characters = r.u16().ok_or_else(truncated)?;
            if length == 0 || length > ASR_LM_TERM_TOKENS_MAX {
                return Err(format!("a term of {length} tokens"));
            }
            let mut ids = Vec::with_capacity(length);
            for _ in 0..length {
                ids.push(id(r.u32().ok_or_else(truncated)?)?);
            }
            terms.push((ids, characters.max(1)));
        }
        if r.at != bytes.len() {
            return Err("has bytes after its last term".into());
        }
        // Unseen tokens get the smallest unigram probability less a margin.
        let unknown = unigrams.iter().map(|&(_, p, _)| p).fold(0.0f32, f32::min) - 2.0 * LN_10;
        Ok(DomainLm {
            vocabulary: file_vocabulary,
            boundary,
            unigrams,
            bigrams,
            trigrams,
            unknown,
            nodes: build_trie(&mut terms),
        })
    }

    /// The bytes its tables hold on the heap.
    pub fn heap_bytes(&self) -> u64 {
        let bytes = self.unigrams.capacity() * std::mem::size_of::<(u32, f32, f32)>()
            + self.bigrams.capacity() * std::mem::size_of::<(u64, f32, f32)>()
            + self.trigrams.capacity() * std::mem::size_of::<(u64, f32)>()
            + self.nodes.capacity() * std::mem::size_of::<Node>();
        u64::try_from(bytes).unwrap_or(u64::MAX)
    }

    /// The id that stands for the start and end of an utterance (Whisper's end-of-text).
    pub fn boundary(&self) -> u32 {
        self.boundary
    }

    /// N-gram and term counts (for `--verbose` reports).
    pub fn sizes(&self) -> (usize, usize, usize, usize) {
        let terms = self.nodes.iter().filter(|n| n.term_characters > 0).count();
        (
            self.unigrams.len(),
            self.bigrams.len(),
            self.trigrams.len(),
            terms,
        )
    }

    /// ln p(token | the two tokens before it), `previous` = (two back, one back); the
    /// boundary id stands for "before the utterance". Tokens past the vocabulary
    /// (timestamps) are scored as unknown.
    pub fn log_prob(&self, previous: (u32, u32), token: u32) -> f32 {
        let (a, b) = previous;
        if token >= self.vocabulary {
            return self.unknown;
        }
        let mut back_off = 0.0;
        if a < self.vocabulary && b < self.vocabulary {
            let k3 = key3(a, b, token);
            if let Ok(i) = self.trigrams.binary_search_by_key(&k3, |&(k, _)| k) {
                return self.trigrams[i].1;
            }
            if let Ok(i) = self
                .bigrams
                .binary_search_by_key(&key2(a, b), |&(k, _, _)| k)
            {
                back_off += self.bigrams[i].2;
            }
        }
        if b < self.vocabulary {
            if let Ok(i) = self
                .bigrams
                .binary_search_by_key(&key2(b, token), |&(k, _, _)| k)
            {
                return back_off + self.bigrams[i].1;
            }
            if let Ok(i) = self.unigrams.binary_search_by_key(&b, |&(k, _, _)| k) {
                back_off += self.unigrams[i].2;
            }
        }
        back_off
            + match self.unigrams.binary_search_by_key(&token, |&(k, _, _)| k) {
                Ok(i) => self.unigrams[i].1,
                Err(_) => self.unknown,
            }
    }

    /// The child of `node` reached by `token`, if any.
    fn child(&self, node: u32, token: u32) -> Option<u32> {
        let node = self.nodes.get(node as usize)?;
        let start = node.children_start as usize;
        let children = self.nodes.get(start..start + node.children_len as usize)?;
        children
            .binary_search_by_key(&token, |child| child.token)
            .ok()
            .map(|i| (start + i) as u32)
    }

    /// Moves a hypothesis's trie state over `token` and returns the change in its bonus:
    /// `per_token` provisionally for each token along a term, the whole provisional bonus
    /// taken back when the path breaks, and, when a term completes, the bonus settled at
    /// `per_token × tokens`, scaled down for terms shorter than
    /// `TERM_CHARACTERS_PER_FULL_BONUS` characters per token.
    pub fn advance_term(&self, state: TermState, token: u32, per_token: f32) -> (TermState, f32) {
        let mut delta = 0.0;
        let mut node = state.node;
        let mut pending = state.pending;
        let mut next = self.child(node, token);
        if next.is_none() && node != ROOT {
            // The path broke: take back what was given, then try a term starting here.
            delta -= pending;
            pending = 0.0;
            node = ROOT;
            next = self.child(ROOT, token);
        }
        let Some(next) = next else {
            return (TermState::default(), delta);
        };
        let _ = node;
        let reached = self.nodes[next as usize];
        pending += per_token;
        delta += per_token;
        if reached.term_characters > 0 {
            let tokens = f32::from(reached.depth);
            let settled = per_token
                * tokens
                * (f32::from(reached.term_characters) / (TERM_CHARACTERS_PER_FULL_BONUS * tokens))
                    .min(1.0);
            delta += settled - pending;
            // Banked: a longer term may continue from here, but breaking takes nothing back.
            return (
                TermState {
                    node: if reached.children_len > 0 { next } else { ROOT },
                    pending: 0.0,
                },
                delta,
            );
        }
        (
            TermState {
                node: next,
                pending,
            },
            delta,
        )
    }
}

fn key2(a: u32, b: u32) -> u64 {
    (u64::from(a) << 16) | u64::from(b)
}

fn key3(a: u32, b: u32, c: u32) -> u64 {
    (u64::from(a) << 32) | (u64::from(b) << 16) | u64::from(c)
}

/// Flattens the terms into a trie whose children are contiguous and sorted by token.
fn build_trie(terms: &mut [(Vec<u32>, u16)]) -> Vec<Node> {
    terms.sort();
    let mut nodes = vec![Node {
        token: u32::MAX,
        children_start: 0,
        children_len: 0,
        term_characters: 0,
        depth: 0,
    }];
    // Breadth first: each level's children are appended as one sorted run per parent.
    // (node index, range of terms sharing its prefix, depth)
    let mut queue = std::collections::VecDeque::from([(0usize, 0usize, terms.len(), 0usize)]);
    while let Some((parent, from, to, depth)) = queue.pop_front() {
        let start = nodes.len();
        let mut i = from;
        while i < to {
            if terms[i].0.len() <= depth {
                i += 1;
                continue;
            }
            let token = terms[i].0[depth];
            let mut j = i;
            let mut characters = 0;
            while j < to && terms[j].0.len() > depth && terms[j].0[depth] == token {
                if terms[j].0.len() == depth + 1 {
                    characters = terms[j].1;
                }
                j += 1;
            }
            let index = nodes.len();
            nodes.push(Node {
                token,
                children_start: 0,
                children_len: 0,
                term_characters: characters,
                depth: (depth + 1) as u16,
            });
            queue.push_back((index, i, j, depth + 1));
            i = j;
        }
        nodes[parent].children_start = start as u32;
        nodes[parent].children_len = (nodes.len() - start) as u32;
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(terms: &[(&[u32], u16)]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        let token_total: usize = terms.iter().map(|(t, _)| t.len()).sum();
        for value in [100u32, 99, 3, 1, 1, terms.len() as u32, token_total as u32] {
            out.extend(value.to_le_bytes());
        }
        for (id, p, b) in [(5u32, -1.0f32, -0.5f32), (7, -2.0, 0.0), (99, -1.0, 0.0)] {
            out.extend(id.to_le_bytes());
            out.extend(p.to_le_bytes());
            out.extend(b.to_le_bytes());
        }
        for v in [5u32, 7] {
            out.extend(v.to_le_bytes());
        }
        out.extend((-0.1f32).to_le_bytes());
        out.extend((-0.2f32).to_le_bytes());
        for v in [99u32, 5, 7] {
            out.extend(v.to_le_bytes());
        }
        out.extend((-0.05f32).to_le_bytes());
        for (ids, characters) in terms {
            out.extend((ids.len() as u16).to_le_bytes());
            out.extend(characters.to_le_bytes());
            for id in *ids {
                out.extend(id.to_le_bytes());
            }
        }
        out
    }

    #[test]
    fn back_off_follows_the_stored_weights() {
        let lm = DomainLm::parse(&file(&[]), 100, 99).unwrap();
        let close = |a: f32, b: f32| (a - b).abs() < 1e-5;
        assert!(close(lm.log_prob((99, 5), 7), -0.05 * LN_10));
        // Bigram (5, 7) seen, trigram (1, 5, 7) not: the bigram, no context back-off.
        assert!(close(lm.log_prob((1, 5), 7), -0.1 * LN_10));
        // Bigram (7, 5) unseen: back-off of 7 (0) + unigram of 5.
        assert!(close(lm.log_prob((1, 7), 5), -LN_10));
        // Bigram (5, 5) unseen: back-off of 5 (−0.5) + unigram 5 (−1).
        assert!(close(lm.log_prob((1, 5), 5), -1.5 * LN_10));
        assert!(lm.log_prob((1, 5), 42) < -2.0 * LN_10);
        assert!(DomainLm::parse(&file(&[]), 100, 98).is_err());
        assert!(DomainLm::parse(&file(&[])[..50], 100, 99).is_err());
    }

    #[test]
    fn a_term_bonus_is_kept_only_when_the_term_completes_and_is_capped_when_short() {
        // Term [10, 11, 12] of 12 characters, term [20] of 2 characters ("IV").
        let lm = DomainLm::parse(&file(&[(&[10, 11, 12], 12), (&[20], 2)]), 100, 99).unwrap();
        let b = 1.0;
        let (s1, d1) = lm.advance_term(TermState::default(), 10, b);
        let (s2, d2) = lm.advance_term(s1, 11, b);
        assert_eq!((d1, d2), (1.0, 1.0));
        // Broken: everything taken back.
        let (s3, d3) = lm.advance_term(s2, 50, b);
        assert_eq!((s3, d1 + d2 + d3), (TermState::default(), 0.0));
        // Completed: 3 tokens × b × min(1, 12 / 18).
        let (s3, d3) = lm.advance_term(s2, 12, b);
        assert_eq!(s3, TermState::default());
        assert!((d1 + d2 + d3 - 2.0).abs() < 1e-6);
        // A short term gets 2 / 6 of one token's bonus.
        let (_, short) = lm.advance_term(TermState::default(), 20, b);
        assert!((short - 1.0 / 3.0).abs() < 1e-6);
        // Breaking a path on a token that starts another term.
        let (_, d) = lm.advance_term(s2, 20, b);
        assert!((d - (-2.0 + 1.0 / 3.0)).abs() < 1e-6);
    }
}
