//! The watchdog thread: thermal zones, INA3221 power rails, CPU, threads and memory polled
//! at `watchdog.poll_interval_ms`; nvpmodel power profiles switched by name with hysteresis
//! and a minimum dwell time; stage knobs the pipeline reads; a battery estimate.
//!
//! `Watchdog::start` finds the sensors and the device's modes (allocating), then a thread
//! polls; after start the poll allocates nothing (fixed-capacity readings, open value files
//! re-read into stack buffers). Only the rare actions allocate: an nvpmodel switch (a child
//! process) and `rescan_threads`. Every decision is a [`WatchdogEvent`] with an id, kept in
//! a bounded ring for the service to journal (`WatchdogEvent::to_alert`) and show.
//! `WatchdogCore` is the same logic without the thread, for tests on a simulated clock.

pub mod battery;
pub mod clock;
pub mod dashboard;
pub mod governor;
pub mod knobs;
pub mod memory;
pub mod nvpmodel;
pub mod residency;
pub mod sensors;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use thiserror::Error;

use crate::config::WatchdogConfig;
use crate::journal::codec::AlertRecord;
use crate::limits::{
    PROCESS_RSS_BUDGET_BYTES, WATCHDOG_ERROR_BYTES_MAX, WATCHDOG_EVENTS_MAX,
    WATCHDOG_MEMORY_CHECK_INTERVAL_MS, WATCHDOG_MEMORY_COMPONENTS_MAX, WATCHDOG_MODELS_MAX,
};

pub use battery::{Battery, BatteryStatus};
pub use clock::{MonotonicClock, SimWatchClock, WatchClock};
pub use governor::{Governor, Profile, Reason, StageKnobs, ThermalState};
pub use knobs::{ModelReading, ModelTable, SharedKnobs};
pub use memory::{components_of, ComponentMemory, ComponentSource, MemoryComponent};
pub use nvpmodel::{ModeName, NvpModel, PowerMode};
pub use residency::{Loader, Residence, Resident, Unloadable};
pub use sensors::{Name, Readings, SensorSettings, Sensors};

/// What can go wrong in the watchdog.
#[derive(Debug, Error)]
pub enum WatchdogError {
    /// No usable thermal zone.
    #[error(
        "no thermal zone to watch under {dir} (only ignored ones, or none); check the sysfs \
         root, or remove the zone types from `watchdog.ignored_zones`"
    )]
    NoThermalZones {
        /// The folder searched.
        dir: PathBuf,
    },
    /// nvpmodel failed.
    #[error(
        "`{command}` failed: {problem}; check that nvpmodel is installed and tccc may run \
         it (root or the tccc group, kernel-config/README.md)"
    )]
    Nvpmodel {
        /// The command line.
        command: String,
        /// What went wrong.
        problem: String,
    },
    /// A profile names no mode the device has.
    #[error(
        "`watchdog.{profile}_modes` = {wanted:?} names no mode of this device; it has {listed}; \
         set the key to one of them"
    )]
    NoModeForProfile {
        /// The profile.
        profile: &'static str,
        /// The configured names.
        wanted: Vec<String>,
        /// The device's modes.
        listed: String,
    },
    /// The watchdog thread could not be started.
    #[error("cannot start the watchdog thread: {0}; the system is out of threads or memory")]
    Thread(std::io::Error),
    /// A larger model could not be registered for unloading in critical heat.
    #[error(
        "cannot register model `{name}` with the watchdog: all {} slots are taken; raise \
         limits::WATCHDOG_MODELS_MAX",
        WATCHDOG_MODELS_MAX
    )]
    TooManyModels {
        /// The model.
        name: String,
    },
    /// The watchdog thread panicked.
    #[error("the watchdog thread panicked; this is a bug, please report it with the log")]
    Panicked,
}

/// An nvpmodel error kept in a decision (cut to a fixed size).
pub type ErrorText = heapless::String<WATCHDOG_ERROR_BYTES_MAX>;

fn error_text(text: &str) -> ErrorText {
    let mut out = ErrorText::new();
    for c in text.chars() {
        if out.push(c).is_err() {
            break;
        }
    }
    out
}

