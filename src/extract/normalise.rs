//! Normaliser of spoken clinical English as a speech recogniser writes it: words or digits,
//! with or without hyphens, with fillers and spelled acronyms. It turns an utterance into
//! tokens whose numbers are already values ("one twenty two" is 122, "zero nine fifteen"
//! is the digits 0915, "one twenty over eighty" is a ratio 120/80, "eight hundred
//! micrograms" is a quantity) so that the rules never look at number words.
//!
//! Character positions are kept for every token so that each fact can point back at the
//! words it was read from.

use crate::limits::{
    GLUED_RUN_BYTES_MAX, NUMBER_PARTS_MAX, UTTERANCE_BYTES_MAX, UTTERANCE_TOKENS_MAX,
};
use crate::record::Clock;

/// Units a spoken quantity can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantityUnit {
    Mcg,
    Mg,
    G,
    Ml,
    Units,
    Percent,
}

/// A number as heard.
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    /// The value; for joined groups ("fourteen thirty two") the joined digits (1432).
    pub value: f64,
    /// The digits as spoken, leading zeros kept ("0915"); empty for decimals.
    pub digits: String,
    /// How many spoken groups were joined (1 for "a hundred and twelve", 2 for "one twenty").
    pub parts: u8,
    /// True when written in digits by the recogniser rather than as words.
    pub from_digits: bool,
}

impl Number {
    /// The value as a whole number, if it is one and fits.
    pub fn as_integer(&self) -> Option<u32> {
        if self.digits.is_empty() || self.digits.len() > 9 {
            return None;
        }
        self.digits.parse().ok()
    }

    /// The number read as a 24-hour clock time: three or four digits ("915", "0915",
    /// "1432"), hour below 24, minute below 60. Anything else is not a time.
    pub fn as_clock(&self) -> Option<Clock> {
        let digits = &self.digits;
        if !(3..=4).contains(&digits.len()) {
            return None;
        }
        let split = digits.len() - 2;
        let hour: u32 = digits.get(..split)?.parse().ok()?;
        let minute: u32 = digits.get(split..)?.parse().ok()?;
        Clock::new(hour, minute)
    }
}

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    /// A lower-case word with apostrophes removed (but "i'm", study18: not the route IM).
    Word(String),
    Number(Number),
    /// A number with a unit ("fifty mils", "2 g", "98 percent"); litres are millilitres.
    Quantity {
        value: f64,
        unit: QuantityUnit,
    },
    /// An explicit clock time ("14:32", "fourteen thirty two hours").
    Clock(Clock),
    /// Two numbers joined by "over", "on", "/" ("one twenty over eighty").
    Ratio(u32, u32),
    /// A pause inside a sentence: comma, semicolon, colon.
    Comma,
    /// The end of a sentence: full stop, question or exclamation mark.
    Stop,
}

/// One token with the characters (not bytes) of the utterance it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
}

impl Token {
    /// The word, if this token is one.
    pub fn word(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Word(w) => Some(w.as_str()),
            _ => None,
        }
    }
}

/// Hesitations the recogniser writes; they carry nothing.
const FILLERS: &[&str] = &[
    "uh", "um", "uhm", "umm", "uhh", "er", "erm", "ah", "ahh", "hmm", "mm",
];

/// Cuts `text` to at most `UTTERANCE_BYTES_MAX` bytes at a character boundary.
pub fn bounded(text: &str) -> &str {
    if text.len() <= UTTERANCE_BYTES_MAX {
        return text;
    }
    let mut end = UTTERANCE_BYTES_MAX;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or("")
}

/// study23: marks the speaker said as words or cut off, read before anything else. Returns
/// the utterance rewritten with exactly as many characters (positions of facts stay those
/// of the text as said), or `None` when nothing changed:
/// - dictated punctuation ("Casualty one comma male comma GSW right thigh period new
///   line"), only when the utterance is clearly dictated: at least two such tokens, one of
///   them never an everyday word ("comma", "question mark", "new line"…), or three of any
///   kind; "a period of ten minutes" and "shrapnel in the colon" stay words;
/// - a list label ("Item six: AVPU, V"): "item" and its number before a colon are no value;
/// - a word cut off by the radio ("gro... say again location? Groin, right groin", "BP
///   eigh... eighty"): a fragment before "..." that the next word restarts, or that a "say
///   again" follows, is no word; the "say again X?" query is dropped so that its answer
///   completes the sentence it cut, and an answer that restarts the cut value ("Pulse one
///   fo... say again pulse? Pulse one four six") replaces it; "..." before a lower-case
///   word is a pause, not a stop ("Calcium... chloride").
pub fn spoken_marks(text: &str) -> Option<String> {
    let mut chars: Vec<char> = text.chars().collect();
    let words = plain_words(&chars);
    let dictated = dictated_punctuation(&mut chars, &words);
    let labels = list_labels(&mut chars, &words);
    let cuts = radio_cuts(&mut chars, &words);
    (dictated || labels || cuts).then(|| chars.into_iter().collect())
}

/// The words of `chars` (runs of letters, digits and apostrophes): first and past-the-end
/// character index and the word in lower case.
fn plain_words(chars: &[char]) -> Vec<(usize, usize, String)> {
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() && words.len() < UTTERANCE_TOKENS_MAX * 2 {
        if chars[i].is_alphanumeric() {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '\'' | '’'))
            {
                i += 1;
            }
            let word: String = chars[start..i]
                .iter()
                .flat_map(|c| c.to_lowercase())
                .collect();
            words.push((start, i, word));
        } else {
            i += 1;
        }
    }
    words
}

/// Replaces `chars[from..to]` with `mark` followed by spaces (all spaces for ' ').
fn blank(chars: &mut [char], from: usize, to: usize, mark: char) {
    for (k, c) in chars.iter_mut().enumerate().take(to).skip(from) {
        *c = if k == from { mark } else { ' ' };
    }
}

/// study23: dictated punctuation: the words, the mark, and whether the words are never
/// everyday speech (only those prove that an utterance is dictated).
const DICTATED_MARKS: &[(&[&str], char, bool)] = &[
    (&["question", "mark"], '?', true),
    (&["exclamation", "mark"], '!', true),
    (&["exclamation", "point"], '!', true),
    (&["full", "stop"], '.', true),
    (&["new", "paragraph"], '.', true),
    (&["new", "line"], '.', true),
    (&["next", "line"], '.', true),
    (&["end", "of", "note"], '.', true),
    (&["open", "paren"], ' ', true),
    (&["close", "paren"], ' ', true),
    (&["open", "parenthesis"], ' ', true),
    (&["close", "parenthesis"], ' ', true),
    (&["open", "bracket"], ' ', true),
    (&["close", "bracket"], ' ', true),
    (&["semi", "colon"], ';', true),
    (&["semicolon"], ';', true),
    (&["comma"], ',', true),
    (&["period"], '.', false),
    (&["colon"], ':', false),
];

fn dictated_punctuation(chars: &mut [char], words: &[(usize, usize, String)]) -> bool {
    let mut found: Vec<(usize, usize, char, bool)> = Vec::new();
    let mut k = 0;
    while k < words.len() {
        let matched = DICTATED_MARKS.iter().find(|(said, _, _)| {
            said.len() <= words.len() - k
                && said
                    .iter()
                    .zip(&words[k..])
                    .all(|(want, (_, _, got))| want == got)
        });
        match matched {
            Some((said, mark, sure)) => {
                found.push((words[k].0, words[k + said.len() - 1].1, *mark, *sure));
                k += said.len();
            }
            None => k += 1,
        }
    }
    // Two marks one of which is never a word, or three marks of any kind ("AVPU colon V
    // period pain colon six period").
    let dictated = (found.len() >= 2 && found.iter().any(|f| f.3)) || found.len() >= 3;
    if !dictated {
        return false;
    }
    for (from, to, mark, _) in found {
        blank(chars, from, to, mark);
    }
    true
}

/// study23: "Item six: AVPU, V": a list label's word and number before a colon.
fn list_labels(chars: &mut [char], words: &[(usize, usize, String)]) -> bool {
    let mut changed = false;
    for (k, (from, _, word)) in words.iter().enumerate() {
        if word != "item" {
            continue;
        }
        // One or two number words ("item twelve", "item twenty one") or digits.
        let mut last = None;
        for (_, end, next) in words.iter().skip(k + 1).take(2) {
            let number = number_word(next).is_some() || next.chars().all(|c| c.is_ascii_digit());
            if !number {
                break;
            }
            last = Some(*end);
            let colon = chars[*end..].iter().find(|c| !c.is_whitespace()) == Some(&':');
            if colon {
                break;
            }
        }
        let Some(end) = last else {
            continue;
        };
        if chars[end..].iter().find(|c| !c.is_whitespace()) == Some(&':') {
            blank(chars, *from, end, ' ');
            changed = true;
        }
    }
    changed
}

/// The number of characters of "..." or "…" at `at`, or 0.
fn ellipsis_at(chars: &[char], at: usize) -> usize {
    match chars.get(at..at + 3) {
        Some(['.', '.', '.']) => 3,
        _ if chars.get(at) == Some(&'…') => 1,
        _ => 0,
    }
}

