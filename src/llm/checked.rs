//! The checker of model-written prose: a paragraph about one casualty keeps only the
//! sentences whose every checkable value is in that casualty's record.
//!
//! A sentence is read twice, with the extractor's own machinery, so that spoken and
//! written forms and the lexicon's synonyms count the same ("one twenty" is 120, "1410"
//! and "14:10" are the same time, "thigh" is the leg, "TXA" is tranexamic acid):
//!
//! 1. *Values*: every number, quantity, clock time, ratio, drug, fluid, route, body place,
//!    side, mechanism, injury, treatment, vital sign, AVPU level, sex, evacuation category
//!    and casualty number the sentence mentions must be one the record holds; a
//!    capitalised word inside the sentence that is neither known to the lexicon nor part
//!    of the casualty's name is taken as an invented name.
//! 2. *Facts*: the extractor reads the sentence as if it were narration; every fact it
//!    files must be a fact of the record (a time may be left out, not changed), and the
//!    sentence may neither name another casualty nor correct anything.
//!
//! A sentence that fails either reading is dropped whole, with the reason. The checker
//! errs towards dropping: a negated mention ("no tourniquet was needed") of something the
//! record does not hold is dropped too.

use crate::extract::items::{items, ItemKind};
use crate::extract::lexicon::{Concept, Lexicon, Part, Side, VitalCue};
use crate::extract::normalise::{normalise, QuantityUnit};
use crate::extract::{Change, Extractor, ExtractorConfig};
use crate::limits::{HANDOVER_ANSWER_BYTES_MAX, HANDOVER_SENTENCES_MAX};
use crate::record::{
    CasualtyField, CasualtyId, CasualtyRecord, Clock, DoseUnit, Fact, FluidName, Limb, Region,
    Route, TreatmentKind, VitalValue, VitalsSet,
};

/// What can go wrong in a checked use of the model.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UseError {
    /// No model is configured or it could not be loaded.
    #[error("no language model: {0}; set [llm] model in the configuration (see README)")]
    NoModel(String),
    /// The model failed while writing.
    #[error("the language model failed while writing: {0}")]
    Generation(String),
    /// The record refused a proposed fact.
    #[error("cannot file the reader's proposal: {0}")]
    Record(String),
    /// The casualty asked for is not in the record.
    #[error("no casualty {0} in the record")]
    NoCasualty(u8),
}

/// Writes text for a prompt under a constraint: what the runtime (`Llm`) offers the checked
/// uses. `out` receives the text written (appended); at most `max_tokens` tokens.
pub trait Generate {
    fn generate(
        &mut self,
        prompt: &str,
        constraint: &dyn super::Constraint,
        max_tokens: usize,
        out: &mut String,
    ) -> Result<(), UseError>;

    /// The chat layout of the model that answers (the prompt is written in it).
    fn chat_format(&self) -> super::ChatFormat;
}

/// Opens the language model at `path` for the checked uses (tccc's runtime, `Llm`).
pub fn open_generator(path: &std::path::Path) -> Result<Box<dyn Generate + Send>, UseError> {
    if !path.is_file() {
        return Err(UseError::NoModel(format!(
            "{} is not a file (run models/fetch)",
            path.display()
        )));
    }
    let llm = super::Llm::load(path).map_err(|e| UseError::NoModel(e.to_string()))?;
    Ok(Box::new(llm))
}

impl Generate for super::Llm {
    fn generate(
        &mut self,
        prompt: &str,
        constraint: &dyn super::Constraint,
        max_tokens: usize,
        out: &mut String,
    ) -> Result<(), UseError> {
        super::Llm::generate(self, prompt, constraint, max_tokens, out)
            .map(|_| ())
            .map_err(|e| UseError::Generation(e.to_string()))
    }

    fn chat_format(&self) -> super::ChatFormat {
        super::Llm::chat_format(self)
    }
}

