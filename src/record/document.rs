//! The record as `tccc.casualty-record/1` JSON (schema/casualty-record.schema.json): field
//! names, order and null-versus-absent exactly as the schema states them.

use super::{
    Avpu, CasualtyField, CasualtyRecord, DoseUnit, Evac, FluidName, InjuryKind, Limb, Mechanism,
    Record, Region, Route, Sex, TourniquetKind, TreatmentKind,
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
            vitals: c
                .vitals
                .iter()
                .map(|v| VitalsDocument {
                    time: clock_text(v.time),
                    pulse: v.pulse,
                    bp_systolic: v.bp_systolic,
                    bp_diastolic: v.bp_diastolic,
                    resp_rate: v.resp_rate,
                    spo2: v.spo2,
                    avpu: v.avpu,
                    pain: v.pain,
                    unconfirmed: !v.unconfirmed.is_empty(),
                })
                .collect(),
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
