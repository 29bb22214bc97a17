//! The same untimed dose said again minutes later is a second dose (filed unconfirmed, for
//! the medic to confirm); said again within a sentence or two, or with the same spoken time,
//! it is the same dose.

#![allow(clippy::unwrap_used)]

use tccc::cli::process::extract_transcript;
use tccc::record::{Doubt, Event, Fact};

/// (casualty, doubt) of every asserted medication, in order.
fn doses(text: &str) -> Vec<(u8, Option<Doubt>)> {
    let (extractor, _) = extract_transcript(text).unwrap();
    extractor
        .events()
        .iter()
        .filter_map(|event| match event {
            Event::Asserted {
                casualty,
                fact: Fact::Medication { .. },
                provenance,
                ..
            } => Some((*casualty, provenance.doubt)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_dose_restated_at_once_is_one_dose() {
    let got =
        doses("Casualty two ketamine twenty milligrams IV.\nKetamine twenty milligrams IV.\n");
    assert_eq!(got, vec![(2, None)]);
}

#[test]
fn a_dose_said_again_twelve_minutes_later_is_a_second_unconfirmed_dose() {
    let got = doses(
        "10:06 | Casualty two ketamine twenty milligrams IV.\n\
         10:07 | Casualty two ketamine twenty milligrams IV.\n\
         10:18 | Casualty two ketamine twenty milligrams IV.\n",
    );
    assert_eq!(got, vec![(2, None), (2, Some(Doubt::Ambiguous))]);
}

#[test]
fn a_timed_dose_said_again_later_is_the_same_dose() {
    let got = doses(
        "10:06 | Casualty two ketamine twenty milligrams IV at ten oh six.\n\
         10:30 | Casualty two ketamine twenty milligrams IV at ten oh six.\n",
    );
    assert_eq!(got, vec![(2, None)]);
}

#[test]
fn the_same_dose_for_another_casualty_is_not_a_repeat() {
    let got = doses(
        "10:06 | Casualty one ketamine twenty milligrams IV.\n\
         10:18 | Casualty two ketamine twenty milligrams IV.\n",
    );
    assert_eq!(got, vec![(1, None), (2, None)]);
}
