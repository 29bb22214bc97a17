//! Voice activity detection: the Silero VAD network ([`silero`]) gives a speech probability
//! per 32 ms frame; the segmenter (`crate::segment`) turns probabilities into utterances.

pub mod model_file;
pub mod onnx;
pub mod safetensors;
pub mod silero;
pub mod weights;

pub use silero::SileroVad;
