//! The governor's decisions, without I/O: the thermal state from the zones (margins below
//! each zone's own trip points, hysteresis on the way down), the profile it wants
//! (thermal cap, idle, battery), and when a switch may happen (minimum dwell, retry after a
//! failure). The stage knobs per profile and per thermal state are tables.

use crate::config::WatchdogConfig;

use super::sensors::ZoneReading;

/// A power profile, ordered by power (saver < balanced < performance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Profile {
    /// Least power.
    Saver = 0,
    /// Between.
    Balanced = 1,
    /// Most power.
    Performance = 2,
}

impl Profile {
    /// Every profile, least power first.
    pub const ALL: [Profile; 3] = [Profile::Saver, Profile::Balanced, Profile::Performance];

    /// Its configuration name.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Saver => "saver",
            Profile::Balanced => "balanced",
            Profile::Performance => "performance",
        }
    }

    /// The profile a configuration name means.
    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// How hot the device is, relative to its own trip points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ThermalState {
    /// Below every warm margin.
    Normal = 0,
    /// Within `warm_margin_c` of a first trip point: `balanced` at most.
    Warm = 1,
    /// Within `hot_margin_c` of a first trip point: `saver`, hot knobs.
    Hot = 2,
    /// Within `critical_margin_c` of a critical trip point: recognition only.
    Critical = 3,
}

impl ThermalState {
    /// A lower-case name for `status` lines.
    pub fn name(self) -> &'static str {
        match self {
            ThermalState::Normal => "normal",
            ThermalState::Warm => "warm",
            ThermalState::Hot => "hot",
            ThermalState::Critical => "critical",
        }
    }
}

/// What the pipeline's stages may do now; the pipeline reads it (lock-free) before each
/// segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageKnobs {
    /// Largest beam width the recogniser may use (the configured width is capped by it).
    pub beam_width_max: u8,
    /// Shallow fusion and the term bonus (the "biasing").
    pub biasing: bool,
    /// The LLM may run.
    pub llm: bool,
    /// Models larger than the smallest may stay loaded.
    pub large_models: bool,
    /// Only recognition runs (extraction and the advisor still run on its text; the LLM,
    /// biasing and re-decoding do not).
    pub recognition_only: bool,
}

impl StageKnobs {
    /// No limit: every stage as configured (the knobs without a watchdog).
    pub const FULL: StageKnobs = StageKnobs {
        beam_width_max: u8::MAX,
        biasing: true,
        llm: true,
        large_models: true,
        recognition_only: false,
    };

    /// Both limits at once: the smaller beam, and a stage on only where both allow it.
    pub fn and(self, other: StageKnobs) -> StageKnobs {
        StageKnobs {
            beam_width_max: self.beam_width_max.min(other.beam_width_max),
            biasing: self.biasing && other.biasing,
            llm: self.llm && other.llm,
            large_models: self.large_models && other.large_models,
            recognition_only: self.recognition_only || other.recognition_only,
        }
    }

    /// The knobs for a profile and a thermal state.
    pub fn of(profile: Profile, thermal: ThermalState) -> StageKnobs {
        let by_profile = PROFILE_KNOBS
            .iter()
            .find(|(p, _)| *p == profile)
            .map_or(StageKnobs::FULL, |(_, k)| *k);
        let by_thermal = THERMAL_KNOBS
            .iter()
            .find(|(t, _)| *t == thermal)
            .map_or(StageKnobs::FULL, |(_, k)| *k);
        by_profile.and(by_thermal)
    }
}

/// Stage knobs per profile (data).
pub const PROFILE_KNOBS: [(Profile, StageKnobs); 3] = [
    (Profile::Performance, StageKnobs::FULL),
    (
        Profile::Balanced,
        StageKnobs {
            beam_width_max: 2,
            ..StageKnobs::FULL
        },
    ),
    (
        Profile::Saver,
        StageKnobs {
            beam_width_max: 1,
            llm: false,
            ..StageKnobs::FULL
        },
    ),
];

/// Stage knobs per thermal state (data): hot pauses beam search, biasing and the LLM;
/// critical leaves recognition only, larger models unloaded.
pub const THERMAL_KNOBS: [(ThermalState, StageKnobs); 4] = [
    (ThermalState::Normal, StageKnobs::FULL),
    (ThermalState::Warm, StageKnobs::FULL),
    (
        ThermalState::Hot,
        StageKnobs {
            beam_width_max: 1,
            biasing: false,
            llm: false,
            large_models: true,
            recognition_only: false,
        },
    ),
    (
        ThermalState::Critical,
        StageKnobs {
            beam_width_max: 1,
            biasing: false,
            llm: false,
            large_models: false,
            recognition_only: true,
        },
    ),
];