/// Why a sentence was dropped.
#[derive(Clone, Debug, PartialEq)]
pub enum DropReason {
    /// A value (number, time, drug, place…) the record does not hold; the text says which.
    NotInRecord(String),
    /// The extractor read a fact from the sentence that the record does not hold.
    FactNotInRecord(String),
    /// The sentence names another casualty.
    OtherCasualty(String),
    /// A capitalised word that is not the casualty's name nor a known term.
    UnknownName(String),
    /// The sentence states nothing the record holds (filler, or invented prose with no
    /// value to check): a handover sentence must retell at least one recorded value.
    NothingFromRecord,
    /// The same sentence was already kept (a model repeating itself).
    Repeated,
    /// The paragraph had more sentences than `HANDOVER_SENTENCES_MAX`.
    TooMany,
}

impl std::fmt::Display for DropReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DropReason::NotInRecord(what) => write!(f, "{what} is not in the record"),
            DropReason::FactNotInRecord(fact) => write!(f, "fact `{fact}` is not in the record"),
            DropReason::OtherCasualty(what) => write!(f, "names {what}"),
            DropReason::UnknownName(word) => write!(f, "unknown name `{word}`"),
            DropReason::NothingFromRecord => f.write_str("states nothing from the record"),
            DropReason::Repeated => f.write_str("repeats a kept sentence"),
            DropReason::TooMany => f.write_str("too many sentences"),
        }
    }
}

/// A paragraph after checking: the sentences kept, in order, and those dropped with why.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checked {
    pub kept: Vec<String>,
    pub dropped: Vec<(String, DropReason)>,
}

impl Checked {
    /// The kept sentences as one paragraph.
    pub fn paragraph(&self) -> String {
        self.kept.join(" ")
    }
}

/// Splits text into sentences: a sentence ends at `.`, `!` or `?` followed by white space
/// or the end, or at a line break. A dot between digits ("0.5") or after a one-letter
/// abbreviation inside a word group ("p.o.") does not end a sentence. Sentences are
/// trimmed; empty ones are left out.
pub fn sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '\n' || c == '\r' {
            push_sentence(&mut out, &mut current);
            continue;
        }
        current.push(c);
        if matches!(c, '.' | '!' | '?') {
            let next = chars.get(i + 1).copied();
            let ends = next.is_none_or(char::is_whitespace);
            if ends {
                push_sentence(&mut out, &mut current);
            }
        }
    }
    push_sentence(&mut out, &mut current);
    out
}

fn push_sentence(out: &mut Vec<String>, current: &mut String) {
    let trimmed = current.trim();
    if trimmed.chars().any(char::is_alphanumeric) {
        out.push(trimmed.to_owned());
    }
    current.clear();
}

/// What one casualty's record allows a sentence to mention.
#[derive(Debug, Default)]
struct Allowed {
    casualty: CasualtyId,
    /// Every number the record holds (vital values, volumes, doses, last four).
    numbers: Vec<f64>,
    clocks: Vec<Clock>,
    /// Blood pressures as systolic/diastolic, and pain as n/10.
    ratios: Vec<(u32, u32)>,
    drugs: Vec<&'static str>,
    fluids: Vec<FluidName>,
    routes: Vec<Route>,
    regions: Vec<Region>,
    parts: Vec<Part>,
    sides: Vec<Side>,
    facts: Vec<Fact>,
    record: CasualtyRecord,
    /// Lower-case words of the casualty's name.
    name_words: Vec<String>,
}

fn unit_of(unit: DoseUnit) -> QuantityUnit {
    match unit {
        DoseUnit::Mcg => QuantityUnit::Mcg,
        DoseUnit::Mg => QuantityUnit::Mg,
        DoseUnit::G => QuantityUnit::G,
        DoseUnit::Ml => QuantityUnit::Ml,
        DoseUnit::Units => QuantityUnit::Units,
    }
}

fn part_of_region(region: Region) -> Part {
    use Region as R;
    match region {
        R::Head => Part::Head,
        R::Face => Part::Face,
        R::Neck => Part::Neck,
        R::LeftChest | R::RightChest => Part::Chest,
        R::Abdomen => Part::Abdomen,
        R::Pelvis => Part::Pelvis,
        R::Back => Part::Back,
        R::LeftAxilla | R::RightAxilla => Part::Axilla,
        R::LeftGroin | R::RightGroin => Part::Groin,
        R::LeftArm | R::RightArm => Part::Arm,
        R::LeftLeg | R::RightLeg => Part::Leg,
    }
}

