//! The `top` screen: one 80-column page of what the watchdog and the pipeline measure —
//! profile, thermal state and stage knobs; temperatures; rail power and the battery; CPU
//! and GPU load and frequencies; CPU per thread; resident memory per component against its
//! budget; and, inside the service, the pipeline's latencies, losses and allocations.
//!
//! Rendering allocates (a `String`); it runs on the console thread or in `tccc top`, never
//! on a real-time thread.

use std::fmt::Write as _;

use super::battery::BatteryStatus;
use super::governor::{Profile, StageKnobs, ThermalState};
use super::sensors::Readings;
use super::ModeName;

/// Columns of the screen; every line is cut to it.
pub const COLUMNS: usize = 80;
use crate::limits::TOP_THREADS_SHOWN_MAX as THREADS_SHOWN_MAX;

/// The governor's side, when a governing watchdog runs (the service).
#[derive(Debug, Clone)]
pub struct Governed {
    /// The profile.
    pub profile: Profile,
    /// Its nvpmodel mode.
    pub mode: ModeName,
    /// The thermal state.
    pub thermal: ThermalState,
    /// The stage knobs in force.
    pub knobs: StageKnobs,
    /// The idle policy holds.
    pub idle: bool,
    /// nvpmodel switches that failed.
    pub switch_failures: u64,
    /// The larger models' residency (`Snapshot::models_line`), when any is registered.
    pub models: Option<String>,
    /// The watchdog thread's own CPU since it started, in % of one core.
    pub own_cpu_percent: Option<f64>,
}

/// The pipeline's figures, when the dashboard runs inside the service.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PipelineFigures {
    /// Utterances read.
    pub utterances: u64,
    /// End of speech → transcript ready, median and 99th percentile over the recent
    /// utterances, in ms (`None` before the first).
    pub speech_end_latency_ms: Option<(f64, f64)>,
    /// Front-end cost per 32 ms frame, median and 99th percentile, in µs.
    pub frame_cost_us: (f64, f64),
    /// Capture ring overflows (live input: samples lost).
    pub capture_overflows: u64,
    /// Device overruns (ALSA xruns).
    pub xruns: u64,
    /// Segments the front end dropped (no free slot).
    pub segments_dropped: u64,
    /// Transcripts dropped (analysis fell behind).
    pub transcripts_dropped: u64,
    /// Console notices dropped.
    pub notices_dropped: u64,
    /// Allocations on real-time threads since warm-up (capture, front end: expected 0).
    pub realtime_allocations: u64,
}

/// Everything one screen shows.
#[derive(Debug, Clone)]
pub struct Dashboard<'a> {
    /// Seconds since the watch started.
    pub uptime_s: f64,
    /// The sensors.
    pub readings: &'a Readings,
    /// The governor (None: `tccc top` outside the service only watches).
    pub governed: Option<Governed>,
    /// The battery estimate.
    pub battery: BatteryStatus,
    /// The pipeline (None outside the service).
    pub pipeline: Option<PipelineFigures>,
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn push_line(out: &mut String, line: &str) {
    let cut: String = line.chars().take(COLUMNS).collect();
    out.push_str(cut.trim_end());
    out.push('\n');
}

