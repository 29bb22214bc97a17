//! The record as `tccc.casualty-record/1` JSON (schema/casualty-record.schema.json): field
//! names, order and null-versus-absent exactly as the schema states them.

use super::{
    Avpu, CasualtyField, CasualtyRecord, DoseUnit, Evac, FluidName, InjuryKind, Limb, Mechanism,
    Record, Region, Route, Sex, TourniquetKind, TreatmentKind, VitalField, VitalsSet,
};
use serde::Serialize;

/// The whole document `--json` writes.
#[derive(Debug, Serialize)]
pub struct RecordDocument {
    pub schema: &'static str,
    pub casualties: Vec<CasualtyDocument>,
    pub utterances: Vec<UtteranceDocument>,
}

/// One utterance of the transcript the record was built from.
#[derive(Debug, Serialize, Clone)]
pub struct UtteranceDocument {
    pub start_s: f64,
    pub end_s: f64,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct InjuryDocument {
    pub region: Region,
    pub kind: InjuryKind,
    /// Present (true) only when unconfirmed: absent means heard clearly or confirmed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

#[derive(Debug, Serialize)]
pub struct TourniquetDocument {
    pub limb: Limb,
    pub kind: TourniquetKind,
    pub time: Option<String>,
    /// Present (true) only when unconfirmed: absent means heard clearly or confirmed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

/// One set of vital signs; a sign not measured is null.
#[derive(Debug, Serialize)]
pub struct VitalsDocument {
    pub time: Option<String>,
    pub pulse: Option<u16>,
    pub bp_systolic: Option<u16>,
    pub bp_diastolic: Option<u16>,
    pub resp_rate: Option<u16>,
    pub spo2: Option<u8>,
    pub avpu: Option<Avpu>,
    pub pain: Option<u8>,
    /// Present (true) only when unconfirmed: absent means heard clearly or confirmed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

#[derive(Debug, Serialize)]
pub struct TreatmentDocument {
    pub kind: TreatmentKind,
    pub site: Option<Region>,
    pub time: Option<String>,
    /// Present (true) only when unconfirmed: absent means heard clearly or confirmed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

#[derive(Debug, Serialize)]
pub struct FluidDocument {
    pub name: FluidName,
    pub volume_ml: Option<u32>,
    pub route: Option<Route>,
    pub time: Option<String>,
    /// Present (true) only when unconfirmed: absent means heard clearly or confirmed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

#[derive(Debug, Serialize)]
pub struct MedicationDocument {
    pub name: &'static str,
    pub dose: Option<f64>,
    pub unit: Option<DoseUnit>,
    pub route: Option<Route>,
    pub time: Option<String>,
    /// Present (true) only when unconfirmed: absent means heard clearly or confirmed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

/// One casualty.
#[derive(Debug, Serialize)]
pub struct CasualtyDocument {
    pub id: u8,
    pub battle_roster: Option<String>,
    pub name: Option<String>,
    pub last4: Option<String>,
    pub sex: Option<Sex>,
    pub allergies: Vec<String>,
    pub evac_category: Option<Evac>,
    pub mechanisms: Vec<Mechanism>,
    pub injuries: Vec<InjuryDocument>,
    pub tourniquets: Vec<TourniquetDocument>,
    pub vitals: Vec<VitalsDocument>,
    pub treatments: Vec<TreatmentDocument>,
    pub fluids: Vec<FluidDocument>,
    pub medications: Vec<MedicationDocument>,
    pub notes: Option<String>,
    /// The casualty's own fields whose value is unconfirmed; absent when none is.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unconfirmed_fields: Vec<CasualtyField>,
}

/// The schema's identifier.
pub const SCHEMA_ID: &str = "tccc.casualty-record/1";

fn clock_text(clock: Option<super::Clock>) -> Option<String> {
    clock.map(|c| c.to_string())
}

/// The entries of one set of signs. The schema marks a whole entry unconfirmed, so a set
/// whose signs are partly in doubt is written as two entries with the set's time: the signs
/// heard clearly (or confirmed), then the doubted ones. One doubted sign ("Piles 108" for
/// pulse 108) then leaves the blood pressure and pain said with it unmarked (issue 10).
fn vitals_documents(set: &VitalsSet) -> Vec<VitalsDocument> {
    let entry = |doubted: bool| {
        let keep = |field: VitalField| set.unconfirmed.contains(&field) == doubted;
        let (bp_systolic, bp_diastolic) = if keep(VitalField::BloodPressure) {
            (set.bp_systolic, set.bp_diastolic)
        } else {
            (None, None)
        };
        VitalsDocument {
            time: clock_text(set.time),
            pulse: set.pulse.filter(|_| keep(VitalField::Pulse)),
            bp_systolic,
            bp_diastolic,
            resp_rate: set.resp_rate.filter(|_| keep(VitalField::RespRate)),
            spo2: set.spo2.filter(|_| keep(VitalField::Spo2)),
            avpu: set.avpu.filter(|_| keep(VitalField::Avpu)),
            pain: set.pain.filter(|_| keep(VitalField::Pain)),
            unconfirmed: doubted,
        }
    };
    let has_signs = |d: &VitalsDocument| {
        d.pulse.is_some()
            || d.bp_systolic.is_some()
            || d.resp_rate.is_some()
            || d.spo2.is_some()
            || d.avpu.is_some()
            || d.pain.is_some()
    };
    let (clear, doubted) = (entry(false), entry(true));
    match (has_signs(&clear), has_signs(&doubted)) {
        (true, true) => vec![clear, doubted],
        (_, true) => vec![doubted],
        // A set of no signs (never filed) is written as it stands.
        _ => vec![clear],
    }
}

impl From<&CasualtyRecord> for CasualtyDocument {
    fn from(c: &CasualtyRecord) -> Self {
        CasualtyDocument {
            id: c.id,
            battle_roster: c.battle_roster.clone(),
            name: c.name.clone(),
            last4: c.last4.clone(),
            sex: c.sex,
            allergies: c.allergies.clone(),
            evac_category: c.evac_category,
            mechanisms: c.mechanisms.clone(),
            injuries: c
                .injuries
                .iter()
                .map(|i| InjuryDocument {
                    region: i.region,
                    kind: i.kind,
                    unconfirmed: i.unconfirmed,
                })
                .collect(),
            tourniquets: c
                .tourniquets
                .iter()
                .map(|t| TourniquetDocument {
                    limb: t.limb,
                    kind: t.kind,
                    time: clock_text(t.time),
                    unconfirmed: t.unconfirmed,
                })
                .collect(),
            vitals: c.vitals.iter().flat_map(vitals_documents).collect(),
            treatments: c
                .treatments
                .iter()
                .map(|t| TreatmentDocument {
                    kind: t.kind,
                    site: t.site,
                    time: clock_text(t.time),
                    unconfirmed: t.unconfirmed,
                })
                .collect(),
            fluids: c
                .fluids
                .iter()
                .map(|f| FluidDocument {
                    name: f.name,
                    volume_ml: f.volume_ml,
                    route: f.route,
                    time: clock_text(f.time),
                    unconfirmed: f.unconfirmed,
                })
                .collect(),
            medications: c
                .medications
                .iter()
                .map(|m| MedicationDocument {
                    name: m.name,
                    dose: m.dose,
                    unit: m.unit,
                    route: m.route,
                    time: clock_text(m.time),
                    unconfirmed: m.unconfirmed,
                })
                .collect(),
            notes: None,
            unconfirmed_fields: c.unconfirmed_fields.clone(),
        }
    }
}

impl RecordDocument {
    /// The document for `record`, built from `utterances`.
    pub fn new(record: &Record, utterances: Vec<UtteranceDocument>) -> RecordDocument {
        RecordDocument {
            schema: SCHEMA_ID,
            casualties: record
                .casualties
                .iter()
                .map(CasualtyDocument::from)
                .collect(),
            utterances,
        }
    }

    /// Pretty-printed JSON.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Doubt, EventLog, Fact, Provenance, VitalValue};

    fn said(doubt: Option<Doubt>) -> Provenance {
        Provenance {
            utterance: 0,
            char_start: 0,
            char_end: 1,
            heard_start_s: 0.0,
            heard_end_s: 1.0,
            confidence: 1.0,
            doubt,
            lexicon: "",
        }
    }

    fn vitals_of(signs: &[(VitalValue, Option<Doubt>)]) -> Vec<VitalsDocument> {
        let mut log = EventLog::new();
        let time = Some(crate::record::Clock::new(9, 55).expect("a clock time"));
        for (value, doubt) in signs {
            log.assert_fact(
                1,
                Fact::Vital {
                    value: *value,
                    time,
                },
                said(*doubt),
            )
            .expect("filed");
        }
        let record = log.project();
        CasualtyDocument::from(&record.casualties[0]).vitals
    }

    #[test]
    fn a_doubted_sign_is_written_apart_from_the_clear_signs_of_its_set() {
        let bp = VitalValue::BloodPressure {
            systolic: 118,
            diastolic: Some(74),
        };
        // "Piles 108, BP 118 over 74, pain 8": only the pulse rests on a sound-alike.
        let split = vitals_of(&[
            (VitalValue::Pulse(108), Some(Doubt::SoundAlike)),
            (bp, None),
            (VitalValue::Pain(8), None),
        ]);
        assert_eq!(split.len(), 2);
        let (clear, doubted) = (&split[0], &split[1]);
        assert!(!clear.unconfirmed && doubted.unconfirmed);
        assert_eq!((clear.pulse, doubted.pulse), (None, Some(108)));
        assert_eq!(
            (clear.bp_systolic, clear.bp_diastolic, clear.pain),
            (Some(118), Some(74), Some(8))
        );
        assert_eq!((doubted.bp_systolic, doubted.pain), (None, None));
        assert_eq!(clear.time.as_deref(), Some("09:55"));
        assert_eq!(doubted.time.as_deref(), Some("09:55"));
        // A set wholly clear or wholly doubted stays one entry.
        let clear_only = vitals_of(&[(VitalValue::Pulse(108), None), (bp, None)]);
        assert_eq!(clear_only.len(), 1);
        assert!(!clear_only[0].unconfirmed);
        let doubted_only = vitals_of(&[
            (VitalValue::Pulse(108), Some(Doubt::LowConfidence)),
            (bp, Some(Doubt::Ambiguous)),
        ]);
        assert_eq!(doubted_only.len(), 1);
        assert!(doubted_only[0].unconfirmed);
        assert_eq!(doubted_only[0].bp_systolic, Some(118));
    }
}
