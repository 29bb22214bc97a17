//! The reader-for-misses without a model: its grammar (enum kinds from the lexicon, spans
//! copied from the utterance), the reading of proposals into facts, and their filing as
//! unconfirmed facts that survive the journal's codec.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tccc::extract::lexicon::Lexicon;
use tccc::extract::{Change, Extractor, ExtractorConfig};
use tccc::llm::reader::{
    has_clinical_words, kinds, parse, prompt, should_read, to_fact, Proposal, ProposalGrammar, Scan,
};
use tccc::llm::{ChatFormat, Constraint};
use tccc::record::{
    Clock, Doubt, Fact, Limb, Provenance, TourniquetKind, TreatmentKind, VitalValue,
};

const UTTERANCE: &str =
    "Heart is going about one forty, cinched a CAT high on the right thigh at 0910";

fn grammar() -> ProposalGrammar {
    ProposalGrammar::new(UTTERANCE)
}

/// Feeds `text` to the constraint in pieces of `width` bytes, as a decoder would, and
/// returns whether every piece was allowed.
fn decodes(grammar: &ProposalGrammar, text: &str, width: usize) -> bool {
    let bytes = text.as_bytes();
    let mut written = Vec::new();
    for piece in bytes.chunks(width) {
        if !grammar.allows(&written, piece) {
            return false;
        }
        written.extend_from_slice(piece);
    }
    true
}

#[test]
fn kinds_come_from_the_schema_and_the_lexicon() {
    let all = kinds();
    for kind in [
        "pulse",
        "tourniquet",
        "treatment:chest_seal",
        "fluid:whole_blood",
        "medication:ketamine",
        "medication:morphine",
    ] {
        assert!(all.iter().any(|k| k == kind), "{kind} missing from {all:?}");
    }
    assert!(!all.iter().any(|k| k == "treatment:other"));
}

