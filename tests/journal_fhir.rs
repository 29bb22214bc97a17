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
    let _ = std::fs::remove_dir_all(&dir);
}
