//! The larger models the watchdog unloads in critical heat and lets back when it cools.
//!
//! The watchdog never touches a model: it owns no model and runs no model code. It publishes
//! the `large_models` knob (false in the critical thermal state, [`super::THERMAL_KNOBS`]);
//! each larger model's owner (the LLM thread, a non-default Whisper or fusion model's
//! loader) holds its model in an [`Unloadable`] registered in the same [`SharedKnobs`] cell
//! and calls [`Unloadable::follow`] (or [`Unloadable::get`]) on its own thread before each
//! use. `follow` drops the model when the knob says so and loads it again once it allows,
//! and records what it did in the model's slot: the watchdog reads the slots after every
//! poll, journals each change (`EventKind::ModelUnloaded`, `ModelReloaded`,
//! `ModelReloadFailed`) and shows them in `status`, `thermal` and `top` — a model still
//! loaded after the knob asked it out is shown as "unload pending".
//!
//! An owner that keeps the model inside something else (the ASR thread's recogniser keeps
//! its fusion language model; a non-default Whisper model is swapped for the default one)
//! registers a [`Resident`] instead and reports what it did itself.
//!
//! Pausing is a different knob: `llm` (false when hot, in saver and when critical) says
//! whether the LLM may *run*; `large_models` whether it may stay *loaded*.
//!
//! A slot (`knobs::ModelTable`) is a handful of atomics: reading or acknowledging
//! allocates nothing, so the watchdog's poll stays allocation-free. Registering claims a
//! slot (at start, on the owner's thread); there are `WATCHDOG_MODELS_MAX`.

use std::sync::Arc;

use super::knobs::SharedKnobs;

/// What [`Unloadable::follow`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Residence {
    /// Nothing to do: loaded and allowed, or unloaded and not allowed.
    Unchanged,
    /// The knobs forbid larger models: the model was dropped.
    Unloaded,
    /// The knobs allow larger models again: the model was loaded.
    Reloaded,
    /// Loading it again failed (the error; tried again at the next `follow`).
    ReloadFailed(String),
}

/// The loader an [`Unloadable`] calls to (re)load its model.
pub type Loader<T> = Box<dyn FnMut() -> Result<T, String> + Send>;

/// A larger model held by its owner, unloaded while the watchdog's `large_models` knob is
/// off and loaded again when it comes back on. Lives on the owner's thread; `follow` and
/// `get` allocate only when they load.
pub struct Unloadable<T> {
    knobs: Arc<SharedKnobs>,
    slot: usize,
    model: Option<T>,
    load: Loader<T>,
}

impl<T> std::fmt::Debug for Unloadable<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unloadable")
            .field("slot", &self.slot)
            .field("loaded", &self.model.is_some())
            .finish_non_exhaustive()
    }
}

impl<T> Unloadable<T> {
    /// Registers `name` (`bytes` when loaded) in `knobs` and loads it now unless the knobs
    /// already forbid larger models. A failing first load is returned (nothing is kept).
    pub fn new(
        name: &str,
        bytes: u64,
        knobs: Arc<SharedKnobs>,
        mut load: Loader<T>,
    ) -> Result<Unloadable<T>, String> {
        let model = if knobs.load().large_models {
            Some(load()?)
        } else {
            None
        };
        let slot = knobs
            .models()
            .register(name, bytes)
            .map_err(|e| e.to_string())?;
        knobs.models().set_loaded(slot, model.is_some());
        Ok(Unloadable {
            knobs,
            slot,
            model,
            load,
        })
    }

    /// Obeys the knobs now: drops the model when larger models are not allowed, loads it
    /// again when they are. Call on the owner's thread before each use.
    pub fn follow(&mut self) -> Residence {
        let allowed = self.knobs.load().large_models;
        match (allowed, self.model.is_some()) {
            (false, true) => {
                self.model = None;
                self.knobs.models().set_loaded(self.slot, false);
                Residence::Unloaded
            }
            (true, false) => match (self.load)() {
                Ok(model) => {
                    self.model = Some(model);
                    self.knobs.models().set_loaded(self.slot, true);
                    Residence::Reloaded
                }
                Err(error) => {
                    self.knobs.models().reload_failed(self.slot);
                    Residence::ReloadFailed(error)
                }
            },
            _ => Residence::Unchanged,
        }
    }

