//! Time for the advisor: one continuous local timeline in seconds, a `Clock` trait (the
//! wall clock in the service, a simulated clock in tests and in `tccc process`), and the
//! explicit rule that places a spoken clock time ("zero nine fifteen") on the timeline.
//!
//! A `Stamp` counts seconds from local midnight of the day the session started, so 01:10
//! on the next day is 90 600 and the timeline never wraps. A spoken time carries no date:
//! it is placed at the occurrence of that clock time *nearest* to when it was heard (at
//! most 12 h before or after), so "twenty three fifty" heard at 00:10 is 20 min ago, not
//! 23 h 40 min ahead. A fact said without a time is taken as happening when it was heard,
//! and alerts that rest on such a time say that the time was assumed.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::record::Clock as SpokenTime;

/// Seconds in a day.
pub const DAY_S: i64 = 24 * 3600;

/// A moment on the session's local timeline: seconds since local midnight of its first day.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Stamp(pub i64);

impl Stamp {
    /// The moment `hour:minute` on the session's first day.
    pub fn at(hour: u8, minute: u8) -> Stamp {
        Stamp(i64::from(hour) * 3600 + i64::from(minute) * 60)
    }

    /// Reads "HH:MM" (24-hour local time), as `--start-time` takes it.
    pub fn parse_hhmm(text: &str) -> Option<Stamp> {
        let (h, m) = text.trim().split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let hour: u8 = h.parse().ok()?;
        let minute: u8 = m.parse().ok()?;
        (hour < 24 && minute < 60).then(|| Stamp::at(hour, minute))
    }

    /// This stamp plus `seconds` (fractions rounded to the nearest second).
    pub fn plus_seconds(self, seconds: f64) -> Stamp {
        Stamp(self.0 + seconds.round() as i64)
    }

    /// This stamp plus whole minutes.
    pub fn plus_minutes(self, minutes: i64) -> Stamp {
        Stamp(self.0 + minutes * 60)
    }

    /// The occurrence of the spoken clock time nearest to `heard` (within ±12 h; exactly
    /// 12 h apart counts as the earlier one, since medics report what was done).
    pub fn of_spoken(time: SpokenTime, heard: Stamp) -> Stamp {
        let of_day = i64::from(time.hour) * 3600 + i64::from(time.minute) * 60;
        let day_start = heard.0.div_euclid(DAY_S) * DAY_S;
        let candidates = [
            day_start - DAY_S + of_day,
            day_start + of_day,
            day_start + DAY_S + of_day,
        ];
        let mut best = candidates[0];
        for c in candidates {
            let (d, best_d) = ((c - heard.0).abs(), (best - heard.0).abs());
            if d < best_d || (d == best_d && c < best) {
                best = c;
            }
        }
        Stamp(best)
    }

    /// The latest occurrence of the spoken clock time at most `ahead_s` after `heard`: for
    /// a moment that was over before it was reported (an injury), which the nearest-time
    /// rule would put hours ahead when it was the day before ("hit yesterday at 1300",
    /// heard at 09:05, is 20 h ago, not 4 h ahead).
    pub fn of_spoken_past(time: SpokenTime, heard: Stamp, ahead_s: i64) -> Stamp {
        let of_day = i64::from(time.hour) * 3600 + i64::from(time.minute) * 60;
        let latest = heard.0 + ahead_s.max(0);
        let day_start = latest.div_euclid(DAY_S) * DAY_S;
        let today = day_start + of_day;
        Stamp(if today <= latest {
            today
        } else {
            today - DAY_S
        })
    }

    /// Minutes from `earlier` to `self`, rounded down.
    pub fn minutes_since(self, earlier: Stamp) -> i64 {
        (self.0 - earlier.0).div_euclid(60)
    }
}

impl fmt::Display for Stamp {
    /// "HH:MM:SS" local clock time (the day is dropped: a card only shows clock times).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.rem_euclid(DAY_S);
        write!(f, "{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

/// The short "HH:MM" of a stamp, for messages.
pub fn hhmm(stamp: Stamp) -> String {
    let s = stamp.0.rem_euclid(DAY_S);
    format!("{:02}:{:02}", s / 3600, s / 60 % 60)
}

/// Where "now" comes from.
pub trait Clock {
    /// The current moment on the session's timeline.
    fn now(&self) -> Stamp;
}

/// A clock that moves only when told to: tests, and `tccc process`, where time is the
/// utterance times after `--start-time`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimClock {
    now: Stamp,
}

impl SimClock {
    /// A simulated clock showing `start`.
    pub fn new(start: Stamp) -> SimClock {
        SimClock { now: start }
    }

