//! `kill -9` of a real `tccc process --transcript … --state DIR --changes` at random
//! instants. After each kill the journal is read back: its events must be a prefix of an
//! unkilled run's events (nothing that was not heard, nothing corrupt) holding at least
//! every change printed before the kill (printed ⇒ durable); every tenth trial the run is
//! resumed and must end with the unkilled run's record, and `tccc export --json` must
//! equal the unkilled run's `--json`.
//!
//! `cargo test --test journal_kill` runs 100 trials; the bench of 1000 is
//! `TCCC_KILL_TRIALS=1000 cargo test --test journal_kill -- --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tccc::cli::process::extract_transcript;
use tccc::journal::{self, JournalKey};
use tccc::record::Event;

const NARRATION: &str = "casualty one male gunshot wound left thigh
tourniquet left leg at zero nine fifteen
pulse one twenty respiratory rate twenty four
correction pulse one thirty
gave one gram txa iv at zero nine twenty
blood pressure ninety over sixty
casualty two blast injury right arm
evac urgent
needle decompression right chest
casualty one avpu voice
casualty two pulse one hundred
gave ketamine fifty milligrams im";

const BIN: &str = env!("CARGO_BIN_EXE_tccc");

fn utterance_of(event: &Event) -> u32 {
    event.provenance().utterance
}

fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn process(transcript: &Path, state: &Path, json: Option<&Path>) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("process")
        .arg("--transcript")
        .arg(transcript)
        .arg("--state")
        .arg(state)
        .args(["--changes", "--pace-ms", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(json) = json {
        command.arg("--json").arg(json);
    }
    command
}

fn events_in(state: &Path) -> Vec<Event> {
    let key = JournalKey::load(&state.join("journal.key")).unwrap();
    let storage = journal::dir_storage(state).unwrap();
    journal::read_state(&storage, &key)
        .unwrap()
        .log
        .events()
        .to_vec()
}

#[test]
fn kill_9_at_random_instants_loses_no_printed_change_and_resumes_to_the_same_record() {
    let trials: usize = std::env::var("TCCC_KILL_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let work: PathBuf = std::env::temp_dir().join(format!("tccc-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let transcript = work.join("narration.txt");
    std::fs::write(&transcript, NARRATION).unwrap();

    // The unkilled run.
    let (extractor, _) = extract_transcript(NARRATION).unwrap();
    let expected = extractor.events().to_vec();
    let reference_state = work.join("reference");
    std::fs::create_dir_all(&reference_state).unwrap();
    JournalKey::create_file(&reference_state.join("journal.key")).unwrap();
    let reference_json = work.join("reference.json");
    let status = process(&transcript, &reference_state, Some(&reference_json))
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(events_in(&reference_state), expected);
    let reference_json = std::fs::read_to_string(&reference_json).unwrap();

    let started = Instant::now();
    let mut random = 0x9e37_79b9_7f4a_7c15u64;
    let mut killed_mid_run = 0;
    let mut printed_total = 0;
    for trial in 0..trials {
        let state = work.join(format!("state-{trial}"));
        std::fs::create_dir_all(&state).unwrap();
        JournalKey::create_file(&state.join("journal.key")).unwrap();
        let mut child = process(&transcript, &state, None).spawn().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let delay_us = next_random(&mut random) % 45_000;
        std::thread::sleep(Duration::from_micros(delay_us));
        let _ = child.kill();
        let status = child.wait().unwrap();
        killed_mid_run += usize::from(!status.success());
        let printed = reader.join().unwrap();
        // Lines whose changes were printed: every event of them was durable then.
        let acknowledged_lines: Vec<u32> = printed
            .lines()
            .filter_map(|l| l.strip_prefix("line ")?.split(':').next()?.parse().ok())
            .collect();
        printed_total += acknowledged_lines.len();
        let acknowledged_events = expected
            .iter()
            .filter(|e| acknowledged_lines.contains(&(utterance_of(e) + 1)))
            .count();
        let events = events_in(&state);
        assert!(
            events.len() <= expected.len() && events[..] == expected[..events.len()],
            "trial {trial}: the journal holds events an unkilled run does not"
        );
        assert!(
            events.len() >= acknowledged_events,
            "trial {trial}: {} event(s) printed, {} in the journal",
            acknowledged_events,
            events.len()
        );
        if trial % 10 == 0 {
            let status = process(&transcript, &state, None)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "trial {trial}: the resumed run failed");
            assert_eq!(
                events_in(&state),
                expected,
                "trial {trial}: resumed run differs"
            );
            let exported = state.join("export.json");
            let status = Command::new(BIN)
                .arg("export")
                .arg("--state")
                .arg(&state)
                .arg("--json")
                .arg(&exported)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
            assert_eq!(std::fs::read_to_string(&exported).unwrap(), reference_json);
        }
        let _ = std::fs::remove_dir_all(&state);
    }
    eprintln!(
        "{trials} kills ({killed_mid_run} mid-run, {printed_total} change blocks printed before them) in {:.1} s: 0 losses",
        started.elapsed().as_secs_f64()
    );
    assert!(killed_mid_run * 2 >= trials, "most kills must land mid-run");
    let _ = std::fs::remove_dir_all(&work);
}
