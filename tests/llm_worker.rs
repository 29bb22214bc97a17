//! The language model's own thread (`llm::worker`): preemptible between tokens (a newer
//! request of the same task supersedes the running one, a cancel stops it, the watchdog's
//! knobs pause it and the reply says "paused" instead of a draft), and the console's
//! `mist N prose` path (`handover::draft` through the thread). Skips without the model.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use tccc::extract::{Extractor, ExtractorConfig};
use tccc::llm::handover;
use tccc::llm::reading::Readings;
use tccc::llm::worker::{reply_text, LlmReply, LlmWorker, Outcome, Task};
use tccc::llm::{Llm, Stop};
use tccc::watchdog::{SharedKnobs, StageKnobs};

fn worker(knobs: &Arc<SharedKnobs>) -> Option<LlmWorker> {
    let path = tccc::llm::default_model_path();
    if !path.is_file() {
        eprintln!("skipped: no language model at {}", path.display());
        return None;
    }
    Some(LlmWorker::start(Llm::load(&path).unwrap(), Some(Arc::clone(knobs))).unwrap())
}

fn record() -> tccc::record::CasualtyRecord {
    let mut extractor = Extractor::new(ExtractorConfig::default());
    for (i, line) in [
        "Casualty one, gunshot wound left thigh.",
        "Tourniquet left leg at 14:10. Pulse 124.",
    ]
    .iter()
    .enumerate()
    {
        extractor.push_utterance(i as u32, line, 0.0, 1.0).unwrap();
    }
    extractor.record().casualties[0].clone()
}

