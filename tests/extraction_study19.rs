//! The classes of error found by studying the fresh9 set (studied19), each tested by
//! paraphrases (never the set's own sentences), positive and negative: commands to the
//! recording device ("delete last", "undo" said alone, "change the time to"), a rank and
//! name followed by a verb of speech (someone talking, not the casualty's name), a drug
//! named bare and replaced by another said "instead", a value said as a range or band
//! ("six or seven", "between ninety and a hundred"), a rate per hour that is no volume, an
//! evacuation category said after a hedge ("maybe routine later"), and a reaction in the
//! past that names the allergen ("she broke out in a rash").

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{casualty, has_vital, list, medication, no_facts, record_of, treatment};

// --- Class 1: commands to the recording device --------------------------------------------

#[test]
fn delete_last_withdraws_the_utterance_before() {
    let record = record_of(&[
        "Casualty one, male.",
        "Fentanyl fifty micrograms IV at zero nine ten.",
        "Delete last. Ondansetron four milligrams IV at zero nine ten.",
    ]);
    let one = casualty(&record, 1);
    assert!(medication(&one, "fentanyl").is_empty(), "{record:#}");
    assert_eq!(medication(&one, "ondansetron").len(), 1, "{record:#}");
    assert_eq!(one["sex"], "male", "{record:#}");
}

#[test]
fn undo_said_alone_withdraws_the_utterance_before() {
    let record = record_of(&[
        "Casualty one. Tourniquet right arm at zero nine ten.",
        "Add treatment, chest seal, left chest, zero nine fifteen.",
        "Undo. Wrong casualty.",
    ]);
    let one = casualty(&record, 1);
    assert!(treatment(&one, "chest_seal").is_empty(), "{record:#}");
    assert_eq!(list(&one, "tourniquets").len(), 1, "{record:#}");
}

#[test]
fn undo_as_a_verb_withdraws_nothing() {
    let record = record_of(&[
        "Casualty one. Chest seal on the left chest at zero nine fifteen.",
        "Undo his belt, check the groin for bleeding.",
    ]);
    assert_eq!(
        treatment(&casualty(&record, 1), "chest_seal").len(),
        1,
        "{record:#}"
    );
}

#[test]
fn change_the_time_to_moves_the_last_time() {
    let record = record_of(&[
        "Casualty one. Tourniquet right arm, time zero nine ten.",
        "Change the time to zero nine oh five.",
    ]);
    let tourniquets = list(&casualty(&record, 1), "tourniquets");
    assert_eq!(tourniquets.len(), 1, "{record:#}");
    assert_eq!(tourniquets[0]["time"], "09:05", "{record:#}");
    // Without a clock time after it, nothing moves.
    let record = record_of(&[
        "Casualty one. Tourniquet right arm, time zero nine ten.",
        "Change the time on the monitor later.",
    ]);
    assert_eq!(
        list(&casualty(&record, 1), "tourniquets")[0]["time"],
        "09:10",
        "{record:#}"
    );
}

// --- Class 2: a rank and name followed by a verb of speech ---------------------------------

#[test]
fn a_rank_and_name_that_speaks_is_no_casualty_name() {
    for line in [
        "Corporal Diaz says, get him on the litter, pulse one ten.",
        "Sergeant Ortiz yells, he's bleeding again, so I pack it with gauze.",
    ] {
        let record = record_of(&["Casualty one.", line]);
        assert!(
            casualty(&record, 1)["name"].is_null(),
            "{line:?}: {record:#}"
        );
    }
    // Dictated as the casualty, the name stays.
    let record = record_of(&["Casualty one is Sergeant Ortiz, pulse one ten."]);
    assert_eq!(casualty(&record, 1)["name"], "Sergeant Ortiz", "{record:#}");
}

// --- Class 3: a drug replaced by another said "instead" -------------------------------------

