//! Arbitrary bytes as a journal record (kind byte, then payload): every kind's reader,
//! the audio record's header and full readers agreeing.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tccc::fuzzing::journal_payload(data));
