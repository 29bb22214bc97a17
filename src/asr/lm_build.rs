//! Builds the domain language model for shallow fusion ([`super::lm::DomainLm`]) from the
//! extractor's lexicon, so that no model weights are committed: the model is made at load
//! (`Transcriber::load` with fusion on and no `asr.lm_file`), in well under a second in an
//! optimised build.
//!
//! 1. A synthetic narration corpus (`ASR_LM_CORPUS_SENTENCES`, a fixed seed) is generated
//!    from the lexicon's exact rows by concept and a small grammar: casualty switches,
//!    tourniquets, drugs with doses, units, routes and times, vitals, injuries, treatments,
//!    corrections, and everyday speech with nothing clinical in it (about a third). Each
//!    sentence is written the way Whisper writes: mostly sentence case, digits for most
//!    numbers, acronyms in capitals, usually a full stop.
//! 2. Each sentence is encoded with the model folder's byte-level BPE
//!    ([`PromptEncoder`], as Hugging Face `tokenizers` encodes), with a leading space as
//!    Whisper's first text token has one, between two end-of-text ids (begin and end).
//! 3. A trigram model with interpolated absolute discounting (D = 0.7) and back-off weights
//!    is estimated; bigrams and trigrams seen once are pruned.
//! 4. The term trie holds the phrases (exact and misheard) of the concepts Whisper mishears
//!    (drugs, routes, tourniquets, treatments, fluids, "casualty"), as token sequences in
//!    the spellings Whisper produces (as written, styled and capitalised, with and without
//!    the leading space), each with its character count (the bonus cap).
//!
//! The result is the language-model file's bytes (layout in [`super::lm`]), so the
//! in-memory tables come from the same validating parser as a file named by `asr.lm_file`.
//! Deterministic: the same lexicon, tokenizer and seed give the same bytes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::extract::lexicon::{self, Concept, VitalCue, EXACT};
use crate::limits::{ASR_LM_CORPUS_SENTENCES, ASR_LM_TERM_TOKENS_MAX};

use super::lm::DomainLm;
use super::tokenizer::PromptEncoder;
use super::AsrError;

/// The corpus generator's seed.
pub const CORPUS_SEED: u64 = 11;
/// The absolute discount.
const DISCOUNT: f64 = 0.7;

/// Words written in capitals when they stand alone ("txa" → "TXA").
const ACRONYMS: &[&str] = &[
    "iv", "io", "im", "txa", "tq", "bp", "hr", "npa", "gsw", "ied", "otfc", "cat", "sam", "nkda",
    "avpu", "rr", "etco2", "gcs", "lto", "sq", "po", "pr", "odt", "loc", "cric", "opa", "rsi",
    "ns", "lr", "prbc", "ffp", "kg",
];

const UNITS: &[&str] = &[
    "milligrams",
    "mg",
    "micrograms",
    "mcg",
    "grams",
    "g",
    "milliliters",
    "ml",
    "cc",
    "units",
];

const EVERYDAY: &[&str] = &[
    "okay",
    "hold on",
    "stay with me",
    "look at me",
    "you're doing fine",
    "keep pressure",
    "where is the litter",
    "we need to move",
    "get down",
    "cover me",
    "move move move",
    "I need more light",
    "can you hear me",
    "squeeze my hand",
    "don't move",
    "hand me that",
    "give me a second",
    "we're going to get you out of here",
    "what's your name",
    "where does it hurt",
    "open your eyes",
    "breathe for me",
    "the bird is inbound",
    "two minutes out",
    "copy that",
    "roger",
    "say again",
    "is the road clear",
    "grab his weapon",
    "check his pockets",
    "I've got him",
    "it's going to be okay",
    "stay awake buddy",
    "the weather is getting worse",
    "we are almost there",
    "let's go",
    "on three",
    "one two three lift",
    "I'm out of gauze",
    "pass me the bag",
    "the radio is down",
    "nice and easy",
    "thank you",
    "good job",
    "keep talking to me",
    "what happened",
    "are you allergic",
    "how old are you",
    "tell me where you are",
    "we're at the checkpoint",
    "the truck is here",
    "stand by",
    "wait one",
    "all right",
    "yeah",
    "no",
    "yes",
    "I think so",
    "not yet",
    "almost done",
    "let me see",
    "we have to hurry",
];