/// What the watchdog decided or noticed.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// The watchdog started with the device in `mode`.
    Started {
        /// The profile that mode belongs to (None: a mode no profile names).
        profile: Option<Profile>,
        /// The device's mode.
        mode: ModeName,
    },
    /// The thermal state changed.
    Thermal {
        /// Before.
        from: ThermalState,
        /// After.
        to: ThermalState,
        /// The zone that decided.
        zone: Name,
        /// Its temperature in m°C.
        milli_c: i64,
        /// Its first trip point in m°C.
        trip_milli_c: i64,
    },
    /// The profile was switched.
    ProfileChanged {
        /// Before.
        from: Profile,
        /// After.
        to: Profile,
        /// The nvpmodel mode now set.
        mode: ModeName,
        /// Why.
        reason: Reason,
    },
    /// nvpmodel failed to switch; tried again after `retry_s`.
    SwitchFailed {
        /// The profile wanted.
        to: Profile,
        /// nvpmodel's error.
        error: ErrorText,
        /// Seconds to the next try.
        retry_s: u64,
    },
    /// The battery fell below `battery_alert_percent`.
    BatteryLow {
        /// % left.
        percent: f32,
        /// Hours left at the current power.
        hours_left: f32,
        /// Hours left at the saver profile.
        hours_left_saver: f32,
    },
    /// The process's resident memory exceeds its budget.
    MemoryOverBudget {
        /// Resident bytes.
        rss_bytes: u64,
        /// `limits::PROCESS_RSS_BUDGET_BYTES`.
        budget_bytes: u64,
    },
    /// A component's resident memory exceeds its budget (checked at start, then every
    /// `WATCHDOG_MEMORY_CHECK_INTERVAL_MS`; raised again only after it fell back).
    ComponentOverBudget {
        /// The component (`asr-model`, `heap`, …).
        component: Name,
        /// Its resident bytes.
        rss_bytes: u64,
        /// Its budget (`limits`).
        budget_bytes: u64,
    },
    /// A larger model's owner dropped it (the `large_models` knob is off: critical heat).
    ModelUnloaded {
        /// The model.
        model: Name,
        /// Its size, in bytes.
        bytes: u64,
    },
    /// A larger model's owner loaded it again (the knob is back on: cooled down).
    ModelReloaded {
        /// The model.
        model: Name,
        /// Its size, in bytes.
        bytes: u64,
    },
    /// Loading a larger model again failed (its owner logs why and tries again).
    ModelReloadFailed {
        /// The model.
        model: Name,
        /// Failures so far.
        failures: u64,
    },
}

/// One decision, with an id unique in the session (ids count from 1).
#[derive(Debug, Clone, PartialEq)]
pub struct WatchdogEvent {
    /// Its id.
    pub id: u64,
    /// When, on the watchdog's clock, in ms.
    pub at_ms: u64,
    /// What.
    pub kind: EventKind,
}

impl WatchdogEvent {
    /// The console's `EVT` topic: `THERMAL` for thermal state changes, `POWER` otherwise.
    pub fn topic(&self) -> &'static str {
        match self.kind {
            EventKind::Thermal { .. }
            | EventKind::ModelUnloaded { .. }
            | EventKind::ModelReloaded { .. }
            | EventKind::ModelReloadFailed { .. } => "THERMAL",
            _ => "POWER",
        }
    }

    /// The record the journal stores for it.
    pub fn to_alert(&self) -> AlertRecord {
        AlertRecord {
            message: self.to_string(),
        }
    }
}

fn celsius(milli_c: i64) -> f64 {
    milli_c as f64 / 1000.0
}

