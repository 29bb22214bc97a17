//! `tccc soak` for 20 s on jfk.wav looped in real time: no drop, no allocation after
//! warm-up on any thread, memory flat, the watchdog thread cheap; its metrics file makes a
//! report and its summary file (the 24 h run's, README.md "Soak") gets a line every 5 s and
//! one at the end. The 5-minute run is `scripts/test`'s. Needs the models (skips without).
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
    let summary = dir.join("summary.txt");
    let jfk = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/jfk.wav");
    let out = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .args(["soak", "--duration", "20s", "--input"])
        .arg(&jfk)
        .arg("--metrics")
        .arg(&metrics)
        .arg("--summary")
        .arg(&summary)
        .args(["--summary-every", "5s"])
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
        "watchdog thread: ",
    ] {
        assert!(stdout.contains(expected), "{expected:?} not in {stdout}");
    }
    // A header, a line every 5 s of the 20 (the last may fall after the end), the verdict.
    let summary = std::fs::read_to_string(&summary).unwrap();
    let lines: Vec<&str> = summary.lines().collect();
    assert!(lines[0].starts_with("tccc soak "), "{summary}");
    assert!((5..=6).contains(&lines.len()), "{summary}");
    for line in &lines[1..] {
        for part in [
            "rss ",
            "MB/h",
            "allocations capture 0",
            "drops capture 0",
            " | temps ",
        ] {
            assert!(line.contains(part), "{part:?} not in {line}");
        }
    }
    let (last, periodic) = lines[1..].split_last().unwrap();
    assert!(
        periodic.iter().all(|l| l.ends_with("PASS so far")),
        "{summary}"
    );
    assert!(last.ends_with("PASS at the end"), "{summary}");
    assert!(last.contains("watchdog thread: "), "{summary}");
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