const CORRECTIONS: &[&str] = &[
    "correction",
    "I mean",
    "make that",
    "scratch that",
    "disregard",
    "sorry",
    "no wait",
    "actually",
];

const CUES: &[&str] = &["", "", "", "okay ", "all right ", "now ", "and ", "then "];

const NUMBER_WORDS: [&str; 20] = [
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
const TENS_WORDS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// SplitMix64: a small deterministic generator (the corpus must not depend on a crate's
/// algorithm choices).
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    fn range(&mut self, low: u32, high: u32) -> u32 {
        low + self.below((high - low + 1) as usize) as u32
    }
    fn pick<'a, T: AsRef<str> + ?Sized>(&mut self, items: &'a [&'a T]) -> &'a str {
        items
            .get(self.below(items.len()))
            .map_or("", |s| s.as_ref())
    }
    fn pick_owned<'a>(&mut self, items: &'a [String]) -> &'a str {
        items
            .get(self.below(items.len()))
            .map_or("", String::as_str)
    }
}

/// A lexicon phrase (lower case, as the normaliser writes) the way Whisper writes it: runs
/// of single letters become an acronym ("i m" → "IM"), known acronyms are in capitals.
pub fn whisper_style(phrase: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut letters = String::new();
    for word in phrase.split(' ').chain(std::iter::once("")) {
        let mut characters = word.chars();
        if let (Some(c), None) = (characters.next(), characters.next()) {
            if c.is_alphabetic() {
                letters.push(c);
                continue;
            }
        }
        if !letters.is_empty() {
            out.push(letters.to_uppercase());
            letters.clear();
        }
        if word == "spo2" {
            out.push("SpO2".to_owned());
        } else if ACRONYMS.contains(&word) {
            out.push(word.to_uppercase());
        } else if !word.is_empty() {
            out.push(word.to_owned());
        }
    }
    out.join(" ")
}

fn capitalised(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}

/// A number as a number word ("one twenty five" style is left to the digits).
fn spell(n: u32) -> String {
    match n {
        0..=19 => NUMBER_WORDS[n as usize].to_owned(),
        20..=99 if n.is_multiple_of(10) => TENS_WORDS[(n / 10) as usize].to_owned(),
        20..=99 => format!(
            "{}-{}",
            TENS_WORDS[(n / 10) as usize],
            NUMBER_WORDS[(n % 10) as usize]
        ),
        100..=999 => {
            let rest = n % 100;
            let rest = if rest >= 10 {
                spell(rest)
            } else {
                format!("oh {}", NUMBER_WORDS[rest as usize])
            };
            format!("{} {rest}", NUMBER_WORDS[(n / 100) as usize])
        }
        _ => n.to_string(),
    }
}

/// The lexicon's exact phrases by concept kind, styled as Whisper writes them.
#[derive(Default)]
struct Phrases {
    drugs: Vec<String>,
    routes: Vec<String>,
    sides: Vec<String>,
    parts: Vec<String>,
    tourniquets: Vec<String>,
    treatments: Vec<String>,
    injuries: Vec<String>,
    mechanisms: Vec<String>,
    fluids: Vec<String>,
    avpu: Vec<String>,
    evac: Vec<String>,
    casualty: Vec<String>,
    pulse: Vec<String>,
    pressure: Vec<String>,
    resp: Vec<String>,
    spo2: Vec<String>,
    pain: Vec<String>,
}

