//! The sensors, found once at start by name under a root folder (`/` on the device, a fake
//! tree in tests) and read on every poll without allocating: each value file stays open and
//! is re-read from offset 0 into a fixed buffer (sysfs regenerates an attribute on every
//! read at offset 0).
//!
//! - Thermal zones by `type` (`sys/class/thermal/thermal_zone*`), with their trip points.
//!   The governor's first trip is the lowest *passive* trip (where the kernel itself starts
//!   throttling; fan `active` trips are ignored), else the lowest `hot` one, else the
//!   configured default. A zone reading −256 °C is offline for that poll.
//! - INA3221 rails by label: JetPack 4 iio (`sys/bus/iio/devices/*/rail_name_N`,
//!   `in_powerN_input`, `in_currentN_input`, `in_voltageN_input`) and JetPack 5 hwmon
//!   (`sys/class/hwmon/*` named `ina3221`: `inN_label`, `currN_input`, `inN_input`).
//! - CPU load (`proc/stat`), CPU frequencies (`sys/devices/system/cpu/cpuN/cpufreq`), GPU
//!   load (`sys/devices/gpu.0/load` or `sys/devices/platform/gpu.0/load`), GPU frequency
//!   (`cur_freq` of the `sys/class/devfreq` device named for the GPU: `*.gv11b`, `*.gp10b`,
//!   `*.ga10b`, `*.gpu`), per-thread CPU
//!   (`proc/self/task/*/stat`, the thread list found at start and on `rescan_threads`) and
//!   the process's resident memory (`proc/self/status`).

use std::fs::File;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

use crate::limits::{
    THERMAL_OFFLINE_MILLI_C, WATCHDOG_CPUS_MAX, WATCHDOG_MEMORY_COMPONENTS_MAX,
    WATCHDOG_NAME_BYTES_MAX, WATCHDOG_PROCFS_READ_BYTES_MAX, WATCHDOG_RAILS_MAX,
    WATCHDOG_SYSFS_VALUE_BYTES_MAX, WATCHDOG_THERMAL_ZONES_MAX, WATCHDOG_THREADS_MAX,
    WATCHDOG_TRIP_POINTS_MAX,
};

use super::WatchdogError;

/// A short fixed-capacity name (zone type, rail label, thread name).
pub type Name = heapless::String<WATCHDOG_NAME_BYTES_MAX>;

/// Kernel clock ticks per second in `/proc/*/stat` (USER_HZ is 100 on arm64 and x86-64).
const CLOCK_TICKS_PER_S: u64 = 100;

pub(crate) fn name_of(text: &str) -> Name {
    let mut name = Name::new();
    for c in text.trim().chars() {
        if name.push(c).is_err() {
            break;
        }
    }
    name
}

fn read_small(path: &Path) -> Option<String> {
    let text = std::fs::read(path).ok()?;
    if text.len() > WATCHDOG_SYSFS_VALUE_BYTES_MAX {
        return None;
    }
    String::from_utf8(text).ok().map(|t| t.trim().to_owned())
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// An open value file re-read from offset 0 on every poll.
#[derive(Debug)]
struct ValueFile {
    file: File,
}

impl ValueFile {
    fn open(path: &Path) -> Option<ValueFile> {
        File::open(path).ok().map(|file| ValueFile { file })
    }

    /// The file's integer value, or `None` if unreadable or not a number.
    fn read_i64(&self) -> Option<i64> {
        let mut buf = [0u8; WATCHDOG_SYSFS_VALUE_BYTES_MAX];
        let n = self.file.read_at(&mut buf, 0).ok()?;
        std::str::from_utf8(&buf[..n]).ok()?.trim().parse().ok()
    }

    /// Reads the file's start into `buf`, returning the bytes read.
    fn read_into<'a>(&self, buf: &'a mut [u8]) -> Option<&'a str> {
        let n = self.file.read_at(buf, 0).ok()?;
        std::str::from_utf8(&buf[..n]).ok()
    }
}

/// What a trip point is for, from its `trip_point_N_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TripKind {
    /// Fan control.
    Active,
    /// Kernel throttling.
    Passive,
    /// Hot notification.
    Hot,
    /// Shutdown.
    Critical,
    /// Anything else.
    Other,
}

/// One trip point of a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TripPoint {
    /// Temperature in m°C.
    pub milli_c: i64,
    /// Its type.
    pub kind: TripKind,
}

