//! Classes of error found in set 21 (fresh11, studied after its one score), tested by
//! paraphrases (never the set's own sentences), each positive and negative, table-driven:
//! - crew named to be spoken to ("Gunner, loader, stay low") or said to be fine with a
//!   minor injury they saw to themselves open no casualty and take none of the facts after;
//! - "<person noun> one/two" ("Marine two", "Sailor one") names that casualty;
//! - a casualty number said as its own clause after care ("…, casualty one, fourteen
//!   twenty") tags that care;
//! - a tourniquet loosened to convert it is no new tourniquet;
//! - "nobody's given him X" denies X;
//! - dictated punctuation ("comma", "colon", "question mark") when the utterance is
//!   clearly dictated, list labels ("Item nine:"), and radio cuts ("thi... say again
//!   location? Thigh") are read as marks, not words;
//! - the AVPU letter as the whole clause after its cue ("AVPU: V").

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{
    casualty, casualty_or_null, has_vital, list, medication, run_cases, treatment, Case,
};
use serde_json::Value;

fn injury_at(c: &Value, region: &str) -> bool {
    list(c, "injuries").iter().any(|i| i["region"] == region)
}

#[test]
fn crew_spoken_to_or_fine_open_no_casualty() {
    run_cases(&[
        Case {
            name: "crew given an order",
            lines: &[
                "The driver, male, frag to the right thigh.",
                "Gunner, loader, stay low and watch the hatch.",
                "Pulse one ten.",
            ],
            check: |r| has_vital(&casualty(r, 1), "pulse", 110) && casualty_or_null(r, 2).is_null(),
        },
        Case {
            name: "one crew member given an order",
            lines: &[
                "The gunner, female, GSW left arm.",
                "Driver, don't stop till the checkpoint.",
                "Resp twenty two.",
            ],
            check: |r| {
                has_vital(&casualty(r, 1), "resp_rate", 22) && casualty_or_null(r, 2).is_null()
            },
        },
        Case {
            name: "crew member fine with a scrape he saw to himself",
            lines: &[
                "The gunner, female, GSW to the left thigh.",
                "Driver got a scrape on his knee, he's okay, he cleaned it up himself.",
                "Pulse one hundred.",
            ],
            check: |r| {
                let one = casualty(r, 1);
                has_vital(&one, "pulse", 100)
                    && !injury_at(&one, "right_leg")
                    && casualty_or_null(r, 2).is_null()
            },
        },
        // Negatives: a role followed by a description, or a real wound said "fine for
        // now", is a casualty.
        Case {
            name: "second role described is a casualty",
            lines: &[
                "The driver, male, GSW left arm.",
                "Gunner, female, burns to both hands.",
                "Pulse ninety.",
            ],
            check: |r| {
                let two = casualty_or_null(r, 2);
                !two.is_null() && has_vital(&two, "pulse", 90)
            },
        },
        Case {
            name: "a wound said fine for now is still a casualty",
            lines: &[
                "The gunner, female, GSW left thigh.",
                "Driver's got a gunshot wound to the right arm, he's fine for now.",
                "Pulse one twenty.",
            ],
            check: |r| {
                let two = casualty_or_null(r, 2);
                !two.is_null() && injury_at(&two, "right_arm")
            },
        },
    ]);
}

#[test]
fn care_asked_about_someone_else_is_not_filed() {
    run_cases(&[
        Case {
            name: "asked about the gunner",
            lines: &[
                "Casualty one, male, GSW left arm.",
                "Did you give the gunner anything? He had ketamine from the CLS.",
            ],
            check: |r| medication(&casualty(r, 1), "ketamine").is_empty(),
        },
        // Negative: asked about the casualty himself, the answer is his care.
        Case {
            name: "asked about him",
            lines: &[
                "Casualty one, male, GSW left arm.",
                "Did you give him anything? Ketamine fifty milligrams IM at ten ten.",
            ],
            check: |r| medication(&casualty(r, 1), "ketamine").len() == 1,
        },
    ]);
}

#[test]
fn a_person_noun_with_a_number_names_that_casualty() {
    run_cases(&[
        Case {
            name: "marine one and two",
            lines: &[
                "Marine one, male, blast, left leg amputation.",
                "Marine two, female, frag in the right arm.",
                "Marine one is alert, pulse one hundred.",
                "Marine two, pressure dressing on the right arm.",
            ],
            check: |r| {
                let one = casualty(r, 1);
                let two = casualty(r, 2);
                has_vital(&one, "pulse", 100)
                    && !has_vital(&two, "pulse", 100)
                    && treatment(&two, "pressure_dressing").len() == 1
                    && treatment(&one, "pressure_dressing").is_empty()
            },
        },
        // Negative: a number that is no casualty's after the noun ("one step").
        Case {
            name: "soldier one step behind",
            lines: &[
                "Casualty one, male, GSW right leg.",
                "Soldier one step behind him was fine.",
                "Pulse ninety.",
            ],
            check: |r| has_vital(&casualty(r, 1), "pulse", 90) && casualty_or_null(r, 2).is_null(),
        },
    ]);
}