fn radio_cuts(chars: &mut [char], words: &[(usize, usize, String)]) -> bool {
    let mut changed = false;
    let ends_clause = |c: char| matches!(c, ',' | '.' | '?' | '!' | ';' | ':');
    for k in 0..words.len() {
        let (start, end, ref fragment) = words[k];
        let dots = ellipsis_at(chars, end);
        if dots == 0 {
            continue;
        }
        let next = words.get(k + 1);
        let say_again =
            next.is_some_and(|n| n.2 == "say") && words.get(k + 2).is_some_and(|n| n.2 == "again");
        if say_again {
            let again_end = words[k + 2].1;
            // The query ends at its '?' within two more words ("say again location?").
            let limit = words.get(k + 5).map_or(chars.len(), |w| w.0);
            let Some(query_end) = (again_end..limit).find(|&c| chars[c] == '?') else {
                blank(chars, start, end + dots, ' ');
                changed = true;
                continue;
            };
            let clause_start = (0..start)
                .rev()
                .find(|&c| ends_clause(chars[c]))
                .map_or(0, |c| c + 1);
            let before: Vec<&(usize, usize, String)> =
                words[..k].iter().filter(|w| w.0 >= clause_start).collect();
            let answer = words.iter().position(|w| w.0 > query_end);
            let restarted = |first: &str| before.iter().rev().find(|w| w.2 == first).map(|w| w.0);
            // "Pulse one fo... say again pulse? Pulse one four six": the answer says the
            // cut value again from its first word.
            if let Some(from) = answer.and_then(|a| restarted(&words[a].2)) {
                blank(chars, from, query_end + 1, ' ');
                changed = true;
                continue;
            }
            // "TXA two grams I... say again route? IV. Two grams IV at zero six one
            // five": a short answer, then the value said again in full.
            let short_then_restart = answer.and_then(|a| {
                let stop =
                    (words[a].1..chars.len()).find(|&c| matches!(chars[c], '.' | '?' | '!'))?;
                let said = words[a..].iter().take_while(|w| w.0 < stop).count();
                let after = words.iter().position(|w| w.0 > stop)?;
                (said <= 2).then_some(())?;
                restarted(&words[after].2).map(|from| (from, stop))
            });
            if let Some((from, stop)) = short_then_restart {
                blank(chars, from, stop + 1, ' ');
                changed = true;
                continue;
            }
            // "the right gro... say again location? Groin, right groin": the answer
            // completes the sentence the radio cut.
            blank(chars, start, query_end + 1, ' ');
            changed = true;
            continue;
        }
        let Some(next) = next else {
            continue;
        };
        // Only the dots and spaces between the fragment and the next word.
        let adjacent = chars[end + dots..next.0].iter().all(|c| c.is_whitespace());
        if !adjacent {
            continue;
        }
        if next.2.len() > fragment.len() && next.2.starts_with(fragment.as_str()) {
            // "eigh... eighty", "p... pain": the word said again in full.
            blank(chars, start, end + dots, ' ');
            changed = true;
        } else if chars[next.0].is_lowercase() && fragment.chars().all(char::is_alphabetic) {
            // "Calcium... chloride": a pause inside the phrase.
            blank(chars, end, end + dots, ' ');
            changed = true;
        }
    }
    changed
}

/// Normalises one utterance into tokens (at most `UTTERANCE_TOKENS_MAX`).
pub fn normalise(text: &str) -> Vec<Token> {
    normalise_marked(text, &mut Vec::new())
}

/// Normalises like [`normalise`], and adds to `sound_alike` the character spans of the
/// numbers it read from letters or words that sound like digits ("9 or 4" for niner four,
/// "4-T" for forty, "H.E.8" for eighty-eight): readings a fact should not rest on
/// unconfirmed.
pub fn normalise_marked(text: &str, sound_alike: &mut Vec<(u32, u32)>) -> Vec<Token> {
    let text = bounded(text);
    let raw = drop_cut_off_numbers(drop_false_starts(join_heard_digits(
        lex(text),
        text,
        sound_alike,
    )));
    let numbers = join_numbers(&raw);
    let quantities = attach_units(numbers);
    let mut tokens = join_ratios_and_clocks(quantities);
    read_dotted_times(&mut tokens, text);
    tokens.truncate(UTTERANCE_TOKENS_MAX);
    tokens
}

/// The recogniser writes some spoken clock times with a dot: "at 11.50", "at 0.825" (zero
/// eight twenty five). After "at" or "time", a dotted number with no unit that reads as a
/// valid clock time is that time; anything else stays a decimal. "0.1815" is left alone:
/// it was heard for "0815", so which digits are spurious cannot be told.
fn read_dotted_times(tokens: &mut [Token], text: &str) {
    let chars: Vec<char> = text.chars().collect();
    for i in 1..tokens.len() {
        if !matches!(tokens[i - 1].word(), Some("at" | "time")) {
            continue;
        }
        let TokenKind::Number(number) = &tokens[i].kind else {
            continue;
        };
        if !number.digits.is_empty() {
            continue;
        }
        let written: String = chars
            .get(tokens[i].start as usize..tokens[i].end as usize)
            .unwrap_or_default()
            .iter()
            .collect();
        let Some((whole, fraction)) = written.split_once('.') else {
            continue;
        };
        let digits = match (whole, fraction.len()) {
            // "11.50": hours and minutes.
            (hours, 2) if (1..=2).contains(&hours.len()) => format!("{hours:0>2}{fraction}"),
            // "0.825": a spoken "zero" before the time.
            ("0", 3) => format!("0{fraction}"),
            _ => continue,
        };
        let candidate = Number {
            value: digits.parse().unwrap_or(f64::NAN),
            digits,
            parts: 2,
            from_digits: true,
        };
        if candidate.as_clock().is_some() {
            tokens[i].kind = TokenKind::Number(candidate);
        }
    }
}

/// A digits token made from `digits` (all ASCII digits) as the recogniser wrote it.
fn written_digits(digits: String) -> TokenKind {
    TokenKind::Number(Number {
        value: digits.parse().unwrap_or(f64::NAN),
        digits,
        parts: 1,
        from_digits: true,
    })
}

/// Numbers the recogniser (tiny.en most of all) writes in pieces, put back together before
/// anything else reads them (issue 11, traps16):
/// - a clock time said digit by digit and written with commas: "1, 4, 3, 5" and
///   "0, 4, 10" are 1435 and 0410 (three or more pieces, four digits, a valid time);
/// - "forty" written "4-T" ("0-4-4-T" is 0440, "19-4-T" 1940, "4-T-2" 42), "eighty"
///   written "H-E" or "HE" ("H-E6", "HE2": 86, 82);
/// - "1-240" (one two forty): a single hour digit hyphened to three digits is one time;
/// - studied17: "niner" written "9 or" ("sats 9 or 4" is 94), "eighty" spelt with dots
///   ("H.E.8" is 88), and a vital sign said digit by digit and written with commas
///   ("pulse 1, 2, 6" is 126: three single digits right after the sign's word).
///
/// A number read from letters or words that sound like digits ("4-T", "H-E6", "H.E.8",
/// "9 or 4") is a sound-alike reading, like a misheard lexicon row: its characters are added
/// to `sound_alike`, and a fact resting on them is filed unconfirmed. Digits the recogniser
/// wrote and the normaliser only joined ("1, 4, 3, 5", "1, 2, 6", "1-240") are not: on
/// studied17 every such join read the value said.
fn join_heard_digits(
    tokens: Vec<Token>,
    text: &str,
    sound_alike: &mut Vec<(u32, u32)>,
) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let joined_by = |a: &Token, b: &Token, mark: char| {
        b.start == a.end + 1 && chars.get(a.end as usize) == Some(&mark)
    };
    let hyphened = |a: &Token, b: &Token| joined_by(a, b, '-');
    let digits_of = |t: &Token| match &t.kind {
        TokenKind::Number(n) if n.from_digits && !n.digits.is_empty() => Some(n.digits.clone()),
        _ => None,
    };
    // Pass 1: tens written as letters.
    let mut tens: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        let next = tokens.get(i + 1);
        let digit = digits_of(token).filter(|d| d.len() == 1 && d.as_str() >= "2");
        let forty = digit
            .as_ref()
            .zip(next)
            .filter(|(_, n)| n.word() == Some("t") && hyphened(token, n));
        let eighty = match (token.word(), next.and_then(Token::word)) {
            (Some("h"), Some(w)) if next.is_some_and(|n| hyphened(token, n)) => {
                w.strip_prefix('e').map(|d| (d.to_owned(), 2))
            }
            (Some(w), _) => w.strip_prefix("he").map(|d| (d.to_owned(), 1)),
            _ => None,
        }
        .filter(|(d, _)| d.len() == 1 && d.chars().all(|c| c.is_ascii_digit()))
        .or_else(|| {
            // "H.E.8": the letters dotted like an acronym, then the digit.
            let e = next.filter(|e| e.word() == Some("e") && joined_by(token, e, '.'))?;
            let unit = tokens.get(i + 2).filter(|u| joined_by(e, u, '.'))?;
            let d = digits_of(unit).filter(|d| d.len() == 1)?;
            (token.word() == Some("h")).then_some((d, 3))
        });
        // "9 or 4": "niner four" (a single digit after it; "9 or 10" is a choice).
        let niner = digits_of(token)
            .filter(|d| d == "9" && next.and_then(Token::word) == Some("or"))
            .and(tokens.get(i + 2).and_then(digits_of))
            .filter(|d| d.len() == 1);
        // "BP 904 over 58", "Sats 906": "niner four" heard as ninety, four (studied17, slt):
        // 901 to 909 right after a vital sign's word, a value no sign can take.
        let ninety = digits_of(token)
            .filter(|d| d.len() == 3 && d.starts_with("90") && !d.ends_with('0'))
            .filter(|_| {
                i > 0
                    && tokens[i - 1]
                        .word()
                        .is_some_and(|w| VITAL_WORDS.contains(&w))
            });
        // "T-X-A2 grams": a spelt acronym's last letter glued to the number said after it.
        let spelt_glued = token
            .word()
            .filter(|w| w.len() >= 2 && w.is_ascii())
            .and_then(|w| w.split_at_checked(1))
            .filter(|(letter, digits)| {
                letter.chars().all(|c| c.is_ascii_alphabetic())
                    && digits.len() <= 4
                    && digits.chars().all(|c| c.is_ascii_digit())
            })
            .filter(|_| {
                tens.last().is_some_and(|before| {
                    before.word().is_some_and(|b| b.len() == 1) && hyphened(before, token)
                })
            });
        if let Some((letter, digits)) = spelt_glued {
            tens.push(Token {
                kind: TokenKind::Word(letter.to_owned()),
                start: token.start,
                end: token.start + 1,
            });
            tens.push(Token {
                kind: written_digits(digits.to_owned()),
                start: token.start + 1,
                end: token.end,
            });
            i += 1;
        } else if let Some(d) = niner {
            let end = tokens[i + 2].end;
            sound_alike.push((token.start, end));
            tens.push(Token {
                kind: written_digits(format!("9{d}")),
                start: token.start,
                end,
            });
            i += 3;
        } else if let Some(d) = ninety {
            sound_alike.push((token.start, token.end));
            tens.push(Token {
                kind: written_digits(format!("9{}", &d[2..])),
                start: token.start,
                end: token.end,
            });
            i += 1;
        } else if let Some((d, n)) = forty {
            // "4-T-2": forty-two.
            let unit = tokens
                .get(i + 2)
                .filter(|u| hyphened(n, u))
                .and_then(digits_of)
                .filter(|u| u.len() == 1);
            let (digits, used) = match &unit {
                Some(u) => (format!("{d}{u}"), 3),
                None => (format!("{d}0"), 2),
            };
            let end = tokens[i + used - 1].end;
            sound_alike.push((token.start, end));
            tens.push(Token {
                kind: written_digits(digits),
                start: token.start,
                end,
            });
            i += used;
        } else if let Some((d, used)) = eighty {
            let end = tokens[i + used - 1].end;
            sound_alike.push((token.start, end));
            tens.push(Token {
                kind: written_digits(format!("8{d}")),
                start: token.start,
                end,
            });
            i += used;
        } else {
            tens.push(token.clone());
            i += 1;
        }
    }
    // Pass 2: a clock time in pieces.
    let mut out: Vec<Token> = Vec::with_capacity(tens.len());
    let mut i = 0;
    while i < tens.len() {
        let token = &tens[i];
        let first = digits_of(token).filter(|d| d.len() == 1 && d.as_str() <= "2");
        if let Some(first) = first {
            // "1-240".
            let hour_hyphen = tens
                .get(i + 1)
                .filter(|n| hyphened(token, n))
                .and_then(digits_of)
                .filter(|d| d.len() == 3)
                .map(|d| format!("{first}{d}"));
            // "1, 4, 3, 5", "0, 4, 10".
            let mut joined = first.clone();
            let mut k = i;
            let mut pieces = 1;
            while joined.len() < 4
                && matches!(tens.get(k + 1).map(|t| &t.kind), Some(TokenKind::Comma))
            {
                let Some(piece) = tens.get(k + 2).and_then(digits_of) else {
                    break;
                };
                if piece.len() > 4 - joined.len() || (piece.len() == 2 && pieces < 2) {
                    break;
                }
                joined.push_str(&piece);
                pieces += 1;
                k += 2;
            }
            // A list goes on ("1, 2, 3, 4, 5") or counts casualties: not a time.
            let is_comma = |t: Option<&Token>| matches!(t.map(|t| &t.kind), Some(TokenKind::Comma));
            let list_after =
                is_comma(tens.get(k + 1)) && tens.get(k + 2).and_then(digits_of).is_some();
            let list_before =
                i >= 2 && is_comma(tens.get(i - 1)) && digits_of(&tens[i - 2]).is_some();
            let counted = i > 0
                && matches!(
                    tens[i - 1].word(),
                    Some("casualty" | "casualties" | "patients" | "number" | "numbers")
                );
            let alone = !list_after && !list_before && !counted;
            // "pulse 1, 2, 6": three single digits right after a vital sign's word.
            let after_sign = i > 0 && tens[i - 1].word().is_some_and(|w| VITAL_WORDS.contains(&w));
            if alone && after_sign && pieces == 3 && joined.len() == 3 && first != "0" {
                let end = tens[k].end;
                out.push(Token {
                    kind: written_digits(joined),
                    start: token.start,
                    end,
                });
                i = k + 1;
                continue;
            }
            let commas = (pieces >= 3 && joined.len() == 4 && alone).then_some((joined, k));
            let candidate = match (hour_hyphen, commas) {
                (Some(digits), _) => Some((digits, i + 1)),
                (None, Some((digits, last))) => Some((digits, last)),
                _ => None,
            };
            let clock = candidate.filter(|(digits, _)| {
                let hour: u32 = digits[..2].parse().unwrap_or(99);
                let minute: u32 = digits[2..].parse().unwrap_or(99);
                Clock::new(hour, minute).is_some()
            });
            if let Some((digits, last)) = clock {
                out.push(Token {
                    kind: written_digits(digits),
                    start: token.start,
                    end: tens[last].end,
                });
                i = last + 1;
                continue;
            }
        }
        out.push(token.clone());
        i += 1;
    }
    out
}