#[test]
fn the_grammar_takes_copied_spans_and_known_kinds() {
    let g = grammar();
    let answer = r#"[{"fact":"pulse","value":"one forty","where":"","time":""},{"fact":"tourniquet","value":"cat","where":"right thigh","time":"0910"}]"#;
    assert_eq!(g.scan(answer.as_bytes()), Scan::Complete);
    for width in [1, 2, 3, 5, 7] {
        assert!(decodes(&g, answer, width), "width {width}");
    }
    assert!(g.complete(answer.as_bytes()));
    assert_eq!(g.scan(b"[]"), Scan::Complete);
    assert_eq!(g.scan(b"["), Scan::Partial);
    assert_eq!(g.scan(br#"[{"fact":"pul"#), Scan::Partial);
    assert!(!g.complete(br#"[{"fact":"pulse""#));
    let proposals = parse(answer, &g).unwrap();
    assert_eq!(proposals.len(), 2);
    assert_eq!(proposals[1].place, "right thigh");
}

#[test]
fn the_grammar_refuses_invented_values_and_shapes() {
    let g = grammar();
    for bad in [
        // a value not said
        r#"[{"fact":"pulse","value":"one fifty"#,
        r#"[{"fact":"tourniquet","value":"","where":"left thigh"#,
        r#"[{"fact":"tourniquet","value":"","where":"","time":"0915"#,
        // half a word is not a span
        r#"[{"fact":"pulse","value":"ne forty"#,
        r#"[{"fact":"pulse","value":"one fort","#,
        // a kind outside the set
        r#"[{"fact":"temperature"#,
        r#"[{"fact":"medication:aspirinx"#,
        // another shape
        r#"{"fact""#,
        r#"[ {"#,
        r#"[{"fact":"pulse","value":"one forty","where":"","time":""}]x"#,
        r#"[{"fact":"pulse","value":"One"#,
        "[]]",
    ] {
        assert_eq!(g.scan(bad.as_bytes()), Scan::Invalid, "{bad}");
        assert!(!decodes(&g, bad, 1), "{bad}");
    }
    // At most READER_PROPOSALS_MAX proposals.
    let one = r#"{"fact":"pulse","value":"one forty","where":"","time":""}"#;
    let many = format!(
        "[{}]",
        [one; tccc::limits::READER_PROPOSALS_MAX + 1].join(",")
    );
    assert_eq!(g.scan(many.as_bytes()), Scan::Invalid);
    let enough = format!("[{}]", [one; tccc::limits::READER_PROPOSALS_MAX].join(","));
    assert_eq!(g.scan(enough.as_bytes()), Scan::Complete);
}

fn proposal(fact: &str, value: &str, place: &str, time: &str) -> Proposal {
    Proposal {
        fact: fact.to_owned(),
        value: value.to_owned(),
        place: place.to_owned(),
        time: time.to_owned(),
    }
}

#[test]
fn proposals_become_facts_only_when_they_hold_up() {
    let lexicon = Lexicon::new();
    let u = UTTERANCE;
    assert_eq!(
        to_fact(&proposal("pulse", "one forty", "", ""), u, &lexicon),
        Some(Fact::Vital {
            value: VitalValue::Pulse(140),
            time: None
        })
    );
    assert_eq!(
        to_fact(
            &proposal("tourniquet", "cat", "right thigh", "0910"),
            u,
            &lexicon
        ),
        Some(Fact::Tourniquet {
            limb: Limb::RightLeg,
            kind: TourniquetKind::Extremity,
            time: Clock::new(9, 10),
        })
    );
    // Out of range, no side, a drug or treatment the utterance does not name.
    for bad in [
        proposal("pulse", "0910", "", ""),
        proposal("spo2", "one forty", "", ""),
        proposal("tourniquet", "cat", "thigh", ""),
        proposal("medication:ketamine", "one forty", "", ""),
        proposal("treatment:chest_seal", "", "", ""),
        proposal("blood_pressure", "one forty", "", ""),
        proposal("no_such_kind", "one forty", "", ""),
    ] {
        assert_eq!(to_fact(&bad, u, &lexicon), None, "{bad:?}");
    }
    let said = "pushed fifty milligrams of ketamine in the muscle";
    assert!(matches!(
        to_fact(&proposal("medication:ketamine", "fifty milligrams", "", ""), said, &lexicon),
        Some(Fact::Medication { name: "ketamine", dose: Some(d), .. }) if d == 50.0
    ));
    assert!(matches!(
        to_fact(
            &proposal("treatment:chest_seal", "", "left chest", ""),
            "chest seal on the left chest went on",
            &lexicon
        ),
        Some(Fact::Treatment {
            kind: TreatmentKind::ChestSeal,
            ..
        })
    ));
}

#[test]
fn the_reader_looks_only_where_the_rules_filed_nothing() {
    let lexicon = Lexicon::new();
    assert!(has_clinical_words("the tourniquet is holding", &lexicon));
    assert!(!has_clinical_words(
        "moving to the landing zone now",
        &lexicon
    ));
    let asserted = [Change::Asserted(
        1,
        Fact::Vital {
            value: VitalValue::Pulse(80),
            time: None,
        },
    )];
    assert!(!should_read("pulse 80", &asserted, &lexicon));
    assert!(should_read("the tourniquet is holding", &[], &lexicon));
    let p = prompt("He said \"left\" leg", ChatFormat::ChatMl);
    assert!(p.ends_with("<|im_start|>assistant\n"), "{p}");
    assert!(p.contains("'left' leg"), "{p}");
    let g = prompt("He said \"left\" leg", ChatFormat::Gemma);
    assert!(g.ends_with("<start_of_turn>model\n"), "{g}");
    assert!(
        g.contains("'left' leg") && !g.contains("<|im_start|>"),
        "{g}"
    );
}

#[test]
fn a_proposed_fact_is_filed_unconfirmed_and_survives_the_journal_codec() {
    let mut extractor = Extractor::new(ExtractorConfig::default());
    extractor
        .push_utterance(0, "Casualty two.", 0.0, 1.0)
        .unwrap();
    let casualty = extractor.current_casualty();
    assert_eq!(casualty, 2);
    let fact = Fact::Vital {
        value: VitalValue::Pulse(140),
        time: None,
    };
    let provenance = Provenance {
        utterance: 0,
        char_start: 0,
        char_end: 13,
        heard_start_s: 0.0,
        heard_end_s: 1.0,
        confidence: 0.5,
        doubt: Some(Doubt::Proposed),
        lexicon: tccc::extract::lexicon::LEXICON_VERSION,
    };
    let id = extractor
        .file_proposed(casualty, fact.clone(), provenance)
        .unwrap();
    let live = extractor.live_facts();
    assert!(live
        .iter()
        .any(|f| f.id == id && f.unconfirmed && f.fact == fact));
    let record = extractor.record();
    assert_eq!(record.casualties[0].vitals[0].unconfirmed.len(), 1);
    // The medic decides: a confirmation clears the mark.
    extractor.confirm(id, provenance).unwrap();
    assert!(!extractor.live_facts().iter().any(|f| f.unconfirmed));
    let event = extractor
        .events()
        .iter()
        .find(|e| matches!(e, tccc::record::Event::Asserted { id: i, .. } if *i == id))
        .unwrap()
        .clone();
    let mut bytes = Vec::new();
    tccc::journal::codec::encode_event(&event, &mut bytes);
    let decoded = tccc::journal::codec::decode_event(&bytes).unwrap();
    assert_eq!(decoded.provenance().doubt, Some(Doubt::Proposed));
}

/// A measurement, not a check (ignored; run with `--ignored`): the reader on held-out
/// narrations with answers written by another implementation of the same grammar
/// (llama.cpp under a GBNF grammar, `scripts/llm-prototype.py reader`). With
/// `TCCC_LLM_WORK=DIR` (and `TCCC_LLM_CORPUS`, default heldout10-final.json): without
/// `DIR/reader_answers.json` it writes `DIR/reader_prompts.json` and the rules-only
/// records to `DIR/base/`; with it, the records with the answers filed to `DIR/reader/`.
/// Score both with scripts/score_extraction.py (with and without --confirmed-only).
#[test]
#[ignore = "a measurement: needs TCCC_LLM_WORK and answers from scripts/llm-prototype.py"]
fn measure_reader_with_answers_written_elsewhere() {
    use std::path::PathBuf;
    use tccc::llm::reader::file_answer;
    use tccc::record::{RecordDocument, UtteranceDocument};
    let Some(work) = std::env::var_os("TCCC_LLM_WORK").map(PathBuf::from) else {
        eprintln!(
            "measure_reader_with_answers_written_elsewhere ... skipped: TCCC_LLM_WORK is not set"
        );
        return;
    };
    let corpus = std::env::var("TCCC_LLM_CORPUS").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/heldout10-final.json"
        )
        .to_owned()
    });
    let scenarios: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&corpus).unwrap()).unwrap();
    let answers_path = work.join("reader_answers.json");
    let answers: Option<serde_json::Value> = std::fs::read_to_string(&answers_path)
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap());
    // TCCC_LLM_OWN: tccc's own runtime answers (records to DIR/own/).
    let mut own = std::env::var_os("TCCC_LLM_OWN").map(|_| {
        tccc::llm::checked::open_generator(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf"
        )))
        .unwrap()
    });
    let out_dir = work.join(if own.is_some() {
        "own"
    } else if answers.is_some() {
        "reader"
    } else {
        "base"
    });
    std::fs::create_dir_all(&out_dir).unwrap();
    let lexicon = Lexicon::new();
    let mut prompts = Vec::new();
    let (mut read, mut filed, mut refused) = (0, 0, 0);
    for scenario in scenarios.as_array().unwrap() {
        let id = scenario["id"].as_str().unwrap();
        let mut extractor = Extractor::new(ExtractorConfig::default());
        let mut utterances = Vec::new();
        for (i, u) in scenario["utterances"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let text = u.as_str().unwrap();
            let (start, end) = (i as f64, i as f64 + 1.0);
            let changes = extractor
                .push_utterance(i as u32, text, start, end)
                .unwrap();
            utterances.push(UtteranceDocument {
                start_s: start,
                end_s: end,
                text: text.to_owned(),
            });
            if !should_read(text, &changes, &lexicon) {
                continue;
            }
            let key = format!("{id}#{i}");
            read += 1;
            if let Some(generator) = own.as_mut() {
                let reading = tccc::llm::reader::read_missed(
                    generator.as_mut(),
                    &mut extractor,
                    i as u32,
                    text,
                    (start, end),
                )
                .unwrap();
                println!("{key}: {text:?}\n    -> {}", reading.answer);
                for (_, fact) in &reading.filed {
                    println!("    FILED {fact}");
                }
                filed += reading.filed.len();
                refused += reading.refused;
                continue;
            }
            match &answers {
                None => prompts.push(serde_json::json!({
                    "key": key, "utterance": text, "prompt": prompt(text, ChatFormat::ChatMl),
                })),
                Some(answers) => {
                    let answer = answers[key.as_str()].as_str().unwrap_or("");
                    let reading =
                        file_answer(&mut extractor, i as u32, text, (start, end), answer).unwrap();
                    println!("{key}: {text:?}\n    -> {answer}");
                    for (_, fact) in &reading.filed {
                        println!("    FILED {fact}");
                    }
                    filed += reading.filed.len();
                    refused += reading.refused;
                }
            }
        }
        let document = RecordDocument::new(&extractor.record(), utterances);
        std::fs::write(
            out_dir.join(format!("{id}.json")),
            document.to_json().unwrap(),
        )
        .unwrap();
    }
    if answers.is_none() && own.is_none() {
        let all = serde_json::json!({"kinds": kinds(), "prompts": prompts});
        std::fs::write(
            work.join("reader_prompts.json"),
            serde_json::to_string_pretty(&all).unwrap(),
        )
        .unwrap();
    }
    println!("utterances read again {read}, proposals filed {filed}, refused {refused}");
}

