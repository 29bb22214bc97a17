//! adv15: the two numbers the burn fluid rule reads (DOMAIN.md §4.4 #26, G2024 l.470-502)
//! and the card has no place for: the burned body surface ("burns to both arms and the
//! chest, I make it thirty percent", "round it to thirty percent TBSA") and the casualty's
//! weight ("he's about seventy kilos"). They become `Fact::BurnExtent` and
//! `Fact::BodyWeight`, advisor evidence that never reaches the card or `--json`.
//!
//! Both are read narrowly, since a wrong number would give a wrong fluid rate: a percent
//! only in a sentence that speaks of burns (or TBSA) and in a clause that is not a
//! saturation reading; a weight only as a number of kilos said of the casualty ("he's",
//! "she weighs"), not of a load ("carrying forty kilos of kit"). A sentence that teaches
//! or plans ("burn fluids are ten mils per percent", "if it's over twenty percent") gives
//! neither.

use super::items::{Item, ItemKind};
use super::lexicon::Concept;
use super::normalise::QuantityUnit;
use crate::record::Fact;

/// Words that make a sentence speak of burns.
const BURN_WORDS: &[&str] = &["burn", "burns", "burned", "burnt", "tbsa", "surface"];

/// Words of a clause that is a saturation reading, not a burned surface.
const SATURATION_WORDS: &[&str] = &[
    "sat",
    "sats",
    "spo2",
    "saturation",
    "saturating",
    "sating",
    "ox",
    "oximeter",
    "pleth",
];

/// Words of a sentence that teaches, plans or asks rather than reports.
const NOT_REPORTED_WORDS: &[&str] = &[
    "if", "rule", "learn", "should", "would", "could", "per", "whether", "might", "maybe",
];

/// Words after a number that make it kilograms.
const KILO_WORDS: &[&str] = &["kilo", "kilos", "kg", "kgs", "kilogram", "kilograms"];

/// Words before the number, in its clause, that say the weight is the casualty's.
const WEIGHT_SUBJECT_WORDS: &[&str] = &[
    "he's", "she's", "hes", "shes", "he", "she", "weighs", "weight", "weighing", "weighed",
];

/// Words of a clause that make the kilos a load, not the casualty.
const LOAD_WORDS: &[&str] = &[
    "carrying", "carried", "carry", "ruck", "rucksack", "pack", "kit", "load", "gear", "lost",
    "lifted", "lift", "of", "plate", "plates", "armor", "armour",
];

/// The casualty weights read (kg); outside, the number is not read as a weight.
const WEIGHT_KG: std::ops::RangeInclusive<f64> = 30.0..=250.0;

/// One fact read here, with the characters it was read from and their confidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Noted {
    pub fact: Fact,
    pub start: u32,
    pub end: u32,
    pub confidence: f32,
}