/// Highest profile each thermal state allows (data).
pub const THERMAL_PROFILE_CAP: [(ThermalState, Profile); 4] = [
    (ThermalState::Normal, Profile::Performance),
    (ThermalState::Warm, Profile::Balanced),
    (ThermalState::Hot, Profile::Saver),
    (ThermalState::Critical, Profile::Saver),
];

/// Why the governor wants a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The configured start profile (at start, or nothing limits it any more).
    StartProfile,
    /// The thermal state caps it.
    Thermal(ThermalState),
    /// No speech for `idle_minutes`.
    Idle,
    /// The battery is below `battery_alert_percent`.
    BatteryLow,
}

impl Reason {
    /// A short phrase for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::StartProfile => "back to the start profile",
            Reason::Thermal(ThermalState::Normal) => "cooled down",
            Reason::Thermal(ThermalState::Warm) => "warm",
            Reason::Thermal(ThermalState::Hot) => "hot",
            Reason::Thermal(ThermalState::Critical) => "critical heat",
            Reason::Idle => "no speech",
            Reason::BatteryLow => "battery low",
        }
    }
}

/// The governor's state.
#[derive(Debug, Clone)]
pub struct Governor {
    start: Profile,
    warm_margin_mc: i64,
    hot_margin_mc: i64,
    critical_margin_mc: i64,
    hysteresis_mc: i64,
    dwell_ms: u64,
    retry_ms: u64,
    idle_ms: Option<u64>,
    current: Profile,
    thermal: ThermalState,
    last_switch_ms: Option<u64>,
    retry_at_ms: Option<u64>,
    last_speech_ms: u64,
    battery_low: bool,
}

fn milli(c: f32) -> i64 {
    (f64::from(c) * 1000.0).round() as i64
}

impl Governor {
    /// A governor at `now_ms`, believing the device is in `current`.
    pub fn new(config: &WatchdogConfig, current: Profile, now_ms: u64) -> Governor {
        Governor {
            start: Profile::from_name(&config.start_profile).unwrap_or(Profile::Performance),
            warm_margin_mc: milli(config.warm_margin_c),
            hot_margin_mc: milli(config.hot_margin_c),
            critical_margin_mc: milli(config.critical_margin_c),
            hysteresis_mc: milli(config.hysteresis_c),
            dwell_ms: config.min_dwell_s * 1000,
            retry_ms: config.nvpmodel_retry_s * 1000,
            idle_ms: (config.idle_minutes > 0).then_some(u64::from(config.idle_minutes) * 60_000),
            current,
            thermal: ThermalState::Normal,
            last_switch_ms: None,
            retry_at_ms: None,
            last_speech_ms: now_ms,
            battery_low: false,
        }
    }

    /// The profile the device is in (as far as the last successful switch says).
    pub fn current(&self) -> Profile {
        self.current
    }

    /// The thermal state.
    pub fn thermal(&self) -> ThermalState {
        self.thermal
    }

    /// Whether the idle policy holds now.
    pub fn idle(&self, now_ms: u64) -> bool {
        self.idle_ms
            .is_some_and(|idle| now_ms.saturating_sub(self.last_speech_ms) >= idle)
    }

    /// Speech was heard at `now_ms`.
    pub fn note_speech(&mut self, now_ms: u64) {
        self.last_speech_ms = self.last_speech_ms.max(now_ms);
    }

    /// The battery crossed its alert threshold (either way).
    pub fn set_battery_low(&mut self, low: bool) {
        self.battery_low = low;
    }

    fn level(&self, zone: &ZoneReading, extra_mc: i64) -> ThermalState {
        let t = zone.milli_c + extra_mc;
        if zone
            .critical_trip_milli_c
            .is_some_and(|crit| t >= crit - self.critical_margin_mc)
        {
            ThermalState::Critical
        } else if t >= zone.first_trip_milli_c - self.hot_margin_mc {
            ThermalState::Hot
        } else if t >= zone.first_trip_milli_c - self.warm_margin_mc {
            ThermalState::Warm
        } else {
            ThermalState::Normal
        }
    }

    /// Updates the thermal state from the zones (ignored and offline zones never count).
    /// Returns the old state and the index of the zone that decided, when it changed.
    pub fn update_thermal(&mut self, zones: &[ZoneReading]) -> Option<(ThermalState, usize)> {
        let hottest = |extra: i64| {
            zones
                .iter()
                .enumerate()
                .filter(|(_, z)| z.counts())
                .map(|(i, z)| (self.level(z, extra), z.milli_c - z.first_trip_milli_c, i))
                .max_by_key(|(level, headroom, _)| (*level, *headroom))
                .map(|(level, _, i)| (level, i))
        };
        let (entered, entered_zone) = hottest(0)?;
        let before = self.thermal;
        if entered > before {
            self.thermal = entered;
            return Some((before, entered_zone));
        }
        let (held, held_zone) = hottest(self.hysteresis_mc)?;
        if held < before {
            self.thermal = held;
            return Some((before, held_zone));
        }
        None
    }

