//! The classes of error found by studying the fresh6 set's everyday talk and advisor
//! narration D3, each tested by paraphrases (never the set's own sentences): an aid-bag
//! inventory read as care, a friend's sports injury back home, the speaker's own pulse after
//! PT, a convoy brief's "IED hotspot" (all must file nothing, while the same words said of a
//! casualty still file); and drugs first said for the wrong casualty and corrected in the
//! same utterance, a drug said "to two" in a list for two casualties, and a tourniquet
//! removal with its time said after a conversion.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{casualty, casualty_or_null, list, live_facts as facts, record_of};

use serde_json::Value;

fn nothing_filed(line: &str) {
    let record = record_of(&[line]);
    assert!(
        record.as_array().unwrap().is_empty(),
        "{line:?} filed {record:#}"
    );
}

fn has_treatment(c: &Value, kind: &str) -> bool {
    list(c, "treatments").iter().any(|t| t["kind"] == kind)
}

fn medications(c: &Value, name: &str) -> Vec<Value> {
    list(c, "medications")
        .into_iter()
        .filter(|m| m["name"] == name)
        .collect()
}

fn has_vital(c: &Value, sign: &str, value: impl Into<Value>) -> bool {
    let value = value.into();
    list(c, "vitals").iter().any(|v| v[sign] == value)
}

// --- Class 1: everyday talk that is no report ---------------------------------------

#[test]
fn an_aid_bag_inventory_files_nothing() {
    for line in [
        "Five Israeli bandages, two rolls of Kerlix, one roll is torn open, swap it out.",
        "Chest seals, three, vented, and two fourteen-gauge needles, all in date.",
        "Drug pouch: TXA, one gram, three vials; ketamine, four vials; Zofran ODTs, twelve.",
        "Blizzard blanket, one, sealed; SAM splints, three; eye shields, four; pill packs, six.",
        "I count four CATs and one SOFTT-W in the pouch, two expire next month.",
    ] {
        nothing_filed(line);
    }
}

#[test]
fn kit_put_on_a_casualty_still_files_beside_inventory_words() {
    let record = record_of(&["Two chest seals on his chest, front and back, at ten fifteen."]);
    assert!(
        has_treatment(&casualty(&record, 1), "chest_seal"),
        "{record:#}"
    );
    let record =
        record_of(&["Casualty one, Israeli bandages, two of them, on the left arm, ten fifteen."]);
    assert!(
        has_treatment(&casualty(&record, 1), "pressure_dressing"),
        "{record:#}"
    );
}

#[test]
fn a_friends_sports_injury_back_home_files_nothing() {
    for line in [
        "My roommate's boyfriend counted his pulse in the car, said it was like a hundred and twenty.",
        "The ER gave her naproxen, five hundred milligrams, and a pair of crutches.",
        "She told her trainer the pain was a nine, but she rates everything a nine.",
    ] {
        nothing_filed(line);
    }
}

#[test]
fn a_casualty_in_the_same_words_still_files() {
    let record = record_of(&["He says the pain is a six, fentanyl lozenge at ten fifteen."]);
    let one = casualty(&record, 1);
    assert!(has_vital(&one, "pain", 6), "{record:#}");
    assert_eq!(medications(&one, "fentanyl").len(), 1, "{record:#}");
    let record = record_of(&[
        "Medic up, his girlfriend pulled him out of the car, tourniquet on the left leg at ten fifteen.",
    ]);
    assert!(
        !list(&casualty(&record, 1), "tourniquets").is_empty(),
        "{record:#}"
    );
}

#[test]
fn the_speakers_own_pulse_after_pt_files_nothing() {
    for line in [
        "Count your pulse after the run, mine came out at one fifty, that's about right.",
        "Feel your heart rate after the sprints, mine was one seventy-five.",
    ] {
        nothing_filed(line);
    }
    let record =
        record_of(&["Casualty one went down after the run, pulse one sixty at ten fifteen."]);
    assert!(has_vital(&casualty(&record, 1), "pulse", 160), "{record:#}");
}

#[test]
fn a_convoy_brief_hotspot_files_no_mechanism() {
    for line in [
        "Known IED hotspot by the culvert past checkpoint two, we dismount and clear it.",
        "Two IED hotspots on the hardball past the rally point, watch the culverts.",
    ] {
        nothing_filed(line);
    }
    let record = record_of(&[
        "IED at the culvert past checkpoint two, casualty one, left leg gone, tourniquet at ten fifteen.",
    ]);
    assert_eq!(
        list(&casualty(&record, 1), "mechanisms"),
        vec![Value::from("ied")],
        "{record:#}"
    );
}

// --- Class 2: drugs said for the wrong casualty and corrected --------------------------

const TWO_CASUALTIES: [&str; 2] = [
    "Casualty one, gunshot to the left calf, tourniquet on the left leg at ten hundred.",
    "Casualty two, shrapnel in the chest and both hands.",
];

fn with_two(lines: &[&str]) -> Value {
    let mut all: Vec<&str> = TWO_CASUALTIES.to_vec();
    all.extend_from_slice(lines);
    record_of(&all)
}

