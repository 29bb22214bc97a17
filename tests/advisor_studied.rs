//! The studied advisor narrations (`tests/corpus/advisor-studied/`, written blind to the
//! rule file, scored once, studied since): every alert their files call for is raised on
//! time, and none of their "must not" alerts. A regression check, not an accuracy figure:
//! these sets were used to find faults. On time means at the due minute or at the line the
//! file names (an utterance-driven alert shows at the first line at or after its due time).

#![allow(clippy::unwrap_used)]

use tccc::advisor::clock::{SimClock, Stamp};
use tccc::advisor::rules::RuleSet;
use tccc::advisor::{Advisor, AlertEvent};
use tccc::extract::{Extractor, ExtractorConfig};

/// Minutes of the day of "HH:MM".
fn minutes(text: &str) -> i64 {
    let (h, m) = text.split_once(':').unwrap();
    h.parse::<i64>().unwrap() * 60 + m.parse::<i64>().unwrap()
}

/// The narration under heading `name` of a studied file: (HH:MM, utterance) lines.
fn narration(file: &str, name: &str) -> Vec<(String, String)> {
    let path = format!(
        "{}/tests/corpus/advisor-studied/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let section = text
        .split("\n## ")
        .find(|s| s.starts_with(name))
        .unwrap_or_else(|| panic!("no narration {name} in {file}"));
    let block = section.split("```").nth(1).unwrap();
    block
        .lines()
        .filter_map(|l| l.split_once(" | "))
        .map(|(t, u)| (t.trim().to_owned(), u.trim().to_owned()))
        .collect()
}

/// (rule, casualty, minute raised relative to the first line, the next day counted on),
/// the clock run to the end of the last line's minute and `more_min` minutes past it.
fn alerts_for(lines: &[(String, String)], more_min: i64) -> Vec<(String, u8, i64)> {
    let first = minutes(&lines[0].0);
    let rel = |t: &str| {
        let m = minutes(t);
        if m < first {
            m + 1440
        } else {
            m
        }
    };
    let start = Stamp(first * 60);
    let mut extractor = Extractor::new(ExtractorConfig::default());
    for (index, (time, text)) in lines.iter().enumerate() {
        let end_s = ((rel(time) - first) * 60 + 1) as f64;
        extractor
            .push_utterance(index as u32, text, end_s - 1.0, end_s)
            .unwrap();
    }
    let last = rel(&lines[lines.len() - 1].0);
    let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
    let mut clock = SimClock::new(start);
    advisor
        .replay(
            extractor.events(),
            &mut clock,
            Some(Stamp((last + more_min) * 60 + 59)),
        )
        .unwrap()
        .into_iter()
        .filter_map(|e| match e {
            AlertEvent::Raised(a) => Some((a.rule, a.casualty, a.raised.0.div_euclid(60))),
            AlertEvent::Acknowledged { .. } => None,
        })
        .map(|(r, c, m)| (r, c, if m < first { m + 1440 } else { m }))
        .collect()
}

/// When an alert counts: at one of these minutes, or within a range of them.
enum When {
    At(&'static [&'static str]),
    Between(&'static str, &'static str),
    Ever,
}

/// Checks one narration: each `expected` (rule, casualty, when) raised, no `forbidden`
/// (casualty 0: any casualty).
fn score(file: &str, name: &str, expected: &[(&str, u8, When)], forbidden: &[(&str, u8, When)]) {
    score_for(file, name, 0, expected, forbidden);
}

/// As `score`, the clock run `more_min` minutes past the last line.
fn score_for(
    file: &str,
    name: &str,
    more_min: i64,
    expected: &[(&str, u8, When)],
    forbidden: &[(&str, u8, When)],
) {
    let lines = narration(file, name);
    let first = minutes(&lines[0].0);
    let rel = |t: &str| {
        let m = minutes(t);
        if m < first {
            m + 1440
        } else {
            m
        }
    };
    let got = alerts_for(&lines, more_min);
    let fits = |when: &When, m: i64| match when {
        When::At(times) => times.iter().any(|t| rel(t) == m),
        When::Between(a, b) => rel(a) <= m && m <= rel(b),
        When::Ever => true,
    };
    let timeline: Vec<String> = got
        .iter()
        .map(|(r, c, m)| format!("{:02}:{:02} c{c} {r}", (m / 60) % 24, m % 60))
        .collect();
    for (rule, casualty, when) in expected {
        assert!(
            got.iter()
                .any(|(r, c, m)| r == rule && c == casualty && fits(when, *m)),
            "{file} {name}: {rule} for casualty {casualty} not on time; timeline:\n{}",
            timeline.join("\n")
        );
    }
    for (rule, casualty, when) in forbidden {
        assert!(
            !got.iter()
                .any(|(r, c, m)| r == rule && (*casualty == 0 || c == casualty) && fits(when, *m)),
            "{file} {name}: {rule} for casualty {casualty} must not fire; timeline:\n{}",
            timeline.join("\n")
        );
    }
}

