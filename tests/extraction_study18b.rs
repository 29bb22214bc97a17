//! The typed leftovers of the studied set 18 (branch ext10), each a class tested by
//! paraphrases (never the set's own sentences), positive and negative: a phone-typed
//! casualty header's lone sex letter ("cas 2 F"), a hedged value that completes a sign named
//! just before it ("breathing fast, about thirty a minute"), a drug's dose said in the
//! sentence after the drug, a new reading said as "now it's a three", a side said as a
//! clause of its own after a limb ("X on the arm, right upper, laceration"), and a drug
//! named alone and refused by a bare "no" ("Morphine, no, not with that pressure").

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{casualty, has_vital, list, medication, record_of};

use serde_json::Value;

fn regions_of(c: &Value, kind: &str) -> Vec<Value> {
    list(c, "injuries")
        .into_iter()
        .filter(|i| i["kind"] == kind)
        .map(|i| i["region"].clone())
        .collect()
}

// --- Class 1: a typed casualty header's lone sex letter ----------------------------------

#[test]
fn a_lone_letter_after_a_typed_casualty_number_is_the_sex() {
    for (line, sex) in [
        ("pt 2 F frag R arm", "female"),
        ("cas 3 M burns both hands", "male"),
        ("Casualty 2, F, shrapnel to the face.", "female"),
    ] {
        let record = record_of(&["Casualty one, pulse 80.", line]);
        let id = if line.contains('3') { 3 } else { 2 };
        assert_eq!(casualty(&record, id)["sex"], sex, "{line:?}: {record:#}");
    }
}

#[test]
fn a_letter_that_is_no_header_is_no_sex() {
    for line in [
        "cas 2 m from the wall, frag R arm",
        "casualty 2 f and g rows are clear, pulse 90",
        "Casualty 2, M4 is jammed, pulse 90.",
    ] {
        let record = record_of(&["Casualty one, pulse 80.", line]);
        assert!(
            casualty(&record, 2)["sex"].is_null(),
            "{line:?}: {record:#}"
        );
    }
}

// --- Class 2: a hedged value that completes a sign named without one ----------------------

#[test]
fn a_hedged_value_after_a_bare_sign_is_that_signs_value() {
    for (line, sign, value) in [
        (
            "Gunshot to the left chest, breathing hard, about thirty a minute.",
            "resp_rate",
            30,
        ),
        (
            "Frag to the right leg, pulse thready, maybe one forty.",
            "pulse",
            140,
        ),
    ] {
        let record = record_of(&["Casualty one.", line]);
        let c = casualty(&record, 1);
        assert!(has_vital(&c, sign, value), "{line:?}: {c:#}");
    }
}

#[test]
fn a_hedged_second_guess_after_a_value_stays_dropped() {
    let record = record_of(&["Casualty one.", "Pulse one twenty, maybe one thirty."]);
    let c = casualty(&record, 1);
    assert!(has_vital(&c, "pulse", 120), "{c:#}");
    assert!(!has_vital(&c, "pulse", 130), "{c:#}");
    // A hedge with no sign before it lends its value to nothing.
    let record = record_of(&["Casualty one.", "Splint on the left arm, about forty."]);
    let c = casualty(&record, 1);
    assert!(list(&c, "vitals").is_empty(), "{c:#}");
}

// --- Class 3: a dose said in the sentence after its drug ---------------------------------

#[test]
fn a_dose_sentence_after_a_bare_drug_is_its_dose() {
    let record = record_of(&[
        "Casualty one.",
        "Morphine, the first syringe jammed, binned it. Second one, five milligrams IV at ten ten.",
    ]);
    let c = casualty(&record, 1);
    let morphine = medication(&c, "morphine");
    assert_eq!(morphine.len(), 1, "{c:#}");
    assert_eq!(morphine[0]["dose"], 5.0, "{c:#}");
    assert_eq!(morphine[0]["route"], "iv", "{c:#}");
    assert_eq!(morphine[0]["time"], "10:10", "{c:#}");
}

