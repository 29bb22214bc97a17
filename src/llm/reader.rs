//! The second reader for what the rules missed (issue 16, 3a). When an utterance holds
//! clinical words (lexicon concepts) but the rules filed nothing, the model proposes facts
//! as a small JSON list, decoded under [`ProposalGrammar`]:
//!
//! ```text
//! [{"fact":"KIND","value":"SPAN","where":"SPAN","time":"SPAN"}, ...]   (at most 3)
//! ```
//!
//! `KIND` is one of a closed set built from the record's schema and the lexicon's drug
//! names ([`kinds`]); each `SPAN` is empty or a run of whole words copied from the
//! utterance (copy-constrained: the model cannot write a value that was not said). Each
//! proposal is then read with the extractor's own normaliser and lexicon
//! ([`to_fact`]): the value must parse and lie in range, a drug, fluid or treatment must
//! be named in the utterance, a limb needs a side. What survives is filed with
//! `Doubt::Proposed` (always unconfirmed, read back; never confirmed automatically).
//!
//! Off by default (`[llm] reader = false`): see README for what it measured.

use super::checked::{Generate, UseError};
use super::{ChatFormat, Constraint};
use crate::extract::items::{items, Item, ItemKind};
use crate::extract::lexicon::{self, Concept, Lexicon};
use crate::extract::normalise::{normalise, QuantityUnit};
use crate::extract::{Change, Extractor};
use crate::limits::{
    READER_ANSWER_BYTES_MAX, READER_ANSWER_TOKENS_MAX, READER_PROPOSALS_MAX, READER_SPAN_BYTES_MAX,
    READER_UTTERANCE_BYTES_MAX,
};
use crate::record::{
    CasualtyId, Clock, DoseUnit, Doubt, Fact, FactId, FluidName, Limb, Provenance, Region,
    TourniquetKind, TreatmentKind, VitalValue,
};

/// The kinds of fact the reader may propose: the vital signs, tourniquet, injury and
/// mechanism, then `treatment:KIND`, `fluid:NAME` and `medication:NAME` for every
/// treatment and fluid of the schema and every drug the lexicon names.
pub fn kinds() -> Vec<String> {
    let mut out: Vec<String> = [
        "pulse",
        "blood_pressure",
        "resp_rate",
        "spo2",
        "pain",
        "avpu",
        "tourniquet",
        "injury",
        "mechanism",
    ]
    .iter()
    .map(|k| (*k).to_owned())
    .collect();
    for t in TreatmentKind::ALL {
        if *t != TreatmentKind::Other {
            out.push(format!("treatment:{t}"));
        }
    }
    for f in FluidName::ALL {
        if *f != FluidName::Other {
            out.push(format!("fluid:{f}"));
        }
    }
    if let Ok(data) = lexicon::data() {
        for row in &data.rows {
            if let Concept::Medication(name) = row.concept {
                let kind = format!("medication:{name}");
                if !out.contains(&kind) {
                    out.push(kind);
                }
            }
        }
    }
    out
}

/// How far a text is from a complete answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    /// Not the beginning of any answer.
    Invalid,
    /// The beginning of an answer.
    Partial,
    /// A whole answer.
    Complete,
}

/// The grammar of the reader's answer for one utterance (see the module comment).
#[derive(Clone, Debug)]
pub struct ProposalGrammar {
    /// The utterance in lower case, as bytes.
    utterance: Vec<u8>,
    kinds: Vec<String>,
}

const FIELDS: [&str; 3] = ["\",\"value\":\"", "\",\"where\":\"", "\",\"time\":\""];
const OPEN: &str = "{\"fact\":\"";
const CLOSE: &str = "\"}";

enum Step {
    /// Matched; carry on at this offset.
    At(usize),
    /// The text ended inside.
    End,
    Invalid,
}

impl ProposalGrammar {
    /// The grammar for `utterance` (cut at `READER_UTTERANCE_BYTES_MAX`).
    pub fn new(utterance: &str) -> ProposalGrammar {
        let mut grammar = ProposalGrammar {
            // Lower case may lengthen a character (at most 3 bytes per input byte).
            utterance: Vec::with_capacity(3 * READER_UTTERANCE_BYTES_MAX),
            kinds: kinds(),
        };
        grammar.reset(utterance);
        grammar
    }

