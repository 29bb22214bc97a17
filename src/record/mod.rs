//! The casualty record as an append-only log of events (fact asserted, fact corrected,
//! casualty switched, fact confirmed or rejected by the medic), each with its provenance.
//! The record the card shows is a projection of the log: a correction or a rejection takes
//! a fact off the card but never removes it from the log, so what was said stays auditable.
//!
//! Trust: a fact asserted with a `Provenance::doubt` is *unconfirmed*; the projection marks
//! it (`unconfirmed` on items, `unconfirmed_fields` on the casualty) until a `Confirmed`
//! event names it. A `Rejected` event takes it off the card. Of several confirmations and
//! rejections of one fact the latest holds (the medic may undo a mistaken press).
//!
//! This module may not interpret language; it only stores and projects facts.

mod document;
mod replay;
mod types;

pub use document::{CasualtyDocument, RecordDocument, UtteranceDocument, VitalsDocument};
pub use types::*;

use crate::limits::RECORD_EVENTS_MAX;
use thiserror::Error;

/// What can go wrong while appending to the record.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RecordError {
    /// The log holds `RECORD_EVENTS_MAX` events; nothing more can be recorded.
    #[error("the casualty record is full ({0} events); export it and start a new record")]
    Full(usize),
    /// A correction, confirmation or rejection named a fact that was never asserted (a bug
    /// in the caller, or a console naming a fact of another record).
    #[error("fact {0} was never asserted in this record; this is a bug in tccc")]
    UnknownFact(u32),
}

/// Where a fact came from: which utterance, which characters of it, when it was heard, and
/// how sure the extractor is of it (1.0 for an exact lexicon match, less for a fuzzy one).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Provenance {
    /// 0-based index of the utterance in the input.
    pub utterance: u32,
    /// First character (not byte) of the words the fact was read from.
    pub char_start: u32,
    /// One past the last character.
    pub char_end: u32,
    /// Seconds from the start of the input when the utterance began.
    pub heard_start_s: f64,
    /// Seconds from the start of the input when the utterance ended.
    pub heard_end_s: f64,
    /// 0.0 to 1.0.
    pub confidence: f32,
    /// Why the fact is filed unconfirmed, or `None` when nothing casts doubt on it.
    pub doubt: Option<Doubt>,
    /// The version of the lexicon the fact was read with ("lexicon/2"), or "" when it
    /// came from no lexicon (e.g. a console action).
    pub lexicon: &'static str,
}

/// Identifies one asserted fact in the log.
pub type FactId = u32;

/// One entry of the log.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// Later facts are about this casualty.
    CasualtySwitched {
        casualty: CasualtyId,
        provenance: Provenance,
    },
    /// A fact was said.
    Asserted {
        id: FactId,
        casualty: CasualtyId,
        fact: Fact,
        provenance: Provenance,
    },
    /// A fact was corrected: it no longer shows in the record. `by` is the fact that replaces
    /// it, or `None` when it was withdrawn ("scratch that").
    Corrected {
        superseded: FactId,
        by: Option<FactId>,
        provenance: Provenance,
    },
    /// The medic confirmed a fact: it loses its unconfirmed mark (and is back on the card
    /// if it had been rejected).
    Confirmed { id: FactId, provenance: Provenance },
    /// The medic rejected a fact: it leaves the card; the log keeps it.
    Rejected { id: FactId, provenance: Provenance },
}

impl Event {
    /// Where and when the event was heard (every event has a provenance).
    pub fn provenance(&self) -> &Provenance {
        match self {
            Event::CasualtySwitched { provenance, .. }
            | Event::Asserted { provenance, .. }
            | Event::Corrected { provenance, .. }
            | Event::Confirmed { provenance, .. }
            | Event::Rejected { provenance, .. } => provenance,
        }
    }
}

/// A fact that the record currently shows.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveFact {
    pub id: FactId,
    pub casualty: CasualtyId,
    pub fact: Fact,
    pub provenance: Provenance,
    /// Filed with a doubt and not confirmed since.
    pub unconfirmed: bool,
}

/// The append-only event log.
#[derive(Debug, Default)]
pub struct EventLog {
    events: Vec<Event>,
    facts_asserted: u32,
}

impl EventLog {
    /// An empty log.
    pub fn new() -> EventLog {
        EventLog {
            events: Vec::with_capacity(1024),
            facts_asserted: 0,
        }
    }

