//! `tccc soak` for 20 s on jfk.wav looped in real time: no drop, no allocation after
//! warm-up on any thread, memory flat; its metrics file makes a report. The 24 h run is
//! documented in README.md ("Soak"). Needs the models (skips without them).
#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn a_short_soak_passes_and_its_metrics_make_a_report() {
    if !tccc::config::Config::default()
        .asr_model_dir()
        .is_ok_and(|dir| dir.is_dir())
    {
        eprintln!("skipped: no Whisper model; run models/fetch");
        return;
    }
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("soak");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let metrics = dir.join("metrics.jsonl");
    let jfk = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/jfk.wav");
    let out = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .args(["soak", "--duration", "20s", "--input"])
        .arg(&jfk)
        .arg("--metrics")
        .arg(&metrics)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "soak: PASS",
        "drops: capture 0 xruns 0 segments 0 transcripts 0 notices 0",
        "capture 0 frontend 0 asr 0 inference-worker 0",
        "MB/h",
    ] {
        assert!(stdout.contains(expected), "{expected:?} not in {stdout}");
    }
    let samples = std::fs::read_to_string(&metrics).unwrap().lines().count();
    assert!((15..=25).contains(&samples), "{samples} samples in 20 s");
    let report = dir.join("report.html");
    let made = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .args(["report", "--metrics"])
        .arg(&metrics)
        .arg("--out")
        .arg(&report)
        .output()
        .unwrap();
    assert!(made.status.success());
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<h2>Memory</h2>") && html.contains("<h2>End-of-speech latency</h2>"));
}
