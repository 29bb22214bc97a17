//! `tccc export --fhir OUT`: the record as a FHIR R4 `Bundle` (type `collection`) for the
//! receiving facility: per casualty a `Patient` and an `Encounter`, a `Condition` per
//! injury, an `AllergyIntolerance` per allergy, an `Observation` per vital sign (LOINC
//! codes, category `vital-signs`), a `Procedure` per treatment and tourniquet, and a
//! `MedicationAdministration` per medication and fluid (dose, route, time).
//!
//! Times: the card's clock times have no date, so each resource carries the UTC time at
//! which the journal recorded the fact (`effectiveDateTime`, `performedDateTime`) and the
//! spoken clock time as a note.
//!
//! Codes: vital signs carry LOINC codes; tourniquets, treatments, medications, injuries and
//! body sites carry SNOMED CT codes where `fhir_codes.toml` (versioned data, each code with
//! its source) lists one, and their text always.
//!
//! Unconfirmed facts (filed with a doubt, not confirmed by the medic) say so in the status
//! each resource type defines for it: an `Observation` is `preliminary` (R4: "data may be
//! incomplete or unverified"), a `Procedure` or `MedicationAdministration` `unknown` (the
//! source does not know whether it happened as heard — `completed` would claim it did), a
//! `Condition` or `AllergyIntolerance` has `verificationStatus` `unconfirmed`. Every such
//! resource also carries the tag `urn:tccc:fact-status#unconfirmed` in `meta.tag` (one
//! marker a receiver can filter on across types) and a note with the reason. Patient
//! fields (sex, name, …) have no status in FHIR; they are exported as heard.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::common::CliError;
use crate::record::{
    CasualtyId, Clock, DoseUnit, Event, EventLog, Fact, FactId, InjuryKind, LiveFact, Region,
    TreatmentKind, VitalValue,
};

/// The SNOMED CT code table (see its header).
pub const FHIR_CODES_TOML: &str = include_str!("fhir_codes.toml");
/// The version of the code table this build reads.
pub const FHIR_CODES_VERSION: &str = "fhir-codes/1";
/// The code system marking unconfirmed facts in `meta.tag`.
pub const FACT_STATUS_SYSTEM: &str = "urn:tccc:fact-status";

/// One row of the code table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRow {
    pub kind: String,
    pub key: String,
    pub code: String,
    pub display: String,
    pub source: String,
}

/// The code table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeTable {
    pub version: String,
    pub system: String,
    #[serde(default)]
    pub code: Vec<CodeRow>,
}

impl CodeTable {
    /// The embedded table, validated.
    pub fn builtin() -> Result<CodeTable, CliError> {
        CodeTable::parse(FHIR_CODES_TOML)
            .map_err(|e| CliError::Internal(format!("fhir_codes.toml: {e}; this is a bug in tccc")))
    }

    /// Parses and validates a table: `Err` names the row and the problem.
    pub fn parse(text: &str) -> Result<CodeTable, String> {
        let table: CodeTable = toml::from_str(text).map_err(|e| e.to_string())?;
        if table.version != FHIR_CODES_VERSION {
            return Err(format!(
                "version {:?}, this build reads {FHIR_CODES_VERSION:?}",
                table.version
            ));
        }
        if table.system != "http://snomed.info/sct" {
            return Err(format!("system {:?} is not SNOMED CT", table.system));
        }
        for (n, row) in table.code.iter().enumerate() {
            let at = format!("row {} ({} {})", n + 1, row.kind, row.key);
            let known = match row.kind.as_str() {
                "procedure" => {
                    row.key == "tourniquet"
                        || TreatmentKind::ALL.iter().any(|k| k.as_str() == row.key)
                }
                "medication" => crate::extract::lexicon::medication_name(&row.key).is_some(),
                "injury" => InjuryKind::ALL.iter().any(|k| k.as_str() == row.key),
                "body_site" => Region::ALL.iter().any(|r| r.as_str() == row.key),
                other => return Err(format!("{at}: unknown kind {other:?}")),
            };
            if !known {
                return Err(format!(
                    "{at}: the record has no {} {:?}",
                    row.kind, row.key
                ));
            }
            if !is_sctid(&row.code) {
                return Err(format!(
                    "{at}: {:?} is not a SNOMED CT identifier (digits, check digit)",
                    row.code
                ));
            }
            if row.display.trim().is_empty() || row.source.trim().is_empty() {
                return Err(format!("{at}: a display and a source are required"));
            }
            if table.code[..n]
                .iter()
                .any(|r| r.kind == row.kind && r.key == row.key)
            {
                return Err(format!("{at}: listed twice"));
            }
        }
        Ok(table)
    }