fn side_of_region(region: Region) -> Option<Side> {
    use Region as R;
    match region {
        R::LeftChest | R::LeftAxilla | R::LeftGroin | R::LeftArm | R::LeftLeg => Some(Side::Left),
        R::RightChest | R::RightAxilla | R::RightGroin | R::RightArm | R::RightLeg => {
            Some(Side::Right)
        }
        _ => None,
    }
}

fn region_of_limb(limb: Limb) -> Region {
    match limb {
        Limb::LeftArm => Region::LeftArm,
        Limb::RightArm => Region::RightArm,
        Limb::LeftLeg => Region::LeftLeg,
        Limb::RightLeg => Region::RightLeg,
    }
}

/// The body part a treatment is done on when its site was not said.
fn implied_part(kind: TreatmentKind) -> Option<Part> {
    match kind {
        TreatmentKind::NeedleDecompression
        | TreatmentKind::ChestTube
        | TreatmentKind::ChestSeal => Some(Part::Chest),
        TreatmentKind::Cric => Some(Part::Neck),
        TreatmentKind::EyeShield => Some(Part::Face),
        _ => None,
    }
}

fn vital_facts(set: &VitalsSet) -> Vec<Fact> {
    let mut values = Vec::new();
    if let Some(v) = set.pulse {
        values.push(VitalValue::Pulse(v));
    }
    if let Some(s) = set.bp_systolic {
        values.push(VitalValue::BloodPressure {
            systolic: s,
            diastolic: set.bp_diastolic,
        });
    }
    if let Some(v) = set.resp_rate {
        values.push(VitalValue::RespRate(v));
    }
    if let Some(v) = set.spo2 {
        values.push(VitalValue::Spo2(v));
    }
    if let Some(v) = set.avpu {
        values.push(VitalValue::Avpu(v));
    }
    if let Some(v) = set.pain {
        values.push(VitalValue::Pain(v));
    }
    values
        .into_iter()
        .map(|value| Fact::Vital {
            value,
            time: set.time,
        })
        .collect()
}

/// The facts a casualty's card shows, rebuilt from its entries.
pub fn record_facts(c: &CasualtyRecord) -> Vec<Fact> {
    let mut facts = Vec::new();
    facts.extend(c.sex.map(Fact::Sex));
    facts.extend(c.evac_category.map(Fact::Evac));
    facts.extend(c.allergies.iter().cloned().map(Fact::Allergy));
    facts.extend(c.name.clone().map(Fact::Name));
    facts.extend(c.last4.clone().map(Fact::Last4));
    facts.extend(c.battle_roster.clone().map(Fact::BattleRoster));
    facts.extend(c.mechanisms.iter().copied().map(Fact::Mechanism));
    facts.extend(c.injuries.iter().map(|i| Fact::Injury {
        region: i.region,
        kind: i.kind,
    }));
    facts.extend(c.tourniquets.iter().map(|t| Fact::Tourniquet {
        limb: t.limb,
        kind: t.kind,
        time: t.time,
    }));
    for set in &c.vitals {
        facts.extend(vital_facts(set));
    }
    facts.extend(c.treatments.iter().map(|t| Fact::Treatment {
        kind: t.kind,
        site: t.site,
        time: t.time,
    }));
    facts.extend(c.fluids.iter().map(|f| Fact::Fluid {
        name: f.name,
        volume_ml: f.volume_ml,
        route: f.route,
        time: f.time,
    }));
    facts.extend(c.medications.iter().map(|m| Fact::Medication {
        name: m.name,
        dose: m.dose,
        unit: m.unit,
        route: m.route,
        time: m.time,
    }));
    facts
}

