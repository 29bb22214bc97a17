//! Scope by clause: before the rules read an utterance's items, the cues of
//! `scope_cues.toml` decide which items are no report of care done or found: stories about
//! other people (the sentence, or the rest of the utterance when the story opens as a
//! question: "you remember that kid…?"), plans and orders to others (the rest of their clause),
//! questions (their clause, or the sentence when it opens as a question), fact words used
//! as the names of things ("the burn kit", "chest seals in the truck"). Those items become
//! plain words, so the rules never open a frame on them; a hedge ("about", "I think")
//! lowers the confidence of its clause's items to `HEDGED`, so their facts are filed
//! unconfirmed (a hedged clause of bare values, "maybe one twenty five", is dropped). Everything else passes untouched, so one utterance can hold a plan and a
//! completed act.

use super::items::{Item, ItemKind};
use super::lexicon::Concept;
use crate::limits::{
    SCOPE_CUE_PHRASES_MAX, SCOPE_CUE_PHRASE_WORDS_MAX, SCOPE_RULES_MAX, SCOPE_SETTING_CUES_MIN,
};
use crate::record::TreatmentKind;
use serde::Deserialize;
use thiserror::Error;

/// The cue data, embedded at build time.
pub const SCOPE_CUES_TOML: &str = include_str!("scope_cues.toml");

/// The version the data must declare.
pub const SCOPE_CUES_VERSION: &str = "scope-cues/13";

/// Confidence of an item said in a hedged clause ("about one twenty"): below a clear word,
/// above a misheard row, so a fact read there is filed unconfirmed as ambiguous.
pub const HEDGED: f32 = 0.85;

/// What can be wrong with the cue data.
#[derive(Debug, Error, PartialEq)]
pub enum ScopeError {
    #[error("scope cues are not valid TOML: {0}")]
    Syntax(String),
    #[error("scope cues declare version {found:?}, this build reads {SCOPE_CUES_VERSION:?}")]
    Version { found: String },
    #[error("scope rule {rule:?}: {problem}")]
    Rule { rule: String, problem: String },
    #[error("scope cues hold {0} rules, more than SCOPE_RULES_MAX")]
    TooManyRules(usize),
}

/// How far a cue reaches.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    Sentence,
    /// The cue's sentence and every later sentence of the utterance ("you remember that
    /// kid at Bagram? we gave him ketamine…": the story goes on after the question).
    Rest,
    After,
    Question,
    Object,
    Doubt,
    Needs,
    /// extract3: an everyday setting (the motor pool, the range, the kitchen, a card game, a
    /// call home): a sentence holding `SCOPE_SETTING_CUES_MIN` distinct phrases of the
    /// setting, no casualty named and none of `unless` ("medic up"), is talk about that
    /// setting.
    Setting,
    /// study15: a phrase that is no cue: its words are read over by every other rule
    /// ("like they taught us" says how a thing was done, it is no lesson).
    Neutral,
    /// gaps10: a sentence of `phrases` ("good, he took it", "he swallowed it") confirms the
    /// act ordered in the sentence before it in the utterance: the treatment or drug word
    /// right after one of `follows` there ("hand him the pill pack, Brooks") is a report
    /// after all, whatever silenced it. A confirming sentence that names care of its own
    /// confirms nothing before it.
    Confirms,
    /// study22: an order to someone else ("Jones, get a tourniquet on his left leg") that
    /// the next utterance confirms done in one of `phrases`, said alone with only the
    /// fillers of `unless` around it ("Tourniquet's on.", "Okay, it's on."): the care word
    /// right after one of `follows` in the order's last sentence is filed then, read with
    /// the rules named in `lifts` left out (`confirmed_next`). Without the confirmation
    /// nothing is filed.
    #[serde(rename = "confirms_next")]
    ConfirmsNext,
    /// study21: a drug named as the subject of a past reaction or as ruled out: a drug word
    /// right after one of `phrases` ("can't have morphine", "hold the TXA"; an article or
    /// "his" may come between) or right before one of `follows` ("morphine made him throw
    /// up", "ertapenem's out", the drug's own "'s" read as "is") is no drug given. The drug
    /// and the values said right after it (dose, route, time) are silenced; the rest of the
    /// clause stands, so a drug given instead in the same sentence is still filed.
    Withheld,
}

/// One rule of the data file.
#[derive(Clone, Debug, Deserialize)]
pub struct ScopeRule {
    pub name: String,
    pub reach: Reach,
    pub phrases: Vec<String>,
    #[serde(default)]
    pub follows: Vec<String>,
    #[serde(default)]
    pub unless: Vec<String>,
    /// Example sentences that must yield no fact.
    #[serde(default)]
    pub blocked: Vec<String>,
    /// Example sentences that must still yield a fact.
    #[serde(default)]
    pub kept: Vec<String>,
    /// advisor4 (`reach = "sentence"` only): someone else's report of when the casualty
    /// was injured ("his buddy says he got hit at 0515") is still the injury time: the
    /// injury-time cue and the time after it in its clause are not silenced by this rule.
    #[serde(default)]
    pub keeps_injury_time: bool,
    /// gaps10 (`reach = "sentence"` only): the report ends at a colon said after its own
    /// words ("his buddy says he got hit by a ricochet: gunshot through the right thigh"):
    /// what follows the colon is the narrator's own finding, unless it names care (a
    /// treatment, tourniquet, drug or fluid: "CLS says he gave him two things: …" lists what
    /// the other person did), and unless the cue opens the colon ("buddy says: …").
    #[serde(default)]
    pub ends_at_colon: bool,
    /// study22 (`reach = "confirms_next"` only): the rules (by name) whose silence a
    /// confirmation lifts from the order it confirms.
    #[serde(default)]
    pub lifts: Vec<String>,
    /// ext14 (`reach = "withheld"` only): the rule holds back blood products and fluids as
    /// well as drugs ("we've got two units of plasma in the cooler"). Off, a fluid ruled
    /// out stays a negation that corrects an earlier one ("no, we are not giving Hextend").
    #[serde(default)]
    pub fluids: bool,
}

