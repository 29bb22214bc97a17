//! Whole narrations with spoken times, replayed on a simulated clock, against the alert
//! timeline the guidelines call for: every expected alert within 1 s of its due time, no
//! other alert, and no repeat without new evidence.

#![allow(clippy::unwrap_used)]

mod advisor_support;

use advisor_support::{after, at, replay_with};
use tccc::advisor::rules::{RuleSet, Severity};

/// Replays `lines` (end of utterance, text) from `start` to `until` and checks the alerts
/// raised against `expected` (due, casualty, rule, severity), in order.
fn check(
    start: &str,
    lines: &[(&str, &str)],
    until: &str,
    expected: &[(&str, u8, &str, Severity)],
) {
    let raised = replay_with(RuleSet::builtin().unwrap(), start, lines, until);
    let got: Vec<String> = raised
        .iter()
        .map(|a| format!("{} c{} {} {:?}", a.raised, a.casualty, a.rule, a.severity))
        .collect();
    assert_eq!(
        raised.len(),
        expected.len(),
        "timeline:\n{}",
        got.join("\n")
    );
    for (alert, (due, casualty, rule, severity)) in raised.iter().zip(expected) {
        let due = after(at(start), at(due));
        assert!(
            alert.rule == *rule
                && alert.casualty == *casualty
                && alert.severity == *severity
                && (alert.raised.0 - due.0).abs() <= 1,
            "expected {due} c{casualty} {rule} {severity:?}; timeline:\n{}",
            got.join("\n")
        );
    }
    for (i, a) in raised.iter().enumerate() {
        for b in &raised[..i] {
            assert!(
                !(a.rule == b.rule
                    && a.casualty == b.casualty
                    && a.evidence == b.evidence
                    && a.severity == b.severity),
                "repeat without new evidence: {}",
                a.message
            );
        }
    }
}

use Severity::{Advisory, Warning};

#[test]
fn single_casualty_leg_wound_by_the_book() {
    // Everything done in order: only the timers the guideline sets fire.
    let lines = [
        (
            "14:02",
            "casualty one, gunshot wound right thigh, heavy bleeding",
        ),
        ("14:03", "tourniquet right leg at fourteen zero three"),
        (
            "14:06",
            "AVPU alert, pulse one ten, blood pressure one ten over seventy",
        ),
        ("14:09", "TXA two grams IV at fourteen zero nine"),
        ("14:12", "cefadroxil one gram PO at fourteen twelve"),
        (
            "14:15",
            "fentanyl eight hundred micrograms OTFC at fourteen fifteen",
        ),
    ];
    check(
        "14:00",
        &lines,
        "20:30",
        &[
            ("14:02", 1, "antibiotics-open-wound", Advisory),
            ("14:03", 1, "txa-indicated", Advisory),
            ("14:15", 1, "disarm-after-sedation", Advisory),
            ("14:15", 1, "naloxone-with-opioid", Advisory),
            ("14:30", 1, "otfc-reassess", Advisory),
            ("16:03", 1, "tq-convert-2h", Warning),
            ("19:33", 1, "tq-limit-6h-approaching", Advisory),
            ("20:03", 1, "tq-limit-6h", Warning),
        ],
    );
}

