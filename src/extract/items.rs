//! From tokens to items: lexicon phrases become concepts, a side and a body part become a
//! region ("right upper arm" is right_arm), numbers stay numbers. The rules read items.

use super::lexicon::{sound_key, Concept, Lexicon, Part, Side, EXACT, SOUNDS_LIKE};
use super::normalise::{Number, QuantityUnit, Token, TokenKind};
use crate::limits::LEXICON_PHRASE_WORDS_MAX;
use crate::record::{Clock, Region};

/// A body part with its side, when known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Place {
    pub part: Part,
    pub side: Option<Side>,
}

impl Place {
    /// The schema regions this place covers (two for "both legs"), or none when a limb or
    /// a chest side is unknown.
    pub fn regions(&self) -> Vec<Region> {
        use Part::*;
        use Region as R;
        let sided = |left: R, right: R| match self.side {
            Some(Side::Left) => vec![left],
            Some(Side::Right) => vec![right],
            Some(Side::Both) => vec![left, right],
            None => vec![],
        };
        match self.part {
            Head => vec![R::Head],
            Face => vec![R::Face],
            Neck => vec![R::Neck],
            Abdomen => vec![R::Abdomen],
            Pelvis => vec![R::Pelvis],
            Back => vec![R::Back],
            Chest => sided(R::LeftChest, R::RightChest),
            Axilla => sided(R::LeftAxilla, R::RightAxilla),
            Groin => sided(R::LeftGroin, R::RightGroin),
            Arm => sided(R::LeftArm, R::RightArm),
            Leg => sided(R::LeftLeg, R::RightLeg),
        }
    }

    /// True when the part needs a side to name a region.
    pub fn is_lateral(&self) -> bool {
        matches!(
            self.part,
            Part::Chest | Part::Axilla | Part::Groin | Part::Arm | Part::Leg
        )
    }
}

/// What an item is.
#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    Concept(Concept),
    Place(Place),
    Number(Number),
    Quantity {
        value: f64,
        unit: QuantityUnit,
    },
    Clock(Clock),
    Ratio(u32, u32),
    /// A word the lexicon does not know (names, allergens, filler).
    Word(String),
    Comma,
    Stop,
}

/// One item with its characters in the utterance and the confidence of its reading.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub start: u32,
    pub end: u32,
    pub confidence: f32,
}

/// Words allowed between a side and its body part ("right side of the chest").
const SIDE_TO_PART_FILLERS: &[&str] = &[
    "upper",
    "lower",
    "side",
    "of",
    "the",
    "his",
    "her",
    "proximal",
    "distal",
    "mid",
    "anterior",
    "posterior",
    "lateral",
    "medial",
    "inner",
    "outer",
    "front",
    "rear",
    "a",
    "above",
    "below",
];

/// Turns tokens into items.
pub fn items(tokens: &[Token], lexicon: &Lexicon) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        let simple = |kind| Item {
            kind,
            start: token.start,
            end: token.end,
            confidence: EXACT,
        };
        match &token.kind {
            TokenKind::Word(_) => {
                let window: Vec<Option<&str>> = tokens
                    .iter()
                    .skip(i)
                    .take(LEXICON_PHRASE_WORDS_MAX)
                    .map(Token::word)
                    .collect();
                let found = lexicon
                    .longest_match(&window)
                    .filter(|found| context_holds(tokens, i, i + found.words, found, lexicon));
                match found {
                    Some(found) => {
                        let last = &tokens[(i + found.words - 1).min(tokens.len() - 1)];
                        out.push(Item {
                            kind: ItemKind::Concept(found.concept),
                            start: token.start,
                            end: last.end,
                            confidence: found.confidence,
                        });
                        i += found.words;
                    }
                    None => {
                        let word = token.word().unwrap_or_default().to_owned();
                        out.push(simple(ItemKind::Word(word)));
                        i += 1;
                    }
                }
                continue;
            }
            TokenKind::Number(n) => {
                // Digits a recogniser split apart ("0 9 15") are read with less certainty.
                let confidence = if n.parts > 1 && n.from_digits {
                    0.9
                } else {
                    EXACT
                };
                out.push(Item {
                    confidence,
                    ..simple(ItemKind::Number(n.clone()))
                });
            }
            TokenKind::Quantity { value, unit } => out.push(simple(ItemKind::Quantity {
                value: *value,
                unit: *unit,
            })),
            TokenKind::Clock(c) => out.push(simple(ItemKind::Clock(*c))),
            TokenKind::Ratio(a, b) => out.push(simple(ItemKind::Ratio(*a, *b))),
            TokenKind::Comma => out.push(simple(ItemKind::Comma)),
            TokenKind::Stop => out.push(simple(ItemKind::Stop)),
        }
        i += 1;
    }
    let joined = join_places(out);
    unread_ranges(sound_alikes(joined, lexicon))
}