    /// Every event in the order it happened.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    fn push(&mut self, event: Event) -> Result<(), RecordError> {
        if self.events.len() >= RECORD_EVENTS_MAX {
            return Err(RecordError::Full(RECORD_EVENTS_MAX));
        }
        self.events.push(event);
        Ok(())
    }

    /// Records that later facts concern `casualty`.
    pub fn switch_casualty(
        &mut self,
        casualty: CasualtyId,
        provenance: Provenance,
    ) -> Result<(), RecordError> {
        self.push(Event::CasualtySwitched {
            casualty,
            provenance,
        })
    }

    /// Records a fact and returns its id.
    pub fn assert_fact(
        &mut self,
        casualty: CasualtyId,
        fact: Fact,
        provenance: Provenance,
    ) -> Result<FactId, RecordError> {
        let id = self.facts_asserted;
        self.push(Event::Asserted {
            id,
            casualty,
            fact,
            provenance,
        })?;
        self.facts_asserted += 1;
        Ok(id)
    }

    /// Records that `superseded` no longer holds, replaced by `by` if given.
    pub fn correct_fact(
        &mut self,
        superseded: FactId,
        by: Option<FactId>,
        provenance: Provenance,
    ) -> Result<(), RecordError> {
        if superseded >= self.facts_asserted {
            return Err(RecordError::UnknownFact(superseded));
        }
        self.push(Event::Corrected {
            superseded,
            by,
            provenance,
        })
    }

    /// Records that the medic confirmed fact `id`.
    pub fn confirm_fact(&mut self, id: FactId, provenance: Provenance) -> Result<(), RecordError> {
        if id >= self.facts_asserted {
            return Err(RecordError::UnknownFact(id));
        }
        self.push(Event::Confirmed { id, provenance })
    }

    /// Records that the medic rejected fact `id`: it leaves the card.
    pub fn reject_fact(&mut self, id: FactId, provenance: Provenance) -> Result<(), RecordError> {
        if id >= self.facts_asserted {
            return Err(RecordError::UnknownFact(id));
        }
        self.push(Event::Rejected { id, provenance })
    }

    /// The facts that hold now, in the order they were said, each with its trust mark.
    pub fn live_facts(&self) -> Vec<LiveFact> {
        #[derive(Clone, Copy, PartialEq)]
        enum Verdict {
            None,
            Confirmed,
            Rejected,
        }
        let count = self.facts_asserted as usize;
        let mut superseded = vec![false; count];
        let mut verdict = vec![Verdict::None; count];
        for event in &self.events {
            let (id, value) = match event {
                Event::Corrected { superseded: id, .. } => {
                    if let Some(flag) = superseded.get_mut(*id as usize) {
                        *flag = true;
                    }
                    continue;
                }
                Event::Confirmed { id, .. } => (id, Verdict::Confirmed),
                Event::Rejected { id, .. } => (id, Verdict::Rejected),
                Event::Asserted { .. } | Event::CasualtySwitched { .. } => continue,
            };
            if let Some(slot) = verdict.get_mut(*id as usize) {
                *slot = value;
            }
        }
        self.events
            .iter()
            .filter_map(|event| match event {
                Event::Asserted {
                    id,
                    casualty,
                    fact,
                    provenance,
                } => {
                    let index = *id as usize;
                    let verdict = verdict.get(index).copied().unwrap_or(Verdict::Rejected);
                    let gone = superseded.get(index).copied().unwrap_or(true)
                        || verdict == Verdict::Rejected;
                    (!gone).then(|| LiveFact {
                        id: *id,
                        casualty: *casualty,
                        fact: fact.clone(),
                        provenance: *provenance,
                        unconfirmed: provenance.doubt.is_some() && verdict != Verdict::Confirmed,
                    })
                }
                _ => None,
            })
            .collect()
    }

    /// Casualties in order of first mention (a switch or a fact about them).
    pub fn casualties_in_order(&self) -> Vec<CasualtyId> {
        let mut order: Vec<CasualtyId> = Vec::new();
        for event in &self.events {
            let casualty = match event {
                Event::CasualtySwitched { casualty, .. } | Event::Asserted { casualty, .. } => {
                    *casualty
                }
                Event::Corrected { .. } | Event::Confirmed { .. } | Event::Rejected { .. } => {
                    continue
                }
            };
            if !order.contains(&casualty) {
                order.push(casualty);
            }
        }
        order
    }

    /// The record as the card and the JSON show it.
    pub fn project(&self) -> Record {
        let live = self.live_facts();
        let casualties = self
            .casualties_in_order()
            .into_iter()
            .map(|id| CasualtyRecord::from_facts(id, live.iter().filter(|f| f.casualty == id)))
            .collect();
        Record { casualties }
    }
}

