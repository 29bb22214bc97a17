//! The bundled narration that `tccc demo` and the benches play: five lines of medic
//! narration spoken by piper (scripts/make-demo-narration), embedded so the demo needs no
//! files.

/// The narration as a 16 kHz 16-bit mono WAV file.
pub const NARRATION_WAV: &[u8] = include_bytes!("narration.wav");