    /// The grammar for another utterance, in place (no allocation: the model's thread
    /// keeps one grammar).
    pub fn reset(&mut self, utterance: &str) {
        let mut end = utterance.len().min(READER_UTTERANCE_BYTES_MAX);
        while !utterance.is_char_boundary(end) {
            end -= 1;
        }
        self.utterance.clear();
        let mut buffer = [0u8; 4];
        for c in utterance[..end].chars().flat_map(char::to_lowercase) {
            self.utterance
                .extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
        }
    }

    fn literal(text: &[u8], at: usize, literal: &str) -> Step {
        let rest = &text[at..];
        let want = literal.as_bytes();
        let n = rest.len().min(want.len());
        if rest[..n] != want[..n] {
            Step::Invalid
        } else if n < want.len() {
            Step::End
        } else {
            Step::At(at + want.len())
        }
    }

    fn kind(&self, text: &[u8], at: usize) -> Step {
        let rest = &text[at..];
        match rest.iter().position(|b| *b == b'"') {
            Some(close) => {
                let word = &rest[..close];
                if self.kinds.iter().any(|k| k.as_bytes() == word) {
                    Step::At(at + close)
                } else {
                    Step::Invalid
                }
            }
            None => {
                if self.kinds.iter().any(|k| k.as_bytes().starts_with(rest)) {
                    Step::End
                } else {
                    Step::Invalid
                }
            }
        }
    }

    fn is_word_byte(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b >= 0x80
    }

    /// Whether `span` occurs in the utterance starting at a word's start (and, when
    /// `whole`, ending at a word's end).
    fn occurs(&self, span: &[u8], whole: bool) -> bool {
        let u = &self.utterance;
        if span.len() > u.len() {
            return false;
        }
        (0..=u.len() - span.len()).any(|start| {
            let end = start + span.len();
            u[start..end] == *span
                && (start == 0 || !Self::is_word_byte(u[start - 1]))
                && span.first().is_some_and(|b| Self::is_word_byte(*b))
                && (!whole
                    || (end == u.len() || !Self::is_word_byte(u[end]))
                        && span.last().is_some_and(|b| Self::is_word_byte(*b)))
        })
    }

    fn span(&self, text: &[u8], at: usize) -> Step {
        let rest = &text[at..];
        let (span, closed) = match rest.iter().position(|b| *b == b'"') {
            Some(close) => (&rest[..close], true),
            None => (rest, false),
        };
        if span.len() > READER_SPAN_BYTES_MAX
            || span.iter().any(|b| *b == b'\\' || b.is_ascii_uppercase())
        {
            return Step::Invalid;
        }
        let ok = span.is_empty() || self.occurs(span, closed);
        match (ok, closed) {
            (false, _) => Step::Invalid,
            (true, true) => Step::At(at + span.len()),
            (true, false) => Step::End,
        }
    }

    /// How far `text` is from a complete answer.
    pub fn scan(&self, text: &[u8]) -> Scan {
        if text.len() > READER_ANSWER_BYTES_MAX {
            return Scan::Invalid;
        }
        macro_rules! step {
            ($e:expr) => {
                match $e {
                    Step::At(at) => at,
                    Step::End => return Scan::Partial,
                    Step::Invalid => return Scan::Invalid,
                }
            };
        }
        let mut at = step!(Self::literal(text, 0, "["));
        if at == text.len() {
            return Scan::Partial;
        }
        if text[at] == b']' {
            return if at + 1 == text.len() {
                Scan::Complete
            } else {
                Scan::Invalid
            };
        }
        let mut count = 0;
        loop {
            at = step!(Self::literal(text, at, OPEN));
            at = step!(self.kind(text, at));
            for field in FIELDS {
                at = step!(Self::literal(text, at, field));
                at = step!(self.span(text, at));
            }
            at = step!(Self::literal(text, at, CLOSE));
            count += 1;
            match text.get(at) {
                None => return Scan::Partial,
                Some(b']') => {
                    return if at + 1 == text.len() {
                        Scan::Complete
                    } else {
                        Scan::Invalid
                    }
                }
                Some(b',') if count < READER_PROPOSALS_MAX => at += 1,
                Some(_) => return Scan::Invalid,
            }
            if at == text.len() {
                return Scan::Partial;
            }
        }
    }
}