/// Words a vital sign's value follows ("pulse 1, 2, 6"), for values written in pieces.
const VITAL_WORDS: &[&str] = &[
    "pulse", "hr", "rate", "radial", "carotid", "bp", "over", "sats", "sat", "spo2", "resps", "rr",
];

/// Splits text into words, digit runs and punctuation, with character offsets.
fn lex(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < chars.len() && tokens.len() < UTTERANCE_TOKENS_MAX * 2 {
        let c = chars[i];
        if c.is_alphanumeric() || c == 'µ' {
            let start = i;
            let mut run = String::new();
            // study18: an apostrophe inside the run ("I'm", "he's"), not a possessive.
            let mut contracted = false;
            while i < chars.len() {
                let c = chars[i];
                let next_is_digit = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
                let run_is_digits = !run.is_empty() && run.chars().all(|r| r.is_ascii_digit());
                if c.is_alphanumeric() || c == 'µ' {
                    run.extend(c.to_lowercase());
                } else if c == '\'' || c == '’' {
                    // "casualty's", "ringer's": the possessive carries nothing.
                    let possessive = chars.get(i + 1) == Some(&'s')
                        && !chars.get(i + 2).is_some_and(|n| n.is_alphanumeric());
                    if possessive {
                        i += 1;
                    } else {
                        contracted = true;
                    }
                } else if (c == ':' || c == '/' || c == '.') && next_is_digit && run_is_digits {
                    run.push(c);
                } else if c == ',' && run_is_digits && thousands_group_follows(&chars, i) {
                    // "1,000": a digit-group comma, not a pause.
                } else {
                    break;
                }
                i += 1;
            }
            // study18: "I'm" is the speaker, never the route IM ("I'm priority", "I'm not
            // giving you morphine"): the contraction keeps its apostrophe as a word of its own.
            if contracted && run == "im" {
                run = "i'm".to_owned();
            }
            push_run(&mut tokens, run, start as u32, i as u32);
            continue;
        }
        let kind = match c {
            ',' | ':' => Some(TokenKind::Comma),
            // study17: "amputation; X on the belly, frag": a semicolon ends a sentence.
            ';' => Some(TokenKind::Stop),
            '.' | '?' | '!' => {
                // "B.P.", "I.O.": a dot right after a single letter spells an acronym.
                let after_letter = i > 0
                    && chars[i - 1].is_alphabetic()
                    && (i < 2 || !chars[i - 2].is_alphanumeric());
                // "No. 2": the abbreviation of "number" before digits.
                let next_visible = chars[i + 1..].iter().find(|n| !n.is_whitespace());
                let number_abbreviation = c == '.'
                    && next_visible.is_some_and(char::is_ascii_digit)
                    && tokens.last().and_then(Token::word) == Some("no");
                if number_abbreviation {
                    if let Some(last) = tokens.last_mut() {
                        last.kind = TokenKind::Word("number".to_owned());
                    }
                    None
                } else if c == '.' && after_letter {
                    None
                } else {
                    Some(TokenKind::Stop)
                }
            }
            '%' => Some(TokenKind::Quantity {
                value: f64::NAN,
                unit: QuantityUnit::Percent,
            }),
            _ => None,
        };
        if let Some(kind) = kind {
            tokens.push(Token {
                kind,
                start: i as u32,
                end: i as u32 + 1,
            });
        }
        i += 1;
    }
    tokens
}

/// study15: nervous speech. Drops fillers with the pause they leave ("the, uh, the" is
/// "the, the"; "pulse is, like, ninety"), and a false start that the next clause says
/// again: the last words before a comma repeated right after it are said once ("in the,
/// the leg", "his, his left arm", "fifteen oh, fifteen oh six", "a hundred and, a hundred
/// and twenty", "eighty, eighty-four"). A corrected value is not a false start: "eighty,
/// no, eighty-four" keeps both for the correction rules.
fn drop_false_starts(raw: Vec<Token>) -> Vec<Token> {
    let is_comma = |t: &Token| matches!(t.kind, TokenKind::Comma);
    let is_bound = |t: &Token| matches!(t.kind, TokenKind::Comma | TokenKind::Stop);
    let mut out: Vec<Token> = Vec::with_capacity(raw.len());
    for (i, token) in raw.iter().enumerate() {
        if let Some(word) = token.word() {
            // A filler, or "like" said as a clause of its own.
            let alone = out.last().is_none_or(is_bound) && raw.get(i + 1).is_none_or(is_bound);
            if FILLERS.contains(&word) || (word == "like" && alone) {
                continue;
            }
        }
        if is_comma(token) && out.last().is_none_or(is_bound) {
            // The pause a dropped filler left, or a comma opening the utterance.
            continue;
        }
        out.push(token.clone());
    }
    // Same words, same numbers: the key a token is compared by.
    fn key(token: &Token) -> Option<&str> {
        match &token.kind {
            TokenKind::Word(w) => Some(w.as_str()),
            TokenKind::Number(n) if !n.digits.is_empty() => Some(n.digits.as_str()),
            _ => None,
        }
    }
    let mut c = 0;
    while c < out.len() {
        if !is_comma(&out[c]) {
            c += 1;
            continue;
        }
        let clause_start = out[..c].iter().rposition(is_bound).map_or(0, |p| p + 1);
        let before = &out[clause_start..c];
        let after_end = out[c + 1..]
            .iter()
            .position(is_bound)
            .map_or(out.len(), |p| c + 1 + p);
        let after = &out[c + 1..after_end];
        // A stutter on small words or numbers ("the, the", "one-oh, one-oh-eight"), or a
        // clause said twice from its start ("he's hit, he's hit in the leg"); "left chest,
        // chest seal" is a list, not a false start.
        let longest = (1..=crate::limits::STUTTER_REPEAT_WORDS_MAX
            .min(before.len())
            .min(after.len()))
            .rev()
            .find(|&k| {
                let repeated = &before[before.len() - k..];
                let same = repeated
                    .iter()
                    .zip(&after[..k])
                    .all(|(a, b)| key(a).is_some() && key(a) == key(b));
                let small = repeated.iter().all(|t| match &t.kind {
                    TokenKind::Number(_) => true,
                    TokenKind::Word(w) => {
                        STUTTER_WORDS.contains(&w.as_str()) || number_word(w).is_some()
                    }
                    _ => false,
                });
                // "TXA casualty two, two grams": a casualty's number, then a dose.
                let casualty_number = before.len() > k
                    && matches!(
                        before[before.len() - k - 1].word(),
                        Some("casualty" | "cas" | "casualties" | "patient" | "number" | "on")
                    );
                same && !casualty_number && (small || k == before.len())
            });
        match longest {
            Some(k) => {
                out.drain(c - k..=c);
                c -= k;
            }
            None => c += 1,
        }
    }
    // "his left foot is, it's gone", "allergic to, penicillin", "in the, arm": a clause
    // cut off after "is", "to", "the"… goes on after the pause.
    let mut k = 1;
    while k < out.len() {
        let dangling = is_comma(&out[k])
            && matches!(
                out[k - 1].word(),
                Some("is" | "was" | "are" | "to" | "the" | "a" | "an" | "his" | "her" | "of")
            )
            // "Casualty to, male" is the recogniser's "casualty two".
            && !(out[k - 1].word() == Some("to")
                && k >= 2
                && matches!(out[k - 2].word(), Some("casualty" | "cas" | "patient")));
        if dangling {
            out.remove(k);
        } else {
            k += 1;
        }
    }
    out
}