use When::{At, Between, Ever};

#[test]
fn advisor11_tourniquets_converted_removed_and_amputated() {
    score(
        "advisor11.md",
        "A11-1",
        &[
            ("tq-convert-2h", 1, At(&["08:02", "08:05"])),
            ("tq-limit-6h", 1, At(&["12:02", "12:05"])),
            ("tq-limit-6h", 3, At(&["12:20", "12:25"])),
        ],
        &[
            ("tq-convert-2h", 1, Between("06:00", "08:01")),
            ("tq-convert-2h", 1, Between("08:06", "23:59")),
            ("tq-convert-2h", 2, Ever),
            ("tq-limit-6h", 2, Ever),
            ("tq-convert-2h", 3, Ever),
            ("tq-limit-6h", 1, Between("06:00", "12:01")),
            ("tq-limit-6h", 3, Between("06:00", "12:19")),
        ],
    );
}

#[test]
fn advisor11_txa_window_from_the_stated_injury_time() {
    score(
        "advisor11.md",
        "A11-2",
        &[
            ("txa-window-closed", 2, At(&["12:00", "12:20"])),
            ("txa-given-late", 2, At(&["12:20"])),
        ],
        // Not checked: the file's "no TXA late for casualty 3" (injury time unknown). TXA
        // at 13:10 for a casualty first mentioned at 09:40 is more than 3 h after his
        // injury whenever it was; the advisor says so as an advisory that names the
        // injury time as assumed (tests/advisor_rules.rs `txa_indicated_closed_and_late`).
        &[("txa-given-late", 1, Ever)],
    );
}

#[test]
fn advisor11_calcium_hypothermia_analgesia_antiemetic() {
    score(
        "advisor11.md",
        "A11-3",
        &[
            ("hypothermia-with-fluids", 1, At(&["14:10"])),
            ("calcium-after-blood", 1, Between("14:10", "14:29")),
        ],
        &[
            ("hypothermia-with-fluids", 1, Between("14:15", "23:59")),
            ("hypothermia-with-fluids", 2, Ever),
            ("calcium-after-blood", 2, Ever),
            ("calcium-after-blood", 1, Between("14:30", "23:59")),
            ("txa-given-late", 0, Ever),
        ],
    );
    score(
        "advisor11.md",
        "A11-4",
        &[
            ("avpu-before-analgesia", 1, At(&["10:02"])),
            ("otfc-redose-early", 1, At(&["10:12"])),
            ("ketamine-redose-early", 2, At(&["10:18"])),
            ("fentanyl-redose-early", 3, At(&["10:45"])),
            ("benzodiazepine-with-opioid", 3, At(&["11:30"])),
        ],
        &[
            ("avpu-before-analgesia", 2, Ever),
            ("avpu-before-analgesia", 3, Ever),
            ("avpu-before-analgesia", 1, At(&["10:12"])),
            ("ketamine-redose-early", 2, At(&["10:40"])),
            ("fentanyl-redose-early", 3, At(&["11:20"])),
        ],
    );
    score(
        "advisor11.md",
        "A11-5",
        &[
            ("antibiotics-open-wound", 1, Between("16:00", "16:49")),
            ("ondansetron-repeat-early", 2, At(&["16:48"])),
            ("ondansetron-cap", 1, At(&["17:15"])),
        ],
        &[
            ("ondansetron-cap", 1, At(&["16:30"])),
            ("ondansetron-repeat-early", 1, At(&["16:30"])),
            ("antibiotics-open-wound", 1, Between("16:50", "23:59")),
            ("antibiotics-open-wound", 2, Ever),
            ("antibiotics-open-wound", 3, Between("17:00", "23:59")),
        ],
    );
}