impl Phrases {
    fn from_lexicon(data: &lexicon::LexiconData) -> Self {
        let mut p = Phrases::default();
        for row in data.rows.iter().filter(|row| row.confidence >= EXACT) {
            let list = match row.concept {
                Concept::Medication(_) => &mut p.drugs,
                Concept::Route(_) => &mut p.routes,
                Concept::Side(_) => &mut p.sides,
                Concept::Part(_) => &mut p.parts,
                Concept::Tourniquet(_) => &mut p.tourniquets,
                Concept::Treatment(_) => &mut p.treatments,
                Concept::Injury(..) => &mut p.injuries,
                Concept::Mechanism(_) => &mut p.mechanisms,
                Concept::Fluid(_) => &mut p.fluids,
                Concept::Avpu(_) => &mut p.avpu,
                Concept::Evac(_) => &mut p.evac,
                Concept::Casualty => &mut p.casualty,
                Concept::Vital(VitalCue::Pulse) => &mut p.pulse,
                Concept::Vital(VitalCue::BloodPressure) => &mut p.pressure,
                Concept::Vital(VitalCue::RespRate) => &mut p.resp,
                Concept::Vital(VitalCue::Spo2) => &mut p.spo2,
                Concept::Vital(VitalCue::Pain) => &mut p.pain,
                _ => continue,
            };
            list.push(whisper_style(&row.phrase));
        }
        for list in [
            &mut p.drugs,
            &mut p.routes,
            &mut p.sides,
            &mut p.parts,
            &mut p.tourniquets,
            &mut p.treatments,
            &mut p.injuries,
            &mut p.mechanisms,
            &mut p.fluids,
            &mut p.avpu,
            &mut p.evac,
            &mut p.casualty,
            &mut p.pulse,
            &mut p.pressure,
            &mut p.resp,
            &mut p.spo2,
            &mut p.pain,
        ] {
            if list.is_empty() {
                list.push("x".to_owned());
            }
        }
        p
    }
}

/// The sentence shapes and their weights (out of 100).
#[derive(Clone, Copy)]
enum Shape {
    Casualty,
    Tourniquet,
    Drug,
    Vitals,
    Injury,
    Treatment,
    Correction,
    Everyday,
}

const SHAPES: [(Shape, usize); 8] = [
    (Shape::Casualty, 8),
    (Shape::Tourniquet, 10),
    (Shape::Drug, 14),
    (Shape::Vitals, 14),
    (Shape::Injury, 8),
    (Shape::Treatment, 10),
    (Shape::Correction, 5),
    (Shape::Everyday, 31),
];

struct Grammar<'a> {
    p: &'a Phrases,
    rng: Rng,
}

