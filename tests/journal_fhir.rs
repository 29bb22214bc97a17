//! `tccc export --fhir`: the bundle validates against the FHIR R4B models of the PyPI
//! package `fhir.resources` (an independent validator, installed into a virtual
//! environment this test makes under cargo's test scratch directory), holds the record's
//! facts in their resources with LOINC codes, and an invalid bundle (an Observation without
//! its required code) is refused by the same validator, so a pass means something. Without
//! python3 or the package index the test says it was skipped and why.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

const NARRATION: &str = "casualty one male gunshot wound left thigh
tourniquet left leg at zero nine fifteen
pulse one twenty respiratory rate twenty four
blood pressure ninety over sixty spo2 ninety four percent
gave one gram txa iv at zero nine twenty
five hundred milliliters whole blood io
needle decompression right chest
pressure dressing right arm
allergic to penicillin
evac urgent";

const VALIDATE: &str = r#"
import json, sys
from fhir.resources.R4B.bundle import Bundle
document = json.load(open(sys.argv[1]))
bundle = Bundle.model_validate(document)
kinds = sorted({type(e.resource).__name__ for e in bundle.entry})
print(" ".join(kinds))
bad = json.loads(json.dumps(document))
for entry in bad["entry"]:
    if entry["resource"]["resourceType"] == "Observation":
        del entry["resource"]["code"]
        break
try:
    Bundle.model_validate(bad)
    print("INVALID-ACCEPTED")
except Exception:
    print("invalid-refused")
"#;

fn venv_python() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fhir-venv");
    let python = venv.join("bin/python");
    let ready = |python: &Path| {
        Command::new(python)
            .args(["-c", "import fhir.resources.R4B.bundle"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if python.exists() && ready(&python) {
        return Ok(python);
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .map_err(|e| format!("python3 not found ({e})"))?;
    if !made.success() {
        return Err("python3 -m venv failed".to_owned());
    }
    let installed = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "fhir.resources>=8,<9"])
        .status()
        .map_err(|e| format!("pip failed to start ({e})"))?;
    if !installed.success() || !ready(&python) {
        return Err("cannot install fhir.resources from the package index".to_owned());
    }
    Ok(python)
}

#[test]
fn the_fhir_bundle_validates_and_carries_the_facts() {
    let (dir, state) =
        common::journaled_narration(&format!("fhir-{}", std::process::id()), NARRATION);
    let run = |args: &[&std::ffi::OsStr]| {
        common::tccc_ok(args);
    };
    let bundle_path = dir.join("bundle.json");
    run(&[
        "export".as_ref(),
        "--state".as_ref(),
        state.as_os_str(),
        "--fhir".as_ref(),
        bundle_path.as_os_str(),
    ]);
    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle_path).unwrap()).unwrap();
    let text = bundle.to_string();
    for needle in [
        "\"8867-4\"", // heart rate
        "\"9279-1\"", // respiratory rate
        "\"85354-9\"",
        "\"8480-6\"",
        "\"8462-4\"",  // blood pressure
        "\"59408-5\"", // SpO2
        "\"left_leg\"",
        "tourniquet",
        "\"txa\"",
        "\"whole_blood\"",
        "penicillin",
        "needle_decompression",
        "evacuation urgent",
        "time said: 09:15",
        // SNOMED CT, from src/cli/fhir_codes.toml.
        "\"20655006\"",   // application of tourniquet
        "\"386960009\"",  // tranexamic acid
        "\"283545005\"",  // gunshot wound
        "\"32153003\"",   // left lower limb
        "\"1290622004\"", // needle chest decompression
        "\"26906007\"",   // pressure dressing
        "http://snomed.info/sct",
        "fhir-codes/1",
    ] {
        assert!(text.contains(needle), "the bundle lacks {needle}: {text}");
    }
    let python = match venv_python() {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("test the_fhir_bundle_validates_and_carries_the_facts ... skipped: {reason}");
            return;
        }
    };
    let out = Command::new(python)
        .args(["-c", VALIDATE])
        .arg(&bundle_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "fhir.resources refused the bundle: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(
            "AllergyIntolerance Condition Encounter MedicationAdministration Observation Patient Procedure"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("invalid-refused"), "{stdout}");
    // Nothing in this narration is in doubt: nothing is marked unconfirmed.
    assert!(!text.contains("urn:tccc:fact-status"), "{text}");
    assert!(!text.contains("\"preliminary\"") && !text.contains("\"unknown\""));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Facts heard with a doubt: a sound-alike tourniquet, hedged values and a hedged injury.