/// study19: a number said as a rate per hour is no volume or dose; two numbers said as a range or band ("pain six or seven", "pulse somewhere
/// between ninety and a hundred", "resps eighteen to twenty") are no reading: either value
/// would be a guess, so both are kept as words. A change said with "from" ("from eighty
/// eight to ninety four") and a casualty's number ("casualty one or two") are no range.
fn unread_ranges(mut items: Vec<Item>) -> Vec<Item> {
    let value = |item: Option<&Item>| match item.map(|item| &item.kind) {
        Some(ItemKind::Number(n)) => Some(n.value),
        _ => None,
    };
    let word = |item: Option<&Item>, words: &[&str]| matches!(item.map(|item| &item.kind), Some(ItemKind::Word(w)) if words.contains(&w.as_str()));
    let mut i = 0;
    while i + 2 < items.len() {
        let before = i.checked_sub(1).and_then(|k| items.get(k));
        let between = word(before, &["between"]);
        let joins = if between {
            &["and"][..]
        } else {
            &["or", "to"][..]
        };
        let range = match (value(items.get(i)), value(items.get(i + 2))) {
            (Some(low), Some(high)) => {
                high > low
                    && word(items.get(i + 1), joins)
                    && !word(before, &["from"])
                    && !matches!(
                        before.map(|item| &item.kind),
                        Some(ItemKind::Concept(Concept::Casualty))
                    )
            }
            _ => false,
        };
        // "started IV at three hundred an hour", "three hundred mils per hour": a rate,
        // not a volume or a dose ("ten milligrams an hour ago" is a time).
        let amount = matches!(
            items.get(i).map(|item| &item.kind),
            Some(ItemKind::Number(_) | ItemKind::Quantity { .. })
        );
        let rate = amount
            && word(items.get(i + 1), &["an", "a", "per"])
            && word(items.get(i + 2), &["hour", "hr"])
            && !word(items.get(i + 3), &["ago"]);
        if rate {
            items[i].kind = ItemKind::Word("rate".to_owned());
            i += 3;
        } else if range {
            for k in [i, i + 2] {
                items[k].kind = ItemKind::Word("range".to_owned());
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    items
}

/// A row that needs a context (`lexicon.toml`'s `[[context]]`) counts only when its clause
/// (the tokens between commas or stops around `start..end`; its sentence for a context of
/// `reach = "sentence"`) holds what it needs, or when it is the whole clause.
fn context_holds(
    tokens: &[Token],
    start: usize,
    end: usize,
    found: &super::lexicon::Match,
    lexicon: &Lexicon,
) -> bool {
    use super::lexicon::Need;
    let Some(context) = found.context.and_then(|c| lexicon.context(c)) else {
        return true;
    };
    let sentence = context.reach == super::lexicon::Reach::Sentence;
    let bounds = |t: &Token| match t.kind {
        TokenKind::Stop => true,
        TokenKind::Comma => !sentence,
        _ => false,
    };
    let from = tokens[..start]
        .iter()
        .rposition(bounds)
        .map_or(0, |p| p + 1);
    let to = tokens[end.min(tokens.len())..]
        .iter()
        .position(bounds)
        .map_or(tokens.len(), |p| p + end);
    let clause = tokens.get(from..to).unwrap_or_default();
    let words: Vec<&str> = clause.iter().filter_map(Token::word).collect();
    let has_words = context.needs_words.iter().any(|phrase| {
        let parts: Vec<&str> = phrase.split(' ').collect();
        words
            .windows(parts.len())
            .any(|window| window == parts.as_slice())
    });
    let outside = |k: usize| k < start || k >= end;
    let has_need = context.needs.iter().any(|need| {
        clause.iter().enumerate().any(|(k, token)| {
            if !outside(from + k) {
                return false;
            }
            match (need, &token.kind) {
                (Need::Number, TokenKind::Number(_) | TokenKind::Quantity { .. })
                | (Need::Number, TokenKind::Ratio(..))
                | (Need::Time, TokenKind::Clock(_)) => true,
                (_, TokenKind::Word(_)) => {
                    let word = [token.word()];
                    let concept = lexicon.longest_match(&word).map(|m| m.concept);
                    matches!(
                        (need, concept),
                        (Need::Part, Some(Concept::Part(_)))
                            | (Need::Route, Some(Concept::Route(_)))
                            | (Need::Drug, Some(Concept::Medication(_)))
                    )
                }
                _ => false,
            }
        })
    });
    // Said alone, as a terse report does ("Pt one. Fall. Head lac."), the row is the
    // whole clause and means what it says.
    let alone = from == start && to == end;
    has_words || has_need || alone
}

/// Words the lexicon did not know that sound like a key term, confirmed by context: "turn
/// a kit left leg" is a tourniquet, "key to mean 50 milligrams" is ketamine, "casual tee
/// two" is casualty two. Without the context they stay unknown words.
fn sound_alikes(mut items: Vec<Item>, lexicon: &Lexicon) -> Vec<Item> {
    let mut i = 0;
    while i < items.len() {
        for width in (1..=3).rev() {
            let Some(run) = items.get(i..i + width) else {
                continue;
            };
            let words: Option<Vec<&str>> = run
                .iter()
                .map(|item| match &item.kind {
                    ItemKind::Word(w) if w.chars().all(|c| c.is_ascii_alphabetic()) => {
                        Some(w.as_str())
                    }
                    _ => None,
                })
                .collect();
            let Some(words) = words else {
                continue;
            };
            let key = sound_key(&words.concat());
            if key.len() < 4 {
                continue;
            }
            let Some(concept) = lexicon.sounds_like(&key) else {
                continue;
            };
            if !context_confirms(&items, i, i + width, &concept) {
                continue;
            }
            let start = items[i].start;
            let end = items[i + width - 1].end;
            items.splice(
                i..i + width,
                [Item {
                    kind: ItemKind::Concept(concept),
                    start,
                    end,
                    confidence: SOUNDS_LIKE,
                }],
            );
            break;
        }
        i += 1;
    }
    items
}

/// The clause around `start..end` holds what the concept needs to be believed.
fn context_confirms(items: &[Item], start: usize, end: usize, concept: &Concept) -> bool {
    let clause_start = items[..start]
        .iter()
        .rposition(|item| matches!(item.kind, ItemKind::Comma | ItemKind::Stop))
        .map_or(0, |p| p + 1);
    let clause_end = items[end..]
        .iter()
        .position(|item| matches!(item.kind, ItemKind::Comma | ItemKind::Stop))
        .map_or(items.len(), |p| p + end);
    let clause = items.get(clause_start..clause_end).unwrap_or_default();
    match concept {
        Concept::Medication(_) => clause.iter().any(|item| {
            matches!(
                item.kind,
                ItemKind::Quantity { .. } | ItemKind::Concept(Concept::Route(_))
            )
        }),
        Concept::Tourniquet(_) => clause.iter().any(|item| match &item.kind {
            ItemKind::Place(place) => place.is_lateral() && place.side.is_some(),
            ItemKind::Clock(_) => true,
            _ => false,
        }),
        Concept::Casualty => matches!(
            items.get(end).map(|item| &item.kind),
            Some(ItemKind::Number(_))
        ),
        _ => false,
    }
}

fn side_of(item: &Item) -> Option<Side> {
    match item.kind {
        ItemKind::Concept(Concept::Side(side)) => Some(side),
        _ => None,
    }
}

fn part_of(item: &Item) -> Option<Part> {
    match item.kind {
        ItemKind::Concept(Concept::Part(part)) => Some(part),
        _ => None,
    }
}

/// Words a clause of only a side may hold beside it: "left lower", "the right", "right
/// side".
const SIDE_CLAUSE_WORDS: &[&str] = &[
    "the", "on", "his", "her", "upper", "lower", "mid", "middle", "side",
];

/// ext10: "X on the leg, left lower, frag", "chest, right side, GSW": a side said as a clause
/// of its own (`items[i]` the side, with only `SIDE_CLAUSE_WORDS` beside it) is the side of
/// the one place of the clause before, when that place is a limb (not with "side": "the arm,
/// left side" stays unsided, tests/extraction_discourse.rs) or a sided torso region said
/// without a side. The index of that place in `out`; none when its clause named another
/// place or a side ("left leg, right lower": two places, no guess), or when the side's clause
/// says anything else ("the arm, left side's fine").
fn place_of_side_clause(out: &[Item], items: &[Item], i: usize) -> Option<usize> {
    let plain = |item: &Item| matches!(&item.kind, ItemKind::Word(w) if SIDE_CLAUSE_WORDS.contains(&w.as_str()));
    let rest_plain = items[i + 1..]
        .iter()
        .take_while(|item| !matches!(item.kind, ItemKind::Comma | ItemKind::Stop))
        .all(plain);
    // Before the side in its clause: only plain words, after a comma.
    let mut k = out.len();
    while k > 0 && plain(&out[k - 1]) {
        k -= 1;
    }
    if !rest_plain || k == 0 || out[k - 1].kind != ItemKind::Comma {
        return None;
    }
    let clause_start = out[..k - 1]
        .iter()
        .rposition(|item| matches!(item.kind, ItemKind::Comma | ItemKind::Stop))
        .map_or(0, |p| p + 1);
    let mut places = (clause_start..k - 1).filter(|&p| {
        matches!(
            out[p].kind,
            ItemKind::Place(_) | ItemKind::Concept(Concept::Side(_))
        )
    });
    // "Chest, right side" names the side of the torso; a limb's "side" ("the arm, left
    // side") may be the side of the limb, so a limb takes only "left lower", "right upper".
    let says_side = items[i + 1..]
        .iter()
        .take_while(|item| !matches!(item.kind, ItemKind::Comma | ItemKind::Stop))
        .any(|item| matches!(&item.kind, ItemKind::Word(w) if w == "side"));
    match (places.next(), places.next()) {
        (Some(p), None) => match &out[p].kind {
            ItemKind::Place(place)
                if place.side.is_none()
                    && place.is_lateral()
                    && !(says_side && matches!(place.part, Part::Arm | Part::Leg)) =>
            {
                Some(p)
            }
            _ => None,
        },
        _ => None,
    }
}

fn is_filler(item: &Item) -> bool {
    matches!(&item.kind, ItemKind::Word(w) if SIDE_TO_PART_FILLERS.contains(&w.as_str()))
}

/// Joins a side with the body part it names: "left (upper) leg", "right side of the chest",
/// or the terse "leg left"; "right and left legs" gives both. A side with no part nearby is
/// dropped; a part with no side stays a place without a side.
fn join_places(items: Vec<Item>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::with_capacity(items.len());
    let mut i = 0;
    while i < items.len() {
        let item = &items[i];
        // "Both priority": "both" before a category means both casualties.
        if side_of(item) == Some(Side::Both)
            && matches!(
                items.get(i + 1).map(|x| &x.kind),
                Some(ItemKind::Concept(Concept::Evac(_)))
            )
        {
            out.push(Item {
                kind: ItemKind::Concept(Concept::AllCasualties),
                ..item.clone()
            });
            i += 1;
            continue;
        }
        if let Some(mut side) = side_of(item) {
            // "right and left legs", "left and right chest": both sides.
            let mut j = i + 1;
            if matches!(&items.get(j).map(|x| &x.kind), Some(ItemKind::Word(w)) if w == "and")
                && items
                    .get(j + 1)
                    .and_then(side_of)
                    .is_some_and(|other| other != side)
            {
                side = Side::Both;
                j += 2;
            }
            let mut skipped = 0;
            while skipped < 4 && items.get(j).is_some_and(is_filler) {
                j += 1;
                skipped += 1;
            }
            if let Some(part) = items.get(j).and_then(part_of) {
                out.push(Item {
                    kind: ItemKind::Place(Place {
                        part,
                        side: Some(side),
                    }),
                    start: item.start,
                    end: items[j].end,
                    confidence: item.confidence.min(items[j].confidence),
                });
                i = j + 1;
                continue;
            }
            // Side after its part: "leg left" (terse radio), "rib fractures on the left",
            // "chest, right side". The part was already pushed without a side; look back a
            // few items within the clause.
            let back = out
                .iter()
                .rev()
                .take(4)
                .take_while(|earlier| !matches!(earlier.kind, ItemKind::Comma | ItemKind::Stop))
                .position(|earlier| {
                    matches!(earlier.kind, ItemKind::Place(place) if place.side.is_none() && place.is_lateral())
                });
            let index = back
                .map(|back| out.len() - 1 - back)
                .or_else(|| place_of_side_clause(&out, &items, i));
            if let Some(index) = index {
                if let ItemKind::Place(place) = &mut out[index].kind {
                    place.side = Some(side);
                }
            }
            i += 1;
            continue;
        }
        // extract3: "the back of his scalp", "back of the left thigh": the part named after
        // "back of" is the place; "back" only says where on it.
        let back_of = part_of(item) == Some(Part::Back)
            && matches!(&items.get(i + 1).map(|x| &x.kind), Some(ItemKind::Word(w)) if w == "of")
            && {
                let mut k = i + 2;
                while matches!(&items.get(k).map(|x| &x.kind), Some(ItemKind::Word(w)) if matches!(w.as_str(), "the" | "his" | "her"))
                {
                    k += 1;
                }
                items
                    .get(k)
                    .is_some_and(|x| part_of(x).is_some() || side_of(x).is_some())
            };
        if back_of {
            out.push(Item {
                kind: ItemKind::Word("back".to_owned()),
                ..item.clone()
            });
            i += 1;
            continue;
        }
        if let Some(part) = part_of(item) {
            out.push(Item {
                kind: ItemKind::Place(Place { part, side: None }),
                ..item.clone()
            });
            i += 1;
            continue;
        }
        out.push(item.clone());
        i += 1;
    }
    out
}