#[test]
fn a_dose_sentence_does_not_reach_a_drug_that_has_one_or_another_anchor() {
    // The drug named before already has its dose: a bare dose after it is no dose of it.
    let record = record_of(&[
        "Casualty one.",
        "Ketamine fifty milligrams IM. Twenty milligrams at ten twenty.",
    ]);
    let c = casualty(&record, 1);
    let ketamine = medication(&c, "ketamine");
    assert_eq!(ketamine.len(), 1, "{c:#}");
    assert_eq!(ketamine[0]["dose"], 50.0, "{c:#}");
    // A dose quoted, with no route or time, is no dose given.
    let record = record_of(&[
        "Casualty one.",
        "Ketamine. Fifty milligrams is the max dose.",
    ]);
    let c = casualty(&record, 1);
    assert!(
        medication(&c, "ketamine")
            .iter()
            .all(|m| m["dose"].is_null()),
        "{c:#}"
    );
    // The dose sentence names its own drug.
    let record = record_of(&[
        "Casualty one.",
        "Morphine, no, not with that pressure. Ketamine, twenty milligrams IV.",
    ]);
    let c = casualty(&record, 1);
    assert!(medication(&c, "morphine").is_empty(), "{c:#}");
    assert_eq!(medication(&c, "ketamine")[0]["dose"], 20.0, "{c:#}");
}

// --- Class 4: a new reading said as "now it's a three" ----------------------------------

#[test]
fn now_and_a_bare_value_is_a_new_reading_of_the_sign_said_before() {
    let record = record_of(&[
        "Casualty one.",
        "Pain was a seven, fentanyl eight hundred micrograms OTFC, now it's a three.",
    ]);
    let c = casualty(&record, 1);
    assert!(has_vital(&c, "pain", 7), "{c:#}");
    assert!(has_vital(&c, "pain", 3), "{c:#}");
    let record = record_of(&[
        "Casualty one.",
        "Sats reading nothing, cold fingers, moved the probe to his ear. Okay, now ninety three.",
    ]);
    let c = casualty(&record, 1);
    assert!(has_vital(&c, "spo2", 93), "{c:#}");
}

#[test]
fn now_with_other_words_or_no_sign_is_no_reading() {
    for line in [
        "Pain was a seven, now it's a four hour drive to the Role Two.",
        "Splint on the left leg, now two of them are done.",
        "Pain's a six. We move now, at fourteen ten.",
    ] {
        let record = record_of(&["Casualty one.", line]);
        let c = casualty(&record, 1);
        let pains: Vec<Value> = list(&c, "vitals")
            .into_iter()
            .filter(|v| !v["pain"].is_null() || !v["pulse"].is_null())
            .collect();
        assert!(pains.len() <= 1, "{line:?}: {c:#}");
        assert!(!has_vital(&c, "pain", 4), "{line:?}: {c:#}");
        assert!(!has_vital(&c, "pain", 2), "{line:?}: {c:#}");
    }
}

// --- Class 5: a side said as a clause of its own after a limb ----------------------------

#[test]
fn a_side_clause_after_an_unsided_limb_gives_it_its_side() {
    for (line, kind, region) in [
        (
            "X on the arm, right upper, laceration.",
            "laceration",
            "right_arm",
        ),
        (
            "Marked an X on the leg, left lower, frag.",
            "penetrating",
            "left_leg",
        ),
        (
            "Gunshot wound to the chest, left side.",
            "gsw",
            "left_chest",
        ),
    ] {
        let record = record_of(&["Casualty one.", line]);
        let c = casualty(&record, 1);
        assert_eq!(
            regions_of(&c, kind),
            vec![Value::from(region)],
            "{line:?}: {c:#}"
        );
    }
    // A region that has no side keeps none ("the belly, left lower": still the abdomen).
    let record = record_of(&["Casualty one.", "X on the belly, right upper, frag."]);
    let c = casualty(&record, 1);
    assert_eq!(
        regions_of(&c, "penetrating"),
        vec![Value::from("abdomen")],
        "{c:#}"
    );
}