const DOUBTED: &str = "casualty one gunshot wound left thigh
turn a kit right arm at zero nine thirty
pulse about one ten
gave maybe ten milligrams morphine iv
possibly a fracture left arm";

fn resources<'a>(bundle: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

fn is_tagged_unconfirmed(resource: &serde_json::Value) -> bool {
    resource["meta"]["tag"].as_array().is_some_and(|tags| {
        tags.iter()
            .any(|t| t["system"] == "urn:tccc:fact-status" && t["code"] == "unconfirmed")
    })
}

#[test]
fn unconfirmed_facts_carry_a_status_that_says_so_and_still_validate() {
    let (dir, state) =
        common::journaled_narration(&format!("fhir-doubt-{}", std::process::id()), DOUBTED);
    let bundle_path = dir.join("bundle.json");
    common::tccc_ok(&[
        "export".as_ref(),
        "--state".as_ref(),
        state.as_os_str(),
        "--fhir".as_ref(),
        bundle_path.as_os_str(),
    ]);
    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle_path).unwrap()).unwrap();
    let tourniquets: Vec<_> = resources(&bundle, "Procedure")
        .into_iter()
        .filter(|p| p["code"]["coding"][0]["code"] == "20655006")
        .collect();
    assert_eq!(tourniquets.len(), 1, "{bundle}");
    assert_eq!(tourniquets[0]["status"], "unknown", "{}", tourniquets[0]);
    assert!(is_tagged_unconfirmed(tourniquets[0]));
    assert_eq!(
        tourniquets[0]["bodySite"][0]["coding"][0]["code"],
        "6921000"
    );
    assert!(tourniquets[0]["note"]
        .to_string()
        .contains("unconfirmed: sound"));
    let pulse = resources(&bundle, "Observation")
        .into_iter()
        .find(|o| o["code"]["coding"][0]["code"] == "8867-4")
        .expect("the hedged pulse");
    assert_eq!(pulse["status"], "preliminary");
    assert!(is_tagged_unconfirmed(pulse));
    let morphine = resources(&bundle, "MedicationAdministration")
        .into_iter()
        .find(|m| m["medicationCodeableConcept"]["coding"][0]["code"] == "373529000")
        .expect("the hedged morphine");
    assert_eq!(morphine["status"], "unknown");
    assert!(is_tagged_unconfirmed(morphine));
    let conditions = resources(&bundle, "Condition");
    let gsw = conditions
        .iter()
        .find(|c| c["code"]["coding"][0]["code"] == "283545005")
        .expect("the gunshot wound");
    assert!(gsw.get("verificationStatus").is_none() && !is_tagged_unconfirmed(gsw));
    let fracture = conditions
        .iter()
        .find(|c| c["code"]["text"] == "injury: fracture")
        .expect("the hedged fracture");
    assert_eq!(
        fracture["verificationStatus"]["coding"][0]["code"],
        "unconfirmed"
    );
    assert!(is_tagged_unconfirmed(fracture));
    let python = match venv_python() {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("test unconfirmed_facts_carry_a_status_that_says_so_and_still_validate ... skipped: {reason}");
            return;
        }
    };
    let out = Command::new(python)
        .args(["-c", VALIDATE])
        .arg(&bundle_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "fhir.resources refused the bundle: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("invalid-refused"));
    let _ = std::fs::remove_dir_all(&dir);
}
