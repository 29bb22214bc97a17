//! The classes of error found by studying the fresh5 set, each tested by paraphrases (never
//! the set's own sentences): mass-casualty triage in short bursts (a casualty number called
//! out at the start of a sentence, casualties numbered by position and named by it later,
//! counted in order of mention), a nervous combat lifesaver (fillers, stutters, false
//! starts, "no" between two values), a handover answering a nurse's questions (an allergy
//! named in the answer, a bare dose of a drug given in one unit only), and everyday talk
//! that must file nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{casualty, list, record_of};

use serde_json::Value;

fn has_casualty(record: &Value, id: u64) -> bool {
    record.as_array().unwrap().iter().any(|c| c["id"] == id)
}

fn has_injury(c: &Value, region: &str, kind: &str) -> bool {
    list(c, "injuries")
        .iter()
        .any(|i| i["region"] == region && i["kind"] == kind)
}

fn has_vital(c: &Value, sign: &str, value: impl Into<Value>) -> bool {
    let value = value.into();
    list(c, "vitals").iter().any(|v| v[sign] == value)
}

fn has_treatment(c: &Value, kind: &str) -> bool {
    list(c, "treatments").iter().any(|t| t["kind"] == kind)
}

fn medication(c: &Value, name: &str) -> Option<Value> {
    list(c, "medications")
        .into_iter()
        .find(|m| m["name"] == name)
}

// --- Class 1: mass-casualty triage ---------------------------------------------------

#[test]
fn a_number_called_out_at_a_sentence_start_switches_within_the_announced_count() {
    let record = record_of(&[
        "Three casualties at the collection point.",
        "One, gunshot to the right thigh, tourniquet right leg at ten twenty.",
        "Three, shrapnel in the left forearm, pressure dressing on it.",
        "Two, burns to the face, he's alert, pulse one hundred.",
        "Three, pulse one-twenty, he's a P.",
        "One's pulse is ninety.",
    ]);
    let one = casualty(&record, 1);
    let two = casualty(&record, 2);
    let three = casualty(&record, 3);
    assert!(has_injury(&one, "right_leg", "gsw"), "{record:#}");
    assert!(has_injury(&three, "left_arm", "penetrating"), "{record:#}");
    assert!(has_injury(&two, "face", "burn"), "{record:#}");
    assert!(!has_injury(&one, "left_arm", "penetrating"), "{record:#}");
    assert!(!has_injury(&one, "face", "burn"), "{record:#}");
    assert!(has_vital(&two, "pulse", 100), "{record:#}");
    assert!(has_vital(&three, "pulse", 120), "{record:#}");
    assert!(has_vital(&three, "avpu", "P"), "{record:#}");
    assert!(has_vital(&one, "pulse", 90), "{record:#}");
    assert!(has_treatment(&three, "pressure_dressing"), "{record:#}");
}

#[test]
fn a_number_opening_a_sentence_without_an_announcement_names_no_new_casualty() {
    // No count was announced and nobody was numbered: "Two, ..." is no casualty.
    let record = record_of(&[
        "Gunshot to the left thigh, tourniquet left leg at zero nine ten.",
        "Two, maybe three minutes and he stopped bleeding.",
        "Pain? Four, maybe five.",
    ]);
    assert!(!has_casualty(&record, 2), "{record:#}");
    assert!(!has_casualty(&record, 4), "{record:#}");
    // After a question the number is an answer, not a casualty, even within the count.
    let record = record_of(&[
        "Four wounded at the checkpoint.",
        "One, frag to the right calf.",
        "His pain? Four, maybe five.",
    ]);
    assert!(!has_casualty(&record, 4), "{record:#}");
}