    fn find(&self, kind: &str, key: &str) -> Option<&CodeRow> {
        self.code.iter().find(|r| r.kind == kind && r.key == key)
    }

    /// A `CodeableConcept`: the code where the table has one, and `text` always.
    fn concept(&self, kind: &str, key: &str, text: &str) -> Value {
        match self.find(kind, key) {
            Some(row) => json!({
                "coding": [{ "system": self.system, "code": row.code, "display": row.display }],
                "text": text,
            }),
            None => json!({ "text": text }),
        }
    }
}

/// Whether `code` is a SNOMED CT identifier: 6 to 18 digits, no leading zero, and a
/// Verhoeff check digit that holds.
pub fn is_sctid(code: &str) -> bool {
    const D: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    if !(6..=18).contains(&code.len())
        || code.starts_with('0')
        || !code.bytes().all(|b| b.is_ascii_digit())
    {
        return false;
    }
    let mut check = 0u8;
    for (i, digit) in code.bytes().rev().enumerate() {
        check = D[usize::from(check)][usize::from(P[i % 8][usize::from(digit - b'0')])];
    }
    check == 0
}

/// How an unconfirmed fact is marked on its resource: the tag, and a note with the reason.
fn mark_unconfirmed(resource: &mut Value, live: &LiveFact) {
    let reason = live
        .provenance
        .doubt
        .map_or("heard with doubt", |d| d.as_str());
    resource["meta"] = json!({ "tag": [{
        "system": FACT_STATUS_SYSTEM,
        "code": "unconfirmed",
        "display": "filed with a doubt and not confirmed by the medic",
    }] });
    let note = json!({ "text": format!("unconfirmed: {reason}; not confirmed by the medic") });
    match resource.get_mut("note").and_then(Value::as_array_mut) {
        Some(notes) => notes.push(note),
        None => resource["note"] = json!([note]),
    }
}

const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";

/// A UTC instant as FHIR's `dateTime` / `instant` (`2026-11-30T09:15:00Z`).
pub fn utc_text(wall_ns: i64) -> String {
    let seconds = wall_ns.div_euclid(1_000_000_000);
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3_600,
        of_day % 3_600 / 60,
        of_day % 60
    )
}

fn quantity(value: f64, unit: &str, code: &str) -> Value {
    json!({ "value": value, "unit": unit, "system": UCUM, "code": code })
}

fn loinc(code: &str, display: &str) -> Value {
    json!({ "coding": [{ "system": LOINC, "code": code, "display": display }], "text": display })
}

fn said_at(time: Option<Clock>) -> Option<Value> {
    time.map(|t| json!([{ "text": format!("time said: {t} (local)") }]))
}

fn dose_unit(unit: DoseUnit) -> (&'static str, &'static str) {
    match unit {
        DoseUnit::Mcg => ("mcg", "ug"),
        DoseUnit::Mg => ("mg", "mg"),
        DoseUnit::G => ("g", "g"),
        DoseUnit::Ml => ("mL", "mL"),
        DoseUnit::Units => ("units", "[U]"),
    }
}

fn with_note(mut resource: Value, time: Option<Clock>) -> Value {
    if let (Some(note), Some(object)) = (said_at(time), resource.as_object_mut()) {
        object.insert("note".to_owned(), note);
    }
    resource
}

