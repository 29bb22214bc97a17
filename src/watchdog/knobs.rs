//! The stage knobs shared between the watchdog (the writer) and the pipeline's stages (the
//! readers) as one atomic word: a reader on the ASR thread takes one `load` per segment, no
//! lock, no allocation, never waits; the watchdog stores after each poll. Beside it, the
//! table of larger models their owners hold in `residency::Unloadable` (what the
//! `large_models` knob did), which the watchdog reads after each poll: per model a slot of
//! atomics (registering claims one; reading and acknowledging allocate nothing).

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::OnceLock;

use crate::limits::WATCHDOG_MODELS_MAX;

use super::governor::StageKnobs;
use super::sensors::{name_of, Name};
use super::WatchdogError;

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
    models: ModelTable,
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
            models: ModelTable::default(),
        }
    }

    /// The knobs now (one atomic load).
    pub fn load(&self) -> StageKnobs {
        unpack(self.word.load(Ordering::Acquire))
    }

    /// The larger models registered here and whether their owners hold them loaded.
    pub fn models(&self) -> &ModelTable {
        &self.models
    }

    /// Publishes new knobs (one atomic store).
    pub fn store(&self, knobs: StageKnobs) {
        self.word.store(pack(knobs), Ordering::Release);
    }
}

const FREE: u8 = 0;
const CLAIMED: u8 = 1;
const LOADED: u8 = 2;
const UNLOADED: u8 = 3;

/// One registered model's residency, as its owner last reported it.
#[derive(Debug, Default)]
struct Slot {
    state: AtomicU8,
    name: OnceLock<Name>,
    bytes: AtomicU64,
    reload_failures: AtomicU64,
}

/// The slots of every registered model (lives in [`SharedKnobs`]).
#[derive(Debug)]
pub struct ModelTable {
    slots: [Slot; WATCHDOG_MODELS_MAX],
}

impl Default for ModelTable {
    fn default() -> Self {
        ModelTable {
            slots: std::array::from_fn(|_| Slot::default()),
        }
    }
}

/// A registered model as the watchdog sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelReading {
    /// Its name (`llm`, `whisper-small`, …).
    pub name: Name,
    /// Whether its owner holds it loaded now.
    pub loaded: bool,
    /// Its size when loaded, in bytes (as its owner declared).
    pub bytes: u64,
    /// Reloads that failed so far.
    pub reload_failures: u64,
}

impl ModelTable {
    /// Claims a slot for `name`, unloaded until its owner says otherwise.
    pub(super) fn register(&self, name: &str, bytes: u64) -> Result<usize, WatchdogError> {
        for (i, slot) in self.slots.iter().enumerate() {
            if slot
                .state
                .compare_exchange(FREE, CLAIMED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                let _ = slot.name.set(name_of(name));
                slot.bytes.store(bytes, Ordering::Relaxed);
                slot.state.store(UNLOADED, Ordering::Release);
                return Ok(i);
            }
        }
        Err(WatchdogError::TooManyModels {
            name: name.to_owned(),
        })
    }

    pub(super) fn set_loaded(&self, slot: usize, loaded: bool) {
        if let Some(s) = self.slots.get(slot) {
            s.state
                .store(if loaded { LOADED } else { UNLOADED }, Ordering::Release);
        }
    }

    pub(super) fn reload_failed(&self, slot: usize) {
        if let Some(s) = self.slots.get(slot) {
            s.reload_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The registered models, in registration order, into `out` (allocates nothing).
    pub fn read_into(&self, out: &mut heapless::Vec<ModelReading, WATCHDOG_MODELS_MAX>) {
        out.clear();
        for slot in &self.slots {
            let loaded = match slot.state.load(Ordering::Acquire) {
                LOADED => true,
                UNLOADED => false,
                _ => continue,
            };
            let Some(name) = slot.name.get() else {
                continue;
            };
            let _ = out.push(ModelReading {
                name: name.clone(),
                loaded,
                bytes: slot.bytes.load(Ordering::Relaxed),
                reload_failures: slot.reload_failures.load(Ordering::Relaxed),
            });
        }
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
