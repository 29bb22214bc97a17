//! Hallucination guards: the checks that keep silence and noise from becoming words.
//! Each works on buffers owned by the caller and allocates nothing.

/// Estimates zlib's compression ratio (`len / len(zlib.compress(text))`, the measure
/// Whisper's fallback uses) with a greedy LZ77 pass: literals cost one byte, a match of three
/// or more bytes costs two, plus zlib's six bytes of framing. Repetitive loops ("Thank you.
/// Thank you. …") compress far better than speech, which is all the guard needs.
pub fn compression_ratio_estimate(text: &[u8]) -> f32 {
    const MATCH_MIN: usize = 3;
    const MATCH_COST: usize = 2;
    const FRAMING: usize = 6;
    if text.is_empty() {
        return 0.0;
    }
    let mut position = 0;
    let mut cost = FRAMING;
    while position < text.len() {
        let mut best = 0;
        for start in 0..position {
            let mut length = 0;
            while position + length < text.len() && text[start + length] == text[position + length]
            {
                length += 1;
            }
            best = best.max(length);
        }
        if best >= MATCH_MIN {
            cost += MATCH_COST;
            position += best;
        } else {
            cost += 1;
            position += 1;
        }
    }
    text.len() as f32 / cost as f32
}

/// Longest run of one n-gram repeated back to back at the end of the sequence, over n-gram
/// lengths `1..=gram_max`: how many times the tail pattern repeats.
pub fn tail_repetitions(tokens: &[u32], gram_max: usize) -> usize {
    let mut worst = 1;
    for gram in 1..=gram_max.min(tokens.len() / 2) {
        let pattern = &tokens[tokens.len() - gram..];
        let mut count = 1;
        let mut end = tokens.len() - gram;
        while end >= gram && &tokens[end - gram..end] == pattern {
            count += 1;
            end -= gram;
        }
        worst = worst.max(count);
    }
    worst
}

/// Largest number of back-to-back repetitions of any n-gram (length `1..=gram_max`) anywhere
/// in `tokens`.
pub fn max_repetitions(tokens: &[u32], gram_max: usize) -> usize {
    let mut worst = 1;
    for end in 1..=tokens.len() {
        worst = worst.max(tail_repetitions(&tokens[..end], gram_max));
    }
    worst
}

/// Words the text stands for when spoken: each run of letters is a word, and a run of
/// digits counts as the words said for it, one per two digits ("1430" is "fourteen thirty",
/// "120" "one twenty", "5" "five"). Whisper writes numbers as digits, so counting written
/// words would make "Tucking the blanket back in. 0510, pulse 106, BP 102 over 60" look
/// slower than it was said. A run of two to four capitals is spelt, a word a letter
/// ("NKDA", "HPMK", "TXA2GIO": studied17, where counting them as one word made complete
/// dictation look as slow as an early end). Hyphens and punctuation separate runs.
/// Allocates nothing.
pub fn spoken_words(text: &str) -> usize {
    /// The words a run of `letters` letters, all capitals or not, stands for.
    fn said(letters: usize, capitals: bool) -> usize {
        match letters {
            0 => 0,
            2..=4 if capitals => letters,
            _ => 1,
        }
    }
    let mut words = 0;
    let mut letters = 0usize;
    let mut capitals = true;
    let mut digits = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        // "0.5", "1,000": one number.
        let inside_number =
            (c == '.' || c == ',') && digits > 0 && chars.peek().is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || inside_number {
            words += said(letters, capitals);
            (letters, capitals) = (0, true);
            digits += usize::from(c.is_ascii_digit());
        } else if c.is_alphabetic() || c == '\'' || c == '’' {
            words += digits.div_ceil(2);
            digits = 0;
            if c.is_alphabetic() {
                letters += 1;
                capitals &= c.is_uppercase();
            }
        } else {
            words += said(letters, capitals) + digits.div_ceil(2);
            (letters, capitals) = (0, true);
            digits = 0;
        }
    }
    words + said(letters, capitals) + digits.div_ceil(2)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn spoken_words_count_numbers_as_said() {
        assert_eq!(spoken_words(""), 0);
        assert_eq!(spoken_words("He says pains a foreign and he's alert."), 8);
        // 0510 "oh five ten", 106 "one oh six" (two by the estimate), B-P, 102, 60.
        assert_eq!(
            spoken_words("0510, pulse 106, BP 102 over 60"),
            2 + 1 + 2 + 2 + 2 + 1 + 1
        );
        assert_eq!(spoken_words("Turn E-Cate left leg 1-4-2-2."), 5 + 4);
        // Capitals are spelt: T-X-A, I-V.
        assert_eq!(spoken_words("TXA2 grams IV1928"), 3 + 1 + 1 + 2 + 2);
        assert_eq!(spoken_words("TXA2GIO 0226"), 3 + 1 + 3 + 2);
        assert_eq!(spoken_words("HP MK on, NKDA."), 2 + 2 + 1 + 4);
        // Not spelt: one capital, a capitalised word, a long acronym said as a word.
        assert_eq!(
            spoken_words("Casual T1, V. Pain 4. MARCH on."),
            2 + 1 + 1 + 1 + 1 + 1 + 1
        );
        // A decimal or a thousands comma is one number.
        assert_eq!(spoken_words("0.5 mg, 1,000 units"), 1 + 1 + 2 + 1);
    }

    #[test]
    fn loops_compress_and_speech_does_not() {
        let speech = b"Casualty two, IED, right leg amputation below the knee, tourniquet on at zero nine fifteen.";
        let looped = b"Thank you. Thank you. Thank you. Thank you. Thank you. Thank you. Thank you. Thank you.";
        assert!(compression_ratio_estimate(speech) < 1.6);
        assert!(compression_ratio_estimate(looped) > 2.4);
    }

    #[test]
    fn repetitions_are_counted_for_every_gram_length() {
        assert_eq!(max_repetitions(&[1, 2, 3, 4], 4), 1);
        assert_eq!(max_repetitions(&[7, 7, 7, 1], 4), 3);
        assert_eq!(max_repetitions(&[1, 2, 1, 2, 1, 2, 9], 4), 3);
        assert_eq!(tail_repetitions(&[5, 1, 2, 3, 1, 2, 3], 4), 2);
    }
}