#[test]
fn a_trailing_casualty_number_tags_the_care_before_it() {
    run_cases(&[
        Case {
            name: "care, casualty one, time",
            lines: &[
                "Casualty one, male, GSW left leg.",
                "Casualty two, female, burns right hand.",
                "Ketamine twenty milligrams IV, casualty one, fourteen twenty.",
            ],
            check: |r| {
                let ketamine = medication(&casualty(r, 1), "ketamine");
                ketamine.len() == 1
                    && ketamine[0]["time"] == "14:20"
                    && medication(&casualty(r, 2), "ketamine").is_empty()
            },
        },
        // Negative: a casualty number with more said after it opens that casualty; what
        // was said before it stays where it was.
        Case {
            name: "a switch mid-sentence followed by more",
            lines: &[
                "Casualty one, male, GSW left leg.",
                "Pulse one ten, casualty two, female, burns right hand.",
            ],
            check: |r| {
                has_vital(&casualty(r, 1), "pulse", 110)
                    && !has_vital(&casualty(r, 2), "pulse", 110)
            },
        },
    ]);
}

#[test]
fn a_loosened_tourniquet_is_no_new_one() {
    run_cases(&[
        Case {
            name: "converted, loosened, off",
            lines: &[
                "Casualty one, male, GSW right forearm.",
                "CAT right arm at ten ten.",
                "Converted to a pressure dressing, TQ loosened, no bleeding, TQ off at eleven forty.",
            ],
            check: |r| {
                let one = casualty(r, 1);
                list(&one, "tourniquets").len() == 1
                    && treatment(&one, "pressure_dressing").len() == 1
            },
        },
        // Negative: "loosened" in another clause leaves the tourniquet applied.
        Case {
            name: "loosened said of something else",
            lines: &[
                "Casualty one, male, GSW right leg.",
                "CAT on the right thigh at ten ten, vest straps loosened.",
            ],
            check: |r| list(&casualty(r, 1), "tourniquets").len() == 1,
        },
    ]);
}

#[test]
fn nobody_denies_the_drug() {
    run_cases(&[
        Case {
            name: "nobody has given",
            lines: &[
                "Casualty one, male, GSW chest.",
                "Nobody's given her ketamine yet.",
            ],
            check: |r| medication(&casualty(r, 1), "ketamine").is_empty(),
        },
        // Negative: "nobody" in another sentence denies nothing.
        Case {
            name: "nobody else",
            lines: &[
                "Casualty one, male, GSW chest.",
                "Nobody else was hit. Ketamine fifty milligrams IM at ten ten.",
            ],
            check: |r| medication(&casualty(r, 1), "ketamine").len() == 1,
        },
    ]);
}

#[test]
fn dictated_marks_and_radio_cuts_are_read_as_marks() {
    run_cases(&[
        Case {
            name: "dictation",
            lines: &[
                "Casualty one comma female comma burns to the left hand period new line",
                "Question for the PA colon should I start ertapenem question mark",
                "Allergies colon sulfa period new line",
                "AVPU colon V period pain colon six period",
            ],
            check: |r| {
                let one = casualty(r, 1);
                medication(&one, "ertapenem").is_empty()
                    && list(&one, "allergies").len() == 1
                    && has_vital(&one, "avpu", "V")
                    && has_vital(&one, "pain", 6)
            },
        },
        // Negative: one everyday "period" is a word.
        Case {
            name: "a period of time",
            lines: &[
                "Casualty one, male, GSW right arm.",
                "Waited a period of ten minutes, then morphine ten milligrams IM at ten twenty.",
            ],
            check: |r| medication(&casualty(r, 1), "morphine").len() == 1,
        },
        Case {
            name: "radio cuts",
            lines: &[
                "Casualty one, male.",
                "Frag wound to the left thi... say again location? Thigh, left thigh.",
                "Pulse one tw... say again pulse? Pulse one two eight.",
                "Ketamine fifty milligrams I... say again route? IM. Fifty milligrams IM at zero seven ten.",
                "Sats nin... ninety one.",
            ],
            check: |r| {
                let one = casualty(r, 1);
                let ketamine = medication(&one, "ketamine");
                injury_at(&one, "left_leg")
                    && has_vital(&one, "pulse", 128)
                    && has_vital(&one, "spo2", 91)
                    && ketamine.len() == 1
                    && ketamine[0]["route"] == "im"
                    && ketamine[0]["time"] == "07:10"
            },
        },
        // Negative: a trailing "..." before a capitalised sentence is still a stop.
        Case {
            name: "dots before a new sentence",
            lines: &["Casualty one, male.", "Pulse one twenty... BP ninety over sixty."],
            check: |r| {
                let one = casualty(r, 1);
                has_vital(&one, "pulse", 120) && has_vital(&one, "bp_systolic", 90)
            },
        },
    ]);
}

#[test]
fn list_labels_and_a_lone_avpu_letter() {
    run_cases(&[
        Case {
            name: "item labels",
            lines: &[
                "Item one: casualty two, female.",
                "Item nine: resp twenty two.",
                "Item ten: AVPU, P.",
            ],
            check: |r| {
                let two = casualty(r, 2);
                has_vital(&two, "resp_rate", 22)
                    && !has_vital(&two, "resp_rate", 9)
                    && has_vital(&two, "avpu", "P")
            },
        },
        // Negative: "AVPU:" followed by words is no letter.
        Case {
            name: "avpu then words",
            lines: &[
                "Casualty one, male.",
                "AVPU: a mess to score, he's drifting.",
            ],
            check: |r| {
                let one = casualty_or_null(r, 1);
                one.is_null() || !has_vital(&one, "avpu", "A")
            },
        },
    ]);
}