/// The screen as text (lines ≤ 80 columns, no control characters).
pub fn render(d: &Dashboard<'_>) -> String {
    let r = d.readings;
    let mut out = String::new();
    let mut line = String::new();
    let flush = |out: &mut String, line: &mut String| {
        push_line(out, line);
        line.clear();
    };
    let _ = write!(line, "tccc top  up {:.0} s  ", d.uptime_s);
    match &d.governed {
        Some(g) => {
            let _ = write!(
                line,
                "profile {} ({})  thermal {}{}",
                g.profile.name(),
                g.mode,
                g.thermal.name(),
                if g.idle { "  idle" } else { "" }
            );
        }
        None => line.push_str("watching only (no governor in this process)"),
    }
    flush(&mut out, &mut line);
    if let Some(g) = &d.governed {
        let k = g.knobs;
        let beam = if k.beam_width_max == u8::MAX {
            "any".to_owned()
        } else {
            k.beam_width_max.to_string()
        };
        let on = |b: bool| if b { "on" } else { "paused" };
        let _ = write!(
            line,
            "knobs: beam ≤ {beam}  biasing {}  llm {}  large models {}{}  nvpmodel failures {}",
            on(k.biasing),
            on(k.llm),
            if k.large_models { "kept" } else { "unloaded" },
            if k.recognition_only {
                "  RECOGNITION ONLY"
            } else {
                ""
            },
            g.switch_failures
        );
        flush(&mut out, &mut line);
        if let Some(models) = &g.models {
            push_line(&mut out, models);
        }
        if let Some(cpu) = g.own_cpu_percent {
            let _ = write!(line, "watchdog thread {cpu:.3} % of a core since start");
            flush(&mut out, &mut line);
        }
    }
    // Temperatures, three zones a line.
    line.push_str("temp ");
    for (i, z) in r.zones.iter().enumerate() {
        if i > 0 && i % 3 == 0 {
            flush(&mut out, &mut line);
            line.push_str("     ");
        }
        let value = if z.online {
            format!("{:.1}°C", z.milli_c as f64 / 1000.0)
        } else {
            "offline".to_owned()
        };
        let mark = if z.ignored { " ign" } else { "" };
        let _ = write!(line, " {:<11.11} {:>7}{mark:<4}", z.name.as_str(), value);
    }
    flush(&mut out, &mut line);
    // Power: rails, three a line, then the battery.
    line.push_str("power");
    for (i, rail) in r.rails.iter().enumerate() {
        if i > 0 && i % 3 == 0 {
            flush(&mut out, &mut line);
            line.push_str("     ");
        }
        let watts = if rail.ok {
            format!("{:.2} W", rail.milli_w as f64 / 1000.0)
        } else {
            "?".to_owned()
        };
        let _ = write!(line, " {:<14} {:>8}", rail.label.as_str(), watts);
    }
    if r.rails.is_empty() {
        line.push_str(" no INA3221 rails");
    }
    flush(&mut out, &mut line);
    let b = d.battery;
    if b.present {
        let _ = write!(
            line,
            "battery {:.0} % ({:.1} Wh left, {:.2} W avg): {:.1} h left, {:.1} h in saver{}",
            b.left_percent,
            b.left_wh,
            b.average_w,
            b.hours_left,
            b.hours_left_saver,
            if b.low { "  LOW" } else { "" }
        );
    } else {
        line.push_str("battery: none configured (mains power)");
    }
    flush(&mut out, &mut line);
    let _ = write!(line, "cpu {:5.1} %  MHz", r.cpu_load_percent);
    for khz in &r.cpu_khz {
        let _ = write!(line, " {}", khz / 1000);
    }
    flush(&mut out, &mut line);
    let _ = write!(
        line,
        "gpu {}  {}",
        r.gpu_load_percent
            .map_or_else(|| "load n/a".to_owned(), |l| format!("{l:5.1} %")),
        r.gpu_freq_hz.map_or_else(
            || "freq n/a".to_owned(),
            |f| format!("{} MHz", f / 1_000_000)
        )
    );
    flush(&mut out, &mut line);
    let _ = write!(
        line,
        "memory {:.0} MB resident ({:.0} MB anonymous)",
        mb(r.rss_bytes),
        mb(r.rss_anon_bytes)
    );
    flush(&mut out, &mut line);
    for c in &r.memory {
        let _ = write!(
            line,
            "  {:<14} {:>8.1} MB of {:>7.0} MB{}",
            c.name.as_str(),
            mb(c.rss_bytes),
            mb(c.budget_bytes),
            if c.over() { "  OVER BUDGET" } else { "" }
        );
        flush(&mut out, &mut line);
    }
    if let Some(p) = &d.pipeline {
        let latency = p.speech_end_latency_ms.map_or_else(
            || "n/a".to_owned(),
            |(p50, p99)| format!("p50 {p50:.0} ms p99 {p99:.0} ms"),
        );
        let _ = write!(
            line,
            "pipeline: {} utterances  end-of-speech latency {latency}",
            p.utterances
        );
        flush(&mut out, &mut line);
        let _ = write!(
            line,
            "  frame cost p50 {:.0} µs p99 {:.0} µs  rt allocations {}",
            p.frame_cost_us.0, p.frame_cost_us.1, p.realtime_allocations
        );
        flush(&mut out, &mut line);
        let _ = write!(
            line,
            "  drops: capture {} xruns {} segments {} transcripts {} notices {}",
            p.capture_overflows,
            p.xruns,
            p.segments_dropped,
            p.transcripts_dropped,
            p.notices_dropped
        );
        flush(&mut out, &mut line);
    }
    let mut threads: Vec<_> = r.threads.iter().collect();
    threads.sort_by(|a, b| b.cpu_percent.total_cmp(&a.cpu_percent));
    push_line(&mut out, "threads          cpu %   cpu s");
    for t in threads.iter().take(THREADS_SHOWN_MAX) {
        let _ = write!(
            line,
            "  {:<14} {:>5.1} {:>7.1}",
            t.name.as_str(),
            t.cpu_percent,
            t.cpu_ms as f64 / 1000.0
        );
        flush(&mut out, &mut line);
    }
    if threads.len() > THREADS_SHOWN_MAX {
        let _ = write!(line, "  … {} more", threads.len() - THREADS_SHOWN_MAX);
        flush(&mut out, &mut line);
    }
    out
}