#[test]
fn advisor11_across_midnight_with_a_group_injury_time() {
    score(
        "advisor11.md",
        "A11-6",
        &[
            ("ketamine-redose-early", 1, At(&["00:02"])),
            ("tq-convert-2h", 1, At(&["01:10", "01:15"])),
            ("txa-window-closed", 2, At(&["02:05", "02:20"])),
            ("txa-given-late", 2, At(&["02:20"])),
            ("tq-limit-6h", 1, At(&["05:10", "05:15"])),
        ],
        &[
            ("tq-convert-2h", 1, Between("23:05", "01:09")),
            ("txa-given-late", 1, Ever),
            ("avpu-before-analgesia", 1, Ever),
            ("tq-convert-2h", 2, Ever),
            ("tq-limit-6h", 2, Ever),
        ],
    );
}

#[test]
fn advisor12_every_narration() {
    score(
        "advisor12.md",
        "A1",
        &[
            ("disarm-after-sedation", 1, At(&["23:50"])),
            ("fentanyl-redose-early", 1, At(&["00:10"])),
            ("tq-convert-2h", 1, At(&["00:37"])),
            ("tq-limit-6h", 1, At(&["04:37"])),
        ],
        &[
            ("avpu-before-analgesia", 0, Ever),
            ("calcium-after-blood", 0, Ever),
            ("tq-convert-2h", 1, Between("22:35", "00:36")),
        ],
    );
    score(
        "advisor12.md",
        "A2",
        &[
            ("txa-indicated", 1, At(&["13:00"])),
            ("txa-indicated", 2, At(&["13:02"])),
            ("txa-window-closed", 2, At(&["13:30"])),
            ("txa-given-late", 2, At(&["13:45"])),
            ("txa-indicated", 3, At(&["13:05"])),
        ],
        &[
            ("txa-window-closed", 1, Ever),
            ("txa-given-late", 1, Ever),
            ("txa-given-late", 3, Ever),
            ("calcium-after-blood", 0, Ever),
            ("avpu-before-analgesia", 0, Ever),
            ("tq-convert-2h", 0, Ever),
        ],
    );
    score(
        "advisor12.md",
        "A3",
        &[
            ("txa-indicated", 1, At(&["09:00", "09:05"])),
            ("calcium-after-blood", 1, At(&["09:05"])),
            ("avpu-before-analgesia", 1, At(&["09:10"])),
            ("disarm-after-sedation", 1, At(&["09:10"])),
            ("disarm-after-sedation", 2, At(&["09:32"])),
        ],
        &[
            ("avpu-before-analgesia", 2, Ever),
            ("calcium-after-blood", 2, Ever),
            ("calcium-after-blood", 1, Between("09:25", "23:59")),
        ],
    );
    score(
        "advisor12.md",
        "A4",
        &[
            ("disarm-after-sedation", 1, At(&["10:02"])),
            ("fentanyl-redose-early", 1, At(&["10:20"])),
            ("disarm-after-sedation", 2, At(&["10:26"])),
            ("ondansetron-cap", 1, At(&["11:40"])),
            ("disarm-after-sedation", 3, At(&["11:46"])),
            ("otfc-redose-early", 3, At(&["11:55"])),
            ("benzodiazepine-with-opioid", 1, At(&["12:10"])),
        ],
        &[
            ("ketamine-redose-early", 2, Ever),
            ("ondansetron-cap", 1, At(&["11:20"])),
            ("ondansetron-repeat-early", 1, At(&["11:20"])),
            ("avpu-before-analgesia", 0, Ever),
            ("benzodiazepine-with-opioid", 2, Ever),
            ("benzodiazepine-with-opioid", 3, Ever),
            ("txa-given-late", 0, Ever),
            ("calcium-after-blood", 0, Ever),
            ("tq-convert-2h", 0, Ever),
        ],
    );
}

