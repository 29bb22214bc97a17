//! The handover checker without a model: hand-written paragraphs about a casualty whose
//! record is read from a narration. Sentences stating a value the record does not hold
//! (a number, drug, limb, side, region, time, casualty number, name) are dropped; correct
//! ones, in written or spoken form or with the lexicon's synonyms, are kept.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tccc::extract::{Extractor, ExtractorConfig};
use tccc::llm::checked::{check_paragraph, check_sentence, sentences, DropReason};
use tccc::record::CasualtyRecord;

const NARRATION: &[&str] = &[
    "Casualty one, male, gunshot wound to the left thigh.",
    "Tourniquet applied to the left leg at 14:10.",
    "Pulse 124, blood pressure 100 over 60, respiratory rate 22, SpO2 94 percent.",
    "Gave one gram TXA IV at 14:20.",
    "Morphine 10 milligrams IM.",
    "500 ml whole blood IV.",
    "Evac category urgent.",
];

fn record_of(narration: &[&str]) -> CasualtyRecord {
    let mut extractor = Extractor::new(ExtractorConfig::default());
    for (i, line) in narration.iter().enumerate() {
        extractor
            .push_utterance(i as u32, line, i as f64, i as f64 + 1.0)
            .unwrap();
    }
    let record = extractor.record();
    assert_eq!(record.casualties.len(), 1, "{record:?}");
    record.casualties[0].clone()
}

fn casualty() -> CasualtyRecord {
    let c = record_of(NARRATION);
    // The fixture holds what the cases below rely on.
    assert_eq!(c.tourniquets.len(), 1, "{c:?}");
    assert_eq!(c.medications.len(), 2, "{c:?}");
    assert_eq!(c.fluids.len(), 1, "{c:?}");
    assert_eq!(c.vitals[0].pulse, Some(124), "{c:?}");
    c
}

#[test]
fn sentences_that_state_only_recorded_values_are_kept() {
    let c = casualty();
    let kept = [
        "Casualty one is a male with a gunshot wound to the left leg.",
        "A tourniquet was applied to the left leg at 1410.",
        "A tourniquet was applied to the left thigh at fourteen ten.",
        "A tourniquet was placed on the left leg at 14:10 hours.",
        "His pulse was 124 and his blood pressure 100/60.",
        "Pulse one twenty four, blood pressure one hundred over sixty.",
        "His respiratory rate was 22 and his SpO2 94%.",
        "He received 1 g of tranexamic acid IV at 14:20.",
        "He was given TXA one gram intravenously at fourteen twenty.",
        "He was given morphine 10 mg IM.",
        "He received 500 ml of whole blood IV.",
        "He is urgent for evacuation.",
        "He was bleeding from the left leg but is now stable.",
        "This is the handover for casualty 1.",
    ];
    for sentence in kept {
        assert_eq!(check_sentence(sentence, &c), None, "{sentence}");
    }
}

#[test]
fn sentences_with_invented_values_are_dropped() {
    let c = casualty();
    let dropped = [
        // sides, limbs and regions
        "A tourniquet was applied to the right leg at 1410.",
        "A tourniquet was applied to the left arm.",
        "He has a gunshot wound to the right thigh.",
        "On the right, bleeding was controlled.",
        "He has a wound to the head.",
        "Needle decompression of the right chest was done.",
        // times
        "A tourniquet was applied to the left leg at 14:15.",
        "A tourniquet was applied to the left leg at fourteen fifteen.",
        "TXA was given at 1425.",
        // numbers, written and spoken
        "His pulse was 130.",
        "His pulse was one thirty.",
        "Respiratory rate was twenty eight.",
        "His blood pressure was 90/60.",
        "His blood pressure was 100 over 70.",
        "SpO2 was 98 percent.",
        "Pain 7/10.",
        "He received 2 g of TXA.",
        "He received 1000 ml of whole blood.",
        "He was given morphine 5 mg.",
        // values of the record bound to the wrong thing
        "1 g of blood on the right leg.",
        "1 g IV at 14:20.",
        "His pulse was 100.",
        "Respiratory rate 124.",
        "Morphine 1 g.",
        "SpO2 22%.",
        "Rewrite these notes as one short paragraph.",
        "He got 124 of them.",
        // drugs, fluids, treatments, routes and signs absent from the record
        "He received ketamine 50 mg IV.",
        "He was given fentanyl.",
        "He was given a litre of normal saline.",
        "A chest seal was placed.",
        "An NPA was inserted.",
        "Morphine was given IO.",
        "GCS was 15.",
        "He is alert.",
        "The mechanism was an IED blast.",
        "She is female.",
        "He is priority for evacuation.",
        // other casualties and invented names
        "Casualty two has a head injury.",
        "The second casualty is stable.",
        "Sergeant Miller was shot in the left thigh.",
        "He was treated by Smith.",
        // nothing from the record: filler and invented prose are not a handover
        "He was bleeding heavily but is now stable.",
        "The medical notes are as follows:",
        "A day of honor, a day of duty.",
    ];
    let mut kept = Vec::new();
    for sentence in dropped {
        if check_sentence(sentence, &c).is_none() {
            kept.push(sentence);
        }
    }
    assert!(kept.is_empty(), "kept with invented values: {kept:#?}");
}