/// study15: small words a nervous speaker says twice ("the, the", "his, his").
const STUTTER_WORDS: &[&str] = &[
    "the", "a", "an", "his", "her", "he", "she", "i", "it", "its", "is", "in", "on", "to", "and",
    "of", "at", "my", "him", "them", "they", "their", "im", "i'm", "ive", "theyll", "hes", "shes",
    "was", "with", "into", "got", "put", "oh",
];

/// study18: a number cut off after "oh" or "and" and said again from its first word ("pulse
/// one oh, one hundred and six", "a hundred and, a hundred twelve"): the cut-off words and
/// their pause are a false start. A whole number before the pause ("one ten, one twenty") is
/// no false start, nor is a cut-off number said again from another word.
fn drop_cut_off_numbers(mut tokens: Vec<Token>) -> Vec<Token> {
    let numeric = |t: &Token| {
        t.word()
            .is_some_and(|w| number_word(w).is_some() || matches!(w, "oh" | "and" | "a"))
    };
    let mut c = 0;
    while c < tokens.len() {
        if !matches!(tokens[c].kind, TokenKind::Comma) {
            c += 1;
            continue;
        }
        let run = tokens[..c].iter().rev().take_while(|t| numeric(t)).count();
        let first = c - run;
        let cut_off = (2..=4).contains(&run) && matches!(tokens[c - 1].word(), Some("oh" | "and"));
        let again = cut_off
            && tokens.get(c + 1).and_then(Token::word) == tokens[first].word()
            && tokens.get(c + 2).is_some_and(numeric);
        if again {
            tokens.drain(first..=c);
            c = first;
        } else {
            c += 1;
        }
    }
    tokens
}

fn thousands_group_follows(chars: &[char], comma: usize) -> bool {
    let group = chars.get(comma + 1..comma + 4);
    let after = chars.get(comma + 4);
    group.is_some_and(|g| g.iter().all(|c| c.is_ascii_digit()))
        && !after.is_some_and(|c| c.is_ascii_digit())
}

/// Classifies one alphanumeric run: a word, a number, a written clock time or ratio, or a
/// number glued to its unit ("500ml").
fn push_run(tokens: &mut Vec<Token>, run: String, start: u32, end: u32) {
    let token = |kind| Token { kind, start, end };
    if run.contains(':') {
        let mut pieces = run.split(':');
        let clock = match (pieces.next(), pieces.next(), pieces.next()) {
            (Some(h), Some(m), None) if m.len() == 2 => h
                .parse()
                .ok()
                .zip(m.parse().ok())
                .and_then(|(h, m)| Clock::new(h, m)),
            _ => None,
        };
        // A colon that is no valid time is too garbled to read: keep it as an unknown word.
        tokens.push(token(match clock {
            Some(clock) => TokenKind::Clock(clock),
            None => TokenKind::Word(run),
        }));
        return;
    }
    if run.contains('/') {
        let mut pieces = run.split('/');
        let ratio = match (pieces.next(), pieces.next(), pieces.next()) {
            (Some(a), Some(b), None) => a.parse().ok().zip(b.parse().ok()),
            _ => None,
        };
        tokens.push(token(match ratio {
            Some((a, b)) => TokenKind::Ratio(a, b),
            None => TokenKind::Word(run),
        }));
        return;
    }
    // "1GIV", "TXA2GIO", "HR130", "RR22": the recogniser glues acronyms, numbers and units
    // said one after the other (issue 11, studied17).
    if let Some(pieces) = glued_pieces(&run) {
        for (piece, from, to) in pieces {
            let (piece_start, piece_end) = (start + from as u32, start + to as u32);
            if piece.starts_with(|c: char| c.is_ascii_digit()) {
                push_run(tokens, piece.to_owned(), piece_start, piece_end);
            } else {
                tokens.push(Token {
                    kind: TokenKind::Word(piece.to_owned()),
                    start: piece_start,
                    end: piece_end,
                });
            }
        }
        return;
    }
    let digit_end = run
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(run.len());
    if digit_end == 0 {
        // "TXA2 grams", "IV1928", "BP96": an acronym glued to the number after it; "O650":
        // the letter O for a leading zero (issue 11).
        let letters = run.find(|c: char| c.is_ascii_digit()).unwrap_or(run.len());
        let (head, digits) = run.split_at(letters);
        let all_digits = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
        if all_digits && GLUED_ACRONYMS.contains(&head) {
            let split = start + letters as u32;
            tokens.push(Token {
                kind: TokenKind::Word(head.to_owned()),
                start,
                end: split,
            });
            push_run(tokens, digits.to_owned(), split, end);
            return;
        }
        if all_digits && head == "o" && digits.len() == 3 {
            tokens.push(token(written_digits(format!("0{digits}"))));
            return;
        }
        // "Casual T1": Whisper's spelling of "casualty one" (base and faster-whisper alike):
        // the letter and the number apart, so the sound-alike row "casual t" reads it.
        let glued_number = run
            .strip_prefix('t')
            .filter(|d| (1..=2).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()));
        if let Some(digits) = glued_number {
            if tokens.last().and_then(Token::word) == Some("casual") {
                tokens.push(Token {
                    kind: TokenKind::Word("t".to_owned()),
                    start,
                    end: start + 1,
                });
                push_run(tokens, digits.to_owned(), start + 1, end);
                return;
            }
        }
        tokens.push(token(TokenKind::Word(run)));
        return;
    }
    let (number_text, rest) = run.split_at(digit_end);
    let number = if number_text.contains('.') {
        number_text.parse::<f64>().ok().map(|value| Number {
            value,
            digits: String::new(),
            parts: 1,
            from_digits: true,
        })
    } else {
        number_text.parse::<f64>().ok().map(|value| Number {
            value,
            digits: number_text.to_owned(),
            parts: 1,
            from_digits: true,
        })
    };
    let ordinal = match (number_text, rest) {
        ("1", "st") => Some("first"),
        ("2", "nd") => Some("second"),
        ("3", "rd") => Some("third"),
        ("4", "th") => Some("fourth"),
        ("5", "th") => Some("fifth"),
        _ => None,
    };
    if let Some(word) = ordinal {
        tokens.push(token(TokenKind::Word(word.to_owned())));
        return;
    }
    match number {
        Some(number) => tokens.push(token(TokenKind::Number(number))),
        None => tokens.push(token(TokenKind::Word(number_text.to_owned()))),
    }
    if !rest.is_empty() {
        tokens.push(token(TokenKind::Word(rest.to_owned())));
    }
}

/// Acronyms the recogniser glues to the number said after them ("TXA2 grams", "IV1928").
const GLUED_ACRONYMS: &[&str] = &["txa", "iv", "io", "im", "bp"];

/// The letters the recogniser glues to numbers in a dictated dose or vital sign ("TXA2GIO"
/// is TXA, 2, g, IO; "1GIV" 1, g, IV; "HR130", "RR22"): acronyms, routes and dose units.
/// Only these: "L4", "K9", "T1" or "O2" stay as they were written.
const GLUED_PIECES: &[&str] = &[
    "txa", "iv", "io", "im", "po", "bp", "hr", "rr", "g", "gm", "mg", "mgs", "mcg", "ml",
];

/// A run of letters and digits (at least one of each, starting and ending where the run
/// does) cut into digit groups and `GLUED_PIECES`, with each piece's character offsets in
/// the run; `None` when any letters are not made of those pieces. A group of letters is cut
/// at the longest piece first ("mgs" before "mg"), and backtracks, so "gio" is g + io.
fn glued_pieces(run: &str) -> Option<Vec<(&str, usize, usize)>> {
    fn letters_into<'a>(
        letters: &'a str,
        offset: usize,
        out: &mut Vec<(&'a str, usize, usize)>,
    ) -> bool {
        if letters.is_empty() {
            return true;
        }
        let mut lengths: Vec<usize> = GLUED_PIECES
            .iter()
            .filter(|piece| letters.starts_with(*piece))
            .map(|piece| piece.len())
            .collect();
        lengths.sort_unstable_by_key(|length| std::cmp::Reverse(*length));
        for length in lengths {
            let mark = out.len();
            out.push((&letters[..length], offset, offset + length));
            if letters_into(&letters[length..], offset + length, out) {
                return true;
            }
            out.truncate(mark);
        }
        false
    }
    if !run.is_ascii() {
        return None;
    }
    let is_digit = |c: char| c.is_ascii_digit() || c == '.';
    let has_digits = run.chars().any(|c| c.is_ascii_digit());
    let has_letters = run.chars().any(|c| c.is_ascii_alphabetic());
    if !has_digits || !has_letters || run.len() > GLUED_RUN_BYTES_MAX {
        return None;
    }
    let mut pieces = Vec::new();
    let mut from = 0;
    while from < run.len() {
        let digits = run[from..].starts_with(is_digit);
        let length = run[from..]
            .find(|c: char| is_digit(c) != digits)
            .unwrap_or(run.len() - from);
        let chunk = &run[from..from + length];
        if digits {
            pieces.push((chunk, from, from + length));
        } else if !letters_into(chunk, from, &mut pieces) {
            return None;
        }
        from += length;
    }
    Some(pieces)
}

/// A number word and what it can do in a spoken number.
#[derive(Clone, Copy, Debug, PartialEq)]
enum NumberWord {
    Digit(u32),
    Teen(u32),
    Tens(u32),
    Hundred,
    Thousand,
}

