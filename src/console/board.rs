//! What `mem`, `thermal` and `power` show: read from /proc and /sys each time (small,
//! bounded reads on the console thread, never a real-time one); what a board lacks is said.

use std::path::Path;

/// Bytes read of one /proc or /sys file.
const SYS_FILE_BYTES_MAX: usize = 64 * 1024;
/// Thermal zones or power rails listed at most.
const SENSORS_MAX: usize = 32;

fn read(path: &Path) -> Option<String> {
    let bytes = crate::files::read_bounded(path, SYS_FILE_BYTES_MAX).ok()?;
    String::from_utf8(bytes).ok()
}

/// Resident, peak and locked memory of this process (/proc/self/status).
pub(super) fn memory() -> String {
    let Some(status) = read(Path::new("/proc/self/status")) else {
        return "not available (/proc/self/status unreadable)".to_owned();
    };
    let lines: Vec<String> = status
        .lines()
        .filter(|l| {
            ["VmRSS:", "VmHWM:", "VmLck:", "VmSize:"]
                .iter()
                .any(|k| l.starts_with(k))
        })
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    if lines.is_empty() {
        "not available".to_owned()
    } else {
        lines.join("\n")
    }
}

fn sorted_entries(dir: &Path, prefix: &str) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path())
        .take(SENSORS_MAX)
        .collect();
    paths.sort();
    paths
}

/// Each thermal zone's type and temperature (/sys/class/thermal).
pub(super) fn thermal() -> String {
    let zones: Vec<String> = sorted_entries(Path::new("/sys/class/thermal"), "thermal_zone")
        .iter()
        .filter_map(|zone| {
            let kind = read(&zone.join("type"))?;
            let milli: i64 = read(&zone.join("temp"))?.trim().parse().ok()?;
            Some(format!(
                "{:<24} {:>6.1} °C",
                kind.trim(),
                milli as f64 / 1000.0
            ))
        })
        .collect();
    if zones.is_empty() {
        "not available (no readable /sys/class/thermal zones on this machine)".to_owned()
    } else {
        zones.join("\n")
    }
}

/// The Jetson's INA3221 rails (/sys/bus/i2c/drivers/ina3221/*/hwmon/hwmon*).
pub(super) fn power() -> String {
    let mut rails = Vec::new();
    for device in sorted_entries(Path::new("/sys/bus/i2c/drivers/ina3221"), "") {
        for hwmon in sorted_entries(&device.join("hwmon"), "hwmon") {
            for channel in 1..=3 {
                let label = read(&hwmon.join(format!("in{channel}_label")));
                let millivolts = read(&hwmon.join(format!("in{channel}_input")));
                let milliamps = read(&hwmon.join(format!("curr{channel}_input")));
                if let (Some(label), Some(mv), Some(ma)) = (label, millivolts, milliamps) {
                    let (Ok(mv), Ok(ma)) = (mv.trim().parse::<f64>(), ma.trim().parse::<f64>())
                    else {
                        continue;
                    };
                    rails.push(format!(
                        "{:<24} {:>6.0} mV {:>6.0} mA {:>7.2} W",
                        label.trim(),
                        mv,
                        ma,
                        mv * ma / 1e6
                    ));
                }
            }
        }
    }
    if rails.is_empty() {
        "not available (no INA3221 power monitor: not a Jetson)".to_owned()
    } else {
        rails.join("\n")
    }
}

/// What `thermal`, `power` and `mem` read: the running watchdog, or why there is none.
#[derive(Debug, Clone)]
pub enum WatchdogView {
    /// The watchdog's latest poll.
    Running(std::sync::Arc<crate::watchdog::WatchdogHandle>),
    /// The watchdog is not running, and why.
    NotRunning(String),
}

/// Columns a line of `thermal`, `power` or `mem` fits in.
const COLUMNS: usize = 80;

