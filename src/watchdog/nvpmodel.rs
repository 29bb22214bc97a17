//! nvpmodel: the device's power modes, read by name from `nvpmodel -p --verbose`, the
//! current one from `nvpmodel -q`, and switches with `nvpmodel -m ID`. Mode ids differ
//! between L4T releases and boards, so tccc never hard-codes one. Every failure (cannot
//! run, non-zero exit, timeout, output that is not nvpmodel's) is an error that names the
//! command and what to do.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::limits::{
    NVPMODEL_MODES_MAX, NVPMODEL_MODE_NAME_BYTES_MAX, NVPMODEL_OUTPUT_BYTES_MAX,
    NVPMODEL_TIMEOUT_MS,
};

use super::WatchdogError;

/// A mode name as nvpmodel prints it.
pub type ModeName = heapless::String<NVPMODEL_MODE_NAME_BYTES_MAX>;

/// One power mode of the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerMode {
    /// nvpmodel's id for it on this device.
    pub id: u32,
    /// Its name (`MODE_15W_6CORE`, `MAXN`, `5W`).
    pub name: ModeName,
}

fn mode_name(text: &str) -> Option<ModeName> {
    let mut name = ModeName::new();
    name.push_str(text).ok()?;
    (!text.is_empty()).then_some(name)
}

/// Reads the modes from `nvpmodel -p --verbose` output: lines such as
/// `NVPM VERB: POWER_MODEL: ID=2 NAME=MODE_15W_6CORE`.
pub fn parse_modes(output: &str) -> Result<Vec<PowerMode>, String> {
    let mut modes = Vec::new();
    for line in output.lines() {
        let Some(rest) = line.split("POWER_MODEL:").nth(1) else {
            continue;
        };
        let mut id = None;
        let mut name = None;
        for word in rest.split_ascii_whitespace() {
            if let Some(v) = word.strip_prefix("ID=") {
                id = v.parse::<u32>().ok();
            } else if let Some(v) = word.strip_prefix("NAME=") {
                name = mode_name(v);
            }
        }
        let (Some(id), Some(name)) = (id, name) else {
            return Err(format!(
                "a POWER_MODEL line without ID= and NAME=: {line:?}"
            ));
        };
        if modes
            .iter()
            .any(|m: &PowerMode| m.id == id || m.name == name)
        {
            return Err(format!("mode {id} {name} listed twice"));
        }
        if modes.len() == NVPMODEL_MODES_MAX {
            return Err(format!("more than {NVPMODEL_MODES_MAX} modes"));
        }
        modes.push(PowerMode { id, name });
    }
    if modes.is_empty() {
        return Err("no POWER_MODEL lines (is this `nvpmodel -p --verbose` output?)".to_owned());
    }
    Ok(modes)
}

/// Reads the current mode from `nvpmodel -q` output: `NV Power Mode: NAME` then the id
/// on the next line (other lines, such as `NVPM VERB:` ones, are skipped).
pub fn parse_query(output: &str) -> Result<PowerMode, String> {
    let mut lines = output.lines().filter(|l| !l.starts_with("NVPM"));
    while let Some(line) = lines.next() {
        let Some(name) = line.trim().strip_prefix("NV Power Mode:") else {
            continue;
        };
        let name = mode_name(name.trim()).ok_or_else(|| format!("bad mode name in {line:?}"))?;
        let id = lines
            .next()
            .and_then(|l| l.trim().parse::<u32>().ok())
            .ok_or_else(|| format!("no mode id after {line:?}"))?;
        return Ok(PowerMode { id, name });
    }
    Err("no `NV Power Mode:` line (is this `nvpmodel -q` output?)".to_owned())
}

/// The nvpmodel executable.
#[derive(Debug, Clone)]
pub struct NvpModel {
    path: PathBuf,
}

impl NvpModel {
    /// nvpmodel at `path` (`/usr/sbin/nvpmodel` on the device).
    pub fn new(path: &Path) -> NvpModel {
        NvpModel {
            path: path.to_owned(),
        }
    }

    /// The executable's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs nvpmodel with `args`; its stdout on success.
    pub fn run(&self, args: &[&str]) -> Result<String, WatchdogError> {
        let command = format!("{} {}", self.path.display(), args.join(" "));
        let fail = |problem: String| WatchdogError::Nvpmodel {
            command: command.clone(),
            problem,
        };
        let mut child = Command::new(&self.path)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| fail(format!("cannot run it: {e}")))?;
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() < Duration::from_millis(NVPMODEL_TIMEOUT_MS) => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(fail(format!(
                        "no answer within {NVPMODEL_TIMEOUT_MS} ms; killed"
                    )));
                }
                Err(e) => return Err(fail(format!("cannot wait for it: {e}"))),
            }
        };
        let mut out = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            stdout
                .take(NVPMODEL_OUTPUT_BYTES_MAX as u64)
                .read_to_end(&mut out)
                .map_err(|e| fail(format!("cannot read its output: {e}")))?;
        }
        let mut err = Vec::new();
        if let Some(stderr) = child.stderr.take() {
            let _ = stderr.take(1024).read_to_end(&mut err);
        }
        if !status.success() {
            return Err(fail(format!(
                "{status}: {}",
                String::from_utf8_lossy(&err).trim()
            )));
        }
        String::from_utf8(out).map_err(|_| fail("its output is not UTF-8".to_owned()))
    }

    /// The device's modes (`nvpmodel -p --verbose`).
    pub fn modes(&self) -> Result<Vec<PowerMode>, WatchdogError> {
        let out = self.run(&["-p", "--verbose"])?;
        parse_modes(&out).map_err(|problem| WatchdogError::Nvpmodel {
            command: format!("{} -p --verbose", self.path.display()),
            problem,
        })
    }

    /// The current mode (`nvpmodel -q`).
    pub fn query(&self) -> Result<PowerMode, WatchdogError> {
        let out = self.run(&["-q"])?;
        parse_query(&out).map_err(|problem| WatchdogError::Nvpmodel {
            command: format!("{} -q", self.path.display()),
            problem,
        })
    }

    /// Switches to mode `id` (`nvpmodel -m ID`).
    pub fn set(&self, id: u32) -> Result<(), WatchdogError> {
        self.run(&["-m", &id.to_string()]).map(drop)
    }
}