fn number_word(word: &str) -> Option<NumberWord> {
    use NumberWord::*;
    Some(match word {
        "zero" | "nought" => Digit(0),
        "one" => Digit(1),
        "two" => Digit(2),
        "three" => Digit(3),
        "four" => Digit(4),
        "five" => Digit(5),
        "six" => Digit(6),
        "seven" => Digit(7),
        "eight" => Digit(8),
        "nine" | "niner" => Digit(9),
        // ICAO radiotelephony digits that no English word shares (set 19, a British medic:
        // "one fife fower zero"); "tree" is read only among digits (`is_icao_three`).
        "fower" => Digit(4),
        "fife" => Digit(5),
        "ten" => Teen(10),
        "eleven" => Teen(11),
        "twelve" => Teen(12),
        "thirteen" => Teen(13),
        "fourteen" => Teen(14),
        "fifteen" => Teen(15),
        "sixteen" => Teen(16),
        "seventeen" => Teen(17),
        "eighteen" => Teen(18),
        "nineteen" => Teen(19),
        "twenty" => Tens(20),
        "thirty" => Tens(30),
        "forty" | "fourty" => Tens(40),
        "fifty" => Tens(50),
        "sixty" => Tens(60),
        "seventy" => Tens(70),
        "eighty" => Tens(80),
        "ninety" | "ninty" => Tens(90),
        "hundred" => Hundred,
        "thousand" => Thousand,
        _ => return None,
    })
}

/// Reads number words and digit runs at `tokens[i]` as a value, resolving "oh" as zero
/// only where it sits among numbers ("ten oh six", "oh three forty"), never after "I"
/// ("I-O" is a route).
struct NumberReader<'a> {
    tokens: &'a [Token],
}

impl NumberReader<'_> {
    fn word_at(&self, i: usize) -> Option<&str> {
        self.tokens.get(i).and_then(Token::word)
    }

    fn is_number_at(&self, i: usize) -> bool {
        match self.tokens.get(i).map(|t| &t.kind) {
            Some(TokenKind::Number(n)) => !n.digits.is_empty(),
            Some(TokenKind::Word(w)) => number_word(w).is_some(),
            _ => false,
        }
    }

    /// "oh"/"o" as the digit zero.
    fn is_spoken_zero(&self, i: usize, inside_number: bool) -> bool {
        if !matches!(self.word_at(i), Some("oh" | "o")) {
            return false;
        }
        if i > 0 && self.word_at(i - 1) == Some("i") {
            return false;
        }
        // "oh-oh-ten", "oh-oh-oh-five": a run of zeros before a number (a time just after
        // midnight).
        let zeros_then_number = {
            let mut k = i + 1;
            while matches!(self.word_at(k), Some("oh")) {
                k += 1;
            }
            k > i + 1 && self.is_number_at(k)
        };
        if inside_number {
            self.is_number_at(i + 1) || zeros_then_number
        } else {
            zeros_then_number
                || (self.is_number_at(i + 1)
                    && (self.is_number_at(i + 2) || self.word_at(i + 2) == Some("oh")))
        }
    }

    /// "tree" as ICAO three: only inside a spoken number ("one fife tree zero") or right
    /// before a spoken digit ("tree fife"), never a tree ("behind the tree", "the tree
    /// twenty metres out", "fell from a tree two days ago").
    fn is_icao_three(&self, i: usize, inside_number: bool) -> bool {
        let after_determiner = i > 0
            && matches!(
                self.word_at(i - 1),
                Some("a" | "an" | "the" | "that" | "this" | "his" | "her" | "my" | "our" | "their")
            );
        self.word_at(i) == Some("tree")
            && !after_determiner
            && (inside_number
                || matches!(
                    self.word_at(i + 1).and_then(number_word),
                    Some(NumberWord::Digit(_))
                ))
    }

    fn digit_at(&self, i: usize, inside_number: bool) -> Option<NumberWord> {
        if self.is_spoken_zero(i, inside_number) {
            return Some(NumberWord::Digit(0));
        }
        if self.is_icao_three(i, inside_number) {
            return Some(NumberWord::Digit(3));
        }
        number_word(self.word_at(i)?)
    }

    /// Below one hundred: a digit, a teen, or tens with an optional digit.
    fn below_hundred(&self, i: usize, inside_number: bool) -> Option<(u64, usize)> {
        match self.digit_at(i, inside_number)? {
            NumberWord::Digit(d) => Some((u64::from(d), i + 1)),
            NumberWord::Teen(t) => Some((u64::from(t), i + 1)),
            NumberWord::Tens(t) => match self.digit_at(i + 1, true) {
                Some(NumberWord::Digit(d)) if d > 0 && !self.is_spoken_zero(i + 1, true) => {
                    Some((u64::from(t + d), i + 2))
                }
                _ => Some((u64::from(t), i + 1)),
            },
            NumberWord::Hundred | NumberWord::Thousand => None,
        }
    }

    /// Skips an "and" that continues a number ("a hundred and twelve").
    fn skip_and(&self, i: usize) -> usize {
        if self.word_at(i) == Some("and")
            && matches!(
                self.digit_at(i + 1, true),
                Some(NumberWord::Digit(_) | NumberWord::Teen(_) | NumberWord::Tens(_))
            )
        {
            i + 1
        } else {
            i
        }
    }

    /// Below one thousand, with "hundred" ("fourteen hundred", "a hundred and twelve").
    fn below_thousand(&self, i: usize, inside_number: bool) -> Option<(u64, usize)> {
        let (mut value, mut next) = if matches!(self.word_at(i), Some("a" | "an"))
            && self.word_at(i + 1) == Some("hundred")
        {
            (1, i + 1)
        } else if self.word_at(i) == Some("hundred") && !inside_number {
            // "hundred and twenty": the recogniser dropped the "a".
            (1, i)
        } else {
            self.below_hundred(i, inside_number)?
        };
        if self.word_at(next) == Some("hundred") && value > 0 {
            value *= 100;
            next += 1;
            let after_and = self.skip_and(next);
            if let Some((rest, after)) = self.below_hundred(after_and, true) {
                if rest > 0 {
                    value += rest;
                    next = after;
                }
            }
        }
        Some((value, next))
    }

    /// One spoken group: a cardinal number, or a run of digits as written.
    fn group(&self, i: usize, inside_number: bool) -> Option<(u64, String, usize)> {
        if let Some(TokenKind::Number(n)) = self.tokens.get(i).map(|t| &t.kind) {
            if n.digits.is_empty() {
                return None;
            }
            // "1 hundred", "2 thousand": digits with a spoken multiplier.
            let small = n.value < 100.0 && n.value >= 1.0 && n.digits.len() <= 2;
            match self.word_at(i + 1) {
                Some("hundred") if small => {
                    let mut value = n.value as u64 * 100;
                    let mut next = i + 2;
                    let after_and = self.skip_and(next);
                    if let Some((rest, after)) = self.below_hundred(after_and, true) {
                        if rest > 0 {
                            value += rest;
                            next = after;
                        }
                    }
                    return Some((value, value.to_string(), next));
                }
                Some("thousand") if small => {
                    let value = n.value as u64 * 1000;
                    return Some((value, value.to_string(), i + 2));
                }
                _ => {}
            }
            return Some((n.value as u64, n.digits.clone(), i + 1));
        }
        let (mut value, mut next) = if matches!(self.word_at(i), Some("a" | "an"))
            && self.word_at(i + 1) == Some("thousand")
        {
            (1, i + 1)
        } else {
            self.below_thousand(i, inside_number)?
        };
        if self.word_at(next) == Some("thousand") && value > 0 && value < 1000 {
            value *= 1000;
            next += 1;
            let after_and = self.skip_and(next);
            if let Some((rest, after)) = self.below_thousand(after_and, true) {
                if rest > 0 {
                    value += rest;
                    next = after;
                }
            }
        }
        Some((value, value.to_string(), next))
    }

    /// Decimal digits after "point": "point five" is .5.
    fn decimals(&self, mut i: usize) -> (String, usize) {
        let mut digits = String::new();
        while let Some(NumberWord::Digit(d)) = self.digit_at(i, true) {
            if digits.len() >= 4 {
                break;
            }
            digits.push(char::from_digit(d, 10).unwrap_or('0'));
            i += 1;
        }
        (digits, i)
    }

    /// A whole number at `i`: groups spoken one after the other are joined digit by digit
    /// when each is below one hundred and the result has at most four digits ("one twenty
    /// two" is 122, "zero nine fifteen" is 0915, "fourteen thirty two" is 1432).
    fn number(&self, i: usize) -> Option<(Number, usize)> {
        let starts_decimal = self.word_at(i) == Some("point");
        if starts_decimal {
            let (decimals, next) = self.decimals(i + 1);
            if decimals.is_empty() {
                return None;
            }
            let value: f64 = format!("0.{decimals}").parse().ok()?;
            return Some((number_value(value, String::new(), 1, false), next));
        }
        let first_is_digits = matches!(
            self.tokens.get(i).map(|t| &t.kind),
            Some(TokenKind::Number(_))
        );
        let (value, digits, mut next) = self.group(i, false)?;
        let mut joined = digits;
        let mut last_value = value;
        let mut parts = 1u8;
        let mut all_digits = first_is_digits;
        while usize::from(parts) < NUMBER_PARTS_MAX && last_value < 100 {
            let Some((value, digits, after)) = self.group(next, true) else {
                break;
            };
            // A later group of a hundred or more only follows spoken zeros ("zero nine
            // hundred" is 0900); otherwise it is another number.
            let only_zeros = joined.chars().all(|c| c == '0');
            if (value >= 100 && !only_zeros) || joined.len() + digits.len() > 4 {
                break;
            }
            all_digits &= matches!(
                self.tokens.get(next).map(|t| &t.kind),
                Some(TokenKind::Number(_))
            );
            joined.push_str(&digits);
            last_value = value;
            parts += 1;
            next = after;
        }
        if parts == 1 && self.word_at(next) == Some("point") {
            let (decimals, after) = self.decimals(next + 1);
            if !decimals.is_empty() {
                let value: f64 = format!("{joined}.{decimals}").parse().ok()?;
                return Some((number_value(value, String::new(), 1, false), after));
            }
        }
        let value: f64 = joined.parse().ok()?;
        Some((number_value(value, joined, parts, all_digits), next))
    }
}

fn number_value(value: f64, digits: String, parts: u8, from_digits: bool) -> Number {
    Number {
        value,
        digits,
        parts,
        from_digits,
    }
}

/// Replaces number words and digit runs by joined numbers; drops fillers.
/// The index of the last token of SpO2 spelt out letter by letter from `i` ("ess pee oh
/// two", "s p o 2", "es pee o two").
fn spelt_spo2(raw: &[Token], i: usize) -> Option<usize> {
    let word = |k: usize| raw.get(k).and_then(Token::word);
    if !matches!(word(i)?, "ess" | "es" | "s") || !matches!(word(i + 1)?, "pee" | "p") {
        return None;
    }
    if !matches!(word(i + 2)?, "oh" | "o") {
        return None;
    }
    let two = match raw.get(i + 3).map(|t| &t.kind) {
        Some(TokenKind::Word(w)) => w == "two",
        Some(TokenKind::Number(n)) => n.digits == "2",
        _ => false,
    };
    two.then_some(i + 3)
}

