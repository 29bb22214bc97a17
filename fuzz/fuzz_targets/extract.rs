//! Arbitrary bytes as a transcript: the extractor must never panic, and the record it
//! builds must serialise, keep its invariants and render within 80 columns.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok((extractor, utterances)) = tccc::cli::process::extract_transcript(&text) else {
        return;
    };
    let record = extractor.record();
    let document = tccc::record::RecordDocument::new(&record, utterances);
    let json = document.to_json().expect("the record always serialises");
    let _: serde_json::Value = serde_json::from_str(&json).expect("the JSON reads back");
    assert_eq!(extractor.live_facts().len(), extractor.log().live_facts().len());
    for line in tccc::render::card::render(&record).lines() {
        assert!(line.chars().count() <= 80, "card line too wide: {line:?}");
    }
});