impl Allowed {
    fn of(c: &CasualtyRecord) -> Allowed {
        let mut a = Allowed {
            casualty: c.id,
            record: c.clone(),
            facts: record_facts(c),
            ..Allowed::default()
        };
        let mut regions: Vec<Region> = c.injuries.iter().map(|i| i.region).collect();
        regions.extend(c.tourniquets.iter().map(|t| region_of_limb(t.limb)));
        regions.extend(c.treatments.iter().filter_map(|t| t.site));
        a.parts = regions.iter().map(|r| part_of_region(*r)).collect();
        a.parts
            .extend(c.treatments.iter().filter_map(|t| implied_part(t.kind)));
        a.sides = regions.iter().filter_map(|r| side_of_region(*r)).collect();
        a.regions = regions;
        for set in &c.vitals {
            a.clocks.extend(set.time);
            for v in [set.pulse, set.bp_systolic, set.bp_diastolic, set.resp_rate]
                .into_iter()
                .flatten()
            {
                a.numbers.push(f64::from(v));
            }
            if let Some(v) = set.spo2 {
                a.numbers.push(f64::from(v));
            }
            if let Some(v) = set.pain {
                a.numbers.push(f64::from(v));
                a.ratios.push((u32::from(v), 10));
            }
            if let (Some(s), Some(d)) = (set.bp_systolic, set.bp_diastolic) {
                a.ratios.push((u32::from(s), u32::from(d)));
            }
        }
        for t in &c.tourniquets {
            a.clocks.extend(t.time);
        }
        for t in &c.treatments {
            a.clocks.extend(t.time);
        }
        for f in &c.fluids {
            a.clocks.extend(f.time);
            a.fluids.push(f.name);
            a.routes.extend(f.route);
            if let Some(v) = f.volume_ml {
                a.numbers.push(f64::from(v));
            }
        }
        for m in &c.medications {
            a.clocks.extend(m.time);
            a.drugs.push(m.name);
            a.routes.extend(m.route);
            if let Some(d) = m.dose {
                a.numbers.push(d);
            }
        }
        if let Some(last4) = c.last4.as_deref().and_then(|l| l.parse::<f64>().ok()) {
            a.numbers.push(last4);
        }
        a.name_words = c
            .name
            .iter()
            .chain(c.battle_roster.iter())
            .flat_map(|n| n.split(|ch: char| !ch.is_alphanumeric()))
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        a
    }

    fn has_number(&self, value: f64) -> bool {
        self.numbers.iter().any(|n| (n - value).abs() < 1e-6)
    }

    /// Whether `value` is a value the record holds for `cue` (a sign or a drug's dose).
    fn value_of(&self, cue: &Concept, value: f64) -> bool {
        let is = |v: Option<u16>| v.is_some_and(|v| (f64::from(v) - value).abs() < 1e-6);
        let is8 = |v: Option<u8>| v.is_some_and(|v| (f64::from(v) - value).abs() < 1e-6);
        let sets = &self.record.vitals;
        match cue {
            Concept::Vital(VitalCue::Pulse) => sets.iter().any(|s| is(s.pulse)),
            Concept::Vital(VitalCue::RespRate) => sets.iter().any(|s| is(s.resp_rate)),
            Concept::Vital(VitalCue::BloodPressure) => {
                sets.iter().any(|s| is(s.bp_systolic) || is(s.bp_diastolic))
            }
            Concept::Vital(VitalCue::Spo2) => sets.iter().any(|s| is8(s.spo2)),
            Concept::Vital(VitalCue::Pain) => sets.iter().any(|s| is8(s.pain)),
            Concept::Medication(name) => self
                .record
                .medications
                .iter()
                .any(|m| m.name == *name && m.dose.is_some_and(|d| (d - value).abs() < 1e-6)),
            Concept::Fluid(name) => self.record.fluids.iter().any(|f| {
                f.name == *name
                    && f.volume_ml
                        .is_some_and(|v| (f64::from(v) - value).abs() < 1e-6)
            }),
            _ => self.has_number(value),
        }
    }

