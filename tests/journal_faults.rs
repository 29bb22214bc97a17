//! Fault injection for the journal: power lost at every sync of a recorded session (unsynced
//! sectors kept, lost or garbled, swept over syncs and seeds), write and sync errors
//! (ENOSPC, EIO, a read-only remount), the memory buffer's bound, a wrong key and altered
//! bytes. The bars: replay never accepts a corrupt record, never loses an acknowledged one,
//! never panics; producers never wait.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use tccc::cli::process::extract_transcript;
use tccc::journal::codec::{self, Kind};
use tccc::journal::storage::{SimFaults, SimStorage, Storage};
use tccc::journal::{self, JournalError, JournalKey, WriterTiming};
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
casualty one avpu voice";

fn key() -> JournalKey {
    JournalKey::from_bytes([0x42; 32])
}

fn timing() -> WriterTiming {
    WriterTiming {
        commit_interval: Duration::from_millis(100),
        retry_interval: Duration::from_millis(10),
        file_bytes_max: 1_500,
        ..WriterTiming::default()
    }
}

/// The session as records: per utterance, the utterance and its events.
fn session() -> Vec<Vec<(Kind, Vec<u8>)>> {
    let (extractor, _) = extract_transcript(NARRATION).unwrap();
    let events = extractor.events();
    let mut groups = Vec::new();
    for (index, line) in NARRATION.lines().enumerate() {
        let mut group = Vec::new();
        let mut payload = Vec::new();
        codec::encode_utterance(
            &codec::UtteranceRecord {
                index: index as u32,
                start_s: index as f64,
                end_s: index as f64 + 1.0,
                text: line.to_owned(),
                words: Vec::new(),
                model: "transcript".into(),
                lexicon: "test".into(),
                audio_seq: None,
                rehearing_of: None,
            },
            &mut payload,
        );
        group.push((Kind::Utterance, payload));
        for event in events
            .iter()
            .filter(|e| provenance_utterance(e) == index as u32)
        {
            let mut payload = Vec::new();
            codec::encode_event(event, &mut payload);
            group.push((Kind::Event, payload));
        }
        groups.push(group);
    }
    groups
}

fn provenance_utterance(event: &Event) -> u32 {
    event.provenance().utterance
}

#[test]
fn power_lost_at_every_sync_never_loses_an_acknowledged_record_nor_accepts_a_corrupt_one() {
    let groups = session();
    let all: Vec<(Kind, Vec<u8>)> = groups.iter().flatten().cloned().collect();
    let mut trials = 0;
    let mut crashes = 0;
    let mut voided = 0;
    for seed in 0..16u64 {
        for k in 1..=14u64 {
            let disk = SimStorage::new(seed * 1_000 + k);
            disk.set_faults(SimFaults {
                crash_at_sync: Some(k),
                ..SimFaults::default()
            });
            let (mut journal, state) =
                journal::open(Box::new(disk.clone()), &key(), timing()).unwrap();
            assert_eq!(state.next_seq, 0);
            let mut acknowledged = 0u64;
            for group in &groups {
                for (kind, payload) in group {
                    journal.append(*kind as u8, payload.clone()).unwrap();
                }
                let next = journal.next_seq();
                if journal.wait_durable(next, Duration::from_millis(100)) {
                    acknowledged = next;
                } else {
                    break;
                }
            }
            acknowledged = acknowledged.max(journal.durable_next());
            drop(journal);
            disk.lose_power();
            crashes += usize::from(disk.crashed());
            let survivor = disk.after_power_loss();
            let replayed = journal::read_state(&survivor, &key()).unwrap();
            let sealer_entries = {
                let sealer = tccc::journal::format::Sealer::new(&key());
                tccc::journal::replay::read(&survivor, &sealer)
                    .unwrap()
                    .entries
            };
            for entry in &sealer_entries {
                let (kind, payload) = &all[entry.seq as usize];
                assert_eq!(
                    entry.kind, *kind as u8,
                    "seed {seed} k {k} seq {}",
                    entry.seq
                );
                assert_eq!(
                    &entry.payload, payload,
                    "seed {seed} k {k}: a corrupt record was accepted"
                );
            }
            for seq in 0..acknowledged {
                assert!(
                    sealer_entries.iter().any(|e| e.seq == seq),
                    "seed {seed} k {k}: acknowledged record {seq} lost ({:?})",
                    replayed.problems
                );
            }
            // A resumed run keeps the records before the first gap (every acknowledged one
            // among them), voids the rest durably, and appends after them.
            let (extractor, _) = extract_transcript(NARRATION).unwrap();
            let expected = extractor.events();
            let acknowledged_events = all[..acknowledged as usize]
                .iter()
                .filter(|(kind, _)| *kind == Kind::Event)
                .count();
            let (mut reopened, resumed) =
                journal::open_contiguous(Box::new(survivor.clone()), &key(), timing()).unwrap();
            voided += usize::from(
                resumed
                    .problems
                    .iter()
                    .any(|p| matches!(p, journal::Problem::Voided { .. })),
            );
            let events = resumed.log.events();
            assert!(events.len() >= acknowledged_events, "seed {seed} k {k}");
            assert_eq!(events, &expected[..events.len()], "seed {seed} k {k}");
            let next = reopened
                .append(Kind::Alert as u8, b"\x02\x00ok".to_vec())
                .unwrap();
            assert!(reopened.wait_durable(next + 1, Duration::from_secs(2)));
            drop(reopened);
            let again = journal::read_state(&survivor, &key()).unwrap();
            assert_eq!(
                again.log.events(),
                events,
                "seed {seed} k {k}: the void was not kept"
            );
            assert!(replayed.log.events().len() >= events.len());
            trials += 1;
        }
    }
    assert_eq!(trials, 16 * 14);
    assert!(
        crashes > trials / 2,
        "most trials must cut the power mid-session ({crashes})"
    );
    assert!(voided > 0, "no trial left a gap for a resumed run to void");
    eprintln!("{trials} power losses, {crashes} mid-session, {voided} left a gap that was voided");
}

