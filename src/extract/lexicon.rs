//! The lexicon: what spoken words and phrases mean, kept as versioned data in
//! `lexicon.toml` (embedded with include_str!, parsed and validated once per process; its
//! version is recorded with every fact). Each row maps a phrase (lower-case words as the
//! normaliser writes them) to a concept. Misrecognitions that a small Whisper model
//! produces ("tour nicket", "key to mean") are rows of their own marked "misheard", with a
//! lower confidence; single long words also match a few key terms by edit distance. A row
//! that can occur in everyday English states the context it needs (a body part, a number…)
//! and carries example sentences that a test runs.
//!
//! Adding a synonym is adding a row; no rule needs to change.

use crate::limits::{LEXICON_CONTEXTS_MAX, LEXICON_PHRASE_WORDS_MAX, LEXICON_ROWS_MAX};
use crate::record::{
    Avpu, Evac, FluidName, InjuryKind, Mechanism, Perfusion, Route, Sex, TourniquetKind,
    TreatmentKind,
};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;
use thiserror::Error;

/// Left or right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
    Both,
}

/// Body parts as spoken, before the side is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Head,
    Face,
    Neck,
    Chest,
    Abdomen,
    Pelvis,
    Back,
    Axilla,
    Groin,
    Arm,
    Leg,
}

/// A vital sign keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VitalCue {
    Pulse,
    BloodPressure,
    RespRate,
    Spo2,
    Pain,
    Avpu,
    /// "vitals", "vital signs": a set follows.
    Set,
    /// A measurement the card has no row for (GCS, temperature, EtCO2): its number is
    /// read and dropped so that it never lands in another sign.
    Unrecorded,
}

