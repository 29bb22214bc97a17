//! The classes of error found by studying the fresh6 set, each tested by paraphrases (never
//! the set's own sentences), positive and negative: a teammate writing the card and reading
//! values back (the read-back is never a source of facts, the medic's correction wins, a
//! confirmed read-back adds nothing, a read-back naming the wrong casualty moves nothing),
//! an act called off in the same breath, facts repeated after "say again" over engine noise
//! (the same facts, not new ones), and a medic teaching a new combat lifesaver while
//! treating (general teaching, kit shown, a demonstration on a healthy volunteer, names of
//! the people taught).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{casualty, list, record_of};

use serde_json::Value;

fn has_casualty(record: &Value, id: u64) -> bool {
    record.as_array().unwrap().iter().any(|c| c["id"] == id)
}

fn vitals_with(c: &Value, sign: &str, value: impl Into<Value>) -> usize {
    let value = value.into();
    list(c, "vitals")
        .iter()
        .filter(|v| v[sign] == value)
        .count()
}

fn has_vital(c: &Value, sign: &str, value: impl Into<Value>) -> bool {
    vitals_with(c, sign, value) > 0
}

fn treatments(c: &Value, kind: &str) -> Vec<Value> {
    list(c, "treatments")
        .into_iter()
        .filter(|t| t["kind"] == kind)
        .collect()
}

fn medications(c: &Value, name: &str) -> Vec<Value> {
    list(c, "medications")
        .into_iter()
        .filter(|m| m["name"] == name)
        .collect()
}

// --- Class 1: a teammate's read-back -----------------------------------------------------

#[test]
fn a_wrong_read_back_files_nothing_and_the_medics_value_stands() {
    let record = record_of(&[
        "Casualty one, frag to the right calf.",
        "Pulse one-thirty, BP eighty-eight over fifty, resps twenty-two, he's a P.",
        "Reading back: pulse one-fifty, eighty-eight over fifty, resps twenty-two, P?",
        "No, one-thirty. One three zero. Everything else good.",
        "Ketamine fifty milligrams IM, zero nine twenty.",
        "Ketamine fifty IM at zero nine two five?",
        "Negative, zero nine twenty.",
    ]);
    let one = casualty(&record, 1);
    assert_eq!(vitals_with(&one, "pulse", 130), 1, "{record:#}");
    assert!(!has_vital(&one, "pulse", 150), "{record:#}");
    assert_eq!(vitals_with(&one, "bp_systolic", 88), 1, "{record:#}");
    assert_eq!(vitals_with(&one, "resp_rate", 22), 1, "{record:#}");
    assert_eq!(vitals_with(&one, "avpu", "P"), 1, "{record:#}");
    let ketamine = medications(&one, "ketamine");
    assert_eq!(ketamine.len(), 1, "{record:#}");
    assert_eq!(ketamine[0]["time"], "09:20", "{record:#}");
}

#[test]
fn a_confirmed_read_back_adds_no_second_entry() {
    let record = record_of(&[
        "Casualty two, shrapnel in the left hip.",
        "Two's vitals: pulse one-oh-four, sats ninety-five, alert, pain six.",
        "One-oh-four, ninety-five, alert, pain six. Anything else?",
        "That's it. Combat Gauze into the left hip wound, eleven ten.",
        "Gauze, left hip, eleven ten, copy.",
        "Check.",
    ]);
    let two = casualty(&record, 2);
    assert_eq!(list(&two, "vitals").len(), 1, "{record:#}");
    assert_eq!(
        treatments(&two, "hemostatic_dressing").len(),
        1,
        "{record:#}"
    );
}

#[test]
fn a_question_that_is_no_read_back_still_leaves_new_values() {
    // New values with a question after them are no read-back: nothing like them was said.
    let record = record_of(&[
        "Casualty one, gunshot to the left arm, tourniquet left arm at thirteen ten.",
        "Pulse one-ten, sats ninety-four. Anybody got a blanket?",
        "Sats now ninety-one, resps twenty-six. Is the bird inbound?",
    ]);
    let one = casualty(&record, 1);
    assert!(has_vital(&one, "pulse", 110), "{record:#}");
    assert!(has_vital(&one, "spo2", 94), "{record:#}");
    assert!(has_vital(&one, "spo2", 91), "{record:#}");
    assert!(has_vital(&one, "resp_rate", 26), "{record:#}");
    // The same value said again later, outside any exchange, is a new reading.
    let record = record_of(&[
        "Casualty one, gunshot to the left arm.",
        "Pulse one-ten.",
        "Tourniquet left arm, thirteen ten.",
        "Pulse one-ten.",
    ]);
    assert_eq!(
        vitals_with(&casualty(&record, 1), "pulse", 110),
        2,
        "{record:#}"
    );
}