#[derive(Debug, Deserialize)]
struct ScopeFile {
    version: String,
    rule: Vec<ScopeRule>,
}

/// The validated cue data.
#[derive(Clone, Debug, Default)]
pub struct ScopeCues {
    pub version: String,
    pub rules: Vec<ScopeRule>,
}

impl ScopeCues {
    /// Parses and validates cue data.
    pub fn parse(text: &str) -> Result<ScopeCues, ScopeError> {
        let file: ScopeFile =
            toml::from_str(text).map_err(|e| ScopeError::Syntax(e.to_string()))?;
        if file.version != SCOPE_CUES_VERSION {
            return Err(ScopeError::Version {
                found: file.version,
            });
        }
        if file.rule.len() > SCOPE_RULES_MAX {
            return Err(ScopeError::TooManyRules(file.rule.len()));
        }
        for rule in &file.rule {
            let problem = |problem: &str| ScopeError::Rule {
                rule: rule.name.clone(),
                problem: problem.to_owned(),
            };
            let lists = [&rule.phrases, &rule.follows, &rule.unless];
            if rule.phrases.is_empty() {
                return Err(problem("no phrases"));
            }
            for list in lists {
                if list.len() > SCOPE_CUE_PHRASES_MAX {
                    return Err(problem("more phrases than SCOPE_CUE_PHRASES_MAX"));
                }
                for phrase in list {
                    let words: Vec<&str> = phrase.split(' ').collect();
                    let clean = words.iter().all(|w| {
                        !w.is_empty()
                            && w.chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '\'')
                    });
                    if !clean || words.len() > SCOPE_CUE_PHRASE_WORDS_MAX {
                        return Err(problem(&format!(
                            "phrase {phrase:?} is not lower-case words separated by single spaces"
                        )));
                    }
                }
            }
            let takes_follows = matches!(
                rule.reach,
                Reach::Object | Reach::Confirms | Reach::ConfirmsNext | Reach::Withheld
            );
            if takes_follows == rule.follows.is_empty() {
                return Err(problem(
                    "follows belongs to (and is required by) reach = \"object\", \"confirms\" or \"withheld\"",
                ));
            }
            let takes_unless = matches!(
                rule.reach,
                Reach::Object | Reach::Needs | Reach::ConfirmsNext
            );
            // A setting may list words that make its sentence a report after all ("medic
            // up"), a withheld rule words after the item that make it care given ("has
            // whole blood running"), a question words that make it a pointing ("see the
            // burns?"); they need none.
            if !matches!(
                rule.reach,
                Reach::Setting | Reach::Withheld | Reach::Question
            ) && takes_unless == rule.unless.is_empty()
            {
                return Err(problem(
                    "unless belongs to (and is required by) reach = \"object\" or \"needs\"",
                ));
            }
            if rule.blocked.is_empty() && rule.kept.is_empty() {
                return Err(problem("no example sentences"));
            }
            if rule.keeps_injury_time && rule.reach != Reach::Sentence {
                return Err(problem("keeps_injury_time belongs to reach = \"sentence\""));
            }
            if rule.ends_at_colon && rule.reach != Reach::Sentence {
                return Err(problem("ends_at_colon belongs to reach = \"sentence\""));
            }
            if rule.fluids && rule.reach != Reach::Withheld {
                return Err(problem("fluids belongs to reach = \"withheld\""));
            }
            if (rule.reach == Reach::ConfirmsNext) == rule.lifts.is_empty() {
                return Err(problem(
                    "lifts belongs to (and is required by) reach = \"confirms_next\"",
                ));
            }
            if let Some(name) = rule
                .lifts
                .iter()
                .find(|name| !file.rule.iter().any(|r| &r.name == *name))
            {
                return Err(problem(&format!("lifts {name:?}, which is no rule")));
            }
        }
        Ok(ScopeCues {
            version: file.version,
            rules: file.rule,
        })
    }

    /// The embedded cue data, parsed anew.
    pub fn embedded() -> Result<ScopeCues, ScopeError> {
        ScopeCues::parse(SCOPE_CUES_TOML)
    }

    /// The embedded cue data, parsed and validated once per process.
    pub fn shared() -> Result<&'static ScopeCues, &'static ScopeError> {
        static SHARED: std::sync::OnceLock<Result<ScopeCues, ScopeError>> =
            std::sync::OnceLock::new();
        SHARED.get_or_init(ScopeCues::embedded).as_ref()
    }
}

/// No cues: what the extractor uses if the embedded data failed validation.
pub static NO_CUES: ScopeCues = ScopeCues {
    version: String::new(),
    rules: Vec::new(),
};

/// A word of the text: lower-case, with its character span.
struct Word {
    text: String,
    start: u32,
    end: u32,
}

fn words_of(text: &[char], start: u32, end: u32) -> Vec<Word> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut word_start = start;
    let end = end.min(text.len() as u32);
    for i in start..end {
        let c = text[i as usize];
        // Typographic apostrophes count as apostrophes ("we’ll").
        let c = if c == '\u{2019}' { '\'' } else { c };
        if c.is_alphanumeric() || c == '\'' {
            if current.is_empty() {
                word_start = i;
            }
            current.extend(c.to_lowercase());
        } else if !current.is_empty() {
            out.push(Word {
                text: std::mem::take(&mut current),
                start: word_start,
                end: i,
            });
        }
    }
    if !current.is_empty() {
        out.push(Word {
            text: current,
            start: word_start,
            end,
        });
    }
    out
}

