//! Every advisor rule on a simulated clock: it fires (at its due time, within 1 s), it does
//! not fire when the guideline does not call for it, it fires once, and it re-arms only on
//! new evidence. Also: the rule file is validated, alerts are bounded, acknowledged and
//! restored, unconfirmed facts raise only advisories, and midnight is handled.

#![allow(clippy::unwrap_used)]

use tccc::advisor::clock::{SimClock, Stamp, DAY_S};
use tccc::advisor::rules::{RuleSet, Severity};
use tccc::advisor::{Advisor, AdvisorError, Alert, AlertEvent};
use tccc::extract::{Extractor, ExtractorConfig};
use tccc::limits::ALERTS_PER_CASUALTY_MAX;
use tccc::record::{
    Avpu, Clock, DoseUnit, Fact, Limb, LiveFact, Provenance, Route, TourniquetKind, VitalValue,
};

/// "HH:MM" or "HH:MM:SS" on the first day.
fn at(text: &str) -> Stamp {
    let mut parts = text.split(':').map(|p| p.parse::<i64>().unwrap());
    let (h, m) = (parts.next().unwrap(), parts.next().unwrap());
    Stamp(h * 3600 + m * 60 + parts.next().unwrap_or(0))
}

/// Narrates `lines` (clock time the utterance ended, text) from `start`, runs the advisor
/// to `until`, and returns the alerts raised.
fn narrate(start: &str, lines: &[(&str, &str)], until: &str) -> (Vec<Alert>, Advisor) {
    let start = at(start);
    let mut extractor = Extractor::new(ExtractorConfig::default());
    for (index, (time, text)) in lines.iter().enumerate() {
        let mut end = at(time);
        if end < start {
            end = Stamp(end.0 + DAY_S);
        }
        let end_s = (end.0 - start.0) as f64;
        extractor
            .push_utterance(index as u32, text, (end_s - 1.0).max(0.0), end_s)
            .unwrap();
    }
    let mut until = at(until);
    if until < start {
        until = Stamp(until.0 + DAY_S);
    }
    let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
    let mut clock = SimClock::new(start);
    let raised = advisor
        .replay(extractor.events(), &mut clock, Some(until))
        .unwrap();
    let alerts = raised
        .into_iter()
        .filter_map(|e| match e {
            AlertEvent::Raised(a) => Some(a),
            AlertEvent::Acknowledged { .. } => None,
        })
        .collect();
    (alerts, advisor)
}

fn of<'a>(alerts: &'a [Alert], rule: &str) -> Vec<&'a Alert> {
    alerts.iter().filter(|a| a.rule == rule).collect()
}

/// Exactly one alert of `rule`, raised within 1 s of `due`.
fn once_at(alerts: &[Alert], rule: &str, due: &str) -> Alert {
    let found = of(alerts, rule);
    assert_eq!(found.len(), 1, "{rule}: {alerts:#?}");
    let alert = found[0].clone();
    let due = at(due);
    assert!(
        (alert.raised.0 - due.0).abs() <= 1,
        "{rule} raised at {} not {due}",
        alert.raised
    );
    alert
}

#[test]
fn the_builtin_rule_file_is_valid_and_every_example_fires() {
    let rules = RuleSet::builtin().unwrap();
    assert!(!rules.version.is_empty());
    for rule in &rules.rules {
        assert!(rule.source.starts_with("DOMAIN.md §4.4 #"), "{}", rule.id);
        let lines: Vec<(String, &str)> = rule
            .example
            .iter()
            .enumerate()
            .map(|(i, text)| (format!("09:{:02}", i), text.as_str()))
            .collect();
        let lines: Vec<(&str, &str)> = lines.iter().map(|(t, x)| (t.as_str(), *x)).collect();
        let (alerts, _) = narrate("09:00", &lines, "16:00");
        assert!(
            !of(&alerts, &rule.id).is_empty(),
            "example of {} fires nothing: {alerts:#?}",
            rule.id
        );
    }
}

#[test]
fn malformed_rule_files_are_refused_with_the_rule_and_the_problem() {
    let good = r#"
version = "t/1"
[[rule]]
id = "a"
kind = "elapsed"
facts = ["tourniquet"]
after_min = 120
severity = "warning"
message = "{fact}"
source = "DOMAIN.md §4.4 #3 (G2024 l.191-197)"
example = ["tourniquet left leg"]
"#;
    assert!(RuleSet::parse(good, "t").is_ok());
    let cases = [
        (
            good.replace("\"tourniquet\"]", "\"tourniquets\"]"),
            "unknown fact `tourniquets`",
        ),
        (
            good.replace("\"tourniquet\"]", "\"medication:aspirinx\"]"),
            "unknown fact",
        ),
        (good.replace("{fact}", "{limb}"), "unknown placeholder"),
        (
            good.replace("DOMAIN.md §4.4 #3 (G2024 l.191-197)", "a book"),
            "must cite",
        ),
        (good.replace("\"elapsed\"", "\"sometimes\""), "unknown kind"),
        (
            good.replace("after_min = 120", "after_min = 5000"),
            "outside",
        ),
        (
            good.replace("example = [\"tourniquet left leg\"]", "example = []"),
            "example",
        ),
        (
            format!("{good}{}", &good[good.find("[[rule]]").unwrap()..]),
            "ids must be unique",
        ),
        (
            format!(
                "{good}{}",
                good[good.find("[[rule]]").unwrap()..].replace("id = \"a\"", "id = \"b\"")
            ),
            "same facts with the same timing as rule `a`",
        ),
        (
            good.replace(
                "kind = \"elapsed\"",
                "kind = \"window_open\"\nconditions = [\"bleeding\"]\nwithin_min = 1",
            ),
            "unknown condition",
        ),
        (
            good.replace("version = \"t/1\"", "version = \"\""),
            "version",
        ),
        // adv15: the burn fluid formula is data and must be whole; conditions on a tourniquet
        // clock are for `elapsed` only.
        (
            good.replace(
                "kind = \"elapsed\"\nfacts = [\"tourniquet\"]\nafter_min = 120",
                "kind = \"burn_fluids\"\ntbsa_over_percent = 20\nml_h_per_percent = 10\nml_h_per_10kg_above = 100",
            ),
            "band_kg",
        ),
        (
            good.replace(
                "kind = \"elapsed\"\nfacts = [\"tourniquet\"]\nafter_min = 120",
                "kind = \"time_missing\"\nfacts = [\"tourniquet\"]\nwhen_conditions = [\"shock\"]",
            ),
            "for kind `elapsed`",
        ),
        (
            good.replace("after_min = 120", "after_min = 120\nwhen_conditions = [\"fever\"]"),
            "unknown condition",
        ),
    ];
    for (text, expected) in cases {
        let error = RuleSet::parse(&text, "t").unwrap_err();
        assert!(matches!(error, AdvisorError::Rules { .. }));
        assert!(
            error.to_string().contains(expected),
            "{error} lacks {expected}"
        );
    }
}

#[test]
fn tourniquet_two_and_six_hours_fire_once_at_their_time() {
    let lines = [("09:06", "tourniquet left leg at zero nine zero five")];
    let (alerts, _) = narrate("09:00", &lines, "11:04:59");
    assert!(of(&alerts, "tq-convert-2h").is_empty());
    let (alerts, _) = narrate("09:00", &lines, "18:00");
    let two = once_at(&alerts, "tq-convert-2h", "11:05");
    assert_eq!(two.severity, Severity::Warning);
    once_at(&alerts, "tq-limit-6h", "15:05");
}