#[test]
fn advisor13_converted_tourniquet_amputation_late_txa_and_repeats() {
    score(
        "advisor13.md",
        "B1",
        &[
            ("antibiotics-open-wound", 1, At(&["21:40"])),
            ("antibiotics-open-wound", 2, At(&["21:50"])),
            ("tq-convert-2h", 1, At(&["23:42"])),
            ("tq-limit-6h", 1, At(&["03:42"])),
        ],
        &[
            ("tq-convert-2h", 2, Ever),
            ("tq-limit-6h", 2, Ever),
            ("tq-convert-2h", 1, Between("21:40", "23:41")),
            ("tq-limit-6h", 1, Between("21:40", "03:41")),
            ("calcium-after-blood", 0, Ever),
            ("hypothermia-with-fluids", 0, Ever),
            ("avpu-before-analgesia", 0, Ever),
            ("disarm-after-sedation", 0, Ever),
        ],
    );
    score(
        "advisor13.md",
        "B2",
        &[
            ("txa-indicated", 1, At(&["10:05"])),
            ("pelvic-binder-amputation", 1, At(&["10:05"])),
            ("antibiotics-open-wound", 1, At(&["10:05"])),
            ("hypothermia-with-fluids", 1, At(&["10:20"])),
            ("calcium-after-blood", 1, At(&["10:20"])),
            ("txa-indicated", 2, At(&["10:40"])),
            ("antibiotics-open-wound", 2, At(&["10:40"])),
            ("hypothermia-with-fluids", 2, At(&["10:55"])),
            ("tq-limit-6h", 1, At(&["16:06"])),
        ],
        &[
            // An amputation, and in shock: no conversion (DOMAIN.md §4.4 #3).
            ("tq-convert-2h", 1, Ever),
            ("txa-given-late", 0, Ever),
            ("calcium-after-blood", 2, Ever),
            ("avpu-before-analgesia", 0, Ever),
            ("disarm-after-sedation", 0, Ever),
        ],
    );
    score(
        "advisor13.md",
        "B3",
        &[
            ("txa-window-closed", 1, At(&["15:30", "15:32"])),
            ("txa-given-late", 1, At(&["15:40"])),
            ("avpu-before-analgesia", 1, At(&["15:45"])),
            ("disarm-after-sedation", 1, At(&["15:45"])),
            ("fentanyl-redose-early", 1, At(&["16:05"])),
            ("antibiotics-open-wound", 1, At(&["15:30", "15:32"])),
            ("antibiotics-open-wound", 2, At(&["16:20"])),
            ("disarm-after-sedation", 2, At(&["16:22"])),
            ("ketamine-redose-early", 2, At(&["16:35"])),
        ],
        &[
            ("txa-indicated", 1, Ever),
            ("avpu-before-analgesia", 2, Ever),
            ("ketamine-redose-early", 2, At(&["16:58"])),
            ("txa-indicated", 2, Ever),
            ("calcium-after-blood", 0, Ever),
            ("hypothermia-with-fluids", 0, Ever),
            ("benzodiazepine-with-opioid", 0, Ever),
        ],
    );
    // B4's "TXA indicated" for the tourniquet later removed as not needed still fires (the
    // rule file reads any tourniquet as severe bleeding): a known miss.
    score(
        "advisor13.md",
        "B4",
        &[
            ("tq-over-clothing", 1, At(&["06:12"])),
            ("antibiotics-open-wound", 1, At(&["06:10"])),
            ("disarm-after-sedation", 1, At(&["06:22"])),
            ("otfc-redose-early", 1, At(&["06:32"])),
            ("ondansetron-cap", 1, At(&["07:05"])),
        ],
        &[
            ("avpu-before-analgesia", 0, Ever),
            ("ondansetron-cap", 1, At(&["06:47"])),
            ("ondansetron-repeat-early", 1, At(&["06:47"])),
            ("tq-convert-2h", 0, Ever),
            ("tq-limit-6h", 0, Ever),
            ("calcium-after-blood", 0, Ever),
            ("hypothermia-with-fluids", 0, Ever),
            ("benzodiazepine-with-opioid", 0, Ever),
        ],
    );
}

// --- advisor3 branch: B4's tourniquet, "not needed, removed at zero six forty", is off:
// with the clock run on to 12:30 neither its 2 h (08:12) nor its 6 h (12:12) alert comes.
#[test]
fn advisor13_b4_removed_tourniquet_stays_silent_past_six_hours() {
    let lines = narration("advisor13.md", "B4");
    let got = alerts_for(&lines, 300);
    assert!(
        !got.iter().any(|(r, _, _)| r.starts_with("tq-convert")
            || r.starts_with("tq-limit")
            || r == "tq-off-time-missing"),
        "{got:?}"
    );
    // The over-clothing advisory came once, at 06:12, before the removal.
    let over: Vec<_> = got
        .iter()
        .filter(|(r, _, _)| r == "tq-over-clothing")
        .collect();
    assert_eq!(over.len(), 1, "{got:?}");
}