/// A small deterministic mutator (xorshift) over seed inputs: bytes flipped, inserted,
/// deleted, and runs copied from elsewhere in the input.
fn mutated(seeds: &[&str], count: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut state = seed | 1;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound.max(1) as u64) as usize
    };
    (0..count)
        .map(|_| {
            let mut data = seeds[next(seeds.len())].as_bytes().to_vec();
            for _ in 0..1 + next(8) {
                let at = next(data.len() + 1);
                match next(4) {
                    0 if at < data.len() => data[at] = next(256) as u8,
                    1 => {
                        let alphabet = b"[]{}\":,\\\n a9\xff";
                        data.insert(at, alphabet[next(alphabet.len())]);
                    }
                    2 if at < data.len() => {
                        data.remove(at);
                    }
                    _ => {
                        let from = next(data.len() + 1);
                        let run: Vec<u8> = data[from..].iter().take(next(24)).copied().collect();
                        let at = at.min(data.len());
                        data.splice(at..at, run);
                    }
                }
            }
            data
        })
        .collect()
}

#[test]
fn the_reader_and_the_checker_survive_malformed_answers() {
    let reader_seeds = [
        "cinched a cat on the right thigh at 0910\n[{\"fact\":\"tourniquet\",\"value\":\"cat\",\"where\":\"right thigh\",\"time\":\"0910\"}]",
        "heart going one forty\n[{\"fact\":\"pulse\",\"value\":\"one forty\",\"where\":\"\",\"time\":\"\"},{\"fact\":\"spo2\",\"value\":\"forty\",\"where\":\"\",\"time\":\"\"}]",
        "pushed fifty milligrams ketamine IM\n[{\"fact\":\"medication:ketamine\",\"value\":\"fifty milligrams\",\"where\":\"\",\"time\":\"\"}]",
        "\n[]",
    ];
    for data in mutated(&reader_seeds, 20_000, 7) {
        tccc::fuzzing::llm_reader_answer(&data);
    }
    let paragraph_seeds = [
        "Casualty one has a tourniquet on the left leg at 14:10. Pulse one twenty over 80, 0.5 mg.",
        "Sergeant Miller, casualty 2, right arm. TXA 1 g IV at fourteen ten! Stable? 98%.",
    ];
    for data in mutated(&paragraph_seeds, 400, 11) {
        tccc::fuzzing::llm_handover_paragraph(&data);
    }
}