/// What a phrase means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Concept {
    /// "casualty", "patient": a number after it switches the casualty.
    Casualty,
    /// "first", "second": an ordinal ("second casualty", "second tourniquet").
    Ordinal(u8),
    /// "next", "another", "new": a further casualty or a further tourniquet.
    Another,
    Side(Side),
    Part(Part),
    Mechanism(Mechanism),
    /// An injury kind; `Some` mechanism when the wording also names the mechanism.
    Injury(InjuryKind, Option<Mechanism>),
    Tourniquet(TourniquetKind),
    Vital(VitalCue),
    Avpu(Avpu),
    Treatment(TreatmentKind),
    Fluid(FluidName),
    Medication(&'static str),
    Route(Route),
    Sex(Sex),
    Evac(Evac),
    /// "evac", "medevac", "category", "precedence": a category follows or precedes.
    EvacCue,
    /// "allergies", "allergic to".
    Allergy,
    /// "no known drug allergies", "nkda".
    NoKnownAllergies,
    /// "no", "denies", "without": what follows in the clause did not happen.
    Negation,
    /// "if", "may need", "prepare", "watch for": what follows in the sentence is a plan or
    /// a possibility, not something done.
    Hypothetical,
    /// "reassessed", "rechecked": what follows in the sentence is a look at something
    /// already done; a tourniquet or treatment named there is not a new one.
    Reassess,
    /// "not", "never": negates what precedes in the clause, or a number that follows.
    Not,
    /// "correction", "I mean", "make that": what follows replaces what was said.
    Correction,
    /// "scratch that", "disregard": withdraws what was said.
    Retraction,
    /// "at", "time", "@": a clock time follows.
    At,
    /// "name is": a dictated name follows.
    NameCue,
    /// "sergeant", "private": a rank; said before a capitalised surname it starts a
    /// dictated name that keeps the rank ("casualty one is Sergeant Miller").
    RankCue,
    /// "last four": four dictated digits follow.
    Last4Cue,
    /// "battle roster", "zap number": a dictated roster number follows.
    RosterCue,
    /// "but", "and then": ends a negation's reach.
    But,
    /// "both of them", "all casualties": what follows in the utterance is about every
    /// casualty heard so far.
    AllCasualties,
    /// "casualties" (plural): a mechanism said with it ("two casualties from the IED")
    /// belongs to each casualty named from then on (as many as the number before it).
    Group,
    /// "back to", "moving to": casualty switching wording (carries no fact).
    SwitchCue,
    /// "out of" in "seven out of ten".
    OutOf,
    /// "removed", "released", "converted": a tourniquet named in the clause, before or
    /// after, came off (`Fact::TourniquetOff`).
    Removed,
    /// "off", "came off": a tourniquet named before it in the clause came off.
    Off,
    /// "still on", "still in place": the tourniquet or dressing named before it in the
    /// clause is the one already on, not a new one (what follows is unaffected).
    StillOn,
    /// "was hit", "wounded at", "IED strike": with a clock time, when the casualty was
    /// injured (`Fact::InjuryTime`); without one, nothing.
    Injured,
    /// "over the uniform", "over his trousers": the tourniquet named in the clause, before
    /// or after, was put on over clothing (`Fact::TourniquetOverClothing`).
    OverClothing,
    /// "open fracture", "compound fracture", "bone sticking out": a fracture that is an
    /// open wound (an injury `fracture` and `Fact::OpenFracture` at its region).
    OpenFracture,
    /// adv18: "evisceration", "bowel is out": organs out through a wound (an injury
    /// `other` and `Fact::Evisceration` at its region).
    Evisceration,
    /// advisor4: "radial's weak", "no radial pulse", "strong radial", "altered mental
    /// status": a sign of perfusion said in words (`Fact::Perfusion`).
    Perfusion(Perfusion),
    /// "weapons are off him", "took his rifle", "disarmed": the casualty's weapons were
    /// taken (`Fact::Disarmed`).
    Disarmed,
    /// adv17: "expectant", "black tag", "KIA": the casualty is triaged expectant or dead
    /// (`true`); "no longer expectant", "re-triage him immediate": no longer (`false`)
    /// (`Fact::Expectant`).
    Expectant(bool),
    /// study18: "same time": the act takes the time said for the act before it.
    SameTime,
    /// A phrase that must not be read word by word ("not responding to voice" is neither
    /// V nor U) and says nothing by itself.
    Filler,
}

use Concept as C;

/// Confidence of an exact row.
pub const EXACT: f32 = 1.0;
/// Confidence of a row that spells a known misrecognition.
pub const MISHEARD: f32 = 0.8;
/// Confidence of an edit-distance match.
pub const FUZZY: f32 = 0.7;

/// Confidence of a sound-alike match that its context confirmed.
pub const SOUNDS_LIKE: f32 = 0.6;

/// The lexicon data, embedded at build time.
pub const LEXICON_TOML: &str = include_str!("lexicon.toml");

/// The version the data must declare.
pub const LEXICON_VERSION: &str = "lexicon/18";

/// What can be wrong with the lexicon data.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum LexiconError {
    #[error("the lexicon is not valid TOML: {0}")]
    Syntax(String),
    #[error("the lexicon declares version {found:?}, this build reads {LEXICON_VERSION:?}")]
    Version { found: String },
    #[error("lexicon row {phrase:?}: {problem}")]
    Row { phrase: String, problem: String },
    #[error("the lexicon holds {0} rows or contexts, more than its limit")]
    TooLarge(usize),
}

/// Item kinds a context row may need in its clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Need {
    /// A body part or a sided place.
    Part,
    /// A spoken number, ratio or quantity.
    Number,
    /// A clock time.
    Time,
    /// A route (IV, IO…).
    Route,
    /// A drug.
    Drug,
}

/// How far around a context row its needs are looked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    /// The row's clause (between commas or stops).
    #[default]
    Clause,
    /// The row's sentence ("tourniquet not needed, removed at 0640": the removal's clause
    /// does not name the tourniquet, its sentence does).
    Sentence,
}