#[test]
fn a_bare_drug_replaced_instead_is_not_given() {
    let record = record_of(&[
        "Casualty one.",
        "He wants the morphine, we don't have it, so ketamine fifty milligrams IM instead.",
    ]);
    let one = casualty(&record, 1);
    assert!(medication(&one, "morphine").is_empty(), "{record:#}");
    assert_eq!(medication(&one, "ketamine").len(), 1, "{record:#}");
    // A drug given with its dose, then another given too, stays.
    let record = record_of(&[
        "Casualty one.",
        "Morphine five milligrams IV at zero nine ten, then ketamine twenty milligrams IV instead of a second dose.",
    ]);
    let one = casualty(&record, 1);
    assert_eq!(medication(&one, "morphine").len(), 1, "{record:#}");
    assert_eq!(medication(&one, "ketamine").len(), 1, "{record:#}");
}

// --- Class 4: a value said as a range or band -----------------------------------------------

#[test]
fn a_range_of_two_values_is_no_reading() {
    for line in [
        "Pain seven or eight, he can't say.",
        "Pulse somewhere between one ten and one twenty.",
        "Resps twenty to twenty four, hard to count.",
    ] {
        let record = record_of(&["Casualty one, male.", line]);
        assert!(
            list(&casualty(&record, 1), "vitals").is_empty(),
            "{line:?}: {record:#}"
        );
    }
    // One value, or a change said with "from", is a reading.
    let record = record_of(&["Casualty one, male.", "Pain seven, he says."]);
    assert!(has_vital(&casualty(&record, 1), "pain", 7), "{record:#}");
    let record = record_of(&[
        "Casualty one, male.",
        "Sats came up from eighty eight to ninety four on the oxygen.",
    ]);
    assert!(!has_vital(&casualty(&record, 1), "spo2", 88), "{record:#}");
}

// --- Class 5: a rate per hour is no volume ----------------------------------------------------

#[test]
fn a_rate_per_hour_is_no_volume() {
    let record = record_of(&[
        "Casualty one.",
        "Normal saline running IV at two hundred and fifty an hour, zero nine ten.",
    ]);
    let fluids = list(&casualty(&record, 1), "fluids");
    assert_eq!(fluids.len(), 1, "{record:#}");
    assert!(fluids[0]["volume_ml"].is_null(), "{record:#}");
    // A volume said as one stays.
    let record = record_of(&[
        "Casualty one.",
        "Normal saline five hundred mils IV at zero nine ten.",
    ]);
    assert_eq!(
        list(&casualty(&record, 1), "fluids")[0]["volume_ml"],
        500,
        "{record:#}"
    );
}

// --- Class 6: an evacuation category after a hedge --------------------------------------------

#[test]
fn a_hedged_category_is_no_decision() {
    let record = record_of(&["Casualty one, male.", "Urgent, probably priority tomorrow."]);
    assert_eq!(
        casualty(&record, 1)["evac_category"],
        "urgent",
        "{record:#}"
    );
    let record = record_of(&["Casualty one, male.", "Evac maybe routine."]);
    assert!(
        casualty(&record, 1)["evac_category"].is_null(),
        "{record:#}"
    );
    let record = record_of(&["Casualty one, male.", "Evac routine."]);
    assert_eq!(
        casualty(&record, 1)["evac_category"],
        "routine",
        "{record:#}"
    );
}

// --- Class 7: a reaction in the past names the allergen ---------------------------------------

#[test]
fn a_past_reaction_names_the_allergen() {
    let record = record_of(&[
        "Casualty one.",
        "Any allergies? He says cefazolin, he broke out in hives.",
    ]);
    let one = casualty(&record, 1);
    assert!(medication(&one, "cefazolin").is_empty(), "{record:#}");
    assert!(
        list(&one, "allergies").contains(&serde_json::json!("cefazolin")),
        "{record:#}"
    );
    // A rash with no drug names nothing.
    no_facts("He broke out in a rash from the sun last summer.");
}

// --- Class 8: a clock time alone as the last sentence dates the act before it ---------------

