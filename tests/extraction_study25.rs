//! Classes of error found in set 24 (fresh17, studied after its one score; ext17), tested
//! by paraphrases (never the set's own sentences), each positive and negative,
//! table-driven:
//! - swallowing names the oral route of the drug said in the same sentence, before it or
//!   after it; smoke swallowed or a later "swallowing fine" names none;
//! - a tourniquet named again with no limb after a corrected time restates the corrected
//!   one; an allergen corrected in place replaces the allergen, it is no drug given;
//! - "a second one" or "another one" said with a limb right after a tourniquet is a
//!   further tourniquet; with no limb, or said of something else, it is none;
//! - a category said of the casualty as where he goes ("he's going out urgent");
//! - a clock time said as a sentence of its own in the middle of an utterance dates the
//!   act before it, unless vital signs follow it;
//! - an exit or entry wound is a gunshot wound; a wound of no kind is an injury where it is
//!   said, and no second one where a wound is already filed; a seal is a chest seal when
//!   the sentence speaks of the chest, the back or a wound; a cric takes no chest site;
//! - kit stowed in a pocket, kept handy, or practised on a buddy is no care given;
//! - a question that points at what is there ("See the burns? Face, both arms…") asks
//!   nothing of it; "the whole front of the chest" is both sides;
//! - the 9-line's line 3 for one patient ("line three, one charlie") is the casualty's
//!   category; two patients or two codes name no one's;
//! - a mine that exploded is a landmine; "not allergic to anything" is no known allergies;
//!   "A on AVPU" is alert.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{
    casualty, has_vital, list, medication, no_facts, run_cases, treatment, Case,
};
use serde_json::Value;

fn route_of(record: &Value, drug: &str) -> Value {
    medication(&casualty(record, 1), drug)
        .first()
        .map_or(Value::Null, |m| m["route"].clone())
}

#[test]
fn swallowing_names_the_oral_route() {
    run_cases(&[
        Case {
            name: "swallow before the drug",
            lines: &[
                "Casualty one, GSW left calf.",
                "Here, swallow this, cefadroxil one gram, it's for infection.",
            ],
            check: |r| route_of(r, "cefadroxil") == "po",
        },
        Case {
            name: "swallowed after the dose",
            lines: &[
                "Casualty one, GSW left calf.",
                "Cephalexin, five hundred milligrams, he swallowed it with some water.",
            ],
            check: |r| route_of(r, "cephalexin") == "po",
        },
        // Negatives: smoke swallowed, an explicit route, another utterance.
        Case {
            name: "smoke swallowed, drug IV",
            lines: &[
                "Casualty one, burns to the face.",
                "He swallowed a lot of smoke, ertapenem one gram IV.",
            ],
            check: |r| route_of(r, "ertapenem") == "iv",
        },
        Case {
            name: "swallowing said later",
            lines: &[
                "Casualty one, GSW left calf.",
                "Moxifloxacin four hundred milligrams.",
                "He's swallowing fine now.",
            ],
            check: |r| route_of(r, "moxifloxacin").is_null(),
        },
    ]);
}

#[test]
fn a_corrected_tourniquet_or_allergen_is_replaced_in_place() {
    run_cases(&[
        Case {
            name: "time corrected, tourniquet restated",
            lines: &[
                "Casualty one.",
                "Tourniquet right arm at ten twenty, correction, ten eighteen, the tourniquet went on at ten eighteen.",
            ],
            check: |r| {
                let t = list(&casualty(r, 1), "tourniquets");
                t.len() == 1 && t[0]["limb"] == "right_arm" && t[0]["time"] == "10:18"
            },
        },
        Case {
            name: "ellipsis before the correction",
            lines: &[
                "Casualty one.",
                "TQ left arm at oh nine forty... correction, oh nine thirty eight, the TQ went on at oh nine thirty eight.",
            ],
            check: |r| {
                let t = list(&casualty(r, 1), "tourniquets");
                t.len() == 1 && t[0]["limb"] == "left_arm" && t[0]["time"] == "09:38"
            },
        },
        Case {
            name: "allergen corrected",
            lines: &["Casualty one.", "Allergic to penicillin. Correction, it's sulfa."],
            check: |r| {
                let c = casualty(r, 1);
                list(&c, "allergies") == vec![Value::from("sulfa")]
                    && list(&c, "medications").is_empty()
            },
        },
        // Negative: a drug with its dose after the cue is a drug given; the allergy stays.
        Case {
            name: "a dose after the cue",
            lines: &[
                "Casualty one.",
                "Allergic to penicillin. Correction, ertapenem one gram IV at ten ten.",
            ],
            check: |r| {
                let c = casualty(r, 1);
                list(&c, "allergies") == vec![Value::from("penicillin")]
                    && medication(&c, "ertapenem").len() == 1
            },
        },
    ]);
}

