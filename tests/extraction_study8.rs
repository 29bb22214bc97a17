//! The classes of error found by studying the fresh8 set (studied18), each tested by
//! paraphrases (never the set's own sentences): an evacuation category said of the casualty
//! ("he's urgent", "I'm priority") with no evacuation word, "I'm" that is no route IM, a
//! medic talking to the casualty ("this tourniquet on your arm"), a reaction that names an
//! allergen, the casualty's own word on his allergies, wounds in the narrator's own words
//! (peppering, a lump, a graze), the abdomen by quadrant or typed ("abd"), a phone-typed
//! medic's shorthand ("WB", "Ca chloride", "evac URG"), a SOAP note's plan, conditions on a
//! later dose, a drug drawn up and kept ready or recommended by someone else, what one would
//! have done, a monitor's alarm limits, and everyday talk (a dose as taught, a lookup, the
//! medic's own allergy or checkup, a duty roster, a pharmacy handout, a count signed for, a
//! class of patients) that files nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{casualty, has_vital, list, medication, no_facts, record_of, treatment};

use serde_json::Value;

fn injury_regions(c: &Value) -> Vec<Value> {
    list(c, "injuries")
        .into_iter()
        .map(|i| i["region"].clone())
        .collect()
}

// --- Class 1: an evacuation category said of the casualty --------------------------------

#[test]
fn a_category_said_of_the_casualty_needs_no_evacuation_word() {
    for (line, category) in [
        ("Female, about forty, she's urgent.", "urgent"),
        (
            "Gunshot to the left arm, tourniquet on, you're routine, okay.",
            "routine",
        ),
        ("Female, thirty one, Marines. I'm urgent.", "urgent"),
        ("Pulse one hundred, he is priority.", "priority"),
        ("Pressure dressing on the right arm, evac URG.", "urgent"),
    ] {
        let record = record_of(&["Casualty one.", line]);
        assert_eq!(
            casualty(&record, 1)["evac_category"],
            category,
            "{line:?}: {record:#}"
        );
    }
}

#[test]
fn a_category_word_not_said_of_the_casualty_is_no_category() {
    for line in [
        "Pulse one hundred, it's urgent that we get the splint on.",
        "Splint on the left leg, the routine stuff is done.",
        "The nearest Role Two takes urgent patients by air, pulse ninety.",
    ] {
        let record = record_of(&["Casualty one.", line]);
        assert!(
            casualty(&record, 1)["evac_category"].is_null(),
            "{line:?}: {record:#}"
        );
    }
}

#[test]
fn i_am_is_no_intramuscular_route() {
    let record = record_of(&[
        "Casualty one. I'm not giving him fentanyl, his pressure is too low.",
        "I'm drawing up ketamine, fifty milligrams IV at zero nine ten.",
    ]);
    let one = casualty(&record, 1);
    assert!(medication(&one, "fentanyl").is_empty(), "{record:#}");
    let ketamine = medication(&one, "ketamine");
    assert_eq!(ketamine.len(), 1, "{record:#}");
    assert_eq!(ketamine[0]["route"], "iv", "{record:#}");
    // The route said as letters stays a route.
    let record = record_of(&["Casualty one, ketamine fifty milligrams IM at zero nine ten."]);
    assert_eq!(
        medication(&casualty(&record, 1), "ketamine")[0]["route"],
        "im"
    );
}

// --- Class 2: talking to the casualty ----------------------------------------------------

#[test]
fn care_said_to_the_casualty_is_filed() {
    let record = record_of(&[
        "Casualty one. I'm putting this tourniquet on your right arm, it's tight now, zero two forty.",
        "Wrapping you in this hypothermia blanket, stay with me.",
    ]);
    let one = casualty(&record, 1);
    let t = list(&one, "tourniquets");
    assert_eq!(t.len(), 1, "{record:#}");
    assert_eq!(t[0]["limb"], "right_arm");
    assert_eq!(t[0]["time"], "02:40");
    assert_eq!(
        treatment(&one, "hypothermia_prevention").len(),
        1,
        "{record:#}"
    );
    // The kit named as a thing, with nothing put on anyone, stays kit.
    no_facts("This tourniquet is the old model, throw it in the bin.");
}

// --- Class 3: allergies in the casualty's words ------------------------------------------