/// The context a row needs, with its examples.
#[derive(Clone, Debug, Deserialize)]
pub struct Context {
    pub phrase: String,
    #[serde(default)]
    pub needs: Vec<Need>,
    #[serde(default)]
    pub needs_words: Vec<String>,
    /// Where `needs` and `needs_words` are looked for (the clause unless said).
    #[serde(default)]
    pub reach: Reach,
    /// Sentences in which the row must yield a fact.
    #[serde(default)]
    pub positive: Vec<String>,
    /// Sentences in which it must yield none.
    #[serde(default)]
    pub negative: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct LexiconFile {
    version: String,
    rows: Vec<Vec<String>>,
    fuzzy: Vec<Vec<String>>,
    sound_alike: Vec<Vec<String>>,
    #[serde(default)]
    context: Vec<Context>,
}

/// One row: phrase words, concept, confidence, index of its context (if it needs one).
#[derive(Clone, Debug)]
pub struct Row {
    pub phrase: String,
    pub concept: Concept,
    pub confidence: f32,
    pub context: Option<usize>,
}

/// The validated lexicon data.
#[derive(Debug)]
pub struct LexiconData {
    pub version: String,
    pub rows: Vec<Row>,
    pub fuzzy: Vec<(String, Concept)>,
    pub sound_alike: Vec<(String, Concept)>,
    pub contexts: Vec<Context>,
}

const SIDES: &[(&str, Side)] = &[
    ("left", Side::Left),
    ("right", Side::Right),
    ("both", Side::Both),
];

const PARTS: &[(&str, Part)] = &[
    ("head", Part::Head),
    ("face", Part::Face),
    ("neck", Part::Neck),
    ("chest", Part::Chest),
    ("abdomen", Part::Abdomen),
    ("pelvis", Part::Pelvis),
    ("back", Part::Back),
    ("axilla", Part::Axilla),
    ("groin", Part::Groin),
    ("arm", Part::Arm),
    ("leg", Part::Leg),
];

const VITAL_CUES: &[(&str, VitalCue)] = &[
    ("pulse", VitalCue::Pulse),
    ("blood_pressure", VitalCue::BloodPressure),
    ("resp_rate", VitalCue::RespRate),
    ("spo2", VitalCue::Spo2),
    ("pain", VitalCue::Pain),
    ("avpu", VitalCue::Avpu),
    ("set", VitalCue::Set),
    ("unrecorded", VitalCue::Unrecorded),
];

const CUES: &[(&str, Concept)] = &[
    ("casualty", C::Casualty),
    ("another", C::Another),
    ("evac_cue", C::EvacCue),
    ("allergy", C::Allergy),
    ("no_known_allergies", C::NoKnownAllergies),
    ("negation", C::Negation),
    ("hypothetical", C::Hypothetical),
    ("reassess", C::Reassess),
    ("not", C::Not),
    ("correction", C::Correction),
    ("retraction", C::Retraction),
    ("at", C::At),
    ("name_cue", C::NameCue),
    ("rank_cue", C::RankCue),
    ("last4_cue", C::Last4Cue),
    ("roster_cue", C::RosterCue),
    ("but", C::But),
    ("all_casualties", C::AllCasualties),
    ("group", C::Group),
    ("switch_cue", C::SwitchCue),
    ("out_of", C::OutOf),
    ("removed", C::Removed),
    ("off", C::Off),
    ("still_on", C::StillOn),
    ("injured", C::Injured),
    ("filler", C::Filler),
    ("over_clothing", C::OverClothing),
    ("open_fracture", C::OpenFracture),
    ("evisceration", C::Evisceration),
    ("disarmed", C::Disarmed),
    ("expectant", C::Expectant(true)),
    ("not_expectant", C::Expectant(false)),
    ("same_time", C::SameTime),
];

fn lookup<T: Copy>(table: &[(&str, T)], name: &str) -> Option<T> {
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

fn schema_value<T: Copy + 'static>(
    all: &'static [T],
    name: &str,
    text: fn(T) -> &'static str,
) -> Option<T> {
    all.iter().copied().find(|v| text(*v) == name)
}

/// Reads a concept as the data file spells it ("injury gsw gsw", "vital resp_rate").
/// `drug` turns a drug name into the `&'static str` the record keeps.
fn parse_concept(text: &str, drug: &mut dyn FnMut(&str) -> &'static str) -> Option<Concept> {
    let mut parts = text.split(' ');
    let head = parts.next()?;
    let arg = parts.next();
    let extra = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let concept = match (head, arg) {
        (_, None) => lookup(CUES, head)?,
        ("ordinal", Some(n)) => C::Ordinal(n.parse().ok().filter(|n| (1..=9).contains(n))?),
        ("side", Some(a)) => C::Side(lookup(SIDES, a)?),
        ("part", Some(a)) => C::Part(lookup(PARTS, a)?),
        ("vital", Some(a)) => C::Vital(lookup(VITAL_CUES, a)?),
        ("mechanism", Some(a)) => C::Mechanism(schema_value(Mechanism::ALL, a, Mechanism::as_str)?),
        ("injury", Some(a)) => C::Injury(
            schema_value(InjuryKind::ALL, a, InjuryKind::as_str)?,
            match extra {
                None => None,
                Some(m) => Some(schema_value(Mechanism::ALL, m, Mechanism::as_str)?),
            },
        ),
        ("tourniquet", Some(a)) => C::Tourniquet(schema_value(
            TourniquetKind::ALL,
            a,
            TourniquetKind::as_str,
        )?),
        ("avpu", Some(a)) => C::Avpu(schema_value(Avpu::ALL, a, Avpu::as_str)?),
        ("perfusion", Some(a)) => C::Perfusion(schema_value(Perfusion::ALL, a, Perfusion::as_str)?),
        ("treatment", Some(a)) => {
            C::Treatment(schema_value(TreatmentKind::ALL, a, TreatmentKind::as_str)?)
        }
        ("fluid", Some(a)) => C::Fluid(schema_value(FluidName::ALL, a, FluidName::as_str)?),
        ("route", Some(a)) => C::Route(schema_value(Route::ALL, a, Route::as_str)?),
        ("sex", Some(a)) => C::Sex(schema_value(Sex::ALL, a, Sex::as_str)?),
        ("evac", Some(a)) => C::Evac(schema_value(Evac::ALL, a, Evac::as_str)?),
        ("medication", Some(a)) if a.chars().all(|c| c.is_ascii_lowercase() || c == '_') => {
            C::Medication(drug(a))
        }
        _ => return None,
    };
    if extra.is_some() && !matches!(concept, C::Injury(..)) {
        return None;
    }
    Some(concept)
}

fn is_phrase(text: &str) -> bool {
    let words: Vec<&str> = text.split(' ').collect();
    words.len() <= LEXICON_PHRASE_WORDS_MAX
        && words
            .iter()
            .all(|w| !w.is_empty() && w.chars().all(|c| !c.is_uppercase() && !c.is_whitespace()))
}

impl LexiconData {
    /// Parses and validates lexicon data. Drug names are interned for the life of the
    /// process (`&'static str`, as the record keeps them).
    pub fn parse(text: &str) -> Result<LexiconData, LexiconError> {
        let file: LexiconFile =
            toml::from_str(text).map_err(|e| LexiconError::Syntax(e.to_string()))?;
        if file.version != LEXICON_VERSION {
            return Err(LexiconError::Version {
                found: file.version,
            });
        }
        if file.rows.len() > LEXICON_ROWS_MAX {
            return Err(LexiconError::TooLarge(file.rows.len()));
        }
        if file.context.len() > LEXICON_CONTEXTS_MAX {
            return Err(LexiconError::TooLarge(file.context.len()));
        }
        let mut drugs: Vec<&'static str> = Vec::new();
        let mut drug = |name: &str| -> &'static str {
            if let Some(known) = drugs.iter().find(|d| **d == name) {
                return known;
            }
            // Once per drug name per process: the data is parsed once (`data()`).
            let interned: &'static str = Box::leak(name.to_owned().into_boxed_str());
            drugs.push(interned);
            interned
        };
        let bad = |phrase: &str, problem: &str| LexiconError::Row {
            phrase: phrase.to_owned(),
            problem: problem.to_owned(),
        };
        let mut rows: Vec<Row> = Vec::with_capacity(file.rows.len());
        let mut seen = std::collections::HashSet::new();
        for row in &file.rows {
            let (phrase, concept, confidence) = match row.as_slice() {
                [p, c] => (p, c, EXACT),
                [p, c, m] if m == "misheard" => (p, c, MISHEARD),
                _ => {
                    return Err(bad(
                        &row.join(" | "),
                        "a row is [phrase, concept] or [phrase, concept, \"misheard\"]",
                    ))
                }
            };
            if !is_phrase(phrase) {
                return Err(bad(
                    phrase,
                    "not lower-case words within LEXICON_PHRASE_WORDS_MAX",
                ));
            }
            if !seen.insert(phrase.clone()) {
                return Err(bad(phrase, "appears twice"));
            }
            let concept = parse_concept(concept, &mut drug)
                .ok_or_else(|| bad(phrase, &format!("unknown concept {concept:?}")))?;
            rows.push(Row {
                phrase: phrase.clone(),
                concept,
                confidence,
                context: None,
            });
        }
        let mut terms = |list: &[Vec<String>]| -> Result<Vec<(String, Concept)>, LexiconError> {
            list.iter()
                .map(|entry| match entry.as_slice() {
                    [term, concept] if term.chars().all(|c| c.is_ascii_lowercase()) => Ok((
                        term.clone(),
                        parse_concept(concept, &mut drug)
                            .ok_or_else(|| bad(term, "unknown concept"))?,
                    )),
                    _ => Err(bad(
                        &entry.join(" | "),
                        "a term is [one lower-case word, concept]",
                    )),
                })
                .collect()
        };
        let fuzzy = terms(&file.fuzzy)?;
        let sound_alike = terms(&file.sound_alike)?;
        for (index, context) in file.context.iter().enumerate() {
            let Some(row) = rows.iter_mut().find(|r| r.phrase == context.phrase) else {
                return Err(bad(&context.phrase, "context for a phrase that is no row"));
            };
            if row.context.is_some() {
                return Err(bad(&context.phrase, "two contexts"));
            }
            if context.needs.is_empty() && context.needs_words.is_empty() {
                return Err(bad(
                    &context.phrase,
                    "a context needs `needs` or `needs_words`",
                ));
            }
            if context.positive.is_empty() || context.negative.is_empty() {
                return Err(bad(
                    &context.phrase,
                    "a context needs positive and negative examples",
                ));
            }
            if !context.needs_words.iter().all(|w| is_phrase(w)) {
                return Err(bad(&context.phrase, "needs_words must be lower-case words"));
            }
            row.context = Some(index);
        }
        Ok(LexiconData {
            version: file.version,
            rows,
            fuzzy,
            sound_alike,
            contexts: file.context,
        })
    }
}

