//! Classes of miss found in the studied sets 19 and 20 (fresh9, fresh10), tested by
//! paraphrases (never the sets' own sentences), each with positive and negative cases:
//! trade names and slang for drugs, routes and kit that are everyday words too ("Special
//! K", "in the deltoid", "through the Jelco", "burrito'd him"; lexicon/13 rows with their
//! context), and care done by someone else on the medic's order, filed only when the next
//! utterance confirms it done ("Jones, get a tourniquet on his left leg." / "Tourniquet's
//! on."; scope-cues/10 `confirms_next`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{casualty_or_null, items_where, list, record_of};

/// One narration and what casualty one's card must (or must not) hold: items of `field`
/// whose `key` is `value` (and, when given, whose `also.0` is `also.1`).
struct Case {
    lines: &'static [&'static str],
    field: &'static str,
    key: &'static str,
    value: &'static str,
    also: Option<(&'static str, &'static str)>,
    filed: bool,
}

fn check(cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let record = record_of(case.lines);
        let one = casualty_or_null(&record, 1);
        let found = if one.is_null() {
            Vec::new()
        } else {
            items_where(&one, case.field, case.key, case.value)
        };
        let found = found.iter().any(|item| {
            case.also.is_none_or(|(k, v)| {
                item[k] == v || item[k].as_f64().is_some_and(|x| v.parse() == Ok(x))
            })
        });
        if found != case.filed {
            failures.push(format!(
                "{:?}: {} {}={} {:?} want filed={} in {record:#}",
                case.lines, case.field, case.key, case.value, case.also, case.filed
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const OPEN: &str = "Casualty one, male, frag to the left thigh.";

#[test]
fn trade_names_and_slang_are_read_in_their_context() {
    check(&[
        Case {
            lines: &[OPEN, "Special K, thirty milligrams IV, ten fifteen."],
            field: "medications",
            key: "name",
            value: "ketamine",
            also: Some(("route", "iv")),
            filed: true,
        },
        Case {
            lines: &[
                OPEN,
                "Morphine five milligrams in the deltoid at ten twenty.",
            ],
            field: "medications",
            key: "name",
            value: "morphine",
            also: Some(("route", "im")),
            filed: true,
        },
        Case {
            lines: &[OPEN, "Hung five hundred of Hextend through the Jelco."],
            field: "fluids",
            key: "name",
            value: "hextend",
            also: Some(("route", "iv")),
            filed: true,
        },
        Case {
            lines: &[OPEN, "Burrito'd him in a poncho liner."],
            field: "treatments",
            key: "kind",
            value: "hypothermia_prevention",
            also: None,
            filed: true,
        },
        // Negatives: the same words in everyday use.
        Case {
            lines: &[
                OPEN,
                "He says he eats Special K every morning, pulse one ten.",
            ],
            field: "medications",
            key: "name",
            value: "ketamine",
            also: None,
            filed: false,
        },
        Case {
            lines: &[OPEN, "I burrito'd myself in my poncho liner last night."],
            field: "treatments",
            key: "kind",
            value: "hypothermia_prevention",
            also: None,
            filed: false,
        },
    ]);
}

#[test]
fn slang_words_alone_file_nothing() {
    for line in [
        "Frag in the left deltoid.",
        "The Jelco box is empty, restock it.",
        "I had two bowls of Special K.",
    ] {
        let record = record_of(&[line]);
        let one = casualty_or_null(&record, 1);
        assert!(
            one.is_null()
                || (list(&one, "medications").is_empty() && list(&one, "fluids").is_empty()),
            "{line}: {record:#}"
        );
    }
}

#[test]
fn an_order_confirmed_done_in_the_next_utterance_is_filed() {
    check(&[
        Case {
            lines: &[
                OPEN,
                "Jones, get a tourniquet on his left leg.",
                "Tourniquet's on.",
            ],
            field: "tourniquets",
            key: "limb",
            value: "left_leg",
            also: None,
            filed: true,
        },
        Case {
            lines: &[
                "Casualty one, male, gunshot to the right chest.",
                "Miller, get a chest seal on his right chest.",
                "Okay, it's on.",
            ],
            field: "treatments",
            key: "kind",
            value: "chest_seal",
            also: Some(("site", "right_chest")),
            filed: true,
        },
        Case {
            lines: &[
                OPEN,
                "You, throw the tourniquet on his left thigh, high and tight.",
                "Done.",
                "Pulse one twenty.",
            ],
            field: "tourniquets",
            key: "limb",
            value: "left_leg",
            also: None,
            filed: true,
        },
    ]);
}

#[test]
fn an_order_without_its_confirmation_files_nothing() {
    let none = |lines: &'static [&'static str]| Case {
        lines,
        field: "tourniquets",
        key: "limb",
        value: "left_leg",
        also: None,
        filed: false,
    };
    check(&[
        // No confirmation at all.
        none(&[
            OPEN,
            "Jones, get a tourniquet on his left leg.",
            "Pulse one twenty.",
        ]),
        // A question is no confirmation.
        none(&[
            OPEN,
            "Jones, get a tourniquet on his left leg.",
            "Is it on?",
        ]),
        // The confirmation must come in the next utterance, alone in its sentence.
        none(&[
            OPEN,
            "Jones, get a tourniquet on his left leg.",
            "Pulse one twenty.",
            "Tourniquet's on.",
        ]),
        none(&[
            OPEN,
            "Jones, get a tourniquet on his left leg.",
            "Done with the splint.",
        ]),
        // A plan stays a plan, whatever follows.
        none(&[
            OPEN,
            "We'll need to get a tourniquet on his left leg.",
            "It's on.",
        ]),
        // A confirmation with no order before it files nothing.
        none(&[OPEN, "Pulse one twenty.", "Tourniquet's on."]),
    ]);
}

#[test]
fn terse_sentences_of_one_value_continue_a_bare_drug() {
    check(&[
        Case {
            lines: &[OPEN, "Ketamine. Thirty milligrams. IV. Fourteen ten."],
            field: "medications",
            key: "name",
            value: "ketamine",
            also: Some(("time", "14:10")),
            filed: true,
        },
        Case {
            lines: &[OPEN, "Moxi. Four hundred milligrams. By mouth."],
            field: "medications",
            key: "route",
            value: "po",
            also: Some(("name", "moxifloxacin")),
            filed: true,
        },
        // Negatives: a drug that has its dose takes no second one from a bare number, and
        // a dose quoted in a sentence of its own words is no dose given.
        Case {
            lines: &[OPEN, "Morphine ten milligrams IV. Twenty."],
            field: "medications",
            key: "name",
            value: "morphine",
            also: Some(("dose", "20")),
            filed: false,
        },
        Case {
            lines: &[OPEN, "Ketamine. Fifty milligrams is the max dose."],
            field: "medications",
            key: "name",
            value: "ketamine",
            also: Some(("unit", "mg")),
            filed: false,
        },
    ]);
}
