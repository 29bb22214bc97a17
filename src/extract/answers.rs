//! study18: a pain score asked as a question and answered with a bare number ("How bad is
//! the pain, zero to ten? Eight? Okay, an eight."): the number is the casualty's pain score,
//! as a drug named after an allergy question is the allergen (`answer_allergies`).

use super::items::{Item, ItemKind};
use super::lexicon::{Concept, VitalCue};

/// Words an answer may hold beside its one number ("like a seven", "okay, an eight").
const ANSWER_WORDS: &[&str] = &[
    "like", "a", "an", "about", "maybe", "okay", "ok", "its", "it", "uh", "um", "yeah", "so",
    "around", "says", "say", "he", "she", "you", "youd",
];

/// Reads the answers to a pain question in `items` (`text` is the utterance's characters):
/// a sentence that is one number from 0 to 10 and answer words, after a sentence asking
/// about pain ("…the pain?", in the utterance before when `asked`), gets a pain cue before
/// its number. An answer said back as a question ("Eight?") keeps the question open; the
/// first plain answer closes it. Returns whether the question is still open at the end.
pub fn answer_pain(items: &mut Vec<Item>, text: &[char], mut asked: bool) -> bool {
    let mut start = 0;
    while start < items.len() {
        let mut end = items[start..]
            .iter()
            .position(|item| item.kind == ItemKind::Stop)
            .map_or(items.len(), |p| start + p);
        let question = items
            .get(end)
            .and_then(|stop| text.get(stop.start as usize))
            .is_some_and(|c| *c == '?');
        let sentence = &items[start..end];
        let mut numbers = sentence
            .iter()
            .enumerate()
            .filter(|(_, item)| matches!(item.kind, ItemKind::Number(_)));
        let score = match (numbers.next(), numbers.next()) {
            (Some((k, item)), None) => match &item.kind {
                ItemKind::Number(n) if n.as_integer().is_some_and(|v| v <= 10) => Some(start + k),
                _ => None,
            },
            _ => None,
        };
        let bare = sentence.iter().all(|item| match &item.kind {
            ItemKind::Number(_) | ItemKind::Comma => true,
            ItemKind::Word(w) => ANSWER_WORDS.contains(&w.as_str()),
            _ => false,
        });
        match score.filter(|_| asked && bare) {
            Some(_) if question => {}
            Some(k) => {
                let number = &items[k];
                let cue = Item {
                    kind: ItemKind::Concept(Concept::Vital(VitalCue::Pain)),
                    start: number.start,
                    end: number.start,
                    confidence: number.confidence,
                };
                items.insert(k, cue);
                end += 1;
                asked = false;
            }
            None => {
                asked = question
                    && items[start..end]
                        .iter()
                        .any(|item| item.kind == ItemKind::Concept(Concept::Vital(VitalCue::Pain)));
            }
        }
        start = end + 1;
    }
    asked
}
