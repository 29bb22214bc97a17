//! What the journal costs at a steady narration: ten minutes of speech (an utterance every
//! 4 s with 3 s of 16 kHz audio and three events) journaled to a real directory with a
//! sync per utterance, fast-forwarded; plus the writer's idle wake-ups. The bar: < 1 % of a
//! core. Process CPU time from /proc/self/stat (an upper bound: the test's own encoding is
//! counted too).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tccc::journal::codec::{self, Kind};
use tccc::journal::{self, JournalKey, WriterTiming};

/// User + system CPU of this process, in seconds.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of the line (utime, stime) are 11 and 12 after the name.
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

#[test]
fn the_journal_costs_under_one_percent_of_a_core_at_a_steady_narration() {
    let dir = std::env::temp_dir().join(format!("tccc-overhead-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let storage = journal::dir_storage(&dir).unwrap();
    let key = JournalKey::from_bytes([9; 32]);
    let (mut journal, _) = journal::open(Box::new(storage), &key, WriterTiming::default()).unwrap();

    let narration_seconds = 600.0;
    let utterances = 150;
    // The segments' audio goes the way the ASR thread sends it: through the AudioJournal.
    let mut audio = journal.take_audio().unwrap();
    let samples: Vec<f32> = (0..48_000)
        .map(|i| ((i * 37) % 2000) as f32 / 32768.0)
        .collect();
    let cpu_before = process_cpu_seconds();
    for index in 0..utterances {
        let audio_seq = audio.offer(u64::from(index), f64::from(index) * 4.0, 16_000, &samples);
        assert!(audio_seq.is_some());
        let mut payload = Vec::new();
        codec::encode_utterance(
            &codec::UtteranceRecord {
                index,
                start_s: f64::from(index) * 4.0,
                end_s: f64::from(index) * 4.0 + 3.0,
                text: "tourniquet left leg at zero nine fifteen pulse one twenty".into(),
                words: Vec::new(),
                model: "tiny.en".into(),
                lexicon: "0.1.0".into(),
                audio_seq,
                rehearing_of: None,
            },
            &mut payload,
        );
        journal.append(Kind::Utterance as u8, payload).unwrap();
        for _ in 0..3 {
            journal.append(Kind::Event as u8, vec![2; 60]).unwrap();
        }
        let next = journal.next_seq();
        assert!(journal.wait_durable(next, Duration::from_secs(5)));
    }
    let busy = process_cpu_seconds() - cpu_before;
    // Idle: the writer wakes every commit interval with nothing to do.
    let cpu_before_idle = process_cpu_seconds();
    std::thread::sleep(Duration::from_secs(2));
    let idle = (process_cpu_seconds() - cpu_before_idle) / 2.0;
    let share = busy / narration_seconds + idle;
    eprintln!(
        "journal: {busy:.3} s CPU for {narration_seconds} s of narration ({} records, {} syncs), idle {:.4} % of a core: {:.3} % of a core",
        journal.stats().records_written,
        journal.stats().syncs,
        idle * 100.0,
        share * 100.0
    );
    journal.close(Duration::from_secs(5)).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        share < 0.01,
        "the journal takes {:.2} % of a core",
        share * 100.0
    );
}
