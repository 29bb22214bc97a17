//! Arbitrary bytes as a journal segment file: frames scanned, seals opened, damage
//! reported, payloads decoded, the record rebuilt and rendered.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tccc::fuzzing::journal_file(data));
