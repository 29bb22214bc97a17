//! The fake sysfs/procfs tree and fake `nvpmodel` the watchdog tests run on: thermal
//! zones with trip points (a PMIC-Die at 100 °C, an offline zone at −256 °C), INA3221
//! rails in both layouts, CPU, GPU, threads and memory, and an nvpmodel script that
//! records its calls and fails on demand.
#![allow(dead_code, clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn put(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[derive(Clone, Copy, PartialEq)]
pub enum Layout {
    JetPack4,
    JetPack5,
}

/// Zones: CPU-therm and GPU-therm (passive 90 °C, hot 95 °C, critical 100 °C), PMIC-Die
/// at 100 °C with a 90 °C critical trip, AO-therm offline (−256 °C) with an 80 °C trip.
pub struct FakeTree {
    pub root: PathBuf,
    pub nvpmodel: PathBuf,
    pub state: PathBuf,
}

impl FakeTree {
    pub fn new(name: &str, layout: Layout) -> FakeTree {
        let root = scratch(name);
        let zones = [
            (
                "CPU-therm",
                50_000,
                &[
                    (90_000, "passive"),
                    (95_000, "hot"),
                    (100_000, "critical"),
                    (45_000, "active"),
                ][..],
            ),
            (
                "GPU-therm",
                48_000,
                &[(90_000, "passive"), (100_000, "critical")][..],
            ),
            ("PMIC-Die", 100_000, &[(90_000, "critical")][..]),
            ("AO-therm", -256_000, &[(80_000, "passive")][..]),
        ];
        for (i, (kind, temp, trips)) in zones.iter().enumerate() {
            let zone = root.join(format!("sys/class/thermal/thermal_zone{i}"));
            put(&zone.join("type"), &format!("{kind}\n"));
            put(&zone.join("temp"), &format!("{temp}\n"));
            for (t, (trip, kind)) in trips.iter().enumerate() {
                put(
                    &zone.join(format!("trip_point_{t}_temp")),
                    &format!("{trip}\n"),
                );
                put(
                    &zone.join(format!("trip_point_{t}_type")),
                    &format!("{kind}\n"),
                );
            }
        }
        put(
            &root.join("sys/class/thermal/cooling_device0/type"),
            "fan\n",
        );
        let rails = [
            ("VDD_IN", 5_000, 1_000),
            ("VDD_CPU_GPU_CV", 5_000, 400),
            ("VDD_SOC", 5_000, 300),
        ];
        match layout {
            Layout::JetPack4 => {
                let dev = root.join("sys/bus/iio/devices/iio:device0");
                put(&dev.join("name"), "ina3221x\n");
                for (n, (label, mv, ma)) in rails.iter().enumerate() {
                    put(&dev.join(format!("rail_name_{n}")), &format!("{label}\n"));
                    put(
                        &dev.join(format!("in_voltage{n}_input")),
                        &format!("{mv}\n"),
                    );
                    put(
                        &dev.join(format!("in_current{n}_input")),
                        &format!("{ma}\n"),
                    );
                    put(
                        &dev.join(format!("in_power{n}_input")),
                        &format!("{}\n", mv * ma / 1000),
                    );
                }
            }
            Layout::JetPack5 => {
                put(&root.join("sys/class/hwmon/hwmon0/name"), "acpitz\n");
                put(
                    &root.join("sys/class/hwmon/hwmon0/in1_label"),
                    "NOT_A_RAIL\n",
                );
                let dev = root.join("sys/class/hwmon/hwmon1");
                put(&dev.join("name"), "ina3221\n");
                for (n, (label, mv, ma)) in rails.iter().enumerate() {
                    let n = n + 1;
                    put(&dev.join(format!("in{n}_label")), &format!("{label}\n"));
                    put(&dev.join(format!("in{n}_input")), &format!("{mv}\n"));
                    put(&dev.join(format!("curr{n}_input")), &format!("{ma}\n"));
                }
            }
        }
        for cpu in 0..2 {
            let dir = root.join(format!("sys/devices/system/cpu/cpu{cpu}/cpufreq"));
            put(&dir.join("scaling_cur_freq"), "1420800\n");
        }
        put(
            &root.join("sys/devices/system/cpu/cpuidle/current_driver"),
            "none\n",
        );
        put(&root.join("sys/devices/gpu.0/load"), "345\n");
        put(
            &root.join("sys/class/devfreq/15340000.vic/cur_freq"),
            "115200000\n",
        );
        put(
            &root.join("sys/class/devfreq/17000000.gv11b/cur_freq"),
            "1109250000\n",
        );
        let models = root.join("models");
        put(&models.join("whisper/model.bin"), "");
        put(&models.join("vad.onnx"), "");
        let models = models.canonicalize().unwrap();
        put(
            &root.join("proc/self/smaps"),
            &smaps(
                &models.join("whisper/model.bin"),
                51_000,
                &models.join("vad.onnx"),
            ),
        );
        put(
            &root.join("proc/stat"),
            "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0 0 0 0 0 0\n",
        );
        put(
            &root.join("proc/self/status"),
            "Name:\ttccc\nVmRSS:\t  204800 kB\nRssAnon:\t  102400 kB\nRssFile:\t  102400 kB\n",
        );
        for (tid, name) in [(100, "tccc"), (101, "tccc-asr")] {
            let task = root.join(format!("proc/self/task/{tid}"));
            put(&task.join("comm"), &format!("{name}\n"));
            put(
                &task.join("stat"),
                &format!("{tid} ({name}) S 1 1 1 0 -1 0 0 0 0 0 250 50 0 0 20 0 1 0 5\n"),
            );
        }
        let state = root.join("nvpmodel-state");
        fs::create_dir_all(&state).unwrap();
        let listing = include_str!("../fixtures/nvpmodel/xavier-nx-p.txt");
        fs::write(state.join("listing"), listing).unwrap();
        fs::write(state.join("mode_id"), "2\n").unwrap();
        let nvpmodel = root.join("nvpmodel");
        let script = format!(
            "#!/bin/sh\nD='{}'\necho \"$*\" >> \"$D/calls\"\ncase \"$1\" in\n\
             -p) cat \"$D/listing\" ;;\n\
             -q) id=$(cat \"$D/mode_id\"); echo \"NV Power Mode: $(grep \"ID=$id \" \"$D/listing\" | sed 's/.*NAME=//')\"; echo \"$id\" ;;\n\
             -m) if [ -e \"$D/fail\" ]; then echo 'NVPM ERROR: failed to write /sys/devices/system/cpu/cpu3/online' >&2; exit 1; fi; [ -e \"$D/ignore\" ] || echo \"$2\" > \"$D/mode_id\" ;;\n\
             *) echo \"unknown option $1\" >&2; exit 2 ;;\nesac\n",
            state.display()
        );
        fs::write(&nvpmodel, script).unwrap();
        fs::set_permissions(&nvpmodel, fs::Permissions::from_mode(0o755)).unwrap();
        FakeTree {
            root,
            nvpmodel,
            state,
        }
    }