#[test]
fn a_reaction_said_of_a_drug_names_an_allergen_not_a_dose() {
    let record = record_of(&[
        "Casualty one. Any allergies? She says sulfa gives her a rash, so sulfa.",
        "And codeine gives her hives.",
    ]);
    let one = casualty(&record, 1);
    let allergies = list(&one, "allergies");
    assert!(allergies.contains(&Value::from("sulfa")), "{record:#}");
    assert!(allergies.contains(&Value::from("codeine")), "{record:#}");
    assert!(medication(&one, "codeine").is_empty(), "{record:#}");
    // A drug given that did cause a rash is still a drug given, and no allergy by a reaction
    // to something else.
    let record = record_of(&["Casualty one, morphine ten milligrams IV at zero nine ten."]);
    assert_eq!(medication(&casualty(&record, 1), "morphine").len(), 1);
    assert!(list(&casualty(&record, 1), "allergies").is_empty());
}

#[test]
fn no_allergies_told_by_the_casualty_is_filed_and_a_story_told_is_not() {
    let record = record_of(&["Casualty one, no drug allergies, she told me."]);
    assert_eq!(
        list(&casualty(&record, 1), "allergies"),
        vec![Value::from("nkda")]
    );
    no_facts("A guy told me he got morphine at the checkpoint, ten milligrams.");
}

#[test]
fn the_medics_own_allergy_or_checkup_files_nothing() {
    no_facts("I'm allergic to sulfa, just so you know, in case I ever end up on a litter.");
    no_facts("Pulse fifty eight, that's what mine always is at my physical.");
}

// --- Class 4: wounds in the narrator's own words, the abdomen by quadrant ---------------

#[test]
fn wounds_in_the_narrators_words_beside_a_part_are_wounds() {
    let record = record_of(&[
        "Casualty one.",
        "Small frags peppering the right side of his neck.",
        "There's a lump on the back of his head.",
        "A graze along the left side of the face.",
        "One frag wound in the right upper quadrant, pressure dressing on it.",
    ]);
    let regions = injury_regions(&casualty(&record, 1));
    for region in ["neck", "head", "face", "abdomen"] {
        assert!(
            regions.contains(&Value::from(region)),
            "{region}: {record:#}"
        );
    }
    no_facts("The gun truck peppered the ridge line all night.");
    no_facts("There's a lump in the mashed potatoes again.");
    no_facts("Let the goats graze by the wall, they're fine.");
}

// --- Class 5: a phone-typed medic's shorthand ---------------------------------------------

#[test]
fn typed_shorthand_for_blood_calcium_and_the_belly() {
    let record = record_of(&[
        "cas 2 frag abd",
        "WB 1 unit IV 0410",
        "Ca chloride 1g IV 0415",
    ]);
    let two = casualty(&record, 2);
    assert!(
        injury_regions(&two).contains(&Value::from("abdomen")),
        "{record:#}"
    );
    let blood: Vec<Value> = list(&two, "fluids")
        .into_iter()
        .filter(|f| f["name"] == "whole_blood")
        .collect();
    assert_eq!(blood.len(), 1, "{record:#}");
    assert_eq!(blood[0]["time"], "04:10");
    let calcium = medication(&two, "calcium_chloride");
    assert_eq!(calcium.len(), 1, "{record:#}");
    assert_eq!(calcium[0]["time"], "04:15");
    no_facts("WB is the call sign for the wrecker crew.");
}

// --- Class 6: plans, conditions, a drug kept ready or recommended -----------------------

#[test]
fn a_soap_plan_and_conditions_on_a_later_dose_file_nothing() {
    let record = record_of(&[
        "Casualty one.",
        "Treatment. Splint on the right leg at zero two ten.",
        "Plan. Fentanyl fifty micrograms IV if the pain gets worse, TXA on arrival.",
        "Zofran four milligrams IV if he gets sick on the bird.",
        "Needle decompression right chest if she desaturates.",
    ]);
    let one = casualty(&record, 1);
    assert_eq!(treatment(&one, "splint").len(), 1, "{record:#}");
    assert!(list(&one, "medications").is_empty(), "{record:#}");
    assert!(
        treatment(&one, "needle_decompression").is_empty(),
        "{record:#}"
    );
}

#[test]
fn a_drug_kept_ready_recommended_or_wished_for_files_nothing() {
    let record = record_of(&[
        "Casualty one, tourniquet left leg at zero three ten.",
        "Narcan drawn up, point four, not giving it yet.",
        "The doc recommended cefazolin, we don't carry it.",
        "I would have put in a nasal airway earlier, never got to it.",
    ]);
    let one = casualty(&record, 1);
    assert_eq!(list(&one, "tourniquets").len(), 1, "{record:#}");
    assert!(list(&one, "medications").is_empty(), "{record:#}");
    assert!(treatment(&one, "npa").is_empty(), "{record:#}");
    // A drug given is still given.
    let record =
        record_of(&["Casualty one, naloxone point four milligrams IV at zero three twenty."]);
    assert_eq!(medication(&casualty(&record, 1), "naloxone").len(), 1);
}

