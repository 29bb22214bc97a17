//! The classes of error found by studying the fresh7 set, each tested by paraphrases (never
//! the set's own sentences): a MARCH-PAWS checklist walked aloud with items declared not
//! done beside acts done, clock times said in words with a part of the day (bare 12-hour
//! words stay blank: the project's time policy), a card dictated block by block, a terse
//! medic's shorthand and phonetic letters, care given by a combat lifesaver before the medic
//! came, a working dog that is not a casualty, an earlier dose restated with a relative time,
//! and everyday talk (a game, a film, a relative in hospital, a stock count) that files
//! nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{casualty, has_vital, list, medication, no_facts, record_of, treatment};

use serde_json::Value;

// --- Class 1: a checklist walked aloud, items declared not done ----------------------

#[test]
fn a_drug_kept_for_later_or_refused_files_nothing_beside_the_acts_done() {
    let record = record_of(&[
        "Casualty one, shrapnel in the right calf.",
        "P: no more pain meds for now, fentanyl only if the litter carry hurts. Splint on the right leg, zero four ten.",
        "Morphine's in my aid bag, not using it.",
        "A: moxi no, he can't swallow, so ertapenem one gram IV, zero four twenty.",
        "Moxi for him once he can keep water down.",
    ]);
    let one = casualty(&record, 1);
    assert!(medication(&one, "fentanyl").is_empty(), "{record:#}");
    assert!(medication(&one, "morphine").is_empty(), "{record:#}");
    assert!(medication(&one, "moxifloxacin").is_empty(), "{record:#}");
    assert_eq!(medication(&one, "ertapenem").len(), 1, "{record:#}");
    assert_eq!(treatment(&one, "splint")[0]["time"], "04:10", "{record:#}");
}

#[test]
fn pressure_held_after_packing_is_no_denial_of_the_packing() {
    let record = record_of(&[
        "Casualty one, deep wound in the right groin. Hemostatic gauze packed and pressure held, zero six twelve.",
    ]);
    let one = casualty(&record, 1);
    assert_eq!(
        treatment(&one, "hemostatic_dressing").len(),
        1,
        "{record:#}"
    );
    assert_eq!(treatment(&one, "hemostatic_dressing")[0]["time"], "06:12");
    // "Held" alone still withholds a drug.
    let record = record_of(&["Casualty one, TXA held, he's past three hours."]);
    assert!(
        medication(&casualty(&record, 1), "txa").is_empty(),
        "{record:#}"
    );
}

#[test]
fn a_limb_said_as_a_heading_is_the_place_of_the_tourniquet_after_it() {
    let record = record_of(&["Left arm: CAT, snug above the elbow, on at two two one five."]);
    let t = list(&casualty(&record, 1), "tourniquets");
    assert_eq!(t.len(), 1, "{record:#}");
    assert_eq!(t[0]["limb"], "left_arm");
    assert_eq!(t[0]["time"], "22:15");
    // Two limbs said as the heading are no heading: the tourniquet gets neither.
    let record = record_of(&["Right leg: fine. Left arm, right leg: CAT at two two one five."]);
    let limbs: Vec<Value> = record
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| list(c, "tourniquets"))
        .map(|t| t["limb"].clone())
        .collect();
    assert!(!limbs.contains(&Value::from("left_arm")), "{record:#}");
    assert!(!limbs.contains(&Value::from("right_leg")), "{record:#}");
}

// --- Class 2: clock times in words; the project's policy for 12-hour words ------------

#[test]
fn half_past_quarter_to_and_minutes_past_with_a_part_of_the_day_are_clock_times() {
    let record = record_of(&[
        "Casualty one.",
        "Half past six in the morning: blizzard blanket on him.",
        "Quarter to nine at night, splint on the left arm.",
        "Twenty past three in the afternoon, chest seal on the right chest.",
    ]);
    let one = casualty(&record, 1);
    assert_eq!(
        treatment(&one, "hypothermia_prevention")[0]["time"],
        "06:30"
    );
    assert_eq!(treatment(&one, "splint")[0]["time"], "20:45");
    assert_eq!(treatment(&one, "chest_seal")[0]["time"], "15:20");
}