/// A reading the model answered after later utterances were heard (`llm::reading`) is
/// journaled after them; replay files it there again, merged in journal order with the
/// medic's verdict on it, so fact ids and every event are what they were. (Filed after
/// the utterance it names instead, the ids would differ.)
#[test]
fn a_late_proposal_is_filed_again_where_the_journal_holds_it() {
    use tccc::extract::lexicon::LEXICON_VERSION;
    use tccc::journal::codec::UtteranceRecord;
    use tccc::record::{Event, EventLog};
    let lines = [
        "Casualty one, gunshot wound left thigh.",
        "the tourniquet is holding, heart going about one forty",
        "Pulse 90, respiratory rate 20.",
        "Blood pressure 110 over 70.",
    ];
    let mut live = Extractor::new(ExtractorConfig::default());
    let mut state = tccc::journal::State::default();
    let mut seq = 0u64;
    let mut journaled = 0usize;
    let mut journal_events =
        |extractor: &Extractor, state: &mut tccc::journal::State, seq: &mut u64| {
            for _ in journaled..extractor.events().len() {
                state.event_seqs.push(*seq);
                *seq += 1;
            }
            journaled = extractor.events().len();
        };
    let mut asked = None;
    for (i, line) in lines.iter().enumerate() {
        let index = i as u32;
        state.utterances.push(UtteranceRecord {
            index,
            start_s: i as f64,
            end_s: i as f64 + 1.0,
            text: (*line).to_owned(),
            words: Vec::new(),
            model: "test".to_owned(),
            lexicon: LEXICON_VERSION.to_owned(),
            audio_seq: None,
            rehearing_of: None,
        });
        state.utterance_seqs.push(seq);
        seq += 1;
        let changes = live
            .push_utterance(index, line, i as f64, i as f64 + 1.0)
            .unwrap();
        journal_events(&live, &mut state, &mut seq);
        if should_read(line, &changes, &Lexicon::new()) {
            asked = Some((index, live.current_casualty()));
        }
        // The model answers utterance 1 while utterance 2 is being heard: filed after it.
        if index == 2 {
            let (asked_index, casualty) = asked.expect("utterance 1 is for the reader");
            let reading = tccc::llm::reader::file_answer_for(
                &mut live,
                casualty,
                asked_index,
                lines[1],
                (1.0, 2.0),
                r#"[{"fact":"pulse","value":"one forty","where":"","time":""}]"#,
            )
            .unwrap();
            assert_eq!(reading.filed.len(), 1, "{reading:?}");
            // The medic confirms it before utterance 3.
            live.confirm(
                reading.filed[0].0,
                Provenance {
                    utterance: 2,
                    char_start: 0,
                    char_end: 0,
                    heard_start_s: 0.0,
                    heard_end_s: 0.0,
                    confidence: 1.0,
                    doubt: None,
                    lexicon: "",
                },
            )
            .unwrap();
            journal_events(&live, &mut state, &mut seq);
        }
    }
    state.log = EventLog::from_events(live.events().to_vec()).unwrap();
    let proposed = |events: &[Event]| {
        events
            .iter()
            .position(|e| e.provenance().doubt == Some(Doubt::Proposed))
            .unwrap()
    };
    let at = proposed(live.events());
    assert!(
        live.events()[..at]
            .iter()
            .any(|e| e.provenance().utterance == 2),
        "the proposal follows utterance 2's facts"
    );

    let mut again = Extractor::new(ExtractorConfig::default());
    let next = tccc::analysis::replay_utterances(&mut again, &state);
    assert_eq!(next, lines.len() as u32);
    assert_eq!(again.events(), live.events());
    assert!(!again.live_facts().iter().any(|f| f.unconfirmed));

    // Without the journal's order (each proposal after the utterance it names) the fact
    // ids would differ: the check above can fail.
    state.utterance_seqs.clear();
    let mut by_index = Extractor::new(ExtractorConfig::default());
    tccc::analysis::replay_utterances(&mut by_index, &state);
    assert_ne!(by_index.events(), live.events());
}