impl Constraint for ProposalGrammar {
    fn allows(&self, written: &[u8], piece: &[u8]) -> bool {
        if piece.is_empty() {
            return false;
        }
        // On the stack: the model's thread allocates nothing after warm-up.
        let length = written.len() + piece.len();
        if length > READER_ANSWER_BYTES_MAX {
            return false;
        }
        let mut text = [0u8; READER_ANSWER_BYTES_MAX];
        text[..written.len()].copy_from_slice(written);
        text[written.len()..length].copy_from_slice(piece);
        self.scan(&text[..length]) != Scan::Invalid
    }
    fn complete(&self, written: &[u8]) -> bool {
        self.scan(written) == Scan::Complete
    }
}

/// One proposal as the model wrote it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Proposal {
    pub fact: String,
    pub value: String,
    #[serde(rename = "where")]
    pub place: String,
    pub time: String,
}

/// The proposals of a complete answer, or `None` when the answer is not one.
pub fn parse(answer: &str, grammar: &ProposalGrammar) -> Option<Vec<Proposal>> {
    if grammar.scan(answer.as_bytes()) != Scan::Complete {
        return None;
    }
    serde_json::from_str(answer).ok()
}

/// Whether the utterance holds a clinical word (a lexicon concept that names a fact or a
/// body part), i.e. is worth a second reading when the rules filed nothing.
pub fn has_clinical_words(utterance: &str, lexicon: &Lexicon) -> bool {
    items(&normalise(utterance), lexicon)
        .iter()
        .any(|item| match &item.kind {
            ItemKind::Place(_) => true,
            ItemKind::Concept(c) => matches!(
                c,
                Concept::Mechanism(_)
                    | Concept::Injury(..)
                    | Concept::Tourniquet(_)
                    | Concept::Vital(_)
                    | Concept::Avpu(_)
                    | Concept::Treatment(_)
                    | Concept::Fluid(_)
                    | Concept::Medication(_)
            ),
            _ => false,
        })
}

fn read(span: &str, lexicon: &Lexicon) -> Vec<Item> {
    items(&normalise(span), lexicon)
}

fn number_in(span: &[Item]) -> Option<f64> {
    let mut found = span.iter().filter_map(|i| match &i.kind {
        ItemKind::Number(n) => Some(n.value),
        ItemKind::Quantity {
            value,
            unit: QuantityUnit::Percent,
        } => Some(*value),
        _ => None,
    });
    let first = found.next()?;
    // Two numbers in one value span cannot be told apart.
    found.next().is_none().then_some(first)
}

fn whole_in(span: &[Item], low: u32, high: u32) -> Option<u32> {
    let v = number_in(span)?;
    (v.fract() == 0.0 && v >= f64::from(low) && v <= f64::from(high)).then_some(v as u32)
}

fn time_in(span: &[Item]) -> Option<Clock> {
    span.iter().find_map(|i| match &i.kind {
        ItemKind::Clock(c) => Some(*c),
        ItemKind::Number(n) => n.as_clock(),
        _ => None,
    })
}

fn region_in(span: &[Item]) -> Option<Region> {
    let regions: Vec<Region> = span
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Place(p) => Some(p.regions()),
            _ => None,
        })
        .flatten()
        .collect();
    match regions.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

fn concept_in(span: &[Item], want: impl Fn(&Concept) -> bool) -> Option<Concept> {
    span.iter().find_map(|i| match &i.kind {
        ItemKind::Concept(c) if want(c) => Some(*c),
        _ => None,
    })
}

fn dose_unit(unit: QuantityUnit) -> Option<DoseUnit> {
    match unit {
        QuantityUnit::Mcg => Some(DoseUnit::Mcg),
        QuantityUnit::Mg => Some(DoseUnit::Mg),
        QuantityUnit::G => Some(DoseUnit::G),
        QuantityUnit::Ml => Some(DoseUnit::Ml),
        QuantityUnit::Units => Some(DoseUnit::Units),
        QuantityUnit::Percent => None,
    }
}