    /// The model after [`Unloadable::follow`]; `None` while it is unloaded.
    pub fn get(&mut self) -> Option<&mut T> {
        if let Residence::ReloadFailed(error) = self.follow() {
            log::warn!("reloading a model after the heat failed: {error}");
        }
        self.model.as_mut()
    }

    /// Whether the model is loaded now.
    pub fn is_loaded(&self) -> bool {
        self.model.is_some()
    }
}

/// A larger model registered with the watchdog whose owner keeps it elsewhere (inside a
/// recogniser, say) and reports what it did: for owners that cannot hand the model to an
/// [`Unloadable`]. Reading the knob and reporting allocate nothing.
#[derive(Debug)]
pub struct Resident {
    knobs: Arc<SharedKnobs>,
    slot: usize,
}

impl Resident {
    /// Registers `name` (`bytes` when loaded), held `loaded` now.
    pub fn register(
        name: &str,
        bytes: u64,
        knobs: Arc<SharedKnobs>,
        loaded: bool,
    ) -> Result<Resident, String> {
        let slot = knobs
            .models()
            .register(name, bytes)
            .map_err(|e| e.to_string())?;
        knobs.models().set_loaded(slot, loaded);
        Ok(Resident { knobs, slot })
    }

    /// Whether the knobs allow larger models to stay loaded now.
    pub fn allowed(&self) -> bool {
        self.knobs.load().large_models
    }

    /// Reports that the owner now holds the model loaded (`true`) or has let it go.
    pub fn report_loaded(&self, loaded: bool) {
        self.knobs.models().set_loaded(self.slot, loaded);
    }

    /// Reports a failed attempt to load it again.
    pub fn report_reload_failed(&self) {
        self.knobs.models().reload_failed(self.slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::WATCHDOG_MODELS_MAX;
    use crate::watchdog::{Profile, StageKnobs, ThermalState};

    #[test]
    fn the_table_holds_at_most_its_slots_and_reads_in_order() {
        let knobs = SharedKnobs::default();
        for i in 0..WATCHDOG_MODELS_MAX {
            knobs.models().register(&format!("m{i}"), 1).unwrap();
        }
        let error = knobs.models().register("one-more", 1).unwrap_err();
        assert!(error.to_string().contains("WATCHDOG_MODELS_MAX"));
        knobs.models().set_loaded(1, true);
        let mut read = heapless::Vec::new();
        knobs.models().read_into(&mut read);
        assert_eq!(read.len(), WATCHDOG_MODELS_MAX);
        assert_eq!((read[0].name.as_str(), read[0].loaded), ("m0", false));
        assert!(read[1].loaded);
    }

    #[test]
    fn a_resident_reports_what_its_owner_did() {
        let knobs = Arc::new(SharedKnobs::default());
        let resident = Resident::register("asr-lm", 1 << 20, Arc::clone(&knobs), true).unwrap();
        assert!(resident.allowed());
        knobs.store(StageKnobs::of(Profile::Saver, ThermalState::Critical));
        assert!(!resident.allowed());
        resident.report_loaded(false);
        let mut read = heapless::Vec::new();
        knobs.models().read_into(&mut read);
        assert_eq!((read[0].name.as_str(), read[0].loaded), ("asr-lm", false));
        resident.report_reload_failed();
        resident.report_loaded(true);
        knobs.models().read_into(&mut read);
        assert_eq!((read[0].loaded, read[0].reload_failures), (true, 1));
    }

    #[test]
    fn a_failed_reload_is_counted_and_tried_again() {
        let knobs = Arc::new(SharedKnobs::default());
        let mut attempts = 0;
        let mut held = Unloadable::new(
            "table",
            64,
            Arc::clone(&knobs),
            Box::new(move || {
                attempts += 1;
                if attempts == 2 {
                    Err("disk gone".to_owned())
                } else {
                    Ok(vec![0u8; 64])
                }
            }),
        )
        .unwrap();
        knobs.store(StageKnobs::of(Profile::Saver, ThermalState::Critical));
        assert_eq!(held.follow(), Residence::Unloaded);
        assert!(held.get().is_none());
        knobs.store(StageKnobs::FULL);
        assert_eq!(
            held.follow(),
            Residence::ReloadFailed("disk gone".to_owned())
        );
        let mut read = heapless::Vec::new();
        knobs.models().read_into(&mut read);
        assert_eq!((read[0].loaded, read[0].reload_failures), (false, 1));
        assert_eq!(held.get().map(|v| v.len()), Some(64));
        knobs.models().read_into(&mut read);
        assert!(read[0].loaded);
    }
}
