#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tccc::fuzzing::ct2_model(data));