fn vital(value: &VitalValue) -> (Value, Value) {
    match value {
        VitalValue::Pulse(v) => (
            loinc("8867-4", "Heart rate"),
            json!({ "valueQuantity": quantity(f64::from(*v), "beats/minute", "/min") }),
        ),
        VitalValue::BloodPressure {
            systolic,
            diastolic,
        } => {
            let mut components = vec![json!({
                "code": loinc("8480-6", "Systolic blood pressure"),
                "valueQuantity": quantity(f64::from(*systolic), "mmHg", "mm[Hg]"),
            })];
            if let Some(d) = diastolic {
                components.push(json!({
                    "code": loinc("8462-4", "Diastolic blood pressure"),
                    "valueQuantity": quantity(f64::from(*d), "mmHg", "mm[Hg]"),
                }));
            }
            (
                loinc("85354-9", "Blood pressure panel"),
                json!({ "component": components }),
            )
        }
        VitalValue::RespRate(v) => (
            loinc("9279-1", "Respiratory rate"),
            json!({ "valueQuantity": quantity(f64::from(*v), "breaths/minute", "/min") }),
        ),
        VitalValue::Spo2(v) => (
            loinc(
                "59408-5",
                "Oxygen saturation in Arterial blood by Pulse oximetry",
            ),
            json!({ "valueQuantity": quantity(f64::from(*v), "%", "%") }),
        ),
        VitalValue::Avpu(v) => (
            json!({ "text": "Level of responsiveness (AVPU)" }),
            json!({ "valueCodeableConcept": { "text": v.as_str() } }),
        ),
        VitalValue::Pain(v) => (
            loinc(
                "72514-3",
                "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
            ),
            json!({ "valueInteger": v }),
        ),
    }
}

/// Builds the bundle from the journal's event log; `event_wall_ns[i]` is when event `i`
/// was journaled, `exported_ns` the bundle's timestamp.
pub fn bundle(log: &EventLog, event_wall_ns: &[i64], exported_ns: i64) -> Result<Value, CliError> {
    let codes = CodeTable::builtin()?;
    let mut fact_time: HashMap<FactId, i64> = HashMap::new();
    for (event, wall) in log.events().iter().zip(event_wall_ns) {
        if let Event::Asserted { id, .. } = event {
            fact_time.insert(*id, *wall);
        }
    }
    let live = log.live_facts();
    let mut entries = Vec::new();
    let mut push = |resource: Value| {
        let kind = resource["resourceType"]
            .as_str()
            .unwrap_or("Resource")
            .to_owned();
        let id = resource["id"].as_str().unwrap_or("").to_owned();
        entries.push(json!({ "fullUrl": format!("urn:tccc:{kind}/{id}"), "resource": resource }));
    };
    for casualty in log.casualties_in_order() {
        let facts: Vec<&LiveFact> = live.iter().filter(|f| f.casualty == casualty).collect();
        casualty_resources(casualty, &facts, &fact_time, &codes, &mut push);
    }
    Ok(json!({
        "resourceType": "Bundle",
        "id": "tccc-export",
        "meta": { "tag": [{ "system": "urn:tccc:fhir-codes", "code": codes.version }] },
        "type": "collection",
        "timestamp": utc_text(exported_ns),
        "entry": entries,
    }))
}