/// A thermal zone as last read.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneReading {
    /// The zone's `type`.
    pub name: Name,
    /// Temperature in m°C (meaningless when `online` is false).
    pub milli_c: i64,
    /// False when the sensor read −256 °C or could not be read.
    pub online: bool,
    /// True for zones listed in `watchdog.ignored_zones` (PMIC-Die): shown, never used.
    pub ignored: bool,
    /// The first trip point the governor keeps its margins below, in m°C.
    pub first_trip_milli_c: i64,
    /// The lowest critical trip point, if the zone has one.
    pub critical_trip_milli_c: Option<i64>,
    /// Every trip point the zone lists.
    pub trips: heapless::Vec<TripPoint, WATCHDOG_TRIP_POINTS_MAX>,
}

impl ZoneReading {
    /// Whether this zone may drive decisions now.
    pub fn counts(&self) -> bool {
        self.online && !self.ignored
    }
}

/// One INA3221 rail as last read.
#[derive(Debug, Clone, PartialEq)]
pub struct RailReading {
    /// The rail's label (`VDD_IN`, `POM_5V_IN`, …).
    pub label: Name,
    /// Power in mW.
    pub milli_w: i64,
    /// Current in mA.
    pub milli_a: i64,
    /// Voltage in mV.
    pub milli_v: i64,
    /// False if the last read failed.
    pub ok: bool,
}

/// One thread of this process as last read.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadReading {
    /// Thread id.
    pub tid: u32,
    /// Its `comm` name.
    pub name: Name,
    /// User plus system CPU time since it started, in ms.
    pub cpu_ms: u64,
    /// Share of one core over the last poll interval, in %.
    pub cpu_percent: f32,
}

/// Everything read in one poll.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Readings {
    /// Thermal zones.
    pub zones: heapless::Vec<ZoneReading, WATCHDOG_THERMAL_ZONES_MAX>,
    /// INA3221 rails.
    pub rails: heapless::Vec<RailReading, WATCHDOG_RAILS_MAX>,
    /// Index in `rails` of the input rail used for the battery estimate.
    pub input_rail: Option<usize>,
    /// Busy share of all CPUs over the last poll interval, in %.
    pub cpu_load_percent: f32,
    /// Current frequency of each CPU in kHz (0 when unreadable).
    pub cpu_khz: heapless::Vec<u32, WATCHDOG_CPUS_MAX>,
    /// GPU load in %, where the device reports it.
    pub gpu_load_percent: Option<f32>,
    /// GPU frequency in Hz, where the device reports it.
    pub gpu_freq_hz: Option<u64>,
    /// This process's threads.
    pub threads: heapless::Vec<ThreadReading, WATCHDOG_THREADS_MAX>,
    /// Resident memory of the process in bytes.
    pub rss_bytes: u64,
    /// Of which anonymous (heap, stacks), in bytes.
    pub rss_anon_bytes: u64,
    /// Resident memory per component against its budget (measured every
    /// `WATCHDOG_MEMORY_CHECK_INTERVAL_MS`; empty until the service names its components).
    pub memory: heapless::Vec<super::memory::ComponentMemory, WATCHDOG_MEMORY_COMPONENTS_MAX>,
}

impl Readings {
    /// Input power in mW, if the input rail was found and read.
    pub fn input_milli_w(&self) -> Option<i64> {
        let rail = self.rails.get(self.input_rail?)?;
        rail.ok.then_some(rail.milli_w)
    }
}

#[derive(Debug)]
enum RailFiles {
    /// JetPack 4 iio: power, current, voltage.
    Iio {
        power: Option<ValueFile>,
        current: Option<ValueFile>,
        voltage: Option<ValueFile>,
    },
    /// JetPack 5 hwmon: current and voltage (power is their product).
    Hwmon {
        current: Option<ValueFile>,
        voltage: Option<ValueFile>,
    },
}

#[derive(Debug)]
struct ThreadFiles {
    stat: ValueFile,
    last_ticks: Option<u64>,
}

/// The open sensor files.
#[derive(Debug)]
pub struct Sensors {
    zone_files: heapless::Vec<Option<ValueFile>, WATCHDOG_THERMAL_ZONES_MAX>,
    rail_files: heapless::Vec<RailFiles, WATCHDOG_RAILS_MAX>,
    cpu_freq_files: heapless::Vec<Option<ValueFile>, WATCHDOG_CPUS_MAX>,
    gpu_load: Option<ValueFile>,
    gpu_freq: Option<ValueFile>,
    proc_stat: Option<ValueFile>,
    proc_status: Option<ValueFile>,
    thread_files: heapless::Vec<ThreadFiles, WATCHDOG_THREADS_MAX>,
    task_dir: PathBuf,
    last_cpu: Option<(u64, u64)>,
    last_poll_ms: Option<u64>,
    buf: Box<[u8; WATCHDOG_PROCFS_READ_BYTES_MAX]>,
}

