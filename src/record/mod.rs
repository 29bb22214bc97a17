//! The casualty record as an append-only log of events (fact asserted, fact corrected,
//! casualty switched), each with its provenance. The record the card shows is a projection
//! of the log: a correction supersedes a fact in the projection but never removes it from
//! the log, so what was said stays auditable.
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
    /// A correction named a fact that was never asserted (a bug in the caller).
    #[error("correction names fact {0}, which was never asserted; this is a bug in tccc")]
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
}

/// A fact that the record currently shows.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveFact {
    pub id: FactId,
    pub casualty: CasualtyId,
    pub fact: Fact,
    pub provenance: Provenance,
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

    /// The facts that hold now, in the order they were said.
    pub fn live_facts(&self) -> Vec<LiveFact> {
        let mut superseded = vec![false; self.facts_asserted as usize];
        for event in &self.events {
            if let Event::Corrected { superseded: id, .. } = event {
                if let Some(flag) = superseded.get_mut(*id as usize) {
                    *flag = true;
                }
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
                } if !superseded.get(*id as usize).copied().unwrap_or(true) => Some(LiveFact {
                    id: *id,
                    casualty: *casualty,
                    fact: fact.clone(),
                    provenance: *provenance,
                }),
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
                Event::Corrected { .. } => continue,
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
}

/// A treatment row.
#[derive(Clone, Debug, PartialEq)]
pub struct TreatmentEntry {
    pub kind: TreatmentKind,
    pub site: Option<Region>,
    pub time: Option<Clock>,
}

/// A fluid or blood product row.
#[derive(Clone, Debug, PartialEq)]
pub struct FluidEntry {
    pub name: FluidName,
    pub volume_ml: Option<u32>,
    pub route: Option<Route>,
    pub time: Option<Clock>,
}

/// A medication row.
#[derive(Clone, Debug, PartialEq)]
pub struct MedicationEntry {
    pub name: &'static str,
    pub dose: Option<f64>,
    pub unit: Option<DoseUnit>,
    pub route: Option<Route>,
    pub time: Option<Clock>,
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
    pub injuries: Vec<(Region, InjuryKind)>,
    pub tourniquets: Vec<TourniquetEntry>,
    pub vitals: Vec<VitalsSet>,
    pub treatments: Vec<TreatmentEntry>,
    pub fluids: Vec<FluidEntry>,
    pub medications: Vec<MedicationEntry>,
}

impl CasualtyRecord {
    /// Builds one casualty's card from its live facts, in the order they were said. Vital
    /// signs said together form one set; a sign already in the set, or another time, starts
    /// a new set.
    fn from_facts<'a>(id: CasualtyId, facts: impl Iterator<Item = &'a LiveFact>) -> Self {
        let mut record = CasualtyRecord {
            id,
            ..CasualtyRecord::default()
        };
        for live in facts {
            match &live.fact {
                Fact::Sex(sex) => record.sex = Some(*sex),
                Fact::Evac(evac) => record.evac_category = Some(*evac),
                Fact::Allergy(allergen) => {
                    if allergen == "nkda" {
                        record.allergies.retain(|a| a == "nkda");
                    } else {
                        record.allergies.retain(|a| a != "nkda");
                    }
                    if !record.allergies.contains(allergen) {
                        record.allergies.push(allergen.clone());
                    }
                }
                Fact::Name(name) => record.name = Some(name.clone()),
                Fact::Last4(last4) => record.last4 = Some(last4.clone()),
                Fact::BattleRoster(roster) => record.battle_roster = Some(roster.clone()),
                Fact::Mechanism(mechanism) => {
                    if !record.mechanisms.contains(mechanism) {
                        record.mechanisms.push(*mechanism);
                    }
                }
                Fact::Injury { region, kind } => {
                    if !record.injuries.contains(&(*region, *kind)) {
                        record.injuries.push((*region, *kind));
                    }
                }
                Fact::Tourniquet { limb, kind, time } => {
                    record.tourniquets.push(TourniquetEntry {
                        limb: *limb,
                        kind: *kind,
                        time: *time,
                    });
                }
                Fact::Vital { value, time } => {
                    let starts_new_set = match record.vitals.last() {
                        None => true,
                        Some(set) => {
                            set.has(value.field())
                                || (time.is_some() && set.time.is_some() && set.time != *time)
                        }
                    };
                    if starts_new_set {
                        record.vitals.push(VitalsSet::default());
                    }
                    if let Some(set) = record.vitals.last_mut() {
                        if set.time.is_none() {
                            set.time = *time;
                        }
                        set.set(*value);
                    }
                }
                Fact::Treatment { kind, site, time } => record.treatments.push(TreatmentEntry {
                    kind: *kind,
                    site: *site,
                    time: *time,
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
                }),
            }
        }
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
        }
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