/// The projection of the log: every casualty heard, in order of first mention.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    pub casualties: Vec<CasualtyRecord>,
}

/// One set of vital signs taken together.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VitalsSet {
    pub time: Option<Clock>,
    pub pulse: Option<u16>,
    pub bp_systolic: Option<u16>,
    pub bp_diastolic: Option<u16>,
    pub resp_rate: Option<u16>,
    pub spo2: Option<u8>,
    pub avpu: Option<Avpu>,
    pub pain: Option<u8>,
    /// The signs of this set that are unconfirmed (the schema marks the whole set).
    pub unconfirmed: Vec<VitalField>,
}

impl VitalsSet {
    fn has(&self, field: VitalField) -> bool {
        match field {
            VitalField::Pulse => self.pulse.is_some(),
            VitalField::BloodPressure => self.bp_systolic.is_some(),
            VitalField::RespRate => self.resp_rate.is_some(),
            VitalField::Spo2 => self.spo2.is_some(),
            VitalField::Avpu => self.avpu.is_some(),
            VitalField::Pain => self.pain.is_some(),
        }
    }

    fn set(&mut self, value: VitalValue) {
        match value {
            VitalValue::Pulse(v) => self.pulse = Some(v),
            VitalValue::BloodPressure {
                systolic,
                diastolic,
            } => {
                self.bp_systolic = Some(systolic);
                self.bp_diastolic = diastolic;
            }
            VitalValue::RespRate(v) => self.resp_rate = Some(v),
            VitalValue::Spo2(v) => self.spo2 = Some(v),
            VitalValue::Avpu(v) => self.avpu = Some(v),
            VitalValue::Pain(v) => self.pain = Some(v),
        }
    }
}

/// A tourniquet on the card.
#[derive(Clone, Debug, PartialEq)]
pub struct TourniquetEntry {
    pub limb: Limb,
    pub kind: TourniquetKind,
    pub time: Option<Clock>,
    /// Filed with a doubt and not confirmed since.
    pub unconfirmed: bool,
}

/// A treatment row.
#[derive(Clone, Debug, PartialEq)]
pub struct TreatmentEntry {
    pub kind: TreatmentKind,
    pub site: Option<Region>,
    pub time: Option<Clock>,
    /// Filed with a doubt and not confirmed since.
    pub unconfirmed: bool,
}

/// A fluid or blood product row.
#[derive(Clone, Debug, PartialEq)]
pub struct FluidEntry {
    pub name: FluidName,
    pub volume_ml: Option<u32>,
    pub route: Option<Route>,
    pub time: Option<Clock>,
    /// Filed with a doubt and not confirmed since.
    pub unconfirmed: bool,
}

/// A medication row.
#[derive(Clone, Debug, PartialEq)]
pub struct MedicationEntry {
    pub name: &'static str,
    pub dose: Option<f64>,
    pub unit: Option<DoseUnit>,
    pub route: Option<Route>,
    pub time: Option<Clock>,
    /// Filed with a doubt and not confirmed since.
    pub unconfirmed: bool,
}

/// An injury drawn on the card.
#[derive(Clone, Debug, PartialEq)]
pub struct InjuryEntry {
    pub region: Region,
    pub kind: InjuryKind,
    /// Filed with a doubt and not confirmed since (a confirmed repeat clears it).
    pub unconfirmed: bool,
}

/// Everything the record holds about one casualty.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CasualtyRecord {
    pub id: CasualtyId,
    pub battle_roster: Option<String>,
    pub name: Option<String>,
    pub last4: Option<String>,
    pub sex: Option<Sex>,
    pub allergies: Vec<String>,
    pub evac_category: Option<Evac>,
    pub mechanisms: Vec<Mechanism>,
    pub injuries: Vec<InjuryEntry>,
    pub tourniquets: Vec<TourniquetEntry>,
    pub vitals: Vec<VitalsSet>,
    pub treatments: Vec<TreatmentEntry>,
    pub fluids: Vec<FluidEntry>,
    pub medications: Vec<MedicationEntry>,
    /// The casualty's own fields whose value is unconfirmed, in the schema's order.
    pub unconfirmed_fields: Vec<CasualtyField>,
    /// Which mechanisms make `Mechanisms` unconfirmed (for renderers).
    pub unconfirmed_mechanisms: Vec<Mechanism>,
    /// Which allergies make `Allergies` unconfirmed (for renderers).
    pub unconfirmed_allergies: Vec<String>,
}