/// Where and what to look for.
#[derive(Debug, Clone)]
pub struct SensorSettings<'a> {
    /// Zone types shown but never used for decisions.
    pub ignored_zones: &'a [String],
    /// Input rail labels, first found wins.
    pub input_rails: &'a [String],
    /// First trip assumed for a zone without a passive or hot trip, in °C.
    pub default_trip_c: f32,
}

impl Sensors {
    /// Finds every sensor under `root` and reads them once into `readings` (which is sized
    /// here and never grows later).
    pub fn discover(
        root: &Path,
        settings: &SensorSettings<'_>,
        readings: &mut Readings,
    ) -> Result<Sensors, WatchdogError> {
        let sensors = Sensors::discover_any(root, settings, readings);
        if readings.zones.iter().all(|z| z.ignored) {
            return Err(WatchdogError::NoThermalZones {
                dir: root.join("sys/class/thermal"),
            });
        }
        Ok(sensors)
    }

    /// As [`Sensors::discover`], also where there is no thermal zone to govern by (a
    /// machine that is only watched: `tccc top` and `tccc soak` off a Jetson).
    pub fn discover_any(
        root: &Path,
        settings: &SensorSettings<'_>,
        readings: &mut Readings,
    ) -> Sensors {
        let mut sensors = Sensors {
            zone_files: heapless::Vec::new(),
            rail_files: heapless::Vec::new(),
            cpu_freq_files: heapless::Vec::new(),
            gpu_load: None,
            gpu_freq: None,
            proc_stat: ValueFile::open(&root.join("proc/stat")),
            proc_status: ValueFile::open(&root.join("proc/self/status")),
            thread_files: heapless::Vec::new(),
            task_dir: root.join("proc/self/task"),
            last_cpu: None,
            last_poll_ms: None,
            buf: Box::new([0u8; WATCHDOG_PROCFS_READ_BYTES_MAX]),
        };
        *readings = Readings::default();
        sensors.discover_zones(root, settings, readings);
        sensors.discover_rails(root, settings, readings);
        for cpu in sorted_entries(&root.join("sys/devices/system/cpu")) {
            let name = file_name(&cpu);
            let is_cpu = name.len() > 3
                && name.starts_with("cpu")
                && name[3..].bytes().all(|b| b.is_ascii_digit());
            if !is_cpu || sensors.cpu_freq_files.is_full() {
                continue;
            }
            let file = ValueFile::open(&cpu.join("cpufreq/scaling_cur_freq"));
            let _ = sensors.cpu_freq_files.push(file);
            let _ = readings.cpu_khz.push(0);
        }
        sensors.gpu_load = ValueFile::open(&root.join("sys/devices/gpu.0/load"))
            .or_else(|| ValueFile::open(&root.join("sys/devices/platform/gpu.0/load")));
        sensors.gpu_freq = sorted_entries(&root.join("sys/class/devfreq"))
            .iter()
            .find(|dev| {
                let name = file_name(dev);
                [".gv11b", ".gp10b", ".ga10b", ".gm20b", ".gpu"]
                    .iter()
                    .any(|suffix| name.ends_with(suffix))
            })
            .and_then(|dev| ValueFile::open(&dev.join("cur_freq")));
        sensors.rescan_threads(readings);
        sensors
    }

    fn discover_zones(
        &mut self,
        root: &Path,
        settings: &SensorSettings<'_>,
        readings: &mut Readings,
    ) {
        for zone in sorted_entries(&root.join("sys/class/thermal")) {
            if !file_name(&zone).starts_with("thermal_zone") || self.zone_files.is_full() {
                continue;
            }
            let Some(kind) = read_small(&zone.join("type")) else {
                continue;
            };
            let mut trips = heapless::Vec::new();
            for i in 0..WATCHDOG_TRIP_POINTS_MAX {
                let temp = read_small(&zone.join(format!("trip_point_{i}_temp")));
                let Some(milli_c) = temp.and_then(|t| t.parse::<i64>().ok()) else {
                    continue;
                };
                let kind = match read_small(&zone.join(format!("trip_point_{i}_type"))).as_deref() {
                    Some("active") => TripKind::Active,
                    Some("passive") => TripKind::Passive,
                    Some("hot") => TripKind::Hot,
                    Some("critical") => TripKind::Critical,
                    _ => TripKind::Other,
                };
                let _ = trips.push(TripPoint { milli_c, kind });
            }
            let lowest = |kind: TripKind| {
                trips
                    .iter()
                    .filter(|t: &&TripPoint| t.kind == kind && t.milli_c > 0)
                    .map(|t| t.milli_c)
                    .min()
            };
            let default_trip = (f64::from(settings.default_trip_c) * 1000.0) as i64;
            let first = lowest(TripKind::Passive)
                .or_else(|| lowest(TripKind::Hot))
                .unwrap_or(default_trip);
            let critical = lowest(TripKind::Critical);
            let ignored = settings.ignored_zones.iter().any(|i| i == &kind);
            let _ = self.zone_files.push(ValueFile::open(&zone.join("temp")));
            let _ = readings.zones.push(ZoneReading {
                name: name_of(&kind),
                milli_c: 0,
                online: false,
                ignored,
                first_trip_milli_c: first,
                critical_trip_milli_c: critical,
                trips,
            });
        }
    }