#[test]
fn casualties_numbered_by_position_are_named_by_it_later() {
    let record = record_of(&[
        "A mortar round landed in the motor pool, three down. Numbering them: one by the truck, two in the doorway, three lying on the stretcher.",
        "Doorway, shrapnel to the neck, packed with Combat Gauze.",
        "Stretcher, his left hand's gone, tourniquet left arm, zero two ten.",
        "Truck guy, pulse one-forty, radial's weak.",
        "Doorway's sats ninety-six.",
    ]);
    let one = casualty(&record, 1);
    let two = casualty(&record, 2);
    let three = casualty(&record, 3);
    for c in [&one, &two, &three] {
        assert!(
            list(c, "mechanisms").iter().any(|m| m == "artillery"),
            "{record:#}"
        );
    }
    assert!(has_injury(&two, "neck", "penetrating"), "{record:#}");
    assert!(has_treatment(&two, "hemostatic_dressing"), "{record:#}");
    assert!(has_vital(&two, "spo2", 96), "{record:#}");
    assert!(has_injury(&three, "left_arm", "amputation"), "{record:#}");
    assert!(
        list(&three, "tourniquets")
            .iter()
            .any(|t| t["limb"] == "left_arm" && t["time"] == "02:10"),
        "{record:#}"
    );
    assert!(has_vital(&one, "pulse", 140), "{record:#}");
    assert!(list(&one, "tourniquets").is_empty(), "{record:#}");
    assert!(list(&one, "injuries").is_empty(), "{record:#}");
}

#[test]
fn a_position_said_before_no_numbering_names_no_one() {
    // "one in the chest" is a wound's count, not a casualty by position; "Doorway," with no
    // description said before switches nothing.
    let record = record_of(&[
        "Two rounds, one in the chest and one in the left leg.",
        "Doorway, clear it, we're moving him out.",
        "Pulse one-twenty.",
    ]);
    assert_eq!(record.as_array().unwrap().len(), 1, "{record:#}");
    assert!(has_vital(&casualty(&record, 1), "pulse", 120), "{record:#}");
}

#[test]
fn casualties_counted_in_order_of_mention() {
    let record = record_of(&[
        "Okay, there's two guys, the Humvee rolled over.",
        "First guy, the gunner, a cut on his forehead, pressure dressing on it.",
        "Second guy's got a broken left forearm, I splinted it.",
        "Gunner's pulse is ninety, he's alert.",
        "Second guy, pain's a six.",
    ]);
    let one = casualty(&record, 1);
    let two = casualty(&record, 2);
    assert!(has_injury(&one, "face", "laceration"), "{record:#}");
    assert!(has_vital(&one, "pulse", 90), "{record:#}");
    assert!(has_injury(&two, "left_arm", "fracture"), "{record:#}");
    assert!(has_treatment(&two, "splint"), "{record:#}");
    assert!(has_vital(&two, "pain", 6), "{record:#}");
    assert!(!has_vital(&two, "pulse", 90), "{record:#}");
    for c in [&one, &two] {
        assert!(
            list(c, "mechanisms").iter().any(|m| m == "mvc"),
            "{record:#}"
        );
    }
}

#[test]
fn a_second_one_here_with_a_role_is_the_next_casualty() {
    let record = record_of(&[
        "Picking up an allied soldier at the aid station, gunshot to the right thigh.",
        "Second one here, their driver, shrapnel in the left arm, pulse one-ten.",
        "First guy, tourniquet right leg, zero seven fifty.",
        "Driver, pressure dressing on the left arm.",
    ]);
    let one = casualty(&record, 1);
    let two = casualty(&record, 2);
    assert!(has_injury(&one, "right_leg", "gsw"), "{record:#}");
    assert!(!list(&one, "tourniquets").is_empty(), "{record:#}");
    assert!(has_injury(&two, "left_arm", "penetrating"), "{record:#}");
    assert!(has_vital(&two, "pulse", 110), "{record:#}");
    assert!(has_treatment(&two, "pressure_dressing"), "{record:#}");
    assert!(!has_treatment(&one, "pressure_dressing"), "{record:#}");
    // "a second one above the first" is a tourniquet, not a casualty.
    let record = record_of(&[
        "Tourniquet on the right leg at ten ten.",
        "Still bleeding, second one above the first, ten fifteen.",
    ]);
    assert!(!has_casualty(&record, 2), "{record:#}");
}

#[test]
fn care_said_for_a_pair_of_casualties_goes_to_both() {
    let record = record_of(&[
        "Three casualties from the IED.",
        "One, frag to the right leg.",
        "Two, frag to the left arm.",
        "Three, burns to both hands.",
        "Blizzard blankets on one and three, ten forty.",
        "Ertapenem one gram IV for one and two.",
    ]);
    let one = casualty(&record, 1);
    let two = casualty(&record, 2);
    let three = casualty(&record, 3);
    assert!(has_treatment(&one, "hypothermia_prevention"), "{record:#}");
    assert!(
        has_treatment(&three, "hypothermia_prevention"),
        "{record:#}"
    );
    assert!(!has_treatment(&two, "hypothermia_prevention"), "{record:#}");
    assert!(medication(&one, "ertapenem").is_some(), "{record:#}");
    assert!(medication(&two, "ertapenem").is_some(), "{record:#}");
    assert!(medication(&three, "ertapenem").is_none(), "{record:#}");
}