fn join_numbers(raw: &[Token]) -> Vec<Token> {
    let reader = NumberReader { tokens: raw };
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let token = &raw[i];
        if let TokenKind::Number(n) = &token.kind {
            if n.digits.is_empty() {
                // A decimal written in digits ("0.5") stands alone.
                out.push(token.clone());
                i += 1;
                continue;
            }
        }
        // "ess pee oh two", "S P O 2": the letters of SpO2 spelt out.
        if let Some(end) = spelt_spo2(raw, i) {
            out.push(Token {
                kind: TokenKind::Word("spo2".to_owned()),
                start: token.start,
                end: raw[end].end,
            });
            i = end + 1;
            continue;
        }
        if let Some(word) = token.word() {
            if FILLERS.contains(&word) {
                i += 1;
                continue;
            }
            // "a gram", "an amp": the article is the number one.
            if matches!(word, "a" | "an")
                && raw
                    .get(i + 1)
                    .and_then(Token::word)
                    .and_then(unit_word)
                    .is_some()
            {
                out.push(Token {
                    kind: TokenKind::Number(number_value(1.0, "1".to_owned(), 1, false)),
                    start: token.start,
                    end: token.end,
                });
                i += 1;
                continue;
            }
        }
        // "last four" names a field (the last four digits), it is not the number four.
        let after_last = i > 0 && raw[i - 1].word() == Some("last");
        let is_four = token.word() == Some("four")
            || matches!(&token.kind, TokenKind::Number(n) if n.digits == "4");
        if after_last && is_four {
            out.push(Token {
                kind: TokenKind::Word("four".to_owned()),
                ..token.clone()
            });
            i += 1;
            continue;
        }
        match reader.number(i) {
            Some((number, next)) if next > i => {
                let end = raw.get(next - 1).map_or(token.end, |t| t.end);
                out.push(Token {
                    kind: TokenKind::Number(number),
                    start: token.start,
                    end,
                });
                i = next;
            }
            _ => {
                out.push(token.clone());
                i += 1;
            }
        }
    }
    out
}

/// Unit words as the recogniser writes them, with the factor to the unit kept.
fn unit_word(word: &str) -> Option<(QuantityUnit, f64)> {
    use QuantityUnit::*;
    Some(match word {
        "mcg" | "mcgs" | "microgram" | "micrograms" | "mic" | "mics" | "mike" | "mikes" | "ug"
        | "µg" | "micrograms'" | "mcgs'" => (Mcg, 1.0),
        "mg" | "mgs" | "mgm" | "milligram" | "milligrams" | "milligramme" | "milligrammes"
        | "mig" | "migs" => (Mg, 1.0),
        "g" | "gm" | "gms" | "gram" | "grams" | "gramme" | "grammes" | "gee" | "gees" => (G, 1.0),
        "ml" | "mls" | "mil" | "mils" | "milliliter" | "milliliters" | "millilitre"
        | "millilitres" | "cc" | "ccs" => (Ml, 1.0),
        "liter" | "liters" | "litre" | "litres" => (Ml, 1000.0),
        "unit" | "units" => (Units, 1.0),
        "percent" | "per cent" => (Percent, 1.0),
        _ => return None,
    })
}

/// Two-word unit spellings the recogniser splits ("micro grams").
fn split_unit_words(first: &str, second: &str) -> Option<(QuantityUnit, f64)> {
    use QuantityUnit::*;
    Some(match (first, second) {
        ("micro", "grams" | "gram") => (Mcg, 1.0),
        ("milli", "grams" | "gram") => (Mg, 1.0),
        ("milli", "liters" | "liter" | "litres" | "litre") => (Ml, 1.0),
        ("per", "cent") => (Percent, 1.0),
        _ => return None,
    })
}

/// Joins a number and the unit that follows it into a quantity.
fn attach_units(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        if let TokenKind::Number(number) = &token.kind {
            let first = tokens.get(i + 1);
            let second = tokens.get(i + 2).and_then(Token::word);
            let percent_sign = first.is_some_and(|t| {
                matches!(
                    t.kind,
                    TokenKind::Quantity {
                        unit: QuantityUnit::Percent,
                        ..
                    }
                )
            });
            let unit = if percent_sign {
                Some(((QuantityUnit::Percent, 1.0), 1))
            } else {
                let first_word = first.and_then(Token::word);
                match (first_word, second) {
                    (Some(a), Some(b)) if split_unit_words(a, b).is_some() => {
                        split_unit_words(a, b).map(|u| (u, 2))
                    }
                    (Some("l"), _) if number.value <= 5.0 => Some(((QuantityUnit::Ml, 1000.0), 1)),
                    (Some(a), _) => unit_word(a).map(|u| (u, 1)),
                    _ => None,
                }
            };
            if let Some(((unit, factor), width)) = unit {
                let end = tokens.get(i + width).map_or(token.end, |t| t.end);
                out.push(Token {
                    kind: TokenKind::Quantity {
                        value: number.value * factor,
                        unit,
                    },
                    start: token.start,
                    end,
                });
                i += 1 + width;
                continue;
            }
        }
        if let TokenKind::Quantity { value, .. } = token.kind {
            if value.is_nan() {
                // A stray "%" with no number before it says nothing.
                i += 1;
                continue;
            }
        }
        out.push(token.clone());
        i += 1;
    }
    out
}

/// Words that end a spoken clock time ("fourteen thirty hours", "0915 zulu").
fn is_clock_suffix(word: &str) -> bool {
    matches!(
        word,
        "hours" | "hrs" | "hour" | "zulu" | "z" | "local" | "hundred hours"
    )
}

/// "two ten in the afternoon" is 14:10, "nine fifteen AM" 09:15, "two PM" 14:00: a number
/// read as a 12-hour time (hour 1 to 12) before AM, PM or a part of the day, and how many
/// words that marker took.
fn twelve_hour_clock(number: &Number, after: &[Token]) -> Option<(Clock, usize)> {
    let (pm, words) = day_marker(after)?;
    // A bare hour ("two PM") needs AM or PM; "two in the afternoon" may be a dose.
    let (hour, minute) = match number.as_clock() {
        Some(clock) => (u32::from(clock.hour), u32::from(clock.minute)),
        None if words <= 2 => (number.as_integer()?, 0),
        None => return None,
    };
    Some((clock_of_day(hour, minute, pm)?, words))
}

/// A 12-hour time (hour 1 to 12) on the 24-hour clock, in the morning or after noon.
fn clock_of_day(hour: u32, minute: u32, pm: bool) -> Option<Clock> {
    if !(1..=12).contains(&hour) {
        return None;
    }
    let hour = match (pm, hour) {
        (true, 12) => 12,
        (true, h) => h + 12,
        (false, 12) => 0,
        (false, h) => h,
    };
    Clock::new(hour, minute)
}

/// AM, PM or a part of the day at the start of `after`: (after noon, words it took).
fn day_marker(after: &[Token]) -> Option<(bool, usize)> {
    const MARKERS: &[(&[&str], bool)] = &[
        (&["am"], false),
        (&["a", "m"], false),
        (&["pm"], true),
        (&["p", "m"], true),
        (&["in", "the", "morning"], false),
        (&["in", "the", "afternoon"], true),
        (&["in", "the", "evening"], true),
        (&["at", "night"], true),
    ];
    MARKERS.iter().find_map(|(marker, pm)| {
        let said = marker
            .iter()
            .enumerate()
            .all(|(k, word)| after.get(k).and_then(Token::word) == Some(*word));
        said.then_some((*pm, marker.len()))
    })
}

/// study17: "half past ten in the morning" is 10:30, "quarter to nine at night" 20:45,
/// "ten past two in the afternoon" 14:10: an hour (1 to 12) after "half past", "quarter
/// past", "quarter to" or a number of minutes with "past" or "to", before AM, PM or a part
/// of the day. Returns the clock, the marker's words and how many tokens before the hour
/// it takes. Without the marker the time is ambiguous and stays words.
fn past_or_to_clock(
    number: &Number,
    before: &[Token],
    after: &[Token],
) -> Option<(Clock, usize, usize)> {
    let hour = number.as_integer().filter(|h| (1..=12).contains(h))?;
    if number.as_clock().is_some_and(|c| c.minute != 0) {
        return None;
    }
    let [.., amount, link] = before else {
        return None;
    };
    let forward = match link.word()? {
        "past" | "after" => true,
        "to" | "till" | "before" => false,
        _ => return None,
    };
    let minutes = match &amount.kind {
        TokenKind::Word(w) if w == "half" && forward => 30,
        TokenKind::Word(w) if w == "quarter" => 15,
        TokenKind::Number(n) => n.as_integer().filter(|m| (1..=59).contains(m))?,
        _ => return None,
    };
    let (pm, words) = day_marker(after)?;
    let at = clock_of_day(hour, 0, pm)?;
    let total = u32::from(at.hour) * 60;
    let total = if forward {
        total + minutes
    } else {
        (total + 24 * 60 - minutes) % (24 * 60)
    };
    Some((Clock::new(total / 60, total % 60)?, words, 2))
}

/// Words that join the two numbers of a blood pressure.
fn is_ratio_word(word: &str, first: u32, second: u32) -> bool {
    match word {
        "over" | "slash" => true,
        // "98 on 60" is a pressure only where both numbers could be one.
        "on" => first >= 40 && second >= 20 && first > second && first <= 300,
        _ => false,
    }
}

