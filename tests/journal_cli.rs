//! The journal's commands end to end: keygen, a journaled transcript run, export, a wrong
//! or missing key, an altered byte in the middle of a segment file, purge.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_tccc");

const NARRATION: &str = "casualty one male gunshot wound left thigh
tourniquet left leg at zero nine fifteen
pulse one twenty respiratory rate twenty four
gave one gram txa iv at zero nine twenty
casualty two blast injury right arm
evac urgent";

fn tccc(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn work(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tccc-jcli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn keygen_process_export_and_purge() {
    let dir = work("cycle");
    let state = dir.join("state");
    let transcript = dir.join("n.txt");
    std::fs::write(&transcript, NARRATION).unwrap();

    // No key yet: a clear error that names the fix, exit code 2.
    let out = tccc(&[
        "process",
        "--transcript",
        s(&transcript),
        "--state",
        s(&state),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("tccc keygen --state"),
        "{}",
        text(&out.stderr)
    );

    let out = tccc(&["keygen", "--state", s(&state)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key = state.join("journal.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        tccc(&["keygen", "--state", s(&state)]).status.code(),
        Some(2)
    );

    let plain_json = dir.join("plain.json");
    let out = tccc(&[
        "process",
        "--transcript",
        s(&transcript),
        "--json",
        s(&plain_json),
    ]);
    assert!(out.status.success());
    let journaled_json = dir.join("journaled.json");
    let out = tccc(&[
        "process",
        "--transcript",
        s(&transcript),
        "--state",
        s(&state),
        "--json",
        s(&journaled_json),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let exported = dir.join("exported.json");
    let out = tccc(&[
        "export",
        "--state",
        s(&state),
        "--json",
        s(&exported),
        "--mist",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("MIST"));
    let plain = std::fs::read_to_string(&plain_json).unwrap();
    assert_eq!(std::fs::read_to_string(&journaled_json).unwrap(), plain);
    assert_eq!(std::fs::read_to_string(&exported).unwrap(), plain);
    // The journal is sealed: none of the narration's words is readable in it.
    for entry in std::fs::read_dir(&state).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!text(&bytes).contains("tourniquet"));
    }

    // Another key: a clear error naming --key, exit code 2.
    let other_key = dir.join("other.key");
    assert!(tccc(&["keygen", "--key", s(&other_key)]).status.success());
    let out = tccc(&["export", "--state", s(&state), "--key", s(&other_key)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--key"), "{}", text(&out.stderr));

    // Purge asks for --yes, then destroys the key and the journal files.
    assert_eq!(
        tccc(&["purge", "--state", s(&state)]).status.code(),
        Some(2)
    );
    // A plaintext export left in the state directory goes too.
    std::fs::write(state.join(tccc::journal::EXPORT_FILE_NAME), "{}").unwrap();
    let out = tccc(&["purge", "--state", s(&state), "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_dir(&state).unwrap().count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_record_in_the_middle_is_reported_and_the_later_ones_are_salvaged() {
    let dir = work("damage");
    let state = dir.join("state");
    let transcript = dir.join("n.txt");
    std::fs::write(&transcript, NARRATION).unwrap();
    assert!(tccc(&["keygen", "--state", s(&state)]).status.success());
    let out = tccc(&[
        "process",
        "--transcript",
        s(&transcript),
        "--state",
        s(&state),
    ]);
    assert!(out.status.success());
    let segment = state.join("segment-00000001.tj");
    let mut bytes = std::fs::read(&segment).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&segment, bytes).unwrap();
    let exported = dir.join("exported.json");
    let out = tccc(&["export", "--state", s(&state), "--json", s(&exported)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("corrupt") && stderr.contains("later records kept"),
        "{stderr}"
    );
    // The last utterance's fact (evac urgent) is after the damage and survives.
    let json = std::fs::read_to_string(&exported).unwrap();
    assert!(json.contains("\"urgent\""), "{json}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_recording_is_journaled_as_it_is_heard_and_a_second_run_resumes() {
    if !Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/whisper-tiny.en"
    ))
    .exists()
    {
        eprintln!(
            "test a_recording_is_journaled_as_it_is_heard_and_a_second_run_resumes ... skipped: no Whisper model (run models/fetch)"
        );
        return;
    }
    let dir = work("recording");
    let state = dir.join("state");
    let wav = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/audio/jfk.wav");
    assert!(tccc(&["keygen", "--state", s(&state)]).status.success());
    let first_json = dir.join("first.json");
    let out = tccc(&[
        "process",
        "--input",
        wav,
        "--state",
        s(&state),
        "--changes",
        "--json",
        s(&first_json),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ask what you can do for your country"));
    let exported = dir.join("exported.json");
    assert!(
        tccc(&["export", "--state", s(&state), "--json", s(&exported)])
            .status
            .success()
    );
    let first = std::fs::read_to_string(&first_json).unwrap();
    assert_eq!(std::fs::read_to_string(&exported).unwrap(), first);
    // A second run over the same recording finds every utterance journaled.
    let out = tccc(&["process", "--input", wav, "--state", s(&state)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("resumed from"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        tccc(&["export", "--state", s(&state), "--json", s(&exported)])
            .status
            .success()
    );
    assert_eq!(std::fs::read_to_string(&exported).unwrap(), first);
    let _ = std::fs::remove_dir_all(&dir);
}