#[test]
fn a_paragraph_keeps_the_correct_sentences_in_order() {
    let c = casualty();
    let paragraph = "Casualty one is a male with a gunshot wound to the left thigh. \
        A tourniquet was applied to the left leg at 14:10. His pulse was 130 and falling. \
        He received 1 g TXA IV at 14:20 and ketamine 50 mg. Morphine 10 mg IM was given. \
        He is urgent for evacuation.";
    let checked = check_paragraph(paragraph, &c);
    assert_eq!(
        checked.kept,
        vec![
            "Casualty one is a male with a gunshot wound to the left thigh.",
            "A tourniquet was applied to the left leg at 14:10.",
            "Morphine 10 mg IM was given.",
            "He is urgent for evacuation.",
        ]
    );
    assert_eq!(checked.dropped.len(), 2);
    assert!(matches!(checked.dropped[0].1, DropReason::NotInRecord(_)));
    assert!(checked.paragraph().starts_with("Casualty one is"));
}

#[test]
fn an_empty_record_allows_no_value_at_all() {
    let empty = CasualtyRecord {
        id: 3,
        ..CasualtyRecord::default()
    };
    for sentence in [
        "Pulse 80.",
        "A tourniquet was applied to the left leg.",
        "He received morphine.",
        "At 09:15 he was stable.",
        "Casualty one is stable.",
    ] {
        assert!(check_sentence(sentence, &empty).is_some(), "{sentence}");
    }
    assert_eq!(check_sentence("Casualty 3 is stable.", &empty), None);
    assert_eq!(
        check_sentence("Nothing else was recorded.", &empty),
        Some(DropReason::NothingFromRecord)
    );
}

#[test]
fn another_casualty_record_does_not_lend_its_values() {
    // Casualty 2's values are not casualty 1's.
    let mut extractor = Extractor::new(ExtractorConfig::default());
    for (i, line) in [
        "Casualty one, tourniquet left arm at 09:15.",
        "Casualty two, pulse 88, tourniquet right leg at 09:20.",
    ]
    .iter()
    .enumerate()
    {
        extractor.push_utterance(i as u32, line, 0.0, 1.0).unwrap();
    }
    let record = extractor.record();
    let one = &record.casualties[0];
    assert!(check_sentence("A tourniquet was applied to the left arm at 09:15.", one).is_none());
    assert!(check_sentence("A tourniquet was applied to the right leg at 09:20.", one).is_some());
    assert!(check_sentence("His pulse was 88.", one).is_some());
}

#[test]
fn overlong_paragraphs_are_cut() {
    let c = casualty();
    let many = "He is urgent for evacuation. ".repeat(40);
    let checked = check_paragraph(&many, &c);
    // A repeated sentence is kept once.
    assert_eq!(checked.kept.len(), 1);
    assert_eq!(checked.dropped[0].1, DropReason::Repeated);
    assert!(checked.kept.len() + checked.dropped.len() <= 40);
    assert!(sentences(&many).len() == 40);
}
