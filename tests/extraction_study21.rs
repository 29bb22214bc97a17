//! Precision classes found by studying the fresh10 set (studied20) further, each tested by
//! paraphrases (never the set's own sentences), positive and negative, table-driven:
//!
//! 1. A drug named in a past reaction ("morphine made him throw up last time") or ruled out
//!    ("ertapenem's out with that history", "no ketorolac for him", "he can't have
//!    morphine", "hold the TXA") is no drug given; a reaction said of it still makes an
//!    allergy where today's rules say so.
//! 2. A drug someone else asked for or quoted is no drug given, and a senior addressed on
//!    the radio ("Sergeant Vega, this is Pike") or named as the one who did a thing
//!    ("Specialist Hale put it on") is not the casualty's name.
//! 3. Knowledge said about drugs, doses and categories (everyday20, studied20.txt) files
//!    nothing (tests/extraction_everyday.rs runs the whole corpus).
//! 4. Care said to be someone else's work ("that tourniquet is not mine, the CLS put it on")
//!    is still care on this casualty; "he's not mine" (another medic's casualty) still
//!    switches to no one (tests/extraction_study20.rs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{casualty, record_of};
use serde_json::Value;

/// What one case expects of casualty 1: how many items of `field` have `key` equal to
/// `value` (`key` empty: whether the scalar `field` equals `value`, 1 or 0).
struct Expect {
    field: &'static str,
    key: &'static str,
    value: &'static str,
    count: usize,
}

const fn expect(
    field: &'static str,
    key: &'static str,
    value: &'static str,
    count: usize,
) -> Expect {
    Expect {
        field,
        key,
        value,
        count,
    }
}

struct Case<'a> {
    lines: &'a [&'a str],
    expect: &'a [Expect],
}

/// A JSON value as said in a table: a string, or a number's digits.
fn same(v: &Value, said: &str) -> bool {
    *v == said || (v.is_number() && serde_json::from_str::<Value>(said).is_ok_and(|n| n == *v))
}

fn count(c: &Value, e: &Expect) -> usize {
    match (&c[e.field], e.key.is_empty()) {
        (Value::Array(items), true) => items.iter().filter(|v| same(v, e.value)).count(),
        (Value::Array(items), false) => items.iter().filter(|v| same(&v[e.key], e.value)).count(),
        (scalar, _) => usize::from(same(scalar, e.value)),
    }
}

