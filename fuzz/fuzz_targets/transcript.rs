//! Arbitrary bytes as a transcript file: size and UTF-8 checks, then the extractor, the
//! JSON document and the card.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tccc::fuzzing::transcript(data));