/// study15: the words without those of the neutral phrases (`reach = "neutral"`).
fn read_over(mut words: Vec<Word>, cues: &ScopeCues) -> Vec<Word> {
    for rule in cues.rules.iter().filter(|r| r.reach == Reach::Neutral) {
        for phrase in &rule.phrases {
            let parts: Vec<&str> = phrase.split(' ').collect();
            let mut at = 0;
            while at + parts.len() <= words.len() {
                if parts.iter().zip(&words[at..]).all(|(p, w)| w.text == *p) {
                    words.drain(at..at + parts.len());
                } else {
                    at += 1;
                }
            }
        }
    }
    words
}

/// Start characters of each match of any phrase in `words`.
fn matches(words: &[Word], phrases: &[String]) -> Vec<u32> {
    match_spans(words, phrases)
        .into_iter()
        .map(|(start, _)| start)
        .collect()
}

/// Does the item carry (part of) a fact? Casualty numbers, corrections and punctuation are
/// never silenced: they steer the record, they do not fill it.
fn silenceable(item: &Item) -> bool {
    match &item.kind {
        // ext10: "not" only ever takes a fact away; kept where an order cue covers it ("so
        // morphine I do not give": "do not" is the order cue, the "not" still denies the
        // drug said before it).
        ItemKind::Concept(concept) => !matches!(
            concept,
            Concept::Not
                | Concept::Casualty
                | Concept::Correction
                | Concept::Retraction
                | Concept::But
                | Concept::AllCasualties
                | Concept::SwitchCue
        ),
        ItemKind::Word(_) | ItemKind::Comma | ItemKind::Stop => false,
        _ => true,
    }
}

/// A word that names a thing done (a treatment, a tourniquet): after "the", "my", "those"
/// it may name the kit instead.
fn names_an_act(item: &Item) -> bool {
    matches!(
        item.kind,
        ItemKind::Concept(Concept::Tourniquet(_) | Concept::Treatment(_))
    )
}

/// A word that names what happened to the casualty ("burn", "IED"): before "kit" it names
/// a thing.
fn names_a_wound(item: &Item) -> bool {
    matches!(
        item.kind,
        ItemKind::Concept(Concept::Mechanism(_) | Concept::Injury(..) | Concept::OpenFracture)
    )
}