static DATA: OnceLock<Result<LexiconData, LexiconError>> = OnceLock::new();

/// The embedded lexicon, parsed and validated on first use.
pub fn data() -> Result<&'static LexiconData, &'static LexiconError> {
    DATA.get_or_init(|| LexiconData::parse(LEXICON_TOML))
        .as_ref()
}

/// The lexicon's own spelling of the medication named `text` (the `'static` name the
/// record keeps), or `None` when no row of the lexicon names that medication.
pub fn medication_name(text: &str) -> Option<&'static str> {
    let lexicon = data().ok()?;
    lexicon
        .rows
        .iter()
        .map(|row| &row.concept)
        .chain(lexicon.fuzzy.iter().map(|(_, concept)| concept))
        .chain(lexicon.sound_alike.iter().map(|(_, concept)| concept))
        .find_map(|concept| match concept {
            Concept::Medication(name) if *name == text => Some(*name),
            _ => None,
        })
}

/// A rough sound key: consonants as heard, voicing ignored, vowels and repeats dropped
/// ("turn a kit", "tour nicket" and "tourniquet" all give "trnkt").
pub fn sound_key(text: &str) -> String {
    let letters: Vec<char> = text
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut key = String::with_capacity(letters.len());
    let mut i = 0;
    while i < letters.len() {
        let c = letters[i];
        let next = letters.get(i + 1).copied();
        let (sound, width) = match (c, next) {
            ('p', Some('h')) => (Some('f'), 2),
            ('c', Some('k')) | ('q', Some('u')) => (Some('k'), 2),
            ('g', Some('h')) => (None, 2),
            ('a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h' | 'w', _) => (None, 1),
            ('c' | 'q' | 'g', _) => (Some('k'), 1),
            ('x', _) => {
                if !key.ends_with('k') {
                    key.push('k');
                }
                (Some('s'), 1)
            }
            ('z', _) => (Some('s'), 1),
            ('d', _) => (Some('t'), 1),
            ('b', _) => (Some('p'), 1),
            ('v', _) => (Some('f'), 1),
            (other, _) => (Some(other), 1),
        };
        if let Some(sound) = sound {
            if !key.ends_with(sound) {
                key.push(sound);
            }
        }
        i += width;
    }
    key
}