#[test]
fn tourniquet_six_hour_limit_is_announced_half_an_hour_before() {
    // adv19 (set 24): the bird is late, the tourniquet nears six hours.
    let lines = [
        ("13:02", "tourniquet right leg at thirteen oh two"),
        ("18:40", "bird is still delayed, TQ still on the right leg"),
    ];
    let (alerts, _) = narrate("13:00", &lines, "18:31:59");
    assert!(
        of(&alerts, "tq-limit-6h-approaching").is_empty(),
        "{alerts:#?}"
    );
    let (alerts, _) = narrate("13:00", &lines, "19:30");
    let soon = once_at(&alerts, "tq-limit-6h-approaching", "18:32");
    assert_eq!(soon.severity, Severity::Advisory);
    once_at(&alerts, "tq-limit-6h", "19:02");
    // An amputated limb's tourniquet stays on: no warning that it soon cannot come off.
    let lines = [
        (
            "08:07",
            "casualty one, IED, left leg traumatic amputation below the knee",
        ),
        ("08:09", "tourniquet left leg, time zero eight oh nine"),
    ];
    let (alerts, _) = narrate("08:05", &lines, "15:00");
    assert!(
        of(&alerts, "tq-limit-6h-approaching").is_empty(),
        "{alerts:#?}"
    );
    // Off before 5 h 30 min: nothing.
    let lines = [
        ("09:06", "tourniquet left leg at zero nine zero five"),
        ("10:30", "left leg tourniquet converted, off at ten thirty"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "16:00");
    assert!(
        of(&alerts, "tq-limit-6h-approaching").is_empty(),
        "{alerts:#?}"
    );
}

#[test]
fn a_corrected_tourniquet_time_re_arms_the_timer() {
    let lines = [
        ("09:06", "tourniquet left leg at zero nine zero five"),
        ("09:07", "correction, zero nine fifty one"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "12:00");
    // The 09:05 tourniquet was corrected before its 2 h: only the new time counts.
    once_at(&alerts, "tq-convert-2h", "11:51");
    // Corrected after the first alert: a new alert for the new time.
    let lines = [
        ("09:06", "tourniquet left leg at zero nine zero five"),
        ("11:06", "correction, zero nine fifty one"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "12:00");
    let found = of(&alerts, "tq-convert-2h");
    assert_eq!(found.len(), 2, "{alerts:#?}");
    assert_eq!(found[1].raised, at("11:51"));
}

#[test]
fn a_tourniquet_without_a_spoken_time_runs_from_when_it_was_heard() {
    let (alerts, _) = narrate("09:00", &[("09:10", "tourniquet left leg")], "11:30");
    let alert = once_at(&alerts, "tq-convert-2h", "11:10");
    assert!(
        alert.assumed_time && alert.message.contains("time assumed"),
        "{alert:?}"
    );
}

#[test]
fn midnight_is_crossed_in_both_directions() {
    // Applied before midnight: its 2 h fall on the next day.
    let (alerts, _) = narrate(
        "23:00",
        &[("23:31", "tourniquet right arm at twenty three thirty")],
        "01:45",
    );
    let found = of(&alerts, "tq-convert-2h");
    assert_eq!(found.len(), 1, "{alerts:#?}");
    assert_eq!(found[0].raised, Stamp(DAY_S + 5400));
    // Said after midnight about a time before it: yesterday (a session starting at 00:05
    // has its day 0 from that midnight), so the 2 h fall at 01:30 today, not tomorrow.
    let (alerts, _) = narrate(
        "00:05",
        &[("00:10", "tourniquet right arm at twenty three thirty")],
        "01:40",
    );
    assert_eq!(of(&alerts, "tq-convert-2h")[0].raised, Stamp(5400));
}

#[test]
fn txa_indicated_closed_and_late() {
    // Indicated by the tourniquet; window closes 3 h after the (assumed) injury time.
    let lines = [(
        "09:10",
        "gunshot wound left thigh, tourniquet left leg at zero nine zero five",
    )];
    let (alerts, _) = narrate("09:00", &lines, "13:00");
    let open = once_at(&alerts, "txa-indicated", "09:10");
    assert!(
        open.message.contains("give by 12:05") && open.message.contains("assumed"),
        "{}",
        open.message
    );
    assert_eq!(open.severity, Severity::Advisory);
    once_at(&alerts, "txa-window-closed", "12:05");
    // Given in time: neither the reminder after it nor the closing one.
    let lines = [
        ("09:10", "tourniquet left leg at zero nine zero five"),
        ("09:20", "TXA two grams IV at zero nine twenty"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "13:00");
    assert_eq!(of(&alerts, "txa-indicated").len(), 1);
    assert!(
        of(&alerts, "txa-window-closed").is_empty() && of(&alerts, "txa-given-late").is_empty()
    );
    // Given in the same breath as the indication: nothing at all.
    let lines = [(
        "09:10",
        "tourniquet left leg at zero nine zero five, TXA two grams IV",
    )];
    let (alerts, _) = narrate("09:00", &lines, "13:00");
    assert!(
        alerts.iter().all(|a| !a.rule.starts_with("txa")),
        "{alerts:#?}"
    );
    // Given after 3 h: a warning when it is said.
    let lines = [
        ("09:10", "tourniquet left leg at zero nine zero five"),
        ("12:30", "TXA two grams IV at twelve thirty"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "13:00");
    // The injury time was not said: measured from the first time known (the tourniquet
    // at 09:05), an advisory that says the injury time was assumed.
    let late = once_at(&alerts, "txa-given-late", "12:30");
    assert_eq!(late.severity, Severity::Advisory);
    assert!(
        late.assumed_time && late.message.contains("assumed"),
        "{late:?}"
    );
    // Said: a warning.
    let lines = [
        (
            "09:10",
            "he was hit at zero nine hundred, tourniquet left leg at zero nine zero five",
        ),
        ("12:30", "TXA two grams IV at twelve thirty"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "13:00");
    let late = once_at(&alerts, "txa-given-late", "12:30");
    assert_eq!(late.severity, Severity::Warning);
    assert!(
        !late.assumed_time && late.message.contains("09:00"),
        "{late:?}"
    );
    // No indication on the card: no TXA alert.
    let (alerts, _) = narrate("09:00", &[("09:10", "laceration left forearm")], "13:00");
    assert!(
        alerts.iter().all(|a| !a.rule.starts_with("txa")),
        "{alerts:#?}"
    );
}

#[test]
fn a_stated_injury_time_replaces_the_assumed_one() {
    let start = at("09:00");
    let mut extractor = Extractor::new(ExtractorConfig::default());
    extractor
        .push_utterance(
            0,
            "tourniquet left leg at zero nine zero five",
            599.0,
            600.0,
        )
        .unwrap();
    let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
    advisor.set_injury_time(1, at("08:30"));
    let mut clock = SimClock::new(start);
    let raised = advisor
        .replay(extractor.events(), &mut clock, Some(at("12:00")))
        .unwrap();
    let closed: Vec<_> = raised
        .iter()
        .filter_map(|e| match e {
            AlertEvent::Raised(a) if a.rule == "txa-window-closed" => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].raised, at("11:30"));
    assert!(!closed[0].assumed_time && !closed[0].message.contains("assumed"));
}

#[test]
fn an_injury_time_heard_in_the_narration_sets_the_txa_window() {
    // Hit at 10:30, found at 13:02: the window closes at 13:30, not 3 h after 13:02.
    let found = (
        "13:02",
        "casualty two, gunshot wound left chest, he was hit at ten thirty this morning",
    );
    let (alerts, _) = narrate("13:00", &[found], "16:30");
    let open = once_at(&alerts, "txa-indicated", "13:02");
    assert!(
        open.message.contains("give by 13:30") && !open.assumed_time,
        "{open:?}"
    );
    let closed = once_at(&alerts, "txa-window-closed", "13:30");
    assert!(
        closed.message.contains("10:30") && !closed.assumed_time,
        "{closed:?}"
    );
    // Given after the window: a warning when said, once.
    let lines = [found, ("13:45", "TXA two grams IV at thirteen forty five")];
    let (alerts, _) = narrate("13:00", &lines, "16:30");
    once_at(&alerts, "txa-window-closed", "13:30");
    assert_eq!(
        once_at(&alerts, "txa-given-late", "13:45").severity,
        Severity::Warning
    );
    // Given inside it: neither.
    let lines = [
        (
            "13:00",
            "casualty one, IED strike at twelve forty, fragments in the abdomen",
        ),
        ("13:20", "TXA two grams IV at thirteen twenty"),
    ];
    let (alerts, _) = narrate("13:00", &lines, "16:30");
    assert!(
        of(&alerts, "txa-window-closed").is_empty() && of(&alerts, "txa-given-late").is_empty(),
        "{alerts:#?}"
    );
    // A second late dose is new evidence: the late alert re-arms for it.
    let lines = [
        found,
        ("13:45", "TXA two grams IV at thirteen forty five"),
        ("14:30", "another TXA one gram IV at fourteen thirty"),
    ];
    let (alerts, _) = narrate("13:00", &lines, "16:30");
    assert_eq!(of(&alerts, "txa-given-late").len(), 2, "{alerts:#?}");
}

#[test]
fn a_group_injury_time_counts_for_each_casualty_across_midnight() {
    let lines = [
        (
            "23:05",
            "IED strike at twenty three oh five, two casualties",
        ),
        (
            "23:08",
            "casualty one, frag left thigh, tourniquet left leg at twenty three ten",
        ),
        (
            "23:20",
            "casualty two, frag to the abdomen, belly's rigid, he's alert",
        ),
        ("00:40", "casualty one TXA two grams IV at zero zero forty"),
        ("02:20", "casualty two TXA two grams IV at zero two twenty"),
    ];
    let (alerts, _) = narrate("23:00", &lines, "03:00");
    let closed = of(&alerts, "txa-window-closed");
    assert_eq!(closed.len(), 1, "{alerts:#?}");
    assert_eq!(
        (closed[0].casualty, closed[0].raised),
        (2, Stamp(DAY_S + 2 * 3600 + 300))
    );
    let late = of(&alerts, "txa-given-late");
    assert_eq!(late.len(), 1, "{alerts:#?}");
    assert_eq!((late[0].casualty, late[0].severity), (2, Severity::Warning));
}

#[test]
fn a_tourniquet_that_came_off_stops_its_clocks() {
    let on = (
        "06:10",
        "casualty two, GSW left forearm, tourniquet left arm at zero six ten",
    );
    // Converted at 07:30: neither the 2 h nor the 6 h alert.
    let off = (
        "07:30",
        "casualty two not in shock, converted the left arm tourniquet to a pressure dressing, tourniquet off at zero seven thirty, no rebleeding",
    );
    let (alerts, _) = narrate("06:00", &[on, off], "13:00");
    assert!(
        alerts.iter().all(|a| !a.rule.starts_with("tq-")),
        "{alerts:#?}"
    );
    // Still on: fires once at 2 h and once at 6 h, from the first time, and "still on"
    // adds no second tourniquet (no alert from 10:00).
    let still = (
        "10:00",
        "casualty two, tourniquet still on the left arm, no bleeding",
    );
    let (alerts, _) = narrate("06:00", &[on, still], "17:00");
    once_at(&alerts, "tq-convert-2h", "08:10");
    once_at(&alerts, "tq-limit-6h", "12:10");
    // Off after its 2 h alert: the 2 h alert stands, the 6 h one never comes.
    let late_off = ("09:00", "TQ released on the left arm at zero nine hundred");
    let (alerts, _) = narrate("06:00", &[on, late_off], "17:00");
    once_at(&alerts, "tq-convert-2h", "08:10");
    assert!(of(&alerts, "tq-limit-6h").is_empty(), "{alerts:#?}");
    // Only that limb: a tourniquet on another limb keeps its clocks.
    let right = ("06:12", "tourniquet right leg at zero six twelve");
    let (alerts, _) = narrate("06:00", &[on, right, off], "13:00");
    once_at(&alerts, "tq-convert-2h", "08:12");
    once_at(&alerts, "tq-limit-6h", "12:12");
    // Re-arms: a new tourniquet on the same limb after it came off has its own clock.
    let again = (
        "08:00",
        "he rebled, tourniquet back on the left arm at zero eight hundred",
    );
    let (alerts, _) = narrate("06:00", &[on, off, again], "11:00");
    once_at(&alerts, "tq-convert-2h", "10:00");
}

#[test]
fn calcium_after_the_first_blood_product_once() {
    let lines = [
        ("09:30", "whole blood one unit IO at zero nine thirty"),
        ("09:40", "whole blood one unit IO at zero nine forty"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "10:00");
    once_at(&alerts, "calcium-after-blood", "09:30");
    let lines = [
        ("09:30", "whole blood one unit IO at zero nine thirty"),
        ("09:30:30", "calcium gluconate one gram IV"),
    ];
    let (alerts, _) = narrate("09:00", &[lines[0], lines[1]], "10:00");
    assert_eq!(
        of(&alerts, "calcium-after-blood").len(),
        1,
        "said before calcium was"
    );
    let (alerts, _) = narrate(
        "09:00",
        &[(
            "09:30",
            "whole blood one unit IO, calcium gluconate one gram IV",
        )],
        "10:00",
    );
    assert!(of(&alerts, "calcium-after-blood").is_empty());
    let (alerts, _) = narrate(
        "09:00",
        &[("09:30", "normal saline five hundred ml IV")],
        "10:00",
    );
    assert!(of(&alerts, "calcium-after-blood").is_empty());
}

#[test]
fn avpu_before_opioids_and_ketamine() {
    let (alerts, _) = narrate(
        "09:00",
        &[("09:50", "ketamine twenty milligrams IV at zero nine fifty")],
        "10:00",
    );
    assert_eq!(
        once_at(&alerts, "avpu-before-analgesia", "09:50").severity,
        Severity::Warning
    );
    let lines = [
        ("09:40", "AVPU alert"),
        ("09:50", "fentanyl fifty micrograms IV"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "10:00");
    assert!(of(&alerts, "avpu-before-analgesia").is_empty());
    // A second dose without AVPU is new evidence.
    let lines = [
        ("09:10", "ketamine twenty milligrams IV at zero nine ten"),
        ("09:40", "ketamine twenty milligrams IV at zero nine forty"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "10:00");
    assert_eq!(of(&alerts, "avpu-before-analgesia").len(), 2);
    // Ondansetron is not an opioid.
    let (alerts, _) = narrate(
        "09:00",
        &[("09:50", "ondansetron four milligrams IV")],
        "10:00",
    );
    assert!(of(&alerts, "avpu-before-analgesia").is_empty());
}

#[test]
fn re_dosing_intervals() {
    let cases: &[(&str, &str, &str, bool)] = &[
        (
            "ketamine-redose-early",
            "ketamine twenty milligrams IV at ten hundred",
            "ketamine twenty milligrams IV at ten ten",
            true,
        ),
        (
            "ketamine-redose-early",
            "ketamine twenty milligrams IV at ten hundred",
            "ketamine twenty milligrams IV at ten twenty five",
            false,
        ),
        (
            "fentanyl-redose-early",
            "fentanyl fifty micrograms IV at ten hundred",
            "fentanyl fifty micrograms IV at ten twenty",
            true,
        ),
        (
            "fentanyl-redose-early",
            "fentanyl fifty micrograms IV at ten hundred",
            "fentanyl fifty micrograms IV at ten thirty five",
            false,
        ),
        (
            "otfc-redose-early",
            "fentanyl eight hundred micrograms OTFC at ten hundred",
            "fentanyl eight hundred micrograms OTFC at ten ten",
            true,
        ),
        (
            "otfc-redose-early",
            "fentanyl eight hundred micrograms OTFC at ten hundred",
            "fentanyl eight hundred micrograms OTFC at ten twenty",
            false,
        ),
    ];
    for (rule, first, second, fires) in cases {
        let lines = [
            ("09:59", "AVPU alert"),
            ("10:01", *first),
            ("10:40", *second),
        ];
        let (alerts, _) = narrate("09:50", &lines, "11:00");
        if *fires {
            let alert = once_at(&alerts, rule, "10:40");
            assert_eq!(alert.severity, Severity::Warning);
        } else {
            assert!(
                of(&alerts, rule).is_empty(),
                "{rule}: {second}: {alerts:#?}"
            );
        }
    }
    // OTFC and IV fentanyl are separate rules.
    let lines = [
        ("09:59", "AVPU alert"),
        (
            "10:01",
            "fentanyl eight hundred micrograms OTFC at ten hundred",
        ),
        ("10:06", "fentanyl fifty micrograms IV at ten zero five"),
    ];
    let (alerts, _) = narrate("09:50", &lines, "11:00");
    assert!(
        of(&alerts, "otfc-redose-early").is_empty()
            && of(&alerts, "fentanyl-redose-early").is_empty()
    );
    // OTFC: reassess 15 min after, once.
    once_at(&alerts, "otfc-reassess", "10:15");
}

#[test]
fn ondansetron_eight_milligrams_in_eight_hours() {
    let lines = [
        ("10:00", "ondansetron four milligrams IV at ten hundred"),
        ("10:15", "ondansetron four milligrams IV at ten fifteen"),
    ];
    let (alerts, _) = narrate("09:50", &lines, "11:00");
    assert!(
        of(&alerts, "ondansetron-cap").is_empty(),
        "8 mg is the cap, not over it"
    );
    let lines = [
        lines[0],
        lines[1],
        ("11:00", "ondansetron four milligrams IV at eleven hundred"),
    ];
    let (alerts, _) = narrate("09:50", &lines, "12:00");
    once_at(&alerts, "ondansetron-cap", "11:00");
    let lines = [
        lines[0],
        lines[1],
        ("18:30", "ondansetron four milligrams IV at eighteen thirty"),
    ];
    let (alerts, _) = narrate("09:50", &lines, "19:00");
    assert!(of(&alerts, "ondansetron-cap").is_empty(), "{alerts:#?}");
}

#[test]
fn hypothermia_prevention_with_fluids() {
    let (alerts, _) = narrate("09:00", &[("09:30", "whole blood one unit IO")], "10:00");
    once_at(&alerts, "hypothermia-with-fluids", "09:30");
    let lines = [
        ("09:20", "hypothermia prevention applied"),
        ("09:30", "whole blood one unit IO"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "10:00");
    assert!(of(&alerts, "hypothermia-with-fluids").is_empty());
}

#[test]
fn antibiotics_for_open_wounds() {
    let lines = [
        ("09:10", "gunshot wound right arm"),
        ("09:12", "laceration left leg"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "10:00");
    once_at(&alerts, "antibiotics-open-wound", "09:10");
    let lines = [(
        "09:10",
        "gunshot wound right arm, moxifloxacin four hundred milligrams PO",
    )];
    let (alerts, _) = narrate("09:00", &lines, "10:00");
    assert!(of(&alerts, "antibiotics-open-wound").is_empty());
    let (alerts, _) = narrate("09:00", &[("09:10", "fracture left leg")], "10:00");
    assert!(of(&alerts, "antibiotics-open-wound").is_empty());
}

#[test]
fn shock_suggests_urgent_evacuation_without_touching_the_card() {
    let lines = [("09:10", "AVPU pain"), ("09:20", "AVPU unresponsive")];
    let (alerts, _) = narrate("09:00", &lines, "10:00");
    let alert = once_at(&alerts, "shock-suggest-urgent", "09:10");
    assert!(alert.message.contains("urgent") && alert.severity == Severity::Advisory);
    let (alerts, _) = narrate("09:00", &[("09:10", "AVPU alert")], "10:00");
    assert!(of(&alerts, "shock-suggest-urgent").is_empty());
    let (alerts, _) = narrate(
        "09:00",
        &[("09:10", "gunshot wound head, AVPU pain")],
        "10:00",
    );
    assert!(
        of(&alerts, "shock-suggest-urgent").is_empty(),
        "altered mental status with a head injury is not shock"
    );
    let (alerts, _) = narrate("09:00", &[("09:10", "evac urgent, AVPU pain")], "10:00");
    assert!(of(&alerts, "shock-suggest-urgent").is_empty());
}

fn live(id: u32, fact: Fact, unconfirmed: bool) -> LiveFact {
    LiveFact {
        id,
        casualty: 1,
        fact,
        provenance: Provenance {
            utterance: id,
            char_start: 0,
            char_end: 1,
            heard_start_s: f64::from(id),
            heard_end_s: f64::from(id) + 1.0,
            confidence: 1.0,
            doubt: None,
            lexicon: "",
        },
        unconfirmed,
    }
}

#[test]
fn an_unconfirmed_fact_raises_only_an_advisory_and_confirmation_escalates() {
    let start = at("09:00");
    let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
    let ketamine = Fact::Medication {
        name: "ketamine",
        dose: Some(20.0),
        unit: Some(DoseUnit::Mg),
        route: Some(Route::Iv),
        time: None,
    };
    let facts = [live(0, ketamine.clone(), true)];
    let raised = advisor.tick(at("09:01"), &facts);
    let AlertEvent::Raised(first) = &raised[0] else {
        panic!()
    };
    assert_eq!(
        (first.rule.as_str(), first.severity),
        ("avpu-before-analgesia", Severity::Advisory)
    );
    assert!(first.message.contains("unconfirmed"));
    assert!(
        advisor.tick(at("09:02"), &facts).is_empty(),
        "once per trigger"
    );
    let facts = [live(0, ketamine, false)];
    let raised = advisor.tick(at("09:03"), &facts);
    assert_eq!(raised.len(), 1);
    let AlertEvent::Raised(second) = &raised[0] else {
        panic!()
    };
    assert_eq!(second.severity, Severity::Warning);
    // Every warning the builtin rules can raise rests on confirmed facts only.
    for alert in advisor.alerts() {
        assert!(alert.severity == Severity::Advisory || !alert.message.contains("unconfirmed"));
    }
}

#[test]
fn alerts_are_acknowledged_listed_bounded_and_never_raised_twice_after_a_restart() {
    let start = at("09:00");
    let tourniquets: Vec<LiveFact> = (0..ALERTS_PER_CASUALTY_MAX as u32 + 8)
        .map(|i| {
            let time = Clock::new(9, i % 60);
            live(
                i,
                Fact::Tourniquet {
                    limb: Limb::LeftLeg,
                    kind: TourniquetKind::Extremity,
                    time,
                },
                false,
            )
        })
        .collect();
    let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
    let raised = advisor.tick(at("18:00"), &tourniquets);
    assert_eq!(raised.len(), ALERTS_PER_CASUALTY_MAX);
    assert!(advisor.dropped() > 0);
    let dropped = advisor.dropped();
    assert!(advisor.tick(at("18:01"), &tourniquets).is_empty());
    assert_eq!(
        advisor.dropped(),
        dropped,
        "a suppressed trigger is counted once"
    );

    let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
    let facts = [live(
        0,
        Fact::Vital {
            value: VitalValue::Avpu(Avpu::Pain),
            time: None,
        },
        false,
    )];
    // Shock: suggested evacuation, and TXA indicated.
    let raised = advisor.tick(at("09:05"), &facts);
    assert_eq!(raised.len(), 2, "{raised:#?}");
    assert_eq!(advisor.active().count(), 2);
    let AlertEvent::Raised(alert) = &raised[0] else {
        panic!()
    };
    let ack = advisor.acknowledge(alert.id, at("09:06")).unwrap();
    assert_eq!(advisor.active().count(), 1);
    assert_eq!(
        advisor.acknowledge(99, at("09:06")),
        Err(AdvisorError::UnknownAlert(99))
    );
    // A restart: the journal's events replayed into a fresh advisor raise nothing again.
    let journal: Vec<AlertEvent> = raised.iter().cloned().chain([ack]).collect();
    let mut restarted = Advisor::new(RuleSet::builtin().unwrap(), start);
    for event in &journal {
        restarted.restore(event);
    }
    assert!(restarted.tick(at("09:10"), &facts).is_empty());
    assert_eq!(restarted.active().count(), 1);
    // The events round-trip through JSON (what a journal would store).
    let json = serde_json::to_string(&journal).unwrap();
    let back: Vec<AlertEvent> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, journal);
}

#[test]
fn a_major_lower_limb_amputation_calls_for_a_pelvic_binder_once() {
    let leg = (
        "10:05",
        "casualty one, landmine, traumatic amputation of the left leg below the knee",
    );
    let (alerts, _) = narrate("10:00", &[leg], "11:00");
    once_at(&alerts, "pelvic-binder-amputation", "10:05");
    // A binder already on: no reminder.
    let binder = ("10:07", "pelvic binder on at ten oh seven");
    let (alerts, _) = narrate("10:00", &[binder, leg], "11:00");
    assert!(
        of(&alerts, "pelvic-binder-amputation").is_empty(),
        "{alerts:#?}"
    );
    // An arm is not a lower limb; a leg wound that is not an amputation is not one either.
    let arm = (
        "10:05",
        "casualty one, traumatic amputation of the right arm above the elbow",
    );
    let gsw = ("10:06", "casualty two, gunshot wound left leg");
    let (alerts, _) = narrate("10:00", &[arm, gsw], "11:00");
    assert!(
        of(&alerts, "pelvic-binder-amputation").is_empty(),
        "{alerts:#?}"
    );
}

#[test]
fn region_selectors_read_and_refuse() {
    use tccc::advisor::rules::Selector;
    use tccc::record::{InjuryKind, Region, TreatmentKind};
    assert_eq!(
        Selector::parse("injury:amputation@left_leg,right_leg"),
        Some(Selector::Injury(
            InjuryKind::Amputation,
            vec![Region::LeftLeg, Region::RightLeg]
        ))
    );
    assert_eq!(
        Selector::parse("treatment:other@pelvis"),
        Some(Selector::Treatment(
            TreatmentKind::Other,
            vec![Region::Pelvis]
        ))
    );
    assert_eq!(
        Selector::parse("injury:gsw"),
        Some(Selector::Injury(InjuryKind::Gsw, Vec::new()))
    );
    assert_eq!(Selector::parse("injury:amputation@left_foot"), None);
    assert_eq!(Selector::parse("treatment:other@"), None);
}

// --- advisor2 branch: a tourniquet over clothing (DOMAIN.md §4.4 #2) and an open
// fracture as an open wound (#24).

#[test]
fn a_tourniquet_over_clothing_is_flagged_once_when_heard() {
    let over = (
        "06:12",
        "casualty one, tourniquet on the right leg over the uniform at zero six twelve",
    );
    let (alerts, _) = narrate("06:00", &[over], "07:00");
    let alert = once_at(&alerts, "tq-over-clothing", "06:12");
    assert_eq!(alert.severity, Severity::Advisory);
    assert!(alert.message.contains("right_leg"), "{}", alert.message);
    // Said again later ("still on") is no new evidence: still once.
    let still = ("06:30", "casualty one, tourniquet still on the right leg");
    let (alerts, _) = narrate("06:00", &[over, still], "07:00");
    once_at(&alerts, "tq-over-clothing", "06:12");
    // No clothing said, or clothing said without a tourniquet: never.
    for lines in [
        &[(
            "06:12",
            "casualty one, tourniquet on the right leg at zero six twelve",
        )][..],
        &[(
            "06:12",
            "casualty one, he's wearing his uniform, GSW right leg",
        )][..],
    ] {
        let (alerts, _) = narrate("06:00", lines, "09:00");
        assert!(of(&alerts, "tq-over-clothing").is_empty(), "{alerts:#?}");
    }
}

#[test]
fn a_tourniquet_over_clothing_is_cleared_by_its_removal_or_a_new_one_on_skin() {
    let start = at("06:00");
    let over = Fact::TourniquetOverClothing {
        limb: Limb::RightLeg,
    };
    let tourniquet = |limb| Fact::Tourniquet {
        limb,
        kind: TourniquetKind::Extremity,
        time: None,
    };
    let off = |limb| Fact::TourniquetOff { limb, time: None };
    let rule = |raised: &[AlertEvent]| {
        raised
            .iter()
            .filter(|e| matches!(e, AlertEvent::Raised(a) if a.rule == "tq-over-clothing"))
            .count()
    };
    // Taken off (utterance 2) before the advisor looked: no alert, now or later.
    let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
    let facts = [
        live(0, tourniquet(Limb::RightLeg), false),
        live(1, over.clone(), false),
        live(2, off(Limb::RightLeg), false),
    ];
    assert_eq!(rule(&advisor.tick(at("06:01"), &facts)), 0);
    assert_eq!(rule(&advisor.tick(at("09:00"), &facts)), 0);
    // A new tourniquet on skin on that limb clears it; one on another limb does not, and
    // another off another limb does not.
    let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
    let facts = [
        live(0, tourniquet(Limb::RightLeg), false),
        live(1, over.clone(), false),
        live(2, tourniquet(Limb::RightLeg), false),
    ];
    assert_eq!(rule(&advisor.tick(at("06:01"), &facts)), 0);
    let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
    let facts = [
        live(0, tourniquet(Limb::RightLeg), false),
        live(1, over.clone(), false),
        live(2, tourniquet(Limb::LeftLeg), false),
        live(3, off(Limb::LeftArm), false),
    ];
    assert_eq!(rule(&advisor.tick(at("06:01"), &facts)), 1);
    assert_eq!(rule(&advisor.tick(at("09:00"), &facts)), 0, "once");
    // A second tourniquet over clothing on that limb is new evidence: it fires again.
    let facts = [
        live(0, tourniquet(Limb::RightLeg), false),
        live(1, over.clone(), false),
        live(2, tourniquet(Limb::LeftLeg), false),
        live(3, off(Limb::LeftArm), false),
        live(4, tourniquet(Limb::RightLeg), false),
        live(5, over, false),
    ];
    let mut second = facts.clone();
    second[5].provenance.utterance = 4;
    assert_eq!(rule(&advisor.tick(at("09:01"), &second)), 1);
}

#[test]
fn removed_after_the_advisory_the_tourniquet_has_no_further_alert() {
    let lines = [
        (
            "06:12",
            "casualty one, tourniquet on the right leg over the uniform at zero six twelve",
        ),
        (
            "06:40",
            "casualty one, cut the trouser leg open, bleeding is minimal, tourniquet off the right leg at zero six forty",
        ),
    ];
    let (alerts, _) = narrate("06:00", &lines, "13:00");
    once_at(&alerts, "tq-over-clothing", "06:12");
    assert!(
        of(&alerts, "tq-convert-2h").is_empty() && of(&alerts, "tq-limit-6h").is_empty(),
        "{alerts:#?}"
    );
}

#[test]
fn antibiotics_for_an_open_fracture_and_not_a_closed_one() {
    for text in [
        "vehicle rollover, right leg was pinned, open fracture of the right shin",
        "compound fracture left forearm",
        "bone sticking out of the right shin",
    ] {
        let (alerts, _) = narrate("09:00", &[("09:10", text)], "10:00");
        once_at(&alerts, "antibiotics-open-wound", "09:10");
    }
    for text in [
        "closed fracture of the right shin",
        "deformed wrist on the left",
        "fractured left femur",
    ] {
        let (alerts, _) = narrate("09:00", &[("09:10", text)], "10:00");
        assert!(
            of(&alerts, "antibiotics-open-wound").is_empty(),
            "{text}: {alerts:#?}"
        );
    }
    // Given an antibiotic: no alert.
    let lines = [(
        "09:10",
        "open fracture right shin, cefadroxil five hundred milligrams PO",
    )];
    let (alerts, _) = narrate("09:00", &lines, "10:00");
    assert!(
        of(&alerts, "antibiotics-open-wound").is_empty(),
        "{alerts:#?}"
    );
}

// --- advisor3 branch: a tourniquet removal said many ways (also untimed, also
// unconfirmed), the pelvic binder cleared only by a binder, and a restart through the
// journal's own encodings.

/// The tourniquet alerts (rule, raised) of a narration.
fn tourniquet_alerts(alerts: &[Alert]) -> Vec<(String, Stamp)> {
    alerts
        .iter()
        .filter(|a| a.rule.starts_with("tq-"))
        .map(|a| (a.rule.clone(), a.raised))
        .collect()
}

#[test]
fn a_tourniquet_removal_said_any_way_stops_its_clocks() {
    let on = (
        "06:10",
        "casualty one, GSW left forearm, tourniquet left arm at zero six ten",
    );
    let removals = [
        "casualty one, bleeding is minimal, tourniquet not needed, removed at zero seven thirty",
        "casualty one, tourniquet not needed, took it off at zero seven thirty",
        "casualty one, left arm tourniquet, let it down at zero seven thirty, no rebleed",
        "casualty one, the tourniquet came off at zero seven thirty",
        "casualty one, TQ released at zero seven thirty",
        "casualty one, removed the left arm tourniquet at zero seven thirty",
    ];
    for removal in removals {
        let (alerts, _) = narrate("06:00", &[on, ("07:30", removal)], "13:00");
        assert!(
            tourniquet_alerts(&alerts).is_empty(),
            "{removal}: {alerts:#?}"
        );
    }
    // Said after the 2 h alert (heard at 08:40, removed at 08:35): the 2 h alert stands,
    // fired once; the 6 h one never comes.
    let late = (
        "08:40",
        "casualty one, tourniquet not needed, removed at zero eight thirty five",
    );
    let (alerts, _) = narrate("06:00", &[on, late], "13:00");
    once_at(&alerts, "tq-convert-2h", "08:10");
    assert_eq!(tourniquet_alerts(&alerts).len(), 1, "{alerts:#?}");
    // Something else coming off is no removal: both clocks run.
    for other in [
        "casualty one, tourniquet is holding, his helmet came off at zero seven thirty",
        "casualty one, tourniquet still on, took off his boots at zero seven thirty",
    ] {
        let (alerts, _) = narrate("06:00", &[on, ("07:30", other)], "13:00");
        once_at(&alerts, "tq-convert-2h", "08:10");
        once_at(&alerts, "tq-limit-6h", "12:10");
    }
}

#[test]
fn a_removal_with_no_time_stops_the_clocks_and_asks_for_the_time_once() {
    let on = (
        "06:10",
        "casualty one, GSW left forearm, tourniquet left arm at zero six ten",
    );
    // No time said: no time is invented (the record's off has none); the clocks stop from
    // when it was heard and one advisory asks for the removal time.
    let off = ("07:30", "casualty one, tourniquet came off, no rebleed");
    let (alerts, _) = narrate("06:00", &[on, off], "13:00");
    let asked = once_at(&alerts, "tq-off-time-missing", "07:30");
    assert_eq!(asked.severity, Severity::Advisory);
    assert!(asked.assumed_time, "{asked:#?}");
    assert!(
        asked.message.contains("07:30 (time assumed: when heard)"),
        "{}",
        asked.message
    );
    assert!(of(&alerts, "tq-convert-2h").is_empty(), "{alerts:#?}");
    assert!(of(&alerts, "tq-limit-6h").is_empty(), "{alerts:#?}");
    // Said again with its time: the timed off asks nothing, and nothing repeats.
    let timed = (
        "07:40",
        "casualty one, tourniquet came off at zero seven thirty",
    );
    let (alerts, _) = narrate("06:00", &[on, off, timed], "13:00");
    assert_eq!(of(&alerts, "tq-off-time-missing").len(), 1, "{alerts:#?}");
    // A timed removal alone: no advisory.
    let (alerts, _) = narrate("06:00", &[on, timed], "13:00");
    assert!(of(&alerts, "tq-off-time-missing").is_empty(), "{alerts:#?}");
}

#[test]
fn an_unconfirmed_removal_stops_no_clock_and_downgrades_the_alert() {
    let start = at("09:00");
    let on = live(
        0,
        Fact::Tourniquet {
            limb: Limb::LeftLeg,
            kind: TourniquetKind::Extremity,
            time: Clock::new(9, 0),
        },
        false,
    );
    let off = |unconfirmed| {
        live(
            1,
            Fact::TourniquetOff {
                limb: Limb::LeftLeg,
                time: Clock::new(9, 30),
            },
            unconfirmed,
        )
    };
    // Unconfirmed ("tourniquet on" heard as "off"?): the 2 h alert still comes, as an
    // advisory resting on both facts.
    let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
    let mut clock = SimClock::new(start);
    let facts = [on.clone(), off(true)];
    let raised = advisor.run_until(&mut clock, at("11:30"), &facts);
    let alerts: Vec<Alert> = raised
        .into_iter()
        .filter_map(|e| match e {
            AlertEvent::Raised(a) => Some(a),
            AlertEvent::Acknowledged { .. } => None,
        })
        .collect();
    let two = once_at(&alerts, "tq-convert-2h", "11:00");
    assert_eq!(two.severity, Severity::Advisory);
    assert_eq!(two.evidence, vec![0, 1]);
    assert!(two.message.contains("unconfirmed"), "{}", two.message);
    // Confirmed: no tourniquet alert more, ever (the TXA window still closes at 12:00).
    let facts = [on.clone(), off(false)];
    let later = advisor.run_until(&mut clock, at("16:00"), &facts);
    assert!(
        later
            .iter()
            .all(|e| matches!(e, AlertEvent::Raised(a) if !a.rule.starts_with("tq-"))),
        "{later:#?}"
    );
    // Rejected instead (the off leaves the record): the clocks were running all along,
    // and the 2 h alert re-arms as a warning on the tourniquet alone.
    let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
    let mut clock = SimClock::new(start);
    advisor.run_until(&mut clock, at("11:30"), &[on.clone(), off(true)]);
    let raised = advisor.run_until(&mut clock, at("11:31"), &[on]);
    let AlertEvent::Raised(warning) = &raised[0] else {
        panic!("{raised:#?}")
    };
    assert_eq!(
        (
            warning.rule.as_str(),
            warning.severity,
            warning.evidence.clone()
        ),
        ("tq-convert-2h", Severity::Warning, vec![0])
    );
}

#[test]
fn only_a_pelvic_binder_clears_the_amputation_reminder() {
    use tccc::record::{InjuryKind, Region, TreatmentKind};
    let start = at("10:00");
    let amputation = live(
        0,
        Fact::Injury {
            kind: InjuryKind::Amputation,
            region: Region::LeftLeg,
        },
        false,
    );
    let other = |site| {
        live(
            1,
            Fact::Treatment {
                kind: TreatmentKind::Other,
                site,
                time: None,
            },
            false,
        )
    };
    // A c-collar (other at the neck) or an "other" with no site is no binder.
    for site in [Some(Region::Neck), None] {
        let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
        let raised = advisor.tick(at("10:05"), &[amputation.clone(), other(site)]);
        assert!(
            raised.iter().any(
                |e| matches!(e, AlertEvent::Raised(a) if a.rule == "pelvic-binder-amputation")
            ),
            "{site:?}: {raised:#?}"
        );
    }
    // A binder (other at the pelvis, as the extractor files one): no reminder.
    let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
    let raised = advisor.tick(
        at("10:05"),
        &[amputation.clone(), other(Some(Region::Pelvis))],
    );
    assert!(
        !raised
            .iter()
            .any(|e| matches!(e, AlertEvent::Raised(a) if a.rule == "pelvic-binder-amputation")),
        "{raised:#?}"
    );
    // Said in a narration: the binder as the extractor files it clears the reminder.
    let leg = (
        "10:05",
        "casualty one, traumatic amputation of the left leg below the knee",
    );
    let binder = ("10:06", "casualty one, pelvic binder on at ten oh six");
    let (alerts, _) = narrate("10:00", &[binder, leg], "11:00");
    assert!(
        of(&alerts, "pelvic-binder-amputation").is_empty(),
        "{alerts:#?}"
    );
    // The rule file may not name the catch-all "other" treatment without a site.
    let file = r#"
version = "t/1"
[[rule]]
id = "a"
kind = "missing_after"
facts = ["injury:amputation@left_leg,right_leg"]
absent = ["treatment:other"]
delay_min = 0
severity = "advisory"
message = "{fact}"
source = "DOMAIN.md §4.4 #6 (G2024 l.172-179)"
example = ["traumatic amputation of the left leg below the knee"]
"#;
    let error = RuleSet::parse(file, "t").unwrap_err().to_string();
    assert!(error.contains("catch-all"), "{error}");
    assert!(RuleSet::parse(
        &file.replace("\"treatment:other\"", "\"treatment:other@pelvis\""),
        "t"
    )
    .is_ok());
}

#[test]
fn alerts_and_removals_survive_a_restart_through_the_journal_encodings_raised_once() {
    use tccc::journal::codec;
    use tccc::record::{Event, EventLog};
    let start = at("06:00");
    let lines = [
        "casualty one, GSW right thigh, tourniquet right leg at zero six hundred",
        "casualty one, GSW left forearm, tourniquet left arm at zero six zero five",
        "casualty one, left arm tourniquet not needed, removed at zero six forty",
        "casualty one, tourniquet came off the right leg",
    ];
    let mut extractor = Extractor::new(ExtractorConfig::default());
    for (index, text) in lines[..3].iter().enumerate() {
        let end_s = (index as f64 + 1.0) * 600.0;
        extractor
            .push_utterance(index as u32, text, end_s - 1.0, end_s)
            .unwrap();
    }
    // Live until 09:00: the right leg's 2 h alert (08:00) is raised, the left arm's never.
    let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
    let mut clock = SimClock::new(start);
    let before = advisor
        .replay(extractor.events(), &mut clock, Some(at("09:00")))
        .unwrap();
    let raised_before: Vec<Alert> = before
        .iter()
        .filter_map(|e| match e {
            AlertEvent::Raised(a) => Some(a.clone()),
            AlertEvent::Acknowledged { .. } => None,
        })
        .collect();
    assert_eq!(
        tourniquet_alerts(&raised_before),
        vec![("tq-convert-2h".to_owned(), at("08:00"))]
    );
    let ack = advisor
        .acknowledge(raised_before[0].id, at("09:00"))
        .unwrap();
    // The journal: record events and alert events in their stored encodings.
    let stored_events: Vec<Vec<u8>> = extractor
        .events()
        .iter()
        .map(|e| {
            let mut bytes = Vec::new();
            codec::encode_event(e, &mut bytes);
            bytes
        })
        .collect();
    let stored_alerts: Vec<Vec<u8>> = before
        .iter()
        .chain([&ack])
        .map(|e| {
            let mut bytes = Vec::new();
            let record = codec::AlertRecord {
                message: serde_json::to_string(e).unwrap(),
            };
            codec::encode_alert(&record, &mut bytes);
            bytes
        })
        .collect();
    // Restart: the record and the advisor rebuilt from the journal alone.
    let events: Vec<Event> = stored_events
        .iter()
        .map(|b| codec::decode_event(b).unwrap())
        .collect();
    assert_eq!(events, extractor.events());
    let facts = EventLog::from_events(events).unwrap().live_facts();
    assert!(
        facts.iter().any(|f| matches!(
            f.fact,
            Fact::TourniquetOff {
                limb: Limb::LeftArm,
                time: Some(_)
            }
        )),
        "the removal survives the journal: {facts:#?}"
    );
    let mut restarted = Advisor::new(RuleSet::builtin().unwrap(), start);
    for bytes in &stored_alerts {
        let record = codec::decode_alert(bytes).unwrap();
        let event: AlertEvent = serde_json::from_str(&record.message).unwrap();
        restarted.restore(&event);
    }
    assert_eq!(restarted.alerts().len(), raised_before.len());
    assert_eq!(restarted.active().count(), raised_before.len() - 1);
    // On to 13:00: only the right leg's 6 h alerts (30 min before, then at 6 h), once;
    // nothing raised twice, nothing for the left arm that came off.
    let mut clock = SimClock::new(at("09:00"));
    let after = restarted.run_until(&mut clock, at("13:00"), &facts);
    let raised_after: Vec<Alert> = after
        .iter()
        .filter_map(|e| match e {
            AlertEvent::Raised(a) => Some(a.clone()),
            AlertEvent::Acknowledged { .. } => None,
        })
        .collect();
    assert_eq!(
        raised_after
            .iter()
            .map(|a| (a.rule.as_str(), a.raised))
            .collect::<Vec<_>>(),
        vec![
            ("tq-limit-6h-approaching", at("11:30")),
            ("tq-limit-6h", at("12:00"))
        ],
        "{raised_after:#?}"
    );
    assert!(raised_after[0].id > raised_before.iter().map(|a| a.id).max().unwrap());
    // A removal heard after the restart (no time said) stops the right leg too and asks
    // for its time once; a second restart raises none of it again.
    extractor
        .push_utterance(3, lines[3], 7199.0, 7200.0 + 3.0 * 3600.0)
        .unwrap();
    let facts = extractor.live_facts();
    let mut clock = SimClock::new(at("13:00"));
    let more = restarted.run_until(&mut clock, at("13:30"), facts);
    assert!(
        more.iter()
            .all(|e| matches!(e, AlertEvent::Raised(a) if a.rule == "tq-off-time-missing")),
        "{more:#?}"
    );
    let journal: Vec<AlertEvent> = restarted
        .alerts()
        .iter()
        .cloned()
        .map(AlertEvent::Raised)
        .collect();
    let mut again = Advisor::new(RuleSet::builtin().unwrap(), start);
    for event in &journal {
        again.restore(event);
    }
    let mut clock = SimClock::new(at("13:30"));
    assert!(again.run_until(&mut clock, at("20:00"), facts).is_empty());
}

// --- lead, fourth session: conversion waits out shock; TBI oxygen; blood past the endpoint

#[test]
fn tourniquet_conversion_waits_while_the_casualty_is_in_shock() {
    // In shock (responds to pain, then to voice) through the 2 h mark: no conversion
    // alert; the 6 h limit still comes.
    let lines = [
        (
            "09:00",
            "casualty one, tourniquet right leg at zero nine hundred",
        ),
        ("09:05", "he's only responding to pain"),
        ("10:30", "he's a V now"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "15:10");
    assert!(of(&alerts, "tq-convert-2h").is_empty(), "{alerts:#?}");
    once_at(&alerts, "tq-limit-6h", "15:00");
    // Shock passes after the 2 h mark: the alert falls due when he is alert again, once.
    let lines = [
        (
            "09:00",
            "casualty one, tourniquet right leg at zero nine hundred",
        ),
        ("09:05", "he's only responding to pain"),
        ("11:30", "he's alert and talking now"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "13:00");
    once_at(&alerts, "tq-convert-2h", "11:30");
    // Alert throughout: due at 2 h as before.
    let lines = [
        (
            "09:00",
            "casualty one, tourniquet right leg at zero nine hundred",
        ),
        ("09:05", "he's alert, pulse ninety"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "12:00");
    once_at(&alerts, "tq-convert-2h", "11:00");
}

#[test]
fn a_head_injury_with_low_saturation_asks_for_oxygen_once() {
    let lines = [
        (
            "21:00",
            "casualty one, caught in an IED blast, laceration to the head",
        ),
        ("21:10", "sats eighty eight"),
        ("21:12", "oxygen on at twenty one twelve"),
    ];
    let (alerts, _) = narrate("21:00", &lines, "22:00");
    let alert = once_at(&alerts, "tbi-spo2-low", "21:10");
    assert_eq!(alert.severity, Severity::Advisory);
    // Oxygen already on, or a saturation at 90 or above, or no head injury: nothing.
    for lines in [
        vec![
            (
                "21:00",
                "casualty one, caught in an IED blast, laceration to the head",
            ),
            ("21:05", "oxygen on at twenty one oh five"),
            ("21:10", "sats eighty eight"),
        ],
        vec![
            (
                "21:00",
                "casualty one, caught in an IED blast, laceration to the head",
            ),
            ("21:10", "sats ninety four"),
        ],
        vec![
            ("21:00", "casualty one, gunshot wound to the left thigh"),
            ("21:10", "sats eighty eight"),
        ],
    ] {
        let (alerts, _) = narrate("21:00", &lines, "22:00");
        assert!(of(&alerts, "tbi-spo2-low").is_empty(), "{alerts:#?}");
    }
    // A new low reading after a good one re-arms it (no oxygen given yet).
    let lines = [
        (
            "21:00",
            "casualty one, caught in an IED blast, laceration to the head",
        ),
        ("21:10", "sats eighty eight"),
        ("21:20", "sats ninety three"),
        ("21:30", "sats eighty five"),
    ];
    let (alerts, _) = narrate("21:00", &lines, "22:00");
    assert_eq!(of(&alerts, "tbi-spo2-low").len(), 2, "{alerts:#?}");
    // A second low reading in the same run is the same episode: no second advisory.
    let lines = [
        (
            "21:00",
            "casualty one, struck his head in the rollover, scalp laceration",
        ),
        ("21:10", "sats eighty seven"),
        ("21:15", "sats down to eighty four"),
    ];
    let (alerts, _) = narrate("21:00", &lines, "22:00");
    once_at(&alerts, "tbi-spo2-low", "21:10");
}

#[test]
fn blood_hung_after_the_endpoint_was_reached_is_flagged_once() {
    let lines = [
        (
            "10:00",
            "casualty one, gunshot wound to the abdomen, no radial",
        ),
        ("10:05", "whole blood unit one at ten oh five"),
        ("10:20", "blood pressure eighty two over fifty"),
        ("10:22", "second unit of whole blood at ten twenty two"),
        ("10:40", "blood pressure one twelve over seventy"),
        ("10:42", "third unit of whole blood at ten forty two"),
    ];
    let (alerts, _) = narrate("10:00", &lines, "11:30");
    let alert = once_at(&alerts, "blood-past-endpoint", "10:42");
    assert_eq!(alert.severity, Severity::Advisory);
    // No blood pressure said, or one under 100: nothing.
    let lines = [
        (
            "10:00",
            "casualty one, gunshot wound to the abdomen, no radial",
        ),
        ("10:05", "whole blood unit one at ten oh five"),
        ("10:20", "blood pressure ninety six over sixty"),
        ("10:22", "second unit of whole blood at ten twenty two"),
    ];
    let (alerts, _) = narrate("10:00", &lines, "11:30");
    assert!(of(&alerts, "blood-past-endpoint").is_empty(), "{alerts:#?}");
}

#[test]
fn a_palpable_radial_pulse_is_an_endpoint_too_and_the_latest_sign_decides() {
    let lines = [
        (
            "10:00",
            "casualty one, gunshot wound to the abdomen, no radial",
        ),
        ("10:05", "whole blood unit one at ten oh five"),
        ("10:20", "radial's back, strong radial now"),
        ("10:22", "second unit of whole blood at ten twenty two"),
    ];
    let (alerts, _) = narrate("10:00", &lines, "11:00");
    once_at(&alerts, "blood-past-endpoint", "10:22");
    // The pulse came back but the pressure said after it is still under 100: not yet.
    let lines = [
        (
            "10:00",
            "casualty one, gunshot wound to the abdomen, no radial",
        ),
        ("10:05", "whole blood unit one at ten oh five"),
        (
            "10:20",
            "strong radial now, blood pressure ninety two over sixty",
        ),
        ("10:22", "second unit of whole blood at ten twenty two"),
    ];
    let (alerts, _) = narrate("10:00", &lines, "11:00");
    assert!(of(&alerts, "blood-past-endpoint").is_empty(), "{alerts:#?}");
}

#[test]
fn a_casualty_disarmed_before_the_drug_needs_no_disarm_reminder() {
    let lines = [
        ("10:00", "casualty one, gunshot wound to the left thigh"),
        (
            "10:02",
            "his rifle and pistol are off him, the squad leader has them",
        ),
        (
            "10:05",
            "he's alert, ketamine fifty milligrams IM at ten oh five",
        ),
    ];
    let (alerts, _) = narrate("10:00", &lines, "11:00");
    assert!(
        of(&alerts, "disarm-after-sedation").is_empty(),
        "{alerts:#?}"
    );
    // Not disarmed: the reminder comes with the drug, once; a disarm said afterwards does
    // not take back an alert that was due.
    let lines = [
        ("10:00", "casualty one, gunshot wound to the left thigh"),
        (
            "10:05",
            "he's alert, ketamine fifty milligrams IM at ten oh five",
        ),
        ("10:08", "rifle's off him now"),
    ];
    let (alerts, _) = narrate("10:00", &lines, "11:00");
    once_at(&alerts, "disarm-after-sedation", "10:05");
    // Two casualties disarmed in one breath.
    let lines = [
        ("10:00", "casualty one, gunshot wound to the right arm"),
        ("10:01", "casualty two, frag to the left leg"),
        ("10:02", "weapons are off both of them"),
        (
            "10:05",
            "casualty one, alert, ketamine fifty milligrams IM at ten oh five",
        ),
        (
            "10:06",
            "casualty two, alert, fentanyl eight hundred micrograms OTFC at ten oh six",
        ),
    ];
    let (alerts, _) = narrate("10:00", &lines, "11:00");
    assert!(
        of(&alerts, "disarm-after-sedation").is_empty(),
        "{alerts:#?}"
    );
}

// --- adv5 (advisor after set 8): naloxone with the first opioid, suspected tension
// pneumothorax, a penetrating eye injury, the injury time said with the mechanism.

#[test]
fn naloxone_is_asked_for_once_with_the_first_opioid() {
    let lines = [
        ("14:00", "casualty three, frag to the right calf"),
        (
            "14:04",
            "he's alert, morphine ten milligrams IM at fourteen oh four",
        ),
        ("14:40", "morphine five milligrams IM at fourteen forty"),
    ];
    let (alerts, _) = narrate("14:00", &lines, "16:00");
    let alert = once_at(&alerts, "naloxone-with-opioid", "14:04");
    assert_eq!(alert.severity, Severity::Advisory);
    assert!(alert.message.contains("naloxone"), "{alert:?}");
    // No opioid (ketamine, midazolam, ondansetron are not): nothing.
    let lines = [
        ("14:00", "casualty three, frag to the right calf"),
        ("14:04", "he's alert, ketamine fifty milligrams IM"),
        ("14:06", "ondansetron four milligrams IV"),
    ];
    let (alerts, _) = narrate("14:00", &lines, "16:00");
    assert!(
        of(&alerts, "naloxone-with-opioid").is_empty(),
        "{alerts:#?}"
    );
    // Each casualty has its own first opioid; a corrected first dose is new evidence.
    let lines = [
        ("14:00", "casualty one, gunshot wound left arm"),
        ("14:02", "fentanyl one hundred micrograms intranasal"),
        ("14:03", "casualty two, burns to both hands"),
        (
            "14:05",
            "lozenge of fentanyl, eight hundred mics, at fourteen oh five",
        ),
    ];
    let (alerts, _) = narrate("14:00", &lines, "16:00");
    let found = of(&alerts, "naloxone-with-opioid");
    assert_eq!(found.len(), 2, "{alerts:#?}");
    assert_ne!(found[0].casualty, found[1].casualty);
    let lines = [
        ("14:00", "casualty one, gunshot wound left arm"),
        ("14:02", "fentanyl fifty micrograms IV at fourteen oh two"),
        (
            "14:03",
            "correction, fentanyl one hundred micrograms IV at fourteen oh two",
        ),
    ];
    let (alerts, _) = narrate("14:00", &lines, "16:00");
    let found = of(&alerts, "naloxone-with-opioid");
    assert_eq!(found.len(), 2, "{alerts:#?}");
    assert_eq!(found[1].raised, at("14:03"));
}

#[test]
fn a_torso_wound_with_low_saturation_suspects_a_tension_pneumothorax() {
    let lines = [
        (
            "05:00",
            "casualty two, penetrating wound to the right upper back",
        ),
        ("05:06", "pulse ox reading eighty four"),
        ("05:20", "sats eighty four still"),
    ];
    let (alerts, _) = narrate("05:00", &lines, "06:30");
    let alert = once_at(&alerts, "tension-ptx-suspected", "05:06");
    assert_eq!(alert.severity, Severity::Warning);
    assert!(alert.message.contains("needle decompression"), "{alert:?}");
    // A decompression already done, a saturation of 90 or more, a limb wound, no
    // saturation said: nothing.
    for lines in [
        vec![
            ("05:00", "casualty two, gunshot wound to the left chest"),
            (
                "05:03",
                "needle decompression left chest at zero five zero three",
            ),
            ("05:06", "sats eighty eight"),
        ],
        vec![
            ("05:00", "casualty two, gunshot wound to the left chest"),
            ("05:06", "sats ninety"),
        ],
        vec![
            ("05:00", "casualty two, gunshot wound to the right forearm"),
            ("05:06", "sats eighty five"),
        ],
        vec![
            ("05:00", "casualty two, gunshot wound to the left chest"),
            ("05:06", "resp rate thirty six"),
        ],
    ] {
        let (alerts, _) = narrate("05:00", &lines, "06:30");
        assert!(
            of(&alerts, "tension-ptx-suspected").is_empty(),
            "{lines:?}: {alerts:#?}"
        );
    }
    // Decompressed after the warning: it stays raised, nothing new; a second wound is no
    // new evidence; a new low reading after a good one re-arms it.
    let lines = [
        ("05:00", "casualty two, gunshot wound to the left chest"),
        ("05:06", "sats eighty six"),
        ("05:08", "also a frag wound to the abdomen"),
        ("05:09", "needle D left chest at zero five oh nine"),
        ("05:15", "sats ninety five"),
    ];
    let (alerts, _) = narrate("05:00", &lines, "06:30");
    once_at(&alerts, "tension-ptx-suspected", "05:06");
    let lines = [
        ("05:00", "casualty two, gunshot wound to the left chest"),
        ("05:06", "sats eighty six"),
        ("05:15", "sats ninety two"),
        ("05:30", "sats eighty three"),
    ];
    let (alerts, _) = narrate("05:00", &lines, "06:30");
    let found = of(&alerts, "tension-ptx-suspected");
    assert_eq!(found.len(), 2, "{alerts:#?}");
    assert_eq!(found[1].raised, at("05:30:00"));
}

#[test]
fn a_penetrating_eye_injury_asks_for_acuity_and_a_rigid_shield_once() {
    let lines = [
        ("19:00", "casualty one, shrapnel went into his left eye"),
        ("19:05", "another fragment in the cheek"),
    ];
    let (alerts, _) = narrate("19:00", &lines, "20:00");
    let alert = once_at(&alerts, "eye-injury-shield", "19:00");
    assert_eq!(alert.severity, Severity::Advisory);
    assert!(
        alert.message.contains("visual acuity") && alert.message.contains("rigid eye shield"),
        "{alert:?}"
    );
    // A shield already on, a cut over the eye, a fragment in the arm: nothing.
    for lines in [
        vec![(
            "19:00",
            "casualty one, shrapnel went into his left eye, rigid eye shield taped over it",
        )],
        vec![("19:00", "casualty one, cut above his right eye")],
        vec![("19:00", "casualty one, shrapnel in the left forearm")],
    ] {
        let (alerts, _) = narrate("19:00", &lines, "20:00");
        assert!(
            of(&alerts, "eye-injury-shield").is_empty(),
            "{lines:?}: {alerts:#?}"
        );
    }
}

#[test]
fn an_injury_time_said_with_the_mechanism_sets_the_txa_window() {
    // "<mechanism> blast at T", "<wound>, hit at T", "<wound>, happened at T": the
    // injury time, not the first mention.
    txa_window_from_the_injury_time(&[
        (
            "casualty one, mortar blast at eleven forty, tourniquet right leg",
            "11:40",
        ),
        (
            "casualty one, through and through right thigh, hit at eleven thirty five, tourniquet right leg",
            "11:35",
        ),
        (
            "casualty one, shrapnel in the right thigh, happened at eleven fifty, tourniquet right leg",
            "11:50",
        ),
    ]);
    // Not an injury time: a tourniquet's time, a plan to hit an objective, a demolition.
    txa_window_from_first_mention(&[
        "casualty one, GSW right thigh, TQ right leg at eleven thirty",
        "casualty one, GSW right thigh, tourniquet right leg. We'll hit the objective at eleven thirty.",
        "casualty one, GSW right thigh, tourniquet right leg. The engineers will blast at eleven thirty.",
    ]);
}

/// Each line (heard at 12:00) opens the TXA window from the injury time said in it.
fn txa_window_from_the_injury_time(cases: &[(&str, &str)]) {
    for (line, injury) in cases {
        let (alerts, _) = narrate("12:00", &[("12:00", line)], "13:00");
        let open = once_at(&alerts, "txa-indicated", "12:00");
        let due = format!("give by {}", hhmm_plus_3h(injury));
        assert!(
            open.message.contains(&due) && !open.assumed_time,
            "{line}: {open:?}"
        );
    }
}

/// Each line (heard at 12:00) says no injury time: the window runs from the first mention.
fn txa_window_from_first_mention(lines: &[&str]) {
    for line in lines {
        let (alerts, _) = narrate("12:00", &[("12:00", line)], "13:00");
        let open = once_at(&alerts, "txa-indicated", "12:00");
        assert!(open.assumed_time, "{line}: {open:?}");
    }
}

/// "HH:MM" three hours later, as an alert shows it.
fn hhmm_plus_3h(time: &str) -> String {
    let t = at(time);
    let m = (t.0 / 60 + 180) % (24 * 60);
    format!("{:02}:{:02}", m / 60, m % 60)
}

// --- adv15 branch: the 2 h mark in shock; burn fluids over 20 % TBSA.

#[test]
fn the_two_hour_mark_in_shock_is_an_advisory_never_convert_now() {
    // In shock at the 2 h mark (fresh10 B1, junctional, across midnight): an advisory that
    // the mark is reached and conversion is not advised; no conversion warning.
    let lines = [
        (
            "23:40",
            "Cas one. Male. GSW left groin, high, junctional. Hit at twenty three forty.",
        ),
        (
            "23:44",
            "SAM junctional, left, cinched, twenty three forty four.",
        ),
        (
            "23:47",
            "Radial thready, HR one four four, BP eight two by palp.",
        ),
        ("23:50", "Responds to voice only."),
    ];
    let (alerts, _) = narrate("23:40", &lines, "06:00");
    // Past midnight: the next day's 01:44 and 05:44 on the simulated timeline.
    let mark = once_at(&alerts, "tq-2h-mark-in-shock", "25:44");
    assert_eq!(mark.severity, Severity::Advisory);
    assert!(mark.message.contains("not advised"), "{}", mark.message);
    assert!(
        !mark.message.to_lowercase().contains("convert to"),
        "{}",
        mark.message
    );
    assert!(of(&alerts, "tq-convert-2h").is_empty(), "{alerts:#?}");
    once_at(&alerts, "tq-limit-6h", "29:44");
    // Not in shock at 2 h: the conversion warning, no shock advisory.
    let lines = [
        (
            "09:00",
            "casualty one, tourniquet right leg at zero nine hundred",
        ),
        ("09:05", "he's alert, pulse ninety, radial strong"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "12:00");
    once_at(&alerts, "tq-convert-2h", "11:00");
    assert!(of(&alerts, "tq-2h-mark-in-shock").is_empty(), "{alerts:#?}");
    // Shock passed after the mark: the advisory at 2 h, then the conversion warning when
    // he is alert again (new evidence); each once.
    let lines = [
        (
            "09:00",
            "casualty one, tourniquet right leg at zero nine hundred",
        ),
        ("09:05", "he's only responding to pain"),
        ("11:30", "he's alert and talking now"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "14:00");
    once_at(&alerts, "tq-2h-mark-in-shock", "11:00");
    once_at(&alerts, "tq-convert-2h", "11:30");
    // An amputated limb is never converted: neither.
    let lines = [
        (
            "09:00",
            "casualty one, traumatic amputation left leg, tourniquet left leg at zero nine hundred",
        ),
        ("09:05", "he's only responding to pain"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "12:00");
    assert!(
        of(&alerts, "tq-2h-mark-in-shock").is_empty() && of(&alerts, "tq-convert-2h").is_empty(),
        "{alerts:#?}"
    );
}

#[test]
fn a_radial_said_stronger_or_better_ends_the_shock_the_two_hour_mark_reads() {
    // Set 22 B3 (studied): weak radial at 09:15, "radial stronger, BP one hundred over
    // sixty, alert" at 10:30; the 2 h mark at 11:12 must ask for conversion, not say shock.
    for better in [
        "Pulse one ten, radial stronger, BP one hundred over sixty, alert.",
        "Radial's better now, pulse one oh four.",
        "his radial pulse has improved, he's talking",
    ] {
        let lines = [
            (
                "09:05",
                "casualty one, male, gunshot wound right thigh, hit at zero nine zero five",
            ),
            ("09:12", "CAT right thigh, high, zero nine twelve"),
            ("09:15", "Pulse one thirty two, radial weak."),
            ("10:30", better),
        ];
        let (alerts, _) = narrate("09:05", &lines, "12:00");
        once_at(&alerts, "tq-convert-2h", "11:12");
        assert!(
            of(&alerts, "tq-2h-mark-in-shock").is_empty(),
            "{better}: {alerts:#?}"
        );
    }
    // No better: still weak, so still the shock advisory.
    for same in [
        "Pulse one thirty, radial no better.",
        "radial's still weak, pulse one thirty",
    ] {
        let lines = [
            (
                "09:05",
                "casualty one, male, gunshot wound right thigh, hit at zero nine zero five",
            ),
            ("09:12", "CAT right thigh, high, zero nine twelve"),
            ("09:15", "Pulse one thirty two, radial weak."),
            ("10:30", same),
        ];
        let (alerts, _) = narrate("09:05", &lines, "12:00");
        once_at(&alerts, "tq-2h-mark-in-shock", "11:12");
        assert!(
            of(&alerts, "tq-convert-2h").is_empty(),
            "{same}: {alerts:#?}"
        );
    }
}

#[test]
fn burns_over_twenty_percent_call_for_fluids_at_the_rate_of_the_weight() {
    // 30 % at 70 kg (fresh10 B4): 300 ml/h, when heard, once.
    let lines = [
        (
            "21:00",
            "Casualty one, male, vehicle fire, burns to both arms and the chest, I make it thirty percent, he's about seventy kilos.",
        ),
        ("21:05", "Casualty one, alert, pulse one hundred, radial strong."),
        ("21:40", "Lactated ringer's started IV at twenty one forty, three hundred mils an hour."),
    ];
    let (alerts, _) = narrate("21:00", &lines, "23:00");
    let alert = once_at(&alerts, "burn-fluids", "21:00");
    assert_eq!(alert.severity, Severity::Advisory);
    assert!(alert.message.contains("300 ml/h"), "{}", alert.message);
    assert!(alert.message.contains("70 kg"), "{}", alert.message);
    // Above 80 kg: +100 ml/h per full 10 kg (100 kg: 400 + 200).
    let (alerts, _) = narrate(
        "10:00",
        &[(
            "10:00",
            "casualty one, burns to the chest and back, forty percent, he's a hundred kilos",
        )],
        "11:00",
    );
    let alert = once_at(&alerts, "burn-fluids", "10:00");
    assert!(alert.message.contains("600 ml/h"), "{}", alert.message);
    // No weight said: the formula with the 40-80 kg rate.
    let (alerts, _) = narrate(
        "10:00",
        &[(
            "10:00",
            "casualty one, burns to both legs, thirty percent TBSA",
        )],
        "11:00",
    );
    let alert = once_at(&alerts, "burn-fluids", "10:00");
    assert!(
        alert.message.contains("300 ml/h for 40-80 kg") && alert.message.contains("no weight said"),
        "{}",
        alert.message
    );
}

#[test]
fn burn_fluids_do_not_fire_at_or_under_twenty_percent_fire_once_and_rearm_on_a_new_surface() {
    for line in [
        "casualty one, burns to the right arm, twenty percent",
        "casualty one, burns to the right arm, ten percent, he's seventy kilos",
        "casualty one, burns to both arms",
    ] {
        let (alerts, _) = narrate("10:00", &[("10:00", line)], "16:00");
        assert!(of(&alerts, "burn-fluids").is_empty(), "{line}: {alerts:#?}");
    }
    // Said again the same: once. A new surface: again, with its rate.
    let lines = [
        (
            "10:00",
            "casualty one, burns to the chest, thirty percent, he's seventy kilos",
        ),
        ("10:10", "burns still thirty percent"),
        ("10:30", "burns are more like forty percent"),
        ("10:40", "pulse one hundred"),
    ];
    let (alerts, _) = narrate("10:00", &lines, "12:00");
    let found = of(&alerts, "burn-fluids");
    assert_eq!(found.len(), 2, "{alerts:#?}");
    assert!((found[0].raised.0 - at("10:00").0).abs() <= 1);
    assert!(
        found[0].message.contains("300 ml/h"),
        "{}",
        found[0].message
    );
    assert!((found[1].raised.0 - at("10:30").0).abs() <= 1);
    assert!(
        found[1].message.contains("400 ml/h"),
        "{}",
        found[1].message
    );
    // Another casualty's burns are not this one's.
    let lines = [
        ("10:00", "casualty one, gunshot wound left arm"),
        ("10:05", "casualty two, burns to the chest, thirty percent"),
    ];
    let (alerts, _) = narrate("10:00", &lines, "12:00");
    let found = of(&alerts, "burn-fluids");
    assert_eq!(found.len(), 1, "{alerts:#?}");
    assert_eq!(found[0].casualty, 2);
}

#[test]
fn an_injury_time_said_with_the_mechanism_is_stated_not_assumed() {
    // fresh10 B3: "blast at zero four one zero" is the injury time, so TXA at 07:25 is a
    // late warning and the window shows no "assumed".
    let lines = [
        (
            "04:10",
            "Zero four one zero: casualty two, female, IED, right leg traumatic amputation below the knee, blast at zero four one zero.",
        ),
        ("04:14", "Zero four one four: pulse one three eight, BP seventy eight by palp, responds to pain."),
        ("07:25", "Zero seven two five: bird delayed, TXA two grams IO, found it in the other bag."),
    ];
    let (alerts, _) = narrate("04:09", &lines, "07:30");
    let window = of(&alerts, "txa-indicated");
    assert_eq!(window.len(), 1, "{alerts:#?}");
    assert!(
        !window[0].message.contains("assumed"),
        "{}",
        window[0].message
    );
    let late = once_at(&alerts, "txa-given-late", "07:25");
    assert_eq!(late.severity, Severity::Warning);
    // The time of another event said with the casualty is no injury time: assumed.
    let lines = [
        (
            "04:10",
            "casualty two, IED, right leg traumatic amputation below the knee, tourniquet right thigh at zero four one zero.",
        ),
        ("07:25", "TXA two grams IO at zero seven twenty five."),
    ];
    let (alerts, _) = narrate("04:09", &lines, "07:30");
    let window = of(&alerts, "txa-indicated");
    assert_eq!(window.len(), 1, "{alerts:#?}");
    assert!(
        window[0].message.contains("assumed"),
        "{}",
        window[0].message
    );
}

#[test]
fn a_landmine_or_device_time_sets_the_txa_window() {
    // adv16 (set 22's landmine block): a mine stepped on, a device that went off, with a
    // clock time, is the injury time, not the first mention.
    txa_window_from_the_injury_time(&[
        (
            "casualty one, stepped on a landmine at eleven thirty, right foot gone, tourniquet right leg",
            "11:30",
        ),
        (
            "casualty one, the IED went off at eleven forty five, tourniquet right leg",
            "11:45",
        ),
    ]);
    // Not an injury time: a nail, an alarm clock.
    txa_window_from_first_mention(&[
        "casualty one, GSW right thigh, tourniquet right leg. He stepped on a nail at eleven thirty.",
        "casualty one, GSW right thigh, tourniquet right leg. My alarm went off at eleven thirty.",
    ]);
}

#[test]
fn an_expectant_casualty_gets_no_clocks_until_re_triaged() {
    // adv17: triaged expectant, the casualty's tourniquet and TXA clocks are held back.
    let base = [
        (
            "09:06",
            "casualty one, tourniquet left leg at zero nine zero five",
        ),
        ("09:10", "casualty one is expectant, agonal breathing"),
    ];
    let (alerts, _) = narrate("09:00", &base, "18:00");
    assert!(of(&alerts, "tq-convert-2h").is_empty(), "{alerts:#?}");
    assert!(of(&alerts, "tq-limit-6h").is_empty(), "{alerts:#?}");
    // What was raised before the triage stands; nothing after it.
    assert!(
        alerts.iter().all(|a| a.raised.0 <= at("09:10").0),
        "{alerts:#?}"
    );
    // Re-triaged at 12:00: what fell due meanwhile is raised then, the rest on time.
    let lines = [
        base[0],
        base[1],
        (
            "12:00",
            "casualty one retriaged to immediate, he's got a radial now",
        ),
    ];
    let (alerts, _) = narrate("09:00", &lines, "18:00");
    once_at(&alerts, "tq-convert-2h", "12:00");
    once_at(&alerts, "tq-limit-6h", "15:05");
    // Another casualty's expectant holds back nothing of casualty one's.
    let lines = [
        (
            "09:06",
            "casualty one, tourniquet left leg at zero nine zero five",
        ),
        ("09:10", "casualty two, black tag"),
    ];
    let (alerts, _) = narrate("09:00", &lines, "18:00");
    once_at(&alerts, "tq-convert-2h", "11:05");
}

#[test]
fn expectant_said_of_something_else_or_as_a_plan_holds_nothing_back() {
    for said in [
        "if he doesn't get blood soon he'll be expectant",
        "he said his wife is expectant, due in May",
        "expectant management is what the doc wants for the ankle",
        "the KIA report goes through battalion",
        "don't call him expectant yet",
    ] {
        let lines = [
            (
                "09:06",
                "casualty one, tourniquet left leg at zero nine zero five",
            ),
            ("09:10", said),
        ];
        let (alerts, _) = narrate("09:00", &lines, "12:00");
        once_at(&alerts, "tq-convert-2h", "11:05");
    }
}

#[test]
fn an_open_chest_wound_without_a_seal_asks_for_one_once() {
    let (alerts, _) = narrate(
        "09:00",
        &[("09:05", "casualty one, gunshot wound to the left chest")],
        "10:00",
    );
    // Due two minutes after the wound is heard: a seal said meanwhile raises nothing.
    let alert = once_at(&alerts, "chest-seal-open-wound", "09:07");
    assert_eq!(alert.severity, Severity::Advisory);
    assert!(alert.message.contains("vented chest seal"), "{alert:?}");
    // A seal said, or a wound that is not open (a cut), raises nothing.
    for lines in [
        &[
            ("09:05", "casualty one, gunshot wound to the left chest"),
            ("09:06", "chest seal on the left chest"),
        ][..],
        &[(
            "09:05",
            "casualty one, shot in the right chest. chest seal applied.",
        )][..],
        &[("09:05", "casualty one, laceration to the left chest")][..],
        &[("09:05", "casualty one, gunshot wound to the left thigh")][..],
    ] {
        let (alerts, _) = narrate("09:00", lines, "10:00");
        assert!(
            of(&alerts, "chest-seal-open-wound").is_empty(),
            "{lines:?}: {alerts:#?}"
        );
    }
}

#[test]
fn an_evisceration_is_covered_and_gets_nothing_by_mouth() {
    let lines = [
        (
            "10:00",
            "casualty one, GSW to the belly, his intestines are hanging out",
        ),
        (
            "10:10",
            "moxifloxacin four hundred milligrams by mouth at ten ten",
        ),
    ];
    let (alerts, _) = narrate("10:00", &lines, "11:00");
    let cover = once_at(&alerts, "evisceration-cover", "10:02");
    assert!(cover.message.contains("impermeable"), "{cover:?}");
    let npo = once_at(&alerts, "evisceration-nothing-by-mouth", "10:10");
    assert_eq!(npo.severity, Severity::Warning);
    // The antibiotic given IV, or a belly wound with no organs out: no warning.
    for lines in [
        &[
            (
                "10:00",
                "casualty one, abdominal evisceration, bowel is out",
            ),
            ("10:10", "ertapenem one gram IV at ten ten"),
        ][..],
        &[
            ("10:00", "casualty one, GSW to the belly"),
            (
                "10:10",
                "moxifloxacin four hundred milligrams by mouth at ten ten",
            ),
        ][..],
    ] {
        let (alerts, _) = narrate("10:00", lines, "11:00");
        assert!(
            of(&alerts, "evisceration-nothing-by-mouth").is_empty(),
            "{lines:?}: {alerts:#?}"
        );
    }
    // No organs out, or a dressing on the belly said within two minutes: no reminder.
    for lines in [
        &[("10:00", "casualty one, GSW to the belly")][..],
        &[
            (
                "10:00",
                "casualty one, abdominal evisceration, bowel is out",
            ),
            ("10:01", "occlusive dressing over the abdomen"),
        ][..],
    ] {
        let (alerts, _) = narrate("10:00", lines, "11:00");
        assert!(
            of(&alerts, "evisceration-cover").is_empty(),
            "{lines:?}: {alerts:#?}"
        );
    }
}