#[test]
fn a_category_said_as_where_the_casualty_goes() {
    run_cases(&[
        Case {
            name: "he's going out urgent",
            lines: &[
                "Casualty one, GSW chest.",
                "Bird's inbound, he's going out urgent.",
            ],
            check: |r| casualty(r, 1)["evac_category"] == "urgent",
        },
        Case {
            name: "you're going out routine",
            lines: &[
                "Casualty one, sprained left ankle.",
                "You're going out routine, buddy, hang in there.",
            ],
            check: |r| casualty(r, 1)["evac_category"] == "routine",
        },
        Case {
            name: "categories said of casualty numbers",
            lines: &[
                "Casualty one, GSW left arm.",
                "Casualty two, GSW right leg.",
                "Casualty three, GSW chest.",
                "For the bird: two is urgent, three is priority, one is routine.",
            ],
            check: |r| {
                casualty(r, 1)["evac_category"] == "routine"
                    && casualty(r, 2)["evac_category"] == "urgent"
                    && casualty(r, 3)["evac_category"] == "priority"
            },
        },
        Case {
            name: "the category in a clause of its own",
            lines: &["Casualty one, GSW chest.", "He has to go out fast, urgent."],
            check: |r| casualty(r, 1)["evac_category"] == "urgent",
        },
        Case {
            name: "calling him up as",
            lines: &[
                "Casualty one, GSW chest.",
                "I'm sending him up as priority.",
            ],
            check: |r| casualty(r, 1)["evac_category"] == "priority",
        },
        // Negatives: the scheme recited, something else going out.
        Case {
            name: "the scheme recited",
            lines: &[
                "Casualty one, GSW left calf.",
                "Urgent, priority, routine, those are the three.",
            ],
            check: |r| casualty(r, 1)["evac_category"].is_null(),
        },
        Case {
            name: "the mail goes out priority",
            lines: &[
                "Casualty one, GSW left calf.",
                "The mail is going out priority tomorrow.",
            ],
            check: |r| casualty(r, 1)["evac_category"].is_null(),
        },
    ]);
}

#[test]
fn a_time_said_alone_mid_utterance_dates_the_act_before_it() {
    run_cases(&[
        Case {
            name: "terse tourniquet",
            lines: &["Casualty one.", "Tourniquet left arm. Zero two ten. Tight."],
            check: |r| list(&casualty(r, 1), "tourniquets")[0]["time"] == "02:10",
        },
        Case {
            name: "drug given at",
            lines: &[
                "Casualty one.",
                "Ketamine fifty milligrams IM. Given at zero two fifteen. He's calmer.",
            ],
            check: |r| medication(&casualty(r, 1), "ketamine")[0]["time"] == "02:15",
        },
        // Negative: a time that vital signs follow is the signs' time.
        Case {
            name: "signs after the time",
            lines: &[
                "Casualty one.",
                "Pressure dressing left arm. Zero two twenty. Pulse one ten.",
            ],
            check: |r| {
                let c = casualty(r, 1);
                treatment(&c, "pressure_dressing")[0]["time"].is_null()
                    && list(&c, "vitals")[0]["time"] == "02:20"
                    && has_vital(&c, "pulse", 110)
            },
        },
    ]);
}

