//! The stage knobs shared between the watchdog (the writer) and the pipeline's stages (the
//! readers) as one atomic word: a reader on the ASR thread takes one `load` per segment, no
//! lock, no allocation, never waits; the watchdog stores after each poll.

use std::sync::atomic::{AtomicU32, Ordering};

use super::governor::StageKnobs;

const BIASING: u32 = 1 << 8;
const LLM: u32 = 1 << 9;
const LARGE_MODELS: u32 = 1 << 10;
const RECOGNITION_ONLY: u32 = 1 << 11;
const BEAM_MASK: u32 = 0xff;

fn pack(knobs: StageKnobs) -> u32 {
    u32::from(knobs.beam_width_max)
        | if knobs.biasing { BIASING } else { 0 }
        | if knobs.llm { LLM } else { 0 }
        | if knobs.large_models { LARGE_MODELS } else { 0 }
        | if knobs.recognition_only {
            RECOGNITION_ONLY
        } else {
            0
        }
}

fn unpack(word: u32) -> StageKnobs {
    StageKnobs {
        beam_width_max: (word & BEAM_MASK) as u8,
        biasing: word & BIASING != 0,
        llm: word & LLM != 0,
        large_models: word & LARGE_MODELS != 0,
        recognition_only: word & RECOGNITION_ONLY != 0,
    }
}

/// What the stages may do now, readable from any thread without a lock. Starts with no
/// limit ([`StageKnobs::FULL`]): without a watchdog the stages run as configured.
#[derive(Debug)]
pub struct SharedKnobs {
    word: AtomicU32,
}

impl Default for SharedKnobs {
    fn default() -> Self {
        SharedKnobs::new(StageKnobs::FULL)
    }
}

impl SharedKnobs {
    /// A cell holding `knobs`.
    pub fn new(knobs: StageKnobs) -> SharedKnobs {
        SharedKnobs {
            word: AtomicU32::new(pack(knobs)),
        }
    }

    /// The knobs now (one atomic load).
    pub fn load(&self) -> StageKnobs {
        unpack(self.word.load(Ordering::Acquire))
    }

    /// Publishes new knobs (one atomic store).
    pub fn store(&self, knobs: StageKnobs) {
        self.word.store(pack(knobs), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watchdog::{Profile, ThermalState};

    #[test]
    fn every_table_entry_survives_the_round_trip() {
        let cell = SharedKnobs::default();
        assert_eq!(cell.load(), StageKnobs::FULL);
        for profile in Profile::ALL {
            for thermal in [
                ThermalState::Normal,
                ThermalState::Warm,
                ThermalState::Hot,
                ThermalState::Critical,
            ] {
                let knobs = StageKnobs::of(profile, thermal);
                cell.store(knobs);
                assert_eq!(cell.load(), knobs, "{profile:?} {thermal:?}");
            }
        }
    }
}