    /// Whether the record holds `value unit` as `owner`'s dose, volume or SpO2.
    fn quantity_of(&self, owner: &Concept, value: f64, unit: QuantityUnit) -> bool {
        let same = |v: f64, u: QuantityUnit| {
            u == unit && (v - value).abs() < 1e-6
                || (u, unit) == (QuantityUnit::G, QuantityUnit::Mg)
                    && (v * 1000.0 - value).abs() < 1e-6
                || (u, unit) == (QuantityUnit::Mg, QuantityUnit::G)
                    && (v - value * 1000.0).abs() < 1e-6
        };
        match owner {
            Concept::Medication(name) => self.record.medications.iter().any(|m| {
                m.name == *name
                    && matches!((m.dose, m.unit), (Some(d), Some(u)) if same(d, unit_of(u)))
            }),
            Concept::Fluid(name) => self.record.fluids.iter().any(|f| {
                f.name == *name
                    && f.volume_ml
                        .is_some_and(|v| same(f64::from(v), QuantityUnit::Ml))
            }),
            Concept::Vital(VitalCue::Spo2) => self.record.vitals.iter().any(|s| {
                s.spo2
                    .is_some_and(|v| same(f64::from(v), QuantityUnit::Percent))
            }),
            _ => false,
        }
    }

    fn has_vital(&self, cue: VitalCue) -> bool {
        let v = &self.record.vitals;
        match cue {
            VitalCue::Pulse => v.iter().any(|s| s.pulse.is_some()),
            VitalCue::BloodPressure => v.iter().any(|s| s.bp_systolic.is_some()),
            VitalCue::RespRate => v.iter().any(|s| s.resp_rate.is_some()),
            VitalCue::Spo2 => v.iter().any(|s| s.spo2.is_some()),
            VitalCue::Pain => v.iter().any(|s| s.pain.is_some()),
            VitalCue::Avpu => v.iter().any(|s| s.avpu.is_some()),
            VitalCue::Set => !v.is_empty(),
            VitalCue::Unrecorded => false,
        }
    }

    /// Why `concept` may not be mentioned, or `None` when the record holds it.
    fn concept_problem(&self, concept: &Concept) -> Option<String> {
        let c = &self.record;
        let ok = match concept {
            Concept::Mechanism(m) => c.mechanisms.contains(m),
            Concept::Injury(kind, mechanism) => {
                c.injuries.iter().any(|i| i.kind == *kind)
                    || mechanism.is_some_and(|m| c.mechanisms.contains(&m))
            }
            Concept::Tourniquet(kind) => c.tourniquets.iter().any(|t| t.kind == *kind),
            Concept::Treatment(kind) => c.treatments.iter().any(|t| t.kind == *kind),
            Concept::Fluid(name) => self.fluids.contains(name),
            Concept::Medication(name) => self.drugs.contains(name),
            Concept::Route(route) => self.routes.contains(route),
            Concept::Vital(cue) => self.has_vital(*cue),
            Concept::Avpu(level) => c.vitals.iter().any(|s| s.avpu == Some(*level)),
            Concept::Sex(sex) => c.sex == Some(*sex),
            Concept::Evac(evac) => c.evac_category == Some(*evac),
            Concept::Allergy => !c.allergies.is_empty(),
            Concept::NoKnownAllergies => c.allergies.iter().any(|a| a == "nkda"),
            Concept::Last4Cue => c.last4.is_some(),
            Concept::RosterCue => c.battle_roster.is_some(),
            Concept::NameCue | Concept::RankCue => c.name.is_some(),
            // A whole group of casualties, or another one, is not this casualty's story.
            Concept::AllCasualties | Concept::Group => false,
            _ => true,
        };
        (!ok).then(|| concept_name(concept))
    }
}

fn concept_name(concept: &Concept) -> String {
    match concept {
        Concept::Mechanism(m) => format!("mechanism {m}"),
        Concept::Injury(kind, _) => format!("injury {kind}"),
        Concept::Tourniquet(kind) => format!("{kind} tourniquet"),
        Concept::Treatment(kind) => format!("treatment {kind}"),
        Concept::Fluid(name) => format!("fluid {name}"),
        Concept::Medication(name) => format!("drug {name}"),
        Concept::Route(route) => format!("route {route}"),
        Concept::Vital(cue) => format!("vital sign {cue:?}"),
        Concept::Avpu(level) => format!("AVPU {level}"),
        Concept::Sex(sex) => format!("sex {sex}"),
        Concept::Evac(evac) => format!("evacuation category {evac}"),
        other => format!("{other:?}"),
    }
}