/// A matched phrase: what it means, how many tokens it spans, how sure the match is, and
/// the context it needs (an index into `Lexicon::context`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Match {
    pub concept: Concept,
    pub words: usize,
    pub confidence: f32,
    pub context: Option<usize>,
}

/// The rows that start with one word: phrase words, concept, confidence, context.
type RowsByFirstWord = HashMap<&'static str, Vec<(Vec<&'static str>, Concept, f32, Option<usize>)>>;

/// The lexicon indexed by first word.
#[derive(Debug)]
pub struct Lexicon {
    by_first_word: RowsByFirstWord,
    /// The sound key of each sound-alike target, computed once.
    sound_keys: Vec<(String, Concept)>,
    fuzzy: &'static [(String, Concept)],
    contexts: &'static [Context],
    version: &'static str,
    error: Option<&'static LexiconError>,
}

impl Default for Lexicon {
    fn default() -> Self {
        Lexicon::new()
    }
}

impl Lexicon {
    /// Indexes the embedded rows; longer phrases are tried first. If the embedded data
    /// failed validation (never in a tested build) the lexicon is empty, reads nothing,
    /// and `error` says why.
    pub fn new() -> Lexicon {
        let mut by_first_word: RowsByFirstWord = HashMap::new();
        let (data, error) = match data() {
            Ok(data) => (Some(data), None),
            Err(error) => (None, Some(error)),
        };
        for row in data.map(|d| d.rows.as_slice()).unwrap_or_default() {
            let words: Vec<&'static str> = row.phrase.split(' ').collect();
            if let Some(first) = words.first() {
                by_first_word.entry(first).or_default().push((
                    words.clone(),
                    row.concept,
                    row.confidence,
                    row.context,
                ));
            }
        }
        for entries in by_first_word.values_mut() {
            entries.sort_by_key(|entry| std::cmp::Reverse(entry.0.len()));
        }
        let sound_keys = data
            .map(|d| d.sound_alike.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|(term, concept)| (sound_key(term), *concept))
            .collect();
        Lexicon {
            by_first_word,
            sound_keys,
            fuzzy: data.map(|d| d.fuzzy.as_slice()).unwrap_or_default(),
            contexts: data.map(|d| d.contexts.as_slice()).unwrap_or_default(),
            version: data.map_or("none", |d| d.version.as_str()),
            error,
        }
    }