    /// Moves the clock to `to`; a clock never runs backwards, so an earlier `to` is ignored.
    pub fn set(&mut self, to: Stamp) {
        self.now = self.now.max(to);
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance(&mut self, seconds: i64) {
        self.now = Stamp(self.now.0 + seconds.max(0));
    }
}

impl Clock for SimClock {
    fn now(&self) -> Stamp {
        self.now
    }
}

/// The system clock, as local time at a fixed offset from UTC (the service gives the
/// system's offset at start, `sys::localtime`; a daylight-saving change mid-session is not
/// followed). The session's day starts at the local midnight before the clock was made.
#[derive(Clone, Copy, Debug)]
pub struct WallClock {
    day_start_unix_s: i64,
}

impl WallClock {
    /// A wall clock `utc_offset_minutes` ahead of UTC (negative west of Greenwich).
    pub fn new(utc_offset_minutes: i32) -> WallClock {
        let utc_offset_s = i64::from(utc_offset_minutes) * 60;
        let local = unix_now_s() + utc_offset_s;
        WallClock {
            day_start_unix_s: local.div_euclid(DAY_S) * DAY_S - utc_offset_s,
        }
    }
}

fn unix_now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Clock for WallClock {
    fn now(&self) -> Stamp {
        Stamp(unix_now_s() - self.day_start_unix_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spoken(h: u32, m: u32) -> SpokenTime {
        SpokenTime::new(h, m).unwrap()
    }

    #[test]
    fn spoken_times_are_placed_nearest_to_when_they_were_heard() {
        // Same day, a little earlier.
        assert_eq!(
            Stamp::of_spoken(spoken(9, 5), Stamp::at(9, 20)),
            Stamp::at(9, 5)
        );
        // Before midnight, heard after it: yesterday evening, not tonight.
        let heard = Stamp(DAY_S + 10 * 60);
        assert_eq!(
            Stamp::of_spoken(spoken(23, 50), heard),
            Stamp(DAY_S - 10 * 60)
        );
        // After midnight, heard before it: a moment ahead on the next day.
        assert_eq!(
            Stamp::of_spoken(spoken(0, 5), Stamp::at(23, 55)),
            Stamp(DAY_S + 300)
        );
        // Exactly 12 h apart: the earlier one.
        assert_eq!(
            Stamp::of_spoken(spoken(0, 0), Stamp::at(12, 0)),
            Stamp::at(0, 0)
        );
    }

    #[test]
    fn an_injury_time_is_never_placed_after_it_was_reported() {
        let ahead = 15 * 60;
        // Said a little ahead of the device's clock: today.
        assert_eq!(
            Stamp::of_spoken_past(spoken(9, 10), Stamp::at(9, 5), ahead),
            Stamp::at(9, 10)
        );
        // Earlier today.
        assert_eq!(
            Stamp::of_spoken_past(spoken(7, 40), Stamp::at(9, 5), ahead),
            Stamp::at(7, 40)
        );
        // Hours ahead: the day before (the nearest-time rule says 4 h ahead).
        assert_eq!(
            Stamp::of_spoken_past(spoken(13, 0), Stamp::at(9, 5), ahead),
            Stamp(Stamp::at(13, 0).0 - DAY_S)
        );
        assert_eq!(
            Stamp::of_spoken(spoken(13, 0), Stamp::at(9, 5)),
            Stamp::at(13, 0)
        );
        // Across midnight both ways: 23:50 heard at 00:10 is 20 min ago; 00:05 heard at
        // 23:55 is 10 min ahead, within the watch's drift, so the next day.
        assert_eq!(
            Stamp::of_spoken_past(spoken(23, 50), Stamp(DAY_S + 600), ahead),
            Stamp(DAY_S - 600)
        );
        assert_eq!(
            Stamp::of_spoken_past(spoken(0, 5), Stamp::at(23, 55), ahead),
            Stamp(DAY_S + 300)
        );
    }

    #[test]
    fn start_times_parse_and_print() {
        assert_eq!(Stamp::parse_hhmm("14:32"), Some(Stamp::at(14, 32)));
        assert_eq!(Stamp::parse_hhmm("24:00"), None);
        assert_eq!(Stamp::parse_hhmm("9:00"), None);
        assert_eq!(Stamp(DAY_S + 61).to_string(), "00:01:01");
        assert_eq!(hhmm(Stamp::at(7, 3)), "07:03");
    }

    #[test]
    fn a_simulated_clock_never_runs_backwards() {
        let mut clock = SimClock::new(Stamp::at(9, 0));
        clock.set(Stamp::at(8, 0));
        assert_eq!(clock.now(), Stamp::at(9, 0));
        clock.advance(90);
        assert_eq!(clock.now(), Stamp(Stamp::at(9, 0).0 + 90));
    }
}