#[test]
fn enospc_on_writes_keeps_records_in_memory_raises_an_alert_and_saves_them_when_space_returns() {
    let disk = SimStorage::new(1);
    let (mut journal, _) = journal::open(Box::new(disk.clone()), &key(), timing()).unwrap();
    journal
        .append(Kind::Alert as u8, b"\x01\x00a".to_vec())
        .unwrap();
    assert!(journal.wait_durable(1, Duration::from_secs(2)));
    disk.set_faults(SimFaults {
        append_errno: Some(libc::ENOSPC),
        ..SimFaults::default()
    });
    let started = Instant::now();
    for _ in 0..50 {
        journal
            .append(Kind::Alert as u8, b"\x01\x00b".to_vec())
            .unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "the producer waited"
    );
    assert!(!journal.wait_durable(51, Duration::from_millis(100)));
    let alerts = journal.take_alerts();
    assert!(
        alerts.iter().any(|a| a.contains("No space left")),
        "{alerts:?}"
    );
    assert!(journal.stats().files_abandoned >= 1);
    disk.set_faults(SimFaults::default());
    assert!(journal.wait_durable(51, Duration::from_secs(2)));
    assert!(journal
        .take_alerts()
        .iter()
        .any(|a| a.contains("works again")));
    drop(journal);
    let state = journal::read_state(&disk, &key()).unwrap();
    assert_eq!(state.alerts.len(), 51);
}

#[test]
fn a_failed_sync_abandons_the_file_for_good_and_the_records_reach_a_new_one() {
    let disk = SimStorage::new(2);
    let (mut journal, _) = journal::open(Box::new(disk.clone()), &key(), timing()).unwrap();
    journal
        .append(Kind::Alert as u8, b"\x01\x00a".to_vec())
        .unwrap();
    assert!(journal.wait_durable(1, Duration::from_secs(2)));
    let files_before = disk.list().unwrap().len();
    disk.set_faults(SimFaults {
        sync_errno: Some(libc::EIO),
        ..SimFaults::default()
    });
    journal
        .append(Kind::Alert as u8, b"\x01\x00b".to_vec())
        .unwrap();
    assert!(!journal.wait_durable(2, Duration::from_millis(50)));
    disk.set_faults(SimFaults::default());
    assert!(journal.wait_durable(2, Duration::from_secs(2)));
    assert!(disk.list().unwrap().len() > files_before + 1);
    assert!(journal.stats().files_abandoned >= 1);
    drop(journal);
    let state = journal::read_state(&disk, &key()).unwrap();
    assert_eq!(state.alerts.len(), 2);
}

