//! Classes of error found in set 22 (fresh14, studied after its one score), tested by
//! paraphrases (never the set's own sentences), each positive and negative, table-driven:
//! - a blood product or drug said to be at hand ("the truck has two units of plasma") is
//!   not one given; care under way ("whole blood running in the left arm") is;
//! - a drug or blood product said to come next ("ketamine would be next", "next would be
//!   TXA", "fentanyl if needed") is not one given, with its dose said or not;
//! - a bare denial answering an allergy question ("Any allergies? Nope.") is no known
//!   allergies; a denial that goes on to something else is not;
//! - armour spall through a body part is a penetrating wound; the spall liner is not.
//!
//! And from set 23 (fresh16, studied after its one score; ext16): a drug the casualty
//! refused or the medic only thought about; another unit's casualty; a "No." said as a
//! sentence of its own between two values; "heart beat" as the pulse; a casualty covered
//! with a hypothermia blanket; a time said as the next sentence ("Time is zero nine twelve,
//! mark it on the strap") dates the act before it; a place said as its own clause right
//! after "shot" is where the gunshot wound is.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{
    casualty, casualty_or_null, has_vital, list, medication, run_cases, treatment, Case,
};
use serde_json::Value;

fn fluids(record: &Value) -> usize {
    let c = casualty_or_null(record, 1);
    if c.is_null() {
        0
    } else {
        list(&c, "fluids").len()
    }
}

#[test]
fn a_blood_product_at_hand_is_not_one_given() {
    run_cases(&[
        Case {
            name: "the truck has plasma",
            lines: &[
                "Casualty one, GSW left thigh.",
                "The truck has two units of plasma, bring them up.",
            ],
            check: |r| fluids(r) == 0,
        },
        Case {
            name: "whole blood on the bird",
            lines: &[
                "Casualty one, GSW left thigh.",
                "Low titer whole blood is on the bird.",
            ],
            check: |r| fluids(r) == 0,
        },
        Case {
            name: "running low on TXA",
            lines: &["Casualty one, GSW left thigh.", "We're running low on TXA."],
            check: |r| medication(&casualty(r, 1), "txa").is_empty(),
        },
        // Negatives: care under way, care given.
        Case {
            name: "whole blood going in",
            lines: &[
                "Casualty one, GSW left thigh.",
                "We have whole blood going in the right arm since ten ten.",
            ],
            check: |r| fluids(r) == 1,
        },
        Case {
            name: "a unit given",
            lines: &[
                "Casualty one, GSW left thigh.",
                "One unit of plasma IO at ten ten.",
            ],
            check: |r| fluids(r) == 1,
        },
    ]);
}

#[test]
fn a_drug_said_to_come_next_is_not_one_given() {
    run_cases(&[
        Case {
            name: "would be next",
            lines: &[
                "Casualty one, GSW left thigh.",
                "Fentanyl would be next if the pain gets worse.",
            ],
            check: |r| medication(&casualty(r, 1), "fentanyl").is_empty(),
        },
        Case {
            name: "dose then next",
            lines: &[
                "Casualty one, GSW left thigh.",
                "Ketamine twenty milligrams IV would be next.",
            ],
            check: |r| medication(&casualty(r, 1), "ketamine").is_empty(),
        },
        Case {
            name: "next would be",
            lines: &["Casualty one, GSW left thigh.", "Next would be TXA."],
            check: |r| medication(&casualty(r, 1), "txa").is_empty(),
        },
        Case {
            name: "if needed",
            lines: &[
                "Casualty one, GSW left thigh.",
                "Ondansetron four milligrams ODT if needed.",
            ],
            check: |r| medication(&casualty(r, 1), "ondansetron").is_empty(),
        },
        // Negatives: "next" as a list word, and a drug given before a plan.
        Case {
            name: "next as a list word",
            lines: &[
                "Casualty one, GSW left thigh.",
                "Next, TXA two grams IV at ten twenty.",
            ],
            check: |r| medication(&casualty(r, 1), "txa").len() == 1,
        },
        Case {
            name: "given, then a plan",
            lines: &[
                "Casualty one, GSW left thigh.",
                "Fentanyl fifty micrograms IV at ten twenty, ketamine would be next.",
            ],
            check: |r| {
                let c = casualty(r, 1);
                medication(&c, "fentanyl").len() == 1 && medication(&c, "ketamine").is_empty()
            },
        },
    ]);
}

