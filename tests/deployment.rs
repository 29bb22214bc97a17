//! The deployment files of `kernel-config/`: the systemd unit passes `systemd-analyze
//! verify` (where systemd-analyze exists; elsewhere the test says why it skips on stderr)
//! and keeps the settings real-time capture needs; the udev rules give the console and the
//! headset their stable names; the unit starts the service the way the README says.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

const UNIT: &str = include_str!("../kernel-config/tccc.service");
const RULES: &str = include_str!("../kernel-config/99-tccc.rules");
const INSTALLED_BINARY: &str = "/usr/local/bin/tccc";

fn has_line(text: &str, line: &str) -> bool {
    text.lines().any(|l| l.trim() == line)
}

#[test]
fn the_unit_passes_systemd_analyze_verify() {
    let found = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        let _ = writeln!(
            std::io::stderr(),
            "test the_unit_passes_systemd_analyze_verify ... skipped: no systemd-analyze \
             (install systemd; .ci/run's machine has it)"
        );
        return;
    }
    // The binary is not installed here: the unit is checked with the one cargo built in
    // its place (verify requires ExecStart's program to exist), nothing else changed.
    assert!(UNIT.contains(INSTALLED_BINARY));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deployment");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let unit = dir.join("tccc.service");
    std::fs::write(
        &unit,
        UNIT.replace(INSTALLED_BINARY, env!("CARGO_BIN_EXE_tccc")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&unit)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "systemd-analyze verify: {stderr}");
    // Warnings (an unknown key, a bad value) do not fail verify: none may mention the unit.
    assert!(
        !stderr.lines().any(|l| l.contains("tccc.service")),
        "systemd-analyze verify warned: {stderr}"
    );
}

#[test]
fn the_unit_keeps_what_real_time_capture_and_the_watchdog_need() {
    for line in [
        "Type=notify",
        "RestrictRealtime=false",
        "LimitRTPRIO=90",
        "LimitMEMLOCK=infinity",
        "DevicePolicy=closed",
        "DeviceAllow=char-alsa rw",
        "DeviceAllow=/dev/ttyTHS0 rw",
        "StateDirectory=tccc",
        "Restart=always",
    ] {
        assert!(has_line(UNIT, line), "the unit lost `{line}`");
    }
    let watchdog_s: u64 = UNIT
        .lines()
        .find_map(|l| l.trim().strip_prefix("WatchdogSec="))
        .unwrap()
        .parse()
        .unwrap();
    // Pings go out every half interval; a stage's window is independent of it, but the
    // service must be able to ping at least twice within one.
    assert!(watchdog_s >= 2, "WatchdogSec={watchdog_s}");
    let exec = UNIT
        .lines()
        .find_map(|l| l.trim().strip_prefix("ExecStart="))
        .unwrap();
    for part in [
        " run ",
        "--state /var/lib/tccc",
        "--console /dev/tccc-console",
    ] {
        assert!(exec.contains(part), "ExecStart lacks `{part}`: {exec}");
    }
}

#[test]
fn the_udev_rules_name_the_console_and_the_headset() {
    assert!(RULES.contains("SYMLINK+=\"tccc-console\""));
    assert!(RULES.contains("ATTR{id}=\"tcccheadset\""));
    for rule in RULES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        // Every rule matches on something and assigns something.
        assert!(rule.contains("=="), "no match key: {rule}");
        assert!(
            rule.split(", ")
                .any(|part| part.contains("+=") || (part.contains('=') && !part.contains("=="))),
            "nothing assigned: {rule}"
        );
        assert_eq!(
            rule.matches('"').count() % 2,
            0,
            "unbalanced quotes: {rule}"
        );
    }
}