/// Checks `paragraph`, written about `casualty`, against its record: sentences that state
/// nothing absent from the record are kept. The paragraph is cut at
/// `HANDOVER_ANSWER_BYTES_MAX` bytes and `HANDOVER_SENTENCES_MAX` sentences first.
pub fn check_paragraph(paragraph: &str, casualty: &CasualtyRecord) -> Checked {
    let allowed = Allowed::of(casualty);
    let lexicon = Lexicon::new();
    let mut end = paragraph.len().min(HANDOVER_ANSWER_BYTES_MAX);
    while !paragraph.is_char_boundary(end) {
        end -= 1;
    }
    let mut checked = Checked::default();
    for (n, sentence) in sentences(&paragraph[..end]).into_iter().enumerate() {
        let verdict = if n >= HANDOVER_SENTENCES_MAX {
            Some(DropReason::TooMany)
        } else if checked.kept.contains(&sentence) {
            Some(DropReason::Repeated)
        } else {
            check_values(&sentence, &allowed, &lexicon).or_else(|| check_facts(&sentence, &allowed))
        };
        match verdict {
            None => checked.kept.push(sentence),
            Some(reason) => checked.dropped.push((sentence, reason)),
        }
    }
    checked
}

/// The sentence's problem, or `None` when the record holds every value it states.
pub fn check_sentence(sentence: &str, casualty: &CasualtyRecord) -> Option<DropReason> {
    let allowed = Allowed::of(casualty);
    let lexicon = Lexicon::new();
    check_values(sentence, &allowed, &lexicon).or_else(|| check_facts(sentence, &allowed))
}

