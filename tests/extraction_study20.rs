//! A class of error found in the fresh10 set (studied20, scored once at the end of the
//! sixth session), tested by paraphrases (never the set's own sentences), positive and
//! negative: a person the narrator says is not his to document, by description ("the
//! driver … he's not mine") or by casualty number ("casualty one had his morphine earlier,
//! that's on his card, not this one"), switches to no one, so what follows stays with the
//! casualty being worked on; and a class of drugs said to give a reaction ("sulfa drugs
//! give him a rash") names an allergen, not a drug given.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{casualty, casualty_or_null, has_vital, list, medication, record_of};

#[test]
fn a_described_person_who_is_not_mine_takes_no_facts() {
    let record = record_of(&[
        "Casualty one, female, blast, right forearm laceration.",
        "The radio operator was hit too, Doc Perez has him, he's not mine.",
        "Pressure dressing on her right forearm.",
        "Pulse one ten.",
    ]);
    let one = casualty(&record, 1);
    assert!(has_vital(&one, "pulse", 110), "{record:#}");
    assert_eq!(list(&one, "treatments").len(), 1, "{record:#}");
    assert!(casualty_or_null(&record, 2).is_null(), "{record:#}");
}

#[test]
fn a_numbered_casualty_whose_care_is_on_his_own_card_is_not_switched_to() {
    let record = record_of(&[
        "Casualty two, male, frag to the left thigh.",
        "Casualty one had his morphine earlier, that's on his card, not this one.",
        "Pulse one thirty, BP ninety over sixty.",
    ]);
    let two = casualty(&record, 2);
    assert!(has_vital(&two, "pulse", 130), "{record:#}");
    let one = casualty_or_null(&record, 1);
    assert!(
        one.is_null()
            || (medication(&one, "morphine").is_empty() && list(&one, "vitals").is_empty()),
        "{record:#}"
    );
}

#[test]
fn care_on_a_casualty_the_narrator_switches_to_is_still_filed() {
    // Negative: naming a casualty and a card without saying he is someone else's still
    // switches ("put that on his card" is a request to document).
    let record = record_of(&[
        "Casualty two, male, frag to the left thigh.",
        "Casualty one, TXA two grams IV at fourteen ten, put that on his card.",
        "Pulse one thirty.",
    ]);
    let one = casualty(&record, 1);
    assert_eq!(medication(&one, "txa").len(), 1, "{record:#}");
    assert!(has_vital(&one, "pulse", 130), "{record:#}");
}

#[test]
fn not_mine_said_of_a_thing_drops_nothing() {
    // Negative: "not mine" about kit, not about a person, keeps the sentence's facts.
    let record = record_of(&[
        "Casualty one, male, GSW left arm.",
        "The CLS put a tourniquet on his left arm at ten ten, that kit is not mine.",
    ]);
    assert_eq!(
        list(&casualty(&record, 1), "tourniquets").len(),
        1,
        "{record:#}"
    );
}

#[test]
fn a_class_of_drugs_that_gives_a_rash_is_an_allergy() {
    let record = record_of(&[
        "Casualty one, male, frag right hand.",
        "No pain meds yet, and sulfa drugs give him hives, he says.",
    ]);
    let one = casualty(&record, 1);
    assert!(medication(&one, "sulfa").is_empty(), "{record:#}");
    assert_eq!(list(&one, "allergies").len(), 1, "{record:#}");
}

#[test]
fn a_class_of_drugs_named_without_a_reaction_is_no_allergy() {
    // Negative: the class word alone names no allergen.
    let record = record_of(&[
        "Casualty one, male, frag right hand.",
        "Sulfa drugs are in the blue pouch, pulse ninety.",
    ]);
    let one = casualty(&record, 1);
    assert!(list(&one, "allergies").is_empty(), "{record:#}");
    assert!(has_vital(&one, "pulse", 90), "{record:#}");
}