impl Grammar<'_> {
    /// A number the way Whisper tends to write it: digits mostly, words sometimes.
    fn number(&mut self, low: u32, high: u32) -> String {
        let value = self.rng.range(low, high);
        if self.rng.unit() < 0.75 || value > 999 {
            value.to_string()
        } else {
            spell(value)
        }
    }

    fn clock(&mut self) -> String {
        let (h, m) = (self.rng.range(0, 23), self.rng.range(0, 59));
        let r = self.rng.unit();
        if r < 0.45 {
            format!("{h:02}{m:02}")
        } else if r < 0.75 {
            format!("{h}:{m:02}")
        } else if r < 0.9 {
            format!("{h:02}{m:02} hours")
        } else {
            format!("{h:02} {m:02}")
        }
    }

    fn at(&mut self) -> String {
        if self.rng.unit() < 0.6 {
            format!(" at {}", self.clock())
        } else {
            String::new()
        }
    }

    fn limb(&mut self) -> String {
        let the = if self.rng.unit() < 0.6 { "the " } else { "" };
        let side = self.rng.pick_owned(&self.p.sides);
        let part = self.rng.pick_owned(&self.p.parts);
        format!("{the}{side} {part}")
    }

    fn casualty(&mut self) -> String {
        let who = self.rng.pick_owned(&self.p.casualty).to_owned();
        let n = self.number(1, 9);
        match self.rng.below(6) {
            0 => format!("{who} {n}"),
            1 => format!("moving to {who} {n}"),
            2 => format!("back to {who} {n}"),
            3 => format!("this is {who} {n}"),
            4 => format!("{who} number {n}"),
            _ => format!("next {who}"),
        }
    }

    fn tourniquet(&mut self) -> String {
        let tq = self.rng.pick_owned(&self.p.tourniquets).to_owned();
        let limb = self.limb();
        let at = self.at();
        match self.rng.below(5) {
            0 => format!("{tq} {limb}{at}"),
            1 => format!("{tq} applied to {limb}{at}"),
            2 => format!("{tq} on {limb}{at}"),
            3 => format!("applied a {tq} to {limb}{at}"),
            _ => format!("second {tq} above the first{at}"),
        }
    }

    fn drug(&mut self) -> String {
        let amount = self.number(1, 1000);
        let dose = format!("{amount} {}", self.rng.pick(UNITS));
        let route = self.rng.pick_owned(&self.p.routes).to_owned();
        let drug = self.rng.pick_owned(&self.p.drugs).to_owned();
        let at = self.at();
        match self.rng.below(7) {
            0 => format!("{drug} {dose} {route}{at}"),
            1 => format!("gave {dose} of {drug} {route}{at}"),
            2 => format!("{dose} {drug} {route}"),
            3 => format!("{drug} {dose}{at}"),
            4 => format!("pushed {drug} {dose} {route}"),
            5 => format!("{drug} given {route}{at}"),
            _ => format!("administered {drug} {dose} {route}"),
        }
    }

    fn vitals(&mut self) -> String {
        let mut items = Vec::with_capacity(6);
        let pulse = self.rng.pick_owned(&self.p.pulse).to_owned();
        items.push(format!("{pulse} {}", self.number(40, 180)));
        let pressure = self.rng.pick_owned(&self.p.pressure).to_owned();
        let (high, low) = (self.number(60, 200), self.number(30, 120));
        items.push(format!("{pressure} {high} over {low}"));
        let resp = self.rng.pick_owned(&self.p.resp).to_owned();
        items.push(format!("{resp} {}", self.number(6, 40)));
        let spo2 = self.rng.pick_owned(&self.p.spo2).to_owned();
        let saturation = self.number(70, 100);
        items.push(format!(
            "{spo2} {saturation}{}",
            self.rng.pick(&["", " percent", "%"])
        ));
        let pain = self.rng.pick_owned(&self.p.pain).to_owned();
        let score = self.number(0, 10);
        items.push(format!(
            "{pain} {score}{}",
            self.rng.pick(&["", " out of 10"])
        ));
        items.push(self.rng.pick_owned(&self.p.avpu).to_owned());
        // Fisher–Yates, then the first one to three.
        for i in (1..items.len()).rev() {
            let j = self.rng.below(i + 1);
            items.swap(i, j);
        }
        let k = self.rng.range(1, 3) as usize;
        let lead = match self.rng.below(4) {
            0 | 1 => String::new(),
            2 => "vitals ".to_owned(),
            _ => format!("vitals at {} ", self.clock()),
        };
        format!("{lead}{}", items[..k].join(", "))
    }

    fn injury(&mut self) -> String {
        let injury = self.rng.pick_owned(&self.p.injuries).to_owned();
        let limb = self.limb();
        match self.rng.below(4) {
            0 => format!("{injury} to {limb}"),
            1 => {
                let mechanism = self.rng.pick_owned(&self.p.mechanisms);
                format!("{mechanism}, {injury} {limb}")
            }
            2 => format!("{injury} {limb}"),
            _ => format!("found with {injury} to {limb}"),
        }
    }

    fn treatment(&mut self) -> String {
        match self.rng.below(5) {
            0 => {
                let treatment = self.rng.pick_owned(&self.p.treatments).to_owned();
                format!("{treatment}{}", self.at())
            }
            1 => {
                let treatment = self.rng.pick_owned(&self.p.treatments).to_owned();
                format!("{treatment} {}", self.limb())
            }
            2 => format!("placed {}", self.rng.pick_owned(&self.p.treatments)),
            3 => {
                let fluid = self.rng.pick_owned(&self.p.fluids).to_owned();
                let volume = self.number(100, 1000);
                let unit = self.rng.pick(&["ml", "milliliters", "cc"]);
                let route = self.rng.pick_owned(&self.p.routes);
                format!("{fluid} {volume} {unit} {route}")
            }
            _ => self.rng.pick_owned(&self.p.evac).to_owned(),
        }
    }

    fn shape(&mut self, shape: Shape) -> String {
        match shape {
            Shape::Casualty => self.casualty(),
            Shape::Tourniquet => self.tourniquet(),
            Shape::Drug => self.drug(),
            Shape::Vitals => self.vitals(),
            Shape::Injury => self.injury(),
            Shape::Treatment => self.treatment(),
            Shape::Correction => {
                let corrected = match self.rng.below(4) {
                    0 => Shape::Drug,
                    1 => Shape::Vitals,
                    2 => Shape::Tourniquet,
                    _ => Shape::Casualty,
                };
                let first = self.shape(corrected);
                let cue = self.rng.pick(CORRECTIONS);
                let second = self.shape(corrected);
                format!("{first}, {cue}, {second}")
            }
            Shape::Everyday => {
                let k = self.rng.range(1, 2);
                let mut text = self.rng.pick(EVERYDAY).to_owned();
                if k == 2 {
                    text.push_str(", ");
                    text.push_str(self.rng.pick(EVERYDAY));
                }
                text
            }
        }
    }

    fn sentence(&mut self) -> String {
        let cue = self.rng.pick(CUES);
        let mut roll = self.rng.below(100);
        let mut shape = Shape::Everyday;
        for &(candidate, weight) in &SHAPES {
            if roll < weight {
                shape = candidate;
                break;
            }
            roll -= weight;
        }
        let body = self.shape(shape);
        let mut text = format!("{cue}{body}").trim().to_owned();
        if self.rng.unit() < 0.7 {
            text = capitalised(&text);
        }
        if self.rng.unit() < 0.8 {
            text.push('.');
        }
        text
    }
}