fn check_values(sentence: &str, allowed: &Allowed, lexicon: &Lexicon) -> Option<DropReason> {
    use DropReason::{NotInRecord, OtherCasualty};
    let tokens = normalise(sentence);
    // Sides: the item reader drops a side that names no part ("on the right"), so they are
    // looked for in the words.
    for token in &tokens {
        let Some(word) = token.word() else { continue };
        if let Some(m) = lexicon.longest_match(&[Some(word)]) {
            if let Concept::Side(side @ (Side::Left | Side::Right)) = m.concept {
                if m.words == 1 && !allowed.sides.contains(&side) {
                    return Some(NotInRecord(format!("side {}", word)));
                }
            }
        }
    }
    let read = items(&tokens, lexicon);
    // Values of the record the sentence retells (each checked below).
    let mut anchors = 0;
    let mut i = 0;
    while i < read.len() {
        let item = &read[i];
        anchors += usize::from(match &item.kind {
            ItemKind::Concept(c) => is_value(c),
            ItemKind::Word(_) | ItemKind::Comma | ItemKind::Stop => false,
            _ => true,
        });
        match &item.kind {
            ItemKind::Concept(Concept::Casualty) | ItemKind::Concept(Concept::Ordinal(_)) => {
                // "casualty two", "casualty number two", "the second casualty".
                let ordinal = match item.kind {
                    ItemKind::Concept(Concept::Ordinal(n)) => Some(u32::from(n)),
                    _ => None,
                };
                let next = read.get(i + 1).map(|x| &x.kind);
                let after_number = match read.get(i + 1).map(|x| &x.kind) {
                    Some(ItemKind::Word(w)) if w == "number" => read.get(i + 2).map(|x| &x.kind),
                    other => other,
                };
                let named = match (ordinal, next, after_number) {
                    (Some(n), Some(ItemKind::Concept(Concept::Casualty)), _) => Some(n),
                    (None, _, Some(ItemKind::Number(n))) => n.as_integer(),
                    (None, _, Some(ItemKind::Concept(Concept::Ordinal(n)))) => Some(u32::from(*n)),
                    _ => None,
                };
                if let Some(n) = named {
                    if n != u32::from(allowed.casualty) {
                        return Some(OtherCasualty(format!("casualty {n}")));
                    }
                    // The number is the casualty's, not a value; naming the casualty
                    // retells the record.
                    anchors += 1;
                    i += if matches!(next, Some(ItemKind::Word(w)) if w == "number") {
                        3
                    } else {
                        2
                    };
                    continue;
                }
            }
            ItemKind::Concept(Concept::Another) => {
                if matches!(
                    read.get(i + 1).map(|x| &x.kind),
                    Some(ItemKind::Concept(Concept::Casualty))
                ) {
                    return Some(OtherCasualty("another casualty".to_owned()));
                }
            }
            ItemKind::Concept(concept) => {
                if let Some(what) = allowed.concept_problem(concept) {
                    return Some(NotInRecord(what));
                }
            }
            ItemKind::Place(place) => {
                let regions = place.regions();
                if regions.is_empty() {
                    if !allowed.parts.contains(&place.part) {
                        return Some(NotInRecord(format!("{:?}", place.part).to_lowercase()));
                    }
                } else if let Some(r) = regions.iter().find(|r| !allowed.regions.contains(r)) {
                    return Some(NotInRecord(format!("region {r}")));
                }
            }
            ItemKind::Number(n) => {
                let as_time = n.as_clock().filter(|c| allowed.clocks.contains(c));
                // A number must follow the sign or drug it measures ("pulse 124"); alone
                // ("one short paragraph") it may only be a recorded time or last four.
                let bound = match cue_before(&read, i) {
                    Some(cue) => allowed.value_of(&cue, n.value),
                    None => allowed.record.last4.as_deref() == Some(n.digits.as_str()),
                };
                if !bound && as_time.is_none() {
                    return Some(NotInRecord(format!("number {}", n.value)));
                }
            }
            ItemKind::Quantity { value, unit } => {
                // A dose or volume must be said with its drug or fluid, and be theirs.
                let owners: Vec<Concept> = read
                    .iter()
                    .filter_map(|x| match x.kind {
                        ItemKind::Concept(
                            c @ (Concept::Medication(_) | Concept::Fluid(_) | Concept::Vital(_)),
                        ) => Some(c),
                        _ => None,
                    })
                    .collect();
                if !owners.iter().any(|c| allowed.quantity_of(c, *value, *unit)) {
                    return Some(NotInRecord(format!(
                        "quantity {value} {unit:?} with what it measures"
                    )));
                }
            }
            ItemKind::Clock(c) => {
                if !allowed.clocks.contains(c) {
                    return Some(NotInRecord(format!("time {c}")));
                }
            }
            ItemKind::Ratio(a, b) => {
                if !allowed.ratios.contains(&(*a, *b)) {
                    return Some(NotInRecord(format!("{a}/{b}")));
                }
            }
            ItemKind::Word(_) => {
                if let Some(word) = invented_name(sentence, item.start, item.end, allowed) {
                    return Some(DropReason::UnknownName(word));
                }
            }
            ItemKind::Comma | ItemKind::Stop => {}
        }
        i += 1;
    }
    (anchors == 0).then_some(DropReason::NothingFromRecord)
}

/// The nearest sign or drug before item `i` in its clause, whose value a number is.
fn cue_before(read: &[crate::extract::items::Item], i: usize) -> Option<Concept> {
    read[..i]
        .iter()
        .rev()
        .take_while(|x| !matches!(x.kind, ItemKind::Comma | ItemKind::Stop))
        .find_map(|x| match x.kind {
            ItemKind::Concept(
                c @ (Concept::Vital(
                    VitalCue::Pulse
                    | VitalCue::RespRate
                    | VitalCue::BloodPressure
                    | VitalCue::Spo2
                    | VitalCue::Pain,
                )
                | Concept::Medication(_)
                | Concept::Fluid(_)),
            ) => Some(c),
            _ => None,
        })
}

/// Whether a concept names a value a card holds (not a cue word such as "at" or "no").
fn is_value(c: &Concept) -> bool {
    matches!(
        c,
        Concept::Side(_)
            | Concept::Part(_)
            | Concept::Mechanism(_)
            | Concept::Injury(..)
            | Concept::Tourniquet(_)
            | Concept::Vital(_)
            | Concept::Avpu(_)
            | Concept::Treatment(_)
            | Concept::Fluid(_)
            | Concept::Medication(_)
            | Concept::Route(_)
            | Concept::Sex(_)
            | Concept::Evac(_)
            | Concept::Allergy
            | Concept::NoKnownAllergies
    )
}