#[test]
fn a_time_alone_after_a_terse_act_dates_it() {
    let record = record_of(&["cas one. chest seal. left chest. one four one zero."]);
    let seals = treatment(&casualty(&record, 1), "chest_seal");
    assert_eq!(seals.len(), 1, "{record:#}");
    assert_eq!(seals[0]["time"], "14:10", "{record:#}");
    let record = record_of(&["cas one. pressure drsg. left thigh. zero two four five."]);
    let wraps = treatment(&casualty(&record, 1), "pressure_dressing");
    assert_eq!(wraps.len(), 1, "{record:#}");
    assert_eq!(wraps[0]["time"], "02:45", "{record:#}");
    // A time alone before vital signs dates the signs, not an act said before it.
    let record = record_of(&["cas one. chest seal. left chest. one four one zero. pulse ninety."]);
    let one = casualty(&record, 1);
    assert!(
        treatment(&one, "chest_seal")[0]["time"].is_null(),
        "{record:#}"
    );
    // A reading is not dated by a time said after it alone.
    let record = record_of(&["cas one. pulse ninety. one four one zero."]);
    let vitals = list(&casualty(&record, 1), "vitals");
    assert!(vitals.iter().all(|v| v["time"].is_null()), "{record:#}");
}

// --- Class 9: a category opening the utterance as a clause of its own ------------------------

#[test]
fn a_category_opening_the_utterance_is_the_category() {
    let record = record_of(&["Casualty one, male.", "Priority, female, she needs a CT."]);
    assert_eq!(
        casualty(&record, 1)["evac_category"],
        "priority",
        "{record:#}"
    );
    // Inside a sentence, with other words before it, a bare category word is none.
    let record = record_of(&[
        "Casualty one, male.",
        "Splint on, it's routine stuff for the surgeons.",
    ]);
    assert!(
        casualty(&record, 1)["evac_category"].is_null(),
        "{record:#}"
    );
}

// --- Class 10: a question about one sign answered with a bare number ------------------------

#[test]
fn a_sign_asked_and_answered_in_one_utterance() {
    let record = record_of(&[
        "Casualty one.",
        "What's his heart rate? One oh eight, and he's pale.",
    ]);
    assert!(has_vital(&casualty(&record, 1), "pulse", 108), "{record:#}");
    let record = record_of(&[
        "Casualty one.",
        "What's her saturation? Ninety one on room air.",
    ]);
    assert!(has_vital(&casualty(&record, 1), "spo2", 91), "{record:#}");
    // A number that is no reading of the sign answers nothing.
    let record = record_of(&[
        "Casualty one, male.",
        "What's his pulse? Two minutes, I'm counting.",
    ]);
    assert!(
        list(&casualty(&record, 1), "vitals").is_empty(),
        "{record:#}"
    );
}

// --- Class 11: partly oriented is no "alert" -------------------------------------------------

#[test]
fn partly_oriented_is_no_alert() {
    let record = record_of(&[
        "Casualty one, male.",
        "Confused, A and O times one, responds to voice.",
    ]);
    let one = casualty(&record, 1);
    assert!(!has_vital(&one, "avpu", "A"), "{record:#}");
    assert!(has_vital(&one, "avpu", "V"), "{record:#}");
    let record = record_of(&["Casualty one, male.", "A and O times four, pulse ninety."]);
    assert!(has_vital(&casualty(&record, 1), "avpu", "A"), "{record:#}");
}

// --- Class 12: words of the set's styles -------------------------------------------------------