/// Reads one proposal into a fact with the extractor's normaliser and lexicon, or `None`
/// when it does not hold up: an unreadable or out-of-range value, a limb without a side,
/// or a drug, fluid or treatment the utterance does not name.
pub fn to_fact(proposal: &Proposal, utterance: &str, lexicon: &Lexicon) -> Option<Fact> {
    let value = read(&proposal.value, lexicon);
    let place = read(&proposal.place, lexicon);
    let time = time_in(&read(&proposal.time, lexicon));
    let said = read(utterance, lexicon);
    let vital = |value| Some(Fact::Vital { value, time });
    let (family, name) = proposal
        .fact
        .split_once(':')
        .unwrap_or((proposal.fact.as_str(), ""));
    match family {
        "pulse" => vital(VitalValue::Pulse(whole_in(&value, 20, 250)? as u16)),
        "resp_rate" => vital(VitalValue::RespRate(whole_in(&value, 4, 70)? as u16)),
        "spo2" => vital(VitalValue::Spo2(whole_in(&value, 50, 100)? as u8)),
        "pain" => vital(VitalValue::Pain(whole_in(&value, 0, 10)? as u8)),
        "blood_pressure" => value.iter().find_map(|i| match i.kind {
            ItemKind::Ratio(s, d) if (40..=260).contains(&s) && (20..s).contains(&d) => {
                Some(Fact::Vital {
                    value: VitalValue::BloodPressure {
                        systolic: s as u16,
                        diastolic: Some(d as u16),
                    },
                    time,
                })
            }
            _ => None,
        }),
        "avpu" => match concept_in(&value, |c| matches!(c, Concept::Avpu(_)))? {
            Concept::Avpu(level) => vital(VitalValue::Avpu(level)),
            _ => None,
        },
        "tourniquet" => {
            let limb = Limb::of_region(region_in(&place)?)?;
            let kind = match concept_in(&said, |c| matches!(c, Concept::Tourniquet(_))) {
                Some(Concept::Tourniquet(kind)) => kind,
                _ => TourniquetKind::Extremity,
            };
            Some(Fact::Tourniquet { limb, kind, time })
        }
        "injury" => match concept_in(&value, |c| matches!(c, Concept::Injury(..)))? {
            Concept::Injury(kind, _) => Some(Fact::Injury {
                region: region_in(&place)?,
                kind,
            }),
            _ => None,
        },
        "mechanism" => match concept_in(&value, |c| {
            matches!(c, Concept::Mechanism(_) | Concept::Injury(_, Some(_)))
        })? {
            Concept::Mechanism(m) | Concept::Injury(_, Some(m)) => Some(Fact::Mechanism(m)),
            _ => None,
        },
        "treatment" => {
            let kind = *TreatmentKind::ALL.iter().find(|k| k.as_str() == name)?;
            concept_in(&said, |c| *c == Concept::Treatment(kind))?;
            Some(Fact::Treatment {
                kind,
                site: region_in(&place),
                time,
            })
        }
        "fluid" => {
            let fluid = *FluidName::ALL.iter().find(|f| f.as_str() == name)?;
            concept_in(&said, |c| *c == Concept::Fluid(fluid))?;
            let volume_ml = value.iter().find_map(|i| match i.kind {
                ItemKind::Quantity {
                    value,
                    unit: QuantityUnit::Ml,
                } if value > 0.0 && value <= 10_000.0 && value.fract() == 0.0 => Some(value as u32),
                _ => None,
            });
            let route = match concept_in(&value, |c| matches!(c, Concept::Route(_))) {
                Some(Concept::Route(r)) => Some(r),
                _ => None,
            };
            Some(Fact::Fluid {
                name: fluid,
                volume_ml,
                route,
                time,
            })
        }
        "medication" => {
            let drug = lexicon::medication_name(name)?;
            concept_in(&said, |c| *c == Concept::Medication(drug))?;
            let (dose, unit) = value
                .iter()
                .find_map(|i| match i.kind {
                    ItemKind::Quantity { value, unit } if value > 0.0 => {
                        dose_unit(unit).map(|u| (Some(value), Some(u)))
                    }
                    _ => None,
                })
                .unwrap_or((None, None));
            let route = match concept_in(&value, |c| matches!(c, Concept::Route(_))) {
                Some(Concept::Route(r)) => Some(r),
                _ => None,
            };
            Some(Fact::Medication {
                name: drug,
                dose,
                unit,
                route,
                time,
            })
        }
        _ => None,
    }
}

