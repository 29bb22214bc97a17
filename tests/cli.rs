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

#[test]
fn help_and_version_exit_0_on_standard_output() {
    let version = tccc(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    let text = String::from_utf8(version.stdout).unwrap();
    assert!(
        text.contains(env!("CARGO_PKG_VERSION")) && text.contains("git "),
        "{text}"
    );
    let mut commands = vec![vec!["--help".to_owned()], vec!["help".to_owned()]];
    for sub in tccc::cli::command().get_subcommands() {
        commands.push(vec![sub.get_name().to_owned(), "--help".to_owned()]);
        for inner in sub.get_subcommands() {
            commands.push(vec![
                sub.get_name().to_owned(),
                inner.get_name().to_owned(),
                "--help".to_owned(),
            ]);
        }
    }
    for args in commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = tccc(&args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(
            String::from_utf8(output.stdout).unwrap().contains("Usage:"),
            "{args:?}"
        );
    }
}

#[test]
fn usage_errors_name_the_flag_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["process", "--transcript", "x.txt", "--json"], "--json"),
        (&["process"], "--transcript"),
        (&["transcribe", "--input", "a.wav", "--beam", "0"], "--beam"),
        (
            &["segments", "--alsa", "default", "--seconds=0"],
            "--seconds",
        ),
        (&["bench", "frontend", "--seconds", "NaN"], "--seconds"),
        (
            &["segments", "--input", "a.wav", "--alsa", "default"],
            "--alsa",
        ),
    ];
    for (args, named) in cases {
        let output = tccc(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(named), "{args:?}: {stderr}");
    }
}

#[test]
fn a_path_that_is_not_utf8_is_still_a_path() {
    use std::os::unix::ffi::OsStrExt;
    let dir = scratch("cli-non-utf8");
    let name = std::ffi::OsStr::from_bytes(b"casualty-\xff.txt");
    let path = dir.join(name);
    std::fs::write(&path, "Casualty one, pulse 80.\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .arg("process")
        .arg("--transcript")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("80"));
    // A missing file with such a name is an error naming it, not a panic.
    let missing = dir.join(std::ffi::OsStr::from_bytes(b"gone-\xfe.wav"));
    let output = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .arg("segments")
        .arg("--input")
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("gone-"));
}

#[test]
fn completions_and_man_page_come_from_the_same_definition() {
    for shell in ["bash", "zsh", "fish"] {
        let output = tccc(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(
            script.contains("transcribe") && script.contains("nine-line"),
            "{shell}"
        );
    }
    let output = tccc(&["man"]);
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(
        page.contains(".TH tccc 1") && page.contains("process"),
        "{page}"
    );
}

/// The README's command table: each `tccc …` entry (with its continuation lines) and the
/// command path it names.
fn readme_commands() -> Vec<(Vec<String>, String)> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme.split("## Commands").nth(1).unwrap();
    let block = section.split("```").nth(1).unwrap();
    let mut entries: Vec<String> = Vec::new();
    for line in block.lines() {
        if line.starts_with("tccc ") {
            entries.push(line.to_owned());
        } else if let Some(last) = entries.last_mut() {
            last.push(' ');
            last.push_str(line.trim());
        }
    }
    let root = tccc::cli::command();
    entries
        .into_iter()
        .map(|entry| {
            let mut path = Vec::new();
            let mut command = &root;
            for word in entry.split_whitespace().skip(1) {
                match command.find_subcommand(word) {
                    Some(sub) => {
                        path.push(word.to_owned());
                        command = sub;
                    }
                    None => break,
                }
            }
            assert!(!path.is_empty(), "README names no known command: {entry}");
            (path, entry)
        })
        .collect()
}

fn long_flags(entry: &str) -> Vec<String> {
    entry
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .map(|word| word.trim_start_matches("--").to_owned())
        .collect()
}

#[test]
fn the_readme_command_table_matches_the_command_line() {
    let root = tccc::cli::command();
    let entries = readme_commands();
    // Every flag the README shows exists on that command.
    for (path, entry) in &entries {
        let mut command = &root;
        for name in path {
            command = command.find_subcommand(name).unwrap();
        }
        let known: Vec<&str> = command
            .get_arguments()
            .filter_map(|a| a.get_long())
            .collect();
        for flag in long_flags(entry) {
            assert!(
                known.contains(&flag.as_str()),
                "README shows --{flag} for `tccc {}`, which has no such option (it has {known:?})",
                path.join(" ")
            );
        }
    }
    // Every command and every option (but --config, documented once for all) is shown.
    let mut leaves: Vec<(Vec<String>, &clap::Command)> = Vec::new();
    for sub in root.get_subcommands().filter(|s| s.get_name() != "help") {
        if sub.has_subcommands() {
            for inner in sub.get_subcommands().filter(|s| s.get_name() != "help") {
                leaves.push((
                    vec![sub.get_name().to_owned(), inner.get_name().to_owned()],
                    inner,
                ));
            }
        } else {
            leaves.push((vec![sub.get_name().to_owned()], sub));
        }
    }
    for (path, command) in leaves {
        let shown: Vec<String> = entries
            .iter()
            .filter(|(p, _)| *p == path)
            .flat_map(|(_, entry)| long_flags(entry))
            .collect();
        assert!(
            entries.iter().any(|(p, _)| *p == path),
            "README's command table lacks `tccc {}`",
            path.join(" ")
        );
        for arg in command.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if ["help", "version", "config"].contains(&long) {
                continue;
            }
            assert!(
                shown.iter().any(|flag| flag == long),
                "README's command table does not show --{long} of `tccc {}`",
                path.join(" ")
            );
        }
    }
}

#[test]
fn a_timed_transcript_runs_the_advisor_clock_to_its_last_line_even_when_it_filed_nothing() {
    let dir = std::env::temp_dir().join(format!("tccc-cli-night-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("night.txt");
    std::fs::write(
        &path,
        "23:04 | Casualty one, frag to the left thigh, tourniquet left leg twenty-two forty.\n\
         01:00 | Bird is thirty minutes out.\n",
    )
    .unwrap();
    let output = tccc(&["process", "--transcript", path.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let alerts: Vec<&str> = text.lines().filter(|l| l.starts_with("! ")).collect();
    assert!(
        alerts
            .iter()
            .any(|l| l.starts_with("! 00:40:00 casualty 1") && l.contains("tq-convert-2h")),
        "{alerts:#?}"
    );
    // The clock stops at the last line: the 6 h limit (04:40) is not reached.
    assert!(
        !alerts.iter().any(|l| l.contains("tq-limit-6h")),
        "{alerts:#?}"
    );
}