/// The lowercase words of characters `start..end`, apostrophes kept.
fn words(text: &[char], start: u32, end: u32) -> Vec<String> {
    let said: String = text
        .get(start as usize..end as usize)
        .unwrap_or_default()
        .iter()
        .collect::<String>()
        .to_lowercase();
    said.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The item range of the sentence (between `Stop`s) and of the clause (between commas
/// or stops) around item `i`.
fn bounds(items: &[Item], i: usize, clause: bool) -> (usize, usize) {
    let ends = |kind: &ItemKind| {
        matches!(kind, ItemKind::Stop) || (clause && matches!(kind, ItemKind::Comma))
    };
    let start = items[..i]
        .iter()
        .rposition(|item| ends(&item.kind))
        .map_or(0, |p| p + 1);
    let end = items[i..]
        .iter()
        .position(|item| ends(&item.kind))
        .map_or(items.len(), |p| i + p);
    (start, end)
}

/// The words said over items `from..to` (`to` exclusive).
fn words_of(items: &[Item], text: &[char], from: usize, to: usize) -> Vec<String> {
    match (
        items.get(from),
        to.checked_sub(1).and_then(|t| items.get(t)),
    ) {
        (Some(first), Some(last)) if from < to => words(text, first.start, last.end),
        _ => Vec::new(),
    }
}

fn any_of(words: &[String], set: &[&str]) -> bool {
    words.iter().any(|w| set.contains(&w.as_str()))
}

/// Words that make a weight an estimate ("he's about seventy kilos"): the scope gate drops
/// a hedged clause of a bare value, but a weight said in the field always is one.
const ESTIMATE_WORDS: &[&str] = &[
    "about",
    "around",
    "roughly",
    "approximately",
    "approx",
    "maybe",
    "probably",
    "say",
    "guess",
    "guessing",
    "reckon",
    "like",
];

/// Of `noted` (read before the scope gate), those the gate left standing in `gated`: a
/// story, a plan or a question silences them; a weight or a burned surface in a hedged
/// clause of its own ("he's about seventy kilos", "burns to both legs, about thirty
/// percent") stays, as the estimate it is. Confidence is the one read before
/// the gate: a burned surface and a weight are estimates, "about" adds no doubt.
pub fn kept(noted: Vec<Noted>, gated: &[Item], text: &[char]) -> Vec<Noted> {
    noted
        .into_iter()
        .filter(|n| {
            let Some(i) = gated.iter().position(|item| item.start == n.start) else {
                return false;
            };
            let standing = matches!(
                gated[i].kind,
                ItemKind::Number(_) | ItemKind::Quantity { .. }
            );
            let (from, _) = bounds(gated, i, true);
            standing
                || (matches!(n.fact, Fact::BodyWeight { .. } | Fact::BurnExtent { .. })
                    && any_of(&words_of(gated, text, from, i), ESTIMATE_WORDS))
        })
        .collect()
}

/// The burned surfaces and weights said in one utterance, in the order said.
pub fn noted(items: &[Item], text: &[char]) -> Vec<Noted> {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let (s_from, s_to) = bounds(items, i, false);
        let (c_from, c_to) = bounds(items, i, true);
        match &item.kind {
            ItemKind::Quantity {
                value,
                unit: QuantityUnit::Percent,
            } if (1.0..=100.0).contains(value) && value.fract() == 0.0 => {
                let sentence = words_of(items, text, s_from, s_to);
                let clause = words_of(items, text, c_from, c_to);
                // ext16: "Burns to both arms and the chest. I make it forty percent.": a
                // sentence of words and the percent alone, right after a sentence about
                // burns, is that burned surface.
                let bare = items[s_from..s_to].iter().enumerate().all(|(k, other)| {
                    // "I make it forty percent" ("make it" reads as a correction).
                    s_from + k == i
                        || matches!(
                            other.kind,
                            ItemKind::Word(_) | ItemKind::Concept(Concept::Correction)
                        )
                });
                let burns_before = bare && s_from >= 2 && {
                    let (p_from, p_to) = bounds(items, s_from - 2, false);
                    any_of(&words_of(items, text, p_from, p_to), BURN_WORDS)
                };
                if (any_of(&sentence, BURN_WORDS) || burns_before)
                    && !any_of(&sentence, NOT_REPORTED_WORDS)
                    && !any_of(&clause, SATURATION_WORDS)
                {
                    out.push(Noted {
                        fact: Fact::BurnExtent {
                            percent: *value as u8,
                        },
                        start: item.start,
                        end: item.end,
                        confidence: item.confidence,
                    });
                }
            }
            ItemKind::Number(number)
                if WEIGHT_KG.contains(&number.value) && number.value.fract() == 0.0 =>
            {
                let Some(next) = items.get(i + 1) else {
                    continue;
                };
                let unit = words(text, next.start, next.end);
                if !unit
                    .first()
                    .is_some_and(|w| KILO_WORDS.contains(&w.as_str()))
                {
                    continue;
                }
                let before = words_of(items, text, c_from, i);
                let clause = words_of(items, text, c_from, c_to);
                let sentence = words_of(items, text, s_from, s_to);
                // ext17: "He's a big guy, about ninety kilos.": a clause of the estimate
                // alone takes the casualty said in the sentence before it.
                let estimate_alone = before.iter().all(|w| ESTIMATE_WORDS.contains(&w.as_str()));
                let said_before = words_of(items, text, s_from, c_from);
                let of_casualty = any_of(&before, WEIGHT_SUBJECT_WORDS)
                    || (estimate_alone
                        && any_of(&said_before, WEIGHT_SUBJECT_WORDS)
                        && !any_of(&sentence, LOAD_WORDS));
                if of_casualty
                    && !any_of(&clause, LOAD_WORDS)
                    && !any_of(&sentence, NOT_REPORTED_WORDS)
                {
                    out.push(Noted {
                        fact: Fact::BodyWeight {
                            kg: number.value as u16,
                        },
                        start: item.start,
                        end: next.end,
                        confidence: item.confidence.min(next.confidence),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::extract::lexicon::Lexicon;
    use crate::extract::{items, normalise};

    fn read(text: &str) -> Vec<Fact> {
        let lexicon = Lexicon::new();
        let bounded = normalise::bounded(text);
        let chars: Vec<char> = bounded.chars().collect();
        let mut sound_alike = Vec::new();
        let tokens = normalise::normalise_marked(bounded, &mut sound_alike);
        let items = items::items(&tokens, &lexicon);
        noted(&items, &chars).into_iter().map(|n| n.fact).collect()
    }

    #[test]
    fn a_burned_surface_and_a_weight_said_of_the_casualty_are_read() {
        assert_eq!(
            read("Casualty one, male, vehicle fire, burns to both arms and the chest, I make it thirty percent, he's about seventy kilos."),
            vec![Fact::BurnExtent { percent: 30 }, Fact::BodyWeight { kg: 70 }]
        );
        assert_eq!(
            read("So thirty one and a half, round it to thirty percent TBSA."),
            vec![Fact::BurnExtent { percent: 30 }]
        );
        assert_eq!(
            read("He's eighty kilos, thirty times ten, so three hundred mils an hour."),
            vec![Fact::BodyWeight { kg: 80 }]
        );
        assert_eq!(
            read("She weighs about ninety five kg."),
            vec![Fact::BodyWeight { kg: 95 }]
        );
        // ext16: the surface said alone in the sentence after the burns.
        assert_eq!(
            read("Burns to both arms and the chest. I make it about forty percent."),
            vec![Fact::BurnExtent { percent: 40 }]
        );
        assert_eq!(
            read("Burns to both arms. Sats ninety percent."),
            Vec::<Fact>::new()
        );
        assert_eq!(
            read("Burns to both arms. Pulse one twenty, forty percent."),
            Vec::<Fact>::new()
        );
        // ext14: a surface said as an estimate in a clause of its own is still the surface.
        assert_eq!(
            read("Burns to both legs and the back, about thirty percent."),
            vec![Fact::BurnExtent { percent: 30 }]
        );
        // ext17: a weight estimated in a clause of its own after the casualty is named.
        assert_eq!(
            read("She's a small woman, roughly fifty five kilos."),
            vec![Fact::BodyWeight { kg: 55 }]
        );
        assert_eq!(
            read("He's a big lad, around a hundred kilos."),
            vec![Fact::BodyWeight { kg: 100 }]
        );
    }

    #[test]
    fn a_saturation_a_load_or_a_lesson_is_no_burn_or_weight() {
        for text in [
            "Sats ninety four percent, burns to the left arm.",
            "Burns to the face, pulse ox ninety one percent.",
            "Burn fluids are ten mils per percent per hour for forty to eighty kilos, learn it.",
            "If the burns are over twenty percent, start fluids.",
            "He's hauling the ruck, about forty kilos.",
            "He's a big guy, about ninety kilos of kit on him.",
            "The litter, about fifteen kilos, goes on the truck.",
            "He's carrying forty kilos of kit.",
            "The ruck was thirty kilos, he's fine.",
            "Thirty percent of the team is down.",
            "Seventy kilos.",
        ] {
            assert!(read(text).is_empty(), "{text}: {:?}", read(text));
        }
    }
}