// --- adv5: fresh set 8's advisor blocks (studied). A1's 2 h / 6 h tourniquet alerts fall
// after its last line and are not scored here.
#[test]
fn advisor8_naloxone_tension_eye_and_injury_time_with_the_mechanism() {
    score(
        "advisor8.md",
        "A1",
        &[
            ("antibiotics-open-wound", 1, At(&["10:00"])),
            ("txa-indicated", 1, Between("10:00", "10:15")),
            ("shock-suggest-urgent", 1, At(&["10:08"])),
            ("calcium-after-blood", 1, At(&["10:15"])),
            ("hypothermia-with-fluids", 1, At(&["10:15"])),
        ],
        &[
            ("avpu-before-analgesia", 0, Ever),
            ("disarm-after-sedation", 0, Ever),
            ("naloxone-with-opioid", 0, Ever),
            ("pelvic-binder-amputation", 0, Ever),
            ("tension-ptx-suspected", 0, Ever),
            ("txa-given-late", 0, Ever),
        ],
    );
    score(
        "advisor8.md",
        "A2",
        &[
            ("antibiotics-open-wound", 2, At(&["08:00"])),
            ("avpu-before-analgesia", 2, At(&["08:05"])),
            ("disarm-after-sedation", 2, At(&["08:05"])),
            ("naloxone-with-opioid", 2, At(&["08:05"])),
            ("fentanyl-redose-early", 2, At(&["08:20"])),
            ("ondansetron-cap", 2, At(&["09:10"])),
            ("benzodiazepine-with-opioid", 2, At(&["09:15"])),
        ],
        &[
            ("avpu-before-analgesia", 2, At(&["08:20"])),
            ("naloxone-with-opioid", 2, Between("08:06", "09:20")),
            ("ondansetron-cap", 2, At(&["08:40"])),
            ("ondansetron-repeat-early", 0, Ever),
            ("txa-indicated", 0, Ever),
            ("calcium-after-blood", 0, Ever),
            ("hypothermia-with-fluids", 0, Ever),
            ("shock-suggest-urgent", 0, Ever),
            ("tq-convert-2h", 0, Ever),
        ],
    );
    score(
        "advisor8.md",
        "A3",
        &[
            ("antibiotics-open-wound", 1, At(&["13:00"])),
            ("txa-indicated", 1, Between("13:00", "13:05")),
            ("pelvic-binder-amputation", 1, Between("13:00", "13:05")),
            ("shock-suggest-urgent", 1, At(&["13:05"])),
            ("disarm-after-sedation", 1, At(&["13:10"])),
            ("ketamine-redose-early", 1, At(&["13:20"])),
            ("calcium-after-blood", 1, At(&["13:25"])),
            ("hypothermia-with-fluids", 1, At(&["13:25"])),
            ("txa-given-late", 1, At(&["16:20"])),
        ],
        &[
            ("avpu-before-analgesia", 0, Ever),
            ("tq-convert-2h", 0, Ever),
            ("naloxone-with-opioid", 0, Ever),
            ("tension-ptx-suspected", 0, Ever),
        ],
    );
    score(
        "advisor8.md",
        "A4",
        &[
            ("antibiotics-open-wound", 1, At(&["21:00"])),
            ("txa-indicated", 1, At(&["21:00"])),
            ("tension-ptx-suspected", 1, At(&["21:05"])),
            ("disarm-after-sedation", 1, At(&["21:12"])),
            ("naloxone-with-opioid", 1, At(&["21:12"])),
            ("eye-injury-shield", 1, At(&["21:15"])),
            ("otfc-redose-early", 1, At(&["21:20"])),
        ],
        &[
            ("tension-ptx-suspected", 1, Between("21:06", "21:45")),
            ("naloxone-with-opioid", 1, Between("21:13", "21:45")),
            ("avpu-before-analgesia", 0, Ever),
            ("calcium-after-blood", 0, Ever),
            ("hypothermia-with-fluids", 0, Ever),
            ("shock-suggest-urgent", 0, Ever),
            ("tq-convert-2h", 0, Ever),
            ("fentanyl-redose-early", 0, Ever),
            ("ketamine-redose-early", 0, Ever),
        ],
    );
}