fn build_error(detail: String) -> AsrError {
    AsrError::LanguageModelBuild { detail }
}

/// The synthetic narration corpus: `sentences` sentences from the lexicon's grammar.
pub fn corpus(sentences: usize, seed: u64) -> Result<Vec<String>, AsrError> {
    let data = lexicon::data().map_err(|e| build_error(e.to_string()))?;
    let phrases = Phrases::from_lexicon(data);
    let mut grammar = Grammar {
        p: &phrases,
        rng: Rng(seed),
    };
    Ok((0..sentences).map(|_| grammar.sentence()).collect())
}

/// Whether a concept's phrases go into the term trie: the words Whisper mishears (drugs,
/// tourniquets, procedures, fluids, "casualty"), not common words such as body parts.
fn is_clinical(concept: Concept) -> bool {
    matches!(
        concept,
        Concept::Medication(_)
            | Concept::Route(_)
            | Concept::Tourniquet(_)
            | Concept::Treatment(_)
            | Concept::Casualty
            | Concept::Fluid(_)
    )
}

/// Sizes of a built model (for the log line).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BuildReport {
    pub sentences: usize,
    pub tokens: usize,
    pub unigrams: usize,
    pub bigrams: usize,
    pub trigrams: usize,
    pub terms: usize,
    pub bytes: usize,
}

fn log10(p: f64) -> f32 {
    p.max(1e-30).log10() as f32
}