#[test]
fn blast_casualty_with_blood_and_late_txa() {
    let lines = [
        (
            "10:20",
            "casualty two, IED strike at ten ten, amputation left leg",
        ),
        ("10:21", "junctional tourniquet left groin at ten fifteen"),
        (
            "10:25",
            "AVPU pain, pulse one forty, blood pressure seventy over palp",
        ),
        ("10:31", "whole blood one unit IO at ten thirty"),
        ("10:40", "hypothermia prevention kit applied"),
        ("10:42", "calcium chloride one gram IV"),
        ("10:50", "ketamine twenty milligrams IV at ten fifty"),
        ("11:00", "ketamine twenty milligrams IV at eleven hundred"),
        ("13:30", "TXA two grams IO at thirteen thirty"),
    ];
    check(
        "10:19",
        &lines,
        "13:31",
        &[
            ("10:20", 2, "txa-indicated", Advisory),
            ("10:20", 2, "antibiotics-open-wound", Advisory),
            // A major lower-limb amputation calls for a pelvic binder (DOMAIN.md §4.4 #6).
            ("10:20", 2, "pelvic-binder-amputation", Advisory),
            ("10:25", 2, "shock-suggest-urgent", Advisory),
            ("10:31", 2, "calcium-after-blood", Advisory),
            // Reassess after each unit (DOMAIN.md §4.4 #9): no vitals after the blood.
            ("10:31", 2, "reassess-after-unit", Advisory),
            ("10:31", 2, "hypothermia-with-fluids", Advisory),
            ("10:50", 2, "disarm-after-sedation", Advisory),
            ("11:00", 2, "ketamine-redose-early", Warning),
            // No 2 h conversion alert: the tourniquet is on an amputated limb, which is never
            // converted (DOMAIN.md §4.4 #3).
            // The injury time said (10:10), not the tourniquet's 10:15, closes the window.
            ("13:10", 2, "txa-window-closed", Advisory),
            ("13:30", 2, "txa-given-late", Warning),
        ],
    );
}

#[test]
fn two_casualties_across_midnight() {
    let lines = [
        (
            "23:40",
            "casualty one, laceration left forearm, pressure dressing left arm",
        ),
        ("23:44", "AVPU alert"),
        (
            "23:45",
            "ondansetron four milligrams IV at twenty three forty five",
        ),
        (
            "23:52",
            "casualty two, fall, fracture right leg, splint right leg",
        ),
        (
            "23:58",
            "casualty one, ondansetron four milligrams IV at twenty three fifty eight",
        ),
        (
            "00:20",
            "casualty two, tourniquet right leg at zero zero twenty",
        ),
        (
            "00:31",
            "casualty one, ondansetron four milligrams IV at zero zero thirty",
        ),
    ];
    check(
        "23:38",
        &lines,
        "02:30",
        &[
            ("23:40", 1, "antibiotics-open-wound", Advisory),
            // 13 min after the first dose; the guideline repeats ondansetron once after 15.
            ("23:58", 1, "ondansetron-repeat-early", Warning),
            ("00:20", 2, "txa-indicated", Advisory),
            ("00:31", 1, "ondansetron-cap", Warning),
            // Injury of casualty 2 assumed at first mention, 23:52.
            ("02:20", 2, "tq-convert-2h", Warning),
        ],
    );
}

#[test]
fn benzodiazepine_after_opioid_and_conversion_only_on_an_intact_limb() {
    let lines = [
        (
            "09:00",
            "casualty one, GSW right leg, tourniquet right leg at zero nine hundred",
        ),
        (
            "09:02",
            "casualty two, IED, amputation left arm, tourniquet left arm at zero nine oh two",
        ),
        ("09:05", "casualty two, AVPU alert"),
        (
            "09:06",
            "casualty two fentanyl fifty micrograms IV at zero nine oh six",
        ),
        // A second opioid dose is no new evidence for the benzodiazepine alert.
        (
            "09:40",
            "casualty two fentanyl fifty micrograms IV at zero nine forty",
        ),
        (
            "09:50",
            "casualty two midazolam two milligrams IV at zero nine fifty",
        ),
    ];
    check(
        "09:00",
        &lines,
        "11:10",
        &[
            ("09:00", 1, "txa-indicated", Advisory),
            ("09:00", 1, "antibiotics-open-wound", Advisory),
            ("09:02", 2, "txa-indicated", Advisory),
            ("09:02", 2, "antibiotics-open-wound", Advisory),
            // Once, at the first opioid: the second dose and the midazolam repeat nothing.
            ("09:06", 2, "disarm-after-sedation", Advisory),
            ("09:06", 2, "naloxone-with-opioid", Advisory),
            ("09:50", 2, "benzodiazepine-with-opioid", Warning),
            // Casualty one's limb is intact: convert by 11:00. Casualty two's arm is
            // amputated: no conversion alert at 11:02.
            ("11:00", 1, "tq-convert-2h", Warning),
        ],
    );
}

// --- advisor3 branch: two narrations written for this branch (not from a fresh set).