// --- adv5: the injury time said with the mechanism ("IED blast at thirteen hundred",
// "hit at twenty one hundred") is the one the TXA alerts count from, not the first mention.
#[test]
fn advisor8_txa_counts_from_the_injury_time_said_with_the_mechanism() {
    for (block, injury) in [("A3", "13:00"), ("A4", "21:00")] {
        let lines = narration("advisor8.md", block);
        let start = Stamp(minutes(&lines[0].0) * 60);
        let mut extractor = Extractor::new(ExtractorConfig::default());
        for (index, (time, text)) in lines.iter().enumerate() {
            let mut m = minutes(time) - minutes(&lines[0].0);
            if m < 0 {
                m += 1440;
            }
            let end_s = (m * 60 + 1) as f64;
            extractor
                .push_utterance(index as u32, text, end_s - 1.0, end_s)
                .unwrap();
        }
        let mut advisor = Advisor::new(RuleSet::builtin().unwrap(), start);
        let mut clock = SimClock::new(start);
        let raised = advisor
            .replay(extractor.events(), &mut clock, None)
            .unwrap();
        let txa: Vec<_> = raised
            .iter()
            .filter_map(|e| match e {
                AlertEvent::Raised(a) if a.rule.starts_with("txa-") => Some(a),
                _ => None,
            })
            .collect();
        assert!(!txa.is_empty(), "{block}: {raised:#?}");
        for a in txa {
            assert!(
                a.message.contains(&format!("injury at {injury}"))
                    && !a.message.contains("assumed")
                    && !a.assumed_time,
                "{block}: {a:?}"
            );
        }
    }
}

// --- adv15: advisor10 (fresh10, studied): the junctional device, the 2 h mark in shock,
// injury times said with the mechanism, burn fluids.

#[test]
fn advisor10_b1_junctional_device_across_midnight_in_shock() {
    score_for(
        "advisor10.md",
        "B1",
        330,
        &[
            ("antibiotics-open-wound", 1, At(&["23:40"])),
            ("txa-indicated", 1, Between("23:40", "23:47")),
            ("calcium-after-blood", 1, At(&["23:58"])),
            ("hypothermia-with-fluids", 1, At(&["23:58"])),
            ("disarm-after-sedation", 1, At(&["00:12"])),
            ("ketamine-redose-early", 1, At(&["00:25"])),
            // In shock at the 2 h mark: the mark, not "convert now" (product-owner call).
            ("tq-2h-mark-in-shock", 1, At(&["01:44"])),
            ("tq-limit-6h", 1, At(&["05:44"])),
        ],
        &[
            ("tq-convert-2h", 0, Ever),
            ("avpu-before-analgesia", 0, Ever),
            ("txa-given-late", 0, Ever),
            ("txa-window-closed", 0, Ever),
            ("tension-ptx-suspected", 0, Ever),
            ("pelvic-binder-amputation", 0, Ever),
            ("ondansetron-cap", 0, Ever),
            ("benzodiazepine-with-opioid", 0, Ever),
        ],
    );
}