    /// The data's version ("lexicon/18"), recorded with every fact.
    pub fn version(&self) -> &'static str {
        self.version
    }

    /// Why the embedded data could not be used, if it could not.
    pub fn error(&self) -> Option<&'static LexiconError> {
        self.error
    }

    /// The context a matched row needs.
    pub fn context(&self, index: usize) -> Option<&'static Context> {
        self.contexts.get(index)
    }

    /// The key term that `key` sounds like, if any.
    pub fn sounds_like(&self, key: &str) -> Option<Concept> {
        self.sound_keys
            .iter()
            .find(|(target, _)| target == key)
            .map(|(_, concept)| *concept)
    }

    /// The longest phrase starting at `words[0]`; `words` holds the following words (a
    /// `None` stops a phrase, e.g. at a number or a comma).
    pub fn longest_match(&self, words: &[Option<&str>]) -> Option<Match> {
        let first = words.first().copied().flatten()?;
        if let Some(entries) = self.by_first_word.get(first) {
            for (phrase, concept, confidence, context) in entries {
                if phrase.len() > words.len() || phrase.len() > LEXICON_PHRASE_WORDS_MAX {
                    continue;
                }
                let matches = phrase
                    .iter()
                    .zip(words)
                    .all(|(want, have)| Some(*want) == *have);
                if matches {
                    return Some(Match {
                        concept: *concept,
                        words: phrase.len(),
                        confidence: *confidence,
                        context: *context,
                    });
                }
            }
        }
        self.fuzzy_match(words)
    }

    /// A key term heard as one long word or two words run together ("tourniket", "tour
    /// niquet"), within a small edit distance that grows with the term's length.
    fn fuzzy_match(&self, words: &[Option<&str>]) -> Option<Match> {
        let first = words.first().copied().flatten()?;
        // Two words run together only when both could be halves of a term ("tour niquet"),
        // never a short word glued to a real one ("is responsive").
        let joined_two = words
            .get(1)
            .copied()
            .flatten()
            .filter(|second| first.len() >= 3 && second.len() >= 3)
            .map(|second| format!("{first}{second}"));
        let candidates = [Some((first.to_owned(), 1)), joined_two.map(|j| (j, 2))];
        for (text, width) in candidates.into_iter().flatten() {
            if text.chars().count() < 7 {
                continue;
            }
            for (target, concept) in self.fuzzy {
                let allowed = if target.len() >= 10 && width == 1 {
                    2
                } else {
                    1
                };
                if edit_distance_within(&text, target, allowed) {
                    return Some(Match {
                        concept: *concept,
                        words: width,
                        confidence: FUZZY,
                        context: None,
                    });
                }
            }
        }
        None
    }
}