#[test]
fn a_read_only_card_fills_the_bounded_memory_buffer_counts_the_overflow_and_never_blocks() {
    let disk = SimStorage::new(3);
    disk.set_faults(SimFaults {
        create_errno: Some(libc::EROFS),
        ..SimFaults::default()
    });
    let (mut journal, _) = journal::open(Box::new(disk.clone()), &key(), timing()).unwrap();
    let audio = vec![0u8; 1_000_000];
    let started = Instant::now();
    let mut accepted = 0;
    for _ in 0..60 {
        if journal.append(Kind::Audio as u8, audio.clone()).is_ok() {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 60, "the ring and backlog take them all");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the producer waited"
    );
    assert!(!journal.wait_durable(60, Duration::from_millis(300)));
    let stats = journal.stats();
    assert!(stats.records_lost > 0, "{stats:?}");
    assert!(stats.memory_buffer_bytes <= tccc::limits::JOURNAL_MEMORY_BUFFER_BYTES_MAX as u64);
    assert!(journal.is_lost(59));
    assert!(journal
        .take_alerts()
        .iter()
        .any(|a| a.contains("Read-only")));
}

#[test]
fn a_wrong_key_is_a_clear_error_and_altered_bytes_are_reported_never_accepted() {
    let disk = SimStorage::new(4);
    let (mut journal, _) = journal::open(Box::new(disk.clone()), &key(), timing()).unwrap();
    let groups = session();
    let all: Vec<(Kind, Vec<u8>)> = groups.iter().flatten().cloned().collect();
    for (kind, payload) in all.iter().take(12) {
        journal.append(*kind as u8, payload.clone()).unwrap();
    }
    assert!(journal.wait_durable(12, Duration::from_secs(2)));
    drop(journal);
    let wrong = JournalKey::from_bytes([0x43; 32]);
    let error = journal::read_state(&disk, &wrong).unwrap_err();
    assert!(matches!(error, JournalError::WrongKey));
    assert!(error.to_string().contains("--key"), "{error}");
    let names = disk.list().unwrap();
    let sealer = tccc::journal::format::Sealer::new(&key());
    for name in &names {
        let length = disk.read(name).unwrap().len();
        for at in (0..length).step_by(7) {
            let copy = disk.after_power_loss();
            copy.edit(name, |bytes| bytes[at] ^= 0x20);
            let replay = match tccc::journal::replay::read(&copy, &sealer) {
                Ok(replay) => replay,
                // The file id of the only file's header altered: nothing it holds can be
                // authenticated, which reads as another key; a clear error, never data.
                Err(JournalError::WrongKey) if at < 64 && names.len() == 1 => continue,
                Err(other) => panic!("{name} byte {at}: {other}"),
            };
            for entry in &replay.entries {
                let (kind, payload) = &all[entry.seq as usize];
                assert_eq!((entry.kind, &entry.payload), (*kind as u8, payload));
            }
            if replay.entries.len() < 12 {
                assert!(
                    !replay.problems.is_empty(),
                    "{name} byte {at}: a silent loss"
                );
            }
        }
    }
}

#[test]
fn unknown_record_kinds_and_events_are_reported_not_fatal() {
    let disk = SimStorage::new(5);
    let (mut journal, _) = journal::open(Box::new(disk.clone()), &key(), timing()).unwrap();
    journal.append(200, b"from the future".to_vec()).unwrap();
    journal
        .append(Kind::Event as u8, vec![77, 1, 2, 3])
        .unwrap();
    journal
        .append(Kind::Alert as u8, b"\x01\x00a".to_vec())
        .unwrap();
    assert!(journal.wait_durable(3, Duration::from_secs(2)));
    drop(journal);
    let state = journal::read_state(&disk, &key()).unwrap();
    assert_eq!(state.alerts.len(), 1);
    assert_eq!(state.problems.len(), 2, "{:?}", state.problems);
}