/// The language-model file's bytes for a model of `vocabulary` tokens whose end-of-text is
/// `end_of_text`, from `sentences` corpus sentences.
pub fn build_bytes(
    encoder: &PromptEncoder,
    vocabulary: usize,
    end_of_text: u32,
    sentences: usize,
) -> Result<(Vec<u8>, BuildReport), AsrError> {
    let corpus = corpus(sentences, CORPUS_SEED)?;
    let mut cache: HashMap<String, Vec<u32>> = HashMap::new();
    let mut ids: Vec<u32> = Vec::new();
    let mut text = String::new();
    let mut c1: HashMap<u32, u64> = HashMap::new();
    let mut c2: HashMap<(u32, u32), u64> = HashMap::new();
    let mut c3: HashMap<(u32, u32, u32), u64> = HashMap::new();
    for sentence in &corpus {
        text.clear();
        text.push(' ');
        text.push_str(sentence);
        ids.clear();
        ids.push(end_of_text);
        encoder.encode_plain_cached(&text, &mut cache, &mut ids);
        ids.push(end_of_text);
        for i in 1..ids.len() {
            *c1.entry(ids[i]).or_default() += 1;
            *c2.entry((ids[i - 1], ids[i])).or_default() += 1;
            if i >= 2 {
                *c3.entry((ids[i - 2], ids[i - 1], ids[i])).or_default() += 1;
            }
        }
    }
    let total: u64 = c1.values().sum();
    let mass = (total + c1.len() as u64) as f64;
    // Unigrams with a floor mass for unseen tokens (the loader gives them its own floor).
    let mut uni: BTreeMap<u32, f64> = c1.iter().map(|(&w, &c)| (w, c as f64 / mass)).collect();
    let unknown = 1.0 / mass / (vocabulary.saturating_sub(c1.len()).max(1)) as f64;
    let uni_p = |uni: &BTreeMap<u32, f64>, w: u32| uni.get(&w).copied().unwrap_or(unknown);
    c2.retain(|_, v| *v > 1);
    c3.retain(|_, v| *v > 1);
    let mut ctx1: HashMap<u32, (u64, u64)> = HashMap::new();
    for (&(a, _), &v) in &c2 {
        let entry = ctx1.entry(a).or_default();
        entry.0 += v;
        entry.1 += 1;
    }
    let bi_back_off: HashMap<u32, f64> = ctx1
        .iter()
        .map(|(&a, &(count, types))| (a, DISCOUNT * types as f64 / count as f64))
        .collect();
    let mut bi: BTreeMap<(u32, u32), f64> = c2
        .iter()
        .map(|(&(a, b), &v)| {
            let (count, _) = ctx1[&a];
            let p = (v as f64 - DISCOUNT) / count as f64 + bi_back_off[&a] * uni_p(&uni, b);
            ((a, b), p)
        })
        .collect();
    let p_bi = |bi: &BTreeMap<(u32, u32), f64>, a: u32, b: u32| {
        bi.get(&(a, b))
            .copied()
            .unwrap_or_else(|| bi_back_off.get(&a).copied().unwrap_or(1.0) * uni_p(&uni, b))
    };
    let mut ctx2: HashMap<(u32, u32), (u64, u64)> = HashMap::new();
    for (&(a, b, _), &v) in &c3 {
        let entry = ctx2.entry((a, b)).or_default();
        entry.0 += v;
        entry.1 += 1;
    }
    let tri_back_off: BTreeMap<(u32, u32), f64> = ctx2
        .iter()
        .map(|(&k, &(count, types))| (k, DISCOUNT * types as f64 / count as f64))
        .collect();
    let tri: BTreeMap<(u32, u32, u32), f64> = c3
        .iter()
        .map(|(&(a, b, c), &v)| {
            let (count, _) = ctx2[&(a, b)];
            let p = (v as f64 - DISCOUNT) / count as f64 + tri_back_off[&(a, b)] * p_bi(&bi, b, c);
            ((a, b, c), p)
        })
        .collect();
    // A trigram context is always a kept bigram (it was counted at least as often), but a
    // context missing from the bigrams is added with its backed-off probability.
    let missing: Vec<((u32, u32), f64)> = tri_back_off
        .keys()
        .filter(|k| !bi.contains_key(k))
        .map(|&(a, b)| ((a, b), p_bi(&bi, a, b)))
        .collect();
    bi.extend(missing);
    uni.entry(end_of_text).or_insert(unknown);

    // The term trie's entries.
    let data = lexicon::data().map_err(|e| build_error(e.to_string()))?;
    let mut terms: BTreeSet<(Vec<u32>, u16)> = BTreeSet::new();
    for row in data.rows.iter().filter(|row| is_clinical(row.concept)) {
        let styled = whisper_style(&row.phrase);
        let spellings: BTreeSet<String> = [row.phrase.clone(), capitalised(&styled), styled].into();
        let characters = u16::try_from(row.phrase.chars().count()).unwrap_or(u16::MAX);
        for spelled in &spellings {
            for lead in [" ", ""] {
                let ids = encoder.encode(&format!("{lead}{spelled}"));
                if (1..=ASR_LM_TERM_TOKENS_MAX).contains(&ids.len()) {
                    terms.insert((ids, characters));
                }
            }
        }
    }

    let count = |n: usize| {
        u32::try_from(n).map_err(|_| build_error(format!("{n} entries do not fit the file")))
    };
    let mut out = Vec::with_capacity(
        8 + 28 + 12 * uni.len() + 16 * bi.len() + 16 * tri.len() + 24 * terms.len(),
    );
    out.extend_from_slice(super::lm::MAGIC);
    let term_tokens: usize = terms.iter().map(|(ids, _)| ids.len()).sum();
    for value in [
        count(vocabulary)?,
        end_of_text,
        count(uni.len())?,
        count(bi.len())?,
        count(tri.len())?,
        count(terms.len())?,
        count(term_tokens)?,
    ] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    for (&w, &p) in &uni {
        let back_off = bi_back_off.get(&w).copied().unwrap_or(1.0);
        out.extend_from_slice(&w.to_le_bytes());
        out.extend_from_slice(&log10(p).to_le_bytes());
        out.extend_from_slice(&log10(back_off).to_le_bytes());
    }
    for (&(a, b), &p) in &bi {
        let back_off = tri_back_off.get(&(a, b)).copied().unwrap_or(1.0);
        for id in [a, b] {
            out.extend_from_slice(&id.to_le_bytes());
        }
        out.extend_from_slice(&log10(p).to_le_bytes());
        out.extend_from_slice(&log10(back_off).to_le_bytes());
    }
    for (&(a, b, c), &p) in &tri {
        for id in [a, b, c] {
            out.extend_from_slice(&id.to_le_bytes());
        }
        out.extend_from_slice(&log10(p).to_le_bytes());
    }
    for (ids, characters) in &terms {
        // At most ASR_LM_TERM_TOKENS_MAX (16) tokens: fits a u16.
        out.extend_from_slice(&(ids.len() as u16).to_le_bytes());
        out.extend_from_slice(&characters.to_le_bytes());
        for id in ids {
            out.extend_from_slice(&id.to_le_bytes());
        }
    }
    let report = BuildReport {
        sentences: corpus.len(),
        tokens: total as usize,
        unigrams: uni.len(),
        bigrams: bi.len(),
        trigrams: tri.len(),
        terms: terms.len(),
        bytes: out.len(),
    };
    Ok((out, report))
}