    /// The profile wanted now and why.
    pub fn wanted(&self, now_ms: u64) -> (Profile, Reason) {
        let mut wanted = (self.start, Reason::StartProfile);
        let cap = THERMAL_PROFILE_CAP
            .iter()
            .find(|(t, _)| *t == self.thermal)
            .map_or(Profile::Performance, |(_, p)| *p);
        if cap < wanted.0 {
            wanted = (cap, Reason::Thermal(self.thermal));
        }
        if self.battery_low && Profile::Saver < wanted.0 {
            wanted = (Profile::Saver, Reason::BatteryLow);
        }
        if self.idle(now_ms) && Profile::Saver < wanted.0 {
            wanted = (Profile::Saver, Reason::Idle);
        }
        wanted
    }

    /// A switch to make now, if one is wanted and the dwell time and any retry delay have
    /// passed.
    pub fn due(&self, now_ms: u64) -> Option<(Profile, Reason)> {
        let (wanted, reason) = self.wanted(now_ms);
        if wanted == self.current {
            return None;
        }
        if self
            .last_switch_ms
            .is_some_and(|last| now_ms < last + self.dwell_ms)
        {
            return None;
        }
        if self.retry_at_ms.is_some_and(|at| now_ms < at) {
            return None;
        }
        Some((wanted, reason))
    }

    /// The switch to `to` succeeded at `now_ms`.
    pub fn switched(&mut self, to: Profile, now_ms: u64) {
        self.current = to;
        self.last_switch_ms = Some(now_ms);
        self.retry_at_ms = None;
    }

    /// The switch failed at `now_ms`; the next try waits `nvpmodel_retry_s`. Returns that
    /// delay in seconds.
    pub fn switch_failed(&mut self, now_ms: u64) -> u64 {
        self.retry_at_ms = Some(now_ms + self.retry_ms);
        self.retry_ms / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watchdog::sensors::name_of;

    fn zone(milli_c: i64) -> ZoneReading {
        ZoneReading {
            name: name_of("CPU-therm"),
            milli_c,
            online: true,
            ignored: false,
            first_trip_milli_c: 90_000,
            critical_trip_milli_c: Some(100_000),
            trips: heapless::Vec::new(),
        }
    }

    #[test]
    fn a_temperature_hovering_at_a_threshold_changes_the_state_once() {
        let mut g = Governor::new(&WatchdogConfig::default(), Profile::Performance, 0);
        let mut changes = 0;
        for i in 0..1_000 {
            // 75 °C ± 2 °C: the warm threshold, inside the 5 °C hysteresis.
            let t = 75_000 + if i % 2 == 0 { 2_000 } else { -2_000 };
            changes += usize::from(g.update_thermal(&[zone(t)]).is_some());
        }
        assert_eq!((changes, g.thermal()), (1, ThermalState::Warm));
        assert!(g.update_thermal(&[zone(69_000)]).is_some());
        assert_eq!(g.thermal(), ThermalState::Normal);
    }

    #[test]
    fn ignored_and_offline_zones_never_count() {
        let mut g = Governor::new(&WatchdogConfig::default(), Profile::Performance, 0);
        let mut pmic = zone(100_000);
        pmic.ignored = true;
        let mut offline = zone(-256_000);
        offline.online = false;
        offline.milli_c = 150_000;
        assert!(g.update_thermal(&[pmic, offline, zone(40_000)]).is_none());
        assert_eq!(g.thermal(), ThermalState::Normal);
    }

    #[test]
    fn dwell_and_retry_delay_switches() {
        let cfg = WatchdogConfig::default();
        let mut g = Governor::new(&cfg, Profile::Performance, 0);
        g.update_thermal(&[zone(86_000)]);
        assert_eq!(
            g.due(1_000),
            Some((Profile::Saver, Reason::Thermal(ThermalState::Hot)))
        );
        assert_eq!(g.switch_failed(1_000), cfg.nvpmodel_retry_s);
        assert_eq!(g.due(2_000), None);
        assert!(g.due(1_000 + cfg.nvpmodel_retry_s * 1_000).is_some());
        g.switched(Profile::Saver, 40_000);
        g.update_thermal(&[zone(30_000)]);
        assert_eq!(g.due(40_000 + cfg.min_dwell_s * 1_000 - 1), None);
        assert!(g.due(40_000 + cfg.min_dwell_s * 1_000).is_some());
    }

    #[test]
    fn knobs_are_the_stricter_of_profile_and_thermal_state() {
        let k = StageKnobs::of(Profile::Performance, ThermalState::Hot);
        assert_eq!((k.beam_width_max, k.biasing, k.llm), (1, false, false));
        let k = StageKnobs::of(Profile::Saver, ThermalState::Normal);
        assert!(!k.llm && k.biasing && !k.recognition_only);
        assert!(StageKnobs::of(Profile::Balanced, ThermalState::Critical).recognition_only);
    }
}