#[test]
fn bare_twelve_hour_words_leave_the_time_blank() {
    let record = record_of(&[
        "Casualty one.",
        "Quarter past four: pulse one hundred, pain five.",
        "Splint on the right arm at ten to five.",
    ]);
    let one = casualty(&record, 1);
    assert!(has_vital(&one, "pulse", 100), "{record:#}");
    assert!(list(&one, "vitals").iter().all(|v| v["time"].is_null()));
    assert!(treatment(&one, "splint")[0]["time"].is_null(), "{record:#}");
}

#[test]
fn a_reading_on_the_oxygen_starts_no_oxygen() {
    let record = record_of(&[
        "Casualty one, oxygen on at zero three ten.",
        "Zero three thirty: sats ninety-four on the oxygen.",
    ]);
    let one = casualty(&record, 1);
    let o2 = treatment(&one, "o2");
    assert_eq!(o2.len(), 1, "{record:#}");
    assert_eq!(o2[0]["time"], "03:10");
    assert!(has_vital(&one, "spo2", 94));
    // Oxygen put on is still oxygen.
    let record =
        record_of(&["Casualty one, sats eighty-eight, put him on oxygen at zero three ten."]);
    assert_eq!(
        treatment(&casualty(&record, 1), "o2").len(),
        1,
        "{record:#}"
    );
}

#[test]
fn an_earlier_dose_restated_with_a_relative_time_is_no_new_dose() {
    let record = record_of(&[
        "Casualty one, morphine ten milligrams IV at thirteen forty.",
        "Pain's up again. His last morphine was about an hour and a half ago.",
    ]);
    assert_eq!(
        medication(&casualty(&record, 1), "morphine").len(),
        1,
        "{record:#}"
    );
}

// --- Class 3: a card dictated block by block -----------------------------------------

#[test]
fn a_dictated_card_block_files_its_allergy_and_corner_tourniquet_and_not_blank_fields() {
    let record = record_of(&[
        "Casualty one. Allergy block: sulfa.",
        "Tourniquet corner, left arm: type SOF-T, time zero seven ten. Right arm corner: blank.",
    ]);
    let one = casualty(&record, 1);
    assert_eq!(one["allergies"], serde_json::json!(["sulfa"]), "{record:#}");
    assert!(medication(&one, "sulfa").is_empty());
    let t = list(&one, "tourniquets");
    assert_eq!(t.len(), 1, "{record:#}");
    assert_eq!(t[0]["limb"], "left_arm");
    assert_eq!(t[0]["time"], "07:10");
    let record = record_of(&["Casualty one. Allergies: she says aspirin, nothing else."]);
    let one = casualty(&record, 1);
    assert_eq!(
        one["allergies"],
        serde_json::json!(["aspirin"]),
        "{record:#}"
    );
    assert!(medication(&one, "aspirin").is_empty(), "{record:#}");
}

// --- Class 4: shorthand and phonetic letters -----------------------------------------

#[test]
fn shorthand_drugs_routes_and_letters_of_a_terse_medic() {
    let record = record_of(&[
        "Cas one, frag L thigh.",
        "Ket three zero mgs IV, zero one one five. Cal chloride one gee IV, zero one two zero.",
        "Fent lolly, four hundred mics, zero one two two.",
        "HR one two two, AVPU Victor, pain seven.",
        "Recheck zero one four zero: carotid one-oh-four, still Victor.",
        "SAM on the L forearm, zero one four two.",
    ]);
    let one = casualty(&record, 1);
    let ket = medication(&one, "ketamine");
    assert_eq!(ket.len(), 1, "{record:#}");
    assert_eq!(ket[0]["dose"], 30.0);
    assert_eq!(ket[0]["unit"], "mg");
    let cal = medication(&one, "calcium_chloride");
    assert_eq!(cal.len(), 1, "{record:#}");
    assert_eq!(cal[0]["dose"], 1.0);
    assert_eq!(cal[0]["unit"], "g");
    assert_eq!(
        medication(&one, "fentanyl")[0]["route"],
        "otfc",
        "{record:#}"
    );
    assert!(has_vital(&one, "avpu", "V"), "{record:#}");
    assert!(!has_vital(&one, "avpu", "P"), "{record:#}");
    assert!(has_vital(&one, "pain", 7), "{record:#}");
    assert!(has_vital(&one, "pulse", 104), "{record:#}");
    assert_eq!(
        treatment(&one, "splint")[0]["site"],
        "left_arm",
        "{record:#}"
    );
    let record = record_of(&["Casualty one, AVPU Alpha, pulse eighty."]);
    assert!(has_vital(&casualty(&record, 1), "avpu", "A"), "{record:#}");
    let record = record_of(&["Casualty one, confused but talks to me, so V."]);
    assert!(has_vital(&casualty(&record, 1), "avpu", "V"), "{record:#}");
}