/// Joins "A over B" into a ratio and "N hours" into a clock time.
fn join_ratios_and_clocks(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        if let TokenKind::Number(first) = &token.kind {
            let joiner = tokens.get(i + 1).and_then(Token::word);
            let second = tokens.get(i + 2).and_then(|t| match &t.kind {
                TokenKind::Number(n) => n.as_integer(),
                _ => None,
            });
            if let (Some(a), Some(word), Some(b)) = (first.as_integer(), joiner, second) {
                if is_ratio_word(word, a, b) {
                    let end = tokens.get(i + 2).map_or(token.end, |t| t.end);
                    out.push(Token {
                        kind: TokenKind::Ratio(a, b),
                        start: token.start,
                        end,
                    });
                    i += 3;
                    continue;
                }
            }
            if let Some((clock, words, taken)) = past_or_to_clock(first, &out, &tokens[i + 1..]) {
                let start = out[out.len() - taken].start;
                out.truncate(out.len() - taken);
                let end = tokens.get(i + words).map_or(token.end, |t| t.end);
                out.push(Token {
                    kind: TokenKind::Clock(clock),
                    start,
                    end,
                });
                i += words + 1;
                continue;
            }
            if let Some((clock, words)) = twelve_hour_clock(first, &tokens[i + 1..]) {
                let end = tokens.get(i + words).map_or(token.end, |t| t.end);
                out.push(Token {
                    kind: TokenKind::Clock(clock),
                    start: token.start,
                    end,
                });
                i += words + 1;
                continue;
            }
            if let (Some(clock), Some(word)) = (first.as_clock(), joiner) {
                if is_clock_suffix(word) {
                    let end = tokens.get(i + 1).map_or(token.end, |t| t.end);
                    out.push(Token {
                        kind: TokenKind::Clock(clock),
                        start: token.start,
                        end,
                    });
                    i += 2;
                    continue;
                }
            }
        }
        out.push(token.clone());
        i += 1;
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// The numbers of `text`, in order (quantities give their value, ratios both).
    fn numbers(text: &str) -> Vec<f64> {
        normalise(text)
            .into_iter()
            .flat_map(|t| match t.kind {
                TokenKind::Number(n) => vec![n.value],
                TokenKind::Quantity { value, .. } => vec![value],
                TokenKind::Ratio(a, b) => vec![f64::from(a), f64::from(b)],
                _ => vec![],
            })
            .collect()
    }

    fn first_clock(text: &str) -> Option<String> {
        normalise(text).into_iter().find_map(|t| match t.kind {
            TokenKind::Number(n) => n.as_clock().map(|c| c.to_string()),
            TokenKind::Clock(c) => Some(c.to_string()),
            _ => None,
        })
    }

    fn quantity(text: &str) -> Option<(f64, QuantityUnit)> {
        normalise(text).into_iter().find_map(|t| match t.kind {
            TokenKind::Quantity { value, unit } => Some((value, unit)),
            _ => None,
        })
    }

    fn ratio(text: &str) -> Option<(u32, u32)> {
        normalise(text).into_iter().find_map(|t| match t.kind {
            TokenKind::Ratio(a, b) => Some((a, b)),
            _ => None,
        })
    }

    #[test]
    fn spoken_numbers() {
        let cases: &[(&str, f64)] = &[
            ("one twenty two", 122.0),
            ("a hundred and twelve", 112.0),
            ("ninety-seven", 97.0),
            ("ninety seven", 97.0),
            ("1 20", 120.0),
            ("one twenty", 120.0),
            ("one hundred eight", 108.0),
            ("one hundred and eight", 108.0),
            ("one oh eight", 108.0),
            ("one-oh-eight", 108.0),
            ("eight hundred", 800.0),
            ("two thousand", 2000.0),
            ("a thousand", 1000.0),
            ("fifteen hundred", 1500.0),
            ("one thousand five hundred", 1500.0),
            ("twenty", 20.0),
            ("twelve", 12.0),
            ("zero", 0.0),
            ("seven", 7.0),
            ("nine eight", 98.0),
            ("one one zero", 110.0),
            ("one-ten", 110.0),
            ("110", 110.0),
            ("1,000", 1000.0),
            ("point five", 0.5),
            ("zero point four", 0.4),
            ("one point five", 1.5),
            ("0.5", 0.5),
            ("two fifty", 250.0),
            ("a hundred", 100.0),
            ("one forty four", 144.0),
            ("sixty-five", 65.0),
            ("fourty two", 42.0),
            ("niner eight", 98.0),
            ("one one fife", 115.0),
            ("niner fower", 94.0),
            ("tree fife", 35.0),
            ("one tree zero", 130.0),
            ("1 0 8", 108.0),
            ("9 8", 98.0),
            ("hundred and twenty", 120.0),
            ("hundred twelve", 112.0),
            ("1 hundred", 100.0),
            ("5 hundred", 500.0),
            ("2 thousand", 2000.0),
            ("twelve hundred", 1200.0),
            ("a hundred and four", 104.0),
            ("one hundred and ten", 110.0),
            ("ninety", 90.0),
            ("eighty-eight", 88.0),
            ("fifty-five", 55.0),
            ("forty", 40.0),
            ("thirty-six", 36.0),
            ("2", 2.0),
            ("0", 0.0),
            ("one-forty", 140.0),
            ("one sixty-five", 165.0),
            ("two twenty", 220.0),
            ("zero point five", 0.5),
            ("two point five", 2.5),
            ("0.25", 0.25),
            ("three hundred", 300.0),
            ("four hundred", 400.0),
            ("one thousand", 1000.0),
        ];
        for (text, want) in cases {
            assert_eq!(numbers(text), vec![*want], "{text}");
        }
    }

    #[test]
    fn a_tree_is_no_icao_three() {
        for text in [
            "behind the tree",
            "fell from a tree two days ago",
            "tree line, two hundred metres",
        ] {
            let got = numbers(text);
            assert!(
                !got.contains(&3.0) && !got.contains(&32.0),
                "{text}: {got:?}"
            );
        }
        assert_eq!(numbers("the tree twenty metres out"), vec![20.0]);
    }

    #[test]
    fn spoken_clock_times() {
        let cases: &[(&str, Option<&str>)] = &[
            ("fourteen thirty two", Some("14:32")),
            ("zero nine fifteen", Some("09:15")),
            ("oh three forty", Some("03:40")),
            ("1432", Some("14:32")),
            ("14:32", Some("14:32")),
            ("ten oh six", Some("10:06")),
            ("0 9 15", Some("09:15")),
            ("0915", Some("09:15")),
            ("nine fifteen", Some("09:15")),
            ("thirteen ten", Some("13:10")),
            ("twenty two fifteen", Some("22:15")),
            ("fourteen hundred", Some("14:00")),
            ("fourteen hundred hours", Some("14:00")),
            ("zero nine hundred", Some("09:00")),
            ("twenty three fifty nine", Some("23:59")),
            ("zero zero zero five", Some("00:05")),
            ("oh oh ten", Some("00:10")),
            ("oh-oh-twenty-five", Some("00:25")),
            ("oh-oh-oh-five", Some("00:05")),
            ("oh nine oh five", Some("09:05")),
            ("one fife tree zero", Some("15:30")),
            ("one fife fower fife", Some("15:45")),
            ("0905 zulu", Some("09:05")),
            ("at 11.50", Some("11:50")),
            ("at 0.825", Some("08:25")),
            ("at 0.1815", None),
            ("at 9.15", Some("09:15")),
            ("at 0.5", None),
            ("at 25.70", None),
            ("1440-2", Some("14:40")),
            ("092", None),
            ("twenty five thirty", None),
            ("fourteen seventy", None),
            ("25:10", None),
            ("ninety seven", None),
            ("12345", None),
        ];
        for (text, want) in cases {
            assert_eq!(first_clock(text).as_deref(), *want, "{text}");
        }
    }

    #[test]
    fn blood_pressure_ratios() {
        let cases: &[(&str, Option<(u32, u32)>)] = &[
            ("one twenty over eighty", Some((120, 80))),
            ("98 on 60", Some((98, 60))),
            ("ninety eight on sixty", Some((98, 60))),
            ("120/80", Some((120, 80))),
            ("a hundred over sixty", Some((100, 60))),
            ("one ten over seventy", Some((110, 70))),
            ("80 over palp", None),
            ("on 15 liters", None),
            ("seven over ten", Some((7, 10))),
            ("two on one", None),
        ];
        for (text, want) in cases {
            assert_eq!(ratio(text), *want, "{text}");
        }
    }

    #[test]
    fn doses_and_units() {
        use QuantityUnit::*;
        let cases: &[(&str, (f64, QuantityUnit))] = &[
            ("eight hundred micrograms", (800.0, Mcg)),
            ("two grams", (2.0, G)),
            ("fifty mils", (50.0, Ml)),
            ("1 g", (1.0, G)),
            ("1g", (1.0, G)),
            ("500ml", (500.0, Ml)),
            ("five hundred milliliters", (500.0, Ml)),
            ("a gram", (1.0, G)),
            ("one liter", (1000.0, Ml)),
            ("1 L", (1000.0, Ml)),
            ("fifty micro grams", (50.0, Mcg)),
            ("twenty milli grams", (20.0, Mg)),
            ("four mg", (4.0, Mg)),
            ("4 mgs", (4.0, Mg)),
            ("100 mcg", (100.0, Mcg)),
            ("two units", (2.0, Units)),
            ("98 percent", (98.0, Percent)),
            ("98%", (98.0, Percent)),
            ("ninety four per cent", (94.0, Percent)),
            ("point four milligrams", (0.4, Mg)),
            ("thirty ccs", (30.0, Ml)),
            ("ten cc", (10.0, Ml)),
        ];
        for (text, want) in cases {
            assert_eq!(quantity(text), Some(*want), "{text}");
        }
    }

    #[test]
    fn casual_t_and_a_glued_number_come_apart() {
        let words = |text: &str| -> Vec<String> {
            normalise(text)
                .iter()
                .map(|t| match &t.kind {
                    TokenKind::Word(w) => w.clone(),
                    TokenKind::Number(n) => format!("#{}", n.value),
                    _ => "_".to_owned(),
                })
                .collect()
        };
        assert_eq!(
            words("Casual T2, pulse"),
            ["casual", "t", "#2", "_", "pulse"]
        );
        // Only after "casual": a T-shirt size or a grid reference stays a word.
        assert_eq!(words("size T2 shirt"), ["size", "t2", "shirt"]);
    }

    #[test]
    fn oh_is_a_letter_after_i_and_before_words() {
        let words: Vec<String> = normalise("I-O access, O negative blood")
            .into_iter()
            .filter_map(|t| t.word().map(str::to_owned))
            .collect();
        assert_eq!(words, ["i", "o", "access", "o", "negative", "blood"]);
    }

    #[test]
    fn acronym_dots_are_not_sentence_ends() {
        let stops = normalise("B.P. one twenty over eighty. Pulse 90.")
            .into_iter()
            .filter(|t| t.kind == TokenKind::Stop)
            .count();
        assert_eq!(stops, 2);
    }

    #[test]
    fn fillers_are_dropped_and_spans_point_at_the_text() {
        let text = "uh pulse is, um, one twenty";
        let tokens = normalise(text);
        assert_eq!(tokens[0].word(), Some("pulse"));
        let last = tokens.last().unwrap();
        let chars: Vec<char> = text.chars().collect();
        let spoken: String = chars[last.start as usize..last.end as usize]
            .iter()
            .collect();
        assert_eq!(spoken, "one twenty");
    }

    /// English words for 0..=999 the way a recogniser might write them.
    fn spell(n: u32) -> String {
        const ONES: [&str; 20] = [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ];
        const TENS: [&str; 10] = [
            "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
        ];
        let below_hundred = |n: u32| -> String {
            if n < 20 {
                ONES[n as usize].to_owned()
            } else if n.is_multiple_of(10) {
                TENS[(n / 10) as usize].to_owned()
            } else {
                format!("{}-{}", TENS[(n / 10) as usize], ONES[(n % 10) as usize])
            }
        };
        if n < 100 {
            below_hundred(n)
        } else if n.is_multiple_of(100) {
            format!("{} hundred", ONES[(n / 100) as usize])
        } else {
            format!(
                "{} hundred and {}",
                ONES[(n / 100) as usize],
                below_hundred(n % 100)
            )
        }
    }

    #[test]
    fn every_cardinal_below_a_thousand_in_words_and_digits() {
        for n in 0..1000u32 {
            assert_eq!(numbers(&spell(n)), vec![f64::from(n)], "{}", spell(n));
            assert_eq!(numbers(&n.to_string()), vec![f64::from(n)], "{n}");
        }
    }

    #[test]
    fn every_hundred_and_teens_style_vital_value() {
        // "one twenty two": the way medics say vitals between 100 and 199.
        for n in 100..200u32 {
            let rest = n - 100;
            let text = if rest == 0 {
                "one hundred".to_owned()
            } else if rest < 10 {
                format!("one oh {}", spell(rest))
            } else {
                format!("one {}", spell(rest))
            };
            assert_eq!(numbers(&text), vec![f64::from(n)], "{text}");
        }
    }

    #[test]
    fn every_military_clock_time_on_the_quarter_hour_and_more() {
        for hour in 0..24u32 {
            for minute in [0u32, 1, 5, 9, 10, 15, 20, 30, 32, 45, 59] {
                let want = format!("{hour:02}:{minute:02}");
                let hour_words = if hour < 10 {
                    format!("zero {}", spell(hour))
                } else {
                    spell(hour)
                };
                if hour == 0 && minute == 0 {
                    continue;
                }
                let minute_words = if minute == 0 {
                    "hundred".to_owned()
                } else if minute < 10 {
                    format!("oh {}", spell(minute))
                } else {
                    spell(minute)
                };
                let spoken = format!("{hour_words} {minute_words}");
                assert_eq!(
                    first_clock(&spoken).as_deref(),
                    Some(want.as_str()),
                    "{spoken}"
                );
                let digits = format!("{hour:02}{minute:02}");
                assert_eq!(
                    first_clock(&digits).as_deref(),
                    Some(want.as_str()),
                    "{digits}"
                );
                let colon = format!("{hour}:{minute:02}");
                assert_eq!(
                    first_clock(&colon).as_deref(),
                    Some(want.as_str()),
                    "{colon}"
                );
            }
        }
    }

    #[test]
    fn long_input_is_cut_at_a_character_boundary() {
        let text = "é".repeat(UTTERANCE_BYTES_MAX);
        assert!(bounded(&text).len() <= UTTERANCE_BYTES_MAX);
        assert!(normalise(&text).len() <= UTTERANCE_TOKENS_MAX);
    }

    /// Issue 11: numbers as tiny.en wrote them for traps16 (festival slt), read as said.
    #[test]
    fn numbers_the_recogniser_writes_in_pieces() {
        let cases: &[(&str, &[f64])] = &[
            ("TXA, two grams IV, 1, 4, 3, 5.", &[2.0, 1435.0]),
            ("right leg, 0, 4, 10 and 0, 4, 12.", &[410.0, 412.0]),
            ("0, 4, 20, Piles 138", &[420.0, 138.0]),
            ("0-4-4-T. Piles 1-18", &[440.0, 118.0]),
            ("going I-O, 0-4-4-T-2.", &[442.0]),
            ("19-4-T pulling in. Sats 97", &[1940.0, 97.0]),
            (
                "Taking the oxygen off at 1-240, Sats holding 96",
                &[1240.0, 96.0],
            ),
            ("Sats dropping, H-E6, RISPS 34", &[86.0, 34.0]),
            ("2. Piles HE2, alert", &[2.0, 82.0]),
            ("TXA2 grams IV1928.", &[2.0, 1928.0]),
            ("Piles 120, BP96 over 60", &[120.0, 96.0, 60.0]),
            ("left forearm, O650.", &[650.0]),
            ("Ketamine 50 mgm 21-12", &[50.0, 2112.0]),
            // Left alone: two pieces, a list of vitals, oxygen, SpO2, a letter T.
            ("pulse 98, 96, alert", &[98.0, 96.0]),
            ("1, 4 left", &[1.0, 4.0]),
            ("counting 1, 2, 3, 4, 5, lift", &[1.0, 2.0, 3.0, 4.0, 5.0]),
            ("casualties 1, 2, 3, 4 are moving", &[1.0, 2.0, 3.0, 4.0]),
            ("O2 on, 15 liters", &[15000.0]),
            ("SpO2 94", &[94.0]),
            ("write a T on the forehead, 4 times", &[4.0]),
        ];
        for (text, want) in cases {
            assert_eq!(numbers(text), *want, "{text}");
        }
        assert_eq!(first_clock("TXA, 1, 4, 3, 5.").as_deref(), Some("14:35"));
        assert_eq!(first_clock("left forearm, O650.").as_deref(), Some("06:50"));
        let words: Vec<String> = normalise("TXA2 grams IV1928, BP96, O2 on")
            .into_iter()
            .filter_map(|t| t.word().map(str::to_owned))
            .collect();
        assert_eq!(words, ["txa", "iv", "bp", "o2", "on"]);
    }

    /// The words and numbers of `text` as the rules see them ("2g" is one quantity).
    fn pieces(text: &str) -> Vec<String> {
        normalise(text)
            .into_iter()
            .filter_map(|t| match t.kind {
                TokenKind::Word(w) => Some(w),
                TokenKind::Number(n) => Some(n.value.to_string()),
                TokenKind::Quantity { value, unit } => Some(format!("{value} {unit:?}")),
                TokenKind::Ratio(a, b) => Some(format!("{a}/{b}")),
                TokenKind::Clock(c) => Some(c.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn glued_acronyms_numbers_and_units_are_cut_apart() {
        let cases: &[(&str, &[&str])] = &[
            ("TXA2GIO 0226", &["txa", "2 G", "io", "226"]),
            ("Ertypnam, 1GIV 0932", &["ertypnam", "1 G", "iv", "932"]),
            (
                "Cal chloride 1GIO after",
                &["cal", "chloride", "1 G", "io", "after"],
            ),
            (
                "HR130 BP86 over 48, RR28",
                &["hr", "130", "bp", "86/48", "rr", "28"],
            ),
            ("ketamine 50mgs IV", &["ketamine", "50 Mg", "iv"]),
            // Unchanged: letters that are not all acronyms or units, ordinals, numbers.
            (
                "L4 arm, K9 handler, Casual T1",
                &["l4", "arm", "k9", "handler", "casual", "t", "1"],
            ),
            (
                "O2 on, SpO2 94, 2nd TQ",
                &["o2", "on", "spo2", "94", "second", "tq"],
            ),
            ("500ml, 1.5mg", &["500 Ml", "1.5 Mg"]),
            // A spelt acronym's last letter glued to its number.
            ("T-X-A2 grams IV", &["t", "x", "a", "2 G", "iv"]),
            ("Casual T-1 caught", &["casual", "t", "1", "caught"]),
        ];
        for (text, want) in cases {
            assert_eq!(pieces(text), *want, "{text}");
        }
    }

    #[test]
    fn numbers_read_from_sound_alikes_are_marked() {
        let marked = |text: &str| {
            let mut pieced = Vec::new();
            let numbers: Vec<f64> = normalise_marked(text, &mut pieced)
                .into_iter()
                .filter_map(|t| match t.kind {
                    TokenKind::Number(n) => Some(n.value),
                    _ => None,
                })
                .collect();
            let spans: Vec<String> = pieced
                .iter()
                .map(|&(from, to)| {
                    text.chars()
                        .skip(from as usize)
                        .take((to - from) as usize)
                        .collect()
                })
                .collect();
            (numbers, spans)
        };
        let cases: &[(&str, &[f64], &[&str])] = &[
            // "niner": a single digit after "9 or".
            ("Sats 9 or 4, pain 6", &[94.0, 6.0], &["9 or 4"]),
            ("Sats-9 or 1.", &[91.0], &["9 or 1"]),
            // "niner" heard as ninety: 901 to 909 after a sign's word.
            // ("BP 904 over 58" is then the ratio 94/58, not two numbers.)
            (
                "HR 112, BP 904, RR 22, Sats 906",
                &[112.0, 94.0, 22.0, 96.0],
                &["904", "906"],
            ),
            // "eighty" spelt with dots.
            ("Radial H.E.8. BP 130", &[88.0, 130.0], &["H.E.8"]),
            // Forty and eighty from letters.
            ("Sats dropping, H-E6, RISPS 34", &[86.0, 34.0], &["H-E6"]),
            ("0-4-4-T. Piles 1-18", &[440.0, 118.0], &["4-T"]),
            // Joined but not marked: the digits were written, only the commas are dropped.
            ("Radial is weak, pulse 1, 2, 6. It", &[126.0], &[]),
            ("TXA, two grams IV, 1, 4, 3, 5.", &[1435.0], &[]),
            // Unchanged and unmarked: a choice, a list, numbers as written.
            ("at 9 or 10 tonight", &[9.0, 10.0], &[]),
            ("give 8 or 4", &[8.0, 4.0], &[]),
            ("counting 1, 2, 6, lift", &[1.0, 2.0, 6.0], &[]),
            ("casualties 1, 2, 3 are moving", &[1.0, 2.0, 3.0], &[]),
            ("pulse 0, 2, 6", &[0.0, 2.0, 6.0], &[]),
            ("pulse 126, BP 1 5 1", &[126.0, 151.0], &[]),
            ("He, E, 8 lines", &[8.0], &[]),
            ("Sats 900, unit 904", &[900.0, 904.0], &[]),
        ];
        for (text, numbers, spans) in cases {
            let (got, got_spans) = marked(text);
            assert_eq!(got, *numbers, "{text}");
            assert_eq!(got_spans, *spans, "{text}");
        }
    }
}