/// The sensors, memory and battery without the governor: what `tccc top` and `tccc soak`
/// watch in their own process (nvpmodel is neither needed nor touched).
#[derive(Debug)]
pub struct Monitor {
    sensors: super::Sensors,
    readings: Readings,
    battery: super::Battery,
    memory: super::memory::MemoryWatch,
    memory_checked_ms: Option<u64>,
    started_ms: u64,
    now_ms: u64,
}

impl Monitor {
    /// Finds the sensors under `root` (`/`, or a fake tree) and the memory `components`.
    pub fn new(
        config: &crate::config::WatchdogConfig,
        root: &std::path::Path,
        components: &[super::MemoryComponent],
        now_ms: u64,
    ) -> Monitor {
        let mut readings = Readings::default();
        let settings = super::SensorSettings {
            ignored_zones: &config.ignored_zones,
            input_rails: &config.input_rails,
            default_trip_c: config.default_trip_c,
        };
        let sensors = super::Sensors::discover_any(root, &settings, &mut readings);
        let memory = super::memory::MemoryWatch::new(root, components, &mut readings.memory);
        Monitor {
            sensors,
            readings,
            battery: super::Battery::new(config),
            memory,
            memory_checked_ms: None,
            started_ms: now_ms,
            now_ms,
        }
    }

    /// Reads every sensor at `now_ms` (memory per component every
    /// `WATCHDOG_MEMORY_CHECK_INTERVAL_MS`, and at the first poll).
    pub fn poll(&mut self, now_ms: u64) {
        self.now_ms = now_ms;
        self.sensors.read(now_ms, &mut self.readings);
        let input = self.readings.input_milli_w();
        let _ = self.battery.update(now_ms, input, Profile::Performance);
        let due = self.memory_checked_ms.is_none_or(|last| {
            now_ms.saturating_sub(last) >= crate::limits::WATCHDOG_MEMORY_CHECK_INTERVAL_MS
        });
        if due {
            self.memory_checked_ms = Some(now_ms);
            self.memory.measure(&mut self.readings.memory);
        }
    }

    /// Finds this process's threads again (after starting some).
    pub fn rescan_threads(&mut self) {
        self.sensors.rescan_threads(&mut self.readings);
    }

    /// The sensors as last read.
    pub fn readings(&self) -> &Readings {
        &self.readings
    }

