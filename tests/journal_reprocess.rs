//! `tccc reprocess --all` on a real journal: the journaled audio heard again, the narration
//! read afresh, and what changed reported and filed without overriding the medic: a fact
//! the medic confirmed or rejected keeps its verdict when the second hearing yields it
//! again, a different value is proposed beside the journaled one (unconfirmed), a new fact
//! is filed unconfirmed, a fact the second hearing lacks stays on the card; everything is
//! durable before it is printed, and a reprocess killed at any instant and run again ends
//! with the record an unkilled one makes.
//!
//! The field run is written through the journal as `tccc process --input --state` writes
//! it (the segment's audio, then its utterance and events, then the medic's verdicts),
//! with a field hearing that differs from what the audio says: the blood pressure misheard, the
//! TXA line lost, an allergy nobody said.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{scratch, tccc_ok};
use tccc::extract::lexicon::LEXICON_VERSION;
use tccc::extract::{Extractor, ExtractorConfig};
use tccc::journal::codec::{self, Kind, UtteranceRecord};
use tccc::journal::storage::DirStorage;
use tccc::journal::{self, JournalKey, WriterTiming};
use tccc::limits::PIPELINE_RATE_HZ;
use tccc::record::{Doubt, Event, Fact, FactId, LiveFact, Provenance, VitalValue};

const NARRATION: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/demo/narration.wav");

/// What the field recogniser journaled for each speech segment of the narration, which
/// says "Casualty one, male, gunshot wound to the left thigh. / Tourniquet on the left leg
/// at fourteen thirty two. / Pulse one twenty, blood pressure one hundred over sixty. / TXA
/// one gram IV at fourteen forty. / Evac category urgent.": the pressure misheard, the
/// TXA line lost, an allergy nobody said.
const FIELD_HEARING: [&str; 5] = [
    "Casualty one, male, gunshot wound to the left thigh.",
    "Tourniquet on the left leg at fourteen thirty two.",
    "Blood pressure ninety over sixty.",
    "Roger.",
    "Evac category urgent. Allergic to penicillin.",
];

fn has_model(name: &str) -> bool {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(name)
        .exists()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn key_of(state: &Path) -> JournalKey {
    JournalKey::load(&state.join("journal.key")).unwrap()
}

fn read_state(state: &Path) -> journal::State {
    journal::read_state(&DirStorage::new(state).unwrap(), &key_of(state)).unwrap()
}

/// A console verdict's provenance (as the console journals one).
fn console(utterance: u32) -> Provenance {
    Provenance {
        utterance,
        char_start: 0,
        char_end: 0,
        heard_start_s: 0.0,
        heard_end_s: 0.0,
        confidence: 1.0,
        doubt: None,
        lexicon: "",
    }
}

fn append_event(journal: &mut journal::Journal, event: &Event) -> u64 {
    let mut payload = Vec::new();
    codec::encode_event(event, &mut payload);
    journal.append(Kind::Event as u8, payload).unwrap()
}

fn find(facts: &[LiveFact], want: impl Fn(&Fact) -> bool) -> FactId {
    facts
        .iter()
        .find(|f| want(&f.fact))
        .unwrap_or_else(|| panic!("no such fact in {facts:?}"))
        .id
}

fn is_pressure(fact: &Fact, systolic_mmhg: u16) -> bool {
    matches!(fact, Fact::Vital { value: VitalValue::BloodPressure { systolic, .. }, .. } if *systolic == systolic_mmhg)
}

fn is_tourniquet(fact: &Fact) -> bool {
    matches!(fact, Fact::Tourniquet { .. })
}

fn is_evac(fact: &Fact) -> bool {
    matches!(fact, Fact::Evac(_))
}

fn is_allergy(fact: &Fact) -> bool {
    matches!(fact, Fact::Allergy(a) if a.contains("penicillin"))
}

fn is_txa(fact: &Fact) -> bool {
    matches!(fact, Fact::Medication { name, .. } if name.contains("tranexamic") || name.contains("txa"))
}

/// The field run: keygen, each speech segment's audio journaled before recognition, the
/// field hearing and its events, then the medic's verdicts: the tourniquet and the
/// (misheard) blood pressure confirmed, the sex rejected.
struct Field {
    pressure: FactId,
    tourniquet: FactId,
    sex: FactId,
    evac: FactId,
    allergy: FactId,
}

/// The narration's speech segments, as `tccc segments` finds them (seconds).
fn segments() -> Vec<(f64, f64)> {
    let out = tccc_ok(&[
        "segments".as_ref(),
        "--input".as_ref(),
        NARRATION.as_ref(),
        "--json".as_ref(),
    ]);
    text(&out.stdout)
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            (v["start_s"].as_f64().unwrap(), v["end_s"].as_f64().unwrap())
        })
        .collect()
}