impl DomainLm {
    /// Builds the model for the Whisper model in `model_dir` (its tokenizer.json encodes
    /// the corpus; `vocabulary` and `end_of_text` are the model's) and loads it through the
    /// file parser.
    pub fn build(
        model_dir: &Path,
        vocabulary: usize,
        end_of_text: u32,
    ) -> Result<(Self, BuildReport), AsrError> {
        let encoder = PromptEncoder::load(model_dir)?;
        let (bytes, report) =
            build_bytes(&encoder, vocabulary, end_of_text, ASR_LM_CORPUS_SENTENCES)?;
        let lm = DomainLm::parse(&bytes, vocabulary, end_of_text).map_err(build_error)?;
        Ok((lm, report))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_styled_as_whisper_writes_them() {
        assert_eq!(whisper_style("i m"), "IM");
        assert_eq!(whisper_style("txa 1 gram"), "TXA 1 gram");
        assert_eq!(whisper_style("spo2"), "SpO2");
        assert_eq!(whisper_style("combat gauze"), "combat gauze");
        assert_eq!(whisper_style("n p a placed"), "NPA placed");
        assert_eq!(spell(125), "one twenty-five");
        assert_eq!(spell(105), "one oh five");
        assert_eq!(capitalised("okay"), "Okay");
    }

    #[test]
    fn the_corpus_is_deterministic_and_mostly_clinical() {
        let a = corpus(2_000, CORPUS_SEED).unwrap();
        assert_eq!(a, corpus(2_000, CORPUS_SEED).unwrap());
        assert_ne!(a, corpus(2_000, CORPUS_SEED + 1).unwrap());
        let lower: Vec<String> = EVERYDAY.iter().map(|e| e.to_lowercase()).collect();
        let is_everyday = |text: &str| text.split(", ").all(|part| lower.iter().any(|e| e == part));
        let everyday = a
            .iter()
            .filter(|s| {
                let s = s.trim_end_matches('.').to_lowercase();
                is_everyday(&s)
                    || CUES
                        .iter()
                        .filter(|cue| !cue.is_empty())
                        .any(|cue| s.strip_prefix(*cue).is_some_and(&is_everyday))
            })
            .count();
        assert!((500..800).contains(&everyday), "{everyday} of 2000");
        assert!(a
            .iter()
            .any(|s| s.contains("tourniquet") || s.contains("Tourniquet")));
        assert!(a.iter().all(|s| !s.is_empty() && !s.starts_with(' ')));
    }
}
