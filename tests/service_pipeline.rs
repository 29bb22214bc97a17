//! The analysis stage as `process --input` and `demo` start it: the narration through
//! capture → front end → Whisper → the analysis thread, the record published as snapshots
//! that readers take while the thread goes on. Needs the models (skips without them).
#![allow(clippy::unwrap_used)]

use std::io::Cursor;

use tccc::analysis::{self, AnalysisOptions};
use tccc::audio::source::WavSource;
use tccc::frontend::pipeline::Pacing;

#[test]
fn the_analysis_thread_publishes_the_record_it_reads() {
    let config = tccc::config::Config::default();
    if !config.asr_model_dir().is_ok_and(|dir| dir.is_dir()) {
        eprintln!("skipped: no Whisper model; run models/fetch");
        return;
    }
    let source =
        WavSource::from_reader(Cursor::new(tccc::demo::NARRATION_WAV), "narration").unwrap();
    let mut stage = analysis::start(
        Box::new(source),
        &config,
        AnalysisOptions {
            pacing: Pacing::AsFastAsPossible,
            journal: None,
            advisor: false,
            stay_after_input: false,
            observer: None,
        },
    )
    .unwrap();
    let published = stage.published();
    let notices = stage.take_notices().unwrap();
    let mut versions = Vec::new();
    while !stage.is_finished() {
        // A reader holds its snapshot as long as it likes; the thread is not held up.
        let snapshot = published.load();
        versions.push(published.version());
        let _ = tccc::render::card::render(&snapshot.record);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let outcome = stage.join().unwrap();
    let last = published.load();
    assert!(last.status.input_ended);
    assert_eq!(last.record, outcome.extractor.record());
    assert_eq!(last.status.utterances as usize, outcome.utterances.len());
    assert!(!outcome.utterances.is_empty());
    let card = tccc::render::card::render(&last.record);
    assert!(card.contains("L Leg:"), "{card}");
    assert!(versions.windows(2).all(|w| w[0] <= w[1]));
    let heard: Vec<_> = notices.try_iter().collect();
    assert!(heard
        .iter()
        .any(|n| matches!(n, analysis::Notice::InputEnded)));
    assert_eq!(
        heard
            .iter()
            .filter(|n| matches!(n, analysis::Notice::Utterance { .. }))
            .count(),
        outcome.utterances.len()
    );
}