#[test]
fn random_bytes_and_mutated_journals_never_panic_replay() {
    let disk = SimStorage::new(6);
    let (mut journal, _) = journal::open(Box::new(disk.clone()), &key(), timing()).unwrap();
    for (kind, payload) in session().into_iter().flatten() {
        journal.append(kind as u8, payload).unwrap();
    }
    let next = journal.next_seq();
    assert!(journal.wait_durable(next, Duration::from_secs(2)));
    drop(journal);
    let names = disk.list().unwrap();
    let mut random = 0x2545_f491_4f6c_dd1du64;
    let mut step = || {
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        random
    };
    for trial in 0..2_000 {
        let copy = disk.after_power_loss();
        let name = &names[trial % names.len()];
        let mutations = 1 + step() % 8;
        copy.edit(name, |bytes| {
            for _ in 0..mutations {
                let at = (step() as usize) % bytes.len().max(1);
                match step() % 3 {
                    0 => bytes[at] = step() as u8,
                    1 => bytes.truncate(at),
                    _ => bytes.insert(at, step() as u8),
                }
                if bytes.is_empty() {
                    break;
                }
            }
        });
        let _ = journal::read_state(&copy, &key());
    }
    // Files of pure noise, with our name.
    for length in [0usize, 3, 64, 65, 200, 5_000] {
        let noise = SimStorage::new(7);
        let mut storage: Box<dyn Storage> = Box::new(noise.clone());
        storage.create("segment-00000001.tj").unwrap();
        let bytes: Vec<u8> = (0..length).map(|_| step() as u8).collect();
        storage.append("segment-00000001.tj", &bytes).unwrap();
        let _ = journal::read_state(&noise, &key());
    }
}

#[test]
fn appending_allocates_and_frees_nothing_on_a_real_time_thread() {
    use tccc::sys::alloc_guard::{
        allocations, clear_thread_role, frees, set_abort_on_realtime_allocation, set_thread_role,
        ThreadRole,
    };
    let disk = SimStorage::new(8);
    let (mut journal, _) = journal::open(Box::new(disk.clone()), &key(), timing()).unwrap();
    let count = tccc::limits::JOURNAL_RING_RECORDS_MAX + 500;
    let mut payloads: Vec<Vec<u8>> = (0..count).map(|i| vec![i as u8; 64]).collect();
    let (journal, appended) = std::thread::spawn(move || {
        set_abort_on_realtime_allocation(false);
        let mut appended = 0;
        set_thread_role(ThreadRole::Capture);
        let before = (allocations(ThreadRole::Capture), frees(ThreadRole::Capture));
        while let Some(payload) = payloads.pop() {
            if journal.append(Kind::Audio as u8, payload).is_ok() {
                appended += 1;
            }
        }
        let after = (allocations(ThreadRole::Capture), frees(ThreadRole::Capture));
        clear_thread_role();
        assert_eq!(
            before, after,
            "append allocated or freed on a real-time thread"
        );
        (journal, appended)
    })
    .join()
    .unwrap();
    assert_eq!(appended, count);
    let mut journal = journal;
    assert!(journal.wait_durable(count as u64, Duration::from_secs(5)));
}

#[test]
fn failing_storage_is_retried_when_the_retry_interval_has_passed_on_the_clock() {
    let clock = journal::SimClock::default();
    let timing = WriterTiming {
        retry_interval: Duration::from_secs(1),
        clock: std::sync::Arc::new(clock.clone()),
        ..WriterTiming::default()
    };
    let disk = SimStorage::new(9);
    disk.set_faults(SimFaults {
        create_errno: Some(libc::EROFS),
        ..SimFaults::default()
    });
    let (mut journal, _) = journal::open(Box::new(disk.clone()), &key(), timing).unwrap();
    journal
        .append(Kind::Alert as u8, b"\x01\x00a".to_vec())
        .unwrap();
    assert!(!journal.wait_durable(1, Duration::from_millis(100)));
    disk.set_faults(SimFaults::default());
    // The storage works again, but the clock has not reached the retry.
    clock.advance(Duration::from_millis(900));
    assert!(!journal.wait_durable(1, Duration::from_millis(300)));
    clock.advance(Duration::from_millis(100));
    assert!(journal.wait_durable(1, Duration::from_secs(2)));
    assert!(journal
        .take_alerts()
        .iter()
        .any(|a| a.contains("retrying every 1000 ms")));
}
