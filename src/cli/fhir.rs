//! `tccc export --fhir OUT`: the record as a FHIR R4 `Bundle` (type `collection`) for the
//! receiving facility: per casualty a `Patient` and an `Encounter`, a `Condition` per
//! injury, an `AllergyIntolerance` per allergy, an `Observation` per vital sign (LOINC
//! codes, category `vital-signs`), a `Procedure` per treatment and tourniquet, and a
//! `MedicationAdministration` per medication and fluid (dose, route, time).
//!
//! Times: the card's clock times have no date, so each resource carries the UTC time at
//! which the journal recorded the fact (`effectiveDateTime`, `performedDateTime`) and the
//! spoken clock time as a note. Procedures carry their kind as text (no SNOMED CT codes
//! yet: see ARCHITECTURE.md). The record has no unconfirmed facts yet; every resource is
//! `final`/`completed`.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::record::{
    CasualtyId, Clock, DoseUnit, Event, EventLog, Fact, FactId, LiveFact, VitalValue,
};

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
pub fn bundle(log: &EventLog, event_wall_ns: &[i64], exported_ns: i64) -> Value {
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
        casualty_resources(casualty, &facts, &fact_time, &mut push);
    }
    json!({
        "resourceType": "Bundle",
        "id": "tccc-export",
        "type": "collection",
        "timestamp": utc_text(exported_ns),
        "entry": entries,
    })
}

fn casualty_resources(
    casualty: CasualtyId,
    facts: &[&LiveFact],
    fact_time: &HashMap<FactId, i64>,
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
    for (n, live) in facts.iter().enumerate() {
        let id = format!("c{casualty}-f{}", live.id);
        let when = fact_time.get(&live.id).map(|ns| utc_text(*ns));
        let _ = n;
        match &live.fact {
            Fact::Sex(sex) => patient["gender"] = json!(sex.as_str()),
            Fact::Name(name) => patient["name"] = json!([{ "text": name }]),
            Fact::Last4(last4) => identifiers
                .push(json!({ "system": "urn:tccc:ssn-last4", "value": last4 })),
            Fact::BattleRoster(roster) => identifiers
                .push(json!({ "system": "urn:tccc:battle-roster", "value": roster })),
            Fact::Evac(evac) => priority = Some(json!({ "text": format!("evacuation {evac}") })),
            Fact::Mechanism(mechanism) => {
                reasons.push(json!({ "text": format!("mechanism of injury: {mechanism}") }))
            }
            Fact::Allergy(allergen) => others.push(json!({
                "resourceType": "AllergyIntolerance",
                "id": id,
                "patient": subject,
                "code": { "text": if allergen == "nkda" { "no known drug allergies" } else { allergen.as_str() } },
            })),
            Fact::Injury { region, kind } => others.push(json!({
                "resourceType": "Condition",
                "id": id,
                "clinicalStatus": { "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active" }] },
                "code": { "text": format!("injury: {kind}") },
                "bodySite": [{ "text": region.as_str() }],
                "subject": subject,
                "encounter": encounter,
            })),
            Fact::Vital { value, time } => {
                let (code, value) = vital(value);
                let mut observation = json!({
                    "resourceType": "Observation",
                    "id": id,
                    "status": "final",
                    "category": [{ "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs", "display": "Vital Signs" }] }],
                    "code": code,
                    "subject": subject,
                    "encounter": encounter,
                });
                if let (Some(object), Some(values)) = (observation.as_object_mut(), value.as_object()) {
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
                    "status": "completed",
                    "code": { "text": format!("{kind} tourniquet applied") },
                    "subject": subject,
                    "encounter": encounter,
                    "bodySite": [{ "text": limb.as_str() }],
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
                    "status": "completed",
                    "code": { "text": kind.as_str() },
                    "subject": subject,
                    "encounter": encounter,
                });
                if let Some(site) = site {
                    procedure["bodySite"] = json!([{ "text": site.as_str() }]);
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
                    administration(&id, json!({ "text": name }), &subject, &encounter, when.as_deref(), dosage),
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
                    administration(&id, json!({ "text": name.as_str() }), &subject, &encounter, when.as_deref(), dosage),
                    *time,
                ));
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
mod tests {
    use super::utc_text;

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