/// The item's words as said, in lower case.
fn spelling(item: &Item, text: &[char]) -> String {
    text.get(item.start as usize..(item.end as usize).min(text.len()))
        .unwrap_or_default()
        .iter()
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// The item as a plain word: the rules read it as filler.
fn silence(item: &mut Item, text: &[char]) {
    item.kind = ItemKind::Word(spelling(item, text));
}

/// Applies the cues to one utterance's items (`text` is its characters).
pub fn gate(items: &mut [Item], text: &[char], cues: &ScopeCues) {
    let mut silenced = vec![false; items.len()];
    // advisor4: silenced by a report that keeps the injury time (and by nothing else).
    let mut reported = vec![false; items.len()];
    let mut hedged = vec![false; items.len()];
    // A list read off a card or a shelf ("splints, three; eye shields, one") is split into
    // sentences at its semicolons; a setting is judged on the whole list.
    let mut lists: Vec<std::ops::Range<usize>> = Vec::new();
    let mut list_start = 0;
    for i in 0..=items.len() {
        let semicolon = items.get(i).is_some_and(|item| {
            item.kind == ItemKind::Stop && text.get(item.start as usize) == Some(&';')
        });
        if i == items.len() || (items[i].kind == ItemKind::Stop && !semicolon) {
            lists.push(list_start..i);
            list_start = i + 1;
        }
    }
    // Sentences: runs of items up to a Stop; clauses: runs up to a Comma or "but".
    let mut sentence_start = 0;
    let mut sentences: Vec<std::ops::Range<usize>> = Vec::new();
    for i in 0..=items.len() {
        let ends_sentence = i == items.len() || items[i].kind == ItemKind::Stop;
        if !ends_sentence {
            continue;
        }
        let sentence = sentence_start..i;
        sentence_start = i + 1;
        if sentence.is_empty() {
            continue;
        }
        sentences.push(sentence.clone());
        let question = items
            .get(i)
            .and_then(|stop| text.get(stop.start as usize))
            .is_some_and(|c| *c == '?');
        let mut clauses: Vec<std::ops::Range<usize>> = Vec::new();
        let mut clause_start = sentence.start;
        for j in sentence.clone() {
            let splits = matches!(
                items[j].kind,
                ItemKind::Comma | ItemKind::Concept(Concept::But)
            );
            if splits {
                clauses.push(clause_start..j);
                clause_start = j + 1;
            }
        }
        clauses.push(clause_start..sentence.end);
        let span = |r: &std::ops::Range<usize>| -> Option<(u32, u32)> {
            let first = items.get(r.start)?;
            let last = items.get(r.end.checked_sub(1)?)?;
            Some((first.start, last.end))
        };
        let Some((s_start, s_end)) = span(&sentence) else {
            continue;
        };
        let sentence_words = read_over(words_of(text, s_start, s_end), cues);
        for rule in &cues.rules {
            match rule.reach {
                Reach::Sentence => {
                    if !matches(&sentence_words, &rule.phrases).is_empty() {
                        let report = if rule.ends_at_colon {
                            report_before_colon(
                                items,
                                text,
                                sentence.clone(),
                                &sentence_words,
                                rule,
                            )
                        } else {
                            sentence.clone()
                        };
                        let clauses: Vec<std::ops::Range<usize>> = clauses
                            .iter()
                            .filter(|c| c.start < report.end)
                            .cloned()
                            .collect();
                        if rule.keeps_injury_time {
                            silence_but_evacuation(items, report, &mut reported);
                            keep_injury_time(items, &clauses, &mut reported);
                        } else {
                            silence_but_evacuation(items, report, &mut silenced);
                        }
                    }
                }
                Reach::Setting => {
                    let list = lists
                        .iter()
                        .find(|l| l.contains(&sentence.start))
                        .cloned()
                        .unwrap_or(sentence.clone());
                    let names_casualty = items[list.clone()]
                        .iter()
                        .any(|item| matches!(item.kind, ItemKind::Concept(Concept::Casualty)));
                    let list_words_owned = match span(&list) {
                        Some((l_start, l_end)) if list != sentence => {
                            Some(read_over(words_of(text, l_start, l_end), cues))
                        }
                        _ => None,
                    };
                    let list_words = list_words_owned.as_ref().unwrap_or(&sentence_words);
                    let distinct = rule
                        .phrases
                        .iter()
                        .filter(|p| !matches(list_words, std::slice::from_ref(*p)).is_empty())
                        .count();
                    let reported = !matches(list_words, &rule.unless).is_empty();
                    if !names_casualty && !reported && distinct >= SCOPE_SETTING_CUES_MIN {
                        silence_but_evacuation(items, sentence.clone(), &mut silenced);
                    }
                }
                Reach::Rest => {
                    if !matches(&sentence_words, &rule.phrases).is_empty() {
                        silenced[sentence.start..].fill(true);
                    }
                }
                Reach::Question => {
                    if !question {
                        continue;
                    }
                    // ext17: "See the burns?", "Feel that?": a question that points at
                    // what is there (one of `unless`, said first) asks nothing of it.
                    let pointing = sentence_words.first().is_some_and(|first| {
                        matches(&sentence_words, &rule.unless).contains(&first.start)
                    });
                    if pointing {
                        continue;
                    }
                    let opens = sentence_words
                        .first()
                        .is_some_and(|w| rule.phrases.contains(&w.text));
                    if opens {
                        silenced[sentence.clone()].fill(true);
                    } else if let Some(last) = clauses.last() {
                        silenced[last.clone()].fill(true);
                    }
                }
                Reach::Neutral | Reach::Confirms | Reach::ConfirmsNext => {}
                Reach::Withheld => withhold(items, text, sentence.clone(), rule, &mut silenced),
                Reach::After | Reach::Doubt | Reach::Object | Reach::Needs => {
                    for clause in &clauses {
                        let Some((c_start, c_end)) = span(clause) else {
                            continue;
                        };
                        let words = read_over(words_of(text, c_start, c_end), cues);
                        match rule.reach {
                            Reach::After => {
                                if let Some(cue) = matches(&words, &rule.phrases).into_iter().min()
                                {
                                    for j in clause.clone() {
                                        let evac = matches!(
                                            items[j].kind,
                                            ItemKind::Concept(Concept::Evac(_) | Concept::EvacCue)
                                        );
                                        if items[j].start >= cue && !evac {
                                            silenced[j] = true;
                                        }
                                    }
                                }
                            }
                            Reach::Doubt => {
                                let cues = matches(&words, &rule.phrases);
                                // study19: an evacuation category said after a hedge
                                // ("priority, maybe routine later") is no decision made.
                                if let Some(&cue) = cues.iter().min() {
                                    for j in clause.clone() {
                                        let evac = matches!(
                                            items[j].kind,
                                            ItemKind::Concept(Concept::Evac(_))
                                        );
                                        if evac && items[j].start >= cue {
                                            silenced[j] = true;
                                        }
                                    }
                                }
                                if !cues.is_empty() {
                                    // A hedged clause with values but no anchor ("pulse 120,
                                    // maybe 125") is a second guess at a value said before:
                                    // its values are dropped, not attached elsewhere.
                                    let anchored = items[clause.clone()]
                                        .iter()
                                        .any(|item| matches!(item.kind, ItemKind::Concept(_)));
                                    if anchored || completes_bare_sign(items, &clauses, clause) {
                                        hedged[clause.clone()].fill(true);
                                    } else {
                                        silenced[clause.clone()].fill(true);
                                    }
                                }
                            }
                            Reach::Needs => {
                                if !matches(&words, &rule.unless).is_empty() {
                                    continue;
                                }
                                for j in clause.clone() {
                                    let spelt = spelling(&items[j], text);
                                    if matches!(items[j].kind, ItemKind::Concept(_))
                                        && rule.phrases.contains(&spelt)
                                    {
                                        silenced[j] = true;
                                    }
                                }
                            }
                            _ => {
                                let acted = !matches(&words, &rule.unless).is_empty();
                                for j in clause.clone() {
                                    let (act, wound) =
                                        (names_an_act(&items[j]), names_a_wound(&items[j]));
                                    if !act && !wound {
                                        continue;
                                    }
                                    let before =
                                        words.iter().rev().find(|w| w.end <= items[j].start);
                                    let after = words.iter().find(|w| w.start >= items[j].end);
                                    let named_after =
                                        after.is_some_and(|w| rule.follows.contains(&w.text));
                                    let determined =
                                        before.is_some_and(|w| rule.phrases.contains(&w.text));
                                    // extract3: "he's in the blizzard bag", "driver's in the
                                    // Ready-Heat blanket": a casualty inside a wrap is its
                                    // use, not kit in storage.
                                    let inside_wrap = matches!(
                                        items[j].kind,
                                        ItemKind::Concept(Concept::Treatment(
                                            TreatmentKind::HypothermiaPrevention
                                        ))
                                    ) && {
                                        let mut earlier =
                                            words.iter().rev().filter(|w| w.end <= items[j].start);
                                        let (article, preposition) =
                                            (earlier.next(), earlier.next());
                                        article.is_some_and(|w| {
                                            matches!(w.text.as_str(), "the" | "a" | "his" | "her")
                                        }) && preposition.is_some_and(|w| {
                                            matches!(w.text.as_str(), "in" | "into")
                                        })
                                    };
                                    let determined = determined && !inside_wrap;
                                    if (wound && named_after)
                                        || (act && (named_after || determined) && !acted)
                                    {
                                        silenced[j] = true;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    for rule in cues.rules.iter().filter(|r| r.reach == Reach::Confirms) {
        for pair in sentences.windows(2) {
            for j in confirmed_order(items, text, &pair[0], &pair[1], rule, cues) {
                silenced[j] = false;
                reported[j] = false;
            }
        }
    }
    for j in 0..items.len() {
        // The number of "casualty two" (or of "going to two") steers the record even
        // inside a story or a plan.
        let names_casualty = j > 0
            && (matches!(items[j - 1].kind, ItemKind::Concept(Concept::Casualty))
                || matches!(
                    (&items[j - 1].kind, &items[j].kind),
                    (ItemKind::Concept(Concept::SwitchCue), ItemKind::Number(_))
                ));
        let item = &mut items[j];
        if (silenced[j] || reported[j]) && silenceable(item) && !names_casualty {
            silence(item, text);
        } else if hedged[j] {
            item.confidence = item.confidence.min(HEDGED);
        }
    }
}

/// advisor4: un-marks, in each clause, an injury-time cue ("got hit", "injured") and the
/// "at" and clock time or number said after it, so that a report keeps the injury time.
/// ext10: "breathing fast, about thirty six a minute", "pulse weak, maybe one forty": a
/// hedged clause that is one value, right after a clause of its sentence that names a vital
/// sign with no value, is that sign's approximate value (filed unconfirmed, as "breathing
/// about twenty four a minute" is), not a second guess. "Pulse one twenty, maybe one twenty
/// five" said its value before the hedge: the guess is still dropped.
fn completes_bare_sign(
    items: &[Item],
    clauses: &[std::ops::Range<usize>],
    clause: &std::ops::Range<usize>,
) -> bool {
    let is_value = |item: &Item| {
        matches!(
            item.kind,
            ItemKind::Number(_) | ItemKind::Ratio(..) | ItemKind::Quantity { .. }
        )
    };
    let Some(before) = clauses.iter().rev().find(|c| c.end <= clause.start) else {
        return false;
    };
    let names_sign = items[before.clone()]
        .iter()
        .any(|item| matches!(item.kind, ItemKind::Concept(Concept::Vital(_))));
    let valued = items[before.clone()].iter().any(is_value);
    let values = items[clause.clone()].iter().filter(|i| is_value(i)).count();
    names_sign && !valued && values == 1
}

fn keep_injury_time(items: &[Item], clauses: &[std::ops::Range<usize>], marked: &mut [bool]) {
    for clause in clauses {
        let Some(cue) = clause
            .clone()
            .find(|&j| items[j].kind == ItemKind::Concept(Concept::Injured))
        else {
            continue;
        };
        marked[cue] = false;
        for j in cue + 1..clause.end {
            match items[j].kind {
                ItemKind::Concept(Concept::At) | ItemKind::Word(_) => {}
                ItemKind::Clock(_) | ItemKind::Number(_) => {
                    marked[j] = false;
                    break;
                }
                _ => break,
            }
        }
    }
}

/// study22: is `item` care a bystander can be told to give (a tourniquet, a treatment, a
/// drug or a fluid)?
fn is_care(item: &Item) -> bool {
    matches!(
        item.kind,
        ItemKind::Concept(
            Concept::Tourniquet(_)
                | Concept::Treatment(_)
                | Concept::Medication(_)
                | Concept::Fluid(_)
        )
    )
}

/// study22 (`reach = "confirms_next"`): an order to someone else said as the last sentence
/// of an utterance ("Jones, get a tourniquet on his left leg."): the character spans of
/// the care words said right after one of a rule's `follows` (articles and "his"/"her"
/// between) that the gate silenced (`ungated` and `gated` are the utterance's items before
/// and after `gate`), and the index in `ungated` where that sentence starts. None when the
/// last sentence orders no care, is a question, or its care was filed anyway.
pub fn pending_order(
    ungated: &[Item],
    gated: &[Item],
    text: &[char],
    cues: &ScopeCues,
) -> Option<(usize, Vec<(u32, u32)>)> {
    let mut end = ungated.len();
    while end > 0 && ungated[end - 1].kind == ItemKind::Stop {
        if text.get(ungated[end - 1].start as usize) == Some(&'?') {
            return None;
        }
        end -= 1;
    }
    let start = ungated[..end]
        .iter()
        .rposition(|item| item.kind == ItemKind::Stop)
        .map_or(0, |p| p + 1);
    let (first, last) = (ungated.get(start)?, ungated.get(end.checked_sub(1)?)?);
    let words = read_over(words_of(text, first.start, last.end), cues);
    let mut ordered = Vec::new();
    for rule in cues.rules.iter().filter(|r| r.reach == Reach::ConfirmsNext) {
        for (_, order_end) in match_spans(&words, &rule.follows) {
            let next = (start..end).find(|&j| {
                ungated[j].start >= order_end
                    && !matches!(&ungated[j].kind, ItemKind::Word(w) if matches!(w.as_str(), "the" | "a" | "an" | "his" | "her" | "this" | "that" | "one"))
            });
            let silenced = |j: usize| gated.get(j).is_some_and(|g| !is_care(g));
            if let Some(j) = next.filter(|&j| is_care(&ungated[j]) && silenced(j)) {
                ordered.push((ungated[j].start, ungated[j].end));
            }
        }
    }
    (!ordered.is_empty()).then_some((start, ordered))
}

/// study22: does the utterance open with a sentence that only confirms an order done
/// ("Tourniquet's on.", "Okay, it's on.", "Done.")? The sentence's words, less the
/// fillers of a `confirms_next` rule's `unless` at either end, must be one of its
/// `phrases`; a question confirms nothing.
pub fn confirms_done(items: &[Item], text: &[char], cues: &ScopeCues) -> bool {
    let end = items
        .iter()
        .position(|item| item.kind == ItemKind::Stop)
        .unwrap_or(items.len());
    if items
        .get(end)
        .and_then(|stop| text.get(stop.start as usize))
        .is_some_and(|c| *c == '?')
    {
        return false;
    }
    let (Some(first), Some(last)) = (items.first(), end.checked_sub(1).and_then(|e| items.get(e)))
    else {
        return false;
    };
    let words = words_of(text, first.start, last.end);
    cues.rules
        .iter()
        .filter(|r| r.reach == Reach::ConfirmsNext)
        .any(|rule| {
            let filler = |w: &Word| rule.unless.iter().any(|f| f == &w.text);
            let mut said: &[Word] = &words;
            while let Some((head, rest)) = said.split_first() {
                if !filler(head) {
                    break;
                }
                said = rest;
            }
            while let Some((tail, rest)) = said.split_last() {
                if !filler(tail) {
                    break;
                }
                said = rest;
            }
            let said: Vec<&str> = said.iter().map(|w| w.text.as_str()).collect();
            rule.phrases
                .iter()
                .any(|p| p.split(' ').eq(said.iter().copied()))
        })
}

/// study22: the cues without the rules a confirmation lifts (`lifts` of the
/// `confirms_next` rules): how a confirmed order is read.
pub fn lifted(cues: &ScopeCues) -> ScopeCues {
    let lifts: Vec<&String> = cues
        .rules
        .iter()
        .filter(|r| r.reach == Reach::ConfirmsNext)
        .flat_map(|r| &r.lifts)
        .collect();
    ScopeCues {
        version: cues.version.clone(),
        rules: cues
            .rules
            .iter()
            .filter(|r| !lifts.contains(&&r.name))
            .cloned()
            .collect(),
    }
}

/// gaps10 (`reach = "confirms"`): the items of `before` that `after` confirms were done:
/// the treatment or drug word said right after an order of `rule.follows` (articles and
/// "his"/"her" between), when `after` holds a confirming phrase and names no care itself.
fn confirmed_order(
    items: &[Item],
    text: &[char],
    before: &std::ops::Range<usize>,
    after: &std::ops::Range<usize>,
    rule: &ScopeRule,
    cues: &ScopeCues,
) -> Vec<usize> {
    let care = |item: &Item| {
        matches!(
            item.kind,
            ItemKind::Concept(Concept::Treatment(_) | Concept::Medication(_))
        )
    };
    let span = |r: &std::ops::Range<usize>| -> Option<(u32, u32)> {
        Some((
            items.get(r.start)?.start,
            items.get(r.end.checked_sub(1)?)?.end,
        ))
    };
    let (Some((a_start, a_end)), Some((b_start, b_end))) = (span(after), span(before)) else {
        return Vec::new();
    };
    let after_words = read_over(words_of(text, a_start, a_end), cues);
    // The confirming phrase ends its clause: "he took it out of my hand" confirms nothing.
    let ends_clause = |end: u32| {
        after
            .clone()
            .find(|&j| items[j].start >= end)
            .is_none_or(|j| items[j].kind == ItemKind::Comma)
    };
    let confirmed = match_spans(&after_words, &rule.phrases)
        .into_iter()
        .any(|(_, end)| ends_clause(end));
    if !confirmed || items[after.clone()].iter().any(care) {
        return Vec::new();
    }
    let before_words = read_over(words_of(text, b_start, b_end), cues);
    let mut out = Vec::new();
    for (_, order_end) in match_spans(&before_words, &rule.follows) {
        let next = before.clone().find(|&j| {
            items[j].start >= order_end
                && !matches!(&items[j].kind, ItemKind::Word(w) if matches!(w.as_str(), "the" | "a" | "an" | "his" | "her" | "this" | "that"))
        });
        if let Some(j) = next.filter(|&j| care(&items[j])) {
            out.push(j);
        }
    }
    out
}

/// gaps10: the items of a report (`rule.ends_at_colon`): the sentence up to the first colon
/// said after the cue and after words of the report's own ("his buddy says he got hit by a
/// ricochet: gunshot through the right thigh"), or the whole sentence when no such colon
/// ends it, when a cue is said again after the colon, or when what follows the colon names
/// care (that is most likely the list of what the other person did).
fn report_before_colon(
    items: &[Item],
    text: &[char],
    sentence: std::ops::Range<usize>,
    words: &[Word],
    rule: &ScopeRule,
) -> std::ops::Range<usize> {
    let cues = match_spans(words, &rule.phrases);
    let Some(&(cue_start, cue_end)) = cues.iter().min() else {
        return sentence;
    };
    let colon = sentence.clone().find(|&j| {
        let item = &items[j];
        item.kind == ItemKind::Comma
            && item.start >= cue_end
            && text.get(item.start as usize) == Some(&':')
            && words
                .iter()
                .any(|w| w.start >= cue_end && w.end <= item.start)
    });
    let Some(colon) = colon else {
        return sentence;
    };
    let colon_at = items[colon].start;
    let cue_again = cues.iter().any(|&(start, _)| start > colon_at);
    let care_after = items[colon + 1..sentence.end].iter().any(is_care);
    if cue_again || care_after || cue_start >= colon_at {
        return sentence;
    }
    sentence.start..colon
}

/// Start and end characters of each match of any phrase in `words`.
fn match_spans(words: &[Word], phrases: &[String]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for phrase in phrases {
        let parts: Vec<&str> = phrase.split(' ').collect();
        if parts.is_empty() || parts.len() > words.len() {
            continue;
        }
        for at in 0..=words.len() - parts.len() {
            if parts.iter().zip(&words[at..]).all(|(p, w)| w.text == *p) {
                out.push((words[at].start, words[at + parts.len() - 1].end));
            }
        }
    }
    out
}

/// Words read over between a withholding cue and its drug ("hold the TXA", "no more of
/// his morphine", ext14: "the truck has two units of plasma").
const WITHHELD_GLUE: &[&str] = &[
    "the", "a", "any", "his", "her", "their", "more", "some", "one", "two", "three", "four",
    "unit", "units", "bag", "bags", "of",
];

/// study21 (`reach = "withheld"`): silences, in `sentence`, each drug (ext14: and blood
/// product or fluid, where the rule says `fluids`) said right after one of the rule's
/// phrases or right before one of its `follows` (ext14: or after the values said with it),
/// with the values said right after it. Said after a phrase, it stands when one of the
/// rule's `unless` follows it ("has whole blood running": care under way).
fn withhold(
    items: &[Item],
    text: &[char],
    sentence: std::ops::Range<usize>,
    rule: &ScopeRule,
    silenced: &mut [bool],
) {
    let is_drug = |j: usize| match items[j].kind {
        ItemKind::Concept(Concept::Medication(_)) => true,
        ItemKind::Concept(Concept::Fluid(_)) => rule.fluids,
        _ => false,
    };
    for j in sentence.clone().filter(|&j| is_drug(j)) {
        let drug = &items[j];
        // The words before the drug, back to the clause's start, nearest first.
        let clause_start = items[sentence.start..j]
            .iter()
            .rev()
            .find(|item| matches!(item.kind, ItemKind::Comma | ItemKind::Concept(Concept::But)))
            .map_or(items[sentence.start].start, |item| item.end);
        let said: Vec<Word> = words_of(text, clause_start, drug.start)
            .into_iter()
            .rev()
            .collect();
        // Said right before it, or with an article or "his" between ("hold the TXA").
        let glued = said
            .iter()
            .position(|w| !WITHHELD_GLUE.contains(&w.text.as_str()))
            .unwrap_or(said.len());
        let ruled_out_before = [&said[..], &said[glued..]].iter().any(|before| {
            rule.phrases.iter().any(|phrase| {
                let parts: Vec<&str> = phrase.split(' ').rev().collect();
                parts.len() <= before.len()
                    && parts.iter().zip(before.iter()).all(|(p, w)| w.text == *p)
            })
        });
        // The words right after the drug, with no comma or stop between: "morphine made
        // him…", "ketorolac's out" (the drug's own "'s" is "is").
        let sentence_end = items[sentence.end - 1].end;
        let mut after: Vec<String> = Vec::new();
        let mut at = drug.end as usize;
        let apostrophe = |k: usize| text.get(k).is_some_and(|c| matches!(c, '\'' | '\u{2019}'));
        let s_at = |k: usize| text.get(k).is_some_and(|c| matches!(c, 's' | 'S'));
        if at >= 2 && apostrophe(at - 2) && s_at(at - 1) {
            // The lexer took "'s" into the drug's span.
            after.push("is".to_owned());
        } else if apostrophe(at) && s_at(at + 1) {
            after.push("is".to_owned());
            at += 2;
        }
        // The words from `at` up to a comma, stop or other mark.
        let words_from = |at: usize| -> Vec<String> {
            let adjacent = text
                .get(at..(sentence_end as usize).min(text.len()))
                .unwrap_or_default()
                .iter()
                .take_while(|c| {
                    c.is_alphanumeric() || c.is_whitespace() || matches!(c, '\'' | '\u{2019}')
                })
                .count();
            words_of(text, at as u32, (at + adjacent) as u32)
                .into_iter()
                .map(|w| w.text)
                .collect()
        };
        after.extend(words_from(at));
        // Its dose, route and time, said right after it, go with it.
        let values = items[j + 1..sentence.end]
            .iter()
            .take_while(|item| {
                matches!(
                    item.kind,
                    ItemKind::Number(_)
                        | ItemKind::Quantity { .. }
                        | ItemKind::Clock(_)
                        | ItemKind::Concept(Concept::Route(_) | Concept::At)
                )
            })
            .count();
        // ext14: a `follows` may come after those values ("ketamine fifty IV would be next").
        let after_values = if values > 0 {
            words_from(items[j + values].end as usize)
        } else {
            Vec::new()
        };
        let starts = |words: &[String], phrase: &str| {
            let parts: Vec<&str> = phrase.split(' ').collect();
            parts.len() <= words.len() && parts.iter().zip(words).all(|(p, w)| w == p)
        };
        let ruled_out_after = rule
            .follows
            .iter()
            .any(|phrase| starts(&after, phrase) || starts(&after_values, phrase));
        // "penicillin gives him hives": a reaction the lexicon reads as an allergy is left
        // to the allergy rule (the drug is the allergen).
        let allergy_follows = items[j + 1..sentence.end]
            .iter()
            .take_while(|item| !matches!(item.kind, ItemKind::Comma | ItemKind::Stop))
            .any(|item| matches!(item.kind, ItemKind::Concept(Concept::Allergy)));
        let under_way = rule.unless.iter().any(|phrase| starts(&after, phrase));
        let ruled_out_before = ruled_out_before && !under_way;
        if allergy_follows || (!ruled_out_before && !ruled_out_after) {
            continue;
        }
        silenced[j..=j + values].fill(true);
    }
}

/// Silences the items of `sentence` except an evacuation category: "request urgent
/// MEDEVAC" is how a category is said, not a supply request or talk about a setting.
fn silence_but_evacuation(items: &[Item], sentence: std::ops::Range<usize>, silenced: &mut [bool]) {
    for j in sentence {
        let evac = matches!(
            items[j].kind,
            ItemKind::Concept(Concept::Evac(_) | Concept::EvacCue)
        );
        if !evac {
            silenced[j] = true;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_cues_are_valid() {
        let cues = ScopeCues::embedded().unwrap();
        assert_eq!(cues.version, SCOPE_CUES_VERSION);
        assert!(cues.rules.iter().any(|r| r.reach == Reach::Question));
    }

    #[test]
    fn malformed_cues_are_refused() {
        let cases: &[(&str, &str)] = &[
            ("version = \"scope-cues/0\"\nrule = []", "version"),
            ("version = ", "TOML"),
            (
                "version = \"scope-cues/13\"\n[[rule]]\nname = \"x\"\nreach = \"after\"\nphrases = [\"Going  to\"]\nkept = [\"a\"]",
                "lower-case",
            ),
            (
                "version = \"scope-cues/13\"\n[[rule]]\nname = \"x\"\nreach = \"after\"\nphrases = [\"going to\"]",
                "example",
            ),
            (
                "version = \"scope-cues/13\"\n[[rule]]\nname = \"x\"\nreach = \"after\"\nphrases = [\"a\"]\nunless = [\"b\"]\nkept = [\"a\"]",
                "unless belongs",
            ),
            (
                "version = \"scope-cues/13\"\n[[rule]]\nname = \"x\"\nreach = \"needs\"\nphrases = [\"a\"]\nkept = [\"a\"]",
                "required",
            ),
        ];
        for (text, expected) in cases {
            let error = ScopeCues::parse(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }

    #[test]
    fn keeps_injury_time_belongs_to_reach_sentence() {
        let text = format!(
            "version = \"{SCOPE_CUES_VERSION}\"\n[[rule]]\nname = \"x\"\nreach = \"after\"\n\
             phrases = [\"a\"]\nkeeps_injury_time = true\nkept = [\"a\"]"
        );
        let error = ScopeCues::parse(&text).unwrap_err().to_string();
        assert!(error.contains("keeps_injury_time belongs"), "{error}");
    }

    #[test]
    fn lifts_belongs_to_confirms_next_and_names_a_rule() {
        let head = format!("version = \"{SCOPE_CUES_VERSION}\"\n");
        let order = "[[rule]]\nname = \"order\"\nreach = \"after\"\nphrases = [\"get a\"]\nkept = [\"a\"]\n";
        let next = |lifts: &str| {
            format!(
                "[[rule]]\nname = \"y\"\nreach = \"confirms_next\"\nphrases = [\"done\"]\n\
                 follows = [\"get a\"]\nunless = [\"okay\"]\n{lifts}blocked = [\"a\"]\n"
            )
        };
        let cases: &[(String, Option<&str>)] = &[
            (format!("{head}{order}{}", next("lifts = [\"order\"]\n")), None),
            (format!("{head}{order}{}", next("")), Some("lifts belongs")),
            (
                format!("{head}{order}{}", next("lifts = [\"plan\"]\n")),
                Some("which is no rule"),
            ),
            (
                format!("{head}[[rule]]\nname = \"x\"\nreach = \"after\"\nphrases = [\"a\"]\nlifts = [\"x\"]\nkept = [\"a\"]\n"),
                Some("lifts belongs"),
            ),
        ];
        for (text, expected) in cases {
            match (ScopeCues::parse(text), expected) {
                (Ok(cues), None) => assert_eq!(lifted(&cues).rules.len(), 1, "{text}"),
                (Err(error), Some(expected)) => {
                    assert!(error.to_string().contains(expected), "{text}: {error}");
                }
                (result, _) => panic!("{text}: {result:?}"),
            }
        }
    }

    #[test]
    fn ends_at_colon_and_confirms_are_checked() {
        let text = format!(
            "version = \"{SCOPE_CUES_VERSION}\"\n[[rule]]\nname = \"x\"\nreach = \"after\"\n\
             phrases = [\"a\"]\nends_at_colon = true\nkept = [\"a\"]"
        );
        let error = ScopeCues::parse(&text).unwrap_err().to_string();
        assert!(error.contains("ends_at_colon belongs"), "{error}");
        let text = format!(
            "version = \"{SCOPE_CUES_VERSION}\"\n[[rule]]\nname = \"x\"\nreach = \"confirms\"\n\
             phrases = [\"he took it\"]\nkept = [\"a\"]"
        );
        let error = ScopeCues::parse(&text).unwrap_err().to_string();
        assert!(error.contains("follows belongs"), "{error}");
    }

    #[test]
    fn words_are_lower_case_with_character_spans() {
        let text: Vec<char> = "Blessé, we’ll GO.".chars().collect();
        let words = words_of(&text, 0, text.len() as u32);
        let got: Vec<(&str, u32, u32)> = words
            .iter()
            .map(|w| (w.text.as_str(), w.start, w.end))
            .collect();
        assert_eq!(
            got,
            vec![("blessé", 0, 6), ("we'll", 8, 13), ("go", 14, 16)]
        );
    }
}
