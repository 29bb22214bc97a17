//! The recogniser as the ASR thread holds it under the watchdog's `large_models` knob.
//!
//! Critical heat means recognition only, on the smallest model: before each segment the
//! ASR thread calls [`HeldRecogniser::follow`], which
//! - drops the domain language model of shallow fusion (`Transcriber::unload_lm`) and
//!   builds or reads it again once the knob allows;
//! - swaps a non-default Whisper model (`asr.model` = `whisper-base`, `whisper-small`) for
//!   the default one (`whisper-tiny.en`, loaded and warmed up then), so recognition goes
//!   on, and loads the configured model again when it has cooled.
//!
//! Each is registered with the watchdog as a [`Resident`] (`asr-lm`, and the configured
//! model's folder name) so the watchdog journals and shows what was done. A change loads
//! (allocates, takes a second or more for a Whisper model): it happens only at a thermal
//! state change, between segments; following without a change allocates nothing. A
//! fallback that cannot be loaded leaves the configured model in place (shown as "unload
//! pending") until the knob allows larger models again; a configured model that cannot be
//! loaded again is reported and tried again at the next segment, recognition going on
//! with the fallback meanwhile.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::asr::{AsrConfig, Transcriber};
use crate::config::{AsrSection, Config};
use crate::watchdog::{Resident, SharedKnobs};

/// The name the fusion language model is registered under.
pub const FUSION_LM_NAME: &str = "asr-lm";

/// What [`HeldRecogniser::follow`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Followed {
    /// The configured Whisper model was swapped for the default one.
    pub whisper_unloaded: bool,
    /// The configured Whisper model is back.
    pub whisper_reloaded: bool,
    /// The fusion language model was dropped.
    pub lm_unloaded: bool,
    /// The fusion language model is back.
    pub lm_reloaded: bool,
    /// A load failed (logged; tried again later).
    pub failed: bool,
}

/// A non-default Whisper model and the default one it gives way to.
struct Swap {
    resident: Resident,
    fallback_dir: PathBuf,
    /// The fallback is the recogniser in use now.
    on_fallback: bool,
    /// Loading the fallback failed during this hot spell: not tried again until it cools.
    fallback_failed: bool,
}

/// The ASR thread's recogniser: the configured model, or in critical heat the default one.
pub struct HeldRecogniser {
    transcriber: Transcriber,
    model_dir: PathBuf,
    config: AsrConfig,
    knobs: Arc<SharedKnobs>,
    whisper: Option<Swap>,
    lm: Option<Resident>,
}

impl std::fmt::Debug for HeldRecogniser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldRecogniser")
            .field("model_dir", &self.model_dir)
            .field("on_fallback", &self.on_fallback())
            .field("lm", &self.transcriber.has_lm())
            .finish_non_exhaustive()
    }
}

/// Bytes of the files directly in `dir` (a Whisper model folder).
fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter_map(|entry| entry.metadata().ok())
            .filter(std::fs::Metadata::is_file)
            .map(|metadata| metadata.len())
            .sum()
    })
}

impl HeldRecogniser {
    /// Holds `transcriber` (as loaded: its folder and configuration are what comes back
    /// after the heat) and registers with `knobs` what the watchdog may unload: its fusion language model when
    /// it has one, and the Whisper model itself when `fallback_dir` (the default model's
    /// folder) is another folder. A full table of the watchdog's models leaves that model
    /// fixed (a warning).
    pub fn new(
        transcriber: Transcriber,
        fallback_dir: Option<&Path>,
        knobs: Arc<SharedKnobs>,
    ) -> HeldRecogniser {
        let model_dir = transcriber.model_dir().to_owned();
        let register = |name: &str, bytes: u64| {
            Resident::register(name, bytes, Arc::clone(&knobs), true)
                .map_err(|error| {
                    log::warn!("{name} is not registered with the watchdog: {error}");
                })
                .ok()
        };
        let whisper = fallback_dir
            .filter(|fallback| !same_folder(fallback, &model_dir))
            .and_then(|fallback| {
                let name = model_dir
                    .file_name()
                    .map_or_else(|| "whisper".into(), |n| n.to_string_lossy());
                register(&name, folder_bytes(&model_dir)).map(|resident| Swap {
                    resident,
                    fallback_dir: fallback.to_owned(),
                    on_fallback: false,
                    fallback_failed: false,
                })
            });
        let lm = if transcriber.has_lm() {
            register(FUSION_LM_NAME, transcriber.lm_bytes())
        } else {
            None
        };
        let config = transcriber.config().clone();
        HeldRecogniser {
            transcriber,
            model_dir,
            config,
            knobs,
            whisper,
            lm,
        }
    }

