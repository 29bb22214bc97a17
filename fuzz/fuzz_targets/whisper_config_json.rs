#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tccc::fuzzing::whisper_config_json(data));
