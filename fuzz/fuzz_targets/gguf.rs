#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tccc::fuzzing::gguf(data));