#[test]
fn a_drug_said_into_the_wrong_casualty_and_corrected_goes_to_the_right_one() {
    let record = with_two(&[
        "Morphine ten milligrams IM into casualty two, ten oh-five. Correction, that was casualty one. One got the morphine, two has had nothing.",
    ]);
    let one = casualty(&record, 1);
    let two = casualty_or_null(&record, 2);
    let morphine = medications(&one, "morphine");
    assert_eq!(morphine.len(), 1, "{record:#}");
    assert_eq!(morphine[0]["dose"], 10.0, "{record:#}");
    assert_eq!(morphine[0]["route"], "im", "{record:#}");
    assert_eq!(morphine[0]["time"], "10:05", "{record:#}");
    assert!(list(&two, "medications").is_empty(), "{record:#}");
}

#[test]
fn a_drug_said_into_a_casualty_uncorrected_stays_there() {
    let record = with_two(&["Ketamine fifty milligrams IM into casualty one, ten oh-five."]);
    assert_eq!(
        medications(&casualty(&record, 1), "ketamine").len(),
        1,
        "{record:#}"
    );
    assert!(
        list(&casualty_or_null(&record, 2), "medications").is_empty(),
        "{record:#}"
    );
}

#[test]
fn a_bare_casualty_number_corrected_keeps_the_dose() {
    let record = with_two(&[
        "Cefazolin two grams IV into two, ten twenty, no, wait, into one. One got the cefazolin.",
    ]);
    let cefazolin = medications(&casualty(&record, 1), "cefazolin");
    assert_eq!(cefazolin.len(), 1, "{record:#}");
    assert_eq!(cefazolin[0]["dose"], 2.0, "{record:#}");
    assert_eq!(cefazolin[0]["time"], "10:20", "{record:#}");
    assert!(
        medications(&casualty_or_null(&record, 2), "cefazolin").is_empty(),
        "{record:#}"
    );
}

#[test]
fn a_value_corrected_after_a_casualty_is_no_casualty() {
    // "that was two" with no "into"/"to" is a value, not a casualty.
    let record = with_two(&["Casualty one, pain three, correction, that was two."]);
    assert!(has_vital(&casualty(&record, 1), "pain", 2), "{record:#}");
    assert!(
        list(&casualty_or_null(&record, 2), "vitals").is_empty(),
        "{record:#}"
    );
}

#[test]
fn drugs_said_to_each_casualty_in_one_list_go_to_each() {
    let record = with_two(&[
        "Casualty one, cefazolin two grams IV to one, ertapenem one gram IM to two, ten forty.",
    ]);
    assert_eq!(
        medications(&casualty(&record, 1), "cefazolin").len(),
        1,
        "{record:#}"
    );
    assert!(
        medications(&casualty(&record, 1), "ertapenem").is_empty(),
        "{record:#}"
    );
    assert_eq!(
        medications(&casualty(&record, 2), "ertapenem").len(),
        1,
        "{record:#}"
    );
}

#[test]
fn a_casualty_number_followed_by_hasnt_is_no_dose() {
    let record = with_two(&["Two got the fentanyl lozenge at ten fifty, one hasn't had any."]);
    let fentanyl = medications(&casualty(&record, 2), "fentanyl");
    assert_eq!(fentanyl.len(), 1, "{record:#}");
    assert!(fentanyl[0]["dose"].is_null(), "{record:#}");
    assert!(
        medications(&casualty(&record, 1), "fentanyl").is_empty(),
        "{record:#}"
    );
}

// --- Class 3: a removal said twice keeps its time --------------------------------------

#[test]
fn a_conversion_then_the_removal_with_its_time_is_one_removal_at_that_time() {
    for (lines, want) in [
        (
            [
                "Casualty one, GSW to the left forearm, tourniquet on the left arm, ten hundred.",
                "One's tourniquet converted to an Israeli bandage, tourniquet off at eleven fifteen, bleeding controlled.",
            ],
            "casualty 1: tourniquet off left_arm at 11:15",
        ),
        (
            [
                "Casualty one, frag to both thighs, tourniquets on both legs at ten hundred.",
                "Right leg tourniquet converted, tourniquet off at eleven fifteen.",
            ],
            "casualty 1: tourniquet off right_leg at 11:15",
        ),
    ] {
        let facts = facts(&lines);
        let removals: Vec<&String> = facts.iter().filter(|f| f.contains("tourniquet off")).collect();
        assert_eq!(removals, vec![want], "{lines:?}: {facts:?}");
    }
}

#[test]
fn a_removal_said_once_without_a_time_stays_timeless() {
    let facts = facts(&[
        "Casualty one, GSW to the left forearm, tourniquet on the left arm, ten hundred.",
        "Tourniquet converted to a pressure dressing, no bleeding.",
    ]);
    let removals: Vec<&String> = facts
        .iter()
        .filter(|f| f.contains("tourniquet off"))
        .collect();
    assert_eq!(
        removals,
        vec!["casualty 1: tourniquet off left_arm"],
        "{facts:?}"
    );
}