impl fmt::Display for WatchdogEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "watchdog #{} at {:.1} s: ",
            self.id,
            self.at_ms as f64 / 1000.0
        )?;
        match &self.kind {
            EventKind::Started { profile, mode } => match profile {
                Some(p) => write!(f, "started in {} ({mode})", p.name()),
                None => write!(f, "started in {mode}, a mode no profile names"),
            },
            EventKind::Thermal {
                from,
                to,
                zone,
                milli_c,
                trip_milli_c,
            } => write!(
                f,
                "thermal {} → {} ({zone} {:.1} °C, first trip {:.1} °C)",
                from.name(),
                to.name(),
                celsius(*milli_c),
                celsius(*trip_milli_c)
            ),
            EventKind::ProfileChanged {
                from,
                to,
                mode,
                reason,
            } => write!(
                f,
                "profile {} → {} ({mode}): {}",
                from.name(),
                to.name(),
                reason.describe()
            ),
            EventKind::SwitchFailed { to, error, retry_s } => write!(
                f,
                "switch to {} FAILED, retry in {retry_s} s: {error}",
                to.name()
            ),
            EventKind::BatteryLow {
                percent,
                hours_left,
                hours_left_saver,
            } => write!(
                f,
                "battery low: {percent:.0} % left, {hours_left:.1} h at this power, \
                 {hours_left_saver:.1} h in saver"
            ),
            EventKind::MemoryOverBudget {
                rss_bytes,
                budget_bytes,
            } => write!(
                f,
                "memory over budget: {} MB resident, budget {} MB",
                rss_bytes >> 20,
                budget_bytes >> 20
            ),
            EventKind::ComponentOverBudget {
                component,
                rss_bytes,
                budget_bytes,
            } => write!(
                f,
                "memory over budget: {component} {} MB resident, budget {} MB",
                rss_bytes >> 20,
                budget_bytes >> 20
            ),
            EventKind::ModelUnloaded { model, bytes } => {
                write!(f, "model {model} unloaded ({} MB freed)", bytes >> 20)
            }
            EventKind::ModelReloaded { model, bytes } => {
                write!(f, "model {model} loaded again ({} MB)", bytes >> 20)
            }
            EventKind::ModelReloadFailed { model, failures } => write!(
                f,
                "model {model}: loading it again FAILED ({failures} time(s)); its owner retries \
                 at its next use, see the log"
            ),
        }
    }
}

/// Everything `status`, `power`, `thermal` and `mem` show.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// When it was taken, on the watchdog's clock, in ms.
    pub at_ms: u64,
    /// Polls so far.
    pub polls: u64,
    /// The sensors.
    pub readings: Readings,
    /// The profile the device is in.
    pub profile: Profile,
    /// Its nvpmodel mode.
    pub mode: ModeName,
    /// The thermal state.
    pub thermal: ThermalState,
    /// What the stages may do.
    pub knobs: StageKnobs,
    /// Whether the idle policy holds.
    pub idle: bool,
    /// The battery.
    pub battery: BatteryStatus,
    /// `limits::PROCESS_RSS_BUDGET_BYTES`.
    pub rss_budget_bytes: u64,
    /// nvpmodel switches that failed.
    pub switch_failures: u64,
    /// Decisions overwritten in the ring before anyone read them.
    pub events_dropped: u64,
    /// The larger models registered in the knobs' cell (`residency`), as their owners
    /// last reported them.
    pub models: heapless::Vec<ModelReading, WATCHDOG_MODELS_MAX>,
    /// When the watchdog started, on its clock, in ms (for its own CPU share).
    pub started_ms: u64,
}

impl Snapshot {
    /// The watchdog thread's own CPU since it started, in % of one core (from its
    /// `/proc/self/task/*/stat` reading; `None` before the thread was found or at start).
    pub fn own_cpu_percent(&self) -> Option<f64> {
        dashboard::own_cpu_percent(&self.readings, self.started_ms, self.at_ms)
    }

    /// The models line of `status`, `thermal` and `top`: each larger model loaded,
    /// unloaded, or with its unload (reload) still pending.
    pub fn models_line(&self) -> Option<String> {
        if self.models.is_empty() {
            return None;
        }
        let parts: Vec<String> = self
            .models
            .iter()
            .map(|m| {
                let state = match (m.loaded, self.knobs.large_models) {
                    (true, true) => format!("loaded ({} MB)", m.bytes >> 20),
                    (true, false) => "unload pending".to_owned(),
                    (false, false) => format!("unloaded ({} heat)", self.thermal.name()),
                    (false, true) if m.reload_failures > 0 => {
                        format!("reload FAILED x{}", m.reload_failures)
                    }
                    (false, true) => "reload pending".to_owned(),
                };
                format!("{} {state}", m.name)
            })
            .collect();
        Some(format!("models: {}", parts.join(", ")))
    }
}

/// The watchdog thread's name (`comm`), as `top` and the soak find it.
pub const WATCHDOG_THREAD_NAME: &str = "tccc-watchdog";

