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