fn casualty_resources(
    casualty: CasualtyId,
    facts: &[&LiveFact],
    fact_time: &HashMap<FactId, i64>,
    codes: &CodeTable,
    push: &mut impl FnMut(Value),
) {
    let patient_id = format!("casualty-{casualty}");
    let subject = json!({ "reference": format!("Patient/{patient_id}") });
    let encounter_id = format!("encounter-{casualty}");
    let encounter = json!({ "reference": format!("Encounter/{encounter_id}") });
    let mut patient = json!({ "resourceType": "Patient", "id": patient_id });
    let mut identifiers = Vec::new();
    let mut reasons = Vec::new();
    let mut priority = None;
    let mut others = Vec::new();
    for live in facts {
        let id = format!("c{casualty}-f{}", live.id);
        let when = fact_time.get(&live.id).map(|ns| utc_text(*ns));
        let before = others.len();
        match &live.fact {
            Fact::Sex(sex) => patient["gender"] = json!(sex.as_str()),
            Fact::Name(name) => patient["name"] = json!([{ "text": name }]),
            Fact::Last4(last4) => {
                identifiers.push(json!({ "system": "urn:tccc:ssn-last4", "value": last4 }))
            }
            Fact::BattleRoster(roster) => {
                identifiers.push(json!({ "system": "urn:tccc:battle-roster", "value": roster }))
            }
            Fact::Evac(evac) => priority = Some(json!({ "text": format!("evacuation {evac}") })),
            Fact::Mechanism(mechanism) => {
                reasons.push(json!({ "text": format!("mechanism of injury: {mechanism}") }))
            }
            Fact::Allergy(allergen) => {
                let mut allergy = json!({
                    "resourceType": "AllergyIntolerance",
                    "id": id,
                    "patient": subject,
                    "code": { "text": if allergen == "nkda" { "no known drug allergies" } else { allergen.as_str() } },
                });
                if live.unconfirmed {
                    allergy["verificationStatus"] = json!({ "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                        "code": "unconfirmed" }] });
                }
                others.push(allergy);
            }
            Fact::Injury { region, kind } => {
                let mut condition = json!({
                    "resourceType": "Condition",
                    "id": id,
                    "clinicalStatus": { "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "active" }] },
                    "code": codes.concept("injury", kind.as_str(), &format!("injury: {kind}")),
                    "bodySite": [codes.concept("body_site", region.as_str(), region.as_str())],
                    "subject": subject,
                    "encounter": encounter,
                });
                if live.unconfirmed {
                    condition["verificationStatus"] = json!({ "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": "unconfirmed" }] });
                }
                others.push(condition);
            }
            Fact::Vital { value, time } => {
                let (code, value) = vital(value);
                let mut observation = json!({
                    "resourceType": "Observation",
                    "id": id,
                    "status": if live.unconfirmed { "preliminary" } else { "final" },
                    "category": [{ "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs", "display": "Vital Signs" }] }],
                    "code": code,
                    "subject": subject,
                    "encounter": encounter,
                });
                if let (Some(object), Some(values)) =
                    (observation.as_object_mut(), value.as_object())
                {
                    for (k, v) in values {
                        object.insert(k.clone(), v.clone());
                    }
                    if let Some(when) = &when {
                        object.insert("effectiveDateTime".to_owned(), json!(when));
                    }
                }
                others.push(with_note(observation, *time));
            }
            Fact::Tourniquet { limb, kind, time } => {
                let mut procedure = json!({
                    "resourceType": "Procedure",
                    "id": id,
                    "status": if live.unconfirmed { "unknown" } else { "completed" },
                    "code": codes.concept("procedure", "tourniquet", &format!("{kind} tourniquet applied")),
                    "subject": subject,
                    "encounter": encounter,
                    "bodySite": [codes.concept("body_site", limb.as_str(), limb.as_str())],
                });
                if let Some(when) = &when {
                    procedure["performedDateTime"] = json!(when);
                }
                others.push(with_note(procedure, *time));
            }
            Fact::Treatment { kind, site, time } => {
                let mut procedure = json!({
                    "resourceType": "Procedure",
                    "id": id,
                    "status": if live.unconfirmed { "unknown" } else { "completed" },
                    "code": codes.concept("procedure", kind.as_str(), kind.as_str()),
                    "subject": subject,
                    "encounter": encounter,
                });
                if let Some(site) = site {
                    procedure["bodySite"] =
                        json!([codes.concept("body_site", site.as_str(), site.as_str())]);
                }
                if let Some(when) = &when {
                    procedure["performedDateTime"] = json!(when);
                }
                others.push(with_note(procedure, *time));
            }
            Fact::Medication {
                name,
                dose,
                unit,
                route,
                time,
            } => {
                let mut dosage = serde_json::Map::new();
                if let Some(route) = route {
                    dosage.insert("route".to_owned(), json!({ "text": route.as_str() }));
                }
                if let (Some(dose), Some(unit)) = (dose, unit) {
                    let (text, code) = dose_unit(*unit);
                    dosage.insert("dose".to_owned(), quantity(*dose, text, code));
                }
                others.push(with_note(
                    administration(
                        &id,
                        codes.concept("medication", name, name),
                        &subject,
                        &encounter,
                        when.as_deref(),
                        dosage,
                    ),
                    *time,
                ));
            }
            Fact::Fluid {
                name,
                volume_ml,
                route,
                time,
            } => {
                let mut dosage = serde_json::Map::new();
                if let Some(route) = route {
                    dosage.insert("route".to_owned(), json!({ "text": route.as_str() }));
                }
                if let Some(volume) = volume_ml {
                    dosage.insert("dose".to_owned(), quantity(f64::from(*volume), "mL", "mL"));
                }
                others.push(with_note(
                    administration(
                        &id,
                        json!({ "text": name.as_str() }),
                        &subject,
                        &encounter,
                        when.as_deref(),
                        dosage,
                    ),
                    *time,
                ));
            }
            // Advisor inputs with no card field (not in `--json` either).
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
        if live.unconfirmed {
            for resource in &mut others[before..] {
                if resource["resourceType"] == "MedicationAdministration" {
                    resource["status"] = json!("unknown");
                }
                mark_unconfirmed(resource, live);
            }
        }
    }
    if !identifiers.is_empty() {
        patient["identifier"] = json!(identifiers);
    }
    push(patient);
    let mut encounter_resource = json!({
        "resourceType": "Encounter",
        "id": encounter_id,
        "status": "in-progress",
        "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                   "code": "FLD", "display": "field" },
        "subject": subject,
    });
    if let Some(priority) = priority {
        encounter_resource["priority"] = priority;
    }
    if !reasons.is_empty() {
        encounter_resource["reasonCode"] = json!(reasons);
    }
    push(encounter_resource);
    for resource in others {
        push(resource);
    }
}