impl CasualtyRecord {
    /// Is this field of the casualty unconfirmed?
    pub fn is_unconfirmed(&self, field: CasualtyField) -> bool {
        self.unconfirmed_fields.contains(&field)
    }

    /// Does anything on this casualty's card await confirmation?
    pub fn has_unconfirmed(&self) -> bool {
        !self.unconfirmed_fields.is_empty()
            || self.injuries.iter().any(|i| i.unconfirmed)
            || self.tourniquets.iter().any(|t| t.unconfirmed)
            || self.vitals.iter().any(|v| !v.unconfirmed.is_empty())
            || self.treatments.iter().any(|t| t.unconfirmed)
            || self.fluids.iter().any(|f| f.unconfirmed)
            || self.medications.iter().any(|m| m.unconfirmed)
    }

    /// Builds one casualty's card from its live facts, in the order they were said. Vital
    /// signs said together form one set; a sign already in the set, or another time, starts
    /// a new set.
    fn from_facts<'a>(id: CasualtyId, facts: impl Iterator<Item = &'a LiveFact>) -> Self {
        let mut record = CasualtyRecord {
            id,
            ..CasualtyRecord::default()
        };
        // Per field: the latest value's mark (scalars), or the values still unconfirmed
        // (lists: a value is confirmed once any saying of it is).
        let mut marks: Vec<CasualtyField> = Vec::new();
        let mut doubted_allergies: Vec<String> = Vec::new();
        let mut doubted_mechanisms: Vec<Mechanism> = Vec::new();
        let mut mark = |field: CasualtyField, unconfirmed: bool| {
            marks.retain(|f| *f != field);
            if unconfirmed {
                marks.push(field);
            }
        };
        let mut last_vital_utterance: Option<u32> = None;
        for live in facts {
            let doubt = live.unconfirmed;
            match &live.fact {
                Fact::Sex(sex) => {
                    record.sex = Some(*sex);
                    mark(CasualtyField::Sex, doubt);
                }
                Fact::Evac(evac) => {
                    record.evac_category = Some(*evac);
                    mark(CasualtyField::EvacCategory, doubt);
                }
                Fact::Allergy(allergen) => {
                    if allergen == "nkda" {
                        record.allergies.retain(|a| a == "nkda");
                    } else {
                        record.allergies.retain(|a| a != "nkda");
                    }
                    if !record.allergies.contains(allergen) {
                        record.allergies.push(allergen.clone());
                        if doubt {
                            doubted_allergies.push(allergen.clone());
                        }
                    } else if !doubt {
                        doubted_allergies.retain(|a| a != allergen);
                    }
                    doubted_allergies.retain(|a| record.allergies.contains(a));
                }
                Fact::Name(name) => {
                    record.name = Some(name.clone());
                    mark(CasualtyField::Name, doubt);
                }
                Fact::Last4(last4) => {
                    record.last4 = Some(last4.clone());
                    mark(CasualtyField::Last4, doubt);
                }
                Fact::BattleRoster(roster) => {
                    record.battle_roster = Some(roster.clone());
                    mark(CasualtyField::BattleRoster, doubt);
                }
                Fact::Mechanism(mechanism) => {
                    if !record.mechanisms.contains(mechanism) {
                        record.mechanisms.push(*mechanism);
                        if doubt {
                            doubted_mechanisms.push(*mechanism);
                        }
                    } else if !doubt {
                        doubted_mechanisms.retain(|m| m != mechanism);
                    }
                }
                Fact::Injury { region, kind } => {
                    match record
                        .injuries
                        .iter_mut()
                        .find(|i| i.region == *region && i.kind == *kind)
                    {
                        Some(known) => known.unconfirmed &= doubt,
                        None => record.injuries.push(InjuryEntry {
                            region: *region,
                            kind: *kind,
                            unconfirmed: doubt,
                        }),
                    }
                }
                Fact::Tourniquet { limb, kind, time } => {
                    record.tourniquets.push(TourniquetEntry {
                        limb: *limb,
                        kind: *kind,
                        time: *time,
                        unconfirmed: doubt,
                    });
                }
                Fact::Vital { value, time } => {
                    // A set said in another utterance with a time where this one has none
                    // (or none where this one has one) is another set: a time never
                    // reaches the signs of another utterance.
                    let utterance = live.provenance.utterance;
                    let other_utterance = last_vital_utterance.is_some_and(|u| u != utterance);
                    let starts_new_set = match record.vitals.last() {
                        None => true,
                        Some(set) => {
                            set.has(value.field())
                                || (time.is_some() && set.time.is_some() && set.time != *time)
                                || (other_utterance && set.time.is_some() != time.is_some())
                        }
                    };
                    last_vital_utterance = Some(utterance);
                    if starts_new_set {
                        record.vitals.push(VitalsSet::default());
                    }
                    if let Some(set) = record.vitals.last_mut() {
                        if set.time.is_none() {
                            set.time = *time;
                        }
                        set.set(*value);
                        if doubt {
                            set.unconfirmed.push(value.field());
                        }
                    }
                }
                Fact::Treatment { kind, site, time } => record.treatments.push(TreatmentEntry {
                    kind: *kind,
                    site: *site,
                    time: *time,
                    unconfirmed: doubt,
                }),
                Fact::Fluid {
                    name,
                    volume_ml,
                    route,
                    time,
                } => record.fluids.push(FluidEntry {
                    name: *name,
                    volume_ml: *volume_ml,
                    route: *route,
                    time: *time,
                    unconfirmed: doubt,
                }),
                Fact::Medication {
                    name,
                    dose,
                    unit,
                    route,
                    time,
                } => record.medications.push(MedicationEntry {
                    name,
                    dose: *dose,
                    unit: *unit,
                    route: *route,
                    time: *time,
                    unconfirmed: doubt,
                }),
                // Not fields of the card schema: the advisor reads them from the log.
                Fact::InjuryTime(_)
                | Fact::TourniquetOff { .. }
                | Fact::TourniquetOverClothing { .. }
                | Fact::OpenFracture { .. }
                | Fact::Evisceration { .. }
                | Fact::Perfusion(_)
                | Fact::Disarmed
                | Fact::BurnExtent { .. }
                | Fact::BodyWeight { .. }
                | Fact::Expectant(_) => {}
            }
        }
        if !doubted_allergies.is_empty() {
            marks.push(CasualtyField::Allergies);
        }
        if !doubted_mechanisms.is_empty() {
            marks.push(CasualtyField::Mechanisms);
        }
        record.unconfirmed_mechanisms = doubted_mechanisms;
        record.unconfirmed_allergies = doubted_allergies;
        record.unconfirmed_fields = CasualtyField::ALL
            .iter()
            .copied()
            .filter(|f| marks.contains(f))
            .collect();
        record
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn provenance(utterance: u32) -> Provenance {
        Provenance {
            utterance,
            char_start: 0,
            char_end: 1,
            heard_start_s: f64::from(utterance),
            heard_end_s: f64::from(utterance) + 1.0,
            confidence: 1.0,
            doubt: None,
            lexicon: "",
        }
    }

    fn doubted(utterance: u32) -> Provenance {
        Provenance {
            confidence: 0.4,
            doubt: Some(Doubt::LowConfidence),
            ..provenance(utterance)
        }
    }

    fn tourniquet() -> Fact {
        Fact::Tourniquet {
            limb: Limb::LeftLeg,
            kind: TourniquetKind::Extremity,
            time: None,
        }
    }

    #[test]
    fn a_doubted_fact_is_marked_until_confirmed() {
        let mut log = EventLog::new();
        let id = log.assert_fact(1, tourniquet(), doubted(0)).unwrap();
        log.assert_fact(1, Fact::Sex(Sex::Male), doubted(0))
            .unwrap();
        log.assert_fact(1, Fact::Mechanism(Mechanism::Gsw), provenance(0))
            .unwrap();
        let record = log.project();
        assert!(record.casualties[0].tourniquets[0].unconfirmed);
        assert_eq!(
            record.casualties[0].unconfirmed_fields,
            vec![CasualtyField::Sex]
        );
        log.confirm_fact(id, provenance(1)).unwrap();
        let record = log.project();
        assert!(!record.casualties[0].tourniquets[0].unconfirmed);
        assert!(log
            .events()
            .iter()
            .any(|e| matches!(e, Event::Confirmed { id: confirmed, .. } if *confirmed == id)));
    }

    #[test]
    fn a_rejected_fact_leaves_the_card_but_not_the_log() {
        let mut log = EventLog::new();
        let id = log.assert_fact(1, tourniquet(), doubted(0)).unwrap();
        log.reject_fact(id, provenance(1)).unwrap();
        assert!(log.project().casualties[0].tourniquets.is_empty());
        assert_eq!(log.live_facts().len(), 0);
        assert!(log
            .events()
            .iter()
            .any(|e| matches!(e, Event::Asserted { fact, .. } if *fact == tourniquet())));
        // The latest verdict holds: a mistaken rejection is undone by a confirmation.
        log.confirm_fact(id, provenance(2)).unwrap();
        let record = log.project();
        assert_eq!(record.casualties[0].tourniquets.len(), 1);
        assert!(!record.casualties[0].tourniquets[0].unconfirmed);
    }

    #[test]
    fn a_clear_repeat_confirms_a_list_value() {
        let mut log = EventLog::new();
        let injury = Fact::Injury {
            region: Region::Neck,
            kind: InjuryKind::Gsw,
        };
        log.assert_fact(1, injury.clone(), doubted(0)).unwrap();
        log.assert_fact(1, Fact::Mechanism(Mechanism::Ied), doubted(0))
            .unwrap();
        let record = log.project();
        assert!(record.casualties[0].injuries[0].unconfirmed);
        assert_eq!(
            record.casualties[0].unconfirmed_fields,
            vec![CasualtyField::Mechanisms]
        );
        log.assert_fact(1, injury, provenance(1)).unwrap();
        log.assert_fact(1, Fact::Mechanism(Mechanism::Ied), provenance(1))
            .unwrap();
        let record = log.project();
        assert!(!record.casualties[0].injuries[0].unconfirmed);
        assert!(record.casualties[0].unconfirmed_fields.is_empty());
    }

    #[test]
    fn a_doubted_vital_marks_its_set() {
        let mut log = EventLog::new();
        log.assert_fact(
            1,
            Fact::Vital {
                value: VitalValue::Pulse(120),
                time: None,
            },
            provenance(0),
        )
        .unwrap();
        log.assert_fact(
            1,
            Fact::Vital {
                value: VitalValue::Spo2(91),
                time: None,
            },
            doubted(0),
        )
        .unwrap();
        let record = log.project();
        assert_eq!(
            record.casualties[0].vitals[0].unconfirmed,
            vec![VitalField::Spo2]
        );
    }

    #[test]
    fn confirming_or_rejecting_an_unknown_fact_is_refused() {
        let mut log = EventLog::new();
        assert_eq!(
            log.confirm_fact(0, provenance(0)),
            Err(RecordError::UnknownFact(0))
        );
        assert_eq!(
            log.reject_fact(2, provenance(0)),
            Err(RecordError::UnknownFact(2))
        );
    }

    #[test]
    fn correction_supersedes_in_projection_but_stays_in_log() {
        let mut log = EventLog::new();
        let pulse = |v| Fact::Vital {
            value: VitalValue::Pulse(v),
            time: None,
        };
        let first = log.assert_fact(1, pulse(88), provenance(0)).unwrap();
        let second = log.assert_fact(1, pulse(98), provenance(1)).unwrap();
        log.correct_fact(first, Some(second), provenance(1))
            .unwrap();
        let record = log.project();
        assert_eq!(record.casualties[0].vitals.len(), 1);
        assert_eq!(record.casualties[0].vitals[0].pulse, Some(98));
        assert!(log
            .events()
            .iter()
            .any(|e| matches!(e, Event::Asserted { fact, .. } if *fact == pulse(88))));
    }

    #[test]
    fn correcting_an_unknown_fact_is_refused() {
        let mut log = EventLog::new();
        assert_eq!(
            log.correct_fact(3, None, provenance(0)),
            Err(RecordError::UnknownFact(3))
        );
    }

    #[test]
    fn repeated_vital_starts_a_new_set() {
        let mut log = EventLog::new();
        for (value, utterance) in [
            (VitalValue::Pulse(120), 0),
            (VitalValue::RespRate(24), 0),
            (VitalValue::Pulse(110), 1),
        ] {
            log.assert_fact(2, Fact::Vital { value, time: None }, provenance(utterance))
                .unwrap();
        }
        let record = log.project();
        assert_eq!(record.casualties[0].id, 2);
        assert_eq!(record.casualties[0].vitals.len(), 2);
    }
}