#[test]
fn shorthand_words_in_everyday_speech_file_nothing() {
    no_facts("Ket is what they call the town of Kettering.");
    no_facts("Sam on the radio says the trucks are five minutes out.");
    no_facts("The kid bought a lolly at the shop.");
    no_facts("We pulled four gees on that ride at the fair.");
}

// --- Class 5: care by others, a working dog, a round caught, a bruised part -----------

#[test]
fn care_wrapped_by_someone_before_the_medic_came_is_filed_for_the_casualty() {
    let record = record_of(&[
        "Casualty one, cut across the left forearm.",
        "Before I got there his team leader wrapped the left forearm with Kerlix, pressure on it.",
    ]);
    let d = treatment(&casualty(&record, 1), "pressure_dressing");
    assert_eq!(d.len(), 1, "{record:#}");
    assert_eq!(d[0]["site"], "left_arm");
    assert!(d[0]["time"].is_null());
}

#[test]
fn a_working_dog_is_no_casualty_and_its_care_is_not_the_handlers() {
    let record = record_of(&[
        "Casualty one is the K9 handler, gunshot to the left arm, tourniquet left arm at zero two zero five.",
        "The dog took frag in the right hind leg too.",
        "Gave the dog ketamine fifteen milligrams IM, zero two ten; that's for the dog.",
    ]);
    let arr = record.as_array().unwrap();
    assert_eq!(arr.len(), 1, "{record:#}");
    let one = casualty(&record, 1);
    assert!(medication(&one, "ketamine").is_empty(), "{record:#}");
    assert!(
        !list(&one, "injuries")
            .iter()
            .any(|i| i["region"] == "right_leg"),
        "{record:#}"
    );
    assert_eq!(list(&one, "tourniquets").len(), 1, "{record:#}");
}

#[test]
fn a_round_caught_and_a_bruised_part_are_wounds() {
    let record = record_of(&[
        "Casualty one caught a round in the right shoulder.",
        "His left hip is bruised from the fall.",
    ]);
    let one = casualty(&record, 1);
    assert!(
        list(&one, "injuries")
            .iter()
            .any(|i| i["kind"] == "gsw" && i["region"] == "right_arm"),
        "{record:#}"
    );
    assert!(
        list(&one, "injuries").iter().any(|i| i["kind"] == "blunt"),
        "{record:#}"
    );
    no_facts("His pride is bruised after losing at cards.");
}

// --- Class 6: everyday settings -------------------------------------------------------

#[test]
fn a_game_a_film_a_relative_in_hospital_and_a_stock_count_file_nothing() {
    for line in [
        "In that game you get a bleeding debuff and the medkit fixes it in two seconds.",
        "My squad kept respawning with full health, the players on the other team were camping.",
        "In the final scene the hero gets shot in the leg and the music swells.",
        "By the second act she's got a broken arm and climbs the wall like nothing happened.",
        "My grandmother was in the hospital the whole week, the nurse had her on a fentanyl patch.",
        "They put him on oxygen the first night and the doctors kept checking his pressure.",
        "Hemostatic gauze, twelve on the shelf, par level is twenty, order eight.",
        "Morphine stays in the narcotics safe, the count sheet says ten vials.",
        "Ondansetron eight milligram tablets, two boxes, one of them expired.",
        "She's allergic to sulfa, found that out in the eighties.",
    ] {
        no_facts(line);
    }
}

#[test]
fn a_semicolon_ends_the_wound_before_it() {
    let record =
        record_of(&["Casualty one, amputation of the right foot; shrapnel in the left thigh."]);
    let injuries = list(&casualty(&record, 1), "injuries");
    assert!(
        injuries
            .iter()
            .any(|i| i["region"] == "right_leg" && i["kind"] == "amputation"),
        "{record:#}"
    );
    assert!(
        !injuries
            .iter()
            .any(|i| i["region"] == "left_leg" && i["kind"] == "amputation"),
        "{record:#}"
    );
}
