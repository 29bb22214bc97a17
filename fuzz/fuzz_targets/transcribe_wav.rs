//! Arbitrary bytes as the 16 kHz mono WAV that `tccc transcribe` reads.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tccc::fuzzing::transcribe_wav(data));