    /// The recogniser in use now.
    pub fn transcriber(&mut self) -> &mut Transcriber {
        &mut self.transcriber
    }

    /// Whether the default model stands in for the configured one now.
    pub fn on_fallback(&self) -> bool {
        self.whisper.as_ref().is_some_and(|swap| swap.on_fallback)
    }

    /// Obeys the `large_models` knob now (see the module's text). Call on the ASR thread
    /// before a segment; allocates only when it loads.
    pub fn follow(&mut self) -> Followed {
        let allowed = self.knobs.load().large_models;
        let mut done = Followed::default();
        if let Some(swap) = &mut self.whisper {
            if allowed {
                swap.fallback_failed = false;
            }
            if !allowed && !swap.on_fallback && !swap.fallback_failed {
                // Recognition only, on the default model, without fusion.
                let fallback_config = AsrConfig {
                    lm_weight: 0.0,
                    term_bonus: 0.0,
                    lm_file: None,
                    ..self.config.clone()
                };
                match super::load_transcriber(&swap.fallback_dir, &fallback_config) {
                    Ok(mut fallback) => {
                        fallback.restore_counters(self.transcriber.counters());
                        self.transcriber = fallback;
                        swap.on_fallback = true;
                        swap.resident.report_loaded(false);
                        done.whisper_unloaded = true;
                        if let Some(lm) = &self.lm {
                            lm.report_loaded(false);
                            done.lm_unloaded = true;
                        }
                    }
                    Err(error) => {
                        log::warn!(
                            "critical heat: the default Whisper model {} could not be loaded, \
                             so {} stays: {error}",
                            swap.fallback_dir.display(),
                            self.model_dir.display()
                        );
                        swap.fallback_failed = true;
                        done.failed = true;
                    }
                }
            } else if allowed && swap.on_fallback {
                match super::load_transcriber(&self.model_dir, &self.config) {
                    Ok(mut configured) => {
                        configured.restore_counters(self.transcriber.counters());
                        self.transcriber = configured;
                        swap.on_fallback = false;
                        swap.resident.report_loaded(true);
                        done.whisper_reloaded = true;
                        if let Some(lm) = &self.lm {
                            lm.report_loaded(self.transcriber.has_lm());
                            done.lm_reloaded = self.transcriber.has_lm();
                        }
                    }
                    Err(error) => {
                        log::warn!(
                            "cooled: {} could not be loaded again (tried at the next \
                             segment): {error}",
                            self.model_dir.display()
                        );
                        swap.resident.report_reload_failed();
                        done.failed = true;
                    }
                }
            }
        }
        if self.on_fallback() {
            return done;
        }
        if let Some(lm) = &self.lm {
            if !allowed && self.transcriber.has_lm() {
                self.transcriber.unload_lm();
                lm.report_loaded(false);
                done.lm_unloaded = true;
            } else if allowed && !self.transcriber.has_lm() {
                match self.transcriber.load_lm() {
                    Ok(()) => {
                        lm.report_loaded(true);
                        done.lm_reloaded = true;
                    }
                    Err(error) => {
                        log::warn!(
                            "cooled: the fusion language model could not be loaded again: \
                             {error}"
                        );
                        lm.report_reload_failed();
                        done.failed = true;
                    }
                }
            }
        }
        done
    }

    /// The recogniser, for the summary at the end.
    pub fn into_transcriber(self) -> Transcriber {
        self.transcriber
    }
}

/// Whether two paths name the same folder (canonical paths, else as written).
fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The default Whisper model's folder when `config` names another one (the model critical
/// heat falls back to); `None` when the default is configured or no models folder is found.
pub fn fallback_model_dir(config: &Config) -> Option<PathBuf> {
    let default = AsrSection::default().model;
    if config.asr.model == default {
        return None;
    }
    config.models_dir().ok().map(|dir| dir.join(default))
}