#[test]
fn a_bare_denial_answers_the_allergy_question() {
    let nkda = |r: &Value| list(&casualty(r, 1), "allergies") == vec![Value::from("nkda")];
    let none = |r: &Value| {
        let c = casualty_or_null(r, 1);
        c.is_null() || list(&c, "allergies").is_empty()
    };
    run_cases(&[
        Case {
            name: "nope",
            lines: &["Casualty one, GSW left thigh.", "Any allergies? Nope."],
            check: nkda,
        },
        Case {
            name: "question then answer in the next utterance",
            lines: &[
                "Casualty one, GSW left thigh. Does he have any allergies?",
                "None that he knows of.",
            ],
            check: nkda,
        },
        // Negatives: not an answer, or no allergy question.
        Case {
            name: "a denial that goes on",
            lines: &[
                "Casualty one, GSW left thigh.",
                "Any allergies? No, hang on, let me read his tags.",
            ],
            check: none,
        },
        Case {
            name: "a denial after another question",
            lines: &[
                "Casualty one, GSW left thigh.",
                "Is he bleeding through? No.",
            ],
            check: none,
        },
    ]);
}

#[test]
fn armour_spall_through_a_part_is_a_penetrating_wound() {
    run_cases(&[
        Case {
            name: "spall in the shoulder",
            lines: &["Casualty one, spall in the left shoulder, bleeding controlled."],
            check: |r| {
                list(&casualty(r, 1), "injuries")
                    .iter()
                    .any(|i| i["kind"] == "penetrating")
            },
        },
        Case {
            name: "the spall liner",
            lines: &[
                "Casualty one, GSW left thigh.",
                "The spall liner on the truck door is torn.",
            ],
            check: |r| {
                list(&casualty(r, 1), "injuries")
                    .iter()
                    .all(|i| i["kind"] == "gsw")
            },
        },
    ]);
}

// --- ext16: classes of error found in set 23 (fresh16, studied after its one score).

#[test]
fn a_refused_or_merely_considered_drug_is_not_given() {
    run_cases(&[
        Case {
            name: "refused",
            lines: &[
                "Casualty one, GSW left thigh.",
                "Held out the ketamine for him, he declined it.",
            ],
            check: |r| medication(&casualty(r, 1), "ketamine").is_empty(),
        },
        Case {
            name: "thinking about",
            lines: &[
                "Casualty one, GSW left thigh.",
                "I'm thinking about fentanyl, we'll see how he does.",
            ],
            check: |r| medication(&casualty(r, 1), "fentanyl").is_empty(),
        },
        Case {
            name: "probably",
            lines: &[
                "Casualty one, GSW left thigh.",
                "Antibiotics at the CCP, probably ertapenem.",
            ],
            check: |r| medication(&casualty(r, 1), "ertapenem").is_empty(),
        },
        // Negatives: taken, and a drug given before a thought about the next.
        Case {
            name: "took it",
            lines: &[
                "Casualty one, GSW left thigh.",
                "Moxifloxacin four hundred milligrams by mouth, he took it fine.",
            ],
            check: |r| medication(&casualty(r, 1), "moxifloxacin").len() == 1,
        },
        Case {
            name: "given, then considering more",
            lines: &[
                "Casualty one, GSW left thigh.",
                "Ketamine twenty milligrams IV at ten ten, considering a second dose later.",
            ],
            check: |r| medication(&casualty(r, 1), "ketamine").len() == 1,
        },
    ]);
}

#[test]
fn another_units_casualty_is_not_ours() {
    run_cases(&[
        Case {
            name: "element reports",
            lines: &[
                "Casualty two, GSW right shoulder.",
                "Third squad reports a casualty of their own with a tourniquet on the right leg.",
            ],
            check: |r| list(&casualty(r, 2), "tourniquets").is_empty(),
        },
        Case {
            name: "the other team's casualty",
            lines: &[
                "Casualty two, GSW right shoulder.",
                "The other team's casualty has a chest seal on.",
            ],
            check: |r| list(&casualty(r, 2), "treatments").is_empty(),
        },
        // Negative: our casualty's own tourniquet.
        Case {
            name: "ours",
            lines: &[
                "Casualty two, GSW right shoulder.",
                "Tourniquet on the right arm at ten ten.",
            ],
            check: |r| list(&casualty(r, 2), "tourniquets").len() == 1,
        },
    ]);
}

