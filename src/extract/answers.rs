//! study18: a pain score asked as a question and answered with a bare number ("How bad is
//! the pain, zero to ten? Eight? Okay, an eight."): the number is the casualty's pain score,
//! as a drug named after an allergy question is the allergen (`answer_allergies`).
//! study19: a bare number opening the sentence after a question naming one sign in the
//! same utterance ("What's his pulse? One twenty four, …") is that sign (`answer_vitals`).

use super::items::{Item, ItemKind};
use super::lexicon::{Concept, VitalCue};

/// Words an answer may hold beside its one number ("like a seven", "okay, an eight").
const ANSWER_WORDS: &[&str] = &[
    "like", "a", "an", "about", "maybe", "okay", "ok", "its", "it", "uh", "um", "yeah", "so",
    "around", "says", "say", "he", "she", "you", "youd",
];

/// The index of the stop that ends the sentence opening at `start` (or the items' end).
fn sentence_end(items: &[Item], start: usize) -> usize {
    items[start..]
        .iter()
        .position(|item| item.kind == ItemKind::Stop)
        .map_or(items.len(), |p| start + p)
}

/// Reads the answers to a pain question in `items` (`text` is the utterance's characters):
/// a sentence that is one number from 0 to 10 and answer words, after a sentence asking
/// about pain ("…the pain?", in the utterance before when `asked`), gets a pain cue before
/// its number. An answer said back as a question ("Eight?") keeps the question open; the
/// first plain answer closes it. Returns whether the question is still open at the end.
pub fn answer_pain(items: &mut Vec<Item>, text: &[char], mut asked: bool) -> bool {
    let mut start = 0;
    while start < items.len() {
        let mut end = sentence_end(items, start);
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

/// Readings a question about one sign may be answered with: the sign and the plausible
/// values of a bare number said as its answer.
const ANSWERED_SIGNS: &[(VitalCue, f64, f64)] = &[
    (VitalCue::Pulse, 20.0, 250.0),
    (VitalCue::RespRate, 4.0, 60.0),
    (VitalCue::Spo2, 50.0, 100.0),
];

/// study19: "What's his pulse? One twenty four, radial's getting weak.": a sentence that
/// opens with a bare number, right after a question naming one sign (pulse, breathing
/// rate, SpO2) in the same utterance, answers it: the sign's cue goes before the number.
/// A number out of the sign's plausible values ("What's his pulse? Two minutes, I'm
/// counting.") answers nothing, nor does a question naming two signs.
pub fn answer_vitals(items: &mut Vec<Item>, text: &[char]) {
    let mut asked: Option<(VitalCue, f64, f64)> = None;
    let mut start = 0;
    while start < items.len() {
        let mut end = sentence_end(items, start);
        if let Some((cue, low, high)) = asked.take() {
            let opens = match items.get(start).map(|item| &item.kind) {
                Some(ItemKind::Number(n)) => n.value >= low && n.value <= high,
                _ => false,
            };
            if opens && start < end {
                let number = &items[start];
                let item = Item {
                    kind: ItemKind::Concept(Concept::Vital(cue)),
                    start: number.start,
                    end: number.start,
                    confidence: number.confidence,
                };
                items.insert(start, item);
                end += 1;
            }
        }
        let question = items
            .get(end)
            .and_then(|stop| text.get(stop.start as usize))
            .is_some_and(|c| *c == '?');
        if question {
            let mut signs = items[start..end].iter().filter_map(|item| match item.kind {
                ItemKind::Concept(Concept::Vital(cue)) => ANSWERED_SIGNS
                    .iter()
                    .find(|(sign, ..)| *sign == cue)
                    .copied(),
                _ => None,
            });
            if let (Some(sign), None) = (signs.next(), signs.next()) {
                asked = Some(sign);
            }
        }
        start = end + 1;
    }
}