// --- Class 2: a read-back naming the wrong casualty --------------------------------------

#[test]
fn a_read_back_naming_the_wrong_casualty_moves_nothing() {
    let record = record_of(&[
        "Two casualties from the mortar.",
        "Casualty one, burns to the left hand.",
        "Casualty two, cut across the right shin.",
        "Israeli bandage on two's right shin, fifteen forty.",
        "Bandage, casualty one, right shin, fifteen forty?",
        "Negative. Two. It's on two.",
        "Pulse ninety on him.",
        "Splint on two's right leg, fifteen fifty.",
        "Splint, casualty one, right leg, fifteen fifty, copy.",
    ]);
    let one = casualty(&record, 1);
    let two = casualty(&record, 2);
    assert!(
        treatments(&one, "pressure_dressing").is_empty(),
        "{record:#}"
    );
    assert_eq!(treatments(&two, "pressure_dressing").len(), 1, "{record:#}");
    assert!(list(&one, "vitals").is_empty(), "{record:#}");
    assert!(has_vital(&two, "pulse", 90), "{record:#}");
    assert!(treatments(&one, "splint").is_empty(), "{record:#}");
    assert_eq!(treatments(&two, "splint").len(), 1, "{record:#}");
}

// --- Class 3: an act called off in the same breath ----------------------------------------

#[test]
fn an_act_called_off_in_the_same_utterance_is_not_filed() {
    let record = record_of(&[
        "Casualty one, legs gone below the knees, whole blood IO, first unit, ten ten.",
        "Second unit of whole blood going in IO at ten twenty-five. Actually hold it, his pressure's back up, I'm not hanging the second unit.",
    ]);
    let one = casualty(&record, 1);
    let fluids = list(&one, "fluids");
    assert_eq!(fluids.len(), 1, "{record:#}");
    assert_eq!(fluids[0]["time"], "10:10", "{record:#}");
    // A second unit really hung is filed.
    let record = record_of(&[
        "Casualty one, legs gone below the knees, whole blood IO, first unit, ten ten.",
        "Second unit of whole blood IO at ten twenty-five.",
    ]);
    assert_eq!(list(&casualty(&record, 1), "fluids").len(), 2, "{record:#}");
}

// --- Class 4: facts repeated after "say again" --------------------------------------------

#[test]
fn facts_said_again_after_say_again_are_the_same_facts() {
    let record = record_of(&[
        "Casualty one, left foot gone, two tourniquets on the left leg, zero two fifty and zero two fifty-three.",
        "Say again, the rotors.",
        "Two tourniquets, left leg, zero two fifty, zero two fifty-three.",
        "Zero three ten, pulse one-twenty-eight, he's a V.",
        "Say again? Pulse one-two-eight, V.",
    ]);
    let one = casualty(&record, 1);
    let tourniquets = list(&one, "tourniquets");
    assert_eq!(tourniquets.len(), 2, "{record:#}");
    assert!(
        tourniquets.iter().any(|t| t["time"] == "02:50"),
        "{record:#}"
    );
    assert!(
        tourniquets.iter().any(|t| t["time"] == "02:53"),
        "{record:#}"
    );
    assert_eq!(list(&one, "vitals").len(), 1, "{record:#}");
}

#[test]
fn a_fact_said_only_after_say_again_is_filed_once() {
    let record = record_of(&[
        "Casualty two, gunshot to the right upper arm, bleeding bad.",
        "Say again, engine noise.",
        "I said tourniquet, right arm, zero five fifteen.",
    ]);
    let tourniquets = list(&casualty(&record, 2), "tourniquets");
    assert_eq!(tourniquets.len(), 1, "{record:#}");
    assert_eq!(tourniquets[0]["limb"], "right_arm", "{record:#}");
    assert_eq!(tourniquets[0]["time"], "05:15", "{record:#}");
}

