//! Renderers of the record: the DD 1380 card as 80-column text, the MIST and ATMIST
//! handovers, and the MEDEVAC 9-line. Renderers only read the record; they never add a
//! fact. What was not said prints as "not stated".

pub mod card;
pub mod handover;
pub mod nine_line;

use crate::limits::CARD_COLUMNS_MAX;

/// What a renderer prints for a value nobody said.
pub const NOT_STATED: &str = "not stated";

/// What a renderer appends to a value the medic has not confirmed (heard unclearly, read
/// from a sound-alike, or said in an ambiguous clause).
pub const UNCONFIRMED_MARK: &str = "?";

/// The line that explains the mark, printed once under a card that shows it.
pub const UNCONFIRMED_LEGEND: &str = " ? = unconfirmed (heard unclearly): confirm before acting";

/// The mark for a value, or nothing.
pub(crate) fn mark(unconfirmed: bool) -> &'static str {
    if unconfirmed {
        UNCONFIRMED_MARK
    } else {
        ""
    }
}

/// Appends `text` to `out` as lines of at most `CARD_COLUMNS_MAX` columns: the first line
/// starts with `first_prefix`, continuation lines with `next_prefix`. Words longer than a
/// line are cut.
pub(crate) fn wrap_into(out: &mut String, first_prefix: &str, next_prefix: &str, text: &str) {
    let mut line = String::from(first_prefix);
    let mut line_has_word = false;
    for word in text.split_whitespace() {
        let width = line.chars().count();
        let word_width = word.chars().count();
        if line_has_word && width + 1 + word_width > CARD_COLUMNS_MAX {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(next_prefix);
            line_has_word = false;
        }
        if line_has_word {
            line.push(' ');
        }
        let room = CARD_COLUMNS_MAX.saturating_sub(line.chars().count());
        line.extend(word.chars().take(room.max(1)));
        line_has_word = true;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// A region or limb name for people ("right_arm" → "right arm").
pub(crate) fn human(text: &str) -> String {
    text.replace('_', " ")
}

/// One change to the record as a line for people: `>` casualty switch, `+` asserted,
/// `~` corrected, `-` withdrawn (what `--changes` and the demo print).
pub fn describe_change(change: &crate::extract::Change) -> String {
    use crate::extract::Change;
    match change {
        Change::Switched(casualty) => format!("> casualty {casualty}"),
        Change::Asserted(casualty, fact) => format!("+ casualty {casualty}: {fact}"),
        Change::Corrected {
            casualty,
            old,
            new: Some(new),
        } => format!("~ casualty {casualty}: {old} -> {new}"),
        Change::Corrected {
            casualty,
            old,
            new: None,
        } => format!("- casualty {casualty}: {old} withdrawn"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use crate::record::{
        Doubt, Evac, EventLog, Fact, Limb, Provenance, Sex, TourniquetKind, VitalValue,
    };

    fn provenance(doubt: Option<Doubt>) -> Provenance {
        Provenance {
            utterance: 0,
            char_start: 0,
            char_end: 1,
            heard_start_s: 0.0,
            heard_end_s: 1.0,
            confidence: if doubt.is_some() { 0.4 } else { 1.0 },
            doubt,
            lexicon: "",
        }
    }

    /// Casualty 1: a doubted tourniquet, pulse, sex and evac; a clear SpO2.
    fn log() -> (EventLog, u32) {
        let mut log = EventLog::new();
        let doubt = provenance(Some(Doubt::LowConfidence));
        let tq = log
            .assert_fact(
                1,
                Fact::Tourniquet {
                    limb: Limb::LeftLeg,
                    kind: TourniquetKind::Extremity,
                    time: None,
                },
                doubt,
            )
            .unwrap();
        for (fact, p) in [
            (
                Fact::Vital {
                    value: VitalValue::Pulse(120),
                    time: None,
                },
                doubt,
            ),
            (
                Fact::Vital {
                    value: VitalValue::Spo2(97),
                    time: None,
                },
                provenance(None),
            ),
            (Fact::Sex(Sex::Male), doubt),
            (Fact::Evac(Evac::Urgent), doubt),
        ] {
            log.assert_fact(1, fact, p).unwrap();
        }
        (log, tq)
    }

    #[test]
    fn every_renderer_marks_unconfirmed_values() {
        let (log, _) = log();
        let record = log.project();
        let card = super::card::render(&record);
        assert!(card.contains("--:--?"), "{card}");
        assert!(card.contains("120?"), "{card}");
        assert!(card.contains("| 97 ") || card.contains("| 97\n"), "{card}");
        assert!(card.contains("GENDER: M?"), "{card}");
        assert!(card.contains("[?] Urgent"), "{card}");
        assert!(card.contains(super::UNCONFIRMED_LEGEND), "{card}");
        assert!(card.lines().all(|l| l.chars().count() <= 80));
        let mist = super::handover::mist(&record);
        assert!(mist.contains("HR 120? SpO2 97%\n"), "{mist}");
        assert!(mist.contains("extremity tourniquet left leg?"), "{mist}");
        let atmist = super::handover::atmist(&record);
        assert!(atmist.contains("sex male?"), "{atmist}");
        let nine = super::nine_line::render(&record, &Default::default());
        assert!(nine.contains("A1 (1?)"), "{nine}");
        assert!(nine.contains("L1 (1?)"), "{nine}");
    }

    #[test]
    fn confirmed_values_lose_their_mark_and_rejected_ones_leave() {
        let (mut log, tq) = log();
        log.confirm_fact(tq, provenance(None)).unwrap();
        let card = super::card::render(&log.project());
        assert!(
            card.contains("extremity --:--") && !card.contains("--:--?"),
            "{card}"
        );
        log.reject_fact(tq, provenance(None)).unwrap();
        let card = super::card::render(&log.project());
        assert!(!card.contains("extremity --:--"), "{card}");
    }

    #[test]
    fn json_carries_the_marks() {
        let (log, _) = log();
        let document = crate::record::RecordDocument::new(&log.project(), Vec::new());
        let json: serde_json::Value = serde_json::from_str(&document.to_json().unwrap()).unwrap();
        let casualty = &json["casualties"][0];
        assert_eq!(casualty["tourniquets"][0]["unconfirmed"], true);
        // The doubted pulse is written apart from the clear SpO2 of its set, which stays
        // unmarked (the schema marks whole entries).
        assert_eq!(casualty["vitals"][0]["spo2"], 97);
        assert_eq!(
            casualty["vitals"][0]["unconfirmed"],
            serde_json::Value::Null
        );
        assert_eq!(casualty["vitals"][1]["pulse"], 120);
        assert_eq!(casualty["vitals"][1]["unconfirmed"], true);
        assert_eq!(
            casualty["unconfirmed_fields"],
            serde_json::json!(["sex", "evac_category"])
        );
        let clear = crate::record::RecordDocument::new(&EventLog::new().project(), Vec::new());
        assert!(!clear.to_json().unwrap().contains("unconfirmed"));
    }
}