/// `text` broken at spaces into lines of at most `COLUMNS` characters (a longer word
/// is cut).
fn wrap(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let word: String = word.chars().take(COLUMNS).collect();
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > COLUMNS {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn not_running(reason: &str, fallback: String) -> String {
    let mut out = wrap(&format!("watchdog not running: {reason}")).join("\n");
    out.push('\n');
    out.push_str(&fallback);
    out
}

fn state_line(s: &crate::watchdog::Snapshot) -> String {
    let line = format!(
        "profile {} ({}), thermal {}, {} poll(s){}",
        s.profile.name(),
        s.mode,
        s.thermal.name(),
        s.polls,
        if s.idle { ", idle" } else { "" }
    );
    wrap(&line).join("\n")
}

/// The `watchdog` lines of `status` (each after `label`, wrapped within 80 columns):
/// profile, thermal state, the larger models' residency and the watchdog thread's own CPU.
pub(super) fn status_lines(view: &WatchdogView, label: &str) -> String {
    let text = status_text(view);
    let indent = " ".repeat(label.chars().count());
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let width = COLUMNS - label.chars().count();
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.extend(word.chars().take(width));
    }
    out.push(line);
    out.iter()
        .enumerate()
        .map(|(i, l)| format!("{}{l}", if i == 0 { label } else { &indent }))
        .collect::<Vec<_>>()
        .join("\n")
}

fn status_text(view: &WatchdogView) -> String {
    let s = match view {
        WatchdogView::NotRunning(reason) => return format!("not running: {reason}"),
        WatchdogView::Running(handle) => handle.snapshot(),
    };
    let mut line = format!("profile {}, thermal {}", s.profile.name(), s.thermal.name());
    if let Some(models) = s.models_line() {
        line.push_str("; ");
        line.push_str(&models);
    }
    if let Some(cpu) = s.own_cpu_percent() {
        line.push_str(&format!("; own CPU {cpu:.3} % of a core"));
    }
    line
}

/// `thermal`: the watchdog's zones with temperatures and trip points.
pub(super) fn thermal_of(view: &WatchdogView) -> String {
    let s = match view {
        WatchdogView::NotRunning(reason) => return not_running(reason, thermal()),
        WatchdogView::Running(handle) => handle.snapshot(),
    };
    let mut lines = vec![state_line(&s)];
    if let Some(models) = s.models_line() {
        lines.extend(wrap(&models));
    }
    for zone in &s.readings.zones {
        let note = if !zone.online {
            " offline"
        } else if zone.ignored {
            " ignored"
        } else {
            ""
        };
        let critical = zone.critical_trip_milli_c.map_or_else(
            || "    -".to_owned(),
            |c| format!("{:5.1}", c as f64 / 1000.0),
        );
        lines.push(format!(
            "{:<20} {:>6.1} °C  trip {:5.1} °C  critical {critical} °C{note}",
            zone.name.as_str(),
            zone.milli_c as f64 / 1000.0,
            zone.first_trip_milli_c as f64 / 1000.0,
        ));
    }
    lines.join("\n")
}

/// `top`: the dashboard of the running watchdog and the pipeline's `figures`.
pub(super) fn top_of(
    view: &WatchdogView,
    figures: &crate::watchdog::dashboard::PipelineFigures,
) -> String {
    use crate::watchdog::dashboard::render;
    match view {
        WatchdogView::Running(handle) => {
            let s = handle.snapshot();
            let uptime_s = s.at_ms as f64 / 1000.0;
            render(&s.dashboard(uptime_s, Some(figures.clone())))
        }
        WatchdogView::NotRunning(reason) => {
            let readings = crate::watchdog::Readings::default();
            let d = crate::watchdog::dashboard::Dashboard {
                uptime_s: 0.0,
                readings: &readings,
                governed: None,
                battery: crate::watchdog::BatteryStatus::default(),
                pipeline: Some(figures.clone()),
            };
            not_running(reason, render(&d))
        }
    }
}

/// `power`: profile and mode, the rails, the battery estimate.
pub(super) fn power_of(view: &WatchdogView) -> String {
    let s = match view {
        WatchdogView::NotRunning(reason) => return not_running(reason, power()),
        WatchdogView::Running(handle) => handle.snapshot(),
    };
    let mut lines = vec![state_line(&s)];
    for (i, rail) in s.readings.rails.iter().enumerate() {
        let input = if s.readings.input_rail == Some(i) {
            " input"
        } else {
            ""
        };
        if rail.ok {
            lines.push(format!(
                "{:<20} {:>6} mV {:>6} mA {:>7.2} W{input}",
                rail.label.as_str(),
                rail.milli_v,
                rail.milli_a,
                rail.milli_w as f64 / 1000.0
            ));
        } else {
            lines.push(format!("{:<20} unreadable{input}", rail.label.as_str()));
        }
    }
    let b = &s.battery;
    if b.present {
        lines.push(format!(
            "battery {:.0} % ({:.1} Wh left) at {:.1} W: {:.1} h, {:.1} h in saver{}",
            b.left_percent,
            b.left_wh,
            b.average_w,
            b.hours_left,
            b.hours_left_saver,
            if b.low { ", LOW" } else { "" }
        ));
    } else {
        lines.push("battery none (mains power: watchdog.battery_capacity_wh = 0)".to_owned());
    }
    if s.switch_failures > 0 {
        lines.push(format!("nvpmodel switches failed: {}", s.switch_failures));
    }
    lines.join("\n")
}

/// `mem`: resident memory against the budget (and /proc/self/status).
pub(super) fn memory_of(view: &WatchdogView) -> String {
    let s = match view {
        WatchdogView::NotRunning(reason) => return not_running(reason, memory()),
        WatchdogView::Running(handle) => handle.snapshot(),
    };
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    let rss = s.readings.rss_bytes;
    let budget = s.rss_budget_bytes;
    format!(
        "rss {:.1} MiB of {:.1} MiB budget ({:.0} %){}\n{}",
        mib(rss),
        mib(budget),
        if budget > 0 {
            rss as f64 * 100.0 / budget as f64
        } else {
            0.0
        },
        if rss > budget { ", OVER BUDGET" } else { "" },
        memory()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watchdog_status_lines_wrap_within_80_columns_under_their_label() {
        let view = WatchdogView::NotRunning(
            "disabled (watchdog.enabled = false) because this board has no thermal zone and \
             no nvpmodel, which is the case on a development machine"
                .to_owned(),
        );
        let text = status_lines(&view, "watchdog     ");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() >= 2, "{text}");
        assert!(lines[0].starts_with("watchdog     not running: disabled"));
        assert!(lines[1..].iter().all(|l| l.starts_with("             ")));
        assert!(lines.iter().all(|l| l.chars().count() <= COLUMNS), "{text}");
    }
}