/// True when `a` and `b` are at most `limit` insertions, deletions or substitutions apart.
fn edit_distance_within(a: &str, b: &str, limit: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit || a.len() > 40 || b.len() > 40 {
        return false;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        let mut row_min = current[0];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            row_min = row_min.min(current[j + 1]);
        }
        if row_min > limit {
            return false;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()] <= limit
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn concept_of(phrase: &str) -> Option<Concept> {
        let words: Vec<Option<&str>> = phrase.split(' ').map(Some).collect();
        Lexicon::new()
            .longest_match(&words)
            .filter(|m| m.words == words.len())
            .map(|m| m.concept)
    }

    #[test]
    fn the_embedded_lexicon_is_valid() {
        let data = data().unwrap();
        assert_eq!(data.version, LEXICON_VERSION);
        assert!(data.rows.len() > 800);
        assert!(data.rows.iter().any(|r| r.context.is_some()));
        assert_eq!(Lexicon::new().version(), LEXICON_VERSION);
        // The start-up check every command runs passes on the shipped data, and its refusal
        // names the file and the fix.
        assert_eq!(crate::extract::check_embedded_data(), Ok(()));
        let refusal = crate::extract::ExtractError::Data("lexicon.toml: bad".into()).to_string();
        assert!(refusal.contains("lexicon.toml") && refusal.contains("reinstall"));
    }

    #[test]
    fn malformed_lexicons_are_refused() {
        let base = "version = \"lexicon/18\"\nfuzzy = []\nsound_alike = []\n";
        let cases: &[(&str, &str)] = &[
            ("version = \"lexicon/1\"\nrows = []\nfuzzy = []\nsound_alike = []", "version"),
            ("rows = [[\"pulse\", \"vital pulse\"], [\"pulse\", \"vital pulse\"]]", "twice"),
            ("rows = [[\"Pulse\", \"vital pulse\"]]", "lower-case"),
            ("rows = [[\"pulse\", \"vital heartbeat\"]]", "unknown concept"),
            ("rows = [[\"pulse\", \"vital pulse\", \"maybe\"]]", "misheard"),
            ("rows = [[\"gsw\", \"injury gsw gsw gsw\"]]", "unknown concept"),
            (
                "rows = [[\"shot\", \"mechanism gsw\"]]\n[[context]]\nphrase = \"shot\"\nneeds = [\"part\"]\npositive = [\"a\"]",
                "examples",
            ),
            (
                "rows = [[\"shot\", \"mechanism gsw\"]]\n[[context]]\nphrase = \"shots\"\nneeds = [\"part\"]\npositive = [\"a\"]\nnegative = [\"b\"]",
                "no row",
            ),
        ];
        for (rest, expected) in cases {
            let text = if rest.starts_with("version") {
                (*rest).to_owned()
            } else {
                format!("{base}{rest}")
            };
            let error = LexiconData::parse(&text).unwrap_err().to_string();
            assert!(error.contains(expected), "{rest}: {error}");
        }
    }

    #[test]
    fn brands_and_misrecognitions_map_to_kinds() {
        let cases: &[(&str, Concept)] = &[
            ("tour nicket", C::Tourniquet(TourniquetKind::Extremity)),
            ("cat", C::Tourniquet(TourniquetKind::Extremity)),
            ("soft t wide", C::Tourniquet(TourniquetKind::Extremity)),
            (
                "combat gauze",
                C::Treatment(TreatmentKind::HemostaticDressing),
            ),
            ("celox", C::Treatment(TreatmentKind::HemostaticDressing)),
            ("tourniket", C::Tourniquet(TourniquetKind::Extremity)),
            ("tourniquit", C::Tourniquet(TourniquetKind::Extremity)),
            ("casuality", C::Casualty),
            ("ketamime", C::Medication("ketamine")),
            ("fentanol", C::Medication("fentanyl")),
            ("b p", C::Vital(VitalCue::BloodPressure)),
            ("i o", C::Route(Route::Io)),
        ];
        for (phrase, want) in cases {
            assert_eq!(concept_of(phrase), Some(*want), "{phrase}");
        }
    }

    #[test]
    fn short_common_words_are_not_fuzzed_into_terms() {
        for word in [
            "casually",
            "tonight",
            "morning",
            "kitchen",
            "catalog",
            "quietly",
            "responsive",
            "is responsive",
            "was responsive",
        ] {
            let found = concept_of(word);
            assert!(
                found.is_none() || word == "casually",
                "{word} matched {found:?}"
            );
        }
    }

    #[test]
    fn edit_distance_bound() {
        assert!(edit_distance_within("tourniket", "tourniquet", 2));
        assert!(!edit_distance_within("tonight", "tourniquet", 2));
        assert!(edit_distance_within("abc", "abc", 0));
    }
}