fn check(cases: &[Case<'_>]) {
    let mut failures = String::new();
    for case in cases {
        let record = record_of(case.lines);
        let one = casualty(&record, 1);
        for e in case.expect {
            let got = count(&one, e);
            if got != e.count {
                failures.push_str(&format!(
                    "{:?}: {}.{}={:?} counted {got}, want {}\n{one:#}\n",
                    case.lines, e.field, e.key, e.value, e.count
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

const HEADER: &str = "Casualty one, male, frag to the right thigh.";

#[test]
fn a_drug_in_a_past_reaction_or_ruled_out_is_not_given() {
    check(&[
        Case {
            lines: &[
                HEADER,
                "He says ketamine made him puke, that's a side effect.",
            ],
            expect: &[
                expect("medications", "name", "ketamine", 0),
                expect("allergies", "", "ketamine", 0),
            ],
        },
        Case {
            lines: &[HEADER, "Ibuprofen upsets his stomach, it's a side effect."],
            expect: &[
                expect("medications", "name", "ibuprofen", 0),
                expect("allergies", "", "ibuprofen", 0),
            ],
        },
        Case {
            lines: &[
                HEADER,
                "Ondansetron gave him a headache before, so we'll see.",
            ],
            expect: &[expect("medications", "name", "ondansetron", 0)],
        },
        Case {
            lines: &[
                HEADER,
                "Meloxicam's out with that belly wound, fentanyl fifty micrograms IV at ten ten.",
            ],
            expect: &[
                expect("medications", "name", "meloxicam", 0),
                expect("medications", "name", "fentanyl", 1),
            ],
        },
        Case {
            lines: &[HEADER, "Morphine's out for him, his pressure is too soft."],
            expect: &[expect("medications", "name", "morphine", 0)],
        },
        Case {
            lines: &[
                HEADER,
                "No meloxicam for him with that bleeding, pulse one ten.",
            ],
            expect: &[
                expect("medications", "name", "meloxicam", 0),
                expect("vitals", "pulse", "110", 1),
            ],
        },
        Case {
            lines: &[HEADER, "He can't have morphine with that head injury."],
            expect: &[expect("medications", "name", "morphine", 0)],
        },
        Case {
            lines: &[
                HEADER,
                "Ketamine is contraindicated here, so fentanyl lozenge at ten fifteen.",
            ],
            expect: &[
                expect("medications", "name", "ketamine", 0),
                expect("medications", "name", "fentanyl", 1),
            ],
        },
        Case {
            lines: &[HEADER, "Hold the TXA, it's been over three hours."],
            expect: &[expect("medications", "name", "txa", 0)],
        },
        Case {
            lines: &[
                HEADER,
                "Nothing with a penicillin history for him, pulse one ten.",
            ],
            expect: &[
                expect("medications", "name", "penicillin", 0),
                expect("vitals", "pulse", "110", 1),
            ],
        },
        Case {
            lines: &[
                HEADER,
                "He's allergic to penicillin.",
                "His allergy tag says penicillin, it matches.",
            ],
            expect: &[
                expect("medications", "name", "penicillin", 0),
                expect("allergies", "", "penicillin", 1),
            ],
        },
        Case {
            lines: &[
                HEADER,
                "He's allergic to morphine, hives.",
                "Morphine, yeah, he says so too.",
            ],
            expect: &[
                expect("medications", "name", "morphine", 0),
                expect("allergies", "", "morphine", 1),
            ],
        },
    ]);
}

#[test]
fn a_drug_given_beside_a_reaction_word_is_still_filed() {
    // Negatives: the act is said; the reaction or ruling-out words are about something else.
    check(&[
        Case {
            lines: &[
                HEADER,
                "Ondansetron four milligrams IV at ten ten, it made him feel better.",
            ],
            expect: &[expect("medications", "name", "ondansetron", 1)],
        },
        Case {
            lines: &[
                HEADER,
                "Ketamine fifty milligrams IM at ten ten, he's out of it now.",
            ],
            expect: &[expect("medications", "name", "ketamine", 1)],
        },
        Case {
            lines: &[
                HEADER,
                "No ketamine, fentanyl fifty micrograms IV at ten ten instead.",
            ],
            expect: &[
                expect("medications", "name", "ketamine", 0),
                expect("medications", "name", "fentanyl", 1),
            ],
        },
        Case {
            lines: &[
                HEADER,
                "He's allergic to morphine, it made him break out in hives.",
            ],
            expect: &[
                expect("medications", "name", "morphine", 0),
                expect("allergies", "", "morphine", 1),
            ],
        },
        Case {
            lines: &[
                HEADER,
                "TXA two grams IV at ten ten, hold the pressure on the thigh.",
            ],
            expect: &[expect("medications", "name", "txa", 1)],
        },
        Case {
            lines: &[
                HEADER,
                "I took the ketamine from his kit, fifty milligrams IM at ten ten.",
            ],
            expect: &[expect("medications", "name", "ketamine", 1)],
        },
        Case {
            // A reaction the lexicon reads as an allergy still names the allergen.
            lines: &[
                HEADER,
                "Any allergies? He says morphine gives him hives, so morphine.",
            ],
            expect: &[
                expect("medications", "name", "morphine", 0),
                expect("allergies", "", "morphine", 1),
            ],
        },
        Case {
            // A dose given of a drug he is allergic to is still filed (the advisor warns).
            lines: &[
                HEADER,
                "He's allergic to morphine.",
                "Morphine ten milligrams IV at ten ten.",
            ],
            expect: &[expect("medications", "name", "morphine", 1)],
        },
        Case {
            lines: &[
                HEADER,
                "Allergic to penicillin.",
                "Ceftriaxone one gram IV at ten ten.",
            ],
            expect: &[expect("medications", "name", "ceftriaxone", 1)],
        },
    ]);
}

#[test]
fn a_drug_someone_else_asked_for_is_not_given() {
    check(&[
        Case {
            lines: &[
                HEADER,
                "His team leader wanted aspirin for a headache, I sent him to the PA.",
            ],
            expect: &[expect("medications", "name", "aspirin", 0)],
        },
        Case {
            lines: &[
                HEADER,
                "The driver asked me for Tylenol for his back, told him later.",
            ],
            expect: &[expect("medications", "name", "acetaminophen", 0)],
        },
        Case {
            lines: &[
                HEADER,
                "I took a couple of Tylenol this morning for my back, he says.",
            ],
            expect: &[expect("medications", "name", "acetaminophen", 0)],
        },
        Case {
            lines: &[HEADER, "Aspirin gives me heartburn, that's all, Doc."],
            expect: &[
                expect("medications", "name", "aspirin", 0),
                expect("allergies", "", "aspirin", 0),
            ],
        },
    ]);
}

#[test]
fn a_reaction_judged_no_allergy_is_no_nkda() {
    check(&[
        Case {
            lines: &[
                HEADER,
                "Ibuprofen upsets his stomach, but that's no allergy.",
            ],
            expect: &[
                expect("allergies", "", "nkda", 0),
                expect("medications", "name", "ibuprofen", 0),
            ],
        },
        Case {
            // Negative: no allergies said of the casualty is NKDA.
            lines: &[HEADER, "He has no allergies, pulse one ten."],
            expect: &[expect("allergies", "", "nkda", 1)],
        },
        Case {
            lines: &[HEADER, "He says moxi when he can swallow, that's the plan."],
            expect: &[expect("medications", "name", "moxifloxacin", 0)],
        },
    ]);
}

#[test]
fn a_senior_addressed_or_doing_the_care_is_not_the_casualtys_name() {
    check(&[
        Case {
            lines: &[
                "Lieutenant Brandt, this is Doc Ames, one casualty, male, gunshot left arm, over.",
                "Pulse one ten.",
            ],
            expect: &[
                expect("name", "", "Lieutenant Brandt", 0),
                expect("vitals", "pulse", "110", 1),
            ],
        },
        Case {
            lines: &[
                HEADER,
                "Tourniquet on the right leg, Corporal Okafor put it on before I got here.",
            ],
            expect: &[
                expect("name", "", "Corporal Okafor", 0),
                expect("tourniquets", "limb", "right_leg", 1),
            ],
        },
        Case {
            lines: &[
                HEADER,
                "Sergeant Mills applied the pressure dressing, pulse one ten.",
            ],
            expect: &[
                expect("name", "", "Sergeant Mills", 0),
                expect("vitals", "pulse", "110", 1),
            ],
        },
    ]);
}

#[test]
fn a_dictated_rank_and_name_is_still_the_casualtys() {
    // Negatives: the rank and name said of the casualty.
    check(&[
        Case {
            lines: &[
                "Casualty one is Sergeant Mills, gunshot to the left arm.",
                "Pulse one ten.",
            ],
            expect: &[expect("name", "", "Sergeant Mills", 1)],
        },
        Case {
            lines: &[
                "Casualty one, Corporal Okafor, took a round to the right leg.",
                "Pulse one ten.",
            ],
            expect: &[expect("name", "", "Corporal Okafor", 1)],
        },
    ]);
}

#[test]
fn evacuation_categories_named_as_a_list_are_no_category() {
    check(&[
        Case {
            lines: &[
                HEADER,
                "Urgent, priority, routine: know the evac categories cold for the board.",
            ],
            expect: &[
                expect("evac_category", "", "urgent", 0),
                expect("evac_category", "", "priority", 0),
                expect("evac_category", "", "routine", 0),
            ],
        },
        Case {
            lines: &[HEADER, "Evac category for him is urgent."],
            expect: &[expect("evac_category", "", "urgent", 1)],
        },
    ]);
}

#[test]
fn care_someone_else_did_is_still_care_on_this_casualty() {
    check(&[
        Case {
            lines: &[
                HEADER,
                "That tourniquet on his right leg is not mine, the CLS put it on at ten ten.",
            ],
            expect: &[expect("tourniquets", "limb", "right_leg", 1)],
        },
        Case {
            lines: &[
                HEADER,
                "The chest seal on his right chest isn't mine, his buddy slapped it on.",
            ],
            expect: &[expect("treatments", "kind", "chest_seal", 1)],
        },
        Case {
            lines: &[
                HEADER,
                "The pressure dressing on his right thigh wasn't me, the team leader did it.",
            ],
            expect: &[expect("treatments", "kind", "pressure_dressing", 1)],
        },
    ]);
}

#[test]
fn another_medics_casualty_is_still_not_switched_to() {
    // Negative: "not mine" said of a person still takes nothing (study20's class).
    check(&[Case {
        lines: &[
            HEADER,
            "The gunner has a tourniquet on his left arm, Doc Lee has him, he's not mine.",
            "Pulse one ten.",
        ],
        expect: &[
            expect("tourniquets", "limb", "left_arm", 0),
            expect("vitals", "pulse", "110", 1),
        ],
    }]);
}

#[test]
fn an_act_said_impossible_there_is_not_filed() {
    check(&[
        Case {
            lines: &[
                "Casualty one, female, gunshot wound left shoulder, too high for a tourniquet, so I packed it with Combat Gauze at ten ten.",
            ],
            expect: &[
                expect("tourniquets", "limb", "left_arm", 0),
                expect("treatments", "kind", "hemostatic_dressing", 1),
            ],
        },
        Case {
            // Negative: a tourniquet put on, with the wound said low enough for it.
            lines: &[
                "Casualty one, male, gunshot to the right forearm.",
                "Tourniquet on the right arm at ten ten, the wound is low enough for it.",
            ],
            expect: &[expect("tourniquets", "limb", "right_arm", 1)],
        },
    ]);
}
