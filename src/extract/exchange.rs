//! study16a: a teammate writing the card and reading values back, and "say again" over
//! engine noise. What the cues of one utterance say about the exchange:
//!
//! * a read-back ("Reading back: pulse one-ten…", "Tourniquet left leg, fourteen
//!   twenty-two?", "…, copy.") repeats what the medic just said, maybe wrongly: it is never
//!   a source of facts. The extractor treats an utterance as a read-back only when it has a
//!   cue here and every fact it would file is of a kind filed in the two utterances before
//!   (and, for a question, one of them repeats a value said there);
//! * an exchange (a read-back, "say again", "I said", an answer opening with "no",
//!   "negative", "correct"…) restates values: a vital value said again as it was said in the
//!   last few utterances is the same reading, not a new one, and a fact said again is the
//!   same fact (the tourniquets repeated after "say again" stay two, not four).

/// How strongly an utterance's words mark it as a teammate's read-back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadBack {
    /// No read-back cue.
    None,
    /// A question ("…, fourteen thirty?"): a read-back only when it repeats a value.
    Question,
    /// "Reading back", "read back", "copy" opening or closing the utterance.
    Stated,
}

/// The exchange cues of one utterance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cues {
    pub read_back: ReadBack,
    /// Values are being restated: a repeat is no new reading.
    pub exchange: bool,
}

/// Words that open the medic's answer to a read-back.
const ANSWERS: &[&str] = &[
    "no",
    "negative",
    "correct",
    "correction",
    "affirm",
    "affirmative",
    "yes",
    "check",
    "roger",
];

/// Reads the exchange cues of an utterance's text.
pub fn cues(text: &[char]) -> Cues {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text {
        if c.is_alphanumeric() || *c == '\'' || *c == '\u{2019}' {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let w = |k: usize| words.get(k).map(String::as_str).unwrap_or_default();
    let last = words.last().map(String::as_str).unwrap_or_default();
    let say_again = words
        .windows(2)
        .any(|pair| pair[0] == "say" && pair[1] == "again");
    let i_said = w(0) == "i" && w(1) == "said"
        || words
            .windows(3)
            .any(|t| t[1] == "i" && t[2] == "said" && t[0] != "what");
    let opens_read_back = matches!((w(0), w(1)), ("reading" | "read", "back"))
        || matches!((w(0), w(1), w(2)), ("reading" | "read", "it", "back"))
        || w(0) == "readback";
    // "…, copy." acknowledges what was heard; "…, copy?" asks whether it was.
    let asks = text.iter().rev().find(|c| !c.is_whitespace()) == Some(&'?');
    let copy = w(0) == "copy"
        || (!asks
            && (last == "copy" || (last == "that" && w(words.len().saturating_sub(2)) == "copy")));
    let answer = ANSWERS.contains(&w(0));
    // ext17: "See the burns? Face, both arms…": a question that points at what is there
    // asks nothing back.
    let pointing = matches!(
        (w(0), w(1)),
        (
            "see" | "notice" | "feel" | "hear",
            "the" | "that" | "this" | "those" | "these"
        ) | ("look", "at")
            | ("you", "see")
    );
    let question = text.contains(&'?') && !pointing;
    let read_back = if say_again || i_said || answer {
        ReadBack::None
    } else if opens_read_back || copy {
        ReadBack::Stated
    } else if question {
        ReadBack::Question
    } else {
        ReadBack::None
    };
    Cues {
        read_back,
        exchange: read_back != ReadBack::None || say_again || i_said || answer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> Cues {
        cues(&text.chars().collect::<Vec<_>>())
    }

    #[test]
    fn cues_of_an_exchange_are_read_from_the_words() {
        let table = [
            ("Reading back: pulse one-ten, V?", ReadBack::Stated, true),
            ("Read it back to me.", ReadBack::Stated, true),
            (
                "Casualty one, frag right face, copy.",
                ReadBack::Stated,
                true,
            ),
            ("Copy, GSW left thigh.", ReadBack::Stated, true),
            (
                "Second tourniquet right leg at fourteen thirty, copy?",
                ReadBack::Question,
                true,
            ),
            (
                "Tourniquet left leg, one four two two?",
                ReadBack::Question,
                true,
            ),
            (
                "Say again? Needle, left, one two zero seven.",
                ReadBack::None,
                true,
            ),
            (
                "Say again, engine. I said two tourniquets.",
                ReadBack::None,
                true,
            ),
            ("No, pulse one-twenty.", ReadBack::None, true),
            // ext17: a question pointing at what is there.
            (
                "See the burns? Face, both arms and the chest.",
                ReadBack::None,
                false,
            ),
            ("Look at the left leg, see?", ReadBack::None, false),
            ("Negative, one four three five.", ReadBack::None, true),
            (
                "Pulse one-twenty, BP ninety over sixty.",
                ReadBack::None,
                false,
            ),
            (
                "Tourniquet left leg at fourteen ten.",
                ReadBack::None,
                false,
            ),
        ];
        for (text, read_back, exchange) in table {
            let cues = of(text);
            assert_eq!(cues.read_back, read_back, "{text}");
            assert_eq!(cues.exchange, exchange, "{text}");
        }
    }
}