    /// The screen's contents, with the pipeline's figures if given.
    pub fn dashboard(&self, pipeline: Option<PipelineFigures>) -> Dashboard<'_> {
        Dashboard {
            uptime_s: self.now_ms.saturating_sub(self.started_ms) as f64 / 1000.0,
            readings: &self.readings,
            governed: None,
            battery: self.battery.status(),
            pipeline,
        }
    }
}

/// One line of a metrics file (JSON lines): what `tccc top --record` and `tccc soak
/// --metrics` write each refresh, and what `tccc report` plots.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sample {
    /// Seconds since the watch started.
    pub t_s: f64,
    /// Temperature per online, counted thermal zone, in °C.
    pub temps_c: Vec<(String, f64)>,
    /// Power per rail, in W.
    pub rails_w: Vec<(String, f64)>,
    /// Busy share of all CPUs, in %.
    pub cpu_percent: f64,
    /// CPU per thread, in % of one core.
    pub threads_percent: Vec<(String, f64)>,
    /// Resident memory, in MB.
    pub rss_mb: f64,
    /// Resident memory per component, in MB.
    pub memory_mb: Vec<(String, f64)>,
    /// The profile (`performance`, …), where a governor runs.
    pub profile: Option<String>,
    /// Battery hours left, where a pack is configured.
    pub battery_hours_left: Option<f64>,
    /// End-of-speech latency p50 and p99, in ms, inside the service.
    pub latency_ms: Option<(f64, f64)>,
    /// Drops of every kind so far (capture, segments, transcripts, notices).
    pub drops: u64,
    /// Allocations on real-time threads so far.
    pub realtime_allocations: u64,
}

impl Sample {
    /// The sample of one screen.
    pub fn of(d: &Dashboard<'_>) -> Sample {
        let r = d.readings;
        let p = d.pipeline.clone().unwrap_or_default();
        Sample {
            t_s: d.uptime_s,
            temps_c: r
                .zones
                .iter()
                .filter(|z| z.counts())
                .map(|z| (z.name.to_string(), z.milli_c as f64 / 1000.0))
                .collect(),
            rails_w: r
                .rails
                .iter()
                .filter(|x| x.ok)
                .map(|x| (x.label.to_string(), x.milli_w as f64 / 1000.0))
                .collect(),
            cpu_percent: f64::from(r.cpu_load_percent),
            threads_percent: r
                .threads
                .iter()
                .map(|t| (t.name.to_string(), f64::from(t.cpu_percent)))
                .collect(),
            rss_mb: mb(r.rss_bytes),
            memory_mb: r
                .memory
                .iter()
                .map(|c| (c.name.to_string(), mb(c.rss_bytes)))
                .collect(),
            profile: d.governed.as_ref().map(|g| g.profile.name().to_owned()),
            battery_hours_left: d.battery.present.then_some(f64::from(d.battery.hours_left)),
            latency_ms: p.speech_end_latency_ms,
            drops: p.capture_overflows
                + p.xruns
                + p.segments_dropped
                + p.transcripts_dropped
                + p.notices_dropped,
            realtime_allocations: p.realtime_allocations,
        }
    }
}

/// What a [`MonitorThread`] publishes after each poll.
#[derive(Debug, Clone, Default)]
pub struct MonitorState {
    /// The sensors.
    pub readings: Readings,
    /// The battery estimate.
    pub battery: BatteryStatus,
    /// When they were read, in ms on the monitor's clock.
    pub at_ms: u64,
    /// When the thread started, in ms on the same clock.
    pub started_ms: u64,
    /// Polls so far.
    pub polls: u64,
}

impl MonitorState {
    /// The monitor thread's own CPU since it started, in % of one core.
    pub fn own_cpu_percent(&self) -> Option<f64> {
        own_cpu_percent(&self.readings, self.started_ms, self.at_ms)
    }

    /// The screen's contents, with the pipeline's figures if given.
    pub fn dashboard(&self, pipeline: Option<PipelineFigures>) -> Dashboard<'_> {
        Dashboard {
            uptime_s: self.at_ms.saturating_sub(self.started_ms) as f64 / 1000.0,
            readings: &self.readings,
            governed: None,
            battery: self.battery,
            pipeline,
        }
    }
}