fn wait(worker: &mut LlmWorker, id: u32) -> LlmReply {
    loop {
        if let Some(reply) = worker.try_reply() {
            assert_eq!(reply.id, id, "replies come in request order");
            return reply;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn the_thread_is_preempted_between_tokens_and_paused_by_the_watchdog() {
    let knobs = Arc::new(SharedKnobs::default());
    let Some(mut worker) = worker(&knobs) else {
        return;
    };
    let prompt = handover::prompt(&handover::confirmed_only(&record()), worker.chat_format());
    // A newer handover request supersedes the running one.
    let long = worker.submit(Task::Handover, &prompt, "", 200).unwrap();
    let short = worker.submit(Task::Handover, &prompt, "", 4).unwrap();
    assert_eq!(wait(&mut worker, long).outcome, Outcome::Superseded);
    let done = wait(&mut worker, short);
    assert!(matches!(done.outcome, Outcome::Done(_)), "{done:?}");
    assert!(!done.text.is_empty());
    // A cancelled request stops at its next token.
    let cancelled = worker.submit(Task::Handover, &prompt, "", 200).unwrap();
    worker.cancel(cancelled);
    assert_eq!(wait(&mut worker, cancelled).outcome, Outcome::Cancelled);
    // Hot: the knobs turn the model off; the reply is "paused", not a draft.
    knobs.store(StageKnobs {
        llm: false,
        ..StageKnobs::FULL
    });
    let paused = worker.submit(Task::Handover, &prompt, "", 200).unwrap();
    let reply = wait(&mut worker, paused);
    assert_eq!(reply.outcome, Outcome::Paused);
    let mut out = String::new();
    let error = reply_text(&reply, &mut out).unwrap_err();
    assert!(error.to_string().contains("paused"), "{error}");
    assert!(out.is_empty());
    // Cooled: the console's `mist N prose` path writes a checked draft again.
    knobs.store(StageKnobs::FULL);
    let mut generator = worker.generator(Task::Handover, "");
    let draft = handover::draft(&mut generator, &record()).unwrap();
    assert!(draft.render().starts_with(handover::DRAFT_HEADING));
    let status = worker.status();
    assert_eq!((status.paused, status.preempted, status.dropped), (1, 2, 0));
    assert!(status.completed >= 2, "{status:?}");
}

/// The `llm` slot of the watchdog's model table: (registered, loaded).
fn llm_slot(knobs: &SharedKnobs) -> (bool, bool) {
    let mut out = heapless::Vec::new();
    knobs.models().read_into(&mut out);
    out.iter()
        .find(|m| m.name.as_str() == "llm")
        .map_or((false, false), |m| (true, m.loaded))
}

#[test]
fn critical_heat_unloads_the_model_and_cooling_loads_it_again() {
    let path = tccc::llm::default_model_path();
    if !path.is_file() {
        eprintln!("skipped: no language model at {}", path.display());
        return;
    }
    let knobs = Arc::new(SharedKnobs::default());
    let mut worker = tccc::llm::worker::open(&path, Some(Arc::clone(&knobs))).unwrap();
    let wait_for = |want: bool| {
        for _ in 0..3000 {
            if llm_slot(&knobs) == (true, want) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!(
            "the llm slot never showed loaded = {want}: {:?}",
            llm_slot(&knobs)
        );
    };
    wait_for(true);
    let prompt = handover::prompt(&handover::confirmed_only(&record()), worker.chat_format());
    // Critical: the idle thread lets the model go; a request is answered "paused".
    knobs.store(StageKnobs {
        llm: false,
        large_models: false,
        ..StageKnobs::FULL
    });
    wait_for(false);
    let id = worker.submit(Task::Handover, &prompt, "", 4).unwrap();
    assert_eq!(wait(&mut worker, id).outcome, Outcome::Paused);
    // Cooled: read from its file again, and it writes.
    knobs.store(StageKnobs::FULL);
    wait_for(true);
    let id = worker.submit(Task::Handover, &prompt, "", 4).unwrap();
    let done = wait(&mut worker, id);
    assert!(matches!(done.outcome, Outcome::Done(_)), "{done:?}");
}

/// Takes replies until the one for `id` (others, already collected, are passed by).
fn reply_for(worker: &mut LlmWorker, id: u32) -> LlmReply {
    loop {
        match worker.try_reply() {
            Some(reply) if reply.id == id => return reply,
            Some(_) => {}
            None => std::thread::sleep(std::time::Duration::from_millis(5)),
        }
    }
}

#[test]
fn a_reading_is_asked_without_waiting_and_filed_unconfirmed_when_it_comes() {
    use tccc::extract::lexicon::Lexicon;
    use tccc::record::{Doubt, Fact, VitalValue};
    let knobs = Arc::new(SharedKnobs::default());
    let Some(mut worker) = worker(&knobs) else {
        return;
    };
    let lexicon = Lexicon::new();
    let mut extractor = Extractor::new(ExtractorConfig::default());
    extractor
        .push_utterance(0, "Casualty one, gunshot wound left thigh.", 0.0, 1.0)
        .unwrap();
    let missed = "the tourniquet is holding, heart going about one forty";
    let changes = extractor.push_utterance(1, missed, 1.0, 2.0).unwrap();
    let mut readings = Readings::new();
    let first = readings
        .ask(
            &mut worker,
            &extractor,
            &lexicon,
            1,
            missed,
            &changes,
            (1.0, 2.0),
        )
        .unwrap()
        .expect("the rules filed nothing from an utterance with clinical words");
    assert_eq!(readings.pending(), 1);
    // The analysis goes on while the model reads: casualty two is heard, and an utterance
    // the rules read is not for the reader.
    let changes = extractor
        .push_utterance(2, "Casualty two, blast injury. Pulse 90.", 2.0, 3.0)
        .unwrap();
    let asked = readings.ask(
        &mut worker,
        &extractor,
        &lexicon,
        2,
        "Casualty two, blast injury. Pulse 90.",
        &changes,
        (2.0, 3.0),
    );
    assert_eq!(asked, Ok(None));
    assert_eq!(extractor.current_casualty(), 2);
    // The answer for utterance 1, as the model may write it, is filed unconfirmed under
    // casualty one (current when it was heard), not two.
    let mut answer = LlmReply {
        id: first,
        outcome: Outcome::Done(Stop::End),
        text: heapless::String::new(),
    };
    answer
        .text
        .push_str(r#"[{"fact":"pulse","value":"one forty","where":"","time":""}]"#)
        .unwrap();
    let collected = readings.collect(&answer, &mut extractor).unwrap();
    assert_eq!(collected.index, 1);
    let reading = collected.result.unwrap();
    assert_eq!(reading.filed.len(), 1, "{reading:?}");
    let (id, fact) = &reading.filed[0];
    assert_eq!(
        *fact,
        Fact::Vital {
            value: VitalValue::Pulse(140),
            time: None
        }
    );
    let live = extractor.live_facts().iter().find(|f| f.id == *id).unwrap();
    assert!(live.unconfirmed && live.casualty == 1);
    assert_eq!(live.provenance.doubt, Some(Doubt::Proposed));
    assert_eq!(live.provenance.utterance, 1);
    assert_eq!(readings.pending(), 0);
    // The thread's own reply for it comes later and is not filed twice.
    let late = reply_for(&mut worker, first);
    assert!(readings.collect(&late, &mut extractor).is_none());

    // The model's own answer, collected when it comes: held to the grammar, filed (if at
    // all) unconfirmed under the casualty current when asked.
    let other = "tourniquet holding and his heart is going about one forty";
    let changes = extractor.push_utterance(3, other, 3.0, 4.0).unwrap();
    let second = readings
        .ask(
            &mut worker,
            &extractor,
            &lexicon,
            3,
            other,
            &changes,
            (3.0, 4.0),
        )
        .unwrap()
        .unwrap();
    extractor
        .push_utterance(4, "Casualty three.", 4.0, 5.0)
        .unwrap();
    let reply = reply_for(&mut worker, second);
    assert!(matches!(reply.outcome, Outcome::Done(_)), "{reply:?}");
    let collected = readings.collect(&reply, &mut extractor).unwrap();
    let reading = collected.result.unwrap();
    assert!(reading.answer.starts_with('['), "{reading:?}");
    for (id, _) in &reading.filed {
        let live = extractor.live_facts().iter().find(|f| f.id == *id).unwrap();
        assert!(live.unconfirmed && live.casualty == 2, "{live:?}");
    }
    assert_eq!((readings.pending(), readings.dropped()), (0, 0));
}