fn injuries(r: &Value) -> Vec<(String, String)> {
    list(&casualty(r, 1), "injuries")
        .iter()
        .map(|i| {
            (
                i["region"].as_str().unwrap_or_default().to_owned(),
                i["kind"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn wounds_and_seals_said_with_where_they_are() {
    run_cases(&[
        Case {
            name: "exit wound on the back",
            lines: &[
                "Casualty one, GSW left chest.",
                "Rolled him over, exit wound in the middle of his back.",
            ],
            check: |r| injuries(r).contains(&("back".into(), "gsw".into())),
        },
        Case {
            name: "entry wound",
            lines: &["Casualty one.", "Entry wound in the left thigh, no exit."],
            check: |r| injuries(r) == vec![("left_leg".into(), "gsw".into())],
        },
        Case {
            name: "a wound of no kind",
            lines: &["Casualty one, big open wound on the right forearm."],
            check: |r| injuries(r) == vec![("right_arm".into(), "other".into())],
        },
        Case {
            name: "a seal on a sucking wound",
            lines: &[
                "Casualty one, frag to the left chest.",
                "Sucking wound left chest, vented seal on at ten ten.",
            ],
            check: |r| {
                let seal = treatment(&casualty(r, 1), "chest_seal");
                seal.len() == 1 && seal[0]["time"] == "10:10"
            },
        },
        Case {
            name: "cric and chest rise",
            lines: &[
                "Casualty one.",
                "Cric is in at zero three ten, good chest rise.",
            ],
            check: |r| {
                let cric = treatment(&casualty(r, 1), "cric");
                cric.len() == 1 && cric[0]["site"].is_null() && cric[0]["time"] == "03:10"
            },
        },
        Case {
            name: "gauze into the back wound at a time",
            lines: &[
                "Casualty one, frag wounds to the back and the right thigh.",
                "Pressure dressing on the right thigh, and combat gauze packed into the back wound at oh nine ten.",
            ],
            check: |r| {
                let c = casualty(r, 1);
                let gauze = treatment(&c, "hemostatic_dressing");
                let dressing = treatment(&c, "pressure_dressing");
                gauze.len() == 1
                    && gauze[0]["time"] == "09:10"
                    && dressing.len() == 1
                    && dressing[0]["time"].is_null()
                    && list(&c, "injuries").len() == 2
            },
        },
        // Negatives: the wound already filed, a wound with no place, a seal of a bag.
        Case {
            name: "the wound packed is the one filed",
            lines: &[
                "Casualty one, GSW left thigh.",
                "Packing the wound on the left leg with combat gauze.",
            ],
            check: |r| injuries(r) == vec![("left_leg".into(), "gsw".into())],
        },
    ]);
    no_facts("Keep pressure on the wound.");
    no_facts("Seal the bag and hand it up.");
    no_facts("Look for an exit wound when you roll him.");
}

#[test]
fn kit_in_a_pocket_and_practice_on_a_buddy_are_no_care() {
    no_facts("Stow the chest seal in your left cargo pocket so either hand can reach it.");
    no_facts("Keep a tourniquet in your right pocket, always.");
    no_facts("Practise putting the pressure dressing on your buddy's left arm, then swap.");
    no_facts("Practice on your battle buddy, tourniquet right leg, go.");
}

#[test]
fn kit_kept_ready_is_no_care() {
    no_facts("Keep a tourniquet handy in case the packing fails.");
    no_facts("Have the chest seal at the ready, we might find an exit.");
    run_cases(&[Case {
        name: "a seal applied, another kept handy",
        lines: &[
            "Casualty one, GSW left chest.",
            "Vented chest seal left chest at ten ten.",
            "Keep a second one handy.",
        ],
        check: |r| treatment(&casualty(r, 1), "chest_seal").len() == 1,
    }]);
}

#[test]
fn a_mine_that_went_off_no_allergies_in_words_and_avpu_said_by_letter() {
    run_cases(&[
        Case {
            name: "the mine exploded",
            lines: &[
                "Casualty two.",
                "The mine exploded right under his right foot.",
            ],
            check: |r| list(&casualty(r, 2), "mechanisms") == vec![Value::from("landmine")],
        },
        Case {
            name: "not allergic to anything",
            lines: &["Casualty one.", "He says he's not allergic to anything."],
            check: |r| list(&casualty(r, 1), "allergies") == vec![Value::from("nkda")],
        },
        Case {
            name: "not allergic to penicillin is no NKDA",
            lines: &["Casualty one.", "He's not allergic to penicillin."],
            check: |r| list(&casualty(r, 1), "allergies").is_empty(),
        },
        Case {
            name: "V on AVPU",
            lines: &[
                "Casualty one.",
                "He's V on AVPU, opens his eyes when I shout.",
            ],
            check: |r| has_vital(&casualty(r, 1), "avpu", "V"),
        },
    ]);
    no_facts("That one is mine, the blue ruck.");
}

#[test]
fn the_nine_line_precedence_of_one_patient() {
    run_cases(&[
        Case {
            name: "one alpha",
            lines: &[
                "Line three, one alpha. Line four, none.",
                "Casualty one, male, GSW to the belly.",
            ],
            check: |r| casualty(r, 1)["evac_category"] == "urgent",
        },
        Case {
            name: "one charlie mid-request",
            lines: &[
                "Casualty one, GSW left arm.",
                "Line three, one charlie, line four, alpha.",
            ],
            check: |r| casualty(r, 1)["evac_category"] == "priority",
        },
        // Negatives: two patients, two codes, a line that is no 9-line.
        Case {
            name: "two patients",
            lines: &["Casualty one, GSW left arm.", "Line three, two alpha."],
            check: |r| casualty(r, 1)["evac_category"].is_null(),
        },
        Case {
            name: "two codes",
            lines: &[
                "Casualty one, GSW left arm.",
                "Line three, one alpha, one charlie.",
            ],
            check: |r| casualty(r, 1)["evac_category"].is_null(),
        },
        Case {
            name: "a line to stand on",
            lines: &[
                "Casualty one, GSW left arm.",
                "Stand on line three, one alpha team.",
            ],
            check: |r| casualty(r, 1)["evac_category"].is_null(),
        },
    ]);
}

fn tourniquet_count(r: &Value) -> usize {
    list(&casualty(r, 1), "tourniquets").len()
}

#[test]
fn a_second_one_after_a_tourniquet_is_another_tourniquet() {
    run_cases(&[
        Case {
            name: "a second one, side by side",
            lines: &[
                "Casualty one.",
                "TQ right leg, on at zero six ten; a second one on the right leg, right above it, at zero six fourteen.",
            ],
            check: |r| {
                let t = list(&casualty(r, 1), "tourniquets");
                t.len() == 2 && t[1]["limb"] == "right_leg" && t[1]["time"] == "06:14"
            },
        },
        Case {
            name: "another one on the same arm",
            lines: &[
                "Casualty one.",
                "Tourniquet left arm at ten ten. Another one on the left arm at ten twelve.",
            ],
            check: |r| tourniquet_count(r) == 2,
        },
        Case {
            name: "another one, no limb said",
            lines: &[
                "Casualty one.",
                "Tourniquet left arm at ten ten. Another one at ten twelve.",
            ],
            check: |r| tourniquet_count(r) == 1,
        },
        // Negatives: a second casualty, a plan, nothing said after it.
        Case {
            name: "the second one is a casualty",
            lines: &[
                "Casualty one.",
                "Tourniquet left arm at ten ten. The second one is priority.",
            ],
            check: |r| tourniquet_count(r) == 1,
        },
        Case {
            name: "a second one if it fails",
            lines: &[
                "Casualty one.",
                "Tourniquet left arm at ten ten. If it fails, a second one on the left arm.",
            ],
            check: |r| tourniquet_count(r) == 1,
        },
    ]);
}

#[test]
fn a_question_that_points_asks_nothing() {
    run_cases(&[
        Case {
            name: "see the burns, then where",
            lines: &[
                "Casualty one, vehicle fire.",
                "See the burns? Both legs and the whole front of the chest.",
            ],
            check: |r| {
                let mut regions: Vec<String> = list(&casualty(r, 1), "injuries")
                    .iter()
                    .map(|i| i["region"].as_str().unwrap_or_default().to_owned())
                    .collect();
                regions.sort();
                regions == ["left_chest", "left_leg", "right_chest", "right_leg"]
            },
        },
        Case {
            name: "look at the wound",
            lines: &[
                "Casualty one.",
                "Look at the frag wound in his right calf, see it?",
            ],
            check: |r| injuries(r) == vec![("right_leg".into(), "penetrating".into())],
        },
        // Negatives: a real question about care, a question about kit.
        Case {
            name: "do you see the tourniquet",
            lines: &["Casualty one.", "Do you see a tourniquet on his left leg?"],
            check: |r| list(&casualty(r, 1), "tourniquets").is_empty(),
        },
    ]);
    no_facts("See the TXA in the bag? Hand it to me.");
}
