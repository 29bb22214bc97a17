//! The classes of error found by studying the fresh3 set, each tested by paraphrases (never
//! the set's own sentences): casualties named by role, position or look; a time said as a
//! sentence of its own before the vitals; corrections of values said digit by digit;
//! someone else's report and what one would do; joke allergens; amputations said with
//! "gone"; SpO2 spelt out and AVPU letters said around the cue. Scored strictly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::record_of;

use serde_json::{json, Value};

/// Asserts the extracted record scores perfectly against `gold`.
fn expect(lines: &[&str], gold: Value) {
    let predicted = record_of(lines);
    let score = extraction_support::score(&gold, &predicted);
    assert!(
        score.missed.is_empty() && score.extra.is_empty(),
        "{lines:?}\nmissed {:?}\nextra {:?}\npredicted {predicted:#}",
        score.missed,
        score.extra
    );
}

fn vitals(time: Value, fields: Value) -> Value {
    let mut set = json!({"time": time, "pulse": null, "bp_systolic": null,
        "bp_diastolic": null, "resp_rate": null, "spo2": null, "avpu": null, "pain": null});
    for (k, v) in fields.as_object().unwrap() {
        set[k] = v.clone();
    }
    set
}

#[test]
fn described_casualties_are_numbered_in_order_of_mention() {
    expect(
        &[
            "Which one first, the man near the truck or the guy under the tree?",
            "Truck guy. Laceration to the left forearm.",
            "Tree guy, he's alert, pulse ninety.",
            "Back to the truck guy. Pressure dressing on the left forearm.",
        ],
        json!([
            {"id": 1, "injuries": [{"region": "left_arm", "kind": "laceration"}],
             "treatments": [{"kind": "pressure_dressing", "site": "left_arm", "time": null}]},
            {"id": 2, "vitals": [vitals(json!(null), json!({"pulse": 90, "avpu": "A"}))]},
        ]),
    );
}

#[test]
fn described_casualties_numbered_on_the_spot_keep_their_number() {
    expect(
        &[
            "Gunner is casualty one, driver is casualty two.",
            "The driver, laceration to the scalp.",
            "The gunner, fracture of the right forearm, splint on the right arm.",
            "Driver, pain six.",
        ],
        json!([
            {"id": 1, "injuries": [{"region": "right_arm", "kind": "fracture"}],
             "treatments": [{"kind": "splint", "site": "right_arm", "time": null}]},
            {"id": 2, "injuries": [{"region": "head", "kind": "laceration"}],
             "vitals": [vitals(json!(null), json!({"pain": 6}))]},
        ]),
    );
    expect(
        &[
            "Numbering them now. Guy on the litter is one, guy by the door is two.",
            "Two. Pulse one hundred, alert.",
            "One. Laceration to the right thigh.",
        ],
        json!([
            {"id": 1, "injuries": [{"region": "right_leg", "kind": "laceration"}]},
            {"id": 2, "vitals": [vitals(json!(null), json!({"pulse": 100, "avpu": "A"}))]},
        ]),
    );
}

#[test]
fn the_first_description_names_the_casualty_spoken_of() {
    expect(
        &[
            "Vehicle rollover, the passenger was thrown out.",
            "Laceration to the scalp, pressure dressing to the head.",
        ],
        json!([
            {"id": 1, "mechanisms": ["mvc"],
             "injuries": [{"region": "head", "kind": "laceration"}],
             "treatments": [{"kind": "pressure_dressing", "site": "head", "time": null}]},
        ]),
    );
}

#[test]
fn no_name_is_read_from_what_he_knows() {
    expect(
        &["He knows his name and what day it is, he's alert."],
        json!([{"id": 1, "vitals": [vitals(json!(null), json!({"avpu": "A"}))]}]),
    );
}

#[test]
fn a_time_said_alone_dates_the_vitals_after_it_in_its_utterance_only() {
    expect(
        &["Fourteen twenty. Pulse one hundred. BP one ten over seventy."],
        json!([{"id": 1, "vitals": [vitals(json!("14:20"),
            json!({"pulse": 100, "bp_systolic": 110, "bp_diastolic": 70}))]}]),
    );
    expect(
        &["Vitals zero nine fifteen. Resps eighteen. Sat ninety eight."],
        json!([{"id": 1, "vitals": [vitals(json!("09:15"),
            json!({"resp_rate": 18, "spo2": 98}))]}]),
    );
    expect(
        &[
            "Resps twenty, sat ninety one.",
            "Zero nine forty. Pulse one twelve.",
        ],
        json!([{"id": 1, "vitals": [
            vitals(json!(null), json!({"resp_rate": 20, "spo2": 91})),
            vitals(json!("09:40"), json!({"pulse": 112})),
        ]}]),
    );
}

#[test]
fn corrections_of_values_said_digit_by_digit() {
    expect(
        &["Pulse one four two, no wait, one two four."],
        json!([{"id": 1, "vitals": [vitals(json!(null), json!({"pulse": 124}))]}]),
    );
    expect(
        &["Tourniquet right leg, fourteen ten. No wait, fourteen twelve."],
        json!([{"id": 1, "tourniquets": [
            {"limb": "right_leg", "kind": "extremity", "time": "14:12"}]}]),
    );
}

#[test]
fn reports_of_others_and_what_one_would_do_file_nothing() {
    for line in [
        "His friend says he already got fentanyl, eight hundred micrograms.",
        "Someone said he took ketamine fifty milligrams at the checkpoint.",
        "I'd give him morphine but his pressure is too low.",
        "She's allergic to Mondays.",
    ] {
        expect(&[line], json!([]));
    }
    expect(
        &["Any allergies? Only latex. Okay, latex allergy."],
        json!([{"id": 1, "allergies": ["latex"]}]),
    );
}

#[test]
fn amputations_said_with_gone() {
    expect(
        &["Right leg gone below the knee."],
        json!([{"id": 1, "injuries": [{"region": "right_leg", "kind": "amputation"}]}]),
    );
    expect(
        &["Stepped on a landmine, left foot gone."],
        json!([{"id": 1, "mechanisms": ["landmine"],
            "injuries": [{"region": "left_leg", "kind": "amputation"}]}]),
    );
}

#[test]
fn spo2_spelt_out_and_avpu_letters_around_the_cue() {
    expect(
        &["S P O 2 ninety three."],
        json!([{"id": 1, "vitals": [vitals(json!(null), json!({"spo2": 93}))]}]),
    );
    expect(
        &["Ess pee oh two, ninety seven."],
        json!([{"id": 1, "vitals": [vitals(json!(null), json!({"spo2": 97}))]}]),
    );
    expect(
        &["P on AVPU."],
        json!([{"id": 1, "vitals": [vitals(json!(null), json!({"avpu": "P"}))]}]),
    );
    expect(
        &["He only groans when I shout, so he's a V."],
        json!([{"id": 1, "vitals": [vitals(json!(null), json!({"avpu": "V"}))]}]),
    );
}