/// The instructions and examples given to the model before the utterance.
const SYSTEM: &str = "You read one sentence a combat medic said and list the casualty facts \
it states as JSON. Copy every value exactly from the sentence. If it states no fact, answer [].\n\
Example: \"heart going about one forty\" -> \
[{\"fact\":\"pulse\",\"value\":\"one forty\",\"where\":\"\",\"time\":\"\"}]\n\
Example: \"cinched a cat high on the right thigh at 0910\" -> \
[{\"fact\":\"tourniquet\",\"value\":\"cat\",\"where\":\"right thigh\",\"time\":\"0910\"}]\n\
Example: \"pushed fifty of ketamine in the muscle\" -> \
[{\"fact\":\"medication:ketamine\",\"value\":\"fifty\",\"where\":\"\",\"time\":\"\"}]";

/// The whole prompt for one utterance in the chat layout of the model that answers,
/// ending where the answer starts.
pub fn prompt(utterance: &str, format: ChatFormat) -> String {
    let mut end = utterance.len().min(READER_UTTERANCE_BYTES_MAX);
    while !utterance.is_char_boundary(end) {
        end -= 1;
    }
    let user = format!("\"{}\"", utterance[..end].to_lowercase().replace('"', "'"));
    format.prompt(SYSTEM, &user)
}

/// What the reader did with one utterance.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reading {
    /// The model's answer as written.
    pub answer: String,
    /// Facts filed (unconfirmed), with their ids.
    pub filed: Vec<(FactId, Fact)>,
    /// Proposals that did not hold up.
    pub refused: usize,
}

/// Whether the reader should look at an utterance the rules read into `changes`.
pub fn should_read(text: &str, changes: &[Change], lexicon: &Lexicon) -> bool {
    !changes
        .iter()
        .any(|c| matches!(c, Change::Asserted(..) | Change::Corrected { .. }))
        && text.len() <= READER_UTTERANCE_BYTES_MAX
        && has_clinical_words(text, lexicon)
}

/// Reads utterance `index` again with the model and files what holds up as unconfirmed
/// facts (`Doubt::Proposed`) of the extractor's current casualty. Call it right after the
/// extractor read the utterance and only when [`should_read`] says so.
pub fn read_missed(
    generator: &mut dyn Generate,
    extractor: &mut Extractor,
    index: u32,
    text: &str,
    heard: (f64, f64),
) -> Result<Reading, UseError> {
    let grammar = ProposalGrammar::new(text);
    let mut answer = String::new();
    generator.generate(
        &prompt(text, generator.chat_format()),
        &grammar,
        READER_ANSWER_TOKENS_MAX,
        &mut answer,
    )?;
    file_answer(extractor, index, text, heard, &answer)
}

/// Checks the model's `answer` for utterance `index` and files what holds up (the second
/// half of [`read_missed`]; an answer outside the grammar files nothing).
pub fn file_answer(
    extractor: &mut Extractor,
    index: u32,
    text: &str,
    heard: (f64, f64),
    answer: &str,
) -> Result<Reading, UseError> {
    let casualty = extractor.current_casualty();
    file_answer_for(extractor, casualty, index, text, heard, answer)
}

/// As [`file_answer`], for casualty `casualty` (the one current when the utterance was
/// heard: an answer that comes later, `reading::Readings`, files under it).
pub fn file_answer_for(
    extractor: &mut Extractor,
    casualty: CasualtyId,
    index: u32,
    text: &str,
    heard: (f64, f64),
    answer: &str,
) -> Result<Reading, UseError> {
    let lexicon = Lexicon::new();
    let grammar = ProposalGrammar::new(text);
    let mut reading = Reading {
        answer: answer.to_owned(),
        ..Reading::default()
    };
    let Some(proposals) = parse(answer, &grammar) else {
        return Ok(reading);
    };
    let chars = text.chars().count() as u32;
    for proposal in &proposals {
        let Some(fact) = to_fact(proposal, text, &lexicon) else {
            reading.refused += 1;
            continue;
        };
        if reading.filed.iter().any(|(_, f)| *f == fact) {
            continue;
        }
        let provenance = Provenance {
            utterance: index,
            char_start: 0,
            char_end: chars,
            heard_start_s: heard.0,
            heard_end_s: heard.1,
            confidence: 0.5,
            doubt: Some(Doubt::Proposed),
            lexicon: lexicon.version(),
        };
        let id = extractor
            .file_proposed(casualty, fact.clone(), provenance)
            .map_err(|e| UseError::Record(e.to_string()))?;
        reading.filed.push((id, fact));
    }
    Ok(reading)
}