    fn discover_rails(
        &mut self,
        root: &Path,
        settings: &SensorSettings<'_>,
        readings: &mut Readings,
    ) {
        // JetPack 4: iio devices with rail_name_N.
        for dev in sorted_entries(&root.join("sys/bus/iio/devices")) {
            for n in 0..8 {
                let Some(label) = read_small(&dev.join(format!("rail_name_{n}"))) else {
                    continue;
                };
                if self.rail_files.is_full() {
                    break;
                }
                let files = RailFiles::Iio {
                    power: ValueFile::open(&dev.join(format!("in_power{n}_input"))),
                    current: ValueFile::open(&dev.join(format!("in_current{n}_input"))),
                    voltage: ValueFile::open(&dev.join(format!("in_voltage{n}_input"))),
                };
                let _ = self.rail_files.push(files);
                let _ = readings.rails.push(rail(&label));
            }
        }
        // JetPack 5: hwmon devices named ina3221 with inN_label.
        for dev in sorted_entries(&root.join("sys/class/hwmon")) {
            if read_small(&dev.join("name")).as_deref() != Some("ina3221") {
                continue;
            }
            for n in 1..=8 {
                let Some(label) = read_small(&dev.join(format!("in{n}_label"))) else {
                    continue;
                };
                if self.rail_files.is_full() {
                    break;
                }
                let files = RailFiles::Hwmon {
                    current: ValueFile::open(&dev.join(format!("curr{n}_input"))),
                    voltage: ValueFile::open(&dev.join(format!("in{n}_input"))),
                };
                let _ = self.rail_files.push(files);
                let _ = readings.rails.push(rail(&label));
            }
        }
        readings.input_rail = settings.input_rails.iter().find_map(|wanted| {
            readings
                .rails
                .iter()
                .position(|r| r.label.as_str() == wanted.as_str())
        });
    }

    /// Finds this process's threads again (call after starting or stopping threads).
    /// Allocates: never called by the polling loop itself.
    pub fn rescan_threads(&mut self, readings: &mut Readings) {
        self.thread_files.clear();
        readings.threads.clear();
        for task in sorted_entries(&self.task_dir) {
            let Ok(tid) = file_name(&task).parse::<u32>() else {
                continue;
            };
            let Some(stat) = ValueFile::open(&task.join("stat")) else {
                continue;
            };
            let name = read_small(&task.join("comm")).unwrap_or_default();
            if self
                .thread_files
                .push(ThreadFiles {
                    stat,
                    last_ticks: None,
                })
                .is_err()
            {
                break;
            }
            let _ = readings.threads.push(ThreadReading {
                tid,
                name: name_of(&name),
                cpu_ms: 0,
                cpu_percent: 0.0,
            });
        }
    }