fn field_run(state: &Path) -> Field {
    tccc_ok(&["keygen".as_ref(), "--state".as_ref(), state.as_os_str()]);
    let (samples, format) = tccc::audio::wav::read_wav_mono(Path::new(NARRATION)).unwrap();
    assert_eq!(format.sample_rate_hz, PIPELINE_RATE_HZ);
    let segments = segments();
    assert_eq!(segments.len(), FIELD_HEARING.len(), "{segments:?}");
    let (mut journal, _) = journal::open(
        Box::new(DirStorage::new(state).unwrap()),
        &key_of(state),
        WriterTiming::default(),
    )
    .unwrap();
    let mut audio = journal.take_audio().unwrap();
    let mut extractor = Extractor::new(ExtractorConfig::default());
    let rate = f64::from(PIPELINE_RATE_HZ);
    for (index, (&(start_s, end_s), hearing)) in segments.iter().zip(FIELD_HEARING).enumerate() {
        let span =
            &samples[(start_s * rate) as usize..((end_s * rate) as usize).min(samples.len())];
        let audio_seq = audio
            .offer(index as u64, start_s, PIPELINE_RATE_HZ, span)
            .unwrap();
        assert!(journal.wait_durable(audio_seq + 1, Duration::from_secs(10)));
        let mut payload = Vec::new();
        codec::encode_utterance(
            &UtteranceRecord {
                index: index as u32,
                start_s,
                end_s,
                text: hearing.to_owned(),
                words: Vec::new(),
                model: "field-model".to_owned(),
                lexicon: LEXICON_VERSION.to_owned(),
                audio_seq: Some(audio_seq),
                rehearing_of: None,
            },
            &mut payload,
        );
        journal.append(Kind::Utterance as u8, payload).unwrap();
        let before = extractor.events().len();
        extractor
            .push_utterance(index as u32, hearing, start_s, end_s)
            .unwrap();
        for event in &extractor.events()[before..] {
            append_event(&mut journal, event);
        }
    }
    let live = extractor.live_facts().to_vec();
    let field = Field {
        pressure: find(&live, |f| is_pressure(f, 90)),
        tourniquet: find(&live, is_tourniquet),
        sex: find(&live, |f| matches!(f, Fact::Sex(_))),
        evac: find(&live, is_evac),
        allergy: find(&live, is_allergy),
    };
    assert!(
        !live.iter().any(|f| is_txa(&f.fact)),
        "the field hearing has no TXA: {live:?}"
    );
    let last = (FIELD_HEARING.len() - 1) as u32;
    for event in [
        Event::Confirmed {
            id: field.tourniquet,
            provenance: console(last),
        },
        Event::Confirmed {
            id: field.pressure,
            provenance: console(last),
        },
        Event::Rejected {
            id: field.sex,
            provenance: console(last),
        },
    ] {
        let seq = append_event(&mut journal, &event);
        assert!(journal.wait_durable(seq + 1, Duration::from_secs(10)));
    }
    journal.close(Duration::from_secs(10)).unwrap();
    field
}

fn reprocess_all(state: &Path) -> std::process::Output {
    tccc_ok(&[
        "reprocess".as_ref(),
        "--state".as_ref(),
        state.as_os_str(),
        "--all".as_ref(),
    ])
}

/// What the card shows: each fact with its casualty and trust mark, in order.
fn card(state: &journal::State) -> Vec<(u8, Fact, bool)> {
    state
        .log
        .live_facts()
        .into_iter()
        .map(|f| (f.casualty, f.fact, f.unconfirmed))
        .collect()
}