impl Snapshot {
    /// The `top` screen's contents for this state, `uptime_s` after start.
    pub fn dashboard(
        &self,
        uptime_s: f64,
        pipeline: Option<dashboard::PipelineFigures>,
    ) -> dashboard::Dashboard<'_> {
        dashboard::Dashboard {
            uptime_s,
            readings: &self.readings,
            governed: Some(dashboard::Governed {
                profile: self.profile,
                mode: self.mode.clone(),
                thermal: self.thermal,
                knobs: self.knobs,
                idle: self.idle,
                switch_failures: self.switch_failures,
                models: self.models_line(),
                own_cpu_percent: self.own_cpu_percent(),
            }),
            battery: self.battery,
            pipeline,
        }
    }
}

/// The decisions not yet read, oldest first, bounded.
#[derive(Debug)]
struct EventRing {
    events: std::collections::VecDeque<WatchdogEvent>,
    dropped: u64,
}

impl EventRing {
    fn new() -> EventRing {
        EventRing {
            events: std::collections::VecDeque::with_capacity(WATCHDOG_EVENTS_MAX),
            dropped: 0,
        }
    }

    fn push(&mut self, event: WatchdogEvent) {
        if self.events.len() == WATCHDOG_EVENTS_MAX {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(event);
    }
}

/// The watchdog's logic without the thread: sensors, governor, battery, nvpmodel.
#[derive(Debug)]
pub struct WatchdogCore {
    sensors: Sensors,
    readings: Readings,
    governor: Governor,
    battery: Battery,
    nvpmodel: NvpModel,
    modes: [PowerMode; 3],
    next_id: u64,
    polls: u64,
    switch_failures: u64,
    over_budget: bool,
    /// Whether the device's mode is one of the profiles' (false at start when it is not).
    mode_known: bool,
    root: PathBuf,
    memory: Option<memory::MemoryWatch>,
    memory_over: [bool; WATCHDOG_MEMORY_COMPONENTS_MAX],
    memory_checked_ms: u64,
    knobs: Option<Arc<SharedKnobs>>,
    models_seen: heapless::Vec<ModelReading, WATCHDOG_MODELS_MAX>,
    models_now: heapless::Vec<ModelReading, WATCHDOG_MODELS_MAX>,
    started_ms: u64,
}

impl WatchdogCore {
    /// Finds the sensors under `root` and the device's modes, and puts the device in the
    /// start profile (reported in `events`).
    pub fn new(
        config: &WatchdogConfig,
        root: &Path,
        nvpmodel_path: &Path,
        now_ms: u64,
        events: &mut dyn FnMut(WatchdogEvent),
    ) -> Result<WatchdogCore, WatchdogError> {
        let mut readings = Readings::default();
        let settings = SensorSettings {
            ignored_zones: &config.ignored_zones,
            input_rails: &config.input_rails,
            default_trip_c: config.default_trip_c,
        };
        let sensors = Sensors::discover(root, &settings, &mut readings)?;
        let nvpmodel = NvpModel::new(nvpmodel_path);
        let listed = nvpmodel.modes()?;
        let pick = |profile: Profile, wanted: &[String]| {
            wanted
                .iter()
                .find_map(|w| listed.iter().find(|m| m.name.as_str() == w.as_str()))
                .cloned()
                .ok_or_else(|| WatchdogError::NoModeForProfile {
                    profile: profile.name(),
                    wanted: wanted.to_vec(),
                    listed: listed
                        .iter()
                        .map(|m| format!("{} ({})", m.name, m.id))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
        };
        let modes = [
            pick(Profile::Saver, &config.saver_modes)?,
            pick(Profile::Balanced, &config.balanced_modes)?,
            pick(Profile::Performance, &config.performance_modes)?,
        ];
        let now_mode = nvpmodel.query()?;
        // The device's current mode as a profile: the most powerful profile it serves
        // (Nano's 5W serves both balanced and saver); a mode outside the table counts as
        // none, so the start profile is set.
        let current = Profile::ALL
            .into_iter()
            .rev()
            .find(|p| modes[*p as usize].id == now_mode.id);
        let mut core = WatchdogCore {
            sensors,
            readings,
            governor: Governor::new(config, current.unwrap_or(Profile::Saver), now_ms),
            battery: Battery::new(config),
            nvpmodel,
            modes,
            next_id: 1,
            polls: 0,
            switch_failures: 0,
            over_budget: false,
            mode_known: current.is_some(),
            root: root.to_path_buf(),
            memory: None,
            memory_over: [false; WATCHDOG_MEMORY_COMPONENTS_MAX],
            memory_checked_ms: now_ms,
            knobs: None,
            models_seen: heapless::Vec::new(),
            models_now: heapless::Vec::new(),
            started_ms: now_ms,
        };
        let start = Profile::from_name(&config.start_profile).unwrap_or(Profile::Performance);
        let started = EventKind::Started {
            profile: current,
            mode: now_mode.name,
        };
        core.emit(now_ms, started, events);
        if current != Some(start) {
            core.switch(now_ms, start, Reason::StartProfile, events);
        }
        Ok(core)
    }

    fn emit(&mut self, now_ms: u64, kind: EventKind, events: &mut dyn FnMut(WatchdogEvent)) {
        let id = self.next_id;
        self.next_id += 1;
        events(WatchdogEvent {
            id,
            at_ms: now_ms,
            kind,
        });
    }

    fn switch(
        &mut self,
        now_ms: u64,
        to: Profile,
        reason: Reason,
        events: &mut dyn FnMut(WatchdogEvent),
    ) {
        let from = self.governor.current();
        let mode = self.modes[to as usize].clone();
        // Two profiles may share a mode (a Nano's 5W is balanced and saver): no call then.
        let same_mode = self.mode_known && self.modes[from as usize].id == mode.id;
        let result = if same_mode {
            Ok(())
        } else {
            // nvpmodel can exit 0 and leave the mode (a parameter it could not write), so
            // the switch counts only once `-q` reports the new mode.
            self.nvpmodel.set(mode.id).and_then(|()| {
                let now = self.nvpmodel.query()?;
                if now.id == mode.id {
                    Ok(())
                } else {
                    Err(WatchdogError::Nvpmodel {
                        command: format!("{} -m {}", self.nvpmodel.path().display(), mode.id),
                        problem: format!(
                            "it exited 0 but `-q` still reports {} ({})",
                            now.name, now.id
                        ),
                    })
                }
            })
        };
        match result {
            Ok(()) => {
                self.mode_known = true;
                self.governor.switched(to, now_ms);
                let kind = EventKind::ProfileChanged {
                    from,
                    to,
                    mode: mode.name,
                    reason,
                };
                self.emit(now_ms, kind, events);
            }
            Err(error) => {
                self.switch_failures += 1;
                let retry_s = self.governor.switch_failed(now_ms);
                let kind = EventKind::SwitchFailed {
                    to,
                    error: error_text(&error.to_string()),
                    retry_s,
                };
                self.emit(now_ms, kind, events);
            }
        }
    }

    /// One poll at `now_ms`: read the sensors, update the thermal state, the battery and the
    /// profile. Allocates nothing unless it switches the profile.
    pub fn poll(&mut self, now_ms: u64, events: &mut dyn FnMut(WatchdogEvent)) {
        self.polls += 1;
        self.sensors.read(now_ms, &mut self.readings);
        if let Some((from, zone)) = self.governor.update_thermal(&self.readings.zones) {
            if let Some(z) = self.readings.zones.get(zone) {
                let kind = EventKind::Thermal {
                    from,
                    to: self.governor.thermal(),
                    zone: z.name.clone(),
                    milli_c: z.milli_c,
                    trip_milli_c: z.first_trip_milli_c,
                };
                self.emit(now_ms, kind, events);
            }
        }
        let input = self.readings.input_milli_w();
        if self.battery.update(now_ms, input, self.governor.current()) {
            let b = self.battery.status();
            let kind = EventKind::BatteryLow {
                percent: b.left_percent,
                hours_left: b.hours_left,
                hours_left_saver: b.hours_left_saver,
            };
            self.emit(now_ms, kind, events);
        }
        self.governor.set_battery_low(self.battery.status().low);
        let over = self.readings.rss_bytes > PROCESS_RSS_BUDGET_BYTES;
        if over && !self.over_budget {
            let kind = EventKind::MemoryOverBudget {
                rss_bytes: self.readings.rss_bytes,
                budget_bytes: PROCESS_RSS_BUDGET_BYTES,
            };
            self.emit(now_ms, kind, events);
        }
        self.over_budget = over;
        if now_ms.saturating_sub(self.memory_checked_ms) >= WATCHDOG_MEMORY_CHECK_INTERVAL_MS {
            self.check_memory(now_ms, events);
        }
        if let Some((to, reason)) = self.governor.due(now_ms) {
            self.switch(now_ms, to, reason, events);
        }
        if let Some(knobs) = &self.knobs {
            knobs.store(StageKnobs::of(
                self.governor.current(),
                self.governor.thermal(),
            ));
        }
        self.check_models(now_ms, events);
    }

    /// Publishes the stage knobs into `knobs` after every poll (from the next one; now too)
    /// and watches the larger models registered there (`residency::Unloadable`): what
    /// their owners did about the `large_models` knob is journaled.
    pub fn publish_into(&mut self, knobs: Arc<SharedKnobs>) {
        knobs.store(StageKnobs::of(
            self.governor.current(),
            self.governor.thermal(),
        ));
        self.knobs = Some(knobs);
    }

    /// Compares the models' slots with the last poll's and reports each change.
    fn check_models(&mut self, now_ms: u64, events: &mut dyn FnMut(WatchdogEvent)) {
        let Some(knobs) = &self.knobs else {
            return;
        };
        knobs.models().read_into(&mut self.models_now);
        for i in 0..self.models_now.len() {
            let now = &self.models_now[i];
            let kind = match self.models_seen.iter().find(|m| m.name == now.name) {
                // First seen: how its owner registered it is no change.
                None => None,
                Some(was) if was.loaded && !now.loaded => Some(EventKind::ModelUnloaded {
                    model: now.name.clone(),
                    bytes: now.bytes,
                }),
                Some(was) if !was.loaded && now.loaded => Some(EventKind::ModelReloaded {
                    model: now.name.clone(),
                    bytes: now.bytes,
                }),
                Some(was) if now.reload_failures > was.reload_failures => {
                    Some(EventKind::ModelReloadFailed {
                        model: now.name.clone(),
                        failures: now.reload_failures,
                    })
                }
                Some(_) => None,
            };
            if let Some(kind) = kind {
                self.emit(now_ms, kind, events);
            }
        }
        self.models_seen.clone_from(&self.models_now);
    }

    /// Measures `components` against their budgets now (alerting those over) and again
    /// every `WATCHDOG_MEMORY_CHECK_INTERVAL_MS` from the polls. Allocates (call at start).
    pub fn watch_memory(
        &mut self,
        components: &[MemoryComponent],
        now_ms: u64,
        events: &mut dyn FnMut(WatchdogEvent),
    ) {
        self.memory = Some(memory::MemoryWatch::new(
            &self.root,
            components,
            &mut self.readings.memory,
        ));
        self.memory_over = [false; WATCHDOG_MEMORY_COMPONENTS_MAX];
        self.check_memory(now_ms, events);
    }

    fn check_memory(&mut self, now_ms: u64, events: &mut dyn FnMut(WatchdogEvent)) {
        let Some(watch) = &mut self.memory else {
            return;
        };
        self.memory_checked_ms = now_ms;
        watch.measure(&mut self.readings.memory);
        for i in 0..self.readings.memory.len() {
            let Some(c) = self.readings.memory.get(i) else {
                continue;
            };
            let over = c.over();
            if over && !self.memory_over[i] {
                let kind = EventKind::ComponentOverBudget {
                    component: c.name.clone(),
                    rss_bytes: c.rss_bytes,
                    budget_bytes: c.budget_bytes,
                };
                self.emit(now_ms, kind, events);
            }
            self.memory_over[i] = over;
        }
    }

    /// Speech was heard at `now_ms` (ends the idle policy).
    pub fn note_speech(&mut self, now_ms: u64) {
        self.governor.note_speech(now_ms);
    }

    /// Finds this process's threads again (allocates).
    pub fn rescan_threads(&mut self) {
        self.sensors.rescan_threads(&mut self.readings);
    }

    /// The profile the device is in.
    pub fn profile(&self) -> Profile {
        self.governor.current()
    }

    /// The thermal state.
    pub fn thermal(&self) -> ThermalState {
        self.governor.thermal()
    }

    /// The sensors as last read.
    pub fn readings(&self) -> &Readings {
        &self.readings
    }

    /// The battery estimate.
    pub fn battery(&self) -> BatteryStatus {
        self.battery.status()
    }

    /// Writes the current state into `out` (no allocation).
    pub fn snapshot_into(&self, now_ms: u64, events_dropped: u64, out: &mut Snapshot) {
        out.at_ms = now_ms;
        out.polls = self.polls;
        out.readings.clone_from(&self.readings);
        out.profile = self.governor.current();
        out.mode
            .clone_from(&self.modes[self.governor.current() as usize].name);
        out.thermal = self.governor.thermal();
        out.knobs = StageKnobs::of(out.profile, out.thermal);
        out.idle = self.governor.idle(now_ms);
        out.battery = self.battery.status();
        out.rss_budget_bytes = PROCESS_RSS_BUDGET_BYTES;
        out.switch_failures = self.switch_failures;
        out.events_dropped = events_dropped;
        out.models.clone_from(&self.models_seen);
        out.started_ms = self.started_ms;
    }

    /// The current state.
    pub fn snapshot(&self, now_ms: u64) -> Snapshot {
        let mut out = empty_snapshot();
        self.snapshot_into(now_ms, 0, &mut out);
        out
    }
}

fn empty_snapshot() -> Snapshot {
    Snapshot {
        at_ms: 0,
        polls: 0,
        readings: Readings::default(),
        profile: Profile::Saver,
        mode: ModeName::new(),
        thermal: ThermalState::Normal,
        knobs: StageKnobs::of(Profile::Saver, ThermalState::Normal),
        idle: false,
        battery: BatteryStatus::default(),
        rss_budget_bytes: PROCESS_RSS_BUDGET_BYTES,
        switch_failures: 0,
        events_dropped: 0,
        models: heapless::Vec::new(),
        started_ms: 0,
    }
}

#[derive(Debug)]
struct Shared {
    snapshot: Mutex<Snapshot>,
    events: Mutex<EventRing>,
    stop: Mutex<bool>,
    wake: Condvar,
    knobs: Arc<SharedKnobs>,
    last_speech_ms: AtomicU64,
    speech_pending: AtomicBool,
    rescan: AtomicBool,
}

/// Starts the watchdog.
#[derive(Debug)]
pub struct Watchdog;

impl Watchdog {
    /// Finds the sensors under `sysfs_root` (`/` on the device: it holds `sys/` and
    /// `proc/`), the power modes through the nvpmodel at `nvpmodel_path`, sets the start
    /// profile and starts the polling thread.
    pub fn start(
        config: &WatchdogConfig,
        sysfs_root: &Path,
        nvpmodel_path: &Path,
        clock: Arc<dyn WatchClock>,
    ) -> Result<WatchdogHandle, WatchdogError> {
        let knobs = Arc::new(SharedKnobs::default());
        Watchdog::start_publishing(config, sysfs_root, nvpmodel_path, clock, knobs, &[])
    }

    /// As [`Watchdog::start`], publishing the stage knobs after every poll into `knobs`,
    /// the cell the pipeline's stages read (`analysis::Analysis::knobs`), and measuring
    /// `memory`'s components against their budgets (now, then periodically).
    pub fn start_publishing(
        config: &WatchdogConfig,
        sysfs_root: &Path,
        nvpmodel_path: &Path,
        clock: Arc<dyn WatchClock>,
        knobs: Arc<SharedKnobs>,
        memory: &[MemoryComponent],
    ) -> Result<WatchdogHandle, WatchdogError> {
        let mut ring = EventRing::new();
        let now = clock.now_ms();
        let mut core = WatchdogCore::new(config, sysfs_root, nvpmodel_path, now, &mut |e| {
            ring.push(e)
        })?;
        if !memory.is_empty() {
            core.watch_memory(memory, now, &mut |e| ring.push(e));
        }
        core.publish_into(Arc::clone(&knobs));
        core.poll(now, &mut |e| ring.push(e));
        let mut first = empty_snapshot();
        core.snapshot_into(now, 0, &mut first);
        let shared = Arc::new(Shared {
            knobs,
            snapshot: Mutex::new(first),
            events: Mutex::new(ring),
            stop: Mutex::new(false),
            wake: Condvar::new(),
            last_speech_ms: AtomicU64::new(now),
            speech_pending: AtomicBool::new(false),
            rescan: AtomicBool::new(false),
        });
        let interval = Duration::from_millis(config.poll_interval_ms);
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(WATCHDOG_THREAD_NAME.to_owned())
            .spawn(move || run(core, &thread_shared, clock.as_ref(), interval))
            .map_err(WatchdogError::Thread)?;
        Ok(WatchdogHandle {
            shared,
            thread: Some(thread),
        })
    }
}

/// Decisions one poll can make (see `run`).
const FRESH_EVENTS_MAX: usize = 4 + WATCHDOG_MEMORY_COMPONENTS_MAX + WATCHDOG_MODELS_MAX;

fn run(mut core: WatchdogCore, shared: &Shared, clock: &dyn WatchClock, interval: Duration) {
    crate::sys::alloc_guard::set_thread_role(crate::sys::alloc_guard::ThreadRole::Watchdog);
    let mut scratch = empty_snapshot();
    loop {
        {
            let stop = shared.stop.lock().unwrap_or_else(PoisonError::into_inner);
            let (stop, _) = shared
                .wake
                .wait_timeout_while(stop, interval, |stop| !*stop)
                .unwrap_or_else(PoisonError::into_inner);
            if *stop {
                return;
            }
        }
        let now = clock.now_ms();
        if shared.speech_pending.swap(false, Ordering::Relaxed) {
            core.note_speech(shared.last_speech_ms.load(Ordering::Relaxed));
        }
        if shared.rescan.swap(false, Ordering::Relaxed) {
            core.rescan_threads();
        }
        // At most a thermal, a battery, a switch, a memory decision per component and a
        // change per model per poll; collected here so that a slow nvpmodel never holds
        // the ring's lock.
        let mut fresh: heapless::Vec<WatchdogEvent, FRESH_EVENTS_MAX> = heapless::Vec::new();
        core.poll(now, &mut |e| {
            let _ = fresh.push(e);
        });
        let mut events = shared.events.lock().unwrap_or_else(PoisonError::into_inner);
        for event in fresh {
            events.push(event);
        }
        let dropped = events.dropped;
        drop(events);
        core.snapshot_into(now, dropped, &mut scratch);
        shared
            .snapshot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone_from(&scratch);
    }
}

/// The running watchdog: read its state, feed it speech, stop it (also on drop).
#[derive(Debug)]
pub struct WatchdogHandle {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl WatchdogHandle {
    /// The latest poll's state.
    pub fn snapshot(&self) -> Snapshot {
        self.shared
            .snapshot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// What the stages may do now (lock-free: one atomic load).
    pub fn knobs(&self) -> StageKnobs {
        self.shared.knobs.load()
    }

    /// The cell the knobs are published in.
    pub fn shared_knobs(&self) -> Arc<SharedKnobs> {
        Arc::clone(&self.shared.knobs)
    }

    /// Speech was heard at `now_ms` on the watchdog's clock (lock-free).
    pub fn note_speech(&self, now_ms: u64) {
        self.shared
            .last_speech_ms
            .fetch_max(now_ms, Ordering::Relaxed);
        self.shared.speech_pending.store(true, Ordering::Relaxed);
    }

    /// Asks the thread to find this process's threads again at its next poll (call after
    /// starting the pipeline's threads).
    pub fn rescan_threads(&self) {
        self.shared.rescan.store(true, Ordering::Relaxed);
    }

    /// Moves the decisions not yet read into `out`, oldest first.
    pub fn drain_events(&self, out: &mut Vec<WatchdogEvent>) {
        let mut ring = self
            .shared
            .events
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        out.extend(ring.events.drain(..));
    }

    /// Stops the thread and waits for it.
    pub fn stop(mut self) -> Result<(), WatchdogError> {
        self.stop_thread()
    }

    fn stop_thread(&mut self) -> Result<(), WatchdogError> {
        *self
            .shared
            .stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.shared.wake.notify_all();
        match self.thread.take() {
            Some(thread) => thread.join().map_err(|_| WatchdogError::Panicked),
            None => Ok(()),
        }
    }
}

impl Drop for WatchdogHandle {
    fn drop(&mut self) {
        let _ = self.stop_thread();
    }
}