    /// Reads every sensor into `readings`, in place. Allocates nothing.
    pub fn read(&mut self, now_ms: u64, readings: &mut Readings) {
        let interval_ms = self
            .last_poll_ms
            .map(|last| now_ms.saturating_sub(last))
            .filter(|&d| d > 0);
        self.last_poll_ms = Some(now_ms);
        for (file, zone) in self.zone_files.iter().zip(readings.zones.iter_mut()) {
            match file.as_ref().and_then(ValueFile::read_i64) {
                Some(milli_c) if milli_c > THERMAL_OFFLINE_MILLI_C => {
                    zone.milli_c = milli_c;
                    zone.online = true;
                }
                Some(milli_c) => {
                    zone.milli_c = milli_c;
                    zone.online = false;
                }
                None => zone.online = false,
            }
        }
        for (files, rail) in self.rail_files.iter().zip(readings.rails.iter_mut()) {
            let read = |f: &Option<ValueFile>| f.as_ref().and_then(ValueFile::read_i64);
            let values = match files {
                RailFiles::Iio {
                    power,
                    current,
                    voltage,
                } => {
                    let (ma, mv) = (read(current), read(voltage));
                    read(power)
                        .or_else(|| Some(ma? * mv? / 1000))
                        .map(|mw| (mw, ma.unwrap_or(0), mv.unwrap_or(0)))
                }
                RailFiles::Hwmon { current, voltage } => {
                    let (ma, mv) = (read(current), read(voltage));
                    ma.zip(mv).map(|(ma, mv)| (ma * mv / 1000, ma, mv))
                }
            };
            rail.ok = values.is_some();
            if let Some((mw, ma, mv)) = values {
                (rail.milli_w, rail.milli_a, rail.milli_v) = (mw, ma, mv);
            }
        }
        for (file, khz) in self.cpu_freq_files.iter().zip(readings.cpu_khz.iter_mut()) {
            *khz = file
                .as_ref()
                .and_then(ValueFile::read_i64)
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0);
        }
        readings.gpu_load_percent = self
            .gpu_load
            .as_ref()
            .and_then(ValueFile::read_i64)
            .map(|per_mille| per_mille as f32 / 10.0);
        readings.gpu_freq_hz = self
            .gpu_freq
            .as_ref()
            .and_then(ValueFile::read_i64)
            .and_then(|hz| u64::try_from(hz).ok());
        if let Some(stat) = &self.proc_stat {
            if let Some((busy, total)) = stat.read_into(&mut self.buf[..]).and_then(cpu_totals) {
                if let Some((last_busy, last_total)) = self.last_cpu {
                    let d_total = total.saturating_sub(last_total);
                    if d_total > 0 {
                        readings.cpu_load_percent =
                            busy.saturating_sub(last_busy) as f32 * 100.0 / d_total as f32;
                    }
                }
                self.last_cpu = Some((busy, total));
            }
        }
        if let Some(status) = &self.proc_status {
            if let Some(text) = status.read_into(&mut self.buf[..]) {
                if let Some(kb) = vm_rss_kb(text) {
                    readings.rss_bytes = kb * 1024;
                }
                if let Some(kb) = super::memory::status_kb(text, "RssAnon:") {
                    readings.rss_anon_bytes = kb * 1024;
                }
            }
        }
        for (files, thread) in self
            .thread_files
            .iter_mut()
            .zip(readings.threads.iter_mut())
        {
            let Some(ticks) = files
                .stat
                .read_into(&mut self.buf[..])
                .and_then(thread_ticks)
            else {
                thread.cpu_percent = 0.0;
                continue;
            };
            thread.cpu_ms = ticks * 1000 / CLOCK_TICKS_PER_S;
            if let (Some(last), Some(interval)) = (files.last_ticks, interval_ms) {
                let used_ms = ticks.saturating_sub(last) * 1000 / CLOCK_TICKS_PER_S;
                thread.cpu_percent = used_ms as f32 * 100.0 / interval as f32;
            }
            files.last_ticks = Some(ticks);
        }
    }
}

fn rail(label: &str) -> RailReading {
    RailReading {
        label: name_of(label),
        milli_w: 0,
        milli_a: 0,
        milli_v: 0,
        ok: false,
    }
}

/// (busy, total) jiffies from `/proc/stat`'s first line.
pub fn cpu_totals(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().next()?;
    let mut fields = line.split_ascii_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let (mut total, mut idle) = (0u64, 0u64);
    for (i, field) in fields.take(8).enumerate() {
        let v: u64 = field.parse().ok()?;
        total += v;
        if i == 3 || i == 4 {
            idle += v; // idle, iowait
        }
    }
    Some((total - idle, total))
}

/// `VmRSS` in kB from `/proc/self/status`.
pub fn vm_rss_kb(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    line["VmRSS:".len()..]
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()
}

/// utime + stime ticks from a thread's `stat` (fields 14 and 15; the name in parentheses
/// may hold spaces, so fields are counted after its closing parenthesis).
pub fn thread_ticks(text: &str) -> Option<u64> {
    let after = &text[text.rfind(')')? + 1..];
    let mut fields = after.split_ascii_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procfs_lines_parse_without_allocation_friendly_helpers() {
        assert_eq!(
            cpu_totals("cpu  10 0 10 70 10 0 0 0 0 0\ncpu0 1 2\n"),
            Some((20, 100))
        );
        assert_eq!(vm_rss_kb("Name:\tx\nVmRSS:\t  1234 kB\n"), Some(1234));
        let stat = "42 (tccc watch) S 1 1 1 0 -1 4194560 10 0 0 0 7 3 0 0 20 0 1 0 5 0 0";
        assert_eq!(thread_ticks(stat), Some(10));
    }
}