/// The journal read again as `tccc run` restores it gives its own events back (fact ids
/// and verdicts where they were).
fn assert_replays(state: &journal::State) {
    let mut extractor = Extractor::new(ExtractorConfig::default());
    tccc::analysis::replay_utterances(&mut extractor, state);
    assert_eq!(extractor.events(), state.log.events());
}

fn copy_state(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn reprocess_all_reports_what_changed_and_keeps_the_medics_verdicts() {
    if !has_model("whisper-tiny.en") {
        eprintln!("test reprocess_all_reports_what_changed_and_keeps_the_medics_verdicts ... skipped: no Whisper model (run models/fetch)");
        return;
    }
    let dir = scratch("journal-reprocess-all");
    let state_dir = dir.join("state");
    let field = field_run(&state_dir);
    let before = read_state(&state_dir);
    let events_before = before.log.events().len();

    let out = reprocess_all(&state_dir);
    let printed = text(&out.stdout);
    println!("{printed}{}", text(&out.stderr));
    let lines: Vec<&str> = printed.lines().collect();
    let line = |prefix: &str, needle: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(prefix) && l.to_lowercase().contains(needle))
            .copied()
    };
    // The misheard pressure (confirmed in the field): 100/60 proposed beside it.
    let changed = line("~", "blood pressure").expect("the pressure reported changed");
    assert!(
        changed.contains("90/60 (confirmed) -> blood pressure 100/60"),
        "{changed}"
    );
    assert!(changed.contains("unconfirmed"), "{changed}");
    // The lost TXA line: filed anew, unconfirmed.
    let added = line("+", "txa").expect("TXA reported new");
    assert!(added.contains("unconfirmed"), "{added}");
    // The allergy nobody said, and the evacuation category the field model heard: reported,
    // kept.
    for missing in ["penicillin", "evac"] {
        let missing = line("?", missing).expect("reported not heard again");
        assert!(missing.contains("kept"), "{missing}");
    }
    // Confirmed and rejected facts heard again: kept as they stand, not filed again.
    let kept = line("=", "tourniquet").expect("the tourniquet kept");
    assert!(kept.contains("(confirmed)"), "{kept}");
    let kept = line("=", "sex").expect("the sex kept");
    assert!(kept.contains("(rejected)"), "{kept}");
    assert!(
        text(&out.stderr).contains("1 changed and 1 new"),
        "{}",
        text(&out.stderr)
    );

    let after = read_state(&state_dir);
    // Nothing was rewritten: the journal's events before are the events after's prefix.
    assert_eq!(after.log.events()[..events_before], *before.log.events());
    let new_events = &after.log.events()[events_before..];
    assert_eq!(new_events.len(), 2, "{new_events:?}");
    for event in new_events {
        let Event::Asserted { provenance, .. } = event else {
            panic!("reprocess journaled something other than a proposal: {event:?}");
        };
        assert_eq!(provenance.doubt, Some(Doubt::Reprocessed));
    }
    // The second hearings are journaled, linked to their utterance and audio.
    let rehearings: Vec<&UtteranceRecord> = after
        .utterances
        .iter()
        .filter(|u| u.rehearing_of.is_some())
        .collect();
    assert_eq!(rehearings.len(), 2, "{rehearings:?}");
    for rehearing in &rehearings {
        let first = &before.utterances[rehearing.rehearing_of.unwrap() as usize];
        assert_eq!(rehearing.audio_seq, first.audio_seq);
        assert_eq!(rehearing.model, "whisper-tiny.en");
    }

    // The card: the medic's verdicts stand, the proposals are marked.
    let live = after.log.live_facts();
    let by_id: HashMap<FactId, &LiveFact> = live.iter().map(|f| (f.id, f)).collect();
    assert!(
        !by_id[&field.pressure].unconfirmed,
        "the confirmed pressure stays confirmed"
    );
    assert!(!by_id[&field.tourniquet].unconfirmed);
    assert!(
        !by_id.contains_key(&field.sex),
        "the rejected sex stays rejected"
    );
    assert!(
        by_id.contains_key(&field.allergy),
        "nothing is taken off the card"
    );
    assert!(
        by_id.contains_key(&field.evac),
        "nothing is taken off the card"
    );
    let proposed: Vec<&LiveFact> = live
        .iter()
        .filter(|f| f.provenance.doubt == Some(Doubt::Reprocessed))
        .collect();
    assert_eq!(proposed.len(), 2, "{proposed:?}");
    assert!(proposed.iter().all(|f| f.unconfirmed));
    assert!(proposed.iter().any(|f| is_pressure(&f.fact, 100)));
    assert!(proposed.iter().any(|f| is_txa(&f.fact)));
    // The export shows the utterances heard in the field, not the second hearings.
    let json = dir.join("record.json");
    tccc_ok(&[
        "export".as_ref(),
        "--state".as_ref(),
        state_dir.as_os_str(),
        "--json".as_ref(),
        json.as_os_str(),
    ]);
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(
        document["utterances"].as_array().unwrap().len(),
        FIELD_HEARING.len()
    );
    // `tccc run` restores the same record from it.
    assert_replays(&after);

    // Again: the proposals are in the record now, nothing new is filed.
    let out = reprocess_all(&state_dir);
    let printed = text(&out.stdout);
    assert!(
        !printed
            .lines()
            .any(|l| l.starts_with('~') || l.starts_with('+')),
        "{printed}"
    );
    let again = read_state(&state_dir);
    assert_eq!(again.log.events(), after.log.events());

    // The medic settles it: the new pressure confirmed, the old rejected; a later
    // reprocess keeps both verdicts.
    let new_pressure = proposed
        .iter()
        .find(|f| is_pressure(&f.fact, 100))
        .unwrap()
        .id;
    {
        let (mut journal, _) = journal::open(
            Box::new(DirStorage::new(&state_dir).unwrap()),
            &key_of(&state_dir),
            WriterTiming::default(),
        )
        .unwrap();
        let utterance = again.utterances.last().unwrap().index;
        append_event(
            &mut journal,
            &Event::Confirmed {
                id: new_pressure,
                provenance: console(utterance),
            },
        );
        append_event(
            &mut journal,
            &Event::Rejected {
                id: field.pressure,
                provenance: console(utterance),
            },
        );
        journal.close(Duration::from_secs(10)).unwrap();
    }
    let out = reprocess_all(&state_dir);
    let printed = text(&out.stdout);
    assert!(
        !printed
            .lines()
            .any(|l| l.starts_with('~') || l.starts_with('+')),
        "{printed}"
    );
    let settled = read_state(&state_dir);
    let live = settled.log.live_facts();
    assert!(live.iter().any(|f| f.id == new_pressure && !f.unconfirmed));
    assert!(!live.iter().any(|f| f.id == field.pressure));
    assert_replays(&settled);
    let _ = std::fs::remove_dir_all(&dir);
}