fn administration(
    id: &str,
    medication: Value,
    subject: &Value,
    encounter: &Value,
    when: Option<&str>,
    dosage: serde_json::Map<String, Value>,
) -> Value {
    let mut resource = json!({
        "resourceType": "MedicationAdministration",
        "id": id,
        "status": "completed",
        "medicationCodeableConcept": medication,
        "subject": subject,
        "context": encounter,
        // R4 requires a time; the journal's time of the fact, else unknown.
        "effectiveDateTime": when.unwrap_or("1970-01-01T00:00:00Z"),
    });
    if !dosage.is_empty() {
        resource["dosage"] = Value::Object(dosage);
    }
    resource
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{is_sctid, utc_text, CodeTable, FHIR_CODES_TOML};

    #[test]
    fn the_code_table_is_valid_and_every_code_is_a_snomed_identifier() {
        let table = CodeTable::builtin().unwrap();
        assert!(table.code.len() >= 10);
        assert!(table.code.iter().all(|row| is_sctid(&row.code)));
        for (kind, key) in [
            ("procedure", "tourniquet"),
            ("procedure", "pressure_dressing"),
            ("procedure", "npa"),
            ("procedure", "ett"),
            ("procedure", "o2"),
            ("procedure", "needle_decompression"),
            ("procedure", "chest_tube"),
            ("procedure", "splint"),
            ("medication", "txa"),
            ("injury", "gsw"),
        ] {
            assert!(table.find(kind, key).is_some(), "{kind} {key}");
        }
    }

    #[test]
    fn check_digits_and_malformed_tables_are_caught() {
        assert!(is_sctid("20655006") && is_sctid("6921000") && is_sctid("386960009"));
        // One digit changed, two swapped, a leading zero, letters, too short.
        for bad in ["20655007", "20650506", "020655006", "2065500x", "12345"] {
            assert!(!is_sctid(bad), "{bad}");
        }
        let row = |kind: &str, key: &str, code: &str| {
            format!("[[code]]\nkind = \"{kind}\"\nkey = \"{key}\"\ncode = \"{code}\"\ndisplay = \"d\"\nsource = \"s\"\n")
        };
        let head = "version = \"fhir-codes/1\"\nsystem = \"http://snomed.info/sct\"\n";
        for (table, problem) in [
            (
                format!("{head}{}", row("medication", "unobtainium", "386960009")),
                "no medication",
            ),
            (
                format!("{head}{}", row("medication", "txa", "386960008")),
                "not a SNOMED CT",
            ),
            (
                format!("{head}{}", row("potion", "txa", "386960009")),
                "unknown kind",
            ),
            (
                format!(
                    "{head}{}{}",
                    row("injury", "gsw", "283545005"),
                    row("injury", "gsw", "283545005")
                ),
                "listed twice",
            ),
            (
                FHIR_CODES_TOML.replace("fhir-codes/1", "fhir-codes/9"),
                "version",
            ),
        ] {
            let error = CodeTable::parse(&table).unwrap_err();
            assert!(error.contains(problem), "{error}");
        }
    }

    #[test]
    fn utc_times_are_civil_dates() {
        assert_eq!(utc_text(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            utc_text(951_782_400 * 1_000_000_000),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            utc_text(1_796_000_000 * 1_000_000_000 + 123),
            "2026-11-30T00:53:20Z"
        );
    }
}