#[test]
fn civilian_and_british_words_of_care() {
    let record = record_of(&["Pt is a forty y/o female, on NRB at twelve LPM, neg allergies."]);
    let one = casualty(&record, 1);
    assert_eq!(treatment(&one, "o2").len(), 1, "{record:#}");
    assert_eq!(
        list(&one, "allergies"),
        vec![serde_json::json!("nkda")],
        "{record:#}"
    );
    let record = record_of(&["Casualty one, pressure wrap on the right forearm at zero nine ten."]);
    let wraps = treatment(&casualty(&record, 1), "pressure_dressing");
    assert_eq!(wraps.len(), 1, "{record:#}");
    let record = record_of(&["Casualty one, heat casualty, pulse one forty."]);
    assert_eq!(
        casualty(&record, 1)["mechanisms"],
        serde_json::json!(["other"]),
        "{record:#}"
    );
    let record = record_of(&["Casualty two, male, flash burns, pulse one ten."]);
    assert_eq!(
        casualty(&record, 2)["mechanisms"],
        serde_json::json!(["burn"]),
        "{record:#}"
    );
    let record = record_of(&[
        "Casualty one, male, age five.",
        "On the faces scale he points to the six.",
    ]);
    assert!(has_vital(&casualty(&record, 1), "pain", 6), "{record:#}");
    let record = record_of(&["Casualty one. Another wound, right calf, through and through."]);
    let injuries = list(&casualty(&record, 1), "injuries");
    assert_eq!(injuries.len(), 1, "{record:#}");
    assert_eq!(injuries[0]["region"], "right_leg", "{record:#}");
    no_facts("We waded the river and got soaked through and through.");
}

// --- Everyday: kit offered, a bag packed, the medic's own file, a civilian job ---------------

#[test]
fn everyday_talk_of_study19_files_nothing() {
    for line in [
        "Spare chest seals are in my left thigh pocket if anybody needs one.",
        "The aid bag is packed, three CATs, gauze and a chest seal, ready when you are.",
        "I'm allergic to sulfa, write it in my own file, not the casualty's.",
        "Back on my civvy job we put everybody on an NRB at fifteen liters.",
    ] {
        no_facts(line);
    }
}

// --- Class 13: a packing dated by the dressing put over it ------------------------------------

#[test]
fn a_packing_takes_the_time_of_the_dressing_over_it() {
    let record = record_of(&[
        "Casualty one. Packed the right thigh with Celox, held pressure, pressure dressing over the top, zero nine ten.",
    ]);
    let one = casualty(&record, 1);
    assert_eq!(
        treatment(&one, "hemostatic_dressing")[0]["time"],
        "09:10",
        "{record:#}"
    );
    assert_eq!(
        treatment(&one, "pressure_dressing")[0]["time"],
        "09:10",
        "{record:#}"
    );
    // Two dressings on two wounds, the second not said over the first, keep their own.
    let record = record_of(&[
        "Casualty one. Combat Gauze in the left thigh, pressure dressing on the right arm, zero nine ten.",
    ]);
    let one = casualty(&record, 1);
    assert!(
        treatment(&one, "hemostatic_dressing")[0]["time"].is_null(),
        "{record:#}"
    );
}

// --- Class 14: the narrator gets a reading ------------------------------------------------------

#[test]
fn the_narrator_getting_a_reading_is_no_order() {
    let record = record_of(&["Casualty one.", "I get a pulse, one twenty at the wrist."]);
    assert!(has_vital(&casualty(&record, 1), "pulse", 120), "{record:#}");
}

// --- Class 15: a person the narrator says is someone else's to document ----------------------

#[test]
fn someone_elses_casualty_is_no_casualty_of_this_record() {
    let record = record_of(&[
        "Casualty one, male, tourniquet left leg at zero nine ten.",
        "The driver's got a bloody lip, he's walking around, he's someone else's casualty.",
        "Pulse one ten, BP one twenty over eighty.",
    ]);
    assert!(
        extraction_support::casualty_or_null(&record, 2).is_null(),
        "{record:#}"
    );
    assert!(has_vital(&casualty(&record, 1), "pulse", 110), "{record:#}");
    // Described and numbered, the driver is a casualty of his own.
    let record = record_of(&[
        "Casualty one, male, tourniquet left leg at zero nine ten.",
        "The driver, casualty two, gunshot wound to the right arm.",
    ]);
    let driver = extraction_support::casualty_or_null(&record, 2);
    assert!(!driver.is_null(), "{record:#}");
}