#[test]
fn night_pain_and_nausea_across_midnight() {
    // A closed leg fracture from a fall: no TXA, no antibiotics. Fentanyl IV repeated
    // after 15 min (the guideline says q30 min), then properly after 35; ondansetron twice
    // before midnight's quarter hour (8 mg), a third dose at 07:40 is over 8 mg in 8 h, a
    // fourth at 08:20 is not (the 23:55 and 00:15 doses have left the window).
    let lines = [
        (
            "23:30",
            "casualty one, fall from the roof, fracture left leg, splint left leg",
        ),
        ("23:32", "AVPU alert, pulse ninety eight, pain eight"),
        (
            "23:35",
            "fentanyl fifty micrograms IV at twenty three thirty five",
        ),
        (
            "23:50",
            "fentanyl fifty micrograms IV at twenty three fifty",
        ),
        (
            "23:55",
            "ondansetron four milligrams IV at twenty three fifty five",
        ),
        (
            "00:15",
            "ondansetron four milligrams IV at zero zero fifteen",
        ),
        (
            "00:25",
            "fentanyl fifty micrograms IV at zero zero twenty five",
        ),
        (
            "07:40",
            "ondansetron four milligrams IV at zero seven forty",
        ),
        (
            "08:20",
            "ondansetron four milligrams IV at zero eight twenty",
        ),
    ];
    check(
        "23:28",
        &lines,
        "09:00",
        &[
            ("23:35", 1, "disarm-after-sedation", Advisory),
            ("23:35", 1, "naloxone-with-opioid", Advisory),
            ("23:50", 1, "fentanyl-redose-early", Warning),
            ("07:40", 1, "ondansetron-cap", Warning),
        ],
    );
}

#[test]
fn urgent_casualty_with_ketamine_and_repeated_vitals() {
    // Shock (responds to pain only) with a penetrating abdominal wound: TXA and
    // antibiotics called for and given; ketamine IV repeated after 15 min (q20 min), then
    // after 25. Vitals are taken again and again: the guidelines set no reassessment
    // interval (DOMAIN.md §4.4, "Reassessment intervals"), so no alert asks for them.
    let lines = [
        (
            "14:00",
            "casualty two, gunshot wound abdomen, AVPU pain, pulse one thirty",
        ),
        ("14:05", "TXA two grams IV at fourteen zero five"),
        ("14:08", "ertapenem one gram IV at fourteen zero eight"),
        ("14:10", "ketamine twenty milligrams IV at fourteen ten"),
        (
            "14:15",
            "pulse one twenty eight, blood pressure eighty over fifty",
        ),
        (
            "14:25",
            "ketamine twenty milligrams IV at fourteen twenty five",
        ),
        (
            "14:30",
            "pulse one twenty, blood pressure eighty eight over fifty five",
        ),
        ("14:50", "ketamine twenty milligrams IV at fourteen fifty"),
        ("14:55", "AVPU alert, pulse one ten"),
    ];
    check(
        "13:58",
        &lines,
        "18:30",
        &[
            ("14:00", 2, "txa-indicated", Advisory),
            ("14:00", 2, "antibiotics-open-wound", Advisory),
            ("14:00", 2, "shock-suggest-urgent", Advisory),
            ("14:10", 2, "disarm-after-sedation", Advisory),
            ("14:25", 2, "ketamine-redose-early", Warning),
        ],
    );
}

#[test]
fn an_injury_from_the_day_before_has_no_txa_window_today() {
    // "Hit yesterday at thirteen hundred", reported at 09:05: the injury was 20 h ago, not
    // 4 h ahead (the nearest-time rule alone would offer TXA until 16:00 today).
    let lines = [
        (
            "09:05",
            "casualty one, gunshot wound left thigh, he was hit yesterday at thirteen hundred on another patrol",
        ),
        ("09:06", "tourniquet left thigh at zero nine zero six"),
    ];
    check(
        "09:04",
        &lines,
        "09:30",
        &[
            ("09:05", 1, "antibiotics-open-wound", Advisory),
            // The tourniquet is the first sign of bleeding that calls for TXA: by then the
            // 3 h window had closed the afternoon before.
            ("09:06", 1, "txa-window-closed", Advisory),
        ],
    );
}