/// The CPU of the thread named `watchdog::WATCHDOG_THREAD_NAME` in `readings` between
/// `started_ms` and `at_ms`, in % of one core.
pub fn own_cpu_percent(readings: &Readings, started_ms: u64, at_ms: u64) -> Option<f64> {
    let elapsed_ms = at_ms.saturating_sub(started_ms);
    let thread = readings
        .threads
        .iter()
        .find(|t| t.name.as_str() == super::WATCHDOG_THREAD_NAME)?;
    (elapsed_ms > 0).then(|| thread.cpu_ms as f64 * 100.0 / elapsed_ms as f64)
}

#[derive(Debug)]
struct MonitorShared {
    state: std::sync::Mutex<MonitorState>,
    stop: std::sync::Mutex<bool>,
    wake: std::sync::Condvar,
    rescan: std::sync::atomic::AtomicBool,
}

/// A [`Monitor`] polled on its own thread, named as the service's watchdog thread
/// (`tccc-watchdog`, allocation role `watchdog`) and doing the same work per poll — read
/// every sensor, copy the readings under a lock — so that `tccc soak` measures the
/// watchdog's own cost where no governor can run (no nvpmodel, no thermal zone).
#[derive(Debug)]
pub struct MonitorThread {
    shared: std::sync::Arc<MonitorShared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MonitorThread {
    /// Starts polling `monitor` every `interval` on `clock`.
    pub fn start(
        mut monitor: Monitor,
        interval: std::time::Duration,
        clock: std::sync::Arc<dyn super::WatchClock>,
    ) -> Result<MonitorThread, super::WatchdogError> {
        let started_ms = clock.now_ms();
        monitor.poll(started_ms);
        let first = MonitorState {
            readings: monitor.readings().clone(),
            battery: monitor.battery.status(),
            at_ms: started_ms,
            started_ms,
            polls: 1,
        };
        let shared = std::sync::Arc::new(MonitorShared {
            state: std::sync::Mutex::new(first),
            stop: std::sync::Mutex::new(false),
            wake: std::sync::Condvar::new(),
            // The thread finds itself at its first poll.
            rescan: std::sync::atomic::AtomicBool::new(true),
        });
        let thread_shared = std::sync::Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(super::WATCHDOG_THREAD_NAME.to_owned())
            .spawn(move || {
                use crate::sys::alloc_guard::{set_thread_role, ThreadRole};
                use std::sync::PoisonError;
                set_thread_role(ThreadRole::Watchdog);
                let shared = thread_shared;
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
                    if shared
                        .rescan
                        .swap(false, std::sync::atomic::Ordering::Relaxed)
                    {
                        monitor.rescan_threads();
                    }
                    let now = clock.now_ms();
                    monitor.poll(now);
                    let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
                    state.readings.clone_from(monitor.readings());
                    state.battery = monitor.battery.status();
                    state.at_ms = now;
                    state.polls += 1;
                }
            })
            .map_err(super::WatchdogError::Thread)?;
        Ok(MonitorThread {
            shared,
            thread: Some(thread),
        })
    }

    /// Copies the latest poll into `out` (allocates nothing once `out` holds a state).
    pub fn latest_into(&self, out: &mut MonitorState) {
        out.clone_from(
            &self
                .shared
                .state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
    }

    /// Asks the thread to find this process's threads again at its next poll.
    pub fn rescan_threads(&self) {
        self.shared
            .rescan
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Stops the thread and waits for it.
    pub fn stop(mut self) -> Result<(), super::WatchdogError> {
        self.stop_thread()
    }

    fn stop_thread(&mut self) -> Result<(), super::WatchdogError> {
        *self
            .shared
            .stop
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        self.shared.wake.notify_all();
        match self.thread.take() {
            Some(thread) => thread.join().map_err(|_| super::WatchdogError::Panicked),
            None => Ok(()),
        }
    }
}

impl Drop for MonitorThread {
    fn drop(&mut self) {
        let _ = self.stop_thread();
    }
}