#[test]
fn advisor10_b2_b3_injury_times_said_with_the_mechanism() {
    score_for(
        "advisor10.md",
        "B2",
        320,
        &[
            ("antibiotics-open-wound", 1, At(&["16:35"])),
            ("disarm-after-sedation", 2, At(&["16:50"])),
            ("naloxone-with-opioid", 2, At(&["16:50"])),
            ("disarm-after-sedation", 1, At(&["16:55"])),
            ("otfc-reassess", 2, At(&["17:05"])),
            ("ketamine-redose-early", 1, At(&["17:10"])),
            ("tq-convert-2h", 1, At(&["18:40"])),
            ("tq-limit-6h", 1, At(&["22:40"])),
        ],
        &[
            ("avpu-before-analgesia", 0, Ever),
            ("ondansetron-cap", 0, Ever),
            ("calcium-after-blood", 0, Ever),
            ("hypothermia-with-fluids", 0, Ever),
            ("shock-suggest-urgent", 0, Ever),
            ("otfc-reassess", 1, Ever),
            ("ketamine-redose-early", 2, Ever),
            ("tq-2h-mark-in-shock", 0, Ever),
        ],
    );
    score_for(
        "advisor10.md",
        "B3",
        180,
        &[
            ("txa-indicated", 2, Between("04:10", "04:14")),
            ("antibiotics-open-wound", 2, At(&["04:10"])),
            ("pelvic-binder-amputation", 2, At(&["04:10"])),
            ("calcium-after-blood", 2, At(&["04:20"])),
            ("hypothermia-with-fluids", 2, At(&["04:20"])),
            ("disarm-after-sedation", 2, At(&["04:40"])),
            ("txa-given-late", 2, At(&["07:25"])),
            ("tq-limit-6h", 2, At(&["10:11"])),
            ("tq-limit-6h", 2, At(&["10:12"])),
        ],
        &[
            ("tq-convert-2h", 0, Ever),
            ("tq-2h-mark-in-shock", 0, Ever),
            ("avpu-before-analgesia", 0, Ever),
            ("ketamine-redose-early", 0, Ever),
        ],
    );
}

#[test]
fn advisor10_b4_burn_fluids_eye_and_the_antiemetic_cap() {
    score(
        "advisor10.md",
        "B4",
        &[
            ("burn-fluids", 1, At(&["21:00"])),
            ("eye-injury-shield", 2, At(&["21:10"])),
            ("antibiotics-open-wound", 2, At(&["21:10"])),
            ("hypothermia-with-fluids", 1, At(&["21:40"])),
            ("ondansetron-cap", 1, At(&["22:00"])),
        ],
        &[
            ("ondansetron-cap", 2, Ever),
            ("ondansetron-cap", 1, Between("21:00", "21:59")),
            ("ondansetron-repeat-early", 0, Ever),
            ("avpu-before-analgesia", 0, Ever),
            ("txa-indicated", 0, Ever),
            ("calcium-after-blood", 0, Ever),
            ("tq-convert-2h", 0, Ever),
            ("burn-fluids", 2, Ever),
        ],
    );
}

// --- set 23 (fresh16, studied after its first look): amputation in shock with late TXA,
// an open chest wound with a tension pneumothorax, burns said as an estimate.

#[test]
fn advisor16_a_amputation_in_shock_blood_without_calcium_late_txa() {
    score(
        "advisor16.md",
        "Block A",
        &[
            ("txa-indicated", 1, At(&["09:00"])),
            ("antibiotics-open-wound", 1, At(&["09:00"])),
            ("pelvic-binder-amputation", 1, At(&["09:00"])),
            ("calcium-after-blood", 1, At(&["09:15"])),
            ("hypothermia-with-fluids", 1, At(&["09:15"])),
            ("avpu-before-analgesia", 1, At(&["09:40"])),
            ("disarm-after-sedation", 1, At(&["09:40"])),
            ("txa-given-late", 1, At(&["12:05"])),
        ],
        &[
            ("tq-convert-2h", 0, Ever),
            ("tq-2h-mark-in-shock", 0, Ever),
            ("tq-limit-6h", 0, Ever),
            ("ketamine-redose-early", 0, Ever),
            ("tension-ptx-suspected", 0, Ever),
            ("chest-seal-open-wound", 0, Ever),
            ("calcium-after-blood", 0, Between("09:00", "09:14")),
        ],
    );
}

#[test]
fn advisor16_b_open_chest_wound_tension_and_an_early_fentanyl() {
    score_for(
        "advisor16.md",
        "Block B",
        0,
        &[
            // The seal is asked for 2 min after the wound is heard (no nag meanwhile).
            ("chest-seal-open-wound", 2, At(&["14:02"])),
            ("txa-indicated", 2, At(&["14:00"])),
            ("antibiotics-open-wound", 2, At(&["14:00"])),
            ("disarm-after-sedation", 2, At(&["14:10"])),
            ("naloxone-with-opioid", 2, At(&["14:10"])),
            ("fentanyl-redose-early", 2, At(&["14:25"])),
            ("tension-ptx-suspected", 2, At(&["14:30"])),
            ("tq-convert-2h", 2, At(&["16:03"])),
        ],
        &[
            ("calcium-after-blood", 0, Ever),
            ("avpu-before-analgesia", 0, Ever),
            ("tq-limit-6h", 0, Ever),
            ("pelvic-binder-amputation", 0, Ever),
            ("chest-seal-open-wound", 0, Between("14:35", "16:10")),
            ("tension-ptx-suspected", 0, Between("14:38", "16:10")),
        ],
    );
}