#[test]
fn a_new_reading_after_say_again_is_filed() {
    let record = record_of(&[
        "Casualty one, chest wound left side, chest seal on, zero eight ten.",
        "Sats eighty-eight, zero eight fifteen.",
        "Say again? Sats ninety now, zero eight twenty, after the seal.",
    ]);
    let one = casualty(&record, 1);
    assert!(has_vital(&one, "spo2", 88), "{record:#}");
    assert!(has_vital(&one, "spo2", 90), "{record:#}");
    // The oxygen a reading was taken on is no oxygen given.
    let record = record_of(&[
        "Casualty one, chest wound left side, oxygen on at zero eight ten.",
        "Zero eight thirty, sats ninety-five on the oxygen.",
    ]);
    assert_eq!(
        treatments(&casualty(&record, 1), "o2").len(),
        1,
        "{record:#}"
    );
}

// --- Class 5: teaching while treating -------------------------------------------------------

#[test]
fn teaching_kit_and_a_demonstration_file_nothing() {
    let record = record_of(&[
        "Specialist Reyes, watch this, it's a real one. Casualty one, frag to the left thigh.",
        "Sometimes on an arm you need a second one above the first, not here though.",
        "If he was hit in the belly you'd cover it with a wet dressing, but he isn't.",
        "Chest seals live in your bag, two of them, vented.",
        "Tylenol's in the pill pack too.",
        "Now watch, slide a nasal airway into Nguyen so you see how, he volunteered, he's fine.",
        "Okay, take it back out of Nguyen.",
    ]);
    let one = casualty(&record, 1);
    assert!(one["name"].is_null(), "{record:#}");
    assert!(list(&one, "treatments").is_empty(), "{record:#}");
    assert!(list(&one, "medications").is_empty(), "{record:#}");
    assert!(list(&one, "tourniquets").is_empty(), "{record:#}");
    assert!(!has_casualty(&record, 2), "{record:#}");
}

#[test]
fn real_acts_while_teaching_are_filed() {
    let record = record_of(&[
        "Corporal Banks, look here. Casualty one, frag to the left thigh, it's pumping.",
        "See how I crank the windlass; the tourniquet is on now, left leg, zero nine forty.",
        "Now his pulse, at the neck. His is one-thirty. You count for fifteen and times four.",
        "Hey man, can you hear me? He's answering, so he's an A. He says pain's an eight.",
        "Next set: his pulse, you take it. One-twenty? I count one-twenty-four, we write one-twenty-four.",
    ]);
    let one = casualty(&record, 1);
    assert!(one["name"].is_null(), "{record:#}");
    let tourniquets = list(&one, "tourniquets");
    assert_eq!(tourniquets.len(), 1, "{record:#}");
    assert_eq!(tourniquets[0]["time"], "09:40", "{record:#}");
    assert!(has_vital(&one, "pulse", 130), "{record:#}");
    assert!(has_vital(&one, "avpu", "A"), "{record:#}");
    assert!(has_vital(&one, "pain", 8), "{record:#}");
    assert!(has_vital(&one, "pulse", 124), "{record:#}");
    assert!(!has_vital(&one, "pulse", 120), "{record:#}");
    // The casualty's own rank and name, said as the casualty, is his name.
    let record = record_of(&[
        "Okay Miller, this is the casualty, Corporal Vance, gunshot to the right forearm.",
    ]);
    assert_eq!(casualty(&record, 1)["name"], "Corporal Vance", "{record:#}");
}

#[test]
fn a_possibility_said_beside_a_wound_gives_it_no_place() {
    let record = record_of(&[
        "Casualty one, laceration on the right forearm, and he says his right ankle might be broken.",
    ]);
    let one = casualty(&record, 1);
    let injuries = list(&one, "injuries");
    assert_eq!(injuries.len(), 1, "{record:#}");
    assert_eq!(injuries[0]["region"], "right_arm", "{record:#}");
    assert_eq!(injuries[0]["kind"], "laceration", "{record:#}");
}

#[test]
fn a_level_of_response_letter_before_a_full_stop_or_now() {
    let record = record_of(&[
        "Casualty one, gunshot to the belly.",
        "He's a V. Pain's a seven.",
        "Ten forty, pulse one-twenty, he's a P now.",
    ]);
    let one = casualty(&record, 1);
    assert!(has_vital(&one, "avpu", "V"), "{record:#}");
    assert!(has_vital(&one, "pain", 7), "{record:#}");
    assert!(has_vital(&one, "avpu", "P"), "{record:#}");
    // "an A" in everyday talk is no level of response.
    let record = record_of(&["He got an A on the land nav test."]);
    assert!(
        record
            .as_array()
            .unwrap()
            .iter()
            .all(|c| list(c, "vitals").is_empty()),
        "{record:#}"
    );
}