#[test]
fn a_side_clause_that_says_more_or_follows_a_sided_place_lends_nothing() {
    // Two places before it: no guess.
    let record = record_of(&["Casualty one.", "GSW left leg, right lower, frag."]);
    let c = casualty(&record, 1);
    assert!(
        !regions_of(&c, "penetrating").contains(&Value::from("right_leg")),
        "{c:#}"
    );
    // The side's clause says something else about the other side.
    let record = record_of(&["Casualty one.", "Splint on the arm, left side's fine."]);
    let c = casualty(&record, 1);
    let splints: Vec<Value> = list(&c, "treatments")
        .into_iter()
        .filter(|t| t["kind"] == "splint")
        .collect();
    assert!(splints.iter().all(|t| t["site"] != "left_arm"), "{c:#}");
}

// --- Class 6: a drug named alone, refused by a bare "no" --------------------------------

#[test]
fn a_bare_no_after_a_drug_named_alone_refuses_it() {
    for line in [
        "Morphine, no, not with that pressure.",
        "Ketamine, no, he's fine on the pill pack.",
        // Non-native word order: "not" under the order cue "do not" still denies.
        "So ketamine I do not give, he is sleeping.",
    ] {
        let record = record_of(&["Casualty one.", line]);
        let c = casualty(&record, 1);
        assert!(list(&c, "medications").is_empty(), "{line:?}: {c:#}");
    }
}

#[test]
fn a_no_that_answers_something_else_refuses_nothing() {
    // "no" with words of its own, or after a drug that has its dose, keeps the drug.
    for line in [
        "Morphine ten milligrams IV, no, no reaction.",
        "Ketamine, no allergies, twenty milligrams IV.",
    ] {
        let record = record_of(&["Casualty one.", line]);
        let c = casualty(&record, 1);
        assert_eq!(list(&c, "medications").len(), 1, "{line:?}: {c:#}");
    }
}

// --- Class 7: the sats' trend in a clause of its own before the value -------------------

#[test]
fn a_sat_trend_clause_takes_the_value_after_it() {
    let record = record_of(&["Casualty one.", "Sat's climbing, ninety three now."]);
    let c = casualty(&record, 1);
    assert!(has_vital(&c, "spo2", 93), "{c:#}");
    // "sat" as a verb, with a trend word in another clause, is no sign.
    let record = record_of(&[
        "Casualty one.",
        "He sat up, dropping his rifle, ninety seconds ago.",
    ]);
    let c = casualty(&record, 1);
    assert!(list(&c, "vitals").is_empty(), "{c:#}");
}

// --- Class 8: a drug that "goes to" a casualty, its dose in the next sentence -----------

#[test]
fn a_drug_that_goes_to_a_casualty_takes_the_dose_said_next() {
    let record = record_of(&[
        "Casualty one, pulse 90.",
        "Casualty two, gunshot left leg.",
        "Ketamine goes to casualty two then. Fifty milligrams IM, okay it's in, ten forty.",
    ]);
    let ketamine = medication(&casualty(&record, 2), "ketamine");
    assert_eq!(ketamine.len(), 1, "{record:#}");
    assert_eq!(ketamine[0]["dose"], 50.0, "{record:#}");
    assert_eq!(ketamine[0]["time"], "10:40", "{record:#}");
    assert!(
        medication(&casualty(&record, 1), "ketamine").is_empty(),
        "{record:#}"
    );
    // "goes to" after something other than care moves nothing.
    let record = record_of(&[
        "Casualty one, pulse 90.",
        "Casualty two, gunshot left leg.",
        "Back to casualty one. Ketamine fifty milligrams IM. Doc goes to casualty two.",
    ]);
    assert_eq!(
        medication(&casualty(&record, 1), "ketamine").len(),
        1,
        "{record:#}"
    );
}
