//! The battery estimate: energy drawn from the input rail (VDD_IN) integrated over time
//! (trapezoids between polls), subtracted from the configured pack capacity; hours left at
//! the current average power and at the saver profile's (measured while in saver, else the
//! configured estimate); an alert once below the threshold, re-armed above it.

use crate::config::WatchdogConfig;

use super::governor::Profile;

/// The battery as last estimated.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BatteryStatus {
    /// False on mains power (`battery_capacity_wh` = 0).
    pub present: bool,
    /// Energy drawn since start, in Wh.
    pub used_wh: f64,
    /// Energy left, in Wh.
    pub left_wh: f64,
    /// Energy left, in % of the pack.
    pub left_percent: f32,
    /// Input power averaged over `power_average_s`, in W.
    pub average_w: f32,
    /// Hours left at the average power.
    pub hours_left: f32,
    /// Hours left at the saver profile's power.
    pub hours_left_saver: f32,
    /// Below `battery_alert_percent`.
    pub low: bool,
}

/// The integrator.
#[derive(Debug, Clone)]
pub struct Battery {
    capacity_wh: f64,
    alert_percent: f32,
    saver_default_w: f64,
    tau_ms: f64,
    last: Option<(u64, f64)>,
    average_w: Option<f64>,
    saver_average_w: Option<f64>,
    status: BatteryStatus,
}

/// The alert is re-armed this many percentage points above the threshold (a swapped or
/// charged pack).
const REARM_PERCENT: f32 = 2.0;

impl Battery {
    /// A full pack of the configured capacity.
    pub fn new(config: &WatchdogConfig) -> Battery {
        let capacity_wh = f64::from(config.battery_capacity_wh);
        Battery {
            capacity_wh,
            alert_percent: config.battery_alert_percent,
            saver_default_w: f64::from(config.saver_power_w),
            tau_ms: f64::from(config.power_average_s) * 1000.0,
            last: None,
            average_w: None,
            saver_average_w: None,
            status: BatteryStatus {
                present: capacity_wh > 0.0,
                left_wh: capacity_wh,
                left_percent: 100.0,
                ..BatteryStatus::default()
            },
        }
    }

    /// The latest estimate.
    pub fn status(&self) -> BatteryStatus {
        self.status
    }

    /// Adds the input power read at `now_ms` (None: not read this poll, the interval is
    /// skipped) while the device is in `profile`. Returns true when the alert threshold was
    /// just crossed downwards.
    pub fn update(&mut self, now_ms: u64, input_milli_w: Option<i64>, profile: Profile) -> bool {
        let Some(mw) = input_milli_w else {
            self.last = None;
            return false;
        };
        let w = mw as f64 / 1000.0;
        if let Some((last_ms, last_w)) = self.last {
            let dt_ms = now_ms.saturating_sub(last_ms) as f64;
            self.status.used_wh += (last_w + w) / 2.0 * dt_ms / 3_600_000.0;
            let k = (dt_ms / self.tau_ms).min(1.0);
            let blend = |avg: Option<f64>| Some(avg.map_or(w, |a| a + (w - a) * k));
            self.average_w = blend(self.average_w);
            if profile == Profile::Saver {
                self.saver_average_w = blend(self.saver_average_w);
            }
        } else if self.average_w.is_none() {
            self.average_w = Some(w);
        }
        self.last = Some((now_ms, w));
        let s = &mut self.status;
        s.average_w = self.average_w.unwrap_or(0.0) as f32;
        if !s.present {
            return false;
        }
        s.left_wh = (self.capacity_wh - s.used_wh).max(0.0);
        s.left_percent = (s.left_wh / self.capacity_wh * 100.0) as f32;
        let hours = |watts: f64| {
            if watts > 0.0 {
                (s.left_wh / watts) as f32
            } else {
                f32::INFINITY
            }
        };
        s.hours_left = hours(self.average_w.unwrap_or(0.0));
        s.hours_left_saver = hours(self.saver_average_w.unwrap_or(self.saver_default_w));
        let was_low = s.low;
        if s.left_percent < self.alert_percent {
            s.low = true;
        } else if s.left_percent >= self.alert_percent + REARM_PERCENT {
            s.low = false;
        }
        s.low && !was_low
    }
}
