//! The `tccc` command as a user meets it: output formats, exit codes, and error messages
//! that name the file and the problem.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;

fn tccc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tccc"))
        .args(args)
        .output()
        .unwrap()
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/vad/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn segments_json_lines_have_the_documented_fields() {
    let output = tccc(&["segments", "--input", &fixture("narration.wav"), "--json"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    let segment = &lines[0];
    let (start, end, prob) = (
        segment["start_s"].as_f64().unwrap(),
        segment["end_s"].as_f64().unwrap(),
        segment["max_prob"].as_f64().unwrap(),
    );
    assert!(start < end && (0.0..=1.0).contains(&prob));
    assert_eq!(segment.as_object().unwrap().len(), 3);
}

#[test]
fn raw_stdin_gives_the_same_segments_as_the_wav_file() {
    let (samples, _) =
        tccc::audio::wav::read_wav_mono(std::path::Path::new(&fixture("narration.wav"))).unwrap();
    let raw: Vec<u8> = samples
        .iter()
        .flat_map(|s| ((s * 32768.0).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes())
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .args(["segments", "--input", "-", "--rate", "16000", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&raw).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let from_file = tccc(&["segments", "--input", &fixture("narration.wav"), "--json"]);
    assert_eq!(output.stdout, from_file.stdout);
}

#[test]
fn bad_input_exits_2_and_names_the_file_and_the_problem() {
    let dir = scratch("cli-errors");
    let corrupt = dir.join("corrupt.wav");
    std::fs::write(&corrupt, b"RIFF\x10\0\0\0WAVEjunk").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "segments".into(),
                "--input".into(),
                corrupt.display().to_string(),
            ],
            "corrupt.wav",
        ),
        (
            vec![
                "segments".into(),
                "--input".into(),
                "/nonexistent/x.wav".into(),
            ],
            "/nonexistent/x.wav",
        ),
        (
            vec!["segments".into(), "--input".into(), "-".into()],
            "--rate",
        ),
        (
            vec!["segments".into(), "--inptu".into(), "x".into()],
            "--inptu",
        ),
        (
            vec![
                "segments".into(),
                "--input".into(),
                fixture("narration.wav"),
                "--config".into(),
                "/nonexistent.toml".into(),
            ],
            "/nonexistent.toml",
        ),
        (vec!["frobnicate".into()], "frobnicate"),
    ];
    for (args, named) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = tccc(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(named),
            "{args:?}: message does not name `{named}`: {stderr}"
        );
    }
}

#[test]
fn a_config_with_an_unknown_key_is_refused_by_name() {
    let dir = scratch("cli-config");
    let config = dir.join("tccc.toml");
    std::fs::write(&config, "[vad]\nthreshhold = 0.4\n").unwrap();
    let output = tccc(&[
        "segments",
        "--input",
        &fixture("narration.wav"),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("threshhold") && stderr.contains("tccc.toml"),
        "{stderr}"
    );
}

#[test]
fn the_printed_default_configuration_loads() {
    let output = tccc(&["config"]);
    assert!(output.status.success());
    let dir = scratch("cli-default-config");
    let path = dir.join("default.toml");
    std::fs::write(&path, &output.stdout).unwrap();
    tccc::config::Config::load(&path).unwrap();
}