    /// The fake tree's models folder (canonical), where the smaps' model files lie.
    pub fn models(&self) -> PathBuf {
        self.root.join("models").canonicalize().unwrap()
    }

    /// Rewrites `proc/self/smaps` with the Whisper file's mappings resident for `asr_kb`.
    pub fn set_asr_resident_kb(&self, asr_kb: u64) {
        let models = self.models();
        put(
            &self.root.join("proc/self/smaps"),
            &smaps(
                &models.join("whisper/model.bin"),
                asr_kb,
                &models.join("vad.onnx"),
            ),
        );
    }

    pub fn set_temp(&self, zone: usize, milli_c: i64) {
        let path = self
            .root
            .join(format!("sys/class/thermal/thermal_zone{zone}/temp"));
        fs::write(path, format!("{milli_c}\n")).unwrap();
    }

    pub fn set_input_power(&self, milli_w: i64) {
        let path = self
            .root
            .join("sys/bus/iio/devices/iio:device0/in_power0_input");
        fs::write(path, format!("{milli_w}\n")).unwrap();
    }

    pub fn calls(&self) -> Vec<String> {
        fs::read_to_string(self.state.join("calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    pub fn set_calls(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| c.starts_with("-m"))
            .collect()
    }
}

fn mapping(range: &str, perms: &str, inode: u32, path: &str, rss_kb: u64) -> String {
    format!(
        "{range} {perms} 00000000 08:01 {inode}                      {path}\n\
         Size:               {rss_kb} kB\nKernelPageSize:        4 kB\nRss:                {rss_kb} kB\n\
         Pss:                {rss_kb} kB\nAnonymous:              0 kB\nAnonHugePages:          0 kB\n\
         FilePmdMapped:          0 kB\nVmFlags: rd mr mw me sd\n"
    )
}

/// A `/proc/self/smaps` with the Whisper model file mapped twice (`asr_kb` resident in
/// all, 1000 kB of it in the second mapping), the VAD weights (2000 kB), libc (3000 kB),
/// the heap and an anonymous mapping.
pub fn smaps(asr: &Path, asr_kb: u64, vad: &Path) -> String {
    let (asr, vad) = (asr.display().to_string(), vad.display().to_string());
    [
        mapping("5555-5556", "r--p", 7, "/usr/bin/tccc", 800),
        mapping("5556-5557", "rw-p", 0, "[heap]", 90_000),
        mapping("7f00-7f10", "r--s", 11, &asr, asr_kb - 1_000),
        mapping("7f10-7f11", "r--p", 11, &asr, 1_000),
        mapping("7f20-7f21", "r--s", 12, &vad, 2_000),
        mapping(
            "7f30-7f31",
            "r-xp",
            13,
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
            3_000,
        ),
        mapping("7f40-7f41", "rw-p", 0, "", 4_000),
        mapping("7ffc-7ffd", "rw-p", 0, "[stack]", 132),
    ]
    .concat()
}

/// Audio handed out only as far as the test has released it: the capture thread waits at
/// the release point (sleeping, allocating nothing), so the test changes the heat between
/// phases while the pipeline is idle.
pub struct GatedSource {
    pub samples: std::sync::Arc<Vec<f32>>,
    pub released: std::sync::Arc<std::sync::atomic::AtomicU64>,
    pub fed: std::sync::Arc<std::sync::atomic::AtomicU64>,
    pub done: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl tccc::audio::source::AudioSource for GatedSource {
    fn sample_rate_hz(&self) -> u32 {
        16_000
    }

    fn is_live(&self) -> bool {
        false
    }

    fn read_mono(
        &mut self,
        out: &mut [f32],
    ) -> Result<tccc::audio::source::SourceRead, tccc::audio::AudioError> {
        loop {
            let fed = self.fed.load(std::sync::atomic::Ordering::Acquire) as usize;
            let released = self.released.load(std::sync::atomic::Ordering::Acquire) as usize;
            if fed < released {
                let n = out.len().min(released - fed);
                out[..n].copy_from_slice(&self.samples[fed..fed + n]);
                self.fed
                    .store((fed + n) as u64, std::sync::atomic::Ordering::Release);
                return Ok(tccc::audio::source::SourceRead::Frames(n));
            }
            if self.done.load(std::sync::atomic::Ordering::Acquire) {
                return Ok(tccc::audio::source::SourceRead::End);
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
}