#[test]
fn a_count_said_as_down_or_for_you_gives_the_group_its_mechanism() {
    let record = record_of(&[
        "Got two for you from the rollover.",
        "Casualty three first, broken right leg.",
        "Casualty four is the gunner, cut on his chin.",
    ]);
    assert!(!has_casualty(&record, 1), "{record:#}");
    for id in [3, 4] {
        let c = casualty(&record, id);
        assert!(
            list(&c, "mechanisms").iter().any(|m| m == "mvc"),
            "{record:#}"
        );
    }
    // "cool down" and "slow down" count nobody.
    let record =
        record_of(&["Gunshot to the left arm. Let him cool down, two down the road are fine."]);
    assert_eq!(record.as_array().unwrap().len(), 1, "{record:#}");
}

// --- Class 2: a nervous combat lifesaver ------------------------------------------------

#[test]
fn stutters_and_false_starts_are_said_once() {
    let record = record_of(&[
        "Uh, he's shot, he's shot in the, the, uh, arm, the right, no, left, left arm, it's a gunshot.",
        "CAT, CAT, I put the, the CAT on, left arm, time is, time is fourteen oh, fourteen oh nine.",
        "His pulse is, like, a hundred and, a hundred and ten, he's, he's awake.",
    ]);
    let one = casualty(&record, 1);
    assert!(has_injury(&one, "left_arm", "gsw"), "{record:#}");
    assert!(!has_injury(&one, "right_arm", "gsw"), "{record:#}");
    let tourniquets = list(&one, "tourniquets");
    assert_eq!(tourniquets.len(), 1, "{record:#}");
    assert_eq!(tourniquets[0]["time"], "14:09", "{record:#}");
    assert!(has_vital(&one, "pulse", 110), "{record:#}");
    assert!(!has_vital(&one, "pulse", 100), "{record:#}");
    // A casualty's number before a dose that starts with the same word is no stutter.
    let record = record_of(&[
        "Casualty one, GSW left arm.",
        "Ketamine for casualty two, two hundred milligrams IM at zero nine twenty.",
    ]);
    let two = casualty(&record, 2);
    assert_eq!(medication(&two, "ketamine").unwrap()["dose"], 200.0);
}

#[test]
fn a_bare_no_between_two_values_corrects_the_first() {
    let record = record_of(&[
        "Tourniquet right leg, uh, nineteen, nineteen forty, no, nineteen forty-two.",
        "Breathing fast, like twenty-six, no, I counted again, thirty.",
        "Pain's an eight, she says, no, she said nine.",
        "Sats ninety, no, ninety-three.",
    ]);
    let one = casualty(&record, 1);
    let tourniquets = list(&one, "tourniquets");
    assert_eq!(tourniquets.len(), 1, "{record:#}");
    assert_eq!(tourniquets[0]["time"], "19:42", "{record:#}");
    assert!(has_vital(&one, "resp_rate", 30), "{record:#}");
    assert!(!has_vital(&one, "resp_rate", 26), "{record:#}");
    assert!(has_vital(&one, "pain", 9), "{record:#}");
    assert!(has_vital(&one, "spo2", 93), "{record:#}");
    assert!(!has_vital(&one, "spo2", 90), "{record:#}");
}

#[test]
fn a_no_that_is_no_correction_keeps_both() {
    // "no" before something that is no value of the same kind is a plain "no".
    let record = record_of(&[
        "Gunshot to the left leg, no, no exit wound.",
        "Pulse ninety, no, he's not in shock.",
    ]);
    let one = casualty(&record, 1);
    assert!(has_injury(&one, "left_leg", "gsw"), "{record:#}");
    assert!(has_vital(&one, "pulse", 90), "{record:#}");
}