/// The word at characters `start..end` when it is capitalised, not the sentence's first
/// word, and not a word of the casualty's name: an invented name.
fn invented_name(sentence: &str, start: u32, end: u32, allowed: &Allowed) -> Option<String> {
    let word: String = sentence
        .chars()
        .skip(start as usize)
        .take(end.saturating_sub(start) as usize)
        .collect();
    let first = word.chars().next()?;
    let sentence_start = sentence
        .chars()
        .take(start as usize)
        .all(|c| !c.is_alphanumeric());
    let capitalised = first.is_uppercase() && word.chars().skip(1).any(char::is_lowercase);
    if !capitalised || sentence_start {
        return None;
    }
    let lower = word.to_lowercase();
    let known = allowed.name_words.contains(&lower) || COMMON_CAPITALISED.contains(&lower.as_str());
    (!known).then_some(word)
}

/// Capitalised words a handover may use that name no one.
const COMMON_CAPITALISED: &[&str] = &[
    "mist",
    "tccc",
    "march",
    "medevac",
    "casevac",
    "role",
    "i",
    "mechanism",
    "injuries",
    "injury",
    "signs",
    "symptoms",
    "treatment",
    "treatments",
    "the",
    "he",
    "she",
    "they",
];

/// Whether the record holds `fact` (a time said must be the time recorded; a time not
/// said is fine; an optional part not said is fine): the extractor's `subsumes`, with a
/// blood pressure said without its diastolic, NKDA and an unconfirmed name as well.
fn fact_in_record(fact: &Fact, allowed: &Allowed) -> bool {
    allowed.facts.iter().any(|known| match (fact, known) {
        (
            Fact::Vital {
                value:
                    VitalValue::BloodPressure {
                        systolic,
                        diastolic: None,
                    },
                time,
            },
            Fact::Vital {
                value: VitalValue::BloodPressure { systolic: s, .. },
                time: t,
            },
        ) => systolic == s && (time.is_none() || time == t),
        (Fact::Allergy(a), _) if a == "nkda" => allowed.record.allergies.iter().any(|x| x == a),
        (Fact::Name(_), Fact::Name(_)) => {
            allowed.record.is_unconfirmed(CasualtyField::Name) || fact == known
        }
        (Fact::Vital { value, time }, Fact::Vital { value: v, time: t }) => {
            value == v && (time.is_none() || time == t)
        }
        _ => crate::extract::subsumes(known, fact),
    })
}

fn check_facts(sentence: &str, allowed: &Allowed) -> Option<DropReason> {
    let mut extractor = Extractor::new(ExtractorConfig {
        first_casualty: allowed.casualty,
        ..ExtractorConfig::default()
    });
    let changes = match extractor.push_utterance(0, sentence, 0.0, 0.0) {
        Ok(changes) => changes,
        Err(error) => return Some(DropReason::FactNotInRecord(error.to_string())),
    };
    for change in changes {
        match change {
            Change::Switched(c) if c != allowed.casualty => {
                return Some(DropReason::OtherCasualty(format!("casualty {c}")));
            }
            Change::Switched(_) => {}
            Change::Asserted(c, _) if c != allowed.casualty => {
                return Some(DropReason::OtherCasualty(format!("casualty {c}")));
            }
            Change::Asserted(_, fact) => {
                if !fact_in_record(&fact, allowed) {
                    return Some(DropReason::FactNotInRecord(fact.to_string()));
                }
            }
            Change::Corrected { old, .. } => {
                return Some(DropReason::FactNotInRecord(format!(
                    "a correction of {old}"
                )));
            }
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_at_stops_not_decimals() {
        assert_eq!(
            sentences("Gave 0.5 mg. Then TXA! Stable?  Yes\nNext line"),
            vec!["Gave 0.5 mg.", "Then TXA!", "Stable?", "Yes", "Next line"]
        );
        assert!(sentences(" . .. \n").is_empty());
    }
}