// --- Class 7: a monitor read aloud --------------------------------------------------------

#[test]
fn alarm_limits_are_no_readings() {
    let record = record_of(&[
        "Casualty one. Heart rate one oh two, sat ninety six.",
        "Alarm limits: low SpO2 eighty five, high heart rate one fifty.",
    ]);
    let one = casualty(&record, 1);
    assert!(has_vital(&one, "pulse", 102), "{record:#}");
    assert!(!has_vital(&one, "pulse", 150), "{record:#}");
    assert!(!has_vital(&one, "spo2", 85), "{record:#}");
}

// --- Class 8: everyday talk --------------------------------------------------------------

#[test]
fn doses_taught_looked_up_handed_out_or_counted_file_nothing() {
    for line in [
        "When you give ketamine IM it's fifty milligrams, not more.",
        "Ten milligrams of morphine is the pain dose, write that on your card.",
        "Chest seals were the topic of the lecture after chow.",
        "Is cefazolin one gram or two grams, I always forget.",
        "Tylenol five hundred by mouth twice a day, that's on the handout.",
        "Morphine and fentanyl are counted and signed for, the PA has the key.",
        "Roster check, Nguyen, last four two two four one nine, you're on fire watch tonight.",
        "The nearest Role Two takes urgent patients straight from the pad.",
    ] {
        no_facts(line);
    }
}

// --- Class 9: a pain score asked and answered; "same time" --------------------------------

#[test]
fn a_pain_score_answered_to_a_question_is_the_pain_score() {
    let record = record_of(&[
        "Casualty one. What's your pain, one to ten? Seven? Okay, like a seven.",
        "Splint on the left arm.",
    ]);
    let one = casualty(&record, 1);
    assert!(has_vital(&one, "pain", 7), "{record:#}");
    assert_eq!(
        list(&one, "vitals")
            .iter()
            .filter(|v| !v["pain"].is_null())
            .count(),
        1,
        "{record:#}"
    );
    // Asked in one utterance, answered in the next.
    let record = record_of(&["Casualty one, how's the pain?", "Six."]);
    assert!(has_vital(&casualty(&record, 1), "pain", 6), "{record:#}");
    // A number after any other question is no pain score.
    let record = record_of(&["Casualty one, how many fingers? Three."]);
    assert!(
        list(&casualty(&record, 1), "vitals").is_empty(),
        "{record:#}"
    );
}

#[test]
fn same_time_is_the_time_of_the_act_said_before() {
    let record = record_of(&[
        "Casualty one, TXA two grams IV at zero two fifty.",
        "Ertapenem one gram IV, same time.",
    ]);
    let one = casualty(&record, 1);
    assert_eq!(
        medication(&one, "ertapenem")[0]["time"],
        "02:50",
        "{record:#}"
    );
    // With nothing timed before it, "same time" dates nothing; when he was hit is no act.
    let record = record_of(&["Casualty one, ertapenem one gram IV, same time."]);
    assert!(medication(&casualty(&record, 1), "ertapenem")[0]["time"].is_null());
    let record = record_of(&[
        "Casualty one, he got shot at zero five fifteen, left thigh.",
        "Ertapenem one gram IV, same time.",
    ]);
    assert!(
        medication(&casualty(&record, 1), "ertapenem")[0]["time"].is_null(),
        "{record:#}"
    );
}

// --- Class 10: a number cut off and said again ---------------------------------------------

#[test]
fn a_number_cut_off_and_said_again_from_its_first_word_is_said_once() {
    let record = record_of(&["Casualty one, pulse is, uh, one oh, one hundred and twelve."]);
    assert!(has_vital(&casualty(&record, 1), "pulse", 112), "{record:#}");
    let record = record_of(&["Casualty one, resp twenty and, twenty four."]);
    assert!(
        has_vital(&casualty(&record, 1), "resp_rate", 24),
        "{record:#}"
    );
    // A whole number before the pause is a value of its own.
    let record = record_of(&["Casualty one, pulse one ten, one twenty over seventy."]);
    let one = casualty(&record, 1);
    assert!(has_vital(&one, "pulse", 110), "{record:#}");
    assert!(has_vital(&one, "bp_systolic", 120), "{record:#}");
}