#[test]
fn a_frag_list_corrected_keeps_the_places_after_the_correction() {
    let record = record_of(&[
        "The grenade went off and he's got frag in his right leg, no wait, his left leg, and his neck.",
        "I put a pressure dressing on the neck.",
    ]);
    let one = casualty(&record, 1);
    assert!(has_injury(&one, "left_leg", "penetrating"), "{record:#}");
    assert!(has_injury(&one, "neck", "penetrating"), "{record:#}");
    assert!(!has_injury(&one, "right_leg", "penetrating"), "{record:#}");
}

#[test]
fn a_lifesavers_words_for_response_and_kit() {
    let record = record_of(&[
        "He only opens his eyes when you yell at him.",
        "Put the foil blanket on him, uh, sixteen ten.",
        "His right foot is, it's gone, I put the tourniquet on his right leg.",
        "He got a cut on his, his scalp, wrapped it with a pressure dressing.",
    ]);
    let one = casualty(&record, 1);
    assert!(has_vital(&one, "avpu", "V"), "{record:#}");
    assert!(has_treatment(&one, "hypothermia_prevention"), "{record:#}");
    assert!(has_injury(&one, "right_leg", "amputation"), "{record:#}");
    assert!(has_injury(&one, "head", "laceration"), "{record:#}");
    let record = record_of(&[
        "Three, he only moves when you pinch him.",
        "Four, pulse one-ten.",
    ]);
    assert!(has_vital(&casualty(&record, 1), "avpu", "P"), "{record:#}");
    let record = record_of(&[
        "I packed the combat gauze in his leg and pushed on it, like we were taught, at zero two ten.",
    ]);
    assert!(
        has_treatment(&casualty(&record, 1), "hemostatic_dressing"),
        "{record:#}"
    );
}

#[test]
fn plans_fears_and_asking_for_are_no_care() {
    let record = record_of(&[
        "Gunshot to the right arm, tourniquet right arm, zero four ten.",
        "She keeps asking for morphine, I don't have any.",
        "He wanted the lollipop but Doc said no.",
    ]);
    let one = casualty(&record, 1);
    assert!(list(&one, "medications").is_empty(), "{record:#}");
}

// --- Class 3: a handover answering questions -------------------------------------------

#[test]
fn a_drug_named_in_answer_to_an_allergy_question_is_the_allergen() {
    let record = record_of(&[
        "Gunshot to the left thigh, tourniquet on at zero nine ten.",
        "Allergies?",
        "Codeine. Makes him throw up, he says codeine's bad news.",
    ]);
    let one = casualty(&record, 1);
    assert!(
        list(&one, "allergies").iter().any(|a| a == "codeine"),
        "{record:#}"
    );
    assert!(medication(&one, "codeine").is_none(), "{record:#}");
    // The same utterance, corrected: "penicillin? No, amoxicillin".
    let record = record_of(&[
        "Frag in the right hand. He's allergic to, uh, penicillin? No, no, amoxicillin.",
    ]);
    let one = casualty(&record, 1);
    let allergies = list(&one, "allergies");
    assert!(allergies.iter().any(|a| a == "amoxicillin"), "{record:#}");
    assert!(!allergies.iter().any(|a| a == "penicillin"), "{record:#}");
    // A drug given in answer to another question is a drug given.
    let record = record_of(&[
        "Pain meds?",
        "Morphine, ten milligrams IV at zero nine forty.",
    ]);
    let one = casualty(&record, 1);
    assert!(medication(&one, "morphine").is_some(), "{record:#}");
    assert!(list(&one, "allergies").is_empty(), "{record:#}");
}

#[test]
fn a_bare_dose_of_a_one_unit_drug_takes_its_unit() {
    let record = record_of(&[
        "Moxifloxacin four hundred PO at zero eight ten.",
        "Ondansetron four IV at zero eight twenty.",
        "TXA two IV at zero eight thirty.",
    ]);
    let one = casualty(&record, 1);
    assert_eq!(medication(&one, "moxifloxacin").unwrap()["unit"], "mg");
    assert_eq!(medication(&one, "ondansetron").unwrap()["unit"], "mg");
    assert_eq!(medication(&one, "txa").unwrap()["unit"], "g");
    // A dose outside the drug's usual range keeps no unit.
    let record = record_of(&["Ketamine three IV at zero nine hundred."]);
    let one = casualty(&record, 1);
    assert_eq!(medication(&one, "ketamine").unwrap()["unit"], Value::Null);
}
