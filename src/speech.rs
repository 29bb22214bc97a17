//! What the recogniser heard, as the extractor reads it: the words of an utterance's text
//! with the confidence the recogniser had in each. A leaf module shared by `asr`/`live`
//! (which fill it on the ASR thread, without allocating: a fixed-capacity list) and
//! `extract` (which files a fact as unconfirmed when a word carrying its value was heard
//! with low confidence). Typed text has no confidences: an empty list means "not known",
//! never "confident".

use crate::limits::HEARD_WORDS_MAX;

/// One word of an utterance's text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeardWord {
    /// Byte offset in the utterance's text where the word starts.
    pub start: u32,
    /// Byte offset just past the word's end.
    pub end: u32,
    /// The recogniser's confidence in the word, in [0, 1] (e.g. the lowest probability of
    /// its tokens).
    pub confidence: f32,
}

/// The words of one utterance, in text order (at most `HEARD_WORDS_MAX`; words beyond are
/// dropped, and a consumer treats an unlisted word as of unknown confidence).
pub type HeardWords = heapless::Vec<HeardWord, HEARD_WORDS_MAX>;

/// The lowest confidence among the words overlapping `start..end` (byte offsets in the
/// text), or `None` when no listed word overlaps (typed text, or beyond the list).
pub fn lowest_confidence(words: &[HeardWord], start: u32, end: u32) -> Option<f32> {
    words
        .iter()
        .filter(|word| word.start < end && start < word.end)
        .map(|word| word.confidence)
        .reduce(f32::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lowest_overlapping_confidence_is_taken() {
        let words = [
            HeardWord {
                start: 0,
                end: 10,
                confidence: 0.9,
            },
            HeardWord {
                start: 11,
                end: 14,
                confidence: 0.4,
            },
            HeardWord {
                start: 15,
                end: 20,
                confidence: 0.8,
            },
        ];
        assert_eq!(lowest_confidence(&words, 12, 18), Some(0.4));
        assert_eq!(lowest_confidence(&words, 15, 16), Some(0.8));
        assert_eq!(lowest_confidence(&words, 30, 40), None);
        assert_eq!(lowest_confidence(&[], 0, 5), None);
    }
}
