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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