/// When to kill a run, from the journal it has written so far and the time since it began.
type KillWhen = dyn Fn(&journal::State, Duration) -> bool;

/// Runs `reprocess --all` on `state` and kills it with SIGKILL when `kill_when` says so
/// (polled on the journal as the run writes it); returns what it printed before.
fn reprocess_killed(state: &Path, kill_when: impl Fn(&journal::State, Duration) -> bool) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .args(["reprocess", "--all", "--state"])
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(300);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if let Ok(now) = journal::read_state(&DirStorage::new(state).unwrap(), &key_of(state)) {
            if kill_when(&now, start.elapsed()) {
                let _ = child.kill();
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let _ = child.wait();
    let mut printed = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    printed
}

#[test]
fn a_reprocess_killed_at_any_instant_prints_only_what_is_saved_and_resumes_to_the_same_record() {
    if !has_model("whisper-tiny.en") {
        eprintln!("test a_reprocess_killed_at_any_instant_prints_only_what_is_saved_and_resumes_to_the_same_record ... skipped: no Whisper model (run models/fetch)");
        return;
    }
    let dir = scratch("journal-reprocess-kill");
    let field_state = dir.join("field");
    field_run(&field_state);
    let records_before = read_state(&field_state).next_seq;
    // The unkilled reference.
    let reference_dir = dir.join("reference");
    copy_state(&field_state, &reference_dir);
    let started = Instant::now();
    reprocess_all(&reference_dir);
    let unkilled_for = started.elapsed();
    let reference_state = read_state(&reference_dir);
    let reference = card(&reference_state);
    let reference_records = reference_state.next_seq;

    // Killed at a time drawn from the unkilled run's length (SIGKILL, a real process).
    let mut random = common::Random::new(12);
    let at = unkilled_for.mul_f64(0.5 + 0.5 * random.unit());
    let trials: [(&str, Box<KillWhen>); 1] = [(
        "at a random instant",
        Box::new(move |_: &journal::State, elapsed: Duration| elapsed >= at),
    )];
    for (n, (when, kill_when)) in trials.iter().enumerate() {
        let trial: PathBuf = dir.join(format!("trial-{n}"));
        copy_state(&field_state, &trial);
        let printed = reprocess_killed(&trial, kill_when);
        // Shown => saved: every proposal printed before the kill is in the journal.
        let saved = read_state(&trial);
        println!(
            "killed {when}: {} record(s) of {} saved, {} proposal(s) printed",
            saved.next_seq - records_before,
            reference_records - records_before,
            printed.matches("proposed as fact").count()
        );
        for line in printed.lines().filter(|l| l.contains("proposed as fact")) {
            let id: FactId = line
                .split("proposed as fact ")
                .nth(1)
                .and_then(|rest| rest.split(',').next())
                .and_then(|id| id.trim().parse().ok())
                .unwrap_or_else(|| panic!("{line}"));
            assert!(
                saved.log.events().iter().any(|e| matches!(e,
                    Event::Asserted { id: got, provenance, .. }
                        if *got == id && provenance.doubt == Some(Doubt::Reprocessed))),
                "killed {when}: printed {line:?} but the journal lacks it"
            );
        }
        // Run again to the end: the record the unkilled run made.
        reprocess_all(&trial);
        let resumed = read_state(&trial);
        assert_eq!(card(&resumed), reference, "killed {when}");
        assert_replays(&resumed);
    }

    // A kill lands between two records rarely (the run writes its few records in a
    // millisecond), so the states it can leave are made directly: the writer appends in
    // order to a new segment file, and a crash leaves a prefix of it, possibly torn. Cut
    // the unkilled run's file inside its header, after its first record (the second
    // hearing alone), inside its third, and after its third; run again each time.
    let new_file = std::fs::read_dir(&reference_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tj") && !field_state.join(name).exists())
        .max()
        .expect("reprocess wrote a new segment file");
    let bytes = std::fs::read(reference_dir.join(&new_file)).unwrap();
    let frames: Vec<usize> = tccc::journal::format::scan(&bytes)
        .iter()
        .filter_map(|step| match step {
            tccc::journal::format::Scanned::Frame { offset, .. } => Some(*offset),
            _ => None,
        })
        .collect();
    assert_eq!(
        frames.len(),
        4,
        "a second hearing per changed utterance, a proposal each"
    );
    let header = tccc::journal::format::FILE_HEADER_BYTES;
    for (when, cut) in [
        ("inside the file header", header / 2),
        ("after the second hearing", frames[1]),
        ("inside the third record", frames[2] + 7),
        ("after the third record", frames[3]),
    ] {
        let trial = dir.join(format!("cut-{cut}"));
        copy_state(&field_state, &trial);
        std::fs::write(trial.join(&new_file), &bytes[..cut]).unwrap();
        reprocess_all(&trial);
        let resumed = read_state(&trial);
        assert_eq!(card(&resumed), reference, "cut {when}");
        assert_replays(&resumed);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reprocess_all_with_another_model_never_overrides_the_medic() {
    if !has_model("whisper-tiny.en") || !has_model("whisper-base") {
        eprintln!("test reprocess_all_with_another_model_never_overrides_the_medic ... skipped: no Whisper models (run models/fetch)");
        return;
    }
    // A real recording run with the configured (tiny) model, the medic confirming the
    // first fact and rejecting the second; then the base station's larger model.
    let dir = scratch("journal-reprocess-model");
    let state_dir = dir.join("state");
    tccc_ok(&["keygen".as_ref(), "--state".as_ref(), state_dir.as_os_str()]);
    tccc_ok(&[
        "process".as_ref(),
        "--input".as_ref(),
        NARRATION.as_ref(),
        "--state".as_ref(),
        state_dir.as_os_str(),
    ]);
    let recorded = read_state(&state_dir);
    let live = recorded.log.live_facts();
    assert!(live.len() >= 2, "{live:?}");
    let (confirmed, rejected) = (live[0].id, live[1].id);
    {
        let (mut journal, _) = journal::open(
            Box::new(DirStorage::new(&state_dir).unwrap()),
            &key_of(&state_dir),
            WriterTiming::default(),
        )
        .unwrap();
        let last = recorded.utterances.last().unwrap().index;
        append_event(
            &mut journal,
            &Event::Confirmed {
                id: confirmed,
                provenance: console(last),
            },
        );
        append_event(
            &mut journal,
            &Event::Rejected {
                id: rejected,
                provenance: console(last),
            },
        );
        journal.close(Duration::from_secs(10)).unwrap();
    }
    let before = read_state(&state_dir);
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/whisper-base");
    let out = tccc_ok(&[
        "reprocess".as_ref(),
        "--state".as_ref(),
        state_dir.as_os_str(),
        "--all".as_ref(),
        "--model".as_ref(),
        base.as_os_str(),
    ]);
    println!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stderr).contains("with whisper-base"));
    let after = read_state(&state_dir);
    // Appended only, and only proposals.
    let n = before.log.events().len();
    assert_eq!(after.log.events()[..n], *before.log.events());
    for event in &after.log.events()[n..] {
        assert!(
            matches!(event, Event::Asserted { provenance, .. } if provenance.doubt == Some(Doubt::Reprocessed)),
            "{event:?}"
        );
    }
    // The verdicts stand and nothing left the card.
    let now = after.log.live_facts();
    assert!(now.iter().any(|f| f.id == confirmed && !f.unconfirmed));
    assert!(!now.iter().any(|f| f.id == rejected));
    for fact in before.log.live_facts() {
        assert!(
            now.iter().any(|f| f.id == fact.id),
            "{fact:?} left the card"
        );
    }
    for utterance in after.utterances.iter().filter(|u| u.rehearing_of.is_some()) {
        assert_eq!(utterance.model, "whisper-base");
    }
    assert_replays(&after);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `tccc process --transcript` over a reprocessed state directory restores the record as
/// `tccc run` does (the medic's verdicts, the second hearings' proposals), so the same
/// narration again resumes without a change, and a longer one is refused with the fix
/// rather than numbered over the second hearings.
#[test]
fn process_transcript_after_reprocess_all_resumes_to_the_same_record() {
    if !has_model("whisper-tiny.en") {
        eprintln!("test process_transcript_after_reprocess_all_resumes_to_the_same_record ... skipped: no Whisper model (run models/fetch)");
        return;
    }
    let dir = scratch("journal-reprocess-then-transcript");
    let state_dir = dir.join("state");
    field_run(&state_dir);
    reprocess_all(&state_dir);
    let before = read_state(&state_dir);
    assert!(
        before.utterances.iter().any(|u| u.rehearing_of.is_some()),
        "reprocess --all filed no second hearing"
    );

    let transcript = dir.join("field.txt");
    std::fs::write(&transcript, FIELD_HEARING.join("\n") + "\n").unwrap();
    let out = tccc_ok(&[
        "process".as_ref(),
        "--transcript".as_ref(),
        transcript.as_os_str(),
        "--state".as_ref(),
        state_dir.as_os_str(),
    ]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("5 utterance(s) already journaled"),
        "{stderr}"
    );
    let after = read_state(&state_dir);
    assert_eq!(after.log.events(), before.log.events());
    assert_eq!(after.utterances.len(), before.utterances.len());
    assert_eq!(card(&after), card(&before));
    assert_replays(&after);

    // A line past the field narration would take a second hearing's utterance number.
    let longer = dir.join("longer.txt");
    std::fs::write(&longer, FIELD_HEARING.join("\n") + "\nPulse one ten.\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .args(["process", "--transcript"])
        .arg(&longer)
        .arg("--state")
        .arg(&state_dir)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("was reprocessed"), "{stderr}");
    assert_eq!(read_state(&state_dir).log.events(), before.log.events());
}