#[test]
fn a_no_said_as_its_own_sentence_corrects_the_value_before() {
    run_cases(&[
        Case {
            name: "pulse",
            lines: &[
                "Casualty one.",
                "Pulse one thirty. No. One twenty, I lost count.",
            ],
            check: |r| {
                let c = casualty(r, 1);
                has_vital(&c, "pulse", 120) && !has_vital(&c, "pulse", 130)
            },
        },
        Case {
            name: "saturation",
            lines: &["Casualty one.", "Sats ninety. No, ninety five, bad probe."],
            check: |r| {
                let c = casualty(r, 1);
                has_vital(&c, "spo2", 95) && !has_vital(&c, "spo2", 90)
            },
        },
        // Negative: a "no" before something else is no correction.
        Case {
            name: "no other wounds",
            lines: &["Casualty one.", "Pulse one thirty. No. No other wounds."],
            check: |r| has_vital(&casualty(r, 1), "pulse", 130),
        },
    ]);
}

#[test]
fn a_heart_beat_is_a_pulse_and_a_casualty_covered_with_a_blanket_is_warmed() {
    run_cases(&[
        Case {
            name: "heart beat",
            lines: &["Casualty one.", "His heart beat is one hundred ten."],
            check: |r| has_vital(&casualty(r, 1), "pulse", 110),
        },
        Case {
            name: "covered",
            lines: &["Casualty one.", "Covered her with the hypothermia blanket."],
            check: |r| !treatment(&casualty(r, 1), "hypothermia_prevention").is_empty(),
        },
        // Negative: a blanket named as kit.
        Case {
            name: "the blanket in the truck",
            lines: &[
                "Casualty one, GSW left thigh.",
                "The hypothermia blanket is in the truck.",
            ],
            check: |r| treatment(&casualty(r, 1), "hypothermia_prevention").is_empty(),
        },
    ]);
}

#[test]
fn a_time_said_as_the_next_sentence_dates_the_act() {
    run_cases(&[
        Case {
            name: "time is",
            lines: &[
                "Casualty one, GSW right thigh.",
                "CAT on the right leg, high and tight. Time is one four zero five, mark it on the strap.",
            ],
            check: |r| {
                list(&casualty(r, 1), "tourniquets")
                    .iter()
                    .any(|t| t["time"] == "14:05")
            },
        },
        // Negatives: a reading is not dated back, and a time before a new act stays its own.
        Case {
            name: "a reading",
            lines: &["Casualty one.", "Pulse one twenty. Time is one four zero five."],
            check: |r| {
                list(&casualty(r, 1), "vitals")
                    .iter()
                    .all(|v| v["time"].is_null())
            },
        },
        Case {
            name: "a lesson is still a lesson",
            lines: &["Ketamine twenty milligrams IV is the pain dose, write that on your card."],
            check: |r| r.as_array().unwrap().iter().all(|c| list(c, "medications").is_empty()),
        },
    ]);
}

#[test]
fn a_place_said_right_after_shot_is_where_the_wound_is() {
    fn gsw_at(r: &Value, region: &str) -> bool {
        list(&casualty(r, 1), "injuries")
            .iter()
            .any(|i| i["kind"] == "gsw" && i["region"] == region)
    }
    run_cases(&[
        Case {
            name: "been shot, place",
            lines: &["Casualty one, he's been shot, left lower leg."],
            check: |r| gsw_at(r, "left_leg"),
        },
        Case {
            name: "gunshot, place, more",
            lines: &["Casualty one, gunshot, right forearm, bleeding controlled."],
            check: |r| gsw_at(r, "right_arm"),
        },
        // Negatives: a sign after the shot, a shot heard somewhere.
        Case {
            name: "shot, then a sign",
            lines: &["Casualty one, he got shot, pulse one twenty."],
            check: |r| list(&casualty(r, 1), "injuries").is_empty(),
        },
        Case {
            name: "a shot heard",
            lines: &[
                "Casualty one, GSW left thigh.",
                "We heard a shot, left side of the compound.",
            ],
            check: |r| list(&casualty(r, 1), "injuries").len() == 1,
        },
    ]);
}
