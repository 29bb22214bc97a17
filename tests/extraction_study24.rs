//! Classes of error found in set 22 (fresh14, studied after its one score), tested by
//! paraphrases (never the set's own sentences), each positive and negative, table-driven:
//! - a blood product or drug said to be at hand ("the truck has two units of plasma") is
//!   not one given; care under way ("whole blood running in the left arm") is;
//! - a drug or blood product said to come next ("ketamine would be next", "next would be
//!   TXA", "fentanyl if needed") is not one given, with its dose said or not;
//! - a bare denial answering an allergy question ("Any allergies? Nope.") is no known
//!   allergies; a denial that goes on to something else is not;
//! - armour spall through a body part is a penetrating wound; the spall liner is not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{casualty, casualty_or_null, list, medication, record_of};
use serde_json::Value;

struct Case {
    name: &'static str,
    lines: &'static [&'static str],
    check: fn(&Value) -> bool,
}

fn run_cases(cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let record = record_of(case.lines);
        if !(case.check)(&record) {
            failures.push(format!("{}: {:?}\n{record:#}", case.name, case.lines));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

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