#[test]
fn advisor16_c_burns_said_as_an_estimate_eye_and_polypharmacy() {
    score(
        "advisor16.md",
        "Block C",
        &[
            ("eye-injury-shield", 3, At(&["20:00"])),
            ("antibiotics-open-wound", 3, At(&["20:00"])),
            ("burn-fluids", 3, At(&["20:00"])),
            ("disarm-after-sedation", 3, At(&["20:08"])),
            ("naloxone-with-opioid", 3, At(&["20:08"])),
            ("otfc-redose-early", 3, At(&["20:20"])),
            ("benzodiazepine-with-opioid", 3, At(&["20:25"])),
            ("hypothermia-with-fluids", 3, Between("20:00", "20:40")),
        ],
        &[
            ("ondansetron-cap", 0, Ever),
            ("avpu-before-analgesia", 0, Ever),
            ("txa-indicated", 0, Ever),
            ("calcium-after-blood", 0, Ever),
            ("pelvic-binder-amputation", 0, Ever),
        ],
    );
}

// Set 24 (fresh17, written blind to the rule file; `advisor17.md`), studied after its one
// score: 17 of 20 on time at the first look; since then the weight said in a clause of its
// own and the 6 h limit announced 30 min before.

#[test]
fn advisor17_1_amputation_blood_then_txa_and_an_early_ketamine() {
    score_for(
        "advisor17.md",
        "Block 1",
        0,
        &[
            ("txa-indicated", 1, At(&["08:07"])),
            ("antibiotics-open-wound", 1, At(&["08:07"])),
            ("pelvic-binder-amputation", 1, Between("08:07", "08:15")),
            ("calcium-after-blood", 1, At(&["08:18"])),
            ("hypothermia-with-fluids", 1, At(&["08:18"])),
            ("disarm-after-sedation", 1, At(&["08:50"])),
            ("ketamine-redose-early", 1, At(&["09:05"])),
        ],
        &[
            ("tq-convert-2h", 0, Ever),
            ("tq-limit-6h-approaching", 0, Ever),
            ("txa-given-late", 0, Ever),
            ("avpu-before-analgesia", 0, Ever),
            ("txa-window-closed", 0, Ever),
        ],
    );
}

#[test]
fn advisor17_2_opioid_antiemetic_cap_late_txa_and_a_long_tourniquet() {
    score(
        "advisor17.md",
        "Block 2",
        &[
            ("avpu-before-analgesia", 2, At(&["13:10"])),
            ("disarm-after-sedation", 2, At(&["13:10"])),
            ("ondansetron-cap", 2, At(&["14:42"])),
            ("tq-convert-2h", 2, At(&["15:02"])),
            ("txa-given-late", 2, At(&["16:10"])),
            ("tq-limit-6h-approaching", 2, At(&["18:32"])),
            ("antibiotics-open-wound", 2, At(&["12:58"])),
        ],
        &[
            ("benzodiazepine-with-opioid", 0, Ever),
            ("ondansetron-cap", 0, Between("12:58", "14:41")),
            ("calcium-after-blood", 0, Ever),
            ("hypothermia-with-fluids", 0, Ever),
        ],
    );
}

#[test]
fn advisor17_3_burns_with_a_weight_open_chest_and_tension() {
    score(
        "advisor17.md",
        "Block 3",
        &[
            ("txa-indicated", 3, At(&["21:00"])),
            ("antibiotics-open-wound", 3, At(&["21:00"])),
            ("chest-seal-open-wound", 3, Between("21:00", "21:03")),
            ("burn-fluids", 3, At(&["21:10"])),
            ("tension-ptx-suspected", 3, At(&["21:15"])),
            ("hypothermia-with-fluids", 3, At(&["21:30"])),
        ],
        &[
            ("calcium-after-blood", 0, Ever),
            ("avpu-before-analgesia", 0, Ever),
            ("chest-seal-open-wound", 0, Between("21:06", "22:40")),
            ("tq-convert-2h", 0, Ever),
        ],
    );
}
